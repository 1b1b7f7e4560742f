/*
 * test_fixed.c - kernel/fixed.c: decimal parse and format, 128-bit
 * multiply/divide in every rounding mode, quantize/on_step/decimals.
 *
 * Worked examples use real venue numbers (BTCUSDT tick 0.10, step 0.001).
 * Boundaries are the int64 edges at 1e-8: 92233720368.54775807 and
 * -92233720368.54775808. The random round-trip loop uses a fixed seed so a
 * failure reproduces.
 */
#include "tests/support/tl_test.h"

#include "kernel/fixed.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define ONE TL_FX_ONE

/* Parse a NUL-terminated literal; expect success and value v. */
#define PARSE_OK(s, v)                                                        \
	do {                                                                  \
		tl_fx_t got_ = 0x5a5a;                                        \
		CU_ASSERT_EQUAL(tl_fx_parse_cstr((s), &got_), TL_FX_OK);      \
		CU_ASSERT_EQUAL(got_, (tl_fx_t)(v));                          \
	} while (0)

/* Expect error e and *out left untouched. */
#define PARSE_ERR(s, e)                                                       \
	do {                                                                  \
		tl_fx_t got_ = 0x5a5a;                                        \
		CU_ASSERT_EQUAL(tl_fx_parse_cstr((s), &got_), (e));           \
		CU_ASSERT_EQUAL(got_, 0x5a5a);                                \
	} while (0)

/* Format v with d decimals; expect exactly text s. */
#define FMT(v, d, s)                                                          \
	do {                                                                  \
		char b_[TL_FX_STRLEN];                                        \
		int n_ = tl_fx_format((v), (d), b_, sizeof(b_));              \
		CU_ASSERT_STRING_EQUAL(b_, (s));                              \
		CU_ASSERT_EQUAL(n_, (int)strlen(s));                          \
	} while (0)

/* Expect f(a, b, mode) to give r. */
#define ARITH(f, a, b, mode, r)                                               \
	do {                                                                  \
		tl_fx_t o_ = 0x5a5a;                                          \
		CU_ASSERT_TRUE(f((a), (b), (mode), &o_));                     \
		CU_ASSERT_EQUAL(o_, (tl_fx_t)(r));                            \
	} while (0)

/* Expect f(a, b, mode) to fail and leave *out alone. */
#define ARITH_FAIL(f, a, b, mode)                                             \
	do {                                                                  \
		tl_fx_t o_ = 0x5a5a;                                          \
		CU_ASSERT_FALSE(f((a), (b), (mode), &o_));                    \
		CU_ASSERT_EQUAL(o_, 0x5a5a);                                  \
	} while (0)

/* ---- parse ------------------------------------------------------------- */

static void test_parse_basic(void)
{
	PARSE_OK("0", 0);
	PARSE_OK("1", ONE);
	PARSE_OK("50000.1", 5000010000000LL);
	PARSE_OK("50000.10", 5000010000000LL);
	PARSE_OK("0.001", 100000);
	PARSE_OK("0.10", 10000000);
	PARSE_OK("4529764", 452976400000000LL);
	PARSE_OK("0.00000001", 1);
	PARSE_OK("12345678.12345678", 1234567812345678LL);
	PARSE_OK("-1.5", -150000000);
	PARSE_OK("-0.00000001", -1);
}

static void test_parse_forms(void)
{
	PARSE_OK("-0", 0);
	PARSE_OK("-0.0", 0);
	PARSE_OK("0.", 0);
	PARSE_OK("5.", 5 * ONE);
	PARSE_OK("-5.", -5 * ONE);
	PARSE_OK(".5", 50000000);
	PARSE_OK("-.5", -50000000);
	PARSE_OK("007.5", 750000000);
	PARSE_OK("-007.50", -750000000);
	PARSE_OK("00000000000000000000000000000000000001", ONE);
	PARSE_OK("1.00000000", ONE);          /* exactly 8 decimals is fine */
}

static void test_parse_empty(void)
{
	tl_fx_t v = 7;

	PARSE_ERR("", TL_FX_EMPTY);
	PARSE_ERR("-", TL_FX_EMPTY);
	PARSE_ERR(".", TL_FX_EMPTY);
	PARSE_ERR("-.", TL_FX_EMPTY);
	CU_ASSERT_EQUAL(tl_fx_parse_cstr(NULL, &v), TL_FX_EMPTY);
	CU_ASSERT_EQUAL(tl_fx_parse("123", 0, &v), TL_FX_EMPTY);
	CU_ASSERT_EQUAL(tl_fx_parse(NULL, 3, &v), TL_FX_EMPTY);
	CU_ASSERT_EQUAL(v, 7);
}

static void test_parse_syntax(void)
{
	static const char *const bad[] = {
		"1e5", "1E5", "1e-3", "1.5e2", " 1", "1 ", "\t1", "1\n", "+1",
		"1.2.3", "..1", "--1", "-+1", "+-1", "1-", "1.-5", "0x10",
		"abc", "1,5", "1_000", "nan", "inf", "-inf", "\xd9\xa1", "1/2",
		"\"1\"", "- 1", "9999999999999999999999x",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		tl_fx_t v = 0x5a5a;
		tl_fx_err_t e = tl_fx_parse_cstr(bad[i], &v);

		if (e != TL_FX_SYNTAX)
			printf("\n  \"%s\" -> %d\n", bad[i], (int)e);
		CU_ASSERT_EQUAL(e, TL_FX_SYNTAX);
		CU_ASSERT_EQUAL(v, 0x5a5a);
	}
}

/* The length is the bound, not a NUL: bytes past it are not read, and a
 * NUL inside it is junk. */
static void test_parse_explicit_length(void)
{
	tl_fx_t v = 0;

	CU_ASSERT_EQUAL(tl_fx_parse("1.25xyz", 4, &v), TL_FX_OK);
	CU_ASSERT_EQUAL(v, 125000000);
	CU_ASSERT_EQUAL(tl_fx_parse("12", 1, &v), TL_FX_OK);
	CU_ASSERT_EQUAL(v, ONE);
	CU_ASSERT_EQUAL(tl_fx_parse("1\0", 2, &v), TL_FX_SYNTAX);
	CU_ASSERT_EQUAL(v, ONE);
}

static void test_parse_precision(void)
{
	PARSE_OK("0.12345678", 12345678);
	PARSE_ERR("0.123456789", TL_FX_PRECISION);
	/* Trailing zeros still count (the venue rejects them too). */
	PARSE_ERR("1.000000000", TL_FX_PRECISION);
	PARSE_ERR("-0.000000001", TL_FX_PRECISION);
	PARSE_ERR(".000000000", TL_FX_PRECISION);
	/* Precision outranks overflow; syntax outranks both. */
	PARSE_ERR("99999999999999.123456789", TL_FX_PRECISION);
	PARSE_ERR("99999999999999.123456789e", TL_FX_SYNTAX);
}

static void test_parse_overflow_boundary(void)
{
	char big[512];

	PARSE_OK("92233720368.54775807", INT64_MAX);
	PARSE_ERR("92233720368.54775808", TL_FX_OVERFLOW);
	PARSE_OK("-92233720368.54775808", INT64_MIN);
	PARSE_ERR("-92233720368.54775809", TL_FX_OVERFLOW);
	PARSE_OK("92233720368", 9223372036800000000LL);
	PARSE_ERR("92233720369", TL_FX_OVERFLOW);
	/* Overflow found only while scaling the fraction up. */
	PARSE_OK("92233720368.5477580", 9223372036854775800LL);
	PARSE_ERR("92233720368.5477581", TL_FX_OVERFLOW);
	PARSE_ERR("-92233720368.5477581", TL_FX_OVERFLOW);
	PARSE_ERR("100000000000", TL_FX_OVERFLOW);
	PARSE_ERR("18446744073709551616", TL_FX_OVERFLOW);   /* 2^64 */
	PARSE_ERR("36893488147419103232", TL_FX_OVERFLOW);   /* 2^65 */

	/* Very long digit strings: overflow, not wrap-around. */
	memset(big, '9', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	PARSE_ERR(big, TL_FX_OVERFLOW);
	big[0] = '-';
	PARSE_ERR(big, TL_FX_OVERFLOW);
	/* ... while long runs of leading zeros are harmless. */
	memset(big, '0', sizeof(big) - 1);
	big[sizeof(big) - 3] = '.';
	big[sizeof(big) - 2] = '5';
	PARSE_OK(big, 50000000);
}

static void test_strerror(void)
{
	const tl_fx_err_t all[] = { TL_FX_OK, TL_FX_EMPTY, TL_FX_SYNTAX,
				    TL_FX_PRECISION, TL_FX_OVERFLOW };

	for (size_t i = 0; i < 5; i++) {
		CU_ASSERT_PTR_NOT_NULL(tl_fx_strerror(all[i]));
		for (size_t j = 0; j < i; j++)
			CU_ASSERT_STRING_NOT_EQUAL(tl_fx_strerror(all[i]),
						   tl_fx_strerror(all[j]));
	}
	CU_ASSERT_STRING_EQUAL(tl_fx_strerror(TL_FX_PRECISION),
			       "more than 8 decimals");
	CU_ASSERT_PTR_NOT_NULL(tl_fx_strerror((tl_fx_err_t)99));
}

/* ---- format ------------------------------------------------------------ */

static void test_format_decimals(void)
{
	FMT(5000010000000LL, 2, "50000.10");
	FMT(5000010000000LL, 0, "50000");
	FMT(5000010000000LL, 8, "50000.10000000");
	FMT(ONE, 0, "1");
	FMT(0, 3, "0.000");
	FMT(-150000000, 1, "-1.5");
	FMT(-150000000, 3, "-1.500");
	FMT(123456789, 8, "1.23456789");
	FMT(100000, 3, "0.001");
	/* Beyond `decimals` digits are cut, never rounded. */
	FMT(199999999, 2, "1.99");
	FMT(199999999, 0, "1");
	FMT(-199999999, 2, "-1.99");
	FMT(-199999999, 0, "-1");
	/* A value that truncates to zero loses its sign. */
	FMT(-1, 2, "0.00");
	FMT(-99999999, 0, "0");
	FMT(-1, 8, "-0.00000001");
	FMT(INT64_MAX, 2, "92233720368.54");
	FMT(INT64_MIN, 2, "-92233720368.54");
	FMT(INT64_MIN, 8, "-92233720368.54775808");
}

static void test_format_shortest(void)
{
	FMT(0, -1, "0");
	FMT(100000, -1, "0.001");
	FMT(5000010000000LL, -1, "50000.1");
	FMT(-200000000, -1, "-2");
	FMT(1, -1, "0.00000001");
	FMT(-1, -1, "-0.00000001");
	FMT(10 * ONE, -1, "10");
	FMT(100000 * ONE, -1, "100000");
	FMT(INT64_MAX, -1, "92233720368.54775807");
	FMT(INT64_MIN, -1, "-92233720368.54775808");
	FMT(9223372036800000000LL, -1, "92233720368");
}

/* Never writes past `size`; on failure returns -1 and leaves "" when it
 * can. Checked with canary bytes right after the allowed region. */
static void test_format_bounds(void)
{
	char b[64];
	const char *want = "-92233720368.54775808";     /* 21 chars */
	size_t need = strlen(want) + 1;

	for (size_t size = 1; size <= need; size++) {
		int n;

		memset(b, '#', sizeof(b));
		n = tl_fx_format(INT64_MIN, -1, b, size);
		if (size < need) {
			CU_ASSERT_EQUAL(n, -1);
			CU_ASSERT_EQUAL(b[0], '\0');
		} else {
			CU_ASSERT_EQUAL(n, (int)strlen(want));
			CU_ASSERT_STRING_EQUAL(b, want);
		}
		for (size_t k = size; k < sizeof(b); k++)
			CU_ASSERT_EQUAL_FATAL(b[k], '#');
	}
	memset(b, '#', sizeof(b));
	CU_ASSERT_EQUAL(tl_fx_format(1, -1, b, 0), -1);
	CU_ASSERT_EQUAL(b[0], '#');
	CU_ASSERT_EQUAL(tl_fx_format(1, -1, NULL, 32), -1);
	/* "0" needs 2 bytes. */
	CU_ASSERT_EQUAL(tl_fx_format(0, -1, b, 1), -1);
	CU_ASSERT_EQUAL(tl_fx_format(0, -1, b, 2), 1);
	CU_ASSERT_STRING_EQUAL(b, "0");
}

static void test_format_bad_decimals(void)
{
	char b[TL_FX_STRLEN];

	memset(b, '#', sizeof(b));
	CU_ASSERT_EQUAL(tl_fx_format(ONE, 9, b, sizeof(b)), -1);
	CU_ASSERT_EQUAL(b[0], '\0');
	CU_ASSERT_EQUAL(tl_fx_format(ONE, -2, b, sizeof(b)), -1);
	CU_ASSERT_EQUAL(tl_fx_format(ONE, 1000, b, sizeof(b)), -1);
}

/* ---- round trips ------------------------------------------------------- */

/* xorshift64*: fixed seed, so a failing value reproduces. */
static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 2685821657736338717ULL;
}

static const int64_t pow10_[9] = {
	1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000,
};

/* format(v, d) then parse must give v truncated toward zero to d
 * decimals, for every d; -1 must give v back exactly. */
static int roundtrip_one(int64_t v)
{
	char b[TL_FX_STRLEN];
	tl_fx_t back;
	int bad = 0;

	if (tl_fx_format(v, -1, b, sizeof(b)) < 0 ||
	    tl_fx_parse_cstr(b, &back) != TL_FX_OK || back != v)
		bad++;
	for (int d = 0; d <= 8; d++) {
		int64_t unit = pow10_[8 - d];
		int64_t want = v - v % unit;    /* C % truncates toward zero */

		if (tl_fx_format(v, d, b, sizeof(b)) < 0 ||
		    tl_fx_parse_cstr(b, &back) != TL_FX_OK || back != want)
			bad++;
		/* A short form never has more decimals than asked for. */
		if (d == 0 && strchr(b, '.') != NULL)
			bad++;
	}
	if (bad)
		printf("\n  round trip failed for %lld\n", (long long)v);
	return bad;
}

static void test_roundtrip_boundaries(void)
{
	const int64_t vals[] = {
		0, 1, -1, ONE, -ONE, ONE - 1, -ONE + 1, ONE + 1, INT64_MAX,
		INT64_MIN, INT64_MAX - 1, INT64_MIN + 1, 5000010000000LL,
		-5000010000000LL, 100000, 99999999, -99999999,
	};
	for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++)
		CU_ASSERT_EQUAL(roundtrip_one(vals[i]), 0);
}

static void test_roundtrip_random(void)
{
	int bad = 0;

	for (int i = 0; i < 200000 && bad < 10; i++) {
		uint64_t r = rng();
		int64_t v;

		/* Mix full-width values with small magnitudes, where the
		 * fraction digits and leading zeros matter most. */
		switch (i % 4) {
		case 0:
			v = (int64_t)r;
			break;
		case 1:
			v = (int64_t)(r % 2000000000ULL) - 1000000000;
			break;
		case 2:
			v = (int64_t)(r >> (r & 63));
			break;
		default:
			v = -(int64_t)(r >> 1) - (int64_t)(r & 1);
			break;
		}
		bad += roundtrip_one(v);
	}
	CU_ASSERT_EQUAL(bad, 0);
}

/* ---- multiply / divide ------------------------------------------------- */

static void test_mul_exact(void)
{
	ARITH(tl_fx_mul, 150000000, 2 * ONE, TL_FX_DOWN, 3 * ONE);
	/* price x qty: 50000.10 x 0.001 = 50.0001 */
	ARITH(tl_fx_mul, 5000010000000LL, 100000, TL_FX_DOWN, 5000010000LL);
	ARITH(tl_fx_mul, -5000010000000LL, 100000, TL_FX_FLOOR, -5000010000LL);
	ARITH(tl_fx_mul, 0, INT64_MIN, TL_FX_UP, 0);
	ARITH(tl_fx_mul, INT64_MIN, ONE, TL_FX_NEAREST, INT64_MIN);
	ARITH(tl_fx_mul, INT64_MAX, ONE, TL_FX_NEAREST, INT64_MAX);
	ARITH(tl_fx_mul, INT64_MAX, -ONE, TL_FX_NEAREST, -INT64_MAX);
}

/* 1.00000001 x 0.5 = 0.500000005: exactly half a unit, both signs. */
static void test_mul_rounding(void)
{
	const tl_fx_t a = ONE + 1, h = ONE / 2;

	ARITH(tl_fx_mul, a, h, TL_FX_DOWN, 50000000);
	ARITH(tl_fx_mul, a, h, TL_FX_UP, 50000001);
	ARITH(tl_fx_mul, a, h, TL_FX_FLOOR, 50000000);
	ARITH(tl_fx_mul, a, h, TL_FX_CEIL, 50000001);
	ARITH(tl_fx_mul, a, h, TL_FX_NEAREST, 50000001);

	ARITH(tl_fx_mul, -a, h, TL_FX_DOWN, -50000000);
	ARITH(tl_fx_mul, -a, h, TL_FX_UP, -50000001);
	ARITH(tl_fx_mul, -a, h, TL_FX_FLOOR, -50000001);
	ARITH(tl_fx_mul, -a, h, TL_FX_CEIL, -50000000);
	ARITH(tl_fx_mul, -a, h, TL_FX_NEAREST, -50000001);
	ARITH(tl_fx_mul, a, -h, TL_FX_NEAREST, -50000001);
	ARITH(tl_fx_mul, -a, -h, TL_FX_FLOOR, 50000000);

	/* 1e-8 x 1e-8 = 1e-16: below one unit. */
	ARITH(tl_fx_mul, 1, 1, TL_FX_DOWN, 0);
	ARITH(tl_fx_mul, 1, 1, TL_FX_UP, 1);
	ARITH(tl_fx_mul, 1, 1, TL_FX_NEAREST, 0);
	ARITH(tl_fx_mul, -1, 1, TL_FX_FLOOR, -1);
	ARITH(tl_fx_mul, -1, 1, TL_FX_CEIL, 0);
	/* 0.3 x 0.00000002 = 0.000000006: 0.6 of a unit rounds away. */
	ARITH(tl_fx_mul, 30000000, 2, TL_FX_NEAREST, 1);
	ARITH(tl_fx_mul, -30000000, 2, TL_FX_NEAREST, -1);
	/* 0.2 x 0.00000002 = 0.4 of a unit rounds toward zero. */
	ARITH(tl_fx_mul, 20000000, 2, TL_FX_NEAREST, 0);
	ARITH(tl_fx_mul, -20000000, 2, TL_FX_NEAREST, 0);
}

static void test_mul_overflow(void)
{
	ARITH_FAIL(tl_fx_mul, INT64_MAX, 2 * ONE, TL_FX_DOWN);
	ARITH_FAIL(tl_fx_mul, INT64_MIN, -ONE, TL_FX_DOWN);
	ARITH_FAIL(tl_fx_mul, INT64_MIN, INT64_MIN, TL_FX_DOWN);
	ARITH_FAIL(tl_fx_mul, INT64_MAX, INT64_MAX, TL_FX_NEAREST);
	/* 92233720368 x 1.00000001 just crosses the top. */
	ARITH_FAIL(tl_fx_mul, 9223372036800000000LL, ONE + 1, TL_FX_DOWN);
	/* INT64_MAX x 1.00000000 then UP: exact, so no push over. */
	ARITH(tl_fx_mul, INT64_MAX, ONE, TL_FX_UP, INT64_MAX);
	ARITH_FAIL(tl_fx_mul, ONE, ONE, (tl_fx_round_t)17);
}

static void test_div(void)
{
	const tl_fx_t third = 33333333, two_thirds = 66666666;

	ARITH(tl_fx_div, ONE, 3 * ONE, TL_FX_DOWN, third);
	ARITH(tl_fx_div, ONE, 3 * ONE, TL_FX_UP, third + 1);
	ARITH(tl_fx_div, ONE, 3 * ONE, TL_FX_NEAREST, third);
	ARITH(tl_fx_div, 2 * ONE, 3 * ONE, TL_FX_NEAREST, two_thirds + 1);
	ARITH(tl_fx_div, -2 * ONE, 3 * ONE, TL_FX_DOWN, -two_thirds);
	ARITH(tl_fx_div, -2 * ONE, 3 * ONE, TL_FX_UP, -two_thirds - 1);
	ARITH(tl_fx_div, -2 * ONE, 3 * ONE, TL_FX_FLOOR, -two_thirds - 1);
	ARITH(tl_fx_div, -2 * ONE, 3 * ONE, TL_FX_CEIL, -two_thirds);
	ARITH(tl_fx_div, -2 * ONE, 3 * ONE, TL_FX_NEAREST, -two_thirds - 1);
	ARITH(tl_fx_div, 2 * ONE, -3 * ONE, TL_FX_FLOOR, -two_thirds - 1);
	ARITH(tl_fx_div, -2 * ONE, -3 * ONE, TL_FX_CEIL, two_thirds + 1);
	/* notional / price = qty: 50.0001 / 50000.10 = 0.001 exactly */
	ARITH(tl_fx_div, 5000010000LL, 5000010000000LL, TL_FX_DOWN, 100000);
	ARITH(tl_fx_div, 1, -ONE, TL_FX_DOWN, -1);
	ARITH(tl_fx_div, INT64_MIN, ONE, TL_FX_DOWN, INT64_MIN);
	ARITH(tl_fx_div, INT64_MAX, ONE, TL_FX_DOWN, INT64_MAX);
	/* 1 / 92233720368.54775808 is 1.08e-19: 0, or one unit away. */
	ARITH(tl_fx_div, ONE, INT64_MIN, TL_FX_FLOOR, -1);
	ARITH(tl_fx_div, ONE, INT64_MIN, TL_FX_CEIL, 0);

	ARITH_FAIL(tl_fx_div, ONE, 0, TL_FX_DOWN);
	ARITH_FAIL(tl_fx_div, 0, 0, TL_FX_NEAREST);
	ARITH_FAIL(tl_fx_div, INT64_MAX, ONE / 2, TL_FX_DOWN);
	ARITH_FAIL(tl_fx_div, INT64_MIN, -ONE, TL_FX_DOWN);
	/* 1 / 0.00000001 = 100000000 fits; 1000 / 0.00000001 does not. */
	ARITH(tl_fx_div, ONE, 1, TL_FX_DOWN, 100000000 * ONE);
	ARITH_FAIL(tl_fx_div, 1000 * ONE, 1, TL_FX_DOWN);
	ARITH_FAIL(tl_fx_div, ONE, ONE, (tl_fx_round_t)17);
}

static void test_div_wide(void)
{
	const __int128 i128_max = (__int128)(~(unsigned __int128)0 >> 1);
	const __int128 i128_min = -i128_max - 1;
	int64_t q;

#define DW(num, den, mode, r)                                                 \
	do {                                                                  \
		int64_t o_ = 0x5a5a;                                          \
		CU_ASSERT_TRUE(tl_fx_div_wide((num), (den), (mode), &o_));    \
		CU_ASSERT_EQUAL(o_, (int64_t)(r));                            \
	} while (0)

	/* 5/2 = 2.5 and -5/2 = -2.5, every mode. */
	DW(5, 2, TL_FX_DOWN, 2);
	DW(5, 2, TL_FX_UP, 3);
	DW(5, 2, TL_FX_FLOOR, 2);
	DW(5, 2, TL_FX_CEIL, 3);
	DW(5, 2, TL_FX_NEAREST, 3);
	DW(-5, 2, TL_FX_DOWN, -2);
	DW(-5, 2, TL_FX_UP, -3);
	DW(-5, 2, TL_FX_FLOOR, -3);
	DW(-5, 2, TL_FX_CEIL, -2);
	DW(-5, 2, TL_FX_NEAREST, -3);
	DW(5, -2, TL_FX_FLOOR, -3);
	DW(5, -2, TL_FX_CEIL, -2);
	DW(-5, -2, TL_FX_FLOOR, 2);
	DW(-5, -2, TL_FX_CEIL, 3);
	/* Below and above half. */
	DW(4, 3, TL_FX_NEAREST, 1);
	DW(-4, 3, TL_FX_NEAREST, -1);
	DW(5, 3, TL_FX_NEAREST, 2);
	DW(-5, 3, TL_FX_NEAREST, -2);
	DW(6, 3, TL_FX_UP, 2);          /* exact: no rounding at all */
	DW(-6, 3, TL_FX_FLOOR, -2);
	/* |den| = 2^63: half exactly, via the unsigned magnitude path. */
	DW(-((__int128)1 << 62), INT64_MIN, TL_FX_NEAREST, 1);
	DW(((__int128)1 << 62) - 1, INT64_MIN, TL_FX_NEAREST, 0);
	DW((__int128)INT64_MIN, INT64_MIN, TL_FX_DOWN, 1);
	/* Edges of the int64 result. */
	DW((__int128)INT64_MAX, 1, TL_FX_DOWN, INT64_MAX);
	DW((__int128)INT64_MIN, 1, TL_FX_DOWN, INT64_MIN);
	DW(-(__int128)INT64_MIN, -1, TL_FX_DOWN, INT64_MIN);
	/* The exact wide product 92233720368.54775807^2 back down. */
	DW(tl_fx_mul_wide(INT64_MAX, INT64_MAX), INT64_MAX, TL_FX_DOWN, INT64_MAX);
	CU_ASSERT_TRUE(tl_fx_mul_wide(INT64_MIN, INT64_MIN) == (__int128)1 << 126);
#undef DW

	q = 0x5a5a;
	CU_ASSERT_FALSE(tl_fx_div_wide((__int128)INT64_MAX + 1, 1, TL_FX_DOWN, &q));
	CU_ASSERT_FALSE(tl_fx_div_wide((__int128)INT64_MIN - 1, 1, TL_FX_DOWN, &q));
	/* Rounding itself pushes over: (2*INT64_MAX + 1) / 2 = INT64_MAX + 0.5 */
	CU_ASSERT_TRUE(tl_fx_div_wide(2 * (__int128)INT64_MAX + 1, 2, TL_FX_DOWN, &q));
	CU_ASSERT_EQUAL(q, INT64_MAX);
	q = 0x5a5a;
	CU_ASSERT_FALSE(tl_fx_div_wide(2 * (__int128)INT64_MAX + 1, 2, TL_FX_UP, &q));
	CU_ASSERT_FALSE(tl_fx_div_wide(1, 0, TL_FX_DOWN, &q));
	/* INT128_MIN / -1 would trap in C; must be a clean false. */
	CU_ASSERT_FALSE(tl_fx_div_wide(i128_min, -1, TL_FX_DOWN, &q));
	CU_ASSERT_FALSE(tl_fx_div_wide(i128_max, 1, TL_FX_DOWN, &q));
	CU_ASSERT_FALSE(tl_fx_div_wide(i128_min, INT64_MIN, TL_FX_DOWN, &q));
	CU_ASSERT_FALSE(tl_fx_div_wide(1, 1, (tl_fx_round_t)5, &q));
	CU_ASSERT_FALSE(tl_fx_div_wide(1, 1, (tl_fx_round_t)-1, &q));
	CU_ASSERT_EQUAL(q, 0x5a5a);
}

/* ---- steps ------------------------------------------------------------- */

/* BTCUSDT tick 0.10: a BUY rounds down (FLOOR), a SELL up (CEIL), so the
 * adjusted price is never more aggressive than asked. */
static void test_quantize_price(void)
{
	const tl_fx_t tick = 10000000;      /* 0.10 */

	ARITH(tl_fx_quantize, 5000017000000LL, tick, TL_FX_FLOOR, 5000010000000LL);
	ARITH(tl_fx_quantize, 5000017000000LL, tick, TL_FX_CEIL, 5000020000000LL);
	ARITH(tl_fx_quantize, 5000017000000LL, tick, TL_FX_NEAREST, 5000020000000LL);
	ARITH(tl_fx_quantize, 5000014000000LL, tick, TL_FX_NEAREST, 5000010000000LL);
	ARITH(tl_fx_quantize, 5000015000000LL, tick, TL_FX_NEAREST, 5000020000000LL);
	ARITH(tl_fx_quantize, 5000010000001LL, tick, TL_FX_CEIL, 5000020000000LL);
	ARITH(tl_fx_quantize, 5000019999999LL, tick, TL_FX_FLOOR, 5000010000000LL);
	/* Already on tick: unchanged in every mode. */
	for (int m = TL_FX_DOWN; m <= TL_FX_NEAREST; m++)
		ARITH(tl_fx_quantize, 5000010000000LL, tick, (tl_fx_round_t)m,
		      5000010000000LL);
	/* Negative values (spreads, PnL): FLOOR/CEIL keep their direction. */
	ARITH(tl_fx_quantize, -17000000, tick, TL_FX_FLOOR, -20000000);
	ARITH(tl_fx_quantize, -17000000, tick, TL_FX_CEIL, -10000000);
	ARITH(tl_fx_quantize, -17000000, tick, TL_FX_DOWN, -10000000);
	ARITH(tl_fx_quantize, -17000000, tick, TL_FX_UP, -20000000);
	ARITH(tl_fx_quantize, -15000000, tick, TL_FX_NEAREST, -20000000);
	ARITH(tl_fx_quantize, -14000000, tick, TL_FX_NEAREST, -10000000);
	/* Below one tick. */
	ARITH(tl_fx_quantize, 3000000, tick, TL_FX_FLOOR, 0);
	ARITH(tl_fx_quantize, 3000000, tick, TL_FX_CEIL, tick);
}

/* Quantities round toward zero to the step: never trade more than asked. */
static void test_quantize_qty(void)
{
	const tl_fx_t step = 100000;        /* 0.001 */

	ARITH(tl_fx_quantize, 123456789, step, TL_FX_DOWN, 123400000);
	ARITH(tl_fx_quantize, 90000, step, TL_FX_DOWN, 0);
	ARITH(tl_fx_quantize, -123456789, step, TL_FX_DOWN, -123400000);
	ARITH(tl_fx_quantize, 1290000000, ONE, TL_FX_DOWN, 1200000000);
	ARITH(tl_fx_quantize, 7, 1, TL_FX_UP, 7);       /* step 1e-8: identity */
}

static void test_quantize_limits(void)
{
	ARITH_FAIL(tl_fx_quantize, ONE, 0, TL_FX_DOWN);
	ARITH_FAIL(tl_fx_quantize, ONE, -ONE, TL_FX_DOWN);
	/* INT64_MAX ends in ...807: up to ...810 does not fit, down does. */
	ARITH_FAIL(tl_fx_quantize, INT64_MAX, 10, TL_FX_CEIL);
	ARITH_FAIL(tl_fx_quantize, INT64_MAX, 10, TL_FX_NEAREST);
	ARITH(tl_fx_quantize, INT64_MAX, 10, TL_FX_DOWN, 9223372036854775800LL);
	ARITH_FAIL(tl_fx_quantize, INT64_MIN, 10, TL_FX_FLOOR);
	ARITH(tl_fx_quantize, INT64_MIN, 10, TL_FX_CEIL, -9223372036854775800LL);
	ARITH(tl_fx_quantize, INT64_MIN, 1, TL_FX_FLOOR, INT64_MIN);
	ARITH(tl_fx_quantize, INT64_MIN, 2, TL_FX_UP, INT64_MIN);
	ARITH(tl_fx_quantize, INT64_MAX, INT64_MAX, TL_FX_UP, INT64_MAX);
	ARITH(tl_fx_quantize, 1, INT64_MAX, TL_FX_DOWN, 0);
	ARITH_FAIL(tl_fx_quantize, INT64_MIN, INT64_MAX, TL_FX_FLOOR);
}

static void test_on_step(void)
{
	const tl_fx_t tick = 10000000;

	CU_ASSERT_TRUE(tl_fx_on_step(5000010000000LL, tick));
	CU_ASSERT_FALSE(tl_fx_on_step(5000015000000LL, tick));
	CU_ASSERT_FALSE(tl_fx_on_step(5000010000001LL, tick));
	CU_ASSERT_TRUE(tl_fx_on_step(0, tick));
	CU_ASSERT_TRUE(tl_fx_on_step(-20000000, tick));
	CU_ASSERT_FALSE(tl_fx_on_step(-25000000, tick));
	CU_ASSERT_TRUE(tl_fx_on_step(123456789, 0));     /* no rule */
	CU_ASSERT_TRUE(tl_fx_on_step(123456789, -5));
	CU_ASSERT_TRUE(tl_fx_on_step(INT64_MIN, 1));
	CU_ASSERT_TRUE(tl_fx_on_step(INT64_MIN, 2));
	CU_ASSERT_FALSE(tl_fx_on_step(INT64_MAX, 2));
	CU_ASSERT_TRUE(tl_fx_on_step(INT64_MAX, INT64_MAX));
	CU_ASSERT_FALSE(tl_fx_on_step(INT64_MIN, INT64_MAX));
}

static void test_decimals(void)
{
	CU_ASSERT_EQUAL(tl_fx_decimals(100000), 3);              /* 0.001 */
	CU_ASSERT_EQUAL(tl_fx_decimals(5000010000000LL), 1);     /* 50000.10 */
	CU_ASSERT_EQUAL(tl_fx_decimals(10000000), 1);            /* 0.10 */
	CU_ASSERT_EQUAL(tl_fx_decimals(0), 0);
	CU_ASSERT_EQUAL(tl_fx_decimals(5 * ONE), 0);
	CU_ASSERT_EQUAL(tl_fx_decimals(1), 8);
	CU_ASSERT_EQUAL(tl_fx_decimals(-50000000), 1);
	CU_ASSERT_EQUAL(tl_fx_decimals(-12345678), 8);
	CU_ASSERT_EQUAL(tl_fx_decimals(INT64_MIN), 8);
	CU_ASSERT_EQUAL(tl_fx_decimals(INT64_MAX), 8);
	CU_ASSERT_EQUAL(tl_fx_decimals(9223372036800000000LL), 0);
}

TL_TEST_SUITE("kernel.fixed", NULL, NULL,
	      TL_TEST(test_parse_basic),
	      TL_TEST(test_parse_forms),
	      TL_TEST(test_parse_empty),
	      TL_TEST(test_parse_syntax),
	      TL_TEST(test_parse_explicit_length),
	      TL_TEST(test_parse_precision),
	      TL_TEST(test_parse_overflow_boundary),
	      TL_TEST(test_strerror),
	      TL_TEST(test_format_decimals),
	      TL_TEST(test_format_shortest),
	      TL_TEST(test_format_bounds),
	      TL_TEST(test_format_bad_decimals),
	      TL_TEST(test_roundtrip_boundaries),
	      TL_TEST(test_roundtrip_random),
	      TL_TEST(test_mul_exact),
	      TL_TEST(test_mul_rounding),
	      TL_TEST(test_mul_overflow),
	      TL_TEST(test_div),
	      TL_TEST(test_div_wide),
	      TL_TEST(test_quantize_price),
	      TL_TEST(test_quantize_qty),
	      TL_TEST(test_quantize_limits),
	      TL_TEST(test_on_step),
	      TL_TEST(test_decimals));
