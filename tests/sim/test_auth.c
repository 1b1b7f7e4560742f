/*
 * test_auth.c - signatures (Binance USD-M API docs test vectors), params
 * parsing rules, and the timestamp window.
 */
#include "tests/support/tl_test.h"

#include <string.h>

#include "sim/auth.h"
#include "sim/params.h"

static const char *KEY =
	"2b5eb11e18796d12d88f13dc27dbbd02c2cc51ff7059765ed9821957d82bb4d9";
static const char *Q1 =
	"symbol=BTCUSDT&side=BUY&type=LIMIT&quantity=1&price=9000&timeInForce=GTC&recvWindow=5000&timestamp=1591702613943";
static const char *SIG1 =
	"3c661234138461fcc7a7d8746c6558c9842d4e10870d2ecbedf7777cad694af9";
static const char *Q2 = "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC";
static const char *B2 =
	"quantity=1&price=9000&recvWindow=5000&timestamp=1591702613943";
static const char *SIG2 =
	"30baaf0fab549bbeda7f5ef201898b34122da25fd23c646cac2c529aebe670a4";

static void test_hmac_doc_vector_query(void)
{
	char out[65];

	CU_ASSERT_EQUAL(tl_sim_hmac_hex(KEY, strlen(KEY), Q1, strlen(Q1), out), 0);
	CU_ASSERT_STRING_EQUAL(out, SIG1);
}

static void test_hmac_doc_vector_mixed(void)
{
	char msg[512], out[65];

	snprintf(msg, sizeof msg, "%s%s", Q2, B2);
	CU_ASSERT_EQUAL(tl_sim_hmac_hex(KEY, strlen(KEY), msg, strlen(msg), out), 0);
	CU_ASSERT_STRING_EQUAL(out, SIG2);
}

static void test_verify_signature_in_query(void)
{
	char q[512];
	tl_sim_err_t e;

	snprintf(q, sizeof q, "%s&signature=%s", Q1, SIG1);
	CU_ASSERT_EQUAL(tl_sim_auth_verify(KEY, q, strlen(q), "", 0, &e), 0);
}

static void test_verify_signature_in_body(void)
{
	char b[512];
	tl_sim_err_t e;

	snprintf(b, sizeof b, "%s&signature=%s", Q1, SIG1);
	CU_ASSERT_EQUAL(tl_sim_auth_verify(KEY, "", 0, b, strlen(b), &e), 0);
	snprintf(b, sizeof b, "%s&signature=%s", B2, SIG2);
	CU_ASSERT_EQUAL(tl_sim_auth_verify(KEY, Q2, strlen(Q2), b, strlen(b), &e), 0);
}

static void test_verify_uppercase_hex_accepted(void)
{
	char q[512], up[65];
	tl_sim_err_t e;
	int i;

	for (i = 0; i < 64; i++)
		up[i] = (SIG1[i] >= 'a' && SIG1[i] <= 'f') ? (char)(SIG1[i] - 32) : SIG1[i];
	up[64] = 0;
	snprintf(q, sizeof q, "%s&signature=%s", Q1, up);
	CU_ASSERT_EQUAL(tl_sim_auth_verify(KEY, q, strlen(q), "", 0, &e), 0);
}

static void test_verify_rejects_bad_signature(void)
{
	char q[512];
	tl_sim_err_t e;

	snprintf(q, sizeof q, "%s&signature=%s", Q1, SIG2);
	CU_ASSERT_EQUAL(tl_sim_auth_verify(KEY, q, strlen(q), "", 0, &e), -1022);
	CU_ASSERT_EQUAL(e.http, 400);
	/* tampered parameter */
	snprintf(q, sizeof q, "%s&signature=%s", Q1, SIG1);
	q[7] = 'E';
	CU_ASSERT_EQUAL(tl_sim_auth_verify(KEY, q, strlen(q), "", 0, &e), -1022);
	/* short signature */
	CU_ASSERT_EQUAL(tl_sim_auth_verify(KEY, "a=1&signature=abc", 17, "", 0, &e), -1022);
	/* wrong secret */
	snprintf(q, sizeof q, "%s&signature=%s", Q1, SIG1);
	CU_ASSERT_EQUAL(tl_sim_auth_verify("other", q, strlen(q), "", 0, &e), -1022);
}

static void test_verify_missing_signature_is_1102(void)
{
	tl_sim_err_t e;

	CU_ASSERT_EQUAL(tl_sim_auth_verify(KEY, Q1, strlen(Q1), "", 0, &e), -1102);
	CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "'signature'"));
}

static void test_ct_equal(void)
{
	CU_ASSERT_TRUE(tl_sim_ct_equal("abc", "abc", 3));
	CU_ASSERT_FALSE(tl_sim_ct_equal("abc", "abd", 3));
}

static void test_time_window(void)
{
	tl_sim_err_t e;
	int64_t now = 1591702613943LL;

	CU_ASSERT_EQUAL(tl_sim_auth_time("1591702613943", NULL, now, 60000, &e), 0);
	/* 999 ms ahead is fine, 1000 ms ahead is not */
	CU_ASSERT_EQUAL(tl_sim_auth_time("1591702614942", NULL, now, 60000, &e), 0);
	CU_ASSERT_EQUAL(tl_sim_auth_time("1591702614943", NULL, now, 60000, &e), -1021);
	/* default window 5000 ms */
	CU_ASSERT_EQUAL(tl_sim_auth_time("1591702608943", NULL, now, 60000, &e), 0);
	CU_ASSERT_EQUAL(tl_sim_auth_time("1591702608942", NULL, now, 60000, &e), -1021);
	CU_ASSERT_EQUAL(tl_sim_auth_time("1591702608942", "10000", now, 60000, &e), 0);
	CU_ASSERT_EQUAL(tl_sim_auth_time("1591702608942", "70000", now, 60000, &e), -1130);
	CU_ASSERT_EQUAL(tl_sim_auth_time(NULL, NULL, now, 60000, &e), -1102);
	CU_ASSERT_EQUAL(tl_sim_auth_time("12x", NULL, now, 60000, &e), -1102);
}

static void test_params_query_wins_and_case(void)
{
	static tl_sim_params_t p;
	tl_sim_err_t e;
	const char *q = "symbol=BTCUSDT&Price=1";
	const char *b = "price=2&QUANTITY=0.5&batchOrders=%5B%7B%22a%22%3A%221%22%7D%5D&raw=[{\"x\":1}]";

	CU_ASSERT_EQUAL(tl_sim_params_parse(&p, q, strlen(q), b, strlen(b), &e), 0);
	CU_ASSERT_STRING_EQUAL(tl_sim_params_get(&p, "price"), "1");
	CU_ASSERT_STRING_EQUAL(tl_sim_params_get(&p, "quantity"), "0.5");
	CU_ASSERT_STRING_EQUAL(tl_sim_params_get(&p, "batchorders"), "[{\"a\":\"1\"}]");
	CU_ASSERT_STRING_EQUAL(tl_sim_params_get(&p, "raw"), "[{\"x\":1}]");
	CU_ASSERT_PTR_NULL(tl_sim_params_get(&p, "missing"));
}

static void test_params_errors(void)
{
	static tl_sim_params_t p;
	tl_sim_err_t e;

	CU_ASSERT_EQUAL(tl_sim_params_parse(&p, "a=%zz", 5, "", 0, &e), -1100);
	CU_ASSERT_EQUAL(tl_sim_params_parse(&p, "a=%4", 4, "", 0, &e), -1100);
	CU_ASSERT_EQUAL(tl_sim_params_parse(&p, "a=1&A=2", 7, "", 0, &e), -1101);
	CU_ASSERT_EQUAL(tl_sim_params_parse(&p, "a=1&&b=2", 8, "", 0, &e), 0);
	CU_ASSERT_STRING_EQUAL(tl_sim_params_get(&p, "b"), "2");
	CU_ASSERT_EQUAL(tl_sim_params_parse(&p, "a=x+y%20z", 9, "", 0, &e), 0);
	CU_ASSERT_STRING_EQUAL(tl_sim_params_get(&p, "a"), "x y z");
	{
		char big[4000];
		int i, n = 0;
		for (i = 0; i < 60; i++)
			n += snprintf(big + n, sizeof big - (size_t)n, "p%d=1&", i);
		CU_ASSERT_EQUAL(tl_sim_params_parse(&p, big, (size_t)n, "", 0, &e), -1101);
	}
}

TL_TEST_SUITE("sim.auth", NULL, NULL,
	      TL_TEST(test_hmac_doc_vector_query),
	      TL_TEST(test_hmac_doc_vector_mixed),
	      TL_TEST(test_verify_signature_in_query),
	      TL_TEST(test_verify_signature_in_body),
	      TL_TEST(test_verify_uppercase_hex_accepted),
	      TL_TEST(test_verify_rejects_bad_signature),
	      TL_TEST(test_verify_missing_signature_is_1102),
	      TL_TEST(test_ct_equal),
	      TL_TEST(test_time_window),
	      TL_TEST(test_params_query_wins_and_case),
	      TL_TEST(test_params_errors));
