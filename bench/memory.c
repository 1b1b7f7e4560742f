/*
 * memory.c - suite `memory`: peak resident memory (VmHWM) while orders
 * are processed by the running engine, to show that it does not grow
 * with the number of orders (every table in the order path is fixed-size
 * and recycled).
 *
 *   memory.rss_after_1k     peak RSS (bytes) after 1,000 orders
 *   memory.rss_after_1m     ... after 1,000,000 orders: every fixed table
 *                           (65,536 kernel order slots, 131,072 trade
 *                           ids, the rings) has turned over many times
 *   memory.rss_after_10m    ... after 10,000,000 orders
 *   memory.rss_growth       rss_after_10m - rss_after_1k (bytes)
 *   memory.rss_growth_steady  rss_after_10m - rss_after_1m (bytes); the
 *                           suite fails when this exceeds 1 MiB
 *                           (MEM_TOLERANCE): a leak per order would
 *                           show here over 9M orders
 * --smoke: 1k, 10k and 100k orders (names follow: rss_after_10k,
 * rss_after_100k). --duration is ignored: the sizes are the point.
 *
 * What processes the orders: the engine as `talon run` runs it (ENGINE
 * and IO threads, the command, request, venue-input and event rings, the
 * kernel, the paper venue; journal off, no shm block), driven by this
 * thread as the strategy: MARKET orders of 0.100 on four symbols,
 * alternating buy and sell per symbol, at most MEM_WINDOW in flight (the
 * exchangeInfo's MAX_NUM_ORDERS is 200 per symbol), each counted when its
 * ORDER_FILLED event arrives. Orders the engine refuses for backpressure
 * (its rings above the high-water mark) are sent again and counted
 * ("backpressure"); any other refusal, rejection or failure fails the
 * suite, as does a fill count that is not exactly one per order. ENGINE
 * and IO idle "sleep" 20 us on CPUs A and B (--cpus, default 0 and 1):
 * with "spin" the strategy thread fights two spinning agents for 2 cores
 * and 10M orders take minutes; with "sleep" about 400k orders/s, 10M in
 * 25 s here (with other work on the machine). Kernel tables as a long-running engine would set
 * them (order_capacity 65,536, trade_capacity 131,072); rate and risk
 * limits off (they would refuse this rate).
 *
 * Measuring the peak of this run only. VmHWM is the peak of the whole
 * process: `talon bench` runs each suite in a child of the talon process
 * (cli/cmd_bench.c), which inherits the parent's pages, and a driver that
 * runs several suites in one process (a test, a throwaway main) carries
 * the peaks of earlier suites. So the measurement runs in a fork()ed
 * child of its own, which (a) writes "5" to /proc/self/clear_refs,
 * resetting VmHWM to the current RSS (Linux >= 4.0; checked on this
 * machine: a 218 MB peak read 13 MB after the reset), and (b) exits
 * afterwards, so the engine's tables never touch the caller's memory.
 * Without a writable clear_refs the child's VmHWM starts at the RSS
 * inherited at fork (the parent's current RSS, not its peak); the lines
 * then say "hwm_reset":false. Each line also carries the RSS at the
 * start ("baseline"): the absolute values include the talon binary and
 * whatever the parent had mapped; the growth lines are what matters.
 * (Resetting in place, without the fork, would be enough for the peak
 * but would leave the engine's freed tables in the caller's heap, and
 * the engine's threads would outlive nothing of the caller's.)
 *
 * Output: value lines (unit "bytes", mode batch) through tl_bench_emit,
 * with "orders", "pipeline", "baseline", "hwm_reset", "order_cap",
 * "trade_cap", "backpressure".
 * Command: talon bench --suite memory [--smoke] [--cpus A,B]
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench/support/benchutil.h"
#include "bench/support/engsetup.h"
#include "bench/support/suite.h"
#include "runtime/engine.h"
#include "io/paper/config.h"

#define MEM_ORDER_CAP 65536u
#define MEM_TRADE_CAP 131072u
#define MEM_TOLERANCE (1024.0 * 1024.0)   /* bytes of steady growth allowed */
#define MEM_WINDOW 600                    /* orders in flight: 150 per symbol */
#define MEM_NSYM 4                        /* MAX_NUM_ORDERS 200 each */
#define MEM_STALL_NS (10LL * 1000000000LL) /* no progress this long: fail */
#define MEM_NAP_NS 20000                  /* idle poll: 20 us */

/* What the child sends back through the pipe. */
typedef struct mem_result {
	int ok;                   /* 1, or 0 with `why` */
	int hwm_reset;            /* clear_refs worked */
	uint64_t orders[3];       /* the three measuring points */
	uint64_t hwm[3];          /* VmHWM in bytes at each point */
	uint64_t baseline;        /* VmRSS at the start, bytes */
	uint64_t backpressure;    /* submits refused for backpressure, resent */
	double seconds;           /* processing time for all orders */
	char why[320];
} mem_result_t;

/* "VmHWM:" or "VmRSS:" of /proc/self/status, in bytes; 0 if absent. */
static uint64_t mem_status(const char *key)
{
	FILE *f = fopen("/proc/self/status", "r");
	if (!f)
		return 0;
	char line[256];
	uint64_t kb = 0;
	size_t kl = strlen(key);
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, kl)) {
			kb = strtoull(line + kl, NULL, 10);
			break;
		}
	fclose(f);
	return kb * 1024;
}

static bool mem_reset_hwm(void)
{
	FILE *f = fopen("/proc/self/clear_refs", "w");
	if (!f)
		return false;
	bool ok = fputs("5", f) >= 0;
	return fclose(f) == 0 && ok;
}

static void mem_nap(void)
{
	struct timespec ts = { 0, MEM_NAP_NS };
	nanosleep(&ts, NULL);
}

/* exchangeInfo with MEM_NSYM symbols SYM00USDT.. (filters as on Binance
 * USD-M, tick 0.01, step 0.001, min notional 5). */
static int mem_write_xinfo(const char *path)
{
	FILE *f = fopen(path, "w");
	if (!f)
		return -1;
	tl_bench_xinfo_write(f, MEM_NSYM);
	return fclose(f);
}

static void mem_cfg(tl_config_t *c, const char *xinfo, int cpu_e, int cpu_i)
{
	tl_config_defaults(c);
	snprintf(c->exchange_info, sizeof(c->exchange_info), "%s", xinfo);
	snprintf(c->name, sizeof(c->name), "bench-mem-%d", (int)getpid());
	c->n_symbols = MEM_NSYM;
	tl_paper_cfg(c)->n_start = MEM_NSYM;
	for (int i = 0; i < MEM_NSYM; i++) {
		snprintf(c->symbols[i], sizeof(c->symbols[i]), "SYM%02dUSDT", i);
		memcpy(tl_paper_cfg(c)->start[i].symbol, c->symbols[i], sizeof(c->symbols[i]));
		tl_paper_cfg(c)->start[i].price = 100 * TL_FX_ONE;
	}
	c->engine = (tl_agent_cfg_t){ .cpu = cpu_e, .idle = TL_IDLE_SLEEP, .idle_us = 20, .timer_slack_ns = 1 };
	c->io = (tl_agent_cfg_t){ .cpu = cpu_i, .idle = TL_IDLE_SLEEP, .idle_us = 20, .timer_slack_ns = 1 };
	tl_paper_cfg(c)->latency_ns = 0;
	tl_paper_cfg(c)->mark_interval_ns = 3600LL * 1000000000LL;   /* marks stay put */
	tl_paper_cfg(c)->balance = 100000000LL * TL_FX_ONE;
	c->kernel.order_cap = MEM_ORDER_CAP;
	c->kernel.trade_cap = MEM_TRADE_CAP;
	tl_bench_cfg_unlimited(c);
}

/* The strategy's side of the run. An order refused for backpressure
 * never entered the engine: it leaves the window and a new one is sent
 * in its place, so `sent - backpressure` orders were taken. */
typedef struct mem_drive {
	tl_engine_t *e;
	uint64_t sent, filled, backpressure;
	char why[256];
} mem_drive_t;

static int mem_submit(mem_drive_t *d, uint64_t i)
{
	char sym[TL_SYMBOL_NAMELEN];
	snprintf(sym, sizeof(sym), "SYM%02dUSDT", (int)((i >> 1) % MEM_NSYM));
	tl_order_spec_t s = { .symbol = sym, .side = (i & 1) ? TL_SIDE_SELL : TL_SIDE_BUY,
			      .type = TL_ORDER_MARKET, .qty = "0.100" };
	return tl_engine_submit(d->e, &s, i + 1);
}

/* Drain events: the number read, or -1 (why set) on anything but fills,
 * backpressure refusals and progress. */
static int mem_poll(mem_drive_t *d)
{
	tl_event_t ev[256];
	int m = tl_engine_poll_kernel(d->e, ev, 256);
	for (int k = 0; k < m; k++) {
		const tl_event_t *x = &ev[k];
		if (x->type == TL_EV_ORDER_FILLED) {
			d->filled++;
		} else if (x->type == TL_EV_ORDER_REJECTED &&
			   x->u.order.reject == TL_REJ_BACKPRESSURE) {
			d->backpressure++;
		} else if (x->type == TL_EV_ORDER_REJECTED || x->type == TL_EV_ORDER_FAILED ||
			   x->type == TL_EV_ORDER_EXPIRED || x->type == TL_EV_ORDER_CANCELED) {
			snprintf(d->why, sizeof(d->why), "order %llu %s: %s",
				 (unsigned long long)x->u.order.user_ref,
				 tl_event_name(x->type), x->text);
			return -1;
		}
	}
	return m;
}

/* Keep MEM_WINDOW orders in flight until `upto` orders are filled (and
 * none is left in flight). 0, or -1 with why. */
static int mem_drive(mem_drive_t *d, uint64_t upto)
{
	int64_t last = tl_bench_now_ns();
	uint64_t seen = d->filled;
	while (d->filled < upto) {
		while (d->sent - d->backpressure - d->filled < MEM_WINDOW &&
		       d->sent - d->backpressure < upto) {
			if (mem_submit(d, d->sent) != 0)
				break;       /* -EAGAIN: command ring full */
			d->sent++;
		}
		int m = mem_poll(d);
		if (m < 0)
			return -1;
		if (d->filled != seen) {
			seen = d->filled;
			last = tl_bench_now_ns();
		} else if (tl_bench_now_ns() - last > MEM_STALL_NS) {
			snprintf(d->why, sizeof(d->why), "no fill for 10 s (%llu sent, %llu filled)",
				 (unsigned long long)d->sent, (unsigned long long)d->filled);
			return -1;
		} else if (m == 0) {
			mem_nap();
		}
	}
	if (d->filled != upto || d->sent - d->backpressure != upto) {
		snprintf(d->why, sizeof(d->why), "%llu fills for %llu orders taken",
			 (unsigned long long)d->filled,
			 (unsigned long long)(d->sent - d->backpressure));
		return -1;
	}
	return 0;
}

/* Until a symbol's first MARK reaches the kernel its orders are refused:
 * per symbol, a MARKET buy/sell pair (user_ref 0) until both fill. */
static int mem_prime(mem_drive_t *d)
{
	int64_t end = tl_bench_now_ns() + MEM_STALL_NS;
	char sym[TL_SYMBOL_NAMELEN];
	for (int i = 0; i < MEM_NSYM; i++)
		for (int k = 0; k < 2; k++) {
			snprintf(sym, sizeof(sym), "SYM%02dUSDT", i);
			tl_order_spec_t s = { .symbol = sym, .side = k ? TL_SIDE_SELL : TL_SIDE_BUY,
					      .type = TL_ORDER_MARKET, .qty = "0.100" };
			for (bool filled = false; !filled;) {
				if (tl_engine_submit(d->e, &s, 0) != 0) {
					mem_nap();
					continue;
				}
				int rc = tl_bench_await_fill(d->e, end, MEM_NAP_NS);
				if (rc < 0) {
					snprintf(d->why, sizeof(d->why), "prime: no fill on %s", sym);
					return -1;
				}
				filled = rc > 0;
			}
		}
	return 0;
}

/* The child's work: fill *r. */
static void mem_child(const uint64_t pts[3], const char *xinfo, int cpu_e, int cpu_i,
		      mem_result_t *r)
{
	char err[256];
	memset(r, 0, sizeof(*r));
	r->hwm_reset = mem_reset_hwm();
	r->baseline = mem_status("VmRSS:");
	tl_config_t *c = malloc(sizeof(*c));
	mem_drive_t d;
	memset(&d, 0, sizeof(d));
	if (!c) {
		snprintf(r->why, sizeof(r->why), "out of memory");
		return;
	}
	mem_cfg(c, xinfo, cpu_e, cpu_i);
	tl_engine_xopts_t eo = { .no_shm = true };
	d.e = tl_engine_create(c, &eo, err, sizeof(err));
	if (!d.e || tl_engine_start(d.e, err, sizeof(err)) < 0) {
		snprintf(r->why, sizeof(r->why), "engine: %s", err);
		goto out;
	}
	if (mem_prime(&d) < 0) {
		snprintf(r->why, sizeof(r->why), "%s", d.why);
		goto out;
	}
	d.filled = 0;
	int64_t t0 = tl_bench_now_ns();
	for (int p = 0; p < 3; p++) {
		if (mem_drive(&d, pts[p]) < 0) {
			snprintf(r->why, sizeof(r->why), "%s", d.why);
			goto out;
		}
		r->orders[p] = d.filled;
		r->hwm[p] = mem_status("VmHWM:");
	}
	r->seconds = (double)(tl_bench_now_ns() - t0) / 1e9;
	r->backpressure = d.backpressure;
	if (!r->hwm[0] || !r->baseline)
		snprintf(r->why, sizeof(r->why), "/proc/self/status has no VmHWM/VmRSS");
	else
		r->ok = 1;
out:
	if (d.e)
		tl_engine_close(d.e);
	free(c);
}

/* Run mem_child in a fork()ed child; 0 with *r filled, or -1. */
static int mem_fork(const uint64_t pts[3], const char *xinfo, int cpu_e, int cpu_i,
		    mem_result_t *r)
{
	int fd[2];
	if (pipe(fd) < 0) {
		fprintf(stderr, "bench memory: pipe: %s\n", strerror(errno));
		return -1;
	}
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		fprintf(stderr, "bench memory: fork: %s\n", strerror(errno));
		close(fd[0]);
		close(fd[1]);
		return -1;
	}
	if (pid == 0) {
		close(fd[0]);
		mem_result_t res;
		mem_child(pts, xinfo, cpu_e, cpu_i, &res);
		ssize_t w = write(fd[1], &res, sizeof(res));
		_exit(w == (ssize_t)sizeof(res) ? 0 : 1);
	}
	close(fd[1]);
	size_t got = 0;
	while (got < sizeof(*r)) {
		ssize_t n = read(fd[0], (char *)r + got, sizeof(*r) - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd[0]);
	int st = 0;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (got != sizeof(*r) || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		fprintf(stderr, "bench memory: the measuring child failed (status %d)\n", st);
		return -1;
	}
	return 0;
}

static void mem_count_name(char *buf, size_t len, uint64_t n)
{
	if (n >= 1000000 && n % 1000000 == 0)
		snprintf(buf, len, "%llum", (unsigned long long)(n / 1000000));
	else if (n >= 1000 && n % 1000 == 0)
		snprintf(buf, len, "%lluk", (unsigned long long)(n / 1000));
	else
		snprintf(buf, len, "%llu", (unsigned long long)n);
}

static void mem_line(const char *bench, double value, uint64_t orders,
		     const mem_result_t *r, const char *cpu, const char *to)
{
	char extra[320];
	snprintf(extra, sizeof(extra), "\"orders\":%llu,\"pipeline\":\"engine (paper venue)\","
		 "\"baseline\":%llu,\"hwm_reset\":%s,\"order_cap\":%u,\"trade_cap\":%u,"
		 "\"backpressure\":%llu",
		 (unsigned long long)orders, (unsigned long long)r->baseline,
		 r->hwm_reset ? "true" : "false", MEM_ORDER_CAP, MEM_TRADE_CAP,
		 (unsigned long long)r->backpressure);
	tl_bench_line_t l = {
		.bench = bench, .unit = "bytes", .value = value,
		.mode = TL_BENCH_BATCH, .threads = 3, .cpu = cpu,
		.from = "fork + VmHWM reset (clear_refs 5)", .to = to, .extra = extra,
	};
	tl_bench_emit(&l);
}

int tl_bench_suite_memory(const tl_bench_ctx_t *ctx)
{
	const uint64_t full[3] = { 1000, 1000000, 10000000 };
	const uint64_t smoke[3] = { 1000, 10000, 100000 };
	const uint64_t *pts = ctx->smoke ? smoke : full;
	char dir[200], xinfo[TL_PATH_MAX], cpu[32];
	mem_result_t r;
	int rc = -1;
	bool pin = sysconf(_SC_NPROCESSORS_ONLN) >= 2;
	int cpu_e = pin ? tl_bench_role_cpu(ctx, 0, 0) : -1;
	int cpu_i = pin ? tl_bench_role_cpu(ctx, 1, 1) : -1;
	tl_bench_cpu_text(cpu, sizeof(cpu), cpu_e, cpu_i);

	if (tl_bench_scratch(ctx, "memory", dir, sizeof(dir)) < 0)
		return -1;
	snprintf(xinfo, sizeof(xinfo), "%s/xinfo.json", dir);
	if (mem_write_xinfo(xinfo) != 0) {
		fprintf(stderr, "bench memory: cannot write %s\n", xinfo);
		goto out;
	}
	if (mem_fork(pts, xinfo, cpu_e, cpu_i, &r) < 0)
		goto out;
	if (!r.ok) {
		fprintf(stderr, "bench memory: %s\n", r.why);
		goto out;
	}
	if (!r.hwm_reset)
		fprintf(stderr, "bench memory: /proc/self/clear_refs not writable; "
			"VmHWM counts from the RSS at fork\n");
	fprintf(stderr, "bench memory: %llu orders through the engine in %.1f s "
		"(%.0f orders/s, %llu resent after backpressure); VmHWM %llu / %llu / %llu bytes\n",
		(unsigned long long)r.orders[2], r.seconds, (double)r.orders[2] / r.seconds,
		(unsigned long long)r.backpressure, (unsigned long long)r.hwm[0],
		(unsigned long long)r.hwm[1], (unsigned long long)r.hwm[2]);
	char name[64], cnt[24], to[96];
	for (int p = 0; p < 3; p++) {
		mem_count_name(cnt, sizeof(cnt), r.orders[p]);
		snprintf(name, sizeof(name), "memory.rss_after_%s", cnt);
		snprintf(to, sizeof(to), "VmHWM after %llu MARKET orders filled",
			 (unsigned long long)r.orders[p]);
		mem_line(name, (double)r.hwm[p], r.orders[p], &r, cpu, to);
	}
	double growth = (double)r.hwm[2] - (double)r.hwm[0];
	double steady = (double)r.hwm[2] - (double)r.hwm[1];
	mem_line("memory.rss_growth", growth, r.orders[2], &r, cpu,
		 "VmHWM after the last point minus after the first");
	mem_line("memory.rss_growth_steady", steady, r.orders[2], &r, cpu,
		 "VmHWM after the last point minus after the middle one");
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
	/* A sanitizer's allocator (quarantine, shadow, per-thread caches)
	 * grows on its own: the lines are written, the check is not made. */
	if (steady > MEM_TOLERANCE)
		fprintf(stderr, "bench memory: sanitizer build, growth of %.0f bytes "
			"not checked\n", steady);
	steady = 0;
#endif
	if (steady > MEM_TOLERANCE) {
		fprintf(stderr, "bench memory: peak RSS grew by %.0f bytes between %llu "
			"and %llu orders (tolerance %.0f)\n", steady,
			(unsigned long long)r.orders[1], (unsigned long long)r.orders[2],
			MEM_TOLERANCE);
		goto out;
	}
	rc = 0;
out:
	tl_bench_rmdir(dir);
	return rc;
}
