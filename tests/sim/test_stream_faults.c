/*
 * test_stream_faults.c - stream fault injection (/sim/faults stream_*
 * knobs and actions) and the markPrice interval: duplicated, dropped,
 * reordered and delayed user-data events, forced and periodic
 * disconnects, forced listenKey expiry, the clock offset as the streams
 * see it, seeded reproducibility, streams.mark_interval_ms.
 *
 * One MARKET order of 0.010 BTCUSDT pushes four events on the user data
 * stream: ORDER_TRADE_UPDATE x=NEW, TRADE_LITE, ORDER_TRADE_UPDATE
 * x=TRADE, ACCOUNT_UPDATE (tags N, L, T, A below).
 */
#define _GNU_SOURCE
#include "tests/support/tl_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/ws.h"
#include "runtime/clock.h"
#include "tests/sim/sim_client.c"
#include "tests/sim/ws_client.c"

static tl_sim_config_t cfg;
static tl_sim_server_t *srv;
static simc_t rest;
static char lkey[80];
static wsc_t ws;

static void start(void)
{
	srv = simc_start_rest(&cfg, &rest);
}

static void new_listen_key(void)
{
	simc_listen_key(&rest, lkey);
}

static void open_user_stream(void)
{
	char target[128];

	snprintf(target, sizeof target, "/ws/%s", lkey);
	CU_ASSERT_EQUAL_FATAL(wsc_open(&ws, tl_sim_server_port(srv, TL_SIM_PORT_WS), target), 0);
}

static void each_setup(void)
{
	tl_sim_config_defaults(&cfg);
	cfg.sym[0].vol_bps = 0;
	ws.fd = -1;
	start();
	new_listen_key();
}

static void each_teardown(void)
{
	wsc_close(&ws);
	simc_stop_rest(&srv, &rest);
}

static int faults(const char *q)
{
	int st = simc_raw(&rest, "POST", "/sim/faults", q, "", NULL);

	if (st != 200)
		fprintf(stderr, "\n  /sim/faults %s: %d %s\n", q, st, rest.body);
	return st;
}

static int market_order(const char *cid)
{
	char p[160];

	snprintf(p, sizeof p, "symbol=BTCUSDT&side=BUY&type=MARKET&quantity=0.010&newClientOrderId=%s", cid);
	return simc_signed(&rest, "POST", "/fapi/v1/order", p, false);
}

/* One-letter tag of a user data event ('?' for anything else). */
static char tag(const char *m)
{
	if (strstr(m, "\"e\":\"TRADE_LITE\""))
		return 'L';
	if (strstr(m, "\"e\":\"ACCOUNT_UPDATE\""))
		return 'A';
	if (strstr(m, "\"e\":\"ORDER_TRADE_UPDATE\"") && strstr(m, "\"x\":\"NEW\""))
		return 'N';
	if (strstr(m, "\"e\":\"ORDER_TRADE_UPDATE\"") && strstr(m, "\"x\":\"TRADE\""))
		return 'T';
	if (strstr(m, "\"e\":\"listenKeyExpired\""))
		return 'X';
	return '?';
}

/* Tags of the text frames that arrive within ms (stops after max). */
static void collect(char *out, size_t max, int ms)
{
	size_t n = 0;
	const char *m;

	while (n < max && *(m = wsc_text(&ws, ms)))
		out[n++] = tag(m);
	out[n] = 0;
}

static int64_t now_ms(void)
{
	return tl_clock_mono_ns() / 1000000;
}

static int64_t wall_ms(void)
{
	return tl_clock_realtime_ns() / 1000000;
}

static void test_no_faults_baseline(void)
{
	char got[16];

	open_user_stream();
	CU_ASSERT_EQUAL(market_order("f0"), 200);
	collect(got, 8, 300);
	CU_ASSERT_STRING_EQUAL(got, "NLTA");
}

static void test_duplicate_sends_every_event_twice(void)
{
	char got[16];

	open_user_stream();
	CU_ASSERT_EQUAL(faults("stream_dup_permille=1000"), 200);
	CU_ASSERT_TRUE(strstr(rest.body, "\"stream_dup_permille\":1000") != NULL);
	CU_ASSERT_EQUAL(market_order("f1"), 200);
	collect(got, 12, 300);
	CU_ASSERT_STRING_EQUAL(got, "NNLLTTAA");
}

static void test_drop_sends_nothing_but_rest_shows_fill(void)
{
	char got[16];

	open_user_stream();
	CU_ASSERT_EQUAL(faults("stream_drop_permille=1000"), 200);
	CU_ASSERT_EQUAL(market_order("f2"), 200);
	collect(got, 8, 300);
	CU_ASSERT_STRING_EQUAL(got, "");
	CU_ASSERT_EQUAL(simc_signed(&rest, "GET", "/fapi/v1/order", "symbol=BTCUSDT&origClientOrderId=f2", false), 200);
	CU_ASSERT_TRUE(strstr(rest.body, "\"status\":\"FILLED\"") != NULL);
	CU_ASSERT_EQUAL(simc_signed(&rest, "GET", "/fapi/v1/userTrades", "symbol=BTCUSDT", false), 200);
	CU_ASSERT_TRUE(strstr(rest.body, "\"qty\":\"0.010\"") != NULL);
	/* off again: events flow */
	CU_ASSERT_EQUAL(faults("stream_drop_permille=0"), 200);
	CU_ASSERT_EQUAL(market_order("f3"), 200);
	collect(got, 8, 300);
	CU_ASSERT_STRING_EQUAL(got, "NLTA");
}

static void test_reorder_swaps_adjacent_events(void)
{
	char got[16];

	open_user_stream();
	CU_ASSERT_EQUAL(faults("stream_reorder_permille=1000"), 200);
	CU_ASSERT_EQUAL(market_order("f4"), 200);
	collect(got, 8, 300);
	CU_ASSERT_STRING_EQUAL(got, "LNAT");
	/* a held event with no successor goes out alone after 100 ms */
	CU_ASSERT_EQUAL(simc_signed(&rest, "POST", "/fapi/v1/order",
				    "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.010&price=50000&newClientOrderId=f5", false), 200);
	collect(got, 8, 400);
	CU_ASSERT_STRING_EQUAL(got, "N");
}

static void test_fixed_delay_keeps_order(void)
{
	char got[16];
	int64_t t0, dt;

	open_user_stream();
	CU_ASSERT_EQUAL(faults("stream_delay_ms=250"), 200);
	t0 = now_ms();
	CU_ASSERT_EQUAL(market_order("f6"), 200);
	CU_ASSERT_EQUAL(tag(wsc_text(&ws, 2000)), 'N');
	dt = now_ms() - t0;
	CU_ASSERT_TRUE(dt >= 250);
	CU_ASSERT_TRUE(dt < 1500);
	collect(got, 8, 300);
	CU_ASSERT_STRING_EQUAL(got, "LTA");
}

static void test_delay_range_is_uniform_and_ordered(void)
{
	char got[32];
	int64_t t0, dt, lo = 1000000, hi = 0;
	int i;

	open_user_stream();
	CU_ASSERT_EQUAL(faults("stream_delay_ms=50&stream_delay_jitter_ms=150"), 200);
	for (i = 0; i < 4; i++) {
		char cid[16];
		snprintf(cid, sizeof cid, "g%d", i);
		t0 = now_ms();
		CU_ASSERT_EQUAL(market_order(cid), 200);
		CU_ASSERT_EQUAL(tag(wsc_text(&ws, 2000)), 'N');
		dt = now_ms() - t0;
		lo = dt < lo ? dt : lo;
		hi = dt > hi ? dt : hi;
		collect(got, 8, 400); /* the rest of this fill, in order */
		CU_ASSERT_STRING_EQUAL(got, "LTA");
	}
	CU_ASSERT_TRUE(lo >= 50);
	CU_ASSERT_TRUE(hi < 1200);
}

static void test_market_stream_events_are_faulted_too(void)
{
	int n = 0;

	each_teardown();
	cfg.mark_interval_ms = 20;
	start();
	CU_ASSERT_EQUAL_FATAL(wsc_open(&ws, tl_sim_server_port(srv, TL_SIM_PORT_WS), "/ws/btcusdt@markPrice@1s"), 0);
	CU_ASSERT_TRUE(strstr(wsc_text(&ws, 2000), "markPriceUpdate") != NULL);
	CU_ASSERT_EQUAL(faults("stream_drop_permille=1000"), 200);
	wsc_text(&ws, 100); /* one may have been on its way */
	while (*wsc_text(&ws, 300))
		n++;
	CU_ASSERT_EQUAL(n, 0);
}

static void test_disconnect_now_sends_close_frame(void)
{
	open_user_stream();
	CU_ASSERT_EQUAL(faults("disconnect_streams=true"), 200);
	while (wsc_next(&ws, 2000) >= 0 && ws.op != TL_SIM_WS_OP_CLOSE)
		;
	CU_ASSERT_EQUAL(ws.op, TL_SIM_WS_OP_CLOSE);
	CU_ASSERT_EQUAL((uint8_t)ws.msg[0] << 8 | (uint8_t)ws.msg[1], 1001);
	CU_ASSERT_EQUAL(wsc_next(&ws, 1000), -1); /* socket closed */
	CU_ASSERT_EQUAL(faults("disconnect_streams=maybe"), 400);
	/* a fresh connection with the same key works */
	wsc_close(&ws);
	open_user_stream();
	CU_ASSERT_EQUAL(market_order("f7"), 200);
	CU_ASSERT_EQUAL(tag(wsc_text(&ws, 2000)), 'N');
}

static void test_disconnect_every_n_ms(void)
{
	int64_t t0, dt;
	int k;

	CU_ASSERT_EQUAL(faults("stream_disconnect_every_ms=300"), 200);
	for (k = 0; k < 2; k++) {
		open_user_stream();
		t0 = now_ms();
		while (wsc_next(&ws, 2000) >= 0 && ws.op != TL_SIM_WS_OP_CLOSE)
			;
		dt = now_ms() - t0;
		CU_ASSERT_EQUAL(ws.op, TL_SIM_WS_OP_CLOSE);
		CU_ASSERT_TRUE(dt <= 900);
		wsc_close(&ws);
	}
	CU_ASSERT_EQUAL(faults("stream_disconnect_every_ms=0"), 200);
	open_user_stream();
	CU_ASSERT_EQUAL(wsc_next(&ws, 700), -1); /* nothing: still open */
	CU_ASSERT_NOT_EQUAL(ws.op, TL_SIM_WS_OP_CLOSE);
	CU_ASSERT_EQUAL(market_order("f8"), 200);
	CU_ASSERT_EQUAL(tag(wsc_text(&ws, 2000)), 'N');
}

static void test_forced_listen_key_expiry(void)
{
	char got[8];

	open_user_stream();
	CU_ASSERT_EQUAL(faults("expire_listen_key=nobody"), 400);
	CU_ASSERT_EQUAL(faults("stream_drop_permille=1000&expire_listen_key=test"), 200);
	CU_ASSERT_TRUE(strstr(wsc_text(&ws, 2000), "\"e\":\"listenKeyExpired\"") != NULL);
	CU_ASSERT_TRUE(strstr(ws.msg, lkey) != NULL);
	while (wsc_next(&ws, 2000) >= 0 && ws.op != TL_SIM_WS_OP_CLOSE)
		;
	CU_ASSERT_EQUAL(ws.op, TL_SIM_WS_OP_CLOSE);
	CU_ASSERT_EQUAL((uint8_t)ws.msg[0] << 8 | (uint8_t)ws.msg[1], 1000);
	CU_ASSERT_EQUAL(wsc_next(&ws, 1000), -1);
	/* the key is gone: keepalive -1125; POST makes a new one */
	CU_ASSERT_EQUAL(simc_raw(&rest, "PUT", "/fapi/v1/listenKey", "", "", rest.key), 400);
	CU_ASSERT_TRUE(strstr(rest.body, "-1125") != NULL);
	CU_ASSERT_EQUAL(faults("stream_drop_permille=0"), 200);
	{
		char old[80];
		memcpy(old, lkey, sizeof old);
		new_listen_key();
		CU_ASSERT_STRING_NOT_EQUAL(old, lkey);
	}
	wsc_close(&ws);
	open_user_stream();
	CU_ASSERT_EQUAL(market_order("f9"), 200);
	collect(got, 4, 300);
	CU_ASSERT_STRING_EQUAL(got, "NLTA");
}

/* E of an event, or 0. */
static long long event_time(const char *m)
{
	const char *e = strstr(m, "\"E\":");

	return e ? atoll(e + 4) : 0;
}

static void test_clock_offset_applies_to_streams(void)
{
	long long e;

	/* +-10 min: a step of an hour would also expire the listenKey
	 * (venue timers follow the venue clock; docs/venue.md) */
	open_user_stream();
	CU_ASSERT_EQUAL(faults("clock_offset_ms=600000"), 200);
	rest.ts_offset = 600000;
	CU_ASSERT_EQUAL(simc_raw(&rest, "GET", "/fapi/v1/time", "", "", NULL), 200);
	e = atoll(rest.body + 14);
	CU_ASSERT_TRUE(llabs(e - (wall_ms() + 600000)) < 5000);
	CU_ASSERT_EQUAL(market_order("fa"), 200);
	e = event_time(wsc_text(&ws, 2000));
	CU_ASSERT_TRUE(llabs(e - (wall_ms() + 600000)) < 5000);
	collect((char[8]){ 0 }, 3, 300); /* rest of that fill */
	/* the stream timers do not jump with the clock: still open, and a
	 * market stream opened now pushes with the shifted E */
	{
		wsc_t m;
		CU_ASSERT_EQUAL_FATAL(wsc_open(&m, tl_sim_server_port(srv, TL_SIM_PORT_WS), "/ws/btcusdt@markPrice"), 0);
		e = event_time(wsc_text(&m, 2000));
		CU_ASSERT_TRUE(llabs(e - (wall_ms() + 600000)) < 5000);
		wsc_close(&m);
	}
	/* a step back: later events carry the earlier clock */
	CU_ASSERT_EQUAL(faults("clock_offset_ms=-600000"), 200);
	rest.ts_offset = -600000;
	CU_ASSERT_EQUAL(market_order("fb"), 200);
	e = event_time(wsc_text(&ws, 2000));
	CU_ASSERT_TRUE(llabs(e - (wall_ms() - 600000)) < 5000);
}

/* Client ids of the NEW events that survive a 50% drop of 12 orders. */
static void drop_run(char *out, size_t cap)
{
	const char *m;
	int i;

	CU_ASSERT_EQUAL(simc_raw(&rest, "POST", "/sim/reset", "", "", NULL), 200);
	new_listen_key();
	wsc_close(&ws);
	open_user_stream();
	CU_ASSERT_EQUAL(faults("stream_drop_permille=500"), 200);
	for (i = 0; i < 12; i++) {
		char p[200];
		snprintf(p, sizeof p, "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC"
			 "&quantity=0.010&price=50000&newClientOrderId=d%02d", i);
		CU_ASSERT_EQUAL(simc_signed(&rest, "POST", "/fapi/v1/order", p, false), 200);
	}
	out[0] = 0;
	while (*(m = wsc_text(&ws, 300))) {
		const char *c = strstr(m, "\"c\":\"d");
		if (c && strlen(out) + 4 < cap)
			strncat(out, c + 5, 3);
	}
}

static void test_faults_are_seeded_and_reproducible(void)
{
	char a[64], b[64];

	drop_run(a, sizeof a);
	drop_run(b, sizeof b);
	CU_ASSERT_STRING_EQUAL(a, b);
	CU_ASSERT_TRUE(strlen(a) > 0 && strlen(a) < 36); /* some, not all */
}

static void test_mark_interval_config(void)
{
	int64_t t0;
	int n = 0;

	/* default: @1s pushes once at once, then every second */
	CU_ASSERT_EQUAL_FATAL(wsc_open(&ws, tl_sim_server_port(srv, TL_SIM_PORT_WS), "/ws/btcusdt@markPrice@1s"), 0);
	t0 = now_ms();
	while (now_ms() - t0 < 500 && *wsc_text(&ws, (int)(500 - (now_ms() - t0))))
		n++;
	CU_ASSERT_EQUAL(n, 1);
	wsc_close(&ws);
	each_teardown();

	/* streams.mark_interval_ms = 20: about 25 in 500 ms */
	{
		static const char js[] = "{\"streams\":{\"mark_interval_ms\":20}}";
		char err[128];
		tl_sim_config_defaults(&cfg);
		CU_ASSERT_EQUAL_FATAL(tl_sim_config_parse(&cfg, js, sizeof js - 1, err, sizeof err), 0);
		CU_ASSERT_EQUAL(cfg.mark_interval_ms, 20);
	}
	start();
	CU_ASSERT_EQUAL_FATAL(wsc_open(&ws, tl_sim_server_port(srv, TL_SIM_PORT_WS), "/ws/btcusdt@markPrice@1s"), 0);
	n = 0;
	t0 = now_ms();
	while (now_ms() - t0 < 500) {
		const char *m = wsc_text(&ws, (int)(510 - (now_ms() - t0)));
		if (!*m)
			break;
		n += strstr(m, "markPriceUpdate") != NULL;
	}
	CU_ASSERT_TRUE(n >= 12);   /* generous for sanitizers and a busy box */
	CU_ASSERT_TRUE(n <= 27);
	fprintf(stderr, " [%d pushes in 500 ms] ", n);
	{
		static const char bad[] = "{\"streams\":{\"mark_interval_ms\":5}}";
		char err[128];
		tl_sim_config_t c2;
		tl_sim_config_defaults(&c2);
		CU_ASSERT_EQUAL(tl_sim_config_parse(&c2, bad, sizeof bad - 1, err, sizeof err), -1);
	}
}

TL_TEST_SUITE("sim.stream_faults", each_setup, each_teardown,
	      TL_TEST(test_no_faults_baseline),
	      TL_TEST(test_duplicate_sends_every_event_twice),
	      TL_TEST(test_drop_sends_nothing_but_rest_shows_fill),
	      TL_TEST(test_reorder_swaps_adjacent_events),
	      TL_TEST(test_fixed_delay_keeps_order),
	      TL_TEST(test_delay_range_is_uniform_and_ordered),
	      TL_TEST(test_market_stream_events_are_faulted_too),
	      TL_TEST(test_disconnect_now_sends_close_frame),
	      TL_TEST(test_disconnect_every_n_ms),
	      TL_TEST(test_forced_listen_key_expiry),
	      TL_TEST(test_clock_offset_applies_to_streams),
	      TL_TEST(test_faults_are_seeded_and_reproducible),
	      TL_TEST(test_mark_interval_config));
