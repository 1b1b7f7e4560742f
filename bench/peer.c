/*
 * peer.c - the `peer` suite: talon beside the client a user would
 * otherwise pick, the same MARKET orders against the same simulator in
 * the same run, both closed loop over plain TCP (bench/support/rig.h).
 *
 *   peer.talon.order              talon: strategy submit -> the first of
 *                                 ORDER_ACCEPTED (REST response) and
 *                                 ORDER_FILLED (user stream) in the
 *                                 strategy (TL_RIG_ANSWER);
 *   peer.binance_connector.order  Binance's official npm connector
 *                                 (@binance/derivatives-trading-usds-futures,
 *                                 bench/peer/binance_connector.mjs):
 *                                 newOrder call -> parsed response, in
 *                                 node, process.hrtime.bigint(); extra
 *                                 fields talon_p50/talon_p99 and
 *                                 ratio_p50/ratio_p99 = talon / peer.
 *
 * Order of events: simulator + engine up, talon's run, the engine
 * stopped (its threads off the cores), then node against the same
 * simulator, pinned to the engine-side core (the simulator keeps its
 * own). node and the package are required: the package is installed like
 * the conformance test does (npm into build/npm) when it is missing; if
 * node, npm or the install is missing the suite fails and says so.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench/support/benchutil.h"
#include "bench/support/loopback.h"
#include "bench/support/rig.h"
#include "bench/support/suite.h"

#define PEER_PKG "@binance/derivatives-trading-usds-futures@38.1.1"
#define PEER_MOD "build/npm/node_modules/@binance/derivatives-trading-usds-futures"
#define PEER_SCRIPT "bench/peer/binance_connector.mjs"
#define PEER_DEFAULT_S 3.0
#define PEER_SMOKE_S 0.3

/* The repository root (where PEER_SCRIPT is) into root. */
static int peer_root(const tl_bench_ctx_t *ctx, char *root, size_t cap)
{
	char p[2200];

	if (tl_loopback_repo_path(ctx, PEER_SCRIPT, p, sizeof p) < 0)
		return -1;
	p[strlen(p) - strlen(PEER_SCRIPT)] = '\0';
	if ((size_t)snprintf(root, cap, "%s", p[0] ? p : "./") >= cap)
		return -1;
	return 0;
}

/* node on PATH, and the package under ROOT/build/npm (installed there
 * with npm when missing, as tests/conformance/test_official_client.c
 * does). 0 or -1 after a message. */
static int peer_ready(const char *root)
{
	char mod[2400], cmd[4800];

	if (system("command -v node >/dev/null 2>&1") != 0) {
		fprintf(stderr, "peer: node is not installed (apt-get install nodejs npm); "
			"peer.binance_connector.order needs it\n");
		return -1;
	}
	snprintf(mod, sizeof mod, "%s" PEER_MOD "/package.json", root);
	if (access(mod, R_OK) == 0)
		return 0;
	if (system("command -v npm >/dev/null 2>&1") != 0) {
		fprintf(stderr, "peer: %s missing and npm is not installed\n", mod);
		return -1;
	}
	fprintf(stderr, "peer: installing " PEER_PKG " into %sbuild/npm\n", root);
	snprintf(cmd, sizeof cmd,
		 "mkdir -p '%sbuild/npm' && cd '%sbuild/npm' && "
		 "npm install --no-audit --no-fund --silent " PEER_PKG " >&2", root, root);
	if (system(cmd) != 0 || access(mod, R_OK) != 0) {
		fprintf(stderr, "peer: npm install " PEER_PKG " failed (registry unreachable?)\n");
		return -1;
	}
	return 0;
}

/* Run the node script against the rig's simulator; its samples into h. */
static int peer_node(const tl_bench_ctx_t *ctx, const char *root, tl_rig_t *r,
		     int cpu, double secs, tl_hist_t *h)
{
	char cmd[6000], line[64];
	cpu_set_t saved, set;
	bool have_saved;
	int warm = ctx->smoke ? 10 : 50;

	snprintf(cmd, sizeof cmd,
		 "node '%s" PEER_SCRIPT "' http://127.0.0.1:%d '%s' '%s' '%sbuild/npm' %.3f %d",
		 root, tl_rig_port(r, false), tl_rig_api_key(r), tl_rig_api_secret(r),
		 root, secs, warm);
	/* The child inherits this thread's affinity: node on the engine's
	 * core, as talon's ENGINE and IO threads were. */
	have_saved = pthread_getaffinity_np(pthread_self(), sizeof saved, &saved) == 0;
	if (cpu >= 0) {
		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		pthread_setaffinity_np(pthread_self(), sizeof set, &set);
	}
	FILE *p = popen(cmd, "r");
	if (have_saved)
		pthread_setaffinity_np(pthread_self(), sizeof saved, &saved);
	if (!p) {
		fprintf(stderr, "peer: cannot run node: %s\n", strerror(errno));
		return -1;
	}
	uint64_t bad = 0;
	while (fgets(line, sizeof line, p)) {
		char *end;
		errno = 0;
		unsigned long long v = strtoull(line, &end, 10);
		if (errno || end == line || (*end != '\n' && *end != '\0'))
			bad++;
		else
			tl_hist_record(h, v);
	}
	int st = pclose(p);
	if (st == -1 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		fprintf(stderr, "peer: %s failed (status %d)\n", PEER_SCRIPT,
			st == -1 ? -1 : WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
		return -1;
	}
	if (bad || !tl_hist_count(h)) {
		fprintf(stderr, "peer: %s: %llu malformed lines, %llu samples\n", PEER_SCRIPT,
			(unsigned long long)bad, (unsigned long long)tl_hist_count(h));
		return -1;
	}
	return 0;
}

int tl_bench_suite_peer(const tl_bench_ctx_t *ctx)
{
	static tl_hist_t ht, hp;
	char root[2200], extra[256];
	tl_rig_stats_t st;
	double secs = ctx->duration_s > 0 ? ctx->duration_s
		      : ctx->smoke ? PEER_SMOKE_S : PEER_DEFAULT_S;
	int a, b, rc = -1;

	if (peer_root(ctx, root, sizeof root) < 0) {
		fprintf(stderr, "peer: " PEER_SCRIPT " not found\n");
		return -1;
	}
	if (peer_ready(root) < 0)
		return -1;
	tl_loopback_cpus(ctx, &a, &b);
	tl_rig_t *r = tl_rig_start(ctx, false);
	if (!r)
		return -1;
	tl_hist_init(&ht);
	if (tl_rig_closed(r, TL_RIG_ANSWER, secs, &ht, &st) < 0) {
		fprintf(stderr, "peer.talon.order failed\n");
		goto out;
	}
	tl_rig_engine_stop(r);
	tl_hist_init(&hp);
	if (peer_node(ctx, root, r, a, secs, &hp) < 0)
		goto out;

	uint64_t t50 = tl_hist_percentile(&ht, 50.0), t99 = tl_hist_percentile(&ht, 99.0);
	uint64_t p50 = tl_hist_percentile(&hp, 50.0), p99 = tl_hist_percentile(&hp, 99.0);
	tl_bench_emit(&(tl_bench_line_t){
		.bench = "peer.talon.order", .unit = "ns", .h = &ht,
		.mode = TL_BENCH_CLOSED, .threads = 5, .cpu = tl_rig_cpu(r),
		.from = "strategy submit (MARKET)",
		.to = "first of ORDER_ACCEPTED / ORDER_FILLED in the strategy",
		.extra = "\"transport\":\"tcp\",\"client\":\"talon\"" });
	snprintf(extra, sizeof extra,
		 "\"transport\":\"tcp\",\"client\":\"" PEER_PKG "\","
		 "\"talon\":\"peer.talon.order\",\"talon_p50\":%llu,\"talon_p99\":%llu,"
		 "\"ratio_p50\":%.3f,\"ratio_p99\":%.3f",
		 (unsigned long long)t50, (unsigned long long)t99,
		 p50 ? (double)t50 / (double)p50 : 0.0,
		 p99 ? (double)t99 / (double)p99 : 0.0);
	tl_bench_emit(&(tl_bench_line_t){
		.bench = "peer.binance_connector.order", .unit = "ns", .h = &hp,
		.mode = TL_BENCH_CLOSED, .threads = 2, .cpu = tl_rig_cpu(r),
		.from = "newOrder call (MARKET, node)",
		.to = "parsed response in node", .extra = extra });
	rc = 0;
out:
	tl_rig_stop(r);
	return rc;
}
