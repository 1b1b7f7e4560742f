/*
 * engine_lookup.c - the C API's look-ups (include/talon.h): one order by
 * client id, the open orders, the positions. On the thread that owns the
 * kernel (callbacks, the invoker) they read the kernel itself; a polling
 * strategy's thread reads the seqlock snapshot, because the kernel is
 * the ENGINE thread's alone (no lock, nothing shared to wait on).
 */
#define _GNU_SOURCE
#include "runtime/engine_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static_assert(TL_ORDER_HISTORY_MAX == TL_SHM_ORD_HIST, "history");

/* Which view: the kernel (true), the snapshot (false), or neither
 * (-EPERM: callbacks own the strategy side and this is another thread). */
static int lk_view(tl_engine_t *e, bool *kernel)
{
	*kernel = false;
	if (!e->has_strat)
		return 0;
	if (!atomic_load_explicit(&e->eng_running, memory_order_acquire) ||
	    !pthread_equal(pthread_self(), e->cb_thread)) {
		snprintf(tl_engine_errbuf, sizeof(tl_engine_errbuf),
			 "this engine's strategy runs on the engine's thread (tl_strategy_t): "
			 "call it from its callbacks");
		return -EPERM;
	}
	*kernel = true;
	return 0;
}

/* The snapshot, into the engine's look-up buffer: it is 300 KiB, too
 * much for a strategy thread's stack, and allocated once. NULL with rc
 * -EAGAIN (none published yet) or -ENOMEM. The polling side is one
 * thread (talon.h), so the buffer is that thread's. */
static tl_shm_snapshot_t *lk_snapshot(tl_engine_t *e, int *rc)
{
	if (!e->lk_snap && !(e->lk_snap = malloc(sizeof(*e->lk_snap)))) {
		*rc = -ENOMEM;
		return NULL;
	}
	if (!tl_engine_snapshot(e, e->lk_snap) || e->lk_snap->published == 0) {
		*rc = -EAGAIN;
		return NULL;
	}
	*rc = 0;
	return e->lk_snap;
}

static void lk_order(const tl_shm_ord_t *o, tl_order_info_t *p)
{
	memset(p, 0, sizeof(*p));
	snprintf(p->client_id, sizeof(p->client_id), "%.*s", TL_CLID_MAX, o->client_id);
	snprintf(p->symbol, sizeof(p->symbol), "%.*s", TL_SYMBOL_NAMELEN - 1, o->symbol);
	p->side = (tl_order_side_t)o->side;
	p->type = (tl_order_type_t)o->type;
	p->tif = (tl_time_in_force_t)o->tif;
	p->pos_side = (tl_position_side_t)o->pos_side;
	p->role = (tl_order_role_t)o->role;
	p->reduce_only = o->reduce_only != 0;
	p->status = (tl_order_status_t)o->status;
	p->qty = o->qty;
	p->price = o->price;
	p->stop_price = o->stop_price;
	p->filled = o->filled;
	p->avg_price = o->avg_price;
	p->venue_id = o->venue_id;
	p->user_ref = o->user_ref;
	p->created = o->created;
	p->updated = o->updated;
	p->n_history = o->n_hist < TL_ORDER_HISTORY_MAX ? o->n_hist : TL_ORDER_HISTORY_MAX;
	p->status_changes = o->hist_total;
	for (int i = 0; i < p->n_history; i++) {
		p->history[i].status = (tl_order_status_t)o->hist[i].status;
		p->history[i].time = o->hist[i].time;
	}
}

static void lk_position(const tl_shm_pos_t *d, tl_position_info_t *p)
{
	memset(p, 0, sizeof(*p));
	snprintf(p->symbol, sizeof(p->symbol), "%.*s", TL_SYMBOL_NAMELEN - 1, d->symbol);
	p->side = (tl_position_side_t)d->pos_side;
	p->status = (tl_position_status_t)d->status;
	p->qty = d->qty;
	p->entry = d->entry;
	p->mark = d->mark;
	p->realized = d->realized;
	p->unrealized = d->unrealized;
	p->commission = d->commission;
	p->roe = d->roe;
	p->leverage = d->leverage;
}

static int lk_symbol_arg(const char *symbol)
{
	if (symbol && strlen(symbol) >= TL_SYMBOL_NAMELEN) {
		snprintf(tl_engine_errbuf, sizeof(tl_engine_errbuf),
			 "symbol: expected at most %d characters", TL_SYMBOL_NAMELEN - 1);
		return -EINVAL;
	}
	return 0;
}

static bool lk_symbol_is(const char *want, const char *sym)
{
	return !want || !*want || !strncmp(want, sym, TL_SYMBOL_NAMELEN);
}

int tl_engine_order(tl_engine_t *e, const char *client_id, tl_order_info_t *out)
{
	bool kernel;
	int rc = lk_view(e, &kernel);
	if (rc)
		return rc;
	if (!client_id || !*client_id || strlen(client_id) > TL_CLID_MAX) {
		snprintf(tl_engine_errbuf, sizeof(tl_engine_errbuf),
			 "client id: expected 1..%d characters", TL_CLID_MAX);
		return -EINVAL;
	}
	tl_shm_ord_t d;
	if (kernel) {
		const tl_order_t *o = tl_orders_by_clid(&e->k.orders, client_id);
		if (!o)
			return -ENOENT;
		tl_engine_ord_fill(&e->k, o, &d);
		lk_order(&d, out);
		return 0;
	}
	tl_shm_snapshot_t *s = lk_snapshot(e, &rc);
	if (!s)
		return rc;
	rc = -ENOENT;
	for (uint32_t i = 0; i < s->n_ord; i++)
		if (!strncmp(s->ord[i].client_id, client_id, TL_CLID_LEN)) {
			lk_order(&s->ord[i], out);
			rc = 0;
			break;
		}
	return rc;
}

int tl_engine_open_orders(tl_engine_t *e, const char *symbol, tl_order_info_t *out, int max)
{
	bool kernel;
	int rc = lk_view(e, &kernel);
	if (rc || (rc = lk_symbol_arg(symbol)) != 0)
		return rc;
	if (max < 0 || (max > 0 && !out)) {
		snprintf(tl_engine_errbuf, sizeof(tl_engine_errbuf), "out/max: no room given");
		return -EINVAL;
	}
	int n = 0;
	tl_shm_ord_t d;
	if (kernel) {
		const tl_orders_t *t = &e->k.orders;
		for (const tl_order_t *o = tl_orders_active_first(t); o; o = tl_orders_next(t, o)) {
			if (!lk_symbol_is(symbol, e->k.syms.sym[o->sym].name))
				continue;
			if (n < max) {
				tl_engine_ord_fill(&e->k, o, &d);
				lk_order(&d, &out[n]);
			}
			n++;
		}
		return n;
	}
	tl_shm_snapshot_t *s = lk_snapshot(e, &rc);
	if (!s)
		return rc;
	for (uint32_t i = 0; i < s->n_ord_open; i++) {
		if (!lk_symbol_is(symbol, s->ord[i].symbol))
			continue;
		if (n < max)
			lk_order(&s->ord[i], &out[n]);
		n++;
	}
	return n;
}

int tl_engine_positions(tl_engine_t *e, const char *symbol, tl_position_info_t *out, int max)
{
	bool kernel;
	int rc = lk_view(e, &kernel);
	if (rc || (rc = lk_symbol_arg(symbol)) != 0)
		return rc;
	if (max < 0 || (max > 0 && !out)) {
		snprintf(tl_engine_errbuf, sizeof(tl_engine_errbuf), "out/max: no room given");
		return -EINVAL;
	}
	int n = 0;
	tl_shm_pos_t d;
	if (kernel) {
		const tl_kernel_t *k = &e->k;
		for (uint32_t i = 0; i < k->syms.count * 3; i++) {
			const tl_position_t *p = &k->pos[i];
			if (!tl_engine_pos_shown(p) || !lk_symbol_is(symbol, k->syms.sym[p->sym].name))
				continue;
			if (n < max) {
				tl_engine_pos_fill(k, p, &d);
				lk_position(&d, &out[n]);
			}
			n++;
		}
		return n;
	}
	tl_shm_snapshot_t *s = lk_snapshot(e, &rc);
	if (!s)
		return rc;
	for (uint32_t i = 0; i < s->n_pos; i++) {
		if (!lk_symbol_is(symbol, s->pos[i].symbol))
			continue;
		if (n < max)
			lk_position(&s->pos[i], &out[n]);
		n++;
	}
	return n;
}
