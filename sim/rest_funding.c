/*
 * rest_funding.c - GET /fapi/v1/fundingRate: the funding times (every
 * 8 h, 00:00/08:00/16:00 UTC) that passed while the venue ran, within its
 * price history, each with the rate premiumIndex reports
 * (lastFundingRate) and the mark at that time. The simulator charges no
 * funding to positions (docs/venue.md), so no FUNDING_FEE income follows.
 *
 * GET /fapi/v1/fundingInfo lists the symbols whose funding cap, floor
 * or interval Binance adjusted: none here (every symbol funds every 8 h
 * at the fixed rate), so the empty list.
 *
 * Parameters as Binance: symbol optional (all symbols), startTime,
 * endTime, limit 1..1000 (100); with startTime the records from it, else
 * the latest `limit`; ascending.
 */
#include "sim/rest_handlers.h"

#define PERIOD_MS (8LL * 3600 * 1000)
#define RATE ((tl_fx_t)10000)       /* 0.0001, premiumIndex's rate */

static void record(tl_sim_call_t *c, int s, int64_t t)
{
	tl_sim_jw_obj(&c->w);
	tl_sim_jw_kstr(&c->w, "symbol", c->v->cfg->sym[s].name);
	tl_sim_jw_kfx(&c->w, "fundingRate", RATE, 8);
	tl_sim_jw_kint(&c->w, "fundingTime", t);
	tl_sim_jw_kfx(&c->w, "markPrice", tl_sim_hist_price_at(&c->v->hist, s, t, c->now), 8);
	tl_sim_jw_obj_end(&c->w);
}

int tl_sim_h_funding_rate(tl_sim_call_t *c)
{
	int64_t limit, start, end, lo, hi, t, first;
	int sym, s, rc, n = 0, skip;

	if ((rc = tl_sim_rest_symbol(c, false, &sym)) ||
	    (rc = tl_sim_rest_opt_int(c, "limit", 1, 1000, 100, &limit)) ||
	    (rc = tl_sim_rest_window(c, &start, &end)))
		return rc;
	hi = end >= 0 && end < c->now ? end : c->now;
	tl_sim_jw_arr(&c->w);
	/* time-major so that with every symbol the list stays ascending */
	first = INT64_MAX;
	for (s = 0; s < c->v->cfg->nsym; s++)
		if ((sym < 0 || s == sym) &&
		    tl_sim_hist_first(&c->v->hist, s, c->now) < first)
			first = tl_sim_hist_first(&c->v->hist, s, c->now);
	lo = start > first ? start : first;
	lo = (lo + PERIOD_MS - 1) / PERIOD_MS * PERIOD_MS;
	if (start < 0) {
		/* only the latest `limit`: count, then skip the surplus */
		int total = 0;
		for (t = lo; t <= hi; t += PERIOD_MS)
			for (s = 0; s < c->v->cfg->nsym; s++)
				if ((sym < 0 || s == sym) &&
				    t >= tl_sim_hist_first(&c->v->hist, s, c->now))
					total++;
		skip = total > limit ? total - (int)limit : 0;
	} else {
		skip = 0;
	}
	for (t = lo; t <= hi && n < limit; t += PERIOD_MS)
		for (s = 0; s < c->v->cfg->nsym && n < limit; s++) {
			if ((sym >= 0 && s != sym) ||
			    t < tl_sim_hist_first(&c->v->hist, s, c->now))
				continue;
			if (skip > 0) {
				skip--;
				continue;
			}
			record(c, s, t);
			n++;
		}
	tl_sim_jw_arr_end(&c->w);
	return 0;
}

int tl_sim_h_funding_info(tl_sim_call_t *c)
{
	tl_sim_jw_arr(&c->w);
	tl_sim_jw_arr_end(&c->w);
	return 0;
}
