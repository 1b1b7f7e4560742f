/*
 * fuzz_rest_time.c - libFuzzer target: the GET /fapi/v1/time answer
 * (io/binance/market.c, tl_binance_decode_server_time), whose serverTime
 * sets the clock offset every signed request's timestamp carries.
 *
 * Input: the body. Properties (abort on failure):
 *   - -1 leaves the output untouched; 0 gives a time in
 *     (0, TL_BINANCE_TIME_MAX_MS) whose decimal digits follow the first
 *     "serverTime": of the body's first 127 bytes (after spaces), ended
 *     by neither a digit, a '.' nor an exponent;
 *   - that time goes through the clock (tl_binance_clock_update, then
 *     tl_binance_clock_ms now and a day later) without overflow, and
 *     the venue's time comes back within the round trip.
 */
#define _GNU_SOURCE
#include <stdint.h>

#include "io/binance/market.h"
#include "io/binance/sign.h"
#include "tests/fuzz/fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *body = (const char *)data;
	int64_t ms = -7;
	char digits[32];

	int rc = tl_binance_decode_server_time(body, size, &ms);
	FZ_CHECK(rc == 0 || rc == -1);
	if (rc < 0) {
		FZ_CHECK(ms == -7);
		return 0;
	}
	FZ_CHECK(ms > 0 && ms < TL_BINANCE_TIME_MAX_MS);
	const char *p = memmem(body, size < 127 ? size : 127, "\"serverTime\":", 13);
	FZ_CHECK(p != NULL);
	p += 13;
	size_t left = (size_t)(body + (size < 127 ? size : 127) - p);
	while (left && *p == ' ')
		p++, left--;
	int n = snprintf(digits, sizeof digits, "%lld", (long long)ms);
	/* leading zeros are digits too: skip them before comparing */
	while (left > (size_t)n && *p == '0')
		p++, left--;
	FZ_CHECK(left >= (size_t)n && memcmp(p, digits, (size_t)n) == 0);
	if (left > (size_t)n)
		FZ_CHECK(!(p[n] >= '0' && p[n] <= '9') && p[n] != '.' && p[n] != 'e' &&
			 p[n] != 'E');

	tl_binance_clock_t c;
	memset(&c, 0, sizeof c);
	tl_time_t t_send = 1700000000000000000LL, t_recv = t_send + 3000000;
	FZ_CHECK(tl_binance_clock_update(&c, ms, t_send, t_recv) == 0);
	int64_t back = tl_binance_clock_ms(&c, t_send + 1500000);
	FZ_CHECK(back >= ms - 2 && back <= ms + 2);
	(void)tl_binance_clock_ms(&c, t_recv + 86400LL * TL_NS_PER_S);
	return 0;
}
