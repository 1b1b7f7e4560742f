/*
 * test_position.c - kernel/position.c on hand-built positions, no kernel:
 * unrealized PnL and ROE the way the venue computes them (leverage scales
 * margin and ROE, never PnL), average entry, realized PnL on reduce, full
 * close, one-way flips, hedge sides that never cross zero, commissions,
 * rounding to the nearest 1e-8, and refusal of bad arguments and overflow
 * without touching the position.
 */
#include "tests/support/tl_test.h"
#include "tests/support/kfix.h"

#include "kernel/position.h"

#include <string.h>

#define T0 (1700000000LL * TL_NS_PER_S)

/* A position on side `ps` at leverage `lev`, flat. */
static tl_position_t pos_new(tl_pos_side_t ps, uint32_t lev)
{
	tl_position_t p;
	memset(&p, 0, sizeof(p));
	p.pos_side = (uint8_t)ps;
	p.leverage = lev;
	return p;
}

/* Apply one fill that must succeed. */
static tl_pos_change_t fill(tl_position_t *p, tl_side_t side, const char *qty,
			    const char *px, const char *fee)
{
	tl_pos_change_t c;
	memset(&c, 0xa5, sizeof(c));
	CU_ASSERT_TRUE_FATAL(tl_pos_apply_fill(p, side, fx(qty), fx(px), fx(fee),
					       T0 + p->fills, &c));
	CU_ASSERT_FALSE(c.overflow);
	return c;
}

/* ---- the worked example and the venue's v3 example ------------ */

static void test_worked_example_long_btc_leverage_10(void)
{
	tl_position_t p = pos_new(TL_PS_BOTH, 10);
	tl_pos_change_t c = fill(&p, TL_BUY, "0.1", "50000", "0");
	CU_ASSERT_TRUE(c.opened);
	CU_ASSERT_EQUAL(p.qty, fx("0.1"));
	CU_ASSERT_EQUAL(p.entry, fx("50000"));
	CU_ASSERT_EQUAL(p.status, TL_POS_OPEN);
	CU_ASSERT_EQUAL(p.opened, T0);

	/* 0.1 * (51000 - 50000) = 100 exactly; ROE = 100 / (0.1*51000/10). */
	CU_ASSERT_EQUAL(tl_pos_unrealized(&p, fx("51000")), fx("100"));
	CU_ASSERT_EQUAL(tl_pos_margin(&p, fx("51000")), fx("510"));
	CU_ASSERT_EQUAL(tl_pos_roe(&p, fx("51000")), fx("0.19607843"));
	tl_pos_mark(&p, fx("51000"));
	CU_ASSERT_EQUAL(p.mark, fx("51000"));
	CU_ASSERT_EQUAL(p.unrealized, fx("100"));
}

static void test_leverage_scales_roe_not_pnl(void)
{
	tl_position_t p = pos_new(TL_PS_BOTH, 20);
	fill(&p, TL_BUY, "0.1", "50000", "0");
	CU_ASSERT_EQUAL(tl_pos_unrealized(&p, fx("51000")), fx("100"));
	CU_ASSERT_EQUAL(tl_pos_margin(&p, fx("51000")), fx("255"));
	/* 100/255 = 0.392156862... -> 0.39215686, double the 10x ROE (up to
	 * the last digit's rounding). */
	CU_ASSERT_EQUAL(tl_pos_roe(&p, fx("51000")), fx("0.39215686"));
	/* a loss at 1x: -100 / 4900 = -0.0204081632... -> -0.02040816 */
	p.leverage = 1;
	CU_ASSERT_EQUAL(tl_pos_unrealized(&p, fx("49000")), fx("-100"));
	CU_ASSERT_EQUAL(tl_pos_roe(&p, fx("49000")), fx("-0.02040816"));
}

static void test_venue_v3_example_ada_long(void)
{
	/* Binance USD-M API docs: 30 @ 0.385, mark 0.41047590, 20x. */
	tl_position_t p = pos_new(TL_PS_BOTH, 20);
	fill(&p, TL_BUY, "30", "0.385", "0");
	CU_ASSERT_EQUAL(tl_pos_unrealized(&p, fx("0.41047590")), fx("0.76427700"));
	CU_ASSERT_EQUAL(tl_pos_margin(&p, fx("0.41047590")), fx("0.61571385"));
	/* ROE = 0.764277 / 0.61571385 = 1.2412860292... */
	CU_ASSERT_EQUAL(tl_pos_roe(&p, fx("0.41047590")), fx("1.24128603"));
}

static void test_short_unrealized_and_roe_signs(void)
{
	tl_position_t p = pos_new(TL_PS_BOTH, 10);
	fill(&p, TL_SELL, "2", "3000", "0");
	CU_ASSERT_EQUAL(p.qty, fx("-2"));
	CU_ASSERT_EQUAL(p.entry, fx("3000"));
	/* -2 * (2900 - 3000) = +200; margin 2*2900/10 = 580 */
	CU_ASSERT_EQUAL(tl_pos_unrealized(&p, fx("2900")), fx("200"));
	CU_ASSERT_EQUAL(tl_pos_margin(&p, fx("2900")), fx("580"));
	CU_ASSERT_EQUAL(tl_pos_roe(&p, fx("2900")), fx("0.34482759"));
	CU_ASSERT_EQUAL(tl_pos_unrealized(&p, fx("3100")), fx("-200"));
}

/* ---- increase, reduce, close, flip --------------------------------------- */

static void test_average_entry_on_increase(void)
{
	tl_position_t p = pos_new(TL_PS_BOTH, 10);
	fill(&p, TL_BUY, "0.1", "50000", "0");
	tl_pos_change_t c = fill(&p, TL_BUY, "0.3", "51000", "0");
	CU_ASSERT_FALSE(c.opened);
	CU_ASSERT_FALSE(c.closed);
	CU_ASSERT_EQUAL(c.realized, 0);
	CU_ASSERT_EQUAL(p.qty, fx("0.4"));
	CU_ASSERT_EQUAL(p.entry, fx("50750"));
	CU_ASSERT_EQUAL(p.realized, 0);
	CU_ASSERT_EQUAL(p.fills, 2);
	CU_ASSERT_EQUAL(p.opened, T0);	/* increase does not reopen */
}

static void test_reduce_realizes_at_entry(void)
{
	tl_position_t p = pos_new(TL_PS_BOTH, 10);
	fill(&p, TL_BUY, "0.1", "50000", "0");
	fill(&p, TL_BUY, "0.3", "51000", "0");
	tl_pos_change_t c = fill(&p, TL_SELL, "0.1", "52000", "0");
	CU_ASSERT_EQUAL(c.realized, fx("125"));	/* 0.1 * (52000 - 50750) */
	CU_ASSERT_FALSE(c.closed);
	CU_ASSERT_FALSE(c.flipped);
	CU_ASSERT_EQUAL(p.qty, fx("0.3"));
	CU_ASSERT_EQUAL(p.entry, fx("50750"));	/* unchanged by a reduce */
	CU_ASSERT_EQUAL(p.realized, fx("125"));
	CU_ASSERT_EQUAL(p.status, TL_POS_OPEN);
	/* a losing reduce adds a negative amount */
	c = fill(&p, TL_SELL, "0.2", "50000", "0");
	CU_ASSERT_EQUAL(c.realized, fx("-150"));
	CU_ASSERT_EQUAL(p.realized, fx("-25"));
	CU_ASSERT_EQUAL(p.qty, fx("0.1"));
}

static void test_full_close(void)
{
	tl_position_t p = pos_new(TL_PS_BOTH, 10);
	fill(&p, TL_BUY, "0.1", "50000", "0");
	tl_pos_mark(&p, fx("50500"));
	CU_ASSERT_EQUAL(p.unrealized, fx("50"));
	tl_pos_change_t c = fill(&p, TL_SELL, "0.1", "50500", "0");
	CU_ASSERT_TRUE(c.closed);
	CU_ASSERT_FALSE(c.opened);
	CU_ASSERT_FALSE(c.flipped);
	CU_ASSERT_EQUAL(c.realized, fx("50"));
	CU_ASSERT_EQUAL(p.qty, 0);
	CU_ASSERT_EQUAL(p.entry, 0);
	CU_ASSERT_EQUAL(p.status, TL_POS_CLOSED);
	CU_ASSERT_EQUAL(p.unrealized, 0);	/* recomputed at the kept mark */
	CU_ASSERT_EQUAL(tl_pos_roe(&p, fx("50500")), 0);
	CU_ASSERT_EQUAL(tl_pos_margin(&p, fx("50500")), 0);
	/* reopening sets OPEN and a new opened time */
	c = fill(&p, TL_SELL, "0.1", "50400", "0");
	CU_ASSERT_TRUE(c.opened);
	CU_ASSERT_EQUAL(p.status, TL_POS_OPEN);
	CU_ASSERT_EQUAL(p.entry, fx("50400"));
	CU_ASSERT_EQUAL(p.opened, T0 + 2);
}

static void test_one_way_flip(void)
{
	tl_position_t p = pos_new(TL_PS_BOTH, 10);
	fill(&p, TL_BUY, "0.1", "50000", "0");
	tl_pos_change_t c = fill(&p, TL_SELL, "0.3", "49000", "0");
	CU_ASSERT_EQUAL(c.realized, fx("-100"));
	CU_ASSERT_TRUE(c.flipped);
	CU_ASSERT_TRUE(c.opened);
	CU_ASSERT_FALSE(c.closed);
	CU_ASSERT_EQUAL(c.excess, 0);
	CU_ASSERT_EQUAL(p.qty, fx("-0.2"));
	CU_ASSERT_EQUAL(p.entry, fx("49000"));
	CU_ASSERT_EQUAL(p.realized, fx("-100"));
	CU_ASSERT_EQUAL(p.status, TL_POS_OPEN);
	CU_ASSERT_EQUAL(p.opened, T0 + 1);
	/* and back again: short -0.2 @ 49000, buy 0.5 @ 48000 -> +200, long 0.3 */
	c = fill(&p, TL_BUY, "0.5", "48000", "0");
	CU_ASSERT_EQUAL(c.realized, fx("200"));
	CU_ASSERT_TRUE(c.flipped);
	CU_ASSERT_EQUAL(p.qty, fx("0.3"));
	CU_ASSERT_EQUAL(p.entry, fx("48000"));
	CU_ASSERT_EQUAL(p.realized, fx("100"));
}

static void test_short_reduce(void)
{
	tl_position_t p = pos_new(TL_PS_BOTH, 10);
	fill(&p, TL_SELL, "2", "3000", "0");
	fill(&p, TL_SELL, "2", "3100", "0");	/* increase a short: entry 3050 */
	CU_ASSERT_EQUAL(p.entry, fx("3050"));
	tl_pos_change_t c = fill(&p, TL_BUY, "1", "2950", "0");
	CU_ASSERT_EQUAL(c.realized, fx("100"));	/* 1 * (2950-3050) * -1 */
	CU_ASSERT_EQUAL(p.qty, fx("-3"));
	CU_ASSERT_EQUAL(p.entry, fx("3050"));

	tl_position_t q = pos_new(TL_PS_BOTH, 10);
	fill(&q, TL_SELL, "2", "3000", "0");
	c = fill(&q, TL_BUY, "1", "2900", "0");
	CU_ASSERT_EQUAL(c.realized, fx("100"));
	CU_ASSERT_EQUAL(q.qty, fx("-1"));
	CU_ASSERT_EQUAL(q.entry, fx("3000"));
}

/* ---- hedge sides ---------------------------------------------------------- */

static void test_hedge_long_never_goes_negative(void)
{
	tl_position_t p = pos_new(TL_PS_LONG, 10);
	fill(&p, TL_BUY, "0.1", "50000", "0");
	tl_pos_change_t c = fill(&p, TL_SELL, "0.3", "51000", "0");
	CU_ASSERT_EQUAL(c.excess, fx("0.2"));
	CU_ASSERT_EQUAL(c.realized, fx("100"));	/* on the 0.1 that existed */
	CU_ASSERT_TRUE(c.closed);
	CU_ASSERT_FALSE(c.flipped);
	CU_ASSERT_FALSE(c.opened);
	CU_ASSERT_EQUAL(p.qty, 0);
	CU_ASSERT_EQUAL(p.entry, 0);
	CU_ASSERT_EQUAL(p.status, TL_POS_CLOSED);
	/* a SELL on a flat LONG applies nothing: all of it is excess */
	c = fill(&p, TL_SELL, "0.05", "51000", "0");
	CU_ASSERT_EQUAL(c.excess, fx("0.05"));
	CU_ASSERT_EQUAL(c.realized, 0);
	CU_ASSERT_FALSE(c.opened);
	CU_ASSERT_EQUAL(p.qty, 0);
	CU_ASSERT_EQUAL(p.realized, fx("100"));
}

static void test_hedge_short_never_goes_positive(void)
{
	tl_position_t p = pos_new(TL_PS_SHORT, 10);
	fill(&p, TL_SELL, "2", "3000", "0");
	CU_ASSERT_EQUAL(p.qty, fx("-2"));
	tl_pos_change_t c = fill(&p, TL_BUY, "5", "2900", "0");
	CU_ASSERT_EQUAL(c.excess, fx("3"));
	CU_ASSERT_EQUAL(c.realized, fx("200"));
	CU_ASSERT_TRUE(c.closed);
	CU_ASSERT_FALSE(c.flipped);
	CU_ASSERT_EQUAL(p.qty, 0);
	CU_ASSERT_EQUAL(p.status, TL_POS_CLOSED);
	/* an exact close has no excess */
	fill(&p, TL_SELL, "1", "3000", "0");
	c = fill(&p, TL_BUY, "1", "3000", "0");
	CU_ASSERT_EQUAL(c.excess, 0);
	CU_ASSERT_TRUE(c.closed);
}

/* ---- commissions and rounding -------------------------------------------- */

static void test_commission_is_separate_from_realized(void)
{
	tl_position_t p = pos_new(TL_PS_BOTH, 10);
	fill(&p, TL_BUY, "0.1", "50000", "2.00000000");
	CU_ASSERT_EQUAL(p.commission, fx("2"));
	CU_ASSERT_EQUAL(p.realized, 0);
	tl_pos_change_t c = fill(&p, TL_SELL, "0.1", "51000", "2.04");
	CU_ASSERT_EQUAL(c.realized, fx("100"));
	CU_ASSERT_EQUAL(p.realized, fx("100"));	/* before fees */
	CU_ASSERT_EQUAL(p.commission, fx("4.04"));
	/* zero commission is fine */
	fill(&p, TL_BUY, "0.1", "50000", "0");
	CU_ASSERT_EQUAL(p.commission, fx("4.04"));
}

static void test_odd_average_rounds_to_nearest(void)
{
	tl_position_t p = pos_new(TL_PS_BOTH, 10);
	/* (0.003*50000.1 + 0.007*50000.3) / 0.01 = 50000.24 exactly */
	fill(&p, TL_BUY, "0.003", "50000.1", "0");
	fill(&p, TL_BUY, "0.007", "50000.3", "0");
	CU_ASSERT_EQUAL(p.qty, fx("0.01"));
	CU_ASSERT_EQUAL(p.entry, fx("50000.24"));

	/* (0.001*50000 + 0.002*50000.1) / 0.003 = 50000.0666666... -> up */
	tl_position_t a = pos_new(TL_PS_BOTH, 10);
	fill(&a, TL_BUY, "0.001", "50000", "0");
	fill(&a, TL_BUY, "0.002", "50000.1", "0");
	CU_ASSERT_EQUAL(a.entry, fx("50000.06666667"));

	/* (2*1.00000001 + 1*1.00000002) / 3 = 1.0000000133... -> down */
	tl_position_t b = pos_new(TL_PS_BOTH, 10);
	fill(&b, TL_BUY, "2", "1.00000001", "0");
	fill(&b, TL_BUY, "1", "1.00000002", "0");
	CU_ASSERT_EQUAL(b.entry, fx("1.00000001"));

	/* exact half rounds away from zero: (1*1.00000001 + 1*1.00000002)/2 */
	tl_position_t h = pos_new(TL_PS_BOTH, 10);
	fill(&h, TL_SELL, "1", "1.00000001", "0");
	fill(&h, TL_SELL, "1", "1.00000002", "0");
	CU_ASSERT_EQUAL(h.entry, fx("1.00000002"));

	/* realized and unrealized PnL also round once, to the nearest 1e-8 */
	tl_pos_change_t c = fill(&a, TL_SELL, "0.001", "50000.01", "0");
	/* 0.001 * (50000.01 - 50000.06666667) = -0.0000566666... -> -0.00005667 */
	CU_ASSERT_EQUAL(c.realized, fx("-0.00005667"));
	/* unrealized: 0.002 * (50000.05 - 50000.06666667) = -0.0000333333 */
	CU_ASSERT_EQUAL(tl_pos_unrealized(&a, fx("50000.05")), fx("-0.00003333"));
}

/* ---- refusals ---------------------------------------------------------------- */

static void expect_refused(tl_position_t *p, int side, tl_fx_t qty, tl_fx_t px,
			   tl_fx_t fee)
{
	tl_position_t before = *p;
	tl_pos_change_t c;
	memset(&c, 0, sizeof(c));
	CU_ASSERT_FALSE(tl_pos_apply_fill(p, (tl_side_t)side, qty, px, fee,
					  T0 + 99, &c));
	CU_ASSERT_EQUAL(memcmp(&before, p, sizeof(*p)), 0);
	CU_ASSERT_EQUAL(c.realized, 0);
	CU_ASSERT_FALSE(c.opened);
	CU_ASSERT_FALSE(c.closed);
}

static void test_bad_arguments_change_nothing(void)
{
	tl_position_t p = pos_new(TL_PS_BOTH, 10);
	fill(&p, TL_BUY, "0.1", "50000", "1");
	tl_pos_mark(&p, fx("50100"));
	expect_refused(&p, TL_SELL, 0, fx("50000"), 0);
	expect_refused(&p, TL_SELL, fx("-0.1"), fx("50000"), 0);
	expect_refused(&p, TL_BUY, fx("0.1"), 0, 0);
	expect_refused(&p, TL_BUY, fx("0.1"), fx("-1"), 0);
	expect_refused(&p, TL_BUY, fx("0.1"), fx("50000"), fx("-0.01"));
	expect_refused(&p, 0, fx("0.1"), fx("50000"), 0);
	expect_refused(&p, 3, fx("0.1"), fx("50000"), 0);
	CU_ASSERT_EQUAL(p.fills, 1);
}

static void test_overflow_changes_nothing(void)
{
	/* quantity sum past int64: 9e10 + 9e10 at 1e-8 */
	tl_position_t p = pos_new(TL_PS_BOTH, 10);
	fill(&p, TL_BUY, "90000000000", "1", "0");
	expect_refused(&p, TL_BUY, fx("90000000000"), fx("1"), 0);
	/* realized past int64: 1e10 closed at a gain of ~9e10 each */
	tl_position_t q = pos_new(TL_PS_BOTH, 10);
	fill(&q, TL_BUY, "10000000000", "1", "0");
	expect_refused(&q, TL_SELL, fx("10000000000"), fx("90000000000"), 0);
	/* commission total past int64 */
	tl_position_t f = pos_new(TL_PS_BOTH, 10);
	fill(&f, TL_BUY, "1", "1", "90000000000");
	expect_refused(&f, TL_BUY, fx("1"), fx("1"), fx("90000000000"));
	/* a size of INT64_MIN (no negation, K8) is an overflow too */
	tl_position_t m = pos_new(TL_PS_BOTH, 10);
	m.qty = INT64_MIN + 1;
	m.entry = 1;
	m.status = TL_POS_OPEN;
	expect_refused(&m, TL_SELL, 1, fx("1"), 0);
	CU_ASSERT_EQUAL(m.qty, INT64_MIN + 1);
	/* unrealized that does not fit reads 0 rather than garbage */
	CU_ASSERT_EQUAL(tl_pos_unrealized(&q, fx("90000000000")), 0);
}

static void test_unrealized_zero_when_flat_or_no_mark(void)
{
	tl_position_t p = pos_new(TL_PS_BOTH, 10);
	CU_ASSERT_EQUAL(tl_pos_unrealized(&p, fx("50000")), 0);
	CU_ASSERT_EQUAL(tl_pos_roe(&p, fx("50000")), 0);
	fill(&p, TL_BUY, "0.1", "50000", "0");
	CU_ASSERT_EQUAL(tl_pos_unrealized(&p, 0), 0);
	CU_ASSERT_EQUAL(tl_pos_roe(&p, 0), 0);
	CU_ASSERT_EQUAL(tl_pos_margin(&p, 0), 0);
	CU_ASSERT_EQUAL(p.unrealized, 0);	/* no mark applied yet */
	p.leverage = 0;
	CU_ASSERT_EQUAL(tl_pos_roe(&p, fx("51000")), 0);
	CU_ASSERT_EQUAL(tl_pos_margin(&p, fx("51000")), 0);
	CU_ASSERT_EQUAL(tl_pos_unrealized(&p, fx("51000")), fx("100"));
	/* a mark applied before the fill is used by the fill */
	tl_position_t q = pos_new(TL_PS_BOTH, 10);
	tl_pos_mark(&q, fx("51000"));
	CU_ASSERT_EQUAL(q.unrealized, 0);
	fill(&q, TL_BUY, "0.1", "50000", "0");
	CU_ASSERT_EQUAL(q.unrealized, fx("100"));
}

/* Regression guard: ROE on values whose exact 1e-16 products do not fit
 * 128 bits must read 0 (like unrealized and margin), not overflow. */
static void test_roe_overflow_reads_zero(void)
{
	tl_position_t p = pos_new(TL_PS_BOTH, 125);
	fill(&p, TL_BUY, "10000000000", "1", "0");
	/* q*(mark-e) = 1e18 * 9e18 at 1e-16; * 125 * 1e8 is past 2^127 */
	CU_ASSERT_EQUAL(tl_pos_roe(&p, fx("90000000000")), 0);
	CU_ASSERT_EQUAL(tl_pos_margin(&p, fx("90000000000")), 0);
	/* the largest value that fits still computes: 1e-8 qty, 1 -> 2 */
	tl_position_t q = pos_new(TL_PS_BOTH, 125);
	fill(&q, TL_BUY, "0.00000001", "1", "0");
	CU_ASSERT_EQUAL(tl_pos_roe(&q, fx("2")), fx("62.5"));
}

TL_TEST_SUITE("kernel.position", NULL, NULL,
	      TL_TEST(test_worked_example_long_btc_leverage_10),
	      TL_TEST(test_leverage_scales_roe_not_pnl),
	      TL_TEST(test_venue_v3_example_ada_long),
	      TL_TEST(test_short_unrealized_and_roe_signs),
	      TL_TEST(test_average_entry_on_increase),
	      TL_TEST(test_reduce_realizes_at_entry),
	      TL_TEST(test_full_close),
	      TL_TEST(test_one_way_flip),
	      TL_TEST(test_short_reduce),
	      TL_TEST(test_hedge_long_never_goes_negative),
	      TL_TEST(test_hedge_short_never_goes_positive),
	      TL_TEST(test_commission_is_separate_from_realized),
	      TL_TEST(test_odd_average_rounds_to_nearest),
	      TL_TEST(test_bad_arguments_change_nothing),
	      TL_TEST(test_overflow_changes_nothing),
	      TL_TEST(test_unrealized_zero_when_flat_or_no_mark),
	      TL_TEST(test_roe_overflow_reads_zero));
