/*
 * test_binance_xwatch.c - the exchangeInfo re-read while running
 * (io/binance/xwatch.h) and what the kernel does with it.
 *
 * Unit: tl_binance_xwatch_diff (TRADING -> BREAK -> TRADING, a symbol no
 * longer listed, nothing changed, not an exchangeInfo), the filter codes.
 * Against the in-process simulator with an engine:
 *   (a) re-read every second: the venue puts ETHUSDT in BREAK
 *       (/sim/status); the engine logs it, refuses a new ETHUSDT order
 *       (SYMBOL_NOT_TRADING) but closes the open ETHUSDT long with a
 *       reduce-only order; TRADING again lifts it;
 *   (b) re-read every hour: the venue refuses an order with -4014 (a
 *       filter): that re-reads at once and the BREAK is applied;
 *   (c) a restart whose journal replays a BREAK while the venue has the
 *       symbol back in TRADING reads at once and lifts it.
 */
#define _GNU_SOURCE
#define BSIM_CAP_FMT "/tmp/tl_test_binance_xwatch.%d"
#include "tests/io/binance/test_binance_sim_common.h"

#include "io/binance/xwatch.h"

#define MS (1000000LL)

/* ---- unit -------------------------------------------------------------- */

static const char doc_trading[] =
	"{\"symbols\":[{\"symbol\":\"BTCUSDT\",\"status\":\"TRADING\"},"
	"{\"symbol\":\"ETHUSDT\",\"status\":\"TRADING\"}]}";
static const char doc_break[] =
	"{\"symbols\":[{\"symbol\":\"BTCUSDT\",\"status\":\"TRADING\"},"
	"{\"symbol\":\"ETHUSDT\",\"status\":\"BREAK\"}]}";
static const char doc_gone[] =
	"{\"symbols\":[{\"symbol\":\"ETHUSDT\",\"status\":\"TRADING\"}]}";

static void test_unit_diff(void)
{
	const char *names[] = { "BTCUSDT", "ETHUSDT" };
	uint8_t st[2] = { TL_SYM_TRADING, TL_SYM_TRADING };
	tl_input_t out[4];

	CU_ASSERT_EQUAL(tl_binance_xwatch_diff(doc_trading, strlen(doc_trading), names, st, 2,
					       out, 4), 0);
	CU_ASSERT_EQUAL_FATAL(tl_binance_xwatch_diff(doc_break, strlen(doc_break), names, st, 2,
						     out, 4), 1);
	CU_ASSERT_EQUAL(out[0].hdr.type, TL_IN_SYMBOL_STATUS);
	CU_ASSERT_STRING_EQUAL(out[0].u.symstat.symbol, "ETHUSDT");
	CU_ASSERT_EQUAL(out[0].u.symstat.status, TL_SYM_HALTED);
	CU_ASSERT_STRING_EQUAL(out[0].u.symstat.venue_status, "BREAK");
	CU_ASSERT_EQUAL(st[1], TL_SYM_HALTED);
	/* the same document again: nothing new */
	CU_ASSERT_EQUAL(tl_binance_xwatch_diff(doc_break, strlen(doc_break), names, st, 2,
					       out, 4), 0);
	/* ETHUSDT back, BTCUSDT no longer listed */
	CU_ASSERT_EQUAL_FATAL(tl_binance_xwatch_diff(doc_gone, strlen(doc_gone), names, st, 2,
						     out, 4), 2);
	CU_ASSERT_STRING_EQUAL(out[0].u.symstat.symbol, "BTCUSDT");
	CU_ASSERT_EQUAL(out[0].u.symstat.status, TL_SYM_HALTED);
	CU_ASSERT_STRING_EQUAL(out[0].u.symstat.venue_status, "NOT_LISTED");
	CU_ASSERT_STRING_EQUAL(out[1].u.symstat.symbol, "ETHUSDT");
	CU_ASSERT_EQUAL(out[1].u.symstat.status, TL_SYM_TRADING);
	/* not an exchangeInfo: -1, nothing changed */
	CU_ASSERT_EQUAL(tl_binance_xwatch_diff("{\"code\":-1}", 11, names, st, 2, out, 4), -1);
	CU_ASSERT_EQUAL(tl_binance_xwatch_diff("nope", 4, names, st, 2, out, 4), -1);
	CU_ASSERT_EQUAL(st[0], TL_SYM_HALTED);
	CU_ASSERT_EQUAL(st[1], TL_SYM_TRADING);

	CU_ASSERT_TRUE(tl_binance_xwatch_filter_code(-4014));
	CU_ASSERT_TRUE(tl_binance_xwatch_filter_code(-1013));
	CU_ASSERT_TRUE(tl_binance_xwatch_filter_code(-4164));
	CU_ASSERT_FALSE(tl_binance_xwatch_filter_code(-2019));	/* margin */
	CU_ASSERT_FALSE(tl_binance_xwatch_filter_code(-1021));
	CU_ASSERT_FALSE(tl_binance_xwatch_filter_code(0));
}

/* ---- against the simulator ---------------------------------------------- */

static void cfg_watch(tl_config_t *c, int64_t refresh_ns)
{
	cfg_binance_venue(c, 0, false, "");
	snprintf(c->exchange_info, sizeof c->exchange_info, "config/exchange_info.json");
	c->n_symbols = 2;
	snprintf(c->symbols[0], sizeof c->symbols[0], "BTCUSDT");
	snprintf(c->symbols[1], sizeof c->symbols[1], "ETHUSDT");
	tl_binance_cfg(c)->exchange_info_refresh_ns = refresh_ns;
}

/* Wait (15 s at most) until the engine's log says `text`. */
static bool wait_log(const char *text)
{
	for (int64_t end = mono() + 15 * E2E_S; mono() < end; nap_ms(20)) {
		fflush(stderr);
		if (file_has(cap_path, text))
			return true;
	}
	return false;
}

static bool wait_amt(const char *sym, const char *want)
{
	tl_fx_t amt = -1, w;
	tl_fx_parse_cstr(want, &w);
	for (int64_t end = mono() + 15 * E2E_S; mono() < end; nap_ms(50))
		if (venue_amt(sym, &amt) == 0 && amt == w)
			return true;
	return false;
}

static void set_status(const char *sym, const char *st)
{
	char q[96], body[512];
	snprintf(q, sizeof q, "symbol=%s&status=%s", sym, st);
	CU_ASSERT_EQUAL(sim_call("POST", "/sim/status", q, false, body, sizeof body), 200);
}

static const tl_order_spec_t eth_limit = {
	.symbol = "ETHUSDT", .side = TL_SIDE_BUY, .type = TL_ORDER_LIMIT,
	.qty = "0.100", .price = "2500.00",
};

/* Submit eth_limit as ref; the event the kernel answered with (REJECTED
 * or SUBMITTED), NULL when none came in 10 s. */
static const tl_event_t *eth_order(uint64_t ref)
{
	CU_ASSERT_EQUAL_FATAL(tl_engine_submit(E, &eth_limit, ref), 0);
	for (int64_t end = mono() + 10 * E2E_S; mono() < end; nap_ms(5)) {
		poll_events();
		for (int i = 0; i < nev; i++)
			if (evs[i].u.order.user_ref == ref &&
			    (evs[i].type == TL_EV_ORDER_REJECTED ||
			     evs[i].type == TL_EV_ORDER_SUBMITTED))
				return &evs[i];
	}
	return NULL;
}

static void test_break_while_running(void)
{
	tl_config_t c;
	const tl_event_t *ev;

	server_start_cfg(NULL);
	cfg_watch(&c, 1000 * MS);
	engine_create_start(&c);
	nev = 0;
	wait_stream_up();
	market("ETHUSDT", TL_BUY, "0.100", 1);
	CU_ASSERT_TRUE(wait_amt("ETHUSDT", "0.1"));

	set_status("ETHUSDT", "BREAK");
	CU_ASSERT_TRUE(wait_log("ETHUSDT is BREAK at the venue"));
	nap_ms(500);	/* the IO thread's next poll hands it over */
	ev = eth_order(2);
	CU_ASSERT_PTR_NOT_NULL_FATAL(ev);
	CU_ASSERT_EQUAL(ev->type, TL_EV_ORDER_REJECTED);
	CU_ASSERT_EQUAL(ev->u.order.reject, TL_REJ_SYMBOL_NOT_TRADING);

	/* the long still closes */
	tl_order_spec_t close = { .symbol = "ETHUSDT", .side = TL_SIDE_SELL,
				  .type = TL_ORDER_MARKET, .qty = "0.100",
				  .reduce_only = true };
	CU_ASSERT_EQUAL(tl_engine_submit(E, &close, 3), 0);
	CU_ASSERT_TRUE(wait_amt("ETHUSDT", "0"));

	set_status("ETHUSDT", "TRADING");
	CU_ASSERT_TRUE(wait_log("ETHUSDT is TRADING again"));
	nap_ms(500);
	ev = eth_order(4);
	CU_ASSERT_PTR_NOT_NULL_FATAL(ev);
	CU_ASSERT_EQUAL(ev->type, TL_EV_ORDER_SUBMITTED);
	tl_engine_close(E);
	E = NULL;
	capture_end();
	server_stop();
}

static void test_filter_reject_rereads(void)
{
	tl_config_t c;
	char body[512];
	const tl_event_t *ev;

	server_start_cfg(NULL);
	cfg_watch(&c, 3600LL * E2E_S);
	engine_create_start(&c);
	nev = 0;
	wait_stream_up();
	set_status("ETHUSDT", "BREAK");
	/* the venue refuses the next new order for its tick size */
	CU_ASSERT_EQUAL(sim_call("POST", "/sim/faults",
				 "endpoint_error=POST%20%2Ffapi%2Fv1%2Forder%201000000%20-4014%201",
				 false, body, sizeof body), 200);
	tl_order_spec_t btc = { .symbol = "BTCUSDT", .side = TL_SIDE_BUY,
				.type = TL_ORDER_LIMIT, .qty = "0.010", .price = "50000.0" };
	CU_ASSERT_EQUAL(tl_engine_submit(E, &btc, 10), 0);
	CU_ASSERT_TRUE(wait_log("re-reading exchangeInfo"));
	CU_ASSERT_TRUE(wait_log("ETHUSDT is BREAK at the venue"));
	nap_ms(500);
	ev = eth_order(11);
	CU_ASSERT_PTR_NOT_NULL_FATAL(ev);
	CU_ASSERT_EQUAL(ev->type, TL_EV_ORDER_REJECTED);
	CU_ASSERT_EQUAL(ev->u.order.reject, TL_REJ_SYMBOL_NOT_TRADING);
	tl_engine_close(E);
	E = NULL;
	capture_end();
	server_stop();
}

/* The journal replays a BREAK of the last session; the venue has the
 * symbol back: the first read is made at once (not in an hour). */
static void test_restart_after_break(void)
{
	char db[96], p2[128];
	tl_config_t c;
	const tl_event_t *ev;

	snprintf(db, sizeof db, "/tmp/tl_test_xwatch.%d.db", (int)getpid());
	unlink(db);
	server_start_cfg(NULL);
	cfg_watch(&c, 1000 * MS);
	snprintf(c.journal_path, sizeof c.journal_path, "%s", db);
	engine_create_start(&c);
	nev = 0;
	wait_stream_up();
	set_status("ETHUSDT", "BREAK");
	CU_ASSERT_TRUE(wait_log("ETHUSDT is BREAK at the venue"));
	nap_ms(500);
	ev = eth_order(20);
	CU_ASSERT_PTR_NOT_NULL_FATAL(ev);
	CU_ASSERT_EQUAL(ev->u.order.reject, TL_REJ_SYMBOL_NOT_TRADING);
	tl_engine_close(E);
	E = NULL;
	capture_end();

	set_status("ETHUSDT", "TRADING");
	cfg_watch(&c, 3600LL * E2E_S);
	snprintf(c.journal_path, sizeof c.journal_path, "%s", db);
	engine_create_start(&c);
	nev = 0;
	CU_ASSERT_TRUE(wait_log("ETHUSDT is TRADING again"));
	nap_ms(500);
	ev = eth_order(21);
	CU_ASSERT_PTR_NOT_NULL_FATAL(ev);
	CU_ASSERT_EQUAL(ev->type, TL_EV_ORDER_SUBMITTED);
	tl_engine_close(E);
	E = NULL;
	capture_end();
	server_stop();
	unlink(db);
	snprintf(p2, sizeof p2, "%s-wal", db);
	unlink(p2);
	snprintf(p2, sizeof p2, "%s-shm", db);
	unlink(p2);
}

TL_TEST_SUITE("io.binance_xwatch", NULL, NULL,
	      TL_TEST(test_restart_after_break),
	      TL_TEST(test_unit_diff),
	      TL_TEST(test_break_while_running),
	      TL_TEST(test_filter_reject_rereads));
