/*
 * rest_brackets.c - GET /fapi/v1/leverageBracket: the notional and
 * leverage brackets of one symbol (an object) or of every symbol (an
 * array), numbers as JSON numbers as Binance sends them. notionalCoef is
 * left out: Binance shows it only for an account whose brackets differ
 * from the symbol's default, which never happens here.
 */
#include "sim/brackets.h"
#include "sim/rest_handlers.h"

static void knum(tl_sim_jw_t *w, const char *k, tl_fx_t v)
{
	char b[TL_FX_STRLEN];
	int n = tl_fx_format(v, -1, b, sizeof b);

	tl_sim_jw_key(w, k);
	tl_sim_jw_raw(w, b, (size_t)n);
}

static void symbol_brackets(tl_sim_jw_t *w, const tl_sim_symbol_cfg_t *s)
{
	tl_sim_bracket_t b[TL_SIM_BRACKETS_MAX];
	int n = tl_sim_brackets(s, b), i;

	tl_sim_jw_obj(w);
	tl_sim_jw_kstr(w, "symbol", s->name);
	tl_sim_jw_key(w, "brackets");
	tl_sim_jw_arr(w);
	for (i = 0; i < n; i++) {
		tl_sim_jw_obj(w);
		tl_sim_jw_kint(w, "bracket", b[i].bracket);
		tl_sim_jw_kint(w, "initialLeverage", b[i].initial_leverage);
		knum(w, "notionalCap", b[i].cap);
		knum(w, "notionalFloor", b[i].floor);
		knum(w, "maintMarginRatio", b[i].mmr);
		knum(w, "cum", b[i].cum);
		tl_sim_jw_obj_end(w);
	}
	tl_sim_jw_arr_end(w);
	tl_sim_jw_obj_end(w);
}

int tl_sim_h_leverage_bracket(tl_sim_call_t *c)
{
	int s, rc;

	if ((rc = tl_sim_rest_symbol(c, false, &s)))
		return rc;
	if (s >= 0) {
		symbol_brackets(&c->w, &c->v->cfg->sym[s]);
		return 0;
	}
	tl_sim_jw_arr(&c->w);
	for (s = 0; s < c->v->cfg->nsym; s++)
		symbol_brackets(&c->w, &c->v->cfg->sym[s]);
	tl_sim_jw_arr_end(&c->w);
	return 0;
}
