/*
 * json_esc.c - escape arbitrary bytes as the body of a JSON string (see
 * json_esc.h). Cold path: used for reports and status output.
 */
#include "persist/json_esc.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "kernel/utf8.h"

/* Length of the well-formed UTF-8 character at p (n bytes there), 0 when
 * p[0] does not start one: the kernel's strict decoder (kernel/utf8.h). */
static size_t tl_json_char_len(const unsigned char *p, size_t n)
{
	uint32_t cp;

	return tl_utf8_decode((const char *)p, n, &cp);
}

/* The escaped form of the character at p (k = its length, 0 = invalid
 * byte) into e; returns its length. */
static size_t tl_json_one(const unsigned char *p, size_t k, char e[8])
{
	static const char hex[] = "0123456789abcdef";

	if (k == 0) {
		memcpy(e, "\\ufffd", 6);
		return 6;
	}
	if (k > 1) {
		memcpy(e, p, k);
		return k;
	}
	if (p[0] == '"' || p[0] == '\\') {
		e[0] = '\\';
		e[1] = (char)p[0];
		return 2;
	}
	if (p[0] < 0x20 || p[0] == 0x7f) {
		memcpy(e, "\\u00", 4);
		e[4] = hex[p[0] >> 4];
		e[5] = hex[p[0] & 15];
		return 6;
	}
	e[0] = (char)p[0];
	return 1;
}

size_t tl_json_esc(char *dst, size_t cap, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t at = 0, total = 0;
	bool full = false;

	for (size_t i = 0; i < len;) {
		char e[8];
		size_t k = tl_json_char_len(p + i, len - i);
		size_t m = tl_json_one(p + i, k, e);

		if (!full && cap && at + m < cap) {
			memcpy(dst + at, e, m);
			at += m;
		} else {
			full = true;	/* never resume after a cut */
		}
		total += m;
		i += k ? k : 1;
	}
	if (cap)
		dst[at] = '\0';
	return total;
}

void tl_json_esc_fputs(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len = s ? strlen(s) : 0;

	for (size_t i = 0; i < len;) {
		char e[8];
		size_t k = tl_json_char_len(p + i, len - i);

		fwrite(e, 1, tl_json_one(p + i, k, e), f);
		i += k ? k : 1;
	}
}
