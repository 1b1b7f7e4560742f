/*
 * engine.h - the running engine: the kernel on the ENGINE thread, a venue
 * on the IO thread, Concurrency Kit rings between them and the strategy,
 * the shared-memory control block for operators.
 *
 *  strategy --cmd ring--> ENGINE --req ring--> IO --> venue (paper, ...)
 *  talon ctl --shm ring--> ENGINE <--vin ring-- IO <-- venue events
 *  shm kill word ------> ENGINE  --evt ring--> strategy
 *                                --journal ring--> PERSIST (or a test)
 *
 * The ENGINE thread owns the kernel and is the only producer of the req,
 * evt and journal rings and the only consumer of cmd, vin and the shm ring.
 * After start it makes no allocation, takes no lock and makes no blocking
 * syscall (clock reads are vDSO; with idle "spin" it makes no syscall at
 * all). Every kernel input and output goes to the journal ring before the
 * request it belongs to reaches the IO ring. A full output ring never
 * loses a record: the record waits in a preallocated staging queue, and
 * while rings are above the high-water mark new strategy orders are
 * refused with TL_REJ_BACKPRESSURE; venue events and the kill switch keep
 * flowing.
 *
 * The public API is include/talon.h; this header adds what tests, the
 * CLI and the persistence thread need.
 */
#ifndef TL_ENGINE_H
#define TL_ENGINE_H

#include "include/talon.h"
#include "runtime/agent.h"
#include "runtime/config.h"
#include "runtime/ring.h"
#include "runtime/shm.h"
#include "io/venue.h"
#include "kernel/record.h"

/* Options of the engine's own programs (tests, benchmarks, the CLI), kept
 * out of the public tl_engine_opts_t because a strategy must never run
 * without the control block `talon ctl` and the kill switch reach. */
typedef struct tl_engine_xopts {
	const char *name;         /* override engine.name */
	bool no_shm;              /* no shared control block: a private one,
				   * so parallel tests never meet (the kill
				   * switch then works through tl_engine_kill) */
	bool journal_ring;        /* fill the journal ring for an external
				   * consumer (tl_engine_journal_pop) even
				   * without journal.path */
	const tl_strategy_t *strategy; /* tl_engine_opts_t.strategy */
	bool invoker;             /* tl_engine_opts_t.invoker */
} tl_engine_xopts_t;

/* Load the config and open an engine without starting threads (tests can
 * then start it with tl_engine_start). */
tl_engine_t *tl_engine_create(const tl_config_t *cfg, const tl_engine_xopts_t *opts,
			      char *err, size_t errlen);
/* tl_engine_open with both sets of options (either may be NULL); x->name
 * wins over opts->name. */
tl_engine_t *tl_engine_open_ex(const char *config_path, const tl_engine_opts_t *opts,
			       const tl_engine_xopts_t *x, char *err, size_t errlen);
/* The events as the kernel wrote them (journal records: roles, refusal
 * codes, priorities as stored), for the CLI's log and tests that check
 * the kernel through the engine. Same ring as tl_engine_poll: use one or
 * the other. */
int tl_engine_poll_kernel(tl_engine_t *e, tl_event_t *out, int max);
int tl_engine_start(tl_engine_t *e, char *err, size_t errlen);
void tl_engine_stop(tl_engine_t *e);

/* The journal ring's consumer side (PERSIST thread or a test). */
bool tl_engine_journal_pop(tl_engine_t *e, tl_record_t *rec);

/* Set the kill word (TL_KILL_LIQUIDATE), as `talon ctl liquidate` does;
 * works with no_shm too. Returns the word's new sequence. */
uint64_t tl_engine_kill(tl_engine_t *e, const char *reason);

/* The exposure gate the engine publishes to its venue (io/venue.h). */
const tl_venue_gate_t *tl_engine_gate(const tl_engine_t *e);
/* Requests ended TL_TR_WITHDRAWN by the engine or the IO thread (the
 * venue adapters count their own). */
uint64_t tl_engine_withdrawn(const tl_engine_t *e);
tl_venue_t *tl_engine_venue(tl_engine_t *e);
/* The journal (NULL without journal.path), for tests and tools. */
struct tl_journal *tl_engine_journal(tl_engine_t *e);
/* The engine thread's pthread, once running (for the no-alloc test). */
bool tl_engine_thread(tl_engine_t *e, pthread_t *out);
/* The thread that runs the IO duties: the IO agent's (dedicated), else
 * the ENGINE's. False before it runs. */
bool tl_engine_io_thread(tl_engine_t *e, pthread_t *out);
/* Latest published snapshot (works with and without shm). */
bool tl_engine_snapshot(tl_engine_t *e, tl_shm_snapshot_t *out);

#endif /* TL_ENGINE_H */
