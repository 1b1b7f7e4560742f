/*
 * subproc.h - run the `talon` binary of the current build from a test:
 * one command with its output, or `talon run` on the paper venue in the
 * background driven by `talon ctl`.
 *
 * Tests live in <build>/tests/<module>/test_<unit>; the binary under test
 * is <build>/talon, so a sanitized test run drives a sanitized talon.
 */
#ifndef TL_TEST_SUBPROC_H
#define TL_TEST_SUBPROC_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Path of <build>/talon into buf; 0, or -1 when it is not there. */
int tl_test_talon_path(char *buf, size_t len);

/*
 * Run argv[0] with argv (NULL-terminated), stdin from /dev/null, stdout
 * captured into out (NUL-terminated, truncated at cap - 1); stderr is
 * captured too when merge_stderr, else discarded. Returns the exit status,
 * or -1 when the program did not exit normally.
 */
int tl_test_run(char *out, size_t cap, int merge_stderr, const char *const *argv);

/* tl_test_run of `bin a0 a1 ... NULL` (at most 30 arguments). */
int tl_test_runv(char *out, size_t cap, int merge_stderr, const char *bin,
		 const char *a0, ...);

/*
 * A config for `talon run` on the paper venue, written to path: engine
 * `name` (idle sleep, snapshot_hz 50) with engine_more added inside
 * "engine" (`, "on_stop": "flatten"` or ""), BTCUSDT and ETHUSDT from
 * <cwd>/config/exchange_info.json, the paper venue (1 ms latency, a mark
 * every 100 ms), and top_more added at the top level
 * (`,\n "journal": {...}` or ""). 0, or -1 when it cannot be written.
 */
int tl_test_paper_cfg(const char *path, const char *name, const char *engine_more,
		      const char *top_more);

/* `bin run -c cfg --duration SECS` in the background, stdout and stderr
 * into log (truncated); the child's pid, or -1. */
pid_t tl_test_talon_start(const char *bin, const char *cfg, const char *log, int secs);

/*
 * `bin ctl SEL VAL status --json` (SEL "--engine" or "-c") every 50 ms,
 * at most tries times, until its output holds needle: true then. out
 * keeps the last output; false says what it lacked on stderr.
 */
bool tl_test_ctl_until(const char *bin, const char *sel, const char *val,
		       const char *needle, int tries, char *out, size_t cap);

/*
 * `bin ctl SEL VAL submit --symbol SYM --side BUY --type MARKET --qty
 * QTY`, repeated every 50 ms (at most tries times) while the paper
 * venue has no mark yet (NO_MARK, before its first poll). The last exit
 * status; out keeps its output (printed on stderr when not 0).
 */
int tl_test_ctl_buy(const char *bin, const char *sel, const char *val, const char *sym,
		    const char *qty, int tries, char *out, size_t cap);

#endif
