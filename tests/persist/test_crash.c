/*
 * test_crash.c - kill -9 the engine at random moments under load, restart
 * it from its journal, and check that nothing was lost or doubled:
 *   - every journal row committed before a kill is still there, byte for
 *     byte, after the restarts that follow;
 *   - no client order id is ever used for two orders;
 *   - a liquidation interrupted by the kill comes back PAUSED;
 *   - `talon replay --verify` passes on the final journal.
 * 20 kills from a fixed seed; `talon run --load` is the load.
 */
#include "tests/support/tl_test.h"
#include "tests/support/dbfix.h"
#include "tests/support/subproc.h"

#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define KILLS 20

static char talon_bin[PATH_MAX], dir[128], cfgpath[192], dbpath[192], logpath[192];
static char name[64];
static char out[1 << 16];
static uint64_t rng = 0x5eed1234abcdULL;

static uint32_t rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng % n);
}

static void nap_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

/* Run `talon ARGS...` (NULL-terminated), output into out. */
#define run_talon(...) tl_test_runv(out, sizeof out, 1, talon_bin, __VA_ARGS__)

static pid_t start_engine(const char *load)
{
	pid_t pid = fork();
	if (pid == 0) {
		int fd = open(logpath, O_WRONLY | O_CREAT | O_APPEND, 0600);
		dup2(fd, 1);
		dup2(fd, 2);
		if (load)
			execl(talon_bin, talon_bin, "run", "-c", cfgpath, "--load", load,
			      "--duration", "120", (char *)NULL);
		else
			execl(talon_bin, talon_bin, "run", "-c", cfgpath, "--duration", "120",
			      (char *)NULL);
		_exit(127);
	}
	return pid;
}

/* Wait until `talon ctl status` answers (engine up, recovery done). */
static bool wait_up(void)
{
	for (int i = 0; i < 400; i++) {
		if (run_talon("ctl", "--engine", name, "status", "--json", NULL) == 0 &&
		    strstr(out, "\"alive\":true"))
			return true;
		nap_ms(25);
	}
	return false;
}

/* Row count and a checksum of rows 1..n of the journal table. */
static int64_t db_count(void)
{
	return tl_test_db_int(dbpath, "SELECT count(*) FROM journal");
}

static uint64_t db_checksum(int64_t upto)
{
	sqlite3 *db;
	uint64_t h = 1469598103934665603ULL;
	if (sqlite3_open_v2(dbpath, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
		return 0;
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db, "SELECT id, rec FROM journal WHERE id <= ?1 ORDER BY id",
			       -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, upto);
		while (sqlite3_step(st) == SQLITE_ROW) {
			int64_t id = sqlite3_column_int64(st, 0);
			const unsigned char *b = sqlite3_column_blob(st, 1);
			int n = sqlite3_column_bytes(st, 1);
			h = (h ^ (uint64_t)id) * 1099511628211ULL;
			for (int i = 0; i < n; i++)
				h = (h ^ b[i]) * 1099511628211ULL;
		}
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
	return h;
}

static int64_t db_int(const char *sql)
{
	return tl_test_db_int(dbpath, sql);
}

static int suite_init(void)
{
	if (tl_test_talon_path(talon_bin, sizeof talon_bin) < 0)
		return 1;
	snprintf(name, sizeof name, "crash%d", (int)getpid());
	snprintf(dir, sizeof dir, "/tmp/talon-crash-%d", (int)getpid());
	mkdir(dir, 0700);
	snprintf(cfgpath, sizeof cfgpath, "%s/cfg.json", dir);
	snprintf(dbpath, sizeof dbpath, "%s/journal.db", dir);
	snprintf(logpath, sizeof logpath, "%s/run.log", dir);
	char cwd[PATH_MAX];
	if (!getcwd(cwd, sizeof cwd))
		return 1;
	FILE *f = fopen(cfgpath, "w");
	if (!f)
		return 1;
	fprintf(f,
		"{\"engine\": {\"name\": \"%s\", \"idle\": \"sleep\", \"idle_us\": 100, \"snapshot_hz\": 50},\n"
		" \"io\": {\"idle\": \"sleep\", \"idle_us\": 100},\n"
		" \"kernel\": {\"order_capacity\": 4096, \"client_id_prefix\": \"c\", \"id_block\": 100},\n"
		" \"risk\": {\"orders_per_10s\": 0, \"orders_per_min\": 0},\n"
		" \"symbols\": {\"exchange_info\": \"%s/config/exchange_info.json\", "
		"\"only\": [\"BTCUSDT\", \"ETHUSDT\"]},\n"
		" \"venue\": {\"type\": \"paper\", \"paper\": {\"latency_ms\": 1, \"mark_interval_ms\": 50}},\n"
		" \"journal\": {\"path\": \"%s\"}}\n",
		name, cwd, dbpath);
	fclose(f);
	return 0;
}

static int suite_clean(void)
{
	char cmd[256];
	snprintf(cmd, sizeof cmd, "rm -rf %s /dev/shm/talon.%s", dir, name);
	if (!getenv("TL_KEEP"))
		(void)!system(cmd);
	return 0;
}

static void test_kill9_twenty_times_nothing_lost_nothing_doubled(void)
{
	int64_t committed = 0;
	uint64_t sum = 0;
	int liquidated_run = 7;
	for (int i = 0; i < KILLS; i++) {
		pid_t pid = start_engine("300");
		CU_ASSERT_TRUE_FATAL(wait_up());
		/* Everything committed before the last kill is still there. */
		if (committed > 0)
			CU_ASSERT_EQUAL(db_checksum(committed), sum);
		if (i == liquidated_run) {
			nap_ms(300);
			CU_ASSERT_EQUAL(run_talon("ctl", "--engine", name, "liquidate",
						  "--reason", "crash-test", NULL), 0);
		}
		nap_ms(100 + (long)rnd(900));
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		committed = db_count();
		CU_ASSERT(committed > 0);
		sum = db_checksum(committed);
		if (i == liquidated_run) {
			/* Restarted after a liquidation: PAUSED, never NORMAL. */
			pid_t p2 = start_engine(NULL);
			CU_ASSERT_TRUE_FATAL(wait_up());
			CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"state\":\"PAUSED\""));
			CU_ASSERT_EQUAL(run_talon("ctl", "--engine", name, "resume", NULL), 0);
			nap_ms(200);
			kill(p2, SIGTERM);
			waitpid(p2, NULL, 0);
			committed = db_count();
			sum = db_checksum(committed);
		}
	}
	/* A last clean session: it recovers, trades a little, stops cleanly. */
	pid_t pid = start_engine("100");
	CU_ASSERT_TRUE_FATAL(wait_up());
	CU_ASSERT_EQUAL(db_checksum(committed), sum);
	nap_ms(500);
	kill(pid, SIGTERM);
	int st = 0;
	waitpid(pid, &st, 0);
	CU_ASSERT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0);

	/* Sessions: one RESTART input per restart. */
	CU_ASSERT(db_int("SELECT count(*) FROM journal WHERE dir = 0 AND type_name = 'RESTART'") >=
		  KILLS);
	/* No client id used for two orders. */
	CU_ASSERT_EQUAL(db_int("SELECT count(*) FROM (SELECT client_id FROM events WHERE "
			       "type = 'ORDER_SUBMITTED' GROUP BY client_id HAVING count(*) > 1)"), 0);
	CU_ASSERT(db_int("SELECT count(*) FROM events WHERE type = 'ORDER_SUBMITTED'") > 100);
	/* The whole multi-session journal replays to the stored state. */
	int rc = run_talon("replay", dbpath, "-c", cfgpath, "--verify", NULL);
	if (rc != 0)
		fprintf(stderr, "replay --verify: %s\n", out);
	CU_ASSERT_EQUAL(rc, 0);
}

TL_TEST_SUITE("persist.crash", suite_init, suite_clean,
	      TL_TEST(test_kill9_twenty_times_nothing_lost_nothing_doubled));
