/*
 * rest_ticker.c - price tickers from the venue's price path:
 * GET /fapi/v1/ticker/price and /fapi/v2/ticker/price, GET
 * /fapi/v1/ticker/24hr, GET /fapi/v1/openInterest.
 *
 * The price is the mark (the synthetic market trades at no other); the
 * 24 h statistics fold the last 24 hours of history.c's candles, whose
 * volume and trade counts are the accounts' own fills. Open interest is
 * the sum of the accounts' position sizes: every one of them has the
 * synthetic market on the other side.
 */
#include <string.h>

#include "sim/render.h"
#include "sim/rest_handlers.h"

#define DAY_MS (24LL * 3600 * 1000)

static void price_ticker(tl_sim_call_t *c, int s)
{
	const tl_sim_symbol_cfg_t *sc = &c->v->cfg->sym[s];

	tl_sim_jw_obj(&c->w);
	tl_sim_jw_kstr(&c->w, "symbol", sc->name);
	tl_sim_render_kfx(&c->w, "price", c->v->mkt[s].mark, sc->price_prec);
	tl_sim_jw_kint(&c->w, "time", c->now);
	tl_sim_jw_obj_end(&c->w);
}

int tl_sim_h_ticker_price(tl_sim_call_t *c)
{
	int s, rc;

	if ((rc = tl_sim_rest_symbol(c, false, &s)))
		return rc;
	if (s >= 0) {
		price_ticker(c, s);
		return 0;
	}
	tl_sim_jw_arr(&c->w);
	for (s = 0; s < c->v->cfg->nsym; s++)
		price_ticker(c, s);
	tl_sim_jw_arr_end(&c->w);
	return 0;
}

static void day_ticker(tl_sim_call_t *c, int s)
{
	const tl_sim_symbol_cfg_t *sc = &c->v->cfg->sym[s];
	tl_sim_jw_t *w = &c->w;
	int64_t from = c->now - DAY_MS + 1, first;
	tl_sim_candle_t k;
	tl_fx_t last = c->v->mkt[s].mark, pct = 0, avg = last;

	first = tl_sim_hist_first(&c->v->hist, s, c->now);
	if (from < first)
		from = first;
	if (!tl_sim_hist_fold(&c->v->hist, s, from, c->now, c->now, &k)) {
		memset(&k, 0, sizeof k);
		k.o = k.h = k.l = last;
	}
	/* the live mark may be ahead of the last recorded step */
	k.c = last;
	if (last > k.h)
		k.h = last;
	if (last < k.l)
		k.l = last;
	if (k.o > 0 && tl_fx_div(last - k.o, k.o, TL_FX_NEAREST, &pct))
		(void)tl_fx_quantize(pct * 100, TL_FX_ONE / 1000, TL_FX_NEAREST, &pct);
	if (k.vol > 0)
		(void)tl_fx_div(k.qvol, k.vol, TL_FX_NEAREST, &avg);
	tl_sim_jw_obj(w);
	tl_sim_jw_kstr(w, "symbol", sc->name);
	tl_sim_render_kfx(w, "priceChange", last - k.o, sc->price_prec);
	tl_sim_jw_kfx(w, "priceChangePercent", pct, 3);
	tl_sim_render_kfx(w, "weightedAvgPrice", avg, sc->price_prec);
	tl_sim_render_kfx(w, "lastPrice", last, sc->price_prec);
	tl_sim_render_kfx(w, "lastQty", k.last_qty, sc->qty_prec);
	tl_sim_render_kfx(w, "openPrice", k.o, sc->price_prec);
	tl_sim_render_kfx(w, "highPrice", k.h, sc->price_prec);
	tl_sim_render_kfx(w, "lowPrice", k.l, sc->price_prec);
	tl_sim_render_kfx(w, "volume", k.vol, sc->qty_prec);
	tl_sim_render_kfx(w, "quoteVolume", k.qvol, sc->quote_prec);
	tl_sim_jw_kint(w, "openTime", from);
	tl_sim_jw_kint(w, "closeTime", c->now);
	tl_sim_jw_kint(w, "firstId", k.first_id);
	tl_sim_jw_kint(w, "lastId", k.last_id);
	tl_sim_jw_kint(w, "count", k.count);
	tl_sim_jw_obj_end(w);
}

int tl_sim_h_ticker_24hr(tl_sim_call_t *c)
{
	int s, rc;

	if ((rc = tl_sim_rest_symbol(c, false, &s)))
		return rc;
	if (s >= 0) {
		day_ticker(c, s);
		return 0;
	}
	tl_sim_jw_arr(&c->w);
	for (s = 0; s < c->v->cfg->nsym; s++)
		day_ticker(c, s);
	tl_sim_jw_arr_end(&c->w);
	return 0;
}

int tl_sim_h_open_interest(tl_sim_call_t *c)
{
	const tl_sim_venue_t *v = c->v;
	tl_fx_t oi = 0;
	int s, a, ps, rc;

	if ((rc = tl_sim_rest_symbol(c, true, &s)))
		return rc;
	for (a = 0; a < v->cfg->nacct; a++)
		for (ps = 0; ps < 3; ps++) {
			tl_fx_t amt = v->acct[a].sym[s].pos[ps].amt;
			oi += amt < 0 ? -amt : amt;
		}
	tl_sim_jw_obj(&c->w);
	tl_sim_render_kfx(&c->w, "openInterest", oi, v->cfg->sym[s].qty_prec);
	tl_sim_jw_kstr(&c->w, "symbol", v->cfg->sym[s].name);
	tl_sim_jw_kint(&c->w, "time", c->now);
	tl_sim_jw_obj_end(&c->w);
	return 0;
}
