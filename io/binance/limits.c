/*
 * binance_limits.c - fixed-window rate limiters (see binance_limits.h).
 *
 * Invariants (tl_binance_limits_check): every limit > 0; window lengths 60000,
 * 10000, 60000 ms; 0 < warn_pct <= hold_pct <= 100.
 */
#include "io/binance/limits.h"

#include <assert.h>
#include <stddef.h>

#include "io/net/http.h"

#define BLIM_BATCH_MAX 5

static const int64_t blim_window_ms[TL_BINANCE_LIMITS__N] = { 60000, 10000, 60000 };
static const uint32_t blim_default[TL_BINANCE_LIMITS__N] = { 2400, 300, 1200 };

bool tl_binance_limits_check(const tl_binance_limits_t *l)
{
	if (!l || l->warn_pct == 0 || l->warn_pct > l->hold_pct ||
	    l->hold_pct > 100)
		return false;
	for (int i = 0; i < TL_BINANCE_LIMITS__N; i++)
		if (l->w[i].limit == 0 || l->w[i].window_ms != blim_window_ms[i])
			return false;
	return true;
}

void tl_binance_limits_init(tl_binance_limits_t *l, uint32_t weight_1m, uint32_t orders_10s,
		  uint32_t orders_1m)
{
	uint32_t lim[TL_BINANCE_LIMITS__N] = { weight_1m, orders_10s, orders_1m };

	for (int i = 0; i < TL_BINANCE_LIMITS__N; i++) {
		l->w[i].window_ms = blim_window_ms[i];
		l->w[i].idx = -1;
		l->w[i].used = 0;
		l->w[i].limit = lim[i] ? lim[i] : blim_default[i];
		l->w[i].warned_idx = -1;
	}
	l->warn_pct = 80;
	l->hold_pct = 90;
	l->holds = 0;
	l->synced_up = 0;
	assert(tl_binance_limits_check(l));
}

void tl_binance_limits_set_limit(tl_binance_limits_t *l, tl_binance_limits_id_t id, uint32_t limit)
{
	if ((unsigned)id < TL_BINANCE_LIMITS__N && limit)
		l->w[id].limit = limit;
}

/* Move window w to the one holding now_ms (venue time never goes far
 * back; a small step back keeps the later window: conservative). */
static void blim_roll(tl_binance_limits_win_t *w, int64_t now_ms)
{
	int64_t idx = now_ms >= 0 ? now_ms / w->window_ms : 0;

	if (idx > w->idx) {
		w->idx = idx;
		w->used = 0;
	}
}

static int64_t blim_window_end(const tl_binance_limits_win_t *w)
{
	return (w->idx + 1) * w->window_ms;
}

int64_t tl_binance_limits_admit(tl_binance_limits_t *l, int64_t now_ms, const tl_binance_limits_cost_t *c,
		      tl_binance_limits_prio_t p)
{
	int64_t until = 0;

	for (int i = 0; i < TL_BINANCE_LIMITS__N; i++) {
		tl_binance_limits_win_t *w = &l->w[i];
		if (!c->n[i])
			continue;
		blim_roll(w, now_ms);
		/* NORMAL: only while below hold_pct (so a limit of 2 still
		 * takes 2); both: never past the limit itself */
		bool below = p == TL_BINANCE_LIMITS_URGENT ||
			     (uint64_t)w->used * 100 < (uint64_t)w->limit * l->hold_pct;
		if (w->used == 0 || (below && (uint64_t)w->used + c->n[i] <= w->limit))
			continue;
		if (blim_window_end(w) > until)
			until = blim_window_end(w);
	}
	if (until) {
		l->holds++;
		return until;
	}
	tl_binance_limits_charge(l, now_ms, c);
	return 0;
}

void tl_binance_limits_charge(tl_binance_limits_t *l, int64_t now_ms, const tl_binance_limits_cost_t *c)
{
	for (int i = 0; i < TL_BINANCE_LIMITS__N; i++) {
		if (!c->n[i])
			continue;
		blim_roll(&l->w[i], now_ms);
		l->w[i].used = l->w[i].used > UINT32_MAX - c->n[i]
				       ? UINT32_MAX : l->w[i].used + c->n[i];
	}
}

void tl_binance_limits_sync(tl_binance_limits_t *l, int64_t now_ms, int64_t used_weight_1m,
		  int64_t order_count_10s, int64_t order_count_1m)
{
	int64_t v[TL_BINANCE_LIMITS__N] = { used_weight_1m, order_count_10s, order_count_1m };

	for (int i = 0; i < TL_BINANCE_LIMITS__N; i++) {
		tl_binance_limits_win_t *w = &l->w[i];
		if (v[i] < 0)
			continue;
		blim_roll(w, now_ms);
		if (v[i] > (int64_t)w->used) {
			w->used = v[i] > UINT32_MAX ? UINT32_MAX : (uint32_t)v[i];
			l->synced_up++;
		}
	}
}

unsigned tl_binance_limits_warnings(tl_binance_limits_t *l, int64_t now_ms)
{
	unsigned bits = 0;

	for (int i = 0; i < TL_BINANCE_LIMITS__N; i++) {
		tl_binance_limits_win_t *w = &l->w[i];
		blim_roll(w, now_ms);
		if (w->warned_idx == w->idx ||
		    (uint64_t)w->used * 100 < (uint64_t)w->limit * l->warn_pct)
			continue;
		w->warned_idx = w->idx;
		bits |= 1u << i;
	}
	return bits;
}

uint32_t tl_binance_limits_used(const tl_binance_limits_t *l, tl_binance_limits_id_t id, int64_t now_ms)
{
	const tl_binance_limits_win_t *w;

	if ((unsigned)id >= TL_BINANCE_LIMITS__N)
		return 0;
	w = &l->w[id];
	return w->idx == now_ms / w->window_ms ? w->used : 0;
}

const char *tl_binance_limits_name(tl_binance_limits_id_t id)
{
	switch (id) {
	case TL_BINANCE_LIMITS_WEIGHT_1M: return "request weight per minute";
	case TL_BINANCE_LIMITS_ORDERS_10S: return "orders per 10 s";
	case TL_BINANCE_LIMITS_ORDERS_1M: return "orders per minute";
	default: return "?";
	}
}

/* Would cost c be admitted as URGENT now? (No charge.) */
static bool blim_fits(const tl_binance_limits_t *l, int64_t now_ms, const tl_binance_limits_cost_t *c)
{
	for (int i = 0; i < TL_BINANCE_LIMITS__N; i++) {
		const tl_binance_limits_win_t *w = &l->w[i];
		uint32_t used = tl_binance_limits_used(l, (tl_binance_limits_id_t)i, now_ms);
		if (c->n[i] && used && (uint64_t)used + c->n[i] > w->limit)
			return false;
	}
	return true;
}

unsigned tl_binance_limits_batch_size(const tl_binance_limits_t *l, int64_t now_ms, unsigned avail)
{
	const tl_binance_limits_cost_t batch = { { 5, 5, 1 } };

	if (avail < 2)
		return 1;
	if (!blim_fits(l, now_ms, &batch))
		return 1;
	return avail > BLIM_BATCH_MAX ? BLIM_BATCH_MAX : avail;
}

/* ---- X-MBX-* response headers ------------------------------------------ */

/* "<n><unit>" with unit S, M, H or D: the seconds, or -1. */
static int64_t blim_interval(const char *s, size_t n)
{
	int64_t num;

	if (n < 2)
		return -1;
	num = tl_http_header_uint(s, n - 1);
	if (num <= 0 || num > 1000000)
		return -1;
	switch (s[n - 1] | 0x20) {
	case 's': return num;
	case 'm': return num * 60;
	case 'h': return num * 3600;
	case 'd': return num * 86400;
	default: return -1;
	}
}

static void blim_weight(tl_binance_mbx_t *m, int64_t v, bool is_1m)
{
	if (v < 0)
		return;     /* malformed: ignored */
	if (v > m->used_weight_max)
		m->used_weight_max = v;
	if (is_1m)
		m->used_weight_1m = v;
}

void tl_binance_mbx_header(void *ctx, const char *k, size_t kn, const char *v,
			   size_t vn)
{
	static const char wpre[] = "x-mbx-used-weight";
	const size_t wlen = sizeof wpre - 1;
	tl_binance_mbx_t *m = ctx;
	int64_t x;

	if (!k) {
		m->used_weight_1m = m->used_weight_max = -1;
		m->order_count_10s = m->order_count_1m = -1;
		return;
	}
	if (kn < wlen || !tl_http_name_is(k, 6, "x-mbx-"))
		return;     /* most headers are none of ours */
	if (tl_http_name_is(k, wlen, wpre)) {
		if (kn == wlen) {
			blim_weight(m, tl_http_header_uint(v, vn), false);
		} else if (k[wlen] == '-') {
			int64_t secs = blim_interval(k + wlen + 1, kn - wlen - 1);
			if (secs > 0)
				blim_weight(m, tl_http_header_uint(v, vn), secs == 60 &&
					    (k[kn - 1] | 0x20) == 'm');
		}
	} else if (tl_http_name_is(k, kn, "x-mbx-order-count-10s")) {
		x = tl_http_header_uint(v, vn);
		if (x >= 0)
			m->order_count_10s = x;
	} else if (tl_http_name_is(k, kn, "x-mbx-order-count-1m")) {
		x = tl_http_header_uint(v, vn);
		if (x >= 0)
			m->order_count_1m = x;
	}
}
