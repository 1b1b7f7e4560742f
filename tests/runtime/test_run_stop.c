/*
 * test_run_stop.c - `talon run` on the paper venue with each
 * engine.on_stop, stopped by SIGTERM with a position and a resting limit
 * order open: its last log lines list what stays open (leave: both;
 * cancel: the position; flatten: nothing).
 */
#include "tests/support/tl_test.h"
#include "tests/support/subproc.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char talon_bin[PATH_MAX];
static char name[64], cfgpath[128], logpath[128];
static char out[65536], logbuf[1 << 18];
static pid_t engine_pid;

#define talon(...) tl_test_runv(out, sizeof out, 0, talon_bin, __VA_ARGS__)

static void nap_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

/* Start `talon run` with engine.on_stop `mode`; true once ctl sees it. */
static bool run_start(const char *mode)
{
	char cwd[PATH_MAX];
	if (!getcwd(cwd, sizeof cwd))
		return false;
	snprintf(name, sizeof name, "s%d_%s", (int)getpid(), mode);
	snprintf(cfgpath, sizeof cfgpath, "/tmp/talon-stop-%d.json", (int)getpid());
	snprintf(logpath, sizeof logpath, "/tmp/talon-stop-%d.log", (int)getpid());
	char more[96];
	snprintf(more, sizeof more, ", \"on_stop\": \"%s\", \"stop_timeout_ms\": 20000", mode);
	if (tl_test_paper_cfg(cfgpath, name, more, "") < 0)
		return false;
	engine_pid = tl_test_talon_start(talon_bin, cfgpath, logpath, 120);
	return engine_pid > 0 &&
	       tl_test_ctl_until(talon_bin, "--engine", name, "\"alive\":true", 200, out,
				 sizeof out);
}

/* A position (market buy 0.010, retried while the venue has no mark yet)
 * and a resting limit buy; fills clid with the limit order's id. */
static void run_open_both(char *clid, size_t len)
{
	CU_ASSERT_EQUAL_FATAL(tl_test_ctl_buy(talon_bin, "--engine", name, "BTCUSDT", "0.010",
					      100, out, sizeof out), 0);
	CU_ASSERT_EQUAL_FATAL(talon("ctl", "--engine", name, "submit", "--symbol", "BTCUSDT",
				    "--side", "BUY", "--type", "LIMIT", "--qty", "0.010",
				    "--price", "40000", NULL), 0);
	char want[96];
	snprintf(want, sizeof want, "%s-", name);
	const char *p = strstr(out, want);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	size_t n = strcspn(p, " :\n");
	snprintf(clid, len, "%.*s", (int)n, p);
	/* both in place before the stop */
	bool ready = false;
	for (int i = 0; i < 200 && !ready; i++) {
		talon("ctl", "--engine", name, "orders", "--json", NULL);
		ready = strstr(out, "\"status\":\"NEW\"") != NULL;
		if (ready) {
			talon("ctl", "--engine", name, "status", "--json", NULL);
			ready = strstr(out, "\"qty\":\"0.01\"") != NULL;
		}
		if (!ready)
			nap_ms(50);
	}
	CU_ASSERT_TRUE_FATAL(ready);
}

/* SIGTERM, wait for exit 0, the log into logbuf. */
static void run_stop(void)
{
	CU_ASSERT_EQUAL_FATAL(kill(engine_pid, SIGTERM), 0);
	int st = 0;
	for (int i = 0; i < 600 && engine_pid; i++) {
		if (waitpid(engine_pid, &st, WNOHANG) == engine_pid)
			engine_pid = 0;
		else
			nap_ms(50);
	}
	CU_ASSERT_EQUAL(engine_pid, 0);
	CU_ASSERT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	logbuf[0] = '\0';
	FILE *f = fopen(logpath, "r");
	if (f) {
		size_t n = fread(logbuf, 1, sizeof logbuf - 1, f);
		logbuf[n] = '\0';
		fclose(f);
	}
	if (getenv("TL_TEST_VERBOSE"))
		fprintf(stderr, "%s\n", logbuf);
	unlink(cfgpath);
	unlink(logpath);
}

#define HAS(needle)                                                              \
	do {                                                                     \
		if (!strstr(logbuf, (needle))) {                                 \
			fprintf(stderr, "log lacks: %s\n%s\n", (needle), logbuf); \
			CU_FAIL("log lacks " needle);                            \
		}                                                                \
	} while (0)

static void test_leave_lists_the_order_and_the_position(void)
{
	char clid[64], want[256];
	CU_ASSERT_TRUE_FATAL(run_start("leave"));
	run_open_both(clid, sizeof clid);
	run_stop();
	HAS("stopping engine");
	HAS("left open: 1 order, 1 position (engine.on_stop leave)");
	snprintf(want, sizeof want, "open order %s BTCUSDT BUY LIMIT qty 0.01 price 40000 "
		 "filled 0, NEW", clid);
	if (!strstr(logbuf, want)) {
		fprintf(stderr, "log lacks: %s\n", want);
		CU_FAIL("no open order line");
	}
	HAS("open position BTCUSDT BOTH qty 0.01 entry ");
}

static void test_cancel_lists_the_position_only(void)
{
	char clid[64];
	CU_ASSERT_TRUE_FATAL(run_start("cancel"));
	run_open_both(clid, sizeof clid);
	run_stop();
	HAS("left open: 0 orders, 1 position (engine.on_stop cancel)");
	HAS("open position BTCUSDT BOTH qty 0.01 entry ");
	CU_ASSERT_PTR_NULL(strstr(logbuf, "open order "));
	CU_ASSERT_PTR_NOT_NULL(strstr(logbuf, clid));	/* its CANCELED event */
}

static void test_flatten_leaves_nothing(void)
{
	char clid[64];
	CU_ASSERT_TRUE_FATAL(run_start("flatten"));
	run_open_both(clid, sizeof clid);
	run_stop();
	HAS("left open: nothing (engine.on_stop flatten)");
	CU_ASSERT_PTR_NULL(strstr(logbuf, "open order "));
	CU_ASSERT_PTR_NULL(strstr(logbuf, "open position "));
}

static int suite_init(void)
{
	return tl_test_talon_path(talon_bin, sizeof talon_bin) < 0;
}

static int suite_clean(void)
{
	if (engine_pid > 0) {
		kill(engine_pid, SIGKILL);
		waitpid(engine_pid, NULL, 0);
	}
	unlink(cfgpath);
	unlink(logpath);
	return 0;
}

TL_TEST_SUITE("io.run_stop", suite_init, suite_clean,
	      TL_TEST(test_leave_lists_the_order_and_the_position),
	      TL_TEST(test_cancel_lists_the_position_only),
	      TL_TEST(test_flatten_leaves_nothing));
