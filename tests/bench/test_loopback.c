/*
 * test_loopback.c - bench/support/loopback.c: the TCP and TLS ping-pong
 * floors and the path/core helpers the floor, rtt and peer suites share.
 *
 * Covered: a TCP and a TLS ping-pong record exactly max_n round trips,
 * each at least as long as the clock can tell apart and none zero, both
 * blocking and busy-polling (spin); odd sizes (1-byte request, 16 KiB
 * response) go through whole, spin too (a 16 KiB TLS answer arrives in
 * several records, so WANT_READ comes back mid-message); both spinning
 * ends on one core still finish (they yield); tl_loopback_floor measures
 * each of the four floors and names them as the floor suite does; a size over
 * TL_LOOPBACK_MAX_LEN and a TLS directory without certificates fail with
 * a message and record nothing (never made-up samples); the calling
 * thread's CPU affinity is the same after a run as before; --cpus wins
 * over the default cores; repo paths resolve from the working directory
 * and a missing one is -1.
 */
#define _GNU_SOURCE
#include "tests/support/tl_test.h"

#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench/support/loopback.h"

static tl_hist_t *hist_new(void)
{
	tl_hist_t *h = malloc(sizeof *h);
	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	tl_hist_init(h);
	return h;
}

static void run_ok_on(bool tls, bool spin, int ca, int cb, size_t req,
		      size_t resp, uint64_t n)
{
	tl_loopback_opts_t o = { .cpu_client = ca, .cpu_server = cb, .tls = tls,
				 .spin = spin,
				 .tls_dir = "build/tls", .req_len = req,
				 .resp_len = resp, .duration_s = 30, .max_n = n };
	tl_hist_t *h = hist_new();
	char err[256] = "";

	int rc = tl_loopback_pingpong(&o, h, err, sizeof err);
	if (rc)
		fprintf(stderr, "pingpong: %s\n", err);
	CU_ASSERT_EQUAL(rc, 0);
	CU_ASSERT_EQUAL(tl_hist_count(h), n);
	CU_ASSERT(tl_hist_min(h) > 0);
	CU_ASSERT(tl_hist_check(h));
	free(h);
}

static void run_ok(bool tls, size_t req, size_t resp, uint64_t n)
{
	run_ok_on(tls, false, -1, -1, req, resp, n);
}

/* Spinning ends on cores 0 and 1 where this process may use both (as the
 * floor suite runs them), else unpinned. */
static void run_spin(bool tls, size_t req, size_t resp, uint64_t n)
{
	int a, b;

	tl_loopback_cpus(NULL, &a, &b);
	run_ok_on(tls, true, a, b, req, resp, n);
}

static bool have_tls(void)
{
	return access("build/tls/server.pem", R_OK) == 0;
}

static void test_tcp_records_every_round_trip(void)
{
	run_ok(false, 0, 0, 300);
}

static void test_spin_records_every_round_trip(void)
{
	run_spin(false, 0, 0, 300);
	run_spin(false, 1, TL_LOOPBACK_MAX_LEN, 50);
	if (have_tls()) {	/* else test_tls_records_every_round_trip skipped */
		run_spin(true, 0, 0, 200);
		run_spin(true, TL_LOOPBACK_MAX_LEN, TL_LOOPBACK_MAX_LEN, 50);
	}
}

/* Both ends on core 0: without the yield each empty poll would hold the
 * core for a time slice; with it the run ends like a blocking one. */
static void test_spin_on_one_core_finishes(void)
{
	cpu_set_t before, after;

	CU_ASSERT_EQUAL_FATAL(pthread_getaffinity_np(pthread_self(), sizeof before, &before), 0);
	if (!CPU_ISSET(0, &before)) {
		fprintf(stderr, "core 0 not in this process's affinity mask: not run\n");
		return;
	}
	run_ok_on(false, true, 0, 0, 0, 0, 200);
	if (have_tls())
		run_ok_on(true, true, 0, 0, 0, 0, 100);
	CU_ASSERT_EQUAL_FATAL(pthread_getaffinity_np(pthread_self(), sizeof after, &after), 0);
	CU_ASSERT(CPU_EQUAL(&before, &after));
}

/* The helper the rtt suite calls: every floor, named as the floor suite
 * names its lines. */
static void test_floor_helper(void)
{
	tl_bench_ctx_t ctx = { .cpus = { -1, -1 } };
	char err[256];

	CU_ASSERT_STRING_EQUAL(tl_loopback_floor_name(false, false), "floor.tcp");
	CU_ASSERT_STRING_EQUAL(tl_loopback_floor_name(true, false), "floor.tls");
	CU_ASSERT_STRING_EQUAL(tl_loopback_floor_name(false, true), "floor.tcp.spin");
	CU_ASSERT_STRING_EQUAL(tl_loopback_floor_name(true, true), "floor.tls.spin");
	for (int tls = 0; tls <= 1; tls++) {
		if (tls && !have_tls())
			continue;
		for (int spin = 0; spin <= 1; spin++) {
			tl_hist_t *h = hist_new();
			int rc = tl_loopback_floor(&ctx, 0.05, tls, spin, h, err, sizeof err);
			if (rc)
				fprintf(stderr, "%s: %s\n", tl_loopback_floor_name(tls, spin), err);
			CU_ASSERT_EQUAL(rc, 0);
			CU_ASSERT(tl_hist_count(h) > 0);
			free(h);
		}
	}
	tl_hist_t *h = hist_new();
	CU_ASSERT_EQUAL(tl_loopback_floor_tcp(&ctx, 0.05, h, err, sizeof err), 0);
	CU_ASSERT(tl_hist_count(h) > 0);
	free(h);
}

static void test_tls_records_every_round_trip(void)
{
	if (access("build/tls/server.pem", R_OK) != 0)
		tl_test_skip("build/tls not made (run make)");
	run_ok(true, 0, 0, 200);
}

static void test_odd_sizes_go_through_whole(void)
{
	run_ok(false, 1, TL_LOOPBACK_MAX_LEN, 50);
	if (access("build/tls/server.pem", R_OK) == 0)
		run_ok(true, TL_LOOPBACK_MAX_LEN, 1, 50);
}

static void test_bad_size_fails_without_samples(void)
{
	tl_loopback_opts_t o = { .cpu_client = -1, .cpu_server = -1,
				 .req_len = TL_LOOPBACK_MAX_LEN + 1,
				 .duration_s = 1, .max_n = 10 };
	tl_hist_t *h = hist_new();
	char err[256] = "";

	CU_ASSERT_EQUAL(tl_loopback_pingpong(&o, h, err, sizeof err), -1);
	CU_ASSERT(strlen(err) > 0);
	CU_ASSERT_EQUAL(tl_hist_count(h), 0);
	free(h);
}

static void test_missing_certificates_fail_without_samples(void)
{
	tl_loopback_opts_t o = { .cpu_client = -1, .cpu_server = -1, .tls = true,
				 .tls_dir = "/nonexistent-talon-tls",
				 .duration_s = 1, .max_n = 10 };
	tl_hist_t *h = hist_new();
	char err[256] = "";

	CU_ASSERT_EQUAL(tl_loopback_pingpong(&o, h, err, sizeof err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "nonexistent-talon-tls"));
	CU_ASSERT_EQUAL(tl_hist_count(h), 0);
	free(h);
}

/* A pinned run leaves the caller's affinity as it found it. */
static void test_affinity_restored(void)
{
	cpu_set_t before, after;
	tl_loopback_opts_t o = { .cpu_client = 0, .cpu_server = 0,
				 .duration_s = 5, .max_n = 20 };
	tl_hist_t *h = hist_new();
	char err[256];

	CU_ASSERT_EQUAL_FATAL(pthread_getaffinity_np(pthread_self(), sizeof before, &before), 0);
	CU_ASSERT_EQUAL(tl_loopback_pingpong(&o, h, err, sizeof err), 0);
	CU_ASSERT_EQUAL_FATAL(pthread_getaffinity_np(pthread_self(), sizeof after, &after), 0);
	CU_ASSERT(CPU_EQUAL(&before, &after));
	free(h);
}

static void test_cpus_and_paths(void)
{
	tl_bench_ctx_t ctx = { .cpus = { 3, 5 } };
	int a, b;
	char p[512];

	tl_loopback_cpus(&ctx, &a, &b);
	CU_ASSERT_EQUAL(a, 3);
	CU_ASSERT_EQUAL(b, 5);
	ctx.cpus[0] = ctx.cpus[1] = -1;
	tl_loopback_cpus(&ctx, &a, &b);
	CU_ASSERT((a == 0 && b == 1) || (a == -1 && b == -1));

	CU_ASSERT_EQUAL(tl_loopback_repo_path(&ctx, "config/venue.json", p, sizeof p), 0);
	CU_ASSERT_STRING_EQUAL(p, "config/venue.json");
	CU_ASSERT_EQUAL(tl_loopback_repo_path(&ctx, "config/no-such-file.json", p, sizeof p), -1);
	ctx.talon = "/nonexistent/build/talon";
	CU_ASSERT_EQUAL(tl_loopback_repo_path(&ctx, "config/no-such-file.json", p, sizeof p), -1);
}

TL_TEST_SUITE("bench.loopback", NULL, NULL,
	      TL_TEST(test_tcp_records_every_round_trip),
	      TL_TEST(test_tls_records_every_round_trip),
	      TL_TEST(test_spin_records_every_round_trip),
	      TL_TEST(test_spin_on_one_core_finishes),
	      TL_TEST(test_floor_helper),
	      TL_TEST(test_odd_sizes_go_through_whole),
	      TL_TEST(test_bad_size_fails_without_samples),
	      TL_TEST(test_missing_certificates_fail_without_samples),
	      TL_TEST(test_affinity_restored),
	      TL_TEST(test_cpus_and_paths));
