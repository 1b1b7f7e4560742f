/*
 * binance.h - the Binance USD-M futures venue adapter (REST order path).
 *
 * Implements tl_venue_ops_t (io/venue.h) on the IO thread over a pool of
 * keep-alive HTTP/1.1 connections (io/uring.h, TLS by wolfSSL), with
 * requests encoded and decoded by io/binance_map.h and signed by
 * io/binance_sign.h.
 *
 * Lifecycle: create resolves the host and sets up the pool; nothing is
 * connected until the first poll. The first poll connects and sends
 * GET /fapi/v1/time to set the clock offset (again after any -1021),
 * then GET /fapi/v1/premiumIndex for the starting marks; until the clock
 * is set the venue is not "ready" and requests wait in its queue.
 *
 * Streams: when the engine gave the venue an emit_stream (it always
 * does), the adapter creates a listenKey (POST /fapi/v1/listenKey) once
 * the clock is set, then starts io/binance_stream.h's STREAM thread on
 * cfg->binance.ws with the user data stream and the mark price stream of
 * every symbol; it keeps the key alive (PUT every 30 min) and hands a
 * new one over when the venue expires it. Fills come only from the user
 * stream (REST acks carry no trade ids). Marks come from
 * GET /fapi/v1/premiumIndex at start, and every TL_BINANCE_MARK_POLL_NS
 * while the mark stream is not up. NOT done yet: the REST resync after
 * a stream reconnect (tl_bstream_epoch): what the stream missed while
 * down is learned only when the kernel queries an order.
 *
 * Never lose, never double: every request handed over ends in exactly
 * one input (response, or REQ_ERROR). A connection that drops after the
 * request bytes left is RESET written=true (the kernel queries, never
 * resends blindly); before they left it is CONNECT (safe to retry); no
 * response in cfg timeout is TIMEOUT written=true and the connection is
 * closed. Requests waiting longer than the timeout for a connection end
 * as CONNECT with the pool's last error (e.g. a TLS certificate error).
 *
 * Rate limits: X-MBX-USED-WEIGHT-1M and X-MBX-ORDER-COUNT-10S/-1M are
 * tracked; at 90 % of a limit non-urgent requests (resp. new orders) are
 * held until the window rolls over; a 429/418 holds the whole queue for
 * Retry-After (1 s / 60 s when absent) and the kernel gets the REQ_ERROR.
 *
 * Cold calls: set_leverage (POST /fapi/v1/leverage) and account()
 * (GET /fapi/v2/balance + /fapi/v2/positionRisk) run synchronously on
 * the calling thread, which must own the venue (the IO thread, or a test
 * driving it), and keep other traffic flowing while they wait.
 * cancel_all queues DELETE /fapi/v1/allOpenOrders per symbol (urgent)
 * and only logs failures.
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

#include "io/config.h"
#include "io/venue.h"
#include "kernel/symbols.h"

#define TL_BINANCE_QUEUE_CAP 4096           /* requests waiting for a connection */
#define TL_BINANCE_MARK_POLL_NS (1000LL * TL_NS_PER_MS)

/* Rate-limit defaults of the venue (binance-usdm.md 1.6). */
#define TL_BINANCE_WEIGHT_1M 2400
#define TL_BINANCE_ORDERS_10S 300
#define TL_BINANCE_ORDERS_1M 1200

/*
 * Create the adapter from cfg->binance (and cfg->kernel.hedge_mode),
 * trading the symbols of `syms` (must outlive the venue). Returns the
 * venue (destroy with v->ops->destroy) or NULL with a message in err.
 */
tl_venue_t *tl_binance_create(const tl_config_t *cfg, const tl_symbols_t *syms,
			      tl_venue_emit_fn emit, void *ctx, char *err,
			      size_t errlen);

/* The last transport error (connect, TLS, HTTP framing) seen by the pool,
 * "" when none. Stays until a newer one. IO thread, or after stop. */
const char *tl_binance_last_error(const tl_venue_t *v);

/* True once the clock offset is set and requests flow. */
bool tl_binance_ready(const tl_venue_t *v);

/* The user stream's tl_bstream_state_t, or -1 before the streams start
 * (any thread; refreshed by each poll). */
int tl_binance_stream_state(const tl_venue_t *v);

/* Inputs of one tl_in_type_t the streams delivered so far (any thread). */
uint64_t tl_binance_stream_inputs(const tl_venue_t *v, int type);

/* Counters for tests and monitoring. */
typedef struct tl_binance_stats {
	uint64_t sent;            /* requests written to a connection */
	uint64_t responses;       /* complete HTTP responses */
	uint64_t transport_errors;/* requests ended by RESET/TIMEOUT/CONNECT */
	uint64_t time_syncs;      /* /fapi/v1/time samples taken */
	uint64_t held;            /* times the queue was held by rate limits */
	int64_t used_weight_1m;   /* last X-MBX-USED-WEIGHT-1M, -1 unknown */
	int64_t order_count_10s;  /* last X-MBX-ORDER-COUNT-10S, -1 unknown */
	int64_t order_count_1m;   /* last X-MBX-ORDER-COUNT-1M, -1 unknown */
	int64_t clock_offset_ns;  /* venue - local */
} tl_binance_stats_t;

void tl_binance_stats(const tl_venue_t *v, tl_binance_stats_t *out);

#endif /* TL_BINANCE_H */
