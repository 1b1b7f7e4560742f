/*
 * engine_fix.h - the set-up the in-process engine tests share (runtime/,
 * persist/): one paper-engine configuration, create + start with the
 * engine's error on stderr, the wait for the paper venue's first marks,
 * and the clock the waits run on. One copy, so a change to how an engine
 * test starts reaches every one of them.
 */
#ifndef TL_TEST_ENGINE_FIX_H
#define TL_TEST_ENGINE_FIX_H

#include <stdbool.h>
#include <stdint.h>

#include "runtime/engine.h"

/* Defaults, config/exchange_info.json, the ENGINE and IO threads parking
 * when idle (the test machine is shared; spinning would starve it) and a
 * paper venue that answers at once. */
void tl_test_engine_config(tl_config_t *c);
/* The threads' idle (park, idle_us 20) and engine.threading: "shared"
 * when the environment says TL_TEST_THREADING=shared (scripts/run-tests.sh
 * runs the end-to-end suites a second time so), else dedicated. */
void tl_test_threading(tl_config_t *c);
/* TL_TEST_THREADING=shared? */
bool tl_test_shared(void);
/* tl_engine_create + tl_engine_start; fails the test (fatally) when
 * either fails, after printing the engine's error. */
tl_engine_t *tl_test_engine_start(const tl_config_t *c, const tl_engine_xopts_t *o);
/* Market orders need a mark: wait (up to 10 s) until the paper venue's
 * first marks (one per symbol, sent on its first poll) were applied;
 * fails the test (fatally) when they never are. */
void tl_test_engine_wait_marks(tl_engine_t *e);
/* Threads of this process named comm (/proc/self/task/N/comm), and the
 * first one's tid; -1 when /proc cannot be read. */
int tl_test_threads_named(const char *comm, long *first_tid);
/* Monotonic time in ns, for the tests' deadlines. */
int64_t tl_test_mono_ns(void);
/* Sleep us microseconds (a polling loop's pause). */
void tl_test_nap_us(long us);

#endif /* TL_TEST_ENGINE_FIX_H */
