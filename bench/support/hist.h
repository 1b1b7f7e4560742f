/*
 * hist.h - a fixed-size log-linear latency histogram (HdrHistogram-style).
 *
 * Values are unsigned 64-bit integers, in practice nanoseconds. Buckets:
 *
 *   v < 256                exact: one bucket per value (1 ns resolution);
 *   2^k <= v < 2^(k+1)     k >= 8: 128 linear sub-buckets of width 2^(k-7).
 *
 * Error bound: a percentile is reported as the highest value of the bucket
 * holding the sample of that rank (clamped to the recorded max), so for the
 * true nearest-rank sample v the reported value r satisfies
 *
 *   v <= r <= v + (v >> 7)      i.e. 0 <= (r - v) / v < 1/128 (< 0.79 %),
 *
 * and r == v exactly when v < 256. count, min, max and the sum behind the
 * mean are exact.
 *
 * The struct is fixed-size (TL_HIST_BUCKETS counters, ~58 KiB, no pointers):
 * embed it or allocate it once; tl_hist_record never allocates, is O(1)
 * and has no data-dependent branch (clz, shift, add, min/max via cmov).
 * Two histograms merge by adding counts (tl_hist_merge), so per-thread
 * histograms combine into one without losing the bound.
 *
 * Threading: a histogram belongs to one thread; merge after the threads
 * stop.
 */
#ifndef TL_HIST_H
#define TL_HIST_H

#include <stdbool.h>
#include <stdint.h>

#define TL_HIST_SUB_BITS 8                          /* exact below 2^8 */
#define TL_HIST_HALF (1u << (TL_HIST_SUB_BITS - 1)) /* sub-buckets per 2^k */
/* Largest index: shift 64 - SUB_BITS, sub-bucket 2 * HALF - 1. */
#define TL_HIST_BUCKETS ((66u - TL_HIST_SUB_BITS) * TL_HIST_HALF)

typedef struct tl_hist {
	uint64_t count;               /* values recorded */
	uint64_t min;                 /* smallest value; UINT64_MAX when empty */
	uint64_t max;                 /* largest value; 0 when empty */
	uint64_t _pad;                /* 0: no implicit padding, so two
					 histograms compare with memcmp */
	unsigned __int128 sum;        /* exact sum, for the mean */
	uint64_t counts[TL_HIST_BUCKETS]; /* values per bucket */
} tl_hist_t;

/* Bucket of a value: exact below 256, then 128 per power of two.
 * Branch-free: the OR makes clz's argument nonzero and pins small values
 * to shift 0. */
static inline uint32_t tl_hist_index(uint64_t v)
{
	uint32_t msb = 63u - (uint32_t)__builtin_clzll(v | ((1u << TL_HIST_SUB_BITS) - 1));
	uint32_t shift = msb - (TL_HIST_SUB_BITS - 1);
	return shift * TL_HIST_HALF + (uint32_t)(v >> shift);
}

/* Record one value. O(1), no allocation, no branch on the value. */
static inline void tl_hist_record(tl_hist_t *h, uint64_t v)
{
	h->counts[tl_hist_index(v)]++;
	h->count++;
	h->sum += v;
	h->min = v < h->min ? v : h->min;
	h->max = v > h->max ? v : h->max;
}

/* Empty the histogram (also how to initialise one). */
void tl_hist_init(tl_hist_t *h);

/* Add every value of src to dst; equal to having recorded them into dst. */
void tl_hist_merge(tl_hist_t *dst, const tl_hist_t *src);

/* Lowest and highest value that land in bucket i (i < TL_HIST_BUCKETS). */
uint64_t tl_hist_bucket_low(uint32_t i);
uint64_t tl_hist_bucket_high(uint32_t i);

/* Exact statistics; each returns 0 for an empty histogram. */
uint64_t tl_hist_count(const tl_hist_t *h);
uint64_t tl_hist_min(const tl_hist_t *h);
uint64_t tl_hist_max(const tl_hist_t *h);
double tl_hist_mean(const tl_hist_t *h);

/*
 * The p-th percentile, p in [0, 100], by nearest rank: the value of the
 * ceil(p/100 * count)-th smallest sample (rank at least 1), reported as
 * its bucket's highest value clamped to [min, max] (see the error bound
 * above). Ranks 1 and count (so p <= 0 and p >= 100) give min and max
 * exactly. Returns 0 for an
 * empty histogram. O(TL_HIST_BUCKETS).
 */
uint64_t tl_hist_percentile(const tl_hist_t *h, double p);

/* Invariant check (bucket counts sum to count, min/max consistent). */
bool tl_hist_check(const tl_hist_t *h);

#endif /* TL_HIST_H */
