/*
 * utf8.c - cutting and checking UTF-8 text (see utf8.h).
 */
#include "kernel/utf8.h"

#include <string.h>

static int utf8_is_cont(unsigned char c)
{
	return (c & 0xC0) == 0x80;
}

/* Bytes of the character a lead byte starts; 0 for a byte that starts
 * none (continuation byte, F8-FF). */
static size_t utf8_seq_len(unsigned char c)
{
	if (c < 0x80)
		return 1;
	if ((c & 0xE0) == 0xC0)
		return 2;
	if ((c & 0xF0) == 0xE0)
		return 3;
	if ((c & 0xF8) == 0xF0)
		return 4;
	return 0;
}

size_t tl_utf8_trim(const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = n;

	/* The last lead byte, at most 3 continuation bytes back. */
	while (i > 0 && n - i < 4 && utf8_is_cont(s[i - 1]))
		i--;
	if (i == 0 || n - i >= 4)
		return n;	/* no lead byte near the end: nothing was cut */
	i--;
	size_t need = utf8_seq_len(s[i]);
	return need > n - i ? i : n;
}

size_t tl_utf8_copy(char *dst, size_t cap, const char *src)
{
	size_t len, n;

	if (!dst || cap == 0)
		return 0;
	if (!src)
		src = "";
	len = strnlen(src, cap - 1);
	n = tl_utf8_trim(src, len);
	memmove(dst, src, n);
	dst[n] = '\0';
	return n;
}

size_t tl_utf8_decode(const char *str, size_t len, uint32_t *cp)
{
	const unsigned char *s = (const unsigned char *)str;
	uint32_t c, min;
	size_t n;

	if (len == 0)
		return 0;
	c = s[0];
	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xC2 && c <= 0xDF) {
		n = 2;
		c &= 0x1F;
		min = 0x80;
	} else if (c >= 0xE0 && c <= 0xEF) {
		n = 3;
		c &= 0x0F;
		min = 0x800;
	} else if (c >= 0xF0 && c <= 0xF4) {
		n = 4;
		c &= 0x07;
		min = 0x10000;
	} else {
		return 0;	/* continuation byte, C0/C1, F5-FF */
	}
	if (len < n)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if (!utf8_is_cont(s[i]))
			return 0;
		c = (c << 6) | (s[i] & 0x3F);
	}
	if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
		return 0;
	*cp = c;
	return n;
}
