/*
 * replay.c - the journal comparator, the read-only journal reader, the
 * progress bar and `talon replay` (replay.h).
 *
 * Divided into:
 *   1. the comparator: a sink that queues one input's regenerated
 *      outputs, and tl_rp_record that settles each journaled output
 *      against the head of that queue (same seq, same 256 bytes);
 *   2. (describing a difference field by field: replay_diff.c);
 *   3. tl_replay_into_kernel (recovery, over tl_journal_scan);
 *   4. the read-only reader (sqlite3 directly: replay must never write a
 *      journal, not even its schema) and tl_replay_run.
 *
 * Settling (invariants 1-2 of replay.h): a journaled output must be the
 * next queued regenerated output (same seq). A queued output whose seq is
 * passed over, or still queued when the next input arrives, was not
 * journaled: a mismatch, unless the next input is a RESTART or the
 * journal ends (crash tail: lost_outputs). A journaled output with nothing
 * queued for it is a mismatch too.
 */
#define _GNU_SOURCE
#include "persist/replay_int.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* ---- 1. the comparator ------------------------------------------------- */

static void rp_emit(void *ctx, const tl_output_t *o)
{
	tl_rp_t *rp = ctx;
	if (rp->qn == rp->qcap) {
		uint32_t cap = rp->qcap ? rp->qcap * 2 : 64;
		tl_output_t *q = realloc(rp->q, (size_t)cap * sizeof(*q));
		if (!q) {
			rp->oom = true;
			return;
		}
		rp->q = q;
		rp->qcap = cap;
	}
	rp->q[rp->qn++] = *o;
}

void tl_rp_init(tl_rp_t *rp, tl_kernel_t *k, tl_replay_stats_t *st,
		char *err, size_t errlen)
{
	memset(rp, 0, sizeof(*rp));
	memset(st, 0, sizeof(*st));
	rp->k = k;
	rp->st = st;
	rp->sink.emit = rp_emit;
	rp->sink.ctx = rp;
	rp->err = err;
	rp->errlen = errlen;
}

void tl_rp_free(tl_rp_t *rp)
{
	free(rp->q);
	rp->q = NULL;
	rp->qn = rp->qh = rp->qcap = 0;
}

uint64_t tl_rp_clid_seq(const char *prefix, const char *clid)
{
	size_t n = strnlen(prefix, TL_PREFIX_MAX);
	if (strncmp(clid, prefix, n) != 0 || !clid[n])
		return 0;
	uint64_t v = 0;
	for (const char *p = clid + n; *p; p++) {
		if (*p < '0' || *p > '9' || v > (UINT64_MAX - 9) / 10)
			return 0;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	return v;
}

/* Client ids and reservations an output reveals (recovery continues ids
 * past all of them). */
static void rp_note_ids(tl_rp_t *rp, const tl_output_t *o)
{
	tl_replay_stats_t *st = rp->st;
	const char *clid = NULL;
	if (o->hdr.seq > st->last_out_seq)
		st->last_out_seq = o->hdr.seq;
	if (o->hdr.type == TL_OUT_ID_RESERVE) {
		if (o->u.reserve.to > st->id_reserved_to)
			st->id_reserved_to = o->u.reserve.to;
		return;
	}
	if (o->hdr.type == TL_OUT_REQ_NEW)
		clid = o->u.req.client_id;
	else if (o->hdr.type == TL_OUT_EVENT && o->u.ev.type == TL_EV_ORDER_SUBMITTED)
		clid = o->u.ev.u.order.client_id;
	if (clid) {
		char c[TL_CLID_LEN];
		snprintf(c, sizeof(c), "%.*s", TL_CLID_MAX, clid);
		uint64_t s = tl_rp_clid_seq(rp->k->cfg.clid_prefix, c);
		if (s > st->max_client_seq)
			st->max_client_seq = s;
	}
}

static const char *rp_out_label(const tl_output_t *o, char *buf, size_t len)
{
	if (o->hdr.type == TL_OUT_EVENT)
		snprintf(buf, len, "EVENT %s", tl_event_name((tl_event_type_t)o->u.ev.type));
	else
		snprintf(buf, len, "%s", tl_out_type_name((tl_out_type_t)o->hdr.type));
	return buf;
}

/* Symbol an input names, if any. */
static const char *rp_in_symbol(const tl_input_t *in)
{
	switch (in->hdr.type) {
	case TL_IN_SUBMIT: return in->u.submit.symbol;
	case TL_IN_SIGNAL: return in->u.signal.symbol;
	case TL_IN_MARK: return in->u.mark.symbol;
	case TL_IN_SYMBOL_STATUS: return in->u.symstat.symbol;
	case TL_IN_CANCEL_ALL: return in->u.cancel.symbol;
	default: return NULL;
	}
}

static void rp_mismatch(tl_rp_t *rp, uint64_t seq, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void rp_mismatch(tl_rp_t *rp, uint64_t seq, const char *fmt, ...)
{
	char msg[320];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* A symbol the config does not know explains most divergences. */
	const char *sym = rp_in_symbol(&rp->cur);
	if (n > 0 && (size_t)n < sizeof(msg) && sym && sym[0] &&
	    tl_symbols_find(&rp->k->syms, sym) < 0)
		snprintf(msg + n, sizeof(msg) - (size_t)n,
			 " (input seq %llu names %.*s, which the config does not list)",
			 (unsigned long long)rp->cur.hdr.seq, TL_SYMBOL_NAMELEN - 1, sym);
	if (rp->st->mismatches++ == 0) {
		rp->st->first_mismatch_seq = seq;
		snprintf(rp->st->first_mismatch, sizeof(rp->st->first_mismatch), "%s", msg);
	}
	if (rp->h.on_mismatch)
		rp->h.on_mismatch(rp->h.ctx, seq, msg);
}

static void rp_settle(tl_rp_t *rp, const tl_output_t *regen, const tl_output_t *jour)
{
	if (rp->h.on_output)
		rp->h.on_output(rp->h.ctx, &rp->cur, regen, jour);
}

/* Queued outputs that the journal does not have. */
static void rp_drain(tl_rp_t *rp, bool lost_ok)
{
	char lab[64];
	while (rp->qh < rp->qn) {
		const tl_output_t *o = &rp->q[rp->qh++];
		if (lost_ok)
			rp->st->lost_outputs++;
		else
			rp_mismatch(rp, o->hdr.seq,
				    "output seq %llu %s (of input seq %llu) was regenerated but is not in the journal",
				    (unsigned long long)o->hdr.seq, rp_out_label(o, lab, sizeof(lab)),
				    (unsigned long long)o->hdr.cause_seq);
		rp_settle(rp, o, NULL);
	}
	rp->qh = rp->qn = 0;
}

static void rp_on_output(tl_rp_t *rp, const tl_output_t *jo)
{
	tl_output_t o = *jo;
	char lab[64];
	o.hdr.flags &= (uint16_t)~TL_REC_OUTPUT;
	rp->st->outputs++;
	rp_note_ids(rp, &o);
	/* Regenerated outputs before this seq were not journaled. */
	while (rp->qh < rp->qn && rp->q[rp->qh].hdr.seq < o.hdr.seq) {
		const tl_output_t *m = &rp->q[rp->qh++];
		rp_mismatch(rp, m->hdr.seq,
			    "output seq %llu %s was regenerated but the journal skips to seq %llu",
			    (unsigned long long)m->hdr.seq, rp_out_label(m, lab, sizeof(lab)),
			    (unsigned long long)o.hdr.seq);
		rp_settle(rp, m, NULL);
	}
	if (rp->qh == rp->qn || rp->q[rp->qh].hdr.seq != o.hdr.seq) {
		rp_mismatch(rp, o.hdr.seq,
			    "output seq %llu %s is in the journal but replay did not produce it",
			    (unsigned long long)o.hdr.seq, rp_out_label(&o, lab, sizeof(lab)));
		return;
	}
	const tl_output_t *r = &rp->q[rp->qh++];
	if (memcmp(r, &o, sizeof(o)) == 0) {
		rp->st->matched++;
	} else {
		char d[256];
		tl_rp_describe_diff(&o, r, d, sizeof(d));
		rp_mismatch(rp, o.hdr.seq, "output seq %llu %s differs: %s",
			    (unsigned long long)o.hdr.seq,
			    rp_out_label(&o, lab, sizeof(lab)), d);
	}
	rp_settle(rp, r, &o);
}

static uint64_t rp_mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void rp_draw(tl_rp_t *rp, bool final)
{
	uint64_t done = rp->st->records;
	char bar[41];
	int fill = rp->total ? (int)(done * 40 / (rp->total > done ? rp->total : done)) : 0;
	for (int i = 0; i < 40; i++)
		bar[i] = i < fill ? '#' : '-';
	bar[40] = '\0';
	if (rp->total)
		fprintf(stderr, "\rreplay [%s] %llu/%llu records %3d%%%s", bar,
			(unsigned long long)done, (unsigned long long)rp->total,
			(int)(done * 100 / (rp->total > done ? rp->total : done)),
			final ? "\n" : "");
	else
		fprintf(stderr, "\rreplay %llu records%s", (unsigned long long)done,
			final ? "\n" : "");
	fflush(stderr);
}

int tl_rp_record(void *ctx, const tl_record_t *rec)
{
	tl_rp_t *rp = ctx;
	tl_replay_stats_t *st = rp->st;

	if (rp->progress && (st->records & 1023) == 0) {
		uint64_t now = rp_mono_ns();
		if (now >= rp->next_draw_ns) {
			rp_draw(rp, false);
			rp->next_draw_ns = now + 100000000ULL;	/* 10 per second */
		}
	}
	if (rec->u.hdr.flags & TL_REC_OUTPUT) {
		st->records++;
		rp_on_output(rp, &rec->u.out);
		goto out;
	}

	const tl_input_t *in = &rec->u.in;
	/* The input after the until point ends the replay, unread. */
	if (rp->past_until || (rp->until_time && in->hdr.time > rp->until_time)) {
		rp_drain(rp, true);
		st->stopped = true;
		return TL_RP_STOP;
	}
	st->records++;
	rp_drain(rp, in->hdr.type == TL_IN_RESTART);
	if (in->hdr.type == TL_IN_MARK && rp->strict_symbols &&
	    tl_symbols_find(&rp->k->syms, in->u.mark.symbol) < 0) {
		snprintf(rp->err, rp->errlen,
			 "config mismatch: the journal has prices for %.*s (input seq %llu), "
			 "which %s does not list (symbols.only)",
			 TL_SYMBOL_NAMELEN - 1, in->u.mark.symbol,
			 (unsigned long long)in->hdr.seq, rp->cfg_name ? rp->cfg_name : "the config");
		return -1;
	}
	rp->cur = *in;
	if (rp->h.on_input)
		rp->h.on_input(rp->h.ctx, in);
	tl_kernel_apply(rp->k, in, &rp->sink, NULL);
	if (rp->oom) {
		snprintf(rp->err, rp->errlen, "replay: out of memory at input seq %llu",
			 (unsigned long long)in->hdr.seq);
		return -1;
	}
	st->inputs++;
	if (in->hdr.type == TL_IN_RESTART)
		st->restarts++;
	if (!st->first_time)
		st->first_time = in->hdr.time;
	st->last_time = in->hdr.time;
	st->last_in_seq = in->hdr.seq;
	st->regenerated += rp->qn;
	for (uint32_t i = 0; i < rp->qn; i++)
		rp_note_ids(rp, &rp->q[i]);
	if (rp->until_seq && in->hdr.seq >= rp->until_seq)
		rp->past_until = true;
out:
	return 0;
}

void tl_rp_finish(tl_rp_t *rp)
{
	rp_drain(rp, true);
	if (rp->progress)
		rp_draw(rp, true);
}

/* ---- 3. recovery -------------------------------------------------------- */

int tl_replay_into_kernel(tl_journal_t *j, tl_kernel_t *k, uint64_t until_seq,
			  tl_replay_stats_t *st, char *err, size_t errlen)
{
	tl_rp_t rp;
	char ver[16], from[32];
	if (tl_journal_meta_get(j, "schema_version", ver, sizeof(ver)) < 0)
		ver[0] = '\0';
	if (tl_journal_meta_get(j, "round_trips_from_seq", from, sizeof(from)) < 0)
		from[0] = '\0';
	k->cfg.trips_from_seq = tl_journal_trips_from(ver, from);
	tl_rp_init(&rp, k, st, err, errlen);
	rp.until_seq = until_seq;
	/* The journal stops after until_seq's outputs by itself. */
	int rc = tl_journal_scan(j, until_seq, tl_rp_record, &rp, err, errlen);
	if (rc == TL_RP_STOP)
		rc = 0;
	if (rc == 0)
		tl_rp_finish(&rp);
	tl_rp_free(&rp);
	if (rc != 0)
		return -1;
	if (k->out_seq > st->last_out_seq)
		st->last_out_seq = k->out_seq;
	return st->mismatches ? 1 : 0;
}

/* ---- 4. reading a journal read-only, and `talon replay` ------------------- */

void tl_rp_fmt_time(tl_time_t t, char *buf, size_t len)
{
	time_t s = (time_t)(t / TL_NS_PER_S);
	long ns = (long)(t % TL_NS_PER_S);
	if (ns < 0) {
		ns += TL_NS_PER_S;
		s--;
	}
	struct tm tm;
	gmtime_r(&s, &tm);
	snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%09ldZ", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ns);
}

int tl_replay_parse_time(const char *s, tl_time_t *out)
{
	if (!s || !*s)
		return -1;
	const char *p = s;
	bool digits = true;
	for (; *p; p++)
		if (*p < '0' || *p > '9')
			digits = false;
	if (digits) {
		if (p - s > 19)
			return -1;
		errno = 0;
		unsigned long long v = strtoull(s, NULL, 10);
		if (errno || v > INT64_MAX)
			return -1;
		*out = (tl_time_t)v;
		return 0;
	}
	int Y, M, D, h, m, sec, n = 0;
	if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &Y, &M, &D, &h, &m, &sec, &n) != 6 ||
	    n != 19 || M < 1 || M > 12 || D < 1 || D > 31 || h > 23 || m > 59 || sec > 60)
		return -1;
	p = s + n;
	int64_t frac = 0;
	if (*p == '.') {
		int nd = 0;
		for (p++; *p >= '0' && *p <= '9'; p++, nd++) {
			if (nd >= 9)
				return -1;
			frac = frac * 10 + (*p - '0');
		}
		if (nd == 0)
			return -1;
		for (; nd < 9; nd++)
			frac *= 10;
	}
	int64_t off = 0;
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		int oh, om, k = 0;
		if (sscanf(p + 1, "%2d:%2d%n", &oh, &om, &k) != 2 || k != 5 || oh > 23 || om > 59)
			return -1;
		off = (int64_t)(oh * 3600 + om * 60) * (*p == '-' ? -1 : 1);
		p += 6;
	} else {
		return -1;
	}
	if (*p)
		return -1;
	struct tm tm;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = Y - 1900;
	tm.tm_mon = M - 1;
	tm.tm_mday = D;
	tm.tm_hour = h;
	tm.tm_min = m;
	tm.tm_sec = sec;
	time_t t = timegm(&tm);
	if (t == (time_t)-1 || t < 0)
		return -1;
	*out = ((int64_t)t - off) * TL_NS_PER_S + frac;
	return 0;
}

/* One text value of a one-row query ("" when no row). */
static int rp_db_text(sqlite3 *db, const char *sql, const char *arg, char *out,
		      size_t len)
{
	sqlite3_stmt *st = NULL;
	out[0] = '\0';
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	if (arg)
		sqlite3_bind_text(st, 1, arg, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const unsigned char *v = sqlite3_column_text(st, 0);
		snprintf(out, len, "%s", v ? (const char *)v : "");
	}
	sqlite3_finalize(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

static bool rp_db_has_table(sqlite3 *db, const char *name)
{
	char v[16];
	return rp_db_text(db, "SELECT 1 FROM sqlite_master WHERE type IN ('table','view') AND name = ?1",
			  name, v, sizeof(v)) == 0 && v[0] == '1';
}

/* Open `path` read-only and check that it is a talon journal this build
 * can read. */
static sqlite3 *rp_db_open(const char *path, char *err, size_t errlen)
{
	struct stat sb;
	sqlite3 *db = NULL;
	char v[64];
	if (stat(path, &sb) != 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if (!S_ISREG(sb.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		return NULL;
	}
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: cannot open: %s", path,
			 db ? sqlite3_errmsg(db) : "out of memory");
		goto err;
	}
	sqlite3_busy_timeout(db, 2000);
	if (rp_db_text(db, "SELECT count(*) FROM sqlite_master", NULL, v, sizeof(v)) < 0) {
		snprintf(err, errlen, "%s: not a talon journal (%s)", path, sqlite3_errmsg(db));
		goto err;
	}
	if (!rp_db_has_table(db, "journal") || !rp_db_has_table(db, "meta")) {
		snprintf(err, errlen, "%s: not a talon journal (no journal/meta tables)", path);
		goto err;
	}
	if (rp_db_text(db, "SELECT value FROM meta WHERE key = 'schema_version'", NULL,
		       v, sizeof(v)) < 0) {
		snprintf(err, errlen, "%s: not a talon journal (meta: %s)", path,
			 sqlite3_errmsg(db));
		goto err;
	}
	if (v[0] && atol(v) > TL_JOURNAL_SCHEMA_VERSION) {
		snprintf(err, errlen,
			 "%s: journal schema version %s is newer than this talon's (%d)",
			 path, v, TL_JOURNAL_SCHEMA_VERSION);
		goto err;
	}
	return db;
err:
	sqlite3_close(db);
	return NULL;
}

/* Stream every journal row through the comparator. */
static int rp_db_scan(sqlite3 *db, tl_rp_t *rp, char *err, size_t errlen)
{
	sqlite3_stmt *st = NULL;
	/* Schema version 1 (persist/journal.c): append order is id order. */
	if (sqlite3_prepare_v2(db, "SELECT id, rec FROM journal ORDER BY id", -1, &st,
			       NULL) != SQLITE_OK) {
		snprintf(err, errlen, "reading the journal: %s", sqlite3_errmsg(db));
		return -1;
	}
	int rc, ret = 0;
	tl_record_t rec;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		long long row = sqlite3_column_int64(st, 0);
		const void *b = sqlite3_column_blob(st, 1);
		int n = sqlite3_column_bytes(st, 1);
		if (!b || n != (int)sizeof(rec)) {
			snprintf(err, errlen, "journal row %lld: record of %d bytes, expected %zu",
				 row, n, sizeof(rec));
			ret = -1;
			break;
		}
		memcpy(&rec, b, sizeof(rec));
		bool out = rec.u.hdr.flags & TL_REC_OUTPUT;
		unsigned t = rec.u.hdr.type;
		if (t == 0 || t >= (out ? (unsigned)TL_OUT__COUNT : (unsigned)TL_IN__COUNT)) {
			snprintf(err, errlen, "journal row %lld: unknown %s type %u", row,
				 out ? "output" : "input", t);
			ret = -1;
			break;
		}
		ret = tl_rp_record(rp, &rec);
		if (ret != 0)
			break;
	}
	if (ret == 0 && rc != SQLITE_DONE && rc != SQLITE_ROW) {
		snprintf(err, errlen, "reading the journal: %s", sqlite3_errmsg(db));
		ret = -1;
	}
	sqlite3_finalize(st);
	return ret == TL_RP_STOP ? 0 : ret;
}

/* Symbols the stored tables name that the config does not know. */
static int rp_check_symbols(sqlite3 *db, const tl_kernel_t *k, const char *cfg,
			    char *err, size_t errlen)
{
	static const char *const tables[] = { "orders", "positions" };
	for (size_t i = 0; i < 2; i++) {
		char sql[96];
		sqlite3_stmt *st = NULL;
		if (!rp_db_has_table(db, tables[i]))
			continue;
		snprintf(sql, sizeof(sql), "SELECT DISTINCT symbol FROM %s", tables[i]);
		if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
			continue;	/* no symbol column: nothing to check */
		while (sqlite3_step(st) == SQLITE_ROW) {
			const char *s = (const char *)sqlite3_column_text(st, 0);
			if (s && *s && tl_symbols_find(&k->syms, s) < 0) {
				snprintf(err, errlen,
					 "config mismatch: the journal trades %s, which %s does not list "
					 "(symbols.only); replay with the engine's config (-c)",
					 s, cfg);
				sqlite3_finalize(st);
				return -1;
			}
		}
		sqlite3_finalize(st);
	}
	return 0;
}

/* Both consumers of settled outputs. */
typedef struct rp_mux {
	tl_rp_hooks_t rep;
	tl_verify_t *ver;
} rp_mux_t;

static void mux_input(void *ctx, const tl_input_t *in)
{
	rp_mux_t *m = ctx;
	if (m->rep.on_input)
		m->rep.on_input(m->rep.ctx, in);
}

static void mux_output(void *ctx, const tl_input_t *cause, const tl_output_t *regen,
		       const tl_output_t *jour)
{
	rp_mux_t *m = ctx;
	if (m->rep.on_output)
		m->rep.on_output(m->rep.ctx, cause, regen, jour);
	if (m->ver)
		tl_verify_on_output(m->ver, cause, regen, jour);
}

static void mux_mismatch(void *ctx, uint64_t seq, const char *what)
{
	rp_mux_t *m = ctx;
	if (m->rep.on_mismatch)
		m->rep.on_mismatch(m->rep.ctx, seq, what);
}

/* The kernel the caller described (the engine's kernel config, its
 * symbol table, per-symbol leverage): built here, so replay owns it. */
static int rp_kernel_build(tl_kernel_t *k, const tl_replay_opts_t *o,
			   const tl_replay_kernel_t *kin, char *err, size_t errlen)
{
	char e[384];
	const char *path = o->config_path ? o->config_path : "(no config)";

	if (tl_kernel_init(k, kin->kernel, kin->syms, e, sizeof(e)) < 0) {
		tl_symbols_free(kin->syms);
		snprintf(err, errlen, "config %s: kernel: %s", path, e);
		return -1;
	}
	for (uint32_t i = 0; i < kin->n_leverage; i++)
		if (kin->leverage[i] &&
		    tl_kernel_set_leverage(k, kin->symbols[i], kin->leverage[i]) < 0) {
			snprintf(err, errlen, "config %s: symbols.leverage.%s: cannot set %u",
				 path, kin->symbols[i], kin->leverage[i]);
			tl_kernel_free(k);
			return -1;
		}
	return 0;
}

int tl_replay_run_kernel(const tl_replay_opts_t *o, const tl_replay_kernel_t *kin,
			 tl_replay_result_t *res, char *err, size_t errlen)
{
	tl_kernel_t k;
	bool have_k = false;
	sqlite3 *db = NULL;
	tl_report_t *rep = NULL;
	tl_verify_t *ver = NULL;
	tl_rp_t rp;
	rp_mux_t mux;
	int ret = -1;
	char jname[64];

	memset(res, 0, sizeof(*res));
	memset(&rp, 0, sizeof(rp));
	memset(&mux, 0, sizeof(mux));
	if (o->verify && (o->until_seq || o->until_time)) {
		snprintf(err, errlen, "--verify replays the whole journal: drop --until/--seq");
		tl_symbols_free(kin->syms);
		return -1;
	}
	if (!(db = rp_db_open(o->journal_path, err, errlen))) {
		tl_symbols_free(kin->syms);
		return -1;
	}
	if (rp_kernel_build(&k, o, kin, err, errlen) < 0)
		goto out;
	have_k = true;
	if (rp_check_symbols(db, &k, o->config_path, err, errlen) < 0)
		goto out;
	{
		char ver[16], from[32];
		rp_db_text(db, "SELECT value FROM meta WHERE key = 'schema_version'", NULL,
			   ver, sizeof(ver));
		rp_db_text(db, "SELECT value FROM meta WHERE key = 'round_trips_from_seq'",
			   NULL, from, sizeof(from));
		k.cfg.trips_from_seq = tl_journal_trips_from(ver, from);
	}
	rp_db_text(db, "SELECT value FROM meta WHERE key = 'engine_name'", NULL, jname,
		   sizeof(jname));
	if (jname[0] && kin->engine_name && strcmp(jname, kin->engine_name) != 0)
		fprintf(stderr, "talon replay: note: the journal is engine '%s', %s configures '%s'\n",
			jname, o->config_path, kin->engine_name);

	tl_rp_init(&rp, &k, &res->st, err, errlen);
	rp.until_seq = o->until_seq;
	rp.until_time = o->until_time;
	rp.strict_symbols = true;
	rp.cfg_name = o->config_path;
	rp.progress = o->progress;
	if (o->progress) {
		char n[32];
		rp_db_text(db, "SELECT count(*) FROM journal", NULL, n, sizeof(n));
		rp.total = strtoull(n, NULL, 10);
	}
	if (!o->verify && !(rep = tl_report_new(o, &k, err, errlen)))
		goto out;
	if (o->verify && !(ver = tl_verify_new(&k, err, errlen)))
		goto out;
	if (rep)
		tl_report_hooks(rep, &mux.rep);
	mux.ver = ver;
	rp.h.on_input = mux_input;
	rp.h.on_output = mux_output;
	rp.h.on_mismatch = mux_mismatch;
	rp.h.ctx = &mux;

	if (rp_db_scan(db, &rp, err, errlen) < 0)
		goto out;
	tl_rp_finish(&rp);
	if (k.out_seq > res->st.last_out_seq)
		res->st.last_out_seq = k.out_seq;

	ret = res->st.mismatches ? 1 : 0;
	if (ver) {
		int v = tl_verify_tables(ver, db, &res->differences, res->first_diff,
					 sizeof(res->first_diff), err, errlen);
		if (v < 0) {
			ret = -1;
			goto out;
		}
		if (res->st.mismatches) {
			/* The replay itself diverged: that is the first difference. */
			snprintf(res->first_diff, sizeof(res->first_diff), "journal: %.300s",
				 res->st.first_mismatch);
			res->differences += res->st.mismatches;
		}
		res->verified = res->differences == 0;
		ret = res->verified ? 0 : 1;
	}
	if (rep && tl_report_finish(rep, &res->st, NULL) < 0) {
		snprintf(err, errlen, "writing the report: %s", strerror(errno));
		ret = -1;
	}
out:
	tl_rp_free(&rp);
	tl_report_free(rep);
	tl_verify_free(ver);
	if (have_k)
		tl_kernel_free(&k);
	sqlite3_close(db);
	return ret;
}
