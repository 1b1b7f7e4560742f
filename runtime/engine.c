/*
 * engine.c - the ENGINE and IO agents and the strategy API (engine.h).
 *
 * Ownership:
 *   ENGINE thread: kernel, cmd/vin/shm-ring consumer, req/evt/journal
 *                  producer, engine staging queues, snapshot writer;
 *   IO thread:     venue, req consumer, vin producer, IO staging;
 *   strategy:      cmd producer, evt consumer (one thread).
 * Nothing is shared except the rings, the shm block and atomics.
 */
#define _GNU_SOURCE
#include "runtime/engine.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io/binance/binance.h"
#include "io/binance/xinfo.h"
#include "runtime/harden.h"
#include "io/binance/startup.h"
#include "io/paper/paper.h"
#include "persist/journal.h"
#include "persist/replay.h"

/* A preallocated FIFO for records that found their ring full. */
typedef struct eng_stage {
	tl_record_t *v;
	uint32_t cap, head, n;      /* cap is a power of two */
} eng_stage_t;

struct tl_engine {
	tl_config_t cfg;
	tl_engine_opts_t opts;
	tl_kernel_t k;
	tl_sink_t sink;
	tl_venue_t *venue;
	tl_shm_t *shm;              /* shared block, or a private one (no_shm) */
	bool shm_shared;
	tl_inring_t cmd, vin;
	tl_inring_t sin;                   /* STREAM thread -> engine (venue streams) */
	eng_stage_t st_sin;                /* STREAM thread staging */
	tl_outring_t req, evr;
	tl_recring_t jr;
	bool journal;
	eng_stage_t st_req, st_ev, st_j;   /* engine thread */
	eng_stage_t st_vin;                /* IO thread */
	tl_output_t held;                  /* engine: last emergency close of
					    * the input being applied */
	bool held_set;
	tl_output_t io_batch[256];         /* IO thread: requests in hand */
	uint32_t io_n;
	tl_agent_t eng, io;
	uint64_t in_seq;
	tl_time_t now;
	tl_time_t next_snap, snap_period;
	uint32_t high_water[3];            /* req, evt, journal thresholds */
	uint64_t lat_hist[64];             /* log2 ns of each busy loop's work */
	tl_engine_counters_t ctr;
	_Atomic bool eng_running;
	_Atomic bool lost_shm;             /* another engine took the block */
	/* persistence */
	tl_journal_t *jnl;                 /* NULL: no journal.path */
	const tl_journal_stats_t *jst;
	bool strict;                       /* requests wait for their commit */
	bool recovered;                    /* state came from the journal */
	uint64_t restart_id;               /* RESTART: continue ids here */
	uint64_t session;
	/* The exposure gate (io/venue.h): ENGINE writes, IO and the venue
	 * read. */
	tl_venue_gate_t gate;
	eng_stage_t st_wd;                 /* one purge's withdrawn requests */
	bool purging;
};

static _Thread_local char eng_errmsg[256];

const char *tl_engine_error(void)
{
	return eng_errmsg;
}

static inline tl_time_t eng_clock(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);	/* vDSO: no syscall */
	return (tl_time_t)ts.tv_sec * TL_NS_PER_S + ts.tv_nsec;
}

static inline tl_time_t eng_mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (tl_time_t)ts.tv_sec * TL_NS_PER_S + ts.tv_nsec;
}

static inline void eng_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}

/* ---- staging ------------------------------------------------------------ */

static int stage_init(eng_stage_t *s, uint32_t cap, char *err, size_t errlen)
{
	uint32_t c = 64;
	while (c < cap)
		c <<= 1;
	s->v = calloc(c, sizeof(*s->v));
	if (!s->v) {
		snprintf(err, errlen, "engine: out of memory for staging");
		return -1;
	}
	s->cap = c;
	s->head = s->n = 0;
	return 0;
}

static void stage_free(eng_stage_t *s)
{
	free(s->v);
	memset(s, 0, sizeof(*s));
}

static inline bool stage_put(eng_stage_t *s, const void *rec, size_t len)
{
	if (s->n == s->cap)
		return false;
	tl_record_t *d = &s->v[(s->head + s->n) & (s->cap - 1)];
	memcpy(d, rec, len);
	s->n++;
	return true;
}

static inline tl_record_t *stage_peek(eng_stage_t *s)
{
	return s->n ? &s->v[s->head] : NULL;
}

static inline void stage_drop_head(eng_stage_t *s)
{
	s->head = (s->head + 1) & (s->cap - 1);
	s->n--;
}

/* Move staged records into their ring while it has room. */
static int flush_out(eng_stage_t *s, tl_outring_t *q)
{
	int moved = 0;
	tl_record_t *r;
	while ((r = stage_peek(s)) && tl_outring_push(q, &r->u.out)) {
		stage_drop_head(s);
		moved++;
	}
	return moved;
}

static int flush_rec(eng_stage_t *s, tl_recring_t *q)
{
	int moved = 0;
	tl_record_t *r;
	while ((r = stage_peek(s)) && tl_recring_push(q, r)) {
		stage_drop_head(s);
		moved++;
	}
	return moved;
}

static int flush_in(eng_stage_t *s, tl_inring_t *q)
{
	int moved = 0;
	tl_record_t *r;
	while ((r = stage_peek(s)) && tl_inring_push(q, &r->u.in)) {
		stage_drop_head(s);
		moved++;
	}
	return moved;
}

/* Strict journal mode: a request leaves for IO only once its journal
 * record is committed. */
static int flush_req(tl_engine_t *e)
{
	if (!e->strict)
		return flush_out(&e->st_req, &e->req);
	/* Records commit in ring order: once the request's own journal copy
	 * (same output seq) is on disk, so is everything before it. */
	uint64_t done = tl_journal_committed_out_seq(e->jnl);
	int moved = 0;
	tl_record_t *r;
	while ((r = stage_peek(&e->st_req)) && r->u.hdr.seq <= done &&
	       tl_outring_push(&e->req, &r->u.out)) {
		stage_drop_head(&e->st_req);
		moved++;
	}
	return moved;
}

/* ---- engine-side routing -------------------------------------------------- */

/* Put an output on its ring, behind anything already staged for it. When
 * the stage itself is full the engine waits for the consumer: it never
 * drops a record. */
static void route_out(tl_engine_t *e, eng_stage_t *s, tl_outring_t *q,
		      const tl_output_t *o)
{
	if (s->n == 0 && tl_outring_push(q, o))
		return;
	atomic_fetch_add_explicit(&e->ctr.staged, 1, memory_order_relaxed);
	while (!stage_put(s, o, sizeof(*o))) {
		atomic_fetch_add_explicit(&e->ctr.stalls, 1, memory_order_relaxed);
		while (flush_out(s, q) == 0)
			eng_relax();
	}
}

static void route_journal(tl_engine_t *e, const tl_record_t *r)
{
	eng_stage_t *s = &e->st_j;
	if (s->n == 0 && tl_recring_push(&e->jr, r))
		return;
	atomic_fetch_add_explicit(&e->ctr.staged, 1, memory_order_relaxed);
	while (!stage_put(s, r, sizeof(*r))) {
		atomic_fetch_add_explicit(&e->ctr.stalls, 1, memory_order_relaxed);
		while (flush_rec(s, &e->jr) == 0)
			eng_relax();
	}
}

/* An emergency close: an urgent plain MARKET NEW, which the venue
 * adapter may send together with the rest of its burst (batchOrders). */
static bool eng_batchable(const tl_output_t *o)
{
	return o->hdr.type == TL_OUT_REQ_NEW && o->u.req.urgent && !o->u.req.algo &&
	       o->u.req.type == TL_ORD_MARKET;
}

static void eng_route_req(tl_engine_t *e, const tl_output_t *o)
{
	if (e->strict) {
		/* Held until committed (flush_req). */
		while (!stage_put(&e->st_req, o, sizeof(*o))) {
			atomic_fetch_add_explicit(&e->ctr.stalls, 1, memory_order_relaxed);
			if (e->journal)
				flush_rec(&e->st_j, &e->jr);
			if (flush_req(e) == 0)
				eng_relax();
		}
	} else {
		route_out(e, &e->st_req, &e->req, o);
	}
}

/* The emergency closes of one input (a liquidation emits them all at
 * once) reach the IO thread one by one: each is held back until the
 * next request of the same input shows whether another close follows
 * (`more`), so the adapter knows for certain when a burst is complete
 * instead of guessing with a timer. The last one leaves when the input
 * has been applied (eng_apply). */
static void eng_emit_req(tl_engine_t *e, const tl_output_t *o)
{
	if (e->held_set) {
		e->held.u.req.more = eng_batchable(o);
		e->held_set = false;
		eng_route_req(e, &e->held);
	}
	if (eng_batchable(o)) {
		e->held = *o;
		e->held_set = true;
	} else {
		eng_route_req(e, o);
	}
}

static void eng_emit(void *ctx, const tl_output_t *o)
{
	tl_engine_t *e = ctx;
	if (e->journal) {
		tl_record_t r;
		r.u.out = *o;
		r.u.hdr.flags |= TL_REC_OUTPUT;
		route_journal(e, &r);
	}
	switch (o->hdr.type) {
	case TL_OUT_REQ_NEW:
	case TL_OUT_REQ_CANCEL:
	case TL_OUT_REQ_QUERY:
		eng_emit_req(e, o);
		break;
	case TL_OUT_EVENT:
		route_out(e, &e->st_ev, &e->evr, o);
		break;
	default:
		break;		/* ID_RESERVE: journal only */
	}
}

/* ---- the exposure gate ------------------------------------------------------ */

static void eng_gate_update(tl_engine_t *e);

/* States in which nothing may add exposure (kernel.md: REDUCING only
 * reduces, LIQUIDATING closes, PAUSED sends no new orders). */
static bool eng_state_closing(uint8_t st)
{
	return st == TL_TS_REDUCING || st == TL_TS_LIQUIDATING || st == TL_TS_PAUSED;
}

/* A staged request the gate withdraws: a NEW that could add exposure. */
static bool eng_withdrawable(const tl_output_t *o)
{
	return o->hdr.type == TL_OUT_REQ_NEW && !tl_venue_req_closing(&o->u.req);
}

/* A staged cancel of an order whose NEW this purge already withdrew
 * (in st_wd): it would only reach the venue to find nothing. */
static bool eng_cancel_of_withdrawn(const tl_engine_t *e, const tl_output_t *o)
{
	const eng_stage_t *w = &e->st_wd;

	if (o->hdr.type != TL_OUT_REQ_CANCEL)
		return false;
	for (uint32_t i = 0; i < w->n; i++)
		if (w->v[(w->head + i) & (w->cap - 1)].u.out.u.req.handle == o->u.req.handle)
			return true;
	return false;
}

static tl_reject_t eng_apply(tl_engine_t *e, tl_input_t *in, uint64_t *h);

/* Tell the kernel a request never left: a REQ_ERROR input through the
 * normal path (journaled, applied), never a silent drop. */
static void eng_withdraw(tl_engine_t *e, const tl_output_t *o, const char *why)
{
	tl_input_t in;

	memset(&in, 0, sizeof(in));
	in.hdr.type = TL_IN_REQ_ERROR;
	memcpy(in.u.error.client_id, o->u.req.client_id, TL_CLID_LEN);
	in.u.error.req = o->hdr.type == TL_OUT_REQ_NEW ? TL_REQ_NEW : TL_REQ_CANCEL;
	in.u.error.outcome.transport = TL_TR_WITHDRAWN;
	in.u.error.outcome.written = false;
	in.u.error.outcome.is_write = true;
	snprintf(in.u.error.text, sizeof(in.u.error.text), "%s", why);
	atomic_fetch_add_explicit(&e->ctr.withdrawn, 1, memory_order_relaxed);
	eng_apply(e, &in, NULL);
}

/*
 * The gate just closed: take every non-closing NEW out of the request
 * staging queue (requests waiting for ring room, and in strict mode for
 * their commit), with any cancel the kernel queued behind one of them,
 * keeping the order of the rest. The kernel hears of each (one REQ_ERROR
 * per request) once the queue is whole again: its answers may stage new
 * requests. Cold: once per gate closing; st_wd is preallocated.
 */
static void eng_purge_req(tl_engine_t *e, const char *why)
{
	eng_stage_t *s = &e->st_req, *w = &e->st_wd;
	uint32_t mask = s->cap - 1, keep = 0, n = s->n;
	tl_record_t *r;

	if (e->purging)
		return;
	e->purging = true;
	for (uint32_t i = 0; i < n; i++) {
		r = &s->v[(s->head + i) & mask];
		if (eng_withdrawable(&r->u.out) || eng_cancel_of_withdrawn(e, &r->u.out)) {
			stage_put(w, r, sizeof(*r));	/* same capacity: fits */
			continue;
		}
		if (keep != i)
			s->v[(s->head + keep) & mask] = *r;
		keep++;
	}
	s->n = keep;
	while ((r = stage_peek(w))) {
		tl_output_t o = r->u.out;
		stage_drop_head(w);
		eng_withdraw(e, &o, why);
	}
	e->purging = false;
}

/* After every applied input: only closing orders leave while the kernel
 * is REDUCING, LIQUIDATING or PAUSED. The moment it closes, what waits in
 * staging is purged. */
static void eng_gate_update(tl_engine_t *e)
{
	uint32_t want = eng_state_closing(e->k.state);
	uint32_t was = atomic_load_explicit(&e->gate.closing_only, memory_order_relaxed);

	if (want == was)
		return;
	atomic_store_explicit(&e->gate.closing_only, want, memory_order_release);
	if (want)
		eng_purge_req(e, "withdrawn: trading state");
}

static tl_reject_t eng_apply(tl_engine_t *e, tl_input_t *in, uint64_t *h)
{
	in->hdr.seq = ++e->in_seq;
	in->hdr.time = e->now;
	in->hdr.flags = 0;
	in->hdr.cause_seq = 0;
	if (e->journal) {
		tl_record_t r;
		r.u.in = *in;
		route_journal(e, &r);
	}
	tl_reject_t rej = tl_kernel_apply(&e->k, in, &e->sink, h);
	if (e->held_set) {
		e->held.u.req.more = 0;	/* the last close of its burst */
		e->held_set = false;
		eng_route_req(e, &e->held);
	}
	eng_gate_update(e);
	return rej;
}

static bool eng_journal_down(tl_engine_t *e)
{
	return e->jst && atomic_load_explicit(&e->jst->failed, memory_order_acquire);
}

/* Above the high-water mark on any output path: refuse new orders. */
static bool eng_pressure(tl_engine_t *e)
{
	/* Staged records count as queued (in strict mode every request waits
	 * in staging for its commit, so "anything staged" is not pressure). */
	if (e->st_req.n + tl_ring_used(&e->req.r) >= e->high_water[0])
		return true;
	if (e->st_ev.n + tl_ring_used(&e->evr.r) >= e->high_water[1])
		return true;
	if (e->journal && e->st_j.n + tl_ring_used(&e->jr.r) >= e->high_water[2])
		return true;
	return false;
}

static bool eng_is_order_cmd(const tl_input_t *in)
{
	return in->hdr.type == TL_IN_SUBMIT || in->hdr.type == TL_IN_SIGNAL;
}

/* Refuse a strategy command without the kernel (back-pressure, or the
 * journal cannot write). */
static void eng_refuse(tl_engine_t *e, const tl_input_t *in, tl_reject_t why)
{
	tl_output_t o;
	memset(&o, 0, sizeof(o));
	o.hdr.type = TL_OUT_EVENT;
	o.hdr.time = e->now;
	o.u.ev.type = TL_EV_ORDER_REJECTED;
	o.u.ev.priority = (uint8_t)tl_event_priority(TL_EV_ORDER_REJECTED);
	const char *sym = in->hdr.type == TL_IN_SUBMIT ? in->u.submit.symbol
						      : in->u.signal.symbol;
	snprintf(o.u.ev.symbol, TL_SYMBOL_NAMELEN, "%.*s", TL_SYMBOL_NAMELEN - 1, sym);
	o.u.ev.u.order.status = TL_ST_REJECTED;
	o.u.ev.u.order.reject = (uint16_t)why;
	o.u.ev.u.order.user_ref = in->hdr.type == TL_IN_SUBMIT ? in->u.submit.user_ref
							      : in->u.signal.user_ref;
	snprintf(o.u.ev.text, TL_TEXT_LEN, "%s", tl_reject_msg(why));
	atomic_fetch_add_explicit(&e->ctr.backpressure, 1, memory_order_relaxed);
	route_out(e, &e->st_ev, &e->evr, &o);
}

/* ---- snapshot ----------------------------------------------------------------- */

/* Percentile of a log2 histogram: the upper bound of the bucket holding
 * the p-quantile (so within 2x of the truth; a summary for operators). */
static uint64_t eng_hist_pct(const uint64_t *h, double p)
{
	uint64_t total = 0, acc = 0;
	for (int i = 0; i < 64; i++)
		total += h[i];
	if (!total)
		return 0;
	uint64_t want = (uint64_t)((double)(total - 1) * p);
	for (int i = 0; i < 63; i++) {
		acc += h[i];
		if (acc > want)
			return 2ULL << i;
	}
	return UINT64_MAX;
}

static void eng_publish(tl_engine_t *e)
{
	tl_shm_snapshot_t s;
	memset(&s, 0, sizeof(s));
	const tl_kernel_t *k = &e->k;
	s.published = e->now;
	s.state = k->state;
	s.open_orders = k->orders.n_active;
	s.tracked_orders = k->orders.n_active + k->orders.n_terminal;
	for (uint32_t i = 0; i < k->syms.count * 3 && s.n_pos < TL_SHM_POS_MAX; i++) {
		const tl_position_t *p = &k->pos[i];
		if (p->status == TL_POS_FLAT && p->qty == 0)
			continue;
		tl_shm_pos_t *d = &s.pos[s.n_pos++];
		memcpy(d->symbol, k->syms.sym[p->sym].name, TL_SYMBOL_NAMELEN);
		d->pos_side = p->pos_side;
		d->status = p->status;
		d->qty = p->qty;
		d->entry = p->entry;
		d->mark = p->mark;
		d->unrealized = p->unrealized;
		d->realized = p->realized;
		d->commission = p->commission;
		d->roe = tl_pos_roe(p, p->mark);
		d->leverage = p->leverage;
	}
	s.total_pnl = tl_kernel_total_pnl(k);
	const tl_kernel_counters_t *c = &k->ctr;
	s.inputs = c->inputs;
	s.outputs = c->outputs;
	s.events = c->events;
	s.submitted = c->orders_submitted;
	s.refused = c->orders_refused;
	s.filled = c->orders_filled;
	s.canceled = c->orders_canceled;
	s.rejected = c->orders_rejected;
	s.failed = c->orders_failed;
	s.expired = c->orders_expired;
	s.unknown = c->orders_unknown;
	s.fills = c->fills;
	s.duplicate_fills = c->duplicate_fills;
	s.invalid_transitions = c->invalid_transitions;
	s.backpressure = atomic_load_explicit(&e->ctr.backpressure, memory_order_relaxed);
	s.adopted = c->orders_adopted;
	s.conflicts = c->pos_conflicts;
	s.orphans = c->pos_orphans;
	s.resyncs = c->resyncs;
	s.foreign_updates = c->foreign_updates;
	s.emg_active = k->emg.active;
	s.emg_total = k->emg.total;
	s.emg_ok = k->emg.ok;
	s.emg_failed = k->emg.failed;
	s.emg_canceled = k->emg.canceled;
	s.emg_started = k->emg.started;
	s.emg_completed = k->emg.completed;
	memcpy(s.emg_reason, k->emg.reason, TL_TEXT_LEN);
	if (e->jnl)
		s.journal = TL_SHM_JOURNAL_ON | (e->strict ? TL_SHM_JOURNAL_STRICT : 0) |
			    (eng_journal_down(e) ? TL_SHM_JOURNAL_FAILED : 0);
	s.lat_p50 = eng_hist_pct(e->lat_hist, 0.50);
	s.lat_p99 = eng_hist_pct(e->lat_hist, 0.99);
	s.lat_max = eng_hist_pct(e->lat_hist, 1.0);
	tl_shm_publish(e->shm, &s);
	atomic_store_explicit(&e->shm->state, k->state, memory_order_release);
}

/* ---- the ENGINE agent ----------------------------------------------------------- */

#define ENG_BUDGET 256   /* records of one kind per loop, so none starves */

static void eng_ctl(tl_engine_t *e, tl_ctl_req_t *rq)
{
	uint64_t h = 0;
	tl_reject_t r;
	atomic_fetch_add_explicit(&e->ctr.ctl_requests, 1, memory_order_relaxed);
	if (rq->kind != TL_CTLK_INPUT || rq->in.hdr.type < TL_IN_SUBMIT ||
	    rq->in.hdr.type > TL_IN_CONTROL) {
		tl_shm_reply(e->shm, rq->id, TL_REJ_BAD_PARAM, "", "not a command");
		return;
	}
	if (eng_is_order_cmd(&rq->in) && eng_journal_down(e)) {
		tl_shm_reply(e->shm, rq->id, TL_REJ_JOURNAL_DOWN, "",
			     tl_reject_msg(TL_REJ_JOURNAL_DOWN));
		return;
	}
	if (eng_is_order_cmd(&rq->in) && eng_pressure(e)) {
		atomic_fetch_add_explicit(&e->ctr.backpressure, 1, memory_order_relaxed);
		tl_shm_reply(e->shm, rq->id, TL_REJ_BACKPRESSURE, "",
			     tl_reject_msg(TL_REJ_BACKPRESSURE));
		return;
	}
	r = eng_apply(e, &rq->in, &h);
	const tl_order_t *o = h ? tl_orders_get(&e->k.orders, h) : NULL;
	tl_shm_reply(e->shm, rq->id, r, o ? o->client_id : "", tl_reject_msg(r));
}

static int eng_work(void *ctx)
{
	tl_engine_t *e = ctx;
	int work = 0;
	tl_time_t t0 = eng_mono();
	e->now = eng_clock();
	atomic_fetch_add_explicit(&e->ctr.loops, 1, memory_order_relaxed);
	if (e->shm_shared && !tl_shm_heartbeat(e->shm, e->now)) {
		/* Another engine took our block over (we looked dead to it):
		 * stop trading rather than run two engines under one name. */
		atomic_store_explicit(&e->lost_shm, true, memory_order_release);
		atomic_store_explicit(&e->eng.stop, true, memory_order_release);
		return 0;
	}
	if (!e->shm_shared)
		atomic_store_explicit(&e->shm->heartbeat, e->now, memory_order_relaxed);

	/* 1. The kill switch: one word, read every loop. */
	tl_kill_cmd_t kc;
	tl_input_t in;
	memset(&in, 0, sizeof(in));
	if (tl_shm_kill_poll(e->shm, &kc, in.u.control.reason,
			     sizeof(in.u.control.reason)) && kc == TL_KILL_LIQUIDATE) {
		/* The gate closes before the kernel even hears of the kill:
		 * from this store on the IO thread and the venue let only
		 * closing orders leave (the kill switch never adds exposure),
		 * and the venue sweeps once for this epoch. */
		atomic_store_explicit(&e->gate.closing_only, 1, memory_order_release);
		atomic_fetch_add_explicit(&e->gate.kill_epoch, 1, memory_order_release);
		in.hdr.type = TL_IN_CONTROL;
		in.u.control.cmd = TL_CTL_LIQUIDATE;
		eng_apply(e, &in, NULL);
		/* After the LIQUIDATE (its cancels of these orders are purged
		 * with them): the kernel learns each NEW never left. */
		eng_purge_req(e, "withdrawn: kill switch");
		atomic_fetch_add_explicit(&e->ctr.kill_seen, 1, memory_order_relaxed);
		work++;
	}

	/* 2. Staged outputs first, so ring order is kept. */
	work += flush_req(e);
	work += flush_out(&e->st_ev, &e->evr);
	if (e->journal)
		work += flush_rec(&e->st_j, &e->jr);

	/* 3. Venue events (IO replies, then stream events): always taken. */
	for (int i = 0; i < ENG_BUDGET && tl_inring_pop(&e->vin, &in); i++) {
		eng_apply(e, &in, NULL);
		work++;
	}
	for (int i = 0; i < ENG_BUDGET && tl_inring_pop(&e->sin, &in); i++) {
		eng_apply(e, &in, NULL);
		work++;
	}

	/* 4. Operator requests. */
	tl_ctl_req_t rq;
	for (int i = 0; i < 16 && tl_shm_next_request(e->shm, &rq); i++) {
		eng_ctl(e, &rq);
		work++;
	}

	/* 5. Strategy commands, only while the event ring can take answers. */
	for (int i = 0; i < ENG_BUDGET; i++) {
		if (tl_ring_free(&e->evr.r) < 64 || e->st_ev.n > e->st_ev.cap / 2)
			break;
		if (!tl_inring_pop(&e->cmd, &in))
			break;
		if (eng_is_order_cmd(&in) && eng_journal_down(e))
			eng_refuse(e, &in, TL_REJ_JOURNAL_DOWN);
		else if (eng_is_order_cmd(&in) && eng_pressure(e))
			eng_refuse(e, &in, TL_REJ_BACKPRESSURE);
		else
			eng_apply(e, &in, NULL);
		work++;
	}

	/* 6. Timers. */
	if (e->now >= tl_kernel_next_deadline(&e->k)) {
		memset(&in, 0, sizeof(in));
		in.hdr.type = TL_IN_TICK;
		eng_apply(e, &in, NULL);
	}

	/* 7. Snapshot at a bounded rate. */
	if (e->now >= e->next_snap) {
		eng_publish(e);
		e->next_snap = e->now + e->snap_period;
	}
	if (work) {
		uint64_t d = (uint64_t)(eng_mono() - t0);
		e->lat_hist[d ? 63 - __builtin_clzll(d) : 0]++;
	}
	return work;
}

static void eng_on_start(void *ctx)
{
	tl_engine_t *e = ctx;
	atomic_store_explicit(&e->eng_running, true, memory_order_release);
}

static void eng_on_stop(void *ctx)
{
	tl_engine_t *e = ctx;
	/* Drain: take what the venue already said, push out what is staged,
	 * for at most 200 ms, then publish the final snapshot. */
	tl_time_t end = eng_mono() + 200 * TL_NS_PER_MS;
	tl_input_t in;
	while (eng_mono() < end) {
		int w = 0;
		e->now = eng_clock();
		while (tl_inring_pop(&e->vin, &in) || tl_inring_pop(&e->sin, &in)) {
			eng_apply(e, &in, NULL);
			w++;
		}
		w += flush_req(e);
		w += flush_out(&e->st_ev, &e->evr);
		if (e->journal)
			w += flush_rec(&e->st_j, &e->jr);
		if (!w && !e->st_ev.n && !e->st_req.n && !e->st_j.n)
			break;
	}
	eng_publish(e);
	atomic_store_explicit(&e->eng_running, false, memory_order_release);
}

/* ---- the IO agent ------------------------------------------------------------------ */

static void io_emit(void *ctx, const tl_input_t *in)
{
	tl_engine_t *e = ctx;
	eng_stage_t *s = &e->st_vin;
	if (s->n == 0 && tl_inring_push(&e->vin, in))
		return;
	while (!stage_put(s, in, sizeof(*in))) {
		while (flush_in(s, &e->vin) == 0)
			eng_relax();
	}
}

/* The venue's STREAM thread: its own ring and staging, same rules. */
static void stream_emit(void *ctx, const tl_input_t *in)
{
	tl_engine_t *e = ctx;
	eng_stage_t *s = &e->st_sin;
	if (s->n)
		flush_in(s, &e->sin);	/* keep order: older staged records first */
	if (s->n == 0 && tl_inring_push(&e->sin, in))
		return;
	while (!stage_put(s, in, sizeof(*in))) {
		while (flush_in(s, &e->sin) == 0)
			eng_relax();
	}
}

static void io_fail(tl_engine_t *e, const tl_out_req_t *r, tl_req_kind_t kind,
		    int rc, tl_time_t now)
{
	tl_input_t in;
	memset(&in, 0, sizeof(in));
	in.hdr.type = TL_IN_REQ_ERROR;
	in.hdr.time = now;
	memcpy(in.u.error.client_id, r->client_id, TL_CLID_LEN);
	in.u.error.req = (uint8_t)kind;
	in.u.error.outcome.transport = TL_TR_LOCAL;
	snprintf(in.u.error.text, sizeof(in.u.error.text), "venue refused request: %s",
		 strerror(-rc));
	io_emit(e, &in);
}

/* A request the IO thread ends itself, never handing it to the venue
 * (transport WITHDRAWN: no byte of it was written). */
static void io_withdraw(tl_engine_t *e, const tl_out_req_t *r, tl_req_kind_t kind,
			const char *why, tl_time_t now)
{
	tl_input_t in;
	memset(&in, 0, sizeof(in));
	in.hdr.type = TL_IN_REQ_ERROR;
	in.hdr.time = now;
	memcpy(in.u.error.client_id, r->client_id, TL_CLID_LEN);
	in.u.error.req = (uint8_t)kind;
	in.u.error.outcome.transport = TL_TR_WITHDRAWN;
	in.u.error.outcome.is_write = true;
	snprintf(in.u.error.text, sizeof(in.u.error.text), "%s", why);
	atomic_fetch_add_explicit(&e->ctr.withdrawn, 1, memory_order_relaxed);
	io_emit(e, &in);
}

/* A cancel whose order's NEW is still in hand (the venue said -EAGAIN
 * to it): neither goes; both end WITHDRAWN (the NEW would otherwise
 * follow its own cancel to the venue and rest). */
static bool io_cancel_in_hand(tl_engine_t *e, const tl_output_t *c, tl_time_t now)
{
	for (uint32_t i = 0; i < e->io_n; i++) {
		tl_output_t *o = &e->io_batch[i];
		if (o->hdr.type != TL_OUT_REQ_NEW || o->u.req.handle != c->u.req.handle ||
		    strncmp(o->u.req.client_id, c->u.req.client_id, TL_CLID_LEN) != 0)
			continue;
		io_withdraw(e, &o->u.req, TL_REQ_NEW, "withdrawn: canceled before send", now);
		io_withdraw(e, &c->u.req, TL_REQ_CANCEL, "withdrawn: canceled before send", now);
		o->hdr.type = 0;
		return true;
	}
	return false;
}

/* Hand one request to the venue; false when it must wait (-EAGAIN). */
static bool io_send(tl_engine_t *e, const tl_output_t *o, tl_time_t now)
{
	const tl_venue_ops_t *ops = e->venue->ops;
	int rc;
	tl_req_kind_t kind;
	switch (o->hdr.type) {
	case TL_OUT_REQ_NEW:
		kind = TL_REQ_NEW;
		/* also each retry after -EAGAIN: the gate may have closed */
		if (!tl_venue_may_send(e->venue, &o->u.req)) {
			io_withdraw(e, &o->u.req, kind,
				    atomic_load_explicit(&e->gate.kill_epoch, memory_order_relaxed)
					    ? "withdrawn: kill switch" : "withdrawn: trading state",
				    now);
			return true;
		}
		rc = ops->submit(e->venue, &o->u.req, now);
		break;
	case TL_OUT_REQ_CANCEL:
		kind = TL_REQ_CANCEL;
		if (io_cancel_in_hand(e, o, now))
			return true;
		rc = ops->cancel(e->venue, &o->u.req, now);
		break;
	case TL_OUT_REQ_QUERY:
		kind = TL_REQ_QUERY;
		rc = ops->query(e->venue, &o->u.req, now);
		break;
	default:
		return true;
	}
	if (rc == -EAGAIN)
		return false;
	if (rc < 0)
		io_fail(e, &o->u.req, kind, rc, now);
	return true;
}

/* The IO thread's idle: the venue's wait when it has one (a response
 * is read as it lands; a request from the engine still waits up to
 * io.idle_us, as waking IO would cost the engine a syscall). */
static int io_idle_wait(void *ctx, int64_t ns)
{
	tl_engine_t *e = ctx;
	const tl_venue_ops_t *ops = e->venue->ops;
	return ops->wait ? ops->wait(e->venue, ns) : -1;
}

static int io_work(void *ctx)
{
	tl_engine_t *e = ctx;
	int work = 0;
	tl_time_t now = eng_clock();
	work += flush_in(&e->st_vin, &e->vin);
	/* Refill the batch, then send urgent requests (cancels, emergency
	 * closes) before the rest. */
	while (e->io_n < 256 && tl_outring_pop(&e->req, &e->io_batch[e->io_n]))
		e->io_n++;
	if (e->io_n) {
		uint32_t keep = 0;
		for (int pass = 0; pass < 2; pass++) {
			for (uint32_t i = 0; i < e->io_n; i++) {
				tl_output_t *o = &e->io_batch[i];
				if (o->hdr.type == 0 || (pass == 0) != (o->u.req.urgent != 0))
					continue;
				if (io_send(e, o, now)) {
					o->hdr.type = 0;	/* done */
					work++;
				}
			}
		}
		for (uint32_t i = 0; i < e->io_n; i++)
			if (e->io_batch[i].hdr.type != 0)
				e->io_batch[keep++] = e->io_batch[i];
		e->io_n = keep;
	}
	work += e->venue->ops->poll(e->venue, now);
	return work;
}

/* ---- lifecycle ------------------------------------------------------------------------ */

/*
 * Open the journal; if it holds a previous session, rebuild the kernel by
 * replaying its inputs (every regenerated output must equal the journaled
 * one, or the engine refuses to start: a different config or a bug would
 * otherwise trade on a state nobody can explain).
 */
static int eng_open_journal(tl_engine_t *e, char *err, size_t errlen)
{
	tl_journal_cfg_t jc;
	memset(&jc, 0, sizeof(jc));
	snprintf(jc.path, sizeof(jc.path), "%s", e->cfg.journal_path);
	snprintf(jc.engine, sizeof(jc.engine), "%s", e->cfg.name);
	jc.mode = e->cfg.journal_strict ? TL_JOURNAL_STRICT : TL_JOURNAL_ASYNC;
	jc.sync_full = e->cfg.journal_sync_full != 0;
	jc.batch_max = 4096;
	jc.batch_us = 2000;
	/* The journal's own directory is created if missing (one level,
	 * private), so a fresh checkout can run at once. */
	char d[TL_PATH_MAX];
	snprintf(d, sizeof(d), "%s", e->cfg.journal_path);
	char *slash = strrchr(d, '/');
	if (slash && slash != d) {
		*slash = '\0';
		if (mkdir(d, 0700) < 0 && errno != EEXIST) {
			snprintf(err, errlen, "journal.path: cannot create directory %s: %s", d,
				 strerror(errno));
			return -1;
		}
	}
	bool fresh = false;
	e->jnl = tl_journal_open(&jc, &fresh, err, errlen);
	if (!e->jnl)
		return -1;
	e->jst = tl_journal_stats(e->jnl);
	e->strict = e->cfg.journal_strict != 0;
	if (fresh)
		return 0;
	tl_replay_stats_t st;
	memset(&st, 0, sizeof(st));
	if (tl_replay_into_kernel(e->jnl, &e->k, 0, &st, err, errlen) < 0)
		return -1;
	if (st.mismatches) {
		snprintf(err, errlen,
			 "%s: replaying the journal diverged at output seq %llu (%llu "
			 "mismatches): was it written with another config? refusing to start",
			 e->cfg.journal_path, (unsigned long long)st.first_mismatch_seq,
			 (unsigned long long)st.mismatches);
		return -1;
	}
	e->recovered = true;
	e->in_seq = st.last_in_seq;
	e->session = st.restarts + 1;
	/* Ids the last session may have used without their records reaching
	 * the disk: at most one per record that could still have been in the
	 * journal ring, its staging queue or an uncommitted batch. Skip them. */
	uint64_t in_flight = (uint64_t)e->cfg.ring_journal +
			     2ULL * (e->cfg.kernel.order_cap * 4ULL + 1024) + 4096;
	uint64_t next = st.max_client_seq + 1;
	if (st.id_reserved_to > next)
		next = st.id_reserved_to;
	if (e->k.id_next > next)
		next = e->k.id_next;
	e->restart_id = next + in_flight;
	return 0;
}

/* exchangeInfo (io/binance_xinfo.h), retried within the start-up
 * deadline; the adapter's cold calls (time, leverage) get what is left
 * of it, so a dead venue fails the start in one deadline, not two. */
static int eng_xinfo(tl_engine_t *e, tl_symbols_t *syms, char *err, size_t errlen)
{
	tl_binance_cfg_t *bc = &e->cfg.binance;
	int64_t t0 = eng_mono();
	int rc = tl_binance_xinfo_load(&e->cfg, syms, err, errlen);
	int64_t used = eng_mono() - t0;

	if (bc->startup_deadline_ns <= 0)
		bc->startup_deadline_ns = TL_STARTUP_DEADLINE_NS;
	/* at least one attempt each: a 1 ms budget is one try */
	bc->startup_deadline_ns = used < bc->startup_deadline_ns ?
				  bc->startup_deadline_ns - used : TL_NS_PER_MS;
	return rc;
}

/* symbols.leverage.<S> could not be set: say whether the venue refused
 * it (its code and message) or could not be asked (the real cause). */
static void eng_leverage_error(tl_engine_t *e, uint32_t i, int rc, char *err,
			       size_t errlen)
{
	const char *why = strcmp(e->cfg.venue_type, "binance") == 0 ?
			  tl_binance_call_error(e->venue) : "";

	if (!why[0])
		why = strerror(-rc);
	snprintf(err, errlen, "symbols.leverage.%s: %s leverage %u for %s: %s",
		 e->cfg.symbols[i], rc == -EPERM ? "the venue refused" : "could not set",
		 e->cfg.leverage[i], e->cfg.symbols[i], why);
}

tl_engine_t *tl_engine_create(const tl_config_t *cfg, const tl_engine_opts_t *opts,
			      char *err, size_t errlen)
{
	tl_engine_t *e = calloc(1, sizeof(*e));
	if (!e) {
		snprintf(err, errlen, "engine: out of memory");
		return NULL;
	}
	e->cfg = *cfg;
	if (opts)
		e->opts = *opts;
	if (e->opts.name)
		snprintf(e->cfg.name, sizeof(e->cfg.name), "%s", e->opts.name);
	e->opts.name = NULL;

	tl_symbols_t syms;
	memset(&syms, 0, sizeof(syms));
	if (tl_config_symbols(&e->cfg, &syms, err, errlen) < 0)
		goto fail;
	/* The venue's exchangeInfo wins over the file (before the kernel
	 * and the journal replay see the table). */
	if (strcmp(e->cfg.venue_type, "binance") == 0 &&
	    eng_xinfo(e, &syms, err, errlen) < 0) {
		tl_symbols_free(&syms);
		goto fail;
	}
	if (tl_kernel_init(&e->k, &e->cfg.kernel, &syms, err, errlen) < 0) {
		tl_symbols_free(&syms);
		goto fail;
	}
	for (uint32_t i = 0; i < e->cfg.n_symbols; i++)
		if (e->cfg.leverage[i] &&
		    tl_kernel_set_leverage(&e->k, e->cfg.symbols[i], e->cfg.leverage[i]) < 0) {
			snprintf(err, errlen, "symbols.leverage.%s: expected 1..125",
				 e->cfg.symbols[i]);
			goto fail;
		}
	e->sink.emit = eng_emit;
	e->sink.ctx = e;
	e->journal = e->cfg.journal_path[0] != '\0' || e->opts.journal_ring;
	if (e->cfg.journal_path[0] && eng_open_journal(e, err, errlen) < 0)
		goto fail;
	if (tl_inring_init(&e->cmd, e->cfg.ring_command, err, errlen) < 0 ||
	    tl_inring_init(&e->vin, e->cfg.ring_venue, err, errlen) < 0 ||
	    tl_inring_init(&e->sin, e->cfg.ring_venue, err, errlen) < 0 ||
	    tl_outring_init(&e->req, e->cfg.ring_request, err, errlen) < 0 ||
	    tl_outring_init(&e->evr, e->cfg.ring_event, err, errlen) < 0 ||
	    (e->journal && tl_recring_init(&e->jr, e->cfg.ring_journal, err, errlen) < 0))
		goto fail;
	uint32_t hw = e->cfg.high_water_pct ? e->cfg.high_water_pct : 75;
	e->high_water[0] = (uint32_t)((uint64_t)(e->cfg.ring_request - 1) * hw / 100);
	e->high_water[1] = (uint32_t)((uint64_t)(e->cfg.ring_event - 1) * hw / 100);
	e->high_water[2] = (uint32_t)((uint64_t)(e->cfg.ring_journal - 1) * hw / 100);
	/* Staging must hold the largest burst one input can cause: a
	 * liquidation cancels and closes everything. */
	uint32_t burst = e->cfg.kernel.order_cap * 4 + 1024;
	if (stage_init(&e->st_req, burst, err, errlen) < 0 ||
	    stage_init(&e->st_ev, burst, err, errlen) < 0 ||
	    stage_init(&e->st_j, e->journal ? burst * 2 : 64, err, errlen) < 0 ||
	    stage_init(&e->st_vin, e->cfg.ring_venue, err, errlen) < 0 ||
	    stage_init(&e->st_sin, e->cfg.ring_venue, err, errlen) < 0 ||
	    stage_init(&e->st_wd, burst, err, errlen) < 0)
		goto fail;

	if (strcmp(e->cfg.venue_type, "paper") == 0) {
		e->venue = tl_paper_create(&e->cfg.paper, &e->k.syms, e->cfg.kernel.hedge_mode,
					   io_emit, e, err, errlen);
		if (!e->venue)
			goto fail;
		/* Venue ids and trade ids never repeat across sessions. */
		tl_paper_set_id_base(e->venue, eng_clock() / 1000);
		tl_paper_set_sweep(e->venue, e->cfg.emergency.venue_sweep != TL_SWEEP_OFF);
		/* The paper venue's books died with the last process: give it
		 * back the positions the journal says we hold. */
		for (uint32_t i = 0; e->recovered && i < e->k.syms.count * 3; i++) {
			const tl_position_t *p = &e->k.pos[i];
			if (p->qty != 0)
				tl_paper_seed_position(e->venue, e->k.syms.sym[p->sym].name,
						       (tl_pos_side_t)p->pos_side, p);
		}
	} else if (strcmp(e->cfg.venue_type, "binance") == 0) {
		e->venue = tl_binance_create(&e->cfg, &e->k.syms, io_emit, e, err, errlen);
		/* The signer holds the key schedule now: drop the text copy
		 * (nothing reads the secret from e->cfg after this). */
		tl_config_wipe_secrets(&e->cfg);
		if (!e->venue)
			goto fail;
	} else {
		snprintf(err, errlen, "venue.type: \"%s\" is not available (expected \"paper\" or \"binance\")",
			 e->cfg.venue_type);
		goto fail;
	}

	e->venue->emit_stream = stream_emit;
	e->venue->emit_stream_ctx = e;
	/* A journal that left the kernel liquidating or paused starts closed. */
	atomic_init(&e->gate.closing_only, eng_state_closing(e->k.state));
	atomic_init(&e->gate.kill_epoch, 0);
	e->venue->gate = &e->gate;

	if (e->opts.no_shm) {
		e->shm = calloc(1, sizeof(*e->shm));
		if (!e->shm) {
			snprintf(err, errlen, "engine: out of memory");
			goto fail;
		}
		tl_shm_init_local(e->shm, e->cfg.name);
	} else {
		if (tl_shm_create(e->cfg.name, &e->shm, err, errlen) < 0)
			goto fail;
		e->shm_shared = true;
		/* Two engines of one account must never claim each other's
		 * client ids (docs/operations.md, kernel.client_id_prefix). */
		if (tl_shm_claim_prefix(e->shm, e->cfg.name, e->cfg.kernel.clid_prefix,
					err, errlen) < 0)
			goto fail;
	}
	/* The venue's dead-man renewals follow this engine's heartbeat. */
	if (strcmp(e->cfg.venue_type, "binance") == 0)
		tl_binance_set_heartbeat(e->venue, &e->shm->heartbeat);
	e->snap_period = TL_NS_PER_S / (e->cfg.snapshot_hz ? e->cfg.snapshot_hz : 10);

	e->eng = (tl_agent_t){ .name = "tl-engine", .cfg = e->cfg.engine,
			       .do_work = eng_work, .on_start = eng_on_start,
			       .on_stop = eng_on_stop, .ctx = e };
	e->io = (tl_agent_t){ .name = "tl-io", .cfg = e->cfg.io, .do_work = io_work,
			      .idle_wait = io_idle_wait, .ctx = e };
	return e;
fail:
	tl_engine_close(e);
	return NULL;
}

static bool eng_jpop(void *ctx, tl_record_t *rec)
{
	tl_engine_t *e = ctx;
	return tl_recring_pop(&e->jr, rec);
}

int tl_engine_start(tl_engine_t *e, char *err, size_t errlen)
{
	e->now = eng_clock();
	if (e->jnl && tl_journal_start(e->jnl, eng_jpop, e, err, errlen) < 0)
		return -1;
	if (e->recovered) {
		/* The first input of this session says what start-up decided. */
		tl_input_t in;
		memset(&in, 0, sizeof(in));
		in.hdr.type = TL_IN_RESTART;
		in.u.restart.id_next = e->restart_id;
		in.u.restart.session = e->session;
		eng_apply(e, &in, NULL);
		e->recovered = false;
	}
	/* The shared-memory block outlived a dead engine and says it was
	 * liquidating or paused: come back PAUSED even if the journal lost
	 * that (async mode can lose the last records). Never less careful. */
	uint32_t prev = e->shm_shared ? e->shm->prev_state : TL_SHM_NO_PREV;
	if ((prev == TL_TS_LIQUIDATING || prev == TL_TS_PAUSED) &&
	    e->k.state != TL_TS_PAUSED) {
		tl_input_t in;
		memset(&in, 0, sizeof(in));
		in.hdr.type = TL_IN_CONTROL;
		in.u.control.cmd = TL_CTL_PAUSE;
		snprintf(in.u.control.reason, sizeof(in.u.control.reason),
			 "restart: the engine was %s when it stopped",
			 tl_trading_state_name((tl_trading_state_t)prev));
		eng_apply(e, &in, NULL);
	}
	/* symbols.leverage is what the kernel's margin and ROE assume: the
	 * venue must agree before anything trades. The IO agent has not
	 * started, so this thread still owns the venue (cold calls). */
	for (uint32_t i = 0; i < e->cfg.n_symbols; i++) {
		if (!e->cfg.leverage[i] || !e->venue->ops->set_leverage)
			continue;
		int rc = e->venue->ops->set_leverage(e->venue, e->cfg.symbols[i],
						     e->cfg.leverage[i], eng_clock());
		if (rc < 0) {
			eng_leverage_error(e, i, rc, err, errlen);
			return -1;
		}
	}
	atomic_store(&e->shm->pid, (int32_t)getpid());
	atomic_store(&e->shm->heartbeat, e->now);
	eng_publish(e);
	if (tl_agent_start(&e->io, err, errlen) < 0)
		return -1;
	if (tl_agent_start(&e->eng, err, errlen) < 0) {
		tl_agent_stop(&e->io);
		return -1;
	}
	while (!atomic_load_explicit(&e->eng.running, memory_order_acquire))
		sched_yield();
	return 0;
}

void tl_engine_stop(tl_engine_t *e)
{
	tl_agent_stop(&e->eng);	/* drains and publishes the final snapshot */
	tl_agent_stop(&e->io);
	if (e->jnl)
		tl_journal_stop(e->jnl);	/* everything journaled is committed */
	/* Events the IO thread handed over after the engine stopped stay in
	 * the ring; nothing is applied without the engine. */
	if (e->shm)
		atomic_store(&e->shm->pid, 0);
}

tl_engine_t *tl_engine_open(const char *config_path, const tl_engine_opts_t *opts,
			    char *err, size_t errlen)
{
	tl_config_t cfg;
	if (tl_config_load(&cfg, config_path, err, errlen) < 0)
		return NULL;
	/* Before the secret goes anywhere: no core file, no ptrace. */
	if (tl_harden_process(cfg.allow_core_dumps, err, errlen) < 0) {
		tl_config_wipe_secrets(&cfg);
		return NULL;
	}
	tl_engine_t *e = tl_engine_create(&cfg, opts, err, errlen);
	tl_config_wipe_secrets(&cfg);	/* the signer has it, or nothing needs it */
	if (!e)
		return NULL;
	if (tl_engine_start(e, err, errlen) < 0) {
		tl_engine_close(e);
		return NULL;
	}
	return e;
}

void tl_engine_close(tl_engine_t *e)
{
	if (!e)
		return;
	tl_engine_stop(e);
	if (e->venue)
		e->venue->ops->destroy(e->venue);
	if (e->jnl)
		tl_journal_close(e->jnl);
	if (e->shm_shared)
		tl_shm_detach(e->shm, e->cfg.name, true);
	else
		free(e->shm);
	tl_inring_free(&e->cmd);
	tl_inring_free(&e->vin);
	tl_inring_free(&e->sin);
	tl_outring_free(&e->req);
	tl_outring_free(&e->evr);
	tl_recring_free(&e->jr);
	stage_free(&e->st_req);
	stage_free(&e->st_ev);
	stage_free(&e->st_j);
	stage_free(&e->st_vin);
	stage_free(&e->st_sin);
	stage_free(&e->st_wd);
	tl_kernel_free(&e->k);
	tl_config_wipe_secrets(&e->cfg);	/* paper, or a create that failed early */
	free(e);
}

/* ---- strategy API ---------------------------------------------------------------------- */

static int api_push(tl_engine_t *e, tl_input_t *in)
{
	return tl_inring_push(&e->cmd, in) ? 0 : -EAGAIN;
}

static int api_fx(const char *s, const char *what, tl_fx_t *out)
{
	*out = 0;
	if (!s || !*s)
		return 0;
	tl_fx_err_t r = tl_fx_parse_cstr(s, out);
	if (r != TL_FX_OK) {
		snprintf(eng_errmsg, sizeof(eng_errmsg), "%s \"%s\": %s", what, s,
			 tl_fx_strerror(r));
		return -EINVAL;
	}
	return 0;
}

static int api_symbol(char *dst, const char *src)
{
	if (!src || !*src || strlen(src) >= TL_SYMBOL_NAMELEN) {
		snprintf(eng_errmsg, sizeof(eng_errmsg), "symbol: expected 1..%d characters",
			 TL_SYMBOL_NAMELEN - 1);
		return -EINVAL;
	}
	memcpy(dst, src, strlen(src) + 1);
	return 0;
}

int tl_engine_submit(tl_engine_t *e, const tl_order_spec_t *o, uint64_t user_ref)
{
	tl_input_t in;
	memset(&in, 0, sizeof(in));
	in.hdr.type = TL_IN_SUBMIT;
	tl_in_submit_t *s = &in.u.submit;
	if (api_symbol(s->symbol, o->symbol) < 0 ||
	    api_fx(o->qty, "qty", &s->qty) < 0 ||
	    api_fx(o->price, "price", &s->price) < 0 ||
	    api_fx(o->stop_price, "stop_price", &s->stop_price) < 0 ||
	    api_fx(o->tp, "tp", &s->tp) < 0 || api_fx(o->sl, "sl", &s->sl) < 0)
		return -EINVAL;
	s->side = (uint8_t)o->side;
	s->type = (uint8_t)o->type;
	s->tif = (uint8_t)o->tif;
	s->pos_side = (uint8_t)o->pos_side;
	s->reduce_only = o->reduce_only;
	s->user_ref = user_ref;
	return api_push(e, &in);
}

int tl_engine_signal(tl_engine_t *e, tl_signal_t sig, const char *symbol,
		     const char *qty, const char *price, const char *tp,
		     const char *sl, uint64_t user_ref)
{
	tl_input_t in;
	memset(&in, 0, sizeof(in));
	in.hdr.type = TL_IN_SIGNAL;
	tl_in_signal_t *s = &in.u.signal;
	if (api_symbol(s->symbol, symbol) < 0 || api_fx(qty, "qty", &s->qty) < 0 ||
	    api_fx(price, "price", &s->price) < 0 || api_fx(tp, "tp", &s->tp) < 0 ||
	    api_fx(sl, "sl", &s->sl) < 0)
		return -EINVAL;
	s->signal = (uint8_t)sig;
	s->user_ref = user_ref;
	return api_push(e, &in);
}

int tl_engine_cancel(tl_engine_t *e, const char *client_id, uint64_t user_ref)
{
	tl_input_t in;
	memset(&in, 0, sizeof(in));
	in.hdr.type = TL_IN_CANCEL;
	if (!client_id || strlen(client_id) > TL_CLID_MAX) {
		snprintf(eng_errmsg, sizeof(eng_errmsg), "client id: expected 1..36 characters");
		return -EINVAL;
	}
	memcpy(in.u.cancel.client_id, client_id, strlen(client_id) + 1);
	in.u.cancel.user_ref = user_ref;
	return api_push(e, &in);
}

int tl_engine_cancel_all(tl_engine_t *e, const char *symbol)
{
	tl_input_t in;
	memset(&in, 0, sizeof(in));
	in.hdr.type = TL_IN_CANCEL_ALL;
	if (symbol && *symbol && api_symbol(in.u.cancel.symbol, symbol) < 0)
		return -EINVAL;
	return api_push(e, &in);
}

int tl_engine_control(tl_engine_t *e, tl_ctl_cmd_t cmd, const char *reason)
{
	tl_input_t in;
	memset(&in, 0, sizeof(in));
	in.hdr.type = TL_IN_CONTROL;
	in.u.control.cmd = (uint8_t)cmd;
	if (reason)
		snprintf(in.u.control.reason, sizeof(in.u.control.reason), "%s", reason);
	return api_push(e, &in);
}

uint64_t tl_engine_kill(tl_engine_t *e, const char *reason)
{
	return tl_shm_kill(e->shm, TL_KILL_LIQUIDATE, reason ? reason : "");
}

const tl_venue_gate_t *tl_engine_gate(const tl_engine_t *e)
{
	return &e->gate;
}

int tl_engine_poll(tl_engine_t *e, tl_event_t *out, int max)
{
	int n = 0;
	tl_output_t o;
	while (n < max && tl_outring_pop(&e->evr, &o))
		out[n++] = o.u.ev;
	return n;
}

bool tl_engine_snapshot(tl_engine_t *e, tl_shm_snapshot_t *out)
{
	return tl_shm_read_snapshot(e->shm, out);
}

int tl_engine_status(tl_engine_t *e, tl_engine_status_t *st)
{
	tl_shm_snapshot_t s;
	if (!tl_engine_snapshot(e, &s))
		return -EAGAIN;
	st->state = (tl_trading_state_t)s.state;
	st->open_orders = s.open_orders;
	st->fills = s.fills;
	st->submitted = s.submitted;
	st->refused = s.refused;
	st->backpressure = s.backpressure;
	st->total_pnl = s.total_pnl;
	return 0;
}

bool tl_engine_journal_pop(tl_engine_t *e, tl_record_t *rec)
{
	/* With a journal file the PERSIST thread is the ring's consumer. */
	return e->journal && !e->jnl && tl_recring_pop(&e->jr, rec);
}

const tl_config_t *tl_engine_config(const tl_engine_t *e) { return &e->cfg; }
const tl_engine_counters_t *tl_engine_counters(const tl_engine_t *e) { return &e->ctr; }
tl_venue_t *tl_engine_venue(tl_engine_t *e) { return e->venue; }
struct tl_journal *tl_engine_journal(tl_engine_t *e) { return e->jnl; }

bool tl_engine_thread(tl_engine_t *e, pthread_t *out)
{
	if (!atomic_load_explicit(&e->eng_running, memory_order_acquire))
		return false;
	*out = e->eng.thread;
	return true;
}
