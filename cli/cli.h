/*
 * cli.h - the talon command line: a table of subcommands.
 *
 * Adding a subcommand `talon NAME` is one file and one table entry:
 *   cli/cmd_NAME.c    defines int tl_cli_NAME(int argc, char **argv)
 *   cli/cli.h         declares it below
 *   cli/main.c        lists it in tl_cli_cmds[] with a one-line summary
 *
 * A subcommand gets argv[0] == "NAME" and its own arguments after it, and
 * returns the process exit code: 0 success, 1 failure, 2 usage error
 * (message to stderr).
 */
#ifndef TL_CLI_H
#define TL_CLI_H

#include <stdio.h>

/* Exit codes shared by every subcommand. */
#define TL_CLI_OK 0
#define TL_CLI_FAIL 1
#define TL_CLI_USAGE 2

/* `talon version`: prints "talon <version>" (cmd_version.c). */
int tl_cli_version(int argc, char **argv);

/* `talon run`: the engine in the foreground, optionally with the demo
 * strategy (cmd_run.c, cli/demo.c). */
int tl_cli_run(int argc, char **argv);

/* `talon check`: the venue's preflight, trading nothing (cmd_check.c,
 * io/binance/check.h). */
int tl_cli_check(int argc, char **argv);

struct tl_config;
/* The config's venue preflight, one line per check on out ("OK   name:
 * detail"), or on the log when out is NULL (`talon run`: "preflight OK  
 * name: detail", a failure at ERROR); when the venue has none, says so
 * on out prefixed by who (NULL: silently). Returns the failed checks (0:
 * all passed, or none to run), -1 when it could not run. Shared by check
 * and run. */
int tl_cli_preflight(const struct tl_config *cfg, FILE *out, const char *who);

/* Load the config at path for a command that holds the venue's secret
 * (run, check): the log level (and with log_sink, the log's format and
 * file: `talon run`, whose every line after this one is on that log),
 * the readable-secret warning, then no core file and no ptrace
 * (runtime/harden.h) before anything else. 0, or -1 after "<who>: <why>"
 * on stderr (the secret wiped). */
int tl_cli_load_secret_config(const char *who, const char *path, struct tl_config *cfg,
			      int log_sink);

/* `talon venue`: the simulated Binance USD-M exchange (cmd_venue.c). */
int tl_cli_venue(int argc, char **argv);

/* `talon ctl`: operate a running engine through its shm block
 * (cmd_ctl.c, docs/ctl.md). */
int tl_cli_ctl(int argc, char **argv);

/* `talon top`: full-screen view of a running engine, read only
 * (cmd_top.c, top_view.c, top_events.c; docs/operations.md). */
int tl_cli_top(int argc, char **argv);

/* `talon monitor`: the read-only HTTP view of an engine (cmd_monitor.c,
 * mon/server.h, docs/operations.md "Monitor"). */
int tl_cli_monitor(int argc, char **argv);

/* `talon replay`: feed a journal through the kernel, print the post-mortem
 * or verify the stored tables (cmd_replay.c, docs/replay.md). */
int tl_cli_replay(int argc, char **argv);

/* `talon bench`: run the benchmark suites, `talon bench report DIR`
 * (cmd_bench.c, bench/, docs/benchmarks.md). */
int tl_cli_bench(int argc, char **argv);

#endif /* TL_CLI_H */
