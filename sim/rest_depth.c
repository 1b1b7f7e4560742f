/*
 * rest_depth.c - GET /fapi/v1/depth: the synthetic market's levels
 * (market.c) merged with the accounts' resting LIMIT orders, aggregated
 * by price, best first, up to `limit` levels a side.
 *
 * Weight follows the limit as Binance charges it (5-50: 2, 100: 5, 500:
 * 10, 1000: 20): the route charges the minimum, the handler the rest.
 * lastUpdateId is the venue time in ms, which only grows; the venue has
 * no diff-depth stream to line it up with.
 */
#include <stdlib.h>

#include "sim/render.h"
#include "sim/rest_handlers.h"

typedef struct lvl {
	tl_fx_t px, qty;
} lvl_t;

static int cmp_desc(const void *a, const void *b)
{
	tl_fx_t x = ((const lvl_t *)a)->px, y = ((const lvl_t *)b)->px;

	return x < y ? 1 : x > y ? -1 : 0;
}

static int cmp_asc(const void *a, const void *b)
{
	return -cmp_desc(a, b);
}

/* Levels of one side (side: the resting side, BUY = bids). */
static int side_levels(tl_sim_venue_t *v, int s, int side, lvl_t *l)
{
	const tl_sim_symbol_cfg_t *sc = &v->cfg->sym[s];
	int n = 0, i, k;
	int32_t o;

	for (i = 0; i < sc->depth_levels; i++) {
		tl_fx_t px, q;
		/* a taker of the other side hits this side's levels */
		tl_sim_market_level(v, s, !side, i, false, &px, &q);
		l[n++] = (lvl_t){ px, q == INT64_MAX ? sc->level_qty : q };
	}
	for (o = tl_sim_book_first(v, s); o != TL_SIM_NONE;
	     o = tl_sim_book_next(v, o)) {
		const tl_sim_order_t *od = tl_sim_book_slot(v, o);
		if (od->type == TL_SIM_LIMIT && od->side == side)
			l[n++] = (lvl_t){ od->price, od->qty - od->executed };
	}
	qsort(l, (size_t)n, sizeof *l, side == TL_SIM_BUY ? cmp_desc : cmp_asc);
	for (i = 1, k = 0; i < n; i++) {
		if (l[i].px == l[k].px)
			l[k].qty += l[i].qty;
		else
			l[++k] = l[i];
	}
	return n ? k + 1 : 0;
}

static void write_side(tl_sim_jw_t *w, const tl_sim_symbol_cfg_t *sc,
		       const lvl_t *l, int n)
{
	int i;

	tl_sim_jw_arr(w);
	for (i = 0; i < n; i++) {
		tl_sim_jw_arr(w);
		tl_sim_jw_fx(w, l[i].px, tl_sim_render_dec(l[i].px, sc->price_prec));
		tl_sim_jw_fx(w, l[i].qty, tl_sim_render_dec(l[i].qty, sc->qty_prec));
		tl_sim_jw_arr_end(w);
	}
	tl_sim_jw_arr_end(w);
}

int tl_sim_h_depth(tl_sim_call_t *c)
{
	static const int limits[] = { 5, 10, 20, 50, 100, 500, 1000 };
	static const int weights[] = { 2, 2, 2, 2, 5, 10, 20 };
	tl_sim_venue_t *v = c->v;
	const tl_sim_symbol_cfg_t *sc;
	int64_t limit;
	int s, rc, i, nb, na, retry = 0, w = -1;
	lvl_t *bids, *asks;
	size_t cap;

	if ((rc = tl_sim_rest_symbol(c, true, &s)) ||
	    (rc = tl_sim_rest_opt_int(c, "limit", 0, INT64_MAX, 500, &limit)))
		return rc;
	for (i = 0; i < (int)(sizeof limits / sizeof limits[0]); i++)
		if (limits[i] == limit)
			w = weights[i];
	if (w < 0)
		return tl_sim_errf(&c->e, -4021, "'%lld' is not valid depth limit.",
				   (long long)limit);
	if (w > 2 && (rc = tl_sim_rl_weight(&c->r->rl, c->r->cfg, c->now,
					    w - 2, &retry, &c->e)))
		return rc;
	sc = &v->cfg->sym[s];
	cap = (size_t)sc->depth_levels + (size_t)v->mkt[s].nopen;
	bids = malloc(cap * sizeof *bids);
	asks = malloc(cap * sizeof *asks);
	if (!bids || !asks) {
		free(bids);
		free(asks);
		return tl_sim_errf(&c->e, -1001, "Internal error; out of memory.");
	}
	nb = side_levels(v, s, TL_SIM_BUY, bids);
	na = side_levels(v, s, TL_SIM_SELL, asks);
	tl_sim_jw_obj(&c->w);
	tl_sim_jw_kint(&c->w, "lastUpdateId", c->now);
	tl_sim_jw_kint(&c->w, "E", c->now);
	tl_sim_jw_kint(&c->w, "T", c->now);
	tl_sim_jw_key(&c->w, "bids");
	write_side(&c->w, sc, bids, nb < limit ? nb : (int)limit);
	tl_sim_jw_key(&c->w, "asks");
	write_side(&c->w, sc, asks, na < limit ? na : (int)limit);
	tl_sim_jw_obj_end(&c->w);
	free(bids);
	free(asks);
	return 0;
}
