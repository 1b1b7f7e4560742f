/*
 * test_binance_check_cli.c - `talon check` and `talon run` as an
 * operator runs them (the build's talon binary) against the in-process
 * simulator, with the key from TALON_BINANCE_API_KEY and the secret from
 * a 0600 api_secret_file (the config holds no secret):
 *   - a good config: check exits 0 ("every check passed"); run starts,
 *     runs its second and stops (exit 0);
 *   - kernel.hedge_mode against a one-way account: both exit 1 naming
 *     the position mode;
 *   - a wrong key: check exits 1 naming -2015; run exits 1 naming -2015
 *     and refusing to trade;
 *   - nothing listening: check and run exit 1 naming "Connection
 *     refused";
 *   - an api_secret_file readable by others: both refuse it (mode named);
 *   - `talon check --help` and `talon --help` list the check.
 */
#define _GNU_SOURCE
#define BSIM_CAP_FMT "/tmp/tl_test_binance_check_cli.%d"
#include "tests/io/binance/test_binance_sim_common.h"

#include <arpa/inet.h>
#include <limits.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "tests/support/subproc.h"

static char talon_bin[PATH_MAX], tmpdir[64], cfgpath[128], secpath[128];
static char out[1 << 16];

static int suite_init(void)
{
	snprintf(tmpdir, sizeof tmpdir, "/tmp/tl-checkcli-XXXXXX");
	return mkdtemp(tmpdir) ? 0 : 1;
}

static int suite_clean(void)
{
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : 1;
}

/* The engine's config on REST port `port` (plain, loopback), no secret
 * inside: the key comes from the environment, the secret from secpath. */
static bool hedge;	/* kernel.hedge_mode in the next write_config */

static void write_config(int port, int ws_port)
{
	char exch[PATH_MAX];
	FILE *f;

	CU_ASSERT_PTR_NOT_NULL_FATAL(realpath("config/exchange_info.json", exch));
	snprintf(cfgpath, sizeof cfgpath, "%s/check.json", tmpdir);
	f = fopen(cfgpath, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fprintf(f,
		"{\"engine\": {\"name\": \"chk%d\"}, \"kernel\": {\"hedge_mode\": %s},\n"
		" \"symbols\": {\"exchange_info\": \"%s\", \"only\": [\"BTCUSDT\", \"ETHUSDT\"],\n"
		"   \"leverage\": {\"BTCUSDT\": 20, \"ETHUSDT\": 10}},\n"
		" \"venue\": {\"type\": \"binance\", \"binance\": {\n"
		"    \"rest\": {\"host\": \"127.0.0.1\", \"port\": %d, \"tls\": false},\n"
		"    \"ws\": {\"host\": \"127.0.0.1\", \"port\": %d, \"tls\": false},\n"
		"    \"api_secret_file\": \"%s\", \"timeout_ms\": 2000,\n"
		"    \"startup_deadline_ms\": 2000}}}\n",
		(int)getpid(), hedge ? "true" : "false", exch, port, ws_port, secpath);
	fclose(f);
}

static void write_secret(const char *secret, mode_t mode)
{
	snprintf(secpath, sizeof secpath, "%s/secret", tmpdir);
	FILE *f = fopen(secpath, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fprintf(f, "%s\n", secret);
	fclose(f);
	CU_ASSERT_EQUAL_FATAL(chmod(secpath, mode), 0);
}

static int talon(const char *a0, const char *a1, const char *a2, const char *a3,
		 const char *a4)
{
	int rc = tl_test_runv(out, sizeof out, 1, talon_bin, a0, a1, a2, a3, a4, NULL);
	printf("\n$ talon %s %s %s -> %d\n%s", a0, a1 ? a1 : "", a2 ? a2 : "", rc, out);
	CU_ASSERT_PTR_NULL(strstr(out, scfg.acct[0].api_secret));
	return rc;
}

static void test_good_then_wrong_key(void)
{
	if (tl_test_talon_path(talon_bin, sizeof talon_bin) != 0)
		tl_test_skip("no talon binary in this build");
	server_start_cfg(NULL);
	write_secret(scfg.acct[0].api_secret, 0600);
	write_config(e2e_rest_port, tl_sim_server_port(srv, TL_SIM_PORT_WS));
	setenv("TALON_BINANCE_API_KEY", scfg.acct[0].api_key, 1);

	CU_ASSERT_EQUAL(talon("check", "-c", cfgpath, NULL, NULL), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "OK   api key: accepted, canTrade true"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "talon check: every check passed"));
	CU_ASSERT_PTR_NULL(strstr(out, "FAIL"));
	CU_ASSERT_EQUAL(talon("run", "-c", cfgpath, "--duration", "1"), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "OK   api key"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "running"));

	/* hedge mode wanted, the account is one-way: named, nothing trades */
	hedge = true;
	write_config(e2e_rest_port, tl_sim_server_port(srv, TL_SIM_PORT_WS));
	CU_ASSERT_EQUAL(talon("check", "-c", cfgpath, NULL, NULL), 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "FAIL position mode: the venue is in one-way mode"));
	CU_ASSERT_EQUAL(talon("run", "-c", cfgpath, "--duration", "1"), 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "FAIL position mode"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "talon run: refusing to trade"));
	hedge = false;
	write_config(e2e_rest_port, tl_sim_server_port(srv, TL_SIM_PORT_WS));

	/* the wrong key: named by the venue's code, nothing trades */
	setenv("TALON_BINANCE_API_KEY", "NOT-THE-KEY", 1);
	CU_ASSERT_EQUAL(talon("check", "-c", cfgpath, NULL, NULL), 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "FAIL api key: GET /fapi/v2/account: -2015 "));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "FAILED"));
	CU_ASSERT_EQUAL(talon("run", "-c", cfgpath, "--duration", "1"), 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "FAIL api key: GET /fapi/v2/account: -2015 "));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "talon run: refusing to trade"));
	CU_ASSERT_PTR_NULL(strstr(out, "running"));
	CU_ASSERT_PTR_NULL(strstr(out, "Input/output error"));

	/* a secret file others can read: refused before anything is sent */
	setenv("TALON_BINANCE_API_KEY", scfg.acct[0].api_key, 1);
	CU_ASSERT_EQUAL_FATAL(chmod(secpath, 0644), 0);
	CU_ASSERT_EQUAL(talon("check", "-c", cfgpath, NULL, NULL), 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "venue.binance.api_secret_file"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "has mode 0644"));
	CU_ASSERT_EQUAL(talon("run", "-c", cfgpath, NULL, NULL), 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "has mode 0644"));
	unsetenv("TALON_BINANCE_API_KEY");
	server_stop();
}

static void test_unreachable(void)
{
	struct sockaddr_in a;
	socklen_t alen = sizeof a;
	char want[96];

	if (tl_test_talon_path(talon_bin, sizeof talon_bin) != 0)
		tl_test_skip("no talon binary in this build");
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	CU_ASSERT_FATAL(fd >= 0);
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	CU_ASSERT_EQUAL_FATAL(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
	CU_ASSERT_EQUAL_FATAL(getsockname(fd, (struct sockaddr *)&a, &alen), 0);
	int port = ntohs(a.sin_port);

	write_secret("SomeSecret0123", 0600);
	write_config(port, port);
	setenv("TALON_BINANCE_API_KEY", "SomeKey", 1);
	snprintf(want, sizeof want, "cannot connect to 127.0.0.1:%d: Connection refused", port);
	CU_ASSERT_EQUAL(talon("check", "-c", cfgpath, NULL, NULL), 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, want));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "FAIL venue: "));
	CU_ASSERT_EQUAL(talon("run", "-c", cfgpath, "--duration", "1"), 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, want));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "talon run: refusing to trade"));
	unsetenv("TALON_BINANCE_API_KEY");
	close(fd);
}

static void test_help_tells_of_check(void)
{
	if (tl_test_talon_path(talon_bin, sizeof talon_bin) != 0)
		tl_test_skip("no talon binary in this build");
	CU_ASSERT_EQUAL(talon("--help", NULL, NULL, NULL, NULL), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "  check "));
	CU_ASSERT_EQUAL(talon("check", "--help", NULL, NULL, NULL), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "usage: talon check -c CONFIG"));
	CU_ASSERT_EQUAL(talon("check", NULL, NULL, NULL, NULL), 2);
	CU_ASSERT_EQUAL(talon("run", "--help", NULL, NULL, NULL), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "preflight"));
}

TL_TEST_SUITE("io.binance_check_cli", suite_init, suite_clean,
	      TL_TEST(test_good_then_wrong_key),
	      TL_TEST(test_unreachable),
	      TL_TEST(test_help_tells_of_check));
