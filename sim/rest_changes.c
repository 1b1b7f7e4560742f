/*
 * rest_changes.c - the histories kept by changelog.c:
 * GET /fapi/v1/orderAmendment (the amendments of one order) and
 * GET /fapi/v1/positionMargin/history (isolated margin moves).
 *
 * orderAmendment: symbol, orderId or origClientOrderId (orderId wins),
 * startTime, endTime, limit 1..100 (50); ascending by amendmentId.
 * positionMargin/history: symbol, type (1 add, 2 reduce), startTime,
 * endTime (at most 30 days apart, -4165; without startTime, the 30 days
 * before endTime or now), limit 1..500 (500); ascending by time. Both reach back as far as the changelog's ring.
 */
#include <string.h>

#include "sim/render.h"
#include "sim/rest_handlers.h"

#define MONTH_MS (30LL * 24 * 3600 * 1000)

static void before_after(tl_sim_jw_t *w, const char *k, tl_fx_t b,
			 tl_fx_t a, int prec)
{
	tl_sim_jw_key(w, k);
	tl_sim_jw_obj(w);
	tl_sim_render_kfx(w, "before", b, prec);
	tl_sim_render_kfx(w, "after", a, prec);
	tl_sim_jw_obj_end(w);
}

int tl_sim_h_order_amendment(tl_sim_call_t *c)
{
	const tl_sim_changelog_t *l = &c->v->log;
	const char *cid = tl_sim_params_val(c->p, "origClientOrderId");
	int64_t id = 0, start, end, limit, k, n = 0;
	int sym, rc;
	tl_sim_jw_t *w = &c->w;

	if ((rc = tl_sim_rest_symbol(c, true, &sym)) ||
	    (rc = tl_sim_rest_opt_int(c, "orderId", 1, INT64_MAX / 2, 0, &id)) ||
	    (rc = tl_sim_rest_opt_int(c, "limit", 1, 100, 50, &limit)) ||
	    (rc = tl_sim_rest_window(c, &start, &end)))
		return rc;
	if (id <= 0 && !cid)
		return tl_sim_errf(&c->e, -1102,
				   "Param 'orderId' or 'origClientOrderId' must be sent, but both were empty/null!");
	tl_sim_jw_arr(w);
	for (k = l->next_amend - TL_SIM_CHANGELOG_CAP; k < l->next_amend && n < limit; k++) {
		const tl_sim_amend_t *a = tl_sim_changelog_amend_at(l, k);
		const tl_sim_symbol_cfg_t *sc;
		if (!a || a->acct != c->acct || a->sym != sym ||
		    (id > 0 ? a->order_id != id : strcmp(a->cid, cid) != 0) ||
		    (start >= 0 && a->time < start) || (end >= 0 && a->time > end))
			continue;
		sc = &c->v->cfg->sym[sym];
		tl_sim_jw_obj(w);
		tl_sim_jw_kint(w, "amendmentId", a->id);
		tl_sim_jw_kstr(w, "symbol", sc->name);
		tl_sim_jw_kstr(w, "pair", sc->name);
		tl_sim_jw_kint(w, "orderId", a->order_id);
		tl_sim_jw_kstr(w, "clientOrderId", a->cid);
		tl_sim_jw_kint(w, "time", a->time);
		tl_sim_jw_key(w, "amendment");
		tl_sim_jw_obj(w);
		before_after(w, "price", a->price_before, a->price_after, sc->price_prec);
		before_after(w, "origQty", a->qty_before, a->qty_after, sc->qty_prec);
		tl_sim_jw_kint(w, "count", a->count);
		tl_sim_jw_obj_end(w);
		tl_sim_jw_obj_end(w);
		n++;
	}
	tl_sim_jw_arr_end(w);
	return 0;
}

int tl_sim_h_margin_history(tl_sim_call_t *c)
{
	const tl_sim_changelog_t *l = &c->v->log;
	int64_t type, start, end, limit, k, n = 0;
	int sym, rc;
	tl_sim_jw_t *w = &c->w;

	if ((rc = tl_sim_rest_symbol(c, true, &sym)) ||
	    (rc = tl_sim_rest_opt_int(c, "type", 1, 2, 0, &type)) ||
	    (rc = tl_sim_rest_opt_int(c, "limit", 1, 500, 500, &limit)) ||
	    (rc = tl_sim_rest_window(c, &start, &end)))
		return rc;
	if (start >= 0 && end >= 0 && end - start > MONTH_MS)
		return tl_sim_errf(&c->e, -4165, "Maximum time interval is 30 days");
	if (start < 0)
		start = (end >= 0 ? end : c->now) - MONTH_MS;
	tl_sim_jw_arr(w);
	for (k = l->next_margin - TL_SIM_CHANGELOG_CAP; k < l->next_margin && n < limit; k++) {
		const tl_sim_margin_move_t *m = tl_sim_changelog_margin_at(l, k);
		if (!m || m->acct != c->acct || m->sym != sym ||
		    (type && m->type != type) || m->time < start ||
		    (end >= 0 && m->time > end))
			continue;
		tl_sim_jw_obj(w);
		tl_sim_jw_kstr(w, "symbol", c->v->cfg->sym[sym].name);
		tl_sim_jw_kint(w, "type", m->type);
		tl_sim_jw_kstr(w, "deltaType", "USER_ADJUST");
		tl_sim_jw_kfx(w, "amount", m->amount, 8);
		tl_sim_jw_kstr(w, "asset", c->v->cfg->sym[sym].quote);
		tl_sim_jw_kint(w, "time", m->time);
		tl_sim_jw_kstr(w, "positionSide", tl_sim_ps_name(m->ps));
		tl_sim_jw_obj_end(w);
		n++;
	}
	tl_sim_jw_arr_end(w);
	return 0;
}
