/*
 * market.c - mark-price random walk and the synthetic order book.
 *
 * The mark stays on the tick grid. One step moves it by a uniform random
 * amount in [-vol_bps, +vol_bps] basis points (integer arithmetic, seeded
 * generator). The book is stateless: best bid is the mark rounded down
 * to a tick minus half the spread, best ask = bid + spread_ticks; level i
 * is i * level_gap_ticks further out and holds level_qty. Fills do not
 * deplete it (no market impact): it is regenerated from the mark.
 */
#include "sim/venue.h"

void tl_sim_market_quote(tl_sim_venue_t *v, int sym)
{
	const tl_sim_symbol_cfg_t *c = &v->cfg->sym[sym];
	tl_sim_market_t *m = &v->mkt[sym];
	tl_fx_t half = (tl_fx_t)(c->spread_ticks / 2) * c->tick;
	tl_fx_t bid;

	(void)tl_fx_quantize(m->mark, c->tick, TL_FX_FLOOR, &bid);
	bid -= half;
	if (bid < c->tick)
		bid = c->tick;
	m->bid = bid;
	m->ask = bid + (tl_fx_t)c->spread_ticks * c->tick;
}

void tl_sim_market_step(tl_sim_venue_t *v, int sym)
{
	const tl_sim_symbol_cfg_t *c = &v->cfg->sym[sym];
	tl_sim_market_t *m = &v->mkt[sym];
	/* move in [-vol, +vol] bps, resolution 1e-4 bps */
	int64_t range = (int64_t)c->vol_bps * 10000;
	int64_t r = range ? (int64_t)(tl_sim_venue_rand(v) %
				      (uint64_t)(2 * range + 1)) - range : 0;
	__int128 delta = (__int128)m->mark * r / 100000000;
	tl_fx_t mark = m->mark + (tl_fx_t)delta;

	(void)tl_fx_quantize(mark, c->tick, TL_FX_NEAREST, &mark);
	if (mark < c->tick)
		mark = c->tick;
	m->mark = mark;
	tl_sim_market_quote(v, sym);
}

void tl_sim_market_level(const tl_sim_venue_t *v, int sym, int side, int i,
			 bool market, tl_fx_t *price, tl_fx_t *qty)
{
	const tl_sim_symbol_cfg_t *c = &v->cfg->sym[sym];
	const tl_sim_market_t *m = &v->mkt[sym];
	tl_fx_t off = (tl_fx_t)i * c->level_gap_ticks * c->tick;
	tl_fx_t p = side == TL_SIM_BUY ? m->ask + off : m->bid - off;

	if (p < c->tick)
		p = c->tick;
	if (market && c->slippage_bps > 0) {
		__int128 adj = (__int128)p * c->slippage_bps / 10000;
		p += side == TL_SIM_BUY ? (tl_fx_t)adj : -(tl_fx_t)adj;
		(void)tl_fx_quantize(p, c->tick,
				     side == TL_SIM_BUY ? TL_FX_CEIL : TL_FX_FLOOR, &p);
		if (p < c->tick)
			p = c->tick;
	}
	*price = p;
	*qty = (!c->partial_fills && i == c->depth_levels - 1) ? INT64_MAX
							       : c->level_qty;
}
