/*
 * rig.h - the end-to-end rig of the rtt and peer suites: `talon venue`
 * (sim/) started in-process on ephemeral loopback ports in its own thread
 * pinned to the peer core, and a real engine (venue.type "binance")
 * trading against it over plain TCP or TLS, driven by the calling thread
 * as the strategy.
 *
 * Set-up (tl_rig_start):
 *   simulator  config/venue.json, ports 0, REST + WS plain or TLS
 *              (build/tls), no market drift (vol_bps 0), rate limits and
 *              MAX_NUM_ORDERS raised out of the way (1e9 / 100000), a
 *              1e9 USDT wallet: the bench measures latency, not limits;
 *   engine     config defaults, symbols from config/exchange_info.json
 *              with MAX_NUM_ORDERS raised the same way (a copy under
 *              ctx->outdir/tmp), pinned to the engine core, 4 REST
 *              connections, the adapter told the venue's raised limits,
 *              kernel rate/risk limits off, no journal; its threads and
 *              the strategy's waiting depend on the mode (below).
 * The rig waits until the clock is set, the marks are in and the user
 * data stream is up, then sends RIG_WARMUP unrecorded orders.
 *
 * Modes (tl_rig_mode_t), each what a strategy on a 2-core box would run:
 *   TL_RIG_DEDICATED  engine.threading "dedicated": ENGINE and IO threads
 *                     on the engine core, engine.idle and io.idle "park"
 *                     (a few spins, then blocked until a producer wakes
 *                     them: the shipped default). The strategy is the
 *                     calling thread, unpinned, polling: between events it
 *                     parks in tl_engine_wait (woken by the engine when it
 *                     publishes one), except that within RIG_SPIN_NS
 *                     (200 us) of the next open-loop submit, or of the end
 *                     of a back-pressure hold, it spins on tl_engine_poll
 *                     so the submit leaves on time (at 10,000/s the gap is
 *                     100 us: it spins throughout). 5 threads: strategy,
 *                     ENGINE, IO, the adapter's STREAM, simulator.
 *   TL_RIG_SHARED     engine.threading "shared", engine.idle "spin",
 *                     opts.invoker and tl_strategy_t callbacks: no ENGINE
 *                     or IO thread; the calling thread, pinned to the
 *                     engine core while the engine runs (its affinity is
 *                     restored when the engine stops), loops
 *                     { tl_engine_invoke; submit what is due } and never
 *                     sleeps; samples are taken in on_event; the
 *                     simulator busy-polls (tl_sim_server_busy_poll), as
 *                     the spin floors' echo thread does (in the other
 *                     modes it blocks in epoll_wait, as the blocking
 *                     floors' does). 3 threads: that one, STREAM,
 *                     simulator. All the rig's calls on
 *                     such an engine must come from the thread that
 *                     started it.
 *   TL_RIG_SLEEP      the rig before wake-ups: ENGINE and IO threads with
 *                     idle "sleep" 20 us, the strategy polling with 20 us
 *                     sleeps (RIG_POLL_NS). No suite line uses it; kept
 *                     for comparisons (and tested).
 *
 * Orders (client id and user_ref per order; every order must end, or
 * the run fails with a message - nothing is silently dropped; an order
 * REJECTED, EXPIRED, FAILED or CANCEL_REJECTED, or not ended 30 s after
 * the end of the schedule, is lost; ORDER_UNKNOWN is only counted, since the
 * kernel then queries the order and it ends normally; an order the
 * engine refuses with TL_REJ_BACKPRESSURE ("queues are full, try
 * again", never sent) is resubmitted as a strategy would - it and every
 * order due after it wait; after 1 ms one probe goes in, and once the
 * engine takes it the rest follow - keeping their intended times, so
 * the wait shows in their latency):
 *   TL_RIG_ORDER   LIMIT GTC BUY 0.010 BTCUSDT at 58000 (below the
 *                  market, rests); sample = submit (intended) -> the
 *                  ORDER_ACCEPTED event in the strategy; the strategy
 *                  then cancels it at once (not timed; a cancel the full
 *                  command ring refuses is retried from the loop) and the
 *                  order ends at ORDER_CANCELED.
 *   TL_RIG_FILL    MARKET 0.010 BTCUSDT, BUY and SELL alternating (the
 *                  position stays within one order); sample = submit ->
 *                  ORDER_FILLED in the strategy (the fill comes through
 *                  the user data stream); ends there.
 *   TL_RIG_ANSWER  MARKET as FILL; sample = submit -> the first of
 *                  ORDER_ACCEPTED (the REST response) and ORDER_FILLED
 *                  (the stream), i.e. when the strategy first hears the
 *                  venue's answer; ends at ORDER_FILLED. (A fill that
 *                  beats the REST ack ends the order, and the kernel
 *                  then emits no ACCEPTED for it.)
 *
 * Threads: everything here runs on the calling thread, except the
 * simulator's loop and the engine's own threads.
 */
#ifndef TL_BENCH_RIG_H
#define TL_BENCH_RIG_H

#include <stdbool.h>
#include <stdint.h>

#include "bench/support/hist.h"
#include "bench/support/suite.h"

typedef struct tl_rig tl_rig_t;

typedef enum tl_rig_mode {
	TL_RIG_DEDICATED = 0,    /* ENGINE + IO threads, park; strategy waits */
	TL_RIG_SHARED,           /* shared + spin, the caller invokes */
	TL_RIG_SLEEP,            /* ENGINE + IO threads, sleep 20 us; strategy naps */
} tl_rig_mode_t;

typedef enum tl_rig_kind {
	TL_RIG_ORDER = 0,
	TL_RIG_FILL,
	TL_RIG_ANSWER,
} tl_rig_kind_t;

/* What one run did besides its histogram. */
typedef struct tl_rig_stats {
	uint64_t n;              /* orders scheduled (= samples on success) */
	double achieved_rate;    /* samples / (last sample - first intended), /s */
	double send_rate;        /* orders / (last submit - first intended), /s */
	int64_t max_send_late_ns;/* worst submit behind its intended time */
	uint64_t busy_retries;   /* submits retried after -EAGAIN */
	uint64_t backpressure;   /* orders the engine refused with "queues are
				    full, try again" (TL_REJ_BACKPRESSURE),
				    resubmitted with their intended time */
	uint64_t unknown;        /* ORDER_UNKNOWN events (no answer within the
				    kernel's ack timeout; queried, not lost) */
} tl_rig_stats_t;

/* Start simulator and engine in `mode` (tls: REST and WS over TLS). NULL
 * after a message on stderr. */
tl_rig_t *tl_rig_start(const tl_bench_ctx_t *ctx, bool tls, tl_rig_mode_t mode);

/* The same with the engine's rings.request and rings.event sized `ring`
 * (a power of two >= 16; 0 = the defaults): small rings make the
 * engine refuse orders with TL_REJ_BACKPRESSURE (tests). */
tl_rig_t *tl_rig_start_rings(const tl_bench_ctx_t *ctx, bool tls, tl_rig_mode_t mode,
			     uint32_t ring);

/* Stop the engine (if running; as tl_rig_engine_stop) and start a new one
 * in `mode` against the same simulator, warm-up included: talon's lines
 * of one suite in several modes against one venue. 0, or -1 after a
 * message (the rig then has no engine; tl_rig_stop it). */
int tl_rig_restart(tl_rig_t *r, tl_rig_mode_t mode);

/* Orders over the WebSocket API (venue.binance.order_transport "ws":
 * the simulator's /ws-fapi/v1 on its WS port, HMAC per request, TLS as
 * the rig's) or over REST (the default), from the next engine the rig
 * starts (tl_rig_restart). */
void tl_rig_set_ws(tl_rig_t *r, bool ws);
/* "ws" or "rest": how the current (or last) engine sent its orders. */
const char *tl_rig_orders(const tl_rig_t *r);

/* Stop and free everything (NULL is fine). */
void tl_rig_stop(tl_rig_t *r);

/* Stop the engine and keep the simulator serving (for a peer client to
 * run against the same venue without talon's threads on the cores).
 * First, while the engine still trades, MARKET orders close what the
 * MARKET runs left open at the venue (a next engine would otherwise find
 * a position its kernel does not know, and pause). tl_rig_open /
 * tl_rig_closed then fail until tl_rig_restart. */
void tl_rig_engine_stop(tl_rig_t *r);

/* "0,1" style text of the rig's cores: engine side, simulator side. */
const char *tl_rig_cpu(const tl_rig_t *r);

/* What the current (or last) engine ran as, for the lines' fields:
 * engine.threading ("dedicated" | "shared"), engine.idle ("park" | "spin"
 * | "sleep"), and how many threads take part in a sample (strategy,
 * engine, STREAM and simulator threads: 5 dedicated, 3 shared). */
const char *tl_rig_threading(const tl_rig_t *r);
const char *tl_rig_idle(const tl_rig_t *r);
int tl_rig_threads(const tl_rig_t *r);

/* REST and WS ports of the running simulator, and its first account's
 * keys (for a peer client pointed at the same venue). */
int tl_rig_port(const tl_rig_t *r, bool ws);
const char *tl_rig_api_key(const tl_rig_t *r);
const char *tl_rig_api_secret(const tl_rig_t *r);

/*
 * Open loop: `rate` orders/s of `kind` for `secs` (tl_openloop_count
 * orders), each submitted at its intended time (bench/support/openloop.h;
 * late submits go back to back and keep their intended time), latency
 * from the intended time. Waits for every order to end (at most 30 s
 * after the end of the schedule). Records into h (not reset). Returns 0, or -1
 * after a message on stderr (an order rejected, failed, lost or not
 * finished in time).
 */
int tl_rig_open(tl_rig_t *r, tl_rig_kind_t kind, uint64_t rate, double secs,
		tl_hist_t *h, tl_rig_stats_t *st);

/* Closed loop: one order at a time, the next once the previous ended,
 * for `secs`; latency from the actual submit. Same returns. */
int tl_rig_closed(tl_rig_t *r, tl_rig_kind_t kind, double secs, tl_hist_t *h,
		  tl_rig_stats_t *st);

#endif /* TL_BENCH_RIG_H */
