/*
 * test_hist.c - bench/support/hist.c: the log-linear latency histogram.
 *
 * Percentiles are checked against the nearest-rank value of a sorted copy
 * of the same data (the bound of hist.h: true <= reported <= true + true/128),
 * on several seeded random distributions; merge against recording
 * everything into one histogram; min/max exact; empty; 0 and 1e12 ns; the
 * bucket layout itself; and that recording never allocates.
 *
 * hist.c lives in libtalon_bench.a, which tests/bench/ programs link.
 */
#include "tests/support/tl_test.h"
#include "tests/support/alloc_hook.h"

#include "bench/support/hist.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define NVALS 100000

static const double pcts[] = { 0.0, 0.001, 1, 10, 25, 50, 75, 90, 99, 99.9,
			       99.99, 99.999, 100 };

static tl_hist_t *hist_new(void)
{
	tl_hist_t *h = malloc(sizeof(*h));
	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	tl_hist_init(h);
	return h;
}

static uint64_t rng_state;

static uint64_t rng_next(void)
{
	/* splitmix64: fixed seeds, reproducible failures. */
	uint64_t z = (rng_state += 0x9E3779B97F4A7C15ULL);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

/* The nearest-rank percentile of sorted v[0..n), as hist.h defines it. */
static uint64_t sorted_pct(const uint64_t *v, uint64_t n, double p)
{
	if (p <= 0)
		return v[0];
	if (p >= 100)
		return v[n - 1];
	double x = p / 100.0 * (double)n;
	uint64_t rank = (uint64_t)x;
	if ((double)rank < x)
		rank++;
	if (rank < 1)
		rank = 1;
	return v[rank - 1];
}

/* Every percentile of h within the documented bound of the sorted truth. */
static int check_pcts(const tl_hist_t *h, uint64_t *v, uint64_t n)
{
	int bad = 0;
	qsort(v, n, sizeof(*v), cmp_u64);
	for (size_t i = 0; i < sizeof(pcts) / sizeof(pcts[0]); i++) {
		uint64_t want = sorted_pct(v, n, pcts[i]);
		uint64_t got = tl_hist_percentile(h, pcts[i]);
		if (got < want || got - want > want / 128) {
			fprintf(stderr, "p%g: got %llu, true %llu\n", pcts[i],
				(unsigned long long)got, (unsigned long long)want);
			bad++;
		}
		if (want < 256 && got != want)
			bad++;	/* exact below 256 */
	}
	return bad;
}

typedef uint64_t (*gen_fn)(void);

static uint64_t gen_uniform_small(void) { return rng_next() % 300; }
static uint64_t gen_uniform_wide(void) { return rng_next() % 10000000; }
static uint64_t gen_latency(void)
{
	/* Mostly 100-600 ns, a tail to ~100 us, rare ms-scale outliers. */
	uint64_t r = rng_next();
	uint64_t base = 100 + (r % 500);
	if ((r >> 20) % 100 == 0)
		base += (r >> 32) % 100000;
	if ((r >> 40) % 10000 == 0)
		base += 5000000 + (r >> 8) % 1000000;
	return base;
}
static uint64_t gen_log(void)
{
	/* Spread over every power of two up to 2^50. */
	uint64_t r = rng_next();
	unsigned k = (unsigned)(r % 51);
	return (rng_next() >> (63 - k)) | (UINT64_C(1) << k >> 1);
}

static void test_percentiles_match_sorted_within_bound(void)
{
	static const gen_fn gens[] = { gen_uniform_small, gen_uniform_wide,
				       gen_latency, gen_log };
	uint64_t *v = malloc(NVALS * sizeof(*v));
	CU_ASSERT_PTR_NOT_NULL_FATAL(v);
	for (size_t g = 0; g < sizeof(gens) / sizeof(gens[0]); g++) {
		tl_hist_t *h = hist_new();
		rng_state = 42 + g;
		uint64_t mn = UINT64_MAX, mx = 0;
		unsigned __int128 sum = 0;
		for (uint64_t i = 0; i < NVALS; i++) {
			v[i] = gens[g]();
			mn = v[i] < mn ? v[i] : mn;
			mx = v[i] > mx ? v[i] : mx;
			sum += v[i];
			tl_hist_record(h, v[i]);
		}
		CU_ASSERT_TRUE(tl_hist_check(h));
		CU_ASSERT_EQUAL(tl_hist_count(h), NVALS);
		CU_ASSERT_EQUAL(tl_hist_min(h), mn);
		CU_ASSERT_EQUAL(tl_hist_max(h), mx);
		CU_ASSERT_DOUBLE_EQUAL(tl_hist_mean(h), (double)sum / NVALS, 1e-6 * (double)mx);
		CU_ASSERT_EQUAL(check_pcts(h, v, NVALS), 0);
		free(h);
	}
	free(v);
}

static void test_small_counts_nearest_rank(void)
{
	/* 1..10: p50 is the 5th value, p90 the 9th, p91 the 10th. */
	tl_hist_t *h = hist_new();
	for (uint64_t i = 10; i >= 1; i--)
		tl_hist_record(h, i * 1000);
	CU_ASSERT_TRUE(tl_hist_percentile(h, 50) >= 5000 && tl_hist_percentile(h, 50) <= 5000 + 5000 / 128);
	CU_ASSERT_TRUE(tl_hist_percentile(h, 90) >= 9000 && tl_hist_percentile(h, 90) <= 9000 + 9000 / 128);
	CU_ASSERT_EQUAL(tl_hist_percentile(h, 91), 10000);
	CU_ASSERT_EQUAL(tl_hist_percentile(h, 100), 10000);
	CU_ASSERT_EQUAL(tl_hist_percentile(h, 0), 1000);
	CU_ASSERT_EQUAL(tl_hist_percentile(h, 10), 1000);
	free(h);
}

static void test_merge_equals_single(void)
{
	tl_hist_t *a = hist_new(), *b = hist_new(), *all = hist_new();
	tl_hist_t *empty = hist_new();
	rng_state = 7;
	for (int i = 0; i < NVALS; i++) {
		uint64_t x = gen_latency();
		tl_hist_record(i % 3 ? a : b, x);
		tl_hist_record(all, x);
	}
	tl_hist_merge(a, b);
	CU_ASSERT_TRUE(tl_hist_check(a));
	CU_ASSERT_EQUAL(memcmp(a, all, sizeof(*a)), 0);
	/* Merging an empty histogram changes nothing; into one copies. */
	tl_hist_merge(a, empty);
	CU_ASSERT_EQUAL(memcmp(a, all, sizeof(*a)), 0);
	tl_hist_merge(empty, all);
	CU_ASSERT_EQUAL(memcmp(empty, all, sizeof(*a)), 0);
	for (size_t i = 0; i < sizeof(pcts) / sizeof(pcts[0]); i++)
		CU_ASSERT_EQUAL(tl_hist_percentile(a, pcts[i]),
				tl_hist_percentile(all, pcts[i]));
	free(a);
	free(b);
	free(all);
	free(empty);
}

static void test_min_max_exact(void)
{
	tl_hist_t *h = hist_new();
	/* Inside wide buckets: min/max and p0/p100 stay exact. */
	tl_hist_record(h, 1000003);
	tl_hist_record(h, 777777777);
	tl_hist_record(h, 5000001);
	CU_ASSERT_EQUAL(tl_hist_min(h), 1000003);
	CU_ASSERT_EQUAL(tl_hist_max(h), 777777777);
	CU_ASSERT_EQUAL(tl_hist_percentile(h, 0), 1000003);
	CU_ASSERT_EQUAL(tl_hist_percentile(h, 100), 777777777);
	/* p99 lands in max's bucket: clamped to max, never above it. */
	CU_ASSERT_EQUAL(tl_hist_percentile(h, 99), 777777777);
	/* p1 lands in min's bucket: at most the bucket's top, never below min. */
	CU_ASSERT_TRUE(tl_hist_percentile(h, 1) >= 1000003);
	CU_ASSERT_TRUE(tl_hist_percentile(h, 1) <= 1000003 + 1000003 / 128);
	free(h);
}

static void test_empty_histogram(void)
{
	tl_hist_t *h = hist_new();
	CU_ASSERT_TRUE(tl_hist_check(h));
	CU_ASSERT_EQUAL(tl_hist_count(h), 0);
	CU_ASSERT_EQUAL(tl_hist_min(h), 0);
	CU_ASSERT_EQUAL(tl_hist_max(h), 0);
	CU_ASSERT_DOUBLE_EQUAL(tl_hist_mean(h), 0.0, 0.0);
	for (size_t i = 0; i < sizeof(pcts) / sizeof(pcts[0]); i++)
		CU_ASSERT_EQUAL(tl_hist_percentile(h, pcts[i]), 0);
	free(h);
}

static void test_zero_and_huge_values(void)
{
	tl_hist_t *h = hist_new();
	const uint64_t huge = 1000000000000ULL;	/* 1e12 ns */
	tl_hist_record(h, 0);
	CU_ASSERT_EQUAL(tl_hist_percentile(h, 50), 0);
	CU_ASSERT_EQUAL(tl_hist_min(h), 0);
	tl_hist_record(h, huge);
	tl_hist_record(h, huge);
	CU_ASSERT_TRUE(tl_hist_check(h));
	CU_ASSERT_EQUAL(tl_hist_min(h), 0);
	CU_ASSERT_EQUAL(tl_hist_max(h), huge);
	CU_ASSERT_EQUAL(tl_hist_percentile(h, 1), 0);
	CU_ASSERT_EQUAL(tl_hist_percentile(h, 50), huge);
	CU_ASSERT_EQUAL(tl_hist_percentile(h, 100), huge);
	CU_ASSERT_DOUBLE_EQUAL(tl_hist_mean(h), 2.0 * (double)huge / 3.0, 1.0);
	/* The largest value has a bucket, and the sum does not wrap. */
	tl_hist_record(h, UINT64_MAX);
	tl_hist_record(h, UINT64_MAX);
	CU_ASSERT_TRUE(tl_hist_check(h));
	CU_ASSERT_EQUAL(tl_hist_index(UINT64_MAX), TL_HIST_BUCKETS - 1);
	CU_ASSERT_EQUAL(tl_hist_max(h), UINT64_MAX);
	CU_ASSERT_EQUAL(tl_hist_percentile(h, 100), UINT64_MAX);
	CU_ASSERT_TRUE(tl_hist_mean(h) > 7e18);
	free(h);
}

static void test_bucket_layout_contiguous(void)
{
	/* Buckets tile [0, UINT64_MAX] without gaps or overlap, are exact
	 * below 256, and each is at most 1/128 of its low end wide. */
	CU_ASSERT_EQUAL(tl_hist_bucket_low(0), 0);
	CU_ASSERT_EQUAL(tl_hist_bucket_high(TL_HIST_BUCKETS - 1), UINT64_MAX);
	int bad = 0;
	for (uint32_t i = 0; i < TL_HIST_BUCKETS; i++) {
		uint64_t lo = tl_hist_bucket_low(i), hi = tl_hist_bucket_high(i);
		if (i > 0 && lo != tl_hist_bucket_high(i - 1) + 1)
			bad++;
		if (tl_hist_index(lo) != i || tl_hist_index(hi) != i)
			bad++;
		if (i < 256 ? lo != hi : hi - lo > lo / 128)
			bad++;
	}
	CU_ASSERT_EQUAL(bad, 0);
	for (uint64_t v = 0; v < 256; v++)
		CU_ASSERT_EQUAL(tl_hist_index(v), v);
}

static void test_record_does_not_allocate(void)
{
	tl_hist_t *h = hist_new();
	tl_alloc_hook_arm();
	for (uint64_t i = 0; i < 100000; i++)
		tl_hist_record(h, i * 977);
	size_t calls = tl_alloc_hook_disarm();
	CU_ASSERT_EQUAL(calls, 0);
	CU_ASSERT_EQUAL(tl_hist_count(h), 100000);
	free(h);
}

TL_TEST_SUITE("bench.hist", NULL, NULL,
	      TL_TEST(test_percentiles_match_sorted_within_bound),
	      TL_TEST(test_small_counts_nearest_rank),
	      TL_TEST(test_merge_equals_single),
	      TL_TEST(test_min_max_exact),
	      TL_TEST(test_empty_histogram),
	      TL_TEST(test_zero_and_huge_values),
	      TL_TEST(test_bucket_layout_contiguous),
	      TL_TEST(test_record_does_not_allocate));
