/*
 * replay_int.h - what replay.c, replay_report.c and replay_verify.c share
 * (not installed; see replay.h for the public contract).
 *
 *   replay.c         the comparator (journal records in, kernel driven,
 *                    outputs settled), the read-only journal reader, the
 *                    progress bar and tl_replay_run;
 *   replay_report.c  the post-mortem: order steps, positions, states, the
 *                    emergency timeline and the summary, as text/json/csv;
 *   replay_verify.c  the stored tables against the replayed kernel.
 */
#ifndef TL_REPLAY_INT_H
#define TL_REPLAY_INT_H

#include <sqlite3.h>

#include "persist/replay.h"

/* Return value of a record callback that ends the scan early on purpose. */
#define TL_RP_STOP 2

/* Callbacks of one replay; any may be NULL. */
typedef struct tl_rp_hooks {
	/* An input, just before it is applied. */
	void (*on_input)(void *ctx, const tl_input_t *in);
	/* A regenerated output once settled, in kernel order: `jour` is its
	 * journaled twin (equal unless a mismatch was counted) or NULL when
	 * it was never journaled. `cause` is the input that produced it. */
	void (*on_output)(void *ctx, const tl_input_t *cause,
			  const tl_output_t *regen, const tl_output_t *jour);
	/* A difference, described (also counted in the stats). */
	void (*on_mismatch)(void *ctx, uint64_t seq, const char *what);
	void *ctx;
} tl_rp_hooks_t;

/* The comparator: feed it records in journal order, then finish. */
typedef struct tl_rp {
	tl_kernel_t *k;
	tl_replay_stats_t *st;
	tl_rp_hooks_t h;
	uint64_t until_seq;         /* 0: none */
	tl_time_t until_time;       /* 0: none */
	bool past_until;            /* the until_seq input was applied */
	bool strict_symbols;        /* MARK for a symbol the config lacks: error */
	const char *cfg_name;       /* for messages */
	tl_sink_t sink;
	tl_output_t *q;             /* outputs of the current input */
	uint32_t qn, qh, qcap;
	tl_input_t cur;             /* the input being settled */
	bool oom;
	/* progress */
	bool progress;
	uint64_t total;             /* records expected (0: unknown) */
	uint64_t next_draw_ns;
	char *err;
	size_t errlen;
} tl_rp_t;

/* Set up / tear down a comparator over kernel `k` (stats zeroed). */
void tl_rp_init(tl_rp_t *rp, tl_kernel_t *k, tl_replay_stats_t *st,
		char *err, size_t errlen);
void tl_rp_free(tl_rp_t *rp);

/* One journal record (tl_journal_scan's callback shape): 0 to go on,
 * TL_RP_STOP when until_* is reached, -1 with rp->err set on error. */
int tl_rp_record(void *ctx, const tl_record_t *rec);

/* The journal ended (or the scan stopped): settle what is pending. */
void tl_rp_finish(tl_rp_t *rp);

/* Describe how two outputs of the same seq differ ("field ev.order.filled:
 * journal 0.01, replay 0.02"); "" when equal. */
void tl_rp_describe_diff(const tl_output_t *jour, const tl_output_t *regen,
			 char *buf, size_t len);

/* Client id sequence of `clid` under `prefix`, 0 if it is not one of ours. */
uint64_t tl_rp_clid_seq(const char *prefix, const char *clid);

/* "2026-11-21T05:06:49.123456789Z" (buf >= 40). */
void tl_rp_fmt_time(tl_time_t t, char *buf, size_t len);

/* ---- the report (replay_report.c) ---------------------------------------- */

typedef struct tl_report tl_report_t;

tl_report_t *tl_report_new(const tl_replay_opts_t *o, tl_kernel_t *k,
			   char *err, size_t errlen);
/* Hooks to install in the comparator. */
void tl_report_hooks(tl_report_t *r, tl_rp_hooks_t *h);
/* Print everything still buffered, the end state and the summary. */
int tl_report_finish(tl_report_t *r, const tl_replay_stats_t *st,
		     const char *verify_line);
void tl_report_free(tl_report_t *r);

/* ---- verify (replay_verify.c) ------------------------------------------- */

typedef struct tl_verify tl_verify_t;

tl_verify_t *tl_verify_new(tl_kernel_t *k, char *err, size_t errlen);
/* Hooks to chain: it watches every settled output. */
void tl_verify_on_output(tl_verify_t *v, const tl_input_t *cause,
			 const tl_output_t *regen, const tl_output_t *jour);
/* Compare the tables of `db` with the kernel; 0 equal, 1 differs (first
 * difference in diff), -1 error. */
int tl_verify_tables(tl_verify_t *v, sqlite3 *db, uint64_t *ndiff,
		     char *diff, size_t difflen, char *err, size_t errlen);
void tl_verify_free(tl_verify_t *v);

#endif /* TL_REPLAY_INT_H */
