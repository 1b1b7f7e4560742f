/*
 * fuzz_rest_position_risk.c - libFuzzer target: the GET
 * /fapi/v3/positionRisk answer (io/binance/sync.c), which becomes a
 * POSITION_SNAPSHOT for the kernel's reconciliation.
 *
 * Input: byte 0 picks the snapshot source (start-up or monitor); the
 * rest is the body. Properties (abort on failure):
 *   - a body that is not a JSON array is refused: nothing emitted (the
 *     kernel never sees half a snapshot);
 *   - an array gives a well-formed snapshot (fuzz_bsync.h): POSITION
 *     entries only for symbols talon knows with a non-zero quantity and a
 *     valid position side, at most one per array element, then one END;
 *   - every input is well-formed (fuzz_common.h).
 */
#include "tests/fuzz/fuzz_bsync.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *body;
	size_t len;

	if (size < 1)
		return 0;
	fz_bsync_setup();
	body = (const char *)data + 1;
	len = size - 1;
	fz_bsync_answer(TL_BINANCE_SYNC_POSITIONS, data[0] & 1 ? TL_SNAP_MONITOR : TL_SNAP_START,
			body, len);
	if (!fz_is_array(body, len)) {
		FZ_CHECK(fz_out.n == 0);
		return 0;
	}
	fz_check_snapshot(&fz_out, len / 2);
	return 0;
}
