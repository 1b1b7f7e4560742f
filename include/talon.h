/*
 * talon.h - the C API a strategy links against (libtalon.a).
 *
 *   tl_engine_t *e = tl_engine_open("config/paper.json", NULL, err, sizeof err);
 *   tl_order_spec_t o = { .symbol = "BTCUSDT", .side = TL_BUY,
 *                         .type = TL_ORD_MARKET, .qty = "0.010" };
 *   tl_engine_submit(e, &o, 1);                  // user_ref 1
 *   tl_event_t ev[64];
 *   int n = tl_engine_poll(e, ev, 64);           // fills, order and position events
 *   tl_engine_close(e);
 *
 * Threads: tl_engine_open starts the ENGINE and IO threads. Submit,
 * signal, cancel, control and poll are for ONE strategy thread (the
 * command ring is single-producer, the event ring single-consumer);
 * operators use `talon ctl`, which goes through shared memory.
 *
 * Commands are asynchronous: a 0 return means the command is queued; the
 * outcome arrives as events carrying your user_ref (ORDER_SUBMITTED with
 * the client order id, or ORDER_REJECTED with the reason). -EAGAIN means
 * the command ring is full (back-pressure: poll events, try again);
 * -EINVAL a malformed command (message via tl_engine_error).
 */
#ifndef TALON_H
#define TALON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel/record.h"
#include "kernel/types.h"

typedef struct tl_engine tl_engine_t;

/* Options that override the config file (NULL: use the file as is). */
typedef struct tl_engine_opts {
	bool no_shm;              /* don't create the shm control block (tests) */
	const char *name;         /* override engine.name */
	bool journal_ring;        /* fill the journal ring for an external
				   * consumer (tl_engine_journal_pop) even
				   * without journal.path */
} tl_engine_opts_t;

/* An order as a strategy writes it: decimals as strings, exact. */
typedef struct tl_order_spec {
	const char *symbol;
	tl_side_t side;
	tl_ord_type_t type;
	tl_tif_t tif;             /* 0: GTC */
	tl_pos_side_t pos_side;   /* BOTH in one-way mode */
	bool reduce_only;
	const char *qty;
	const char *price;        /* LIMIT, STOP, TAKE_PROFIT */
	const char *stop_price;   /* conditional types */
	const char *tp, *sl;      /* take-profit / stop-loss to attach */
} tl_order_spec_t;

/* Open the engine from a JSON config and start its threads. NULL on error
 * with a message in err. */
tl_engine_t *tl_engine_open(const char *config_path, const tl_engine_opts_t *opts,
			    char *err, size_t errlen);

int tl_engine_submit(tl_engine_t *e, const tl_order_spec_t *o, uint64_t user_ref);
int tl_engine_signal(tl_engine_t *e, tl_signal_t sig, const char *symbol,
		     const char *qty, const char *price, const char *tp,
		     const char *sl, uint64_t user_ref);
int tl_engine_cancel(tl_engine_t *e, const char *client_id, uint64_t user_ref);
int tl_engine_cancel_all(tl_engine_t *e, const char *symbol);
int tl_engine_control(tl_engine_t *e, tl_ctl_cmd_t cmd, const char *reason);

/* Copy up to max pending events; returns how many (0: none). */
int tl_engine_poll(tl_engine_t *e, tl_event_t *out, int max);

/* Message of the last -EINVAL on this thread. */
const char *tl_engine_error(void);

/* Read-only view for monitors on the strategy thread (racy but safe:
 * values are copied from the last published snapshot). */
typedef struct tl_engine_status {
	tl_trading_state_t state;
	uint32_t open_orders;
	uint64_t fills, submitted, refused, backpressure;
	tl_fx_t total_pnl;
} tl_engine_status_t;
int tl_engine_status(tl_engine_t *e, tl_engine_status_t *st);

/* Stop the threads (draining what is in flight), publish a final
 * snapshot, release everything. */
void tl_engine_close(tl_engine_t *e);

#endif /* TALON_H */
