/*
 * order_req.c - New Order / Algo Order parameter parsing and the symbol
 * filters (Binance USD-M API docs).
 *
 * Check order (first failure wins): symbol, side, type (-4120 for the
 * conditional types on /fapi/v1/order), positionSide vs the account's
 * mode (-4061), reduceOnly in hedge mode (-1106), timeInForce,
 * quantity/price/triggerPrice syntax and precision (-1111, -4003),
 * client id (-4015), newOrderRespType (-1136); then, in
 * tl_sim_filters_check: PRICE_FILTER (-4013/-4002/-4014), LOT_SIZE or
 * MARKET_LOT_SIZE (-4004/-4005/-4023), PERCENT_PRICE vs mark
 * (-4016/-4024), MIN_NOTIONAL unless reducing (-4164).
 */
#include "sim/venue.h"

#include <stdio.h>
#include <string.h>

#include "sim/params.h"

bool tl_sim_cid_valid(const char *s)
{
	size_t n = 0;

	for (; *s; s++, n++) {
		char c = *s;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '.' || c == ':' ||
		      c == '/' || c == '_' || c == '-'))
			return false;
	}
	return n >= 1 && n <= 36;
}

static int req_enum(const char *s, const char *const *names, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (strcmp(s, names[i]) == 0)
			return i;
	return -1;
}

static int req_bool(const tl_sim_params_t *p, const char *name, bool *out,
		    bool *present, tl_sim_err_t *e)
{
	const char *s = tl_sim_params_val(p, name);

	if (present)
		*present = s != NULL;
	if (!s)
		return 0;
	if (strcmp(s, "true") == 0 || strcmp(s, "TRUE") == 0)
		*out = true;
	else if (strcmp(s, "false") == 0 || strcmp(s, "FALSE") == 0)
		*out = false;
	else
		return tl_sim_errf(e, -1130,
				   "Data sent for parameter '%s' is not valid.", name);
	return 0;
}

/* Decimal parameter with the symbol's precision limit. */
static int req_decimal(const tl_sim_params_t *p, const char *name, int prec,
		       tl_fx_t *out, bool *present, tl_sim_err_t *e)
{
	const char *s = tl_sim_params_val(p, name);
	tl_fx_err_t fe;

	*present = s != NULL;
	if (!s)
		return 0;
	fe = tl_fx_parse_cstr(s, out);
	if (fe == TL_FX_PRECISION)
		return tl_sim_err(e, -1111);
	if (fe != TL_FX_OK)
		return tl_sim_err_missing(e, name);
	if (tl_fx_decimals(*out) > prec)
		return tl_sim_err(e, -1111);
	return 0;
}

int tl_sim_order_req_parse(const tl_sim_venue_t *v, int acct,
			   const tl_sim_params_t *p, bool algo,
			   tl_sim_order_req_t *r, tl_sim_err_t *e)
{
	static const char *const sides[] = { "BUY", "SELL" };
	static const char *const pss[] = { "BOTH", "LONG", "SHORT" };
	static const char *const types[] = {
		"LIMIT", "MARKET", "STOP", "STOP_MARKET", "TAKE_PROFIT",
		"TAKE_PROFIT_MARKET", "TRAILING_STOP_MARKET"
	};
	static const char *const tifs[] = { "GTC", "IOC", "FOK", "GTX" };
	const tl_sim_account_t *a = &v->acct[acct];
	const tl_sim_symbol_cfg_t *c;
	const char *s;
	int x, rc;

	memset(r, 0, sizeof *r);
	if (!(s = tl_sim_params_val(p, "symbol")))
		return tl_sim_err_missing(e, "symbol");
	if ((r->sym = tl_sim_venue_symbol(v, s)) < 0)
		return tl_sim_err(e, -1121);
	c = &v->cfg->sym[r->sym];
	if (algo) {
		if (!(s = tl_sim_params_val(p, "algoType")))
			return tl_sim_err_missing(e, "algoType");
		if (strcmp(s, "CONDITIONAL") != 0)
			return tl_sim_errf(e, -1130, "Data sent for parameter 'algoType' is not valid.");
	}
	if (!(s = tl_sim_params_val(p, "side")))
		return tl_sim_err_missing(e, "side");
	if ((x = req_enum(s, sides, 2)) < 0)
		return tl_sim_err(e, -1117);
	r->side = (uint8_t)x;
	if (!(s = tl_sim_params_val(p, "type")))
		return tl_sim_err_missing(e, "type");
	if ((x = req_enum(s, types, 7)) < 0)
		return tl_sim_err(e, -1116);
	r->type = (uint8_t)x;
	if (!algo && x >= TL_SIM_STOP)
		return tl_sim_err(e, -4120);
	if (algo && (x < TL_SIM_STOP || x == TL_SIM_TRAILING))
		return tl_sim_errf(e, -1116, "Invalid orderType.%s",
				   x == TL_SIM_TRAILING ? " TRAILING_STOP_MARKET is not simulated." : "");
	if ((s = tl_sim_params_val(p, "positionSide"))) {
		if ((x = req_enum(s, pss, 3)) < 0)
			return tl_sim_errf(e, -1130, "Data sent for parameter 'positionSide' is not valid.");
		r->ps = (uint8_t)x;
		r->has_ps = true;
	}
	if (a->dual ? r->ps == TL_SIM_PS_BOTH : r->ps != TL_SIM_PS_BOTH)
		return tl_sim_err(e, -4061);
	if ((rc = req_bool(p, "reduceOnly", &r->reduce_only, &r->has_reduce_only, e)))
		return rc;
	if (a->dual && r->has_reduce_only)
		return tl_sim_errf(e, -1106, "Parameter 'reduceonly' sent when not required.");
	if (algo) {
		if ((rc = req_bool(p, "closePosition", &r->close_position, NULL, e)))
			return rc;
		if (r->close_position && r->type != TL_SIM_STOP_MARKET &&
		    r->type != TL_SIM_TAKE_PROFIT_MARKET)
			return tl_sim_errf(e, -1106, "Parameter 'closePosition' sent when not required.");
		if (r->close_position && r->reduce_only)
			return tl_sim_errf(e, -1106, "Parameter 'reduceOnly' sent when not required.");
		if ((rc = req_bool(p, "priceProtect", &r->price_protect, NULL, e)))
			return rc;
		if ((s = tl_sim_params_val(p, "workingType"))) {
			if (strcmp(s, "MARK_PRICE") == 0)
				r->working_mark = true;
			else if (strcmp(s, "CONTRACT_PRICE") != 0)
				return tl_sim_errf(e, -1130, "Data sent for parameter 'workingType' is not valid.");
		}
	}
	if ((s = tl_sim_params_val(p, "timeInForce"))) {
		if ((x = req_enum(s, tifs, 4)) < 0)
			return tl_sim_err(e, -1115);
		r->tif = (uint8_t)x;
		r->has_tif = true;
	} else if (r->type == TL_SIM_LIMIT) {
		return tl_sim_err_missing(e, "timeInForce");
	}
	if ((rc = req_decimal(p, "quantity", c->qty_prec, &r->qty, &r->has_qty, e)))
		return rc;
	if (r->close_position && r->has_qty)
		return tl_sim_errf(e, -1106, "Parameter 'quantity' sent when not required.");
	if (!r->has_qty && !r->close_position)
		return tl_sim_err_missing(e, "quantity");
	if (r->has_qty && r->qty <= 0)
		return tl_sim_err(e, -4003);
	if ((rc = req_decimal(p, "price", c->price_prec, &r->price, &r->has_price, e)))
		return rc;
	if (r->type == TL_SIM_LIMIT || r->type == TL_SIM_STOP ||
	    r->type == TL_SIM_TAKE_PROFIT) {
		if (!r->has_price)
			return tl_sim_err_missing(e, "price");
	} else if (r->has_price && r->price != 0) {
		return tl_sim_errf(e, -1106, "Parameter 'price' sent when not required.");
	}
	if (algo) {
		if ((rc = req_decimal(p, "triggerPrice", c->price_prec, &r->trigger, &r->has_trigger, e)))
			return rc;
		if (!r->has_trigger)
			return tl_sim_err_missing(e, "triggerPrice");
	}
	s = tl_sim_params_val(p, algo ? "clientAlgoId" : "newClientOrderId");
	if (s) {
		if (!tl_sim_cid_valid(s))
			return tl_sim_err(e, -4015);
		snprintf(r->cid, sizeof r->cid, "%s", s);
	}
	if ((s = tl_sim_params_val(p, "newOrderRespType"))) {
		if (strcmp(s, "RESULT") == 0)
			r->resp_result = true;
		else if (strcmp(s, "ACK") != 0)
			return tl_sim_err(e, -1136);
	}
	return 0;
}

static int filter_price(const tl_sim_symbol_cfg_t *c, tl_fx_t px,
			tl_sim_err_t *e)
{
	if (px <= 0 || (c->min_price > 0 && px < c->min_price))
		return tl_sim_err(e, -4013);
	if (c->max_price > 0 && px > c->max_price)
		return tl_sim_err(e, -4002);
	if (c->tick > 0 && !tl_fx_on_step(px - c->min_price, c->tick))
		return tl_sim_err(e, -4014);
	return 0;
}

int tl_sim_filters_check(const tl_sim_venue_t *v, const tl_sim_order_req_t *r,
			 tl_sim_err_t *e)
{
	const tl_sim_symbol_cfg_t *c = &v->cfg->sym[r->sym];
	tl_fx_t mark = v->mkt[r->sym].mark;
	bool mkt = r->type == TL_SIM_MARKET || r->type == TL_SIM_STOP_MARKET ||
		   r->type == TL_SIM_TAKE_PROFIT_MARKET;
	bool reducing = r->reduce_only || r->close_position ||
			(r->side == TL_SIM_SELL && r->ps == TL_SIM_PS_LONG) ||
			(r->side == TL_SIM_BUY && r->ps == TL_SIM_PS_SHORT);
	int rc;

	if (r->has_price && !mkt) {
		tl_fx_t cap = 0;
		if ((rc = filter_price(c, r->price, e)))
			return rc;
		if (r->side == TL_SIM_BUY && c->mult_up > 0 &&
		    tl_fx_mul(mark, c->mult_up, TL_FX_CEIL, &cap) && r->price > cap)
			return tl_sim_err(e, -4016);
		if (r->side == TL_SIM_SELL && c->mult_down > 0 &&
		    tl_fx_mul(mark, c->mult_down, TL_FX_FLOOR, &cap) && r->price < cap)
			return tl_sim_err(e, -4024);
	}
	if (r->has_trigger && (rc = filter_price(c, r->trigger, e)))
		return rc;
	if (r->has_qty) {
		tl_fx_t mn = mkt ? c->mkt_min_qty : c->min_qty;
		tl_fx_t mx = mkt ? c->mkt_max_qty : c->max_qty;
		tl_fx_t st = mkt ? c->mkt_step : c->step;
		if (mn > 0 && r->qty < mn)
			return tl_sim_err(e, -4004);
		if (mx > 0 && r->qty > mx)
			return tl_sim_err(e, -4005);
		if (st > 0 && !tl_fx_on_step(r->qty - mn, st))
			return tl_sim_err(e, -4023);
		if (!reducing && c->min_notional > 0) {
			tl_fx_t px = mkt ? (r->has_trigger ? r->trigger : mark)
					 : r->price;
			tl_fx_t notional = 0;
			(void)tl_fx_mul(px, r->qty, TL_FX_NEAREST, &notional);
			if (notional < c->min_notional) {
				char b[TL_FX_STRLEN];
				tl_fx_format(c->min_notional, -1, b, sizeof b);
				return tl_sim_errf(e, -4164,
						   "Order's notional must be no smaller than %s (unless you choose reduce only).",
						   b);
			}
		}
	}
	return 0;
}
