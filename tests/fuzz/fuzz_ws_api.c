/*
 * fuzz_ws_api.c - libFuzzer target: one WebSocket API response frame
 * (io/binance/wsapi.c, tl_binance_wsapi_decode) and what the transport
 * does with it: the result/error span fed to tl_binance_decode_response.
 *
 * Input: byte 0 picks the arena (0: 16 KiB, else byte * 32 bytes,
 * malloc'ed exactly so ASan sees an overrun); the rest is the frame,
 * copied into an exactly sized buffer (a read past it is an ASan
 * finding). Properties (abort on failure):
 *   - the result is TL_BN_OK or a documented error with `field` set; a
 *     refused frame leaves nothing usable (no body, every count -1);
 *   - an accepted frame: status 100..599, is_error exactly for non-2xx,
 *     the span lies inside the frame, is non-empty and parses as JSON on
 *     its own (an object for an error), counts -1 or 0..UINT32_MAX with
 *     the weight maximum covering the 1-minute weight, retry_after_ns
 *     >= 0, id 0 when null;
 *   - the span as a REST body for a new order gives what the REST path
 *     promises: a non-2xx status is exactly one REQ_ERROR for the request;
 *   - decoding is a function of its input: decoded again with the output
 *     and the stack dirtied differently it gives the same bytes.
 */
#include <stdint.h>

#include <cjson/cJSON.h>

#include "io/binance/map.h"
#include "io/binance/wsapi.h"
#include "tests/fuzz/fuzz_common.h"

#define NOW ((tl_time_t)1767225600000000000LL)

static tl_binance_wsapi_resp_t W1, W2;
static tl_binance_decoded_t D;

static int decode(tl_binance_arena_t *a, const char *f, size_t n,
		  tl_binance_wsapi_resp_t *out)
{
	static int pattern = 0xA5;

	pattern ^= 0xFF;	/* 0x5A, 0xA5, ...: each run differently dirty */
	memset(out, pattern, sizeof *out);	/* the decoder must reset */
	fz_dirty_stack(pattern);
	return tl_binance_wsapi_decode(a, f, n, out);
}

static bool count_ok(int64_t v)
{
	return v == -1 || (v >= 0 && v <= UINT32_MAX);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	tl_binance_arena_t a;
	size_t cap, n;
	void *buf;
	char *f;
	int rc, rc2;

	if (size < 2)
		return 0;
	tl_binance_map_init();
	cap = data[0] ? (size_t)data[0] * 32 : 16384;
	buf = malloc(cap);
	n = size - 1;
	f = malloc(n);
	if (!buf || !f)
		abort();
	memcpy(f, data + 1, n);
	tl_binance_arena_init(&a, buf, cap);

	rc = decode(&a, f, n, &W1);
	FZ_CHECK(a.used <= a.cap);
	if (rc != TL_BN_OK) {
		FZ_CHECK(rc >= TL_BN_E_ARG && rc <= TL_BN_E_JSON);
		FZ_CHECK(W1.field != NULL);
		FZ_CHECK(W1.body == NULL && W1.body_len == 0);
		FZ_CHECK(W1.mbx.used_weight_1m == -1 && W1.mbx.used_weight_max == -1 &&
			 W1.mbx.order_count_10s == -1 && W1.mbx.order_count_1m == -1);
	} else {
		FZ_CHECK(W1.status >= 100 && W1.status <= 599);
		FZ_CHECK(W1.is_error == (W1.status < 200 || W1.status > 299));
		FZ_CHECK(W1.body_len > 0 && W1.body >= f &&
			 W1.body + W1.body_len <= f + n);
		FZ_CHECK(!W1.id_null || W1.id == 0);
		FZ_CHECK(count_ok(W1.mbx.used_weight_1m) &&
			 count_ok(W1.mbx.used_weight_max) &&
			 count_ok(W1.mbx.order_count_10s) &&
			 count_ok(W1.mbx.order_count_1m));
		FZ_CHECK(W1.mbx.used_weight_max >= W1.mbx.used_weight_1m);
		FZ_CHECK(W1.retry_after_ns >= 0);
		FZ_CHECK(W1.rate_limits <= TL_BINANCE_WSAPI_RATELIMITS_MAX);

		/* The span is JSON by itself (parsed on the heap: the arena
		 * belongs to the decoder). */
		cJSON *j = cJSON_ParseWithLength(W1.body, W1.body_len);
		FZ_CHECK(j != NULL);
		if (W1.is_error)
			FZ_CHECK(cJSON_IsObject(j));
		cJSON_Delete(j);

		/* One code path: the span as the REST body. */
		tl_out_req_t req;
		memset(&req, 0, sizeof req);
		snprintf(req.client_id, sizeof req.client_id, "tl1234");
		snprintf(req.symbol, sizeof req.symbol, "BTCUSDT");
		req.side = TL_BUY;
		req.type = TL_ORD_LIMIT;
		req.qty = 1000000;
		req.price = 5000000000000;
		req.attempt = 1;
		tl_binance_http_t h = { .method = TL_BN_POST, .path = "/fapi/v1/order" };
		tl_binance_resp_t rs;
		tl_binance_wsapi_as_rest(&W1, &rs);
		int dr = tl_binance_decode_response(&a, &req, TL_REQ_NEW, &h, &rs,
						    NOW, &D);
		if (W1.is_error) {
			FZ_CHECK(dr == TL_BN_OK && D.n == 1);
			FZ_CHECK(D.in[0].hdr.type == TL_IN_REQ_ERROR);
			FZ_CHECK(D.in[0].u.error.outcome.http_status == W1.status);
			FZ_CHECK(D.in[0].u.error.retry_after_ns == W1.retry_after_ns);
		}
		for (uint32_t i = 0; i < D.n && i < TL_BINANCE_OUT_MAX; i++)
			fz_check_input(&D.in[i]);
	}

	rc2 = decode(&a, f, n, &W2);
	FZ_CHECK(rc2 == rc);
	FZ_CHECK(memcmp(&W1, &W2, sizeof W1) == 0);
	free(f);
	free(buf);
	return 0;
}
