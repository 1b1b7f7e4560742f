/*
 * journal.c - open (checks, schema), close, scan, meta, synchronous write
 * and the batch commit the PERSIST thread (journal_thread.c) shares.
 *
 * Open, in order (nothing is written before every check has passed):
 *   1. the directory exists, is a directory and is writable;
 *   2. an existing non-empty file opens read-write, passes PRAGMA
 *      quick_check, has a meta table with schema_version <= 1, our engine
 *      name, and record_size 256 / record_version <= ours;
 *   3. only then: WAL, synchronous, busy_timeout; a fresh file gets the
 *      whole schema in one transaction.
 *
 * Schema version 1 is documented in docs/journal.md; change both together
 * and bump TL_JOURNAL_SCHEMA_VERSION.
 */
#define _GNU_SOURCE
#include "persist/journal_int.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

uint64_t tl_journal_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

uint64_t tl_journal_mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* ---- schema version 1 ---------------------------------------------------- */

/* Exact decimal TEXT -> integer units of 1e-8 ("-0.5" -> -50000000), and
 * back to the shortest decimal TEXT, in plain SQL so the views work in the
 * sqlite3 shell. */
#define FXI(c)                                                                 \
	"(CASE WHEN instr(" c ", '.') = 0 THEN CAST(" c " AS INTEGER) * 100000000" \
	" ELSE CAST(substr(" c ", 1, instr(" c ", '.') - 1) AS INTEGER) * 100000000" \
	" + (CASE WHEN substr(" c ", 1, 1) = '-' THEN -1 ELSE 1 END)"            \
	" * CAST(substr(substr(" c ", instr(" c ", '.') + 1) || '00000000', 1, 8)" \
	" AS INTEGER) END)"
#define FXT(n)                                                                 \
	"((CASE WHEN " n " < 0 THEN '-' ELSE '' END) || rtrim(rtrim(printf("      \
	"'%d.%08d', abs(" n ") / 100000000, abs(" n ") % 100000000), '0'), '.'))"

/* Version 2 added strategy tags (this table, and a strategy column on
 * orders and fills) and closed positions (position_history and its
 * view); jn_migrate adds them to a version 1 journal. */
#define JN_STRATEGIES                                                          \
	"CREATE TABLE strategies(id INTEGER PRIMARY KEY, name TEXT NOT NULL"    \
	" UNIQUE, added_ns INTEGER, seq INTEGER);"                              \
	"CREATE TABLE position_history(id INTEGER PRIMARY KEY, seq INTEGER,"    \
	" symbol TEXT, position_side TEXT, side TEXT, scope TEXT,"              \
	" strategy TEXT, opened_ns INTEGER, closed_ns INTEGER, entry TEXT,"     \
	" exit TEXT, max_qty TEXT, realized TEXT, commission TEXT,"            \
	" exit_reason TEXT);"                                                   \
	"CREATE INDEX position_history_closed_ns ON position_history(closed_ns);" \
	"CREATE VIEW position_history_pnl AS SELECT symbol, position_side, side," \
	" scope, strategy, opened_ns, closed_ns,"                               \
	" (closed_ns - opened_ns) / 1000000000.0 AS duration_s, entry, exit,"   \
	" max_qty, realized, commission, " FXT("net_u") " AS net,"              \
	" CAST(net_u AS REAL) / 1e8 AS net_real, exit_reason FROM"              \
	" (SELECT *, " FXI("realized") " - " FXI("commission") " AS net_u"     \
	" FROM position_history);"

static const char jn_schema[] =
	"CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
	"CREATE TABLE journal(id INTEGER PRIMARY KEY, dir INTEGER NOT NULL,"
	" type INTEGER NOT NULL, type_name TEXT NOT NULL, seq INTEGER NOT NULL,"
	" cause_seq INTEGER NOT NULL, time_ns INTEGER NOT NULL, client_id TEXT,"
	" symbol TEXT, rec BLOB NOT NULL);"
	"CREATE INDEX journal_dir_seq ON journal(dir, seq);"
	"CREATE INDEX journal_client_id ON journal(client_id);"
	"CREATE INDEX journal_time_ns ON journal(time_ns);"
	"CREATE TABLE orders(client_id TEXT PRIMARY KEY, venue_order_id INTEGER,"
	" symbol TEXT, side TEXT, type TEXT, position_side TEXT,"
	" reduce_only INTEGER, role INTEGER, qty TEXT, price TEXT,"
	" filled_qty TEXT, avg_price TEXT, status TEXT, reject_reason TEXT,"
	" venue_code INTEGER, user_ref INTEGER, created_ns INTEGER,"
	" updated_ns INTEGER, strategy TEXT);"
	"CREATE TABLE order_status_history(id INTEGER PRIMARY KEY,"
	" client_id TEXT, status TEXT, event TEXT, time_ns INTEGER,"
	" seq INTEGER, text TEXT);"
	"CREATE INDEX order_status_history_client_id"
	" ON order_status_history(client_id);"
	"CREATE TABLE fills(id INTEGER PRIMARY KEY, client_id TEXT, symbol TEXT,"
	" side TEXT, trade_id INTEGER, price TEXT, qty TEXT, commission TEXT,"
	" maker INTEGER, time_ns INTEGER, input_seq INTEGER, strategy TEXT,"
	" UNIQUE(symbol, trade_id));"
	JN_STRATEGIES
	"CREATE TABLE positions(symbol TEXT, position_side TEXT, qty TEXT,"
	" entry TEXT, mark TEXT, realized TEXT, unrealized TEXT,"
	" commission TEXT, roe TEXT, status TEXT, leverage INTEGER,"
	" updated_ns INTEGER, PRIMARY KEY(symbol, position_side));"
	"CREATE TABLE events(id INTEGER PRIMARY KEY, seq INTEGER,"
	" cause_seq INTEGER, time_ns INTEGER, type TEXT, priority INTEGER,"
	" symbol TEXT, client_id TEXT, text TEXT);"
	"CREATE INDEX events_time_ns ON events(time_ns);"
	"CREATE VIEW open_orders AS SELECT * FROM orders WHERE status NOT IN"
	" ('FILLED', 'CANCELED', 'REJECTED', 'EXPIRED', 'FAILED');"
	"CREATE VIEW position_pnl AS SELECT symbol, position_side, status, qty,"
	" entry, mark, realized, commission, " FXT("net_u") " AS net,"
	" unrealized, " FXT("total_u") " AS total,"
	" CAST(net_u AS REAL) / 1e8 AS net_real,"
	" CAST(unrealized AS REAL) AS unrealized_real,"
	" CAST(total_u AS REAL) / 1e8 AS total_real, updated_ns"
	" FROM (SELECT *, " FXI("realized") " - " FXI("commission") " AS net_u,"
	" " FXI("realized") " - " FXI("commission") " + " FXI("unrealized")
	" AS total_u FROM positions);"
	"CREATE VIEW order_latency AS SELECT client_id, submitted_ns,"
	" accepted_ns, first_fill_ns, filled_ns, done_ns, final_status,"
	" (accepted_ns - submitted_ns) / 1000 AS submit_to_ack_us,"
	" (first_fill_ns - submitted_ns) / 1000 AS submit_to_first_fill_us,"
	" (filled_ns - submitted_ns) / 1000 AS submit_to_filled_us,"
	" (done_ns - submitted_ns) / 1000 AS submit_to_done_us"
	" FROM (SELECT h.client_id,"
	" MIN(CASE WHEN h.event = 'ORDER_SUBMITTED' THEN h.time_ns END) AS submitted_ns,"
	" MIN(CASE WHEN h.event = 'ORDER_ACCEPTED' THEN h.time_ns END) AS accepted_ns,"
	" MIN(CASE WHEN h.event IN ('ORDER_PARTIALLY_FILLED', 'ORDER_FILLED')"
	" THEN h.time_ns END) AS first_fill_ns,"
	" MIN(CASE WHEN h.event = 'ORDER_FILLED' THEN h.time_ns END) AS filled_ns,"
	" MIN(CASE WHEN h.status IN ('FILLED', 'CANCELED', 'REJECTED', 'EXPIRED',"
	" 'FAILED') THEN h.time_ns END) AS done_ns,"
	" (SELECT o.status FROM orders o WHERE o.client_id = h.client_id)"
	" AS final_status"
	" FROM order_status_history h GROUP BY h.client_id);";

/* ---- errors ------------------------------------------------------------- */

static void jn_errf(char *err, size_t errlen, const char *path, const char *what,
		    sqlite3 *db)
{
	if (db)
		snprintf(err, errlen, "journal %s: %s: %s", path, what, sqlite3_errmsg(db));
	else
		snprintf(err, errlen, "journal %s: %s", path, what);
}

static int jn_exec(tl_journal_t *j, const char *sql, char *err, size_t errlen)
{
	char *msg = NULL;
	int rc = sqlite3_exec(j->db, sql, NULL, NULL, &msg);
	if (rc != SQLITE_OK) {
		snprintf(err, errlen, "journal %s: %s: %s", j->cfg.path, sql,
			 msg ? msg : sqlite3_errstr(rc));
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

/* ---- checks before anything is written -------------------------------- */

static int jn_check_dir(const tl_journal_cfg_t *cfg, char *err, size_t errlen)
{
	char tmp[sizeof(cfg->path)];
	snprintf(tmp, sizeof(tmp), "%s", cfg->path);
	const char *dir = dirname(tmp);
	struct stat st;
	if (stat(dir, &st) < 0) {
		snprintf(err, errlen, "journal %s: directory %s: %s", cfg->path, dir,
			 errno == ENOTDIR ? "a part of the path is not a directory"
					  : strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "journal %s: %s is not a directory", cfg->path, dir);
		return -1;
	}
	/* WAL needs the -wal and -shm files beside the journal. */
	if (access(dir, W_OK | X_OK) < 0) {
		snprintf(err, errlen, "journal %s: directory %s is not writable: %s",
			 cfg->path, dir, strerror(errno));
		return -1;
	}
	return 0;
}

/* The journal holds every order, fill and position, and is readable by
 * `sqlite3`: owner only. Make `p` mode 0600, creating it (empty) when
 * `create`; a missing file is fine otherwise. Existing files go by path
 * (chmod), never open()+close(): closing any descriptor of a file drops
 * every POSIX lock this process holds on it, SQLite's included. Best
 * effort on a file we do not own (replaying someone else's journal):
 * EPERM is not an error. */
static int jn_private_file(const char *p, bool create, char *err, size_t errlen)
{
	if (create) {
		int fd = open(p, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd < 0 && errno != EEXIST) {
			snprintf(err, errlen, "journal %s: cannot create: %s", p,
				 strerror(errno));
			return -1;
		}
		if (fd >= 0) {
			/* 0600 whatever the umask */
			int rc = fchmod(fd, 0600);
			close(fd);
			if (rc == 0)
				return 0;
		}
	}
	if (chmod(p, 0600) < 0 && errno != ENOENT && errno != EPERM) {
		snprintf(err, errlen, "journal %s: cannot make it private (chmod 0600): %s",
			 p, strerror(errno));
		return -1;
	}
	return 0;
}

/* The database and the -wal and -shm files beside it. SQLite creates
 * those two with the database's mode, so once the main file is 0600 the
 * later ones are too; ones left by an older run are fixed here. */
static int jn_private_all(const char *path, bool create_main, char *err,
			  size_t errlen)
{
	char p[sizeof(((tl_journal_cfg_t *)0)->path) + 8];

	if (jn_private_file(path, create_main, err, errlen) < 0)
		return -1;
	snprintf(p, sizeof(p), "%s-wal", path);
	if (jn_private_file(p, false, err, errlen) < 0)
		return -1;
	snprintf(p, sizeof(p), "%s-shm", path);
	return jn_private_file(p, false, err, errlen);
}

/* One text value of a single-row query, "" when no row. */
static int jn_query_text(sqlite3 *db, const char *sql, const char *arg,
			 char *out, size_t len)
{
	sqlite3_stmt *s;
	out[0] = '\0';
	int rc = sqlite3_prepare_v2(db, sql, -1, &s, NULL);
	if (rc != SQLITE_OK)
		return rc;
	if (arg)
		sqlite3_bind_text(s, 1, arg, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		const unsigned char *t = sqlite3_column_text(s, 0);
		snprintf(out, len, "%s", t ? (const char *)t : "");
		rc = SQLITE_OK;
	} else if (rc == SQLITE_DONE) {
		rc = SQLITE_OK;
	}
	sqlite3_finalize(s);
	return rc;
}

/* An existing journal: is it ours, sound and not from the future? */
static int jn_check_existing(tl_journal_t *j, char *err, size_t errlen)
{
	const char *path = j->cfg.path;
	char v[128];
	int rc = jn_query_text(j->db, "PRAGMA quick_check", NULL, v, sizeof(v));
	if (rc != SQLITE_OK || strcmp(v, "ok") != 0) {
		snprintf(err, errlen, "journal %s: corrupt or not a talon journal (%s);"
			 " refusing to touch it", path,
			 rc != SQLITE_OK ? sqlite3_errstr(rc) : v);
		return -1;
	}
	rc = jn_query_text(j->db, "SELECT name FROM sqlite_master WHERE type = 'table'"
			   " AND name = 'meta'", NULL, v, sizeof(v));
	if (rc != SQLITE_OK || v[0] == '\0') {
		jn_errf(err, errlen, path, "corrupt or not a talon journal (no meta table);"
			" refusing to touch it", NULL);
		return -1;
	}
	const char *get = "SELECT value FROM meta WHERE key = ?1";
	rc = jn_query_text(j->db, get, "schema_version", v, sizeof(v));
	long ver = rc == SQLITE_OK && v[0] ? strtol(v, NULL, 10) : 0;
	if (ver < 1) {
		jn_errf(err, errlen, path, "corrupt or not a talon journal (no"
			" schema_version); refusing to touch it", NULL);
		return -1;
	}
	if (ver > TL_JOURNAL_SCHEMA_VERSION) {
		snprintf(err, errlen, "journal %s: schema version %ld was written by a"
			 " newer talon (this one reads version %d); refusing to touch it",
			 path, ver, TL_JOURNAL_SCHEMA_VERSION);
		return -1;
	}
	rc = jn_query_text(j->db, get, "engine_name", v, sizeof(v));
	if (rc != SQLITE_OK || strcmp(v, j->cfg.engine) != 0) {
		snprintf(err, errlen, "journal %s: belongs to engine '%s', not '%s';"
			 " refusing to touch it", path, v, j->cfg.engine);
		return -1;
	}
	rc = jn_query_text(j->db, get, "record_size", v, sizeof(v));
	if (rc != SQLITE_OK || strtol(v, NULL, 10) != TL_RECORD_SIZE) {
		snprintf(err, errlen, "journal %s: record size '%s', this talon writes %d;"
			 " refusing to touch it", path, v, TL_RECORD_SIZE);
		return -1;
	}
	rc = jn_query_text(j->db, get, "record_version", v, sizeof(v));
	if (rc != SQLITE_OK || strtol(v, NULL, 10) > TL_RECORD_VERSION) {
		snprintf(err, errlen, "journal %s: record version '%s' was written by a"
			 " newer talon (this one reads %d); refusing to touch it",
			 path, v, TL_RECORD_VERSION);
		return -1;
	}
	return 0;
}

/* Version 1 -> 2, in one transaction: the new columns are NULL for the
 * rows already there (orders before tags had none), and the records
 * themselves need nothing (the fields version 2 added were zero). */
static int jn_migrate(tl_journal_t *j, char *err, size_t errlen)
{
	char v[32];
	if (jn_query_text(j->db, "SELECT value FROM meta WHERE key = ?1",
			  "schema_version", v, sizeof(v)) != SQLITE_OK) {
		jn_errf(err, errlen, j->cfg.path, "schema_version", j->db);
		return -1;
	}
	if (strtol(v, NULL, 10) != 1)
		return 0;
	if (jn_exec(j, "BEGIN IMMEDIATE", err, errlen) < 0)
		return -1;
	if (jn_exec(j, "ALTER TABLE orders ADD COLUMN strategy TEXT;"
		    "ALTER TABLE fills ADD COLUMN strategy TEXT;" JN_STRATEGIES
		    "UPDATE meta SET value = '2' WHERE key = 'schema_version';"
		    /* the kernel reported no round trip before: replay
		     * must not either (tl_journal_trips_from) */
		    "INSERT OR REPLACE INTO meta(key, value) SELECT 'round_trips_from_seq',"
		    " CAST(CAST(value AS INTEGER) + 1 AS TEXT) FROM meta"
		    " WHERE key = 'last_input_seq';"
		    "UPDATE meta SET value = '2' WHERE key = 'record_version';",
		    err, errlen) < 0 ||
	    jn_exec(j, "COMMIT", err, errlen) < 0) {
		char e2[8];
		jn_exec(j, "ROLLBACK", e2, sizeof(e2));
		return -1;
	}
	return 0;
}

static int jn_create_schema(tl_journal_t *j, char *err, size_t errlen)
{
	if (jn_exec(j, "BEGIN IMMEDIATE", err, errlen) < 0)
		return -1;
	if (jn_exec(j, jn_schema, err, errlen) < 0)
		goto fail;
	char sql[512], now[24];
	snprintf(now, sizeof(now), "%" PRIu64, tl_journal_now_ns());
	sqlite3_stmt *s;
	if (sqlite3_prepare_v2(j->db, "INSERT INTO meta(key, value) VALUES (?1, ?2)",
			       -1, &s, NULL) != SQLITE_OK) {
		jn_errf(err, errlen, j->cfg.path, "meta", j->db);
		goto fail;
	}
	char ver[8], rver[8], rsize[8];
	snprintf(ver, sizeof(ver), "%d", TL_JOURNAL_SCHEMA_VERSION);
	snprintf(rver, sizeof(rver), "%d", TL_RECORD_VERSION);
	snprintf(rsize, sizeof(rsize), "%d", TL_RECORD_SIZE);
	const char *kv[][2] = {
		{ "schema_version", ver }, { "engine_name", j->cfg.engine },
		{ "created_ns", now }, { "record_version", rver },
		{ "record_size", rsize }, { "trading_state", "NORMAL" },
		{ "id_reserved_to", "0" }, { "last_input_seq", "0" },
		{ "last_output_seq", "0" }, { "round_trips_from_seq", "0" },
	};
	for (size_t i = 0; i < sizeof(kv) / sizeof(kv[0]); i++) {
		sqlite3_bind_text(s, 1, kv[i][0], -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 2, kv[i][1], -1, SQLITE_STATIC);
		if (tl_jd_step(s) != SQLITE_OK) {
			snprintf(sql, sizeof(sql), "meta %s", kv[i][0]);
			jn_errf(err, errlen, j->cfg.path, sql, j->db);
			sqlite3_finalize(s);
			goto fail;
		}
	}
	sqlite3_finalize(s);
	if (jn_exec(j, "COMMIT", err, errlen) < 0)
		goto fail;
	return 0;
fail:
	sqlite3_exec(j->db, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

/* Continue the meta seqs from what is on disk. */
static void jn_load_progress(tl_journal_t *j)
{
	char v[32];
	tl_journal_meta_get(j, "last_input_seq", v, sizeof(v));
	j->d.in_seq = strtoull(v, NULL, 10);
	tl_journal_meta_get(j, "last_output_seq", v, sizeof(v));
	j->d.out_seq = strtoull(v, NULL, 10);
	/* committed_seq and committed_out_seq start at 0: they speak of this
	 * session's records only, so a session whose seqs restart cannot be
	 * told "committed" by an older session's numbers. */
}

tl_journal_t *tl_journal_open(const tl_journal_cfg_t *cfg, bool *fresh,
			      char *err, size_t errlen)
{
	if (fresh)
		*fresh = false;
	if (!cfg->path[0]) {
		snprintf(err, errlen, "journal: no path configured (journal.path)");
		return NULL;
	}
	if (jn_check_dir(cfg, err, errlen) < 0)
		return NULL;
	tl_journal_t *j = calloc(1, sizeof(*j));
	if (!j) {
		snprintf(err, errlen, "journal %s: out of memory", cfg->path);
		return NULL;
	}
	j->cfg = *cfg;
	if (!j->cfg.batch_max)
		j->cfg.batch_max = 4096;
	if (!j->cfg.batch_us)
		j->cfg.batch_us = 2000;
	j->pend_max = 1u << 20;

	struct stat st;
	bool exists = stat(cfg->path, &st) == 0;
	if (exists && !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "journal %s: not a regular file", cfg->path);
		goto fail;
	}
	if (exists && access(cfg->path, R_OK | W_OK) < 0) {
		snprintf(err, errlen, "journal %s: not writable: %s", cfg->path,
			 strerror(errno));
		goto fail;
	}
	bool create = !exists || st.st_size == 0;
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX |
		    (create ? SQLITE_OPEN_CREATE : 0);
	/* Created 0600 by us before SQLite sees it (whatever the umask or
	 * the directory's mode), existing files tightened. */
	if (jn_private_all(cfg->path, create, err, errlen) < 0)
		goto fail;
	if (sqlite3_open_v2(cfg->path, &j->db, flags, NULL) != SQLITE_OK) {
		jn_errf(err, errlen, cfg->path, "cannot open", j->db);
		goto fail;
	}
	sqlite3_extended_result_codes(j->db, 0);
	sqlite3_busy_timeout(j->db, 5000);
	if (!create && jn_check_existing(j, err, errlen) < 0)
		goto fail;

	char mode[16];
	if (jn_query_text(j->db, "PRAGMA journal_mode = WAL", NULL, mode,
			  sizeof(mode)) != SQLITE_OK || strcmp(mode, "wal") != 0) {
		jn_errf(err, errlen, cfg->path, "cannot switch to WAL mode", j->db);
		goto fail;
	}
	if (jn_exec(j, cfg->sync_full ? "PRAGMA synchronous = FULL"
				      : "PRAGMA synchronous = NORMAL", err, errlen) < 0)
		goto fail;
	if (create && jn_create_schema(j, err, errlen) < 0)
		goto fail;
	if (!create && jn_migrate(j, err, errlen) < 0)
		goto fail;
	if (tl_jd_prepare(j, err, errlen) < 0)
		goto fail;
	/* WAL mode and the schema created -wal and -shm: check them too. */
	if (jn_private_all(cfg->path, false, err, errlen) < 0)
		goto fail;
	jn_load_progress(j);
	if (fresh)
		*fresh = create;
	return j;
fail:
	tl_jd_finalize(j);
	sqlite3_close(j->db);
	free(j);
	return NULL;
}

uint64_t tl_journal_trips_from(const char *schema_version, const char *from_seq)
{
	if (from_seq && from_seq[0])
		return strtoull(from_seq, NULL, 10);
	return schema_version && strtol(schema_version, NULL, 10) >= 2 ? 0 : UINT64_MAX;
}

void tl_journal_close(tl_journal_t *j)
{
	if (!j)
		return;
	if (j->started)
		tl_journal_stop(j);
	tl_jd_finalize(j);
	sqlite3_close(j->db);
	free(j->pend);
	free(j);
}

const tl_journal_stats_t *tl_journal_stats(const tl_journal_t *j)
{
	return &j->stats;
}

uint64_t tl_journal_committed_out_seq(const tl_journal_t *j)
{
	return atomic_load_explicit(&j->committed_out_seq, memory_order_acquire);
}

static int jn_owner_check(tl_journal_t *j, const char *what, char *err, size_t errlen)
{
	if (j->started) {
		snprintf(err, errlen, "journal %s: %s while the PERSIST thread owns it",
			 j->cfg.path, what);
		return -1;
	}
	return 0;
}

int tl_journal_meta_get(tl_journal_t *j, const char *key, char *out, size_t len)
{
	if (j->started) {
		out[0] = '\0';
		return -1;
	}
	int rc = jn_query_text(j->db, "SELECT value FROM meta WHERE key = ?1", key,
			       out, len);
	return rc == SQLITE_OK ? 0 : -1;
}

/* ---- reading back ------------------------------------------------------- */

int tl_journal_scan(tl_journal_t *j, uint64_t until_seq,
		    int (*fn)(void *ctx, const tl_record_t *rec), void *ctx,
		    char *err, size_t errlen)
{
	if (jn_owner_check(j, "scan", err, errlen) < 0)
		return -1;
	sqlite3_stmt *s;
	if (sqlite3_prepare_v2(j->db, "SELECT id, dir, type, seq, rec FROM journal"
			       " ORDER BY id", -1, &s, NULL) != SQLITE_OK) {
		jn_errf(err, errlen, j->cfg.path, "scan", j->db);
		return -1;
	}
	int ret = 0, rc;
	tl_record_t rec;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(s, 0);
		int dir = sqlite3_column_int(s, 1);
		int type = sqlite3_column_int(s, 2);
		int64_t seq = sqlite3_column_int64(s, 3);
		const void *blob = sqlite3_column_blob(s, 4);
		int n = sqlite3_column_bytes(s, 4);
		if (!blob || n != (int)sizeof(rec)) {
			snprintf(err, errlen, "journal %s: row %" PRId64 ": record of %d"
				 " bytes, expected %zu", j->cfg.path, id, n, sizeof(rec));
			ret = -1;
			break;
		}
		memcpy(&rec, blob, sizeof(rec));
		int rdir = rec.u.hdr.flags & TL_REC_OUTPUT ? 1 : 0;
		int max = rdir ? TL_OUT__COUNT : TL_IN__COUNT;
		if (dir != rdir || type != rec.u.hdr.type || type < 1 || type >= max ||
		    (uint64_t)seq != rec.u.hdr.seq) {
			snprintf(err, errlen, "journal %s: row %" PRId64 ": columns (dir %d,"
				 " type %d, seq %" PRId64 ") disagree with the record"
				 " (dir %d, type %u, seq %" PRIu64 ")", j->cfg.path, id,
				 dir, type, seq, rdir, rec.u.hdr.type, rec.u.hdr.seq);
			ret = -1;
			break;
		}
		if (until_seq && !rdir && rec.u.hdr.seq > until_seq)
			break;
		if ((ret = fn(ctx, &rec)) != 0)
			break;
	}
	if (ret == 0 && rc != SQLITE_ROW && rc != SQLITE_DONE) {
		jn_errf(err, errlen, j->cfg.path, "scan", j->db);
		ret = -1;
	}
	sqlite3_finalize(s);
	return ret;
}

/* ---- writing ------------------------------------------------------------ */

int tl_journal_commit_batch(tl_journal_t *j, const tl_record_t *recs, size_t n)
{
	tl_jderive_t saved = j->d;
	int rc = tl_jd_step(j->st[JS_BEGIN]);
	for (size_t i = 0; rc == SQLITE_OK && i < n; i++)
		rc = tl_jd_record(j, &recs[i]);
	if (rc == SQLITE_OK)
		rc = tl_jd_meta_seqs(j);
	if (rc == SQLITE_OK)
		rc = tl_jd_step(j->st[JS_COMMIT]);
	if (rc != SQLITE_OK) {
		if (!sqlite3_get_autocommit(j->db))
			tl_jd_step(j->st[JS_ROLLBACK]);
		j->d = saved;
		return rc;
	}
	atomic_fetch_add(&j->stats.records, n);
	atomic_fetch_add(&j->stats.commits, 1);
	if (j->d.prev_in_seq > atomic_load(&j->stats.committed_seq))
		atomic_store(&j->stats.committed_seq, j->d.prev_in_seq);
	if (j->d.have_out)
		atomic_store_explicit(&j->committed_out_seq, j->d.out_seq,
				      memory_order_release);
	atomic_store(&j->stats.last_commit_ns, tl_journal_now_ns());
	return SQLITE_OK;
}

int tl_journal_write(tl_journal_t *j, const tl_record_t *recs, size_t n,
		     char *err, size_t errlen)
{
	if (jn_owner_check(j, "write", err, errlen) < 0)
		return -1;
	int rc = tl_journal_commit_batch(j, recs, n);
	if (rc != SQLITE_OK) {
		atomic_store(&j->stats.last_errcode, rc);
		snprintf(err, errlen, "journal %s: write of %zu records: %s (%s)",
			 j->cfg.path, n, sqlite3_errstr(rc), sqlite3_errmsg(j->db));
		return -1;
	}
	return 0;
}
