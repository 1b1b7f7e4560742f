/*
 * cmd_check.c - `talon check -c CONFIG`: the venue's preflight (the
 * driver's preflight hook, io/binance/check.h for Binance), one line per
 * check on stdout; exit 0 only when every check passed. Trades nothing.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "io/venue.h"
#include "runtime/config.h"
#include "runtime/harden.h"
#include "runtime/log.h"

static void check_usage(FILE *out)
{
	fprintf(out,
		"usage: talon check -c CONFIG\n"
		"\n"
		"Preflight of the venue in CONFIG, trading nothing: connectivity and\n"
		"TLS, clock offset, the API key (canTrade), position mode against\n"
		"kernel.hedge_mode, multi-assets mode, balance; per symbol its trading\n"
		"status, filters, leverage and margin type as configured, open orders\n"
		"(this engine's prefix or foreign) and positions; the dead-man switch.\n"
		"One line per check: OK, FAIL (with the venue's code and message) or\n"
		"SKIP (not run after an earlier failure). `talon run` runs the same\n"
		"checks before it trades and refuses to start on a failure.\n"
		"\n"
		"  -c, --config FILE   engine configuration (JSON), e.g. config/binance-testnet.json\n"
		"  -h, --help          this help\n"
		"\n"
		"Exit status: 0 every check passed, 1 a check failed (or the config\n"
		"did not load), 2 usage error.\n");
}

/* Prints one check as "OK   name: detail" on the FILE in ctx. */
static void tl_cli_check_line(void *ctx, tl_venue_check_res_t r, const char *name,
		       const char *detail)
{
	fprintf((FILE *)ctx, "%-4s %s: %s\n", tl_venue_check_name(r), name, detail);
}

/* Preflight lines on the log (`talon run`). */
static void tl_cli_check_log(void *ctx, tl_venue_check_res_t r, const char *name,
			     const char *detail)
{
	(void)ctx;
	tl_log(r == TL_CHECK_FAIL ? TL_LOG_ERROR : TL_LOG_INFO, "preflight %-4s %s: %s",
	       tl_venue_check_name(r), name, detail);
}

int tl_cli_load_secret_config(const char *who, const char *path, tl_config_t *cfg,
			      int log_sink)
{
	char err[512];

	if (tl_config_load(cfg, path, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s: %s\n", who, err);
		return -1;
	}
	tl_log_set_level(cfg->log_level);
	if (log_sink) {
		tl_log_set_format(cfg->log_format);
		if (cfg->log_file[0] && tl_log_open_file(cfg->log_file, err, sizeof(err)) < 0) {
			tl_config_wipe_secrets(cfg);
			fprintf(stderr, "%s: %s: %s\n", who, cfg->path, err);
			return -1;
		}
	}
	tl_config_warn_secret(cfg);
	/* The secret is in memory from here on. */
	if (tl_harden_process(cfg->allow_core_dumps, err, sizeof(err)) < 0) {
		tl_config_wipe_secrets(cfg);
		/* on the log once it is set up; on stderr too when that is a
		 * file, so a supervisor sees why it stopped */
		if (log_sink)
			tl_log(TL_LOG_ERROR, "%s: %s", who, err);
		if (!log_sink || tl_log_to_file())
			fprintf(stderr, "%s: %s\n", who, err);
		return -1;
	}
	return 0;
}

int tl_cli_preflight(const tl_config_t *cfg, FILE *out, const char *who)
{
	const tl_venue_driver_t *d = tl_venue_driver_find(cfg->venue_type);

	if (!d || !d->preflight) {
		if (who)
			fprintf(out, "%s: venue \"%s\" has no preflight: nothing to check\n", who,
				cfg->venue_type);
		return 0;
	}
	if (!out)
		return d->preflight(cfg, tl_cli_check_log, NULL);
	return d->preflight(cfg, tl_cli_check_line, out);
}

int tl_cli_check(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *config = NULL;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			config = optarg;
			break;
		case 'h':
			check_usage(stdout);
			return TL_CLI_OK;
		default:
			check_usage(stderr);
			return TL_CLI_USAGE;
		}
	}
	if (!config || optind != argc) {
		fprintf(stderr, "talon check: %s\n", config ? "unexpected argument" : "-c CONFIG is required");
		check_usage(stderr);
		return TL_CLI_USAGE;
	}
	tl_config_t cfg;
	if (tl_cli_load_secret_config("talon check", config, &cfg, 0) < 0)
		return TL_CLI_FAIL;
	int fails = tl_cli_preflight(&cfg, stdout, "talon check");
	tl_config_wipe_secrets(&cfg);
	if (fails > 0) {
		printf("talon check: %d check%s FAILED: do not trade with %s yet\n", fails,
		       fails == 1 ? "" : "s", config);
		return TL_CLI_FAIL;
	}
	if (fails < 0) {
		printf("talon check: the venue's preflight could not run\n");
		return TL_CLI_FAIL;
	}
	printf("talon check: every check passed\n");
	return TL_CLI_OK;
}
