/*
 * engine_snapshot.c - ENGINE thread: the seqlock snapshot in the shm block
 * (positions, counters, emergency progress, loop latency).
 */
#define _GNU_SOURCE
#include "runtime/engine_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

void tl_engine_publish(tl_engine_t *e)
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
	for (uint32_t r = 0; r <= k->strats.n && r < TL_SHM_STRAT_MAX; r++) {
		const tl_strat_t *t = &k->strats.row[r];
		tl_shm_strat_t *d = &s.strat[s.n_strat++];
		memcpy(d->name, t->name, TL_STRAT_LEN);
		d->realized = t->realized;
		d->unrealized = t->unrealized;
		d->commission = t->commission;
		d->orders = t->orders;
		d->fills = t->fills;
	}
	s.total_pnl = tl_kernel_total_pnl(k);
	s.daily_pnl = tl_kernel_daily_pnl(k);
	s.day_start = k->day_start;
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
			    (tl_engine_journal_down(e) ? TL_SHM_JOURNAL_FAILED : 0);
	s.lat_p50 = eng_hist_pct(e->lat_hist, 0.50);
	s.lat_p99 = eng_hist_pct(e->lat_hist, 0.99);
	s.lat_max = eng_hist_pct(e->lat_hist, 1.0);
	tl_shm_publish(e->shm, &s);
	atomic_store_explicit(&e->shm->state, k->state, memory_order_release);
}
