/*
 * test_reconcile.c - the reconciliation inputs (kernel/reconcile.c):
 * ADOPT of venue orders with our prefix, POSITION_SNAPSHOT comparison
 * (conflict, orphans both ways, tolerance, confirmation, trust_venue and
 * pause policies), RESYNC queries, and replay determinism of all of it.
 */
#include "tests/support/tl_test.h"
#include "tests/support/kfix.h"

#include <stdlib.h>
#include <string.h>

static void setup(void) { kfix_new(NULL); kf_mark("BTCUSDT", "50000"); kfix_clear(); }
static void teardown(void) { kfix_free(KF); }


static uint32_t snap_id = 0;
static tl_time_t snap_asked = 0;	/* the snapshots' `asked` (0: unknown) */

static void snap(const char *sym, tl_pos_side_t ps, const char *qty,
		 const char *entry, tl_recon_policy_t pol, uint8_t confirm)
{
	tl_input_t in = kf_snap_in(TL_SNAP_POSITION, pol, confirm, TL_SNAP_MONITOR,
				   snap_id, snap_asked);
	tl_in_pos_snapshot_t *s = &in.u.snap;
	snprintf(s->symbol, sizeof(s->symbol), "%s", sym);
	s->pos_side = (uint8_t)ps;
	s->qty = fx(qty);
	s->entry = fx(entry);
	kf_apply(&in);
}

static void snap_end(tl_recon_policy_t pol, uint8_t confirm, const char *balance)
{
	tl_input_t in = kf_snap_in(TL_SNAP_END, pol, confirm, TL_SNAP_MONITOR,
				   snap_id, snap_asked);
	in.u.snap.balance = fx(balance);
	kf_apply(&in);
}

/* A whole snapshot with one position (qty NULL: none reported). */
static void snapshot1(const char *qty, const char *entry, tl_recon_policy_t pol,
		      uint8_t confirm)
{
	snap_id++;
	if (qty)
		snap("BTCUSDT", TL_PS_BOTH, qty, entry, pol, confirm);
	snap_end(pol, confirm, "1000");
}

/* Long 0.100 BTC at 50000 through an ordinary filled order. */
static void open_long(void)
{
	uint64_t h = 0;
	CU_ASSERT_EQUAL_FATAL(kf_submit("BTCUSDT", TL_BUY, TL_ORD_MARKET, "0.100", NULL, &h),
			      TL_REJ_NONE);
	kf_ack(kf_clid(h), 900);
	kf_fill(kf_clid(h), 1, "50000", "0.100", "0");
	CU_ASSERT_EQUAL_FATAL(kf_pos("BTCUSDT", TL_PS_BOTH)->qty, fx("0.1"));
}

static void test_adopt_unknown_order_with_our_prefix(void)
{
	kf_adopt("tl42", "BTCUSDT", TL_BUY, "0.020", "49000", 5001);
	tl_order_t *o = tl_kernel_order(&KF->k, "tl42");
	CU_ASSERT_PTR_NOT_NULL_FATAL(o);
	CU_ASSERT_EQUAL(o->status, TL_ST_NEW);
	CU_ASSERT_EQUAL(o->venue_id, 5001);
	CU_ASSERT_EQUAL(o->seq, 42);
	CU_ASSERT_EQUAL(o->qty, fx("0.02"));
	CU_ASSERT_EQUAL(KF->k.ctr.orders_adopted, 1);
	CU_ASSERT_EQUAL(kf_count_ev(TL_EV_ORDER_SUBMITTED), 1);
	CU_ASSERT_EQUAL(kf_count_ev(TL_EV_ORDER_ACCEPTED), 1);
	CU_ASSERT_STRING_EQUAL(kf_last_ev(TL_EV_ORDER_ACCEPTED)->u.ev.text,
			       "adopted from the venue");
	CU_ASSERT_EQUAL(kf_pos("BTCUSDT", TL_PS_BOTH)->pend_buy, fx("0.02"));
	CU_ASSERT(tl_kernel_check(&KF->k));
	/* Its id is never handed out again: the next order is tl43. */
	uint64_t h = 0;
	CU_ASSERT_EQUAL(kf_submit("BTCUSDT", TL_BUY, TL_ORD_LIMIT, "0.010", "49000", &h),
			TL_REJ_NONE);
	CU_ASSERT_STRING_EQUAL(kf_clid(h), "tl43");
	CU_ASSERT_EQUAL(kf_last(TL_OUT_ID_RESERVE)->u.reserve.from, 43);
	/* Fills it had (or gets) arrive by venue id and trade id. */
	tl_input_t in;
	memset(&in, 0, sizeof(in));
	in.hdr.type = TL_IN_FILL;
	in.u.fill.venue_id = 5001;
	in.u.fill.trade_id = 77;
	in.u.fill.price = fx("49000");
	in.u.fill.qty = fx("0.005");
	kf_apply(&in);
	kf_apply(&in);	/* the same trade again (stream + REST): once */
	CU_ASSERT_EQUAL(o->status, TL_ST_PARTIALLY_FILLED);
	CU_ASSERT_EQUAL(o->filled, fx("0.005"));
	CU_ASSERT_EQUAL(kf_pos("BTCUSDT", TL_PS_BOTH)->qty, fx("0.005"));
	CU_ASSERT_EQUAL(KF->k.ctr.duplicate_fills, 1);
	CU_ASSERT(tl_kernel_check(&KF->k));
}

static void test_adopt_known_or_foreign_order(void)
{
	uint64_t h = 0;
	kf_submit("BTCUSDT", TL_BUY, TL_ORD_LIMIT, "0.010", "49000", &h);
	tl_order_t *o = kf_order(h);
	CU_ASSERT_EQUAL(o->venue_id, 0);
	kf_adopt(o->client_id, "BTCUSDT", TL_BUY, "0.010", "49000", 8080);
	CU_ASSERT_EQUAL(o->venue_id, 8080);	/* learned the id, nothing else */
	CU_ASSERT_EQUAL(o->status, TL_ST_SENT);
	CU_ASSERT_EQUAL(KF->k.ctr.orders_adopted, 0);
	kf_adopt("other7", "BTCUSDT", TL_BUY, "0.010", "49000", 1);	/* not ours */
	kf_adopt("tlx7", "BTCUSDT", TL_BUY, "0.010", "49000", 2);	/* not our shape */
	kf_adopt("tl9", "DOGEUSDT", TL_BUY, "0.010", "49000", 3);	/* not our symbol */
	CU_ASSERT_PTR_NULL(tl_kernel_order(&KF->k, "other7"));
	CU_ASSERT_EQUAL(KF->k.ctr.bad_inputs, 3);
	CU_ASSERT_EQUAL(KF->k.orders.n_active, 1);
	CU_ASSERT(tl_kernel_check(&KF->k));
}

static void test_adopt_during_liquidation_is_canceled(void)
{
	open_long();
	kf_control(TL_CTL_LIQUIDATE, "test");
	kf_adopt("tl500", "BTCUSDT", TL_SELL, "0.010", "51000", 6000);
	tl_order_t *o = tl_kernel_order(&KF->k, "tl500");
	CU_ASSERT_PTR_NOT_NULL_FATAL(o);
	CU_ASSERT_EQUAL(o->status, TL_ST_PENDING_CANCEL);
	CU_ASSERT(tl_kernel_check(&KF->k));
}

/* An ADOPT of a closed order (the crash window: sent, traded and closed
 * at the venue while the journal lost the record). */
static void adopt_closed(const char *clid, tl_ord_status_t st, const char *qty,
			 const char *executed, int64_t vid)
{
	tl_input_t in;
	memset(&in, 0, sizeof(in));
	in.hdr.type = TL_IN_ADOPT;
	snprintf(in.u.adopt.client_id, sizeof(in.u.adopt.client_id), "%s", clid);
	snprintf(in.u.adopt.symbol, sizeof(in.u.adopt.symbol), "BTCUSDT");
	in.u.adopt.side = TL_BUY;
	in.u.adopt.type = TL_ORD_LIMIT;
	in.u.adopt.tif = TL_TIF_GTC;
	in.u.adopt.pos_side = TL_PS_BOTH;
	in.u.adopt.status = (uint8_t)st;
	in.u.adopt.venue_id = vid;
	in.u.adopt.qty = fx(qty);
	in.u.adopt.executed_qty = fx(executed);
	in.u.adopt.price = fx("49000");
	kf_apply(&in);
}

static void test_adopt_closed_order_that_traded(void)
{
	/* FILLED: adopted open, its trade fills it, the position is there */
	adopt_closed("tl60", TL_ST_FILLED, "0.020", "0.020", 7001);
	tl_order_t *o = tl_kernel_order(&KF->k, "tl60");
	CU_ASSERT_PTR_NOT_NULL_FATAL(o);
	CU_ASSERT_EQUAL(o->venue_executed, fx("0.02"));
	CU_ASSERT_EQUAL(KF->k.ctr.orders_adopted, 1);
	kf_fill_as("tl60", "BTCUSDT", 7001, 11, "49000", "0.020");
	CU_ASSERT_EQUAL(o->status, TL_ST_FILLED);
	CU_ASSERT_EQUAL(kf_pos("BTCUSDT", TL_PS_BOTH)->qty, fx("0.02"));
	CU_ASSERT_EQUAL(kf_pos("BTCUSDT", TL_PS_BOTH)->pend_buy, 0);
	CU_ASSERT(tl_kernel_check(&KF->k));
	/* CANCELED after a partial fill: the trade, then the held query
	 * result closes it; only the traded part is in the position */
	adopt_closed("tl61", TL_ST_CANCELED, "0.030", "0.010", 7002);
	o = tl_kernel_order(&KF->k, "tl61");
	CU_ASSERT_PTR_NOT_NULL_FATAL(o);
	kf_fill_as("tl61", "BTCUSDT", 7002, 12, "49000", "0.010");
	CU_ASSERT_EQUAL(o->status, TL_ST_PARTIALLY_FILLED);
	kf_query("tl61", true, TL_ST_CANCELED, 7002);
	CU_ASSERT_EQUAL(o->status, TL_ST_CANCELED);
	CU_ASSERT_EQUAL(kf_pos("BTCUSDT", TL_PS_BOTH)->qty, fx("0.03"));
	CU_ASSERT_EQUAL(kf_pos("BTCUSDT", TL_PS_BOTH)->pend_buy, 0);
	CU_ASSERT_EQUAL(KF->k.ctr.orders_adopted, 2);
	CU_ASSERT(tl_kernel_check(&KF->k));
	/* the next id is past both */
	uint64_t h = 0;
	CU_ASSERT_EQUAL(kf_submit("BTCUSDT", TL_BUY, TL_ORD_LIMIT, "0.010", "49000", &h),
			TL_REJ_NONE);
	CU_ASSERT_STRING_EQUAL(kf_clid(h), "tl62");
}

static void test_adopt_closed_order_without_trades_is_refused(void)
{
	/* closed and never traded: nothing to learn, nothing to adopt */
	adopt_closed("tl70", TL_ST_CANCELED, "0.020", "0", 7101);
	adopt_closed("tl71", TL_ST_EXPIRED, "0.020", "0", 7102);
	adopt_closed("tl72", TL_ST_FILLED, "0.020", "0", 7103);
	/* executed more than its quantity, or a status it cannot close with */
	adopt_closed("tl73", TL_ST_FILLED, "0.020", "0.030", 7104);
	adopt_closed("tl74", TL_ST_REJECTED, "0.020", "0.010", 7105);
	/* open with everything executed is not open */
	adopt_closed("tl75", TL_ST_NEW, "0.020", "0.020", 7106);
	CU_ASSERT_EQUAL(KF->k.ctr.bad_inputs, 6);
	CU_ASSERT_EQUAL(KF->k.ctr.orders_adopted, 0);
	CU_ASSERT_EQUAL(KF->k.orders.n_active, 0);
	CU_ASSERT(tl_kernel_check(&KF->k));
}

static void test_adopt_closed_order_during_liquidation_sends_nothing(void)
{
	open_long();
	kf_control(TL_CTL_LIQUIDATE, "test");
	kfix_clear();
	adopt_closed("tl80", TL_ST_FILLED, "0.010", "0.010", 7201);
	tl_order_t *o = tl_kernel_order(&KF->k, "tl80");
	CU_ASSERT_PTR_NOT_NULL_FATAL(o);
	/* closed at the venue: no cancel, its trade and the query end it */
	CU_ASSERT_NOT_EQUAL(o->status, TL_ST_PENDING_CANCEL);
	CU_ASSERT_EQUAL(kf_count(TL_OUT_REQ_CANCEL), 0);
	CU_ASSERT_EQUAL(kf_count(TL_OUT_REQ_NEW), 0);
	CU_ASSERT(tl_kernel_check(&KF->k));
}

static void test_equal_or_within_tolerance_reports_nothing(void)
{
	open_long();
	kfix_clear();
	snapshot1("0.1", "50000", TL_RECON_PAUSE, 1);
	snapshot1("0.1005", "50400", TL_RECON_PAUSE, 1);	/* 0.5 %, 0.8 % */
	CU_ASSERT_EQUAL(kf_count_ev(TL_EV_POSITION_CONFLICT), 0);
	CU_ASSERT_EQUAL(kf_count_ev(TL_EV_POSITION_ORPHAN), 0);
	CU_ASSERT_EQUAL(KF->k.state, TL_TS_NORMAL);
	CU_ASSERT_EQUAL(KF->k.venue_balance, fx("1000"));
	CU_ASSERT_EQUAL(KF->n, 0);
}

static void test_size_conflict_pause(void)
{
	open_long();
	kfix_clear();
	snapshot1("0.102", "50000", TL_RECON_PAUSE, 1);	/* 2 % off */
	CU_ASSERT_EQUAL(kf_count_ev(TL_EV_POSITION_CONFLICT), 1);
	const tl_output_t *e = kf_last_ev(TL_EV_POSITION_CONFLICT);
	CU_ASSERT_EQUAL(e->u.ev.priority, 9);
	CU_ASSERT_STRING_EQUAL(e->u.ev.symbol, "BTCUSDT");
	CU_ASSERT_EQUAL(e->u.ev.u.recon.local_qty, fx("0.1"));
	CU_ASSERT_EQUAL(e->u.ev.u.recon.venue_qty, fx("0.102"));
	CU_ASSERT_EQUAL(e->u.ev.u.recon.adopted, 0);
	CU_ASSERT_STRING_EQUAL(e->u.ev.text, "size: talon 0.1 venue 0.102");
	CU_ASSERT_EQUAL(KF->k.state, TL_TS_PAUSED);
	CU_ASSERT_EQUAL(kf_count_ev(TL_EV_TRADING_STATE_CHANGED), 1);
	CU_ASSERT_EQUAL(kf_pos("BTCUSDT", TL_PS_BOTH)->qty, fx("0.1"));	/* untouched */
	CU_ASSERT_EQUAL(KF->k.ctr.pos_conflicts, 1);
	/* New orders are refused while PAUSED. */
	uint64_t h;
	CU_ASSERT_EQUAL(kf_submit("BTCUSDT", TL_BUY, TL_ORD_LIMIT, "0.010", "49000", &h),
			TL_REJ_STATE_PAUSED);
}

static void test_entry_conflict_trust_venue(void)
{
	open_long();
	kfix_clear();
	snapshot1("0.1", "50600", TL_RECON_TRUST_VENUE, 1);	/* entry 1.2 % off */
	const tl_output_t *e = kf_last_ev(TL_EV_POSITION_CONFLICT);
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	CU_ASSERT_EQUAL(e->u.ev.u.recon.venue_entry, fx("50600"));
	CU_ASSERT_EQUAL(e->u.ev.u.recon.local_entry, fx("50000"));
	CU_ASSERT_EQUAL(e->u.ev.u.recon.adopted, 1);
	tl_position_t *p = kf_pos("BTCUSDT", TL_PS_BOTH);
	CU_ASSERT_EQUAL(p->qty, fx("0.1"));
	CU_ASSERT_EQUAL(p->entry, fx("50600"));
	CU_ASSERT_EQUAL(KF->k.state, TL_TS_NORMAL);
	/* The positions table follows through a position event. */
	const tl_output_t *pe = kf_last_ev(TL_EV_POSITION_UPDATED);
	CU_ASSERT_PTR_NOT_NULL_FATAL(pe);
	CU_ASSERT_EQUAL(pe->u.ev.u.pos.entry, fx("50600"));
	CU_ASSERT_EQUAL(KF->k.ctr.pos_adopted, 1);
	CU_ASSERT(tl_kernel_check(&KF->k));
}

static void test_orphan_venue_only_trust_venue(void)
{
	snap_id++;
	snap("ETHUSDT", TL_PS_BOTH, "-2.5", "3000", TL_RECON_TRUST_VENUE, 1);
	snap_end(TL_RECON_TRUST_VENUE, 1, "0");
	const tl_output_t *e = kf_last_ev(TL_EV_POSITION_ORPHAN);
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	CU_ASSERT_STRING_EQUAL(e->u.ev.symbol, "ETHUSDT");
	CU_ASSERT_STRING_EQUAL(e->u.ev.text, "venue only: talon 0 venue -2.5");
	tl_position_t *p = kf_pos("ETHUSDT", TL_PS_BOTH);
	CU_ASSERT_EQUAL(p->qty, fx("-2.5"));
	CU_ASSERT_EQUAL(p->entry, fx("3000"));
	CU_ASSERT_EQUAL(p->status, TL_POS_OPEN);
	CU_ASSERT_EQUAL(kf_count_ev(TL_EV_POSITION_OPENED), 1);
	CU_ASSERT(tl_kernel_check(&KF->k));
	/* Adopted positions can be closed like any other. */
	uint64_t h = 0;
	CU_ASSERT_EQUAL(kf_signal(TL_SIG_CLOSE_SHORT, "ETHUSDT", "2.5", NULL, NULL, NULL, &h),
			TL_REJ_NONE);
}

static void test_orphan_talon_only_at_end(void)
{
	open_long();
	kfix_clear();
	snapshot1(NULL, NULL, TL_RECON_PAUSE, 1);	/* venue: nothing */
	const tl_output_t *e = kf_last_ev(TL_EV_POSITION_ORPHAN);
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	CU_ASSERT_STRING_EQUAL(e->u.ev.text, "talon only: talon 0.1 venue 0");
	CU_ASSERT_EQUAL(KF->k.state, TL_TS_PAUSED);
	CU_ASSERT_EQUAL(KF->k.ctr.pos_orphans, 1);
	/* trust_venue: the position goes flat. */
	kfix_clear();
	snapshot1(NULL, NULL, TL_RECON_TRUST_VENUE, 1);
	CU_ASSERT_EQUAL(kf_count_ev(TL_EV_POSITION_ORPHAN), 1);
	CU_ASSERT_EQUAL(kf_count_ev(TL_EV_POSITION_CLOSED), 1);
	CU_ASSERT_EQUAL(kf_pos("BTCUSDT", TL_PS_BOTH)->qty, 0);
	CU_ASSERT_EQUAL(kf_pos("BTCUSDT", TL_PS_BOTH)->status, TL_POS_CLOSED);
	/* ... and its round trip ends at the venue's word, no exit price */
	const tl_output_t *t = kf_last_ev(TL_EV_POSITION_ROUND_TRIP);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	CU_ASSERT_EQUAL(t->u.ev.u.trip.reason, TL_EXIT_VENUE);
	CU_ASSERT_EQUAL(t->u.ev.u.trip.scope, 0);
	CU_ASSERT_EQUAL(t->u.ev.u.trip.qty, fx("0.1"));
	CU_ASSERT_EQUAL(t->u.ev.u.trip.entry, fx("50000"));
	CU_ASSERT_EQUAL(t->u.ev.u.trip.exit, 0);
	CU_ASSERT_EQUAL(t->u.ev.u.trip.realized, 0);
	CU_ASSERT(tl_kernel_check(&KF->k));
}

static void test_confirmation_needs_consecutive_differences(void)
{
	open_long();
	kfix_clear();
	snapshot1("0.2", "50000", TL_RECON_PAUSE, 2);	/* a fill in flight? */
	CU_ASSERT_EQUAL(kf_count_ev(TL_EV_POSITION_CONFLICT), 0);
	snapshot1("0.1", "50000", TL_RECON_PAUSE, 2);	/* it was: agreed now */
	snapshot1("0.2", "50000", TL_RECON_PAUSE, 2);
	CU_ASSERT_EQUAL(kf_count_ev(TL_EV_POSITION_CONFLICT), 0);
	snapshot1("0.2", "50000", TL_RECON_PAUSE, 2);	/* twice in a row */
	CU_ASSERT_EQUAL(kf_count_ev(TL_EV_POSITION_CONFLICT), 1);
	CU_ASSERT_EQUAL(KF->k.state, TL_TS_PAUSED);
}

static void test_orders_in_flight_defer_the_comparison(void)
{
	open_long();
	uint64_t h = 0;
	kf_submit("BTCUSDT", TL_BUY, TL_ORD_MARKET, "0.050", NULL, &h);
	kf_ack(kf_clid(h), 901);	/* traded at the venue, fill on its way */
	kfix_clear();
	snapshot1("0.15", "50000", TL_RECON_PAUSE, 1);
	CU_ASSERT_EQUAL(kf_count_ev(TL_EV_POSITION_CONFLICT), 0);
	CU_ASSERT_EQUAL(KF->k.ctr.pos_deferred, 1);
	CU_ASSERT_EQUAL(KF->k.state, TL_TS_NORMAL);
	kf_fill(kf_clid(h), 2, "50000", "0.050", "0");
	snapshot1("0.15", "50000", TL_RECON_PAUSE, 1);	/* agrees now */
	CU_ASSERT_EQUAL(KF->n - kf_count_ev(TL_EV_ORDER_FILLED) -
			kf_count_ev(TL_EV_POSITION_UPDATED), 0);
	/* A resting limit does not defer: it is judged. */
	kf_submit("BTCUSDT", TL_BUY, TL_ORD_LIMIT, "0.010", "49000", &h);
	kf_ack(kf_clid(h), 902);
	snapshot1("0.3", "50000", TL_RECON_PAUSE, 1);
	CU_ASSERT_EQUAL(kf_count_ev(TL_EV_POSITION_CONFLICT), 1);
	CU_ASSERT_EQUAL(KF->k.ctr.pos_deferred, 1);
}

/* The venue was asked before the fill and answered flat: its answer is
 * older than the position (the order is FILLED, so nothing is in
 * flight), so it is not judged; asked after the fill, it is. */
static void test_snapshot_asked_before_the_fill_is_not_judged(void)
{
	snap_asked = KF->now;
	open_long();
	kfix_clear();
	snapshot1(NULL, NULL, TL_RECON_PAUSE, 1);
	CU_ASSERT_EQUAL(kf_count_ev(TL_EV_POSITION_ORPHAN), 0);
	CU_ASSERT_EQUAL(KF->k.ctr.pos_deferred, 1);
	CU_ASSERT_EQUAL(KF->k.state, TL_TS_NORMAL);
	snapshot1("0.3", "50000", TL_RECON_PAUSE, 1);	/* a size conflict too */
	CU_ASSERT_EQUAL(kf_count_ev(TL_EV_POSITION_CONFLICT), 0);
	CU_ASSERT_EQUAL(KF->k.ctr.pos_deferred, 2);
	snap_asked = KF->now;	/* asked after the fill: judged */
	snapshot1(NULL, NULL, TL_RECON_PAUSE, 1);
	CU_ASSERT_EQUAL(kf_count_ev(TL_EV_POSITION_ORPHAN), 1);
	CU_ASSERT_EQUAL(KF->k.state, TL_TS_PAUSED);
	snap_asked = 0;
}

static void test_bad_snapshots_are_counted(void)
{
	snap_id++;
	snap("BTCUSDT", TL_PS_LONG, "-1", "50000", TL_RECON_PAUSE, 1); /* long < 0 */
	snap("BTCUSDT", TL_PS_BOTH, "1", "0", TL_RECON_PAUSE, 1);	/* no entry */
	snap("NOPE", TL_PS_BOTH, "1", "1", TL_RECON_PAUSE, 1);
	snap("BTCUSDT", TL_PS_BOTH, "1", "1", (tl_recon_policy_t)7, 1);
	CU_ASSERT_EQUAL(KF->k.ctr.bad_inputs, 4);
	CU_ASSERT_EQUAL(KF->k.state, TL_TS_NORMAL);
}

static void test_resync_queries_open_orders_and_fills_apply_once(void)
{
	uint64_t a = 0, b = 0;
	kf_submit("BTCUSDT", TL_BUY, TL_ORD_LIMIT, "0.020", "49000", &a);
	kf_submit("BTCUSDT", TL_SELL, TL_ORD_LIMIT, "0.010", "51000", &b);
	kf_ack(kf_clid(a), 10);
	kf_ack(kf_clid(b), 11);
	kf_fill(kf_clid(a), 1, "49000", "0.010", "0");	/* seen by the stream */
	kfix_clear();
	tl_input_t in;
	memset(&in, 0, sizeof(in));
	in.hdr.type = TL_IN_RESYNC;
	in.u.resync.epoch = 2;
	kf_apply(&in);
	CU_ASSERT_EQUAL(kf_count(TL_OUT_REQ_QUERY), 2);
	CU_ASSERT_EQUAL(KF->k.ctr.resyncs, 1);
	/* The venue says a is FILLED: its trades come first (one known, one
	 * missed), then the status. */
	kf_fill(kf_clid(a), 1, "49000", "0.010", "0");
	kf_fill(kf_clid(a), 2, "48990", "0.010", "0");
	kf_query(kf_clid(a), true, TL_ST_FILLED, 10);
	kf_query(kf_clid(b), true, TL_ST_NEW, 11);
	tl_order_t *oa = kf_order(a);
	CU_ASSERT_EQUAL(oa->status, TL_ST_FILLED);
	CU_ASSERT_EQUAL(oa->filled, fx("0.02"));
	CU_ASSERT_EQUAL(kf_pos("BTCUSDT", TL_PS_BOTH)->qty, fx("0.02"));
	CU_ASSERT_EQUAL(kf_order(b)->status, TL_ST_NEW);
	CU_ASSERT_EQUAL(KF->k.ctr.duplicate_fills, 1);
	CU_ASSERT(tl_kernel_check(&KF->k));
}

/* ---- replay determinism ---------------------------------------------------- */

static void scenario(void)
{
	snap_id = 0;
	kf_mark("BTCUSDT", "50000");
	open_long();
	kf_adopt("tl300", "BTCUSDT", TL_SELL, "0.050", "52000", 7000);
	snap_id++;
	snap("BTCUSDT", TL_PS_BOTH, "0.15", "50100", TL_RECON_TRUST_VENUE, 1);
	snap("ETHUSDT", TL_PS_BOTH, "1", "3000", TL_RECON_TRUST_VENUE, 1);
	snap_end(TL_RECON_TRUST_VENUE, 1, "5000");
	tl_input_t in;
	memset(&in, 0, sizeof(in));
	in.hdr.type = TL_IN_RESYNC;
	kf_apply(&in);
	kf_query("tl300", true, TL_ST_PARTIALLY_FILLED, 7000);
	snapshot1(NULL, NULL, TL_RECON_PAUSE, 1);
	uint64_t h;
	kf_submit("BTCUSDT", TL_BUY, TL_ORD_LIMIT, "0.010", "49000", &h);
}

static void test_replay_reproduces_every_output(void)
{
	kfix_free(KF);
	kfix_new(NULL);
	scenario();
	uint32_t n = KF->n;
	tl_output_t *first = malloc(sizeof(tl_output_t) * n);
	CU_ASSERT_PTR_NOT_NULL_FATAL(first);
	memcpy(first, KF->out, sizeof(tl_output_t) * n);
	tl_position_t pos[6];
	memcpy(pos, KF->k.pos, sizeof(pos));
	tl_trading_state_t st = KF->k.state;
	CU_ASSERT(kf_count_ev(TL_EV_POSITION_CONFLICT) >= 1);
	CU_ASSERT(kf_count_ev(TL_EV_POSITION_ORPHAN) >= 2);
	CU_ASSERT_EQUAL(KF->k.ctr.orders_adopted, 1);
	kfix_free(KF);
	kfix_new(NULL);
	scenario();
	CU_ASSERT_EQUAL_FATAL(KF->n, n);
	CU_ASSERT_EQUAL(memcmp(first, KF->out, sizeof(tl_output_t) * n), 0);
	CU_ASSERT_EQUAL(memcmp(pos, KF->k.pos, sizeof(pos)), 0);
	CU_ASSERT_EQUAL(KF->k.state, st);
	CU_ASSERT_EQUAL(KF->k.state, TL_TS_PAUSED);
	CU_ASSERT(tl_kernel_check(&KF->k));
	free(first);
}

/* A snapshot of -92233720368.54775808 (INT64_MIN, which has no |qty|:
 * K8) is a bad input; the position stays as it was (fuzz_record). */
static void test_snapshot_int64_min_is_bad_input(void)
{
	open_long();
	uint64_t bad = KF->k.ctr.bad_inputs;
	for (int pol = TL_RECON_TRUST_VENUE; pol <= TL_RECON_PAUSE; pol++) {
		snap_id++;
		tl_input_t in = kf_snap_in(TL_SNAP_POSITION, (tl_recon_policy_t)pol, 1,
					   TL_SNAP_MONITOR, snap_id, snap_asked);
		snprintf(in.u.snap.symbol, sizeof(in.u.snap.symbol), "BTCUSDT");
		in.u.snap.pos_side = TL_PS_BOTH;
		in.u.snap.qty = INT64_MIN;
		in.u.snap.entry = fx("50000");
		kf_apply(&in);
		snap_end((tl_recon_policy_t)pol, 1, "1000");
	}
	CU_ASSERT_EQUAL(KF->k.ctr.bad_inputs, bad + 2);
	CU_ASSERT_EQUAL(kf_pos("BTCUSDT", TL_PS_BOTH)->qty, fx("0.1"));
	CU_ASSERT(tl_kernel_check(&KF->k));
}

TL_TEST_SUITE("kernel.reconcile", setup, teardown,
	      TL_TEST(test_snapshot_int64_min_is_bad_input),
	      TL_TEST(test_adopt_unknown_order_with_our_prefix),
	      TL_TEST(test_adopt_known_or_foreign_order),
	      TL_TEST(test_adopt_during_liquidation_is_canceled),
	      TL_TEST(test_adopt_closed_order_that_traded),
	      TL_TEST(test_adopt_closed_order_without_trades_is_refused),
	      TL_TEST(test_adopt_closed_order_during_liquidation_sends_nothing),
	      TL_TEST(test_equal_or_within_tolerance_reports_nothing),
	      TL_TEST(test_size_conflict_pause),
	      TL_TEST(test_entry_conflict_trust_venue),
	      TL_TEST(test_orphan_venue_only_trust_venue),
	      TL_TEST(test_orphan_talon_only_at_end),
	      TL_TEST(test_confirmation_needs_consecutive_differences),
	      TL_TEST(test_orders_in_flight_defer_the_comparison),
	      TL_TEST(test_snapshot_asked_before_the_fill_is_not_judged),
	      TL_TEST(test_bad_snapshots_are_counted),
	      TL_TEST(test_resync_queries_open_orders_and_fills_apply_once),
	      TL_TEST(test_replay_reproduces_every_output));
