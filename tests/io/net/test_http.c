/*
 * test_http.c - the HTTP/1.1 client codec (io/net/http.c): request golden
 * strings and ENOSPC at every capacity; Binance-shaped responses (200
 * with X-MBX headers, 400 -2019, 429/418 with Retry-After, 503 "Unknown
 * error"); chunked bodies with extensions and trailers; pipelining; 1xx,
 * 204/304, read-until-close; every limit and every malformed input to
 * its error; the same outcome for every split of the input; a seeded
 * mutation loop (run it under SAN=address,undefined); no allocation.
 *
 * Parsing helpers run a byte stream through one tl_http_resp_t the way
 * the IO thread does (feed, DONE -> reset -> feed the rest, eof at the
 * end) and record each response's outcome, so one-shot and split runs
 * can be compared field by field.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/net/http.h"
#include "io/binance/limits.h"
#include "tests/support/alloc_hook.h"
#include "tests/support/tl_test.h"

#define S(lit) lit, sizeof(lit) - 1

/* ---- helpers ------------------------------------------------------------ */

typedef struct outcome {
	int state, error, status, http_minor;
	bool chunked, conn_close, keep_alive;
	int64_t cl, ra, w1m, wmax, c10, c1m;
	size_t body_len, total;
	uint64_t body_hash;
} outcome_t;

#define MAX_RESP 8

typedef struct run {
	int n;                   /* responses recorded */
	outcome_t o[MAX_RESP];
	bool bad_invariant;      /* tl_http_resp_check failed at some point */
	bool bad_return;         /* feed's return disagreed with the state */
} run_t;

/* The venue's X-MBX-* counts are no longer the codec's: the Binance
 * adapter reads them through the header callback (io/binance/limits.h),
 * and so does this test, on every parser it initializes. */
static tl_binance_mbx_t MBX;

static void resp_init(tl_http_resp_t *r, char *body, size_t cap)
{
	tl_http_resp_init(r, body, cap);
	tl_http_resp_on_header(r, tl_binance_mbx_header, &MBX);
}

static uint64_t fnv(const char *p, size_t n)
{
	uint64_t h = 1469598103934665603ULL;

	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)p[i]) * 1099511628211ULL;
	return h;
}

static void record(run_t *run, const tl_http_resp_t *r)
{
	outcome_t *o = &run->o[run->n++];

	memset(o, 0, sizeof *o);
	o->state = r->state;
	o->error = r->error;
	o->status = r->status;
	if (r->state == TL_HTTP_ERROR)
		return;     /* where the error was seen may depend on the split */
	o->http_minor = r->http_minor;
	o->chunked = r->chunked;
	o->conn_close = r->conn_close;
	o->keep_alive = r->keep_alive;
	o->cl = r->content_length;
	o->ra = r->retry_after_ns;
	o->w1m = MBX.used_weight_1m;
	o->wmax = MBX.used_weight_max;
	o->c10 = MBX.order_count_10s;
	o->c1m = MBX.order_count_1m;
	o->body_len = r->body_len;
	o->total = r->total;
	o->body_hash = fnv(r->body, r->body_len);
}

/*
 * Feeds d[0..len) cut at cuts[0..ncuts) (ascending) through r, whose body
 * buffer the caller set up; resets after each DONE and goes on with the
 * rest; at the end of input calls eof if a response was begun. No
 * allocation happens here (the no-allocation test relies on it).
 */
static void run_stream_r(tl_http_resp_t *r, const char *d, size_t len,
			 const size_t *cuts, int ncuts, run_t *run)
{
	size_t prev = 0;

	run->n = 0;
	run->bad_invariant = run->bad_return = false;
	for (int c = 0; c <= ncuts && run->n < MAX_RESP; c++) {
		size_t to = c < ncuts ? cuts[c] : len, at = prev;
		while (at < to && run->n < MAX_RESP) {
			ssize_t got = tl_http_resp_feed(r, d + at, to - at);
			if (!tl_http_resp_check(r))
				run->bad_invariant = true;
			if (got < 0) {
				if (r->state != TL_HTTP_ERROR)
					run->bad_return = true;
				record(run, r);
				return;
			}
			if ((size_t)got > to - at ||
			    (r->state == TL_HTTP_NEED_MORE && (size_t)got != to - at))
				run->bad_return = true;
			at += (size_t)got;
			if (r->state == TL_HTTP_DONE) {
				record(run, r);
				tl_http_resp_reset(r);
			} else if (got == 0) {
				run->bad_return = true;
				return;
			}
		}
		prev = to;
	}
	if (run->n < MAX_RESP && r->state == TL_HTTP_NEED_MORE && r->total > 0) {
		int rc = tl_http_resp_eof(r);
		if (!tl_http_resp_check(r) ||
		    (rc == 0) != (r->state == TL_HTTP_DONE))
			run->bad_invariant = true;
		record(run, r);
	}
}

static tl_http_resp_t R;   /* 8 KiB: keep it off the stack */

/* Same, with a body buffer of exactly `cap` bytes from malloc, so ASan
 * catches a write past it. */
static void run_stream(const char *d, size_t len, const size_t *cuts,
		       int ncuts, size_t cap, run_t *run)
{
	char *body = cap ? malloc(cap) : NULL;

	resp_init(&R, body, cap);
	run_stream_r(&R, d, len, cuts, ncuts, run);
	free(body);
}

static bool same_run(const run_t *a, const run_t *b)
{
	if (a->n != b->n)
		return false;
	for (int i = 0; i < a->n; i++)
		if (memcmp(&a->o[i], &b->o[i], sizeof a->o[i]) != 0)
			return false;
	return true;
}

static bool run_ok(const run_t *run)
{
	return !run->bad_invariant && !run->bad_return;
}

/* Parse one response from the front of d (no eof); r keeps the result. */
static ssize_t parse1(tl_http_resp_t *r, char *body, size_t cap,
		      const char *d, size_t len)
{
	resp_init(r, body, cap);
	return tl_http_resp_feed(r, d, len);
}

static char BODY[1 << 20];

/* ---- sample responses --------------------------------------------------- */

#define ORDER_JSON \
	"{\"orderId\":4611875134427365377,\"symbol\":\"BTCUSDT\",\"status\":\"NEW\"," \
	"\"clientOrderId\":\"tl7-000001\",\"price\":\"90000.00\",\"avgPrice\":\"0.00\"," \
	"\"origQty\":\"0.010\",\"executedQty\":\"0.000\",\"cumQty\":\"0.000\"," \
	"\"cumQuote\":\"0.00000\",\"timeInForce\":\"GTC\",\"type\":\"LIMIT\"," \
	"\"reduceOnly\":false,\"closePosition\":false,\"side\":\"BUY\"," \
	"\"positionSide\":\"BOTH\",\"stopPrice\":\"0.00\",\"workingType\":\"CONTRACT_PRICE\"," \
	"\"priceProtect\":false,\"origType\":\"LIMIT\",\"priceMatch\":\"NONE\"," \
	"\"selfTradePreventionMode\":\"EXPIRE_MAKER\",\"goodTillDate\":0," \
	"\"updateTime\":1795315801123}"

static const char RESP_200[] =
	"HTTP/1.1 200 OK\r\n"
	"Content-Type: application/json\r\n"
	"Content-Length: 515\r\n"
	"Connection: keep-alive\r\n"
	"Date: Sat, 21 Nov 2026 04:50:01 GMT\r\n"
	"Server: Tengine\r\n"
	"X-MBX-USED-WEIGHT-1M: 7\r\n"
	"X-MBX-ORDER-COUNT-10S: 3\r\n"
	"X-MBX-ORDER-COUNT-1M: 41\r\n"
	"X-Response-Time: 4ms\r\n"
	"X-Cache: Miss from cloudfront\r\n"
	"Via: 1.1 9d2b1f2c8a5e.cloudfront.net (CloudFront)\r\n"
	"X-Amz-Cf-Pop: NRT57-P2\r\n"
	"X-Amz-Cf-Id: Qm9vZ3VzLWNsb3VkZnJvbnQtaWQtZm9yLXRlc3Rz==\r\n"
	"\r\n"
	ORDER_JSON;

#define ERR_2019 "{\"code\":-2019,\"msg\":\"Margin is insufficient.\"}"
static const char RESP_400[] =
	"HTTP/1.1 400 Bad Request\r\n"
	"Content-Type: application/json\r\n"
	"Content-Length: 46\r\n"
	"Connection: keep-alive\r\n"
	"x-mbx-used-weight-1m: 8\r\n"      /* lower-cased by a CDN */
	"\r\n"
	ERR_2019;

#define ERR_1003 "{\"code\":-1003,\"msg\":\"Too many requests; current limit is 2400 requests per minute. Please use the websocket for live updates to avoid polling the API.\"}"
static const char RESP_429[] =
	"HTTP/1.1 429 Too Many Requests\r\n"
	"Content-Type: application/json\r\n"
	"Retry-After: 7\r\n"
	"X-MBX-USED-WEIGHT-1M: 2401\r\n"
	"Content-Length: 152\r\n"
	"\r\n"
	ERR_1003;

static const char RESP_418[] =
	"HTTP/1.1 418 I'm a teapot\r\n"
	"Content-Type: application/json\r\n"
	"Retry-After: 120\r\n"
	"Content-Length: 87\r\n"
	"\r\n"
	"{\"code\":-1003,\"msg\":\"Way too many requests; IP banned until 1795315921123. Please ...\"}";

#define ERR_503 "{\"code\":-1000,\"msg\":\"Unknown error, please check your request or try again later.\"}"
static const char RESP_503[] =
	"HTTP/1.1 503 Service Unavailable\r\n"
	"Content-Type: application/json\r\n"
	"Content-Length: 83\r\n"
	"X-MBX-USED-WEIGHT-1M: 9\r\n"
	"\r\n"
	ERR_503;

static const char RESP_CHUNKED[] =
	"HTTP/1.1 200 OK\r\n"
	"Content-Type: application/json\r\n"
	"Transfer-Encoding: chunked\r\n"
	"X-MBX-USED-WEIGHT-1M: 11\r\n"
	"\r\n"
	"a;name=value\r\n"
	"{\"serverTi\r\n"
	"10 ; ext=\"quoted; string\"\r\n"
	"me\":179531580112\r\n"
	"2\r\n"
	"3}\r\n"
	"0;last\r\n"
	"X-Trailer: yes\r\n"
	"\r\n";

static const char RESP_PIPELINED[] =
	"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-MBX-USED-WEIGHT-1M: 1\r\n\r\n{}"
	"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n[]\r\n0\r\n\r\n"
	"HTTP/1.1 204 No Content\r\n\r\n"
	"HTTP/1.1 400 Bad Request\r\nContent-Length: 46\r\n\r\n" ERR_2019;

static const char RESP_CONTINUE[] =
	"HTTP/1.1 100 Continue\r\n\r\n"
	"HTTP/1.1 103 Early Hints\r\nLink: </x>; rel=preload\r\nContent-Length: 99\r\n\r\n"
	"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}";

static const char RESP_CLOSE[] =
	"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Type: application/json\r\n\r\n"
	"{\"serverTime\":1795315801123}";

static const char RESP_BARE_LF[] =
	"HTTP/1.1 200 OK\nContent-Length: 2\nX-MBX-USED-WEIGHT-1M: 5\n\n{}";

/* ---- requests ----------------------------------------------------------- */

static void test_request_get_golden(void)
{
	static const char want[] =
		"GET /fapi/v1/order?symbol=BTCUSDT&origClientOrderId=tl7-000001"
		"&timestamp=1591702613943&signature=3c66 HTTP/1.1\r\n"
		"Host: fapi.binance.com\r\n"
		"X-MBX-APIKEY: dbefbc809e3e\r\n"
		"\r\n";
	char buf[512];
	int n = tl_http_write_request(buf, sizeof buf, "GET", "fapi.binance.com",
		"/fapi/v1/order",
		"symbol=BTCUSDT&origClientOrderId=tl7-000001&timestamp=1591702613943&signature=3c66",
		"X-MBX-APIKEY: dbefbc809e3e\r\n", NULL, 0, NULL);

	CU_ASSERT_EQUAL_FATAL(n, (int)sizeof want - 1);
	CU_ASSERT_EQUAL(memcmp(buf, want, sizeof want - 1), 0);
}

static void test_request_post_form_golden(void)
{
	static const char body[] =
		"symbol=BTCUSDT&side=BUY&type=LIMIT&quantity=1&price=9000"
		"&timeInForce=GTC&recvWindow=5000&timestamp=1591702613943"
		"&signature=3c661234138461fcc7a7d8746c6558c9842d4e10870d2ecbedf7777cad694af9";
	static const char want[] =
		"POST /fapi/v1/order HTTP/1.1\r\n"
		"Host: 127.0.0.1:8443\r\n"
		"X-MBX-APIKEY: k\r\nUser-Agent: talon\r\n"
		"Content-Type: application/x-www-form-urlencoded\r\n"
		"Content-Length: 187\r\n"
		"\r\n";
	char buf[512];
	int n = tl_http_write_request(buf, sizeof buf, "POST", "127.0.0.1:8443",
		"/fapi/v1/order", NULL, "X-MBX-APIKEY: k\r\nUser-Agent: talon\r\n",
		body, sizeof body - 1, "application/x-www-form-urlencoded");

	CU_ASSERT_EQUAL(sizeof body - 1, 187);
	CU_ASSERT_EQUAL_FATAL(n, (int)(sizeof want - 1 + sizeof body - 1));
	CU_ASSERT_EQUAL(memcmp(buf, want, sizeof want - 1), 0);
	CU_ASSERT_EQUAL(memcmp(buf + sizeof want - 1, body, sizeof body - 1), 0);
}

/* POST/PUT without a body still say Content-Length: 0 (some servers
 * answer 411 otherwise); GET/DELETE say nothing; an empty query adds no
 * '?'; Content-Type goes only with a body. */
static void test_request_empty_bodies(void)
{
	char buf[256];
	int n;

	n = tl_http_write_request(buf, sizeof buf, "PUT", "h", "/fapi/v1/listenKey",
				  "", NULL, NULL, 0, "application/json");
	CU_ASSERT_EQUAL_FATAL(n, 63);
	CU_ASSERT_EQUAL(memcmp(buf, "PUT /fapi/v1/listenKey HTTP/1.1\r\nHost: h\r\n"
			       "Content-Length: 0\r\n\r\n", 63), 0);
	n = tl_http_write_request(buf, sizeof buf, "DELETE", "h", "/x", "a=1",
				  "", NULL, 0, NULL);
	CU_ASSERT_EQUAL_FATAL(n, 35);
	CU_ASSERT_EQUAL(memcmp(buf, "DELETE /x?a=1 HTTP/1.1\r\nHost: h\r\n\r\n", 35), 0);
}

/* Every capacity short of the request's length is -ENOSPC and nothing is
 * written past cap; the exact length fits. */
static void test_request_enospc_every_cap(void)
{
	char buf[600], ref[600];
	int full = tl_http_write_request(ref, sizeof ref, "POST", "fapi.binance.com",
		"/fapi/v1/batchOrders", "timestamp=1", "X-MBX-APIKEY: abc\r\n",
		"batchOrders=%5B%5D", 18, "application/x-www-form-urlencoded");

	CU_ASSERT_FATAL(full > 0);
	for (int cap = 0; cap <= full; cap++) {
		memset(buf, 0xA5, sizeof buf);
		int n = tl_http_write_request(buf, (size_t)cap, "POST", "fapi.binance.com",
			"/fapi/v1/batchOrders", "timestamp=1", "X-MBX-APIKEY: abc\r\n",
			"batchOrders=%5B%5D", 18, "application/x-www-form-urlencoded");
		bool untouched = true;
		for (size_t i = (size_t)cap; i < sizeof buf; i++)
			untouched &= (unsigned char)buf[i] == 0xA5;
		if (cap < full) {
			CU_ASSERT_EQUAL(n, -ENOSPC);
		} else {
			CU_ASSERT_EQUAL(n, full);
			CU_ASSERT_EQUAL(memcmp(buf, ref, (size_t)full), 0);
		}
		CU_ASSERT(untouched);
	}
}

/* Header injection and malformed arguments: -EINVAL, nothing else. */
static void test_request_rejects_bad_arguments(void)
{
	char buf[256];

#define BAD(...) CU_ASSERT_EQUAL(tl_http_write_request(buf, sizeof buf, __VA_ARGS__), -EINVAL)
	BAD("GET", "h", "/a\r\nX-Evil: 1", NULL, NULL, NULL, 0, NULL);
	BAD("GET", "h", "/a b", NULL, NULL, NULL, 0, NULL);
	BAD("GET", "h", "a", NULL, NULL, NULL, 0, NULL);
	BAD("GET", "h", "", NULL, NULL, NULL, 0, NULL);
	BAD("GET", "h", "/a", "x=1 2", NULL, NULL, 0, NULL);
	BAD("GET", "h\n", "/a", NULL, NULL, NULL, 0, NULL);
	BAD("GET", "", "/a", NULL, NULL, NULL, 0, NULL);
	BAD("G T", "h", "/a", NULL, NULL, NULL, 0, NULL);
	BAD(NULL, "h", "/a", NULL, NULL, NULL, 0, NULL);
	BAD("GET", "h", "/a", NULL, "X-A: 1", NULL, 0, NULL);
	BAD("GET", "h", "/a", NULL, "X-A: 1\n", NULL, 0, NULL);
	BAD("GET", "h", "/a", NULL, "X-A: 1\r\n\r\n", NULL, 0, NULL);
	BAD("GET", "h", "/a", NULL, "\r\n", NULL, 0, NULL);
	BAD("GET", "h", "/a", NULL, "X-A: 1\rX-B: 2\r\n", NULL, 0, NULL);
	BAD("POST", "h", "/a", NULL, NULL, NULL, 3, NULL);
	BAD("POST", "h", "/a", NULL, NULL, "abc", 3, "text/plain\r\nX: y");
	BAD("POST", "h", "/a", NULL, NULL, "abc", 3, "");
#undef BAD
	CU_ASSERT(tl_http_write_request(buf, sizeof buf, "POST", "h", "/a", NULL,
		  NULL, "abc", 3, "application/json; charset=utf-8") > 0);
}

/* ---- Binance-shaped responses ------------------------------------------ */

static void test_resp_binance_200_order(void)
{
	tl_http_resp_t *r = &R;
	ssize_t n = parse1(r, BODY, sizeof BODY, S(RESP_200));

	CU_ASSERT_EQUAL(sizeof ORDER_JSON - 1, 515);
	CU_ASSERT_EQUAL(n, (ssize_t)sizeof RESP_200 - 1);
	CU_ASSERT_EQUAL(r->state, TL_HTTP_DONE);
	CU_ASSERT_EQUAL(r->error, TL_HTTP_OK);
	CU_ASSERT_EQUAL(r->status, 200);
	CU_ASSERT_EQUAL(r->http_minor, 1);
	CU_ASSERT_EQUAL(r->content_length, 515);
	CU_ASSERT(!r->chunked);
	CU_ASSERT(!r->conn_close);
	CU_ASSERT(r->keep_alive);
	CU_ASSERT_EQUAL(r->retry_after_ns, -1);
	CU_ASSERT_EQUAL(MBX.used_weight_1m, 7);
	CU_ASSERT_EQUAL(MBX.used_weight_max, 7);
	CU_ASSERT_EQUAL(MBX.order_count_10s, 3);
	CU_ASSERT_EQUAL(MBX.order_count_1m, 41);
	CU_ASSERT_EQUAL(r->body_len, 515);
	CU_ASSERT_EQUAL(memcmp(r->body, ORDER_JSON, 515), 0);
	CU_ASSERT_EQUAL(r->total, sizeof RESP_200 - 1);
	CU_ASSERT(tl_http_resp_check(r));
	/* DONE is sticky until reset */
	CU_ASSERT_EQUAL(tl_http_resp_feed(r, "HTTP/1.1", 8), 0);
	CU_ASSERT_EQUAL(tl_http_resp_eof(r), 0);
	CU_ASSERT_EQUAL(r->state, TL_HTTP_DONE);
}

static void test_resp_binance_400_margin(void)
{
	tl_http_resp_t *r = &R;

	CU_ASSERT_EQUAL(parse1(r, BODY, sizeof BODY, S(RESP_400)), (ssize_t)sizeof RESP_400 - 1);
	CU_ASSERT_EQUAL(r->state, TL_HTTP_DONE);
	CU_ASSERT_EQUAL(r->status, 400);
	CU_ASSERT_EQUAL(MBX.used_weight_1m, 8);
	CU_ASSERT_EQUAL(MBX.order_count_10s, -1);  /* rejects may lack them */
	CU_ASSERT_EQUAL(MBX.order_count_1m, -1);
	CU_ASSERT_EQUAL(r->body_len, sizeof ERR_2019 - 1);
	CU_ASSERT_EQUAL(memcmp(r->body, ERR_2019, sizeof ERR_2019 - 1), 0);
	CU_ASSERT(r->keep_alive);
}

static void test_resp_binance_429_retry_after(void)
{
	tl_http_resp_t *r = &R;

	CU_ASSERT_EQUAL(parse1(r, BODY, sizeof BODY, S(RESP_429)), (ssize_t)sizeof RESP_429 - 1);
	CU_ASSERT_EQUAL(r->state, TL_HTTP_DONE);
	CU_ASSERT_EQUAL(r->status, 429);
	CU_ASSERT_EQUAL(r->retry_after_ns, 7000000000LL);
	CU_ASSERT_EQUAL(MBX.used_weight_1m, 2401);
	CU_ASSERT_EQUAL(r->body_len, sizeof ERR_1003 - 1);
	CU_ASSERT_EQUAL(memcmp(r->body, ERR_1003, sizeof ERR_1003 - 1), 0);
}

static void test_resp_binance_418_ban(void)
{
	tl_http_resp_t *r = &R;

	CU_ASSERT_EQUAL(parse1(r, BODY, sizeof BODY, S(RESP_418)), (ssize_t)sizeof RESP_418 - 1);
	CU_ASSERT_EQUAL(r->state, TL_HTTP_DONE);
	CU_ASSERT_EQUAL(r->status, 418);
	CU_ASSERT_EQUAL(r->retry_after_ns, 120000000000LL);
	CU_ASSERT_EQUAL(r->body_len, 87);
	CU_ASSERT_EQUAL(MBX.used_weight_1m, -1);
}

static void test_resp_binance_503_unknown(void)
{
	tl_http_resp_t *r = &R;

	CU_ASSERT_EQUAL(parse1(r, BODY, sizeof BODY, S(RESP_503)), (ssize_t)sizeof RESP_503 - 1);
	CU_ASSERT_EQUAL(r->state, TL_HTTP_DONE);
	CU_ASSERT_EQUAL(r->status, 503);
	CU_ASSERT_EQUAL(r->body_len, sizeof ERR_503 - 1);
	CU_ASSERT_PTR_NOT_NULL(memmem(r->body, r->body_len, "Unknown error", 13));
}

/* Every interval of X-MBX-USED-WEIGHT counts for the max; only 1M is
 * kept by name; names in any case; malformed values ignored. */
static void test_resp_rate_limit_headers(void)
{
	static const char in[] =
		"HTTP/1.1 200 OK\r\n"
		"x-mbx-used-weight-1s: 50\r\n"
		"X-Mbx-Used-Weight-1m:\t 7 \r\n"
		"X-MBX-USED-WEIGHT-1H: 30\r\n"
		"X-MBX-USED-WEIGHT-60S: 99\r\n"    /* not "1M" by name */
		"X-MBX-USED-WEIGHT-1D: lots\r\n"   /* ignored */
		"X-MBX-USED-WEIGHT-1Y: 1000\r\n"   /* unknown unit: ignored */
		"X-MBX-USED-WEIGHT-: 1000\r\n"     /* no interval: ignored */
		"X-MBX-USED-WEIGHTY: 1000\r\n"     /* another header */
		"x-mbx-order-count-10s: 4\r\n"
		"X-MBX-ORDER-COUNT-1M: 12\r\n"
		"X-MBX-ORDER-COUNT-1D: 500\r\n"    /* not kept */
		"Retry-After: Wed, 21 Oct 2026 07:28:00 GMT\r\n" /* ignored */
		"Content-Length: 0\r\n\r\n";
	tl_http_resp_t *r = &R;

	parse1(r, BODY, sizeof BODY, S(in));
	CU_ASSERT_EQUAL_FATAL(r->state, TL_HTTP_DONE);
	CU_ASSERT_EQUAL(MBX.used_weight_1m, 7);
	CU_ASSERT_EQUAL(MBX.used_weight_max, 99);
	CU_ASSERT_EQUAL(MBX.order_count_10s, 4);
	CU_ASSERT_EQUAL(MBX.order_count_1m, 12);
	CU_ASSERT_EQUAL(r->retry_after_ns, -1);
	CU_ASSERT_EQUAL(r->body_len, 0);

	/* the Spot-style bare header counts for the max only; a huge
	 * Retry-After saturates instead of overflowing */
	parse1(r, BODY, sizeof BODY, S("HTTP/1.1 418 x\r\nX-MBX-USED-WEIGHT: 3\r\n"
				       "Retry-After: 999999999999999999\r\nContent-Length: 0\r\n\r\n"));
	CU_ASSERT_EQUAL_FATAL(r->state, TL_HTTP_DONE);
	CU_ASSERT_EQUAL(MBX.used_weight_1m, -1);
	CU_ASSERT_EQUAL(MBX.used_weight_max, 3);
	CU_ASSERT_EQUAL(r->retry_after_ns, INT64_MAX);
	parse1(r, BODY, sizeof BODY, S("HTTP/1.1 429 x\r\nRetry-After: 0\r\nContent-Length: 0\r\n\r\n"));
	CU_ASSERT_EQUAL(r->retry_after_ns, 0);
}

static void test_resp_chunked_extensions_trailers(void)
{
	static const char want[] = "{\"serverTime\":1795315801123}";
	tl_http_resp_t *r = &R;

	CU_ASSERT_EQUAL(parse1(r, BODY, sizeof BODY, S(RESP_CHUNKED)),
			(ssize_t)sizeof RESP_CHUNKED - 1);
	CU_ASSERT_EQUAL_FATAL(r->state, TL_HTTP_DONE);
	CU_ASSERT(r->chunked);
	CU_ASSERT_EQUAL(r->content_length, -1);
	CU_ASSERT_EQUAL(MBX.used_weight_1m, 11);
	CU_ASSERT_EQUAL(r->body_len, sizeof want - 1);
	CU_ASSERT_EQUAL(memcmp(r->body, want, sizeof want - 1), 0);
	CU_ASSERT(r->keep_alive);

	/* a trailer cannot change what the head said */
	parse1(r, BODY, sizeof BODY, S("HTTP/1.1 200 OK\r\nTransfer-Encoding: Chunked\r\n\r\n"
				       "1\r\nx\r\n0\r\nContent-Length: 5\r\nConnection: close\r\n"
				       "X-MBX-USED-WEIGHT-1M: 9\r\n\r\n"));
	CU_ASSERT_EQUAL(r->state, TL_HTTP_DONE);
	CU_ASSERT_EQUAL(r->content_length, -1);
	CU_ASSERT(r->keep_alive);
	CU_ASSERT_EQUAL(MBX.used_weight_1m, -1);
	CU_ASSERT_EQUAL(r->body_len, 1);
}

/* Several responses in one buffer: feed stops at each end; reset; go on. */
static void test_resp_pipelined(void)
{
	static const int want_status[] = { 200, 200, 204, 400 };
	static const size_t want_len[] = { 2, 2, 0, 46 };
	tl_http_resp_t *r = &R;
	const char *p = RESP_PIPELINED;
	size_t left = sizeof RESP_PIPELINED - 1;

	resp_init(r, BODY, sizeof BODY);
	for (int i = 0; i < 4; i++) {
		ssize_t n = tl_http_resp_feed(r, p, left);
		CU_ASSERT_FATAL(n > 0);
		CU_ASSERT_EQUAL_FATAL(r->state, TL_HTTP_DONE);
		CU_ASSERT_EQUAL(r->status, want_status[i]);
		CU_ASSERT_EQUAL(r->body_len, want_len[i]);
		CU_ASSERT_EQUAL(r->total, (size_t)n);
		CU_ASSERT(r->keep_alive);
		CU_ASSERT(i == 3 || (size_t)n < left);
		p += n;
		left -= (size_t)n;
		tl_http_resp_reset(r);
	}
	CU_ASSERT_EQUAL(left, 0);
	CU_ASSERT_EQUAL(memcmp(BODY, ERR_2019, 46), 0);
}

static void test_resp_no_body_statuses(void)
{
	static const char in[] = "HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\nHTTP/1.1 ";
	tl_http_resp_t *r = &R;

	CU_ASSERT_EQUAL(parse1(r, BODY, sizeof BODY, S(in)), (ssize_t)sizeof in - 1 - 9);
	CU_ASSERT_EQUAL(r->state, TL_HTTP_DONE);
	CU_ASSERT_EQUAL(r->status, 304);
	CU_ASSERT_EQUAL(r->body_len, 0);
	CU_ASSERT_EQUAL(r->content_length, 10);  /* the header, not the framing */
	parse1(r, BODY, sizeof BODY, S("HTTP/1.1 204 No Content\r\nTransfer-Encoding: chunked\r\n\r\n"));
	CU_ASSERT_EQUAL(r->state, TL_HTTP_DONE);
	CU_ASSERT_EQUAL(r->body_len, 0);
	parse1(r, BODY, sizeof BODY, S("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"));
	CU_ASSERT_EQUAL(r->state, TL_HTTP_DONE);
	CU_ASSERT_EQUAL(r->content_length, 0);
}

static void test_resp_interim_1xx_skipped(void)
{
	tl_http_resp_t *r = &R;

	CU_ASSERT_EQUAL(parse1(r, BODY, sizeof BODY, S(RESP_CONTINUE)),
			(ssize_t)sizeof RESP_CONTINUE - 1);
	CU_ASSERT_EQUAL(r->state, TL_HTTP_DONE);
	CU_ASSERT_EQUAL(r->status, 200);
	CU_ASSERT_EQUAL(r->content_length, 2);
	CU_ASSERT_EQUAL(r->body_len, 2);
	/* 101 is no interim answer for a REST client */
	parse1(r, BODY, sizeof BODY, S("HTTP/1.1 101 Switching Protocols\r\n\r\n"));
	CU_ASSERT_EQUAL(r->error, TL_HTTP_E_STATUS);
}

/* No framing: the body runs until the server closes. */
static void test_resp_read_until_close(void)
{
	static const char want[] = "{\"serverTime\":1795315801123}";
	tl_http_resp_t *r = &R;

	CU_ASSERT_EQUAL(parse1(r, BODY, sizeof BODY, S(RESP_CLOSE)), (ssize_t)sizeof RESP_CLOSE - 1);
	CU_ASSERT_EQUAL(r->state, TL_HTTP_NEED_MORE);
	CU_ASSERT_EQUAL(tl_http_resp_eof(r), 0);
	CU_ASSERT_EQUAL(r->state, TL_HTTP_DONE);
	CU_ASSERT(r->conn_close);
	CU_ASSERT(!r->keep_alive);
	CU_ASSERT_EQUAL(r->body_len, sizeof want - 1);
	CU_ASSERT_EQUAL(memcmp(r->body, want, sizeof want - 1), 0);

	/* HTTP/1.0: close unless keep-alive; a close token among others */
	parse1(r, BODY, sizeof BODY, S("HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\nx"));
	CU_ASSERT_EQUAL(r->state, TL_HTTP_DONE);
	CU_ASSERT_EQUAL(r->http_minor, 0);
	CU_ASSERT(r->conn_close && !r->keep_alive);
	parse1(r, BODY, sizeof BODY, S("HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 1\r\n\r\nx"));
	CU_ASSERT(!r->conn_close && r->keep_alive);
	parse1(r, BODY, sizeof BODY, S("HTTP/1.1 200 OK\r\nConnection: upgrade, CLOSE \r\nContent-Length: 1\r\n\r\nx"));
	CU_ASSERT_EQUAL(r->state, TL_HTTP_DONE);
	CU_ASSERT(r->conn_close && !r->keep_alive);
	/* no framing, no Connection header: still until close */
	parse1(r, BODY, sizeof BODY, S("HTTP/1.1 200 OK\r\n\r\nabc"));
	CU_ASSERT_EQUAL(r->state, TL_HTTP_NEED_MORE);
	CU_ASSERT_EQUAL(tl_http_resp_eof(r), 0);
	CU_ASSERT_EQUAL(r->body_len, 3);
	CU_ASSERT(!r->keep_alive);
}

static void test_resp_eof_truncated(void)
{
	tl_http_resp_t *r = &R;

	resp_init(r, BODY, sizeof BODY);
	CU_ASSERT_EQUAL(tl_http_resp_eof(r), -1);
	CU_ASSERT_EQUAL(r->error, TL_HTTP_E_EOF);
	CU_ASSERT_EQUAL(r->total, 0);    /* closed before any byte */
	CU_ASSERT_EQUAL(tl_http_resp_feed(r, "x", 1), -1);   /* sticky */

	parse1(r, BODY, sizeof BODY, S("HTTP/1.1 200 OK\r\nContent-Le"));
	CU_ASSERT_EQUAL(tl_http_resp_eof(r), -1);
	CU_ASSERT_EQUAL(r->error, TL_HTTP_E_EOF);
	CU_ASSERT(r->total > 0);
	parse1(r, BODY, sizeof BODY, S("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nabc"));
	CU_ASSERT_EQUAL(r->state, TL_HTTP_NEED_MORE);
	CU_ASSERT_EQUAL(tl_http_resp_eof(r), -1);
	CU_ASSERT_EQUAL(r->error, TL_HTTP_E_EOF);
	parse1(r, BODY, sizeof BODY, S("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nx\r\n"));
	CU_ASSERT_EQUAL(tl_http_resp_eof(r), -1);
	CU_ASSERT_EQUAL(r->error, TL_HTTP_E_EOF);
	CU_ASSERT_EQUAL(tl_http_resp_eof(r), -1);
}

/* Bare LF line ends are accepted (decided; see http.h). */
static void test_resp_bare_lf_tolerated(void)
{
	tl_http_resp_t *r = &R;

	CU_ASSERT_EQUAL(parse1(r, BODY, sizeof BODY, S(RESP_BARE_LF)), (ssize_t)sizeof RESP_BARE_LF - 1);
	CU_ASSERT_EQUAL(r->state, TL_HTTP_DONE);
	CU_ASSERT_EQUAL(MBX.used_weight_1m, 5);
	CU_ASSERT_EQUAL(r->body_len, 2);
	parse1(r, BODY, sizeof BODY, S("HTTP/1.1 200 OK\nTransfer-Encoding: chunked\n\n2\n{}\n0\n\n"));
	CU_ASSERT_EQUAL(r->state, TL_HTTP_DONE);
	CU_ASSERT_EQUAL(r->body_len, 2);
}

/* Which bytes a header name and a header value may hold (RFC 9110
 * tchar; VCHAR, SP, HTAB, obs-text). */
static void test_resp_header_byte_classes(void)
{
	static const char tchar[] = "!#$%&'*+-.^_`|~";
	tl_http_resp_t *r = &R;
	char in[128];
	size_t n;

	for (int c = 0; c < 256; c++) {
		bool is_t = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
			    (c >= 'A' && c <= 'Z') || (c && strchr(tchar, c));
		bool is_v = c == '\t' || (c >= 0x20 && c != 0x7f);

		if (c != ':') {
			n = (size_t)snprintf(in, sizeof in, "HTTP/1.1 200 OK\r\nX%cY: 1\r\n"
					     "Content-Length: 0\r\n\r\n", c ? c : '@');
			if (!c)
				in[18] = '\0';
			parse1(r, BODY, sizeof BODY, in, n);
			if ((r->state == TL_HTTP_DONE) != is_t)
				printf("\n  name byte 0x%02x\n", c);
			CU_ASSERT((r->state == TL_HTTP_DONE) == is_t);
		}
		n = (size_t)snprintf(in, sizeof in, "HTTP/1.1 200 OK\r\nX-A: a%cb\r\n"
				     "Content-Length: 0\r\n\r\n", c ? c : '@');
		if (!c)
			in[23] = '\0';
		parse1(r, BODY, sizeof BODY, in, n);
		if ((r->state == TL_HTTP_DONE) != is_v)
			printf("\n  value byte 0x%02x\n", c);
		CU_ASSERT((r->state == TL_HTTP_DONE) == is_v);
		CU_ASSERT(c || r->error == TL_HTTP_E_NUL);
	}
}

/* ---- malformed input, one error each ----------------------------------- */

typedef struct bad_case {
	const char *why;
	const char *data;
	size_t len;
	int err;
} bad_case_t;

#define OKH "HTTP/1.1 200 OK\r\n"
#define CH OKH "Transfer-Encoding: chunked\r\n\r\n"
static const bad_case_t bad_cases[] = {
	{ "garbage", S("<html>hello</html>\r\n"), TL_HTTP_E_STATUS },
	{ "empty status line", S("\r\n"), TL_HTTP_E_STATUS },
	{ "lower-case http", S("http/1.1 200 OK\r\n\r\n"), TL_HTTP_E_STATUS },
	{ "two-digit code", S("HTTP/1.1 20 OK\r\n\r\n"), TL_HTTP_E_STATUS },
	{ "four-digit code", S("HTTP/1.1 2000 OK\r\n\r\n"), TL_HTTP_E_STATUS },
	{ "code 099", S("HTTP/1.1 099 x\r\n\r\n"), TL_HTTP_E_STATUS },
	{ "code 600", S("HTTP/1.1 600 x\r\n\r\n"), TL_HTTP_E_STATUS },
	{ "code with letter", S("HTTP/1.1 2x0 OK\r\n\r\n"), TL_HTTP_E_STATUS },
	{ "two spaces", S("HTTP/1.1  200 OK\r\n\r\n"), TL_HTTP_E_STATUS },
	{ "no space", S("HTTP/1.1\r\n\r\n"), TL_HTTP_E_STATUS },
	{ "control in reason", S("HTTP/1.1 200 O\x01K\r\n\r\n"), TL_HTTP_E_STATUS },
	{ "bare CR in status", S("HTTP/1.1 200 O\rK\r\n\r\n"), TL_HTTP_E_STATUS },
	{ "HTTP/2", S("HTTP/2 200\r\n\r\n"), TL_HTTP_E_VERSION },
	{ "HTTP/1.2", S("HTTP/1.2 200 OK\r\n\r\n"), TL_HTTP_E_VERSION },
	{ "HTTP/0.9", S("HTTP/0.9 200 OK\r\n\r\n"), TL_HTTP_E_VERSION },
	{ "NUL in status", S("HTTP/1.1 200 O\0K\r\n\r\n"), TL_HTTP_E_NUL },
	{ "NUL in name", S(OKH "Content\0Length: 1\r\n\r\nx"), TL_HTTP_E_NUL },
	{ "NUL in value", S(OKH "X-A: a\0b\r\n\r\n"), TL_HTTP_E_NUL },
	{ "no colon", S(OKH "Content-Length 1\r\n\r\nx"), TL_HTTP_E_HEADER },
	{ "empty name", S(OKH ": 1\r\n\r\n"), TL_HTTP_E_HEADER },
	{ "space before colon", S(OKH "Content-Length : 1\r\n\r\nx"), TL_HTTP_E_HEADER },
	{ "bad name byte", S(OKH "X(A): 1\r\n\r\n"), TL_HTTP_E_HEADER },
	{ "control in value", S(OKH "X-A: a\x7f\r\n\r\n"), TL_HTTP_E_HEADER },
	{ "bare CR in value", S(OKH "X-A: a\rb\r\n\r\n"), TL_HTTP_E_HEADER },
	{ "folding", S(OKH "X-A: a\r\n b\r\n\r\n"), TL_HTTP_E_FOLDING },
	{ "folding tab", S(OKH "X-A: a\r\n\tb\r\n\r\n"), TL_HTTP_E_FOLDING },
	{ "leading space header", S(OKH " X-A: a\r\n\r\n"), TL_HTTP_E_FOLDING },
	{ "negative length", S(OKH "Content-Length: -1\r\n\r\n"), TL_HTTP_E_CONTENT_LENGTH },
	{ "plus length", S(OKH "Content-Length: +1\r\n\r\nx"), TL_HTTP_E_CONTENT_LENGTH },
	{ "empty length", S(OKH "Content-Length:\r\n\r\n"), TL_HTTP_E_CONTENT_LENGTH },
	{ "hex length", S(OKH "Content-Length: 0x10\r\n\r\n"), TL_HTTP_E_CONTENT_LENGTH },
	{ "spaced length", S(OKH "Content-Length: 1 2\r\n\r\n"), TL_HTTP_E_CONTENT_LENGTH },
	{ "listed length", S(OKH "Content-Length: 1, 1\r\n\r\nx"), TL_HTTP_E_CONTENT_LENGTH },
	{ "overflowing length", S(OKH "Content-Length: 99999999999999999999\r\n\r\n"), TL_HTTP_E_CONTENT_LENGTH },
	{ "int64 max + 1", S(OKH "Content-Length: 9223372036854775808\r\n\r\n"), TL_HTTP_E_CONTENT_LENGTH },
	{ "conflicting lengths", S(OKH "Content-Length: 1\r\nContent-Length: 2\r\n\r\nxx"), TL_HTTP_E_CONTENT_LENGTH },
	{ "length over cap", S(OKH "Content-Length: 1048577\r\n\r\n"), TL_HTTP_E_BODY_TOO_LARGE },
	{ "te gzip", S(OKH "Transfer-Encoding: gzip\r\n\r\n"), TL_HTTP_E_TRANSFER_ENCODING },
	{ "te gzip, chunked", S(OKH "Transfer-Encoding: gzip, chunked\r\n\r\n"), TL_HTTP_E_TRANSFER_ENCODING },
	{ "te twice", S(OKH "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n"), TL_HTTP_E_TRANSFER_ENCODING },
	{ "te and length", S(OKH "Transfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n0\r\n\r\n"), TL_HTTP_E_TRANSFER_ENCODING },
	{ "chunk size empty", S(CH "\r\n"), TL_HTTP_E_CHUNK_SIZE },
	{ "chunk size not hex", S(CH "zz\r\n"), TL_HTTP_E_CHUNK_SIZE },
	{ "chunk size negative", S(CH "-1\r\n"), TL_HTTP_E_CHUNK_SIZE },
	{ "chunk size 0x", S(CH "0x1\r\nx\r\n0\r\n\r\n"), TL_HTTP_E_CHUNK_SIZE },
	{ "chunk size 17 digits", S(CH "00000000000000001\r\nx\r\n0\r\n\r\n"), TL_HTTP_E_CHUNK_SIZE },
	{ "chunk size 2^64-1", S(CH "ffffffffffffffff\r\n"), TL_HTTP_E_BODY_TOO_LARGE },
	{ "chunk size over cap", S(CH "100001\r\n"), TL_HTTP_E_BODY_TOO_LARGE },
	{ "chunk ext without ;", S(CH "1 x\r\nx\r\n0\r\n\r\n"), TL_HTTP_E_CHUNK_SIZE },
	{ "chunk ext control", S(CH "1;a=\x01\r\nx\r\n0\r\n\r\n"), TL_HTTP_E_CHUNK_SIZE },
	{ "chunk line bare CR", S(CH "1\r;a\r\nx\r\n0\r\n\r\n"), TL_HTTP_E_CHUNK_SIZE },
	{ "chunk line NUL", S(CH "1;\0\r\nx\r\n0\r\n\r\n"), TL_HTTP_E_NUL },
	{ "chunk data too long", S(CH "1\r\nxy\r\n0\r\n\r\n"), TL_HTTP_E_CHUNK_DATA },
	{ "chunk data CR then x", S(CH "1\r\nx\rx\n0\r\n\r\n"), TL_HTTP_E_CHUNK_DATA },
	{ "trailer folding", S(CH "0\r\nX-T: 1\r\n  2\r\n\r\n"), TL_HTTP_E_FOLDING },
	{ "trailer no colon", S(CH "0\r\nnonsense\r\n\r\n"), TL_HTTP_E_HEADER },
	{ "trailer NUL", S(CH "0\r\nX-T: \0\r\n\r\n"), TL_HTTP_E_NUL },
	{ "until-close over cap", NULL, 0, TL_HTTP_E_BODY_TOO_LARGE },  /* built below */
};

static void test_resp_malformed_each_error(void)
{
	static char big[(1 << 20) + 64];
	tl_http_resp_t *r = &R;

	for (size_t i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++) {
		const bad_case_t *c = &bad_cases[i];
		const char *d = c->data;
		size_t len = c->len;
		if (!d) {
			len = (size_t)snprintf(big, sizeof big, "HTTP/1.1 200 OK\r\n\r\n");
			memset(big + len, 'x', (1 << 20) + 1);
			len += (1 << 20) + 1;
			d = big;
		}
		ssize_t n = parse1(r, BODY, sizeof BODY, d, len);
		if (n != -1 || r->error != c->err) {
			printf("\n  case '%s': feed %zd, error %d (%s), want %d (%s)\n",
			       c->why, n, r->error, tl_http_strerror(r->error),
			       c->err, tl_http_strerror(c->err));
		}
		CU_ASSERT_EQUAL(n, -1);
		CU_ASSERT_EQUAL(r->state, TL_HTTP_ERROR);
		CU_ASSERT_EQUAL(r->error, c->err);
		CU_ASSERT(tl_http_resp_check(r));
		CU_ASSERT_EQUAL(tl_http_resp_feed(r, "HTTP", 4), -1);    /* sticky */
		CU_ASSERT_EQUAL(tl_http_resp_eof(r), -1);
	}
}

/* ---- limits -------------------------------------------------------------- */

static char LIM[200000];

/* "HTTP/1.1 200 OK\r\nX-Pad: ppp...\r\n" ... so that the whole head
 * (status line to the empty line) is `head` bytes, with one header line
 * of `line` bytes (w/o CRLF) among them; Content-Length: 0. */
static size_t build_head(size_t head, size_t line)
{
	static const char st[] = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n";
	size_t n = sizeof st - 1, left;

	memcpy(LIM, st, n);
	left = head - n - 2;        /* minus the final CRLF */
	while (left > 0) {
		size_t l = left < line + 2 ? left - 2 : line;  /* last line shorter */
		CU_ASSERT_FATAL(l >= 4);
		memcpy(LIM + n, "X-P:", 4);
		memset(LIM + n + 4, 'p', l - 4);
		memcpy(LIM + n + l, "\r\n", 2);
		n += l + 2;
		left -= l + 2;
	}
	memcpy(LIM + n, "\r\n", 2);
	return n + 2;
}

static void test_resp_limit_line(void)
{
	tl_http_resp_t *r = &R;
	size_t n;

	n = build_head(TL_HTTP_LINE_MAX + 200, TL_HTTP_LINE_MAX);
	parse1(r, BODY, sizeof BODY, LIM, n);
	CU_ASSERT_EQUAL(r->state, TL_HTTP_DONE);
	n = build_head(TL_HTTP_LINE_MAX + 200, TL_HTTP_LINE_MAX + 1);
	parse1(r, BODY, sizeof BODY, LIM, n);
	CU_ASSERT_EQUAL(r->error, TL_HTTP_E_LINE_TOO_LONG);
	/* a line that never ends fails as soon as it cannot be a line */
	memcpy(LIM, "HTTP/1.1 200 OK\r\nX-A: ", 22);
	memset(LIM + 22, 'a', 20000);
	resp_init(r, BODY, sizeof BODY);
	for (size_t i = 0; i < 22 + 20000 && r->state == TL_HTTP_NEED_MORE; i += 100)
		tl_http_resp_feed(r, LIM + i, 100);
	CU_ASSERT_EQUAL(r->error, TL_HTTP_E_LINE_TOO_LONG);
	CU_ASSERT(r->total <= 17 + TL_HTTP_LINE_MAX + 2 + 100);
	/* the limit is on the content: a CR before the LF does not count */
	memcpy(LIM, "HTTP/1.1 200 OK\r\nX-A:", 21);
	memset(LIM + 21, 'a', TL_HTTP_LINE_MAX - 4);
	memcpy(LIM + 17 + TL_HTTP_LINE_MAX, "\r\nContent-Length: 0\r\n\r\n", 23);
	parse1(r, BODY, sizeof BODY, LIM, 17 + TL_HTTP_LINE_MAX + 23);
	CU_ASSERT_EQUAL(r->state, TL_HTTP_DONE);
	LIM[17 + TL_HTTP_LINE_MAX] = 'a';    /* now 8193 + bare LF */
	parse1(r, BODY, sizeof BODY, LIM, 17 + TL_HTTP_LINE_MAX + 23);
	CU_ASSERT_EQUAL(r->error, TL_HTTP_E_LINE_TOO_LONG);
}

static void test_resp_limit_head(void)
{
	tl_http_resp_t *r = &R;
	size_t n;

	n = build_head(TL_HTTP_HEAD_MAX, 4000);
	CU_ASSERT_EQUAL(n, TL_HTTP_HEAD_MAX);
	CU_ASSERT_EQUAL(parse1(r, BODY, sizeof BODY, LIM, n), (ssize_t)n);
	CU_ASSERT_EQUAL(r->state, TL_HTTP_DONE);
	n = build_head(TL_HTTP_HEAD_MAX + 1, 4000);
	parse1(r, BODY, sizeof BODY, LIM, n);
	CU_ASSERT_EQUAL(r->error, TL_HTTP_E_HEAD_TOO_LARGE);
	/* endless interim responses share the budget */
	n = 0;
	while (n < 40000)
		n += (size_t)sprintf(LIM + n, "HTTP/1.1 100 Continue\r\n\r\n");
	parse1(r, BODY, sizeof BODY, LIM, n);
	CU_ASSERT_EQUAL(r->error, TL_HTTP_E_HEAD_TOO_LARGE);
	/* so do trailers */
	n = (size_t)sprintf(LIM, CH "0\r\n");
	while (n < 40000)
		n += (size_t)sprintf(LIM + n, "X-Trailer: 0123456789\r\n");
	parse1(r, BODY, sizeof BODY, LIM, n);
	CU_ASSERT_EQUAL(r->error, TL_HTTP_E_HEAD_TOO_LARGE);
}

static void test_resp_limit_chunk_framing(void)
{
	tl_http_resp_t *r = &R;
	size_t n = (size_t)sprintf(LIM, CH), chunks = 0;

	/* 1-byte chunks with padded extensions: 64 KiB of framing */
	while (n < 100000) {
		n += (size_t)sprintf(LIM + n, "1;pad=%0100d\r\nx\r\n", 0);
		chunks++;
	}
	parse1(r, BODY, sizeof BODY, LIM, n);
	CU_ASSERT_EQUAL(r->error, TL_HTTP_E_CHUNK_FRAMING);
	CU_ASSERT(r->body_len > 500 && r->body_len < chunks);

	/* plain small chunks are fine well past 64 KiB of body */
	n = (size_t)sprintf(LIM, CH);
	for (int i = 0; i < 1000; i++)
		n += (size_t)sprintf(LIM + n, "64\r\n%0100d\r\n", i);
	n += (size_t)sprintf(LIM + n, "0\r\n\r\n");
	parse1(r, BODY, sizeof BODY, LIM, n);
	CU_ASSERT_EQUAL(r->state, TL_HTTP_DONE);
	CU_ASSERT_EQUAL(r->body_len, 100000);
}

/* The body cap is exact: cap bytes fit, cap + 1 do not, however framed. */
static void test_resp_limit_body_cap(void)
{
	static const char cl[] = "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n0123456789";
	static const char ch[] = CH "6\r\n012345\r\n4\r\n6789\r\n0\r\n\r\n";
	static const char eof[] = "HTTP/1.1 200 OK\r\n\r\n0123456789";
	const char *in[] = { cl, ch, eof };
	size_t len[] = { sizeof cl - 1, sizeof ch - 1, sizeof eof - 1 };
	run_t run;

	for (int i = 0; i < 3; i++) {
		run_stream(in[i], len[i], NULL, 0, 10, &run);
		CU_ASSERT_EQUAL(run.n, 1);
		CU_ASSERT_EQUAL(run.o[0].state, TL_HTTP_DONE);
		CU_ASSERT_EQUAL(run.o[0].body_len, 10);
		run_stream(in[i], len[i], NULL, 0, 9, &run);
		CU_ASSERT_EQUAL(run.o[0].error, TL_HTTP_E_BODY_TOO_LARGE);
		run_stream(in[i], len[i], NULL, 0, 0, &run);
		CU_ASSERT_EQUAL(run.o[0].error, TL_HTTP_E_BODY_TOO_LARGE);
		CU_ASSERT(run_ok(&run));
	}
}

/* ---- split independence ------------------------------------------------ */

typedef struct sample {
	const char *data;
	size_t len;
} sample_t;

static sample_t samples[64];
static int nsamples, nvalid;   /* the first nvalid are well-formed */

static void add_sample(const char *d, size_t len)
{
	if (nsamples < (int)(sizeof samples / sizeof samples[0]))
		samples[nsamples++] = (sample_t){ d, len };
}

static int load_samples(void)
{
	add_sample(S(RESP_200));
	add_sample(S(RESP_400));
	add_sample(S(RESP_429));
	add_sample(S(RESP_418));
	add_sample(S(RESP_503));
	add_sample(S(RESP_CHUNKED));
	add_sample(S(RESP_PIPELINED));
	add_sample(S(RESP_CONTINUE));
	add_sample(S(RESP_CLOSE));
	add_sample(S(RESP_BARE_LF));
	nvalid = nsamples;
	for (size_t i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++)
		if (bad_cases[i].data)
			add_sample(bad_cases[i].data, bad_cases[i].len);
	return 0;
}

/* Every 2-way split, every 3-way split of the shorter samples, and one
 * byte at a time: the same responses as one feed. */
static void test_resp_every_split_same_result(void)
{
	size_t cap = 2048, checked = 0, mismatches = 0, bad = 0;
	run_t one, split;

	for (int s = 0; s < nsamples; s++) {
		const char *d = samples[s].data;
		size_t len = samples[s].len, cuts[2];
		static size_t every[4096];

		run_stream(d, len, NULL, 0, cap, &one);
		bad += !run_ok(&one);
		for (size_t i = 0; i <= len; i++) {
			cuts[0] = i;
			run_stream(d, len, cuts, 1, cap, &split);
			mismatches += !same_run(&one, &split);
			bad += !run_ok(&split);
			checked++;
			if (len > 300)
				continue;
			for (size_t j = i; j <= len; j++) {
				cuts[1] = j;
				run_stream(d, len, cuts, 2, cap, &split);
				mismatches += !same_run(&one, &split);
				bad += !run_ok(&split);
				checked++;
			}
		}
		CU_ASSERT_FATAL(len <= 4096);
		for (size_t i = 0; i < len; i++)
			every[i] = i + 1;
		run_stream(d, len, every, (int)len, cap, &split);
		mismatches += !same_run(&one, &split);
		bad += !run_ok(&split);
		if (!same_run(&one, &split))
			printf("\n  sample %d differs fed byte by byte\n", s);
	}
	printf("\n  %zu splits of %d samples\n", checked, nsamples);
	CU_ASSERT_EQUAL(mismatches, 0);
	CU_ASSERT_EQUAL(bad, 0);
}

/* Splits around the limits, where partial-line checks decide. */
static void test_resp_split_at_limits(void)
{
	static const size_t heads[] = { TL_HTTP_HEAD_MAX - 1, TL_HTTP_HEAD_MAX,
					TL_HTTP_HEAD_MAX + 1, TL_HTTP_HEAD_MAX + 9000 };
	static const size_t lines[] = { 2000, TL_HTTP_LINE_MAX - 1, TL_HTTP_LINE_MAX,
					TL_HTTP_LINE_MAX + 1, TL_HTTP_LINE_MAX + 2 };
	size_t mismatches = 0;
	run_t one, split;

	for (size_t h = 0; h < 4; h++) {
		for (size_t l = 0; l < 5; l++) {
			size_t n = build_head(heads[h], lines[l]), cuts[1];
			run_stream(LIM, n, NULL, 0, 16, &one);
			for (size_t i = 0; i <= n; i += (i > n - 40 || i % 4096 < 40) ? 1 : 97) {
				cuts[0] = i;
				run_stream(LIM, n, cuts, 1, 16, &split);
				mismatches += !same_run(&one, &split) || !run_ok(&split);
			}
		}
	}
	CU_ASSERT_EQUAL(mismatches, 0);
}

/* ---- mutation loop ------------------------------------------------------ */

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t rng(void)
{
	uint64_t x = rng_state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return rng_state = x;
}

static size_t mutate(char *out, size_t cap, const char *in, size_t len)
{
	static const char *const tok[] = {
		"\r\n", "\n", "\r", ":", " ", "\t", ";", "0", "1", "f", "-",
		"\r\n\r\n", "chunked", "Content-Length: ", "Transfer-Encoding: ",
		"Connection: close\r\n", "HTTP/1.1 200 OK\r\n", "HTTP/1.1 100 Continue\r\n\r\n",
		"99999999999999999999", "ffffffffffffffff", "X-MBX-USED-WEIGHT-1M: ",
		"Retry-After: ", "\r\n0\r\n\r\n", "7fffffffffffffff",
	};
	size_t n = len < cap ? len : cap;
	int k = 1 + (int)(rng() % 4);

	memcpy(out, in, n);
	while (k--) {
		size_t at = n ? (size_t)(rng() % (n + 1)) : 0;
		switch (rng() % 7) {
		case 0:     /* flip a byte */
			if (at < n)
				out[at] ^= (char)(1u << (rng() % 8));
			break;
		case 1:     /* random byte */
			if (at < n)
				out[at] = (char)rng();
			break;
		case 2: {   /* delete a run */
			size_t d = 1 + (size_t)(rng() % 8);
			if (at + d <= n) {
				memmove(out + at, out + at + d, n - at - d);
				n -= d;
			}
			break;
		}
		case 3: {   /* insert a token */
			const char *t = tok[rng() % (sizeof tok / sizeof tok[0])];
			size_t tl = strlen(t);
			if (n + tl <= cap) {
				memmove(out + at + tl, out + at, n - at);
				memcpy(out + at, t, tl);
				n += tl;
			}
			break;
		}
		case 4: {   /* duplicate a run */
			size_t d = 1 + (size_t)(rng() % 64);
			if (at + d <= n && n + d <= cap) {
				memmove(out + at + d, out + at, n - at);
				n += d;
			}
			break;
		}
		case 5:     /* truncate */
			n = at;
			break;
		default:    /* NUL */
			if (at < n)
				out[at] = '\0';
			break;
		}
	}
	return n;
}

/* 200k mutated valid responses, each parsed whole and in random pieces
 * with a random (often tiny) body buffer: never a crash, never a write
 * past a buffer (ASan), invariants hold, both runs agree. */
static void test_resp_mutation_loop_200k(void)
{
	static char buf[4096];
	size_t mismatches = 0, bad = 0, done = 0, errors = 0;
	run_t one, split;

	for (int it = 0; it < 200000; it++) {
		/* mostly valid responses: errors stop a run early */
		const sample_t *s = &samples[rng() % 8 ? rng() % (uint64_t)nvalid :
					     rng() % (uint64_t)nsamples];
		size_t n = mutate(buf, sizeof buf, s->data, s->len), cuts[4];
		size_t cap = rng() % 4 == 0 ? (size_t)(rng() % 64) : 2048;
		int nc = (int)(rng() % 5);

		for (int c = 0; c < nc; c++)
			cuts[c] = n ? (size_t)(rng() % (n + 1)) : 0;
		for (int a = 1; a < nc; a++)         /* sort */
			for (int b = a; b > 0 && cuts[b - 1] > cuts[b]; b--) {
				size_t t = cuts[b];
				cuts[b] = cuts[b - 1];
				cuts[b - 1] = t;
			}
		/* an exactly sized copy, so ASan sees any read past the input */
		char *in = malloc(n ? n : 1);
		memcpy(in, buf, n);
		run_stream(in, n, NULL, 0, cap, &one);
		run_stream(in, n, cuts, nc, cap, &split);
		free(in);
		mismatches += !same_run(&one, &split);
		bad += !run_ok(&one) || !run_ok(&split);
		for (int i = 0; i < one.n; i++) {
			done += one.o[i].state == TL_HTTP_DONE;
			errors += one.o[i].state == TL_HTTP_ERROR;
		}
	}
	printf("\n  200000 mutations: %zu responses done, %zu errors\n", done, errors);
	CU_ASSERT_EQUAL(mismatches, 0);
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT(done > 10000 && errors > 10000);   /* both paths exercised */
}

/* ---- allocation, strings ---------------------------------------------- */

static void test_resp_feed_never_allocates(void)
{
	static char body[1 << 16];
	static tl_http_resp_t r;
	size_t calls = 0, cuts[3];
	run_t run;
	char req[512];

	for (int s = 0; s < nsamples; s++) {
		size_t len = samples[s].len;
		cuts[0] = len / 3;
		cuts[1] = len / 2;
		cuts[2] = len - 1;
		resp_init(&r, body, sizeof body);
		tl_alloc_hook_arm();
		run_stream_r(&r, samples[s].data, len, NULL, 0, &run);
		resp_init(&r, body, sizeof body);
		run_stream_r(&r, samples[s].data, len, cuts, len ? 3 : 0, &run);
		tl_http_write_request(req, sizeof req, "POST", "fapi.binance.com",
				      "/fapi/v1/order", "a=1", "X-MBX-APIKEY: k\r\n",
				      "b=2", 3, "application/x-www-form-urlencoded");
		(void)tl_http_strerror(r.error);
		calls += tl_alloc_hook_disarm();
	}
	CU_ASSERT_EQUAL(calls, 0);
}

static void test_strerror_every_code(void)
{
	for (int e = 0; e < TL_HTTP_E__COUNT; e++) {
		const char *s = tl_http_strerror(e);
		CU_ASSERT_PTR_NOT_NULL_FATAL(s);
		CU_ASSERT(strcmp(s, "unknown HTTP error") != 0);
		for (int f = 0; f < e; f++)
			CU_ASSERT(strcmp(s, tl_http_strerror(f)) != 0);
	}
	CU_ASSERT_STRING_EQUAL(tl_http_strerror(-1), "unknown HTTP error");
	CU_ASSERT_STRING_EQUAL(tl_http_strerror(TL_HTTP_E__COUNT), "unknown HTTP error");
}

TL_TEST_SUITE("io.http", load_samples, NULL,
	      TL_TEST(test_request_get_golden),
	      TL_TEST(test_request_post_form_golden),
	      TL_TEST(test_request_empty_bodies),
	      TL_TEST(test_request_enospc_every_cap),
	      TL_TEST(test_request_rejects_bad_arguments),
	      TL_TEST(test_resp_binance_200_order),
	      TL_TEST(test_resp_binance_400_margin),
	      TL_TEST(test_resp_binance_429_retry_after),
	      TL_TEST(test_resp_binance_418_ban),
	      TL_TEST(test_resp_binance_503_unknown),
	      TL_TEST(test_resp_rate_limit_headers),
	      TL_TEST(test_resp_chunked_extensions_trailers),
	      TL_TEST(test_resp_pipelined),
	      TL_TEST(test_resp_no_body_statuses),
	      TL_TEST(test_resp_interim_1xx_skipped),
	      TL_TEST(test_resp_read_until_close),
	      TL_TEST(test_resp_eof_truncated),
	      TL_TEST(test_resp_bare_lf_tolerated),
	      TL_TEST(test_resp_header_byte_classes),
	      TL_TEST(test_resp_malformed_each_error),
	      TL_TEST(test_resp_limit_line),
	      TL_TEST(test_resp_limit_head),
	      TL_TEST(test_resp_limit_chunk_framing),
	      TL_TEST(test_resp_limit_body_cap),
	      TL_TEST(test_resp_every_split_same_result),
	      TL_TEST(test_resp_split_at_limits),
	      TL_TEST(test_resp_mutation_loop_200k),
	      TL_TEST(test_resp_feed_never_allocates),
	      TL_TEST(test_strerror_every_code));
