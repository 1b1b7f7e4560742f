/*
 * test_utf8.c - kernel/utf8.c: cutting text on a character boundary and
 * strict decoding.
 */
#include <string.h>

#include "kernel/utf8.h"
#include "tests/support/tl_test.h"

static void test_trim_drops_a_cut_character_whole(void)
{
	const char *e = "ab\xF0\x9F\x92\xA5";	/* ab + 4-byte emoji */

	CU_ASSERT_EQUAL(tl_utf8_trim(e, 6), 6);
	CU_ASSERT_EQUAL(tl_utf8_trim(e, 5), 2);
	CU_ASSERT_EQUAL(tl_utf8_trim(e, 4), 2);
	CU_ASSERT_EQUAL(tl_utf8_trim(e, 3), 2);
	CU_ASSERT_EQUAL(tl_utf8_trim(e, 2), 2);
	CU_ASSERT_EQUAL(tl_utf8_trim("\xC3\xA9", 1), 0);
	CU_ASSERT_EQUAL(tl_utf8_trim("\x80\x80\x80\x80\x80", 5), 5); /* invalid: kept */
}

static void test_copy_62_ascii_and_emoji_into_64(void)
{
	char src[80], dst[64];

	memset(src, 'x', 62);
	memcpy(src + 62, "\xF0\x9F\x92\xA5", 5);
	CU_ASSERT_EQUAL(tl_utf8_copy(dst, sizeof dst, src), 62);
	CU_ASSERT_EQUAL(strlen(dst), 62);
	CU_ASSERT_EQUAL(tl_utf8_copy(dst, sizeof dst, NULL), 0);
	CU_ASSERT_STRING_EQUAL(dst, "");
}

static void test_decode_is_strict(void)
{
	uint32_t cp;

	CU_ASSERT_EQUAL(tl_utf8_decode("\xF0\x9F\x92\xA5", 4, &cp), 4);
	CU_ASSERT_EQUAL(cp, 0x1F4A5);
	CU_ASSERT_EQUAL(tl_utf8_decode("\xC3\xA9", 2, &cp), 2);
	CU_ASSERT_EQUAL(tl_utf8_decode("\xC0\xAF", 2, &cp), 0);	/* overlong */
	CU_ASSERT_EQUAL(tl_utf8_decode("\xED\xA0\x80", 3, &cp), 0); /* surrogate */
	CU_ASSERT_EQUAL(tl_utf8_decode("\xF4\x90\x80\x80", 4, &cp), 0); /* > U+10FFFF */
	CU_ASSERT_EQUAL(tl_utf8_decode("\xF0\x9F\x92", 3, &cp), 0); /* truncated */
	CU_ASSERT_EQUAL(tl_utf8_decode("\x80", 1, &cp), 0);
	CU_ASSERT_EQUAL(tl_utf8_decode("\xFF", 1, &cp), 0);
}

TL_TEST_SUITE("kernel.utf8", NULL, NULL,
	      TL_TEST(test_trim_drops_a_cut_character_whole),
	      TL_TEST(test_copy_62_ascii_and_emoji_into_64),
	      TL_TEST(test_decode_is_strict));
