/*
 * journal.h - the SQLite journal: schema, the PERSIST thread, reading back.
 *
 * The journal is one SQLite file (config `journal.path`) in WAL mode.
 * Only the PERSIST thread writes it while the engine runs; recovery and
 * `talon replay` read it when no engine owns it. Tables (docs/journal.md):
 *
 *   meta                  key/value: schema_version, engine_name, created_ns,
 *                         trading_state, id_reserved_to, record_version, ...
 *   journal               append-only: every kernel input and output, with
 *                         its direction, type, seq, cause_seq, time and the
 *                         exact 256-byte record (the truth; everything else
 *                         is derived from it)
 *   orders                latest state per client order id
 *   order_status_history  every status an order entered, with time
 *   fills                 every applied fill (trade id, price, qty, fee)
 *   positions             latest state per (symbol, position side)
 *   events                every event emitted to strategies
 *   views                 open_orders, position_pnl, order_latency
 *
 * Decimals are stored as exact decimal TEXT (never REAL) in the derived
 * tables; the blob keeps the int64 fixed-point values.
 */
#ifndef TL_JOURNAL_H
#define TL_JOURNAL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "persist/record.h"

#define TL_JOURNAL_SCHEMA_VERSION 2

typedef enum tl_journal_mode {
	TL_JOURNAL_ASYNC = 0,   /* the hot path never waits on disk */
	TL_JOURNAL_STRICT,      /* orders go to IO only once committed */
} tl_journal_mode_t;

typedef struct tl_journal_cfg {
	char path[256];
	char engine[32];        /* engine name; a journal of another engine is refused */
	tl_journal_mode_t mode;
	bool sync_full;         /* PRAGMA synchronous = FULL (else NORMAL) */
	uint32_t batch_max;     /* records per transaction at most (default 4096) */
	uint32_t batch_us;      /* commit at least this often when busy (default 2000) */
	/* Where the PERSIST thread's notices go (a commit failed, writing
	 * again, giving up at stop): the engine passes tl_log, so they get
	 * the log's time, level and destination (persist/ cannot include
	 * runtime/). Levels as runtime/log.h: 0 error, 1 warn, 2 info.
	 * NULL: plain lines on stderr (tools and tests without a log). */
	void (*log)(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
} tl_journal_cfg_t;

typedef struct tl_journal tl_journal_t;

/* Health and progress, readable from any thread. */
typedef struct tl_journal_stats {
	_Atomic uint64_t records;      /* records committed */
	_Atomic uint64_t commits;      /* transactions committed */
	_Atomic uint64_t committed_seq;/* highest input seq whose records are all committed */
	_Atomic uint64_t last_commit_ns;
	_Atomic bool failed;           /* a write failed: alarm, engine refuses orders */
	_Atomic int last_errcode;      /* SQLite result code of the failure */
} tl_journal_stats_t;

/*
 * Open (creating if absent) the journal at cfg->path: WAL mode, schema
 * created or checked (PRAGMA quick_check, schema_version, engine name).
 * A journal from a newer schema, a corrupt file, or another engine's
 * journal is refused with a clear message and left untouched.
 * *fresh tells whether it was created now. Returns NULL with err set.
 */
tl_journal_t *tl_journal_open(const tl_journal_cfg_t *cfg, bool *fresh,
			      char *err, size_t errlen);

/* Close (after tl_journal_stop). */
void tl_journal_close(tl_journal_t *j);

/*
 * Read every record in append order (recovery, replay): calls fn for each
 * until it returns non-zero (which is returned). `until_seq` > 0 stops
 * after the input with that seq and its outputs. Returns 0 at the end,
 * or -1 with err set on a read or validation error (a record blob of the
 * wrong size or type is an error naming its row).
 */
int tl_journal_scan(tl_journal_t *j, uint64_t until_seq,
		    int (*fn)(void *ctx, const tl_record_t *rec), void *ctx,
		    char *err, size_t errlen);

/* Meta values ("" when absent). */
int tl_journal_meta_get(tl_journal_t *j, const char *key, char *out, size_t len);

/* The first input seq whose round trips the journal's kernel reported
 * (tl_kernel_cfg_t.trips_from_seq), from meta `schema_version` and
 * `round_trips_from_seq` as read ("" when absent): 0 for a journal
 * created at version 2 or later, the seq after its last input for one
 * migrated from version 1, never (UINT64_MAX) for a version 1 journal. */
uint64_t tl_journal_trips_from(const char *schema_version, const char *from_seq);

/*
 * Start the PERSIST thread draining `pop` (called only on that thread)
 * into SQLite. It commits when a batch fills or batch_us passes, never
 * drops a record, and on a write error marks stats->failed, keeps the
 * records it could not write in memory (bounded; then it stops draining,
 * which back-pressures the engine), and retries every second.
 */
int tl_journal_start(tl_journal_t *j, bool (*pop)(void *ctx, tl_record_t *rec),
		     void *ctx, char *err, size_t errlen);

/* Drain what is left, commit, stop the thread. */
void tl_journal_stop(tl_journal_t *j);

const tl_journal_stats_t *tl_journal_stats(const tl_journal_t *j);

/* Write records synchronously from the calling thread (tests, tools):
 * one transaction. Returns 0 or -1 with err set. */
int tl_journal_write(tl_journal_t *j, const tl_record_t *recs, size_t n,
		     char *err, size_t errlen);

/*
 * Additions (beyond the first draft of this API):
 *
 * The seq of the latest output record committed (0 before any). Outputs
 * are committed in ring order, so every record pushed before an output
 * with seq <= this is on disk: strict mode releases a request once this
 * covers the request's own output seq (hdr.seq of its TL_OUT_REQ_*),
 * without waiting for the next input as committed_seq would.
 */
uint64_t tl_journal_committed_out_seq(const tl_journal_t *j);

/* Test hooks. Run `PRAGMA max_page_count = pages` on the thread that owns
 * the connection (the PERSIST thread while running, waiting for it);
 * returns the resulting limit, or -1. Lower it to provoke SQLITE_FULL. */
int tl_journal_test_set_max_pages(tl_journal_t *j, int pages);
/* Bound the records held in memory while failing (default 1M; at least
 * batch_max). Call before tl_journal_start. */
void tl_journal_test_set_buffer_max(tl_journal_t *j, size_t records);

#endif /* TL_JOURNAL_H */
