/*
 * wsorder.c - the kernel's NEW/CANCEL/QUERY over Binance's WebSocket API
 * (ws-fapi), venue.binance.order_transport "ws"; REST (binance.c) carries
 * them whenever no session is READY, and every other request always.
 *
 * A session's life (one per connection of a second pool, io/net/uring.h,
 * to venue.binance.ws_api):
 *   DOWN --connected--> UPGRADE (GET .. Upgrade: websocket, io/net/ws.h)
 *        (IDLE instead until the clock is set, nothing signed before
 *        it, or while a refused logon or upgrade holds sessions off)
 *   UPGRADE --101--> LOGON (session.logon, Ed25519 key)
 *                 or READY at once (HMAC: every request signed)
 *   LOGON --200--> READY (counted in ws_sessions)
 *   READY --rotation: the successor is READY--> DRAINING (nothing new; its
 *          answers still arrive) --empty--> closed by us
 *   any --drop, close frame, bad frame, timeout--> DOWN (the pool
 *          reconnects it: the next session)
 * Two connections: the active session and its successor, kept READY so
 * a rotation (before Binance's 24-hour limit) or a drop of the active
 * one hands over at once. A successor older than half the rotation age
 * is renewed while idle, so the one that takes over is young.
 *
 * A request's life on a session is the REST one (binance.c) with answers
 * matched by id rather than by order:
 *   written --its answer (id)--> the same decoders as REST
 *          (tl_binance_on_kernel, tl_binance_on_limits)
 *   written --drop, some of its bytes may have left--> REQ_ERROR RESET
 *          written (it may have executed: the kernel queries)
 *   written --drop, none of its bytes left--> REQ_ERROR CONNECT
 *   written --no answer in timeout--> REQ_ERROR TIMEOUT written; the
 *          session is closed (the requests still on it: drop)
 * "None of its bytes left" is the pool's `unsent` tail of what the
 * session handed it (its frame wholly inside the tail), as for REST.
 * The session's other frames (upgrade, logon, pongs) count in that byte
 * stream too, so the tail is matched exactly. An id is never reused, so
 * an answer that arrives after its request timed out or was dropped
 * matches nothing and is ignored (its outcome was emitted already).
 */
#define _GNU_SOURCE
#include "io/binance/internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "runtime/log.h"

/* ---- helpers --------------------------------------------------------------- */

/* xorshift64*: the upgrade nonce and the frame masks. RFC 6455 wants
 * masks the peer cannot predict (to protect proxies from cache
 * poisoning by scripts); seeded from getrandom, it costs no syscall per
 * frame. */
static uint64_t ws_rand(tl_binance_ws_t *w)
{
	uint64_t x = w->rng;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	w->rng = x;
	return x * 0x2545F4914F6CDD1DULL;
}

static bool ws_conditional(uint8_t t)
{
	return t == TL_ORD_STOP || t == TL_ORD_STOP_MARKET ||
	       t == TL_ORD_TAKE_PROFIT || t == TL_ORD_TAKE_PROFIT_MARKET;
}

/* A kernel request with a ws-fapi method (wsapi.h): order.place /
 * algoOrder.place, order.cancel / algoOrder.cancel, order.status. An algo
 * order's query (GET /fapi/v1/algoOrder) has none: REST. */
static bool ws_kind(const tl_binance_req_t *r)
{
	switch (r->kind) {
	case TL_BINANCE_K_NEW:
	case TL_BINANCE_K_CANCEL:
	case TL_BINANCE_K_CANCEL_CHILD:
	case TL_BINANCE_K_QUERY_CHILD:
		return true;
	case TL_BINANCE_K_QUERY:
		return !ws_conditional(r->req.type);
	default:
		return false;
	}
}

static const char *ws_state_name(int s)
{
	static const char *const n[] = { "down", "idle", "upgrade", "logon",
					 "ready", "draining" };
	return s >= 0 && s <= TL_BINANCE_WS_DRAINING ? n[s] : "?";
}

/* Hand len bytes to the pool on session id: they count in its byte
 * stream (txb) whatever they are. The pool's per-request count is not
 * used (answers are matched by id): released at once. */
static int ws_write(tl_binance_ws_t *w, uint32_t id, const void *p, size_t len)
{
	int rc = tl_uring_conn_send(w->pool, id, p, len);

	if (rc < 0)
		return rc;
	tl_uring_conn_release(w->pool, id);
	w->c[id].txb += len;
	return 0;
}

/* The slot table: free slots on a stack, nothing scanned per request. */
static void ws_slots_reset(tl_binance_wsconn_t *c)
{
	for (uint32_t i = 0; i < TL_BINANCE_WS_FLIGHTS; i++) {
		c->fl[i].id = 0;
		c->freel[i] = (uint16_t)(TL_BINANCE_WS_FLIGHTS - 1 - i);
	}
	c->nfree = TL_BINANCE_WS_FLIGHTS;
	c->n = 0;
}

/* The request in slot f ends (its outcome is being emitted). */
static void ws_slot_put(tl_binance_wsconn_t *c, tl_binance_wsflight_t *f)
{
	f->id = 0;
	c->freel[c->nfree++] = (uint16_t)(f - c->fl);
	c->n--;
}

/* The slot of request id on c, NULL when it is not in flight there
 * (an answer after its request ended: a timeout, or another session's). */
static tl_binance_wsflight_t *ws_slot_of(tl_binance_wsconn_t *c, uint64_t id)
{
	tl_binance_wsflight_t *f = &c->fl[id & (TL_BINANCE_WS_FLIGHTS - 1)];

	return id && f->id == id ? f : NULL;
}

/* A new id (sequence << slot bits | 0), not in any table. */
static uint64_t ws_next_id(tl_binance_ws_t *w)
{
	return w->next_seq++ << TL_BINANCE_WS_SLOT_BITS;
}

/* One masked client frame of payload (p, len) on session id. */
static int ws_frame(tl_binance_ws_t *w, uint32_t id, uint8_t op, const void *p,
		    size_t len, uint32_t *flen)
{
	int n = tl_ws_encode(w->frame, sizeof(w->frame), op, true, p, len,
			     (uint32_t)ws_rand(w));

	if (n < 0)
		return n;
	*flen = (uint32_t)n;
	return ws_write(w, id, w->frame, (size_t)n);
}

/* Close session id ourselves; `planned`: a rotation or renewal, not a
 * fault (ws_drops). What is in flight ends when the pool reports the
 * drop. */
static void ws_close(tl_binance_t *b, uint32_t id, bool planned, const char *why)
{
	tl_binance_ws_t *w = b->ws;
	tl_binance_wsconn_t *c = &w->c[id];

	if (c->closing)
		return;
	c->closing = true;
	c->planned = planned;
	snprintf(c->why, sizeof(c->why), "%s", why);
	if (w->active == (int)id)
		w->active = -1;
	tl_uring_conn_close(w->pool, id);
}

static void ws_set_error(tl_binance_t *b, uint32_t id, const char *msg)
{
	snprintf(b->last_err, sizeof(b->last_err), "ws-api %u: %s", id, msg);
}

/* A READY session with room for one more request: the active one, or
 * when its table is full the other READY one (a burst overflows to the
 * successor before it would go over REST). */
static int ws_pick(const tl_binance_t *b)
{
	const tl_binance_ws_t *w = b->ws;

	if (w->active < 0)
		return -1;
	for (int k = 0; k < TL_BINANCE_WS_CONNS; k++) {
		int id = (w->active + k) % TL_BINANCE_WS_CONNS;
		const tl_binance_wsconn_t *c = &w->c[id];
		if (c->state == TL_BINANCE_WS_READY && !c->closing &&
		    c->n < TL_BINANCE_WS_FLIGHTS)
			return id;
	}
	return -1;
}

/* ---- routing (binance.c's pump) -------------------------------------------- */

bool tl_binance_ws_takes(const tl_binance_t *b, const tl_binance_req_t *r)
{
	return b->ws && b->ready && ws_kind(r) && ws_pick(b) >= 0;
}

bool tl_binance_ws_wanted(const tl_binance_t *b, const tl_binance_req_t *r)
{
	return b->ws && ws_kind(r);
}

bool tl_binance_ws_idle(const tl_binance_t *b)
{
	for (int i = 0; i < TL_BINANCE_WS_CONNS; i++)
		if (b->ws->c[i].n)
			return false;
	return true;
}

/* ---- sending --------------------------------------------------------------- */

int tl_binance_ws_send(tl_binance_t *b, const tl_binance_req_t *r, tl_time_t now, int64_t m)
{
	tl_binance_ws_t *w = b->ws;
	int id = ws_pick(b);
	tl_binance_http_t http;
	const char *method;
	bool sign;
	char text[96];
	uint32_t flen;

	if (id < 0 || !ws_kind(r))
		return -EAGAIN;
	/* The last moment before the bytes leave (binance.c, bn_send). */
	if (r->kind == TL_BINANCE_K_NEW && !tl_venue_may_send(&b->base, &r->req)) {
		tl_binance_withdraw(b, r, b->base.gate &&
				    atomic_load_explicit(&b->base.gate->kill_epoch,
							 memory_order_relaxed)
				    ? "withdrawn: kill switch" : "withdrawn: trading state");
		return 0;
	}
	tl_binance_wsconn_t *c = &w->c[id];
	if (c->nfree == 0)
		return -EAGAIN;	/* ws_pick saw room: cannot happen */
	uint16_t slot = c->freel[c->nfree - 1];
	uint64_t rid = ws_next_id(w) | slot;
	int n = tl_binance_encode_req(b, r, now, &http, &sign);

	if (n >= 0 && tl_binance_wsapi_method(&http, &method) < 0)
		return -EAGAIN;	/* no ws-fapi method after all: REST */
	if (n >= 0)
		n = tl_binance_wsapi_encode(w->json, sizeof(w->json), rid, method,
					    b->qbuf, (size_t)n, w->logon ? NULL : &b->signer);
	if (n < 0) {
		snprintf(text, sizeof(text), "encode failed: %s", strerror(-n));
		tl_binance_fail(b, r, TL_TR_LOCAL, false, text);
		return 0;
	}
	int rc = ws_frame(w, (uint32_t)id, TL_WS_OP_TEXT, w->json, (size_t)n, &flen);
	if (rc == -EAGAIN)
		return -EAGAIN;	/* nothing written: REST takes it */
	if (rc < 0) {
		snprintf(text, sizeof(text), "ws send failed: %s", strerror(-rc));
		tl_binance_fail(b, r, TL_TR_CONNECT, false, text);
		return 0;
	}
	tl_binance_wsflight_t *f = &c->fl[slot];
	c->nfree--;
	if (c->n++ == 0 || m < c->min_sent)
		c->min_sent = m;
	f->id = rid;
	f->end = c->txb;
	f->len = flen;
	f->sent_mono = m;
	f->r = *r;
	f->http = http;
	b->st.ws_sent++;
	return 0;
}

/* ---- outcomes -------------------------------------------------------------- */

/* Session id dropped: every request on it ends, in the order written,
 * RESET written when any byte of its frame may have left, CONNECT when
 * its whole frame is inside the unsent tail (never executed). */
static void ws_dropped(tl_binance_t *b, uint32_t id, size_t unsent, const char *why)
{
	tl_binance_wsconn_t *c = &b->ws->c[id];
	char text[320];

	while (c->n > 0) {
		tl_binance_wsflight_t *f = NULL;
		for (uint32_t i = 0; i < TL_BINANCE_WS_FLIGHTS; i++)
			if (c->fl[i].id && (!f || c->fl[i].end < f->end))
				f = &c->fl[i];
		bool written = tl_binance_ws_may_have_left(f, c->txb, unsent);
		tl_binance_req_t r = f->r;

		ws_slot_put(c, f);
		snprintf(text, sizeof(text), "%s: %s",
			 written ? "lost after send" : "lost before send",
			 why ? why : "closed");
		tl_binance_fail(b, &r, written ? TL_TR_RESET : TL_TR_CONNECT, written, text);
	}
}

/* The session's logon answer. */
static void ws_on_logon(tl_binance_t *b, uint32_t id, const tl_binance_wsapi_resp_t *a,
			int64_t m)
{
	tl_binance_ws_t *w = b->ws;
	tl_binance_wsconn_t *c = &w->c[id];

	if (a->status == 200) {
		c->state = TL_BINANCE_WS_READY;
		c->ready_mono = m;
		b->st.ws_sessions++;
		return;
	}
	/* Refused (a key the venue does not know, a clock off): sessions
	 * wait and REST carries the orders. The error object names the
	 * cause; the key is never in it. */
	snprintf(w->hold_why, sizeof(w->hold_why), "session.logon refused (%u): %.*s",
		 (unsigned)a->status, (int)(a->body_len < 100 ? a->body_len : 100), a->body);
	tl_log(TL_LOG_WARN, "binance: ws-api %s; orders go over REST", w->hold_why);
	ws_set_error(b, id, w->hold_why);
	w->hold_until = m + TL_BINANCE_WS_HOLD_NS;
	ws_close(b, id, false, w->hold_why);
}

/* A text frame: an answer. */
static void ws_on_text(tl_binance_t *b, uint32_t id, const char *p, size_t len, int64_t m)
{
	tl_binance_ws_t *w = b->ws;
	tl_binance_wsconn_t *c = &w->c[id];
	tl_binance_wsapi_resp_t a;
	int rc = tl_binance_wsapi_decode(&b->arena, p, len, &a);

	if (rc != TL_BN_OK || a.id_null) {
		/* Not an answer we can match: whatever request it was
		 * about keeps its slot and ends by its timeout (TIMEOUT
		 * written, then the kernel queries). */
		char msg[160];
		snprintf(msg, sizeof(msg), "unmatched answer: %s%s%s",
			 rc != TL_BN_OK ? tl_binance_strerror(rc) : "id null",
			 a.field ? " at " : "", a.field ? a.field : "");
		ws_set_error(b, id, msg);
		return;
	}
	if (c->state == TL_BINANCE_WS_LOGON && a.id == c->logon_id) {
		ws_on_logon(b, id, &a, m);
		return;
	}
	tl_binance_wsflight_t *f = ws_slot_of(c, a.id);
	if (!f)
		return;	/* its request already ended (timeout): ignored */
	tl_binance_req_t r = f->r;
	tl_binance_http_t http = f->http;
	ws_slot_put(c, f);
	b->st.responses++;
	b->st.ws_responses++;
	tl_binance_on_limits(b, a.status, a.retry_after_ns, &a.mbx, m);
	/* the answer as REST's: one decoder for both (the body points
	 * into the frame, not the arena the decoder reuses) */
	tl_binance_resp_t rr;
	tl_binance_wsapi_as_rest(&a, &rr);
	tl_binance_on_kernel(b, &r, &http, &rr);
}

/* The upgrade answered: the session starts (logon) or is READY. */
static void ws_upgraded(tl_binance_t *b, uint32_t id, int64_t m)
{
	tl_binance_ws_t *w = b->ws;
	tl_binance_wsconn_t *c = &w->c[id];
	uint32_t flen;

	if (!w->logon) {
		c->state = TL_BINANCE_WS_READY;
		c->ready_mono = m;
		b->st.ws_sessions++;
		return;
	}
	int64_t ts = tl_binance_clock_ms(&b->clock, tl_clock_realtime_ns());
	uint64_t lid = ws_next_id(w);
	int n = tl_binance_wsapi_encode_logon(w->json, sizeof(w->json), lid, &b->signer, ts);
	if (n < 0 || ws_frame(w, id, TL_WS_OP_TEXT, w->json, (size_t)n, &flen) < 0) {
		ws_set_error(b, id, "session.logon could not be sent");
		ws_close(b, id, false, "session.logon could not be sent");
		return;
	}
	c->logon_id = lid;
	c->state = TL_BINANCE_WS_LOGON;
	c->ready_mono = m;	/* the logon's deadline runs from here */
}

/* Frames from the server. */
static void ws_on_frames(tl_binance_t *b, uint32_t id, const uint8_t *d, size_t left,
			 int64_t m)
{
	tl_binance_ws_t *w = b->ws;
	tl_binance_wsconn_t *c = &w->c[id];

	while (left && !c->closing) {
		tl_ws_msg_t msg;
		ssize_t k = tl_ws_dec_feed(&c->dec, d, left, &msg);
		uint32_t flen;

		if (k < 0) {
			char why[160];
			snprintf(why, sizeof(why), "bad frame: %s", tl_ws_dec_error(&c->dec));
			ws_set_error(b, id, why);
			ws_close(b, id, false, why);
			return;
		}
		if (k == 0 && msg.kind == TL_WS_MSG_NONE)
			break;	/* cannot happen (ws.h): never spin on it */
		d += k;
		left -= (size_t)k;
		switch (msg.kind) {
		case TL_WS_MSG_TEXT:
			ws_on_text(b, id, (const char *)msg.data, msg.len, m);
			break;
		case TL_WS_MSG_PING:
			/* the pong echoes the ping's payload (Binance drops a
			 * connection that leaves pings unanswered) */
			if (ws_frame(w, id, TL_WS_OP_PONG, msg.data, msg.len, &flen) < 0)
				ws_set_error(b, id, "pong not sent (no room)");
			break;
		case TL_WS_MSG_CLOSE: {
			char why[160];
			snprintf(why, sizeof(why), "the venue closed the session (%u %.*s)",
				 (unsigned)msg.close_code, (int)(msg.len < 100 ? msg.len : 100),
				 (const char *)msg.data);
			ws_set_error(b, id, why);
			ws_close(b, id, false, why);
			return;
		}
		case TL_WS_MSG_BINARY:
		case TL_WS_MSG_PONG:
		case TL_WS_MSG_NONE:
			break;
		}
	}
}

/* Send the upgrade request on session id (its connection is up). */
static void ws_upgrade(tl_binance_t *b, uint32_t id)
{
	tl_binance_ws_t *w = b->ws;
	tl_binance_wsconn_t *c = &w->c[id];
	uint8_t nonce[16];
	uint64_t r0 = ws_rand(w), r1 = ws_rand(w);

	memcpy(nonce, &r0, 8);
	memcpy(nonce + 8, &r1, 8);
	int n = tl_ws_handshake_request(w->upg, sizeof(w->upg), w->host_hdr, w->path,
					nonce, c->key);
	if (n < 0 || ws_write(w, id, w->upg, (size_t)n) < 0) {
		ws_set_error(b, id, "upgrade request could not be sent");
		ws_close(b, id, false, "upgrade request could not be sent");
		return;
	}
	c->state = TL_BINANCE_WS_UPGRADE;
	c->ready_mono = tl_clock_mono_ns();
}

/* The WS pool's callback. */
static void ws_cb(void *user, const tl_uring_conn_ev_t *ev)
{
	tl_binance_t *b = user;
	tl_binance_ws_t *w = b->ws;
	tl_binance_wsconn_t *c = &w->c[ev->conn];
	int64_t m = tl_clock_mono_ns();

	switch (ev->kind) {
	case TL_URING_CONN_EV_CONNECTED:
		c->closing = c->planned = false;
		c->why[0] = '\0';
		c->txb = 0;
		c->head_len = 0;
		tl_ws_dec_reset(&c->dec);
		c->state = TL_BINANCE_WS_IDLE;
		/* the logon is signed: not before the clock is set
		 * (invariant 3); ws_timeouts starts it then */
		if (b->ready && m >= w->hold_until)
			ws_upgrade(b, ev->conn);
		break;
	case TL_URING_CONN_EV_DATA: {
		const uint8_t *d = ev->data;
		size_t left = ev->len;

		if (c->closing)
			break;
		if (c->state == TL_BINANCE_WS_UPGRADE) {
			size_t take = sizeof(c->head) - c->head_len;
			if (take > left)
				take = left;
			memcpy(c->head + c->head_len, d, take);
			char why[TL_WS_ERR_LEN + 32], e[TL_WS_ERR_LEN];
			int h = tl_ws_handshake_check(c->head, c->head_len + take, c->key,
						      e, sizeof(e));
			if (h < 0 || (h == 0 && c->head_len + take >= sizeof(c->head))) {
				snprintf(why, sizeof(why), "upgrade refused: %s",
					 h < 0 ? e : "head too long");
				ws_set_error(b, ev->conn, why);
				w->hold_until = m + TL_BINANCE_WS_HOLD_NS;
				ws_close(b, ev->conn, false, why);
				break;
			}
			if (h == 0) {
				c->head_len += (uint32_t)take;
				break;
			}
			/* bytes past the head are the first frames */
			size_t used = (size_t)h - c->head_len;
			d += used;
			left -= used;
			ws_upgraded(b, ev->conn, m);
		}
		if (c->state < TL_BINANCE_WS_LOGON) {
			if (left) {
				ws_set_error(b, ev->conn, "data before the upgrade");
				ws_close(b, ev->conn, false, "data before the upgrade");
			}
			break;
		}
		ws_on_frames(b, ev->conn, d, left, m);
		break;
	}
	case TL_URING_CONN_EV_CLOSED:
	case TL_URING_CONN_EV_ERROR: {
		bool ours = c->closing && ev->err == -ECANCELED;
		bool was_session = c->state >= TL_BINANCE_WS_READY;

		if (!ours)
			ws_set_error(b, ev->conn, ev->msg ? ev->msg : "closed");
		if (was_session && !(ours && c->planned)) {
			b->st.ws_drops++;
			tl_log(TL_LOG_WARN, "binance: ws-api session %u lost (%s, %u in flight): %s",
			       ev->conn, ws_state_name(c->state), c->n,
			       ours ? c->why : (ev->msg ? ev->msg : "closed"));
		}
		ws_dropped(b, ev->conn, ev->unsent, ours ? c->why : ev->msg);
		if (w->active == (int)ev->conn)
			w->active = -1;
		c->state = TL_BINANCE_WS_DOWN;
		c->closing = c->planned = false;
		break;
	}
	}
}

/* ---- the poll step: timeouts, the active session, rotation ----------------- */

static void ws_timeouts(tl_binance_t *b, int64_t m)
{
	tl_binance_ws_t *w = b->ws;

	for (uint32_t id = 0; id < TL_BINANCE_WS_CONNS; id++) {
		tl_binance_wsconn_t *c = &w->c[id];

		if (c->closing)
			continue;
		/* an upgrade or logon that never completes */
		if ((c->state == TL_BINANCE_WS_UPGRADE || c->state == TL_BINANCE_WS_LOGON) &&
		    m - c->ready_mono >= b->timeout_ns) {
			char why[96];
			snprintf(why, sizeof(why), "%s: no answer in %lld ms",
				 c->state == TL_BINANCE_WS_UPGRADE ? "upgrade" : "session.logon",
				 (long long)(b->timeout_ns / TL_NS_PER_MS));
			ws_set_error(b, id, why);
			ws_close(b, id, false, why);
			continue;
		}
		if (c->state == TL_BINANCE_WS_IDLE && b->ready && m >= w->hold_until) {
			ws_upgrade(b, id);
			continue;
		}
		/* min_sent bounds the oldest: the table is scanned only
		 * when something may be overdue */
		if (c->n == 0 || m - c->min_sent < b->timeout_ns)
			continue;
		int64_t oldest = m;
		for (uint32_t i = 0; i < TL_BINANCE_WS_FLIGHTS && c->n; i++) {
			tl_binance_wsflight_t *f = &c->fl[i];
			if (!f->id)
				continue;
			if (m - f->sent_mono < b->timeout_ns) {
				if (f->sent_mono < oldest)
					oldest = f->sent_mono;
				continue;
			}
			char text[TL_TEXT_LEN];
			tl_binance_req_t r = f->r;
			snprintf(text, sizeof(text), "no response in %lld ms",
				 (long long)(b->timeout_ns / TL_NS_PER_MS));
			ws_slot_put(c, f);
			tl_binance_fail(b, &r, TL_TR_TIMEOUT, true, text);
			/* A session that leaves a request unanswered is not
			 * trusted with more: closed, as a REST connection is. */
			ws_close(b, id, false, "an earlier response timed out");
		}
		c->min_sent = oldest;
	}
}

/* Which session takes new requests; rotation before the 24-hour limit:
 * the successor is READY before the old one stops taking requests, and
 * the old one is closed only once its answers are in. */
static void ws_sessions(tl_binance_t *b, int64_t m)
{
	tl_binance_ws_t *w = b->ws;

	for (uint32_t id = 0; id < TL_BINANCE_WS_CONNS; id++) {
		tl_binance_wsconn_t *c = &w->c[id];
		if (c->state == TL_BINANCE_WS_DRAINING && c->n == 0 && !c->closing)
			ws_close(b, id, true, "retired (rotation)");
	}
	if (w->active < 0) {
		/* the youngest READY session */
		for (uint32_t id = 0; id < TL_BINANCE_WS_CONNS; id++) {
			tl_binance_wsconn_t *c = &w->c[id];
			if (c->state == TL_BINANCE_WS_READY && !c->closing &&
			    (w->active < 0 || c->ready_mono > w->c[w->active].ready_mono))
				w->active = (int)id;
		}
	}
	for (uint32_t id = 0; id < TL_BINANCE_WS_CONNS; id++) {
		tl_binance_wsconn_t *c = &w->c[id];
		if ((int)id == w->active || c->state != TL_BINANCE_WS_READY || c->closing)
			continue;
		/* an idle successor is kept young */
		if (c->n == 0 && m - c->ready_mono >= w->rotate_ns / 2)
			ws_close(b, id, true, "renewed (successor)");
	}
	if (w->active < 0)
		return;
	tl_binance_wsconn_t *a = &w->c[w->active];
	if (m - a->ready_mono < w->rotate_ns)
		return;
	for (uint32_t id = 0; id < TL_BINANCE_WS_CONNS; id++) {
		tl_binance_wsconn_t *c = &w->c[id];
		if ((int)id == w->active || c->state != TL_BINANCE_WS_READY || c->closing)
			continue;
		a->state = TL_BINANCE_WS_DRAINING;
		w->active = (int)id;
		b->st.ws_rotations++;
		return;
	}
}

int tl_binance_ws_step(tl_binance_t *b, int64_t m)
{
	tl_binance_ws_t *w = b->ws;
	int r = tl_uring_pool_poll(w->pool, m, ws_cb, b);

	if (r < 0) {
		snprintf(b->last_err, sizeof(b->last_err), "ws-api io_uring: %s", strerror(-r));
		r = 0;
	}
	ws_timeouts(b, m);
	ws_sessions(b, m);
	return r;
}

/* ---- the IO thread's wait -------------------------------------------------- */

bool tl_binance_ws_before_wait(tl_binance_t *b, int64_t *bound)
{
	tl_binance_ws_t *w = b->ws;

	/* flushes queued sends; 1: a completion is already there */
	if (tl_uring_pool_wait(w->pool, 0) == 1)
		return true;
	/* Without the eventfd both rings signal, a WS answer would wait
	 * for the REST wait's end: keep that short while one is due. */
	if (w->watch_fd < 0 && *bound > 100000)
		*bound = 100000;
	return false;
}

int tl_binance_ws_watch(tl_binance_t *b, int fd)
{
	int rc = tl_uring_pool_notify(b->ws->pool, fd);

	if (rc == 0)
		b->ws->watch_fd = fd;
	return rc;
}

/* ---- set-up ---------------------------------------------------------------- */

int tl_binance_ws_new(tl_binance_t *b, const tl_binance_cfg_t *bc, char *err, size_t errlen)
{
	tl_binance_ws_t *w;
	const char *warning = NULL;
	char perr[256];

	if (bc->order_transport != TL_BINANCE_TRANSPORT_WS)
		return 0;
	w = calloc(1, sizeof(*w));
	if (!w || !(w->msgs = malloc((size_t)TL_BINANCE_WS_CONNS * TL_BINANCE_WS_MSG_CAP))) {
		free(w);
		snprintf(err, errlen, "binance: out of memory");
		return -1;
	}
	b->ws = w;
	w->active = -1;
	w->watch_fd = -1;
	w->next_seq = 1;	/* id 0 is no request */
	w->rotate_ns = bc->ws_api.rotate_ns > 0 ? bc->ws_api.rotate_ns : TL_BINANCE_WS_ROTATE_NS;
	if (getrandom(&w->rng, sizeof(w->rng), 0) != sizeof(w->rng) || w->rng == 0)
		w->rng = (uint64_t)tl_clock_realtime_ns() | 1;
	/* An Ed25519 key (venue.binance.ed25519_key_file, loaded into the
	 * signer) logs the session on; an HMAC secret signs each request. */
	w->logon = tl_binance_signer_kind(&b->signer) == TL_BINANCE_SIGN_ED25519;
	if (bc->ws_api.port == 443 || bc->ws_api.port == 80)
		snprintf(w->host_hdr, sizeof(w->host_hdr), "%s", bc->ws_api.host);
	else
		snprintf(w->host_hdr, sizeof(w->host_hdr), "%s:%u", bc->ws_api.host,
			 (unsigned)bc->ws_api.port);
	snprintf(w->path, sizeof(w->path), "%s", bc->ws_api.path[0] ? bc->ws_api.path
								    : "/ws-fapi/v1");
	for (int i = 0; i < TL_BINANCE_WS_CONNS; i++) {
		tl_ws_dec_init(&w->c[i].dec, w->msgs + (size_t)i * TL_BINANCE_WS_MSG_CAP,
			       TL_BINANCE_WS_MSG_CAP);
		ws_slots_reset(&w->c[i]);
	}

	tl_uring_pool_cfg_t pc = {
		.host = bc->ws_api.host,
		.port = bc->ws_api.port,
		.conns = TL_BINANCE_WS_CONNS,
		.tls = bc->ws_api.tls,
		.ca_file = bc->rest.ca_file[0] ? bc->rest.ca_file : NULL,
		.tls_insecure = bc->rest.insecure,
		.rx_buf = 64u << 10,
		/* a full table of the largest frames fits at once */
		.tx_buf = TL_BINANCE_WS_FLIGHTS * 1024,
		.connect_timeout_ns = b->timeout_ns,
	};
	w->pool = tl_uring_pool_new(&pc, &warning, perr, sizeof(perr));
	if (!w->pool) {
		snprintf(err, errlen, "venue.binance.ws_api: %s", perr);
		return -1;
	}
	if (warning)
		tl_log(TL_LOG_WARN, "binance: ws-api: %s", warning);
	return 0;
}

void tl_binance_ws_free(tl_binance_ws_t *w)
{
	if (!w)
		return;
	tl_uring_pool_free(w->pool);
	free(w->msgs);
	free(w);
}
