/*
 * test_journal.c - the SQLite journal: schema and reopen, every derived
 * table and view after a realistic kernel session, byte-exact scan and
 * until_seq, refusals (newer schema, other engine, corrupt file, unusable
 * directory), disk-full injection and recovery with nothing lost or
 * doubled, the PERSIST thread under a 200k-record producer, and a writer
 * killed mid-transaction (integrity_check, whole transactions only).
 */
#define _GNU_SOURCE
#include "tests/support/tl_test.h"
#include "tests/support/dbfix.h"
#include "tests/support/kfix.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "runtime/log.h"
#include "runtime/ring.h"
#include "persist/journal.h"

/* ---- scratch directory, config, plain-SQL helpers ---------------------- */

static char dir[64];
static char path[128];

static void each_setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/tl-journal-XXXXXX");
	if (!mkdtemp(dir))
		abort();
	snprintf(path, sizeof(path), "%s/j.db", dir);
}

static void each_teardown(void)
{
	char cmd[128];
	chmod(dir, 0700);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	kfix_free(KF);
}

static tl_journal_cfg_t cfg_for(const char *p)
{
	tl_journal_cfg_t c;
	memset(&c, 0, sizeof(c));
	snprintf(c.path, sizeof(c.path), "%s", p);
	snprintf(c.engine, sizeof(c.engine), "test");
	return c;
}

static tl_journal_t *jopen(const char *p, bool *fresh)
{
	tl_journal_cfg_t c = cfg_for(p);
	char err[512];
	tl_journal_t *j = tl_journal_open(&c, fresh, err, sizeof(err));
	if (!j)
		fprintf(stderr, "open: %s\n", err);
	return j;
}

static sqlite3 *db_open(const char *p)
{
	sqlite3 *db = NULL;
	if (sqlite3_open_v2(p, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK)
		abort();
	sqlite3_busy_timeout(db, 5000);
	return db;
}

static int64_t q_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *s;
	int64_t v = -1;
	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK) {
		fprintf(stderr, "sql %s: %s\n", sql, sqlite3_errmsg(db));
		return -999;
	}
	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return v;
}

/* First column of the first row as text ("<null>", "<none>"). */
static const char *q_text(sqlite3 *db, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static const char *q_text(sqlite3 *db, const char *fmt, ...)
{
	static char out[8][256];
	static int slot;
	char sql[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(sql, sizeof(sql), fmt, ap);
	va_end(ap);
	char *o = out[slot++ % 8];
	snprintf(o, 256, "<none>");
	sqlite3_stmt *s;
	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK) {
		fprintf(stderr, "sql %s: %s\n", sql, sqlite3_errmsg(db));
		snprintf(o, 256, "<error>");
		return o;
	}
	if (sqlite3_step(s) == SQLITE_ROW) {
		const unsigned char *t = sqlite3_column_text(s, 0);
		snprintf(o, 256, "%s", t ? (const char *)t : "<null>");
	}
	sqlite3_finalize(s);
	return o;
}

static void db_exec(sqlite3 *db, const char *sql)
{
	char *msg = NULL;
	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		fprintf(stderr, "sql %s: %s\n", sql, msg);
		abort();
	}
}

static uint64_t file_sum(const char *p)
{
	size_t n = 0;
	char *buf = tl_test_read_file(p, &n);
	uint64_t h = 1469598103934665603ull;
	for (size_t i = 0; buf && i < n; i++)
		h = (h ^ (uint8_t)buf[i]) * 1099511628211ull;
	free(buf);
	return h ^ n;
}

static int64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void nap_ms(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

/* ---- a realistic session from the kernel -------------------------------- */

/* Every input and output of the session, as journal records, in order. */
static tl_record_t *R;
static size_t RN, RCAP;

static void rec_push(const tl_record_t *r)
{
	tl_test_rec_push(&R, &RN, &RCAP, r);
}

static void rec_emit(void *ctx, const tl_output_t *o)
{
	(void)ctx;
	tl_record_t r;
	memset(&r, 0, sizeof(r));
	r.u.out = *o;
	r.u.hdr.flags |= TL_REC_OUTPUT;
	rec_push(&r);
}

static tl_reject_t jin(tl_input_t *in, uint64_t *h)
{
	KF->now += TL_NS_PER_MS;
	in->hdr.time = KF->now;
	in->hdr.seq = ++KF->in_seq;
	tl_record_t r;
	memset(&r, 0, sizeof(r));
	r.u.in = *in;
	rec_push(&r);
	return tl_kernel_apply(&KF->k, in, &KF->sink, h);
}

static void session_begin(void)
{
	kfix_new(NULL);
	KF->sink.emit = rec_emit;
	free(R);
	R = NULL;
	RN = RCAP = 0;
}

static void j_mark(const char *sym, const char *px)
{
	tl_input_t in = kf_mark_in(sym, px);
	jin(&in, NULL);
}

/* Submit; returns the client id (static buffer) or "" when refused. */
static const char *j_submit(const char *sym, tl_side_t side, tl_ord_type_t type,
			    const char *qty, const char *price)
{
	static char ids[8][TL_CLID_LEN];
	static int slot;
	tl_input_t in = kf_order_in(sym, side, type, qty, price);
	in.u.submit.user_ref = 77;
	uint64_t h = 0;
	char *o = ids[slot++ % 8];
	o[0] = '\0';
	if (jin(&in, &h) == TL_REJ_NONE && h)
		snprintf(o, TL_CLID_LEN, "%s", kf_clid(h));
	return o;
}

static void j_update(const char *clid, tl_ord_status_t st, int64_t vid)
{
	tl_input_t in = kf_update_in(clid, NULL, vid, st, 0);
	jin(&in, NULL);
}

static void j_fill(const char *clid, int64_t trade, const char *px, const char *qty,
		   const char *fee, bool maker)
{
	tl_input_t in = kf_fill_in(clid, NULL, 0, trade, px, qty, fee);
	in.u.fill.maker = maker;
	jin(&in, NULL);
}

static void j_cancel(const char *clid)
{
	tl_input_t in = kf_cancel_in(clid);
	jin(&in, NULL);
}

static void j_control(tl_ctl_cmd_t cmd, const char *why)
{
	tl_input_t in = kf_control_in(cmd, why);
	jin(&in, NULL);
}

/* The session the table tests check. Client ids come back in ids[]. */
static char o1[TL_CLID_LEN], o2[TL_CLID_LEN], o3[TL_CLID_LEN], o4[TL_CLID_LEN];
static tl_time_t t_submit1, t_ack1, t_fill1;

static void session_run(void)
{
	session_begin();
	j_mark("BTCUSDT", "50000");
	j_mark("ETHUSDT", "3000");
	/* o1: limit buy, acked, filled in two trades (maker). */
	snprintf(o1, sizeof(o1), "%s", j_submit("BTCUSDT", TL_BUY, TL_ORD_LIMIT, "0.010", "50000"));
	t_submit1 = KF->now;
	j_update(o1, TL_ST_NEW, 1001);
	t_ack1 = KF->now;
	j_fill(o1, 1, "50000", "0.004", "0.08", true);
	j_fill(o1, 2, "50000", "0.006", "0.12", true);
	t_fill1 = KF->now;
	j_fill(o1, 2, "50000", "0.006", "0.12", true);   /* duplicate: ignored */
	/* o2: limit sell on ETH, acked, canceled. */
	snprintf(o2, sizeof(o2), "%s", j_submit("ETHUSDT", TL_SELL, TL_ORD_LIMIT, "1.000", "3000"));
	j_update(o2, TL_ST_NEW, 2002);
	j_cancel(o2);
	j_update(o2, TL_ST_CANCELED, 2002);
	/* A refusal: below the minimum quantity, never an order. */
	j_submit("BTCUSDT", TL_BUY, TL_ORD_LIMIT, "0.0001", "50000");
	/* o3: market sell reducing the long, taker. */
	snprintf(o3, sizeof(o3), "%s", j_submit("BTCUSDT", TL_SELL, TL_ORD_MARKET, "0.004", NULL));
	j_update(o3, TL_ST_NEW, 1003);
	j_fill(o3, 3, "50100", "0.004", "0.02", false);
	/* o4: resting buy, stays open. */
	snprintf(o4, sizeof(o4), "%s", j_submit("BTCUSDT", TL_BUY, TL_ORD_LIMIT, "0.003", "49000"));
	j_update(o4, TL_ST_NEW, 1004);
	j_mark("BTCUSDT", "50200");
	/* Enough orders to reserve a second id block (kfix: 10 per block). */
	for (int i = 0; i < 10; i++) {
		const char *c = j_submit("ETHUSDT", TL_BUY, TL_ORD_LIMIT, "0.010", "2900");
		j_update(c, TL_ST_REJECTED, 0);
	}
	j_control(TL_CTL_PAUSE, "operator pause");
}

static uint32_t count_events(tl_event_type_t t)
{
	uint32_t n = 0;
	for (size_t i = 0; i < RN; i++)
		n += (R[i].u.hdr.flags & TL_REC_OUTPUT) && R[i].u.hdr.type == TL_OUT_EVENT &&
		     (t == 0 || R[i].u.out.u.ev.type == t);
	return n;
}

/* ---- tests -------------------------------------------------------------- */

static void test_create_then_reopen_is_not_fresh(void)
{
	bool fresh = false;
	tl_journal_t *j = jopen(path, &fresh);
	CU_ASSERT_PTR_NOT_NULL_FATAL(j);
	CU_ASSERT_TRUE(fresh);
	char v[64];
	CU_ASSERT_EQUAL(tl_journal_meta_get(j, "schema_version", v, sizeof(v)), 0);
	CU_ASSERT_STRING_EQUAL(v, "2");
	tl_journal_meta_get(j, "engine_name", v, sizeof(v));
	CU_ASSERT_STRING_EQUAL(v, "test");
	tl_journal_meta_get(j, "record_size", v, sizeof(v));
	CU_ASSERT_STRING_EQUAL(v, "256");
	tl_journal_meta_get(j, "trading_state", v, sizeof(v));
	CU_ASSERT_STRING_EQUAL(v, "NORMAL");
	tl_journal_meta_get(j, "no_such_key", v, sizeof(v));
	CU_ASSERT_STRING_EQUAL(v, "");
	tl_journal_close(j);

	j = jopen(path, &fresh);
	CU_ASSERT_PTR_NOT_NULL_FATAL(j);
	CU_ASSERT_FALSE(fresh);
	tl_journal_close(j);

	sqlite3 *db = db_open(path);
	CU_ASSERT_STRING_EQUAL(q_text(db, "PRAGMA journal_mode"), "wal");
	CU_ASSERT_EQUAL(q_int(db, "SELECT count(*) FROM sqlite_master WHERE type = 'view'"
			      " AND name IN ('open_orders', 'position_pnl', 'order_latency')"), 3);
	sqlite3_close(db);
}

/* mode & 0777 of p, -1 when missing. */
static int file_mode(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 ? (int)(st.st_mode & 0777) : -1;
}

static void expect_private(const char *what)
{
	char w[160], s[160];
	snprintf(w, sizeof(w), "%s-wal", path);
	snprintf(s, sizeof(s), "%s-shm", path);
	if (file_mode(path) != 0600 || file_mode(w) != 0600 || file_mode(s) != 0600)
		fprintf(stderr, "%s: modes %o %o %o\n", what, file_mode(path),
			file_mode(w), file_mode(s));
	CU_ASSERT_EQUAL(file_mode(path), 0600);
	CU_ASSERT_EQUAL(file_mode(w), 0600);
	CU_ASSERT_EQUAL(file_mode(s), 0600);
}

static void write_session(tl_journal_t *j);

/* The journal and its -wal/-shm are 0600 in an existing 0755 directory
 * under umask 022, when created and when an older run left them 0644. */
static void test_journal_files_are_private(void)
{
	mode_t old = umask(022);
	char w[160], s[160];
	snprintf(w, sizeof(w), "%s-wal", path);
	snprintf(s, sizeof(s), "%s-shm", path);
	CU_ASSERT_EQUAL_FATAL(chmod(dir, 0755), 0);
	session_run();
	tl_journal_t *j = jopen(path, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(j);
	write_session(j);
	expect_private("created");
	tl_journal_close(j);

	/* an older run's files, readable by all */
	sqlite3 *db = db_open(path);	/* keeps -wal/-shm while open */
	CU_ASSERT_EQUAL(q_int(db, "SELECT count(*) FROM journal") > 0, 1);
	CU_ASSERT_EQUAL(chmod(path, 0644), 0);
	chmod(w, 0644);
	chmod(s, 0644);
	j = jopen(path, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(j);
	expect_private("reopened");
	tl_journal_close(j);
	sqlite3_close(db);
	umask(old);
}

/* Write the session in three uneven transactions (one split falls between
 * an input and its outputs: the derivation must carry over). */
static void write_session(tl_journal_t *j)
{
	char err[256];
	size_t a = RN / 3 + 1, b = 2 * RN / 3;
	CU_ASSERT_EQUAL(tl_journal_write(j, R, a, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(tl_journal_write(j, R + a, b - a, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(tl_journal_write(j, R + b, RN - b, err, sizeof(err)), 0);
}

static void test_session_fills_every_table_and_view(void)
{
	session_run();
	CU_ASSERT_EQUAL_FATAL(KF->lost, 0);
	CU_ASSERT_NOT_EQUAL_FATAL(o1[0], '\0');
	CU_ASSERT_NOT_EQUAL_FATAL(o4[0], '\0');
	tl_journal_t *j = jopen(path, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(j);
	write_session(j);
	const tl_journal_stats_t *st = tl_journal_stats(j);
	CU_ASSERT_EQUAL(atomic_load(&st->records), RN);
	CU_ASSERT_EQUAL(atomic_load(&st->commits), 3);
	CU_ASSERT_EQUAL(atomic_load(&st->committed_seq), KF->in_seq - 1);
	tl_journal_close(j);

	sqlite3 *db = db_open(path);
	CU_ASSERT_EQUAL(q_int(db, "SELECT count(*) FROM journal"), (int64_t)RN);
	CU_ASSERT_EQUAL(q_int(db, "SELECT count(*) FROM journal WHERE dir = 0"),
			(int64_t)KF->in_seq);
	CU_ASSERT_STRING_EQUAL(q_text(db, "SELECT type_name FROM journal WHERE dir = 0"
				      " AND seq = 3"), "SUBMIT");
	CU_ASSERT_STRING_EQUAL(q_text(db, "SELECT symbol FROM journal WHERE dir = 0"
				      " AND seq = 3"), "BTCUSDT");
	CU_ASSERT_EQUAL(q_int(db, "SELECT count(*) FROM journal WHERE dir = 1"
			      " AND type_name = 'EVENT:ORDER_SUBMITTED'"),
			count_events(TL_EV_ORDER_SUBMITTED));

	/* orders */
	CU_ASSERT_STRING_EQUAL(q_text(db, "SELECT status FROM orders WHERE client_id = '%s'", o1), "FILLED");
	CU_ASSERT_STRING_EQUAL(q_text(db, "SELECT filled_qty FROM orders WHERE client_id = '%s'", o1), "0.01");
	CU_ASSERT_STRING_EQUAL(q_text(db, "SELECT avg_price FROM orders WHERE client_id = '%s'", o1), "50000");
	CU_ASSERT_STRING_EQUAL(q_text(db, "SELECT qty || ' ' || price || ' ' || side || ' ' || type"
				      " || ' ' || symbol || ' ' || venue_order_id || ' ' || user_ref"
				      " FROM orders WHERE client_id = '%s'", o1),
			       "0.01 50000 BUY LIMIT BTCUSDT 1001 77");
	CU_ASSERT_STRING_EQUAL(q_text(db, "SELECT status FROM orders WHERE client_id = '%s'", o2), "CANCELED");
	CU_ASSERT_STRING_EQUAL(q_text(db, "SELECT status FROM orders WHERE client_id = '%s'", o3), "FILLED");
	CU_ASSERT_STRING_EQUAL(q_text(db, "SELECT avg_price FROM orders WHERE client_id = '%s'", o3), "50100");
	CU_ASSERT_STRING_EQUAL(q_text(db, "SELECT status FROM orders WHERE client_id = '%s'", o4), "NEW");
	CU_ASSERT_EQUAL(q_int(db, "SELECT count(*) FROM orders"), 14);
	CU_ASSERT_EQUAL(q_int(db, "SELECT count(*) FROM orders WHERE status = 'REJECTED'"), 10);
	CU_ASSERT_EQUAL(q_int(db, "SELECT count(*) FROM orders WHERE created_ns < updated_ns"), 14);
	CU_ASSERT_EQUAL(q_int(db, "SELECT count(*) FROM open_orders"), 1);
	CU_ASSERT_STRING_EQUAL(q_text(db, "SELECT client_id FROM open_orders"), o4);

	/* the local refusal: an events row, no orders row */
	CU_ASSERT_EQUAL(q_int(db, "SELECT count(*) FROM events WHERE type = 'ORDER_REJECTED'"
			      " AND client_id IS NULL"), 1);

	/* order_status_history and order_latency */
	CU_ASSERT_STRING_EQUAL(q_text(db, "SELECT group_concat(status, ',') FROM (SELECT status"
				      " FROM order_status_history WHERE client_id = '%s' ORDER BY id)", o1),
			       "PENDING_NEW,NEW,PARTIALLY_FILLED,FILLED");
	CU_ASSERT_EQUAL(q_int(db, "SELECT count(*) FROM order_status_history"),
			count_events(0) - count_events(TL_EV_POSITION_OPENED) -
			count_events(TL_EV_POSITION_UPDATED) - count_events(TL_EV_POSITION_CLOSED) -
			count_events(TL_EV_TRADING_STATE_CHANGED) - 1);
	char sql[256];
	snprintf(sql, sizeof(sql), "SELECT submit_to_ack_us FROM order_latency WHERE client_id = '%s'", o1);
	CU_ASSERT_EQUAL(q_int(db, sql), (t_ack1 - t_submit1) / 1000);
	snprintf(sql, sizeof(sql), "SELECT submit_to_filled_us FROM order_latency WHERE client_id = '%s'", o1);
	CU_ASSERT_EQUAL(q_int(db, sql), (t_fill1 - t_submit1) / 1000);
	CU_ASSERT_STRING_EQUAL(q_text(db, "SELECT final_status FROM order_latency WHERE client_id = '%s'", o2),
			       "CANCELED");

	/* fills: the duplicate trade is not there twice */
	CU_ASSERT_EQUAL(q_int(db, "SELECT count(*) FROM fills"), 3);
	CU_ASSERT_STRING_EQUAL(q_text(db, "SELECT group_concat(trade_id || ':' || qty || '@' || price"
				      " || ' fee ' || commission || ' m' || maker || ' ' || side, ', ')"
				      " FROM (SELECT * FROM fills ORDER BY id)"),
			       "1:0.004@50000 fee 0.08 m1 BUY, 2:0.006@50000 fee 0.12 m1 BUY,"
			       " 3:0.004@50100 fee 0.02 m0 SELL");
	CU_ASSERT_EQUAL(q_int(db, "SELECT count(*) FROM fills f JOIN journal j ON j.dir = 0"
			      " AND j.seq = f.input_seq AND j.type_name = 'FILL'"), 3);

	/* positions and position_pnl, against the kernel's own numbers */
	tl_position_t *p = kf_pos("BTCUSDT", TL_PS_BOTH);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT_STRING_EQUAL(q_text(db, "SELECT qty FROM positions WHERE symbol = 'BTCUSDT'"), "0.006");
	CU_ASSERT_STRING_EQUAL(q_text(db, "SELECT realized FROM positions WHERE symbol = 'BTCUSDT'"), "0.4");
	CU_ASSERT_STRING_EQUAL(q_text(db, "SELECT commission FROM positions WHERE symbol = 'BTCUSDT'"), "0.22");
	CU_ASSERT_STRING_EQUAL(q_text(db, "SELECT entry FROM positions WHERE symbol = 'BTCUSDT'"), "50000");
	/* a mark alone emits no position event: mark and unrealized are
	 * those of the last POSITION_* event */
	const tl_ev_position_t *lp = NULL;
	for (size_t i = 0; i < RN; i++)
		if ((R[i].u.hdr.flags & TL_REC_OUTPUT) && R[i].u.hdr.type == TL_OUT_EVENT &&
		    R[i].u.out.u.ev.type >= TL_EV_POSITION_OPENED &&
		    R[i].u.out.u.ev.type <= TL_EV_POSITION_LIQUIDATED)
			lp = &R[i].u.out.u.ev.u.pos;
	CU_ASSERT_PTR_NOT_NULL_FATAL(lp);
	char mark[TL_FX_STRLEN], unr[TL_FX_STRLEN], tot[TL_FX_STRLEN];
	tl_fx_format(lp->mark, -1, mark, sizeof(mark));
	tl_fx_format(lp->unrealized, -1, unr, sizeof(unr));
	tl_fx_format(lp->realized - lp->commission + lp->unrealized, -1, tot, sizeof(tot));
	CU_ASSERT_EQUAL(lp->realized, p->realized);
	CU_ASSERT_STRING_EQUAL(q_text(db, "SELECT mark FROM positions WHERE symbol = 'BTCUSDT'"), mark);
	CU_ASSERT_STRING_EQUAL(q_text(db, "SELECT unrealized FROM positions WHERE symbol = 'BTCUSDT'"), unr);
	CU_ASSERT_STRING_EQUAL(q_text(db, "SELECT total FROM position_pnl WHERE symbol = 'BTCUSDT'"), tot);
	fprintf(stderr, "(position: mark %s unrealized %s total %s)\n", mark, unr, tot);
	CU_ASSERT_STRING_EQUAL(q_text(db, "SELECT status || ' ' || position_side FROM positions"
				      " WHERE symbol = 'BTCUSDT'"), "OPEN BOTH");
	CU_ASSERT_STRING_EQUAL(q_text(db, "SELECT net FROM position_pnl WHERE symbol = 'BTCUSDT'"), "0.18");
	CU_ASSERT_STRING_EQUAL(q_text(db, "SELECT net_real = 0.18 FROM position_pnl WHERE symbol = 'BTCUSDT'"), "1");
	CU_ASSERT_EQUAL(q_int(db, "SELECT count(*) FROM positions"), 1);

	/* meta */
	CU_ASSERT_STRING_EQUAL(q_text(db, "SELECT value FROM meta WHERE key = 'trading_state'"), "PAUSED");
	char want[32];
	snprintf(want, sizeof(want), "%" PRIu64, KF->k.id_reserved_to);
	CU_ASSERT_STRING_EQUAL(q_text(db, "SELECT value FROM meta WHERE key = 'id_reserved_to'"), want);
	CU_ASSERT(KF->k.id_reserved_to > 10);
	snprintf(want, sizeof(want), "%" PRIu64, KF->in_seq);
	CU_ASSERT_STRING_EQUAL(q_text(db, "SELECT value FROM meta WHERE key = 'last_input_seq'"), want);
	snprintf(want, sizeof(want), "%" PRIu64, KF->k.out_seq);
	CU_ASSERT_STRING_EQUAL(q_text(db, "SELECT value FROM meta WHERE key = 'last_output_seq'"), want);

	/* events */
	CU_ASSERT_EQUAL(q_int(db, "SELECT count(*) FROM events"), count_events(0));
	CU_ASSERT_EQUAL(q_int(db, "SELECT count(*) FROM events WHERE type = 'TRADING_STATE_CHANGED'"), 1);
	CU_ASSERT_EQUAL(q_int(db, "SELECT count(*) FROM events e JOIN journal j ON j.dir = 1"
			      " AND j.seq = e.seq"), count_events(0));
	sqlite3_close(db);
}

/* Decimal arithmetic of position_pnl on signs and carries. */
static void test_position_pnl_view_is_exact(void)
{
	tl_journal_t *j = jopen(path, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(j);
	tl_journal_close(j);
	sqlite3 *db = db_open(path);
	db_exec(db, "INSERT INTO positions(symbol, position_side, realized, commission,"
		" unrealized) VALUES ('A', 'BOTH', '-0.5', '0.00000001', '0'),"
		" ('B', 'BOTH', '100', '0.1', '-99.9'), ('C', 'BOTH', '12345678.12345678',"
		" '0.00000002', '-0.00000001'), ('D', 'LONG', '0', '0', '0')");
	CU_ASSERT_STRING_EQUAL(q_text(db, "SELECT net FROM position_pnl WHERE symbol = 'A'"), "-0.50000001");
	CU_ASSERT_STRING_EQUAL(q_text(db, "SELECT net || ' ' || total FROM position_pnl WHERE symbol = 'B'"),
			       "99.9 0");
	CU_ASSERT_STRING_EQUAL(q_text(db, "SELECT net || ' ' || total FROM position_pnl WHERE symbol = 'C'"),
			       "12345678.12345676 12345678.12345675");
	CU_ASSERT_STRING_EQUAL(q_text(db, "SELECT net FROM position_pnl WHERE symbol = 'D'"), "0");
	sqlite3_close(db);
}

static size_t synth(uint64_t seq, uint64_t *out_seq, tl_record_t r[2]);

/* A second session continues meta's seqs; its progress counters start at
 * zero (they only ever speak of this session's records). */
static void test_reopen_continues_meta_and_restarts_progress(void)
{
	session_run();
	tl_journal_t *j = jopen(path, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(j);
	write_session(j);
	tl_journal_close(j);
	j = jopen(path, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(j);
	const tl_journal_stats_t *st = tl_journal_stats(j);
	CU_ASSERT_EQUAL(atomic_load(&st->committed_seq), 0);
	CU_ASSERT_EQUAL(atomic_load(&st->records), 0);
	CU_ASSERT_EQUAL(tl_journal_committed_out_seq(j), 0);
	/* an input alone: meta moves, the input is not yet known complete */
	tl_record_t r[2];
	uint64_t out_seq = KF->k.out_seq;
	synth(KF->in_seq + 1, &out_seq, r);
	char err[256], v[32], want[32];
	CU_ASSERT_EQUAL(tl_journal_write(j, r, 1, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(atomic_load(&st->committed_seq), 0);
	CU_ASSERT_EQUAL(tl_journal_committed_out_seq(j), 0);
	tl_journal_meta_get(j, "last_input_seq", v, sizeof(v));
	snprintf(want, sizeof(want), "%" PRIu64, KF->in_seq + 1);
	CU_ASSERT_STRING_EQUAL(v, want);
	tl_journal_meta_get(j, "last_output_seq", v, sizeof(v));
	snprintf(want, sizeof(want), "%" PRIu64, KF->k.out_seq);
	CU_ASSERT_STRING_EQUAL(v, want);
	tl_journal_meta_get(j, "trading_state", v, sizeof(v));
	CU_ASSERT_STRING_EQUAL(v, "PAUSED");
	tl_journal_close(j);
}

typedef struct scan_acc {
	tl_record_t *v;
	size_t n, cap;
	size_t stop_at;      /* return 7 after this many (0: never) */
} scan_acc_t;

static int scan_cb(void *ctx, const tl_record_t *rec)
{
	scan_acc_t *a = ctx;
	if (a->n == a->cap) {
		a->cap = a->cap ? a->cap * 2 : 256;
		a->v = realloc(a->v, a->cap * sizeof(*rec));
	}
	a->v[a->n++] = *rec;
	return a->stop_at && a->n == a->stop_at ? 7 : 0;
}

static void test_scan_returns_exact_bytes_in_order_and_stops_at_until_seq(void)
{
	session_run();
	tl_journal_t *j = jopen(path, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(j);
	write_session(j);
	char err[256];
	scan_acc_t a = { 0 };
	CU_ASSERT_EQUAL(tl_journal_scan(j, 0, scan_cb, &a, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL_FATAL(a.n, RN);
	CU_ASSERT_EQUAL(memcmp(a.v, R, RN * sizeof(*R)), 0);

	/* until_seq 5: input 5 and its outputs, nothing of input 6 */
	size_t want = 0;
	while (want < RN && !((R[want].u.hdr.flags & TL_REC_OUTPUT) == 0 && R[want].u.hdr.seq > 5))
		want++;
	a.n = 0;
	CU_ASSERT_EQUAL(tl_journal_scan(j, 5, scan_cb, &a, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(a.n, want);
	CU_ASSERT(a.n > 5);
	CU_ASSERT_EQUAL(memcmp(a.v, R, want * sizeof(*R)), 0);
	CU_ASSERT_EQUAL(a.v[a.n - 1].u.hdr.flags & TL_REC_OUTPUT, TL_REC_OUTPUT);
	CU_ASSERT_EQUAL(a.v[a.n - 1].u.hdr.cause_seq, 5);

	/* the callback's non-zero ends the scan and is returned */
	a.n = 0;
	a.stop_at = 3;
	CU_ASSERT_EQUAL(tl_journal_scan(j, 0, scan_cb, &a, err, sizeof(err)), 7);
	CU_ASSERT_EQUAL(a.n, 3);
	tl_journal_close(j);

	/* a damaged row is an error naming its row */
	sqlite3 *db = db_open(path);
	db_exec(db, "UPDATE journal SET rec = x'0102' WHERE id = 4");
	sqlite3_close(db);
	j = jopen(path, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(j);
	a.n = 0;
	a.stop_at = 0;
	CU_ASSERT_EQUAL(tl_journal_scan(j, 0, scan_cb, &a, err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "row 4"));
	CU_ASSERT_EQUAL(a.n, 3);
	tl_journal_close(j);

	db = db_open(path);
	db_exec(db, "UPDATE journal SET rec = (SELECT rec FROM journal WHERE id = 1) WHERE id = 4");
	db_exec(db, "UPDATE journal SET dir = 1 WHERE id = 4");
	sqlite3_close(db);
	j = jopen(path, NULL);
	CU_ASSERT_EQUAL(tl_journal_scan(j, 0, scan_cb, &a, err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "row 4"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "disagree"));
	tl_journal_close(j);
	free(a.v);
}

/* Refusals: the message names the file, and the file is untouched. */
static void expect_refusal(const char *p, const char *engine, const char *needle)
{
	uint64_t before = file_sum(p);
	tl_journal_cfg_t c = cfg_for(p);
	if (engine)
		snprintf(c.engine, sizeof(c.engine), "%s", engine);
	char err[512] = "";
	bool fresh = true;
	tl_journal_t *j = tl_journal_open(&c, &fresh, err, sizeof(err));
	CU_ASSERT_PTR_NULL(j);
	CU_ASSERT_FALSE(fresh);
	if (!strstr(err, needle) || !strstr(err, p))
		fprintf(stderr, "refusal of %s: '%s' lacks '%s'\n", p, err, needle);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, needle));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, p));
	CU_ASSERT_EQUAL(file_sum(p), before);
	if (j)
		tl_journal_close(j);
}

static void test_refuses_newer_schema(void)
{
	tl_journal_close(jopen(path, NULL));
	sqlite3 *db = db_open(path);
	db_exec(db, "UPDATE meta SET value = '3' WHERE key = 'schema_version'");
	sqlite3_close(db);
	expect_refusal(path, NULL, "written by a newer talon");
}

static void test_refuses_another_engines_journal(void)
{
	tl_journal_close(jopen(path, NULL));
	expect_refusal(path, "other", "belongs to engine 'test'");
}

static void test_refuses_corrupt_or_foreign_file(void)
{
	/* garbage */
	char p[160];
	snprintf(p, sizeof(p), "%s/garbage.db", dir);
	FILE *f = fopen(p, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	srand(42);
	for (int i = 0; i < 65536; i++)
		fputc(rand() & 0xff, f);
	fclose(f);
	expect_refusal(p, NULL, "corrupt or not a talon journal");

	/* a real journal, pages past the first trashed */
	session_run();
	tl_journal_t *j = jopen(path, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(j);
	write_session(j);
	tl_journal_close(j);   /* checkpoints: the file holds everything */
	snprintf(p, sizeof(p), "%s/trashed.db", dir);
	size_t n = 0;
	char *buf = tl_test_read_file(path, &n);
	CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
	CU_ASSERT_FATAL(n > 3 * 4096);
	for (size_t i = 4096; i < n; i += 7)
		buf[i] = (char)(i * 31);
	f = fopen(p, "w");
	fwrite(buf, 1, n, f);
	fclose(f);
	free(buf);
	expect_refusal(p, NULL, "corrupt or not a talon journal");

	/* somebody else's SQLite database */
	snprintf(p, sizeof(p), "%s/other.db", dir);
	sqlite3 *db = NULL;
	sqlite3_open(p, &db);
	db_exec(db, "CREATE TABLE t(x); INSERT INTO t VALUES (1)");
	sqlite3_close(db);
	expect_refusal(p, NULL, "not a talon journal");
}

static void test_refuses_unusable_directory(void)
{
	char p[200], err[512];
	tl_journal_cfg_t c;

	snprintf(p, sizeof(p), "%s/missing/j.db", dir);
	c = cfg_for(p);
	CU_ASSERT_PTR_NULL(tl_journal_open(&c, NULL, err, sizeof(err)));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, p));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "No such file"));

	/* a path under a regular file: fails even for root */
	snprintf(p, sizeof(p), "%s/file", dir);
	FILE *f = fopen(p, "w");
	fclose(f);
	snprintf(p, sizeof(p), "%s/file/j.db", dir);
	c = cfg_for(p);
	CU_ASSERT_PTR_NULL(tl_journal_open(&c, NULL, err, sizeof(err)));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, p));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "not a directory"));

	/* a read-only directory: meaningful only when permissions bind us */
	char ro[160];
	snprintf(ro, sizeof(ro), "%s/ro", dir);
	mkdir(ro, 0500);
	if (access(ro, W_OK) == 0) {
		fprintf(stderr, "(running as root: chmod 0500 does not bind; the"
			" not-a-directory case above covers it)\n");
		return;
	}
	snprintf(p, sizeof(p), "%s/j.db", ro);
	c = cfg_for(p);
	CU_ASSERT_PTR_NULL(tl_journal_open(&c, NULL, err, sizeof(err)));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "not writable"));
	CU_ASSERT_EQUAL(access(p, F_OK), -1);
}

/* ---- the PERSIST thread -------------------------------------------------- */

/* Synthetic traffic: input seq i (a MARK), and for every 4th input an
 * output ORDER_SUBMITTED event for client id "c<i>" (orders rows grow). */
typedef struct producer {
	tl_spsc_rec_t ring;
	uint64_t inputs;          /* inputs to push */
	_Atomic uint64_t pushed;  /* records pushed */
	uint64_t out_seq;
	uint64_t first_seq;
} producer_t;

static size_t synth(uint64_t seq, uint64_t *out_seq, tl_record_t r[2])
{
	memset(r, 0, 2 * sizeof(*r));
	r[0].u.in.hdr.type = TL_IN_MARK;
	r[0].u.in.hdr.seq = seq;
	r[0].u.in.hdr.time = 1700000000LL * TL_NS_PER_S + (int64_t)seq * 1000;
	snprintf(r[0].u.in.u.mark.symbol, TL_SYMBOL_NAMELEN, "BTCUSDT");
	r[0].u.in.u.mark.price = (tl_fx_t)(50000 + seq % 100) * TL_FX_ONE;
	if (seq % 4)
		return 1;
	tl_output_t *o = &r[1].u.out;
	o->hdr.type = TL_OUT_EVENT;
	o->hdr.flags = TL_REC_OUTPUT;
	o->hdr.seq = ++*out_seq;
	o->hdr.cause_seq = seq;
	o->hdr.time = r[0].u.in.hdr.time;
	o->u.ev.type = TL_EV_ORDER_SUBMITTED;
	o->u.ev.priority = 5;
	snprintf(o->u.ev.symbol, TL_SYMBOL_NAMELEN, "BTCUSDT");
	snprintf(o->u.ev.u.order.client_id, TL_CLID_LEN, "c%" PRIu64, seq);
	o->u.ev.u.order.side = TL_BUY;
	o->u.ev.u.order.type = TL_ORD_LIMIT;
	o->u.ev.u.order.status = TL_ST_PENDING_NEW;
	o->u.ev.u.order.qty = TL_FX_ONE / 1000;
	o->u.ev.u.order.price = r[0].u.in.u.mark.price;
	return 2;
}

static void *producer_main(void *arg)
{
	producer_t *p = arg;
	tl_record_t r[2];
	for (uint64_t i = 0; i < p->inputs; i++) {
		size_t n = synth(p->first_seq + i, &p->out_seq, r);
		for (size_t k = 0; k < n; k++) {
			while (!tl_spsc_rec_push(&p->ring, &r[k]))
				sched_yield();
			atomic_fetch_add(&p->pushed, 1);
		}
	}
	return NULL;
}

static bool producer_pop(void *ctx, tl_record_t *rec)
{
	producer_t *p = ctx;
	return tl_spsc_rec_pop(&p->ring, rec);
}

static uint64_t synth_records(uint64_t inputs)
{
	return inputs + inputs / 4;
}

static void test_persist_thread_drains_200k_records_from_a_producer(void)
{
	tl_journal_t *j = jopen(path, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(j);
	static producer_t p;
	memset(&p, 0, sizeof(p));
	char err[256];
	CU_ASSERT_EQUAL_FATAL(tl_spsc_rec_init(&p.ring, 4096, err, sizeof(err)), 0);
	p.inputs = 160000;
	p.first_seq = 1;
	const uint64_t total = synth_records(p.inputs);
	CU_ASSERT_EQUAL(total, 200000);
	int64_t t0 = mono_ms();
	CU_ASSERT_EQUAL_FATAL(tl_journal_start(j, producer_pop, &p, err, sizeof(err)), 0);
	/* while running, the connection is the thread's */
	scan_acc_t a = { 0 };
	CU_ASSERT_EQUAL(tl_journal_scan(j, 0, scan_cb, &a, err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "PERSIST thread"));
	CU_ASSERT_EQUAL(tl_journal_write(j, NULL, 0, err, sizeof(err)), -1);
	pthread_t th;
	pthread_create(&th, NULL, producer_main, &p);
	pthread_join(th, NULL);
	tl_journal_stop(j);
	int64_t ms = mono_ms() - t0;
	const tl_journal_stats_t *st = tl_journal_stats(j);
	fprintf(stderr, "(200k records in %" PRId64 " ms, %" PRIu64 " commits)\n", ms,
		atomic_load(&st->commits));
	CU_ASSERT_EQUAL(atomic_load(&st->records), total);
	CU_ASSERT(atomic_load(&st->commits) >= total / 4096);
	CU_ASSERT(atomic_load(&st->commits) < total / 8);
	CU_ASSERT_EQUAL(atomic_load(&st->committed_seq), p.inputs);
	CU_ASSERT_EQUAL(tl_journal_committed_out_seq(j), p.out_seq);
	CU_ASSERT_FALSE(atomic_load(&st->failed));
	CU_ASSERT(atomic_load(&st->last_commit_ns) > 0);
	tl_journal_close(j);
	tl_spsc_rec_free(&p.ring);

	sqlite3 *db = db_open(path);
	CU_ASSERT_EQUAL(q_int(db, "SELECT count(*) FROM journal"), (int64_t)total);
	CU_ASSERT_EQUAL(q_int(db, "SELECT count(DISTINCT seq) FROM journal WHERE dir = 0"),
			(int64_t)p.inputs);
	CU_ASSERT_EQUAL(q_int(db, "SELECT count(*) FROM orders"), (int64_t)p.inputs / 4);
	/* append order == seq order */
	CU_ASSERT_EQUAL(q_int(db, "SELECT count(*) FROM journal a JOIN journal b"
			      " ON b.id = a.id + 1 WHERE a.dir = 0 AND b.dir = 0"
			      " AND b.seq != a.seq + 1"), 0);
	sqlite3_close(db);
}

static void test_strict_mode_commits_without_waiting_for_batch_us(void)
{
	tl_journal_cfg_t c = cfg_for(path);
	c.mode = TL_JOURNAL_STRICT;
	c.batch_us = 10 * 1000 * 1000;     /* 10 s: strict must not wait for it */
	char err[256];
	tl_journal_t *j = tl_journal_open(&c, NULL, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(j);
	static producer_t p;
	memset(&p, 0, sizeof(p));
	CU_ASSERT_EQUAL_FATAL(tl_spsc_rec_init(&p.ring, 64, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL_FATAL(tl_journal_start(j, producer_pop, &p, err, sizeof(err)), 0);
	tl_record_t r[2];
	CU_ASSERT_EQUAL(synth(4, &p.out_seq, r), 2);
	tl_spsc_rec_push(&p.ring, &r[0]);
	tl_spsc_rec_push(&p.ring, &r[1]);
	int64_t end = mono_ms() + 2000;
	while (tl_journal_committed_out_seq(j) < 1 && mono_ms() < end)
		nap_ms(1);
	CU_ASSERT_EQUAL(tl_journal_committed_out_seq(j), 1);
	/* input 4 may still get outputs: committed_seq waits for input 5 */
	CU_ASSERT(atomic_load(&tl_journal_stats(j)->committed_seq) < 4);
	synth(5, &p.out_seq, r);
	tl_spsc_rec_push(&p.ring, &r[0]);
	end = mono_ms() + 2000;
	while (atomic_load(&tl_journal_stats(j)->committed_seq) < 4 && mono_ms() < end)
		nap_ms(1);
	CU_ASSERT_EQUAL(atomic_load(&tl_journal_stats(j)->committed_seq), 4);
	tl_journal_stop(j);
	CU_ASSERT_EQUAL(atomic_load(&tl_journal_stats(j)->committed_seq), 5);
	tl_journal_close(j);
	tl_spsc_rec_free(&p.ring);
}

/* True when text has a line "<time> <level> <...needle...>". */
static bool log_has(const char *text, const char *level, const char *needle)
{
	for (const char *l = text; *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : "") {
		const char *nl = strchr(l, '\n');
		size_t len = nl ? (size_t)(nl - l) : strlen(l);
		const char *hit = strstr(l, needle);
		if (!hit || hit >= l + len || len < 31)
			continue;
		if (l[4] == '-' && l[10] == 'T' && l[23] == 'Z' && l[24] == ' ' &&
		    strncmp(l + 25, level, strlen(level)) == 0)
			return true;
	}
	return false;
}

/* The PERSIST thread's notices go through the engine's log (cfg.log):
 * with its time and level, to its file. */
static void test_disk_full_holds_records_then_commits_each_exactly_once(void)
{
	tl_journal_cfg_t c = cfg_for(path);
	c.batch_max = 256;
	c.log = tl_log;
	char err[256], logpath[160];
	snprintf(logpath, sizeof(logpath), "%s/talon.log", dir);
	CU_ASSERT_EQUAL_FATAL(tl_log_open_file(logpath, err, sizeof(err)), 0);
	tl_journal_t *j = tl_journal_open(&c, NULL, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(j);
	tl_journal_test_set_buffer_max(j, 4096);
	static producer_t p;
	memset(&p, 0, sizeof(p));
	CU_ASSERT_EQUAL_FATAL(tl_spsc_rec_init(&p.ring, 1024, err, sizeof(err)), 0);
	p.inputs = 40000;
	p.first_seq = 1;
	const uint64_t total = synth_records(p.inputs);
	const tl_journal_stats_t *st = tl_journal_stats(j);
	CU_ASSERT_EQUAL_FATAL(tl_journal_start(j, producer_pop, &p, err, sizeof(err)), 0);

	/* Freeze the file at its current size: the next growth is SQLITE_FULL. */
	int pages = tl_journal_test_set_max_pages(j, 1);
	CU_ASSERT(pages > 0);
	pthread_t th;
	pthread_create(&th, NULL, producer_main, &p);
	int64_t end = mono_ms() + 20000;
	while (!atomic_load(&st->failed) && mono_ms() < end)
		nap_ms(1);
	CU_ASSERT_TRUE_FATAL(atomic_load(&st->failed));
	CU_ASSERT_EQUAL(atomic_load(&st->last_errcode), SQLITE_FULL);

	/* Held, not lost: the buffer fills, then the ring, then the producer
	 * waits (the engine would refuse orders by now). */
	nap_ms(1500);
	uint64_t pushed = atomic_load(&p.pushed);
	uint64_t committed = atomic_load(&st->records);
	CU_ASSERT(pushed < total);
	CU_ASSERT(pushed <= committed + 4096 + 1024);
	nap_ms(300);
	CU_ASSERT_EQUAL(atomic_load(&p.pushed), pushed);
	CU_ASSERT_TRUE(atomic_load(&st->failed));

	/* The disk has room again: the next retry commits everything. */
	CU_ASSERT(tl_journal_test_set_max_pages(j, 1 << 30) > pages);
	pthread_join(th, NULL);
	end = mono_ms() + 20000;
	while ((atomic_load(&st->failed) || atomic_load(&st->records) < total) &&
	       mono_ms() < end)
		nap_ms(5);
	CU_ASSERT_FALSE(atomic_load(&st->failed));
	tl_journal_stop(j);
	CU_ASSERT_EQUAL(atomic_load(&st->records), total);
	tl_journal_close(j);
	tl_spsc_rec_free(&p.ring);

	sqlite3 *db = db_open(path);
	CU_ASSERT_EQUAL(q_int(db, "SELECT count(*) FROM journal"), (int64_t)total);
	CU_ASSERT_EQUAL(q_int(db, "SELECT count(DISTINCT seq) FROM journal WHERE dir = 0"),
			(int64_t)p.inputs);
	CU_ASSERT_EQUAL(q_int(db, "SELECT count(DISTINCT seq) FROM journal WHERE dir = 1"),
			(int64_t)p.inputs / 4);
	CU_ASSERT_EQUAL(q_int(db, "SELECT count(*) FROM orders"), (int64_t)p.inputs / 4);
	CU_ASSERT_EQUAL(q_int(db, "SELECT count(*) FROM events"), (int64_t)p.inputs / 4);
	CU_ASSERT_EQUAL(q_int(db, "SELECT max(seq) FROM journal WHERE dir = 0"), (int64_t)p.inputs);
	CU_ASSERT_STRING_EQUAL(q_text(db, "PRAGMA integrity_check"), "ok");
	sqlite3_close(db);

	tl_log_close_file();
	static char text[1 << 16];
	FILE *f = fopen(logpath, "r");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	text[fread(text, 1, sizeof(text) - 1, f)] = '\0';
	fclose(f);
	CU_ASSERT_TRUE(log_has(text, "ERROR", "records failed: database or disk is full"));
	CU_ASSERT_TRUE(log_has(text, "INFO ", "writing again;"));
}

/* The synchronous path reports the failure and keeps nothing half-done. */
static void test_write_failure_rolls_back_the_whole_transaction(void)
{
	tl_journal_t *j = jopen(path, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(j);
	static tl_record_t recs[20000];
	uint64_t out_seq = 0;
	size_t n = 0;
	for (uint64_t s = 1; n < 19000; s++)
		n += synth(s, &out_seq, &recs[n]);
	char err[256];
	CU_ASSERT(tl_journal_test_set_max_pages(j, 1) > 0);
	CU_ASSERT_EQUAL(tl_journal_write(j, recs, n, err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "full"));
	CU_ASSERT_EQUAL(atomic_load(&tl_journal_stats(j)->records), 0);
	tl_journal_test_set_max_pages(j, 1 << 30);
	CU_ASSERT_EQUAL(tl_journal_write(j, recs, n, err, sizeof(err)), 0);
	char v[32];
	tl_journal_meta_get(j, "last_output_seq", v, sizeof(v));
	CU_ASSERT_EQUAL(strtoull(v, NULL, 10), out_seq);
	tl_journal_close(j);
	sqlite3 *db = db_open(path);
	CU_ASSERT_EQUAL(q_int(db, "SELECT count(*) FROM journal"), (int64_t)n);
	CU_ASSERT_EQUAL(q_int(db, "SELECT count(*) FROM orders"), (int64_t)out_seq);
	sqlite3_close(db);
}

/* ---- crash mid-write ------------------------------------------------------ */

#define CRASH_BATCH 500

/* Child: append batches of CRASH_BATCH records forever (until killed). */
static _Noreturn void crash_child(void)
{
	tl_journal_t *j = jopen(path, NULL);
	if (!j)
		_exit(2);
	char v[32], err[256];
	tl_journal_meta_get(j, "last_input_seq", v, sizeof(v));
	uint64_t seq = strtoull(v, NULL, 10) + 1;
	tl_journal_meta_get(j, "last_output_seq", v, sizeof(v));
	uint64_t out_seq = strtoull(v, NULL, 10);
	static tl_record_t recs[CRASH_BATCH + 1];
	for (;;) {
		size_t n = 0;
		/* synthetic pairs can straddle the batch end: keep a batch
		 * exactly CRASH_BATCH records by writing inputs only */
		while (n < CRASH_BATCH) {
			synth(seq, &out_seq, &recs[n]);
			seq++;
			n++;
		}
		if (tl_journal_write(j, recs, n, err, sizeof(err)) < 0)
			_exit(3);
	}
}

typedef struct crash_check {
	uint64_t next_seq;
	bool ok;
} crash_check_t;

static int crash_scan(void *ctx, const tl_record_t *rec)
{
	crash_check_t *c = ctx;
	if (rec->u.hdr.seq != c->next_seq++ || rec->u.in.hdr.type != TL_IN_MARK)
		c->ok = false;
	return 0;
}

static void test_killed_writer_leaves_whole_transactions_and_integrity_ok(void)
{
	tl_journal_close(jopen(path, NULL));
	srand(1234);
	int64_t last = 0;
	for (int round = 0; round < 4; round++) {
		pid_t pid = fork();
		CU_ASSERT_FATAL(pid >= 0);
		if (pid == 0)
			crash_child();
		/* let it commit a few batches, then kill it at a random point */
		sqlite3 *db = db_open(path);
		int64_t end = mono_ms() + 20000;
		while (q_int(db, "SELECT count(*) FROM journal") < last + 3 * CRASH_BATCH &&
		       mono_ms() < end)
			nap_ms(2);
		sqlite3_close(db);
		nap_ms(rand() % 40);
		kill(pid, SIGKILL);
		int status = 0;
		waitpid(pid, &status, 0);
		CU_ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);

		bool fresh = true;
		tl_journal_t *j = jopen(path, &fresh);
		CU_ASSERT_PTR_NOT_NULL_FATAL(j);
		CU_ASSERT_FALSE(fresh);
		crash_check_t cc = { .next_seq = 1, .ok = true };
		char err[256];
		CU_ASSERT_EQUAL(tl_journal_scan(j, 0, crash_scan, &cc, err, sizeof(err)), 0);
		CU_ASSERT_TRUE(cc.ok);
		int64_t count = (int64_t)cc.next_seq - 1;
		char v[32];
		tl_journal_meta_get(j, "last_input_seq", v, sizeof(v));
		CU_ASSERT_EQUAL(strtoll(v, NULL, 10), count);
		tl_journal_close(j);

		db = db_open(path);
		CU_ASSERT_STRING_EQUAL(q_text(db, "PRAGMA integrity_check"), "ok");
		CU_ASSERT_EQUAL(q_int(db, "SELECT count(*) FROM journal"), count);
		sqlite3_close(db);
		CU_ASSERT_EQUAL(count % CRASH_BATCH, 0);
		CU_ASSERT(count >= last + 3 * CRASH_BATCH);
		last = count;
	}
}

/* ---- strategy tags -------------------------------------------------------- */

static const char *j_submit_tag(const char *tag, tl_side_t side, const char *qty)
{
	static char ids[4][TL_CLID_LEN];
	static int slot;
	tl_input_t in = kf_order_in("BTCUSDT", side, TL_ORD_MARKET, qty, NULL);
	snprintf(in.u.submit.strategy, sizeof(in.u.submit.strategy), "%s", tag);
	uint64_t h = 0;
	char *o = ids[slot++ % 4];
	o[0] = '\0';
	if (jin(&in, &h) == TL_REJ_NONE && h)
		snprintf(o, TL_CLID_LEN, "%s", kf_clid(h));
	return o;
}

/* Two tags, an untagged order and a signal whose legs inherit its tag. */
static char s1[TL_CLID_LEN], s2[TL_CLID_LEN], s3[TL_CLID_LEN], se[TL_CLID_LEN];

static void strategy_session(void)
{
	session_begin();
	j_mark("BTCUSDT", "50000");
	snprintf(s1, sizeof(s1), "%s", j_submit_tag("alpha", TL_BUY, "0.010"));
	j_update(s1, TL_ST_NEW, 11);
	j_fill(s1, 1, "50000", "0.010", "0.2", false);
	snprintf(s2, sizeof(s2), "%s", j_submit_tag("beta-2", TL_SELL, "0.004"));
	j_update(s2, TL_ST_NEW, 12);
	j_fill(s2, 2, "50100", "0.004", "0.1", false);
	snprintf(s3, sizeof(s3), "%s", j_submit_tag("", TL_BUY, "0.002"));
	j_update(s3, TL_ST_NEW, 13);
	j_fill(s3, 3, "50000", "0.002", "0.04", false);
	j_submit_tag("bad tag", TL_BUY, "0.002");	/* refused */
	tl_input_t in;
	memset(&in, 0, sizeof(in));
	in.hdr.type = TL_IN_SIGNAL;
	snprintf(in.u.signal.symbol, sizeof(in.u.signal.symbol), "BTCUSDT");
	in.u.signal.signal = TL_SIG_LONG_ENTRY;
	in.u.signal.qty = fx("0.010");
	in.u.signal.tp = fx("52000");
	in.u.signal.sl = fx("49000");
	snprintf(in.u.signal.strategy, sizeof(in.u.signal.strategy), "alpha");
	uint64_t h = 0;
	CU_ASSERT_EQUAL_FATAL(jin(&in, &h), TL_REJ_NONE);
	snprintf(se, sizeof(se), "%s", kf_clid(h));
	j_update(se, TL_ST_NEW, 14);
	j_fill(se, 4, "50000", "0.010", "0.2", false);
}

static void check_strategy_rows(sqlite3 *db)
{
	CU_ASSERT_EQUAL(q_int(db, "SELECT count(*) FROM strategies"), 2);
	CU_ASSERT_STRING_EQUAL(q_text(db, "SELECT name FROM strategies WHERE id = 1"), "alpha");
	CU_ASSERT_STRING_EQUAL(q_text(db, "SELECT name FROM strategies WHERE id = 2"), "beta-2");
	CU_ASSERT_STRING_EQUAL(q_text(db, "SELECT strategy FROM orders WHERE client_id = '%s'",
				      s1), "alpha");
	CU_ASSERT_STRING_EQUAL(q_text(db, "SELECT strategy FROM orders WHERE client_id = '%s'",
				      s2), "beta-2");
	CU_ASSERT_EQUAL(q_int(db, "SELECT count(*) FROM orders WHERE strategy IS NULL"), 1);
	CU_ASSERT_STRING_EQUAL(q_text(db, "SELECT strategy FROM fills WHERE trade_id = 2"),
			       "beta-2");
	CU_ASSERT_EQUAL(q_int(db, "SELECT count(*) FROM fills WHERE trade_id = 3"
			      " AND strategy IS NULL"), 1);
	/* the signal's entry and both of its legs are alpha's */
	CU_ASSERT_EQUAL(q_int(db, "SELECT count(*) FROM orders WHERE strategy = 'alpha'"), 4);
	CU_ASSERT_EQUAL(q_int(db, "SELECT count(*) FROM orders WHERE strategy = 'alpha'"
			      " AND type IN ('TAKE_PROFIT_MARKET', 'STOP_MARKET')"), 2);
	CU_ASSERT_EQUAL(q_int(db, "SELECT count(*) FROM fills WHERE strategy = 'alpha'"), 2);
	CU_ASSERT_EQUAL(q_int(db, "SELECT count(*) FROM events WHERE type = 'STRATEGY_ADDED'"), 2);
	CU_ASSERT_STRING_EQUAL(q_text(db, "SELECT value FROM meta WHERE key = 'schema_version'"),
			       "2");
}

static void test_strategy_tags_on_orders_and_fills(void)
{
	strategy_session();
	CU_ASSERT_EQUAL_FATAL(KF->lost, 0);
	tl_journal_t *j = jopen(path, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(j);
	write_session(j);
	tl_journal_close(j);
	sqlite3 *db = db_open(path);
	check_strategy_rows(db);
	sqlite3_close(db);
}

/* A version 1 journal (no strategy columns) is migrated in place on open,
 * its rows kept, and takes tagged records afterwards. */
static void test_migrates_a_version_1_journal(void)
{
	session_run();
	tl_journal_t *j = jopen(path, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(j);
	write_session(j);
	tl_journal_close(j);
	sqlite3 *db = db_open(path);
	db_exec(db, "ALTER TABLE orders DROP COLUMN strategy;"
		    "ALTER TABLE fills DROP COLUMN strategy; DROP TABLE strategies;"
		    "DROP VIEW position_history_pnl; DROP TABLE position_history;"
		    "DELETE FROM meta WHERE key = 'round_trips_from_seq';"
		    "UPDATE meta SET value = '1' WHERE key IN ('schema_version',"
		    " 'record_version')");
	int64_t orders = q_int(db, "SELECT count(*) FROM orders");
	sqlite3_close(db);

	bool fresh = true;
	j = jopen(path, &fresh);
	CU_ASSERT_PTR_NOT_NULL_FATAL(j);
	CU_ASSERT_FALSE(fresh);
	tl_journal_close(j);
	db = db_open(path);
	CU_ASSERT_STRING_EQUAL(q_text(db, "SELECT value FROM meta WHERE key = 'schema_version'"),
			       "2");
	CU_ASSERT_STRING_EQUAL(q_text(db, "SELECT value FROM meta WHERE key = 'record_version'"),
			       "2");
	CU_ASSERT_EQUAL(q_int(db, "SELECT count(*) FROM orders"), orders);
	CU_ASSERT_EQUAL(q_int(db, "SELECT count(*) FROM orders WHERE strategy IS NOT NULL"), 0);
	CU_ASSERT_EQUAL(q_int(db, "SELECT count(*) FROM strategies"), 0);
	CU_ASSERT_EQUAL(q_int(db, "SELECT count(*) FROM position_history_pnl"), 0);
	CU_ASSERT_EQUAL(q_int(db, "SELECT value FROM meta WHERE key = 'round_trips_from_seq'"),
			q_int(db, "SELECT value FROM meta WHERE key = 'last_input_seq'") + 1);
	sqlite3_close(db);
	unlink(path);

	/* the migrated file takes a tagged session like a new one */
	kfix_free(KF);	/* session_begin makes a new fixture */
	KF = NULL;
	strategy_session();
	j = jopen(path, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(j);
	tl_journal_close(j);
	db = db_open(path);
	db_exec(db, "ALTER TABLE orders DROP COLUMN strategy;"
		    "ALTER TABLE fills DROP COLUMN strategy; DROP TABLE strategies;"
		    "DROP VIEW position_history_pnl; DROP TABLE position_history;"
		    "DELETE FROM meta WHERE key = 'round_trips_from_seq';"
		    "UPDATE meta SET value = '1' WHERE key = 'schema_version'");
	sqlite3_close(db);
	j = jopen(path, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(j);
	write_session(j);
	tl_journal_close(j);
	db = db_open(path);
	check_strategy_rows(db);
	sqlite3_close(db);
}

/* The live order of `role` (a leg of a signal), or "". */
static const char *live_leg(tl_ord_role_t role)
{
	for (uint32_t i = 0; i < KF->k.orders.cap; i++) {
		const tl_order_t *o = &KF->k.orders.slot[i];
		if (o->list == TL_LIST_ACTIVE && o->role == role)
			return o->client_id;
	}
	return "";
}

/* Closed positions: a manual round trip of one tag, a take-profit of
 * another, a liquidation of an untagged one. */
static void test_position_history_rows_and_exit_reasons(void)
{
	session_begin();
	j_mark("BTCUSDT", "50000");
	j_mark("ETHUSDT", "3000");
	tl_time_t t_open = 0;
	char c[TL_CLID_LEN];
	snprintf(c, sizeof(c), "%s", j_submit_tag("alpha", TL_BUY, "0.010"));
	j_update(c, TL_ST_NEW, 21);
	j_fill(c, 1, "50000", "0.010", "0.2", false);
	t_open = KF->now;
	snprintf(c, sizeof(c), "%s", j_submit_tag("alpha", TL_SELL, "0.010"));
	j_update(c, TL_ST_NEW, 22);
	j_fill(c, 2, "50500", "0.010", "0.2", false);

	tl_input_t in;
	memset(&in, 0, sizeof(in));
	in.hdr.type = TL_IN_SIGNAL;
	snprintf(in.u.signal.symbol, sizeof(in.u.signal.symbol), "BTCUSDT");
	in.u.signal.signal = TL_SIG_LONG_ENTRY;
	in.u.signal.qty = fx("0.020");
	in.u.signal.tp = fx("52000");
	snprintf(in.u.signal.strategy, sizeof(in.u.signal.strategy), "beta");
	uint64_t h = 0;
	CU_ASSERT_EQUAL_FATAL(jin(&in, &h), TL_REJ_NONE);
	snprintf(c, sizeof(c), "%s", kf_clid(h));
	j_update(c, TL_ST_NEW, 23);
	j_fill(c, 3, "50000", "0.020", "0.4", false);
	snprintf(c, sizeof(c), "%s", live_leg(TL_ROLE_TP));
	CU_ASSERT_FATAL(c[0] != '\0');
	j_update(c, TL_ST_NEW, 24);
	j_fill(c, 4, "52000", "0.020", "0.4", false);

	tl_input_t e = kf_order_in("ETHUSDT", TL_SELL, TL_ORD_MARKET, "1.000", NULL);
	CU_ASSERT_EQUAL_FATAL(jin(&e, &h), TL_REJ_NONE);
	snprintf(c, sizeof(c), "%s", kf_clid(h));
	j_update(c, TL_ST_NEW, 25);
	j_fill(c, 5, "3000", "1.000", "1.5", false);
	j_control(TL_CTL_LIQUIDATE, "test");
	snprintf(c, sizeof(c), "%s", live_leg(TL_ROLE_EMERGENCY));
	CU_ASSERT_FATAL(c[0] != '\0');
	j_update(c, TL_ST_NEW, 26);
	j_fill(c, 6, "2900", "1.000", "1.5", false);
	CU_ASSERT_EQUAL_FATAL(KF->lost, 0);

	tl_journal_t *j = jopen(path, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(j);
	write_session(j);
	tl_journal_close(j);
	sqlite3 *db = db_open(path);
	CU_ASSERT_EQUAL(q_int(db, "SELECT count(*) FROM position_history"), 5);
	/* alpha's manual round trip: the venue's position and alpha's own */
	CU_ASSERT_EQUAL(q_int(db, "SELECT count(*) FROM position_history WHERE"
			      " exit_reason = 'MANUAL' AND symbol = 'BTCUSDT'"
			      " AND side = 'LONG' AND entry = '50000' AND exit = '50500'"
			      " AND max_qty = '0.01' AND realized = '5'"
			      " AND commission = '0.4'"), 2);
	CU_ASSERT_STRING_EQUAL(q_text(db, "SELECT strategy FROM position_history WHERE"
				      " exit_reason = 'MANUAL' AND scope = 'strategy'"), "alpha");
	CU_ASSERT_EQUAL(q_int(db, "SELECT count(*) FROM position_history WHERE"
			      " exit_reason = 'MANUAL' AND scope = 'position'"
			      " AND strategy IS NULL"), 1);
	CU_ASSERT_EQUAL(q_int(db, "SELECT opened_ns FROM position_history WHERE"
			      " exit_reason = 'MANUAL' AND scope = 'position'"), t_open);
	/* beta's take-profit */
	CU_ASSERT_EQUAL(q_int(db, "SELECT count(*) FROM position_history WHERE"
			      " exit_reason = 'TAKE_PROFIT' AND exit = '52000'"
			      " AND realized = '40' AND commission = '0.8'"), 2);
	CU_ASSERT_STRING_EQUAL(q_text(db, "SELECT strategy FROM position_history WHERE"
				      " exit_reason = 'TAKE_PROFIT' AND scope = 'strategy'"),
			       "beta");
	/* the liquidation of an untagged short: the venue's position only */
	CU_ASSERT_EQUAL(q_int(db, "SELECT count(*) FROM position_history WHERE"
			      " exit_reason = 'LIQUIDATION' AND symbol = 'ETHUSDT'"
			      " AND side = 'SHORT' AND scope = 'position' AND entry = '3000'"
			      " AND exit = '2900' AND max_qty = '1' AND realized = '100'"
			      " AND commission = '3'"), 1);
	CU_ASSERT_STRING_EQUAL(q_text(db, "SELECT net FROM position_history_pnl WHERE"
				      " exit_reason = 'LIQUIDATION'"), "97");
	CU_ASSERT_STRING_EQUAL(q_text(db, "SELECT net FROM position_history_pnl WHERE"
				      " exit_reason = 'TAKE_PROFIT' AND scope = 'strategy'"),
			       "39.2");
	sqlite3_close(db);
}

TL_TEST_SUITE("persist.journal", each_setup, each_teardown,
	      TL_TEST(test_position_history_rows_and_exit_reasons),
	      TL_TEST(test_strategy_tags_on_orders_and_fills),
	      TL_TEST(test_migrates_a_version_1_journal),
	      TL_TEST(test_create_then_reopen_is_not_fresh),
	      TL_TEST(test_journal_files_are_private),
	      TL_TEST(test_session_fills_every_table_and_view),
	      TL_TEST(test_position_pnl_view_is_exact),
	      TL_TEST(test_reopen_continues_meta_and_restarts_progress),
	      TL_TEST(test_scan_returns_exact_bytes_in_order_and_stops_at_until_seq),
	      TL_TEST(test_refuses_newer_schema),
	      TL_TEST(test_refuses_another_engines_journal),
	      TL_TEST(test_refuses_corrupt_or_foreign_file),
	      TL_TEST(test_refuses_unusable_directory),
	      TL_TEST(test_persist_thread_drains_200k_records_from_a_producer),
	      TL_TEST(test_strict_mode_commits_without_waiting_for_batch_us),
	      TL_TEST(test_disk_full_holds_records_then_commits_each_exactly_once),
	      TL_TEST(test_write_failure_rolls_back_the_whole_transaction),
	      TL_TEST(test_killed_writer_leaves_whole_transactions_and_integrity_ok));
