/*
 * cmd_run.c - `talon run -c CONFIG [--demo] [--duration S]`: start the
 * engine and stay in the foreground, logging every event (stderr, or
 * log.file, reopened on SIGHUP), until SIGINT/SIGTERM (or --duration).
 * With --demo the main thread also runs the demo strategy (cli/demo.c).
 */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/demo.h"
#include "runtime/engine.h"
#include "runtime/harden.h"
#include "runtime/log.h"
#include "runtime/clock.h"

static volatile sig_atomic_t run_stop;

static void run_on_signal(int sig)
{
	(void)sig;
	run_stop = 1;
}

/* logrotate: the log file was renamed; the main thread reopens it at
 * its next line (tl_log_reopen_pending), never here. */
static void run_on_hup(int sig)
{
	(void)sig;
	tl_log_request_reopen();
}

/* A reason `talon run` exits: on the log, and on stderr as well when the
 * log is a file, so a supervisor's own log (journalctl) shows why. */
__attribute__((format(printf, 1, 2)))
static void run_fail(const char *fmt, ...)
{
	char msg[768];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	tl_log(TL_LOG_ERROR, "talon run: %s", msg);
	if (tl_log_to_file())
		fprintf(stderr, "talon run: %s\n", msg);
}

/* The run's last lines: what the engine left open at the venue (its
 * final snapshot), so the operator knows what still trades or holds risk
 * after it (engine.on_stop leave keeps everything; cancel keeps the
 * positions; flatten, when it finished in time, nothing). */
static void run_left_open(const tl_shm_snapshot_t *s, tl_on_stop_t mode)
{
	uint32_t npos = 0;
	for (uint32_t i = 0; i < s->n_pos; i++)
		npos += s->pos[i].qty != 0;
	if (s->open_orders == 0 && npos == 0) {
		tl_log(TL_LOG_INFO, "left open: nothing (engine.on_stop %s)",
		       tl_config_on_stop_name(mode));
		return;
	}
	tl_log(TL_LOG_WARN, "left open: %u order%s, %u position%s (engine.on_stop %s)",
	       s->open_orders, s->open_orders == 1 ? "" : "s", npos, npos == 1 ? "" : "s",
	       tl_config_on_stop_name(mode));
	for (uint32_t i = 0; i < s->n_ord_open; i++) {
		const tl_shm_ord_t *o = &s->ord[i];
		char q[TL_FX_STRLEN], p[TL_FX_STRLEN], f[TL_FX_STRLEN];
		tl_fx_format(o->qty, -1, q, sizeof(q));
		tl_fx_format(o->price, -1, p, sizeof(p));
		tl_fx_format(o->filled, -1, f, sizeof(f));
		tl_log(TL_LOG_WARN, "  open order %.*s %.*s %s %s qty %s price %s filled %s, %s",
		       TL_CLID_MAX, o->client_id, TL_SYMBOL_NAMELEN - 1, o->symbol,
		       tl_side_name((tl_side_t)o->side), tl_ord_type_name((tl_ord_type_t)o->type),
		       q, o->price ? p : "-", f, tl_status_name((tl_ord_status_t)o->status));
	}
	if (s->open_orders > s->n_ord_open)
		tl_log(TL_LOG_WARN, "  and %u more open orders (see the journal)",
		       s->open_orders - s->n_ord_open);
	for (uint32_t i = 0; i < s->n_pos; i++) {
		const tl_shm_pos_t *ps = &s->pos[i];
		char q[TL_FX_STRLEN], en[TL_FX_STRLEN];
		if (ps->qty == 0)
			continue;
		tl_fx_format(ps->qty, -1, q, sizeof(q));
		tl_fx_format(ps->entry, -1, en, sizeof(en));
		tl_log(TL_LOG_WARN, "  open position %.*s %s qty %s entry %s",
		       TL_SYMBOL_NAMELEN - 1, ps->symbol,
		       tl_pos_side_name((tl_pos_side_t)ps->pos_side), q, en);
	}
}

static void run_usage(FILE *out)
{
	fprintf(out,
		"usage: talon run -c CONFIG [--demo] [--load RATE] [--duration SECONDS]\n"
		"\n"
		"Start the engine (ENGINE and IO threads, the venue from the config,\n"
		"the shared-memory block /dev/shm/talon.<engine.name>) and log every\n"
		"order, position and state event until SIGINT or SIGTERM: on stderr,\n"
		"or in log.file (reopened on SIGHUP, for logrotate), as text or JSON\n"
		"lines (log.format). First it runs the venue's preflight (`talon\n"
		"check`, one log line per check) and refuses to start when a check\n"
		"fails.\n"
		"\n"
		"  -c, --config FILE   engine configuration (JSON), e.g. config/paper.json\n"
		"      --demo          run the demo strategy on two symbols\n"
		"      --load RATE     submit RATE orders/s (1..100000): market, limit and\n"
		"                      cancel-all on two symbols (load tests, crash tests)\n"
		"      --duration S    stop by itself after S seconds (1..86400)\n"
		"  -h, --help          this help\n"
		"\n"
		"Operate it from another terminal with `talon ctl` (status, submit,\n"
		"liquidate --reason TEXT, resume, ...).\n");
}

int tl_cli_run(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "demo", no_argument, NULL, 'd' },
		{ "duration", required_argument, NULL, 't' },
		{ "load", required_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *config = NULL;
	int demo = 0;
	long duration = 0;
	long load = 0;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			config = optarg;
			break;
		case 'd':
			demo = 1;
			break;
		case 't': {
			char *end;
			errno = 0;
			duration = strtol(optarg, &end, 10);
			if (errno || *end || duration < 1 || duration > 86400) {
				fprintf(stderr, "talon run: --duration: expected 1..86400 seconds, got '%s'\n",
					optarg);
				return TL_CLI_USAGE;
			}
			break;
		}
		case 'l': {
			char *end;
			errno = 0;
			load = strtol(optarg, &end, 10);
			if (errno || *end || load < 1 || load > 100000) {
				fprintf(stderr, "talon run: --load: expected 1..100000 orders/s, got '%s'\n",
					optarg);
				return TL_CLI_USAGE;
			}
			break;
		}
		case 'h':
			run_usage(stdout);
			return TL_CLI_OK;
		default:
			run_usage(stderr);
			return TL_CLI_USAGE;
		}
	}
	if (!config || optind != argc) {
		fprintf(stderr, "talon run: %s\n", config ? "unexpected argument" : "-c CONFIG is required");
		run_usage(stderr);
		return TL_CLI_USAGE;
	}

	char err[512];
	tl_config_t cfg;
	/* before the secret goes anywhere: no core file, no ptrace; the log
	 * (format, file) is set up here too: every line from now on is on it */
	if (tl_cli_load_secret_config("talon run", config, &cfg, 1) < 0)
		return TL_CLI_FAIL;
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = run_on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sa.sa_handler = run_on_hup;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGHUP, &sa, NULL);
	/* A closed log pipe (`talon run ... | head`) must not kill the engine. */
	signal(SIGPIPE, SIG_IGN);
	/* SIGHUP reaches the main thread only: every thread started from
	 * here on inherits the mask, so a rotation never interrupts an IO
	 * or journal thread's system call. Unblocked once they run. */
	sigset_t hup;
	sigemptyset(&hup);
	sigaddset(&hup, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &hup, NULL);
	/* The venue's preflight (talon check): nothing trades on a
	 * failure, and the operator reads the same lines check prints. */
	int fails = tl_cli_preflight(&cfg, NULL, NULL);
	if (fails != 0) {
		tl_config_wipe_secrets(&cfg);
		run_fail("refusing to trade: %s (the lines above; `talon check -c %s` "
			 "repeats them)",
			 fails < 0 ? "the preflight could not run" : "a preflight check failed",
			 config);
		return TL_CLI_FAIL;
	}
	tl_engine_t *e = tl_engine_create(&cfg, NULL, err, sizeof(err));
	/* The venue's signer holds the key schedule now (or nothing does):
	 * this copy is not needed again. */
	tl_config_wipe_secrets(&cfg);
	if (!e) {
		run_fail("%s", err);
		return TL_CLI_FAIL;
	}
	if (tl_engine_start(e, err, sizeof(err)) < 0) {
		run_fail("%s", err);
		tl_engine_close(e);
		return TL_CLI_FAIL;
	}
	pthread_sigmask(SIG_UNBLOCK, &hup, NULL);
	tl_log(TL_LOG_INFO,
	       "engine '%s' running (pid %d, venue %s, %u symbols); stop with Ctrl-C; "
	       "operate with: talon ctl --engine %s status",
	       cfg.name, (int)getpid(), cfg.venue_type, cfg.n_symbols, cfg.name);

	tl_demo_t d;
	tl_load_t ld;
	int64_t start = tl_clock_mono_ns();
	if (demo)
		tl_demo_init(&d, e, start);
	if (load)
		tl_load_init(&ld, e, (uint32_t)load, start);
	tl_event_t ev[256];
	while (!run_stop) {
		int64_t now = tl_clock_mono_ns();
		if (duration && now - start >= duration * 1000000000LL)
			break;
		/* a rotation shows in the new file at once, not at the next event */
		tl_log_reopen_pending();
		if (demo)
			tl_demo_step(&d, now);
		if (load)
			tl_load_step(&ld, now);
		int n = tl_engine_poll_kernel(e, ev, 256);
		for (int i = 0; i < n; i++)
			if (!load || ev[i].priority >= 8)
				tl_log_event(&ev[i]);	/* under load: only what matters */
		if (n == 0) {
			struct timespec ts = { 0, 1000000 };
			nanosleep(&ts, NULL);
		}
	}
	tl_log(TL_LOG_INFO, "stopping engine '%s' (engine.on_stop %s)", cfg.name,
	       tl_config_on_stop_name(cfg.on_stop));
	tl_engine_stop(e);
	int n;
	while ((n = tl_engine_poll_kernel(e, ev, 256)) > 0)
		for (int i = 0; i < n; i++)
			tl_log_event(&ev[i]);
	/* static: 300 KiB */
	static tl_shm_snapshot_t s;
	if (tl_engine_snapshot(e, &s)) {
		char pnl[TL_FX_STRLEN];
		tl_fx_format(s.total_pnl, -1, pnl, sizeof(pnl));
		tl_log(TL_LOG_INFO,
		       "final: state %s, %u open orders, %llu fills, total PnL %s USDT",
		       tl_trading_state_name((tl_trading_state_t)s.state), s.open_orders,
		       (unsigned long long)s.fills, pnl);
		run_left_open(&s, cfg.on_stop);
	}
	tl_engine_close(e);
	return TL_CLI_OK;
}
