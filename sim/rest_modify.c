/*
 * rest_modify.c - order amendment: PUT /fapi/v1/order (Modify Order)
 * and PUT /fapi/v1/batchOrders (up to 5 amendments, each answered on
 * its own: the order, or {code,msg}).
 *
 * Parameters as Binance: symbol, orderId or origClientOrderId, side,
 * quantity and price (all of them; LIMIT orders only). The side must
 * be the order's own (a modification cannot turn a buy into a sell:
 * -1130). priceMatch other than NONE is refused (not simulated). The
 * rules themselves are tl_sim_book_modify's (book.c). The answer is the
 * order after the amendment, in the New Order RESULT shape.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/json_in.h"
#include "sim/render.h"
#include "sim/rest_handlers.h"

#define BATCH_MAX_MODIFY 5

/* Decimal parameter within `prec` decimals: -1102 missing or malformed,
 * -1111 too precise. */
static int decimal(const tl_sim_params_t *p, const char *name, int prec,
		   tl_fx_t *out, tl_sim_err_t *e)
{
	const char *s = tl_sim_params_val(p, name);
	tl_fx_err_t fe;

	if (!s)
		return tl_sim_err_missing(e, name);
	fe = tl_fx_parse_cstr(s, out);
	if (fe == TL_FX_PRECISION ||
	    (fe == TL_FX_OK && tl_fx_decimals(*out) > prec))
		return tl_sim_err(e, -1111);
	if (fe != TL_FX_OK)
		return tl_sim_err_missing(e, name);
	return 0;
}

static int modify(tl_sim_call_t *c, const tl_sim_params_t *p,
		  tl_sim_err_t *e)
{
	tl_sim_venue_t *v = c->v;
	const char *s, *cid = tl_sim_params_val(p, "origClientOrderId");
	const tl_sim_symbol_cfg_t *sc;
	tl_sim_order_t *o;
	tl_fx_t qty, price;
	int64_t id = 0;
	int sym, side, rc;

	if (!(s = tl_sim_params_val(p, "symbol")))
		return tl_sim_err_missing(e, "symbol");
	if ((sym = tl_sim_venue_symbol(v, s)) < 0)
		return tl_sim_err(e, -1121);
	sc = &v->cfg->sym[sym];
	if ((s = tl_sim_params_val(p, "orderId"))) {
		char *end;
		long long x = strtoll(s, &end, 10);
		if (*end || x <= 0)
			return tl_sim_errf(e, -1130, "Data sent for parameter 'orderId' is not valid.");
		id = x;
	}
	if (id <= 0 && !cid)
		return tl_sim_errf(e, -1102,
				   "Param 'orderId' or 'origClientOrderId' must be sent, but both were empty/null!");
	if (!(s = tl_sim_params_val(p, "side")))
		return tl_sim_err_missing(e, "side");
	if (strcmp(s, "BUY") == 0)
		side = TL_SIM_BUY;
	else if (strcmp(s, "SELL") == 0)
		side = TL_SIM_SELL;
	else
		return tl_sim_err(e, -1117);
	if ((rc = decimal(p, "quantity", sc->qty_prec, &qty, e)) ||
	    (rc = decimal(p, "price", sc->price_prec, &price, e)))
		return rc;
	if ((s = tl_sim_params_val(p, "priceMatch")) && strcmp(s, "NONE") != 0)
		return tl_sim_errf(e, -1130, "Data sent for parameter 'priceMatch' is not valid (not simulated).");
	o = tl_sim_book_find(v, c->acct, sym, id, id > 0 ? NULL : cid);
	if (!o || (id > 0 && cid && strcmp(o->cid, cid) != 0))
		return tl_sim_err(e, -2013);
	if (o->side != side)
		return tl_sim_errf(e, -1130, "Data sent for parameter 'side' is not valid.");
	if ((rc = tl_sim_book_modify(v, o, price, qty, c->now, e)))
		return rc;
	tl_sim_render_order(&c->w, v, o, TL_SIM_SHAPE_PLACE);
	return 0;
}

int tl_sim_h_order_modify(tl_sim_call_t *c)
{
	return modify(c, c->p, &c->e);
}

int tl_sim_h_batch_modify(tl_sim_call_t *c)
{
	return tl_sim_batch_each(c, BATCH_MAX_MODIFY, modify);
}
