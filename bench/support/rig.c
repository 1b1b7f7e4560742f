/*
 * rig.c - simulator + engine end-to-end rig (rig.h).
 *
 * Sections: set-up (simulator config and thread, exchangeInfo copy,
 * engine config per mode); order bookkeeping (events -> samples); the
 * strategy's step and idle per mode; open and closed loops.
 *
 * Bookkeeping: order i of a run carries user_ref = ref0 + i, where ref0
 * grows by the run's size plus a gap from run to run, so a late event of
 * an earlier run (or of the warm-up) can never be taken for one of this
 * run's. Per order: the intended (or actual, closed loop) submit time,
 * whether its sample is taken, whether it ended. Samples are recorded when
 * the strategy reads the event (tl_engine_poll, or on_event in shared
 * mode), i.e. what a strategy would see.
 *
 * One loop serves every mode: rig_step gives events a chance (a poll, or
 * one tl_engine_invoke duty cycle), rig_idle waits when nothing came (a
 * nap, a park until an event or the next due time, or one pause). Cancels
 * are sent from the event handler, which in shared mode runs inside
 * tl_engine_invoke: it must not wait there for ring room, so a cancel the
 * command ring refuses is queued and retried by the loop (rig_retry).
 */
#define _GNU_SOURCE
#include "bench/support/rig.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "bench/support/benchutil.h"
#include "bench/support/engsetup.h"
#include "bench/support/loopback.h"
#include "bench/support/openloop.h"
#include "io/binance/binance.h"
#include "io/binance/stream.h"
#include "runtime/clock.h"
#include "runtime/engine.h"
#include "sim/server.h"

#define RIG_POLL_NS 20000           /* sleep mode: nap between empty polls; any
				       mode: a short wait while rings are full */
#define RIG_SPIN_NS 200000          /* dedicated: spin this close to a due submit
				       (a park's wake-up can take tens of us) */
#define RIG_WAIT_MAX_NS 5000000     /* dedicated: longest park (deadlines checked) */
#define RIG_WARMUP 50               /* unrecorded closed-loop orders */
#define RIG_DRAIN_NS (30LL * 1000000000)
#define RIG_START_NS (15LL * 1000000000)
#define RIG_LIMIT_BIG 1000000000
#define RIG_MAX_ORDERS 100000       /* MAX_NUM_ORDERS at both ends */
#define RIG_EVS 512
#define RIG_HOLD_NS 1000000         /* back-pressure: probe again after 1 ms */
#define RIG_WINDOW 16               /* FIFO orders per batch */

struct tl_rig {
	tl_sim_config_t scfg;
	tl_sim_server_t *srv;
	pthread_t sim_tid;
	bool sim_running;
	int cpu_engine, cpu_sim;
	char cpu_text[32];
	char xinfo[200];          /* the exchangeInfo copy (removed at stop) */
	bool tls;
	bool ws;                   /* orders over the WebSocket API */
	char tdir[200];            /* build/tls */
	uint32_t ring;             /* rings.request / rings.event, 0: defaults */
	tl_config_t cfg;
	tl_engine_t *E;
	tl_rig_mode_t mode;
	tl_strategy_t strat;       /* shared: on_event, ctx = the rig */
	cpu_set_t saved_cpus;      /* shared: the caller's affinity before pinning */
	bool pinned;
	bool dead;                 /* shared: tl_engine_invoke failed */
	uint64_t ref0;             /* user_ref of the next run's first order */
	uint64_t side;             /* alternates MARKET BUY/SELL */
	int64_t net;               /* the account's position at the venue, in
				      0.010 lots (our MARKET fills: BUY +1) */
	tl_order_side_t force_side; /* 0, or the side of every MARKET order
				      (rig_flatten) */
	tl_engine_event_t ev[RIG_EVS];
	/* the current run */
	tl_rig_kind_t kind;
	uint64_t n;
	int64_t *t0;               /* intended / actual submit time per order */
	uint8_t *sampled, *ended;
	uint64_t nsampled, nended, nlost, nunknown;
	/* Cancels the command ring refused (-EAGAIN): order indices, with
	 * the client id each needs, retried by the loop. */
	uint64_t *cq;
	uint64_t cq_head, cq_n;
	char (*clid)[TL_CLIENT_ID_MAX + 1];
	/* Back-pressure (the engine refused an order with
	 * TL_REJ_BACKPRESSURE, "try again"): the refused order and every
	 * order due after it wait in a FIFO, keeping their intended times.
	 * The hold lasts RIG_HOLD_NS, then one probe (the FIFO's head)
	 * goes in; an ORDER_SUBMITTED after the hold ends it, another
	 * refusal starts a new one. Outside a hold the FIFO drains
	 * RIG_WINDOW orders at a time, each batch once the engine answered
	 * the previous one (SUBMITTED or REJECTED). So a congested engine
	 * sees a probe per hold, not a resubmission storm. */
	uint64_t *retry;           /* FIFO of order indices (capacity n) */
	uint64_t retry_head, retry_n, nbackpressure;
	int64_t hold_until;        /* 0: not held */
	uint64_t inflight;         /* submits the engine has not answered */
	int64_t last_submit;       /* time of the run's latest submit */
	int64_t max_late;          /* worst submit - t0 */
	int64_t last_sample;
	tl_hist_t *h;
};

/* ---- set-up ----------------------------------------------------------------- */

static void *rig_sim_main(void *arg)
{
	tl_rig_t *r = arg;

	if (r->cpu_sim >= 0) {
		cpu_set_t set;
		CPU_ZERO(&set);
		CPU_SET(r->cpu_sim, &set);
		pthread_setaffinity_np(pthread_self(), sizeof set, &set);
	}
	if (tl_sim_server_run(r->srv) < 0)
		fprintf(stderr, "rig: simulator loop failed\n");
	return NULL;
}

static void rig_nap(int64_t ns)
{
	struct timespec ts = { ns / 1000000000, ns % 1000000000 };
	nanosleep(&ts, NULL);
}

/* A copy of config/exchange_info.json with MAX_NUM_ORDERS raised, written
 * to DIR/tmp (ctx->outdir) or /tmp. 0 or -1 with a message. */
static int rig_xinfo(const tl_bench_ctx_t *ctx, tl_rig_t *r)
{
	char src[2200];
	FILE *f = NULL;
	char *buf = NULL, *out = NULL;
	cJSON *root = NULL;
	long len;
	int rc = -1;

	if (tl_loopback_repo_path(ctx, "config/exchange_info.json", src, sizeof src) < 0) {
		fprintf(stderr, "rig: config/exchange_info.json not found\n");
		return -1;
	}
	f = fopen(src, "rb");
	if (!f || fseek(f, 0, SEEK_END) != 0 || (len = ftell(f)) <= 0 ||
	    fseek(f, 0, SEEK_SET) != 0 || !(buf = malloc((size_t)len + 1)) ||
	    fread(buf, 1, (size_t)len, f) != (size_t)len) {
		fprintf(stderr, "rig: cannot read %s\n", src);
		goto out;
	}
	fclose(f);
	f = NULL;
	buf[len] = '\0';
	root = cJSON_Parse(buf);
	cJSON *syms = root ? cJSON_GetObjectItemCaseSensitive(root, "symbols") : NULL;
	cJSON *s, *flt;
	cJSON_ArrayForEach(s, syms) {
		cJSON_ArrayForEach(flt, cJSON_GetObjectItemCaseSensitive(s, "filters")) {
			const cJSON *t = cJSON_GetObjectItemCaseSensitive(flt, "filterType");
			if (cJSON_IsString(t) && strcmp(t->valuestring, "MAX_NUM_ORDERS") == 0)
				cJSON_ReplaceItemInObjectCaseSensitive(
					flt, "limit", cJSON_CreateNumber(RIG_MAX_ORDERS));
		}
	}
	if (!root || !(out = cJSON_PrintUnformatted(root))) {
		fprintf(stderr, "rig: %s: not an exchangeInfo document\n", src);
		goto out;
	}
	if (ctx->outdir) {
		snprintf(r->xinfo, sizeof r->xinfo, "%s/tmp", ctx->outdir);
		mkdir(r->xinfo, 0755);
		if ((size_t)snprintf(r->xinfo, sizeof r->xinfo, "%s/tmp/rig-xinfo-%d.json",
				     ctx->outdir, (int)getpid()) >= sizeof r->xinfo) {
			fprintf(stderr, "rig: --out path too long\n");
			r->xinfo[0] = '\0';
			goto out;
		}
	} else {
		snprintf(r->xinfo, sizeof r->xinfo, "/tmp/talon-rig-xinfo-%d.json",
			 (int)getpid());
	}
	f = fopen(r->xinfo, "wb");
	if (!f || fputs(out, f) < 0 || fclose(f) != 0) {
		if (f == NULL)
			fprintf(stderr, "rig: cannot write %s\n", r->xinfo);
		f = NULL;
		r->xinfo[0] = '\0';
		goto out;
	}
	f = NULL;
	rc = 0;
out:
	if (f)
		fclose(f);
	cJSON_Delete(root);
	free(out);
	free(buf);
	return rc;
}

static int rig_sim_start(const tl_bench_ctx_t *ctx, tl_rig_t *r, bool tls)
{
	tl_sim_config_t *s = &r->scfg;
	char path[2200], tdir[200], err[256];

	if (tl_loopback_repo_path(ctx, "config/venue.json", path, sizeof path) < 0) {
		fprintf(stderr, "rig: config/venue.json not found\n");
		return -1;
	}
	tl_sim_config_defaults(s);
	if (tl_sim_config_load(s, path, err, sizeof err) < 0) {
		fprintf(stderr, "rig: %s: %s\n", path, err);
		return -1;
	}
	if (tl_loopback_tls_dir(ctx, tdir, sizeof tdir, err, sizeof err) < 0) {
		fprintf(stderr, "rig: %s\n", err);
		return -1;
	}
	snprintf(s->tls_cert, sizeof s->tls_cert, "%s/server.pem", tdir);
	snprintf(s->tls_key, sizeof s->tls_key, "%s/server.key", tdir);
	s->rest_port = 0;
	s->rest_plain_port = 0;
	s->ws_port = 0;
	s->ws_enabled = true;
	s->rest_tls = tls;
	s->ws_tls = tls;
	s->weight_1m = s->orders_10s = s->orders_1m = RIG_LIMIT_BIG;
	s->ban_after = RIG_LIMIT_BIG;
	if (s->max_orders_total < (1 << 20))
		s->max_orders_total = 1 << 20;
	if (s->max_trades_total < (1 << 20))
		s->max_trades_total = 1 << 20;
	for (int i = 0; i < s->nsym; i++) {
		s->sym[i].vol_bps = 0;
		s->sym[i].max_orders = RIG_MAX_ORDERS;
	}
	tl_fx_parse_cstr("1000000000", &s->acct[0].usdt);
	memset(&s->faults, 0, sizeof s->faults);
	r->srv = tl_sim_server_new(s, err, sizeof err);
	if (!r->srv) {
		fprintf(stderr, "rig: simulator: %s\n", err);
		return -1;
	}
	if (pthread_create(&r->sim_tid, NULL, rig_sim_main, r) != 0) {
		fprintf(stderr, "rig: pthread_create failed\n");
		return -1;
	}
	r->sim_running = true;
	return 0;
}

static void rig_engine_cfg(tl_rig_t *r)
{
	tl_config_t *c = &r->cfg;
	tl_binance_cfg_t *b = tl_binance_cfg(c);

	tl_config_defaults(c);
	snprintf(c->exchange_info, sizeof c->exchange_info, "%s", r->xinfo);
	c->engine.cpu = r->cpu_engine;
	c->io.cpu = r->cpu_engine;
	switch (r->mode) {
	case TL_RIG_DEDICATED:
		/* The shipped small-box setting: both agents park. */
		c->threading = TL_THREADING_DEDICATED;
		c->engine.idle = c->io.idle = TL_IDLE_PARK;
		break;
	case TL_RIG_SHARED:
		/* One spinning thread (the invoker) does ENGINE and IO. */
		c->threading = TL_THREADING_SHARED;
		c->engine.idle = c->io.idle = TL_IDLE_SPIN;
		break;
	case TL_RIG_SLEEP:
		c->threading = TL_THREADING_DEDICATED;
		c->engine.idle = c->io.idle = TL_IDLE_SLEEP;
		c->engine.idle_us = c->io.idle_us = 20;
		break;
	}
	c->kernel.order_cap = 1u << 17;
	if (r->ring) {
		c->ring_request = r->ring;
		c->ring_event = r->ring;
	}
	tl_bench_cfg_unlimited(c);
	tl_binance_cfg_select(c);
	snprintf(b->rest.host, sizeof b->rest.host, "127.0.0.1");
	b->rest.port = (uint16_t)tl_sim_server_port(r->srv, TL_SIM_PORT_REST);
	b->rest.tls = r->tls;
	b->rest.insecure = false;
	snprintf(b->rest.ca_file, sizeof b->rest.ca_file, "%s/ca.pem", r->tdir);
	snprintf(b->ws.host, sizeof b->ws.host, "127.0.0.1");
	b->ws.port = (uint16_t)tl_sim_server_port(r->srv, TL_SIM_PORT_WS);
	b->ws.tls = r->tls;
	b->order_transport = r->ws ? TL_BINANCE_TRANSPORT_WS : TL_BINANCE_TRANSPORT_REST;
	snprintf(b->ws_api.host, sizeof b->ws_api.host, "127.0.0.1");
	b->ws_api.port = b->ws.port;
	b->ws_api.tls = r->tls;
	snprintf(b->ws_api.path, sizeof b->ws_api.path, "/ws-fapi/v1");
	snprintf(b->api_key, sizeof b->api_key, "%s", r->scfg.acct[0].api_key);
	snprintf(b->api_secret, sizeof b->api_secret, "%s", r->scfg.acct[0].api_secret);
	b->connections = 4;
	b->timeout_ns = 5000LL * 1000000;
	b->orders_10s = b->orders_1m = b->weight_1m = RIG_LIMIT_BIG;
}

/* Shared mode: the calling thread becomes the engine's thread, so it
 * goes where ENGINE and IO would have run; its affinity comes back when
 * the engine stops. */
static void rig_pin(tl_rig_t *r)
{
	cpu_set_t set;

	if (r->cpu_engine < 0 || r->pinned)
		return;
	if (pthread_getaffinity_np(pthread_self(), sizeof r->saved_cpus, &r->saved_cpus) != 0)
		return;
	CPU_ZERO(&set);
	CPU_SET(r->cpu_engine, &set);
	r->pinned = pthread_setaffinity_np(pthread_self(), sizeof set, &set) == 0;
}

static void rig_unpin(tl_rig_t *r)
{
	if (r->pinned)
		pthread_setaffinity_np(pthread_self(), sizeof r->saved_cpus, &r->saved_cpus);
	r->pinned = false;
}

static int rig_step(tl_rig_t *r);
static void rig_engine_close(tl_rig_t *r);
static void rig_on_event(tl_engine_t *e, const tl_engine_event_t *ev, void *ctx);

/* Create and start the engine in r->mode, wait until it trades, warm up. */
static int rig_engine_up(tl_rig_t *r)
{
	char err[512];
	tl_engine_xopts_t o = { .no_shm = true };
	tl_shm_snapshot_t s;

	r->dead = false;
	rig_engine_cfg(r);
	/* The venue's side waits as talon's does: busy-polling beside a
	 * spinning engine (as the spin floors' echo thread), blocked in
	 * epoll_wait beside a parking one (as the blocking floors'). */
	tl_sim_server_busy_poll(r->srv, r->mode == TL_RIG_SHARED);
	if (r->mode == TL_RIG_SHARED) {
		r->strat = (tl_strategy_t){ .ctx = r, .on_event = rig_on_event };
		o.strategy = &r->strat;
		o.invoker = true;
		rig_pin(r);
	}
	r->E = tl_engine_create(&r->cfg, &o, err, sizeof err);
	if (!r->E) {
		fprintf(stderr, "rig: engine: %s\n", err);
		return -1;
	}
	if (tl_engine_start(r->E, err, sizeof err) < 0) {
		fprintf(stderr, "rig: engine start: %s\n", err);
		return -1;
	}
	/* Clock set, marks in (one input per symbol), user stream up. An
	 * invoker engine only moves while this thread invokes it. */
	int64_t end = tl_bench_now_ns() + RIG_START_NS;
	tl_venue_t *v = tl_engine_venue(r->E);
	while (tl_bench_now_ns() < end && !r->dead &&
	       (!tl_binance_ready(v) || !tl_engine_snapshot(r->E, &s) || s.inputs < 2 ||
		tl_binance_stream_state(v) != TL_BINANCE_STREAM_UP)) {
		rig_step(r);
		if (r->mode != TL_RIG_SHARED)
			rig_nap(1000000);
	}
	if (tl_binance_stream_state(v) != TL_BINANCE_STREAM_UP) {
		fprintf(stderr, "rig: the engine did not come up against the simulator in %lld s (%s)\n",
			RIG_START_NS / 1000000000, tl_binance_last_error(v));
		return -1;
	}
	tl_hist_t *warm = malloc(sizeof *warm);
	tl_rig_stats_t st;
	int rc = -1;
	if (warm) {
		tl_hist_init(warm);
		rc = tl_rig_closed(r, TL_RIG_ORDER, 0, warm, &st);
		free(warm);
	}
	if (rc < 0)
		fprintf(stderr, "rig: warm-up orders failed\n");
	return rc;
}

tl_rig_t *tl_rig_start(const tl_bench_ctx_t *ctx, bool tls, tl_rig_mode_t mode)
{
	return tl_rig_start_rings(ctx, tls, mode, 0);
}

tl_rig_t *tl_rig_start_rings(const tl_bench_ctx_t *ctx, bool tls, tl_rig_mode_t mode,
			     uint32_t ring)
{
	tl_rig_t *r = calloc(1, sizeof *r);
	char err[256];

	if (!r) {
		fprintf(stderr, "rig: out of memory\n");
		return NULL;
	}
	r->ref0 = 1;
	r->tls = tls;
	r->ring = ring;
	r->mode = mode;
	tl_loopback_cpus(ctx, &r->cpu_engine, &r->cpu_sim);
	tl_bench_cpu_text(r->cpu_text, sizeof r->cpu_text, r->cpu_engine, r->cpu_sim);
	if (tl_loopback_tls_dir(ctx, r->tdir, sizeof r->tdir, err, sizeof err) < 0) {
		fprintf(stderr, "rig: %s\n", err);
		goto fail;
	}
	if (rig_xinfo(ctx, r) < 0 || rig_sim_start(ctx, r, tls) < 0 || rig_engine_up(r) < 0)
		goto fail;
	return r;
fail:
	tl_rig_stop(r);
	return NULL;
}

int tl_rig_restart(tl_rig_t *r, tl_rig_mode_t mode)
{
	tl_rig_engine_stop(r);
	r->mode = mode;
	if (rig_engine_up(r) < 0) {
		rig_engine_close(r);
		return -1;
	}
	return 0;
}

void tl_rig_set_ws(tl_rig_t *r, bool ws) { r->ws = ws; }

const char *tl_rig_orders(const tl_rig_t *r) { return r->ws ? "ws" : "rest"; }

void tl_rig_stop(tl_rig_t *r)
{
	if (!r)
		return;
	rig_engine_close(r);	/* the simulator goes too: no flattening */
	if (r->sim_running) {
		tl_sim_server_stop(r->srv);
		pthread_join(r->sim_tid, NULL);
	}
	if (r->srv)
		tl_sim_server_free(r->srv);
	if (r->xinfo[0])
		unlink(r->xinfo);
	free(r);
}

static void rig_engine_close(tl_rig_t *r)
{
	/* An invoker engine drains on this thread, still pinned. */
	if (r->E)
		tl_engine_close(r->E);
	r->E = NULL;
	rig_unpin(r);
}

static void rig_flatten(tl_rig_t *r);

void tl_rig_engine_stop(tl_rig_t *r)
{
	rig_flatten(r);
	rig_engine_close(r);
}

const char *tl_rig_cpu(const tl_rig_t *r) { return r->cpu_text; }

const char *tl_rig_threading(const tl_rig_t *r)
{
	return r->mode == TL_RIG_SHARED ? "shared" : "dedicated";
}

const char *tl_rig_idle(const tl_rig_t *r)
{
	return r->mode == TL_RIG_SHARED ? "spin" : r->mode == TL_RIG_SLEEP ? "sleep" : "park";
}

int tl_rig_threads(const tl_rig_t *r)
{
	/* + STREAM + simulator; dedicated: strategy + ENGINE + IO */
	return r->mode == TL_RIG_SHARED ? 3 : 5;
}

int tl_rig_port(const tl_rig_t *r, bool ws)
{
	return tl_sim_server_port(r->srv, ws ? TL_SIM_PORT_WS : TL_SIM_PORT_REST);
}

const char *tl_rig_api_key(const tl_rig_t *r) { return r->scfg.acct[0].api_key; }
const char *tl_rig_api_secret(const tl_rig_t *r) { return r->scfg.acct[0].api_secret; }

/* ---- bookkeeping --------------------------------------------------------------- */

static int rig_run_begin(tl_rig_t *r, tl_rig_kind_t kind, uint64_t n, tl_hist_t *h)
{
	r->kind = kind;
	r->n = n;
	r->h = h;
	r->nsampled = r->nended = r->nlost = r->nunknown = 0;
	r->retry_head = r->retry_n = r->nbackpressure = 0;
	r->cq_head = r->cq_n = 0;
	r->hold_until = 0;
	r->inflight = 0;
	r->last_submit = r->max_late = 0;
	r->last_sample = 0;
	r->t0 = calloc(n, sizeof *r->t0);
	r->sampled = calloc(n, 1);
	r->ended = calloc(n, 1);
	r->retry = calloc(n, sizeof *r->retry);
	r->cq = calloc(n, sizeof *r->cq);
	r->clid = calloc(n, sizeof *r->clid);
	if (!r->t0 || !r->sampled || !r->ended || !r->retry || !r->cq || !r->clid) {
		fprintf(stderr, "rig: out of memory for %llu orders\n", (unsigned long long)n);
		return -1;
	}
	return 0;
}

static void rig_run_end(tl_rig_t *r)
{
	free(r->t0);
	free(r->sampled);
	free(r->ended);
	free(r->retry);
	free(r->cq);
	free(r->clid);
	r->t0 = NULL;
	r->sampled = r->ended = NULL;
	r->retry = r->cq = NULL;
	r->clid = NULL;
	/* Late events of this run (an engine drained at close included)
	 * fall below the next ref0 and are ignored. */
	r->ref0 += r->n + 1000000;
	r->n = 0;
}

static void rig_idle(tl_rig_t *r, int64_t due);

static int rig_submit(tl_rig_t *r, uint64_t i, uint64_t *busy)
{
	tl_order_spec_t o = { .symbol = "BTCUSDT", .qty = "0.010" };

	if (r->kind == TL_RIG_ORDER) {
		o.side = TL_SIDE_BUY;
		o.type = TL_ORDER_LIMIT;
		o.price = "58000.0";
	} else {
		o.side = r->force_side ? r->force_side
			 : (r->side++ & 1) ? TL_SIDE_SELL : TL_SIDE_BUY;
		o.type = TL_ORDER_MARKET;
	}
	for (;;) {
		int rc = tl_engine_submit(r->E, &o, r->ref0 + i);
		if (rc == 0) {
			r->inflight++;
			r->last_submit = tl_bench_now_ns();
			if (r->last_submit - r->t0[i] > r->max_late)
				r->max_late = r->last_submit - r->t0[i];
			return 0;
		}
		if (rc != -EAGAIN) {
			fprintf(stderr, "rig: submit: %s\n", tl_engine_error());
			return -1;
		}
		/* Command ring full: the engine is behind; let it work. */
		(*busy)++;
		if (r->dead)
			return -1;
		if (!rig_step(r))
			rig_idle(r, tl_bench_now_ns() + RIG_POLL_NS);
	}
}

static void rig_sample(tl_rig_t *r, uint64_t i, int64_t now)
{
	if (r->sampled[i])
		return;
	r->sampled[i] = 1;
	r->nsampled++;
	r->last_sample = now;
	tl_hist_record(r->h, tl_openloop_latency(r->t0[i], now));
}

static void rig_end(tl_rig_t *r, uint64_t i)
{
	if (!r->ended[i]) {
		r->ended[i] = 1;
		r->nended++;
	}
}

/* Cancel resting order i. Called from the event handler (in shared mode
 * inside tl_engine_invoke), so it never waits: a full command ring queues
 * the cancel for rig_retry. 0, or -1 after a message. */
static int rig_cancel(tl_rig_t *r, uint64_t i, const char *clid)
{
	int rc = r->cq_n ? -EAGAIN : tl_engine_cancel(r->E, clid, r->ref0 + i);

	if (rc == 0)
		return 0;
	if (rc == -EAGAIN && r->cq_n < r->n) {
		snprintf(r->clid[i], sizeof r->clid[i], "%s", clid);
		r->cq[(r->cq_head + r->cq_n++) % r->n] = i;
		return 0;
	}
	fprintf(stderr, "rig: cancel %s refused (%s)\n", clid, tl_engine_error());
	return -1;
}

/* Queue order i at the FIFO's tail. */
static void rig_defer(tl_rig_t *r, uint64_t i)
{
	r->retry[(r->retry_head + r->retry_n++) % r->n] = i;
}

/* One event as the strategy reads it at `now`; 1 when it is one of this
 * run's orders, else 0. */
static int rig_event(tl_rig_t *r, const tl_engine_event_t *e, int64_t now)
{
	if (!r->t0 || !tl_event_is_order(e))
		return 0;	/* between runs; position and state events */
	uint64_t ref = e->user_ref;
	if (ref < r->ref0 || ref >= r->ref0 + r->n)
		return 0;
	uint64_t i = ref - r->ref0;
	switch (e->type) {
	case TL_EVENT_ORDER_SUBMITTED:
		if (r->inflight)
			r->inflight--;
		if (r->hold_until && now >= r->hold_until)
			r->hold_until = 0;	/* taken after the hold */
		break;
	case TL_EVENT_ORDER_UNKNOWN:
		/* No answer within the kernel's ack timeout: the kernel
		 * queries the venue and the order goes on (ACCEPTED /
		 * FILLED / CANCELED follow) - slow, not lost. */
		r->nunknown++;
		break;
	case TL_EVENT_ORDER_ACCEPTED:
		if (r->kind == TL_RIG_ORDER) {
			rig_sample(r, i, now);
			if (rig_cancel(r, i, e->u.order.client_id) < 0) {
				r->nlost++;
				rig_end(r, i);
			}
		} else if (r->kind == TL_RIG_ANSWER) {
			rig_sample(r, i, now);
		}
		break;
	case TL_EVENT_ORDER_FILLED:
		r->net += e->u.order.side == TL_SIDE_BUY ? 1 : -1;
		if (r->kind == TL_RIG_ORDER) {
			fprintf(stderr, "rig: resting LIMIT %s filled\n", e->u.order.client_id);
			r->nlost++;
		} else {
			rig_sample(r, i, now);
		}
		rig_end(r, i);
		break;
	case TL_EVENT_ORDER_REJECTED:
		if (r->inflight && !e->u.order.client_id[0])
			r->inflight--;	/* refused before the kernel */
		if (e->u.order.reject == TL_REJ_BACKPRESSURE && !r->ended[i] &&
		    r->retry_n < r->n) {
			/* The engine's "try again": not lost, resubmitted. */
			rig_defer(r, i);
			r->hold_until = now + RIG_HOLD_NS;
			r->nbackpressure++;
			break;
		}
		goto lost;
	case TL_EVENT_ORDER_CANCELED:
		if (r->kind == TL_RIG_ORDER && r->sampled[i]) {
			rig_end(r, i);
			break;
		}
		/* anything else ending an order is a loss */
		goto lost;
	case TL_EVENT_ORDER_PARTIALLY_FILLED:
		break;	/* the FILLED follows */
	case TL_EVENT_ORDER_EXPIRED:
	case TL_EVENT_ORDER_FAILED:
	case TL_EVENT_ORDER_CANCEL_REJECTED:
	lost:
		if (r->nlost < 5)
			fprintf(stderr, "rig: order %s: %s %s\n", e->u.order.client_id,
				tl_event_kind_name(e->type), e->text);
		r->nlost++;
		rig_end(r, i);
		break;
	default:
		break;
	}
	return 1;
}

/* Shared mode: every event, on this thread, inside tl_engine_invoke. */
static void rig_on_event(tl_engine_t *e, const tl_engine_event_t *ev, void *ctx)
{
	(void)e;
	rig_event(ctx, ev, tl_bench_now_ns());
}

/* ---- the strategy's step and idle, per mode --------------------------------------- */

/* Read what events there are; returns how many were ours. */
static int rig_pump(tl_rig_t *r)
{
	int n = tl_engine_poll(r->E, r->ev, RIG_EVS);
	int64_t now = tl_bench_now_ns();
	int ours = 0;

	for (int k = 0; k < n; k++)
		ours += rig_event(r, &r->ev[k], now);
	return ours;
}

/* Give events a chance: dedicated / sleep, one poll (returns our events
 * read); shared, one duty cycle of the engine on this thread, its events
 * through on_event (returns the work it did). 0: nothing happened. */
static int rig_step(tl_rig_t *r)
{
	if (r->mode != TL_RIG_SHARED)
		return rig_pump(r);
	int w = tl_engine_invoke(r->E);
	if (w < 0) {
		if (!r->dead)
			fprintf(stderr, "rig: tl_engine_invoke: %s (%d)\n", tl_engine_error(), w);
		r->dead = true;
		return 0;
	}
	return w;
}

/* The next time the loop must act without an event: `next`, or sooner
 * the end of a back-pressure hold. */
static int64_t rig_due(const tl_rig_t *r, int64_t next)
{
	if (r->retry_n && r->hold_until && r->hold_until < next)
		return r->hold_until;
	return next;
}

/* Nothing happened: wait as the mode's strategy does, at most until
 * `due` (minus RIG_SPIN_NS when parking). */
static void rig_idle(tl_rig_t *r, int64_t due)
{
	int64_t left = due - tl_bench_now_ns();

	switch (r->mode) {
	case TL_RIG_SHARED:
		tl_engine_idle(r->E, 0);	/* engine.idle "spin": one pause */
		return;
	case TL_RIG_SLEEP:
		if (left > 2 * RIG_POLL_NS)
			rig_nap(RIG_POLL_NS);
		return;
	case TL_RIG_DEDICATED:
		if (r->cq_n) {
			/* Cancels wait for ring room, which raises no event. */
			tl_engine_wait(r->E, RIG_POLL_NS);
			return;
		}
		if (left <= RIG_SPIN_NS) {
			tl_clock_relax();	/* spin: the submit is close */
			return;
		}
		left -= RIG_SPIN_NS;
		tl_engine_wait(r->E, left < RIG_WAIT_MAX_NS ? left : RIG_WAIT_MAX_NS);
		return;
	}
}

/* True while orders must wait in the FIFO instead of going out. */
static bool rig_held(const tl_rig_t *r)
{
	return r->retry_n || r->hold_until;
}

/* Send the cancels the command ring refused, then what the FIFO may
 * release now (see struct tl_rig). -1 on a submit error. Never from the
 * event handler. */
static int rig_retry(tl_rig_t *r, uint64_t *busy)
{
	uint64_t batch;

	while (r->cq_n) {
		uint64_t i = r->cq[r->cq_head];
		int rc = tl_engine_cancel(r->E, r->clid[i], r->ref0 + i);
		if (rc == -EAGAIN)
			break;
		r->cq_head = (r->cq_head + 1) % r->n;
		r->cq_n--;
		if (rc != 0) {
			fprintf(stderr, "rig: cancel %s refused (%s)\n", r->clid[i],
				tl_engine_error());
			r->nlost++;
			rig_end(r, i);
		}
	}
	if (!r->retry_n)
		return 0;
	if (r->hold_until) {
		/* One probe once the hold ran out and the engine is idle. */
		if (tl_bench_now_ns() < r->hold_until || r->inflight)
			return 0;
		batch = 1;
	} else {
		if (r->inflight)
			return 0;
		batch = RIG_WINDOW;
	}
	while (r->retry_n && batch--) {
		uint64_t i = r->retry[r->retry_head];
		r->retry_head = (r->retry_head + 1) % r->n;
		r->retry_n--;
		if (rig_submit(r, i, busy) < 0)
			return -1;
	}
	return 0;
}

/* Step until every order ended or the deadline; 0 when all ended. */
static int rig_drain(tl_rig_t *r, int64_t deadline, uint64_t *busy)
{
	while (r->nended < r->n && !r->dead && tl_bench_now_ns() < deadline) {
		if (rig_retry(r, busy) < 0)
			return -1;
		if (!rig_step(r))
			rig_idle(r, rig_due(r, deadline));
	}
	return r->nended == r->n ? 0 : -1;
}

static int rig_check(tl_rig_t *r, const char *what)
{
	if (r->nlost || r->nsampled != r->n || r->nended != r->n) {
		fprintf(stderr,
			"rig: %s: %llu orders, %llu answered, %llu ended, %llu rejected/failed/lost "
			"(%llu refused for back-pressure, %llu still waiting to be resubmitted, "
			"%llu went UNKNOWN)\n",
			what, (unsigned long long)r->n, (unsigned long long)r->nsampled,
			(unsigned long long)r->nended, (unsigned long long)r->nlost,
			(unsigned long long)r->nbackpressure, (unsigned long long)r->retry_n,
			(unsigned long long)r->nunknown);
		return -1;
	}
	return 0;
}

/* ---- loops ------------------------------------------------------------------- */

int tl_rig_open(tl_rig_t *r, tl_rig_kind_t kind, uint64_t rate, double secs,
		tl_hist_t *h, tl_rig_stats_t *st)
{
	tl_openloop_t ol;
	uint64_t n = tl_openloop_count(rate, secs);
	int rc = -1;

	memset(st, 0, sizeof *st);
	if (!r->E) {
		fprintf(stderr, "rig: the engine is stopped\n");
		return -1;
	}
	if (rig_run_begin(r, kind, n, h) < 0)
		goto out;
	tl_openloop_init(&ol, rate, tl_bench_now_ns() + 1000000);
	for (uint64_t i = 0; i < n; i++) {
		int64_t due = tl_openloop_intended(&ol, i);
		/* Until it is due: events, and the mode's wait when none
		 * came. (Not tl_openloop_wait: it would sleep without
		 * reading events, and an event is timed when the strategy
		 * reads it.) */
		while (tl_bench_now_ns() < due && !r->dead) {
			if (rig_retry(r, &st->busy_retries) < 0)
				goto out;
			if (!rig_step(r))
				rig_idle(r, rig_due(r, due));
		}
		if (r->dead || rig_retry(r, &st->busy_retries) < 0)
			goto out;
		r->t0[i] = due;
		if (rig_held(r)) {
			rig_defer(r, i);	/* behind the back-pressured ones */
			continue;
		}
		if (rig_submit(r, i, &st->busy_retries) < 0)
			goto out;
		rig_step(r);	/* shared: the order leaves in this cycle */
	}
	if (rig_drain(r, tl_bench_now_ns() + RIG_DRAIN_NS, &st->busy_retries) < 0 &&
	    !r->nlost)
		fprintf(stderr, "rig: %llu of %llu orders not ended %lld s after the schedule\n",
			(unsigned long long)(r->n - r->nended), (unsigned long long)r->n,
			RIG_DRAIN_NS / 1000000000);
	if (rig_check(r, "open loop") < 0)
		goto out;
	int64_t start = tl_openloop_intended(&ol, 0);
	st->n = n;
	st->unknown = r->nunknown;
	st->backpressure = r->nbackpressure;
	st->achieved_rate = r->last_sample > start
		? (double)n * 1e9 / (double)(r->last_sample - start) : 0;
	st->send_rate = r->last_submit > start
		? (double)n * 1e9 / (double)(r->last_submit - start) : 0;
	st->max_send_late_ns = r->max_late;
	rc = 0;
out:
	rig_run_end(r);
	return rc;
}

/* Closed loop of at most `cap` orders until `end` (ns); the public one
 * and the warm-up and flattening runs. */
static int rig_closed(tl_rig_t *r, tl_rig_kind_t kind, uint64_t cap, int64_t end,
		      tl_hist_t *h, tl_rig_stats_t *st)
{
	int64_t start = tl_bench_now_ns();
	uint64_t i = 0;
	int rc = -1;

	memset(st, 0, sizeof *st);
	if (!r->E) {
		fprintf(stderr, "rig: the engine is stopped\n");
		return -1;
	}
	if (rig_run_begin(r, kind, cap, h) < 0)
		goto out;
	for (; i < cap && tl_bench_now_ns() < end; i++) {
		r->t0[i] = tl_bench_now_ns();
		if (rig_submit(r, i, &st->busy_retries) < 0)
			goto out;
		int64_t deadline = r->t0[i] + RIG_DRAIN_NS;
		while (!r->ended[i] && !r->dead && tl_bench_now_ns() < deadline) {
			if (rig_retry(r, &st->busy_retries) < 0)
				goto out;
			if (!rig_step(r))
				rig_idle(r, rig_due(r, deadline));
		}
		if (!r->ended[i]) {
			fprintf(stderr, "rig: order %llu not answered in %lld s\n",
				(unsigned long long)i, RIG_DRAIN_NS / 1000000000);
			goto out;
		}
		if (r->nlost)
			break;
	}
	/* Only the orders sent count. */
	r->n = i;
	if (rig_check(r, "closed loop") < 0)
		goto out;
	st->n = i;
	st->unknown = r->nunknown;
	st->backpressure = r->nbackpressure;
	st->achieved_rate = r->last_sample > start
		? (double)i * 1e9 / (double)(r->last_sample - start) : 0;
	st->send_rate = st->achieved_rate;
	rc = 0;
out:
	rig_run_end(r);
	return rc;
}

int tl_rig_closed(tl_rig_t *r, tl_rig_kind_t kind, double secs, tl_hist_t *h,
		  tl_rig_stats_t *st)
{
	/* secs 0: the warm-up, RIG_WARMUP orders. */
	if (secs <= 0)
		return rig_closed(r, kind, RIG_WARMUP, INT64_MAX, h, st);
	return rig_closed(r, kind, (uint64_t)(secs * 200000) + 1,
			  tl_bench_now_ns() + (int64_t)(secs * 1e9), h, st);
}

/* MARKET runs leave at most a few lots open at the venue; a new engine
 * on the same simulator would find that position unknown to its kernel
 * and pause (POSITION_ORPHAN, kernel/reconcile.c). Close it while this
 * engine still trades. */
static void rig_flatten(tl_rig_t *r)
{
	tl_rig_stats_t st;
	tl_hist_t *h;

	if (!r->E || r->dead || r->net == 0 || !(h = malloc(sizeof *h)))
		return;
	tl_hist_init(h);
	r->force_side = r->net > 0 ? TL_SIDE_SELL : TL_SIDE_BUY;
	if (rig_closed(r, TL_RIG_FILL, (uint64_t)(r->net > 0 ? r->net : -r->net),
		       INT64_MAX, h, &st) < 0 || r->net != 0)
		fprintf(stderr, "rig: could not close the position at the venue (%lld lots)\n",
			(long long)r->net);
	r->force_side = 0;
	free(h);
}
