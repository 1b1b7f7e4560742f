/*
 * benchutil.h - what every talon benchmark suite shares: a raw monotonic
 * clock, CPU pinning, the machine's model name and JSON string quoting.
 * Result lines are written by tl_bench_emit (bench/support/suite.h);
 * percentiles come from a tl_hist_t (bench/support/hist.h). stdout
 * carries only result lines; anything else a suite says goes to stderr.
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

#endif /* TL_BENCHUTIL_H */
