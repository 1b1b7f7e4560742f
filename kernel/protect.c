/*
 * protect.c - take-profit and stop-loss of a signal entry, kept in step
 * with what is filled (docs/kernel.md, "Signals", and K7).
 *
 * An entry carrying TP/SL prices gets its two protective orders (legs)
 * at its first fill, sized to the filled quantity. Each further fill
 * resizes them; so does any fill that shrinks the position they close.
 * A leg is never larger than the position it closes (K7), and the two
 * legs are alternatives (either closes the position), never summed.
 *
 * Binance has no modify for the conditional (algo) orders the legs are,
 * so a resize is cancel-then-replace with a new client id, in that
 * order: the replacement is sent only once the venue confirms the old
 * leg ended. Sending it first would leave, for a round trip, two legs
 * whose sum exceeds the position, and a stop that triggers both would
 * sell what is not held (a reduce-only rejection at best, a position on
 * the other side in hedge mode's race). The gap is one cancel round trip
 * during which the leg still covers what it covered before, and fills
 * that arrive meanwhile are folded into the one replacement.
 *
 * A leg ends for good (no replacement) when it fills, when the position
 * it closes goes flat or flips, when anyone else cancels it (strategy,
 * operator, cancel-all, the kill switch) or when the venue refuses it.
 * LIQUIDATING places no protective order at all (K3): the liquidation
 * closes the position itself.
 */
#include "kernel/kernel_int.h"

/* The leg's index in an entry's prot[]: 0 take-profit, 1 stop-loss. */
static int prot_leg(const tl_order_t *o)
{
	return o->role == TL_ROLE_SL ? 1 : 0;
}

/* What a leg closing with `side` may cover: the position's size in the
 * direction it closes (0 when flat or on the other side). */
static tl_fx_t prot_have(tl_kernel_t *k, uint16_t sym, tl_pos_side_t ps,
			 tl_side_t side)
{
	const tl_position_t *p = tl_k_pos(k, sym, ps);
	tl_fx_t have = side == TL_SELL ? p->qty : -p->qty;
	return have > 0 ? have : 0;
}

/* The entry a leg protects, or NULL once it was evicted from the table
 * (it is terminal then: its filled quantity can no longer grow). */
static tl_order_t *prot_entry(tl_kernel_t *k, const tl_order_t *leg)
{
	tl_order_t *e = tl_orders_get(&k->orders, leg->parent);
	return e && e->role == TL_ROLE_ENTRY ? e : NULL;
}

/* The size a leg should have now: the entry's filled quantity, never more
 * than the position. Without the entry, what the leg covers, shrunk to
 * the position. */
static tl_fx_t prot_target(tl_kernel_t *k, const tl_order_t *leg)
{
	tl_fx_t have = prot_have(k, leg->sym, (tl_pos_side_t)leg->pos_side,
				 (tl_side_t)leg->side);
	const tl_order_t *e = prot_entry(k, leg);
	tl_fx_t want = e ? e->filled : leg->qty - leg->filled;
	return want < have ? want : have;
}

/* Place one leg of `qty`, copying the rest from `tmpl`'s fields. */
static tl_order_t *prot_place(tl_kernel_t *k, const tl_k_ordreq_t *tmpl, tl_fx_t qty)
{
	tl_k_ordreq_t r = *tmpl;
	r.qty = qty;
	tl_reject_t rej;
	tl_order_t *o = tl_k_order_create(k, &r, &rej);
	if (!o) {
		tl_k_ev_refused(k, &r, k->syms.sym[r.sym].name, rej);
		return NULL;
	}
	tl_position_t *p = tl_k_pos(k, o->sym, (tl_pos_side_t)o->pos_side);
	p->protectors++;
	if (r.role == TL_ROLE_TP)
		p->tp = r.stop_price;
	else
		p->sl = r.stop_price;
	return o;
}

/* Link a new leg with its sibling (the other leg), both ways. */
static void prot_link(tl_kernel_t *k, tl_order_t *o, uint64_t sib_h)
{
	tl_order_t *sib = tl_orders_get(&k->orders, sib_h);
	if (!sib || tl_status_terminal((tl_ord_status_t)sib->status))
		return;
	o->sibling = sib_h;
	sib->sibling = tl_orders_handle(&k->orders, o);
}

/* Cancel a leg. reprotect: a resize, replaced once the venue confirms the
 * cancel; otherwise the leg ends for good. */
static void prot_cancel(tl_kernel_t *k, tl_order_t *o, bool reprotect)
{
	if (reprotect)
		o->flags |= TL_OF_REPROTECT;
	else
		o->flags &= (uint8_t)~TL_OF_REPROTECT;
	tl_k_order_cancel(k, o, true);
	/* Nothing was at the venue (a retry waiting): canceled here at once,
	 * which runs no follow-up; do it now. */
	if (tl_status_terminal((tl_ord_status_t)o->status))
		tl_k_protect_ended(k, o);
}

/* Fit one active leg to its target. */
static void prot_fit(tl_kernel_t *k, tl_order_t *o)
{
	if (o->flags & TL_OF_CANCEL)
		return;	/* a cancel is out: its end decides */
	tl_fx_t rem = o->qty - o->filled;
	tl_fx_t target = prot_target(k, o);
	if (rem == target)
		return;
	if (target <= 0) {
		prot_cancel(k, o, false);	/* nothing left to protect */
		return;
	}
	/* A leg that has begun to fill has triggered: its market order is
	 * executing. Shrink it if it must (K7), never cancel it to grow. */
	if (o->filled > 0 && target > rem)
		return;
	prot_cancel(k, o, true);
}

void tl_k_protect_entry(tl_kernel_t *k, tl_order_t *e)
{
	if (e->role != TL_ROLE_ENTRY || k->state == TL_TS_LIQUIDATING || e->filled <= 0)
		return;
	tl_fx_t prices[2] = { e->tp, e->sl };
	static const tl_ord_type_t types[2] = { TL_ORD_TAKE_PROFIT_MARKET,
						TL_ORD_STOP_MARKET };
	static const tl_ord_role_t roles[2] = { TL_ROLE_TP, TL_ROLE_SL };
	tl_side_t close = e->side == TL_BUY ? TL_SELL : TL_BUY;
	tl_fx_t have = prot_have(k, e->sym, (tl_pos_side_t)e->pos_side, close);
	tl_fx_t target = e->filled < have ? e->filled : have;
	uint64_t eh = tl_orders_handle(&k->orders, e);
	for (int i = 0; i < 2; i++) {
		if (!prices[i])
			continue;
		if (e->prot[i]) {
			/* A leg was placed: fit it while it lives. Once it has
			 * ended (and no replacement took its place) the leg is
			 * over for this entry. */
			tl_order_t *o = tl_orders_get(&k->orders, e->prot[i]);
			if (o && !tl_status_terminal((tl_ord_status_t)o->status))
				prot_fit(k, o);
			continue;
		}
		if (target <= 0)
			continue;
		tl_k_ordreq_t r = {
			.sym = e->sym, .side = close, .type = types[i],
			.tif = TL_TIF_GTC, .pos_side = (tl_pos_side_t)e->pos_side,
			.reduce_only = e->pos_side == TL_PS_BOTH,
			.stop_price = prices[i], .ttl_ns = -1,
			.user_ref = e->user_ref, .role = roles[i], .parent = eh,
			.strat = e->strat,
		};
		tl_order_t *o = prot_place(k, &r, target);
		if (!o)
			continue;	/* table full: the next fill tries again */
		e->prot[i] = tl_orders_handle(&k->orders, o);
		prot_link(k, o, e->prot[1 - i]);
	}
}

void tl_k_protect_pos(tl_kernel_t *k, uint16_t sym, tl_pos_side_t ps)
{
	tl_position_t *p = tl_k_pos(k, sym, ps);
	if (p->protectors == 0 || k->state == TL_TS_LIQUIDATING)
		return;	/* the common case: nothing to scan for */
	tl_order_t *o = tl_orders_active_first(&k->orders);
	while (o) {
		tl_order_t *next = tl_orders_next(&k->orders, o);
		if ((o->role == TL_ROLE_TP || o->role == TL_ROLE_SL) && o->sym == sym &&
		    o->pos_side == ps)
			prot_fit(k, o);
		o = next;
	}
}

void tl_k_protect_close(tl_kernel_t *k, uint16_t sym, tl_pos_side_t ps)
{
	tl_position_t *p = tl_k_pos(k, sym, ps);
	if (p->protectors == 0)
		return;
	tl_order_t *o = tl_orders_active_first(&k->orders);
	while (o) {
		tl_order_t *next = tl_orders_next(&k->orders, o);
		if ((o->role == TL_ROLE_TP || o->role == TL_ROLE_SL) && o->sym == sym &&
		    o->pos_side == ps)
			prot_cancel(k, o, false);
		o = next;
	}
	p->tp = p->sl = 0;
}

/* A resized leg's cancel is confirmed: send its replacement, sized to
 * what is to be protected now (fills that arrived meanwhile included). */
static void prot_replace(tl_kernel_t *k, tl_order_t *old)
{
	tl_order_t *e = prot_entry(k, old);
	uint64_t oh = tl_orders_handle(&k->orders, old);
	int i = prot_leg(old);
	if (e && e->prot[i] != oh)
		return;	/* not the entry's current leg */
	tl_fx_t target = prot_target(k, old);
	if (target <= 0 || k->state == TL_TS_LIQUIDATING)
		return;
	tl_k_ordreq_t r = {
		.sym = old->sym, .side = (tl_side_t)old->side,
		.type = (tl_ord_type_t)old->type, .tif = (tl_tif_t)old->tif,
		.pos_side = (tl_pos_side_t)old->pos_side,
		.reduce_only = old->reduce_only, .stop_price = old->stop_price,
		.ttl_ns = -1, .user_ref = old->user_ref,
		.role = (tl_ord_role_t)old->role, .parent = old->parent,
		.strat = old->strat,
	};
	uint64_t sib = old->sibling;
	tl_order_t *o = prot_place(k, &r, target);
	if (!o)
		return;
	if (e)
		e->prot[i] = tl_orders_handle(&k->orders, o);
	prot_link(k, o, sib);
}

void tl_k_protect_ended(tl_kernel_t *k, tl_order_t *o)
{
	tl_ord_status_t st = (tl_ord_status_t)o->status;
	if (st == TL_ST_FILLED) {
		/* It closed what it protected: the other leg's job is over. */
		tl_order_t *sib = tl_orders_get(&k->orders, o->sibling);
		if (sib && !tl_status_terminal((tl_ord_status_t)sib->status) &&
		    (sib->role == TL_ROLE_TP || sib->role == TL_ROLE_SL))
			prot_cancel(k, sib, false);
		tl_position_t *p = tl_k_pos(k, o->sym, (tl_pos_side_t)o->pos_side);
		p->tp = p->sl = 0;
		return;
	}
	if ((o->flags & TL_OF_REPROTECT) && (st == TL_ST_CANCELED || st == TL_ST_EXPIRED)) {
		o->flags &= (uint8_t)~TL_OF_REPROTECT;
		prot_replace(k, o);
		return;
	}
	if (st == TL_ST_REJECTED || st == TL_ST_FAILED)
		tl_k_ev_order(k, TL_EV_ORDER_REJECTED, o,
			      "protective order not placed; entry stands");
}

bool tl_k_protect_check(const tl_kernel_t *k)
{
	for (tl_order_t *o = tl_orders_active_first(&k->orders); o;
	     o = tl_orders_next(&k->orders, o)) {
		if ((o->role != TL_ROLE_TP && o->role != TL_ROLE_SL) ||
		    (o->flags & TL_OF_CANCEL))
			continue;
		const tl_position_t *p = &k->pos[o->sym * 3u + o->pos_side];
		tl_fx_t have = o->side == TL_SELL ? p->qty : -p->qty;
		if (o->qty - o->filled > have)
			return false;
	}
	return true;
}
