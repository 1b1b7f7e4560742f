/*
 * fuzz_rest_symbol_status.c - libFuzzer target: the GET
 * /fapi/v1/exchangeInfo document re-read while running for the symbols'
 * trading status (io/binance/xwatch.c, tl_binance_xwatch_diff), whose
 * changes go to the kernel as SYMBOL_STATUS inputs.
 *
 * Input: byte 0 gives the statuses the watcher last saw for BTCUSDT,
 * ETHUSDT, SOLUSDT and XRPUSDT (bits 0-3) and the room for inputs
 * (bits 4-6: 0..7, 4 and more is room for all); the rest is the venue's
 * document. Properties (abort on failure):
 *   - -1 exactly when the document is not JSON with a "symbols" array,
 *     and then nothing is written and the statuses are unchanged;
 *   - otherwise at most min(room, symbols) inputs, each a SYMBOL_STATUS
 *     for one of the names in order, NUL-terminated, TRADING exactly when
 *     its venue word is "TRADING", and equal to the status then kept;
 *     a name's status changes only with an input for it;
 *   - with room for all, every status is what the document says
 *     (checked independently: the first element naming the symbol,
 *     TRADING only for status "TRADING"), and the same document again
 *     writes nothing.
 */
#include <stdint.h>

#include <cjson/cJSON.h>

#include "io/binance/xwatch.h"
#include "kernel/symbols.h"
#include "tests/fuzz/fuzz_common.h"

#define N 4

static const char *const names[N] = { "BTCUSDT", "ETHUSDT", "SOLUSDT", "XRPUSDT" };

/* What the document says of name: TL_SYM_TRADING or TL_SYM_HALTED. */
static uint8_t said(const cJSON *arr, const char *name)
{
	const cJSON *e;

	cJSON_ArrayForEach(e, arr) {
		const cJSON *s = cJSON_GetObjectItemCaseSensitive(e, "symbol");
		if (!cJSON_IsString(s) || strcmp(s->valuestring, name) != 0)
			continue;
		const cJSON *st = cJSON_GetObjectItemCaseSensitive(e, "status");
		return cJSON_IsString(st) && strcmp(st->valuestring, "TRADING") == 0 ?
			       TL_SYM_TRADING : TL_SYM_HALTED;
	}
	return TL_SYM_HALTED;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	tl_input_t out[N + 4];
	uint8_t st[N], before[N];
	uint32_t room;

	if (size < 1)
		return 0;
	for (int i = 0; i < N; i++)
		st[i] = (data[0] >> i) & 1 ? TL_SYM_HALTED : TL_SYM_TRADING;
	memcpy(before, st, sizeof st);
	room = (data[0] >> 4) & 7;
	const char *doc = (const char *)data + 1;
	size_t len = size - 1;

	cJSON *j = cJSON_ParseWithLength(doc, len);
	const cJSON *arr = cJSON_GetObjectItemCaseSensitive(j, "symbols");
	bool valid = cJSON_IsArray(arr);

	memset(out, 0x5c, sizeof out);
	int k = tl_binance_xwatch_diff(doc, len, names, st, N, out, room);
	if (!valid) {
		FZ_CHECK(k == -1);
		FZ_CHECK(memcmp(st, before, sizeof st) == 0);
		for (size_t b = 0; b < sizeof out; b++)
			FZ_CHECK(((const uint8_t *)out)[b] == 0x5c);
		cJSON_Delete(j);
		return 0;
	}
	FZ_CHECK(k >= 0 && (uint32_t)k <= room && k <= N);
	int at = 0;
	bool changed[N] = { false };
	for (int i = 0; i < k; i++) {
		const tl_in_symbol_status_t *s = &out[i].u.symstat;
		FZ_CHECK(out[i].hdr.type == TL_IN_SYMBOL_STATUS);
		FZ_TERMINATED(s->symbol);
		FZ_TERMINATED(s->venue_status);
		while (at < N && strcmp(names[at], s->symbol) != 0)
			at++;
		FZ_CHECK(at < N); /* one of the names, in order, each once */
		FZ_CHECK(s->status == TL_SYM_TRADING || s->status == TL_SYM_HALTED);
		FZ_CHECK((s->status == TL_SYM_TRADING) == (strcmp(s->venue_status, "TRADING") == 0));
		FZ_CHECK(s->status != before[at] && st[at] == s->status);
		FZ_CHECK(s->status == said(arr, names[at]));
		changed[at] = true;
		at++;
	}
	for (int i = 0; i < N; i++) {
		if (!changed[i])
			FZ_CHECK(st[i] == before[i]);
		if (room >= N)
			FZ_CHECK(st[i] == said(arr, names[i]));
	}
	if (room >= N)
		FZ_CHECK(tl_binance_xwatch_diff(doc, len, names, st, N, out, room) == 0);
	cJSON_Delete(j);
	return 0;
}
