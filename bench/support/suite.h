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
 *
 * `talon bench` (cli/cmd_bench.c) runs each suite in a child process of
 * its own, in its own process group: pinning, threads, globals and peak
 * RSS start fresh; a suite may exit(1) or abort on a failed check (it
 * fails alone); whatever it spawned is killed when it ends; DIR/tmp is
 * removed after it. A suite that returns 0 without emitting a line is
 * reported as failed.
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

/*
 * Sizing. How many measured operations a case should run:
 *   ctx->smoke            -> smoke_n (tiny: the smoke test runs every
 *                            suite in seconds, under sanitizers too);
 *   ctx->duration_s > 0   -> duration_s / ns_per_op, at least smoke_n
 *                            (ns_per_op: the suite's estimate of one
 *                            operation, ideally measured in its warm-up);
 *   otherwise             -> dflt.
 */
uint64_t tl_bench_iters(const tl_bench_ctx_t *ctx, uint64_t dflt,
			uint64_t smoke_n, double ns_per_op);

/* The CPU for role 0 (engine side) or 1 (peer side): ctx->cpus[role]
 * when given, else dflt (-1: unpinned). */
int tl_bench_role_cpu(const tl_bench_ctx_t *ctx, int role, int dflt);

/*
 * A fresh scratch directory DIR/tmp/<prefix>-XXXXXX (ctx->outdir/tmp,
 * created if missing; $TMPDIR or /tmp when ctx->outdir is NULL) into
 * buf. Returns 0, or -1 with a message on stderr.
 */
int tl_bench_scratch(const tl_bench_ctx_t *ctx, const char *prefix,
		     char *buf, size_t len);

/* Remove a scratch directory and the plain files in it (one level).
 * Returns 0, or -1 when something could not be removed. */
int tl_bench_rmdir(const char *dir);

/* The suites' entry points (bench/<name>.c; registered in bench/suites.c
 * in this order). */
int tl_bench_suite_floor(const tl_bench_ctx_t *ctx);
int tl_bench_suite_ring(const tl_bench_ctx_t *ctx);
int tl_bench_suite_kernel(const tl_bench_ctx_t *ctx);
int tl_bench_suite_engine(const tl_bench_ctx_t *ctx);
int tl_bench_suite_io(const tl_bench_ctx_t *ctx);
int tl_bench_suite_rtt(const tl_bench_ctx_t *ctx);
int tl_bench_suite_journal(const tl_bench_ctx_t *ctx);
int tl_bench_suite_emergency(const tl_bench_ctx_t *ctx);
int tl_bench_suite_recovery(const tl_bench_ctx_t *ctx);
int tl_bench_suite_memory(const tl_bench_ctx_t *ctx);
int tl_bench_suite_peer(const tl_bench_ctx_t *ctx);

/* The suites (bench/suites.c). */
typedef struct tl_bench_suite {
	const char *name;    /* "rtt" */
	const char *what;    /* one line for --help */
	int (*run)(const tl_bench_ctx_t *ctx);
} tl_bench_suite_t;

extern const tl_bench_suite_t tl_bench_suites[];
extern const unsigned tl_bench_nsuites;

#endif /* TL_BENCH_SUITE_H */
