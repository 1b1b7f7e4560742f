/*
 * rtt.c - the `rtt` suite: strategy -> engine -> `talon venue` -> engine
 * -> strategy, end to end over loopback (bench/support/rig.h: simulator
 * in-process on the peer core, real engine with venue.type "binance").
 *
 *   rtt.order.tcp / .tls   submit (intended time) -> ORDER_ACCEPTED in the
 *                          strategy, LIMIT orders that rest (each canceled
 *                          at once after its ack, untimed), open loop;
 *   rtt.fill.tcp / .tls    submit (intended time) -> ORDER_FILLED in the
 *                          strategy (fill from the user data stream),
 *                          MARKET orders, open loop;
 *   rtt.order.tcp (mode closed)  the order case one at a time.
 * These run the engine as shipped for a small box (TL_RIG_DEDICATED:
 * ENGINE and IO threads idle "park", the strategy a polling thread that
 * parks in tl_engine_wait and spins only within 200 us of its next
 * submit).
 *
 *   rtt.order.tcp.shared, rtt.order.tls.shared,
 *   rtt.fill.tcp.shared, rtt.fill.tls.shared
 *                          the same open-loop cases with the engine in
 *                          engine.threading "shared", idle "spin", as an
 *                          invoker (TL_RIG_SHARED): one thread pinned to
 *                          the engine core runs the engine's duty cycle,
 *                          submits when an order is due and takes its
 *                          samples in on_event.
 *   rtt.order.ws.shared, rtt.fill.ws.shared
 *                          the shared cases with orders, cancels and
 *                          queries over the WebSocket API (one TLS
 *                          connection to the simulator's /ws-fapi/v1,
 *                          venue.binance.order_transport "ws"), beside
 *                          the tls lines of the same run and with the
 *                          same floors (floor.tls.spin, floor.tls).
 *
 * Offered rates: 100, 1,000 and 10,000 orders/s (--rate N: that rate
 * only), each for --duration seconds (default RTT_DEFAULT_S; --smoke:
 * RTT_SMOKE_S at --rate or 100/s). Before each transport's cases the
 * suite measures that transport's floors on the same two cores
 * (tl_loopback_floor): the busy-polling one (floor.tcp.spin,
 * floor.tls.spin), which is every line's "floor" with floor_p50,
 * floor_p99 and ratio_p50 / ratio_p99 (case / floor), and the blocking
 * one (floor.tcp, floor.tls) as floor_block, floor_block_p50,
 * floor_block_p99, ratio_block_p50, ratio_block_p99. Every line also says
 * how the engine ran ("threading": "dedicated" | "shared", "idle":
 * "park" | "spin") and carries achieved_rate (answers per second
 * actually delivered: samples / (last sample - first intended time)),
 * send_rate, the worst submit lateness, how often the engine said
 * "queues full, try again" (backpressure: those orders are resubmitted
 * with their intended time) and how many orders went UNKNOWN (no answer
 * within the kernel's ack timeout). An order rejected, failed or
 * unanswered fails the suite: a rate the rig cannot sustain shows as
 * latency, never as missing samples.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>

#include "bench/support/benchutil.h"
#include "bench/support/loopback.h"
#include "bench/support/rig.h"
#include "bench/support/suite.h"

#define RTT_DEFAULT_S 3.0
#define RTT_CLOSED_S 2.0
#define RTT_SMOKE_S 0.3
#define RTT_FLOOR_S 1.0
#define RTT_FLOOR_SMOKE_S 0.2

static const uint64_t rtt_ladder[] = { 100, 1000, 10000 };

/* A transport's two floors, measured before its cases. */
typedef struct rtt_floor {
	const char *spin, *block;          /* their names */
	uint64_t p50, p99;                 /* the spin floor */
	uint64_t block_p50, block_p99;
} rtt_floor_t;

static double rtt_ratio(uint64_t a, uint64_t b)
{
	return b ? (double)a / (double)b : 0.0;
}

static void rtt_emit(const char *name, const tl_hist_t *h, tl_bench_mode_t mode,
		     uint64_t rate, const tl_rig_t *r, const char *to,
		     const rtt_floor_t *f, const tl_rig_stats_t *st)
{
	char extra[768];
	uint64_t p50 = tl_hist_percentile(h, 50.0), p99 = tl_hist_percentile(h, 99.0);

	snprintf(extra, sizeof extra,
		 "\"threading\":\"%s\",\"idle\":\"%s\",\"orders\":\"%s\","
		 "\"floor\":\"%s\",\"floor_p50\":%llu,\"floor_p99\":%llu,"
		 "\"ratio_p50\":%.2f,\"ratio_p99\":%.2f,"
		 "\"floor_block\":\"%s\",\"floor_block_p50\":%llu,\"floor_block_p99\":%llu,"
		 "\"ratio_block_p50\":%.2f,\"ratio_block_p99\":%.2f,\"achieved_rate\":%.1f,"
		 "\"send_rate\":%.1f,\"max_send_late_ns\":%lld,\"busy_retries\":%llu,"
		 "\"unknown\":%llu,\"backpressure\":%llu",
		 tl_rig_threading(r), tl_rig_idle(r), tl_rig_orders(r), f->spin, (unsigned long long)f->p50,
		 (unsigned long long)f->p99, rtt_ratio(p50, f->p50), rtt_ratio(p99, f->p99),
		 f->block, (unsigned long long)f->block_p50, (unsigned long long)f->block_p99,
		 rtt_ratio(p50, f->block_p50), rtt_ratio(p99, f->block_p99), st->achieved_rate,
		 st->send_rate, (long long)st->max_send_late_ns,
		 (unsigned long long)st->busy_retries, (unsigned long long)st->unknown,
		 (unsigned long long)st->backpressure);
	tl_bench_emit(&(tl_bench_line_t){
		.bench = name, .unit = "ns", .h = h, .mode = mode,
		.rate = mode == TL_BENCH_OPEN ? rate : 0,
		.threads = tl_rig_threads(r), .cpu = tl_rig_cpu(r),
		.from = mode == TL_BENCH_OPEN ? "strategy submit (intended time)"
					      : "strategy submit",
		.to = to, .extra = extra });
}

/* One transport in one engine mode: the open-loop ladder of both kinds
 * (and, dedicated TCP only, the closed loop). ws: orders over the
 * WebSocket API (TLS). */
static int rtt_run(const tl_bench_ctx_t *ctx, bool tls, bool ws, tl_rig_mode_t mode,
		   const rtt_floor_t *f)
{
	static tl_hist_t h;
	tl_rig_stats_t st;
	char name[64];
	const char *tp = ws ? "ws" : tls ? "tls" : "tcp";
	const char *sfx = mode == TL_RIG_SHARED ? ".shared" : "";
	double secs = ctx->duration_s > 0 ? ctx->duration_s
		      : ctx->smoke ? RTT_SMOKE_S : RTT_DEFAULT_S;
	const uint64_t *rates = rtt_ladder;
	unsigned nrates = sizeof rtt_ladder / sizeof rtt_ladder[0];
	uint64_t one;
	int rc = -1;

	if (ctx->rate || ctx->smoke) {
		one = ctx->rate ? ctx->rate : rtt_ladder[0];
		rates = &one;
		nrates = 1;
	}
	tl_rig_t *r = tl_rig_start(ctx, tls, mode);
	if (!r)
		return -1;
	if (ws) {
		tl_rig_set_ws(r, true);
		if (tl_rig_restart(r, mode) < 0)
			goto out;
	}
	for (int kind = 0; kind < 2; kind++) {
		for (unsigned k = 0; k < nrates; k++) {
			snprintf(name, sizeof name, "rtt.%s.%s%s", kind ? "fill" : "order", tp,
				 sfx);
			tl_hist_init(&h);
			if (tl_rig_open(r, kind ? TL_RIG_FILL : TL_RIG_ORDER, rates[k],
					secs, &h, &st) < 0) {
				fprintf(stderr, "%s at %llu/s failed\n", name,
					(unsigned long long)rates[k]);
				goto out;
			}
			rtt_emit(name, &h, TL_BENCH_OPEN, rates[k], r,
				 kind ? "ORDER_FILLED event in the strategy"
				      : "ORDER_ACCEPTED event in the strategy",
				 f, &st);
		}
	}
	if (!tls && !ws && mode == TL_RIG_DEDICATED) {
		double cs = ctx->duration_s > 0 ? ctx->duration_s
			    : ctx->smoke ? RTT_SMOKE_S : RTT_CLOSED_S;
		tl_hist_init(&h);
		if (tl_rig_closed(r, TL_RIG_ORDER, cs, &h, &st) < 0) {
			fprintf(stderr, "rtt.order.tcp closed loop failed\n");
			goto out;
		}
		rtt_emit("rtt.order.tcp", &h, TL_BENCH_CLOSED, 0, r,
			 "ORDER_ACCEPTED event in the strategy", f, &st);
	}
	rc = 0;
out:
	tl_rig_stop(r);
	return rc;
}

/* One floor's p50 and p99 (the floor suite's ping-pong, same cores). */
static int rtt_floor(const tl_bench_ctx_t *ctx, bool tls, bool spin, uint64_t *p50,
		     uint64_t *p99)
{
	static tl_hist_t fh;
	char err[256];

	tl_hist_init(&fh);
	if (tl_loopback_floor(ctx, ctx->smoke ? RTT_FLOOR_SMOKE_S : RTT_FLOOR_S, tls, spin,
			      &fh, err, sizeof err) < 0) {
		fprintf(stderr, "rtt: %s: %s\n", tl_loopback_floor_name(tls, spin), err);
		return -1;
	}
	*p50 = tl_hist_percentile(&fh, 50.0);
	*p99 = tl_hist_percentile(&fh, 99.0);
	return 0;
}

static int rtt_transport(const tl_bench_ctx_t *ctx, bool tls)
{
	rtt_floor_t f = { .spin = tl_loopback_floor_name(tls, true),
			  .block = tl_loopback_floor_name(tls, false) };

	if (rtt_floor(ctx, tls, true, &f.p50, &f.p99) < 0 ||
	    rtt_floor(ctx, tls, false, &f.block_p50, &f.block_p99) < 0)
		return -1;
	if (rtt_run(ctx, tls, false, TL_RIG_DEDICATED, &f) < 0 ||
	    rtt_run(ctx, tls, false, TL_RIG_SHARED, &f) < 0 ||
	    (tls && rtt_run(ctx, tls, true, TL_RIG_SHARED, &f) < 0))
		return -1;
	return 0;
}

int tl_bench_suite_rtt(const tl_bench_ctx_t *ctx)
{
	if (rtt_transport(ctx, false) < 0 || rtt_transport(ctx, true) < 0)
		return -1;
	return 0;
}
