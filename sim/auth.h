/*
 * auth.h - Binance request signing rules (Binance USD-M API docs).
 *
 * The signature is lowercase hex HMAC-SHA256(secret, totalParams) where
 * totalParams is the raw query string immediately followed by the raw
 * body, without the `signature=` parameter itself. It is checked over the
 * bytes as received (never re-encoded), compared in constant time, and
 * may arrive in the query or the body. Uses wolfCrypt.
 */
#ifndef TL_SIM_AUTH_H
#define TL_SIM_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/ed25519.h"
#include "sim/errors.h"

/* out[65] = lowercase hex HMAC-SHA256(key, msg). Returns 0 or -1. */
int tl_sim_hmac_hex(const char *key, size_t klen, const char *msg,
		    size_t mlen, char out[65]);

/* Constant-time equality of two equal-length byte strings (length is
 * not secret). */
bool tl_sim_ct_equal(const void *a, const void *b, size_t n);

/*
 * Verify the signature of a request with raw `query` and `body` using
 * `secret`. Returns 0 when valid; -1102 when no signature parameter was
 * sent; -1022 when it does not match (e filled).
 */
int tl_sim_auth_verify(const char *secret, const char *query, size_t qlen,
		       const char *body, size_t blen, tl_sim_err_t *e);

/* The same for an Ed25519 key: the signature parameter is the standard
 * base64 of the Ed25519 signature of the same payload, percent-encoded
 * as any query value may be. Same returns. */
int tl_sim_auth_verify_ed25519(const uint8_t pub[TL_SIM_ED25519_PUB], const char *query,
			       size_t qlen, const char *body, size_t blen, tl_sim_err_t *e);

/*
 * Timestamp rule: accept iff ts < now + 1000 and now - ts <= recv_window.
 * `ts_s`/`rw_s` are the decoded parameter values (rw_s may be NULL:
 * default 5000). recvWindow above max_window, or not a positive
 * integer, is -1130 style invalid (reported as -1021 by Binance only for
 * time; we report -1130). Returns 0, -1102 (timestamp missing/garbled),
 * -1021 or -1130.
 */
int tl_sim_auth_time(const char *ts_s, const char *rw_s, int64_t now_ms,
		     int64_t max_window, tl_sim_err_t *e);

#endif /* TL_SIM_AUTH_H */
