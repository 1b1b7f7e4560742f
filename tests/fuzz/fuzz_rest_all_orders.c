/*
 * fuzz_rest_all_orders.c - libFuzzer target: the GET /fapi/v1/allOrders
 * answer of the restart's crash-window scan (io/binance/sync.c,
 * tl_binance_sync_lost), which adopts the orders of ours the journal
 * lost and that traded.
 *
 * Input: the body. The window is sequences [FZ_LO, FZ_HI). Properties
 * (abort on failure):
 *   - a body that is not a JSON array emits nothing;
 *   - at most one ADOPT per array element, each well-formed
 *     (fuzz_common.h) and only for an order that is ours ("tl" then
 *     digits) with its sequence in the window, a known side and type, a
 *     closed status that traded (FILLED, CANCELED or EXPIRED), executed
 *     quantity > 0 and a venue id > 0. (Its userTrades request finds the
 *     adapter's queue full here, so nothing else follows.)
 */
#include "tests/fuzz/fuzz_bsync.h"

#define FZ_LO 100
#define FZ_HI 200

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *body = (const char *)data;

	fz_bsync_setup();
	tl_binance_sync_lost(fz_bs, FZ_LO, FZ_HI, FZ_NOW);
	fz_bsync_answer(TL_BINANCE_SYNC_ALL_ORDERS, TL_SNAP_START, body, size);
	if (!fz_is_array(body, size)) {
		FZ_CHECK(fz_out.n == 0);
		return 0;
	}
	FZ_CHECK(fz_out.n <= size / 2);
	for (unsigned i = 0; i < fz_out.n; i++) {
		const tl_in_adopt_t *a = &fz_out.in[i].u.adopt;
		FZ_CHECK(fz_out.in[i].hdr.type == TL_IN_ADOPT);
		FZ_CHECK(strncmp(a->client_id, "tl", 2) == 0 && a->client_id[2]);
		unsigned long long seq = 0;
		for (const char *p = a->client_id + 2; *p; p++) {
			FZ_CHECK(*p >= '0' && *p <= '9');
			seq = seq * 10 + (unsigned long long)(*p - '0');
		}
		FZ_CHECK(seq >= FZ_LO && seq < FZ_HI);
		FZ_CHECK(a->side == TL_BUY || a->side == TL_SELL);
		FZ_CHECK(a->type != 0);
		FZ_CHECK(a->status == TL_ST_FILLED || a->status == TL_ST_CANCELED ||
			 a->status == TL_ST_EXPIRED);
		FZ_CHECK(a->executed_qty > 0 && a->venue_id > 0);
	}
	return 0;
}
