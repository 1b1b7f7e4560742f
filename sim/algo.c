/*
 * algo.c - conditional orders of the Algo Service (Binance USD-M API docs).
 *
 * Trigger rules, with price = mark (workingType MARK_PRICE) or the last
 * trade price (CONTRACT_PRICE, the default):
 *   STOP, STOP_MARKET:             BUY when price >= trigger, SELL when <=
 *   TAKE_PROFIT, TAKE_PROFIT_MARKET: BUY when price <= trigger, SELL when >=
 * Placement that would trigger at once is -2021. On trigger the algo
 * order becomes a MARKET (for *_MARKET) or LIMIT order placed through
 * tl_sim_book_place; closePosition takes the whole position at that
 * moment. Status: NEW -> TRIGGERED -> FINISHED, or -> REJECTED when the
 * resulting order is refused, or -> CANCELED.
 *
 * The triggered order carries the algo order's client id (clientOrderId
 * = clientAlgoId), as Binance's does (observed, not in the docs:
 * nautilus_trader#3287 and its adapter, which files the triggered order's
 * ORDER_TRADE_UPDATE under the clientAlgoId; io/binance/map.c relies on
 * it too): its `c` is the algo order's `caid`, so a client finds the
 * fills of its conditional order by the id it chose, and
 * GET /fapi/v1/order?origClientOrderId=<clientAlgoId> finds the triggered
 * order (Binance USD-M API docs lists `ai`). ALGO_UPDATE TRIGGERED is sent
 * once that order exists, with its id in `ai` (actualOrderId); FINISHED
 * follows at once (a simplification: Binance says FINISHED when the
 * triggered order is filled or canceled, which for a resting STOP /
 * TAKE_PROFIT limit order can be later).
 */
#include "sim/venue.h"

#include <string.h>

static bool algo_fires(const tl_sim_algo_t *a, tl_fx_t px)
{
	bool stop = a->type == TL_SIM_STOP || a->type == TL_SIM_STOP_MARKET;

	if (stop)
		return a->side == TL_SIM_BUY ? px >= a->trigger : px <= a->trigger;
	return a->side == TL_SIM_BUY ? px <= a->trigger : px >= a->trigger;
}

static tl_fx_t algo_price(const tl_sim_venue_t *v, const tl_sim_algo_t *a)
{
	return a->working_mark ? v->mkt[a->sym].mark : v->mkt[a->sym].last;
}

static void algo_emit(tl_sim_venue_t *v, const tl_sim_algo_t *a, int64_t now)
{
	tl_sim_event_t ev = { .type = TL_SIM_EV_ALGO, .acct = a->acct,
			      .sym = a->sym, .ps = a->ps, .algo = a,
			      .time = now };

	tl_sim_venue_emit(v, &ev);
}

int tl_sim_algo_open_count(const tl_sim_venue_t *v, int acct, int sym)
{
	int i, n = 0;

	if (v->mkt[sym].nalgo == 0)
		return 0;
	for (i = 0; i < v->algo_cap; i++)
		if (v->algos[i].id && v->algos[i].status == TL_SIM_ALGO_NEW &&
		    v->algos[i].acct == acct && v->algos[i].sym == sym)
			n++;
	return n;
}

int tl_sim_algo_place(tl_sim_venue_t *v, int acct, const tl_sim_order_req_t *r,
		      int64_t now, tl_sim_algo_t **out, tl_sim_err_t *e)
{
	const tl_sim_symbol_cfg_t *c = &v->cfg->sym[r->sym];
	tl_sim_algo_t tmp, *a;
	int64_t id;
	int i, rc;

	memset(&tmp, 0, sizeof tmp);
	tmp.acct = acct;
	tmp.sym = r->sym;
	tmp.side = r->side;
	tmp.ps = r->ps;
	tmp.type = r->type;
	tmp.tif = r->tif;
	tmp.reduce_only = r->reduce_only;
	tmp.close_position = r->close_position;
	tmp.working_mark = r->working_mark;
	tmp.price_protect = r->price_protect;
	tmp.qty = r->qty;
	tmp.price = r->price;
	tmp.trigger = r->trigger;
	if ((rc = tl_sim_filters_check(v, r, e)))
		return rc;
	if (r->cid[0]) {
		for (i = 0; i < v->algo_cap; i++)
			if (v->algos[i].id && v->algos[i].status == TL_SIM_ALGO_NEW &&
			    v->algos[i].acct == acct &&
			    strcmp(v->algos[i].cid, r->cid) == 0)
				return tl_sim_err(e, -4116);
	}
	if (tl_sim_algo_open_count(v, acct, r->sym) >= c->max_algo_orders)
		return tl_sim_err(e, -4045);
	if (algo_fires(&tmp, algo_price(v, &tmp)))
		return tl_sim_err(e, -2021);
	id = v->next_algo_id;
	a = &v->algos[(id - v->first_algo_id) % v->algo_cap];
	if (a->id && a->status == TL_SIM_ALGO_NEW)
		return tl_sim_errf(e, -4045, "Reach max stop order limit (simulator algo table full).");
	v->next_algo_id++;
	*a = tmp;
	a->id = id;
	if (r->cid[0]) {
		memcpy(a->cid, r->cid, sizeof a->cid);
	} else {
		static const char al[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
		for (i = 0; i < 22; i++)
			a->cid[i] = al[tl_sim_venue_rand(v) % 62];
		a->cid[22] = '\0';
	}
	a->status = TL_SIM_ALGO_NEW;
	a->create_time = a->update_time = now;
	v->mkt[r->sym].nalgo++;
	algo_emit(v, a, now);
	*out = a;
	return 0;
}

tl_sim_algo_t *tl_sim_algo_find(tl_sim_venue_t *v, int acct, int64_t id,
				const char *cid)
{
	int64_t k;

	if (id > 0) {
		tl_sim_algo_t *a;
		if (id < v->first_algo_id || id >= v->next_algo_id)
			return NULL;
		a = &v->algos[(id - v->first_algo_id) % v->algo_cap];
		return a->id == id && a->acct == acct ? a : NULL;
	}
	if (!cid || !*cid)
		return NULL;
	for (k = v->next_algo_id - 1;
	     k >= v->first_algo_id && k >= v->next_algo_id - v->algo_cap; k--) {
		tl_sim_algo_t *a = &v->algos[(k - v->first_algo_id) % v->algo_cap];
		if (a->id == k && a->acct == acct && strcmp(a->cid, cid) == 0)
			return a;
	}
	return NULL;
}

int tl_sim_algo_cancel(tl_sim_venue_t *v, tl_sim_algo_t *a, int64_t now,
		       tl_sim_err_t *e)
{
	if (a->status != TL_SIM_ALGO_NEW)
		return tl_sim_err(e, -2011);
	a->status = TL_SIM_ALGO_CANCELED;
	a->update_time = now;
	v->mkt[a->sym].nalgo--;
	algo_emit(v, a, now);
	return 0;
}

int tl_sim_algo_cancel_all(tl_sim_venue_t *v, int acct, int sym, int64_t now)
{
	tl_sim_err_t e;
	int i, n = 0;

	for (i = 0; i < v->algo_cap && v->mkt[sym].nalgo > 0; i++) {
		tl_sim_algo_t *a = &v->algos[i];
		if (a->id && a->status == TL_SIM_ALGO_NEW && a->acct == acct &&
		    a->sym == sym && tl_sim_algo_cancel(v, a, now, &e) == 0)
			n++;
	}
	return n;
}

static void algo_trigger(tl_sim_venue_t *v, tl_sim_algo_t *a, int64_t now)
{
	tl_sim_order_req_t r;
	tl_sim_order_t *o = NULL;
	tl_sim_err_t e;

	memset(&r, 0, sizeof r);
	r.sym = a->sym;
	r.side = a->side;
	r.ps = a->ps;
	r.has_ps = true;
	r.type = (a->type == TL_SIM_STOP || a->type == TL_SIM_TAKE_PROFIT)
		 ? TL_SIM_LIMIT : TL_SIM_MARKET;
	r.tif = a->tif;
	r.price = r.type == TL_SIM_LIMIT ? a->price : 0;
	r.has_price = r.type == TL_SIM_LIMIT;
	r.reduce_only = a->reduce_only;
	r.close_position = a->close_position;
	r.qty = a->qty;
	if (a->close_position) {
		tl_fx_t amt = v->acct[a->acct].sym[a->sym].pos[a->ps].amt;
		r.qty = a->side == TL_SIM_SELL ? (amt > 0 ? amt : 0)
					       : (amt < 0 ? -amt : 0);
	}
	r.has_qty = r.qty > 0;
	memcpy(r.cid, a->cid, sizeof r.cid);
	a->trigger_time = now;
	a->update_time = now;
	v->mkt[a->sym].nalgo--;
	/* Not NEW any more: it no longer counts against MAX_NUM_ORDERS. */
	a->status = TL_SIM_ALGO_TRIGGERED;
	if (!r.has_qty || tl_sim_book_place(v, a->acct, &r, now, &o, &e) != 0) {
		a->status = TL_SIM_ALGO_REJECTED;
		algo_emit(v, a, now);
		return;
	}
	a->actual_order_id = o->id;
	algo_emit(v, a, now);
	a->status = TL_SIM_ALGO_FINISHED;
	algo_emit(v, a, now);
}

void tl_sim_algo_check(tl_sim_venue_t *v, int sym, int64_t now)
{
	int i;

	for (i = 0; i < v->algo_cap && v->mkt[sym].nalgo > 0; i++) {
		tl_sim_algo_t *a = &v->algos[i];
		if (a->id && a->status == TL_SIM_ALGO_NEW && a->sym == sym &&
		    algo_fires(a, algo_price(v, a)))
			algo_trigger(v, a, now);
	}
}
