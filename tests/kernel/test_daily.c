/*
 * test_daily.c - the trading day, its PnL and the daily loss limit
 * (kernel/emergency.c; docs/kernel.md "Trading state and liquidation").
 * The day rolls over by the inputs' time alone: every time here is set
 * explicitly. T0 is 2026-12-07 07:00:00 UTC.
 */
#include "tests/support/tl_test.h"
#include "tests/support/kfix.h"

#include <string.h>

#define H (3600 * TL_NS_PER_S)
#define T0 (1796626800LL * TL_NS_PER_S)
#define MIDNIGHT (T0 - 7 * H)   /* 2026-12-07 00:00 UTC */

static void setup(void) {}
static void teardown(void) { kfix_free(KF); }

static void reset8(tl_kernel_cfg_t *c)
{
	c->day_reset_hour = 8;
}

static void daily100(tl_kernel_cfg_t *c)
{
	c->daily_loss_limit = fx("100");
}

/* A long of 0.1 BTC at 50000, filled at time t (marked at 50000). */
static void open_long(tl_time_t t, int64_t trade)
{
	kf_tick_at(t);
	kf_mark("BTCUSDT", "50000");
	uint64_t h;
	CU_ASSERT_EQUAL_FATAL(kf_submit("BTCUSDT", TL_BUY, TL_ORD_MARKET, "0.100", NULL, &h),
			      TL_REJ_NONE);
	kf_ack(kf_clid(h), trade);
	kf_fill(kf_clid(h), trade, "50000", "0.100", "0");
}

static void test_day_rolls_over_at_the_configured_hour(void)
{
	kfix_new(reset8);
	open_long(T0, 1);
	/* 07:00 belongs to the day that began yesterday at 08:00. */
	CU_ASSERT_EQUAL(KF->k.day_start, MIDNIGHT - 16 * H);
	CU_ASSERT_EQUAL(KF->k.day_end, MIDNIGHT + 8 * H);
	kf_mark("BTCUSDT", "49500");		/* -50 */
	CU_ASSERT_EQUAL(tl_kernel_daily_pnl(&KF->k), fx("-50"));
	/* The kernel asks for a tick at the rollover. */
	CU_ASSERT(tl_kernel_next_deadline(&KF->k) <= MIDNIGHT + 8 * H);
	kf_tick_at(MIDNIGHT + 8 * H - 1);
	CU_ASSERT_EQUAL(KF->k.day_start, MIDNIGHT - 16 * H);
	CU_ASSERT_EQUAL(tl_kernel_daily_pnl(&KF->k), fx("-50"));
	kf_tick_at(MIDNIGHT + 8 * H);
	CU_ASSERT_EQUAL(KF->k.day_start, MIDNIGHT + 8 * H);
	CU_ASSERT_EQUAL(KF->k.day_end, MIDNIGHT + 32 * H);
	CU_ASSERT_EQUAL(tl_kernel_daily_pnl(&KF->k), 0);
	CU_ASSERT_EQUAL(tl_kernel_total_pnl(&KF->k), fx("-50"));
	/* The new day counts only what moves in it. */
	kf_mark("BTCUSDT", "49700");		/* +20 today */
	CU_ASSERT_EQUAL(tl_kernel_daily_pnl(&KF->k), fx("20"));
	/* A gap of days: the day is the one the input falls in. */
	kf_tick_at(MIDNIGHT + 3 * 24 * H + 9 * H);
	CU_ASSERT_EQUAL(KF->k.day_start, MIDNIGHT + 3 * 24 * H + 8 * H);
	CU_ASSERT(tl_kernel_check(&KF->k));
}

static void test_default_day_is_utc_midnight(void)
{
	kfix_new(NULL);
	kf_tick_at(T0);
	CU_ASSERT_EQUAL(KF->k.day_start, MIDNIGHT);
	CU_ASSERT_EQUAL(KF->k.day_end, MIDNIGHT + 24 * H);
	kf_tick_at(MIDNIGHT + 24 * H);
	CU_ASSERT_EQUAL(KF->k.day_start, MIDNIGHT + 24 * H);
}

static void test_daily_loss_limit_trips_the_kill_switch(void)
{
	kfix_new(daily100);
	open_long(T0, 1);
	kf_mark("BTCUSDT", "49400");		/* -60 today */
	CU_ASSERT_EQUAL(KF->k.state, TL_TS_NORMAL);
	/* Midnight: yesterday's -60 is not today's. */
	kf_tick_at(MIDNIGHT + 24 * H);
	kf_mark("BTCUSDT", "48800");		/* -60 today, -120 in all */
	CU_ASSERT_EQUAL(tl_kernel_daily_pnl(&KF->k), fx("-60"));
	CU_ASSERT_EQUAL(KF->k.state, TL_TS_NORMAL);
	kf_mark("BTCUSDT", "48400");		/* -100 today: trips */
	CU_ASSERT_EQUAL(KF->k.state, TL_TS_LIQUIDATING);
	CU_ASSERT_STRING_EQUAL(KF->k.emg.reason, "daily loss limit");
	const tl_output_t *close = kf_last(TL_OUT_REQ_NEW);
	CU_ASSERT_PTR_NOT_NULL_FATAL(close);
	CU_ASSERT_EQUAL(close->u.req.side, TL_SELL);
	CU_ASSERT_EQUAL(close->u.req.reduce_only, 1);
	/* Closed: PAUSED. A RESUME the same day is not undone by the daily
	 * limit; the next day re-arms it. */
	kf_ack(close->u.req.client_id, 9);
	kf_fill(close->u.req.client_id, 9, "48400", "0.100", "0");
	CU_ASSERT_EQUAL(KF->k.state, TL_TS_PAUSED);
	CU_ASSERT_EQUAL(kf_control(TL_CTL_RESUME, "operator"), TL_REJ_NONE);
	open_long(KF->now + 1, 10);
	kf_mark("BTCUSDT", "49000");		/* -100 more today */
	CU_ASSERT_EQUAL(KF->k.state, TL_TS_NORMAL);
	kf_tick_at(MIDNIGHT + 48 * H);
	CU_ASSERT_EQUAL(tl_kernel_daily_pnl(&KF->k), 0);
	kf_mark("BTCUSDT", "48000");		/* -100 on the new day */
	CU_ASSERT_EQUAL(KF->k.state, TL_TS_LIQUIDATING);
	CU_ASSERT_STRING_EQUAL(KF->k.emg.reason, "daily loss limit");
	CU_ASSERT(tl_kernel_check(&KF->k));
}

static void test_realized_and_fees_count_in_the_day(void)
{
	kfix_new(daily100);
	open_long(T0, 1);
	uint64_t h;
	CU_ASSERT_EQUAL(kf_signal(TL_SIG_CLOSE_LONG, "BTCUSDT", "0.100", NULL, NULL,
				  NULL, &h), TL_REJ_NONE);
	kf_fill(kf_clid(h), 2, "49300", "0.100", "0.5");	/* -70 - 0.5 fee */
	CU_ASSERT_EQUAL(tl_kernel_daily_pnl(&KF->k), fx("-70.5"));
	CU_ASSERT_EQUAL(KF->k.state, TL_TS_NORMAL);
	/* Realized losses stay in the day: a new position's loss adds up. */
	open_long(KF->now + 1, 3);
	kf_mark("BTCUSDT", "49700");		/* -30 more */
	CU_ASSERT_EQUAL(KF->k.state, TL_TS_LIQUIDATING);
}

static void test_replay_rolls_over_the_same_way(void)
{
	kfix_new(daily100);
	open_long(T0, 1);
	kf_tick_at(MIDNIGHT + 24 * H + 5);
	kf_mark("BTCUSDT", "48900");
	tl_time_t start = KF->k.day_start, end = KF->k.day_end;
	tl_fx_t base = KF->k.day_baseline, pnl = tl_kernel_daily_pnl(&KF->k);
	tl_trading_state_t st = KF->k.state;
	kfix_free(KF);
	kfix_new(daily100);
	open_long(T0, 1);
	kf_tick_at(MIDNIGHT + 24 * H + 5);
	kf_mark("BTCUSDT", "48900");
	CU_ASSERT_EQUAL(KF->k.day_start, start);
	CU_ASSERT_EQUAL(KF->k.day_end, end);
	CU_ASSERT_EQUAL(KF->k.day_baseline, base);
	CU_ASSERT_EQUAL(tl_kernel_daily_pnl(&KF->k), pnl);
	CU_ASSERT_EQUAL(KF->k.state, st);
}

static void test_extreme_times_saturate(void)
{
	kfix_new(reset8);
	kf_tick_at(INT64_MAX - 5);
	CU_ASSERT(KF->k.day_start <= INT64_MAX - 5);
	CU_ASSERT_EQUAL(KF->k.day_end, INT64_MAX);
	CU_ASSERT(tl_kernel_check(&KF->k));
}

static void bad_hour(tl_kernel_cfg_t *c) { c->day_reset_hour = 24; }

static void test_config_is_checked(void)
{
	tl_kernel_cfg_t cfg;
	tl_kernel_cfg_defaults(&cfg);
	CU_ASSERT_EQUAL(cfg.day_reset_hour, 0);
	CU_ASSERT_EQUAL(cfg.daily_loss_limit, 0);
	bad_hour(&cfg);
	tl_symbols_t syms;
	memset(&syms, 0, sizeof(syms));
	tl_kernel_t k;
	memset(&k, 0, sizeof(k));
	char err[128];
	CU_ASSERT_EQUAL(tl_kernel_init(&k, &cfg, &syms, err, sizeof(err)), -1);
	CU_ASSERT_STRING_EQUAL(err, "kernel config: day_reset_hour: expected 0..23");
	cfg.day_reset_hour = 0;
	cfg.daily_loss_limit = -1;
	CU_ASSERT_EQUAL(tl_kernel_init(&k, &cfg, &syms, err, sizeof(err)), -1);
	CU_ASSERT_STRING_EQUAL(err, "kernel config: risk limits: expected >= 0");
	KF = NULL;
}

/* Two positions whose unrealized PnL each fit int64 but whose sum does
 * not (fuzz_record, a crafted journal): the kernel's totals are 128-bit,
 * the published PnL saturates, a gain never wraps into a loss (the daily
 * limit does not trip), and a loss saturates the other way. */
static void adopt(const char *sym, const char *qty, uint32_t id)
{
	tl_input_t in = kf_snap_in(TL_SNAP_POSITION, TL_RECON_TRUST_VENUE, 1, TL_SNAP_MONITOR,
				   id, 0);
	snprintf(in.u.snap.symbol, sizeof(in.u.snap.symbol), "%s", sym);
	in.u.snap.pos_side = TL_PS_BOTH;
	in.u.snap.qty = fx(qty);
	in.u.snap.entry = fx("1");
	kf_apply(&in);
}

static void test_extreme_pnl_saturates(void)
{
	kfix_new(daily100);
	adopt("BTCUSDT", "50000", 1);
	adopt("ETHUSDT", "50000", 1);
	tl_input_t end = kf_snap_in(TL_SNAP_END, TL_RECON_TRUST_VENUE, 1, TL_SNAP_MONITOR, 1, 0);
	kf_apply(&end);
	CU_ASSERT_EQUAL_FATAL(kf_pos("BTCUSDT", TL_PS_BOTH)->qty, fx("50000"));
	CU_ASSERT_EQUAL_FATAL(kf_pos("ETHUSDT", TL_PS_BOTH)->qty, fx("50000"));
	/* each about 5e18 at 1e-8, together past INT64_MAX */
	kf_mark("BTCUSDT", "1000000");
	kf_mark("ETHUSDT", "1000000");
	CU_ASSERT(kf_pos("BTCUSDT", TL_PS_BOTH)->unrealized > INT64_MAX / 2);
	CU_ASSERT(kf_pos("ETHUSDT", TL_PS_BOTH)->unrealized > INT64_MAX / 2);
	CU_ASSERT_EQUAL(tl_kernel_total_pnl(&KF->k), INT64_MAX);
	CU_ASSERT_EQUAL(tl_kernel_daily_pnl(&KF->k), INT64_MAX);
	CU_ASSERT_EQUAL(KF->k.state, TL_TS_NORMAL);
	CU_ASSERT(tl_kernel_check(&KF->k));
	/* the same sizes short: a loss past INT64_MIN reads -INT64_MAX */
	adopt("BTCUSDT", "-50000", 2);
	adopt("ETHUSDT", "-50000", 2);
	end = kf_snap_in(TL_SNAP_END, TL_RECON_TRUST_VENUE, 1, TL_SNAP_MONITOR, 2, 0);
	kf_apply(&end);
	CU_ASSERT_EQUAL(tl_kernel_total_pnl(&KF->k), -INT64_MAX);
	CU_ASSERT_EQUAL(KF->k.state, TL_TS_LIQUIDATING);	/* the daily limit */
	CU_ASSERT(tl_kernel_check(&KF->k));
}

TL_TEST_SUITE("kernel.daily", setup, teardown,
	      TL_TEST(test_extreme_pnl_saturates),
	      TL_TEST(test_day_rolls_over_at_the_configured_hour),
	      TL_TEST(test_default_day_is_utc_midnight),
	      TL_TEST(test_daily_loss_limit_trips_the_kill_switch),
	      TL_TEST(test_realized_and_fees_count_in_the_day),
	      TL_TEST(test_replay_rolls_over_the_same_way),
	      TL_TEST(test_extreme_times_saturate),
	      TL_TEST(test_config_is_checked));
