/*
 * engine_int.h - the engine's internals, shared by its parts (the
 * interface is runtime/engine.h and include/talon.h):
 *   runtime/engine.c           create, start, stop, open, close; recovery
 *                              from the journal at start
 *   runtime/engine_route.c     ENGINE thread: applying inputs, routing
 *                              outputs to rings or staging, the exposure
 *                              gate, back-pressure
 *   runtime/engine_snapshot.c  ENGINE thread: the shm snapshot
 *   runtime/engine_loop.c      the ENGINE agent's duty cycle
 *   runtime/engine_io.c        the IO agent's duty cycle
 *   runtime/engine_api.c       the strategy API (strategy thread)
 *
 * Ownership:
 *   ENGINE thread: kernel, cmd/vin/shm-ring consumer, req/evt/journal
 *                  producer, engine staging queues, snapshot writer;
 *   IO thread:     venue, req consumer, vin producer, IO staging;
 *   strategy:      cmd producer, evt consumer (one thread).
 * Nothing is shared except the rings, the shm block and atomics.
 */
#ifndef TL_ENGINE_INT_H
#define TL_ENGINE_INT_H

#include "runtime/engine.h"

#include <time.h>

#include "persist/journal.h"
#include "runtime/clock.h"
#include "runtime/stage.h"

#define TL_ENGINE_IO_BATCH 256

struct tl_engine {
	tl_config_t cfg;
	tl_engine_xopts_t opts;
	tl_kernel_t k;
	tl_sink_t sink;
	tl_venue_t *venue;
	const tl_venue_driver_t *drv;      /* venue.type's driver (io/venue.h) */
	tl_shm_t *shm;              /* shared block, or a private one (no_shm) */
	bool shm_shared;
	tl_spsc_in_t cmd, vin;
	tl_spsc_in_t sin;                   /* STREAM thread -> engine (venue streams) */
	tl_stage_t st_sin;                /* STREAM thread staging */
	tl_spsc_out_t req, evr;
	tl_spsc_rec_t jr;
	bool journal;
	tl_stage_t st_req, st_ev, st_j;   /* engine thread */
	tl_stage_t st_vin;                /* IO thread */
	tl_output_t held;                  /* engine: last emergency close of
					    * the input being applied */
	bool held_set;
	tl_output_t io_batch[TL_ENGINE_IO_BATCH]; /* IO: requests in hand */
	uint32_t io_n;
	tl_agent_t eng, io;
	uint64_t in_seq;
	tl_time_t now;
	tl_time_t next_snap, snap_period;
	uint32_t high_water[3];            /* req, evt, journal thresholds */
	uint64_t lat_hist[64];             /* log2 ns of each busy loop's work */
	/* ... and on fixed bounds (tl_shm_lat_bounds_ns), for the
	 * snapshot's Prometheus histogram: counts and the sum of ns */
	uint64_t lat_bucket[TL_SHM_LAT_BUCKETS];
	uint64_t lat_sum_ns;
	/* counters kept by the runtime (the kernel has its own) */
	struct {
		_Atomic uint64_t backpressure; /* strategy commands refused */
		_Atomic uint64_t withdrawn;    /* tl_engine_withdrawn */
	} ctr;
	_Atomic bool eng_running;
	_Atomic bool lost_shm;             /* another engine took the block */
	/* persistence */
	tl_journal_t *jnl;                 /* NULL: no journal.path */
	const tl_journal_stats_t *jst;
	bool strict;                       /* requests wait for their commit */
	bool recovered;                    /* state came from the journal */
	uint64_t restart_id;               /* RESTART: continue ids here */
	uint64_t lost_lo;                  /* the first id the journal may
					    * have lost (up to restart_id) */
	uint64_t session;
	/* The exposure gate (io/venue.h): ENGINE writes, IO and the venue
	 * read. */
	tl_venue_gate_t gate;
	tl_stage_t st_wd;                 /* one purge's withdrawn requests */
	bool purging;
	/* Threading (engine.threading, runtime/wake.h). Shared: one agent
	 * (eng) runs the ENGINE and IO duties; requests go from the kernel
	 * into io_batch with no ring between. */
	bool shared;
	bool invoker;                      /* no agent thread: tl_engine_invoke */
	bool inv_started;
	/* Doors: the ENGINE's is e->shm->eng_wake (ctl and kills from other
	 * processes wake it); its producers write eng_fd when it waits in
	 * io_uring (shared mode), else FUTEX_WAKE. IO waits in io_uring on
	 * io_fd (dedicated mode). The strategy waits on strat_wake. */
	int eng_fd, io_fd;
	bool io_watch;                     /* the venue's wait reads io_fd */
	tl_wake_t io_wake, strat_wake;
	/* The strategy's callbacks (tl_engine_opts_t.strategy), run on the
	 * ENGINE thread (or the invoker's); cb_thread is that thread. */
	tl_strategy_t strat;
	bool has_strat;
	pthread_t cb_thread;
	tl_time_t next_timer;
	/* The polling strategy thread's copy of the snapshot for look-ups
	 * (runtime/engine_lookup.c): allocated at its first look-up, so that
	 * later ones neither allocate nor use 300 KiB of its stack. */
	tl_shm_snapshot_t *lk_snap;
	/* The ENGINE's snapshot under construction (tl_engine_publish). */
	tl_shm_snapshot_t *pub_snap;
};

/* The calling thread's last error text (tl_engine_error). */
extern _Thread_local char tl_engine_errbuf[256];

/* engine_route.c (staging flushes) */
int tl_engine_flush_out(tl_stage_t *s, tl_spsc_out_t *q);
int tl_engine_flush_rec(tl_stage_t *s, tl_spsc_rec_t *q);
int tl_engine_flush_in(tl_stage_t *s, tl_spsc_in_t *q);
int tl_engine_flush_req(tl_engine_t *e);

/* engine_route.c */
void tl_engine_emit(void *ctx, const tl_output_t *o);
bool tl_engine_state_closing(uint8_t st);
void tl_engine_purge_req(tl_engine_t *e, const char *why);
tl_reject_t tl_engine_apply(tl_engine_t *e, tl_input_t *in, uint64_t *h);
bool tl_engine_journal_down(tl_engine_t *e);
bool tl_engine_pressure(tl_engine_t *e);
bool tl_engine_is_order_cmd(const tl_input_t *in);
void tl_engine_refuse(tl_engine_t *e, const tl_input_t *in, tl_reject_t why);

/* engine_snapshot.c */
void tl_engine_publish(tl_engine_t *e);
/* One kernel order as the snapshot carries it (d cleared first); for
 * the snapshot and for look-ups on the engine's own thread. */
void tl_engine_ord_fill(const tl_kernel_t *k, const tl_order_t *o, tl_shm_ord_t *d);
void tl_engine_pos_fill(const tl_kernel_t *k, const tl_position_t *p, tl_shm_pos_t *d);
/* A kernel position the snapshot shows: opened at some time. */
static inline bool tl_engine_pos_shown(const tl_position_t *p)
{
	return !(p->status == TL_POS_FLAT && p->qty == 0);
}
static_assert(TL_SHM_ORD_HIST == TL_ORD_HIST, "an order's whole history in the snapshot");

/* engine_loop.c. The longest park: a heartbeat this old is far from
 * stale (TL_SHM_STALE_NS), and a kill word written without a wake-up
 * is still seen. Shared mode parks in io_uring, where another process's
 * FUTEX_WAKE cannot reach: its kills are seen within the shorter bound. */
#define TL_ENGINE_PARK_MAX_NS (100LL * TL_NS_PER_MS)
#define TL_ENGINE_SHARED_PARK_NS (1LL * TL_NS_PER_MS)
#define TL_ENGINE_IO_PARK_NS (1LL * TL_NS_PER_MS)
int tl_engine_work(void *ctx);
int tl_engine_shared_work(void *ctx);
void tl_engine_park(void *ctx);
void tl_engine_on_start(void *ctx);
void tl_engine_on_stop(void *ctx);
/* Wake the ENGINE after a push to one of its rings (any thread). */
static inline void tl_engine_wake(tl_engine_t *e)
{
	tl_wake_notify(&e->shm->eng_wake, e->eng_fd);
}
/* Hand a request to IO: into io_batch (shared mode, while the ring
 * behind it is empty), else the req ring (waking a parked IO thread).
 * False when neither has room. ENGINE thread. */
bool tl_engine_req_push(tl_engine_t *e, const tl_output_t *o);
/* Deliver events to the strategy's callbacks (ENGINE thread). */
int tl_engine_dispatch(tl_engine_t *e, int budget);

/* engine_io.c */
void tl_engine_io_emit(void *ctx, const tl_input_t *in);
void tl_engine_stream_emit(void *ctx, const tl_input_t *in);
int tl_engine_io_idle_wait(void *ctx, int64_t ns);
int tl_engine_io_work(void *ctx);
void tl_engine_io_park(void *ctx);
/* Block in the venue's wait (or on io_fd) for up to ns; 1 woken. */
int tl_engine_io_block(tl_engine_t *e, int64_t ns);

#endif /* TL_ENGINE_INT_H */
