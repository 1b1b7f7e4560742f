/*
 * rest_account.c - account endpoints: positionRisk v2/v3, balance v2/v3,
 * account v2/v3, accountConfig, symbolConfig, commissionRate,
 * rateLimit/order, leverage, marginType, positionSide/dual, listenKey.
 *
 * All money is USDT with 8 decimals. liquidationPrice is always "0"
 * (no liquidation engine), marginType ISOLATED is reported but margin
 * is pooled (account.c).
 */
#include <stdio.h>
#include <string.h>

#include "sim/render.h"
#include "sim/rest_handlers.h"


static tl_fx_t notional(const tl_sim_venue_t *v, int acct, int s, int ps)
{
	tl_fx_t n = 0;

	(void)tl_fx_mul(v->acct[acct].sym[s].pos[ps].amt, v->mkt[s].mark,
			TL_FX_NEAREST, &n);
	return n;
}

/* Position sides to report for the account's mode. */
static void ps_range(const tl_sim_account_t *a, int *lo, int *hi)
{
	*lo = a->dual ? TL_SIM_PS_LONG : TL_SIM_PS_BOTH;
	*hi = a->dual ? TL_SIM_PS_SHORT : TL_SIM_PS_BOTH;
}

int tl_sim_h_position_risk_v2(tl_sim_call_t *c)
{
	const tl_sim_venue_t *v = c->v;
	const tl_sim_account_t *a = &v->acct[c->acct];
	tl_sim_jw_t *w = &c->w;
	int s, ps, lo, hi, sym, rc;
	char lev[12];

	if ((rc = tl_sim_rest_symbol(c, false, &sym)))
		return rc;
	ps_range(a, &lo, &hi);
	tl_sim_jw_arr(w);
	for (s = 0; s < v->cfg->nsym; s++) {
		const tl_sim_symbol_cfg_t *sc = &v->cfg->sym[s];
		const tl_sim_acct_sym_t *as = &a->sym[s];
		if (sym >= 0 && s != sym)
			continue;
		for (ps = lo; ps <= hi; ps++) {
			const tl_sim_position_t *p = &as->pos[ps];
			tl_sim_jw_obj(w);
			tl_sim_render_kfx(w, "entryPrice", p->entry, sc->price_prec);
			tl_sim_render_kfx(w, "breakEvenPrice", tl_sim_account_bep(v, c->acct, s, ps), sc->price_prec);
			tl_sim_jw_kstr(w, "marginType", as->isolated ? "isolated" : "cross");
			tl_sim_jw_kstr(w, "isAutoAddMargin", "false");
			tl_sim_jw_kfx(w, "isolatedMargin", as->isolated ? tl_sim_account_pos_im(v, c->acct, s, ps) + p->iso_extra : 0, 8);
			snprintf(lev, sizeof lev, "%d", as->leverage);
			tl_sim_jw_kstr(w, "leverage", lev);
			tl_sim_jw_kstr(w, "liquidationPrice", "0");
			tl_sim_jw_kfx(w, "markPrice", v->mkt[s].mark, 8);
			tl_sim_jw_kfx(w, "maxNotionalValue", sc->max_notional, -1);
			tl_sim_render_kfx(w, "positionAmt", p->amt, sc->qty_prec);
			tl_sim_jw_kfx(w, "notional", notional(v, c->acct, s, ps), 8);
			tl_sim_jw_kfx(w, "isolatedWallet", 0, -1);
			tl_sim_jw_kstr(w, "symbol", sc->name);
			tl_sim_jw_kfx(w, "unRealizedProfit", tl_sim_account_upnl(v, c->acct, s, ps), 8);
			tl_sim_jw_kstr(w, "positionSide", tl_sim_ps_name(ps));
			tl_sim_jw_kint(w, "updateTime", p->update_time);
			tl_sim_jw_obj_end(w);
		}
	}
	tl_sim_jw_arr_end(w);
	return 0;
}

int tl_sim_h_position_risk_v3(tl_sim_call_t *c)
{
	const tl_sim_venue_t *v = c->v;
	const tl_sim_account_t *a = &v->acct[c->acct];
	tl_sim_jw_t *w = &c->w;
	int s, ps, lo, hi, sym, rc;

	if ((rc = tl_sim_rest_symbol(c, false, &sym)))
		return rc;
	ps_range(a, &lo, &hi);
	tl_sim_jw_arr(w);
	for (s = 0; s < v->cfg->nsym; s++) {
		const tl_sim_symbol_cfg_t *sc = &v->cfg->sym[s];
		bool any = tl_sim_book_open_count(v, c->acct, s) > 0;
		if (sym >= 0 && s != sym)
			continue;
		for (ps = lo; ps <= hi; ps++)
			any = any || a->sym[s].pos[ps].amt != 0;
		if (!any)
			continue;
		for (ps = lo; ps <= hi; ps++) {
			const tl_sim_position_t *p = &a->sym[s].pos[ps];
			tl_fx_t im = tl_sim_account_pos_im(v, c->acct, s, ps);
			tl_fx_t oim = tl_sim_account_order_im(v, c->acct, s);
			tl_sim_jw_obj(w);
			tl_sim_jw_kstr(w, "symbol", sc->name);
			tl_sim_jw_kstr(w, "positionSide", tl_sim_ps_name(ps));
			tl_sim_render_kfx(w, "positionAmt", p->amt, sc->qty_prec);
			tl_sim_render_kfx(w, "entryPrice", p->entry, sc->price_prec);
			tl_sim_render_kfx(w, "breakEvenPrice", tl_sim_account_bep(v, c->acct, s, ps), sc->price_prec);
			tl_sim_jw_kfx(w, "markPrice", v->mkt[s].mark, 8);
			tl_sim_jw_kfx(w, "unRealizedProfit", tl_sim_account_upnl(v, c->acct, s, ps), 8);
			tl_sim_jw_kstr(w, "liquidationPrice", "0");
			tl_sim_jw_kfx(w, "isolatedMargin", a->sym[s].isolated ? im + p->iso_extra : 0, 8);
			tl_sim_jw_kfx(w, "notional", notional(v, c->acct, s, ps), 8);
			tl_sim_jw_kstr(w, "marginAsset", sc->quote);
			tl_sim_jw_kfx(w, "isolatedWallet", 0, -1);
			tl_sim_jw_kfx(w, "initialMargin", im + oim, 8);
			tl_sim_jw_kfx(w, "maintMargin", tl_sim_account_maint(v, c->acct, s, ps), 8);
			tl_sim_jw_kfx(w, "positionInitialMargin", im, 8);
			tl_sim_jw_kfx(w, "openOrderInitialMargin", oim, 8);
			tl_sim_jw_kint(w, "adl", 0);
			tl_sim_jw_kfx(w, "bidNotional", 0, -1);
			tl_sim_jw_kfx(w, "askNotional", 0, -1);
			tl_sim_jw_kint(w, "updateTime", p->update_time);
			tl_sim_jw_obj_end(w);
		}
	}
	tl_sim_jw_arr_end(w);
	return 0;
}

int tl_sim_h_balance(tl_sim_call_t *c)
{
	const tl_sim_account_t *a = &c->v->acct[c->acct];
	tl_sim_jw_t *w = &c->w;
	tl_sim_totals_t t;

	tl_sim_account_totals(c->v, c->acct, &t);
	tl_sim_jw_arr(w);
	tl_sim_jw_obj(w);
	tl_sim_jw_kstr(w, "accountAlias", "SgsR");
	tl_sim_jw_kstr(w, "asset", "USDT");
	tl_sim_jw_kfx(w, "balance", t.wallet, 8);
	tl_sim_jw_kfx(w, "crossWalletBalance", t.wallet, 8);
	tl_sim_jw_kfx(w, "crossUnPnl", t.upnl, 8);
	tl_sim_jw_kfx(w, "availableBalance", t.available, 8);
	tl_sim_jw_kfx(w, "maxWithdrawAmount", t.available, 8);
	tl_sim_jw_kbool(w, "marginAvailable", true);
	tl_sim_jw_kint(w, "updateTime", a->update_time);
	tl_sim_jw_obj_end(w);
	tl_sim_jw_arr_end(w);
	return 0;
}

static void account_totals(tl_sim_jw_t *w, const tl_sim_totals_t *t)
{
	tl_sim_jw_kfx(w, "totalInitialMargin", t->pos_im + t->order_im, 8);
	tl_sim_jw_kfx(w, "totalMaintMargin", t->maint, 8);
	tl_sim_jw_kfx(w, "totalWalletBalance", t->wallet, 8);
	tl_sim_jw_kfx(w, "totalUnrealizedProfit", t->upnl, 8);
	tl_sim_jw_kfx(w, "totalMarginBalance", t->margin_balance, 8);
	tl_sim_jw_kfx(w, "totalPositionInitialMargin", t->pos_im, 8);
	tl_sim_jw_kfx(w, "totalOpenOrderInitialMargin", t->order_im, 8);
	tl_sim_jw_kfx(w, "totalCrossWalletBalance", t->wallet, 8);
	tl_sim_jw_kfx(w, "totalCrossUnPnl", t->upnl, 8);
	tl_sim_jw_kfx(w, "availableBalance", t->available, 8);
	tl_sim_jw_kfx(w, "maxWithdrawAmount", t->available, 8);
}

static void account_asset(tl_sim_jw_t *w, const tl_sim_totals_t *t,
			  int64_t upd, bool v2)
{
	tl_sim_jw_obj(w);
	tl_sim_jw_kstr(w, "asset", "USDT");
	tl_sim_jw_kfx(w, "walletBalance", t->wallet, 8);
	tl_sim_jw_kfx(w, "unrealizedProfit", t->upnl, 8);
	tl_sim_jw_kfx(w, "marginBalance", t->margin_balance, 8);
	tl_sim_jw_kfx(w, "maintMargin", t->maint, 8);
	tl_sim_jw_kfx(w, "initialMargin", t->pos_im + t->order_im, 8);
	tl_sim_jw_kfx(w, "positionInitialMargin", t->pos_im, 8);
	tl_sim_jw_kfx(w, "openOrderInitialMargin", t->order_im, 8);
	tl_sim_jw_kfx(w, "crossWalletBalance", t->wallet, 8);
	tl_sim_jw_kfx(w, "crossUnPnl", t->upnl, 8);
	tl_sim_jw_kfx(w, "availableBalance", t->available, 8);
	tl_sim_jw_kfx(w, "maxWithdrawAmount", t->available, 8);
	if (v2)
		tl_sim_jw_kbool(w, "marginAvailable", true);
	tl_sim_jw_kint(w, "updateTime", upd);
	tl_sim_jw_obj_end(w);
}

static int account(tl_sim_call_t *c, bool v2)
{
	const tl_sim_venue_t *v = c->v;
	const tl_sim_account_t *a = &v->acct[c->acct];
	tl_sim_jw_t *w = &c->w;
	tl_sim_totals_t t;
	int s, ps, lo, hi;

	tl_sim_account_totals(v, c->acct, &t);
	ps_range(a, &lo, &hi);
	tl_sim_jw_obj(w);
	if (v2) {
		tl_sim_jw_kint(w, "feeTier", 0);
		tl_sim_jw_kbool(w, "feeBurn", false);
		tl_sim_jw_kbool(w, "canTrade", true);
		tl_sim_jw_kbool(w, "canDeposit", true);
		tl_sim_jw_kbool(w, "canWithdraw", true);
		tl_sim_jw_kint(w, "updateTime", 0);
		tl_sim_jw_kbool(w, "multiAssetsMargin", a->multi_assets);
		tl_sim_jw_kint(w, "tradeGroupId", -1);
	}
	account_totals(w, &t);
	tl_sim_jw_key(w, "assets");
	tl_sim_jw_arr(w);
	account_asset(w, &t, a->update_time, v2);
	tl_sim_jw_arr_end(w);
	tl_sim_jw_key(w, "positions");
	tl_sim_jw_arr(w);
	for (s = 0; s < v->cfg->nsym; s++) {
		const tl_sim_symbol_cfg_t *sc = &v->cfg->sym[s];
		for (ps = lo; ps <= hi; ps++) {
			const tl_sim_position_t *p = &a->sym[s].pos[ps];
			tl_fx_t im = tl_sim_account_pos_im(v, c->acct, s, ps);
			if (!v2 && p->amt == 0)
				continue; /* v3 lists only held positions */
			tl_sim_jw_obj(w);
			tl_sim_jw_kstr(w, "symbol", sc->name);
			tl_sim_jw_kstr(w, "positionSide", tl_sim_ps_name(ps));
			tl_sim_render_kfx(w, "positionAmt", p->amt, sc->qty_prec);
			tl_sim_jw_kfx(w, "unrealizedProfit", tl_sim_account_upnl(v, c->acct, s, ps), 8);
			tl_sim_jw_kfx(w, "isolatedMargin", a->sym[s].isolated ? im + p->iso_extra : 0, 8);
			tl_sim_jw_kfx(w, "notional", notional(v, c->acct, s, ps), 8);
			tl_sim_jw_kfx(w, "isolatedWallet", 0, -1);
			tl_sim_jw_kfx(w, "initialMargin", im, 8);
			tl_sim_jw_kfx(w, "maintMargin", tl_sim_account_maint(v, c->acct, s, ps), 8);
			if (v2) {
				char lev[12];
				snprintf(lev, sizeof lev, "%d", a->sym[s].leverage);
				tl_sim_jw_kstr(w, "leverage", lev);
				tl_sim_jw_kbool(w, "isolated", a->sym[s].isolated);
				tl_sim_render_kfx(w, "entryPrice", p->entry, sc->price_prec);
				tl_sim_jw_kfx(w, "maxNotional", sc->max_notional, -1);
				tl_sim_jw_kfx(w, "bidNotional", 0, -1);
				tl_sim_jw_kfx(w, "askNotional", 0, -1);
				tl_sim_jw_kfx(w, "positionInitialMargin", im, 8);
				tl_sim_jw_kfx(w, "openOrderInitialMargin", 0, 8);
			}
			tl_sim_jw_kint(w, "updateTime", p->update_time);
			tl_sim_jw_obj_end(w);
		}
	}
	tl_sim_jw_arr_end(w);
	tl_sim_jw_obj_end(w);
	return 0;
}

int tl_sim_h_account_v2(tl_sim_call_t *c) { return account(c, true); }
int tl_sim_h_account_v3(tl_sim_call_t *c) { return account(c, false); }

int tl_sim_h_account_config(tl_sim_call_t *c)
{
	tl_sim_jw_t *w = &c->w;

	tl_sim_jw_obj(w);
	tl_sim_jw_kint(w, "feeTier", 0);
	tl_sim_jw_kbool(w, "canTrade", true);
	tl_sim_jw_kbool(w, "canDeposit", true);
	tl_sim_jw_kbool(w, "canWithdraw", true);
	tl_sim_jw_kbool(w, "dualSidePosition", c->v->acct[c->acct].dual);
	tl_sim_jw_kint(w, "updateTime", 0);
	tl_sim_jw_kbool(w, "multiAssetsMargin", c->v->acct[c->acct].multi_assets);
	tl_sim_jw_kint(w, "tradeGroupId", -1);
	tl_sim_jw_obj_end(w);
	return 0;
}

int tl_sim_h_symbol_config(tl_sim_call_t *c)
{
	const tl_sim_account_t *a = &c->v->acct[c->acct];
	tl_sim_jw_t *w = &c->w;
	int s, sym, rc;

	if ((rc = tl_sim_rest_symbol(c, false, &sym)))
		return rc;
	tl_sim_jw_arr(w);
	for (s = 0; s < c->v->cfg->nsym; s++) {
		if (sym >= 0 && s != sym)
			continue;
		tl_sim_jw_obj(w);
		tl_sim_jw_kstr(w, "symbol", c->v->cfg->sym[s].name);
		tl_sim_jw_kstr(w, "marginType", a->sym[s].isolated ? "ISOLATED" : "CROSSED");
		tl_sim_jw_kbool(w, "isAutoAddMargin", false);
		tl_sim_jw_kint(w, "leverage", a->sym[s].leverage);
		tl_sim_jw_kfx(w, "maxNotionalValue", c->v->cfg->sym[s].max_notional, -1);
		tl_sim_jw_obj_end(w);
	}
	tl_sim_jw_arr_end(w);
	return 0;
}

int tl_sim_h_commission(tl_sim_call_t *c)
{
	const tl_sim_symbol_cfg_t *sc;
	int sym, rc;

	if ((rc = tl_sim_rest_symbol(c, true, &sym)))
		return rc;
	sc = &c->v->cfg->sym[sym];
	tl_sim_jw_obj(&c->w);
	tl_sim_jw_kstr(&c->w, "symbol", sc->name);
	tl_sim_jw_kfx(&c->w, "makerCommissionRate", sc->maker_rate, -1);
	tl_sim_jw_kfx(&c->w, "takerCommissionRate", sc->taker_rate, -1);
	tl_sim_jw_kfx(&c->w, "rpiCommissionRate", 0, -1);
	tl_sim_jw_obj_end(&c->w);
	return 0;
}

int tl_sim_h_rate_limit_order(tl_sim_call_t *c)
{
	tl_sim_jw_t *w = &c->w;

	tl_sim_jw_arr(w);
	tl_sim_jw_obj(w);
	tl_sim_jw_kstr(w, "rateLimitType", "ORDERS");
	tl_sim_jw_kstr(w, "interval", "SECOND");
	tl_sim_jw_kint(w, "intervalNum", 10);
	tl_sim_jw_kint(w, "limit", c->v->cfg->orders_10s);
	tl_sim_jw_obj_end(w);
	tl_sim_jw_obj(w);
	tl_sim_jw_kstr(w, "rateLimitType", "ORDERS");
	tl_sim_jw_kstr(w, "interval", "MINUTE");
	tl_sim_jw_kint(w, "intervalNum", 1);
	tl_sim_jw_kint(w, "limit", c->v->cfg->orders_1m);
	tl_sim_jw_obj_end(w);
	tl_sim_jw_arr_end(w);
	return 0;
}

int tl_sim_h_leverage(tl_sim_call_t *c)
{
	int64_t lev;
	int sym, rc;
	tl_sim_event_t ev;

	if ((rc = tl_sim_rest_symbol(c, true, &sym)))
		return rc;
	if (!tl_sim_params_val(c->p, "leverage"))
		return tl_sim_err_missing(&c->e, "leverage");
	if (!tl_sim_rest_int(c, "leverage", &lev) || lev < 1 ||
	    lev > c->v->cfg->sym[sym].max_leverage)
		return tl_sim_errf(&c->e, -4028, "Leverage %s is not valid",
				   tl_sim_params_val(c->p, "leverage"));
	c->v->acct[c->acct].sym[sym].leverage = (int)lev;
	ev = (tl_sim_event_t){ .type = TL_SIM_EV_CONFIG, .acct = c->acct,
			       .sym = sym, .time = c->now };
	tl_sim_venue_emit(c->v, &ev);
	tl_sim_jw_obj(&c->w);
	tl_sim_jw_kint(&c->w, "leverage", lev);
	tl_sim_jw_kfx(&c->w, "maxNotionalValue", c->v->cfg->sym[sym].max_notional, -1);
	tl_sim_jw_kstr(&c->w, "symbol", c->v->cfg->sym[sym].name);
	tl_sim_jw_obj_end(&c->w);
	return 0;
}

static void ok_body(tl_sim_call_t *c)
{
	tl_sim_jw_obj(&c->w);
	tl_sim_jw_kint(&c->w, "code", 200);
	tl_sim_jw_kstr(&c->w, "msg", "success");
	tl_sim_jw_obj_end(&c->w);
}

int tl_sim_h_margin_type(tl_sim_call_t *c)
{
	tl_sim_acct_sym_t *as;
	const char *mt = tl_sim_params_val(c->p, "marginType");
	bool iso;
	int sym, rc, ps;

	if ((rc = tl_sim_rest_symbol(c, true, &sym)))
		return rc;
	if (!mt)
		return tl_sim_err_missing(&c->e, "marginType");
	if (strcmp(mt, "ISOLATED") == 0 || strcmp(mt, "isolated") == 0)
		iso = true;
	else if (strcmp(mt, "CROSSED") == 0 || strcmp(mt, "crossed") == 0 ||
		 strcmp(mt, "CROSS") == 0)
		iso = false;
	else
		return tl_sim_errf(&c->e, -1130, "Data sent for parameter 'marginType' is not valid.");
	as = &c->v->acct[c->acct].sym[sym];
	if (as->isolated == iso)
		return tl_sim_err(&c->e, -4046);
	if (iso && c->v->acct[c->acct].multi_assets)
		return tl_sim_err(&c->e, -4168);
	if (tl_sim_book_open_count(c->v, c->acct, sym) > 0)
		return tl_sim_err(&c->e, -4047);
	for (ps = 0; ps < 3; ps++)
		if (as->pos[ps].amt != 0)
			return tl_sim_err(&c->e, -4048);
	as->isolated = iso;
	ok_body(c);
	return 0;
}

int tl_sim_h_dual_set(tl_sim_call_t *c)
{
	tl_sim_account_t *a = &c->v->acct[c->acct];
	const char *d = tl_sim_params_val(c->p, "dualSidePosition");
	bool dual;
	int s, ps;

	if (!d)
		return tl_sim_err_missing(&c->e, "dualSidePosition");
	if (strcmp(d, "true") == 0)
		dual = true;
	else if (strcmp(d, "false") == 0)
		dual = false;
	else
		return tl_sim_errf(&c->e, -1130, "Data sent for parameter 'dualSidePosition' is not valid.");
	if (a->dual == dual)
		return tl_sim_err(&c->e, -4059);
	if (tl_sim_book_open_count(c->v, c->acct, -1) > 0)
		return tl_sim_err(&c->e, -4067);
	for (s = 0; s < c->v->cfg->nsym; s++)
		for (ps = 0; ps < 3; ps++)
			if (a->sym[s].pos[ps].amt != 0)
				return tl_sim_err(&c->e, -4068);
	a->dual = dual;
	ok_body(c);
	return 0;
}

int tl_sim_h_dual_get(tl_sim_call_t *c)
{
	tl_sim_jw_obj(&c->w);
	tl_sim_jw_kbool(&c->w, "dualSidePosition", c->v->acct[c->acct].dual);
	tl_sim_jw_obj_end(&c->w);
	return 0;
}

static void listen_key_body(tl_sim_call_t *c)
{
	tl_sim_jw_obj(&c->w);
	tl_sim_jw_kstr(&c->w, "listenKey", c->v->acct[c->acct].listen_key);
	tl_sim_jw_obj_end(&c->w);
}

int tl_sim_h_listen_key_new(tl_sim_call_t *c)
{
	static const char al[] =
		"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
	tl_sim_account_t *a = &c->v->acct[c->acct];
	int i;

	if (!a->listen_key[0] || c->now >= a->listen_key_expiry) {
		for (i = 0; i < 64; i++)
			a->listen_key[i] = al[tl_sim_venue_rand(c->v) % 62];
		a->listen_key[64] = '\0';
	}
	a->listen_key_expiry = c->now + c->v->cfg->listen_key_ttl_ms;
	listen_key_body(c);
	return 0;
}

int tl_sim_h_listen_key_keep(tl_sim_call_t *c)
{
	tl_sim_account_t *a = &c->v->acct[c->acct];

	if (!a->listen_key[0] || c->now >= a->listen_key_expiry)
		return tl_sim_err(&c->e, -1125);
	a->listen_key_expiry = c->now + c->v->cfg->listen_key_ttl_ms;
	listen_key_body(c);
	return 0;
}

int tl_sim_h_listen_key_close(tl_sim_call_t *c)
{
	c->v->acct[c->acct].listen_key[0] = '\0';
	tl_sim_jw_obj(&c->w);
	tl_sim_jw_obj_end(&c->w);
	return 0;
}

