/*
 * test_safety.c - the order machine's safety rules under faults, one
 * test per path (docs/kernel.md, K1-K6):
 *   K1 cancel intent is sticky: through a NEW that fails, is withdrawn,
 *      is ambiguous, a cancel refused with -2011, an UNKNOWN order, a
 *      late ack after a local end, and the kill switch;
 *   K2 no stale resend: refused by trading state, age and restart;
 *   K3 the kernel's part of the kill switch: withdrawn orders end
 *      CANCELED, the venue sweep's positions are closed;
 *   K4 a resync does not multiply queries;
 *   K5 fills and updates belong to one order; adopted ids stay in a
 *      window; ids never wrap;
 *   K6 kernel time arithmetic saturates.
 * Every test ends with tl_kernel_check.
 */
#include "tests/support/tl_test.h"
#include "tests/support/kfix.h"

#include <stdio.h>
#include <string.h>

static void setup(void)
{
	kfix_new_marked();
}

static void teardown(void) { kfix_free(KF); }

static tl_order_t *submit(tl_side_t side, tl_ord_type_t type, const char *qty,
			  const char *px)
{
	uint64_t h = 0;
	CU_ASSERT_EQUAL_FATAL(kf_submit("BTCUSDT", side, type, qty, px, &h), TL_REJ_NONE);
	return kf_order(h);
}

static void not_found(const char *clid)
{
	kf_error(clid, TL_REQ_QUERY, TL_TR_NONE, true, 400, -2013, "Order does not exist.");
}

static void withdrawn(const char *clid)
{
	kf_error(clid, TL_REQ_NEW, TL_TR_WITHDRAWN, false, 0, 0, "withdrawn: kill switch");
}

/* ---- K1 cancel intent is sticky ------------------------------------------ */

/* The reported bug: the NEW's 429 arrived while PENDING_CANCEL and was
 * dropped as stale; the cancel's -2011 sent the order back to SENT, the
 * ack timeout made it UNKNOWN and "does not exist" resent it. */
static void test_new_failure_while_canceling_ends_canceled(void)
{
	tl_order_t *o = submit(TL_BUY, TL_ORD_MARKET, "0.010", NULL);
	kf_cancel(o->client_id);
	CU_ASSERT_EQUAL(o->status, TL_ST_PENDING_CANCEL);
	kfix_clear();
	kf_error(o->client_id, TL_REQ_NEW, TL_TR_NONE, true, 429, -1003, "Too many requests");
	CU_ASSERT_EQUAL(o->status, TL_ST_CANCELED);
	CU_ASSERT_EQUAL(kf_count_ev(TL_EV_ORDER_CANCELED), 1);
	/* The cancel's own answer changes nothing; time changes nothing. */
	kf_error(o->client_id, TL_REQ_CANCEL, TL_TR_NONE, true, 400, -2011, "Unknown order sent.");
	kf_tick_after(60 * TL_NS_PER_S);
	CU_ASSERT_EQUAL(kf_count(TL_OUT_REQ_NEW), 0);
	CU_ASSERT_EQUAL(o->status, TL_ST_CANCELED);
	CU_ASSERT(tl_kernel_check(&KF->k));
}

static void test_withdrawn_new_while_canceling_ends_canceled(void)
{
	tl_order_t *o = submit(TL_BUY, TL_ORD_MARKET, "0.010", NULL);
	kf_cancel(o->client_id);
	kfix_clear();
	withdrawn(o->client_id);
	CU_ASSERT_EQUAL(o->status, TL_ST_CANCELED);
	CU_ASSERT_STRING_EQUAL(kf_last_ev(TL_EV_ORDER_CANCELED)->u.ev.text,
			       "withdrawn before send");
	kf_tick_after(60 * TL_NS_PER_S);
	CU_ASSERT_EQUAL(kf_count(TL_OUT_REQ_NEW), 0);
	CU_ASSERT(tl_kernel_check(&KF->k));
}

/* -2011 on the cancel: the query decides, and "does not exist" is final
 * only once the NEW can no longer reach the venue. */
static void test_cancel_rejected_then_not_found_waits_send_window(void)
{
	tl_order_t *o = submit(TL_BUY, TL_ORD_MARKET, "0.010", NULL);
	kf_cancel(o->client_id);
	kfix_clear();
	kf_error(o->client_id, TL_REQ_CANCEL, TL_TR_NONE, true, 400, -2011, "Unknown order sent.");
	CU_ASSERT_EQUAL(o->status, TL_ST_PENDING_CANCEL);
	CU_ASSERT_EQUAL(kf_count(TL_OUT_REQ_QUERY), 1);
	not_found(o->client_id);
	CU_ASSERT_EQUAL(o->status, TL_ST_PENDING_CANCEL);	/* NEW may be in flight */
	kf_tick_after(7 * TL_NS_PER_S);				/* past send_window */
	CU_ASSERT_EQUAL(kf_count(TL_OUT_REQ_QUERY), 2);
	not_found(o->client_id);
	CU_ASSERT_EQUAL(o->status, TL_ST_CANCELED);
	CU_ASSERT_EQUAL(kf_count(TL_OUT_REQ_NEW), 0);
	kf_tick_after(60 * TL_NS_PER_S);
	CU_ASSERT_EQUAL(kf_count(TL_OUT_REQ_NEW), 0);
	CU_ASSERT(tl_kernel_check(&KF->k));
}

/* The NEW reached the venue after the cancel was refused: the query
 * finds it open and it is canceled again, never back to NEW. */
static void test_cancel_rejected_then_found_open_cancels_again(void)
{
	tl_order_t *o = submit(TL_BUY, TL_ORD_LIMIT, "0.010", "49000");
	kf_cancel(o->client_id);
	kf_error(o->client_id, TL_REQ_CANCEL, TL_TR_NONE, true, 400, -2011, "Unknown order sent.");
	kfix_clear();
	kf_query(o->client_id, true, TL_ST_NEW, 77);
	CU_ASSERT_EQUAL(o->status, TL_ST_PENDING_CANCEL);
	CU_ASSERT_EQUAL(kf_count(TL_OUT_REQ_CANCEL), 1);
	CU_ASSERT_EQUAL(o->venue_id, 77);
	kf_update(o->client_id, TL_ST_CANCELED, 0);
	CU_ASSERT_EQUAL(o->status, TL_ST_CANCELED);
	CU_ASSERT_EQUAL(kf_count(TL_OUT_REQ_NEW), 0);
	CU_ASSERT(tl_kernel_check(&KF->k));
}

/* An UNKNOWN order (reset after write) with cancel intent: canceled,
 * refused, not found after the window: CANCELED without a send. */
static void test_unknown_with_cancel_intent_never_resent(void)
{
	tl_order_t *o = submit(TL_BUY, TL_ORD_MARKET, "0.010", NULL);
	kf_error(o->client_id, TL_REQ_NEW, TL_TR_RESET, true, 0, 0, "reset");
	CU_ASSERT_EQUAL(o->status, TL_ST_UNKNOWN);
	kf_cancel(o->client_id);
	CU_ASSERT_EQUAL(o->status, TL_ST_PENDING_CANCEL);
	kfix_clear();
	kf_error(o->client_id, TL_REQ_CANCEL, TL_TR_NONE, true, 400, -2011, "Unknown order sent.");
	for (int i = 0; i < 10; i++) {
		not_found(o->client_id);
		kf_tick_after(2 * TL_NS_PER_S);
	}
	CU_ASSERT_EQUAL(o->status, TL_ST_CANCELED);
	CU_ASSERT_EQUAL(kf_count(TL_OUT_REQ_NEW), 0);
	CU_ASSERT(tl_kernel_check(&KF->k));
}

/* An ambiguous NEW while canceling: the order stays PENDING_CANCEL until
 * the venue says; if it ends here and the venue acks it later anyway, it
 * is canceled there. */
static void test_late_ack_after_local_end_is_canceled_at_venue(void)
{
	tl_order_t *o = submit(TL_BUY, TL_ORD_LIMIT, "0.010", "49000");
	kf_cancel(o->client_id);
	kf_error(o->client_id, TL_REQ_NEW, TL_TR_TIMEOUT, true, 0, 0, "timeout");
	CU_ASSERT_EQUAL(o->status, TL_ST_PENDING_CANCEL);
	kf_error(o->client_id, TL_REQ_CANCEL, TL_TR_NONE, true, 400, -2011, "Unknown order sent.");
	kf_tick_after(7 * TL_NS_PER_S);
	not_found(o->client_id);
	CU_ASSERT_EQUAL_FATAL(o->status, TL_ST_CANCELED);
	kfix_clear();
	kf_ack(o->client_id, 4242);
	CU_ASSERT_EQUAL(kf_count(TL_OUT_REQ_CANCEL), 1);
	CU_ASSERT_EQUAL(kf_count(TL_OUT_REQ_NEW), 0);
	kf_ack(o->client_id, 4242);	/* once */
	CU_ASSERT_EQUAL(kf_count(TL_OUT_REQ_CANCEL), 1);
	CU_ASSERT(tl_kernel_check(&KF->k));
}

/* The scenario of the report, through the kill switch: PENDING_CANCEL at
 * the kill, -2011, no ack, queries: never resent, ends CANCELED, and the
 * liquidation completes. */
static void test_kill_switch_cancel_is_never_forgotten(void)
{
	tl_order_t *o = submit(TL_BUY, TL_ORD_MARKET, "0.010", NULL);
	kfix_clear();
	kf_control(TL_CTL_LIQUIDATE, "test");
	CU_ASSERT_EQUAL(o->status, TL_ST_PENDING_CANCEL);
	kf_error(o->client_id, TL_REQ_CANCEL, TL_TR_NONE, true, 400, -2011, "Unknown order sent.");
	for (int i = 0; i < 30; i++) {
		kf_tick_after(TL_NS_PER_S);
		const tl_output_t *q = kf_last(TL_OUT_REQ_QUERY);
		if (q && !tl_status_terminal((tl_ord_status_t)o->status))
			not_found(o->client_id);
	}
	CU_ASSERT_EQUAL(o->status, TL_ST_CANCELED);
	CU_ASSERT_EQUAL(kf_count(TL_OUT_REQ_NEW), 0);
	CU_ASSERT_EQUAL(KF->k.state, TL_TS_PAUSED);
	CU_ASSERT(tl_kernel_check(&KF->k));
}

/* Cancel-all and the TTL set the same intent. */
static void ttl1m(tl_kernel_cfg_t *c) { c->order_ttl_ns = 60 * TL_NS_PER_S; }

static void test_cancel_all_and_ttl_are_sticky(void)
{
	tl_order_t *a = submit(TL_BUY, TL_ORD_LIMIT, "0.010", "49000");
	tl_input_t in;
	memset(&in, 0, sizeof(in));
	in.hdr.type = TL_IN_CANCEL_ALL;
	kf_apply(&in);
	CU_ASSERT(a->flags & TL_OF_CANCEL);
	kfix_free(KF);
	kfix_new(ttl1m);
	kf_mark("BTCUSDT", "50000");
	tl_order_t *b = submit(TL_BUY, TL_ORD_LIMIT, "0.010", "49000");
	kf_ack(b->client_id, 5);
	kf_tick_after(61 * TL_NS_PER_S);
	CU_ASSERT_EQUAL(b->status, TL_ST_PENDING_CANCEL);
	CU_ASSERT(b->flags & TL_OF_CANCEL);
	kfix_clear();
	kf_error(b->client_id, TL_REQ_CANCEL, TL_TR_NONE, true, 400, -2011, "x");
	CU_ASSERT_EQUAL(b->status, TL_ST_PENDING_CANCEL);
	CU_ASSERT(tl_kernel_check(&KF->k));
}

/* ---- K2 no stale resend -------------------------------------------------- */

/* UNKNOWN, then not found after the send window: resend allowed? */
static tl_order_t *unknown_then_not_found(tl_side_t side, bool reduce_only)
{
	tl_in_submit_t s;
	memset(&s, 0, sizeof(s));
	snprintf(s.symbol, sizeof(s.symbol), "BTCUSDT");
	s.side = (uint8_t)side;
	s.type = TL_ORD_MARKET;
	s.pos_side = TL_PS_BOTH;
	s.reduce_only = reduce_only;
	s.qty = fx("0.010");
	uint64_t h = 0;
	CU_ASSERT_EQUAL_FATAL(kf_submit_ex(&s, &h), TL_REJ_NONE);
	tl_order_t *o = kf_order(h);
	kf_error(o->client_id, TL_REQ_NEW, TL_TR_TIMEOUT, true, 0, 0, "timeout");
	return o;
}

/* After `wait`, "does not exist": the order must end FAILED/STALE with
 * no resend (K2). */
static void expect_stale(tl_order_t *o, tl_time_t wait)
{
	kf_tick_after(wait);
	kfix_clear();
	not_found(o->client_id);
	CU_ASSERT_EQUAL(o->status, TL_ST_FAILED);
	CU_ASSERT_EQUAL(o->reject, TL_REJ_STALE);
	CU_ASSERT_EQUAL(kf_count(TL_OUT_REQ_NEW), 0);
	CU_ASSERT_EQUAL(kf_last_ev(TL_EV_ORDER_FAILED)->u.ev.u.order.reject, TL_REJ_STALE);
	CU_ASSERT(tl_kernel_check(&KF->k));
}

static void test_resend_refused_when_paused(void)
{
	tl_order_t *o = unknown_then_not_found(TL_BUY, false);
	kf_control(TL_CTL_PAUSE, "test");
	expect_stale(o, 7 * TL_NS_PER_S);
}

static void test_resend_when_reducing_only_if_it_reduces(void)
{
	/* A long of 0.02, then a plain buy and a reduce-only sell go UNKNOWN. */
	tl_order_t *e = submit(TL_BUY, TL_ORD_MARKET, "0.020", NULL);
	kf_ack(e->client_id, 1);
	kf_fill(e->client_id, 1, "50000", "0.020", "0");
	tl_order_t *buy = unknown_then_not_found(TL_BUY, false);
	tl_order_t *sell = unknown_then_not_found(TL_SELL, true);
	kf_control(TL_CTL_HALT, "test");
	kf_tick_after(7 * TL_NS_PER_S);
	kfix_clear();
	not_found(buy->client_id);
	not_found(sell->client_id);
	CU_ASSERT_EQUAL(buy->status, TL_ST_FAILED);
	CU_ASSERT_EQUAL(buy->reject, TL_REJ_STALE);
	CU_ASSERT_EQUAL(sell->status, TL_ST_SENT);
	CU_ASSERT_EQUAL(kf_count(TL_OUT_REQ_NEW), 1);
	CU_ASSERT_STRING_EQUAL(kf_last(TL_OUT_REQ_NEW)->u.req.client_id, sell->client_id);
	CU_ASSERT(tl_kernel_check(&KF->k));
}

static void test_resend_refused_when_too_old(void)
{
	tl_order_t *o = unknown_then_not_found(TL_BUY, false);
	expect_stale(o, 11 * TL_NS_PER_S);	/* resend_max_age is 10 s */
}

static void test_resend_refused_across_restart(void)
{
	tl_order_t *o = submit(TL_BUY, TL_ORD_MARKET, "0.010", NULL);
	tl_input_t in;
	memset(&in, 0, sizeof(in));
	in.hdr.type = TL_IN_RESTART;
	in.u.restart.id_next = 100;
	in.u.restart.session = 1;
	kf_apply(&in);
	CU_ASSERT_EQUAL(o->status, TL_ST_UNKNOWN);
	expect_stale(o, 7 * TL_NS_PER_S);
}

/* A transient retry waiting in PENDING_NEW when the engine pauses. */
static void test_retry_refused_when_paused(void)
{
	tl_order_t *o = submit(TL_BUY, TL_ORD_MARKET, "0.010", NULL);
	kf_error(o->client_id, TL_REQ_NEW, TL_TR_CONNECT, false, 0, 0, "down");
	CU_ASSERT_EQUAL(o->status, TL_ST_PENDING_NEW);
	kf_control(TL_CTL_PAUSE, "test");
	kfix_clear();
	kf_tick_after(5 * TL_NS_PER_S);
	CU_ASSERT_EQUAL(o->status, TL_ST_FAILED);
	CU_ASSERT_EQUAL(o->reject, TL_REJ_STALE);
	CU_ASSERT_EQUAL(kf_count(TL_OUT_REQ_NEW), 0);
	CU_ASSERT(tl_kernel_check(&KF->k));
}

/* ---- K3 the kill switch never adds exposure --------------------------- */

/* Withdrawn by the runtime because the state closed the gate (pause,
 * no cancel intent): never sent, CANCELED. */
static void test_withdrawn_when_paused_ends_canceled(void)
{
	tl_order_t *o = submit(TL_BUY, TL_ORD_MARKET, "0.010", NULL);
	kf_control(TL_CTL_PAUSE, "test");
	kfix_clear();
	withdrawn(o->client_id);
	CU_ASSERT_EQUAL(o->status, TL_ST_CANCELED);
	kf_tick_after(60 * TL_NS_PER_S);
	CU_ASSERT_EQUAL(kf_count(TL_OUT_REQ_NEW), 0);
	CU_ASSERT(tl_kernel_check(&KF->k));
}

/* Withdrawn while the state admits it again (a pause and resume raced
 * the IO thread): a normal transient retry. */
static void test_withdrawn_when_normal_is_retried(void)
{
	tl_order_t *o = submit(TL_BUY, TL_ORD_MARKET, "0.010", NULL);
	withdrawn(o->client_id);
	CU_ASSERT_EQUAL(o->status, TL_ST_PENDING_NEW);
	CU_ASSERT(tl_kernel_check(&KF->k));
}

static void sweep(const char *sym, const char *qty, const char *entry, uint32_t id)
{
	/* confirm 3 is ignored for a sweep */
	tl_input_t in = kf_snap_in(TL_SNAP_POSITION, TL_RECON_TRUST_VENUE, 3, TL_SNAP_SWEEP, id, 0);
	tl_in_pos_snapshot_t *s = &in.u.snap;
	snprintf(s->symbol, sizeof(s->symbol), "%s", sym);
	s->pos_side = TL_PS_BOTH;
	s->qty = fx(qty);
	s->entry = fx(entry);
	kf_apply(&in);
	memset(s->symbol, 0, sizeof(s->symbol));
	s->kind = TL_SNAP_END;
	s->qty = s->entry = 0;
	kf_apply(&in);
}

/* The sweep finds a position talon never held after the liquidation
 * completed: a new liquidation closes it. */
static void test_sweep_position_after_liquidation_is_closed(void)
{
	kf_control(TL_CTL_LIQUIDATE, "test");
	CU_ASSERT_EQUAL_FATAL(KF->k.state, TL_TS_PAUSED);	/* nothing to do */
	kfix_clear();
	sweep("ETHUSDT", "-0.5", "3000", 1);
	CU_ASSERT_EQUAL(KF->k.state, TL_TS_LIQUIDATING);
	CU_ASSERT_EQUAL(kf_count(TL_OUT_REQ_NEW), 1);
	const tl_out_req_t *r = &kf_last(TL_OUT_REQ_NEW)->u.req;
	CU_ASSERT_EQUAL(r->side, TL_BUY);
	CU_ASSERT_EQUAL(r->reduce_only, 1);
	CU_ASSERT_EQUAL(r->qty, fx("0.5"));
	CU_ASSERT(tl_kernel_check(&KF->k));
}

/* Protective orders are not placed while liquidating. */
static void test_no_protective_orders_while_liquidating(void)
{
	uint64_t h;
	CU_ASSERT_EQUAL_FATAL(kf_signal(TL_SIG_LONG_ENTRY, "BTCUSDT", "0.010", NULL,
					"52000", "48000", &h), TL_REJ_NONE);
	const char *id = kf_clid(h);
	char clid[TL_CLID_LEN];
	snprintf(clid, sizeof(clid), "%s", id);
	kf_ack(clid, 3);
	kf_control(TL_CTL_LIQUIDATE, "test");
	kfix_clear();
	kf_fill(clid, 9, "50000", "0.010", "0");	/* fills despite the cancel */
	kf_tick_after(TL_NS_PER_S);
	CU_ASSERT(kf_count(TL_OUT_REQ_NEW) >= 1);	/* the close */
	for (uint32_t i = 0; i < kf_count(TL_OUT_REQ_NEW); i++) {
		const tl_out_req_t *r = &kf_nth(TL_OUT_REQ_NEW, i)->u.req;
		CU_ASSERT(r->reduce_only);
		CU_ASSERT_EQUAL(r->type, TL_ORD_MARKET);	/* no TP/SL */
	}
	CU_ASSERT(tl_kernel_check(&KF->k));
}

/* A market close acked but never filled (its fill event was lost): it is
 * queried after ack_timeout, so the liquidation does not wait forever. */
static void test_market_order_without_fill_is_queried(void)
{
	tl_order_t *o = submit(TL_BUY, TL_ORD_MARKET, "0.010", NULL);
	kf_ack(o->client_id, 5);
	kfix_clear();
	kf_tick_after(4 * TL_NS_PER_S);
	CU_ASSERT_EQUAL(kf_count(TL_OUT_REQ_QUERY), 0);
	kf_tick_after(2 * TL_NS_PER_S);
	CU_ASSERT_EQUAL(kf_count(TL_OUT_REQ_QUERY), 1);
	kf_tick_after(TL_NS_PER_S);
	CU_ASSERT_EQUAL(kf_count(TL_OUT_REQ_QUERY), 1);	/* one at a time */
	kf_fill(o->client_id, 1, "50000", "0.010", "0");	/* trades came first */
	kf_query(o->client_id, true, TL_ST_FILLED, 5);
	CU_ASSERT_EQUAL(o->status, TL_ST_FILLED);
	CU_ASSERT(tl_kernel_check(&KF->k));
}

/* While liquidating, a monitor snapshot (policy PAUSE) that shows the
 * venue flat where talon holds a position is believed: the liquidation
 * then ends instead of sending closes the venue refuses. */
static void test_liquidating_trusts_the_venue_position(void)
{
	tl_order_t *o = submit(TL_BUY, TL_ORD_MARKET, "0.010", NULL);
	kf_ack(o->client_id, 5);
	kf_fill(o->client_id, 1, "50000", "0.010", "0");
	kf_control(TL_CTL_LIQUIDATE, "test");
	const tl_output_t *c = kf_last(TL_OUT_REQ_NEW);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	char close[TL_CLID_LEN];
	snprintf(close, sizeof(close), "%s", c->u.req.client_id);
	/* the close is refused (-2022: would not reduce: the venue is flat) */
	kf_error(close, TL_REQ_NEW, TL_TR_NONE, true, 400, -2022, "ReduceOnly Order is rejected.");
	tl_input_t in;
	memset(&in, 0, sizeof(in));
	in.hdr.type = TL_IN_POSITION_SNAPSHOT;
	in.u.snap.kind = TL_SNAP_END;
	in.u.snap.policy = TL_RECON_PAUSE;
	in.u.snap.confirm = 1;
	in.u.snap.source = TL_SNAP_MONITOR;
	in.u.snap.snap_id = 77;
	in.u.snap.tolerance_pct = fx("1");
	kf_apply(&in);
	CU_ASSERT_EQUAL(kf_pos("BTCUSDT", TL_PS_BOTH)->qty, 0);
	CU_ASSERT_EQUAL(KF->k.state, TL_TS_PAUSED);	/* liquidation complete */
	CU_ASSERT(tl_kernel_check(&KF->k));
}

/* ---- K4 resync does not multiply requests ------------------------------- */

static void resync(uint8_t bulk, tl_time_t asked)
{
	tl_input_t in;
	memset(&in, 0, sizeof(in));
	in.hdr.type = TL_IN_RESYNC;
	in.u.resync.epoch = 2;
	in.u.resync.bulk = bulk;
	in.u.resync.asked = asked;
	kf_apply(&in);
}

static void test_bulk_resync_queries_only_unconfirmed(void)
{
	tl_order_t *a = submit(TL_BUY, TL_ORD_LIMIT, "0.010", "49000");
	tl_order_t *b = submit(TL_BUY, TL_ORD_LIMIT, "0.010", "48000");
	kf_ack(a->client_id, 1);
	kf_ack(b->client_id, 2);
	kf_tick_after(TL_NS_PER_S);
	tl_time_t asked = KF->now;
	kf_query(a->client_id, true, TL_ST_NEW, 1);	/* the bulk read saw a */
	kfix_clear();
	resync(1, asked);
	CU_ASSERT_EQUAL(kf_count(TL_OUT_REQ_QUERY), 1);
	CU_ASSERT_STRING_EQUAL(kf_last(TL_OUT_REQ_QUERY)->u.req.client_id, b->client_id);
	/* A second reconnect while b's query is out adds nothing. */
	resync(0, 0);
	CU_ASSERT_EQUAL(kf_count(TL_OUT_REQ_QUERY), 2);	/* a only (b is asked) */
	resync(0, 0);
	CU_ASSERT_EQUAL(kf_count(TL_OUT_REQ_QUERY), 2);
	CU_ASSERT(tl_kernel_check(&KF->k));
}

/* A bulk read that shows more executed than the fills we have is no
 * confirmation: the order is queried, so its missing trades are fetched. */
static void test_bulk_resync_queries_orders_with_missing_fills(void)
{
	tl_order_t *a = submit(TL_BUY, TL_ORD_LIMIT, "0.010", "49000");
	kf_ack(a->client_id, 1);
	kf_tick_after(TL_NS_PER_S);
	tl_time_t asked = KF->now;
	tl_input_t in;
	memset(&in, 0, sizeof(in));
	in.hdr.type = TL_IN_QUERY_RESULT;
	snprintf(in.u.query.client_id, sizeof(in.u.query.client_id), "%s", a->client_id);
	in.u.query.found = 1;
	in.u.query.status = TL_ST_PARTIALLY_FILLED;
	in.u.query.venue_id = 1;
	in.u.query.executed_qty = fx("0.004");
	kf_apply(&in);
	kfix_clear();
	resync(1, asked);
	CU_ASSERT_EQUAL(kf_count(TL_OUT_REQ_QUERY), 1);
	CU_ASSERT(tl_kernel_check(&KF->k));
}

/* ---- K5 fills belong to one order ------------------------------------------ */

/* Engine B's BTCUSDT fill of "tl1" must not reach engine A's ETHUSDT
 * order "tl1". */
static void test_fill_for_other_symbol_is_foreign(void)
{
	uint64_t h;
	CU_ASSERT_EQUAL_FATAL(kf_submit("ETHUSDT", TL_BUY, TL_ORD_LIMIT, "0.100", "2900", &h),
			      TL_REJ_NONE);
	tl_order_t *o = kf_order(h);
	kfix_clear();
	kf_fill_as(o->client_id, "BTCUSDT", 555, 1, "60148", "0.100");
	CU_ASSERT_EQUAL(o->filled, 0);
	CU_ASSERT_EQUAL(kf_pos("ETHUSDT", TL_PS_BOTH)->qty, 0);
	CU_ASSERT_EQUAL(KF->k.ctr.foreign_updates, 1);
	CU_ASSERT_EQUAL(kf_count_ev(TL_EV_FOREIGN_UPDATE), 1);
	CU_ASSERT_EQUAL(kf_count_ev(TL_EV_ORDER_FILLED), 0);
	kf_update_as(o->client_id, "BTCUSDT", 555, TL_ST_CANCELED);
	CU_ASSERT_EQUAL(o->status, TL_ST_SENT);
	CU_ASSERT_EQUAL(KF->k.ctr.foreign_updates, 2);
	/* Its own fill still applies. */
	kf_fill_as(o->client_id, "ETHUSDT", 7, 2, "2900", "0.100");
	CU_ASSERT_EQUAL(o->filled, fx("0.1"));
	CU_ASSERT(tl_kernel_check(&KF->k));
}

static void test_update_with_other_venue_id_is_foreign(void)
{
	tl_order_t *o = submit(TL_BUY, TL_ORD_LIMIT, "0.010", "49000");
	kf_update_as(o->client_id, "BTCUSDT", 100, TL_ST_NEW);
	CU_ASSERT_EQUAL(o->venue_id, 100);
	kf_fill_as(o->client_id, "BTCUSDT", 101, 1, "49000", "0.010");
	CU_ASSERT_EQUAL(o->filled, 0);
	CU_ASSERT_EQUAL(KF->k.ctr.foreign_updates, 1);
	kf_fill_as(o->client_id, "BTCUSDT", 100, 1, "49000", "0.010");
	CU_ASSERT_EQUAL(o->status, TL_ST_FILLED);
	CU_ASSERT(tl_kernel_check(&KF->k));
}

/* An algo order's triggered child has its own id: accepted once. */
static void test_algo_child_id_accepted_once(void)
{
	tl_in_submit_t s;
	memset(&s, 0, sizeof(s));
	snprintf(s.symbol, sizeof(s.symbol), "BTCUSDT");
	s.side = TL_BUY;
	s.type = TL_ORD_STOP_MARKET;
	s.pos_side = TL_PS_BOTH;
	s.qty = fx("0.010");
	s.stop_price = fx("51000");
	uint64_t h = 0;
	CU_ASSERT_EQUAL_FATAL(kf_submit_ex(&s, &h), TL_REJ_NONE);
	tl_order_t *o = kf_order(h);
	kf_update_as(o->client_id, "BTCUSDT", 9000, TL_ST_NEW);	/* algoId */
	kf_fill_as(o->client_id, "BTCUSDT", 9100, 1, "51000", "0.004");	/* child */
	CU_ASSERT_EQUAL(o->filled, fx("0.004"));
	kf_fill_as(o->client_id, "BTCUSDT", 9200, 2, "51000", "0.006");	/* a third id */
	CU_ASSERT_EQUAL(o->filled, fx("0.004"));
	CU_ASSERT_EQUAL(KF->k.ctr.foreign_updates, 1);
	kf_update_as(o->client_id, "BTCUSDT", 9000, TL_ST_CANCELED);	/* algo id still its */
	CU_ASSERT_EQUAL(o->status, TL_ST_CANCELED);
	CU_ASSERT(tl_kernel_check(&KF->k));
}

static void adopt(const char *clid, int64_t vid)
{
	kf_adopt(clid, "BTCUSDT", TL_BUY, "0.010", "49000", vid);
}

/* The report: "tl18446744073709551600" adopted wrapped the ids to tl0. */
static void test_adopt_far_sequence_is_foreign(void)
{
	adopt("tl18446744073709551600", 1);
	adopt("tl999999999999999999", 2);
	CU_ASSERT_PTR_NULL(tl_kernel_order(&KF->k, "tl18446744073709551600"));
	CU_ASSERT_PTR_NULL(tl_kernel_order(&KF->k, "tl999999999999999999"));
	CU_ASSERT_EQUAL(KF->k.ctr.orders_adopted, 0);
	CU_ASSERT(KF->k.ctr.foreign_updates + KF->k.ctr.bad_inputs == 2);
	adopt("tl5000", 3);	/* within the window: adopted */
	CU_ASSERT_PTR_NOT_NULL(tl_kernel_order(&KF->k, "tl5000"));
	tl_order_t *o = submit(TL_BUY, TL_ORD_LIMIT, "0.010", "49000");
	CU_ASSERT_STRING_EQUAL(o->client_id, "tl5001");
	CU_ASSERT(tl_kernel_check(&KF->k));
}

static void seq_near_max(tl_kernel_cfg_t *c) { c->id_next = TL_SEQ_MAX; }

/* Ids run out instead of wrapping. */
static void test_ids_never_wrap(void)
{
	kfix_free(KF);
	kfix_new(seq_near_max);
	kf_mark("BTCUSDT", "50000");
	uint64_t h;
	CU_ASSERT_EQUAL(kf_submit("BTCUSDT", TL_BUY, TL_ORD_LIMIT, "0.010", "49000", &h),
			TL_REJ_NONE);
	CU_ASSERT_STRING_EQUAL(kf_clid(h), "tl1000000000000000000");
	CU_ASSERT_EQUAL(kf_submit("BTCUSDT", TL_BUY, TL_ORD_LIMIT, "0.010", "49000", &h),
			TL_REJ_TABLE_FULL);
	/* A crafted restart cannot move ids past the end either. */
	tl_input_t in;
	memset(&in, 0, sizeof(in));
	in.hdr.type = TL_IN_RESTART;
	in.u.restart.id_next = UINT64_MAX - 3;
	uint64_t bad = KF->k.ctr.bad_inputs;
	kf_apply(&in);
	CU_ASSERT_EQUAL(KF->k.ctr.bad_inputs, bad + 1);
	CU_ASSERT(KF->k.id_next <= TL_SEQ_MAX + 1);
	CU_ASSERT(tl_kernel_check(&KF->k));
}

/* ---- K6 time arithmetic saturates ------------------------------------------ */

/* A crafted journal time near INT64_MAX: deadlines saturate (UBSan
 * aborts on a signed overflow in the sanitizer build). */
static void test_time_near_max_saturates(void)
{
	kfix_free(KF);
	kfix_new(ttl1m);
	KF->now = INT64_MAX - 10 * TL_NS_PER_S;	/* the fixture adds 1 ms an input */
	kf_mark("BTCUSDT", "50000");
	tl_order_t *o = submit(TL_BUY, TL_ORD_LIMIT, "0.010", "49000");
	CU_ASSERT_EQUAL(o->t_expire, INT64_MAX);	/* now + 60 s, saturated */
	kf_error(o->client_id, TL_REQ_NEW, TL_TR_TIMEOUT, true, 0, 0, "timeout");
	kf_error(o->client_id, TL_REQ_QUERY, TL_TR_CONNECT, false, 0, 0, "down");
	kf_cancel(o->client_id);
	kf_error(o->client_id, TL_REQ_CANCEL, TL_TR_CONNECT, false, 0, 0, "down");
	kf_tick_at(INT64_MAX - TL_NS_PER_S);
	CU_ASSERT_EQUAL(o->status, TL_ST_PENDING_CANCEL);
	CU_ASSERT_EQUAL(tl_time_add(INT64_MAX - 5, 10), INT64_MAX);
	CU_ASSERT_EQUAL(tl_time_add(INT64_MIN + 5, -10), INT64_MIN);
	CU_ASSERT_EQUAL(tl_time_add(100, -10), 90);
	CU_ASSERT(tl_kernel_check(&KF->k));
}

TL_TEST_SUITE("kernel.safety", setup, teardown,
	      TL_TEST(test_new_failure_while_canceling_ends_canceled),
	      TL_TEST(test_withdrawn_new_while_canceling_ends_canceled),
	      TL_TEST(test_cancel_rejected_then_not_found_waits_send_window),
	      TL_TEST(test_cancel_rejected_then_found_open_cancels_again),
	      TL_TEST(test_unknown_with_cancel_intent_never_resent),
	      TL_TEST(test_late_ack_after_local_end_is_canceled_at_venue),
	      TL_TEST(test_kill_switch_cancel_is_never_forgotten),
	      TL_TEST(test_cancel_all_and_ttl_are_sticky),
	      TL_TEST(test_resend_refused_when_paused),
	      TL_TEST(test_resend_when_reducing_only_if_it_reduces),
	      TL_TEST(test_resend_refused_when_too_old),
	      TL_TEST(test_resend_refused_across_restart),
	      TL_TEST(test_retry_refused_when_paused),
	      TL_TEST(test_withdrawn_when_paused_ends_canceled),
	      TL_TEST(test_withdrawn_when_normal_is_retried),
	      TL_TEST(test_sweep_position_after_liquidation_is_closed),
	      TL_TEST(test_no_protective_orders_while_liquidating),
	      TL_TEST(test_market_order_without_fill_is_queried),
	      TL_TEST(test_liquidating_trusts_the_venue_position),
	      TL_TEST(test_bulk_resync_queries_only_unconfirmed),
	      TL_TEST(test_bulk_resync_queries_orders_with_missing_fills),
	      TL_TEST(test_fill_for_other_symbol_is_foreign),
	      TL_TEST(test_update_with_other_venue_id_is_foreign),
	      TL_TEST(test_algo_child_id_accepted_once),
	      TL_TEST(test_adopt_far_sequence_is_foreign),
	      TL_TEST(test_ids_never_wrap),
	      TL_TEST(test_time_near_max_saturates))
