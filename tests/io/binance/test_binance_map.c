/*
 * test_binance_map.c - io/binance/map.c: golden request encodings for
 * every order type and position mode, and golden decodes of the JSON in
 * the Binance USD-M API docs (order / algo / query / batch responses, error bodies
 * and the 503 variants, ORDER_TRADE_UPDATE, TRADE_LITE, ALGO_UPDATE,
 * markPriceUpdate, listenKeyExpired) asserting every produced field;
 * then untrusted input: malformed fields with their error codes, a fixed
 * seed mutation loop that must never crash, and no system allocation
 * while decoding. The all-market mark stream (tl_binance_decode_marks):
 * only traded symbols emitted, exact prices, all-or-nothing refusal of a
 * bad element, the element bound, a full venue within frame and arena,
 * and its own mutation loop.
 */
#define _GNU_SOURCE
#include "tests/support/tl_test.h"
#include "tests/support/alloc_hook.h"

#include "io/binance/map.h"
#include "io/binance/market.h"
#include "io/binance/sign.h"
#include "io/binance/stream.h"
#include "sim/auth.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ONE TL_FX_ONE
#define TS 1700000000000LL
#define NOW ((tl_time_t)1700000000123456789LL)

static tl_symbol_t BTC, ETH;
static unsigned char arena_buf[64 * 1024];
static tl_binance_arena_t A;
static tl_binance_decoded_t D;
static char Q[4096];
static tl_binance_http_t H;

static int suite_init(void)
{
	tl_binance_map_init();
	memset(&BTC, 0, sizeof BTC);
	strcpy(BTC.name, "BTCUSDT");
	BTC.price_precision = 2;
	BTC.qty_precision = 3;
	memset(&ETH, 0, sizeof ETH);
	strcpy(ETH.name, "ETHUSDT");
	ETH.price_precision = 2;
	ETH.qty_precision = 3;
	tl_binance_arena_init(&A, arena_buf, sizeof arena_buf);
	return 0;
}

static tl_out_req_t req(const char *clid, const char *sym, uint8_t side,
			uint8_t type, tl_fx_t qty, tl_fx_t price)
{
	tl_out_req_t r;

	memset(&r, 0, sizeof r);
	snprintf(r.client_id, sizeof r.client_id, "%s", clid);
	snprintf(r.symbol, sizeof r.symbol, "%s", sym);
	r.side = side;
	r.type = type;
	r.qty = qty;
	r.price = price;
	r.attempt = 1;
	return r;
}

/* ======================================================================= */
/* Encoding                                                                */
/* ======================================================================= */

static void enc_order(const tl_out_req_t *r, bool hedge, const char *want,
		      const char *path)
{
	int n = tl_binance_encode_order(r, &BTC, hedge, TS, 5000, &H, Q, sizeof Q);

	CU_ASSERT_EQUAL(n, (int)strlen(want));
	CU_ASSERT_STRING_EQUAL(Q, want);
	CU_ASSERT_EQUAL(H.method, TL_BN_POST);
	CU_ASSERT_STRING_EQUAL(H.path, path);
	if (strcmp(Q, want) != 0)
		fprintf(stderr, "\n got: %s\nwant: %s\n", Q, want);
}

static void test_encode_limit_one_way(void)
{
	tl_out_req_t r = req("tl-1", "BTCUSDT", TL_BUY, TL_ORD_LIMIT,
			     ONE / 100, 5000010 * ONE / 100);
	r.tif = TL_TIF_GTC;
	enc_order(&r, false,
		  "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC"
		  "&quantity=0.010&price=50000.10&newClientOrderId=tl-1"
		  "&positionSide=BOTH&newOrderRespType=RESULT"
		  "&recvWindow=5000&timestamp=1700000000000",
		  "/fapi/v1/order");
	CU_ASSERT_FALSE(H.algo);
}

static void test_encode_limit_tif_default_and_post_only(void)
{
	tl_out_req_t r = req("tl-1", "BTCUSDT", TL_SELL, TL_ORD_LIMIT,
			     2 * ONE, 50000 * ONE);
	r.tif = 0;
	CU_ASSERT(tl_binance_encode_order(&r, &BTC, false, TS, 5000, &H, Q, sizeof Q) > 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(Q, "&timeInForce=GTC&quantity=2.000&price=50000.00&"));
	r.tif = TL_TIF_GTX;
	CU_ASSERT(tl_binance_encode_order(&r, &BTC, false, TS, 5000, &H, Q, sizeof Q) > 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(Q, "&timeInForce=GTX&"));
	r.tif = 9;
	CU_ASSERT_EQUAL(tl_binance_encode_order(&r, &BTC, false, TS, 5000, &H, Q, sizeof Q),
			-EINVAL);
}

static void test_encode_market_reduce_only_one_way(void)
{
	tl_out_req_t r = req("tl-2", "BTCUSDT", TL_SELL, TL_ORD_MARKET, ONE / 100, 0);
	r.reduce_only = 1;
	enc_order(&r, false,
		  "symbol=BTCUSDT&side=SELL&type=MARKET&quantity=0.010"
		  "&newClientOrderId=tl-2&positionSide=BOTH&reduceOnly=true"
		  "&newOrderRespType=RESULT&recvWindow=5000&timestamp=1700000000000",
		  "/fapi/v1/order");
}

static void test_encode_market_hedge_never_sends_reduce_only(void)
{
	tl_out_req_t r = req("tl-3", "BTCUSDT", TL_SELL, TL_ORD_MARKET, ONE, 0);
	r.pos_side = TL_PS_LONG;
	r.reduce_only = 1;
	enc_order(&r, true,
		  "symbol=BTCUSDT&side=SELL&type=MARKET&quantity=1.000"
		  "&newClientOrderId=tl-3&positionSide=LONG"
		  "&newOrderRespType=RESULT&recvWindow=5000&timestamp=1700000000000",
		  "/fapi/v1/order");
	r.pos_side = TL_PS_SHORT;
	r.side = TL_BUY;
	CU_ASSERT(tl_binance_encode_order(&r, &BTC, true, TS, 5000, &H, Q, sizeof Q) > 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(Q, "&positionSide=SHORT&"));
	CU_ASSERT_PTR_NULL(strstr(Q, "reduceOnly"));
}

static void test_encode_position_side_must_match_mode(void)
{
	tl_out_req_t r = req("tl-4", "BTCUSDT", TL_BUY, TL_ORD_MARKET, ONE, 0);

	r.pos_side = TL_PS_BOTH;
	CU_ASSERT_EQUAL(tl_binance_encode_order(&r, &BTC, true, TS, 5000, &H, Q, sizeof Q),
			-EINVAL);
	r.pos_side = TL_PS_LONG;
	CU_ASSERT_EQUAL(tl_binance_encode_order(&r, &BTC, false, TS, 5000, &H, Q, sizeof Q),
			-EINVAL);
}

static void test_encode_algo_stop_market_one_way(void)
{
	tl_out_req_t r = req("tl-5", "BTCUSDT", TL_SELL, TL_ORD_STOP_MARKET, ONE / 100, 0);
	r.stop_price = 49000 * ONE;
	r.reduce_only = 1;
	r.algo = 1;
	enc_order(&r, false,
		  "algoType=CONDITIONAL&symbol=BTCUSDT&side=SELL&positionSide=BOTH"
		  "&type=STOP_MARKET&quantity=0.010&triggerPrice=49000.00"
		  "&workingType=MARK_PRICE&clientAlgoId=tl-5&reduceOnly=true"
		  "&recvWindow=5000&timestamp=1700000000000",
		  "/fapi/v1/algoOrder");
	CU_ASSERT_TRUE(H.algo);
}

static void test_encode_algo_take_profit_limit_hedge(void)
{
	tl_out_req_t r = req("tl-6", "BTCUSDT", TL_SELL, TL_ORD_TAKE_PROFIT,
			     ONE / 100, 51000 * ONE);
	r.stop_price = 5100050 * ONE / 100;
	r.pos_side = TL_PS_LONG;
	r.reduce_only = 1;
	enc_order(&r, true,
		  "algoType=CONDITIONAL&symbol=BTCUSDT&side=SELL&positionSide=LONG"
		  "&type=TAKE_PROFIT&timeInForce=GTC&quantity=0.010&price=51000.00"
		  "&triggerPrice=51000.50&workingType=MARK_PRICE&clientAlgoId=tl-6"
		  "&recvWindow=5000&timestamp=1700000000000",
		  "/fapi/v1/algoOrder");
}

static void test_encode_algo_close_position(void)
{
	tl_out_req_t r = req("tl-7", "BTCUSDT", TL_BUY, TL_ORD_TAKE_PROFIT_MARKET, 0, 0);
	r.stop_price = 40000 * ONE;
	r.close_position = 1;
	r.reduce_only = 1;    /* not sent together with closePosition */
	enc_order(&r, false,
		  "algoType=CONDITIONAL&symbol=BTCUSDT&side=BUY&positionSide=BOTH"
		  "&type=TAKE_PROFIT_MARKET&closePosition=true&triggerPrice=40000.00"
		  "&workingType=MARK_PRICE&clientAlgoId=tl-7"
		  "&recvWindow=5000&timestamp=1700000000000",
		  "/fapi/v1/algoOrder");
	/* closePosition only with the *_MARKET types */
	r.type = TL_ORD_STOP;
	r.price = 40000 * ONE;
	CU_ASSERT_EQUAL(tl_binance_encode_order(&r, &BTC, false, TS, 5000, &H, Q, sizeof Q),
			-EINVAL);
	/* STOP requires a trigger price */
	r.close_position = 0;
	r.qty = ONE;
	r.stop_price = 0;
	CU_ASSERT_EQUAL(tl_binance_encode_order(&r, &BTC, false, TS, 5000, &H, Q, sizeof Q),
			-EINVAL);
}

static void test_encode_refuses_values_beyond_precision(void)
{
	tl_out_req_t r = req("tl-8", "BTCUSDT", TL_BUY, TL_ORD_LIMIT,
			     ONE / 100, 50000123 * ONE / 1000);
	CU_ASSERT_EQUAL(tl_binance_encode_order(&r, &BTC, false, TS, 5000, &H, Q, sizeof Q),
			-EINVAL);   /* 50000.123 at 2 decimals */
	r.price = 50000 * ONE;
	r.qty = ONE / 10000;      /* 0.0001 at 3 decimals */
	CU_ASSERT_EQUAL(tl_binance_encode_order(&r, &BTC, false, TS, 5000, &H, Q, sizeof Q),
			-EINVAL);
	r.qty = 0;
	CU_ASSERT_EQUAL(tl_binance_encode_order(&r, &BTC, false, TS, 5000, &H, Q, sizeof Q),
			-EINVAL);
	r.qty = ONE;
	r.price = -ONE;
	CU_ASSERT_EQUAL(tl_binance_encode_order(&r, &BTC, false, TS, 5000, &H, Q, sizeof Q),
			-EINVAL);
}

static void test_encode_refuses_bad_ids_and_mismatched_symbol(void)
{
	tl_out_req_t r = req("a b", "BTCUSDT", TL_BUY, TL_ORD_MARKET, ONE, 0);

	CU_ASSERT_EQUAL(tl_binance_encode_order(&r, &BTC, false, TS, 5000, &H, Q, sizeof Q),
			-EINVAL);
	r = req("", "BTCUSDT", TL_BUY, TL_ORD_MARKET, ONE, 0);
	CU_ASSERT_EQUAL(tl_binance_encode_order(&r, &BTC, false, TS, 5000, &H, Q, sizeof Q),
			-EINVAL);
	r = req("ok", "ETHUSDT", TL_BUY, TL_ORD_MARKET, ONE, 0);
	CU_ASSERT_EQUAL(tl_binance_encode_order(&r, &BTC, false, TS, 5000, &H, Q, sizeof Q),
			-EINVAL);
	r = req("ok", "BTCUSDT", 0, TL_ORD_MARKET, ONE, 0);
	CU_ASSERT_EQUAL(tl_binance_encode_order(&r, &BTC, false, TS, 5000, &H, Q, sizeof Q),
			-EINVAL);
	r = req("ok", "BTCUSDT", TL_BUY, 77, ONE, 0);
	CU_ASSERT_EQUAL(tl_binance_encode_order(&r, &BTC, false, TS, 5000, &H, Q, sizeof Q),
			-EINVAL);
	r = req("ok", "BTCUSDT", TL_BUY, TL_ORD_MARKET, ONE, 0);
	CU_ASSERT_EQUAL(tl_binance_encode_order(&r, &BTC, false, 0, 5000, &H, Q, sizeof Q),
			-EINVAL);
}

static void test_encode_percent_encodes_client_id(void)
{
	tl_out_req_t r = req("tl:a/b.c_d-e", "BTCUSDT", TL_BUY, TL_ORD_MARKET, ONE, 0);

	CU_ASSERT(tl_binance_encode_order(&r, &BTC, false, TS, 0, &H, Q, sizeof Q) > 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(Q, "&newClientOrderId=tl%3Aa%2Fb.c_d-e&"));
	/* recvWindow 0: not sent (venue default) */
	CU_ASSERT_PTR_NULL(strstr(Q, "recvWindow"));
	CU_ASSERT_PTR_NOT_NULL(strstr(Q, "&timestamp=1700000000000"));
}

static void test_encode_enospc_at_every_cap(void)
{
	tl_out_req_t r = req("tl-9", "BTCUSDT", TL_BUY, TL_ORD_LIMIT, ONE, 50000 * ONE);
	int full = tl_binance_encode_order(&r, &BTC, false, TS, 5000, &H, Q, sizeof Q);

	CU_ASSERT_FATAL(full > 0);
	for (size_t cap = 0; cap <= (size_t)full; cap++)
		CU_ASSERT_EQUAL(tl_binance_encode_order(&r, &BTC, false, TS, 5000,
							&H, Q, cap), -ENOSPC);
	CU_ASSERT_EQUAL(tl_binance_encode_order(&r, &BTC, false, TS, 5000, &H, Q,
						(size_t)full + 1), full);
}

static void test_encode_cancel_and_query(void)
{
	tl_out_req_t r = req("tl-1", "BTCUSDT", TL_BUY, TL_ORD_LIMIT, ONE, ONE);

	CU_ASSERT(tl_binance_encode_cancel(&r, TS, 5000, &H, Q, sizeof Q) > 0);
	CU_ASSERT_EQUAL(H.method, TL_BN_DELETE);
	CU_ASSERT_STRING_EQUAL(H.path, "/fapi/v1/order");
	CU_ASSERT_STRING_EQUAL(Q, "symbol=BTCUSDT&origClientOrderId=tl-1"
			       "&recvWindow=5000&timestamp=1700000000000");
	CU_ASSERT(tl_binance_encode_query(&r, TS, 5000, &H, Q, sizeof Q) > 0);
	CU_ASSERT_EQUAL(H.method, TL_BN_GET);
	CU_ASSERT_STRING_EQUAL(H.path, "/fapi/v1/order");
	CU_ASSERT_STRING_EQUAL(Q, "symbol=BTCUSDT&origClientOrderId=tl-1"
			       "&recvWindow=5000&timestamp=1700000000000");

	r = req("tl-5", "BTCUSDT", TL_SELL, TL_ORD_STOP_MARKET, ONE, 0);
	CU_ASSERT(tl_binance_encode_cancel(&r, TS, 5000, &H, Q, sizeof Q) > 0);
	CU_ASSERT_EQUAL(H.method, TL_BN_DELETE);
	CU_ASSERT_STRING_EQUAL(H.path, "/fapi/v1/algoOrder");
	CU_ASSERT_TRUE(H.algo);
	CU_ASSERT_STRING_EQUAL(Q, "clientAlgoId=tl-5&recvWindow=5000&timestamp=1700000000000");
	CU_ASSERT(tl_binance_encode_query(&r, TS, 5000, &H, Q, sizeof Q) > 0);
	CU_ASSERT_EQUAL(H.method, TL_BN_GET);
	CU_ASSERT_STRING_EQUAL(H.path, "/fapi/v1/algoOrder");

	CU_ASSERT(tl_binance_encode_query_id("BTCUSDT", 88937381063LL, TS, 5000,
					     &H, Q, sizeof Q) > 0);
	CU_ASSERT_STRING_EQUAL(Q, "symbol=BTCUSDT&orderId=88937381063"
			       "&recvWindow=5000&timestamp=1700000000000");
	CU_ASSERT_EQUAL(tl_binance_encode_query_id("BTCUSDT", 0, TS, 5000, &H, Q, sizeof Q),
			-EINVAL);
	CU_ASSERT_EQUAL(H.method, TL_BN_GET);
	CU_ASSERT_STRING_EQUAL(tl_binance_method_name(TL_BN_DELETE), "DELETE");
}

/* Percent-decode s into out (test helper). */
static void url_decode(const char *s, char *out)
{
	while (*s) {
		if (*s == '%') {
			unsigned v;
			sscanf(s + 1, "%2x", &v);
			*out++ = (char)v;
			s += 3;
		} else {
			*out++ = *s++;
		}
	}
	*out = '\0';
}

static void test_encode_batch_emergency_closes(void)
{
	tl_out_req_t a = req("em-1", "BTCUSDT", TL_SELL, TL_ORD_MARKET, ONE / 100, 0);
	tl_out_req_t b = req("em-2", "ETHUSDT", TL_BUY, TL_ORD_MARKET, 3 * ONE / 2, 0);
	const tl_out_req_t *rs[] = { &a, &b };
	const tl_symbol_t *ss[] = { &BTC, &ETH };
	char dec[4096];

	a.reduce_only = b.reduce_only = 1;
	int n = tl_binance_encode_batch(rs, ss, 2, false, TS, 5000, &H, Q, sizeof Q);
	CU_ASSERT_FATAL(n > 0);
	CU_ASSERT_EQUAL(H.method, TL_BN_POST);
	CU_ASSERT_STRING_EQUAL(H.path, "/fapi/v1/batchOrders");
	CU_ASSERT_NSTRING_EQUAL(Q, "batchOrders=%5B%7B%22symbol%22%3A%22BTCUSDT%22%2C", 48);
	CU_ASSERT_PTR_NULL(strchr(Q, '"'));
	CU_ASSERT_PTR_NULL(strchr(Q, '{'));
	url_decode(Q, dec);
	CU_ASSERT_STRING_EQUAL(dec,
		"batchOrders=["
		"{\"symbol\":\"BTCUSDT\",\"side\":\"SELL\",\"type\":\"MARKET\",\"quantity\":\"0.010\","
		"\"newClientOrderId\":\"em-1\",\"positionSide\":\"BOTH\",\"reduceOnly\":\"true\","
		"\"newOrderRespType\":\"RESULT\"},"
		"{\"symbol\":\"ETHUSDT\",\"side\":\"BUY\",\"type\":\"MARKET\",\"quantity\":\"1.500\","
		"\"newClientOrderId\":\"em-2\",\"positionSide\":\"BOTH\",\"reduceOnly\":\"true\","
		"\"newOrderRespType\":\"RESULT\"}]"
		"&recvWindow=5000&timestamp=1700000000000");
	/* The JSON part is valid JSON. */
	char *js = dec + strlen("batchOrders=");
	*strchr(js, '&') = '\0';
	cJSON *j = cJSON_Parse(js);
	CU_ASSERT_PTR_NOT_NULL(j);
	CU_ASSERT_EQUAL(cJSON_GetArraySize(j), 2);
	cJSON_Delete(j);
}

static void test_encode_batch_limits(void)
{
	tl_out_req_t a = req("em-1", "BTCUSDT", TL_SELL, TL_ORD_MARKET, ONE, 0);
	tl_out_req_t s = req("em-2", "BTCUSDT", TL_SELL, TL_ORD_STOP_MARKET, ONE, 0);
	const tl_out_req_t *rs[6] = { &a, &a, &a, &a, &a, &a };
	const tl_symbol_t *ss[6] = { &BTC, &BTC, &BTC, &BTC, &BTC, &BTC };

	s.stop_price = ONE;
	CU_ASSERT(tl_binance_encode_batch(rs, ss, 5, false, TS, 5000, &H, Q, sizeof Q) > 0);
	CU_ASSERT_EQUAL(tl_binance_encode_batch(rs, ss, 6, false, TS, 5000, &H, Q, sizeof Q),
			-EINVAL);
	CU_ASSERT_EQUAL(tl_binance_encode_batch(rs, ss, 0, false, TS, 5000, &H, Q, sizeof Q),
			-EINVAL);
	rs[1] = &s;   /* conditional types cannot be batched */
	CU_ASSERT_EQUAL(tl_binance_encode_batch(rs, ss, 2, false, TS, 5000, &H, Q, sizeof Q),
			-EINVAL);
	rs[1] = &a;
	CU_ASSERT_EQUAL(tl_binance_encode_batch(rs, ss, 2, false, TS, 5000, &H, Q, 100),
			-ENOSPC);
}

/* Encode, sign, and let the simulator's verifier check the bytes. */
static void test_encode_then_sign_verifies_at_simulator(void)
{
	static const char secret[] = "s3cr3t-for-tests-only-0123456789";
	tl_binance_signer_t sg;
	tl_sim_err_t e;
	tl_out_req_t r = req("tl:1", "BTCUSDT", TL_BUY, TL_ORD_LIMIT, ONE, 50000 * ONE);

	CU_ASSERT_EQUAL_FATAL(tl_binance_signer_init(&sg, "key", secret), 0);
	int n = tl_binance_encode_order(&r, &BTC, false, TS, 5000, &H, Q, sizeof Q);
	CU_ASSERT_FATAL(n > 0);
	n = tl_binance_sign_append(&sg, Q, (size_t)n, sizeof Q, NULL, 0);
	CU_ASSERT_FATAL(n > 0);
	CU_ASSERT_EQUAL(tl_sim_auth_verify(secret, "", 0, Q, (size_t)n, &e), 0);
	CU_ASSERT_PTR_NULL(strstr(Q, secret));
	tl_binance_signer_wipe(&sg);
}

/* ======================================================================= */
/* REST responses                                                          */
/* ======================================================================= */

static int resp(const tl_out_req_t *r, tl_req_kind_t kind, bool algo,
		uint16_t status, const char *body)
{
	tl_binance_http_t h = { .method = TL_BN_POST, .path = "x", .algo = algo };
	tl_binance_resp_t rs = { .http_status = status, .body = body,
				 .len = body ? strlen(body) : 0 };

	return tl_binance_decode_response(&A, r, kind, &h, &rs, NOW, &D);
}

static const char DOC_ORDER[] =
	"{\"clientOrderId\": \"testOrder\", \"cumQty\": \"0\", \"cumQuote\": \"0\", \"executedQty\": \"0\","
	"\"orderId\": 22542179, \"avgPrice\": \"0.00000\", \"origQty\": \"10\", \"price\": \"0\","
	"\"reduceOnly\": false, \"side\": \"BUY\", \"positionSide\": \"SHORT\", \"status\": \"NEW\","
	"\"stopPrice\": \"0\", \"closePosition\": false, \"symbol\": \"BTCUSDT\", \"timeInForce\": \"GTD\","
	"\"type\": \"LIMIT\", \"origType\": \"LIMIT\", \"updateTime\": 1566818724722,"
	"\"workingType\": \"CONTRACT_PRICE\", \"priceProtect\": false, \"priceMatch\": \"NONE\","
	"\"selfTradePreventionMode\": \"NONE\", \"goodTillDate\": 1693207680000}";

static const char LIVE_ORDER[] =
	"{\"orderId\":4087922044,\"symbol\":\"BTCUSDT\",\"status\":\"NEW\",\"clientOrderId\":\"x-xcKtGhcu04075babaeb34c55af79ba\","
	"\"price\":\"110001.00\",\"avgPrice\":\"0.00\",\"origQty\":\"0.200\",\"executedQty\":\"0.000\",\"cumQty\":\"0.000\",\"cumQuote\":\"0.00000\","
	"\"timeInForce\":\"GTC\",\"type\":\"LIMIT\",\"reduceOnly\":false,\"closePosition\":false,\"side\":\"SELL\",\"positionSide\":\"BOTH\","
	"\"stopPrice\":\"0.00\",\"workingType\":\"CONTRACT_PRICE\",\"priceProtect\":false,\"origType\":\"LIMIT\",\"priceMatch\":\"NONE\","
	"\"selfTradePreventionMode\":\"NONE\",\"goodTillDate\":0,\"updateTime\":1739781831932}";

static void assert_update(const tl_input_t *in, const char *clid, int st,
			  int64_t vid, const char *text)
{
	CU_ASSERT_EQUAL(in->hdr.type, TL_IN_ORDER_UPDATE);
	CU_ASSERT_EQUAL(in->hdr.time, NOW);
	CU_ASSERT_EQUAL(in->hdr.seq, 0);
	CU_ASSERT_STRING_EQUAL(in->u.update.client_id, clid);
	CU_ASSERT_EQUAL(in->u.update.status, st);
	CU_ASSERT_EQUAL(in->u.update.venue_id, vid);
	CU_ASSERT_EQUAL(in->u.update.code, 0);
	CU_ASSERT_STRING_EQUAL(in->u.update.text, text);
}

static void test_decode_doc_order_response(void)
{
	tl_out_req_t r = req("testOrder", "BTCUSDT", TL_BUY, TL_ORD_LIMIT, 0, 0);

	CU_ASSERT_EQUAL(resp(&r, TL_REQ_NEW, false, 200, DOC_ORDER), TL_BN_OK);
	CU_ASSERT_EQUAL_FATAL(D.n, 1);
	assert_update(&D.in[0], "testOrder", TL_ST_NEW, 22542179, "");
	CU_ASSERT(A.peak > 0 && A.peak < sizeof arena_buf);
}

static void test_decode_live_order_response(void)
{
	tl_out_req_t r = req("x-xcKtGhcu04075babaeb34c55af79ba", "BTCUSDT",
			     TL_SELL, TL_ORD_LIMIT, 0, 0);

	CU_ASSERT_EQUAL(resp(&r, TL_REQ_NEW, false, 200, LIVE_ORDER), TL_BN_OK);
	CU_ASSERT_EQUAL_FATAL(D.n, 1);
	assert_update(&D.in[0], "x-xcKtGhcu04075babaeb34c55af79ba", TL_ST_NEW,
		      4087922044LL, "");
}

/* RESULT of a filled MARKET: an ack, no fill (fills carry trade ids and
 * come from the user stream). */
static void test_decode_filled_market_result_is_ack_only(void)
{
	static const char body[] =
		"{\"orderId\":77,\"symbol\":\"BTCUSDT\",\"status\":\"FILLED\",\"clientOrderId\":\"tl-2\","
		"\"price\":\"0.00\",\"avgPrice\":\"50000.10\",\"origQty\":\"0.010\",\"executedQty\":\"0.010\","
		"\"type\":\"MARKET\",\"updateTime\":1739781831932}";
	tl_out_req_t r = req("tl-2", "BTCUSDT", TL_BUY, TL_ORD_MARKET, 0, 0);

	CU_ASSERT_EQUAL(resp(&r, TL_REQ_NEW, false, 200, body), TL_BN_OK);
	CU_ASSERT_EQUAL_FATAL(D.n, 1);
	assert_update(&D.in[0], "tl-2", TL_ST_NEW, 77, "");
}

static void test_decode_expired_and_canceled_responses(void)
{
	static const char exp[] =
		"{\"orderId\":78,\"status\":\"EXPIRED\",\"clientOrderId\":\"tl-3\",\"executedQty\":\"0.004\",\"avgPrice\":\"1.00\"}";
	static const char can[] =
		"{\"orderId\":79,\"status\":\"CANCELED\",\"clientOrderId\":\"tl-3\",\"executedQty\":\"0\",\"symbol\":\"BTCUSDT\"}";
	tl_out_req_t r = req("tl-3", "BTCUSDT", TL_BUY, TL_ORD_LIMIT, 0, 0);

	CU_ASSERT_EQUAL(resp(&r, TL_REQ_NEW, false, 200, exp), TL_BN_OK);
	CU_ASSERT_EQUAL_FATAL(D.n, 1);
	assert_update(&D.in[0], "tl-3", TL_ST_EXPIRED, 78, "");
	CU_ASSERT_EQUAL(resp(&r, TL_REQ_CANCEL, false, 200, can), TL_BN_OK);
	CU_ASSERT_EQUAL_FATAL(D.n, 1);
	assert_update(&D.in[0], "tl-3", TL_ST_CANCELED, 79, "");
}

static void test_decode_doc_query_response(void)
{
	static const char body[] =
		"{\"avgPrice\":\"0.00000\",\"clientOrderId\":\"abc\",\"cumQuote\":\"0\",\"executedQty\":\"0\",\"orderId\":1917641,\"origQty\":\"0.40\","
		"\"origType\":\"TRAILING_STOP_MARKET\",\"price\":\"0\",\"reduceOnly\":false,\"side\":\"BUY\",\"positionSide\":\"SHORT\",\"status\":\"NEW\","
		"\"stopPrice\":\"9300\",\"closePosition\":false,\"symbol\":\"BTCUSDT\",\"time\":1579276756075,\"timeInForce\":\"GTC\","
		"\"type\":\"TRAILING_STOP_MARKET\",\"activatePrice\":\"9020\",\"priceRate\":\"0.3\",\"updateTime\":1579276756075,"
		"\"workingType\":\"CONTRACT_PRICE\",\"priceProtect\":false,\"priceMatch\":\"NONE\",\"selfTradePreventionMode\":\"NONE\",\"goodTillDate\":0}";
	tl_out_req_t r = req("abc", "BTCUSDT", TL_BUY, TL_ORD_LIMIT, 0, 0);

	CU_ASSERT_EQUAL(resp(&r, TL_REQ_QUERY, false, 200, body), TL_BN_OK);
	CU_ASSERT_EQUAL_FATAL(D.n, 1);
	const tl_input_t *in = &D.in[0];
	CU_ASSERT_EQUAL(in->hdr.type, TL_IN_QUERY_RESULT);
	CU_ASSERT_EQUAL(in->hdr.time, NOW);
	CU_ASSERT_STRING_EQUAL(in->u.query.client_id, "abc");
	CU_ASSERT_EQUAL(in->u.query.found, 1);
	CU_ASSERT_EQUAL(in->u.query.status, TL_ST_NEW);
	CU_ASSERT_EQUAL(in->u.query.venue_id, 1917641);
	CU_ASSERT_EQUAL(in->u.query.executed_qty, 0);
	CU_ASSERT_EQUAL(in->u.query.avg_price, 0);
}

static void test_decode_filled_query_response(void)
{
	static const char body[] =
		"{\"avgPrice\":\"50000.10\",\"clientOrderId\":\"tl-4\",\"executedQty\":\"0.010\",\"orderId\":5,"
		"\"status\":\"FILLED\",\"symbol\":\"BTCUSDT\"}";
	tl_out_req_t r = req("tl-4", "BTCUSDT", TL_BUY, TL_ORD_LIMIT, 0, 0);

	CU_ASSERT_EQUAL(resp(&r, TL_REQ_QUERY, false, 200, body), TL_BN_OK);
	CU_ASSERT_EQUAL_FATAL(D.n, 1);
	CU_ASSERT_EQUAL(D.in[0].u.query.status, TL_ST_FILLED);
	CU_ASSERT_EQUAL(D.in[0].u.query.executed_qty, ONE / 100);
	CU_ASSERT_EQUAL(D.in[0].u.query.avg_price, 5000010 * ONE / 100);
	CU_ASSERT_EQUAL(D.in[0].u.query.venue_id, 5);
}

static void assert_error(const tl_input_t *in, const char *clid, int kind,
			 uint16_t status, int32_t code, tl_503_kind_t k503,
			 const char *text)
{
	CU_ASSERT_EQUAL(in->hdr.type, TL_IN_REQ_ERROR);
	CU_ASSERT_EQUAL(in->hdr.time, NOW);
	CU_ASSERT_STRING_EQUAL(in->u.error.client_id, clid);
	CU_ASSERT_EQUAL(in->u.error.req, kind);
	CU_ASSERT_EQUAL(in->u.error.outcome.transport, TL_TR_NONE);
	CU_ASSERT_TRUE(in->u.error.outcome.written);
	CU_ASSERT_EQUAL(in->u.error.outcome.is_write, kind != TL_REQ_QUERY);
	CU_ASSERT_EQUAL(in->u.error.outcome.http_status, status);
	CU_ASSERT_EQUAL(in->u.error.outcome.code, code);
	CU_ASSERT_EQUAL(in->u.error.outcome.kind503, k503);
	CU_ASSERT_STRING_EQUAL(in->u.error.text, text);
}

static tl_outcome_class_t cls0(void)
{
	return tl_retry_classify(&D.in[0].u.error.outcome);
}

static void test_decode_error_bodies(void)
{
	tl_out_req_t r = req("tl-5", "BTCUSDT", TL_SELL, TL_ORD_MARKET, 0, 0);

	CU_ASSERT_EQUAL(resp(&r, TL_REQ_NEW, false, 400,
			     "{\"code\":-2022,\"msg\":\"ReduceOnly Order is rejected.\"}"), TL_BN_OK);
	CU_ASSERT_EQUAL_FATAL(D.n, 1);
	assert_error(&D.in[0], "tl-5", TL_REQ_NEW, 400, -2022, TL_503_NONE,
		     "ReduceOnly Order is rejected.");
	CU_ASSERT_EQUAL(D.in[0].u.error.retry_after_ns, 0);
	CU_ASSERT_EQUAL(cls0(), TL_OUT_PERMANENT);

	CU_ASSERT_EQUAL(resp(&r, TL_REQ_NEW, false, 401,
			     "{\"code\":-2015,\"msg\":\"Invalid API-key, IP, or permissions for action, request ip: 1.2.3.4\"}"),
			TL_BN_OK);
	assert_error(&D.in[0], "tl-5", TL_REQ_NEW, 401, -2015, TL_503_NONE,
		     "Invalid API-key, IP, or permissions for action, request ip: 1.2");
	CU_ASSERT_EQUAL(strlen(D.in[0].u.error.text), TL_TEXT_LEN - 1);

	CU_ASSERT_EQUAL(resp(&r, TL_REQ_QUERY, false, 400,
			     "{\"code\":-2013,\"msg\":\"Order does not exist.\"}"), TL_BN_OK);
	assert_error(&D.in[0], "tl-5", TL_REQ_QUERY, 400, -2013, TL_503_NONE,
		     "Order does not exist.");
	CU_ASSERT_EQUAL(cls0(), TL_OUT_PERMANENT);

	CU_ASSERT_EQUAL(resp(&r, TL_REQ_CANCEL, false, 400,
			     "{\"code\":-2011,\"msg\":\"Unknown order sent.\"}"), TL_BN_OK);
	assert_error(&D.in[0], "tl-5", TL_REQ_CANCEL, 400, -2011, TL_503_NONE,
		     "Unknown order sent.");
}

static void test_decode_rate_limit_keeps_retry_after(void)
{
	tl_out_req_t r = req("tl-6", "BTCUSDT", TL_SELL, TL_ORD_MARKET, 0, 0);
	tl_binance_http_t h = { TL_BN_POST, "/fapi/v1/order", false };
	static const char body[] =
		"{\"code\":-1003,\"msg\":\"Too many requests; current limit is 2400 requests per minute.\"}";
	tl_binance_resp_t rs = { 429, 7 * TL_NS_PER_S, body, sizeof body - 1 };

	CU_ASSERT_EQUAL(tl_binance_decode_response(&A, &r, TL_REQ_NEW, &h, &rs, NOW, &D),
			TL_BN_OK);
	CU_ASSERT_EQUAL_FATAL(D.n, 1);
	CU_ASSERT_EQUAL(D.in[0].u.error.outcome.http_status, 429);
	CU_ASSERT_EQUAL(D.in[0].u.error.outcome.code, -1003);
	CU_ASSERT_EQUAL(D.in[0].u.error.retry_after_ns, 7 * TL_NS_PER_S);
	CU_ASSERT_EQUAL(cls0(), TL_OUT_TRANSIENT);
}

static void test_decode_503_variants(void)
{
	tl_out_req_t r = req("tl-7", "BTCUSDT", TL_BUY, TL_ORD_MARKET, 0, 0);

	CU_ASSERT_EQUAL(resp(&r, TL_REQ_NEW, false, 503,
			     "{\"code\":-1000,\"msg\":\"Unknown error, please check your request or try again later.\"}"),
			TL_BN_OK);
	assert_error(&D.in[0], "tl-7", TL_REQ_NEW, 503, -1000, TL_503_UNKNOWN_ERROR,
		     "Unknown error, please check your request or try again later.");
	CU_ASSERT_EQUAL(cls0(), TL_OUT_AMBIGUOUS);

	/* bare text, not JSON */
	CU_ASSERT_EQUAL(resp(&r, TL_REQ_NEW, false, 503, "Service Unavailable."), TL_BN_OK);
	assert_error(&D.in[0], "tl-7", TL_REQ_NEW, 503, 0, TL_503_UNAVAILABLE,
		     "Service Unavailable.");
	CU_ASSERT_EQUAL(cls0(), TL_OUT_TRANSIENT);

	CU_ASSERT_EQUAL(resp(&r, TL_REQ_NEW, false, 503,
			     "{\"code\":-1001,\"msg\":\"Internal error; unable to process your request. Please try again.\"}"),
			TL_BN_OK);
	CU_ASSERT_EQUAL(D.in[0].u.error.outcome.kind503, TL_503_INTERNAL);
	CU_ASSERT_EQUAL(D.in[0].u.error.outcome.code, -1001);
	CU_ASSERT_EQUAL(cls0(), TL_OUT_TRANSIENT);

	CU_ASSERT_EQUAL(resp(&r, TL_REQ_NEW, false, 503,
			     "{\"code\":-1008,\"msg\":\"Request throttled by system-level protection. "
			     "Reduce-only/close-position orders are exempt. Please try again.\"}"),
			TL_BN_OK);
	CU_ASSERT_EQUAL(D.in[0].u.error.outcome.kind503, TL_503_THROTTLED);
	CU_ASSERT_EQUAL(D.in[0].u.error.outcome.code, -1008);
	CU_ASSERT_STRING_EQUAL(D.in[0].u.error.text,
			       "Request throttled by system-level protection. Reduce-only/close");
	CU_ASSERT_EQUAL(cls0(), TL_OUT_TRANSIENT);

	/* -1007 timeout under a 503 with an unknown text */
	CU_ASSERT_EQUAL(resp(&r, TL_REQ_NEW, false, 503,
			     "{\"code\":-1007,\"msg\":\"Timeout waiting for response from backend server. "
			     "Send status unknown; execution status unknown.\"}"), TL_BN_OK);
	CU_ASSERT_EQUAL(D.in[0].u.error.outcome.kind503, TL_503_NONE);
	CU_ASSERT_EQUAL(cls0(), TL_OUT_AMBIGUOUS);
}

static void test_decode_non_json_error_pages(void)
{
	tl_out_req_t r = req("tl-8", "BTCUSDT", TL_BUY, TL_ORD_MARKET, 0, 0);

	CU_ASSERT_EQUAL(resp(&r, TL_REQ_NEW, false, 403,
			     "<html>\r\n<body>403 Forbidden\x01\xff</body></html>"), TL_BN_OK);
	assert_error(&D.in[0], "tl-8", TL_REQ_NEW, 403, 0, TL_503_NONE,
		     "<html>?" "?<body>403 Forbidden?" "?</body></html>");
	CU_ASSERT_EQUAL(resp(&r, TL_REQ_NEW, false, 502, ""), TL_BN_OK);
	assert_error(&D.in[0], "tl-8", TL_REQ_NEW, 502, 0, TL_503_NONE, "");
	CU_ASSERT_EQUAL(cls0(), TL_OUT_AMBIGUOUS);
	CU_ASSERT_EQUAL(resp(&r, TL_REQ_NEW, false, 500, NULL), TL_BN_OK);
	CU_ASSERT_EQUAL(D.n, 1);
}

/* A 200 that carries an error object is an error (with the status the
 * code travels with alone). */
static void test_decode_error_object_under_200(void)
{
	tl_out_req_t r = req("tl-9", "BTCUSDT", TL_BUY, TL_ORD_MARKET, 0, 0);

	CU_ASSERT_EQUAL(resp(&r, TL_REQ_NEW, false, 200,
			     "{\"code\":-1007,\"msg\":\"Timeout waiting for response from backend server.\"}"),
			TL_BN_OK);
	assert_error(&D.in[0], "tl-9", TL_REQ_NEW, 503, -1007, TL_503_NONE,
		     "Timeout waiting for response from backend server.");
	CU_ASSERT_EQUAL(cls0(), TL_OUT_AMBIGUOUS);
}

static void test_decode_doc_algo_responses(void)
{
	static const char placed[] =
		"{\"algoId\":2146760,\"clientAlgoId\":\"6B2I9XVcJpCjqPAJ4YoFX7\",\"algoType\":\"CONDITIONAL\",\"orderType\":\"TAKE_PROFIT\","
		"\"symbol\":\"BNBUSDT\",\"side\":\"SELL\",\"positionSide\":\"BOTH\",\"timeInForce\":\"GTC\",\"quantity\":\"0.01\",\"algoStatus\":\"NEW\","
		"\"triggerPrice\":\"750.000\",\"price\":\"750.000\",\"icebergQuantity\":null,\"selfTradePreventionMode\":\"EXPIRE_MAKER\","
		"\"workingType\":\"CONTRACT_PRICE\",\"priceMatch\":\"NONE\",\"closePosition\":false,\"priceProtect\":false,\"reduceOnly\":false,"
		"\"activatePrice\":\"\",\"callbackRate\":\"\",\"createTime\":1750485492076,\"updateTime\":1750485492076,\"triggerTime\":0,\"goodTillDate\":0}";
	static const char canceled[] =
		"{\"algoId\":2146760,\"clientAlgoId\":\"6B2I9XVcJpCjqPAJ4YoFX7\",\"code\":\"200\",\"msg\":\"success\"}";
	tl_out_req_t r = req("6B2I9XVcJpCjqPAJ4YoFX7", "BNBUSDT", TL_SELL,
			     TL_ORD_TAKE_PROFIT, 0, 0);

	CU_ASSERT_EQUAL(resp(&r, TL_REQ_NEW, true, 200, placed), TL_BN_OK);
	CU_ASSERT_EQUAL_FATAL(D.n, 1);
	assert_update(&D.in[0], "6B2I9XVcJpCjqPAJ4YoFX7", TL_ST_NEW, 2146760, "");
	CU_ASSERT_EQUAL(resp(&r, TL_REQ_CANCEL, true, 200, canceled), TL_BN_OK);
	CU_ASSERT_EQUAL_FATAL(D.n, 1);
	assert_update(&D.in[0], "6B2I9XVcJpCjqPAJ4YoFX7", TL_ST_CANCELED, 2146760, "");
}

static void test_decode_algo_query(void)
{
	static const char open_[] =
		"{\"algoId\":9,\"clientAlgoId\":\"tp-1\",\"algoStatus\":\"TRIGGERING\",\"actualOrderId\":\"\"}";
	static const char done[] =
		"{\"algoId\":9,\"clientAlgoId\":\"tp-1\",\"algoStatus\":\"FINISHED\",\"actualOrderId\":\"88937381063\"}";
	static const char gone[] =
		"{\"algoId\":9,\"clientAlgoId\":\"tp-1\",\"algoStatus\":\"EXPIRED\",\"actualOrderId\":\"\"}";
	tl_out_req_t r = req("tp-1", "BTCUSDT", TL_SELL, TL_ORD_TAKE_PROFIT_MARKET, 0, 0);

	CU_ASSERT_EQUAL(resp(&r, TL_REQ_QUERY, true, 200, open_), TL_BN_OK);
	CU_ASSERT_EQUAL_FATAL(D.n, 1);
	CU_ASSERT_EQUAL(D.in[0].hdr.type, TL_IN_QUERY_RESULT);
	CU_ASSERT_EQUAL(D.in[0].u.query.found, 1);
	CU_ASSERT_EQUAL(D.in[0].u.query.status, TL_ST_NEW);
	CU_ASSERT_EQUAL(D.in[0].u.query.venue_id, 9);
	CU_ASSERT_EQUAL(resp(&r, TL_REQ_QUERY, true, 200, done), TL_BN_ALGO_CHILD);
	CU_ASSERT_EQUAL(D.n, 0);
	CU_ASSERT_EQUAL(D.child_order_id, 88937381063LL);
	CU_ASSERT_EQUAL(resp(&r, TL_REQ_QUERY, true, 200, gone), TL_BN_OK);
	CU_ASSERT_EQUAL(D.in[0].u.query.status, TL_ST_EXPIRED);
}

/* A response naming another order is refused, and still yields a
 * LOCAL REQ_ERROR so the request is never left without an input. */
static void test_decode_mismatched_client_id(void)
{
	tl_out_req_t r = req("other", "BTCUSDT", TL_BUY, TL_ORD_LIMIT, 0, 0);

	CU_ASSERT_EQUAL(resp(&r, TL_REQ_NEW, false, 200, DOC_ORDER), TL_BN_E_MISMATCH);
	CU_ASSERT_STRING_EQUAL(D.field, "clientOrderId");
	CU_ASSERT_EQUAL_FATAL(D.n, 1);
	CU_ASSERT_EQUAL(D.in[0].hdr.type, TL_IN_REQ_ERROR);
	CU_ASSERT_STRING_EQUAL(D.in[0].u.error.client_id, "other");
	CU_ASSERT_EQUAL(D.in[0].u.error.outcome.transport, TL_TR_LOCAL);
	CU_ASSERT_TRUE(D.in[0].u.error.outcome.written);
	CU_ASSERT_STRING_EQUAL(D.in[0].u.error.text,
			       "bad venue response: response is for another order clientOrderId");
	CU_ASSERT_EQUAL(cls0(), TL_OUT_AMBIGUOUS);
	r = req("testOrder", "ETHUSDT", TL_BUY, TL_ORD_LIMIT, 0, 0);
	CU_ASSERT_EQUAL(resp(&r, TL_REQ_NEW, false, 200, DOC_ORDER), TL_BN_E_MISMATCH);
	CU_ASSERT_STRING_EQUAL(D.field, "symbol");
}

static void test_decode_batch_mixed(void)
{
	static const char body[] =
		"[{\"clientOrderId\":\"em-1\",\"orderId\":11,\"status\":\"FILLED\",\"executedQty\":\"0.010\",\"symbol\":\"BTCUSDT\"},"
		" {\"code\": -2022, \"msg\": \"ReduceOnly Order is rejected.\"}]";
	tl_out_req_t a = req("em-1", "BTCUSDT", TL_SELL, TL_ORD_MARKET, 0, 0);
	tl_out_req_t b = req("em-2", "ETHUSDT", TL_SELL, TL_ORD_MARKET, 0, 0);
	const tl_out_req_t *rs[] = { &a, &b };
	tl_binance_resp_t rsp = { 200, 0, body, sizeof body - 1 };

	CU_ASSERT_EQUAL(tl_binance_decode_batch(&A, rs, 2, &rsp, NOW, &D), TL_BN_OK);
	CU_ASSERT_EQUAL_FATAL(D.n, 2);
	assert_update(&D.in[0], "em-1", TL_ST_NEW, 11, "");
	assert_error(&D.in[1], "em-2", TL_REQ_NEW, 400, -2022, TL_503_NONE,
		     "ReduceOnly Order is rejected.");
	CU_ASSERT_EQUAL(tl_retry_classify(&D.in[1].u.error.outcome), TL_OUT_PERMANENT);
}

static void test_decode_batch_whole_failure_and_bad_shape(void)
{
	tl_out_req_t a = req("em-1", "BTCUSDT", TL_SELL, TL_ORD_MARKET, 0, 0);
	tl_out_req_t b = req("em-2", "ETHUSDT", TL_SELL, TL_ORD_MARKET, 0, 0);
	const tl_out_req_t *rs[] = { &a, &b };
	static const char thr[] =
		"{\"code\":-1008,\"msg\":\"Request throttled by system-level protection. Please try again.\"}";
	tl_binance_resp_t rsp = { 503, 0, thr, sizeof thr - 1 };

	CU_ASSERT_EQUAL(tl_binance_decode_batch(&A, rs, 2, &rsp, NOW, &D), TL_BN_OK);
	CU_ASSERT_EQUAL_FATAL(D.n, 2);
	CU_ASSERT_STRING_EQUAL(D.in[1].u.error.client_id, "em-2");
	CU_ASSERT_EQUAL(D.in[1].u.error.outcome.kind503, TL_503_THROTTLED);
	CU_ASSERT_EQUAL(D.in[1].u.error.outcome.code, -1008);

	rsp = (tl_binance_resp_t){ 200, 0, "[{\"clientOrderId\":\"em-1\",\"orderId\":11,\"status\":\"NEW\"}]", 0 };
	rsp.len = strlen(rsp.body);
	CU_ASSERT_EQUAL(tl_binance_decode_batch(&A, rs, 2, &rsp, NOW, &D), TL_BN_E_RANGE);
	CU_ASSERT_EQUAL_FATAL(D.n, 2);
	CU_ASSERT_EQUAL(D.in[0].u.error.outcome.transport, TL_TR_LOCAL);
	CU_ASSERT_STRING_EQUAL(D.in[1].u.error.client_id, "em-2");
}

/* ======================================================================= */
/* Stream events                                                           */
/* ======================================================================= */

static int ev(const char *msg)
{
	return tl_binance_decode_stream(&A, msg, strlen(msg), NOW, &D);
}

static const char OTU_NEW[] =
	"{\"e\":\"ORDER_TRADE_UPDATE\",\"E\":1568879465651,\"T\":1568879465650,"
	"\"o\":{\"s\":\"BTCUSDT\",\"c\":\"TEST\",\"S\":\"SELL\",\"o\":\"TRAILING_STOP_MARKET\",\"f\":\"GTC\",\"q\":\"0.001\",\"p\":\"0\",\"ap\":\"0\","
	"\"sp\":\"7103.04\",\"x\":\"NEW\",\"X\":\"NEW\",\"i\":8886774,\"l\":\"0\",\"z\":\"0\",\"L\":\"0\",\"N\":\"USDT\",\"n\":\"0\","
	"\"T\":1568879465650,\"t\":0,\"b\":\"0\",\"a\":\"9.91\",\"m\":false,\"R\":false,\"wt\":\"CONTRACT_PRICE\","
	"\"ot\":\"TRAILING_STOP_MARKET\",\"ps\":\"LONG\",\"cp\":false,\"AP\":\"7476.89\",\"cr\":\"5.0\",\"pP\":false,"
	"\"si\":0,\"ss\":0,\"rp\":\"0\",\"V\":\"EXPIRE_TAKER\",\"pm\":\"OPPONENT\",\"gtd\":0,\"er\":\"0\"}}";

static const char OTU_TRADE[] =
	"{\"e\":\"ORDER_TRADE_UPDATE\",\"E\":1568879465700,\"T\":1568879465699,"
	"\"o\":{\"s\":\"BTCUSDT\",\"c\":\"TEST\",\"S\":\"SELL\",\"o\":\"MARKET\",\"f\":\"GTC\",\"q\":\"0.001\",\"p\":\"0\",\"ap\":\"7103.04\","
	"\"sp\":\"0\",\"x\":\"TRADE\",\"X\":\"FILLED\",\"i\":8886774,\"l\":\"0.001\",\"z\":\"0.001\",\"L\":\"7103.04\",\"N\":\"USDT\",\"n\":\"0.00284121\","
	"\"T\":1568879465699,\"t\":12345,\"b\":\"0\",\"a\":\"0\",\"m\":true,\"R\":false,\"wt\":\"CONTRACT_PRICE\","
	"\"ot\":\"MARKET\",\"ps\":\"BOTH\",\"cp\":false,\"rp\":\"0\",\"V\":\"EXPIRE_TAKER\",\"pm\":\"NONE\",\"gtd\":0,\"er\":\"0\"}}";

static const char TRADE_LITE[] =
	"{\"e\":\"TRADE_LITE\",\"E\":1721895408092,\"T\":1721895408214,\"s\":\"BTCUSDT\",\"q\":\"0.001\",\"p\":\"0\",\"m\":false,"
	"\"c\":\"z8hcUoOsqEdKMeKPSABslD\",\"S\":\"BUY\",\"L\":\"64089.20\",\"l\":\"0.040\",\"t\":109100866,\"i\":8886774}";

static const char ALGO_TRIGGERED[] =
	"{\"e\":\"ALGO_UPDATE\",\"T\":1765431097030,\"E\":1765431097037,\"o\":{\"caid\":\"O-20251211-053131-ZYWR-000-9\","
	"\"aid\":1000000033225453,\"at\":\"CONDITIONAL\",\"o\":\"STOP_MARKET\",\"s\":\"DOGEUSDT\",\"S\":\"BUY\",\"ps\":\"BOTH\",\"f\":\"GTC\","
	"\"q\":\"38\",\"X\":\"TRIGGERED\",\"ai\":\"88937381063\",\"ap\":\"0\",\"aq\":\"0\",\"act\":\"MARKET\",\"tp\":\"0.13855\",\"p\":\"0\","
	"\"V\":\"EXPIRE_MAKER\",\"wt\":\"CONTRACT_PRICE\",\"pm\":\"NONE\",\"cp\":false,\"pP\":false,\"R\":false,\"tt\":1765431097019,\"gtd\":0}}";

static const char MARK[] =
	"{\"e\":\"markPriceUpdate\",\"E\":1562305380000,\"s\":\"BTCUSDT\",\"p\":\"11794.15000000\",\"ap\":\"11794.15000000\","
	"\"i\":\"11784.62659091\",\"P\":\"11784.25641265\",\"r\":\"0.00038167\",\"T\":1562306400000,\"st\":1}";

static void test_stream_order_trade_update_new(void)
{
	CU_ASSERT_EQUAL(ev(OTU_NEW), TL_BN_OK);
	CU_ASSERT_EQUAL_FATAL(D.n, 1);
	assert_update(&D.in[0], "TEST", TL_ST_NEW, 8886774, "");
	CU_ASSERT_EQUAL(D.event_ms, 1568879465651LL);
}

static void test_stream_order_trade_update_trade_is_fill(void)
{
	CU_ASSERT_EQUAL(ev(OTU_TRADE), TL_BN_OK);
	CU_ASSERT_EQUAL_FATAL(D.n, 1);
	const tl_input_t *in = &D.in[0];
	CU_ASSERT_EQUAL(in->hdr.type, TL_IN_FILL);
	CU_ASSERT_EQUAL(in->hdr.time, NOW);
	CU_ASSERT_STRING_EQUAL(in->u.fill.client_id, "TEST");
	CU_ASSERT_EQUAL(in->u.fill.maker, 1);
	CU_ASSERT_EQUAL(in->u.fill.venue_id, 8886774);
	CU_ASSERT_EQUAL(in->u.fill.trade_id, 12345);
	CU_ASSERT_EQUAL(in->u.fill.price, 710304 * ONE / 100);
	CU_ASSERT_EQUAL(in->u.fill.qty, ONE / 1000);
	CU_ASSERT_EQUAL(in->u.fill.commission, 284121);
	CU_ASSERT_EQUAL(D.event_ms, 1568879465700LL);
}

static void test_stream_trade_without_commission_and_rebate(void)
{
	char m[2048];
	char *p;

	/* n absent (no commission) */
	snprintf(m, sizeof m, "%s", OTU_TRADE);
	p = strstr(m, "\"N\":\"USDT\",\"n\":\"0.00284121\",");
	memmove(p, p + strlen("\"N\":\"USDT\",\"n\":\"0.00284121\","),
		strlen(p + strlen("\"N\":\"USDT\",\"n\":\"0.00284121\",")) + 1);
	CU_ASSERT_EQUAL(ev(m), TL_BN_OK);
	CU_ASSERT_EQUAL(D.in[0].u.fill.commission, 0);
	/* negative commission (maker rebate) reported as 0 */
	snprintf(m, sizeof m, "%s", OTU_TRADE);
	p = strstr(m, "0.00284121");
	memcpy(p, "-0.0028412", 10);
	CU_ASSERT_EQUAL(ev(m), TL_BN_OK);
	CU_ASSERT_EQUAL(D.in[0].hdr.type, TL_IN_FILL);
	CU_ASSERT_EQUAL(D.in[0].u.fill.commission, 0);
}

/* Replace the first `from` in src with `to` (rotating static buffers). */
static const char *subst(const char *src, const char *from, const char *to)
{
	static char bufs[4][4096];
	static unsigned next;
	char *buf = bufs[next++ % 4];   /* results may be nested */
	const char *p = strstr(src, from);

	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	snprintf(buf, sizeof bufs[0], "%.*s%s%s", (int)(p - src), src, to, p + strlen(from));
	return buf;
}

static void test_stream_canceled_expired_calculated(void)
{
	CU_ASSERT_EQUAL(ev(subst(OTU_NEW, "\"x\":\"NEW\",\"X\":\"NEW\"",
				 "\"x\":\"CANCELED\",\"X\":\"CANCELED\"")), TL_BN_OK);
	CU_ASSERT_EQUAL_FATAL(D.n, 1);
	assert_update(&D.in[0], "TEST", TL_ST_CANCELED, 8886774, "");

	const char *e = subst(OTU_NEW, "\"x\":\"NEW\",\"X\":\"NEW\"",
			      "\"x\":\"EXPIRED\",\"X\":\"EXPIRED\"");
	CU_ASSERT_EQUAL(ev(subst(e, "\"er\":\"0\"", "\"er\":\"2\"")), TL_BN_OK);
	CU_ASSERT_EQUAL_FATAL(D.n, 1);
	assert_update(&D.in[0], "TEST", TL_ST_EXPIRED, 8886774, "expired: IOC remainder");

	CU_ASSERT_EQUAL(ev(subst(OTU_NEW, "\"x\":\"NEW\"", "\"x\":\"CALCULATED\"")),
			TL_BN_IGNORED);
	CU_ASSERT_EQUAL(D.n, 0);
	CU_ASSERT_EQUAL(ev(subst(OTU_NEW, "\"x\":\"NEW\"", "\"x\":\"AMENDMENT\"")),
			TL_BN_IGNORED);
	CU_ASSERT_EQUAL(ev(subst(OTU_NEW, "\"x\":\"NEW\"", "\"x\":\"SURPRISE\"")),
			TL_BN_E_ENUM);
	CU_ASSERT_STRING_EQUAL(D.field, "x");
	CU_ASSERT_EQUAL(D.n, 0);
}

static void test_stream_trade_lite_is_fill(void)
{
	CU_ASSERT_EQUAL(ev(TRADE_LITE), TL_BN_OK);
	CU_ASSERT_EQUAL_FATAL(D.n, 1);
	const tl_input_t *in = &D.in[0];
	CU_ASSERT_EQUAL(in->hdr.type, TL_IN_FILL);
	CU_ASSERT_EQUAL(in->hdr.time, NOW);
	CU_ASSERT_STRING_EQUAL(in->u.fill.client_id, "z8hcUoOsqEdKMeKPSABslD");
	CU_ASSERT_EQUAL(in->u.fill.maker, 0);
	CU_ASSERT_EQUAL(in->u.fill.venue_id, 8886774);
	CU_ASSERT_EQUAL(in->u.fill.trade_id, 109100866);
	CU_ASSERT_EQUAL(in->u.fill.price, 6408920 * ONE / 100);
	CU_ASSERT_EQUAL(in->u.fill.qty, 4 * ONE / 100);
	CU_ASSERT_EQUAL(in->u.fill.commission, 0);
	CU_ASSERT_EQUAL(D.event_ms, 1721895408092LL);
}

static void test_stream_algo_update(void)
{
	CU_ASSERT_EQUAL(ev(ALGO_TRIGGERED), TL_BN_IGNORED);
	CU_ASSERT_EQUAL(D.n, 0);
	CU_ASSERT_EQUAL(ev(subst(ALGO_TRIGGERED, "TRIGGERED", "FINISHED")), TL_BN_IGNORED);

	CU_ASSERT_EQUAL(ev(subst(ALGO_TRIGGERED, "\"X\":\"TRIGGERED\"", "\"X\":\"NEW\"")),
			TL_BN_OK);
	CU_ASSERT_EQUAL_FATAL(D.n, 1);
	assert_update(&D.in[0], "O-20251211-053131-ZYWR-000-9", TL_ST_NEW,
		      1000000033225453LL, "");

	CU_ASSERT_EQUAL(ev(subst(ALGO_TRIGGERED, "\"X\":\"TRIGGERED\"", "\"X\":\"CANCELED\"")),
			TL_BN_OK);
	assert_update(&D.in[0], "O-20251211-053131-ZYWR-000-9", TL_ST_CANCELED,
		      1000000033225453LL, "");

	CU_ASSERT_EQUAL(ev(subst(ALGO_TRIGGERED, "\"X\":\"TRIGGERED\"",
				 "\"X\":\"REJECTED\",\"rm\":\"Reduce Only reject\"")), TL_BN_OK);
	assert_update(&D.in[0], "O-20251211-053131-ZYWR-000-9", TL_ST_REJECTED,
		      1000000033225453LL, "Reduce Only reject");

	/* aid as a string (as ai is sent) is accepted too */
	CU_ASSERT_EQUAL(ev(subst(subst(ALGO_TRIGGERED, "\"X\":\"TRIGGERED\"", "\"X\":\"EXPIRED\""),
				 "1000000033225453", "\"77\"")), TL_BN_OK);
	assert_update(&D.in[0], "O-20251211-053131-ZYWR-000-9", TL_ST_EXPIRED, 77, "");
}

static void test_stream_mark_price(void)
{
	CU_ASSERT_EQUAL(ev(MARK), TL_BN_OK);
	CU_ASSERT_EQUAL_FATAL(D.n, 1);
	CU_ASSERT_EQUAL(D.in[0].hdr.type, TL_IN_MARK);
	CU_ASSERT_EQUAL(D.in[0].hdr.time, NOW);
	CU_ASSERT_STRING_EQUAL(D.in[0].u.mark.symbol, "BTCUSDT");
	CU_ASSERT_EQUAL(D.in[0].u.mark.price, 1179415 * ONE / 100);
	CU_ASSERT_EQUAL(D.event_ms, 1562305380000LL);
}

static void test_stream_combined_wrapper_and_array(void)
{
	char m[4096];

	snprintf(m, sizeof m, "{\"stream\":\"btcusdt@markPrice\",\"data\":%s}", MARK);
	CU_ASSERT_EQUAL(ev(m), TL_BN_OK);
	CU_ASSERT_EQUAL_FATAL(D.n, 1);
	CU_ASSERT_STRING_EQUAL(D.in[0].u.mark.symbol, "BTCUSDT");

	snprintf(m, sizeof m, "[%s,%s]", MARK, subst(MARK, "BTCUSDT", "ETHUSDT"));
	CU_ASSERT_EQUAL(ev(m), TL_BN_OK);
	CU_ASSERT_EQUAL_FATAL(D.n, 2);
	CU_ASSERT_STRING_EQUAL(D.in[1].u.mark.symbol, "ETHUSDT");

	snprintf(m, sizeof m, "{\"stream\":\"k\",\"data\":%s}", TRADE_LITE);
	CU_ASSERT_EQUAL(ev(m), TL_BN_OK);
	CU_ASSERT_EQUAL(D.in[0].hdr.type, TL_IN_FILL);
}

static void test_stream_listen_key_expired_and_ignored(void)
{
	CU_ASSERT_EQUAL(ev("{\"e\":\"listenKeyExpired\",\"E\":1736996475556,\"listenKey\":\"WsCMN0a4\"}"),
			TL_BN_LISTEN_KEY_EXPIRED);
	CU_ASSERT_EQUAL(D.event_ms, 1736996475556LL);
	CU_ASSERT_EQUAL(ev("{\"e\":\"listenKeyExpired\",\"E\":\"1736996475556\",\"listenKey\":\"WsCMN0a4\"}"),
			TL_BN_LISTEN_KEY_EXPIRED);
	CU_ASSERT_EQUAL(D.event_ms, 1736996475556LL);
	CU_ASSERT_EQUAL(ev("{\"e\":\"ACCOUNT_UPDATE\",\"E\":1564745798939,\"T\":1564745798938,"
			   "\"a\":{\"m\":\"ORDER\",\"B\":[],\"P\":[]}}"), TL_BN_IGNORED);
	CU_ASSERT_EQUAL(ev("{\"result\":null,\"id\":1}"), TL_BN_IGNORED);
	CU_ASSERT_EQUAL(D.n, 0);
}

/* ======================================================================= */
/* Untrusted input                                                         */
/* ======================================================================= */

static void bad_ev(int line, const char *msg, int want, const char *field)
{
	int rc = ev(msg);
	bool ok = rc == want && D.n == 0 &&
		  (!field || (D.field && strcmp(D.field, field) == 0));

	if (!ok)
		fprintf(stderr, "\n  line %d: rc=%d (%s) field=%s, want %d field %s\n",
			line, rc, tl_binance_strerror(rc), D.field ? D.field : "-",
			want, field ? field : "-");
	CU_ASSERT(ok);
}
#define BAD_EV(msg, want, field) bad_ev(__LINE__, (msg), (want), (field))

static void test_malformed_fields_give_clear_errors(void)
{
	/* decimals */
	BAD_EV(subst(OTU_TRADE, "\"l\":\"0.001\"", "\"l\":\"1e-3\""), TL_BN_E_DECIMAL, "l");
	BAD_EV(subst(OTU_TRADE, "\"l\":\"0.001\"", "\"l\":0.001"), TL_BN_E_SHAPE, "l");
	BAD_EV(subst(OTU_TRADE, "\"l\":\"0.001\"", "\"l\":\"0\""), TL_BN_E_DECIMAL, "l");
	BAD_EV(subst(OTU_TRADE, "\"L\":\"7103.04\"", "\"L\":\"-7103.04\""), TL_BN_E_DECIMAL, "L");
	BAD_EV(subst(OTU_TRADE, "\"L\":\"7103.04\"", "\"L\":\"7103.041234567\""), TL_BN_E_DECIMAL, "L");
	BAD_EV(subst(OTU_TRADE, "\"L\":\"7103.04\"", "\"L\":\" 7103.04\""), TL_BN_E_DECIMAL, "L");
	BAD_EV(subst(OTU_TRADE, "\"L\":\"7103.04\"", "\"L\":\"99999999999999999999\""), TL_BN_E_DECIMAL, "L");
	BAD_EV(subst(OTU_TRADE, "\"n\":\"0.00284121\"", "\"n\":\"abc\""), TL_BN_E_DECIMAL, "n");
	BAD_EV(subst(MARK, "\"p\":\"11794.15000000\"", "\"p\":\"0\""), TL_BN_E_DECIMAL, "p");
	BAD_EV(subst(MARK, "\"p\":\"11794.15000000\"", "\"p\":null"), TL_BN_E_SHAPE, "p");
	/* ids */
	BAD_EV(subst(OTU_TRADE, "\"t\":12345", "\"t\":\"12345\""), TL_BN_E_SHAPE, "t");
	BAD_EV(subst(OTU_TRADE, "\"t\":12345", "\"t\":1.5"), TL_BN_E_RANGE, "t");
	BAD_EV(subst(OTU_TRADE, "\"t\":12345", "\"t\":1e300"), TL_BN_E_RANGE, "t");
	BAD_EV(subst(OTU_TRADE, "\"t\":12345", "\"t\":-4"), TL_BN_E_RANGE, "t");
	BAD_EV(subst(OTU_TRADE, "\"t\":12345", "\"t\":0"), TL_BN_E_RANGE, "t");
	BAD_EV(subst(OTU_TRADE, "\"i\":8886774", "\"i\":9007199254740993"), TL_BN_E_RANGE, "i");
	BAD_EV(subst(ALGO_TRIGGERED, "1000000033225453", "\"12a\""), TL_BN_E_RANGE, "aid");
	/* strings */
	BAD_EV(subst(OTU_NEW, "\"c\":\"TEST\"", "\"c\":\"0123456789012345678901234567890123456\""),
	       TL_BN_E_RANGE, "c");
	BAD_EV(subst(OTU_NEW, "\"c\":\"TEST\"", "\"c\":\"\""), TL_BN_E_RANGE, "c");
	BAD_EV(subst(OTU_NEW, "\"c\":\"TEST\"", "\"c\":\"TE ST\""), TL_BN_E_RANGE, "c");
	BAD_EV(subst(OTU_NEW, "\"c\":\"TEST\"", "\"c\":\"TE\\u0000ST\""), TL_BN_E_JSON, NULL);
	BAD_EV(subst(OTU_NEW, "\"c\":\"TEST\"", "\"c\":7"), TL_BN_E_SHAPE, "c");
	BAD_EV(subst(OTU_NEW, "\"c\":\"TEST\",", ""), TL_BN_E_MISSING, "c");
	BAD_EV(subst(MARK, "\"s\":\"BTCUSDT\"", "\"s\":\"BTCUSDTBTCUSDTBTCUSDTBTC\""), TL_BN_E_RANGE, "s");
	BAD_EV(subst(OTU_TRADE, "\"m\":true", "\"m\":\"true\""), TL_BN_E_SHAPE, "m");
	/* structure */
	BAD_EV(subst(OTU_NEW, "\"o\":{", "\"o\":[{"), TL_BN_E_JSON, NULL);
	BAD_EV("{\"e\":\"ORDER_TRADE_UPDATE\",\"o\":7}", TL_BN_E_SHAPE, "o");
	BAD_EV("{\"e\":\"ORDER_TRADE_UPDATE\"}", TL_BN_E_MISSING, "o");
	BAD_EV("{\"e\":5}", TL_BN_E_SHAPE, "e");
	BAD_EV("{\"e\":\"markPriceUpdate\",\"E\":true}", TL_BN_E_SHAPE, "E");
	BAD_EV("[1,2]", TL_BN_E_SHAPE, "event");
	BAD_EV("\"str\"", TL_BN_E_SHAPE, "event");
	BAD_EV("", TL_BN_E_JSON, NULL);
	BAD_EV("{", TL_BN_E_JSON, NULL);
	BAD_EV("{\"e\":\"x\"} trailing", TL_BN_E_JSON, NULL);
	BAD_EV("{\"e\":\"x\",}", TL_BN_E_JSON, NULL);
	/* embedded NUL in the length */
	CU_ASSERT(tl_binance_decode_stream(&A, "{\"e\":\"x\"}\0junk", 14, NOW, &D) < 0);
	/* deep nesting */
	static char deep[6001];
	memset(deep, '[', 3000);
	memset(deep + 3000, ']', 3000);
	BAD_EV(deep, TL_BN_E_JSON, NULL);
	/* whitespace after the value is fine */
	CU_ASSERT_EQUAL(ev("{\"result\":null,\"id\":1}\r\n "), TL_BN_IGNORED);
	/* too many marks for one decode */
	char many[8192] = "[";
	for (int i = 0; i < TL_BINANCE_OUT_MAX + 1; i++) {
		strcat(many, MARK);
		strcat(many, i < TL_BINANCE_OUT_MAX ? "," : "]");
	}
	BAD_EV(many, TL_BN_E_RANGE, "markPrice");
}

static void test_malformed_rest_bodies(void)
{
	tl_out_req_t r = req("testOrder", "BTCUSDT", TL_BUY, TL_ORD_LIMIT, 0, 0);

	CU_ASSERT_EQUAL(resp(&r, TL_REQ_NEW, false, 200,
			     subst(DOC_ORDER, "\"orderId\": 22542179", "\"orderId\": \"22542179\"")),
			TL_BN_E_SHAPE);
	CU_ASSERT_STRING_EQUAL(D.field, "orderId");
	CU_ASSERT_EQUAL(D.n, 1);
	CU_ASSERT_EQUAL(resp(&r, TL_REQ_NEW, false, 200,
			     subst(DOC_ORDER, "\"status\": \"NEW\"", "\"status\": \"MAYBE\"")),
			TL_BN_E_ENUM);
	CU_ASSERT_EQUAL(resp(&r, TL_REQ_QUERY, false, 200,
			     subst(DOC_ORDER, "\"executedQty\": \"0\",", "")), TL_BN_E_MISSING);
	CU_ASSERT_STRING_EQUAL(D.field, "executedQty");
	CU_ASSERT_EQUAL(D.in[0].u.error.req, TL_REQ_QUERY);
	CU_ASSERT_EQUAL(resp(&r, TL_REQ_NEW, false, 200, "not json"), TL_BN_E_JSON);
	CU_ASSERT_EQUAL(D.n, 1);
	CU_ASSERT_EQUAL(D.in[0].u.error.outcome.transport, TL_TR_LOCAL);
	CU_ASSERT_EQUAL(resp(&r, TL_REQ_NEW, false, 200, "[]"), TL_BN_E_SHAPE);
	CU_ASSERT_EQUAL(resp(NULL, TL_REQ_NEW, false, 200, DOC_ORDER), TL_BN_E_ARG);
	CU_ASSERT_EQUAL(resp(&r, 9, false, 200, DOC_ORDER), TL_BN_E_ARG);
}

static void test_arena_exhaustion_is_clean(void)
{
	static unsigned char small[256];
	tl_binance_arena_t a;
	tl_out_req_t r = req("testOrder", "BTCUSDT", TL_BUY, TL_ORD_LIMIT, 0, 0);
	tl_binance_http_t h = { TL_BN_POST, "/fapi/v1/order", false };
	tl_binance_resp_t rs = { 200, 0, DOC_ORDER, sizeof DOC_ORDER - 1 };

	tl_binance_arena_init(&a, small, sizeof small);
	CU_ASSERT_EQUAL(tl_binance_decode_stream(&a, OTU_NEW, strlen(OTU_NEW), NOW, &D),
			TL_BN_E_NOMEM);
	CU_ASSERT(a.failed > 0);
	CU_ASSERT(a.used <= a.cap);
	CU_ASSERT_EQUAL(tl_binance_decode_response(&a, &r, TL_REQ_NEW, &h, &rs, NOW, &D),
			TL_BN_E_NOMEM);
	CU_ASSERT_EQUAL(D.n, 1);
	CU_ASSERT_EQUAL(D.in[0].u.error.outcome.transport, TL_TR_LOCAL);
	/* the same arena works again for a small message */
	CU_ASSERT_EQUAL(tl_binance_decode_stream(&a, "{\"id\":1}", 8, NOW, &D), TL_BN_IGNORED);
	/* every cap from 0 up: never a crash, NOMEM until it fits */
	for (size_t cap = 0; cap < sizeof small; cap += 7) {
		tl_binance_arena_init(&a, small, cap);
		int rc = tl_binance_decode_stream(&a, MARK, strlen(MARK), NOW, &D);
		CU_ASSERT(rc == TL_BN_E_NOMEM || rc == TL_BN_E_JSON || rc == TL_BN_OK);
	}
}

/* No system allocation while decoding: every cJSON block comes from the
 * arena. */
static void test_decode_does_not_allocate(void)
{
	tl_out_req_t r = req("testOrder", "BTCUSDT", TL_BUY, TL_ORD_LIMIT, 0, 0);
	tl_out_req_t e = req("tl-5", "BTCUSDT", TL_BUY, TL_ORD_LIMIT, 0, 0);
	int rc[10];

	tl_alloc_hook_arm();
	rc[0] = ev(OTU_NEW);
	rc[1] = ev(OTU_TRADE);
	rc[2] = ev(TRADE_LITE);
	rc[3] = ev(ALGO_TRIGGERED);
	rc[4] = ev(MARK);
	rc[5] = resp(&r, TL_REQ_NEW, false, 200, DOC_ORDER);
	rc[6] = resp(&e, TL_REQ_NEW, false, 503,
		     "{\"code\":-1000,\"msg\":\"Unknown error, please check your request or try again later.\"}");
	rc[7] = resp(&r, TL_REQ_NEW, false, 200, "{\"broken");
	rc[8] = ev("[[[[[[[[");
	rc[9] = resp(&r, TL_REQ_QUERY, false, 200, DOC_ORDER);
	size_t allocs = tl_alloc_hook_disarm();
	CU_ASSERT_EQUAL(allocs, 0);
	CU_ASSERT_EQUAL(rc[0], TL_BN_OK);
	CU_ASSERT_EQUAL(rc[1], TL_BN_OK);
	CU_ASSERT_EQUAL(rc[2], TL_BN_OK);
	CU_ASSERT_EQUAL(rc[3], TL_BN_IGNORED);
	CU_ASSERT_EQUAL(rc[4], TL_BN_OK);
	CU_ASSERT_EQUAL(rc[5], TL_BN_OK);
	CU_ASSERT_EQUAL(rc[6], TL_BN_OK);
	CU_ASSERT_EQUAL(rc[7], TL_BN_E_JSON);
	CU_ASSERT_EQUAL(rc[8], TL_BN_E_JSON);
	CU_ASSERT_EQUAL(rc[9], TL_BN_OK);
}

/* Outside a decode the hooks forward to malloc/free: other cJSON users
 * (config, exchangeInfo) keep working, including cJSON_Delete. */
static void test_hooks_transparent_outside_decode(void)
{
	cJSON *j = cJSON_Parse("{\"a\":[1,2,{\"b\":\"c\"}]}");
	CU_ASSERT_PTR_NOT_NULL_FATAL(j);
	char *s = cJSON_PrintUnformatted(j);
	CU_ASSERT_STRING_EQUAL(s, "{\"a\":[1,2,{\"b\":\"c\"}]}");
	cJSON_free(s);
	cJSON_Delete(j);
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t rng(void)
{
	uint64_t x = rng_state;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return rng_state = x;
}

/* 1 to 4 random edits of buf[0, len) (cap bytes): flip a byte, delete up
 * to maxdel bytes, insert a token, or truncate. Returns the new length. */
static size_t mutate(char *buf, size_t len, size_t cap,
		     const char *const *tokens, size_t ntok, size_t maxdel)
{
	int edits = 1 + (int)(rng() % 4);

	for (int k = 0; k < edits && len > 0; k++) {
		size_t at = rng() % len;
		switch (rng() % 4) {
		case 0:   /* flip a byte */
			buf[at] = (char)(rng() & 0xff);
			break;
		case 1: { /* delete a range */
			size_t n = 1 + rng() % maxdel;
			if (at + n > len)
				n = len - at;
			memmove(buf + at, buf + at + n, len - at - n);
			len -= n;
			break;
		}
		case 2: { /* insert a token */
			const char *t = tokens[rng() % ntok];
			size_t n = strlen(t);
			if (len + n < cap) {
				memmove(buf + at + n, buf + at, len - at);
				memcpy(buf + at, t, n);
				len += n;
			}
			break;
		}
		default:  /* truncate */
			len = at;
			break;
		}
	}
	return len;
}

/* Random edits of the golden messages: never a crash, a leak, or an
 * out-of-range result; successes produce well-formed records. */
static void test_mutation_loop_never_crashes(void)
{
	static const char *const seeds[] = {
		OTU_NEW, OTU_TRADE, TRADE_LITE, ALGO_TRIGGERED, MARK, DOC_ORDER,
		LIVE_ORDER,
		"{\"code\":-2022,\"msg\":\"ReduceOnly Order is rejected.\"}",
		"{\"e\":\"listenKeyExpired\",\"E\":1736996475556,\"listenKey\":\"k\"}",
	};
	static const char *const tokens[] = {
		"\"", "{", "}", "[", "]", ",", ":", "1e9", "-", ".", "\\", "\\u0000",
		"null", "true", "0", "99999999999999999999", "\"\"", " ", "\xff",
		"\"c\":\"x\"", "\"l\":\"1\"", "\"x\":\"TRADE\"",
	};
	const size_t nseeds = sizeof seeds / sizeof seeds[0];
	const size_t ntok = sizeof tokens / sizeof tokens[0];
	static char buf[8192];
	tl_out_req_t r = req("testOrder", "BTCUSDT", TL_BUY, TL_ORD_LIMIT, 0, 0);
	unsigned ok = 0, bad = 0;

	for (int it = 0; it < 100000; it++) {
		const char *s = seeds[rng() % nseeds];
		size_t len = strlen(s);
		memcpy(buf, s, len);
		len = mutate(buf, len, sizeof buf, tokens, ntok, 8);
		int rc1 = tl_binance_decode_stream(&A, buf, len, NOW, &D);
		CU_ASSERT(rc1 >= TL_BN_E_ARG && rc1 <= TL_BN_ALGO_CHILD);
		CU_ASSERT(D.n <= TL_BINANCE_OUT_MAX);
		if (rc1 < 0)
			CU_ASSERT_EQUAL(D.n, 0);
		for (uint32_t i = 0; i < D.n; i++)
			CU_ASSERT_PTR_NOT_NULL(memchr(D.in[i].u.raw, 0, sizeof D.in[i].u.raw));
		uint16_t st = (uint16_t)(rng() % 2 ? 200 : 400 + rng() % 200);
		int rc2 = resp(&r, (tl_req_kind_t)(1 + rng() % 3), rng() % 2, st,
			       (buf[len] = '\0', buf));
		CU_ASSERT(rc2 >= TL_BN_E_ARG && rc2 <= TL_BN_ALGO_CHILD);
		CU_ASSERT(rc2 == TL_BN_ALGO_CHILD || D.n == 1);
		if (D.n == 1 && D.in[0].hdr.type == TL_IN_REQ_ERROR)
			CU_ASSERT_PTR_NOT_NULL(memchr(D.in[0].u.error.text, 0, TL_TEXT_LEN));
		if (rc1 >= 0)
			ok++;
		else
			bad++;
	}
	CU_ASSERT(ok > 100);
	CU_ASSERT(bad > 100);
}

/* ======================================================================= */
/* The all-market mark stream (!markPrice@arr)                             */
/* ======================================================================= */

static unsigned char marks_arena_buf[TL_BINANCE_MARKS_ARENA];
static tl_binance_arena_t MA;
static tl_binance_marks_t MR;
static struct {
	unsigned n;
	tl_input_t in[TL_BINANCE_MARKS_MAX];
} got;
static char marks_msg[TL_BINANCE_STREAM_MAX_FRAME + 1];

static const char *const TRADED[] = { "BTCUSDT", "ETHUSDT", "S0005USDT", NULL };

/* want: the NULL-terminated list in ctx */
static bool want_list(void *ctx, const char *sym)
{
	for (const char *const *p = ctx; *p; p++)
		if (!strcmp(*p, sym))
			return true;
	return false;
}

/* want: S<n>USDT with n % 4 == 0 (1024 of 4096) */
static bool want_every4th(void *ctx, const char *sym)
{
	int n;

	(void)ctx;
	return sscanf(sym, "S%dUSDT", &n) == 1 && n % 4 == 0;
}

static bool want_all(void *ctx, const char *sym)
{
	(void)ctx;
	(void)sym;
	return true;
}

static void got_emit(void *ctx, const tl_input_t *in)
{
	(void)ctx;
	if (got.n < TL_BINANCE_MARKS_MAX)
		got.in[got.n] = *in;
	got.n++;
}

static int marks_n(const char *msg, size_t len, tl_binance_want_fn want, const void *ctx)
{
	if (!MA.buf)
		tl_binance_arena_init(&MA, marks_arena_buf, sizeof marks_arena_buf);
	got.n = 0;
	return tl_binance_decode_marks(&MA, msg, len, NOW, want, got_emit,
				       (void *)ctx, &MR);
}

static int marks(const char *msg, tl_binance_want_fn want, const void *ctx)
{
	return marks_n(msg, strlen(msg), want, ctx);
}

/* A markPriceUpdate like Binance's (~200 bytes) for sym at price p. */
static size_t mark_el(char *buf, size_t cap, const char *sym, const char *p)
{
	int n = snprintf(buf, cap,
			 "{\"e\":\"markPriceUpdate\",\"E\":1562305380000,\"s\":\"%s\",\"p\":\"%s\","
			 "\"ap\":\"11794.15000000\",\"i\":\"11784.62659091\",\"P\":\"11784.25641265\","
			 "\"r\":\"0.00038167\",\"T\":1562306400000,\"st\":1}", sym, p);
	CU_ASSERT_FATAL(n > 0 && (size_t)n < cap);
	return (size_t)n;
}

/* "[el(sym[0], px[0]),...]" into marks_msg. */
static const char *mark_arr(const char *const *sym, const char *const *px, int n)
{
	size_t len = 1;

	marks_msg[0] = '[';
	for (int i = 0; i < n; i++) {
		if (i)
			marks_msg[len++] = ',';
		len += mark_el(marks_msg + len, sizeof marks_msg - len, sym[i], px[i]);
	}
	marks_msg[len++] = ']';
	marks_msg[len] = '\0';
	return marks_msg;
}

/* Untraded elements are dropped unread: a non-ASCII name (Binance lists
 * one), a name too long for talon, prices that are no decimal. */
static const char *const ARR_SYM[] = {
	"XRPUSDT", "BTCUSDT", "\xe5\xb8\x81\xe5\xae\x89\xe4\xba\xba\xe7\x94\x9fUSDT",
	"S0005USDT", "AVERYLONGSYMBOLNAMEPASTTALONSLIMITUSDT", "SOLUSDT", "ETHUSDT",
	"DOGEUSDT",
};
static const char *const ARR_PX[] = {
	"0.5", "11794.15000000", "0.1", "0.00000001", "1", "abc", "3000.12345678", "-1",
};
#define ARR_N ((int)(sizeof ARR_SYM / sizeof ARR_SYM[0]))

static void check_traded_three(void)
{
	CU_ASSERT_EQUAL(MR.elements, (uint32_t)ARR_N);
	CU_ASSERT_EQUAL(MR.emitted, 3);
	CU_ASSERT_EQUAL(MR.dropped, (uint32_t)ARR_N - 3);
	CU_ASSERT_EQUAL(MR.index, -1);
	CU_ASSERT_EQUAL(MR.event_ms, 1562305380000LL);
	CU_ASSERT_EQUAL_FATAL(got.n, 3);
	for (unsigned i = 0; i < got.n; i++) {
		CU_ASSERT_EQUAL(got.in[i].hdr.type, TL_IN_MARK);
		CU_ASSERT_EQUAL(got.in[i].hdr.time, NOW);
	}
	/* in message order, exact fixed point */
	CU_ASSERT_STRING_EQUAL(got.in[0].u.mark.symbol, "BTCUSDT");
	CU_ASSERT_EQUAL(got.in[0].u.mark.price, 1179415 * ONE / 100);
	CU_ASSERT_STRING_EQUAL(got.in[1].u.mark.symbol, "S0005USDT");
	CU_ASSERT_EQUAL(got.in[1].u.mark.price, 1);   /* 1e-8: the smallest */
	CU_ASSERT_STRING_EQUAL(got.in[2].u.mark.symbol, "ETHUSDT");
	CU_ASSERT_EQUAL(got.in[2].u.mark.price, 300012345678LL * (ONE / 100000000));
}

static void test_marks_array_keeps_only_traded_symbols(void)
{
	static char m[8192];
	char one[512];

	CU_ASSERT_EQUAL(marks(mark_arr(ARR_SYM, ARR_PX, ARR_N), want_list, TRADED), TL_BN_OK);
	check_traded_three();
	/* combined form, as /market/stream?streams=!markPrice@arr@1s sends it */
	CU_ASSERT_FATAL(strlen(marks_msg) < sizeof m - 64);
	snprintf(m, sizeof m, "{\"stream\":\"!markPrice@arr@1s\",\"data\":%.8000s}", marks_msg);
	CU_ASSERT_EQUAL(marks(m, want_list, TRADED), TL_BN_OK);
	check_traded_three();
	/* nothing of ours: ignored, all dropped */
	static const char *const none[] = { "LTCUSDT", NULL };
	CU_ASSERT_EQUAL(marks(m, want_list, none), TL_BN_IGNORED);
	CU_ASSERT_EQUAL(got.n, 0);
	CU_ASSERT_EQUAL(MR.dropped, (uint32_t)ARR_N);
	/* one object (a per-symbol stream) is an array of one */
	mark_el(one, sizeof one, "ETHUSDT", "2.5");
	CU_ASSERT_EQUAL(marks(one, want_list, TRADED), TL_BN_OK);
	CU_ASSERT_EQUAL_FATAL(got.n, 1);
	CU_ASSERT_EQUAL(got.in[0].u.mark.price, 5 * ONE / 2);
	/* replies and other events, empty arrays */
	CU_ASSERT_EQUAL(marks("{\"result\":null,\"id\":1}", want_all, NULL), TL_BN_IGNORED);
	CU_ASSERT_EQUAL(marks("{\"e\":\"bookTicker\",\"s\":\"BTCUSDT\"}", want_all, NULL),
			TL_BN_IGNORED);
	CU_ASSERT_EQUAL(marks("[]", want_all, NULL), TL_BN_IGNORED);
	CU_ASSERT_EQUAL(marks("{\"stream\":\"!markPrice@arr\",\"data\":[]}", want_all, NULL),
			TL_BN_IGNORED);
	CU_ASSERT_EQUAL(got.n, 0);
}

/* One bad element refuses the whole message (nothing emitted), with the
 * element and the field at fault. */
static void bad_marks(int line, const char *msg, tl_binance_want_fn want, int rc,
		      const char *field, int index)
{
	int got_rc = marks(msg, want, TRADED);
	bool ok = got_rc == rc && got.n == 0 && MR.emitted == 0 && MR.index == index &&
		  ((!field && !MR.field) || (field && MR.field && !strcmp(field, MR.field)));

	if (!ok)
		fprintf(stderr, "\n  line %d: rc %d (want %d) n %u field %s (want %s) index %d (want %d)\n",
			line, got_rc, rc, got.n, MR.field ? MR.field : "-", field ? field : "-",
			(int)MR.index, index);
	CU_ASSERT_TRUE(ok);
}
#define BAD_MARKS(m, w, rc, f, i) bad_marks(__LINE__, m, w, rc, f, i)

/* The array of ARR_SYM with element k replaced by `el` (traded BTCUSDT
 * at k = 1). */
static const char *arr_with(int k, const char *el)
{
	static char m[8192];
	size_t len = 1;

	m[0] = '[';
	for (int i = 0; i < ARR_N; i++) {
		if (i)
			m[len++] = ',';
		if (i == k)
			len += (size_t)snprintf(m + len, sizeof m - len, "%s", el);
		else
			len += mark_el(m + len, sizeof m - len, ARR_SYM[i], ARR_PX[i]);
	}
	snprintf(m + len, sizeof m - len, "]");
	return m;
}

static void test_marks_bad_element_refuses_message(void)
{
	char el[512];

	/* a traded element: every check of a single mark */
	mark_el(el, sizeof el, "BTCUSDT", "1e5");
	BAD_MARKS(arr_with(1, el), want_list, TL_BN_E_DECIMAL, "p", 1);
	mark_el(el, sizeof el, "BTCUSDT", "0");
	BAD_MARKS(arr_with(1, el), want_list, TL_BN_E_DECIMAL, "p", 1);
	mark_el(el, sizeof el, "BTCUSDT", "-3");
	BAD_MARKS(arr_with(1, el), want_list, TL_BN_E_DECIMAL, "p", 1);
	mark_el(el, sizeof el, "BTCUSDT", "1.123456789");
	BAD_MARKS(arr_with(1, el), want_list, TL_BN_E_DECIMAL, "p", 1);
	BAD_MARKS(arr_with(6, "{\"e\":\"markPriceUpdate\",\"s\":\"ETHUSDT\"}"), want_list,
		  TL_BN_E_MISSING, "p", 6);
	BAD_MARKS(arr_with(6, "{\"e\":\"markPriceUpdate\",\"s\":\"ETHUSDT\",\"p\":5}"), want_list,
		  TL_BN_E_SHAPE, "p", 6);
	BAD_MARKS(arr_with(6, "{\"e\":\"markPriceUpdate\",\"s\":\"ETHUSDT\",\"p\":\"5\",\"E\":-1}"),
		  want_list, TL_BN_E_RANGE, "E", 6);
	/* a symbol talon would take but cannot hold */
	mark_el(el, sizeof el, "BTC USDT", "1");
	BAD_MARKS(arr_with(0, el), want_all, TL_BN_E_RANGE, "s", 0);
	mark_el(el, sizeof el, "ABCDEFGHIJKLMNOPQRSTUVWXYZ", "1");
	BAD_MARKS(arr_with(0, el), want_all, TL_BN_E_RANGE, "s", 0);
	/* the shape of any element, ours or not */
	BAD_MARKS(arr_with(7, "7"), want_list, TL_BN_E_SHAPE, "event", 7);
	BAD_MARKS(arr_with(7, "[]"), want_list, TL_BN_E_SHAPE, "event", 7);
	BAD_MARKS(arr_with(0, "{\"e\":\"bookTicker\",\"s\":\"XRPUSDT\"}"), want_list,
		  TL_BN_E_ENUM, "e", 0);
	BAD_MARKS(arr_with(0, "{\"s\":\"XRPUSDT\"}"), want_list, TL_BN_E_MISSING, "e", 0);
	BAD_MARKS(arr_with(0, "{\"e\":\"markPriceUpdate\"}"), want_list, TL_BN_E_MISSING, "s", 0);
	BAD_MARKS(arr_with(0, "{\"e\":\"markPriceUpdate\",\"s\":1}"), want_list,
		  TL_BN_E_SHAPE, "s", 0);
	BAD_MARKS(arr_with(0, "{\"e\":\"markPriceUpdate\",\"s\":\"\"}"), want_list,
		  TL_BN_E_RANGE, "s", 0);
	/* a single object is checked the same way */
	BAD_MARKS("{\"e\":\"markPriceUpdate\",\"s\":\"BTCUSDT\",\"p\":\"x\"}", want_list,
		  TL_BN_E_DECIMAL, "p", 0);
	/* not a message of this stream */
	BAD_MARKS("5", want_list, TL_BN_E_SHAPE, "event", -1);
	BAD_MARKS("{\"stream\":\"x\",\"data\":\"y\"}", want_list, TL_BN_E_SHAPE, "event", -1);
	BAD_MARKS("[{\"e\":\"markPriceUpdate\"", want_list, TL_BN_E_JSON, NULL, -1);
	BAD_MARKS("[] x", want_list, TL_BN_E_JSON, NULL, -1);
	BAD_MARKS("", want_list, TL_BN_E_JSON, NULL, -1);
	CU_ASSERT(marks_n("[]\0[]", 5, want_all, NULL) < 0);
	/* bad arguments */
	CU_ASSERT_EQUAL(tl_binance_decode_marks(&MA, "[]", 2, NOW, NULL, got_emit, NULL, &MR),
			TL_BN_E_ARG);
	CU_ASSERT_EQUAL(tl_binance_decode_marks(&MA, "[]", 2, NOW, want_all, NULL, NULL, &MR),
			TL_BN_E_ARG);
	CU_ASSERT_EQUAL(tl_binance_decode_marks(NULL, "[]", 2, NOW, want_all, got_emit, NULL, &MR),
			TL_BN_E_ARG);
	CU_ASSERT_EQUAL(tl_binance_decode_marks(&MA, "[]", 2, NOW, want_all, got_emit, NULL, NULL),
			TL_BN_E_ARG);
}

/* TL_BINANCE_MARKS_MAX elements pass; one more is refused. */
static void test_marks_oversized_array_refused(void)
{
	static const char small[] = "{\"e\":\"markPriceUpdate\",\"s\":\"X\"}";
	size_t len = 1;

	marks_msg[0] = '[';
	for (int i = 0; i < TL_BINANCE_MARKS_MAX; i++) {
		memcpy(marks_msg + len, small, sizeof small - 1);
		len += sizeof small - 1;
		marks_msg[len++] = ',';
	}
	marks_msg[len - 1] = ']';
	CU_ASSERT_EQUAL(marks_n(marks_msg, len, want_list, TRADED), TL_BN_IGNORED);
	CU_ASSERT_EQUAL(MR.elements, TL_BINANCE_MARKS_MAX);
	CU_ASSERT_EQUAL(MR.dropped, TL_BINANCE_MARKS_MAX);
	/* one more, and ours: refused before any is emitted */
	static const char btc[] = ",{\"e\":\"markPriceUpdate\",\"s\":\"BTCUSDT\",\"p\":\"1\"}]";
	memcpy(marks_msg + len - 1, btc, sizeof btc);
	len += sizeof btc - 2;
	CU_ASSERT_EQUAL(marks_n(marks_msg, len, want_list, TRADED), TL_BN_E_RANGE);
	CU_ASSERT_STRING_EQUAL(MR.field, "markPrice");
	CU_ASSERT_EQUAL(got.n, 0);
	CU_ASSERT_EQUAL(MR.emitted, 0);
}

/* A venue of TL_BINANCE_MARKS_MAX symbols, full-size elements: fits one
 * frame and TL_BINANCE_MARKS_ARENA, decodes without allocating; a
 * smaller arena is a clean NOMEM. */
static void test_marks_full_venue_fits_frame_and_arena(void)
{
	static unsigned char small[2u << 20];
	tl_binance_arena_t sa;
	char sym[32];
	size_t len = 1;
	int rc;

	marks_msg[0] = '[';
	for (int i = 0; i < TL_BINANCE_MARKS_MAX; i++) {
		snprintf(sym, sizeof sym, "S%04dUSDT", i);
		if (i)
			marks_msg[len++] = ',';
		len += mark_el(marks_msg + len, sizeof marks_msg - len, sym, "12345.67800000");
	}
	marks_msg[len++] = ']';
	marks_msg[len] = '\0';
	CU_ASSERT(len <= TL_BINANCE_STREAM_MAX_FRAME);
	tl_alloc_hook_arm();
	rc = marks_n(marks_msg, len, want_every4th, NULL);
	size_t allocs = tl_alloc_hook_disarm();
	CU_ASSERT_EQUAL(allocs, 0);
	if (rc != TL_BN_OK)
		printf("\n  rc %d, %zu bytes, arena used %zu of %zu\n", rc, len, MA.used, MA.cap);
	CU_ASSERT_EQUAL(rc, TL_BN_OK);
	CU_ASSERT_EQUAL(MR.emitted, TL_BINANCE_MARKS_MAX / 4);
	CU_ASSERT_EQUAL(MR.dropped, TL_BINANCE_MARKS_MAX - TL_BINANCE_MARKS_MAX / 4);
	CU_ASSERT_EQUAL_FATAL(got.n, TL_BINANCE_MARKS_MAX / 4);
	CU_ASSERT_STRING_EQUAL(got.in[1023].u.mark.symbol, "S4092USDT");
	CU_ASSERT_EQUAL(got.in[1023].u.mark.price, 12345678 * ONE / 1000);
	CU_ASSERT(MA.peak <= MA.cap / 2 + MA.cap / 4);   /* headroom */
	printf(" [%zu bytes, arena peak %zu of %zu] ", len, MA.peak, MA.cap);
	tl_binance_arena_init(&sa, small, sizeof small);
	got.n = 0;
	CU_ASSERT_EQUAL(tl_binance_decode_marks(&sa, marks_msg, len, NOW, want_every4th,
						got_emit, NULL, &MR), TL_BN_E_NOMEM);
	CU_ASSERT_EQUAL(got.n, 0);
	CU_ASSERT(sa.failed > 0);
}

/* Random edits of mark arrays: never a crash or an out-of-range result;
 * a refused message emits nothing; every emitted mark is well formed
 * and for a traded symbol. */
static void test_marks_mutation_loop_never_crashes(void)
{
	static char buf[8192];
	static const char *const tokens[] = {
		"\"", "{", "}", "[", "]", ",", ":", "1e9", "-", ".", "\\", "\\u0000",
		"null", "true", "0", "\"\"", " ", "\xff", "\"s\":\"BTCUSDT\"",
		"\"p\":\"1\"", "\"e\":\"markPriceUpdate\"", "{\"stream\":\"a\",\"data\":",
	};
	const size_t ntok = sizeof tokens / sizeof tokens[0];
	char seed[8192];
	unsigned ok = 0, bad = 0;

	snprintf(seed, sizeof seed, "%s", mark_arr(ARR_SYM, ARR_PX, ARR_N));
	for (int it = 0; it < 50000; it++) {
		size_t len = strlen(seed);
		memcpy(buf, seed, len);
		len = mutate(buf, len, sizeof buf, tokens, ntok, 16);
		int rc = marks_n(buf, len, want_list, TRADED);
		CU_ASSERT(rc >= TL_BN_E_ARG && rc <= TL_BN_IGNORED);
		if (rc < 0) {
			CU_ASSERT_EQUAL(got.n, 0);
			bad++;
			continue;
		}
		ok++;
		CU_ASSERT_EQUAL(got.n, MR.emitted);
		CU_ASSERT_EQUAL(MR.emitted + MR.dropped, MR.elements);
		CU_ASSERT(MR.elements <= TL_BINANCE_MARKS_MAX);
		for (unsigned i = 0; i < got.n && i < TL_BINANCE_MARKS_MAX; i++) {
			CU_ASSERT_EQUAL(got.in[i].hdr.type, TL_IN_MARK);
			CU_ASSERT(got.in[i].u.mark.price > 0);
			CU_ASSERT_PTR_NOT_NULL_FATAL(memchr(got.in[i].u.mark.symbol, 0,
							    sizeof got.in[i].u.mark.symbol));
			CU_ASSERT(want_list((void *)TRADED, got.in[i].u.mark.symbol));
		}
	}
	CU_ASSERT(ok > 100);
	CU_ASSERT(bad > 100);
}

/* ---- polled market answers (market.h) ----------------------------------- */

static void test_server_time_strict(void)
{
	static const struct { const char *body; int rc; int64_t ms; } cases[] = {
		{ "{\"serverTime\":1499827319559}", 0, 1499827319559LL },
		{ "{\"serverTime\": 1700000000000}", 0, 1700000000000LL },
		{ "{\"serverTime\":4102444799999}", 0, 4102444799999LL },
		{ "{\"serverTime\":4102444800000}", -1, 0 },   /* 2100 */
		{ "{\"serverTime\":99999999999999999999}", -1, 0 },
		{ "{\"serverTime\":9223372036854}", -1, 0 }, /* ns near int64's end */
		{ "{\"serverTime\":1e300}", -1, 0 },           /* was read as 1 */
		{ "{\"serverTime\":1700000000000.5}", -1, 0 },
		{ "{\"serverTime\":-1700000000000}", -1, 0 },
		{ "{\"serverTime\":0}", -1, 0 },
		{ "{\"serverTime\":\"1700000000000\"}", -1, 0 },
		{ "{\"code\":-1003,\"msg\":\"Too many requests\"}", -1, 0 },
		{ "", -1, 0 },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int64_t ms = -7;
		int rc = tl_binance_decode_server_time(cases[i].body, strlen(cases[i].body), &ms);
		if (rc != cases[i].rc)
			printf("server time: %s: %d\n", cases[i].body, rc);
		CU_ASSERT_EQUAL(rc, cases[i].rc);
		CU_ASSERT_EQUAL(ms, rc == 0 ? cases[i].ms : -7);
	}
	/* the first 127 bytes only */
	char big[300];
	memset(big, ' ', sizeof big);
	memcpy(big + 200, "{\"serverTime\":1700000000000}", 28);
	int64_t ms = -7;
	CU_ASSERT_EQUAL(tl_binance_decode_server_time(big, 228, &ms), -1);
	CU_ASSERT_EQUAL(ms, -7);
	/* digits running past byte 127 are not cut into a smaller time */
	memset(big, ' ', sizeof big);
	memcpy(big + 100, "{\"serverTime\":1700000000000}", 28);
	CU_ASSERT_EQUAL(tl_binance_decode_server_time(big, 228, &ms), -1);
	CU_ASSERT_EQUAL(ms, -7);
	CU_ASSERT_EQUAL(tl_binance_decode_server_time(big + 100, 48, &ms), 0);
	CU_ASSERT_EQUAL(ms, 1700000000000LL);
}

static bool want_btc_eth(void *ctx, const char *sym)
{
	(void)ctx;
	return strcmp(sym, "BTCUSDT") == 0 || strcmp(sym, "ETHUSDT") == 0;
}

static tl_input_t pi_out[8];
static unsigned pi_n;

static void pi_emit(void *ctx, const tl_input_t *in)
{
	(void)ctx;
	if (pi_n < 8)
		pi_out[pi_n] = *in;
	pi_n++;
}

static void test_premium_index_wanted_positive_only(void)
{
	static const char body[] =
		"[{\"symbol\":\"BTCUSDT\",\"markPrice\":\"50000.12345678\",\"indexPrice\":\"1\"},"
		"{\"symbol\":\"XRPUSDT\",\"markPrice\":\"0.5\"},"
		"{\"symbol\":\"ETHUSDT\",\"markPrice\":\"0\"},"
		"{\"symbol\":\"ETHUSDT\",\"markPrice\":3000.5},"
		"{\"symbol\":\"ETHUSDT\",\"markPrice\":\"1e3\"},"
		"7, null, {\"markPrice\":\"1\"},"
		"{\"symbol\":\"ETHUSDTETHUSDTETHUSDTETHUSDTETHUSDT\",\"markPrice\":\"1\"},"
		"{\"symbol\":\"ETHUSDT\",\"markPrice\":\"3000.25\"}]";

	pi_n = 0;
	CU_ASSERT_EQUAL(tl_binance_decode_premium_index(body, strlen(body), 42, want_btc_eth,
							pi_emit, NULL), 2);
	CU_ASSERT_EQUAL_FATAL(pi_n, 2);
	CU_ASSERT_EQUAL(pi_out[0].hdr.type, TL_IN_MARK);
	CU_ASSERT_EQUAL(pi_out[0].hdr.time, 42);
	CU_ASSERT_STRING_EQUAL(pi_out[0].u.mark.symbol, "BTCUSDT");
	CU_ASSERT_EQUAL(pi_out[0].u.mark.price, 5000012345678LL);
	CU_ASSERT_STRING_EQUAL(pi_out[1].u.mark.symbol, "ETHUSDT");
	CU_ASSERT_EQUAL(pi_out[1].u.mark.price, 300025000000LL);
	pi_n = 0;
	CU_ASSERT_EQUAL(tl_binance_decode_premium_index("[{", 2, 42, want_btc_eth, pi_emit,
							NULL), -1);
	CU_ASSERT_EQUAL(tl_binance_decode_premium_index("{\"code\":-1003}", 14, 42,
							want_btc_eth, pi_emit, NULL), 0);
	CU_ASSERT_EQUAL(pi_n, 0);
}

TL_TEST_SUITE("io.binance_map", suite_init, NULL,
	      TL_TEST(test_encode_limit_one_way),
	      TL_TEST(test_encode_limit_tif_default_and_post_only),
	      TL_TEST(test_encode_market_reduce_only_one_way),
	      TL_TEST(test_encode_market_hedge_never_sends_reduce_only),
	      TL_TEST(test_encode_position_side_must_match_mode),
	      TL_TEST(test_encode_algo_stop_market_one_way),
	      TL_TEST(test_encode_algo_take_profit_limit_hedge),
	      TL_TEST(test_encode_algo_close_position),
	      TL_TEST(test_encode_refuses_values_beyond_precision),
	      TL_TEST(test_encode_refuses_bad_ids_and_mismatched_symbol),
	      TL_TEST(test_encode_percent_encodes_client_id),
	      TL_TEST(test_encode_enospc_at_every_cap),
	      TL_TEST(test_encode_cancel_and_query),
	      TL_TEST(test_encode_batch_emergency_closes),
	      TL_TEST(test_encode_batch_limits),
	      TL_TEST(test_encode_then_sign_verifies_at_simulator),
	      TL_TEST(test_decode_doc_order_response),
	      TL_TEST(test_decode_live_order_response),
	      TL_TEST(test_decode_filled_market_result_is_ack_only),
	      TL_TEST(test_decode_expired_and_canceled_responses),
	      TL_TEST(test_decode_doc_query_response),
	      TL_TEST(test_decode_filled_query_response),
	      TL_TEST(test_decode_error_bodies),
	      TL_TEST(test_decode_rate_limit_keeps_retry_after),
	      TL_TEST(test_decode_503_variants),
	      TL_TEST(test_decode_non_json_error_pages),
	      TL_TEST(test_decode_error_object_under_200),
	      TL_TEST(test_decode_doc_algo_responses),
	      TL_TEST(test_decode_algo_query),
	      TL_TEST(test_decode_mismatched_client_id),
	      TL_TEST(test_decode_batch_mixed),
	      TL_TEST(test_decode_batch_whole_failure_and_bad_shape),
	      TL_TEST(test_stream_order_trade_update_new),
	      TL_TEST(test_stream_order_trade_update_trade_is_fill),
	      TL_TEST(test_stream_trade_without_commission_and_rebate),
	      TL_TEST(test_stream_canceled_expired_calculated),
	      TL_TEST(test_stream_trade_lite_is_fill),
	      TL_TEST(test_stream_algo_update),
	      TL_TEST(test_stream_mark_price),
	      TL_TEST(test_stream_combined_wrapper_and_array),
	      TL_TEST(test_stream_listen_key_expired_and_ignored),
	      TL_TEST(test_malformed_fields_give_clear_errors),
	      TL_TEST(test_malformed_rest_bodies),
	      TL_TEST(test_arena_exhaustion_is_clean),
	      TL_TEST(test_decode_does_not_allocate),
	      TL_TEST(test_hooks_transparent_outside_decode),
	      TL_TEST(test_mutation_loop_never_crashes),
	      TL_TEST(test_marks_array_keeps_only_traded_symbols),
	      TL_TEST(test_marks_bad_element_refuses_message),
	      TL_TEST(test_marks_oversized_array_refused),
	      TL_TEST(test_marks_full_venue_fits_frame_and_arena),
	      TL_TEST(test_marks_mutation_loop_never_crashes),
	      TL_TEST(test_server_time_strict),
	      TL_TEST(test_premium_index_wanted_positive_only));
