/*
 * fuzz_rest_exchange_info.c - libFuzzer target: the GET
 * /fapi/v1/exchangeInfo document read at start (io/binance/xinfo.c,
 * tl_binance_xinfo_apply; the symbol loader kernel/symbols.c under it).
 *
 * The table starts as tests/data/exchange_info.json's BTCUSDT and
 * ETHUSDT (run from the repository root) and is restored before each
 * input. Input: the venue's document. Properties (abort on failure):
 *   - -1 comes with a message and leaves the table unchanged, byte for
 *     byte (documented: the engine then refuses to start on it);
 *   - otherwise the result counts replaced fields, the symbols and their
 *     order are the same, every filter still passes the loader's rules
 *     (tick, step > 0; min <= max where both set; precisions 0..8), and
 *     applying the same document again replaces nothing (idempotent);
 *   - the rate limits are the document's or 0.
 */
#include <stdint.h>

#include "io/binance/xinfo.h"
#include "runtime/log.h"
#include "tests/fuzz/fuzz_common.h"

static tl_symbols_t syms;
static tl_symbol_t pristine[2];

static void setup(void)
{
	tl_config_t *cfg = fz_config_two_symbols();	/* quiet: one warning a field */
	char err[256];

	if (tl_config_symbols(cfg, &syms, err, sizeof err) < 0 || syms.count != 2) {
		fprintf(stderr, "fuzz_rest_exchange_info: %s (run from the repository root)\n", err);
		abort();
	}
	memcpy(pristine, syms.sym, sizeof pristine);
	free(cfg);
}

static void check_valid(const tl_symbol_t *s)
{
	FZ_TERMINATED(s->name);
	FZ_CHECK(s->tick_size > 0 && s->step_size > 0);
	FZ_CHECK(!s->min_price || !s->max_price || s->min_price <= s->max_price);
	FZ_CHECK(!s->min_qty || !s->max_qty || s->min_qty <= s->max_qty);
	FZ_CHECK(s->price_precision <= 8 && s->qty_precision <= 8);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	tl_binance_xlimits_t lim;
	char err[256];
	int rc;

	if (!syms.count)
		setup();
	memcpy(syms.sym, pristine, sizeof pristine);
	err[0] = '\0';
	rc = tl_binance_xinfo_apply(&syms, (const char *)data, size, &lim, err, sizeof err);
	FZ_CHECK(syms.count == 2);
	if (rc < 0) {
		FZ_CHECK(rc == -1 && err[0] && memchr(err, 0, sizeof err));
		FZ_CHECK(memcmp(syms.sym, pristine, sizeof pristine) == 0);
		return 0;
	}
	for (int i = 0; i < 2; i++) {
		FZ_CHECK(strcmp(syms.sym[i].name, pristine[i].name) == 0);
		check_valid(&syms.sym[i]);
	}
	tl_symbol_t once[2];
	memcpy(once, syms.sym, sizeof once);
	FZ_CHECK(tl_binance_xinfo_apply(&syms, (const char *)data, size, &lim, err,
					sizeof err) == 0);
	FZ_CHECK(memcmp(syms.sym, once, sizeof once) == 0);
	return 0;
}
