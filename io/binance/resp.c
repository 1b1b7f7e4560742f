/*
 * binance_resp.c - the Binance adapter's answers (IO thread): what a
 * completed HTTP response or a connection event does (binance_int.h).
 *
 * Entered only from the pool's callback, tl_binance_cb, which tl_binance_step hands to
 * tl_uring_pool_poll. A response is fed through the HTTP parser; a whole one
 * goes to bn_done, which updates the rate limiters from its X-MBX-*
 * headers, decodes it by request kind (clock, marks, listenKey, kernel
 * requests, batches, reconciliation) and takes the request off its
 * connection's in-flight FIFO (answers come in request order, so the
 * oldest owns the bytes; the connection is closed unless keep-alive). A
 * drop ends every request still in flight on it, each as RESET (some of
 * its bytes may have left) or CONNECT (none did). Kept apart from binance.c: this is
 * what comes back, that is what goes out; both keep invariants 1 and 2
 * of binance_int.h.
 */
#define _GNU_SOURCE
#include "io/binance/internal.h"
#include "io/binance/market.h"
#include "io/binance/xwatch.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


#include "runtime/log.h"

/* ---- responses ------------------------------------------------------------- */

/* The X-MBX-* counts raise the local limiters (io/binance/limits.h),
 * which hold non-urgent requests at 90 % and everything at 100 %; the
 * 80 % warning is logged once per window and limiter. */
void tl_binance_on_limits(tl_binance_t *b, int status, int64_t retry_after_ns,
			 const tl_binance_mbx_t *x, int64_t m)
{
	int64_t vms = tl_binance_lim_ms(b, tl_clock_realtime_ns());
	unsigned warn;

	if (x->used_weight_1m >= 0)
		b->st.used_weight_1m = x->used_weight_1m;
	if (x->order_count_10s >= 0)
		b->st.order_count_10s = x->order_count_10s;
	if (x->order_count_1m >= 0)
		b->st.order_count_1m = x->order_count_1m;
	tl_binance_limits_sync(&b->lim, vms, x->used_weight_1m, x->order_count_10s,
		     x->order_count_1m);
	b->st.limiter_holds = b->lim.holds;
	if ((warn = tl_binance_limits_warnings(&b->lim, vms)) != 0) {
		for (int i = 0; i < TL_BINANCE_LIMITS__N; i++) {
			if (!(warn & (1u << i)))
				continue;
			b->st.limit_warnings++;
			tl_log(TL_LOG_WARN,
			       "binance: %s at %u of %u (warning at %u %%, non-urgent requests held at %u %%)",
			       tl_binance_limits_name((tl_binance_limits_id_t)i),
			       tl_binance_limits_used(&b->lim, (tl_binance_limits_id_t)i, vms),
			       b->lim.w[i].limit, b->lim.warn_pct, b->lim.hold_pct);
		}
	}
	if (status == 429 || status == 418) {
		int64_t ra = retry_after_ns > 0 ? retry_after_ns
			     : (status == 418 ? 60 * TL_NS_PER_S : TL_NS_PER_S);
		if (m + ra > b->hold_all_until)
			b->hold_all_until = m + ra;
		b->st.held++;
		if (status == 429)
			b->st.http_429++;
		else
			b->st.http_418++;
	}
}

static void bn_on_time(tl_binance_t *b, const tl_binance_flight_t *f,
		       const tl_http_resp_t *h)
{
	tl_time_t t_recv = tl_clock_realtime_ns();
	int64_t ms;

	b->time_pending = false;
	if (h->status != 200 || tl_binance_decode_server_time(h->body, h->body_len, &ms) < 0 ||
	    tl_binance_clock_update(&b->clock, ms, f->sent_real, t_recv) < 0) {
		snprintf(b->last_err, sizeof(b->last_err),
			 "GET /fapi/v1/time: HTTP %d, no serverTime", h->status);
		b->time_retry_at = tl_clock_mono_ns() + TL_NS_PER_S;
		return;
	}
	b->st.time_syncs++;
	b->st.clock_offset_ns = b->clock.offset_ns;
	/* read by tl_binance_ready() from other threads */
	__atomic_store_n(&b->ready, true, __ATOMIC_RELEASE);
}

/* tl_binance_want_fn / _mark_fn for the premiumIndex poll */
static bool bn_mark_wanted(void *ctx, const char *sym)
{
	const tl_binance_t *b = ctx;

	return tl_symbols_find(b->syms, sym) >= 0;
}

static void bn_mark_emit(void *ctx, const tl_input_t *in)
{
	tl_binance_emit(ctx, in);
}

/* premiumIndex (all symbols) -> one MARK per symbol we trade. Cold-ish:
 * once a second at most (market.h). */
static void bn_on_marks(tl_binance_t *b, const tl_http_resp_t *h)
{
	b->marks_pending = false;
	b->next_marks = tl_clock_mono_ns() + TL_BINANCE_MARK_POLL_NS;
	if (h->status != 200)
		return;
	atomic_fetch_add_explicit(&b->mark_polls, 1, memory_order_relaxed);
	tl_binance_decode_premium_index(h->body, h->body_len, b->now, bn_mark_wanted,
					bn_mark_emit, b);
}

/* A query found the order with executed quantity: fetch its trades
 * before the answer goes to the kernel, so a fill the user stream missed
 * is applied (once: the kernel deduplicates by trade id). False: no room,
 * emit the answer as it is. */
static bool bn_fetch_trades(tl_binance_t *b, const tl_binance_req_t *r,
			    const tl_input_t *in)
{
	if (!b->rsync || !b->base.emit_stream || !in->u.query.found ||
	    in->u.query.executed_qty <= 0 ||
	    in->u.query.venue_id <= 0)
		return false;
	int slot = tl_binance_sync_hold(b->rsync, in);
	if (slot < 0)
		return false;
	if (tl_binance_trades_send(&b->base, r->req.symbol, in->u.query.venue_id,
				   in->u.query.client_id, slot) < 0)
		tl_binance_sync_trades_done(b->rsync, slot, -1, "queue full", 10, b->now);
	return true;
}

/* A whole response, as the decoders take it. */
static tl_binance_resp_t bn_resp_of(const tl_http_resp_t *h)
{
	return (tl_binance_resp_t){
		.http_status = (uint16_t)h->status,
		.retry_after_ns = h->retry_after_ns > 0 ? h->retry_after_ns : 0,
		.body = h->body,
		.len = h->body_len,
	};
}

void tl_binance_on_kernel(tl_binance_t *b, const tl_binance_req_t *r,
			  const tl_binance_http_t *http, const tl_binance_resp_t *rr)
{
	tl_binance_decoded_t dec;
	tl_req_kind_t kind = tl_binance_kernel_kind(r->kind);
	int rc = tl_binance_decode_response(&b->arena, &r->req, kind, http,
					    rr, b->now, &dec);

	/* An algo order that already triggered is no longer open at the
	 * algo endpoint (-2011): what is left to cancel is the order it
	 * placed, under the same client id. Its answer (CANCELED, or the
	 * error, e.g. -2011 when that order is done too) goes to the
	 * kernel as this cancel's. */
	if (rc == TL_BN_OK && r->kind == TL_BINANCE_K_CANCEL && http->algo &&
	    dec.n == 1 && dec.in[0].hdr.type == TL_IN_REQ_ERROR &&
	    dec.in[0].u.error.outcome.code == -2011) {
		tl_binance_req_t q = *r;
		q.kind = TL_BINANCE_K_CANCEL_CHILD;
		q.queued = tl_clock_mono_ns();
		if (tl_binance_queue_push(&b->q_urgent, &q))
			return;
	}
	if (rc == TL_BN_OK) {
		for (uint32_t i = 0; i < dec.n; i++) {
			const tl_input_t *in = &dec.in[i];
			if (in->hdr.type == TL_IN_REQ_ERROR &&
			    in->u.error.outcome.code == -1021)
				b->time_wanted = true;	/* resync the clock */
			/* a filter the venue changed: re-read exchangeInfo */
			if (in->hdr.type == TL_IN_REQ_ERROR)
				tl_binance_xwatch_kick(b->xw, in->u.error.outcome.code);
			else if (in->hdr.type == TL_IN_ORDER_UPDATE &&
				 in->u.update.status == TL_ST_REJECTED)
				tl_binance_xwatch_kick(b->xw, in->u.update.code);
			if (in->hdr.type == TL_IN_QUERY_RESULT && bn_fetch_trades(b, r, in))
				continue;	/* emitted after its trades */
			tl_binance_emit(b, in);
		}
		return;
	}
	if (rc == TL_BN_ALGO_CHILD) {
		tl_binance_req_t q = *r;
		q.kind = TL_BINANCE_K_QUERY_CHILD;
		q.child_id = dec.child_order_id;
		q.queued = tl_clock_mono_ns();
		if (tl_binance_queue_push(&b->q_urgent, &q))
			return;
	}
	/* Undecodable (or nothing for the kernel): an outcome we cannot
	 * read. For a write that is ambiguous: the kernel queries. */
	tl_input_t in;

	memset(&in, 0, sizeof(in));
	in.hdr.type = TL_IN_REQ_ERROR;
	in.hdr.time = b->now;
	memcpy(in.u.error.client_id, r->req.client_id, TL_CLID_LEN);
	in.u.error.req = (uint8_t)kind;
	in.u.error.outcome.transport = TL_TR_NONE;
	in.u.error.outcome.written = true;
	in.u.error.outcome.is_write = tl_binance_is_write(r->kind);
	in.u.error.outcome.http_status = rr->http_status;
	in.u.error.retry_after_ns = rr->retry_after_ns;
	snprintf(in.u.error.text, sizeof(in.u.error.text),
		 "undecodable response (HTTP %d): %s%s%s", (int)rr->http_status,
		 tl_binance_strerror(rc), dec.field ? " at " : "",
		 dec.field ? dec.field : "");
	tl_binance_emit(b, &in);
}

/* batchOrders answered: one outcome per order of the batch, each on its
 * own (an error element fails or retries just that order). */
static void bn_on_batch(tl_binance_t *b, const tl_binance_flight_t *f,
			const tl_http_resp_t *h)
{
	const tl_out_req_t *reqs[TL_BINANCE_BATCH_MAX];
	tl_binance_resp_t rr = bn_resp_of(h);
	tl_binance_decoded_t dec;

	for (uint8_t i = 0; i < f->r.nmem; i++)
		reqs[i] = &f->r.members[i].req;
	(void)tl_binance_decode_batch(&b->arena, reqs, f->r.nmem, &rr, b->now, &dec);
	/* decode_batch gives one input per order whatever the body was
	 * (undecodable: a written, unknown outcome for each). */
	for (uint32_t i = 0; i < dec.n; i++) {
		if (dec.in[i].hdr.type == TL_IN_REQ_ERROR &&
		    dec.in[i].u.error.outcome.code == -1021)
			b->time_wanted = true;
		tl_binance_emit(b, &dec.in[i]);
	}
}

/* STREAM thread: count, then hand over to the engine's stream ring. */
static void bn_stream_emit(void *ctx, const tl_input_t *in)
{
	tl_binance_t *b = ctx;

	if (in->hdr.type < TL_IN__COUNT)
		atomic_fetch_add_explicit(&b->stream_in[in->hdr.type], 1,
					  memory_order_relaxed);
	b->base.emit_stream(b->base.emit_stream_ctx, in);
}

/* POST /fapi/v1/listenKey answered: start the streams, or hand them
 * the new key. Cold path (once, then on expiry). */
static void bn_on_listen_key(tl_binance_t *b, const tl_http_resp_t *h)
{
	int64_t m = tl_clock_mono_ns();
	char key[TL_BINANCE_STREAM_KEY_LEN] = "";

	b->lk_pending = false;
	b->lk_retry_at = m + 5 * TL_NS_PER_S;
	if (h->status != 200 ||
	    tl_binance_decode_listen_key(h->body, h->body_len, key, sizeof(key)) < 0) {
		snprintf(b->last_err, sizeof(b->last_err),
			 "POST /fapi/v1/listenKey: HTTP %d, no listenKey", h->status);
		return;
	}
	b->next_keepalive = m + TL_BINANCE_KEEPALIVE_NS;
	if (b->bs) {
		tl_binance_stream_set_listen_key(b->bs, key);
		return;
	}
	tl_binance_stream_cfg_t sc = {
		.host = b->ws_host,
		.port = b->ws_port,
		.tls = b->ws_tls,
		.ca_file = b->ws_ca[0] ? b->ws_ca : NULL,
		.insecure = b->ws_insecure,
		.listen_key = key,
		.symbols = b->sym_names,
		.n_symbols = b->n_sym_names,
		.paths = TL_BINANCE_STREAM_PATH_CURRENT,
	};
	char err[256];
	b->bs = tl_binance_stream_start(&sc, bn_stream_emit, b, err, sizeof(err));
	if (!b->bs) {
		snprintf(b->last_err, sizeof(b->last_err), "streams: %.200s", err);
		tl_log(TL_LOG_ERROR, "binance: streams not started: %s", err);
		b->lk_retry_at = m + 60 * TL_NS_PER_S;
	}
}

/* Close connection id ourselves: its -ECANCELED is expected, and `why`
 * names the cause for the requests still in flight on it (each ends
 * when the drop is reported, tl_binance_cb). */
static void bn_close(tl_binance_t *b, uint32_t id, const char *why)
{
	tl_binance_conn_t *c = &b->conns[id];

	if (c->closing)
		return;
	snprintf(c->why, sizeof(c->why), "%s", why);
	c->closing = true;
	tl_uring_conn_close(b->pool, id);
}

/* The oldest request on connection id has its whole response: act on
 * it; it leaves the FIFO, and the next one owns the bytes that follow. */
static void bn_done(tl_binance_t *b, uint32_t id)
{
	tl_binance_conn_t *c = &b->conns[id];
	const tl_binance_flight_t *f = tl_binance_conn_head(c);
	const tl_http_resp_t *h = &c->resp;
	int64_t m = tl_clock_mono_ns();

	b->st.responses++;
	tl_binance_on_limits(b, h->status, h->retry_after_ns, &c->mbx, m);
	switch (f->r.kind) {
	case TL_BINANCE_K_TIME:
		bn_on_time(b, f, h);
		break;
	case TL_BINANCE_K_MARKS:
		bn_on_marks(b, h);
		break;
	case TL_BINANCE_K_LISTEN_KEY:
		bn_on_listen_key(b, h);
		break;
	case TL_BINANCE_K_LISTEN_KEEP:
		if (h->status != 200)
			b->next_keepalive = m + 60 * TL_NS_PER_S;
		break;
	case TL_BINANCE_K_CANCEL_ALL:
		if (h->status != 200)
			tl_log(TL_LOG_WARN, "binance: cancel all%s %s: HTTP %d %.*s",
			       f->r.lev ? " algo" : "", f->r.req.symbol, h->status,
			       (int)(h->body_len < 160 ? h->body_len : 160),
			       h->body);
		break;
	case TL_BINANCE_K_BATCH:
		bn_on_batch(b, f, h);
		break;
	case TL_BINANCE_K_COUNTDOWN:
		tl_binance_dm_result(b, &f->r, h->status == 200,
			     h->status == 200 ? "" : "HTTP error");
		if (h->status != 200 && b->dm.failures < 10)
			tl_log(TL_LOG_WARN, "binance: countdownCancelAll %s: HTTP %d %.*s",
			       f->r.req.symbol, h->status,
			       (int)(h->body_len < 160 ? h->body_len : 160),
			       h->body);
		break;
	case TL_BINANCE_K_TRADES:
		tl_binance_sync_trades_done(b->rsync, (int)f->r.lev, h->status,
				     h->body, h->body_len, b->now);
		break;
	case TL_BINANCE_K_SYNC:
		tl_binance_sync_done(b->rsync, (int)f->r.lev, h->status, h->body,
			      h->body_len, b->now);
		break;
	case TL_BINANCE_K_SWEEP_CANCEL:
	case TL_BINANCE_K_SWEEP_GET:
	case TL_BINANCE_K_SWEEP_CLOSE:
		tl_binance_sweep_done(b, &f->r, h->status, h->body, h->body_len);
		break;
	case TL_BINANCE_K_LEVERAGE:
	case TL_BINANCE_K_MARGIN_TYPE:
	case TL_BINANCE_K_BALANCE:
	case TL_BINANCE_K_POSITIONS:
		b->sync_status = h->status;
		b->sync_len = h->body_len < TL_BINANCE_SYNC_CAP - 1 ? h->body_len
								 : TL_BINANCE_SYNC_CAP - 1;
		memcpy(b->sync_buf, h->body, b->sync_len);
		b->sync_buf[b->sync_len] = '\0';
		b->sync_done = true;
		break;
	default: {
		tl_binance_resp_t rr = bn_resp_of(h);
		tl_binance_on_kernel(b, &f->r, &f->http, &rr);
		break;
	}
	}
	bool keep = h->keep_alive;
	tl_binance_conn_pop(c);
	tl_uring_conn_release(b->pool, id);
	tl_http_resp_reset(&c->resp);
	/* The venue answers nothing more here: what is still in flight
	 * ends with the drop. */
	if (!keep)
		bn_close(b, id, "the venue said Connection: close");
}

/* ---- connection events ----------------------------------------------------- */

/* A connection failed: last_err for the operator ("conn N: msg"),
 * last_msg for the REQ_ERROR texts of requests still queued. */
static void bn_set_error(tl_binance_t *b, uint32_t id, const char *msg)
{
	snprintf(b->last_err, sizeof(b->last_err), "conn %u: %s", id,
		 msg ? msg : "error");
	snprintf(b->last_msg, sizeof(b->last_msg), "%s", msg ? msg : "error");
}

/* Connection id dropped: every request still in flight on it ends, in
 * the order they were written, each with its own outcome (invariant 2):
 * RESET written when any of its bytes may have left, CONNECT (never
 * executed, safe to send again) when none did. */
static void bn_dropped(tl_binance_t *b, uint32_t id, size_t unsent, const char *why)
{
	tl_binance_conn_t *c = &b->conns[id];
	uint32_t never = tl_binance_conn_never_left(c, unsent);
	char text[320];

	while (c->n > 0) {
		bool written = c->n > never;
		tl_binance_flight_t *f = tl_binance_conn_head(c);

		snprintf(text, sizeof(text), "%s: %s",
			 written ? "lost after send" : "lost before send",
			 why ? why : "closed");
		tl_binance_fail(b, &f->r, written ? TL_TR_RESET : TL_TR_CONNECT,
				written, text);
		tl_binance_conn_pop(c);
		tl_uring_conn_release(b->pool, id);
	}
}

void tl_binance_cb(void *user, const tl_uring_conn_ev_t *ev)
{
	tl_binance_t *b = user;
	tl_binance_conn_t *c = &b->conns[ev->conn];

	switch (ev->kind) {
	case TL_URING_CONN_EV_DATA: {
		const char *d = (const char *)ev->data;
		size_t left = ev->len;

		/* The answers come in request order: each belongs to the
		 * oldest request still in flight. */
		while (left && c->n && !c->closing) {
			ssize_t k = tl_http_resp_feed(&c->resp, d, left);
			if (k < 0) {
				char why[96], text[128];
				snprintf(why, sizeof(why), "bad HTTP response: %s",
					 tl_http_strerror(c->resp.error));
				snprintf(text, sizeof(text), "lost after send: %s", why);
				bn_set_error(b, ev->conn, why);
				/* its bytes left (an answer is arriving) */
				tl_binance_fail(b, &tl_binance_conn_head(c)->r,
						TL_TR_RESET, true, text);
				tl_binance_conn_pop(c);
				tl_uring_conn_release(b->pool, ev->conn);
				bn_close(b, ev->conn, why);
				return;
			}
			d += k;
			left -= (size_t)k;
			if (c->resp.state != TL_HTTP_DONE)
				break;
			bn_done(b, ev->conn);
		}
		/* Bytes with no request waiting for them: the peer is out of
		 * step; drop the connection. */
		if (left && !c->n && !c->closing) {
			bn_set_error(b, ev->conn, "unexpected data from the venue");
			bn_close(b, ev->conn, "unexpected data from the venue");
		}
		break;
	}
	case TL_URING_CONN_EV_CONNECTED:
		c->closing = false;
		c->why[0] = '\0';
		break;
	case TL_URING_CONN_EV_CLOSED:
	case TL_URING_CONN_EV_ERROR: {
		bool ours = c->closing && ev->err == -ECANCELED;

		if (!ours && (ev->kind == TL_URING_CONN_EV_ERROR || c->n))
			bn_set_error(b, ev->conn, ev->msg);
		/* An answer framed by the close itself completes at EOF. */
		if (!ours && c->n && tl_http_resp_eof(&c->resp) == 0 &&
		    c->resp.state == TL_HTTP_DONE)
			bn_done(b, ev->conn);
		bn_dropped(b, ev->conn, ev->unsent, ours ? c->why : ev->msg);
		c->closing = false;
		tl_http_resp_reset(&c->resp);
		/* Could not connect at all and nothing is up: what waits
		 * would wait for nothing. */
		if (!ev->was_up && tl_uring_pool_up(b->pool) == 0)
			tl_binance_fail_queued(b, INT64_MAX);
		break;
	}
	}
}
