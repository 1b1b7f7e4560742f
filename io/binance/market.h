/*
 * market.h - the venue's market answers talon polls over REST: GET
 * /fapi/v1/time (the clock offset every signed request's timestamp
 * carries) and GET /fapi/v1/premiumIndex (mark prices while the mark
 * stream is down). Pure decoders: bytes in, values out, no I/O; fuzzed by
 * tests/fuzz/fuzz_rest_time.c and fuzz_rest_premium_index.c.
 */
#ifndef TL_BINANCE_MARKET_H
#define TL_BINANCE_MARKET_H

#include <stddef.h>
#include <stdint.h>

#include "io/binance/map.h"

/* 2100-01-01T00:00:00Z in ms: a later serverTime is not the venue's
 * clock (and its ns would be near int64's end). */
#define TL_BINANCE_TIME_MAX_MS 4102444800000LL

/*
 * The serverTime of a GET /fapi/v1/time answer (`{"serverTime":<ms>}`),
 * read from its first 127 bytes: plain decimal digits (no sign,
 * fraction or exponent: 1e300 is no time, not 1) ending inside them, in
 * (0, TL_BINANCE_TIME_MAX_MS). Returns 0 with *ms set, or -1 with *ms
 * untouched.
 */
int tl_binance_decode_server_time(const char *body, size_t len, int64_t *ms);

/*
 * A GET /fapi/v1/premiumIndex answer (all symbols: an array of objects
 * with "symbol" and "markPrice" strings): one MARK (hdr.time = now,
 * symbol, price) through emit for each element whose symbol is shorter
 * than TL_SYMBOL_NAMELEN and wanted, and whose markPrice is a decimal
 * > 0 (tl_fx_parse); any other element is skipped. Returns the MARKs
 * emitted, or -1 when the body is not JSON (nothing emitted). Allocates
 * (cJSON on the heap): the poll is once a second at most.
 */
int tl_binance_decode_premium_index(const char *body, size_t len, tl_time_t now,
				    tl_binance_want_fn want, tl_binance_mark_fn emit,
				    void *ctx);

#endif /* TL_BINANCE_MARKET_H */
