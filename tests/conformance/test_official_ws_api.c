/*
 * test_official_ws_api.c - conformance: the WebSocket API client of
 * Binance's official JavaScript connector
 * (@binance/derivatives-trading-usds-futures, pinned below) against an
 * in-process venue's /ws-fapi/v1 over loopback; the checks live in
 * tests/conformance/official_ws_api.mjs (order place / status / modify /
 * cancel, MARKET fill, positions v2 and v3 shapes, balance, account,
 * algo order, listenKey, a wrong secret, then an Ed25519 key per request
 * and on a session.logon session). The Ed25519 key pair comes from node;
 * the venue reads the public key from its PEM file
 * (accounts[].ed25519_public_key_file).
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

#include "sim/rest.h"
#include "tests/sim/sim_client.c"

#define PKG "@binance/derivatives-trading-usds-futures@38.1.1"
#define MOD "build/npm/node_modules/@binance/derivatives-trading-usds-futures"
#define SCRIPT "tests/conformance/official_ws_api.mjs"
#define ED_KEY "conf-ed25519-key"

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

static void test_official_ws_api_round_trip(void)
{
	static tl_sim_config_t cfg;
	char dir[] = "/tmp/talon-wsapi-XXXXXX", cmd[2048], json[1024], err[256];
	tl_sim_server_t *srv;
	bool path_ok, modify;
	int rc;

	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
	snprintf(cmd, sizeof cmd, "node " SCRIPT " genkey %s", dir);
	CU_ASSERT_EQUAL_FATAL(system(cmd), 0);
	tl_sim_config_defaults(&cfg);
	cfg.sym[0].vol_bps = 0;
	snprintf(json, sizeof json,
		 "{\"accounts\":[{\"name\":\"c\",\"api_key\":\"testkey\",\"api_secret\":\"testsecret\","
		 "\"usdt\":\"100000\",\"ed25519_api_key\":\"" ED_KEY "\","
		 "\"ed25519_public_key_file\":\"%s/pub.pem\"}]}", dir);
	CU_ASSERT_EQUAL_FATAL(tl_sim_config_parse(&cfg, json, strlen(json), err, sizeof err), 0);
	modify = tl_sim_rest_route(TL_SIM_HTTP_PUT, "/fapi/v1/order", 14, &path_ok) != NULL;
	srv = simc_server_start(&cfg);
	CU_ASSERT_PTR_NOT_NULL_FATAL(srv);
	snprintf(cmd, sizeof cmd,
		 "timeout 60 node " SCRIPT " run ws://127.0.0.1:%d/ws-fapi/v1 '%s' '%s' '" ED_KEY "' '%s/priv.pem' '%s' %d",
		 tl_sim_server_port(srv, TL_SIM_PORT_WS), cfg.acct[0].api_key,
		 cfg.acct[0].api_secret, dir, MOD, modify ? 1 : 0);
	rc = system(cmd);
	CU_ASSERT_EQUAL(rc, 0);
	simc_server_stop(srv);
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	rc = system(cmd);
	(void)rc;
}

TL_TEST_SUITE("conformance.official_ws_api", suite_setup, NULL,
	      TL_TEST(test_official_ws_api_round_trip));
