/*
 * engine_snapshot.c - ENGINE thread: the seqlock snapshot in the shm block
 * (positions, counters, venue health, emergency progress, loop latency).
 */
#define _GNU_SOURCE
#include "runtime/engine_int.h"

#include <errno.h>
#include <stddef.h>
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

void tl_engine_ord_fill(const tl_kernel_t *k, const tl_order_t *o, tl_shm_ord_t *d)
{
	memset(d, 0, sizeof(*d));
	memcpy(d->client_id, o->client_id, TL_CLID_LEN);
	memcpy(d->symbol, k->syms.sym[o->sym].name, TL_SYMBOL_NAMELEN);
	d->side = o->side;
	d->type = o->type;
	d->tif = o->tif;
	d->pos_side = o->pos_side;
	d->reduce_only = o->reduce_only;
	d->role = o->role;
	d->status = o->status;
	d->strat = o->strat;
	d->qty = o->qty;
	d->price = o->price;
	d->stop_price = o->stop_price;
	d->filled = o->filled;
	if (o->filled > 0)
		tl_fx_div_wide(o->cum_quote, o->filled, TL_FX_NEAREST, &d->avg_price);
	d->venue_id = o->venue_id;
	d->user_ref = o->user_ref;
	d->created = o->t_created;
	d->updated = o->t_updated;
	/* hist[] is a ring written at hist_n % TL_ORD_HIST: past TL_ORD_HIST
	 * changes the oldest kept is the next to be overwritten. */
	uint32_t n = o->hist_n < TL_ORD_HIST ? o->hist_n : TL_ORD_HIST;
	uint32_t first = o->hist_n > TL_ORD_HIST ? o->hist_n % TL_ORD_HIST : 0;
	for (uint32_t i = 0; i < n; i++) {
		const tl_ord_hist_t *h = &o->hist[(first + i) % TL_ORD_HIST];
		d->hist[i].status = h->status;
		d->hist[i].time = h->time;
	}
	d->n_hist = (uint8_t)n;
	d->hist_total = o->hist_n;
}

void tl_engine_pos_fill(const tl_kernel_t *k, const tl_position_t *p, tl_shm_pos_t *d)
{
	memset(d, 0, sizeof(*d));
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

/* Open orders oldest first, then the newest finished ones while room is
 * left: a bounded copy (TL_SHM_ORD_MAX) of what the kernel already holds. */
static void eng_publish_orders(const tl_kernel_t *k, tl_shm_snapshot_t *s)
{
	const tl_orders_t *t = &k->orders;
	for (const tl_order_t *o = tl_orders_active_first(t); o; o = tl_orders_next(t, o)) {
		if (s->n_ord == TL_SHM_ORD_MAX) {
			s->ord_dropped = t->n_active - s->n_ord;
			break;
		}
		tl_engine_ord_fill(k, o, &s->ord[s->n_ord++]);
	}
	s->n_ord_open = s->n_ord;
	uint32_t recent = 0;
	for (uint32_t i = t->term_tail; i != TL_ORD_NIL && s->n_ord < TL_SHM_ORD_MAX &&
	     recent < TL_SHM_ORD_RECENT; i = t->slot[i].prev, recent++)
		tl_engine_ord_fill(k, &t->slot[i], &s->ord[s->n_ord++]);
}

/* The venue's health as the IO thread last wrote it (relaxed loads:
 * each value is a monitoring reading on its own, no pair is read as
 * one consistent state). */
static void eng_publish_health(const tl_venue_health_t *h, tl_shm_snapshot_t *s)
{
#define H(f) atomic_load_explicit(&h->f, memory_order_relaxed)
	s->venue_connected = H(connected);
	s->venue_conns = H(conns);
	s->venue_stream = H(stream);
	s->venue_clock_synced = H(clock_synced);
	s->clock_offset_ns = H(clock_offset_ns);
	s->weight_used = H(weight_used);
	s->weight_limit = H(weight_limit);
	s->orders_10s = H(orders_10s);
	s->orders_10s_limit = H(orders_10s_limit);
	s->orders_1m = H(orders_1m);
	s->orders_1m_limit = H(orders_1m_limit);
	s->http_429 = H(http_429);
	s->http_418 = H(http_418);
#undef H
}

void tl_engine_publish(tl_engine_t *e)
{
	/* Only the head is cleared: ord[] and pos[] entries are cleared one
	 * by one as they are filled, and only those are published. */
	tl_shm_snapshot_t *sp = e->pub_snap;
	memset(sp, 0, offsetof(tl_shm_snapshot_t, ord));
	const tl_kernel_t *k = &e->k;
	sp->published = e->now;
	sp->state = k->state;
	sp->open_orders = k->orders.n_active;
	sp->tracked_orders = k->orders.n_active + k->orders.n_terminal;
	for (uint32_t i = 0; i < k->syms.count * 3 && sp->n_pos < TL_SHM_POS_MAX; i++) {
		const tl_position_t *p = &k->pos[i];
		if (!tl_engine_pos_shown(p))
			continue;
		tl_engine_pos_fill(k, p, &sp->pos[sp->n_pos++]);
	}
	eng_publish_orders(k, sp);
	for (uint32_t r = 0; r <= k->strats.n && r < TL_SHM_STRAT_MAX; r++) {
		const tl_strat_t *t = &k->strats.row[r];
		tl_shm_strat_t *d = &sp->strat[sp->n_strat++];
		memcpy(d->name, t->name, TL_STRAT_LEN);
		d->realized = tl_fx_sat128(t->realized);
		d->unrealized = tl_fx_sat128(t->unrealized);
		d->commission = tl_fx_sat128(t->commission);
		d->orders = t->orders;
		d->fills = t->fills;
	}
	sp->total_pnl = tl_kernel_total_pnl(k);
	sp->daily_pnl = tl_kernel_daily_pnl(k);
	sp->day_start = k->day_start;
	const tl_kernel_counters_t *c = &k->ctr;
	sp->inputs = c->inputs;
	sp->outputs = c->outputs;
	sp->events = c->events;
	sp->submitted = c->orders_submitted;
	sp->refused = c->orders_refused;
	sp->filled = c->orders_filled;
	sp->canceled = c->orders_canceled;
	sp->rejected = c->orders_rejected;
	sp->failed = c->orders_failed;
	sp->expired = c->orders_expired;
	sp->unknown = c->orders_unknown;
	sp->fills = c->fills;
	sp->duplicate_fills = c->duplicate_fills;
	sp->invalid_transitions = c->invalid_transitions;
	sp->backpressure = atomic_load_explicit(&e->ctr.backpressure, memory_order_relaxed);
	sp->adopted = c->orders_adopted;
	sp->conflicts = c->pos_conflicts;
	sp->orphans = c->pos_orphans;
	sp->resyncs = c->resyncs;
	sp->foreign_updates = c->foreign_updates;
	if (e->venue) {
		const tl_venue_xport_t *x = &e->venue->xport;
		sp->ws_sent = atomic_load_explicit(&x->ws_sent, memory_order_relaxed);
		sp->rest_sent = atomic_load_explicit(&x->rest_sent, memory_order_relaxed);
		sp->ws_fallbacks = atomic_load_explicit(&x->ws_fallbacks, memory_order_relaxed);
		sp->ws_sessions = atomic_load_explicit(&x->ws_sessions, memory_order_relaxed);
		sp->ws_drops = atomic_load_explicit(&x->ws_drops, memory_order_relaxed);
		eng_publish_health(&e->venue->health, sp);
	}
	sp->daily_loss_limit = k->cfg.daily_loss_limit;
	sp->loss_limit = k->cfg.loss_limit;
	sp->emg_active = k->emg.active;
	sp->emg_total = k->emg.total;
	sp->emg_ok = k->emg.ok;
	sp->emg_failed = k->emg.failed;
	sp->emg_canceled = k->emg.canceled;
	sp->emg_started = k->emg.started;
	sp->emg_completed = k->emg.completed;
	memcpy(sp->emg_reason, k->emg.reason, TL_TEXT_LEN);
	if (e->jnl)
		sp->journal = TL_SHM_JOURNAL_ON | (e->strict ? TL_SHM_JOURNAL_STRICT : 0) |
			    (tl_engine_journal_down(e) ? TL_SHM_JOURNAL_FAILED : 0);
	if (e->journal) {
		/* the producer's view of its own ring: no lock, no syscall */
		sp->journal_pending = e->st_j.n + tl_spsc_used(&e->jr.r);
		if (e->jst) {
			sp->journal_records = atomic_load_explicit(&e->jst->records,
								   memory_order_relaxed);
			sp->journal_last_commit_ns = (int64_t)atomic_load_explicit(
				&e->jst->last_commit_ns, memory_order_relaxed);
		}
	}
	sp->lat_p50 = eng_hist_pct(e->lat_hist, 0.50);
	sp->lat_p99 = eng_hist_pct(e->lat_hist, 0.99);
	sp->lat_max = eng_hist_pct(e->lat_hist, 1.0);
	memcpy(sp->lat_bucket, e->lat_bucket, sizeof sp->lat_bucket);
	sp->lat_sum_ns = e->lat_sum_ns;
	tl_shm_publish(e->shm, sp);
	atomic_store_explicit(&e->shm->state, k->state, memory_order_release);
}
