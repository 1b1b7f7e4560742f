/*
 * test_venue.c - the venue core without network: filters and their
 * codes, matching (MARKET, LIMIT GTC/IOC/FOK/GTX, resting maker fills),
 * reduce-only, margin, hedge-mode rules, algo triggers, and PnL against
 * hand-computed numbers (Binance USD-M API docs).
 *
 * Book in every test (config defaults, vol_bps 0): BTCUSDT mark
 * 60000.00, tick 0.10, bid 60000.00, ask 60000.10, 5 levels of 5 BTC one
 * tick apart (last one bottomless); maker 0.0002, taker 0.0004;
 * leverage 20; wallet 100000 USDT.
 */
#include "tests/support/tl_test.h"

#include <stdio.h>
#include <string.h>

#include "sim/params.h"
#include "sim/venue.h"

#define NOW 1700000000000LL

static tl_sim_config_t cfg;
static tl_sim_venue_t ven;
static tl_sim_params_t prm;

static tl_fx_t F(const char *s)
{
	tl_fx_t v = 0;

	CU_ASSERT_EQUAL_FATAL(tl_fx_parse_cstr(s, &v), TL_FX_OK);
	return v;
}

static void setup_cfg(void)
{
	tl_sim_config_defaults(&cfg);
	cfg.sym[0].vol_bps = 0;
}

static void start(void)
{
	tl_sim_venue_free(&ven);
	CU_ASSERT_EQUAL_FATAL(tl_sim_venue_init(&ven, &cfg, NOW), 0);
}

static void each_setup(void)
{
	setup_cfg();
	memset(&ven, 0, sizeof ven);
	start();
}

static void each_teardown(void)
{
	tl_sim_venue_free(&ven);
}

/* Place an order given as a query string; returns 0 or the code. */
static int place(const char *q, tl_sim_order_t **o)
{
	tl_sim_order_req_t r;
	tl_sim_err_t e;
	tl_sim_order_t *dummy;
	int rc;

	rc = tl_sim_params_parse(&prm, q, strlen(q), "", 0, &e);
	if (rc == 0)
		rc = tl_sim_order_req_parse(&ven, 0, &prm, false, &r, &e);
	if (rc == 0)
		rc = tl_sim_book_place(&ven, 0, &r, NOW, o ? o : &dummy, &e);
	return rc;
}

static int place_algo(const char *q, tl_sim_algo_t **a)
{
	tl_sim_order_req_t r;
	tl_sim_err_t e;
	int rc;

	rc = tl_sim_params_parse(&prm, q, strlen(q), "", 0, &e);
	if (rc == 0)
		rc = tl_sim_order_req_parse(&ven, 0, &prm, true, &r, &e);
	if (rc == 0)
		rc = tl_sim_algo_place(&ven, 0, &r, NOW, a, &e);
	return rc;
}

static const tl_sim_position_t *pos(int ps)
{
	return &ven.acct[0].sym[0].pos[ps];
}

static void test_book_quotes_around_mark(void)
{
	CU_ASSERT_EQUAL(ven.mkt[0].bid, F("60000"));
	CU_ASSERT_EQUAL(ven.mkt[0].ask, F("60000.1"));
}

static void test_market_buy_then_flip_pnl(void)
{
	tl_sim_order_t *o;

	CU_ASSERT_EQUAL(place("symbol=BTCUSDT&side=BUY&type=MARKET&quantity=0.010", &o), 0);
	CU_ASSERT_EQUAL(o->status, TL_SIM_FILLED);
	CU_ASSERT_EQUAL(o->executed, F("0.01"));
	CU_ASSERT_EQUAL(o->cum_quote, F("600.001"));
	CU_ASSERT_EQUAL(pos(0)->amt, F("0.01"));
	CU_ASSERT_EQUAL(pos(0)->entry, F("60000.1"));
	/* taker fee 600.001 * 0.0004 = 0.2400004 */
	CU_ASSERT_EQUAL(ven.acct[0].wallet, F("99999.7599996"));
	tl_sim_venue_set_mark(&ven, 0, F("61000"), NOW);
	/* uPnL 0.01 * (61000 - 60000.1) = 9.999 */
	CU_ASSERT_EQUAL(tl_sim_account_upnl(&ven, 0, 0, 0), F("9.999"));
	/* IM 0.01 * 61000 / 20 = 30.5 */
	CU_ASSERT_EQUAL(tl_sim_account_pos_im(&ven, 0, 0, 0), F("30.5"));
	/* sell 0.02 at bid 61000: close 0.01 (rp 9.999), open short 0.01 */
	CU_ASSERT_EQUAL(place("symbol=BTCUSDT&side=SELL&type=MARKET&quantity=0.020", &o), 0);
	CU_ASSERT_EQUAL(pos(0)->amt, F("-0.01"));
	CU_ASSERT_EQUAL(pos(0)->entry, F("61000"));
	CU_ASSERT_EQUAL(pos(0)->realized, F("9.999"));
	/* fee 1220 * 0.0004 = 0.488 */
	CU_ASSERT_EQUAL(ven.acct[0].wallet, F("100009.2709996"));
	CU_ASSERT_EQUAL(ven.trades[1].realized, F("9.999"));
	CU_ASSERT_EQUAL(ven.trades[1].commission, F("0.488"));
}

static void test_entry_is_weighted_average(void)
{
	CU_ASSERT_EQUAL(place("symbol=BTCUSDT&side=BUY&type=MARKET&quantity=0.010", NULL), 0);
	tl_sim_venue_set_mark(&ven, 0, F("62000"), NOW);
	CU_ASSERT_EQUAL(place("symbol=BTCUSDT&side=BUY&type=MARKET&quantity=0.030", NULL), 0);
	/* (0.01*60000.1 + 0.03*62000.1) / 0.04 = 61500.1 */
	CU_ASSERT_EQUAL(pos(0)->entry, F("61500.1"));
	CU_ASSERT_EQUAL(pos(0)->amt, F("0.04"));
	/* partial close keeps the entry: sell 0.01 at 62000 -> rp 4.999 */
	CU_ASSERT_EQUAL(place("symbol=BTCUSDT&side=SELL&type=MARKET&quantity=0.010", NULL), 0);
	CU_ASSERT_EQUAL(pos(0)->entry, F("61500.1"));
	CU_ASSERT_EQUAL(pos(0)->realized, F("4.999"));
	/* break-even of a long: entry * (1 + taker) = 61524.70004 */
	CU_ASSERT_EQUAL(tl_sim_account_bep(&ven, 0, 0, 0), F("61524.70004"));
}

static void test_limit_rests_then_fills_as_maker(void)
{
	tl_sim_order_t *o;
	tl_fx_t w = ven.acct[0].wallet;

	CU_ASSERT_EQUAL(place("symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.010&price=59900", &o), 0);
	CU_ASSERT_EQUAL(o->status, TL_SIM_NEW);
	CU_ASSERT_EQUAL(tl_sim_book_open_count(&ven, 0, 0), 1);
	/* open-order margin 599 / 20 */
	CU_ASSERT_EQUAL(tl_sim_account_order_im(&ven, 0, 0), F("29.95"));
	tl_sim_venue_set_mark(&ven, 0, F("59950"), NOW);
	CU_ASSERT_EQUAL(o->status, TL_SIM_NEW);
	tl_sim_venue_set_mark(&ven, 0, F("59850"), NOW);
	CU_ASSERT_EQUAL(o->status, TL_SIM_FILLED);
	CU_ASSERT_EQUAL(tl_sim_book_open_count(&ven, 0, 0), 0);
	CU_ASSERT_TRUE(ven.trades[0].maker);
	CU_ASSERT_EQUAL(ven.trades[0].price, F("59900"));
	/* maker fee 599 * 0.0002 = 0.1198 */
	CU_ASSERT_EQUAL(ven.acct[0].wallet, w - F("0.1198"));
}

static void test_marketable_limit_walks_levels_ioc(void)
{
	tl_sim_order_t *o;

	CU_ASSERT_EQUAL(place("symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=IOC&quantity=30&price=60000.20", &o), 0);
	CU_ASSERT_EQUAL(o->executed, F("10"));
	CU_ASSERT_EQUAL(o->status, TL_SIM_EXPIRED);
	CU_ASSERT_EQUAL(o->expire_reason, 2);
	/* 5 @ 60000.1 + 5 @ 60000.2 */
	CU_ASSERT_EQUAL(o->cum_quote, F("600001.5"));
	CU_ASSERT_EQUAL(pos(0)->entry, F("60000.15"));
}

static void test_gtc_marketable_rests_remainder(void)
{
	tl_sim_order_t *o;

	CU_ASSERT_EQUAL(place("symbol=BTCUSDT&side=SELL&type=LIMIT&timeInForce=GTC&quantity=7&price=60000", &o), 0);
	CU_ASSERT_EQUAL(o->executed, F("5"));
	CU_ASSERT_EQUAL(o->status, TL_SIM_PARTIALLY_FILLED);
	CU_ASSERT_EQUAL(tl_sim_book_open_count(&ven, 0, 0), 1);
}

static void test_fok_and_gtx(void)
{
	tl_sim_order_t *o;

	CU_ASSERT_EQUAL(place("symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=FOK&quantity=1&price=60000", NULL), -5021);
	CU_ASSERT_EQUAL(place("symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=FOK&quantity=11&price=60000.2", NULL), -5021);
	CU_ASSERT_EQUAL(place("symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=FOK&quantity=10&price=60000.2", &o), 0);
	CU_ASSERT_EQUAL(o->status, TL_SIM_FILLED);
	CU_ASSERT_EQUAL(place("symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTX&quantity=1&price=60000.1", NULL), -5022);
	CU_ASSERT_EQUAL(place("symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTX&quantity=1&price=60000", &o), 0);
	CU_ASSERT_EQUAL(o->status, TL_SIM_NEW);
	CU_ASSERT_EQUAL(ven.next_order_id - ven.first_order_id, 2); /* rejects not recorded */
}

static void test_filter_codes(void)
{
	const char *b = "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC";
	char q[256];

#define TRY(extra, code) do { snprintf(q, sizeof q, "%s&%s", b, extra); \
		CU_ASSERT_EQUAL(place(q, NULL), code); } while (0)
	TRY("quantity=0.010&price=60000.05", -4014);
	TRY("quantity=0.010&price=60000.001", -1111);
	TRY("quantity=0.0101&price=60000", -1111);
	TRY("quantity=0&price=60000", -4003);
	TRY("quantity=-1&price=60000", -4003);
	TRY("quantity=0.010&price=63000.1", -4016);
	TRY("quantity=0.010&price=63000", 0);
	TRY("quantity=0.001&price=60000", -4164);
	TRY("quantity=2000&price=60000", -4005);
	TRY("quantity=abc&price=60000", -1102);
	TRY("price=60000", -1102);
	TRY("quantity=1", -1102);
	TRY("quantity=0.010&price=100", -4013);
	CU_ASSERT_EQUAL(place("symbol=BTCUSDT&side=SELL&type=LIMIT&timeInForce=GTC&quantity=0.010&price=56999.9", NULL), -4024);
	CU_ASSERT_EQUAL(place("symbol=ETHUSDT&side=BUY&type=MARKET&quantity=1", NULL), -1121);
	CU_ASSERT_EQUAL(place("side=BUY&type=MARKET&quantity=1", NULL), -1102);
	CU_ASSERT_EQUAL(place("symbol=BTCUSDT&side=HOLD&type=MARKET&quantity=1", NULL), -1117);
	CU_ASSERT_EQUAL(place("symbol=BTCUSDT&side=BUY&type=ICEBERG&quantity=1", NULL), -1116);
	CU_ASSERT_EQUAL(place("symbol=BTCUSDT&side=BUY&type=STOP_MARKET&quantity=1&stopPrice=61000", NULL), -4120);
	CU_ASSERT_EQUAL(place("symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTD&quantity=1&price=60000", NULL), -1115);
	CU_ASSERT_EQUAL(place("symbol=BTCUSDT&side=BUY&type=MARKET&quantity=0.01&newClientOrderId=bad%20id", NULL), -4015);
	CU_ASSERT_EQUAL(place("symbol=BTCUSDT&side=BUY&type=MARKET&quantity=0.01&newOrderRespType=FULL", NULL), -1136);
	CU_ASSERT_EQUAL(place("symbol=BTCUSDT&side=BUY&type=MARKET&quantity=200", NULL), -4005); /* MARKET_LOT_SIZE */
#undef TRY
}

static void test_step_size_4023(void)
{
	setup_cfg();
	cfg.sym[0].step = F("0.002");
	start();
	CU_ASSERT_EQUAL(place("symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.004&price=60000", NULL), -4023);
	CU_ASSERT_EQUAL(place("symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.005&price=60000", NULL), 0);
}

static void test_duplicate_open_cid_4116(void)
{
	tl_sim_order_t *o;

	CU_ASSERT_EQUAL(place("symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.01&price=59000&newClientOrderId=abc", &o), 0);
	CU_ASSERT_STRING_EQUAL(o->cid, "abc");
	CU_ASSERT_EQUAL(place("symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.01&price=59000&newClientOrderId=abc", NULL), -4116);
	CU_ASSERT_PTR_EQUAL(tl_sim_book_find(&ven, 0, 0, 0, "abc"), o);
	CU_ASSERT_PTR_EQUAL(tl_sim_book_find(&ven, 0, 0, o->id, NULL), o);
	{
		tl_sim_err_t e;
		CU_ASSERT_EQUAL(tl_sim_book_cancel(&ven, o, NOW, &e), 0);
		CU_ASSERT_EQUAL(o->status, TL_SIM_CANCELED);
		CU_ASSERT_EQUAL(tl_sim_book_cancel(&ven, o, NOW, &e), -2011);
	}
	/* uniqueness is among open orders only: a resend is accepted */
	CU_ASSERT_EQUAL(place("symbol=BTCUSDT&side=BUY&type=MARKET&quantity=0.01&newClientOrderId=abc", &o), 0);
	CU_ASSERT_EQUAL(place("symbol=BTCUSDT&side=BUY&type=MARKET&quantity=0.01&newClientOrderId=abc", &o), 0);
}

static void test_max_open_orders_2025(void)
{
	setup_cfg();
	cfg.sym[0].max_orders = 2;
	start();
	CU_ASSERT_EQUAL(place("symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.01&price=59000", NULL), 0);
	CU_ASSERT_EQUAL(place("symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.01&price=59000", NULL), 0);
	CU_ASSERT_EQUAL(place("symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.01&price=59000", NULL), -2025);
}

static void test_reduce_only(void)
{
	tl_sim_order_t *o;

	CU_ASSERT_EQUAL(place("symbol=BTCUSDT&side=SELL&type=MARKET&quantity=0.01&reduceOnly=true", NULL), -2022);
	CU_ASSERT_EQUAL(place("symbol=BTCUSDT&side=BUY&type=MARKET&quantity=0.01", NULL), 0);
	CU_ASSERT_EQUAL(place("symbol=BTCUSDT&side=BUY&type=MARKET&quantity=0.01&reduceOnly=true", NULL), -2022);
	/* min notional waived, quantity capped to the position */
	CU_ASSERT_EQUAL(place("symbol=BTCUSDT&side=SELL&type=MARKET&quantity=0.05&reduceOnly=true", &o), 0);
	CU_ASSERT_EQUAL(o->executed, F("0.01"));
	CU_ASSERT_EQUAL(o->status, TL_SIM_EXPIRED);
	CU_ASSERT_EQUAL(pos(0)->amt, 0);
	CU_ASSERT_EQUAL(place("symbol=BTCUSDT&side=SELL&type=MARKET&quantity=0.01&reduceOnly=maybe", NULL), -1130);
}

static void test_margin_2019(void)
{
	/* 100 BTC * 60000.1 / 20 = 300000 > 100000 */
	CU_ASSERT_EQUAL(place("symbol=BTCUSDT&side=BUY&type=MARKET&quantity=100", NULL), -2019);
	CU_ASSERT_EQUAL(place("symbol=BTCUSDT&side=BUY&type=MARKET&quantity=30", NULL), 0);
	/* closing needs no margin */
	CU_ASSERT_EQUAL(place("symbol=BTCUSDT&side=SELL&type=MARKET&quantity=30", NULL), 0);
}

static void test_hedge_mode_rules(void)
{
	tl_sim_order_t *o;

	ven.acct[0].dual = true;
	CU_ASSERT_EQUAL(place("symbol=BTCUSDT&side=BUY&type=MARKET&quantity=0.01", NULL), -4061);
	CU_ASSERT_EQUAL(place("symbol=BTCUSDT&side=BUY&positionSide=BOTH&type=MARKET&quantity=0.01", NULL), -4061);
	CU_ASSERT_EQUAL(place("symbol=BTCUSDT&side=BUY&positionSide=LONG&type=MARKET&quantity=0.01&reduceOnly=false", NULL), -1106);
	CU_ASSERT_EQUAL(place("symbol=BTCUSDT&side=SELL&positionSide=LONG&type=MARKET&quantity=0.01", NULL), -2022);
	CU_ASSERT_EQUAL(place("symbol=BTCUSDT&side=BUY&positionSide=LONG&type=MARKET&quantity=0.02", NULL), 0);
	CU_ASSERT_EQUAL(place("symbol=BTCUSDT&side=SELL&positionSide=SHORT&type=MARKET&quantity=0.01", NULL), 0);
	CU_ASSERT_EQUAL(pos(TL_SIM_PS_LONG)->amt, F("0.02"));
	CU_ASSERT_EQUAL(pos(TL_SIM_PS_SHORT)->amt, F("-0.01"));
	CU_ASSERT_EQUAL(place("symbol=BTCUSDT&side=SELL&positionSide=LONG&type=MARKET&quantity=0.03", NULL), -2022);
	CU_ASSERT_EQUAL(place("symbol=BTCUSDT&side=SELL&positionSide=LONG&type=MARKET&quantity=0.02", &o), 0);
	CU_ASSERT_EQUAL(pos(TL_SIM_PS_LONG)->amt, 0);
	ven.acct[0].dual = false;
	CU_ASSERT_EQUAL(place("symbol=BTCUSDT&side=BUY&positionSide=LONG&type=MARKET&quantity=0.01", NULL), -4061);
}

static void test_algo_stop_market_close_position(void)
{
	tl_sim_algo_t *a;

	CU_ASSERT_EQUAL(place("symbol=BTCUSDT&side=BUY&type=MARKET&quantity=0.05", NULL), 0);
	CU_ASSERT_EQUAL(place_algo("algoType=CONDITIONAL&symbol=BTCUSDT&side=SELL&type=STOP_MARKET&triggerPrice=61000&closePosition=true&workingType=MARK_PRICE", NULL), -2021);
	CU_ASSERT_EQUAL(place_algo("symbol=BTCUSDT&side=SELL&type=STOP_MARKET&triggerPrice=59000", NULL), -1102);
	CU_ASSERT_EQUAL(place_algo("algoType=CONDITIONAL&symbol=BTCUSDT&side=SELL&type=LIMIT&triggerPrice=59000&quantity=1", NULL), -1116);
	CU_ASSERT_EQUAL(place_algo("algoType=CONDITIONAL&symbol=BTCUSDT&side=SELL&type=STOP_MARKET&triggerPrice=59000&closePosition=true&workingType=MARK_PRICE&clientAlgoId=sl1", &a), 0);
	CU_ASSERT_EQUAL(a->status, TL_SIM_ALGO_NEW);
	CU_ASSERT_EQUAL(tl_sim_algo_open_count(&ven, 0, 0), 1);
	tl_sim_venue_set_mark(&ven, 0, F("59500"), NOW);
	CU_ASSERT_EQUAL(a->status, TL_SIM_ALGO_NEW);
	tl_sim_venue_set_mark(&ven, 0, F("58990"), NOW);
	CU_ASSERT_EQUAL(a->status, TL_SIM_ALGO_FINISHED);
	CU_ASSERT_NOT_EQUAL(a->actual_order_id, 0);
	CU_ASSERT_EQUAL(pos(0)->amt, 0);
	CU_ASSERT_PTR_EQUAL(tl_sim_algo_find(&ven, 0, 0, "sl1"), a);
}

static void test_algo_take_profit_limit_and_cancel(void)
{
	tl_sim_algo_t *a;
	tl_sim_err_t e;

	CU_ASSERT_EQUAL(place_algo("algoType=CONDITIONAL&symbol=BTCUSDT&side=BUY&type=TAKE_PROFIT&triggerPrice=59000&price=59000&quantity=0.01&timeInForce=GTC", &a), 0);
	CU_ASSERT_EQUAL(tl_sim_algo_cancel(&ven, a, NOW, &e), 0);
	CU_ASSERT_EQUAL(a->status, TL_SIM_ALGO_CANCELED);
	CU_ASSERT_EQUAL(tl_sim_algo_cancel(&ven, a, NOW, &e), -2011);
	CU_ASSERT_EQUAL(place_algo("algoType=CONDITIONAL&symbol=BTCUSDT&side=BUY&type=TAKE_PROFIT&triggerPrice=59000&price=59000&quantity=0.01&timeInForce=GTC&workingType=MARK_PRICE", &a), 0);
	tl_sim_venue_set_mark(&ven, 0, F("58950"), NOW);
	CU_ASSERT_EQUAL(a->status, TL_SIM_ALGO_FINISHED);
	/* the LIMIT BUY 59000 was marketable against ask 58950.1 */
	CU_ASSERT_EQUAL(pos(0)->amt, F("0.01"));
	CU_ASSERT_EQUAL(pos(0)->entry, F("58950.1"));
}

static void test_random_walk_is_seeded(void)
{
	tl_fx_t a, b;

	setup_cfg();
	cfg.sym[0].vol_bps = 5;
	start();
	tl_sim_venue_tick(&ven, NOW + 100 * cfg.tick_ms);
	a = ven.mkt[0].mark;
	CU_ASSERT_NOT_EQUAL(a, F("60000"));
	tl_sim_venue_reset(&ven, NOW);
	tl_sim_venue_tick(&ven, NOW + 100 * cfg.tick_ms);
	b = ven.mkt[0].mark;
	CU_ASSERT_EQUAL(a, b);
	CU_ASSERT_TRUE(tl_fx_on_step(b, cfg.sym[0].tick));
}

/* A smaller clock offset steps the venue clock back: the walk restarts
 * from the new time instead of stalling until the clock catches up. */
static void test_random_walk_survives_clock_step_back(void)
{
	tl_fx_t a;

	setup_cfg();
	cfg.sym[0].vol_bps = 5;
	start();
	tl_sim_venue_tick(&ven, NOW + 3600000);
	a = ven.mkt[0].mark;
	tl_sim_venue_tick(&ven, NOW + 50 * cfg.tick_ms); /* an hour back */
	tl_sim_venue_tick(&ven, NOW + 60 * cfg.tick_ms);
	CU_ASSERT_NOT_EQUAL(ven.mkt[0].mark, a);
}

static void test_countdown_cancels(void)
{
	CU_ASSERT_EQUAL(place("symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.01&price=59000", NULL), 0);
	ven.acct[0].sym[0].countdown_ms = 1000;
	ven.acct[0].sym[0].countdown_deadline = NOW + 1000;
	tl_sim_venue_tick(&ven, NOW + 999);
	CU_ASSERT_EQUAL(tl_sim_book_open_count(&ven, 0, 0), 1);
	tl_sim_venue_tick(&ven, NOW + 1000);
	CU_ASSERT_EQUAL(tl_sim_book_open_count(&ven, 0, 0), 0);
}

TL_TEST_SUITE("sim.venue", each_setup, each_teardown,
	      TL_TEST(test_book_quotes_around_mark),
	      TL_TEST(test_market_buy_then_flip_pnl),
	      TL_TEST(test_entry_is_weighted_average),
	      TL_TEST(test_limit_rests_then_fills_as_maker),
	      TL_TEST(test_marketable_limit_walks_levels_ioc),
	      TL_TEST(test_gtc_marketable_rests_remainder),
	      TL_TEST(test_fok_and_gtx),
	      TL_TEST(test_filter_codes),
	      TL_TEST(test_step_size_4023),
	      TL_TEST(test_duplicate_open_cid_4116),
	      TL_TEST(test_max_open_orders_2025),
	      TL_TEST(test_reduce_only),
	      TL_TEST(test_margin_2019),
	      TL_TEST(test_hedge_mode_rules),
	      TL_TEST(test_algo_stop_market_close_position),
	      TL_TEST(test_algo_take_profit_limit_and_cancel),
	      TL_TEST(test_random_walk_is_seeded),
	      TL_TEST(test_random_walk_survives_clock_step_back),
	      TL_TEST(test_countdown_cancels));
