/*
 * wsapi.h - the Binance USD-M WebSocket API (ws-fapi, wss://ws-fapi.
 * binance.com/ws-fapi/v1) as pure text transforms: the REST requests the
 * encoders of io/binance/map.h produce -> one JSON request frame, and one
 * JSON response frame -> the pieces the REST path already consumes
 * (status + body for tl_binance_decode_response, the limiter counts for
 * tl_binance_limits_sync). No I/O, no allocation (decode uses the
 * caller's arena), reentrant.
 *
 * Request: {"id":"<decimal u64>","method":"order.place","params":{...}}.
 * Ids are numbers the transport generates; they travel as JSON strings
 * of decimal digits (Binance echoes the id as sent; a string never loses
 * precision in a JavaScript-based relay). Responses are accepted with the
 * id as such a string or as a JSON integer, 0..UINT64_MAX.
 * params: the REST form parameters, percent-decoded, sorted by key;
 * recvWindow, timestamp, orderId, algoId, goodTillDate as JSON integers
 * (Binance: INT parameters as numbers), every other value as a JSON
 * string (DECIMAL and enum parameters as strings).
 *
 * Signing (per request, when a signer is given): apiKey is added to the
 * params and the signature payload is every param except signature,
 * sorted by key, joined key=value with '&' (Binance WebSocket API
 * general info), the values as the REST form carried them (already
 * percent-encoded by map.c: the official Python connector signs
 * urlencode(sorted params) the same way; a verifier must too).
 * HMAC signer: lowercase hex HMAC-SHA256; Ed25519 signer: base64.
 * Without a signer the session must be logged on (session.logon, Ed25519
 * keys only): params then carry no apiKey/signature, only timestamp.
 *
 * Response: {"id":..,"status":<int>,"result":<json>|"error":{code,msg
 * [,data]},"rateLimits":[..]}. tl_binance_wsapi_decode gives the status,
 * the exact text of result (2xx) or error (else) inside the frame, the
 * rate limit counts and retryAfter. The transport then builds
 *   tl_binance_resp_t r = { .http_status = out.status,
 *       .retry_after_ns = out.retry_after_ns,
 *       .body = out.body, .len = out.body_len };
 * and calls tl_binance_decode_response unchanged (one code path for REST
 * and WS answers), and tl_binance_limits_sync with out.mbx.
 */
#ifndef TL_BINANCE_WSAPI_H
#define TL_BINANCE_WSAPI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "io/binance/limits.h"
#include "io/binance/map.h"
#include "io/binance/sign.h"

/* Longest REST query encode accepts (an order is ~300 bytes). */
#define TL_BINANCE_WSAPI_QUERY_MAX 2048
/* Most parameters in one request (an algo order has 16). */
#define TL_BINANCE_WSAPI_PARAMS_MAX 24
/* Longest response frame decode accepts (an order result is ~1 KiB;
 * account.position with every symbol is larger: the arena decides,
 * this bounds the text). */
#define TL_BINANCE_WSAPI_FRAME_MAX (1u << 20)
/* rateLimits entries in one response (Binance sends up to 3). */
#define TL_BINANCE_WSAPI_RATELIMITS_MAX 8
/* Frame room enough for any order request, signed (the transport's
 * send buffer per request). */
#define TL_BINANCE_WSAPI_REQ_MAX 4096

/*
 * The ws-fapi method for a REST request (http as map.c's encoders set
 * it): POST/DELETE/GET/PUT /fapi/v1/order -> order.place / order.cancel
 * / order.status / order.modify; POST/DELETE /fapi/v1/algoOrder ->
 * algoOrder.place / algoOrder.cancel. Sets *method (a static string) and
 * returns 0, or -ENOTSUP (no WS method: send it over REST, e.g. GET
 * algoOrder, batchOrders, countdownCancelAll), -EINVAL (NULL).
 */
int tl_binance_wsapi_method(const tl_binance_http_t *http,
			    const char **method);

/*
 * One request frame from a REST form query (map.c's output, before any
 * signature: key=value&..., keys [A-Za-z0-9], values unreserved bytes or
 * %XX; it must hold timestamp when signer is given). `method` is
 * [A-Za-z0-9./]+ (tl_binance_wsapi_method's or a literal one). signer
 * NULL: the session is logged on; no apiKey/signature added. The frame
 * is NUL-terminated. Returns its length, -ENOSPC (cap too small; out is
 * then an empty string), -EINVAL (malformed query: empty key or value
 * where a value is required, a bad escape, an escape decoding to a
 * control byte, a duplicate key, an apiKey/signature already in it, a
 * non-integer INT param, too long or too many params; bad method; signer
 * not ready) or -EIO (the signer failed).
 */
int tl_binance_wsapi_encode(char *out, size_t cap, uint64_t id,
			    const char *method, const char *query,
			    size_t qlen, tl_binance_signer_t *signer);

/*
 * session.logon: params apiKey, timestamp (ts_ms > 0), signature =
 * base64 Ed25519 over "apiKey=<key>&timestamp=<ts>". The signer must
 * hold an Ed25519 key (Binance accepts only those for logon): -EINVAL
 * otherwise. Same returns as tl_binance_wsapi_encode.
 */
int tl_binance_wsapi_encode_logon(char *out, size_t cap, uint64_t id,
				  tl_binance_signer_t *signer, int64_t ts_ms);

/* A request without params: session.status, session.logout (any method
 * name as for encode). Same returns. */
int tl_binance_wsapi_encode_bare(char *out, size_t cap, uint64_t id,
				 const char *method);

/* userDataStream.start / .ping / .stop: params {"apiKey"} only (the
 * USER_STREAM security type: key, no signature). */
int tl_binance_wsapi_encode_user_stream(char *out, size_t cap, uint64_t id,
					const char *method,
					const tl_binance_signer_t *signer);

/* A SIGNED request with no params of its own: account.position,
 * account.balance, account.status (and their v2/ names): recvWindow (0
 * = omitted) and timestamp, signed as encode does (signer NULL: logged
 * on). */
int tl_binance_wsapi_encode_signed(char *out, size_t cap, uint64_t id,
				   const char *method, int64_t ts_ms,
				   uint32_t recv_window_ms,
				   tl_binance_signer_t *signer);

/* ---- responses -------------------------------------------------------- */

typedef struct tl_binance_wsapi_resp {
	uint64_t id;             /* the request's id (0 when id_null) */
	bool id_null;            /* "id":null: Binance could not read the
				  * request's id (malformed request) or the
				  * session was revoked; matches no request */
	uint16_t status;         /* HTTP-like, 100..599 */
	bool is_error;           /* body is the error object (status not 2xx) */
	const char *body;        /* inside the frame: the text of "result"
				  * (2xx) or "error" (else) */
	size_t body_len;
	/* error.data (429/418): retryAfter and serverTime in venue ms, 0
	 * when absent; retry_after_ns = retryAfter - serverTime when both are
	 * there and retryAfter is later, else 0 (for tl_binance_resp_t). */
	int64_t retry_after_ms;
	int64_t server_time_ms;
	int64_t retry_after_ns;
	/* rateLimits: the counts the REST headers carry (X-MBX-USED-WEIGHT-1M,
	 * X-MBX-ORDER-COUNT-10S/-1M), -1 when absent: feed
	 * tl_binance_limits_sync(l, now, mbx.used_weight_1m,
	 * mbx.order_count_10s, mbx.order_count_1m). used_weight_max is the
	 * largest REQUEST_WEIGHT count over any interval. */
	tl_binance_mbx_t mbx;
	/* The limits the same entries state, 0 when absent (indexed by
	 * tl_binance_limits_id_t: tl_binance_limits_set_limit may take them). */
	uint32_t limit[TL_BINANCE_LIMITS__N];
	uint32_t rate_limits;    /* entries in rateLimits */
	const char *field;       /* on error: the field at fault */
} tl_binance_wsapi_resp_t;

/*
 * Decode one response frame (text, len bytes, NUL not needed) with the
 * arena a (reset; the tree is not kept: out points only into frame).
 * The top level must be an object whose keys are exactly: id (required:
 * decimal string or integer in 0..UINT64_MAX, or null), status
 * (required, integer 100..599), result (required for 2xx, forbidden
 * otherwise), error (an object with an integer code and a string msg and
 * optionally data {retryAfter, serverTime}; required for non-2xx,
 * forbidden for 2xx), rateLimits (optional array of objects with exactly
 * rateLimitType, interval, intervalNum, limit, count; unknown limiter
 * types and intervals are accepted and ignored). Any other key, a
 * duplicated key, or a frame longer than TL_BINANCE_WSAPI_FRAME_MAX is
 * refused. Returns TL_BN_OK or TL_BN_E_JSON / _NOMEM / _SHAPE / _MISSING
 * / _RANGE / _ENUM / _ARG with out->field set (out is zeroed on entry
 * apart from mbx = -1s; on error only field is meaningful).
 */
int tl_binance_wsapi_decode(tl_binance_arena_t *a, const char *frame,
			    size_t len, tl_binance_wsapi_resp_t *out);

/* The REST response the decoded frame stands for (status, retry,
 * body = the result/error span): what tl_binance_decode_response takes. */
void tl_binance_wsapi_as_rest(const tl_binance_wsapi_resp_t *w,
			      tl_binance_resp_t *r);

#endif /* TL_BINANCE_WSAPI_H */
