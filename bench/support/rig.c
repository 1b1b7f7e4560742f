/*
 * rig.c - simulator + engine end-to-end rig (rig.h).
 *
 * Sections: set-up (simulator config and thread, exchangeInfo copy,
 * engine config); order bookkeeping (events -> samples); open and closed
 * loops.
 *
 * Bookkeeping: order i of a run carries user_ref = ref0 + i, where ref0
 * grows by the run's size plus a gap from run to run, so a late event of
 * an earlier run (or of the warm-up) can never be taken for one of this
 * run's. Per order: the intended (or actual, closed loop) submit time,
 * whether its sample is taken, whether it ended. Samples are recorded when
 * the strategy thread reads the event (tl_engine_poll), i.e. what a
 * strategy would see.
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
#include "runtime/engine.h"
#include "sim/server.h"

#define RIG_POLL_NS 20000           /* strategy sleep between empty polls */
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
	tl_config_t cfg;
	tl_engine_t *E;
	uint64_t ref0;             /* user_ref of the next run's first order */
	uint64_t side;             /* alternates MARKET BUY/SELL */
	tl_engine_event_t ev[RIG_EVS];
	/* the current run */
	tl_rig_kind_t kind;
	uint64_t n;
	int64_t *t0;               /* intended / actual submit time per order */
	uint8_t *sampled, *ended;
	uint64_t nsampled, nended, nlost, nunknown;
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

static void rig_engine_cfg(tl_rig_t *r, bool tls, const char *tdir)
{
	tl_config_t *c = &r->cfg;
	tl_binance_cfg_t *b = tl_binance_cfg(c);

	tl_config_defaults(c);
	snprintf(c->exchange_info, sizeof c->exchange_info, "%s", r->xinfo);
	c->engine.cpu = r->cpu_engine;
	c->engine.idle = TL_IDLE_SLEEP;
	c->engine.idle_us = 20;
	c->io.cpu = r->cpu_engine;
	c->io.idle = TL_IDLE_SLEEP;
	c->io.idle_us = 20;
	c->kernel.order_cap = 1u << 17;
	tl_bench_cfg_unlimited(c);
	tl_binance_cfg_select(c);
	snprintf(b->rest.host, sizeof b->rest.host, "127.0.0.1");
	b->rest.port = (uint16_t)tl_sim_server_port(r->srv, TL_SIM_PORT_REST);
	b->rest.tls = tls;
	b->rest.insecure = false;
	snprintf(b->rest.ca_file, sizeof b->rest.ca_file, "%s/ca.pem", tdir);
	snprintf(b->ws.host, sizeof b->ws.host, "127.0.0.1");
	b->ws.port = (uint16_t)tl_sim_server_port(r->srv, TL_SIM_PORT_WS);
	b->ws.tls = tls;
	snprintf(b->api_key, sizeof b->api_key, "%s", r->scfg.acct[0].api_key);
	snprintf(b->api_secret, sizeof b->api_secret, "%s", r->scfg.acct[0].api_secret);
	b->connections = 4;
	b->timeout_ns = 5000LL * 1000000;
	b->orders_10s = b->orders_1m = b->weight_1m = RIG_LIMIT_BIG;
}

static int rig_engine_start(tl_rig_t *r)
{
	char err[512];
	tl_engine_xopts_t o = { .no_shm = true };
	tl_shm_snapshot_t s;

	r->E = tl_engine_create(&r->cfg, &o, err, sizeof err);
	if (!r->E) {
		fprintf(stderr, "rig: engine: %s\n", err);
		return -1;
	}
	if (tl_engine_start(r->E, err, sizeof err) < 0) {
		fprintf(stderr, "rig: engine start: %s\n", err);
		return -1;
	}
	/* Clock set, marks in (one input per symbol), user stream up. */
	int64_t end = tl_bench_now_ns() + RIG_START_NS;
	tl_venue_t *v = tl_engine_venue(r->E);
	while (tl_bench_now_ns() < end &&
	       (!tl_binance_ready(v) || !tl_engine_snapshot(r->E, &s) || s.inputs < 2 ||
		tl_binance_stream_state(v) != TL_BINANCE_STREAM_UP)) {
		tl_engine_poll(r->E, r->ev, RIG_EVS);
		rig_nap(1000000);
	}
	if (tl_binance_stream_state(v) != TL_BINANCE_STREAM_UP) {
		fprintf(stderr, "rig: the engine did not come up against the simulator in %lld s (%s)\n",
			RIG_START_NS / 1000000000, tl_binance_last_error(v));
		return -1;
	}
	return 0;
}

tl_rig_t *tl_rig_start(const tl_bench_ctx_t *ctx, bool tls)
{
	return tl_rig_start_rings(ctx, tls, 0);
}

tl_rig_t *tl_rig_start_rings(const tl_bench_ctx_t *ctx, bool tls, uint32_t ring)
{
	tl_rig_t *r = calloc(1, sizeof *r);
	char tdir[200], err[256];

	if (!r) {
		fprintf(stderr, "rig: out of memory\n");
		return NULL;
	}
	r->ref0 = 1;
	tl_loopback_cpus(ctx, &r->cpu_engine, &r->cpu_sim);
	tl_bench_cpu_text(r->cpu_text, sizeof r->cpu_text, r->cpu_engine, r->cpu_sim);
	if (tl_loopback_tls_dir(ctx, tdir, sizeof tdir, err, sizeof err) < 0) {
		fprintf(stderr, "rig: %s\n", err);
		goto fail;
	}
	if (rig_xinfo(ctx, r) < 0 || rig_sim_start(ctx, r, tls) < 0)
		goto fail;
	rig_engine_cfg(r, tls, tdir);
	if (ring) {
		r->cfg.ring_request = ring;
		r->cfg.ring_event = ring;
	}
	if (rig_engine_start(r) < 0)
		goto fail;
	tl_hist_t *warm = malloc(sizeof *warm);
	tl_rig_stats_t st;
	int rc = -1;
	if (warm) {
		tl_hist_init(warm);
		rc = tl_rig_closed(r, TL_RIG_ORDER, 0, warm, &st);
		free(warm);
	}
	if (rc < 0) {
		fprintf(stderr, "rig: warm-up orders failed\n");
		goto fail;
	}
	return r;
fail:
	tl_rig_stop(r);
	return NULL;
}

void tl_rig_stop(tl_rig_t *r)
{
	if (!r)
		return;
	if (r->E)
		tl_engine_close(r->E);
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

void tl_rig_engine_stop(tl_rig_t *r)
{
	if (r->E)
		tl_engine_close(r->E);
	r->E = NULL;
}

const char *tl_rig_cpu(const tl_rig_t *r) { return r->cpu_text; }

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
	r->hold_until = 0;
	r->inflight = 0;
	r->last_submit = r->max_late = 0;
	r->last_sample = 0;
	r->t0 = calloc(n, sizeof *r->t0);
	r->sampled = calloc(n, 1);
	r->ended = calloc(n, 1);
	r->retry = calloc(n, sizeof *r->retry);
	if (!r->t0 || !r->sampled || !r->ended || !r->retry) {
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
	r->t0 = NULL;
	r->sampled = r->ended = NULL;
	r->retry = NULL;
	r->ref0 += r->n + 1000000;
}

static int rig_pump(tl_rig_t *r);

static int rig_submit(tl_rig_t *r, uint64_t i, uint64_t *busy)
{
	tl_order_spec_t o = { .symbol = "BTCUSDT", .qty = "0.010" };

	if (r->kind == TL_RIG_ORDER) {
		o.side = TL_SIDE_BUY;
		o.type = TL_ORDER_LIMIT;
		o.price = "58000.0";
	} else {
		o.side = (r->side++ & 1) ? TL_SIDE_SELL : TL_SIDE_BUY;
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
		/* Command ring full: the engine is behind; read events. */
		(*busy)++;
		if (!rig_pump(r))
			rig_nap(RIG_POLL_NS);
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

/* Cancel a resting order (the command ring full: wait for the engine). */
static int rig_cancel(tl_rig_t *r, const char *clid, uint64_t ref)
{
	for (;;) {
		int rc = tl_engine_cancel(r->E, clid, ref);
		if (rc == 0)
			return 0;
		if (rc != -EAGAIN) {
			fprintf(stderr, "rig: cancel %s refused (%s)\n", clid,
				tl_engine_error());
			return -1;
		}
		rig_nap(RIG_POLL_NS);
	}
}

/* Queue order i at the FIFO's tail. */
static void rig_defer(tl_rig_t *r, uint64_t i)
{
	r->retry[(r->retry_head + r->retry_n++) % r->n] = i;
}

/* Read what events there are; returns how many were ours. */
static int rig_pump(tl_rig_t *r)
{
	int n = tl_engine_poll(r->E, r->ev, RIG_EVS);
	int64_t now = tl_bench_now_ns();
	int ours = 0;

	for (int k = 0; k < n; k++) {
		const tl_engine_event_t *e = &r->ev[k];
		if (!tl_event_is_order(e))
			continue;	/* position and state events */
		uint64_t ref = e->user_ref;
		if (ref < r->ref0 || ref >= r->ref0 + r->n)
			continue;
		uint64_t i = ref - r->ref0;
		ours++;
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
				if (rig_cancel(r, e->u.order.client_id, ref) < 0) {
					r->nlost++;
					rig_end(r, i);
				}
			} else if (r->kind == TL_RIG_ANSWER) {
				rig_sample(r, i, now);
			}
			break;
		case TL_EVENT_ORDER_FILLED:
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
	}
	return ours;
}

/* True while orders must wait in the FIFO instead of going out. */
static bool rig_held(const tl_rig_t *r)
{
	return r->retry_n || r->hold_until;
}

/* Submit what the FIFO may release now (see struct tl_rig). -1 on a
 * submit error. */
static int rig_retry(tl_rig_t *r, uint64_t *busy)
{
	uint64_t batch;

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

/* Pump until every order ended or the deadline; 0 when all ended. */
static int rig_drain(tl_rig_t *r, int64_t deadline, uint64_t *busy)
{
	while (r->nended < r->n && tl_bench_now_ns() < deadline) {
		if (rig_retry(r, busy) < 0)
			return -1;
		if (!rig_pump(r))
			rig_nap(RIG_POLL_NS);
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
		/* Until it is due: read events (sleeping when there are none
		 * and the due time is not close). */
		/* (Not tl_openloop_wait: it would sleep without reading
		 * events, and an event is timed when the strategy reads it.) */
		for (;;) {
			int64_t now = tl_bench_now_ns();
			if (now >= due)
				break;
			if (rig_retry(r, &st->busy_retries) < 0)
				goto out;
			if (!rig_pump(r) && due - now > 2 * RIG_POLL_NS)
				rig_nap(RIG_POLL_NS);
		}
		if (rig_retry(r, &st->busy_retries) < 0)
			goto out;
		r->t0[i] = due;
		if (rig_held(r)) {
			rig_defer(r, i);	/* behind the back-pressured ones */
			continue;
		}
		if (rig_submit(r, i, &st->busy_retries) < 0)
			goto out;
		rig_pump(r);
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

int tl_rig_closed(tl_rig_t *r, tl_rig_kind_t kind, double secs, tl_hist_t *h,
		  tl_rig_stats_t *st)
{
	/* secs 0: the warm-up, RIG_WARMUP orders. */
	uint64_t cap = secs > 0 ? (uint64_t)(secs * 200000) + 1 : RIG_WARMUP;
	int64_t start = tl_bench_now_ns();
	int64_t end = secs > 0 ? start + (int64_t)(secs * 1e9) : INT64_MAX;
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
		while (!r->ended[i] && tl_bench_now_ns() < deadline) {
			if (rig_retry(r, &st->busy_retries) < 0)
				goto out;
			if (!rig_pump(r))
				rig_nap(RIG_POLL_NS);
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
