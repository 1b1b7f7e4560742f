/*
 * kernel.h - talon's deterministic core.
 *
 * One call, tl_kernel_apply, applies one input record and emits the
 * outputs it causes (venue requests, id reservations, events) to a sink,
 * in order. The kernel makes no I/O, reads no clock (time is the input's
 * hdr.time), and allocates only in tl_kernel_init: the engine thread, the
 * journal replayer and the tests drive the same code, so replaying the
 * same inputs reproduces the same outputs and state, bit for bit.
 *
 * Threading: a kernel belongs to one thread. Other threads see it only
 * through what the sink publishes.
 */
#ifndef TL_KERNEL_H
#define TL_KERNEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel/orders.h"
#include "kernel/position.h"
#include "kernel/record.h"
#include "kernel/retry.h"
#include "kernel/strat.h"
#include "kernel/symbols.h"
#include "kernel/types.h"

#define TL_PREFIX_MAX 16
/* Largest client id sequence: 18 digits, so any id fits the venue's 36
 * characters and no sequence arithmetic can overflow a uint64. */
#define TL_SEQ_MAX 1000000000000000000ULL
/* Least distance past the reserved ids at which an adopted sequence is
 * foreign (K5); the window is otherwise 8 id blocks. */
#define TL_ADOPT_WINDOW_MIN 10000ULL

/* Where outputs go. emit() must not call back into the kernel. */
typedef struct tl_sink {
	void (*emit)(void *ctx, const tl_output_t *out);
	void *ctx;
} tl_sink_t;

/* Everything the kernel needs to start; sizes are fixed for its life. */
typedef struct tl_kernel_cfg {
	uint32_t order_cap;        /* order table slots, power of two */
	uint32_t trade_cap;        /* remembered trade ids for dedup, power of two */
	char clid_prefix[TL_PREFIX_MAX + 1]; /* [A-Za-z0-9_-], 1..16 chars */
	uint64_t id_next;          /* first client id sequence to use (>= 1) */
	uint32_t id_block;         /* ids reserved per ID_RESERVE record */
	bool hedge_mode;           /* LONG/SHORT positions instead of BOTH */
	uint32_t leverage;         /* default leverage for every symbol */
	tl_time_t ack_timeout_ns;  /* SENT without ack this long -> UNKNOWN */
	tl_time_t query_interval_ns; /* re-query an UNKNOWN order this often */
	tl_time_t order_ttl_ns;    /* default time-to-live, 0 = none */
	/* A new-order request can still reach the venue this long after it
	 * was sent (the venue's recvWindow plus clock error): until then a
	 * "does not exist" answer is not final (K1, K2). */
	tl_time_t send_window_ns;
	/* An UNKNOWN order the venue does not have is resent only while
	 * younger than this (since created); older ones end FAILED/STALE.
	 * 0: never resend. */
	tl_time_t resend_max_age_ns;

	tl_backoff_t backoff;      /* retries of new orders and cancels */
	tl_backoff_t emergency_backoff; /* retries of liquidation closes */
	/* Risk limits; 0 disables a limit. */
	tl_fx_t max_order_qty;
	tl_fx_t max_order_notional;
	tl_fx_t max_position_qty;  /* |position| per symbol and side */
	uint32_t max_open_orders;  /* across all symbols */
	uint32_t rate_10s;         /* orders per 10 s */
	uint32_t rate_1m;          /* orders per minute */
	tl_fx_t loss_limit;        /* liquidate when PnL since start/resume <= -limit */
	/* Liquidate when the trading day's PnL (realized - commission +
	 * unrealized, since the day began) <= -limit; 0 off. */
	tl_fx_t daily_loss_limit;
	uint32_t day_reset_hour;   /* UTC hour a trading day begins, 0..23 */
	/* Fee rate the margin check adds to an order's initial margin
	 * (the account's taker rate, 0.0005 = 0.05 %), 0..0.01. */
	tl_fx_t taker_rate;
	/* POSITION_ROUND_TRIP events only for inputs with seq >= this (0:
	 * always). A journal written before the event existed is replayed
	 * with the seq its migration recorded, so its old outputs still
	 * match (persist: tl_journal_trips_from). */
	uint64_t trips_from_seq;
} tl_kernel_cfg_t;

/* Counters a monitor can read (monotonic unless said otherwise). */
typedef struct tl_kernel_counters {
	uint64_t inputs;
	uint64_t outputs;
	uint64_t events;
	uint64_t orders_submitted;  /* accepted by the kernel */
	uint64_t orders_refused;    /* refused by pre-trade checks */
	uint64_t orders_filled;
	uint64_t orders_canceled;
	uint64_t orders_rejected;   /* rejected by the venue */
	uint64_t orders_failed;
	uint64_t orders_expired;
	uint64_t orders_unknown;    /* times an order went UNKNOWN */
	uint64_t requests;          /* venue requests emitted */
	uint64_t retries;
	uint64_t fills;
	uint64_t duplicate_fills;
	uint64_t invalid_fills;     /* overfill, bad values: not applied */
	uint64_t invalid_transitions;
	uint64_t unknown_order_inputs; /* venue input for an order we don't have */
	uint64_t bad_inputs;        /* malformed input records */
	uint64_t foreign_updates;   /* venue input whose client id is ours but
				     * whose symbol or venue id is not the
				     * order's: refused, never applied */
	uint64_t refusals[TL_REJ__COUNT];
	/* reconciliation (kernel/reconcile.c) */
	uint64_t orders_adopted;    /* ADOPT inputs that created an order */
	uint64_t pos_conflicts;     /* POSITION_CONFLICT events */
	uint64_t pos_orphans;       /* POSITION_ORPHAN events */
	uint64_t pos_adopted;       /* venue positions adopted (trust_venue) */
	uint64_t pos_deferred;      /* differing positions not compared: orders in flight */
	uint64_t resyncs;           /* RESYNC inputs */
} tl_kernel_counters_t;

/* The emergency liquidation's bookkeeping. */
typedef struct tl_emergency {
	bool active;
	tl_time_t started;
	tl_time_t completed;
	uint32_t total;            /* close orders sent */
	uint32_t ok;               /* close orders filled */
	uint32_t failed;           /* close orders ended without filling */
	uint32_t canceled;         /* open orders canceled for it */
	char reason[TL_TEXT_LEN];
} tl_emergency_t;

typedef struct tl_kernel {
	tl_kernel_cfg_t cfg;
	tl_symbols_t syms;
	tl_orders_t orders;
	tl_position_t *pos;        /* [syms.cap * 3], index sym*3 + pos_side */
	uint32_t *open_by_sym;     /* active orders per symbol */
	uint32_t *leverage;        /* per symbol */
	/* trade-id dedup: open addressing over (sym, trade id) keys */
	uint64_t *trade_keys;      /* [trade_cap * 2], 0 = empty */
	uint64_t *trade_fifo;      /* [trade_cap] insertion order, for eviction */
	uint32_t trade_cap, trade_n, trade_head;
	tl_bucket_t rate10, rate60;
	tl_trading_state_t state;
	tl_emergency_t emg;
	uint64_t id_next, id_reserved_to;
	uint64_t out_seq;
	uint64_t cur_seq;          /* seq of the input being applied */
	tl_time_t now;             /* time of the input being applied */
	tl_time_t next_deadline;   /* earliest timer work; INT64_MAX none */
	/* PnL totals in 128 bits: sums of int64 amounts over every fill and
	 * position cannot overflow them, whatever a journal holds (K6);
	 * read through tl_kernel_total_pnl / _daily_pnl, which saturate. */
	__int128 pnl_baseline;     /* loss limit is measured from here */
	__int128 realized_total, commission_total;
	__int128 unrealized_total; /* sum of every position's unrealized, kept
				    * as they change: a mark costs O(1), not
				    * a walk of every position (1,024 marks a
				    * second with 1,024 symbols) */
	bool loss_tripped;
	/* The trading day (UTC, from cfg.day_reset_hour), rolled over by the
	 * input's time: [day_start, day_end). day_baseline is the total PnL
	 * when it began; the daily loss limit trips once per day. */
	tl_time_t day_start, day_end;
	__int128 day_baseline;
	bool day_tripped;
	bool started;              /* first input seen (time origin set) */
	/* reconciliation: per position [syms.cap * 3], see kernel/reconcile.c */
	uint32_t *snap_gen;        /* snap_id of the last snapshot reporting it */
	uint8_t *snap_miss;        /* consecutive snapshots that differed */
	uint32_t snap_tainted;     /* snap_id of a snapshot with a refused
				    * record: its END infers no "flat" */
	tl_fx_t venue_balance;     /* wallet balance of the last snapshot */
	/* The margin check runs once a snapshot reported a balance > 0;
	 * bal_pnl0 is realized - commission then, so the wallet moves on
	 * with the fills applied since. */
	bool balance_known;
	__int128 bal_pnl0;
	tl_strats_t strats;        /* strategy tags and their PnL (strat.h) */
	tl_sink_t *sink;           /* valid during apply only */
	tl_kernel_counters_t ctr;
} tl_kernel_t;

/* Fill `cfg` with safe defaults (1024 orders, prefix "tl", 5 s ack
 * timeout, backoff 1/2/4 s, no risk limits except 300/10 s, 1200/min). */
void tl_kernel_cfg_defaults(tl_kernel_cfg_t *cfg);

/*
 * Allocate and initialise a kernel. `syms` is moved into the kernel (the
 * caller's struct is zeroed). Returns 0, or -1 with a message naming the
 * bad setting in errbuf; nothing is leaked on failure.
 */
int tl_kernel_init(tl_kernel_t *k, const tl_kernel_cfg_t *cfg,
		   tl_symbols_t *syms, char *errbuf, size_t errlen);
void tl_kernel_free(tl_kernel_t *k);

/* Set one symbol's leverage (1..125) before or between inputs. */
int tl_kernel_set_leverage(tl_kernel_t *k, const char *symbol, uint32_t lev);

/* Restore the trading state at start (recovery); emits nothing. */
void tl_kernel_restore_state(tl_kernel_t *k, tl_trading_state_t st);

/*
 * Apply one input. Outputs go to `sink` before this returns. Returns
 * TL_REJ_NONE, or the reason a strategy/operator command was refused
 * (venue inputs always return TL_REJ_NONE; anomalies are counted).
 * The handle of an order created by a SUBMIT or SIGNAL is stored in
 * *handle when handle is non-NULL (0 otherwise).
 */
tl_reject_t tl_kernel_apply(tl_kernel_t *k, const tl_input_t *in,
			    tl_sink_t *sink, uint64_t *handle);

/* Lookups for callers that hold the kernel's thread. */
tl_order_t *tl_kernel_order(tl_kernel_t *k, const char *client_id);
tl_position_t *tl_kernel_position(tl_kernel_t *k, int sym, tl_pos_side_t ps);

/* Total PnL now: realized - commission + unrealized, all positions. */
tl_fx_t tl_kernel_total_pnl(const tl_kernel_t *k);

/* Available balance as the kernel knows it (docs/kernel.md, pre-trade
 * check 7): the last reported wallet balance plus the PnL realized
 * since, plus unrealized, minus the initial margin of every position and
 * of the open orders that can add to one. False when no balance has
 * been reported (the check is off then). Saturates, never wraps. */
bool tl_kernel_available(const tl_kernel_t *k, tl_fx_t *avail);

/* PnL of the current trading day: total PnL now minus at the day's start. */
tl_fx_t tl_kernel_daily_pnl(const tl_kernel_t *k);

/* Earliest time at which a TICK has work to do (INT64_MAX: none). */
static inline tl_time_t tl_kernel_next_deadline(const tl_kernel_t *k)
{
	return k->next_deadline;
}

/* Full invariant check, O(table sizes): for assert() and tests. */
bool tl_kernel_check(const tl_kernel_t *k);

#endif /* TL_KERNEL_H */
