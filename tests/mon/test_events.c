/*
 * test_events.c - the monitor's pieces without a server: the listen
 * address rule (mon/server.h), the query numbers and the journal's
 * events as JSON (mon/events.h) from a journal written here.
 */
#include "tests/support/tl_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "mon/events.h"
#include "mon/server.h"

static char dbpath[96];

static void test_listen_addresses(void)
{
	char ip[16], err[256];
	bool lo = false;
	int port = -1;

	CU_ASSERT_EQUAL(tl_mon_parse_listen("127.0.0.1:9464", ip, sizeof ip, &port, &lo,
					    err, sizeof err), 0);
	CU_ASSERT_STRING_EQUAL(ip, "127.0.0.1");
	CU_ASSERT_EQUAL(port, 9464);
	CU_ASSERT_TRUE(lo);
	CU_ASSERT_EQUAL(tl_mon_parse_listen("localhost:0", ip, sizeof ip, &port, &lo, err,
					    sizeof err), 0);
	CU_ASSERT_STRING_EQUAL(ip, "127.0.0.1");
	CU_ASSERT_EQUAL(port, 0);
	CU_ASSERT_TRUE(lo);
	CU_ASSERT_EQUAL(tl_mon_parse_listen("127.8.9.10:65535", ip, sizeof ip, &port, &lo,
					    err, sizeof err), 0);
	CU_ASSERT_TRUE(lo);
	CU_ASSERT_EQUAL(tl_mon_parse_listen("0.0.0.0:80", ip, sizeof ip, &port, &lo, err,
					    sizeof err), 0);
	CU_ASSERT_FALSE(lo);
	CU_ASSERT_EQUAL(tl_mon_parse_listen("10.1.2.3:9464", ip, sizeof ip, &port, &lo, err,
					    sizeof err), 0);
	CU_ASSERT_FALSE(lo);
	const char *bad[] = { "", ":80", "127.0.0.1", "127.0.0.1:", "127.0.0.1:65536",
			      "127.0.0.1:-1", "127.0.0.1:8o", "127.0.0.1:000080x",
			      "example.com:80", "[::1]:80", "127.0.0.1:1:2", "256.0.0.1:80" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		int rc = tl_mon_parse_listen(bad[i], ip, sizeof ip, &port, &lo, err, sizeof err);
		if (rc != -1)
			fprintf(stderr, "accepted '%s'\n", bad[i]);
		CU_ASSERT_EQUAL(rc, -1);
	}
}

static void test_query_numbers(void)
{
	int64_t v = -1;

	CU_ASSERT_EQUAL(tl_mon_events_parse_u63("0", 1000, &v), 0);
	CU_ASSERT_EQUAL(v, 0);
	CU_ASSERT_EQUAL(tl_mon_events_parse_u63("1000", 1000, &v), 0);
	CU_ASSERT_EQUAL(v, 1000);
	CU_ASSERT_EQUAL(tl_mon_events_parse_u63("1001", 1000, &v), -1);
	CU_ASSERT_EQUAL(tl_mon_events_parse_u63("9223372036854775807", INT64_MAX, &v), 0);
	CU_ASSERT_EQUAL(v, INT64_MAX);
	CU_ASSERT_EQUAL(tl_mon_events_parse_u63("9223372036854775808", INT64_MAX, &v), -1);
	CU_ASSERT_EQUAL(tl_mon_events_parse_u63("", INT64_MAX, &v), -1);
	CU_ASSERT_EQUAL(tl_mon_events_parse_u63("-1", INT64_MAX, &v), -1);
	CU_ASSERT_EQUAL(tl_mon_events_parse_u63("+1", INT64_MAX, &v), -1);
	CU_ASSERT_EQUAL(tl_mon_events_parse_u63("1e3", INT64_MAX, &v), -1);
	CU_ASSERT_EQUAL(tl_mon_events_parse_u63(" 1", INT64_MAX, &v), -1);
}

/* The events table as persist/journal.c creates it, three rows; the
 * third's text holds a quote, a control byte and a broken UTF-8 byte. */
static int make_journal(void)
{
	sqlite3 *db;
	const char *sql =
		"CREATE TABLE events(id INTEGER PRIMARY KEY, seq INTEGER,"
		" cause_seq INTEGER, time_ns INTEGER, type TEXT, priority INTEGER,"
		" symbol TEXT, client_id TEXT, text TEXT);"
		"INSERT INTO events VALUES(1, 10, 9, 1796647046983279941, 'ORDER_SUBMITTED',"
		" 5, 'BTCUSDT', 'tl-1', NULL);"
		"INSERT INTO events VALUES(2, 12, 11, 1796647046984547800, 'ORDER_FILLED',"
		" 7, 'BTCUSDT', 'tl-1', '');"
		"INSERT INTO events VALUES(5, 20, 0, 0, 'RECONCILE_ORPHAN', 9, NULL, NULL,"
		" 'say \"hi\"' || char(1) || cast(x'ff' as text));";

	snprintf(dbpath, sizeof dbpath, "/tmp/talon-mon-events-%d.db", (int)getpid());
	unlink(dbpath);
	if (sqlite3_open(dbpath, &db) != SQLITE_OK)
		return 1;
	int rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
	sqlite3_close(db);
	return rc != SQLITE_OK;
}

static int suite_init(void)
{
	return make_journal();
}

static int suite_clean(void)
{
	unlink(dbpath);
	return 0;
}

/* Run one query into a string (the caller frees). */
static char *events(tl_mon_events_t *e, int64_t since, int limit, int *rc, char *err,
		    size_t errlen)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	*rc = tl_mon_events_json(e, f, since, limit, err, errlen);
	fclose(f);
	return buf;
}

static void test_events_json(void)
{
	tl_mon_events_t *e = tl_mon_events_new(dbpath);
	char err[256];
	int rc;

	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	char *s = events(e, 0, 100, &rc, err, sizeof err);
	CU_ASSERT_EQUAL(rc, 0);
	CU_ASSERT_STRING_EQUAL(s,
		"{\"events\":["
		"{\"id\":1,\"seq\":10,\"cause_seq\":9,\"time_ns\":1796647046983279941,"
		"\"time\":\"2026-12-07T12:37:26.983Z\",\"type\":\"ORDER_SUBMITTED\","
		"\"priority\":5,\"symbol\":\"BTCUSDT\",\"client_id\":\"tl-1\",\"text\":null},"
		"{\"id\":2,\"seq\":12,\"cause_seq\":11,\"time_ns\":1796647046984547800,"
		"\"time\":\"2026-12-07T12:37:26.984Z\",\"type\":\"ORDER_FILLED\","
		"\"priority\":7,\"symbol\":\"BTCUSDT\",\"client_id\":\"tl-1\",\"text\":null},"
		"{\"id\":5,\"seq\":20,\"cause_seq\":0,\"time_ns\":0,\"time\":null,"
		"\"type\":\"RECONCILE_ORPHAN\",\"priority\":9,\"symbol\":null,"
		"\"client_id\":null,\"text\":\"say \\\"hi\\\"\\u0001\\ufffd\"}"
		"],\"next\":5}\n");
	free(s);
	/* since and limit: from id 1, one row; past the end, none and next
	 * stays where it was */
	s = events(e, 1, 1, &rc, err, sizeof err);
	CU_ASSERT_EQUAL(rc, 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(s, "{\"events\":[{\"id\":2,"));
	CU_ASSERT_PTR_NOT_NULL(strstr(s, "],\"next\":2}\n"));
	free(s);
	s = events(e, 5, 100, &rc, err, sizeof err);
	CU_ASSERT_EQUAL(rc, 0);
	CU_ASSERT_STRING_EQUAL(s, "{\"events\":[],\"next\":5}\n");
	free(s);
	tl_mon_events_free(e);
}

/* A journal that is not there is an error naming it, and is not
 * created: the reader never writes. */
static void test_missing_journal(void)
{
	char path[128], err[256];
	int rc;

	snprintf(path, sizeof path, "%s.missing", dbpath);
	tl_mon_events_t *e = tl_mon_events_new(path);
	char *s = events(e, 0, 10, &rc, err, sizeof err);
	CU_ASSERT_EQUAL(rc, -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, path));
	CU_ASSERT_EQUAL(access(path, F_OK), -1);
	free(s);
	tl_mon_events_free(e);
}

TL_TEST_SUITE("mon.events", suite_init, suite_clean,
	      TL_TEST(test_listen_addresses),
	      TL_TEST(test_query_numbers),
	      TL_TEST(test_events_json),
	      TL_TEST(test_missing_journal));
