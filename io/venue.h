/*
 * venue.h - the interface every venue adapter implements.
 *
 * The IO thread owns a venue: it hands it the kernel's requests (REQ_NEW,
 * REQ_CANCEL, REQ_QUERY records) and calls poll() in its loop; the venue
 * reports everything that happens as kernel inputs through `emit`
 * (ORDER_UPDATE, FILL, REQ_ERROR, QUERY_RESULT, MARK), stamped with the
 * time it observed them. All mapping between a venue's protocol and
 * talon's records lives in one file per venue (io/paper/paper.c, io/binance*.c).
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

#include "kernel/record.h"

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
	/* Advance: deliver due responses, fills, marks. Returns the number of
	 * inputs emitted (0 when idle). Never blocks. */
	int (*poll)(tl_venue_t *v, tl_time_t now);
	/* Optional (NULL: the IO thread sleeps): the IO thread's idle sleep,
	 * up to max_ns, ended early by the venue's own I/O so a response is
	 * read the moment it lands. Returns 1 when woken by I/O, 0 after
	 * max_ns, <0 on error (the caller then sleeps). */
	int (*wait)(tl_venue_t *v, int64_t max_ns);
	void (*destroy)(tl_venue_t *v);
} tl_venue_ops_t;

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

#endif /* TL_VENUE_H */
