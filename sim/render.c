/*
 * render.c - order / algo / trade JSON (see render.h). Field sets and
 * their order follow the documented examples in Binance USD-M API docs
 */
#include "sim/render.h"

#include <stdio.h>

int tl_sim_render_dec(tl_fx_t v, int min)
{
	int d = tl_fx_decimals(v);

	return d > min ? d : min;
}

void tl_sim_render_kfx(tl_sim_jw_t *w, const char *k, tl_fx_t v, int min)
{
	tl_sim_jw_kfx(w, k, v, tl_sim_render_dec(v, min));
}

tl_fx_t tl_sim_render_avg(const tl_sim_order_t *o)
{
	tl_fx_t avg = 0;

	if (o->executed > 0)
		(void)tl_fx_div(o->cum_quote, o->executed, TL_FX_NEAREST, &avg);
	return avg;
}

void tl_sim_render_order(tl_sim_jw_t *w, const tl_sim_venue_t *v,
			 const tl_sim_order_t *o, int shape)
{
	const tl_sim_symbol_cfg_t *c = &v->cfg->sym[o->sym];
	bool ack = shape == TL_SIM_SHAPE_ACK;
	tl_fx_t exec = ack ? 0 : o->executed;
	tl_fx_t quote = ack ? 0 : o->cum_quote;
	tl_fx_t avg = ack ? 0 : tl_sim_render_avg(o);

	tl_sim_jw_obj(w);
	tl_sim_jw_kint(w, "orderId", o->id);
	tl_sim_jw_kstr(w, "symbol", c->name);
	tl_sim_jw_kstr(w, "status", tl_sim_status_name(ack ? TL_SIM_NEW : o->status));
	tl_sim_jw_kstr(w, "clientOrderId", o->cid);
	tl_sim_render_kfx(w, "price", o->price, c->price_prec);
	tl_sim_render_kfx(w, "avgPrice", avg, c->price_prec);
	tl_sim_render_kfx(w, "origQty", o->qty, c->qty_prec);
	tl_sim_render_kfx(w, "executedQty", exec, c->qty_prec);
	if (shape != TL_SIM_SHAPE_QUERY)
		tl_sim_render_kfx(w, "cumQty", exec, c->qty_prec);
	tl_sim_render_kfx(w, "cumQuote", quote, c->quote_prec);
	tl_sim_jw_kstr(w, "timeInForce", tl_sim_tif_name(o->tif));
	tl_sim_jw_kstr(w, "type", tl_sim_type_name(o->type));
	tl_sim_jw_kbool(w, "reduceOnly", o->reduce_only);
	tl_sim_jw_kbool(w, "closePosition", o->close_position);
	tl_sim_jw_kstr(w, "side", tl_sim_side_name(o->side));
	tl_sim_jw_kstr(w, "positionSide", tl_sim_ps_name(o->ps));
	tl_sim_render_kfx(w, "stopPrice", o->stop_price, c->price_prec);
	tl_sim_jw_kstr(w, "workingType", o->working_mark ? "MARK_PRICE" : "CONTRACT_PRICE");
	tl_sim_jw_kbool(w, "priceProtect", o->price_protect);
	tl_sim_jw_kstr(w, "origType", tl_sim_type_name(o->orig_type));
	tl_sim_jw_kstr(w, "priceMatch", "NONE");
	tl_sim_jw_kstr(w, "selfTradePreventionMode", "EXPIRE_MAKER");
	tl_sim_jw_kint(w, "goodTillDate", 0);
	if (shape == TL_SIM_SHAPE_QUERY)
		tl_sim_jw_kint(w, "time", o->time);
	tl_sim_jw_kint(w, "updateTime", ack ? o->time : o->update_time);
	tl_sim_jw_obj_end(w);
}

void tl_sim_render_algo(tl_sim_jw_t *w, const tl_sim_venue_t *v,
			const tl_sim_algo_t *a, bool query)
{
	const tl_sim_symbol_cfg_t *c = &v->cfg->sym[a->sym];

	tl_sim_jw_obj(w);
	tl_sim_jw_kint(w, "algoId", a->id);
	tl_sim_jw_kstr(w, "clientAlgoId", a->cid);
	tl_sim_jw_kstr(w, "algoType", "CONDITIONAL");
	tl_sim_jw_kstr(w, "orderType", tl_sim_type_name(a->type));
	tl_sim_jw_kstr(w, "symbol", c->name);
	tl_sim_jw_kstr(w, "side", tl_sim_side_name(a->side));
	tl_sim_jw_kstr(w, "positionSide", tl_sim_ps_name(a->ps));
	tl_sim_jw_kstr(w, "timeInForce", tl_sim_tif_name(a->tif));
	tl_sim_render_kfx(w, "quantity", a->qty, c->qty_prec);
	tl_sim_jw_kstr(w, "algoStatus", tl_sim_algo_status_name(a->status));
	tl_sim_render_kfx(w, "triggerPrice", a->trigger, c->price_prec);
	tl_sim_render_kfx(w, "price", a->price, c->price_prec);
	tl_sim_jw_key(w, "icebergQuantity");
	tl_sim_jw_null(w);
	tl_sim_jw_kstr(w, "selfTradePreventionMode", "EXPIRE_MAKER");
	tl_sim_jw_kstr(w, "workingType", a->working_mark ? "MARK_PRICE" : "CONTRACT_PRICE");
	tl_sim_jw_kstr(w, "priceMatch", "NONE");
	tl_sim_jw_kbool(w, "closePosition", a->close_position);
	tl_sim_jw_kbool(w, "priceProtect", a->price_protect);
	tl_sim_jw_kbool(w, "reduceOnly", a->reduce_only);
	tl_sim_jw_kstr(w, "activatePrice", "");
	tl_sim_jw_kstr(w, "callbackRate", "");
	tl_sim_jw_kint(w, "createTime", a->create_time);
	tl_sim_jw_kint(w, "updateTime", a->update_time);
	tl_sim_jw_kint(w, "triggerTime", a->trigger_time);
	tl_sim_jw_kint(w, "goodTillDate", 0);
	if (query) {
		if (a->actual_order_id) {
			char b[24];
			snprintf(b, sizeof b, "%lld", (long long)a->actual_order_id);
			tl_sim_jw_kstr(w, "actualOrderId", b);
		} else {
			tl_sim_jw_kstr(w, "actualOrderId", "");
		}
		tl_sim_jw_kstr(w, "actualPrice", "");
		tl_sim_jw_kstr(w, "actualType", "");
		tl_sim_jw_kstr(w, "actualQty", "");
		tl_sim_jw_kstr(w, "tpOrderType", "");
	}
	tl_sim_jw_obj_end(w);
}

void tl_sim_render_trade(tl_sim_jw_t *w, const tl_sim_venue_t *v,
			 const tl_sim_trade_t *t)
{
	const tl_sim_symbol_cfg_t *c = &v->cfg->sym[t->sym];

	tl_sim_jw_obj(w);
	tl_sim_jw_kbool(w, "buyer", t->side == TL_SIM_BUY);
	tl_sim_jw_kfx(w, "commission", t->commission, 8);
	tl_sim_jw_kstr(w, "commissionAsset", c->quote);
	tl_sim_jw_kint(w, "id", t->id);
	tl_sim_jw_kbool(w, "maker", t->maker);
	tl_sim_jw_kint(w, "orderId", t->order_id);
	tl_sim_render_kfx(w, "price", t->price, c->price_prec);
	tl_sim_render_kfx(w, "qty", t->qty, c->qty_prec);
	tl_sim_render_kfx(w, "quoteQty", t->quote, c->quote_prec);
	tl_sim_jw_kfx(w, "realizedPnl", t->realized, 8);
	tl_sim_jw_kstr(w, "side", tl_sim_side_name(t->side));
	tl_sim_jw_kstr(w, "positionSide", tl_sim_ps_name(t->ps));
	tl_sim_jw_kstr(w, "symbol", c->name);
	tl_sim_jw_kint(w, "time", t->time);
	tl_sim_jw_obj_end(w);
}
