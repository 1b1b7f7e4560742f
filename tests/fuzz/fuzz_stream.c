/*
 * fuzz_stream.c - libFuzzer entry point for the stream message decoders
 * (io/binance/map.c): tl_binance_decode_stream (user data and per-symbol
 * marks) and tl_binance_decode_marks (the all-market !markPrice@arr
 * stream). `make fuzz` builds it, scripts/fuzz.sh runs it (seeds in
 * tests/fuzz/corpus/fuzz_stream/, dictionary tests/fuzz/dict/), and
 * `make test` replays its corpus (docs/testing.md).
 *
 * Input layout: byte 0 picks the arena (0: TL_BINANCE_MARKS_ARENA, else
 * byte * 64 bytes, so exhaustion is reached at every point; each exactly
 * sized so ASan sees an overrun), byte 1 the
 * traded set (want: all, {BTCUSDT, ETHUSDT}, none, every other call: an
 * impure `want`, which the decoder must tolerate: it asks once per
 * element and reuses the answer);
 * the rest is one message. The fuzzer aborts when a result is out of range,
 * a refused message emitted anything, the counts disagree
 * (emitted + dropped != elements, elements > TL_BINANCE_MARKS_MAX), or
 * an emitted mark is malformed (not MARK, price <= 0, symbol not
 * NUL-terminated or not wanted), `want` was not asked exactly once per
 * element of an accepted message, or an emitted symbol is not one
 * `want` said yes to (in call order: the k-th wanted element emits the
 * k-th yes).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/binance/map.h"

#define YES_MAX (TL_BINANCE_MARKS_MAX + 1)

static unsigned emitted, want_calls, yes_n;
static int want_mode;
/* The symbols `want` said yes to, in call order (names are < 64 bytes). */
static char yes[YES_MAX][64];

static bool want(void *ctx, const char *sym)
{
	bool r;

	(void)ctx;
	want_calls++;
	switch (want_mode) {
	case 0: r = true; break;
	case 1: r = !strcmp(sym, "BTCUSDT") || !strcmp(sym, "ETHUSDT"); break;
	case 2: r = false; break;
	default: r = want_calls % 2 == 0; break;
	}
	if (r && yes_n < YES_MAX)
		snprintf(yes[yes_n++], sizeof yes[0], "%s", sym);
	return r;
}

static void emit(void *ctx, const tl_input_t *in)
{
	(void)ctx;
	if (in->hdr.type != TL_IN_MARK || in->u.mark.price <= 0 ||
	    !memchr(in->u.mark.symbol, 0, sizeof in->u.mark.symbol))
		abort();
	/* Emits follow the yeses one for one (the rest were refused). */
	if (emitted >= yes_n || strcmp(yes[emitted], in->u.mark.symbol) != 0)
		abort();
	emitted++;
	if (want_mode == 1 && strcmp(in->u.mark.symbol, "BTCUSDT") &&
	    strcmp(in->u.mark.symbol, "ETHUSDT"))
		abort();
	if (want_mode == 2)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static tl_binance_decoded_t d;
	tl_binance_marks_t r;
	tl_binance_arena_t a;
	size_t cap;
	void *buf;
	int rc;

	if (size < 2)
		return 0;
	cap = data[0] ? (size_t)data[0] * 64 : TL_BINANCE_MARKS_ARENA;
	want_mode = data[1] % 4;
	/* The big arena is a global of exactly its size (ASan's redzone
	 * still follows it): malloc'ing 8 MiB per input ran at ~650/s. */
	static unsigned char big[TL_BINANCE_MARKS_ARENA];
	buf = data[0] ? malloc(cap) : big;
	if (!buf)
		return 0;
	tl_binance_map_init();
	tl_binance_arena_init(&a, buf, cap);

	emitted = want_calls = yes_n = 0;
	rc = tl_binance_decode_marks(&a, (const char *)data + 2, size - 2, 1,
				     want, emit, NULL, &r);
	if (rc < TL_BN_E_ARG || rc > TL_BN_IGNORED || a.used > a.cap)
		abort();
	if (rc < 0 && (emitted || r.emitted))
		abort();
	if (rc >= 0 && (r.emitted != emitted || r.emitted + r.dropped != r.elements ||
			r.elements > TL_BINANCE_MARKS_MAX ||
			(rc == TL_BN_OK) != (emitted > 0) ||
			want_calls != r.elements || emitted != yes_n))
		abort();

	rc = tl_binance_decode_stream(&a, (const char *)data + 2, size - 2, 1, &d);
	if (rc < TL_BN_E_ARG || rc > TL_BN_ALGO_CHILD || a.used > a.cap ||
	    d.n > TL_BINANCE_OUT_MAX || (rc < 0 && d.n))
		abort();
	for (uint32_t i = 0; i < d.n; i++)
		if (!memchr(d.in[i].u.raw, 0, sizeof d.in[i].u.raw))
			abort();
	if (buf != big)
		free(buf);
	return 0;
}
