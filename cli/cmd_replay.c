/*
 * cmd_replay.c - `talon replay`: feed a journal back through the kernel
 * and print the post-mortem, or verify the stored tables (persist/replay.h;
 * docs/replay.md is the user's reference: keep it, replay_usage() and this
 * file in step).
 *
 * Exit codes: 0 the replay matched the journal (and --verify found the
 * tables equal); 1 the replay diverged, --verify found a difference, or
 * the journal/config could not be used; 2 usage error (message names the
 * flag).
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "persist/replay.h"
#include "runtime/replay_config.h"

#define REPLAY_DEFAULT_CONFIG "config/paper.json"

static void replay_usage(FILE *f)
{
	fprintf(f,
"usage: talon replay JOURNAL.db [-c CONFIG] [--until TIME | --seq N]\n"
"                    [--order CLIENT_ID] [--symbol S]\n"
"                    [--format text|json|csv] [--verify] [--no-progress]\n"
"\n"
"Replay a journal through the kernel (read-only) and print the post-mortem:\n"
"order timelines with latencies, positions and PnL, trading-state changes\n"
"and the emergency timeline, and a summary. Every regenerated output is\n"
"compared with the journaled one; a difference is reported as a finding.\n"
"\n"
"  -c, --config CONFIG  engine config the journal was written with\n"
"                       (default " REPLAY_DEFAULT_CONFIG ")\n"
"  --until TIME         stop before the first input later than TIME\n"
"                       (RFC 3339, e.g. 2026-11-21T05:06:49Z, or ns since epoch)\n"
"  --seq N              stop after input N and its outputs\n"
"  --order CLIENT_ID    only this order's timeline\n"
"  --symbol S           only orders and positions of S\n"
"  --format FMT         text (default), json (one object per line) or csv\n"
"                       (order steps)\n"
"  --verify             replay everything and compare the end state with the\n"
"                       stored orders/positions tables; prints the first\n"
"                       difference\n"
"  --no-progress        no progress bar (drawn on stderr when it is a terminal)\n"
"\n"
"exit status: 0 replay matched (and tables verified); 1 replay diverged,\n"
"verify found a difference, or the journal/config could not be used;\n"
"2 usage error.\n");
}

static int replay_bad(const char *flag, const char *why)
{
	fprintf(stderr, "talon replay: %s: %s\n", flag, why);
	fprintf(stderr, "Run 'talon replay --help' for usage.\n");
	return TL_CLI_USAGE;
}

/* Flag value: "--flag V" or "--flag=V". */
static const char *replay_value(int argc, char **argv, int *i, const char *name,
				bool *missing)
{
	const char *a = argv[*i];
	size_t n = strlen(name);
	*missing = false;
	if (a[n] == '=')
		return a + n + 1;
	if (*i + 1 >= argc) {
		*missing = true;
		return NULL;
	}
	return argv[++*i];
}

static bool replay_is(const char *arg, const char *name)
{
	size_t n = strlen(name);
	return strncmp(arg, name, n) == 0 && (arg[n] == '\0' || arg[n] == '=');
}

int tl_cli_replay(int argc, char **argv)
{
	tl_replay_opts_t o;
	bool no_progress = false, missing;
	char err[512];
	memset(&o, 0, sizeof(o));
	o.config_path = REPLAY_DEFAULT_CONFIG;
	o.format = TL_REPLAY_TEXT;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v;
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			replay_usage(stdout);
			return TL_CLI_OK;
		} else if (!strcmp(a, "-c") || replay_is(a, "--config")) {
			const char *name = a[1] == 'c' ? "-c" : "--config";
			v = replay_value(argc, argv, &i, name, &missing);
			if (!v || !*v)
				return replay_bad(name, "needs a config file");
			o.config_path = v;
		} else if (replay_is(a, "--until")) {
			v = replay_value(argc, argv, &i, "--until", &missing);
			if (!v)
				return replay_bad("--until", "needs a time");
			if (tl_replay_parse_time(v, &o.until_time) < 0 || o.until_time <= 0)
				return replay_bad("--until", "expected RFC 3339 (2026-11-21T05:06:49Z) "
						  "or ns since the epoch");
		} else if (replay_is(a, "--seq")) {
			v = replay_value(argc, argv, &i, "--seq", &missing);
			char *end = NULL;
			if (!v)
				return replay_bad("--seq", "needs an input sequence number");
			o.until_seq = strtoull(v, &end, 10);
			if (!*v || *end || v[0] == '-' || o.until_seq == 0)
				return replay_bad("--seq", "expected a positive integer");
		} else if (replay_is(a, "--order")) {
			v = replay_value(argc, argv, &i, "--order", &missing);
			if (!v || !*v)
				return replay_bad("--order", "needs a client order id");
			o.order = v;
		} else if (replay_is(a, "--symbol")) {
			v = replay_value(argc, argv, &i, "--symbol", &missing);
			if (!v || !*v)
				return replay_bad("--symbol", "needs a symbol");
			o.symbol = v;
		} else if (replay_is(a, "--format")) {
			v = replay_value(argc, argv, &i, "--format", &missing);
			if (!v)
				return replay_bad("--format", "needs text, json or csv");
			if (!strcmp(v, "text"))
				o.format = TL_REPLAY_TEXT;
			else if (!strcmp(v, "json"))
				o.format = TL_REPLAY_JSON;
			else if (!strcmp(v, "csv"))
				o.format = TL_REPLAY_CSV;
			else
				return replay_bad("--format", "expected text, json or csv");
		} else if (!strcmp(a, "--verify")) {
			o.verify = true;
		} else if (!strcmp(a, "--no-progress")) {
			no_progress = true;
		} else if (a[0] == '-' && a[1]) {
			return replay_bad(a, "unknown flag");
		} else if (!o.journal_path) {
			o.journal_path = a;
		} else {
			return replay_bad(a, "one journal only");
		}
	}
	if (!o.journal_path)
		return replay_bad("JOURNAL.db", "missing (the journal file to replay)");
	if (o.until_seq && o.until_time)
		return replay_bad("--seq", "use --until or --seq, not both");
	if (o.verify && (o.until_seq || o.until_time))
		return replay_bad("--verify", "replays the whole journal: drop --until/--seq");
	o.progress = !no_progress && isatty(STDERR_FILENO);
	o.out = stdout;

	tl_replay_result_t res;
	int rc = tl_replay_run(&o, &res, err, sizeof(err));
	if (rc < 0) {
		fprintf(stderr, "talon replay: %s\n", err);
		return TL_CLI_FAIL;
	}
	if (o.verify) {
		const tl_replay_stats_t *st = &res.st;
		if (o.format == TL_REPLAY_JSON) {
			printf("{\"type\":\"verify\",\"ok\":%s,\"records\":%llu,\"inputs\":%llu,"
			       "\"outputs\":%llu,\"matched\":%llu,\"mismatches\":%llu,"
			       "\"lost_outputs\":%llu,\"differences\":%llu,\"first_difference\":",
			       res.verified ? "true" : "false", (unsigned long long)st->records,
			       (unsigned long long)st->inputs, (unsigned long long)st->outputs,
			       (unsigned long long)st->matched, (unsigned long long)st->mismatches,
			       (unsigned long long)st->lost_outputs,
			       (unsigned long long)res.differences);
			if (res.verified) {
				printf("null}\n");
			} else {
				putchar('"');
				for (const char *p = res.first_diff; *p; p++) {
					if (*p == '"' || *p == '\\')
						putchar('\\');
					if ((unsigned char)*p >= 0x20)
						putchar(*p);
				}
				printf("\"}\n");
			}
		} else if (res.verified) {
			printf("verify: OK: %llu records (%llu inputs, %llu outputs) replayed, every "
			       "output matched%s; orders, positions and trading state match the tables\n",
			       (unsigned long long)st->records, (unsigned long long)st->inputs,
			       (unsigned long long)st->outputs,
			       st->lost_outputs ? " (outputs lost in a crash tail were accepted)" : "");
		} else {
			printf("verify: FAILED: %s\n", res.first_diff);
			if (res.differences > 1)
				printf("verify: %llu differences in all\n",
				       (unsigned long long)res.differences);
		}
	}
	return rc == 0 ? TL_CLI_OK : TL_CLI_FAIL;
}
