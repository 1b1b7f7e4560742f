/*
 * book.c - order table and matching against the synthetic book.
 *
 * Orders live in a ring: slot = (id - first_order_id) % order_cap. An
 * order is "open" while it is on its symbol's open list (status NEW or
 * PARTIALLY_FILLED); leaving the list and reaching a terminal status
 * happen together (book_close). Event order per placement, as Binance
 * pushes it: ORDER NEW, then per fill ORDER TRADE + ACCOUNT, then ORDER
 * EXPIRED for an IOC/MARKET remainder.
 *
 * Reducing orders (reduceOnly, or SELL+LONG / BUY+SHORT in hedge mode)
 * are capped at fill time to what the position still holds; the rest
 * expires (er=4).
 */
#include "sim/venue.h"

#include <string.h>

static bool book_reducing(const tl_sim_order_t *o)
{
	return o->reduce_only || o->close_position ||
	       (o->side == TL_SIM_SELL && o->ps == TL_SIM_PS_LONG) ||
	       (o->side == TL_SIM_BUY && o->ps == TL_SIM_PS_SHORT);
}

/* Quantity a reducing order of `side` may still close. */
static tl_fx_t book_closable(const tl_sim_venue_t *v, int acct, int sym,
			     int ps, int side)
{
	tl_fx_t amt = v->acct[acct].sym[sym].pos[ps].amt;

	if (side == TL_SIM_SELL)
		return amt > 0 ? amt : 0;
	return amt < 0 ? -amt : 0;
}

static void book_emit_order(tl_sim_venue_t *v, const tl_sim_order_t *o,
			    int exec, const tl_sim_trade_t *t, int64_t now)
{
	tl_sim_event_t ev = {
		.type = TL_SIM_EV_ORDER, .acct = o->acct, .sym = o->sym,
		.ps = o->ps, .exec = exec, .order = o, .trade = t, .time = now
	};

	tl_sim_venue_emit(v, &ev);
}

static void book_link(tl_sim_venue_t *v, int32_t slot)
{
	tl_sim_order_t *o = &v->orders[slot];
	tl_sim_market_t *m = &v->mkt[o->sym];

	o->next = TL_SIM_NONE;
	o->prev = m->open_tail;
	if (m->open_tail != TL_SIM_NONE)
		v->orders[m->open_tail].next = slot;
	else
		m->open_head = slot;
	m->open_tail = slot;
	m->nopen++;
}

static void book_unlink(tl_sim_venue_t *v, int32_t slot)
{
	tl_sim_order_t *o = &v->orders[slot];
	tl_sim_market_t *m = &v->mkt[o->sym];

	if (o->prev != TL_SIM_NONE)
		v->orders[o->prev].next = o->next;
	else
		m->open_head = o->next;
	if (o->next != TL_SIM_NONE)
		v->orders[o->next].prev = o->prev;
	else
		m->open_tail = o->prev;
	o->prev = o->next = TL_SIM_NONE;
	m->nopen--;
}

static int32_t book_slot_of(const tl_sim_venue_t *v, const tl_sim_order_t *o)
{
	return (int32_t)(o - v->orders);
}

static bool book_is_open(const tl_sim_order_t *o)
{
	return o->id && (o->status == TL_SIM_NEW ||
			 o->status == TL_SIM_PARTIALLY_FILLED);
}

/* Take the order off the open list with a terminal status and event. */
static void book_close(tl_sim_venue_t *v, tl_sim_order_t *o, int status,
		       int exec, int er, int64_t now)
{
	book_unlink(v, book_slot_of(v, o));
	o->status = (uint8_t)status;
	o->expire_reason = (uint8_t)er;
	o->update_time = now;
	book_emit_order(v, o, exec, NULL, now);
}

/* One fill of qty at price; records the trade and emits its events. */
static void book_fill(tl_sim_venue_t *v, tl_sim_order_t *o, tl_fx_t price,
		      tl_fx_t qty, bool maker, int64_t now)
{
	int64_t tid = v->next_trade_id++;
	tl_sim_trade_t *t = &v->trades[(tid - v->first_trade_id) % v->trade_cap];
	tl_sim_event_t ev;
	tl_fx_t q = 0;

	memset(t, 0, sizeof *t);
	t->id = tid;
	t->order_id = o->id;
	t->acct = o->acct;
	t->sym = o->sym;
	t->side = o->side;
	t->ps = o->ps;
	t->maker = maker;
	t->price = price;
	t->qty = qty;
	t->time = now;
	tl_sim_account_fill(v, t);
	o->executed += qty;
	(void)tl_fx_mul(price, qty, TL_FX_NEAREST, &q);
	o->cum_quote += q;
	o->update_time = now;
	o->status = o->executed >= o->qty ? TL_SIM_FILLED : TL_SIM_PARTIALLY_FILLED;
	v->mkt[o->sym].last = price;
	/* the taker is the synthetic side when this order made */
	tl_sim_hist_trade(&v->hist, o->sym, price, qty,
			  (o->side == TL_SIM_BUY) != maker, tid, now);
	book_emit_order(v, o, TL_SIM_X_TRADE, t, now);
	ev = (tl_sim_event_t){ .type = TL_SIM_EV_ACCOUNT, .acct = o->acct,
			       .sym = o->sym, .ps = o->ps, .reason = "ORDER",
			       .time = now };
	tl_sim_venue_emit(v, &ev);
}

/* Quantity fillable now on the opposite side within the order's limit. */
static tl_fx_t book_liquidity(const tl_sim_venue_t *v, const tl_sim_order_t *o,
			      tl_fx_t want)
{
	int depth = v->cfg->sym[o->sym].depth_levels, i;
	tl_fx_t have = 0, px, q;

	for (i = 0; i < depth && have < want; i++) {
		tl_sim_market_level(v, o->sym, o->side, i, o->type == TL_SIM_MARKET,
				    &px, &q);
		if (o->type == TL_SIM_LIMIT &&
		    (o->side == TL_SIM_BUY ? px > o->price : px < o->price))
			break;
		if (q == INT64_MAX)
			return want;
		have += q;
	}
	return have < want ? have : want;
}

static bool book_marketable(const tl_sim_venue_t *v, int sym, int side,
			    int type, tl_fx_t price)
{
	const tl_sim_market_t *m = &v->mkt[sym];

	if (type == TL_SIM_MARKET)
		return true;
	return side == TL_SIM_BUY ? price >= m->ask : price <= m->bid;
}

/* Walk the book as a taker. */
static void book_take(tl_sim_venue_t *v, tl_sim_order_t *o, int64_t now)
{
	int depth = v->cfg->sym[o->sym].depth_levels, i;
	bool reducing = book_reducing(o);

	for (i = 0; i < depth && o->executed < o->qty; i++) {
		tl_fx_t px, lq, q = o->qty - o->executed;
		tl_sim_market_level(v, o->sym, o->side, i, o->type == TL_SIM_MARKET,
				    &px, &lq);
		if (o->type == TL_SIM_LIMIT &&
		    (o->side == TL_SIM_BUY ? px > o->price : px < o->price))
			break;
		if (q > lq)
			q = lq;
		if (reducing) {
			tl_fx_t cl = book_closable(v, o->acct, o->sym, o->ps, o->side);
			if (q > cl)
				q = cl;
			if (q == 0)
				break;
		}
		book_fill(v, o, px, q, false, now);
	}
}

int tl_sim_book_open_count(const tl_sim_venue_t *v, int acct, int sym)
{
	int s, n = 0;
	int32_t i;

	for (s = sym < 0 ? 0 : sym; s < (sym < 0 ? v->cfg->nsym : sym + 1); s++)
		for (i = v->mkt[s].open_head; i != TL_SIM_NONE; i = v->orders[i].next)
			if (v->orders[i].acct == acct)
				n++;
	return n;
}

static void book_gen_cid(tl_sim_venue_t *v, char *out)
{
	static const char al[] =
		"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
	int i;

	for (i = 0; i < 22; i++)
		out[i] = al[tl_sim_venue_rand(v) % 62];
	out[22] = '\0';
}

int tl_sim_book_place(tl_sim_venue_t *v, int acct, const tl_sim_order_req_t *r,
		      int64_t now, tl_sim_order_t **out, tl_sim_err_t *e)
{
	const tl_sim_symbol_cfg_t *c = &v->cfg->sym[r->sym];
	tl_sim_acct_sym_t *as = &v->acct[acct].sym[r->sym];
	tl_sim_order_t tmp, *o;
	int64_t id;
	int32_t slot, i;
	int rc;

	memset(&tmp, 0, sizeof tmp);
	tmp.acct = acct;
	tmp.sym = r->sym;
	tmp.side = r->side;
	tmp.ps = r->ps;
	tmp.type = tmp.orig_type = r->type;
	tmp.tif = r->type == TL_SIM_MARKET ? TL_SIM_GTC : r->tif;
	tmp.reduce_only = r->reduce_only;
	tmp.close_position = r->close_position;
	tmp.working_mark = r->working_mark;
	tmp.price_protect = r->price_protect;
	tmp.qty = r->qty;
	tmp.price = r->type == TL_SIM_MARKET ? 0 : r->price;
	tmp.stop_price = r->trigger;
	if (r->cid[0]) {
		memcpy(tmp.cid, r->cid, sizeof tmp.cid);
		for (i = v->mkt[r->sym].open_head; i != TL_SIM_NONE; i = v->orders[i].next)
			if (v->orders[i].acct == acct &&
			    strcmp(v->orders[i].cid, r->cid) == 0)
				return tl_sim_err(e, -4116);
	}
	if ((rc = tl_sim_filters_check(v, r, e)))
		return rc;
	if (tl_sim_book_open_count(v, acct, r->sym) +
	    tl_sim_algo_open_count(v, acct, r->sym) >= c->max_orders)
		return tl_sim_err(e, -2025);
	if (book_reducing(&tmp)) {
		tl_fx_t cl = book_closable(v, acct, r->sym, r->ps, r->side);
		if (cl == 0 || (v->acct[acct].dual && r->qty > cl))
			return tl_sim_err(e, -2022);
	} else {
		/* margin for the part that opens exposure */
		tl_sim_totals_t tot;
		tl_fx_t opp = book_closable(v, acct, r->sym, r->ps, r->side);
		tl_fx_t open_qty = r->qty > opp ? r->qty - opp : 0;
		tl_fx_t px = r->type == TL_SIM_MARKET
			? (r->side == TL_SIM_BUY ? v->mkt[r->sym].ask : v->mkt[r->sym].bid)
			: r->price;
		tl_fx_t need = 0, fee = 0;
		(void)tl_fx_mul(px, open_qty, TL_FX_CEIL, &need);
		(void)tl_fx_mul(need, c->taker_rate, TL_FX_CEIL, &fee);
		need = need / as->leverage + fee;
		tl_sim_account_totals(v, acct, &tot);
		if (open_qty > 0 && need > tot.available)
			return tl_sim_err(e, -2019);
	}
	if (r->type == TL_SIM_LIMIT) {
		bool mk = book_marketable(v, r->sym, r->side, r->type, r->price);
		if (r->tif == TL_SIM_GTX && mk)
			return tl_sim_err(e, -5022);
		if (r->tif == TL_SIM_FOK) {
			tl_fx_t want = r->qty;
			if (book_reducing(&tmp)) {
				tl_fx_t cl = book_closable(v, acct, r->sym, r->ps, r->side);
				if (cl < want)
					return tl_sim_err(e, -5021);
			}
			if (!mk || book_liquidity(v, &tmp, want) < want)
				return tl_sim_err(e, -5021);
		}
	}
	id = v->next_order_id;
	slot = (int32_t)((id - v->first_order_id) % v->order_cap);
	if (book_is_open(&v->orders[slot]))
		return tl_sim_errf(e, -2025, "Reach max open order limit (simulator order table full).");
	v->next_order_id++;
	if (!tmp.cid[0])
		book_gen_cid(v, tmp.cid);
	o = &v->orders[slot];
	*o = tmp;
	o->id = id;
	o->status = TL_SIM_NEW;
	o->time = o->update_time = now;
	book_link(v, slot);
	book_emit_order(v, o, TL_SIM_X_NEW, NULL, now);
	if (book_marketable(v, o->sym, o->side, o->type, o->price))
		book_take(v, o, now);
	if (o->status == TL_SIM_FILLED)
		book_unlink(v, slot);
	else if (o->type == TL_SIM_MARKET || o->tif == TL_SIM_IOC ||
		 o->tif == TL_SIM_FOK)
		book_close(v, o, TL_SIM_EXPIRED, TL_SIM_X_EXPIRED,
			   book_reducing(o) ? 4 : (o->type == TL_SIM_MARKET ? 9 : 2), now);
	*out = o;
	return 0;
}

tl_sim_order_t *tl_sim_book_find(tl_sim_venue_t *v, int acct, int sym,
				 int64_t id, const char *cid)
{
	int64_t k;
	int32_t i;

	if (id > 0) {
		tl_sim_order_t *o;
		if (id < v->first_order_id || id >= v->next_order_id)
			return NULL;
		o = &v->orders[(id - v->first_order_id) % v->order_cap];
		return o->id == id && o->acct == acct && o->sym == sym ? o : NULL;
	}
	if (!cid || !*cid)
		return NULL;
	for (i = v->mkt[sym].open_head; i != TL_SIM_NONE; i = v->orders[i].next)
		if (v->orders[i].acct == acct && strcmp(v->orders[i].cid, cid) == 0)
			return &v->orders[i];
	for (k = v->next_order_id - 1;
	     k >= v->first_order_id && k >= v->next_order_id - v->order_cap; k--) {
		tl_sim_order_t *o = &v->orders[(k - v->first_order_id) % v->order_cap];
		if (o->id == k && o->acct == acct && o->sym == sym &&
		    strcmp(o->cid, cid) == 0)
			return o;
	}
	return NULL;
}

int tl_sim_book_cancel(tl_sim_venue_t *v, tl_sim_order_t *o, int64_t now,
		       tl_sim_err_t *e)
{
	if (!book_is_open(o))
		return tl_sim_err(e, -2011);
	book_close(v, o, TL_SIM_CANCELED, TL_SIM_X_CANCELED, 0, now);
	return 0;
}

int tl_sim_book_modify(tl_sim_venue_t *v, tl_sim_order_t *o, tl_fx_t price,
		       tl_fx_t qty, int64_t now, tl_sim_err_t *e)
{
	tl_sim_order_req_t r;
	int rc;

	if (!book_is_open(o))
		return tl_sim_err(e, -2013);
	if (o->type != TL_SIM_LIMIT)
		return tl_sim_err(e, -5025);
	if (price == o->price && qty == o->qty)
		return tl_sim_err(e, -5027);
	memset(&r, 0, sizeof r);
	r.sym = o->sym;
	r.side = o->side;
	r.ps = o->ps;
	r.type = TL_SIM_LIMIT;
	r.tif = o->tif;
	r.reduce_only = o->reduce_only;
	r.qty = qty;
	r.price = price;
	r.has_qty = r.has_price = true;
	if ((rc = tl_sim_filters_check(v, &r, e)))
		return rc;
	if (qty <= o->executed ||
	    (o->tif == TL_SIM_GTX &&
	     book_marketable(v, o->sym, o->side, o->type, price))) {
		book_close(v, o, TL_SIM_CANCELED, TL_SIM_X_CANCELED, 0, now);
		return 0;
	}
	if (!book_reducing(o)) {
		/* margin for what the amendment adds to the order */
		tl_sim_totals_t tot;
		tl_fx_t before = 0, after = 0;
		int lev = v->acct[o->acct].sym[o->sym].leverage;
		(void)tl_fx_mul(o->price, o->qty - o->executed, TL_FX_CEIL, &before);
		(void)tl_fx_mul(price, qty - o->executed, TL_FX_CEIL, &after);
		tl_sim_account_totals(v, o->acct, &tot);
		if (after > before && (after - before) / lev > tot.available)
			return tl_sim_err(e, -2019);
	}
	o->price = price;
	o->qty = qty;
	o->update_time = now;
	book_emit_order(v, o, TL_SIM_X_AMENDMENT, NULL, now);
	if (book_marketable(v, o->sym, o->side, o->type, o->price)) {
		book_take(v, o, now);
		if (o->status == TL_SIM_FILLED)
			book_unlink(v, book_slot_of(v, o));
	}
	return 0;
}

int tl_sim_book_cancel_all(tl_sim_venue_t *v, int acct, int sym, int64_t now)
{
	int32_t i = v->mkt[sym].open_head, nx;
	int n = 0;

	for (; i != TL_SIM_NONE; i = nx) {
		nx = v->orders[i].next;
		if (v->orders[i].acct == acct) {
			book_close(v, &v->orders[i], TL_SIM_CANCELED,
				   TL_SIM_X_CANCELED, 0, now);
			n++;
		}
	}
	return n;
}

void tl_sim_book_match_resting(tl_sim_venue_t *v, int sym, int64_t now)
{
	const tl_sim_symbol_cfg_t *c = &v->cfg->sym[sym];
	int32_t i = v->mkt[sym].open_head, nx;

	for (; i != TL_SIM_NONE; i = nx) {
		tl_sim_order_t *o = &v->orders[i];
		tl_fx_t q;

		nx = o->next;
		if (o->type != TL_SIM_LIMIT ||
		    !book_marketable(v, sym, o->side, o->type, o->price))
			continue;
		q = o->qty - o->executed;
		if (c->partial_fills && q > c->level_qty)
			q = c->level_qty;
		if (book_reducing(o)) {
			tl_fx_t cl = book_closable(v, o->acct, sym, o->ps, o->side);
			if (cl == 0) {
				book_close(v, o, TL_SIM_EXPIRED, TL_SIM_X_EXPIRED, 4, now);
				continue;
			}
			if (q > cl)
				q = cl;
		}
		book_fill(v, o, o->price, q, true, now);
		if (o->status == TL_SIM_FILLED)
			book_unlink(v, i);
	}
}
