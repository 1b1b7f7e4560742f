/*
 * fuzz_sim_params.c - libFuzzer target: request parameters from the
 * query string and the form body (sim/params.c), and the percent
 * decoder under them.
 *
 * Input: the query, a NUL byte, the body (no NUL: all query). Properties
 * (abort on failure):
 *   - the result is 0, -1100 or -1101 (with that code in the error);
 *   - on 0: at most TL_SIM_PARAMS_MAX parameters, every name and value a
 *     NUL-terminated string inside the parameter buffer; every name is
 *     found by tl_sim_params_get (case-insensitively), and a name sent in
 *     both parts gives the query's value; no name twice in one part;
 *   - percent-decoding round trips: every value, encoded again (%XX for
 *     every byte), decodes to itself;
 *   - tl_sim_url_decode never writes past its capacity (checked at every
 *     capacity up to the text length + 1, into exactly sized buffers).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sim/params.h"

static tl_sim_params_t P;

static void check(bool ok)
{
	if (!ok)
		abort();
}

static bool in_buf(const char *s)
{
	return s >= P.buf && s < P.buf + P.used &&
	       memchr(s, 0, (size_t)(P.buf + P.used - s)) != NULL;
}

static void check_roundtrip(const char *v)
{
	size_t n = strlen(v);
	char *enc = malloc(n * 3 + 1), *dec = malloc(n + 1);
	static const char hex[] = "0123456789ABCDEF";

	for (size_t i = 0; i < n; i++) {
		enc[3 * i] = '%';
		enc[3 * i + 1] = hex[(unsigned char)v[i] >> 4];
		enc[3 * i + 2] = hex[(unsigned char)v[i] & 15];
	}
	check(tl_sim_url_decode(enc, n * 3, dec, n + 1) == (int)n);
	check(memcmp(dec, v, n + 1) == 0);
	free(enc);
	free(dec);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data, *nul = memchr(s, 0, size);
	size_t qlen = nul ? (size_t)(nul - s) : size;
	const char *body = nul ? nul + 1 : s + size;
	size_t blen = nul ? size - qlen - 1 : 0;
	tl_sim_err_t e;
	int rc;

	memset(&e, 0, sizeof e);
	rc = tl_sim_params_parse(&P, s, qlen, body, blen, &e);
	check(rc == 0 || rc == -1100 || rc == -1101);
	check(rc == 0 || e.code == rc);
	if (rc == 0) {
		check(P.n >= 0 && P.n <= TL_SIM_PARAMS_MAX && P.used <= sizeof P.buf);
		for (int i = 0; i < P.n; i++) {
			const tl_sim_param_t *p = &P.p[i];
			check(in_buf(p->name) && in_buf(p->value));
			const char *v = tl_sim_params_get(&P, p->name);
			check(v != NULL);
			if (!p->from_body)
				check(v == p->value);
			for (int j = 0; j < i; j++)
				check(P.p[j].from_body != p->from_body ||
				      strcasecmp(P.p[j].name, p->name) != 0);
			check_roundtrip(p->value);
		}
	}

	/* The decoder at every capacity, into an exactly sized buffer. */
	size_t lim = qlen < 64 ? qlen : 64;
	for (size_t cap = 0; cap <= lim + 1; cap++) {
		char *dst = malloc(cap ? cap : 1);
		int n = tl_sim_url_decode(s, lim, dst, cap);
		check(n < 0 || ((size_t)n < cap && dst[n] == '\0'));
		free(dst);
	}
	return 0;
}
