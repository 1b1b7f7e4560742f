/*
 * reconcile.c - the kernel's side of venue reconciliation: ADOPT,
 * POSITION_SNAPSHOT and RESYNC inputs (docs/recovery.md).
 *
 * The IO side asks the venue (open orders, positions, balance) and feeds
 * what it learned as inputs; everything decided here is a pure function
 * of those inputs and the kernel's state, so `talon replay` reproduces
 * every conflict, orphan, adoption and pause.
 *
 * Positions: a snapshot is a run of POSITION records with one snap_id
 * and an END record. Each record is compared with the kernel's position
 * of that symbol and side; at END every local position the snapshot did
 * not mention is compared with "flat at the venue". Outcomes:
 *
 *   equal (size and entry exactly)    nothing; the position's miss count
 *   within tolerance                  is reset
 *   one side flat, the other not      POSITION_ORPHAN  \  after `confirm`
 *   size or entry off > tolerance,    POSITION_CONFLICT }  consecutive
 *   or opposite signs                                  /  differing snapshots
 *
 * A differing position with an order in flight (sent, unknown, a market
 * order not ended) is not judged: the venue may already show what the
 * kernel has not heard yet (recon_unsettled). Nor is one that changed
 * at or after the snapshot was asked for (`asked`): the venue's answer
 * may be older than the fill the kernel already applied. Then the snapshot's policy:
 * TRUST_VENUE sets the position's size and entry to the venue's (realized
 * PnL and commission stay: they are talon's history) and emits the
 * position event that keeps the journal's positions table in step; PAUSE
 * goes PAUSED (not from LIQUIDATING).
 *
 * Invariants kept: a position's status is OPEN iff qty != 0; an adopted
 * order is counted in open_by_sym and, when it can add to a position, in
 * pend_buy/pend_sell, exactly as a created one (tl_kernel_check).
 */
#include "kernel/kernel_int.h"

#include <stdio.h>
#include <string.h>

/* ---- ADOPT --------------------------------------------------------------- */

/* The sequence of one of our client ids ("<prefix><digits>"), or 0 when
 * the id is not ours. */
static uint64_t recon_clid_seq(const tl_kernel_t *k, const char *id)
{
	size_t n = strnlen(k->cfg.clid_prefix, TL_PREFIX_MAX);
	if (strncmp(id, k->cfg.clid_prefix, n) != 0 || id[n] == '\0')
		return 0;
	uint64_t v = 0;
	for (const char *p = id + n; *p; p++) {
		if (*p < '0' || *p > '9' || v > (UINT64_MAX - 9) / 10)
			return 0;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	return v;
}

/* An open order (NEW, PARTIALLY_FILLED), or a closed one that traded
 * (FILLED, CANCELED, EXPIRED with executed quantity): one the venue took
 * while its records were lost with the journal's tail (async mode), found
 * by the restart's scan of the venue's recent orders. A closed order
 * enters NEW like any other; its trades follow as FILL inputs and the
 * venue's final status as a QUERY_RESULT. */
static bool recon_adopt_valid(const tl_in_adopt_t *a)
{
	bool open = (a->status == TL_ST_NEW || a->status == TL_ST_PARTIALLY_FILLED) &&
		    a->executed_qty < a->qty;
	bool traded = (a->status == TL_ST_FILLED || a->status == TL_ST_CANCELED ||
		       a->status == TL_ST_EXPIRED) &&
		      a->executed_qty > 0 && a->executed_qty <= a->qty;
	return (a->side == TL_BUY || a->side == TL_SELL) &&
	       a->type >= TL_ORD_LIMIT && a->type <= TL_ORD_TAKE_PROFIT_MARKET &&
	       a->pos_side <= TL_PS_SHORT && a->qty > 0 && a->price >= 0 &&
	       a->stop_price >= 0 && a->executed_qty >= 0 && (open || traded);
}

void tl_k_on_adopt(tl_kernel_t *k, const tl_in_adopt_t *a)
{
	char id[TL_CLID_LEN], name[TL_SYMBOL_NAMELEN];
	tl_k_copy_str(id, sizeof(id), a->client_id);
	tl_k_copy_str(name, sizeof(name), a->symbol);
	tl_order_t *o = tl_orders_by_clid(&k->orders, id);
	if (o) {
		/* Known: the venue only tells us its id (an ack we lost). */
		if (a->venue_id && !o->venue_id)
			tl_orders_set_venue_id(&k->orders, o, a->venue_id);
		return;
	}
	uint64_t seq = recon_clid_seq(k, id);
	int sym = tl_symbols_find(&k->syms, name);
	if (seq == 0 || sym < 0 || !recon_adopt_valid(a)) {
		k->ctr.bad_inputs++;
		return;
	}
	/* K5: our ids come from blocks reserved in order; one far past what
	 * was reserved (a lost journal tail is at most a few blocks) is
	 * another engine's or made up, and adopting it would move id_next
	 * there (towards wrapping). The window is 8 blocks, at least
	 * TL_ADOPT_WINDOW_MIN ids. */
	uint64_t top = k->id_reserved_to > k->id_next ? k->id_reserved_to : k->id_next;
	uint64_t window = 8ULL * k->cfg.id_block;
	if (window < TL_ADOPT_WINDOW_MIN)
		window = TL_ADOPT_WINDOW_MIN;
	if (seq > TL_SEQ_MAX || seq >= top + window) {
		k->ctr.foreign_updates++;
		tl_output_t out;
		tl_k_ev_init(&out, TL_EV_FOREIGN_UPDATE);
		tl_k_copy_str(out.u.ev.symbol, TL_SYMBOL_NAMELEN, name);
		tl_k_copy_str(out.u.ev.u.order.client_id, TL_CLID_LEN, id);
		out.u.ev.u.order.venue_id = a->venue_id;
		tl_k_copy_str(out.u.ev.text, TL_TEXT_LEN,
			      "not adopted: sequence beyond our reserved ids");
		tl_k_emit(k, &out);
		return;
	}
	tl_k_ordreq_t r = {
		.sym = sym, .side = (tl_side_t)a->side, .type = (tl_ord_type_t)a->type,
		.tif = a->tif ? (tl_tif_t)a->tif : TL_TIF_GTC,
		.pos_side = (tl_pos_side_t)a->pos_side, .reduce_only = a->reduce_only != 0,
		.qty = a->qty, .price = a->price, .role = TL_ROLE_PLAIN,
	};
	/* Its id was used: never hand it out again. */
	if (seq >= k->id_next)
		k->id_next = seq + 1;
	if (k->id_reserved_to < k->id_next)
		k->id_reserved_to = k->id_next;	/* the next order reserves anew */
	if (k->orders.free_head == TL_ORD_NIL && k->orders.term_head == TL_ORD_NIL) {
		tl_k_ev_refused(k, &r, name, TL_REJ_TABLE_FULL);
		return;
	}
	o = tl_orders_alloc(&k->orders, id);
	if (!o) {
		tl_k_ev_refused(k, &r, name, TL_REJ_TABLE_FULL);
		return;
	}
	o->seq = seq;
	o->sym = (uint16_t)sym;
	o->side = a->side;
	o->type = a->type;
	o->tif = (uint8_t)r.tif;
	o->pos_side = a->pos_side;
	o->reduce_only = a->reduce_only != 0;
	o->role = TL_ROLE_PLAIN;
	o->qty = a->qty;
	o->price = a->price;
	o->stop_price = a->stop_price;
	o->venue_executed = a->executed_qty;
	o->t_created = o->t_updated = o->t_acked = k->now;
	o->hist[0] = (tl_ord_hist_t){ .status = TL_ST_PENDING_NEW, .time = k->now };
	o->hist_n = 1;
	if (a->venue_id)
		tl_orders_set_venue_id(&k->orders, o, a->venue_id);
	k->open_by_sym[sym]++;
	k->ctr.orders_adopted++;
	bool closing = o->reduce_only ||
		       (o->pos_side == TL_PS_LONG && o->side == TL_SELL) ||
		       (o->pos_side == TL_PS_SHORT && o->side == TL_BUY);
	if (!closing) {
		tl_position_t *p = tl_k_pos(k, sym, (tl_pos_side_t)o->pos_side);
		if (o->side == TL_BUY)
			p->pend_buy += o->qty;
		else
			p->pend_sell += o->qty;
		o->exposure = 1;
	}
	/* filled stays 0: the trades it already had arrive as FILL inputs
	 * (by trade id), which moves it to PARTIALLY_FILLED or FILLED. */
	tl_k_ev_order(k, TL_EV_ORDER_SUBMITTED, o, "adopted from the venue");
	tl_k_order_status(k, o, TL_ST_NEW);
	tl_k_ev_order(k, TL_EV_ORDER_ACCEPTED, o, "adopted from the venue");
	/* A liquidation wants no open order but its own closes (one the
	 * venue already closed ends by its QUERY_RESULT). */
	if (k->state == TL_TS_LIQUIDATING && !tl_status_terminal((tl_ord_status_t)a->status))
		tl_k_order_cancel(k, o, true);
}

/* ---- POSITION_SNAPSHOT ---------------------------------------------------- */

static tl_fx_t recon_abs(tl_fx_t v)
{
	return v < 0 ? -v : v;
}

/* |a - b| > tol_pct % of max(|a|, |b|) (tol_pct at 1e-8: 1 % = 1e8). */
static bool recon_off(tl_fx_t a, tl_fx_t b, tl_fx_t tol_pct)
{
	__int128 d = (__int128)a - b;
	if (d < 0)
		d = -d;
	__int128 ref = recon_abs(a) > recon_abs(b) ? recon_abs(a) : recon_abs(b);
	/* d / ref * 100 > tol_pct / 1e8  <=>  d * 100 * 1e8 > tol_pct * ref */
	return d * 100 * TL_FX_ONE > (__int128)tol_pct * ref;
}

static void recon_event(tl_kernel_t *k, tl_event_type_t t, const tl_position_t *p,
			const tl_in_pos_snapshot_t *s, tl_fx_t vq, tl_fx_t ve,
			bool adopted, const char *what)
{
	tl_output_t out;
	tl_k_ev_init(&out, t);
	memcpy(out.u.ev.symbol, k->syms.sym[p->sym].name, TL_SYMBOL_NAMELEN);
	tl_ev_recon_t *r = &out.u.ev.u.recon;
	r->pos_side = p->pos_side;
	r->source = s->source;
	r->policy = s->policy;
	r->adopted = adopted;
	r->local_qty = p->qty;
	r->local_entry = p->entry;
	r->venue_qty = vq;
	r->venue_entry = ve;
	char a[TL_FX_STRLEN], b[TL_FX_STRLEN];
	tl_fx_format(p->qty, -1, a, sizeof(a));
	tl_fx_format(vq, -1, b, sizeof(b));
	snprintf(out.u.ev.text, TL_TEXT_LEN, "%.10s: talon %.18s venue %.18s", what, a, b);
	tl_k_emit(k, &out);
}

/* trust_venue: the venue's size and entry become ours. */
static void recon_adopt_position(tl_kernel_t *k, tl_position_t *p, tl_fx_t vq,
				 tl_fx_t ve)
{
	bool was_open = p->qty != 0;
	/* Ending at the venue's word: no closing fill, so no exit price. */
	tl_pos_trip_t trip = {
		.opened = p->opened, .entry = p->entry,
		.qty = p->qty < 0 ? -p->trip_max : p->trip_max,
		.realized = p->realized - p->trip_realized0,
		.commission = p->commission - p->trip_commission0,
	};
	if (p->trip_exit_qty > 0)
		tl_fx_div_wide(p->trip_exit_quote, p->trip_exit_qty, TL_FX_NEAREST,
			       &trip.exit);
	p->qty = vq;
	p->entry = vq != 0 ? ve : 0;
	p->updated = k->now;
	tl_event_type_t ev = TL_EV_POSITION_UPDATED;
	if (vq != 0 && !was_open) {
		p->status = TL_POS_OPEN;
		tl_pos_trip_begin(p, k->now);
		ev = TL_EV_POSITION_OPENED;
	} else if (vq == 0 && was_open) {
		p->status = TL_POS_CLOSED;
		ev = TL_EV_POSITION_CLOSED;
	} else if (vq != 0 && (vq < 0 ? -vq : vq) > p->trip_max) {
		p->trip_max = vq < 0 ? -vq : vq;
	}
	tl_k_pos_mark(k, p, p->mark);
	k->ctr.pos_adopted++;
	tl_k_ev_position(k, ev, p);
	if (vq == 0 && was_open)
		tl_k_ev_trip(k, p->sym, p->pos_side, 0, 0, TL_EXIT_VENUE, &trip);
	/* A smaller (or flat) position: no leg may cover more than it (K7). */
	tl_k_protect_pos(k, p->sym, (tl_pos_side_t)p->pos_side);
	if (k->state == TL_TS_LIQUIDATING)
		tl_k_emergency_progress(k);
	tl_k_check_loss(k);
}

/* K3: the kill switch's sweep found a position talon did not hold (or
 * held otherwise). After a liquidation has ended it is closed by a new
 * one; a liquidation that runs closes it itself (emergency_progress). */
static void recon_sweep_found(tl_kernel_t *k, const tl_position_t *p)
{
	if (p->qty != 0 && k->state == TL_TS_PAUSED && k->emg.completed != 0)
		tl_k_liquidate(k, "venue sweep: position left at the venue");
}

/* Can this position be moving right now without the kernel knowing yet?
 * An order of it that is on its way (PENDING_NEW, SENT), whose outcome
 * is unknown (UNKNOWN, PENDING_CANCEL), or a MARKET order not ended (it
 * has traded at the venue; its fills are on their way): the venue's
 * number may already include what ours does not. Such a position is not
 * compared this time (neither reported nor cleared). */
static bool recon_unsettled(const tl_kernel_t *k, uint32_t idx)
{
	for (const tl_order_t *o = tl_orders_active_first(&k->orders); o;
	     o = tl_orders_next(&k->orders, o)) {
		if ((uint32_t)o->sym * 3 + o->pos_side != idx)
			continue;
		switch ((tl_ord_status_t)o->status) {
		case TL_ST_PENDING_NEW:
		case TL_ST_SENT:
		case TL_ST_UNKNOWN:
		case TL_ST_PENDING_CANCEL:
			return true;
		default:
			if (o->type == TL_ORD_MARKET)
				return true;
			break;
		}
	}
	return false;
}

/* Compare one position with the venue's (vq, ve). */
static void recon_compare(tl_kernel_t *k, uint32_t idx, tl_fx_t vq, tl_fx_t ve,
			  const tl_in_pos_snapshot_t *s)
{
	tl_position_t *p = &k->pos[idx];
	tl_fx_t lq = p->qty;
	tl_event_type_t t;
	const char *what;
	if (lq == 0 && vq == 0) {
		k->snap_miss[idx] = 0;
		return;
	}
	if (lq == 0 || vq == 0) {
		t = TL_EV_POSITION_ORPHAN;
		what = lq == 0 ? "venue only" : "talon only";
	} else if ((lq < 0) != (vq < 0) || recon_off(lq, vq, s->tolerance_pct)) {
		t = TL_EV_POSITION_CONFLICT;
		what = "size";
	} else if (recon_off(p->entry, ve, s->tolerance_pct)) {
		t = TL_EV_POSITION_CONFLICT;
		what = "entry";
	} else {
		k->snap_miss[idx] = 0;	/* equal, or within tolerance */
		return;
	}
	/* A fill applied after the venue was asked: its answer may predate
	 * it (the order is FILLED, so not unsettled, but the snapshot
	 * is older than our position). */
	if ((s->asked && p->updated >= s->asked) || recon_unsettled(k, idx)) {
		k->ctr.pos_deferred++;
		return;	/* look again next time */
	}
	uint8_t need = s->confirm && s->source != TL_SNAP_SWEEP ? s->confirm : 1;
	if (k->snap_miss[idx] < UINT8_MAX)
		k->snap_miss[idx]++;
	if (k->snap_miss[idx] < need)
		return;	/* maybe a fill in flight: look again next time */
	k->snap_miss[idx] = 0;
	/* K3: while liquidating, the venue's position is the one to close
	 * (a close sized on a wrong local number is refused by the venue as
	 * not reducing, again and again), whatever the snapshot's policy. */
	bool trust = s->policy == TL_RECON_TRUST_VENUE || s->source == TL_SNAP_SWEEP ||
		     k->state == TL_TS_LIQUIDATING;
	if (t == TL_EV_POSITION_CONFLICT)
		k->ctr.pos_conflicts++;
	else
		k->ctr.pos_orphans++;
	recon_event(k, t, p, s, vq, ve, trust, what);
	if (trust) {
		recon_adopt_position(k, p, vq, ve);
		if (s->source == TL_SNAP_SWEEP)
			recon_sweep_found(k, p);
	} else if (k->state != TL_TS_PAUSED && k->state != TL_TS_LIQUIDATING)
		tl_k_set_state(k, TL_TS_PAUSED, t == TL_EV_POSITION_CONFLICT
						       ? "position conflict"
						       : "position orphan");
}

static bool recon_snap_valid(const tl_in_pos_snapshot_t *s)
{
	if (s->snap_id == 0 || s->tolerance_pct < 0 ||
	    (s->policy != TL_RECON_TRUST_VENUE && s->policy != TL_RECON_PAUSE))
		return false;
	if (s->kind == TL_SNAP_END)
		return true;
	/* INT64_MIN has no |qty| (K8): no venue holds 92 billion units */
	if (s->kind != TL_SNAP_POSITION || s->pos_side > TL_PS_SHORT || s->entry < 0 ||
	    s->qty == INT64_MIN || (s->qty != 0 && s->entry == 0))
		return false;
	if ((s->pos_side == TL_PS_LONG && s->qty < 0) ||
	    (s->pos_side == TL_PS_SHORT && s->qty > 0))
		return false;
	return true;
}

void tl_k_on_snapshot(tl_kernel_t *k, const tl_in_pos_snapshot_t *s)
{
	if (!recon_snap_valid(s)) {
		k->ctr.bad_inputs++;
		/* the refused record may have been the position its END would
		 * otherwise take for flat */
		if (s->snap_id)
			k->snap_tainted = s->snap_id;
		return;
	}
	if (s->kind == TL_SNAP_END) {
		k->venue_balance = s->balance;
		k->balance_known = s->balance > 0;
		k->bal_pnl0 = k->realized_total - k->commission_total;
		if (k->snap_tainted == s->snap_id) {
			k->snap_tainted = 0;
			return;
		}
		for (uint32_t i = 0; i < k->syms.count * 3; i++)
			if (k->snap_gen[i] != s->snap_id)
				recon_compare(k, i, 0, 0, s);
		return;
	}
	char name[TL_SYMBOL_NAMELEN];
	tl_k_copy_str(name, sizeof(name), s->symbol);
	int sym = tl_symbols_find(&k->syms, name);
	if (sym < 0) {
		k->ctr.bad_inputs++;	/* the IO side reports only our symbols */
		return;
	}
	uint32_t idx = (uint32_t)sym * 3 + s->pos_side;
	k->snap_gen[idx] = s->snap_id;
	recon_compare(k, idx, s->qty, s->entry, s);
}

/* ---- RESYNC ---------------------------------------------------------------- */

/* The user stream was down: anything may have happened to the orders the
 * venue holds. Ask for each; a result that shows fills we never saw comes
 * with those fills (FILL inputs by trade id, deduplicated).
 *
 * Under a shortage of request weight this must not multiply requests
 * (K4): an order whose query is already out, or whose own timer asks
 * the venue soon anyway (UNKNOWN, PENDING_CANCEL), is skipped; after a
 * bulk read of the open orders (bulk = 1) an order the read confirmed
 * (t_seen at or after `asked`) is skipped too. */
void tl_k_on_resync(tl_kernel_t *k, const tl_in_resync_t *r)
{
	k->ctr.resyncs++;
	tl_order_t *o = tl_orders_active_first(&k->orders);
	while (o) {
		tl_order_t *next = tl_orders_next(&k->orders, o);
		bool ask = false;
		switch ((tl_ord_status_t)o->status) {
		case TL_ST_SENT:
		case TL_ST_NEW:
		case TL_ST_PARTIALLY_FILLED:
			ask = !(o->flags & TL_OF_QUERYING) &&
			      !(r->bulk && r->asked && o->t_seen >= r->asked);
			break;
		case TL_ST_UNKNOWN:
		case TL_ST_PENDING_CANCEL:
			ask = o->t_next <= k->now;	/* else already due */
			break;
		default:
			break;	/* PENDING_NEW: nothing at the venue yet */
		}
		if (ask)
			tl_k_order_query(k, o);
		o = next;
	}
}
