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
		/* The gate closes before the kernel even hears of the kill:
		 * from this store on the IO thread and the venue let only
		 * closing orders leave (the kill switch never adds exposure),
		 * and the venue sweeps once for this epoch. */
		atomic_store_explicit(&e->gate.closing_only, 1, memory_order_release);
		atomic_fetch_add_explicit(&e->gate.kill_epoch, 1, memory_order_release);
		in.hdr.type = TL_IN_CONTROL;
		in.u.control.cmd = TL_CTL_LIQUIDATE;
		tl_engine_apply(e, &in, NULL);
		/* After the LIQUIDATE (its cancels of these orders are purged
		 * with them): the kernel learns each NEW never left. */
		tl_engine_purge_req(e, "withdrawn: kill switch");
		work++;
	}

	/* 2. Staged outputs first, so ring order is kept. */
	work += tl_engine_flush_req(e);
	work += tl_engine_flush_out(&e->st_ev, &e->evr);
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
	if (work) {
		uint64_t d = (uint64_t)(tl_clock_mono_ns() - t0);
		e->lat_hist[d ? 63 - __builtin_clzll(d) : 0]++;
	}
	return work;
}

void tl_engine_on_start(void *ctx)
{
	tl_engine_t *e = ctx;
	atomic_store_explicit(&e->eng_running, true, memory_order_release);
}

void tl_engine_on_stop(void *ctx)
{
	tl_engine_t *e = ctx;
	/* Drain: take what the venue already said, push out what is staged,
	 * for at most 200 ms, then publish the final snapshot. */
	tl_time_t end = tl_clock_mono_ns() + 200 * TL_NS_PER_MS;
	tl_input_t in;
	while (tl_clock_mono_ns() < end) {
		int w = 0;
		e->now = tl_clock_realtime_ns();
		while (tl_spsc_in_pop(&e->vin, &in) || tl_spsc_in_pop(&e->sin, &in)) {
			tl_engine_apply(e, &in, NULL);
			w++;
		}
		w += tl_engine_flush_req(e);
		w += tl_engine_flush_out(&e->st_ev, &e->evr);
		if (e->journal)
			w += tl_engine_flush_rec(&e->st_j, &e->jr);
		if (!w && !e->st_ev.n && !e->st_req.n && !e->st_j.n)
			break;
	}
	tl_engine_publish(e);
	atomic_store_explicit(&e->eng_running, false, memory_order_release);
}
