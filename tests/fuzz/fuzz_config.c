/*
 * fuzz_config.c - libFuzzer target: the engine's config loader
 * (runtime/config.c, tl_config_parse): JSON text in, a config or an error out.
 *
 * Input: the config text (relative paths resolve against "/base").
 * Properties (abort on failure):
 *   - the result is 0 or -1; -1 comes with a one-line message and leaves
 *     the caller's config untouched, byte for byte;
 *   - 0 gives a config that does not depend on what the caller's struct
 *     held or on stack garbage: parsing again into a differently dirtied
 *     struct, with a differently dirtied stack, gives the same bytes;
 *   - the strings the rest of talon reads are NUL-terminated, and
 *     n_symbols is within TL_CFG_SYMBOLS_MAX;
 *   - parsing is total over prefixes: no prefix of a text crashes
 *     (checked for the first 64 bytes, one prefix per input length).
 */
#include <stdint.h>

#include "runtime/config.h"
#include "tests/fuzz/fuzz_common.h"

static tl_config_t A, B;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *json = (const char *)data;
	char err[256];
	int rc, rc2;

	memset(&A, 0x11, sizeof A);
	fz_dirty_stack(0x11);
	rc = tl_config_parse(&A, json, size, "/base", err, sizeof err);
	FZ_CHECK(rc == 0 || rc == -1);
	if (rc < 0) {
		static tl_config_t pat;
		memset(&pat, 0x11, sizeof pat);
		FZ_CHECK(memcmp(&A, &pat, sizeof A) == 0);
		FZ_CHECK(err[0] && memchr(err, 0, sizeof err) && !strchr(err, '\n'));
	} else {
		FZ_TERMINATED(A.exchange_info);
		FZ_TERMINATED(A.venue_type);
		FZ_TERMINATED(A.kernel.clid_prefix);
		FZ_CHECK(A.n_symbols <= TL_CFG_SYMBOLS_MAX);
		for (uint32_t i = 0; i < A.n_symbols; i++)
			FZ_TERMINATED(A.symbols[i]);
		memset(&B, 0xEE, sizeof B);
		fz_dirty_stack(0xEE);
		rc2 = tl_config_parse(&B, json, size, "/base", err, sizeof err);
		FZ_CHECK(rc2 == 0 && memcmp(&A, &B, sizeof A) == 0);
	}
	if (size > 1) {
		size_t cut = size % 64 < size ? size % 64 : size - 1;
		tl_config_parse(&B, json, cut, "/base", err, sizeof err);
	}
	return 0;
}
