/*
 * test_replay.c - persist/replay.c: known journals replayed through the
 * kernel, the post-mortem they print, --verify, and `talon replay` as a
 * process.
 *
 * The journal is made here: a kernel fixture (tests/support/kfix.h) whose
 * kernel is built from a test config (the same one replay is given) runs
 * a scripted scenario with exact times (orders with fills, a cancel, a
 * venue reject, a refusal, a liquidation with a close order); every input
 * and output goes through tl_journal_write, which also fills the derived
 * tables. Then replay must reproduce every output, print the expected
 * steps and latencies, verify the tables, and find tampering.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <limits.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cJSON.h>
#include <sqlite3.h>

#include "runtime/config.h"
#include "persist/journal.h"
#include "persist/replay.h"
#include "runtime/replay_config.h"
#include "tests/support/dbfix.h"
#include "tests/support/kfix.h"
#include "tests/support/subproc.h"
#include "tests/support/tl_test.h"

extern char **environ;

#define T0 (1700000000LL * TL_NS_PER_S)
#define MS(x) (T0 + (tl_time_t)(x) * TL_NS_PER_MS)

static char dir[256], cfg_path[PATH_MAX], jpath[PATH_MAX], talon_bin[PATH_MAX];
static char err[512];

/* The records of the scenario, in engine order. */
static tl_record_t *recs;
static size_t nrecs, caprecs;

/* ---- building a journal -------------------------------------------------- */

static void rec_add(const tl_record_t *r)
{
	tl_test_rec_push(&recs, &nrecs, &caprecs, r);
}

/* A fixture whose kernel comes from the test config. */
static kfix_t *fixture_from_config(const char *path)
{
	tl_config_t *c = calloc(1, sizeof(*c));
	kfix_t *f = calloc(1, sizeof(*f));
	tl_symbols_t syms;
	if (!c || !f || tl_config_load(c, path, err, sizeof(err)) < 0 ||
	    tl_config_symbols(c, &syms, err, sizeof(err)) < 0 ||
	    tl_kernel_init(&f->k, &c->kernel, &syms, err, sizeof(err)) < 0) {
		fprintf(stderr, "fixture: %s\n", err);
		abort();
	}
	for (uint32_t i = 0; i < c->n_symbols; i++)
		if (c->leverage[i])
			tl_kernel_set_leverage(&f->k, c->symbols[i], c->leverage[i]);
	free(c);
	f->sink.emit = kfix_emit;
	f->sink.ctx = f;
	f->now = T0;
	KF = f;
	return f;
}

/* Apply one input at `t` and record it with its outputs. */
static void J(tl_input_t *in, tl_time_t t)
{
	tl_record_t r;
	in->hdr.time = t;
	kfix_clear();
	kf_apply(in);
	memset(&r, 0, sizeof(r));
	r.u.in = *in;
	rec_add(&r);
	for (uint32_t i = 0; i < KF->n; i++) {
		r.u.out = KF->out[i];
		r.u.hdr.flags |= TL_REC_OUTPUT;
		rec_add(&r);
	}
}

/* Client id of the order the last input created ("" if none). */
static const char *last_clid(void)
{
	static char c[TL_CLID_LEN];
	const tl_output_t *o = kf_last_ev(TL_EV_ORDER_SUBMITTED);
	snprintf(c, sizeof(c), "%s", o ? o->u.ev.u.order.client_id : "");
	return c;
}

static void j_mark(tl_time_t t, const char *sym, const char *px)
{
	tl_input_t in = kf_mark_in(sym, px);
	J(&in, t);
}

static void j_submit(tl_time_t t, const char *sym, tl_side_t side, tl_ord_type_t type,
		     const char *qty, const char *px)
{
	tl_input_t in = kf_order_in(sym, side, type, qty, px);
	J(&in, t);
}

static void j_update(tl_time_t t, const char *clid, tl_ord_status_t st, int64_t vid,
		     int32_t code, const char *text)
{
	tl_input_t in = kf_update_in(clid, NULL, vid, st, code);
	snprintf(in.u.update.text, sizeof(in.u.update.text), "%s", text ? text : "");
	J(&in, t);
}

static void j_fill(tl_time_t t, const char *clid, int64_t trade, const char *px,
		   const char *qty, const char *fee)
{
	tl_input_t in = kf_fill_in(clid, NULL, 0, trade, px, qty, fee);
	J(&in, t);
}

static void j_cancel(tl_time_t t, const char *clid)
{
	tl_input_t in = kf_cancel_in(clid);
	J(&in, t);
}

static void j_control(tl_time_t t, tl_ctl_cmd_t cmd, const char *why)
{
	tl_input_t in = kf_control_in(cmd, why);
	J(&in, t);
}

/* Client ids of the scenario's orders. */
static char A[TL_CLID_LEN], B[TL_CLID_LEN], C[TL_CLID_LEN], D[TL_CLID_LEN],
	E[TL_CLID_LEN];

/*
 * The scenario (times in ms after T0):
 *   A BUY 0.01 BTC @50000: sent 10, acked 12, fills 15 (0.004) and 17 (0.006)
 *   B BUY 0.01 BTC @49000: acked 21, cancel 30, canceled 33
 *   C SELL 0.1 ETH @3100: venue reject -2019 at 41
 *   a refusal at 45 (qty below the step)
 *   D BUY 0.1 ETH @3000: acked 51, still open
 *   LIQUIDATE at 100: D canceled at 103, close order E acked 104, filled 106
 */
static void scenario(void)
{
	j_mark(MS(0), "BTCUSDT", "50000");
	j_mark(MS(0), "ETHUSDT", "3000");
	j_submit(MS(10), "BTCUSDT", TL_BUY, TL_ORD_LIMIT, "0.01", "50000");
	snprintf(A, sizeof(A), "%s", last_clid());
	j_update(MS(12), A, TL_ST_NEW, 501, 0, NULL);
	j_fill(MS(15), A, 1001, "50000", "0.004", "0.08");
	j_fill(MS(17), A, 1002, "50000", "0.006", "0.12");

	j_submit(MS(20), "BTCUSDT", TL_BUY, TL_ORD_LIMIT, "0.01", "49000");
	snprintf(B, sizeof(B), "%s", last_clid());
	j_update(MS(21), B, TL_ST_NEW, 502, 0, NULL);
	j_cancel(MS(30), B);
	j_update(MS(33), B, TL_ST_CANCELED, 502, 0, NULL);

	j_submit(MS(40), "ETHUSDT", TL_SELL, TL_ORD_LIMIT, "0.1", "3100");
	snprintf(C, sizeof(C), "%s", last_clid());
	j_update(MS(41), C, TL_ST_REJECTED, 0, -2019, "Margin is insufficient.");

	j_submit(MS(45), "BTCUSDT", TL_BUY, TL_ORD_LIMIT, "0.0001", "50000");

	j_submit(MS(50), "ETHUSDT", TL_BUY, TL_ORD_LIMIT, "0.1", "3000");
	snprintf(D, sizeof(D), "%s", last_clid());
	j_update(MS(51), D, TL_ST_NEW, 504, 0, NULL);

	j_control(MS(100), TL_CTL_LIQUIDATE, "operator kill");
	snprintf(E, sizeof(E), "%s", last_clid());
	j_update(MS(103), D, TL_ST_CANCELED, 504, 0, NULL);
	j_update(MS(104), E, TL_ST_NEW, 505, 0, NULL);
	j_fill(MS(106), E, 1003, "49990", "0.01", "0.2");
}

static tl_journal_t *journal_open(const char *path)
{
	tl_journal_cfg_t jc;
	memset(&jc, 0, sizeof(jc));
	snprintf(jc.path, sizeof(jc.path), "%s", path);
	snprintf(jc.engine, sizeof(jc.engine), "rtest");
	bool fresh;
	tl_journal_t *j = tl_journal_open(&jc, &fresh, err, sizeof(err));
	if (!j)
		fprintf(stderr, "journal_open: %s\n", err);
	return j;
}

/* Write recs[0..n) as a fresh journal at `path`. */
static int journal_make(const char *path, size_t n)
{
	unlink(path);
	tl_journal_t *j = journal_open(path);
	if (!j)
		return -1;
	int rc = tl_journal_write(j, recs, n, err, sizeof(err));
	if (rc < 0)
		fprintf(stderr, "journal_make: %s\n", err);
	tl_journal_close(j);
	return rc;
}

static int write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	if (!f)
		return -1;
	fputs(text, f);
	return fclose(f);
}

static int write_config(const char *path, const char *only)
{
	char exch[PATH_MAX], buf[2048];
	if (!realpath(tl_test_data_path("exchange_info.json"), exch))
		return -1;
	snprintf(buf, sizeof(buf),
		 "{\"engine\": {\"name\": \"rtest\"},\n"
		 " \"kernel\": {\"order_capacity\": 64, \"trade_capacity\": 256,\n"
		 "            \"client_id_prefix\": \"tlr\", \"id_block\": 10},\n"
		 " \"risk\": {\"loss_limit\": \"0\", \"max_order_notional\": \"0\"},\n"
		 " \"symbols\": {\"exchange_info\": \"%.1500s\", \"only\": [%s],\n"
		 "             \"leverage\": {\"BTCUSDT\": 20}},\n"
		 " \"journal\": {\"path\": \"\"}}\n", exch, only);
	return write_file(path, buf);
}

static int suite_init(void)
{
	if (tl_test_talon_path(talon_bin, sizeof talon_bin) < 0)
		return 1;

	snprintf(dir, sizeof(dir), "/tmp/talon_replay_%d", (int)getpid());
	mkdir(dir, 0700);
	snprintf(cfg_path, sizeof(cfg_path), "%.200s/cfg.json", dir);
	snprintf(jpath, sizeof(jpath), "%.200s/j.db", dir);
	if (write_config(cfg_path, "\"BTCUSDT\", \"ETHUSDT\"") < 0)
		return 1;
	fixture_from_config(cfg_path);
	scenario();
	if (KF->lost || !A[0] || !B[0] || !C[0] || !D[0] || !E[0])
		return 1;
	return journal_make(jpath, nrecs) < 0;
}

static int suite_clean(void)
{
	char cmd[PATH_MAX + 16];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		return 1;
	kfix_free(KF);
	free(recs);
	return 0;
}

/* ---- helpers: run the replay, read what it printed ----------------------- */

static char *slurp(FILE *f)
{
	long n;
	fflush(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	char *s = malloc((size_t)n + 1);
	if (!s)
		abort();
	s[fread(s, 1, (size_t)n, f)] = '\0';
	return s;
}

static void opts_init(tl_replay_opts_t *o, const char *journal)
{
	memset(o, 0, sizeof(*o));
	o->journal_path = journal;
	o->config_path = cfg_path;
	o->format = TL_REPLAY_TEXT;
}

/* Run and return the report (caller frees); *rc gets the return code. */
static char *run(tl_replay_opts_t *o, tl_replay_result_t *res, int *rc)
{
	FILE *f = tmpfile();
	if (!f)
		abort();
	o->out = f;
	*rc = tl_replay_run(o, res, err, sizeof(err));
	if (*rc < 0)
		fprintf(stderr, "replay: %s\n", err);
	char *s = slurp(f);
	fclose(f);
	return s;
}

/* The line of `text` holding both `a` and `b`, or NULL. */
static const char *line_with(const char *text, const char *a, const char *b)
{
	static char line[1024];
	const char *p = text;
	while (*p) {
		const char *e = strchr(p, '\n');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		snprintf(line, sizeof(line), "%.*s", (int)(n < sizeof(line) ? n : sizeof(line) - 1), p);
		if (strstr(line, a) && (!b || strstr(line, b)))
			return line;
		p += n + (e ? 1 : 0);
	}
	return NULL;
}

#define CU_ASSERT_LINE(text, a, b)                                              \
	do {                                                                    \
		const char *b_ = (b);                                           \
		if (!line_with((text), (a), b_))                                \
			fprintf(stderr, "no line with '%s' and '%s'\n", (a),    \
				b_ ? b_ : "");                                  \
		CU_ASSERT_PTR_NOT_NULL(line_with((text), (a), b_));             \
	} while (0)

static int copy_file(const char *from, const char *to)
{
	char cmd[3 * PATH_MAX];
	snprintf(cmd, sizeof(cmd), "cp '%s' '%s'", from, to);
	return system(cmd);
}

static int sql(const char *path, const char *q)
{
	sqlite3 *db;
	if (sqlite3_open(path, &db) != SQLITE_OK)
		return -1;
	char *e = NULL;
	int rc = sqlite3_exec(db, q, NULL, NULL, &e);
	if (rc != SQLITE_OK)
		fprintf(stderr, "sql: %s\n", e ? e : "?");
	sqlite3_free(e);
	sqlite3_close(db);
	return rc == SQLITE_OK ? 0 : -1;
}

/* ---- the library call recovery uses -------------------------------------- */

static void test_into_kernel_reproduces_state_and_ids(void)
{
	tl_journal_t *j = journal_open(jpath);
	CU_ASSERT_PTR_NOT_NULL_FATAL(j);
	kfix_t *orig = KF;
	kfix_t *f = fixture_from_config(cfg_path);
	tl_replay_stats_t st;
	int rc = tl_replay_into_kernel(j, &f->k, 0, &st, err, sizeof(err));
	CU_ASSERT_EQUAL(rc, 0);
	CU_ASSERT_EQUAL(st.mismatches, 0);
	CU_ASSERT_EQUAL(st.lost_outputs, 0);
	CU_ASSERT_EQUAL(st.records, nrecs);
	CU_ASSERT_EQUAL(st.inputs, orig->in_seq);
	CU_ASSERT_EQUAL(st.outputs, st.matched);
	CU_ASSERT_EQUAL(st.regenerated, st.outputs);
	CU_ASSERT_EQUAL(st.last_in_seq, orig->in_seq);
	CU_ASSERT_EQUAL(st.last_out_seq, orig->k.out_seq);
	CU_ASSERT_EQUAL(f->k.out_seq, orig->k.out_seq);
	CU_ASSERT_EQUAL(st.max_client_seq, 5);	/* tlr1..tlr5 */
	CU_ASSERT_EQUAL(st.id_reserved_to, orig->k.id_reserved_to);
	CU_ASSERT_EQUAL(f->k.state, TL_TS_PAUSED);
	CU_ASSERT_EQUAL(f->k.state, orig->k.state);
	CU_ASSERT_EQUAL(memcmp(f->k.pos, orig->k.pos,
			       sizeof(tl_position_t) * f->k.syms.count * 3), 0);
	tl_order_t *a = tl_kernel_order(&f->k, A);
	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	CU_ASSERT_EQUAL(a->status, TL_ST_FILLED);
	CU_ASSERT_EQUAL(a->filled, fx("0.01"));
	CU_ASSERT_TRUE(tl_kernel_check(&f->k));
	kfix_free(f);
	KF = orig;

	/* until_seq: the state as of input 5 (A's first fill). */
	f = fixture_from_config(cfg_path);
	rc = tl_replay_into_kernel(j, &f->k, 5, &st, err, sizeof(err));
	CU_ASSERT_EQUAL(rc, 0);
	CU_ASSERT_EQUAL(st.last_in_seq, 5);
	a = tl_kernel_order(&f->k, A);
	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	CU_ASSERT_EQUAL(a->status, TL_ST_PARTIALLY_FILLED);
	CU_ASSERT_EQUAL(a->filled, fx("0.004"));
	kfix_free(f);
	KF = orig;
	tl_journal_close(j);
}

/* A crash loses a suffix: outputs replay makes that are not journaled at
 * the very end are "lost", not a divergence. */
static void test_crash_tail_outputs_are_lost_not_mismatched(void)
{
	char p[PATH_MAX + 16];
	snprintf(p, sizeof(p), "%s/tail.db", dir);
	/* Drop the last 3 records: outputs of the last fill. */
	CU_ASSERT_TRUE_FATAL(recs[nrecs - 1].u.hdr.flags & TL_REC_OUTPUT);
	CU_ASSERT_EQUAL_FATAL(journal_make(p, nrecs - 3), 0);
	tl_journal_t *j = journal_open(p);
	CU_ASSERT_PTR_NOT_NULL_FATAL(j);
	kfix_t *orig = KF;
	kfix_t *f = fixture_from_config(cfg_path);
	tl_replay_stats_t st;
	CU_ASSERT_EQUAL(tl_replay_into_kernel(j, &f->k, 0, &st, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(st.mismatches, 0);
	CU_ASSERT_EQUAL(st.lost_outputs, 3);
	CU_ASSERT_EQUAL(f->k.state, TL_TS_PAUSED);	/* the kernel did it all */
	kfix_free(f);
	KF = orig;

	/* The next session starts with a RESTART: the lost outputs before it
	 * are still a crash tail, and ids continue past the reservation. */
	tl_record_t rs;
	memset(&rs, 0, sizeof(rs));
	rs.u.in.hdr.type = TL_IN_RESTART;
	rs.u.in.hdr.seq = orig->in_seq + 1;
	rs.u.in.hdr.time = MS(500);
	rs.u.in.u.restart.id_next = 20;
	rs.u.in.u.restart.session = 1;
	CU_ASSERT_EQUAL_FATAL(tl_journal_write(j, &rs, 1, err, sizeof(err)), 0);
	f = fixture_from_config(cfg_path);
	CU_ASSERT_EQUAL(tl_replay_into_kernel(j, &f->k, 0, &st, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(st.mismatches, 0);
	CU_ASSERT_EQUAL(st.lost_outputs, 3);
	CU_ASSERT_EQUAL(st.restarts, 1);
	CU_ASSERT_EQUAL(st.last_in_seq, orig->in_seq + 1);
	CU_ASSERT_EQUAL(f->k.id_next, 20);
	kfix_free(f);
	KF = orig;
	tl_journal_close(j);

	/* --verify accepts the tables as of the journaled outputs. */
	tl_replay_opts_t o;
	tl_replay_result_t res;
	int rc;
	opts_init(&o, p);
	o.verify = true;
	free(run(&o, &res, &rc));
	CU_ASSERT_EQUAL(rc, 0);
	CU_ASSERT_TRUE(res.verified);
	if (!res.verified)
		fprintf(stderr, "tail verify: %s\n", res.first_diff);
}

/* ---- the post-mortem ------------------------------------------------------- */

static void test_text_timeline_steps_and_latencies(void)
{
	tl_replay_opts_t o;
	tl_replay_result_t res;
	int rc;
	char hdr[64];
	opts_init(&o, jpath);
	char *s = run(&o, &res, &rc);
	CU_ASSERT_EQUAL(rc, 0);
	CU_ASSERT_EQUAL(res.st.mismatches, 0);

	snprintf(hdr, sizeof(hdr), "order %s BTCUSDT", A);
	CU_ASSERT_LINE(s, hdr, NULL);
	CU_ASSERT_LINE(s, "submitted", "BUY LIMIT BOTH qty=0.01 price=50000");
	CU_ASSERT_LINE(s, "sent", "REQ_NEW attempt 1 BUY LIMIT qty=0.01 price=50000  (+0 us)");
	CU_ASSERT_LINE(s, "acked", "venue id 501  (+2000 us)");
	CU_ASSERT_LINE(s, "fill ", "0.004@50000 filled=0.004/0.01 avg=50000 trade=1001 fee=0.08 taker  (+3000 us)");
	CU_ASSERT_LINE(s, "filled ", "0.006@50000 filled=0.01/0.01 avg=50000 trade=1002 fee=0.12 taker  (+2000 us)");
	/* B: cancel requested, sent, canceled 3 ms later */
	CU_ASSERT_LINE(s, "cancel_requested", "(+9000 us)");
	CU_ASSERT_LINE(s, "cancel_sent", "REQ_CANCEL attempt 1 venue id 502");
	CU_ASSERT_LINE(s, "canceled", "filled=0/0.01  (+3000 us)");
	/* C: the venue's code and message */
	CU_ASSERT_LINE(s, "rejected", "venue code=-2019 \"Margin is insufficient.\"  (+1000 us)");
	/* the refusal */
	CU_ASSERT_LINE(s, "refused BTCUSDT BUY LIMIT qty=0.0001", NULL);
	/* D: canceled by the liquidation; E: the close order */
	snprintf(hdr, sizeof(hdr), "order %s ETHUSDT", D);
	CU_ASSERT_LINE(s, hdr, NULL);
	CU_ASSERT_LINE(s, "submitted", "SELL MARKET BOTH qty=0.01 price=0 reduce-only emergency-close");
	CU_ASSERT_LINE(s, "sent", "REQ_NEW attempt 1 SELL MARKET qty=0.01 price=0 urgent");
	CU_ASSERT_LINE(s, "filled ", "0.01@49990 filled=0.01/0.01 avg=49990 trade=1003 fee=0.2 taker  (+2000 us)");

	/* positions */
	CU_ASSERT_LINE(s, "POSITION_OPENED", "BTCUSDT BOTH qty=0.004 entry=50000 realized=0 fee=0.08");
	CU_ASSERT_LINE(s, "POSITION_LIQUIDATED", "qty=0 entry=0 realized=-0.1 fee=0.4");
	CU_ASSERT_LINE(s, "end  BTCUSDT BOTH LIQUIDATED", "qty=0 entry=0 realized=-0.1 unrealized=0");
	CU_ASSERT_LINE(s, "end  BTCUSDT BOTH", "commission=0.4 net=-0.5");

	/* states and the emergency timeline */
	CU_ASSERT_LINE(s, "state", "NORMAL -> LIQUIDATING \"operator kill\"");
	CU_ASSERT_LINE(s, "state", "LIQUIDATING -> PAUSED \"liquidation complete\"");
	CU_ASSERT_LINE(s, "flag_seen", "CONTROL LIQUIDATE \"operator kill\"");
	CU_ASSERT_LINE(s, "started", "EMERGENCY_STARTED from NORMAL \"operator kill\" (+0.000 ms after the flag)");
	CU_ASSERT_LINE(s, "cancel_sent", D);
	CU_ASSERT_LINE(s, "close_submitted", E);
	CU_ASSERT_LINE(s, "close_outcome", "FILLED filled=0.01/0.01 avg=49990");
	CU_ASSERT_LINE(s, "position_liquidated", "BTCUSDT BOTH realized=-0.1");
	CU_ASSERT_LINE(s, "cancels", "1 cancels sent, first +0.000 ms");
	CU_ASSERT_LINE(s, "completed", "closes=1 filled=1 failed=0 canceled=1; time to flat 6.000 ms (6.000 ms from the flag)");

	/* summary */
	CU_ASSERT_LINE(s, "replay", "0 mismatches, 0 lost");
	CU_ASSERT_LINE(s, "orders", "5 submitted, 3 fills, 1 refusals");
	CU_ASSERT_LINE(s, "kernel", "state=PAUSED");
	/* the sections come in order */
	const char *a = strstr(s, "== orders =="), *b = strstr(s, "== positions =="),
		   *c = strstr(s, "== trading state"), *d = strstr(s, "== summary ==");
	CU_ASSERT_TRUE(a && b && c && d && a < b && b < c && c < d);
	free(s);
}

static void test_order_filter_prints_one_order(void)
{
	tl_replay_opts_t o;
	tl_replay_result_t res;
	int rc;
	char hdr[64];
	opts_init(&o, jpath);
	o.order = B;
	char *s = run(&o, &res, &rc);
	CU_ASSERT_EQUAL(rc, 0);
	snprintf(hdr, sizeof(hdr), "order %s ", B);
	CU_ASSERT_PTR_NOT_NULL(strstr(s, hdr));
	snprintf(hdr, sizeof(hdr), "order %s ", A);
	CU_ASSERT_PTR_NULL(strstr(s, hdr));
	CU_ASSERT_PTR_NULL(strstr(s, "refused BTCUSDT"));
	CU_ASSERT_PTR_NULL(strstr(s, "POSITION_OPENED"));
	CU_ASSERT_LINE(s, "canceled", "(+3000 us)");
	free(s);

	/* --symbol ETHUSDT: C and D, not A */
	opts_init(&o, jpath);
	o.symbol = "ETHUSDT";
	s = run(&o, &res, &rc);
	snprintf(hdr, sizeof(hdr), "order %s ", C);
	CU_ASSERT_PTR_NOT_NULL(strstr(s, hdr));
	snprintf(hdr, sizeof(hdr), "order %s ", A);
	CU_ASSERT_PTR_NULL(strstr(s, hdr));
	CU_ASSERT_PTR_NULL(strstr(s, "POSITION_OPENED"));
	free(s);
}

static void test_until_stops_at_time_and_seq(void)
{
	tl_replay_opts_t o;
	tl_replay_result_t res;
	int rc;
	char hdr[64];
	opts_init(&o, jpath);
	/* 2023-11-14T22:13:20.016Z: after A's first fill, before its second */
	CU_ASSERT_EQUAL(tl_replay_parse_time("2023-11-14T22:13:20.016Z", &o.until_time), 0);
	CU_ASSERT_EQUAL(o.until_time, MS(16));
	char *s = run(&o, &res, &rc);
	CU_ASSERT_EQUAL(rc, 0);
	CU_ASSERT_TRUE(res.st.stopped);
	CU_ASSERT_EQUAL(res.st.last_time, MS(15));
	CU_ASSERT_LINE(s, "fill ", "trade=1001");
	CU_ASSERT_PTR_NULL(strstr(s, "trade=1002"));
	CU_ASSERT_LINE(s, "(not final at the end of the replay)", NULL);
	CU_ASSERT_LINE(s, "end  BTCUSDT BOTH OPEN", "qty=0.004");
	snprintf(hdr, sizeof(hdr), "order %s ", B);
	CU_ASSERT_PTR_NULL(strstr(s, hdr));
	CU_ASSERT_LINE(s, "stopped at --until/--seq", NULL);
	free(s);

	opts_init(&o, jpath);
	o.until_seq = 4;	/* marks, submit A, ack A */
	s = run(&o, &res, &rc);
	CU_ASSERT_EQUAL(rc, 0);
	CU_ASSERT_EQUAL(res.st.inputs, 4);
	CU_ASSERT_EQUAL(res.st.last_in_seq, 4);
	CU_ASSERT_LINE(s, "acked", "venue id 501");
	CU_ASSERT_PTR_NULL(strstr(s, "trade=1001"));
	free(s);

	/* time parsing */
	tl_time_t t;
	CU_ASSERT_EQUAL(tl_replay_parse_time("2026-11-21T05:06:49Z", &t), 0);
	CU_ASSERT_EQUAL(t, 1795237609LL * TL_NS_PER_S);
	CU_ASSERT_EQUAL(tl_replay_parse_time("2026-11-21T06:06:49.5+01:00", &t), 0);
	CU_ASSERT_EQUAL(t, 1795237609LL * TL_NS_PER_S + 500000000);
	CU_ASSERT_EQUAL(tl_replay_parse_time("1795237609000000000", &t), 0);
	CU_ASSERT_EQUAL(t, 1795237609LL * TL_NS_PER_S);
	CU_ASSERT_EQUAL(tl_replay_parse_time("2026-11-21 05:06:49", &t), -1);
	CU_ASSERT_EQUAL(tl_replay_parse_time("yesterday", &t), -1);
	CU_ASSERT_EQUAL(tl_replay_parse_time("2026-11-21T05:06:49.1234567891Z", &t), -1);
}

static void test_json_lines_parse_with_documented_types(void)
{
	tl_replay_opts_t o;
	tl_replay_result_t res;
	int rc;
	opts_init(&o, jpath);
	o.format = TL_REPLAY_JSON;
	char *s = run(&o, &res, &rc);
	CU_ASSERT_EQUAL(rc, 0);
	int n_step = 0, n_pos = 0, n_state = 0, n_emg = 0, n_sum = 0, bad = 0;
	bool saw_ack_latency = false, saw_trade = false;
	for (char *line = strtok(s, "\n"); line; line = strtok(NULL, "\n")) {
		cJSON *j = cJSON_Parse(line);
		if (!j) {
			bad++;
			fprintf(stderr, "bad json: %s\n", line);
			continue;
		}
		const char *type = cJSON_GetStringValue(cJSON_GetObjectItem(j, "type"));
		if (!type) {
			bad++;
		} else if (!strcmp(type, "order_step")) {
			n_step++;
			const char *step = cJSON_GetStringValue(cJSON_GetObjectItem(j, "step"));
			cJSON *lat = cJSON_GetObjectItem(j, "latency_us");
			CU_ASSERT_PTR_NOT_NULL(cJSON_GetObjectItem(j, "time_ns"));
			if (step && !strcmp(step, "acked") && cJSON_IsNumber(lat) &&
			    lat->valuedouble == 2000)
				saw_ack_latency = true;
			cJSON *tr = cJSON_GetObjectItem(j, "trade_id");
			if (cJSON_IsNumber(tr) && tr->valuedouble == 1002)
				saw_trade = true;
		} else if (!strcmp(type, "position")) {
			n_pos++;
			CU_ASSERT_PTR_NOT_NULL(cJSON_GetObjectItem(j, "realized"));
		} else if (!strcmp(type, "state")) {
			n_state++;
		} else if (!strcmp(type, "emergency")) {
			n_emg++;
			CU_ASSERT_PTR_NOT_NULL(cJSON_GetObjectItem(j, "step"));
		} else if (!strcmp(type, "summary")) {
			n_sum++;
			cJSON *m = cJSON_GetObjectItem(j, "mismatches");
			CU_ASSERT_TRUE(cJSON_IsNumber(m) && m->valuedouble == 0);
			CU_ASSERT_PTR_NOT_NULL(cJSON_GetObjectItem(j, "counters"));
		} else {
			bad++;
		}
		cJSON_Delete(j);
	}
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT_TRUE(n_step >= 20);
	CU_ASSERT_TRUE(n_pos >= 4);
	CU_ASSERT_EQUAL(n_state, 2);
	CU_ASSERT_TRUE(n_emg >= 6);
	CU_ASSERT_EQUAL(n_sum, 1);
	CU_ASSERT_TRUE(saw_ack_latency);
	CU_ASSERT_TRUE(saw_trade);
	free(s);
}

static void test_csv_has_header_and_six_columns(void)
{
	tl_replay_opts_t o;
	tl_replay_result_t res;
	int rc;
	opts_init(&o, jpath);
	o.format = TL_REPLAY_CSV;
	char *s = run(&o, &res, &rc);
	CU_ASSERT_EQUAL(rc, 0);
	CU_ASSERT_EQUAL(strncmp(s, "client_id,symbol,step,time_ns,latency_us,detail\n", 48), 0);
	int rows = 0;
	char want[128];
	snprintf(want, sizeof(want), "%s,BTCUSDT,acked,%lld,2000,\"venue id 501\"", A,
		 (long long)MS(12));
	CU_ASSERT_PTR_NOT_NULL(strstr(s, want));
	for (char *line = strtok(s, "\n"); line; line = strtok(NULL, "\n")) {
		int commas = 0;
		bool q = false;
		for (char *p = line; *p; p++) {
			if (*p == '"')
				q = !q;
			else if (*p == ',' && !q)
				commas++;
		}
		CU_ASSERT_EQUAL(commas, 5);
		rows++;
	}
	CU_ASSERT_TRUE(rows > 20);
	CU_ASSERT_PTR_NULL(strstr(s, "POSITION"));
	free(s);
}

/* ---- --verify -------------------------------------------------------------- */

static void test_verify_passes_on_an_untouched_journal(void)
{
	tl_replay_opts_t o;
	tl_replay_result_t res;
	int rc;
	struct stat before, after;
	CU_ASSERT_EQUAL(stat(jpath, &before), 0);
	opts_init(&o, jpath);
	o.verify = true;
	free(run(&o, &res, &rc));
	CU_ASSERT_EQUAL(rc, 0);
	CU_ASSERT_TRUE(res.verified);
	CU_ASSERT_EQUAL(res.differences, 0);
	if (!res.verified)
		fprintf(stderr, "verify: %s\n", res.first_diff);
	/* read-only: the file is untouched */
	CU_ASSERT_EQUAL(stat(jpath, &after), 0);
	CU_ASSERT_EQUAL(before.st_mtime, after.st_mtime);
	CU_ASSERT_EQUAL(before.st_size, after.st_size);
}

static void test_verify_names_a_tampered_order_status(void)
{
	char p[PATH_MAX + 16], q[256], want[128];
	tl_replay_opts_t o;
	tl_replay_result_t res;
	int rc;
	snprintf(p, sizeof(p), "%s/tamper_orders.db", dir);
	CU_ASSERT_EQUAL_FATAL(copy_file(jpath, p), 0);
	snprintf(q, sizeof(q), "UPDATE orders SET status = 'CANCELED' WHERE client_id = '%s'", A);
	CU_ASSERT_EQUAL_FATAL(sql(p, q), 0);
	opts_init(&o, p);
	o.verify = true;
	free(run(&o, &res, &rc));
	CU_ASSERT_EQUAL(rc, 1);
	CU_ASSERT_FALSE(res.verified);
	snprintf(want, sizeof(want), "orders %s: status CANCELED in table, FILLED in replay", A);
	CU_ASSERT_STRING_EQUAL(res.first_diff, want);

	/* a position's realized PnL */
	CU_ASSERT_EQUAL_FATAL(copy_file(jpath, p), 0);
	CU_ASSERT_EQUAL_FATAL(sql(p, "UPDATE positions SET realized = '5' WHERE symbol = 'BTCUSDT'"), 0);
	free(run(&o, &res, &rc));
	CU_ASSERT_EQUAL(rc, 1);
	CU_ASSERT_STRING_EQUAL(res.first_diff,
			       "positions BTCUSDT BOTH: realized 5 in table, -0.1 in replay");

	/* an order row that replay never saw */
	CU_ASSERT_EQUAL_FATAL(copy_file(jpath, p), 0);
	CU_ASSERT_EQUAL_FATAL(sql(p, "INSERT INTO orders(client_id, status) VALUES ('ghost1', 'NEW')"), 0);
	free(run(&o, &res, &rc));
	CU_ASSERT_EQUAL(rc, 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(res.first_diff, "orders ghost1: in the table"));
}

static void test_verify_fails_on_a_tampered_output_blob(void)
{
	char p[PATH_MAX + 16];
	tl_replay_opts_t o;
	tl_replay_result_t res;
	int rc;
	snprintf(p, sizeof(p), "%s/tamper_blob.db", dir);
	CU_ASSERT_EQUAL_FATAL(copy_file(jpath, p), 0);
	/* The ORDER_FILLED event of A's second fill: filled 0.01 -> 0.02 */
	sqlite3 *db;
	CU_ASSERT_EQUAL_FATAL(sqlite3_open(p, &db), SQLITE_OK);
	sqlite3_stmt *st;
	CU_ASSERT_EQUAL_FATAL(sqlite3_prepare_v2(db, "SELECT id, rec FROM journal WHERE dir = 1"
						 " AND type_name LIKE 'EVENT%' ORDER BY id", -1, &st,
						 NULL), SQLITE_OK);
	long long id = 0;
	uint64_t seq = 0;
	tl_record_t r;
	while (sqlite3_step(st) == SQLITE_ROW) {
		memcpy(&r, sqlite3_column_blob(st, 1), sizeof(r));
		if (r.u.out.u.ev.type == TL_EV_ORDER_FILLED &&
		    !strcmp(r.u.out.u.ev.u.order.client_id, A)) {
			id = sqlite3_column_int64(st, 0);
			seq = r.u.hdr.seq;
			break;
		}
	}
	sqlite3_finalize(st);
	CU_ASSERT_TRUE_FATAL(id > 0);
	r.u.out.u.ev.u.order.filled = fx("0.02");
	CU_ASSERT_EQUAL(sqlite3_prepare_v2(db, "UPDATE journal SET rec = ?1 WHERE id = ?2", -1,
					   &st, NULL), SQLITE_OK);
	sqlite3_bind_blob(st, 1, &r, sizeof(r), SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, id);
	CU_ASSERT_EQUAL(sqlite3_step(st), SQLITE_DONE);
	sqlite3_finalize(st);
	sqlite3_close(db);

	opts_init(&o, p);
	o.verify = true;
	free(run(&o, &res, &rc));
	CU_ASSERT_EQUAL(rc, 1);
	CU_ASSERT_FALSE(res.verified);
	CU_ASSERT_EQUAL(res.st.mismatches, 1);
	CU_ASSERT_EQUAL(res.st.first_mismatch_seq, seq);
	CU_ASSERT_PTR_NOT_NULL(strstr(res.first_diff, "EVENT ORDER_FILLED differs: field "
					 "ev.order.filled: journal 0.02, replay 0.01"));

	/* The plain replay reports the divergence as a finding too. */
	opts_init(&o, p);
	char *s = run(&o, &res, &rc);
	CU_ASSERT_EQUAL(rc, 1);
	CU_ASSERT_LINE(s, "!! REPLAY DIVERGES", "ev.order.filled");
	CU_ASSERT_LINE(s, "FINDING", "ev.order.filled");
	free(s);
}

static void test_errors_missing_not_a_journal_config_mismatch(void)
{
	tl_replay_opts_t o;
	tl_replay_result_t res;
	char p[PATH_MAX + 16], c2[PATH_MAX + 16];
	opts_init(&o, "/nonexistent/j.db");
	CU_ASSERT_EQUAL(tl_replay_run(&o, &res, err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "No such file"));

	snprintf(p, sizeof(p), "%s/text.db", dir);
	CU_ASSERT_EQUAL(write_file(p, "hello, not sqlite\n"), 0);
	opts_init(&o, p);
	CU_ASSERT_EQUAL(tl_replay_run(&o, &res, err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "not a talon journal"));

	snprintf(p, sizeof(p), "%s/other.db", dir);
	CU_ASSERT_EQUAL(sql(p, "CREATE TABLE t(x)"), 0);
	opts_init(&o, p);
	CU_ASSERT_EQUAL(tl_replay_run(&o, &res, err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "not a talon journal"));

	/* newer schema */
	snprintf(p, sizeof(p), "%s/newer.db", dir);
	CU_ASSERT_EQUAL_FATAL(copy_file(jpath, p), 0);
	CU_ASSERT_EQUAL(sql(p, "UPDATE meta SET value = '99' WHERE key = 'schema_version'"), 0);
	opts_init(&o, p);
	CU_ASSERT_EQUAL(tl_replay_run(&o, &res, err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "newer"));

	/* a config without ETHUSDT */
	snprintf(c2, sizeof(c2), "%s/btc_only.json", dir);
	CU_ASSERT_EQUAL_FATAL(write_config(c2, "\"BTCUSDT\""), 0);
	opts_init(&o, jpath);
	o.config_path = c2;
	CU_ASSERT_EQUAL(tl_replay_run(&o, &res, err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "config mismatch"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "ETHUSDT"));
}

/* ---- `talon replay` as a process ------------------------------------------- */

/* Run talon with args; stdout/stderr into buffers (caller frees). */
static int talon(char **out, char **errs, const char *a1, const char *a2, const char *a3,
		 const char *a4, const char *a5)
{
	char po[PATH_MAX + 16], pe[PATH_MAX + 16];
	snprintf(po, sizeof(po), "%s/out.txt", dir);
	snprintf(pe, sizeof(pe), "%s/err.txt", dir);
	char *argv[] = { talon_bin, "replay", (char *)a1, (char *)a2, (char *)a3,
			 (char *)a4, (char *)a5, NULL };
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, po, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	posix_spawn_file_actions_addopen(&fa, 2, pe, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	pid_t pid;
	int st = -1;
	if (posix_spawn(&pid, talon_bin, &fa, NULL, argv, environ) == 0)
		waitpid(pid, &st, 0);
	posix_spawn_file_actions_destroy(&fa);
	*out = tl_test_read_file(po, NULL);
	*errs = tl_test_read_file(pe, NULL);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void test_cli_verify_and_exit_codes(void)
{
	char *out, *errs, p[PATH_MAX + 16], q[256];
	if (access(talon_bin, X_OK) != 0) {
		CU_FAIL("no talon binary");
		return;
	}
	CU_ASSERT_EQUAL(talon(&out, &errs, jpath, "-c", cfg_path, "--verify", NULL), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "verify: OK"));
	free(out);
	free(errs);

	snprintf(p, sizeof(p), "%s/cli_tamper.db", dir);
	CU_ASSERT_EQUAL_FATAL(copy_file(jpath, p), 0);
	snprintf(q, sizeof(q), "UPDATE orders SET status = 'CANCELED' WHERE client_id = '%s'", A);
	CU_ASSERT_EQUAL_FATAL(sql(p, q), 0);
	CU_ASSERT_EQUAL(talon(&out, &errs, p, "-c", cfg_path, "--verify", NULL), 1);
	snprintf(q, sizeof(q), "verify: FAILED: orders %s: status CANCELED in table, FILLED in replay", A);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, q));
	free(out);
	free(errs);

	/* the timeline, as json, to stdout */
	CU_ASSERT_EQUAL(talon(&out, &errs, jpath, "--config", cfg_path, "--format=json", NULL), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "{\"type\":\"summary\""));
	CU_ASSERT_PTR_NULL(strstr(errs, "replay ["));	/* no progress bar: not a tty */
	free(out);
	free(errs);

	/* usage errors name the flag */
	CU_ASSERT_EQUAL(talon(&out, &errs, jpath, "--format", "xml", NULL, NULL), 2);
	CU_ASSERT_PTR_NOT_NULL(strstr(errs, "--format"));
	free(out);
	free(errs);
	CU_ASSERT_EQUAL(talon(&out, &errs, jpath, "--bogus", NULL, NULL, NULL), 2);
	CU_ASSERT_PTR_NOT_NULL(strstr(errs, "--bogus"));
	free(out);
	free(errs);
	CU_ASSERT_EQUAL(talon(&out, &errs, jpath, "--seq", "x", NULL, NULL), 2);
	CU_ASSERT_PTR_NOT_NULL(strstr(errs, "--seq"));
	free(out);
	free(errs);
	CU_ASSERT_EQUAL(talon(&out, &errs, jpath, "--verify", "--seq", "3", NULL), 2);
	CU_ASSERT_PTR_NOT_NULL(strstr(errs, "--verify"));
	free(out);
	free(errs);
	CU_ASSERT_EQUAL(talon(&out, &errs, "--until", "noon", jpath, NULL, NULL), 2);
	CU_ASSERT_PTR_NOT_NULL(strstr(errs, "--until"));
	free(out);
	free(errs);
	/* a missing journal is an error, not a usage error */
	CU_ASSERT_EQUAL(talon(&out, &errs, "/nonexistent.db", "-c", cfg_path, NULL, NULL), 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(errs, "/nonexistent.db"));
	free(out);
	free(errs);
}

/* Texts in the journal are bytes: quotes, backslashes, control
 * characters and a venue message cut in the middle of a 4-byte UTF-8
 * character must still give valid JSON lines (persist/json_esc.h), the cut
 * character as U+FFFD. Runs last: it continues the scenario's kernel. */
static void test_json_escapes_any_text(void)
{
	/* "\xF0\x9F\x98" is the first 3 of the 4 bytes of U+1F600 */
	static const char why[] = "ops \"ok\" \\ \x01\x1f\t\x7f \xe2\x82\xac \xF0\x9F\x98";
	static const char venue[] = "Margin \"low\" \\ \x02 \xff\xc0\x80 cut \xF0\x9F\x98";
	char p[PATH_MAX + 16];
	size_t base = nrecs;

	j_control(MS(200), TL_CTL_RESUME, why);
	j_submit(MS(210), "ETHUSDT", TL_SELL, TL_ORD_LIMIT, "0.1", "3100");
	const char *clid = last_clid();
	CU_ASSERT_FATAL(clid[0] != '\0');
	j_update(MS(211), clid, TL_ST_REJECTED, 0, -2019, venue);
	snprintf(p, sizeof(p), "%s/utf8.db", dir);
	CU_ASSERT_EQUAL_FATAL(journal_make(p, nrecs), 0);
	nrecs = base;

	tl_replay_opts_t o;
	tl_replay_result_t res;
	int rc, bad = 0, lines = 0;
	bool saw_why = false, saw_venue = false;
	opts_init(&o, p);
	o.format = TL_REPLAY_JSON;
	char *s = run(&o, &res, &rc);
	CU_ASSERT_EQUAL(rc, 0);
	for (char *line = strtok(s, "\n"); line; line = strtok(NULL, "\n")) {
		cJSON *j = cJSON_Parse(line);
		lines++;
		if (!j) {
			bad++;
			fprintf(stderr, "bad json: %s\n", line);
			continue;
		}
		/* what was written: every byte accounted for */
		if (strstr(line, "ops \\\"ok\\\" \\\\ \\u0001\\u001f\\u0009\\u007f \xe2\x82\xac "
				 "\\ufffd\\ufffd\\ufffd"))
			saw_why = true;
		/* the kernel copies a venue text into its event cut on a
		 * character boundary (kernel/utf8.h): the half character at
		 * the end is gone there, the invalid bytes inside stay */
		if (strstr(line, "Margin \\\"low\\\" \\\\ \\u0002 \\ufffd\\ufffd\\ufffd cut"))
			saw_venue = true;
		cJSON_Delete(j);
	}
	CU_ASSERT_TRUE(lines > 20);
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT_TRUE(saw_why);
	CU_ASSERT_TRUE(saw_venue);
	if (!saw_why || !saw_venue)
		fprintf(stderr, "%s\n", s);
	free(s);
}

/* ---- strategy tags ------------------------------------------------------- */

static void j_submit_tag(tl_time_t t, const char *tag, tl_side_t side, const char *qty)
{
	tl_input_t in = kf_order_in("BTCUSDT", side, TL_ORD_MARKET, qty, NULL);
	snprintf(in.u.submit.strategy, sizeof(in.u.submit.strategy), "%s", tag);
	J(&in, t);
}

/* Two tags in opposite directions on BTCUSDT, a partial close, a mark:
 * the report's per-tag lines, replay equality (--verify), and a tampered
 * orders.strategy named by --verify. Uses its own journal and records;
 * the suite's are restored after. */
static void test_strategy_report_and_verify(void)
{
	tl_record_t *saved = recs;
	size_t saved_n = nrecs, saved_cap = caprecs;
	kfix_t *orig = KF;
	recs = NULL;
	nrecs = caprecs = 0;
	kfix_t *f = fixture_from_config(cfg_path);
	char a1[TL_CLID_LEN], b1[TL_CLID_LEN], a2[TL_CLID_LEN];
	j_mark(MS(0), "BTCUSDT", "50000");
	j_submit_tag(MS(1), "alpha", TL_BUY, "0.02");
	snprintf(a1, sizeof(a1), "%s", last_clid());
	j_update(MS(2), a1, TL_ST_NEW, 701, 0, NULL);
	j_fill(MS(3), a1, 2001, "50000", "0.02", "0.4");
	j_submit_tag(MS(4), "beta", TL_SELL, "0.01");
	snprintf(b1, sizeof(b1), "%s", last_clid());
	j_update(MS(5), b1, TL_ST_NEW, 702, 0, NULL);
	j_fill(MS(6), b1, 2002, "51000", "0.01", "0.2");
	j_submit_tag(MS(7), "alpha", TL_SELL, "0.01");
	snprintf(a2, sizeof(a2), "%s", last_clid());
	j_update(MS(8), a2, TL_ST_NEW, 703, 0, NULL);
	j_fill(MS(9), a2, 2003, "52000", "0.01", "0.2");
	j_mark(MS(10), "BTCUSDT", "53000");
	CU_ASSERT_FATAL(a1[0] && b1[0] && a2[0] && !KF->lost);
	char p[PATH_MAX + 16];
	snprintf(p, sizeof(p), "%s/strat.db", dir);
	CU_ASSERT_EQUAL_FATAL(journal_make(p, nrecs), 0);

	tl_replay_opts_t o;
	tl_replay_result_t res;
	int rc;
	opts_init(&o, p);
	o.verify = true;
	char *s = run(&o, &res, &rc);
	CU_ASSERT_EQUAL(rc, 0);
	CU_ASSERT_TRUE(res.verified);
	if (!res.verified)
		fprintf(stderr, "verify: %s\n", res.first_diff);
	free(s);
	o.verify = false;
	s = run(&o, &res, &rc);
	CU_ASSERT_EQUAL(rc, 0);
	CU_ASSERT_EQUAL(res.st.mismatches, 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(s, "== strategies =="));
	if (getenv("TL_TEST_VERBOSE"))
		fprintf(stderr, "\n%s", s);
	/* alpha: long 0.02 @50000, sold 0.01 @52000 (+20), 0.01 left at
	 * mark 53000 (+30); beta: short 0.01 @51000 at 53000 (-20). */
	CU_ASSERT_LINE(s, "  alpha ", "orders=2 fills=2 realized=20 unrealized=30 "
		       "commission=0.6 net=49.4");
	CU_ASSERT_LINE(s, "  beta ", "orders=1 fills=1 realized=0 unrealized=-20 "
		       "commission=0.2 net=-20.2");
	CU_ASSERT_LINE(s, "submitted", "strategy=beta");
	CU_ASSERT_PTR_NULL(strstr(s, "(untagged)"));
	free(s);

	o.format = TL_REPLAY_JSON;
	s = run(&o, &res, &rc);
	CU_ASSERT_EQUAL(rc, 0);
	CU_ASSERT_LINE(s, "{\"type\":\"strategy\",\"strategy\":\"alpha\",\"orders\":2,"
		       "\"fills\":2,\"realized\":\"20\",\"unrealized\":\"30\","
		       "\"commission\":\"0.6\",\"net\":\"49.4\"}", NULL);
	free(s);

	/* --symbol ETHUSDT: no fills there */
	o.format = TL_REPLAY_TEXT;
	o.symbol = "ETHUSDT";
	s = run(&o, &res, &rc);
	CU_ASSERT_LINE(s, "  alpha ", "fills=0 realized=0 unrealized=0");
	free(s);
	o.symbol = NULL;

	char q[256];
	snprintf(q, sizeof(q), "UPDATE orders SET strategy = 'beta' WHERE client_id = '%s'", a2);
	CU_ASSERT_EQUAL_FATAL(sql(p, q), 0);
	o.verify = true;
	s = run(&o, &res, &rc);
	CU_ASSERT_FALSE(res.verified);
	CU_ASSERT_PTR_NOT_NULL(strstr(res.first_diff, "strategy 'beta' in table, 'alpha' in replay"));
	free(s);

	kfix_free(f);
	free(recs);
	recs = saved;
	nrecs = saved_n;
	caprecs = saved_cap;
	KF = orig;
}

/* A journal an older talon wrote (no POSITION_ROUND_TRIP events: its
 * kernel had none) with a closed position replays without a mismatch,
 * read-only as version 1 and after the engine's open migrated it; the
 * inputs after the migration report round trips. */
static void test_version_1_journal_replays_without_round_trips(void)
{
	tl_record_t *saved = recs;
	size_t saved_n = nrecs, saved_cap = caprecs;
	kfix_t *orig = KF;
	recs = NULL;
	nrecs = caprecs = 0;
	kfix_t *f = fixture_from_config(cfg_path);
	f->k.cfg.trips_from_seq = UINT64_MAX;	/* the old kernel */
	char a[TL_CLID_LEN], b[TL_CLID_LEN];
	j_mark(MS(0), "BTCUSDT", "50000");
	j_submit(MS(1), "BTCUSDT", TL_BUY, TL_ORD_MARKET, "0.01", NULL);
	snprintf(a, sizeof(a), "%s", last_clid());
	j_update(MS(2), a, TL_ST_NEW, 801, 0, NULL);
	j_fill(MS(3), a, 3001, "50000", "0.01", "0");
	j_submit(MS(4), "BTCUSDT", TL_SELL, TL_ORD_MARKET, "0.01", NULL);
	snprintf(b, sizeof(b), "%s", last_clid());
	j_update(MS(5), b, TL_ST_NEW, 802, 0, NULL);
	j_fill(MS(6), b, 3002, "50100", "0.01", "0");
	CU_ASSERT_EQUAL(kf_count_ev(TL_EV_POSITION_ROUND_TRIP), 0);
	char p[PATH_MAX + 16];
	snprintf(p, sizeof(p), "%s/v1.db", dir);
	CU_ASSERT_EQUAL_FATAL(journal_make(p, nrecs), 0);
	CU_ASSERT_EQUAL_FATAL(sql(p, "ALTER TABLE orders DROP COLUMN strategy;"
				  "ALTER TABLE fills DROP COLUMN strategy; DROP TABLE strategies;"
				  "DROP VIEW position_history_pnl; DROP TABLE position_history;"
				  "DELETE FROM meta WHERE key = 'round_trips_from_seq';"
				  "UPDATE meta SET value = '1' WHERE key IN ('schema_version',"
				  " 'record_version')"), 0);

	/* read-only, as version 1 */
	tl_replay_opts_t o;
	tl_replay_result_t res;
	int rc;
	opts_init(&o, p);
	o.verify = true;
	free(run(&o, &res, &rc));
	CU_ASSERT_EQUAL(rc, 0);
	CU_ASSERT_TRUE(res.verified);
	CU_ASSERT_EQUAL(res.st.mismatches, 0);

	/* the engine's open migrates it; recovery's replay still matches */
	tl_journal_t *j = journal_open(p);
	CU_ASSERT_PTR_NOT_NULL_FATAL(j);
	char v[32];
	CU_ASSERT_EQUAL(tl_journal_meta_get(j, "round_trips_from_seq", v, sizeof(v)), 0);
	CU_ASSERT_STRING_EQUAL(v, "8");	/* 7 inputs */
	kfix_t *g = fixture_from_config(cfg_path);
	tl_replay_stats_t st;
	CU_ASSERT_EQUAL(tl_replay_into_kernel(j, &g->k, 0, &st, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(st.mismatches, 0);
	CU_ASSERT_EQUAL(g->k.cfg.trips_from_seq, 8);
	/* a later round trip is reported */
	tl_input_t in = kf_order_in("BTCUSDT", TL_BUY, TL_ORD_MARKET, "0.01", NULL);
	in.hdr.seq = 8;
	in.hdr.time = MS(7);
	kfix_clear();
	uint64_t h = 0;
	CU_ASSERT_EQUAL(tl_kernel_apply(&g->k, &in, &g->sink, &h), TL_REJ_NONE);
	tl_input_t f1 = kf_fill_in(kf_clid(h), NULL, 0, 3003, "50000", "0.01", "0");
	f1.hdr.seq = 9;
	f1.hdr.time = MS(8);
	tl_kernel_apply(&g->k, &f1, &g->sink, NULL);
	tl_input_t s2 = kf_order_in("BTCUSDT", TL_SELL, TL_ORD_MARKET, "0.01", NULL);
	s2.hdr.seq = 10;
	s2.hdr.time = MS(9);
	tl_kernel_apply(&g->k, &s2, &g->sink, &h);
	tl_input_t f2 = kf_fill_in(kf_clid(h), NULL, 0, 3004, "50200", "0.01", "0");
	f2.hdr.seq = 11;
	f2.hdr.time = MS(10);
	tl_kernel_apply(&g->k, &f2, &g->sink, NULL);
	CU_ASSERT_EQUAL(kf_count_ev(TL_EV_POSITION_ROUND_TRIP), 1);
	tl_journal_close(j);
	kfix_free(g);
	kfix_free(f);
	free(recs);
	recs = saved;
	nrecs = saved_n;
	caprecs = saved_cap;
	KF = orig;
}

TL_TEST_SUITE("persist.replay", suite_init, suite_clean,
	      TL_TEST(test_into_kernel_reproduces_state_and_ids),
	      TL_TEST(test_crash_tail_outputs_are_lost_not_mismatched),
	      TL_TEST(test_text_timeline_steps_and_latencies),
	      TL_TEST(test_order_filter_prints_one_order),
	      TL_TEST(test_until_stops_at_time_and_seq),
	      TL_TEST(test_json_lines_parse_with_documented_types),
	      TL_TEST(test_csv_has_header_and_six_columns),
	      TL_TEST(test_verify_passes_on_an_untouched_journal),
	      TL_TEST(test_verify_names_a_tampered_order_status),
	      TL_TEST(test_verify_fails_on_a_tampered_output_blob),
	      TL_TEST(test_errors_missing_not_a_journal_config_mismatch),
	      TL_TEST(test_cli_verify_and_exit_codes),
	      TL_TEST(test_json_escapes_any_text),
	      TL_TEST(test_strategy_report_and_verify),
	      TL_TEST(test_version_1_journal_replays_without_round_trips));
