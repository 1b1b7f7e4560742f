/*
 * main.c - the talon binary: dispatch `talon <command> [args]` through the
 * subcommand table below (see cli.h for adding one).
 */
#include "cli/cli.h"

#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>

static int tl_cli_help(int argc, char **argv);

/* One row per subcommand, in the order `talon help` lists them. */
static const struct tl_cli_cmd {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
} tl_cli_cmds[] = {
	{ "help",    tl_cli_help,    "show this help" },
	{ "version", tl_cli_version, "print the talon version" },
	{ "check",   tl_cli_check,   "preflight the venue of a config, trading nothing (-c CONFIG)" },
	{ "run",     tl_cli_run,     "run the engine (-c CONFIG [--demo]) after the venue's checks" },
	{ "venue",   tl_cli_venue,   "run the simulated Binance USD-M exchange" },
	{ "ctl",     tl_cli_ctl,     "operate a running engine (status, submit, liquidate, ...)" },
	{ "top",     tl_cli_top,     "full-screen view of a running engine (-c CONFIG [--interval MS])" },
	{ "monitor", tl_cli_monitor, "read-only HTTP view of an engine: dashboard, JSON, metrics (-c CONFIG)" },
	{ "replay",  tl_cli_replay,  "replay a journal: post-mortem timelines, --verify" },
	{ "bench",   tl_cli_bench,   "run the benchmark suites; bench report DIR" },
};

#define TL_CLI_NCMDS (sizeof(tl_cli_cmds) / sizeof(tl_cli_cmds[0]))

static void tl_cli_usage(FILE *out)
{
	fprintf(out, "usage: talon <command> [args]\n\ncommands:\n");
	for (size_t i = 0; i < TL_CLI_NCMDS; i++)
		fprintf(out, "  %-10s %s\n", tl_cli_cmds[i].name,
			tl_cli_cmds[i].summary);
}

static int tl_cli_help(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	tl_cli_usage(stdout);
	return TL_CLI_OK;
}

/* The subcommand for `name`, also accepting the usual option spellings. */
static const struct tl_cli_cmd *tl_cli_find(const char *name)
{
	if (!strcmp(name, "-h") || !strcmp(name, "--help"))
		name = "help";
	else if (!strcmp(name, "--version"))
		name = "version";
	for (size_t i = 0; i < TL_CLI_NCMDS; i++)
		if (!strcmp(tl_cli_cmds[i].name, name))
			return &tl_cli_cmds[i];
	return NULL;
}

int main(int argc, char **argv)
{
	const struct tl_cli_cmd *cmd;
	int rc;

	if (argc < 2) {
		tl_cli_usage(stderr);
		return TL_CLI_USAGE;
	}
	cmd = tl_cli_find(argv[1]);
	if (!cmd) {
		fprintf(stderr, "talon: unknown command '%s'\n"
			"Run 'talon help' for the list of commands.\n",
			argv[1]);
		return TL_CLI_USAGE;
	}
	/* Sleeps end on time in every thread created from here on (the
	 * simulator's loop, the benchmark harness); engine agents set their
	 * own from the config (engine.timer_slack_ns, io.timer_slack_ns). */
	prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
	rc = cmd->run(argc - 1, argv + 1);
	/* A full disk or closed pipe on stdout is a failure, not silence. */
	if (fflush(stdout) != 0 && rc == TL_CLI_OK)
		rc = TL_CLI_FAIL;
	return rc;
}
