/*
 * risk.c - pre-trade checks, in the order the venue would fail them, then
 * our own limits, then the rate buckets (last, so a refused order never
 * spends a token).
 *
 * An order "reduces" when, filled completely, it only shrinks an existing
 * position: one-way reduce-only orders against the position's sign, and
 * hedge orders that close their side (SELL+LONG, BUY+SHORT). Reducing
 * orders skip the min-notional rule (the venue waives it) and the
 * position and notional limits, and are the only ones allowed while
 * REDUCING. Reduce-only is judged against the filled position only, as
 * the venue does: several reduce-only orders (a take-profit and a
 * stop-loss, say) may together exceed it; the venue expires the rest once
 * the position is flat. The position limit counts open orders that can
 * add to the position (pend_buy / pend_sell).
 *
 * The margin check (once a venue snapshot has reported a balance) refuses
 * an order whose initial margin, notional / leverage plus the fee at the
 * taker rate, exceeds the available balance: the wallet balance of the
 * last snapshot, moved on by the PnL realized since, plus unrealized,
 * minus the initial margin of every position and of the open orders that
 * can add to one (at the mark). That is the venue's availableBalance up
 * to its netting of opposite orders, which we do not do: our estimate of
 * what is in use can only be higher. Orders that reduce are exempt.
 */
#include "kernel/kernel_int.h"

static tl_fx_t risk_abs(tl_fx_t v)
{
	return v < 0 ? -v : v;
}

/* |qty| * px / lev at 1e-8, rounded up, in 128 bits (no overflow for
 * any int64 inputs). */
static __int128 risk_margin(tl_fx_t qty, tl_fx_t px, uint32_t lev)
{
	__int128 q = qty < 0 ? -(__int128)qty : qty;
	__int128 d = (__int128)TL_FX_ONE * (lev ? lev : 1);
	return (q * px + d - 1) / d;
}

bool tl_kernel_available(const tl_kernel_t *k, tl_fx_t *avail)
{
	if (!k->balance_known)
		return false;
	__int128 a = (__int128)k->venue_balance + k->realized_total -
		     k->commission_total - k->bal_pnl0 + k->unrealized_total;
	for (uint32_t s = 0; s < k->syms.count; s++) {
		const tl_symbol_t *sy = &k->syms.sym[s];
		for (int ps = 0; ps < 3; ps++) {
			const tl_position_t *p = &k->pos[s * 3 + ps];
			if (p->qty == 0 && p->pend_buy == 0 && p->pend_sell == 0)
				continue;
			tl_fx_t px = sy->mark > 0 ? sy->mark : p->entry;
			a -= risk_margin(p->qty, px, k->leverage[s]);
			a -= risk_margin(p->pend_buy, px, k->leverage[s]);
			a -= risk_margin(p->pend_sell, px, k->leverage[s]);
		}
	}
	*avail = a > INT64_MAX ? INT64_MAX : a < INT64_MIN ? INT64_MIN : (tl_fx_t)a;
	return true;
}

bool tl_risk_reduces(tl_kernel_t *k, const tl_k_ordreq_t *r)
{
	const tl_position_t *p = tl_k_pos(k, r->sym, r->pos_side);
	if (!p)
		return false;
	if (r->pos_side == TL_PS_BOTH) {
		if (!r->reduce_only || p->qty == 0)
			return false;
		/* BUY reduces a short, SELL reduces a long, never past flat. */
		if (r->side == TL_BUY)
			return p->qty < 0 && r->qty <= -p->qty;
		return p->qty > 0 && r->qty <= p->qty;
	}
	if (r->pos_side == TL_PS_LONG && r->side == TL_SELL)
		return p->qty > 0 && r->qty <= p->qty;
	if (r->pos_side == TL_PS_SHORT && r->side == TL_BUY)
		return p->qty < 0 && r->qty <= -p->qty;
	return false;
}

static bool risk_is_conditional(tl_ord_type_t t)
{
	return t == TL_ORD_STOP || t == TL_ORD_STOP_MARKET ||
	       t == TL_ORD_TAKE_PROFIT || t == TL_ORD_TAKE_PROFIT_MARKET;
}

static bool risk_needs_price(tl_ord_type_t t)
{
	return t == TL_ORD_LIMIT || t == TL_ORD_STOP || t == TL_ORD_TAKE_PROFIT;
}

static tl_reject_t risk_price(const tl_symbol_t *s, tl_fx_t px)
{
	if (px <= 0)
		return TL_REJ_PRICE_MISSING;
	if (s->min_price > 0 && px < s->min_price)
		return TL_REJ_PRICE_BELOW_MIN;
	if (s->max_price > 0 && px > s->max_price)
		return TL_REJ_PRICE_ABOVE_MAX;
	if (s->tick_size > 0 && !tl_fx_on_step(px - s->min_price, s->tick_size))
		return TL_REJ_PRICE_TICK;
	return TL_REJ_NONE;
}

/* Shape of the request itself, before any market state is looked at. */
static tl_reject_t risk_shape(tl_kernel_t *k, const tl_k_ordreq_t *r)
{
	if (r->side != TL_BUY && r->side != TL_SELL)
		return TL_REJ_BAD_PARAM;
	if (r->type < TL_ORD_LIMIT || r->type > TL_ORD_TAKE_PROFIT_MARKET)
		return TL_REJ_BAD_PARAM;
	if (r->tif < TL_TIF_GTC || r->tif > TL_TIF_GTX)
		return TL_REJ_BAD_PARAM;
	if ((unsigned)r->pos_side > TL_PS_SHORT)
		return TL_REJ_BAD_PARAM;
	/* One-way mode takes BOTH only; hedge mode takes LONG/SHORT and no
	 * reduce-only flag (the venue answers -1106 / -4061). */
	if (k->cfg.hedge_mode) {
		if (r->pos_side == TL_PS_BOTH || r->reduce_only)
			return TL_REJ_BAD_PARAM;
	} else if (r->pos_side != TL_PS_BOTH) {
		return TL_REJ_BAD_PARAM;
	}
	return TL_REJ_NONE;
}

static tl_reject_t risk_state(tl_kernel_t *k, bool reduces)
{
	switch (k->state) {
	case TL_TS_NORMAL:
		return TL_REJ_NONE;
	case TL_TS_REDUCING:
		return reduces ? TL_REJ_NONE : TL_REJ_STATE_REDUCING;
	case TL_TS_LIQUIDATING:
		return TL_REJ_STATE_LIQUIDATING;
	case TL_TS_PAUSED:
		return TL_REJ_STATE_PAUSED;
	}
	return TL_REJ_STATE_PAUSED;
}

tl_reject_t tl_risk_check(tl_kernel_t *k, const tl_k_ordreq_t *r)
{
	tl_reject_t rej = risk_shape(k, r);
	if (rej)
		return rej;
	const tl_symbol_t *s = tl_symbols_get(&k->syms, r->sym);
	if (!s)
		return TL_REJ_UNKNOWN_SYMBOL;
	bool reduces = tl_risk_reduces(k, r);
	bool closing = r->reduce_only ||
		       (r->pos_side == TL_PS_LONG && r->side == TL_SELL) ||
		       (r->pos_side == TL_PS_SHORT && r->side == TL_BUY);
	if ((rej = risk_state(k, reduces)) != TL_REJ_NONE)
		return rej;
	/* A symbol out of TRADING takes no new exposure, but what is open
	 * on it must still be closable. */
	if (s->status != TL_SYM_TRADING && !closing)
		return TL_REJ_SYMBOL_NOT_TRADING;

	/* Quantity: LOT_SIZE, or MARKET_LOT_SIZE for market orders. */
	bool mkt = r->type == TL_ORD_MARKET || r->type == TL_ORD_STOP_MARKET ||
		   r->type == TL_ORD_TAKE_PROFIT_MARKET;
	tl_fx_t step = s->step_size, minq = s->min_qty, maxq = s->max_qty;
	if (mkt && s->mkt_step_size > 0) {
		step = s->mkt_step_size;
		minq = s->mkt_min_qty;
		maxq = s->mkt_max_qty;
	}
	if (r->qty <= 0)
		return TL_REJ_QTY_NOT_POSITIVE;
	if (minq > 0 && r->qty < minq)
		return TL_REJ_QTY_BELOW_MIN;
	if (maxq > 0 && r->qty > maxq)
		return TL_REJ_QTY_ABOVE_MAX;
	if (step > 0 && !tl_fx_on_step(r->qty - minq, step))
		return TL_REJ_QTY_STEP;

	/* Prices. */
	if (risk_needs_price(r->type)) {
		if ((rej = risk_price(s, r->price)) != TL_REJ_NONE)
			return rej;
	} else if (r->price != 0) {
		return TL_REJ_BAD_PARAM;	/* a market order carries no price */
	}
	if (risk_is_conditional(r->type)) {
		if ((rej = risk_price(s, r->stop_price)) != TL_REJ_NONE)
			return rej;
	} else if (r->stop_price != 0) {
		return TL_REJ_BAD_PARAM;
	}
	if (r->type == TL_ORD_LIMIT && s->mark > 0) {
		/* PERCENT_PRICE against the mark. */
		tl_fx_t cap;
		if (r->side == TL_BUY && s->pct_up > 0 &&
		    tl_fx_mul(s->mark, s->pct_up, TL_FX_FLOOR, &cap) && r->price > cap)
			return TL_REJ_PRICE_ABOVE_BAND;
		if (r->side == TL_SELL && s->pct_down > 0 &&
		    tl_fx_mul(s->mark, s->pct_down, TL_FX_CEIL, &cap) && r->price < cap)
			return TL_REJ_PRICE_BELOW_BAND;
	}

	/* Reduce-only must really reduce. */
	if (closing && !reduces)
		return TL_REJ_REDUCE_ONLY_NOT_REDUCING;

	/* Notional at the order's price, or the mark for market orders. */
	tl_fx_t ref = risk_needs_price(r->type) ? r->price : s->mark;
	if (r->type == TL_ORD_STOP_MARKET || r->type == TL_ORD_TAKE_PROFIT_MARKET)
		ref = r->stop_price;
	if (ref <= 0 && !reduces)
		return TL_REJ_NO_MARK;
	tl_fx_t notional = 0;
	if (ref > 0 && !tl_fx_mul(r->qty, ref, TL_FX_CEIL, &notional))
		return TL_REJ_MAX_ORDER_NOTIONAL;
	if (!reduces) {
		if (s->min_notional > 0 && notional < s->min_notional)
			return TL_REJ_NOTIONAL_BELOW_MIN;
		if (k->cfg.max_order_qty > 0 && r->qty > k->cfg.max_order_qty)
			return TL_REJ_MAX_ORDER_QTY;
		if (k->cfg.max_order_notional > 0 &&
		    notional > k->cfg.max_order_notional)
			return TL_REJ_MAX_ORDER_NOTIONAL;
		if (k->cfg.max_position_qty > 0) {
			/* Worst case: this order and every open order on the
			 * same side fill. */
			const tl_position_t *p = tl_k_pos(k, r->sym, r->pos_side);
			tl_fx_t after = r->side == TL_BUY ? p->qty + p->pend_buy + r->qty
							  : p->qty - p->pend_sell - r->qty;
			if (risk_abs(after) > k->cfg.max_position_qty)
				return TL_REJ_MAX_POSITION;
		}
		tl_fx_t avail;
		if (tl_kernel_available(k, &avail)) {
			/* notional / leverage + notional x taker rate, both
			 * rounded up: the venue must not be the one to refuse. */
			__int128 fee = (__int128)notional * k->cfg.taker_rate;
			__int128 need = risk_margin(notional, TL_FX_ONE, k->leverage[r->sym]) +
					(fee + TL_FX_ONE - 1) / TL_FX_ONE;
			if (need > avail)
				return TL_REJ_INSUFFICIENT_MARGIN;
		}
	}

	/* Open-order limits: the venue's per symbol, ours across symbols. */
	if (s->max_open_orders > 0 && k->open_by_sym[r->sym] >= s->max_open_orders)
		return TL_REJ_MAX_OPEN_ORDERS;
	if (k->cfg.max_open_orders > 0 &&
	    k->orders.n_active >= k->cfg.max_open_orders)
		return TL_REJ_MAX_OPEN_ORDERS;

	/* Rate buckets last: check both; the tokens are taken only once the
	 * order exists (tl_risk_take), so a refused order spends none. A limit
	 * of 0 means no local limit (the venue's still applies). */
	if (k->cfg.rate_10s > 0 && tl_bucket_available(&k->rate10, k->now) < 1)
		return TL_REJ_RATE_10S;
	if (k->cfg.rate_1m > 0 && tl_bucket_available(&k->rate60, k->now) < 1)
		return TL_REJ_RATE_1M;
	return TL_REJ_NONE;
}

void tl_risk_take(tl_kernel_t *k, bool force)
{
	/* Orders the kernel must send (liquidation closes, protective
	 * orders) still count, even past the limit. */
	if (k->cfg.rate_10s > 0) {
		if (force)
			tl_bucket_force(&k->rate10, 1, k->now);
		else
			tl_bucket_take(&k->rate10, 1, k->now);
	}
	if (k->cfg.rate_1m > 0) {
		if (force)
			tl_bucket_force(&k->rate60, 1, k->now);
		else
			tl_bucket_take(&k->rate60, 1, k->now);
	}
}
