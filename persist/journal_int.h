/*
 * journal_int.h - what the persist/journal_*.c files share (not public).
 *
 *   journal.c         open (checks, schema), close, scan, meta, write
 *   journal_derive.c  one record -> the journal row and the derived rows
 *                     (prepared statements, reused)
 *   journal_thread.c  the PERSIST thread: batches, commits, failure buffer
 *
 * Ownership: the sqlite3 connection and everything in struct tl_journal
 * except `stats`, `stop` and the test request belong to the PERSIST thread
 * between tl_journal_start and tl_journal_stop, and to the caller outside
 * that window (pthread_create / pthread_join order the hand-overs).
 */
#ifndef TL_JOURNAL_INT_H
#define TL_JOURNAL_INT_H

#include <pthread.h>
#include <sqlite3.h>

#include "persist/journal.h"

/* Prepared statements, prepared once at open, reset after each use. */
enum {
	JS_BEGIN,
	JS_COMMIT,
	JS_ROLLBACK,
	JS_JOURNAL,     /* insert a journal row */
	JS_META,        /* upsert a meta key */
	JS_ORDER,       /* upsert orders */
	JS_HISTORY,     /* insert order_status_history */
	JS_FILL,        /* insert fills (ignored when the trade id is known) */
	JS_POSITION,    /* upsert positions */
	JS_STRATEGY,    /* insert strategies (a tag's row) */
	JS_TRIP,        /* insert position_history */
	JS_EVENT,       /* insert events */
	JS__COUNT
};

/*
 * What the derivation remembers between records. Saved before a
 * transaction and restored when it rolls back, so a retried batch derives
 * exactly the same rows.
 */
typedef struct tl_jderive {
	tl_record_t last_in;      /* latest input (fills take trade id, fee) */
	bool have_in;             /* an input was written through this handle */
	uint64_t in_seq;          /* seq of the latest input written (meta at open) */
	uint64_t prev_in_seq;     /* the input before it, this handle: complete */
	uint64_t out_seq;         /* seq of the latest output written (meta at open) */
	bool have_out;            /* an output was written through this handle */
	bool touched;             /* records written since the last meta update */
} tl_jderive_t;

struct tl_journal {
	tl_journal_cfg_t cfg;
	sqlite3 *db;
	sqlite3_stmt *st[JS__COUNT];
	tl_journal_stats_t stats;
	tl_jderive_t d;           /* as of the records written so far */
	_Atomic uint64_t committed_out_seq;

	/* the PERSIST thread */
	pthread_t thread;
	bool started;
	_Atomic bool stop;
	bool (*pop)(void *ctx, tl_record_t *rec);
	void *pop_ctx;
	tl_record_t *pend;        /* records popped, not yet committed */
	size_t pend_n, pend_cap;
	size_t pend_max;          /* bound while failing (records) */

	/* test hook: a PRAGMA max_page_count run on the owning thread */
	_Atomic int test_req;     /* 0 none, else the page count wanted */
	_Atomic int test_done;    /* the PRAGMA's result, -1 on error */
	_Atomic bool test_ack;
};

/* journal_derive.c */
int tl_jd_prepare(tl_journal_t *j, char *err, size_t errlen);
void tl_jd_finalize(tl_journal_t *j);
/* Insert rec's journal row and derived rows (inside a transaction).
 * Returns SQLITE_OK or the failing SQLite code (message in db). */
int tl_jd_record(tl_journal_t *j, const tl_record_t *rec);
/* Write last_input_seq / last_output_seq into meta if records changed. */
int tl_jd_meta_seqs(tl_journal_t *j);
/* Run a prepared statement that returns no rows; resets it. */
int tl_jd_step(sqlite3_stmt *s);
int tl_jd_meta_set(tl_journal_t *j, const char *key, const char *value);

/*
 * Write recs[0..n) in one transaction (BEGIN, records, meta, COMMIT);
 * on failure roll back, restore the derivation state and return the
 * SQLite code (0 on success). Updates stats on success only.
 */
int tl_journal_commit_batch(tl_journal_t *j, const tl_record_t *recs, size_t n);

uint64_t tl_journal_now_ns(void);     /* CLOCK_REALTIME */
uint64_t tl_journal_mono_ns(void);    /* CLOCK_MONOTONIC */

#endif /* TL_JOURNAL_INT_H */
