/*
 * test_rest_margin.c - the account endpoints about margin and its
 * history, over real loopback HTTP: leverageBracket (and the maintenance
 * margin it implies), multiAssetsMargin, positionMargin, income,
 * adlQuantile, forceOrders. Shapes, state changes and Binance's errors.
 */
#define _GNU_SOURCE
#include "tests/support/tl_test.h"

#include <stdio.h>
#include <string.h>

#include "tests/sim/sim_client.c"
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

static int sget(const char *path, const char *params)
{
	return simc_signed(&cli, "GET", path, params, false);
}

static int spost(const char *path, const char *params)
{
	return simc_signed(&cli, "POST", path, params, true);
}

static void order(const char *side, const char *qty)
{
	char p[128];

	snprintf(p, sizeof p, "symbol=BTCUSDT&side=%s&type=MARKET&quantity=%s", side, qty);
	CU_ASSERT_EQUAL(spost("/fapi/v1/order", p), 200);
}

static int count(const char *needle)
{
	int n = 0;
	const char *p = cli.body;

	while ((p = strstr(p, needle))) {
		n++;
		p++;
	}
	return n;
}

static void test_leverage_bracket(void)
{
	CU_ASSERT_EQUAL(sget("/fapi/v1/leverageBracket", "symbol=BTCUSDT"), 200);
	CU_ASSERT_TRUE(has("{\"symbol\":\"BTCUSDT\",\"brackets\":["
			   "{\"bracket\":1,\"initialLeverage\":125,\"notionalCap\":50000,\"notionalFloor\":0,\"maintMarginRatio\":0.004,\"cum\":0},"
			   "{\"bracket\":2,\"initialLeverage\":100,\"notionalCap\":150000,\"notionalFloor\":50000,\"maintMarginRatio\":0.005,\"cum\":50},"
			   "{\"bracket\":3,\"initialLeverage\":75,\"notionalCap\":450000,\"notionalFloor\":150000,\"maintMarginRatio\":0.0067,\"cum\":305},"));
	CU_ASSERT_TRUE(has("{\"bracket\":12,\"initialLeverage\":1,\"notionalCap\":8857350000,\"notionalFloor\":2952450000,\"maintMarginRatio\":0.5,"));
	CU_ASSERT_EQUAL(count("\"bracket\":"), 12);
	CU_ASSERT_PTR_NULL(strstr(cli.body, "notionalCoef"));
	CU_ASSERT_EQUAL(sget("/fapi/v1/leverageBracket", ""), 200);
	CU_ASSERT_TRUE(has("[{\"symbol\":\"BTCUSDT\",\"brackets\":[{\"bracket\":1,"));
	CU_ASSERT_EQUAL(sget("/fapi/v1/leverageBracket", "symbol=NOPE"), 400);
	CU_ASSERT_TRUE(has("{\"code\":-1121,\"msg\":\"Invalid symbol.\"}"));
	CU_ASSERT_EQUAL(simc_raw(&cli, "GET", "/fapi/v1/leverageBracket", "", "", NULL), 401);
}

/* Maintenance margin follows the brackets: 1 BTC at 60000 is in the
 * second bracket, 60000 * 0.005 - 50 = 250 (a flat 0.4% would be 240). */
static void test_maint_follows_brackets(void)
{
	order("BUY", "0.010");
	CU_ASSERT_EQUAL(sget("/fapi/v3/positionRisk", "symbol=BTCUSDT"), 200);
	CU_ASSERT_TRUE(has("\"maintMargin\":\"2.40000000\""));
	order("BUY", "0.990");
	CU_ASSERT_EQUAL(sget("/fapi/v3/positionRisk", "symbol=BTCUSDT"), 200);
	CU_ASSERT_TRUE(has("\"positionAmt\":\"1.000\""));
	CU_ASSERT_TRUE(has("\"maintMargin\":\"250.00000000\""));
}

static void test_multi_assets(void)
{
	CU_ASSERT_EQUAL(sget("/fapi/v1/multiAssetsMargin", ""), 200);
	CU_ASSERT_STRING_EQUAL(cli.body, "{\"multiAssetsMargin\":false}");
	CU_ASSERT_EQUAL(spost("/fapi/v1/multiAssetsMargin", "multiAssetsMargin=true"), 200);
	CU_ASSERT_STRING_EQUAL(cli.body, "{\"code\":200,\"msg\":\"success\"}");
	CU_ASSERT_EQUAL(sget("/fapi/v1/multiAssetsMargin", ""), 200);
	CU_ASSERT_STRING_EQUAL(cli.body, "{\"multiAssetsMargin\":true}");
	CU_ASSERT_EQUAL(sget("/fapi/v1/accountConfig", ""), 200);
	CU_ASSERT_TRUE(has("\"multiAssetsMargin\":true"));
	CU_ASSERT_EQUAL(spost("/fapi/v1/multiAssetsMargin", "multiAssetsMargin=true"), 400);
	CU_ASSERT_TRUE(has("\"code\":-4171"));
	CU_ASSERT_EQUAL(spost("/fapi/v1/marginType", "symbol=BTCUSDT&marginType=ISOLATED"), 400);
	CU_ASSERT_TRUE(has("\"code\":-4168"));
	CU_ASSERT_EQUAL(spost("/fapi/v1/multiAssetsMargin", "multiAssetsMargin=false"), 200);
	CU_ASSERT_EQUAL(spost("/fapi/v1/marginType", "symbol=BTCUSDT&marginType=ISOLATED"), 200);
	CU_ASSERT_EQUAL(spost("/fapi/v1/multiAssetsMargin", "multiAssetsMargin=true"), 400);
	CU_ASSERT_TRUE(has("\"code\":-4167"));
	CU_ASSERT_EQUAL(spost("/fapi/v1/multiAssetsMargin", "multiAssetsMargin=maybe"), 400);
	CU_ASSERT_TRUE(has("\"code\":-1130"));
	CU_ASSERT_EQUAL(spost("/fapi/v1/multiAssetsMargin", ""), 400);
	CU_ASSERT_TRUE(has("\"code\":-1102"));
}

static void test_position_margin(void)
{
	order("BUY", "0.010");
	CU_ASSERT_EQUAL(spost("/fapi/v1/positionMargin", "symbol=BTCUSDT&amount=100&type=1"), 400);
	CU_ASSERT_TRUE(has("{\"code\":-4049,\"msg\":\"Add margin only support for isolated position.\"}"));
	order("SELL", "0.010");
	CU_ASSERT_EQUAL(spost("/fapi/v1/marginType", "symbol=BTCUSDT&marginType=ISOLATED"), 200);
	CU_ASSERT_EQUAL(spost("/fapi/v1/positionMargin", "symbol=BTCUSDT&amount=100&type=1"), 400);
	CU_ASSERT_TRUE(has("\"code\":-4054"));
	order("BUY", "0.010");
	CU_ASSERT_EQUAL(spost("/fapi/v1/positionMargin", "symbol=BTCUSDT&amount=100&type=1"), 200);
	CU_ASSERT_STRING_EQUAL(cli.body, "{\"amount\":100,\"code\":200,\"msg\":\"Successfully modify position margin.\",\"type\":1}");
	/* position IM 600 / 20 = 30, plus the 100 added */
	CU_ASSERT_EQUAL(sget("/fapi/v3/positionRisk", "symbol=BTCUSDT"), 200);
	CU_ASSERT_TRUE(has("\"isolatedMargin\":\"130.00000000\""));
	CU_ASSERT_EQUAL(spost("/fapi/v1/positionMargin", "symbol=BTCUSDT&amount=150&type=2"), 400);
	CU_ASSERT_TRUE(has("\"code\":-4051"));
	CU_ASSERT_EQUAL(spost("/fapi/v1/positionMargin", "symbol=BTCUSDT&amount=1000000&type=1"), 400);
	CU_ASSERT_TRUE(has("\"code\":-4050"));
	CU_ASSERT_EQUAL(spost("/fapi/v1/positionMargin", "symbol=BTCUSDT&amount=40.5&type=2"), 200);
	CU_ASSERT_TRUE(has("{\"amount\":40.5,"));
	CU_ASSERT_EQUAL(sget("/fapi/v3/positionRisk", "symbol=BTCUSDT"), 200);
	CU_ASSERT_TRUE(has("\"isolatedMargin\":\"89.50000000\""));
	CU_ASSERT_EQUAL(spost("/fapi/v1/positionMargin", "symbol=BTCUSDT&amount=-1&type=1"), 400);
	CU_ASSERT_TRUE(has("\"code\":-4055"));
	CU_ASSERT_EQUAL(spost("/fapi/v1/positionMargin", "symbol=BTCUSDT&amount=1&type=3"), 400);
	CU_ASSERT_TRUE(has("\"code\":-1130"));
	CU_ASSERT_EQUAL(spost("/fapi/v1/positionMargin", "symbol=BTCUSDT&amount=1&type=1&positionSide=LONG"), 400);
	CU_ASSERT_TRUE(has("\"code\":-4061"));
	CU_ASSERT_EQUAL(spost("/fapi/v1/positionMargin", "symbol=BTCUSDT&type=1"), 400);
	CU_ASSERT_TRUE(has("'amount'"));
}

static void test_income(void)
{
	CU_ASSERT_EQUAL(sget("/fapi/v1/income", ""), 200);
	CU_ASSERT_STRING_EQUAL(cli.body, "[]");
	order("BUY", "0.010");
	CU_ASSERT_EQUAL(simc_raw(&cli, "POST", "/sim/mark", "symbol=BTCUSDT&price=61000", "", NULL), 200);
	order("SELL", "0.010");
	CU_ASSERT_EQUAL(sget("/fapi/v1/income", ""), 200);
	/* buy: commission only; sell at 61000 (bid): pnl 0.01 * (61000 - 60000.1) */
	CU_ASSERT_TRUE(has("[{\"symbol\":\"BTCUSDT\",\"incomeType\":\"COMMISSION\",\"income\":\"-0.24000040\",\"asset\":\"USDT\",\"info\":\"\",\"time\":"));
	CU_ASSERT_TRUE(has("\"tranId\":1000000012,\"tradeId\":\"100000001\"}"));
	CU_ASSERT_TRUE(has("{\"symbol\":\"BTCUSDT\",\"incomeType\":\"REALIZED_PNL\",\"income\":\"9.99900000\","));
	CU_ASSERT_EQUAL(count("\"incomeType\""), 3);
	CU_ASSERT_EQUAL(sget("/fapi/v1/income", "incomeType=REALIZED_PNL"), 200);
	CU_ASSERT_EQUAL(count("\"incomeType\""), 1);
	CU_ASSERT_EQUAL(sget("/fapi/v1/income", "limit=1&page=2"), 200);
	CU_ASSERT_EQUAL(count("\"incomeType\""), 1);
	CU_ASSERT_TRUE(has("\"tranId\":1000000021,"));
	CU_ASSERT_EQUAL(sget("/fapi/v1/income", "incomeType=FUNDING_FEE"), 200);
	CU_ASSERT_STRING_EQUAL(cli.body, "[]");
	CU_ASSERT_EQUAL(sget("/fapi/v1/income", "incomeType=LOTTERY"), 400);
	CU_ASSERT_TRUE(has("\"code\":-1130"));
	CU_ASSERT_EQUAL(sget("/fapi/v1/income", "limit=1001"), 400);
	CU_ASSERT_TRUE(has("\"code\":-1130"));
}

static void test_adl_quantile(void)
{
	CU_ASSERT_EQUAL(sget("/fapi/v1/adlQuantile", ""), 200);
	CU_ASSERT_STRING_EQUAL(cli.body, "[]");
	order("BUY", "0.010");
	CU_ASSERT_EQUAL(sget("/fapi/v1/adlQuantile", "symbol=BTCUSDT"), 200);
	CU_ASSERT_STRING_EQUAL(cli.body, "[{\"symbol\":\"BTCUSDT\",\"adlQuantile\":{\"LONG\":0,\"SHORT\":0,\"BOTH\":0}}]");
	CU_ASSERT_EQUAL(sget("/fapi/v1/adlQuantile", "symbol=NOPE"), 400);
	CU_ASSERT_TRUE(has("\"code\":-1121"));
}

static void test_force_orders(void)
{
	order("BUY", "0.010");
	CU_ASSERT_EQUAL(sget("/fapi/v1/forceOrders", ""), 200);
	CU_ASSERT_STRING_EQUAL(cli.body, "[]");
	CU_ASSERT_EQUAL(sget("/fapi/v1/forceOrders", "symbol=BTCUSDT&autoCloseType=LIQUIDATION&limit=100"), 200);
	CU_ASSERT_STRING_EQUAL(cli.body, "[]");
	CU_ASSERT_EQUAL(sget("/fapi/v1/forceOrders", "autoCloseType=MARGIN_CALL"), 400);
	CU_ASSERT_TRUE(has("\"code\":-1130"));
	CU_ASSERT_EQUAL(sget("/fapi/v1/forceOrders", "limit=101"), 400);
	CU_ASSERT_TRUE(has("\"code\":-1130"));
}

TL_TEST_SUITE("sim.rest_margin", each_setup, each_teardown,
	      TL_TEST(test_leverage_bracket),
	      TL_TEST(test_maint_follows_brackets),
	      TL_TEST(test_multi_assets),
	      TL_TEST(test_position_margin),
	      TL_TEST(test_income),
	      TL_TEST(test_adl_quantile),
	      TL_TEST(test_force_orders));
