/*
 * fuzz_bsync.h - the reconciler's REST decoders (io/binance/sync.c)
 * driven through tl_binance_sync_done, shared by fuzz_rest_open_orders,
 * fuzz_rest_position_risk and fuzz_rest_balance.
 *
 * The reconciler is built once on the default config and the symbols of
 * tests/data/exchange_info.json (BTCUSDT, ETHUSDT, ...; run from the
 * repository root, as scripts/fuzz.sh and make test do), over a Binance
 * adapter that is all zeros: its request queues have no room, so the
 * follow-up requests the reconciler sends (openAlgoOrders, userTrades of
 * an adopted order) fail as a full queue would, without I/O.
 * tl_binance_sync_test_expect makes the fuzzed call the one in flight.
 */
#ifndef TL_FUZZ_BSYNC_H
#define TL_FUZZ_BSYNC_H

#include <stdint.h>

#include <cjson/cJSON.h>

#include "io/binance/internal.h"
#include "io/binance/sync.h"
#include "runtime/config.h"
#include "tests/fuzz/fuzz_common.h"

#define FZ_NOW ((tl_time_t)1767225600000000000LL)

static tl_config_t fz_cfg;
static tl_symbols_t fz_syms;
static tl_binance_t *fz_bn;
static tl_binance_sync_t *fz_bs;
static fz_sink_t fz_out;

static inline void fz_bsync_setup(void)
{
	char err[256];

	if (fz_bs)
		return;
	tl_config_defaults(&fz_cfg);
	snprintf(fz_cfg.exchange_info, sizeof fz_cfg.exchange_info,
		 "tests/data/exchange_info.json");
	if (tl_config_symbols(&fz_cfg, &fz_syms, err, sizeof err) < 0) {
		fprintf(stderr, "fuzz_bsync: %s (run from the repository root)\n", err);
		abort();
	}
	fz_bn = calloc(1, sizeof *fz_bn);
	FZ_CHECK(fz_bn != NULL);
	fz_bn->base.emit = fz_sink_emit;
	fz_bn->base.emit_ctx = &fz_out;
	fz_bs = tl_binance_sync_new(&fz_cfg, &fz_syms, &fz_bn->base);
	FZ_CHECK(fz_bs != NULL);
}

/* The answer `body` to `call`; what it emitted is in fz_out. */
static inline void fz_bsync_answer(int call, uint8_t source, const char *body, size_t len)
{
	fz_out.n = 0;
	tl_binance_sync_test_expect(fz_bs, call, source);
	tl_binance_sync_done(fz_bs, call, 200, body, len, FZ_NOW);
}

/* A top-level JSON array? (what every reconciler answer must be) */
/* What the adapter takes for an array (tl_binance_parse_any): JSON with
 * nothing but white space after it and no \u0000 escape. */
static inline bool fz_is_array(const char *body, size_t len)
{
	const char *end = NULL;
	cJSON *j = cJSON_ParseWithLengthOpts(body, len, &end, 0);
	bool arr = cJSON_IsArray(j);

	for (const char *e = end; arr && e && e < body + len; e++)
		if (*e != ' ' && *e != '\t' && *e != '\r' && *e != '\n')
			arr = false;
	for (size_t i = 0; arr && i + 6 <= len; i++)
		if (body[i] == '\\' && body[i + 1] == 'u' && memcmp(body + i + 2, "0000", 4) == 0)
			arr = false;
	cJSON_Delete(j);
	return arr;
}

/* A position snapshot as emitted: POSITION entries for known symbols
 * with a non-zero quantity, then exactly one END, last. */
static inline void fz_check_snapshot(const fz_sink_t *o, size_t max_positions)
{
	FZ_CHECK(o->n >= 1 && o->n <= max_positions + 1);
	for (unsigned i = 0; i < o->n; i++) {
		const tl_in_pos_snapshot_t *p = &o->in[i].u.snap;
		FZ_CHECK(o->in[i].hdr.type == TL_IN_POSITION_SNAPSHOT);
		FZ_CHECK(o->in[i].hdr.time == FZ_NOW);
		FZ_CHECK(p->snap_id != 0 && p->snap_id == o->in[0].u.snap.snap_id);
		if (i + 1 < o->n) {
			FZ_CHECK(p->kind == TL_SNAP_POSITION);
			FZ_CHECK(p->qty != 0 && tl_symbols_find(&fz_syms, p->symbol) >= 0);
			FZ_CHECK(p->pos_side <= TL_PS_SHORT);
		} else {
			FZ_CHECK(p->kind == TL_SNAP_END && p->symbol[0] == '\0');
		}
	}
}

#endif /* TL_FUZZ_BSYNC_H */
