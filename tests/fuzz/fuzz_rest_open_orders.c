/*
 * fuzz_rest_open_orders.c - libFuzzer target: the GET
 * /fapi/v1/openOrders and /fapi/v1/openAlgoOrders answers
 * (io/binance/sync.c), which become ADOPT inputs: the venue's open
 * orders with talon's client-id prefix.
 *
 * Input: byte 0 picks the list (orders or algo orders); the rest is the
 * body. Properties (abort on failure):
 *   - a body that is not a JSON array emits nothing;
 *   - at most one ADOPT per array element, each well-formed
 *     (fuzz_common.h) and only for an order that is ours: client id the
 *     configured prefix ("tl") then digits, shorter than TL_CLID_LEN;
 *     a known side, type and an open status (NEW or PARTIALLY_FILLED).
 */
#include "tests/fuzz/fuzz_bsync.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *body;
	size_t len;
	int call;

	if (size < 1)
		return 0;
	fz_bsync_setup();
	call = data[0] & 1 ? TL_BINANCE_SYNC_OPEN_ALGO : TL_BINANCE_SYNC_OPEN;
	body = (const char *)data + 1;
	len = size - 1;
	fz_bsync_answer(call, TL_SNAP_START, body, len);
	if (!fz_is_array(body, len)) {
		FZ_CHECK(fz_out.n == 0);
		return 0;
	}
	FZ_CHECK(fz_out.n <= len / 2);
	for (unsigned i = 0; i < fz_out.n; i++) {
		const tl_in_adopt_t *a = &fz_out.in[i].u.adopt;
		FZ_CHECK(fz_out.in[i].hdr.type == TL_IN_ADOPT);
		FZ_CHECK(strncmp(a->client_id, "tl", 2) == 0 && a->client_id[2]);
		for (const char *p = a->client_id + 2; *p; p++)
			FZ_CHECK(*p >= '0' && *p <= '9');
		FZ_CHECK(a->side == TL_BUY || a->side == TL_SELL);
		FZ_CHECK(a->type != 0);
		FZ_CHECK(a->status == TL_ST_NEW || a->status == TL_ST_PARTIALLY_FILLED);
	}
	return 0;
}
