/*
 * events.c - the journal's events table as JSON (see events.h).
 */
#define _GNU_SOURCE
#include "mon/events.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <sqlite3.h>

#include "mon/snapjson.h"

struct tl_mon_events {
	char *path;
	sqlite3 *db;
	sqlite3_stmt *q;
	sqlite3_stmt *tail;            /* the id `limit` rows from the end */
};

tl_mon_events_t *tl_mon_events_new(const char *path)
{
	tl_mon_events_t *e = calloc(1, sizeof *e);

	if (e && !(e->path = strdup(path))) {
		free(e);
		return NULL;
	}
	return e;
}

static void ev_close(tl_mon_events_t *e)
{
	sqlite3_finalize(e->q);
	sqlite3_finalize(e->tail);
	sqlite3_close(e->db);
	e->q = NULL;
	e->tail = NULL;
	e->db = NULL;
}

void tl_mon_events_free(tl_mon_events_t *e)
{
	if (!e)
		return;
	ev_close(e);
	free(e->path);
	free(e);
}

/* Open the journal read-only and prepare the query; a file that is not
 * there is not created (SQLITE_OPEN_READONLY never creates). */
static int ev_open(tl_mon_events_t *e, char *err, size_t errlen)
{
	struct stat st;

	if (e->q)
		return 0;
	if (stat(e->path, &st) != 0) {
		snprintf(err, errlen, "journal %s: %s (the engine creates it when it starts)",
			 e->path, strerror(errno));
		return -1;
	}
	if (sqlite3_open_v2(e->path, &e->db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "journal %s: cannot open: %s", e->path,
			 e->db ? sqlite3_errmsg(e->db) : "out of memory");
		ev_close(e);
		return -1;
	}
	/* The server answers one request at a time: wait for a writer's
	 * checkpoint briefly, not for seconds. */
	sqlite3_busy_timeout(e->db, 250);
	if (sqlite3_prepare_v2(e->db,
			       "SELECT id, seq, cause_seq, time_ns, type, priority, symbol,"
			       " client_id, text FROM events WHERE id > ?1 ORDER BY id"
			       " LIMIT ?2", -1, &e->q, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(e->db,
			       "SELECT id FROM events ORDER BY id DESC LIMIT 1 OFFSET ?1",
			       -1, &e->tail, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "journal %s: no events table (%s)", e->path,
			 sqlite3_errmsg(e->db));
		ev_close(e);
		return -1;
	}
	return 0;
}

/* A text column as a JSON string, or null (NULL or ""). */
static void ev_text(FILE *f, sqlite3_stmt *q, int col)
{
	tl_snapjson_str_or_null(f, (const char *)sqlite3_column_text(q, col));
}

/* time_ns as "YYYY-MM-DDTHH:MM:SS.mmmZ" (null when not a time). */
static void ev_time(FILE *f, int64_t ns)
{
	time_t t = (time_t)(ns / 1000000000);
	char buf[40];
	struct tm tm;

	if (ns <= 0 || !gmtime_r(&t, &tm) ||
	    strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm) == 0) {
		fputs("null", f);
		return;
	}
	fprintf(f, "\"%s.%03dZ\"", buf, (int)(ns % 1000000000 / 1000000));
}

int tl_mon_events_json(tl_mon_events_t *e, FILE *f, int64_t since, int limit,
		       char *err, size_t errlen)
{
	int64_t next = since;
	int rc, n = 0;

	if (ev_open(e, err, errlen) < 0)
		return -1;
	if (since < 0) {
		/* the last `limit` rows: from before the limit-th newest (the
		 * table's ids need not be dense) */
		sqlite3_reset(e->tail);
		sqlite3_bind_int(e->tail, 1, limit - 1);
		rc = sqlite3_step(e->tail);
		since = rc == SQLITE_ROW ? sqlite3_column_int64(e->tail, 0) - 1 : 0;
		sqlite3_reset(e->tail);
		if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
			snprintf(err, errlen, "journal %s: reading events: %s", e->path,
				 sqlite3_errmsg(e->db));
			ev_close(e);
			return -1;
		}
		next = since;
	}
	sqlite3_reset(e->q);
	sqlite3_bind_int64(e->q, 1, since);
	sqlite3_bind_int(e->q, 2, limit);
	fputs("{\"events\":[", f);
	while ((rc = sqlite3_step(e->q)) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(e->q, 0);

		fprintf(f, "%s{\"id\":%lld,\"seq\":%lld,\"cause_seq\":%lld,\"time_ns\":%lld,"
			"\"time\":", n++ ? "," : "", (long long)id,
			(long long)sqlite3_column_int64(e->q, 1),
			(long long)sqlite3_column_int64(e->q, 2),
			(long long)sqlite3_column_int64(e->q, 3));
		ev_time(f, sqlite3_column_int64(e->q, 3));
		fputs(",\"type\":", f);
		ev_text(f, e->q, 4);
		fprintf(f, ",\"priority\":%d,\"symbol\":", sqlite3_column_int(e->q, 5));
		ev_text(f, e->q, 6);
		fputs(",\"client_id\":", f);
		ev_text(f, e->q, 7);
		fputs(",\"text\":", f);
		ev_text(f, e->q, 8);
		fputc('}', f);
		next = id;
	}
	sqlite3_reset(e->q);
	if (rc != SQLITE_DONE) {
		snprintf(err, errlen, "journal %s: reading events: %s", e->path,
			 sqlite3_errstr(rc));
		/* a journal replaced under us (a new engine run) is opened
		 * again next time */
		ev_close(e);
		return -1;
	}
	fprintf(f, "],\"next\":%lld}\n", (long long)next);
	return 0;
}

int tl_mon_events_parse_u63(const char *s, int64_t max, int64_t *out)
{
	int64_t v = 0;
	size_t n = strlen(s);

	if (n == 0 || n > 19)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		if (v > (max - (s[i] - '0')) / 10)
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}
