/*
 * test_run_log.c - `talon run`'s log as an operator meets it (paper
 * venue, journal on):
 *   - log.format json + log.file: every line of the file parses (cJSON)
 *     with ts, level and msg, nothing on stderr; an order's events carry
 *     their keys; after rename + SIGHUP the next lines land in a new file
 *     at the path, the renamed one is closed (/proc/<pid>/fd), and the
 *     engine trades on;
 *   - text on stderr: every line starts with the time and the level, and
 *     a SIGHUP with no file to reopen neither stops nor kills it;
 *   - a bad log.format, or a log.file it cannot open: refused at start,
 *     by name, before anything trades.
 */
#include "tests/support/tl_test.h"
#include "tests/support/subproc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cJSON.h>

static char talon_bin[PATH_MAX];
static char dir[64], name[64], cfgpath[128], logpath[128], moved[128], errpath[128];
static char out[65536];
static char text[1 << 18];
static pid_t engine_pid;

#define talon(...) tl_test_runv(out, sizeof out, 0, talon_bin, __VA_ARGS__)

static void nap_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

static const char *slurp(const char *p)
{
	text[0] = '\0';
	FILE *f = fopen(p, "r");
	if (!f)
		return text;
	size_t n = fread(text, 1, sizeof text - 1, f);
	text[n] = '\0';
	fclose(f);
	return text;
}

/* Wait up to 30 s for needle in the file at p. */
static bool wait_for(const char *p, const char *needle)
{
	for (int i = 0; i < 600; i++) {
		if (strstr(slurp(p), needle))
			return true;
		nap_ms(50);
	}
	fprintf(stderr, "%s lacks \"%s\":\n%s\n", p, needle, text);
	return false;
}

/* The config: paper venue, a journal, and the given log section. */
static void write_cfg(const char *log)
{
	char more[512];
	snprintf(more, sizeof more, ",\n \"journal\": {\"path\": \"%s/j.db\"},\n \"log\": %s",
		 dir, log);
	CU_ASSERT_EQUAL_FATAL(tl_test_paper_cfg(cfgpath, name, "", more), 0);
}

/* Start `talon run` (stdout and stderr into errpath); true once ctl
 * sees it alive. */
static bool run_start(void)
{
	engine_pid = tl_test_talon_start(talon_bin, cfgpath, errpath, 120);
	return engine_pid > 0 &&
	       tl_test_ctl_until(talon_bin, "--engine", name, "\"alive\":true", 400, out,
				 sizeof out);
}

/* A market buy, retried while the venue has no mark yet. */
static void buy(void)
{
	CU_ASSERT_EQUAL(tl_test_ctl_buy(talon_bin, "--engine", name, "BTCUSDT", "0.010", 200, out,
					sizeof out), 0);
}

/* SIGTERM; true when it exited 0 in time. */
static bool run_stop(void)
{
	if (kill(engine_pid, SIGTERM) != 0)
		return false;
	int st = 0;
	for (int i = 0; i < 600; i++) {
		if (waitpid(engine_pid, &st, WNOHANG) == engine_pid) {
			engine_pid = 0;
			return WIFEXITED(st) && WEXITSTATUS(st) == 0;
		}
		nap_ms(50);
	}
	return false;
}

/* Does any descriptor of pid name the file p? */
static bool holds_open(pid_t pid, const char *p)
{
	char fdd[64], link[384], target[PATH_MAX];
	snprintf(fdd, sizeof fdd, "/proc/%d/fd", (int)pid);
	DIR *d = opendir(fdd);
	if (!d)
		return false;
	bool found = false;
	struct dirent *e;
	while ((e = readdir(d)) && !found) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(link, sizeof link, "%s/%s", fdd, e->d_name);
		ssize_t n = readlink(link, target, sizeof target - 1);
		if (n > 0) {
			target[n] = '\0';
			found = strcmp(target, p) == 0;
		}
	}
	closedir(d);
	return found;
}

/* Every line of the file at p: a JSON object with ts, level and msg.
 * Returns the lines; counts those whose event is ev into *n_ev. */
static int all_json(const char *p, const char *ev, int *n_ev)
{
	char *s = strdup(slurp(p));
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	int lines = 0;
	*n_ev = 0;
	for (char *l = s, *nl; *l; l = nl + 1) {
		nl = strchr(l, '\n');
		CU_ASSERT_PTR_NOT_NULL_FATAL(nl);	/* whole lines only */
		*nl = '\0';
		lines++;
		cJSON *o = cJSON_Parse(l);
		if (!o) {
			fprintf(stderr, "%s: not JSON: %s\n", p, l);
			CU_FAIL("a log line is not JSON");
			continue;
		}
		const cJSON *ts = cJSON_GetObjectItemCaseSensitive(o, "ts");
		const cJSON *lv = cJSON_GetObjectItemCaseSensitive(o, "level");
		const cJSON *msg = cJSON_GetObjectItemCaseSensitive(o, "msg");
		CU_ASSERT(cJSON_IsString(ts) && strlen(ts->valuestring) == 24 &&
			  ts->valuestring[10] == 'T' && ts->valuestring[23] == 'Z');
		CU_ASSERT(cJSON_IsString(lv) &&
			  (!strcmp(lv->valuestring, "INFO") || !strcmp(lv->valuestring, "WARN") ||
			   !strcmp(lv->valuestring, "ERROR") || !strcmp(lv->valuestring, "DEBUG")));
		CU_ASSERT(cJSON_IsString(msg) && msg->valuestring[0]);
		const cJSON *e = cJSON_GetObjectItemCaseSensitive(o, "event");
		if (cJSON_IsString(e) && !strcmp(e->valuestring, ev)) {
			(*n_ev)++;
			const cJSON *sym = cJSON_GetObjectItemCaseSensitive(o, "symbol");
			const cJSON *cl = cJSON_GetObjectItemCaseSensitive(o, "client_id");
			CU_ASSERT(cJSON_IsString(sym) && !strcmp(sym->valuestring, "BTCUSDT"));
			CU_ASSERT(cJSON_IsString(cl) && cl->valuestring[0]);
		}
		cJSON_Delete(o);
	}
	free(s);
	return lines;
}

static void test_json_file_reopened_on_sighup(void)
{
	write_cfg("{\"format\": \"json\", \"file\": \"talon.log\"}");	/* beside the config */
	CU_ASSERT_TRUE_FATAL(run_start());
	buy();
	CU_ASSERT_TRUE(wait_for(logpath, "\"event\":\"ORDER_FILLED\""));

	/* logrotate's way: rename, then HUP */
	CU_ASSERT_EQUAL_FATAL(rename(logpath, moved), 0);
	CU_ASSERT_EQUAL_FATAL(kill(engine_pid, SIGHUP), 0);
	CU_ASSERT_TRUE(wait_for(logpath, "log: reopened "));
	CU_ASSERT_FALSE(holds_open(engine_pid, moved));
	CU_ASSERT_TRUE(holds_open(engine_pid, logpath));
	CU_ASSERT_PTR_NOT_NULL(strstr(slurp(moved), "log: reopening "));
	buy();
	CU_ASSERT_TRUE(wait_for(logpath, "\"event\":\"ORDER_FILLED\""));
	CU_ASSERT_TRUE_FATAL(run_stop());

	int fills_old = 0, fills_new = 0;
	CU_ASSERT(all_json(moved, "ORDER_FILLED", &fills_old) >= 3);
	CU_ASSERT(all_json(logpath, "ORDER_FILLED", &fills_new) >= 3);
	CU_ASSERT_EQUAL(fills_old, 1);
	CU_ASSERT_EQUAL(fills_new, 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(slurp(moved), "running (pid"));
	CU_ASSERT_PTR_NOT_NULL(strstr(slurp(logpath), "final: state NORMAL"));
	CU_ASSERT_STRING_EQUAL(slurp(errpath), "");	/* the file has it all */
	struct stat st;
	CU_ASSERT_EQUAL(stat(logpath, &st), 0);
	CU_ASSERT_EQUAL(st.st_mode & 0137, 0);
}

/* "2026-12-07T12:00:00.123Z INFO  ..." */
static bool text_line_ok(const char *l)
{
	static const char pat[] = "dddd-dd-ddTdd:dd:dd.dddZ ";
	for (size_t i = 0; i < sizeof pat - 1; i++)
		if (pat[i] == 'd' ? (l[i] < '0' || l[i] > '9') : l[i] != pat[i])
			return false;
	return !strncmp(l + 25, "INFO  ", 6) || !strncmp(l + 25, "WARN  ", 6) ||
	       !strncmp(l + 25, "ERROR ", 6) || !strncmp(l + 25, "DEBUG ", 6);
}

static void test_text_stderr_every_line_timed(void)
{
	write_cfg("{\"level\": \"info\"}");
	CU_ASSERT_TRUE_FATAL(run_start());
	buy();
	CU_ASSERT_TRUE(wait_for(errpath, "ORDER_FILLED BTCUSDT"));
	/* nothing to reopen: said, and it runs on */
	CU_ASSERT_EQUAL_FATAL(kill(engine_pid, SIGHUP), 0);
	CU_ASSERT_TRUE(wait_for(errpath, "nothing to reopen"));
	CU_ASSERT_EQUAL(talon("ctl", "--engine", name, "status", "--json", NULL), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"alive\":true"));
	CU_ASSERT_TRUE_FATAL(run_stop());
	char *s = strdup(slurp(errpath));
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	int lines = 0;
	for (char *l = s, *nl; *l; l = nl + 1) {
		nl = strchr(l, '\n');
		CU_ASSERT_PTR_NOT_NULL_FATAL(nl);
		*nl = '\0';
		lines++;
		if (!text_line_ok(l)) {
			fprintf(stderr, "no time or level: %s\n", l);
			CU_FAIL("a line without a time or a level");
		}
	}
	free(s);
	CU_ASSERT(lines >= 5);
}

static void test_bad_log_settings_refused_at_start(void)
{
	write_cfg("{\"format\": \"yaml\"}");
	CU_ASSERT_EQUAL(tl_test_runv(out, sizeof out, 1, talon_bin, "run", "-c", cfgpath,
				     "--duration", "1", NULL), 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "log.format: expected one of \"text\", \"json\", "
				      "got \"yaml\""));
	CU_ASSERT_PTR_NULL(strstr(out, "running"));

	write_cfg("{\"file\": \"no/such/dir/talon.log\"}");
	CU_ASSERT_EQUAL(tl_test_runv(out, sizeof out, 1, talon_bin, "run", "-c", cfgpath,
				     "--duration", "1", NULL), 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "talon run: "));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "/no/such/dir/talon.log\": cannot open for "
				      "appending: No such file or directory"));
	CU_ASSERT_PTR_NULL(strstr(out, "running"));

	write_cfg("{\"file\": \".\"}");	/* the config's directory itself */
	CU_ASSERT_EQUAL(tl_test_runv(out, sizeof out, 1, talon_bin, "run", "-c", cfgpath,
				     "--duration", "1", NULL), 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "Is a directory"));
}

static void each_setup(void)
{
	if (tl_test_talon_path(talon_bin, sizeof talon_bin) < 0)
		tl_test_skip("no talon binary in this build");
	snprintf(dir, sizeof dir, "/tmp/tl-runlog-XXXXXX");
	if (!mkdtemp(dir))
		abort();
	static int n;
	snprintf(name, sizeof name, "rl%d_%d", (int)getpid(), n++);
	snprintf(cfgpath, sizeof cfgpath, "%s/talon.json", dir);
	snprintf(logpath, sizeof logpath, "%s/talon.log", dir);
	snprintf(moved, sizeof moved, "%s/talon.log.1", dir);
	snprintf(errpath, sizeof errpath, "%s/stderr.txt", dir);
}

static void each_teardown(void)
{
	if (engine_pid > 0) {
		kill(engine_pid, SIGKILL);
		waitpid(engine_pid, NULL, 0);
		engine_pid = 0;
	}
	if (getenv("TL_TEST_VERBOSE"))
		fprintf(stderr, "%s\n", slurp(errpath));
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
}

TL_TEST_SUITE("runtime.run_log", each_setup, each_teardown,
	      TL_TEST(test_json_file_reopened_on_sighup),
	      TL_TEST(test_text_stderr_every_line_timed),
	      TL_TEST(test_bad_log_settings_refused_at_start));
