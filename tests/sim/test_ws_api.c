/*
 * test_ws_api.c - the WebSocket API (ws-fapi) at /ws-fapi/v1 on the
 * stream port: orders placed, queried, modified and cancelled with
 * per-request HMAC signatures; bad signatures; session.logon with an
 * Ed25519 key (generated here) and requests riding on the session;
 * rateLimits and the shared limiter; malformed requests; frame limit;
 * server pings and the pong deadline; the reset and delay faults through
 * the shared REST pipeline; position, balance and listenKey shapes.
 */
#define _GNU_SOURCE
#include "tests/support/tl_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/asn_public.h>
#include <wolfssl/wolfcrypt/ed25519.h>
#include <wolfssl/wolfcrypt/random.h>

#include "sim/rest.h"
#include "sim/ws.h"
#include "tests/sim/sim_client.c"
#include "tests/sim/ws_client.c"
#include "tests/sim/ws_api_client.c"

#define ED_KEY "edkey-0123456789abcdef"
#define API_PATH "/ws-fapi/v1"   /* Binance's path */

static tl_sim_config_t cfg;
static tl_sim_server_t *srv;
static simc_t rest;
static wsc_t ws, ws2;
static ed25519_key ed, ed_other;
static WC_RNG rng;
static wsa_auth_t hmac_auth, ed_auth, sess_auth;

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static bool has(const char *msg, const char *needle)
{
	bool ok = strstr(msg, needle) != NULL;

	if (!ok)
		fprintf(stderr, "\n  message lacks %s: %s\n", needle, msg);
	return ok;
}

/* The account's Ed25519 key as the config file gives it: inline PEM
 * (JSON-escaped newlines), parsed by tl_sim_config_parse. */
static void config_with_ed25519(void)
{
	byte der[128], pem[512];
	char json[2048], esc[1024];
	int dn, pn, k, e = 0;
	char err[256];

	dn = wc_Ed25519PublicKeyToDer(&ed, der, sizeof der, 1);
	CU_ASSERT_FATAL(dn > 0);
	pn = wc_DerToPem(der, (word32)dn, pem, sizeof pem, PUBLICKEY_TYPE);
	CU_ASSERT_FATAL(pn > 0);
	for (k = 0; k < pn; k++) {
		if (pem[k] == '\n') {
			esc[e++] = '\\';
			esc[e++] = 'n';
		} else {
			esc[e++] = (char)pem[k];
		}
	}
	esc[e] = '\0';
	snprintf(json, sizeof json,
		 "{\"accounts\":[{\"name\":\"t\",\"api_key\":\"testkey\",\"api_secret\":\"testsecret\","
		 "\"usdt\":\"100000\",\"ed25519_api_key\":\"" ED_KEY "\",\"ed25519_public_key\":\"%s\"}]}",
		 esc);
	CU_ASSERT_EQUAL_FATAL(tl_sim_config_parse(&cfg, json, strlen(json), err, sizeof err), 0);
}

static void start(void)
{
	srv = simc_start_rest(&cfg, &rest);
	CU_ASSERT_EQUAL_FATAL(wsc_open(&ws, tl_sim_server_port(srv, TL_SIM_PORT_WS),
				       API_PATH), 0);
}

static void each_setup(void)
{
	tl_sim_config_defaults(&cfg);
	cfg.sym[0].vol_bps = 0;
	CU_ASSERT_EQUAL_FATAL(wc_InitRng(&rng), 0);
	wc_ed25519_init(&ed);
	wc_ed25519_init(&ed_other);
	CU_ASSERT_EQUAL_FATAL(wc_ed25519_make_key(&rng, ED25519_KEY_SIZE, &ed), 0);
	CU_ASSERT_EQUAL_FATAL(wc_ed25519_make_key(&rng, ED25519_KEY_SIZE, &ed_other), 0);
	config_with_ed25519();
	hmac_auth = (wsa_auth_t){ .key = "testkey", .secret = "testsecret", .timestamp = true };
	ed_auth = (wsa_auth_t){ .key = ED_KEY, .ed25519 = &ed, .timestamp = true };
	sess_auth = (wsa_auth_t){ .timestamp = true };
	ws.fd = ws2.fd = -1;
	srv = NULL;
}

static void each_teardown(void)
{
	wsc_close(&ws);
	wsc_close(&ws2);
	if (srv)
		simc_stop_rest(&srv, &rest);
	wc_ed25519_free(&ed);
	wc_ed25519_free(&ed_other);
	wc_FreeRng(&rng);
}

#define LIMIT_BUY "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.010&price=59000.0"

static void test_order_place_status_modify_cancel_hmac(void)
{
	bool modify_route;
	const char *m;
	long long oid;
	char kv[256];

	start();
	m = wsa_call(&ws, 1, "order.place", LIMIT_BUY "&newClientOrderId=ws1", &hmac_auth);
	CU_ASSERT_TRUE(has(m, "{\"id\":1,\"status\":200,\"result\":{"));
	CU_ASSERT_TRUE(has(m, "\"clientOrderId\":\"ws1\""));
	CU_ASSERT_TRUE(has(m, "\"status\":\"NEW\""));
	CU_ASSERT_TRUE(has(m, "\"price\":\"59000.0"));
	/* an order method lists the ORDERS limiters with its count */
	CU_ASSERT_TRUE(has(m, "{\"rateLimitType\":\"ORDERS\",\"interval\":\"SECOND\",\"intervalNum\":10,\"limit\":300,\"count\":1}"));
	CU_ASSERT_TRUE(has(m, "{\"rateLimitType\":\"ORDERS\",\"interval\":\"MINUTE\",\"intervalNum\":1,\"limit\":1200,\"count\":1}"));
	oid = wsa_int(m, "orderId");
	CU_ASSERT_TRUE_FATAL(oid > 0);

	snprintf(kv, sizeof kv, "symbol=BTCUSDT&orderId=%lld", oid);
	m = wsa_call(&ws, 2, "order.status", kv, &hmac_auth);
	CU_ASSERT_TRUE(has(m, "{\"id\":2,\"status\":200,\"result\":{"));
	CU_ASSERT_EQUAL(wsa_int(m, "orderId"), oid);
	CU_ASSERT_TRUE(has(m, "\"status\":\"NEW\""));
	CU_ASSERT_FALSE(strstr(m, "\"ORDERS\"") != NULL);	/* not an order method */

	/* order.modify is PUT /fapi/v1/order: served when the route is */
	modify_route = tl_sim_rest_route(TL_SIM_HTTP_PUT, "/fapi/v1/order", 14, &(bool){ 0 }) != NULL;
	snprintf(kv, sizeof kv, "symbol=BTCUSDT&orderId=%lld&side=BUY&quantity=0.010&price=58900.0", oid);
	m = wsa_call(&ws, 3, "order.modify", kv, &hmac_auth);
	if (modify_route) {
		CU_ASSERT_TRUE(has(m, "{\"id\":3,\"status\":200,\"result\":{"));
		CU_ASSERT_TRUE(has(m, "\"price\":\"58900.0"));
	} else {
		CU_ASSERT_TRUE(has(m, "{\"id\":3,\"status\":400,\"error\":{\"code\":-1020,"));
	}

	snprintf(kv, sizeof kv, "symbol=BTCUSDT&origClientOrderId=ws1");
	m = wsa_call(&ws, 4, "order.cancel", kv, &hmac_auth);
	CU_ASSERT_TRUE(has(m, "{\"id\":4,\"status\":200,\"result\":{"));
	CU_ASSERT_TRUE(has(m, "\"status\":\"CANCELED\""));
	CU_ASSERT_EQUAL(wsa_int(m, "orderId"), oid);
	/* the same venue behind REST */
	snprintf(kv, sizeof kv, "symbol=BTCUSDT&orderId=%lld", oid);
	CU_ASSERT_EQUAL(simc_signed(&rest, "GET", "/fapi/v1/order", kv, false), 200);
	CU_ASSERT_TRUE(simc_body_has(&rest, "\"status\":\"CANCELED\""));
	/* a business error travels as error with its code */
	m = wsa_call(&ws, 5, "order.cancel", kv, &hmac_auth);
	CU_ASSERT_TRUE(has(m, "{\"id\":5,\"status\":400,\"error\":{\"code\":-2011,"));
	/* values that percent-encoding changes: signed encoded (the
	 * connector's way) and as sent (the docs' way) both verify */
	{
		wsa_auth_t enc = hmac_auth;
		enc.encode = true;
		m = wsa_call(&ws, 6, "order.place", LIMIT_BUY "&newClientOrderId=a:b/c", &enc);
		CU_ASSERT_TRUE(has(m, "{\"id\":6,\"status\":200,"));
		CU_ASSERT_TRUE(has(m, "\"clientOrderId\":\"a:b/c\""));
		m = wsa_call(&ws, 7, "order.place", LIMIT_BUY "&newClientOrderId=d:e/f", &hmac_auth);
		CU_ASSERT_TRUE(has(m, "{\"id\":7,\"status\":200,"));
	}
}

static void test_bad_signature_and_auth_errors(void)
{
	wsa_auth_t bad = hmac_auth, old = hmac_auth, nokey = { .timestamp = true };
	const char *m;

	bad.secret = "not-the-secret";
	old.ts_offset = -60000;
	start();
	m = wsa_call(&ws, 10, "order.place", LIMIT_BUY, &bad);
	CU_ASSERT_TRUE(has(m, "{\"id\":10,\"status\":400,\"error\":{\"code\":-1022,"));
	m = wsa_call(&ws, 11, "order.place", LIMIT_BUY, &old);
	CU_ASSERT_TRUE(has(m, "\"error\":{\"code\":-1021,"));
	/* no apiKey and no session */
	m = wsa_call(&ws, 12, "order.place", LIMIT_BUY, &nokey);
	CU_ASSERT_TRUE(has(m, "{\"id\":12,\"status\":401,\"error\":{\"code\":-2015,"));
	/* apiKey without signature on a signed method */
	nokey.key = "testkey";
	m = wsa_call(&ws, 13, "order.place", LIMIT_BUY, &nokey);
	CU_ASSERT_TRUE(has(m, "\"error\":{\"code\":-1102,"));
	CU_ASSERT_TRUE(has(m, "'signature'"));
	/* nothing was placed */
	CU_ASSERT_EQUAL(simc_signed(&rest, "GET", "/fapi/v1/openOrders", "symbol=BTCUSDT", false), 200);
	CU_ASSERT_STRING_EQUAL(rest.body, "[]");
}

static void test_session_logon_ed25519(void)
{
	const char *m;
	long long since;

	start();
	m = wsa_call(&ws, 20, "session.status", "", NULL);
	CU_ASSERT_TRUE(has(m, "{\"id\":20,\"status\":200,\"result\":{\"apiKey\":null,\"authorizedSince\":null,\"connectedSince\":"));
	m = wsa_call(&ws, 21, "session.logon", "", &ed_auth);
	CU_ASSERT_TRUE(has(m, "{\"id\":21,\"status\":200,\"result\":{\"apiKey\":\"" ED_KEY "\",\"authorizedSince\":"));
	since = wsa_int(m, "authorizedSince");
	CU_ASSERT_TRUE(since > 0);
	/* signed methods now need no apiKey nor signature */
	m = wsa_call(&ws, 22, "order.place", LIMIT_BUY "&newClientOrderId=sess1", &sess_auth);
	CU_ASSERT_TRUE(has(m, "{\"id\":22,\"status\":200,\"result\":{"));
	CU_ASSERT_TRUE(has(m, "\"clientOrderId\":\"sess1\""));
	m = wsa_call(&ws, 23, "account.balance", "", &sess_auth);
	CU_ASSERT_TRUE(has(m, "{\"id\":23,\"status\":200,\"result\":[{"));
	m = wsa_call(&ws, 24, "session.status", "", NULL);
	CU_ASSERT_TRUE(has(m, "\"apiKey\":\"" ED_KEY "\""));
	CU_ASSERT_EQUAL(wsa_int(m, "authorizedSince"), since);
	/* a request still signed per request with the HMAC key is that key's */
	m = wsa_call(&ws, 25, "order.status", "symbol=BTCUSDT&origClientOrderId=sess1", &hmac_auth);
	CU_ASSERT_TRUE(has(m, "{\"id\":25,\"status\":200,"));
	m = wsa_call(&ws, 26, "session.logout", "", NULL);
	CU_ASSERT_TRUE(has(m, "{\"id\":26,\"status\":200,\"result\":{\"apiKey\":null,"));
	m = wsa_call(&ws, 27, "order.place", LIMIT_BUY, &sess_auth);
	CU_ASSERT_TRUE(has(m, "{\"id\":27,\"status\":401,\"error\":{\"code\":-2015,"));
	/* per-request Ed25519 signatures, no session */
	m = wsa_call(&ws, 28, "order.status", "symbol=BTCUSDT&origClientOrderId=sess1", &ed_auth);
	CU_ASSERT_TRUE(has(m, "{\"id\":28,\"status\":200,"));
	/* the session is the connection's: another one is not logged on */
	CU_ASSERT_EQUAL_FATAL(wsc_open(&ws2, tl_sim_server_port(srv, TL_SIM_PORT_WS),
				       API_PATH), 0);
	m = wsa_call(&ws2, 29, "session.status", "", NULL);
	CU_ASSERT_TRUE(has(m, "\"apiKey\":null"));
}

static void test_logon_refused(void)
{
	wsa_auth_t wrong = ed_auth, hmac = hmac_auth, unknown = ed_auth;
	const char *m;

	wrong.ed25519 = &ed_other;	/* not the configured public key */
	unknown.key = "nobody";
	start();
	m = wsa_call(&ws, 30, "session.logon", "", &wrong);
	CU_ASSERT_TRUE(has(m, "{\"id\":30,\"status\":400,\"error\":{\"code\":-1022,"));
	m = wsa_call(&ws, 31, "session.logon", "", &hmac);
	CU_ASSERT_TRUE(has(m, "{\"id\":31,\"status\":401,\"error\":{\"code\":-2015,"));
	CU_ASSERT_TRUE(has(m, "Ed25519"));
	m = wsa_call(&ws, 32, "session.logon", "", &unknown);
	CU_ASSERT_TRUE(has(m, "{\"id\":32,\"status\":401,\"error\":{\"code\":-2015,"));
	m = wsa_call(&ws, 33, "session.status", "", NULL);
	CU_ASSERT_TRUE(has(m, "\"apiKey\":null"));
	m = wsa_call(&ws, 34, "order.place", LIMIT_BUY, &sess_auth);
	CU_ASSERT_TRUE(has(m, "\"code\":-2015"));
	/* an HMAC signature under the Ed25519 key's name is not its
	 * signature (test_rest_accepts_ed25519_signatures: what is) */
	rest.key = ED_KEY;
	CU_ASSERT_EQUAL(simc_signed(&rest, "GET", "/fapi/v2/balance", "", false), 400);
	CU_ASSERT_TRUE(has(rest.body, "\"code\":-1022"));
}

static void test_rate_limits_count_and_429(void)
{
	const char *m;
	long long w1, w2;
	int k, st = 0;

	start();
	m = wsa_call(&ws, 40, "account.position", "symbol=BTCUSDT", &hmac_auth);
	CU_ASSERT_TRUE(has(m, "\"rateLimits\":[{\"rateLimitType\":\"REQUEST_WEIGHT\",\"interval\":\"MINUTE\",\"intervalNum\":1,\"limit\":2400,\"count\":"));
	w1 = wsa_int(strstr(m, "\"rateLimits\""), "count");
	m = wsa_call(&ws, 41, "account.position", "symbol=BTCUSDT", &hmac_auth);
	w2 = wsa_int(strstr(m, "\"rateLimits\""), "count");
	/* weight 5 a request, the minute window may have rolled between */
	CU_ASSERT_TRUE(w2 == w1 + 5 || w2 == 5);
	/* the same limiter as REST */
	CU_ASSERT_EQUAL(simc_raw(&rest, "GET", "/fapi/v1/time", "", "", NULL), 200);
	m = wsa_call(&ws, 42, "session.status", "", NULL);
	w1 = wsa_int(strstr(m, "\"rateLimits\""), "count");
	CU_ASSERT_TRUE(w1 == w2 + 1 + 2 || w1 <= 3);
	/* without rateLimits when the connection asks so */
	CU_ASSERT_EQUAL_FATAL(wsc_open(&ws2, tl_sim_server_port(srv, TL_SIM_PORT_WS),
				       API_PATH "?returnRateLimits=false"), 0);
	m = wsa_call(&ws2, 43, "session.status", "", NULL);
	CU_ASSERT_TRUE(has(m, "\"returnRateLimits\":false"));
	CU_ASSERT_PTR_NULL(strstr(m, "rateLimits\":["));
	wsc_close(&ws2);
	wsc_close(&ws);
	simc_stop_rest(&srv, &rest);

	/* over the weight limit: 429, -1003, data.retryAfter */
	cfg.weight_1m = 40;
	start();
	for (k = 0; k < 20 && st != 429; k++) {
		m = wsa_call(&ws, 50 + k, "account.position", "symbol=BTCUSDT", &hmac_auth);
		st = (int)wsa_int(m, "status");
	}
	CU_ASSERT_EQUAL(st, 429);
	CU_ASSERT_TRUE(has(m, "\"error\":{\"code\":-1003,"));
	CU_ASSERT_TRUE(has(m, "\"data\":{\"serverTime\":"));
	CU_ASSERT_TRUE(wsa_int(m, "retryAfter") > wsa_int(m, "serverTime"));
}

static void test_unknown_method_malformed_and_frame_limit(void)
{
	const char *m;
	char *big;

	start();
	wsc_send(&ws, TL_SIM_WS_OP_TEXT, "{\"id\":7,\"method\":\"order.fly\",\"params\":{}}");
	m = wsc_text(&ws, 5000);
	CU_ASSERT_TRUE(has(m, "{\"id\":7,\"status\":400,\"error\":{\"code\":-1020,"));
	CU_ASSERT_TRUE(has(m, "order.fly"));
	wsc_send(&ws, TL_SIM_WS_OP_TEXT, "{\"id\":8,\"method\":\"order.pla");
	m = wsc_text(&ws, 5000);
	CU_ASSERT_TRUE(has(m, "{\"id\":null,\"status\":400,\"error\":{\"code\":-1135,"));
	wsc_send(&ws, TL_SIM_WS_OP_TEXT, "{\"id\":\"a-1\",\"method\":\"order.place\",\"params\":[1]}");
	m = wsc_text(&ws, 5000);
	CU_ASSERT_TRUE(has(m, "{\"id\":\"a-1\",\"status\":400,\"error\":{\"code\":-1135,"));
	wsc_send(&ws, TL_SIM_WS_OP_TEXT, "{\"id\":{},\"method\":\"session.status\"}");
	m = wsc_text(&ws, 5000);
	CU_ASSERT_TRUE(has(m, "{\"id\":null,\"status\":400,"));
	wsc_send(&ws, TL_SIM_WS_OP_TEXT, "{\"id\":9}");
	m = wsc_text(&ws, 5000);
	CU_ASSERT_TRUE(has(m, "{\"id\":9,\"status\":400,\"error\":{\"code\":-1135,"));
	/* still serving */
	m = wsa_call(&ws, 10, "session.status", "", NULL);
	CU_ASSERT_TRUE(has(m, "{\"id\":10,\"status\":200,"));

	/* a frame above ws.api_max_frame: close 1009 */
	big = malloc(20000);
	CU_ASSERT_PTR_NOT_NULL_FATAL(big);
	memset(big, ' ', 20000);
	memcpy(big, "{\"id\":11,\"method\":\"session.status\"}", 35);
	wsa_send_raw(&ws, TL_SIM_WS_OP_TEXT, big, 20000);
	free(big);
	m = wsc_text(&ws, 5000);
	CU_ASSERT_STRING_EQUAL(m, "");
	CU_ASSERT_EQUAL(ws.op, TL_SIM_WS_OP_CLOSE);
	CU_ASSERT_EQUAL(((unsigned char)ws.msg[0] << 8) | (unsigned char)ws.msg[1], 1009);
}

static void test_server_ping_and_pong_deadline(void)
{
	int64_t t0, end;
	int pings = 0;
	const char *m;

	cfg.ws_api_ping_ms = 200;
	cfg.ws_api_pong_timeout_ms = 700;
	start();
	CU_ASSERT_EQUAL_FATAL(wsc_open(&ws2, tl_sim_server_port(srv, TL_SIM_PORT_WS),
				       API_PATH), 0);
	/* ws answers every ping for 2 s; ws2 never does */
	t0 = mono_ms();
	end = t0 + 2000;
	while (mono_ms() < end) {
		if (wsc_next(&ws, (int)(end - mono_ms())) < 0)
			break;
		if (ws.op == TL_SIM_WS_OP_PING) {
			pings++;
			wsa_send_raw(&ws, TL_SIM_WS_OP_PONG, ws.msg, strlen(ws.msg));
		}
	}
	CU_ASSERT_TRUE(pings >= 3);
	m = wsa_call(&ws, 60, "session.status", "", NULL);
	CU_ASSERT_TRUE(has(m, "{\"id\":60,\"status\":200,"));
	/* ws2: pings, then a close (1008) once the deadline passed */
	{
		bool closed = false;
		int ws2_pings = 0;
		end = mono_ms() + 5000;
		while (!closed && mono_ms() < end) {
			if (wsc_next(&ws2, (int)(end - mono_ms())) < 0)
				break;
			ws2_pings += ws2.op == TL_SIM_WS_OP_PING;
			closed = ws2.op == TL_SIM_WS_OP_CLOSE;
		}
		CU_ASSERT_TRUE(closed);
		CU_ASSERT_TRUE(ws2_pings >= 1);
		CU_ASSERT_EQUAL(((unsigned char)ws2.msg[0] << 8) | (unsigned char)ws2.msg[1], 1008);
	}
}

static void test_lifetime_close(void)
{
	const char *m;

	cfg.ws_api_lifetime_ms = 600;
	start();
	m = wsa_call(&ws, 61, "session.status", "", NULL);
	CU_ASSERT_TRUE(has(m, "\"status\":200"));
	m = wsc_text(&ws, 5000);
	CU_ASSERT_STRING_EQUAL(m, "");
	CU_ASSERT_EQUAL(ws.op, TL_SIM_WS_OP_CLOSE);
	CU_ASSERT_EQUAL(((unsigned char)ws.msg[0] << 8) | (unsigned char)ws.msg[1], 1000);
}

static void test_fault_reset_after_execution(void)
{
	char buf[16];
	const char *m;

	cfg.faults.reset_ppm = 1000000;
	start();
	/* not a write: answered */
	m = wsa_call(&ws, 70, "account.balance", "", &hmac_auth);
	CU_ASSERT_TRUE(has(m, "{\"id\":70,\"status\":200,"));
	/* a write: executed, then the connection is gone, no answer */
	m = wsa_call(&ws, 71, "order.place", LIMIT_BUY "&newClientOrderId=reset1", &hmac_auth);
	CU_ASSERT_STRING_EQUAL(m, "");
	CU_ASSERT_TRUE(recv(ws.fd, buf, sizeof buf, 0) <= 0);
	CU_ASSERT_EQUAL(simc_signed(&rest, "GET", "/fapi/v1/order",
				    "symbol=BTCUSDT&origClientOrderId=reset1", false), 200);
	CU_ASSERT_TRUE(simc_body_has(&rest, "\"status\":\"NEW\""));
}

static void test_fault_error_rule_and_unknown_outcome(void)
{
	tl_sim_ep_fault_t rule;
	const char *m;

	CU_ASSERT_EQUAL_FATAL(tl_sim_ep_fault_parse("POST /fapi/v1/order 1000000 -1008", &rule), 0);
	CU_ASSERT_EQUAL_FATAL(tl_sim_ep_fault_set(&cfg.faults, &rule), 0);
	start();
	/* the REST rule for POST /fapi/v1/order is order.place's */
	m = wsa_call(&ws, 75, "order.place", LIMIT_BUY, &hmac_auth);
	CU_ASSERT_TRUE(has(m, "{\"id\":75,\"status\":503,\"error\":{\"code\":-1008,"));
	m = wsa_call(&ws, 76, "order.status", "symbol=BTCUSDT&orderId=1", &hmac_auth);
	CU_ASSERT_TRUE(has(m, "\"code\":-2013"));
	wsc_close(&ws);
	simc_stop_rest(&srv, &rest);

	/* executed, then answered 503 "Unknown error" */
	tl_sim_config_defaults(&cfg);
	cfg.sym[0].vol_bps = 0;
	cfg.faults.unknown_ppm = 1000000;
	start();
	m = wsa_call(&ws, 77, "order.place", LIMIT_BUY "&newClientOrderId=unk1", &hmac_auth);
	CU_ASSERT_TRUE(has(m, "{\"id\":77,\"status\":503,\"error\":{\"code\":-1000,\"msg\":\"Unknown error"));
	CU_ASSERT_EQUAL(simc_signed(&rest, "GET", "/fapi/v1/order",
				    "symbol=BTCUSDT&origClientOrderId=unk1", false), 200);
	CU_ASSERT_TRUE(simc_body_has(&rest, "\"status\":\"NEW\""));
}

static void test_fault_delay_keeps_order(void)
{
	char req[2048];
	int64_t t0, t1;
	const char *m;
	int n;

	cfg.faults.latency_ms = 400;
	start();
	t0 = mono_ms();
	n = wsa_build(req, sizeof req, 80, "order.place", LIMIT_BUY, &hmac_auth);
	wsa_send_raw(&ws, TL_SIM_WS_OP_TEXT, req, (size_t)n);
	/* not through the pipeline, no delay of its own: still after 80 */
	n = wsa_build(req, sizeof req, 81, "session.status", "", NULL);
	wsa_send_raw(&ws, TL_SIM_WS_OP_TEXT, req, (size_t)n);
	/* the loop is not blocked meanwhile */
	CU_ASSERT_EQUAL(simc_raw(&rest, "GET", "/sim/state", "", "", NULL), 200);
	m = wsc_text(&ws, 5000);
	t1 = mono_ms();
	CU_ASSERT_TRUE(has(m, "{\"id\":80,\"status\":200,"));
	CU_ASSERT_TRUE(t1 - t0 >= 380);
	m = wsc_text(&ws, 5000);
	CU_ASSERT_TRUE(has(m, "{\"id\":81,\"status\":200,"));
}

static void test_positions_balance_account_and_listen_key(void)
{
	const char *m;
	char lk[80];

	start();
	m = wsa_call(&ws, 90, "order.place", "symbol=BTCUSDT&side=BUY&type=MARKET&quantity=0.010", &hmac_auth);
	CU_ASSERT_TRUE(has(m, "{\"id\":90,\"status\":200,"));
	/* v2 positionRisk shape */
	m = wsa_call(&ws, 91, "account.position", "symbol=BTCUSDT", &hmac_auth);
	CU_ASSERT_TRUE(has(m, "{\"id\":91,\"status\":200,\"result\":[{"));
	CU_ASSERT_TRUE(has(m, "\"entryPrice\":\""));
	CU_ASSERT_TRUE(has(m, "\"marginType\":\"cross\""));
	CU_ASSERT_TRUE(has(m, "\"positionAmt\":\"0.010\""));
	CU_ASSERT_TRUE(has(m, "\"symbol\":\"BTCUSDT\""));
	CU_ASSERT_TRUE(has(m, "\"unRealizedProfit\":\""));
	CU_ASSERT_TRUE(has(m, "\"positionSide\":\"BOTH\""));
	CU_ASSERT_TRUE(has(m, "\"leverage\":\""));
	/* v2/ names answer with the v3 shapes */
	m = wsa_call(&ws, 92, "v2/account.position", "symbol=BTCUSDT", &hmac_auth);
	CU_ASSERT_TRUE(has(m, "\"initialMargin\":\""));
	CU_ASSERT_TRUE(has(m, "\"positionAmt\":\"0.010\""));
	m = wsa_call(&ws, 93, "account.balance", "", &hmac_auth);
	CU_ASSERT_TRUE(has(m, "{\"id\":93,\"status\":200,\"result\":[{\"accountAlias\":"));
	CU_ASSERT_TRUE(has(m, "\"asset\":\"USDT\""));
	CU_ASSERT_TRUE(has(m, "\"availableBalance\":\""));
	m = wsa_call(&ws, 94, "account.status", "", &hmac_auth);
	CU_ASSERT_TRUE(has(m, "\"totalWalletBalance\":\""));
	CU_ASSERT_TRUE(has(m, "\"positions\":["));
	/* public: no key */
	m = wsa_call(&ws, 99, "ticker.book", "symbol=BTCUSDT", NULL);
	CU_ASSERT_TRUE(has(m, "{\"id\":99,\"status\":200,\"result\":{"));
	CU_ASSERT_TRUE(has(m, "\"bidPrice\":\""));
	m = wsa_call(&ws, 100, "depth", "symbol=BTCUSDT&limit=5", NULL);
	CU_ASSERT_TRUE(has(m, "{\"id\":100,\"status\":200,\"result\":{"));
	CU_ASSERT_TRUE(has(m, "\"bids\":[["));
	CU_ASSERT_TRUE(has(m, "\"asks\":[["));
	m = wsa_call(&ws, 101, "ticker.price", "symbol=BTCUSDT", NULL);
	CU_ASSERT_TRUE(has(m, "{\"id\":101,\"status\":200,\"result\":{\"symbol\":\"BTCUSDT\""));
	CU_ASSERT_TRUE(has(m, "\"price\":\""));
	m = wsa_call(&ws, 102, "depth", "symbol=BTCUSDT&limit=7", NULL);
	CU_ASSERT_TRUE(has(m, "\"code\":-4021"));	/* not a depth Binance offers */
	/* userDataStream.*: apiKey only */
	m = wsa_call(&ws, 95, "userDataStream.start", "", &(wsa_auth_t){ .key = "testkey" });
	CU_ASSERT_TRUE(has(m, "{\"id\":95,\"status\":200,\"result\":{\"listenKey\":\""));
	snprintf(lk, sizeof lk, "%.64s", strstr(m, "\"listenKey\":\"") + 13);
	m = wsa_call(&ws, 96, "userDataStream.ping", "", &(wsa_auth_t){ .key = "testkey" });
	CU_ASSERT_TRUE(has(m, lk));
	m = wsa_call(&ws, 97, "userDataStream.stop", "", &(wsa_auth_t){ .key = "testkey" });
	CU_ASSERT_TRUE(has(m, "{\"id\":97,\"status\":200,\"result\":{}"));
	m = wsa_call(&ws, 98, "userDataStream.ping", "", &(wsa_auth_t){ .key = "testkey" });
	CU_ASSERT_TRUE(has(m, "\"code\":-1125"));
}

/* Untrusted input: every mutated request frame gets exactly one answer
 * with an id and a status, and the connection keeps serving. */
static void test_mutated_requests_each_answered(void)
{
	static const char alphabet[] = "{}[]\":,\\ 0123456789abcAZ.-_nulltrue";
	char base[2048], req[2048];
	int n, k, answered = 0;
	unsigned seed = 12345;

	start();
	n = wsa_build(base, sizeof base, 1, "order.place", LIMIT_BUY, &hmac_auth);
	for (k = 0; k < 300; k++) {
		int edits = 1 + (int)(rand_r(&seed) % 4);
		const char *m;
		memcpy(req, base, (size_t)n + 1);
		while (edits--)
			req[rand_r(&seed) % (unsigned)n] = alphabet[rand_r(&seed) % (sizeof alphabet - 1)];
		wsa_send_raw(&ws, TL_SIM_WS_OP_TEXT, req, (size_t)n);
		m = wsc_text(&ws, 5000);
		if (!strncmp(m, "{\"id\":", 6) && strstr(m, "\"status\":"))
			answered++;
		else
			fprintf(stderr, "\n  no answer to %s: %s\n", req, m);
	}
	CU_ASSERT_EQUAL(answered, 300);
	CU_ASSERT_TRUE(has(wsa_call(&ws, 2, "session.status", "", NULL), "{\"id\":2,\"status\":200,"));
}

/* The account's Ed25519 key on REST: the signature is the base64 of the
 * Ed25519 signature of the query, percent-encoded; a wrong one is -1022. */
static void rest_ed25519_get(const char *path, uint64_t ts, ed25519_key *key, int *status)
{
	char q[256], sigq[200];
	byte sig[ED25519_SIG_SIZE], b64[128];
	word32 sl = sizeof sig, bl = sizeof b64;
	int k = 0;

	snprintf(q, sizeof q, "timestamp=%llu&recvWindow=60000", (unsigned long long)ts);
	CU_ASSERT_EQUAL_FATAL(wc_ed25519_sign_msg((const byte *)q, (word32)strlen(q), sig, &sl,
						  key), 0);
	CU_ASSERT_EQUAL_FATAL(Base64_Encode_NoNl(sig, sl, b64, &bl), 0);
	for (word32 i = 0; i < bl; i++) {
		if (b64[i] == '+' || b64[i] == '/' || b64[i] == '=')
			k += snprintf(sigq + k, sizeof sigq - (size_t)k, "%%%02X", b64[i]);
		else
			sigq[k++] = (char)b64[i];
	}
	sigq[k] = '\0';
	char full[512];
	snprintf(full, sizeof full, "%s&signature=%s", q, sigq);
	*status = simc_raw(&rest, "GET", path, full, "", ED_KEY);
}

static void test_rest_accepts_ed25519_signatures(void)
{
	int st;
	uint64_t now = (uint64_t)time(NULL) * 1000;

	start();
	rest_ed25519_get("/fapi/v2/balance", now, &ed, &st);
	CU_ASSERT_EQUAL(st, 200);
	CU_ASSERT_TRUE(has(rest.body, "\"asset\":\"USDT\""));
	/* signed with another key: -1022 */
	rest_ed25519_get("/fapi/v2/balance", now, &ed_other, &st);
	CU_ASSERT_EQUAL(st, 400);
	CU_ASSERT_TRUE(has(rest.body, "\"code\":-1022"));
}

static void test_config_ed25519_key_file_and_errors(void)
{
	static tl_sim_config_t c2;
	byte der[128], pem[512];
	char path[] = "/tmp/talon-ed25519-XXXXXX", json[1024], err[256];
	int dn, pn, fd;

	dn = wc_Ed25519PublicKeyToDer(&ed_other, der, sizeof der, 1);
	pn = wc_DerToPem(der, (word32)dn, pem, sizeof pem, PUBLICKEY_TYPE);
	CU_ASSERT_FATAL(pn > 0);
	fd = mkstemp(path);
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_EQUAL_FATAL(write(fd, pem, (size_t)pn), pn);
	close(fd);
	/* from a file: that key logs on */
	tl_sim_config_defaults(&c2);
	snprintf(json, sizeof json,
		 "{\"accounts\":[{\"api_key\":\"k\",\"api_secret\":\"s\",\"ed25519_api_key\":\"" ED_KEY "\","
		 "\"ed25519_public_key_file\":\"%s\"}]}", path);
	CU_ASSERT_EQUAL(tl_sim_config_parse(&c2, json, strlen(json), err, sizeof err), 0);
	cfg = c2;
	cfg.sym[0].vol_bps = 0;
	start();
	ed_auth.ed25519 = &ed_other;
	CU_ASSERT_TRUE(has(wsa_call(&ws, 110, "session.logon", "", &ed_auth), "{\"id\":110,\"status\":200,"));
	/* errors, each with its message */
	tl_sim_config_defaults(&c2);
	snprintf(json, sizeof json, "{\"accounts\":[{\"api_key\":\"k\",\"api_secret\":\"s\","
		 "\"ed25519_api_key\":\"e\",\"ed25519_public_key\":\"-----BEGIN PUBLIC KEY-----\\nAAAA\\n-----END PUBLIC KEY-----\\n\"}]}");
	CU_ASSERT_EQUAL(tl_sim_config_parse(&c2, json, strlen(json), err, sizeof err), -1);
	CU_ASSERT_TRUE(has(err, "not an Ed25519 PEM public key"));
	snprintf(json, sizeof json, "{\"accounts\":[{\"api_key\":\"k\",\"api_secret\":\"s\","
		 "\"ed25519_public_key_file\":\"%s\"}]}", path);
	CU_ASSERT_EQUAL(tl_sim_config_parse(&c2, json, strlen(json), err, sizeof err), -1);
	CU_ASSERT_TRUE(has(err, "ed25519_api_key"));
	snprintf(json, sizeof json, "{\"accounts\":[{\"api_key\":\"k\",\"api_secret\":\"s\","
		 "\"ed25519_api_key\":\"e\",\"ed25519_public_key_file\":\"/nonexistent/pub.pem\"}]}");
	CU_ASSERT_EQUAL(tl_sim_config_parse(&c2, json, strlen(json), err, sizeof err), -1);
	CU_ASSERT_TRUE(has(err, "cannot open"));
	unlink(path);
}

TL_TEST_SUITE("sim.ws_api", each_setup, each_teardown,
	      TL_TEST(test_order_place_status_modify_cancel_hmac),
	      TL_TEST(test_bad_signature_and_auth_errors),
	      TL_TEST(test_session_logon_ed25519),
	      TL_TEST(test_logon_refused),
	      TL_TEST(test_rate_limits_count_and_429),
	      TL_TEST(test_unknown_method_malformed_and_frame_limit),
	      TL_TEST(test_server_ping_and_pong_deadline),
	      TL_TEST(test_lifetime_close),
	      TL_TEST(test_fault_reset_after_execution),
	      TL_TEST(test_fault_error_rule_and_unknown_outcome),
	      TL_TEST(test_fault_delay_keeps_order),
	      TL_TEST(test_positions_balance_account_and_listen_key),
	      TL_TEST(test_mutated_requests_each_answered),
	      TL_TEST(test_config_ed25519_key_file_and_errors),
	      TL_TEST(test_rest_accepts_ed25519_signatures));
