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
 * Emergency closes (urgent MARKET NEWs) queued together leave as one
 * batchOrders of 2..5 (the engine flags every close that has another of
 * its burst behind it, and the adapter waits for the rest); the batch's members live in its connection (`br`) and each
 * ends in its own input: its element of the answer, or the batch's
 * transport outcome (invariant 2 holds per member).
 * "held" is the local limiters (io/binance_limits.h) and Retry-After.
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
#include "io/binance_deadman.h"
#include "io/binance_limits.h"
#include "io/binance_stream.h"
#include "io/binance_sync.h"
#include "io/http.h"
#include "io/log.h"
#include "io/uring.h"

#define BN_MAX_CONNS 16
/* Response body per connection, and the reconciler's copy: room for
 * positionRisk with 1,000+ open positions (about 550 bytes each). */
#define BN_BODY_CAP (1u << 20)
#define BN_ARENA_CAP (64u << 10)
#define BN_TX_CAP 8192
#define BN_Q_CAP 4096
#define BN_SYNC_CAP (1u << 20)

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
	BN_K_BATCH,            /* POST /fapi/v1/batchOrders: urgent closes (members) */
	BN_K_COUNTDOWN,        /* POST /fapi/v1/countdownCancelAll (dead-man) */
	BN_K_SYNC,             /* signed GET for binance_sync.c (async): lev =
				* tl_bsync_call_t, answer to tl_bsync_done */
	BN_K_TRADES,           /* GET userTrades of a queried order: child_id =
				* orderId, lev = held slot (binance_sync.c) */
	BN_K_CANCEL_CHILD,     /* a kernel cancel of an algo order that already
				* triggered: DELETE /fapi/v1/order of the order it
				* placed (same client id) */
};

#define BN_KEEPALIVE_NS (30LL * 60 * TL_NS_PER_S)  /* listenKey: every 30 min */

typedef struct bn_req {
	tl_out_req_t req;      /* kernel kinds; symbol for the internal ones */
	uint8_t kind;          /* enum bn_kind */
	uint32_t lev;          /* BN_K_LEVERAGE */
	int64_t child_id;      /* BN_K_QUERY_CHILD: venue order id */
	int64_t queued;        /* monotonic ns */
	/* BN_K_BATCH: the orders of the batch (NEW requests), in order */
	const struct bn_req *members;
	uint8_t nmem;
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
	bn_req_t br[TL_BINANCE_BATCH_MAX]; /* members of the batch on the wire */
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
	_Atomic uint64_t mark_polls;      /* IO thread: premiumIndex applied */
	_Atomic uint64_t io_wakeups;      /* IO thread: idle waits ended by I/O */
	bool lk_pending;
	int64_t lk_retry_at, next_keepalive;
	char ws_host[TL_CFG_HOST_MAX];
	int ws_port;
	bool ws_tls, ws_insecure;
	char ws_ca[TL_PATH_MAX];
	/* every symbol of the table: past TL_BSTREAM_URL_SYMBOLS the stream
	 * takes !markPrice@arr@1s and keeps these */
	const char *sym_names[TL_BSTREAM_MAX_SYMBOLS];
	unsigned n_sym_names;
	/* rate-limit holds (monotonic ns) */
	int64_t hold_all_until;           /* 429/418: everything waits */
	int64_t hold_nonurgent_until, hold_orders_until; /* unused: see lim */
	int64_t lim_weight_1m, lim_orders_10s, lim_orders_1m; /* cfg, > 0 */
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
	/* reconciliation (io/binance_sync.h) */
	tl_bsync_t *rsync;
	size_t sync_len;
	tl_binance_stats_t st;
	/* local rate limiters (io/binance_limits.h), venue time */
	tl_blim_t lim;
	/* dead-man switch (io/binance_deadman.h); hb: the engine's heartbeat
	 * (realtime ns), NULL = not known (taken as alive) */
	tl_bdm_t dm;
	const _Atomic int64_t *hb;
	bn_req_t batch_tmp[TL_BINANCE_BATCH_MAX]; /* a batch being sent */
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

static void bn_dm_result(tl_binance_t *b, const bn_req_t *r, bool ok,
			 const char *text);

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
	return kind == BN_K_NEW || kind == BN_K_CANCEL || kind == BN_K_CANCEL_CHILD;
}

/* The kernel's kind of a request (internal follow-ups answer as the
 * kernel request they continue). */
static tl_req_kind_t bn_kernel_kind(int kind)
{
	if (kind == BN_K_QUERY_CHILD)
		return TL_REQ_QUERY;
	if (kind == BN_K_CANCEL_CHILD)
		return TL_REQ_CANCEL;
	return (tl_req_kind_t)kind;
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
	case BN_K_SYNC:
		tl_bsync_done(b->rsync, (int)r->lev, -1, text, strlen(text), b->now);
		return;
	case BN_K_TRADES:
		tl_bsync_trades_done(b->rsync, (int)r->lev, -1, text, strlen(text),
				     b->now);
		return;
	case BN_K_BATCH:
		/* Every order of the batch shares the batch's fate: after the
		 * write, UNKNOWN for each (the kernel queries each by id). */
		for (uint8_t i = 0; i < r->nmem; i++)
			bn_fail(b, &r->members[i], tr, written, text);
		return;
	case BN_K_COUNTDOWN:
		bn_dm_result(b, r, false, text);
		return;
	default:
		break;
	}
	tl_input_t in;

	memset(&in, 0, sizeof(in));
	in.hdr.type = TL_IN_REQ_ERROR;
	in.hdr.time = b->now;
	memcpy(in.u.error.client_id, r->req.client_id, TL_CLID_LEN);
	in.u.error.req = (uint8_t)bn_kernel_kind(r->kind);
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

/* batchOrders of r's members (emergency closes). */
static int bn_encode_batch(tl_binance_t *b, const bn_req_t *r, int64_t ts,
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
	case BN_K_CANCEL_CHILD: {
		/* The triggered order carries the algo order's client id
		 * (binance_map.c notes): cancel it as a plain order. */
		tl_out_req_t x = r->req;
		x.type = TL_ORD_LIMIT;
		x.algo = 0;
		return tl_binance_encode_cancel(&x, ts, rw, http, q, cap);
	}
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
	case BN_K_SYNC:
		http->method = TL_BN_GET;
		http->path = tl_bsync_call_path((int)r->lev);
		return snprintf(q, cap, "recvWindow=%u&timestamp=%lld", rw,
				(long long)ts);
	case BN_K_TRADES:
		http->method = TL_BN_GET;
		http->path = "/fapi/v1/userTrades";
		return snprintf(q, cap, "symbol=%s&orderId=%lld&limit=1000&recvWindow=%u&timestamp=%lld",
				r->req.symbol, (long long)r->child_id, rw,
				(long long)ts);
	case BN_K_BATCH:
		return bn_encode_batch(b, r, ts, rw, http, q, cap);
	case BN_K_COUNTDOWN:
		http->method = TL_BN_POST;
		http->path = "/fapi/v1/countdownCancelAll";
		return snprintf(q, cap, "symbol=%s&countdownTime=%lld&recvWindow=%u&timestamp=%lld",
				r->req.symbol, (long long)r->child_id, rw,
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
	if (r->kind == BN_K_BATCH) {
		/* the members live with the connection until the outcome */
		memcpy(c->br, r->members, r->nmem * sizeof(bn_req_t));
		c->r.members = c->br;
		b->st.batches++;
		b->st.batch_orders += r->nmem;
	}
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

/* ---- rate limits, batches, dead-man ---------------------------------------- */

/* What r costs on the venue's limiters (binance-usdm.md 2.1). A kind not
 * listed costs 1 weight; the response headers correct any difference. */
static void bn_cost(const bn_req_t *r, tl_blim_cost_t *c)
{
	memset(c, 0, sizeof(*c));
	switch (r->kind) {
	case BN_K_NEW:          /* order and algoOrder: 0 IP, 1 + 1 orders */
		c->n[TL_BLIM_ORDERS_10S] = 1;
		c->n[TL_BLIM_ORDERS_1M] = 1;
		return;
	case BN_K_BATCH:
		c->n[TL_BLIM_WEIGHT_1M] = 5;
		c->n[TL_BLIM_ORDERS_10S] = 5;
		c->n[TL_BLIM_ORDERS_1M] = 1;
		return;
	case BN_K_MARKS:        /* premiumIndex without symbol */
	case BN_K_COUNTDOWN:
		c->n[TL_BLIM_WEIGHT_1M] = 10;
		return;
	case BN_K_BALANCE:
	case BN_K_POSITIONS:
	case BN_K_TRADES:
		c->n[TL_BLIM_WEIGHT_1M] = 5;
		return;
	case BN_K_SYNC:
		c->n[TL_BLIM_WEIGHT_1M] = tl_bsync_call_weight((int)r->lev);
		return;
	default:
		c->n[TL_BLIM_WEIGHT_1M] = 1;
		return;
	}
}

/* Venue time for the limiters, 50 ms late: a window is taken to roll
 * over only once the venue has surely rolled it (clock offset error). */
static int64_t bn_lim_ms(const tl_binance_t *b, tl_time_t now)
{
	return tl_binance_clock_ms(&b->clock, now) - 50;
}

/* Admit r on the local limiters (charged when true). */
static bool bn_admit(tl_binance_t *b, const bn_req_t *r, tl_time_t now,
		     tl_blim_prio_t p)
{
	tl_blim_cost_t c;

	bn_cost(r, &c);
	return tl_blim_admit(&b->lim, bn_lim_ms(b, now), &c,
			     p) == 0;
}

static void bn_charge(tl_binance_t *b, const bn_req_t *r, tl_time_t now)
{
	tl_blim_cost_t c;

	bn_cost(r, &c);
	tl_blim_charge(&b->lim, bn_lim_ms(b, now), &c);
}

/* An urgent plain MARKET order: an emergency close, batchable. */
static bool bn_batchable(const bn_req_t *r)
{
	return r->kind == BN_K_NEW && r->req.urgent && !r->req.algo &&
	       r->req.type == TL_ORD_MARKET;
}

/* The engine marks each emergency close after which another of the
 * same burst follows (`more`: a liquidation emits them all in one kernel
 * input, but they cross the request ring one by one). A burst still
 * arriving is waited for; this bound only guards against a close that
 * never comes (it cannot, by construction: see io/engine.c). */
#define BN_BATCH_WAIT_NS (500LL * 1000 * 1000)

/* Emergency closes at the head of the urgent queue that go together as
 * one batchOrders (2..5, copied to b->batch_tmp); 1: the queue ends in
 * a close whose burst is still arriving (send nothing yet); 0: send the
 * head alone. */
static unsigned bn_take_batch(tl_binance_t *b, tl_time_t now, int64_t m)
{
	const bn_queue_t *q = &b->q_urgent;
	unsigned n = 0;

	while (n < q->n && n < TL_BINANCE_BATCH_MAX &&
	       bn_batchable(&q->v[(q->head + n) & (q->cap - 1)]))
		n++;
	if (n >= 1 && n < TL_BINANCE_BATCH_MAX && n == q->n &&
	    q->v[(q->head + n - 1) & (q->cap - 1)].req.more &&
	    m - q->v[q->head].queued < BN_BATCH_WAIT_NS)
		return 1;
	if (n < 2)
		return 0;
	n = tl_blim_batch_size(&b->lim, bn_lim_ms(b, now), n);
	if (n < 2)
		return 0;
	for (unsigned i = 0; i < n; i++)
		b->batch_tmp[i] = q->v[(q->head + i) & (q->cap - 1)];
	return n;
}

/* The dead-man renewal due now, if any: r filled, true. */
static bool bn_dm_due(tl_binance_t *b, int64_t m, tl_time_t now, bn_req_t *r)
{
	int64_t age = -1;
	int sid;

	if (b->hb) {
		int64_t hb = atomic_load_explicit(b->hb, memory_order_relaxed);
		age = hb > 0 && now > hb ? now - hb : 0;
	}
	sid = tl_bdm_due(&b->dm, m, age);
	if (sid < 0)
		return false;
	r->kind = BN_K_COUNTDOWN;
	r->child_id = b->dm.countdown_ms;
	snprintf(r->req.symbol, sizeof(r->req.symbol), "%s",
		 tl_symbols_get(b->syms, sid)->name);
	r->lev = (uint32_t)sid;
	return true;
}

static void bn_dm_result(tl_binance_t *b, const bn_req_t *r, bool ok,
			 const char *text)
{
	tl_bdm_done(&b->dm, (int)r->lev, ok, bn_mono());
	b->st.deadman_renewals = b->dm.renewals;
	b->st.deadman_failures = b->dm.failures;
	if (!ok && b->dm.failures < 10)
		tl_log(TL_LOG_WARN, "binance: countdownCancelAll %s failed: %s",
		       r->req.symbol, text);
}

/* Send what may go now, on every idle connection (priority: clock, then
 * dead-man renewals, then the urgent queue (emergency closes batched),
 * then marks, then the normal queue in FIFO order). The local limiters
 * hold the normal queue at 90 % and the urgent one at 100 %. */
static void bn_pump(tl_binance_t *b, tl_time_t now, int64_t m)
{
	for (;;) {
		int id = tl_conn_idle(b->pool);
		bn_req_t r;
		unsigned nb = 0;

		if (id < 0 || m < b->hold_all_until)
			return;
		memset(&r, 0, sizeof(r));
		if (!b->time_pending && (!b->ready || b->time_wanted) &&
		    m >= b->time_retry_at) {
			r.kind = BN_K_TIME;
			b->time_pending = true;
			b->time_wanted = false;
			bn_charge(b, &r, now);
		} else if (!b->ready) {
			return;
		} else if (bn_dm_due(b, m, now, &r)) {
			bn_charge(b, &r, now);	/* must go: it keeps orders alive */
		} else if (b->q_urgent.n && (nb = bn_take_batch(b, now, m)) == 1) {
			return;	/* a burst of closes is still arriving */
		} else if (nb >= 2) {
			r.kind = BN_K_BATCH;
			r.members = b->batch_tmp;
			r.nmem = (uint8_t)nb;
			r.queued = b->batch_tmp[0].queued;
			if (!bn_admit(b, &r, now, TL_BLIM_URGENT))
				return;
			for (unsigned i = 0; i < nb; i++)
				bn_q_drop(&b->q_urgent);
		} else if (b->q_urgent.n) {
			if (!bn_admit(b, bn_q_peek(&b->q_urgent), now, TL_BLIM_URGENT))
				return;
			r = *bn_q_peek(&b->q_urgent);
			bn_q_drop(&b->q_urgent);
		} else if (bn_want_listen_key(b, m)) {
			r.kind = BN_K_LISTEN_KEY;
			b->lk_pending = true;
			bn_charge(b, &r, now);
		} else if (b->bs && m >= b->next_keepalive) {
			r.kind = BN_K_LISTEN_KEEP;
			b->next_keepalive = m + BN_KEEPALIVE_NS;
			bn_charge(b, &r, now);
		} else if (!b->marks_pending && m >= b->next_marks &&
			   !(b->bs && tl_bstream_market_up(b->bs)) &&
			   bn_admit(b, &(bn_req_t){ .kind = BN_K_MARKS }, now,
				    TL_BLIM_NORMAL)) {
			r.kind = BN_K_MARKS;
			b->marks_pending = true;
		} else if (b->q_normal.n) {
			bn_req_t *h = bn_q_peek(&b->q_normal);
			/* a cancel waits here only behind its own NEW: once
			 * at the head it is as urgent as any cancel */
			if (!bn_admit(b, h, now, h->kind == BN_K_CANCEL ? TL_BLIM_URGENT
									: TL_BLIM_NORMAL))
				return;	/* FIFO: held requests wait, in order */
			r = *h;
			bn_q_drop(&b->q_normal);
		} else {
			return;
		}
		bn_send(b, (uint32_t)id, &r, now, m);
	}
}

/* ---- responses ------------------------------------------------------------- */

/* The X-MBX-* counts raise the local limiters (io/binance_limits.h),
 * which hold non-urgent requests at 90 % and everything at 100 %; the
 * 80 % warning is logged once per window and limiter. */
static void bn_rate_headers(tl_binance_t *b, const tl_http_resp_t *h, int64_t m)
{
	int64_t vms = bn_lim_ms(b, bn_real());
	unsigned warn;

	if (h->used_weight_1m >= 0)
		b->st.used_weight_1m = h->used_weight_1m;
	if (h->order_count_10s >= 0)
		b->st.order_count_10s = h->order_count_10s;
	if (h->order_count_1m >= 0)
		b->st.order_count_1m = h->order_count_1m;
	tl_blim_sync(&b->lim, vms, h->used_weight_1m, h->order_count_10s,
		     h->order_count_1m);
	b->st.limiter_holds = b->lim.holds;
	if ((warn = tl_blim_warnings(&b->lim, vms)) != 0) {
		for (int i = 0; i < TL_BLIM__N; i++) {
			if (!(warn & (1u << i)))
				continue;
			b->st.limit_warnings++;
			tl_log(TL_LOG_WARN,
			       "binance: %s at %u of %u (warning at %u %%, non-urgent requests held at %u %%)",
			       tl_blim_name((tl_blim_id_t)i),
			       tl_blim_used(&b->lim, (tl_blim_id_t)i, vms),
			       b->lim.w[i].limit, b->lim.warn_pct, b->lim.hold_pct);
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
	/* read by tl_binance_ready() from other threads */
	__atomic_store_n(&b->ready, true, __ATOMIC_RELEASE);
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
	atomic_fetch_add_explicit(&b->mark_polls, 1, memory_order_relaxed);
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

/* A query found the order with executed quantity: fetch its trades
 * before the answer goes to the kernel, so a fill the user stream missed
 * is applied (once: the kernel deduplicates by trade id). False: no room,
 * emit the answer as it is. */
static bool bn_fetch_trades(tl_binance_t *b, const bn_conn_t *c,
			    const tl_input_t *in)
{
	if (!b->rsync || !b->base.emit_stream || !in->u.query.found ||
	    in->u.query.executed_qty <= 0 ||
	    in->u.query.venue_id <= 0)
		return false;
	int slot = tl_bsync_hold(b->rsync, in);
	if (slot < 0)
		return false;
	if (tl_binance_trades_send(&b->base, c->r.req.symbol, in->u.query.venue_id,
				   in->u.query.client_id, slot) < 0)
		tl_bsync_trades_done(b->rsync, slot, -1, "queue full", 10, b->now);
	return true;
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
	tl_req_kind_t kind = bn_kernel_kind(c->r.kind);
	int rc = tl_binance_decode_response(&b->arena, &c->r.req, kind, &c->http,
					    &rr, b->now, &dec);

	/* An algo order that already triggered is no longer open at the
	 * algo endpoint (-2011): what is left to cancel is the order it
	 * placed, under the same client id. Its answer (CANCELED, or the
	 * error, e.g. -2011 when that order is done too) goes to the
	 * kernel as this cancel's. */
	if (rc == TL_BN_OK && c->r.kind == BN_K_CANCEL && c->http.algo &&
	    dec.n == 1 && dec.in[0].hdr.type == TL_IN_REQ_ERROR &&
	    dec.in[0].u.error.outcome.code == -2011) {
		bn_req_t q = c->r;
		q.kind = BN_K_CANCEL_CHILD;
		q.queued = bn_mono();
		if (bn_q_push(&b->q_urgent, &q))
			return;
	}
	if (rc == TL_BN_OK) {
		for (uint32_t i = 0; i < dec.n; i++) {
			const tl_input_t *in = &dec.in[i];
			if (in->hdr.type == TL_IN_REQ_ERROR &&
			    in->u.error.outcome.code == -1021)
				b->time_wanted = true;	/* resync the clock */
			if (in->hdr.type == TL_IN_QUERY_RESULT && bn_fetch_trades(b, c, in))
				continue;	/* emitted after its trades */
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

/* batchOrders answered: one outcome per order of the batch, each on its
 * own (an error element fails or retries just that order). */
static void bn_on_batch(tl_binance_t *b, bn_conn_t *c)
{
	const tl_http_resp_t *h = &c->resp;
	const tl_out_req_t *reqs[TL_BINANCE_BATCH_MAX];
	tl_binance_resp_t rr = {
		.http_status = (uint16_t)h->status,
		.retry_after_ns = h->retry_after_ns > 0 ? h->retry_after_ns : 0,
		.body = h->body,
		.len = h->body_len,
	};
	tl_binance_decoded_t dec;

	for (uint8_t i = 0; i < c->r.nmem; i++)
		reqs[i] = &c->r.members[i].req;
	(void)tl_binance_decode_batch(&b->arena, reqs, c->r.nmem, &rr, b->now, &dec);
	/* decode_batch gives one input per order whatever the body was
	 * (undecodable: a written, unknown outcome for each). */
	for (uint32_t i = 0; i < dec.n; i++) {
		if (dec.in[i].hdr.type == TL_IN_REQ_ERROR &&
		    dec.in[i].u.error.outcome.code == -1021)
			b->time_wanted = true;
		bn_emit(b, &dec.in[i]);
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
	case BN_K_BATCH:
		bn_on_batch(b, c);
		break;
	case BN_K_COUNTDOWN:
		bn_dm_result(b, &c->r, c->resp.status == 200,
			     c->resp.status == 200 ? "" : "HTTP error");
		if (c->resp.status != 200 && b->dm.failures < 10)
			tl_log(TL_LOG_WARN, "binance: countdownCancelAll %s: HTTP %d %.*s",
			       c->r.req.symbol, c->resp.status,
			       (int)(c->resp.body_len < 160 ? c->resp.body_len : 160),
			       c->resp.body);
		break;
	case BN_K_TRADES:
		tl_bsync_trades_done(b->rsync, (int)c->r.lev, c->resp.status,
				     c->resp.body, c->resp.body_len, b->now);
		break;
	case BN_K_SYNC:
		tl_bsync_done(b->rsync, (int)c->r.lev, c->resp.status, c->resp.body,
			      c->resp.body_len, b->now);
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
	/* More closes of this burst follow: send once they are here. */
	if (bn_batchable(&r) && r.req.more)
		return 0;
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
	/* Reconciliation runs for an engine-driven adapter (it has streams). */
	if (b->rsync && b->base.emit_stream)
		tl_bsync_poll(b->rsync, now);
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
	tl_bsync_free(b->rsync);
	free(b);
}

/* The IO thread's idle: block in io_uring until a completion or max_ns. */
static int bn_wait(tl_venue_t *v, int64_t max_ns)
{
	tl_binance_t *b = bn_of(v);
	int rc = tl_pool_wait(b->pool, max_ns);

	if (rc > 0)
		atomic_fetch_add_explicit(&b->io_wakeups, 1, memory_order_relaxed);
	return rc;
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
	.wait = bn_wait,
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
	b->lim_weight_1m = bc->weight_1m ? bc->weight_1m : TL_BINANCE_WEIGHT_1M;
	b->lim_orders_10s = bc->orders_10s ? bc->orders_10s : TL_BINANCE_ORDERS_10S;
	b->lim_orders_1m = bc->orders_1m ? bc->orders_1m : TL_BINANCE_ORDERS_1M;
	tl_blim_init(&b->lim, (uint32_t)b->lim_weight_1m, (uint32_t)b->lim_orders_10s,
		     (uint32_t)b->lim_orders_1m);
	if (bc->countdown_cancel_ms &&
	    (bc->countdown_cancel_ms < TL_BDM_MIN_MS || bc->countdown_cancel_ms > TL_BDM_MAX_MS)) {
		snprintf(err, errlen, "venue.binance.countdown_cancel_ms: expected 0 or %d..%d",
			 TL_BDM_MIN_MS, TL_BDM_MAX_MS);
		goto fail;
	}
	tl_bdm_init(&b->dm, bc->countdown_cancel_ms, syms->count);
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
	b->rsync = tl_bsync_new(cfg, syms, &b->base);
	if (!b->q_urgent.v || !b->q_normal.v || !b->bodies || !b->arena_buf ||
	    !b->sync_buf || !b->rsync) {
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
