/*
 * test_rest_modify.c - order amendment over real loopback HTTP:
 * PUT /fapi/v1/order changes a resting LIMIT order's price and quantity
 * (and the user stream says AMENDMENT), Binance's refusals, an amendment
 * that crosses the book fills, one at or below the executed quantity
 * cancels, and PUT /fapi/v1/batchOrders answers each element on its own.
 * Also POST /fapi/v1/order/test: checked, never placed.
 */
#define _GNU_SOURCE
#include "tests/support/tl_test.h"

#include <stdio.h>
#include <string.h>

#include "tests/sim/sim_client.c"
#include "tests/sim/ws_client.c"
#include "sim/config.h"

static tl_sim_config_t cfg;
static tl_sim_server_t *srv;
static simc_t cli;

static void each_setup(void)
{
	tl_sim_config_defaults(&cfg);
	cfg.sym[0].vol_bps = 0;
	srv = simc_start_rest(&cfg, &cli);
}

static void each_teardown(void)
{
	simc_stop_rest(&srv, &cli);
}

static bool has(const char *needle)
{
	return simc_body_has(&cli, needle);
}

static int put(const char *params)
{
	return simc_signed(&cli, "PUT", "/fapi/v1/order", params, true);
}

static void rest_limit(const char *side, const char *qty, const char *price,
		       const char *cid)
{
	char p[192];

	snprintf(p, sizeof p, "symbol=BTCUSDT&side=%s&type=LIMIT&timeInForce=GTC&quantity=%s&price=%s&newClientOrderId=%s",
		 side, qty, price, cid);
	CU_ASSERT_EQUAL(simc_signed(&cli, "POST", "/fapi/v1/order", p, false), 200);
}

static void test_modify_price_and_qty(void)
{
	char h[32];

	rest_limit("BUY", "0.010", "59000", "md1");
	CU_ASSERT_EQUAL(put("symbol=BTCUSDT&origClientOrderId=md1&side=BUY&quantity=0.020&price=59500"), 200);
	CU_ASSERT_TRUE(has("\"status\":\"NEW\",\"clientOrderId\":\"md1\",\"price\":\"59500.00\""));
	CU_ASSERT_TRUE(has("\"origQty\":\"0.020\",\"executedQty\":\"0.000\""));
	CU_ASSERT_PTR_NOT_NULL(simc_header(&cli, "X-MBX-ORDER-COUNT-10S", h, sizeof h));
	CU_ASSERT_STRING_EQUAL(h, "2");
	CU_ASSERT_EQUAL(simc_signed(&cli, "GET", "/fapi/v1/order", "symbol=BTCUSDT&origClientOrderId=md1", false), 200);
	CU_ASSERT_TRUE(has("\"price\":\"59500.00\""));
	CU_ASSERT_TRUE(has("\"origQty\":\"0.020\""));
	/* the book shows it at its new price */
	CU_ASSERT_EQUAL(simc_raw(&cli, "GET", "/fapi/v1/depth", "symbol=BTCUSDT&limit=1000", "", NULL), 200);
	CU_ASSERT_TRUE(has("[\"59500.00\",\"0.020\"]"));
	CU_ASSERT_PTR_NULL(strstr(cli.body, "\"59000.00\""));
}

static void test_modify_refused(void)
{
	rest_limit("BUY", "0.010", "59000", "mr1");
	CU_ASSERT_EQUAL(put("symbol=BTCUSDT&origClientOrderId=mr1&side=BUY&quantity=0.010&price=59000"), 400);
	CU_ASSERT_TRUE(has("{\"code\":-5027,\"msg\":\"No need to modify the order.\"}"));
	CU_ASSERT_EQUAL(put("symbol=BTCUSDT&origClientOrderId=mr1&side=BUY&quantity=0.010&price=59000.05"), 400);
	CU_ASSERT_TRUE(has("\"code\":-4014"));
	CU_ASSERT_EQUAL(put("symbol=BTCUSDT&origClientOrderId=mr1&side=BUY&quantity=0.010&price=59000.001"), 400);
	CU_ASSERT_TRUE(has("\"code\":-1111"));
	CU_ASSERT_EQUAL(put("symbol=BTCUSDT&origClientOrderId=mr1&side=BUY&quantity=0.010&price=59000.5"), 200);
	CU_ASSERT_EQUAL(put("symbol=BTCUSDT&origClientOrderId=mr1&side=BUY&quantity=0.0105&price=59000"), 400);
	CU_ASSERT_TRUE(has("\"code\":-1111"));
	CU_ASSERT_EQUAL(put("symbol=BTCUSDT&origClientOrderId=mr1&side=BUY&quantity=0.001&price=59000"), 400);
	CU_ASSERT_TRUE(has("\"code\":-4164"));	/* below MIN_NOTIONAL 100 */
	CU_ASSERT_EQUAL(put("symbol=BTCUSDT&origClientOrderId=mr1&side=SELL&quantity=0.010&price=59000"), 400);
	CU_ASSERT_TRUE(has("\"code\":-1130"));
	CU_ASSERT_EQUAL(put("symbol=BTCUSDT&orderId=12345&side=BUY&quantity=0.010&price=59000"), 400);
	CU_ASSERT_TRUE(has("{\"code\":-2013,\"msg\":\"Order does not exist.\"}"));
	CU_ASSERT_EQUAL(put("symbol=BTCUSDT&side=BUY&quantity=0.010&price=59000"), 400);
	CU_ASSERT_TRUE(has("\"code\":-1102"));
	CU_ASSERT_EQUAL(put("symbol=BTCUSDT&origClientOrderId=mr1&side=BUY&price=59000"), 400);
	CU_ASSERT_TRUE(has("'quantity'"));
	CU_ASSERT_EQUAL(put("symbol=BTCUSDT&origClientOrderId=mr1&side=BUY&quantity=1000&price=59000"), 400);
	CU_ASSERT_TRUE(has("\"code\":-2019"));
	/* a filled order cannot be modified */
	CU_ASSERT_EQUAL(simc_signed(&cli, "POST", "/fapi/v1/order",
				    "symbol=BTCUSDT&side=BUY&type=MARKET&quantity=0.010&newClientOrderId=mf1", false), 200);
	CU_ASSERT_EQUAL(put("symbol=BTCUSDT&origClientOrderId=mf1&side=BUY&quantity=0.020&price=59000"), 400);
	CU_ASSERT_TRUE(has("\"code\":-2013"));
	/* still resting at the last accepted amendment */
	CU_ASSERT_EQUAL(simc_signed(&cli, "GET", "/fapi/v1/order", "symbol=BTCUSDT&origClientOrderId=mr1", false), 200);
	CU_ASSERT_TRUE(has("\"status\":\"NEW\""));
	CU_ASSERT_TRUE(has("\"price\":\"59000.50\""));
}

/* Amended across the book, the order takes; the stream tells
 * AMENDMENT, then the fill. */
static void test_modify_crosses_and_streams(void)
{
	char lkey[65], target[96];
	wsc_t ws;

	simc_listen_key(&cli, lkey);
	snprintf(target, sizeof target, "/ws/%s", lkey);
	CU_ASSERT_EQUAL_FATAL(wsc_open(&ws, tl_sim_server_port(srv, TL_SIM_PORT_WS), target), 0);
	rest_limit("BUY", "0.010", "59000", "mx1");
	CU_ASSERT_PTR_NOT_NULL(strstr(wsc_text(&ws, 3000), "\"x\":\"NEW\""));
	CU_ASSERT_EQUAL(put("symbol=BTCUSDT&origClientOrderId=mx1&side=BUY&quantity=0.010&price=60000.1"), 200);
	CU_ASSERT_TRUE(has("\"status\":\"FILLED\""));
	CU_ASSERT_PTR_NOT_NULL(strstr(wsc_text(&ws, 3000), "\"x\":\"AMENDMENT\",\"X\":\"NEW\""));
	CU_ASSERT_PTR_NOT_NULL(strstr(ws.msg, "\"p\":\"60000.10\""));
	CU_ASSERT_PTR_NOT_NULL(strstr(wsc_text(&ws, 3000), "\"e\":\"TRADE_LITE\""));
	CU_ASSERT_PTR_NOT_NULL(strstr(wsc_text(&ws, 3000), "\"x\":\"TRADE\",\"X\":\"FILLED\""));
	wsc_close(&ws);
}

/* A partly filled order amended to no more than it executed is
 * cancelled (partial fills on: a crossed resting order takes one
 * level's 5 BTC a match). */
static void test_modify_below_executed_cancels(void)
{
	simc_stop_rest(&srv, &cli);
	cfg.sym[0].partial_fills = true;
	srv = simc_start_rest(&cfg, &cli);
	CU_ASSERT_EQUAL(simc_raw(&cli, "POST", "/sim/mark", "symbol=BTCUSDT&price=60000&frozen=true", "", NULL), 200);
	rest_limit("SELL", "8.000", "60100", "mp1");
	CU_ASSERT_EQUAL(simc_raw(&cli, "POST", "/sim/mark", "symbol=BTCUSDT&price=60101", "", NULL), 200);
	CU_ASSERT_EQUAL(simc_signed(&cli, "GET", "/fapi/v1/order", "symbol=BTCUSDT&origClientOrderId=mp1", false), 200);
	CU_ASSERT_TRUE(has("\"status\":\"PARTIALLY_FILLED\""));
	CU_ASSERT_TRUE(has("\"executedQty\":\"5.000\""));
	CU_ASSERT_EQUAL(put("symbol=BTCUSDT&origClientOrderId=mp1&side=SELL&quantity=5.000&price=60200"), 200);
	CU_ASSERT_TRUE(has("\"status\":\"CANCELED\""));
	CU_ASSERT_TRUE(has("\"executedQty\":\"5.000\""));
}

static void test_batch_modify(void)
{
	rest_limit("BUY", "0.010", "59000", "mb1");
	rest_limit("BUY", "0.010", "58000", "mb2");
	CU_ASSERT_EQUAL(simc_signed(&cli, "PUT", "/fapi/v1/batchOrders",
				    "batchOrders=%5B%7B%22symbol%22%3A%22BTCUSDT%22%2C%22origClientOrderId%22%3A%22mb1%22%2C%22side%22%3A%22BUY%22%2C%22quantity%22%3A%220.030%22%2C%22price%22%3A%2259100%22%7D%2C"
				    "%7B%22symbol%22%3A%22BTCUSDT%22%2C%22origClientOrderId%22%3A%22mb2%22%2C%22side%22%3A%22BUY%22%2C%22quantity%22%3A%220.010%22%2C%22price%22%3A%2258000%22%7D%5D",
				    true), 200);
	CU_ASSERT_EQUAL(cli.body[0], '[');
	CU_ASSERT_TRUE(has("\"clientOrderId\":\"mb1\",\"price\":\"59100.00\""));
	CU_ASSERT_TRUE(has(",{\"code\":-5027,\"msg\":\"No need to modify the order.\"}]"));
	CU_ASSERT_EQUAL(simc_signed(&cli, "PUT", "/fapi/v1/batchOrders", "batchOrders=%5B%5D", true), 400);
	CU_ASSERT_TRUE(has("\"code\":-1130"));
	CU_ASSERT_EQUAL(simc_signed(&cli, "PUT", "/fapi/v1/batchOrders", "", true), 400);
	CU_ASSERT_TRUE(has("'batchOrders'"));
}

static void test_order_test(void)
{
	CU_ASSERT_EQUAL(simc_signed(&cli, "POST", "/fapi/v1/order/test",
				    "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.010&price=59000", true), 200);
	CU_ASSERT_STRING_EQUAL(cli.body, "{}");
	CU_ASSERT_EQUAL(simc_signed(&cli, "GET", "/fapi/v1/openOrders", "symbol=BTCUSDT", false), 200);
	CU_ASSERT_STRING_EQUAL(cli.body, "[]");
	CU_ASSERT_EQUAL(simc_signed(&cli, "POST", "/fapi/v1/order/test",
				    "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.010&price=59000.05", true), 400);
	CU_ASSERT_TRUE(has("\"code\":-4014"));
	CU_ASSERT_EQUAL(simc_signed(&cli, "POST", "/fapi/v1/order/test",
				    "symbol=BTCUSDT&side=BUY&type=STOP_MARKET&quantity=0.010", true), 400);
	CU_ASSERT_TRUE(has("\"code\":-4120"));
}

TL_TEST_SUITE("sim.rest_modify", each_setup, each_teardown,
	      TL_TEST(test_modify_price_and_qty),
	      TL_TEST(test_modify_refused),
	      TL_TEST(test_modify_crosses_and_streams),
	      TL_TEST(test_modify_below_executed_cancels),
	      TL_TEST(test_batch_modify),
	      TL_TEST(test_order_test));
