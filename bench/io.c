/*
 * io.c - the `io` suite: the Binance adapter's per-order CPU cost on the
 * IO thread, through the same functions io/binance/binance.c calls, one sample
 * (ns, one clock-read pair included) per order, single thread pinned to
 * the engine-side core.
 *
 *   io.encode_sign     what bn_encode + bn_send do before the bytes go to
 *                      the socket: venue clock -> tl_binance_encode_order
 *                      (LIMIT GTC BTCUSDT, a fresh client id each time)
 *                      -> tl_binance_sign_append (HMAC-SHA256, wolfCrypt)
 *                      -> tl_http_write_request (Host, X-MBX-APIKEY, form
 *                      body).
 *   io.parse_response  what tl_binance_cb + bn_on_kernel (io/binance/resp.c) do with the answer:
 *                      tl_http_resp_feed of a whole captured response
 *                      (`talon venue`'s 200 to a MARKET order,
 *                      newOrderRespType=RESULT, status FILLED) ->
 *                      tl_binance_decode_response (cJSON in the arena) ->
 *                      one ORDER_UPDATE input. Any other outcome fails
 *                      the suite.
 *
 * Symbols come from config/exchange_info.json like the engine's.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/support/benchutil.h"
#include "bench/support/loopback.h"
#include "bench/support/suite.h"
#include "io/binance/map.h"
#include "io/binance/sign.h"
#include "io/net/http.h"
#include "kernel/symbols.h"


#define IO_DEFAULT_S 1.0
#define IO_SMOKE_S 0.1

/* Keys of config/venue.json's first account (test keys, not secrets). */
#define IO_KEY "talonTestKey0000000000000000000000000000000000000000000000000001"
#define IO_SECRET "talonTestSecret00000000000000000000000000000000000000000000001"

/* Captured from `talon venue` (config/venue.json): POST /fapi/v1/order
 * MARKET BUY 0.010 BTCUSDT, newOrderRespType=RESULT. */
static const char io_resp[] =
	"HTTP/1.1 200 OK\r\n"
	"Content-Type: application/json;charset=UTF-8\r\n"
	"Content-Length: 514\r\n"
	"X-MBX-USED-WEIGHT-1M: 0\r\n"
	"X-MBX-ORDER-COUNT-10S: 1\r\n"
	"X-MBX-ORDER-COUNT-1M: 1\r\n"
	"Connection: keep-alive\r\n"
	"\r\n"
	"{\"orderId\":4000000001,\"symbol\":\"BTCUSDT\",\"status\":\"FILLED\","
	"\"clientOrderId\":\"tl-1-000001\",\"price\":\"0.00\",\"avgPrice\":\"60016.20\","
	"\"origQty\":\"0.010\",\"executedQty\":\"0.010\",\"cumQty\":\"0.010\","
	"\"cumQuote\":\"600.16200\",\"timeInForce\":\"GTC\",\"type\":\"MARKET\","
	"\"reduceOnly\":false,\"closePosition\":false,\"side\":\"BUY\","
	"\"positionSide\":\"BOTH\",\"stopPrice\":\"0.00\",\"workingType\":\"CONTRACT_PRICE\","
	"\"priceProtect\":false,\"origType\":\"MARKET\",\"priceMatch\":\"NONE\","
	"\"selfTradePreventionMode\":\"EXPIRE_MAKER\",\"goodTillDate\":0,"
	"\"updateTime\":1795244846933}";

static int io_load_symbols(const tl_bench_ctx_t *ctx, tl_symbols_t *syms)
{
	char path[2200], err[256];
	static const char *const only[] = { "BTCUSDT", NULL };
	FILE *f;
	long len;
	char *buf = NULL;
	int rc = -1;

	if (tl_loopback_repo_path(ctx, "config/exchange_info.json", path, sizeof path) < 0) {
		fprintf(stderr, "io: config/exchange_info.json not found\n");
		return -1;
	}
	f = fopen(path, "rb");
	if (!f || fseek(f, 0, SEEK_END) != 0 || (len = ftell(f)) <= 0 ||
	    fseek(f, 0, SEEK_SET) != 0 || !(buf = malloc((size_t)len)) ||
	    fread(buf, 1, (size_t)len, f) != (size_t)len) {
		fprintf(stderr, "io: cannot read %s\n", path);
		goto out;
	}
	if (tl_symbols_init(syms, 8, err, sizeof err) < 0 ||
	    tl_symbols_load(syms, buf, (size_t)len, only, err, sizeof err) < 1) {
		fprintf(stderr, "io: %s: %s\n", path, err);
		goto out;
	}
	rc = 0;
out:
	if (f)
		fclose(f);
	free(buf);
	return rc;
}

static double io_secs(const tl_bench_ctx_t *ctx)
{
	return ctx->duration_s > 0 ? ctx->duration_s
	       : ctx->smoke ? IO_SMOKE_S : IO_DEFAULT_S;
}

/* ---- io.encode_sign ---------------------------------------------------------- */

static int io_encode_sign(const tl_bench_ctx_t *ctx, const tl_symbol_t *sym,
			  tl_hist_t *h, size_t *bytes)
{
	static tl_binance_signer_t signer;
	tl_binance_clock_t clock;
	char qbuf[4096], tx[8192], key_hdr[200];
	const char *host = "127.0.0.1:8443";
	tl_out_req_t req;

	if (tl_binance_signer_init(&signer, IO_KEY, IO_SECRET) < 0) {
		fprintf(stderr, "io.encode_sign: signer init failed\n");
		return -1;
	}
	snprintf(key_hdr, sizeof key_hdr, "X-MBX-APIKEY: %s\r\n",
		 tl_binance_signer_api_key(&signer));
	tl_binance_clock_init(&clock);
	tl_binance_clock_update(&clock, 1795244846933LL, tl_bench_now_ns(),
				tl_bench_now_ns() + 100000);
	memset(&req, 0, sizeof req);
	snprintf(req.symbol, sizeof req.symbol, "BTCUSDT");
	req.side = TL_BUY;
	req.type = TL_ORD_LIMIT;
	req.tif = TL_TIF_GTC;
	req.pos_side = TL_PS_BOTH;
	req.attempt = 1;
	req.qty = TL_FX_ONE / 100;
	req.price = 58000 * TL_FX_ONE;

	double secs = io_secs(ctx);
	int64_t warm_end = tl_bench_now_ns() + (int64_t)(0.1 * 1e9);
	int64_t end = warm_end + (int64_t)(secs * 1e9);
	uint64_t i = 0;
	size_t cap = sizeof qbuf - TL_BINANCE_SIG_PARAM_LEN - 1;
	int rc = -1;
	for (;;) {
		/* The client id changes per order, as the kernel's does. */
		snprintf(req.client_id, sizeof req.client_id, "tl-1-%06llu",
			 (unsigned long long)(++i % 1000000));
		int64_t t0 = tl_bench_now_ns();
		if (t0 >= end)
			break;
		tl_binance_http_t http;
		int64_t ts = tl_binance_clock_ms(&clock, t0);
		int n = tl_binance_encode_order(&req, sym, false, ts, 5000, &http,
						qbuf, cap);
		if (n >= 0)
			n = tl_binance_sign_append(&signer, qbuf, (size_t)n,
						   sizeof qbuf, NULL, 0);
		int len = n < 0 ? n : tl_http_write_request(
			tx, sizeof tx, tl_binance_method_name(http.method), host,
			http.path, NULL, key_hdr, qbuf, (size_t)n,
			"application/x-www-form-urlencoded");
		int64_t t1 = tl_bench_now_ns();
		if (len < 0) {
			fprintf(stderr, "io.encode_sign: %s\n", strerror(-len));
			goto out;
		}
		*bytes = (size_t)len;
		if (t0 >= warm_end)
			tl_hist_record(h, (uint64_t)(t1 - t0));
	}
	rc = 0;
out:
	tl_binance_signer_wipe(&signer);
	return rc;
}

/* ---- io.parse_response ------------------------------------------------------- */

static int io_parse_response(const tl_bench_ctx_t *ctx, tl_hist_t *h)
{
	static tl_http_resp_t resp;
	static char body[256 << 10];
	static unsigned char arena_buf[64 << 10];
	tl_binance_arena_t arena;
	tl_binance_decoded_t dec;
	tl_binance_http_t http = { .method = TL_BN_POST, .path = "/fapi/v1/order" };
	tl_out_req_t req;
	size_t len = sizeof io_resp - 1;

	tl_binance_map_init();
	tl_binance_arena_init(&arena, arena_buf, sizeof arena_buf);
	tl_http_resp_init(&resp, body, sizeof body);
	memset(&req, 0, sizeof req);
	snprintf(req.client_id, sizeof req.client_id, "tl-1-000001");
	snprintf(req.symbol, sizeof req.symbol, "BTCUSDT");
	req.side = TL_BUY;
	req.type = TL_ORD_MARKET;
	req.qty = TL_FX_ONE / 100;

	double secs = io_secs(ctx);
	int64_t warm_end = tl_bench_now_ns() + (int64_t)(0.1 * 1e9);
	int64_t end = warm_end + (int64_t)(secs * 1e9);
	for (;;) {
		int64_t t0 = tl_bench_now_ns();
		if (t0 >= end)
			break;
		tl_http_resp_reset(&resp);
		ssize_t k = tl_http_resp_feed(&resp, io_resp, len);
		int rc = TL_BN_E_ARG;
		if (k == (ssize_t)len && resp.state == TL_HTTP_DONE) {
			tl_binance_resp_t rr = { .http_status = (uint16_t)resp.status,
						 .body = resp.body,
						 .len = resp.body_len };
			rc = tl_binance_decode_response(&arena, &req, TL_REQ_NEW, &http,
							&rr, t0, &dec);
		}
		int64_t t1 = tl_bench_now_ns();
		if (rc != TL_BN_OK || dec.n != 1 ||
		    dec.in[0].hdr.type != TL_IN_ORDER_UPDATE) {
			fprintf(stderr, "io.parse_response: HTTP state %d, decode %s\n",
				resp.state, tl_binance_strerror(rc));
			return -1;
		}
		if (t0 >= warm_end)
			tl_hist_record(h, (uint64_t)(t1 - t0));
	}
	return 0;
}

/* ---- the suite ---------------------------------------------------------------- */

int tl_bench_suite_io(const tl_bench_ctx_t *ctx)
{
	static tl_hist_t h;
	tl_symbols_t syms;
	char cpu[32], extra[128];
	size_t bytes = 0;
	int a, b, rc = -1;
	cpu_set_t saved;
	bool have_saved = false;

	memset(&syms, 0, sizeof syms);
	if (io_load_symbols(ctx, &syms) < 0)
		goto out;
	tl_loopback_cpus(ctx, &a, &b);
	have_saved = pthread_getaffinity_np(pthread_self(), sizeof saved, &saved) == 0;
	if (a >= 0)
		tl_bench_pin(a);
	tl_bench_cpu_text(cpu, sizeof cpu, a, -1);

	tl_hist_init(&h);
	if (io_encode_sign(ctx, tl_symbols_get(&syms, tl_symbols_find(&syms, "BTCUSDT")),
			   &h, &bytes) < 0 || !tl_hist_count(&h))
		goto out;
	snprintf(extra, sizeof extra, "\"request_bytes\":%zu", bytes);
	tl_bench_emit(&(tl_bench_line_t){
		.bench = "io.encode_sign", .unit = "ns", .h = &h,
		.mode = TL_BENCH_CLOSED, .threads = 1, .cpu = cpu,
		.from = "kernel request (LIMIT order)",
		.to = "signed HTTP request bytes ready to send", .extra = extra });

	tl_hist_init(&h);
	if (io_parse_response(ctx, &h) < 0 || !tl_hist_count(&h))
		goto out;
	snprintf(extra, sizeof extra, "\"response_bytes\":%zu", sizeof io_resp - 1);
	tl_bench_emit(&(tl_bench_line_t){
		.bench = "io.parse_response", .unit = "ns", .h = &h,
		.mode = TL_BENCH_CLOSED, .threads = 1, .cpu = cpu,
		.from = "whole HTTP response bytes",
		.to = "kernel input (ORDER_UPDATE) decoded", .extra = extra });
	rc = 0;
out:
	if (have_saved)
		pthread_setaffinity_np(pthread_self(), sizeof saved, &saved);
	tl_symbols_free(&syms);
	return rc;
}
