/*
 * fuzz_rest_user_trades.c - libFuzzer target: the GET
 * /fapi/v1/userTrades answer (io/binance/sync.c,
 * tl_binance_sync_trades_to_fills), which becomes FILL inputs for fills the
 * user stream missed.
 *
 * Input: the body, parsed in a 4 KiB arena (odd sizes; a larger tree
 * falls back to the heap) or on the heap (even sizes). Properties (abort on failure):
 *   - a body that is not a JSON array returns -1 and emits nothing;
 *   - otherwise the return value is the number of FILLs emitted, at most
 *     one per element; each is well-formed (fuzz_common.h), for the
 *     queried client id, with a trade id > 0, decimals parsed exactly
 *     and a commission >= 0.
 */
#include "io/binance/sync.h"
#include "tests/fuzz/fuzz_common.h"

#define NOW ((tl_time_t)1767225600000000000LL)

static fz_sink_t out;
/* Small, so that larger bodies take the heap fallback (odd sizes use the
 * arena, even ones the heap: both parsers see everything). */
static unsigned char arena_buf[4096];
static tl_binance_arena_t arena;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	tl_venue_t v;
	int n;

	memset(&v, 0, sizeof v);
	tl_binance_arena_init(&arena, arena_buf, sizeof arena_buf);
	v.emit = fz_sink_emit;
	v.emit_ctx = &out;
	out.n = 0;
	n = tl_binance_sync_trades_to_fills((const char *)data, size, "tl42", NOW, &v,
					    (size & 1) ? &arena : NULL);
	FZ_CHECK(n >= -1);
	FZ_CHECK(n == -1 ? out.n == 0 : (unsigned)n == out.n);
	FZ_CHECK(out.n <= size / 2);
	for (unsigned i = 0; i < out.n; i++) {
		const tl_in_fill_t *f = &out.in[i].u.fill;
		FZ_CHECK(out.in[i].hdr.type == TL_IN_FILL && out.in[i].hdr.time == NOW);
		FZ_CHECK(strcmp(f->client_id, "tl42") == 0);
		FZ_CHECK(f->trade_id > 0 && f->commission >= 0);
	}
	return 0;
}
