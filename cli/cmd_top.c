/*
 * cmd_top.c - `talon top -c CONFIG`: a full-screen view of a running
 * engine, refreshed a few times a second (docs/operations.md, "talon
 * top").
 *
 * Read only, twice over: the engine's control block (runtime/shm.h) is
 * only read through tl_shm_read_snapshot and the block's heartbeat, and
 * the journal is opened SQLITE_OPEN_READONLY for the events tail
 * (top_events.h). The engine is found by the config's engine.name, as
 * `talon ctl -c CONFIG` finds it. An engine that is not running (no
 * block, pid gone, heartbeat stale) is a screen saying so, not an exit:
 * top attaches again at every refresh, so it picks up an engine started
 * (or restarted, with a new block) after it.
 *
 * Drawing is top_view.c's; this file parses the options, owns the
 * terminal and runs the loop: poll at each interval, draw, wait for a key
 * at most until the next poll. Keys: q quits, Ctrl-L repaints; a resize
 * (KEY_RESIZE) is just the next frame at the new size.
 */
#include <curses.h>
#include <locale.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/top_events.h"
#include "cli/top_view.h"
#include "runtime/clock.h"
#include "runtime/config.h"
#include "runtime/shm.h"

#define TOP_INTERVAL_DEF 250        /* ms: 4 Hz */
#define TOP_INTERVAL_MIN 50
#define TOP_INTERVAL_MAX 60000

static void top_usage(FILE *f)
{
	fprintf(f,
"usage: talon top -c CONFIG [--interval MS]\n"
"\n"
"Full-screen view of the running engine of CONFIG (its engine.name):\n"
"state, heartbeat, uptime, PnL, positions, strategy rows, open orders,\n"
"counters, loop latency, emergency progress, and the tail of the\n"
"journal's events (CONFIG's journal.path). Reads /dev/shm/talon.NAME and\n"
"the journal, never writes either. An engine that is not running is shown\n"
"as such and looked for again at every refresh.\n"
"\n"
"  -c, --config F   the engine's config file (required)\n"
"  --interval MS    refresh period, %d-%d ms (default %d: 4 times a second)\n"
"  -h, --help       this help\n"
"\n"
"keys: q quits; Ctrl-L repaints the screen.\n"
"\n"
"exit status: 0 after q (or SIGINT/SIGTERM/SIGHUP); 1 the config cannot\n"
"be read or there is no terminal; 2 usage error.\n",
		TOP_INTERVAL_MIN, TOP_INTERVAL_MAX, TOP_INTERVAL_DEF);
}

static int top_usage_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int top_usage_err(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "talon top: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nRun 'talon top --help' for usage.\n");
	return TL_CLI_USAGE;
}

static volatile sig_atomic_t top_stop;

static void top_on_signal(int sig)
{
	(void)sig;
	top_stop = 1;
}

/* What top watches, and the last snapshot read. */
typedef struct top {
	char name[TL_SHM_NAMELEN];
	tl_shm_t *shm;               /* NULL while no live engine */
	/* Two buffers: a read that kept failing leaves its buffer torn, and
	 * the last good one stays on screen. */
	tl_shm_snapshot_t *sn, *spare;
	tl_topev_t ev;
} top_t;

/* Attach, read, and fill v. A block whose engine is not alive is let go
 * at once: a restarted engine makes a new block under the same name. */
static void top_poll_engine(top_t *t, tl_topview_t *v)
{
	char err[256], why[96];

	v->alive = false;
	v->now = tl_clock_realtime_ns();
	if (!t->shm && tl_shm_attach(t->name, &t->shm, err, sizeof err) != 0) {
		snprintf(v->why, sizeof v->why, "%s", err);
		t->shm = NULL;
		return;
	}
	v->pid = (int)atomic_load(&t->shm->pid);
	if (!tl_shm_alive(t->shm, v->now, why, sizeof why)) {
		snprintf(v->why, sizeof v->why, "/dev/shm/talon.%s: %s", t->name, why);
		tl_shm_detach(t->shm, t->name, false);
		t->shm = NULL;
		return;
	}
	if (tl_shm_read_snapshot(t->shm, t->spare)) {
		tl_shm_snapshot_t *x = t->sn;

		t->sn = t->spare;
		t->spare = x;
		/* before the engine's first publish: the block's own state */
		if (t->sn->published == 0)
			t->sn->state = atomic_load(&t->shm->state);
	}
	v->alive = true;
	v->started = t->shm->started;
	v->heartbeat = atomic_load(&t->shm->heartbeat);
	v->ctl_resyncs = atomic_load(&t->shm->ctl_resyncs);
	v->sn = t->sn;
}

/* Parse argv; 0, -1 after --help, or an exit code. */
static int top_args(int argc, char **argv, const char **config, int *interval)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			top_usage(stdout);
			return -1;
		} else if (!strcmp(a, "-c") || !strcmp(a, "--config")) {
			if (i + 1 >= argc)
				return top_usage_err("%s needs a value", a);
			*config = argv[++i];
		} else if (!strcmp(a, "--interval")) {
			char *end;
			long ms;

			if (i + 1 >= argc)
				return top_usage_err("%s needs a value", a);
			ms = strtol(argv[++i], &end, 10);
			if (end == argv[i] || *end || ms < TOP_INTERVAL_MIN ||
			    ms > TOP_INTERVAL_MAX)
				return top_usage_err("--interval: '%s' is not a whole number "
						     "of milliseconds from %d to %d",
						     argv[i], TOP_INTERVAL_MIN, TOP_INTERVAL_MAX);
			*interval = (int)ms;
		} else {
			return top_usage_err("unexpected argument '%s'", a);
		}
	}
	if (!*config)
		return top_usage_err("%s", "-c CONFIG is required (the engine's config)");
	return 0;
}

/* Quit on these, cleanly: installed before curses starts, so curses
 * keeps them instead of its own (which would exit from the handler). */
static void top_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = top_on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

/* Poll at each interval, draw, wait for a key until the next poll. */
static void top_loop(top_t *t, tl_topview_t *v, int interval_ms)
{
	int64_t next = 0;

	while (!top_stop) {
		int64_t now = tl_clock_mono_ns();
		int ch;

		if (now >= next) {
			top_poll_engine(t, v);
			tl_topev_poll(&t->ev);
			next = now + (int64_t)interval_ms * 1000000;
		}
		tl_topview_draw(v);
		now = tl_clock_mono_ns();
		timeout(now >= next ? 0 : (int)((next - now + 999999) / 1000000));
		ch = getch();
		if (ch == 'q' || ch == 'Q')
			break;
		/* After a resize or on request, paint every cell again rather
		 * than trust what the terminal kept. */
		if (ch == KEY_RESIZE || ch == 12 /* Ctrl-L */)
			clearok(curscr, TRUE);
	}
}

int tl_cli_top(int argc, char **argv)
{
	static tl_shm_snapshot_t snaps[2];
	static top_t t;
	const char *config = NULL;
	int interval = TOP_INTERVAL_DEF, rc;
	char err[1400];
	tl_config_t cfg;
	tl_topview_t v;
	SCREEN *scr;

	rc = top_args(argc, argv, &config, &interval);
	if (rc)
		return rc < 0 ? TL_CLI_OK : rc;
	if (tl_config_load(&cfg, config, err, sizeof err) < 0) {
		fprintf(stderr, "talon top: %s\n", err);
		return TL_CLI_FAIL;
	}
	snprintf(t.name, sizeof t.name, "%s", cfg.name);
	tl_topev_init(&t.ev, cfg.journal_path);
	tl_config_wipe_secrets(&cfg);	/* top needs only the name and journal */
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		fprintf(stderr, "talon top: needs a terminal on stdin and stdout "
			"(for a one-shot status use 'talon ctl -c %s status')\n", config);
		return TL_CLI_FAIL;
	}
	setlocale(LC_ALL, "");
	top_signals();
	scr = newterm(NULL, stdout, stdin);
	if (!scr) {
		const char *term = getenv("TERM");
		fprintf(stderr, "talon top: cannot drive terminal type '%s' (TERM)\n",
			term ? term : "");
		return TL_CLI_FAIL;
	}
	cbreak();
	noecho();
	keypad(stdscr, TRUE);
	curs_set(0);
	tl_topview_colors();

	memset(&v, 0, sizeof v);
	v.engine = t.name;
	v.interval_ms = interval;
	v.ev = &t.ev;
	t.sn = &snaps[0];
	t.spare = &snaps[1];
	top_loop(&t, &v, interval);

	endwin();
	delscreen(scr);
	tl_topev_close(&t.ev);
	if (t.shm)
		tl_shm_detach(t.shm, t.name, false);
	return TL_CLI_OK;
}
