/*
 * test_report.c - bench/report.c (`talon bench report DIR`) and the SVG
 * writer it uses (bench/support/svg.c).
 *
 * A hand-written results.jsonl with known numbers: report.md holds the
 * exact table rows, the floor and peer ratios computed from them (peer /
 * talon), the engine modes (each "threading":"shared" line against its
 * dedicated twin, the engine column, a floor taken from the line itself
 * when the floor suite's is absent, the rate plot split by engine), the
 * floors' "idle" (block / spin), the busy-polling floors (floor.tcp.spin,
 * floor.tls.spin) beside the blocking ones in peer.svg, the
 * machine and command lines, and names every malformed line (not JSON,
 * incomplete histogram, unsafe case name, longer than 64 KiB) that was
 * skipped; the SVGs exist for the data present and only for it, start
 * with <svg, have balanced tags and contain the series names. A missing
 * file and a file without a valid line fail; more than 10 cases in a
 * suite split into a second plot. The log/pow helpers (no libm) against
 * known values; an empty plot is refused; text is escaped.
 *
 * The report code is not part of libtalon.a, so this program compiles
 * it in directly (as test_hist.c does with hist.c).
 */
#define _GNU_SOURCE
#include "tests/support/tl_test.h"

#include "bench/report.c"
#include "bench/support/svg.c"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char dir[64];

static void dir_make(void)
{
	snprintf(dir, sizeof(dir), "/tmp/tl_test_report.XXXXXX");
	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
}

static void dir_remove(void)
{
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *e;
	char p[512];
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
		unlink(p);
	}
	closedir(d);
	rmdir(dir);
}

static void put(FILE *f, const char *s)
{
	fputs(s, f);
	fputc('\n', f);
}

/* Whole file into a malloc'd string (NULL when absent). */
static char *slurp(const char *name)
{
	char p[512];
	snprintf(p, sizeof(p), "%s/%s", dir, name);
	FILE *f = fopen(p, "r");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *b = malloc((size_t)n + 1);
	if (b && fread(b, 1, (size_t)n, f) != (size_t)n) {
		free(b);
		b = NULL;
	}
	if (b)
		b[n] = '\0';
	fclose(f);
	return b;
}

static bool exists(const char *name)
{
	char p[512];
	snprintf(p, sizeof(p), "%s/%s", dir, name);
	return access(p, F_OK) == 0;
}

/* Starts with <svg, every element closed in order (a tag stack), ends
 * with </svg>, nothing but text outside tags. */
static bool svg_balanced(const char *s)
{
	char stack[64][32];
	int depth = 0;
	bool seen_root = false;
	if (strncmp(s, "<svg", 4))
		return false;
	for (const char *p = s; *p; p++) {
		if (*p != '<')
			continue;
		const char *e = strchr(p, '>');
		if (!e)
			return false;
		bool close = p[1] == '/', self = e[-1] == '/';
		const char *n = p + 1 + close;
		size_t len = strcspn(n, " \t\n/>");
		if (len == 0 || len >= 32)
			return false;
		if (memchr(p + 1, '<', (size_t)(e - p - 1)))
			return false;   /* a '<' inside a tag: unescaped text */
		if (close) {
			if (depth == 0 || strncmp(stack[depth - 1], n, len) ||
			    stack[depth - 1][len])
				return false;
			depth--;
		} else if (!self) {
			if (depth == 64 || (depth == 0 && seen_root))
				return false;
			memcpy(stack[depth], n, len);
			stack[depth++][len] = '\0';
			seen_root = true;
		}
		p = e;
	}
	return depth == 0 && seen_root;
}

#define HIST(b, extra)                                                          \
	"{\"bench\":\"" b "\",\"unit\":\"ns\",\"n\":5000,\"p50\":40000,"      \
	"\"p90\":45000,\"p99\":52000,\"p999\":70000,\"p9999\":90000,"         \
	"\"max\":120000,\"mean\":41234.5,\"threads\":3,\"cpu\":\"0,1\","      \
	"\"machine\":\"Test CPU 9000\"" extra "}"

static void write_results(void)
{
	char p[512];
	snprintf(p, sizeof(p), "%s/results.jsonl", dir);
	FILE *f = fopen(p, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	/* 1 */ put(f, "{\"command\":\"talon bench --suite all --out /tmp/x\",\"version\":\"0.9.0\","
		     "\"started\":\"2026-11-21T07:00:00Z\",\"smoke\":false,\"machine\":\"Test CPU 9000\"}");
	/* 2 */ put(f, "{\"bench\":\"floor.tcp\",\"unit\":\"ns\",\"n\":1000,\"p50\":20000,"
		     "\"p90\":22000,\"p99\":26000,\"p999\":40000,\"p9999\":50000,"
		     "\"max\":60000,\"mean\":21000.5,\"mode\":\"closed\",\"rate\":0,"
		     "\"threads\":2,\"cpu\":\"0,1\",\"machine\":\"Test CPU 9000\"}");
	/* 3 */ put(f, "this is not json");
	/* 4 */ put(f, HIST("rtt.order.tcp", ",\"mode\":\"open\",\"rate\":1000,\"floor\":\"floor.tcp\""));
	/* 5 */ put(f, "{\"bench\":\"rtt.order.tcp\",\"unit\":\"ns\",\"n\":500,\"p50\":35000,"
		     "\"p90\":39000,\"p99\":41000,\"p999\":44000,\"p9999\":44000,"
		     "\"max\":44000,\"mean\":36000,\"mode\":\"open\",\"rate\":100,"
		     "\"threads\":3,\"cpu\":\"0,1\"}");
	/* 6 */ put(f, "{\"bench\":\"kernel.submit\",\"unit\":\"ns\",\"n\":5,\"p50\":3}");
	/* 7 */ put(f, "{\"bench\":\"peer.binance_connector.order\",\"unit\":\"ns\",\"n\":5000,"
		     "\"p50\":400000,\"p90\":500000,\"p99\":1040000,\"p999\":2000000,"
		     "\"p9999\":3000000,\"max\":4000000,\"mean\":450000,\"mode\":\"open\","
		     "\"rate\":1000,\"threads\":2,\"cpu\":\"1\"}");
	/* 8 */ put(f, "{\"bench\":\"recovery.time\",\"unit\":\"ms\",\"orders\":10000,"
		     "\"value\":56.2,\"open_ms\":30.7,\"replay_ms\":25.3,\"threads\":1,\"cpu\":0}");
	/* 9 */ put(f, "{\"bench\":\"recovery.time\",\"unit\":\"ms\",\"orders\":100000,"
		     "\"value\":545.1,\"open_ms\":297.0,\"replay_ms\":248.0,\"threads\":1,\"cpu\":0}");
	/* 10 */ put(f, "{\"bench\":\"ring.hop_vs_floor\",\"unit\":\"ratio\",\"value\":2.12,"
		      "\"mode\":\"closed\",\"threads\":2,\"cpu\":\"0,1\"}");
	/* 11 */ put(f, "{\"bench\":\"bad|name<script>\",\"value\":1}");
	/* 12: longer than 64 KiB */
	fputs("{\"bench\":\"long.line\",\"value\":1,\"pad\":\"", f);
	for (int i = 0; i < 70000; i++)
		fputc('x', f);
	fputs("\"}\n", f);
	/* 13 */ put(f, "{\"bench\":\"memory.rss_after_1k\",\"unit\":\"bytes\",\"value\":12345678,"
		      "\"mode\":\"batch\",\"rate\":0,\"threads\":1,\"cpu\":\"none\"}");
	/* 14 */ put(f, "{\"bench\":\"kernel.submit\",\"unit\":\"ns\",\"n\":200000,\"p50\":231,"
		      "\"p90\":321,\"p99\":451,\"p999\":583,\"p9999\":900,\"max\":49954,"
		      "\"mean\":250.5,\"threads\":1,\"cpu\":1}");
	/* 15 */ put(f, "[1,2,3]");
	/* 16 */ put(f, "");
	/* 17-19: the busy-polling floors and the cache line, each saying how
	 * it waits ("idle"); line 2's floor.tcp predates the member. */
	/* 17 */ put(f, "{\"bench\":\"floor.tcp.spin\",\"unit\":\"ns\",\"n\":2000,\"p50\":6000,"
		      "\"p90\":7000,\"p99\":9000,\"p999\":12000,\"p9999\":20000,"
		      "\"max\":30000,\"mean\":6500.5,\"mode\":\"closed\",\"rate\":0,"
		      "\"threads\":2,\"cpu\":\"0,1\",\"idle\":\"spin\"}");
	/* 18 */ put(f, "{\"bench\":\"floor.tls.spin\",\"unit\":\"ns\",\"n\":1500,\"p50\":9000,"
		      "\"p90\":10000,\"p99\":14000,\"p999\":18000,\"p9999\":25000,"
		      "\"max\":40000,\"mean\":9500,\"mode\":\"closed\",\"rate\":0,"
		      "\"threads\":2,\"cpu\":\"0,1\",\"idle\":\"spin\"}");
	/* 19 */ put(f, "{\"bench\":\"floor.cacheline\",\"unit\":\"ns\",\"n\":9000,\"p50\":130,"
		      "\"p90\":140,\"p99\":150,\"p999\":280,\"p9999\":900,"
		      "\"max\":7000,\"mean\":135,\"mode\":\"closed\",\"rate\":0,"
		      "\"threads\":2,\"cpu\":\"0,1\",\"idle\":\"spin\"}");
	CU_ASSERT_EQUAL(fclose(f), 0);
}

static void test_report_rows_and_ratios(void)
{
	dir_make();
	write_results();
	CU_ASSERT_EQUAL_FATAL(tl_bench_report(dir), 0);
	char *md = slurp("report.md");
	CU_ASSERT_PTR_NOT_NULL_FATAL(md);
	/* Exact rows. */
	CU_ASSERT_PTR_NOT_NULL(strstr(md,
		"| `rtt.order.tcp` | open | 1000/s | 5000 | 40000 | 45000 | 52000 | 70000 "
		"| 90000 | 120000 | 41234.5 | ns | 0,1 / 3 |\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(md,
		"| `rtt.order.tcp` | open | 100/s | 500 | 35000 | 39000 | 41000 | 44000 "
		"| 44000 | 44000 | 36000.0 | ns | 0,1 / 3 |\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(md,
		"| `kernel.submit` | - | - | 200000 | 231 | 321 | 451 | 583 | 900 | 49954 "
		"| 250.5 | ns | 1 / 1 |\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(md,
		"| **`floor.tcp`** (floor) | closed | - | 1000 | 20000 | 22000 | 26000 |"));
	CU_ASSERT_PTR_NOT_NULL(strstr(md,
		"| **`floor.tcp.spin`** (floor) | closed | - | 2000 | 6000 | 7000 | 9000 |"));
	/* The floors table says how each floor waits ("-": not recorded). */
	CU_ASSERT_PTR_NOT_NULL(strstr(md, "| floor | idle | mode | n | p50 | p99 | max | unit |\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(md,
		"| **`floor.tcp`** | - | closed | 1000 | **20000** | **26000** | 60000 | ns |\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(md,
		"| **`floor.tcp.spin`** | spin | closed | 2000 | **6000** | **9000** | 30000 | ns |\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(md,
		"| **`floor.tls.spin`** | spin | closed | 1500 | **9000** | **14000** | 40000 | ns |\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(md,
		"| **`floor.cacheline`** | spin | closed | 9000 | **130** | **150** | 7000 | ns |\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(md,
		"| `recovery.time` | - | - | 56.2 | ms | 0 / 1 | orders 10000 |"));
	CU_ASSERT_PTR_NOT_NULL(strstr(md,
		"| `memory.rss_after_1k` | batch | - | 12345678 | bytes | none / 1 | - |"));
	/* Ratios: the floor one, the ratio line, the peer. */
	CU_ASSERT_PTR_NOT_NULL(strstr(md,
		"| `rtt.order.tcp @1000/s` | - | `floor.tcp` | 40000 | 52000 | **2.00x** | **2.00x** |"));
	CU_ASSERT_PTR_NOT_NULL(strstr(md, "| `ring.hop_vs_floor` | closed | - | **2.12** | ratio |"));
	CU_ASSERT_PTR_NOT_NULL(strstr(md,
		"| `peer.binance_connector.order @1000/s` | `rtt.order.tcp @1000/s` | 400000 "
		"| 40000 | **10.000** | 1040000 | 52000 | **20.000** |"));
	/* No shared-engine line in this file. */
	CU_ASSERT_PTR_NOT_NULL(strstr(md, "No `\"threading\":\"shared\"` lines in this run."));
	CU_ASSERT_PTR_NOT_NULL(strstr(md, "RTT vs offered rate, shared engine: skipped"));
	CU_ASSERT_FALSE(exists("rtt-rate-shared.svg"));
	/* Sections, metadata, skipped lines. */
	CU_ASSERT_PTR_NOT_NULL(strstr(md, "## Suite `rtt`"));
	CU_ASSERT_PTR_NOT_NULL(strstr(md, "## Suite `recovery`"));
	CU_ASSERT_PTR_NOT_NULL(strstr(md, "Machine: Test CPU 9000\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(md, "Command: `talon bench --suite all --out /tmp/x`"));
	CU_ASSERT_PTR_NOT_NULL(strstr(md, "talon 0.9.0, started 2026-11-21T07:00:00Z."));
	CU_ASSERT_PTR_NULL(strstr(md, "Smoke run"));
	CU_ASSERT_PTR_NOT_NULL(strstr(md, "12 result lines; 5 lines skipped as malformed "
				      "(line 3, 6, 11, 12, 15)"));
	CU_ASSERT_PTR_NULL(strstr(md, "long.line"));
	CU_ASSERT_PTR_NULL(strstr(md, "script"));
	/* Plots linked, the one without data noted. */
	CU_ASSERT_PTR_NOT_NULL(strstr(md, "](latency-rtt.svg)"));
	CU_ASSERT_PTR_NOT_NULL(strstr(md, "](peer.svg)"));
	CU_ASSERT_PTR_NOT_NULL(strstr(md, "](rtt-rate.svg)"));
	CU_ASSERT_PTR_NOT_NULL(strstr(md, "](recovery.svg)"));
	CU_ASSERT_PTR_NOT_NULL(strstr(md, "suite `memory`: skipped"));
	CU_ASSERT_FALSE(exists("latency-memory.svg"));
	CU_ASSERT_FALSE(exists("latency-recovery.svg"));
	free(md);

	static const struct { const char *file, *names[3]; } want[] = {
		{ "latency-rtt.svg", { "rtt.order.tcp @1000/s", "rtt.order.tcp @100/s", NULL } },
		{ "latency-kernel.svg", { "kernel.submit", NULL, NULL } },
		{ "latency-floor.svg", { "floor.tcp", "floor.tcp.spin", "floor.tls.spin" } },
		{ "latency-peer.svg", { "peer.binance_connector.order @1000/s", NULL, NULL } },
		{ "peer.svg", { "peer.binance_connector.order", "rtt.order.tcp @100/s", "floor.tcp" } },
		{ "peer.svg", { "floor.tcp.spin", "floor.tls.spin", NULL } },
		{ "rtt-rate.svg", { "rtt.order.tcp p50", "rtt.order.tcp p99", "k/s" } },
		{ "recovery.svg", { "recovery.time (total)", "open (quick_check)", "replay" } },
	};
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		char *s = slurp(want[i].file);
		CU_ASSERT_PTR_NOT_NULL(s);
		if (!s) {
			printf("missing %s\n", want[i].file);
			continue;
		}
		CU_ASSERT_TRUE(svg_balanced(s));
		CU_ASSERT_PTR_NOT_NULL(strstr(s, "<polyline"));
		for (int k = 0; k < 3 && want[i].names[k]; k++) {
			CU_ASSERT_PTR_NOT_NULL(strstr(s, want[i].names[k]));
			if (!strstr(s, want[i].names[k]))
				printf("%s lacks %s\n", want[i].file, want[i].names[k]);
		}
		free(s);
	}
	/* peer.svg: the network floors only, not the cache line. */
	char *peer = slurp("peer.svg");
	CU_ASSERT_PTR_NOT_NULL(peer);
	if (peer)
		CU_ASSERT_PTR_NULL(strstr(peer, "floor.cacheline"));
	free(peer);
	dir_remove();
}

static void test_report_missing_or_empty_fails(void)
{
	dir_make();
	CU_ASSERT_EQUAL(tl_bench_report(dir), -1);      /* no results.jsonl */
	CU_ASSERT_FALSE(exists("report.md"));
	char p[512];
	snprintf(p, sizeof(p), "%s/results.jsonl", dir);
	FILE *f = fopen(p, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	put(f, "garbage");
	put(f, "{\"bench\":\"x.y\"}");
	put(f, "{\"command\":\"talon bench\"}");
	fclose(f);
	CU_ASSERT_EQUAL(tl_bench_report(dir), -1);      /* no valid line */
	CU_ASSERT_FALSE(exists("report.md"));
	dir_remove();
}

/* Only value lines: every plot skipped with a note, no SVG written. */
static void test_report_absent_plots_noted(void)
{
	dir_make();
	char p[512];
	snprintf(p, sizeof(p), "%s/results.jsonl", dir);
	FILE *f = fopen(p, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	put(f, "{\"bench\":\"journal.throughput\",\"unit\":\"records/s\",\"value\":174917}");
	fclose(f);
	CU_ASSERT_EQUAL_FATAL(tl_bench_report(dir), 0);
	char *md = slurp("report.md");
	CU_ASSERT_PTR_NOT_NULL_FATAL(md);
	CU_ASSERT_PTR_NOT_NULL(strstr(md, "talon vs peer: skipped, no peer.*.order lines"));
	CU_ASSERT_PTR_NOT_NULL(strstr(md, "RTT vs offered rate: skipped"));
	CU_ASSERT_PTR_NOT_NULL(strstr(md, "Recovery time vs journal size: skipped"));
	CU_ASSERT_PTR_NOT_NULL(strstr(md, "| `journal.throughput` | - | - | 174917 | records/s |"));
	CU_ASSERT_PTR_NOT_NULL(strstr(md, "Command: not recorded"));
	free(md);
	CU_ASSERT_FALSE(exists("peer.svg"));
	CU_ASSERT_FALSE(exists("rtt-rate.svg"));
	CU_ASSERT_FALSE(exists("recovery.svg"));
	CU_ASSERT_FALSE(exists("latency-journal.svg"));
	dir_remove();
}

/* A peer line naming its talon line ("talon") is compared with that
 * one; talon's own peer.talon.order is not listed as a peer; two peers
 * (the peer suite's connector and ccxt) each get a row and a curve. */
static void test_report_peer_named_talon(void)
{
	dir_make();
	char p[512];
	snprintf(p, sizeof(p), "%s/results.jsonl", dir);
	FILE *f = fopen(p, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	put(f, HIST("rtt.order.tcp", ",\"mode\":\"closed\",\"rate\":0"));
	put(f, "{\"bench\":\"peer.talon.order\",\"unit\":\"ns\",\"n\":100,\"p50\":300000,"
	       "\"p90\":400000,\"p99\":2000000,\"p999\":3000000,\"p9999\":3000000,"
	       "\"max\":3000000,\"mean\":350000,\"mode\":\"closed\"}");
	put(f, "{\"bench\":\"peer.binance_connector.order\",\"unit\":\"ns\",\"n\":100,"
	       "\"p50\":1200000,\"p90\":2000000,\"p99\":4000000,\"p999\":5000000,"
	       "\"p9999\":5000000,\"max\":5000000,\"mean\":1300000,\"mode\":\"closed\","
	       "\"talon\":\"peer.talon.order\"}");
	put(f, "{\"bench\":\"peer.ccxt.order\",\"unit\":\"ns\",\"n\":100,"
	       "\"p50\":600000,\"p90\":2000000,\"p99\":8000000,\"p999\":9000000,"
	       "\"p9999\":9000000,\"max\":9000000,\"mean\":900000,\"mode\":\"closed\","
	       "\"talon\":\"peer.talon.order\"}");
	fclose(f);
	CU_ASSERT_EQUAL_FATAL(tl_bench_report(dir), 0);
	char *md = slurp("report.md");
	CU_ASSERT_PTR_NOT_NULL_FATAL(md);
	CU_ASSERT_PTR_NOT_NULL(strstr(md,
		"| `peer.binance_connector.order` | `peer.talon.order` | 1200000 | 300000 "
		"| **4.000** | 4000000 | 2000000 | **2.000** |"));
	/* A second peer: its own row against the same talon line. */
	CU_ASSERT_PTR_NOT_NULL(strstr(md,
		"| `peer.ccxt.order` | `peer.talon.order` | 600000 | 300000 "
		"| **2.000** | 8000000 | 2000000 | **4.000** |"));
	CU_ASSERT_PTR_NULL(strstr(md, "| `peer.talon.order` | `"));
	free(md);
	char *svg = slurp("peer.svg");
	CU_ASSERT_PTR_NOT_NULL_FATAL(svg);
	CU_ASSERT_PTR_NOT_NULL(strstr(svg, "peer.talon.order"));
	CU_ASSERT_PTR_NOT_NULL(strstr(svg, "peer.binance_connector.order"));
	CU_ASSERT_PTR_NOT_NULL(strstr(svg, "peer.ccxt.order"));
	CU_ASSERT_PTR_NOT_NULL(strstr(svg, "rtt.order.tcp"));
	CU_ASSERT_TRUE(svg_balanced(svg));
	free(svg);
	dir_remove();
}

/* The engine modes: rtt lines carry "threading" / "idle" and name the
 * spin floor of their transport (the floor suite's line, else the floor
 * the line carries, marked "own"); each shared line is set against its
 * dedicated twin (rtt.X.shared -> rtt.X, peer.talon.order ->
 * peer.talon_dedicated.order, emergency.X.shared -> emergency.X; same
 * rate and mode), a shared line without one says so; the dedicated peer
 * line of talon is talon's side, not a peer; the rate plot splits into
 * the dedicated and the shared engine. */
static void test_report_threading(void)
{
	dir_make();
	char p[512];
	snprintf(p, sizeof(p), "%s/results.jsonl", dir);
	FILE *f = fopen(p, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
#define ENG(th, idle) ",\"threading\":\"" th "\",\"idle\":\"" idle "\""
#define OPEN(rate) ",\"mode\":\"open\",\"rate\":" rate
	put(f, "{\"bench\":\"floor.tcp.spin\",\"unit\":\"ns\",\"n\":2000,\"p50\":10000,"
	       "\"p90\":11000,\"p99\":13000,\"p999\":15000,\"p9999\":20000,"
	       "\"max\":30000,\"mean\":10500,\"mode\":\"closed\",\"idle\":\"spin\"}");
	/* HIST: p50 40000, p99 52000. */
	put(f, HIST("rtt.order.tcp", OPEN("1000") ENG("dedicated", "park")
		    ",\"floor\":\"floor.tcp.spin\",\"floor_p50\":9000,\"floor_p99\":12000"));
	put(f, "{\"bench\":\"rtt.order.tcp.shared\",\"unit\":\"ns\",\"n\":3000,\"p50\":20000,"
	       "\"p90\":22000,\"p99\":26000,\"p999\":30000,\"p9999\":40000,\"max\":50000,"
	       "\"mean\":21000,\"mode\":\"open\",\"rate\":1000" ENG("shared", "spin")
	       ",\"floor\":\"floor.tcp.spin\",\"floor_p50\":9000,\"floor_p99\":12000}");
	/* Another rate of the shared case: its twin is not in the file. */
	put(f, HIST("rtt.order.tcp.shared", OPEN("100") ENG("shared", "spin")
		    ",\"floor\":\"floor.tcp.spin\",\"floor_p50\":9000,\"floor_p99\":12000"));
	/* TLS: its spin floor is not in the file, the line's own is used. */
	put(f, HIST("rtt.fill.tls.shared", OPEN("1000") ENG("shared", "spin")
		    ",\"floor\":\"floor.tls.spin\",\"floor_p50\":20000,\"floor_p99\":26000"));
	put(f, HIST("peer.talon_dedicated.order", ",\"mode\":\"closed\"" ENG("dedicated", "park")));
	put(f, "{\"bench\":\"peer.talon.order\",\"unit\":\"ns\",\"n\":100,\"p50\":20000,"
	       "\"p90\":22000,\"p99\":104000,\"p999\":200000,\"p9999\":200000,"
	       "\"max\":200000,\"mean\":25000,\"mode\":\"closed\"" ENG("shared", "spin") "}");
	put(f, "{\"bench\":\"peer.ccxt.order\",\"unit\":\"ns\",\"n\":100,"
	       "\"p50\":600000,\"p90\":2000000,\"p99\":5200000,\"p999\":9000000,"
	       "\"p9999\":9000000,\"max\":9000000,\"mean\":900000,\"mode\":\"closed\","
	       "\"talon\":\"peer.talon.order\"}");
	put(f, HIST("emergency.sim.100.all_orders_out", ",\"mode\":\"closed\"" ENG("dedicated", "sleep")));
	/* A twin far slower (a backlog): the ratio keeps 2 digits. */
	put(f, HIST("emergency.sim.100.flag_to_first_order", ",\"mode\":\"closed\""
		    ENG("dedicated", "sleep")));
	put(f, "{\"bench\":\"emergency.sim.100.flag_to_first_order.shared\",\"unit\":\"ns\","
	       "\"n\":10,\"p50\":300,\"p90\":300,\"p99\":520,\"p999\":520,"
	       "\"p9999\":520,\"max\":520,\"mean\":310,\"mode\":\"closed\""
	       ENG("shared", "spin") "}");
	put(f, "{\"bench\":\"emergency.sim.100.all_orders_out.shared\",\"unit\":\"ns\","
	       "\"n\":10,\"p50\":10000,\"p90\":12000,\"p99\":13000,\"p999\":13000,"
	       "\"p9999\":13000,\"max\":13000,\"mean\":11000,\"mode\":\"closed\""
	       ENG("shared", "spin") "}");
#undef ENG
#undef OPEN
	fclose(f);
	CU_ASSERT_EQUAL_FATAL(tl_bench_report(dir), 0);
	char *md = slurp("report.md");
	CU_ASSERT_PTR_NOT_NULL_FATAL(md);
	/* Against the spin floor, with the engine column; "own" floor. */
	CU_ASSERT_PTR_NOT_NULL(strstr(md,
		"| `rtt.order.tcp @1000/s` | dedicated/park | `floor.tcp.spin` | 40000 | 52000 "
		"| **4.00x** | **4.00x** |"));
	CU_ASSERT_PTR_NOT_NULL(strstr(md,
		"| `rtt.order.tcp.shared @1000/s` | shared/spin | `floor.tcp.spin` | 20000 | 26000 "
		"| **2.00x** | **2.00x** |"));
	CU_ASSERT_PTR_NOT_NULL(strstr(md,
		"| `rtt.fill.tls.shared @1000/s` | shared/spin | `floor.tls.spin` (own) | 40000 "
		"| 52000 | **2.00x** | **2.00x** |"));
	/* Shared against dedicated. */
	CU_ASSERT_PTR_NOT_NULL(strstr(md, "## Engine threading: shared against dedicated"));
	CU_ASSERT_PTR_NOT_NULL(strstr(md,
		"| `rtt.order.tcp.shared @1000/s` | shared/spin | `rtt.order.tcp @1000/s` "
		"| dedicated/park | 20000 | 40000 | **0.50x** | 26000 | 52000 | **0.50x** |"));
	CU_ASSERT_PTR_NOT_NULL(strstr(md,
		"| `rtt.order.tcp.shared @100/s` | shared/spin | (no twin in this run) | - "
		"| 40000 | - | - | 52000 | - | - |"));
	CU_ASSERT_PTR_NOT_NULL(strstr(md,
		"| `peer.talon.order` | shared/spin | `peer.talon_dedicated.order` "
		"| dedicated/park | 20000 | 40000 | **0.50x** | 104000 | 52000 | **2.00x** |"));
	CU_ASSERT_PTR_NOT_NULL(strstr(md,
		"| `emergency.sim.100.all_orders_out.shared` | shared/spin "
		"| `emergency.sim.100.all_orders_out` | dedicated/sleep | 10000 | 40000 "
		"| **0.25x** | 13000 | 52000 | **0.25x** |"));
	CU_ASSERT_PTR_NOT_NULL(strstr(md,
		"| `emergency.sim.100.flag_to_first_order.shared` | shared/spin "
		"| `emergency.sim.100.flag_to_first_order` | dedicated/sleep | 300 | 40000 "
		"| **0.0075x** | 520 | 52000 | **0.01x** |"));
	/* Peers: peer / talon; talon's dedicated line is not a peer. */
	CU_ASSERT_PTR_NOT_NULL(strstr(md,
		"| `peer.ccxt.order` | `peer.talon.order` | 600000 | 20000 | **30.000** "
		"| 5200000 | 104000 | **50.000** |"));
	CU_ASSERT_PTR_NULL(strstr(md, "| `peer.talon_dedicated.order` | `"));
	CU_ASSERT_PTR_NOT_NULL(strstr(md, "](rtt-rate.svg)"));
	CU_ASSERT_PTR_NOT_NULL(strstr(md, "](rtt-rate-shared.svg)"));
	free(md);
	char *svg = slurp("rtt-rate.svg");
	CU_ASSERT_PTR_NOT_NULL_FATAL(svg);
	CU_ASSERT_PTR_NOT_NULL(strstr(svg, "rtt.order.tcp p50"));
	CU_ASSERT_PTR_NULL(strstr(svg, "shared"));
	CU_ASSERT_TRUE(svg_balanced(svg));
	free(svg);
	svg = slurp("rtt-rate-shared.svg");
	CU_ASSERT_PTR_NOT_NULL_FATAL(svg);
	CU_ASSERT_PTR_NOT_NULL(strstr(svg, "rtt.order.tcp.shared p50"));
	CU_ASSERT_PTR_NOT_NULL(strstr(svg, "rtt.fill.tls.shared p99"));
	CU_ASSERT_TRUE(svg_balanced(svg));
	free(svg);
	svg = slurp("peer.svg");
	CU_ASSERT_PTR_NOT_NULL_FATAL(svg);
	CU_ASSERT_PTR_NOT_NULL(strstr(svg, "peer.talon_dedicated.order"));
	CU_ASSERT_PTR_NOT_NULL(strstr(svg, "peer.talon.order"));
	CU_ASSERT_PTR_NOT_NULL(strstr(svg, "peer.ccxt.order"));
	free(svg);
	dir_remove();
}

/* More than 10 cases in a suite: a second plot, named -2. */
static void test_report_many_cases_split(void)
{
	dir_make();
	char p[512];
	snprintf(p, sizeof(p), "%s/results.jsonl", dir);
	FILE *f = fopen(p, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	for (int i = 0; i < 12; i++)
		fprintf(f, "{\"bench\":\"many.case%02d\",\"unit\":\"ns\",\"n\":10,\"p50\":%d,"
			"\"p90\":%d,\"p99\":%d,\"p999\":%d,\"p9999\":%d,\"max\":%d,\"mean\":%d}\n",
			i, 100 + i, 200 + i, 300 + i, 400 + i, 500 + i, 600 + i, 150 + i);
	fclose(f);
	CU_ASSERT_EQUAL_FATAL(tl_bench_report(dir), 0);
	char *a = slurp("latency-many.svg"), *b = slurp("latency-many-2.svg");
	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	CU_ASSERT_PTR_NOT_NULL(strstr(a, "many.case09"));
	CU_ASSERT_PTR_NULL(strstr(a, "many.case10"));
	CU_ASSERT_PTR_NOT_NULL(strstr(b, "many.case10"));
	CU_ASSERT_PTR_NOT_NULL(strstr(b, "many.case11"));
	CU_ASSERT_TRUE(svg_balanced(a) && svg_balanced(b));
	CU_ASSERT_FALSE(exists("latency-many-3.svg"));
	free(a);
	free(b);
	dir_remove();
}

static void test_svg_math(void)
{
	static const double v[] = { 1, 2, 10, 0.5, 123456.789, 1e-6, 3e12 };
	static const double l[] = { 0, 0.30102999566, 1, -0.30102999566,
				    5.09151497717, -6, 12.4771212547 };
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		double d = tl_svg_log10(v[i]) - l[i];
		CU_ASSERT_TRUE(d < 1e-10 && d > -1e-10);
		double r = tl_svg_pow10(l[i]) / v[i] - 1;
		CU_ASSERT_TRUE(r < 1e-9 && r > -1e-9);
	}
	CU_ASSERT_TRUE(tl_svg_nines(99) > 1.999 && tl_svg_nines(99) < 2.001);
	CU_ASSERT_TRUE(tl_svg_nines(100) == 5.0);
}

/* An empty plot is refused, not written. */
static void test_svg_empty_refused(void)
{
	tl_svg_plot_t *p = malloc(sizeof(*p));
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	tl_svg_init(p, "t", "x", "y", TL_SVG_X_LOG, TL_SVG_FMT_PLAIN, TL_SVG_FMT_NS);
	tl_svg_series_t *s = tl_svg_add(p, "a<&>\"b", false);
	tl_svg_point(s, 0, 5);          /* x 0 on a log axis */
	tl_svg_point(s, 10, -1);        /* y <= 0 */
	CU_ASSERT_EQUAL(tl_svg_drawable(p), 0);
	CU_ASSERT_EQUAL(tl_svg_write(p, "/tmp/tl_test_report_empty.svg"), -1);
	CU_ASSERT_NOT_EQUAL(access("/tmp/tl_test_report_empty.svg", F_OK), 0);
	tl_svg_point(s, 10, 100);
	CU_ASSERT_EQUAL(tl_svg_write(p, "/tmp/tl_test_report_one.svg"), 0);
	FILE *f = fopen("/tmp/tl_test_report_one.svg", "r");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	static char buf[65536];
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	unlink("/tmp/tl_test_report_one.svg");
	CU_ASSERT_TRUE(svg_balanced(buf));
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "a&lt;&amp;&gt;&quot;b"));
	free(p);
}

TL_TEST_SUITE("bench.report", NULL, NULL,
	      TL_TEST(test_report_rows_and_ratios),
	      TL_TEST(test_report_missing_or_empty_fails),
	      TL_TEST(test_report_absent_plots_noted),
	      TL_TEST(test_report_many_cases_split),
	      TL_TEST(test_report_peer_named_talon),
	      TL_TEST(test_report_threading),
	      TL_TEST(test_svg_math),
	      TL_TEST(test_svg_empty_refused));
