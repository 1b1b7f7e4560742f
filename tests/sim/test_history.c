/*
 * test_history.c - the venue's price history (sim/history.c) and the
 * bracket ladder (sim/brackets.c) without network: the same seed and
 * clock give the same candles; quiet minutes are flat at the last close;
 * a clock that goes back is clamped; the ring keeps 24 h; fills count as
 * volume with the taker's side; the bracket ladder follows the config and
 * its maintenance margin is continuous across bracket edges.
 */
#include "tests/support/tl_test.h"

#include <string.h>

#include "sim/brackets.h"
#include "sim/history.h"
#include "sim/venue.h"

#define T0 1700000040000LL  /* a minute boundary */
#define MIN TL_SIM_MINUTE_MS

static tl_sim_config_t cfg;

static tl_fx_t px(long long units)
{
	return (tl_fx_t)units * TL_FX_ONE;
}

/* Two venues, same seed, same ticks: identical candles minute by minute;
 * a third with another seed differs somewhere. */
static void test_same_seed_same_candles(void)
{
	static tl_sim_venue_t a, b, c;
	static tl_sim_config_t cfg2;
	tl_sim_candle_t ka, kb, kc;
	bool differs = false;
	int64_t t;
	int m;

	tl_sim_config_defaults(&cfg);
	cfg.sym[0].vol_bps = 20;
	cfg2 = cfg;
	cfg2.seed = cfg.seed + 1;
	CU_ASSERT_EQUAL_FATAL(tl_sim_venue_init(&a, &cfg, T0), 0);
	CU_ASSERT_EQUAL_FATAL(tl_sim_venue_init(&b, &cfg, T0), 0);
	CU_ASSERT_EQUAL_FATAL(tl_sim_venue_init(&c, &cfg2, T0), 0);
	for (t = T0; t <= T0 + 10 * MIN; t += 250) {
		tl_sim_venue_tick(&a, t);
		tl_sim_venue_tick(&b, t);
		tl_sim_venue_tick(&c, t);
	}
	t = T0 + 10 * MIN;
	for (m = 0; m <= 10; m++) {
		CU_ASSERT_TRUE_FATAL(tl_sim_hist_fold(&a.hist, 0, T0 + m * MIN, T0 + m * MIN + MIN - 1, t, &ka));
		CU_ASSERT_TRUE_FATAL(tl_sim_hist_fold(&b.hist, 0, T0 + m * MIN, T0 + m * MIN + MIN - 1, t, &kb));
		CU_ASSERT_TRUE_FATAL(tl_sim_hist_fold(&c.hist, 0, T0 + m * MIN, T0 + m * MIN + MIN - 1, t, &kc));
		CU_ASSERT_EQUAL(memcmp(&ka, &kb, sizeof ka), 0);
		CU_ASSERT_TRUE(ka.l <= ka.o && ka.o <= ka.h && ka.l <= ka.c && ka.c <= ka.h);
		differs = differs || ka.c != kc.c;
	}
	CU_ASSERT_TRUE(differs);
	/* the last close is the live mark */
	CU_ASSERT_EQUAL(ka.c, a.mkt[0].mark);
	tl_sim_venue_free(&a);
	tl_sim_venue_free(&b);
	tl_sim_venue_free(&c);
}

static void test_quiet_minutes_and_clock_back(void)
{
	static tl_sim_hist_t h;
	tl_sim_candle_t k;

	CU_ASSERT_EQUAL_FATAL(tl_sim_hist_init(&h, 1), 0);
	tl_sim_hist_reset(&h, 0, px(100), T0 + 5000);
	tl_sim_hist_price(&h, 0, px(103), T0 + 20000);
	tl_sim_hist_price(&h, 0, px(99), T0 + 30000);
	tl_sim_hist_price(&h, 0, px(101), T0 + 50000);
	/* minute 0: open at the start price, extremes, close */
	CU_ASSERT_TRUE_FATAL(tl_sim_hist_fold(&h, 0, T0, T0 + MIN - 1, T0 + 6 * MIN, &k));
	CU_ASSERT_EQUAL(k.open_time, T0);
	CU_ASSERT_EQUAL(k.o, px(100));
	CU_ASSERT_EQUAL(k.h, px(103));
	CU_ASSERT_EQUAL(k.l, px(99));
	CU_ASSERT_EQUAL(k.c, px(101));
	/* minutes 1..4 had nothing: flat at 101 */
	tl_sim_hist_price(&h, 0, px(110), T0 + 5 * MIN + 1);
	CU_ASSERT_TRUE_FATAL(tl_sim_hist_fold(&h, 0, T0 + 3 * MIN, T0 + 4 * MIN - 1, T0 + 6 * MIN, &k));
	CU_ASSERT_EQUAL(k.o, px(101));
	CU_ASSERT_EQUAL(k.h, px(101));
	CU_ASSERT_EQUAL(k.c, px(101));
	CU_ASSERT_EQUAL(k.vol, 0);
	/* minute 5 opens at the carried close */
	CU_ASSERT_TRUE_FATAL(tl_sim_hist_fold(&h, 0, T0 + 5 * MIN, T0 + 6 * MIN - 1, T0 + 6 * MIN, &k));
	CU_ASSERT_EQUAL(k.o, px(101));
	CU_ASSERT_EQUAL(k.h, px(110));
	/* a record from the past lands on the latest minute */
	tl_sim_hist_price(&h, 0, px(90), T0 + MIN);
	CU_ASSERT_TRUE_FATAL(tl_sim_hist_fold(&h, 0, T0 + MIN, T0 + 2 * MIN - 1, T0 + 6 * MIN, &k));
	CU_ASSERT_EQUAL(k.l, px(101));
	CU_ASSERT_TRUE_FATAL(tl_sim_hist_fold(&h, 0, T0 + 5 * MIN, T0 + 6 * MIN - 1, T0 + 6 * MIN, &k));
	CU_ASSERT_EQUAL(k.l, px(90));
	CU_ASSERT_EQUAL(k.c, px(90));
	/* nothing before the start, nothing after now */
	CU_ASSERT_FALSE(tl_sim_hist_fold(&h, 0, 0, T0 - 1, T0 + 6 * MIN, &k));
	CU_ASSERT_FALSE(tl_sim_hist_fold(&h, 0, T0 + 7 * MIN, T0 + 8 * MIN, T0 + 6 * MIN, &k));
	tl_sim_hist_free(&h);
}

static void test_ring_keeps_a_day_and_volume(void)
{
	static tl_sim_hist_t h;
	tl_sim_candle_t k;
	int64_t now = T0 + 2000 * MIN;

	CU_ASSERT_EQUAL_FATAL(tl_sim_hist_init(&h, 2), 0);
	tl_sim_hist_reset(&h, 1, px(50), T0);
	tl_sim_hist_price(&h, 1, px(51), T0 + 100 * MIN);
	tl_sim_hist_price(&h, 1, px(52), now - 10 * MIN);
	CU_ASSERT_EQUAL(tl_sim_hist_first(&h, 1, now), now - (TL_SIM_HIST_MINUTES - 1) * MIN);
	CU_ASSERT_TRUE_FATAL(tl_sim_hist_fold(&h, 1, 0, now, now, &k));
	CU_ASSERT_EQUAL(k.open_time, now - (TL_SIM_HIST_MINUTES - 1) * MIN);
	CU_ASSERT_EQUAL(k.o, px(51));	/* the minute-100 record aged out */
	CU_ASSERT_EQUAL(k.c, px(52));
	CU_ASSERT_EQUAL(tl_sim_hist_price_at(&h, 1, now - 5 * MIN, now), px(52));
	/* fills: taker buy counts as taker-buy volume, a sell does not */
	tl_sim_hist_trade(&h, 1, px(52), px(2), true, 7, now - MIN);
	tl_sim_hist_trade(&h, 1, px(53), px(1), false, 8, now - MIN + 1);
	CU_ASSERT_TRUE_FATAL(tl_sim_hist_fold(&h, 1, now - MIN, now, now, &k));
	CU_ASSERT_EQUAL(k.vol, px(3));
	CU_ASSERT_EQUAL(k.qvol, px(157));
	CU_ASSERT_EQUAL(k.tb_vol, px(2));
	CU_ASSERT_EQUAL(k.tb_qvol, px(104));
	CU_ASSERT_EQUAL(k.count, 2);
	CU_ASSERT_EQUAL(k.first_id, 7);
	CU_ASSERT_EQUAL(k.last_id, 8);
	CU_ASSERT_EQUAL(k.last_qty, px(1));
	CU_ASSERT_EQUAL(k.c, px(52));	/* fills do not move the price path */
	tl_sim_hist_free(&h);
}

/* A 20x symbol: the ladder starts at 20x, steps down Binance's way, and
 * maintenance margin is continuous at every edge. */
static void test_bracket_ladder(void)
{
	tl_sim_bracket_t b[TL_SIM_BRACKETS_MAX];
	tl_sim_symbol_cfg_t s;
	int n, i;

	tl_sim_config_defaults(&cfg);
	s = cfg.sym[0];
	s.max_leverage = 20;
	s.maint_rate = TL_FX_ONE / 100;         /* 1% */
	s.max_notional = px(200000);
	n = tl_sim_brackets(&s, b);
	CU_ASSERT_EQUAL(n, 7);                  /* 20 10 5 4 3 2 1 */
	CU_ASSERT_EQUAL(b[0].initial_leverage, 20);
	CU_ASSERT_EQUAL(b[0].cap, px(10000));
	CU_ASSERT_EQUAL(b[0].mmr, TL_FX_ONE / 100);
	CU_ASSERT_EQUAL(b[1].initial_leverage, 10);
	CU_ASSERT_EQUAL(b[1].floor, px(10000));
	CU_ASSERT_EQUAL(b[1].cap, px(30000));
	CU_ASSERT_EQUAL(b[1].mmr, TL_FX_ONE / 50);   /* 1% x 20 / 10 */
	CU_ASSERT_EQUAL(b[1].cum, px(100));          /* 10000 x 1% */
	CU_ASSERT_EQUAL(b[6].initial_leverage, 1);
	CU_ASSERT_EQUAL(b[6].mmr, TL_FX_ONE / 5);    /* 1% x 20, under 0.5 */
	for (i = 1; i < n; i++) {
		tl_fx_t below = tl_sim_brackets_maint(&s, b[i].floor - 1);
		tl_fx_t at = tl_sim_brackets_maint(&s, b[i].floor);
		CU_ASSERT_TRUE(at - below >= 0 && at - below <= TL_FX_ONE / 1000);
		CU_ASSERT_TRUE(b[i].mmr >= b[i - 1].mmr);
		CU_ASSERT_TRUE(b[i].cap > b[i].floor);
	}
	CU_ASSERT_EQUAL(tl_sim_brackets_maint(&s, px(5000)), px(50));
	CU_ASSERT_EQUAL(tl_sim_brackets_maint(&s, px(20000)), px(300)); /* 400 - 100 */
	/* 1x: one bracket */
	s.max_leverage = 1;
	CU_ASSERT_EQUAL(tl_sim_brackets(&s, b), 1);
}

TL_TEST_SUITE("sim.history", NULL, NULL,
	      TL_TEST(test_same_seed_same_candles),
	      TL_TEST(test_quiet_minutes_and_clock_back),
	      TL_TEST(test_ring_keeps_a_day_and_volume),
	      TL_TEST(test_bracket_ladder));
