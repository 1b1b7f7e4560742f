/*
 * position.c - position arithmetic (see position.h for the formulas).
 *
 * All products are exact in 128 bits (1e-16 scale) and rounded once, to
 * the nearest 1e-8, half away from zero, when they become an int64.
 */
#include "kernel/position.h"

static bool pos_round(__int128 wide, int64_t *out)
{
	return tl_fx_div_wide(wide, TL_FX_SCALE, TL_FX_NEAREST, out);
}

/* Sizes are negated everywhere (|qty|, a short's close): INT64_MIN,
 * which has no negation, counts as an overflow too (K8). */
static bool pos_add(int64_t a, int64_t b, int64_t *out)
{
	return !__builtin_add_overflow(a, b, out) && *out != INT64_MIN;
}

bool tl_pos_apply_fill(tl_position_t *p, tl_side_t side, tl_fx_t qty,
		       tl_fx_t price, tl_fx_t commission, tl_time_t now,
		       tl_pos_change_t *chg)
{
	tl_pos_change_t c = {0};
	if (qty <= 0 || price <= 0 || commission < 0 ||
	    (side != TL_BUY && side != TL_SELL)) {
		c.overflow = true;
		*chg = c;
		return false;
	}
	tl_fx_t q0 = p->qty, e0 = p->entry;
	tl_fx_t closed = 0;
	tl_fx_t delta = tl_pos_signed(side, qty);
	tl_fx_t q1 = 0, e1 = e0, realized = 0;

	/* Hedge sides never cross zero: clip a reducing fill at flat. */
	if (p->pos_side == TL_PS_LONG && delta < 0 && -delta > q0) {
		c.excess = -delta - q0;
		delta = -q0;
	} else if (p->pos_side == TL_PS_SHORT && delta > 0 && delta > -q0) {
		c.excess = delta + q0;
		delta = -q0;
	}

	if (!pos_add(q0, delta, &q1))
		goto overflow;

	if (q0 == 0 || (q0 > 0) == (delta > 0)) {
		/* Open or increase: quantity-weighted average entry. */
		if (delta != 0) {
			__int128 cost = tl_fx_mul_wide(q0 < 0 ? -q0 : q0, e0) +
					tl_fx_mul_wide(delta < 0 ? -delta : delta, price);
			tl_fx_t n = q1 < 0 ? -q1 : q1;
			if (!tl_fx_div_wide(cost, n, TL_FX_NEAREST, &e1))
				goto overflow;
		}
		if (q0 == 0 && q1 != 0)
			c.opened = true;
	} else {
		/* Reduce, close or flip. */
		tl_fx_t a0 = q0 < 0 ? -q0 : q0;
		tl_fx_t ad = delta < 0 ? -delta : delta;
		closed = ad < a0 ? ad : a0;
		__int128 rp = tl_fx_mul_wide(closed, price - e0);
		if (q0 < 0)
			rp = -rp;
		if (!pos_round(rp, &realized))
			goto overflow;
		if (q1 == 0) {
			e1 = 0;
			c.closed = true;
		} else if ((q1 > 0) != (q0 > 0)) {
			e1 = price;	/* remainder opens at the fill price */
			c.flipped = true;
			c.opened = true;
		}
	}

	tl_fx_t r1, f1;
	if (!pos_add(p->realized, realized, &r1) ||
	    !pos_add(p->commission, commission, &f1))
		goto overflow;

	__int128 xq = p->trip_exit_quote + tl_fx_mul_wide(closed, price);
	tl_fx_t xn = p->trip_exit_qty + closed;	/* <= |q0|: no overflow */
	if (c.closed || c.flipped) {
		tl_pos_trip_t *t = &c.trip;
		c.trip_ended = true;
		t->opened = p->opened;
		t->qty = q0 < 0 ? -p->trip_max : p->trip_max;
		t->entry = e0;
		if (xn > 0 && !tl_fx_div_wide(xq, xn, TL_FX_NEAREST, &t->exit))
			goto overflow;
		t->realized = r1 - p->trip_realized0;
		t->commission = f1 - p->trip_commission0;
	}
	p->qty = q1;
	p->entry = e1;
	p->realized = r1;
	p->commission = f1;
	p->fills++;
	p->updated = now;
	p->trip_exit_quote = xq;
	p->trip_exit_qty = xn;
	if (c.opened) {
		p->opened = now;
		p->status = TL_POS_OPEN;
		tl_pos_trip_begin(p, now);
		/* an opening fill's fee is the new trip's; a flip's went
		 * to the trip it ended */
		if (!c.flipped)
			p->trip_commission0 -= commission;
	} else {
		tl_fx_t aq = q1 < 0 ? -q1 : q1;
		if (aq > p->trip_max)
			p->trip_max = aq;
	}
	if (c.closed)
		p->status = TL_POS_CLOSED;
	p->unrealized = tl_pos_unrealized(p, p->mark);
	c.realized = realized;
	*chg = c;
	return true;
overflow:
	c.overflow = true;
	*chg = c;
	return false;
}

void tl_pos_trip_begin(tl_position_t *p, tl_time_t now)
{
	p->opened = now;
	p->trip_max = p->qty < 0 ? -p->qty : p->qty;
	p->trip_realized0 = p->realized;
	p->trip_commission0 = p->commission;
	p->trip_exit_qty = 0;
	p->trip_exit_quote = 0;
}

tl_fx_t tl_pos_unrealized(const tl_position_t *p, tl_fx_t mark)
{
	tl_fx_t u = 0;
	if (p->qty == 0 || mark <= 0)
		return 0;
	if (!pos_round(tl_fx_mul_wide(p->qty, mark - p->entry), &u))
		return 0;
	return u;
}

void tl_pos_mark(tl_position_t *p, tl_fx_t mark)
{
	p->mark = mark;
	p->unrealized = tl_pos_unrealized(p, mark);
}

tl_fx_t tl_pos_margin(const tl_position_t *p, tl_fx_t mark)
{
	tl_fx_t m = 0;
	tl_fx_t aq = p->qty < 0 ? -p->qty : p->qty;
	if (aq == 0 || mark <= 0 || p->leverage == 0)
		return 0;
	if (!tl_fx_div_wide(tl_fx_mul_wide(aq, mark),
			    (int64_t)TL_FX_SCALE * p->leverage, TL_FX_NEAREST, &m))
		return 0;
	return m;
}

tl_fx_t tl_pos_roe(const tl_position_t *p, tl_fx_t mark)
{
	tl_fx_t aq = p->qty < 0 ? -p->qty : p->qty;
	if (aq == 0 || mark <= 0 || p->leverage == 0)
		return 0;
	/* ROE = u * lev / (|q| * mark), computed from the exact u at 1e-16
	 * so the only rounding is the final one:
	 *   roe(1e-8) = q*(mark-e) [1e-16] * lev * 1e8 / (|q|*mark [1e-16]). */
	__int128 num, scaled;
	if (__builtin_mul_overflow(tl_fx_mul_wide(p->qty, mark - p->entry),
				   (__int128)p->leverage, &num) ||
	    __builtin_mul_overflow(num, (__int128)TL_FX_SCALE, &scaled))
		return 0;	/* beyond any real position: report nothing */
	__int128 den = tl_fx_mul_wide(aq, mark);
	__int128 q = scaled / den, r = scaled % den;
	if (r < 0)
		r = -r;
	if (r >= den - r)	/* 2r >= den without overflowing 2r */
		q += (scaled < 0) ? -1 : 1;
	if (q > INT64_MAX || q < INT64_MIN)
		return 0;
	return (tl_fx_t)q;
}
