/*
 * emergency.c - how fast the kill switch gets orders out, through the
 * running engine (real ENGINE and IO threads, the paper venue).
 *
 *   emergency.flag_to_first_order
 *       operator kill switch set (tl_shm_kill on the engine's shm block,
 *       what `talon ctl liquidate` does) -> the first emergency request
 *       (a reduce-only close) handed to the venue by the IO thread
 *   emergency.all_orders_out
 *       the same flag -> the close order of the 100th position handed over
 *
 * Each repetition holds 100 open positions, one per symbol (filled MARKET
 * buys on SYM00USDT..SYM99USDT, mark 100.00, tick 0.01, step 0.001, min
 * notional 5, from an exchangeInfo file written to a temp file at start and
 * removed at exit): the liquidation must put 100 reduce-only MARKET closes
 * on the wire, all emitted by the one kernel input and marked urgent.
 * EMG_RESTING adds resting orders to cancel as well (0 by default).
 *
 * Method. The paper venue's ops table is swapped, before tl_engine_start,
 * for a copy whose submit() and cancel() read CLOCK_MONOTONIC_RAW first
 * (while armed) and then call the paper venue's own. Per repetition: open
 * the positions and orders, wait until every fill and ack has come
 * back (the engine is idle), arm, take t0, set the kill word; the strategy
 * thread waits (nanosleep 20 us between checks) until all requests were
 * handed over, records first - t0 and last - t0, waits for
 * EMERGENCY_COMPLETED (everything flat, PAUSED), disarms and RESUMEs. R
 * repetitions (default 50, `--n R`), the first 5 unrecorded. When the
 * shm block cannot be created the flag is tl_engine_control(LIQUIDATE)
 * through the command ring instead, and the case names end in ".ctl".
 *
 * Engine and IO agents: idle "spin", pinned to CPU 0 and CPU 1 ("cpu" is
 * 0 when both pins held, else -1); the strategy thread is unpinned and
 * blocks while it waits, so on 2 cores it barely competes.
 *
 * Output: one JSON line per case on stdout (bench/support/benchutil.h
 * fields plus "positions", "orders" and "flag").
 * Command: make bench BENCHES=emergency
 *      or: build/bench/emergency [--n R]
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench/support/benchutil.h"
#include "bench/support/hist.h"
#include "io/engine.h"
#include "io/paper.h"
#include "io/shm.h"

#define EMG_REPS_DEFAULT 50
#define EMG_WARM 5
#define EMG_SYMS 100                /* open positions, one per symbol */
#define EMG_RESTING 0               /* resting orders to cancel as well */
#define EMG_OUT (EMG_SYMS + EMG_RESTING)
#define EMG_WAIT_NS (10LL * 1000000000LL)

static const tl_venue_ops_t *emg_paper_ops;
static tl_venue_ops_t emg_wrap_ops;
static _Atomic bool emg_armed;
static _Atomic uint64_t emg_count;     /* requests handed over while armed */
static _Atomic int64_t emg_first, emg_last;
static _Atomic int emg_io_cpu = -2;

static char emg_xinfo[64];

static _Noreturn void emg_die(const char *msg)
{
	fprintf(stderr, "bench emergency: %s\n", msg);
	if (emg_xinfo[0])
		unlink(emg_xinfo);
	exit(1);
}

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
	return emg_paper_ops->submit(v, req, now);
}

static int emg_wrap_cancel(tl_venue_t *v, const tl_out_req_t *req, tl_time_t now)
{
	emg_stamp();
	return emg_paper_ops->cancel(v, req, now);
}

static void emg_nap(void)
{
	struct timespec ts = { 0, 20000 };
	nanosleep(&ts, NULL);
}

/* exchangeInfo with EMG_SYMS symbols, filters as on Binance USD-M. */
static void emg_write_xinfo(void)
{
	snprintf(emg_xinfo, sizeof(emg_xinfo), "/tmp/talon-bench-xinfo-XXXXXX");
	int fd = mkstemp(emg_xinfo);
	if (fd < 0) {
		emg_xinfo[0] = '\0';
		emg_die("mkstemp failed");
	}
	FILE *f = fdopen(fd, "w");
	if (!f)
		emg_die("fdopen failed");
	fputs("{\"timezone\":\"UTC\",\"serverTime\":1700000000000,\"symbols\":[", f);
	for (int i = 0; i < EMG_SYMS; i++)
		fprintf(f, "%s{\"symbol\":\"SYM%02dUSDT\",\"pair\":\"SYM%02dUSDT\","
			"\"contractType\":\"PERPETUAL\",\"status\":\"TRADING\","
			"\"baseAsset\":\"SYM%02d\",\"quoteAsset\":\"USDT\","
			"\"marginAsset\":\"USDT\",\"pricePrecision\":2,"
			"\"quantityPrecision\":3,\"filters\":["
			"{\"filterType\":\"PRICE_FILTER\",\"minPrice\":\"0.01\","
			"\"maxPrice\":\"100000\",\"tickSize\":\"0.01\"},"
			"{\"filterType\":\"LOT_SIZE\",\"minQty\":\"0.001\","
			"\"maxQty\":\"10000\",\"stepSize\":\"0.001\"},"
			"{\"filterType\":\"MARKET_LOT_SIZE\",\"minQty\":\"0.001\","
			"\"maxQty\":\"1000\",\"stepSize\":\"0.001\"},"
			"{\"filterType\":\"MAX_NUM_ORDERS\",\"limit\":200},"
			"{\"filterType\":\"MAX_NUM_ALGO_ORDERS\",\"limit\":10},"
			"{\"filterType\":\"MIN_NOTIONAL\",\"notional\":\"5\"},"
			"{\"filterType\":\"PERCENT_PRICE\",\"multiplierUp\":\"1.0500\","
			"\"multiplierDown\":\"0.9500\",\"multiplierDecimal\":\"4\"}]}",
			i ? "," : "", i, i, i);
	fputs("]}\n", f);
	if (fclose(f) != 0)
		emg_die("writing exchangeInfo failed");
}

static void emg_cfg(tl_config_t *c, bool pin)
{
	tl_config_defaults(c);
	snprintf(c->exchange_info, sizeof(c->exchange_info), "%s", emg_xinfo);
	snprintf(c->name, sizeof(c->name), "bench-emg-%d", (int)getpid());
	c->n_symbols = EMG_SYMS;
	c->paper.n_start = EMG_SYMS;
	for (int i = 0; i < EMG_SYMS; i++) {
		snprintf(c->symbols[i], sizeof(c->symbols[i]), "SYM%02dUSDT", i);
		memcpy(c->paper.start[i].symbol, c->symbols[i], sizeof(c->symbols[i]));
		c->paper.start[i].price = 100 * TL_FX_ONE;
	}
	c->engine = (tl_agent_cfg_t){ .cpu = pin ? 0 : -1, .idle = TL_IDLE_SPIN, .idle_us = 50 };
	c->io = (tl_agent_cfg_t){ .cpu = pin ? 1 : -1, .idle = TL_IDLE_SPIN, .idle_us = 50 };
	c->paper.latency_ns = 0;
	c->paper.mark_interval_ns = 3600LL * 1000000000LL;   /* marks stay put */
	c->paper.balance = 100000000LL * TL_FX_ONE;
	c->kernel.rate_10s = 0;
	c->kernel.rate_1m = 0;
	c->snapshot_hz = 1000;
}

typedef struct emg_count_s {
	uint64_t by[TL_EV__COUNT];
	uint64_t limit_acks;         /* ORDER_ACCEPTED of LIMIT orders */
	bool normal;                 /* saw a state change to NORMAL */
} emg_evcount_t;

static void emg_drain(tl_engine_t *e, emg_evcount_t *c)
{
	tl_event_t ev[64];
	int m;
	do {
		m = tl_engine_poll(e, ev, 64);
		for (int k = 0; k < m; k++) {
			if (ev[k].type < TL_EV__COUNT)
				c->by[ev[k].type]++;
			if (ev[k].type == TL_EV_ORDER_ACCEPTED &&
			    ev[k].u.order.type == TL_ORD_LIMIT)
				c->limit_acks++;
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
				emg_die("an order was refused");
			}
		}
	} while (m == 64);
}

/* Drain events until pred holds or EMG_WAIT_NS pass. */
static void emg_wait(tl_engine_t *e, emg_evcount_t *c,
		     bool (*pred)(const emg_evcount_t *), const char *what)
{
	int64_t end = tl_bench_now_ns() + EMG_WAIT_NS;
	for (;;) {
		emg_drain(e, c);
		if (pred(c))
			return;
		if (tl_bench_now_ns() > end) {
			fprintf(stderr, "bench emergency: timed out waiting for %s\n", what);
			emg_die("timeout");
		}
		emg_nap();
	}
}

/* A variable, so the count may be 0 without a constant comparison. */
static volatile uint64_t emg_resting = EMG_RESTING;

static bool emg_opened(const emg_evcount_t *c)
{
	return c->by[TL_EV_ORDER_FILLED] >= EMG_SYMS &&
	       c->limit_acks >= emg_resting;
}
static bool emg_completed(const emg_evcount_t *c)
{
	return c->by[TL_EV_EMERGENCY_COMPLETED] >= 1;
}
static bool emg_resumed(const emg_evcount_t *c)
{
	return c->normal;
}

/* Until the first MARK reaches the kernel, orders are refused: probe
 * with a MARKET buy/sell pair (user_ref 0) until the buy fills. */
static void emg_prime(tl_engine_t *e)
{
	int64_t end = tl_bench_now_ns() + EMG_WAIT_NS;
	for (int k = 0; k < 2; k++) {
		tl_order_spec_t spec = { .symbol = "SYM00USDT", .side = k ? TL_SELL : TL_BUY,
					 .type = TL_ORD_MARKET, .qty = "0.100" };
		for (bool filled = false; !filled;) {
			if (tl_engine_submit(e, &spec, 0) != 0)
				emg_die("prime: submit failed");
			for (bool done = false; !done;) {
				tl_event_t ev;
				if (tl_bench_now_ns() > end)
					emg_die("prime: no fill");
				if (tl_engine_poll(e, &ev, 1) == 0) {
					emg_nap();
					continue;
				}
				if (ev.type == TL_EV_ORDER_FILLED)
					done = filled = true;
				else if (ev.type == TL_EV_ORDER_REJECTED)
					done = true;
			}
		}
	}
}

/* 32 positions and 68 resting buys, all confirmed. */
static void emg_open(tl_engine_t *e, uint64_t *ref)
{
	emg_evcount_t c;
	memset(&c, 0, sizeof(c));
	char sym[TL_SYMBOL_NAMELEN], px[16];
	for (int i = 0; i < EMG_SYMS; i++) {
		snprintf(sym, sizeof(sym), "SYM%02dUSDT", i);
		tl_order_spec_t s = { .symbol = sym, .side = TL_BUY,
				      .type = TL_ORD_MARKET, .qty = "0.100" };
		if (tl_engine_submit(e, &s, ++*ref) != 0)
			emg_die("open: submit failed");
	}
	for (int j = 0; j < EMG_RESTING; j++) {
		snprintf(sym, sizeof(sym), "SYM%02dUSDT", j % EMG_SYMS);
		snprintf(px, sizeof(px), "%d.%02d", 98 - j / 100, 99 - j % 100);
		tl_order_spec_t s = { .symbol = sym, .side = TL_BUY, .type = TL_ORD_LIMIT,
				      .qty = "0.100", .price = px };
		if (tl_engine_submit(e, &s, ++*ref) != 0)
			emg_die("open: submit failed");
	}
	emg_wait(e, &c, emg_opened, "every fill and ack");
}

static void emg_print(const char *bench, const tl_hist_t *h, int cpu, const char *flag)
{
	tl_bench_print_open(bench, h, 3, cpu);
	printf(",\"positions\":%d,\"orders\":%d,\"flag\":", EMG_SYMS, EMG_RESTING);
	tl_bench_json_str(stdout, flag);
	tl_bench_print_close();
}

int main(int argc, char **argv)
{
	tl_bench_opts_t o = { .n = EMG_REPS_DEFAULT, .cpu = -1 };
	if (tl_bench_parse(argc, argv, &o) < 0)
		return 2;
	bool pin = sysconf(_SC_NPROCESSORS_ONLN) >= 2;
	emg_write_xinfo();

	tl_config_t c;
	char err[512];
	emg_cfg(&c, pin);
	/* The real kill switch needs the shm block; fall back to the
	 * command ring where /dev/shm is unavailable. */
	tl_engine_opts_t eo = { .no_shm = false };
	tl_engine_t *e = tl_engine_create(&c, &eo, err, sizeof(err));
	bool use_shm = e != NULL;
	if (!e) {
		fprintf(stderr, "bench emergency: %s; using tl_engine_control\n", err);
		eo.no_shm = true;
		e = tl_engine_create(&c, &eo, err, sizeof(err));
		if (!e)
			emg_die(err);
	}
	tl_shm_t *shm = NULL;
	if (use_shm && tl_shm_attach(c.name, &shm, err, sizeof(err)) < 0)
		emg_die(err);
	tl_venue_t *v = tl_engine_venue(e);
	emg_paper_ops = v->ops;
	emg_wrap_ops = *v->ops;
	emg_wrap_ops.submit = emg_wrap_submit;
	emg_wrap_ops.cancel = emg_wrap_cancel;
	v->ops = &emg_wrap_ops;      /* before start: the IO thread sees it */
	if (tl_engine_start(e, err, sizeof(err)) < 0)
		emg_die(err);
	emg_prime(e);

	tl_hist_t *first = malloc(sizeof(*first)), *all = malloc(sizeof(*all));
	if (!first || !all)
		emg_die("out of memory");
	tl_hist_init(first);
	tl_hist_init(all);
	uint64_t ref = 0;
	int64_t t_start = tl_bench_now_ns();
	uint64_t reps = o.n + EMG_WARM;
	for (uint64_t r = 0; r < reps; r++) {
		emg_open(e, &ref);
		atomic_store(&emg_count, 0);
		atomic_store(&emg_armed, true);
		int64_t t0 = tl_bench_now_ns();
		if (use_shm)
			tl_shm_kill(shm, TL_KILL_LIQUIDATE, "bench");
		else if (tl_engine_control(e, TL_CTL_LIQUIDATE, "bench") != 0)
			emg_die("control LIQUIDATE refused");
		int64_t end = t0 + EMG_WAIT_NS;
		while (atomic_load_explicit(&emg_count, memory_order_acquire) < EMG_OUT) {
			if (tl_bench_now_ns() > end) {
				fprintf(stderr, "bench emergency: %llu of %d requests out\n",
					(unsigned long long)atomic_load(&emg_count), EMG_OUT);
				emg_die("timeout");
			}
			emg_nap();
		}
		int64_t t1 = atomic_load(&emg_first), tn = atomic_load(&emg_last);
		if (r >= EMG_WARM) {
			tl_hist_record(first, (uint64_t)(t1 - t0));
			tl_hist_record(all, (uint64_t)(tn - t0));
		}
		emg_evcount_t ec;
		memset(&ec, 0, sizeof(ec));
		emg_wait(e, &ec, emg_completed, "EMERGENCY_COMPLETED");
		atomic_store(&emg_armed, false);
		if (ec.by[TL_EV_POSITION_LIQUIDATED] != EMG_SYMS) {
			fprintf(stderr, "bench emergency: %llu positions liquidated, want %d\n",
				(unsigned long long)ec.by[TL_EV_POSITION_LIQUIDATED], EMG_SYMS);
			emg_die("liquidation incomplete");
		}
		if (tl_engine_control(e, TL_CTL_RESUME, "bench") != 0)
			emg_die("control RESUME refused");
		memset(&ec, 0, sizeof(ec));
		emg_wait(e, &ec, emg_resumed, "RESUME");
	}
	fprintf(stderr, "bench emergency: %llu repetitions in %.2f s\n",
		(unsigned long long)reps, (double)(tl_bench_now_ns() - t_start) / 1e9);
	pthread_t et;
	int ecpu = tl_engine_thread(e, &et) ? emg_thread_cpu(et) : -1;
	int cpu = pin && ecpu == 0 && atomic_load(&emg_io_cpu) == 1 ? 0 : -1;
	if (shm)
		tl_shm_detach(shm, c.name, false);
	tl_engine_close(e);
	unlink(emg_xinfo);

	const char *flag = use_shm ? "shm kill switch" : "tl_engine_control";
	emg_print(use_shm ? "emergency.flag_to_first_order"
			  : "emergency.flag_to_first_order.ctl", first, cpu, flag);
	emg_print(use_shm ? "emergency.all_orders_out"
			  : "emergency.all_orders_out.ctl", all, cpu, flag);
	free(first);
	free(all);
	return 0;
}
