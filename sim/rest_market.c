/*
 * rest_market.c - public market endpoints: ping, time, exchangeInfo,
 * premiumIndex, ticker/bookTicker.
 */
#include <stdio.h>

#include "sim/render.h"
#include "sim/rest_handlers.h"

int tl_sim_h_ping(tl_sim_call_t *c)
{
	tl_sim_jw_obj(&c->w);
	tl_sim_jw_obj_end(&c->w);
	return 0;
}

int tl_sim_h_time(tl_sim_call_t *c)
{
	tl_sim_jw_obj(&c->w);
	tl_sim_jw_kint(&c->w, "serverTime", c->now);
	tl_sim_jw_obj_end(&c->w);
	return 0;
}

static void rate_limit(tl_sim_jw_t *w, const char *type, const char *iv,
		       int num, int limit)
{
	tl_sim_jw_obj(w);
	tl_sim_jw_kstr(w, "rateLimitType", type);
	tl_sim_jw_kstr(w, "interval", iv);
	tl_sim_jw_kint(w, "intervalNum", num);
	tl_sim_jw_kint(w, "limit", limit);
	tl_sim_jw_obj_end(w);
}

static void kfx_short(tl_sim_jw_t *w, const char *k, tl_fx_t v)
{
	tl_sim_jw_kfx(w, k, v, -1);
}

static void exchange_symbol(tl_sim_jw_t *w, const tl_sim_symbol_cfg_t *s,
			    const tl_sim_market_t *m)
{
	static const char *const types[] = {
		"LIMIT", "MARKET", "STOP", "STOP_MARKET", "TAKE_PROFIT",
		"TAKE_PROFIT_MARKET", "TRAILING_STOP_MARKET"
	};
	static const char *const tifs[] = { "GTC", "IOC", "FOK", "GTX" };
	size_t i;

	tl_sim_jw_obj(w);
	tl_sim_jw_kstr(w, "symbol", s->name);
	tl_sim_jw_kstr(w, "pair", s->name);
	tl_sim_jw_kstr(w, "contractType", "PERPETUAL");
	tl_sim_jw_kint(w, "deliveryDate", 4133404800000LL);
	tl_sim_jw_kint(w, "onboardDate", 1569398400000LL);
	tl_sim_jw_kstr(w, "status", m->status[0] ? m->status : "TRADING");
	tl_sim_jw_kstr(w, "maintMarginPercent", "2.5000");
	tl_sim_jw_kstr(w, "requiredMarginPercent", "5.0000");
	tl_sim_jw_kstr(w, "baseAsset", s->base);
	tl_sim_jw_kstr(w, "quoteAsset", s->quote);
	tl_sim_jw_kstr(w, "marginAsset", s->quote);
	tl_sim_jw_kint(w, "pricePrecision", s->price_prec);
	tl_sim_jw_kint(w, "quantityPrecision", s->qty_prec);
	tl_sim_jw_kint(w, "baseAssetPrecision", 8);
	tl_sim_jw_kint(w, "quotePrecision", 8);
	tl_sim_jw_kstr(w, "underlyingType", "COIN");
	tl_sim_jw_key(w, "underlyingSubType");
	tl_sim_jw_arr(w);
	tl_sim_jw_arr_end(w);
	tl_sim_jw_kint(w, "settlePlan", 0);
	tl_sim_jw_kstr(w, "triggerProtect", "0.0500");
	tl_sim_jw_key(w, "filters");
	tl_sim_jw_arr(w);
	tl_sim_jw_obj(w);
	tl_sim_jw_kstr(w, "filterType", "PRICE_FILTER");
	kfx_short(w, "maxPrice", s->max_price);
	kfx_short(w, "minPrice", s->min_price);
	tl_sim_render_kfx(w, "tickSize", s->tick, 0);
	tl_sim_jw_obj_end(w);
	tl_sim_jw_obj(w);
	tl_sim_jw_kstr(w, "filterType", "LOT_SIZE");
	kfx_short(w, "maxQty", s->max_qty);
	kfx_short(w, "minQty", s->min_qty);
	kfx_short(w, "stepSize", s->step);
	tl_sim_jw_obj_end(w);
	tl_sim_jw_obj(w);
	tl_sim_jw_kstr(w, "filterType", "MARKET_LOT_SIZE");
	kfx_short(w, "maxQty", s->mkt_max_qty);
	kfx_short(w, "minQty", s->mkt_min_qty);
	kfx_short(w, "stepSize", s->mkt_step);
	tl_sim_jw_obj_end(w);
	tl_sim_jw_obj(w);
	tl_sim_jw_kstr(w, "filterType", "MAX_NUM_ORDERS");
	tl_sim_jw_kint(w, "limit", s->max_orders);
	tl_sim_jw_obj_end(w);
	tl_sim_jw_obj(w);
	tl_sim_jw_kstr(w, "filterType", "MAX_NUM_ALGO_ORDERS");
	tl_sim_jw_kint(w, "limit", s->max_algo_orders);
	tl_sim_jw_obj_end(w);
	tl_sim_jw_obj(w);
	tl_sim_jw_kstr(w, "filterType", "MIN_NOTIONAL");
	kfx_short(w, "notional", s->min_notional);
	tl_sim_jw_obj_end(w);
	tl_sim_jw_obj(w);
	tl_sim_jw_kstr(w, "filterType", "PERCENT_PRICE");
	tl_sim_jw_kfx(w, "multiplierUp", s->mult_up, s->mult_decimal);
	tl_sim_jw_kfx(w, "multiplierDown", s->mult_down, s->mult_decimal);
	{
		char b[8];
		snprintf(b, sizeof b, "%d", s->mult_decimal);
		tl_sim_jw_kstr(w, "multiplierDecimal", b);
	}
	tl_sim_jw_obj_end(w);
	tl_sim_jw_arr_end(w);
	tl_sim_jw_key(w, "orderTypes");
	tl_sim_jw_arr(w);
	for (i = 0; i < sizeof types / sizeof types[0]; i++)
		tl_sim_jw_str(w, types[i]);
	tl_sim_jw_arr_end(w);
	tl_sim_jw_key(w, "timeInForce");
	tl_sim_jw_arr(w);
	for (i = 0; i < sizeof tifs / sizeof tifs[0]; i++)
		tl_sim_jw_str(w, tifs[i]);
	tl_sim_jw_arr_end(w);
	tl_sim_jw_kstr(w, "liquidationFee", "0.012500");
	tl_sim_jw_kstr(w, "marketTakeBound", "0.05");
	tl_sim_jw_obj_end(w);
}

int tl_sim_h_exchange_info(tl_sim_call_t *c)
{
	const tl_sim_config_t *cfg = c->v->cfg;
	tl_sim_jw_t *w = &c->w;
	int s;

	tl_sim_jw_obj(w);
	tl_sim_jw_kstr(w, "timezone", "UTC");
	tl_sim_jw_kint(w, "serverTime", c->now);
	tl_sim_jw_key(w, "futuresType");
	tl_sim_jw_str(w, "U_MARGINED");
	tl_sim_jw_key(w, "rateLimits");
	tl_sim_jw_arr(w);
	rate_limit(w, "REQUEST_WEIGHT", "MINUTE", 1, cfg->weight_1m);
	rate_limit(w, "ORDERS", "MINUTE", 1, cfg->orders_1m);
	rate_limit(w, "ORDERS", "SECOND", 10, cfg->orders_10s);
	tl_sim_jw_arr_end(w);
	tl_sim_jw_key(w, "exchangeFilters");
	tl_sim_jw_arr(w);
	tl_sim_jw_arr_end(w);
	tl_sim_jw_key(w, "assets");
	tl_sim_jw_arr(w);
	tl_sim_jw_obj(w);
	tl_sim_jw_kstr(w, "asset", "USDT");
	tl_sim_jw_kbool(w, "marginAvailable", true);
	tl_sim_jw_key(w, "autoAssetExchange");
	tl_sim_jw_str(w, "0");
	tl_sim_jw_obj_end(w);
	tl_sim_jw_arr_end(w);
	tl_sim_jw_key(w, "symbols");
	tl_sim_jw_arr(w);
	for (s = 0; s < cfg->nsym; s++)
		exchange_symbol(w, &cfg->sym[s], &c->v->mkt[s]);
	tl_sim_jw_arr_end(w);
	tl_sim_jw_obj_end(w);
	return 0;
}

/* Next funding time: the next 00:00/08:00/16:00 UTC boundary. */
static int64_t next_funding(int64_t now)
{
	const int64_t p = 8LL * 3600 * 1000;

	return (now / p + 1) * p;
}

static void premium(tl_sim_call_t *c, int s)
{
	tl_sim_jw_t *w = &c->w;
	tl_fx_t mark = c->v->mkt[s].mark;

	tl_sim_jw_obj(w);
	tl_sim_jw_kstr(w, "symbol", c->v->cfg->sym[s].name);
	tl_sim_jw_kfx(w, "markPrice", mark, 8);
	tl_sim_jw_kfx(w, "indexPrice", mark, 8);
	tl_sim_jw_kfx(w, "estimatedSettlePrice", mark, 8);
	tl_sim_jw_kfx(w, "lastFundingRate", 10000, 8); /* 0.0001 */
	tl_sim_jw_kfx(w, "interestRate", 10000, 8);
	tl_sim_jw_kint(w, "nextFundingTime", next_funding(c->now));
	tl_sim_jw_kint(w, "time", c->now);
	tl_sim_jw_obj_end(w);
}

int tl_sim_h_premium_index(tl_sim_call_t *c)
{
	int s, rc;

	if ((rc = tl_sim_rest_symbol(c, false, &s)))
		return rc;
	if (s >= 0) {
		premium(c, s);
		return 0;
	}
	tl_sim_jw_arr(&c->w);
	for (s = 0; s < c->v->cfg->nsym; s++)
		premium(c, s);
	tl_sim_jw_arr_end(&c->w);
	return 0;
}

static void book_ticker(tl_sim_call_t *c, int s)
{
	const tl_sim_symbol_cfg_t *cfg = &c->v->cfg->sym[s];
	const tl_sim_market_t *m = &c->v->mkt[s];
	tl_sim_jw_t *w = &c->w;

	tl_sim_jw_obj(w);
	tl_sim_jw_kstr(w, "symbol", cfg->name);
	tl_sim_render_kfx(w, "bidPrice", m->bid, cfg->price_prec);
	tl_sim_render_kfx(w, "bidQty", cfg->level_qty, cfg->qty_prec);
	tl_sim_render_kfx(w, "askPrice", m->ask, cfg->price_prec);
	tl_sim_render_kfx(w, "askQty", cfg->level_qty, cfg->qty_prec);
	tl_sim_jw_kint(w, "time", c->now);
	tl_sim_jw_obj_end(w);
}

int tl_sim_h_book_ticker(tl_sim_call_t *c)
{
	int s, rc;

	if ((rc = tl_sim_rest_symbol(c, false, &s)))
		return rc;
	if (s >= 0) {
		book_ticker(c, s);
		return 0;
	}
	tl_sim_jw_arr(&c->w);
	for (s = 0; s < c->v->cfg->nsym; s++)
		book_ticker(c, s);
	tl_sim_jw_arr_end(&c->w);
	return 0;
}
