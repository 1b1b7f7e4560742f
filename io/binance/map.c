/*
 * binance_map.c - the one file that knows both Binance USD-M's wire
 * vocabulary and talon's records (Binance USD-M API docs).
 *
 * Parts:
 *   1. spellings: talon enums <-> Binance strings, client id and symbol rules
 *   2. encoding: form parameters for order / algo / cancel / query / batch
 *   3. the cJSON arena and its process-global hooks
 *   4. typed, validating field getters over untrusted JSON
 *   5. REST responses -> ORDER_UPDATE / QUERY_RESULT / REQ_ERROR
 *   6. stream events -> ORDER_UPDATE / FILL / MARK; the all-market mark
 *      array (!markPrice@arr) element by element into a callback
 *
 * Invariants:
 *   - Encoders never truncate: a value that does not fit the symbol's
 *     precision, an id outside Binance's charset, or a full buffer is an
 *     error and the buffer's content is then unspecified.
 *   - Decoders never trust the input: every field is type-checked, every
 *     decimal goes through tl_fx_parse (no exponents, <= 8 decimals),
 *     every string is length-checked before it is copied into a record,
 *     ids must be exact integers (<= 2^53, since cJSON holds numbers as
 *     doubles). Nothing is allocated outside the arena while decoding.
 *   - A decode error of a 2xx response still yields a REQ_ERROR
 *     (transport LOCAL, written) so no request is ever left without an
 *     input: the kernel classifies that as AMBIGUOUS for writes and
 *     queries the order.
 *
 * Notes for the adapter:
 *   - Fills: only the user stream carries trade ids, so REST order
 *     responses never produce FILLs (a RESULT response of a filled MARKET
 *     order is an ack: ORDER_UPDATE NEW with the venue id). ORDER_TRADE_
 *     UPDATE x=TRADE and TRADE_LITE both produce a FILL for the same trade
 *     id; the kernel keeps the first. TRADE_LITE carries no commission, so
 *     when both events are subscribed the kernel may record the fill with
 *     commission 0; subscribe with events=ORDER_TRADE_UPDATE/... without
 *     TRADE_LITE unless its latency matters more than exact commission.
 *   - A negative commission `n` (maker rebate) is reported as 0: the
 *     kernel refuses negative commissions and would drop the fill.
 *   - Conditional orders: real Binance reports the order an algo order
 *     places under the algo order's client id (ORDER_TRADE_UPDATE c ==
 *     caid, nautilus_trader#3287), so its fills reach the kernel's TP/SL
 *     order by client id and ALGO_UPDATE TRIGGERED/FINISHED are ignored.
 */
#include "io/binance/map.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

/* ========================================================================= */
/* 1. Spellings                                                              */
/* ========================================================================= */

const char *tl_binance_method_name(tl_binance_method_t m)
{
	switch (m) {
	case TL_BN_GET: return "GET";
	case TL_BN_POST: return "POST";
	case TL_BN_PUT: return "PUT";
	case TL_BN_DELETE: return "DELETE";
	}
	return "?";
}

static const char *binance_side(uint8_t s)
{
	return s == TL_BUY ? "BUY" : s == TL_SELL ? "SELL" : NULL;
}

static const char *binance_type(uint8_t t)
{
	switch (t) {
	case TL_ORD_LIMIT: return "LIMIT";
	case TL_ORD_MARKET: return "MARKET";
	case TL_ORD_STOP: return "STOP";
	case TL_ORD_STOP_MARKET: return "STOP_MARKET";
	case TL_ORD_TAKE_PROFIT: return "TAKE_PROFIT";
	case TL_ORD_TAKE_PROFIT_MARKET: return "TAKE_PROFIT_MARKET";
	}
	return NULL;
}

static const char *binance_tif(uint8_t t)
{
	switch (t) {
	case 0:
	case TL_TIF_GTC: return "GTC";
	case TL_TIF_IOC: return "IOC";
	case TL_TIF_FOK: return "FOK";
	case TL_TIF_GTX: return "GTX";
	}
	return NULL;
}

static bool binance_is_conditional(uint8_t t)
{
	return t == TL_ORD_STOP || t == TL_ORD_STOP_MARKET ||
	       t == TL_ORD_TAKE_PROFIT || t == TL_ORD_TAKE_PROFIT_MARKET;
}

/* positionSide for the account's mode, NULL when req's side contradicts it. */
static const char *binance_pos_side(uint8_t ps, bool hedge)
{
	if (!hedge)
		return ps == TL_PS_BOTH ? "BOTH" : NULL;
	return ps == TL_PS_LONG ? "LONG" : ps == TL_PS_SHORT ? "SHORT" : NULL;
}

static const struct {
	const char *name;
	tl_ord_status_t st;
} binance_statuses[] = {
	{ "NEW", TL_ST_NEW },
	{ "PARTIALLY_FILLED", TL_ST_PARTIALLY_FILLED },
	{ "FILLED", TL_ST_FILLED },
	{ "CANCELED", TL_ST_CANCELED },
	{ "EXPIRED", TL_ST_EXPIRED },
	{ "EXPIRED_IN_MATCH", TL_ST_EXPIRED },   /* self-trade prevention */
	{ "REJECTED", TL_ST_REJECTED },
	{ "NEW_INSURANCE", TL_ST_NEW },
	{ "NEW_ADL", TL_ST_NEW },
};

int tl_binance_status_parse(const char *s)
{
	for (size_t i = 0; s && i < sizeof binance_statuses / sizeof binance_statuses[0]; i++)
		if (strcmp(s, binance_statuses[i].name) == 0)
			return binance_statuses[i].st;
	return 0;
}

/* Algo statuses (2.3). FINISHED means "placed its order". */
enum { BINANCE_ALGO_FINISHED = 100, BINANCE_ALGO_WORKING };

static int binance_algo_status_parse(const char *s)
{
	if (strcmp(s, "NEW") == 0)
		return TL_ST_NEW;
	if (strcmp(s, "TRIGGERING") == 0 || strcmp(s, "TRIGGERED") == 0)
		return BINANCE_ALGO_WORKING;
	if (strcmp(s, "FINISHED") == 0)
		return BINANCE_ALGO_FINISHED;
	if (strcmp(s, "CANCELED") == 0)
		return TL_ST_CANCELED;
	if (strcmp(s, "EXPIRED") == 0)
		return TL_ST_EXPIRED;
	if (strcmp(s, "REJECTED") == 0)
		return TL_ST_REJECTED;
	return 0;
}

/* Binance: ^[.A-Z:/a-z0-9_-]{1,36}$ */
static bool binance_clid_valid(const char *s)
{
	size_t n = 0;

	for (; s[n]; n++) {
		char c = s[n];
		if (n >= TL_CLID_MAX)
			return false;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '.' || c == ':' ||
		      c == '/' || c == '_' || c == '-'))
			return false;
	}
	return n > 0;
}

/* A symbol: 1..TL_SYMBOL_NAMELEN-1 bytes, no controls, space, quote or
 * backslash (it is also written into JSON for batches). */
static bool binance_symbol_valid(const char *s)
{
	size_t n = 0;

	for (; n < TL_SYMBOL_NAMELEN && s[n]; n++) {
		unsigned char c = (unsigned char)s[n];
		if (c <= ' ' || c == 0x7f || c == '"' || c == '\\')
			return false;
	}
	return n > 0 && n < TL_SYMBOL_NAMELEN;
}

/* ========================================================================= */
/* 2. Encoding                                                               */
/* ========================================================================= */

typedef struct binance_buf {
	char *p;
	size_t len, cap;
	bool over;
} binance_buf_t;

static void binance_buf_init(binance_buf_t *b, char *p, size_t cap)
{
	b->p = p;
	b->len = 0;
	b->cap = cap;
	b->over = cap == 0;
	if (cap)
		p[0] = '\0';
}

static void binance_putc(binance_buf_t *b, char c)
{
	if (b->over || b->len + 1 >= b->cap) {
		b->over = true;
		return;
	}
	b->p[b->len++] = c;
	b->p[b->len] = '\0';
}

static void binance_puts(binance_buf_t *b, const char *s)
{
	while (*s && !b->over)
		binance_putc(b, *s++);
}

/* Form encoding: unreserved bytes as is, the rest as %XX. */
static void binance_put_enc(binance_buf_t *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";

	for (size_t i = 0; i < n && !b->over; i++) {
		unsigned char c = (unsigned char)s[i];
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '_' ||
		    c == '.' || c == '~') {
			binance_putc(b, (char)c);
		} else {
			binance_putc(b, '%');
			binance_putc(b, hex[c >> 4]);
			binance_putc(b, hex[c & 15]);
		}
	}
}

static void binance_key(binance_buf_t *b, const char *key)
{
	if (b->len)
		binance_putc(b, '&');
	binance_puts(b, key);
	binance_putc(b, '=');
}

static void binance_param(binance_buf_t *b, const char *key, const char *val)
{
	binance_key(b, key);
	binance_put_enc(b, val, strlen(val));
}

static void binance_param_i64(binance_buf_t *b, const char *key, int64_t v)
{
	char t[24];

	snprintf(t, sizeof t, "%lld", (long long)v);
	binance_param(b, key, t);
}

/* v with exactly `dec` decimals; false when v needs more or dec is bad. */
static bool binance_fx(tl_fx_t v, int dec, char out[TL_FX_STRLEN])
{
	if (dec < 0 || dec > TL_FX_DECIMALS || tl_fx_decimals(v) > dec)
		return false;
	return tl_fx_format(v, dec, out, TL_FX_STRLEN) > 0;
}

/* The common tail of every signed request. */
static int binance_finish(binance_buf_t *b, int64_t ts_ms, uint32_t recv_window_ms)
{
	if (ts_ms <= 0)
		return -EINVAL;
	if (recv_window_ms)
		binance_param_i64(b, "recvWindow", recv_window_ms);
	binance_param_i64(b, "timestamp", ts_ms);
	return b->over ? -ENOSPC : (int)b->len;
}

/* Fields of one new order, checked and spelled; shared by the single
 * and the batch encoders. */
typedef struct binance_order {
	const char *side, *type, *tif, *ps;
	char qty[TL_FX_STRLEN], price[TL_FX_STRLEN], stop[TL_FX_STRLEN];
	bool has_tif, has_price, has_qty, reduce_only, close_position, algo;
} binance_order_t;

static int binance_order_check(const tl_out_req_t *r, const tl_symbol_t *sym,
			  bool hedge, binance_order_t *o)
{
	memset(o, 0, sizeof(*o));
	if (!r || !sym || !binance_clid_valid(r->client_id) ||
	    !binance_symbol_valid(r->symbol) || strcmp(r->symbol, sym->name) != 0)
		return -EINVAL;
	o->side = binance_side(r->side);
	o->type = binance_type(r->type);
	o->ps = binance_pos_side(r->pos_side, hedge);
	if (!o->side || !o->type || !o->ps)
		return -EINVAL;
	o->algo = binance_is_conditional(r->type);
	o->has_price = r->type == TL_ORD_LIMIT || r->type == TL_ORD_STOP ||
		       r->type == TL_ORD_TAKE_PROFIT;
	o->has_tif = o->has_price;
	if (o->has_tif && !(o->tif = binance_tif(r->tif)))
		return -EINVAL;
	if (o->has_price && (r->price <= 0 ||
			     !binance_fx(r->price, sym->price_precision, o->price)))
		return -EINVAL;
	if (o->algo && (r->stop_price <= 0 ||
			!binance_fx(r->stop_price, sym->price_precision, o->stop)))
		return -EINVAL;
	o->close_position = r->close_position != 0;
	if (o->close_position &&
	    (r->type != TL_ORD_STOP_MARKET && r->type != TL_ORD_TAKE_PROFIT_MARKET))
		return -EINVAL;
	o->has_qty = !o->close_position;
	if (o->has_qty && (r->qty <= 0 ||
			   !binance_fx(r->qty, sym->qty_precision, o->qty)))
		return -EINVAL;
	o->reduce_only = r->reduce_only && !hedge && !o->close_position;
	return 0;
}

int tl_binance_encode_order(const tl_out_req_t *req, const tl_symbol_t *sym,
			    bool hedge_mode, int64_t ts_ms,
			    uint32_t recv_window_ms, tl_binance_http_t *http,
			    char *query, size_t cap)
{
	binance_order_t o;
	binance_buf_t b;
	int rc;

	if (!http || !query)
		return -EINVAL;
	if ((rc = binance_order_check(req, sym, hedge_mode, &o)) != 0)
		return rc;
	binance_buf_init(&b, query, cap);
	http->method = TL_BN_POST;
	http->algo = o.algo;
	if (!o.algo) {
		http->path = "/fapi/v1/order";
		binance_param(&b, "symbol", req->symbol);
		binance_param(&b, "side", o.side);
		binance_param(&b, "type", o.type);
		if (o.has_tif)
			binance_param(&b, "timeInForce", o.tif);
		binance_param(&b, "quantity", o.qty);
		if (o.has_price)
			binance_param(&b, "price", o.price);
		binance_param(&b, "newClientOrderId", req->client_id);
		binance_param(&b, "positionSide", o.ps);
		if (o.reduce_only)
			binance_param(&b, "reduceOnly", "true");
		binance_param(&b, "newOrderRespType", "RESULT");
	} else {
		http->path = "/fapi/v1/algoOrder";
		binance_param(&b, "algoType", "CONDITIONAL");
		binance_param(&b, "symbol", req->symbol);
		binance_param(&b, "side", o.side);
		binance_param(&b, "positionSide", o.ps);
		binance_param(&b, "type", o.type);
		if (o.has_tif)
			binance_param(&b, "timeInForce", o.tif);
		if (o.has_qty)
			binance_param(&b, "quantity", o.qty);
		else
			binance_param(&b, "closePosition", "true");
		if (o.has_price)
			binance_param(&b, "price", o.price);
		binance_param(&b, "triggerPrice", o.stop);
		binance_param(&b, "workingType", "MARK_PRICE");
		binance_param(&b, "clientAlgoId", req->client_id);
		if (o.reduce_only)
			binance_param(&b, "reduceOnly", "true");
	}
	return binance_finish(&b, ts_ms, recv_window_ms);
}

/* Cancel and query share their shape: by client id, on either endpoint. */
static int binance_encode_by_clid(const tl_out_req_t *req, tl_binance_method_t m,
			     int64_t ts_ms, uint32_t rw,
			     tl_binance_http_t *http, char *query, size_t cap)
{
	binance_buf_t b;

	if (!req || !http || !query || !binance_clid_valid(req->client_id))
		return -EINVAL;
	binance_buf_init(&b, query, cap);
	http->method = m;
	http->algo = binance_is_conditional(req->type);
	if (http->algo) {
		/* Algo endpoints are keyed by id alone; a symbol would be
		 * an unexpected parameter. */
		http->path = "/fapi/v1/algoOrder";
		binance_param(&b, "clientAlgoId", req->client_id);
	} else {
		if (!binance_symbol_valid(req->symbol))
			return -EINVAL;
		http->path = "/fapi/v1/order";
		binance_param(&b, "symbol", req->symbol);
		binance_param(&b, "origClientOrderId", req->client_id);
	}
	return binance_finish(&b, ts_ms, rw);
}

int tl_binance_encode_cancel(const tl_out_req_t *req, int64_t ts_ms,
			     uint32_t recv_window_ms, tl_binance_http_t *http,
			     char *query, size_t cap)
{
	return binance_encode_by_clid(req, TL_BN_DELETE, ts_ms, recv_window_ms,
				 http, query, cap);
}

int tl_binance_encode_query(const tl_out_req_t *req, int64_t ts_ms,
			    uint32_t recv_window_ms, tl_binance_http_t *http,
			    char *query, size_t cap)
{
	return binance_encode_by_clid(req, TL_BN_GET, ts_ms, recv_window_ms,
				 http, query, cap);
}

int tl_binance_encode_query_id(const char *symbol, int64_t order_id,
			       int64_t ts_ms, uint32_t recv_window_ms,
			       tl_binance_http_t *http, char *query,
			       size_t cap)
{
	binance_buf_t b;

	if (!symbol || !http || !query || order_id <= 0 ||
	    !binance_symbol_valid(symbol))
		return -EINVAL;
	binance_buf_init(&b, query, cap);
	http->method = TL_BN_GET;
	http->path = "/fapi/v1/order";
	http->algo = false;
	binance_param(&b, "symbol", symbol);
	binance_param_i64(&b, "orderId", order_id);
	return binance_finish(&b, ts_ms, recv_window_ms);
}

static void binance_json_kv(binance_buf_t *j, const char *k, const char *v)
{
	if (j->len > 0 && j->p[j->len - 1] != '{')
		binance_putc(j, ',');
	binance_putc(j, '"');
	binance_puts(j, k);
	binance_puts(j, "\":\"");
	binance_puts(j, v);   /* values are checked: no quote, backslash or control */
	binance_putc(j, '"');
}

int tl_binance_encode_batch(const tl_out_req_t *const *reqs,
			    const tl_symbol_t *const *syms, unsigned n,
			    bool hedge_mode, int64_t ts_ms,
			    uint32_t recv_window_ms, tl_binance_http_t *http,
			    char *query, size_t cap)
{
	char json[TL_BINANCE_BATCH_MAX * 512];
	binance_buf_t j, b;
	int rc;

	if (!reqs || !syms || !http || !query || n == 0 ||
	    n > TL_BINANCE_BATCH_MAX)
		return -EINVAL;
	binance_buf_init(&j, json, sizeof json);
	binance_putc(&j, '[');
	for (unsigned i = 0; i < n; i++) {
		binance_order_t o;
		if ((rc = binance_order_check(reqs[i], syms[i], hedge_mode, &o)) != 0)
			return rc;
		if (o.algo)
			return -EINVAL;   /* batchOrders takes no conditional types */
		if (i)
			binance_putc(&j, ',');
		binance_putc(&j, '{');
		binance_json_kv(&j, "symbol", reqs[i]->symbol);
		binance_json_kv(&j, "side", o.side);
		binance_json_kv(&j, "type", o.type);
		if (o.has_tif)
			binance_json_kv(&j, "timeInForce", o.tif);
		binance_json_kv(&j, "quantity", o.qty);
		if (o.has_price)
			binance_json_kv(&j, "price", o.price);
		binance_json_kv(&j, "newClientOrderId", reqs[i]->client_id);
		binance_json_kv(&j, "positionSide", o.ps);
		if (o.reduce_only)
			binance_json_kv(&j, "reduceOnly", "true");
		binance_json_kv(&j, "newOrderRespType", "RESULT");
		binance_putc(&j, '}');
	}
	binance_putc(&j, ']');
	if (j.over)
		return -ENOSPC;
	binance_buf_init(&b, query, cap);
	http->method = TL_BN_POST;
	http->path = "/fapi/v1/batchOrders";
	http->algo = false;
	binance_key(&b, "batchOrders");
	binance_put_enc(&b, json, j.len);
	return binance_finish(&b, ts_ms, recv_window_ms);
}

/* ========================================================================= */
/* 3. The cJSON arena                                                        */
/* ========================================================================= */

/* Selected only for the duration of one cJSON_Parse call on this thread. */
static __thread tl_binance_arena_t *binance_arena_cur;

void tl_binance_arena_init(tl_binance_arena_t *a, void *buf, size_t cap)
{
	memset(a, 0, sizeof(*a));
	a->buf = buf;
	a->cap = buf ? cap : 0;
}

static void *binance_hook_malloc(size_t n)
{
	tl_binance_arena_t *a = binance_arena_cur;

	if (!a)
		return malloc(n);
	uintptr_t base = (uintptr_t)a->buf;
	uintptr_t at = (base + a->used + 15) & ~(uintptr_t)15;
	size_t off = (size_t)(at - base);
	if (off > a->cap || n > a->cap - off || n == 0) {
		a->failed++;
		return NULL;
	}
	a->used = off + n;
	if (a->used > a->peak)
		a->peak = a->used;
	return a->buf + off;
}

static bool binance_in_arena(const tl_binance_arena_t *a, const void *p)
{
	uintptr_t x = (uintptr_t)p, base = (uintptr_t)a->buf;

	return x >= base && x < base + a->cap;
}

static void binance_hook_free(void *p)
{
	tl_binance_arena_t *a = binance_arena_cur;

	/* Arena blocks die with the next reset. */
	if (a && binance_in_arena(a, p))
		return;
	free(p);
}

static pthread_once_t binance_once = PTHREAD_ONCE_INIT;

static void binance_install_hooks(void)
{
	cJSON_Hooks h = { .malloc_fn = binance_hook_malloc, .free_fn = binance_hook_free };

	cJSON_InitHooks(&h);
}

void tl_binance_map_init(void)
{
	pthread_once(&binance_once, binance_install_hooks);
}

/* Parse text[0..len): into the (reset) arena a, or onto the heap when a
 * is NULL. Trailing non-space and \u0000 are errors either way (one
 * grammar whichever memory holds the tree). Returns the root or NULL
 * with *rc set. */
static cJSON *binance_parse(tl_binance_arena_t *a, const char *text, size_t len,
		       int *rc)
{
	const char *end = NULL;
	uint64_t failed = 0;
	cJSON *root;

	tl_binance_map_init();
	if (a) {
		a->used = 0;
		failed = a->failed;
	}
	if (!text || len == 0 || (a && !a->buf)) {
		*rc = TL_BN_E_JSON;
		return NULL;
	}
	/* cJSON turns \u0000 into a NUL inside a C string, which would cut a
	 * field short unseen; Binance never sends it, so refuse it. */
	for (size_t i = 0; i + 6 <= len; i++) {
		if (text[i] == '\\' && text[i + 1] == 'u' &&
		    memcmp(text + i + 2, "0000", 4) == 0) {
			*rc = TL_BN_E_JSON;
			return NULL;
		}
	}
	binance_arena_cur = a;
	root = cJSON_ParseWithLengthOpts(text, len, &end, 0);
	binance_arena_cur = NULL;
	if (!root) {
		*rc = a && a->failed != failed ? TL_BN_E_NOMEM : TL_BN_E_JSON;
		return NULL;
	}
	for (const char *e = end; e && e < text + len; e++) {
		if (*e != ' ' && *e != '\t' && *e != '\r' && *e != '\n') {
			if (!a)
				cJSON_Delete(root);
			*rc = TL_BN_E_JSON;
			return NULL;
		}
	}
	*rc = TL_BN_OK;
	return root;
}

cJSON *tl_binance_parse_any(tl_binance_arena_t *a, const char *text, size_t len,
			    bool *heap)
{
	int rc;
	cJSON *root;

	*heap = false;
	if (a && a->buf) {
		root = binance_parse(a, text, len, &rc);
		if (root || rc != TL_BN_E_NOMEM)
			return root;
	}
	/* No arena, or an answer larger than it: the heap (cold). */
	root = binance_parse(NULL, text, len, &rc);
	*heap = root != NULL;
	return root;
}

/* ========================================================================= */
/* 4. Field getters                                                          */
/* ========================================================================= */

#define BINANCE_ID_MAX 9007199254740992.0   /* 2^53: ids must be below it */

const char *tl_binance_strerror(int rc)
{
	switch (rc) {
	case TL_BN_OK: return "ok";
	case TL_BN_IGNORED: return "ignored";
	case TL_BN_LISTEN_KEY_EXPIRED: return "listenKey expired";
	case TL_BN_ALGO_CHILD: return "algo order finished: query its order";
	case TL_BN_E_JSON: return "not JSON";
	case TL_BN_E_NOMEM: return "response arena exhausted";
	case TL_BN_E_SHAPE: return "field has the wrong JSON type";
	case TL_BN_E_MISSING: return "required field missing";
	case TL_BN_E_DECIMAL: return "invalid decimal";
	case TL_BN_E_RANGE: return "value too long or out of range";
	case TL_BN_E_ENUM: return "unknown enum value";
	case TL_BN_E_MISMATCH: return "response is for another order";
	case TL_BN_E_ARG: return "bad arguments";
	}
	return "?";
}

/* Each getter records the field in out->field (and in `field`: the
 * marks decoder has no `out`) on failure. */
typedef struct binance_ctx {
	tl_binance_decoded_t *out;
	const char *field;
} binance_ctx_t;

static int binance_fail(binance_ctx_t *c, const char *field, int rc)
{
	if (c->out)
		c->out->field = field;
	c->field = field;
	return rc;
}

static const cJSON *binance_item(const cJSON *o, const char *k)
{
	return cJSON_GetObjectItemCaseSensitive(o, k);
}

/* Required string of length 1..max (0..max when allow_empty). */
static int binance_str(binance_ctx_t *c, const cJSON *o, const char *k, size_t max,
		  bool allow_empty, const char **v)
{
	const cJSON *it = binance_item(o, k);

	if (!it)
		return binance_fail(c, k, TL_BN_E_MISSING);
	if (!cJSON_IsString(it) || !it->valuestring)
		return binance_fail(c, k, TL_BN_E_SHAPE);
	size_t n = strnlen(it->valuestring, max + 1);
	if (n > max || (n == 0 && !allow_empty))
		return binance_fail(c, k, TL_BN_E_RANGE);
	*v = it->valuestring;
	return 0;
}

/* The order's symbol in field k, when the venue sent one, into out
 * ("" when absent: the kernel then does not compare it). */
static int binance_sym_opt(binance_ctx_t *c, const cJSON *o, const char *k,
			   char out[TL_SYMBOL_NAMELEN])
{
	const char *s;
	int rc;

	out[0] = '\0';
	if (!binance_item(o, k))
		return 0;
	if ((rc = binance_str(c, o, k, TL_SYMBOL_NAMELEN - 1, false, &s)))
		return rc;
	if (!binance_symbol_valid(s))
		return binance_fail(c, k, TL_BN_E_RANGE);
	memcpy(out, s, strlen(s) + 1);
	return 0;
}

/* Client id in field k: Binance's charset, <= 36. */
static int binance_clid(binance_ctx_t *c, const cJSON *o, const char *k,
		   char out[TL_CLID_LEN])
{
	const char *s;
	int rc = binance_str(c, o, k, TL_CLID_MAX, false, &s);

	if (rc)
		return rc;
	if (!binance_clid_valid(s))
		return binance_fail(c, k, TL_BN_E_RANGE);
	/* All TL_CLID_LEN bytes: callers copy the whole array into the
	 * kernel input, and the journal keeps it byte for byte. */
	memset(out, 0, TL_CLID_LEN);
	memcpy(out, s, strlen(s));
	return 0;
}

/* Decimal string; `absent_ok` gives *v = 0 when the field is missing.
 * Negative values are refused unless allow_neg. */
static int binance_fx_get(binance_ctx_t *c, const cJSON *o, const char *k,
		     bool absent_ok, bool allow_neg, tl_fx_t *v)
{
	const cJSON *it = binance_item(o, k);
	tl_fx_t x;

	if (!it) {
		if (!absent_ok)
			return binance_fail(c, k, TL_BN_E_MISSING);
		*v = 0;
		return 0;
	}
	if (!cJSON_IsString(it) || !it->valuestring)
		return binance_fail(c, k, TL_BN_E_SHAPE);
	if (strnlen(it->valuestring, TL_FX_STRLEN + 1) > TL_FX_STRLEN)
		return binance_fail(c, k, TL_BN_E_DECIMAL);
	if (tl_fx_parse_cstr(it->valuestring, &x) != TL_FX_OK ||
	    (x < 0 && !allow_neg))
		return binance_fail(c, k, TL_BN_E_DECIMAL);
	*v = x;
	return 0;
}

/* Digits-only text (optionally signed) to int64 within +-2^53. */
static bool binance_digits(const char *s, bool allow_neg, int64_t *v)
{
	bool neg = false;
	int64_t x = 0;
	size_t n = 0;

	if (allow_neg && *s == '-') {
		neg = true;
		s++;
	}
	for (; s[n]; n++) {
		if (s[n] < '0' || s[n] > '9' || n >= 16)
			return false;
		x = x * 10 + (s[n] - '0');
	}
	if (n == 0 || x >= (int64_t)BINANCE_ID_MAX)
		return false;
	*v = neg ? -x : x;
	return true;
}

/* An integer as a JSON number, or (string_ok) as a string of digits;
 * "" gives 0 when string_ok. Absent: missing unless absent_ok (0). */
static int binance_int(binance_ctx_t *c, const cJSON *o, const char *k, bool absent_ok,
		  bool string_ok, bool allow_neg, int64_t *v)
{
	const cJSON *it = binance_item(o, k);

	if (!it) {
		if (!absent_ok)
			return binance_fail(c, k, TL_BN_E_MISSING);
		*v = 0;
		return 0;
	}
	if (cJSON_IsNumber(it)) {
		double d = it->valuedouble;
		/* NaN fails the range test; then integral and exact. */
		if (!(d > -BINANCE_ID_MAX && d < BINANCE_ID_MAX) ||
		    (double)(int64_t)d != d || (d < 0 && !allow_neg))
			return binance_fail(c, k, TL_BN_E_RANGE);
		*v = (int64_t)d;
		return 0;
	}
	if (string_ok && cJSON_IsString(it) && it->valuestring) {
		if (it->valuestring[0] == '\0') {
			*v = 0;
			return 0;
		}
		if (!binance_digits(it->valuestring, allow_neg, v))
			return binance_fail(c, k, TL_BN_E_RANGE);
		return 0;
	}
	return binance_fail(c, k, TL_BN_E_SHAPE);
}

static int binance_bool(binance_ctx_t *c, const cJSON *o, const char *k, bool dflt,
		   bool *v)
{
	const cJSON *it = binance_item(o, k);

	if (!it) {
		*v = dflt;
		return 0;
	}
	if (!cJSON_IsBool(it))
		return binance_fail(c, k, TL_BN_E_SHAPE);
	*v = cJSON_IsTrue(it);
	return 0;
}

/* Copy printable ASCII of s[0..n), up to a NUL, into dst[cap] (others
 * become '?'; always NUL-terminated). */
static void binance_printable(char *dst, size_t cap, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n && i + 1 < cap && s[i]; i++) {
		unsigned char ch = (unsigned char)s[i];
		dst[i] = (ch >= ' ' && ch < 0x7f) ? (char)ch : '?';
	}
	dst[i] = '\0';
}

/* The same into a record text field (venue messages are truncated). */
static void binance_text(char dst[TL_TEXT_LEN], const char *s, size_t n)
{
	binance_printable(dst, TL_TEXT_LEN, s, n);
}

static tl_input_t *binance_push(tl_binance_decoded_t *out, tl_in_type_t type,
			   tl_time_t now)
{
	if (out->n >= TL_BINANCE_OUT_MAX)
		return NULL;
	tl_input_t *in = &out->in[out->n++];
	memset(in, 0, sizeof(*in));
	in->hdr.type = (uint16_t)type;
	in->hdr.time = now;
	return in;
}

static void binance_out_reset(tl_binance_decoded_t *out)
{
	out->n = 0;
	out->child_order_id = 0;
	out->event_ms = 0;
	out->field = NULL;
}

/* ========================================================================= */
/* 5. REST responses                                                         */
/* ========================================================================= */

/* HTTP status Binance gives a code on its own (batch elements). */
static uint16_t binance_code_status(int32_t code)
{
	switch (code) {
	case -1003:
	case -1015:
		return 429;
	case -1000:
	case -1001:
	case -1007:
	case -1008:
		return 503;
	case -2014:
	case -2015:
		return 401;
	default:
		return 400;
	}
}

/* The venue code of an error object: a negative integer "code" (number
 * or numeric string; "200" and 200 are success markers, not errors).
 * Returns true and sets *code when `o` is an error object. */
static bool binance_error_code(const cJSON *o, int32_t *code)
{
	const cJSON *it = cJSON_IsObject(o) ? binance_item(o, "code") : NULL;
	int64_t v;

	if (!it)
		return false;
	if (cJSON_IsNumber(it)) {
		double d = it->valuedouble;
		if (!(d < 0 && d >= -1e6) || (double)(int64_t)d != d)
			return false;
		v = (int64_t)d;
	} else if (cJSON_IsString(it) && it->valuestring) {
		if (!binance_digits(it->valuestring, true, &v) || v >= 0 || v < -1000000)
			return false;
	} else {
		return false;
	}
	*code = (int32_t)v;
	return true;
}

/* REQ_ERROR for `req` from an HTTP answer. `j` is the parsed body when it
 * is an object, else NULL (then the raw body is the message). */
static int binance_req_error(const tl_out_req_t *req, tl_req_kind_t kind,
			uint16_t status, int64_t retry_after_ns,
			const cJSON *j, const char *raw, size_t rawlen,
			tl_time_t now, tl_binance_decoded_t *out)
{
	char msg[128];
	int32_t code = 0;
	tl_input_t *in = binance_push(out, TL_IN_REQ_ERROR, now);

	if (!in)
		return TL_BN_E_RANGE;
	msg[0] = '\0';
	if (j && cJSON_IsObject(j)) {
		const cJSON *m = binance_item(j, "msg");
		(void)binance_error_code(j, &code);
		if (cJSON_IsString(m) && m->valuestring)
			binance_printable(msg, sizeof msg, m->valuestring, sizeof msg);
	} else if (raw) {
		/* Non-JSON body (WAF page, bare 503 text): keep its start. */
		binance_printable(msg, sizeof msg, raw, rawlen);
	}
	memcpy(in->u.error.client_id, req->client_id, TL_CLID_LEN);
	in->u.error.client_id[TL_CLID_MAX] = '\0';
	in->u.error.req = (uint8_t)kind;
	in->u.error.outcome.transport = TL_TR_NONE;
	in->u.error.outcome.written = true;
	in->u.error.outcome.is_write = kind != TL_REQ_QUERY;
	in->u.error.outcome.http_status = status;
	in->u.error.outcome.code = code;
	in->u.error.outcome.kind503 = status == 503 ? tl_retry_503_kind(msg)
						    : TL_503_NONE;
	in->u.error.retry_after_ns = retry_after_ns > 0 ? retry_after_ns : 0;
	binance_text(in->u.error.text, msg, sizeof msg);
	return TL_BN_OK;
}

/* A 2xx body we could not map: the request's fate is unknown. */
static void binance_local_error(const tl_out_req_t *req, tl_req_kind_t kind,
			   int rc, tl_time_t now, tl_binance_decoded_t *out)
{
	const char *field = out->field;
	out->n = 0;
	tl_input_t *in = binance_push(out, TL_IN_REQ_ERROR, now);
	char t[TL_TEXT_LEN];

	snprintf(t, sizeof t, "bad venue response: %s%s%s",
		 tl_binance_strerror(rc), field ? " " : "", field ? field : "");
	memcpy(in->u.error.client_id, req->client_id, TL_CLID_LEN);
	in->u.error.client_id[TL_CLID_MAX] = '\0';
	in->u.error.req = (uint8_t)kind;
	in->u.error.outcome.transport = TL_TR_LOCAL;
	in->u.error.outcome.written = true;
	in->u.error.outcome.is_write = kind != TL_REQ_QUERY;
	binance_text(in->u.error.text, t, sizeof t);
	out->field = field;
}

/* Client id of a response, checked against the request's. */
static int binance_match_clid(binance_ctx_t *c, const cJSON *o, const char *k,
			 const tl_out_req_t *req, char clid[TL_CLID_LEN])
{
	int rc = binance_clid(c, o, k, clid);

	if (rc)
		return rc;
	if (strncmp(clid, req->client_id, TL_CLID_LEN) != 0)
		return binance_fail(c, k, TL_BN_E_MISMATCH);
	return 0;
}

/* Plain order object (2.2, 2.5) -> ORDER_UPDATE or QUERY_RESULT. */
static int binance_order_obj(binance_ctx_t *c, const cJSON *o, const tl_out_req_t *req,
			tl_req_kind_t kind, tl_time_t now)
{
	char clid[TL_CLID_LEN];
	const char *st_s, *sym;
	int64_t vid;
	tl_fx_t exec, avg;
	int rc, st;

	if (!cJSON_IsObject(o))
		return binance_fail(c, "order", TL_BN_E_SHAPE);
	if ((rc = binance_match_clid(c, o, "clientOrderId", req, clid)) ||
	    (rc = binance_int(c, o, "orderId", false, false, false, &vid)) ||
	    (rc = binance_str(c, o, "status", 32, false, &st_s)) ||
	    (rc = binance_fx_get(c, o, "executedQty", kind != TL_REQ_QUERY, false, &exec)) ||
	    (rc = binance_fx_get(c, o, "avgPrice", true, false, &avg)))
		return rc;
	if (binance_item(o, "symbol")) {
		if ((rc = binance_str(c, o, "symbol", TL_SYMBOL_NAMELEN - 1, false, &sym)))
			return rc;
		if (strcmp(sym, req->symbol) != 0)
			return binance_fail(c, "symbol", TL_BN_E_MISMATCH);
	}
	if (vid <= 0)
		return binance_fail(c, "orderId", TL_BN_E_RANGE);
	if (!(st = tl_binance_status_parse(st_s)))
		return binance_fail(c, "status", TL_BN_E_ENUM);
	if (kind == TL_REQ_QUERY) {
		tl_input_t *in = binance_push(c->out, TL_IN_QUERY_RESULT, now);
		memcpy(in->u.query.client_id, clid, TL_CLID_LEN);
		in->u.query.found = 1;
		in->u.query.status = (uint8_t)st;
		in->u.query.venue_id = vid;
		in->u.query.executed_qty = exec;
		in->u.query.avg_price = avg;
		memcpy(in->u.query.symbol, req->symbol, TL_SYMBOL_NAMELEN);
		return TL_BN_OK;
	}
	/* Fills come from the stream with trade ids: a (partially) filled
	 * order in a REST answer is reported as acknowledged. */
	if (st == TL_ST_PARTIALLY_FILLED || st == TL_ST_FILLED)
		st = TL_ST_NEW;
	tl_input_t *in = binance_push(c->out, TL_IN_ORDER_UPDATE, now);
	memcpy(in->u.update.client_id, clid, TL_CLID_LEN);
	in->u.update.status = (uint8_t)st;
	in->u.update.venue_id = vid;
	/* the response's "symbol" equals the request's (checked above) */
	memcpy(in->u.update.symbol, req->symbol, TL_SYMBOL_NAMELEN);
	return TL_BN_OK;
}

/* Algo object (2.3) or algo cancel answer -> ORDER_UPDATE / QUERY_RESULT. */
static int binance_algo_obj(binance_ctx_t *c, const cJSON *o, const tl_out_req_t *req,
		       tl_req_kind_t kind, tl_time_t now)
{
	char clid[TL_CLID_LEN];
	const char *st_s;
	int64_t aid;
	int rc, st;

	if (!cJSON_IsObject(o))
		return binance_fail(c, "algo", TL_BN_E_SHAPE);
	char sym[TL_SYMBOL_NAMELEN];

	if ((rc = binance_match_clid(c, o, "clientAlgoId", req, clid)) ||
	    (rc = binance_int(c, o, "algoId", false, false, false, &aid)) ||
	    (rc = binance_sym_opt(c, o, "symbol", sym)))
		return rc;
	if (!sym[0])
		memcpy(sym, req->symbol, TL_SYMBOL_NAMELEN);
	else if (strcmp(sym, req->symbol) != 0)
		return binance_fail(c, "symbol", TL_BN_E_MISMATCH);
	if (aid <= 0)
		return binance_fail(c, "algoId", TL_BN_E_RANGE);
	if (kind == TL_REQ_CANCEL && !binance_item(o, "algoStatus")) {
		/* {"algoId":..,"clientAlgoId":..,"code":"200","msg":"success"} */
		st = TL_ST_CANCELED;
	} else {
		if ((rc = binance_str(c, o, "algoStatus", 32, false, &st_s)))
			return rc;
		if (!(st = binance_algo_status_parse(st_s)))
			return binance_fail(c, "algoStatus", TL_BN_E_ENUM);
	}
	if (kind == TL_REQ_QUERY) {
		if (st == BINANCE_ALGO_FINISHED) {
			int64_t child;
			if ((rc = binance_int(c, o, "actualOrderId", false, true, false, &child)))
				return rc;
			if (child <= 0)
				return binance_fail(c, "actualOrderId", TL_BN_E_RANGE);
			c->out->child_order_id = child;
			return TL_BN_ALGO_CHILD;
		}
		tl_input_t *in = binance_push(c->out, TL_IN_QUERY_RESULT, now);
		memcpy(in->u.query.client_id, clid, TL_CLID_LEN);
		in->u.query.found = 1;
		in->u.query.status = (uint8_t)(st == BINANCE_ALGO_WORKING ? TL_ST_NEW : st);
		in->u.query.venue_id = aid;
		memcpy(in->u.query.symbol, sym, TL_SYMBOL_NAMELEN);
		return TL_BN_OK;
	}
	if (st == BINANCE_ALGO_WORKING || st == BINANCE_ALGO_FINISHED)
		st = TL_ST_NEW;
	tl_input_t *in = binance_push(c->out, TL_IN_ORDER_UPDATE, now);
	memcpy(in->u.update.client_id, clid, TL_CLID_LEN);
	in->u.update.status = (uint8_t)st;
	in->u.update.venue_id = aid;
	memcpy(in->u.update.symbol, sym, TL_SYMBOL_NAMELEN);
	return TL_BN_OK;
}

static bool binance_req_ok(const tl_out_req_t *req)
{
	return req && memchr(req->client_id, '\0', TL_CLID_LEN) &&
	       memchr(req->symbol, '\0', TL_SYMBOL_NAMELEN);
}

int tl_binance_decode_response(tl_binance_arena_t *a, const tl_out_req_t *req,
			       tl_req_kind_t kind, const tl_binance_http_t *http,
			       const tl_binance_resp_t *resp, tl_time_t now,
			       tl_binance_decoded_t *out)
{
	binance_ctx_t c = { out, NULL };
	int32_t code;
	cJSON *j;
	int rc;

	if (!out)
		return TL_BN_E_ARG;
	binance_out_reset(out);
	if (!a || !http || !resp || !binance_req_ok(req) ||
	    (kind != TL_REQ_NEW && kind != TL_REQ_CANCEL && kind != TL_REQ_QUERY))
		return TL_BN_E_ARG;
	j = binance_parse(a, resp->body, resp->len, &rc);
	if (resp->http_status < 200 || resp->http_status > 299) {
		/* Any failure status: an error input, JSON or not. An arena
		 * overflow only loses the message. */
		return binance_req_error(req, kind, resp->http_status,
				    resp->retry_after_ns, j, resp->body,
				    resp->len, now, out);
	}
	if (!j) {
		binance_local_error(req, kind, rc, now, out);
		return rc;
	}
	if (binance_error_code(j, &code))
		return binance_req_error(req, kind, binance_code_status(code),
				    resp->retry_after_ns, j, NULL, 0, now, out);
	rc = http->algo ? binance_algo_obj(&c, j, req, kind, now)
			: binance_order_obj(&c, j, req, kind, now);
	if (rc < 0)
		binance_local_error(req, kind, rc, now, out);
	return rc;
}

int tl_binance_decode_batch(tl_binance_arena_t *a,
			    const tl_out_req_t *const *reqs, unsigned n,
			    const tl_binance_resp_t *resp, tl_time_t now,
			    tl_binance_decoded_t *out)
{
	binance_ctx_t c = { out, NULL };
	int32_t code = 0;
	cJSON *j;
	unsigned i;
	int rc = TL_BN_OK;

	if (!out)
		return TL_BN_E_ARG;
	binance_out_reset(out);
	if (!a || !reqs || !resp || n == 0 || n > TL_BINANCE_BATCH_MAX)
		return TL_BN_E_ARG;
	for (i = 0; i < n; i++)
		if (!binance_req_ok(reqs[i]))
			return TL_BN_E_ARG;
	j = binance_parse(a, resp->body, resp->len, &rc);
	if (resp->http_status < 200 || resp->http_status > 299 ||
	    (j && binance_error_code(j, &code))) {
		uint16_t st = resp->http_status;
		if (st >= 200 && st <= 299)
			st = binance_code_status(code);
		for (i = 0; i < n; i++)
			binance_req_error(reqs[i], TL_REQ_NEW, st, resp->retry_after_ns,
				     j, resp->body, resp->len, now, out);
		return TL_BN_OK;
	}
	if (j && (!cJSON_IsArray(j) || (unsigned)cJSON_GetArraySize(j) != n)) {
		out->field = "batch";
		rc = cJSON_IsArray(j) ? TL_BN_E_RANGE : TL_BN_E_SHAPE;
	}
	if (rc < 0) {
		/* Unknown fate for every order of the batch. */
		const char *field = out->field;
		tl_binance_decoded_t one;
		out->n = 0;
		for (i = 0; i < n; i++) {
			binance_out_reset(&one);
			one.field = field;
			binance_local_error(reqs[i], TL_REQ_NEW, rc, now, &one);
			out->in[out->n++] = one.in[0];
		}
		out->field = field;
		return rc;
	}
	const cJSON *el;
	int first_err = TL_BN_OK;
	i = 0;
	cJSON_ArrayForEach(el, j) {
		uint32_t before = out->n;
		if (binance_error_code(el, &code)) {
			binance_req_error(reqs[i], TL_REQ_NEW, binance_code_status(code), 0,
				     el, NULL, 0, now, out);
		} else {
			int r = binance_order_obj(&c, el, reqs[i], TL_REQ_NEW, now);
			if (r < 0) {
				tl_binance_decoded_t one;
				binance_out_reset(&one);
				one.field = out->field;
				binance_local_error(reqs[i], TL_REQ_NEW, r, now, &one);
				out->n = before;
				out->in[out->n++] = one.in[0];
				if (first_err == TL_BN_OK)
					first_err = r;
			}
		}
		i++;
	}
	return first_err;
}

/* ========================================================================= */
/* 6. Stream events                                                          */
/* ========================================================================= */

/* Expiry reason `er` (5.2) as text. */
static const char *binance_expiry_reason(const char *er)
{
	static const char *const why[] = {
		"expired",
		"expired: self-trade prevention",
		"expired: IOC remainder",
		"expired: IOC remainder, self-trade prevention",
		"expired: reduce-only knocked out",
		"expired: account liquidation",
		"expired: GTE condition unsatisfied",
		"expired: symbol delisted",
		"expired: order canceled after its TP/SL triggered",
		"expired: market order not fully filled",
	};

	if (er && er[0] >= '0' && er[0] <= '9' && er[1] == '\0')
		return why[er[0] - '0'];
	return why[0];
}

static int binance_ev_order_trade(binance_ctx_t *c, const cJSON *ev, tl_time_t now)
{
	const cJSON *o = binance_item(ev, "o");
	char clid[TL_CLID_LEN];
	const char *x, *er = NULL;
	int64_t vid;
	int rc;

	if (!o)
		return binance_fail(c, "o", TL_BN_E_MISSING);
	if (!cJSON_IsObject(o))
		return binance_fail(c, "o", TL_BN_E_SHAPE);
	char sym[TL_SYMBOL_NAMELEN];

	if ((rc = binance_clid(c, o, "c", clid)) ||
	    (rc = binance_str(c, o, "x", 32, false, &x)) ||
	    (rc = binance_int(c, o, "i", false, false, false, &vid)) ||
	    (rc = binance_sym_opt(c, o, "s", sym)))
		return rc;
	if (vid <= 0)
		return binance_fail(c, "i", TL_BN_E_RANGE);
	if (strcmp(x, "TRADE") == 0) {
		tl_fx_t qty, px, fee;
		int64_t tid;
		bool maker;
		if ((rc = binance_int(c, o, "t", false, false, false, &tid)) ||
		    (rc = binance_fx_get(c, o, "l", false, false, &qty)) ||
		    (rc = binance_fx_get(c, o, "L", false, false, &px)) ||
		    (rc = binance_fx_get(c, o, "n", true, true, &fee)) ||
		    (rc = binance_bool(c, o, "m", false, &maker)))
			return rc;
		if (tid <= 0)
			return binance_fail(c, "t", TL_BN_E_RANGE);
		if (qty <= 0)
			return binance_fail(c, "l", TL_BN_E_DECIMAL);
		if (px <= 0)
			return binance_fail(c, "L", TL_BN_E_DECIMAL);
		tl_input_t *in = binance_push(c->out, TL_IN_FILL, now);
		memcpy(in->u.fill.client_id, clid, TL_CLID_LEN);
		in->u.fill.maker = maker;
		in->u.fill.venue_id = vid;
		in->u.fill.trade_id = tid;
		in->u.fill.price = px;
		in->u.fill.qty = qty;
		in->u.fill.commission = fee > 0 ? fee : 0;   /* rebate -> 0 */
		memcpy(in->u.fill.symbol, sym, TL_SYMBOL_NAMELEN);
		return TL_BN_OK;
	}
	uint8_t st;
	if (strcmp(x, "NEW") == 0)
		st = TL_ST_NEW;
	else if (strcmp(x, "CANCELED") == 0)
		st = TL_ST_CANCELED;
	else if (strcmp(x, "EXPIRED") == 0)
		st = TL_ST_EXPIRED;
	else if (strcmp(x, "REJECTED") == 0)
		st = TL_ST_REJECTED;
	else if (strcmp(x, "CALCULATED") == 0 || strcmp(x, "AMENDMENT") == 0)
		return TL_BN_IGNORED;
	else
		return binance_fail(c, "x", TL_BN_E_ENUM);
	if (st == TL_ST_EXPIRED && binance_item(o, "er") &&
	    (rc = binance_str(c, o, "er", 4, true, &er)))
		return rc;
	tl_input_t *in = binance_push(c->out, TL_IN_ORDER_UPDATE, now);
	memcpy(in->u.update.client_id, clid, TL_CLID_LEN);
	in->u.update.status = st;
	in->u.update.venue_id = vid;
	memcpy(in->u.update.symbol, sym, TL_SYMBOL_NAMELEN);
	if (st == TL_ST_EXPIRED) {
		const char *why = binance_expiry_reason(er);
		binance_text(in->u.update.text, why, strlen(why));
	}
	return TL_BN_OK;
}

static int binance_ev_trade_lite(binance_ctx_t *c, const cJSON *ev, tl_time_t now)
{
	char clid[TL_CLID_LEN];
	int64_t vid, tid;
	tl_fx_t qty, px;
	bool maker;
	int rc;

	char sym[TL_SYMBOL_NAMELEN];

	if ((rc = binance_clid(c, ev, "c", clid)) ||
	    (rc = binance_sym_opt(c, ev, "s", sym)) ||
	    (rc = binance_int(c, ev, "i", false, false, false, &vid)) ||
	    (rc = binance_int(c, ev, "t", false, false, false, &tid)) ||
	    (rc = binance_fx_get(c, ev, "l", false, false, &qty)) ||
	    (rc = binance_fx_get(c, ev, "L", false, false, &px)) ||
	    (rc = binance_bool(c, ev, "m", false, &maker)))
		return rc;
	if (vid <= 0)
		return binance_fail(c, "i", TL_BN_E_RANGE);
	if (tid <= 0)
		return binance_fail(c, "t", TL_BN_E_RANGE);
	if (qty <= 0)
		return binance_fail(c, "l", TL_BN_E_DECIMAL);
	if (px <= 0)
		return binance_fail(c, "L", TL_BN_E_DECIMAL);
	tl_input_t *in = binance_push(c->out, TL_IN_FILL, now);
	memcpy(in->u.fill.client_id, clid, TL_CLID_LEN);
	in->u.fill.maker = maker;
	in->u.fill.venue_id = vid;
	in->u.fill.trade_id = tid;
	in->u.fill.price = px;
	in->u.fill.qty = qty;
	in->u.fill.commission = 0;   /* TRADE_LITE carries none */
	memcpy(in->u.fill.symbol, sym, TL_SYMBOL_NAMELEN);
	return TL_BN_OK;
}

static int binance_ev_algo(binance_ctx_t *c, const cJSON *ev, tl_time_t now)
{
	const cJSON *o = binance_item(ev, "o");
	char clid[TL_CLID_LEN];
	const char *st_s, *rm = NULL;
	int64_t aid;
	int rc, st;

	if (!o)
		return binance_fail(c, "o", TL_BN_E_MISSING);
	if (!cJSON_IsObject(o))
		return binance_fail(c, "o", TL_BN_E_SHAPE);
	char sym[TL_SYMBOL_NAMELEN];

	if ((rc = binance_clid(c, o, "caid", clid)) ||
	    (rc = binance_int(c, o, "aid", false, true, false, &aid)) ||
	    (rc = binance_str(c, o, "X", 32, false, &st_s)) ||
	    (rc = binance_sym_opt(c, o, "s", sym)))
		return rc;
	if (aid <= 0)
		return binance_fail(c, "aid", TL_BN_E_RANGE);
	if (!(st = binance_algo_status_parse(st_s)))
		return binance_fail(c, "X", TL_BN_E_ENUM);
	if (st == BINANCE_ALGO_WORKING || st == BINANCE_ALGO_FINISHED)
		return TL_BN_IGNORED;
	if (st == TL_ST_REJECTED && binance_item(o, "rm") &&
	    (rc = binance_str(c, o, "rm", 1024, true, &rm)))
		return rc;
	tl_input_t *in = binance_push(c->out, TL_IN_ORDER_UPDATE, now);
	memcpy(in->u.update.client_id, clid, TL_CLID_LEN);
	in->u.update.status = (uint8_t)st;
	in->u.update.venue_id = aid;
	memcpy(in->u.update.symbol, sym, TL_SYMBOL_NAMELEN);
	if (rm)
		binance_text(in->u.update.text, rm, strlen(rm));
	return TL_BN_OK;
}

static int binance_ev_mark(binance_ctx_t *c, const cJSON *ev, tl_time_t now)
{
	const char *sym;
	tl_fx_t px;
	int rc;

	if ((rc = binance_str(c, ev, "s", TL_SYMBOL_NAMELEN - 1, false, &sym)) ||
	    (rc = binance_fx_get(c, ev, "p", false, false, &px)))
		return rc;
	if (!binance_symbol_valid(sym))
		return binance_fail(c, "s", TL_BN_E_RANGE);
	if (px <= 0)
		return binance_fail(c, "p", TL_BN_E_DECIMAL);
	tl_input_t *in = binance_push(c->out, TL_IN_MARK, now);
	if (!in)
		return binance_fail(c, "markPrice", TL_BN_E_RANGE);
	memcpy(in->u.mark.symbol, sym, strlen(sym) + 1);
	in->u.mark.price = px;
	return TL_BN_OK;
}

static int binance_event(binance_ctx_t *c, const cJSON *ev, tl_time_t now)
{
	const char *e;
	int64_t t;
	int rc;

	if (!cJSON_IsObject(ev))
		return binance_fail(c, "event", TL_BN_E_SHAPE);
	if (!binance_item(ev, "e"))
		return TL_BN_IGNORED;   /* {"result":null,"id":1} and the like */
	if ((rc = binance_str(c, ev, "e", 64, false, &e)))
		return rc;
	/* `E` was once documented as a string (listenKeyExpired). */
	if ((rc = binance_int(c, ev, "E", true, true, false, &t)))
		return rc;
	c->out->event_ms = t;
	if (strcmp(e, "ORDER_TRADE_UPDATE") == 0)
		return binance_ev_order_trade(c, ev, now);
	if (strcmp(e, "TRADE_LITE") == 0)
		return binance_ev_trade_lite(c, ev, now);
	if (strcmp(e, "ALGO_UPDATE") == 0)
		return binance_ev_algo(c, ev, now);
	if (strcmp(e, "markPriceUpdate") == 0)
		return binance_ev_mark(c, ev, now);
	if (strcmp(e, "listenKeyExpired") == 0)
		return TL_BN_LISTEN_KEY_EXPIRED;
	return TL_BN_IGNORED;   /* ACCOUNT_UPDATE, MARGIN_CALL, ... */
}

int tl_binance_decode_stream(tl_binance_arena_t *a, const char *msg,
			     size_t len, tl_time_t now,
			     tl_binance_decoded_t *out)
{
	binance_ctx_t c = { out, NULL };
	const cJSON *ev;
	cJSON *j;
	int rc;

	if (!out)
		return TL_BN_E_ARG;
	binance_out_reset(out);
	if (!a)
		return TL_BN_E_ARG;
	if (!(j = binance_parse(a, msg, len, &rc)))
		return rc;
	ev = j;
	if (cJSON_IsObject(j) && binance_item(j, "stream") && binance_item(j, "data"))
		ev = binance_item(j, "data");   /* combined stream wrapper */
	if (cJSON_IsArray(ev)) {
		/* !markPrice@arr: every element a markPriceUpdate. */
		const cJSON *el;
		if (cJSON_GetArraySize(ev) > TL_BINANCE_OUT_MAX)
			return binance_fail(&c, "markPrice", TL_BN_E_RANGE);
		cJSON_ArrayForEach(el, ev) {
			const char *e;
			if (!cJSON_IsObject(el))
				rc = binance_fail(&c, "event", TL_BN_E_SHAPE);
			else if ((rc = binance_str(&c, el, "e", 64, false, &e)) == 0 &&
				 strcmp(e, "markPriceUpdate") != 0)
				rc = binance_fail(&c, "e", TL_BN_E_ENUM);
			if (rc == 0)
				rc = binance_ev_mark(&c, el, now);
			if (rc) {
				out->n = 0;
				return rc;
			}
		}
		return out->n ? TL_BN_OK : TL_BN_IGNORED;
	}
	rc = binance_event(&c, ev, now);
	if (rc < 0)
		out->n = 0;
	return rc;
}

/* One element of the all-market mark stream into *in. Shape and symbol
 * first; the rest only when the symbol is wanted. `want` is asked only
 * when *wanted is -1 (the check pass), and its answer kept there: the
 * emit pass must decide exactly as the check pass did, or an element
 * dropped unread while checking could be emitted (or fail) afterwards,
 * breaking all-or-nothing. Returns 0 (wanted, *in set), 1 (dropped) or
 * a TL_BN_E_* code. */
static int binance_mark_elem(binance_ctx_t *c, const cJSON *el, tl_time_t now,
			     tl_binance_want_fn want, void *ctx, int8_t *wanted,
			     tl_input_t *in, int64_t *event_ms)
{
	const char *e, *sym;
	size_t n;
	int64_t t;
	tl_fx_t px;
	int rc;

	if (!cJSON_IsObject(el))
		return binance_fail(c, "event", TL_BN_E_SHAPE);
	if ((rc = binance_str(c, el, "e", 64, false, &e)))
		return rc;
	if (strcmp(e, "markPriceUpdate") != 0)
		return binance_fail(c, "e", TL_BN_E_ENUM);
	/* 64: a long name of a symbol we do not trade is dropped, not refused */
	if ((rc = binance_str(c, el, "s", 64, false, &sym)))
		return rc;
	if (*wanted < 0)
		*wanted = want(ctx, sym) ? 1 : 0;
	if (!*wanted)
		return 1;
	if ((rc = binance_int(c, el, "E", true, true, false, &t)) ||
	    (rc = binance_fx_get(c, el, "p", false, false, &px)))
		return rc;
	n = strlen(sym);
	if (n >= TL_SYMBOL_NAMELEN || !binance_symbol_valid(sym))
		return binance_fail(c, "s", TL_BN_E_RANGE);
	if (px <= 0)
		return binance_fail(c, "p", TL_BN_E_DECIMAL);
	if (t > *event_ms)
		*event_ms = t;
	memset(in, 0, sizeof(*in));
	in->hdr.type = TL_IN_MARK;
	in->hdr.time = now;
	memcpy(in->u.mark.symbol, sym, n + 1);
	in->u.mark.price = px;
	return 0;
}

int tl_binance_decode_marks(tl_binance_arena_t *a, const char *msg,
			    size_t len, tl_time_t now, tl_binance_want_fn want,
			    tl_binance_mark_fn emit, void *ctx,
			    tl_binance_marks_t *res)
{
	binance_ctx_t c = { NULL, NULL };
	const cJSON *data, *el;
	tl_input_t in;
	int64_t ems = 0;
	int32_t i;
	cJSON *j;
	int rc, pass;

	if (!res)
		return TL_BN_E_ARG;
	memset(res, 0, sizeof(*res));
	res->index = -1;
	if (!a || !want || !emit)
		return TL_BN_E_ARG;
	if (!(j = binance_parse(a, msg, len, &rc)))
		return rc;
	data = j;
	if (cJSON_IsObject(j) && binance_item(j, "stream") && binance_item(j, "data"))
		data = binance_item(j, "data");   /* combined stream wrapper */
	if (cJSON_IsObject(data)) {
		const cJSON *e = binance_item(data, "e");
		/* {"result":null,"id":1}, or an event that is not a mark */
		if (!e || (cJSON_IsString(e) && e->valuestring &&
			   strcmp(e->valuestring, "markPriceUpdate") != 0))
			return TL_BN_IGNORED;
	} else if (!cJSON_IsArray(data)) {
		res->field = "event";
		return TL_BN_E_SHAPE;
	} else if (cJSON_GetArraySize(data) > TL_BINANCE_MARKS_MAX) {
		res->field = "markPrice";
		return TL_BN_E_RANGE;
	}
	/* Pass 0 checks every element, pass 1 emits: all or nothing. A
	 * single object is an array of one. want[] keeps pass 0's answer per
	 * element (at most TL_BINANCE_MARKS_MAX), so `want` is asked once
	 * per element and need not be pure. */
	bool arr = cJSON_IsArray(data);
	int8_t wanted[TL_BINANCE_MARKS_MAX];
	memset(wanted, -1, sizeof(wanted));
	for (pass = 0; pass < 2; pass++) {
		for (el = arr ? data->child : data, i = 0; el;
		     el = arr ? el->next : NULL, i++) {
			rc = binance_mark_elem(&c, el, now, want, ctx, &wanted[i],
					       &in, &ems);
			if (rc < 0) {
				res->field = c.field;
				res->index = i;
				return rc;
			}
			if (pass == 0)
				continue;
			res->elements++;
			if (rc == 1) {
				res->dropped++;
				continue;
			}
			emit(ctx, &in);
			res->emitted++;
		}
	}
	res->event_ms = ems;
	return res->emitted ? TL_BN_OK : TL_BN_IGNORED;
}

/* ========================================================================= */
/* 7. listenKey                                                              */
/* ========================================================================= */

int tl_binance_decode_listen_key(const char *body, size_t len, char *key,
				 size_t cap)
{
	static const char tag[] = "\"listenKey\":\"";
	char tmp[512];
	size_t n = len < sizeof(tmp) - 1 ? len : sizeof(tmp) - 1;
	const char *p, *e;

	if (!body || !key || cap == 0)
		return -1;
	memcpy(tmp, body, n);
	tmp[n] = '\0';
	if (!(p = strstr(tmp, tag)))
		return -1;
	p += sizeof(tag) - 1;
	if (!(e = strchr(p, '"')) || e == p || (size_t)(e - p) >= cap)
		return -1;
	memcpy(key, p, (size_t)(e - p));
	key[e - p] = '\0';
	return (int)(e - p);
}
