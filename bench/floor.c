/*
 * floor.c - the `floor` suite: what no order round trip on this machine
 * can beat, measured between the two cores the engine and the simulator
 * use (tl_loopback_cpus: --cpus, else 0 and 1).
 *
 *   floor.cacheline  one cache line bounced between two pinned threads:
 *                    ns per round trip (A writes, B sees it and writes
 *                    back, A sees that), closed loop.
 *   floor.tcp        bare TCP ping-pong over loopback, order-sized
 *                    messages (bench/support/loopback.h), TCP_NODELAY,
 *                    blocking sockets, ns per round trip, closed loop.
 *   floor.tls        the same through wolfSSL on both ends with the
 *                    simulator's certificate (handshake not timed).
 *   floor.tcp.spin   floor.tcp with both ends busy-polling non-blocking
 *                    sockets, each on its own core: the network floor
 *                    without the two wake-ups of a blocking round trip.
 *   floor.tls.spin   floor.tls the same way (WANT_READ / WANT_WRITE
 *                    polled again at once).
 *
 * One ping-pong (tl_loopback_pingpong) measures all four; how its ends
 * wait is the only difference, and each line says which in its extra
 * member "idle": "block" or "spin" (floor.cacheline: "spin", its threads
 * never stop polling the line either), so a reader of results.jsonl
 * need not go by the name. Each sample includes one clock-read pair
 * (kernel.clock_overhead).
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "bench/support/benchutil.h"
#include "bench/support/loopback.h"
#include "bench/support/suite.h"

/* Default measured seconds per case (after warm-up); --duration wins. */
#define FLOOR_CL_S 1.0
#define FLOOR_NET_S 2.0
#define FLOOR_SMOKE_S 0.2

/* ---- floor.cacheline ------------------------------------------------------ */

/* The two words on their own cache lines: `ping` written only by A,
 * `pong` only by B. */
typedef struct floor_cl {
	_Alignas(64) _Atomic uint64_t ping;
	_Alignas(64) _Atomic uint64_t pong;
	_Alignas(64) _Atomic int stop;
	int cpu;
} floor_cl_t;

static void floor_pin(int cpu)
{
	cpu_set_t set;

	if (cpu < 0)
		return;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	pthread_setaffinity_np(pthread_self(), sizeof set, &set);
}

/* B: answer every new ping with the same value in pong. */
static void *floor_cl_echo(void *arg)
{
	floor_cl_t *c = arg;
	uint64_t seen = 0;

	floor_pin(c->cpu);
	while (!atomic_load_explicit(&c->stop, memory_order_relaxed)) {
		uint64_t v = atomic_load_explicit(&c->ping, memory_order_acquire);
		if (v != seen) {
			seen = v;
			atomic_store_explicit(&c->pong, v, memory_order_release);
		}
	}
	return NULL;
}

static int floor_cacheline(int cpu_a, int cpu_b, double warm_s, double secs,
			   tl_hist_t *h)
{
	static floor_cl_t c;
	pthread_t tid;
	cpu_set_t saved;
	bool have_saved;

	atomic_store(&c.ping, 0);
	atomic_store(&c.pong, 0);
	atomic_store(&c.stop, 0);
	c.cpu = cpu_b;
	if (pthread_create(&tid, NULL, floor_cl_echo, &c) != 0) {
		fprintf(stderr, "floor.cacheline: pthread_create failed\n");
		return -1;
	}
	have_saved = pthread_getaffinity_np(pthread_self(), sizeof saved, &saved) == 0;
	floor_pin(cpu_a);
	int64_t warm_end = tl_bench_now_ns() + (int64_t)(warm_s * 1e9);
	int64_t end = warm_end + (int64_t)(secs * 1e9);
	uint64_t i = 0;
	int rc = 0;
	for (;;) {
		int64_t t0 = tl_bench_now_ns();
		if (t0 >= end)
			break;
		i++;
		atomic_store_explicit(&c.ping, i, memory_order_release);
		/* A missing echo thread (never scheduled) must not hang us. */
		uint64_t spins = 0;
		while (atomic_load_explicit(&c.pong, memory_order_acquire) != i) {
			if ((++spins & 0xfffff) == 0 && tl_bench_now_ns() > end + 2000000000LL) {
				fprintf(stderr, "floor.cacheline: no echo for 2 s\n");
				rc = -1;
				goto out;
			}
		}
		int64_t t1 = tl_bench_now_ns();
		if (t0 >= warm_end)
			tl_hist_record(h, (uint64_t)(t1 - t0));
	}
out:
	atomic_store(&c.stop, 1);
	pthread_join(tid, NULL);
	if (have_saved)
		pthread_setaffinity_np(pthread_self(), sizeof saved, &saved);
	if (rc == 0 && !tl_hist_count(h)) {
		fprintf(stderr, "floor.cacheline: no sample\n");
		rc = -1;
	}
	return rc;
}

/* ---- the suite -------------------------------------------------------------- */

int tl_bench_suite_floor(const tl_bench_ctx_t *ctx)
{
	static tl_hist_t h;
	char cpu[32], extra[160], tls_dir[2048], err[256];
	int a, b;
	double warm = ctx->smoke ? 0.05 : 0.2;
	double cl_s = ctx->duration_s > 0 ? ctx->duration_s
		      : ctx->smoke ? FLOOR_SMOKE_S : FLOOR_CL_S;
	double net_s = ctx->duration_s > 0 ? ctx->duration_s
		       : ctx->smoke ? FLOOR_SMOKE_S : FLOOR_NET_S;

	tl_loopback_cpus(ctx, &a, &b);
	tl_bench_cpu_text(cpu, sizeof cpu, a, b);

	tl_hist_init(&h);
	if (floor_cacheline(a, b, warm, cl_s, &h) < 0)
		return -1;
	tl_bench_emit(&(tl_bench_line_t){
		.bench = "floor.cacheline", .unit = "ns", .h = &h,
		.mode = TL_BENCH_CLOSED, .threads = 2, .cpu = cpu,
		.from = "thread A stores a cache line",
		.to = "thread A sees thread B's answer (round trip)",
		.extra = "\"idle\":\"spin\"" });

	/* Blocking first, as before the spin cases existed: floor.tcp keeps
	 * its place in the run. */
	tls_dir[0] = '\0';
	for (int spin = 0; spin <= 1; spin++) {
		for (int tls = 0; tls <= 1; tls++) {
			const char *name = tl_loopback_floor_name(tls, spin);
			tl_loopback_opts_t o = { .cpu_client = a, .cpu_server = b,
						 .tls = tls, .spin = spin,
						 .tls_dir = tls_dir,
						 .warmup_s = warm, .duration_s = net_s };
			if (tls && !tls_dir[0] &&
			    tl_loopback_tls_dir(ctx, tls_dir, sizeof tls_dir, err,
						sizeof err) < 0) {
				fprintf(stderr, "%s: %s\n", name, err);
				return -1;
			}
			tl_hist_init(&h);
			if (tl_loopback_pingpong(&o, &h, err, sizeof err) < 0) {
				fprintf(stderr, "%s: %s\n", name, err);
				return -1;
			}
			snprintf(extra, sizeof extra,
				 "\"req_bytes\":%d,\"resp_bytes\":%d,\"idle\":\"%s\"",
				 TL_LOOPBACK_REQ_LEN, TL_LOOPBACK_RESP_LEN,
				 spin ? "spin" : "block");
			tl_bench_emit(&(tl_bench_line_t){
				.bench = name, .unit = "ns", .h = &h,
				.mode = TL_BENCH_CLOSED, .threads = 2, .cpu = cpu,
				.from = "client write of an order-sized request",
				.to = tls ? "client has read the whole TLS response"
					  : "client has read the whole response",
				.extra = extra });
		}
	}
	return 0;
}
