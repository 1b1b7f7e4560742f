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
 *
 * Offered rates: 100, 1,000 and 10,000 orders/s (--rate N: that rate
 * only), each for --duration seconds (default RTT_DEFAULT_S; --smoke:
 * RTT_SMOKE_S at --rate or 100/s). Every line carries the TCP floor
 * measured at the start of this suite, on the same two cores
 * (tl_loopback_floor_tcp): "floor":"floor.tcp", floor_p50, floor_p99 and
 * the ratios ratio_p50 / ratio_p99 (case / floor), plus achieved_rate
 * (answers per second actually delivered: samples / (last sample - first
 * intended time)), send_rate, the worst submit lateness, how often the
 * engine said "queues full, try again" (backpressure: those orders are
 * resubmitted with their intended time) and how many orders went
 * UNKNOWN (no answer within the kernel's ack timeout). An order
 * rejected, failed or unanswered fails the suite: a rate the rig cannot
 * sustain shows as latency, never as missing samples.
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

static const uint64_t rtt_ladder[] = { 100, 1000, 10000 };

/* The floor line fields shared by every case. */
typedef struct rtt_floor {
	uint64_t p50, p99;
} rtt_floor_t;

static void rtt_emit(const char *name, const tl_hist_t *h, tl_bench_mode_t mode,
		     uint64_t rate, const char *cpu, const char *to,
		     const rtt_floor_t *f, const tl_rig_stats_t *st)
{
	char extra[512];
	uint64_t p50 = tl_hist_percentile(h, 50.0), p99 = tl_hist_percentile(h, 99.0);

	snprintf(extra, sizeof extra,
		 "\"floor\":\"floor.tcp\",\"floor_p50\":%llu,\"floor_p99\":%llu,"
		 "\"ratio_p50\":%.2f,\"ratio_p99\":%.2f,\"achieved_rate\":%.1f,"
		 "\"send_rate\":%.1f,\"max_send_late_ns\":%lld,\"busy_retries\":%llu,"
		 "\"unknown\":%llu,\"backpressure\":%llu",
		 (unsigned long long)f->p50, (unsigned long long)f->p99,
		 f->p50 ? (double)p50 / (double)f->p50 : 0.0,
		 f->p99 ? (double)p99 / (double)f->p99 : 0.0, st->achieved_rate,
		 st->send_rate, (long long)st->max_send_late_ns,
		 (unsigned long long)st->busy_retries, (unsigned long long)st->unknown,
		 (unsigned long long)st->backpressure);
	tl_bench_emit(&(tl_bench_line_t){
		.bench = name, .unit = "ns", .h = h, .mode = mode,
		.rate = mode == TL_BENCH_OPEN ? rate : 0,
		/* strategy + ENGINE + IO + STREAM + simulator */
		.threads = 5, .cpu = cpu,
		.from = mode == TL_BENCH_OPEN ? "strategy submit (intended time)"
					      : "strategy submit",
		.to = to, .extra = extra });
}

static int rtt_transport(const tl_bench_ctx_t *ctx, bool tls, const rtt_floor_t *f)
{
	static tl_hist_t h;
	tl_rig_stats_t st;
	char name[64];
	const char *tp = tls ? "tls" : "tcp";
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
	tl_rig_t *r = tl_rig_start(ctx, tls);
	if (!r)
		return -1;
	for (int kind = 0; kind < 2; kind++) {
		for (unsigned k = 0; k < nrates; k++) {
			snprintf(name, sizeof name, "rtt.%s.%s", kind ? "fill" : "order", tp);
			tl_hist_init(&h);
			if (tl_rig_open(r, kind ? TL_RIG_FILL : TL_RIG_ORDER, rates[k],
					secs, &h, &st) < 0) {
				fprintf(stderr, "%s at %llu/s failed\n", name,
					(unsigned long long)rates[k]);
				goto out;
			}
			rtt_emit(name, &h, TL_BENCH_OPEN, rates[k], tl_rig_cpu(r),
				 kind ? "ORDER_FILLED event in the strategy"
				      : "ORDER_ACCEPTED event in the strategy",
				 f, &st);
		}
	}
	if (!tls) {
		double cs = ctx->duration_s > 0 ? ctx->duration_s
			    : ctx->smoke ? RTT_SMOKE_S : RTT_CLOSED_S;
		tl_hist_init(&h);
		if (tl_rig_closed(r, TL_RIG_ORDER, cs, &h, &st) < 0) {
			fprintf(stderr, "rtt.order.tcp closed loop failed\n");
			goto out;
		}
		rtt_emit("rtt.order.tcp", &h, TL_BENCH_CLOSED, 0, tl_rig_cpu(r),
			 "ORDER_ACCEPTED event in the strategy", f, &st);
	}
	rc = 0;
out:
	tl_rig_stop(r);
	return rc;
}

int tl_bench_suite_rtt(const tl_bench_ctx_t *ctx)
{
	static tl_hist_t fh;
	rtt_floor_t f;
	char err[256];

	tl_hist_init(&fh);
	if (tl_loopback_floor_tcp(ctx, ctx->smoke ? 0.2 : RTT_FLOOR_S, &fh, err,
				  sizeof err) < 0) {
		fprintf(stderr, "rtt: floor.tcp: %s\n", err);
		return -1;
	}
	f.p50 = tl_hist_percentile(&fh, 50.0);
	f.p99 = tl_hist_percentile(&fh, 99.0);
	if (rtt_transport(ctx, false, &f) < 0 || rtt_transport(ctx, true, &f) < 0)
		return -1;
	return 0;
}
