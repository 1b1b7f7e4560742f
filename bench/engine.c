/*
 * engine.c - strategy submit -> venue request handed over by the IO
 * thread, through the running engine (real ENGINE and IO threads, real
 * ck rings, the paper venue).
 *
 *   engine.submit_to_request        engine and IO agents idle "spin",
 *                                   pinned to CPU 0 and CPU 1
 *   engine.submit_to_request.journal_async
 *                                   the same with the journal on
 *                                   (journal.mode "async", sync NORMAL):
 *                                   every record also goes to the journal
 *                                   ring, a PERSIST thread commits it
 *   engine.submit_to_request.journal_strict
 *                                   journal.mode "strict": the request
 *                                   reaches IO only once its records are
 *                                   committed (a SQLite commit per sample
 *                                   in this closed loop)
 *   engine.submit_to_request.journal_ratio
 *                                   p50 and p99 of the two journal cases
 *                                   over the journal-off case of the same
 *                                   run (unit "ratio")
 *   engine.submit_to_request.sleep  the same with idle "sleep" 50 us (the
 *                                   default config; 2-core friendly)
 *
 * Method. The engine is created (tl_engine_create, no_shm) and, before
 * tl_engine_start, its paper venue's ops table is swapped for a copy whose
 * submit() first reads CLOCK_MONOTONIC_RAW, then calls the paper venue's
 * own submit. That is the moment the IO thread hands the kernel's REQ_NEW
 * to the venue adapter (what a network adapter would start serialising).
 * Before timing, a buy/sell pair is retried until it fills (the kernel
 * refuses orders until the venue's first MARK has arrived). The strategy
 * (main thread) takes t0 just before tl_engine_submit of a MARKET order
 * (BTCUSDT 0.010, alternating BUY/SELL so the position stays within one
 * lot) and records (t_venue - t0). The loop is closed: the next order goes
 * only after the venue has seen the previous one, so exactly one request
 * is in flight and the venue's timestamp pairs with the single outstanding
 * t0 (the previous order's fill may still be on its way back; events are
 * drained after every sample, and at the end every order must have
 * filled). Each sample is: API parse + command ring push, the ENGINE
 * thread noticing it (its idle strategy), the kernel's pre-trade checks
 * and order creation, journal-before-request ordering, the request ring
 * push, the IO thread noticing it (its idle strategy), and the venue call.
 * The first 10 % of samples (at least 100) are warm-up, not recorded.
 *
 * Threads: 3 (strategy, ENGINE, IO). On this 2-core machine the strategy
 * (unpinned; it blocks in a 20 us nanosleep between checks, so a spinning
 * agent on its core gets the CPU back) shares a core with a pinned agent:
 * the sample includes the strategy getting off that core after its push,
 * and with "spin" the scheduler decides when the agent on that core runs
 * again, which shows in the tail (p99 and up are scheduler time slices).
 * sched_yield instead of nanosleep gave a lower p50 but ~4 ms of wall
 * time per sample (the spinning agent keeps its whole slice). "cpu" is
 * the ENGINE thread's CPU (0) when both agents were pinned, else -1 (no
 * pinning is attempted with fewer than 2 CPUs).
 *
 * Journal cases. Same settings as the first case (spin, pinned), with
 * journal.path in a fresh directory under $TMPDIR (default /tmp), deleted
 * after the case; the PERSIST thread is not pinned, so on 2 CPUs it
 * competes with the two spinning agents and the strategy (4 threads):
 * the ratio is what turning the journal on costs on this machine, not
 * SQLite's cost alone. The cases run in the order off, async, strict,
 * sleep, one engine each.
 *
 * Output: one JSON line per case on stdout, the fields of
 * bench/support/benchutil.h plus "idle" and "note" ("journal" too), and
 * the ratio line.
 * Command: make bench BENCHES=engine
 *      or: build/bench/engine [--n N]   (N default 20000 per case)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bench/support/benchutil.h"
#include "bench/support/hist.h"
#include "io/engine.h"
#include "io/paper.h"
#include "persist/journal.h"

#define ENG_N_DEFAULT 20000
#define ENG_WAIT_NS (5LL * 1000000000LL)   /* a stuck order aborts the run */

/* Shared between the strategy (main) and the IO thread's wrapped submit. */
static const tl_venue_ops_t *eng_paper_ops;
static tl_venue_ops_t eng_wrap_ops;
static _Atomic int64_t eng_t0;          /* strategy: just before submit */
static _Atomic int64_t eng_delta;       /* IO: t_venue - t0 of the last */
static _Atomic uint64_t eng_seen;       /* IO: REQ_NEWs handed over */
static _Atomic int eng_io_cpu = -2;     /* IO: its single allowed CPU, -1 */

static _Noreturn void eng_die(const char *msg)
{
	fprintf(stderr, "bench engine: %s\n", msg);
	exit(1);
}

/* The CPU the calling thread is confined to, or -1 if it may run on more
 * than one. */
static int eng_thread_cpu(pthread_t t)
{
	cpu_set_t set;
	CPU_ZERO(&set);
	if (pthread_getaffinity_np(t, sizeof(set), &set) != 0 || CPU_COUNT(&set) != 1)
		return -1;
	for (int c = 0; c < CPU_SETSIZE; c++)
		if (CPU_ISSET(c, &set))
			return c;
	return -1;
}

static int eng_wrap_submit(tl_venue_t *v, const tl_out_req_t *req, tl_time_t now)
{
	int64_t t = tl_bench_now_ns();
	int64_t t0 = atomic_load_explicit(&eng_t0, memory_order_acquire);
	atomic_store_explicit(&eng_delta, t - t0, memory_order_relaxed);
	if (atomic_load_explicit(&eng_io_cpu, memory_order_relaxed) == -2)
		atomic_store_explicit(&eng_io_cpu, eng_thread_cpu(pthread_self()),
				      memory_order_relaxed);
	atomic_fetch_add_explicit(&eng_seen, 1, memory_order_release);
	return eng_paper_ops->submit(v, req, now);
}

/* Block briefly: a spinning agent sharing this core gets it back at
 * once, and the wake-up preempts it when the strategy has work. */
static void eng_nap(void)
{
	struct timespec ts = { 0, 20000 };
	nanosleep(&ts, NULL);
}

/* Take every pending event; returns the fills among them. A refused or
 * failed order ends the run: its latency would not be a submit's. */
static uint64_t eng_drain(tl_engine_t *e)
{
	tl_event_t ev[64];
	uint64_t fills = 0;
	int m;
	do {
		m = tl_engine_poll(e, ev, 64);
		for (int k = 0; k < m; k++) {
			if (ev[k].type == TL_EV_ORDER_FILLED) {
				fills++;
			} else if (ev[k].type == TL_EV_ORDER_REJECTED ||
				   ev[k].type == TL_EV_ORDER_FAILED) {
				fprintf(stderr, "bench engine: order %llu: %s %s\n",
					(unsigned long long)ev[k].u.order.user_ref,
					tl_event_name(ev[k].type), ev[k].text);
				exit(1);
			}
		}
	} while (m == 64);
	return fills;
}

/* Journal modes of a case. */
enum { ENG_JOURNAL_OFF = 0, ENG_JOURNAL_ASYNC, ENG_JOURNAL_STRICT };

static void eng_print(const char *bench, const tl_hist_t *h, int cpu,
		      const char *idle, const char *note)
{
	tl_bench_print_open(bench, h, 3, cpu);
	fputs(",\"idle\":", stdout);
	tl_bench_json_str(stdout, idle);
	fputs(",\"note\":", stdout);
	tl_bench_json_str(stdout, note);
	tl_bench_print_close();
}

static void eng_cfg(tl_config_t *c, tl_idle_t idle, bool pin)
{
	tl_config_defaults(c);
	snprintf(c->exchange_info, sizeof(c->exchange_info), "config/exchange_info.json");
	c->engine.idle = idle;
	c->engine.idle_us = 50;
	c->engine.cpu = pin ? 0 : -1;
	c->io.idle = idle;
	c->io.idle_us = 50;
	c->io.cpu = pin ? 1 : -1;
	c->paper.latency_ns = 0;
	c->paper.mark_interval_ns = 3600LL * 1000000000LL;   /* no random walk */
	c->paper.balance = 100000000LL * TL_FX_ONE;          /* fees never bind */
	c->kernel.rate_10s = 0;                              /* closed loop: */
	c->kernel.rate_1m = 0;                               /* no rate limit */
}

/* The kernel refuses orders until the venue's first MARK has arrived:
 * buy and sell once, retrying refusals, before anything is timed. */
static void eng_prime(tl_engine_t *e)
{
	int64_t end = tl_bench_now_ns() + ENG_WAIT_NS;
	for (int k = 0; k < 2; k++) {
		tl_order_spec_t spec = { .symbol = "BTCUSDT", .side = k ? TL_SELL : TL_BUY,
					 .type = TL_ORD_MARKET, .qty = "0.010" };
		bool filled = false;
		while (!filled) {
			if (tl_engine_submit(e, &spec, 0) != 0)
				eng_die("prime: submit failed");
			for (bool done = false; !done;) {
				tl_event_t ev;
				if (tl_bench_now_ns() > end)
					eng_die("prime: no fill within 5 s");
				if (tl_engine_poll(e, &ev, 1) == 0) {
					eng_nap();
					continue;
				}
				if (ev.type == TL_EV_ORDER_FILLED)
					done = filled = true;
				else if (ev.type == TL_EV_ORDER_REJECTED)
					done = true;	/* no mark yet: again */
			}
		}
	}
}

/* A fresh directory for a journal; "" when jmode is off. */
static void eng_jdir(int jmode, char *dir, size_t len, tl_config_t *c)
{
	dir[0] = '\0';
	if (jmode == ENG_JOURNAL_OFF)
		return;
	const char *t = getenv("TMPDIR");
	int m = snprintf(dir, len, "%s/talon-bench-XXXXXX", t && *t ? t : "/tmp");
	if (m < 0 || (size_t)m >= len || !mkdtemp(dir))
		eng_die("cannot create a temporary journal directory");
	m = snprintf(c->journal_path, sizeof(c->journal_path), "%s/journal.db", dir);
	if (m < 0 || (size_t)m >= sizeof(c->journal_path))
		eng_die("temporary journal path too long");
	c->journal_strict = jmode == ENG_JOURNAL_STRICT;
	c->journal_sync_full = 0;
}

static void eng_jdir_remove(const char *dir)
{
	static const char *const files[] = { "journal.db", "journal.db-wal",
					     "journal.db-shm" };
	char p[512];
	if (!dir[0])
		return;
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		int m = snprintf(p, sizeof(p), "%s/%s", dir, files[i]);
		if (m > 0 && (size_t)m < sizeof(p))
			unlink(p);
	}
	if (rmdir(dir) < 0)
		fprintf(stderr, "bench engine: cannot remove %s\n", dir);
}

/* Run one case; returns the CPU to report. */
static int eng_case(tl_idle_t idle, bool pin, uint64_t n, tl_hist_t *h, int jmode)
{
	tl_config_t c;
	char err[512], jdir[200];
	eng_cfg(&c, idle, pin);
	eng_jdir(jmode, jdir, sizeof(jdir), &c);
	tl_engine_opts_t o = { .no_shm = true };
	tl_engine_t *e = tl_engine_create(&c, &o, err, sizeof(err));
	if (!e)
		eng_die(err);
	tl_venue_t *v = tl_engine_venue(e);
	eng_paper_ops = v->ops;
	eng_wrap_ops = *v->ops;
	eng_wrap_ops.submit = eng_wrap_submit;
	v->ops = &eng_wrap_ops;      /* before start: the IO thread sees it */
	atomic_store(&eng_seen, 0);
	atomic_store(&eng_io_cpu, -2);
	if (tl_engine_start(e, err, sizeof(err)) < 0)
		eng_die(err);

	int64_t t_start = tl_bench_now_ns();
	uint64_t warm = n / 10 < 100 ? 100 : n / 10;
	uint64_t total = n + warm;
	uint64_t fills = 0;
	eng_prime(e);
	uint64_t seen0 = atomic_load(&eng_seen);
	tl_hist_init(h);
	for (uint64_t i = 0; i < total; i++) {
		tl_order_spec_t spec = { .symbol = "BTCUSDT",
					 .side = (i & 1) ? TL_SELL : TL_BUY,
					 .type = TL_ORD_MARKET, .qty = "0.010" };
		int64_t t0 = tl_bench_now_ns();
		atomic_store_explicit(&eng_t0, t0, memory_order_release);
		int rc = tl_engine_submit(e, &spec, i + 1);
		if (rc != 0)
			eng_die(rc == -EAGAIN ? "command ring full in a closed loop"
					      : tl_engine_error());
		/* Wait for the request at the venue, then for the fill. */
		int64_t end = t0 + ENG_WAIT_NS;
		while (atomic_load_explicit(&eng_seen, memory_order_acquire) < seen0 + i + 1) {
			if (tl_bench_now_ns() > end)
				eng_die("no venue request within 5 s");
			eng_nap();
		}
		int64_t d = atomic_load_explicit(&eng_delta, memory_order_relaxed);
		if (i >= warm)
			tl_hist_record(h, (uint64_t)(d > 0 ? d : 0));
		fills += eng_drain(e);
	}
	/* Every order must have filled (nothing refused, nothing lost). */
	int64_t end = tl_bench_now_ns() + ENG_WAIT_NS;
	while (fills < total) {
		uint64_t m = eng_drain(e);
		fills += m;
		if (!m) {
			if (tl_bench_now_ns() > end)
				eng_die("not every order filled within 5 s");
			eng_nap();
		}
	}
	pthread_t et;
	int ecpu = tl_engine_thread(e, &et) ? eng_thread_cpu(et) : -1;
	int iocpu = atomic_load(&eng_io_cpu);
	fprintf(stderr, "bench engine: %s%s: %llu orders in %.2f s\n", tl_idle_name(idle),
		jmode == ENG_JOURNAL_ASYNC ? " journal async" :
		jmode == ENG_JOURNAL_STRICT ? " journal strict" : "",
		(unsigned long long)total, (double)(tl_bench_now_ns() - t_start) / 1e9);
	tl_engine_stop(e);	/* the journal commits everything (idempotent) */
	struct tl_journal *jn = tl_engine_journal(e);
	if (jn) {
		const tl_journal_stats_t *js = tl_journal_stats(jn);
		if (atomic_load(&js->failed))
			eng_die("the journal failed to write");
		fprintf(stderr, "bench engine: journal: %llu records in %llu commits\n",
			(unsigned long long)atomic_load(&js->records),
			(unsigned long long)atomic_load(&js->commits));
	}
	tl_engine_close(e);
	eng_jdir_remove(jdir);
	return pin && ecpu == 0 && iocpu == 1 ? 0 : -1;
}

int main(int argc, char **argv)
{
	tl_bench_opts_t o = { .n = ENG_N_DEFAULT, .cpu = -1 };
	if (tl_bench_parse(argc, argv, &o) < 0)
		return 2;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	bool pin = ncpu >= 2;
	tl_hist_t *h = malloc(sizeof(*h));
	if (!h)
		eng_die("out of memory");

	const char *note = ncpu <= 2 ? "ENGINE cpu0 + IO cpu1 spin; strategy unpinned shares a core"
				     : "ENGINE cpu0 + IO cpu1 spin; strategy unpinned";
	const char *jnote = ncpu <= 2
		? "ENGINE cpu0 + IO cpu1 spin; strategy and PERSIST unpinned share the cores"
		: "ENGINE cpu0 + IO cpu1 spin; strategy and PERSIST unpinned";
	uint64_t p50[3], p99[3];
	static const char *const names[3] = { "engine.submit_to_request",
					       "engine.submit_to_request.journal_async",
					       "engine.submit_to_request.journal_strict" };
	for (int m = ENG_JOURNAL_OFF; m <= ENG_JOURNAL_STRICT; m++) {
		int cpu = eng_case(TL_IDLE_SPIN, pin, o.n, h, m);
		p50[m] = tl_hist_percentile(h, 50.0);
		p99[m] = tl_hist_percentile(h, 99.0);
		eng_print(names[m], h, cpu, "spin", m ? jnote : note);
	}
	printf("{\"bench\":\"engine.submit_to_request.journal_ratio\",\"unit\":\"ratio\","
	       "\"n\":%llu,\"async_over_off_p50\":%.2f,\"async_over_off_p99\":%.2f,"
	       "\"strict_over_off_p50\":%.2f,\"strict_over_off_p99\":%.2f,"
	       "\"off_p50\":%llu,\"off_p99\":%llu,\"idle\":\"spin\",\"sync\":\"normal\","
	       "\"machine\":",
	       (unsigned long long)o.n,
	       (double)p50[1] / (double)p50[0], (double)p99[1] / (double)p99[0],
	       (double)p50[2] / (double)p50[0], (double)p99[2] / (double)p99[0],
	       (unsigned long long)p50[0], (unsigned long long)p99[0]);
	tl_bench_json_str(stdout, tl_bench_machine());
	fputs("}\n", stdout);
	fflush(stdout);
	int cpu = eng_case(TL_IDLE_SLEEP, pin, o.n, h, ENG_JOURNAL_OFF);
	eng_print("engine.submit_to_request.sleep", h, cpu, "sleep 50us",
		  ncpu <= 2 ? "ENGINE cpu0 + IO cpu1 sleep 50us; strategy unpinned shares a core"
			    : "ENGINE cpu0 + IO cpu1 sleep 50us; strategy unpinned");
	free(h);
	return 0;
}
