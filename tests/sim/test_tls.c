/*
 * test_tls.c - HTTPS on the REST port with the build's local CA
 * (build/tls, made by sim/gen_tls.sh when missing), the plain-HTTP port
 * beside it, and a client that speaks plain HTTP to the TLS port.
 */
#define _GNU_SOURCE
#include "tests/support/tl_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/sim/sim_client.c"

static tl_sim_config_t cfg;
static tl_sim_server_t *srv;

static int suite_setup(void)
{
	if (access("build/tls/server.pem", R_OK) != 0 &&
	    system("sim/gen_tls.sh build/tls") != 0)
		tl_test_skip("cannot create build/tls (openssl missing?)");
	tl_sim_config_defaults(&cfg);
	cfg.rest_tls = true;
	cfg.rest_plain_port = 0;
	srv = NULL;
	return 0;
}

static void start(bool plain_too)
{
	cfg.rest_plain_port = 0;
	srv = simc_server_start(&cfg);
	CU_ASSERT_PTR_NOT_NULL_FATAL(srv);
	(void)plain_too;
}

static void stop(void)
{
	simc_server_stop(srv);
	srv = NULL;
}

static void test_https_signed_order(void)
{
	static simc_t c;

	start(false);
	CU_ASSERT_EQUAL_FATAL(simc_connect(&c, tl_sim_server_port(srv, TL_SIM_PORT_REST),
					   "build/tls/ca.pem"), 0);
	c.key = cfg.acct[0].api_key;
	c.secret = cfg.acct[0].api_secret;
	c.ts_offset = 0;
	CU_ASSERT_EQUAL(simc_raw(&c, "GET", "/fapi/v1/ping", "", "", NULL), 200);
	CU_ASSERT_STRING_EQUAL(c.body, "{}");
	CU_ASSERT_EQUAL(simc_signed(&c, "POST", "/fapi/v1/order",
				    "symbol=BTCUSDT&side=BUY&type=MARKET&quantity=0.010&newOrderRespType=RESULT", false), 200);
	CU_ASSERT_PTR_NOT_NULL(strstr(c.body, "\"status\":\"FILLED\""));
	/* keep-alive: many requests on one TLS connection */
	for (int i = 0; i < 50; i++)
		CU_ASSERT_EQUAL(simc_raw(&c, "GET", "/fapi/v1/time", "", "", NULL), 200);
	simc_close(&c);
	stop();
}

static void test_plain_client_on_tls_port_is_dropped(void)
{
	static simc_t c, d;

	start(false);
	CU_ASSERT_EQUAL_FATAL(simc_connect(&c, tl_sim_server_port(srv, TL_SIM_PORT_REST), NULL), 0);
	CU_ASSERT_EQUAL(simc_raw(&c, "GET", "/fapi/v1/ping", "", "", NULL), -1);
	simc_close(&c);
	/* the server is still fine */
	CU_ASSERT_EQUAL_FATAL(simc_connect(&d, tl_sim_server_port(srv, TL_SIM_PORT_REST),
					   "build/tls/ca.pem"), 0);
	CU_ASSERT_EQUAL(simc_raw(&d, "GET", "/fapi/v1/ping", "", "", NULL), 200);
	simc_close(&d);
	stop();
}

static void test_plain_port_beside_tls(void)
{
	static simc_t c;
	char err[256];
	tl_sim_server_t *s;

	cfg.rest_plain_port = 0;
	/* plain_port must be non-zero to listen: pick a free one */
	for (int port = 18180; port < 18280; port++) {
		cfg.rest_plain_port = port;
		s = tl_sim_server_new(&cfg, err, sizeof err);
		if (s)
			break;
	}
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	tl_sim_server_free(s);
	srv = simc_server_start(&cfg);
	CU_ASSERT_PTR_NOT_NULL_FATAL(srv);
	CU_ASSERT_EQUAL_FATAL(simc_connect(&c, tl_sim_server_port(srv, TL_SIM_PORT_PLAIN), NULL), 0);
	CU_ASSERT_EQUAL(simc_raw(&c, "GET", "/fapi/v1/ping", "", "", NULL), 200);
	simc_close(&c);
	stop();
	cfg.rest_plain_port = 0;
}

static void test_missing_cert_is_a_clear_error(void)
{
	tl_sim_config_t bad = cfg;
	char err[256] = "";

	snprintf(bad.tls_cert, sizeof bad.tls_cert, "build/tls/nope.pem");
	CU_ASSERT_PTR_NULL(tl_sim_server_new(&bad, err, sizeof err));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "nope.pem"));
	snprintf(bad.rest_host, sizeof bad.rest_host, "10.0.0.1");
	bad.rest_tls = false;
	CU_ASSERT_PTR_NULL(tl_sim_server_new(&bad, err, sizeof err));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "loopback"));
}

TL_TEST_SUITE("sim.tls", suite_setup, NULL,
	      TL_TEST(test_https_signed_order),
	      TL_TEST(test_plain_client_on_tls_port_is_dropped),
	      TL_TEST(test_plain_port_beside_tls),
	      TL_TEST(test_missing_cert_is_a_clear_error));
