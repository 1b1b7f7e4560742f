/*
 * render.h - JSON shapes of orders, algo orders and trades, shared by
 * the REST handlers and the user data stream.
 *
 * Decimals are strings padded to the symbol's precision (prices to
 * pricePrecision, quantities to quantityPrecision, quote amounts to the
 * configured quote precision), widened only when a value has more
 * significant decimals (an average price), never truncated.
 */
#ifndef TL_SIM_RENDER_H
#define TL_SIM_RENDER_H

#include "sim/json_out.h"
#include "sim/venue.h"

enum tl_sim_order_shape {
	TL_SIM_SHAPE_PLACE = 0, /* POST /fapi/v1/order (RESULT), DELETE */
	TL_SIM_SHAPE_ACK,       /* POST with ACK: state at acceptance */
	TL_SIM_SHAPE_QUERY      /* GET order / openOrders / allOrders */
};

/* Decimals to print v with: at least min, more if v needs them. */
int tl_sim_render_dec(tl_fx_t v, int min);
/* Key + decimal string with tl_sim_render_dec(v, min) decimals. */
void tl_sim_render_kfx(tl_sim_jw_t *w, const char *k, tl_fx_t v, int min);

void tl_sim_render_order(tl_sim_jw_t *w, const tl_sim_venue_t *v,
			 const tl_sim_order_t *o, int shape);
/* Algo order; `query` adds the actual* fields of GET algoOrder. */
void tl_sim_render_algo(tl_sim_jw_t *w, const tl_sim_venue_t *v,
			const tl_sim_algo_t *a, bool query);
/* One element of GET /fapi/v1/userTrades. */
void tl_sim_render_trade(tl_sim_jw_t *w, const tl_sim_venue_t *v,
			 const tl_sim_trade_t *t);
/* Average fill price of an order (0 when nothing filled). */
tl_fx_t tl_sim_render_avg(const tl_sim_order_t *o);

#endif /* TL_SIM_RENDER_H */
