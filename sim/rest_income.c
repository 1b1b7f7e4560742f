/*
 * rest_income.c - GET /fapi/v1/income: the account's income history,
 * derived from its fills still in the trade table: per fill a
 * REALIZED_PNL entry (when the fill closed something) and a COMMISSION
 * entry. The venue charges no funding and makes no transfers, so the
 * other Binance income types are accepted and list nothing.
 *
 * Parameters as Binance: symbol, incomeType, startTime, endTime (without
 * either, the last 7 days), page (1-based, of `limit`), limit 1..1000
 * (100). tranId is fill id * 10 + 1 (pnl) or + 2 (commission): unique and
 * stable across requests.
 */
#include <stdio.h>
#include <string.h>

#include "sim/rest_handlers.h"

#define WEEK_MS (7LL * 24 * 3600 * 1000)

static const char *const types[] = {
	"TRANSFER", "WELCOME_BONUS", "REALIZED_PNL", "FUNDING_FEE",
	"COMMISSION", "INSURANCE_CLEAR", "REFERRAL_KICKBACK",
	"COMMISSION_REBATE", "API_REBATE", "CONTEST_REWARD",
	"CROSS_COLLATERAL_TRANSFER", "OPTIONS_PREMIUM_FEE",
	"OPTIONS_SETTLE_PROFIT", "INTERNAL_TRANSFER", "AUTO_EXCHANGE",
	"DELIVERED_SETTELMENT", "COIN_SWAP_DEPOSIT", "COIN_SWAP_WITHDRAW",
	"POSITION_LIMIT_INCREASE_FEE", "STRATEGY_UMFUTURES_TRANSFER",
	"FEE_RETURN", "BFUSD_REWARD",
};

typedef struct walk {
	tl_sim_call_t *c;
	int64_t skip, left;        /* entries to pass over, then to write */
} walk_t;

static void entry(walk_t *k, const tl_sim_trade_t *t, const char *type,
		  tl_fx_t income, int64_t tran)
{
	tl_sim_jw_t *w = &k->c->w;
	char id[24];

	if (k->skip > 0) {
		k->skip--;
		return;
	}
	if (k->left <= 0)
		return;
	k->left--;
	tl_sim_jw_obj(w);
	tl_sim_jw_kstr(w, "symbol", k->c->v->cfg->sym[t->sym].name);
	tl_sim_jw_kstr(w, "incomeType", type);
	tl_sim_jw_kfx(w, "income", income, 8);
	tl_sim_jw_kstr(w, "asset", k->c->v->cfg->sym[t->sym].quote);
	tl_sim_jw_kstr(w, "info", "");
	tl_sim_jw_kint(w, "time", t->time);
	tl_sim_jw_kint(w, "tranId", tran);
	snprintf(id, sizeof id, "%lld", (long long)t->id);
	tl_sim_jw_kstr(w, "tradeId", id);	/* a string, as Binance */
	tl_sim_jw_obj_end(w);
}

int tl_sim_h_income(tl_sim_call_t *c)
{
	tl_sim_venue_t *v = c->v;
	const char *type = tl_sim_params_val(c->p, "incomeType");
	bool pnl = true, fee = true;
	int64_t start, end, limit, page, k, lo;
	walk_t wk = { .c = c };
	size_t i;
	int sym, rc;

	if ((rc = tl_sim_rest_symbol(c, false, &sym)) ||
	    (rc = tl_sim_rest_opt_int(c, "limit", 1, 1000, 100, &limit)) ||
	    (rc = tl_sim_rest_opt_int(c, "page", 1, 1000000, 1, &page)) ||
	    (rc = tl_sim_rest_window(c, &start, &end)))
		return rc;
	if (type) {
		for (i = 0; i < sizeof types / sizeof types[0] &&
			    strcmp(types[i], type) != 0; i++)
			;
		if (i == sizeof types / sizeof types[0])
			return tl_sim_errf(&c->e, -1130, "Data sent for parameter 'incomeType' is not valid.");
		pnl = strcmp(type, "REALIZED_PNL") == 0;
		fee = strcmp(type, "COMMISSION") == 0;
	}
	if (start < 0 && end < 0)
		start = c->now - WEEK_MS;
	if (end < 0)
		end = INT64_MAX;
	if (start < 0)
		start = 0;
	wk.skip = (page - 1) * limit;
	wk.left = limit;
	lo = v->next_trade_id - v->trade_cap;
	if (lo < v->first_trade_id)
		lo = v->first_trade_id;
	tl_sim_jw_arr(&c->w);
	for (k = lo; k < v->next_trade_id && wk.left > 0; k++) {
		const tl_sim_trade_t *t =
			&v->trades[(k - v->first_trade_id) % v->trade_cap];
		if (t->id != k || t->acct != c->acct ||
		    (sym >= 0 && t->sym != sym) ||
		    t->time < start || t->time > end)
			continue;
		if (pnl && t->realized != 0)
			entry(&wk, t, "REALIZED_PNL", t->realized, t->id * 10 + 1);
		if (fee && t->commission != 0)
			entry(&wk, t, "COMMISSION", -t->commission, t->id * 10 + 2);
	}
	tl_sim_jw_arr_end(&c->w);
	return 0;
}
