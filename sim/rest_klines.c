/*
 * rest_klines.c - GET /fapi/v1/klines, /fapi/v1/continuousKlines,
 * /fapi/v1/markPriceKlines and /fapi/v1/indexPriceKlines, all from the
 * venue's own price history
 * (history.c): every Binance interval, candles aligned as Binance aligns
 * them (minutes to days on the epoch, weeks on Monday 00:00 UTC, months
 * on the calendar), only where history exists (since the venue started,
 * within the last TL_SIM_HIST_MINUTES minutes). The current candle is
 * the open one, up to now.
 *
 * Parameters as Binance: symbol and interval mandatory; limit 1..1500
 * (500); with startTime the candles opening at or after it, else the
 * last `limit` ones ending at endTime (or now). Weight by limit (< 100:
 * 1, < 500: 2, <= 1000: 5, more: 10): the route charges 1, the handler
 * the rest.
 *
 * The price path is the mark and the index is the mark (premiumIndex),
 * so all four serve the same candles: continuousKlines takes `pair` and
 * contractType PERPETUAL (the only contract listed); markPriceKlines and
 * indexPriceKlines (`pair`) carry no volume, as Binance's, and count the
 * one-minute candles folded where Binance counts its basic data points.
 */
#include <string.h>

#include "sim/render.h"
#include "sim/rest_handlers.h"

#define MIN_MS 60000LL
#define DAY_MS (1440 * MIN_MS)
#define MONDAY_MS (4 * DAY_MS)  /* 1970-01-05, the first Monday */

static const struct {
	const char *name;
	int64_t ms;                 /* 0: calendar month */
} intervals[] = {
	{ "1m", MIN_MS }, { "3m", 3 * MIN_MS }, { "5m", 5 * MIN_MS },
	{ "15m", 15 * MIN_MS }, { "30m", 30 * MIN_MS }, { "1h", 60 * MIN_MS },
	{ "2h", 120 * MIN_MS }, { "4h", 240 * MIN_MS }, { "6h", 360 * MIN_MS },
	{ "8h", 480 * MIN_MS }, { "12h", 720 * MIN_MS }, { "1d", DAY_MS },
	{ "3d", 3 * DAY_MS }, { "1w", 7 * DAY_MS }, { "1M", 0 },
};

/* Days since the epoch <-> civil date (H. Hinnant's algorithms). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, int *m)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

/* Open time of the candle holding t. */
static int64_t align(int64_t iv, int64_t t)
{
	int64_t y;
	int m;

	if (iv == 7 * DAY_MS)
		return (t - MONDAY_MS) / iv * iv + MONDAY_MS;
	if (iv)
		return t / iv * iv;
	civil_from_days(t / DAY_MS, &y, &m);
	return days_from_civil(y, m, 1) * DAY_MS;
}

static int64_t next_open(int64_t iv, int64_t ot)
{
	int64_t y;
	int m;

	if (iv)
		return ot + iv;
	civil_from_days(ot / DAY_MS, &y, &m);
	return days_from_civil(m == 12 ? y + 1 : y, m == 12 ? 1 : m + 1, 1) * DAY_MS;
}

enum kind { K_TRADE, K_CONT, K_MARK, K_INDEX };

static void row_price(tl_sim_call_t *c, const tl_sim_symbol_cfg_t *sc,
		      const tl_sim_candle_t *k, int64_t ot, int64_t close_time,
		      int64_t minutes)
{
	tl_sim_jw_t *w = &c->w;
	int pp = sc->price_prec;

	tl_sim_jw_arr(w);
	tl_sim_jw_int(w, ot);
	tl_sim_jw_fx(w, k->o, tl_sim_render_dec(k->o, pp));
	tl_sim_jw_fx(w, k->h, tl_sim_render_dec(k->h, pp));
	tl_sim_jw_fx(w, k->l, tl_sim_render_dec(k->l, pp));
	tl_sim_jw_fx(w, k->c, tl_sim_render_dec(k->c, pp));
	tl_sim_jw_str(w, "0");
	tl_sim_jw_int(w, close_time);
	tl_sim_jw_str(w, "0");
	tl_sim_jw_int(w, minutes);
	tl_sim_jw_str(w, "0");
	tl_sim_jw_str(w, "0");
	tl_sim_jw_str(w, "0");
	tl_sim_jw_arr_end(w);
}

static void row(tl_sim_call_t *c, const tl_sim_symbol_cfg_t *sc,
		const tl_sim_candle_t *k, int64_t ot, int64_t close_time)
{
	tl_sim_jw_t *w = &c->w;
	int pp = sc->price_prec, qp = sc->qty_prec;

	tl_sim_jw_arr(w);
	tl_sim_jw_int(w, ot);
	tl_sim_jw_fx(w, k->o, tl_sim_render_dec(k->o, pp));
	tl_sim_jw_fx(w, k->h, tl_sim_render_dec(k->h, pp));
	tl_sim_jw_fx(w, k->l, tl_sim_render_dec(k->l, pp));
	tl_sim_jw_fx(w, k->c, tl_sim_render_dec(k->c, pp));
	tl_sim_jw_fx(w, k->vol, tl_sim_render_dec(k->vol, qp));
	tl_sim_jw_int(w, close_time);
	tl_sim_jw_fx(w, k->qvol, tl_sim_render_dec(k->qvol, sc->quote_prec));
	tl_sim_jw_int(w, k->count);
	tl_sim_jw_fx(w, k->tb_vol, tl_sim_render_dec(k->tb_vol, qp));
	tl_sim_jw_fx(w, k->tb_qvol, tl_sim_render_dec(k->tb_qvol, sc->quote_prec));
	tl_sim_jw_str(w, "0");
	tl_sim_jw_arr_end(w);
}

/* The `pair` parameter (pair == symbol for the perpetuals listed). */
static int pair(tl_sim_call_t *c, int *s)
{
	const char *p = tl_sim_params_val(c->p, "pair");

	if (!p)
		return tl_sim_err_missing(&c->e, "pair");
	if ((*s = tl_sim_venue_symbol(c->v, p)) < 0)
		return tl_sim_errf(&c->e, -1121, "Invalid pair.");
	return 0;
}

static int klines(tl_sim_call_t *c, int kind)
{
	const tl_sim_hist_t *h = &c->v->hist;
	const char *ivs = tl_sim_params_val(c->p, "interval");
	int64_t iv = -1, limit, start, end, first, ot, hi;
	int s, rc, n, retry = 0, w;
	size_t i;

	if (kind == K_TRADE || kind == K_MARK)
		rc = tl_sim_rest_symbol(c, true, &s);
	else
		rc = pair(c, &s);
	if (rc)
		return rc;
	if (kind == K_CONT) {
		const char *ct = tl_sim_params_val(c->p, "contractType");
		if (!ct)
			return tl_sim_err_missing(&c->e, "contractType");
		if (strcmp(ct, "PERPETUAL") != 0)
			return tl_sim_errf(&c->e, -1130, "Data sent for parameter 'contractType' is not valid.");
	}
	if (!ivs)
		return tl_sim_err_missing(&c->e, "interval");
	for (i = 0; i < sizeof intervals / sizeof intervals[0]; i++)
		if (strcmp(intervals[i].name, ivs) == 0)
			iv = intervals[i].ms;
	if (iv < 0)
		return tl_sim_err(&c->e, -1120);
	if ((rc = tl_sim_rest_opt_int(c, "limit", 1, 1500, 500, &limit)) ||
	    (rc = tl_sim_rest_window(c, &start, &end)))
		return rc;
	w = limit < 100 ? 1 : limit < 500 ? 2 : limit <= 1000 ? 5 : 10;
	if (w > 1 && (rc = tl_sim_rl_weight(&c->r->rl, c->r->cfg, c->now,
					    w - 1, &retry, &c->e)))
		return rc;
	first = align(iv, tl_sim_hist_first(h, s, c->now));
	hi = end >= 0 && end < c->now ? end : c->now;
	if (start >= 0) {
		ot = align(iv, start);
		if (ot < start)
			ot = next_open(iv, ot);
	} else {
		/* back from the candle holding hi, limit - 1 candles */
		ot = align(iv, hi);
		for (n = 1; n < limit && ot > first; n++)
			ot = align(iv, ot - 1);
	}
	if (ot < first)
		ot = first;
	tl_sim_jw_arr(&c->w);
	for (n = 0; n < limit && ot <= hi; n++) {
		int64_t nx = next_open(iv, ot);
		tl_sim_candle_t k;
		if (!tl_sim_hist_fold(h, s, ot, nx - 1, c->now, &k)) {
			ot = nx;
			continue;
		}
		if (kind == K_MARK || kind == K_INDEX) {
			int64_t a = ot > tl_sim_hist_first(h, s, c->now)
				? ot : tl_sim_hist_first(h, s, c->now);
			int64_t b = nx - 1 < c->now ? nx - 1 : c->now;
			row_price(c, &c->v->cfg->sym[s], &k, ot, nx - 1,
				  b / MIN_MS - a / MIN_MS + 1);
		} else {
			row(c, &c->v->cfg->sym[s], &k, ot, nx - 1);
		}
		ot = nx;
	}
	tl_sim_jw_arr_end(&c->w);
	return 0;
}

int tl_sim_h_klines(tl_sim_call_t *c) { return klines(c, K_TRADE); }
int tl_sim_h_continuous_klines(tl_sim_call_t *c) { return klines(c, K_CONT); }
int tl_sim_h_mark_klines(tl_sim_call_t *c) { return klines(c, K_MARK); }
int tl_sim_h_index_klines(tl_sim_call_t *c) { return klines(c, K_INDEX); }
