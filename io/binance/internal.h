/*
 * binance_int.h - the Binance adapter's internals, shared by its three
 * parts (the public interface is io/binance/binance.h):
 *   io/binance/sweep.c the kill switch's venue sweep (cold);
 *   io/binance/binance.c       the request pipeline: queues, pump, encode and
 *                      send, transport outcomes, timeouts, the venue
 *                      ops, create/destroy;
 *   io/binance/resp.c  completed responses and connection events (the
 *                      pool callback, tl_binance_cb);
 *   io/binance/call.c  the cold calls: blocking account/leverage, the
 *                      reconciliation requests, accessors for other
 *                      threads;
 *   io/binance/wsorder.c the WebSocket API transport (ws-fapi) of the
 *                      kernel's NEW/CANCEL/QUERY, REST its fallback.
 * Only these files include it. Functions shared across them keep
 * the bn_ prefix of the file-local ones and are declared here only.
 *
 * Invariants (IO thread; the life of a request is drawn in binance.c):
 *   1. a connection's in-flight FIFO holds exactly the requests written
 *      to it whose outcome has not yet been emitted, in the order they
 *      were written (HTTP/1.1 answers in that order), at most `pipeline`
 *      of them; the pool's in-flight count matches;
 *   2. every kernel request taken (submit/cancel/query returned 0) sits
 *      in exactly one place, a queue or a connection's in-flight FIFO,
 *      until exactly one outcome input is emitted for it;
 *   3. nothing signed leaves before the clock offset is set (`ready`).
 * The WebSocket API transport (wsorder.c) keeps 2 and 3 as they are; its
 * in-flight table replaces 1: a session's table holds exactly the
 * requests written to it whose outcome has not yet been emitted (answers
 * come in any order, matched by id), each with the end of its frame in
 * the session's byte count (what a drop's `unsent` tail is matched to).
 */
#ifndef TL_BINANCE_INT_H
#define TL_BINANCE_INT_H

#include "io/binance/binance.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "io/binance/map.h"
#include "io/binance/sign.h"
#include "io/binance/deadman.h"
#include "io/binance/limits.h"
#include "io/binance/stream.h"
#include "io/binance/sync.h"
#include "io/binance/wsapi.h"
#include "io/net/http.h"
#include "io/net/ws.h"
#include "io/net/uring.h"
#include "runtime/clock.h"
#include "runtime/fifo.h"

#define TL_BINANCE_MAX_CONNS 16
/* Response body per connection, and the reconciler's copy: room for
 * positionRisk with 1,000+ open positions (about 550 bytes each). */
#define TL_BINANCE_BODY_CAP (1u << 20)
#define TL_BINANCE_ARENA_CAP (64u << 10)
#define TL_BINANCE_TX_CAP 8192
#define TL_BINANCE_Q_CAP 4096
#define TL_BINANCE_NEWQ_SLOTS 4096     /* a power of two */
#define TL_BINANCE_SYNC_CAP (1u << 20)

/* What a queued or in-flight request is. Kernel kinds equal tl_req_kind_t. */
enum tl_binance_kind {
	TL_BINANCE_K_NEW = TL_REQ_NEW,
	TL_BINANCE_K_CANCEL = TL_REQ_CANCEL,
	TL_BINANCE_K_QUERY = TL_REQ_QUERY,
	TL_BINANCE_K_QUERY_CHILD,      /* query the order an algo order placed */
	TL_BINANCE_K_TIME,             /* GET /fapi/v1/time (unsigned) */
	TL_BINANCE_K_MARKS,            /* GET /fapi/v1/premiumIndex (unsigned) */
	TL_BINANCE_K_CANCEL_ALL,       /* DELETE /fapi/v1/allOpenOrders */
	TL_BINANCE_K_LEVERAGE,         /* POST /fapi/v1/leverage (sync) */
	TL_BINANCE_K_BALANCE,          /* GET /fapi/v2/balance (sync) */
	TL_BINANCE_K_POSITIONS,        /* GET /fapi/v2/positionRisk (sync) */
	TL_BINANCE_K_LISTEN_KEY,       /* POST /fapi/v1/listenKey (API key only) */
	TL_BINANCE_K_LISTEN_KEEP,      /* PUT /fapi/v1/listenKey: keep it alive */
	TL_BINANCE_K_BATCH,            /* POST /fapi/v1/batchOrders: urgent closes (members) */
	TL_BINANCE_K_COUNTDOWN,        /* POST /fapi/v1/countdownCancelAll (dead-man) */
	TL_BINANCE_K_SYNC,             /* signed GET for binance_sync.c (async): lev =
				* tl_binance_sync_call_t, answer to tl_binance_sync_done */
	TL_BINANCE_K_TRADES,           /* GET userTrades of a queried order: child_id =
				* orderId, lev = held slot (binance_sync.c) */
	TL_BINANCE_K_CANCEL_CHILD,     /* a kernel cancel of an algo order that already
				* triggered: DELETE /fapi/v1/order of the order it
				* placed (same client id) */
	TL_BINANCE_K_SWEEP_CANCEL,     /* the kill sweep's DELETE allOpenOrders, or
				* algoOpenOrders with bit 30 of lev: lev =
				* its entry (binance_sweep.c) */
	TL_BINANCE_K_SWEEP_GET,        /* the kill sweep's reads: lev 1 openOrders (all
				* symbols), 2 positionRisk, 3 openAlgoOrders */
	TL_BINANCE_K_SWEEP_CLOSE,      /* the kill sweep's reduce-only close of a
				* position outside the table: lev = its entry */
	TL_BINANCE_K_MARGIN_TYPE,      /* POST /fapi/v1/marginType (sync): lev =
				* tl_margin_type_t */
};

#define TL_BINANCE_KEEPALIVE_NS (30LL * 60 * TL_NS_PER_S)  /* listenKey: every 30 min */

typedef struct tl_binance_req {
	tl_out_req_t req;      /* kernel kinds; symbol for the internal ones */
	uint8_t kind;          /* enum tl_binance_kind */
	uint32_t lev;          /* TL_BINANCE_K_LEVERAGE */
	int64_t child_id;      /* TL_BINANCE_K_QUERY_CHILD: venue order id */
	int64_t queued;        /* monotonic ns */
	/* TL_BINANCE_K_BATCH: the orders of the batch (NEW requests), in order */
	const struct tl_binance_req *members;
	uint8_t nmem;
} tl_binance_req_t;

/* The urgent and normal request queues (runtime/fifo.h). */
TL_FIFO_PROTOTYPE(tl_binance_queue, tl_binance_req_t)

/* One request on the wire: what its response is matched against. */
typedef struct tl_binance_flight {
	tl_binance_req_t r;
	tl_binance_http_t http;
	int64_t sent_mono;     /* its response is due by sent_mono + timeout */
	tl_time_t sent_real;
	uint32_t len;          /* its bytes, as handed to the pool */
	tl_binance_req_t br[TL_BINANCE_BATCH_MAX]; /* a batch's members (r.members) */
} tl_binance_flight_t;

typedef struct tl_binance_conn {
	bool closing;          /* we closed it: ignore its -ECANCELED */
	char why[96];          /* ... and why, for the requests still on it */
	/* invariant 1: fl[head], fl[head + 1], ... (mod the array), n of
	 * them, oldest first; preallocated, nothing allocates per request */
	uint8_t head, n;
	tl_binance_flight_t fl[TL_BINANCE_PIPELINE_MAX];
	tl_http_resp_t resp;   /* the oldest request's response, as it arrives */
	tl_binance_mbx_t mbx;  /* resp's X-MBX-* counts (its header callback) */
} tl_binance_conn_t;

/* The oldest request in flight on c (c->n > 0). */
static inline tl_binance_flight_t *tl_binance_conn_head(tl_binance_conn_t *c)
{
	return &c->fl[c->head];
}

/* Request i in flight on c, 0 = the oldest (i < c->n). */
static inline tl_binance_flight_t *tl_binance_conn_at(tl_binance_conn_t *c, uint32_t i)
{
	return &c->fl[(c->head + i) % TL_BINANCE_PIPELINE_MAX];
}

/* The slot of the next request written to c (c->n < TL_BINANCE_PIPELINE_MAX). */
static inline tl_binance_flight_t *tl_binance_conn_push(tl_binance_conn_t *c)
{
	return &c->fl[(c->head + c->n++) % TL_BINANCE_PIPELINE_MAX];
}

/* The oldest request's outcome is emitted: it leaves the FIFO. */
static inline void tl_binance_conn_pop(tl_binance_conn_t *c)
{
	c->head = (uint8_t)((c->head + 1) % TL_BINANCE_PIPELINE_MAX);
	c->n--;
}

/*
 * After a drop: how many of the newest requests in flight on c never
 * left, those wholly inside the `unsent` tail of the bytes the pool
 * took (uring.h). Any request with a byte outside it may have reached
 * the venue, and may have been executed there.
 */
static inline uint32_t tl_binance_conn_never_left(tl_binance_conn_t *c, size_t unsent)
{
	uint32_t k = 0;

	while (k < c->n) {
		const tl_binance_flight_t *f = tl_binance_conn_at(c, c->n - 1 - k);
		if (f->len > unsent)
			break;
		unsent -= f->len;
		k++;
	}
	return k;
}

/* ---- the WebSocket API transport (wsorder.c) ------------------------------ */

#define TL_BINANCE_WS_CONNS 2          /* the active session + its successor */
#define TL_BINANCE_WS_SLOT_BITS 8
#define TL_BINANCE_WS_FLIGHTS (1u << TL_BINANCE_WS_SLOT_BITS) /* in flight per session */
#define TL_BINANCE_WS_MSG_CAP (256u << 10) /* one answer frame */
/* Binance ends a ws-fapi connection after 24 h: a successor takes over
 * at 23 h; an idle successor older than half that is renewed first. */
#define TL_BINANCE_WS_ROTATE_NS (23LL * 3600 * TL_NS_PER_S)
/* After a refused logon or upgrade: sessions wait this long (REST carries
 * the orders meanwhile). */
#define TL_BINANCE_WS_HOLD_NS (10LL * TL_NS_PER_S)

/* A session's state; the TCP/TLS connection under it is the pool's. */
enum tl_binance_ws_state {
	TL_BINANCE_WS_DOWN = 0,        /* no connection (the pool reconnects) */
	TL_BINANCE_WS_IDLE,            /* connected, upgrade held off (hold_until) */
	TL_BINANCE_WS_UPGRADE,         /* GET .. Upgrade: websocket sent, no 101 yet */
	TL_BINANCE_WS_LOGON,           /* session.logon sent (Ed25519) */
	TL_BINANCE_WS_READY,           /* requests may go */
	TL_BINANCE_WS_DRAINING,        /* retired: nothing new; closed once empty */
};

/* One request on a session: what its answer is matched against (id). */
typedef struct tl_binance_wsflight {
	uint64_t id;                   /* 0: the slot is free; else a sequence
					* number << TL_BINANCE_WS_SLOT_BITS | the
					* slot: an answer finds its slot at once */
	uint64_t end;                  /* session bytes up to its frame's end */
	uint32_t len;                  /* its frame's bytes */
	int64_t sent_mono;             /* answer due by sent_mono + timeout */
	tl_binance_req_t r;
	tl_binance_http_t http;
} tl_binance_wsflight_t;

/*
 * After a drop of a session that had handed txb bytes to the pool, of
 * which the last `unsent` surely never left (uring.h): may any byte of
 * f's frame have left? Its first byte is at f->end - f->len; a frame
 * wholly inside the unsent tail never left (CONNECT, not executed), any
 * other may have reached the venue (RESET written).
 */
static inline bool tl_binance_ws_may_have_left(const tl_binance_wsflight_t *f,
					       uint64_t txb, size_t unsent)
{
	uint64_t sent_to = txb > unsent ? txb - unsent : 0;

	return f->end - f->len < sent_to;
}

typedef struct tl_binance_wsconn {
	uint8_t state;                 /* enum tl_binance_ws_state */
	bool closing;                  /* we closed it: its -ECANCELED is ours */
	bool planned;                  /* ... for a rotation or renewal, not a fault */
	char why[96];                  /* why we closed it, for what is on it */
	int64_t ready_mono;            /* READY since (rotation age) */
	uint64_t txb;                  /* bytes handed to the pool since connect */
	uint64_t logon_id;
	uint32_t n;                    /* slots in use in fl */
	uint16_t nfree;                /* free slots, their indexes in freel */
	uint16_t freel[TL_BINANCE_WS_FLIGHTS];
	int64_t min_sent;              /* <= the oldest sent_mono in fl */
	char key[TL_WS_KEY_LEN + 1];   /* the upgrade's Sec-WebSocket-Key */
	uint32_t head_len;
	char head[TL_WS_HEAD_MAX];     /* the 101 answer as it arrives */
	tl_ws_dec_t dec;
	tl_binance_wsflight_t fl[TL_BINANCE_WS_FLIGHTS];
} tl_binance_wsconn_t;

typedef struct tl_binance_ws {
	tl_uring_pool_t *pool;
	tl_binance_wsconn_t c[TL_BINANCE_WS_CONNS];
	int active;                    /* the session new requests go to, -1 none */
	uint64_t next_seq;             /* of request ids, never reused */
	uint64_t rng;                  /* xorshift64*: upgrade nonces, frame masks */
	bool logon;                    /* Ed25519 session.logon, else HMAC per request */
	int64_t rotate_ns;
	int64_t hold_until;            /* monotonic ns: no upgrade before */
	int watch_fd;                  /* the IO thread's eventfd, -1 none */
	char host_hdr[TL_CFG_HOST_MAX + 8];
	char path[128];
	char hold_why[160];
	uint8_t *msgs;                 /* TL_BINANCE_WS_CONNS * TL_BINANCE_WS_MSG_CAP */
	char json[TL_BINANCE_WSAPI_REQ_MAX];
	uint8_t frame[TL_BINANCE_WSAPI_REQ_MAX + TL_WS_FRAME_HDR_MAX];
	char upg[1024];
} tl_binance_ws_t;

typedef struct tl_binance {
	tl_venue_t base;                  /* first: the venue interface */
	const tl_symbols_t *syms;
	bool hedge;
	uint32_t recv_window_ms;
	int64_t timeout_ns;
	tl_uring_pool_t *pool;
	uint32_t nconn;
	uint32_t pipeline;                /* requests in flight per connection */
	tl_binance_conn_t conns[TL_BINANCE_MAX_CONNS];
	char *bodies;                     /* nconn * TL_BINANCE_BODY_CAP */
	tl_binance_signer_t signer;
	tl_binance_clock_t clock;
	tl_binance_arena_t arena;
	void *arena_buf;
	tl_binance_queue_t q_urgent, q_normal;
	/* NEWs in the queues by a hash of their client id (binance.c,
	 * bn_q_count): a cancel scans the queues for its NEW only when this
	 * says one may be there */
	uint16_t newq[TL_BINANCE_NEWQ_SLOTS];
	/* clock and marks */
	bool ready;                       /* invariant 3 */
	bool time_pending, time_wanted;
	int64_t time_retry_at;            /* monotonic ns */
	bool marks_pending;
	int64_t next_marks;
	/* streams (io/binance/stream.h), started once the first listenKey
	 * is in; NULL while REST-only */
	tl_binance_stream_t *bs;
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
	/* every symbol of the table: past TL_BINANCE_STREAM_URL_SYMBOLS the stream
	 * takes !markPrice@arr@1s and keeps these */
	const char *sym_names[TL_BINANCE_STREAM_MAX_SYMBOLS];
	unsigned n_sym_names;
	/* rate-limit holds (monotonic ns) */
	int64_t hold_all_until;           /* 429/418: everything waits */
	int64_t lim_weight_1m, lim_orders_10s, lim_orders_1m; /* cfg, > 0 */
	/* request text */
	char host_hdr[TL_CFG_HOST_MAX + 8];
	char key_hdr[TL_CFG_KEY_MAX + 32];
	char qbuf[4096];
	char tx[TL_BINANCE_TX_CAP];
	char last_err[256];                /* "conn N: <msg>" */
	char last_msg[256];                /* <msg> alone: REQ_ERROR texts */
	tl_time_t now;                    /* realtime of the current call */
	int emitted;
	/* synchronous cold-path calls (account, leverage) */
	bool sync_wait, sync_done;
	int sync_status;
	char *sync_buf;
	/* ... when one failed below HTTP (tl_binance_fail): how and why */
	tl_transport_t sync_tr;
	char sync_why[320];
	/* ... retried within the start-up deadline (io/binance/startup.h), shared by
	 * every cold call from the first one on; call_err: the cause of the
	 * last one that failed, for tl_binance_call_error */
	int64_t startup_deadline_ns;
	int64_t startup_end;              /* monotonic ns, 0 = not started */
	char call_err[512];
	/* reconciliation (io/binance/sync.h) */
	tl_binance_sync_t *rsync;
	size_t sync_len;
	tl_binance_stats_t st;
	/* local rate limiters (io/binance/limits.h), venue time */
	tl_binance_limits_t lim;
	/* dead-man switch (io/binance/deadman.h); hb: the engine's heartbeat
	 * (realtime ns), NULL = not known (taken as alive) */
	tl_binance_deadman_t dm;
	const _Atomic int64_t *hb;
	tl_binance_req_t batch_tmp[TL_BINANCE_BATCH_MAX]; /* a batch being sent */
	bool gate_closed;                 /* the gate as the last poll saw it */
	/* the kill switch's venue sweep (binance_sweep.c) */
	struct tl_binance_sweep *sw;
	/* exchangeInfo re-read while running (io/binance/xwatch.h), NULL off */
	struct tl_binance_xwatch *xw;
	/* order_transport "ws": the WebSocket API sessions (wsorder.c),
	 * NULL for "rest" */
	tl_binance_ws_t *ws;
} tl_binance_t;

static inline tl_binance_t *tl_binance_of(tl_venue_t *v) { return (tl_binance_t *)v; }

static inline void tl_binance_emit(tl_binance_t *b, const tl_input_t *in)
{
	b->emitted++;
	tl_venue_emit(&b->base, in);
}

/* Venue time for the limiters, 50 ms late: a window is taken to roll
 * over only once the venue has surely rolled it (clock offset error). */
static inline int64_t tl_binance_lim_ms(const tl_binance_t *b, tl_time_t now)
{
	return tl_binance_clock_ms(&b->clock, now) - 50;
}

/* ---- kinds ----------------------------------------------------------------- */

static inline bool tl_binance_is_write(int kind)
{
	return kind == TL_BINANCE_K_NEW || kind == TL_BINANCE_K_CANCEL || kind == TL_BINANCE_K_CANCEL_CHILD;
}

/* The kernel's kind of a request (internal follow-ups answer as the
 * kernel request they continue). */
static inline tl_req_kind_t tl_binance_kernel_kind(int kind)
{
	if (kind == TL_BINANCE_K_QUERY_CHILD)
		return TL_REQ_QUERY;
	if (kind == TL_BINANCE_K_CANCEL_CHILD)
		return TL_REQ_CANCEL;
	return (tl_req_kind_t)kind;
}

/* ---- shared between the parts ---------------------------------------------- */

/* binance.c */
/* End r with a transport error input (internal kinds: their own
 * bookkeeping; a batch: each member). */
void tl_binance_fail(tl_binance_t *b, const tl_binance_req_t *r, tl_transport_t tr,
	     bool written, const char *text);
/* A dead-man renewal (countdownCancelAll) ended: ok or failed with text. */
void tl_binance_dm_result(tl_binance_t *b, const tl_binance_req_t *r, bool ok,
		  const char *text);
/* End r, taken but never written, as WITHDRAWN (the gate, a cancel). */
void tl_binance_withdraw(tl_binance_t *b, const tl_binance_req_t *r, const char *why);
/* Fail every queued request queued at or before older_than (monotonic
 * ns): no connection can carry them. */
void tl_binance_fail_queued(tl_binance_t *b, int64_t older_than);
/* One poll step of the pool plus bookkeeping (pump, completions,
 * timeouts, pump again); returns tl_uring_pool_poll's count, 0 on its error. */
int tl_binance_step(tl_binance_t *b, tl_time_t now);

/* Encode r's REST parameters into b->qbuf (unsigned): *http and *sign
 * set. The length, or -errno. */
int tl_binance_encode_req(tl_binance_t *b, const tl_binance_req_t *r, tl_time_t now,
			  tl_binance_http_t *http, bool *sign);

/* binance_resp.c */
/* The pool's callback (tl_uring_pool_poll): responses, connects, drops. */
void tl_binance_cb(void *user, const tl_uring_conn_ev_t *ev);
/* An answer's rate-limit counts (REST X-MBX-* headers, WS rateLimits)
 * and status: the limiters, a 429/418 hold. */
void tl_binance_on_limits(tl_binance_t *b, int status, int64_t retry_after_ns,
			  const tl_binance_mbx_t *x, int64_t m);
/* A kernel request's answer (REST or WS, one code path): its inputs. */
void tl_binance_on_kernel(tl_binance_t *b, const tl_binance_req_t *r,
			  const tl_binance_http_t *http, const tl_binance_resp_t *rr);

/* wsorder.c */
/* Set up b->ws for order_transport "ws" (nothing for "rest"). 0, or -1
 * with a message in err. */
int tl_binance_ws_new(tl_binance_t *b, const tl_binance_cfg_t *bc, char *err, size_t errlen);
void tl_binance_ws_free(tl_binance_ws_t *w);
/* r may go over the WebSocket API now: a kernel kind with a ws-fapi
 * method, a READY session with room. */
bool tl_binance_ws_takes(const tl_binance_t *b, const tl_binance_req_t *r);
/* r is a WS kind that waits for REST because no session is READY. */
bool tl_binance_ws_wanted(const tl_binance_t *b, const tl_binance_req_t *r);
/* Write r (tl_binance_ws_takes) on the active session; it ends in one
 * outcome like a REST request. -EAGAIN: not written, nothing emitted
 * (the caller sends it over REST). */
int tl_binance_ws_send(tl_binance_t *b, const tl_binance_req_t *r, tl_time_t now, int64_t m);
/* One poll of the WS pool: answers, drops, timeouts, rotation. */
int tl_binance_ws_step(tl_binance_t *b, int64_t m);
/* No WS request in flight. */
bool tl_binance_ws_idle(const tl_binance_t *b);
/* Before the IO thread blocks in the REST pool's wait: flush the WS
 * pool's sends; true when a WS completion is already there (do not
 * block). *bound: the longest the wait may then last (no eventfd shared
 * between the pools: the WS pool is looked at again that soon). */
bool tl_binance_ws_before_wait(tl_binance_t *b, int64_t *bound);
/* The IO thread's eventfd: every WS completion writes it, so the REST
 * pool's wait, which reads it, ends on WS answers too. */
int tl_binance_ws_watch(tl_binance_t *b, int fd);

/* binance_call.c */
/* tl_venue_ops_t.set_leverage: POST /fapi/v1/leverage, blocking. */
int tl_binance_set_leverage(tl_venue_t *v, const char *symbol, uint32_t lev,
		    tl_time_t now);
/* tl_venue_ops_t.set_margin_type: POST /fapi/v1/marginType, blocking;
 * the venue's -4046 (already so) is success. */
int tl_binance_set_margin_type(tl_venue_t *v, const char *symbol, int type,
			       tl_time_t now);
/* tl_venue_ops_t.account: USDT balance and open positions, blocking. */
int tl_binance_account(tl_venue_t *v, tl_venue_account_t *acct, tl_time_t now);

/* binance_sweep.c */
struct tl_binance_sweep *tl_binance_sweep_new(const tl_config_t *cfg);
void tl_binance_sweep_free(struct tl_binance_sweep *w);
/* Start a sweep when the kill epoch moved; queue what is due. */
void tl_binance_sweep_poll(tl_binance_t *b, tl_time_t now);
/* The request text of a TL_BINANCE_K_SWEEP_* request. */
int tl_binance_sweep_encode(tl_binance_t *b, const tl_binance_req_t *r, int64_t ts, uint32_t rw,
		    tl_binance_http_t *http, char *q, size_t cap);
/* A TL_BINANCE_K_SWEEP_* request ended: HTTP status and body, or status -1 and
 * the reason (transport failure). */
void tl_binance_sweep_done(tl_binance_t *b, const tl_binance_req_t *r, int status,
		   const char *body, size_t len);

#endif /* TL_BINANCE_INT_H */
