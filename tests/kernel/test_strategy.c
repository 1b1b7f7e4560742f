/*
 * test_strategy.c - strategy tags: validation, the bounded table, tags
 * inherited by take-profit/stop-loss legs, and per-tag PnL from each
 * tag's own virtual position (kernel/strat.c, docs/kernel.md "Strategy
 * attribution").
 *
 * Fixture: BTCUSDT marked at 50000, one-way mode unless said otherwise.
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

static tl_reject_t submit_tag(const char *tag, tl_side_t side, tl_ord_type_t type,
			      const char *qty, const char *px, uint64_t *h)
{
	tl_input_t in;
	memset(&in, 0, sizeof(in));
	in.hdr.type = TL_IN_SUBMIT;
	in.u.submit = kf_submit_spec("BTCUSDT", side, type, qty, px);
	memcpy(in.u.submit.strategy, tag, strnlen(tag, TL_STRAT_LEN));
	return kf_apply_h(&in, h);
}

/* A market order of `tag` filled at px with fee: its handle. */
static uint64_t trade(const char *tag, tl_side_t side, const char *qty,
		      const char *px, const char *fee, int64_t tid)
{
	uint64_t h = 0;
	CU_ASSERT_EQUAL_FATAL(submit_tag(tag, side, TL_ORD_MARKET, qty, NULL, &h),
			      TL_REJ_NONE);
	kf_ack(kf_clid(h), tid);
	kf_fill(kf_clid(h), tid, px, qty, fee);
	CU_ASSERT_EQUAL_FATAL(kf_order(h)->status, TL_ST_FILLED);
	return h;
}

static const tl_strat_t *row(const char *tag)
{
	int r = tl_strat_find(&KF->k.strats, tag);
	CU_ASSERT_FATAL(r >= 0);
	return &KF->k.strats.row[r];
}

static tl_fx_t vqty(const char *tag)
{
	int r = tl_strat_find(&KF->k.strats, tag);
	CU_ASSERT_FATAL(r >= 0);
	return tl_strat_pos(&KF->k.strats, (uint32_t)r, 0, TL_PS_BOTH)->qty;
}

static void test_validity(void)
{
	CU_ASSERT(tl_strat_valid("trend-1"));
	CU_ASSERT(tl_strat_valid("a"));
	CU_ASSERT(tl_strat_valid("abcdefghijklmno"));	/* 15 */
	CU_ASSERT_FALSE(tl_strat_valid(""));
	CU_ASSERT_FALSE(tl_strat_valid("abcdefghijklmnop"));	/* 16 */
	CU_ASSERT_FALSE(tl_strat_valid("a b"));
	CU_ASSERT_FALSE(tl_strat_valid("a\"b"));
	CU_ASSERT_FALSE(tl_strat_valid("a'b"));
	CU_ASSERT_FALSE(tl_strat_valid("a\\b"));
	CU_ASSERT_FALSE(tl_strat_valid("a\tb"));
	CU_ASSERT_FALSE(tl_strat_valid("caf\xc3\xa9"));
	uint64_t h;
	CU_ASSERT_EQUAL(submit_tag("a b", TL_BUY, TL_ORD_MARKET, "0.010", NULL, &h),
			TL_REJ_BAD_STRATEGY);
	/* 16 bytes without a NUL in the record */
	CU_ASSERT_EQUAL(submit_tag("abcdefghijklmnop", TL_BUY, TL_ORD_MARKET, "0.010",
				   NULL, &h), TL_REJ_BAD_STRATEGY);
	CU_ASSERT_EQUAL(kf_last_ev(TL_EV_ORDER_REJECTED)->u.ev.u.order.reject,
			TL_REJ_BAD_STRATEGY);
	CU_ASSERT_EQUAL(KF->k.strats.n, 0);
	CU_ASSERT_EQUAL(kf_count_ev(TL_EV_STRATEGY_ADDED), 0);
}

static void test_tag_rows_and_events(void)
{
	uint64_t h1, h2, h3;
	CU_ASSERT_EQUAL(submit_tag("alpha", TL_BUY, TL_ORD_MARKET, "0.010", NULL, &h1),
			TL_REJ_NONE);
	CU_ASSERT_EQUAL(submit_tag("beta", TL_BUY, TL_ORD_MARKET, "0.010", NULL, &h2),
			TL_REJ_NONE);
	CU_ASSERT_EQUAL(submit_tag("alpha", TL_BUY, TL_ORD_MARKET, "0.010", NULL, &h3),
			TL_REJ_NONE);
	CU_ASSERT_EQUAL(kf_count_ev(TL_EV_STRATEGY_ADDED), 2);
	const tl_output_t *a = kf_nth(TL_OUT_EVENT, 0);
	CU_ASSERT_EQUAL(a->u.ev.type, TL_EV_STRATEGY_ADDED);
	CU_ASSERT_EQUAL(a->u.ev.u.strat.id, 1);
	CU_ASSERT_STRING_EQUAL(a->u.ev.text, "alpha");
	CU_ASSERT_EQUAL(kf_order(h1)->strat, 1);
	CU_ASSERT_EQUAL(kf_order(h2)->strat, 2);
	CU_ASSERT_EQUAL(kf_order(h3)->strat, 1);
	CU_ASSERT_EQUAL(kf_last_ev(TL_EV_ORDER_SUBMITTED)->u.ev.u.order.strategy, 1);
	CU_ASSERT_EQUAL(row("alpha")->orders, 2);
	CU_ASSERT_EQUAL(row("beta")->orders, 1);
	/* untagged orders are row 0 */
	uint64_t h4;
	CU_ASSERT_EQUAL(kf_submit("BTCUSDT", TL_BUY, TL_ORD_MARKET, "0.010", NULL, &h4),
			TL_REJ_NONE);
	CU_ASSERT_EQUAL(kf_order(h4)->strat, 0);
	CU_ASSERT_EQUAL(kf_last_ev(TL_EV_ORDER_SUBMITTED)->u.ev.u.order.strategy, 0);
	/* a refused order takes no row */
	uint64_t h5;
	CU_ASSERT_EQUAL(submit_tag("gamma", TL_BUY, TL_ORD_MARKET, "0", NULL, &h5),
			TL_REJ_QTY_NOT_POSITIVE);
	CU_ASSERT_EQUAL(KF->k.strats.n, 2);
	CU_ASSERT(tl_kernel_check(&KF->k));
}

static void test_tag_limit(void)
{
	char tag[TL_STRAT_LEN];
	uint64_t h;
	for (int i = 0; i < TL_STRAT_MAX; i++) {
		snprintf(tag, sizeof(tag), "s%02d", i);
		CU_ASSERT_EQUAL_FATAL(submit_tag(tag, TL_BUY, TL_ORD_LIMIT, "0.010",
						 "40000", &h), TL_REJ_NONE);
		kf_cancel(kf_clid(h));
		kf_update(kf_clid(h), TL_ST_CANCELED, 0);
	}
	CU_ASSERT_EQUAL(KF->k.strats.n, TL_STRAT_MAX);
	kfix_clear();
	CU_ASSERT_EQUAL(submit_tag("one-too-many", TL_BUY, TL_ORD_MARKET, "0.010", NULL,
				   &h), TL_REJ_STRATEGY_LIMIT);
	const tl_output_t *r = kf_last_ev(TL_EV_ORDER_REJECTED);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_EQUAL(r->u.ev.u.order.reject, TL_REJ_STRATEGY_LIMIT);
	CU_ASSERT_EQUAL(kf_count_ev(TL_EV_STRATEGY_ADDED), 0);
	/* known tags and untagged orders still go */
	CU_ASSERT_EQUAL(submit_tag("s31", TL_BUY, TL_ORD_MARKET, "0.010", NULL, &h),
			TL_REJ_NONE);
	CU_ASSERT_EQUAL(kf_order(h)->strat, TL_STRAT_MAX);
	CU_ASSERT_EQUAL(kf_submit("BTCUSDT", TL_BUY, TL_ORD_MARKET, "0.010", NULL, &h),
			TL_REJ_NONE);
	CU_ASSERT_EQUAL(KF->k.strats.n, TL_STRAT_MAX);
	CU_ASSERT(tl_kernel_check(&KF->k));
}

/* Two tags on one symbol in opposite directions: each keeps its own
 * position, entry, realized PnL, fees and trade count; the venue
 * position is their net. */
static void test_two_tags_opposite_directions(void)
{
	trade("A", TL_BUY, "1.000", "50000", "1", 1);
	trade("B", TL_SELL, "0.400", "51000", "0.5", 2);
	tl_position_t *net = kf_pos("BTCUSDT", TL_PS_BOTH);
	CU_ASSERT_EQUAL(net->qty, fx("0.6"));
	CU_ASSERT_EQUAL(net->realized, fx("400"));	/* 0.4 * (51000 - 50000) */
	CU_ASSERT_EQUAL(vqty("A"), fx("1"));
	CU_ASSERT_EQUAL(vqty("B"), fx("-0.4"));
	CU_ASSERT_EQUAL(row("A")->realized, 0);
	CU_ASSERT_EQUAL(row("B")->realized, 0);

	kf_mark("BTCUSDT", "52000");
	CU_ASSERT_EQUAL(row("A")->unrealized, fx("2000"));	/* 1 * (52000 - 50000) */
	CU_ASSERT_EQUAL(row("B")->unrealized, fx("-400"));	/* -0.4 * (52000 - 51000) */
	CU_ASSERT_EQUAL(net->unrealized, fx("1200"));
	/* Before fees the tags add up to the netted PnL. */
	CU_ASSERT_EQUAL(row("A")->realized + row("A")->unrealized +
			row("B")->realized + row("B")->unrealized,
			net->realized + net->unrealized);

	/* Partial close of A, full close of B. */
	trade("A", TL_SELL, "0.500", "53000", "0.25", 3);
	CU_ASSERT_EQUAL(row("A")->realized, fx("1500"));	/* 0.5 * 3000 */
	CU_ASSERT_EQUAL(vqty("A"), fx("0.5"));
	CU_ASSERT_EQUAL(tl_strat_pos(&KF->k.strats, 1, 0, 0)->entry, fx("50000"));
	CU_ASSERT_EQUAL(row("A")->unrealized, fx("1000"));	/* 0.5 * (52000 - 50000) */
	trade("B", TL_BUY, "0.400", "49000", "0.5", 4);
	CU_ASSERT_EQUAL(row("B")->realized, fx("800"));	/* 0.4 * (51000 - 49000) */
	CU_ASSERT_EQUAL(vqty("B"), 0);
	CU_ASSERT_EQUAL(row("B")->unrealized, 0);
	CU_ASSERT_EQUAL(row("A")->commission, fx("1.25"));
	CU_ASSERT_EQUAL(row("B")->commission, fx("1"));
	CU_ASSERT_EQUAL(row("A")->fills, 2);
	CU_ASSERT_EQUAL(row("B")->fills, 2);
	CU_ASSERT_EQUAL(KF->k.strats.row[0].fills, 0);
	CU_ASSERT_EQUAL(net->qty, fx("0.5"));
	CU_ASSERT_EQUAL(vqty("A") + vqty("B"), net->qty);
	CU_ASSERT_EQUAL(row("A")->commission + row("B")->commission, net->commission);
	CU_ASSERT(tl_kernel_check(&KF->k));
}

/* A tag that closes more than it opened crosses zero on its own
 * virtual position, even where the netted one just reduces. */
static void test_tag_crossing_zero(void)
{
	trade("A", TL_BUY, "1.000", "50000", "0", 1);
	trade("B", TL_BUY, "0.200", "50000", "0", 2);
	trade("B", TL_SELL, "0.500", "50500", "0", 3);
	CU_ASSERT_EQUAL(row("B")->realized, fx("100"));	/* 0.2 * 500 */
	CU_ASSERT_EQUAL(vqty("B"), fx("-0.3"));
	CU_ASSERT_EQUAL(tl_strat_pos(&KF->k.strats, 2, 0, 0)->entry, fx("50500"));
	CU_ASSERT_EQUAL(kf_pos("BTCUSDT", TL_PS_BOTH)->qty, fx("0.7"));
	CU_ASSERT(tl_kernel_check(&KF->k));
}

static void test_legs_inherit_the_tag(void)
{
	tl_input_t in;
	memset(&in, 0, sizeof(in));
	in.hdr.type = TL_IN_SIGNAL;
	memcpy(in.u.signal.symbol, "BTCUSDT", 8);
	in.u.signal.signal = TL_SIG_LONG_ENTRY;
	in.u.signal.qty = fx("0.3");
	in.u.signal.price = fx("50000");
	in.u.signal.tp = fx("52000");
	in.u.signal.sl = fx("49000");
	memcpy(in.u.signal.strategy, "trend", 6);
	uint64_t e;
	trade("other", TL_BUY, "0.1", "50000", "0", 9);	/* row 1 */
	CU_ASSERT_EQUAL_FATAL(kf_apply_h(&in, &e), TL_REJ_NONE);
	CU_ASSERT_EQUAL(kf_order(e)->strat, 2);
	kf_ack(kf_clid(e), 1);
	kfix_clear();
	kf_fill(kf_clid(e), 10, "50000", "0.3", "0.3");
	uint32_t legs = 0;
	char tp[TL_CLID_LEN] = "";
	for (uint32_t i = 0; i < KF->n; i++) {
		const tl_output_t *o = &KF->out[i];
		if (o->hdr.type != TL_OUT_REQ_NEW)
			continue;
		tl_order_t *leg = tl_kernel_order(&KF->k, o->u.req.client_id);
		CU_ASSERT_PTR_NOT_NULL_FATAL(leg);
		CU_ASSERT_EQUAL(leg->strat, 2);
		if (leg->role == TL_ROLE_TP)
			memcpy(tp, leg->client_id, TL_CLID_LEN);
		legs++;
	}
	CU_ASSERT_EQUAL(legs, 2);
	CU_ASSERT_EQUAL(kf_last_ev(TL_EV_ORDER_SUBMITTED)->u.ev.u.order.strategy, 2);
	/* The take-profit's fill is the tag's. */
	kf_ack(tp, 11);
	kf_fill(tp, 12, "52000", "0.3", "0.2");
	CU_ASSERT_EQUAL(row("trend")->realized, fx("600"));	/* 0.3 * 2000 */
	CU_ASSERT_EQUAL(row("trend")->commission, fx("0.5"));
	CU_ASSERT_EQUAL(row("trend")->fills, 2);
	CU_ASSERT_EQUAL(vqty("trend"), 0);
	CU_ASSERT_EQUAL(vqty("other"), fx("0.1"));
	CU_ASSERT(tl_kernel_check(&KF->k));
}

/* The liquidation's close closes each tag's share, in row order; what
 * no tag holds goes to the untagged row. */
static void test_liquidation_closes_each_tag(void)
{
	trade("A", TL_BUY, "1.000", "50000", "0", 1);
	trade("B", TL_BUY, "0.500", "49000", "0", 2);
	trade("C", TL_SELL, "0.300", "50000", "0", 3);
	/* net long 1.2 */
	CU_ASSERT_EQUAL(kf_control(TL_CTL_LIQUIDATE, "test"), TL_REJ_NONE);
	const tl_output_t *c = kf_last(TL_OUT_REQ_NEW);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_EQUAL(c->u.req.qty, fx("1.2"));
	char clid[TL_CLID_LEN];
	memcpy(clid, c->u.req.client_id, TL_CLID_LEN);
	kf_ack(clid, 5);
	kf_fill(clid, 5, "51000", "1.2", "0.9");
	/* A closes 1.0, B closes 0.2 of its 0.5; C (short) untouched. */
	CU_ASSERT_EQUAL(vqty("A"), 0);
	CU_ASSERT_EQUAL(row("A")->realized, fx("1000"));
	CU_ASSERT_EQUAL(row("A")->commission, fx("0.75"));	/* 0.9 * 1.0 / 1.2 */
	CU_ASSERT_EQUAL(vqty("B"), fx("0.3"));
	CU_ASSERT_EQUAL(row("B")->realized, fx("400"));	/* 0.2 * 2000 */
	CU_ASSERT_EQUAL(row("B")->commission, fx("0.15"));
	CU_ASSERT_EQUAL(vqty("C"), fx("-0.3"));
	CU_ASSERT_EQUAL(KF->k.strats.row[0].fills, 0);
	CU_ASSERT_EQUAL(kf_pos("BTCUSDT", TL_PS_BOTH)->qty, 0);
	CU_ASSERT(tl_kernel_check(&KF->k));
}

static void test_check_catches_a_wrong_unrealized(void)
{
	trade("A", TL_BUY, "1.000", "50000", "0", 1);
	kf_mark("BTCUSDT", "50100");
	CU_ASSERT(tl_kernel_check(&KF->k));
	KF->k.strats.row[1].unrealized += 1;
	CU_ASSERT_FALSE(tl_kernel_check(&KF->k));
	KF->k.strats.row[1].unrealized -= 1;
	CU_ASSERT(tl_kernel_check(&KF->k));
}

/* ---- round trips (POSITION_ROUND_TRIP) ---------------------------------- */

/* The i-th ROUND_TRIP event of `scope` since the last clear, or NULL. */
static const tl_ev_trip_t *trip(uint8_t scope, uint32_t i)
{
	for (uint32_t j = 0; j < KF->n; j++) {
		const tl_output_t *o = &KF->out[j];
		if (o->hdr.type == TL_OUT_EVENT && o->u.ev.type == TL_EV_POSITION_ROUND_TRIP &&
		    o->u.ev.u.trip.scope == scope && i-- == 0)
			return &o->u.ev.u.trip;
	}
	return NULL;
}

static void test_round_trip_partial_closes(void)
{
	trade("A", TL_BUY, "1.000", "50000", "1", 1);
	tl_time_t opened = KF->now;
	trade("A", TL_SELL, "0.400", "51000", "0.5", 2);
	CU_ASSERT_EQUAL(kf_count_ev(TL_EV_POSITION_ROUND_TRIP), 0);
	kfix_clear();
	trade("A", TL_SELL, "0.600", "52000", "0.5", 3);
	CU_ASSERT_EQUAL(kf_count_ev(TL_EV_POSITION_ROUND_TRIP), 2);
	for (uint8_t sc = 0; sc < 2; sc++) {
		const tl_ev_trip_t *t = trip(sc, 0);
		CU_ASSERT_PTR_NOT_NULL_FATAL(t);
		CU_ASSERT_EQUAL(t->strategy, sc ? 1 : 0);
		CU_ASSERT_EQUAL(t->reason, TL_EXIT_MANUAL);
		CU_ASSERT_EQUAL(t->opened, opened);
		CU_ASSERT_EQUAL(t->qty, fx("1"));
		CU_ASSERT_EQUAL(t->entry, fx("50000"));
		CU_ASSERT_EQUAL(t->exit, fx("51600"));	/* (0.4*51000 + 0.6*52000) / 1 */
		CU_ASSERT_EQUAL(t->realized, fx("1600"));
		CU_ASSERT_EQUAL(t->commission, fx("2"));
	}
	CU_ASSERT_STRING_EQUAL(kf_last_ev(TL_EV_POSITION_ROUND_TRIP)->u.ev.text, "MANUAL");
	/* The next trip starts from zero. */
	trade("A", TL_SELL, "0.200", "50000", "0.1", 4);
	kfix_clear();
	trade("A", TL_BUY, "0.200", "49000", "0.1", 5);
	const tl_ev_trip_t *t = trip(0, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	CU_ASSERT_EQUAL(t->qty, fx("-0.2"));
	CU_ASSERT_EQUAL(t->realized, fx("200"));
	CU_ASSERT_EQUAL(t->commission, fx("0.2"));
	CU_ASSERT(tl_kernel_check(&KF->k));
}

/* A flip ends one trip (its fee all with it) and starts the next at the
 * fill price; the largest size is kept per trip. */
static void test_round_trip_flip(void)
{
	trade("", TL_BUY, "0.500", "50000", "0.1", 1);
	trade("", TL_BUY, "0.300", "50000", "0.1", 2);
	trade("", TL_SELL, "0.300", "50000", "0.1", 3);
	kfix_clear();
	trade("", TL_SELL, "1.000", "51000", "0.3", 4);
	const tl_ev_trip_t *t = trip(0, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	CU_ASSERT_EQUAL(t->qty, fx("0.8"));
	CU_ASSERT_EQUAL(t->exit, fx("50625"));	/* (0.3*50000 + 0.5*51000) / 0.8 */
	CU_ASSERT_EQUAL(t->realized, fx("500"));
	CU_ASSERT_EQUAL(t->commission, fx("0.6"));
	CU_ASSERT_PTR_NULL(trip(1, 0));	/* untagged: no strategy trip */
	kfix_clear();
	trade("", TL_BUY, "0.500", "50500", "0.05", 5);
	t = trip(0, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	CU_ASSERT_EQUAL(t->qty, fx("-0.5"));
	CU_ASSERT_EQUAL(t->entry, fx("51000"));
	CU_ASSERT_EQUAL(t->exit, fx("50500"));
	CU_ASSERT_EQUAL(t->realized, fx("250"));
	CU_ASSERT_EQUAL(t->commission, fx("0.05"));
}

/* Exit reasons: take-profit and stop-loss legs, a signal close, the
 * liquidation (each tag's share ends too). */
static void test_round_trip_reasons(void)
{
	tl_input_t in;
	memset(&in, 0, sizeof(in));
	in.hdr.type = TL_IN_SIGNAL;
	memcpy(in.u.signal.symbol, "BTCUSDT", 8);
	in.u.signal.signal = TL_SIG_LONG_ENTRY;
	in.u.signal.qty = fx("0.3");
	in.u.signal.tp = fx("52000");
	in.u.signal.sl = fx("49000");
	memcpy(in.u.signal.strategy, "trend", 6);
	uint64_t e;
	CU_ASSERT_EQUAL_FATAL(kf_apply_h(&in, &e), TL_REJ_NONE);
	kf_ack(kf_clid(e), 1);
	kfix_clear();
	kf_fill(kf_clid(e), 10, "50000", "0.3", "0");
	char sl[TL_CLID_LEN] = "";
	for (uint32_t i = 0; i < KF->n; i++)
		if (KF->out[i].hdr.type == TL_OUT_REQ_NEW &&
		    KF->out[i].u.req.type == TL_ORD_STOP_MARKET)
			memcpy(sl, KF->out[i].u.req.client_id, TL_CLID_LEN);
	CU_ASSERT_FATAL(sl[0]);
	kf_ack(sl, 2);
	kfix_clear();
	kf_fill(sl, 11, "49000", "0.3", "0");
	CU_ASSERT_EQUAL(trip(0, 0)->reason, TL_EXIT_STOP_LOSS);
	CU_ASSERT_EQUAL(trip(1, 0)->reason, TL_EXIT_STOP_LOSS);
	CU_ASSERT_EQUAL(trip(1, 0)->strategy, 1);
	CU_ASSERT_EQUAL(trip(1, 0)->realized, fx("-300"));

	/* a signal close */
	in.u.signal.tp = in.u.signal.sl = 0;
	in.u.signal.price = 0;
	CU_ASSERT_EQUAL_FATAL(kf_apply_h(&in, &e), TL_REJ_NONE);
	kf_ack(kf_clid(e), 3);
	kf_fill(kf_clid(e), 12, "50000", "0.3", "0");
	in.u.signal.signal = TL_SIG_CLOSE_LONG;
	CU_ASSERT_EQUAL_FATAL(kf_apply_h(&in, &e), TL_REJ_NONE);
	kf_ack(kf_clid(e), 4);
	kfix_clear();
	kf_fill(kf_clid(e), 13, "50100", "0.3", "0");
	CU_ASSERT_EQUAL(trip(0, 0)->reason, TL_EXIT_SIGNAL);
	CU_ASSERT_EQUAL(trip(1, 0)->reason, TL_EXIT_SIGNAL);

	/* the liquidation: two tags, each share ends */
	trade("A", TL_BUY, "0.100", "50000", "0", 20);
	trade("B", TL_BUY, "0.200", "50000", "0", 21);
	CU_ASSERT_EQUAL(kf_control(TL_CTL_LIQUIDATE, "test"), TL_REJ_NONE);
	char c[TL_CLID_LEN];
	memcpy(c, kf_last(TL_OUT_REQ_NEW)->u.req.client_id, TL_CLID_LEN);
	kf_ack(c, 5);
	kfix_clear();
	kf_fill(c, 22, "50500", "0.3", "0.3");
	CU_ASSERT_EQUAL(trip(0, 0)->reason, TL_EXIT_LIQUIDATION);
	CU_ASSERT_EQUAL(trip(0, 0)->realized, fx("150"));
	const tl_ev_trip_t *a = trip(1, 0), *b = trip(1, 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	CU_ASSERT_EQUAL(a->strategy, 2);
	CU_ASSERT_EQUAL(a->reason, TL_EXIT_LIQUIDATION);
	CU_ASSERT_EQUAL(a->realized, fx("50"));
	CU_ASSERT_EQUAL(a->commission, fx("0.1"));
	CU_ASSERT_EQUAL(b->strategy, 3);
	CU_ASSERT_EQUAL(b->realized, fx("100"));
	CU_ASSERT_EQUAL(b->commission, fx("0.2"));
	CU_ASSERT_PTR_NULL(trip(1, 2));
	CU_ASSERT(tl_kernel_check(&KF->k));
}

TL_TEST_SUITE("kernel.strategy", setup, teardown,
	      TL_TEST(test_validity),
	      TL_TEST(test_tag_rows_and_events),
	      TL_TEST(test_tag_limit),
	      TL_TEST(test_two_tags_opposite_directions),
	      TL_TEST(test_tag_crossing_zero),
	      TL_TEST(test_legs_inherit_the_tag),
	      TL_TEST(test_liquidation_closes_each_tag),
	      TL_TEST(test_check_catches_a_wrong_unrealized),
	      TL_TEST(test_round_trip_partial_closes),
	      TL_TEST(test_round_trip_flip),
	      TL_TEST(test_round_trip_reasons));
