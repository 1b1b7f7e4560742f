/*
 * emergency.c - suite `emergency`: how fast the kill switch gets the
 * book flat, through the running engine (real ENGINE and IO threads).
 *
 * Five cases (emg_cases): the paper venue and `talon venue`, each with
 * 100 and with 1,000 open positions (one per symbol), and `talon venue`
 * with 100 positions again with the engine in engine.threading "shared";
 * N in the names is the count of positions.
 *
 * Paper venue:
 *   emergency.N.flag_to_first_order
 *       operator kill switch set (tl_shm_kill on the engine's shm block,
 *       what `talon ctl liquidate` does) -> the first emergency request
 *       (a reduce-only close) handed to the venue by the IO thread
 *   emergency.N.all_orders_out
 *       the same flag -> the close order of the last position handed over
 *   emergency.N.all_flat
 *       the same flag -> EMERGENCY_COMPLETED read by the strategy (every
 *       close filled at the paper venue, the kernel PAUSED)
 *
 * `talon venue` (sim/, in-process on ephemeral loopback ports, plain
 * TCP; the engine's venue.type "binance": REST orders, fills through the
 * user data stream):
 *   emergency.sim.N.flag_to_first_order, emergency.sim.N.all_orders_out
 *       as above; "handed over" is the binance adapter's submit() called
 *       by the IO thread, which writes the signed request to its socket
 *   emergency.sim.N.all_flat
 *       flag -> EMERGENCY_COMPLETED in the strategy, which the kernel
 *       emits once every close has been FILLED at the venue (user data
 *       stream); after each repetition the simulator's own state is
 *       checked (signed GET /fapi/v3/positionRisk: every positionAmt 0,
 *       and no open order), else the suite fails
 *   emergency.sim.100.flag_to_first_order.shared,
 *   emergency.sim.100.all_orders_out.shared
 *       the first two with one engine thread doing the ENGINE and IO
 *       duties (engine.threading "shared", idle "spin"): the kill word
 *       is read, the closes built and handed to the adapter by the same
 *       thread, with no hand-over between agents (no all_flat line: the
 *       fills' way back, and the strategy's 20 us polling, are the same
 *       as in the dedicated case)
 *
 * 1,000 symbols fit every layer's compile-time cap (kernel table, engine
 * config, simulator, shm snapshot: 1024 or more; the static_assert
 * below), the adapter's mark stream included (past 64 symbols it takes
 * the all-market !markPrice@arr@1s; marks stay at 100 here).
 *
 * Each repetition opens the positions (one filled MARKET buy of 0.100 per
 * symbol SYM00USDT.., mark 100.00, tick 0.01, step 0.001, min notional
 * 5, from an exchangeInfo written to a scratch directory), waits until
 * every fill is in (the engine is idle), arms, takes t0, sets the kill
 * word; the strategy thread waits (nanosleep 20 us between checks) until
 * all closes were handed over, records first - t0 and last - t0, waits
 * for EMERGENCY_COMPLETED and records that - t0, checks one
 * POSITION_LIQUIDATED per position, disarms and RESUMEs. The venue's ops
 * table is swapped, before tl_engine_start, for a copy whose submit()
 * and cancel() read CLOCK_MONOTONIC_RAW first (while armed) and then
 * call the venue's own. Repetitions (+ unrecorded before them): paper
 * 100: 2000 (+50), paper 1,000: 500 (+5), sim 100: 1000 (+10), sim 100
 * shared: 1000 (+10), sim 1,000: 150 (+2); before the shared case was
 * added, about 46 s in all on an idle 2-core machine, most of it the
 * simulator opening and closing 1,000 positions (about 190 ms a
 * repetition; other load on the cores stretches it);
 * --smoke: one recorded repetition of each case (3 s); --duration is
 * ignored (a repetition is one liquidation, not a time slice). When the
 * shm block cannot be created the flag is tl_engine_control(LIQUIDATE)
 * through the command ring instead, and the case names end in ".ctl".
 *
 * Threads: paper: ENGINE and IO idle "spin", pinned to --cpus A and B
 * (default 0 and 1; "cpu" says which pins held); sim: ENGINE and IO idle
 * "sleep" 20 us on the engine core (the rtt rig's 2-core setting before
 * idle "park"), the simulator's thread on the peer core; sim shared: the
 * one engine thread spinning on the engine core, the simulator's on the
 * peer core. The strategy thread is unpinned and blocks while it waits.
 *
 * Output: one line per case through tl_bench_emit, with "positions",
 * "venue", "flag", and how the engine ran: "threading" ("dedicated" |
 * "shared") and "idle" ("spin" | "sleep").
 * Command: talon bench --suite emergency [--smoke] [--cpus A,B]
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <assert.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <cJSON.h>

#include "bench/support/benchutil.h"
#include "bench/support/engsetup.h"
#include "bench/support/hist.h"
#include "bench/support/suite.h"
#include "io/binance/binance.h"
#include "io/binance/stream.h"
#include "runtime/engine.h"
#include "io/paper/paper.h"
#include "runtime/shm.h"
#include "sim/auth.h"
#include "sim/server.h"

#define EMG_MAX_POS 1000
/* ThreadSanitizer runs this suite (the smoke test) several times
 * slower: priming 1,000 symbols against the simulator took longer than
 * 20 s on 2 cores in CI. */
#if defined(__SANITIZE_THREAD__)
#define EMG_WAIT_NS (90LL * 1000000000LL)
#else
#define EMG_WAIT_NS (20LL * 1000000000LL)
#endif
#define EMG_NAP_NS 20000

/* The cases: venue, engine threading (shared: one spinning thread for
 * ENGINE and IO, sim only), open positions, repetitions (recorded, then
 * warm-up before them), and the same under --smoke (reps 0: not run). */
typedef struct emg_case {
	bool sim;
	bool shared;
	int npos;
	int reps, warm;
	int smoke_reps, smoke_warm;
} emg_case_t;

static const emg_case_t emg_cases[] = {
	{ false, false, 100, 2000, 50, 1, 0 },
	{ false, false, EMG_MAX_POS, 500, 5, 1, 0 },
	{ true, false, 100, 1000, 10, 1, 0 },
	{ true, true, 100, 1000, 10, 1, 0 },
	{ true, false, EMG_MAX_POS, 150, 2, 1, 0 },
};

static_assert(EMG_MAX_POS <= TL_CFG_SYMBOLS_MAX && EMG_MAX_POS <= TL_SIM_MAX_SYMBOLS &&
	      EMG_MAX_POS <= TL_SHM_POS_MAX, "symbol caps below the largest case");

/* ---- the timing wrapper around the venue's ops ------------------------- */

static const tl_venue_ops_t *emg_inner_ops;
static tl_venue_ops_t emg_wrap_ops;
static _Atomic bool emg_armed;
static _Atomic uint64_t emg_count;     /* requests handed over while armed */
static _Atomic int64_t emg_first, emg_last;
static _Atomic int emg_io_cpu = -2;

static int emg_thread_cpu(pthread_t t)
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

static inline void emg_stamp(void)
{
	if (!atomic_load_explicit(&emg_armed, memory_order_acquire))
		return;
	int64_t t = tl_bench_now_ns();
	if (atomic_load_explicit(&emg_count, memory_order_relaxed) == 0)
		atomic_store_explicit(&emg_first, t, memory_order_relaxed);
	atomic_store_explicit(&emg_last, t, memory_order_relaxed);
	atomic_fetch_add_explicit(&emg_count, 1, memory_order_release);
}

static int emg_wrap_submit(tl_venue_t *v, const tl_out_req_t *req, tl_time_t now)
{
	emg_stamp();
	if (atomic_load_explicit(&emg_io_cpu, memory_order_relaxed) == -2)
		atomic_store_explicit(&emg_io_cpu, emg_thread_cpu(pthread_self()),
				      memory_order_relaxed);
	return emg_inner_ops->submit(v, req, now);
}

static int emg_wrap_cancel(tl_venue_t *v, const tl_out_req_t *req, tl_time_t now)
{
	emg_stamp();
	return emg_inner_ops->cancel(v, req, now);
}

static void emg_nap(void)
{
	struct timespec ts = { 0, EMG_NAP_NS };
	nanosleep(&ts, NULL);
}

/* ---- one engine under test ------------------------------------------------ */

typedef struct emg {
	const tl_bench_ctx_t *ctx;
	bool sim;                   /* venue: simulator (binance) or paper */
	bool shared;                /* engine.threading "shared", idle spin */
	int npos;                   /* open positions per repetition */
	char dir[200];              /* scratch directory */
	char xinfo[TL_PATH_MAX];     /* exchangeInfo file in dir */
	tl_config_t *cfg;
	tl_engine_t *e;
	tl_shm_t *shm;
	bool use_shm;
	uint64_t ref;
	/* simulator */
	tl_sim_config_t *scfg;
	tl_sim_server_t *srv;
	pthread_t sim_tid;
	bool sim_running;
	int cpu_sim;
	/* results */
	tl_hist_t *first, *all, *flat;
} emg_t;

typedef struct emg_evcount {
	uint64_t by[TL_EV__COUNT];
	bool normal;                /* saw a state change to NORMAL */
	bool refused;               /* an order of ours failed or was rejected */
} emg_evcount_t;

static void emg_sym(char *buf, size_t len, int i)
{
	snprintf(buf, len, "SYM%02dUSDT", i);
}

/* exchangeInfo with n symbols, filters as on Binance USD-M. */
static int emg_write_xinfo(emg_t *g, int n)
{
	if ((size_t)snprintf(g->xinfo, sizeof(g->xinfo), "%s/xinfo.json", g->dir) >=
	    sizeof(g->xinfo)) {
		fprintf(stderr, "bench emergency: scratch path too long\n");
		return -1;
	}
	FILE *f = fopen(g->xinfo, "w");
	if (!f) {
		fprintf(stderr, "bench emergency: %s: %s\n", g->xinfo, strerror(errno));
		return -1;
	}
	tl_bench_xinfo_write(f, n);
	if (fclose(f) != 0) {
		fprintf(stderr, "bench emergency: writing %s failed\n", g->xinfo);
		return -1;
	}
	return 0;
}

/* Settings shared by both venues. */
static void emg_cfg_common(emg_t *g)
{
	tl_config_t *c = g->cfg;
	tl_config_defaults(c);
	snprintf(c->exchange_info, sizeof(c->exchange_info), "%s", g->xinfo);
	snprintf(c->name, sizeof(c->name), "bench-emg-%d-%s", (int)getpid(),
		 g->sim ? "sim" : "paper");
	c->n_symbols = (uint32_t)g->npos;
	for (int i = 0; i < g->npos; i++)
		emg_sym(c->symbols[i], sizeof(c->symbols[i]), i);
	c->kernel.order_cap = 1u << 14;   /* npos opens + npos closes in flight */
	c->kernel.trade_cap = 1u << 14;
	c->kernel.rate_10s = 0;
	c->kernel.rate_1m = 0;
	c->kernel.max_open_orders = 0;
	c->kernel.loss_limit = 0;
	/* The default rate: the suite reads the snapshot only to see the
	 * engine up. At 1000 Hz, publishing a snapshot of 1,000 positions
	 * and 256 open orders word by word (the seqlock) took the engine's
	 * whole core under ThreadSanitizer, and priming timed out. */
	c->snapshot_hz = 10;
}

static void emg_cfg_paper(emg_t *g)
{
	tl_config_t *c = g->cfg;
	emg_cfg_common(g);
	tl_paper_cfg(c)->n_start = (uint32_t)g->npos;
	for (int i = 0; i < g->npos; i++) {
		memcpy(tl_paper_cfg(c)->start[i].symbol, c->symbols[i], sizeof(c->symbols[i]));
		tl_paper_cfg(c)->start[i].price = 100 * TL_FX_ONE;
	}
	int ce = tl_bench_role_cpu(g->ctx, 0, 0), ci = tl_bench_role_cpu(g->ctx, 1, 1);
	bool pin = sysconf(_SC_NPROCESSORS_ONLN) >= 2;
	c->engine = (tl_agent_cfg_t){ .cpu = pin ? ce : -1, .idle = TL_IDLE_SPIN, .idle_us = 50, .timer_slack_ns = 1 };
	c->io = (tl_agent_cfg_t){ .cpu = pin ? ci : -1, .idle = TL_IDLE_SPIN, .idle_us = 50, .timer_slack_ns = 1 };
	tl_paper_cfg(c)->latency_ns = 0;
	tl_paper_cfg(c)->mark_interval_ns = 3600LL * 1000000000LL;   /* marks stay put */
	tl_paper_cfg(c)->balance = 100000000LL * TL_FX_ONE;
	tl_paper_cfg(c)->check_margin = false;	/* never binds here; not measured */
}

/* ---- the simulator --------------------------------------------------------- */

static void *emg_sim_main(void *arg)
{
	emg_t *g = arg;
	if (g->cpu_sim >= 0) {
		cpu_set_t set;
		CPU_ZERO(&set);
		CPU_SET(g->cpu_sim, &set);
		pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
	}
	if (tl_sim_server_run(g->srv) < 0)
		fprintf(stderr, "bench emergency: simulator loop failed\n");
	return NULL;
}

static tl_fx_t emg_fx(const char *s)
{
	tl_fx_t v = 0;
	(void)tl_fx_parse_cstr(s, &v);
	return v;
}

/* npos symbols with the exchangeInfo's filters, mark 100, no drift,
 * limits out of the way, plain TCP, ephemeral ports. */
static int emg_sim_start(emg_t *g)
{
	tl_sim_config_t *s = g->scfg;
	char err[256];
	tl_sim_config_defaults(s);
	s->rest_port = 0;
	s->rest_plain_port = 0;
	s->ws_port = 0;
	s->ws_enabled = true;
	s->rest_tls = false;
	s->ws_tls = false;
	s->weight_1m = s->orders_10s = s->orders_1m = 1000000000;
	s->ban_after = 1000000000;
	s->max_orders_total = 1 << 20;
	s->max_trades_total = 1 << 20;
	tl_sim_symbol_cfg_t tmpl = s->sym[0];
	s->nsym = g->npos;
	for (int i = 0; i < g->npos; i++) {
		tl_sim_symbol_cfg_t *y = &s->sym[i];
		*y = tmpl;
		emg_sym(y->name, sizeof(y->name), i);
		snprintf(y->base, sizeof(y->base), "SYM%02d", i);
		y->tick = emg_fx("0.01");
		y->min_price = emg_fx("0.01");
		y->max_price = emg_fx("100000");
		y->step = y->min_qty = y->mkt_step = y->mkt_min_qty = emg_fx("0.001");
		y->max_qty = emg_fx("10000");
		y->mkt_max_qty = emg_fx("1000");
		y->min_notional = emg_fx("5");
		y->max_orders = 200;
		y->start_price = emg_fx("100");
		y->vol_bps = 0;
		y->level_qty = emg_fx("100");
	}
	tl_fx_parse_cstr("1000000000", &s->acct[0].usdt);
	memset(&s->faults, 0, sizeof(s->faults));
	g->srv = tl_sim_server_new(s, err, sizeof(err));
	if (!g->srv) {
		fprintf(stderr, "bench emergency: simulator: %s\n", err);
		return -1;
	}
	if (pthread_create(&g->sim_tid, NULL, emg_sim_main, g) != 0) {
		fprintf(stderr, "bench emergency: pthread_create failed\n");
		return -1;
	}
	g->sim_running = true;
	return 0;
}

static void emg_cfg_sim(emg_t *g)
{
	tl_config_t *c = g->cfg;
	tl_binance_cfg_t *b = tl_binance_cfg(c);
	emg_cfg_common(g);
	int ce = tl_bench_role_cpu(g->ctx, 0, sysconf(_SC_NPROCESSORS_ONLN) >= 2 ? 0 : -1);
	c->engine = (tl_agent_cfg_t){ .cpu = ce, .idle = TL_IDLE_SLEEP, .idle_us = 20, .timer_slack_ns = 1 };
	if (g->shared) {
		/* One thread, spinning, on the engine core: the simulator
		 * keeps the other one. */
		c->threading = TL_THREADING_SHARED;
		c->engine.idle = TL_IDLE_SPIN;
	}
	c->io = c->engine;
	tl_binance_cfg_select(c);
	snprintf(b->rest.host, sizeof(b->rest.host), "127.0.0.1");
	b->rest.port = (uint16_t)tl_sim_server_port(g->srv, TL_SIM_PORT_REST);
	b->rest.tls = false;
	snprintf(b->ws.host, sizeof(b->ws.host), "127.0.0.1");
	b->ws.port = (uint16_t)tl_sim_server_port(g->srv, TL_SIM_PORT_WS);
	b->ws.tls = false;
	snprintf(b->api_key, sizeof(b->api_key), "%s", g->scfg->acct[0].api_key);
	snprintf(b->api_secret, sizeof(b->api_secret), "%s", g->scfg->acct[0].api_secret);
	b->connections = 4;
	b->timeout_ns = 5000LL * 1000000;
	b->orders_10s = b->orders_1m = b->weight_1m = 1000000000;
}

/* One signed GET to the simulator; the body into buf. HTTP status or -1. */
static int emg_sim_get(emg_t *g, const char *path, char *buf, size_t cap)
{
	char q[256], sig[65], req[1024];
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	int n = snprintf(q, sizeof(q), "recvWindow=10000&timestamp=%lld",
			 (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
	const char *sec = g->scfg->acct[0].api_secret;
	if (tl_sim_hmac_hex(sec, strlen(sec), q, (size_t)n, sig) < 0)
		return -1;
	int rl = snprintf(req, sizeof(req), "GET %s?%s&signature=%s HTTP/1.1\r\n"
			  "Host: 127.0.0.1\r\nX-MBX-APIKEY: %s\r\nConnection: close\r\n\r\n",
			  path, q, sig, g->scfg->acct[0].api_key);
	if (rl < 0 || (size_t)rl >= sizeof(req))
		return -1;
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		return -1;
	struct timeval tv = { .tv_sec = 5 };
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	struct sockaddr_in sa = { .sin_family = AF_INET };
	sa.sin_port = htons((uint16_t)tl_sim_server_port(g->srv, TL_SIM_PORT_REST));
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	size_t got = 0;
	int status = -1;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    send(fd, req, (size_t)rl, MSG_NOSIGNAL) != rl)
		goto out;
	for (;;) {
		ssize_t r = recv(fd, buf + got, cap - 1 - got, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
		if (got == cap - 1)
			break;
	}
	buf[got] = '\0';
	if (sscanf(buf, "HTTP/1.1 %d", &status) != 1)
		status = -1;
	char *body = strstr(buf, "\r\n\r\n");
	if (body)
		memmove(buf, body + 4, strlen(body + 4) + 1);
	else
		buf[0] = '\0';
out:
	close(fd);
	return status;
}

/* The simulator's view: how many positions are open (positionAmt not 0)
 * and how many orders rest. 0, or -1 with a message. */
static int emg_sim_state(emg_t *g, int *positions, int *orders)
{
	static char body[4 << 20];	/* positionRisk: ~500 bytes a symbol */
	int st = emg_sim_get(g, "/fapi/v3/positionRisk", body, sizeof(body));
	if (st != 200) {
		fprintf(stderr, "bench emergency: positionRisk: HTTP %d %.200s\n", st, body);
		return -1;
	}
	cJSON *root = cJSON_Parse(body), *p;
	if (!cJSON_IsArray(root)) {
		fprintf(stderr, "bench emergency: positionRisk: not an array\n");
		cJSON_Delete(root);
		return -1;
	}
	*positions = 0;
	cJSON_ArrayForEach(p, root) {
		const cJSON *a = cJSON_GetObjectItemCaseSensitive(p, "positionAmt");
		if (!cJSON_IsString(a) || emg_fx(a->valuestring) != 0)
			(*positions)++;
	}
	cJSON_Delete(root);
	st = emg_sim_get(g, "/fapi/v1/openOrders", body, sizeof(body));
	root = st == 200 ? cJSON_Parse(body) : NULL;
	if (!cJSON_IsArray(root)) {
		fprintf(stderr, "bench emergency: openOrders: HTTP %d %.200s\n", st, body);
		cJSON_Delete(root);
		return -1;
	}
	*orders = cJSON_GetArraySize(root);
	cJSON_Delete(root);
	return 0;
}

/* The simulator holds `want` open positions and no resting order. */
static int emg_sim_check(emg_t *g, int want, const char *when)
{
	int pos = -1, ord = -1;
	if (emg_sim_state(g, &pos, &ord) < 0)
		return -1;
	if (pos != want || ord != 0) {
		fprintf(stderr, "bench emergency: %s: the simulator holds %d open positions "
			"(want %d) and %d open orders (want 0)\n", when, pos, want, ord);
		return -1;
	}
	return 0;
}

/* ---- driving the engine ----------------------------------------------------- */

static void emg_drain(emg_t *g, emg_evcount_t *c)
{
	tl_event_t ev[64];
	int m;
	do {
		m = tl_engine_poll_kernel(g->e, ev, 64);
		for (int k = 0; k < m; k++) {
			/* A reconciliation finding pauses the engine: say why. */
			if (ev[k].type == TL_EV_POSITION_CONFLICT ||
			    ev[k].type == TL_EV_POSITION_ORPHAN)
				fprintf(stderr, "bench emergency: %s %s: %s\n",
					tl_event_name(ev[k].type), ev[k].symbol, ev[k].text);
			if (ev[k].type < TL_EV__COUNT)
				c->by[ev[k].type]++;
			if (ev[k].type == TL_EV_TRADING_STATE_CHANGED &&
			    ev[k].u.state.to == TL_TS_NORMAL)
				c->normal = true;
			if (ev[k].type == TL_EV_ORDER_FAILED ||
			    (ev[k].type == TL_EV_ORDER_REJECTED &&
			     ev[k].u.order.role != TL_ROLE_EMERGENCY &&
			     ev[k].u.order.user_ref != 0)) {
				fprintf(stderr, "bench emergency: order %llu %s: %s\n",
					(unsigned long long)ev[k].u.order.user_ref,
					tl_event_name(ev[k].type), ev[k].text);
				c->refused = true;
			}
		}
	} while (m == 64);
}

/* Drain events until pred holds; -1 on a refusal or after EMG_WAIT_NS. */
static int emg_wait(emg_t *g, emg_evcount_t *c, int npos,
		    bool (*pred)(const emg_evcount_t *, int), const char *what)
{
	int64_t end = tl_bench_now_ns() + EMG_WAIT_NS;
	for (;;) {
		emg_drain(g, c);
		if (c->refused)
			return -1;
		if (pred(c, npos))
			return 0;
		if (tl_bench_now_ns() > end) {
			fprintf(stderr, "bench emergency: timed out waiting for %s\n", what);
			return -1;
		}
		emg_nap();
	}
}

static bool emg_opened(const emg_evcount_t *c, int npos)
{
	return c->by[TL_EV_ORDER_FILLED] >= (uint64_t)npos;
}
static bool emg_completed(const emg_evcount_t *c, int npos)
{
	(void)npos;
	return c->by[TL_EV_EMERGENCY_COMPLETED] >= 1;
}
static bool emg_resumed(const emg_evcount_t *c, int npos)
{
	(void)npos;
	return c->normal;
}

/* Until a symbol's first MARK reaches the kernel, its orders are refused:
 * per symbol a MARKET buy, then a sell, each resubmitted until it fills.
 * Every symbol's order is out at once (user_ref EMG_PRIME_REF + symbol):
 * one by one, 1,000 symbols took longer than EMG_WAIT_NS on a loaded
 * 2-core box under ThreadSanitizer. */
#define EMG_PRIME_REF (1ULL << 62)

static int emg_prime(emg_t *g)
{
	static bool done[EMG_MAX_POS];
	int64_t end = tl_bench_now_ns() + EMG_WAIT_NS;
	struct timespec ms = { 0, 1000000 };
	char sym[TL_SYMBOL_NAMELEN];

	for (int k = 0; k < 2; k++) {
		int left = g->npos;
		memset(done, 0, sizeof(done));
		while (left > 0) {
			int out = 0;
			for (int i = 0; i < g->npos; i++) {
				if (done[i])
					continue;
				emg_sym(sym, sizeof(sym), i);
				tl_order_spec_t spec = { .symbol = sym,
							 .side = k ? TL_SIDE_SELL : TL_SIDE_BUY,
							 .type = TL_ORDER_MARKET, .qty = "0.100" };
				if (tl_engine_submit(g->e, &spec, EMG_PRIME_REF + (uint64_t)i) != 0) {
					fprintf(stderr, "bench emergency: prime: submit refused\n");
					return -1;
				}
				out++;
			}
			while (out > 0) {
				tl_event_t ev[64];
				int m = tl_engine_poll_kernel(g->e, ev, 64);
				if (tl_bench_now_ns() > end) {
					fprintf(stderr, "bench emergency: prime: %d of %d symbols "
						"without a fill\n", left, g->npos);
					return -1;
				}
				if (m == 0)
					emg_nap();
				for (int j = 0; j < m; j++) {
					uint64_t r = ev[j].u.order.user_ref;
					if (r < EMG_PRIME_REF || r >= EMG_PRIME_REF + (uint64_t)g->npos)
						continue;
					if (ev[j].type == TL_EV_ORDER_FILLED) {
						done[r - EMG_PRIME_REF] = true;
						left--;
						out--;
					} else if (ev[j].type == TL_EV_ORDER_REJECTED ||
						   ev[j].type == TL_EV_ORDER_FAILED) {
						out--;	/* no mark yet: again */
					}
				}
			}
			if (left > 0)
				nanosleep(&ms, NULL);	/* the marks are on their way */
		}
	}
	return 0;
}

/* npos positions, one MARKET buy per symbol, all filled. */
static int emg_open(emg_t *g)
{
	emg_evcount_t c;
	memset(&c, 0, sizeof(c));
	char sym[TL_SYMBOL_NAMELEN];
	for (int i = 0; i < g->npos; i++) {
		emg_sym(sym, sizeof(sym), i);
		tl_order_spec_t s = { .symbol = sym, .side = TL_SIDE_BUY,
				      .type = TL_ORDER_MARKET, .qty = "0.100" };
		if (tl_engine_submit(g->e, &s, ++g->ref) != 0) {
			fprintf(stderr, "bench emergency: open: submit refused\n");
			return -1;
		}
	}
	return emg_wait(g, &c, g->npos, emg_opened, "every position's fill");
}

/* One liquidation; records into the histograms when `record`. */
static int emg_rep(emg_t *g, bool record)
{
	if (emg_open(g) < 0)
		return -1;
	if (g->sim && emg_sim_check(g, g->npos, "before the flag") < 0)
		return -1;
	atomic_store(&emg_count, 0);
	atomic_store(&emg_armed, true);
	int64_t t0 = tl_bench_now_ns();
	if (g->use_shm)
		tl_shm_kill(g->shm, TL_KILL_LIQUIDATE, "bench");
	else if (tl_engine_control(g->e, TL_CONTROL_LIQUIDATE, "bench") != 0) {
		fprintf(stderr, "bench emergency: control LIQUIDATE refused\n");
		return -1;
	}
	int64_t end = t0 + EMG_WAIT_NS;
	while (atomic_load_explicit(&emg_count, memory_order_acquire) < (uint64_t)g->npos) {
		if (tl_bench_now_ns() > end) {
			fprintf(stderr, "bench emergency: %llu of %d closes out\n",
				(unsigned long long)atomic_load(&emg_count), g->npos);
			return -1;
		}
		emg_nap();
	}
	int64_t t1 = atomic_load(&emg_first), tn = atomic_load(&emg_last);
	emg_evcount_t ec;
	memset(&ec, 0, sizeof(ec));
	if (emg_wait(g, &ec, g->npos, emg_completed, "EMERGENCY_COMPLETED") < 0)
		return -1;
	int64_t tf = tl_bench_now_ns();
	atomic_store(&emg_armed, false);
	if (ec.by[TL_EV_POSITION_LIQUIDATED] != (uint64_t)g->npos) {
		fprintf(stderr, "bench emergency: %llu positions liquidated, want %d\n",
			(unsigned long long)ec.by[TL_EV_POSITION_LIQUIDATED], g->npos);
		return -1;
	}
	if (g->sim && emg_sim_check(g, 0, "after EMERGENCY_COMPLETED") < 0)
		return -1;
	if (record) {
		tl_hist_record(g->first, (uint64_t)(t1 - t0));
		tl_hist_record(g->all, (uint64_t)(tn - t0));
		tl_hist_record(g->flat, (uint64_t)(tf - t0));
	}
	if (tl_engine_control(g->e, TL_CONTROL_RESUME, "bench") != 0) {
		fprintf(stderr, "bench emergency: control RESUME refused\n");
		return -1;
	}
	memset(&ec, 0, sizeof(ec));
	return emg_wait(g, &ec, g->npos, emg_resumed, "RESUME");
}

/* Create and start the engine with the timing wrapper. */
static int emg_engine_start(emg_t *g)
{
	char err[512];
	tl_engine_xopts_t eo = { .no_shm = false };
	g->e = tl_engine_create(g->cfg, &eo, err, sizeof(err));
	g->use_shm = g->e != NULL;
	if (!g->e) {
		fprintf(stderr, "bench emergency: %s; using tl_engine_control\n", err);
		eo.no_shm = true;
		g->e = tl_engine_create(g->cfg, &eo, err, sizeof(err));
		if (!g->e) {
			fprintf(stderr, "bench emergency: engine: %s\n", err);
			return -1;
		}
	}
	if (g->use_shm && tl_shm_attach(g->cfg->name, &g->shm, err, sizeof(err)) < 0) {
		fprintf(stderr, "bench emergency: shm: %s\n", err);
		return -1;
	}
	tl_venue_t *v = tl_engine_venue(g->e);
	emg_inner_ops = v->ops;
	emg_wrap_ops = *v->ops;
	emg_wrap_ops.submit = emg_wrap_submit;
	emg_wrap_ops.cancel = emg_wrap_cancel;
	v->ops = &emg_wrap_ops;      /* before start: the IO thread sees it */
	atomic_store(&emg_io_cpu, -2);
	atomic_store(&emg_armed, false);
	if (tl_engine_start(g->e, err, sizeof(err)) < 0) {
		fprintf(stderr, "bench emergency: engine start: %s\n", err);
		return -1;
	}
	if (!g->sim)
		return 0;
	/* Clock set, adapter ready, user data stream up. */
	int64_t end = tl_bench_now_ns() + EMG_WAIT_NS;
	tl_shm_snapshot_t s;
	tl_event_t ev[64];
	while (tl_bench_now_ns() < end &&
	       (!tl_binance_ready(v) || !tl_engine_snapshot(g->e, &s) || s.inputs < 2 ||
		tl_binance_stream_state(v) != TL_BINANCE_STREAM_UP)) {
		tl_engine_poll_kernel(g->e, ev, 64);
		emg_nap();
	}
	if (tl_binance_stream_state(v) != TL_BINANCE_STREAM_UP) {
		fprintf(stderr, "bench emergency: the engine did not come up against the "
			"simulator (%s)\n", tl_binance_last_error(v));
		return -1;
	}
	return 0;
}

static void emg_stop(emg_t *g)
{
	if (g->shm)
		tl_shm_detach(g->shm, g->cfg->name, false);
	g->shm = NULL;
	if (g->e)
		tl_engine_close(g->e);
	g->e = NULL;
	if (g->sim_running) {
		tl_sim_server_stop(g->srv);
		pthread_join(g->sim_tid, NULL);
	}
	g->sim_running = false;
	if (g->srv)
		tl_sim_server_free(g->srv);
	g->srv = NULL;
}

static void emg_emit(const char *bench, const tl_hist_t *h, const emg_t *g,
		     const char *cpu, const char *to)
{
	char extra[256];
	snprintf(extra, sizeof(extra), "\"positions\":%d,\"venue\":\"%s\",\"flag\":\"%s\","
		 "\"threading\":\"%s\",\"idle\":\"%s\"",
		 g->npos, g->sim ? "talon venue (binance, tcp)" : "paper",
		 g->use_shm ? "shm kill switch" : "tl_engine_control",
		 g->shared ? "shared" : "dedicated",
		 g->shared || !g->sim ? "spin" : "sleep");
	/* strategy + ENGINE + IO (one thread shared) + STREAM and simulator */
	int threads = (g->shared ? 2 : 3) + (g->sim ? 2 : 0);
	tl_bench_line_t l = {
		.bench = bench, .unit = "ns", .h = h, .mode = TL_BENCH_CLOSED,
		.threads = threads, .cpu = cpu,
		.from = g->use_shm ? "kill word set in shm (talon ctl liquidate)"
				   : "LIQUIDATE on the command ring",
		.to = to, .extra = extra,
	};
	tl_bench_emit(&l);
}

/* One venue: start, repetitions, lines. 0 or -1. */
static int emg_venue(emg_t *g, int reps, int warm)
{
	int rc = -1;
	char name[96], cpu[32];
	if (g->sim) {
		g->cpu_sim = tl_bench_role_cpu(g->ctx, 1,
					       sysconf(_SC_NPROCESSORS_ONLN) >= 2 ? 1 : -1);
		if (emg_sim_start(g) < 0)
			goto out;
		emg_cfg_sim(g);
	} else {
		emg_cfg_paper(g);
	}
	if (emg_engine_start(g) < 0 || emg_prime(g) < 0)
		goto out;
	tl_hist_init(g->first);
	tl_hist_init(g->all);
	tl_hist_init(g->flat);
	int64_t t_start = tl_bench_now_ns();
	for (int r = 0; r < reps + warm; r++)
		if (emg_rep(g, r >= warm) < 0)
			goto out;
	fprintf(stderr, "bench emergency: %s%s, %d positions: %d repetitions in %.2f s\n",
		g->sim ? "simulator" : "paper", g->shared ? " (shared)" : "", g->npos, reps + warm,
		(double)(tl_bench_now_ns() - t_start) / 1e9);
	pthread_t et;
	int ecpu = tl_engine_thread(g->e, &et) ? emg_thread_cpu(et) : -1;
	int icpu = atomic_load(&emg_io_cpu);
	if (g->sim)
		tl_bench_cpu_text(cpu, sizeof(cpu), ecpu, g->cpu_sim);
	else
		tl_bench_cpu_text(cpu, sizeof(cpu), ecpu, icpu < 0 ? -1 : icpu);
	const char *pre = g->sim ? "emergency.sim." : "emergency.";
	const char *ctl = g->use_shm ? "" : ".ctl";
	const char *sh = g->shared ? ".shared" : "";
	const char *who = g->shared ? "(the engine's one thread, IO duty)" : "(IO thread)";
	char to[96];
	snprintf(name, sizeof(name), "%s%d.flag_to_first_order%s%s", pre, g->npos, ctl, sh);
	snprintf(to, sizeof(to), "first close request handed to the venue %s", who);
	emg_emit(name, g->first, g, cpu, to);
	snprintf(name, sizeof(name), "%s%d.all_orders_out%s%s", pre, g->npos, ctl, sh);
	snprintf(to, sizeof(to), "last close request handed to the venue %s", who);
	emg_emit(name, g->all, g, cpu, to);
	if (g->shared) {
		rc = 0;	/* all_flat: as the dedicated case (see the header) */
		goto out;
	}
	snprintf(name, sizeof(name), "%s%d.all_flat%s", pre, g->npos, ctl);
	emg_emit(name, g->flat, g, cpu, g->sim
		 ? "EMERGENCY_COMPLETED in the strategy (every close filled at the "
		   "simulator; positionRisk checked flat afterwards)"
		 : "EMERGENCY_COMPLETED in the strategy (every close filled)");
	rc = 0;
out:
	emg_stop(g);
	return rc;
}

int tl_bench_suite_emergency(const tl_bench_ctx_t *ctx)
{
	emg_t *g = calloc(1, sizeof(*g));
	int rc = -1;
	if (!g)
		goto oom;
	g->ctx = ctx;
	g->cfg = malloc(sizeof(*g->cfg));
	g->scfg = malloc(sizeof(*g->scfg));
	g->first = malloc(sizeof(*g->first));
	g->all = malloc(sizeof(*g->all));
	g->flat = malloc(sizeof(*g->flat));
	if (!g->cfg || !g->scfg || !g->first || !g->all || !g->flat)
		goto oom;
	if (tl_bench_scratch(ctx, "emergency", g->dir, sizeof(g->dir)) < 0)
		goto out;
	/* The largest symbol set serves every case (symbols.only picks). */
	if (emg_write_xinfo(g, EMG_MAX_POS) < 0)
		goto out;

	for (size_t i = 0; i < sizeof(emg_cases) / sizeof(emg_cases[0]); i++) {
		const emg_case_t *k = &emg_cases[i];
		int reps = ctx->smoke ? k->smoke_reps : k->reps;
		if (reps == 0)
			continue;
		g->sim = k->sim;
		g->shared = k->shared;
		g->npos = k->npos;
		if (emg_venue(g, reps, ctx->smoke ? k->smoke_warm : k->warm) < 0)
			goto out;
	}
	rc = 0;
out:
	if (g->dir[0] && tl_bench_rmdir(g->dir) < 0)
		fprintf(stderr, "bench emergency: could not remove %s\n", g->dir);
	goto done;
oom:
	fprintf(stderr, "bench emergency: out of memory\n");
done:
	if (g) {
		free(g->cfg);
		free(g->scfg);
		free(g->first);
		free(g->all);
		free(g->flat);
	}
	free(g);
	return rc;
}
