/*
 * retry.h - classification of venue outcomes and the retry schedule.
 *
 * Pure functions, no state: the kernel asks "what kind of failure was
 * this?" and "when may I try again?" and acts. The classes follow
 * Binance USD-M API docs:
 *   TRANSIENT  definite failure, the request did not execute: retry later.
 *   AMBIGUOUS  the request may have executed (timeout or reset after it was
 *              written, 503 "Unknown error", -1000/-1006/-1007, 408, other
 *              5xx on a write): never resend blindly, query by client id.
 *   PERMANENT  deterministic reject: fail at once with code and message.
 *   NOOP_OK    the venue says nothing needed changing (-4046, -4059,
 *              -5027): treat as success.
 */
#ifndef TL_RETRY_H
#define TL_RETRY_H

#include <stdbool.h>
#include <stdint.h>

typedef enum tl_outcome_class {
	TL_OUT_OK = 0,
	TL_OUT_TRANSIENT,
	TL_OUT_AMBIGUOUS,
	TL_OUT_PERMANENT,
	TL_OUT_NOOP_OK,
} tl_outcome_class_t;

/* What went wrong below HTTP, if anything. */
typedef enum tl_transport {
	TL_TR_NONE = 0,       /* an HTTP response was received */
	TL_TR_CONNECT,        /* could not connect / TLS handshake failed */
	TL_TR_TIMEOUT,        /* no response in time */
	TL_TR_RESET,          /* connection closed or reset */
	TL_TR_LOCAL,          /* local failure (buffer, encode) */
	TL_TR_WITHDRAWN,      /* the runtime withdrew the request before any
			       * byte of it was written (cancel intent, kill
			       * switch, state): never at the venue */
} tl_transport_t;

/* Which 503 text came back (the four documented variants). */
typedef enum tl_503_kind {
	TL_503_NONE = 0,
	TL_503_UNKNOWN_ERROR,     /* "Unknown error, please check ..." */
	TL_503_UNAVAILABLE,       /* "Service Unavailable." */
	TL_503_INTERNAL,          /* -1001 text */
	TL_503_THROTTLED,         /* -1008 */
} tl_503_kind_t;

/* Everything known about one request's outcome. */
typedef struct tl_outcome {
	tl_transport_t transport;
	bool written;         /* some of the request's bytes may have reached the
			       * venue (handed to the kernel): it may execute */
	bool is_write;        /* the request could change venue state (POST/DELETE order) */
	uint16_t http_status; /* 0 when transport != NONE */
	int32_t code;         /* venue code, 0 if none */
	tl_503_kind_t kind503;
} tl_outcome_t;

/* Classify one outcome. Never fails: unknown shapes of a write that was
 * written are AMBIGUOUS, of anything else TRANSIENT or PERMANENT per the
 * HTTP class. */
tl_outcome_class_t tl_retry_classify(const tl_outcome_t *o);

/* Printable name of a class ("TRANSIENT"). */
const char *tl_retry_class_name(tl_outcome_class_t c);

/* Map a 503 body message to its kind (exact prefixes of the documented
 * texts); unrecognised -> TL_503_NONE. `msg` may be NULL. */
tl_503_kind_t tl_retry_503_kind(const char *msg);

/* Backoff policy; all times in nanoseconds. */
typedef struct tl_backoff {
	int64_t base_ns;        /* first delay, default 1 s */
	int64_t cap_ns;         /* upper bound of any delay, default 30 s */
	uint32_t max_attempts;  /* total tries including the first, default 3+1 */
	uint32_t jitter_pct;    /* +- percent of the delay, 0..50, default 0 */
	uint64_t seed;          /* jitter seed (deterministic) */
} tl_backoff_t;

/* Defaults: 1 s, 2 s, 4 s ... capped at 30 s, 3 retries, no jitter. */
void tl_backoff_defaults(tl_backoff_t *b);

/*
 * Delay before retry number `retry` (1 = first retry), for the request
 * identified by `key` (e.g. the client order id's sequence): base * 2^(retry-1)
 * capped at cap_ns, then jittered by a hash of (seed, key, retry), so the
 * same inputs always give the same delay. Returns -1 when retry exceeds
 * the policy (retry >= max_attempts): give up.
 */
int64_t tl_backoff_delay(const tl_backoff_t *b, uint32_t retry, uint64_t key);

/* Rate limiter: a token bucket refilled continuously; time is an input. */
typedef struct tl_bucket {
	int64_t capacity;       /* max tokens (e.g. 300 orders) */
	int64_t window_ns;      /* refill `capacity` tokens per window (10 s) */
	int64_t level_nt;       /* current tokens * window_ns (exact integer refill) */
	int64_t last_ns;        /* time of the last refill */
} tl_bucket_t;

/* A full bucket of `capacity` tokens per `window_ns`, starting at now. */
void tl_bucket_init(tl_bucket_t *b, int64_t capacity, int64_t window_ns, int64_t now);

/* Take n tokens at time now if available; returns false (and takes
 * nothing) otherwise. Time going backwards is treated as no elapsed time. */
bool tl_bucket_take(tl_bucket_t *b, int64_t n, int64_t now);

/* Take n tokens even if that drives the level negative (emergency orders
 * that must go but still count). */
void tl_bucket_force(tl_bucket_t *b, int64_t n, int64_t now);

/* Whole tokens available at time now (refills as a side effect). */
int64_t tl_bucket_available(tl_bucket_t *b, int64_t now);

#endif /* TL_RETRY_H */
