/*
 * binance.c - the Binance USD-M venue adapter, REST order path (binance.h).
 *
 * Sections: state and queues; sending (encode, sign, write); the pool
 * callback (responses, drops); timeouts and rate-limit holds; the venue
 * ops; create/destroy.
 *
 * Invariants (IO thread):
 *   1. a connection is `busy` exactly while it carries one request whose
 *      outcome has not yet been emitted; the pool's busy flag matches;
 *   2. every kernel request taken (submit/cancel/query returned 0) sits
 *      in exactly one place, a queue or a busy connection, until exactly
 *      one outcome input is emitted for it;
 *   3. nothing signed leaves before the clock offset is set (`ready`).
 *
 * A request's life:
 *   queued --pump [idle conn, ready, not held]--> on the wire (busy)
 *   queued --timeout with no usable connection--> REQ_ERROR CONNECT
 *   busy --response--> decoded inputs (or REQ_ERROR for undecodable)
 *   busy --drop, all bytes written--> REQ_ERROR RESET written
 *   busy --drop, bytes left unsent--> REQ_ERROR CONNECT (not executed)
 *   busy --no response in timeout--> REQ_ERROR TIMEOUT written, close
 */
#define _GNU_SOURCE
#include "io/binance.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "io/binance_map.h"
#include "io/binance_sign.h"
#include "io/binance_stream.h"
#include "io/http.h"
#include "io/log.h"
#include "io/uring.h"

#define BN_MAX_CONNS 16
#define BN_BODY_CAP (256u << 10)     /* response body per connection */
#define BN_ARENA_CAP (64u << 10)
#define BN_TX_CAP 8192
#define BN_Q_CAP 4096
#define BN_SYNC_CAP (256u << 10)

/* What a queued or in-flight request is. Kernel kinds equal tl_req_kind_t. */
enum bn_kind {
	BN_K_NEW = TL_REQ_NEW,
	BN_K_CANCEL = TL_REQ_CANCEL,
	BN_K_QUERY = TL_REQ_QUERY,
	BN_K_QUERY_CHILD,      /* query the order an algo order placed */
	BN_K_TIME,             /* GET /fapi/v1/time (unsigned) */
	BN_K_MARKS,            /* GET /fapi/v1/premiumIndex (unsigned) */
	BN_K_CANCEL_ALL,       /* DELETE /fapi/v1/allOpenOrders */
	BN_K_LEVERAGE,         /* POST /fapi/v1/leverage (sync) */
	BN_K_BALANCE,          /* GET /fapi/v2/balance (sync) */
	BN_K_POSITIONS,        /* GET /fapi/v2/positionRisk (sync) */
	BN_K_LISTEN_KEY,       /* POST /fapi/v1/listenKey (API key only) */
	BN_K_LISTEN_KEEP,      /* PUT /fapi/v1/listenKey: keep it alive */
};

#define BN_KEEPALIVE_NS (30LL * 60 * TL_NS_PER_S)  /* listenKey: every 30 min */

typedef struct bn_req {
	tl_out_req_t req;      /* kernel kinds; symbol for the internal ones */
	uint8_t kind;          /* enum bn_kind */
	uint32_t lev;          /* BN_K_LEVERAGE */
	int64_t child_id;      /* BN_K_QUERY_CHILD: venue order id */
	int64_t queued;        /* monotonic ns */
} bn_req_t;

typedef struct bn_queue {
	bn_req_t *v;
	uint32_t cap, head, n; /* cap is a power of two */
} bn_queue_t;

typedef struct bn_conn {
	bool busy;             /* invariant 1 */
	bool closing;          /* we closed it: ignore its -ECANCELED */
	bn_req_t r;
	tl_binance_http_t http;
	int64_t sent_mono;
	tl_time_t sent_real;
	tl_http_resp_t resp;
} bn_conn_t;

typedef struct tl_binance {
	tl_venue_t base;                  /* first: the venue interface */
	const tl_symbols_t *syms;
	bool hedge;
	uint32_t recv_window_ms;
	int64_t timeout_ns;
	tl_pool_t *pool;
	uint32_t nconn;
	bn_conn_t conns[BN_MAX_CONNS];
	char *bodies;                     /* nconn * BN_BODY_CAP */
	tl_binance_signer_t signer;
	tl_binance_clock_t clock;
	tl_binance_arena_t arena;
	void *arena_buf;
	bn_queue_t q_urgent, q_normal;
	/* clock and marks */
	bool ready;                       /* invariant 3 */
	bool time_pending, time_wanted;
	int64_t time_retry_at;            /* monotonic ns */
	bool marks_pending;
	int64_t next_marks;
	/* streams (io/binance_stream.h), started once the first listenKey
	 * is in; NULL while REST-only */
	tl_bstream_t *bs;
	_Atomic int stream_state;         /* mirror for other threads, -1 none */
	_Atomic uint64_t stream_in[TL_IN__COUNT]; /* STREAM thread: inputs by type */
	bool lk_pending;
	int64_t lk_retry_at, next_keepalive;
	char ws_host[TL_CFG_HOST_MAX];
	int ws_port;
	bool ws_tls, ws_insecure;
	char ws_ca[TL_PATH_MAX];
	const char *sym_names[TL_BSTREAM_MAX_SYMBOLS];
	unsigned n_sym_names;
	/* rate-limit holds (monotonic ns) */
	int64_t hold_all_until, hold_nonurgent_until, hold_orders_until;
	/* request text */
	char host_hdr[TL_CFG_HOST_MAX + 8];
	char key_hdr[TL_CFG_KEY_MAX + 32];
	char qbuf[4096];
	char tx[BN_TX_CAP];
	char last_err[256];                /* "conn N: <msg>" */
	char last_msg[256];                /* <msg> alone: REQ_ERROR texts */
	tl_time_t now;                    /* realtime of the current call */
	int emitted;
	/* synchronous cold-path calls (account, leverage) */
	bool sync_wait, sync_done;
	int sync_status;
	char *sync_buf;
	size_t sync_len;
	tl_binance_stats_t st;
} tl_binance_t;

static inline tl_binance_t *bn_of(tl_venue_t *v) { return (tl_binance_t *)v; }

static int64_t bn_mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * TL_NS_PER_S + ts.tv_nsec;
}

static tl_time_t bn_real(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (tl_time_t)ts.tv_sec * TL_NS_PER_S + ts.tv_nsec;
}

static void bn_emit(tl_binance_t *b, const tl_input_t *in)
{
	b->emitted++;
	tl_venue_emit(&b->base, in);
}

/* ---- queues ---------------------------------------------------------------- */

static bool bn_q_push(bn_queue_t *q, const bn_req_t *r)
{
	if (q->n == q->cap)
		return false;
	q->v[(q->head + q->n) & (q->cap - 1)] = *r;
	q->n++;
	return true;
}

static bn_req_t *bn_q_peek(bn_queue_t *q)
{
	return q->n ? &q->v[q->head] : NULL;
}

static void bn_q_drop(bn_queue_t *q)
{
	q->head = (q->head + 1) & (q->cap - 1);
	q->n--;
}

/* ---- outcomes -------------------------------------------------------------- */

static bool bn_is_write(int kind)
{
	return kind == BN_K_NEW || kind == BN_K_CANCEL;
}

/* End a kernel request with a transport error (internal kinds: their own
 * bookkeeping). */
static void bn_fail(tl_binance_t *b, const bn_req_t *r, tl_transport_t tr,
		    bool written, const char *text)
{
	int64_t m = bn_mono();

	switch (r->kind) {
	case BN_K_TIME:
		b->time_pending = false;
		b->time_retry_at = m + TL_NS_PER_S;
		return;
	case BN_K_MARKS:
		b->marks_pending = false;
		b->next_marks = m + TL_BINANCE_MARK_POLL_NS;
		return;
	case BN_K_CANCEL_ALL:
		tl_log(TL_LOG_WARN, "binance: cancel all %s failed: %s",
		       r->req.symbol, text);
		return;
	case BN_K_LISTEN_KEY:
		b->lk_pending = false;
		b->lk_retry_at = m + 5 * TL_NS_PER_S;
		return;
	case BN_K_LISTEN_KEEP:
		b->next_keepalive = m + 60 * TL_NS_PER_S;
		return;
	case BN_K_LEVERAGE:
	case BN_K_BALANCE:
	case BN_K_POSITIONS:
		b->sync_done = true;
		b->sync_status = -1;
		return;
	default:
		break;
	}
	tl_input_t in;

	memset(&in, 0, sizeof(in));
	in.hdr.type = TL_IN_REQ_ERROR;
	in.hdr.time = b->now;
	memcpy(in.u.error.client_id, r->req.client_id, TL_CLID_LEN);
	in.u.error.req = (uint8_t)(r->kind == BN_K_QUERY_CHILD ? TL_REQ_QUERY : r->kind);
	in.u.error.outcome.transport = tr;
	in.u.error.outcome.written = written;
	in.u.error.outcome.is_write = bn_is_write(r->kind);
	snprintf(in.u.error.text, sizeof(in.u.error.text), "%s", text);
	b->st.transport_errors++;
	bn_emit(b, &in);
}

static void bn_set_error(tl_binance_t *b, uint32_t id, const char *msg)
{
	snprintf(b->last_err, sizeof(b->last_err), "conn %u: %s", id,
		 msg ? msg : "error");
	snprintf(b->last_msg, sizeof(b->last_msg), "%s", msg ? msg : "error");
}

/* ---- sending --------------------------------------------------------------- */

/* Encode the parameters of r into b->qbuf; sets *http and *sign. Returns
 * the length or -errno. */
static int bn_encode(tl_binance_t *b, const bn_req_t *r, tl_time_t now,
		     tl_binance_http_t *http, bool *sign)
{
	int64_t ts = tl_binance_clock_ms(&b->clock, now);
	uint32_t rw = b->recv_window_ms;
	char *q = b->qbuf;
	size_t cap = sizeof(b->qbuf) - TL_BINANCE_SIG_PARAM_LEN - 1;
	int sid;

	*sign = true;
	memset(http, 0, sizeof(*http));
	switch (r->kind) {
	case BN_K_NEW:
		sid = tl_symbols_find(b->syms, r->req.symbol);
		if (sid < 0)
			return -EINVAL;
		return tl_binance_encode_order(&r->req, tl_symbols_get(b->syms, sid),
					       b->hedge, ts, rw, http, q, cap);
	case BN_K_CANCEL:
		return tl_binance_encode_cancel(&r->req, ts, rw, http, q, cap);
	case BN_K_QUERY:
		return tl_binance_encode_query(&r->req, ts, rw, http, q, cap);
	case BN_K_QUERY_CHILD:
		return tl_binance_encode_query_id(r->req.symbol, r->child_id, ts, rw,
						  http, q, cap);
	case BN_K_TIME:
		*sign = false;
		http->method = TL_BN_GET;
		http->path = "/fapi/v1/time";
		q[0] = '\0';
		return 0;
	case BN_K_MARKS:
		*sign = false;
		http->method = TL_BN_GET;
		http->path = "/fapi/v1/premiumIndex";
		q[0] = '\0';
		return 0;
	case BN_K_CANCEL_ALL:
		http->method = TL_BN_DELETE;
		http->path = "/fapi/v1/allOpenOrders";
		return snprintf(q, cap, "symbol=%s&recvWindow=%u&timestamp=%lld",
				r->req.symbol, rw, (long long)ts);
	case BN_K_LEVERAGE:
		http->method = TL_BN_POST;
		http->path = "/fapi/v1/leverage";
		return snprintf(q, cap, "symbol=%s&leverage=%u&recvWindow=%u&timestamp=%lld",
				r->req.symbol, r->lev, rw, (long long)ts);
	case BN_K_LISTEN_KEY:
	case BN_K_LISTEN_KEEP:
		*sign = false;
		http->method = r->kind == BN_K_LISTEN_KEY ? TL_BN_POST : TL_BN_PUT;
		http->path = "/fapi/v1/listenKey";
		q[0] = '\0';
		return 0;
	case BN_K_BALANCE:
		http->method = TL_BN_GET;
		http->path = "/fapi/v2/balance";
		return snprintf(q, cap, "recvWindow=%u&timestamp=%lld", rw,
				(long long)ts);
	case BN_K_POSITIONS:
		http->method = TL_BN_GET;
		http->path = "/fapi/v2/positionRisk";
		return snprintf(q, cap, "recvWindow=%u&timestamp=%lld", rw,
				(long long)ts);
	}
	return -EINVAL;
}

/* Put r on idle connection id. Ends r with an error when it cannot go. */
static void bn_send(tl_binance_t *b, uint32_t id, const bn_req_t *r,
		    tl_time_t now, int64_t m)
{
	bn_conn_t *c = &b->conns[id];
	tl_binance_http_t http;
	bool sign;
	char text[96];
	int n = bn_encode(b, r, now, &http, &sign);

	if (n >= 0 && (size_t)n >= sizeof(b->qbuf) - TL_BINANCE_SIG_PARAM_LEN - 1)
		n = -ENOSPC;
	if (n >= 0 && sign)
		n = tl_binance_sign_append(&b->signer, b->qbuf, (size_t)n,
					   sizeof(b->qbuf), NULL, 0);
	if (n < 0) {
		snprintf(text, sizeof(text), "encode failed: %s", strerror(-n));
		bn_fail(b, r, TL_TR_LOCAL, false, text);
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
		bn_fail(b, r, TL_TR_LOCAL, false, text);
		return;
	}
	int rc = tl_conn_send(b->pool, id, b->tx, (size_t)len);
	if (rc < 0) {
		snprintf(text, sizeof(text), "send failed: %s", strerror(-rc));
		bn_fail(b, r, TL_TR_CONNECT, false, text);
		return;
	}
	c->busy = true;
	c->closing = false;
	c->r = *r;
	c->http = http;
	c->sent_mono = m;
	c->sent_real = bn_real();
	tl_http_resp_reset(&c->resp);
	b->st.sent++;
}

/* A listenKey is needed: streams wanted and not started yet, or the
 * venue expired the key (then at most one POST per 5 s). */
static bool bn_want_listen_key(const tl_binance_t *b, int64_t m)
{
	if (!b->base.emit_stream || b->lk_pending || m < b->lk_retry_at)
		return false;
	return !b->bs || tl_bstream_state(b->bs) == TL_BSTREAM_KEY_EXPIRED;
}

/* Send what may go now, on every idle connection (priority: clock, then
 * urgent queue, then marks, then the normal queue in FIFO order). */
static void bn_pump(tl_binance_t *b, tl_time_t now, int64_t m)
{
	for (;;) {
		int id = tl_conn_idle(b->pool);
		bn_req_t r;

		if (id < 0 || m < b->hold_all_until)
			return;
		memset(&r, 0, sizeof(r));
		if (!b->time_pending && (!b->ready || b->time_wanted) &&
		    m >= b->time_retry_at) {
			r.kind = BN_K_TIME;
			b->time_pending = true;
			b->time_wanted = false;
		} else if (!b->ready) {
			return;
		} else if (b->q_urgent.n) {
			r = *bn_q_peek(&b->q_urgent);
			bn_q_drop(&b->q_urgent);
		} else if (bn_want_listen_key(b, m)) {
			r.kind = BN_K_LISTEN_KEY;
			b->lk_pending = true;
		} else if (b->bs && m >= b->next_keepalive) {
			r.kind = BN_K_LISTEN_KEEP;
			b->next_keepalive = m + BN_KEEPALIVE_NS;
		} else if (m < b->hold_nonurgent_until) {
			return;
		} else if (!b->marks_pending && m >= b->next_marks &&
			   !(b->bs && tl_bstream_market_up(b->bs))) {
			r.kind = BN_K_MARKS;
			b->marks_pending = true;
		} else if (b->q_normal.n) {
			bn_req_t *h = bn_q_peek(&b->q_normal);
			if (h->kind == BN_K_NEW && m < b->hold_orders_until)
				return;	/* FIFO: orders wait, in order */
			r = *h;
			bn_q_drop(&b->q_normal);
		} else {
			return;
		}
		bn_send(b, (uint32_t)id, &r, now, m);
	}
}

/* ---- responses ------------------------------------------------------------- */

/* Hold until the venue's next `window_ms` boundary (plus a little). */
static int64_t bn_next_window(const tl_binance_t *b, int64_t m, int64_t window_ms)
{
	int64_t vms = tl_binance_clock_ms(&b->clock, bn_real());
	int64_t left = window_ms - (vms % window_ms);
	return m + (left + 50) * TL_NS_PER_MS;
}

static void bn_rate_headers(tl_binance_t *b, const tl_http_resp_t *h, int64_t m)
{
	if (h->used_weight_1m >= 0) {
		b->st.used_weight_1m = h->used_weight_1m;
		if (h->used_weight_1m * 10 >= TL_BINANCE_WEIGHT_1M * 9) {
			b->hold_nonurgent_until = bn_next_window(b, m, 60000);
			b->st.held++;
		}
	}
	if (h->order_count_10s >= 0) {
		b->st.order_count_10s = h->order_count_10s;
		if (h->order_count_10s * 10 >= TL_BINANCE_ORDERS_10S * 9) {
			b->hold_orders_until = bn_next_window(b, m, 10000);
			b->st.held++;
		}
	}
	if (h->order_count_1m >= 0) {
		b->st.order_count_1m = h->order_count_1m;
		if (h->order_count_1m * 10 >= TL_BINANCE_ORDERS_1M * 9) {
			b->hold_orders_until = bn_next_window(b, m, 60000);
			b->st.held++;
		}
	}
	if (h->status == 429 || h->status == 418) {
		int64_t ra = h->retry_after_ns > 0 ? h->retry_after_ns
			     : (h->status == 418 ? 60 * TL_NS_PER_S : TL_NS_PER_S);
		if (m + ra > b->hold_all_until)
			b->hold_all_until = m + ra;
		b->st.held++;
	}
}

static void bn_on_time(tl_binance_t *b, bn_conn_t *c)
{
	const tl_http_resp_t *h = &c->resp;
	tl_time_t t_recv = bn_real();
	const char *p = NULL;
	char tmp[128];
	size_t n = h->body_len < sizeof(tmp) - 1 ? h->body_len : sizeof(tmp) - 1;

	b->time_pending = false;
	memcpy(tmp, h->body, n);
	tmp[n] = '\0';
	if (h->status == 200)
		p = strstr(tmp, "\"serverTime\":");
	if (!p || tl_binance_clock_update(&b->clock, strtoll(p + 13, NULL, 10),
					  c->sent_real, t_recv) < 0) {
		snprintf(b->last_err, sizeof(b->last_err),
			 "GET /fapi/v1/time: HTTP %d, no serverTime", h->status);
		b->time_retry_at = bn_mono() + TL_NS_PER_S;
		return;
	}
	b->st.time_syncs++;
	b->st.clock_offset_ns = b->clock.offset_ns;
	b->ready = true;
}

/* premiumIndex (all symbols) -> one MARK per symbol we trade. Cold-ish:
 * once a second at most; cJSON allocates through the normal heap here. */
static void bn_on_marks(tl_binance_t *b, bn_conn_t *c)
{
	const tl_http_resp_t *h = &c->resp;

	b->marks_pending = false;
	b->next_marks = bn_mono() + TL_BINANCE_MARK_POLL_NS;
	if (h->status != 200)
		return;
	cJSON *root = cJSON_ParseWithLength(h->body, h->body_len);
	const cJSON *e;

	if (!root)
		return;
	cJSON_ArrayForEach(e, root) {
		const cJSON *s = cJSON_GetObjectItemCaseSensitive(e, "symbol");
		const cJSON *mp = cJSON_GetObjectItemCaseSensitive(e, "markPrice");
		tl_input_t in;
		tl_fx_t px;

		if (!cJSON_IsString(s) || !cJSON_IsString(mp) ||
		    tl_symbols_find(b->syms, s->valuestring) < 0 ||
		    strlen(s->valuestring) >= TL_SYMBOL_NAMELEN ||
		    tl_fx_parse(mp->valuestring, strlen(mp->valuestring), &px) != TL_FX_OK ||
		    px <= 0)
			continue;
		memset(&in, 0, sizeof(in));
		in.hdr.type = TL_IN_MARK;
		in.hdr.time = b->now;
		memcpy(in.u.mark.symbol, s->valuestring, strlen(s->valuestring) + 1);
		in.u.mark.price = px;
		bn_emit(b, &in);
	}
	cJSON_Delete(root);
}

static void bn_on_kernel(tl_binance_t *b, bn_conn_t *c)
{
	const tl_http_resp_t *h = &c->resp;
	tl_binance_resp_t rr = {
		.http_status = (uint16_t)h->status,
		.retry_after_ns = h->retry_after_ns > 0 ? h->retry_after_ns : 0,
		.body = h->body,
		.len = h->body_len,
	};
	tl_binance_decoded_t dec;
	tl_req_kind_t kind = c->r.kind == BN_K_QUERY_CHILD ? TL_REQ_QUERY
							   : (tl_req_kind_t)c->r.kind;
	int rc = tl_binance_decode_response(&b->arena, &c->r.req, kind, &c->http,
					    &rr, b->now, &dec);

	if (rc == TL_BN_OK) {
		for (uint32_t i = 0; i < dec.n; i++) {
			const tl_input_t *in = &dec.in[i];
			if (in->hdr.type == TL_IN_REQ_ERROR &&
			    in->u.error.outcome.code == -1021)
				b->time_wanted = true;	/* resync the clock */
			bn_emit(b, in);
		}
		return;
	}
	if (rc == TL_BN_ALGO_CHILD) {
		bn_req_t q = c->r;
		q.kind = BN_K_QUERY_CHILD;
		q.child_id = dec.child_order_id;
		q.queued = bn_mono();
		if (bn_q_push(&b->q_urgent, &q))
			return;
	}
	/* Undecodable (or nothing for the kernel): an outcome we cannot
	 * read. For a write that is ambiguous: the kernel queries. */
	tl_input_t in;

	memset(&in, 0, sizeof(in));
	in.hdr.type = TL_IN_REQ_ERROR;
	in.hdr.time = b->now;
	memcpy(in.u.error.client_id, c->r.req.client_id, TL_CLID_LEN);
	in.u.error.req = (uint8_t)kind;
	in.u.error.outcome.transport = TL_TR_NONE;
	in.u.error.outcome.written = true;
	in.u.error.outcome.is_write = bn_is_write(c->r.kind);
	in.u.error.outcome.http_status = (uint16_t)h->status;
	in.u.error.retry_after_ns = rr.retry_after_ns;
	snprintf(in.u.error.text, sizeof(in.u.error.text),
		 "undecodable response (HTTP %d): %s%s%s", h->status,
		 tl_binance_strerror(rc), dec.field ? " at " : "",
		 dec.field ? dec.field : "");
	bn_emit(b, &in);
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
static void bn_on_listen_key(tl_binance_t *b, bn_conn_t *c)
{
	const tl_http_resp_t *h = &c->resp;
	int64_t m = bn_mono();
	char key[TL_BSTREAM_KEY_LEN] = "";
	char tmp[512];
	size_t n = h->body_len < sizeof(tmp) - 1 ? h->body_len : sizeof(tmp) - 1;
	const char *p, *e;

	b->lk_pending = false;
	b->lk_retry_at = m + 5 * TL_NS_PER_S;
	memcpy(tmp, h->body, n);
	tmp[n] = '\0';
	if (h->status != 200 || !(p = strstr(tmp, "\"listenKey\":\"")) ||
	    !(e = strchr(p + 13, '"')) || (size_t)(e - (p + 13)) >= sizeof(key) ||
	    e == p + 13) {
		snprintf(b->last_err, sizeof(b->last_err),
			 "POST /fapi/v1/listenKey: HTTP %d, no listenKey", h->status);
		return;
	}
	memcpy(key, p + 13, (size_t)(e - (p + 13)));
	b->next_keepalive = m + BN_KEEPALIVE_NS;
	if (b->bs) {
		tl_bstream_set_listen_key(b->bs, key);
		return;
	}
	tl_bstream_cfg_t sc = {
		.host = b->ws_host,
		.port = b->ws_port,
		.tls = b->ws_tls,
		.ca_file = b->ws_ca[0] ? b->ws_ca : NULL,
		.insecure = b->ws_insecure,
		.listen_key = key,
		.symbols = b->sym_names,
		.n_symbols = b->n_sym_names,
		.paths = TL_BSTREAM_PATH_CURRENT,
	};
	char err[256];
	b->bs = tl_bstream_start(&sc, bn_stream_emit, b, err, sizeof(err));
	if (!b->bs) {
		snprintf(b->last_err, sizeof(b->last_err), "streams: %.200s", err);
		tl_log(TL_LOG_ERROR, "binance: streams not started: %s", err);
		b->lk_retry_at = m + 60 * TL_NS_PER_S;
	}
}

/* One whole response on connection id: act on it, free the connection. */
static void bn_done(tl_binance_t *b, uint32_t id)
{
	bn_conn_t *c = &b->conns[id];
	int64_t m = bn_mono();

	b->st.responses++;
	bn_rate_headers(b, &c->resp, m);
	switch (c->r.kind) {
	case BN_K_TIME:
		bn_on_time(b, c);
		break;
	case BN_K_MARKS:
		bn_on_marks(b, c);
		break;
	case BN_K_LISTEN_KEY:
		bn_on_listen_key(b, c);
		break;
	case BN_K_LISTEN_KEEP:
		if (c->resp.status != 200)
			b->next_keepalive = m + 60 * TL_NS_PER_S;
		break;
	case BN_K_CANCEL_ALL:
		if (c->resp.status != 200)
			tl_log(TL_LOG_WARN, "binance: cancel all %s: HTTP %d %.*s",
			       c->r.req.symbol, c->resp.status,
			       (int)(c->resp.body_len < 160 ? c->resp.body_len : 160),
			       c->resp.body);
		break;
	case BN_K_LEVERAGE:
	case BN_K_BALANCE:
	case BN_K_POSITIONS:
		b->sync_status = c->resp.status;
		b->sync_len = c->resp.body_len < BN_SYNC_CAP - 1 ? c->resp.body_len
								 : BN_SYNC_CAP - 1;
		memcpy(b->sync_buf, c->resp.body, b->sync_len);
		b->sync_buf[b->sync_len] = '\0';
		b->sync_done = true;
		break;
	default:
		bn_on_kernel(b, c);
		break;
	}
	bool keep = c->resp.keep_alive;
	c->busy = false;
	tl_conn_release(b->pool, id);
	tl_http_resp_reset(&c->resp);
	if (!keep) {
		c->closing = true;
		tl_conn_close(b->pool, id);
	}
}

/* Connection id dropped while carrying c->r. */
static void bn_dropped(tl_binance_t *b, uint32_t id, bool written, const char *why)
{
	bn_conn_t *c = &b->conns[id];
	char text[320];

	c->busy = false;
	tl_conn_release(b->pool, id);
	snprintf(text, sizeof(text), "%s: %s",
		 written ? "lost after send" : "lost before send",
		 why ? why : "closed");
	bn_fail(b, &c->r, written ? TL_TR_RESET : TL_TR_CONNECT, written, text);
}

/* Fail every queued request (no connection can carry them). */
static void bn_fail_queued(tl_binance_t *b, int64_t older_than)
{
	bn_queue_t *qs[2] = { &b->q_urgent, &b->q_normal };
	char text[320];

	snprintf(text, sizeof(text), "%s",
		 b->last_msg[0] ? b->last_msg : "not connected to the venue");
	for (int i = 0; i < 2; i++) {
		bn_req_t *r;
		while ((r = bn_q_peek(qs[i])) && r->queued <= older_than) {
			bn_req_t copy = *r;
			bn_q_drop(qs[i]);
			bn_fail(b, &copy, TL_TR_CONNECT, false, text);
		}
	}
}

static void bn_cb(void *user, const tl_conn_ev_t *ev)
{
	tl_binance_t *b = user;
	bn_conn_t *c = &b->conns[ev->conn];

	switch (ev->kind) {
	case TL_CONN_EV_DATA: {
		const char *d = (const char *)ev->data;
		size_t left = ev->len;

		while (left && c->busy) {
			ssize_t k = tl_http_resp_feed(&c->resp, d, left);
			if (k < 0) {
				char why[96];
				snprintf(why, sizeof(why), "bad HTTP response: %s",
					 tl_http_strerror(c->resp.error));
				bn_set_error(b, ev->conn, why);
				bn_dropped(b, ev->conn, true, why);
				c->closing = true;
				tl_conn_close(b->pool, ev->conn);
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
		if (left && !c->busy && !c->closing) {
			bn_set_error(b, ev->conn, "unexpected data from the venue");
			c->closing = true;
			tl_conn_close(b->pool, ev->conn);
		}
		break;
	}
	case TL_CONN_EV_CONNECTED:
		c->closing = false;
		break;
	case TL_CONN_EV_CLOSED:
	case TL_CONN_EV_ERROR: {
		bool ours = c->closing && ev->err == -ECANCELED;

		c->closing = false;
		if (!ours && (ev->kind == TL_CONN_EV_ERROR || c->busy))
			bn_set_error(b, ev->conn, ev->msg);
		if (c->busy) {
			if (tl_http_resp_eof(&c->resp) == 0 &&
			    c->resp.state == TL_HTTP_DONE) {
				bn_done(b, ev->conn);
			} else {
				bn_dropped(b, ev->conn, ev->unsent == 0, ev->msg);
			}
		}
		tl_http_resp_reset(&c->resp);
		/* Could not connect at all and nothing is up: what waits
		 * would wait for nothing. */
		if (!ev->was_up && tl_pool_up(b->pool) == 0)
			bn_fail_queued(b, INT64_MAX);
		break;
	}
	}
}

/* Responses overdue; requests that waited too long for a connection. */
static void bn_timeouts(tl_binance_t *b, int64_t m)
{
	for (uint32_t i = 0; i < b->nconn; i++) {
		bn_conn_t *c = &b->conns[i];
		if (!c->busy || m - c->sent_mono < b->timeout_ns)
			continue;
		char text[TL_TEXT_LEN];
		snprintf(text, sizeof(text), "no response in %lld ms",
			 (long long)(b->timeout_ns / TL_NS_PER_MS));
		c->busy = false;
		tl_conn_release(b->pool, i);
		bn_fail(b, &c->r, TL_TR_TIMEOUT, true, text);
		c->closing = true;
		tl_conn_close(b->pool, i);
	}
	if (tl_pool_up(b->pool) == 0 || !b->ready)
		bn_fail_queued(b, m - b->timeout_ns);
}

/* One poll step of the pool plus bookkeeping. */
static int bn_step(tl_binance_t *b, tl_time_t now)
{
	int64_t m = bn_mono();
	int r;

	b->now = now;
	bn_pump(b, now, m);
	r = tl_pool_poll(b->pool, m, bn_cb, b);
	if (r < 0)
		snprintf(b->last_err, sizeof(b->last_err), "io_uring: %s",
			 strerror(-r));
	bn_timeouts(b, m);
	bn_pump(b, now, m);
	if (b->bs)
		atomic_store_explicit(&b->stream_state, (int)tl_bstream_state(b->bs),
				      memory_order_relaxed);
	return r > 0 ? r : 0;
}

/* ---- venue ops ------------------------------------------------------------- */

/* Is the NEW of this client id still waiting in the normal queue? */
static bool bn_new_queued(const tl_binance_t *b, const char *clid)
{
	const bn_queue_t *q = &b->q_normal;

	for (uint32_t i = 0; i < q->n; i++) {
		const bn_req_t *r = &q->v[(q->head + i) & (q->cap - 1)];
		if (r->kind == BN_K_NEW && strncmp(r->req.client_id, clid, TL_CLID_LEN) == 0)
			return true;
	}
	return false;
}

static int bn_enqueue(tl_binance_t *b, const tl_out_req_t *req, int kind,
		      tl_time_t now)
{
	bn_queue_t *q = (req->urgent || kind == BN_K_CANCEL) ? &b->q_urgent
							      : &b->q_normal;
	bn_req_t r;

	/* A cancel never overtakes its own order's NEW (it would find
	 * nothing, and the order would then rest): it queues behind it. */
	if (q == &b->q_urgent && kind == BN_K_CANCEL && !req->urgent &&
	    bn_new_queued(b, req->client_id))
		q = &b->q_normal;
	if (kind == BN_K_NEW && tl_symbols_find(b->syms, req->symbol) < 0)
		return -EINVAL;
	memset(&r, 0, sizeof(r));
	r.req = *req;
	r.kind = (uint8_t)kind;
	r.queued = bn_mono();
	if (!bn_q_push(q, &r))
		return -EAGAIN;
	b->now = now;
	bn_pump(b, now, r.queued);
	return 0;
}

static int bn_submit(tl_venue_t *v, const tl_out_req_t *req, tl_time_t now)
{
	return bn_enqueue(bn_of(v), req, BN_K_NEW, now);
}

static int bn_cancel(tl_venue_t *v, const tl_out_req_t *req, tl_time_t now)
{
	return bn_enqueue(bn_of(v), req, BN_K_CANCEL, now);
}

static int bn_query(tl_venue_t *v, const tl_out_req_t *req, tl_time_t now)
{
	return bn_enqueue(bn_of(v), req, BN_K_QUERY, now);
}

static int bn_cancel_all(tl_venue_t *v, const char *symbol, tl_time_t now)
{
	tl_binance_t *b = bn_of(v);

	for (uint32_t i = 0; i < b->syms->count; i++) {
		const tl_symbol_t *s = tl_symbols_get(b->syms, (int)i);
		bn_req_t r;

		if (symbol && symbol[0] && strcmp(symbol, s->name) != 0)
			continue;
		memset(&r, 0, sizeof(r));
		r.kind = BN_K_CANCEL_ALL;
		snprintf(r.req.symbol, sizeof(r.req.symbol), "%s", s->name);
		r.queued = bn_mono();
		if (!bn_q_push(&b->q_urgent, &r))
			return -EAGAIN;
	}
	b->now = now;
	bn_pump(b, now, bn_mono());
	return 0;
}

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

static int bn_set_leverage(tl_venue_t *v, const char *symbol, uint32_t lev,
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

static int bn_account(tl_venue_t *v, tl_venue_account_t *acct, tl_time_t now)
{
	tl_binance_t *b = bn_of(v);
	const cJSON *e;
	cJSON *root;
	int rc;

	memset(acct, 0, sizeof(*acct));
	rc = bn_sync(b, BN_K_BALANCE, NULL, 0, now);
	if (rc != 200)
		return rc < 0 ? rc : -EIO;
	if (!(root = cJSON_ParseWithLength(b->sync_buf, b->sync_len)))
		return -EPROTO;
	cJSON_ArrayForEach(e, root) {
		const cJSON *a = cJSON_GetObjectItemCaseSensitive(e, "asset");
		if (cJSON_IsString(a) && strcmp(a->valuestring, "USDT") == 0) {
			acct->balance = bn_fx_field(e, "balance");
			acct->available = bn_fx_field(e, "availableBalance");
		}
	}
	cJSON_Delete(root);
	rc = bn_sync(b, BN_K_POSITIONS, NULL, 0, now);
	if (rc != 200)
		return rc < 0 ? rc : -EIO;
	if (!(root = cJSON_ParseWithLength(b->sync_buf, b->sync_len)))
		return -EPROTO;
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

static int bn_poll(tl_venue_t *v, tl_time_t now)
{
	tl_binance_t *b = bn_of(v);
	int r;

	b->emitted = 0;
	r = bn_step(b, now);
	return b->emitted + (r > 0);
}

static void bn_destroy(tl_venue_t *v)
{
	tl_binance_t *b = bn_of(v);

	if (!b)
		return;
	tl_bstream_stop(b->bs);
	tl_pool_free(b->pool);
	tl_binance_signer_wipe(&b->signer);
	free(b->bodies);
	free(b->arena_buf);
	free(b->q_urgent.v);
	free(b->q_normal.v);
	free(b->sync_buf);
	free(b);
}

static const tl_venue_ops_t bn_ops = {
	.name = "binance",
	.submit = bn_submit,
	.cancel = bn_cancel,
	.query = bn_query,
	.cancel_all = bn_cancel_all,
	.account = bn_account,
	.set_leverage = bn_set_leverage,
	.poll = bn_poll,
	.destroy = bn_destroy,
};

/* ---- public ---------------------------------------------------------------- */

tl_venue_t *tl_binance_create(const tl_config_t *cfg, const tl_symbols_t *syms,
			      tl_venue_emit_fn emit, void *ctx, char *err,
			      size_t errlen)
{
	const tl_binance_cfg_t *bc = &cfg->binance;
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
	b->nconn = bc->connections ? bc->connections : 2;
	if (b->nconn > BN_MAX_CONNS) {
		snprintf(err, errlen, "venue.binance.connections: expected 1..%d",
			 BN_MAX_CONNS);
		goto fail;
	}
	tl_binance_map_init();
	if (tl_binance_signer_init(&b->signer, bc->api_key, bc->api_secret) < 0) {
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
	b->q_urgent.cap = b->q_normal.cap = BN_Q_CAP;
	b->q_urgent.v = calloc(BN_Q_CAP, sizeof(bn_req_t));
	b->q_normal.v = calloc(BN_Q_CAP, sizeof(bn_req_t));
	b->bodies = malloc((size_t)b->nconn * BN_BODY_CAP);
	b->arena_buf = malloc(BN_ARENA_CAP);
	b->sync_buf = malloc(BN_SYNC_CAP);
	if (!b->q_urgent.v || !b->q_normal.v || !b->bodies || !b->arena_buf ||
	    !b->sync_buf) {
		snprintf(err, errlen, "binance: out of memory");
		goto fail;
	}
	tl_binance_arena_init(&b->arena, b->arena_buf, BN_ARENA_CAP);
	for (uint32_t i = 0; i < b->nconn; i++)
		tl_http_resp_init(&b->conns[i].resp, b->bodies + (size_t)i * BN_BODY_CAP,
				  BN_BODY_CAP);
	tl_binance_clock_init(&b->clock);
	snprintf(b->ws_host, sizeof(b->ws_host), "%s", bc->ws.host);
	b->ws_port = bc->ws.port;
	b->ws_tls = bc->ws.tls;
	b->ws_insecure = bc->rest.insecure;
	snprintf(b->ws_ca, sizeof(b->ws_ca), "%s", bc->rest.ca_file);
	for (uint32_t i = 0; i < syms->count && i < TL_BSTREAM_MAX_SYMBOLS; i++)
		b->sym_names[b->n_sym_names++] = tl_symbols_get(syms, (int)i)->name;
	atomic_init(&b->stream_state, -1);
	b->st.used_weight_1m = b->st.order_count_10s = b->st.order_count_1m = -1;

	tl_pool_cfg_t pc = {
		.host = bc->rest.host,
		.port = bc->rest.port,
		.conns = b->nconn,
		.tls = bc->rest.tls,
		.ca_file = bc->rest.ca_file[0] ? bc->rest.ca_file : NULL,
		.tls_insecure = bc->rest.insecure,
		.rx_buf = 64u << 10,
		.tx_buf = 16u << 10,
		.connect_timeout_ns = b->timeout_ns,
	};
	b->pool = tl_pool_new(&pc, &warning, perr, sizeof(perr));
	if (!b->pool) {
		snprintf(err, errlen, "venue.binance.rest: %s", perr);
		goto fail;
	}
	if (warning)
		tl_log(TL_LOG_WARN, "binance: %s", warning);
	return &b->base;
fail:
	bn_destroy(&b->base);
	return NULL;
}

const char *tl_binance_last_error(const tl_venue_t *v)
{
	return ((const tl_binance_t *)v)->last_err;
}

bool tl_binance_ready(const tl_venue_t *v)
{
	return ((const tl_binance_t *)v)->ready;
}

void tl_binance_stats(const tl_venue_t *v, tl_binance_stats_t *out)
{
	*out = ((const tl_binance_t *)v)->st;
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
