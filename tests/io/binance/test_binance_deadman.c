/*
 * test_binance_deadman.c - io/binance/deadman.c: the renewal schedule of
 * countdownCancelAll. Off sends nothing; a round renews every symbol
 * once, every countdown/4; a stale engine heartbeat (older than half the
 * countdown) starts no round and is counted once per stale spell; a
 * failed renewal brings the next round within 1 s; no allocation.
 */
#include "tests/support/tl_test.h"
#include "tests/support/alloc_hook.h"

#include "io/binance/deadman.h"

#define MS 1000000LL
#define S (1000 * MS)

static void test_off_sends_nothing(void)
{
	tl_binance_deadman_t d;

	tl_binance_deadman_init(&d, 0, 3);
	CU_ASSERT_EQUAL(tl_binance_deadman_due(&d, 0, -1), -1);
	CU_ASSERT_EQUAL(tl_binance_deadman_due(&d, 100 * S, 0), -1);
	tl_binance_deadman_init(&d, 120000, 0);
	CU_ASSERT_EQUAL(tl_binance_deadman_due(&d, 0, -1), -1);
}

/* 120 s countdown, 2 symbols: a round at once, then every 30 s. */
static void test_rounds_every_quarter(void)
{
	tl_binance_deadman_t d;
	int64_t t = 1000 * S;

	tl_binance_deadman_init(&d, 120000, 2);
	CU_ASSERT_EQUAL(d.period_ns, 30 * S);
	CU_ASSERT_EQUAL(tl_binance_deadman_due(&d, t, 0), 0);
	CU_ASSERT_EQUAL(tl_binance_deadman_due(&d, t, 0), 1);
	CU_ASSERT_EQUAL(tl_binance_deadman_due(&d, t, 0), -1);
	tl_binance_deadman_done(&d, 0, true, t);
	tl_binance_deadman_done(&d, 1, true, t);
	CU_ASSERT_EQUAL(d.armed, 2);
	CU_ASSERT_EQUAL(d.renewals, 2);
	CU_ASSERT_EQUAL(tl_binance_deadman_due(&d, t + 29 * S, 0), -1);
	CU_ASSERT_EQUAL(tl_binance_deadman_due(&d, t + 30 * S, 0), 0);
	CU_ASSERT_EQUAL(tl_binance_deadman_due(&d, t + 30 * S, 0), 1);
	CU_ASSERT_EQUAL(tl_binance_deadman_due(&d, t + 31 * S, 0), -1);
	/* no heartbeat known (-1): taken as alive */
	CU_ASSERT_EQUAL(tl_binance_deadman_due(&d, t + 60 * S, -1), 0);
}

/* The heartbeat older than countdown/2: no round, counted once per
 * stale spell; fresh again: the round goes at once. */
static void test_stale_heartbeat_skips_rounds(void)
{
	tl_binance_deadman_t d;
	int64_t t = 5 * S;

	tl_binance_deadman_init(&d, 10000, 1);
	CU_ASSERT_EQUAL(tl_binance_deadman_due(&d, t, 1 * S), 0);
	/* the next round is due at t + 2.5 s; 5 s old is half: still fresh */
	CU_ASSERT_EQUAL(tl_binance_deadman_due(&d, t + 3 * S, 5 * S), 0);
	CU_ASSERT_EQUAL(d.stale_rounds, 0);
	tl_binance_deadman_init(&d, 10000, 1);
	CU_ASSERT_EQUAL(tl_binance_deadman_due(&d, t, 5 * S + 1), -1);
	CU_ASSERT_EQUAL(tl_binance_deadman_due(&d, t + 1, 6 * S), -1);
	CU_ASSERT_EQUAL(d.stale_rounds, 1);
	CU_ASSERT_TRUE(d.stale);
	CU_ASSERT_EQUAL(tl_binance_deadman_due(&d, t + 2, 0), 0);
	CU_ASSERT_FALSE(d.stale);
	CU_ASSERT_EQUAL(tl_binance_deadman_due(&d, t + 3, 9 * S), -1);
	CU_ASSERT_EQUAL(tl_binance_deadman_due(&d, t + 3 * S, 9 * S), -1);
	CU_ASSERT_EQUAL(d.stale_rounds, 2);
}

/* A failed renewal: the next round within 1 s, not a whole period. */
static void test_failure_retries_within_a_second(void)
{
	tl_binance_deadman_t d;
	int64_t t = 50 * S;

	tl_binance_deadman_init(&d, 600000, 2);
	CU_ASSERT_EQUAL(tl_binance_deadman_due(&d, t, 0), 0);
	CU_ASSERT_EQUAL(tl_binance_deadman_due(&d, t, 0), 1);
	tl_binance_deadman_done(&d, 0, true, t + 10 * MS);
	tl_binance_deadman_done(&d, 1, false, t + 10 * MS);
	CU_ASSERT_EQUAL(d.failures, 1);
	CU_ASSERT_EQUAL(tl_binance_deadman_due(&d, t + 900 * MS, 0), -1);
	CU_ASSERT_EQUAL(tl_binance_deadman_due(&d, t + 1010 * MS, 0), 0);
	CU_ASSERT_EQUAL(tl_binance_deadman_due(&d, t + 1010 * MS, 0), 1);
	/* a success does not pull the next round in */
	tl_binance_deadman_done(&d, 0, true, t + 1020 * MS);
	tl_binance_deadman_done(&d, 1, true, t + 1020 * MS);
	CU_ASSERT_EQUAL(tl_binance_deadman_due(&d, t + 1010 * MS + 149 * S, 0), -1);
	CU_ASSERT_EQUAL(tl_binance_deadman_due(&d, t + 1010 * MS + 150 * S, 0), 0);
}

static void test_no_allocation(void)
{
	tl_binance_deadman_t d;
	size_t n;

	tl_alloc_hook_arm();
	tl_binance_deadman_init(&d, 5000, 4);
	for (int i = 0; i < 10000; i++) {
		int s = tl_binance_deadman_due(&d, (int64_t)i * MS, i % 7 ? 0 : 3 * S);
		if (s >= 0)
			tl_binance_deadman_done(&d, s, i % 5 != 0, (int64_t)i * MS);
	}
	n = tl_alloc_hook_disarm();
	CU_ASSERT_EQUAL(n, 0);
	CU_ASSERT(d.renewals > 0);
}

TL_TEST_SUITE("io.binance_deadman", NULL, NULL,
	      TL_TEST(test_off_sends_nothing),
	      TL_TEST(test_rounds_every_quarter),
	      TL_TEST(test_stale_heartbeat_skips_rounds),
	      TL_TEST(test_failure_retries_within_a_second),
	      TL_TEST(test_no_allocation));
