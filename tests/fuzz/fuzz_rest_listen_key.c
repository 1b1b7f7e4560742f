/*
 * fuzz_rest_listen_key.c - libFuzzer target: the POST /fapi/v1/listenKey
 * answer (io/binance/map.c, tl_binance_decode_listen_key), whose key
 * goes into the user stream's URL.
 *
 * Input: byte 0 picks the key buffer size (1..64, or 72 as the adapter
 * uses), the rest is the body. Properties (abort on failure):
 *   - the result is -1 or a length 1..cap-1; the key is NUL-terminated
 *     there, inside an exactly sized buffer (ASan sees an overrun), and
 *     holds no '"' (it cannot break out of the URL or a JSON string);
 *   - encode then decode round trips: {"listenKey":"<key>"} decodes to
 *     the same key;
 *   - the key comes from the body's first 511 bytes: a body cut there
 *     gives the same answer.
 */
#include <stdint.h>

#include "io/binance/map.h"
#include "tests/fuzz/fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *body;
	size_t len, cap;
	char *key, *again, doc[160];
	int n, m;

	if (size < 1)
		return 0;
	cap = data[0] == 0xFF ? 72 : (size_t)(data[0] & 63) + 1;
	body = (const char *)data + 1;
	len = size - 1;
	key = malloc(cap);
	again = malloc(cap);
	n = tl_binance_decode_listen_key(body, len, key, cap);
	FZ_CHECK(n == -1 || (n >= 1 && (size_t)n < cap));
	if (n > 0) {
		FZ_CHECK(strlen(key) == (size_t)n && !strchr(key, '"'));
		snprintf(doc, sizeof doc, "{\"listenKey\":\"%s\"}", key);
		m = tl_binance_decode_listen_key(doc, strlen(doc), again, cap);
		FZ_CHECK(m == n && strcmp(key, again) == 0);
	}
	if (len > 511) {
		m = tl_binance_decode_listen_key(body, 511, again, cap);
		FZ_CHECK(m == n && (n < 0 || strcmp(key, again) == 0));
	}
	free(key);
	free(again);
	return 0;
}
