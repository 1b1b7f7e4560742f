/*
 * fixed.c - exact decimal fixed-point (1e-8 units) for prices and money.
 *
 * The file has four parts: parsing, formatting, 128-bit multiply/divide with
 * explicit rounding, and step helpers (quantize, on_step, decimals).
 *
 * Invariants the code relies on:
 *   1. No floating point. Every conversion is digit by digit.
 *   2. Magnitudes are carried as uint64_t so that INT64_MIN, whose
 *      magnitude 2^63 has no int64 representation, needs no special case:
 *      the magnitude of v is (uint64_t)0 - (uint64_t)v for v < 0.
 *   3. A product of two int64 is at most 2^126 in magnitude, which fits
 *      __int128 with room to spare; every rounding happens once, at the
 *      end, in tl_fx_div_wide.
 *   4. No signed overflow anywhere (the tests run under UBSan): all bounds
 *      are checked before the arithmetic, never after.
 *
 * Pure functions, no state, no I/O: safe from any thread.
 */
#include "kernel/fixed.h"

#include <string.h>

#define TL_FX_I128_MAX ((__int128)(~(unsigned __int128)0 >> 1))
#define TL_FX_I128_MIN (-TL_FX_I128_MAX - 1)

/* ---- parsing ----------------------------------------------------------- */

/*
 * One pass over the bytes. The grammar is checked over the whole string
 * before any numeric error is reported, so the error kinds have a fixed
 * precedence: SYNTAX, then EMPTY, then PRECISION, then OVERFLOW. That keeps
 * "1e999999999999" a syntax error (the exponent is the real problem) and
 * "99999999999.123456789" a precision error.
 */
tl_fx_err_t tl_fx_parse(const char *s, size_t len, tl_fx_t *out)
{
	size_t i = 0, ndigits = 0, nfrac = 0;
	bool neg = false, dot = false, ovf = false;
	uint64_t mag = 0, limit;

	if (s == NULL || len == 0)
		return TL_FX_EMPTY;
	if (s[0] == '-') {
		neg = true;
		i = 1;
	}
	/* The negative range is one unit larger: -92233720368.54775808. */
	limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;

	for (; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		uint64_t d;

		if (c == '.') {
			if (dot)
				return TL_FX_SYNTAX;
			dot = true;
			continue;
		}
		if (c < '0' || c > '9')
			return TL_FX_SYNTAX;
		ndigits++;
		if (dot)
			nfrac++;
		/* Keep scanning after overflow or a 9th decimal: a later
		 * byte may still make it a syntax error. */
		if (ovf || nfrac > TL_FX_DECIMALS)
			continue;
		d = c - '0';
		if (mag > (limit - d) / 10)
			ovf = true;
		else
			mag = mag * 10 + d;
	}
	if (ndigits == 0)
		return TL_FX_EMPTY;
	if (nfrac > TL_FX_DECIMALS)
		return TL_FX_PRECISION;
	/* Scale the digits read so far up to 1e-8 units. */
	for (; nfrac < TL_FX_DECIMALS && !ovf; nfrac++) {
		if (mag > limit / 10)
			ovf = true;
		else
			mag *= 10;
	}
	if (ovf)
		return TL_FX_OVERFLOW;

	if (!neg)
		*out = (tl_fx_t)mag;
	else if (mag == (uint64_t)INT64_MAX + 1)
		*out = INT64_MIN;
	else
		*out = -(tl_fx_t)mag;
	return TL_FX_OK;
}

tl_fx_err_t tl_fx_parse_cstr(const char *s, tl_fx_t *out)
{
	if (s == NULL)
		return TL_FX_EMPTY;
	return tl_fx_parse(s, strlen(s), out);
}

const char *tl_fx_strerror(tl_fx_err_t e)
{
	switch (e) {
	case TL_FX_OK:
		return "ok";
	case TL_FX_EMPTY:
		return "no digits";
	case TL_FX_SYNTAX:
		return "not a plain decimal (sign, exponent, space or junk)";
	case TL_FX_PRECISION:
		return "more than 8 decimals";
	case TL_FX_OVERFLOW:
		return "out of range (|value| > 92233720368.54775807)";
	}
	return "unknown fixed-point error";
}

/* ---- formatting -------------------------------------------------------- */

/*
 * Builds the text in a local buffer first so a short `buf` is never
 * partially written past its end; on any error buf becomes "" (when it has
 * room for the NUL) and -1 is returned.
 *
 * decimals 0..8 truncate toward zero (never round: a formatted price must
 * never be better than the real one), and the sign is printed only when
 * the printed digits are not all zero, so -0.00000001 at 2 decimals is
 * "0.00", never "-0.00".
 */
int tl_fx_format(tl_fx_t v, int decimals, char *buf, size_t size)
{
	char tmp[TL_FX_STRLEN];
	char rev[20];
	uint64_t mag, ip, fp;
	int nd, n = 0, r = 0;

	if (buf == NULL || size == 0)
		return -1;
	if (decimals < -1 || decimals > TL_FX_DECIMALS)
		goto fail;

	mag = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
	ip = mag / (uint64_t)TL_FX_SCALE;
	fp = mag % (uint64_t)TL_FX_SCALE;
	if (decimals < 0) {
		nd = TL_FX_DECIMALS;
		while (nd > 0 && fp % 10 == 0) {
			fp /= 10;
			nd--;
		}
	} else {
		nd = decimals;
		for (int k = decimals; k < TL_FX_DECIMALS; k++)
			fp /= 10;
	}

	if (v < 0 && (ip != 0 || fp != 0))
		tmp[n++] = '-';
	do {
		rev[r++] = (char)('0' + ip % 10);
		ip /= 10;
	} while (ip != 0);
	while (r > 0)
		tmp[n++] = rev[--r];
	if (nd > 0) {
		tmp[n++] = '.';
		for (int k = nd - 1; k >= 0; k--) {
			tmp[n + k] = (char)('0' + fp % 10);
			fp /= 10;
		}
		n += nd;
	}
	tmp[n] = '\0';

	if ((size_t)n + 1 > size)
		goto fail;
	memcpy(buf, tmp, (size_t)n + 1);
	return n;
fail:
	buf[0] = '\0';
	return -1;
}

/* ---- multiply / divide ------------------------------------------------- */

bool tl_fx_div_wide(__int128 num, int64_t den, tl_fx_round_t mode,
		    int64_t *out)
{
	__int128 q, r;

	if (den == 0 || (unsigned)mode > (unsigned)TL_FX_NEAREST)
		return false;
	/* The one quotient C cannot compute: INT128_MIN / -1 traps. Its
	 * result (2^127) would not fit int64 anyway. */
	if (den == -1 && num == TL_FX_I128_MIN)
		return false;

	q = num / den;          /* truncates toward zero */
	r = num % den;          /* same sign as num */
	if (r != 0) {
		bool neg = (num < 0) != (den < 0);  /* sign of the exact quotient */
		bool away = false;

		switch (mode) {
		case TL_FX_DOWN:
			away = false;
			break;
		case TL_FX_UP:
			away = true;
			break;
		case TL_FX_FLOOR:
			away = neg;
			break;
		case TL_FX_CEIL:
			away = !neg;
			break;
		case TL_FX_NEAREST: {
			/* |r| < |den| <= 2^63, so 2|r| cannot overflow. */
			unsigned __int128 ar = r < 0 ? (unsigned __int128)0 - (unsigned __int128)r
						     : (unsigned __int128)r;
			unsigned __int128 ad = den < 0 ? (unsigned __int128)0 - (unsigned __int128)den
						       : (unsigned __int128)den;
			away = 2 * ar >= ad;
			break;
		}
		}
		/* r != 0 implies |den| >= 2, so |q| <= 2^126: no overflow. */
		if (away)
			q += neg ? -1 : 1;
	}
	if (q < INT64_MIN || q > INT64_MAX)
		return false;
	*out = (int64_t)q;
	return true;
}

bool tl_fx_mul(tl_fx_t a, tl_fx_t b, tl_fx_round_t mode, tl_fx_t *out)
{
	return tl_fx_div_wide((__int128)a * (__int128)b, TL_FX_SCALE, mode, out);
}

bool tl_fx_div(tl_fx_t a, tl_fx_t b, tl_fx_round_t mode, tl_fx_t *out)
{
	/* |a| * 1e8 < 2^90: exact in 128 bits. */
	return tl_fx_div_wide((__int128)a * TL_FX_SCALE, b, mode, out);
}

/* ---- steps ------------------------------------------------------------- */

bool tl_fx_quantize(tl_fx_t v, tl_fx_t step, tl_fx_round_t mode,
		    tl_fx_t *out)
{
	int64_t n;
	__int128 p;

	if (step <= 0)
		return false;
	/* Number of whole steps, rounded by mode; v/step always fits. */
	if (!tl_fx_div_wide(v, step, mode, &n))
		return false;
	/* Rounding away from zero can push past the int64 range
	 * (INT64_MAX ceil to a step of 3 does). */
	p = (__int128)n * step;
	if (p < INT64_MIN || p > INT64_MAX)
		return false;
	*out = (tl_fx_t)p;
	return true;
}

bool tl_fx_on_step(tl_fx_t v, tl_fx_t step)
{
	if (step <= 0)
		return true;
	return v % step == 0;   /* step > 0, so INT64_MIN % -1 cannot occur */
}

int tl_fx_decimals(tl_fx_t v)
{
	uint64_t mag = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
	uint64_t fp = mag % (uint64_t)TL_FX_SCALE;
	int nd = TL_FX_DECIMALS;

	if (fp == 0)
		return 0;
	while (fp % 10 == 0) {
		fp /= 10;
		nd--;
	}
	return nd;
}
