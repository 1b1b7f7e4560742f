/*
 * cmd_bench.c - `talon bench`: run the benchmark suites (bench/suites.c)
 * into a results directory, and `talon bench report DIR` (bench/report.h).
 *
 * Each suite runs in a child process of its own (fork, own process
 * group): a suite that crashes, aborts on a failed check, or overruns
 * --timeout fails alone, its threads and CPU pinning never leak into the
 * next suite, and its peak RSS is its own. The parent writes one metadata
 * line (the command, version, flags) to DIR/results.jsonl, then the
 * children append their result lines through tl_bench_emit (stdout and
 * DIR/results.jsonl). The parent counts the lines each suite added; a
 * suite that exits 0 without a line is a failure too.
 *
 * Exit codes (cli/cli.h): 0 every selected suite passed; 1 a suite failed
 * or the results directory could not be written; 2 usage error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench/report.h"
#include "bench/support/benchutil.h"
#include "bench/support/suite.h"
#include "cli/cli.h"

#ifndef TL_VERSION
#define TL_VERSION "unknown"
#endif

#define BENCH_TIMEOUT_DEFAULT 900  /* seconds per suite */
#define BENCH_MAX_SUITES 32

static void bench_usage(FILE *f)
{
	fprintf(f,
"usage: talon bench [--suite NAME[,NAME...]|all] [--duration S] [--rate N]\n"
"                   [--out DIR] [--cpus A,B] [--smoke] [--timeout S]\n"
"       talon bench --list\n"
"       talon bench report DIR\n"
"\n"
"Run benchmark suites and write one JSON line per case to stdout and append\n"
"it to DIR/results.jsonl (after one metadata line with the command). Suites run\n"
"one at a time, in the order --list shows, each in its own process;\n"
"progress and a summary go to stderr.\n"
"\n"
"  --suite LIST    comma-separated suite names, or all (default all)\n"
"  --duration S    measured seconds per case (default: each suite's own\n"
"                  size, see docs/benchmarks.md)\n"
"  --rate N        offered requests/s for open-loop cases (default: the\n"
"                  suite's ladder, 100, 1000 and 10000 for rtt)\n"
"  --out DIR       results directory, created if missing (default\n"
"                  <directory of the talon binary>/bench-results/<UTC time>,\n"
"                  e.g. build/bench-results/20261121T070000Z)\n"
"  --cpus A,B      pin the engine side to CPU A and the peer side (venue,\n"
"                  echo thread, client) to CPU B (default 0,1 where a suite\n"
"                  pins)\n"
"  --smoke         smallest sizes that still run every case (seconds per\n"
"                  suite; what the test suite uses; numbers are not\n"
"                  meaningful)\n"
"  --timeout S     kill a suite after S seconds, counted as failed\n"
"                  (default %d; 0 = no limit)\n"
"  --list          print the suites, one per line: name, tab, what it measures\n"
"\n"
"talon bench report DIR   turn DIR/results.jsonl into DIR/report.md and SVG\n"
"                         plots beside it\n"
"\n"
"exit status: 0 every suite passed; 1 a suite failed or the results could\n"
"not be written; 2 usage error.\n", BENCH_TIMEOUT_DEFAULT);
}

static int bench_bad(const char *flag, const char *why)
{
	fprintf(stderr, "talon bench: %s: %s\n", flag, why);
	fprintf(stderr, "Run 'talon bench --help' for usage.\n");
	return TL_CLI_USAGE;
}

static bool bench_is(const char *arg, const char *name)
{
	size_t n = strlen(name);
	return strncmp(arg, name, n) == 0 && (arg[n] == '\0' || arg[n] == '=');
}

/* Flag value: "--flag V" or "--flag=V"; NULL when missing. */
static const char *bench_value(int argc, char **argv, int *i, const char *name)
{
	const char *a = argv[*i];
	size_t n = strlen(name);
	if (a[n] == '=')
		return a + n + 1;
	if (*i + 1 >= argc)
		return NULL;
	return argv[++*i];
}

static int bench_suite_index(const char *name, size_t len)
{
	for (unsigned i = 0; i < tl_bench_nsuites; i++)
		if (strlen(tl_bench_suites[i].name) == len &&
		    !strncmp(tl_bench_suites[i].name, name, len))
			return (int)i;
	return -1;
}

static void bench_valid_suites(FILE *f)
{
	fputs("valid suites:", f);
	for (unsigned i = 0; i < tl_bench_nsuites; i++)
		fprintf(f, " %s", tl_bench_suites[i].name);
	fputs(", or all\n", f);
}

/* Mark the suites named in a comma-separated list; 0, or a usage error. */
static int bench_select(const char *list, bool *sel)
{
	if (!*list)
		return bench_bad("--suite", "empty list");
	for (const char *p = list;;) {
		size_t len = strcspn(p, ",");
		if (len == 3 && !strncmp(p, "all", 3)) {
			for (unsigned i = 0; i < tl_bench_nsuites; i++)
				sel[i] = true;
		} else {
			int k = bench_suite_index(p, len);
			if (k < 0) {
				fprintf(stderr, "talon bench: --suite: unknown suite '%.*s'\n",
					(int)len, p);
				bench_valid_suites(stderr);
				return TL_CLI_USAGE;
			}
			sel[k] = true;
		}
		if (!p[len])
			return 0;
		p += len + 1;
	}
}

static int bench_cpu_arg(const char *s, int *out)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || end == s || v < 0 || v >= CPU_SETSIZE)
		return -1;
	*out = (int)v;
	return (int)(end - s);
}

/* --cpus A,B: both in this process's affinity mask. */
static int bench_cpus(const char *s, int cpus[2])
{
	int a = bench_cpu_arg(s, &cpus[0]);
	if (a < 0 || s[a] != ',')
		return bench_bad("--cpus", "expected two CPU numbers, A,B (e.g. 0,1)");
	int b = bench_cpu_arg(s + a + 1, &cpus[1]);
	if (b < 0 || s[a + 1 + b] != '\0')
		return bench_bad("--cpus", "expected two CPU numbers, A,B (e.g. 0,1)");
	cpu_set_t set;
	CPU_ZERO(&set);
	if (sched_getaffinity(0, sizeof set, &set) == 0) {
		for (int k = 0; k < 2; k++) {
			if (CPU_ISSET(cpus[k], &set))
				continue;
			fprintf(stderr, "talon bench: --cpus: CPU %d is not available to "
				"this process; allowed:", cpus[k]);
			for (int c = 0; c < CPU_SETSIZE; c++)
				if (CPU_ISSET(c, &set))
					fprintf(stderr, " %d", c);
			fputc('\n', stderr);
			return TL_CLI_USAGE;
		}
	}
	return 0;
}

/* mkdir -p. 0 or -1 with errno. */
static int bench_mkdirs(const char *path)
{
	char p[PATH_MAX];
	if (snprintf(p, sizeof p, "%s", path) >= (int)sizeof p) {
		errno = ENAMETOOLONG;
		return -1;
	}
	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, 0755) < 0 && errno != EEXIST)
			return -1;
		*s = '/';
	}
	if (mkdir(p, 0755) < 0 && errno != EEXIST)
		return -1;
	struct stat st;
	if (stat(p, &st) < 0)
		return -1;
	if (!S_ISDIR(st.st_mode)) {
		errno = ENOTDIR;
		return -1;
	}
	return 0;
}

/* Lines in DIR/results.jsonl (0 when missing). */
static long bench_count_lines(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return 0;
	long n = 0;
	int c;
	while ((c = getc(f)) != EOF)
		n += c == '\n';
	fclose(f);
	return n;
}

/* The metadata line: what produced this run. */
static int bench_meta(const char *results, int argc, char **argv,
		      const tl_bench_ctx_t *ctx, const bool *sel)
{
	FILE *f = fopen(results, "a");
	if (!f)
		return -1;
	char cmd[4096];
	size_t off = 0;
	cmd[0] = '\0';
	for (int i = -1; i < argc && off < sizeof cmd; i++) {
		int m = snprintf(cmd + off, sizeof cmd - off, "%s%s", i < 0 ? "" : " ",
				 i < 0 ? "talon" : argv[i]);
		if (m < 0)
			break;
		off += (size_t)m;
	}
	char when[32];
	time_t now = time(NULL);
	struct tm tm;
	strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&now, &tm));
	fputs("{\"command\":", f);
	tl_bench_json_str(f, cmd);
	fputs(",\"version\":", f);
	tl_bench_json_str(f, TL_VERSION);
	fputs(",\"talon\":", f);
	tl_bench_json_str(f, ctx->talon ? ctx->talon : "");
	fprintf(f, ",\"started\":\"%s\",\"smoke\":%s,\"duration_s\":%g,\"rate\":%llu,"
		"\"cpus\":[%d,%d],\"ncpu\":%ld,\"suites\":[", when,
		ctx->smoke ? "true" : "false", ctx->duration_s,
		(unsigned long long)ctx->rate, ctx->cpus[0], ctx->cpus[1],
		sysconf(_SC_NPROCESSORS_ONLN));
	bool first = true;
	for (unsigned i = 0; i < tl_bench_nsuites; i++) {
		if (!sel[i])
			continue;
		fprintf(f, "%s\"%s\"", first ? "" : ",", tl_bench_suites[i].name);
		first = false;
	}
	fputs("],\"machine\":", f);
	tl_bench_json_str(f, tl_bench_machine());
	fputs("}\n", f);
	return fclose(f);
}

static int bench_rm_one(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	if (remove(p) < 0)
		fprintf(stderr, "talon bench: cannot remove %s: %s\n", p, strerror(errno));
	return 0;
}

/* DIR/tmp and everything in it: scratch left by a suite that failed
 * before cleaning up (the next suite starts with none). */
static void bench_rm_scratch(const char *out)
{
	char tmp[PATH_MAX];
	struct stat st;
	if (snprintf(tmp, sizeof tmp, "%s/tmp", out) >= (int)sizeof tmp ||
	    lstat(tmp, &st) < 0)
		return;
	nftw(tmp, bench_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static volatile sig_atomic_t bench_stop_sig;

static void bench_on_signal(int sig)
{
	bench_stop_sig = sig;
}

static double bench_secs(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) + (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

/* Result of one suite, for the summary. */
typedef struct bench_outcome {
	bool ran, ok;
	double secs;
	long lines;
	char why[64];
} bench_outcome_t;

/* Run suite i in a child; fills *o. */
static void bench_run_one(unsigned i, const tl_bench_ctx_t *ctx, const char *results,
			  double timeout_s, bench_outcome_t *o)
{
	const tl_bench_suite_t *s = &tl_bench_suites[i];
	long before = bench_count_lines(results);
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	o->ran = true;
	fprintf(stderr, "==== bench %s\n", s->name);
	fflush(stdout);
	fflush(stderr);
	pid_t pid = fork();
	if (pid < 0) {
		snprintf(o->why, sizeof o->why, "fork: %s", strerror(errno));
		return;
	}
	if (pid == 0) {
		/* Own process group: a timeout kills whatever it spawned. */
		setpgid(0, 0);
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		int rc = s->run(ctx);
		tl_bench_results_close();
		/* exit, not _exit: stdio flushed, and under ASan the leak
		 * check runs on the suite. */
		exit(rc == 0 ? 0 : 1);
	}
	setpgid(pid, pid);	/* also here: no race with the kill below */
	int status = 0;
	bool killed = false;
	for (;;) {
		pid_t w = waitpid(pid, &status, WNOHANG);
		if (w == pid)
			break;
		if (w < 0 && errno != EINTR) {
			snprintf(o->why, sizeof o->why, "waitpid: %s", strerror(errno));
			return;
		}
		clock_gettime(CLOCK_MONOTONIC, &t1);
		if (!killed && (bench_stop_sig ||
				(timeout_s > 0 && bench_secs(&t0, &t1) > timeout_s))) {
			fprintf(stderr, "talon bench: %s: %s; killing it\n", s->name,
				bench_stop_sig ? "interrupted" : "timed out");
			kill(-pid, SIGKILL);
			killed = true;
			snprintf(o->why, sizeof o->why, bench_stop_sig ? "interrupted"
				 : "timed out after %.0f s", timeout_s);
		}
		struct timespec nap = { 0, 20000000 };
		nanosleep(&nap, NULL);
	}
	/* Whatever the suite started and left behind goes with it. */
	kill(-pid, SIGKILL);
	bench_rm_scratch(ctx->outdir);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	o->secs = bench_secs(&t0, &t1);
	o->lines = bench_count_lines(results) - before;
	if (killed)
		return;
	if (WIFSIGNALED(status)) {
		snprintf(o->why, sizeof o->why, "killed by signal %d (%s)",
			 WTERMSIG(status), strsignal(WTERMSIG(status)));
	} else if (WEXITSTATUS(status) != 0) {
		snprintf(o->why, sizeof o->why, "exit %d", WEXITSTATUS(status));
	} else if (o->lines <= 0) {
		snprintf(o->why, sizeof o->why, "no result lines");
	} else {
		o->ok = true;
	}
}

static int bench_report_cmd(int argc, char **argv)
{
	if (argc == 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		printf("usage: talon bench report DIR\n\n"
		       "Read DIR/results.jsonl (written by talon bench --out DIR) and\n"
		       "write DIR/report.md and the SVG plots it links.\n\n"
		       "exit status: 0 written; 1 the results could not be read or the\n"
		       "report not written; 2 usage error.\n");
		return TL_CLI_OK;
	}
	if (argc != 2 || argv[1][0] == '-')
		return bench_bad("report", "expected exactly one results directory");
	return tl_bench_report(argv[1]) == 0 ? TL_CLI_OK : TL_CLI_FAIL;
}

int tl_cli_bench(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "report"))
		return bench_report_cmd(argc - 1, argv + 1);

	tl_bench_ctx_t ctx = { .cpus = { -1, -1 } };
	bool sel[BENCH_MAX_SUITES] = { false }, any = false, list = false;
	const char *out = NULL;
	double timeout_s = BENCH_TIMEOUT_DEFAULT;
	if (tl_bench_nsuites > BENCH_MAX_SUITES) {
		fprintf(stderr, "talon bench: too many suites registered\n");
		return TL_CLI_FAIL;
	}

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v;
		char *end;
		int rc;
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			bench_usage(stdout);
			return TL_CLI_OK;
		} else if (!strcmp(a, "--smoke")) {
			ctx.smoke = true;
		} else if (!strcmp(a, "--list")) {
			list = true;
		} else if (bench_is(a, "--suite")) {
			if (!(v = bench_value(argc, argv, &i, "--suite")))
				return bench_bad("--suite", "missing value");
			if ((rc = bench_select(v, sel)) != 0)
				return rc;
			any = true;
		} else if (bench_is(a, "--duration")) {
			if (!(v = bench_value(argc, argv, &i, "--duration")))
				return bench_bad("--duration", "missing value");
			errno = 0;
			ctx.duration_s = strtod(v, &end);
			if (errno || end == v || *end || !(ctx.duration_s > 0) ||
			    ctx.duration_s > 86400)
				return bench_bad("--duration", "expected seconds, > 0 (e.g. 2 or 0.5)");
		} else if (bench_is(a, "--rate")) {
			if (!(v = bench_value(argc, argv, &i, "--rate")))
				return bench_bad("--rate", "missing value");
			errno = 0;
			unsigned long long r = strtoull(v, &end, 10);
			if (errno || end == v || *end || r == 0 || v[0] == '-' ||
			    r > 1000000000ULL)
				return bench_bad("--rate", "expected requests/s, 1 .. 1000000000");
			ctx.rate = r;
		} else if (bench_is(a, "--out")) {
			if (!(v = bench_value(argc, argv, &i, "--out")) || !*v)
				return bench_bad("--out", "missing directory");
			out = v;
		} else if (bench_is(a, "--cpus")) {
			if (!(v = bench_value(argc, argv, &i, "--cpus")))
				return bench_bad("--cpus", "missing value");
			if ((rc = bench_cpus(v, ctx.cpus)) != 0)
				return rc;
		} else if (bench_is(a, "--timeout")) {
			if (!(v = bench_value(argc, argv, &i, "--timeout")))
				return bench_bad("--timeout", "missing value");
			errno = 0;
			timeout_s = strtod(v, &end);
			if (errno || end == v || *end || !(timeout_s >= 0))
				return bench_bad("--timeout", "expected seconds, >= 0");
		} else {
			fprintf(stderr, "talon bench: unknown argument '%s'\n", a);
			fprintf(stderr, "Run 'talon bench --help' for usage.\n");
			return TL_CLI_USAGE;
		}
	}
	if (list) {
		for (unsigned i = 0; i < tl_bench_nsuites; i++)
			printf("%s\t%s\n", tl_bench_suites[i].name, tl_bench_suites[i].what);
		return TL_CLI_OK;
	}
	if (!any)
		for (unsigned i = 0; i < tl_bench_nsuites; i++)
			sel[i] = true;

	/* The binary itself, for suites that spawn `talon venue`. */
	char self[PATH_MAX], outbuf[PATH_MAX], results[PATH_MAX + 32];
	if (!realpath("/proc/self/exe", self)) {
		fprintf(stderr, "talon bench: cannot resolve /proc/self/exe: %s\n",
			strerror(errno));
		return TL_CLI_FAIL;
	}
	ctx.talon = self;
	if (!out) {
		char dir[PATH_MAX], when[32];
		snprintf(dir, sizeof dir, "%s", self);
		char *sl = strrchr(dir, '/');
		if (sl)
			*sl = '\0';
		time_t now = time(NULL);
		struct tm tm;
		strftime(when, sizeof when, "%Y%m%dT%H%M%SZ", gmtime_r(&now, &tm));
		if (snprintf(outbuf, sizeof outbuf, "%s/bench-results/%s", dir, when) >=
		    (int)sizeof outbuf)
			return bench_bad("--out", "default directory path too long");
		out = outbuf;
	}
	if (bench_mkdirs(out) < 0) {
		fprintf(stderr, "talon bench: cannot create %s: %s\n", out, strerror(errno));
		return TL_CLI_FAIL;
	}
	ctx.outdir = out;
	snprintf(results, sizeof results, "%s/results.jsonl", out);
	if (bench_meta(results, argc, argv, &ctx, sel) < 0 ||
	    tl_bench_results_open(out) < 0) {
		fprintf(stderr, "talon bench: cannot write %s: %s\n", results, strerror(errno));
		return TL_CLI_FAIL;
	}
	fprintf(stderr, "talon bench: results in %s\n", results);

	/* Ctrl-C / TERM: stop the running suite (its own process group). */
	struct sigaction sa = { .sa_handler = bench_on_signal };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	bench_outcome_t res[BENCH_MAX_SUITES];
	memset(res, 0, sizeof res);
	int failed = 0, ran = 0;
	double total = 0;
	for (unsigned i = 0; i < tl_bench_nsuites && !bench_stop_sig; i++) {
		if (!sel[i])
			continue;
		bench_run_one(i, &ctx, results, timeout_s, &res[i]);
		ran++;
		total += res[i].secs;
		failed += !res[i].ok;
		fprintf(stderr, "==== bench %s: %s%s%s (%.1f s, %ld lines)\n",
			tl_bench_suites[i].name, res[i].ok ? "ok" : "FAILED",
			res[i].ok ? "" : ": ", res[i].why, res[i].secs, res[i].lines);
	}
	tl_bench_results_close();

	fprintf(stderr, "\ntalon bench summary (%s):\n", out);
	for (unsigned i = 0; i < tl_bench_nsuites; i++) {
		if (!sel[i])
			continue;
		if (!res[i].ran)
			fprintf(stderr, "  %-10s not run (interrupted)\n", tl_bench_suites[i].name);
		else
			fprintf(stderr, "  %-10s %-6s %7.1f s %4ld lines%s%s\n",
				tl_bench_suites[i].name, res[i].ok ? "ok" : "FAILED",
				res[i].secs, res[i].lines, res[i].ok ? "" : "  ", res[i].why);
	}
	fprintf(stderr, "  %d suites run, %d failed, %.1f s; results: %s\n", ran, failed,
		total, results);
	if (bench_stop_sig)
		return TL_CLI_FAIL;
	return failed ? TL_CLI_FAIL : TL_CLI_OK;
}
