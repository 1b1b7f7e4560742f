/*
 * rest_margin.c - margin settings: GET/POST /fapi/v1/multiAssetsMargin
 * and POST /fapi/v1/positionMargin (isolated position margin).
 *
 * Multi-Assets mode is recorded and reported (accountConfig, account v2)
 * with Binance's refusals (-4171 unchanged, -4167 an isolated symbol,
 * -4170 open orders; marginType ISOLATED under it is -4168); the venue
 * holds only USDT, so the mode changes nothing else.
 *
 * positionMargin moves margin between the available balance and an
 * isolated position (tl_sim_position_t.iso_extra): type 1 adds (at most
 * the available balance, -4050), type 2 takes back (at most what was
 * added, -4051: the position's own initial margin stays). Cross
 * positions are -4049, a flat position -4054, amount <= 0 -4055.
 */
#include <string.h>

#include "sim/rest_handlers.h"

static void ok_body(tl_sim_call_t *c)
{
	tl_sim_jw_obj(&c->w);
	tl_sim_jw_kint(&c->w, "code", 200);
	tl_sim_jw_kstr(&c->w, "msg", "success");
	tl_sim_jw_obj_end(&c->w);
}

int tl_sim_h_multi_assets_get(tl_sim_call_t *c)
{
	tl_sim_jw_obj(&c->w);
	tl_sim_jw_kbool(&c->w, "multiAssetsMargin", c->v->acct[c->acct].multi_assets);
	tl_sim_jw_obj_end(&c->w);
	return 0;
}

int tl_sim_h_multi_assets_set(tl_sim_call_t *c)
{
	tl_sim_account_t *a = &c->v->acct[c->acct];
	const char *m = tl_sim_params_val(c->p, "multiAssetsMargin");
	bool on;
	int s;

	if (!m)
		return tl_sim_err_missing(&c->e, "multiAssetsMargin");
	if (strcmp(m, "true") == 0 || strcmp(m, "TRUE") == 0)
		on = true;
	else if (strcmp(m, "false") == 0 || strcmp(m, "FALSE") == 0)
		on = false;
	else
		return tl_sim_errf(&c->e, -1130, "Data sent for parameter 'multiAssetsMargin' is not valid.");
	if (a->multi_assets == on)
		return tl_sim_err(&c->e, -4171);
	if (tl_sim_book_open_count(c->v, c->acct, -1) > 0)
		return tl_sim_err(&c->e, -4170);
	for (s = 0; on && s < c->v->cfg->nsym; s++)
		if (a->sym[s].isolated)
			return tl_sim_err(&c->e, -4167);
	a->multi_assets = on;
	ok_body(c);
	return 0;
}

int tl_sim_h_position_margin(tl_sim_call_t *c)
{
	static const char *const pss[] = { "BOTH", "LONG", "SHORT" };
	tl_sim_account_t *a = &c->v->acct[c->acct];
	const char *ps_s = tl_sim_params_val(c->p, "positionSide");
	const char *amt_s = tl_sim_params_val(c->p, "amount");
	tl_sim_position_t *p;
	tl_sim_totals_t t;
	tl_fx_t amount;
	int64_t type;
	int sym, rc, ps = TL_SIM_PS_BOTH;
	char num[TL_FX_STRLEN];
	int n;

	if ((rc = tl_sim_rest_symbol(c, true, &sym)))
		return rc;
	if (ps_s) {
		for (ps = 0; ps < 3 && strcmp(ps_s, pss[ps]) != 0; ps++)
			;
		if (ps == 3)
			return tl_sim_errf(&c->e, -1130, "Data sent for parameter 'positionSide' is not valid.");
	}
	if (a->dual != (ps != TL_SIM_PS_BOTH))
		return tl_sim_err(&c->e, -4061);
	if (!amt_s)
		return tl_sim_err_missing(&c->e, "amount");
	if (tl_fx_parse_cstr(amt_s, &amount) != TL_FX_OK)
		return tl_sim_err_missing(&c->e, "amount");
	if (!tl_sim_params_val(c->p, "type"))
		return tl_sim_err_missing(&c->e, "type");
	if (!tl_sim_rest_int(c, "type", &type) || (type != 1 && type != 2))
		return tl_sim_errf(&c->e, -1130, "Data sent for parameter 'type' is not valid.");
	if (amount <= 0)
		return tl_sim_err(&c->e, -4055);
	if (!a->sym[sym].isolated)
		return tl_sim_err(&c->e, -4049);
	p = &a->sym[sym].pos[ps];
	if (p->amt == 0)
		return tl_sim_err(&c->e, -4054);
	if (type == 1) {
		tl_sim_account_totals(c->v, c->acct, &t);
		if (amount > t.available)
			return tl_sim_err(&c->e, -4050);
		p->iso_extra += amount;
	} else {
		if (amount > p->iso_extra)
			return tl_sim_err(&c->e, -4051);
		p->iso_extra -= amount;
	}
	p->update_time = c->now;
	n = tl_fx_format(amount, -1, num, sizeof num);
	tl_sim_jw_obj(&c->w);
	tl_sim_jw_key(&c->w, "amount");
	tl_sim_jw_raw(&c->w, num, (size_t)n);
	tl_sim_jw_kint(&c->w, "code", 200);
	tl_sim_jw_kstr(&c->w, "msg", "Successfully modify position margin.");
	tl_sim_jw_kint(&c->w, "type", type);
	tl_sim_jw_obj_end(&c->w);
	return 0;
}
