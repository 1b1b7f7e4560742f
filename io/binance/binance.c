/*
 * binance.c - the Binance USD-M venue adapter, REST order path (binance.h):
 * the request pipeline on the IO thread.
 *
 * Sections: outcomes; sending (encode, sign, write); rate limits,
 * batches, dead-man and the pump; timeouts and the poll step; the venue
 * ops; create/destroy. The types, the queues and the invariants are in
 * binance_int.h; what a response or a connection event does is in
 * binance_resp.c; the blocking account/leverage calls and the accessors
 * other threads use are in binance_call.c.
 *
 * A request's life:
 *   queued --pump [conn with room, ready, not held]--> in flight
 *   queued --timeout with no usable connection--> REQ_ERROR CONNECT
 *   queued NEW --gate closed (io/venue.h), or its own cancel taken-->
 *          REQ_ERROR WITHDRAWN, not written (and the cancel too)
 *   in flight --its response--> decoded inputs (or REQ_ERROR for
 *          undecodable)
 *   in flight --drop, some of its bytes may have left--> REQ_ERROR
 *          RESET written (it may have executed)
 *   in flight --drop, none of its bytes left--> REQ_ERROR CONNECT
 *          (not executed)
 *   in flight --no response in timeout--> REQ_ERROR TIMEOUT written,
 *          close (the requests behind it on the connection: drop)
 * In flight: on a connection's FIFO (binance_int.h, invariant 1). Up to
 * venue.binance.pipeline requests share a connection (HTTP/1.1
 * pipelining); the venue answers them in order, so the oldest one owns
 * the bytes that arrive. The pump puts each request on the UP connection
 * with the fewest in flight (the lowest id on ties), so load spreads
 * before it queues behind a slow answer.
 * (pump: bn_pump, bn_send; timeouts: bn_timeouts, tl_binance_fail_queued;
 * response and drops: tl_binance_cb in binance_resp.c.)
 * Emergency closes (urgent MARKET NEWs) queued together leave as one
 * batchOrders of 2..5 (the engine flags every close that has another of
 * its burst behind it, and the adapter waits for the rest); the batch's members live in its connection (`br`) and each
 * ends in its own input: its element of the answer, or the batch's
 * transport outcome (invariant 2 holds per member).
 * "held" is the local limiters (io/binance/limits.h) and Retry-After.
 * With venue.binance.order_transport "ws" the pump hands the kernel's
 * NEW/CANCEL/QUERY to a READY WebSocket API session instead
 * (io/binance/wsorder.c, bn_dispatch), where they live the same life,
 * answers matched by id; REST carries them while no session is READY.
 */
#define _GNU_SOURCE
#include "io/binance/internal.h"
#include "io/binance/xwatch.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/log.h"
#include "io/binance/startup.h"

/* ---- the queues ------------------------------------------------------------ */

/*
 * A cancel withdraws its order's NEW while that NEW is still queued
 * (bn_cancel_unsent). Finding it is a scan of both queues, thousands of
 * requests under back-pressure, for every cancel: the cost grows with
 * the backlog and the backlog with the cost. Counts of the queued NEWs
 * by a hash of their client id answer "not here" at once for almost
 * every cancel. Every NEW enters a queue through bn_enqueue (counted)
 * and leaves through bn_q_drop (uncounted); a count too high would only
 * cost a scan.
 */
static uint32_t bn_clid_slot(const char *clid)
{
	uint32_t h = 2166136261u;	/* FNV-1a */

	for (size_t i = 0; i < TL_CLID_LEN && clid[i]; i++)
		h = (h ^ (uint8_t)clid[i]) * 16777619u;
	return h & (TL_BINANCE_NEWQ_SLOTS - 1);
}

static void bn_q_count(tl_binance_t *b, const tl_binance_req_t *r, bool in)
{
	uint16_t *n;

	if (r->kind != TL_BINANCE_K_NEW)
		return;
	n = &b->newq[bn_clid_slot(r->req.client_id)];
	if (in)
		++*n;
	else if (*n > 0)
		--*n;
}

/* Take request i (0: the head) out of q. */
static void bn_q_drop(tl_binance_t *b, tl_binance_queue_t *q, uint32_t i)
{
	bn_q_count(b, tl_binance_queue_at(q, i), false);
	if (i == 0)
		tl_binance_queue_drop_head(q);
	else
		tl_binance_queue_remove(q, i);
}

/* ---- outcomes -------------------------------------------------------------- */

/* End a kernel request with a transport error (internal kinds: their own
 * bookkeeping). */
void tl_binance_fail(tl_binance_t *b, const tl_binance_req_t *r, tl_transport_t tr,
	     bool written, const char *text)
{
	int64_t m = tl_clock_mono_ns();

	switch (r->kind) {
	case TL_BINANCE_K_TIME:
		b->time_pending = false;
		b->time_retry_at = m + TL_NS_PER_S;
		return;
	case TL_BINANCE_K_MARKS:
		b->marks_pending = false;
		b->next_marks = m + TL_BINANCE_MARK_POLL_NS;
		return;
	case TL_BINANCE_K_CANCEL_ALL:
		tl_log(TL_LOG_WARN, "binance: cancel all %s failed: %s",
		       r->req.symbol, text);
		return;
	case TL_BINANCE_K_LISTEN_KEY:
		b->lk_pending = false;
		b->lk_retry_at = m + 5 * TL_NS_PER_S;
		return;
	case TL_BINANCE_K_LISTEN_KEEP:
		b->next_keepalive = m + 60 * TL_NS_PER_S;
		return;
	case TL_BINANCE_K_LEVERAGE:
	case TL_BINANCE_K_MARGIN_TYPE:
	case TL_BINANCE_K_BALANCE:
	case TL_BINANCE_K_POSITIONS:
		b->sync_done = true;
		b->sync_status = -1;
		b->sync_tr = tr;	/* the cold call names the cause */
		snprintf(b->sync_why, sizeof(b->sync_why), "%s", text);
		return;
	case TL_BINANCE_K_SYNC:
		tl_binance_sync_done(b->rsync, (int)r->lev, -1, text, strlen(text), b->now);
		return;
	case TL_BINANCE_K_TRADES:
		tl_binance_sync_trades_done(b->rsync, (int)r->lev, -1, text, strlen(text),
				     b->now);
		return;
	case TL_BINANCE_K_BATCH:
		/* Every order of the batch shares the batch's fate: after the
		 * write, UNKNOWN for each (the kernel queries each by id). */
		for (uint8_t i = 0; i < r->nmem; i++)
			tl_binance_fail(b, &r->members[i], tr, written, text);
		return;
	case TL_BINANCE_K_COUNTDOWN:
		tl_binance_dm_result(b, r, false, text);
		return;
	case TL_BINANCE_K_SWEEP_CANCEL:
	case TL_BINANCE_K_SWEEP_GET:
	case TL_BINANCE_K_SWEEP_CLOSE:
		tl_binance_sweep_done(b, r, -1, text, strlen(text));
		return;
	default:
		break;
	}
	tl_input_t in;

	memset(&in, 0, sizeof(in));
	in.hdr.type = TL_IN_REQ_ERROR;
	in.hdr.time = b->now;
	memcpy(in.u.error.client_id, r->req.client_id, TL_CLID_LEN);
	in.u.error.req = (uint8_t)tl_binance_kernel_kind(r->kind);
	in.u.error.outcome.transport = tr;
	in.u.error.outcome.written = written;
	in.u.error.outcome.is_write = tl_binance_is_write(r->kind);
	snprintf(in.u.error.text, sizeof(in.u.error.text), "%s", text);
	b->st.transport_errors++;
	tl_binance_emit(b, &in);
}

/* Fail every queued request (no connection can carry them). */
void tl_binance_fail_queued(tl_binance_t *b, int64_t older_than)
{
	tl_binance_queue_t *qs[2] = { &b->q_urgent, &b->q_normal };
	char text[320];

	snprintf(text, sizeof(text), "%s",
		 b->last_msg[0] ? b->last_msg : "not connected to the venue");
	for (int i = 0; i < 2; i++) {
		tl_binance_req_t *r;
		while ((r = tl_binance_queue_peek(qs[i])) && r->queued <= older_than) {
			tl_binance_req_t copy = *r;
			bn_q_drop(b, qs[i], 0);
			tl_binance_fail(b, &copy, TL_TR_CONNECT, false, text);
		}
	}
}

/* ---- the exposure gate (io/venue.h) ---------------------------------------- */

/* Why the gate holds: a kill (its epoch moved) or the trading state. */
static const char *bn_gate_why(const tl_binance_t *b)
{
	return b->base.gate && atomic_load_explicit(&b->base.gate->kill_epoch,
						    memory_order_relaxed)
		       ? "withdrawn: kill switch"
		       : "withdrawn: trading state";
}

/* End a request the adapter took but never wrote: its one outcome
 * (invariant 2), transport WITHDRAWN, written = false. */
void tl_binance_withdraw(tl_binance_t *b, const tl_binance_req_t *r, const char *why)
{
	b->st.withdrawn++;
	tl_binance_fail(b, r, TL_TR_WITHDRAWN, false, why);
}

/* The gate closed: withdraw every queued NEW that may not leave now
 * (held by the limiters, by a 429/418 Retry-After, waiting for a
 * connection), so the kernel hears at once instead of after the hold. */
static void bn_gate_purge(tl_binance_t *b)
{
	tl_binance_queue_t *qs[2] = { &b->q_urgent, &b->q_normal };

	for (int k = 0; k < 2; k++) {
		tl_binance_queue_t *q = qs[k];
		for (uint32_t i = 0; i < q->n;) {
			tl_binance_req_t *r = tl_binance_queue_at(q, i);
			if (r->kind != TL_BINANCE_K_NEW || tl_venue_may_send(&b->base, &r->req)) {
				i++;
				continue;
			}
			tl_binance_req_t copy = *r;
			bn_q_drop(b, q, i);
			tl_binance_withdraw(b, &copy, bn_gate_why(b));
		}
	}
}

/* Once per poll: purge when the gate has closed since the last look. */
static void bn_gate_poll(tl_binance_t *b)
{
	uint32_t c = b->base.gate ? atomic_load_explicit(&b->base.gate->closing_only,
							 memory_order_acquire) : 0;

	if (c && !b->gate_closed)
		bn_gate_purge(b);
	b->gate_closed = c != 0;
}

/* ---- sending --------------------------------------------------------------- */

/* batchOrders of r's members (emergency closes). */
static int bn_encode_batch(tl_binance_t *b, const tl_binance_req_t *r, int64_t ts,
			   uint32_t rw, tl_binance_http_t *http, char *q,
			   size_t cap)
{
	const tl_out_req_t *reqs[TL_BINANCE_BATCH_MAX];
	const tl_symbol_t *syms[TL_BINANCE_BATCH_MAX];

	if (r->nmem == 0 || r->nmem > TL_BINANCE_BATCH_MAX)
		return -EINVAL;
	for (uint8_t i = 0; i < r->nmem; i++) {
		int sid = tl_symbols_find(b->syms, r->members[i].req.symbol);
		if (sid < 0)
			return -EINVAL;
		reqs[i] = &r->members[i].req;
		syms[i] = tl_symbols_get(b->syms, sid);
	}
	return tl_binance_encode_batch(reqs, syms, r->nmem, b->hedge, ts, rw,
				       http, q, cap);
}

/* Encode the parameters of r into b->qbuf; sets *http and *sign. Returns
 * the length or -errno. */
int tl_binance_encode_req(tl_binance_t *b, const tl_binance_req_t *r, tl_time_t now,
			  tl_binance_http_t *http, bool *sign)
{
	int64_t ts = tl_binance_clock_ms(&b->clock, now);
	uint32_t rw = b->recv_window_ms;
	char *q = b->qbuf;
	size_t cap = sizeof(b->qbuf) - TL_BINANCE_SIG_PARAM_MAX - 1;
	int sid;

	*sign = true;
	memset(http, 0, sizeof(*http));
	switch (r->kind) {
	case TL_BINANCE_K_NEW:
		sid = tl_symbols_find(b->syms, r->req.symbol);
		if (sid < 0)
			return -EINVAL;
		return tl_binance_encode_order(&r->req, tl_symbols_get(b->syms, sid),
					       b->hedge, ts, rw, http, q, cap);
	case TL_BINANCE_K_CANCEL:
		return tl_binance_encode_cancel(&r->req, ts, rw, http, q, cap);
	case TL_BINANCE_K_CANCEL_CHILD: {
		/* The triggered order carries the algo order's client id
		 * (binance_map.c notes): cancel it as a plain order. */
		tl_out_req_t x = r->req;
		x.type = TL_ORD_LIMIT;
		x.algo = 0;
		return tl_binance_encode_cancel(&x, ts, rw, http, q, cap);
	}
	case TL_BINANCE_K_QUERY:
		return tl_binance_encode_query(&r->req, ts, rw, http, q, cap);
	case TL_BINANCE_K_QUERY_CHILD:
		return tl_binance_encode_query_id(r->req.symbol, r->child_id, ts, rw,
						  http, q, cap);
	case TL_BINANCE_K_TIME:
		*sign = false;
		http->method = TL_BN_GET;
		http->path = "/fapi/v1/time";
		q[0] = '\0';
		return 0;
	case TL_BINANCE_K_MARKS:
		*sign = false;
		http->method = TL_BN_GET;
		http->path = "/fapi/v1/premiumIndex";
		q[0] = '\0';
		return 0;
	case TL_BINANCE_K_CANCEL_ALL:   /* lev 1: the algo service's orders */
		http->method = TL_BN_DELETE;
		http->path = r->lev ? "/fapi/v1/algoOpenOrders" : "/fapi/v1/allOpenOrders";
		return snprintf(q, cap, "symbol=%s&recvWindow=%u&timestamp=%lld",
				r->req.symbol, rw, (long long)ts);
	case TL_BINANCE_K_LEVERAGE:
		http->method = TL_BN_POST;
		http->path = "/fapi/v1/leverage";
		return snprintf(q, cap, "symbol=%s&leverage=%u&recvWindow=%u&timestamp=%lld",
				r->req.symbol, r->lev, rw, (long long)ts);
	case TL_BINANCE_K_MARGIN_TYPE:
		http->method = TL_BN_POST;
		http->path = "/fapi/v1/marginType";
		return snprintf(q, cap, "symbol=%s&marginType=%s&recvWindow=%u&timestamp=%lld",
				r->req.symbol, tl_margin_type_name((int)r->lev), rw,
				(long long)ts);
	case TL_BINANCE_K_LISTEN_KEY:
	case TL_BINANCE_K_LISTEN_KEEP:
		*sign = false;
		http->method = r->kind == TL_BINANCE_K_LISTEN_KEY ? TL_BN_POST : TL_BN_PUT;
		http->path = "/fapi/v1/listenKey";
		q[0] = '\0';
		return 0;
	case TL_BINANCE_K_BALANCE:
		http->method = TL_BN_GET;
		http->path = "/fapi/v2/balance";
		return snprintf(q, cap, "recvWindow=%u&timestamp=%lld", rw,
				(long long)ts);
	case TL_BINANCE_K_POSITIONS:
		http->method = TL_BN_GET;
		http->path = "/fapi/v2/positionRisk";
		return snprintf(q, cap, "recvWindow=%u&timestamp=%lld", rw,
				(long long)ts);
	case TL_BINANCE_K_SYNC:
		http->method = TL_BN_GET;
		http->path = tl_binance_sync_call_path((int)r->lev);
		if (r->lev == TL_BINANCE_SYNC_ALL_ORDERS)
			return snprintf(q, cap, "symbol=%s&startTime=%lld&limit=1000&recvWindow=%u"
					"&timestamp=%lld", r->req.symbol, (long long)r->child_id,
					rw, (long long)ts);
		return snprintf(q, cap, "recvWindow=%u&timestamp=%lld", rw,
				(long long)ts);
	case TL_BINANCE_K_TRADES:
		http->method = TL_BN_GET;
		http->path = "/fapi/v1/userTrades";
		return snprintf(q, cap, "symbol=%s&orderId=%lld&limit=1000&recvWindow=%u&timestamp=%lld",
				r->req.symbol, (long long)r->child_id, rw,
				(long long)ts);
	case TL_BINANCE_K_BATCH:
		return bn_encode_batch(b, r, ts, rw, http, q, cap);
	case TL_BINANCE_K_COUNTDOWN:
		http->method = TL_BN_POST;
		http->path = "/fapi/v1/countdownCancelAll";
		return snprintf(q, cap, "symbol=%s&countdownTime=%lld&recvWindow=%u&timestamp=%lld",
				r->req.symbol, (long long)r->child_id, rw,
				(long long)ts);
	default:
		return tl_binance_sweep_encode(b, r, ts, rw, http, q, cap);
	}
}

/* A batch at the gate: its members that may not leave are withdrawn;
 * the rest go as a batch (2..), alone (one, in *one) or not at all
 * (NULL). Emergency closes are reduce-only, so normally all go. */
static const tl_binance_req_t *bn_batch_gate(tl_binance_t *b, const tl_binance_req_t *r,
				     tl_binance_req_t *one)
{
	tl_binance_req_t *m = (tl_binance_req_t *)r->members;	/* b->batch_tmp */
	uint8_t keep = 0;

	for (uint8_t i = 0; i < r->nmem; i++) {
		if (!tl_venue_may_send(&b->base, &m[i].req)) {
			tl_binance_withdraw(b, &m[i], bn_gate_why(b));
			continue;
		}
		m[keep++] = m[i];
	}
	if (keep == r->nmem)
		return r;
	if (keep == 0)
		return NULL;
	if (keep == 1) {
		*one = m[0];
		return one;
	}
	*one = *r;
	one->nmem = keep;
	return one;
}

/* Put r on connection id (it has room in its FIFO). Ends r with an
 * error when it cannot go. */
static void bn_send(tl_binance_t *b, uint32_t id, const tl_binance_req_t *r,
		    tl_time_t now, int64_t m)
{
	tl_binance_conn_t *c = &b->conns[id];
	tl_binance_flight_t *f;
	tl_binance_http_t http;
	bool sign;
	char text[96];
	tl_binance_req_t one;

	/* The last moment before the bytes leave: the gate may have closed
	 * since the request was queued (tl_venue_may_send). */
	if (r->kind == TL_BINANCE_K_NEW && !tl_venue_may_send(&b->base, &r->req)) {
		tl_binance_withdraw(b, r, bn_gate_why(b));
		return;
	}
	if (r->kind == TL_BINANCE_K_BATCH && !(r = bn_batch_gate(b, r, &one)))
		return;
	int n = tl_binance_encode_req(b, r, now, &http, &sign);

	if (n >= 0 && (size_t)n >= sizeof(b->qbuf) - TL_BINANCE_SIG_PARAM_MAX - 1)
		n = -ENOSPC;
	if (n >= 0 && sign)
		n = tl_binance_sign_append(&b->signer, b->qbuf, (size_t)n,
					   sizeof(b->qbuf), NULL, 0);
	if (n < 0) {
		snprintf(text, sizeof(text), "encode failed: %s", strerror(-n));
		tl_binance_fail(b, r, TL_TR_LOCAL, false, text);
		return;
	}
	bool body = http.method == TL_BN_POST || http.method == TL_BN_PUT;
	int len = tl_http_write_request(
		b->tx, sizeof(b->tx), tl_binance_method_name(http.method),
		b->host_hdr, http.path, (!body && n > 0) ? b->qbuf : NULL,
		b->key_hdr, body ? b->qbuf : NULL, body ? (size_t)n : 0,
		body ? "application/x-www-form-urlencoded" : NULL);
	if (len < 0) {
		snprintf(text, sizeof(text), "http write failed: %s", strerror(-len));
		tl_binance_fail(b, r, TL_TR_LOCAL, false, text);
		return;
	}
	int rc = tl_uring_conn_send(b->pool, id, b->tx, (size_t)len);
	if (rc < 0) {
		snprintf(text, sizeof(text), "send failed: %s", strerror(-rc));
		tl_binance_fail(b, r, TL_TR_CONNECT, false, text);
		return;
	}
	if (c->n > 0)
		b->st.pipelined++;
	else
		tl_http_resp_reset(&c->resp);	/* it answers this one first */
	f = tl_binance_conn_push(c);
	f->r = *r;
	if (r->kind == TL_BINANCE_K_BATCH) {
		/* the members live with the request until the outcome */
		memcpy(f->br, r->members, r->nmem * sizeof(tl_binance_req_t));
		f->r.members = f->br;
		b->st.batches++;
		b->st.batch_orders += r->nmem;
	}
	f->http = http;
	f->sent_mono = m;
	f->sent_real = tl_clock_realtime_ns();
	f->len = (uint32_t)len;
	b->st.sent++;
	if (r->kind == TL_BINANCE_K_BATCH)
		b->st.rest_sent += r->nmem;
	else if (r->kind <= TL_BINANCE_K_QUERY || r->kind == TL_BINANCE_K_QUERY_CHILD ||
		 r->kind == TL_BINANCE_K_CANCEL_CHILD)
		b->st.rest_sent++;
}

/* r can leave now: over the WebSocket API, or over REST connection id. */
static bool bn_can_carry(const tl_binance_t *b, const tl_binance_req_t *r, int id)
{
	return id >= 0 || (b->ws && tl_binance_ws_takes(b, r));
}

/* Send r (taken off its queue) over the WebSocket API when it goes
 * there (order_transport "ws", a session READY), else over REST
 * connection id: the fallback while no session is READY. */
static void bn_dispatch(tl_binance_t *b, int id, const tl_binance_req_t *r,
			tl_time_t now, int64_t m)
{
	if (b->ws) {
		if (tl_binance_ws_takes(b, r) && tl_binance_ws_send(b, r, now, m) == 0)
			return;
		if (id < 0) {
			/* bn_can_carry said WS; its send met a full buffer */
			tl_binance_fail(b, r, TL_TR_CONNECT, false,
					"WebSocket API session cannot take it now");
			return;
		}
		if (tl_binance_ws_wanted(b, r))
			b->st.ws_fallbacks++;
	}
	bn_send(b, (uint32_t)id, r, now, m);
}

/* A listenKey is needed: streams wanted and not started yet, or the
 * venue expired the key (then at most one POST per 5 s). */
static bool bn_want_listen_key(const tl_binance_t *b, int64_t m)
{
	if (!b->base.emit_stream || b->lk_pending || m < b->lk_retry_at)
		return false;
	return !b->bs || tl_binance_stream_user_state(b->bs) == TL_BINANCE_STREAM_KEY_EXPIRED;
}

/* ---- rate limits, batches, dead-man ---------------------------------------- */

/* What r costs on the venue's limiters (Binance USD-M API docs). A kind not
 * listed costs 1 weight; the response headers correct any difference. */
static void bn_cost(const tl_binance_req_t *r, tl_binance_limits_cost_t *c)
{
	memset(c, 0, sizeof(*c));
	switch (r->kind) {
	case TL_BINANCE_K_NEW:          /* order and algoOrder: 0 IP, 1 + 1 orders */
		c->n[TL_BINANCE_LIMITS_ORDERS_10S] = 1;
		c->n[TL_BINANCE_LIMITS_ORDERS_1M] = 1;
		return;
	case TL_BINANCE_K_BATCH:
		c->n[TL_BINANCE_LIMITS_WEIGHT_1M] = 5;
		c->n[TL_BINANCE_LIMITS_ORDERS_10S] = 5;
		c->n[TL_BINANCE_LIMITS_ORDERS_1M] = 1;
		return;
	case TL_BINANCE_K_MARKS:        /* premiumIndex without symbol */
	case TL_BINANCE_K_COUNTDOWN:
		c->n[TL_BINANCE_LIMITS_WEIGHT_1M] = 10;
		return;
	case TL_BINANCE_K_BALANCE:
	case TL_BINANCE_K_POSITIONS:
	case TL_BINANCE_K_TRADES:
		c->n[TL_BINANCE_LIMITS_WEIGHT_1M] = 5;
		return;
	case TL_BINANCE_K_SWEEP_GET:    /* open (algo) orders without symbol 40,
					 * positionRisk (lev 2) 5 */
		c->n[TL_BINANCE_LIMITS_WEIGHT_1M] = r->lev == 2 ? 5 : 40;
		return;
	case TL_BINANCE_K_SWEEP_CLOSE:
		c->n[TL_BINANCE_LIMITS_ORDERS_10S] = 1;
		c->n[TL_BINANCE_LIMITS_ORDERS_1M] = 1;
		return;
	case TL_BINANCE_K_SYNC:
		c->n[TL_BINANCE_LIMITS_WEIGHT_1M] = tl_binance_sync_call_weight((int)r->lev);
		return;
	default:
		c->n[TL_BINANCE_LIMITS_WEIGHT_1M] = 1;
		return;
	}
}

/* Admit r on the local limiters (charged when true). */
static bool bn_admit(tl_binance_t *b, const tl_binance_req_t *r, tl_time_t now,
		     tl_binance_limits_prio_t p)
{
	tl_binance_limits_cost_t c;

	bn_cost(r, &c);
	return tl_binance_limits_admit(&b->lim, tl_binance_lim_ms(b, now), &c,
			     p) == 0;
}

static void bn_charge(tl_binance_t *b, const tl_binance_req_t *r, tl_time_t now)
{
	tl_binance_limits_cost_t c;

	bn_cost(r, &c);
	tl_binance_limits_charge(&b->lim, tl_binance_lim_ms(b, now), &c);
}

/* An urgent plain MARKET order: an emergency close, batchable. */
static bool bn_batchable(const tl_binance_req_t *r)
{
	return r->kind == TL_BINANCE_K_NEW && r->req.urgent && !r->req.algo &&
	       r->req.type == TL_ORD_MARKET;
}

/* The engine marks each emergency close after which another of the
 * same burst follows (`more`: a liquidation emits them all in one kernel
 * input, but they cross the request ring one by one). A burst still
 * arriving is waited for; this bound only guards against a close that
 * never comes (it cannot, by construction: see runtime/engine.c). */
#define BN_BATCH_WAIT_NS (500LL * 1000 * 1000)

/* Emergency closes at the head of the urgent queue that go together as
 * one batchOrders (2..5, copied to b->batch_tmp); 1: the queue ends in
 * a close whose burst is still arriving (send nothing yet); 0: send the
 * head alone. */
static unsigned bn_take_batch(tl_binance_t *b, tl_time_t now, int64_t m)
{
	const tl_binance_queue_t *q = &b->q_urgent;
	unsigned n = 0;

	while (n < q->n && n < TL_BINANCE_BATCH_MAX &&
	       bn_batchable(tl_binance_queue_at(q, n)))
		n++;
	if (n >= 1 && n < TL_BINANCE_BATCH_MAX && n == q->n &&
	    tl_binance_queue_at(q, n - 1)->req.more &&
	    m - tl_binance_queue_at(q, 0)->queued < BN_BATCH_WAIT_NS)
		return 1;
	if (n < 2)
		return 0;
	n = tl_binance_limits_batch_size(&b->lim, tl_binance_lim_ms(b, now), n);
	if (n < 2)
		return 0;
	for (unsigned i = 0; i < n; i++)
		b->batch_tmp[i] = *tl_binance_queue_at(q, i);
	return n;
}

/* The dead-man renewal due now, if any: r filled, true. */
static bool bn_dm_due(tl_binance_t *b, int64_t m, tl_time_t now, tl_binance_req_t *r)
{
	int64_t age = -1;
	int sid;

	if (b->hb) {
		int64_t hb = atomic_load_explicit(b->hb, memory_order_relaxed);
		age = hb > 0 && now > hb ? now - hb : 0;
	}
	sid = tl_binance_deadman_due(&b->dm, m, age);
	if (sid < 0)
		return false;
	r->kind = TL_BINANCE_K_COUNTDOWN;
	r->child_id = b->dm.countdown_ms;
	snprintf(r->req.symbol, sizeof(r->req.symbol), "%s",
		 tl_symbols_get(b->syms, sid)->name);
	r->lev = (uint32_t)sid;
	return true;
}

void tl_binance_dm_result(tl_binance_t *b, const tl_binance_req_t *r, bool ok,
		  const char *text)
{
	tl_binance_deadman_done(&b->dm, (int)r->lev, ok, tl_clock_mono_ns());
	b->st.deadman_renewals = b->dm.renewals;
	b->st.deadman_failures = b->dm.failures;
	if (!ok && b->dm.failures < 10)
		tl_log(TL_LOG_WARN, "binance: countdownCancelAll %s failed: %s",
		       r->req.symbol, text);
}

/* Send what may go now, while a connection has room (priority: clock,
 * then dead-man renewals, then the urgent queue (emergency closes
 * batched), then marks, then the normal queue in FIFO order). The local
 * limiters hold the normal queue at 90 % and the urgent one at 100 %. */
static void bn_pump(tl_binance_t *b, tl_time_t now, int64_t m)
{
	for (;;) {
		int id = tl_uring_conn_pick(b->pool, b->pipeline);
		tl_binance_req_t r;
		unsigned nb = 0;

		/* id < 0: no REST connection has room; the WebSocket API may
		 * still carry the kernel's requests (bn_can_carry) */
		if ((id < 0 && !(b->ws && b->ready)) || m < b->hold_all_until)
			return;
		memset(&r, 0, sizeof(r));
		if (id >= 0 && !b->time_pending && (!b->ready || b->time_wanted) &&
		    m >= b->time_retry_at) {
			/* The offset is taken at the round trip's midpoint:
			 * an idle connection, if any, keeps answers queued
			 * ahead of it out of the sample. */
			int idle = tl_uring_conn_idle(b->pool);
			if (idle >= 0)
				id = idle;
			r.kind = TL_BINANCE_K_TIME;
			b->time_pending = true;
			b->time_wanted = false;
			bn_charge(b, &r, now);
		} else if (!b->ready) {
			return;
		} else if (id >= 0 && bn_dm_due(b, m, now, &r)) {
			bn_charge(b, &r, now);	/* must go: it keeps orders alive */
		} else if (b->q_urgent.n && (nb = bn_take_batch(b, now, m)) == 1) {
			return;	/* a burst of closes is still arriving */
		} else if (nb >= 2) {
			if (id < 0)
				return;	/* batchOrders: REST only */
			r.kind = TL_BINANCE_K_BATCH;
			r.members = b->batch_tmp;
			r.nmem = (uint8_t)nb;
			r.queued = b->batch_tmp[0].queued;
			if (!bn_admit(b, &r, now, TL_BINANCE_LIMITS_URGENT))
				return;
			for (unsigned i = 0; i < nb; i++)
				bn_q_drop(b, &b->q_urgent, 0);
		} else if (b->q_urgent.n) {
			if (!bn_can_carry(b, tl_binance_queue_peek(&b->q_urgent), id))
				return;
			if (!bn_admit(b, tl_binance_queue_peek(&b->q_urgent), now, TL_BINANCE_LIMITS_URGENT))
				return;
			r = *tl_binance_queue_peek(&b->q_urgent);
			bn_q_drop(b, &b->q_urgent, 0);
		} else if (id >= 0 && bn_want_listen_key(b, m)) {
			r.kind = TL_BINANCE_K_LISTEN_KEY;
			b->lk_pending = true;
			bn_charge(b, &r, now);
		} else if (id >= 0 && b->bs && m >= b->next_keepalive) {
			r.kind = TL_BINANCE_K_LISTEN_KEEP;
			b->next_keepalive = m + TL_BINANCE_KEEPALIVE_NS;
			bn_charge(b, &r, now);
		} else if (id >= 0 && !b->marks_pending && m >= b->next_marks &&
			   !(b->bs && tl_binance_stream_market_up(b->bs)) &&
			   bn_admit(b, &(tl_binance_req_t){ .kind = TL_BINANCE_K_MARKS }, now,
				    TL_BINANCE_LIMITS_NORMAL)) {
			r.kind = TL_BINANCE_K_MARKS;
			b->marks_pending = true;
		} else if (b->q_normal.n) {
			tl_binance_req_t *h = tl_binance_queue_peek(&b->q_normal);
			if (!bn_can_carry(b, h, id))
				return;	/* FIFO: it waits for a REST connection */
			/* a cancel waits here only behind its own NEW: once
			 * at the head it is as urgent as any cancel */
			if (!bn_admit(b, h, now, h->kind == TL_BINANCE_K_CANCEL ? TL_BINANCE_LIMITS_URGENT
									: TL_BINANCE_LIMITS_NORMAL))
				return;	/* FIFO: held requests wait, in order */
			r = *h;
			bn_q_drop(b, &b->q_normal, 0);
		} else {
			return;
		}
		bn_dispatch(b, id, &r, now, m);
	}
}

/* ---- timeouts and the poll step -------------------------------------------- */

/* Responses overdue; requests that waited too long for a connection.
 * Answers come in order, so the oldest request in flight is the first to
 * be late; the connection is closed with it, and the requests behind it
 * end with the drop (tl_binance_cb: written or not, each by its bytes). */
static void bn_timeouts(tl_binance_t *b, int64_t m)
{
	for (uint32_t i = 0; i < b->nconn; i++) {
		tl_binance_conn_t *c = &b->conns[i];
		if (c->n == 0 || c->closing ||
		    m - tl_binance_conn_head(c)->sent_mono < b->timeout_ns)
			continue;
		char text[TL_TEXT_LEN];
		snprintf(text, sizeof(text), "no response in %lld ms",
			 (long long)(b->timeout_ns / TL_NS_PER_MS));
		tl_binance_fail(b, &tl_binance_conn_head(c)->r, TL_TR_TIMEOUT, true, text);
		tl_binance_conn_pop(c);
		tl_uring_conn_release(b->pool, i);
		/* short: "lost after send: " + this fits TL_TEXT_LEN */
		snprintf(c->why, sizeof(c->why), "an earlier response timed out");
		c->closing = true;
		tl_uring_conn_close(b->pool, i);
	}
	if (tl_uring_pool_up(b->pool) == 0 || !b->ready)
		tl_binance_fail_queued(b, m - b->timeout_ns);
}

/* The transport counters for `talon ctl status` (io/venue.h). */
static void bn_xport_publish(tl_binance_t *b)
{
	tl_venue_xport_t *x = &b->base.xport;

	atomic_store_explicit(&x->ws_sent, b->st.ws_sent, memory_order_relaxed);
	atomic_store_explicit(&x->rest_sent, b->st.rest_sent, memory_order_relaxed);
	atomic_store_explicit(&x->ws_fallbacks, b->st.ws_fallbacks, memory_order_relaxed);
	atomic_store_explicit(&x->ws_sessions, b->st.ws_sessions, memory_order_relaxed);
	atomic_store_explicit(&x->ws_drops, b->st.ws_drops, memory_order_relaxed);
}

/* The user stream's state as io/venue.h names it. */
static uint32_t bn_stream_health(const tl_binance_t *b)
{
	if (!b->bs)	/* no listenKey yet, or REST only */
		return b->base.emit_stream ? TL_SHM_STREAM_CONNECTING : TL_SHM_STREAM_NONE;
	switch (tl_binance_stream_user_state(b->bs)) {
	case TL_BINANCE_STREAM_CONNECTING:
		return TL_SHM_STREAM_CONNECTING;
	case TL_BINANCE_STREAM_UP:
		return TL_SHM_STREAM_UP;
	case TL_BINANCE_STREAM_DOWN_RESYNC_NEEDED:
		return TL_SHM_STREAM_DOWN;
	case TL_BINANCE_STREAM_KEY_EXPIRED:
		return TL_SHM_STREAM_EXPIRED;
	}
	return TL_SHM_STREAM_DOWN;
}

/* The venue's health for the snapshot (io/venue.h): connections, the
 * user stream, the clock, and the limiters' counts in their current
 * windows (0 once a window rolled) against the venue's limits. */
static void bn_health_publish(tl_binance_t *b, tl_time_t now)
{
	tl_venue_health_t *h = &b->base.health;
	uint32_t up = tl_uring_pool_up(b->pool);
	int64_t vms = tl_binance_lim_ms(b, now);

#define HS(f, v) atomic_store_explicit(&h->f, (v), memory_order_relaxed)
	HS(connected, (b->ready && up > 0) ? 1u : 0u);
	HS(conns, up);
	HS(stream, bn_stream_health(b));
	HS(clock_synced, b->ready ? 1u : 0u);
	HS(clock_offset_ns, b->clock.offset_ns);
	HS(weight_used, tl_binance_limits_used(&b->lim, TL_BINANCE_LIMITS_WEIGHT_1M, vms));
	HS(weight_limit, b->lim.w[TL_BINANCE_LIMITS_WEIGHT_1M].limit);
	HS(orders_10s, tl_binance_limits_used(&b->lim, TL_BINANCE_LIMITS_ORDERS_10S, vms));
	HS(orders_10s_limit, b->lim.w[TL_BINANCE_LIMITS_ORDERS_10S].limit);
	HS(orders_1m, tl_binance_limits_used(&b->lim, TL_BINANCE_LIMITS_ORDERS_1M, vms));
	HS(orders_1m_limit, b->lim.w[TL_BINANCE_LIMITS_ORDERS_1M].limit);
	HS(http_429, b->st.http_429);
	HS(http_418, b->st.http_418);
#undef HS
}

/* One poll step of the pool plus bookkeeping. */
int tl_binance_step(tl_binance_t *b, tl_time_t now)
{
	int64_t m = tl_clock_mono_ns();
	int r;

	b->now = now;
	bn_pump(b, now, m);
	r = tl_uring_pool_poll(b->pool, m, tl_binance_cb, b);
	if (r < 0)
		snprintf(b->last_err, sizeof(b->last_err), "io_uring: %s",
			 strerror(-r));
	if (b->ws) {
		int w = tl_binance_ws_step(b, m);
		if (w > 0)
			r = (r > 0 ? r : 0) + w;
	}
	bn_timeouts(b, m);
	bn_pump(b, now, m);
	if (b->bs)
		atomic_store_explicit(&b->stream_state, (int)tl_binance_stream_user_state(b->bs),
				      memory_order_relaxed);
	bn_xport_publish(b);
	bn_health_publish(b, now);
	return r > 0 ? r : 0;
}

/* ---- venue ops ------------------------------------------------------------- */

/* Where the NEW of this client id still waits unwritten: its queue
 * and index, or NULL. */
static tl_binance_queue_t *bn_new_queued(tl_binance_t *b, const char *clid, uint32_t *at)
{
	tl_binance_queue_t *qs[2] = { &b->q_normal, &b->q_urgent };

	if (b->newq[bn_clid_slot(clid)] == 0)
		return NULL;	/* almost every cancel: its NEW left long ago */
	for (int k = 0; k < 2; k++) {
		tl_binance_queue_t *q = qs[k];
		for (uint32_t i = 0; i < q->n; i++) {
			const tl_binance_req_t *r = tl_binance_queue_at(q, i);
			if (r->kind == TL_BINANCE_K_NEW &&
			    strncmp(r->req.client_id, clid, TL_CLID_LEN) == 0) {
				*at = i;
				return q;
			}
		}
	}
	return NULL;
}

/* A cancel of an order whose NEW has not left: neither goes. The NEW
 * is withdrawn (the venue never sees it), then the cancel gets its own
 * outcome (invariant 2; the kernel has the order CANCELED by then). */
static bool bn_cancel_unsent(tl_binance_t *b, const tl_out_req_t *req)
{
	static const char why[] = "withdrawn: canceled before send";
	uint32_t at;
	tl_binance_queue_t *q = bn_new_queued(b, req->client_id, &at);
	tl_binance_req_t nr, cr;

	if (!q)
		return false;
	nr = *tl_binance_queue_at(q, at);
	bn_q_drop(b, q, at);
	tl_binance_withdraw(b, &nr, why);
	memset(&cr, 0, sizeof(cr));
	cr.req = *req;
	cr.kind = TL_BINANCE_K_CANCEL;
	tl_binance_withdraw(b, &cr, why);
	return true;
}

/* Cancels, queries and emergency closes go on the urgent queue: they
 * must never wait behind new orders held by the order-rate limiters
 * (a cancel or query of an order whose NEW is still queued does not
 * exist here: bn_cancel_unsent, and a query waits behind its NEW). */
static tl_binance_queue_t *bn_queue_for(tl_binance_t *b, const tl_out_req_t *req, int kind)
{
	/* Cancels and emergency closes go on the urgent queue: they never
	 * wait behind new orders held by the order-rate limiters. A query
	 * stays behind the new orders (unless the kernel marks it urgent, an
	 * emergency close's): it may be about a NEW still queued here, which
	 * it must not overtake, and telling which would cost a scan of the
	 * queues per query (thousands under back-pressure: the TSan rig test
	 * timed out on it). */
	if (req->urgent || kind == TL_BINANCE_K_CANCEL)
		return &b->q_urgent;
	return &b->q_normal;
}

static int bn_enqueue(tl_binance_t *b, const tl_out_req_t *req, int kind,
		      tl_time_t now)
{
	tl_binance_queue_t *q;
	tl_binance_req_t r;

	if (kind == TL_BINANCE_K_NEW && tl_symbols_find(b->syms, req->symbol) < 0)
		return -EINVAL;
	memset(&r, 0, sizeof(r));
	r.req = *req;
	r.kind = (uint8_t)kind;
	r.queued = tl_clock_mono_ns();
	b->now = now;
	if (kind == TL_BINANCE_K_NEW && !tl_venue_may_send(&b->base, req)) {
		tl_binance_withdraw(b, &r, bn_gate_why(b));
		return 0;
	}
	if (kind == TL_BINANCE_K_CANCEL && bn_cancel_unsent(b, req))
		return 0;
	q = bn_queue_for(b, req, kind);
	if (!tl_binance_queue_push(q, &r))
		return -EAGAIN;
	bn_q_count(b, &r, true);
	/* More closes of this burst follow: send once they are here. */
	if (bn_batchable(&r) && r.req.more)
		return 0;
	bn_pump(b, now, r.queued);
	return 0;
}

static int bn_submit(tl_venue_t *v, const tl_out_req_t *req, tl_time_t now)
{
	return bn_enqueue(tl_binance_of(v), req, TL_BINANCE_K_NEW, now);
}

static int bn_cancel(tl_venue_t *v, const tl_out_req_t *req, tl_time_t now)
{
	return bn_enqueue(tl_binance_of(v), req, TL_BINANCE_K_CANCEL, now);
}

static int bn_query(tl_venue_t *v, const tl_out_req_t *req, tl_time_t now)
{
	return bn_enqueue(tl_binance_of(v), req, TL_BINANCE_K_QUERY, now);
}

static int bn_cancel_all(tl_venue_t *v, const char *symbol, tl_time_t now)
{
	tl_binance_t *b = tl_binance_of(v);

	for (uint32_t i = 0; i < b->syms->count; i++) {
		const tl_symbol_t *s = tl_symbols_get(b->syms, (int)i);
		tl_binance_req_t r;

		if (symbol && symbol[0] && strcmp(symbol, s->name) != 0)
			continue;
		/* allOpenOrders does not reach stop and take-profit orders
		 * (the venue's algo service): algoOpenOrders too */
		for (uint32_t algo = 0; algo < 2; algo++) {
			memset(&r, 0, sizeof(r));
			r.kind = TL_BINANCE_K_CANCEL_ALL;
			r.lev = algo;
			snprintf(r.req.symbol, sizeof(r.req.symbol), "%s", s->name);
			r.queued = tl_clock_mono_ns();
			if (!tl_binance_queue_push(&b->q_urgent, &r))
				return -EAGAIN;
		}
	}
	b->now = now;
	bn_pump(b, now, tl_clock_mono_ns());
	return 0;
}

static int bn_poll(tl_venue_t *v, tl_time_t now)
{
	tl_binance_t *b = tl_binance_of(v);
	int r;

	b->emitted = 0;
	b->now = now;
	bn_gate_poll(b);
	tl_binance_sweep_poll(b, now);
	r = tl_binance_step(b, now);
	/* Reconciliation runs for an engine-driven adapter (it has streams). */
	if (b->rsync && b->base.emit_stream)
		tl_binance_sync_poll(b->rsync, now);
	/* symbols that left TRADING (or came back) at the venue */
	tl_input_t st[8];
	uint32_t n = tl_binance_xwatch_take(b->xw, st, 8);
	for (uint32_t i = 0; i < n; i++) {
		st[i].hdr.time = now;
		tl_binance_emit(b, &st[i]);
	}
	return b->emitted + (r > 0);
}

static void bn_destroy(tl_venue_t *v)
{
	tl_binance_t *b = tl_binance_of(v);

	if (!b)
		return;
	tl_binance_stream_stop(b->bs);
	tl_uring_pool_free(b->pool);
	tl_binance_ws_free(b->ws);
	tl_binance_signer_wipe(&b->signer);
	free(b->bodies);
	free(b->arena_buf);
	tl_binance_queue_free(&b->q_urgent);
	tl_binance_queue_free(&b->q_normal);
	free(b->sync_buf);
	tl_binance_sync_free(b->rsync);
	tl_binance_sweep_free(b->sw);
	tl_binance_xwatch_free(b->xw);
	free(b);
}

/* The IO thread's idle: block in io_uring until a completion or max_ns. */
static int bn_wait(tl_venue_t *v, int64_t max_ns)
{
	tl_binance_t *b = tl_binance_of(v);
	int rc;

	if (b->ws && tl_binance_ws_before_wait(b, &max_ns))
		return 1;	/* a WS answer is in: no sleep */
	rc = tl_uring_pool_wait(b->pool, max_ns);

	if (rc > 0)
		atomic_fetch_add_explicit(&b->io_wakeups, 1, memory_order_relaxed);
	return rc;
}

static int bn_watch(tl_venue_t *v, int fd)
{
	tl_binance_t *b = tl_binance_of(v);
	int rc = tl_uring_pool_watch(b->pool, fd);

	if (rc == 0 && b->ws)
		rc = tl_binance_ws_watch(b, fd);
	return rc;
}

static const tl_venue_ops_t bn_ops = {
	.name = "binance",
	.submit = bn_submit,
	.cancel = bn_cancel,
	.query = bn_query,
	.cancel_all = bn_cancel_all,
	.account = tl_binance_account,
	.set_leverage = tl_binance_set_leverage,
	.set_margin_type = tl_binance_set_margin_type,
	.poll = bn_poll,
	.wait = bn_wait,
	.watch = bn_watch,
	.destroy = bn_destroy,
};

/* ---- public ---------------------------------------------------------------- */

tl_venue_t *tl_binance_create(const tl_config_t *cfg, const tl_symbols_t *syms,
			      tl_venue_emit_fn emit, void *ctx, char *err,
			      size_t errlen)
{
	const tl_binance_cfg_t *bc = tl_binance_cfg_const(cfg);
	tl_binance_t *b = calloc(1, sizeof(*b));
	const char *warning = NULL;
	char perr[256];

	if (!b) {
		snprintf(err, errlen, "binance: out of memory");
		return NULL;
	}
	b->base.ops = &bn_ops;
	b->base.emit = emit;
	b->base.emit_ctx = ctx;
	b->syms = syms;
	b->hedge = cfg->kernel.hedge_mode;
	b->recv_window_ms = bc->recv_window_ms ? bc->recv_window_ms : 5000;
	b->timeout_ns = bc->timeout_ns > 0 ? bc->timeout_ns : 5 * TL_NS_PER_S;
	b->startup_deadline_ns = bc->startup_deadline_ns > 0 ? bc->startup_deadline_ns
							     : TL_STARTUP_DEADLINE_NS;
	b->nconn = bc->connections ? bc->connections : TL_BINANCE_CONNECTIONS;
	b->pipeline = bc->pipeline ? bc->pipeline : TL_BINANCE_PIPELINE;
	b->lim_weight_1m = bc->weight_1m ? bc->weight_1m : TL_BINANCE_WEIGHT_1M;
	b->lim_orders_10s = bc->orders_10s ? bc->orders_10s : TL_BINANCE_ORDERS_10S;
	b->lim_orders_1m = bc->orders_1m ? bc->orders_1m : TL_BINANCE_ORDERS_1M;
	tl_binance_limits_init(&b->lim, (uint32_t)b->lim_weight_1m, (uint32_t)b->lim_orders_10s,
		     (uint32_t)b->lim_orders_1m);
	if (bc->countdown_cancel_ms &&
	    (bc->countdown_cancel_ms < TL_BINANCE_DEADMAN_MIN_MS || bc->countdown_cancel_ms > TL_BINANCE_DEADMAN_MAX_MS)) {
		snprintf(err, errlen, "venue.binance.countdown_cancel_ms: expected 0 or %d..%d",
			 TL_BINANCE_DEADMAN_MIN_MS, TL_BINANCE_DEADMAN_MAX_MS);
		goto fail;
	}
	tl_binance_deadman_init(&b->dm, bc->countdown_cancel_ms, syms->count);
	if (b->nconn > TL_BINANCE_MAX_CONNS) {
		snprintf(err, errlen, "venue.binance.connections: expected 1..%d",
			 TL_BINANCE_MAX_CONNS);
		goto fail;
	}
	if (b->pipeline > TL_BINANCE_PIPELINE_MAX) {
		snprintf(err, errlen, "venue.binance.pipeline: expected 1..%d",
			 TL_BINANCE_PIPELINE_MAX);
		goto fail;
	}
	tl_binance_map_init();
	if (bc->ed25519_key_file[0]) {
		char why[256];

		/* The message names the file and the reason, never the key. */
		if (tl_binance_signer_load_ed25519(&b->signer, bc->api_key,
						   bc->ed25519_key_file, why,
						   sizeof why) < 0) {
			snprintf(err, errlen, "venue.binance.ed25519_key_file: %s", why);
			goto fail;
		}
	} else if (tl_binance_signer_init(&b->signer, bc->api_key, bc->api_secret) < 0) {
		/* Never the values: only which keys. */
		snprintf(err, errlen,
			 "venue.binance.api_key / api_secret: rejected by the signer (value not shown)");
		goto fail;
	}
	if (bc->rest.port == 443 || bc->rest.port == 80)
		snprintf(b->host_hdr, sizeof(b->host_hdr), "%s", bc->rest.host);
	else
		snprintf(b->host_hdr, sizeof(b->host_hdr), "%s:%u", bc->rest.host,
			 bc->rest.port);
	snprintf(b->key_hdr, sizeof(b->key_hdr), "X-MBX-APIKEY: %s\r\n",
		 tl_binance_signer_api_key(&b->signer));
	if (tl_binance_queue_init(&b->q_urgent, TL_BINANCE_Q_CAP, err, errlen) < 0 ||
	    tl_binance_queue_init(&b->q_normal, TL_BINANCE_Q_CAP, err, errlen) < 0)
		goto fail;
	b->bodies = malloc((size_t)b->nconn * TL_BINANCE_BODY_CAP);
	b->arena_buf = malloc(TL_BINANCE_ARENA_CAP);
	b->sync_buf = malloc(TL_BINANCE_SYNC_CAP);
	b->rsync = tl_binance_sync_new(cfg, syms, &b->base);
	b->sw = tl_binance_sweep_new(cfg);
	if (!b->bodies || !b->arena_buf ||
	    !b->sync_buf || !b->rsync || !b->sw) {
		snprintf(err, errlen, "binance: out of memory");
		goto fail;
	}
	if (bc->exchange_info_refresh_ns > 0 &&
	    !(b->xw = tl_binance_xwatch_new(bc, syms, bc->exchange_info_refresh_ns, err, errlen)))
		goto fail;
	tl_binance_arena_init(&b->arena, b->arena_buf, TL_BINANCE_ARENA_CAP);
	for (uint32_t i = 0; i < b->nconn; i++) {
		tl_http_resp_init(&b->conns[i].resp, b->bodies + (size_t)i * TL_BINANCE_BODY_CAP,
				  TL_BINANCE_BODY_CAP);
		tl_http_resp_on_header(&b->conns[i].resp, tl_binance_mbx_header,
				       &b->conns[i].mbx);
	}
	tl_binance_clock_init(&b->clock);
	snprintf(b->ws_host, sizeof(b->ws_host), "%s", bc->ws.host);
	b->ws_port = bc->ws.port;
	b->ws_tls = bc->ws.tls;
	b->ws_insecure = bc->rest.insecure;
	snprintf(b->ws_ca, sizeof(b->ws_ca), "%s", bc->rest.ca_file);
	for (uint32_t i = 0; i < syms->count && i < TL_BINANCE_STREAM_MAX_SYMBOLS; i++)
		b->sym_names[b->n_sym_names++] = tl_symbols_get(syms, (int)i)->name;
	atomic_init(&b->stream_state, -1);
	b->st.used_weight_1m = b->st.order_count_10s = b->st.order_count_1m = -1;

	tl_uring_pool_cfg_t pc = {
		.host = bc->rest.host,
		.port = bc->rest.port,
		.conns = b->nconn,
		.tls = bc->rest.tls,
		.ca_file = bc->rest.ca_file[0] ? bc->rest.ca_file : NULL,
		.tls_insecure = bc->rest.insecure,
		.rx_buf = 64u << 10,
		/* every request in flight, and one more whose send is not
		 * reaped yet though its answer is, fit at once: a send never
		 * meets -EAGAIN for want of room */
		.tx_buf = (b->pipeline + 1) * TL_BINANCE_TX_CAP,
		.connect_timeout_ns = b->timeout_ns,
	};
	b->pool = tl_uring_pool_new(&pc, &warning, perr, sizeof(perr));
	if (!b->pool) {
		snprintf(err, errlen, "venue.binance.rest: %s", perr);
		goto fail;
	}
	if (warning)
		tl_log(TL_LOG_WARN, "binance: %s", warning);
	if (tl_binance_ws_new(b, bc, err, errlen) < 0)
		goto fail;
	return &b->base;
fail:
	bn_destroy(&b->base);
	return NULL;
}
