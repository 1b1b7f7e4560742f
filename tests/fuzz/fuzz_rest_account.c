/*
 * fuzz_rest_account.c - libFuzzer target: the venue `account` call's
 * answers (io/binance/call.c): GET /fapi/v2/balance and GET
 * /fapi/v2/positionRisk into tl_venue_account_t.
 *
 * Input: byte 0 picks the answer (balance or positionRisk) and how many
 * positions the account already holds; the rest is the body.
 * Properties (abort on failure):
 *   - -1 exactly when the body is not JSON, and then the account is
 *     untouched byte for byte;
 *   - balance: only balance and available change (nothing else in the
 *     account);
 *   - positionRisk: positions are only appended, never past
 *     TL_VENUE_MAX_POS, each with a NUL-terminated symbol, a non-zero
 *     quantity and a valid position side; one per array element at most.
 */
#include <stdint.h>

#include <cjson/cJSON.h>

#include "io/binance/binance.h"
#include "tests/fuzz/fuzz_common.h"

static tl_venue_account_t A, B;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *body;
	size_t len;
	unsigned held;
	int rc;

	if (size < 1)
		return 0;
	body = (const char *)data + 1;
	len = size - 1;
	memset(&A, 0x3C, sizeof A);
	held = (data[0] >> 1) % (TL_VENUE_MAX_POS + 1);
	A.n_pos = held;
	B = A;

	cJSON *j = cJSON_ParseWithLength(body, len);
	bool json = j != NULL;
	size_t elems = json && cJSON_IsArray(j) ? (size_t)cJSON_GetArraySize(j) : 0;
	cJSON_Delete(j);

	if (data[0] & 1) {
		rc = tl_binance_account_positions(body, len, &A);
		FZ_CHECK(rc == (json ? 0 : -1));
		FZ_CHECK(A.balance == B.balance && A.available == B.available);
		FZ_CHECK(A.n_pos >= held && A.n_pos <= TL_VENUE_MAX_POS);
		FZ_CHECK(A.n_pos - held <= elems);
		FZ_CHECK(memcmp(A.pos, B.pos, sizeof A.pos[0] * held) == 0);
		for (unsigned i = held; i < A.n_pos; i++) {
			FZ_TERMINATED(A.pos[i].symbol);
			FZ_CHECK(A.pos[i].qty != 0 && A.pos[i].pos_side <= TL_PS_SHORT);
		}
		if (rc < 0)
			FZ_CHECK(memcmp(&A, &B, sizeof A) == 0);
	} else {
		rc = tl_binance_account_balance(body, len, &A);
		FZ_CHECK(rc == (json ? 0 : -1));
		A.balance = B.balance;
		A.available = B.available;
		FZ_CHECK(memcmp(&A, &B, sizeof A) == 0);
	}
	return 0;
}
