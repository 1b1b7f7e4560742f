/*
 * rest_orders.c - order endpoints: new/query/cancel, open and all
 * orders, cancel-all, batch place/cancel, user trades, countdown
 * cancel-all, and the Algo Service (conditional orders).
 *
 * Lookups by orderId or origClientOrderId: neither sent is -1102;
 * not found is -2013 for queries and -2011 for cancels, as Binance.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/json_in.h"
#include "sim/render.h"
#include "sim/rest_handlers.h"

#define BATCH_MAX_NEW 5
#define BATCH_MAX_CANCEL 10
#define LIST_MAX 1000

static int order_place(tl_sim_call_t *c, const tl_sim_params_t *p,
		       tl_sim_err_t *e)
{
	tl_sim_order_req_t r;
	tl_sim_order_t *o;
	int rc;

	if ((rc = tl_sim_order_req_parse(c->v, c->acct, p, false, &r, e)))
		return rc;
	if ((rc = tl_sim_book_place(c->v, c->acct, &r, c->now, &o, e)))
		return rc;
	tl_sim_render_order(&c->w, c->v, o,
			    r.resp_result ? TL_SIM_SHAPE_PLACE : TL_SIM_SHAPE_ACK);
	return 0;
}

int tl_sim_h_order_new(tl_sim_call_t *c)
{
	return order_place(c, c->p, &c->e);
}

/* The order named by orderId / origClientOrderId; 0, -1102 or `nf`. */
static int order_lookup(tl_sim_call_t *c, int nf, tl_sim_order_t **o)
{
	const char *cid = tl_sim_params_val(c->p, "origClientOrderId");
	int64_t id = 0;
	int sym, rc;

	if ((rc = tl_sim_rest_symbol(c, true, &sym)))
		return rc;
	if (tl_sim_params_val(c->p, "orderId") &&
	    (!tl_sim_rest_int(c, "orderId", &id) || id <= 0))
		return tl_sim_errf(&c->e, -1130, "Data sent for parameter 'orderId' is not valid.");
	if (id <= 0 && !cid)
		return tl_sim_errf(&c->e, -1102,
				   "Param 'orderId' or 'origClientOrderId' must be sent, but both were empty/null!");
	*o = tl_sim_book_find(c->v, c->acct, sym, id, id > 0 ? NULL : cid);
	if (!*o || (id > 0 && cid && strcmp((*o)->cid, cid) != 0))
		return tl_sim_err(&c->e, nf);
	return 0;
}

int tl_sim_h_order_get(tl_sim_call_t *c)
{
	tl_sim_order_t *o;
	int rc = order_lookup(c, -2013, &o);

	if (rc)
		return rc;
	tl_sim_render_order(&c->w, c->v, o, TL_SIM_SHAPE_QUERY);
	return 0;
}

int tl_sim_h_open_order(tl_sim_call_t *c)
{
	tl_sim_order_t *o;
	int rc = order_lookup(c, -2013, &o);

	if (rc)
		return rc;
	if (o->status != TL_SIM_NEW && o->status != TL_SIM_PARTIALLY_FILLED)
		return tl_sim_errf(&c->e, -2013, "Order does not exist.");
	tl_sim_render_order(&c->w, c->v, o, TL_SIM_SHAPE_QUERY);
	return 0;
}

int tl_sim_h_order_cancel(tl_sim_call_t *c)
{
	tl_sim_order_t *o;
	int rc = order_lookup(c, -2011, &o);

	if (rc)
		return rc;
	if ((rc = tl_sim_book_cancel(c->v, o, c->now, &c->e)))
		return rc;
	tl_sim_render_order(&c->w, c->v, o, TL_SIM_SHAPE_PLACE);
	return 0;
}

int tl_sim_h_open_orders(tl_sim_call_t *c)
{
	int s, sym, rc;
	int32_t i;

	if ((rc = tl_sim_rest_symbol(c, false, &sym)))
		return rc;
	tl_sim_jw_arr(&c->w);
	for (s = 0; s < c->v->cfg->nsym; s++) {
		if (sym >= 0 && s != sym)
			continue;
		for (i = tl_sim_book_first(c->v, s); i != TL_SIM_NONE;
		     i = tl_sim_book_next(c->v, i)) {
			const tl_sim_order_t *o = tl_sim_book_slot(c->v, i);
			if (o->acct == c->acct)
				tl_sim_render_order(&c->w, c->v, o, TL_SIM_SHAPE_QUERY);
		}
	}
	tl_sim_jw_arr_end(&c->w);
	return 0;
}

/* limit parameter: default 500, 1..1000. */
static int list_limit(tl_sim_call_t *c, int *limit)
{
	int64_t v = 500;

	if (tl_sim_params_val(c->p, "limit") &&
	    (!tl_sim_rest_int(c, "limit", &v) || v < 1 || v > LIST_MAX))
		return tl_sim_errf(&c->e, -1130, "Data sent for parameter 'limit' is not valid.");
	*limit = (int)v;
	return 0;
}

static void time_range(tl_sim_call_t *c, int64_t *from, int64_t *to)
{
	*from = 0;
	*to = INT64_MAX;
	(void)tl_sim_rest_int(c, "startTime", from);
	(void)tl_sim_rest_int(c, "endTime", to);
}

int tl_sim_h_all_orders(tl_sim_call_t *c)
{
	tl_sim_venue_t *v = c->v;
	int64_t from_id = 0, t0, t1, k;
	tl_sim_order_t *sel[LIST_MAX];
	int n = 0, limit, sym, rc, i;

	if ((rc = tl_sim_rest_symbol(c, true, &sym)) || (rc = list_limit(c, &limit)))
		return rc;
	(void)tl_sim_rest_int(c, "orderId", &from_id);
	time_range(c, &t0, &t1);
	if (from_id > 0) { /* ascending from orderId */
		for (k = from_id < v->first_order_id ? v->first_order_id : from_id;
		     k < v->next_order_id && n < limit; k++) {
			tl_sim_order_t *o = tl_sim_book_slot(v, (int)((k - v->first_order_id) % v->order_cap));
			if (o->id == k && o->acct == c->acct && o->sym == sym &&
			    o->time >= t0 && o->time <= t1)
				sel[n++] = o;
		}
	} else { /* the most recent, then reversed */
		for (k = v->next_order_id - 1;
		     k >= v->first_order_id && k >= v->next_order_id - v->order_cap && n < limit; k--) {
			tl_sim_order_t *o = tl_sim_book_slot(v, (int)((k - v->first_order_id) % v->order_cap));
			if (o->id == k && o->acct == c->acct && o->sym == sym &&
			    o->time >= t0 && o->time <= t1)
				sel[n++] = o;
		}
		for (i = 0; i < n / 2; i++) {
			tl_sim_order_t *t = sel[i];
			sel[i] = sel[n - 1 - i];
			sel[n - 1 - i] = t;
		}
	}
	tl_sim_jw_arr(&c->w);
	for (i = 0; i < n; i++)
		tl_sim_render_order(&c->w, v, sel[i], TL_SIM_SHAPE_QUERY);
	tl_sim_jw_arr_end(&c->w);
	return 0;
}

int tl_sim_h_cancel_all(tl_sim_call_t *c)
{
	int sym, rc;

	if ((rc = tl_sim_rest_symbol(c, true, &sym)))
		return rc;
	tl_sim_book_cancel_all(c->v, c->acct, sym, c->now);
	tl_sim_jw_obj(&c->w);
	tl_sim_jw_kint(&c->w, "code", 200);
	tl_sim_jw_kstr(&c->w, "msg", "The operation of cancel all open order is done.");
	tl_sim_jw_obj_end(&c->w);
	return 0;
}

int tl_sim_h_batch_new(tl_sim_call_t *c)
{
	return tl_sim_batch_each(c, BATCH_MAX_NEW, order_place);
}

int tl_sim_h_batch_cancel(tl_sim_call_t *c)
{
	const char *ids = tl_sim_params_val(c->p, "orderIdList");
	const char *cids = tl_sim_params_val(c->p, "origClientOrderIdList");
	const char *js = ids ? ids : cids;
	tl_sim_jtok_t t[BATCH_MAX_CANCEL + 2];
	int n, i, k, sym, rc;

	if ((rc = tl_sim_rest_symbol(c, true, &sym)))
		return rc;
	if (!js)
		return tl_sim_errf(&c->e, -1102,
				   "Param 'orderIdList' or 'origClientOrderIdList' must be sent, but both were empty/null!");
	n = tl_sim_json_parse(js, strlen(js), t, (int)(sizeof t / sizeof t[0]));
	if (n <= 0 || t[0].type != TL_SIM_JT_ARR || t[0].size == 0 ||
	    t[0].size > BATCH_MAX_CANCEL)
		return tl_sim_errf(&c->e, -1130, "Data sent for parameter '%s' is not valid.",
				   ids ? "orderIdList" : "origClientOrderIdList");
	tl_sim_jw_arr(&c->w);
	for (k = 0, i = 1; k < (int)t[0].size; k++, i = (int)t[i].skip) {
		tl_sim_order_t *o = NULL;
		tl_sim_err_t e;
		char cid[TL_SIM_CID_LEN];
		int64_t id = 0;

		if (ids) {
			if (tl_sim_json_int(js, t, i, &id) && id > 0)
				o = tl_sim_book_find(c->v, c->acct, sym, id, NULL);
		} else if (tl_sim_json_text(js, t, i, cid, sizeof cid) > 0) {
			o = tl_sim_book_find(c->v, c->acct, sym, 0, cid);
		}
		if (!o)
			tl_sim_err(&e, -2011);
		if (o && tl_sim_book_cancel(c->v, o, c->now, &e) == 0)
			tl_sim_render_order(&c->w, c->v, o, TL_SIM_SHAPE_PLACE);
		else
			tl_sim_batch_err(&c->w, &e);
	}
	tl_sim_jw_arr_end(&c->w);
	return 0;
}

int tl_sim_h_user_trades(tl_sim_call_t *c)
{
	tl_sim_venue_t *v = c->v;
	const tl_sim_trade_t *sel[LIST_MAX];
	int64_t oid = 0, from_id = 0, t0, t1, k;
	int n = 0, limit, sym, rc, i;

	if ((rc = tl_sim_rest_symbol(c, true, &sym)) || (rc = list_limit(c, &limit)))
		return rc;
	(void)tl_sim_rest_int(c, "orderId", &oid);
	(void)tl_sim_rest_int(c, "fromId", &from_id);
	time_range(c, &t0, &t1);
	for (k = v->next_trade_id - 1;
	     k >= v->first_trade_id && k >= v->next_trade_id - v->trade_cap && n < limit; k--) {
		const tl_sim_trade_t *t = &v->trades[(k - v->first_trade_id) % v->trade_cap];
		if (k < from_id)
			break;
		if (t->id == k && t->acct == c->acct && t->sym == sym &&
		    (oid <= 0 || t->order_id == oid) && t->time >= t0 && t->time <= t1)
			sel[n++] = t;
	}
	tl_sim_jw_arr(&c->w);
	for (i = n - 1; i >= 0; i--)
		tl_sim_render_trade(&c->w, v, sel[i]);
	tl_sim_jw_arr_end(&c->w);
	return 0;
}

int tl_sim_h_countdown(tl_sim_call_t *c)
{
	tl_sim_acct_sym_t *as;
	int64_t ms;
	char b[24];
	int sym, rc;

	if ((rc = tl_sim_rest_symbol(c, true, &sym)))
		return rc;
	if (!tl_sim_params_val(c->p, "countdownTime"))
		return tl_sim_err_missing(&c->e, "countdownTime");
	if (!tl_sim_rest_int(c, "countdownTime", &ms) || ms < 0)
		return tl_sim_errf(&c->e, -1130, "Data sent for parameter 'countdownTime' is not valid.");
	as = &c->v->acct[c->acct].sym[sym];
	as->countdown_ms = ms;
	as->countdown_deadline = ms ? c->now + ms : 0;
	snprintf(b, sizeof b, "%lld", (long long)ms);
	tl_sim_jw_obj(&c->w);
	tl_sim_jw_kstr(&c->w, "symbol", c->v->cfg->sym[sym].name);
	tl_sim_jw_kstr(&c->w, "countdownTime", b);
	tl_sim_jw_obj_end(&c->w);
	return 0;
}

int tl_sim_h_algo_new(tl_sim_call_t *c)
{
	tl_sim_order_req_t r;
	tl_sim_algo_t *a;
	int rc;

	if ((rc = tl_sim_order_req_parse(c->v, c->acct, c->p, true, &r, &c->e)))
		return rc;
	if ((rc = tl_sim_algo_place(c->v, c->acct, &r, c->now, &a, &c->e)))
		return rc;
	tl_sim_render_algo(&c->w, c->v, a, false);
	return 0;
}

static int algo_lookup(tl_sim_call_t *c, int nf, tl_sim_algo_t **a)
{
	const char *cid = tl_sim_params_val(c->p, "clientAlgoId");
	int64_t id = 0;

	if (tl_sim_params_val(c->p, "algoId") &&
	    (!tl_sim_rest_int(c, "algoId", &id) || id <= 0))
		return tl_sim_errf(&c->e, -1130, "Data sent for parameter 'algoId' is not valid.");
	if (id <= 0 && !cid)
		return tl_sim_errf(&c->e, -1102,
				   "Param 'algoId' or 'clientAlgoId' must be sent, but both were empty/null!");
	*a = tl_sim_algo_find(c->v, c->acct, id, id > 0 ? NULL : cid);
	return *a ? 0 : tl_sim_err(&c->e, nf);
}

int tl_sim_h_algo_cancel(tl_sim_call_t *c)
{
	tl_sim_algo_t *a;
	int rc;

	if ((rc = algo_lookup(c, -2011, &a)) ||
	    (rc = tl_sim_algo_cancel(c->v, a, c->now, &c->e)))
		return rc;
	tl_sim_jw_obj(&c->w);
	tl_sim_jw_kint(&c->w, "algoId", a->id);
	tl_sim_jw_kstr(&c->w, "clientAlgoId", a->cid);
	tl_sim_jw_kstr(&c->w, "code", "200");
	tl_sim_jw_kstr(&c->w, "msg", "success");
	tl_sim_jw_obj_end(&c->w);
	return 0;
}

int tl_sim_h_algo_cancel_all(tl_sim_call_t *c)
{
	int sym, rc;

	if ((rc = tl_sim_rest_symbol(c, true, &sym)))
		return rc;
	tl_sim_algo_cancel_all(c->v, c->acct, sym, c->now);
	tl_sim_jw_obj(&c->w);
	tl_sim_jw_kint(&c->w, "code", 200);
	tl_sim_jw_kstr(&c->w, "msg", "The operation of cancel all open order is done.");
	tl_sim_jw_obj_end(&c->w);
	return 0;
}

int tl_sim_h_algo_get(tl_sim_call_t *c)
{
	tl_sim_algo_t *a;
	int rc;

	if ((rc = algo_lookup(c, -2013, &a)))
		return rc;
	tl_sim_render_algo(&c->w, c->v, a, true);
	return 0;
}

static int algo_list(tl_sim_call_t *c, bool open_only)
{
	tl_sim_venue_t *v = c->v;
	int64_t k;
	int sym, rc, n = 0;

	if ((rc = tl_sim_rest_symbol(c, false, &sym)))
		return rc;
	tl_sim_jw_arr(&c->w);
	for (k = v->next_algo_id - 1 < v->first_algo_id + v->algo_cap
		 ? v->first_algo_id : v->next_algo_id - v->algo_cap;
	     k < v->next_algo_id && n < LIST_MAX; k++) {
		const tl_sim_algo_t *a = &v->algos[(k - v->first_algo_id) % v->algo_cap];
		if (a->id != k || a->acct != c->acct || (sym >= 0 && a->sym != sym))
			continue;
		if (open_only && a->status != TL_SIM_ALGO_NEW)
			continue;
		tl_sim_render_algo(&c->w, v, a, true);
		n++;
	}
	tl_sim_jw_arr_end(&c->w);
	return 0;
}

int tl_sim_h_algo_open(tl_sim_call_t *c)
{
	return algo_list(c, true);
}

int tl_sim_h_algo_all(tl_sim_call_t *c)
{
	return algo_list(c, false);
}
