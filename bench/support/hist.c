/*
 * hist.c - the log-linear latency histogram (see hist.h for the bucket
 * layout and the error bound).
 *
 * Bucket i covers:
 *   i < 256:  exactly the value i;
 *   i >= 256: shift s = i / 128 - 1, sub = i - 128 * s (in [128, 256)),
 *             values [sub << s, (sub << s) + 2^s - 1].
 * The last bucket (s = 56, sub = 255) ends at UINT64_MAX, so every value
 * has a bucket.
 */
#include "bench/support/hist.h"

#include <string.h>

void tl_hist_init(tl_hist_t *h)
{
	memset(h, 0, sizeof(*h));
	h->min = UINT64_MAX;
}

void tl_hist_merge(tl_hist_t *dst, const tl_hist_t *src)
{
	for (uint32_t i = 0; i < TL_HIST_BUCKETS; i++)
		dst->counts[i] += src->counts[i];
	dst->count += src->count;
	dst->sum += src->sum;
	if (src->min < dst->min)
		dst->min = src->min;
	if (src->max > dst->max)
		dst->max = src->max;
}

uint64_t tl_hist_bucket_low(uint32_t i)
{
	if (i < 2 * TL_HIST_HALF)
		return i;
	uint32_t s = i / TL_HIST_HALF - 1;
	return (uint64_t)(i - s * TL_HIST_HALF) << s;
}

uint64_t tl_hist_bucket_high(uint32_t i)
{
	if (i < 2 * TL_HIST_HALF)
		return i;
	uint32_t s = i / TL_HIST_HALF - 1;
	return tl_hist_bucket_low(i) + ((UINT64_C(1) << s) - 1);
}

uint64_t tl_hist_count(const tl_hist_t *h)
{
	return h->count;
}

uint64_t tl_hist_min(const tl_hist_t *h)
{
	return h->count ? h->min : 0;
}

uint64_t tl_hist_max(const tl_hist_t *h)
{
	return h->count ? h->max : 0;
}

double tl_hist_mean(const tl_hist_t *h)
{
	return h->count ? (double)h->sum / (double)h->count : 0.0;
}

uint64_t tl_hist_percentile(const tl_hist_t *h, double p)
{
	if (h->count == 0)
		return 0;
	if (!(p > 0.0))		/* also NaN */
		return h->min;
	if (p >= 100.0)
		return h->max;
	/* Nearest rank: ceil(p/100 * count), at least 1, at most count. */
	double x = p / 100.0 * (double)h->count;
	uint64_t rank = (uint64_t)x;
	if ((double)rank < x)
		rank++;
	if (rank <= 1)
		return h->min;	/* the smallest and largest are known exactly */
	if (rank >= h->count)
		return h->max;
	uint64_t seen = 0;
	for (uint32_t i = 0; i < TL_HIST_BUCKETS; i++) {
		seen += h->counts[i];
		if (seen >= rank) {
			uint64_t v = tl_hist_bucket_high(i);
			if (v > h->max)
				v = h->max;
			if (v < h->min)
				v = h->min;
			return v;
		}
	}
	return h->max;		/* unreachable while tl_hist_check holds */
}

bool tl_hist_check(const tl_hist_t *h)
{
	uint64_t n = 0;
	for (uint32_t i = 0; i < TL_HIST_BUCKETS; i++)
		n += h->counts[i];
	if (n != h->count)
		return false;
	if (h->count == 0)
		return h->min == UINT64_MAX && h->max == 0 && h->sum == 0;
	return h->min <= h->max &&
	       h->counts[tl_hist_index(h->min)] > 0 &&
	       h->counts[tl_hist_index(h->max)] > 0;
}
