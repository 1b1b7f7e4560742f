/*
 * ring.c - suite `ring`: the cost of one hop through a talon ring, beside
 * the hardware floor measured in the same run.
 *
 *   ring.hop          one-way latency of a tl_input_t (256 bytes) through
 *                     a tl_spsc_in: the producer writes CLOCK_MONOTONIC_RAW
 *                     into hdr.time just before the push, the consumer
 *                     spins on pop and records now - stamp. The producer
 *                     sends the next record only after the consumer has
 *                     acknowledged the previous one (a flag on its own
 *                     cache line), so no sample waits behind another in
 *                     the ring (closed loop). Two clocks on two cores:
 *                     valid where the TSC is synchronised (every current
 *                     x86 server; the kernel otherwise refuses the TSC
 *                     clocksource).
 *   ring.hop_rtt2     the same record ping-ponged through two tl_inrings
 *                     (A -> B, B -> A), half the round trip per sample on
 *                     one clock: comparable to half of floor.cacheline
 *                     (which the `floor` suite reports as a full round
 *                     trip)
 *   ring.hop_park     ring.hop_rtt2 with both threads parked between
 *                     records (runtime/wake.h: futex) and woken by the
 *                     other's push: one hop plus one wake-up of a
 *                     parked consumer (idle "park"), half a round trip
 *                     per sample; n / 20 samples (at least 2000)
 *   ring.hop_vs_floor value = p50 of ring.hop_rtt2 / p50 of a cache-line
 *                     ping-pong measured by this suite just before on the
 *                     same two CPUs (two pinned threads, atomic store,
 *                     spin on load, half a round trip per sample, so both
 *                     sides of the ratio are one-way); beside it
 *                     ratio_p99 and oneway_ratio_p50/p99 (ring.hop over
 *                     the floor) and the floor's own p50/p99 (floor_*).
 *
 * Every sample includes one clock read (about 15-25 ns through the vDSO;
 * see kernel.clock_overhead). Threads: the measuring thread on --cpus A
 * (default 0), the echoing/consuming thread on --cpus B (default 1);
 * "cpu" is "A,B" as pinned, "none" when either pin failed. On a one-CPU
 * machine the spins yield so the run still ends, and the numbers are
 * scheduler latencies.
 *
 * Sizes: 200000 samples per case after 20000 unrecorded warm-up samples;
 * --duration S: as many as fit in S seconds per case (estimated from the
 * warm-up of the floor case); --smoke: 2000 after 1000.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench/support/benchutil.h"
#include "bench/support/hist.h"
#include "bench/support/suite.h"
#include "runtime/ring.h"
#include "runtime/wake.h"

#define RING_N_DEFAULT 200000
#define RING_N_SMOKE 2000
#define RING_WARMUP 20000u
#define RING_WARMUP_SMOKE 1000u
#define RING_SIZE 1024u

enum { CASE_FLOOR, CASE_HOP, CASE_RTT, CASE_PARK };

typedef struct ring_bench {
	/* Each shared word on its own cache line. */
	_Alignas(64) _Atomic uint64_t line;    /* floor: the ping-pong word */
	_Alignas(64) _Atomic uint64_t ack;     /* hop: last sample consumed */
	_Alignas(64) _Atomic int ready;        /* threads pinned and waiting */
	_Alignas(64) int kind;
	uint64_t total;                        /* warm-up + measured */
	uint64_t warm;                         /* unrecorded samples first */
	int want_a, want_b;                    /* CPUs to pin to */
	int cpu_a, cpu_b;                      /* pinned CPUs (-1 failed) */
	bool bad;                              /* a record came back wrong */
	tl_spsc_in_t ab, ba;
	tl_wake_t wa, wb;                      /* park: A's and B's doors */
	tl_hist_t hist;                        /* written by the measurer */
} ring_bench_t;

/* Park: pop from q, blocking on door w (runtime/wake.h) while it is
 * empty; a hop with a wake-up of a parked consumer, as talon's agents
 * with idle "park" make them. */
static void ring_pop_parked(tl_spsc_in_t *q, tl_wake_t *w, tl_input_t *rec)
{
	while (!tl_spsc_in_pop(q, rec)) {
		uint32_t seq = tl_wake_prepare(w);
		if (tl_spsc_used(&q->r)) {
			tl_wake_cancel(w);
			continue;
		}
		tl_wake_wait(w, seq, 1000000000LL);
	}
}

static bool ring_yield;	/* one CPU: spinning would wait a whole slice */

static inline void ring_relax(void)
{
	if (ring_yield) {
		sched_yield();
		return;
	}
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}

/* Both threads pinned before either starts measuring. */
static void ring_rendezvous(ring_bench_t *b)
{
	atomic_fetch_add_explicit(&b->ready, 1, memory_order_acq_rel);
	while (atomic_load_explicit(&b->ready, memory_order_acquire) < 2)
		ring_relax();
}

/* Thread B: echoes (floor, rtt) or consumes and records (hop). */
static void *ring_thread_b(void *arg)
{
	ring_bench_t *b = arg;
	b->cpu_b = tl_bench_pin(b->want_b);
	ring_rendezvous(b);
	tl_input_t rec;
	switch (b->kind) {
	case CASE_FLOOR:
		for (uint64_t i = 0; i < b->total; i++) {
			uint64_t want = 2 * i + 1;
			while (atomic_load_explicit(&b->line, memory_order_acquire) != want)
				ring_relax();
			atomic_store_explicit(&b->line, want + 1, memory_order_release);
		}
		break;
	case CASE_HOP:
		for (uint64_t i = 0; i < b->total; i++) {
			while (!tl_spsc_in_pop(&b->ab, &rec))
				ring_relax();
			int64_t now = tl_bench_now_ns();
			if (i >= b->warm)
				tl_hist_record(&b->hist, (uint64_t)(now - rec.hdr.time));
			atomic_store_explicit(&b->ack, i + 1, memory_order_release);
		}
		break;
	case CASE_RTT:
		for (uint64_t i = 0; i < b->total; i++) {
			while (!tl_spsc_in_pop(&b->ab, &rec))
				ring_relax();
			while (!tl_spsc_in_push(&b->ba, &rec))
				ring_relax();
		}
		break;
	case CASE_PARK:
		for (uint64_t i = 0; i < b->total; i++) {
			ring_pop_parked(&b->ab, &b->wb, &rec);
			while (!tl_spsc_in_push(&b->ba, &rec))
				ring_relax();
			tl_wake_notify(&b->wa, -1);
		}
		break;
	}
	return NULL;
}

/* Thread A (the caller): initiates every sample. */
static void ring_thread_a(ring_bench_t *b)
{
	tl_input_t rec;
	memset(&rec, 0, sizeof(rec));
	rec.hdr.type = TL_IN_TICK;
	switch (b->kind) {
	case CASE_FLOOR:
		for (uint64_t i = 0; i < b->total; i++) {
			uint64_t want = 2 * i + 2;
			int64_t t0 = tl_bench_now_ns();
			atomic_store_explicit(&b->line, 2 * i + 1, memory_order_release);
			while (atomic_load_explicit(&b->line, memory_order_acquire) != want)
				ring_relax();
			int64_t t1 = tl_bench_now_ns();
			if (i >= b->warm)
				tl_hist_record(&b->hist, (uint64_t)(t1 - t0) / 2);
		}
		break;
	case CASE_HOP:
		for (uint64_t i = 0; i < b->total; i++) {
			rec.hdr.seq = i;
			rec.hdr.time = tl_bench_now_ns();
			while (!tl_spsc_in_push(&b->ab, &rec))
				ring_relax();
			while (atomic_load_explicit(&b->ack, memory_order_acquire) != i + 1)
				ring_relax();
		}
		break;
	case CASE_RTT:
	case CASE_PARK:
		for (uint64_t i = 0; i < b->total; i++) {
			tl_input_t back;
			rec.hdr.seq = i;
			int64_t t0 = tl_bench_now_ns();
			while (!tl_spsc_in_push(&b->ab, &rec))
				ring_relax();
			if (b->kind == CASE_PARK) {
				tl_wake_notify(&b->wb, -1);
				ring_pop_parked(&b->ba, &b->wa, &back);
			} else {
				while (!tl_spsc_in_pop(&b->ba, &back))
					ring_relax();
			}
			int64_t t1 = tl_bench_now_ns();
			if (back.hdr.seq != i) {
				fprintf(stderr, "bench ring: record %llu came back as %llu\n",
					(unsigned long long)i,
					(unsigned long long)back.hdr.seq);
				b->bad = true;
			}
			if (i >= b->warm)
				tl_hist_record(&b->hist, (uint64_t)(t1 - t0) / 2);
		}
		break;
	}
}

/* Run one case on a fresh pair of threads: n measured samples after
 * b->warm unrecorded ones, histogram left in b->hist. Returns 0, or -1
 * after saying why. */
static int ring_run(ring_bench_t *b, int kind, uint64_t n)
{
	char err[256];
	b->kind = kind;
	b->total = n + b->warm;
	b->bad = false;
	atomic_store(&b->line, 0);
	atomic_store(&b->ack, 0);
	atomic_store(&b->ready, 0);
	tl_wake_init(&b->wa);
	tl_wake_init(&b->wb);
	tl_hist_init(&b->hist);
	if (tl_spsc_in_init(&b->ab, RING_SIZE, err, sizeof(err)) < 0) {
		fprintf(stderr, "bench ring: %s\n", err);
		return -1;
	}
	if (tl_spsc_in_init(&b->ba, RING_SIZE, err, sizeof(err)) < 0) {
		fprintf(stderr, "bench ring: %s\n", err);
		tl_spsc_in_free(&b->ab);
		return -1;
	}
	pthread_t tb;
	if (pthread_create(&tb, NULL, ring_thread_b, b) != 0) {
		fprintf(stderr, "bench ring: pthread_create failed\n");
		tl_spsc_in_free(&b->ab);
		tl_spsc_in_free(&b->ba);
		return -1;
	}
	b->cpu_a = tl_bench_pin(b->want_a);
	ring_rendezvous(b);
	ring_thread_a(b);
	pthread_join(tb, NULL);
	tl_spsc_in_free(&b->ab);
	tl_spsc_in_free(&b->ba);
	if (b->bad || tl_hist_count(&b->hist) != n || !tl_hist_check(&b->hist)) {
		fprintf(stderr, "bench ring: case %d: %llu samples of %llu%s\n", kind,
			(unsigned long long)tl_hist_count(&b->hist),
			(unsigned long long)n, b->bad ? ", records out of order" : "");
		return -1;
	}
	return 0;
}

static double ring_ratio(const tl_hist_t *num, const tl_hist_t *den, double p)
{
	uint64_t d = tl_hist_percentile(den, p);
	return d ? (double)tl_hist_percentile(num, p) / (double)d : 0.0;
}

int tl_bench_suite_ring(const tl_bench_ctx_t *ctx)
{
	int rc = -1;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	ring_yield = ncpu < 2;
	if (ring_yield)
		fprintf(stderr, "bench ring: one CPU online; spins yield\n");

	ring_bench_t *b = aligned_alloc(64, (sizeof(*b) + 63) & ~(size_t)63);
	tl_hist_t *floor_h = malloc(sizeof(*floor_h));
	tl_hist_t *hop_h = malloc(sizeof(*hop_h));
	if (!b || !floor_h || !hop_h) {
		fprintf(stderr, "bench ring: out of memory\n");
		goto out;
	}
	memset(b, 0, sizeof(*b));
	b->want_a = tl_bench_role_cpu(ctx, 0, 0);
	b->want_b = tl_bench_role_cpu(ctx, 1, 1);
	b->warm = ctx->smoke ? RING_WARMUP_SMOKE : RING_WARMUP;

	/* The floor first; its warm-up sizes the others under --duration. */
	uint64_t n = tl_bench_iters(ctx, RING_N_DEFAULT, RING_N_SMOKE, 0);
	int64_t t0 = tl_bench_now_ns();
	if (ring_run(b, CASE_FLOOR, n) < 0)
		goto out;
	double per = (double)(tl_bench_now_ns() - t0) / (double)(n + b->warm);
	*floor_h = b->hist;
	/* Each ring sample is a few floor round trips; 4x is generous. */
	n = tl_bench_iters(ctx, RING_N_DEFAULT, RING_N_SMOKE, 4 * per);

	char cpu[32];
	if (ring_run(b, CASE_HOP, n) < 0)
		goto out;
	*hop_h = b->hist;
	tl_bench_cpu_text(cpu, sizeof cpu, b->cpu_a < 0 || b->cpu_b < 0 ? -1 : b->cpu_a,
			  b->cpu_a < 0 || b->cpu_b < 0 ? -1 : b->cpu_b);
	tl_bench_emit(&(tl_bench_line_t){
		.bench = "ring.hop", .unit = "ns", .h = hop_h, .mode = TL_BENCH_CLOSED,
		.threads = 2, .cpu = cpu,
		.from = "producer: clock read, stamped into the record, then tl_spsc_in_push",
		.to = "consumer: clock read right after tl_spsc_in_pop returns it",
	});

	if (ring_run(b, CASE_RTT, n) < 0)
		goto out;
	tl_bench_cpu_text(cpu, sizeof cpu, b->cpu_a < 0 || b->cpu_b < 0 ? -1 : b->cpu_a,
			  b->cpu_a < 0 || b->cpu_b < 0 ? -1 : b->cpu_b);
	tl_bench_emit(&(tl_bench_line_t){
		.bench = "ring.hop_rtt2", .unit = "ns", .h = &b->hist,
		.mode = TL_BENCH_CLOSED, .threads = 2, .cpu = cpu,
		.from = "thread A: clock read, then push into ring A->B",
		.to = "thread A: pop from ring B->A after B echoed it; half the round trip",
	});

	/* The same with both sides parked between records: what a hop costs
	 * when its consumer sleeps (idle "park"): one wake-up each way. */
	tl_hist_t *rtt_h = malloc(sizeof(*rtt_h));
	if (!rtt_h) {
		fprintf(stderr, "bench ring: out of memory\n");
		goto out;
	}
	*rtt_h = b->hist;
	uint64_t np = n / 20 > RING_N_SMOKE ? n / 20 : RING_N_SMOKE;
	if (ring_run(b, CASE_PARK, np) < 0) {
		free(rtt_h);
		goto out;
	}
	tl_bench_emit(&(tl_bench_line_t){
		.bench = "ring.hop_park", .unit = "ns", .h = &b->hist,
		.mode = TL_BENCH_CLOSED, .threads = 2, .cpu = cpu,
		.from = "thread A: clock read, push into ring A->B, wake B (parked)",
		.to = "thread A, woken, pops B's echo from ring B->A; half the round trip",
	});
	b->hist = *rtt_h;
	free(rtt_h);

	char extra[512];
	snprintf(extra, sizeof extra,
		 "\"num\":\"ring.hop_rtt2\",\"den\":\"half a cache-line ping-pong, same CPUs\","
		 "\"ratio_p99\":%.2f,\"oneway_ratio_p50\":%.2f,\"oneway_ratio_p99\":%.2f,"
		 "\"floor_n\":%llu,\"floor_p50\":%llu,\"floor_p99\":%llu",
		 ring_ratio(&b->hist, floor_h, 99.0), ring_ratio(hop_h, floor_h, 50.0),
		 ring_ratio(hop_h, floor_h, 99.0),
		 (unsigned long long)tl_hist_count(floor_h),
		 (unsigned long long)tl_hist_percentile(floor_h, 50.0),
		 (unsigned long long)tl_hist_percentile(floor_h, 99.0));
	tl_bench_emit(&(tl_bench_line_t){
		.bench = "ring.hop_vs_floor", .unit = "ratio",
		.value = ring_ratio(&b->hist, floor_h, 50.0), .mode = TL_BENCH_CLOSED,
		.threads = 2, .cpu = cpu,
		.from = "ring.hop_rtt2 p50",
		.to = "over the p50 of a cache-line ping-pong between the same two CPUs, same run",
		.extra = extra,
	});
	rc = 0;
out:
	free(hop_h);
	free(floor_h);
	free(b);
	return rc;
}
