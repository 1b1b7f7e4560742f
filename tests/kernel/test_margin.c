/*
 * test_margin.c - the pre-trade margin check (kernel/risk.c,
 * INSUFFICIENT_MARGIN; docs/kernel.md "Pre-trade checks").
 *
 * Fixture: BTCUSDT marked at 50000, ETHUSDT at 3000, leverage 10, taker
 * rate 0.0005. A MARKET BUY of 0.1 BTC needs 5000 / 10 + 5000 x 0.0005 =
 * 502.5 of margin.
 */
#include "tests/support/tl_test.h"
#include "tests/support/kfix.h"

#include <string.h>

static void setup(void)
{
	kfix_new_marked();
}
static void teardown(void) { kfix_free(KF); }

/* The venue reports its wallet balance (a snapshot's END, nothing open). */
static void balance(const char *b)
{
	static uint32_t id = 1;
	tl_input_t in = kf_snap_in(TL_SNAP_END, TL_RECON_TRUST_VENUE, 1, TL_SNAP_START,
				   id += 2, KF->now);
	in.u.snap.balance = fx(b);
	kf_apply(&in);
}

static tl_reject_t buy(const char *qty, const char *px, uint64_t *h)
{
	return kf_submit("BTCUSDT", TL_BUY, px ? TL_ORD_LIMIT : TL_ORD_MARKET, qty, px, h);
}

static void test_no_balance_known_no_check(void)
{
	CU_ASSERT_FALSE(KF->k.balance_known);
	tl_fx_t a;
	CU_ASSERT_FALSE(tl_kernel_available(&KF->k, &a));
	CU_ASSERT_EQUAL(buy("10", NULL, NULL), TL_REJ_NONE);	/* 50,000 of margin */
	/* A balance of 0 reported (no USDT asset): still unknown. */
	balance("0");
	CU_ASSERT_FALSE(KF->k.balance_known);
}

static void test_margin_and_fee_against_the_balance(void)
{
	balance("502.49999999");
	kfix_clear();
	CU_ASSERT_EQUAL(buy("0.100", NULL, NULL), TL_REJ_INSUFFICIENT_MARGIN);
	CU_ASSERT_EQUAL(kf_count(TL_OUT_REQ_NEW), 0);
	CU_ASSERT_EQUAL(kf_count(TL_OUT_ID_RESERVE), 0);
	const tl_output_t *ev = kf_last_ev(TL_EV_ORDER_REJECTED);
	CU_ASSERT_PTR_NOT_NULL_FATAL(ev);
	CU_ASSERT_EQUAL(ev->u.ev.u.order.reject, TL_REJ_INSUFFICIENT_MARGIN);
	CU_ASSERT_STRING_EQUAL(ev->u.ev.text, tl_reject_msg(TL_REJ_INSUFFICIENT_MARGIN));
	CU_ASSERT_EQUAL(KF->k.ctr.refusals[TL_REJ_INSUFFICIENT_MARGIN], 1);
	CU_ASSERT_STRING_EQUAL(tl_reject_name(TL_REJ_INSUFFICIENT_MARGIN),
			       "INSUFFICIENT_MARGIN");
	balance("502.5");
	CU_ASSERT_EQUAL(buy("0.100", NULL, NULL), TL_REJ_NONE);
	/* A limit order is judged at its price: 0.1 x 45000 = 4500 -> 452.25. */
	kfix_free(KF);
	kfix_new_marked();
	balance("452.25");
	CU_ASSERT_EQUAL(buy("0.100", "45000.1", NULL), TL_REJ_INSUFFICIENT_MARGIN);
	CU_ASSERT_EQUAL(buy("0.100", "45000", NULL), TL_REJ_NONE);
}

static void leverage20(tl_kernel_cfg_t *c) { c->leverage = 20; c->taker_rate = 0; }

static void test_leverage_and_taker_rate_from_config(void)
{
	kfix_free(KF);
	kfix_new(leverage20);
	kf_mark("BTCUSDT", "50000");
	balance("250");
	CU_ASSERT_EQUAL(buy("0.100", NULL, NULL), TL_REJ_NONE);	/* 250 + 0 */
	CU_ASSERT_EQUAL(buy("0.002", NULL, NULL), TL_REJ_INSUFFICIENT_MARGIN);
	/* Per-symbol leverage counts. */
	kfix_free(KF);
	kfix_new(leverage20);
	CU_ASSERT_EQUAL(tl_kernel_set_leverage(&KF->k, "BTCUSDT", 50), 0);
	kf_mark("BTCUSDT", "50000");
	balance("100");
	CU_ASSERT_EQUAL(buy("0.100", NULL, NULL), TL_REJ_NONE);	/* 100 */
}

static void test_positions_open_orders_and_pnl_use_the_balance(void)
{
	balance("1100");
	uint64_t h;
	/* A resting buy of 0.1 at 49000 holds 500 (at the mark) + its own fee
	 * was judged when it went in. */
	CU_ASSERT_EQUAL(buy("0.100", "49000", &h), TL_REJ_NONE);
	tl_fx_t a;
	CU_ASSERT(tl_kernel_available(&KF->k, &a));
	CU_ASSERT_EQUAL(a, fx("600"));
	CU_ASSERT_EQUAL(buy("0.100", NULL, NULL), TL_REJ_NONE);	/* 502.5 of 600 */
	uint64_t m = 0;
	CU_ASSERT_EQUAL(KF->k.orders.n_active, 2);
	/* Fill the market order: its position holds 500; fee 2.5 paid. */
	for (tl_order_t *o = tl_orders_active_first(&KF->k.orders); o;
	     o = tl_orders_next(&KF->k.orders, o))
		if (o->type == TL_ORD_MARKET)
			m = tl_orders_handle(&KF->k.orders, o);
	kf_ack(kf_clid(m), 7);
	kf_fill(kf_clid(m), 7, "50000", "0.100", "2.5");
	CU_ASSERT(tl_kernel_available(&KF->k, &a));
	CU_ASSERT_EQUAL(a, fx("97.5"));		/* 1100 - 2.5 - 500 - 500 */
	CU_ASSERT_EQUAL(kf_submit("ETHUSDT", TL_BUY, TL_ORD_MARKET, "0.400", NULL, NULL),
			TL_REJ_INSUFFICIENT_MARGIN);	/* 120 + 0.6 */
	/* The mark rises: unrealized profit frees margin (and the margin in
	 * use grows with the mark): 1100 - 2.5 + 100 - 510 - 510 = 177.5. */
	kf_mark("BTCUSDT", "51000");
	CU_ASSERT(tl_kernel_available(&KF->k, &a));
	CU_ASSERT_EQUAL(a, fx("177.5"));
	CU_ASSERT_EQUAL(kf_submit("ETHUSDT", TL_BUY, TL_ORD_MARKET, "0.400", NULL, NULL),
			TL_REJ_NONE);
	/* Canceling the resting order frees what it held. */
	kf_cancel(kf_clid(h));
	kf_update(kf_clid(h), TL_ST_CANCELED, 0);
	CU_ASSERT(tl_kernel_available(&KF->k, &a));
	CU_ASSERT(a > fx("500"));
}

static void test_reducing_orders_are_exempt(void)
{
	balance("600");
	uint64_t h;
	CU_ASSERT_EQUAL(kf_signal(TL_SIG_LONG_ENTRY, "BTCUSDT", "0.100", NULL, "52000",
				  "49000", &h), TL_REJ_NONE);
	kf_ack(kf_clid(h), 1);
	kf_fill(kf_clid(h), 1, "50000", "0.100", "0");
	/* The legs (kernel-made, reduce-only) went out; nothing is left. */
	CU_ASSERT_EQUAL(kf_count(TL_OUT_REQ_NEW), 3);
	kf_mark("BTCUSDT", "45000");		/* -500 */
	tl_fx_t a;
	CU_ASSERT(tl_kernel_available(&KF->k, &a));
	CU_ASSERT(a < 0);
	CU_ASSERT_EQUAL(buy("0.003", NULL, NULL), TL_REJ_INSUFFICIENT_MARGIN);
	tl_in_submit_t s = kf_submit_spec("BTCUSDT", TL_SELL, TL_ORD_MARKET, "0.100", NULL);
	s.reduce_only = 1;
	CU_ASSERT_EQUAL(kf_submit_ex(&s, NULL), TL_REJ_NONE);
	CU_ASSERT_EQUAL(kf_signal(TL_SIG_CLOSE_LONG, "BTCUSDT", "0.100", NULL, NULL, NULL,
				  NULL), TL_REJ_NONE);
}

static void test_realized_since_the_snapshot_moves_the_wallet(void)
{
	balance("600");
	uint64_t h;
	CU_ASSERT_EQUAL(buy("0.100", NULL, &h), TL_REJ_NONE);
	kf_ack(kf_clid(h), 1);
	kf_fill(kf_clid(h), 1, "50000", "0.100", "0");
	uint64_t c;
	CU_ASSERT_EQUAL(kf_signal(TL_SIG_CLOSE_LONG, "BTCUSDT", "0.100", NULL, NULL, NULL,
				  &c), TL_REJ_NONE);
	kf_fill(kf_clid(c), 2, "49000", "0.100", "1");	/* -100 - 1 */
	tl_fx_t a;
	CU_ASSERT(tl_kernel_available(&KF->k, &a));
	CU_ASSERT_EQUAL(a, fx("499"));
	/* A new snapshot is the venue's word again (it includes those). */
	balance("499");
	CU_ASSERT(tl_kernel_available(&KF->k, &a));
	CU_ASSERT_EQUAL(a, fx("499"));
	CU_ASSERT_EQUAL(buy("0.100", NULL, NULL), TL_REJ_INSUFFICIENT_MARGIN);
	CU_ASSERT(tl_kernel_check(&KF->k));
}

static void test_taker_rate_default_and_bounds(void)
{
	tl_kernel_cfg_t cfg;
	tl_kernel_cfg_defaults(&cfg);
	CU_ASSERT_EQUAL(cfg.taker_rate, fx("0.0005"));
	cfg.taker_rate = fx("0.01000001");
	tl_symbols_t syms;
	memset(&syms, 0, sizeof(syms));
	tl_kernel_t k;
	memset(&k, 0, sizeof(k));
	char err[128];
	CU_ASSERT_EQUAL(tl_kernel_init(&k, &cfg, &syms, err, sizeof(err)), -1);
	CU_ASSERT_STRING_EQUAL(err, "kernel config: taker_rate: expected 0..0.01");
	cfg.taker_rate = -1;
	CU_ASSERT_EQUAL(tl_kernel_init(&k, &cfg, &syms, err, sizeof(err)), -1);
}

TL_TEST_SUITE("kernel.margin", setup, teardown,
	      TL_TEST(test_no_balance_known_no_check),
	      TL_TEST(test_margin_and_fee_against_the_balance),
	      TL_TEST(test_leverage_and_taker_rate_from_config),
	      TL_TEST(test_positions_open_orders_and_pnl_use_the_balance),
	      TL_TEST(test_reducing_orders_are_exempt),
	      TL_TEST(test_realized_since_the_snapshot_moves_the_wallet),
	      TL_TEST(test_taker_rate_default_and_bounds));
