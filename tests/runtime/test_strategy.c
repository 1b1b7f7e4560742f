/*
 * test_strategy.c - a strategy on the engine's thread (tl_strategy_t
 * callbacks), the invoker (tl_engine_invoke: the caller's thread runs
 * the duty cycle) and the parking poll (tl_engine_wait), against a paper
 * engine: callbacks run on one thread, not the caller's; commands made
 * inside them trade; calls from another thread are refused; the invoker
 * starts no engine thread; timers and on_stop fire.
 */
#define _GNU_SOURCE
#include "tests/support/tl_test.h"
#include "tests/support/engine_fix.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "runtime/engine.h"

#define ST_ORDERS 10

typedef struct st_state {
	pthread_t thread;            /* of the first callback */
	bool thread_set, thread_same;
	int starts, stops, timers, idles;
	_Atomic int filled;          /* read by the test's thread while running */
	int submitted, rejected;
	int sent;                    /* orders submitted from callbacks */
	int submit_rc;               /* last tl_engine_submit return */
	/* look-ups from on_event at the first fill (the kernel's view) */
	int lk_order_rc, lk_open_rc, lk_pos_rc;
	tl_order_info_t lk_order;
	tl_position_info_t lk_pos;
	tl_money_t lk_fill_qty;
} st_state_t;

static st_state_t S;

static void st_seen(void)
{
	if (!S.thread_set) {
		S.thread = pthread_self();
		S.thread_set = true;
		S.thread_same = true;
	} else if (!pthread_equal(S.thread, pthread_self())) {
		S.thread_same = false;
	}
}

static void st_send(tl_engine_t *e)
{
	tl_order_spec_t o = { .symbol = "BTCUSDT", .side = S.sent % 2 ? TL_SIDE_SELL : TL_SIDE_BUY,
			      .type = TL_ORDER_MARKET, .qty = "0.010" };
	S.submit_rc = tl_engine_submit(e, &o, (uint64_t)S.sent + 1);
	if (S.submit_rc == 0)
		S.sent++;
}

static void st_on_start(tl_engine_t *e, void *ctx)
{
	(void)e;
	CU_ASSERT_PTR_EQUAL(ctx, &S);
	st_seen();
	S.starts++;
}

static void st_on_event(tl_engine_t *e, const tl_engine_event_t *ev, void *ctx)
{
	(void)ctx;
	st_seen();
	if (ev->type == TL_EVENT_ORDER_SUBMITTED)
		S.submitted++;
	if (ev->type == TL_EVENT_ORDER_REJECTED)
		S.rejected++;
	/* The first fill: the look-ups see the engine itself, the order
	 * already FILLED and its position open. */
	if (ev->type == TL_EVENT_ORDER_FILLED && S.filled == 0) {
		S.lk_order_rc = tl_engine_order(e, ev->u.order.client_id, &S.lk_order);
		S.lk_open_rc = tl_engine_open_orders(e, NULL, NULL, 0);
		S.lk_pos_rc = tl_engine_positions(e, "BTCUSDT", &S.lk_pos, 1);
		S.lk_fill_qty = ev->u.order.filled;
	}
	/* Each fill sends the next order from inside the callback. */
	if (ev->type == TL_EVENT_ORDER_FILLED && ++S.filled < ST_ORDERS)
		st_send(e);
}

/* The first timer sends the first order (the paper venue's marks are in
 * by then: it sends them on its first poll). */
static void st_on_timer(tl_engine_t *e, int64_t now, void *ctx)
{
	(void)ctx;
	CU_ASSERT_TRUE(now > 0);
	st_seen();
	if (S.timers++ == 2 && S.sent == 0)
		st_send(e);
}

static void st_on_idle(tl_engine_t *e, void *ctx)
{
	(void)e;
	(void)ctx;
	S.idles++;
}

static void st_on_stop(tl_engine_t *e, void *ctx)
{
	(void)e;
	(void)ctx;
	st_seen();
	S.stops++;
}

static const tl_strategy_t st_strategy = {
	.ctx = &S, .on_start = st_on_start, .on_event = st_on_event,
	.on_timer = st_on_timer, .timer_ns = 10LL * 1000000, .on_idle = st_on_idle,
	.on_stop = st_on_stop,
};

/* Threads of this process named comm. */
static int st_threads(const char *comm)
{
	return tl_test_threads_named(comm, NULL);
}

static tl_engine_t *st_start(bool invoker)
{
	tl_config_t c;
	tl_test_engine_config(&c);
	memset(&S, 0, sizeof(S));
	atomic_init(&S.filled, 0);
	tl_engine_xopts_t x = { .no_shm = true, .strategy = &st_strategy, .invoker = invoker };
	return tl_test_engine_start(&c, &x);
}

/* Dedicated or shared threads: the callbacks run on the engine's thread,
 * the orders they send trade, and the strategy side is theirs alone. */
static void test_callbacks_trade_on_the_engine_thread(void)
{
	tl_engine_t *e = st_start(false);
	int64_t end = tl_test_mono_ns() + 10000000000LL;
	while (atomic_load(&S.filled) < ST_ORDERS && tl_test_mono_ns() < end)
		tl_test_nap_us(1000);

	/* Another thread (this one) may not drive the strategy side. */
	tl_order_spec_t o = { .symbol = "BTCUSDT", .side = TL_SIDE_BUY,
			      .type = TL_ORDER_MARKET, .qty = "0.010" };
	CU_ASSERT_EQUAL(tl_engine_submit(e, &o, 99), -EPERM);
	CU_ASSERT_PTR_NOT_NULL(strstr(tl_engine_error(), "callbacks"));
	CU_ASSERT_EQUAL(tl_engine_cancel_all(e, NULL), -EPERM);
	tl_engine_event_t ev[4];
	CU_ASSERT_EQUAL(tl_engine_poll(e, ev, 4), -EPERM);
	CU_ASSERT_EQUAL(tl_engine_wait(e, 1000), -EPERM);
	CU_ASSERT_EQUAL(tl_engine_invoke(e), -EINVAL);	/* not an invoker engine */
	tl_order_info_t oi;
	tl_position_info_t pi;
	CU_ASSERT_EQUAL(tl_engine_order(e, "x-1", &oi), -EPERM);
	CU_ASSERT_EQUAL(tl_engine_open_orders(e, NULL, &oi, 1), -EPERM);
	CU_ASSERT_EQUAL(tl_engine_positions(e, NULL, &pi, 1), -EPERM);

	/* The rest of S is read once the engine's thread is joined. */
	tl_engine_close(e);
	CU_ASSERT_EQUAL(S.filled, ST_ORDERS);
	CU_ASSERT_EQUAL(S.submitted, ST_ORDERS);
	CU_ASSERT_EQUAL(S.rejected, 0);
	CU_ASSERT_EQUAL(S.starts, 1);
	CU_ASSERT_TRUE(S.timers >= 3);
	CU_ASSERT_EQUAL(S.stops, 1);
	CU_ASSERT_TRUE(S.thread_set && S.thread_same);	/* on_stop too */
	CU_ASSERT_FALSE(pthread_equal(S.thread, pthread_self()));
	/* the look-ups made from on_event */
	CU_ASSERT_EQUAL(S.lk_order_rc, 0);
	CU_ASSERT_EQUAL(S.lk_order.status, TL_STATUS_FILLED);
	CU_ASSERT_EQUAL(S.lk_order.filled, S.lk_fill_qty);
	CU_ASSERT_EQUAL(S.lk_order.user_ref, 1);
	CU_ASSERT_TRUE(S.lk_order.n_history >= 3);
	CU_ASSERT_EQUAL(S.lk_order.history[0].status, TL_STATUS_PENDING_NEW);
	CU_ASSERT_EQUAL(S.lk_order.history[S.lk_order.n_history - 1].status, TL_STATUS_FILLED);
	CU_ASSERT_EQUAL(S.lk_open_rc, 0);
	CU_ASSERT_EQUAL(S.lk_pos_rc, 1);
	CU_ASSERT_STRING_EQUAL(S.lk_pos.symbol, "BTCUSDT");
	CU_ASSERT_EQUAL(S.lk_pos.qty, S.lk_fill_qty);
	CU_ASSERT_EQUAL(S.lk_pos.status, TL_POSITION_OPEN);
}

/* The invoker: no engine thread at all; this thread runs every duty
 * cycle, and the callbacks with it. */
static void test_invoker_runs_the_duty_cycle_on_the_callers_thread(void)
{
	tl_engine_t *e = st_start(true);
	CU_ASSERT_EQUAL(st_threads("tl-engine"), 0);
	/* (an agent names its thread itself, once it runs) */
	int want_io = tl_test_shared() ? 0 : 1;
	int64_t named = tl_test_mono_ns() + 2000000000LL;
	while (st_threads("tl-io") != want_io && tl_test_mono_ns() < named)
		tl_test_nap_us(1000);
	CU_ASSERT_EQUAL(st_threads("tl-io"), want_io);
	CU_ASSERT_EQUAL(S.starts, 0);	/* not before the first invoke */
	int64_t end = tl_test_mono_ns() + 10000000000LL;
	while (S.filled < ST_ORDERS && tl_test_mono_ns() < end) {
		int w = tl_engine_invoke(e);
		CU_ASSERT_FATAL(w >= 0);
		tl_engine_idle(e, w);
	}
	CU_ASSERT_EQUAL(S.filled, ST_ORDERS);
	CU_ASSERT_EQUAL(S.rejected, 0);
	CU_ASSERT_EQUAL(S.starts, 1);
	CU_ASSERT_TRUE(S.idles > 0);
	CU_ASSERT_TRUE(S.thread_same);
	CU_ASSERT_TRUE(pthread_equal(S.thread, pthread_self()));
	/* The invoking thread owns the strategy side: a submit from here
	 * outside a callback is fine too. */
	tl_order_spec_t o = { .symbol = "BTCUSDT", .side = TL_SIDE_SELL,
			      .type = TL_ORDER_MARKET, .qty = "0.010" };
	CU_ASSERT_EQUAL(tl_engine_submit(e, &o, 500), 0);
	int before = S.filled;
	end = tl_test_mono_ns() + 10000000000LL;
	while (S.filled == before && tl_test_mono_ns() < end)
		tl_engine_idle(e, tl_engine_invoke(e));
	CU_ASSERT_EQUAL(S.filled, before + 1);
	tl_engine_close(e);
	CU_ASSERT_EQUAL(S.stops, 1);
}

static void *st_invoke_elsewhere(void *arg)
{
	return (void *)(intptr_t)tl_engine_invoke(arg);
}

/* One thread invokes: another's call is refused, not run concurrently. */
static void test_invoker_refuses_a_second_thread(void)
{
	tl_engine_t *e = st_start(true);
	CU_ASSERT_TRUE(tl_engine_invoke(e) >= 0);
	pthread_t t;
	void *rc;
	CU_ASSERT_EQUAL_FATAL(pthread_create(&t, NULL, st_invoke_elsewhere, e), 0);
	pthread_join(t, &rc);
	CU_ASSERT_EQUAL((int)(intptr_t)rc, -EPERM);
	tl_engine_close(e);
}

/* The polling strategy parks in tl_engine_wait and an event ends it. */
static void test_wait_parks_until_an_event(void)
{
	tl_config_t c;
	tl_test_engine_config(&c);
	tl_engine_xopts_t x = { .no_shm = true };
	tl_engine_t *e = tl_test_engine_start(&c, &x);
	tl_test_engine_wait_marks(e);
	tl_engine_event_t ev[64];
	while (tl_engine_poll(e, ev, 64) > 0)
		;
	int64_t t0 = tl_test_mono_ns();
	CU_ASSERT_EQUAL(tl_engine_wait(e, 20LL * 1000000), 0);	/* nothing comes */
	CU_ASSERT_TRUE(tl_test_mono_ns() - t0 >= 15LL * 1000000);

	tl_order_spec_t o = { .symbol = "BTCUSDT", .side = TL_SIDE_BUY,
			      .type = TL_ORDER_MARKET, .qty = "0.010" };
	CU_ASSERT_EQUAL_FATAL(tl_engine_submit(e, &o, 1), 0);
	bool filled = false;
	int64_t end = tl_test_mono_ns() + 10000000000LL;
	while (!filled && tl_test_mono_ns() < end) {
		/* A long timeout: only an event (a wake-up) ends it early. */
		if (tl_engine_wait(e, 5LL * 1000000000LL) != 1)
			continue;
		int n = tl_engine_poll(e, ev, 64);
		for (int i = 0; i < n; i++)
			filled |= ev[i].type == TL_EVENT_ORDER_FILLED;
	}
	CU_ASSERT_TRUE(filled);
	CU_ASSERT_TRUE(tl_test_mono_ns() - t0 < 4LL * 1000000000LL);
	tl_engine_close(e);
}

TL_TEST_SUITE("runtime.strategy", NULL, NULL,
	      TL_TEST(test_callbacks_trade_on_the_engine_thread),
	      TL_TEST(test_invoker_runs_the_duty_cycle_on_the_callers_thread),
	      TL_TEST(test_invoker_refuses_a_second_thread),
	      TL_TEST(test_wait_parks_until_an_event));
