/*
 * fuzz_rest_order.c - libFuzzer target: the REST response decoder for a
 * single order request (io/binance/map.c, tl_binance_decode_response):
 * POST/DELETE/GET /fapi/v1/order and /fapi/v1/algoOrder answers.
 *
 * Input: byte 0 picks the request kind (NEW, CANCEL, QUERY; bits 0-1),
 * the algo endpoint (bit 2) and the HTTP status (bits 3-5: 200, 400,
 * 401, 418, 429, 500, 503, 204); byte 1 the arena (0: 16 KiB, else
 * byte * 32 bytes, malloc'ed exactly so ASan sees an overrun); the rest
 * is the body. Properties (abort on failure):
 *   - the result is a documented code; a refused body (< 0) produces
 *     exactly one local REQ_ERROR for the request (its fate is unknown:
 *     the kernel queries it); an accepted one at most TL_BINANCE_OUT_MAX
 *     inputs, TL_BN_OK exactly when it produced some; the arena never
 *     overflows;
 *   - every input is well-formed (fuzz_common.h), stamped `now`, and about
 *     the request's client id; a non-2xx answer is a REQ_ERROR for it
 *     (whatever the body: a WAF page still reports the failure);
 *   - decoding is a function of its input: the same body decoded again,
 *     with the output and the stack dirtied differently, gives the same
 *     result byte for byte (no stale or uninitialized byte reaches a
 *     kernel input, which the journal keeps verbatim).
 */
#include <stdint.h>

#include "io/binance/map.h"
#include "tests/fuzz/fuzz_common.h"

#define NOW ((tl_time_t)1767225600000000000LL)

static tl_binance_decoded_t D1, D2;

static int decode(tl_binance_arena_t *a, const tl_out_req_t *r, tl_req_kind_t k,
		  const tl_binance_http_t *h, const tl_binance_resp_t *rs,
		  tl_binance_decoded_t *out)
{
	static int pattern = 0xA5;

	pattern ^= 0xFF;	/* 0x5A, 0xA5, ...: each run differently dirty */
	memset(out, pattern, sizeof *out);	/* the decoder must reset */
	fz_dirty_stack(pattern);
	return tl_binance_decode_response(a, r, k, h, rs, NOW, out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint16_t status[] = { 200, 400, 401, 418, 429, 500, 503, 204 };
	static const tl_req_kind_t kinds[] = { TL_REQ_NEW, TL_REQ_CANCEL,
					       TL_REQ_QUERY, TL_REQ_NEW };
	tl_binance_http_t h = { .method = TL_BN_POST, .path = "/fapi/v1/order" };
	tl_binance_resp_t rs;
	tl_binance_arena_t a;
	tl_out_req_t req;
	size_t cap;
	void *buf;
	int rc, rc2;

	if (size < 2)
		return 0;
	tl_binance_map_init();
	memset(&req, 0, sizeof req);
	snprintf(req.client_id, sizeof req.client_id, "tl1234");
	snprintf(req.symbol, sizeof req.symbol, "BTCUSDT");
	req.side = TL_BUY;
	req.algo = (data[0] >> 2) & 1;
	req.type = req.algo ? TL_ORD_STOP_MARKET : TL_ORD_LIMIT;
	req.qty = 1000000;
	req.price = 5000000000000;
	req.attempt = 1;
	h.algo = req.algo;
	rs.http_status = status[(data[0] >> 3) & 7];
	rs.retry_after_ns = 0;
	rs.body = (const char *)data + 2;
	rs.len = size - 2;
	cap = data[1] ? (size_t)data[1] * 32 : 16384;
	buf = malloc(cap);
	tl_binance_arena_init(&a, buf, cap);

	tl_req_kind_t kind = kinds[data[0] & 3];
	rc = decode(&a, &req, kind, &h, &rs, &D1);
	FZ_CHECK(rc >= TL_BN_E_ARG && rc <= TL_BN_ALGO_CHILD && rc != TL_BN_E_ARG);
	FZ_CHECK(a.used <= a.cap);
	if (rc < 0) {
		/* Refused: the request's fate is unknown, which the kernel
		 * learns as one local REQ_ERROR (it queries the order). */
		FZ_CHECK(D1.n == 1 && D1.in[0].hdr.type == TL_IN_REQ_ERROR);
		FZ_CHECK(D1.in[0].u.error.outcome.transport == TL_TR_LOCAL);
		FZ_CHECK(strcmp(D1.in[0].u.error.client_id, req.client_id) == 0);
		fz_check_input(&D1.in[0]);
	} else {
		FZ_CHECK(D1.n <= TL_BINANCE_OUT_MAX);
		FZ_CHECK((rc == TL_BN_OK) == (D1.n > 0));
		for (uint32_t i = 0; i < D1.n; i++) {
			const tl_input_t *in = &D1.in[i];
			fz_check_input(in);
			FZ_CHECK(in->hdr.time == NOW);
			FZ_CHECK(in->hdr.type == TL_IN_ORDER_UPDATE ||
				 in->hdr.type == TL_IN_REQ_ERROR ||
				 in->hdr.type == TL_IN_QUERY_RESULT);
			/* client_id is the first member of all three */
			FZ_CHECK(strcmp(in->u.update.client_id, req.client_id) == 0);
			if (rs.http_status / 100 != 2)
				FZ_CHECK(in->hdr.type == TL_IN_REQ_ERROR);
		}
		if (rs.http_status / 100 != 2)
			FZ_CHECK(rc == TL_BN_OK && D1.n == 1);
	}

	rc2 = decode(&a, &req, kind, &h, &rs, &D2);
	FZ_CHECK(rc2 == rc && D2.n == D1.n && D2.child_order_id == D1.child_order_id);
	FZ_CHECK(memcmp(D1.in, D2.in, sizeof D1.in[0] * D1.n) == 0);
	free(buf);
	return 0;
}
