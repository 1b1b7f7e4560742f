/*
 * test_bench_smoke.c - `talon bench`: every registered suite runs and
 * reports.
 *
 * Runs `talon bench --suite all --smoke --duration 1 --rate 100 --out DIR`
 * (the smoke sizes: seconds per suite) and checks that it exits 0, that
 * every stdout line is a well-formed result line (bench/support/suite.h:
 * the required keys, a known mode, open-loop lines with a rate, sane
 * numbers: n > 0 and p50 <= p90 <= p99 <= p999 <= p9999 <= max, or a
 * finite value), that each registered suite emitted at least one line
 * named after it, and that DIR/results.jsonl holds a metadata line plus
 * exactly the same result lines. The floor suite emits each of its five
 * lines once, the blocking network floors and their busy-polling twins
 * (floor.tcp.spin, floor.tls.spin) in the same run, each saying how it
 * waits in "idle" ("block" or "spin"). The lines that run the engine in a
 * mode (rtt, peer.talon*, emergency.sim) are all there and say how it ran
 * ("threading", "idle", and "orders": "ws" for the WebSocket API lines
 * rtt.*.ws.shared and peer.talon_ws.order, "rest" otherwise); every rtt
 * line names the spin floor of its transport with ratios that match its
 * numbers; every peer line's ratios are peer / peer.talon.order, or
 * peer / peer.talon_ws.order for the WebSocket API peers. Also: `--list` equals the registry
 * (bench/suites.c), every suite whose bench/<name>.c exists is
 * registered, in the documented order, and the usage errors exit 2.
 */
#define _GNU_SOURCE
#include "tests/support/tl_test.h"
#include "tests/support/subproc.h"

#include <cJSON.h>
#include <ftw.h>
#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench/support/suite.h"

#define OUT_CAP (4u << 20)

/* The suites of the benchmark issue, in registry order. */
static const char *const canon[] = { "floor", "ring", "kernel", "engine", "io",
				     "rtt", "journal", "emergency", "recovery",
				     "memory", "peer" };
#define NCANON (sizeof canon / sizeof canon[0])

static char talon[PATH_MAX];
static char tmpdir[PATH_MAX];

static int rm_one(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(p);
}

static int smoke_setup(void)
{
	if (tl_test_talon_path(talon, sizeof talon) < 0) {
		fprintf(stderr, "no talon binary next to the tests\n");
		return 1;
	}
	const char *t = getenv("TMPDIR");
	snprintf(tmpdir, sizeof tmpdir, "%s/talon-bench-smoke-XXXXXX", t && *t ? t : "/tmp");
	return mkdtemp(tmpdir) ? 0 : 1;
}

static int smoke_teardown(void)
{
	if (tmpdir[0])
		nftw(tmpdir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	return 0;
}

static int suite_index(const char *name, size_t len)
{
	for (unsigned i = 0; i < tl_bench_nsuites; i++)
		if (strlen(tl_bench_suites[i].name) == len &&
		    !strncmp(tl_bench_suites[i].name, name, len))
			return (int)i;
	return -1;
}

static void test_list_equals_registry(void)
{
	char *out = malloc(OUT_CAP);
	CU_ASSERT_PTR_NOT_NULL_FATAL(out);
	CU_ASSERT_EQUAL(tl_test_runv(out, OUT_CAP, 0, talon, "bench", "--list", NULL), 0);
	/* One "name<TAB>what" line per registered suite, in order. */
	unsigned k = 0;
	for (char *save = NULL, *line = strtok_r(out, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save), k++) {
		char *tab = strchr(line, '\t');
		CU_ASSERT_PTR_NOT_NULL_FATAL(tab);
		*tab = '\0';
		CU_ASSERT_FATAL(k < tl_bench_nsuites);
		CU_ASSERT_STRING_EQUAL(line, tl_bench_suites[k].name);
		CU_ASSERT_TRUE(tab[1] != '\0');
	}
	CU_ASSERT_EQUAL(k, tl_bench_nsuites);
	free(out);

	/* Registered suites are canonical names in the canonical order, and
	 * every canonical suite whose file exists is registered (recovery
	 * lives in bench/journal.c). */
	size_t c = 0;
	for (unsigned i = 0; i < tl_bench_nsuites; i++) {
		while (c < NCANON && strcmp(canon[c], tl_bench_suites[i].name))
			c++;
		CU_ASSERT_TRUE(c < NCANON);
		CU_ASSERT_PTR_NOT_NULL(tl_bench_suites[i].run);
	}
	for (size_t j = 0; j < NCANON; j++) {
		char path[64];
		snprintf(path, sizeof path, "bench/%s.c", canon[j]);
		if (access(path, R_OK) == 0 || !strcmp(canon[j], "recovery")) {
			if (suite_index(canon[j], strlen(canon[j])) < 0) {
				fprintf(stderr, "%s exists but suite %s is not registered\n",
					path, canon[j]);
				CU_FAIL("suite file without a registry entry");
			}
		}
	}
}

static void test_usage_errors(void)
{
	char out[4096];
	CU_ASSERT_EQUAL(tl_test_runv(out, sizeof out, 1, talon, "bench", "--suite",
				     "kernel,nosuch", NULL), 2);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "unknown suite 'nosuch'"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "valid suites:"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "kernel"));
	CU_ASSERT_EQUAL(tl_test_runv(out, sizeof out, 1, talon, "bench", "--rate", "0", NULL), 2);
	CU_ASSERT_EQUAL(tl_test_runv(out, sizeof out, 1, talon, "bench", "--duration",
				     "soon", NULL), 2);
	CU_ASSERT_EQUAL(tl_test_runv(out, sizeof out, 1, talon, "bench", "--cpus", "0", NULL), 2);
	CU_ASSERT_EQUAL(tl_test_runv(out, sizeof out, 1, talon, "bench", "--bogus", NULL), 2);
	CU_ASSERT_EQUAL(tl_test_runv(out, sizeof out, 1, talon, "bench", "--out", NULL), 2);
	CU_ASSERT_EQUAL(tl_test_runv(out, sizeof out, 1, talon, "bench", "--help", NULL), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "--suite"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "bench-results"));
	CU_ASSERT_EQUAL(tl_test_runv(out, sizeof out, 1, talon, "bench", "report", NULL), 2);
	char missing[PATH_MAX + 16];
	snprintf(missing, sizeof missing, "%s/none", tmpdir);
	CU_ASSERT_EQUAL(tl_test_runv(out, sizeof out, 1, talon, "bench", "report",
				     missing, NULL), 1);
}

static bool num(const cJSON *o, const char *k, double *v)
{
	const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, k);
	if (!cJSON_IsNumber(x) || !isfinite(x->valuedouble))
		return false;
	*v = x->valuedouble;
	return true;
}

static bool str(const cJSON *o, const char *k, bool nonempty)
{
	const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsString(x) && x->valuestring && (!nonempty || x->valuestring[0]);
}

/* One result line; returns the suite index of its name, or -1 after
 * printing what is wrong. */
static int check_line(const char *line, const char *where)
{
	cJSON *o = cJSON_Parse(line);
	int suite = -1;
	const char *why = NULL;
	double n, v, rate, threads;
	if (!cJSON_IsObject(o)) {
		why = "not a JSON object";
		goto out;
	}
	if (!str(o, "bench", true) || !str(o, "unit", true) || !str(o, "cpu", true) ||
	    !str(o, "from", true) || !str(o, "to", true) || !str(o, "machine", true) ||
	    !str(o, "mode", true)) {
		why = "missing bench/unit/cpu/from/to/machine/mode";
		goto out;
	}
	const char *mode = cJSON_GetObjectItemCaseSensitive(o, "mode")->valuestring;
	if (!num(o, "rate", &rate) || rate < 0 || !num(o, "threads", &threads) || threads < 1) {
		why = "rate or threads missing or out of range";
		goto out;
	}
	if (strcmp(mode, "open") && strcmp(mode, "closed") && strcmp(mode, "batch")) {
		why = "mode not open|closed|batch";
		goto out;
	}
	if (!strcmp(mode, "open") && !(rate > 0)) {
		why = "open-loop line without an offered rate";
		goto out;
	}
	if (num(o, "n", &n)) {
		static const char *const ks[] = { "p50", "p90", "p99", "p999", "p9999", "max" };
		double prev = 0, mean;
		if (!(n > 0) || cJSON_GetObjectItemCaseSensitive(o, "value")) {
			why = "histogram line with n <= 0 or a value too";
			goto out;
		}
		for (size_t i = 0; i < sizeof ks / sizeof ks[0]; i++) {
			if (!num(o, ks[i], &v) || v < prev) {
				why = "percentiles missing or not p50<=p90<=p99<=p999<=p9999<=max";
				goto out;
			}
			prev = v;
		}
		if (!num(o, "mean", &mean) || mean < 0 || mean > prev) {
			why = "mean missing or above max";
			goto out;
		}
		if (strcmp(cJSON_GetObjectItemCaseSensitive(o, "unit")->valuestring, "ns")) {
			why = "histogram line not in ns";
			goto out;
		}
	} else if (!num(o, "value", &v)) {
		why = "neither a histogram (n, p50..max) nor a finite value";
		goto out;
	}
	const char *b = cJSON_GetObjectItemCaseSensitive(o, "bench")->valuestring;
	suite = suite_index(b, strcspn(b, "."));
	if (suite < 0)
		why = "name not prefixed by a registered suite";
out:
	if (why) {
		fprintf(stderr, "%s: bad result line (%s):\n  %.400s\n", where, why, line);
		suite = -1;
	}
	cJSON_Delete(o);
	return suite;
}

/* The floor suite's lines and how each waits (bench/floor.c). */
static const struct {
	const char *bench, *idle;
} floors[] = {
	{ "floor.cacheline", "spin" },
	{ "floor.tcp", "block" },
	{ "floor.tls", "block" },
	{ "floor.tcp.spin", "spin" },
	{ "floor.tls.spin", "spin" },
};
#define NFLOORS (sizeof floors / sizeof floors[0])

/* Every floor line once, with its "idle"; no other floor.* line. */
static void check_floors(const char *out)
{
	unsigned seen[NFLOORS] = { 0 }, other = 0;
	char *copy = strdup(out);
	CU_ASSERT_PTR_NOT_NULL_FATAL(copy);
	for (char *save = NULL, *l = strtok_r(copy, "\n", &save); l;
	     l = strtok_r(NULL, "\n", &save)) {
		cJSON *o = cJSON_Parse(l);
		const cJSON *b = cJSON_GetObjectItemCaseSensitive(o, "bench");
		const cJSON *idle = cJSON_GetObjectItemCaseSensitive(o, "idle");
		if (cJSON_IsString(b) && !strncmp(b->valuestring, "floor.", 6)) {
			size_t i = 0;
			while (i < NFLOORS && strcmp(floors[i].bench, b->valuestring))
				i++;
			if (i == NFLOORS) {
				fprintf(stderr, "unexpected floor line %s\n", b->valuestring);
				other++;
			} else {
				seen[i]++;
				if (!cJSON_IsString(idle) ||
				    strcmp(idle->valuestring, floors[i].idle)) {
					fprintf(stderr, "%s: \"idle\" is not \"%s\"\n",
						floors[i].bench, floors[i].idle);
					CU_FAIL("floor line with a wrong or no \"idle\"");
				}
			}
		}
		cJSON_Delete(o);
	}
	free(copy);
	CU_ASSERT_EQUAL(other, 0);
	for (size_t i = 0; i < NFLOORS; i++) {
		if (seen[i] != 1)
			fprintf(stderr, "%s: %u lines, want 1\n", floors[i].bench, seen[i]);
		CU_ASSERT_EQUAL(seen[i], 1);
	}
}

/* p50 of the line named `bench` in out, 0 when there is none. */
static uint64_t line_p50(const char *out, const char *bench)
{
	uint64_t v = 0;
	char *copy = strdup(out);
	CU_ASSERT_PTR_NOT_NULL_FATAL(copy);
	for (char *save = NULL, *l = strtok_r(copy, "\n", &save); l && !v;
	     l = strtok_r(NULL, "\n", &save)) {
		cJSON *o = cJSON_Parse(l);
		const cJSON *b = cJSON_GetObjectItemCaseSensitive(o, "bench");
		const cJSON *p = cJSON_GetObjectItemCaseSensitive(o, "p50");
		if (cJSON_IsString(b) && !strcmp(b->valuestring, bench) && cJSON_IsNumber(p))
			v = (uint64_t)p->valuedouble;
		cJSON_Delete(o);
	}
	free(copy);
	return v;
}

/* ring.hop_park is there, and a hop that wakes its consumer costs more
 * than one the consumer spins for (a wake-up is a system call and a
 * scheduling decision; a spinning hop is a few cache lines). */
static void check_ring_park(const char *out)
{
	uint64_t park = line_p50(out, "ring.hop_park"), spin = line_p50(out, "ring.hop_rtt2");
	CU_ASSERT(spin > 0);
	CU_ASSERT(park > spin);
}

/* The lines that run the engine in a mode, and how (bench/rtt.c,
 * bench/peer.c, bench/emergency.c); floor: the spin floor an rtt line
 * names. */
static const struct {
	const char *bench, *threading, *idle, *floor;
} modes[] = {
	{ "rtt.order.tcp", "dedicated", "park", "floor.tcp.spin" },
	{ "rtt.fill.tcp", "dedicated", "park", "floor.tcp.spin" },
	{ "rtt.order.tls", "dedicated", "park", "floor.tls.spin" },
	{ "rtt.fill.tls", "dedicated", "park", "floor.tls.spin" },
	{ "rtt.order.tcp.shared", "shared", "spin", "floor.tcp.spin" },
	{ "rtt.fill.tcp.shared", "shared", "spin", "floor.tcp.spin" },
	{ "rtt.order.tls.shared", "shared", "spin", "floor.tls.spin" },
	{ "rtt.fill.tls.shared", "shared", "spin", "floor.tls.spin" },
	{ "rtt.order.ws.shared", "shared", "spin", "floor.tls.spin" },
	{ "rtt.fill.ws.shared", "shared", "spin", "floor.tls.spin" },
	{ "peer.talon.order", "shared", "spin", NULL },
	{ "peer.talon_ws.order", "shared", "spin", NULL },
	{ "peer.talon_dedicated.order", "dedicated", "park", NULL },
	{ "emergency.sim.100.flag_to_first_order", "dedicated", "sleep", NULL },
	{ "emergency.sim.100.flag_to_first_order.shared", "shared", "spin", NULL },
	{ "emergency.sim.100.all_orders_out.shared", "shared", "spin", NULL },
};
#define NMODES (sizeof modes / sizeof modes[0])

static const char *jstr(const cJSON *o, const char *k)
{
	const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsString(x) ? x->valuestring : "";
}

/* |got - a / b| within the rounding of a printed ratio (tol). */
static bool ratio_ok(const cJSON *o, const char *k, double a, double b, double tol)
{
	double got;
	return num(o, k, &got) && b > 0 && fabs(got - a / b) <= tol;
}

static void check_modes(const char *out)
{
	unsigned seen[NMODES] = { 0 }, npeer = 0, nws = 0;
	double t50 = -1, t99 = -1, w50 = -1, w99 = -1;
	for (int pass = 0; pass < 2; pass++) {
		char *copy = strdup(out);
		CU_ASSERT_PTR_NOT_NULL_FATAL(copy);
		for (char *save = NULL, *l = strtok_r(copy, "\n", &save); l;
		     l = strtok_r(NULL, "\n", &save)) {
			cJSON *o = cJSON_Parse(l);
			const char *b = jstr(o, "bench"), *why = NULL;
			double p50 = 0, p99 = 0, v;
			num(o, "p50", &p50);
			num(o, "p99", &p99);
			if (pass == 0) {
				if (!strcmp(b, "peer.talon.order")) {
					t50 = p50;
					t99 = p99;
				} else if (!strcmp(b, "peer.talon_ws.order")) {
					w50 = p50;
					w99 = p99;
				}
				cJSON_Delete(o);
				continue;
			}
			size_t i = 0;
			while (i < NMODES && strcmp(modes[i].bench, b))
				i++;
			if (i < NMODES) {
				seen[i]++;
				bool ws = strstr(b, ".ws.") || strstr(b, "_ws.");
				if (strcmp(jstr(o, "threading"), modes[i].threading) ||
				    strcmp(jstr(o, "idle"), modes[i].idle))
					why = "\"threading\" / \"idle\" not as run";
				else if ((!strncmp(b, "rtt.", 4) || !strncmp(b, "peer.", 5)) &&
					 strcmp(jstr(o, "orders"), ws ? "ws" : "rest"))
					why = "\"orders\" not as run";
				else if (modes[i].floor &&
					 (strcmp(jstr(o, "floor"), modes[i].floor) ||
					  !num(o, "floor_p50", &v) || !num(o, "floor_p99", &v) ||
					  !cJSON_IsString(cJSON_GetObjectItemCaseSensitive(o, "floor_block")) ||
					  !num(o, "ratio_block_p50", &v) || !num(o, "ratio_block_p99", &v) ||
					  !num(o, "achieved_rate", &v) || !num(o, "backpressure", &v)))
					why = "rtt fields missing or not the spin floor";
				else if (modes[i].floor) {
					double f50 = 0, f99 = 0;
					num(o, "floor_p50", &f50);
					num(o, "floor_p99", &f99);
					if (!ratio_ok(o, "ratio_p50", p50, f50, 0.006) ||
					    !ratio_ok(o, "ratio_p99", p99, f99, 0.006))
						why = "ratio_p50 / ratio_p99 are not case / floor";
				}
			} else if (!strncmp(b, "peer.", 5) && strncmp(b, "peer.talon", 10)) {
				/* a WebSocket API peer is held against talon's WS line */
				bool ws = strstr(b, "_ws.") != NULL;
				const char *tb = ws ? "peer.talon_ws.order" : "peer.talon.order";
				double r50 = ws ? w50 : t50, r99 = ws ? w99 : t99;
				double a50, a99;
				npeer++;
				nws += ws;
				if (strcmp(jstr(o, "talon"), tb) ||
				    !num(o, "talon_p50", &a50) || !num(o, "talon_p99", &a99) ||
				    a50 != r50 || a99 != r99)
					why = "talon / talon_p50 / talon_p99 not its talon line's";
				else if (strcmp(jstr(o, "orders"), ws ? "ws" : "rest"))
					why = "\"orders\" not the peer's transport";
				else if (!ratio_ok(o, "ratio_p50", p50, r50, 0.0006) ||
					 !ratio_ok(o, "ratio_p99", p99, r99, 0.0006))
					why = "ratio_p50 / ratio_p99 are not peer / its talon line";
			}
			if (why) {
				fprintf(stderr, "%s: %s\n  %.600s\n", b, why, l);
				CU_FAIL("engine-mode line");
			}
			cJSON_Delete(o);
		}
		free(copy);
	}
	for (size_t i = 0; i < NMODES; i++) {
		if (!seen[i])
			fprintf(stderr, "no %s line\n", modes[i].bench);
		CU_ASSERT_TRUE(seen[i] >= 1);
	}
	CU_ASSERT_EQUAL(npeer, 4);	/* binance_connector, ccxt, and their _ws */
	CU_ASSERT_EQUAL(nws, 2);
}

static void dump_file(const char *path)
{
	char *s = tl_test_read_file(path, NULL);
	if (s) {
		fprintf(stderr, "---- %s\n%s----\n", path, s);
		free(s);
	}
}

static void test_smoke_all_suites(void)
{
	char dir[PATH_MAX + 8], log[PATH_MAX + 16], results[PATH_MAX + 32];
	char cmd[3 * PATH_MAX + 128];
	snprintf(dir, sizeof dir, "%s/out", tmpdir);
	snprintf(log, sizeof log, "%s/stderr.log", tmpdir);
	snprintf(results, sizeof results, "%s/results.jsonl", dir);
	/* Through sh only to keep the run's stderr for a failure report. */
	snprintf(cmd, sizeof cmd, "exec '%s' bench --suite all --smoke --duration 1 "
		 "--rate 100 --out '%s' 2>'%s'", talon, dir, log);
	char *out = malloc(OUT_CAP);
	CU_ASSERT_PTR_NOT_NULL_FATAL(out);
	int rc = tl_test_runv(out, OUT_CAP, 0, "/bin/sh", "-c", cmd, NULL);
	CU_ASSERT_EQUAL(rc, 0);
	if (rc != 0)
		dump_file(log);

	/* stdout: result lines only. */
	unsigned per[64] = { 0 }, nout = 0, bad = 0;
	CU_ASSERT_FATAL(tl_bench_nsuites <= 64);
	char *copy = strdup(out);
	CU_ASSERT_PTR_NOT_NULL_FATAL(copy);
	for (char *save = NULL, *l = strtok_r(copy, "\n", &save); l;
	     l = strtok_r(NULL, "\n", &save)) {
		int s = check_line(l, "stdout");
		if (s < 0)
			bad++;
		else
			per[s]++;
		nout++;
	}
	free(copy);
	CU_ASSERT_EQUAL(bad, 0);
	check_floors(out);
	check_ring_park(out);
	check_modes(out);
	for (unsigned i = 0; i < tl_bench_nsuites; i++) {
		if (!per[i])
			fprintf(stderr, "suite %s emitted no line\n", tl_bench_suites[i].name);
		CU_ASSERT_TRUE(per[i] >= 1);
	}

	/* results.jsonl: metadata (a "command", no "bench"), then the same
	 * result lines as stdout, in the same order. */
	char *file = tl_test_read_file(results, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(file);
	size_t olen = strlen(out);
	char *res = malloc(strlen(file) + 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(res);
	res[0] = '\0';
	unsigned nmeta = 0, nfile = 0;
	for (char *save = NULL, *l = strtok_r(file, "\n", &save); l;
	     l = strtok_r(NULL, "\n", &save)) {
		cJSON *o = cJSON_Parse(l);
		CU_ASSERT_TRUE(cJSON_IsObject(o));
		if (o && !cJSON_GetObjectItemCaseSensitive(o, "bench")) {
			CU_ASSERT_TRUE(str(o, "command", true));
			nmeta++;
		} else {
			CU_ASSERT_TRUE(check_line(l, "results.jsonl") >= 0);
			strcat(res, l);
			strcat(res, "\n");
			nfile++;
		}
		cJSON_Delete(o);
	}
	CU_ASSERT_EQUAL(nmeta, 1);
	CU_ASSERT_EQUAL(nfile, nout);
	CU_ASSERT_TRUE(nout > 0);
	CU_ASSERT_TRUE(strlen(res) == olen && !memcmp(res, out, olen));
	free(res);
	free(file);
	free(out);
}

TL_TEST_SUITE("bench.smoke", smoke_setup, smoke_teardown,
	      TL_TEST(test_list_equals_registry),
	      TL_TEST(test_usage_errors),
	      TL_TEST(test_smoke_all_suites));
