/*
 * cmd_venue.c - `talon venue -c config/venue.json`: run the simulated
 * Binance USD-M Futures exchange on loopback until SIGINT/SIGTERM.
 *
 * Prints one line per listener ("venue: rest https://127.0.0.1:8443",
 * "venue: ws wss://127.0.0.1:8444")
 * once it is serving, so scripts can wait for it.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "runtime/harden.h"
#include "sim/config.h"
#include "sim/server.h"

static tl_sim_server_t *venue_srv;

static void venue_on_signal(int sig)
{
	(void)sig;
	if (venue_srv)
		tl_sim_server_stop(venue_srv);
}

static void venue_usage(FILE *f)
{
	fprintf(f, "usage: talon venue [-c CONFIG] [--port N] [--plain-port N] [--no-tls]\n"
		"  -c CONFIG       config file (default config/venue.json)\n"
		"  --port N        override rest.port (0 = ephemeral)\n"
		"  --plain-port N  override rest.plain_port (plain HTTP)\n"
		"  --no-tls        serve rest.port as plain HTTP\n");
}

int tl_cli_venue(int argc, char **argv)
{
	static tl_sim_config_t cfg;
	const char *path = "config/venue.json";
	char err[256];
	struct sigaction sa;
	int i, rc;

	tl_sim_config_defaults(&cfg);
	for (i = 1; i < argc; i++) {
		if ((!strcmp(argv[i], "-c") || !strcmp(argv[i], "--config")) && i + 1 < argc) {
			path = argv[++i];
		} else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			venue_usage(stdout);
			return TL_CLI_OK;
		} else if ((!strcmp(argv[i], "--port") || !strcmp(argv[i], "--plain-port")) &&
			   i + 1 < argc) {
			i++; /* applied after the file */
		} else if (!strcmp(argv[i], "--no-tls")) {
			continue;
		} else {
			venue_usage(stderr);
			return TL_CLI_USAGE;
		}
	}
	if (tl_sim_config_load(&cfg, path, err, sizeof err) != 0) {
		fprintf(stderr, "talon venue: %s\n", err);
		return TL_CLI_FAIL;
	}
	/* It holds its accounts' API secrets for its whole life. */
	if (tl_harden_process(false, err, sizeof err) < 0) {
		fprintf(stderr, "talon venue: %s\n", err);
		return TL_CLI_FAIL;
	}
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--port") && i + 1 < argc)
			cfg.rest_port = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--plain-port") && i + 1 < argc)
			cfg.rest_plain_port = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--no-tls"))
			cfg.rest_tls = false;
	}
	venue_srv = tl_sim_server_new(&cfg, err, sizeof err);
	if (!venue_srv) {
		fprintf(stderr, "talon venue: %s\n", err);
		return TL_CLI_FAIL;
	}
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = venue_on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	printf("venue: rest %s://%s:%d\n", cfg.rest_tls ? "https" : "http",
	       cfg.rest_host, tl_sim_server_port(venue_srv, TL_SIM_PORT_REST));
	if (tl_sim_server_port(venue_srv, TL_SIM_PORT_PLAIN))
		printf("venue: rest-plain http://%s:%d\n", cfg.rest_host,
		       tl_sim_server_port(venue_srv, TL_SIM_PORT_PLAIN));
	if (tl_sim_server_port(venue_srv, TL_SIM_PORT_WS))
		printf("venue: ws %s://%s:%d\n", cfg.ws_tls ? "wss" : "ws",
		       cfg.rest_host, tl_sim_server_port(venue_srv, TL_SIM_PORT_WS));
	fflush(stdout);
	rc = tl_sim_server_run(venue_srv);
	tl_sim_server_free(venue_srv);
	venue_srv = NULL;
	return rc == 0 ? TL_CLI_OK : TL_CLI_FAIL;
}
