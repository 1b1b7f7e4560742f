/*
 * test_openloop.c - bench/support/openloop.c: the open-loop scheduler.
 *
 * Intended times are exact integers for awkward rates (3/s, 7/s, a prime
 * rate, more than 1e9/s); no drift over 1e6 requests (request k*rate is
 * due exactly k seconds after the start); wait never hands a request out
 * early, never skips one, and a sender that falls behind keeps each
 * request's intended time, so the stall shows in the latency. The fake
 * clock makes those exact; one test repeats the stall on the real clock.
 */
#include "tests/support/tl_test.h"

#include "bench/support/benchutil.h"
#include "bench/support/openloop.h"

#include <stdint.h>
#include <time.h>

/* A fake clock: every read advances `step` ns; a sleep advances by the
 * requested time. `stall_at`: when the clock first passes it, jump by
 * `stall_ns` (a descheduled sender). */
typedef struct fake_clock {
	int64_t t, step;
	int64_t stall_at, stall_ns;
	uint64_t reads, sleeps;
	int64_t slept_ns, longest_sleep;
} fake_clock_t;

static int64_t fake_now(void *arg)
{
	fake_clock_t *c = arg;
	c->reads++;
	c->t += c->step;
	if (c->stall_ns && c->t >= c->stall_at) {
		c->t += c->stall_ns;
		c->stall_ns = 0;
	}
	return c->t;
}

static void fake_sleep(void *arg, int64_t ns)
{
	fake_clock_t *c = arg;
	c->sleeps++;
	c->slept_ns += ns;
	if (ns > c->longest_sleep)
		c->longest_sleep = ns;
	c->t += ns;
}

static void fake_init(tl_openloop_t *ol, fake_clock_t *c, uint64_t rate,
		      int64_t start)
{
	tl_openloop_init(ol, rate, start);
	ol->now = fake_now;
	ol->sleep = fake_sleep;
	ol->arg = c;
}

static void test_intended_exact_for_awkward_rates(void)
{
	tl_openloop_t ol;
	const int64_t s = 123456789;

	tl_openloop_init(&ol, 3, s);
	CU_ASSERT_EQUAL(tl_openloop_intended(&ol, 0), s);
	CU_ASSERT_EQUAL(tl_openloop_intended(&ol, 1), s + 333333333);
	CU_ASSERT_EQUAL(tl_openloop_intended(&ol, 2), s + 666666666);
	CU_ASSERT_EQUAL(tl_openloop_intended(&ol, 3), s + 1000000000);
	CU_ASSERT_EQUAL(tl_openloop_intended(&ol, 4), s + 1333333333);

	tl_openloop_init(&ol, 7, s);
	CU_ASSERT_EQUAL(tl_openloop_intended(&ol, 1), s + 142857142);
	CU_ASSERT_EQUAL(tl_openloop_intended(&ol, 6), s + 857142857);
	CU_ASSERT_EQUAL(tl_openloop_intended(&ol, 7), s + 1000000000);

	/* More than 1e9/s: several requests share a nanosecond. */
	tl_openloop_init(&ol, 3000000000ULL, s);
	CU_ASSERT_EQUAL(tl_openloop_intended(&ol, 1), s);
	CU_ASSERT_EQUAL(tl_openloop_intended(&ol, 2), s);
	CU_ASSERT_EQUAL(tl_openloop_intended(&ol, 3), s + 1);
	CU_ASSERT_EQUAL(tl_openloop_intended(&ol, 3000000000ULL), s + 1000000000);

	/* Large indices: i * 1e9 overflows 64 bits beyond i = 1.8e10. */
	tl_openloop_init(&ol, 1000, 0);
	CU_ASSERT_EQUAL(tl_openloop_intended(&ol, 100000000000ULL),
			100000000000LL * 1000000);

	/* Every gap is floor or ceil of 1e9/rate. */
	static const uint64_t rates[] = { 3, 7, 9973, 999983, 33333333 };
	for (size_t r = 0; r < sizeof rates / sizeof rates[0]; r++) {
		tl_openloop_init(&ol, rates[r], s);
		int64_t lo = (int64_t)(1000000000ULL / rates[r]);
		int bad = 0;
		for (uint64_t i = 1; i < 100000; i++) {
			int64_t gap = tl_openloop_intended(&ol, i) -
				      tl_openloop_intended(&ol, i - 1);
			if (gap != lo && gap != lo + 1)
				bad++;
		}
		CU_ASSERT_EQUAL(bad, 0);
	}
}

static void test_no_drift_over_1e6_requests(void)
{
	/* 1e6 requests at 999,983/s (prime, period not a whole ns) and at
	 * 7/s: every k*rate-th request is due exactly k s after start. */
	static const uint64_t rates[] = { 999983, 7, 30000 };
	for (size_t r = 0; r < sizeof rates / sizeof rates[0]; r++) {
		tl_openloop_t ol;
		fake_clock_t c = { .t = 1000, .step = 1000 };
		const int64_t start = 5000000;
		fake_init(&ol, &c, rates[r], start);
		ol.sleep_max_ns = 1000000000;	/* fewer fake sleeps at 7/s */
		int early = 0, skipped = 0, off_schedule = 0;
		int64_t prev = INT64_MIN;
		for (uint64_t i = 0; i < 1000000; i++) {
			int64_t due = tl_openloop_wait(&ol);
			if (c.t < due)
				early++;	/* handed out before due */
			if (ol.next != i + 1 || due < prev)
				skipped++;
			if (i % rates[r] == 0 &&
			    due != start + (int64_t)(i / rates[r]) * 1000000000LL)
				off_schedule++;
			prev = due;
		}
		CU_ASSERT_EQUAL(early, 0);
		CU_ASSERT_EQUAL(skipped, 0);
		CU_ASSERT_EQUAL(off_schedule, 0);
		/* The last request, computed without accumulation. */
		unsigned __int128 want = (unsigned __int128)999999 * 1000000000u / rates[r];
		CU_ASSERT_EQUAL(prev, start + (int64_t)want);
		/* The sender kept up: never more than a few clock reads late,
		 * and it slept (not spun) through the long gaps. */
		CU_ASSERT_EQUAL(ol.late, 0);
		CU_ASSERT_TRUE(ol.max_late_ns <= 2 * c.step);
		CU_ASSERT_TRUE(c.longest_sleep <= ol.sleep_max_ns);
		if (rates[r] < 1000)
			CU_ASSERT_TRUE(c.slept_ns > (int64_t)(prev - start) / 2);
	}
}

static void test_late_requests_keep_intended_time(void)
{
	/* 1000/s; the sender stalls 25 ms when the clock passes 100.5 ms.
	 * Requests 101..125 are then handed out back to back, each with its
	 * own intended time, and the latency of each is measured from it. */
	tl_openloop_t ol;
	fake_clock_t c = { .t = 0, .step = 10, .stall_at = 100500000,
			   .stall_ns = 25000000 };
	fake_init(&ol, &c, 1000, 0);
	tl_hist_t h;
	tl_hist_init(&h);
	const int64_t service = 20000;	/* each reply takes 20 us */
	for (uint64_t i = 0; i < 300; i++) {
		int64_t due = tl_openloop_wait(&ol);
		CU_ASSERT_EQUAL(due, (int64_t)i * 1000000);
		CU_ASSERT_TRUE(c.t >= due);
		int64_t done = fake_now(&c) + service;
		tl_hist_record(&h, tl_openloop_latency(due, done));
	}
	/* The sender slept from ~100.0 to ~100.95 ms waiting for request
	 * 101; its next clock read saw the stall: 125.95 ms. So 101
	 * (intended at 101 ms) went out 24.95 ms late. */
	CU_ASSERT_TRUE(ol.max_late_ns >= 24940000 && ol.max_late_ns <= 24960000);
	/* Requests 101..125 were late (intended before the stall ended). */
	CU_ASSERT_EQUAL(ol.late, 25);
	/* The stall is visible: 25 of 300 latencies are 0.97 ms or more
	 * (a closed loop would have recorded one slow request, or none):
	 * rank 275 is a normal one, rank 276 a stalled one. */
	CU_ASSERT_TRUE(tl_hist_max(&h) >= 24960000);
	CU_ASSERT_TRUE(tl_hist_percentile(&h, 91.5) < 900000);
	CU_ASSERT_TRUE(tl_hist_percentile(&h, 91.8) > 900000);
	CU_ASSERT_TRUE(tl_hist_percentile(&h, 50) <= (uint64_t)service + 100);
}

static void test_latency_from_intended_time(void)
{
	CU_ASSERT_EQUAL(tl_openloop_latency(1000, 1500), 500);
	CU_ASSERT_EQUAL(tl_openloop_latency(1000, 1000), 0);
	CU_ASSERT_EQUAL(tl_openloop_latency(1000, 999), 0);
	CU_ASSERT_EQUAL(tl_openloop_latency(-5, 5), 10);
	CU_ASSERT_EQUAL(tl_openloop_count(100, 1.0), 100);
	CU_ASSERT_EQUAL(tl_openloop_count(1000, 2.5), 2500);
	CU_ASSERT_EQUAL(tl_openloop_count(100, 0.0), 1);
}

static void test_real_clock_stall_shows(void)
{
	/* 200 requests at 10,000/s on the real clock; the sender sleeps
	 * 5 ms after request 50. No request leaves early; the ones due
	 * during the sleep leave late with their intended time. */
	tl_openloop_t ol;
	int64_t t0 = tl_bench_now_ns() + 1000000;
	tl_openloop_init(&ol, 10000, t0);
	int early = 0;
	uint64_t lat_after_stall = 0;
	for (uint64_t i = 0; i < 200; i++) {
		int64_t due = tl_openloop_wait(&ol);
		int64_t now = tl_bench_now_ns();
		if (now < due || due != t0 + (int64_t)i * 100000)
			early++;
		if (i == 51)
			lat_after_stall = tl_openloop_latency(due, now);
		if (i == 50) {
			struct timespec ts = { 0, 5000000 };
			nanosleep(&ts, NULL);
		}
	}
	CU_ASSERT_EQUAL(early, 0);
	CU_ASSERT_TRUE(lat_after_stall >= 4900000);
	CU_ASSERT_TRUE(ol.late >= 40);	/* 51..~100 were due inside 5 ms */
	CU_ASSERT_TRUE(ol.max_late_ns >= 4900000);
	/* It finished on schedule: the last one was due at t0 + 19.9 ms. */
	CU_ASSERT_TRUE(tl_bench_now_ns() >= t0 + 19900000);
}

TL_TEST_SUITE("bench.openloop", NULL, NULL,
	      TL_TEST(test_intended_exact_for_awkward_rates),
	      TL_TEST(test_no_drift_over_1e6_requests),
	      TL_TEST(test_late_requests_keep_intended_time),
	      TL_TEST(test_latency_from_intended_time),
	      TL_TEST(test_real_clock_stall_shows));
