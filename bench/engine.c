/*
 * engine.c - suite `engine`: strategy submit -> venue request handed over
 * by the IO thread, through the running engine (real ENGINE and IO
 * threads, real ck rings, the paper venue); and, as the other side's
 * counterpart, what the simulated exchange (`talon venue`) itself spends
 * per order.
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
 *                                   value = p50 of journal_async over the
 *                                   journal-off case of the same run (unit
 *                                   "ratio"); p99 and the strict ratios
 *                                   beside it
 *   engine.submit_to_request.sleep  the same with idle "sleep" 50 us (the
 *                                   default config; 2-core friendly), the
 *                                   agents' timer slack 1 ns (the default
 *                                   engine.timer_slack_ns)
 *   engine.submit_to_request.sleep_slack50us
 *                                   the same with Linux's default timer
 *                                   slack (50 us) on the agents
 *   engine.submit_to_request.slack_ratio
 *                                   value = p50 of sleep_slack50us over
 *                                   sleep (same run): what the slack key
 *                                   buys a sleeping engine
 *   engine.venue.order_server_side  the simulator's own cost per order:
 *                                   HTTP parse + signature check + filters
 *                                   + matching + JSON response of a signed
 *                                   POST /fapi/v1/order (MARKET, alternating
 *                                   BUY/SELL), in-process, no network; every
 *                                   response must be 200
 *   engine.venue.ping_rps           requests/s the simulator answers for
 *                                   GET /fapi/v1/ping over one keep-alive
 *                                   loopback connection, 32 pipelined at
 *                                   a time (server thread on --cpus B,
 *                                   client on A)
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
 * journal.path in a fresh directory under DIR/tmp (talon bench --out),
 * deleted after the case; the PERSIST thread is not pinned, so on 2 CPUs it
 * competes with the two spinning agents and the strategy (4 threads):
 * the ratio is what turning the journal on costs on this machine, not
 * SQLite's cost alone. The cases run in the order off, async, strict,
 * sleep, sleep with the default slack, one engine each.
 *
 * Pinning: ENGINE on --cpus A (default 0), IO on --cpus B (default 1);
 * "cpu" is "A,B" when both agents ran pinned there, else "none" (no
 * pinning is attempted with fewer than 2 CPUs).
 *
 * Output: one line per case through tl_bench_emit, plus "idle", "note"
 * and "backpressure" (orders the engine refused with "queues are full,
 * try again" - the journal ring above its high water while PERSIST,
 * unpinned beside two spinning agents on a 2-core box, catches up -
 * submitted again a millisecond later; the sample is from the accepted
 * submit); the ratio line.
 * Command: talon bench --suite engine [--duration S] [--cpus A,B]
 *   20000 orders per case (10 % warm-up on top); --duration S: about S
 *   seconds per case (estimated per case: 10 us per order with spin,
 *   200 us strict, 150 us sleep); --smoke: 200.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
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
#include "bench/support/suite.h"
#include "runtime/engine.h"
#include "io/paper/paper.h"
#include "persist/journal.h"
#include "sim/auth.h"
#include "sim/http.h"
#include "sim/rest.h"
#include "sim/server.h"

#define ENG_N_DEFAULT 20000
#define ENG_N_SMOKE 200
#define ENG_VENUE_N 200000       /* engine.venue.order_server_side */
#define ENG_VENUE_WARMUP 20000
/* A stuck order aborts the run. Generous: on this 2-core machine, with
 * other programs spinning on the same cores, single orders took more
 * than 5 s (journal async) and were then filled, nothing lost. */
#define ENG_WAIT_NS (30LL * 1000000000LL)

/* Shared between the strategy (main) and the IO thread's wrapped submit. */
static const tl_venue_ops_t *eng_paper_ops;
static tl_venue_ops_t eng_wrap_ops;
static _Atomic int64_t eng_t0;          /* strategy: just before submit */
static _Atomic int64_t eng_delta;       /* IO: t_venue - t0 of the last */
static _Atomic uint64_t eng_seen;       /* IO: REQ_NEWs handed over */
static _Atomic int eng_io_cpu = -2;     /* IO: its single allowed CPU, -1 */
static int eng_want[2] = { 0, 1 };      /* ENGINE, IO CPUs (--cpus) */
static const tl_bench_ctx_t *eng_ctx;

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
/* user_ref of the last order the engine refused with "queues are full,
 * try again" (TL_REJ_BACKPRESSURE: never sent), 0 none; such an order is
 * submitted again, as a strategy would. */
static uint64_t eng_refused_ref;
static uint64_t eng_backpressure;

static uint64_t eng_drain(tl_engine_t *e)
{
	tl_event_t ev[64];
	uint64_t fills = 0;
	int m;
	do {
		m = tl_engine_poll_kernel(e, ev, 64);
		for (int k = 0; k < m; k++) {
			if (ev[k].type == TL_EV_ORDER_FILLED) {
				fills++;
			} else if (ev[k].type == TL_EV_ORDER_REJECTED &&
				   ev[k].u.order.reject == TL_REJ_BACKPRESSURE) {
				eng_refused_ref = ev[k].u.order.user_ref;
				eng_backpressure++;
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
	char cpus[32], extra[512];
	tl_bench_cpu_text(cpus, sizeof cpus, cpu < 0 ? -1 : eng_want[0],
			  cpu < 0 ? -1 : eng_want[1]);
	FILE *m = fmemopen(extra, sizeof extra, "w");
	if (m) {
		fputs("\"idle\":", m);
		tl_bench_json_str(m, idle);
		fputs(",\"note\":", m);
		tl_bench_json_str(m, note);
		fprintf(m, ",\"backpressure\":%llu", (unsigned long long)eng_backpressure);
		fclose(m);
	} else {
		extra[0] = '\0';
	}
	tl_bench_emit(&(tl_bench_line_t){
		.bench = bench, .unit = "ns", .h = h, .mode = TL_BENCH_CLOSED,
		.threads = 3, .cpu = cpus,
		.from = "strategy: clock read just before tl_engine_submit (MARKET)",
		.to = "IO thread: clock read as it hands the REQ_NEW to the venue's submit()",
		.extra = extra,
	});
}

/* The agents' timer slack (engine.timer_slack_ns); the slack case sets
 * the Linux default to show what the config key buys. */
static uint32_t eng_slack_ns = 1;

static void eng_cfg(tl_config_t *c, tl_idle_t idle, bool pin)
{
	tl_config_defaults(c);
	snprintf(c->exchange_info, sizeof(c->exchange_info), "config/exchange_info.json");
	c->engine.idle = idle;
	c->engine.idle_us = 50;
	c->engine.cpu = pin ? eng_want[0] : -1;
	c->io.idle = idle;
	c->io.idle_us = 50;
	c->io.cpu = pin ? eng_want[1] : -1;
	c->engine.timer_slack_ns = c->io.timer_slack_ns = eng_slack_ns;
	tl_paper_cfg(c)->latency_ns = 0;
	tl_paper_cfg(c)->mark_interval_ns = 3600LL * 1000000000LL;   /* no random walk */
	tl_paper_cfg(c)->balance = 100000000LL * TL_FX_ONE;          /* fees never bind */
	/* Margin never binds at this balance; its walk of the open orders
	 * is not what is measured (and results stay comparable). */
	tl_paper_cfg(c)->check_margin = false;
	c->kernel.rate_10s = 0;                              /* closed loop: */
	c->kernel.rate_1m = 0;                               /* no rate limit */
}

/* The kernel refuses orders until the venue's first MARK has arrived:
 * buy and sell once, retrying refusals, before anything is timed. */
static void eng_prime(tl_engine_t *e)
{
	int64_t end = tl_bench_now_ns() + ENG_WAIT_NS;
	for (int k = 0; k < 2; k++) {
		tl_order_spec_t spec = { .symbol = "BTCUSDT", .side = k ? TL_SIDE_SELL : TL_SIDE_BUY,
					 .type = TL_ORDER_MARKET, .qty = "0.010" };
		bool filled = false;
		while (!filled) {
			if (tl_engine_submit(e, &spec, 0) != 0)
				eng_die("prime: submit failed");
			for (bool done = false; !done;) {
				tl_event_t ev;
				if (tl_bench_now_ns() > end)
					eng_die("prime: no fill within 30 s");
				if (tl_engine_poll_kernel(e, &ev, 1) == 0) {
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

/* A fresh directory for a journal under DIR/tmp; "" when jmode is off. */
static void eng_jdir(int jmode, char *dir, size_t len, tl_config_t *c)
{
	dir[0] = '\0';
	if (jmode == ENG_JOURNAL_OFF)
		return;
	if (tl_bench_scratch(eng_ctx, "engine-journal", dir, len) < 0)
		eng_die("cannot create a temporary journal directory");
	int m = snprintf(c->journal_path, sizeof(c->journal_path), "%s/journal.db", dir);
	if (m < 0 || (size_t)m >= sizeof(c->journal_path))
		eng_die("temporary journal path too long");
	c->journal_strict = jmode == ENG_JOURNAL_STRICT;
	c->journal_sync_full = 0;
}

static void eng_jdir_remove(const char *dir)
{
	if (dir[0] && tl_bench_rmdir(dir) < 0)
		fprintf(stderr, "bench engine: cannot remove %s\n", dir);
}

/* Run one case; returns the CPU to report. */
static int eng_case(tl_idle_t idle, bool pin, uint64_t n, tl_hist_t *h, int jmode)
{
	tl_config_t c;
	char err[512], jdir[4096];
	eng_cfg(&c, idle, pin);
	eng_jdir(jmode, jdir, sizeof(jdir), &c);
	tl_engine_xopts_t o = { .no_shm = true };
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
	eng_backpressure = 0;
	for (uint64_t i = 0; i < total; i++) {
		tl_order_spec_t spec = { .symbol = "BTCUSDT",
					 .side = (i & 1) ? TL_SIDE_SELL : TL_SIDE_BUY,
					 .type = TL_ORDER_MARKET, .qty = "0.010" };
		int64_t t0 = tl_bench_now_ns();
		atomic_store_explicit(&eng_t0, t0, memory_order_release);
		int rc = tl_engine_submit(e, &spec, i + 1);
		if (rc != 0)
			eng_die(rc == -EAGAIN ? "command ring full in a closed loop"
					      : tl_engine_error());
		/* Wait for the request at the venue, then for the fill. A
		 * refusal for back-pressure (the journal ring above its high
		 * water while PERSIST, unpinned beside two spinning agents on
		 * a 2-core box, catches up) is retried a millisecond later;
		 * the sample is then from the accepted submit. */
		int64_t end = t0 + ENG_WAIT_NS;
		eng_refused_ref = 0;
		while (atomic_load_explicit(&eng_seen, memory_order_acquire) < seen0 + i + 1) {
			if (tl_bench_now_ns() > end)
				eng_die("no venue request within 30 s");
			fills += eng_drain(e);
			if (eng_refused_ref == i + 1) {
				eng_refused_ref = 0;
				struct timespec ms = { 0, 1000000 };
				nanosleep(&ms, NULL);
				t0 = tl_bench_now_ns();
				atomic_store_explicit(&eng_t0, t0, memory_order_release);
				if (tl_engine_submit(e, &spec, i + 1) != 0)
					eng_die("command ring full in a closed loop");
				continue;
			}
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
				eng_die("not every order filled within 30 s");
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
	return pin && ecpu == eng_want[0] && iocpu == eng_want[1] ? 0 : -1;
}

/* ---- the simulator's side ------------------------------------------------ */

/* engine.venue.order_server_side: in-process, one thread. */
static int eng_venue_server_side(uint64_t n, uint64_t warm, int cpu)
{
	static tl_sim_config_t cfg;
	static tl_sim_venue_t v;
	static tl_sim_rest_t r;
	static char req[2048];
	const int64_t now = 1700000000000LL;
	uint64_t fails = 0;
	tl_hist_t *h = malloc(sizeof(*h));

	tl_sim_config_defaults(&cfg);
	cfg.sym[0].vol_bps = 0;
	cfg.weight_1m = cfg.orders_10s = cfg.orders_1m = 1000000000;
	cfg.max_trades_total = 1 << 20;
	if (!h || tl_sim_venue_init(&v, &cfg, now)) {
		fprintf(stderr, "bench engine: venue init failed\n");
		free(h);
		return -1;
	}
	if (tl_sim_rest_init(&r, &v)) {
		fprintf(stderr, "bench engine: venue rest init failed\n");
		tl_sim_venue_free(&v);
		free(h);
		return -1;
	}
	tl_hist_init(h);
	for (uint64_t i = 0; i < warm + n; i++) {
		char q[512], sig[65];
		tl_sim_http_req_t hr;
		tl_sim_resp_t resp;
		int qn = snprintf(q, sizeof q,
				  "symbol=BTCUSDT&side=%s&type=MARKET&quantity=0.002"
				  "&newOrderRespType=RESULT&timestamp=%lld",
				  i & 1 ? "SELL" : "BUY", (long long)now);
		tl_sim_hmac_hex(cfg.acct[0].api_secret, strlen(cfg.acct[0].api_secret),
				q, (size_t)qn, sig);
		int m = snprintf(req, sizeof req,
				 "POST /fapi/v1/order?%s&signature=%s HTTP/1.1\r\n"
				 "Host: x\r\nX-MBX-APIKEY: %s\r\n\r\n",
				 q, sig, cfg.acct[0].api_key);
		int64_t t0 = tl_bench_now_ns();
		if (tl_sim_http_parse(req, (size_t)m, &hr) > 0)
			tl_sim_rest_handle(&r, &hr, now, &resp);
		else
			resp.status = 0;
		int64_t t1 = tl_bench_now_ns();
		if (i >= warm)
			tl_hist_record(h, (uint64_t)(t1 - t0));
		fails += resp.status != 200;
	}
	tl_sim_rest_free(&r);
	tl_sim_venue_free(&v);
	int rc = 0;
	if (fails) {
		/* Every order must succeed, or this is the cost of an error. */
		fprintf(stderr, "bench engine: venue answered %llu of %llu orders "
			"with an error\n", (unsigned long long)fails,
			(unsigned long long)(warm + n));
		rc = -1;
	} else {
		char cpus[16];
		tl_bench_emit(&(tl_bench_line_t){
			.bench = "engine.venue.order_server_side", .unit = "ns", .h = h,
			.mode = TL_BENCH_CLOSED, .threads = 1,
			.cpu = tl_bench_cpu_text(cpus, sizeof cpus, cpu, -1),
			.from = "simulator: request bytes of a signed POST /fapi/v1/order in memory",
			.to = "HTTP parsed, signature checked, order matched, JSON response built",
		});
	}
	free(h);
	return rc;
}

typedef struct eng_srv {
	tl_sim_server_t *s;
	int cpu;             /* to pin to; becomes the pinned one */
} eng_srv_t;

static void *eng_serve(void *arg)
{
	eng_srv_t *srv = arg;
	srv->cpu = tl_bench_pin(srv->cpu);
	tl_sim_server_run(srv->s);
	return NULL;
}

/* engine.venue.ping_rps: pipelined pings over loopback for `secs`. */
static int eng_venue_ping(double secs, int cpu)
{
	static tl_sim_config_t cfg;
	static char buf[(1 << 16) + 3];
	const char one[] = "GET /fapi/v1/ping HTTP/1.1\r\nHost: x\r\n\r\n";
	char batch[sizeof one * 32];
	struct sockaddr_in sa = { .sin_family = AF_INET };
	eng_srv_t srv = { .cpu = eng_want[1] };
	pthread_t th;
	char err[256];
	long long done = 0;
	int flag = 1, rc = -1;

	tl_sim_config_defaults(&cfg);
	cfg.weight_1m = 1000000000;
	cfg.ws_enabled = false;
	srv.s = tl_sim_server_new(&cfg, err, sizeof err);
	if (!srv.s) {
		fprintf(stderr, "bench engine: venue: %s\n", err);
		return -1;
	}
	if (pthread_create(&th, NULL, eng_serve, &srv) != 0) {
		fprintf(stderr, "bench engine: pthread_create failed\n");
		tl_sim_server_free(srv.s);
		return -1;
	}
	for (int i = 0; i < 32; i++)
		memcpy(batch + i * (sizeof one - 1), one, sizeof one - 1);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	sa.sin_port = htons((uint16_t)tl_sim_server_port(srv.s, TL_SIM_PORT_REST));
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &flag, sizeof flag) < 0 ||
	    connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
		fprintf(stderr, "bench engine: venue: connect: %s\n", strerror(errno));
		goto out;
	}
	int64_t t0 = tl_bench_now_ns(), t1 = t0;
	const int64_t span = (int64_t)(secs * 1e9);
	do {
		int got = 0;
		if (send(fd, batch, 32 * (sizeof one - 1), MSG_NOSIGNAL) < 0) {
			fprintf(stderr, "bench engine: venue: send: %s\n", strerror(errno));
			goto out;
		}
		while (got < 32) { /* count status lines; 3 bytes carried over */
			ssize_t r = recv(fd, buf + 3, sizeof buf - 3, 0);
			if (r <= 0) {
				fprintf(stderr, "bench engine: venue closed the connection\n");
				goto out;
			}
			for (ssize_t k = 0; k + 3 < r + 3; k++)
				if (!memcmp(buf + k, "HTTP", 4))
					got++;
			memmove(buf, buf + r, 3);
		}
		done += 32;
		t1 = tl_bench_now_ns();
	} while (t1 - t0 < span);
	char cpus[32], extra[128];
	snprintf(extra, sizeof extra, "\"requests\":%lld,\"seconds\":%.3f,\"pipeline\":32",
		 done, (double)(t1 - t0) / 1e9);
	tl_bench_emit(&(tl_bench_line_t){
		.bench = "engine.venue.ping_rps", .unit = "requests/s",
		.value = (double)done * 1e9 / (double)(t1 - t0), .mode = TL_BENCH_BATCH,
		.threads = 2,
		.cpu = tl_bench_cpu_text(cpus, sizeof cpus, srv.cpu < 0 ? -1 : cpu,
					 cpu < 0 ? -1 : srv.cpu),
		.from = "client: first batch of 32 pipelined GET /fapi/v1/ping sent",
		.to = "last batch's 32 responses read; value = responses / elapsed",
		.extra = extra,
	});
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	tl_sim_server_stop(srv.s);
	pthread_join(th, NULL);
	tl_sim_server_free(srv.s);
	return rc;
}

/* ---- the suite ------------------------------------------------------------ */

int tl_bench_suite_engine(const tl_bench_ctx_t *ctx)
{
	eng_ctx = ctx;
	eng_want[0] = tl_bench_role_cpu(ctx, 0, 0);
	eng_want[1] = tl_bench_role_cpu(ctx, 1, 1);
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	bool pin = ncpu >= 2;
	tl_hist_t *h = malloc(sizeof(*h));
	if (!h)
		eng_die("out of memory");

	const char *note = ncpu <= 2 ? "ENGINE + IO pinned, spin; strategy unpinned shares a core"
				     : "ENGINE + IO pinned, spin; strategy unpinned";
	const char *jnote = ncpu <= 2
		? "ENGINE + IO pinned, spin; strategy and PERSIST unpinned share the cores"
		: "ENGINE + IO pinned, spin; strategy and PERSIST unpinned";
	/* --duration sizing: rough cost of one closed-loop order per case. */
	static const double est_ns[3] = { 10000, 12000, 200000 };
	uint64_t p50[3], p99[3], nn[3];
	char cpus[32] = "none";
	static const char *const names[3] = { "engine.submit_to_request",
					       "engine.submit_to_request.journal_async",
					       "engine.submit_to_request.journal_strict" };
	for (int m = ENG_JOURNAL_OFF; m <= ENG_JOURNAL_STRICT; m++) {
		nn[m] = tl_bench_iters(ctx, ENG_N_DEFAULT, ENG_N_SMOKE, est_ns[m]);
		int cpu = eng_case(TL_IDLE_SPIN, pin, nn[m], h, m);
		p50[m] = tl_hist_percentile(h, 50.0);
		p99[m] = tl_hist_percentile(h, 99.0);
		eng_print(names[m], h, cpu, "spin", m ? jnote : note);
		tl_bench_cpu_text(cpus, sizeof cpus, cpu < 0 ? -1 : eng_want[0],
				  cpu < 0 ? -1 : eng_want[1]);
	}
	char extra[512];
	snprintf(extra, sizeof extra,
		 "\"async_over_off_p50\":%.2f,\"async_over_off_p99\":%.2f,"
		 "\"strict_over_off_p50\":%.2f,\"strict_over_off_p99\":%.2f,"
		 "\"off_p50\":%llu,\"off_p99\":%llu,\"orders\":%llu,\"idle\":\"spin\","
		 "\"sync\":\"normal\"",
		 (double)p50[1] / (double)p50[0], (double)p99[1] / (double)p99[0],
		 (double)p50[2] / (double)p50[0], (double)p99[2] / (double)p99[0],
		 (unsigned long long)p50[0], (unsigned long long)p99[0],
		 (unsigned long long)nn[0]);
	tl_bench_emit(&(tl_bench_line_t){
		.bench = "engine.submit_to_request.journal_ratio", .unit = "ratio",
		.value = (double)p50[1] / (double)p50[0], .mode = TL_BENCH_CLOSED,
		.threads = 4, .cpu = cpus,
		.from = "engine.submit_to_request.journal_async p50",
		.to = "over engine.submit_to_request (journal off) p50, same run",
		.extra = extra,
	});
	uint64_t n = tl_bench_iters(ctx, ENG_N_DEFAULT, ENG_N_SMOKE, 150000);
	int cpu = eng_case(TL_IDLE_SLEEP, pin, n, h, ENG_JOURNAL_OFF);
	eng_print("engine.submit_to_request.sleep", h, cpu, "sleep 50us",
		  ncpu <= 2 ? "ENGINE + IO pinned, sleep 50us; strategy unpinned shares a core"
			    : "ENGINE + IO pinned, sleep 50us; strategy unpinned");
	uint64_t s1_p50 = tl_hist_percentile(h, 50.0), s1_p99 = tl_hist_percentile(h, 99.0);
	eng_slack_ns = 50000;
	cpu = eng_case(TL_IDLE_SLEEP, pin, n, h, ENG_JOURNAL_OFF);
	eng_slack_ns = 1;
	eng_print("engine.submit_to_request.sleep_slack50us", h, cpu,
		  "sleep 50us, timer slack 50us",
		  "as engine.submit_to_request.sleep, but the agents keep Linux's "
		  "default timer slack (50 us) instead of engine.timer_slack_ns 1");
	uint64_t s50_p50 = tl_hist_percentile(h, 50.0), s50_p99 = tl_hist_percentile(h, 99.0);
	snprintf(extra, sizeof extra,
		 "\"slack1_p50\":%llu,\"slack1_p99\":%llu,\"slack50us_p50\":%llu,"
		 "\"slack50us_p99\":%llu,\"ratio_p99\":%.2f,\"idle\":\"sleep 50us\"",
		 (unsigned long long)s1_p50, (unsigned long long)s1_p99,
		 (unsigned long long)s50_p50, (unsigned long long)s50_p99,
		 s1_p99 ? (double)s50_p99 / (double)s1_p99 : 0.0);
	tl_bench_emit(&(tl_bench_line_t){
		.bench = "engine.submit_to_request.slack_ratio", .unit = "ratio",
		.value = s1_p50 ? (double)s50_p50 / (double)s1_p50 : 0.0,
		.mode = TL_BENCH_CLOSED, .threads = 3, .cpu = cpus,
		.from = "engine.submit_to_request.sleep_slack50us p50",
		.to = "over engine.submit_to_request.sleep (timer slack 1 ns) p50, same run",
		.extra = extra,
	});
	free(h);

	/* The simulator's side, on the engine-side CPU. */
	int vcpu = tl_bench_pin(eng_want[0]);
	n = tl_bench_iters(ctx, ENG_VENUE_N, 2000, 5000);
	if (eng_venue_server_side(n, ctx->smoke ? 200 : ENG_VENUE_WARMUP, vcpu) < 0)
		return -1;
	double secs = ctx->smoke ? 0.2 : ctx->duration_s > 0 ? ctx->duration_s : 2.0;
	return eng_venue_ping(secs, vcpu);
}
