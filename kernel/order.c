/*
 * order.c - the order state machine (drawn in kernel/types.h).
 *
 * Strategy commands create and cancel orders; venue inputs move them.
 * Rules that keep orders from being lost or doubled:
 *   - a new-order request is resent only after a TRANSIENT failure (the
 *     venue did not execute it) or after a status query answered "does
 *     not exist"; an AMBIGUOUS outcome sends the order to UNKNOWN and
 *     queries it by client id, never resends;
 *   - fills are idempotent by (symbol, trade id) and bounded by the
 *     order's quantity; a fill is applied whatever the order's status
 *     (before its ack, after a cancel request, even after a terminal
 *     status arrived out of order) because money that moved must reach
 *     the position;
 *   - terminal statuses absorb: a later status change is counted as an
 *     invalid transition and ignored;
 *   - cancel intent is sticky (K1): an order someone asked to cancel is
 *     never sent or resent; a refused cancel leads to a query, never back
 *     to SENT; "does not exist" ends it CANCELED once its new-order
 *     request can no longer reach the venue (send_window);
 *   - no stale resend (K2): "does not exist" allows a resend only when
 *     the trading state admits the order, it carries no cancel intent,
 *     it did not live through a restart and it is younger than
 *     resend_max_age; otherwise it ends FAILED with reason STALE;
 *   - a venue input applies only to the order whose client id, symbol
 *     and venue id it names (K5): anything else is a foreign update,
 *     counted and refused.
 * The K numbers are the invariants of docs/kernel.md.
 */
#include "kernel/kernel_int.h"

#include <stdio.h>
#include <string.h>

/* ---- events ------------------------------------------------------------- */

static void order_fill_ev(tl_event_t *ev, const tl_order_t *o)
{
	tl_ev_order_t *e = &ev->u.order;
	memcpy(e->client_id, o->client_id, TL_CLID_LEN);
	e->side = o->side;
	e->type = o->type;
	e->status = o->status;
	e->pos_side = o->pos_side;
	e->reduce_only = o->reduce_only;
	e->role = o->role;
	e->strategy = o->strat;
	e->reject = o->reject;
	e->venue_code = o->venue_code;
	e->qty = o->qty;
	e->price = o->type == TL_ORD_LIMIT || o->type == TL_ORD_STOP ||
				   o->type == TL_ORD_TAKE_PROFIT
			   ? o->price
			   : o->stop_price;
	e->filled = o->filled;
	e->avg_price = 0;
	if (o->filled > 0)
		tl_fx_div_wide(o->cum_quote, o->filled, TL_FX_NEAREST, &e->avg_price);
	e->venue_id = o->venue_id;
	e->user_ref = o->user_ref;
}

void tl_k_ev_order(tl_kernel_t *k, tl_event_type_t t, const tl_order_t *o,
		   const char *text)
{
	tl_output_t out;
	tl_k_ev_init(&out, t);
	const tl_symbol_t *s = tl_symbols_get(&k->syms, o->sym);
	if (s)
		memcpy(out.u.ev.symbol, s->name, TL_SYMBOL_NAMELEN);
	order_fill_ev(&out.u.ev, o);
	if (text)
		tl_k_copy_str(out.u.ev.text, TL_TEXT_LEN, text);
	tl_k_emit(k, &out);
}

static void order_ev_fill(tl_kernel_t *k, tl_event_type_t t, const tl_order_t *o,
			  tl_fx_t qty, tl_fx_t px)
{
	tl_output_t out;
	tl_k_ev_init(&out, t);
	memcpy(out.u.ev.symbol, k->syms.sym[o->sym].name, TL_SYMBOL_NAMELEN);
	order_fill_ev(&out.u.ev, o);
	out.u.ev.u.order.last_qty = qty;
	out.u.ev.u.order.last_price = px;
	tl_k_emit(k, &out);
}

void tl_k_ev_refused(tl_kernel_t *k, const tl_k_ordreq_t *r,
		     const char *symbol, tl_reject_t why)
{
	tl_output_t out;
	tl_k_ev_init(&out, TL_EV_ORDER_REJECTED);
	tl_k_copy_str(out.u.ev.symbol, TL_SYMBOL_NAMELEN, symbol);
	tl_ev_order_t *e = &out.u.ev.u.order;
	e->side = (uint8_t)r->side;
	e->type = (uint8_t)r->type;
	e->status = TL_ST_REJECTED;
	e->pos_side = (uint8_t)r->pos_side;
	e->reduce_only = r->reduce_only;
	e->role = (uint8_t)r->role;
	e->strategy = r->strat;
	e->reject = (uint16_t)why;
	e->qty = r->qty;
	e->price = r->price;
	e->user_ref = r->user_ref;
	tl_k_copy_str(out.u.ev.text, TL_TEXT_LEN, tl_reject_msg(why));
	k->ctr.orders_refused++;
	if (why < TL_REJ__COUNT)
		k->ctr.refusals[why]++;
	tl_k_emit(k, &out);
}

void tl_k_ev_position(tl_kernel_t *k, tl_event_type_t t, const tl_position_t *p)
{
	tl_output_t out;
	tl_k_ev_init(&out, t);
	memcpy(out.u.ev.symbol, k->syms.sym[p->sym].name, TL_SYMBOL_NAMELEN);
	tl_ev_position_t *e = &out.u.ev.u.pos;
	e->pos_side = p->pos_side;
	e->status = p->status;
	e->qty = p->qty;
	e->entry = p->entry;
	e->mark = p->mark;
	e->realized = p->realized;
	e->unrealized = p->unrealized;
	e->commission = p->commission;
	e->roe = tl_pos_roe(p, p->mark);
	e->leverage = p->leverage;
	tl_k_emit(k, &out);
}

void tl_k_ev_trip(tl_kernel_t *k, uint16_t sym, uint8_t ps, uint8_t scope,
		  uint8_t row, tl_exit_reason_t why, const tl_pos_trip_t *t)
{
	if (k->cur_seq < k->cfg.trips_from_seq)
		return;
	tl_output_t out;
	tl_k_ev_init(&out, TL_EV_POSITION_ROUND_TRIP);
	memcpy(out.u.ev.symbol, k->syms.sym[sym].name, TL_SYMBOL_NAMELEN);
	tl_ev_trip_t *e = &out.u.ev.u.trip;
	e->pos_side = ps;
	e->scope = scope;
	e->strategy = row;
	e->reason = (uint8_t)why;
	e->opened = t->opened;
	e->qty = t->qty;
	e->entry = t->entry;
	e->exit = t->exit;
	e->realized = t->realized;
	e->commission = t->commission;
	tl_k_copy_str(out.u.ev.text, TL_TEXT_LEN, tl_exit_reason_name(why));
	tl_k_emit(k, &out);
}

/* Why a position this order's fill closed ended. */
static tl_exit_reason_t order_exit_reason(const tl_order_t *o)
{
	switch ((tl_ord_role_t)o->role) {
	case TL_ROLE_TP: return TL_EXIT_TAKE_PROFIT;
	case TL_ROLE_SL: return TL_EXIT_STOP_LOSS;
	case TL_ROLE_EMERGENCY: return TL_EXIT_LIQUIDATION;
	default: return (o->flags & TL_OF_SIGNAL) ? TL_EXIT_SIGNAL : TL_EXIT_MANUAL;
	}
}

/* A liquidation fill closed a tag's share (kernel/strat.c). */
typedef struct order_trip_ctx {
	tl_kernel_t *k;
	const tl_order_t *o;
} order_trip_ctx_t;

static void order_strat_closed(void *ctx, uint32_t row, const tl_pos_change_t *chg)
{
	order_trip_ctx_t *c = ctx;
	if (row > 0)
		tl_k_ev_trip(c->k, c->o->sym, c->o->pos_side, 1, (uint8_t)row,
			     TL_EXIT_LIQUIDATION, &chg->trip);
}

/* ---- status changes ------------------------------------------------------ */

/* Remove `q` of an order's unfilled quantity from its position's
 * pending exposure. */
static void order_unexpose(tl_kernel_t *k, tl_order_t *o, tl_fx_t q)
{
	if (!o->exposure || q <= 0)
		return;
	tl_position_t *p = tl_k_pos(k, o->sym, (tl_pos_side_t)o->pos_side);
	tl_fx_t *pend = o->side == TL_BUY ? &p->pend_buy : &p->pend_sell;
	*pend -= q;
	if (*pend < 0)
		*pend = 0;
}

void tl_k_order_status(tl_kernel_t *k, tl_order_t *o, tl_ord_status_t st)
{
	if (o->status == st)
		return;
	o->status = (uint8_t)st;
	o->t_updated = k->now;
	o->hist[o->hist_n % TL_ORD_HIST] = (tl_ord_hist_t){ .status = (uint8_t)st,
							    .time = k->now };
	if (o->hist_n < UINT8_MAX)
		o->hist_n++;
	if (!tl_status_terminal(st))
		return;
	switch (st) {
	case TL_ST_FILLED: k->ctr.orders_filled++; break;
	case TL_ST_CANCELED: k->ctr.orders_canceled++; break;
	case TL_ST_REJECTED: k->ctr.orders_rejected++; break;
	case TL_ST_EXPIRED: k->ctr.orders_expired++; break;
	case TL_ST_FAILED: k->ctr.orders_failed++; break;
	default: break;
	}
	if (k->open_by_sym[o->sym] > 0)
		k->open_by_sym[o->sym]--;
	order_unexpose(k, o, o->qty - o->filled);
	o->exposure = 0;
	if (o->role == TL_ROLE_TP || o->role == TL_ROLE_SL) {
		tl_position_t *p = tl_k_pos(k, o->sym, (tl_pos_side_t)o->pos_side);
		if (p->protectors > 0)
			p->protectors--;
	}
	tl_orders_retire(&k->orders, o);
}

/* Next client id, reserving a new block (an ID_RESERVE record ahead of
 * any use) when the current one is spent. */
static bool order_next_clid(tl_kernel_t *k, char out[TL_CLID_LEN], uint64_t *seq)
{
	/* Sequences stop at TL_SEQ_MAX (restart and adoption keep id_next
	 * within it): an id is refused, never wrapped or reused. */
	if (k->id_next > TL_SEQ_MAX)
		return false;
	if (k->id_next >= k->id_reserved_to) {
		tl_output_t o;
		memset(&o, 0, sizeof(o));
		o.hdr.type = TL_OUT_ID_RESERVE;
		o.u.reserve.from = k->id_next;
		o.u.reserve.to = k->id_next + k->cfg.id_block;	/* <= 10^18 + 10^6 */
		k->id_reserved_to = o.u.reserve.to;
		tl_k_emit(k, &o);
	}
	*seq = k->id_next++;
	/* prefix (<= 16) + decimal sequence (<= 20 digits) = <= 36 chars;
	 * written by hand because snprintf costs more than the rest of a
	 * submit. */
	size_t n = strnlen(k->cfg.clid_prefix, TL_PREFIX_MAX);
	memcpy(out, k->cfg.clid_prefix, n);
	char digits[20];
	int nd = 0;
	uint64_t v = *seq;
	do {
		digits[nd++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (nd)
		out[n++] = digits[--nd];
	out[n] = '\0';
	return true;
}

static void order_finish(tl_kernel_t *k, tl_order_t *o, tl_ord_status_t st,
			 tl_event_type_t ev, const char *text);

static bool order_is_algo(const tl_order_t *o)
{
	return o->type == TL_ORD_STOP || o->type == TL_ORD_STOP_MARKET ||
	       o->type == TL_ORD_TAKE_PROFIT || o->type == TL_ORD_TAKE_PROFIT_MARKET;
}

void tl_k_order_send(tl_kernel_t *k, tl_order_t *o)
{
	if (o->flags & (TL_OF_CANCEL | TL_OF_RESTARTED)) {
		/* K1/K2 hold by construction (every caller checks first); a
		 * path that forgets must fail closed, never send. */
		k->ctr.invalid_transitions++;
		o->flags |= TL_OF_LOCAL_END;
		order_finish(k, o, TL_ST_FAILED, TL_EV_ORDER_FAILED,
			     "not sent: cancel requested or restarted");
		return;
	}
	tl_output_t out;
	memset(&out, 0, sizeof(out));
	out.hdr.type = TL_OUT_REQ_NEW;
	tl_out_req_t *q = &out.u.req;
	memcpy(q->client_id, o->client_id, TL_CLID_LEN);
	memcpy(q->symbol, k->syms.sym[o->sym].name, TL_SYMBOL_NAMELEN);
	q->side = o->side;
	q->type = o->type;
	q->tif = o->tif;
	q->pos_side = o->pos_side;
	q->reduce_only = o->reduce_only;
	q->urgent = o->role == TL_ROLE_EMERGENCY;
	q->algo = order_is_algo(o);
	if (o->attempts < UINT8_MAX)
		o->attempts++;
	q->attempt = o->attempts;
	q->qty = o->qty;
	q->price = o->price;
	q->stop_price = o->stop_price;
	q->handle = tl_orders_handle(&k->orders, o);
	if (o->attempts > 1)
		k->ctr.retries++;
	o->t_sent = k->now;
	tl_k_order_status(k, o, TL_ST_SENT);
	o->flags &= (uint8_t)~TL_OF_NEW_AMBIGUOUS;
	tl_k_deadline(k, tl_time_add(k->now, k->cfg.ack_timeout_ns));
	tl_k_emit(k, &out);
}

static void order_send_cancel(tl_kernel_t *k, tl_order_t *o)
{
	tl_output_t out;
	memset(&out, 0, sizeof(out));
	out.hdr.type = TL_OUT_REQ_CANCEL;
	tl_out_req_t *q = &out.u.req;
	memcpy(q->client_id, o->client_id, TL_CLID_LEN);
	memcpy(q->symbol, k->syms.sym[o->sym].name, TL_SYMBOL_NAMELEN);
	q->side = o->side;
	q->type = o->type;
	q->urgent = 1;		/* cancels always jump the queue */
	q->algo = order_is_algo(o);
	if (o->cancel_attempts < UINT8_MAX)
		o->cancel_attempts++;
	q->attempt = o->cancel_attempts;
	q->venue_id = o->venue_id;
	q->handle = tl_orders_handle(&k->orders, o);
	o->cancel_retry = 0;
	o->t_next = tl_time_add(k->now, k->cfg.ack_timeout_ns); /* answer due */
	tl_k_deadline(k, o->t_next);
	tl_k_emit(k, &out);
}

static void order_send_query(tl_kernel_t *k, tl_order_t *o)
{
	tl_output_t out;
	memset(&out, 0, sizeof(out));
	out.hdr.type = TL_OUT_REQ_QUERY;
	tl_out_req_t *q = &out.u.req;
	memcpy(q->client_id, o->client_id, TL_CLID_LEN);
	memcpy(q->symbol, k->syms.sym[o->sym].name, TL_SYMBOL_NAMELEN);
	q->urgent = o->role == TL_ROLE_EMERGENCY;
	q->algo = order_is_algo(o);
	q->venue_id = o->venue_id;
	q->handle = tl_orders_handle(&k->orders, o);
	o->flags |= TL_OF_QUERYING;
	/* UNKNOWN and PENDING_CANCEL ask again on their timer until answered.
	 * A live order (a resync's query) is asked again only after an error
	 * (tl_k_on_req_error arms t_next): every request gets its answer, and
	 * a slow one must not start a second query. */
	if (o->status != TL_ST_NEW && o->status != TL_ST_PARTIALLY_FILLED) {
		o->t_next = tl_time_add(k->now, k->cfg.query_interval_ns);
		tl_k_deadline(k, o->t_next);
	}
	tl_k_emit(k, &out);
}

void tl_k_order_query(tl_kernel_t *k, tl_order_t *o)
{
	order_send_query(k, o);
}

static void order_go_unknown(tl_kernel_t *k, tl_order_t *o, const char *why)
{
	o->flags |= TL_OF_NEW_AMBIGUOUS;
	k->ctr.orders_unknown++;
	tl_k_order_status(k, o, TL_ST_UNKNOWN);
	tl_k_ev_order(k, TL_EV_ORDER_UNKNOWN, o, why);
	order_send_query(k, o);
}

/* ---- creation -------------------------------------------------------------- */

tl_order_t *tl_k_order_create(tl_kernel_t *k, const tl_k_ordreq_t *r,
			      tl_reject_t *rej)
{
	/* Reserve the id first only if a slot exists, so a full table wastes
	 * no id: probe by checking for an evictable or free slot. */
	if (k->orders.free_head == TL_ORD_NIL && k->orders.term_head == TL_ORD_NIL) {
		*rej = TL_REJ_TABLE_FULL;
		return NULL;
	}
	char clid[TL_CLID_LEN];
	uint64_t seq;
	if (!order_next_clid(k, clid, &seq)) {
		*rej = TL_REJ_TABLE_FULL;	/* client ids exhausted */
		return NULL;
	}
	tl_order_t *o = tl_orders_alloc(&k->orders, clid);
	if (!o) {
		*rej = TL_REJ_TABLE_FULL;
		return NULL;
	}
	o->seq = seq;
	o->sym = (uint16_t)r->sym;
	o->side = (uint8_t)r->side;
	o->type = (uint8_t)r->type;
	o->tif = (uint8_t)r->tif;
	o->pos_side = (uint8_t)r->pos_side;
	o->reduce_only = r->reduce_only;
	o->role = (uint8_t)r->role;
	o->qty = r->qty;
	o->price = r->price;
	o->stop_price = r->stop_price;
	o->tp = r->tp;
	o->sl = r->sl;
	o->user_ref = r->user_ref;
	o->parent = r->parent;
	o->strat = r->strat;
	if (r->from_signal)
		o->flags |= TL_OF_SIGNAL;
	k->strats.row[r->strat].orders++;
	o->t_created = k->now;
	o->t_updated = k->now;
	o->hist[0] = (tl_ord_hist_t){ .status = TL_ST_PENDING_NEW, .time = k->now };
	o->hist_n = 1;
	int64_t ttl = r->ttl_ns == 0 ? k->cfg.order_ttl_ns : r->ttl_ns;
	if (ttl > 0 && r->type == TL_ORD_LIMIT && r->tif == TL_TIF_GTC) {
		o->t_expire = tl_time_add(k->now, ttl);
		tl_k_deadline(k, o->t_expire);
	}
	k->open_by_sym[r->sym]++;
	k->ctr.orders_submitted++;
	/* Orders that can add to a position count toward the position limit
	 * until they fill or end. */
	bool closing = r->reduce_only || r->role == TL_ROLE_TP || r->role == TL_ROLE_SL ||
		       r->role == TL_ROLE_EMERGENCY ||
		       (r->pos_side == TL_PS_LONG && r->side == TL_SELL) ||
		       (r->pos_side == TL_PS_SHORT && r->side == TL_BUY);
	if (!closing) {
		tl_position_t *p = tl_k_pos(k, r->sym, r->pos_side);
		if (r->side == TL_BUY)
			p->pend_buy += r->qty;
		else
			p->pend_sell += r->qty;
		o->exposure = 1;
	}
	tl_risk_take(k, r->role != TL_ROLE_PLAIN && r->role != TL_ROLE_ENTRY);
	tl_k_ev_order(k, TL_EV_ORDER_SUBMITTED, o, NULL);
	tl_k_order_send(k, o);
	*rej = TL_REJ_NONE;
	return o;
}

static tl_reject_t order_tpsl_valid(tl_kernel_t *k, const tl_k_ordreq_t *r)
{
	if (r->tp == 0 && r->sl == 0)
		return TL_REJ_NONE;
	const tl_symbol_t *s = &k->syms.sym[r->sym];
	if (r->tp < 0 || r->sl < 0 || tl_risk_reduces(k, r) || r->reduce_only)
		return TL_REJ_BAD_TPSL;
	if ((r->tp && !tl_fx_on_step(r->tp - s->min_price, s->tick_size)) ||
	    (r->sl && !tl_fx_on_step(r->sl - s->min_price, s->tick_size)))
		return TL_REJ_PRICE_TICK;
	tl_fx_t ref = r->type == TL_ORD_LIMIT ? r->price : s->mark;
	if (ref <= 0)
		return TL_REJ_NO_MARK;
	/* A long's take-profit sits above the entry and its stop below;
	 * mirrored for a short. */
	bool buy = r->side == TL_BUY;
	if (r->tp && (buy ? r->tp <= ref : r->tp >= ref))
		return TL_REJ_BAD_TPSL;
	if (r->sl && (buy ? r->sl >= ref : r->sl <= ref))
		return TL_REJ_BAD_TPSL;
	return TL_REJ_NONE;
}

/* A tag takes its row once an order carrying it passes every check;
 * the row's number goes out in STRATEGY_ADDED with the name, because
 * order events name their tag by row. */
static void order_strat_add(tl_kernel_t *k, tl_k_ordreq_t *r, const char *tag)
{
	int row = tl_strat_find(&k->strats, tag);
	if (row < 0) {
		row = tl_strat_add(&k->strats, tag);
		tl_output_t out;
		tl_k_ev_init(&out, TL_EV_STRATEGY_ADDED);
		out.u.ev.u.strat.id = (uint8_t)row;
		tl_k_copy_str(out.u.ev.text, TL_TEXT_LEN, tag);
		tl_k_emit(k, &out);
	}
	r->strat = (uint8_t)row;
}

static tl_reject_t order_submit(tl_kernel_t *k, tl_k_ordreq_t *r,
				const char *symbol, const char *tag,
				uint64_t *handle)
{
	tl_reject_t rej;
	int row = tl_strat_find(&k->strats, tag);
	if (row > 0)
		r->strat = (uint8_t)row;
	if (tag[0] && !tl_strat_valid(tag)) {
		rej = TL_REJ_BAD_STRATEGY;
		goto refuse;
	}
	if (row < 0 && k->strats.n >= TL_STRAT_MAX) {
		rej = TL_REJ_STRATEGY_LIMIT;
		goto refuse;
	}
	if (r->sym < 0) {
		rej = TL_REJ_UNKNOWN_SYMBOL;
		goto refuse;
	}
	if ((rej = tl_risk_check(k, r)) != TL_REJ_NONE)
		goto refuse;
	if ((rej = order_tpsl_valid(k, r)) != TL_REJ_NONE)
		goto refuse;
	if (r->tp || r->sl)
		r->role = TL_ROLE_ENTRY;
	order_strat_add(k, r, tag);
	tl_order_t *o = tl_k_order_create(k, r, &rej);
	if (!o)
		goto refuse;
	if (handle)
		*handle = tl_orders_handle(&k->orders, o);
	return TL_REJ_NONE;
refuse:
	tl_k_ev_refused(k, r, symbol, rej);
	return rej;
}

/* The record's tag as a string; 16 bytes without a NUL stay 16
 * characters long, so the validity check refuses them. */
static void order_strat_tag(char out[TL_STRAT_LEN + 1], const char *in)
{
	memcpy(out, in, TL_STRAT_LEN);
	out[TL_STRAT_LEN] = 0;
}

tl_reject_t tl_k_on_submit(tl_kernel_t *k, const tl_in_submit_t *s,
			   uint64_t *handle)
{
	char sym[TL_SYMBOL_NAMELEN];
	tl_k_copy_str(sym, sizeof(sym), s->symbol);
	tl_k_ordreq_t r = {
		.sym = tl_symbols_find(&k->syms, sym),
		.side = (tl_side_t)s->side,
		.type = (tl_ord_type_t)s->type,
		.tif = s->tif ? (tl_tif_t)s->tif : TL_TIF_GTC,
		.pos_side = (tl_pos_side_t)s->pos_side,
		.reduce_only = s->reduce_only != 0,
		.qty = s->qty,
		.price = s->price,
		.stop_price = s->stop_price,
		.tp = s->tp,
		.sl = s->sl,
		.ttl_ns = s->ttl_ns,
		.user_ref = s->user_ref,
		.role = TL_ROLE_PLAIN,
	};
	char tag[TL_STRAT_LEN + 1];
	order_strat_tag(tag, s->strategy);
	return order_submit(k, &r, sym, tag, handle);
}

tl_reject_t tl_k_on_signal(tl_kernel_t *k, const tl_in_signal_t *s,
			   uint64_t *handle)
{
	char sym[TL_SYMBOL_NAMELEN];
	tl_k_copy_str(sym, sizeof(sym), s->symbol);
	bool hedge = k->cfg.hedge_mode;
	tl_k_ordreq_t r = {
		.sym = tl_symbols_find(&k->syms, sym),
		.type = s->price > 0 ? TL_ORD_LIMIT : TL_ORD_MARKET,
		.tif = TL_TIF_GTC,
		.qty = s->qty,
		.price = s->price > 0 ? s->price : 0,
		.user_ref = s->user_ref,
		.role = TL_ROLE_PLAIN,
	};
	r.from_signal = true;
	char tag[TL_STRAT_LEN + 1];
	order_strat_tag(tag, s->strategy);
	int row = tl_strat_find(&k->strats, tag);
	if (row > 0)
		r.strat = (uint8_t)row;	/* named in a refusal below */
	switch ((tl_signal_t)s->signal) {
	case TL_SIG_LONG_ENTRY:
		r.side = TL_BUY;
		r.pos_side = hedge ? TL_PS_LONG : TL_PS_BOTH;
		r.tp = s->tp;
		r.sl = s->sl;
		break;
	case TL_SIG_SHORT_ENTRY:
		r.side = TL_SELL;
		r.pos_side = hedge ? TL_PS_SHORT : TL_PS_BOTH;
		r.tp = s->tp;
		r.sl = s->sl;
		break;
	case TL_SIG_CLOSE_LONG:
	case TL_SIG_CLOSE_SHORT: {
		bool lng = s->signal == TL_SIG_CLOSE_LONG;
		r.side = lng ? TL_SELL : TL_BUY;
		r.pos_side = hedge ? (lng ? TL_PS_LONG : TL_PS_SHORT) : TL_PS_BOTH;
		r.reduce_only = !hedge;
		if (s->tp || s->sl) {
			tl_k_ev_refused(k, &r, sym, TL_REJ_BAD_TPSL);
			return TL_REJ_BAD_TPSL;
		}
		/* Close up to the position: a close never opens the other side. */
		const tl_position_t *p = tl_k_pos(k, r.sym, r.pos_side);
		tl_fx_t have = p ? (lng ? p->qty : -p->qty) : 0;
		if (r.sym >= 0 && have <= 0) {
			tl_k_ev_refused(k, &r, sym, TL_REJ_NOTHING_TO_CLOSE);
			return TL_REJ_NOTHING_TO_CLOSE;
		}
		if (r.qty > have && have > 0)
			r.qty = have;
		break;
	}
	default:
		tl_k_ev_refused(k, &r, sym, TL_REJ_BAD_PARAM);
		return TL_REJ_BAD_PARAM;
	}
	return order_submit(k, &r, sym, tag, handle);
}

/* ---- cancels ---------------------------------------------------------------- */

tl_reject_t tl_k_order_cancel(tl_kernel_t *k, tl_order_t *o, bool urgent)
{
	(void)urgent;
	if (!tl_status_terminal((tl_ord_status_t)o->status))
		o->flags |= TL_OF_CANCEL;	/* K1: from here on, never sent */
	switch ((tl_ord_status_t)o->status) {
	case TL_ST_PENDING_NEW:
		/* Waiting for a retry after a definite failure: nothing is at
		 * the venue, cancel here. */
		o->flags |= TL_OF_LOCAL_END;
		tl_k_order_status(k, o, TL_ST_CANCELED);
		tl_k_ev_order(k, TL_EV_ORDER_CANCELED, o, "canceled before send");
		return TL_REJ_NONE;
	case TL_ST_SENT:
	case TL_ST_NEW:
	case TL_ST_PARTIALLY_FILLED:
	case TL_ST_UNKNOWN:
		o->prev_status = o->status;
		o->cancel_attempts = 0;
		tl_k_order_status(k, o, TL_ST_PENDING_CANCEL);
		tl_k_ev_order(k, TL_EV_ORDER_CANCEL_REQUESTED, o, NULL);
		order_send_cancel(k, o);
		return TL_REJ_NONE;
	case TL_ST_PENDING_CANCEL:
		return TL_REJ_NONE;	/* already on its way */
	default:
		return TL_REJ_NOT_CANCELABLE;
	}
}

tl_reject_t tl_k_on_cancel(tl_kernel_t *k, const tl_in_cancel_t *c)
{
	char id[TL_CLID_LEN];
	tl_k_copy_str(id, sizeof(id), c->client_id);
	tl_order_t *o = tl_orders_by_clid(&k->orders, id);
	if (!o)
		return TL_REJ_UNKNOWN_ORDER;
	return tl_k_order_cancel(k, o, false);
}

tl_reject_t tl_k_on_cancel_all(tl_kernel_t *k, const tl_in_cancel_t *c)
{
	int sym = -1;
	if (c->symbol[0]) {
		char name[TL_SYMBOL_NAMELEN];
		tl_k_copy_str(name, sizeof(name), c->symbol);
		if ((sym = tl_symbols_find(&k->syms, name)) < 0)
			return TL_REJ_UNKNOWN_SYMBOL;
	}
	tl_order_t *o = tl_orders_active_first(&k->orders);
	while (o) {
		tl_order_t *next = tl_orders_next(&k->orders, o);
		if ((sym < 0 || o->sym == sym) && o->role != TL_ROLE_EMERGENCY)
			tl_k_order_cancel(k, o, true);
		o = next;
	}
	return TL_REJ_NONE;
}

/* After an order reached a terminal status: follow-ups by role. */
static void order_ended(tl_kernel_t *k, tl_order_t *o)
{
	/* An entry's protection follows its fills (kernel/protect.c): an
	 * entry that ends after a partial fill keeps what protects it. */
	if (o->role == TL_ROLE_TP || o->role == TL_ROLE_SL)
		tl_k_protect_ended(k, o);
	if (o->role == TL_ROLE_EMERGENCY) {
		tl_position_t *p = tl_k_pos(k, o->sym, (tl_pos_side_t)o->pos_side);
		if (p && p->closers > 0)
			p->closers--;
		if (o->status == TL_ST_FILLED)
			k->emg.ok++;
		else
			k->emg.failed++;
	}
	if (k->state == TL_TS_LIQUIDATING)
		tl_k_emergency_progress(k);
}

static void order_finish(tl_kernel_t *k, tl_order_t *o, tl_ord_status_t st,
			 tl_event_type_t ev, const char *text)
{
	tl_k_order_status(k, o, st);
	tl_k_ev_order(k, ev, o, text);
	order_ended(k, o);
}

/* ---- venue inputs ------------------------------------------------------------ */

/* K5: is this venue input about this order? The symbol must be the
 * order's ("" is a record older than the field) and a venue id, once the
 * order has one, must be its own; an algo order's triggered child is
 * the one other id it may take (kept apart, not indexed). */
static bool order_input_is_its(tl_kernel_t *k, tl_order_t *o, int64_t vid,
			       const char *sym)
{
	if (sym[0] && strncmp(sym, k->syms.sym[o->sym].name, TL_SYMBOL_NAMELEN) != 0)
		return false;
	if (vid == 0 || o->venue_id == 0 || vid == o->venue_id || vid == o->child_vid)
		return true;
	if (order_is_algo(o) && o->child_vid == 0) {
		o->child_vid = vid;
		return true;
	}
	return false;
}

static void order_ev_foreign(tl_kernel_t *k, const char *clid, int64_t vid,
			     const char *sym, const tl_order_t *o)
{
	tl_output_t out;
	tl_k_ev_init(&out, TL_EV_FOREIGN_UPDATE);
	tl_k_copy_str(out.u.ev.symbol, TL_SYMBOL_NAMELEN, sym);
	tl_ev_order_t *e = &out.u.ev.u.order;
	tl_k_copy_str(e->client_id, TL_CLID_LEN, clid);
	e->venue_id = vid;
	e->status = o->status;
	char ours[24];
	tl_k_copy_str(ours, sizeof(ours), k->syms.sym[o->sym].name);
	snprintf(out.u.ev.text, TL_TEXT_LEN, "not applied: ours is %.20s id %lld", ours,
		 (long long)o->venue_id);
	tl_k_emit(k, &out);
}

static tl_order_t *order_lookup(tl_kernel_t *k, const char *clid_in, int64_t vid,
				const char *sym_in)
{
	char id[TL_CLID_LEN], sym[TL_SYMBOL_NAMELEN];
	tl_k_copy_str(id, sizeof(id), clid_in);
	tl_k_copy_str(sym, sizeof(sym), sym_in);
	tl_order_t *o = id[0] ? tl_orders_by_clid(&k->orders, id) : NULL;
	if (!o && vid)
		o = tl_orders_by_vid(&k->orders, vid);
	if (!o) {
		k->ctr.unknown_order_inputs++;
		return NULL;
	}
	if (!order_input_is_its(k, o, vid, sym)) {
		k->ctr.foreign_updates++;
		order_ev_foreign(k, id, vid, sym, o);
		return NULL;
	}
	o->t_seen = k->now;
	return o;
}

/* Record the venue's id of an order the first time it is told; an algo
 * order's child id stays in child_vid (order_input_is_its). */
static void order_learn_vid(tl_kernel_t *k, tl_order_t *o, int64_t vid)
{
	if (vid && !o->venue_id && vid != o->child_vid)
		tl_orders_set_venue_id(&k->orders, o, vid);
}

/* Orders that cannot add exposure. */
static bool order_closing(const tl_order_t *o)
{
	return o->reduce_only || o->role == TL_ROLE_EMERGENCY || o->role == TL_ROLE_TP ||
	       o->role == TL_ROLE_SL ||
	       (o->pos_side == TL_PS_LONG && o->side == TL_SELL) ||
	       (o->pos_side == TL_PS_SHORT && o->side == TL_BUY);
}

/* K2/K3: may this order be (re)sent in the current trading state?
 * NORMAL admits every order; REDUCING and LIQUIDATING only orders that
 * cannot add exposure; PAUSED none. */
static bool order_state_admits(const tl_kernel_t *k, const tl_order_t *o)
{
	switch (k->state) {
	case TL_TS_NORMAL: return true;
	case TL_TS_REDUCING:
	case TL_TS_LIQUIDATING: return order_closing(o);
	default: return false;
	}
}

/* K2: why an order the venue does not have may not be resent, or NULL
 * when it may. */
static const char *order_resend_refusal(const tl_kernel_t *k, const tl_order_t *o)
{
	if (o->flags & TL_OF_CANCEL)
		return "not resent: cancel requested";
	if (o->flags & TL_OF_RESTARTED)
		return "not resent: the engine restarted since";
	if (!order_state_admits(k, o))
		return k->state == TL_TS_PAUSED ? "not resent: trading state PAUSED"
						: "not resent: trading state";
	if (k->cfg.resend_max_age_ns <= 0 ||
	    tl_time_add(o->t_created, k->cfg.resend_max_age_ns) < k->now)
		return "not resent: older than resend_max_age";
	return NULL;
}

/* End an order here, without the venue's word, as STALE (K2). */
static void order_fail_stale(tl_kernel_t *k, tl_order_t *o, const char *why)
{
	o->reject = TL_REJ_STALE;
	o->flags |= TL_OF_LOCAL_END;
	order_finish(k, o, TL_ST_FAILED, TL_EV_ORDER_FAILED, why);
}

void tl_k_on_update(tl_kernel_t *k, const tl_in_order_update_t *u)
{
	tl_order_t *o = order_lookup(k, u->client_id, u->venue_id, u->symbol);
	if (!o)
		return;
	order_learn_vid(k, o, u->venue_id);
	tl_ord_status_t st = (tl_ord_status_t)o->status;
	if (tl_status_terminal(st) && u->status == TL_ST_NEW &&
	    (o->flags & TL_OF_LOCAL_END)) {
		/* Ended here as never at the venue, yet the venue acknowledges
		 * it: it is there after all. Cancel it there (once); its fills,
		 * if any, still reach the position. */
		o->flags &= (uint8_t)~TL_OF_LOCAL_END;
		tl_k_ev_order(k, TL_EV_ORDER_CANCEL_REQUESTED, o,
			      "acknowledged after it ended here: canceling");
		order_send_cancel(k, o);
		return;
	}
	if (tl_status_terminal(st)) {
		/* A NEW after FILLED, CANCELED or EXPIRED is the REST
		 * acknowledgement arriving after the stream already ended
		 * the order: late, not wrong. After REJECTED it is. */
		bool late_ack = u->status == TL_ST_NEW &&
				(st == TL_ST_FILLED || st == TL_ST_CANCELED ||
				 st == TL_ST_EXPIRED);
		if (u->status != st && !late_ack)
			k->ctr.invalid_transitions++;
		return;
	}
	switch (u->status) {
	case TL_ST_NEW:
		if (!o->t_acked)
			o->t_acked = k->now;
		if (st == TL_ST_SENT || st == TL_ST_UNKNOWN || st == TL_ST_PENDING_NEW) {
			tl_k_order_status(k, o, o->filled > 0 ? TL_ST_PARTIALLY_FILLED
							       : TL_ST_NEW);
			tl_k_ev_order(k, TL_EV_ORDER_ACCEPTED, o, NULL);
		}
		/* NEW/PF: a late or duplicate ack. PENDING_CANCEL: the cancel
		 * (or the query after its refusal) is already on its way. */
		break;
	case TL_ST_CANCELED:
		order_finish(k, o, TL_ST_CANCELED, TL_EV_ORDER_CANCELED, u->text);
		break;
	case TL_ST_EXPIRED:
		order_finish(k, o, TL_ST_EXPIRED, TL_EV_ORDER_EXPIRED, u->text);
		break;
	case TL_ST_REJECTED:
		o->venue_code = u->code;
		order_finish(k, o, TL_ST_REJECTED, TL_EV_ORDER_REJECTED, u->text);
		break;
	default:
		k->ctr.invalid_transitions++;
		break;
	}
}

void tl_k_on_fill(tl_kernel_t *k, const tl_in_fill_t *f)
{
	tl_order_t *o = order_lookup(k, f->client_id, f->venue_id, f->symbol);
	if (!o)
		return;
	if (f->qty <= 0 || f->price <= 0 || f->commission < 0) {
		k->ctr.invalid_fills++;
		return;
	}
	if (tl_k_trade_seen(k, o->sym, f->trade_id)) {
		k->ctr.duplicate_fills++;
		return;
	}
	if (f->qty > o->qty - o->filled) {
		/* Overfill: never applied. A duplicate trade older than the
		 * dedup window also ends here rather than counting twice. */
		k->ctr.invalid_fills++;
		return;
	}
	order_learn_vid(k, o, f->venue_id);
	tl_position_t *p = tl_k_pos(k, o->sym, (tl_pos_side_t)o->pos_side);
	tl_pos_change_t chg;
	tl_fx_t u0 = p->unrealized;
	if (!tl_pos_apply_fill(p, (tl_side_t)o->side, f->qty, f->price,
			       f->commission, k->now, &chg)) {
		k->ctr.invalid_fills++;
		return;
	}
	k->unrealized_total += (__int128)p->unrealized - u0;
	k->ctr.fills++;
	if (!tl_status_terminal((tl_ord_status_t)o->status))
		order_unexpose(k, o, f->qty);
	k->realized_total += chg.realized;
	k->commission_total += f->commission;
	o->filled += f->qty;
	o->cum_quote += tl_fx_mul_wide(f->qty, f->price);
	o->commission += f->commission;
	if (!o->t_acked)
		o->t_acked = k->now;

	tl_ord_status_t st = (tl_ord_status_t)o->status;
	bool full = o->filled == o->qty;
	if (!tl_status_terminal(st)) {
		if (full) {
			tl_k_order_status(k, o, TL_ST_FILLED);
		} else if (st != TL_ST_PENDING_CANCEL) {
			tl_k_order_status(k, o, TL_ST_PARTIALLY_FILLED);
		}
	}
	order_ev_fill(k, full ? TL_EV_ORDER_FILLED : TL_EV_ORDER_PARTIALLY_FILLED,
		      o, f->qty, f->price);

	tl_event_type_t pe = TL_EV_POSITION_UPDATED;
	if (chg.closed || (chg.flipped))
		pe = o->role == TL_ROLE_EMERGENCY ? TL_EV_POSITION_LIQUIDATED
						  : TL_EV_POSITION_CLOSED;
	else if (chg.opened)
		pe = TL_EV_POSITION_OPENED;
	if (chg.closed && o->role == TL_ROLE_EMERGENCY)
		p->status = TL_POS_LIQUIDATED;
	if (p->qty == 0 && p->status == TL_POS_OPEN)
		p->status = TL_POS_CLOSED;
	tl_k_ev_position(k, pe, p);
	if (chg.trip_ended)
		tl_k_ev_trip(k, o->sym, o->pos_side, 0, 0, order_exit_reason(o), &chg.trip);
	if (chg.flipped)
		tl_k_ev_position(k, TL_EV_POSITION_OPENED, p);
	/* The strategy rows' virtual positions, after the venue's. */
	if (o->role == TL_ROLE_EMERGENCY) {
		order_trip_ctx_t tc = { k, o };
		tl_strat_fill_close(&k->strats, o->sym, o->pos_side,
				    (tl_side_t)o->side, f->qty, f->price,
				    f->commission, p->mark, k->now,
				    order_strat_closed, &tc);
	} else {
		tl_pos_change_t vchg;
		if (tl_strat_fill(&k->strats, o->strat, o->sym, o->pos_side,
				  (tl_side_t)o->side, f->qty, f->price,
				  f->commission, p->mark, k->now, &vchg) &&
		    vchg.trip_ended && o->strat > 0)
			tl_k_ev_trip(k, o->sym, o->pos_side, 1, o->strat,
				     order_exit_reason(o), &vchg.trip);
	}
	if (chg.closed || chg.flipped)
		tl_k_protect_close(k, o->sym, (tl_pos_side_t)o->pos_side);
	else
		tl_k_protect_pos(k, o->sym, (tl_pos_side_t)o->pos_side);
	/* Protection for what is filled, as it fills; never while
	 * liquidating (the liquidation closes the position itself). */
	if (o->role == TL_ROLE_ENTRY)
		tl_k_protect_entry(k, o);
	if (!tl_status_terminal(st) && full)
		order_ended(k, o);
	else if (k->state == TL_TS_LIQUIDATING)
		tl_k_emergency_progress(k);
	tl_k_check_loss(k);
}

/* Retry a new-order request after a definite failure, or give up. */
static void order_retry_new(tl_kernel_t *k, tl_order_t *o, int64_t retry_after,
			    const char *text)
{
	const tl_backoff_t *b = o->role == TL_ROLE_EMERGENCY ? &k->cfg.emergency_backoff
							     : &k->cfg.backoff;
	int64_t d = tl_backoff_delay(b, o->attempts, o->seq);
	if (d < 0) {
		o->reject = TL_REJ_NONE;
		order_finish(k, o, TL_ST_FAILED, TL_EV_ORDER_FAILED,
			     text && text[0] ? text : "retries exhausted");
		return;
	}
	if (retry_after > d)
		d = retry_after;
	tl_k_order_status(k, o, TL_ST_PENDING_NEW);
	o->t_next = tl_time_add(k->now, d);
	tl_k_deadline(k, o->t_next);
}

/* K1: the new-order request of an order whose cancel is already asked
 * for has failed. A definite failure means the venue never had it: the
 * cancel is done here. An ambiguous one leaves the cancel (and, after
 * its refusal, the query) to find out. */
static void order_new_failed_canceling(tl_kernel_t *k, tl_order_t *o,
				       tl_outcome_class_t cls, const tl_outcome_t *oc,
				       const char *text)
{
	switch (cls) {
	case TL_OUT_TRANSIENT:
		o->flags |= TL_OF_LOCAL_END;
		order_finish(k, o, TL_ST_CANCELED, TL_EV_ORDER_CANCELED,
			     oc->transport == TL_TR_WITHDRAWN
				     ? "withdrawn before send"
				     : "canceled: the venue never took it");
		return;
	case TL_OUT_PERMANENT:
		order_finish(k, o, oc->code || oc->http_status ? TL_ST_REJECTED
							       : TL_ST_FAILED,
			     oc->code || oc->http_status ? TL_EV_ORDER_REJECTED
							 : TL_EV_ORDER_FAILED,
			     text);
		return;
	case TL_OUT_AMBIGUOUS:
	case TL_OUT_NOOP_OK:
		o->flags |= TL_OF_NEW_AMBIGUOUS;
		return;
	case TL_OUT_OK:
		return;
	}
}

void tl_k_on_req_error(tl_kernel_t *k, const tl_in_req_error_t *e)
{
	tl_order_t *o = order_lookup(k, e->client_id, 0, "");
	if (!o)
		return;
	tl_outcome_t oc = e->outcome;
	oc.is_write = e->req != TL_REQ_QUERY;
	tl_outcome_class_t cls = tl_retry_classify(&oc);
	if (oc.code)
		o->venue_code = oc.code;
	tl_ord_status_t st = (tl_ord_status_t)o->status;

	switch (e->req) {
	case TL_REQ_NEW:
		if (st == TL_ST_PENDING_CANCEL && (o->flags & TL_OF_CANCEL)) {
			order_new_failed_canceling(k, o, cls, &oc, e->text);
			return;
		}
		if (st != TL_ST_SENT)
			return;	/* stale: already acked, filled, queried or ended */
		switch (cls) {
		case TL_OUT_OK:
			return;
		case TL_OUT_TRANSIENT:
			if (oc.transport == TL_TR_WITHDRAWN && !order_state_admits(k, o)) {
				/* K3: the runtime held it back (kill switch,
				 * trading state): it never left. */
				o->flags |= TL_OF_LOCAL_END;
				order_finish(k, o, TL_ST_CANCELED, TL_EV_ORDER_CANCELED,
					     "withdrawn before send: trading state");
				return;
			}
			order_retry_new(k, o, e->retry_after_ns, e->text);
			return;
		case TL_OUT_AMBIGUOUS:
		case TL_OUT_NOOP_OK:
			order_go_unknown(k, o, e->text);
			return;
		case TL_OUT_PERMANENT:
			if (oc.code != 0 || oc.http_status != 0)
				order_finish(k, o, TL_ST_REJECTED, TL_EV_ORDER_REJECTED, e->text);
			else
				order_finish(k, o, TL_ST_FAILED, TL_EV_ORDER_FAILED, e->text);
			return;
		}
		return;
	case TL_REQ_CANCEL:
		if (st != TL_ST_PENDING_CANCEL)
			return;
		if (cls == TL_OUT_TRANSIENT) {
			const tl_backoff_t *b = &k->cfg.backoff;
			int64_t d = tl_backoff_delay(b, o->cancel_attempts, o->seq);
			if (d < 0)
				d = b->cap_ns;	/* cancels never give up */
			if (e->retry_after_ns > d)
				d = e->retry_after_ns;
			o->cancel_retry = 1;
			o->t_next = tl_time_add(k->now, d);
			tl_k_deadline(k, o->t_next);
			return;
		}
		if (cls == TL_OUT_OK || cls == TL_OUT_NOOP_OK)
			return;
		/* Refused (-2011: not open) or ambiguous: the order's real state
		 * is unknown to us. K1: the intent stays (never back to SENT,
		 * whose timers would resend); the query decides. */
		tl_k_ev_order(k, TL_EV_ORDER_CANCEL_REJECTED, o, e->text);
		order_send_query(k, o);
		return;
	case TL_REQ_QUERY:
		if (tl_status_terminal(st))
			return;
		if (cls == TL_OUT_PERMANENT && oc.code == -2013) {
			tl_in_query_result_t q;
			memset(&q, 0, sizeof(q));
			memcpy(q.client_id, o->client_id, TL_CLID_LEN);
			tl_k_on_query(k, &q);
			return;
		}
		/* Anything else: ask again later; never forget the order. */
		o->t_next = tl_time_add(k->now, k->cfg.query_interval_ns);
		tl_k_deadline(k, o->t_next);
		return;
	default:
		k->ctr.bad_inputs++;
		return;
	}
}

/* The venue says it does not have this order (-2013). */
static void order_not_found(tl_kernel_t *k, tl_order_t *o)
{
	tl_ord_status_t st = (tl_ord_status_t)o->status;
	if (o->venue_id != 0) {
		/* It existed. A query the venue answered before the order
		 * reached it (sent on another connection or WebSocket API
		 * session: the venue keeps no order between them) may be
		 * answered after the ack: until send_window has passed since
		 * the ack, ask again rather than take it for gone. */
		tl_time_t since = o->t_acked > o->t_sent ? o->t_acked : o->t_sent;
		tl_time_t settled = tl_time_add(since, k->cfg.send_window_ns);
		if (k->now < settled) {
			o->flags |= TL_OF_QUERYING;	/* NEW/PF: the timer asks */
			o->cancel_retry = 0;		/* PENDING_CANCEL: a query */
			o->t_next = settled;
			tl_k_deadline(k, o->t_next);
			return;
		}
		/* Gone without a final status: the venue no longer knows it. */
		order_finish(k, o, TL_ST_FAILED, TL_EV_ORDER_FAILED,
			     "venue no longer knows the order");
		return;
	}
	/* SENT and not found: the request may still be in flight; the ack
	 * timeout will ask again. Other statuses have nothing to settle. */
	if (st != TL_ST_UNKNOWN && st != TL_ST_PENDING_CANCEL)
		return;
	/* Until send_window has passed since the last send, the request may
	 * still reach the venue: the answer is not final yet. */
	tl_time_t settled = tl_time_add(o->t_sent, k->cfg.send_window_ns);
	if (k->now < settled) {
		o->cancel_retry = 0;
		o->t_next = settled;
		tl_k_deadline(k, o->t_next);
		return;
	}
	if (o->flags & TL_OF_CANCEL) {
		/* K1: it never reached the venue and never will. */
		o->flags |= TL_OF_LOCAL_END;
		order_finish(k, o, TL_ST_CANCELED, TL_EV_ORDER_CANCELED,
			     "canceled: never reached the venue");
		return;
	}
	const char *why = order_resend_refusal(k, o);
	if (why) {
		order_fail_stale(k, o, why);
		return;
	}
	/* The venue never saw it: resending the same id is safe. */
	tl_k_order_status(k, o, TL_ST_PENDING_NEW);
	tl_k_order_send(k, o);
}

void tl_k_on_query(tl_kernel_t *k, const tl_in_query_result_t *q)
{
	tl_order_t *o = order_lookup(k, q->client_id, q->venue_id, q->symbol);
	if (!o)
		return;
	o->flags &= (uint8_t)~TL_OF_QUERYING;
	tl_ord_status_t st = (tl_ord_status_t)o->status;
	if (tl_status_terminal(st))
		return;
	if (!q->found) {
		order_not_found(k, o);
		return;
	}
	order_learn_vid(k, o, q->venue_id);
	if (q->executed_qty > o->venue_executed)
		o->venue_executed = q->executed_qty;
	/* The venue has executed more than the fills we applied: those
	 * trades still have to come (an order query fetches them), so a bulk
	 * resync must not count this answer as a confirmation (K4). */
	if (q->executed_qty > o->filled)
		o->t_seen = 0;
	if (!o->t_acked)
		o->t_acked = k->now;
	switch (q->status) {
	case TL_ST_NEW:
	case TL_ST_PARTIALLY_FILLED:
		if (st == TL_ST_PENDING_CANCEL) {
			/* K1: the venue holds it and we want it gone (its
			 * cancel was refused, lost, or overtook the order). */
			order_send_cancel(k, o);
			break;
		}
		if (st == TL_ST_UNKNOWN || st == TL_ST_SENT) {
			tl_k_order_status(k, o, o->filled > 0 ? TL_ST_PARTIALLY_FILLED
							       : TL_ST_NEW);
			tl_k_ev_order(k, TL_EV_ORDER_ACCEPTED, o, NULL);
		}
		break;
	case TL_ST_FILLED:
		/* Fills themselves arrive as FILL inputs (stream or trade
		 * query); the status is the venue's word. */
		order_finish(k, o, TL_ST_FILLED, TL_EV_ORDER_FILLED, NULL);
		break;
	case TL_ST_CANCELED:
		order_finish(k, o, TL_ST_CANCELED, TL_EV_ORDER_CANCELED, NULL);
		break;
	case TL_ST_EXPIRED:
		order_finish(k, o, TL_ST_EXPIRED, TL_EV_ORDER_EXPIRED, NULL);
		break;
	case TL_ST_REJECTED:
		order_finish(k, o, TL_ST_REJECTED, TL_EV_ORDER_REJECTED, NULL);
		break;
	default:
		k->ctr.invalid_transitions++;
		break;
	}
}

void tl_k_orders_restart(tl_kernel_t *k)
{
	tl_order_t *o = tl_orders_active_first(&k->orders);
	while (o) {
		tl_order_t *next = tl_orders_next(&k->orders, o);
		o->flags |= TL_OF_RESTARTED;	/* K2: never resent */
		if (o->status == TL_ST_PENDING_CANCEL) {
			/* The cancel is still wanted; canceling by client id is
			 * safe to repeat (-2011 leads to a query). */
			order_send_cancel(k, o);
		} else if (o->status != TL_ST_UNKNOWN) {
			o->cancel_retry = 0;
			order_go_unknown(k, o, "engine restarted");
		} else {
			order_send_query(k, o);
		}
		o = next;
	}
}

/* ---- timers --------------------------------------------------------------- */

void tl_k_order_timers(tl_kernel_t *k)
{
	tl_time_t now = k->now;
	tl_order_t *o = tl_orders_active_first(&k->orders);
	while (o) {
		tl_order_t *next = tl_orders_next(&k->orders, o);
		switch ((tl_ord_status_t)o->status) {
		case TL_ST_PENDING_NEW:
			if (o->t_next > now)
				tl_k_deadline(k, o->t_next);
			else if (order_state_admits(k, o))
				tl_k_order_send(k, o);
			else
				order_fail_stale(k, o, "not resent: trading state");
			break;
		case TL_ST_SENT: {
			tl_time_t due = tl_time_add(o->t_sent, k->cfg.ack_timeout_ns);
			if (due <= now)
				order_go_unknown(k, o, "no ack in time");
			else
				tl_k_deadline(k, due);
			break;
		}
		case TL_ST_UNKNOWN:
			if (o->t_next <= now)
				order_send_query(k, o);
			else
				tl_k_deadline(k, o->t_next);
			break;
		case TL_ST_PENDING_CANCEL:
			if (o->t_next <= now) {
				if (o->cancel_retry)
					order_send_cancel(k, o);
				else
					order_send_query(k, o); /* no answer: ask */
			} else {
				tl_k_deadline(k, o->t_next);
			}
			break;
		case TL_ST_NEW:
		case TL_ST_PARTIALLY_FILLED:
			if (o->t_next && o->t_next <= now) {
				/* A query of it failed (tl_k_on_req_error armed
				 * t_next): ask again, never forget. */
				o->t_next = 0;
				if (o->flags & TL_OF_QUERYING)
					order_send_query(k, o);
			} else if (o->t_next) {
				tl_k_deadline(k, o->t_next);
			}
			if (o->type == TL_ORD_MARKET && !(o->flags & TL_OF_QUERYING)) {
				/* A market order's fills follow its ack at once;
				 * none for ack_timeout means they were lost (a
				 * dropped stream event): ask the venue, whose
				 * answer brings the trades. Until then its position
				 * cannot be reconciled (it is unsettled). */
				tl_time_t seen = o->t_seen ? o->t_seen : o->t_updated;
				tl_time_t due = tl_time_add(seen, k->cfg.ack_timeout_ns);
				if (due <= now)
					order_send_query(k, o);
				else
					tl_k_deadline(k, due);
			}
			if (o->t_expire) {
				if (o->t_expire <= now) {
					o->t_expire = 0;
					tl_k_order_cancel(k, o, false);
				} else {
					tl_k_deadline(k, o->t_expire);
				}
			}
			break;
		default:
			break;
		}
		o = next;
	}
}
