/*
 * test_json_esc.c - persist/json_esc.c: any bytes in, a valid JSON string body
 * out (checked with cJSON), well-formed UTF-8 unchanged, everything else
 * escaped or replaced by U+FFFD, truncation never cutting an escape.
 */
#include "tests/support/tl_test.h"

#include "persist/json_esc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

static char *esc(const char *s, size_t len)
{
	static char buf[1024];
	size_t n = tl_json_esc(buf, sizeof(buf), s, len);
	CU_ASSERT(n < sizeof(buf));
	return buf;
}

/* "<body>" parses, and decodes to `want` (NULL: do not compare). */
static void parses_to(const char *body, const char *want)
{
	char doc[1100];
	snprintf(doc, sizeof(doc), "\"%s\"", body);
	cJSON *j = cJSON_Parse(doc);
	CU_ASSERT_PTR_NOT_NULL_FATAL(j);
	CU_ASSERT_TRUE(cJSON_IsString(j));
	if (want)
		CU_ASSERT_STRING_EQUAL(j->valuestring, want);
	cJSON_Delete(j);
}

static void test_escapes_and_passes_utf8(void)
{
	CU_ASSERT_STRING_EQUAL(esc("a\"b\\c", 5), "a\\\"b\\\\c");
	CU_ASSERT_STRING_EQUAL(esc("\x01\n\x1f\x7f", 4), "\\u0001\\u000a\\u001f\\u007f");
	/* 2-, 3- and 4-byte characters pass through */
	CU_ASSERT_STRING_EQUAL(esc("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", 9),
			       "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");
	parses_to(esc("q\"\\\x01\xe2\x82\xac", 7), "q\"\\\x01\xe2\x82\xac");
	/* an embedded NUL is escaped, not a terminator */
	CU_ASSERT_STRING_EQUAL(esc("a\0b", 3), "a\\u0000b");
}

static void test_invalid_utf8_becomes_fffd(void)
{
	/* a 4-byte character cut after 3 bytes, at the end */
	CU_ASSERT_STRING_EQUAL(esc("ok \xf0\x9f\x98", 6), "ok \\ufffd\\ufffd\\ufffd");
	parses_to(esc("ok \xf0\x9f\x98", 6), "ok \xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
	/* cut, then more text: the next character is kept */
	CU_ASSERT_STRING_EQUAL(esc("\xe2\x82" "A", 3), "\\ufffd\\ufffdA");
	/* overlongs, surrogates, > U+10FFFF, stray continuation, F5..FF */
	CU_ASSERT_STRING_EQUAL(esc("\xc0\x80", 2), "\\ufffd\\ufffd");
	CU_ASSERT_STRING_EQUAL(esc("\xe0\x80\x80", 3), "\\ufffd\\ufffd\\ufffd");
	CU_ASSERT_STRING_EQUAL(esc("\xed\xa0\x80", 3), "\\ufffd\\ufffd\\ufffd");
	CU_ASSERT_STRING_EQUAL(esc("\xf4\x90\x80\x80", 4), "\\ufffd\\ufffd\\ufffd\\ufffd");
	CU_ASSERT_STRING_EQUAL(esc("\x80", 1), "\\ufffd");
	CU_ASSERT_STRING_EQUAL(esc("\xff\xf5", 2), "\\ufffd\\ufffd");
	/* the largest valid ones still pass */
	CU_ASSERT_STRING_EQUAL(esc("\xf4\x8f\xbf\xbf", 4), "\xf4\x8f\xbf\xbf");
	CU_ASSERT_STRING_EQUAL(esc("\xed\x9f\xbf", 3), "\xed\x9f\xbf");
}

/* Every byte string of length 1..3 over a spread of byte values, and
 * random ones: the output always parses. */
static void test_any_bytes_parse(void)
{
	static const unsigned char v[] = { 0, 1, 0x1f, ' ', '"', '\\', 'a', 0x7f,
		0x80, 0xbf, 0xc0, 0xc2, 0xdf, 0xe0, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xff };
	size_t nv = sizeof(v);
	char in[4];
	for (size_t a = 0; a < nv; a++)
		for (size_t b = 0; b < nv; b++)
			for (size_t c = 0; c < nv; c++) {
				in[0] = (char)v[a];
				in[1] = (char)v[b];
				in[2] = (char)v[c];
				parses_to(esc(in, 3), NULL);
			}
	unsigned x = 12345;
	char r[64];
	for (int i = 0; i < 2000; i++) {
		for (size_t k = 0; k < sizeof(r); k++) {
			x = x * 1103515245u + 12345u;
			r[k] = (char)(x >> 16);
		}
		parses_to(esc(r, sizeof(r)), NULL);
	}
}

static void test_truncation_never_cuts_an_escape(void)
{
	char small[8];
	/* "ab" + \u0001 (6) needs 8 + NUL: only "ab" fits */
	size_t n = tl_json_esc(small, sizeof(small), "ab\x01", 3);
	CU_ASSERT_EQUAL(n, 8);
	CU_ASSERT_STRING_EQUAL(small, "ab");
	/* a 3-byte character that does not fit is left out whole */
	n = tl_json_esc(small, 4, "ab\xe2\x82\xac", 5);
	CU_ASSERT_EQUAL(n, 5);
	CU_ASSERT_STRING_EQUAL(small, "ab");
	/* after a cut nothing further is added, even if it would fit */
	n = tl_json_esc(small, sizeof(small), "abcd\x01z", 6);
	CU_ASSERT_STRING_EQUAL(small, "abcd");
	CU_ASSERT_EQUAL(tl_json_esc(NULL, 0, "\"", 1), 2);
}

static void test_fputs_matches(void)
{
	static const char s[] = "x\"\\\x01\xf0\x9f\x98";
	FILE *f = tmpfile();
	char buf[128];
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	tl_json_esc_fputs(f, s);
	tl_json_esc_fputs(f, NULL);
	rewind(f);
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	CU_ASSERT_STRING_EQUAL(buf, esc(s, strlen(s)));
}

TL_TEST_SUITE("io.json_esc", NULL, NULL,
	      TL_TEST(test_escapes_and_passes_utf8),
	      TL_TEST(test_invalid_utf8_becomes_fffd),
	      TL_TEST(test_any_bytes_parse),
	      TL_TEST(test_truncation_never_cuts_an_escape),
	      TL_TEST(test_fputs_matches));
