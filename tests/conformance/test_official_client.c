/*
 * test_official_client.c - conformance: Binance's official JavaScript
 * connector (@binance/derivatives-trading-usds-futures, pinned below)
 * drives an in-process venue over loopback HTTP; the checks live in
 * tests/conformance/official_client.mjs (exchange info, balance and
 * account v3, leverage, margin type, limit order place/query/cancel,
 * market order, batch orders with a mixed result, a conditional algo
 * order, position v3, listenKey; ticker/price v1+v2, ticker/24hr,
 * depth, klines (plain, continuous, mark and index price), fundingRate,
 * fundingInfo, openInterest, trades, historicalTrades, aggTrades,
 * order/test, leverageBracket,
 * multiAssetsMargin, positionMargin, income, adlQuantile, forceOrders,
 * modifyOrder and modifyMultipleOrders), then the connector's WebSocket
 * streams client (wsURL = the venue's plain stream port): userData()
 * subscription, a MARKET fill, ORDER_TRADE_UPDATE FILLED with the trade
 * id and ACCOUNT_UPDATE, in Binance's per-fill order.
 *
 * The package is installed with npm into build/npm on first use. Skips
 * (exit 77) when node/npm are missing or the install fails (no registry).
 */
#define _GNU_SOURCE
#include "tests/support/tl_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/sim/sim_client.c"

#define PKG "@binance/derivatives-trading-usds-futures@38.1.1"
#define MOD "build/npm/node_modules/@binance/derivatives-trading-usds-futures"

static int suite_setup(void)
{
	if (system("command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1") != 0)
		tl_test_skip("node/npm not installed");
	if (access(MOD "/package.json", R_OK) != 0 &&
	    system("mkdir -p build/npm && cd build/npm && "
		   "npm install --no-audit --no-fund --silent " PKG " >/dev/null 2>&1") != 0)
		tl_test_skip("npm install " PKG " failed (registry unreachable?)");
	return 0;
}

static void test_official_client_round_trip(void)
{
	static tl_sim_config_t cfg;
	tl_sim_server_t *srv;
	char cmd[1024];
	int rc;

	tl_sim_config_defaults(&cfg);
	cfg.nsym = 2;
	cfg.sym[1] = cfg.sym[0];
	snprintf(cfg.sym[1].name, sizeof cfg.sym[1].name, "ETHUSDT");
	cfg.sym[1].start_price = 3000LL * TL_FX_ONE;
	cfg.sym[1].min_price = TL_FX_ONE;
	srv = simc_server_start(&cfg);
	CU_ASSERT_PTR_NOT_NULL_FATAL(srv);
	snprintf(cmd, sizeof cmd,
		 "timeout 60 node tests/conformance/official_client.mjs http://127.0.0.1:%d '%s' '%s' '%s' ws://127.0.0.1:%d",
		 tl_sim_server_port(srv, TL_SIM_PORT_REST), cfg.acct[0].api_key,
		 cfg.acct[0].api_secret, MOD, tl_sim_server_port(srv, TL_SIM_PORT_WS));
	rc = system(cmd);
	CU_ASSERT_EQUAL(rc, 0);
	simc_server_stop(srv);
}

TL_TEST_SUITE("conformance.official_client", suite_setup, NULL,
	      TL_TEST(test_official_client_round_trip));
