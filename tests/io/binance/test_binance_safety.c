/*
 * test_binance_safety.c - the Binance adapter's safety nets against the
 * simulated exchange (started in-process on ephemeral loopback ports):
 *
 *   dead-man switch: with venue.binance.countdown_cancel_ms armed, a
 *     running engine keeps a resting order alive past the countdown; an
 *     engine stopped without any clean-up has it canceled by the venue
 *     after the countdown (and not before); an IO thread that outlives
 *     a stuck engine (stale heartbeat) stops renewing, so the venue
 *     cancels too; the config refuses countdowns outside 0 / 5000..600000;
 *   batchOrders: a liquidation of 7 positions goes out as 2 batchOrders
 *     (5 + 2) and every position ends flat at the venue and in talon; a
 *     batch whose one entry the venue refuses (-2022: that position was
 *     closed behind talon's back) rejects just that order, the others
 *     fill; a batch whose connection resets after it executed leaves
 *     every member UNKNOWN, resolved without a resend (one close each);
 *   rate limits: past 80 % of the minute's weight one warning is
 *     logged, past 90 % the mark polls are held, the venue never 429s;
 *   exchangeInfo at start: a file that disagrees with the venue loses,
 *     with a warning naming the symbol and the field, and the kernel
 *     then accepts a price on the venue's tick that the file's would
 *     refuse; a configured symbol the venue does not list fails the
 *     start with an error naming it.
 */
#define _GNU_SOURCE
#define BSIM_CAP_FMT "/tmp/tl_test_bsafety.%d"
#include "tests/io/binance/test_binance_sim_common.h"

#include <stdatomic.h>

#include "io/binance/xinfo.h"

static void cfg_binance(tl_config_t *c)
{
	cfg_binance_xinfo(c, scfg.nsym);
}

static void engine_start(tl_config_t *c)
{
	engine_create_start(c);
	nev = 0;
	/* the marks of every symbol, then the user stream */
	wait_inputs((uint64_t)scfg.nsym);
	wait_stream_up();
}

static void engine_stop(void)
{
	tl_engine_stop(E);
	capture_end();
	tl_engine_close(E);
	E = NULL;
}

static const tl_shm_pos_t *snap_pos(const tl_shm_snapshot_t *s, const char *sym)
{
	for (uint32_t i = 0; i < s->n_pos && i < TL_SHM_POS_MAX; i++)
		if (!strcmp(s->pos[i].symbol, sym))
			return &s->pos[i];
	return NULL;
}

static bool wait_snap_qty(const char *sym, tl_fx_t want, int64_t max_ns)
{
	tl_shm_snapshot_t s;
	int64_t end = mono() + max_ns;
	while (mono() < end) {
		poll_events();
		if (tl_engine_snapshot(E, &s)) {
			const tl_shm_pos_t *p = snap_pos(&s, sym);
			if ((p ? p->qty : 0) == want)
				return true;
		}
		nap();
	}
	return false;
}

/* ---- the IO thread's idle ---------------------------------------------- */

/* io.idle_us at its maximum (100 ms): the IO thread's idle is a wait in
 * io_uring, which each REST answer ends at once (io_wakeups), instead of
 * a sleep that would leave the answer unread for up to 100 ms. */
static void test_io_idle_wakes_on_response(void)
{
	tl_config_t c;

	server_start_copies(2);
	write_xinfo(NULL, NULL);
	cfg_binance(&c);
	c.io.idle_us = 100000;
	engine_start(&c);
	uint64_t w0 = tl_binance_io_wakeups(tl_engine_venue(E));
	for (int i = 0; i < 5; i++) {
		nev = 0;
		CU_ASSERT_EQUAL_FATAL(tl_engine_submit(E, &limit_buy, (uint64_t)i + 1), 0);
		CU_ASSERT_TRUE_FATAL(wait_ev(TL_EV_ORDER_ACCEPTED, 10000000000LL));
	}
	CU_ASSERT(tl_binance_io_wakeups(tl_engine_venue(E)) - w0 >= 5);
	CU_ASSERT_EQUAL(open_orders("BTCUSDT"), 5);
	engine_stop();
	server_stop();
}

/* ---- dead-man switch ------------------------------------------------- */

/* Armed at 8 s (renewed every 2 s; the margins leave room for a loaded
 * 2-core box): the engine running keeps a resting LIMIT alive for 10 s;
 * stopped (threads gone, nothing disarmed, as a crash) the venue cancels
 * it after the countdown, not before. */
static void test_deadman_cancels_after_engine_stops(void)
{
	tl_config_t c;
	tl_binance_stats_t st;

	server_start_copies(2);
	write_xinfo(NULL, NULL);
	cfg_binance(&c);
	tl_binance_cfg(&c)->countdown_cancel_ms = 8000;
	engine_start(&c);
	CU_ASSERT_EQUAL_FATAL(tl_engine_submit(E, &limit_buy, 1), 0);
	if (!wait_ev(TL_EV_ORDER_ACCEPTED, 10000000000LL))
		dump_events();
	CU_ASSERT_PTR_NOT_NULL_FATAL(find_ev(TL_EV_ORDER_ACCEPTED));
	CU_ASSERT_EQUAL(open_orders("BTCUSDT"), 1);
	/* longer than the countdown: renewals keep it */
	nap_ms(10000);
	CU_ASSERT_EQUAL(open_orders("BTCUSDT"), 1);
	tl_engine_stop(E);
	int64_t t_stop = mono();
	tl_binance_stats(tl_engine_venue(E), &st);
	CU_ASSERT(st.deadman_renewals >= 2 * 4);
	if (st.deadman_renewals < 2 * 4 || st.deadman_failures || st.deadman_stale_rounds)
		printf("renewals %llu failures %llu stale rounds %llu\n",
		       (unsigned long long)st.deadman_renewals,
		       (unsigned long long)st.deadman_failures,
		       (unsigned long long)st.deadman_stale_rounds);
	CU_ASSERT_EQUAL(st.deadman_armed, 2);
	CU_ASSERT_EQUAL(st.deadman_failures, 0);
	/* the last renewal was at most 2 s before the stop: the venue
	 * cancels 6..8 s after it */
	nap_ms(3500);
	CU_ASSERT_EQUAL(open_orders("BTCUSDT"), 1);
	int n = 1;
	while (mono() - t_stop < 14000000000LL && (n = open_orders("BTCUSDT")) != 0)
		nap_ms(100);
	if (n != 0)
		printf("still %d open orders %.1f s after the stop\n", n,
		       (double)(mono() - t_stop) / 1e9);
	CU_ASSERT_EQUAL(n, 0);
	CU_ASSERT(mono() - t_stop >= 5500000000LL);
	capture_end();
	tl_engine_close(E);
	E = NULL;
	server_stop();
}

/* Drive the adapter alone for ms milliseconds, the heartbeat fresh or
 * frozen. */
static void direct_run(tl_venue_t *v, _Atomic int64_t *hb, bool fresh, int ms)
{
	int64_t end = mono() + (int64_t)ms * 1000000;
	while (mono() < end) {
		if (fresh)
			atomic_store(hb, real_ns());
		v->ops->poll(v, real_ns());
		nap();
	}
}

/* The simulator (two copies) and the adapter alone over it, ready:
 * NULL when it cannot be created or does not become ready. */
static tl_venue_t *direct_start(tl_config_t *c, tl_symbols_t *syms, _Atomic int64_t *hb)
{
	char err[256];

	server_start_copies(2);
	write_xinfo(NULL, NULL);
	cfg_binance(c);
	CU_ASSERT_EQUAL_FATAL(tl_config_symbols(c, syms, err, sizeof err), 0);
	memset(direct_inputs, 0, sizeof direct_inputs);
	tl_venue_t *v = tl_binance_create(c, syms, direct_inputs_count, NULL, err, sizeof err);
	if (!v)
		return NULL;
	atomic_init(hb, real_ns());
	direct_run(v, hb, true, 300);
	CU_ASSERT_TRUE(tl_binance_ready(v));
	return v;
}

/* A first attempt of a MARKET buy of 0.01 BTCUSDT, as the kernel sends it. */
static tl_out_req_t btc_market_buy(void)
{
	tl_out_req_t r;

	memset(&r, 0, sizeof r);
	snprintf(r.symbol, sizeof r.symbol, "BTCUSDT");
	r.side = TL_BUY;
	r.type = TL_ORD_MARKET;
	r.tif = TL_TIF_GTC;
	r.attempt = 1;
	r.qty = TL_FX_ONE / 100;
	return r;
}

/* The IO thread alive, the engine's heartbeat stale: renewals stop and
 * the venue cancels the account's open order. */
static void test_deadman_stale_heartbeat_stops_renewals(void)
{
	tl_config_t c;
	tl_symbols_t syms;
	tl_binance_stats_t st;
	_Atomic int64_t hb;
	char err[256];

	server_start_copies(2);
	write_xinfo(NULL, NULL);
	cfg_binance(&c);
	tl_binance_cfg(&c)->countdown_cancel_ms = 8000;
	CU_ASSERT_EQUAL_FATAL(tl_config_symbols(&c, &syms, err, sizeof err), 0);
	tl_venue_t *v = tl_binance_create(&c, &syms, direct_inputs_count, NULL, err, sizeof err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(v);
	atomic_init(&hb, real_ns());
	tl_binance_set_heartbeat(v, &hb);
	direct_run(v, &hb, true, 500);
	CU_ASSERT_TRUE(tl_binance_ready(v));
	CU_ASSERT_EQUAL(sim_call("POST", "/fapi/v1/order",
				 "symbol=ETHUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.100&price=2900.00",
				 true, NULL, 0), 200);
	direct_run(v, &hb, true, 2500);
	tl_binance_stats(v, &st);
	int open = open_orders("ETHUSDT");
	if (open != 1)
		printf("open %d renewals %llu failures %llu stale %llu last error %s\n", open,
		       (unsigned long long)st.deadman_renewals,
		       (unsigned long long)st.deadman_failures,
		       (unsigned long long)st.deadman_stale_rounds, tl_binance_last_error(v));
	CU_ASSERT_EQUAL(open, 1);
	CU_ASSERT_EQUAL(st.deadman_armed, 2);
	uint64_t before = st.deadman_renewals;
	/* the engine "hangs": the IO side keeps polling */
	int64_t t0 = mono();
	int n = 1;
	while (mono() - t0 < 20000000000LL && n != 0) {
		direct_run(v, &hb, false, 200);
		n = open_orders("ETHUSDT");
	}
	CU_ASSERT_EQUAL(n, 0);
	/* rounds start only while the heartbeat is younger than 4 s, the
	 * last renewal is then at most 4 s old, the venue waits 8 s more */
	CU_ASSERT(mono() - t0 >= 7500000000LL);
	tl_binance_stats(v, &st);
	CU_ASSERT(st.deadman_stale_rounds >= 1);
	/* at most 2 rounds (3 at the edge) of 2 symbols after the freeze */
	CU_ASSERT(st.deadman_renewals - before <= 3 * 2);
	v->ops->destroy(v);
	tl_symbols_free(&syms);
	server_stop();
}

/* Weight 100/min at both ends: eight account() calls (10 weight each,
 * urgent) take the minute past 80 % (one warning, logged once) and past
 * 90 %, where the mark polls (normal, 10 each) stop; the venue's count
 * never passes its limit (no 429). */
static void test_weight_warning_and_hold(void)
{
	tl_config_t c;
	tl_symbols_t syms;
	tl_binance_stats_t st;
	tl_venue_account_t acct;
	char err[256];

	server_start_copies(2);
	server_stop();
	scfg.weight_1m = 100;
	server_start_scfg();
	write_xinfo(NULL, NULL);	/* 1 weight, this minute */
	/* all of it inside one venue minute: start early in one */
	while (real_ns() / 1000000 % 60000 > 35000)
		nap_ms(200);
	cfg_binance(&c);
	tl_binance_cfg(&c)->weight_1m = 100;
	CU_ASSERT_EQUAL_FATAL(tl_config_symbols(&c, &syms, err, sizeof err), 0);
	memset(direct_inputs, 0, sizeof direct_inputs);
	tl_venue_t *v = tl_binance_create(&c, &syms, direct_inputs_count, NULL, err, sizeof err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(v);
	_Atomic int64_t hb;
	atomic_init(&hb, real_ns());
	direct_run(v, &hb, true, 300);
	CU_ASSERT_TRUE(tl_binance_ready(v));
	CU_ASSERT(direct_inputs[TL_IN_MARK] >= 2);
	capture_begin();
	for (int i = 0; i < 8; i++)
		CU_ASSERT_EQUAL(v->ops->account(v, &acct, real_ns()), 0);
	int marks = direct_inputs[TL_IN_MARK];
	direct_run(v, &hb, true, 2500);
	capture_end();
	CU_ASSERT_EQUAL(direct_inputs[TL_IN_MARK], marks);	/* held at 90 % */
	tl_binance_stats(v, &st);
	CU_ASSERT_EQUAL(st.limit_warnings, 1);
	CU_ASSERT(st.limiter_holds >= 1);
	CU_ASSERT(st.used_weight_1m >= 90 && st.used_weight_1m <= 100);
	CU_ASSERT_PTR_NOT_NULL(strstr(cap_buf, "request weight per minute at "));
	CU_ASSERT_PTR_NOT_NULL(strstr(cap_buf, "of 100 (warning at 80 %"));
	v->ops->destroy(v);
	tl_symbols_free(&syms);
	server_stop();
}

static void test_deadman_config_bounds(void)
{
	static const char *bad[] = { "1", "4999", "600001", "-5" };
	char json[512], err[256];
	tl_config_t c;

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		snprintf(json, sizeof json,
			 "{\"venue\":{\"binance\":{\"countdown_cancel_ms\":%s}}}", bad[i]);
		tl_config_defaults(&c);
		CU_ASSERT_EQUAL(tl_config_parse(&c, json, strlen(json), NULL, err, sizeof err), -1);
		CU_ASSERT_PTR_NOT_NULL(strstr(err, "countdown_cancel_ms"));
	}
	static const char *good[] = { "0", "5000", "120000", "600000" };
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		snprintf(json, sizeof json,
			 "{\"venue\":{\"type\":\"binance\",\"binance\":{\"countdown_cancel_ms\":%s,"
			 "\"symbols_from_venue\":false,\"api_key\":\"K\",\"api_secret\":\"S\"}}}",
			 good[i]);
		tl_config_defaults(&c);
		CU_ASSERT_EQUAL(tl_config_parse(&c, json, strlen(json), NULL, err, sizeof err), 0);
		CU_ASSERT_EQUAL(tl_binance_cfg(&c)->countdown_cancel_ms, (uint32_t)atoi(good[i]));
		CU_ASSERT_FALSE(tl_binance_cfg(&c)->symbols_from_venue);
	}
	tl_config_defaults(&c);
	tl_binance_cfg_select(&c);	/* the section's defaults */
	CU_ASSERT_EQUAL(tl_binance_cfg(&c)->countdown_cancel_ms, 0);
	CU_ASSERT_TRUE(tl_binance_cfg(&c)->symbols_from_venue);
}

/* ---- batchOrders ------------------------------------------------------ */

/* 7 positions, LIQUIDATE: the closes leave as 2 batchOrders (5 + 2) and
 * every position ends flat at the venue and in talon. */
static void test_liquidation_7_positions_two_batches(void)
{
	tl_config_t c;
	tl_binance_stats_t st;
	tl_fx_t amt;

	server_start_copies(7);
	write_xinfo(NULL, NULL);
	cfg_binance(&c);
	engine_start(&c);
	market("BTCUSDT", TL_BUY, "0.010", 1);
	for (int i = 1; i < 7; i++)
		market(scfg.sym[i].name, (i & 1) ? TL_SELL : TL_BUY, "0.100", (uint64_t)i + 1);
	CU_ASSERT_TRUE_FATAL(wait_snap_qty("BTCUSDT", TL_FX_ONE / 100, 10000000000LL));
	for (int i = 1; i < 7; i++)
		CU_ASSERT_TRUE_FATAL(wait_snap_qty(scfg.sym[i].name,
						   (i & 1) ? -TL_FX_ONE / 10 : TL_FX_ONE / 10,
						   10000000000LL));
	nev = 0;
	CU_ASSERT_EQUAL_FATAL(tl_engine_control(E, TL_CONTROL_LIQUIDATE, "test: 7 positions"), 0);
	if (!wait_ev(TL_EV_EMERGENCY_COMPLETED, 15000000000LL))
		dump_events();
	CU_ASSERT_PTR_NOT_NULL(find_ev(TL_EV_EMERGENCY_COMPLETED));
	CU_ASSERT_EQUAL(count_ev(TL_EV_ORDER_REJECTED), 0);
	CU_ASSERT_EQUAL(count_ev(TL_EV_ORDER_FAILED), 0);
	for (int i = 0; i < 7; i++) {
		CU_ASSERT_EQUAL(venue_amt(scfg.sym[i].name, &amt), 0);
		CU_ASSERT_EQUAL(amt, 0);
		CU_ASSERT_TRUE(wait_snap_qty(scfg.sym[i].name, 0, 5000000000LL));
	}
	tl_engine_stop(E);
	tl_binance_stats(tl_engine_venue(E), &st);
	if (st.batches != 2 || st.batch_orders != 7)
		printf("batches %llu orders %llu\n", (unsigned long long)st.batches,
		       (unsigned long long)st.batch_orders);
	CU_ASSERT_EQUAL(st.batches, 2);
	CU_ASSERT_EQUAL(st.batch_orders, 7);
	capture_end();
	tl_engine_close(E);
	E = NULL;
	server_stop();
}

/* The adapter alone: three emergency closes flagged `more` are held
 * (for 200 ms here, far past the old 300 us timer, so the wait is the
 * flag's); the fourth, unflagged, completes the burst and
 * all four leave as one batchOrders. A lone unflagged close leaves at
 * once, on its own. */
static void test_batch_waits_for_its_whole_burst(void)
{
	tl_config_t c;
	tl_symbols_t syms;
	tl_binance_stats_t st;
	_Atomic int64_t hb;
	static char body[1 << 16];

	tl_venue_t *v = direct_start(&c, &syms, &hb);
	CU_ASSERT_PTR_NOT_NULL_FATAL(v);

	tl_out_req_t r = btc_market_buy();
	r.urgent = 1;
	for (int i = 0; i < 4; i++) {
		snprintf(r.client_id, sizeof r.client_id, "tlburst%d", i);
		r.more = i < 3;
		CU_ASSERT_EQUAL(v->ops->submit(v, &r, real_ns()), 0);
		if (i == 2) {
			direct_run(v, &hb, true, 200);
			tl_binance_stats(v, &st);
			CU_ASSERT_EQUAL(st.batches, 0);
			CU_ASSERT_EQUAL(direct_inputs[TL_IN_ORDER_UPDATE], 0);
			CU_ASSERT_EQUAL(sim_call("GET", "/fapi/v1/allOrders", "symbol=BTCUSDT",
						 true, body, sizeof body), 200);
			CU_ASSERT_EQUAL(count_str(body, "\"clientOrderId\""), 0);
		}
	}
	direct_run(v, &hb, true, 300);
	tl_binance_stats(v, &st);
	CU_ASSERT_EQUAL(st.batches, 1);
	CU_ASSERT_EQUAL(st.batch_orders, 4);
	CU_ASSERT(direct_inputs[TL_IN_ORDER_UPDATE] + direct_inputs[TL_IN_FILL] >= 4);
	CU_ASSERT_EQUAL(sim_call("GET", "/fapi/v1/allOrders", "symbol=BTCUSDT",
				 true, body, sizeof body), 200);
	CU_ASSERT_EQUAL(count_str(body, "\"clientOrderId\""), 4);

	/* a lone close: no wait, no batch */
	snprintf(r.client_id, sizeof r.client_id, "tlburst9");
	r.more = 0;
	r.side = TL_SELL;
	CU_ASSERT_EQUAL(v->ops->submit(v, &r, real_ns()), 0);
	direct_run(v, &hb, true, 300);
	tl_binance_stats(v, &st);
	CU_ASSERT_EQUAL(st.batches, 1);
	CU_ASSERT_EQUAL(sim_call("GET", "/fapi/v1/allOrders", "symbol=BTCUSDT",
				 true, body, sizeof body), 200);
	CU_ASSERT_EQUAL(count_str(body, "\"clientOrderId\""), 5);
	v->ops->destroy(v);
	tl_symbols_free(&syms);
	server_stop();
}

/* The simulator with three symbols and an engine on it holding a long
 * 0.010 BTCUSDT and 0.100 of ETHUSDT and of S3USDT on the sides given,
 * each seen in the engine's snapshot: where the batch tests start. */
static void open_three(tl_config_t *c, tl_side_t eth, tl_side_t s3)
{
	server_start_copies(3);
	write_xinfo(NULL, NULL);
	cfg_binance(c);
	engine_start(c);
	market("BTCUSDT", TL_BUY, "0.010", 1);
	market("ETHUSDT", eth, "0.100", 2);
	market("S3USDT", s3, "0.100", 3);
	CU_ASSERT_TRUE_FATAL(wait_snap_qty("BTCUSDT", TL_FX_ONE / 100, 10000000000LL));
	CU_ASSERT_TRUE_FATAL(wait_snap_qty("ETHUSDT", eth == TL_BUY ? TL_FX_ONE / 10 : -TL_FX_ONE / 10,
					   10000000000LL));
	CU_ASSERT_TRUE_FATAL(wait_snap_qty("S3USDT", s3 == TL_BUY ? TL_FX_ONE / 10 : -TL_FX_ONE / 10,
					   10000000000LL));
}

/* One entry of the batch refused: ETHUSDT was closed at the venue behind
 * talon's back, so its reduce-only close gets -2022 and is REJECTED
 * alone; the other two positions are closed by the same batch. */
static void test_batch_one_bad_entry(void)
{
	tl_config_t c;
	tl_binance_stats_t st;
	tl_fx_t amt;

	open_three(&c, TL_BUY, TL_SELL);
	/* someone else flattens ETHUSDT on the account */
	CU_ASSERT_EQUAL(sim_call("POST", "/fapi/v1/order",
				 "symbol=ETHUSDT&side=SELL&type=MARKET&quantity=0.100&reduceOnly=true",
				 true, NULL, 0), 200);
	CU_ASSERT_EQUAL(venue_amt("ETHUSDT", &amt), 0);
	CU_ASSERT_EQUAL(amt, 0);
	nev = 0;
	CU_ASSERT_EQUAL_FATAL(tl_engine_control(E, TL_CONTROL_LIQUIDATE, "test: bad entry"), 0);
	if (!wait_ev(TL_EV_ORDER_REJECTED, 10000000000LL))
		dump_events();
	const tl_event_t *r = find_ev(TL_EV_ORDER_REJECTED);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_EQUAL(r->u.order.venue_code, -2022);
	CU_ASSERT_STRING_EQUAL(r->symbol, "ETHUSDT");
	CU_ASSERT_TRUE(wait_snap_qty("BTCUSDT", 0, 10000000000LL));
	CU_ASSERT_TRUE(wait_snap_qty("S3USDT", 0, 10000000000LL));
	CU_ASSERT_EQUAL(venue_amt("BTCUSDT", &amt), 0);
	CU_ASSERT_EQUAL(amt, 0);
	CU_ASSERT_EQUAL(venue_amt("S3USDT", &amt), 0);
	CU_ASSERT_EQUAL(amt, 0);
	tl_engine_stop(E);
	tl_binance_stats(tl_engine_venue(E), &st);
	CU_ASSERT(st.batches >= 1);
	CU_ASSERT(st.batch_orders >= 3);
	capture_end();
	tl_engine_close(E);
	E = NULL;
	server_stop();
}

/* Every write answered by a connection reset after it executed: the
 * batch's orders all go UNKNOWN (none resent blindly), are resolved by
 * query (or by the stream), and every position ends flat with exactly
 * one close order at the venue. */
static void test_batch_reset_after_write_never_doubles(void)
{
	static char body[1 << 16];
	tl_config_t c;
	tl_binance_stats_t st;
	tl_fx_t amt;

	open_three(&c, TL_SELL, TL_BUY);
	CU_ASSERT_EQUAL_FATAL(sim_call("POST", "/sim/faults", "reset_ppm=1000000", false, NULL, 0), 200);
	nev = 0;
	CU_ASSERT_EQUAL_FATAL(tl_engine_control(E, TL_CONTROL_LIQUIDATE, "test: resets"), 0);
	if (!wait_ev(TL_EV_EMERGENCY_COMPLETED, 15000000000LL))
		dump_events();
	CU_ASSERT_PTR_NOT_NULL(find_ev(TL_EV_EMERGENCY_COMPLETED));
	CU_ASSERT_EQUAL(sim_call("POST", "/sim/faults", "reset_ppm=0", false, NULL, 0), 200);
	for (int i = 0; i < 3; i++) {
		char q[64];
		CU_ASSERT_EQUAL(venue_amt(scfg.sym[i].name, &amt), 0);
		CU_ASSERT_EQUAL(amt, 0);
		snprintf(q, sizeof q, "symbol=%s", scfg.sym[i].name);
		CU_ASSERT_EQUAL(sim_call("GET", "/fapi/v1/allOrders", q, true, body, sizeof body), 200);
		/* the opening order and one close */
		CU_ASSERT_EQUAL(count_str(body, "\"clientOrderId\""), 2);
	}
	CU_ASSERT_EQUAL(count_ev(TL_EV_ORDER_FAILED), 0);
	tl_engine_stop(E);
	tl_binance_stats(tl_engine_venue(E), &st);
	CU_ASSERT(st.batches >= 1);
	CU_ASSERT(st.transport_errors >= 3);	/* each member saw the reset */
	capture_end();
	tl_engine_close(E);
	E = NULL;
	server_stop();
}

/* ---- exchangeInfo at start ------------------------------------------- */

/* Submit o as ref: `want` comes (within 10 s), `never` does not. */
static void submit_expect(const tl_order_spec_t *o, uint64_t ref, tl_event_type_t want,
			  tl_event_type_t never)
{
	CU_ASSERT_EQUAL_FATAL(tl_engine_submit(E, o, ref), 0);
	if (!wait_ev(want, 10000000000LL))
		dump_events();
	CU_ASSERT_PTR_NOT_NULL(find_ev(want));
	CU_ASSERT_EQUAL(count_ev(never), 0);
}

/* The file says BTCUSDT's tick is 1.00, the venue 0.10: the venue wins,
 * the warning names the symbol and the field, and a price on the
 * venue's tick (off the file's) is accepted. */
static void test_xinfo_venue_wins_over_file(void)
{
	tl_config_t c;

	server_start_copies(2);
	write_xinfo("\"tickSize\":\"0.1\"", "\"tickSize\":\"1\"");
	cfg_binance(&c);
	engine_start(&c);
	tl_order_spec_t o = limit_buy;
	o.price = "58000.3";
	submit_expect(&o, 1, TL_EV_ORDER_ACCEPTED, TL_EV_ORDER_REJECTED);
	engine_stop();
	CU_ASSERT_PTR_NOT_NULL(strstr(cap_buf, "BTCUSDT tick_size: file 1.00000000, venue 0.10000000"));
	/* ...and with the check off, the file's tick refuses that price */
	server_stop();
	server_start_copies(2);
	cfg_binance(&c);
	tl_binance_cfg(&c)->symbols_from_venue = false;
	engine_start(&c);
	submit_expect(&o, 2, TL_EV_ORDER_REJECTED, TL_EV_ORDER_ACCEPTED);
	engine_stop();
	unlink(xinfo_path);
	server_stop();
}

/* symbols.only names SOLUSDT, which the venue does not list: no start. */
static void test_xinfo_symbol_missing_at_venue_fails_start(void)
{
	tl_config_t c;
	char err[512] = "";
	tl_engine_xopts_t o = { .no_shm = true };

	server_start_copies(2);
	cfg_binance(&c);
	snprintf(c.exchange_info, sizeof c.exchange_info, "config/exchange_info.json");
	c.n_symbols = 2;
	snprintf(c.symbols[1], sizeof c.symbols[1], "SOLUSDT");
	E = tl_engine_create(&c, &o, err, sizeof err);
	CU_ASSERT_PTR_NULL(E);
	if (E) {
		tl_engine_close(E);
		E = NULL;
	}
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "SOLUSDT"));
	CU_ASSERT_PTR_NULL(strstr(err, scfg.acct[0].api_secret));
	/* unit level: a symbol listed but not TRADING */
	static const char doc[] =
		"{\"rateLimits\":[{\"rateLimitType\":\"REQUEST_WEIGHT\",\"interval\":\"MINUTE\",\"intervalNum\":1,\"limit\":1200},"
		"{\"rateLimitType\":\"ORDERS\",\"interval\":\"SECOND\",\"intervalNum\":10,\"limit\":100},"
		"{\"rateLimitType\":\"ORDERS\",\"interval\":\"MINUTE\",\"intervalNum\":1,\"limit\":600}],"
		"\"symbols\":[{\"symbol\":\"BTCUSDT\",\"status\":\"SETTLING\",\"pricePrecision\":2,\"quantityPrecision\":3,"
		"\"filters\":[{\"filterType\":\"PRICE_FILTER\",\"minPrice\":\"261.10\",\"maxPrice\":\"809484\",\"tickSize\":\"0.10\"},"
		"{\"filterType\":\"LOT_SIZE\",\"minQty\":\"0.001\",\"maxQty\":\"1000\",\"stepSize\":\"0.001\"}]}]}";
	tl_symbols_t syms;
	tl_binance_xlimits_t lim;
	tl_symbol_t s;
	memset(&s, 0, sizeof s);
	snprintf(s.name, sizeof s.name, "BTCUSDT");
	s.tick_size = TL_FX_ONE / 10;
	s.min_price = TL_FX_ONE;
	s.max_price = 1000000 * TL_FX_ONE;
	s.step_size = TL_FX_ONE / 1000;
	s.min_qty = TL_FX_ONE / 1000;
	s.max_qty = 1000 * TL_FX_ONE;
	s.price_precision = 2;
	s.qty_precision = 3;
	CU_ASSERT_EQUAL_FATAL(tl_symbols_init(&syms, 1, err, sizeof err), 0);
	CU_ASSERT_EQUAL_FATAL(tl_symbols_add(&syms, &s), 0);
	CU_ASSERT_EQUAL(tl_binance_xinfo_apply(&syms, doc, sizeof doc - 1, &lim, err, sizeof err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "BTCUSDT is not TRADING"));
	CU_ASSERT_EQUAL(syms.sym[0].min_price, TL_FX_ONE);	/* unchanged */
	/* TRADING: the venue's min price wins, limits read */
	char doc2[sizeof doc];
	memcpy(doc2, doc, sizeof doc);
	char *p = strstr(doc2, "SETTLING");
	memcpy(p, "TRADING\" ", 9);
	CU_ASSERT_EQUAL(tl_binance_xinfo_apply(&syms, doc2, strlen(doc2), &lim, err, sizeof err), 2);
	CU_ASSERT_EQUAL(syms.sym[0].min_price, 26110 * TL_FX_ONE / 100);
	CU_ASSERT_EQUAL(syms.sym[0].max_price, 809484 * TL_FX_ONE);
	CU_ASSERT_EQUAL(lim.weight_1m, 1200);
	CU_ASSERT_EQUAL(lim.orders_10s, 100);
	CU_ASSERT_EQUAL(lim.orders_1m, 600);
	tl_symbols_free(&syms);
	server_stop();
}

TL_TEST_SUITE("io.binance_safety", NULL, NULL,
	      TL_TEST(test_deadman_config_bounds),
	      TL_TEST(test_io_idle_wakes_on_response),
	      TL_TEST(test_weight_warning_and_hold),
	      TL_TEST(test_xinfo_symbol_missing_at_venue_fails_start),
	      TL_TEST(test_xinfo_venue_wins_over_file),
	      TL_TEST(test_liquidation_7_positions_two_batches),
	      TL_TEST(test_batch_waits_for_its_whole_burst),
	      TL_TEST(test_batch_one_bad_entry),
	      TL_TEST(test_batch_reset_after_write_never_doubles),
	      TL_TEST(test_deadman_cancels_after_engine_stops),
	      TL_TEST(test_deadman_stale_heartbeat_stops_renewals));
