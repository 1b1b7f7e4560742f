/*
 * benchutil.h - what every talon benchmark shares: a raw monotonic clock,
 * CPU pinning, the machine's model name, flag parsing and the one JSON
 * line per case that scripts/run-bench.sh passes through:
 *
 *   {"bench":"kernel.submit","unit":"ns","n":200000,"p50":..,"p90":..,
 *    "p99":..,"p999":..,"p9999":..,"max":..,"mean":..,"threads":1,
 *    "cpu":1,"machine":"AMD EPYC"}
 *
 * Percentiles come from a tl_hist_t (bench/support/hist.h: reported
 * values are at most 1/128 above the true sample). stdout carries only
 * these lines; anything else a benchmark says goes to stderr.
 */
#ifndef TL_BENCHUTIL_H
#define TL_BENCHUTIL_H

#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "bench/support/hist.h"

/* Nanoseconds on CLOCK_MONOTONIC_RAW (not slewed by NTP). Through the
 * vDSO on current kernels: no syscall. Emit a clock-overhead case so
 * readers can subtract the cost of a pair of reads. */
static inline int64_t tl_bench_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC_RAW, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Options common to benchmarks. */
typedef struct tl_bench_opts {
	uint64_t n;            /* measured operations per case */
	int cpu;               /* CPU to pin to; -1 = default choice */
} tl_bench_opts_t;

/*
 * Parse `--n N` and `--cpu C` (also `--n=N`, `--cpu=C`) into *o, whose
 * fields hold the defaults on entry. Returns 0, or -1 after printing a
 * usage line to stderr on an unknown flag or bad number.
 */
int tl_bench_parse(int argc, char **argv, tl_bench_opts_t *o);

/* CPU 1 when this thread may run there, else the lowest allowed CPU
 * (0 on a one-CPU machine); -1 if the affinity mask cannot be read. */
int tl_bench_default_cpu(void);

/* Pin the calling thread to `cpu` (cpu < 0: tl_bench_default_cpu()).
 * Returns the CPU pinned to, or -1 (after a note on stderr) when pinning
 * failed; the benchmark carries on unpinned and reports cpu -1. */
int tl_bench_pin(int cpu);

/* The first "model name" of /proc/cpuinfo, or "unknown". A static
 * string, read once. */
const char *tl_bench_machine(void);

/* Write `s` as a JSON string literal (quotes included) to f. */
void tl_bench_json_str(FILE *f, const char *s);

/* Print one result line for case `bench` from histogram h to stdout and
 * flush it. */
/* The same line in two halves, for benches that append their own fields
 * between them: open prints up to and including "machine", close ends it. */
void tl_bench_print_open(const char *bench, const tl_hist_t *h, int threads,
			 int cpu);
void tl_bench_print_close(void);

void tl_bench_print(const char *bench, const tl_hist_t *h, int threads,
		    int cpu);

#endif /* TL_BENCHUTIL_H */
