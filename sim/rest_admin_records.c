/*
 * rest_admin_records.c - the venue's own order and trade records, every
 * account at once, for tests that judge a client by what the exchange
 * actually did (tests/chaos/): not by what the client believes it did.
 *
 *   GET /sim/orders [fromId=N] [limit=1..2000 (1000)]
 *   GET /sim/trades [fromId=N] [limit=1..2000 (1000)]
 *
 * Answer: {"next":ID,"orders":[...]} (or "trades"), ascending by id from
 * fromId (default: the oldest still in the ring), `next` the id to ask
 * from for the rest (equal to the venue's next id when nothing is left).
 * An order is listed once, in its current state, with its placement
 * time (`time`, venue clock ms), client id, reduce-only flag and
 * account name: what "placed twice" or "placed after a cancel" checks
 * need, and what allOrders (one account, one symbol, signed, weighted)
 * makes costly to collect. Rejected orders are never stored, so never
 * listed. Admin endpoints cost no weight.
 */
#include "sim/render.h"
#include "sim/rest_handlers.h"

#define RECORDS_MAX 2000 /* ~400 bytes each: well inside the 2 MiB body */

/* fromId and limit; -1130 on a bad value. */
static int page_params(tl_sim_call_t *c, int64_t *from, int *limit)
{
	int64_t v;

	*from = 0;
	*limit = 1000;
	if (tl_sim_params_val(c->p, "fromId") &&
	    (!tl_sim_rest_int(c, "fromId", from) || *from < 0))
		return tl_sim_errf(&c->e, -1130, "Data sent for parameter 'fromId' is not valid.");
	if (tl_sim_params_val(c->p, "limit")) {
		if (!tl_sim_rest_int(c, "limit", &v) || v < 1 || v > RECORDS_MAX)
			return tl_sim_errf(&c->e, -1130, "Data sent for parameter 'limit' is not valid.");
		*limit = (int)v;
	}
	return 0;
}

/* First id of the ring still stored at or after `from`. */
static int64_t page_start(int64_t from, int64_t first, int64_t next, int cap)
{
	int64_t lo = next - cap > first ? next - cap : first;

	return from > lo ? from : lo;
}

int tl_sim_h_admin_orders(tl_sim_call_t *c)
{
	const tl_sim_venue_t *v = c->v;
	tl_sim_jw_t *w = &c->w;
	int64_t from, k;
	int limit, n = 0, rc;

	if ((rc = page_params(c, &from, &limit)))
		return rc;
	k = page_start(from, v->first_order_id, v->next_order_id, v->order_cap);
	tl_sim_jw_obj(w);
	tl_sim_jw_key(w, "orders");
	tl_sim_jw_arr(w);
	for (; k < v->next_order_id && n < limit; k++) {
		const tl_sim_order_t *o =
			&v->orders[(k - v->first_order_id) % v->order_cap];
		if (o->id != k)
			continue;
		n++;
		tl_sim_jw_obj(w);
		tl_sim_jw_kint(w, "orderId", o->id);
		tl_sim_jw_kstr(w, "account", v->cfg->acct[o->acct].name);
		tl_sim_jw_kstr(w, "symbol", v->cfg->sym[o->sym].name);
		tl_sim_jw_kstr(w, "clientOrderId", o->cid);
		tl_sim_jw_kstr(w, "side", tl_sim_side_name(o->side));
		tl_sim_jw_kstr(w, "positionSide", tl_sim_ps_name(o->ps));
		tl_sim_jw_kstr(w, "type", tl_sim_type_name(o->type));
		tl_sim_jw_kstr(w, "origType", tl_sim_type_name(o->orig_type));
		tl_sim_jw_kbool(w, "reduceOnly", o->reduce_only);
		tl_sim_jw_kbool(w, "closePosition", o->close_position);
		tl_sim_jw_kfx(w, "origQty", o->qty, -1);
		tl_sim_jw_kfx(w, "price", o->price, -1);
		tl_sim_jw_kfx(w, "executedQty", o->executed, -1);
		tl_sim_jw_kstr(w, "status", tl_sim_status_name(o->status));
		tl_sim_jw_kint(w, "time", o->time);
		tl_sim_jw_kint(w, "updateTime", o->update_time);
		tl_sim_jw_obj_end(w);
	}
	tl_sim_jw_arr_end(w);
	tl_sim_jw_kint(w, "next", k);
	tl_sim_jw_obj_end(w);
	return 0;
}

int tl_sim_h_admin_trades(tl_sim_call_t *c)
{
	const tl_sim_venue_t *v = c->v;
	tl_sim_jw_t *w = &c->w;
	int64_t from, k;
	int limit, n = 0, rc;

	if ((rc = page_params(c, &from, &limit)))
		return rc;
	k = page_start(from, v->first_trade_id, v->next_trade_id, v->trade_cap);
	tl_sim_jw_obj(w);
	tl_sim_jw_key(w, "trades");
	tl_sim_jw_arr(w);
	for (; k < v->next_trade_id && n < limit; k++) {
		const tl_sim_trade_t *t =
			&v->trades[(k - v->first_trade_id) % v->trade_cap];
		if (t->id != k)
			continue;
		n++;
		tl_sim_jw_obj(w);
		tl_sim_jw_kint(w, "id", t->id);
		tl_sim_jw_kint(w, "orderId", t->order_id);
		tl_sim_jw_kstr(w, "account", v->cfg->acct[t->acct].name);
		tl_sim_jw_kstr(w, "symbol", v->cfg->sym[t->sym].name);
		tl_sim_jw_kstr(w, "side", tl_sim_side_name(t->side));
		tl_sim_jw_kstr(w, "positionSide", tl_sim_ps_name(t->ps));
		tl_sim_jw_kfx(w, "qty", t->qty, -1);
		tl_sim_jw_kfx(w, "price", t->price, -1);
		tl_sim_jw_kint(w, "time", t->time);
		tl_sim_jw_obj_end(w);
	}
	tl_sim_jw_arr_end(w);
	tl_sim_jw_kint(w, "next", k);
	tl_sim_jw_obj_end(w);
	return 0;
}
