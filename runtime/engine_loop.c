/*
 * engine_loop.c - the ENGINE agent: one duty cycle reads the kill word,
 * flushes staging, applies venue events, operator and strategy commands
 * and timers, and publishes the snapshot.
 */
#define _GNU_SOURCE
#include "runtime/engine_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- the ENGINE agent ----------------------------------------------------------- */

#define ENG_BUDGET 256   /* records of one kind per loop, so none starves */

static void eng_ctl(tl_engine_t *e, tl_ctl_req_t *rq)
{
	uint64_t h = 0;
	tl_reject_t r;
	if (rq->kind != TL_CTLK_INPUT || rq->in.hdr.type < TL_IN_SUBMIT ||
	    rq->in.hdr.type > TL_IN_CONTROL) {
		tl_shm_reply(e->shm, rq->id, TL_REJ_BAD_PARAM, "", "not a command");
		return;
	}
	if (tl_engine_is_order_cmd(&rq->in) && tl_engine_journal_down(e)) {
		tl_shm_reply(e->shm, rq->id, TL_REJ_JOURNAL_DOWN, "",
			     tl_reject_msg(TL_REJ_JOURNAL_DOWN));
		return;
	}
	if (tl_engine_is_order_cmd(&rq->in) && tl_engine_pressure(e)) {
		atomic_fetch_add_explicit(&e->ctr.backpressure, 1, memory_order_relaxed);
		tl_shm_reply(e->shm, rq->id, TL_REJ_BACKPRESSURE, "",
			     tl_reject_msg(TL_REJ_BACKPRESSURE));
		return;
	}
	r = tl_engine_apply(e, &rq->in, &h);
	const tl_order_t *o = h ? tl_orders_get(&e->k.orders, h) : NULL;
	tl_shm_reply(e->shm, rq->id, r, o ? o->client_id : "", tl_reject_msg(r));
}

/* The kill switch's liquidation; `in` carries the reason (its
 * u.control.reason), the rest is set here. */
static void eng_liquidate(tl_engine_t *e, tl_input_t *in)
{
	/* The gate closes before the kernel even hears of the kill: from
	 * this store on the IO thread and the venue let only closing orders
	 * leave (the kill switch never adds exposure), and the venue sweeps
	 * once for this epoch. */
	atomic_store_explicit(&e->gate.closing_only, 1, memory_order_release);
	atomic_fetch_add_explicit(&e->gate.kill_epoch, 1, memory_order_release);
	in->hdr.type = TL_IN_CONTROL;
	in->u.control.cmd = TL_CTL_LIQUIDATE;
	tl_engine_apply(e, in, NULL);
	/* After the LIQUIDATE (its cancels of these orders are purged with
	 * them): the kernel learns each NEW never left. */
	tl_engine_purge_req(e, "withdrawn: kill switch");
}

int tl_engine_work(void *ctx)
{
	tl_engine_t *e = ctx;
	int work = 0;
	tl_time_t t0 = tl_clock_mono_ns();
	e->now = tl_clock_realtime_ns();
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
		eng_liquidate(e, &in);
		work++;
	}

	/* 2. Staged outputs first, so ring order is kept. */
	work += tl_engine_flush_req(e);
	int evs = tl_engine_flush_out(&e->st_ev, &e->evr);
	if (evs) {
		work += evs;
		tl_wake_notify(&e->strat_wake, -1);
	}
	if (e->journal)
		work += tl_engine_flush_rec(&e->st_j, &e->jr);

	/* 3. Venue events (IO replies, then stream events): always taken. */
	for (int i = 0; i < ENG_BUDGET && tl_spsc_in_pop(&e->vin, &in); i++) {
		tl_engine_apply(e, &in, NULL);
		work++;
	}
	for (int i = 0; i < ENG_BUDGET && tl_spsc_in_pop(&e->sin, &in); i++) {
		tl_engine_apply(e, &in, NULL);
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
		if (tl_spsc_room(&e->evr.r) < 64 || e->st_ev.n > e->st_ev.cap / 2)
			break;
		if (!tl_spsc_in_pop(&e->cmd, &in))
			break;
		if (tl_engine_is_order_cmd(&in) && tl_engine_journal_down(e))
			tl_engine_refuse(e, &in, TL_REJ_JOURNAL_DOWN);
		else if (tl_engine_is_order_cmd(&in) && tl_engine_pressure(e))
			tl_engine_refuse(e, &in, TL_REJ_BACKPRESSURE);
		else
			tl_engine_apply(e, &in, NULL);
		work++;
	}

	/* 6. Timers. */
	if (e->now >= tl_kernel_next_deadline(&e->k)) {
		memset(&in, 0, sizeof(in));
		in.hdr.type = TL_IN_TICK;
		tl_engine_apply(e, &in, NULL);
	}

	/* 7. Snapshot at a bounded rate. */
	if (e->now >= e->next_snap) {
		tl_engine_publish(e);
		e->next_snap = e->now + e->snap_period;
	}

	/* 8. A strategy on this thread: its events, then its timer. Commands
	 * it queues are taken by the next cycle (work > 0: at once). */
	if (e->has_strat) {
		work += tl_engine_dispatch(e, ENG_BUDGET);
		if (e->strat.on_timer && e->strat.timer_ns > 0 && e->now >= e->next_timer) {
			e->next_timer = tl_time_add(e->now, e->strat.timer_ns);
			e->strat.on_timer(e, e->now, e->strat.ctx);
			work++;
		}
		if (!work && e->strat.on_idle)
			e->strat.on_idle(e, e->strat.ctx);
	}
	if (work) {
		uint64_t d = (uint64_t)(tl_clock_mono_ns() - t0);
		e->lat_hist[d ? 63 - __builtin_clzll(d) : 0]++;
		e->lat_bucket[tl_shm_lat_bucket(d)]++;
		e->lat_sum_ns += d;
	}
	return work;
}

/* engine.threading "shared": the ENGINE's duties, then IO's, so that a
 * request the kernel emitted this cycle leaves in the same call chain. */
int tl_engine_shared_work(void *ctx)
{
	tl_engine_t *e = ctx;
	int w = tl_engine_work(e);
	return w + tl_engine_io_work(e);
}

/* Anything for the ENGINE that arrived without its producer seeing it
 * parked? (Checked after tl_wake_prepare: see runtime/wake.h.) */
static bool eng_pending(tl_engine_t *e)
{
	return tl_spsc_used(&e->cmd.r) || tl_spsc_used(&e->vin.r) ||
	       tl_spsc_used(&e->sin.r) || e->st_vin.n || e->st_sin.n ||
	       tl_shm_pending(e->shm) ||
	       (e->has_strat && (tl_spsc_used(&e->evr.r) || e->st_ev.n));
}

/* Outputs waiting in staging for a consumer's room (or, strict, for their
 * commit): nobody wakes the ENGINE when that room appears. */
static bool eng_staged(const tl_engine_t *e)
{
	return e->st_req.n || e->st_ev.n || e->st_j.n ||
	       (e->shared && e->io_n && !e->io_watch);
}

/*
 * Idle "park" (ENGINE agent; shared mode: ENGINE + IO). Blocks until a
 * producer wakes it or the next timer (kernel deadline, snapshot,
 * strategy timer) is due, at most TL_ENGINE_PARK_MAX_NS; while outputs
 * wait in staging, at most engine.idle_us. Shared mode blocks in the
 * venue's io_uring wait, where a response, a request from the
 * strategy's thread and the STREAM thread's events all end it; a kill
 * or a ctl request from another process (which can only FUTEX_WAKE) is
 * then seen within TL_ENGINE_SHARED_PARK_NS.
 */
void tl_engine_park(void *ctx)
{
	tl_engine_t *e = ctx;
	tl_wake_t *w = &e->shm->eng_wake;
	tl_time_t now = tl_clock_realtime_ns();
	tl_time_t until = tl_kernel_next_deadline(&e->k);
	int64_t cap = e->shared ? TL_ENGINE_SHARED_PARK_NS : TL_ENGINE_PARK_MAX_NS;

	if (e->next_snap < until)
		until = e->next_snap;
	if (e->has_strat && e->strat.on_timer && e->strat.timer_ns > 0 &&
	    e->next_timer < until)
		until = e->next_timer;
	if (eng_staged(e) && until > now + (int64_t)e->cfg.engine.idle_us * 1000)
		until = now + (int64_t)e->cfg.engine.idle_us * 1000;
	int64_t ns = until - now;
	if (ns <= 0)
		return;
	if (ns > cap)
		ns = cap;
	uint32_t seq = tl_wake_prepare(w);
	if (eng_pending(e) || (e->shared && (tl_spsc_used(&e->req.r) || e->st_vin.n))) {
		tl_wake_cancel(w);
		return;
	}
	if (e->shared) {
		tl_engine_io_block(e, ns);
		tl_wake_done(w);
	} else {
		tl_wake_wait(w, seq, ns);
	}
}

void tl_engine_on_start(void *ctx)
{
	tl_engine_t *e = ctx;
	e->cb_thread = pthread_self();
	atomic_store_explicit(&e->eng_running, true, memory_order_release);
	if (e->has_strat) {
		e->next_timer = tl_time_add(tl_clock_realtime_ns(), e->strat.timer_ns);
		if (e->strat.on_start)
			e->strat.on_start(e, e->strat.ctx);
	}
}

/* One cycle of a stopping engine: what the venue said, staged outputs
 * out, IO (shared mode), the strategy's events. Takes no new commands
 * (strategy, ctl). Returns the work done. */
static int eng_stop_cycle(tl_engine_t *e)
{
	tl_input_t in;
	int w = 0;
	e->now = tl_clock_realtime_ns();
	while (tl_spsc_in_pop(&e->vin, &in) || tl_spsc_in_pop(&e->sin, &in)) {
		tl_engine_apply(e, &in, NULL);
		w++;
	}
	w += tl_engine_flush_req(e);
	int evs = tl_engine_flush_out(&e->st_ev, &e->evr);
	if (evs) {
		w += evs;
		tl_wake_notify(&e->strat_wake, -1);
	}
	if (e->journal)
		w += tl_engine_flush_rec(&e->st_j, &e->jr);
	if (e->shared)
		w += tl_engine_io_work(e);
	if (e->has_strat)
		w += tl_engine_dispatch(e, ENG_BUDGET);
	return w;
}

/* engine.on_stop cancel: no order open; flatten: besides, the
 * liquidation over and no position left. */
static bool eng_stop_done(const tl_engine_t *e)
{
	const tl_kernel_t *k = &e->k;
	if (k->orders.n_active)
		return false;
	if (e->cfg.on_stop != TL_ON_STOP_FLATTEN)
		return true;
	if (k->emg.active)
		return false;
	for (uint32_t i = 0; i < k->syms.count * 3; i++)
		if (k->pos[i].qty != 0)
			return false;
	return true;
}

/*
 * engine.on_stop cancel / flatten: cancel every open order (flatten: the
 * kill switch's liquidation, which also closes every position), then run
 * stop cycles plus the kernel's timers (cancel resends, status queries)
 * until that is done or engine.stop_timeout_ms has passed. Off the hot
 * path: the engine is stopping, so an idle cycle may sleep. What is still
 * open after it shows in the final snapshot (talon run lists it).
 */
static void eng_wind_down(tl_engine_t *e)
{
	tl_input_t in;
	if (e->cfg.on_stop == TL_ON_STOP_LEAVE)
		return;
	memset(&in, 0, sizeof(in));
	e->now = tl_clock_realtime_ns();
	if (e->cfg.on_stop == TL_ON_STOP_FLATTEN) {
		snprintf(in.u.control.reason, sizeof(in.u.control.reason),
			 "engine stop (engine.on_stop flatten)");
		eng_liquidate(e, &in);
	} else {
		in.hdr.type = TL_IN_CANCEL_ALL;
		tl_engine_apply(e, &in, NULL);
	}
	tl_time_t end = tl_clock_mono_ns() + (int64_t)e->cfg.stop_timeout_ms * TL_NS_PER_MS;
	while (!eng_stop_done(e) && tl_clock_mono_ns() < end) {
		int w = eng_stop_cycle(e);
		if (e->now >= tl_kernel_next_deadline(&e->k)) {
			memset(&in, 0, sizeof(in));
			in.hdr.type = TL_IN_TICK;
			tl_engine_apply(e, &in, NULL);
			w++;
		}
		if (e->now >= e->next_snap) {
			tl_engine_publish(e);
			e->next_snap = e->now + e->snap_period;
		}
		if (!w) {
			struct timespec ts = { 0, 200 * 1000 };
			nanosleep(&ts, NULL);
		}
	}
}

void tl_engine_on_stop(void *ctx)
{
	tl_engine_t *e = ctx;
	eng_wind_down(e);
	/* Drain: take what the venue already said, push out what is staged,
	 * for at most 200 ms, then publish the final snapshot. */
	tl_time_t end = tl_clock_mono_ns() + 200 * TL_NS_PER_MS;
	while (tl_clock_mono_ns() < end) {
		int w = eng_stop_cycle(e);
		if (!w && !e->st_ev.n && !e->st_req.n && !e->st_j.n)
			break;
	}
	tl_engine_publish(e);
	if (e->has_strat && e->strat.on_stop)
		e->strat.on_stop(e, e->strat.ctx);
	atomic_store_explicit(&e->eng_running, false, memory_order_release);
}
