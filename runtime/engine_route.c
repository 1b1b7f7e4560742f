/*
 * engine_route.c - ENGINE thread: staged records flushed in order, inputs
 * applied (journal first), outputs routed to rings or staging, the
 * exposure gate, back-pressure refusals (engine_int.h).
 */
#define _GNU_SOURCE
#include "runtime/engine_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Move staged records into their ring while it has room. */
int tl_engine_flush_out(tl_stage_t *s, tl_spsc_out_t *q)
{
	int moved = 0;
	tl_record_t *r;
	while ((r = tl_stage_peek(s)) && tl_spsc_out_push(q, &r->u.out)) {
		tl_stage_drop_head(s);
		moved++;
	}
	return moved;
}

int tl_engine_flush_rec(tl_stage_t *s, tl_spsc_rec_t *q)
{
	int moved = 0;
	tl_record_t *r;
	while ((r = tl_stage_peek(s)) && tl_spsc_rec_push(q, r)) {
		tl_stage_drop_head(s);
		moved++;
	}
	return moved;
}

int tl_engine_flush_in(tl_stage_t *s, tl_spsc_in_t *q)
{
	int moved = 0;
	tl_record_t *r;
	while ((r = tl_stage_peek(s)) && tl_spsc_in_push(q, &r->u.in)) {
		tl_stage_drop_head(s);
		moved++;
	}
	return moved;
}

bool tl_engine_req_push(tl_engine_t *e, const tl_output_t *o)
{
	if (e->shared) {
		/* The ring stays the overflow: io_batch only while it is
		 * empty, so requests leave in the kernel's order. */
		if (e->io_n < TL_ENGINE_IO_BATCH && !tl_spsc_used(&e->req.r)) {
			e->io_batch[e->io_n++] = *o;
			return true;
		}
		return tl_spsc_out_push(&e->req, o);
	}
	if (!tl_spsc_out_push(&e->req, o))
		return false;
	tl_wake_notify(&e->io_wake, e->io_fd);
	return true;
}

/* Move staged requests to IO; in strict journal mode only those whose
 * journal record is committed. */
int tl_engine_flush_req(tl_engine_t *e)
{
	/* Records commit in ring order: once the request's own journal copy
	 * (same output seq) is on disk, so is everything before it. */
	uint64_t done = e->strict ? tl_journal_committed_out_seq(e->jnl) : UINT64_MAX;
	int moved = 0;
	tl_record_t *r;
	while ((r = tl_stage_peek(&e->st_req)) && r->u.hdr.seq <= done &&
	       tl_engine_req_push(e, &r->u.out)) {
		tl_stage_drop_head(&e->st_req);
		moved++;
	}
	return moved;
}

/* ---- engine-side routing -------------------------------------------------- */

/* A stage is full and its consumer is this very thread (shared mode's
 * IO, a strategy's callbacks): do the consumer's work here, or the wait
 * below would never end. Else pause while the other thread drains. */
static void eng_wait_consumer(tl_engine_t *e, bool req)
{
	if (req && e->shared && e->st_vin.n < e->st_vin.cap / 2)
		tl_engine_io_work(e);	/* sends; its inputs only queue (vin) */
	else if (!req && e->has_strat)
		tl_engine_dispatch(e, 64);	/* callbacks only queue commands */
	else
		tl_clock_relax();
}

/* An event for the strategy: its ring (waking a strategy parked in
 * tl_engine_wait), behind anything already staged. When the stage itself
 * is full the engine waits for the consumer: it never drops a record. */
static void route_event(tl_engine_t *e, const tl_output_t *o)
{
	tl_stage_t *s = &e->st_ev;

	if (s->n == 0 && tl_spsc_out_push(&e->evr, o)) {
		tl_wake_notify(&e->strat_wake, -1);
		return;
	}
	while (!tl_stage_put(s, o, sizeof(*o))) {
		while (tl_engine_flush_out(s, &e->evr) == 0)
			eng_wait_consumer(e, false);
		tl_wake_notify(&e->strat_wake, -1);
	}
}

static void route_journal(tl_engine_t *e, const tl_record_t *r)
{
	tl_stage_t *s = &e->st_j;
	if (s->n == 0 && tl_spsc_rec_push(&e->jr, r))
		return;
	while (!tl_stage_put(s, r, sizeof(*r))) {
		while (tl_engine_flush_rec(s, &e->jr) == 0)
			tl_clock_relax();
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
	/* Strict: held in staging until committed (tl_engine_flush_req). */
	if (!e->strict && e->st_req.n == 0 && tl_engine_req_push(e, o))
		return;
	while (!tl_stage_put(&e->st_req, o, sizeof(*o))) {
		if (e->journal)
			tl_engine_flush_rec(&e->st_j, &e->jr);
		if (tl_engine_flush_req(e) == 0)
			eng_wait_consumer(e, true);
	}
}

/* The emergency closes of one input (a liquidation emits them all at
 * once) reach the IO thread one by one: each is held back until the
 * next request of the same input shows whether another close follows
 * (`more`), so the adapter knows for certain when a burst is complete
 * instead of guessing with a timer. The last one leaves when the input
 * has been applied (tl_engine_apply). */
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

void tl_engine_emit(void *ctx, const tl_output_t *o)
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
		route_event(e, o);
		break;
	default:
		break;		/* ID_RESERVE: journal only */
	}
}

/* ---- the exposure gate ------------------------------------------------------ */

static void eng_gate_update(tl_engine_t *e);

/* States in which nothing may add exposure (kernel.md: REDUCING only
 * reduces, LIQUIDATING closes, PAUSED sends no new orders). */
bool tl_engine_state_closing(uint8_t st)
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
	const tl_stage_t *w = &e->st_wd;

	if (o->hdr.type != TL_OUT_REQ_CANCEL)
		return false;
	for (uint32_t i = 0; i < w->n; i++)
		if (w->v[(w->head + i) & (w->cap - 1)].u.out.u.req.handle == o->u.req.handle)
			return true;
	return false;
}

tl_reject_t tl_engine_apply(tl_engine_t *e, tl_input_t *in, uint64_t *h);

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
	tl_engine_apply(e, &in, NULL);
}

/*
 * The gate just closed: take every non-closing NEW out of the request
 * staging queue (requests waiting for ring room, and in strict mode for
 * their commit), with any cancel the kernel queued behind one of them,
 * keeping the order of the rest. The kernel hears of each (one REQ_ERROR
 * per request) once the queue is whole again: its answers may stage new
 * requests. Cold: once per gate closing; st_wd is preallocated.
 */
void tl_engine_purge_req(tl_engine_t *e, const char *why)
{
	tl_stage_t *s = &e->st_req, *w = &e->st_wd;
	uint32_t mask = s->cap - 1, keep = 0, n = s->n;
	tl_record_t *r;

	if (e->purging)
		return;
	e->purging = true;
	for (uint32_t i = 0; i < n; i++) {
		r = &s->v[(s->head + i) & mask];
		if (eng_withdrawable(&r->u.out) || eng_cancel_of_withdrawn(e, &r->u.out)) {
			tl_stage_put(w, r, sizeof(*r));	/* same capacity: fits */
			continue;
		}
		if (keep != i)
			s->v[(s->head + keep) & mask] = *r;
		keep++;
	}
	s->n = keep;
	while ((r = tl_stage_peek(w))) {
		tl_output_t o = r->u.out;
		tl_stage_drop_head(w);
		eng_withdraw(e, &o, why);
	}
	e->purging = false;
}

/* After every applied input: only closing orders leave while the kernel
 * is REDUCING, LIQUIDATING or PAUSED. The moment it closes, what waits in
 * staging is purged. */
static void eng_gate_update(tl_engine_t *e)
{
	uint32_t want = tl_engine_state_closing(e->k.state);
	uint32_t was = atomic_load_explicit(&e->gate.closing_only, memory_order_relaxed);

	if (want == was)
		return;
	atomic_store_explicit(&e->gate.closing_only, want, memory_order_release);
	if (want)
		tl_engine_purge_req(e, "withdrawn: trading state");
}

tl_reject_t tl_engine_apply(tl_engine_t *e, tl_input_t *in, uint64_t *h)
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

bool tl_engine_journal_down(tl_engine_t *e)
{
	return e->jst && atomic_load_explicit(&e->jst->failed, memory_order_acquire);
}

/* Above the high-water mark on any output path: refuse new orders. */
bool tl_engine_pressure(tl_engine_t *e)
{
	/* Staged records count as queued (in strict mode every request waits
	 * in staging for its commit, so "anything staged" is not pressure). */
	if (e->st_req.n + tl_spsc_used(&e->req.r) >= e->high_water[0])
		return true;
	if (e->st_ev.n + tl_spsc_used(&e->evr.r) >= e->high_water[1])
		return true;
	if (e->journal && e->st_j.n + tl_spsc_used(&e->jr.r) >= e->high_water[2])
		return true;
	return false;
}

bool tl_engine_is_order_cmd(const tl_input_t *in)
{
	return in->hdr.type == TL_IN_SUBMIT || in->hdr.type == TL_IN_SIGNAL;
}

/* Refuse a strategy command without the kernel (back-pressure, or the
 * journal cannot write). */
void tl_engine_refuse(tl_engine_t *e, const tl_input_t *in, tl_reject_t why)
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
	route_event(e, &o);
}
