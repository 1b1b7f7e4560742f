/*
 * binance.h - the Binance USD-M futures venue adapter (REST order path).
 *
 * Implements tl_venue_ops_t (io/venue.h) on the IO thread over a pool of
 * keep-alive HTTP/1.1 connections (io/net/uring.h, TLS by wolfSSL), with
 * requests encoded and decoded by io/binance/map.h and signed by
 * io/binance/sign.h.
 *
 * Lifecycle: create resolves the host and sets up the pool; nothing is
 * connected until the first poll. The first poll connects and sends
 * GET /fapi/v1/time to set the clock offset (again after any -1021),
 * then GET /fapi/v1/premiumIndex for the starting marks; until the clock
 * is set the venue is not "ready" and requests wait in its queue.
 *
 * Streams: when the engine gave the venue an emit_stream (it always
 * does), the adapter creates a listenKey (POST /fapi/v1/listenKey) once
 * the clock is set, then starts io/binance/stream.h's STREAM thread on
 * venue.binance.ws with the user data stream and the mark price stream of
 * every symbol; it keeps the key alive (PUT every 30 min) and hands a
 * new one over when the venue expires it. Fills come only from the user
 * stream (REST acks carry no trade ids). Marks come from
 * GET /fapi/v1/premiumIndex at start, and every TL_BINANCE_MARK_POLL_NS
 * while the mark stream is not up. Reconciliation (io/binance/sync.h):
 * start-up, the position monitor, the REST resync after each new stream
 * epoch (tl_binance_stream_user_epoch), and the trades of every query answer that
 * shows executed quantity (a fill the stream missed arrives once).
 *
 * Connections carry up to venue.binance.pipeline requests each
 * (HTTP/1.1 pipelining, answered in order); a request goes to the UP
 * connection with the fewest in flight.
 *
 * Never lose, never double: every request handed over ends in exactly
 * one input (response, or REQ_ERROR). When a connection drops, each
 * request in flight on it ends on its own: RESET written=true if any of
 * its bytes may have left (the kernel queries, never resends blindly),
 * CONNECT if none did (safe to retry); no response in cfg timeout is
 * TIMEOUT written=true and the connection is closed (the requests
 * behind it then end as dropped). Requests waiting longer than the
 * timeout for a connection end as CONNECT with the pool's last error
 * (e.g. a TLS certificate error).
 *
 * Rate limits (io/binance/limits.h): every request is charged on local
 * fixed-window buckets (weight/min, orders/10 s, orders/min: config, or
 * the venue's exchangeInfo when lower) kept in step with
 * X-MBX-USED-WEIGHT-1M and X-MBX-ORDER-COUNT-10S/-1M (the venue's count
 * wins when higher). The 80 % mark is logged once per window; requests
 * of the normal queue are held at 90 % of a limit they touch, urgent ones
 * (cancels, emergency closes) at 100 %; held requests wait, in order,
 * nothing fails. A 429/418 holds the whole queue for Retry-After (1 s /
 * 60 s when absent) and the kernel gets the REQ_ERROR.
 *
 * Emergency closes (urgent MARKET orders) that wait together go as POST
 * /fapi/v1/batchOrders, up to 5 each, when the limiters can take a batch
 * (tl_binance_limits_batch_size); each entry of the answer is its own order's
 * outcome; a transport failure after the write is every member's
 * (UNKNOWN, queried by client id).
 *
 * Dead-man switch (io/binance/deadman.h): with
 * venue.binance.countdown_cancel_ms, POST /fapi/v1/countdownCancelAll
 * for every symbol once ready and every countdown/4 after, ahead of the
 * urgent queue, while the engine's heartbeat (tl_binance_set_heartbeat)
 * is fresh.
 *
 * Cold calls: set_leverage (POST /fapi/v1/leverage) and account()
 * (GET /fapi/v2/balance + /fapi/v2/positionRisk) run synchronously on
 * the calling thread, which must own the venue (the IO thread, or a test
 * driving it), and keep other traffic flowing while they wait.
 * cancel_all queues DELETE /fapi/v1/allOpenOrders and
 * /fapi/v1/algoOpenOrders per symbol (urgent) and only logs failures.
 *
 * The exposure gate (io/venue.h): a NEW that is not closing is withdrawn
 * (REQ_ERROR transport WITHDRAWN, written = false) when taken while the
 * gate is closed, when the gate closes while it waits (limiter or
 * 429/418 holds, no connection) and at the last moment before it is
 * written (batch members too). A cancel of an order whose NEW still
 * waits unwritten withdraws that NEW ("withdrawn: canceled before send")
 * and ends the cancel WITHDRAWN as well. Cancels, queries (unless their
 * own NEW still waits) and emergency closes use the urgent queue: never
 * behind new orders held by the order-rate limiters. On each kill epoch
 * the venue sweep (emergency.venue_sweep, io/binance/sweep.c) runs once.
 *
 * Secrets: the API secret lives only inside the signer's HMAC schedule;
 * no message this module produces contains the key or the secret.
 *
 * Threads: create on any thread, then everything on the IO thread.
 */
#ifndef TL_BINANCE_H
#define TL_BINANCE_H

#include <stddef.h>
#include <stdint.h>

#include "io/binance/config.h"
#include "io/venue.h"
#include "kernel/symbols.h"

/* The driver (io/venue.h, registered in io/venue.c): venue.type
 * "binance", its section venue.binance (io/binance/config.h). */
extern const tl_venue_driver_t tl_binance_driver;

#define TL_BINANCE_QUEUE_CAP 4096           /* requests waiting for a connection */
#define TL_BINANCE_MARK_POLL_NS (1000LL * TL_NS_PER_MS)

/* Rate-limit defaults of the venue (Binance USD-M API docs), used when
 * venue.binance.weight_per_min / orders_per_10s / orders_per_min are 0. */
#define TL_BINANCE_WEIGHT_1M 2400
#define TL_BINANCE_ORDERS_10S 300
#define TL_BINANCE_ORDERS_1M 1200

/*
 * Create the adapter from tl_binance_cfg(cfg) (and cfg->kernel.hedge_mode),
 * trading the symbols of `syms` (must outlive the venue). Returns the
 * venue (destroy with v->ops->destroy) or NULL with a message in err.
 */
tl_venue_t *tl_binance_create(const tl_config_t *cfg, const tl_symbols_t *syms,
			      tl_venue_emit_fn emit, void *ctx, char *err,
			      size_t errlen);

/* The last transport error (connect, TLS, HTTP framing) seen by the pool,
 * "" when none. Stays until a newer one. IO thread, or after stop. */
const char *tl_binance_last_error(const tl_venue_t *v);

/* Why the last cold call (set_leverage, account) failed, "" when it
 * did not: "cannot connect to 127.0.0.1:8443: Connection refused (5
 * attempts in 2000 ms, ...)", "HTTP 503 ...", "-2015 Invalid API-key,
 * IP, or permissions for action." (io/binance/startup.h). The op's return says
 * which kind: -EPERM the venue refused (permanent), -EPROTO a permanent
 * failure before any answer (a certificate the CA file does not verify),
 * -ETIMEDOUT transient failures until the start-up deadline. Caller's
 * thread, after the call. */
const char *tl_binance_call_error(const tl_venue_t *v);

/* True once the clock offset is set and requests flow. */
bool tl_binance_ready(const tl_venue_t *v);

/* The user stream's tl_binance_stream_state_t, or -1 before the streams start
 * (any thread; refreshed by each poll). */
int tl_binance_stream_state(const tl_venue_t *v);

/* Inputs of one tl_in_type_t the streams delivered so far (any thread). */
uint64_t tl_binance_stream_inputs(const tl_venue_t *v, int type);

/* GET /fapi/v1/premiumIndex answers applied so far, i.e. marks by REST,
 * polled only while no market stream is up (any thread). */
uint64_t tl_binance_mark_polls(const tl_venue_t *v);

/* The IO thread's idle waits that a completion ended (a response read
 * at once rather than after io.idle_us) (any thread). */
uint64_t tl_binance_io_wakeups(const tl_venue_t *v);

/* Counters for tests and monitoring. */
typedef struct tl_binance_stats {
	uint64_t sent;            /* requests written to a connection */
	uint64_t pipelined;       /* ... of which behind another still in
				   * flight on the same connection */
	uint64_t responses;       /* complete HTTP responses */
	uint64_t transport_errors;/* requests ended by RESET/TIMEOUT/CONNECT */
	uint64_t time_syncs;      /* /fapi/v1/time samples taken */
	uint64_t held;            /* times the queue was held by rate limits
				   * (429/418 Retry-After, and limiter_holds) */
	int64_t used_weight_1m;   /* last X-MBX-USED-WEIGHT-1M, -1 unknown */
	int64_t order_count_10s;  /* last X-MBX-ORDER-COUNT-10S, -1 unknown */
	int64_t order_count_1m;   /* last X-MBX-ORDER-COUNT-1M, -1 unknown */
	int64_t clock_offset_ns;  /* venue - local */
	uint64_t batches;         /* batchOrders requests written */
	uint64_t batch_orders;    /* orders that went in them */
	uint64_t limiter_holds;   /* requests the local limiters held (retried) */
	uint64_t limit_warnings;  /* 80 % warnings logged */
	uint64_t deadman_renewals;/* countdownCancelAll confirmed by the venue */
	uint64_t deadman_failures;/* ... failed (each retried within 1 s) */
	uint64_t deadman_stale_rounds; /* rounds skipped: engine heartbeat stale */
	uint32_t deadman_armed;   /* symbols armed (= traded symbols when on) */
	uint64_t mark_polls;      /* tl_binance_mark_polls(); stream marks
				   * are tl_binance_stream_inputs(TL_IN_MARK) */
	uint64_t io_wakeups;      /* tl_binance_io_wakeups() */
	uint64_t withdrawn;       /* requests taken but never written, ended
				   * WITHDRAWN (gate closed, canceled first) */
	/* the kill switch's venue sweep (emergency.venue_sweep) */
	uint64_t sweeps;          /* sweeps started (one per kill epoch) */
	uint64_t sweeps_done;     /* ... finished (every step succeeded) */
	uint64_t sweep_cancels;   /* DELETE allOpenOrders or algoOpenOrders
				   * confirmed */
	uint64_t sweep_cancel_failures; /* ... failed (each retried) */
	uint64_t sweep_closes;    /* reduce-only closes of positions on
				   * symbols outside the table ("account") */
	uint64_t sweep_close_failures;
	uint64_t sweep_snapshot_positions; /* SWEEP snapshot records emitted */
	/* order transports (venue.binance.order_transport): the kernel's
	 * NEW/CANCEL/QUERY written over the WebSocket API and over REST
	 * (batch members count one each), those that went over REST because
	 * no session was READY (order_transport "ws"), sessions READY
	 * (handshake and logon done) and sessions lost to faults (not
	 * retired by a rotation) */
	uint64_t ws_sent, rest_sent, ws_fallbacks, ws_sessions, ws_drops;
	uint64_t ws_rotations;    /* sessions retired for a successor (24 h limit) */
	uint64_t ws_responses;    /* answers matched to a request by id */
	uint64_t http_429;        /* answers 429 (rate limit hit), REST or WS */
	uint64_t http_418;        /* answers 418 (IP banned after 429s) */
} tl_binance_stats_t;

void tl_binance_stats(const tl_venue_t *v, tl_binance_stats_t *out);

/* The account call's answers (venue ops `account`; cold path, cJSON on
 * the heap). GET /fapi/v2/balance: the USDT element's balance and
 * availableBalance into acct. GET /fapi/v2/positionRisk: each element
 * with a symbol shorter than TL_SYMBOL_NAMELEN and a non-zero
 * positionAmt appended to acct->pos (at most TL_VENUE_MAX_POS). 0, or -1
 * when the body is not JSON. */
int tl_binance_account_balance(const char *body, size_t len,
			       tl_venue_account_t *acct);
int tl_binance_account_positions(const char *body, size_t len,
				 tl_venue_account_t *acct);

/* ---- reconciliation support (io/binance/sync.h; IO thread) ---------- */

struct tl_binance_sync_stats;

/* Queue the signed GET `call` (tl_binance_sync_call_t) of the reconciler; its
 * answer goes to tl_binance_sync_done. Safe inside a pool callback (queues
 * only; the next poll sends it). 0, or -EAGAIN when the queue is full. */
int tl_binance_sync_send(tl_venue_t *v, int call);
/* The same for a call with a symbol and one number (ALL_ORDERS: its
 * startTime in ms). */
int tl_binance_sync_send_args(tl_venue_t *v, int call, const char *symbol, int64_t arg);

/* Queue GET userTrades?symbol=&orderId= for held slot `slot`; the answer
 * goes to tl_binance_sync_trades_done. 0, or -EAGAIN. */
int tl_binance_trades_send(tl_venue_t *v, const char *symbol, int64_t order_id,
			   const char *client_id, int slot);

/* tl_binance_stream_user_epoch of the user stream, 0 before the streams start. */
uint64_t tl_binance_stream_epoch(const tl_venue_t *v);

/* The adapter has streams to run (an engine gave it emit_stream). */
bool tl_binance_streams_wanted(const tl_venue_t *v);

/* No request queued or on the wire. */
bool tl_binance_idle(const tl_venue_t *v);

/* The reconciler's counters (any thread). */
void tl_binance_sync_stats(const tl_venue_t *v, struct tl_binance_sync_stats *out);

/* The engine's heartbeat (realtime ns, written by the ENGINE thread every
 * loop): dead-man renewals stop while it is older than half the
 * countdown. Call before the IO thread starts; NULL = always alive. */
void tl_binance_set_heartbeat(tl_venue_t *v, const _Atomic int64_t *hb);

#endif /* TL_BINANCE_H */
