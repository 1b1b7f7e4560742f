/*
 * binance_call.c - the Binance adapter's cold calls: what other code
 * asks of it outside the order ops (binance_int.h).
 *
 *   - account and set_leverage (tl_venue_ops_t): run one internal
 *     request to completion, blocking the IO thread (bn_sync), then read
 *     the answer with cJSON;
 *   - reconciliation support (io/binance/sync.c): queue its signed GETs
 *     and userTrades fetches, and tell it when the adapter is idle;
 *   - accessors: last error, readiness, statistics and stream state,
 *     read from other threads (atomics where a field is written on the
 *     IO or STREAM thread).
 * Kept apart from binance.c: none of this is on the order path.
 */
#define _GNU_SOURCE
#include "io/binance/internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "runtime/log.h"
#include "io/binance/startup.h"

/* ---- blocking calls -------------------------------------------------------- */

/* Run one internal request to completion (cold path: blocks the IO
 * thread up to the timeout; other traffic keeps flowing meanwhile).
 * Returns the HTTP status, or -ETIMEDOUT / -EIO. */
static int bn_sync(tl_binance_t *b, int kind, const char *symbol, uint32_t lev,
		   tl_time_t now)
{
	tl_binance_req_t r;
	int64_t end = tl_clock_mono_ns() + b->timeout_ns * 2 + TL_NS_PER_S;

	memset(&r, 0, sizeof(r));
	r.kind = (uint8_t)kind;
	r.lev = lev;
	if (symbol)
		snprintf(r.req.symbol, sizeof(r.req.symbol), "%s", symbol);
	r.queued = tl_clock_mono_ns();
	b->sync_done = false;
	b->sync_status = -1;
	if (!tl_binance_queue_push(&b->q_urgent, &r))
		return -EAGAIN;
	now = tl_clock_realtime_ns();	/* signed: the timestamp must be current */
	while (!b->sync_done && tl_clock_mono_ns() < end) {
		tl_binance_step(b, now);
		if (!b->sync_done)
			tl_uring_pool_wait(b->pool, TL_NS_PER_MS);
		now = tl_clock_realtime_ns();
	}
	if (!b->sync_done)
		return -ETIMEDOUT;
	return b->sync_status < 0 ? -EIO : b->sync_status;
}

/* What one bn_sync attempt that did not return 200 was (io/binance/startup.h):
 * its outcome for tl_retry_classify and its cause in words. */
static void bn_sync_outcome(tl_binance_t *b, int rc, tl_outcome_t *o,
			    char *cause, size_t cap)
{
	char msg[256];

	memset(o, 0, sizeof(*o));
	if (rc == -ETIMEDOUT && !b->ready) {
		/* Nothing signed leaves before the clock is set: the time
		 * request is what failed. */
		o->transport = TL_TR_TIMEOUT;
		snprintf(cause, cap, "the venue's server time is not known yet (%s)",
			 b->last_err[0] ? b->last_err : "GET /fapi/v1/time: no answer");
	} else if (rc == -ETIMEDOUT) {
		o->transport = TL_TR_TIMEOUT;
		snprintf(cause, cap, "no answer in %lld ms",
			 (long long)((b->timeout_ns * 2 + TL_NS_PER_S) / TL_NS_PER_MS));
	} else if (rc == -EAGAIN) {
		o->transport = TL_TR_LOCAL;
		snprintf(cause, cap, "the adapter's request queue is full");
	} else if (rc < 0) {
		o->transport = tl_startup_transport(b->sync_tr != TL_TR_NONE ? b->sync_tr
									: TL_TR_CONNECT,
						    b->sync_why);
		tl_startup_cause(cause, cap, o, b->sync_why, NULL);
	} else {
		o->http_status = (uint16_t)rc;
		o->code = tl_startup_venue_error(b->sync_buf, b->sync_len, msg, sizeof(msg));
		if (!o->code && !msg[0])
			snprintf(msg, sizeof(msg), "%.160s", b->sync_buf);
		if (rc == 503)
			o->kind503 = tl_retry_503_kind(msg);
		tl_startup_cause(cause, cap, o, NULL, msg);
	}
}

/* Wait d ns, keeping the pool going (reconnects, stray responses). */
static void bn_sync_pause(tl_binance_t *b, int64_t d)
{
	int64_t until = tl_clock_mono_ns() + d;

	for (int64_t m = tl_clock_mono_ns(); m < until; m = tl_clock_mono_ns()) {
		tl_binance_step(b, tl_clock_realtime_ns());
		int64_t left = until - tl_clock_mono_ns();
		if (left > 0)
			tl_uring_pool_wait(b->pool, left < 10 * TL_NS_PER_MS ? left : 10 * TL_NS_PER_MS);
	}
}

/* bn_sync, retrying transient failures until the start-up deadline
 * (io/binance/startup.h). Returns 200 with the body in sync_buf, -EPERM (the
 * venue's answer was permanent), -EPROTO (a permanent local or TLS
 * failure) or -ETIMEDOUT (transient until the deadline), the cause in
 * call_err. */
static int bn_sync_retry(tl_binance_t *b, int kind, const char *symbol,
			 uint32_t lev, tl_time_t now)
{
	tl_startup_t su;
	char cause[400], tail[128];
	int64_t m = tl_clock_mono_ns();

	if (!b->startup_end)
		b->startup_end = m + b->startup_deadline_ns;
	tl_startup_begin(&su, b->startup_end - m, m);
	for (;;) {
		tl_outcome_t o;
		int rc = bn_sync(b, kind, symbol, lev, now);

		if (rc == 200) {
			b->call_err[0] = '\0';
			return 200;
		}
		bn_sync_outcome(b, rc, &o, cause, sizeof(cause));
		if (o.code == -1021 || o.code == -5028)
			b->time_wanted = true;	/* resync, re-sign with a fresh time */
		m = tl_clock_mono_ns();
		int64_t d = tl_startup_failed(&su, &o, b->hold_all_until - m, m);
		if (d < 0) {
			tl_startup_suffix(&su, m, tail, sizeof(tail));
			snprintf(b->call_err, sizeof(b->call_err), "%.380s%.120s", cause, tail);
			if (su.last == TL_OUT_TRANSIENT)
				return -ETIMEDOUT;
			/* only an answer is the venue refusing; else TLS etc. */
			return o.transport == TL_TR_NONE ? -EPERM : -EPROTO;
		}
		tl_log(TL_LOG_WARN, "binance: start-up call failed (%s); retrying in %lld ms",
		       cause, (long long)(d / TL_NS_PER_MS));
		bn_sync_pause(b, d);
		now = tl_clock_realtime_ns();
	}
}

int tl_binance_set_leverage(tl_venue_t *v, const char *symbol, uint32_t lev,
		    tl_time_t now)
{
	int rc = bn_sync_retry(tl_binance_of(v), TL_BINANCE_K_LEVERAGE, symbol, lev, now);

	return rc == 200 ? 0 : rc;
}

int tl_binance_set_margin_type(tl_venue_t *v, const char *symbol, int type,
			       tl_time_t now)
{
	tl_binance_t *b = tl_binance_of(v);
	char msg[64];

	if (type != TL_MARGIN_ISOLATED && type != TL_MARGIN_CROSSED)
		return -EINVAL;
	int rc = bn_sync_retry(b, TL_BINANCE_K_MARGIN_TYPE, symbol, (uint32_t)type, now);
	/* -4046 "No need to change margin type.": it already is */
	if (rc == -EPERM &&
	    tl_startup_venue_error(b->sync_buf, b->sync_len, msg, sizeof(msg)) == -4046) {
		b->call_err[0] = '\0';
		return 0;
	}
	return rc == 200 ? 0 : rc;
}

const char *tl_binance_call_error(const tl_venue_t *v)
{
	return ((const tl_binance_t *)v)->call_err;
}

static tl_fx_t bn_fx_field(const cJSON *o, const char *name)
{
	const cJSON *f = cJSON_GetObjectItemCaseSensitive(o, name);
	tl_fx_t v = 0;

	if (cJSON_IsString(f))
		tl_fx_parse(f->valuestring, strlen(f->valuestring), &v);
	return v;
}

/* One element of GET /fapi/v2/balance: the USDT one is the account's. */
static void bn_account_balance_elem(const cJSON *e, tl_venue_account_t *acct)
{
	const cJSON *a = cJSON_GetObjectItemCaseSensitive(e, "asset");
	if (cJSON_IsString(a) && strcmp(a->valuestring, "USDT") == 0) {
		acct->balance = bn_fx_field(e, "balance");
		acct->available = bn_fx_field(e, "availableBalance");
	}
}

/* One element of GET /fapi/v2/positionRisk: a non-zero position. */
static void bn_account_position_elem(const cJSON *e, tl_venue_account_t *acct)
{
	const cJSON *s = cJSON_GetObjectItemCaseSensitive(e, "symbol");
	const cJSON *ps = cJSON_GetObjectItemCaseSensitive(e, "positionSide");
	const cJSON *lv = cJSON_GetObjectItemCaseSensitive(e, "leverage");
	tl_fx_t qty = bn_fx_field(e, "positionAmt");

	if (!cJSON_IsString(s) || qty == 0 || acct->n_pos >= TL_VENUE_MAX_POS ||
	    strlen(s->valuestring) >= TL_SYMBOL_NAMELEN)
		return;
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

/* Each element of a JSON array answer through `elem`; -1 when the body is
 * not JSON. */
static int bn_account_each(const char *body, size_t len, tl_venue_account_t *acct,
			   void (*elem)(const cJSON *, tl_venue_account_t *))
{
	cJSON *root = cJSON_ParseWithLength(body, len);
	const cJSON *e;

	if (!root)
		return -1;
	cJSON_ArrayForEach(e, root)
		elem(e, acct);
	cJSON_Delete(root);
	return 0;
}

int tl_binance_account_balance(const char *body, size_t len,
			       tl_venue_account_t *acct)
{
	return bn_account_each(body, len, acct, bn_account_balance_elem);
}

int tl_binance_account_positions(const char *body, size_t len,
				 tl_venue_account_t *acct)
{
	return bn_account_each(body, len, acct, bn_account_position_elem);
}

int tl_binance_account(tl_venue_t *v, tl_venue_account_t *acct, tl_time_t now)
{
	tl_binance_t *b = tl_binance_of(v);
	int rc;

	memset(acct, 0, sizeof(*acct));
	rc = bn_sync_retry(b, TL_BINANCE_K_BALANCE, NULL, 0, now);
	if (rc != 200)
		return rc;
	if (tl_binance_account_balance(b->sync_buf, b->sync_len, acct) < 0)
		return -EPROTO;
	rc = bn_sync_retry(b, TL_BINANCE_K_POSITIONS, NULL, 0, now);
	if (rc != 200)
		return rc;
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
	tl_binance_of(v)->hb = hb;
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

/* ---- reconciliation support (io/binance/sync.c) -------------------------- */

int tl_binance_sync_send(tl_venue_t *v, int call)
{
	tl_binance_t *b = tl_binance_of(v);
	tl_binance_req_t r;

	memset(&r, 0, sizeof(r));
	r.kind = TL_BINANCE_K_SYNC;
	r.lev = (uint32_t)call;
	r.queued = tl_clock_mono_ns();
	return tl_binance_queue_push(&b->q_normal, &r) ? 0 : -EAGAIN;
}

int tl_binance_sync_send_args(tl_venue_t *v, int call, const char *symbol, int64_t arg)
{
	tl_binance_t *b = tl_binance_of(v);
	tl_binance_req_t r;

	memset(&r, 0, sizeof(r));
	r.kind = TL_BINANCE_K_SYNC;
	r.lev = (uint32_t)call;
	snprintf(r.req.symbol, sizeof(r.req.symbol), "%s", symbol);
	r.child_id = arg;
	r.queued = tl_clock_mono_ns();
	return tl_binance_queue_push(&b->q_normal, &r) ? 0 : -EAGAIN;
}

int tl_binance_trades_send(tl_venue_t *v, const char *symbol, int64_t order_id,
			   const char *client_id, int slot)
{
	tl_binance_t *b = tl_binance_of(v);
	tl_binance_req_t q;

	memset(&q, 0, sizeof(q));
	q.kind = TL_BINANCE_K_TRADES;
	snprintf(q.req.client_id, sizeof(q.req.client_id), "%s", client_id);
	snprintf(q.req.symbol, sizeof(q.req.symbol), "%s", symbol);
	q.req.urgent = 1;
	q.child_id = order_id;
	q.lev = (uint32_t)slot;
	q.queued = tl_clock_mono_ns();
	return tl_binance_queue_push(&b->q_urgent, &q) ? 0 : -EAGAIN;
}

uint64_t tl_binance_stream_epoch(const tl_venue_t *v)
{
	const tl_binance_t *b = (const tl_binance_t *)v;
	return b->bs ? tl_binance_stream_user_epoch(b->bs) : 0;
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
		if (b->conns[i].n)
			return false;
	return !b->ws || tl_binance_ws_idle(b);
}

void tl_binance_sync_stats(const tl_venue_t *v, tl_binance_sync_stats_t *out)
{
	const tl_binance_t *b = (const tl_binance_t *)v;

	memset(out, 0, sizeof(*out));
	if (b->rsync)
		tl_binance_sync_get_stats(b->rsync, out);
}
