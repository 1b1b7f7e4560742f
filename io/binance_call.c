/*
 * binance_call.c - the Binance adapter's cold calls: what other code
 * asks of it outside the order ops (binance_int.h).
 *
 *   - account and set_leverage (tl_venue_ops_t): run one internal
 *     request to completion, blocking the IO thread (bn_sync), then read
 *     the answer with cJSON;
 *   - reconciliation support (io/binance_sync.c): queue its signed GETs
 *     and userTrades fetches, and tell it when the adapter is idle;
 *   - accessors: last error, readiness, statistics and stream state,
 *     read from other threads (atomics where a field is written on the
 *     IO or STREAM thread).
 * Kept apart from binance.c: none of this is on the order path.
 */
#define _GNU_SOURCE
#include "io/binance_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

/* ---- blocking calls -------------------------------------------------------- */

/* Run one internal request to completion (cold path: blocks the IO
 * thread up to the timeout; other traffic keeps flowing meanwhile).
 * Returns the HTTP status, or -ETIMEDOUT / -EIO. */
static int bn_sync(tl_binance_t *b, int kind, const char *symbol, uint32_t lev,
		   tl_time_t now)
{
	bn_req_t r;
	int64_t end = bn_mono() + b->timeout_ns * 2 + TL_NS_PER_S;

	memset(&r, 0, sizeof(r));
	r.kind = (uint8_t)kind;
	r.lev = lev;
	if (symbol)
		snprintf(r.req.symbol, sizeof(r.req.symbol), "%s", symbol);
	r.queued = bn_mono();
	b->sync_done = false;
	b->sync_status = -1;
	if (!bn_q_push(&b->q_urgent, &r))
		return -EAGAIN;
	now = bn_real();	/* signed: the timestamp must be current */
	while (!b->sync_done && bn_mono() < end) {
		bn_step(b, now);
		if (!b->sync_done)
			tl_pool_wait(b->pool, TL_NS_PER_MS);
		now = bn_real();
	}
	if (!b->sync_done)
		return -ETIMEDOUT;
	return b->sync_status < 0 ? -EIO : b->sync_status;
}

int bn_set_leverage(tl_venue_t *v, const char *symbol, uint32_t lev,
		    tl_time_t now)
{
	tl_binance_t *b = bn_of(v);
	int rc = bn_sync(b, BN_K_LEVERAGE, symbol, lev, now);

	if (rc < 0)
		return rc;
	return rc == 200 ? 0 : -EIO;
}

static tl_fx_t bn_fx_field(const cJSON *o, const char *name)
{
	const cJSON *f = cJSON_GetObjectItemCaseSensitive(o, name);
	tl_fx_t v = 0;

	if (cJSON_IsString(f))
		tl_fx_parse(f->valuestring, strlen(f->valuestring), &v);
	return v;
}

int tl_binance_account_balance(const char *body, size_t len,
			       tl_venue_account_t *acct)
{
	cJSON *root = cJSON_ParseWithLength(body, len);
	const cJSON *e;

	if (!root)
		return -1;
	cJSON_ArrayForEach(e, root) {
		const cJSON *a = cJSON_GetObjectItemCaseSensitive(e, "asset");
		if (cJSON_IsString(a) && strcmp(a->valuestring, "USDT") == 0) {
			acct->balance = bn_fx_field(e, "balance");
			acct->available = bn_fx_field(e, "availableBalance");
		}
	}
	cJSON_Delete(root);
	return 0;
}

int tl_binance_account_positions(const char *body, size_t len,
				 tl_venue_account_t *acct)
{
	cJSON *root = cJSON_ParseWithLength(body, len);
	const cJSON *e;

	if (!root)
		return -1;
	cJSON_ArrayForEach(e, root) {
		const cJSON *s = cJSON_GetObjectItemCaseSensitive(e, "symbol");
		const cJSON *ps = cJSON_GetObjectItemCaseSensitive(e, "positionSide");
		const cJSON *lv = cJSON_GetObjectItemCaseSensitive(e, "leverage");
		tl_fx_t qty = bn_fx_field(e, "positionAmt");

		if (!cJSON_IsString(s) || qty == 0 || acct->n_pos >= TL_VENUE_MAX_POS ||
		    strlen(s->valuestring) >= TL_SYMBOL_NAMELEN)
			continue;
		tl_venue_position_t *p = &acct->pos[acct->n_pos++];
		memcpy(p->symbol, s->valuestring, strlen(s->valuestring) + 1);
		p->pos_side = TL_PS_BOTH;
		if (cJSON_IsString(ps) && strcmp(ps->valuestring, "LONG") == 0)
			p->pos_side = TL_PS_LONG;
		else if (cJSON_IsString(ps) && strcmp(ps->valuestring, "SHORT") == 0)
			p->pos_side = TL_PS_SHORT;
		p->qty = qty;
		p->entry = bn_fx_field(e, "entryPrice");
		p->unrealized = bn_fx_field(e, "unRealizedProfit");
		if (cJSON_IsString(lv))
			p->leverage = (uint32_t)strtoul(lv->valuestring, NULL, 10);
	}
	cJSON_Delete(root);
	return 0;
}

int bn_account(tl_venue_t *v, tl_venue_account_t *acct, tl_time_t now)
{
	tl_binance_t *b = bn_of(v);
	int rc;

	memset(acct, 0, sizeof(*acct));
	rc = bn_sync(b, BN_K_BALANCE, NULL, 0, now);
	if (rc != 200)
		return rc < 0 ? rc : -EIO;
	if (tl_binance_account_balance(b->sync_buf, b->sync_len, acct) < 0)
		return -EPROTO;
	rc = bn_sync(b, BN_K_POSITIONS, NULL, 0, now);
	if (rc != 200)
		return rc < 0 ? rc : -EIO;
	if (tl_binance_account_positions(b->sync_buf, b->sync_len, acct) < 0)
		return -EPROTO;
	return 0;
}

/* ---- accessors ------------------------------------------------------------- */

const char *tl_binance_last_error(const tl_venue_t *v)
{
	return ((const tl_binance_t *)v)->last_err;
}

bool tl_binance_ready(const tl_venue_t *v)
{
	return __atomic_load_n(&((const tl_binance_t *)v)->ready, __ATOMIC_ACQUIRE);
}

void tl_binance_stats(const tl_venue_t *v, tl_binance_stats_t *out)
{
	const tl_binance_t *b = (const tl_binance_t *)v;

	*out = b->st;
	out->limiter_holds = b->lim.holds;
	out->held += b->lim.holds;	/* 429/418 holds and local ones */
	out->deadman_armed = b->dm.armed;
	out->deadman_stale_rounds = b->dm.stale_rounds;
	out->mark_polls = tl_binance_mark_polls(v);
	out->io_wakeups = tl_binance_io_wakeups(v);
}

uint64_t tl_binance_io_wakeups(const tl_venue_t *v)
{
	return atomic_load_explicit(&((const tl_binance_t *)v)->io_wakeups,
				    memory_order_relaxed);
}

uint64_t tl_binance_mark_polls(const tl_venue_t *v)
{
	return atomic_load_explicit(&((const tl_binance_t *)v)->mark_polls,
				    memory_order_relaxed);
}

void tl_binance_set_heartbeat(tl_venue_t *v, const _Atomic int64_t *hb)
{
	bn_of(v)->hb = hb;
}

int tl_binance_stream_state(const tl_venue_t *v)
{
	return atomic_load_explicit(&((tl_binance_t *)v)->stream_state,
				    memory_order_relaxed);
}

uint64_t tl_binance_stream_inputs(const tl_venue_t *v, int type)
{
	if (type <= 0 || type >= TL_IN__COUNT)
		return 0;
	return atomic_load_explicit(&((tl_binance_t *)v)->stream_in[type],
				    memory_order_relaxed);
}

/* ---- reconciliation support (io/binance_sync.c) -------------------------- */

int tl_binance_sync_send(tl_venue_t *v, int call)
{
	tl_binance_t *b = bn_of(v);
	bn_req_t r;

	memset(&r, 0, sizeof(r));
	r.kind = BN_K_SYNC;
	r.lev = (uint32_t)call;
	r.queued = bn_mono();
	return bn_q_push(&b->q_normal, &r) ? 0 : -EAGAIN;
}

int tl_binance_trades_send(tl_venue_t *v, const char *symbol, int64_t order_id,
			   const char *client_id, int slot)
{
	tl_binance_t *b = bn_of(v);
	bn_req_t q;

	memset(&q, 0, sizeof(q));
	q.kind = BN_K_TRADES;
	snprintf(q.req.client_id, sizeof(q.req.client_id), "%s", client_id);
	snprintf(q.req.symbol, sizeof(q.req.symbol), "%s", symbol);
	q.req.urgent = 1;
	q.child_id = order_id;
	q.lev = (uint32_t)slot;
	q.queued = bn_mono();
	return bn_q_push(&b->q_urgent, &q) ? 0 : -EAGAIN;
}

uint64_t tl_binance_stream_epoch(const tl_venue_t *v)
{
	const tl_binance_t *b = (const tl_binance_t *)v;
	return b->bs ? tl_bstream_epoch(b->bs) : 0;
}

bool tl_binance_streams_wanted(const tl_venue_t *v)
{
	return v->emit_stream != NULL;
}

bool tl_binance_idle(const tl_venue_t *v)
{
	const tl_binance_t *b = (const tl_binance_t *)v;

	if (b->q_urgent.n || b->q_normal.n)
		return false;
	for (uint32_t i = 0; i < b->nconn; i++)
		if (b->conns[i].busy)
			return false;
	return true;
}

void tl_binance_sync_stats(const tl_venue_t *v, tl_bsync_stats_t *out)
{
	const tl_binance_t *b = (const tl_binance_t *)v;

	memset(out, 0, sizeof(*out));
	if (b->rsync)
		tl_bsync_stats(b->rsync, out);
}
