/*
 * top_events.c - the events tail of `talon top` (top_events.h).
 */
#include "cli/top_events.h"

#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

/* Short: the screen refreshes a few times a second and must not stall
 * behind a checkpoint; a busy poll is simply retried at the next one. */
#define TOPEV_BUSY_MS 50

/* The newest TL_TOPEV_KEEP rows after ?1, newest first (reversed into
 * the ring), so a burst between two polls costs one bounded read. */
static const char topev_sql[] =
	"SELECT id, time_ns, type, priority, symbol, client_id, text FROM events"
	" WHERE id > ?1 ORDER BY id DESC LIMIT ?2";

void tl_topev_init(tl_topev_t *e, const char *path)
{
	memset(e, 0, sizeof *e);
	snprintf(e->path, sizeof e->path, "%s", path ? path : "");
	if (!e->path[0])
		snprintf(e->status, sizeof e->status,
			 "no events: the config has no journal.path");
}

void tl_topev_close(tl_topev_t *e)
{
	if (e->db)
		sqlite3_close_v2(e->db);
	e->db = NULL;
}

/* A column as printable ASCII in out (size cap), "" for NULL. */
static void topev_text(sqlite3_stmt *st, int col, char *out, size_t cap)
{
	const unsigned char *s = sqlite3_column_text(st, col);
	int n = sqlite3_column_bytes(st, col);
	size_t k = 0;

	for (int i = 0; s && i < n && k + 1 < cap; i++)
		out[k++] = s[i] >= 0x20 && s[i] < 0x7f ? (char)s[i] : '?';
	out[k] = '\0';
}

static void topev_fail(tl_topev_t *e, const char *what)
{
	snprintf(e->status, sizeof e->status, "no events: %s: %.80s", e->path, what);
	tl_topev_close(e);
}

/* Open the journal read-only unless the connection still reads the file
 * at path. false (status set) when there is nothing to read. */
static bool topev_open(tl_topev_t *e)
{
	struct stat sb;
	sqlite3 *db = NULL;

	if (stat(e->path, &sb) != 0) {
		topev_fail(e, errno == ENOENT ? "not there (yet)" : strerror(errno));
		return false;
	}
	if (!S_ISREG(sb.st_mode)) {
		topev_fail(e, "not a regular file");
		return false;
	}
	if (e->db && sb.st_dev == e->dev && sb.st_ino == e->ino)
		return true;
	/* A new file under the path: its ids start again. */
	tl_topev_close(e);
	e->n = e->head = 0;
	e->last_id = 0;
	if (sqlite3_open_v2(e->path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		topev_fail(e, db ? sqlite3_errmsg(db) : "out of memory");
		sqlite3_close_v2(db);
		return false;
	}
	sqlite3_busy_timeout(db, TOPEV_BUSY_MS);
	e->db = db;
	e->dev = sb.st_dev;
	e->ino = sb.st_ino;
	return true;
}

static void topev_push(tl_topev_t *e, const tl_topev_line_t *l)
{
	if (e->n < TL_TOPEV_KEEP) {
		e->ring[(e->head + e->n) % TL_TOPEV_KEEP] = *l;
		e->n++;
	} else {
		e->ring[e->head] = *l;
		e->head = (e->head + 1) % TL_TOPEV_KEEP;
	}
}

void tl_topev_poll(tl_topev_t *e)
{
	static tl_topev_line_t got[TL_TOPEV_KEEP];
	sqlite3_stmt *st = NULL;
	unsigned n = 0;
	int rc;

	if (!e->path[0] || !topev_open(e))
		return;
	rc = sqlite3_prepare_v2(e->db, topev_sql, -1, &st, NULL);
	if (rc != SQLITE_OK) {
		/* busy while the writer holds its lock: not an error */
		if (rc != SQLITE_BUSY && rc != SQLITE_LOCKED)
			topev_fail(e, sqlite3_errmsg(e->db));
		sqlite3_finalize(st);
		return;
	}
	sqlite3_bind_int64(st, 1, e->last_id);
	sqlite3_bind_int(st, 2, TL_TOPEV_KEEP);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && n < TL_TOPEV_KEEP) {
		tl_topev_line_t *l = &got[n++];

		l->id = sqlite3_column_int64(st, 0);
		l->time_ns = sqlite3_column_int64(st, 1);
		l->priority = sqlite3_column_int(st, 3);
		topev_text(st, 2, l->type, sizeof l->type);
		topev_text(st, 4, l->symbol, sizeof l->symbol);
		topev_text(st, 5, l->client_id, sizeof l->client_id);
		topev_text(st, 6, l->text, sizeof l->text);
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		if (rc != SQLITE_BUSY && rc != SQLITE_LOCKED)
			topev_fail(e, sqlite3_errmsg(e->db));
		sqlite3_finalize(st);
		return;	/* nothing kept: the next poll reads them again */
	}
	sqlite3_finalize(st);
	e->status[0] = '\0';
	while (n > 0) {
		topev_push(e, &got[--n]);
		e->last_id = got[n].id;
	}
}

const tl_topev_line_t *tl_topev_get(const tl_topev_t *e, unsigned i)
{
	return &e->ring[(e->head + i) % TL_TOPEV_KEEP];
}
