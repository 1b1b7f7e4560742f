/*
 * test_binance_sign.c - io/binance/sign.c: HMAC-SHA256 signatures against
 * the test vectors of Binance USD-M API docs, the append helper, the key
 * schedule's reuse, secret hygiene (never in an output, never stored as
 * text, wiped), no allocation while signing, and the clock offset math.
 */
#define _GNU_SOURCE   /* memmem */
#include "tests/support/tl_test.h"
#include "tests/support/alloc_hook.h"

#include "io/binance/sign.h"
#include "sim/auth.h"

#include <errno.h>
#include <string.h>

/* Binance USD-M API docs */
#define SECRET "2b5eb11e18796d12d88f13dc27dbbd02c2cc51ff7059765ed9821957d82bb4d9"
#define APIKEY "dbefbc809e3e83c283a984c3a1459732ea7db1360ca80c5c2c8867408d28cc83"
#define V1_PARAMS "symbol=BTCUSDT&side=BUY&type=LIMIT&quantity=1&price=9000" \
		  "&timeInForce=GTC&recvWindow=5000&timestamp=1591702613943"
#define V1_SIG "3c661234138461fcc7a7d8746c6558c9842d4e10870d2ecbedf7777cad694af9"
#define V2_QUERY "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC"
#define V2_BODY "quantity=1&price=9000&recvWindow=5000&timestamp=1591702613943"
#define V2_SIG "30baaf0fab549bbeda7f5ef201898b34122da25fd23c646cac2c529aebe670a4"

static tl_binance_signer_t S;

static void setup(void)
{
	CU_ASSERT_EQUAL_FATAL(tl_binance_signer_init(&S, APIKEY, SECRET), 0);
}

static void teardown(void)
{
	tl_binance_signer_wipe(&S);
}

static void test_vector_query_only(void)
{
	char sig[65];

	CU_ASSERT_EQUAL(tl_binance_sign_hex(&S, V1_PARAMS, strlen(V1_PARAMS),
					    NULL, 0, sig), 0);
	CU_ASSERT_STRING_EQUAL(sig, V1_SIG);
}

static void test_vector_body_only_same_signature(void)
{
	char sig[65];

	CU_ASSERT_EQUAL(tl_binance_sign_hex(&S, NULL, 0, V1_PARAMS,
					    strlen(V1_PARAMS), sig), 0);
	CU_ASSERT_STRING_EQUAL(sig, V1_SIG);
}

static void test_vector_mixed_no_separator(void)
{
	char sig[65];

	CU_ASSERT_EQUAL(tl_binance_sign_hex(&S, V2_QUERY, strlen(V2_QUERY),
					    V2_BODY, strlen(V2_BODY), sig), 0);
	CU_ASSERT_STRING_EQUAL(sig, V2_SIG);
}

/* The docs' printed f9d0ae5e...36f2 comes from a stray space: proves the
 * bytes are signed exactly as given. */
static void test_vector_doc_typo_with_space(void)
{
	static const char body[] =
		"quantity=1&price=9000&recvWindow=5000&timestamp= 1591702613943";
	char sig[65];

	CU_ASSERT_EQUAL(tl_binance_sign_hex(&S, V2_QUERY, strlen(V2_QUERY),
					    body, strlen(body), sig), 0);
	CU_ASSERT_NSTRING_EQUAL(sig, "f9d0ae5e", 8);
	CU_ASSERT_STRING_EQUAL(sig + 60, "36f2");
}

/* The key schedule survives wc_HmacFinal: same input, same output. */
static void test_schedule_reused_across_signatures(void)
{
	char a[65], b[65], c[65];

	for (int i = 0; i < 100; i++) {
		CU_ASSERT_EQUAL(tl_binance_sign_hex(&S, V1_PARAMS, strlen(V1_PARAMS),
						    NULL, 0, a), 0);
		CU_ASSERT_EQUAL(tl_binance_sign_hex(&S, V2_QUERY, strlen(V2_QUERY),
						    V2_BODY, strlen(V2_BODY), b), 0);
	}
	CU_ASSERT_STRING_EQUAL(a, V1_SIG);
	CU_ASSERT_STRING_EQUAL(b, V2_SIG);
	CU_ASSERT_EQUAL(tl_binance_sign_hex(&S, "", 0, NULL, 0, c), 0);
	CU_ASSERT_EQUAL(strlen(c), 64);
}

static void test_append_to_query(void)
{
	char buf[512] = V1_PARAMS;
	int n = tl_binance_sign_append(&S, buf, strlen(buf), sizeof buf, NULL, 0);

	CU_ASSERT_EQUAL(n, (int)strlen(V1_PARAMS) + TL_BINANCE_SIG_PARAM_LEN);
	CU_ASSERT_STRING_EQUAL(buf, V1_PARAMS "&signature=" V1_SIG);
	CU_ASSERT_EQUAL((int)strlen(buf), n);
}

static void test_append_to_body_behind_query(void)
{
	char body[512] = V2_BODY;
	int n = tl_binance_sign_append(&S, body, strlen(body), sizeof body,
				       V2_QUERY, strlen(V2_QUERY));

	CU_ASSERT(n > 0);
	CU_ASSERT_STRING_EQUAL(body, V2_BODY "&signature=" V2_SIG);
}

static void test_append_to_empty(void)
{
	char buf[128] = "";
	int n = tl_binance_sign_append(&S, buf, 0, sizeof buf, NULL, 0);

	CU_ASSERT_EQUAL(n, 10 + 64);
	CU_ASSERT_NSTRING_EQUAL(buf, "signature=", 10);
}

static void test_append_enospc_leaves_buffer(void)
{
	size_t len = strlen(V1_PARAMS);
	size_t exact = len + TL_BINANCE_SIG_PARAM_LEN + 1;
	char buf[512];

	memcpy(buf, V1_PARAMS, len + 1);
	CU_ASSERT_EQUAL(tl_binance_sign_append(&S, buf, len, exact - 1, NULL, 0),
			-ENOSPC);
	CU_ASSERT_STRING_EQUAL(buf, V1_PARAMS);
	CU_ASSERT_EQUAL(tl_binance_sign_append(&S, buf, len, exact, NULL, 0),
			(int)(exact - 1));
}

/* The simulator's verifier accepts what the signer produced. */
static void test_simulator_verifies_signature(void)
{
	char buf[512] = V1_PARAMS;
	tl_sim_err_t e;
	int n = tl_binance_sign_append(&S, buf, strlen(buf), sizeof buf, NULL, 0);

	CU_ASSERT_FATAL(n > 0);
	CU_ASSERT_EQUAL(tl_sim_auth_verify(SECRET, buf, (size_t)n, "", 0, &e), 0);
	buf[20] ^= 1;   /* tamper */
	CU_ASSERT_EQUAL(tl_sim_auth_verify(SECRET, buf, (size_t)n, "", 0, &e), -1022);
}

static void test_init_rejects_bad_keys(void)
{
	tl_binance_signer_t s;
	char sig[65], longkey[TL_BINANCE_APIKEY_MAX + 2];

	memset(longkey, 'a', sizeof longkey - 1);
	longkey[sizeof longkey - 1] = '\0';
	CU_ASSERT_EQUAL(tl_binance_signer_init(&s, "", SECRET), -EINVAL);
	CU_ASSERT_EQUAL(tl_binance_signer_init(&s, APIKEY, ""), -EINVAL);
	CU_ASSERT_EQUAL(tl_binance_signer_init(&s, NULL, SECRET), -EINVAL);
	CU_ASSERT_EQUAL(tl_binance_signer_init(&s, "a b", SECRET), -EINVAL);
	CU_ASSERT_EQUAL(tl_binance_signer_init(&s, "a\r\nX: y", SECRET), -EINVAL);
	CU_ASSERT_EQUAL(tl_binance_signer_init(&s, longkey, SECRET), -EINVAL);
	/* A refused init leaves a signer that cannot sign. */
	CU_ASSERT_EQUAL(tl_binance_sign_hex(&s, "a", 1, NULL, 0, sig), -EINVAL);
	CU_ASSERT_STRING_EQUAL(tl_binance_signer_api_key(&s), "");
	longkey[TL_BINANCE_APIKEY_MAX] = '\0';
	CU_ASSERT_EQUAL(tl_binance_signer_init(&s, longkey, SECRET), 0);
	tl_binance_signer_wipe(&s);
}

static void test_api_key_exposed_for_header(void)
{
	CU_ASSERT_STRING_EQUAL(tl_binance_signer_api_key(&S), APIKEY);
}

static bool has_bytes(const void *hay, size_t n, const char *needle)
{
	return memmem(hay, n, needle, strlen(needle)) != NULL;
}

/* The secret text is never kept in the signer (only the padded HMAC key
 * blocks) and never appears in any output; half of it neither. */
static void test_secret_never_in_signer_or_outputs(void)
{
	char buf[1024] = V1_PARAMS, sig[65];
	int n = tl_binance_sign_append(&S, buf, strlen(buf), sizeof buf, NULL, 0);

	CU_ASSERT_FATAL(n > 0);
	CU_ASSERT_EQUAL(tl_binance_sign_hex(&S, NULL, 0, NULL, 0, sig), 0);
	CU_ASSERT_FALSE(has_bytes(&S, sizeof S, SECRET));
	CU_ASSERT_FALSE(has_bytes(&S, sizeof S, "2b5eb11e18796d12"));
	CU_ASSERT_FALSE(has_bytes(buf, sizeof buf, "2b5eb11e18796d12"));
	CU_ASSERT_FALSE(has_bytes(sig, sizeof sig, "2b5eb11e"));
}

static void test_wipe_zeroes_everything(void)
{
	tl_binance_signer_t s;
	char sig[65];
	static const unsigned char zero[sizeof(tl_binance_signer_t)];

	CU_ASSERT_EQUAL_FATAL(tl_binance_signer_init(&s, APIKEY, SECRET), 0);
	tl_binance_signer_wipe(&s);
	CU_ASSERT_EQUAL(memcmp(&s, zero, sizeof s), 0);
	CU_ASSERT_EQUAL(tl_binance_sign_hex(&s, "a", 1, NULL, 0, sig), -EINVAL);
	tl_binance_signer_wipe(&s);   /* twice is fine */
	CU_ASSERT_EQUAL(memcmp(&s, zero, sizeof s), 0);
}

static void test_signing_does_not_allocate(void)
{
	char buf[512] = V2_BODY, sig[65];
	int rc1, rc2;

	tl_alloc_hook_arm();
	rc1 = tl_binance_sign_hex(&S, V1_PARAMS, strlen(V1_PARAMS), NULL, 0, sig);
	rc2 = tl_binance_sign_append(&S, buf, strlen(buf), sizeof buf,
				     V2_QUERY, strlen(V2_QUERY));
	size_t allocs = tl_alloc_hook_disarm();
	CU_ASSERT_EQUAL(allocs, 0);
	CU_ASSERT_EQUAL(rc1, 0);
	CU_ASSERT(rc2 > 0);
}

static void test_clock_offset_midpoint(void)
{
	tl_binance_clock_t c;

	tl_binance_clock_init(&c);
	CU_ASSERT_EQUAL(c.offset_ns, 0);
	/* sent at 1000 ms, received at 1010 ms local; server said 1505 ms:
	 * offset = 1505e6 - 1005e6 = 500 ms. */
	CU_ASSERT_EQUAL(tl_binance_clock_update(&c, 1505, 1000 * TL_NS_PER_MS,
						1010 * TL_NS_PER_MS), 0);
	CU_ASSERT_EQUAL(c.offset_ns, 500 * TL_NS_PER_MS);
	CU_ASSERT_EQUAL(c.rtt_ns, 10 * TL_NS_PER_MS);
	CU_ASSERT_EQUAL(c.samples, 1);
	CU_ASSERT_EQUAL(tl_binance_clock_ms(&c, 2000 * TL_NS_PER_MS), 2500);
	CU_ASSERT_EQUAL(tl_binance_clock_ms(&c, 2000 * TL_NS_PER_MS + 999999), 2500);
	/* Local clock ahead of the server: negative offset. */
	CU_ASSERT_EQUAL(tl_binance_clock_update(&c, 1591702613943LL,
						1591702614943LL * TL_NS_PER_MS,
						1591702614943LL * TL_NS_PER_MS + 3), 0);
	CU_ASSERT_EQUAL(c.offset_ns, -1000 * TL_NS_PER_MS - 1);
	CU_ASSERT_EQUAL(tl_binance_clock_ms(&c, 1591702614943LL * TL_NS_PER_MS),
			1591702613942LL);   /* floor of ...942.999999 */
}

static void test_clock_rejects_bad_samples(void)
{
	tl_binance_clock_t c;

	tl_binance_clock_init(&c);
	c.offset_ns = 7;
	CU_ASSERT_EQUAL(tl_binance_clock_update(&c, 1000, 20, 10), -EINVAL);
	CU_ASSERT_EQUAL(tl_binance_clock_update(&c, 0, 10, 20), -EINVAL);
	CU_ASSERT_EQUAL(tl_binance_clock_update(&c, INT64_MAX / 1000, 10, 20), -EINVAL);
	CU_ASSERT_EQUAL(c.offset_ns, 7);
	CU_ASSERT_EQUAL(c.samples, 0);
}

TL_TEST_SUITE("io.binance_sign", setup, teardown,
	      TL_TEST(test_vector_query_only),
	      TL_TEST(test_vector_body_only_same_signature),
	      TL_TEST(test_vector_mixed_no_separator),
	      TL_TEST(test_vector_doc_typo_with_space),
	      TL_TEST(test_schedule_reused_across_signatures),
	      TL_TEST(test_append_to_query),
	      TL_TEST(test_append_to_body_behind_query),
	      TL_TEST(test_append_to_empty),
	      TL_TEST(test_append_enospc_leaves_buffer),
	      TL_TEST(test_simulator_verifies_signature),
	      TL_TEST(test_init_rejects_bad_keys),
	      TL_TEST(test_api_key_exposed_for_header),
	      TL_TEST(test_secret_never_in_signer_or_outputs),
	      TL_TEST(test_wipe_zeroes_everything),
	      TL_TEST(test_signing_does_not_allocate),
	      TL_TEST(test_clock_offset_midpoint),
	      TL_TEST(test_clock_rejects_bad_samples));
