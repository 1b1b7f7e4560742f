/*
 * account.c - positions, PnL, commissions and margin (Binance USD-M API docs).
 *
 *   commission = price * qty * rate (maker or taker), rounded to 1e-8
 *   increase:    entry' = (|q0| * e0 + q * p) / (|q0| + q)
 *   reduce:      rp = closed * (p - entry) * dir   (dir +1 long, -1 short)
 *   one-way flip: close the old side, open the rest at the fill price
 *   wallet     += rp - commission
 *   uPnL        = amt * (mark - entry)       (amt signed)
 *   IM          = |amt| * mark / leverage
 *   MM          = |amt| * mark * maintMarginRatio - cum of the notional's
 *                 bracket (brackets.c; the first bracket's ratio is the
 *                 configured maint_margin_rate)
 *
 * Margin type ISOLATED is recorded and reported, but margin is pooled
 * as cross (no per-position isolated wallet, no liquidation); margin
 * added to an isolated position (iso_extra) is held out of the available
 * balance until it is taken back or the position closes.
 */
#include "sim/venue.h"

#include "sim/brackets.h"

static tl_fx_t fx_abs(tl_fx_t x) { return x < 0 ? -x : x; }

static tl_fx_t fx_mul(tl_fx_t a, tl_fx_t b)
{
	tl_fx_t r = 0;

	(void)tl_fx_mul(a, b, TL_FX_NEAREST, &r);
	return r;
}

void tl_sim_account_fill(tl_sim_venue_t *v, tl_sim_trade_t *t)
{
	const tl_sim_symbol_cfg_t *c = &v->cfg->sym[t->sym];
	tl_sim_account_t *a = &v->acct[t->acct];
	tl_sim_position_t *p = &a->sym[t->sym].pos[t->ps];
	tl_fx_t d = t->side == TL_SIM_BUY ? t->qty : -t->qty;
	tl_fx_t rp = 0;

	t->quote = fx_mul(t->price, t->qty);
	t->commission = fx_mul(t->quote, t->maker ? c->maker_rate : c->taker_rate);
	if (p->amt == 0 || (p->amt > 0) == (d > 0)) {
		__int128 num = (__int128)fx_abs(p->amt) * p->entry +
			       (__int128)t->qty * t->price;
		(void)tl_fx_div_wide(num, fx_abs(p->amt) + t->qty,
				     TL_FX_NEAREST, &p->entry);
		p->amt += d;
	} else {
		tl_fx_t closed = fx_abs(d) < fx_abs(p->amt) ? fx_abs(d)
							    : fx_abs(p->amt);
		tl_fx_t diff = p->amt > 0 ? t->price - p->entry
					  : p->entry - t->price;
		rp = fx_mul(closed, diff);
		p->amt += d;
		if (p->amt == 0) {
			p->entry = 0;
			p->iso_extra = 0; /* back to the wallet with the close */
		}
		else if ((p->amt > 0) == (d > 0)) /* flipped */
			p->entry = t->price;
	}
	p->realized += rp;
	p->update_time = t->time;
	t->realized = rp;
	a->wallet += rp - t->commission;
	a->update_time = t->time;
}

tl_fx_t tl_sim_account_upnl(const tl_sim_venue_t *v, int acct, int sym, int ps)
{
	const tl_sim_position_t *p = &v->acct[acct].sym[sym].pos[ps];

	if (p->amt == 0)
		return 0;
	return fx_mul(p->amt, v->mkt[sym].mark - p->entry);
}

tl_fx_t tl_sim_account_pos_im(const tl_sim_venue_t *v, int acct, int sym,
			      int ps)
{
	const tl_sim_acct_sym_t *as = &v->acct[acct].sym[sym];
	tl_fx_t n = fx_abs(fx_mul(as->pos[ps].amt, v->mkt[sym].mark));

	return n / as->leverage;
}

tl_fx_t tl_sim_account_maint(const tl_sim_venue_t *v, int acct, int sym,
			     int ps)
{
	const tl_sim_acct_sym_t *as = &v->acct[acct].sym[sym];
	tl_fx_t n = fx_abs(fx_mul(as->pos[ps].amt, v->mkt[sym].mark));

	return tl_sim_brackets_maint(&v->cfg->sym[sym], n);
}

tl_fx_t tl_sim_account_order_im(const tl_sim_venue_t *v, int acct, int sym)
{
	const tl_sim_acct_sym_t *as = &v->acct[acct].sym[sym];
	tl_fx_t sum = 0;
	int32_t i;

	for (i = v->mkt[sym].open_head; i != TL_SIM_NONE; i = v->orders[i].next) {
		const tl_sim_order_t *o = &v->orders[i];
		if (o->acct != acct || o->reduce_only)
			continue;
		sum += fx_mul(o->price, o->qty - o->executed);
	}
	return sum / as->leverage;
}

tl_fx_t tl_sim_account_bep(const tl_sim_venue_t *v, int acct, int sym, int ps)
{
	const tl_sim_position_t *p = &v->acct[acct].sym[sym].pos[ps];
	tl_fx_t r = v->cfg->sym[sym].taker_rate;

	if (p->amt == 0)
		return 0;
	return fx_mul(p->entry, p->amt > 0 ? TL_FX_ONE + r : TL_FX_ONE - r);
}

void tl_sim_account_totals(const tl_sim_venue_t *v, int acct,
			   tl_sim_totals_t *t)
{
	int s, ps;

	t->wallet = v->acct[acct].wallet;
	t->upnl = t->pos_im = t->order_im = t->maint = t->iso_extra = 0;
	for (s = 0; s < v->cfg->nsym; s++) {
		for (ps = 0; ps < 3; ps++) {
			t->iso_extra += v->acct[acct].sym[s].pos[ps].iso_extra;
			t->upnl += tl_sim_account_upnl(v, acct, s, ps);
			t->pos_im += tl_sim_account_pos_im(v, acct, s, ps);
			t->maint += tl_sim_account_maint(v, acct, s, ps);
		}
		t->order_im += tl_sim_account_order_im(v, acct, s);
	}
	t->margin_balance = t->wallet + t->upnl;
	t->available = t->margin_balance - t->pos_im - t->order_im -
		       t->iso_extra;
	if (t->available < 0)
		t->available = 0;
}
