/*
 * replay.h - feed a journal back through the kernel: recovery and the
 * `talon replay` post-mortem (docs/replay.md).
 *
 * The journal holds every kernel input and every output, in the order the
 * engine produced them: an input, then the outputs it caused, then the
 * next input. Replay applies each journaled INPUT to a kernel built with
 * the same config and compares every regenerated output with the
 * journaled output of the same seq, byte for byte (the journal's
 * TL_REC_OUTPUT flag aside). The kernel is deterministic, so any
 * difference is a finding: a different config, a kernel change, or a
 * corrupted record.
 *
 * Invariants the comparison relies on:
 *   1. outputs of input N are journaled after input N and before input
 *      N+1 (one thread produces both, in order);
 *   2. a crash loses only a suffix of the journal, so regenerated outputs
 *      with no journaled counterpart are legitimate only at the end of the
 *      journal or right before a RESTART input (the next session's first
 *      record): they are counted as `lost_outputs`, not as mismatches;
 *   3. nothing here holds more than one input's outputs in memory, so
 *      journals of any length stream through.
 *
 * Two layers:
 *   tl_replay_into_kernel  the library call recovery uses: inputs into a
 *                          caller's kernel, outputs compared, stats back;
 *   tl_replay_run_kernel   the whole `talon replay`: opens the journal
 *                          read-only, builds the kernel the caller
 *                          describes, prints the report, optionally
 *                          verifies the stored tables
 *                          (persist/replay_verify.c). Reading the
 *                          engine's config file is the caller's step
 *                          (runtime/replay_config.h: tl_replay_run), so
 *                          persist/ never depends on runtime/.
 *
 * Threading: everything runs on the calling thread; SQLite is used only
 * through the handles opened here (or the caller's tl_journal_t).
 */
#ifndef TL_REPLAY_H
#define TL_REPLAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "kernel/kernel.h"
#include "persist/journal.h"

/* What one replay saw. Journal counts are of rows read; seqs are 0 when
 * none was seen. */
typedef struct tl_replay_stats {
	uint64_t records;           /* journal records read (inputs + outputs) */
	uint64_t inputs;            /* inputs applied to the kernel */
	uint64_t outputs;           /* journaled outputs read */
	uint64_t regenerated;       /* outputs the kernel produced */
	uint64_t matched;           /* regenerated == journaled, byte for byte */
	uint64_t mismatches;        /* differences; every one is a finding */
	uint64_t first_mismatch_seq;/* output seq of the first difference */
	char first_mismatch[320];   /* "output seq 41 EVENT ORDER_FILLED: field
				     * ev.order.filled: journal 0.01, replay 0.02" */
	uint64_t lost_outputs;      /* regenerated but never journaled, at the
				     * journal's end or before a RESTART (crash) */
	uint64_t restarts;          /* RESTART inputs seen (sessions - 1) */
	uint64_t last_in_seq;       /* last input applied */
	uint64_t last_out_seq;      /* highest output seq, journaled or regenerated */
	tl_time_t first_time;       /* time of the first input */
	tl_time_t last_time;        /* time of the last input applied */
	uint64_t max_client_seq;    /* highest client id sequence in any REQ_NEW
				     * or ORDER_SUBMITTED (journaled or regenerated) */
	uint64_t id_reserved_to;    /* highest `to` of any ID_RESERVE */
	bool stopped;               /* stopped early by until_seq / until_time */
} tl_replay_stats_t;

/*
 * Recovery's entry point. Reads `j` in append order (tl_journal_scan) and
 * applies every input with seq <= until_seq (0: all) to `k`, which the
 * caller built from the engine's config (fresh: tl_kernel_init, symbols,
 * per-symbol leverage) and still owns. Every regenerated output is
 * compared with the journaled one of the same seq. Outputs go nowhere
 * else: the kernel's sink is only the comparator.
 *
 * After it returns, `k` holds the state as of the last input applied
 * (k->out_seq continues the journal's output numbering), and `st` tells
 * where to continue: inputs resume at st->last_in_seq + 1; client ids at
 * max(st->id_reserved_to, st->max_client_seq + 1) (also held by k).
 *
 * Returns 0 when every output matched (lost tail outputs allowed),
 * 1 when the replay diverged (st->mismatches > 0; st->first_mismatch says
 * where; the kernel state is still the replayed one), -1 with err set when
 * the journal could not be read (then `k` is partly replayed).
 */
int tl_replay_into_kernel(tl_journal_t *j, tl_kernel_t *k, uint64_t until_seq,
			  tl_replay_stats_t *st, char *err, size_t errlen);

/* Output formats of the report. */
typedef enum tl_replay_format {
	TL_REPLAY_TEXT = 0,   /* sections for a person */
	TL_REPLAY_JSON,       /* one JSON object per line */
	TL_REPLAY_CSV,        /* order steps only, one header line */
} tl_replay_format_t;

/* What `talon replay` was asked to do. */
typedef struct tl_replay_opts {
	const char *journal_path;   /* the SQLite file, opened read-only */
	const char *config_path;    /* engine config: named in messages (the
				     * kernel comes from tl_replay_kernel_t) */
	uint64_t until_seq;         /* stop after this input seq (0: none) */
	tl_time_t until_time;       /* stop before the first input later than
				     * this (ns since epoch, 0: none) */
	const char *order;          /* only this client id (NULL: all) */
	const char *symbol;         /* only this symbol (NULL: all) */
	tl_replay_format_t format;
	bool verify;                /* compare the end state with the tables;
				     * whole journal (until_* must be 0) */
	bool progress;              /* progress bar on stderr */
	FILE *out;                  /* report (NULL: stdout) */
} tl_replay_opts_t;

typedef struct tl_replay_result {
	tl_replay_stats_t st;
	bool verified;              /* verify ran and found no difference */
	uint64_t differences;       /* verify: rows that differ */
	char first_diff[320];       /* verify: the first, e.g. "orders tlp12:
				     * status FILLED in table, CANCELED in replay" */
} tl_replay_result_t;

/* The kernel to replay into, as the engine builds its own from its
 * config: kernel section, symbol table, per-symbol leverage. */
typedef struct tl_replay_kernel {
	const tl_kernel_cfg_t *kernel;
	tl_symbols_t *syms;         /* taken over: the kernel's on success,
				     * freed by tl_replay_run_kernel otherwise */
	uint32_t n_leverage;        /* entries of symbols[] / leverage[] */
	const char (*symbols)[TL_SYMBOL_NAMELEN];
	const uint32_t *leverage;   /* 0 = the kernel's default */
	const char *engine_name;    /* engine.name, NULL: unknown (a note
				     * when the journal's differs) */
} tl_replay_kernel_t;

/*
 * `talon replay`: open the journal read-only (a missing file, a file that
 * is not a talon journal and a journal from a newer schema are errors),
 * build the kernel `kin` describes, replay, print the report to o->out.
 * Returns 0 when the replay matched (and, with verify, the tables did),
 * 1 when it diverged or verify found a difference (res says which),
 * -1 with err set on an error (nothing was compared). kin->syms is
 * consumed in every case.
 */
int tl_replay_run_kernel(const tl_replay_opts_t *o, const tl_replay_kernel_t *kin,
			 tl_replay_result_t *res, char *err, size_t errlen);

/* Parse an --until value: RFC 3339 UTC ("2026-11-21T05:06:49Z", optional
 * fraction up to 9 digits, or a +hh:mm offset) or integer ns since the
 * epoch. Returns 0 or -1. */
int tl_replay_parse_time(const char *s, tl_time_t *out);

#endif /* TL_REPLAY_H */
