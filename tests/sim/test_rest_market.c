/*
 * test_rest_market.c - the market data endpoints built on the venue's
 * own price path, over real loopback HTTP: ticker/price v1 and v2,
 * ticker/24hr, depth, klines (and continuous, mark and index price
 * klines), fundingRate, fundingInfo, openInterest, trades,
 * historicalTrades, aggTrades. Shapes, values
 * the synthetic market determines (the walk is off: vol_bps 0, prices
 * set through /sim/mark), weights, and Binance's errors.
 */
#define _GNU_SOURCE
#include "tests/support/tl_test.h"

#include <stdio.h>
#include <stdlib.h>
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

static int get(const char *path, const char *query)
{
	return simc_raw(&cli, "GET", path, query, "", NULL);
}

static int weight(void)
{
	char h[32];

	return simc_header(&cli, "X-MBX-USED-WEIGHT-1M", h, sizeof h) ? atoi(h) : -1;
}

static void market_buy(const char *qty)
{
	char p[128];

	snprintf(p, sizeof p, "symbol=BTCUSDT&side=BUY&type=MARKET&quantity=%s", qty);
	CU_ASSERT_EQUAL(simc_signed(&cli, "POST", "/fapi/v1/order", p, false), 200);
}

static void test_ticker_price(void)
{
	int w0;

	CU_ASSERT_EQUAL(get("/fapi/v1/ticker/price", "symbol=BTCUSDT"), 200);
	CU_ASSERT_TRUE(has("{\"symbol\":\"BTCUSDT\",\"price\":\"60000.00\",\"time\":"));
	w0 = weight();
	CU_ASSERT_EQUAL(get("/fapi/v2/ticker/price", ""), 200);
	CU_ASSERT_EQUAL(cli.body[0], '[');
	CU_ASSERT_TRUE(has("\"price\":\"60000.00\""));
	CU_ASSERT_EQUAL(weight(), w0 + 2);	/* 2 without a symbol */
	CU_ASSERT_EQUAL(simc_raw(&cli, "POST", "/sim/mark", "symbol=BTCUSDT&price=61234.5", "", NULL), 200);
	CU_ASSERT_EQUAL(get("/fapi/v2/ticker/price", "symbol=BTCUSDT"), 200);
	CU_ASSERT_TRUE(has("\"price\":\"61234.50\""));
	CU_ASSERT_EQUAL(get("/fapi/v1/ticker/price", "symbol=NOPE"), 400);
	CU_ASSERT_TRUE(has("{\"code\":-1121,\"msg\":\"Invalid symbol.\"}"));
}

static void test_ticker_24hr(void)
{
	market_buy("0.010");
	CU_ASSERT_EQUAL(simc_raw(&cli, "POST", "/sim/mark", "symbol=BTCUSDT&price=61000", "", NULL), 200);
	CU_ASSERT_EQUAL(simc_raw(&cli, "POST", "/sim/mark", "symbol=BTCUSDT&price=59000", "", NULL), 200);
	CU_ASSERT_EQUAL(simc_raw(&cli, "POST", "/sim/mark", "symbol=BTCUSDT&price=60600", "", NULL), 200);
	CU_ASSERT_EQUAL(get("/fapi/v1/ticker/24hr", "symbol=BTCUSDT"), 200);
	CU_ASSERT_TRUE(has("{\"symbol\":\"BTCUSDT\",\"priceChange\":\"600.00\",\"priceChangePercent\":\"1.000\","
			   "\"weightedAvgPrice\":\"60000.10\",\"lastPrice\":\"60600.00\",\"lastQty\":\"0.010\","
			   "\"openPrice\":\"60000.00\",\"highPrice\":\"61000.00\",\"lowPrice\":\"59000.00\","
			   "\"volume\":\"0.010\",\"quoteVolume\":\"600.00100\",\"openTime\":"));
	CU_ASSERT_TRUE(has("\"firstId\":100000001,\"lastId\":100000001,\"count\":1}"));
	CU_ASSERT_EQUAL(get("/fapi/v1/ticker/24hr", ""), 200);
	CU_ASSERT_EQUAL(cli.body[0], '[');
	CU_ASSERT_EQUAL(get("/fapi/v1/ticker/24hr", "symbol=NOPE"), 400);
	CU_ASSERT_TRUE(has("\"code\":-1121"));
}

static void test_depth(void)
{
	int w0;

	CU_ASSERT_EQUAL(simc_signed(&cli, "POST", "/fapi/v1/order",
				    "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.010&price=59999.8", false), 200);
	CU_ASSERT_EQUAL(simc_signed(&cli, "POST", "/fapi/v1/order",
				    "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.020&price=59000", false), 200);
	w0 = weight();
	CU_ASSERT_EQUAL(get("/fapi/v1/depth", "symbol=BTCUSDT&limit=5"), 200);
	CU_ASSERT_EQUAL(weight(), w0 + 2);
	CU_ASSERT_TRUE(has("{\"lastUpdateId\":"));
	/* the synthetic levels, the resting 0.010 merged into 59999.80 */
	CU_ASSERT_TRUE(has("\"bids\":[[\"60000.00\",\"5.000\"],[\"59999.90\",\"5.000\"],[\"59999.80\",\"5.010\"],"
			   "[\"59999.70\",\"5.000\"],[\"59999.60\",\"5.000\"]],"
			   "\"asks\":[[\"60000.10\",\"5.000\"],[\"60000.20\",\"5.000\"],[\"60000.30\",\"5.000\"],"
			   "[\"60000.40\",\"5.000\"],[\"60000.50\",\"5.000\"]]}"));
	CU_ASSERT_FALSE(strstr(cli.body, "59000.00") != NULL);
	w0 = weight();
	CU_ASSERT_EQUAL(get("/fapi/v1/depth", "symbol=BTCUSDT"), 200);	/* 500 */
	CU_ASSERT_EQUAL(weight(), w0 + 10);
	CU_ASSERT_TRUE(has("[\"59999.60\",\"5.000\"],[\"59000.00\",\"0.020\"]]"));
	CU_ASSERT_EQUAL(get("/fapi/v1/depth", "symbol=BTCUSDT&limit=7"), 400);
	CU_ASSERT_TRUE(has("{\"code\":-4021,\"msg\":\"'7' is not valid depth limit.\"}"));
	CU_ASSERT_EQUAL(get("/fapi/v1/depth", "symbol=BTCUSDT&limit=x"), 400);
	CU_ASSERT_TRUE(has("\"code\":-1100"));
	CU_ASSERT_EQUAL(get("/fapi/v1/depth", ""), 400);
	CU_ASSERT_TRUE(has("\"code\":-1102"));
}

/* The last row of a klines answer, parsed. */
typedef struct krow {
	long long ot, ct, n;
	char o[32], h[32], l[32], c[32], v[32], qv[32];
} krow_t;

static int last_row(krow_t *k)
{
	const char *r = strrchr(cli.body, '[');

	if (!r)
		return -1;
	return sscanf(r, "[%lld,\"%31[^\"]\",\"%31[^\"]\",\"%31[^\"]\",\"%31[^\"]\",\"%31[^\"]\",%lld,\"%31[^\"]\",%lld",
		      &k->ot, k->o, k->h, k->l, k->c, k->v, &k->ct, k->qv, &k->n) == 9 ? 0 : -1;
}

static void test_klines(void)
{
	krow_t k;
	int rows = 0;
	const char *p;

	market_buy("0.010");
	CU_ASSERT_EQUAL(simc_raw(&cli, "POST", "/sim/mark", "symbol=BTCUSDT&price=61000", "", NULL), 200);
	CU_ASSERT_EQUAL(simc_raw(&cli, "POST", "/sim/mark", "symbol=BTCUSDT&price=59000", "", NULL), 200);
	CU_ASSERT_EQUAL(simc_raw(&cli, "POST", "/sim/mark", "symbol=BTCUSDT&price=60500", "", NULL), 200);
	/* one month candle holds the whole history */
	CU_ASSERT_EQUAL(get("/fapi/v1/klines", "symbol=BTCUSDT&interval=1M"), 200);
	CU_ASSERT_EQUAL(cli.body[0], '[');
	CU_ASSERT_EQUAL_FATAL(last_row(&k), 0);
	CU_ASSERT_STRING_EQUAL(k.c, "60500.00");
	CU_ASSERT_TRUE(strcmp(k.h, "61000.00") == 0 || strcmp(k.o, "61000.00") == 0);
	CU_ASSERT_TRUE(strcmp(k.l, "59000.00") == 0 || strcmp(k.o, "59000.00") == 0);
	CU_ASSERT_TRUE(k.ct > k.ot);
	/* minutes: open times one minute apart, close = open + 59999 */
	CU_ASSERT_EQUAL(get("/fapi/v1/klines", "symbol=BTCUSDT&interval=1m&limit=3"), 200);
	CU_ASSERT_EQUAL_FATAL(last_row(&k), 0);
	CU_ASSERT_EQUAL(k.ot % 60000, 0);
	CU_ASSERT_EQUAL(k.ct, k.ot + 59999);
	CU_ASSERT_STRING_EQUAL(k.c, "60500.00");
	for (p = cli.body; (p = strchr(p + 1, '[')); )
		rows++;
	CU_ASSERT_TRUE(rows >= 1 && rows <= 3);
	/* the day so far holds the fill's volume */
	CU_ASSERT_EQUAL(get("/fapi/v1/klines", "symbol=BTCUSDT&interval=1d&startTime=0"), 200);
	CU_ASSERT_EQUAL_FATAL(last_row(&k), 0);
	CU_ASSERT_EQUAL(k.ot % 86400000, 0);
	if (k.n == 1) { /* unless the day turned between the fill and now */
		CU_ASSERT_STRING_EQUAL(k.v, "0.010");
		CU_ASSERT_STRING_EQUAL(k.qv, "600.00100");
	}
	/* nothing before the venue started, nothing in the future */
	CU_ASSERT_EQUAL(get("/fapi/v1/klines", "symbol=BTCUSDT&interval=1h&endTime=1000"), 200);
	CU_ASSERT_STRING_EQUAL(cli.body, "[]");
	CU_ASSERT_EQUAL(get("/fapi/v1/klines", "symbol=BTCUSDT&interval=1h&startTime=99999999999999"), 200);
	CU_ASSERT_STRING_EQUAL(cli.body, "[]");
	/* errors */
	CU_ASSERT_EQUAL(get("/fapi/v1/klines", "symbol=BTCUSDT&interval=7m"), 400);
	CU_ASSERT_TRUE(has("{\"code\":-1120,\"msg\":\"Invalid interval.\"}"));
	CU_ASSERT_EQUAL(get("/fapi/v1/klines", "symbol=BTCUSDT"), 400);
	CU_ASSERT_TRUE(has("'interval'"));
	CU_ASSERT_EQUAL(get("/fapi/v1/klines", "symbol=BTCUSDT&interval=1m&limit=1501"), 400);
	CU_ASSERT_TRUE(has("\"code\":-1130"));
	CU_ASSERT_EQUAL(get("/fapi/v1/klines", "symbol=BTCUSDT&interval=1m&startTime=5&endTime=4"), 400);
	CU_ASSERT_TRUE(has("\"code\":-1128"));
}

/* Weight by limit: 1000 costs 5, 50 costs 1. */
static void test_klines_weight(void)
{
	int w0;

	CU_ASSERT_EQUAL(get("/fapi/v1/ping", ""), 200);
	w0 = weight();
	CU_ASSERT_EQUAL(get("/fapi/v1/klines", "symbol=BTCUSDT&interval=1m&limit=1000"), 200);
	CU_ASSERT_EQUAL(weight(), w0 + 5);
	w0 = weight();
	CU_ASSERT_EQUAL(get("/fapi/v1/klines", "symbol=BTCUSDT&interval=1m&limit=50"), 200);
	CU_ASSERT_EQUAL(weight(), w0 + 1);
}

static void test_funding_rate(void)
{
	char q[64];
	long long now, t;
	const char *p;

	CU_ASSERT_EQUAL(get("/fapi/v1/time", ""), 200);
	now = atoll(strchr(cli.body, ':') + 1);
	CU_ASSERT_EQUAL(get("/fapi/v1/fundingRate", "symbol=BTCUSDT"), 200);
	/* the venue just started: a funding time passed only if one fell in
	 * the last moments; jump the clock 8 h so that one surely did */
	CU_ASSERT_EQUAL(simc_raw(&cli, "POST", "/sim/faults", "clock_offset_ms=28800000", "", NULL), 200);
	CU_ASSERT_EQUAL(get("/fapi/v1/fundingRate", "symbol=BTCUSDT"), 200);
	CU_ASSERT_TRUE(has("[{\"symbol\":\"BTCUSDT\",\"fundingRate\":\"0.00010000\",\"fundingTime\":"));
	CU_ASSERT_TRUE(has("\"markPrice\":\"60000.00000000\"}"));
	p = strstr(cli.body, "\"fundingTime\":");
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	t = atoll(p + 14);
	CU_ASSERT_EQUAL(t % 28800000, 0);
	CU_ASSERT_TRUE(t > now && t <= now + 28800000 + 60000);
	snprintf(q, sizeof q, "startTime=%lld", t + 1);
	CU_ASSERT_EQUAL(get("/fapi/v1/fundingRate", q), 200);
	CU_ASSERT_STRING_EQUAL(cli.body, "[]");
	CU_ASSERT_EQUAL(get("/fapi/v1/fundingRate", "limit=0"), 400);
	CU_ASSERT_TRUE(has("\"code\":-1130"));
	CU_ASSERT_EQUAL(get("/fapi/v1/fundingRate", "startTime=9&endTime=1"), 400);
	CU_ASSERT_TRUE(has("\"code\":-1128"));
}

static void test_open_interest(void)
{
	CU_ASSERT_EQUAL(get("/fapi/v1/openInterest", "symbol=BTCUSDT"), 200);
	CU_ASSERT_TRUE(has("{\"openInterest\":\"0.000\",\"symbol\":\"BTCUSDT\",\"time\":"));
	market_buy("0.010");
	CU_ASSERT_EQUAL(get("/fapi/v1/openInterest", "symbol=BTCUSDT"), 200);
	CU_ASSERT_TRUE(has("{\"openInterest\":\"0.010\""));
	CU_ASSERT_EQUAL(get("/fapi/v1/openInterest", ""), 400);
	CU_ASSERT_TRUE(has("{\"code\":-1102,\"msg\":\"Mandatory parameter 'symbol' was not sent, was empty/null, or malformed.\"}"));
}

/* continuous, mark and index price klines share the path */
static void test_price_klines(void)
{
	krow_t k;

	CU_ASSERT_EQUAL(simc_raw(&cli, "POST", "/sim/mark", "symbol=BTCUSDT&price=60700", "", NULL), 200);
	CU_ASSERT_EQUAL(get("/fapi/v1/continuousKlines", "pair=BTCUSDT&contractType=PERPETUAL&interval=1M"), 200);
	CU_ASSERT_EQUAL_FATAL(last_row(&k), 0);
	CU_ASSERT_STRING_EQUAL(k.c, "60700.00");
	CU_ASSERT_EQUAL(get("/fapi/v1/markPriceKlines", "symbol=BTCUSDT&interval=1M"), 200);
	CU_ASSERT_EQUAL_FATAL(last_row(&k), 0);
	CU_ASSERT_STRING_EQUAL(k.c, "60700.00");
	CU_ASSERT_STRING_EQUAL(k.v, "0");	/* no volume on price klines */
	CU_ASSERT_TRUE(k.n >= 1);		/* minutes folded */
	CU_ASSERT_EQUAL(get("/fapi/v1/indexPriceKlines", "pair=BTCUSDT&interval=1h&limit=1"), 200);
	CU_ASSERT_EQUAL_FATAL(last_row(&k), 0);
	CU_ASSERT_STRING_EQUAL(k.c, "60700.00");
	CU_ASSERT_EQUAL(get("/fapi/v1/continuousKlines", "pair=BTCUSDT&contractType=CURRENT_QUARTER&interval=1m"), 400);
	CU_ASSERT_TRUE(has("\"code\":-1130"));
	CU_ASSERT_EQUAL(get("/fapi/v1/indexPriceKlines", "symbol=BTCUSDT&interval=1m"), 400);
	CU_ASSERT_TRUE(has("'pair'"));
	CU_ASSERT_EQUAL(get("/fapi/v1/markPriceKlines", "symbol=BTCUSDT&interval=2m"), 400);
	CU_ASSERT_TRUE(has("\"code\":-1120"));
	CU_ASSERT_EQUAL(get("/fapi/v1/fundingInfo", ""), 200);
	CU_ASSERT_STRING_EQUAL(cli.body, "[]");
}

/* The public tape is the accounts' fills. */
static void test_trades(void)
{
	CU_ASSERT_EQUAL(get("/fapi/v1/trades", "symbol=BTCUSDT"), 200);
	CU_ASSERT_STRING_EQUAL(cli.body, "[]");
	market_buy("0.010");
	market_buy("0.020");
	CU_ASSERT_EQUAL(get("/fapi/v1/trades", "symbol=BTCUSDT&limit=1"), 200);
	CU_ASSERT_TRUE(has("[{\"id\":100000002,\"price\":\"60000.10\",\"qty\":\"0.020\",\"quoteQty\":\"1200.00200\",\"time\":"));
	CU_ASSERT_TRUE(has("\"isBuyerMaker\":false}]"));
	CU_ASSERT_EQUAL(simc_raw(&cli, "GET", "/fapi/v1/historicalTrades", "symbol=BTCUSDT&fromId=100000001&limit=1", "", cli.key), 200);
	CU_ASSERT_TRUE(has("[{\"id\":100000001,"));
	CU_ASSERT_EQUAL(simc_raw(&cli, "GET", "/fapi/v1/historicalTrades", "symbol=BTCUSDT", "", NULL), 401);
	CU_ASSERT_TRUE(has("\"code\":-2015"));
	CU_ASSERT_EQUAL(get("/fapi/v1/aggTrades", "symbol=BTCUSDT"), 200);
	CU_ASSERT_TRUE(has("[{\"a\":100000001,\"p\":\"60000.10\",\"q\":\"0.010\",\"f\":100000001,\"l\":100000001,\"T\":"));
	CU_ASSERT_TRUE(has("\"m\":false},{\"a\":100000002,"));
	CU_ASSERT_EQUAL(get("/fapi/v1/aggTrades", "symbol=BTCUSDT&startTime=0&endTime=3600001"), 400);
	CU_ASSERT_TRUE(has("\"code\":-1127"));
	CU_ASSERT_EQUAL(get("/fapi/v1/trades", "symbol=BTCUSDT&limit=1001"), 400);
	CU_ASSERT_TRUE(has("\"code\":-1130"));
}

TL_TEST_SUITE("sim.rest_market", each_setup, each_teardown,
	      TL_TEST(test_ticker_price),
	      TL_TEST(test_ticker_24hr),
	      TL_TEST(test_depth),
	      TL_TEST(test_klines),
	      TL_TEST(test_klines_weight),
	      TL_TEST(test_funding_rate),
	      TL_TEST(test_open_interest),
	      TL_TEST(test_price_klines),
	      TL_TEST(test_trades));
