/*
 * fuzz_rest_premium_index.c - libFuzzer target: the GET
 * /fapi/v1/premiumIndex answer polled while the mark stream is down
 * (io/binance/market.c, tl_binance_decode_premium_index), whose MARKs go
 * to the kernel.
 *
 * Input: byte 0 picks which of BTCUSDT, ETHUSDT, SOLUSDT are traded
 * (bits 0-2); the rest is the body. Properties (abort on failure):
 *   - -1 exactly when the body is not JSON, and then nothing emitted;
 *   - otherwise the result is the number emitted, each a MARK stamped
 *     with the given time, a traded symbol, NUL-terminated, price > 0;
 *   - the MARKs are exactly the elements (in order) an independent
 *     reading accepts: an object with string "symbol" traded and string
 *     "markPrice" a decimal > 0 by tl_fx_parse, price equal.
 */
#include <stdint.h>

#include <cjson/cJSON.h>

#include "io/binance/market.h"
#include "kernel/fixed.h"
#include "tests/fuzz/fuzz_common.h"

static const char *const names[3] = { "BTCUSDT", "ETHUSDT", "SOLUSDT" };
static unsigned traded;

static bool want(void *ctx, const char *sym)
{
	(void)ctx;
	for (int i = 0; i < 3; i++)
		if ((traded >> i) & 1 && strcmp(sym, names[i]) == 0)
			return true;
	return false;
}

static fz_sink_t sink;

static void emit(void *ctx, const tl_input_t *in)
{
	fz_sink_emit(ctx, in);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const tl_time_t now = 1700000000123456789LL;

	if (size < 1)
		return 0;
	traded = data[0] & 7;
	const char *body = (const char *)data + 1;
	size_t len = size - 1;
	sink.n = 0;
	int rc = tl_binance_decode_premium_index(body, len, now, want, emit, &sink);

	cJSON *j = cJSON_ParseWithLength(body, len);
	if (!j) {
		FZ_CHECK(rc == -1 && sink.n == 0);
		return 0;
	}
	FZ_CHECK(rc >= 0 && (unsigned)rc == sink.n);
	unsigned k = 0;
	const cJSON *e;
	cJSON_ArrayForEach(e, j) {
		const cJSON *s = cJSON_GetObjectItemCaseSensitive(e, "symbol");
		const cJSON *mp = cJSON_GetObjectItemCaseSensitive(e, "markPrice");
		tl_fx_t px;
		if (!cJSON_IsString(s) || !cJSON_IsString(mp) || !want(NULL, s->valuestring) ||
		    tl_fx_parse(mp->valuestring, strlen(mp->valuestring), &px) != TL_FX_OK ||
		    px <= 0)
			continue;
		FZ_CHECK(k < sink.n);
		const tl_input_t *in = &sink.in[k++];
		FZ_CHECK(in->hdr.type == TL_IN_MARK && in->hdr.time == now);
		FZ_TERMINATED(in->u.mark.symbol);
		FZ_CHECK(strcmp(in->u.mark.symbol, s->valuestring) == 0);
		FZ_CHECK(in->u.mark.price == px && px > 0);
	}
	FZ_CHECK(k == sink.n);
	cJSON_Delete(j);
	return 0;
}
