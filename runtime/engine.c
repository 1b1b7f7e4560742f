/*
 * engine.c - the engine's life: create (config, symbols, venue, rings,
 * journal recovery), start, stop, open, close (engine_int.h lists the
 * other parts).
 */
#define _GNU_SOURCE
#include "runtime/engine_int.h"
#include "runtime/log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "persist/replay.h"
#include "runtime/harden.h"

_Thread_local char tl_engine_errbuf[256];

const char *tl_engine_error(void)
{
	return tl_engine_errbuf;
}

/* ---- lifecycle ------------------------------------------------------------------------ */

/*
 * Open the journal; if it holds a previous session, rebuild the kernel by
 * replaying its inputs (every regenerated output must equal the journaled
 * one, or the engine refuses to start: a different config or a bug would
 * otherwise trade on a state nobody can explain).
 */
static int eng_open_journal(tl_engine_t *e, char *err, size_t errlen)
{
	tl_journal_cfg_t jc;
	memset(&jc, 0, sizeof(jc));
	snprintf(jc.path, sizeof(jc.path), "%s", e->cfg.journal_path);
	snprintf(jc.engine, sizeof(jc.engine), "%s", e->cfg.name);
	jc.mode = e->cfg.journal_strict ? TL_JOURNAL_STRICT : TL_JOURNAL_ASYNC;
	jc.sync_full = e->cfg.journal_sync_full != 0;
	jc.batch_max = 4096;
	jc.batch_us = 2000;
	jc.log = tl_log;
	/* The journal's own directory is created if missing (one level,
	 * private), so a fresh checkout can run at once. */
	char d[TL_PATH_MAX];
	snprintf(d, sizeof(d), "%s", e->cfg.journal_path);
	char *slash = strrchr(d, '/');
	if (slash && slash != d) {
		*slash = '\0';
		if (mkdir(d, 0700) < 0 && errno != EEXIST) {
			snprintf(err, errlen, "journal.path: cannot create directory %s: %s", d,
				 strerror(errno));
			return -1;
		}
	}
	bool fresh = false;
	e->jnl = tl_journal_open(&jc, &fresh, err, errlen);
	if (!e->jnl)
		return -1;
	e->jst = tl_journal_stats(e->jnl);
	e->strict = e->cfg.journal_strict != 0;
	if (fresh)
		return 0;
	tl_replay_stats_t st;
	memset(&st, 0, sizeof(st));
	if (tl_replay_into_kernel(e->jnl, &e->k, 0, &st, err, errlen) < 0)
		return -1;
	if (st.mismatches) {
		snprintf(err, errlen,
			 "%s: replaying the journal diverged at output seq %llu (%llu "
			 "mismatches): was it written with another config? refusing to start",
			 e->cfg.journal_path, (unsigned long long)st.first_mismatch_seq,
			 (unsigned long long)st.mismatches);
		return -1;
	}
	e->recovered = true;
	e->in_seq = st.last_in_seq;
	e->session = st.restarts + 1;
	/* Ids the last session may have used without their records reaching
	 * the disk: at most one per record that could still have been in the
	 * journal ring, its staging queue or an uncommitted batch. Skip them. */
	uint64_t in_flight = (uint64_t)e->cfg.ring_journal +
			     2ULL * (e->cfg.kernel.order_cap * 4ULL + 1024) + 4096;
	uint64_t next = st.max_client_seq + 1;
	e->lost_lo = next;
	if (st.id_reserved_to > next)
		next = st.id_reserved_to;
	if (e->k.id_next > next)
		next = e->k.id_next;
	e->restart_id = next + in_flight;
	return 0;
}

/* symbols.leverage.<S> could not be set: say whether the venue refused
 * it (its code and message) or could not be asked (the real cause). */
static void eng_leverage_error(tl_engine_t *e, uint32_t i, int rc, char *err,
			       size_t errlen)
{
	const char *why = e->drv->call_error ? e->drv->call_error(e->venue) : "";

	if (!why[0])
		why = strerror(-rc);
	snprintf(err, errlen, "symbols.leverage.%s: %s leverage %u for %s: %s",
		 e->cfg.symbols[i], rc == -EPERM ? "the venue refused" : "could not set",
		 e->cfg.leverage[i], e->cfg.symbols[i], why);
}

tl_engine_t *tl_engine_create(const tl_config_t *cfg, const tl_engine_xopts_t *opts,
			      char *err, size_t errlen)
{
	tl_engine_t *e = calloc(1, sizeof(*e));
	if (!e) {
		snprintf(err, errlen, "engine: out of memory");
		return NULL;
	}
	e->cfg = *cfg;
	if (opts)
		e->opts = *opts;
	if (e->opts.name)
		snprintf(e->cfg.name, sizeof(e->cfg.name), "%s", e->opts.name);
	e->opts.name = NULL;
	e->eng_fd = e->io_fd = -1;
	e->shared = e->cfg.threading == TL_THREADING_SHARED;
	e->invoker = e->opts.invoker;
	if (e->opts.strategy) {
		e->strat = *e->opts.strategy;
		e->has_strat = true;
	}
	e->opts.strategy = NULL;
	tl_wake_init(&e->io_wake);
	tl_wake_init(&e->strat_wake);

	/* The venue is a driver found by name (io/venue.h): nothing here
	 * knows which venues exist. */
	e->drv = tl_venue_driver_find(e->cfg.venue_type);
	if (!e->drv) {
		snprintf(err, errlen, "venue.type: \"%s\" has no driver (io/venue.c)",
			 e->cfg.venue_type);
		goto fail;
	}
	tl_symbols_t syms;
	memset(&syms, 0, sizeof(syms));
	if (tl_config_symbols(&e->cfg, &syms, err, errlen) < 0)
		goto fail;
	/* The venue's own symbol table wins over the file (before the
	 * kernel and the journal replay see the table). */
	if (e->drv->prepare_symbols &&
	    e->drv->prepare_symbols(&e->cfg, &syms, err, errlen) < 0) {
		tl_symbols_free(&syms);
		goto fail;
	}
	if (tl_kernel_init(&e->k, &e->cfg.kernel, &syms, err, errlen) < 0) {
		tl_symbols_free(&syms);
		goto fail;
	}
	for (uint32_t i = 0; i < e->cfg.n_symbols; i++)
		if (e->cfg.leverage[i] &&
		    tl_kernel_set_leverage(&e->k, e->cfg.symbols[i], e->cfg.leverage[i]) < 0) {
			snprintf(err, errlen, "symbols.leverage.%s: expected 1..125",
				 e->cfg.symbols[i]);
			goto fail;
		}
	e->sink.emit = tl_engine_emit;
	e->sink.ctx = e;
	e->journal = e->cfg.journal_path[0] != '\0' || e->opts.journal_ring;
	if (e->cfg.journal_path[0] && eng_open_journal(e, err, errlen) < 0)
		goto fail;
	if (tl_spsc_in_init(&e->cmd, e->cfg.ring_command, err, errlen) < 0 ||
	    tl_spsc_in_init(&e->vin, e->cfg.ring_venue, err, errlen) < 0 ||
	    tl_spsc_in_init(&e->sin, e->cfg.ring_venue, err, errlen) < 0 ||
	    tl_spsc_out_init(&e->req, e->cfg.ring_request, err, errlen) < 0 ||
	    tl_spsc_out_init(&e->evr, e->cfg.ring_event, err, errlen) < 0 ||
	    (e->journal && tl_spsc_rec_init(&e->jr, e->cfg.ring_journal, err, errlen) < 0))
		goto fail;
	uint32_t hw = e->cfg.high_water_pct ? e->cfg.high_water_pct : 75;
	e->high_water[0] = (uint32_t)((uint64_t)(e->cfg.ring_request - 1) * hw / 100);
	e->high_water[1] = (uint32_t)((uint64_t)(e->cfg.ring_event - 1) * hw / 100);
	e->high_water[2] = (uint32_t)((uint64_t)(e->cfg.ring_journal - 1) * hw / 100);
	/* Staging must hold the largest burst one input can cause: a
	 * liquidation cancels and closes everything. */
	uint32_t burst = e->cfg.kernel.order_cap * 4 + 1024;
	if (tl_stage_init(&e->st_req, burst, err, errlen) < 0 ||
	    tl_stage_init(&e->st_ev, burst, err, errlen) < 0 ||
	    tl_stage_init(&e->st_j, e->journal ? burst * 2 : 64, err, errlen) < 0 ||
	    tl_stage_init(&e->st_vin, e->cfg.ring_venue, err, errlen) < 0 ||
	    tl_stage_init(&e->st_sin, e->cfg.ring_venue, err, errlen) < 0 ||
	    tl_stage_init(&e->st_wd, burst, err, errlen) < 0)
		goto fail;

	e->venue = e->drv->create(&e->cfg, &e->k.syms, tl_engine_io_emit, e, err, errlen);
	/* A signer holds the key schedule now: drop the text copy (nothing
	 * reads the secret from e->cfg after this). */
	tl_config_wipe_secrets(&e->cfg);
	if (!e->venue)
		goto fail;
	/* What the journal says, for a venue whose state died with the
	 * last process (ids, positions). */
	if (e->drv->restore)
		e->drv->restore(e->venue, &e->k, e->recovered, tl_clock_realtime_ns());
	if (e->recovered && e->drv->lost_ids)
		e->drv->lost_ids(e->venue, e->lost_lo, e->restart_id, e->k.now);

	e->venue->emit_stream = tl_engine_stream_emit;
	e->venue->emit_stream_ctx = e;
	/* The IO side's door (runtime/wake.h): an eventfd its io_uring wait
	 * reads; in shared mode the ENGINE's producers write it too. */
	e->io_fd = tl_wake_eventfd();
	if (e->io_fd < 0) {
		snprintf(err, errlen, "engine: eventfd: %s", strerror(-e->io_fd));
		goto fail;
	}
	e->io_watch = e->venue->ops->wait && e->venue->ops->watch &&
		      e->venue->ops->watch(e->venue, e->io_fd) == 0;
	if (e->shared)
		e->eng_fd = e->io_fd;
	/* A journal that left the kernel liquidating or paused starts closed. */
	atomic_init(&e->gate.closing_only, tl_engine_state_closing(e->k.state));
	atomic_init(&e->gate.kill_epoch, 0);
	e->venue->gate = &e->gate;

	/* The snapshot is built here before each publish: 300 KiB, on no
	 * thread's stack (an invoker's may be small). */
	e->pub_snap = malloc(sizeof(*e->pub_snap));
	if (!e->pub_snap) {
		snprintf(err, errlen, "engine: out of memory");
		goto fail;
	}
	if (e->opts.no_shm) {
		e->shm = calloc(1, sizeof(*e->shm));
		if (!e->shm) {
			snprintf(err, errlen, "engine: out of memory");
			goto fail;
		}
		tl_shm_init_local(e->shm, e->cfg.name);
	} else {
		if (tl_shm_create(e->cfg.name, &e->shm, err, errlen) < 0)
			goto fail;
		e->shm_shared = true;
		/* Two engines of one account must never claim each other's
		 * client ids (docs/operations.md, kernel.client_id_prefix). */
		if (tl_shm_claim_prefix(e->shm, e->cfg.name, e->cfg.kernel.clid_prefix,
					err, errlen) < 0)
			goto fail;
	}
	/* A dead engine may have left its door marked parked. */
	tl_wake_init(&e->shm->eng_wake);
	/* The venue's dead-man renewals follow this engine's heartbeat. */
	if (e->drv->set_heartbeat)
		e->drv->set_heartbeat(e->venue, &e->shm->heartbeat);
	e->snap_period = TL_NS_PER_S / (e->cfg.snapshot_hz ? e->cfg.snapshot_hz : 10);

	/* Shared: one agent with the ENGINE's placement (engine.cpu, idle)
	 * runs both duties and idles in the venue's wait; io.* is unused. */
	e->eng = (tl_agent_t){ .name = "tl-engine", .cfg = e->cfg.engine,
			       .do_work = e->shared ? tl_engine_shared_work : tl_engine_work,
			       .on_start = tl_engine_on_start, .on_stop = tl_engine_on_stop,
			       .park = tl_engine_park,
			       .idle_wait = e->shared ? tl_engine_io_idle_wait : NULL,
			       .ctx = e };
	e->io = (tl_agent_t){ .name = "tl-io", .cfg = e->cfg.io, .do_work = tl_engine_io_work,
			      .idle_wait = tl_engine_io_idle_wait, .park = tl_engine_io_park,
			      .ctx = e };
	return e;
fail:
	tl_engine_close(e);
	return NULL;
}

static bool eng_jpop(void *ctx, tl_record_t *rec)
{
	tl_engine_t *e = ctx;
	return tl_spsc_rec_pop(&e->jr, rec);
}

int tl_engine_start(tl_engine_t *e, char *err, size_t errlen)
{
	e->now = tl_clock_realtime_ns();
	if (e->jnl && tl_journal_start(e->jnl, eng_jpop, e, err, errlen) < 0)
		return -1;
	if (e->recovered) {
		/* The first input of this session says what start-up decided. */
		tl_input_t in;
		memset(&in, 0, sizeof(in));
		in.hdr.type = TL_IN_RESTART;
		in.u.restart.id_next = e->restart_id;
		in.u.restart.session = e->session;
		tl_engine_apply(e, &in, NULL);
		e->recovered = false;
	}
	/* The shared-memory block outlived a dead engine and says it was
	 * liquidating or paused: come back PAUSED even if the journal lost
	 * that (async mode can lose the last records). Never less careful. */
	uint32_t prev = e->shm_shared ? e->shm->prev_state : TL_SHM_NO_PREV;
	if ((prev == TL_TS_LIQUIDATING || prev == TL_TS_PAUSED) &&
	    e->k.state != TL_TS_PAUSED) {
		tl_input_t in;
		memset(&in, 0, sizeof(in));
		in.hdr.type = TL_IN_CONTROL;
		in.u.control.cmd = TL_CTL_PAUSE;
		snprintf(in.u.control.reason, sizeof(in.u.control.reason),
			 "restart: the engine was %s when it stopped",
			 tl_trading_state_name((tl_trading_state_t)prev));
		tl_engine_apply(e, &in, NULL);
	}
	/* symbols.margin_type, then symbols.leverage (Binance checks the
	 * leverage against the margin type's brackets). The IO agent has
	 * not started, so this thread still owns the venue (cold calls). */
	for (uint32_t i = 0; i < e->cfg.n_symbols; i++) {
		if (!e->cfg.margin_type[i] || !e->venue->ops->set_margin_type)
			continue;
		int rc = e->venue->ops->set_margin_type(e->venue, e->cfg.symbols[i],
							e->cfg.margin_type[i],
							tl_clock_realtime_ns());
		if (rc < 0) {
			const char *why = e->drv->call_error ? e->drv->call_error(e->venue) : "";
			snprintf(err, errlen, "symbols.margin_type.%s: %s margin type %s for %s: %s",
				 e->cfg.symbols[i],
				 rc == -EPERM ? "the venue refused" : "could not set",
				 tl_margin_type_name(e->cfg.margin_type[i]), e->cfg.symbols[i],
				 why[0] ? why : strerror(-rc));
			return -1;
		}
	}
	/* symbols.leverage is what the kernel's margin and ROE assume: the
	 * venue must agree before anything trades. */
	for (uint32_t i = 0; i < e->cfg.n_symbols; i++) {
		if (!e->cfg.leverage[i] || !e->venue->ops->set_leverage)
			continue;
		int rc = e->venue->ops->set_leverage(e->venue, e->cfg.symbols[i],
						     e->cfg.leverage[i], tl_clock_realtime_ns());
		if (rc < 0) {
			eng_leverage_error(e, i, rc, err, errlen);
			return -1;
		}
	}
	atomic_store(&e->shm->pid, (int32_t)getpid());
	atomic_store(&e->shm->heartbeat, e->now);
	tl_engine_publish(e);
	if (!e->shared && tl_agent_start(&e->io, err, errlen) < 0)
		return -1;
	if (e->invoker)
		return 0;	/* the caller's tl_engine_invoke runs the duties */
	if (tl_agent_start(&e->eng, err, errlen) < 0) {
		tl_agent_stop(&e->io);
		return -1;
	}
	while (!atomic_load_explicit(&e->eng.running, memory_order_acquire))
		sched_yield();
	return 0;
}

void tl_engine_stop(tl_engine_t *e)
{
	/* Each drains and publishes the final snapshot (an invoker's on
	 * the thread that closes the engine). */
	tl_agent_stop(&e->eng);
	if (e->inv_started) {
		tl_engine_on_stop(e);
		e->inv_started = false;
	}
	tl_agent_stop(&e->io);
	if (e->jnl)
		tl_journal_stop(e->jnl);	/* everything journaled is committed */
	/* Events the IO thread handed over after the engine stopped stay in
	 * the ring; nothing is applied without the engine. */
	if (e->shm)
		atomic_store(&e->shm->pid, 0);
}

tl_engine_t *tl_engine_open(const char *config_path, const tl_engine_opts_t *opts,
			    char *err, size_t errlen)
{
	return tl_engine_open_ex(config_path, opts, NULL, err, errlen);
}

tl_engine_t *tl_engine_open_ex(const char *config_path, const tl_engine_opts_t *opts,
			       const tl_engine_xopts_t *x, char *err, size_t errlen)
{
	char dummy[1];
	if (!err || !errlen) {	/* the public API allows no error buffer */
		err = dummy;
		errlen = sizeof(dummy);
	}
	tl_config_t cfg;
	if (tl_config_load(&cfg, config_path, err, errlen) < 0)
		return NULL;
	tl_engine_xopts_t xo = { 0 };
	if (x)
		xo = *x;
	if (!xo.name && opts)
		xo.name = opts->name;
	if (opts && opts->strategy && !xo.strategy)
		xo.strategy = opts->strategy;
	if (opts && opts->invoker)
		xo.invoker = true;
	if (opts && opts->journal_path) {
		if (strlen(opts->journal_path) >= sizeof(cfg.journal_path)) {
			snprintf(err, errlen, "journal_path: longer than %zu bytes",
				 sizeof(cfg.journal_path) - 1);
			tl_config_wipe_secrets(&cfg);
			return NULL;
		}
		snprintf(cfg.journal_path, sizeof(cfg.journal_path), "%s", opts->journal_path);
	}
	if (opts && opts->client_id_prefix) {
		const char *p = opts->client_id_prefix;
		size_t n = strspn(p, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-");
		if (!*p || p[n] || n >= sizeof(cfg.kernel.clid_prefix)) {
			snprintf(err, errlen, "client_id_prefix: expected 1..%zu of [A-Za-z0-9_-]",
				 sizeof(cfg.kernel.clid_prefix) - 1);
			tl_config_wipe_secrets(&cfg);
			return NULL;
		}
		memcpy(cfg.kernel.clid_prefix, p, n + 1);
	}
	/* Before the secret goes anywhere: no core file, no ptrace. */
	if (tl_harden_process(cfg.allow_core_dumps, err, errlen) < 0) {
		tl_config_wipe_secrets(&cfg);
		return NULL;
	}
	tl_engine_t *e = tl_engine_create(&cfg, &xo, err, errlen);
	tl_config_wipe_secrets(&cfg);	/* the signer has it, or nothing needs it */
	if (!e)
		return NULL;
	if (tl_engine_start(e, err, errlen) < 0) {
		tl_engine_close(e);
		return NULL;
	}
	return e;
}

void tl_engine_close(tl_engine_t *e)
{
	if (!e)
		return;
	tl_engine_stop(e);
	if (e->venue)
		e->venue->ops->destroy(e->venue);
	if (e->jnl)
		tl_journal_close(e->jnl);
	if (e->shm_shared)
		tl_shm_detach(e->shm, e->cfg.name, true);
	else
		free(e->shm);
	tl_spsc_in_free(&e->cmd);
	tl_spsc_in_free(&e->vin);
	tl_spsc_in_free(&e->sin);
	tl_spsc_out_free(&e->req);
	tl_spsc_out_free(&e->evr);
	tl_spsc_rec_free(&e->jr);
	tl_stage_free(&e->st_req);
	tl_stage_free(&e->st_ev);
	tl_stage_free(&e->st_j);
	tl_stage_free(&e->st_vin);
	tl_stage_free(&e->st_sin);
	tl_stage_free(&e->st_wd);
	if (e->io_fd >= 0)
		close(e->io_fd);
	tl_kernel_free(&e->k);
	tl_config_wipe_secrets(&e->cfg);	/* a create that failed early */
	free(e->lk_snap);
	free(e->pub_snap);
	free(e);
}
