/*
 * test_binance_limits.c - io/binance/limits.c: the adapter's fixed-window
 * rate limiters. Windows roll at the venue's boundaries; NORMAL requests
 * hold at 90 %, URGENT ones only at 100 %; the venue's header count wins
 * when higher and never lowers ours; the 80 % warning fires once per
 * window; batch sizing for emergency closes; no allocation on any call.
 */
#include "tests/support/tl_test.h"
#include "tests/support/alloc_hook.h"

#include "io/binance/limits.h"

static const tl_binance_limits_cost_t W1 = { { 1, 0, 0 } };     /* a query */
static const tl_binance_limits_cost_t W10 = { { 10, 0, 0 } };   /* premiumIndex, all */
static const tl_binance_limits_cost_t ORD = { { 0, 1, 1 } };    /* one order */
static const tl_binance_limits_cost_t BATCH = { { 5, 5, 1 } };  /* batchOrders */

/* T0: the start of a venue minute. */
#define T0 1700000040000LL

static void test_defaults_and_check(void)
{
	tl_binance_limits_t l;

	tl_binance_limits_init(&l, 0, 0, 0);
	CU_ASSERT_TRUE(tl_binance_limits_check(&l));
	CU_ASSERT_EQUAL(l.w[TL_BINANCE_LIMITS_WEIGHT_1M].limit, 2400);
	CU_ASSERT_EQUAL(l.w[TL_BINANCE_LIMITS_ORDERS_10S].limit, 300);
	CU_ASSERT_EQUAL(l.w[TL_BINANCE_LIMITS_ORDERS_1M].limit, 1200);
	tl_binance_limits_set_limit(&l, TL_BINANCE_LIMITS_ORDERS_10S, 50);
	tl_binance_limits_set_limit(&l, TL_BINANCE_LIMITS_ORDERS_1M, 0);	/* ignored */
	CU_ASSERT_EQUAL(l.w[TL_BINANCE_LIMITS_ORDERS_10S].limit, 50);
	CU_ASSERT_EQUAL(l.w[TL_BINANCE_LIMITS_ORDERS_1M].limit, 1200);
	CU_ASSERT_TRUE(tl_binance_limits_check(&l));
	l.hold_pct = 101;
	CU_ASSERT_FALSE(tl_binance_limits_check(&l));
}

/* Weight 100/min: NORMAL requests stop at 90, URGENT ones go to 100,
 * and both go again when the minute rolls over. */
static void test_normal_holds_at_90_urgent_at_100(void)
{
	tl_binance_limits_t l;
	int i;

	tl_binance_limits_init(&l, 100, 300, 1200);
	for (i = 0; i < 90; i++)
		CU_ASSERT_EQUAL(tl_binance_limits_admit(&l, T0 + i, &W1, TL_BINANCE_LIMITS_NORMAL), 0);
	CU_ASSERT_EQUAL(tl_binance_limits_used(&l, TL_BINANCE_LIMITS_WEIGHT_1M, T0 + 100), 90);
	/* held until the minute's end, nothing charged */
	CU_ASSERT_EQUAL(tl_binance_limits_admit(&l, T0 + 100, &W1, TL_BINANCE_LIMITS_NORMAL), T0 + 60000);
	CU_ASSERT_EQUAL(tl_binance_limits_used(&l, TL_BINANCE_LIMITS_WEIGHT_1M, T0 + 100), 90);
	CU_ASSERT_EQUAL(l.holds, 1);
	/* orders cost no weight: a weight squeeze does not hold them */
	CU_ASSERT_EQUAL(tl_binance_limits_admit(&l, T0 + 100, &ORD, TL_BINANCE_LIMITS_NORMAL), 0);
	for (i = 0; i < 10; i++)
		CU_ASSERT_EQUAL(tl_binance_limits_admit(&l, T0 + 200, &W1, TL_BINANCE_LIMITS_URGENT), 0);
	CU_ASSERT_EQUAL(tl_binance_limits_admit(&l, T0 + 300, &W1, TL_BINANCE_LIMITS_URGENT), T0 + 60000);
	/* the next minute: a fresh window */
	CU_ASSERT_EQUAL(tl_binance_limits_admit(&l, T0 + 60000, &W1, TL_BINANCE_LIMITS_NORMAL), 0);
	CU_ASSERT_EQUAL(tl_binance_limits_used(&l, TL_BINANCE_LIMITS_WEIGHT_1M, T0 + 60000), 1);
	CU_ASSERT_EQUAL(tl_binance_limits_used(&l, TL_BINANCE_LIMITS_WEIGHT_1M, T0 + 120000), 0);
}

/* Orders: the 10 s window rolls on its own boundary, the minute keeps
 * counting; the tighter one holds. */
static void test_order_windows(void)
{
	tl_binance_limits_t l;
	int i;

	tl_binance_limits_init(&l, 2400, 10, 15);
	for (i = 0; i < 9; i++)
		CU_ASSERT_EQUAL(tl_binance_limits_admit(&l, T0 + i, &ORD, TL_BINANCE_LIMITS_NORMAL), 0);
	CU_ASSERT_EQUAL(tl_binance_limits_admit(&l, T0 + 50, &ORD, TL_BINANCE_LIMITS_NORMAL), T0 + 10000);
	CU_ASSERT_EQUAL(tl_binance_limits_admit(&l, T0 + 50, &ORD, TL_BINANCE_LIMITS_URGENT), 0);
	CU_ASSERT_EQUAL(tl_binance_limits_used(&l, TL_BINANCE_LIMITS_ORDERS_10S, T0 + 50), 10);
	/* next 10 s: room on the 10 s limiter; the minute is at 10/15 and
	 * takes orders while below 13.5 (90 %) */
	for (i = 0; i < 4; i++)
		CU_ASSERT_EQUAL(tl_binance_limits_admit(&l, T0 + 10000, &ORD, TL_BINANCE_LIMITS_NORMAL), 0);
	CU_ASSERT_EQUAL(tl_binance_limits_admit(&l, T0 + 10001, &ORD, TL_BINANCE_LIMITS_NORMAL), T0 + 60000);
	CU_ASSERT_EQUAL(tl_binance_limits_used(&l, TL_BINANCE_LIMITS_ORDERS_10S, T0 + 10001), 4);
	CU_ASSERT_EQUAL(tl_binance_limits_used(&l, TL_BINANCE_LIMITS_ORDERS_1M, T0 + 10001), 14);
	/* a limit of 2: 90 % still lets 2 through, never 3 */
	tl_binance_limits_init(&l, 2400, 2, 1200);
	CU_ASSERT_EQUAL(tl_binance_limits_admit(&l, T0, &ORD, TL_BINANCE_LIMITS_NORMAL), 0);
	CU_ASSERT_EQUAL(tl_binance_limits_admit(&l, T0, &ORD, TL_BINANCE_LIMITS_NORMAL), 0);
	CU_ASSERT_EQUAL(tl_binance_limits_admit(&l, T0, &ORD, TL_BINANCE_LIMITS_NORMAL), T0 + 10000);
	CU_ASSERT_EQUAL(tl_binance_limits_admit(&l, T0, &ORD, TL_BINANCE_LIMITS_URGENT), T0 + 10000);
}

/* The venue's count wins when higher (another process on the IP), and
 * a lower header never lowers ours (requests still in flight). */
static void test_headers_venue_wins_when_higher(void)
{
	tl_binance_limits_t l;

	tl_binance_limits_init(&l, 2400, 300, 1200);
	CU_ASSERT_EQUAL(tl_binance_limits_admit(&l, T0, &W10, TL_BINANCE_LIMITS_NORMAL), 0);
	tl_binance_limits_sync(&l, T0 + 5, 2000, -1, -1);
	CU_ASSERT_EQUAL(tl_binance_limits_used(&l, TL_BINANCE_LIMITS_WEIGHT_1M, T0 + 5), 2000);
	CU_ASSERT_EQUAL(l.synced_up, 1);
	tl_binance_limits_sync(&l, T0 + 6, 3, 7, 8);
	CU_ASSERT_EQUAL(tl_binance_limits_used(&l, TL_BINANCE_LIMITS_WEIGHT_1M, T0 + 6), 2000);
	CU_ASSERT_EQUAL(tl_binance_limits_used(&l, TL_BINANCE_LIMITS_ORDERS_10S, T0 + 6), 7);
	CU_ASSERT_EQUAL(tl_binance_limits_used(&l, TL_BINANCE_LIMITS_ORDERS_1M, T0 + 6), 8);
	/* below 2160 (90 %) a normal request goes, but not past 2400 */
	tl_binance_limits_cost_t big = { { 200, 0, 0 } }, huge = { { 500, 0, 0 } };
	CU_ASSERT_EQUAL(tl_binance_limits_admit(&l, T0 + 7, &huge, TL_BINANCE_LIMITS_NORMAL), T0 + 60000);
	tl_binance_limits_sync(&l, T0 + 7, 2160, -1, -1);
	CU_ASSERT_EQUAL(tl_binance_limits_admit(&l, T0 + 7, &W1, TL_BINANCE_LIMITS_NORMAL), T0 + 60000);
	CU_ASSERT_EQUAL(tl_binance_limits_admit(&l, T0 + 7, &big, TL_BINANCE_LIMITS_URGENT), 0);
	CU_ASSERT_EQUAL(tl_binance_limits_used(&l, TL_BINANCE_LIMITS_WEIGHT_1M, T0 + 7), 2360);
	/* absurd header: saturates, does not wrap */
	tl_binance_limits_sync(&l, T0 + 8, (int64_t)1 << 40, -1, -1);
	CU_ASSERT_EQUAL(tl_binance_limits_used(&l, TL_BINANCE_LIMITS_WEIGHT_1M, T0 + 8), UINT32_MAX);
	CU_ASSERT_EQUAL(tl_binance_limits_admit(&l, T0 + 9, &W1, TL_BINANCE_LIMITS_URGENT), T0 + 60000);
}

/* 80 %: reported once per window and per limiter. */
static void test_warning_once_per_window(void)
{
	tl_binance_limits_t l;

	tl_binance_limits_init(&l, 100, 10, 1200);
	CU_ASSERT_EQUAL(tl_binance_limits_warnings(&l, T0), 0);
	tl_binance_limits_sync(&l, T0, 79, -1, -1);
	CU_ASSERT_EQUAL(tl_binance_limits_warnings(&l, T0), 0);
	tl_binance_limits_sync(&l, T0 + 1, 80, 8, -1);
	CU_ASSERT_EQUAL(tl_binance_limits_warnings(&l, T0 + 1),
			(1u << TL_BINANCE_LIMITS_WEIGHT_1M) | (1u << TL_BINANCE_LIMITS_ORDERS_10S));
	tl_binance_limits_sync(&l, T0 + 2, 95, 9, -1);
	CU_ASSERT_EQUAL(tl_binance_limits_warnings(&l, T0 + 2), 0);
	/* the 10 s window rolls: may warn again there, not for weight */
	tl_binance_limits_sync(&l, T0 + 10000, -1, 9, -1);
	CU_ASSERT_EQUAL(tl_binance_limits_warnings(&l, T0 + 10000), 1u << TL_BINANCE_LIMITS_ORDERS_10S);
	CU_ASSERT_STRING_EQUAL(tl_binance_limits_name(TL_BINANCE_LIMITS_WEIGHT_1M), "request weight per minute");
}

/* A cost above the whole limit still goes, alone, into an empty window. */
static void test_oversized_cost_goes_alone(void)
{
	tl_binance_limits_t l;
	tl_binance_limits_cost_t huge = { { 50, 0, 0 } };

	tl_binance_limits_init(&l, 40, 300, 1200);
	CU_ASSERT_EQUAL(tl_binance_limits_admit(&l, T0, &huge, TL_BINANCE_LIMITS_NORMAL), 0);
	CU_ASSERT_EQUAL(tl_binance_limits_admit(&l, T0 + 1, &huge, TL_BINANCE_LIMITS_URGENT), T0 + 60000);
}

/* Batch sizing: 7 closes -> 5 then 2; singles when the 10 s window
 * cannot take a batch's 5 but can take one order. */
static void test_batch_size(void)
{
	tl_binance_limits_t l;

	tl_binance_limits_init(&l, 2400, 300, 1200);
	CU_ASSERT_EQUAL(tl_binance_limits_batch_size(&l, T0, 0), 1);
	CU_ASSERT_EQUAL(tl_binance_limits_batch_size(&l, T0, 1), 1);
	CU_ASSERT_EQUAL(tl_binance_limits_batch_size(&l, T0, 7), 5);
	CU_ASSERT_EQUAL(tl_binance_limits_admit(&l, T0, &BATCH, TL_BINANCE_LIMITS_URGENT), 0);
	CU_ASSERT_EQUAL(tl_binance_limits_batch_size(&l, T0, 2), 2);
	tl_binance_limits_sync(&l, T0 + 1, -1, 297, -1);
	CU_ASSERT_EQUAL(tl_binance_limits_batch_size(&l, T0 + 1, 3), 1);
	CU_ASSERT_EQUAL(tl_binance_limits_admit(&l, T0 + 1, &ORD, TL_BINANCE_LIMITS_URGENT), 0);
	/* the weight window full: singles (no weight) still go */
	tl_binance_limits_init(&l, 2400, 300, 1200);
	tl_binance_limits_sync(&l, T0, 2398, -1, -1);
	CU_ASSERT_EQUAL(tl_binance_limits_batch_size(&l, T0, 5), 1);
	CU_ASSERT_EQUAL(tl_binance_limits_admit(&l, T0, &ORD, TL_BINANCE_LIMITS_URGENT), 0);
}

/* The hot path never touches the heap. */
static void test_no_allocation(void)
{
	tl_binance_limits_t l;
	size_t n;

	tl_alloc_hook_arm();
	tl_binance_limits_init(&l, 0, 0, 0);
	for (int i = 0; i < 1000; i++) {
		(void)tl_binance_limits_admit(&l, T0 + i * 37, &ORD, TL_BINANCE_LIMITS_NORMAL);
		tl_binance_limits_sync(&l, T0 + i * 37, i, i % 300, i);
		(void)tl_binance_limits_warnings(&l, T0 + i * 37);
		(void)tl_binance_limits_batch_size(&l, T0 + i * 37, 7);
	}
	n = tl_alloc_hook_disarm();
	CU_ASSERT_EQUAL(n, 0);
}

TL_TEST_SUITE("io.binance_limits", NULL, NULL,
	      TL_TEST(test_defaults_and_check),
	      TL_TEST(test_normal_holds_at_90_urgent_at_100),
	      TL_TEST(test_order_windows),
	      TL_TEST(test_headers_venue_wins_when_higher),
	      TL_TEST(test_warning_once_per_window),
	      TL_TEST(test_oversized_cost_goes_alone),
	      TL_TEST(test_batch_size),
	      TL_TEST(test_no_allocation));
