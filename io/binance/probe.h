/*
 * probe.h - one blocking REST connection to the venue for the preflight
 * (io/binance/check.h): plain calls, signed calls, and the cause of a
 * failure in the operator's words.
 *
 * The order path (io/binance/binance.h) needs the engine's threads,
 * rings and kernel; the preflight must run before any of them exist and
 * must trade nothing, so it has its own small client: one keep-alive
 * connection (io/net/uring.h, TLS and CA as configured), one request at
 * a time, each attempt waiting at most 2 * venue.binance.timeout_ms.
 * What is transient (connect refused or reset, timeout, 5xx, 429 with
 * Retry-After, -1021) is retried as the start-up calls are
 * (io/binance/startup.h), within one venue.binance.startup_deadline_ms
 * counted from tl_binance_probe_open for the whole preflight; the rest
 * (-2015, -1022, a certificate the CA file does not verify, 4xx) is
 * reported at once. Signed calls carry timestamp
 * (local clock plus the offset given by tl_binance_probe_set_offset)
 * and recvWindow, signed by the configured key (HMAC secret, or the
 * Ed25519 key file).
 *
 * Failures are named: "cannot resolve H: ..." (DNS), "cannot connect to
 * H:P: Connection refused", "TLS failure: ... certificate verification
 * failed ...; the certificate does not name the server" (host name),
 * "no answer: ...", or the venue's own "<code> <msg>" / "HTTP <status>".
 * No text holds the key or the secret.
 *
 * Cold path: allocates; one thread.
 */
#ifndef TL_BINANCE_PROBE_H
#define TL_BINANCE_PROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "io/binance/config.h"
#include "kernel/retry.h"

typedef struct tl_binance_probe tl_binance_probe_t;

/* What one call got. */
typedef struct tl_binance_probe_res {
	int status;          /* HTTP status, or -1: no answer (see why) */
	int32_t code;        /* the venue's {"code":...} on an error, else 0 */
	char why[400];       /* status != 200: the cause, as above */
	const char *body;    /* status > 0: the body, NUL-terminated, valid
			      * until the next call */
	size_t len;
	int64_t t_send, t_recv; /* realtime ns around the call */
} tl_binance_probe_res_t;

/*
 * A probe on bc->rest with bc's key (the signer is loaded here: a bad
 * key file fails now). NULL with the cause in err: the host does not
 * resolve, the CA file cannot be loaded, the key is refused.
 */
tl_binance_probe_t *tl_binance_probe_open(const tl_binance_cfg_t *bc, char *err,
					  size_t errlen);

/* Wipe the signer, close the connection, free. NULL is fine. */
void tl_binance_probe_close(tl_binance_probe_t *p);

/*
 * One call: METHOD path?params (params may be NULL or ""; for a signed
 * call timestamp, recvWindow and signature are appended, X-MBX-APIKEY
 * sent). Returns res->status (200 = success; the body is in res), or -1.
 */
int tl_binance_probe_call(tl_binance_probe_t *p, const char *method,
			  const char *path, const char *params, bool sign,
			  tl_binance_probe_res_t *res);

/*
 * A non-200 answer (res->status, body, len set; the body NUL-terminated)
 * in the operator's words: res->why and res->code from the venue's
 * {"code","msg"}, else from the body's start; o (zeroed by the caller)
 * gets what the retry decision needs. Every probe call does this; the
 * preflight's scripted transport (check.h) too.
 */
void tl_binance_probe_explain(tl_binance_probe_res_t *res, tl_outcome_t *o);

/* The venue's clock minus the local one (ns), used for timestamps. */
void tl_binance_probe_set_offset(tl_binance_probe_t *p, int64_t offset_ns);

#endif /* TL_BINANCE_PROBE_H */
