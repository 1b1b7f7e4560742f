/*
 * ring.c - the cost of one hop through a talon ring, beside the hardware
 * floor measured in the same run.
 *
 *   floor.cacheline   one-way latency floor: two pinned threads ping-pong
 *                     a counter in one cache line (atomic store, spin on
 *                     load); each sample is half a round trip, timed on
 *                     the initiating thread's clock
 *   ring.hop          one-way latency of a tl_input_t (256 bytes) through
 *                     a tl_inring: the producer writes CLOCK_MONOTONIC_RAW
 *                     into hdr.time just before the push, the consumer
 *                     spins on pop and records now - stamp. The producer
 *                     sends the next record only after the consumer has
 *                     acknowledged the previous one (a flag on its own
 *                     cache line), so no sample waits behind another in
 *                     the ring. Two clocks on two cores: valid where the
 *                     TSC is synchronised (every current x86 server; the
 *                     kernel otherwise refuses the TSC clocksource).
 *   ring.hop_rtt2     the same record ping-ponged through two tl_inrings
 *                     (A -> B, B -> A), half the round trip per sample on
 *                     one clock: directly comparable to floor.cacheline
 *   ring.hop_vs_floor ratio_p50 / ratio_p99 = ring.hop_rtt2 / floor.cacheline
 *                     (same method, same two CPUs); oneway_ratio_p50 /
 *                     oneway_ratio_p99 = ring.hop / floor.cacheline
 *
 * Every sample includes one clock read (about 15-25 ns through the vDSO;
 * see kernel.clock_overhead). Threads: the measuring thread on CPU 0, the
 * echoing/consuming thread on CPU 1 ("cpu" in the output is the measuring
 * thread's CPU, -1 when either pin failed and the run went unpinned). On a
 * one-CPU machine the spins yield so the run still ends, and the numbers
 * are scheduler latencies.
 *
 * Output: one JSON line per case on stdout (bench/support/benchutil.h),
 * then the ratio line.
 * Command: make bench BENCHES=ring
 *      or: build/bench/ring [--n N]   (N default 200000 samples per case,
 *          after 20000 unrecorded warm-up samples)
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
#include "io/ring.h"

#define RING_N_DEFAULT 200000
#define RING_WARMUP 20000u
#define RING_SIZE 1024u

enum { CASE_FLOOR, CASE_HOP, CASE_RTT };

typedef struct ring_bench {
	/* Each shared word on its own cache line. */
	_Alignas(64) _Atomic uint64_t line;    /* floor: the ping-pong word */
	_Alignas(64) _Atomic uint64_t ack;     /* hop: last sample consumed */
	_Alignas(64) _Atomic int ready;        /* threads pinned and waiting */
	_Alignas(64) int kind;
	uint64_t total;                        /* warm-up + measured */
	int cpu_a, cpu_b;                      /* pinned CPUs (-1 failed) */
	tl_inring_t ab, ba;
	tl_hist_t hist;                        /* written by the measurer */
} ring_bench_t;

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
	b->cpu_b = tl_bench_pin(1);
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
			while (!tl_inring_pop(&b->ab, &rec))
				ring_relax();
			int64_t now = tl_bench_now_ns();
			if (i >= RING_WARMUP)
				tl_hist_record(&b->hist, (uint64_t)(now - rec.hdr.time));
			atomic_store_explicit(&b->ack, i + 1, memory_order_release);
		}
		break;
	case CASE_RTT:
		for (uint64_t i = 0; i < b->total; i++) {
			while (!tl_inring_pop(&b->ab, &rec))
				ring_relax();
			while (!tl_inring_push(&b->ba, &rec))
				ring_relax();
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
			if (i >= RING_WARMUP)
				tl_hist_record(&b->hist, (uint64_t)(t1 - t0) / 2);
		}
		break;
	case CASE_HOP:
		for (uint64_t i = 0; i < b->total; i++) {
			rec.hdr.seq = i;
			rec.hdr.time = tl_bench_now_ns();
			while (!tl_inring_push(&b->ab, &rec))
				ring_relax();
			while (atomic_load_explicit(&b->ack, memory_order_acquire) != i + 1)
				ring_relax();
		}
		break;
	case CASE_RTT:
		for (uint64_t i = 0; i < b->total; i++) {
			tl_input_t back;
			rec.hdr.seq = i;
			int64_t t0 = tl_bench_now_ns();
			while (!tl_inring_push(&b->ab, &rec))
				ring_relax();
			while (!tl_inring_pop(&b->ba, &back))
				ring_relax();
			int64_t t1 = tl_bench_now_ns();
			if (back.hdr.seq != i) {
				fprintf(stderr, "bench ring: record %llu came back as %llu\n",
					(unsigned long long)i,
					(unsigned long long)back.hdr.seq);
				abort();
			}
			if (i >= RING_WARMUP)
				tl_hist_record(&b->hist, (uint64_t)(t1 - t0) / 2);
		}
		break;
	}
}

/* Run one case on a fresh pair of threads; returns the measurer's CPU or
 * -1 when either pin failed. The histogram is left in b->hist. */
static int ring_run(ring_bench_t *b, int kind, uint64_t n)
{
	char err[256];
	b->kind = kind;
	b->total = n + RING_WARMUP;
	atomic_store(&b->line, 0);
	atomic_store(&b->ack, 0);
	atomic_store(&b->ready, 0);
	tl_hist_init(&b->hist);
	if (tl_inring_init(&b->ab, RING_SIZE, err, sizeof(err)) < 0 ||
	    tl_inring_init(&b->ba, RING_SIZE, err, sizeof(err)) < 0) {
		fprintf(stderr, "bench ring: %s\n", err);
		exit(1);
	}
	pthread_t tb;
	if (pthread_create(&tb, NULL, ring_thread_b, b) != 0) {
		fprintf(stderr, "bench ring: pthread_create failed\n");
		exit(1);
	}
	b->cpu_a = tl_bench_pin(0);
	ring_rendezvous(b);
	ring_thread_a(b);
	pthread_join(tb, NULL);
	tl_inring_free(&b->ab);
	tl_inring_free(&b->ba);
	return b->cpu_a < 0 || b->cpu_b < 0 ? -1 : b->cpu_a;
}

static double ring_ratio(const tl_hist_t *num, const tl_hist_t *den, double p)
{
	uint64_t d = tl_hist_percentile(den, p);
	return d ? (double)tl_hist_percentile(num, p) / (double)d : 0.0;
}

int main(int argc, char **argv)
{
	tl_bench_opts_t o = { .n = RING_N_DEFAULT, .cpu = -1 };
	if (tl_bench_parse(argc, argv, &o) < 0)
		return 2;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	ring_yield = ncpu < 2;
	if (ring_yield)
		fprintf(stderr, "bench ring: one CPU online; spins yield\n");

	ring_bench_t *b = aligned_alloc(64, (sizeof(*b) + 63) & ~(size_t)63);
	tl_hist_t *floor_h = malloc(sizeof(*floor_h));
	tl_hist_t *hop_h = malloc(sizeof(*hop_h));
	if (!b || !floor_h || !hop_h) {
		fprintf(stderr, "bench ring: out of memory\n");
		return 1;
	}
	memset(b, 0, sizeof(*b));

	int cpu = ring_run(b, CASE_FLOOR, o.n);
	*floor_h = b->hist;
	tl_bench_print("floor.cacheline", floor_h, 2, cpu);

	cpu = ring_run(b, CASE_HOP, o.n);
	*hop_h = b->hist;
	tl_bench_print("ring.hop", hop_h, 2, cpu);

	cpu = ring_run(b, CASE_RTT, o.n);
	tl_bench_print("ring.hop_rtt2", &b->hist, 2, cpu);

	printf("{\"bench\":\"ring.hop_vs_floor\",\"unit\":\"ratio\","
	       "\"num\":\"ring.hop_rtt2\",\"den\":\"floor.cacheline\","
	       "\"ratio_p50\":%.2f,\"ratio_p99\":%.2f,"
	       "\"oneway_ratio_p50\":%.2f,\"oneway_ratio_p99\":%.2f,"
	       "\"threads\":2,\"cpu\":%d,\"machine\":",
	       ring_ratio(&b->hist, floor_h, 50.0), ring_ratio(&b->hist, floor_h, 99.0),
	       ring_ratio(hop_h, floor_h, 50.0), ring_ratio(hop_h, floor_h, 99.0), cpu);
	tl_bench_json_str(stdout, tl_bench_machine());
	fputs("}\n", stdout);
	fflush(stdout);
	free(hop_h);
	free(floor_h);
	free(b);
	return 0;
}
