/*
 * peer.c - the `peer` suite: talon beside the clients a user would
 * otherwise pick, the same MARKET orders against the same simulator in
 * the same run, all closed loop over plain TCP (bench/support/rig.h).
 *
 *   peer.talon.order              talon with engine.threading "shared",
 *                                 idle "spin", as an invoker (TL_RIG_SHARED:
 *                                 the strategy's own thread, pinned to the
 *                                 engine core, runs the engine): submit ->
 *                                 the first of ORDER_ACCEPTED (REST
 *                                 response) and ORDER_FILLED (user stream)
 *                                 in the strategy's on_event (TL_RIG_ANSWER);
 *   peer.talon_dedicated.order    the same with talon as shipped for a
 *                                 small box (TL_RIG_DEDICATED: ENGINE and
 *                                 IO threads idle "park", the strategy a
 *                                 polling thread parked in tl_engine_wait);
 *   peer.binance_connector.order  Binance's official npm connector
 *                                 (@binance/derivatives-trading-usds-futures,
 *                                 bench/peer/binance_connector.mjs):
 *                                 newOrder call -> parsed response;
 *   peer.ccxt.order               ccxt's binanceusdm (npm ccxt,
 *                                 bench/peer/ccxt.mjs): createOrder call
 *                                 -> parsed unified order.
 *   peer.talon_ws.order           peer.talon.order with its orders over
 *                                 the WebSocket API (order_transport
 *                                 "ws", the simulator's /ws-fapi/v1);
 *   peer.binance_connector_ws.order  the official connector's WebSocket
 *                                 API client (websocketAPI newOrder,
 *                                 bench/peer/binance_connector_ws.mjs);
 *   peer.ccxt_ws.order            ccxt.pro's createOrderWs (order.place
 *                                 over ws-fapi, bench/peer/ccxt_ws.mjs).
 *
 * Each peer line is timed in node with process.hrtime.bigint() after the
 * same warm-up, and carries "talon" (peer.talon.order for the REST
 * peers, peer.talon_ws.order for the WebSocket API ones), talon_p50 /
 * talon_p99 and ratio_p50 / ratio_p99 = peer / that talon line (above
 * 1: talon is faster). talon's lines carry "threading", "idle" and
 * "orders" ("rest" | "ws").
 *
 * Order of events: simulator + engine (shared) up, talon's shared run,
 * the engine replaced by a dedicated one against the same simulator
 * (tl_rig_restart), talon's dedicated run, then a shared one with
 * orders over the WebSocket API, the engine stopped (its
 * threads off the cores), then each peer in turn against the same
 * simulator, pinned to the engine-side core (the simulator keeps its
 * own). node is required; each package is installed like the
 * conformance test does (npm into build/npm) when it is missing. A peer
 * that cannot be installed or fails fails the suite with a message, but
 * only its own line is missing: the other lines are still emitted.
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

#define PEER_DEFAULT_S 3.0
#define PEER_SMOKE_S 0.3

/* One peer: an npm client driven by a node script of bench/peer/ that
 * takes REST_URL KEY SECRET MODULE_DIR SECONDS WARMUP and prints one
 * latency in ns per line. */
typedef struct peer_client {
	const char *bench;  /* the line: peer.<name>.order */
	const char *pkg;    /* name@version, installed into build/npm */
	const char *mod;    /* its package.json, relative to the repo root */
	const char *script; /* relative to the repo root */
	const char *from;   /* the line's "from" */
	const char *to;     /* the line's "to" */
	bool ws;            /* WebSocket API client: gets WS_API_URL, compared
			     * with peer.talon_ws.order */
} peer_client_t;

static const peer_client_t peer_clients[] = {
	{ "peer.binance_connector.order", "@binance/derivatives-trading-usds-futures@38.1.1",
	  "build/npm/node_modules/@binance/derivatives-trading-usds-futures/package.json",
	  "bench/peer/binance_connector.mjs", "newOrder call (MARKET, node)",
	  "parsed response in node", false },
	{ "peer.ccxt.order", "ccxt@4.5.84", "build/npm/node_modules/ccxt/package.json",
	  "bench/peer/ccxt.mjs", "createOrder call (binanceusdm, market, node)",
	  "parsed unified order in node", false },
	{ "peer.binance_connector_ws.order", "@binance/derivatives-trading-usds-futures@38.1.1",
	  "build/npm/node_modules/@binance/derivatives-trading-usds-futures/package.json",
	  "bench/peer/binance_connector_ws.mjs",
	  "websocketAPI newOrder call (MARKET, order.place, node)", "parsed response in node",
	  true },
	{ "peer.ccxt_ws.order", "ccxt@4.5.84", "build/npm/node_modules/ccxt/package.json",
	  "bench/peer/ccxt_ws.mjs", "createOrderWs call (binanceusdm, market, node)",
	  "parsed unified order in node", true },
};
#define PEER_N (sizeof peer_clients / sizeof peer_clients[0])

/* The repository root (where the peer scripts are) into root. */
static int peer_root(const tl_bench_ctx_t *ctx, char *root, size_t cap)
{
	const char *s = peer_clients[0].script;
	char p[2200];

	if (tl_loopback_repo_path(ctx, s, p, sizeof p) < 0)
		return -1;
	p[strlen(p) - strlen(s)] = '\0';
	if ((size_t)snprintf(root, cap, "%s", p[0] ? p : "./") >= cap)
		return -1;
	return 0;
}

/* pc's package under ROOT/build/npm, installed there with npm when
 * missing (as tests/conformance/test_official_client.c does). 0, or -1
 * after a message naming the line that cannot run. */
static int peer_ready(const char *root, const peer_client_t *pc)
{
	char mod[2400], cmd[4800];

	snprintf(mod, sizeof mod, "%s%s", root, pc->mod);
	if (access(mod, R_OK) == 0)
		return 0;
	if (system("command -v npm >/dev/null 2>&1") != 0) {
		fprintf(stderr, "peer: %s missing and npm is not installed; %s not run\n",
			mod, pc->bench);
		return -1;
	}
	fprintf(stderr, "peer: installing %s into %sbuild/npm\n", pc->pkg, root);
	snprintf(cmd, sizeof cmd,
		 "mkdir -p '%sbuild/npm' && cd '%sbuild/npm' && "
		 "npm install --no-audit --no-fund --silent '%s' >&2", root, root, pc->pkg);
	if (system(cmd) != 0 || access(mod, R_OK) != 0) {
		fprintf(stderr, "peer: npm install %s failed (registry unreachable?); "
			"%s not run\n", pc->pkg, pc->bench);
		return -1;
	}
	return 0;
}

/* Run pc's node script against the rig's simulator; its samples into h. */
static int peer_node(const tl_bench_ctx_t *ctx, const char *root, const peer_client_t *pc,
		     tl_rig_t *r, int cpu, double secs, tl_hist_t *h)
{
	char cmd[6000], line[64];
	cpu_set_t saved, set;
	bool have_saved;
	int warm = ctx->smoke ? 10 : 50;

	snprintf(cmd, sizeof cmd,
		 "node '%s%s' http://127.0.0.1:%d '%s' '%s' '%sbuild/npm' %.3f %d "
		 "ws://127.0.0.1:%d/ws-fapi/v1",
		 root, pc->script, tl_rig_port(r, false), tl_rig_api_key(r),
		 tl_rig_api_secret(r), root, secs, warm, tl_rig_port(r, true));
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
		fprintf(stderr, "peer: %s failed (status %d); %s not emitted\n", pc->script,
			st == -1 ? -1 : WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st),
			pc->bench);
		return -1;
	}
	if (bad || !tl_hist_count(h)) {
		fprintf(stderr, "peer: %s: %llu malformed lines, %llu samples; %s not emitted\n",
			pc->script, (unsigned long long)bad,
			(unsigned long long)tl_hist_count(h), pc->bench);
		return -1;
	}
	return 0;
}

/* pc's line, with talon's percentiles and the peer / talon ratios. */
static void peer_emit(const peer_client_t *pc, const tl_hist_t *hp, const tl_hist_t *ht,
		      const char *cpu)
{
	char extra[400];
	uint64_t t50 = tl_hist_percentile(ht, 50.0), t99 = tl_hist_percentile(ht, 99.0);
	uint64_t p50 = tl_hist_percentile(hp, 50.0), p99 = tl_hist_percentile(hp, 99.0);

	snprintf(extra, sizeof extra,
		 "\"transport\":\"tcp\",\"orders\":\"%s\",\"client\":\"%s\","
		 "\"talon\":\"%s\",\"talon_p50\":%llu,\"talon_p99\":%llu,"
		 "\"ratio_p50\":%.3f,\"ratio_p99\":%.3f", pc->ws ? "ws" : "rest", pc->pkg,
		 pc->ws ? "peer.talon_ws.order" : "peer.talon.order",
		 (unsigned long long)t50, (unsigned long long)t99,
		 t50 ? (double)p50 / (double)t50 : 0.0,
		 t99 ? (double)p99 / (double)t99 : 0.0);
	tl_bench_emit(&(tl_bench_line_t){
		.bench = pc->bench, .unit = "ns", .h = hp,
		.mode = TL_BENCH_CLOSED, .threads = 2, .cpu = cpu,
		.from = pc->from, .to = pc->to, .extra = extra });
}

/* talon's closed-loop ANSWER run in the rig's current mode, its line. */
static int peer_talon(tl_rig_t *r, const char *bench, double secs, tl_hist_t *h)
{
	char extra[200];
	tl_rig_stats_t st;

	tl_hist_init(h);
	if (tl_rig_closed(r, TL_RIG_ANSWER, secs, h, &st) < 0) {
		fprintf(stderr, "%s failed\n", bench);
		return -1;
	}
	snprintf(extra, sizeof extra,
		 "\"transport\":\"tcp\",\"client\":\"talon\",\"threading\":\"%s\","
		 "\"idle\":\"%s\",\"orders\":\"%s\"", tl_rig_threading(r), tl_rig_idle(r),
		 tl_rig_orders(r));
	tl_bench_emit(&(tl_bench_line_t){
		.bench = bench, .unit = "ns", .h = h,
		.mode = TL_BENCH_CLOSED, .threads = tl_rig_threads(r), .cpu = tl_rig_cpu(r),
		.from = "strategy submit (MARKET)",
		.to = "first of ORDER_ACCEPTED / ORDER_FILLED in the strategy",
		.extra = extra });
	return 0;
}

int tl_bench_suite_peer(const tl_bench_ctx_t *ctx)
{
	static tl_hist_t ht, hd, hw, hp;
	char root[2200];
	bool ready[PEER_N];
	double secs = ctx->duration_s > 0 ? ctx->duration_s
		      : ctx->smoke ? PEER_SMOKE_S : PEER_DEFAULT_S;
	int a, b, nready = 0, rc = -1;

	if (peer_root(ctx, root, sizeof root) < 0) {
		fprintf(stderr, "peer: %s not found\n", peer_clients[0].script);
		return -1;
	}
	if (system("command -v node >/dev/null 2>&1") != 0) {
		fprintf(stderr, "peer: node is not installed (apt-get install nodejs npm); "
			"the peer.*.order lines need it\n");
		return -1;
	}
	for (size_t i = 0; i < PEER_N; i++) {
		ready[i] = peer_ready(root, &peer_clients[i]) == 0;
		nready += ready[i];
	}
	if (!nready)
		return -1;
	tl_loopback_cpus(ctx, &a, &b);
	tl_rig_t *r = tl_rig_start(ctx, false, TL_RIG_SHARED);
	if (!r)
		return -1;
	if (peer_talon(r, "peer.talon.order", secs, &ht) < 0 ||
	    tl_rig_restart(r, TL_RIG_DEDICATED) < 0 ||
	    peer_talon(r, "peer.talon_dedicated.order", secs, &hd) < 0)
		goto out;
	tl_rig_set_ws(r, true);
	if (tl_rig_restart(r, TL_RIG_SHARED) < 0 ||
	    peer_talon(r, "peer.talon_ws.order", secs, &hw) < 0)
		goto out;
	tl_rig_engine_stop(r);
	/* Every ready peer runs even when an earlier one failed. */
	rc = nready == (int)PEER_N ? 0 : -1;
	for (size_t i = 0; i < PEER_N; i++) {
		if (!ready[i])
			continue;
		tl_hist_init(&hp);
		if (peer_node(ctx, root, &peer_clients[i], r, a, secs, &hp) < 0) {
			rc = -1;
			continue;
		}
		peer_emit(&peer_clients[i], &hp, peer_clients[i].ws ? &hw : &ht, tl_rig_cpu(r));
	}
out:
	tl_rig_stop(r);
	return rc;
}
