/*
 * test_log.c - the log's lines (runtime/log.h), in process: JSON lines
 * parse (cJSON) with ts, level and msg, hostile text round-trips, events
 * carry their keys; text lines start with the time and the level and
 * stay one line; the level filter; a file log appends, refuses a path it
 * cannot open (and keeps logging where it did), and a reopen after a
 * rename puts the next lines in a new file at the same path.
 */
#include "tests/support/tl_test.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cJSON.h>

#include "runtime/log.h"

static char dir[64], path[128], moved[128];
static char buf[1 << 16];

static void each_setup(void)
{
	snprintf(dir, sizeof dir, "/tmp/tl-log-XXXXXX");
	if (!mkdtemp(dir))
		abort();
	snprintf(path, sizeof path, "%s/talon.log", dir);
	snprintf(moved, sizeof moved, "%s/talon.log.1", dir);
}

static void each_teardown(void)
{
	char cmd[128];
	tl_log_close_file();
	tl_log_set_format(TL_LOG_TEXT);
	tl_log_set_level(TL_LOG_INFO);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
}

/* The file's text into buf ("" when absent). */
static const char *slurp(const char *p)
{
	buf[0] = '\0';
	FILE *f = fopen(p, "r");
	if (!f)
		return buf;
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* "2026-12-07T12:00:00.123Z": digits where digits go. */
static bool is_ts(const char *s, size_t len)
{
	static const char pat[] = "dddd-dd-ddTdd:dd:dd.dddZ";
	if (len != sizeof pat - 1)
		return false;
	for (size_t i = 0; i < len; i++)
		if (pat[i] == 'd' ? (s[i] < '0' || s[i] > '9') : s[i] != pat[i])
			return false;
	return true;
}

/* The next line of *p as a parsed JSON object with a ts, a level and a
 * msg (NULL, and a failed assertion, otherwise); *p moves past it. */
static cJSON *next_json(const char **p)
{
	const char *nl = strchr(*p, '\n');
	CU_ASSERT_PTR_NOT_NULL_FATAL(nl);
	char line[8192];
	size_t len = (size_t)(nl - *p);
	CU_ASSERT_FATAL(len < sizeof line);
	memcpy(line, *p, len);
	line[len] = '\0';
	*p = nl + 1;
	cJSON *o = cJSON_Parse(line);
	if (!o) {
		fprintf(stderr, "not JSON: %s\n", line);
		CU_FAIL("a line is not JSON");
		return NULL;
	}
	const cJSON *ts = cJSON_GetObjectItemCaseSensitive(o, "ts");
	CU_ASSERT(cJSON_IsString(ts) && is_ts(ts->valuestring, strlen(ts->valuestring)));
	CU_ASSERT(cJSON_IsString(cJSON_GetObjectItemCaseSensitive(o, "level")));
	CU_ASSERT(cJSON_IsString(cJSON_GetObjectItemCaseSensitive(o, "msg")));
	return o;
}

static const char *jstr(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	return cJSON_IsString(v) ? v->valuestring : "(absent)";
}

static void test_json_lines_parse_and_round_trip(void)
{
	char err[256];
	tl_log_set_format(TL_LOG_JSON);
	CU_ASSERT_EQUAL_FATAL(tl_log_open_file(path, err, sizeof err), 0);
	CU_ASSERT_TRUE(tl_log_to_file());
	const char *hostile = "quote \" backslash \\ newline \n tab \t bell \x07 caf\xc3\xa9";
	tl_log(TL_LOG_WARN, "%s", hostile);
	tl_log(TL_LOG_ERROR, "plain %d", 42);

	tl_event_t ev;
	memset(&ev, 0, sizeof ev);
	ev.type = TL_EV_ORDER_FILLED;
	ev.priority = 7;
	snprintf(ev.symbol, sizeof ev.symbol, "BTCUSDT");
	snprintf(ev.u.order.client_id, sizeof ev.u.order.client_id, "tlp42");
	ev.u.order.side = TL_BUY;
	ev.u.order.type = TL_ORD_MARKET;
	ev.u.order.status = TL_ST_FILLED;
	ev.u.order.qty = TL_FX_ONE / 100;
	ev.u.order.filled = TL_FX_ONE / 100;
	ev.u.order.avg_price = 50005 * TL_FX_ONE + TL_FX_ONE / 10;
	ev.u.order.last_qty = TL_FX_ONE / 100;
	ev.u.order.last_price = 50005 * TL_FX_ONE + TL_FX_ONE / 10;
	ev.u.order.user_ref = 7;
	snprintf(ev.text, sizeof ev.text, "venue said \"ok\"\n");
	tl_log_event(&ev);

	memset(&ev, 0, sizeof ev);
	ev.type = TL_EV_TRADING_STATE_CHANGED;
	ev.priority = 10;
	ev.u.state.from = TL_TS_NORMAL;
	ev.u.state.to = TL_TS_PAUSED;
	snprintf(ev.text, sizeof ev.text, "operator");
	tl_log_event(&ev);

	const char *p = slurp(path);
	cJSON *o = next_json(&p);
	if (o) {
		CU_ASSERT_STRING_EQUAL(jstr(o, "level"), "WARN");
		CU_ASSERT_STRING_EQUAL(jstr(o, "msg"), hostile);
		cJSON_Delete(o);
	}
	o = next_json(&p);
	if (o) {
		CU_ASSERT_STRING_EQUAL(jstr(o, "level"), "ERROR");
		CU_ASSERT_STRING_EQUAL(jstr(o, "msg"), "plain 42");
		cJSON_Delete(o);
	}
	o = next_json(&p);
	if (o) {
		CU_ASSERT_STRING_EQUAL(jstr(o, "level"), "INFO");
		CU_ASSERT_PTR_NOT_NULL(strstr(jstr(o, "msg"), "ORDER_FILLED BTCUSDT tlp42 BUY"));
		CU_ASSERT_STRING_EQUAL(jstr(o, "event"), "ORDER_FILLED");
		CU_ASSERT_STRING_EQUAL(jstr(o, "symbol"), "BTCUSDT");
		CU_ASSERT_STRING_EQUAL(jstr(o, "client_id"), "tlp42");
		CU_ASSERT_STRING_EQUAL(jstr(o, "side"), "BUY");
		CU_ASSERT_STRING_EQUAL(jstr(o, "order_type"), "MARKET");
		CU_ASSERT_STRING_EQUAL(jstr(o, "status"), "FILLED");
		CU_ASSERT_STRING_EQUAL(jstr(o, "qty"), "0.01");
		CU_ASSERT_STRING_EQUAL(jstr(o, "avg_price"), "50005.1");
		CU_ASSERT_STRING_EQUAL(jstr(o, "last_price"), "50005.1");
		CU_ASSERT_STRING_EQUAL(jstr(o, "text"), "venue said \"ok\"\n");
		const cJSON *ref = cJSON_GetObjectItemCaseSensitive(o, "user_ref");
		CU_ASSERT(cJSON_IsNumber(ref) && ref->valuedouble == 7);
		CU_ASSERT_PTR_NULL(cJSON_GetObjectItemCaseSensitive(o, "reject"));
		cJSON_Delete(o);
	}
	o = next_json(&p);
	if (o) {
		CU_ASSERT_STRING_EQUAL(jstr(o, "level"), "WARN");	/* priority 10 */
		CU_ASSERT_STRING_EQUAL(jstr(o, "event"), "TRADING_STATE_CHANGED");
		CU_ASSERT_STRING_EQUAL(jstr(o, "from"), "NORMAL");
		CU_ASSERT_STRING_EQUAL(jstr(o, "to"), "PAUSED");
		CU_ASSERT_STRING_EQUAL(jstr(o, "reason"), "operator");
		CU_ASSERT_PTR_NULL(cJSON_GetObjectItemCaseSensitive(o, "symbol"));
		cJSON_Delete(o);
	}
	CU_ASSERT_STRING_EQUAL(p, "");
}

/* Bytes that are not UTF-8 and a message longer than the line: still
 * one parseable object per line. */
static void test_json_survives_bad_bytes_and_long_messages(void)
{
	char err[256], big[3000];
	tl_log_set_format(TL_LOG_JSON);
	CU_ASSERT_EQUAL_FATAL(tl_log_open_file(path, err, sizeof err), 0);
	tl_log(TL_LOG_INFO, "cut \xe2\x82 stray \x80 high \xff end");
	memset(big, '"', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	tl_log(TL_LOG_INFO, "%s", big);
	const char *p = slurp(path);
	cJSON *o = next_json(&p);
	if (o) {
		CU_ASSERT_PTR_NOT_NULL(strstr(jstr(o, "msg"), "stray \xef\xbf\xbd high"));
		cJSON_Delete(o);
	}
	o = next_json(&p);
	if (o) {
		size_t n = strlen(jstr(o, "msg"));
		CU_ASSERT(n > 500 && n < sizeof big);
		cJSON_Delete(o);
	}
	CU_ASSERT_STRING_EQUAL(p, "");
}

static void test_text_lines_have_time_and_level(void)
{
	char err[256];
	CU_ASSERT_EQUAL_FATAL(tl_log_open_file(path, err, sizeof err), 0);
	tl_log(TL_LOG_INFO, "first");
	tl_log(TL_LOG_WARN, "two\nlines");
	tl_log(TL_LOG_DEBUG, "dropped at info");
	tl_log_set_level(TL_LOG_DEBUG);
	tl_log(TL_LOG_DEBUG, "kept at debug");
	const char *t = slurp(path);
	const char *lines[] = { "INFO  first\n", "WARN  two lines\n", "DEBUG kept at debug\n" };
	for (size_t i = 0; i < 3; i++) {
		CU_ASSERT_FATAL(strlen(t) > 25);
		CU_ASSERT(is_ts(t, 24));
		CU_ASSERT_EQUAL(t[24], ' ');
		CU_ASSERT_EQUAL(strncmp(t + 25, lines[i], strlen(lines[i])), 0);
		t = strchr(t, '\n') + 1;
	}
	CU_ASSERT_STRING_EQUAL(t, "");
}

/* Appends (an existing file is kept), mode 0640 at most. */
static void test_file_appends_private(void)
{
	char err[256];
	FILE *f = fopen(path, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs("before\n", f);
	fclose(f);
	CU_ASSERT_EQUAL_FATAL(tl_log_open_file(path, err, sizeof err), 0);
	tl_log(TL_LOG_INFO, "after");
	slurp(path);
	CU_ASSERT_EQUAL(strncmp(buf, "before\n", 7), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "INFO  after\n"));
	unlink(path);
	CU_ASSERT_EQUAL_FATAL(tl_log_open_file(path, err, sizeof err), 0);
	struct stat st;
	CU_ASSERT_EQUAL_FATAL(stat(path, &st), 0);
	CU_ASSERT_EQUAL(st.st_mode & 0137, 0);
}

/* A path it cannot write: refused by name, the log stays where it was. */
static void test_unopenable_file_is_refused(void)
{
	char err[256], bad[160];
	CU_ASSERT_EQUAL_FATAL(tl_log_open_file(path, err, sizeof err), 0);
	snprintf(bad, sizeof bad, "%s/no/such/dir/t.log", dir);
	CU_ASSERT_EQUAL(tl_log_open_file(bad, err, sizeof err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "log.file"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, bad));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "No such file or directory"));
	CU_ASSERT_EQUAL(tl_log_open_file(dir, err, sizeof err), -1);	/* a directory */
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "Is a directory"));
	tl_log(TL_LOG_INFO, "still here");
	CU_ASSERT_PTR_NOT_NULL(strstr(slurp(path), "still here"));
}

/* logrotate without copytruncate: rename, ask, and the next line opens
 * a new file at the path; the old one ends with the reopen's notice. */
static void test_reopen_after_rename(void)
{
	char err[256];
	CU_ASSERT_EQUAL_FATAL(tl_log_open_file(path, err, sizeof err), 0);
	tl_log(TL_LOG_INFO, "line one");
	CU_ASSERT_EQUAL_FATAL(rename(path, moved), 0);
	tl_log(TL_LOG_INFO, "line two");	/* no request yet: still the old file */
	tl_log_request_reopen();
	tl_log(TL_LOG_INFO, "line three");
	slurp(moved);
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "line one"));
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "line two"));
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "log: reopening "));
	CU_ASSERT_PTR_NULL(strstr(buf, "line three"));
	slurp(path);
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "log: reopened "));
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "line three"));
	CU_ASSERT_PTR_NULL(strstr(buf, "line two"));
	/* one request, one reopen */
	tl_log(TL_LOG_INFO, "line four");
	const char *first = strstr(slurp(path), "log: reopened ");
	CU_ASSERT_PTR_NULL(first ? strstr(first + 1, "log: reopened ") : NULL);

	/* the path cannot be opened again (a directory is there now, which
	 * even root cannot append to): said, and the current file kept */
	char moved2[160];
	snprintf(moved2, sizeof moved2, "%s/talon.log.2", dir);
	CU_ASSERT_EQUAL_FATAL(rename(path, moved2), 0);
	CU_ASSERT_EQUAL_FATAL(mkdir(path, 0700), 0);
	tl_log_request_reopen();
	tl_log(TL_LOG_INFO, "line five");
	slurp(moved2);
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "ERROR log: cannot reopen "));
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "line five"));
	rmdir(path);
}

/* A round trip and a strategy tag print their own fields, not an order's
 * ("- ? ? qty=0 ..." read the union as an order). */
static void test_trip_and_strategy_text(void)
{
	tl_event_t ev;
	char buf[512];

	memset(&ev, 0, sizeof ev);
	ev.type = TL_EV_POSITION_ROUND_TRIP;
	snprintf(ev.symbol, sizeof ev.symbol, "BTCUSDT");
	ev.u.trip.pos_side = TL_PS_BOTH;
	ev.u.trip.reason = TL_EXIT_LIQUIDATION;
	ev.u.trip.qty = TL_FX_ONE / 100;
	ev.u.trip.entry = 60022 * TL_FX_ONE;
	ev.u.trip.exit = 60018 * TL_FX_ONE;
	ev.u.trip.realized = -4 * TL_FX_ONE / 100;
	ev.u.trip.commission = 48016320;
	tl_event_format(&ev, buf, sizeof buf);
	CU_ASSERT_STRING_EQUAL(buf, "POSITION_ROUND_TRIP BTCUSDT BOTH position qty=0.01 "
			       "entry=60022 exit=60018 rpnl=-0.04 fee=0.4801632 "
			       "exit_reason=LIQUIDATION");
	ev.u.trip.scope = 1;
	ev.u.trip.strategy = 3;
	tl_event_format(&ev, buf, sizeof buf);
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, " BOTH strategy_row=3 qty=0.01 "));

	memset(&ev, 0, sizeof ev);
	ev.type = TL_EV_STRATEGY_ADDED;
	ev.u.strat.id = 2;
	snprintf(ev.text, sizeof ev.text, "alpha");
	tl_event_format(&ev, buf, sizeof buf);
	CU_ASSERT_STRING_EQUAL(buf, "STRATEGY_ADDED row=2 strategy=\"alpha\"");
}

TL_TEST_SUITE("runtime.log", each_setup, each_teardown,
	      TL_TEST(test_json_lines_parse_and_round_trip),
	      TL_TEST(test_json_survives_bad_bytes_and_long_messages),
	      TL_TEST(test_text_lines_have_time_and_level),
	      TL_TEST(test_file_appends_private),
	      TL_TEST(test_unopenable_file_is_refused),
	      TL_TEST(test_reopen_after_rename),
	      TL_TEST(test_trip_and_strategy_text));
