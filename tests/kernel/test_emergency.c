/*
 * test_emergency.c - trading states, the kernel-driven liquidation, the
 * loss limit, and signals with take-profit / stop-loss.
 */
#include "tests/support/tl_test.h"
#include "tests/support/kfix.h"

#include <string.h>

static void setup(void)
{
	kfix_new_marked();
}
static void teardown(void) { kfix_free(KF); }

/* Open a filled position with one market order. */
static void open_pos(const char *sym, tl_side_t side, const char *qty,
		     const char *px, int64_t trade)
{
	uint64_t h;
	CU_ASSERT_EQUAL_FATAL(kf_submit(sym, side, TL_ORD_MARKET, qty, NULL, &h),
			      TL_REJ_NONE);
	kf_ack(kf_clid(h), trade);
	kf_fill(kf_clid(h), trade, px, qty, "0");
	CU_ASSERT_EQUAL_FATAL(kf_order(h)->status, TL_ST_FILLED);
}

static const tl_output_t *req_for(const char *sym, tl_out_type_t t)
{
	for (uint32_t i = 0; i < KF->n; i++)
		if (KF->out[i].hdr.type == t && strcmp(KF->out[i].u.req.symbol, sym) == 0)
			return &KF->out[i];
	return NULL;
}

static void test_liquidation_cancels_and_closes_everything(void)
{
	open_pos("BTCUSDT", TL_BUY, "0.100", "50000", 1);
	open_pos("ETHUSDT", TL_SELL, "2.000", "3000", 2);
	uint64_t h1;
	kf_submit("BTCUSDT", TL_BUY, TL_ORD_LIMIT, "0.010", "49000.0", &h1);
	kf_ack(kf_clid(h1), 100);
	kfix_clear();

	CU_ASSERT_EQUAL(kf_control(TL_CTL_LIQUIDATE, "test"), TL_REJ_NONE);
	CU_ASSERT_EQUAL(KF->k.state, TL_TS_LIQUIDATING);
	CU_ASSERT_EQUAL(kf_count_ev(TL_EV_EMERGENCY_STARTED), 1);
	CU_ASSERT_STRING_EQUAL(kf_last_ev(TL_EV_EMERGENCY_STARTED)->u.ev.text, "test");
	CU_ASSERT_EQUAL(kf_last_ev(TL_EV_EMERGENCY_STARTED)->u.ev.priority, 10);
	/* the open order is canceled */
	CU_ASSERT_EQUAL(kf_count(TL_OUT_REQ_CANCEL), 1);
	CU_ASSERT_EQUAL(kf_order(h1)->status, TL_ST_PENDING_CANCEL);
	/* one reduce-only market close per position, LONG -> SELL, SHORT -> BUY */
	CU_ASSERT_EQUAL(kf_count(TL_OUT_REQ_NEW), 2);
	const tl_output_t *b = req_for("BTCUSDT", TL_OUT_REQ_NEW);
	const tl_output_t *e = req_for("ETHUSDT", TL_OUT_REQ_NEW);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	CU_ASSERT_EQUAL(b->u.req.side, TL_SELL);
	CU_ASSERT_EQUAL(b->u.req.type, TL_ORD_MARKET);
	CU_ASSERT_EQUAL(b->u.req.reduce_only, 1);
	CU_ASSERT_EQUAL(b->u.req.urgent, 1);
	CU_ASSERT_EQUAL(b->u.req.qty, fx("0.1"));
	CU_ASSERT_EQUAL(e->u.req.side, TL_BUY);
	CU_ASSERT_EQUAL(e->u.req.qty, fx("2"));
	/* new strategy orders are refused */
	CU_ASSERT_EQUAL(kf_submit("BTCUSDT", TL_BUY, TL_ORD_MARKET, "0.010", NULL, NULL),
			TL_REJ_STATE_LIQUIDATING);
	/* a second liquidate is a no-op */
	uint32_t before = KF->n;
	CU_ASSERT_EQUAL(kf_control(TL_CTL_LIQUIDATE, "again"), TL_REJ_NONE);
	CU_ASSERT_EQUAL(KF->n, before);
	/* fills flatten: PAUSED, with counts */
	char bid[TL_CLID_LEN], eid[TL_CLID_LEN];
	strcpy(bid, b->u.req.client_id);
	strcpy(eid, e->u.req.client_id);
	kf_fill(bid, 10, "49900", "0.100", "0");
	CU_ASSERT_EQUAL(KF->k.state, TL_TS_LIQUIDATING);
	CU_ASSERT_EQUAL(kf_pos("BTCUSDT", TL_PS_BOTH)->status, TL_POS_LIQUIDATED);
	CU_ASSERT_EQUAL(kf_count_ev(TL_EV_POSITION_LIQUIDATED), 1);
	kf_fill(eid, 11, "3010", "2.000", "0");
	/* flat, but the canceled order is not confirmed yet: not done */
	CU_ASSERT_EQUAL(KF->k.state, TL_TS_LIQUIDATING);
	CU_ASSERT_EQUAL(kf_count_ev(TL_EV_EMERGENCY_COMPLETED), 0);
	kf_update(kf_clid(h1), TL_ST_CANCELED, 0);
	CU_ASSERT_EQUAL(KF->k.state, TL_TS_PAUSED);
	const tl_output_t *done = kf_last_ev(TL_EV_EMERGENCY_COMPLETED);
	CU_ASSERT_PTR_NOT_NULL_FATAL(done);
	CU_ASSERT_EQUAL(done->u.ev.u.state.total, 2);
	CU_ASSERT_EQUAL(done->u.ev.u.state.ok, 2);
	CU_ASSERT_EQUAL(done->u.ev.u.state.failed, 0);
	CU_ASSERT_EQUAL(done->u.ev.u.state.canceled, 1);
	/* PAUSED refuses; RESUME returns to NORMAL */
	CU_ASSERT_EQUAL(kf_submit("BTCUSDT", TL_BUY, TL_ORD_MARKET, "0.010", NULL, NULL),
			TL_REJ_STATE_PAUSED);
	CU_ASSERT_EQUAL(kf_control(TL_CTL_RESUME, NULL), TL_REJ_NONE);
	CU_ASSERT_EQUAL(KF->k.state, TL_TS_NORMAL);
	CU_ASSERT(tl_kernel_check(&KF->k));
}

/* A resting order fills after the liquidation flattened everything but
 * before its cancel is confirmed: the new position gets its own close and
 * the liquidation completes only when that one is flat and every order
 * has reached a final state. */
static void test_liquidation_waits_for_unconfirmed_cancels(void)
{
	open_pos("BTCUSDT", TL_BUY, "0.100", "50000", 1);
	uint64_t h1;
	kf_submit("BTCUSDT", TL_BUY, TL_ORD_LIMIT, "0.010", "49000.0", &h1);
	kf_ack(kf_clid(h1), 100);
	kfix_clear();
	CU_ASSERT_EQUAL(kf_control(TL_CTL_LIQUIDATE, "test"), TL_REJ_NONE);
	const tl_output_t *b = req_for("BTCUSDT", TL_OUT_REQ_NEW);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	char bid[TL_CLID_LEN];
	strcpy(bid, b->u.req.client_id);
	kf_fill(bid, 10, "49900", "0.100", "0");
	CU_ASSERT_EQUAL(kf_pos("BTCUSDT", TL_PS_BOTH)->qty, 0);
	CU_ASSERT_EQUAL(KF->k.state, TL_TS_LIQUIDATING);
	/* the canceled order's late fill reopens a position */
	kfix_clear();
	kf_fill(kf_clid(h1), 11, "49000", "0.010", "0");
	CU_ASSERT_EQUAL(kf_pos("BTCUSDT", TL_PS_BOTH)->qty, fx("0.01"));
	CU_ASSERT_EQUAL(KF->k.state, TL_TS_LIQUIDATING);
	/* it gets a close after the emergency backoff */
	kf_tick_after(KF->k.cfg.emergency_backoff.base_ns + 1);
	const tl_output_t *c = req_for("BTCUSDT", TL_OUT_REQ_NEW);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_EQUAL(c->u.req.qty, fx("0.01"));
	CU_ASSERT_EQUAL(c->u.req.side, TL_SELL);
	char cid[TL_CLID_LEN];
	strcpy(cid, c->u.req.client_id);
	kf_fill(cid, 12, "48900", "0.010", "0");
	CU_ASSERT_EQUAL(kf_pos("BTCUSDT", TL_PS_BOTH)->qty, 0);
	CU_ASSERT_EQUAL(KF->k.state, TL_TS_PAUSED);
	CU_ASSERT_EQUAL(kf_count_ev(TL_EV_EMERGENCY_COMPLETED), 1);
	CU_ASSERT(tl_kernel_check(&KF->k));
}

static void test_liquidation_with_nothing_open_pauses_at_once(void)
{
	kf_control(TL_CTL_LIQUIDATE, "nothing");
	CU_ASSERT_EQUAL(KF->k.state, TL_TS_PAUSED);
	CU_ASSERT_EQUAL(kf_count_ev(TL_EV_EMERGENCY_COMPLETED), 1);
}

static void test_liquidation_retries_transient_and_recloses(void)
{
	open_pos("BTCUSDT", TL_BUY, "0.100", "50000", 1);
	kfix_clear();
	kf_control(TL_CTL_LIQUIDATE, "x");
	char id[TL_CLID_LEN];
	strcpy(id, kf_last(TL_OUT_REQ_NEW)->u.req.client_id);
	/* transient: resent with the emergency backoff (200 ms), same id */
	kf_error(id, TL_REQ_NEW, TL_TR_CONNECT, false, 0, 0, "down");
	kfix_clear();
	kf_tick_after(200 * TL_NS_PER_MS);
	CU_ASSERT_EQUAL(kf_count(TL_OUT_REQ_NEW), 1);
	CU_ASSERT_STRING_EQUAL(kf_last(TL_OUT_REQ_NEW)->u.req.client_id, id);
	/* permanent: counted failed, and a new close goes out after a backoff */
	kf_error(id, TL_REQ_NEW, TL_TR_NONE, true, 400, -2022, "ReduceOnly Order is rejected.");
	CU_ASSERT_EQUAL(KF->k.emg.failed, 1);
	kfix_clear();
	kf_tick_after(200 * TL_NS_PER_MS);
	CU_ASSERT_EQUAL(kf_count(TL_OUT_REQ_NEW), 1);
	CU_ASSERT_STRING_NOT_EQUAL(kf_last(TL_OUT_REQ_NEW)->u.req.client_id, id);
	CU_ASSERT_EQUAL(KF->k.emg.total, 2);
	kf_fill(kf_last(TL_OUT_REQ_NEW)->u.req.client_id, 50, "50000", "0.100", "0");
	CU_ASSERT_EQUAL(KF->k.state, TL_TS_PAUSED);
}

static void test_liquidation_splits_at_market_max_qty(void)
{
	/* ETHUSDT market max is 2000 */
	open_pos("ETHUSDT", TL_BUY, "1500", "3000", 1);
	open_pos("ETHUSDT", TL_BUY, "1500", "3000", 2);
	kfix_clear();
	kf_control(TL_CTL_LIQUIDATE, "big");
	CU_ASSERT_EQUAL(kf_count(TL_OUT_REQ_NEW), 2);
	CU_ASSERT_EQUAL(kf_nth(TL_OUT_REQ_NEW, 0)->u.req.qty, fx("2000"));
	CU_ASSERT_EQUAL(kf_nth(TL_OUT_REQ_NEW, 1)->u.req.qty, fx("1000"));
}

static void hedge(tl_kernel_cfg_t *c) { c->hedge_mode = true; }

static void test_hedge_liquidation_uses_position_side(void)
{
	kfix_free(KF);
	kfix_new(hedge);
	kf_mark("BTCUSDT", "50000");
	open_pos("BTCUSDT", TL_BUY, "0.100", "50000", 1);  /* LONG */
	open_pos("BTCUSDT", TL_SELL, "0.050", "50000", 2); /* SHORT */
	CU_ASSERT_EQUAL(kf_pos("BTCUSDT", TL_PS_LONG)->qty, fx("0.1"));
	CU_ASSERT_EQUAL(kf_pos("BTCUSDT", TL_PS_SHORT)->qty, fx("-0.05"));
	kfix_clear();
	kf_control(TL_CTL_LIQUIDATE, "hedge");
	CU_ASSERT_EQUAL(kf_count(TL_OUT_REQ_NEW), 2);
	const tl_out_req_t *a = &kf_nth(TL_OUT_REQ_NEW, 0)->u.req;
	const tl_out_req_t *b = &kf_nth(TL_OUT_REQ_NEW, 1)->u.req;
	CU_ASSERT_EQUAL(a->pos_side, TL_PS_LONG);
	CU_ASSERT_EQUAL(a->side, TL_SELL);
	CU_ASSERT_EQUAL(a->reduce_only, 0);
	CU_ASSERT_EQUAL(b->pos_side, TL_PS_SHORT);
	CU_ASSERT_EQUAL(b->side, TL_BUY);
}

static void loss(tl_kernel_cfg_t *c) { c->loss_limit = fx("100"); }

static void test_loss_limit_trips_liquidation(void)
{
	kfix_free(KF);
	kfix_new(loss);
	kf_mark("BTCUSDT", "50000");
	open_pos("BTCUSDT", TL_BUY, "0.100", "50000", 1);
	kf_mark("BTCUSDT", "49100");	/* -90 */
	CU_ASSERT_EQUAL(KF->k.state, TL_TS_NORMAL);
	kf_mark("BTCUSDT", "49000");	/* -100: trips */
	CU_ASSERT_EQUAL(KF->k.state, TL_TS_LIQUIDATING);
	CU_ASSERT_STRING_EQUAL(KF->k.emg.reason, "loss limit");
}

static void test_halt_and_resume_rules(void)
{
	open_pos("BTCUSDT", TL_BUY, "0.100", "50000", 1);
	CU_ASSERT_EQUAL(kf_control(TL_CTL_HALT, "careful"), TL_REJ_NONE);
	CU_ASSERT_EQUAL(KF->k.state, TL_TS_REDUCING);
	/* increasing refused, reducing allowed */
	CU_ASSERT_EQUAL(kf_submit("BTCUSDT", TL_BUY, TL_ORD_MARKET, "0.010", NULL, NULL),
			TL_REJ_STATE_REDUCING);
	tl_in_submit_t s;
	memset(&s, 0, sizeof(s));
	strcpy(s.symbol, "BTCUSDT");
	s.side = TL_SELL;
	s.type = TL_ORD_MARKET;
	s.reduce_only = 1;
	s.qty = fx("0.05");
	CU_ASSERT_EQUAL(kf_submit_ex(&s, NULL), TL_REJ_NONE);
	/* a liquidation in progress cannot be resumed or paused */
	kf_control(TL_CTL_LIQUIDATE, "x");
	CU_ASSERT_EQUAL(kf_control(TL_CTL_RESUME, NULL), TL_REJ_STATE_LIQUIDATING);
	CU_ASSERT_EQUAL(kf_control(TL_CTL_PAUSE, NULL), TL_REJ_STATE_LIQUIDATING);
	CU_ASSERT_EQUAL(KF->k.state, TL_TS_LIQUIDATING);
	CU_ASSERT_EQUAL(kf_count_ev(TL_EV_TRADING_STATE_CHANGED), 2);
}

static void test_restore_liquidating_comes_back_paused(void)
{
	tl_kernel_restore_state(&KF->k, TL_TS_LIQUIDATING);
	CU_ASSERT_EQUAL(KF->k.state, TL_TS_PAUSED);
	tl_kernel_restore_state(&KF->k, TL_TS_REDUCING);
	CU_ASSERT_EQUAL(KF->k.state, TL_TS_REDUCING);
}

/* ---- signals -------------------------------------------------------------- */

static void test_long_entry_places_tp_and_sl_after_fill(void)
{
	uint64_t h;
	CU_ASSERT_EQUAL(kf_signal(TL_SIG_LONG_ENTRY, "BTCUSDT", "0.100", NULL,
				  "52000", "49000", &h), TL_REJ_NONE);
	const tl_out_req_t *r = &kf_last(TL_OUT_REQ_NEW)->u.req;
	CU_ASSERT_EQUAL(r->side, TL_BUY);
	CU_ASSERT_EQUAL(r->type, TL_ORD_MARKET);
	CU_ASSERT_EQUAL(kf_order(h)->role, TL_ROLE_ENTRY);
	kfix_clear();
	kf_fill(kf_clid(h), 1, "50000", "0.100", "0");
	CU_ASSERT_EQUAL(kf_count(TL_OUT_REQ_NEW), 2);
	const tl_out_req_t *tp = &kf_nth(TL_OUT_REQ_NEW, 0)->u.req;
	const tl_out_req_t *sl = &kf_nth(TL_OUT_REQ_NEW, 1)->u.req;
	CU_ASSERT_EQUAL(tp->type, TL_ORD_TAKE_PROFIT_MARKET);
	CU_ASSERT_EQUAL(tp->stop_price, fx("52000"));
	CU_ASSERT_EQUAL(tp->side, TL_SELL);
	CU_ASSERT_EQUAL(tp->reduce_only, 1);
	CU_ASSERT_EQUAL(tp->algo, 1);
	CU_ASSERT_EQUAL(tp->qty, fx("0.1"));
	CU_ASSERT_EQUAL(sl->type, TL_ORD_STOP_MARKET);
	CU_ASSERT_EQUAL(sl->stop_price, fx("49000"));
	CU_ASSERT_EQUAL(kf_pos("BTCUSDT", TL_PS_BOTH)->tp, fx("52000"));
	/* The stop fires: the take-profit is canceled. */
	char tpid[TL_CLID_LEN], slid[TL_CLID_LEN];
	strcpy(tpid, tp->client_id);
	strcpy(slid, sl->client_id);
	kf_ack(tpid, 201);
	kf_ack(slid, 202);
	kfix_clear();
	kf_fill(slid, 2, "49000", "0.100", "0");
	CU_ASSERT_EQUAL(kf_count(TL_OUT_REQ_CANCEL), 1);
	CU_ASSERT_STRING_EQUAL(kf_last(TL_OUT_REQ_CANCEL)->u.req.client_id, tpid);
	CU_ASSERT_EQUAL(kf_pos("BTCUSDT", TL_PS_BOTH)->qty, 0);
	CU_ASSERT_EQUAL(kf_pos("BTCUSDT", TL_PS_BOTH)->realized, fx("-100"));
}

static void test_closing_the_position_cancels_protective_orders(void)
{
	uint64_t h;
	kf_signal(TL_SIG_LONG_ENTRY, "BTCUSDT", "0.100", NULL, "52000", "49000", &h);
	kf_fill(kf_clid(h), 1, "50000", "0.100", "0");
	char tpid[TL_CLID_LEN], slid[TL_CLID_LEN];
	strcpy(tpid, kf_nth(TL_OUT_REQ_NEW, 1)->u.req.client_id);
	strcpy(slid, kf_nth(TL_OUT_REQ_NEW, 2)->u.req.client_id);
	kf_ack(tpid, 301);
	kf_ack(slid, 302);
	uint64_t c;
	CU_ASSERT_EQUAL(kf_signal(TL_SIG_CLOSE_LONG, "BTCUSDT", "0.100", NULL, NULL, NULL, &c),
			TL_REJ_NONE);
	kfix_clear();
	kf_fill(kf_clid(c), 2, "50100", "0.100", "0");
	CU_ASSERT_EQUAL(kf_pos("BTCUSDT", TL_PS_BOTH)->qty, 0);
	CU_ASSERT_EQUAL(kf_count(TL_OUT_REQ_CANCEL), 2);
	CU_ASSERT_EQUAL(tl_kernel_order(&KF->k, tpid)->status, TL_ST_PENDING_CANCEL);
	CU_ASSERT_EQUAL(tl_kernel_order(&KF->k, slid)->status, TL_ST_PENDING_CANCEL);
	CU_ASSERT_EQUAL(kf_pos("BTCUSDT", TL_PS_BOTH)->tp, 0);
}

static void test_protective_rejection_leaves_entry(void)
{
	uint64_t h;
	kf_signal(TL_SIG_SHORT_ENTRY, "BTCUSDT", "0.100", NULL, "48000", "51000", &h);
	kf_fill(kf_clid(h), 1, "50000", "0.100", "0");
	char tpid[TL_CLID_LEN];
	strcpy(tpid, kf_nth(TL_OUT_REQ_NEW, 1)->u.req.client_id);
	CU_ASSERT_EQUAL(kf_nth(TL_OUT_REQ_NEW, 1)->u.req.side, TL_BUY);
	kfix_clear();
	kf_error(tpid, TL_REQ_NEW, TL_TR_NONE, true, 400, -2021, "Order would immediately trigger.");
	const tl_output_t *ev = kf_last_ev(TL_EV_ORDER_REJECTED);
	CU_ASSERT_PTR_NOT_NULL_FATAL(ev);
	CU_ASSERT_STRING_EQUAL(ev->u.ev.text, "protective order not placed; entry stands");
	CU_ASSERT_EQUAL(kf_pos("BTCUSDT", TL_PS_BOTH)->qty, fx("-0.1"));
	CU_ASSERT_EQUAL(kf_order(h)->status, TL_ST_FILLED);
}

static void test_tpsl_on_wrong_side_refused(void)
{
	CU_ASSERT_EQUAL(kf_signal(TL_SIG_LONG_ENTRY, "BTCUSDT", "0.100", NULL,
				  "49000", NULL, NULL), TL_REJ_BAD_TPSL);
	CU_ASSERT_EQUAL(kf_signal(TL_SIG_SHORT_ENTRY, "BTCUSDT", "0.100", NULL,
				  NULL, "49000", NULL), TL_REJ_BAD_TPSL);
	CU_ASSERT_EQUAL(kf_signal(TL_SIG_LONG_ENTRY, "BTCUSDT", "0.100", NULL,
				  "52000.05", NULL, NULL), TL_REJ_PRICE_TICK);
	CU_ASSERT_EQUAL(kf_count(TL_OUT_REQ_NEW), 0);
}

static void test_close_signals(void)
{
	CU_ASSERT_EQUAL(kf_signal(TL_SIG_CLOSE_LONG, "BTCUSDT", "0.100", NULL, NULL,
				  NULL, NULL), TL_REJ_NOTHING_TO_CLOSE);
	open_pos("BTCUSDT", TL_BUY, "0.100", "50000", 1);
	CU_ASSERT_EQUAL(kf_signal(TL_SIG_CLOSE_SHORT, "BTCUSDT", "0.100", NULL, NULL,
				  NULL, NULL), TL_REJ_NOTHING_TO_CLOSE);
	kfix_clear();
	/* more than the position: capped at the position */
	CU_ASSERT_EQUAL(kf_signal(TL_SIG_CLOSE_LONG, "BTCUSDT", "0.500", NULL, NULL,
				  NULL, NULL), TL_REJ_NONE);
	const tl_out_req_t *r = &kf_last(TL_OUT_REQ_NEW)->u.req;
	CU_ASSERT_EQUAL(r->side, TL_SELL);
	CU_ASSERT_EQUAL(r->reduce_only, 1);
	CU_ASSERT_EQUAL(r->qty, fx("0.1"));
	CU_ASSERT_EQUAL(r->pos_side, TL_PS_BOTH);
}

static void test_hedge_signals_use_position_side(void)
{
	kfix_free(KF);
	kfix_new(hedge);
	kf_mark("BTCUSDT", "50000");
	uint64_t h;
	kf_signal(TL_SIG_SHORT_ENTRY, "BTCUSDT", "0.100", NULL, NULL, NULL, &h);
	CU_ASSERT_EQUAL(kf_last(TL_OUT_REQ_NEW)->u.req.pos_side, TL_PS_SHORT);
	kf_fill(kf_clid(h), 1, "50000", "0.100", "0");
	kfix_clear();
	CU_ASSERT_EQUAL(kf_signal(TL_SIG_CLOSE_SHORT, "BTCUSDT", "0.100", NULL, NULL,
				  NULL, NULL), TL_REJ_NONE);
	const tl_out_req_t *r = &kf_last(TL_OUT_REQ_NEW)->u.req;
	CU_ASSERT_EQUAL(r->side, TL_BUY);
	CU_ASSERT_EQUAL(r->pos_side, TL_PS_SHORT);
	CU_ASSERT_EQUAL(r->reduce_only, 0);	/* not allowed in hedge mode */
}

TL_TEST_SUITE("kernel.emergency", setup, teardown,
	      TL_TEST(test_liquidation_cancels_and_closes_everything),
	      TL_TEST(test_liquidation_waits_for_unconfirmed_cancels),
	      TL_TEST(test_liquidation_with_nothing_open_pauses_at_once),
	      TL_TEST(test_liquidation_retries_transient_and_recloses),
	      TL_TEST(test_liquidation_splits_at_market_max_qty),
	      TL_TEST(test_hedge_liquidation_uses_position_side),
	      TL_TEST(test_loss_limit_trips_liquidation),
	      TL_TEST(test_halt_and_resume_rules),
	      TL_TEST(test_restore_liquidating_comes_back_paused),
	      TL_TEST(test_long_entry_places_tp_and_sl_after_fill),
	      TL_TEST(test_closing_the_position_cancels_protective_orders),
	      TL_TEST(test_protective_rejection_leaves_entry),
	      TL_TEST(test_tpsl_on_wrong_side_refused),
	      TL_TEST(test_close_signals),
	      TL_TEST(test_hedge_signals_use_position_side));
