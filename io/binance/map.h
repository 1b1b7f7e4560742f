/*
 * binance_map.h - every mapping between Binance USD-M (fapi) and talon:
 * kernel requests -> signed-ready REST parameters, and REST responses and
 * user/market stream events -> kernel inputs (Binance USD-M API docs).
 *
 * Encoding writes form parameters (the same text serves as query string
 * or as x-www-form-urlencoded body) ending in `recvWindow=..&timestamp=..`;
 * the signer (io/binance/sign.h) then appends `&signature=`.
 *
 * Decoding parses untrusted JSON with cJSON whose allocations come from a
 * caller-owned bump arena (tl_binance_arena_t), so no system malloc on
 * the order path. cJSON's hooks are process-global: tl_binance_map_init
 * installs them once (call it at start-up, before other threads use
 * cJSON). The arena is selected through a thread-local pointer only while
 * a decode call runs; outside that window the hooks forward to
 * malloc/free, so other cJSON users (config, exchangeInfo) are unaffected.
 * Each decode call resets the arena first: one response, one arena fill.
 *
 * All functions are reentrant; an arena belongs to one thread.
 */
#ifndef TL_BINANCE_MAP_H
#define TL_BINANCE_MAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel/record.h"
#include "kernel/symbols.h"

/* ---- requests --------------------------------------------------------- */

typedef enum tl_binance_method {
	TL_BN_GET = 1,
	TL_BN_POST,
	TL_BN_PUT,
	TL_BN_DELETE,
} tl_binance_method_t;

/* Where an encoded request goes. `path` is a static string. */
typedef struct tl_binance_http {
	tl_binance_method_t method;
	const char *path;        /* "/fapi/v1/order" ... */
	bool algo;               /* algo endpoint: the response is an algo object */
} tl_binance_http_t;

/* Batch orders per request (Binance USD-M API docs). */
#define TL_BINANCE_BATCH_MAX 5

/* "GET", "POST", ... */
const char *tl_binance_method_name(tl_binance_method_t m);

/*
 * New order (TL_OUT_REQ_NEW). LIMIT/MARKET -> POST /fapi/v1/order:
 *   symbol, side, type, [timeInForce, LIMIT], quantity, [price, LIMIT],
 *   newClientOrderId, positionSide, [reduceOnly=true, one-way only],
 *   newOrderRespType=RESULT, recvWindow, timestamp.
 * STOP/STOP_MARKET/TAKE_PROFIT/TAKE_PROFIT_MARKET -> POST
 * /fapi/v1/algoOrder (whatever req->algo says: the order endpoint refuses
 * them with -4120):
 *   algoType=CONDITIONAL, symbol, side, positionSide, type,
 *   [timeInForce, price: STOP/TAKE_PROFIT], quantity | closePosition=true,
 *   triggerPrice, workingType=MARK_PRICE, clientAlgoId,
 *   [reduceOnly=true: one-way, not with closePosition], recvWindow,
 *   timestamp.
 * positionSide is BOTH in one-way mode, LONG/SHORT in hedge mode (a
 * mismatch with req->pos_side is -EINVAL); reduceOnly is never sent in
 * hedge mode (closing is implied there; Binance answers -1106).
 * Decimals are written with the symbol's precision; a value with more
 * decimals than that is -EINVAL (never silently truncated).
 * Returns the text length (NUL-terminated), -ENOSPC, or -EINVAL.
 */
int tl_binance_encode_order(const tl_out_req_t *req, const tl_symbol_t *sym,
			    bool hedge_mode, int64_t ts_ms,
			    uint32_t recv_window_ms, tl_binance_http_t *http,
			    char *query, size_t cap);

/* Cancel (TL_OUT_REQ_CANCEL) by client id: DELETE /fapi/v1/order
 * (symbol, origClientOrderId) or, for conditional types, DELETE
 * /fapi/v1/algoOrder (clientAlgoId). Same returns. */
int tl_binance_encode_cancel(const tl_out_req_t *req, int64_t ts_ms,
			     uint32_t recv_window_ms, tl_binance_http_t *http,
			     char *query, size_t cap);

/* Query (TL_OUT_REQ_QUERY) by client id: GET /fapi/v1/order (symbol,
 * origClientOrderId) or GET /fapi/v1/algoOrder (clientAlgoId). */
int tl_binance_encode_query(const tl_out_req_t *req, int64_t ts_ms,
			    uint32_t recv_window_ms, tl_binance_http_t *http,
			    char *query, size_t cap);

/* Query a plain order by venue id: GET /fapi/v1/order (symbol, orderId).
 * Used to follow a FINISHED algo order to the order it placed. */
int tl_binance_encode_query_id(const char *symbol, int64_t order_id,
			       int64_t ts_ms, uint32_t recv_window_ms,
			       tl_binance_http_t *http, char *query,
			       size_t cap);

/*
 * POST /fapi/v1/batchOrders with 1..TL_BINANCE_BATCH_MAX LIMIT/MARKET
 * orders (emergency closes): batchOrders=<percent-encoded JSON list of
 * objects with string values, same names and rules as a single order>,
 * recvWindow, timestamp. syms[i] is the symbol of reqs[i]. Same returns.
 */
int tl_binance_encode_batch(const tl_out_req_t *const *reqs,
			    const tl_symbol_t *const *syms, unsigned n,
			    bool hedge_mode, int64_t ts_ms,
			    uint32_t recv_window_ms, tl_binance_http_t *http,
			    char *query, size_t cap);

/* ---- decoding --------------------------------------------------------- */

/* A bump allocator over a caller buffer; reset per response. */
typedef struct tl_binance_arena {
	unsigned char *buf;
	size_t cap;
	size_t used;
	size_t peak;             /* largest `used` seen (sizing) */
	uint64_t failed;         /* allocations refused (arena full) */
} tl_binance_arena_t;

/* Use buf[0..cap) as the arena (16 KiB fits any single order response;
 * 64 KiB is ample for batch responses and stream events). */
void tl_binance_arena_init(tl_binance_arena_t *a, void *buf, size_t cap);

/* Install the cJSON hooks (idempotent, thread-safe, call at start-up).
 * Decode calls it too, but a first call racing another thread's cJSON use
 * is a data race on cJSON's globals. */
void tl_binance_map_init(void);

/* Parse untrusted JSON into the arena a (reset first) when it fits, else
 * (no arena, or too large for it) onto the heap; NULL when it is not
 * JSON. *heap says where: only a heap tree may be cJSON_Delete'd (an
 * arena tree dies with the arena's next reset). The order path uses the
 * arena: no system malloc. */
struct cJSON;
struct cJSON *tl_binance_parse_any(tl_binance_arena_t *a, const char *text, size_t len,
				   bool *heap);

/* Decode results: >= 0 success, < 0 the message was refused. */
typedef enum tl_binance_rc {
	TL_BN_OK = 0,            /* out->n inputs produced (n >= 1) */
	TL_BN_IGNORED = 1,       /* valid, nothing for the kernel */
	TL_BN_LISTEN_KEY_EXPIRED = 2, /* recreate the listenKey, reconnect, resync */
	TL_BN_ALGO_CHILD = 3,    /* algo query: FINISHED; out->child_order_id is the
				  * order it placed: query that (encode_query_id) */
	TL_BN_E_JSON = -1,       /* not JSON */
	TL_BN_E_NOMEM = -2,      /* arena exhausted */
	TL_BN_E_SHAPE = -3,      /* wrong JSON type (object, string, number ...) */
	TL_BN_E_MISSING = -4,    /* required field absent */
	TL_BN_E_DECIMAL = -5,    /* decimal rejected by tl_fx_parse or <= 0 */
	TL_BN_E_RANGE = -6,      /* too long, out of range, too many elements */
	TL_BN_E_ENUM = -7,       /* unknown status / side / type value */
	TL_BN_E_MISMATCH = -8,   /* client id in the response is not the request's */
	TL_BN_E_ARG = -9,        /* bad arguments from the caller */
} tl_binance_rc_t;

#define TL_BINANCE_OUT_MAX 8

typedef struct tl_binance_decoded {
	uint32_t n;                          /* inputs in `in` */
	tl_input_t in[TL_BINANCE_OUT_MAX];   /* hdr.type and hdr.time set */
	int64_t child_order_id;              /* TL_BN_ALGO_CHILD */
	int64_t event_ms;                    /* stream: event time `E`, 0 if none */
	const char *field;                   /* on error: the field at fault */
} tl_binance_decoded_t;

/* "ok", "not JSON", ... */
const char *tl_binance_strerror(int rc);

/* One HTTP response to one request. */
typedef struct tl_binance_resp {
	uint16_t http_status;
	int64_t retry_after_ns;  /* Retry-After header, 0 if none */
	const char *body;
	size_t len;
} tl_binance_resp_t;

/*
 * Map the response to `req` (kind TL_REQ_NEW / CANCEL / QUERY; `http` as
 * the encoder set it) into inputs:
 *   2xx NEW    -> ORDER_UPDATE: NEW (also for PARTIALLY_FILLED/FILLED: an
 *                 ack with the venue id; the fills themselves come from
 *                 the user stream with trade ids), CANCELED, EXPIRED
 *                 (IOC/FOK/market remainder), REJECTED; algo -> NEW.
 *   2xx CANCEL -> ORDER_UPDATE CANCELED (or the status the venue reports).
 *   2xx QUERY  -> QUERY_RESULT found=1, status/executed/avg/venue id;
 *                 algo: NEW/TRIGGERING/TRIGGERED -> NEW, CANCELED,
 *                 EXPIRED, REJECTED as such, FINISHED -> TL_BN_ALGO_CHILD.
 *   otherwise  -> REQ_ERROR, outcome {NONE, written, is_write, status,
 *                 code, kind503}, retry_after_ns, text = msg truncated (a
 *                 body that is not Binance JSON - WAF page, bare 503 text -
 *                 still gives a REQ_ERROR, code 0, text = printable body).
 * A 2xx body carrying {"code": <negative>, "msg"} is an error too. The
 * client id in a 2xx body must equal req->client_id (TL_BN_E_MISMATCH).
 */
int tl_binance_decode_response(tl_binance_arena_t *a, const tl_out_req_t *req,
			       tl_req_kind_t kind, const tl_binance_http_t *http,
			       const tl_binance_resp_t *resp, tl_time_t now,
			       tl_binance_decoded_t *out);

/*
 * Map a batchOrders response (array in request order) to one input per
 * order: ORDER_UPDATE as for a single NEW, or REQ_ERROR for an error
 * element. An element's error is given the HTTP status Binance uses for
 * that code alone (429 for -1003/-1015, 503 for -1000/-1001/-1007/-1008,
 * 401 for -2014/-2015, else 400) so tl_retry_classify sees a failure,
 * not the batch's 200. A non-2xx response gives one REQ_ERROR per order.
 */
int tl_binance_decode_batch(tl_binance_arena_t *a,
			    const tl_out_req_t *const *reqs, unsigned n,
			    const tl_binance_resp_t *resp, tl_time_t now,
			    tl_binance_decoded_t *out);

/*
 * Map one stream message (raw or combined {"stream","data"}) to inputs:
 *   ORDER_TRADE_UPDATE x=NEW -> ORDER_UPDATE NEW; CANCELED, EXPIRED
 *     (text: expiry reason `er`), REJECTED -> ORDER_UPDATE; x=TRADE ->
 *     FILL (t, l, L, n (0 when absent), m, i); CALCULATED (liquidation),
 *     AMENDMENT -> IGNORED.
 *   TRADE_LITE -> FILL with commission 0 (see the note in the .c file).
 *   ALGO_UPDATE (by clientAlgoId, venue id = algoId): NEW, CANCELED,
 *     EXPIRED, REJECTED (text `rm`) -> ORDER_UPDATE; TRIGGERING,
 *     TRIGGERED, FINISHED -> IGNORED (the placed order reports under the
 *     same client id through ORDER_TRADE_UPDATE).
 *   markPriceUpdate (or an array of up to TL_BINANCE_OUT_MAX of them;
 *     the all-market stream takes tl_binance_decode_marks) -> MARK per
 *     symbol.
 *   listenKeyExpired -> TL_BN_LISTEN_KEY_EXPIRED.
 *   ACCOUNT_UPDATE, subscription replies, other events -> IGNORED.
 */
int tl_binance_decode_stream(tl_binance_arena_t *a, const char *msg,
			     size_t len, tl_time_t now,
			     tl_binance_decoded_t *out);

/*
 * The all-market mark price stream (!markPrice@arr[@1s], the Binance USD-M API docs
 * 6): one message a second with a markPriceUpdate for every symbol on the
 * venue, of which talon trades some. Decoded element by element into the
 * caller's `emit`, so the output has no fixed size (tl_binance_decoded_t
 * holds TL_BINANCE_OUT_MAX inputs).
 *
 * TL_BINANCE_MARKS_MAX bounds the elements of one message: about six
 * times the ~650 symbols Binance USD-M lists and four times
 * TL_SYMBOLS_MAX; a realistic element is ~200 bytes, so the bound is
 * also about what fits in a 1 MiB frame (TL_BINANCE_STREAM_MAX_FRAME). Past it
 * the message is refused, never cut short.
 * TL_BINANCE_MARKS_ARENA is an arena that holds the cJSON tree of such a
 * message: a Binance element takes ~1040 bytes (11 cJSON items of 64
 * bytes, keys and strings in 16-byte blocks), 4.3 MB for 4096
 * (test_binance_map measures it); 8 MiB leaves room for elements twice
 * that size. A bump arena touches only what a message uses (~0.7 MB for
 * 650 symbols).
 */
#define TL_BINANCE_MARKS_MAX 4096
#define TL_BINANCE_MARKS_ARENA (8u << 20)

/* True when marks for `symbol` are wanted (talon trades it). Called
 * once per element whose "e" and "s" are valid, in element order, during
 * the check pass; the emit pass reuses those answers. So `want` need not
 * be pure (a set changing under it cannot make the decoder emit an
 * element it dropped, or refuse a message after emitting part of it). */
typedef bool (*tl_binance_want_fn)(void *ctx, const char *symbol);
/* One MARK input (hdr.type, hdr.time = now, symbol, price set). */
typedef void (*tl_binance_mark_fn)(void *ctx, const tl_input_t *in);

typedef struct tl_binance_marks {
	uint32_t elements;       /* markPriceUpdate elements in the message */
	uint32_t emitted;        /* MARK inputs passed to emit */
	uint32_t dropped;        /* elements whose symbol `want` refused */
	int64_t event_ms;        /* largest event time `E` seen, 0 if none */
	const char *field;       /* on error: the field at fault */
	int32_t index;           /* on error: the element at fault, -1 none */
} tl_binance_marks_t;

/*
 * Decode one message of the all-market mark stream: an array (raw, or
 * combined {"stream","data":[...]}) of markPriceUpdate objects, or one
 * such object. Each element must be an object with "e":"markPriceUpdate"
 * and a string "s"; an element whose symbol `want` refuses is then
 * dropped unread (a venue symbol talon does not trade, whatever its name
 * or price, cannot spoil the message); a wanted one is validated like a
 * single mark ("s" talon's charset, "p" > 0 through tl_fx_parse, "E").
 * All or nothing: every element is checked before the first emit, so a
 * refused message emits nothing. Returns TL_BN_OK (res->emitted >= 1),
 * TL_BN_IGNORED (nothing wanted; also an object without "e", such as a
 * subscription reply, or another event), or an error with res->field and
 * res->index: TL_BN_E_RANGE "markPrice" for more than
 * TL_BINANCE_MARKS_MAX elements, TL_BN_E_NOMEM when the arena is too
 * small, TL_BN_E_SHAPE / _MISSING / _ENUM / _DECIMAL / _RANGE for an
 * element. No allocation outside the arena.
 */
int tl_binance_decode_marks(tl_binance_arena_t *a, const char *msg,
			    size_t len, tl_time_t now, tl_binance_want_fn want,
			    tl_binance_mark_fn emit, void *ctx,
			    tl_binance_marks_t *res);

/* The answer to POST /fapi/v1/listenKey: the key of its first 511 bytes'
 * `"listenKey":"<key>"` into key[cap] (NUL-terminated). Returns its
 * length (1..cap-1), or -1 when there is none, it is empty or does not
 * fit. */
int tl_binance_decode_listen_key(const char *body, size_t len, char *key,
				 size_t cap);

/* Map venue spellings to talon (0 when unknown). Order status: NEW,
 * PARTIALLY_FILLED, FILLED, CANCELED, EXPIRED, EXPIRED_IN_MATCH,
 * REJECTED, NEW_INSURANCE, NEW_ADL -> tl_ord_status_t. */
int tl_binance_status_parse(const char *s);

#endif /* TL_BINANCE_MAP_H */
