/*
 * fuzz_rest_batch.c - libFuzzer target: the batchOrders response decoder
 * (io/binance/map.c, tl_binance_decode_batch), used for emergency closes.
 *
 * Input: byte 0 picks the number of orders (1..TL_BINANCE_BATCH_MAX,
 * bits 0-2) and the HTTP status (bits 3-4: 200, 400, 429, 503); byte 1
 * the arena (0: 64 KiB, else byte * 64 bytes, exactly sized); the rest
 * is the body. Properties (abort on failure):
 *   - a documented result; refused or accepted, exactly one input per
 *     order (refused: its fate is unknown), in request order, about its
 *     own order's
 *     client id, an ORDER_UPDATE or a REQ_ERROR (a non-2xx answer: all
 *     REQ_ERROR), well-formed (fuzz_common.h);
 *   - an element's REQ_ERROR never carries the batch's 200 (the retry
 *     classifier must see a failure);
 *   - the arena never overflows; decoding again into a differently
 *     dirtied output gives the same bytes (no stale or uninitialized
 *     byte reaches a kernel input, which the journal keeps verbatim).
 */
#include <stdint.h>

#include "io/binance/map.h"
#include "tests/fuzz/fuzz_common.h"

#define NOW ((tl_time_t)1767225600000000000LL)

static tl_binance_decoded_t D1, D2;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint16_t status[] = { 200, 400, 429, 503 };
	tl_out_req_t reqs[TL_BINANCE_BATCH_MAX];
	const tl_out_req_t *rp[TL_BINANCE_BATCH_MAX];
	tl_binance_resp_t rs;
	tl_binance_arena_t a;
	unsigned n;
	size_t cap;
	void *buf;
	int rc, rc2;

	if (size < 2)
		return 0;
	tl_binance_map_init();
	n = (data[0] & 7) % TL_BINANCE_BATCH_MAX + 1;
	for (unsigned i = 0; i < n; i++) {
		memset(&reqs[i], 0, sizeof reqs[i]);
		snprintf(reqs[i].client_id, sizeof reqs[i].client_id, "em-%u", i + 1);
		snprintf(reqs[i].symbol, sizeof reqs[i].symbol, i & 1 ? "ETHUSDT" : "BTCUSDT");
		reqs[i].side = TL_SELL;
		reqs[i].type = TL_ORD_MARKET;
		reqs[i].qty = 1000000;
		reqs[i].urgent = 1;
		rp[i] = &reqs[i];
	}
	rs.http_status = status[(data[0] >> 3) & 3];
	rs.retry_after_ns = 0;
	rs.body = (const char *)data + 2;
	rs.len = size - 2;
	cap = data[1] ? (size_t)data[1] * 64 : 65536;
	buf = malloc(cap);
	tl_binance_arena_init(&a, buf, cap);

	memset(&D1, 0xA5, sizeof D1);
	fz_dirty_stack(0xA5);
	rc = tl_binance_decode_batch(&a, rp, n, &rs, NOW, &D1);
	FZ_CHECK(rc >= TL_BN_E_ARG && rc <= TL_BN_ALGO_CHILD && rc != TL_BN_E_ARG);
	FZ_CHECK(a.used <= a.cap);
	/* Refused or not, every order gets its input: a refused body means
	 * an unknown fate for each (a local REQ_ERROR). */
	FZ_CHECK(rc == TL_BN_OK || rc < 0);
	FZ_CHECK(D1.n == n);
	{
		for (unsigned i = 0; i < n; i++) {
			const tl_input_t *in = &D1.in[i];
			fz_check_input(in);
			FZ_CHECK(in->hdr.time == NOW);
			FZ_CHECK(in->hdr.type == TL_IN_ORDER_UPDATE ||
				 in->hdr.type == TL_IN_REQ_ERROR);
			FZ_CHECK(strcmp(in->u.update.client_id, reqs[i].client_id) == 0);
			if (rs.http_status != 200)
				FZ_CHECK(in->hdr.type == TL_IN_REQ_ERROR);
			if (in->hdr.type == TL_IN_REQ_ERROR)
				FZ_CHECK(in->u.error.outcome.http_status / 100 != 2);
		}
	}
	memset(&D2, 0x5A, sizeof D2);
	fz_dirty_stack(0x5A);
	rc2 = tl_binance_decode_batch(&a, rp, n, &rs, NOW, &D2);
	FZ_CHECK(rc2 == rc && D2.n == D1.n);
	FZ_CHECK(memcmp(D1.in, D2.in, sizeof D1.in[0] * D1.n) == 0);
	free(buf);
	return 0;
}
