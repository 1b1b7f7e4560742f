/*
 * fuzz_stream.c - libFuzzer entry point for the stream message decoders
 * (io/binance/map.c): tl_binance_decode_stream (user data and per-symbol
 * marks) and tl_binance_decode_marks (the all-market !markPrice@arr
 * stream). Not part of `make`; build and run it by hand:
 *
 *   clang -std=gnu11 -g -O1 -I. -fsanitize=fuzzer,address,undefined \
 *         -fno-sanitize-recover=undefined \
 *         tests/fuzz/fuzz_stream.c io/binance/map.c kernel/fixed.c \
 *         kernel/retry.c -lcjson -o build/fuzz_stream
 *   mkdir -p build/fuzz/stream
 *   printf '\0\1[{"e":"markPriceUpdate","E":1,"s":"BTCUSDT","p":"1.5"},{"e":"markPriceUpdate","s":"XRPUSDT","p":"x"}]' \
 *         >build/fuzz/stream/arr
 *   printf '\0\2{"stream":"!markPrice@arr@1s","data":[{"e":"markPriceUpdate","s":"ETHUSDT","p":"2"}]}' \
 *         >build/fuzz/stream/combined
 *   printf '\4\0{"e":"ORDER_TRADE_UPDATE","E":1,"o":{"c":"a","x":"TRADE","i":1,"t":2,"l":"1","L":"2","n":"0.1","m":true}}' \
 *         >build/fuzz/stream/otu
 *   printf '"markPriceUpdate"\n"\\"e\\":"\n"\\"s\\":\\"BTCUSDT\\""\n"\\"p\\":\\""\n"{\\"stream\\":"\n"\\"data\\":["\n' \
 *         >build/fuzz/stream.dict
 *   build/fuzz_stream -dict=build/fuzz/stream.dict -max_total_time=120 \
 *         -max_len=65536 build/fuzz/stream
 *
 * Input layout: byte 0 picks the arena (0: TL_BINANCE_MARKS_ARENA, else
 * byte * 64 bytes, so exhaustion is reached at every point), byte 1 the
 * traded set (want: all, {BTCUSDT, ETHUSDT}, none, every other call);
 * the rest is one message. The arena is malloc'ed to its exact size so
 * ASan sees an overrun. The fuzzer aborts when a result is out of range,
 * a refused message emitted anything, the counts disagree
 * (emitted + dropped != elements, elements > TL_BINANCE_MARKS_MAX), or
 * an emitted mark is malformed (not MARK, price <= 0, symbol not
 * NUL-terminated or not wanted).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/binance/map.h"

static unsigned emitted, want_calls;
static int want_mode;

static bool want(void *ctx, const char *sym)
{
	(void)ctx;
	want_calls++;
	switch (want_mode) {
	case 0: return true;
	case 1: return !strcmp(sym, "BTCUSDT") || !strcmp(sym, "ETHUSDT");
	case 2: return false;
	default: return want_calls % 2 == 0;
	}
}

static void emit(void *ctx, const tl_input_t *in)
{
	(void)ctx;
	emitted++;
	if (in->hdr.type != TL_IN_MARK || in->u.mark.price <= 0 ||
	    !memchr(in->u.mark.symbol, 0, sizeof in->u.mark.symbol))
		abort();
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
	buf = malloc(cap);
	if (!buf)
		return 0;
	tl_binance_map_init();
	tl_binance_arena_init(&a, buf, cap);

	emitted = want_calls = 0;
	rc = tl_binance_decode_marks(&a, (const char *)data + 2, size - 2, 1,
				     want, emit, NULL, &r);
	if (rc < TL_BN_E_ARG || rc > TL_BN_IGNORED || a.used > a.cap)
		abort();
	if (rc < 0 && (emitted || r.emitted))
		abort();
	if (rc >= 0 && (r.emitted != emitted || r.emitted + r.dropped != r.elements ||
			r.elements > TL_BINANCE_MARKS_MAX ||
			(rc == TL_BN_OK) != (emitted > 0)))
		abort();

	rc = tl_binance_decode_stream(&a, (const char *)data + 2, size - 2, 1, &d);
	if (rc < TL_BN_E_ARG || rc > TL_BN_ALGO_CHILD || a.used > a.cap ||
	    d.n > TL_BINANCE_OUT_MAX || (rc < 0 && d.n))
		abort();
	for (uint32_t i = 0; i < d.n; i++)
		if (!memchr(d.in[i].u.raw, 0, sizeof d.in[i].u.raw))
			abort();
	free(buf);
	return 0;
}
