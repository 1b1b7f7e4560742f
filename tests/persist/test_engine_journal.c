/*
 * test_engine_journal.c - the running engine with its SQLite journal:
 * every input is on disk after a clean stop, strict mode still trades,
 * a failing disk refuses new orders (JOURNAL_DOWN) instead of crashing or
 * losing records, and trading resumes once the disk recovers.
 */
#include "tests/support/tl_test.h"
#include "tests/support/dbfix.h"
#include "tests/support/engine_fix.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "runtime/engine.h"
#include "persist/journal.h"
#include "io/paper/config.h"

static char dbpath[128];

static int64_t q(const char *sql)
{
	return tl_test_db_int(dbpath, sql);
}

static tl_engine_t *start(bool strict)
{
	snprintf(dbpath, sizeof dbpath, "/tmp/talon-ej-%d-%d.db", (int)getpid(), strict);
	unlink(dbpath);
	tl_config_t c;
	tl_test_engine_config(&c);
	snprintf(c.journal_path, sizeof(c.journal_path), "%s", dbpath);
	snprintf(c.name, sizeof(c.name), "ej%d", (int)getpid());
	c.journal_strict = strict;
	c.kernel.rate_10s = c.kernel.rate_1m = 0;
	tl_engine_xopts_t o = { .no_shm = true };
	return tl_test_engine_start(&c, &o);
}

/* Submit n market orders (alternating sides); count outcomes. */
static void trade(tl_engine_t *e, int n, int *filled, int *refused, tl_reject_t *why)
{
	*filled = *refused = 0;
	for (int i = 0; i < n; i++) {
		tl_order_spec_t o = { .symbol = "BTCUSDT", .side = i % 2 ? TL_SIDE_SELL : TL_SIDE_BUY,
				      .type = TL_ORDER_MARKET, .qty = "0.003" };
		while (tl_engine_submit(e, &o, (uint64_t)i + 1) != 0)
			tl_test_nap_us(500);
	}
	int64_t end = tl_test_mono_ns() + 15000000000LL;
	while (*filled + *refused < n && tl_test_mono_ns() < end) {
		tl_event_t ev[64];
		int k = tl_engine_poll_kernel(e, ev, 64);
		for (int j = 0; j < k; j++) {
			if (ev[j].type == TL_EV_ORDER_FILLED)
				(*filled)++;
			if (ev[j].type == TL_EV_ORDER_REJECTED && !ev[j].u.order.client_id[0]) {
				(*refused)++;
				*why = (tl_reject_t)ev[j].u.order.reject;
			}
		}
		if (!k)
			tl_test_nap_us(500);
	}
}

static void wait_marks(tl_engine_t *e)
{
	/* A market order needs a mark: the paper venue sends the first ones
	 * on its first poll. */
	tl_shm_snapshot_t s;
	int64_t end = tl_test_mono_ns() + 5000000000LL;
	while (tl_test_mono_ns() < end && (!tl_engine_snapshot(e, &s) || s.inputs < 2))
		tl_test_nap_us(500);
}

static void test_every_input_on_disk_after_stop(void)
{
	tl_engine_t *e = start(false);
	wait_marks(e);
	int filled, refused;
	tl_reject_t why = TL_REJ_NONE;
	trade(e, 200, &filled, &refused, &why);
	CU_ASSERT_EQUAL(filled, 200);
	tl_engine_stop(e);
	tl_shm_snapshot_t s;
	CU_ASSERT_TRUE(tl_engine_snapshot(e, &s));
	tl_engine_close(e);
	/* inputs 1..N, no gap, N = what the kernel applied */
	CU_ASSERT_EQUAL(q("SELECT count(*) FROM journal WHERE dir = 0"), (int64_t)s.inputs);
	CU_ASSERT_EQUAL(q("SELECT max(seq) FROM journal WHERE dir = 0"), (int64_t)s.inputs);
	CU_ASSERT_EQUAL(q("SELECT count(*) FROM journal WHERE dir = 1"), (int64_t)s.outputs);
	CU_ASSERT_EQUAL(q("SELECT count(*) FROM orders WHERE status = 'FILLED'"), 200);
	CU_ASSERT_EQUAL(q("SELECT count(*) FROM fills"), 200);
	unlink(dbpath);
}

static void test_strict_mode_trades(void)
{
	tl_engine_t *e = start(true);
	wait_marks(e);
	int filled, refused;
	tl_reject_t why = TL_REJ_NONE;
	trade(e, 100, &filled, &refused, &why);
	CU_ASSERT_EQUAL(filled, 100);
	tl_shm_snapshot_t s;
	CU_ASSERT_TRUE(tl_engine_snapshot(e, &s));
	tl_engine_close(e);
	CU_ASSERT_EQUAL(q("SELECT count(*) FROM fills"), 100);
	unlink(dbpath);
}

static void test_failing_disk_refuses_orders_loses_nothing(void)
{
	tl_engine_t *e = start(false);
	wait_marks(e);
	int filled, refused;
	tl_reject_t why = TL_REJ_NONE;
	trade(e, 20, &filled, &refused, &why);
	CU_ASSERT_EQUAL(filled, 20);
	tl_journal_t *j = tl_engine_journal(e);
	CU_ASSERT_PTR_NOT_NULL_FATAL(j);
	/* The disk fills up: the next writes fail with SQLITE_FULL. */
	int pages = (int)q("PRAGMA page_count");
	CU_ASSERT(pages > 0);
	CU_ASSERT(tl_journal_test_set_max_pages(j, pages) >= pages);
	/* Orders keep the journal busy until a write fails. */
	int64_t end = tl_test_mono_ns() + 10000000000LL;
	while (!atomic_load(&tl_journal_stats(j)->failed) && tl_test_mono_ns() < end)
		trade(e, 10, &filled, &refused, &why);
	CU_ASSERT_TRUE_FATAL(atomic_load(&tl_journal_stats(j)->failed));
	trade(e, 10, &filled, &refused, &why);
	CU_ASSERT_EQUAL(refused, 10);
	CU_ASSERT_EQUAL(why, TL_REJ_JOURNAL_DOWN);
	/* ctl status shows it (the snapshot is republished at snapshot_hz) */
	tl_shm_snapshot_t s;
	memset(&s, 0, sizeof(s));
	end = tl_test_mono_ns() + 5000000000LL;
	while (tl_test_mono_ns() < end && (!tl_engine_snapshot(e, &s) || !(s.journal & TL_SHM_JOURNAL_FAILED)))
		tl_test_nap_us(500);
	CU_ASSERT(s.journal & TL_SHM_JOURNAL_FAILED);
	/* The disk recovers: the held records are written, orders flow. */
	CU_ASSERT(tl_journal_test_set_max_pages(j, 1 << 30) > pages);
	end = tl_test_mono_ns() + 10000000000LL;
	while (atomic_load(&tl_journal_stats(j)->failed) && tl_test_mono_ns() < end)
		tl_test_nap_us(500);
	CU_ASSERT_FALSE(atomic_load(&tl_journal_stats(j)->failed));
	trade(e, 10, &filled, &refused, &why);
	CU_ASSERT_EQUAL(filled, 10);
	tl_engine_stop(e);
	CU_ASSERT_TRUE(tl_engine_snapshot(e, &s));
	tl_engine_close(e);
	CU_ASSERT_EQUAL(q("SELECT count(*) FROM journal WHERE dir = 0"), (int64_t)s.inputs);
	CU_ASSERT_EQUAL(q("SELECT max(seq) FROM journal WHERE dir = 0"), (int64_t)s.inputs);
	CU_ASSERT_EQUAL(q("SELECT count(*) FROM journal WHERE dir = 1"), (int64_t)s.outputs);
	CU_ASSERT_EQUAL(q("PRAGMA integrity_check") , 0);	/* "ok" reads as 0 */
	unlink(dbpath);
}

TL_TEST_SUITE("persist.engine_journal", NULL, NULL,
	      TL_TEST(test_every_input_on_disk_after_stop),
	      TL_TEST(test_strict_mode_trades),
	      TL_TEST(test_failing_disk_refuses_orders_loses_nothing));
