/*
 * test_wsapi.c - io/binance/wsapi.c and the Ed25519 signer of sign.c:
 * the REST -> ws-fapi method map; request frames built from real
 * tl_binance_encode_order/cancel/query output (limit, market reduce-only,
 * hedge, algo), checked as JSON with their types; the HMAC signature
 * against openssl over the documented payload (params + apiKey sorted);
 * Ed25519 against RFC 8032 and openssl, logon frames verified with the
 * public key; every encoder refusal; response frames of each shape fed
 * to the unchanged tl_binance_decode_response, giving the inputs the REST
 * body gives; rateLimits and retryAfter numbers; every decoder refusal;
 * no allocation while encoding or decoding; key hygiene.
 */
#define _GNU_SOURCE
#include "tests/support/tl_test.h"
#include "tests/support/alloc_hook.h"

#include "io/binance/map.h"
#include "io/binance/sign.h"
#include "io/binance/wsapi.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/ed25519.h>
#include <wolfssl/wolfcrypt/hmac.h>

#define ONE TL_FX_ONE
#define TS 1700000000000LL
#define NOW ((tl_time_t)1700000000123456789LL)

/* Binance USD-M API docs' HMAC example key pair. */
#define SECRET "2b5eb11e18796d12d88f13dc27dbbd02c2cc51ff7059765ed9821957d82bb4d9"
#define APIKEY "dbefbc809e3e83c283a984c3a1459732ea7db1360ca80c5c2c8867408d28cc83"

/* RFC 8032 7.1 test 1 secret key as PKCS#8 PEM (what openssl genpkey and
 * Binance's key generator write); its public key from `openssl pkey
 * -pubout`, and signatures from `openssl pkeyutl -sign -rawin`. */
#define RFC_PEM "-----BEGIN PRIVATE KEY-----\n" \
	"MC4CAQAwBQYDK2VwBCIEIJ1hsZ3v/VpguoRK9JLsLMREScVpezJpGXA7rAMcrn9g\n" \
	"-----END PRIVATE KEY-----\n"
#define RFC_PEM_BODY "MC4CAQAwBQYDK2VwBCIEIJ1hsZ3v/VpguoRK9JLsLMREScVpezJpGXA7rAMcrn9g"
static const unsigned char RFC_PUB[32] = {
	0xd7, 0x5a, 0x98, 0x01, 0x82, 0xb1, 0x0a, 0xb7, 0xd5, 0x4b, 0xfe,
	0xd3, 0xc9, 0x64, 0x07, 0x3a, 0x0e, 0xe1, 0x72, 0xf3, 0xda, 0xa6,
	0x23, 0x25, 0xaf, 0x02, 0x1a, 0x68, 0xf7, 0x07, 0x51, 0x1a,
};
/* RFC 8032 test 1: the signature of the empty message. */
#define RFC_SIG_EMPTY_B64 "5VZDAMNgrHKQhuLMgG6CioSHfx645dl02HPgZSJJAVVfuIIVkKM7rMYeOXAc+bRr0lv18FlbviRlUUFDjnoQCw=="
/* openssl: the logon payload apiKey=APIKEY&timestamp=TS. */
#define LOGON_SIG_B64 "G9Qjnfhn+SSBoWmVx7AjIqFtTJbpo83+vR4vVnHeFB3uCipmsyXgtskYMPT3cAjqKWHpR4AcKAZufUnJeVQxAQ=="
/* An EC P-256 key in the same PKCS#8 wrapping: a PEM private key that is
 * not Ed25519. */
#define EC_PEM "-----BEGIN PRIVATE KEY-----\n" \
	"MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg0IhyUEBWHurHAIQs\n" \
	"4y2DOjhpmDAjeseqUPV/FPTz4TehRANCAATnkwBEWSyspb+Dirsr241f3rd/AO2+\n" \
	"1nr/K8ApCZBtE9ncVe0TbuEY7tbmWoq8LZT9ZhkV9L61ZdwiZGxBdVOD\n" \
	"-----END PRIVATE KEY-----\n"

static tl_symbol_t BTC;
static unsigned char arena_buf[64 * 1024];
static tl_binance_arena_t A;
static tl_binance_decoded_t D, D2;
static char Q[4096], F[TL_BINANCE_WSAPI_REQ_MAX];
static tl_binance_http_t H;
static tl_binance_signer_t SH, SE;   /* HMAC, Ed25519 */

static int suite_init(void)
{
	tl_binance_map_init();
	memset(&BTC, 0, sizeof BTC);
	strcpy(BTC.name, "BTCUSDT");
	BTC.price_precision = 2;
	BTC.qty_precision = 3;
	tl_binance_arena_init(&A, arena_buf, sizeof arena_buf);
	if (tl_binance_signer_init(&SH, APIKEY, SECRET) != 0)
		return -1;
	if (tl_binance_signer_init_ed25519(&SE, APIKEY, RFC_PEM, strlen(RFC_PEM),
					   NULL, 0) != 0)
		return -1;
	return 0;
}

static int suite_clean(void)
{
	tl_binance_signer_wipe(&SH);
	tl_binance_signer_wipe(&SE);
	return 0;
}

static tl_out_req_t req(const char *clid, uint8_t side, uint8_t type,
			tl_fx_t qty, tl_fx_t price)
{
	tl_out_req_t r;

	memset(&r, 0, sizeof r);
	snprintf(r.client_id, sizeof r.client_id, "%s", clid);
	snprintf(r.symbol, sizeof r.symbol, "BTCUSDT");
	r.side = side;
	r.type = type;
	r.qty = qty;
	r.price = price;
	r.attempt = 1;
	return r;
}

/* Encode r over REST, then as a frame; the frame must be JSON. */
static cJSON *frame_of(const tl_out_req_t *r, bool hedge, tl_binance_signer_t *s,
		       const char **method)
{
	int n = tl_binance_encode_order(r, &BTC, hedge, TS, 5000, &H, Q, sizeof Q);

	CU_ASSERT_FATAL(n > 0);
	CU_ASSERT_EQUAL_FATAL(tl_binance_wsapi_method(&H, method), 0);
	int m = tl_binance_wsapi_encode(F, sizeof F, 42, *method, Q, (size_t)n, s);
	CU_ASSERT_FATAL(m > 0);
	CU_ASSERT_EQUAL(m, (int)strlen(F));
	cJSON *j = cJSON_Parse(F);
	CU_ASSERT_PTR_NOT_NULL_FATAL(j);
	return j;
}

static const char *jstr(const cJSON *o, const char *k)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsString(it) ? it->valuestring : NULL;
}

/* ======================================================================= */
/* Method map                                                              */
/* ======================================================================= */

static void test_method_map(void)
{
	static const struct {
		tl_binance_method_t m;
		const char *path, *want;
	} t[] = {
		{ TL_BN_POST, "/fapi/v1/order", "order.place" },
		{ TL_BN_DELETE, "/fapi/v1/order", "order.cancel" },
		{ TL_BN_GET, "/fapi/v1/order", "order.status" },
		{ TL_BN_PUT, "/fapi/v1/order", "order.modify" },
		{ TL_BN_POST, "/fapi/v1/algoOrder", "algoOrder.place" },
		{ TL_BN_DELETE, "/fapi/v1/algoOrder", "algoOrder.cancel" },
		{ TL_BN_GET, "/fapi/v1/algoOrder", NULL },
		{ TL_BN_PUT, "/fapi/v1/algoOrder", NULL },
		{ TL_BN_POST, "/fapi/v1/batchOrders", NULL },
		{ TL_BN_POST, "/fapi/v1/countdownCancelAll", NULL },
		{ TL_BN_GET, "/fapi/v2/positionRisk", NULL },
	};
	const char *m;

	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		tl_binance_http_t h = { .method = t[i].m, .path = t[i].path };
		int rc = tl_binance_wsapi_method(&h, &m);
		if (t[i].want) {
			CU_ASSERT_EQUAL(rc, 0);
			CU_ASSERT_STRING_EQUAL(m, t[i].want);
		} else {
			CU_ASSERT_EQUAL(rc, -ENOTSUP);
			CU_ASSERT_PTR_NULL(m);
		}
	}
	tl_binance_http_t none = { .method = TL_BN_GET, .path = NULL };
	CU_ASSERT_EQUAL(tl_binance_wsapi_method(&none, &m), -EINVAL);
	CU_ASSERT_EQUAL(tl_binance_wsapi_method(NULL, &m), -EINVAL);
}

/* The map follows what the encoders set, for each request kind. */
static void test_method_from_encoders(void)
{
	tl_out_req_t r = req("tl-1", TL_BUY, TL_ORD_LIMIT, ONE, 50000 * ONE);
	const char *m;

	r.tif = TL_TIF_GTC;
	CU_ASSERT(tl_binance_encode_cancel(&r, TS, 5000, &H, Q, sizeof Q) > 0);
	CU_ASSERT_EQUAL(tl_binance_wsapi_method(&H, &m), 0);
	CU_ASSERT_STRING_EQUAL(m, "order.cancel");
	CU_ASSERT(tl_binance_encode_query(&r, TS, 5000, &H, Q, sizeof Q) > 0);
	CU_ASSERT_EQUAL(tl_binance_wsapi_method(&H, &m), 0);
	CU_ASSERT_STRING_EQUAL(m, "order.status");
	r.type = TL_ORD_STOP_MARKET;
	r.stop_price = 49000 * ONE;
	CU_ASSERT(tl_binance_encode_order(&r, &BTC, false, TS, 5000, &H, Q, sizeof Q) > 0);
	CU_ASSERT_EQUAL(tl_binance_wsapi_method(&H, &m), 0);
	CU_ASSERT_STRING_EQUAL(m, "algoOrder.place");
	CU_ASSERT(tl_binance_encode_cancel(&r, TS, 5000, &H, Q, sizeof Q) > 0);
	CU_ASSERT_EQUAL(tl_binance_wsapi_method(&H, &m), 0);
	CU_ASSERT_STRING_EQUAL(m, "algoOrder.cancel");
	CU_ASSERT(tl_binance_encode_query(&r, TS, 5000, &H, Q, sizeof Q) > 0);
	CU_ASSERT_EQUAL(tl_binance_wsapi_method(&H, &m), -ENOTSUP);
}

/* ======================================================================= */
/* Request frames                                                          */
/* ======================================================================= */

/* Logged-on session (no signer): the exact frame, params sorted,
 * timestamp/recvWindow numbers, the rest strings, the client id's ':'
 * decoded from the query's %3A. */
static void test_encode_limit_logged_on_golden(void)
{
	tl_out_req_t r = req("tl:1", TL_BUY, TL_ORD_LIMIT, ONE / 100,
			     5000010 * ONE / 100);
	const char *m;

	r.tif = TL_TIF_GTC;
	cJSON *j = frame_of(&r, false, NULL, &m);
	CU_ASSERT_PTR_NOT_NULL(strstr(Q, "newClientOrderId=tl%3A1"));
	CU_ASSERT_STRING_EQUAL(F,
		"{\"id\":\"42\",\"method\":\"order.place\",\"params\":{"
		"\"newClientOrderId\":\"tl:1\",\"newOrderRespType\":\"RESULT\","
		"\"positionSide\":\"BOTH\",\"price\":\"50000.10\","
		"\"quantity\":\"0.010\",\"recvWindow\":5000,\"side\":\"BUY\","
		"\"symbol\":\"BTCUSDT\",\"timeInForce\":\"GTC\","
		"\"timestamp\":1700000000000,\"type\":\"LIMIT\"}}");
	cJSON_Delete(j);
}

static void test_encode_market_reduce_only(void)
{
	tl_out_req_t r = req("tl-2", TL_SELL, TL_ORD_MARKET, ONE / 100, 0);
	const char *m;

	r.reduce_only = 1;
	cJSON *j = frame_of(&r, false, &SH, &m);
	const cJSON *p = cJSON_GetObjectItemCaseSensitive(j, "params");
	CU_ASSERT_STRING_EQUAL(jstr(j, "id"), "42");
	CU_ASSERT_STRING_EQUAL(jstr(j, "method"), "order.place");
	CU_ASSERT_STRING_EQUAL(jstr(p, "type"), "MARKET");
	CU_ASSERT_STRING_EQUAL(jstr(p, "reduceOnly"), "true");
	CU_ASSERT_STRING_EQUAL(jstr(p, "quantity"), "0.010");
	CU_ASSERT_STRING_EQUAL(jstr(p, "apiKey"), APIKEY);
	CU_ASSERT_PTR_NULL(cJSON_GetObjectItemCaseSensitive(p, "price"));
	CU_ASSERT_PTR_NULL(cJSON_GetObjectItemCaseSensitive(p, "timeInForce"));
	CU_ASSERT(cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(p, "timestamp")));
	CU_ASSERT_EQUAL(strlen(jstr(p, "signature")), 64);
	cJSON_Delete(j);
}

static void test_encode_hedge(void)
{
	tl_out_req_t r = req("tl-3", TL_SELL, TL_ORD_LIMIT, ONE, 50000 * ONE);
	const char *m;

	r.tif = TL_TIF_IOC;
	r.pos_side = TL_PS_LONG;
	r.reduce_only = 1;   /* never sent in hedge mode */
	cJSON *j = frame_of(&r, true, NULL, &m);
	const cJSON *p = cJSON_GetObjectItemCaseSensitive(j, "params");
	CU_ASSERT_STRING_EQUAL(jstr(p, "positionSide"), "LONG");
	CU_ASSERT_STRING_EQUAL(jstr(p, "timeInForce"), "IOC");
	CU_ASSERT_PTR_NULL(cJSON_GetObjectItemCaseSensitive(p, "reduceOnly"));
	CU_ASSERT_PTR_NULL(cJSON_GetObjectItemCaseSensitive(p, "apiKey"));
	CU_ASSERT_PTR_NULL(cJSON_GetObjectItemCaseSensitive(p, "signature"));
	cJSON_Delete(j);
}

static void test_encode_algo_and_cancel(void)
{
	tl_out_req_t r = req("tl-4", TL_SELL, TL_ORD_STOP_MARKET, 0, 0);
	const char *m;

	r.close_position = 1;
	r.stop_price = 49000 * ONE;
	cJSON *j = frame_of(&r, false, &SH, &m);
	const cJSON *p = cJSON_GetObjectItemCaseSensitive(j, "params");
	CU_ASSERT_STRING_EQUAL(m, "algoOrder.place");
	CU_ASSERT_STRING_EQUAL(jstr(p, "algoType"), "CONDITIONAL");
	CU_ASSERT_STRING_EQUAL(jstr(p, "closePosition"), "true");
	CU_ASSERT_STRING_EQUAL(jstr(p, "triggerPrice"), "49000.00");
	CU_ASSERT_STRING_EQUAL(jstr(p, "clientAlgoId"), "tl-4");
	cJSON_Delete(j);

	int n = tl_binance_encode_cancel(&r, TS, 0, &H, Q, sizeof Q);
	CU_ASSERT_FATAL(n > 0);
	CU_ASSERT_EQUAL(tl_binance_wsapi_method(&H, &m), 0);
	CU_ASSERT(tl_binance_wsapi_encode(F, sizeof F, 7, m, Q, (size_t)n, NULL) > 0);
	CU_ASSERT_STRING_EQUAL(F,
		"{\"id\":\"7\",\"method\":\"algoOrder.cancel\",\"params\":{"
		"\"clientAlgoId\":\"tl-4\",\"timestamp\":1700000000000}}");
}

/* The HMAC signature: openssl over the documented payload (every param
 * but signature, apiKey included, sorted by key, key=value joined by
 * '&', values as the form carries them), computed independently:
 *   printf '%s' "$P" | openssl dgst -sha256 -hmac SECRET */
static void test_encode_hmac_signature_vector(void)
{
	static const char payload[] =
		"apiKey=" APIKEY "&newClientOrderId=tl%3A1"
		"&newOrderRespType=RESULT&positionSide=BOTH&price=50000.10"
		"&quantity=0.010&recvWindow=5000&side=BUY&symbol=BTCUSDT"
		"&timeInForce=GTC&timestamp=1700000000000&type=LIMIT";
	static const char want[] =
		"6b870e1a918aaf34051eb169fa1e738583ddb9fc1f1eab0e24ea70bbd42cbc3e";
	tl_out_req_t r = req("tl:1", TL_BUY, TL_ORD_LIMIT, ONE / 100,
			     5000010 * ONE / 100);
	unsigned char mac[32];
	char hex[65];
	const char *m;
	Hmac h;

	/* The constant is what wolfCrypt computes over the payload too. */
	CU_ASSERT_EQUAL_FATAL(wc_HmacInit(&h, NULL, INVALID_DEVID), 0);
	CU_ASSERT_EQUAL(wc_HmacSetKey(&h, WC_SHA256, (const byte *)SECRET,
				      strlen(SECRET)), 0);
	CU_ASSERT_EQUAL(wc_HmacUpdate(&h, (const byte *)payload, strlen(payload)), 0);
	CU_ASSERT_EQUAL(wc_HmacFinal(&h, mac), 0);
	wc_HmacFree(&h);
	for (int i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", mac[i]);
	CU_ASSERT_STRING_EQUAL(hex, want);

	r.tif = TL_TIF_GTC;
	cJSON *j = frame_of(&r, false, &SH, &m);
	const cJSON *p = cJSON_GetObjectItemCaseSensitive(j, "params");
	CU_ASSERT_STRING_EQUAL(jstr(p, "signature"), want);
	CU_ASSERT_STRING_EQUAL(jstr(p, "newClientOrderId"), "tl:1");
	/* The secret appears nowhere in the frame. */
	CU_ASSERT_PTR_NULL(strstr(F, SECRET));
	cJSON_Delete(j);
}

/* ---- Ed25519 ---------------------------------------------------------- */

static bool ed_verify(const char *b64, const char *msg)
{
	static const char al[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	unsigned char sig[66];
	size_t n = strlen(b64), o = 0;
	uint32_t acc = 0;
	int bits = 0, res = 0;
	ed25519_key k;

	if (n != 88)
		return false;
	for (size_t i = 0; i < n && b64[i] != '='; i++) {
		const char *c = strchr(al, b64[i]);
		if (!c)
			return false;
		acc = acc << 6 | (uint32_t)(c - al);
		if ((bits += 6) >= 8) {
			bits -= 8;
			sig[o++] = (unsigned char)(acc >> bits);
		}
	}
	if (o != 64)
		return false;
	if (wc_ed25519_init(&k) != 0 ||
	    wc_ed25519_import_public(RFC_PUB, 32, &k) != 0)
		return false;
	int rc = wc_ed25519_verify_msg(sig, 64, (const byte *)msg,
				       (word32)strlen(msg), &res, &k);
	wc_ed25519_free(&k);
	return rc == 0 && res == 1;
}

static void test_ed25519_rfc8032_vector(void)
{
	char sig[TL_BINANCE_SIG_B64 + 1];

	CU_ASSERT_EQUAL(tl_binance_signer_kind(&SE), TL_BINANCE_SIGN_ED25519);
	CU_ASSERT_EQUAL(tl_binance_signer_kind(&SH), TL_BINANCE_SIGN_HMAC);
	CU_ASSERT_EQUAL(tl_binance_sign_ed25519_b64(&SE, NULL, 0, sig), 0);
	CU_ASSERT_STRING_EQUAL(sig, RFC_SIG_EMPTY_B64);
	CU_ASSERT(ed_verify(sig, ""));
	CU_ASSERT_FALSE(ed_verify(sig, "x"));
	/* Each key kind signs only its way. */
	CU_ASSERT_EQUAL(tl_binance_sign_ed25519_b64(&SH, "a", 1, sig), -EINVAL);
	char hex[65];
	CU_ASSERT_EQUAL(tl_binance_sign_hex(&SE, "a", 1, NULL, 0, hex), -EINVAL);
}

static void test_logon_frame_verifies(void)
{
	const char *m;
	int n = tl_binance_wsapi_encode_logon(F, sizeof F, 1, &SE, TS);

	CU_ASSERT_FATAL(n > 0);
	CU_ASSERT_STRING_EQUAL(F,
		"{\"id\":\"1\",\"method\":\"session.logon\",\"params\":{"
		"\"apiKey\":\"" APIKEY "\",\"timestamp\":1700000000000,"
		"\"signature\":\"" LOGON_SIG_B64 "\"}}");
	CU_ASSERT(ed_verify(LOGON_SIG_B64,
			    "apiKey=" APIKEY "&timestamp=1700000000000"));
	/* Logon needs an Ed25519 key; a bad timestamp is refused. */
	CU_ASSERT_EQUAL(tl_binance_wsapi_encode_logon(F, sizeof F, 1, &SH, TS), -EINVAL);
	CU_ASSERT_STRING_EQUAL(F, "");
	CU_ASSERT_EQUAL(tl_binance_wsapi_encode_logon(F, sizeof F, 1, NULL, TS), -EINVAL);
	CU_ASSERT_EQUAL(tl_binance_wsapi_encode_logon(F, sizeof F, 1, &SE, 0), -EINVAL);
	CU_ASSERT_EQUAL(tl_binance_wsapi_encode_logon(F, 40, 1, &SE, TS), -ENOSPC);

	/* A per-request Ed25519 signature verifies over the sorted payload. */
	tl_out_req_t r = req("tl-5", TL_BUY, TL_ORD_MARKET, ONE, 0);
	cJSON *j = frame_of(&r, false, &SE, &m);
	const cJSON *p = cJSON_GetObjectItemCaseSensitive(j, "params");
	CU_ASSERT(ed_verify(jstr(p, "signature"),
		"apiKey=" APIKEY "&newClientOrderId=tl-5&newOrderRespType=RESULT"
		"&positionSide=BOTH&quantity=1.000&recvWindow=5000&side=BUY"
		"&symbol=BTCUSDT&timestamp=1700000000000&type=MARKET"));
	cJSON_Delete(j);
}

/* REST with an Ed25519 key: base64 percent-encoded as the last param. */
static void test_ed25519_rest_append(void)
{
	char b[512] = "symbol=BTCUSDT&timestamp=1700000000000";
	char sig[TL_BINANCE_SIG_B64 + 1], enc[300];
	size_t len = strlen(b), e = 0;
	int n;

	CU_ASSERT_EQUAL(tl_binance_sign_ed25519_b64(&SE, b, len, sig), 0);
	for (const char *c = sig; *c; c++) {
		if (*c == '+' || *c == '/' || *c == '=')
			e += (size_t)snprintf(enc + e, sizeof enc - e, "%%%02X", *c);
		else
			enc[e++] = *c;
	}
	enc[e] = '\0';
	n = tl_binance_sign_append(&SE, b, len, sizeof b, NULL, 0);
	CU_ASSERT_EQUAL(n, (int)(len + 11 + e));
	CU_ASSERT_NSTRING_EQUAL(b + len, "&signature=", 11);
	CU_ASSERT_STRING_EQUAL(b + len + 11, enc);
	CU_ASSERT(ed_verify(sig, "symbol=BTCUSDT&timestamp=1700000000000"));
	CU_ASSERT(len + 11 + e <= len + TL_BINANCE_SIG_PARAM_MAX);
	/* A query prefix cannot be signed in one piece: refused. */
	b[len] = '\0';
	CU_ASSERT_EQUAL(tl_binance_sign_append(&SE, b, len, sizeof b, "a=1", 3), -EINVAL);
	CU_ASSERT_EQUAL(tl_binance_sign_append(&SE, b, len, len + 20, NULL, 0), -ENOSPC);
}

/* Every refusal of init_ed25519 has a message, and none quotes the key. */
static void test_ed25519_init_refusals_never_leak(void)
{
	static const struct {
		const char *key, *pem, *msg;
	} t[] = {
		{ "", RFC_PEM, "api key" },
		{ "bad key", RFC_PEM, "api key" },
		{ APIKEY, "", "empty" },
		{ APIKEY, RFC_PEM_BODY, "not a PEM" },
		{ APIKEY, "-----BEGIN PRIVATE KEY-----\n" RFC_PEM_BODY "\n", "does not decode" },
		{ APIKEY, "-----BEGIN PRIVATE KEY-----\n!!!!\n-----END PRIVATE KEY-----\n",
		  "does not decode" },
		{ APIKEY, EC_PEM, "not an Ed25519" },
	};
	tl_binance_signer_t s;
	char err[256];

	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		memset(err, 'x', sizeof err);
		CU_ASSERT_EQUAL(tl_binance_signer_init_ed25519(&s, t[i].key, t[i].pem,
							       strlen(t[i].pem),
							       err, sizeof err),
				-EINVAL);
		CU_ASSERT_PTR_NOT_NULL(memchr(err, '\0', sizeof err));
		CU_ASSERT_PTR_NOT_NULL(strstr(err, t[i].msg));
		if (!strstr(err, t[i].msg))
			fprintf(stderr, "\n%zu: %s\n", i, err);
		/* No 6-character run of either key's base64 in the message. */
		for (size_t k = 0; k + 6 <= strlen(RFC_PEM_BODY); k++)
			CU_ASSERT_PTR_NULL(memmem(err, strlen(err), RFC_PEM_BODY + k, 6));
		for (size_t k = 28; k + 6 <= 90; k++)
			CU_ASSERT_PTR_NULL(memmem(err, strlen(err), EC_PEM + k, 6));
		CU_ASSERT_EQUAL(tl_binance_signer_kind(&s), TL_BINANCE_SIGN_NONE);
	}
	char big[TL_BINANCE_PEM_MAX + 2];
	memset(big, 'A', sizeof big);
	CU_ASSERT_EQUAL(tl_binance_signer_init_ed25519(&s, APIKEY, big, sizeof big,
						       err, sizeof err), -EINVAL);
	/* NULL err is allowed. */
	CU_ASSERT_EQUAL(tl_binance_signer_init_ed25519(&s, APIKEY, "x", 1, NULL, 0),
			-EINVAL);
}

/* The private key is in the signer only until wipe; wipe zeroes all. */
static void test_ed25519_wipe(void)
{
	static const unsigned char priv[8] = {
		0x9d, 0x61, 0xb1, 0x9d, 0xef, 0xfd, 0x5a, 0x60,
	};
	tl_binance_signer_t s;
	static const tl_binance_signer_t zero;

	CU_ASSERT_EQUAL_FATAL(tl_binance_signer_init_ed25519(&s, "k", RFC_PEM,
							     strlen(RFC_PEM),
							     NULL, 0), 0);
	CU_ASSERT_PTR_NOT_NULL(memmem(&s, sizeof s, priv, sizeof priv));
	tl_binance_signer_wipe(&s);
	CU_ASSERT_EQUAL(memcmp(&s, &zero, sizeof s), 0);
	char sig[TL_BINANCE_SIG_B64 + 1];
	CU_ASSERT_EQUAL(tl_binance_sign_ed25519_b64(&s, "a", 1, sig), -EINVAL);
}

/* A key written by `openssl genpkey -algorithm ed25519` as-is. */
static void test_ed25519_openssl_pem(void)
{
	static const char pem[] =
		"-----BEGIN PRIVATE KEY-----\r\n"
		"MC4CAQAwBQYDK2VwBCIEIBhbK99MZ4INJaviq1Be304rcxgdb2fcTJ1xX2yS/xCy\r\n"
		"-----END PRIVATE KEY-----\r\n";
	tl_binance_signer_t s;
	char sig[TL_BINANCE_SIG_B64 + 1];

	CU_ASSERT_EQUAL_FATAL(tl_binance_signer_init_ed25519(&s, "k", pem,
							     strlen(pem),
							     NULL, 0), 0);
	CU_ASSERT_EQUAL(tl_binance_sign_ed25519_b64(&s, "m", 1, sig), 0);
	CU_ASSERT_EQUAL(strlen(sig), 88);
	tl_binance_signer_wipe(&s);
}

static void write_file(const char *path, const char *text, size_t n, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_EQUAL(write(fd, text, n), (ssize_t)n);
	close(fd);
	CU_ASSERT_EQUAL(chmod(path, mode), 0);
}

/* venue.binance.ed25519_key_file at start: the same key as the PEM, the
 * file's checks again on the open descriptor, messages with the path and
 * never the key. */
static void test_ed25519_load_file(void)
{
	char dir[] = "/tmp/tl_wsapi_key_XXXXXX", path[96], err[256];
	char a[TL_BINANCE_SIG_B64 + 1], b[TL_BINANCE_SIG_B64 + 1];
	tl_binance_signer_t s;

	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/key.pem", dir);
	write_file(path, RFC_PEM, strlen(RFC_PEM), 0600);
	CU_ASSERT_EQUAL_FATAL(tl_binance_signer_load_ed25519(&s, APIKEY, path, err,
							     sizeof err), 0);
	CU_ASSERT_EQUAL(tl_binance_sign_ed25519_b64(&s, "m", 1, a), 0);
	CU_ASSERT_EQUAL(tl_binance_sign_ed25519_b64(&SE, "m", 1, b), 0);
	CU_ASSERT_STRING_EQUAL(a, b);
	CU_ASSERT_STRING_EQUAL(tl_binance_signer_api_key(&s), APIKEY);
	tl_binance_signer_wipe(&s);

	/* Too open. */
	CU_ASSERT_EQUAL(chmod(path, 0640), 0);
	CU_ASSERT_EQUAL(tl_binance_signer_load_ed25519(&s, APIKEY, path, err,
						       sizeof err), -EACCES);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, path));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "mode 0640: expected 0600 or stricter"));
	CU_ASSERT_PTR_NULL(strstr(err, "MC4CAQAw"));
	CU_ASSERT_EQUAL(tl_binance_signer_kind(&s), TL_BINANCE_SIGN_NONE);
	/* Not a key: the parser's reason, never the text. */
	write_file(path, EC_PEM, strlen(EC_PEM), 0600);
	CU_ASSERT_EQUAL(tl_binance_signer_load_ed25519(&s, APIKEY, path, err,
						       sizeof err), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "not an Ed25519 PKCS#8 private key"));
	CU_ASSERT_PTR_NULL(strstr(err, "MIGHAgEA"));
	/* Too large. */
	char big[TL_BINANCE_PEM_MAX + 1];
	memset(big, 'A', sizeof big);
	write_file(path, big, sizeof big, 0600);
	CU_ASSERT_EQUAL(tl_binance_signer_load_ed25519(&s, APIKEY, path, err,
						       sizeof err), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "larger than 4096 bytes"));
	/* A directory; a missing file; no path. */
	CU_ASSERT_EQUAL(tl_binance_signer_load_ed25519(&s, APIKEY, dir, err,
						       sizeof err), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "not a regular file"));
	unlink(path);
	CU_ASSERT_EQUAL(tl_binance_signer_load_ed25519(&s, APIKEY, path, err,
						       sizeof err), -ENOENT);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "No such file"));
	CU_ASSERT_EQUAL(tl_binance_signer_load_ed25519(&s, APIKEY, "", err,
						       sizeof err), -EINVAL);
	rmdir(dir);
}

static void test_small_encoders(void)
{
	CU_ASSERT(tl_binance_wsapi_encode_bare(F, sizeof F, 3, "session.status") > 0);
	CU_ASSERT_STRING_EQUAL(F, "{\"id\":\"3\",\"method\":\"session.status\"}");
	CU_ASSERT(tl_binance_wsapi_encode_bare(F, sizeof F, UINT64_MAX,
					       "session.logout") > 0);
	CU_ASSERT_STRING_EQUAL(F, "{\"id\":\"18446744073709551615\","
				  "\"method\":\"session.logout\"}");
	CU_ASSERT(tl_binance_wsapi_encode_user_stream(F, sizeof F, 4,
						      "userDataStream.start", &SH) > 0);
	CU_ASSERT_STRING_EQUAL(F, "{\"id\":\"4\",\"method\":\"userDataStream.start\","
				  "\"params\":{\"apiKey\":\"" APIKEY "\"}}");
	CU_ASSERT_EQUAL(tl_binance_wsapi_encode_user_stream(F, sizeof F, 4,
							    "userDataStream.ping",
							    NULL), -EINVAL);
	CU_ASSERT(tl_binance_wsapi_encode_signed(F, sizeof F, 5, "v2/account.balance",
						 TS, 5000, NULL) > 0);
	CU_ASSERT_STRING_EQUAL(F, "{\"id\":\"5\",\"method\":\"v2/account.balance\","
				  "\"params\":{\"recvWindow\":5000,"
				  "\"timestamp\":1700000000000}}");
	CU_ASSERT(tl_binance_wsapi_encode_signed(F, sizeof F, 6, "account.position",
						 TS, 0, &SH) > 0);
	cJSON *j = cJSON_Parse(F);
	const cJSON *p = cJSON_GetObjectItemCaseSensitive(j, "params");
	CU_ASSERT_STRING_EQUAL(jstr(p, "apiKey"), APIKEY);
	char want[65];
	static const char pl[] = "apiKey=" APIKEY "&timestamp=1700000000000";
	CU_ASSERT_EQUAL(tl_binance_sign_hex(&SH, pl, strlen(pl), NULL, 0, want), 0);
	CU_ASSERT_STRING_EQUAL(jstr(p, "signature"), want);
	cJSON_Delete(j);
	CU_ASSERT_EQUAL(tl_binance_wsapi_encode_signed(F, sizeof F, 6, "account.status",
						       0, 0, NULL), -EINVAL);
}

/* Every encoder refusal. */
static void test_encode_refusals(void)
{
	static const struct {
		const char *q;
		int rc;
	} t[] = {
		{ "a=%4", -EINVAL },            /* short escape */
		{ "a=%zz", -EINVAL },           /* not hex */
		{ "a=%0A", -EINVAL },           /* control byte */
		{ "a=%7F", -EINVAL },
		{ "a=%C3%A9", -EINVAL },        /* non-ASCII */
		{ "a=b+c", -EINVAL },           /* raw reserved byte */
		{ "a=b c", -EINVAL },
		{ "a=\"", -EINVAL },
		{ "a=", -EINVAL },              /* empty value */
		{ "=b", -EINVAL },              /* empty key */
		{ "a", -EINVAL },               /* no '=' */
		{ "a=1&", -EINVAL },            /* trailing '&' */
		{ "a=1&&b=2", -EINVAL },
		{ "a-b=1", -EINVAL },           /* key charset */
		{ "a=1&a=2", -EINVAL },         /* duplicate */
		{ "b=1&a=2&b=3", -EINVAL },
		{ "apiKey=x", -EINVAL },        /* added here, never given */
		{ "signature=x", -EINVAL },
		{ "timestamp=12a", -EINVAL },   /* INT params: digits */
		{ "timestamp=-1", -EINVAL },
		{ "timestamp=0123", -EINVAL },  /* leading zero: not JSON */
		{ "orderId=1.5", -EINVAL },
		{ "recvWindow=12345678901234567890", -EINVAL },
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		int rc = tl_binance_wsapi_encode(F, sizeof F, 1, "order.place", t[i].q,
						 strlen(t[i].q), NULL);
		CU_ASSERT_EQUAL(rc, t[i].rc);
		if (rc != t[i].rc)
			fprintf(stderr, "\n%s -> %d\n", t[i].q, rc);
		CU_ASSERT_STRING_EQUAL(F, "");
	}
	/* Escaped quote and backslash become JSON escapes. */
	CU_ASSERT(tl_binance_wsapi_encode(F, sizeof F, 1, "m", "a=%22%5C%2F", 11,
					  NULL) > 0);
	CU_ASSERT_STRING_EQUAL(F, "{\"id\":\"1\",\"method\":\"m\",\"params\":"
				  "{\"a\":\"\\\"\\\\/\"}}");
	/* Bad methods. */
	CU_ASSERT_EQUAL(tl_binance_wsapi_encode(F, sizeof F, 1, "", "a=1", 3, NULL), -EINVAL);
	CU_ASSERT_EQUAL(tl_binance_wsapi_encode(F, sizeof F, 1, NULL, "a=1", 3, NULL), -EINVAL);
	CU_ASSERT_EQUAL(tl_binance_wsapi_encode(F, sizeof F, 1, "a\"b", "a=1", 3, NULL), -EINVAL);
	CU_ASSERT_EQUAL(tl_binance_wsapi_encode_bare(F, sizeof F, 1, "a b"), -EINVAL);
	/* Signed needs a timestamp and a ready signer. */
	CU_ASSERT_EQUAL(tl_binance_wsapi_encode(F, sizeof F, 1, "m", "a=1", 3, &SH), -EINVAL);
	tl_binance_signer_t none;
	memset(&none, 0, sizeof none);
	CU_ASSERT_EQUAL(tl_binance_wsapi_encode(F, sizeof F, 1, "m", "timestamp=1", 11,
						&none), -EINVAL);
	/* Too many params, too long a query. */
	char q[TL_BINANCE_WSAPI_QUERY_MAX + 8];
	size_t n = 0;
	for (int i = 0; i <= TL_BINANCE_WSAPI_PARAMS_MAX; i++)
		n += (size_t)snprintf(q + n, sizeof q - n, "%sk%d=1", i ? "&" : "", i);
	CU_ASSERT_EQUAL(tl_binance_wsapi_encode(F, sizeof F, 1, "m", q, n, NULL), -EINVAL);
	n = (size_t)(strrchr(q, '&') - q);   /* exactly PARAMS_MAX */
	CU_ASSERT(tl_binance_wsapi_encode(F, sizeof F, 1, "m", q, n, NULL) > 0);
	memset(q, 'a', sizeof q);
	q[0] = 'k';
	q[1] = '=';
	CU_ASSERT_EQUAL(tl_binance_wsapi_encode(F, sizeof F, 1, "m", q,
						TL_BINANCE_WSAPI_QUERY_MAX + 1, NULL),
			-EINVAL);
	CU_ASSERT_EQUAL(tl_binance_wsapi_encode(NULL, 10, 1, "m", "a=1", 3, NULL), -EINVAL);
}

/* -ENOSPC exactly at the boundary; a frame that fits is whole. */
static void test_encode_enospc_boundary(void)
{
	tl_out_req_t r = req("tl-6", TL_BUY, TL_ORD_LIMIT, ONE, 50000 * ONE);
	const char *m;

	r.tif = TL_TIF_GTC;
	int n = tl_binance_encode_order(&r, &BTC, false, TS, 5000, &H, Q, sizeof Q);
	CU_ASSERT_EQUAL_FATAL(tl_binance_wsapi_method(&H, &m), 0);
	int full = tl_binance_wsapi_encode(F, sizeof F, 9, m, Q, (size_t)n, &SH);
	CU_ASSERT_FATAL(full > 0);
	char want[TL_BINANCE_WSAPI_REQ_MAX];
	memcpy(want, F, (size_t)full + 1);
	CU_ASSERT_EQUAL(tl_binance_wsapi_encode(F, (size_t)full + 1, 9, m, Q,
						(size_t)n, &SH), full);
	CU_ASSERT_STRING_EQUAL(F, want);
	CU_ASSERT_EQUAL(tl_binance_wsapi_encode(F, (size_t)full, 9, m, Q, (size_t)n,
						&SH), -ENOSPC);
	CU_ASSERT_STRING_EQUAL(F, "");
	CU_ASSERT_EQUAL(tl_binance_wsapi_encode(F, 0, 9, m, Q, (size_t)n, &SH), -ENOSPC);
}

static void test_encode_and_decode_allocate_nothing(void)
{
	tl_out_req_t r = req("tl-7", TL_BUY, TL_ORD_LIMIT, ONE, 50000 * ONE);
	tl_binance_wsapi_resp_t w;
	const char *m;
	static const char fr[] =
		"{\"id\":\"9\",\"status\":200,\"result\":{\"a\":1},\"rateLimits\":"
		"[{\"rateLimitType\":\"REQUEST_WEIGHT\",\"interval\":\"MINUTE\","
		"\"intervalNum\":1,\"limit\":2400,\"count\":3}]}";

	r.tif = TL_TIF_GTC;
	int n = tl_binance_encode_order(&r, &BTC, false, TS, 5000, &H, Q, sizeof Q);
	CU_ASSERT_EQUAL_FATAL(tl_binance_wsapi_method(&H, &m), 0);
	tl_alloc_hook_arm();
	int a = tl_binance_wsapi_encode(F, sizeof F, 9, m, Q, (size_t)n, &SH);
	int b = tl_binance_wsapi_encode(F, sizeof F, 9, m, Q, (size_t)n, &SE);
	int c = tl_binance_wsapi_decode(&A, fr, strlen(fr), &w);
	size_t allocs = tl_alloc_hook_disarm();
	CU_ASSERT(a > 0 && b > 0);
	CU_ASSERT_EQUAL(c, TL_BN_OK);
	CU_ASSERT_EQUAL(allocs, 0);
}

/* ======================================================================= */
/* Response frames                                                         */
/* ======================================================================= */

static const char ORDER_RESULT[] =
	"{\"orderId\":325078477,\"symbol\":\"BTCUSDT\",\"status\":\"NEW\","
	"\"clientOrderId\":\"tl-8\",\"price\":\"43187.00\",\"avgPrice\":\"0.00\","
	"\"origQty\":\"0.100\",\"executedQty\":\"0.000\",\"cumQty\":\"0.000\","
	"\"cumQuote\":\"0.00000\",\"timeInForce\":\"GTC\",\"type\":\"LIMIT\","
	"\"reduceOnly\":false,\"closePosition\":false,\"side\":\"BUY\","
	"\"positionSide\":\"BOTH\",\"stopPrice\":\"0.00\",\"workingType\":\"CONTRACT_PRICE\","
	"\"priceProtect\":false,\"origType\":\"LIMIT\",\"priceMatch\":\"NONE\","
	"\"selfTradePreventionMode\":\"NONE\",\"goodTillDate\":0,\"updateTime\":1702555534435}";
static const char CANCEL_RESULT[] =
	"{\"orderId\":325078477,\"symbol\":\"BTCUSDT\",\"status\":\"CANCELED\","
	"\"clientOrderId\":\"tl-8\",\"price\":\"43187.00\",\"avgPrice\":\"0.00\","
	"\"origQty\":\"0.100\",\"executedQty\":\"0.000\",\"cumQty\":\"0.000\","
	"\"cumQuote\":\"0.00000\",\"timeInForce\":\"GTC\",\"type\":\"LIMIT\","
	"\"reduceOnly\":false,\"closePosition\":false,\"side\":\"BUY\","
	"\"positionSide\":\"BOTH\",\"stopPrice\":\"0.00\",\"workingType\":\"CONTRACT_PRICE\","
	"\"priceProtect\":false,\"origType\":\"LIMIT\",\"updateTime\":1702555534436}";
static const char QUERY_RESULT[] =
	"{\"avgPrice\":\"43100.5\",\"clientOrderId\":\"tl-8\",\"cumQuote\":\"4310.05\","
	"\"executedQty\":\"0.100\",\"orderId\":325078477,\"origQty\":\"0.100\","
	"\"origType\":\"LIMIT\",\"price\":\"43187.00\",\"reduceOnly\":false,\"side\":\"BUY\","
	"\"positionSide\":\"BOTH\",\"status\":\"FILLED\",\"stopPrice\":\"0.00\","
	"\"closePosition\":false,\"symbol\":\"BTCUSDT\",\"time\":1702555534435,"
	"\"timeInForce\":\"GTC\",\"type\":\"LIMIT\",\"updateTime\":1702555534440,"
	"\"workingType\":\"CONTRACT_PRICE\",\"priceProtect\":false}";
static const char ERR_2010[] =
	"{\"code\":-2010,\"msg\":\"Order would immediately match and take.\"}";
static const char ERR_1003[] =
	"{\"code\":-1003,\"msg\":\"Too many requests; current limit of IP is 2400 requests per minute.\","
	"\"data\":{\"serverTime\":1702555534000,\"retryAfter\":1702555560000}}";
static const char RL_ORDERS[] =
	"[{\"rateLimitType\":\"REQUEST_WEIGHT\",\"interval\":\"MINUTE\",\"intervalNum\":1,\"limit\":2400,\"count\":7},"
	"{\"rateLimitType\":\"ORDERS\",\"interval\":\"SECOND\",\"intervalNum\":10,\"limit\":300,\"count\":2},"
	"{\"rateLimitType\":\"ORDERS\",\"interval\":\"MINUTE\",\"intervalNum\":1,\"limit\":1200,\"count\":5}]";

static char FR[8192];

static const char *mk(const char *id, int status, const char *key,
		      const char *val, const char *rl)
{
	int n = snprintf(FR, sizeof FR, "{\"id\":%s,\"status\":%d,\"%s\":%s%s%s}",
			 id, status, key, val, rl ? ",\"rateLimits\":" : "",
			 rl ? rl : "");
	CU_ASSERT_FATAL(n > 0 && (size_t)n < sizeof FR);
	return FR;
}

/* The same inputs from the REST body and from the WS frame's span. */
static void same_as_rest(const tl_out_req_t *r, tl_req_kind_t kind,
			 uint16_t status, const char *body, int64_t retry_ns,
			 const tl_binance_wsapi_resp_t *w)
{
	tl_binance_http_t h = { .method = TL_BN_POST, .path = "/fapi/v1/order" };
	tl_binance_resp_t rest = { .http_status = status, .retry_after_ns = retry_ns,
				   .body = body, .len = strlen(body) };
	tl_binance_resp_t ws;

	tl_binance_wsapi_as_rest(w, &ws);
	CU_ASSERT_EQUAL(ws.http_status, w->status);
	CU_ASSERT_EQUAL(ws.retry_after_ns, w->retry_after_ns);
	CU_ASSERT_PTR_EQUAL(ws.body, w->body);
	CU_ASSERT_EQUAL(ws.len, w->body_len);

	memset(&D, 0, sizeof D);
	memset(&D2, 0, sizeof D2);
	int rc1 = tl_binance_decode_response(&A, r, kind, &h, &rest, NOW, &D);
	int rc2 = tl_binance_decode_response(&A, r, kind, &h, &ws, NOW, &D2);
	CU_ASSERT_EQUAL(rc1, TL_BN_OK);
	CU_ASSERT_EQUAL(rc2, rc1);
	CU_ASSERT_EQUAL_FATAL(D.n, 1);
	CU_ASSERT_EQUAL_FATAL(D2.n, D.n);
	CU_ASSERT_EQUAL(memcmp(&D.in[0], &D2.in[0], sizeof D.in[0]), 0);
	/* The span is the body's text, inside the frame. */
	CU_ASSERT_EQUAL(w->body_len, strlen(body));
	CU_ASSERT_EQUAL(memcmp(w->body, body, strlen(body)), 0);
}

static void test_decode_order_place_result(void)
{
	tl_out_req_t r = req("tl-8", TL_BUY, TL_ORD_LIMIT, ONE / 10, 43187 * ONE);
	tl_binance_wsapi_resp_t w;
	const char *f = mk("\"77\"", 200, "result", ORDER_RESULT, RL_ORDERS);

	CU_ASSERT_EQUAL_FATAL(tl_binance_wsapi_decode(&A, f, strlen(f), &w), TL_BN_OK);
	CU_ASSERT_EQUAL(w.id, 77);
	CU_ASSERT_FALSE(w.id_null);
	CU_ASSERT_EQUAL(w.status, 200);
	CU_ASSERT_FALSE(w.is_error);
	CU_ASSERT(w.body > f && w.body + w.body_len < f + strlen(f));
	CU_ASSERT_EQUAL(w.mbx.used_weight_1m, 7);
	CU_ASSERT_EQUAL(w.mbx.used_weight_max, 7);
	CU_ASSERT_EQUAL(w.mbx.order_count_10s, 2);
	CU_ASSERT_EQUAL(w.mbx.order_count_1m, 5);
	CU_ASSERT_EQUAL(w.limit[TL_BINANCE_LIMITS_WEIGHT_1M], 2400);
	CU_ASSERT_EQUAL(w.limit[TL_BINANCE_LIMITS_ORDERS_10S], 300);
	CU_ASSERT_EQUAL(w.limit[TL_BINANCE_LIMITS_ORDERS_1M], 1200);
	CU_ASSERT_EQUAL(w.rate_limits, 3);
	CU_ASSERT_EQUAL(w.retry_after_ns, 0);
	same_as_rest(&r, TL_REQ_NEW, 200, ORDER_RESULT, 0, &w);
	CU_ASSERT_EQUAL(D2.in[0].hdr.type, TL_IN_ORDER_UPDATE);
	CU_ASSERT_EQUAL(D2.in[0].u.update.venue_id, 325078477);

	/* The numbers feed the limiter as the REST headers do. */
	tl_binance_limits_t l;
	tl_binance_limits_init(&l, 0, 0, 0);
	tl_binance_limits_sync(&l, TS, w.mbx.used_weight_1m, w.mbx.order_count_10s,
			       w.mbx.order_count_1m);
	CU_ASSERT_EQUAL(tl_binance_limits_used(&l, TL_BINANCE_LIMITS_WEIGHT_1M, TS), 7);
	CU_ASSERT_EQUAL(tl_binance_limits_used(&l, TL_BINANCE_LIMITS_ORDERS_10S, TS), 2);
	CU_ASSERT_EQUAL(tl_binance_limits_used(&l, TL_BINANCE_LIMITS_ORDERS_1M, TS), 5);
}

static void test_decode_cancel_and_status_results(void)
{
	tl_out_req_t r = req("tl-8", TL_BUY, TL_ORD_LIMIT, ONE / 10, 43187 * ONE);
	tl_binance_wsapi_resp_t w;
	const char *f = mk("78", 200, "result", CANCEL_RESULT, NULL);

	CU_ASSERT_EQUAL_FATAL(tl_binance_wsapi_decode(&A, f, strlen(f), &w), TL_BN_OK);
	CU_ASSERT_EQUAL(w.id, 78);   /* a number id is accepted too */
	CU_ASSERT_EQUAL(w.mbx.used_weight_1m, -1);
	CU_ASSERT_EQUAL(w.mbx.order_count_10s, -1);
	CU_ASSERT_EQUAL(w.rate_limits, 0);
	same_as_rest(&r, TL_REQ_CANCEL, 200, CANCEL_RESULT, 0, &w);
	CU_ASSERT_EQUAL(D2.in[0].u.update.status, TL_ST_CANCELED);

	f = mk("\"79\"", 200, "result", QUERY_RESULT, NULL);
	CU_ASSERT_EQUAL_FATAL(tl_binance_wsapi_decode(&A, f, strlen(f), &w), TL_BN_OK);
	same_as_rest(&r, TL_REQ_QUERY, 200, QUERY_RESULT, 0, &w);
	CU_ASSERT_EQUAL(D2.in[0].hdr.type, TL_IN_QUERY_RESULT);
}

static void test_decode_error_2010(void)
{
	tl_out_req_t r = req("tl-8", TL_BUY, TL_ORD_LIMIT, ONE / 10, 43187 * ONE);
	tl_binance_wsapi_resp_t w;
	const char *f = mk("\"80\"", 400, "error", ERR_2010, RL_ORDERS);

	CU_ASSERT_EQUAL_FATAL(tl_binance_wsapi_decode(&A, f, strlen(f), &w), TL_BN_OK);
	CU_ASSERT_EQUAL(w.status, 400);
	CU_ASSERT(w.is_error);
	CU_ASSERT_EQUAL(w.mbx.order_count_10s, 2);
	same_as_rest(&r, TL_REQ_NEW, 400, ERR_2010, 0, &w);
	CU_ASSERT_EQUAL(D2.in[0].hdr.type, TL_IN_REQ_ERROR);
	CU_ASSERT_EQUAL(D2.in[0].u.error.outcome.code, -2010);
	CU_ASSERT_EQUAL(D2.in[0].u.error.outcome.http_status, 400);
}

static void test_decode_429_retry_after(void)
{
	tl_out_req_t r = req("tl-8", TL_BUY, TL_ORD_LIMIT, ONE / 10, 43187 * ONE);
	tl_binance_wsapi_resp_t w;
	const char *f = mk("\"81\"", 429, "error", ERR_1003, NULL);

	CU_ASSERT_EQUAL_FATAL(tl_binance_wsapi_decode(&A, f, strlen(f), &w), TL_BN_OK);
	CU_ASSERT_EQUAL(w.status, 429);
	CU_ASSERT_EQUAL(w.retry_after_ms, 1702555560000LL);
	CU_ASSERT_EQUAL(w.server_time_ms, 1702555534000LL);
	CU_ASSERT_EQUAL(w.retry_after_ns, 26000LL * 1000000);
	same_as_rest(&r, TL_REQ_NEW, 429, ERR_1003, 26000LL * 1000000, &w);
	CU_ASSERT_EQUAL(D2.in[0].u.error.retry_after_ns, 26000LL * 1000000);
	CU_ASSERT_EQUAL(D2.in[0].u.error.outcome.code, -1003);

	/* retryAfter alone: the absolute time, no duration. */
	f = mk("\"82\"", 418, "error",
	       "{\"code\":-1003,\"msg\":\"banned\",\"data\":{\"retryAfter\":1702555560000}}",
	       NULL);
	CU_ASSERT_EQUAL_FATAL(tl_binance_wsapi_decode(&A, f, strlen(f), &w), TL_BN_OK);
	CU_ASSERT_EQUAL(w.retry_after_ms, 1702555560000LL);
	CU_ASSERT_EQUAL(w.retry_after_ns, 0);
}

static void test_decode_logon_result_and_id_null(void)
{
	tl_binance_wsapi_resp_t w;
	const char *f = mk("\"1\"", 200, "result",
			   "{\"apiKey\":\"" APIKEY "\",\"authorizedSince\":1649729878532,"
			   "\"connectedSince\":1649729873021,\"returnRateLimits\":false,"
			   "\"serverTime\":1649729878630}",
			   "[{\"rateLimitType\":\"REQUEST_WEIGHT\",\"interval\":\"MINUTE\","
			   "\"intervalNum\":1,\"limit\":2400,\"count\":12}]");

	CU_ASSERT_EQUAL_FATAL(tl_binance_wsapi_decode(&A, f, strlen(f), &w), TL_BN_OK);
	CU_ASSERT_EQUAL(w.id, 1);
	CU_ASSERT_EQUAL(w.mbx.used_weight_1m, 12);
	CU_ASSERT_EQUAL(w.mbx.order_count_10s, -1);
	CU_ASSERT_EQUAL(w.body[0], '{');
	CU_ASSERT_EQUAL(w.body[w.body_len - 1], '}');

	f = " { \"id\" : null , \"status\" : 400 , \"error\" : {\"code\":-1102,"
	    "\"msg\":\"Mandatory parameter 'id' was not sent.\"} } \n";
	CU_ASSERT_EQUAL_FATAL(tl_binance_wsapi_decode(&A, f, strlen(f), &w), TL_BN_OK);
	CU_ASSERT(w.id_null);
	CU_ASSERT_EQUAL(w.id, 0);
	CU_ASSERT_EQUAL(w.status, 400);
	CU_ASSERT_EQUAL(w.body_len, strlen("{\"code\":-1102,"
		"\"msg\":\"Mandatory parameter 'id' was not sent.\"}"));

	/* A result that is an array or empty object (account.position,
	 * userDataStream.stop). */
	f = mk("\"2\"", 200, "result", "[]", NULL);
	CU_ASSERT_EQUAL(tl_binance_wsapi_decode(&A, f, strlen(f), &w), TL_BN_OK);
	CU_ASSERT_EQUAL(w.body_len, 2);
	f = mk("\"3\"", 200, "result", "{}", NULL);
	CU_ASSERT_EQUAL(tl_binance_wsapi_decode(&A, f, strlen(f), &w), TL_BN_OK);
}

static void test_decode_id_range(void)
{
	tl_binance_wsapi_resp_t w;
	const char *f = mk("\"18446744073709551615\"", 200, "result", "{}", NULL);

	CU_ASSERT_EQUAL(tl_binance_wsapi_decode(&A, f, strlen(f), &w), TL_BN_OK);
	CU_ASSERT_EQUAL(w.id, UINT64_MAX);
	f = mk("18446744073709551615", 200, "result", "{}", NULL);
	CU_ASSERT_EQUAL(tl_binance_wsapi_decode(&A, f, strlen(f), &w), TL_BN_OK);
	CU_ASSERT_EQUAL(w.id, UINT64_MAX);   /* exact beyond 2^53 */
	f = mk("\"0\"", 200, "result", "{}", NULL);
	CU_ASSERT_EQUAL(tl_binance_wsapi_decode(&A, f, strlen(f), &w), TL_BN_OK);
	CU_ASSERT_EQUAL(w.id, 0);
}

/* Every decoder refusal, with its code and field. */
static void test_decode_refusals(void)
{
	static const struct {
		const char *f;
		int rc;
		const char *field;
	} t[] = {
		{ "", TL_BN_E_JSON, "frame" },
		{ "nope", TL_BN_E_JSON, "frame" },
		{ "{\"id\":\"1\",\"status\":200,\"result\":{}", TL_BN_E_JSON, "frame" },
		{ "{\"id\":\"1\",\"status\":200,\"result\":{}} x", TL_BN_E_JSON, "frame" },
		{ "[1]", TL_BN_E_SHAPE, "frame" },
		{ "\"s\"", TL_BN_E_SHAPE, "frame" },
		{ "{}", TL_BN_E_MISSING, "id" },
		{ "{\"status\":200,\"result\":{}}", TL_BN_E_MISSING, "id" },
		{ "{\"id\":\"1\",\"result\":{}}", TL_BN_E_MISSING, "status" },
		{ "{\"id\":\"1\",\"status\":200,\"result\":{},\"x\":1}", TL_BN_E_SHAPE, "unknown key" },
		{ "{\"id\":\"1\",\"method\":\"order.place\",\"status\":200,\"result\":{}}", TL_BN_E_SHAPE, "unknown key" },
		{ "{\"\\u0069d\":\"1\",\"status\":200,\"result\":{}}", TL_BN_E_SHAPE, "unknown key" },
		{ "{\"id\":\"1\",\"id\":\"2\",\"status\":200,\"result\":{}}", TL_BN_E_SHAPE, "id" },
		{ "{\"id\":\"1\",\"status\":200,\"status\":400,\"result\":{}}", TL_BN_E_SHAPE, "status" },
		{ "{\"id\":\"1\",\"status\":200,\"result\":{},\"result\":{}}", TL_BN_E_SHAPE, "result" },
		{ "{\"id\":\"1\",\"status\":200,\"result\":{},\"rateLimits\":[],\"rateLimits\":[]}", TL_BN_E_SHAPE, "rateLimits" },
		{ "{\"id\":\"18446744073709551616\",\"status\":200,\"result\":{}}", TL_BN_E_RANGE, "id" },
		{ "{\"id\":99999999999999999999,\"status\":200,\"result\":{}}", TL_BN_E_RANGE, "id" },
		{ "{\"id\":\"123456789012345678901\",\"status\":200,\"result\":{}}", TL_BN_E_RANGE, "id" },
		{ "{\"id\":\"007\",\"status\":200,\"result\":{}}", TL_BN_E_RANGE, "id" },
		{ "{\"id\":-1,\"status\":200,\"result\":{}}", TL_BN_E_SHAPE, "id" },
		{ "{\"id\":1.5,\"status\":200,\"result\":{}}", TL_BN_E_SHAPE, "id" },
		{ "{\"id\":1e3,\"status\":200,\"result\":{}}", TL_BN_E_SHAPE, "id" },
		{ "{\"id\":\"\",\"status\":200,\"result\":{}}", TL_BN_E_RANGE, "id" },
		{ "{\"id\":\"9ca10e58-7452\",\"status\":200,\"result\":{}}", TL_BN_E_SHAPE, "id" },
		{ "{\"id\":true,\"status\":200,\"result\":{}}", TL_BN_E_SHAPE, "id" },
		{ "{\"id\":{},\"status\":200,\"result\":{}}", TL_BN_E_SHAPE, "id" },
		{ "{\"id\":\"1\",\"status\":\"200\",\"result\":{}}", TL_BN_E_SHAPE, "status" },
		{ "{\"id\":\"1\",\"status\":99,\"result\":{}}", TL_BN_E_RANGE, "status" },
		{ "{\"id\":\"1\",\"status\":600,\"result\":{}}", TL_BN_E_RANGE, "status" },
		{ "{\"id\":\"1\",\"status\":200.5,\"result\":{}}", TL_BN_E_SHAPE, "status" },
		{ "{\"id\":\"1\",\"status\":200}", TL_BN_E_MISSING, "result" },
		{ "{\"id\":\"1\",\"status\":200,\"result\":{},\"error\":{\"code\":-1,\"msg\":\"\"}}", TL_BN_E_SHAPE, "error" },
		{ "{\"id\":\"1\",\"status\":400,\"result\":{}}", TL_BN_E_SHAPE, "result" },
		{ "{\"id\":\"1\",\"status\":400}", TL_BN_E_MISSING, "error" },
		{ "{\"id\":\"1\",\"status\":400,\"error\":[]}", TL_BN_E_SHAPE, "error" },
		{ "{\"id\":\"1\",\"status\":400,\"error\":{\"msg\":\"m\"}}", TL_BN_E_MISSING, "error.code" },
		{ "{\"id\":\"1\",\"status\":400,\"error\":{\"code\":\"-1\",\"msg\":\"m\"}}", TL_BN_E_SHAPE, "error.code" },
		{ "{\"id\":\"1\",\"status\":400,\"error\":{\"code\":-1.5,\"msg\":\"m\"}}", TL_BN_E_SHAPE, "error.code" },
		{ "{\"id\":\"1\",\"status\":400,\"error\":{\"code\":-1}}", TL_BN_E_MISSING, "error.msg" },
		{ "{\"id\":\"1\",\"status\":400,\"error\":{\"code\":-1,\"msg\":5}}", TL_BN_E_SHAPE, "error.msg" },
		{ "{\"id\":\"1\",\"status\":400,\"error\":{\"code\":-1,\"msg\":\"m\",\"x\":1}}", TL_BN_E_SHAPE, "unknown key" },
		{ "{\"id\":\"1\",\"status\":400,\"error\":{\"code\":-1,\"code\":-2,\"msg\":\"m\"}}", TL_BN_E_SHAPE, "code" },
		{ "{\"id\":\"1\",\"status\":429,\"error\":{\"code\":-1,\"msg\":\"m\",\"data\":1}}", TL_BN_E_SHAPE, "error.data" },
		{ "{\"id\":\"1\",\"status\":429,\"error\":{\"code\":-1,\"msg\":\"m\",\"data\":{\"retryAfter\":\"1\"}}}", TL_BN_E_SHAPE, "error.data.retryAfter" },
		{ "{\"id\":\"1\",\"status\":429,\"error\":{\"code\":-1,\"msg\":\"m\",\"data\":{\"retryAfter\":0}}}", TL_BN_E_RANGE, "error.data.retryAfter" },
		{ "{\"id\":\"1\",\"status\":429,\"error\":{\"code\":-1,\"msg\":\"m\",\"data\":{\"serverTime\":-5}}}", TL_BN_E_RANGE, "error.data.serverTime" },
		{ "{\"id\":\"1\",\"status\":429,\"error\":{\"code\":-1,\"msg\":\"m\",\"data\":{\"y\":1}}}", TL_BN_E_SHAPE, "unknown key" },
		{ "{\"id\":\"1\",\"status\":200,\"result\":{},\"rateLimits\":{}}", TL_BN_E_SHAPE, "rateLimits" },
		{ "{\"id\":\"1\",\"status\":200,\"result\":{},\"rateLimits\":[1]}", TL_BN_E_SHAPE, "rateLimits" },
		{ "{\"id\":\"1\",\"status\":200,\"result\":{},\"rateLimits\":[{\"rateLimitType\":\"ORDERS\",\"interval\":\"SECOND\",\"intervalNum\":10,\"limit\":300}]}", TL_BN_E_MISSING, "rateLimits" },
		{ "{\"id\":\"1\",\"status\":200,\"result\":{},\"rateLimits\":[{\"rateLimitType\":\"ORDERS\",\"interval\":\"SECOND\",\"intervalNum\":10,\"limit\":300,\"count\":1,\"z\":0}]}", TL_BN_E_SHAPE, "unknown key" },
		{ "{\"id\":\"1\",\"status\":200,\"result\":{},\"rateLimits\":[{\"rateLimitType\":1,\"interval\":\"SECOND\",\"intervalNum\":10,\"limit\":300,\"count\":1}]}", TL_BN_E_SHAPE, "rateLimits" },
		{ "{\"id\":\"1\",\"status\":200,\"result\":{},\"rateLimits\":[{\"rateLimitType\":\"ORDERS\",\"interval\":\"SECOND\",\"intervalNum\":0,\"limit\":300,\"count\":1}]}", TL_BN_E_RANGE, "rateLimits.intervalNum" },
		{ "{\"id\":\"1\",\"status\":200,\"result\":{},\"rateLimits\":[{\"rateLimitType\":\"ORDERS\",\"interval\":\"SECOND\",\"intervalNum\":10,\"limit\":-1,\"count\":1}]}", TL_BN_E_RANGE, "rateLimits.limit" },
		{ "{\"id\":\"1\",\"status\":200,\"result\":{},\"rateLimits\":[{\"rateLimitType\":\"ORDERS\",\"interval\":\"SECOND\",\"intervalNum\":10,\"limit\":300,\"count\":4294967296}]}", TL_BN_E_RANGE, "rateLimits.count" },
		{ "{\"id\":\"1\",\"status\":200,\"result\":{},\"rateLimits\":[{\"rateLimitType\":\"ORDERS\",\"interval\":\"SECOND\",\"intervalNum\":10,\"limit\":300,\"count\":1},"
		  "{\"rateLimitType\":\"ORDERS\",\"interval\":\"SECOND\",\"intervalNum\":10,\"limit\":300,\"count\":2}]}", TL_BN_E_SHAPE, "rateLimits" },
		{ "{\"id\":\"1\",\"status\":200,\"result\":{},\"rateLimits\":[{\"rateLimitType\":\"ORDERS\",\"interval\":\"SECOND\",\"intervalNum\":10,\"limit\":300,\"count\":1,\"count\":2}]}", TL_BN_E_SHAPE, "count" },
		{ "{\"id\":\"1\",\"status\":200,\"result\":{\"a\":\"\\u0000\"}}", TL_BN_E_JSON, "frame" },
		{ "{\"id\":\"1\",\"status\":200,\"result\":\x01{}}", TL_BN_E_JSON, "frame" },
		{ "{\"id\":\"1\",\"status\":200,\"result\":{\"a\":\"\x1f\"}}", TL_BN_E_JSON, "frame" },
	};
	tl_binance_wsapi_resp_t w;

	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		int rc = tl_binance_wsapi_decode(&A, t[i].f, strlen(t[i].f), &w);
		CU_ASSERT_EQUAL(rc, t[i].rc);
		CU_ASSERT_PTR_NOT_NULL(w.field);
		if (w.field)
			CU_ASSERT_STRING_EQUAL(w.field, t[i].field);
		if (rc != t[i].rc || !w.field || strcmp(w.field, t[i].field))
			fprintf(stderr, "\n%zu %s -> %d %s\n", i, t[i].f, rc,
				w.field ? w.field : "(null)");
		/* A refused frame gives nothing to use. */
		CU_ASSERT_PTR_NULL(w.body);
		CU_ASSERT_EQUAL(w.mbx.used_weight_1m, -1);
		CU_ASSERT_EQUAL(w.mbx.order_count_10s, -1);
	}
	/* Unknown limiters are skipped, not refused. */
	const char *ok = "{\"id\":\"1\",\"status\":200,\"result\":{},\"rateLimits\":["
		"{\"rateLimitType\":\"RAW_REQUESTS\",\"interval\":\"MINUTE\",\"intervalNum\":5,\"limit\":6100,\"count\":3},"
		"{\"rateLimitType\":\"REQUEST_WEIGHT\",\"interval\":\"SECOND\",\"intervalNum\":10,\"limit\":600,\"count\":9},"
		"{\"rateLimitType\":\"ORDERS\",\"interval\":\"DAY\",\"intervalNum\":1,\"limit\":200000,\"count\":40}]}";
	CU_ASSERT_EQUAL(tl_binance_wsapi_decode(&A, ok, strlen(ok), &w), TL_BN_OK);
	CU_ASSERT_EQUAL(w.mbx.used_weight_1m, -1);
	CU_ASSERT_EQUAL(w.mbx.used_weight_max, 9);
	CU_ASSERT_EQUAL(w.mbx.order_count_1m, -1);
	CU_ASSERT_EQUAL(w.rate_limits, 3);
	/* More entries than the bound. */
	char big[4096];
	size_t n = (size_t)snprintf(big, sizeof big,
				    "{\"id\":\"1\",\"status\":200,\"result\":{},\"rateLimits\":[");
	for (int i = 0; i <= TL_BINANCE_WSAPI_RATELIMITS_MAX; i++)
		n += (size_t)snprintf(big + n, sizeof big - n,
			"%s{\"rateLimitType\":\"X\",\"interval\":\"DAY\",\"intervalNum\":%d,\"limit\":1,\"count\":1}",
			i ? "," : "", i + 1);
	n += (size_t)snprintf(big + n, sizeof big - n, "]}");
	CU_ASSERT_EQUAL(tl_binance_wsapi_decode(&A, big, n, &w), TL_BN_E_RANGE);
	/* Bad arguments, an oversized frame. */
	CU_ASSERT_EQUAL(tl_binance_wsapi_decode(NULL, ok, strlen(ok), &w), TL_BN_E_ARG);
	CU_ASSERT_EQUAL(tl_binance_wsapi_decode(&A, NULL, 3, &w), TL_BN_E_ARG);
	CU_ASSERT_EQUAL(tl_binance_wsapi_decode(&A, ok, strlen(ok), NULL), TL_BN_E_ARG);
	CU_ASSERT_EQUAL(tl_binance_wsapi_decode(&A, ok, TL_BINANCE_WSAPI_FRAME_MAX + 1, &w),
			TL_BN_E_RANGE);
}

/* The decoder reads only len bytes: a frame cut anywhere is refused (or,
 * cut after the closing brace, the same), never read past. */
static void test_decode_truncations(void)
{
	const char *f = mk("\"80\"", 400, "error", ERR_2010, RL_ORDERS);
	size_t len = strlen(f);
	tl_binance_wsapi_resp_t w;

	for (size_t n = 1; n < len; n++) {
		char *copy = malloc(n);   /* exact: ASan sees a read past */
		CU_ASSERT_PTR_NOT_NULL_FATAL(copy);
		memcpy(copy, f, n);
		CU_ASSERT(tl_binance_wsapi_decode(&A, copy, n, &w) < 0);
		free(copy);
	}
}

TL_TEST_SUITE("io.binance_wsapi", suite_init, suite_clean,
	      TL_TEST(test_method_map),
	      TL_TEST(test_method_from_encoders),
	      TL_TEST(test_encode_limit_logged_on_golden),
	      TL_TEST(test_encode_market_reduce_only),
	      TL_TEST(test_encode_hedge),
	      TL_TEST(test_encode_algo_and_cancel),
	      TL_TEST(test_encode_hmac_signature_vector),
	      TL_TEST(test_ed25519_rfc8032_vector),
	      TL_TEST(test_logon_frame_verifies),
	      TL_TEST(test_ed25519_rest_append),
	      TL_TEST(test_ed25519_init_refusals_never_leak),
	      TL_TEST(test_ed25519_wipe),
	      TL_TEST(test_ed25519_openssl_pem),
	      TL_TEST(test_ed25519_load_file),
	      TL_TEST(test_small_encoders),
	      TL_TEST(test_encode_refusals),
	      TL_TEST(test_encode_enospc_boundary),
	      TL_TEST(test_encode_and_decode_allocate_nothing),
	      TL_TEST(test_decode_order_place_result),
	      TL_TEST(test_decode_cancel_and_status_results),
	      TL_TEST(test_decode_error_2010),
	      TL_TEST(test_decode_429_retry_after),
	      TL_TEST(test_decode_logon_result_and_id_null),
	      TL_TEST(test_decode_id_range),
	      TL_TEST(test_decode_refusals),
	      TL_TEST(test_decode_truncations));
