/*
 * cmd_monitor.c - `talon monitor -c CONFIG [--listen ADDR:PORT]`: the
 * read-only HTTP view of the engine a config runs (mon/server.h,
 * docs/operations.md "Monitor"). A process of its own: it maps the
 * engine's block read-only and reads its journal, so it can be started,
 * stopped and restarted without the engine noticing.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "mon/server.h"
#include "runtime/config.h"

static volatile sig_atomic_t monitor_stop;

static void monitor_on_signal(int sig)
{
	(void)sig;
	monitor_stop = 1;
}

static void monitor_usage(FILE *f)
{
	fprintf(f,
"usage: talon monitor -c CONFIG [--listen ADDR:PORT]\n"
"\n"
"Serve a read-only HTTP view of the engine CONFIG runs (its engine.name):\n"
"  GET /             dashboard page\n"
"  GET /api/status   the JSON of `talon ctl status --json`\n"
"  GET /api/orders   the JSON of `talon ctl orders --json`\n"
"                    (?symbol=S&strategy=TAG)\n"
"  GET /api/events   journal events (?since=ID&limit=N, limit 1-1000,\n"
"                    default 100)\n"
"  GET /metrics      Prometheus text format 0.0.4\n"
"Only GET and HEAD are served (405 otherwise). While the engine is not\n"
"running, /api/orders and /metrics answer 503 (/api/status too while it has\n"
"no block; a dead engine's block is shown with \"alive\":false) and the\n"
"monitor keeps looking; /api/events answers 503 until the journal exists.\n"
"\n"
"  -c, --config F      the engine's config file (engine.name, journal.path,\n"
"                      monitor.listen, monitor.token)\n"
"  --listen ADDR:PORT  instead of monitor.listen (default 127.0.0.1:9464);\n"
"                      ADDR an IPv4 address or localhost, PORT 0 = any free\n"
"                      port\n"
"\n"
"A listen address that is not loopback (127.0.0.0/8) needs a token:\n"
"monitor.token in the config or TALON_MONITOR_TOKEN in the environment;\n"
"with one, every request needs \"Authorization: Bearer <token>\" (401\n"
"otherwise); without one, the Host header must name the loopback (403\n"
"otherwise). Prints \"monitor: listening on http://ADDR:PORT\" on stderr once\n"
"bound. SIGINT or SIGTERM stop it.\n"
"\n"
"exit status: 0 stopped by a signal; 1 cannot start (config, address,\n"
"token rule); 2 usage error.\n");
}

static int monitor_usage_err(const char *msg, const char *arg)
{
	fprintf(stderr, "talon monitor: %s%s%s%s\nRun 'talon monitor --help' for usage.\n",
		msg, arg ? " '" : "", arg ? arg : "", arg ? "'" : "");
	return TL_CLI_USAGE;
}

/* The token: monitor.token, else TALON_MONITOR_TOKEN (the same rule:
 * 1-TL_CFG_TOKEN_MAX printable characters, no spaces). The value is never
 * printed. 0, or -1 after a message. */
static int monitor_token(const tl_config_t *cfg, char out[TL_CFG_TOKEN_MAX + 1])
{
	const char *env = getenv("TALON_MONITOR_TOKEN");
	size_t n;

	if (cfg->monitor.token[0]) {
		struct stat st;

		memcpy(out, cfg->monitor.token, sizeof cfg->monitor.token);
		if (stat(cfg->path, &st) == 0 && (st.st_mode & 044))
			fprintf(stderr, "talon monitor: warning: %s holds monitor.token and "
				"is readable by %s (mode %04o): chmod 600 %s, or give the "
				"token in TALON_MONITOR_TOKEN\n", cfg->path,
				(st.st_mode & 04) ? "everyone" : "its group",
				(unsigned)(st.st_mode & 07777), cfg->path);
		return 0;
	}
	if (!env || !env[0])
		return 0;
	n = strlen(env);
	if (n > TL_CFG_TOKEN_MAX) {
		fprintf(stderr, "talon monitor: TALON_MONITOR_TOKEN: expected at most %d "
			"characters, got %zu (value not shown)\n", TL_CFG_TOKEN_MAX, n);
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		if (env[i] <= ' ' || env[i] > '~') {
			fprintf(stderr, "talon monitor: TALON_MONITOR_TOKEN: expected "
				"printable ASCII without spaces (value not shown)\n");
			return -1;
		}
	memcpy(out, env, n + 1);
	return 0;
}

int tl_cli_monitor(int argc, char **argv)
{
	const char *config = NULL, *listen = NULL;
	static tl_config_t cfg;
	static tl_mon_cfg_t mc;
	struct sigaction sa;
	char err[1024];
	tl_mon_t *m;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			monitor_usage(stdout);
			return TL_CLI_OK;
		} else if (!strcmp(argv[i], "-c") || !strcmp(argv[i], "--config")) {
			if (i + 1 >= argc)
				return monitor_usage_err("needs a value:", argv[i]);
			config = argv[++i];
		} else if (!strcmp(argv[i], "--listen")) {
			if (i + 1 >= argc)
				return monitor_usage_err("needs a value:", argv[i]);
			listen = argv[++i];
		} else {
			return monitor_usage_err("unknown argument", argv[i]);
		}
	}
	if (!config)
		return monitor_usage_err("which engine? give its config with -c CONFIG", NULL);
	if (listen) {
		char ip[16], why[160];
		int port;
		bool lo;

		if (strlen(listen) >= sizeof mc.listen ||
		    tl_mon_parse_listen(listen, ip, sizeof ip, &port, &lo, why, sizeof why) < 0) {
			fprintf(stderr, "talon monitor: --listen: %s\nRun 'talon monitor "
				"--help' for usage.\n", strlen(listen) >= sizeof mc.listen ?
				"too long" : why);
			return TL_CLI_USAGE;
		}
	}
	if (tl_config_load(&cfg, config, err, sizeof err) < 0) {
		fprintf(stderr, "talon monitor: %s\n", err);
		return TL_CLI_FAIL;
	}
	snprintf(mc.engine, sizeof mc.engine, "%s", cfg.name);
	snprintf(mc.journal, sizeof mc.journal, "%s", cfg.journal_path);
	snprintf(mc.listen, sizeof mc.listen, "%s", listen ? listen : cfg.monitor.listen);
	int rc = monitor_token(&cfg, mc.token);
	/* the monitor needs nothing else of the config, least of all the
	 * venue's secret */
	tl_config_wipe_secrets(&cfg);
	if (rc < 0)
		return TL_CLI_FAIL;
	bool token = mc.token[0] != '\0';
	rc = tl_mon_start(&m, &mc, err, sizeof err);
	explicit_bzero(mc.token, sizeof mc.token);
	if (rc < 0) {
		fprintf(stderr, "talon monitor: %s\n", err);
		return TL_CLI_FAIL;
	}
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = monitor_on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	fprintf(stderr, "monitor: listening on http://%s:%d\n", tl_mon_ip(m), tl_mon_port(m));
	fprintf(stderr, "monitor: engine '%s', journal %s, %s\n", mc.engine,
		mc.journal[0] ? mc.journal : "(none)",
		token ? "requests need the bearer token" : "no token (loopback only)");
	tl_mon_run(m, &monitor_stop);
	fprintf(stderr, "monitor: stopped\n");
	tl_mon_free(m);
	return TL_CLI_OK;
}
