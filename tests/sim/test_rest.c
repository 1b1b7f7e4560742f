/*
 * test_rest.c - the REST API over real loopback HTTP: an in-process
 * server on an ephemeral port (plain HTTP), a tiny signing client.
 * Covers auth errors, every endpoint family, response shapes and
 * headers, batch orders with mixed results, pipelining, rate limits
 * (429 -1003 / -1015 + Retry-After, 418 ban) and REST faults.
 */
#define _GNU_SOURCE
#include "tests/support/tl_test.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "runtime/clock.h"
#include "tests/sim/sim_client.c"
#include "sim/config.h"
#include "sim/http.h"

static tl_sim_config_t cfg;
static tl_sim_server_t *srv;
static simc_t cli;

static void start_with(void (*tweak)(tl_sim_config_t *))
{
	tl_sim_config_defaults(&cfg);
	cfg.sym[0].vol_bps = 0;
	cfg.acct[1] = cfg.acct[0];
	snprintf(cfg.acct[1].api_key, sizeof cfg.acct[1].api_key, "hedgekey");
	cfg.acct[1].dual_side = true;
	cfg.nacct = 2;
	if (tweak)
		tweak(&cfg);
	srv = simc_start_rest(&cfg, &cli);
}

static void each_setup(void) { start_with(NULL); }

static void each_teardown(void)
{
	simc_stop_rest(&srv, &cli);
}

static bool has(const char *needle)
{
	return simc_body_has(&cli, needle);
}

static void test_public_endpoints(void)
{
	char h[64];

	CU_ASSERT_EQUAL(simc_raw(&cli, "GET", "/fapi/v1/ping", "", "", NULL), 200);
	CU_ASSERT_STRING_EQUAL(cli.body, "{}");
	CU_ASSERT_PTR_NOT_NULL(simc_header(&cli, "X-MBX-USED-WEIGHT-1M", h, sizeof h));
	CU_ASSERT_STRING_EQUAL(h, "1");
	CU_ASSERT_EQUAL(simc_raw(&cli, "GET", "/fapi/v1/time", "", "", NULL), 200);
	CU_ASSERT_TRUE(has("{\"serverTime\":"));
	CU_ASSERT_EQUAL(simc_raw(&cli, "GET", "/fapi/v1/exchangeInfo", "", "", NULL), 200);
	CU_ASSERT_TRUE(has("{\"rateLimitType\":\"ORDERS\",\"interval\":\"SECOND\",\"intervalNum\":10,\"limit\":300}"));
	CU_ASSERT_TRUE(has("{\"filterType\":\"PRICE_FILTER\",\"maxPrice\":\"809484\",\"minPrice\":\"261.1\",\"tickSize\":\"0.1\"}"));
	CU_ASSERT_TRUE(has("{\"filterType\":\"MIN_NOTIONAL\",\"notional\":\"100\"}"));
	CU_ASSERT_TRUE(has("\"pricePrecision\":2,\"quantityPrecision\":3"));
	CU_ASSERT_EQUAL(simc_raw(&cli, "GET", "/fapi/v1/premiumIndex", "symbol=BTCUSDT", "", NULL), 200);
	CU_ASSERT_TRUE(has("\"markPrice\":\"60000.00000000\""));
	CU_ASSERT_EQUAL(simc_raw(&cli, "GET", "/fapi/v1/premiumIndex", "", "", NULL), 200);
	CU_ASSERT_EQUAL(cli.body[0], '[');
	CU_ASSERT_EQUAL(simc_raw(&cli, "GET", "/fapi/v1/premiumIndex", "symbol=NOPE", "", NULL), 400);
	CU_ASSERT_TRUE(has("{\"code\":-1121,\"msg\":\"Invalid symbol.\"}"));
	CU_ASSERT_EQUAL(simc_raw(&cli, "GET", "/fapi/v1/nothing", "", "", NULL), 404);
	CU_ASSERT_EQUAL(simc_raw(&cli, "PATCH", "/fapi/v1/ping", "", "", NULL), 405);
}

static void test_auth_errors(void)
{
	CU_ASSERT_EQUAL(simc_raw(&cli, "GET", "/fapi/v2/balance", "timestamp=1", "", NULL), 401);
	CU_ASSERT_TRUE(has("\"code\":-2015"));
	CU_ASSERT_EQUAL(simc_raw(&cli, "GET", "/fapi/v2/balance", "timestamp=1", "", "wrongkey"), 401);
	CU_ASSERT_TRUE(has("\"code\":-2015"));
	CU_ASSERT_EQUAL(simc_raw(&cli, "GET", "/fapi/v2/balance", "", "", cli.key), 400);
	CU_ASSERT_TRUE(has("{\"code\":-1102,\"msg\":\"Mandatory parameter 'timestamp' was not sent, was empty/null, or malformed.\"}"));
	CU_ASSERT_EQUAL(simc_raw(&cli, "GET", "/fapi/v2/balance", "timestamp=1", "", cli.key), 400);
	CU_ASSERT_TRUE(has("'signature'"));
	CU_ASSERT_EQUAL(simc_raw(&cli, "GET", "/fapi/v2/balance",
				 "timestamp=1&signature=0000000000000000000000000000000000000000000000000000000000000000",
				 "", cli.key), 400);
	CU_ASSERT_TRUE(has("\"code\":-1022"));
	cli.ts_offset = -10000;
	CU_ASSERT_EQUAL(simc_signed(&cli, "GET", "/fapi/v2/balance", "", false), 400);
	CU_ASSERT_TRUE(has("\"code\":-1021"));
	CU_ASSERT_EQUAL(simc_signed(&cli, "GET", "/fapi/v2/balance", "recvWindow=20000", false), 200);
	cli.ts_offset = 2000;
	CU_ASSERT_EQUAL(simc_signed(&cli, "GET", "/fapi/v2/balance", "", false), 400);
	CU_ASSERT_TRUE(has("1000ms ahead"));
	cli.ts_offset = 0;
	CU_ASSERT_EQUAL(simc_signed(&cli, "GET", "/fapi/v2/balance", "", false), 200);
	CU_ASSERT_TRUE(has("\"asset\":\"USDT\",\"balance\":\"100000.00000000\""));
}

static void test_order_lifecycle(void)
{
	char h[32];

	/* RESULT market order, signed in the body */
	CU_ASSERT_EQUAL(simc_signed(&cli, "POST", "/fapi/v1/order",
				    "symbol=BTCUSDT&side=BUY&type=MARKET&quantity=0.010&newOrderRespType=RESULT&newClientOrderId=m1", true), 200);
	CU_ASSERT_TRUE(has("\"status\":\"FILLED\",\"clientOrderId\":\"m1\",\"price\":\"0.00\",\"avgPrice\":\"60000.10\",\"origQty\":\"0.010\",\"executedQty\":\"0.010\",\"cumQty\":\"0.010\",\"cumQuote\":\"600.00100\""));
	CU_ASSERT_PTR_NOT_NULL(simc_header(&cli, "X-MBX-ORDER-COUNT-10S", h, sizeof h));
	CU_ASSERT_STRING_EQUAL(h, "1");
	CU_ASSERT_PTR_NOT_NULL(simc_header(&cli, "X-MBX-ORDER-COUNT-1M", h, sizeof h));
	/* ACK: state at acceptance */
	CU_ASSERT_EQUAL(simc_signed(&cli, "POST", "/fapi/v1/order",
				    "symbol=BTCUSDT&side=BUY&type=MARKET&quantity=0.010", false), 200);
	CU_ASSERT_TRUE(has("\"status\":\"NEW\""));
	CU_ASSERT_TRUE(has("\"executedQty\":\"0.000\""));
	/* resting limit; query; cancel; query again */
	CU_ASSERT_EQUAL(simc_signed(&cli, "POST", "/fapi/v1/order",
				    "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.010&price=59000&newClientOrderId=L1", false), 200);
	CU_ASSERT_TRUE(has("\"price\":\"59000.00\""));
	CU_ASSERT_EQUAL(simc_signed(&cli, "POST", "/fapi/v1/order",
				    "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.010&price=59000&newClientOrderId=L1", false), 400);
	CU_ASSERT_TRUE(has("\"code\":-4116"));
	CU_ASSERT_EQUAL(simc_signed(&cli, "GET", "/fapi/v1/order", "symbol=BTCUSDT&origClientOrderId=L1", false), 200);
	CU_ASSERT_TRUE(has("\"status\":\"NEW\""));
	CU_ASSERT_TRUE(has("\"time\":"));
	CU_ASSERT_FALSE(strstr(cli.body, "cumQty") != NULL);
	CU_ASSERT_EQUAL(simc_signed(&cli, "GET", "/fapi/v1/openOrders", "symbol=BTCUSDT", false), 200);
	CU_ASSERT_TRUE(has("\"clientOrderId\":\"L1\""));
	CU_ASSERT_EQUAL(simc_signed(&cli, "GET", "/fapi/v1/openOrder", "symbol=BTCUSDT&origClientOrderId=L1", false), 200);
	CU_ASSERT_EQUAL(simc_signed(&cli, "DELETE", "/fapi/v1/order", "symbol=BTCUSDT&origClientOrderId=L1", false), 200);
	CU_ASSERT_TRUE(has("\"status\":\"CANCELED\""));
	CU_ASSERT_EQUAL(simc_signed(&cli, "DELETE", "/fapi/v1/order", "symbol=BTCUSDT&origClientOrderId=L1", false), 400);
	CU_ASSERT_TRUE(has("{\"code\":-2011,\"msg\":\"Unknown order sent.\"}"));
	CU_ASSERT_EQUAL(simc_signed(&cli, "GET", "/fapi/v1/order", "symbol=BTCUSDT&origClientOrderId=nope", false), 400);
	CU_ASSERT_TRUE(has("\"code\":-2013"));
	CU_ASSERT_EQUAL(simc_signed(&cli, "GET", "/fapi/v1/order", "symbol=BTCUSDT", false), 400);
	CU_ASSERT_TRUE(has("\"code\":-1102"));
	CU_ASSERT_EQUAL(simc_signed(&cli, "GET", "/fapi/v1/openOrder", "symbol=BTCUSDT&origClientOrderId=L1", false), 400);
	CU_ASSERT_EQUAL(simc_signed(&cli, "GET", "/fapi/v1/allOrders", "symbol=BTCUSDT", false), 200);
	CU_ASSERT_TRUE(has("\"clientOrderId\":\"m1\""));
	CU_ASSERT_TRUE(has("\"clientOrderId\":\"L1\""));
	CU_ASSERT_EQUAL(simc_signed(&cli, "GET", "/fapi/v1/userTrades", "symbol=BTCUSDT", false), 200);
	CU_ASSERT_TRUE(has("\"buyer\":true,\"commission\":\"0.24000040\",\"commissionAsset\":\"USDT\""));
	CU_ASSERT_TRUE(has("\"price\":\"60000.10\",\"qty\":\"0.010\",\"quoteQty\":\"600.00100\",\"realizedPnl\":\"0.00000000\""));
	/* conditional type on the order endpoint */
	CU_ASSERT_EQUAL(simc_signed(&cli, "POST", "/fapi/v1/order",
				    "symbol=BTCUSDT&side=SELL&type=STOP_MARKET&stopPrice=50000&quantity=0.010", false), 400);
	CU_ASSERT_TRUE(has("\"code\":-4120"));
	/* cancel all */
	CU_ASSERT_EQUAL(simc_signed(&cli, "POST", "/fapi/v1/order",
				    "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.010&price=59000", false), 200);
	CU_ASSERT_EQUAL(simc_signed(&cli, "DELETE", "/fapi/v1/allOpenOrders", "symbol=BTCUSDT", false), 200);
	CU_ASSERT_STRING_EQUAL(cli.body, "{\"code\":200,\"msg\":\"The operation of cancel all open order is done.\"}");
}

static void test_batch_orders_mixed(void)
{
	/* raw JSON in the form body (as a multi-exchange library sends) */
	CU_ASSERT_EQUAL(simc_signed(&cli, "POST", "/fapi/v1/batchOrders",
				    "batchOrders=[{\"symbol\":\"BTCUSDT\",\"side\":\"BUY\",\"type\":\"LIMIT\",\"timeInForce\":\"GTC\",\"quantity\":\"0.010\",\"price\":\"59000\",\"newClientOrderId\":\"b1\"},"
				    "{\"symbol\":\"BTCUSDT\",\"side\":\"BUY\",\"type\":\"LIMIT\",\"timeInForce\":\"GTX\",\"quantity\":\"0.010\",\"price\":\"60000.1\"},"
				    "{\"symbol\":\"BTCUSDT\",\"side\":\"SELL\",\"type\":\"MARKET\",\"quantity\":\"0.010\",\"reduceOnly\":\"true\"}]", true), 200);
	CU_ASSERT_EQUAL(cli.body[0], '[');
	CU_ASSERT_TRUE(has("\"clientOrderId\":\"b1\""));
	CU_ASSERT_TRUE(has("{\"code\":-5022,"));
	CU_ASSERT_TRUE(has("{\"code\":-2022,\"msg\":\"ReduceOnly Order is rejected.\"}"));
	/* percent-encoded JSON in the query (as the official connector) */
	CU_ASSERT_EQUAL(simc_signed(&cli, "POST", "/fapi/v1/batchOrders",
				    "batchOrders=%5B%7B%22symbol%22%3A%22BTCUSDT%22%2C%22side%22%3A%22BUY%22%2C%22type%22%3A%22LIMIT%22%2C%22timeInForce%22%3A%22GTC%22%2C%22quantity%22%3A%220.010%22%2C%22price%22%3A%2259000%22%2C%22newClientOrderId%22%3A%22b2%22%7D%5D", false), 200);
	CU_ASSERT_TRUE(has("\"clientOrderId\":\"b2\""));
	CU_ASSERT_EQUAL(simc_signed(&cli, "POST", "/fapi/v1/batchOrders", "batchOrders=[1,2,3,4,5,6]", false), 400);
	CU_ASSERT_TRUE(has("\"code\":-1130"));
	CU_ASSERT_EQUAL(simc_signed(&cli, "DELETE", "/fapi/v1/batchOrders",
				    "symbol=BTCUSDT&origClientOrderIdList=%5B%22b1%22%2C%22zz%22%5D", false), 200);
	CU_ASSERT_TRUE(has("\"clientOrderId\":\"b1\""));
	CU_ASSERT_TRUE(has("\"status\":\"CANCELED\""));
	CU_ASSERT_TRUE(has("{\"code\":-2011,\"msg\":\"Unknown order sent.\"}"));
}

static void test_account_endpoints(void)
{
	CU_ASSERT_EQUAL(simc_signed(&cli, "POST", "/fapi/v1/order",
				    "symbol=BTCUSDT&side=BUY&type=MARKET&quantity=0.010", false), 200);
	CU_ASSERT_EQUAL(simc_raw(&cli, "POST", "/sim/mark", "symbol=BTCUSDT&price=61000", "", NULL), 200);
	CU_ASSERT_EQUAL(simc_signed(&cli, "GET", "/fapi/v2/positionRisk", "symbol=BTCUSDT", false), 200);
	CU_ASSERT_TRUE(has("\"entryPrice\":\"60000.10\""));
	CU_ASSERT_TRUE(has("\"marginType\":\"cross\""));
	CU_ASSERT_TRUE(has("\"leverage\":\"20\""));
	CU_ASSERT_TRUE(has("\"positionAmt\":\"0.010\""));
	CU_ASSERT_TRUE(has("\"unRealizedProfit\":\"9.99900000\""));
	CU_ASSERT_TRUE(has("\"positionSide\":\"BOTH\""));
	CU_ASSERT_EQUAL(simc_signed(&cli, "GET", "/fapi/v3/positionRisk", "", false), 200);
	CU_ASSERT_TRUE(has("\"notional\":\"610.00000000\""));
	CU_ASSERT_TRUE(has("\"initialMargin\":\"30.50000000\""));
	CU_ASSERT_EQUAL(simc_signed(&cli, "GET", "/fapi/v3/account", "", false), 200);
	CU_ASSERT_TRUE(has("\"totalWalletBalance\":\"99999.75999960\""));
	CU_ASSERT_TRUE(has("\"totalUnrealizedProfit\":\"9.99900000\""));
	CU_ASSERT_EQUAL(simc_signed(&cli, "GET", "/fapi/v2/account", "", false), 200);
	CU_ASSERT_TRUE(has("\"canTrade\":true"));
	CU_ASSERT_EQUAL(simc_signed(&cli, "GET", "/fapi/v3/balance", "", false), 200);
	CU_ASSERT_TRUE(has("\"crossUnPnl\":\"9.99900000\""));
	CU_ASSERT_EQUAL(simc_signed(&cli, "POST", "/fapi/v1/leverage", "symbol=BTCUSDT&leverage=10", false), 200);
	CU_ASSERT_STRING_EQUAL(cli.body, "{\"leverage\":10,\"maxNotionalValue\":\"1000000\",\"symbol\":\"BTCUSDT\"}");
	CU_ASSERT_EQUAL(simc_signed(&cli, "POST", "/fapi/v1/leverage", "symbol=BTCUSDT&leverage=126", false), 400);
	CU_ASSERT_TRUE(has("\"code\":-4028"));
	CU_ASSERT_EQUAL(simc_signed(&cli, "GET", "/fapi/v1/symbolConfig", "symbol=BTCUSDT", false), 200);
	CU_ASSERT_TRUE(has("\"marginType\":\"CROSSED\",\"isAutoAddMargin\":false,\"leverage\":10"));
	CU_ASSERT_EQUAL(simc_signed(&cli, "POST", "/fapi/v1/marginType", "symbol=BTCUSDT&marginType=CROSSED", false), 400);
	CU_ASSERT_TRUE(has("\"code\":-4046"));
	CU_ASSERT_EQUAL(simc_signed(&cli, "POST", "/fapi/v1/marginType", "symbol=BTCUSDT&marginType=ISOLATED", false), 400);
	CU_ASSERT_TRUE(has("\"code\":-4048"));
	CU_ASSERT_EQUAL(simc_signed(&cli, "POST", "/fapi/v1/positionSide/dual", "dualSidePosition=true", false), 400);
	CU_ASSERT_TRUE(has("\"code\":-4068"));
	CU_ASSERT_EQUAL(simc_signed(&cli, "GET", "/fapi/v1/positionSide/dual", "", false), 200);
	CU_ASSERT_STRING_EQUAL(cli.body, "{\"dualSidePosition\":false}");
	CU_ASSERT_EQUAL(simc_signed(&cli, "GET", "/fapi/v1/commissionRate", "symbol=BTCUSDT", false), 200);
	CU_ASSERT_TRUE(has("\"makerCommissionRate\":\"0.0002\",\"takerCommissionRate\":\"0.0004\""));
	CU_ASSERT_EQUAL(simc_signed(&cli, "GET", "/fapi/v1/accountConfig", "", false), 200);
	CU_ASSERT_TRUE(has("\"dualSidePosition\":false"));
	CU_ASSERT_EQUAL(simc_signed(&cli, "POST", "/fapi/v1/order",
				    "symbol=BTCUSDT&side=SELL&type=MARKET&quantity=0.010&reduceOnly=true", false), 200);
	CU_ASSERT_EQUAL(simc_signed(&cli, "POST", "/fapi/v1/marginType", "symbol=BTCUSDT&marginType=ISOLATED", false), 200);
	CU_ASSERT_STRING_EQUAL(cli.body, "{\"code\":200,\"msg\":\"success\"}");
	CU_ASSERT_EQUAL(simc_signed(&cli, "POST", "/fapi/v1/positionSide/dual", "dualSidePosition=true", false), 200);
	CU_ASSERT_EQUAL(simc_signed(&cli, "POST", "/fapi/v1/positionSide/dual", "dualSidePosition=true", false), 400);
	CU_ASSERT_TRUE(has("\"code\":-4059"));
	CU_ASSERT_EQUAL(simc_signed(&cli, "POST", "/fapi/v1/order",
				    "symbol=BTCUSDT&side=BUY&type=MARKET&quantity=0.010", false), 400);
	CU_ASSERT_TRUE(has("\"code\":-4061"));
}

static void test_listen_key_algo_countdown(void)
{
	char key1[128];

	CU_ASSERT_EQUAL(simc_raw(&cli, "POST", "/fapi/v1/listenKey", "", "", cli.key), 200);
	CU_ASSERT_EQUAL(strlen(cli.body), strlen("{\"listenKey\":\"\"}") + 64);
	CU_ASSERT_FATAL(cli.body_len < sizeof key1);
	memcpy(key1, cli.body, cli.body_len + 1);
	CU_ASSERT_EQUAL(simc_raw(&cli, "POST", "/fapi/v1/listenKey", "", "", cli.key), 200);
	CU_ASSERT_STRING_EQUAL(cli.body, key1);
	CU_ASSERT_EQUAL(simc_raw(&cli, "PUT", "/fapi/v1/listenKey", "", "listenKey=x", cli.key), 200);
	CU_ASSERT_EQUAL(simc_raw(&cli, "DELETE", "/fapi/v1/listenKey", "", "", cli.key), 200);
	CU_ASSERT_STRING_EQUAL(cli.body, "{}");
	CU_ASSERT_EQUAL(simc_raw(&cli, "PUT", "/fapi/v1/listenKey", "", "", cli.key), 400);
	CU_ASSERT_TRUE(has("\"code\":-1125"));

	CU_ASSERT_EQUAL(simc_signed(&cli, "POST", "/fapi/v1/algoOrder",
				    "algoType=CONDITIONAL&symbol=BTCUSDT&side=BUY&type=STOP_MARKET&triggerPrice=61000&quantity=0.010&workingType=MARK_PRICE&clientAlgoId=a1", false), 200);
	CU_ASSERT_TRUE(has("\"clientAlgoId\":\"a1\",\"algoType\":\"CONDITIONAL\",\"orderType\":\"STOP_MARKET\""));
	CU_ASSERT_TRUE(has("\"algoStatus\":\"NEW\",\"triggerPrice\":\"61000.00\""));
	CU_ASSERT_EQUAL(simc_signed(&cli, "GET", "/fapi/v1/openAlgoOrders", "", false), 200);
	CU_ASSERT_TRUE(has("\"clientAlgoId\":\"a1\""));
	CU_ASSERT_EQUAL(simc_raw(&cli, "POST", "/sim/mark", "symbol=BTCUSDT&price=61000", "", NULL), 200);
	CU_ASSERT_EQUAL(simc_signed(&cli, "GET", "/fapi/v1/algoOrder", "clientAlgoId=a1", false), 200);
	CU_ASSERT_TRUE(has("\"algoStatus\":\"FINISHED\""));
	CU_ASSERT_FALSE(strstr(cli.body, "\"actualOrderId\":\"\"") != NULL);
	CU_ASSERT_EQUAL(simc_signed(&cli, "GET", "/fapi/v2/positionRisk", "symbol=BTCUSDT", false), 200);
	CU_ASSERT_TRUE(has("\"positionAmt\":\"0.010\""));
	CU_ASSERT_EQUAL(simc_signed(&cli, "POST", "/fapi/v1/algoOrder",
				    "algoType=CONDITIONAL&symbol=BTCUSDT&side=SELL&type=TAKE_PROFIT_MARKET&triggerPrice=65000&closePosition=true&clientAlgoId=a2", false), 200);
	CU_ASSERT_EQUAL(simc_signed(&cli, "DELETE", "/fapi/v1/algoOrder", "clientAlgoId=a2", false), 200);
	CU_ASSERT_TRUE(has("\"code\":\"200\",\"msg\":\"success\""));
	CU_ASSERT_EQUAL(simc_signed(&cli, "DELETE", "/fapi/v1/algoOrder", "clientAlgoId=a2", false), 400);

	CU_ASSERT_EQUAL(simc_signed(&cli, "POST", "/fapi/v1/countdownCancelAll", "symbol=BTCUSDT&countdownTime=100000", false), 200);
	CU_ASSERT_STRING_EQUAL(cli.body, "{\"symbol\":\"BTCUSDT\",\"countdownTime\":\"100000\"}");
}

static void test_pipelining(void)
{
	const char *three =
		"GET /fapi/v1/ping HTTP/1.1\r\nHost: x\r\n\r\n"
		"GET /fapi/v1/time HTTP/1.1\r\nHost: x\r\n\r\n"
		"GET /fapi/v1/premiumIndex?symbol=BTCUSDT HTTP/1.1\r\nHost: x\r\n\r\n";

	simc_npend = 0;
	CU_ASSERT_EQUAL(simc_send_all(&cli, three, strlen(three)), 0);
	CU_ASSERT_EQUAL(simc_read_response(&cli), 200);
	CU_ASSERT_STRING_EQUAL(cli.body, "{}");
	CU_ASSERT_EQUAL(simc_read_response(&cli), 200);
	CU_ASSERT_TRUE(has("serverTime"));
	CU_ASSERT_EQUAL(simc_read_response(&cli), 200);
	CU_ASSERT_TRUE(has("markPrice"));
	/* a malformed request gets 400 and the connection closes */
	CU_ASSERT_EQUAL(simc_send_all(&cli, "BROKEN\r\n\r\n", 10), 0);
	CU_ASSERT_EQUAL(simc_read_response(&cli), 400);
}

static void small_limits(tl_sim_config_t *c)
{
	c->weight_1m = 10;
	c->orders_10s = 3;
	c->ban_after = 3;
}

static void test_rate_limits(void)
{
	char h[32];
	int i;

	simc_stop_rest(&srv, &cli);
	start_with(small_limits);
	for (i = 0; i < 3; i++)
		CU_ASSERT_EQUAL(simc_signed(&cli, "POST", "/fapi/v1/order",
					    "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.010&price=59000", false), 200);
	CU_ASSERT_EQUAL(simc_signed(&cli, "POST", "/fapi/v1/order",
				    "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.010&price=59000", false), 429);
	CU_ASSERT_TRUE(has("\"code\":-1015"));
	CU_ASSERT_PTR_NOT_NULL(simc_header(&cli, "Retry-After", h, sizeof h));
	for (i = 0; i < 11; i++) /* weight 10/min: the 11th is over */
		simc_raw(&cli, "GET", "/fapi/v1/ping", "", "", NULL);
	CU_ASSERT_EQUAL(cli.status, 429);
	CU_ASSERT_TRUE(has("\"code\":-1003"));
	CU_ASSERT_PTR_NOT_NULL(simc_header(&cli, "Retry-After", h, sizeof h));
	/* third 429 in the minute bans: 418 */
	CU_ASSERT_EQUAL(simc_raw(&cli, "GET", "/fapi/v1/ping", "", "", NULL), 429);
	CU_ASSERT_EQUAL(simc_raw(&cli, "GET", "/fapi/v1/ping", "", "", NULL), 418);
	CU_ASSERT_TRUE(has("banned until"));
}

static void test_faults(void)
{
	simc_t c2;

	/* unknown outcome: 503 but the order exists */
	CU_ASSERT_EQUAL(simc_raw(&cli, "POST", "/sim/faults", "unknown_ppm=1000000", "", NULL), 200);
	CU_ASSERT_EQUAL(simc_signed(&cli, "POST", "/fapi/v1/order",
				    "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.010&price=59000&newClientOrderId=u1", false), 503);
	CU_ASSERT_TRUE(has("Unknown error, please check your request or try again later."));
	CU_ASSERT_EQUAL(simc_raw(&cli, "POST", "/sim/faults", "unknown_ppm=0&error_ppm=1000000&error_code=-1001", "", NULL), 200);
	CU_ASSERT_EQUAL(simc_signed(&cli, "GET", "/fapi/v1/order", "symbol=BTCUSDT&origClientOrderId=u1", false), 503);
	CU_ASSERT_TRUE(has("\"code\":-1001"));
	CU_ASSERT_EQUAL(simc_raw(&cli, "POST", "/sim/faults", "error_ppm=0", "", NULL), 200);
	CU_ASSERT_EQUAL(simc_signed(&cli, "GET", "/fapi/v1/order", "symbol=BTCUSDT&origClientOrderId=u1", false), 200);
	CU_ASSERT_TRUE(has("\"status\":\"NEW\""));
	/* reset after reading: no answer, connection closed */
	CU_ASSERT_EQUAL(simc_raw(&cli, "POST", "/sim/faults", "reset_ppm=1000000", "", NULL), 200);
	CU_ASSERT_EQUAL(simc_signed(&cli, "DELETE", "/fapi/v1/order", "symbol=BTCUSDT&origClientOrderId=u1", false), -1);
	CU_ASSERT_EQUAL(simc_connect(&c2, tl_sim_server_port(srv, TL_SIM_PORT_REST), NULL), 0);
	c2.key = cli.key;
	c2.secret = cli.secret;
	c2.ts_offset = 0;
	CU_ASSERT_EQUAL(simc_raw(&c2, "POST", "/sim/faults", "reset_ppm=0&clock_offset_ms=-3000&latency_ms=50", "", NULL), 200);
	/* clock offset: a client with a correct clock is now 3 s ahead */
	CU_ASSERT_EQUAL(simc_signed(&c2, "GET", "/fapi/v2/balance", "", false), 400);
	CU_ASSERT_TRUE(strstr(c2.body, "1000ms ahead") != NULL);
	CU_ASSERT_EQUAL(simc_raw(&c2, "GET", "/sim/state", "", "", NULL), 200);
	CU_ASSERT_TRUE(strstr(c2.body, "\"markets\":[{\"symbol\":\"BTCUSDT\"") != NULL);
	CU_ASSERT_EQUAL(simc_raw(&c2, "POST", "/sim/reset", "", "", NULL), 200);
	simc_close(&c2);
}

static long long mono_ms(void)
{
	return tl_clock_mono_ns() / 1000000;
}

/* latency_ms holds every answer; latency_jitter_ms adds uniform 0..jitter;
 * a pipelined request behind a held one waits its own delay too. */
/* Per-endpoint error rates by code: only the named METHOD and path fail,
 * with the code's own HTTP status; ppm 0 or "clear" removes the rule. */
static void test_endpoint_error_faults(void)
{
	tl_sim_faults_t f;
	tl_sim_ep_fault_t e;

	/* "POST /fapi/v1/order" with spaces, percent-encoded in the query */
	CU_ASSERT_EQUAL(simc_raw(&cli, "POST", "/sim/faults",
				 "endpoint_error=POST%20%2Ffapi%2Fv1%2Forder%201000000%20-2019", "", NULL), 200);
	CU_ASSERT_TRUE(has("\"endpoint_errors\":1"));
	CU_ASSERT_EQUAL(simc_signed(&cli, "POST", "/fapi/v1/order",
				    "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.010&price=59000&newClientOrderId=ep1", false), 400);
	CU_ASSERT_TRUE(has("\"code\":-2019"));
	/* other endpoints are untouched, and nothing was placed */
	CU_ASSERT_EQUAL(simc_signed(&cli, "GET", "/fapi/v1/order", "symbol=BTCUSDT&origClientOrderId=ep1", false), 400);
	CU_ASSERT_TRUE(has("\"code\":-2013"));
	/* a 503-class code gets 503 */
	CU_ASSERT_EQUAL(simc_raw(&cli, "POST", "/sim/faults",
				 "endpoint_error=GET%20%2Ffapi%2Fv2%2Fbalance%201000000%20-1001", "", NULL), 200);
	CU_ASSERT_EQUAL(simc_signed(&cli, "GET", "/fapi/v2/balance", "", false), 503);
	CU_ASSERT_EQUAL(simc_raw(&cli, "POST", "/sim/faults",
				 "endpoint_error=POST%20%2Ffapi%2Fv1%2Forder%200", "", NULL), 200);
	CU_ASSERT_TRUE(has("\"endpoint_errors\":1"));
	CU_ASSERT_EQUAL(simc_signed(&cli, "POST", "/fapi/v1/order",
				    "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.010&price=59000&newClientOrderId=ep2", false), 200);
	CU_ASSERT_EQUAL(simc_raw(&cli, "POST", "/sim/faults", "endpoint_error=clear", "", NULL), 200);
	CU_ASSERT_TRUE(has("\"endpoint_errors\":0"));
	CU_ASSERT_EQUAL(simc_signed(&cli, "GET", "/fapi/v2/balance", "", false), 200);
	/* malformed rules are refused and change nothing */
	CU_ASSERT_EQUAL(simc_raw(&cli, "POST", "/sim/faults", "endpoint_error=FETCH%20%2Fx%2010", "", NULL), 400);
	CU_ASSERT_TRUE(has("\"code\":-1130"));
	CU_ASSERT_EQUAL(simc_raw(&cli, "POST", "/sim/faults", "endpoint_error=GET%20%2Fx%202000000", "", NULL), 400);
	CU_ASSERT_EQUAL(simc_raw(&cli, "POST", "/sim/faults", "endpoint_error=GET%20%2Fx%2010%205", "", NULL), 400);
	/* the parser and the table directly */
	memset(&f, 0, sizeof f);
	CU_ASSERT_EQUAL(tl_sim_ep_fault_parse("DELETE /fapi/v1/order 500000", &e), 0);
	CU_ASSERT_EQUAL(e.method, TL_SIM_HTTP_DELETE);
	CU_ASSERT_STRING_EQUAL(e.path, "/fapi/v1/order");
	CU_ASSERT_EQUAL(e.ppm, 500000);
	CU_ASSERT_EQUAL(e.code, -1001);
	CU_ASSERT_EQUAL(tl_sim_ep_fault_parse("GET fapi 1 -1", &e), -1);
	CU_ASSERT_EQUAL(tl_sim_ep_fault_parse("GET /x 1 -1 junk", &e), -1);
	CU_ASSERT_EQUAL(tl_sim_ep_fault_parse("GET /x 1 -1  ", &e), 0);
	CU_ASSERT_EQUAL(e.left, 0);
	/* an optional COUNT: only that many answers fail */
	CU_ASSERT_EQUAL(tl_sim_ep_fault_parse("POST /fapi/v1/leverage 1000000 -1003 3", &e), 0);
	CU_ASSERT_EQUAL(e.code, -1003);
	CU_ASSERT_EQUAL(e.left, 3);
	CU_ASSERT_EQUAL(tl_sim_ep_fault_parse("GET /x 1 -1 3 4", &e), -1);
	CU_ASSERT_EQUAL(tl_sim_ep_fault_parse("GET /x 1 -1 -3", &e), -1);
	for (int i = 0; i < TL_SIM_MAX_EP_FAULTS; i++) {
		char spec[64];
		snprintf(spec, sizeof spec, "GET /p%d 10 -1001", i);
		CU_ASSERT_EQUAL_FATAL(tl_sim_ep_fault_parse(spec, &e), 0);
		CU_ASSERT_EQUAL(tl_sim_ep_fault_set(&f, &e), 0);
	}
	CU_ASSERT_EQUAL(tl_sim_ep_fault_parse("GET /one-too-many 10", &e), 0);
	CU_ASSERT_EQUAL(tl_sim_ep_fault_set(&f, &e), -1);
	CU_ASSERT_EQUAL(f.n_ep, TL_SIM_MAX_EP_FAULTS);
	/* and from the config file */
	static tl_sim_config_t sc;
	char err[256];
	static const char good[] =
		"{\"faults\":{\"endpoint_errors\":[\"POST /fapi/v1/order 1000 -2019\","
		"\"DELETE /fapi/v1/order 5\"]}}";
	static const char bad[] = "{\"faults\":{\"endpoint_errors\":[\"POST order 1\"]}}";
	CU_ASSERT_EQUAL(tl_sim_config_parse(&sc, good, sizeof good - 1, err, sizeof err), 0);
	CU_ASSERT_EQUAL(sc.faults.n_ep, 2);
	CU_ASSERT_EQUAL(sc.faults.ep[0].code, -2019);
	CU_ASSERT_EQUAL(sc.faults.ep[1].ppm, 5);
	CU_ASSERT_EQUAL(tl_sim_config_parse(&sc, bad, sizeof bad - 1, err, sizeof err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "faults.endpoint_errors[0]"));
}

/* venue.json takes TL_SIM_MAX_SYMBOLS symbols; one more is refused with
 * the limit named. */
static void test_config_symbol_cap(void)
{
	static tl_sim_config_t sc;
	static char json[64 << 10];
	char err[256], want[64];

	for (int n = TL_SIM_MAX_SYMBOLS; n <= TL_SIM_MAX_SYMBOLS + 1; n++) {
		size_t len = (size_t)snprintf(json, sizeof json, "{\"symbols\":[");
		for (int i = 0; i < n; i++)
			len += (size_t)snprintf(json + len, sizeof json - len,
						"%s{\"symbol\":\"S%04dUSDT\",\"base\":\"S%04d\"}",
						i ? "," : "", i, i);
		len += (size_t)snprintf(json + len, sizeof json - len, "]}");
		CU_ASSERT_FATAL(len < sizeof json);
		tl_sim_config_defaults(&sc);
		int rc = tl_sim_config_parse(&sc, json, len, err, sizeof err);
		if (n == TL_SIM_MAX_SYMBOLS) {
			CU_ASSERT_EQUAL(rc, 0);
			CU_ASSERT_EQUAL(sc.nsym, TL_SIM_MAX_SYMBOLS);
			CU_ASSERT_STRING_EQUAL(sc.sym[n - 1].name, "S1023USDT");
		} else {
			snprintf(want, sizeof want, "1..%d objects", TL_SIM_MAX_SYMBOLS);
			CU_ASSERT_EQUAL(rc, -1);
			CU_ASSERT_PTR_NOT_NULL(strstr(err, want));
		}
	}
}

static void test_latency_faults(void)
{
	static const char two[] =
		"GET /fapi/v1/ping HTTP/1.1\r\nHost: x\r\n\r\n"
		"GET /fapi/v1/time HTTP/1.1\r\nHost: x\r\n\r\n";
	long long t0, dt, lo = 1 << 30, hi = 0;
	int i;

	CU_ASSERT_EQUAL(simc_raw(&cli, "POST", "/sim/faults", "latency_ms=120", "", NULL), 200);
	t0 = mono_ms();
	CU_ASSERT_EQUAL(simc_raw(&cli, "GET", "/fapi/v1/ping", "", "", NULL), 200);
	dt = mono_ms() - t0;
	CU_ASSERT_TRUE(dt >= 120 && dt < 1000);
	/* pipelined: the second answer comes a second delay later */
	t0 = mono_ms();
	CU_ASSERT_EQUAL(simc_send_all(&cli, two, sizeof two - 1), 0);
	CU_ASSERT_EQUAL(simc_read_response(&cli), 200);
	CU_ASSERT_EQUAL(simc_read_response(&cli), 200);
	CU_ASSERT_TRUE(has("serverTime"));
	dt = mono_ms() - t0;
	CU_ASSERT_TRUE(dt >= 240 && dt < 2000);
	/* a range: 30 + uniform(0..60) ms */
	CU_ASSERT_EQUAL(simc_raw(&cli, "POST", "/sim/faults", "latency_ms=30&latency_jitter_ms=60", "", NULL), 200);
	CU_ASSERT_TRUE(has("\"latency_ms\":30,\"latency_jitter_ms\":60"));
	for (i = 0; i < 12; i++) {
		t0 = mono_ms();
		CU_ASSERT_EQUAL(simc_raw(&cli, "GET", "/fapi/v1/ping", "", "", NULL), 200);
		dt = mono_ms() - t0;
		lo = dt < lo ? dt : lo;
		hi = dt > hi ? dt : hi;
	}
	CU_ASSERT_TRUE(lo >= 30);
	CU_ASSERT_TRUE(hi < 1000);
	CU_ASSERT_TRUE(hi - lo >= 5); /* not a fixed delay */
	CU_ASSERT_EQUAL(simc_raw(&cli, "POST", "/sim/faults", "latency_ms=0&latency_jitter_ms=0", "", NULL), 200);
	/* rejected values change nothing */
	CU_ASSERT_EQUAL(simc_raw(&cli, "POST", "/sim/faults", "latency_ms=5&error_ppm=2000000", "", NULL), 400);
	CU_ASSERT_EQUAL(simc_raw(&cli, "GET", "/sim/faults", "", "", NULL), 200);
	CU_ASSERT_TRUE(has("\"latency_ms\":0,"));
}

/* /sim/move: the mark moves by N basis points, rounded to the tick, and
 * resting orders it crosses fill at once. */
static void test_admin_move(void)
{
	CU_ASSERT_EQUAL(simc_raw(&cli, "POST", "/sim/mark", "symbol=BTCUSDT&price=60000&frozen=true", "", NULL), 200);
	CU_ASSERT_EQUAL(simc_signed(&cli, "POST", "/fapi/v1/order",
				    "symbol=BTCUSDT&side=SELL&type=LIMIT&timeInForce=GTC&quantity=0.010&price=60500&newClientOrderId=mv1", false), 200);
	CU_ASSERT_EQUAL(simc_raw(&cli, "POST", "/sim/move", "symbol=BTCUSDT&bps=-25", "", NULL), 200);
	CU_ASSERT_TRUE(has("\"from\":\"60000.00000000\",\"markPrice\":\"59850.00000000\",\"frozen\":true"));
	CU_ASSERT_EQUAL(simc_raw(&cli, "POST", "/sim/move", "symbol=BTCUSDT&bps=101", "", NULL), 200);
	CU_ASSERT_TRUE(has("\"markPrice\":\"60454.50000000\"")); /* 60454.485 -> tick */
	CU_ASSERT_EQUAL(simc_signed(&cli, "GET", "/fapi/v1/order", "symbol=BTCUSDT&origClientOrderId=mv1", false), 200);
	CU_ASSERT_TRUE(has("\"status\":\"NEW\""));
	CU_ASSERT_EQUAL(simc_raw(&cli, "POST", "/sim/move", "symbol=BTCUSDT&bps=10", "", NULL), 200);
	CU_ASSERT_EQUAL(simc_signed(&cli, "GET", "/fapi/v1/order", "symbol=BTCUSDT&origClientOrderId=mv1", false), 200);
	CU_ASSERT_TRUE(has("\"status\":\"FILLED\""));
	CU_ASSERT_EQUAL(simc_raw(&cli, "POST", "/sim/move", "symbol=BTCUSDT", "", NULL), 400);
	CU_ASSERT_EQUAL(simc_raw(&cli, "POST", "/sim/move", "symbol=BTCUSDT&bps=-10000", "", NULL), 400);
	CU_ASSERT_EQUAL(simc_raw(&cli, "POST", "/sim/move", "symbol=NOPE&bps=1", "", NULL), 400);
}

TL_TEST_SUITE("sim.rest", each_setup, each_teardown,
	      TL_TEST(test_public_endpoints),
	      TL_TEST(test_auth_errors),
	      TL_TEST(test_order_lifecycle),
	      TL_TEST(test_batch_orders_mixed),
	      TL_TEST(test_account_endpoints),
	      TL_TEST(test_listen_key_algo_countdown),
	      TL_TEST(test_pipelining),
	      TL_TEST(test_rate_limits),
	      TL_TEST(test_faults),
	      TL_TEST(test_endpoint_error_faults),
	      TL_TEST(test_config_symbol_cap),
	      TL_TEST(test_latency_faults),
	      TL_TEST(test_admin_move));
