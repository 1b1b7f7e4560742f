/*
 * rest_risk.c - liquidation-side queries: GET /fapi/v1/adlQuantile and
 * GET /fapi/v1/forceOrders.
 *
 * The venue has no liquidation engine and no auto-deleveraging: the
 * synthetic market takes the other side of every fill. So forceOrders is
 * the empty list (what Binance answers an account never liquidated), and
 * every held position sits in ADL quantile 0 (the lowest), listed per
 * symbol where the account holds a position, keyed as Binance keys it:
 * LONG, SHORT and BOTH in one-way mode, LONG, SHORT and HEDGE (a marker,
 * Binance says to ignore its value) in hedge mode.
 */
#include <string.h>

#include "sim/rest_handlers.h"

int tl_sim_h_adl_quantile(tl_sim_call_t *c)
{
	const tl_sim_account_t *a = &c->v->acct[c->acct];
	tl_sim_jw_t *w = &c->w;
	int s, sym, rc, ps;

	if ((rc = tl_sim_rest_symbol(c, false, &sym)))
		return rc;
	tl_sim_jw_arr(w);
	for (s = 0; s < c->v->cfg->nsym; s++) {
		bool held = false;
		if (sym >= 0 && s != sym)
			continue;
		for (ps = 0; ps < 3; ps++)
			held = held || a->sym[s].pos[ps].amt != 0;
		if (!held)
			continue;
		tl_sim_jw_obj(w);
		tl_sim_jw_kstr(w, "symbol", c->v->cfg->sym[s].name);
		tl_sim_jw_key(w, "adlQuantile");
		tl_sim_jw_obj(w);
		tl_sim_jw_kint(w, "LONG", 0);
		tl_sim_jw_kint(w, "SHORT", 0);
		tl_sim_jw_kint(w, a->dual ? "HEDGE" : "BOTH", 0);
		tl_sim_jw_obj_end(w);
		tl_sim_jw_obj_end(w);
	}
	tl_sim_jw_arr_end(w);
	return 0;
}

int tl_sim_h_force_orders(tl_sim_call_t *c)
{
	const char *act = tl_sim_params_val(c->p, "autoCloseType");
	int64_t limit, start, end;
	int sym, rc;

	if ((rc = tl_sim_rest_symbol(c, false, &sym)) ||
	    (rc = tl_sim_rest_opt_int(c, "limit", 1, 100, 50, &limit)) ||
	    (rc = tl_sim_rest_window(c, &start, &end)))
		return rc;
	if (act && strcmp(act, "LIQUIDATION") != 0 && strcmp(act, "ADL") != 0)
		return tl_sim_errf(&c->e, -1130, "Data sent for parameter 'autoCloseType' is not valid.");
	tl_sim_jw_arr(&c->w);
	tl_sim_jw_arr_end(&c->w);
	return 0;
}
