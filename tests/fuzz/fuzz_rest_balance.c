/*
 * fuzz_rest_balance.c - libFuzzer target: the GET /fapi/v3/balance
 * answer (io/binance/sync.c), whose USDT wallet balance the next
 * position snapshot's END carries to the kernel.
 *
 * Input: the body. The balance answer is decoded, then an empty
 * positionRisk answer ("[]") completes the snapshot. Properties (abort
 * on failure):
 *   - the balance answer alone emits nothing (a body that is not a
 *     JSON array is refused);
 *   - for an array, the snapshot is exactly one END whose balance is the
 *     "balance" of the last element with "asset":"USDT" (0 when there is
 *     none), a decimal string parsed exactly (tl_fx_parse), else 0.
 */
#include "tests/fuzz/fuzz_bsync.h"

/* The expected balance, computed independently with cJSON. */
static tl_fx_t expected(const char *body, size_t len)
{
	cJSON *j = cJSON_ParseWithLength(body, len);
	const cJSON *e;
	tl_fx_t bal = 0;

	cJSON_ArrayForEach(e, j) {
		const cJSON *a = cJSON_GetObjectItemCaseSensitive(e, "asset");
		const cJSON *b = cJSON_GetObjectItemCaseSensitive(e, "balance");
		if (!cJSON_IsString(a) || strcmp(a->valuestring, "USDT") != 0)
			continue;
		bal = 0;
		if (cJSON_IsString(b))
			tl_fx_parse(b->valuestring, strlen(b->valuestring), &bal);
	}
	cJSON_Delete(j);
	return bal;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *body = (const char *)data;

	fz_bsync_setup();
	fz_bsync_answer(TL_BINANCE_SYNC_BALANCE, TL_SNAP_START, body, size);
	FZ_CHECK(fz_out.n == 0);
	if (!fz_is_array(body, size))
		return 0;
	/* The balance was taken: positionRisk is what it asks next. */
	fz_bsync_answer(TL_BINANCE_SYNC_POSITIONS, TL_SNAP_START, "[]", 2);
	fz_check_snapshot(&fz_out, 0);
	FZ_CHECK(fz_out.in[0].u.snap.balance == expected(body, size));
	return 0;
}
