/*
 * kernel_int.h - private interface between the kernel's source files.
 *
 * kernel.c     init, apply dispatch, emit, ids, timers, trade dedup, checks
 * order.c      the order state machine: submit, cancel, venue updates
 * risk.c       pre-trade checks
 * emergency.c  trading state, liquidation and the loss limit
 * protect.c    take-profit/stop-loss sized to what is filled
 * reconcile.c  venue reconciliation: ADOPT, POSITION_SNAPSHOT, RESYNC
 * Not for use outside kernel/.
 */
#ifndef TL_KERNEL_INT_H
#define TL_KERNEL_INT_H

#include "kernel/kernel.h"

#include <string.h>

/* A new order as the kernel sees it, before it has a slot. */
typedef struct tl_k_ordreq {
	int sym;
	tl_side_t side;
	tl_ord_type_t type;
	tl_tif_t tif;
	tl_pos_side_t pos_side;
	bool reduce_only;
	tl_fx_t qty, price, stop_price, tp, sl;
	int64_t ttl_ns;
	uint64_t user_ref;
	tl_ord_role_t role;
	uint64_t parent;
	uint8_t strat;         /* strategy tag row */
	bool from_signal;      /* made by a SIGNAL input */
} tl_k_ordreq_t;

/* ---- kernel.c ---- */
void tl_k_emit(tl_kernel_t *k, tl_output_t *o);
void tl_k_deadline(tl_kernel_t *k, tl_time_t t);
bool tl_k_trade_seen(tl_kernel_t *k, uint16_t sym, int64_t trade_id);
void tl_k_copy_str(char *dst, size_t cap, const char *src);
tl_position_t *tl_k_pos(tl_kernel_t *k, int sym, tl_pos_side_t ps);

/* ---- order.c ---- */
/* Create, number and send an order that passed (or skips) the checks.
 * Returns the order or NULL with *rej set (table full). */
tl_order_t *tl_k_order_create(tl_kernel_t *k, const tl_k_ordreq_t *r,
			      tl_reject_t *rej);
void tl_k_order_status(tl_kernel_t *k, tl_order_t *o, tl_ord_status_t st);
void tl_k_order_send(tl_kernel_t *k, tl_order_t *o);
/* Request a cancel (or cancel locally when nothing was sent yet). */
tl_reject_t tl_k_order_cancel(tl_kernel_t *k, tl_order_t *o, bool urgent);
void tl_k_ev_order(tl_kernel_t *k, tl_event_type_t t, const tl_order_t *o,
		   const char *text);
void tl_k_ev_refused(tl_kernel_t *k, const tl_k_ordreq_t *r,
		     const char *symbol, tl_reject_t why);
void tl_k_ev_position(tl_kernel_t *k, tl_event_type_t t, const tl_position_t *p);
/* POSITION_ROUND_TRIP of position (sym, ps); scope 0 the venue's, 1 a
 * strategy row's virtual one. */
void tl_k_ev_trip(tl_kernel_t *k, uint16_t sym, uint8_t ps, uint8_t scope,
		  uint8_t row, tl_exit_reason_t why, const tl_pos_trip_t *t);
tl_reject_t tl_k_on_submit(tl_kernel_t *k, const tl_in_submit_t *s,
			   uint64_t *handle);
tl_reject_t tl_k_on_signal(tl_kernel_t *k, const tl_in_signal_t *s,
			   uint64_t *handle);
tl_reject_t tl_k_on_cancel(tl_kernel_t *k, const tl_in_cancel_t *c);
tl_reject_t tl_k_on_cancel_all(tl_kernel_t *k, const tl_in_cancel_t *c);
void tl_k_on_update(tl_kernel_t *k, const tl_in_order_update_t *u);
void tl_k_on_fill(tl_kernel_t *k, const tl_in_fill_t *f);
void tl_k_on_req_error(tl_kernel_t *k, const tl_in_req_error_t *e);
void tl_k_on_query(tl_kernel_t *k, const tl_in_query_result_t *q);
void tl_k_order_timers(tl_kernel_t *k);
/* After a restart: every non-terminal order's venue state is unknown. */
void tl_k_orders_restart(tl_kernel_t *k);
/* Ask the venue for an order's status by client id. */
void tl_k_order_query(tl_kernel_t *k, tl_order_t *o);

/* ---- protect.c ---- */
/* An entry with TP/SL filled: place its missing legs, fit the others. */
void tl_k_protect_entry(tl_kernel_t *k, tl_order_t *entry);
/* A fill changed this position: fit every leg that closes it (K7). */
void tl_k_protect_pos(tl_kernel_t *k, uint16_t sym, tl_pos_side_t ps);
/* The position went flat or flipped: cancel its legs for good. */
void tl_k_protect_close(tl_kernel_t *k, uint16_t sym, tl_pos_side_t ps);
/* A take-profit/stop-loss reached a terminal status. */
void tl_k_protect_ended(tl_kernel_t *k, tl_order_t *o);
/* K7: every live leg is no larger than the position it closes. */
bool tl_k_protect_check(const tl_kernel_t *k);

/* ---- reconcile.c ---- */
void tl_k_on_adopt(tl_kernel_t *k, const tl_in_adopt_t *a);
void tl_k_on_snapshot(tl_kernel_t *k, const tl_in_pos_snapshot_t *s);
void tl_k_on_resync(tl_kernel_t *k, const tl_in_resync_t *r);

/* ---- risk.c ---- */
/* Every pre-trade check; takes no rate token. */
tl_reject_t tl_risk_check(tl_kernel_t *k, const tl_k_ordreq_t *r);
/* Spend one token of each rate bucket for an order that now exists;
 * force: count it even past the limit (kernel-made orders). */
void tl_risk_take(tl_kernel_t *k, bool force);
/* Does this order only reduce an existing position? */
bool tl_risk_reduces(tl_kernel_t *k, const tl_k_ordreq_t *r);

/* ---- emergency.c ---- */
tl_reject_t tl_k_on_control(tl_kernel_t *k, const tl_in_control_t *c);
void tl_k_set_state(tl_kernel_t *k, tl_trading_state_t st, const char *why);
void tl_k_liquidate(tl_kernel_t *k, const char *reason);
/* Called after fills, order endings and ticks while liquidating. */
void tl_k_emergency_progress(tl_kernel_t *k);
/* Called after PnL changes: trips the loss limits (session and daily). */
void tl_k_check_loss(tl_kernel_t *k);
/* Start a new trading day when the input's time has reached day_end
 * (and the first day at the first input). */
void tl_k_day_roll(tl_kernel_t *k);

/* An event output of type t, zeroed, its priority set. */
static inline void tl_k_ev_init(tl_output_t *o, tl_event_type_t t)
{
	memset(o, 0, sizeof(*o));
	o->hdr.type = TL_OUT_EVENT;
	o->u.ev.type = (uint16_t)t;
	o->u.ev.priority = (uint8_t)tl_event_priority(t);
}

/* Mark a position, keeping k->unrealized_total in step. */
static inline void tl_k_pos_mark(tl_kernel_t *k, tl_position_t *p, tl_fx_t mark)
{
	tl_fx_t u0 = p->unrealized;
	tl_pos_mark(p, mark);
	k->unrealized_total += (__int128)p->unrealized - u0;
}

/* Total PnL in 128 bits (kernel.h): realized - commission + unrealized. */
static inline __int128 tl_k_pnl(const tl_kernel_t *k)
{
	return k->realized_total - k->commission_total + k->unrealized_total;
}
void tl_k_on_mark(tl_kernel_t *k, const tl_in_mark_t *m);

#endif /* TL_KERNEL_INT_H */
