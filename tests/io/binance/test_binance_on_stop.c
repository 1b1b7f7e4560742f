/*
 * test_binance_on_stop.c - engine.on_stop against the in-process
 * simulator, which outlives the engine: what a stopped engine left at
 * the venue. leave keeps the resting order (and the position); cancel
 * leaves no order but the position; flatten leaves neither. The final
 * snapshot (what `talon run` lists at its end) says the same.
 */
#define BSIM_CAP_FMT "/tmp/tl_test_bonstop.%d"
#include "tests/io/binance/test_binance_sim_common.h"

#include "io/binance/sync.h"

struct stop_result {
	int venue_orders;           /* open orders at the venue after the stop */
	tl_fx_t venue_amt;          /* positionAmt at the venue after the stop */
	uint32_t snap_orders;       /* the final snapshot's open orders */
	tl_fx_t snap_qty;           /* and its BTCUSDT position */
	int64_t stop_ns;            /* how long tl_engine_stop took */
};

/* A position of 0.010 BTCUSDT and a resting limit buy, then stop with
 * `mode`. */
static void stop_run(tl_on_stop_t mode, struct stop_result *r)
{
	static tl_shm_snapshot_t snap;
	tl_config_t c;
	tl_fx_t amt = -1;

	memset(r, 0, sizeof(*r));
	server_start_copies(2);
	write_xinfo(NULL, NULL);
	cfg_binance_xinfo(&c, 1);
	c.reconcile.sync_interval_s = 0;
	c.on_stop = mode;
	c.stop_timeout_ms = 20000;	/* generous: the machine is shared */
	engine_create_start(&c);
	nev = 0;
	wait_stream_up();
	int64_t end = mono() + 15 * E2E_S;
	while (mono() < end && !sync_stats().start_done)
		nap_ms(2);
	CU_ASSERT_EQUAL_FATAL(sync_stats().start_done, 1);

	market("BTCUSDT", TL_BUY, "0.010", 1);
	CU_ASSERT_TRUE_FATAL(wait_ev(TL_EV_ORDER_FILLED, 15 * E2E_S));
	CU_ASSERT_EQUAL_FATAL(tl_engine_submit(E, &limit_buy, 2), 0);
	/* the limit order's own ACCEPTED (the market order may have one) */
	bool acked = false;
	for (int64_t t = mono() + 15 * E2E_S; !acked && mono() < t;) {
		poll_events();
		for (int i = 0; i < nev && !acked; i++)
			acked = evs[i].type == TL_EV_ORDER_ACCEPTED && evs[i].u.order.user_ref == 2;
		if (!acked)
			nap();
	}
	CU_ASSERT_TRUE_FATAL(acked);
	/* both at the venue before the stop */
	CU_ASSERT_EQUAL(open_orders("BTCUSDT"), 1);
	CU_ASSERT_EQUAL(venue_amt("BTCUSDT", &amt), 0);
	CU_ASSERT_EQUAL(amt, TL_FX_ONE / 100);

	int64_t t0 = mono();
	tl_engine_stop(E);
	r->stop_ns = mono() - t0;
	poll_events();
	CU_ASSERT_TRUE_FATAL(tl_engine_snapshot(E, &snap));
	r->snap_orders = snap.open_orders;
	r->snap_qty = -1;
	for (uint32_t i = 0; i < snap.n_pos; i++)
		if (!strcmp(snap.pos[i].symbol, "BTCUSDT"))
			r->snap_qty = snap.pos[i].qty;
	r->venue_orders = open_orders("BTCUSDT");
	r->venue_amt = -1;
	CU_ASSERT_EQUAL(venue_amt("BTCUSDT", &r->venue_amt), 0);
	capture_end();
	tl_engine_close(E);
	E = NULL;
	server_stop();
	unlink(xinfo_path);
}

static void test_leave_keeps_the_order_at_the_venue(void)
{
	struct stop_result r;
	stop_run(TL_ON_STOP_LEAVE, &r);
	CU_ASSERT_EQUAL(r.venue_orders, 1);
	CU_ASSERT_EQUAL(r.venue_amt, TL_FX_ONE / 100);
	CU_ASSERT_EQUAL(r.snap_orders, 1);
	CU_ASSERT_EQUAL(r.snap_qty, TL_FX_ONE / 100);
	CU_ASSERT_EQUAL(count_ev(TL_EV_ORDER_CANCELED), 0);
}

static void test_cancel_leaves_no_order_but_the_position(void)
{
	struct stop_result r;
	stop_run(TL_ON_STOP_CANCEL, &r);
	CU_ASSERT_EQUAL(r.venue_orders, 0);
	CU_ASSERT_EQUAL(r.venue_amt, TL_FX_ONE / 100);
	CU_ASSERT_EQUAL(r.snap_orders, 0);
	CU_ASSERT_EQUAL(r.snap_qty, TL_FX_ONE / 100);
	CU_ASSERT_EQUAL(count_ev(TL_EV_ORDER_CANCELED), 1);
	/* it waited for the venue's word, not for its timeout */
	CU_ASSERT(r.stop_ns < 15 * E2E_S);
}

static void test_flatten_leaves_no_order_and_no_position(void)
{
	struct stop_result r;
	stop_run(TL_ON_STOP_FLATTEN, &r);
	CU_ASSERT_EQUAL(r.venue_orders, 0);
	CU_ASSERT_EQUAL(r.venue_amt, 0);
	CU_ASSERT_EQUAL(r.snap_orders, 0);
	CU_ASSERT_EQUAL(r.snap_qty, 0);
	CU_ASSERT_TRUE(count_ev(TL_EV_EMERGENCY_COMPLETED) >= 1);
	CU_ASSERT(r.stop_ns < 15 * E2E_S);
}

TL_TEST_SUITE("io.binance_on_stop", NULL, NULL,
	      TL_TEST(test_leave_keeps_the_order_at_the_venue),
	      TL_TEST(test_cancel_leaves_no_order_but_the_position),
	      TL_TEST(test_flatten_leaves_no_order_and_no_position));
