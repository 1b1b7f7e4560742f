/*
 * venue.h - the interface every venue adapter implements.
 *
 * The IO thread owns a venue: it hands it the kernel's requests (REQ_NEW,
 * REQ_CANCEL, REQ_QUERY records) and calls poll() in its loop; the venue
 * reports everything that happens as kernel inputs through `emit`
 * (ORDER_UPDATE, FILL, REQ_ERROR, QUERY_RESULT, MARK), stamped with the
 * time it observed them. All mapping between a venue's protocol and
 * talon's records lives in the venue's own folder (io/paper/,
 * io/binance/): the runtime never names a venue.
 *
 * A venue is a driver (tl_venue_driver_t, at the end of this file): its
 * name (venue.type), the parser of its own config section
 * (venue.<name>), and the start-up and recovery steps the engine runs
 * through it. io/venue.c is the registry, one line per driver; adding a
 * venue is a new folder io/<name>/ (with io/<name>/<name>.h declaring its
 * driver) and one registry line.
 *
 * Contract:
 *   - every request handed over ends in at least one input about it
 *     (an update, a fill, an error or a query result), however long it
 *     takes: a venue never silently drops a request;
 *   - request functions return 0 when the request was taken, -EAGAIN when
 *     the venue cannot take it now (the IO thread keeps it and retries),
 *     other -errno for a request that is malformed (the IO thread turns
 *     that into a REQ_ERROR with transport TL_TR_LOCAL);
 *   - emit may be called from inside any of these functions.
 */
#ifndef TL_VENUE_H
#define TL_VENUE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "kernel/kernel.h"
#include "kernel/record.h"
#include "runtime/config.h"
#include "runtime/shm.h"

typedef struct tl_venue tl_venue_t;

/* Where a venue delivers kernel inputs (called on the IO thread). */
typedef void (*tl_venue_emit_fn)(void *ctx, const tl_input_t *in);

#define TL_VENUE_MAX_POS 128

/* One position as the venue reports it (reconciliation). */
typedef struct tl_venue_position {
	char symbol[TL_SYMBOL_NAMELEN];
	uint8_t pos_side;       /* tl_pos_side_t */
	tl_fx_t qty;            /* signed */
	tl_fx_t entry;
	tl_fx_t unrealized;
	uint32_t leverage;
} tl_venue_position_t;

/* Account snapshot: balance and non-zero positions. */
typedef struct tl_venue_account {
	tl_fx_t balance;        /* wallet balance, margin asset */
	tl_fx_t available;
	uint32_t n_pos;
	tl_venue_position_t pos[TL_VENUE_MAX_POS];
} tl_venue_account_t;

/* The exposure gate: what the ENGINE thread lets leave, published for
 * the IO thread (and any queue a venue keeps). ENGINE writes it the
 * moment it sees the kill word (before the kernel applies the
 * liquidation) and after every input that changes the trading state.
 * A venue checks it immediately before writing a new-order request: an
 * order that is not closing is then withdrawn (a REQ_ERROR with
 * transport TL_TR_WITHDRAWN, written = false), never sent. */
typedef struct tl_venue_gate {
	_Atomic uint32_t closing_only; /* 1: only closing orders may leave
					* (REDUCING, LIQUIDATING, PAUSED) */
	_Atomic uint32_t kill_epoch;   /* +1 each time the kill word is seen:
					* the venue runs its sweep once per
					* epoch (emergency.venue_sweep) */
} tl_venue_gate_t;

/* A request that cannot add exposure: reduce-only, a hedge-mode close
 * (SELL LONG, BUY SHORT) or close-position. Cancels and queries never
 * add exposure either. */
static inline bool tl_venue_req_closing(const tl_out_req_t *r)
{
	return r->reduce_only || r->close_position ||
	       (r->pos_side == TL_PS_LONG && r->side == TL_SELL) ||
	       (r->pos_side == TL_PS_SHORT && r->side == TL_BUY);
}

typedef struct tl_venue_ops {
	const char *name;
	/* Requests (records emitted by the kernel). */
	int (*submit)(tl_venue_t *v, const tl_out_req_t *req, tl_time_t now);
	int (*cancel)(tl_venue_t *v, const tl_out_req_t *req, tl_time_t now);
	int (*query)(tl_venue_t *v, const tl_out_req_t *req, tl_time_t now);
	/* Cancel every open order, of one symbol or ("" ) of all. */
	int (*cancel_all)(tl_venue_t *v, const char *symbol, tl_time_t now);
	/* Fill *acct synchronously from the venue's state (cold path). */
	int (*account)(tl_venue_t *v, tl_venue_account_t *acct, tl_time_t now);
	int (*set_leverage)(tl_venue_t *v, const char *symbol, uint32_t lev,
			    tl_time_t now);
	/* Optional: symbols.margin_type (tl_margin_type_t), cold path like
	 * set_leverage; "already so" is success. */
	int (*set_margin_type)(tl_venue_t *v, const char *symbol, int type,
			       tl_time_t now);
	/* Advance: deliver due responses, fills, marks. Returns the number of
	 * inputs emitted (0 when idle). Never blocks. */
	int (*poll)(tl_venue_t *v, tl_time_t now);
	/* Optional (NULL: the IO thread sleeps): the IO thread's idle sleep,
	 * up to max_ns, ended early by the venue's own I/O so a response is
	 * read the moment it lands. Returns 1 when woken by I/O, 0 after
	 * max_ns, <0 on error (the caller then sleeps). */
	int (*wait)(tl_venue_t *v, int64_t max_ns);
	/* Optional (with wait): from now on wait() also ends when the
	 * eventfd fd becomes readable, and consumes it (the engine's
	 * wake-ups, runtime/wake.h). 0, or <0: the engine then blocks on fd
	 * itself. The venue does not own fd. */
	int (*watch)(tl_venue_t *v, int fd);
	void (*destroy)(tl_venue_t *v);
} tl_venue_ops_t;

/* How the venue's order requests left (venue.binance.order_transport):
 * written by the IO thread, read by the ENGINE for `talon ctl status`
 * (relaxed: monitoring counts). A venue with one transport leaves them 0. */
typedef struct tl_venue_xport {
	_Atomic uint64_t ws_sent;      /* over a WebSocket API session */
	_Atomic uint64_t rest_sent;    /* over REST */
	_Atomic uint64_t ws_fallbacks; /* REST because no session was READY */
	_Atomic uint64_t ws_sessions;  /* sessions made READY */
	_Atomic uint64_t ws_drops;     /* sessions lost to a fault */
} tl_venue_xport_t;

/* The venue's health for monitoring (talon monitor's /metrics): written
 * by the IO thread (relaxed: each field is a reading of its own), read
 * by the ENGINE when it publishes the snapshot. A venue without
 * connections or rate limits (paper) reports connected and leaves the
 * rest 0. */
typedef struct tl_venue_health {
	_Atomic uint32_t connected;    /* 1: requests can go now (a connection
					* up, the clock synced) */
	_Atomic uint32_t conns;        /* request connections up */
	_Atomic uint32_t stream;       /* tl_shm_stream_t (runtime/shm.h) */
	_Atomic uint32_t clock_synced; /* 1: clock_offset_ns is measured */
	_Atomic int64_t clock_offset_ns; /* the venue's clock minus ours */
	/* rate limiters: counts in the current window, and the limits */
	_Atomic uint32_t weight_used, weight_limit;   /* request weight, 1 min */
	_Atomic uint32_t orders_10s, orders_10s_limit;
	_Atomic uint32_t orders_1m, orders_1m_limit;
	_Atomic uint64_t http_429;     /* answers "too many requests" */
	_Atomic uint64_t http_418;     /* answers "IP banned" */
} tl_venue_health_t;

/* Base of every venue; adapters embed it first. */
struct tl_venue {
	const tl_venue_ops_t *ops;
	tl_venue_emit_fn emit;        /* IO thread only */
	void *emit_ctx;
	/* A venue with its own STREAM thread (WebSocket user data and mark
	 * prices) delivers what that thread receives here: the engine gives
	 * it a second single-producer ring, so IO and STREAM never share one.
	 * Set by the engine before start; NULL when the engine has none. */
	tl_venue_emit_fn emit_stream; /* STREAM thread only */
	void *emit_stream_ctx;
	/* Set by the engine before start; NULL: always open (tests that
	 * drive a venue alone). */
	const tl_venue_gate_t *gate;
	tl_venue_xport_t xport;
	tl_venue_health_t health;
};

/* May this new-order request be written now? (IO thread, just before
 * the bytes leave.) */
static inline bool tl_venue_may_send(const tl_venue_t *v, const tl_out_req_t *r)
{
	return !v->gate ||
	       !atomic_load_explicit(&v->gate->closing_only, memory_order_acquire) ||
	       tl_venue_req_closing(r);
}

static inline void tl_venue_emit(tl_venue_t *v, const tl_input_t *in)
{
	v->emit(v->emit_ctx, in);
}

/* ---- drivers --------------------------------------------------------- */

struct cJSON;
struct tl_config_ctx;           /* runtime/config_json.h */

/* One line of a preflight: a check's name, its result and what it saw
 * (the venue's own code and message on a failure). */
typedef enum tl_venue_check_res {
	TL_CHECK_OK = 0,
	TL_CHECK_FAIL,
	TL_CHECK_SKIP,          /* not run: an earlier check failed */
} tl_venue_check_res_t;

typedef void (*tl_venue_check_fn)(void *ctx, tl_venue_check_res_t res,
				  const char *name, const char *detail);

/* "OK", "FAIL", "SKIP". */
const char *tl_venue_check_name(tl_venue_check_res_t r);

/*
 * One venue driver. The engine and the config loader reach a venue only
 * through this table (found by venue.type). Hooks marked optional may be
 * NULL. Everything here runs on the thread that creates the engine (or
 * loads the config), before the IO thread exists: cold path.
 *
 * Config: the driver's struct lives in tl_config_t.venue (it must fit
 * TL_VENUE_CFG_MAX: the driver static_asserts it). The loader calls
 * cfg_defaults when a config selects the driver (and for the default
 * config), cfg_parse for every venue.<name> object present (the selected
 * driver's into tl_config_t.venue; another driver's into scratch, so a
 * section of an unused venue is still checked), then cfg_check once all
 * sections are read, for the selected driver only.
 */
typedef struct tl_venue_driver {
	const char *name;       /* venue.type and the section venue.<name> */

	/* Fill `vc` (the driver's struct, zeroed) with its defaults. */
	void (*cfg_defaults)(void *vc);
	/* Read the object `o` (venue.<name>) into `vc`, strictly: errors
	 * name the key path (runtime/config_json.h). 0 or -1. */
	int (*cfg_parse)(struct tl_config_ctx *x, const struct cJSON *o, void *vc);
	/* Optional. Rules that involve other sections (symbols.only,
	 * kernel.*) or keys required when this venue is selected; may adjust
	 * the driver's struct (drop defaults for unlisted symbols). 0 or -1
	 * with a message naming the key. */
	int (*cfg_check)(struct tl_config_ctx *x, tl_config_t *c);
	/* Optional. explicit_bzero every credential in `vc`. */
	void (*cfg_wipe)(void *vc);

	/* Optional. Make the symbol table (loaded from symbols.exchange_info)
	 * agree with the venue before the kernel and the journal replay see
	 * it (Binance: exchangeInfo, within its start-up deadline); may adjust
	 * the driver's struct in c (limits, what is left of a deadline).
	 * 0 or -1 with a message. */
	int (*prepare_symbols)(tl_config_t *c, tl_symbols_t *syms, char *err,
			       size_t errlen);
	/* Create the venue for config c trading `syms` (must outlive it).
	 * NULL with a message in err. */
	tl_venue_t *(*create)(const tl_config_t *c, const tl_symbols_t *syms,
			      tl_venue_emit_fn emit, void *ctx, char *err,
			      size_t errlen);
	/* Optional. After create, before the first poll: the kernel as the
	 * journal left it (`recovered`: a previous session was replayed),
	 * `now` the wall clock. A venue whose state dies with the process
	 * (paper) takes back the positions the journal holds here. */
	void (*restore)(tl_venue_t *v, const tl_kernel_t *k, bool recovered,
			tl_time_t now);
	/* Optional. After restore, when a previous session was replayed:
	 * the client-id sequences it may have used without its records
	 * reaching the journal (async mode: [lo, hi)), and the engine time of
	 * its last journaled input. A venue that outlives the engine looks
	 * for such orders (docs/recovery.md, "the crash window"). */
	void (*lost_ids)(tl_venue_t *v, uint64_t lo, uint64_t hi, tl_time_t last);
	/* Optional. The engine's heartbeat (shm, realtime ns of its last
	 * loop): a venue's dead-man renewals follow it. */
	void (*set_heartbeat)(tl_venue_t *v, const _Atomic int64_t *heartbeat);
	/* Optional. Why the last cold call (set_leverage, account) failed,
	 * "" when it did not or the driver cannot tell (the caller then
	 * names the -errno). */
	const char *(*call_error)(const tl_venue_t *v);
	/* Optional. The preflight (`talon check`, and `talon run` before it
	 * trades): talk to the venue, trade nothing, call out once per
	 * check. Returns the number of failed checks (0: ready to trade). */
	int (*preflight)(const tl_config_t *c, tl_venue_check_fn out, void *ctx);
} tl_venue_driver_t;

/* The driver named `name` (venue.type), NULL when none is registered. */
const tl_venue_driver_t *tl_venue_driver_find(const char *name);

/* The i-th registered driver (0: the default venue), NULL past the end:
 * the list venue.type accepts, in registry order. */
const tl_venue_driver_t *tl_venue_driver_at(size_t i);

#endif /* TL_VENUE_H */
