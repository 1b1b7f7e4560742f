/*
 * test_rig.c - bench/support/rig.c, the end-to-end rig of the rtt and
 * peer suites (simulator in-process + engine on venue.type "binance").
 *
 * Covered: an open-loop run at 200 orders/s records exactly one sample
 * per scheduled order (ack, then cancel: every order ends) and reports a
 * positive achieved and send rate; a closed-loop MARKET run (fill through
 * the user stream) and an ANSWER run record one sample per order; over
 * TLS too; the same in every mode (dedicated + park, the default; shared
 * + spin as an invoker on this thread, which is pinned only while that
 * engine runs; the old sleep mode), switching modes on one simulator with
 * tl_rig_restart, and a stopped engine refusing runs until restarted; orders the engine refuses for back-pressure (tiny rings,
 * 50,000/s) are resubmitted and every order still gives its sample; and
 * the guard the suites rely on: with 20 % of new orders refused by the
 * venue (-2019 via /sim/faults), the run fails instead of reporting the
 * orders that did get through.
 */
#define _GNU_SOURCE
#include "tests/support/tl_test.h"

#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench/support/openloop.h"
#include "bench/support/rig.h"

#include "tests/sim/sim_client.c"

static tl_bench_ctx_t ctx = { .cpus = { -1, -1 } };

static tl_hist_t *hist_new(void)
{
	tl_hist_t *h = malloc(sizeof *h);
	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	tl_hist_init(h);
	return h;
}

static void test_open_loop_one_sample_per_order(void)
{
	tl_rig_t *r = tl_rig_start(&ctx, false, TL_RIG_DEDICATED);
	tl_hist_t *h = hist_new();
	tl_rig_stats_t st;

	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_EQUAL(tl_rig_open(r, TL_RIG_ORDER, 200, 0.25, h, &st), 0);
	CU_ASSERT_EQUAL(st.n, tl_openloop_count(200, 0.25));
	CU_ASSERT_EQUAL(tl_hist_count(h), st.n);
	CU_ASSERT(st.achieved_rate > 0);
	CU_ASSERT(st.send_rate > 0);
	CU_ASSERT(tl_hist_min(h) > 0);
	tl_hist_init(h);
	CU_ASSERT_EQUAL(tl_rig_open(r, TL_RIG_FILL, 200, 0.25, h, &st), 0);
	CU_ASSERT_EQUAL(tl_hist_count(h), st.n);
	tl_rig_stop(r);
	free(h);
}

static void test_closed_loops(void)
{
	tl_rig_t *r = tl_rig_start(&ctx, false, TL_RIG_DEDICATED);
	tl_hist_t *h = hist_new();
	tl_rig_stats_t st;

	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_EQUAL(tl_rig_closed(r, TL_RIG_FILL, 0.2, h, &st), 0);
	CU_ASSERT(st.n > 0);
	CU_ASSERT_EQUAL(tl_hist_count(h), st.n);
	tl_hist_init(h);
	CU_ASSERT_EQUAL(tl_rig_closed(r, TL_RIG_ANSWER, 0.2, h, &st), 0);
	CU_ASSERT(st.n > 0);
	CU_ASSERT_EQUAL(tl_hist_count(h), st.n);
	/* The engine stopped, the simulator still answers; runs refuse
	 * until a new engine is up. */
	tl_rig_engine_stop(r);
	CU_ASSERT_EQUAL(tl_rig_closed(r, TL_RIG_ORDER, 0.1, h, &st), -1);
	CU_ASSERT_EQUAL_FATAL(tl_rig_restart(r, TL_RIG_DEDICATED), 0);
	tl_hist_init(h);
	CU_ASSERT_EQUAL(tl_rig_closed(r, TL_RIG_ORDER, 0.1, h, &st), 0);
	CU_ASSERT(st.n > 0);
	CU_ASSERT_EQUAL(tl_hist_count(h), st.n);
	tl_rig_stop(r);
	free(h);
}

/* This thread's allowed CPUs. */
static int cpus_allowed(void)
{
	cpu_set_t set;
	CPU_ZERO(&set);
	if (pthread_getaffinity_np(pthread_self(), sizeof set, &set) != 0)
		return -1;
	return CPU_COUNT(&set);
}

/* Shared + spin: this thread runs the engine (samples in on_event), and
 * is pinned to the engine core only while that engine runs; then the
 * old sleep mode on the same simulator. */
static void test_shared_and_sleep_modes(void)
{
	int before = cpus_allowed();
	tl_rig_t *r = tl_rig_start(&ctx, false, TL_RIG_SHARED);
	tl_hist_t *h = hist_new();
	tl_rig_stats_t st;

	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_STRING_EQUAL(tl_rig_threading(r), "shared");
	CU_ASSERT_STRING_EQUAL(tl_rig_idle(r), "spin");
	CU_ASSERT_EQUAL(tl_rig_threads(r), 3);
	if (before >= 2)	/* else tl_loopback_cpus pins nothing */
		CU_ASSERT_EQUAL(cpus_allowed(), 1);
	CU_ASSERT_EQUAL(tl_rig_open(r, TL_RIG_ORDER, 200, 0.25, h, &st), 0);
	CU_ASSERT_EQUAL(st.n, tl_openloop_count(200, 0.25));
	CU_ASSERT_EQUAL(tl_hist_count(h), st.n);
	CU_ASSERT(st.achieved_rate > 0);
	tl_hist_init(h);
	CU_ASSERT_EQUAL(tl_rig_open(r, TL_RIG_FILL, 200, 0.25, h, &st), 0);
	CU_ASSERT_EQUAL(tl_hist_count(h), st.n);
	tl_hist_init(h);
	CU_ASSERT_EQUAL(tl_rig_closed(r, TL_RIG_ANSWER, 0.2, h, &st), 0);
	CU_ASSERT(st.n > 0);
	CU_ASSERT_EQUAL(tl_hist_count(h), st.n);

	CU_ASSERT_EQUAL_FATAL(tl_rig_restart(r, TL_RIG_SLEEP), 0);
	CU_ASSERT_EQUAL(cpus_allowed(), before);
	CU_ASSERT_STRING_EQUAL(tl_rig_threading(r), "dedicated");
	CU_ASSERT_STRING_EQUAL(tl_rig_idle(r), "sleep");
	CU_ASSERT_EQUAL(tl_rig_threads(r), 5);
	tl_hist_init(h);
	CU_ASSERT_EQUAL(tl_rig_open(r, TL_RIG_ORDER, 200, 0.25, h, &st), 0);
	CU_ASSERT_EQUAL(tl_hist_count(h), st.n);
	tl_rig_stop(r);
	CU_ASSERT_EQUAL(cpus_allowed(), before);
	free(h);
}

static void test_tls(void)
{
	if (access("build/tls/server.pem", R_OK) != 0)
		tl_test_skip("build/tls not made (run make)");
	tl_rig_t *r = tl_rig_start(&ctx, true, TL_RIG_DEDICATED);
	tl_hist_t *h = hist_new();
	tl_rig_stats_t st;

	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_EQUAL(tl_rig_open(r, TL_RIG_ORDER, 100, 0.2, h, &st), 0);
	CU_ASSERT_EQUAL(tl_hist_count(h), st.n);
	tl_rig_stop(r);
	free(h);
}

/* Regression guard: orders the engine refuses for back-pressure ("try
 * again": tiny rings, 50,000 orders/s) are resubmitted, not lost and not
 * a failure: every scheduled order still gives one sample. */
static void test_backpressure_is_resubmitted(void)
{
	tl_rig_t *r = tl_rig_start_rings(&ctx, false, TL_RIG_DEDICATED, 128);
	tl_hist_t *h = hist_new();
	tl_rig_stats_t st;

	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	/* Faster until the engine pushes back. A starved strategy thread
	 * (a loaded machine) may never get ahead of the engine: then there
	 * is nothing to resubmit and only the counts are checked. */
	for (uint64_t rate = 50000; rate <= 100000; rate *= 2) {
		tl_hist_init(h);
		CU_ASSERT_EQUAL_FATAL(tl_rig_open(r, TL_RIG_ORDER, rate, 0.2, h, &st), 0);
		CU_ASSERT_EQUAL(st.n, tl_openloop_count(rate, 0.2));
		CU_ASSERT_EQUAL(tl_hist_count(h), st.n);
		if (st.backpressure)
			break;
	}
	if (!st.backpressure)
		fprintf(stderr, "test_backpressure_is_resubmitted: the engine never "
			"pushed back; resubmission not exercised\n");
	tl_rig_stop(r);
	free(h);
}

/* Regression guard: orders the venue refuses fail the run. */
static void test_rejected_orders_fail_the_run(void)
{
	tl_rig_t *r = tl_rig_start(&ctx, false, TL_RIG_DEDICATED);
	tl_hist_t *h = hist_new();
	tl_rig_stats_t st;
	simc_t *cli = malloc(sizeof *cli);

	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_PTR_NOT_NULL_FATAL(cli);
	CU_ASSERT_EQUAL_FATAL(simc_connect(cli, tl_rig_port(r, false), NULL), 0);
	CU_ASSERT_EQUAL(simc_raw(cli, "POST", "/sim/faults",
				 "endpoint_error=POST%20%2Ffapi%2Fv1%2Forder%20200000%20-2019",
				 NULL, NULL), 200);
	simc_close(cli);
	CU_ASSERT_EQUAL(tl_rig_open(r, TL_RIG_FILL, 200, 0.25, h, &st), -1);
	tl_rig_stop(r);
	free(cli);
	free(h);
}

TL_TEST_SUITE("bench.rig", NULL, NULL,
	      TL_TEST(test_open_loop_one_sample_per_order),
	      TL_TEST(test_closed_loops),
	      TL_TEST(test_shared_and_sleep_modes),
	      TL_TEST(test_tls),
	      TL_TEST(test_backpressure_is_resubmitted),
	      TL_TEST(test_rejected_orders_fail_the_run));
