/*
 * test_retry.c - kernel/retry.c: outcome classification (the Binance USD-M API docs
 * 3.1-3.4), 503 texts, backoff schedule and jitter, order-rate bucket
 * (section 4).
 *
 * The classification test is one table: every code named in 3.3/3.4 with
 * the status it normally arrives with, every transport failure, and the
 * precedence corner cases, each checked for a write and for a read.
 */
#include "tests/support/tl_test.h"
#include "tests/support/alloc_hook.h"

#include "kernel/retry.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define S  1000000000LL   /* ns per second */

/* ------------------------------------------------------------------------- */
/* Classification table                                                      */
/* ------------------------------------------------------------------------- */

#define OK  TL_OUT_OK
#define TR  TL_OUT_TRANSIENT
#define AM  TL_OUT_AMBIGUOUS
#define PE  TL_OUT_PERMANENT
#define NO  TL_OUT_NOOP_OK

struct cls_row {
	tl_transport_t tr;
	bool written;
	uint16_t status;
	int32_t code;
	tl_503_kind_t kind;
	tl_outcome_class_t want_write;  /* is_write = true */
	tl_outcome_class_t want_read;   /* is_write = false */
	const char *why;
};

#define HTTP(st, c, w, r)      { TL_TR_NONE, true, st, c, TL_503_NONE, w, r, #st " " #c }
#define H503(k, c, w, r)       { TL_TR_NONE, true, 503, c, k, w, r, "503 " #k " " #c }
#define TRANS(t, wr, w, r)     { t, wr, 0, 0, TL_503_NONE, w, r, #t " written=" #wr }

static const struct cls_row cls_rows[] = {
	/* --- transport (3.4 "client-side timeouts/connection drops") --- */
	TRANS(TL_TR_CONNECT, false, TR, TR),
	TRANS(TL_TR_CONNECT, true,  TR, TR),   /* connect failed: nothing sent */
	TRANS(TL_TR_TIMEOUT, true,  AM, TR),
	TRANS(TL_TR_TIMEOUT, false, TR, TR),
	TRANS(TL_TR_RESET,   true,  AM, TR),
	TRANS(TL_TR_RESET,   false, TR, TR),
	TRANS(TL_TR_LOCAL,   false, PE, PE),
	TRANS(TL_TR_LOCAL,   true,  AM, PE),   /* bytes went out: unknown */
	TRANS((tl_transport_t)99, true,  AM, TR),
	TRANS((tl_transport_t)99, false, TR, TR),

	/* --- 2xx --- */
	HTTP(200, 0,     OK, OK),
	HTTP(200, 200,   OK, OK),   /* {"code":200,"msg":"success"} */
	HTTP(201, 0,     OK, OK),
	HTTP(299, -1121, OK, OK),   /* 2xx wins over a stray code */
	HTTP(200, -1000, OK, OK),

	/* --- no-op success, whatever the status --- */
	HTTP(400, -4046, NO, NO),
	HTTP(400, -4059, NO, NO),
	HTTP(400, -5027, NO, NO),
	HTTP(200, -4046, NO, NO),
	HTTP(200, -5027, NO, NO),
	HTTP(503, -4059, NO, NO),
	H503(TL_503_UNKNOWN_ERROR, -5027, NO, NO),

	/* --- 503 variants (3.2) --- */
	H503(TL_503_UNKNOWN_ERROR, 0, AM, TR),
	H503(TL_503_UNAVAILABLE,   0, TR, TR),
	H503(TL_503_INTERNAL,      0, TR, TR),
	H503(TL_503_THROTTLED,     0, TR, TR),
	H503(TL_503_NONE,          0, AM, TR),   /* unrecognised text: like 5xx */
	H503(TL_503_INTERNAL,  -1001, TR, TR),
	H503(TL_503_THROTTLED, -1008, TR, TR),
	H503(TL_503_UNKNOWN_ERROR, -1001, AM, TR), /* unknown beats definite */
	H503(TL_503_UNKNOWN_ERROR, -1000, AM, TR),
	H503(TL_503_UNAVAILABLE, -1007, AM, TR),   /* -1007 beats the text */
	H503(TL_503_NONE, -1001, TR, TR),
	H503(TL_503_NONE, -1121, PE, PE),          /* definite reject code */
	H503(TL_503_NONE, -9999, AM, TR),          /* unlisted code: like 5xx */
	H503((tl_503_kind_t)77, 0, AM, TR),        /* kind out of range */

	/* kind503 is only read with status 503 */
	{ TL_TR_NONE, true, 500, 0, TL_503_UNAVAILABLE, AM, TR, "500 + stray kind" },
	{ TL_TR_NONE, true, 400, 0, TL_503_UNKNOWN_ERROR, PE, PE, "400 + stray kind" },

	/* --- 408 and other 5xx without a definite code --- */
	HTTP(408, 0, AM, TR),
	HTTP(500, 0, AM, TR),
	HTTP(502, 0, AM, TR),
	HTTP(504, 0, AM, TR),
	HTTP(599, 0, AM, TR),
	HTTP(500, -9999, AM, TR),
	HTTP(408, -1001, TR, TR),   /* a definite code decides */
	HTTP(500, -1001, TR, TR),
	HTTP(500, -2019, PE, PE),

	/* --- unknown execution codes: -1000 (writes), -1006, -1007 --- */
	HTTP(400, -1000, AM, TR),
	HTTP(500, -1000, AM, TR),
	HTTP(500, -1006, AM, TR),
	HTTP(400, -1006, AM, TR),
	HTTP(408, -1007, AM, TR),
	HTTP(500, -1007, AM, TR),
	HTTP(429, -1000, AM, TR),   /* unknown beats rate limit */

	/* --- rate limits and definite failures (retry OK) --- */
	HTTP(429, 0,     TR, TR),
	HTTP(418, 0,     TR, TR),
	HTTP(429, -1003, TR, TR),
	HTTP(418, -1003, TR, TR),
	HTTP(429, -1015, TR, TR),
	HTTP(400, -1015, TR, TR),
	HTTP(429, -1121, TR, TR),   /* 429: the request was not evaluated */
	HTTP(500, -1001, TR, TR),
	HTTP(400, -1001, TR, TR),
	HTTP(400, -1008, TR, TR),
	HTTP(400, -1021, TR, TR),   /* resync clock, re-sign */
	HTTP(400, -5028, TR, TR),

	/* --- deterministic rejects (3.3 table, 3.4 list) --- */
	HTTP(400, -1013, PE, PE),
	HTTP(400, -1014, PE, PE),
	HTTP(400, -1022, PE, PE),
	HTTP(400, -1100, PE, PE),
	HTTP(400, -1101, PE, PE),
	HTTP(400, -1102, PE, PE),
	HTTP(400, -1104, PE, PE),
	HTTP(400, -1106, PE, PE),
	HTTP(400, -1111, PE, PE),
	HTTP(400, -1115, PE, PE),
	HTTP(400, -1116, PE, PE),
	HTTP(400, -1117, PE, PE),
	HTTP(400, -1121, PE, PE),
	HTTP(400, -1125, PE, PE),
	HTTP(400, -1130, PE, PE),
	HTTP(400, -1136, PE, PE),
	HTTP(400, -2010, PE, PE),
	HTTP(400, -2011, PE, PE),
	HTTP(400, -2013, PE, PE),
	HTTP(400, -2014, PE, PE),
	HTTP(401, -2015, PE, PE),
	HTTP(400, -2018, PE, PE),
	HTTP(400, -2019, PE, PE),
	HTTP(400, -2020, PE, PE),
	HTTP(400, -2021, PE, PE),
	HTTP(400, -2022, PE, PE),
	HTTP(400, -2024, PE, PE),
	HTTP(400, -2025, PE, PE),
	HTTP(400, -2027, PE, PE),
	HTTP(400, -2028, PE, PE),
	HTTP(400, -4003, PE, PE),
	HTTP(400, -4014, PE, PE),
	HTTP(400, -4015, PE, PE),
	HTTP(400, -4016, PE, PE),
	HTTP(400, -4023, PE, PE),
	HTTP(400, -4024, PE, PE),
	HTTP(400, -4061, PE, PE),
	HTTP(400, -4062, PE, PE),
	HTTP(400, -4116, PE, PE),
	HTTP(400, -4118, PE, PE),
	HTTP(400, -4120, PE, PE),
	HTTP(400, -4131, PE, PE),
	HTTP(400, -4164, PE, PE),
	HTTP(400, -5021, PE, PE),
	HTTP(400, -5022, PE, PE),
	HTTP(400, -5040, PE, PE),

	/* family edges, under 5xx where the family decides */
	HTTP(500, -1099, AM, TR),
	HTTP(500, -1100, PE, PE),
	HTTP(500, -1199, PE, PE),
	HTTP(500, -1200, AM, TR),
	HTTP(500, -1999, AM, TR),
	HTTP(500, -2000, PE, PE),
	HTTP(500, -2099, PE, PE),
	HTTP(500, -2100, AM, TR),
	HTTP(500, -3999, AM, TR),
	HTTP(500, -4000, PE, PE),
	HTTP(500, -4199, PE, PE),
	HTTP(500, -4200, AM, TR),
	HTTP(500, -5020, AM, TR),
	HTTP(500, -5021, PE, PE),
	HTTP(500, -5040, PE, PE),

	/* --- other 4xx --- */
	HTTP(400, 0,     PE, PE),
	HTTP(401, 0,     PE, PE),
	HTTP(403, 0,     PE, PE),   /* WAF */
	HTTP(404, 0,     PE, PE),
	HTTP(400, -9999, PE, PE),
	HTTP(400, -1016, PE, PE),
	HTTP(499, 0,     PE, PE),

	/* --- shapes outside 2xx/4xx/5xx --- */
	HTTP(0,   0, AM, TR),
	HTTP(100, 0, AM, TR),
	HTTP(302, 0, AM, TR),
	HTTP(600, 0, AM, TR),
	HTTP(65535, -1121, PE, PE),
	HTTP(0,   -1003, TR, TR),
};

static int cls_check(const struct cls_row *r, bool is_write, size_t i)
{
	tl_outcome_t o = {
		.transport = r->tr,
		.written = r->written,
		.is_write = is_write,
		.http_status = r->status,
		.code = r->code,
		.kind503 = r->kind,
	};
	tl_outcome_class_t want = is_write ? r->want_write : r->want_read;
	tl_outcome_class_t got = tl_retry_classify(&o);
	if (got != want) {
		fprintf(stderr, "\n  row %zu (%s, %s): got %s want %s\n", i,
			r->why, is_write ? "write" : "read",
			tl_retry_class_name(got), tl_retry_class_name(want));
		return 1;
	}
	return 0;
}

static void test_classify_table(void)
{
	int bad = 0;
	size_t n = sizeof cls_rows / sizeof cls_rows[0];
	for (size_t i = 0; i < n; i++) {
		bad += cls_check(&cls_rows[i], true, i);
		bad += cls_check(&cls_rows[i], false, i);
	}
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT(n > 100);
}

/* The rows above the table keep `written` true for HTTP responses; a
 * response implies the request went out, so the flag must not matter. */
static void test_classify_http_ignores_written(void)
{
	size_t n = sizeof cls_rows / sizeof cls_rows[0];
	int bad = 0;
	for (size_t i = 0; i < n; i++) {
		if (cls_rows[i].tr != TL_TR_NONE)
			continue;
		struct cls_row r = cls_rows[i];
		r.written = false;
		bad += cls_check(&r, true, i);
		bad += cls_check(&r, false, i);
	}
	CU_ASSERT_EQUAL(bad, 0);
}

/* Reads are never AMBIGUOUS, whatever the shape. */
static void test_classify_reads_never_ambiguous(void)
{
	static const uint16_t st[] = { 0, 200, 400, 401, 403, 408, 418, 429,
				       500, 502, 503, 504, 600 };
	static const int32_t codes[] = { 0, -1000, -1001, -1006, -1007, -1121,
					 -4046, -9999 };
	static const tl_transport_t trs[] = { TL_TR_NONE, TL_TR_CONNECT,
					      TL_TR_TIMEOUT, TL_TR_RESET, TL_TR_LOCAL };
	int bad = 0;
	for (size_t t = 0; t < 5; t++)
	for (size_t s = 0; s < sizeof st / sizeof st[0]; s++)
	for (size_t c = 0; c < sizeof codes / sizeof codes[0]; c++)
	for (int k = TL_503_NONE; k <= TL_503_THROTTLED; k++)
	for (int w = 0; w < 2; w++) {
		tl_outcome_t o = { trs[t], w, false, st[s], codes[c],
				   (tl_503_kind_t)k };
		if (tl_retry_classify(&o) == TL_OUT_AMBIGUOUS)
			bad++;
	}
	CU_ASSERT_EQUAL(bad, 0);
}

static void test_class_names(void)
{
	CU_ASSERT_STRING_EQUAL(tl_retry_class_name(TL_OUT_OK), "OK");
	CU_ASSERT_STRING_EQUAL(tl_retry_class_name(TL_OUT_TRANSIENT), "TRANSIENT");
	CU_ASSERT_STRING_EQUAL(tl_retry_class_name(TL_OUT_AMBIGUOUS), "AMBIGUOUS");
	CU_ASSERT_STRING_EQUAL(tl_retry_class_name(TL_OUT_PERMANENT), "PERMANENT");
	CU_ASSERT_STRING_EQUAL(tl_retry_class_name(TL_OUT_NOOP_OK), "NOOP_OK");
	CU_ASSERT_PTR_NOT_NULL(tl_retry_class_name((tl_outcome_class_t)42));
}

/* ------------------------------------------------------------------------- */
/* 503 texts                                                                 */
/* ------------------------------------------------------------------------- */

static void test_503_kind(void)
{
	static const struct { const char *msg; tl_503_kind_t want; } t[] = {
		{ "Unknown error, please check your request or try again later.",
		  TL_503_UNKNOWN_ERROR },
		{ "Service Unavailable.", TL_503_UNAVAILABLE },
		{ "Internal error; unable to process your request. Please try again.",
		  TL_503_INTERNAL },
		{ "Request throttled by system-level protection. Reduce-only/close-position "
		  "orders are exempt. Please try again.", TL_503_THROTTLED },
		{ "Request throttled by system-level protection.", TL_503_THROTTLED },
		{ "Server is currently overloaded with other requests. Please try again "
		  "in a few minutes.", TL_503_THROTTLED },
		/* prefix match: trailing venue text is fine */
		{ "Service Unavailable. (edge 12)", TL_503_UNAVAILABLE },
		/* not matches */
		{ "", TL_503_NONE },
		{ "Service Unavailable", TL_503_NONE },          /* no dot */
		{ "service unavailable.", TL_503_NONE },         /* case */
		{ " Service Unavailable.", TL_503_NONE },        /* leading space */
		{ "Unknown error", TL_503_NONE },                /* too short */
		{ "Request occur unknown error.", TL_503_NONE }, /* generic 5xx */
		{ "Internal error; unable to process your request.", TL_503_NONE },
		{ "Request throttled", TL_503_NONE },
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		tl_503_kind_t got = tl_retry_503_kind(t[i].msg);
		if (got != t[i].want)
			fprintf(stderr, "\n  \"%s\": got %d want %d\n", t[i].msg,
				(int)got, (int)t[i].want);
		CU_ASSERT_EQUAL(got, t[i].want);
	}
	CU_ASSERT_EQUAL(tl_retry_503_kind(NULL), TL_503_NONE);
}

/* The text feeds classification end to end. */
static void test_503_text_to_class(void)
{
	tl_outcome_t o = { TL_TR_NONE, true, true, 503, 0,
		tl_retry_503_kind("Unknown error, please check your request or try again later.") };
	CU_ASSERT_EQUAL(tl_retry_classify(&o), TL_OUT_AMBIGUOUS);
	o.kind503 = tl_retry_503_kind("Service Unavailable.");
	CU_ASSERT_EQUAL(tl_retry_classify(&o), TL_OUT_TRANSIENT);
	o.kind503 = tl_retry_503_kind("something new");
	CU_ASSERT_EQUAL(tl_retry_classify(&o), TL_OUT_AMBIGUOUS);
	o.is_write = false;
	CU_ASSERT_EQUAL(tl_retry_classify(&o), TL_OUT_TRANSIENT);
}

/* ------------------------------------------------------------------------- */
/* Backoff                                                                   */
/* ------------------------------------------------------------------------- */

static void test_backoff_defaults_schedule(void)
{
	tl_backoff_t b;
	memset(&b, 0xa5, sizeof b);
	tl_backoff_defaults(&b);
	CU_ASSERT_EQUAL(b.base_ns, 1 * S);
	CU_ASSERT_EQUAL(b.cap_ns, 30 * S);
	CU_ASSERT_EQUAL(b.max_attempts, 4);
	CU_ASSERT_EQUAL(b.jitter_pct, 0);

	CU_ASSERT_EQUAL(tl_backoff_delay(&b, 0, 7), 0);   /* the first try */
	CU_ASSERT_EQUAL(tl_backoff_delay(&b, 1, 7), 1 * S);
	CU_ASSERT_EQUAL(tl_backoff_delay(&b, 2, 7), 2 * S);
	CU_ASSERT_EQUAL(tl_backoff_delay(&b, 3, 7), 4 * S);
	CU_ASSERT_EQUAL(tl_backoff_delay(&b, 4, 7), -1);
	CU_ASSERT_EQUAL(tl_backoff_delay(&b, 5, 7), -1);
	CU_ASSERT_EQUAL(tl_backoff_delay(&b, UINT32_MAX, 7), -1);
	/* no jitter: the key does not matter */
	CU_ASSERT_EQUAL(tl_backoff_delay(&b, 3, UINT64_MAX), 4 * S);

	b.max_attempts = 0;
	CU_ASSERT_EQUAL(tl_backoff_delay(&b, 0, 7), -1);
	CU_ASSERT_EQUAL(tl_backoff_delay(&b, 1, 7), -1);
}

static void test_backoff_cap(void)
{
	tl_backoff_t b;
	tl_backoff_defaults(&b);
	b.max_attempts = UINT32_MAX;
	CU_ASSERT_EQUAL(tl_backoff_delay(&b, 5, 0), 16 * S);
	CU_ASSERT_EQUAL(tl_backoff_delay(&b, 6, 0), 30 * S);   /* 32 s capped */
	CU_ASSERT_EQUAL(tl_backoff_delay(&b, 7, 0), 30 * S);
	/* the delay never decreases and never passes the cap */
	int64_t prev = 0;
	for (uint32_t r = 1; r < 200; r++) {
		int64_t d = tl_backoff_delay(&b, r, 0);
		CU_ASSERT(d >= prev && d <= 30 * S);
		prev = d;
	}
	/* base above cap */
	b.base_ns = 60 * S;
	CU_ASSERT_EQUAL(tl_backoff_delay(&b, 1, 0), 30 * S);
	/* 200 ms base (the docs' example 200 -> 400 -> 800) */
	b.base_ns = 200000000;
	CU_ASSERT_EQUAL(tl_backoff_delay(&b, 1, 0), 200000000);
	CU_ASSERT_EQUAL(tl_backoff_delay(&b, 2, 0), 400000000);
	CU_ASSERT_EQUAL(tl_backoff_delay(&b, 3, 0), 800000000);
}

/* Regression: 2^n for big n must saturate, not shift past 63 bits or
 * overflow int64 (UBSan runs this). */
static void test_backoff_huge_retry_no_ub(void)
{
	static const uint32_t rs[] = { 30, 33, 34, 35, 62, 63, 64, 65, 100, 1000,
				       1u << 31, UINT32_MAX - 1 };
	tl_backoff_t b;
	tl_backoff_defaults(&b);
	b.max_attempts = UINT32_MAX;
	b.cap_ns = INT64_MAX;
	/* 1e9 * 2^33 = 8.59e18 still fits; 2^34 does not */
	CU_ASSERT_EQUAL(tl_backoff_delay(&b, 34, 0), (int64_t)1000000000 << 33);
	CU_ASSERT_EQUAL(tl_backoff_delay(&b, 35, 0), INT64_MAX);
	for (size_t i = 0; i < sizeof rs / sizeof rs[0]; i++) {
		int64_t d = tl_backoff_delay(&b, rs[i], 1);
		CU_ASSERT(d > 0 && d <= INT64_MAX);
	}
	CU_ASSERT_EQUAL(tl_backoff_delay(&b, UINT32_MAX - 1, 1), INT64_MAX);
	/* with jitter at the top of the range */
	b.jitter_pct = 50;
	b.base_ns = INT64_MAX;
	b.seed = 0xdeadbeef;
	for (size_t i = 0; i < sizeof rs / sizeof rs[0]; i++) {
		for (uint64_t k = 0; k < 64; k++) {
			int64_t d = tl_backoff_delay(&b, rs[i], k * 0x9e3779b97f4a7c15ULL);
			CU_ASSERT(d >= INT64_MAX / 2 && d <= INT64_MAX);
		}
	}
	b.base_ns = 1;
	b.cap_ns = 1;
	CU_ASSERT(tl_backoff_delay(&b, UINT32_MAX - 1, 3) <= 1);
}

static void test_backoff_degenerate_policy(void)
{
	tl_backoff_t b;
	tl_backoff_defaults(&b);
	b.max_attempts = 100;
	b.base_ns = 0;
	CU_ASSERT_EQUAL(tl_backoff_delay(&b, 1, 0), 0);
	CU_ASSERT_EQUAL(tl_backoff_delay(&b, 99, 0), 0);
	b.base_ns = -5 * S;
	CU_ASSERT_EQUAL(tl_backoff_delay(&b, 3, 0), 0);
	b.base_ns = 1 * S;
	b.cap_ns = -1;
	CU_ASSERT_EQUAL(tl_backoff_delay(&b, 3, 0), 0);
	b.cap_ns = 0;
	b.jitter_pct = 50;
	CU_ASSERT_EQUAL(tl_backoff_delay(&b, 3, 0), 0);
	/* jitter_pct above 50 behaves as 50 */
	b.cap_ns = 30 * S;
	b.jitter_pct = 1000;
	for (uint64_t k = 0; k < 1000; k++) {
		int64_t d = tl_backoff_delay(&b, 2, k);
		CU_ASSERT(d >= 1 * S && d <= 3 * S);
	}
	b.jitter_pct = UINT32_MAX;
	CU_ASSERT(tl_backoff_delay(&b, 2, 5) >= 1 * S);
	/* tiny delay: span rounds to 0, no jitter */
	b.base_ns = 1;
	b.jitter_pct = 50;
	CU_ASSERT_EQUAL(tl_backoff_delay(&b, 1, 9), 1);
}

#define JIT_KEYS 4000u

static void test_backoff_jitter(void)
{
	tl_backoff_t b;
	tl_backoff_defaults(&b);
	b.max_attempts = 64;
	b.jitter_pct = 20;
	b.seed = 0x5eed5eed12345678ULL;

	static int64_t first[JIT_KEYS];
	int bad_range = 0, bad_repeat = 0, neg = 0, pos = 0;
	for (uint32_t r = 1; r <= 8; r++) {
		int64_t d = 1 * S << (r - 1);
		if (d > 30 * S)
			d = 30 * S;
		int64_t span = d / 5;
		int64_t lo = d - span, hi = d + span > 30 * S ? 30 * S : d + span;
		__int128 sum_off = 0;
		for (uint32_t k = 0; k < JIT_KEYS; k++) {
			int64_t x = tl_backoff_delay(&b, r, k);
			if (x != tl_backoff_delay(&b, r, k))
				bad_repeat++;
			if (x < lo || x > hi || x < 0 || x > b.cap_ns)
				bad_range++;
			neg += x < d;
			pos += x > d;
			sum_off += x - d;
			if (r == 1)
				first[k] = x;
		}
		/* roughly centred while uncapped: mean offset within 5% of span
		 * (expected deviation is span / sqrt(3 * JIT_KEYS) ~ 0.9%) */
		if (d + span <= 30 * S) {
			__int128 mean = sum_off / JIT_KEYS;
			CU_ASSERT(mean < span / 20 && mean > -span / 20);
		}
	}
	CU_ASSERT_EQUAL(bad_repeat, 0);
	CU_ASSERT_EQUAL(bad_range, 0);
	CU_ASSERT(neg > 1000 && pos > 1000);

	/* different keys give different delays (first retry, span 200 ms) */
	int distinct_neighbours = 0;
	for (uint32_t k = 1; k < JIT_KEYS; k++)
		distinct_neighbours += first[k] != first[k - 1];
	CU_ASSERT(distinct_neighbours >= (int)JIT_KEYS - 1 - 2);

	/* the whole +-span is reached: extremes within 1% of the edges */
	int64_t mn = INT64_MAX, mx = INT64_MIN;
	for (uint32_t k = 0; k < JIT_KEYS; k++) {
		if (first[k] < mn) mn = first[k];
		if (first[k] > mx) mx = first[k];
	}
	CU_ASSERT(mn >= 800000000 && mn < 802000000);
	CU_ASSERT(mx <= 1200000000 && mx > 1198000000);

	/* a different seed changes (nearly) every delay */
	tl_backoff_t b2 = b;
	b2.seed ^= 1;
	int same = 0;
	for (uint32_t k = 0; k < JIT_KEYS; k++)
		same += tl_backoff_delay(&b2, 1, k) == first[k];
	CU_ASSERT(same <= 2);

	/* the retry number is hashed too: with base == cap every retry has
	 * the same un-jittered delay, so only the hash can tell them apart.
	 * Equal pairs: both offsets positive (clamped to the cap), ~1/4. */
	tl_backoff_t b3 = b;
	b3.base_ns = b3.cap_ns = 10 * S;
	int same_retry = 0;
	for (uint32_t k = 0; k < JIT_KEYS; k++)
		same_retry += tl_backoff_delay(&b3, 1, k) == tl_backoff_delay(&b3, 2, k);
	CU_ASSERT(same_retry < (int)JIT_KEYS / 3);

	/* at the cap, jitter never goes above it */
	b.jitter_pct = 50;
	for (uint32_t k = 0; k < JIT_KEYS; k++) {
		int64_t x = tl_backoff_delay(&b, 10, k);
		CU_ASSERT_FATAL(x >= 15 * S && x <= 30 * S);
	}
}

/* ------------------------------------------------------------------------- */
/* Token bucket                                                              */
/* ------------------------------------------------------------------------- */

#define T0 (1000 * S)

static void test_bucket_init(void)
{
	tl_bucket_t b;
	tl_bucket_init(&b, 300, 10 * S, T0);
	CU_ASSERT_EQUAL(b.capacity, 300);
	CU_ASSERT_EQUAL(b.window_ns, 10 * S);
	CU_ASSERT_EQUAL(b.level_nt, 300 * 10 * S);
	CU_ASSERT_EQUAL(b.last_ns, T0);
	CU_ASSERT_EQUAL(tl_bucket_available(&b, T0), 300);
}

static void test_bucket_take_300_then_refuse(void)
{
	tl_bucket_t b;
	tl_bucket_init(&b, 300, 10 * S, T0);
	int ok = 0;
	for (int i = 0; i < 300; i++)
		ok += tl_bucket_take(&b, 1, T0);
	CU_ASSERT_EQUAL(ok, 300);
	CU_ASSERT_FALSE(tl_bucket_take(&b, 1, T0));
	CU_ASSERT_EQUAL(b.level_nt, 0);              /* refusal took nothing */
	CU_ASSERT_EQUAL(tl_bucket_available(&b, T0), 0);

	/* multi-token takes (batchOrders counts 5 on the 10 s limiter) */
	tl_bucket_init(&b, 300, 10 * S, T0);
	for (int i = 0; i < 60; i++)
		CU_ASSERT_TRUE(tl_bucket_take(&b, 5, T0));
	CU_ASSERT_FALSE(tl_bucket_take(&b, 5, T0));
}

static void test_bucket_refill_exact(void)
{
	tl_bucket_t b;
	tl_bucket_init(&b, 300, 10 * S, T0);
	CU_ASSERT_TRUE(tl_bucket_take(&b, 300, T0));
	/* 1 ns short of a second: 29.99999997 tokens -> 29 whole */
	CU_ASSERT_EQUAL(tl_bucket_available(&b, T0 + S - 1), 29);
	CU_ASSERT_EQUAL(tl_bucket_available(&b, T0 + S), 30);
	CU_ASSERT_EQUAL(b.level_nt, 30 * 10 * S);    /* exactly, no residue */
	CU_ASSERT_TRUE(tl_bucket_take(&b, 30, T0 + S));
	CU_ASSERT_FALSE(tl_bucket_take(&b, 1, T0 + S));
	/* a token every 10 s / 300 = 33,333,333.33 ns */
	CU_ASSERT_FALSE(tl_bucket_take(&b, 1, T0 + S + 33333333));
	CU_ASSERT_TRUE(tl_bucket_take(&b, 1, T0 + S + 33333334));

	/* many tiny steps add up exactly like one big one */
	tl_bucket_init(&b, 300, 10 * S, T0);
	CU_ASSERT_TRUE(tl_bucket_take(&b, 300, T0));
	for (int64_t t = T0; t <= T0 + S; t += 7)
		(void)tl_bucket_available(&b, t);
	/* last step landed at T0 + S - (S % 7) */
	int64_t t_last = T0 + (S / 7) * 7;
	CU_ASSERT_EQUAL(b.level_nt, (t_last - T0) * 300);

	/* 1200 per minute: exactly 20 per second */
	tl_bucket_init(&b, 1200, 60 * S, T0);
	CU_ASSERT_TRUE(tl_bucket_take(&b, 1200, T0));
	CU_ASSERT_EQUAL(tl_bucket_available(&b, T0 + 1 * S), 20);
	CU_ASSERT_EQUAL(tl_bucket_available(&b, T0 + 60 * S), 1200);
}

static void test_bucket_never_above_capacity(void)
{
	tl_bucket_t b;
	tl_bucket_init(&b, 300, 10 * S, T0);
	CU_ASSERT_TRUE(tl_bucket_take(&b, 1, T0));
	CU_ASSERT_EQUAL(tl_bucket_available(&b, T0 + 3600 * S), 300);
	CU_ASSERT_EQUAL(b.level_nt, 300 * 10 * S);
	CU_ASSERT_FALSE(tl_bucket_take(&b, 301, T0 + 7200 * S));
	CU_ASSERT_TRUE(tl_bucket_take(&b, 300, T0 + 7200 * S));
	CU_ASSERT_EQUAL(tl_bucket_available(&b, INT64_MAX), 300);

	/* the widest possible gap: INT64_MIN -> INT64_MAX (no overflow) */
	tl_bucket_init(&b, 300, 10 * S, INT64_MIN);
	CU_ASSERT_TRUE(tl_bucket_take(&b, 300, INT64_MIN));
	CU_ASSERT_EQUAL(tl_bucket_available(&b, INT64_MAX), 300);
	CU_ASSERT_EQUAL(b.last_ns, INT64_MAX);
}

static void test_bucket_time_backwards(void)
{
	tl_bucket_t b;
	tl_bucket_init(&b, 300, 10 * S, T0);
	CU_ASSERT_TRUE(tl_bucket_take(&b, 300, T0));
	CU_ASSERT_EQUAL(tl_bucket_available(&b, T0 - 5 * S), 0);
	CU_ASSERT_EQUAL(b.last_ns, T0);
	CU_ASSERT_FALSE(tl_bucket_take(&b, 1, T0 - 1));
	CU_ASSERT_EQUAL(b.last_ns, T0);
	/* going back must not make the forward interval count twice */
	CU_ASSERT_EQUAL(tl_bucket_available(&b, T0 + S), 30);
	CU_ASSERT_EQUAL(tl_bucket_available(&b, T0 + S - 100), 30);
	CU_ASSERT_EQUAL(b.last_ns, T0 + S);
	/* takes still work while time is behind, against what is there */
	CU_ASSERT_TRUE(tl_bucket_take(&b, 30, T0));
	CU_ASSERT_FALSE(tl_bucket_take(&b, 1, T0));
	CU_ASSERT_EQUAL(b.last_ns, T0 + S);
	/* the same instant twice refills nothing */
	CU_ASSERT_EQUAL(tl_bucket_available(&b, T0 + S), 0);
}

static void test_bucket_force_and_recover(void)
{
	tl_bucket_t b;
	tl_bucket_init(&b, 300, 10 * S, T0);
	CU_ASSERT_TRUE(tl_bucket_take(&b, 300, T0));
	tl_bucket_force(&b, 150, T0);
	CU_ASSERT_EQUAL(b.level_nt, -150 * 10 * S);
	CU_ASSERT_EQUAL(tl_bucket_available(&b, T0), -150);
	CU_ASSERT_FALSE(tl_bucket_take(&b, 1, T0));

	/* one token needs level >= window: 151 tokens of refill at 300 per
	 * 10 s = 151e10 / 300 ns = 5,033,333,333.33 ns */
	CU_ASSERT_FALSE(tl_bucket_take(&b, 1, T0 + 5033333333LL));
	CU_ASSERT_EQUAL(tl_bucket_available(&b, T0 + 5033333333LL), 0);
	CU_ASSERT_TRUE(tl_bucket_take(&b, 1, T0 + 5033333334LL));
	/* from there, full again after 15 s total since the force */
	CU_ASSERT_EQUAL(tl_bucket_available(&b, T0 + 15 * S), 299);
	CU_ASSERT_EQUAL(tl_bucket_available(&b, T0 + 15 * S + 33333334), 300);

	/* available rounds debt toward -inf: -0.5 token is -1, not 0 */
	tl_bucket_init(&b, 300, 10 * S, T0);
	CU_ASSERT_TRUE(tl_bucket_take(&b, 300, T0));
	tl_bucket_force(&b, 1, T0);
	CU_ASSERT_EQUAL(tl_bucket_available(&b, T0 + 16666667), -1);
	CU_ASSERT_EQUAL(tl_bucket_available(&b, T0 + 33333334), 0);
}

static void test_bucket_force_floor(void)
{
	tl_bucket_t b;
	tl_bucket_init(&b, 300, 10 * S, T0);
	tl_bucket_force(&b, 300, T0);
	CU_ASSERT_EQUAL(tl_bucket_available(&b, T0), 0);
	tl_bucket_force(&b, 1000000, T0);
	tl_bucket_force(&b, INT64_MAX, T0);
	/* floor: one full window of debt */
	CU_ASSERT_EQUAL(b.level_nt, -300 * 10 * S);
	CU_ASSERT_EQUAL(tl_bucket_available(&b, T0), -300);
	CU_ASSERT_EQUAL(tl_bucket_available(&b, T0 + 10 * S), 0);
	CU_ASSERT_EQUAL(tl_bucket_available(&b, T0 + 20 * S), 300);
	/* from the floor, one long gap also refills all the way */
	tl_bucket_force(&b, INT64_MAX, T0 + 20 * S);
	CU_ASSERT_EQUAL(tl_bucket_available(&b, T0 + 20 * S), -300);
	CU_ASSERT_EQUAL(tl_bucket_available(&b, INT64_MAX), 300);
	/* non-positive force only refills */
	tl_bucket_init(&b, 300, 10 * S, T0);
	tl_bucket_force(&b, 0, T0);
	tl_bucket_force(&b, -5, T0);
	CU_ASSERT_EQUAL(tl_bucket_available(&b, T0), 300);
}

static void test_bucket_odd_arguments(void)
{
	tl_bucket_t b;
	tl_bucket_init(&b, 300, 10 * S, T0);
	CU_ASSERT_TRUE(tl_bucket_take(&b, 0, T0));
	CU_ASSERT_FALSE(tl_bucket_take(&b, -1, T0));
	CU_ASSERT_FALSE(tl_bucket_take(&b, 301, T0));
	CU_ASSERT_FALSE(tl_bucket_take(&b, INT64_MAX, T0));
	CU_ASSERT_FALSE(tl_bucket_take(&b, INT64_MIN, T0));
	CU_ASSERT_EQUAL(tl_bucket_available(&b, T0), 300);

	/* configuration that would overflow is clamped, not UB */
	tl_bucket_init(&b, INT64_MAX, INT64_MAX, T0);
	CU_ASSERT(b.window_ns == INT64_MAX && b.capacity >= 0);
	CU_ASSERT(tl_bucket_available(&b, INT64_MAX) >= 0);
	tl_bucket_force(&b, INT64_MAX, T0);
	tl_bucket_init(&b, INT64_MAX, 1, T0);
	CU_ASSERT(b.capacity > 0 && b.capacity <= INT64_MAX / 4);
	CU_ASSERT_TRUE(tl_bucket_take(&b, 1000, T0));
	tl_bucket_force(&b, INT64_MAX, T0);
	CU_ASSERT(tl_bucket_available(&b, INT64_MAX) == b.capacity);
	tl_bucket_init(&b, -3, -3, T0);
	CU_ASSERT_EQUAL(b.capacity, 0);
	CU_ASSERT_EQUAL(b.window_ns, 1);
	CU_ASSERT_FALSE(tl_bucket_take(&b, 1, T0 + S));
	CU_ASSERT_TRUE(tl_bucket_take(&b, 0, T0 + S));

	/* a zeroed (never initialised) bucket refuses instead of dividing
	 * by zero */
	memset(&b, 0, sizeof b);
	CU_ASSERT_FALSE(tl_bucket_take(&b, 1, T0));
	CU_ASSERT_EQUAL(tl_bucket_available(&b, T0), 0);
	tl_bucket_force(&b, 1, T0);
}

/* Kernel purity: no entry point touches the heap. Nothing asserts while
 * armed (CUnit allocates on assert). */
static void test_no_allocation(void)
{
	tl_backoff_t p;
	tl_bucket_t b;
	volatile int64_t sink = 0;

	tl_alloc_hook_arm();
	for (size_t i = 0; i < sizeof cls_rows / sizeof cls_rows[0]; i++) {
		tl_outcome_t o = { cls_rows[i].tr, cls_rows[i].written, true,
				   cls_rows[i].status, cls_rows[i].code,
				   cls_rows[i].kind };
		sink += tl_retry_classify(&o);
		sink += (int64_t)tl_retry_class_name(tl_retry_classify(&o))[0];
	}
	sink += tl_retry_503_kind("Service Unavailable.");
	sink += tl_retry_503_kind("nope");
	tl_backoff_defaults(&p);
	p.jitter_pct = 25;
	p.max_attempts = UINT32_MAX;
	for (uint32_t r = 0; r < 100; r++)
		sink += tl_backoff_delay(&p, r, r * 31u);
	tl_bucket_init(&b, 300, 10 * S, T0);
	sink += tl_bucket_take(&b, 300, T0);
	tl_bucket_force(&b, 10, T0);
	sink += tl_bucket_available(&b, T0 + S);
	size_t calls = tl_alloc_hook_disarm();
	CU_ASSERT_EQUAL(calls, 0);
	(void)sink;
}

TL_TEST_SUITE("kernel.retry", NULL, NULL,
	TL_TEST(test_classify_table),
	TL_TEST(test_classify_http_ignores_written),
	TL_TEST(test_classify_reads_never_ambiguous),
	TL_TEST(test_class_names),
	TL_TEST(test_503_kind),
	TL_TEST(test_503_text_to_class),
	TL_TEST(test_backoff_defaults_schedule),
	TL_TEST(test_backoff_cap),
	TL_TEST(test_backoff_huge_retry_no_ub),
	TL_TEST(test_backoff_degenerate_policy),
	TL_TEST(test_backoff_jitter),
	TL_TEST(test_bucket_init),
	TL_TEST(test_bucket_take_300_then_refuse),
	TL_TEST(test_bucket_refill_exact),
	TL_TEST(test_bucket_never_above_capacity),
	TL_TEST(test_bucket_time_backwards),
	TL_TEST(test_bucket_force_and_recover),
	TL_TEST(test_bucket_force_floor),
	TL_TEST(test_bucket_odd_arguments),
	TL_TEST(test_no_allocation));
