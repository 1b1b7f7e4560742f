/*
 * suites.c - the registry of `talon bench` suites, in the order
 * `talon bench --suite all` runs them: floors first (so the cases they
 * bound are read against a floor of the same run), then the core from
 * the inside out (ring, kernel, engine, io), the end-to-end round trips,
 * persistence, the emergency path, recovery, memory, and the peers last.
 *
 * A suite is registered here once its bench/<name>.c defines
 * tl_bench_suite_<name> (see bench/support/suite.h for the contract).
 */
#include "bench/support/suite.h"

const tl_bench_suite_t tl_bench_suites[] = {
	{ "floor", "hardware and network floors: cache-line ping-pong, bare "
	  "TCP and TLS ping-pong over loopback, blocking and busy-polling "
	  "(.spin)", tl_bench_suite_floor },
	{ "ring", "one hop through a ck ring, beside the cache-line floor",
	  tl_bench_suite_ring },
	{ "kernel", "ns per tl_kernel_apply: submit, ack, fill, cancel, mixed",
	  tl_bench_suite_kernel },
	{ "engine", "strategy submit -> request at the venue through the "
	  "running engine (journal off/async/strict); simulator server cost",
	  tl_bench_suite_engine },
	{ "io", "encode + sign an order request, parse a venue response",
	  tl_bench_suite_io },
	{ "rtt", "strategy submit -> ack / fill event against talon venue, "
	  "TCP and TLS, open loop at 100/1k/10k orders/s, engine dedicated + park "
	  "and shared + spin, ratio to floor.tcp.spin / floor.tls.spin",
	  tl_bench_suite_rtt },
	{ "journal", "records/s the PERSIST thread commits into SQLite",
	  tl_bench_suite_journal },
	{ "emergency", "kill switch -> first close order out, all orders out, "
	  "all flat (paper venue and talon venue; shared engine too)",
	  tl_bench_suite_emergency },
	{ "recovery", "journal open + replay into a fresh kernel, 10k/100k/1M "
	  "orders", tl_bench_suite_recovery },
	{ "memory", "peak RSS after 1k, 1M and 10M orders: it must not grow",
	  tl_bench_suite_memory },
	{ "peer", "talon (shared + spin, and dedicated + park) beside Binance's "
	  "official npm connector and ccxt: the same MARKET orders against the "
	  "same simulator", tl_bench_suite_peer },
};

const unsigned tl_bench_nsuites = sizeof(tl_bench_suites) / sizeof(tl_bench_suites[0]);
