/*
 * retry.c - classification of venue outcomes, backoff schedule, and the
 * order-rate token bucket.
 *
 * Pure code: no I/O, no clock reads (time is always an argument), no
 * allocation, no floating point. Every function is thread-safe; a
 * tl_bucket_t belongs to the one agent that calls it.
 *
 * The file has three parts:
 *   1. tl_retry_classify and the 503 text matcher (Binance USD-M API docs)
 *   2. tl_backoff_*: base * 2^(retry-1), capped, deterministic jitter
 *   3. tl_bucket_*: integer token bucket (Binance USD-M API docs)
 *
 * ---------------------------------------------------------------------------
 * 1. Classification table (Binance USD-M API docs, rules tried top to bottom;
 *    the first match wins). W = is_write, R = read-only request.
 *
 *  #  | shape                                       | W          | R
 *  ---+---------------------------------------------+------------+----------
 *  T1 | transport CONNECT (nothing reached venue)   | TRANSIENT  | TRANSIENT
 *  T2 | transport TIMEOUT/RESET, written            | AMBIGUOUS  | TRANSIENT
 *  T3 | transport TIMEOUT/RESET, not written        | TRANSIENT  | TRANSIENT
 *  T4 | transport LOCAL (encode/buffer), written    | AMBIGUOUS  | PERMANENT
 *  T5 | transport LOCAL, not written                | PERMANENT  | PERMANENT
 *  T7 | transport WITHDRAWN (never written)         | TRANSIENT  | TRANSIENT
 *  T6 | transport value not in the enum, written    | AMBIGUOUS  | TRANSIENT
 *     |   (not written -> TRANSIENT)                |            |
 *  ---+---------------------------------------------+------------+----------
 *  C1 | code -4046 / -4059 / -5027, any status      | NOOP_OK    | NOOP_OK
 *  H1 | HTTP 2xx (any other code, e.g. code 200)    | OK         | OK
 *  A1 | 503 + "Unknown error, please check ..."     | AMBIGUOUS  | TRANSIENT
 *  A2 | code -1000 / -1006 / -1007, any status      | AMBIGUOUS  | TRANSIENT
 *  H2 | HTTP 429 / 418 (rate limit / IP ban)        | TRANSIENT  | TRANSIENT
 *  C2 | code -1001 -1003 -1008 -1015                | TRANSIENT  | TRANSIENT
 *  C3 | code -1021 -5028 (caller resyncs clock,     | TRANSIENT  | TRANSIENT
 *     |   re-signs with a fresh timestamp)          |            |
 *  H3 | 503 + "Service Unavailable." / -1001 text / | TRANSIENT  | TRANSIENT
 *     |   "Request throttled ..." / "Server is      |            |
 *     |   currently overloaded" (-1008 texts)       |            |
 *  C4 | deterministic reject codes, any non-2xx:    | PERMANENT  | PERMANENT
 *     |   -1013 -1014 -1022, -1100..-1199 (incl.    |            |
 *     |   -1125 listen key: recreate, not resend),  |            |
 *     |   -2000..-2099 (-2010 -2011 -2013 -2014     |            |
 *     |   -2015/401 -2018 -2019 -2021 -2022 -2024   |            |
 *     |   -2025 -2027 -2028 ...), -4000..-4199      |            |
 *     |   (filters/params, -4116 dup client id,     |            |
 *     |   -4131), -5021 -5022 -5040                 |            |
 *  H4 | HTTP 408, or 5xx with no code / a code     | AMBIGUOUS  | TRANSIENT
 *     |   not listed above (incl. unrecognised 503  |            |
 *     |   text): the backend may have acted         |            |
 *  H5 | any other 4xx (400, 401, 403 WAF, 404 ...)  | PERMANENT  | PERMANENT
 *     |   with no code or an unlisted code          |            |
 *  H6 | anything else (status 0, 1xx, 3xx, >= 600)  | AMBIGUOUS  | TRANSIENT
 *
 * Why this order:
 *  - Transport first: without a response there is no status or code.
 *  - A received response implies the request was written, so from C1 on the
 *    `written` flag is not consulted: an ambiguous write stays AMBIGUOUS.
 *  - Signals of unknown execution (A1, A2) beat signals of definite failure
 *    (H2, C2, H3): for a write, a wrong "ambiguous" costs one order query, a
 *    wrong "transient" can double an order. Reads are never ambiguous.
 *  - A listed code is more specific than the HTTP class (a 500 carrying
 *    -1001 is a definite failure; a 503 carrying -1121 is a reject), but an
 *    unlisted code under 5xx stays ambiguous for writes (H4).
 *  - kind503 is only consulted when http_status == 503.
 *  - T4: a local failure after the bytes went out (e.g. the response buffer)
 *    says nothing about the venue, so a written write is AMBIGUOUS.
 * ---------------------------------------------------------------------------
 */
#include "kernel/retry.h"

#include <assert.h>
#include <stddef.h>
#include <string.h>

/* ------------------------------------------------------------------------- */
/* 1. Classification                                                         */
/* ------------------------------------------------------------------------- */

/* Write -> AMBIGUOUS, read -> TRANSIENT. */
static tl_outcome_class_t tl_retry_unknown(bool is_write)
{
	return is_write ? TL_OUT_AMBIGUOUS : TL_OUT_TRANSIENT;
}

static tl_outcome_class_t tl_retry_transport(const tl_outcome_t *o)
{
	bool sent_write = o->written && o->is_write;

	switch (o->transport) {
	case TL_TR_CONNECT:                                     /* T1 */
	case TL_TR_WITHDRAWN:                                   /* T7 */
		return TL_OUT_TRANSIENT;
	case TL_TR_TIMEOUT:
	case TL_TR_RESET:                                       /* T2, T3 */
		return sent_write ? TL_OUT_AMBIGUOUS : TL_OUT_TRANSIENT;
	case TL_TR_LOCAL:                                       /* T4, T5 */
		return sent_write ? TL_OUT_AMBIGUOUS : TL_OUT_PERMANENT;
	case TL_TR_NONE:
		break;
	}
	return sent_write ? TL_OUT_AMBIGUOUS : TL_OUT_TRANSIENT; /* T6 */
}

/* C1: the venue says nothing needed changing. */
static bool tl_retry_code_noop(int32_t c)
{
	return c == -4046 || c == -4059 || c == -5027;
}

/* A2: execution status unknown. */
static bool tl_retry_code_unknown(int32_t c)
{
	return c == -1000 || c == -1006 || c == -1007;
}

/* C2, C3: definite failure, retry after waiting / resyncing. */
static bool tl_retry_code_transient(int32_t c)
{
	switch (c) {
	case -1001: case -1003: case -1008: case -1015:
	case -1021: case -5028:
		return true;
	default:
		return false;
	}
}

/* C4: deterministic rejects. */
static bool tl_retry_code_permanent(int32_t c)
{
	if (c == -1013 || c == -1014 || c == -1022)
		return true;
	if (c <= -1100 && c >= -1199)
		return true;
	if (c <= -2000 && c >= -2099)
		return true;
	if (c <= -4000 && c >= -4199)
		return true;
	return c == -5021 || c == -5022 || c == -5040;
}

tl_outcome_class_t tl_retry_classify(const tl_outcome_t *o)
{
	assert(o != NULL);
	if (o->transport != TL_TR_NONE)
		return tl_retry_transport(o);

	unsigned st = o->http_status;
	int32_t code = o->code;
	bool w = o->is_write;

	if (tl_retry_code_noop(code))                           /* C1 */
		return TL_OUT_NOOP_OK;
	if (st >= 200 && st <= 299)                             /* H1 */
		return TL_OUT_OK;
	if (st == 503 && o->kind503 == TL_503_UNKNOWN_ERROR)    /* A1 */
		return tl_retry_unknown(w);
	if (tl_retry_code_unknown(code))                        /* A2 */
		return tl_retry_unknown(w);
	if (st == 429 || st == 418)                             /* H2 */
		return TL_OUT_TRANSIENT;
	if (tl_retry_code_transient(code))                      /* C2, C3 */
		return TL_OUT_TRANSIENT;
	if (st == 503 && (o->kind503 == TL_503_UNAVAILABLE ||
			  o->kind503 == TL_503_INTERNAL ||
			  o->kind503 == TL_503_THROTTLED))      /* H3 */
		return TL_OUT_TRANSIENT;
	if (tl_retry_code_permanent(code))                      /* C4 */
		return TL_OUT_PERMANENT;
	if (st == 408 || (st >= 500 && st <= 599))              /* H4 */
		return tl_retry_unknown(w);
	if (st >= 400 && st <= 499)                             /* H5 */
		return TL_OUT_PERMANENT;
	return tl_retry_unknown(w);                             /* H6 */
}

const char *tl_retry_class_name(tl_outcome_class_t c)
{
	switch (c) {
	case TL_OUT_OK:        return "OK";
	case TL_OUT_TRANSIENT: return "TRANSIENT";
	case TL_OUT_AMBIGUOUS: return "AMBIGUOUS";
	case TL_OUT_PERMANENT: return "PERMANENT";
	case TL_OUT_NOOP_OK:   return "NOOP_OK";
	}
	return "?";
}

/* The documented 503 / -1001 / -1008 texts (Binance USD-M API docs).
 * A message matches when it starts with the text, byte for byte, so venue
 * suffixes ("Reduce-only/close-position orders are exempt. ...") pass. */
static const struct tl_retry_503_text {
	const char *prefix;
	tl_503_kind_t kind;
} tl_retry_503_texts[] = {
	{ "Unknown error, please check your request or try again later.",
	  TL_503_UNKNOWN_ERROR },
	{ "Service Unavailable.", TL_503_UNAVAILABLE },
	{ "Internal error; unable to process your request. Please try again.",
	  TL_503_INTERNAL },
	{ "Request throttled by system-level protection.", TL_503_THROTTLED },
	{ "Server is currently overloaded", TL_503_THROTTLED },
};

tl_503_kind_t tl_retry_503_kind(const char *msg)
{
	if (msg == NULL)
		return TL_503_NONE;
	for (size_t i = 0; i < sizeof tl_retry_503_texts / sizeof tl_retry_503_texts[0]; i++) {
		const char *p = tl_retry_503_texts[i].prefix;
		if (strncmp(msg, p, strlen(p)) == 0)
			return tl_retry_503_texts[i].kind;
	}
	return TL_503_NONE;
}

/* ------------------------------------------------------------------------- */
/* 2. Backoff                                                                */
/* ------------------------------------------------------------------------- */

#define TL_RETRY_NS_PER_S    1000000000LL
#define TL_RETRY_JITTER_MAX  50u   /* jitter_pct is clamped to this */

void tl_backoff_defaults(tl_backoff_t *b)
{
	assert(b != NULL);
	b->base_ns = 1 * TL_RETRY_NS_PER_S;
	b->cap_ns = 30 * TL_RETRY_NS_PER_S;
	b->max_attempts = 4;    /* first try + 3 retries: 1 s, 2 s, 4 s */
	b->jitter_pct = 0;
	b->seed = 0;
}

/* splitmix64 finaliser (Steele, Lea, Flood 2014): a bijection on 64 bits
 * with full avalanche, so neighbouring keys get unrelated jitter. */
static uint64_t tl_backoff_mix(uint64_t z)
{
	z += 0x9e3779b97f4a7c15ULL;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/*
 * Contract details beyond retry.h:
 *  - retry == 0 (the first try) returns 0 when max_attempts > 0.
 *  - base_ns <= 0 gives 0 delays; cap_ns < 0 is treated as 0; a base above
 *    the cap gives the cap.
 *  - jitter_pct above 50 is treated as 50.
 *  - Never overflows: the doubling saturates at cap_ns for any retry (up
 *    to UINT32_MAX), the jitter span is computed without d * pct, and the
 *    jittered result is clamped to [0, cap_ns].
 */
int64_t tl_backoff_delay(const tl_backoff_t *b, uint32_t retry, uint64_t key)
{
	assert(b != NULL);
	if (retry >= b->max_attempts)
		return -1;
	if (retry == 0)
		return 0;

	int64_t cap = b->cap_ns > 0 ? b->cap_ns : 0;
	int64_t base = b->base_ns > 0 ? b->base_ns : 0;
	uint32_t shift = retry - 1;
	int64_t d;

	if (base == 0)
		d = 0;
	else if (shift >= 63 || base > (cap >> shift))
		d = cap;                        /* base * 2^shift > cap */
	else
		d = (int64_t)((uint64_t)base << shift);  /* <= cap */

	uint32_t pct = b->jitter_pct;
	if (pct > TL_RETRY_JITTER_MAX)
		pct = TL_RETRY_JITTER_MAX;
	if (pct == 0 || d == 0)
		return d;

	/* span = floor(d * pct / 100) without forming d * pct; <= d / 2. */
	int64_t span = (d / 100) * (int64_t)pct + ((d % 100) * (int64_t)pct) / 100;
	if (span == 0)
		return d;

	uint64_t h = tl_backoff_mix(b->seed ^
				    tl_backoff_mix(key ^ tl_backoff_mix(retry)));
	/* 2 * span + 1 <= d + 1 <= INT64_MAX: fits. Modulo bias is below
	 * range / 2^64, far under a nanosecond for any real delay. */
	uint64_t range = 2 * (uint64_t)span + 1;
	int64_t off = (int64_t)(h % range) - span;   /* [-span, +span] */

	if (off > 0 && d > cap - off)
		return cap;
	d += off;                                    /* >= d - d/2 >= 0 */
	if (d < 0)
		d = 0;
	return d;
}

/* ------------------------------------------------------------------------- */
/* 3. Token bucket                                                           */
/* ------------------------------------------------------------------------- */

/*
 * Invariants (tl_bucket_check):
 *   I1  window_ns >= 1, 0 <= capacity, capacity * window_ns <= TL_BUCKET_MAX_NT
 *   I2  -full <= level_nt <= full, where full = capacity * window_ns
 *   I3  last_ns only moves forward.
 *
 * The floor in I2 is one full window of debt (-capacity tokens). Rationale:
 * the venue counts orders in a rolling window, so anything forced more
 * than one window ago is forgotten there; debt deeper than one window would
 * only keep us blocked after the venue has cleared us. With the floor, a
 * bucket forced to the bottom is at 0 tokens one window later and full two
 * windows later. TL_BUCKET_MAX_NT leaves room for level - need (>= -3 full)
 * and full + 2 * full refill without overflow.
 *
 * Refill: level += elapsed * capacity, with elapsed clamped to 2 windows
 * first (enough to go from the floor to full), so the product is at most
 * 2 * full. Integer-exact: 300 tokens / 10 s gives exactly 30 after 1 s.
 */
#define TL_BUCKET_MAX_NT (INT64_MAX / 4)

static int64_t tl_bucket_full(const tl_bucket_t *b)
{
	return b->capacity * b->window_ns;
}

static bool tl_bucket_valid(const tl_bucket_t *b)
{
	return b->window_ns >= 1 && b->capacity >= 0 &&
	       b->capacity <= TL_BUCKET_MAX_NT / b->window_ns;
}

/* Invariant checker, for assert() (unused under NDEBUG). */
static __attribute__((unused)) bool tl_bucket_check(const tl_bucket_t *b)
{
	if (!tl_bucket_valid(b))
		return false;
	int64_t full = tl_bucket_full(b);
	return b->level_nt >= -full && b->level_nt <= full;
}

void tl_bucket_init(tl_bucket_t *b, int64_t capacity, int64_t window_ns, int64_t now)
{
	assert(b != NULL);
	/* Out-of-range configuration is clamped so later arithmetic is safe. */
	if (window_ns < 1)
		window_ns = 1;
	if (capacity < 0)
		capacity = 0;
	if (capacity > TL_BUCKET_MAX_NT / window_ns)
		capacity = TL_BUCKET_MAX_NT / window_ns;
	b->capacity = capacity;
	b->window_ns = window_ns;
	b->level_nt = capacity * window_ns;
	b->last_ns = now;
	assert(tl_bucket_check(b));
}

/* Add the tokens earned since last_ns. Backwards (or equal) time: nothing,
 * last_ns unchanged, so the interval is not counted twice later. */
static void tl_bucket_refill(tl_bucket_t *b, int64_t now)
{
	if (now <= b->last_ns)
		return;
	/* now > last_ns: the difference fits in uint64 even across the full
	 * int64 range, where now - last_ns itself could overflow. */
	uint64_t elapsed = (uint64_t)now - (uint64_t)b->last_ns;
	uint64_t two_windows = 2 * (uint64_t)b->window_ns;
	if (elapsed > two_windows)
		elapsed = two_windows;
	int64_t full = tl_bucket_full(b);
	/* unsigned: with capacity 0 a window may be near INT64_MAX */
	int64_t add = (int64_t)(elapsed * (uint64_t)b->capacity); /* <= 2 * full */
	int64_t level = b->level_nt + add;                         /* <= 3 * full */
	b->level_nt = level > full ? full : level;
	b->last_ns = now;
}

bool tl_bucket_take(tl_bucket_t *b, int64_t n, int64_t now)
{
	assert(b != NULL);
	if (!tl_bucket_valid(b))
		return false;
	tl_bucket_refill(b, now);
	assert(tl_bucket_check(b));
	if (n <= 0)
		return n == 0;          /* negative takes are refused */
	if (n > b->capacity)
		return false;           /* could never be satisfied */
	int64_t need = n * b->window_ns;                /* <= full */
	if (b->level_nt < need)
		return false;
	b->level_nt -= need;
	assert(tl_bucket_check(b));
	return true;
}

void tl_bucket_force(tl_bucket_t *b, int64_t n, int64_t now)
{
	assert(b != NULL);
	if (!tl_bucket_valid(b))
		return;
	tl_bucket_refill(b, now);
	if (n <= 0)
		return;
	int64_t full = tl_bucket_full(b);
	/* From full, 2 * capacity reaches the floor, so anything beyond is
	 * absorbed by it; clamping n first keeps n * window_ns in range. */
	if (n > 2 * b->capacity)
		n = 2 * b->capacity;
	int64_t level = b->level_nt - n * b->window_ns; /* >= -3 * full */
	b->level_nt = level < -full ? -full : level;
	assert(tl_bucket_check(b));
}

/* Floor division: after tl_bucket_force the result may be negative (the
 * debt in whole tokens, rounded toward -inf so available >= n always means
 * take(n) succeeds at the same time). */
int64_t tl_bucket_available(tl_bucket_t *b, int64_t now)
{
	assert(b != NULL);
	if (!tl_bucket_valid(b))
		return 0;
	tl_bucket_refill(b, now);
	assert(tl_bucket_check(b));
	int64_t q = b->level_nt / b->window_ns;
	if (b->level_nt % b->window_ns < 0)
		q--;
	return q;
}
