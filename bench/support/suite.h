/*
 * suite.h - the contract between `talon bench` and a benchmark suite.
 *
 * A suite is one function, named after the case prefix it emits
 * (`floor`, `kernel`, `ring`, `engine`, `io`, `rtt`, `journal`,
 * `emergency`, `recovery`, `memory`, `peer`):
 *
 *     int tl_bench_suite_NAME(const tl_bench_ctx_t *ctx);
 *
 * listed in bench/suites.c. It runs its cases and reports each with
 * tl_bench_emit (one JSON line to stdout and to DIR/results.jsonl), and
 * returns 0, or -1 after saying why on stderr (a case that could not be
 * measured is a failure, never a line with made-up numbers).
 *
 * Everything a suite says besides its result lines goes to stderr.
 */
#ifndef TL_BENCH_SUITE_H
#define TL_BENCH_SUITE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "bench/support/hist.h"

/* What `talon bench` was asked for, shared read-only by every suite. */
typedef struct tl_bench_ctx {
	double duration_s;   /* --duration: measured seconds per case; 0 =
				the suite's own default */
	uint64_t rate;       /* --rate: offered requests/s for open-loop
				cases; 0 = the suite's ladder (100, 1000,
				10000 for rtt) */
	bool smoke;          /* --smoke: smallest sizes that still exercise
				every case (the `make test` smoke test) */
	int cpus[2];         /* --cpus A,B: the engine-side and the
				peer-side core; -1 = chosen by the suite */
	const char *outdir;  /* --out DIR (exists); scratch under DIR/tmp */
	const char *talon;   /* absolute path of the running talon binary,
				to spawn `talon venue` or find build/ */
} tl_bench_ctx_t;

/* How a case loaded the system. */
typedef enum tl_bench_mode {
	TL_BENCH_CLOSED = 0, /* one request at a time, next after the reply */
	TL_BENCH_OPEN,       /* open loop: sent at intended times, latency
				measured from the intended send time */
	TL_BENCH_BATCH       /* throughput / one-shot timings (no rate) */
} tl_bench_mode_t;

/* One result line. */
typedef struct tl_bench_line {
	const char *bench;   /* case name, e.g. "rtt.order.tcp" */
	const char *unit;    /* "ns" for histograms; else e.g. "records/s",
				"bytes", "ratio" */
	const tl_hist_t *h;  /* latency histogram, or NULL with `value` */
	double value;        /* the number when h == NULL */
	tl_bench_mode_t mode;
	uint64_t rate;       /* offered rate per second (open loop), else 0 */
	int threads;         /* threads taking part */
	const char *cpu;     /* pinning as text: "0,1", "1", "none" */
	const char *from;    /* where the clock starts, e.g. "strategy submit
				(intended time)" */
	const char *to;      /* where it stops, e.g. "fill event in strategy" */
	const char *extra;   /* NULL, or JSON members appended verbatim
				(no leading comma): "\"floor\":\"floor.tcp\"" */
} tl_bench_line_t;

/*
 * Write one line:
 *   {"bench":..,"unit":..,"n":..,"p50":..,"p90":..,"p99":..,"p999":..,
 *    "p9999":..,"max":..,"mean":..,        (histogram lines)
 *    "value":..,                           (value lines)
 *    "mode":"open|closed|batch","rate":..,"threads":..,"cpu":..,
 *    "from":..,"to":..,"machine":.., <extra>}
 * to stdout and to the results file opened by tl_bench_results_open,
 * flushing both.
 */
void tl_bench_emit(const tl_bench_line_t *l);

/* Open DIR/results.jsonl for appending (NULL dir: stdout only).
 * Returns 0 or -1 with errno set. */
int tl_bench_results_open(const char *dir);
void tl_bench_results_close(void);

/* "0,1" / "1" / "none" from up to two pinned CPUs (-1 = not pinned),
 * into buf. Returns buf. */
const char *tl_bench_cpu_text(char *buf, size_t len, int cpu_a, int cpu_b);

/* The suites (bench/suites.c). */
typedef struct tl_bench_suite {
	const char *name;    /* "rtt" */
	const char *what;    /* one line for --help */
	int (*run)(const tl_bench_ctx_t *ctx);
} tl_bench_suite_t;

extern const tl_bench_suite_t tl_bench_suites[];
extern const unsigned tl_bench_nsuites;

#endif /* TL_BENCH_SUITE_H */
