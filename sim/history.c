/*
 * history.c - one-minute candles per symbol in a dense ring (see
 * history.h). Slot of minute m: m % TL_SIM_HIST_MINUTES; a record never
 * goes back in time (a clock that went back is clamped to the latest
 * record), so the ring is always dense from its oldest minute to the
 * latest record.
 */
#include "sim/history.h"

#include <stdlib.h>
#include <string.h>

#define N TL_SIM_HIST_MINUTES

static int64_t minute(int64_t t) { return t / TL_SIM_MINUTE_MS; }

static tl_sim_candle_t *slot(const tl_sim_hist_t *h, int s, int64_t m)
{
	return &h->ring[(size_t)s * N + (size_t)(m % N)];
}

int tl_sim_hist_init(tl_sim_hist_t *h, int nsym)
{
	h->nsym = nsym;
	h->ring = calloc((size_t)(nsym > 0 ? nsym : 1) * N, sizeof *h->ring);
	h->sym = calloc((size_t)(nsym > 0 ? nsym : 1), sizeof *h->sym);
	if (!h->ring || !h->sym) {
		tl_sim_hist_free(h);
		return -1;
	}
	return 0;
}

void tl_sim_hist_free(tl_sim_hist_t *h)
{
	free(h->ring);
	free(h->sym);
	h->ring = NULL;
	h->sym = NULL;
}

static void flat(tl_sim_candle_t *c, int64_t m, tl_fx_t px)
{
	memset(c, 0, sizeof *c);
	c->open_time = m * TL_SIM_MINUTE_MS;
	c->o = c->h = c->l = c->c = px;
}

void tl_sim_hist_reset(tl_sim_hist_t *h, int s, tl_fx_t price, int64_t now)
{
	tl_sim_hist_sym_t *st = &h->sym[s];

	memset(&h->ring[(size_t)s * N], 0, N * sizeof *h->ring);
	st->start = st->last = now;
	st->close = price;
	flat(slot(h, s, minute(now)), minute(now), price);
}

/* The candle of minute m >= the latest record's, gap minutes filled. */
static tl_sim_candle_t *advance(tl_sim_hist_t *h, int s, int64_t t)
{
	tl_sim_hist_sym_t *st = &h->sym[s];
	int64_t m = minute(t), k = minute(st->last) + 1;

	if (m - k >= N)
		k = m - N + 1;
	for (; k <= m; k++)
		flat(slot(h, s, k), k, st->close);
	st->last = t;
	return slot(h, s, m);
}

void tl_sim_hist_price(tl_sim_hist_t *h, int s, tl_fx_t price, int64_t t)
{
	tl_sim_candle_t *c;

	if (t < h->sym[s].last)
		t = h->sym[s].last;
	c = advance(h, s, t);
	if (price > c->h)
		c->h = price;
	if (price < c->l)
		c->l = price;
	c->c = price;
	h->sym[s].close = price;
}

void tl_sim_hist_trade(tl_sim_hist_t *h, int s, tl_fx_t price, tl_fx_t qty,
		       bool buy, int64_t id, int64_t t)
{
	tl_sim_candle_t *c;
	tl_fx_t q = 0;

	if (t < h->sym[s].last)
		t = h->sym[s].last;
	c = advance(h, s, t);
	(void)tl_fx_mul(price, qty, TL_FX_NEAREST, &q);
	c->vol += qty;
	c->qvol += q;
	if (buy) {
		c->tb_vol += qty;
		c->tb_qvol += q;
	}
	if (!c->first_id)
		c->first_id = id;
	c->last_id = id;
	c->last_qty = qty;
	c->count++;
}

int64_t tl_sim_hist_first(const tl_sim_hist_t *h, int s, int64_t now)
{
	int64_t oldest = (minute(now) - N + 1) * TL_SIM_MINUTE_MS;

	return h->sym[s].start > oldest ? h->sym[s].start : oldest;
}

static void candle_at(const tl_sim_hist_t *h, int s, int64_t m,
		      tl_sim_candle_t *out)
{
	const tl_sim_candle_t *c = slot(h, s, m);

	if (m > minute(h->sym[s].last) || c->open_time != m * TL_SIM_MINUTE_MS)
		flat(out, m, h->sym[s].close);
	else
		*out = *c;
}

bool tl_sim_hist_fold(const tl_sim_hist_t *h, int s, int64_t from,
		      int64_t to, int64_t now, tl_sim_candle_t *out)
{
	int64_t lo = tl_sim_hist_first(h, s, now), hi = to < now ? to : now, m;
	tl_sim_candle_t c;

	if (from > lo)
		lo = from;
	if (lo > hi)
		return false;
	candle_at(h, s, minute(lo), out);
	for (m = minute(lo) + 1; m <= minute(hi); m++) {
		candle_at(h, s, m, &c);
		if (c.h > out->h)
			out->h = c.h;
		if (c.l < out->l)
			out->l = c.l;
		out->c = c.c;
		out->vol += c.vol;
		out->qvol += c.qvol;
		out->tb_vol += c.tb_vol;
		out->tb_qvol += c.tb_qvol;
		out->count += c.count;
		if (!out->first_id)
			out->first_id = c.first_id;
		if (c.last_id) {
			out->last_id = c.last_id;
			out->last_qty = c.last_qty;
		}
	}
	return true;
}

tl_fx_t tl_sim_hist_price_at(const tl_sim_hist_t *h, int s, int64_t t,
			     int64_t now)
{
	int64_t lo = tl_sim_hist_first(h, s, now);
	tl_sim_candle_t c;

	if (t < lo)
		t = lo;
	if (t > now)
		t = now;
	candle_at(h, s, minute(t), &c);
	return c.c;
}
