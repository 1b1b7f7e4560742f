/*
 * fixed.h - exact decimal fixed-point for prices, quantities and money.
 *
 * Every price, quantity and amount in talon is an int64 in units of 1e-8
 * (TL_FX_ONE == 1.00000000). Doubles never touch money: parsing and
 * formatting are exact decimal string <-> integer conversions, products go
 * through 128-bit intermediates, and every rounding is explicit in the
 * function name. All functions are pure, allocation-free and thread-safe.
 */
#ifndef TL_FIXED_H
#define TL_FIXED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef int64_t tl_fx_t;            /* value * 1e8 */

#define TL_FX_SCALE  100000000LL    /* 1e8 */
#define TL_FX_ONE    TL_FX_SCALE
#define TL_FX_DECIMALS 8
#define TL_FX_MAX    INT64_MAX
/* Longest text tl_fx_format can produce: sign, 11 integer digits of
 * INT64_MAX / 1e8, '.', 8 decimals, NUL. */
#define TL_FX_STRLEN 32

/* Result of tl_fx_parse. */
typedef enum tl_fx_err {
	TL_FX_OK = 0,
	TL_FX_EMPTY,      /* no digits at all ("", "-", ".") */
	TL_FX_SYNTAX,     /* junk, exponent, spaces, second dot, "+" ... */
	TL_FX_PRECISION,  /* more than 8 decimals (after trimming none) */
	TL_FX_OVERFLOW    /* magnitude does not fit int64 at 1e-8 */
} tl_fx_err_t;

/* Rounding mode for division and quantization. */
typedef enum tl_fx_round {
	TL_FX_DOWN = 0,   /* toward zero */
	TL_FX_UP,         /* away from zero */
	TL_FX_FLOOR,      /* toward -inf */
	TL_FX_CEIL,       /* toward +inf */
	TL_FX_NEAREST     /* half away from zero */
} tl_fx_round_t;

/*
 * Parse exactly `len` bytes of `s` (no NUL needed) as a decimal:
 *   [-]digits[.digits]  or  [-].digits  or  [-]digits.
 * At most 8 decimals are accepted; trailing zeros beyond 8 decimals are
 * still "more than 8 decimals" and rejected (the venue treats them so).
 * Rejects exponents, leading '+', whitespace, and anything else. On
 * success writes *out and returns TL_FX_OK; on error *out is untouched.
 */
tl_fx_err_t tl_fx_parse(const char *s, size_t len, tl_fx_t *out);

/* tl_fx_parse on a NUL-terminated string. */
tl_fx_err_t tl_fx_parse_cstr(const char *s, tl_fx_t *out);

/* Human message for a parse error ("more than 8 decimals", ...). */
const char *tl_fx_strerror(tl_fx_err_t e);

/*
 * Format v into buf (size >= TL_FX_STRLEN) with exactly `decimals`
 * decimals (0..8), truncating toward zero beyond that; decimals == -1
 * means "shortest exact form" (trailing zeros and dot removed: "0.001",
 * "50000.1", "-2"). Returns the length written (excluding NUL).
 */
int tl_fx_format(tl_fx_t v, int decimals, char *buf, size_t size);

/* a * b / 1e8 with a 128-bit intermediate, rounded by mode. Returns false
 * on int64 overflow (then *out untouched). */
bool tl_fx_mul(tl_fx_t a, tl_fx_t b, tl_fx_round_t mode, tl_fx_t *out);

/* a * 1e8 / b with a 128-bit intermediate, rounded by mode. Returns false
 * when b == 0 or on overflow. */
bool tl_fx_div(tl_fx_t a, tl_fx_t b, tl_fx_round_t mode, tl_fx_t *out);

/* A total kept in 128 bits (sums of int64 amounts over every fill or
 * position cannot overflow it), published as a tl_fx_t: clamped to
 * +-INT64_MAX, so a reader may still negate it. */
static inline tl_fx_t tl_fx_sat128(__int128 v)
{
	return v > INT64_MAX ? INT64_MAX : v < -INT64_MAX ? -INT64_MAX : (tl_fx_t)v;
}

/* Exact 128-bit product at 1e-16 scale (a * b), for notional and PnL sums
 * that must not round until the end. */
static inline __int128 tl_fx_mul_wide(tl_fx_t a, tl_fx_t b)
{
	return (__int128)a * (__int128)b;
}

/* Divide a 128-bit numerator by a 64-bit denominator with rounding;
 * false when den == 0 or the quotient does not fit int64. */
bool tl_fx_div_wide(__int128 num, int64_t den, tl_fx_round_t mode,
		    int64_t *out);

/* Round v to a multiple of step (> 0) by mode. Returns false on overflow
 * or step <= 0. Quantities use TL_FX_DOWN; prices use FLOOR for a BUY and
 * CEIL for a SELL (the passive side) or NEAREST, by call. */
bool tl_fx_quantize(tl_fx_t v, tl_fx_t step, tl_fx_round_t mode,
		    tl_fx_t *out);

/* True when v is an exact multiple of step (step <= 0 means "no rule"). */
bool tl_fx_on_step(tl_fx_t v, tl_fx_t step);

/* Number of significant decimals of v (0..8): 0.001 -> 3, 50000.10 -> 1. */
int tl_fx_decimals(tl_fx_t v);

#endif /* TL_FIXED_H */
