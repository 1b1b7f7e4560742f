/*
 * test_run_ctl.c - the real thing, end to end: `talon run` as its own
 * process on the paper venue, operated by `talon ctl` processes through
 * shared memory: status, submit, orders and order, liquidate (kill switch), resume, and a
 * clean stop on SIGTERM that removes the block.
 */
#include "tests/support/tl_test.h"
#include "tests/support/subproc.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char talon_bin[PATH_MAX];
static char name[64], cfgpath[128], logpath[128];
static char out[65536];
static pid_t engine_pid;

static void nap_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

/* Run `talon ARGS...` (NULL-terminated), output into out. */
#define talon(...) tl_test_runv(out, sizeof out, 0, talon_bin, __VA_ARGS__)

/* Poll `talon ctl status --json` until it contains `needle` (<= 10 s). */
static bool status_until(const char *needle)
{
	return tl_test_ctl_until(talon_bin, "--engine", name, needle, 200, out, sizeof out);
}

static int suite_init(void)
{
	if (tl_test_talon_path(talon_bin, sizeof talon_bin) < 0)
		return 1;
	snprintf(name, sizeof name, "t%d", (int)getpid());
	snprintf(cfgpath, sizeof cfgpath, "/tmp/talon-test-%d.json", (int)getpid());
	snprintf(logpath, sizeof logpath, "/tmp/talon-test-%d.log", (int)getpid());
	if (tl_test_paper_cfg(cfgpath, name, "", "") < 0)
		return 1;
	engine_pid = tl_test_talon_start(talon_bin, cfgpath, logpath, 120);
	return engine_pid > 0 ? 0 : 1;
}

static int suite_clean(void)
{
	if (engine_pid > 0) {
		kill(engine_pid, SIGKILL);
		waitpid(engine_pid, NULL, 0);
	}
	unlink(cfgpath);
	unlink(logpath);
	char shm[96];
	snprintf(shm, sizeof shm, "/dev/shm/talon.%s", name);
	unlink(shm);
	return 0;
}

static void test_status_shows_running_engine(void)
{
	CU_ASSERT_TRUE_FATAL(status_until("\"alive\":true"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"state\":\"NORMAL\""));
	CU_ASSERT_EQUAL(talon("ctl", "--engine", name, "status", NULL), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "NORMAL"));
	/* the prefix it claimed is in the block */
	talon("ctl", "--engine", name, "status", "--json", NULL);
	char want[96];
	snprintf(want, sizeof want, "\"client_id_prefix\":\"%s-\"", name);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, want));
	/* the engine named by a config file */
	CU_ASSERT_EQUAL(talon("ctl", "-c", cfgpath, "status", "--json", NULL), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, name));
}

static void test_submit_fills_and_shows_in_status(void)
{
	/* The paper venue publishes its first marks on its first poll; until
	 * then a market order is refused with NO_MARK. */
	int rc = tl_test_ctl_buy(talon_bin, "--engine", name, "BTCUSDT", "0.010", 100, out,
				 sizeof out);
	CU_ASSERT_EQUAL_FATAL(rc, 0);
	/* the engine it reached, and the client order id: the prefix is
	 * derived from engine.name ("<name>-") */
	char want[160];
	snprintf(want, sizeof want, "submit: engine '%s' (pid %d): %s-", name,
		 (int)engine_pid, name);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, want));
	rc = talon("ctl", "--engine", name, "submit", "--symbol", "ETHUSDT",
		   "--side", "SELL", "--type", "MARKET", "--qty", "0.100", NULL);
	CU_ASSERT_EQUAL(rc, 0);
	CU_ASSERT_TRUE(status_until("\"qty\":\"0.01\""));
	CU_ASSERT_TRUE(status_until("\"qty\":\"-0.1\""));
	/* A refusal is reported with its reason and exit 1. */
	rc = talon("ctl", "--engine", name, "submit", "--symbol", "BTCUSDT", "--side", "BUY",
		   "--type", "LIMIT", "--qty", "0.0101", "--price", "40000", NULL);
	CU_ASSERT_EQUAL(rc, 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "QTY_STEP"));
}

/* The client id in a "submit: engine 'x' (pid n): <id> ..." line. */
static void submit_clid(char *clid, size_t len)
{
	char want[96];
	snprintf(want, sizeof want, "%s-", name);
	const char *p = strstr(out, want);
	size_t n = 0;
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	while (p[n] && p[n] != ' ' && p[n] != '\n' && p[n] != ':' && n + 1 < len)
		n++;
	memcpy(clid, p, n);
	clid[n] = '\0';
}

/* A resting limit order: `ctl orders` lists it (text, JSON, --symbol),
 * `ctl order ID` shows its history; once canceled it is no longer open
 * but `ctl order` still shows how it ended. */
static void test_orders_and_order_history(void)
{
	char clid[64], want[256];
	int rc = talon("ctl", "--engine", name, "submit", "--symbol", "BTCUSDT", "--side",
		       "BUY", "--type", "LIMIT", "--qty", "0.010", "--price", "40000", NULL);
	if (rc != 0)
		fprintf(stderr, "submit: %s\n", out);
	CU_ASSERT_EQUAL_FATAL(rc, 0);
	submit_clid(clid, sizeof clid);
	snprintf(want, sizeof want, "\"client_id\":\"%s\"", clid);
	bool listed = false;
	for (int i = 0; i < 200 && !listed; i++) {
		talon("ctl", "--engine", name, "orders", "--json", NULL);
		listed = strstr(out, want) && strstr(out, "\"status\":\"NEW\"");
		if (!listed)
			nap_ms(50);
	}
	if (!listed)
		fprintf(stderr, "orders --json: %s\n", out);
	CU_ASSERT_TRUE_FATAL(listed);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"symbol\":\"BTCUSDT\",\"side\":\"BUY\","
					   "\"type\":\"LIMIT\""));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"price\":\"40000\""));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"qty\":\"0.01\",\"filled\":\"0\""));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"open_orders\":1,"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"age_ns\":"));
	/* text: a header and the order's row */
	CU_ASSERT_EQUAL(talon("ctl", "--engine", name, "orders", NULL), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "1 open order\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "CLIENT_ID"));
	char *row = strstr(out, clid);
	CU_ASSERT_PTR_NOT_NULL_FATAL(row);
	CU_ASSERT_PTR_NOT_NULL(strstr(row, "BTCUSDT"));
	CU_ASSERT_PTR_NOT_NULL(strstr(row, "LIMIT"));
	CU_ASSERT_PTR_NOT_NULL(strstr(row, "40000"));
	CU_ASSERT_PTR_NOT_NULL(strstr(row, "NEW"));
	/* another symbol's filter leaves it out */
	CU_ASSERT_EQUAL(talon("ctl", "--engine", name, "orders", "--symbol", "ethusdt",
			      "--json", NULL), 0);
	CU_ASSERT_PTR_NULL(strstr(out, clid));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"symbol\":\"ETHUSDT\",\"strategy\":null,\"orders\":[]"));
	CU_ASSERT_EQUAL(talon("ctl", "--engine", name, "orders", "--symbol", "BTCUSDT", NULL), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, clid));
	/* one order: its history, oldest first */
	CU_ASSERT_EQUAL(talon("ctl", "--engine", name, "order", clid, NULL), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "status     NEW\n"));
	char *h1 = strstr(out, "PENDING_NEW"), *h2 = strstr(out, "UTC  SENT"),
	     *h3 = strstr(out, "UTC  NEW");
	CU_ASSERT(h1 && h2 && h3 && h1 < h2 && h2 < h3);
	CU_ASSERT_EQUAL(talon("ctl", "--engine", name, "order", clid, "--json", NULL), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"open\":true"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"history\":[{\"status\":\"PENDING_NEW\""));
	/* unknown id: exit 1, NOT_FOUND */
	CU_ASSERT_EQUAL(talon("ctl", "--engine", name, "order", "nosuch-1", "--json", NULL), 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "NOT_FOUND"));
	/* a bad id is a usage error */
	CU_ASSERT_EQUAL(talon("ctl", "--engine", name, "order", "bad id!", NULL), 2);
	/* cancel it: no longer open, its end in the history */
	CU_ASSERT_EQUAL(talon("ctl", "--engine", name, "cancel", "--symbol", "BTCUSDT",
			      "--client-id", clid, NULL), 0);
	bool ended = false;
	for (int i = 0; i < 200 && !ended; i++) {
		talon("ctl", "--engine", name, "order", clid, "--json", NULL);
		ended = strstr(out, "\"status\":\"CANCELED\"") != NULL;
		if (!ended)
			nap_ms(50);
	}
	CU_ASSERT_TRUE(ended);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"open\":false"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "{\"status\":\"PENDING_CANCEL\""));
	talon("ctl", "--engine", name, "orders", "--json", NULL);
	CU_ASSERT_PTR_NULL(strstr(out, clid));
}

static void test_liquidate_flattens_and_pauses_then_resume(void)
{
	CU_ASSERT_EQUAL(talon("ctl", "--engine", name, "liquidate", "--reason", "test", NULL), 0);
	CU_ASSERT_TRUE(status_until("\"state\":\"PAUSED\""));
	talon("ctl", "--engine", name, "status", "--json", NULL);
	CU_ASSERT_PTR_NULL(strstr(out, "\"status\":\"OPEN\""));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"reason\":\"test\""));
	/* PAUSED refuses new orders. */
	CU_ASSERT_EQUAL(talon("ctl", "--engine", name, "submit", "--symbol", "BTCUSDT",
			      "--side", "BUY", "--type", "MARKET", "--qty", "0.010", NULL), 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "STATE_PAUSED"));
	CU_ASSERT_EQUAL(talon("ctl", "--engine", name, "resume", NULL), 0);
	CU_ASSERT_TRUE(status_until("\"state\":\"NORMAL\""));
}

static void test_sigterm_stops_cleanly(void)
{
	CU_ASSERT_EQUAL_FATAL(kill(engine_pid, SIGTERM), 0);
	int st = 0;
	for (int i = 0; i < 100; i++) {
		if (waitpid(engine_pid, &st, WNOHANG) == engine_pid) {
			engine_pid = 0;
			break;
		}
		nap_ms(50);
	}
	CU_ASSERT_EQUAL(engine_pid, 0);
	CU_ASSERT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	char shm[96];
	snprintf(shm, sizeof shm, "/dev/shm/talon.%s", name);
	CU_ASSERT_EQUAL(access(shm, F_OK), -1);
	/* and ctl says so */
	CU_ASSERT_EQUAL(talon("ctl", "--engine", name, "status", NULL), 1);
}

TL_TEST_SUITE("io.run_ctl", suite_init, suite_clean,
	      TL_TEST(test_status_shows_running_engine),
	      TL_TEST(test_submit_fills_and_shows_in_status),
	      TL_TEST(test_orders_and_order_history),
	      TL_TEST(test_liquidate_flattens_and_pauses_then_resume),
	      TL_TEST(test_sigterm_stops_cleanly));
