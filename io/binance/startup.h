/*
 * startup.h - retrying the venue calls made at start-up.
 *
 * Before the engine trades it asks the venue for exchangeInfo, the server
 * time, the leverage of each configured symbol and (on demand) the
 * account. A venue that is restarting, overloaded or briefly unreachable
 * must not stop the start, a venue that says no must stop it at once,
 * and either way the operator must read the real cause. So each call:
 *   - is classified with the kernel's tl_retry_classify (one table for
 *     the whole program); start-up calls are reads or idempotent writes
 *     (setting the same leverage twice changes nothing), so they are
 *     classified as reads: a 5xx or a reset after sending is TRANSIENT,
 *     never AMBIGUOUS;
 *   - TRANSIENT (connect refused or reset, timeout, 5xx, 429/-1003 with
 *     Retry-After, -1021) is retried with exponential backoff (200 ms
 *     doubling to 5 s, at least the venue's Retry-After) while the next
 *     attempt can start before the start-up deadline
 *     (venue.binance.startup_deadline_ms, default 30 s);
 *   - anything else (-2015 invalid key, -1022 bad signature, -4028
 *     leverage not valid, other 4xx) fails at once.
 * Error texts name the cause: "cannot connect to 127.0.0.1:8443:
 * Connection refused", the TLS failure, "HTTP 503 <body>", or the
 * venue's code and message ("-2015 Invalid API-key, IP, or permissions
 * for action.").
 */
#ifndef TL_STARTUP_H
#define TL_STARTUP_H

#include <stddef.h>
#include <stdint.h>

#include "kernel/retry.h"

#define TL_STARTUP_DEADLINE_NS (30LL * 1000000000LL)   /* default */

typedef struct tl_startup {
	int64_t t0;           /* monotonic ns of the first attempt */
	int64_t end;          /* no attempt starts after this */
	uint32_t attempts;    /* failed attempts so far */
	tl_backoff_t bo;
	tl_outcome_class_t last; /* class of the last failure */
} tl_startup_t;

/* Start a call at monotonic `now` with `budget_ns` left (<= 0: one
 * attempt only). */
void tl_startup_begin(tl_startup_t *s, int64_t budget_ns, int64_t now);

/* One attempt failed with outcome o; hint_ns: the venue asked for at
 * least this long (Retry-After, 0 none). Returns the delay before the
 * next attempt, or -1: give up (not transient, or the next attempt
 * could not start before the deadline). */
int64_t tl_startup_failed(tl_startup_t *s, const tl_outcome_t *o,
			  int64_t hint_ns, int64_t now);

/* The venue's {"code":-2015,"msg":"..."} in an error body: returns the
 * code (0 when none) and copies msg (or "" ) into msg[0..cap). */
int32_t tl_startup_venue_error(const char *body, size_t len, char *msg,
			       size_t cap);

/* tr as the classifier should see it: a TLS certificate the CA file does
 * not verify ("certificate verification failed", io/net/tls.c) will not
 * verify on the next attempt either (a configuration error), so it is
 * TL_TR_LOCAL (never written: PERMANENT) rather than TL_TR_CONNECT. */
tl_transport_t tl_startup_transport(tl_transport_t tr, const char *text);

/* The cause of one failure, for the operator, into out:
 *   transport != NONE: `text` made readable ("connect H:P: why" ->
 *   "cannot connect to H:P: why"; TLS texts as they are; timeouts
 *   "no answer: ...");
 *   code != 0: "<code> <msg>";
 *   else "HTTP <status> <msg>" (msg: the start of the body). */
void tl_startup_cause(char *out, size_t cap, const tl_outcome_t *o,
		      const char *text, const char *msg);

/* " (N attempts in M ms, venue.binance.startup_deadline_ms)" when the
 * call was retried and gave up on the deadline, else "". */
void tl_startup_suffix(const tl_startup_t *s, int64_t now, char *out, size_t cap);

#endif /* TL_STARTUP_H */
