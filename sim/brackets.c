/*
 * brackets.c - the symbol's bracket ladder (see brackets.h).
 *
 * Ladder, from the config (max_leverage L, maint_margin_rate m,
 * max_notional N):
 *   leverages: L, then each of 100 75 50 25 20 10 5 4 3 2 1 below L
 *              (Binance's BTCUSDT steps);
 *   caps:      N / 20 for the first (50,000 with the defaults, as
 *              Binance's BTCUSDT), then x3 per bracket, capped at 1e10;
 *   ratio:     m for the first; then m * L / leverage rounded up to
 *              0.0001, never below the previous, at most 0.5 (with the
 *              defaults 125x 0.4% ... 1x 50%, as Binance's);
 *   cum:       cum[i-1] + floor[i] * (ratio[i] - ratio[i-1]).
 */
#include "sim/brackets.h"

#define CAP_MAX ((tl_fx_t)10000000000LL * TL_FX_ONE)

static const int ladder[] = { 100, 75, 50, 25, 20, 10, 5, 4, 3, 2, 1 };

int tl_sim_brackets(const tl_sim_symbol_cfg_t *s,
		    tl_sim_bracket_t out[TL_SIM_BRACKETS_MAX])
{
	const tl_fx_t step = TL_FX_ONE / 10000, half = TL_FX_ONE / 2;
	tl_fx_t cap = 0;
	size_t k;
	int n = 1;

	(void)tl_fx_quantize(s->max_notional / 20, TL_FX_ONE, TL_FX_CEIL, &cap);
	if (cap < TL_FX_ONE)
		cap = TL_FX_ONE;
	if (cap > CAP_MAX)
		cap = CAP_MAX;
	out[0] = (tl_sim_bracket_t){ .bracket = 1,
				     .initial_leverage = s->max_leverage,
				     .floor = 0, .cap = cap,
				     .mmr = s->maint_rate, .cum = 0 };
	for (k = 0; k < sizeof ladder / sizeof ladder[0] &&
		    n < TL_SIM_BRACKETS_MAX; k++) {
		tl_sim_bracket_t *p = &out[n - 1], *b = &out[n];
		tl_fx_t mmr = 0, d = 0;

		if (ladder[k] >= s->max_leverage || p->cap >= CAP_MAX)
			continue;
		(void)tl_fx_quantize(s->maint_rate * s->max_leverage / ladder[k],
				     step, TL_FX_CEIL, &mmr);
		if (mmr > half)
			mmr = half;
		if (mmr < p->mmr)
			mmr = p->mmr;
		(void)tl_fx_mul(p->cap, mmr - p->mmr, TL_FX_NEAREST, &d);
		*b = (tl_sim_bracket_t){
			.bracket = n + 1, .initial_leverage = ladder[k],
			.floor = p->cap,
			.cap = p->cap > CAP_MAX / 3 ? CAP_MAX : p->cap * 3,
			.mmr = mmr, .cum = p->cum + d };
		n++;
	}
	return n;
}

tl_fx_t tl_sim_brackets_maint(const tl_sim_symbol_cfg_t *s, tl_fx_t n)
{
	tl_sim_bracket_t b[TL_SIM_BRACKETS_MAX];
	int k = tl_sim_brackets(s, b), i = 0;
	tl_fx_t mm = 0;

	while (i < k - 1 && n >= b[i].cap)
		i++;
	(void)tl_fx_mul(n, b[i].mmr, TL_FX_NEAREST, &mm);
	mm -= b[i].cum;
	return mm > 0 ? mm : 0;
}
