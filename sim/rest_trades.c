/*
 * rest_trades.c - public trade lists: GET /fapi/v1/trades,
 * /fapi/v1/historicalTrades and /fapi/v1/aggTrades.
 *
 * The venue's only trades are the accounts' fills (the synthetic market
 * is every fill's other side), so the public tape is the trade table of
 * every account, ids as userTrades shows them. isBuyerMaker: the buyer
 * made when an account bought as maker or sold as taker. Each fill is
 * its own aggregate trade (a = f = l = the fill id).
 *
 * trades: the latest `limit` (500, max 1000). historicalTrades: from
 * fromId (else the latest), limit 500 max 500 (MARKET_DATA: API key).
 * aggTrades: fromId, or startTime/endTime (within 1 h), else the
 * latest; limit 500 max 1000.
 */
#include "sim/render.h"
#include "sim/rest_handlers.h"

#define HOUR_MS 3600000LL

typedef struct range {
	int64_t from_id;        /* > 0: ascending from this id */
	int64_t start, end;     /* time window, -1 = open */
	int64_t limit;
} range_t;

static const tl_sim_trade_t *trade_at(const tl_sim_venue_t *v, int64_t id)
{
	const tl_sim_trade_t *t = &v->trades[(id - v->first_trade_id) % v->trade_cap];

	return t->id == id ? t : NULL;
}

static bool buyer_maker(const tl_sim_trade_t *t)
{
	return (t->side == TL_SIM_BUY) == t->maker;
}

static void write_trade(tl_sim_call_t *c, const tl_sim_trade_t *t, bool agg)
{
	const tl_sim_symbol_cfg_t *sc = &c->v->cfg->sym[t->sym];
	tl_sim_jw_t *w = &c->w;

	tl_sim_jw_obj(w);
	if (agg) {
		tl_sim_jw_kint(w, "a", t->id);
		tl_sim_render_kfx(w, "p", t->price, sc->price_prec);
		tl_sim_render_kfx(w, "q", t->qty, sc->qty_prec);
		tl_sim_jw_kint(w, "f", t->id);
		tl_sim_jw_kint(w, "l", t->id);
		tl_sim_jw_kint(w, "T", t->time);
		tl_sim_jw_kbool(w, "m", buyer_maker(t));
	} else {
		tl_sim_jw_kint(w, "id", t->id);
		tl_sim_render_kfx(w, "price", t->price, sc->price_prec);
		tl_sim_render_kfx(w, "qty", t->qty, sc->qty_prec);
		tl_sim_render_kfx(w, "quoteQty", t->quote, sc->quote_prec);
		tl_sim_jw_kint(w, "time", t->time);
		tl_sim_jw_kbool(w, "isBuyerMaker", buyer_maker(t));
	}
	tl_sim_jw_obj_end(w);
}

static bool matches(const tl_sim_trade_t *t, int sym, const range_t *r)
{
	return t && t->sym == sym && (r->start < 0 || t->time >= r->start) &&
	       (r->end < 0 || t->time <= r->end);
}

static void list(tl_sim_call_t *c, int sym, const range_t *r, bool agg)
{
	const tl_sim_venue_t *v = c->v;
	int64_t lo = v->next_trade_id - v->trade_cap, k, first, n = 0;

	if (lo < v->first_trade_id)
		lo = v->first_trade_id;
	if (r->from_id > 0 || r->start >= 0) {
		first = r->from_id > lo ? r->from_id : lo;
	} else {
		/* the latest `limit`: walk back to find where they start */
		first = v->next_trade_id;
		for (k = v->next_trade_id - 1; k >= lo && n < r->limit; k--)
			if (matches(trade_at(v, k), sym, r)) {
				first = k;
				n++;
			}
	}
	tl_sim_jw_arr(&c->w);
	for (n = 0, k = first; k < v->next_trade_id && n < r->limit; k++) {
		const tl_sim_trade_t *t = trade_at(v, k);
		if (!matches(t, sym, r))
			continue;
		write_trade(c, t, agg);
		n++;
	}
	tl_sim_jw_arr_end(&c->w);
}

int tl_sim_h_trades(tl_sim_call_t *c)
{
	range_t r = { .from_id = 0, .start = -1, .end = -1 };
	int sym, rc;

	if ((rc = tl_sim_rest_symbol(c, true, &sym)) ||
	    (rc = tl_sim_rest_opt_int(c, "limit", 1, 1000, 500, &r.limit)))
		return rc;
	list(c, sym, &r, false);
	return 0;
}

int tl_sim_h_historical_trades(tl_sim_call_t *c)
{
	range_t r = { .start = -1, .end = -1 };
	int sym, rc;

	if ((rc = tl_sim_rest_symbol(c, true, &sym)) ||
	    (rc = tl_sim_rest_opt_int(c, "limit", 1, 500, 500, &r.limit)) ||
	    (rc = tl_sim_rest_opt_int(c, "fromId", 0, INT64_MAX / 2, 0, &r.from_id)))
		return rc;
	list(c, sym, &r, false);
	return 0;
}

int tl_sim_h_agg_trades(tl_sim_call_t *c)
{
	range_t r;
	int sym, rc;

	if ((rc = tl_sim_rest_symbol(c, true, &sym)) ||
	    (rc = tl_sim_rest_opt_int(c, "limit", 1, 1000, 500, &r.limit)) ||
	    (rc = tl_sim_rest_opt_int(c, "fromId", 0, INT64_MAX / 2, 0, &r.from_id)) ||
	    (rc = tl_sim_rest_window(c, &r.start, &r.end)))
		return rc;
	if (r.start >= 0 && r.end >= 0 && r.end - r.start > HOUR_MS)
		return tl_sim_errf(&c->e, -1127, "More than %lld hours between startTime and endTime.", 1LL);
	list(c, sym, &r, true);
	return 0;
}
