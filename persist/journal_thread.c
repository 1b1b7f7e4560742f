/*
 * journal_thread.c - the PERSIST thread: pop records, batch them into
 * SQLite transactions, survive a failing disk without losing a record.
 *
 * States (one loop iteration each, "pend" = records popped, not committed):
 *
 *   FILLING --pend == batch_max, or batch_us since its first record,
 *     |        or the ring is empty in strict mode / while stopping-->
 *     |      COMMIT --ok--> FILLING (pend emptied, stats advanced)
 *     |        |
 *     |        +--error: ROLLBACK, failed = 1, last_errcode--> FAILED
 *   FAILED: keep popping into pend until pend_max (then stop popping: the
 *     ring fills and the engine back-pressures); every second retry the
 *     whole pend in one transaction --ok--> failed = 0, FILLING
 *
 * Invariants:
 *   1. Records are committed in the order they were popped, each exactly
 *      once: pend is only emptied by a successful COMMIT.
 *   2. A failed transaction leaves no trace: ROLLBACK on disk, the
 *      derivation state restored (tl_journal_commit_batch).
 *   3. stats->committed_seq only grows, and only past inputs whose
 *      records are all committed (a later input has been committed, or the
 *      producer has stopped: tl_journal_stop).
 */
#define _GNU_SOURCE
#include "persist/journal_int.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define JT_IDLE_NS     200000ull        /* sleep when the ring is empty */
#define JT_IDLE_STRICT_NS 10000ull      /* strict mode: orders wait on us */
#define JT_RETRY_NS    1000000000ull    /* retry a failed batch this often */
#define JT_GIVEUP_NS   5000000000ull    /* stop: retry this long, then give up */
#define JT_LOG_ERROR   0                /* levels of cfg.log (runtime/log.h) */
#define JT_LOG_INFO    2

static void jt_sleep(uint64_t ns)
{
	struct timespec ts = { (time_t)(ns / 1000000000ull), (long)(ns % 1000000000ull) };
	nanosleep(&ts, NULL);
}

static int jt_set_max_pages(tl_journal_t *j, int pages)
{
	char sql[64];
	snprintf(sql, sizeof(sql), "PRAGMA max_page_count = %d", pages);
	sqlite3_stmt *s;
	int v = -1;
	if (sqlite3_prepare_v2(j->db, sql, -1, &s, NULL) == SQLITE_OK) {
		if (sqlite3_step(s) == SQLITE_ROW)
			v = sqlite3_column_int(s, 0);
		sqlite3_finalize(s);
	}
	return v;
}

/* Serve a pending test request on the owning thread. */
static void jt_test_hook(tl_journal_t *j)
{
	int req = atomic_load(&j->test_req);
	if (req == 0)
		return;
	atomic_store(&j->test_done, jt_set_max_pages(j, req));
	atomic_store(&j->test_req, 0);
	atomic_store(&j->test_ack, true);
}

int tl_journal_test_set_max_pages(tl_journal_t *j, int pages)
{
	if (!j->started)
		return jt_set_max_pages(j, pages);
	atomic_store(&j->test_ack, false);
	atomic_store(&j->test_req, pages);
	while (!atomic_load(&j->test_ack))
		jt_sleep(JT_IDLE_NS);
	return atomic_load(&j->test_done);
}

void tl_journal_test_set_buffer_max(tl_journal_t *j, size_t records)
{
	j->pend_max = records > j->cfg.batch_max ? records : j->cfg.batch_max;
}

/* Room for one more pending record; false when pend is at its bound or
 * memory ran out (both mean: stop popping for now). */
static bool jt_reserve(tl_journal_t *j, size_t limit)
{
	if (j->pend_n >= limit)
		return false;
	if (j->pend_n < j->pend_cap)
		return true;
	size_t cap = j->pend_cap ? j->pend_cap * 2 : j->cfg.batch_max;
	if (cap > j->pend_max)
		cap = j->pend_max;
	if (cap <= j->pend_cap)
		return false;
	tl_record_t *p = realloc(j->pend, cap * sizeof(*p));
	if (!p)
		return false;
	j->pend = p;
	j->pend_cap = cap;
	return true;
}

/* A notice of the PERSIST thread, through cfg.log when there is one. */
__attribute__((format(printf, 3, 4)))
static void jt_log(const tl_journal_t *j, int level, const char *fmt, ...)
{
	char msg[768];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (j->cfg.log)
		j->cfg.log(level, "%s", msg);
	else
		fprintf(stderr, "%s\n", msg);
}

/* Commit pend; on failure report it once per change of error. */
static bool jt_commit(tl_journal_t *j)
{
	int rc = tl_journal_commit_batch(j, j->pend, j->pend_n);
	if (rc == SQLITE_OK) {
		if (atomic_load(&j->stats.failed)) {
			jt_log(j, JT_LOG_INFO, "journal %s: writing again; %zu held records"
			       " committed", j->cfg.path, j->pend_n);
			atomic_store(&j->stats.failed, false);
		}
		j->pend_n = 0;
		return true;
	}
	if (!atomic_load(&j->stats.failed) || atomic_load(&j->stats.last_errcode) != rc)
		jt_log(j, JT_LOG_ERROR, "journal %s: commit of %zu records failed: %s (%s);"
		       " holding them in memory, retrying every second",
		       j->cfg.path, j->pend_n, sqlite3_errstr(rc), sqlite3_errmsg(j->db));
	atomic_store(&j->stats.last_errcode, rc);
	atomic_store(&j->stats.failed, true);
	return false;
}

static void *jt_main(void *arg)
{
	tl_journal_t *j = arg;
	pthread_setname_np(pthread_self(), "tl-persist");
	const uint64_t batch_ns = (uint64_t)j->cfg.batch_us * 1000ull;
	const bool strict = j->cfg.mode == TL_JOURNAL_STRICT;
	uint64_t first_ns = 0, last_try = 0, stop_ns = 0;
	for (;;) {
		bool stopping = atomic_load(&j->stop);
		uint64_t now = tl_journal_mono_ns();
		if (stopping && !stop_ns)
			stop_ns = now;
		jt_test_hook(j);
		bool failed = atomic_load(&j->stats.failed);
		size_t limit = failed ? j->pend_max : j->cfg.batch_max;
		bool empty = false;
		size_t got = 0;
		while (jt_reserve(j, limit)) {
			if (!j->pop(j->pop_ctx, &j->pend[j->pend_n])) {
				empty = true;
				break;
			}
			if (j->pend_n++ == 0)
				first_ns = now;
			got++;
		}
		now = tl_journal_mono_ns();
		if (j->pend_n > 0) {
			bool due;
			if (failed)
				due = now - last_try >= JT_RETRY_NS;
			else
				due = j->pend_n >= j->cfg.batch_max ||
				      now - first_ns >= batch_ns ||
				      (empty && (strict || stopping));
			if (due) {
				last_try = now;
				if (jt_commit(j)) {
					failed = false;
					continue;
				}
				failed = true;
			}
		}
		if (stopping && empty && j->pend_n == 0)
			break;
		if (stopping && failed && now - stop_ns >= JT_GIVEUP_NS) {
			jt_log(j, JT_LOG_ERROR, "journal %s: giving up at stop: %zu records"
			       " could not be written (%s)", j->cfg.path, j->pend_n,
			       sqlite3_errstr(atomic_load(&j->stats.last_errcode)));
			break;
		}
		if (empty || got == 0)
			jt_sleep(strict ? JT_IDLE_STRICT_NS : JT_IDLE_NS);
	}
	/* The producer has stopped: the last input's records are all in. */
	if (j->pend_n == 0 && !atomic_load(&j->stats.failed) && j->d.have_in &&
	    j->d.in_seq > atomic_load(&j->stats.committed_seq))
		atomic_store(&j->stats.committed_seq, j->d.in_seq);
	return NULL;
}

int tl_journal_start(tl_journal_t *j, bool (*pop)(void *ctx, tl_record_t *rec),
		     void *ctx, char *err, size_t errlen)
{
	if (j->started) {
		snprintf(err, errlen, "journal %s: already started", j->cfg.path);
		return -1;
	}
	j->pop = pop;
	j->pop_ctx = ctx;
	atomic_store(&j->stop, false);
	int rc = pthread_create(&j->thread, NULL, jt_main, j);
	if (rc != 0) {
		snprintf(err, errlen, "journal %s: pthread_create: %s", j->cfg.path,
			 strerror(rc));
		return -1;
	}
	j->started = true;
	return 0;
}

void tl_journal_stop(tl_journal_t *j)
{
	if (!j || !j->started)
		return;
	atomic_store(&j->stop, true);
	pthread_join(j->thread, NULL);
	j->started = false;
}
