/*
 * test_binance_e2e.c - the engine on the Binance adapter against the
 * simulated exchange, end to end (fixture: test_binance_e2e_common.h):
 * trading through signals in one-way and hedge mode, and a signal's
 * take-profit / stop-loss through the Algo Service.
 *
 * Covered:
 *   - one-way mode: LONG_ENTRY, an add, a partial CLOSE_LONG, SHORT_ENTRY
 *     and CLOSE_SHORT on two symbols at moving marks; after each step
 *     talon's position equals positionRisk (positionAmt, entryPrice) and
 *     its realized PnL and commission equal the sums of the venue's
 *     userTrades, to the last digit; closed flat at the end;
 *   - hedge mode (POST /fapi/v1/positionSide/dual at the venue, kernel
 *     hedge_mode): a LONG and a SHORT on the same symbol at once, adds
 *     and partial closes on each side, compared per positionSide;
 *   - take-profit: LONG_ENTRY with TP and SL places a TAKE_PROFIT_MARKET
 *     and a STOP_MARKET algo order at the venue (clientAlgoId = talon's
 *     client ids); the mark crosses the TP, the venue triggers it, the
 *     triggered order's fill (clientOrderId = the TP's clientAlgoId)
 *     reaches the kernel, which cancels the SL (algo status CANCELED at
 *     the venue); position flat on both sides, PnL equal to the venue's;
 *   - stop-loss, hedge mode: SHORT_ENTRY with TP and SL, the mark crosses
 *     the SL, the SL fills and the TP is canceled;
 *   - after each test: the journal's REQ_NEW orders equal the venue's
 *     orders, no duplicate client id, and the API secret is in neither the
 *     journal, its WAL, stderr nor any event.
 */
#include "tests/io/binance/test_binance_e2e_common.h"

/* Move the mark by bps basis points (rounded to the tick). */
static void move(const char *sym, const char *bps)
{
	char q[96];
	snprintf(q, sizeof q, "symbol=%s&bps=%s", sym, bps);
	CU_ASSERT_EQUAL(sim_call("POST", "/sim/move", q, false, NULL, 0), 200);
}

/* A signal that must fill: sent, then its ORDER_FILLED awaited. */
static void signal_filled(tl_signal_t sig, const char *sym, const char *qty,
			  const char *tp, const char *sl, uint64_t ref)
{
	int from = nev;
	CU_ASSERT_EQUAL_FATAL(tl_engine_signal(E, &(tl_signal_spec_t){
		.signal = (tl_signal_type_t)sig, .symbol = sym, .qty = qty,
		.tp = tp, .sl = sl, .user_ref = ref }), 0);
	int64_t end = mono() + 10 * E2E_S;
	const tl_event_t *f = NULL;
	while (!f && mono() < end) {
		wait_ev_role(TL_EV_ORDER_FILLED, -1, from, 100000000LL);
		for (int i = from; i < nev && !f; i++)
			if (evs[i].type == TL_EV_ORDER_FILLED && evs[i].u.order.user_ref == ref)
				f = &evs[i];
	}
	if (!f)
		dump_events();
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
}

/* One-way mode: entries, an add, partial and full closes on two symbols. */
static void test_e2e_oneway_signals_positions_and_pnl_equal_venue(void)
{
	tl_config_t c;

	server_start();
	cfg_binance(&c, 0);
	CU_ASSERT_FALSE(c.kernel.hedge_mode);
	engine_start(&c);

	move("BTCUSDT", "7");
	signal_filled(TL_SIG_LONG_ENTRY, "BTCUSDT", "0.020", NULL, NULL, 1);
	check_pos_equal("BTCUSDT", TL_PS_BOTH);
	move("BTCUSDT", "-13");
	signal_filled(TL_SIG_LONG_ENTRY, "BTCUSDT", "0.013", NULL, NULL, 2);
	check_pos_equal("BTCUSDT", TL_PS_BOTH);
	move("ETHUSDT", "11");
	signal_filled(TL_SIG_SHORT_ENTRY, "ETHUSDT", "0.300", NULL, NULL, 3);
	check_pos_equal("ETHUSDT", TL_PS_BOTH);
	move("BTCUSDT", "29");
	signal_filled(TL_SIG_CLOSE_LONG, "BTCUSDT", "0.012", NULL, NULL, 4);
	check_pos_equal("BTCUSDT", TL_PS_BOTH);
	move("ETHUSDT", "-23");
	signal_filled(TL_SIG_CLOSE_SHORT, "ETHUSDT", "0.110", NULL, NULL, 5);
	check_pos_equal("ETHUSDT", TL_PS_BOTH);
	move("ETHUSDT", "41");
	signal_filled(TL_SIG_SHORT_ENTRY, "ETHUSDT", "0.050", NULL, NULL, 6);
	check_pos_equal("ETHUSDT", TL_PS_BOTH);
	tl_fx_t amt, entry;
	CU_ASSERT_TRUE(venue_pos("BTCUSDT", TL_PS_BOTH, &amt, &entry) && amt == 21 * TL_FX_ONE / 1000);
	CU_ASSERT_TRUE(venue_pos("ETHUSDT", TL_PS_BOTH, &amt, &entry) && amt == -240 * TL_FX_ONE / 1000);
	/* Close everything: flat on both sides, PnL still equal. */
	move("BTCUSDT", "-5");
	signal_filled(TL_SIG_CLOSE_LONG, "BTCUSDT", "0.021", NULL, NULL, 7);
	signal_filled(TL_SIG_CLOSE_SHORT, "ETHUSDT", "0.240", NULL, NULL, 8);
	check_pos_equal("BTCUSDT", TL_PS_BOTH);
	check_pos_equal("ETHUSDT", TL_PS_BOTH);
	CU_ASSERT_TRUE(venue_pos("BTCUSDT", TL_PS_BOTH, &amt, &entry) && amt == 0);
	CU_ASSERT_TRUE(venue_pos("ETHUSDT", TL_PS_BOTH, &amt, &entry) && amt == 0);
	CU_ASSERT_EQUAL(count_ev(TL_EV_ORDER_FILLED), 8);
	CU_ASSERT_EQUAL(count_ev(TL_EV_ORDER_REJECTED), 0);
	engine_halt();
	engine_close();
	CU_ASSERT_EQUAL(e2e_check_journal_vs_venue(e2e_db), 8);
	e2e_unlink_db();
	server_stop();
}

/* The venue account in hedge mode (dualSidePosition=true), checked. */
static void venue_set_hedge(void)
{
	static char body[4096];
	CU_ASSERT_EQUAL_FATAL(sim_call_once("POST", "/fapi/v1/positionSide/dual",
					    "dualSidePosition=true", true, body, sizeof body), 200);
	CU_ASSERT_EQUAL(sim_call("GET", "/fapi/v1/positionSide/dual", "", true, body, sizeof body), 200);
	CU_ASSERT_PTR_NOT_NULL(strstr(body, "\"dualSidePosition\":true"));
}

/* Hedge mode: a LONG and a SHORT of the same symbol side by side. */
static void test_e2e_hedge_long_and_short_positions_and_pnl_equal_venue(void)
{
	tl_config_t c;

	server_start();
	e2e_acct = 0;
	venue_set_hedge();
	cfg_binance(&c, 0);
	c.kernel.hedge_mode = true;
	engine_start(&c);

	move("BTCUSDT", "3");
	signal_filled(TL_SIG_LONG_ENTRY, "BTCUSDT", "0.020", NULL, NULL, 1);
	move("BTCUSDT", "17");
	signal_filled(TL_SIG_SHORT_ENTRY, "BTCUSDT", "0.015", NULL, NULL, 2);
	check_pos_equal("BTCUSDT", TL_PS_LONG);
	check_pos_equal("BTCUSDT", TL_PS_SHORT);
	move("BTCUSDT", "-9");
	signal_filled(TL_SIG_LONG_ENTRY, "BTCUSDT", "0.005", NULL, NULL, 3);
	signal_filled(TL_SIG_SHORT_ENTRY, "BTCUSDT", "0.004", NULL, NULL, 4);
	check_pos_equal("BTCUSDT", TL_PS_LONG);
	check_pos_equal("BTCUSDT", TL_PS_SHORT);
	move("BTCUSDT", "-31");
	signal_filled(TL_SIG_CLOSE_SHORT, "BTCUSDT", "0.009", NULL, NULL, 5);
	move("BTCUSDT", "23");
	signal_filled(TL_SIG_CLOSE_LONG, "BTCUSDT", "0.011", NULL, NULL, 6);
	check_pos_equal("BTCUSDT", TL_PS_LONG);
	check_pos_equal("BTCUSDT", TL_PS_SHORT);
	move("ETHUSDT", "-7");
	signal_filled(TL_SIG_SHORT_ENTRY, "ETHUSDT", "0.200", NULL, NULL, 7);
	signal_filled(TL_SIG_LONG_ENTRY, "ETHUSDT", "0.120", NULL, NULL, 8);
	check_pos_equal("ETHUSDT", TL_PS_LONG);
	check_pos_equal("ETHUSDT", TL_PS_SHORT);
	tl_fx_t amt, entry;
	CU_ASSERT_TRUE(venue_pos("BTCUSDT", TL_PS_LONG, &amt, &entry) && amt == 14 * TL_FX_ONE / 1000);
	CU_ASSERT_TRUE(venue_pos("BTCUSDT", TL_PS_SHORT, &amt, &entry) && amt == -10 * TL_FX_ONE / 1000);
	CU_ASSERT_TRUE(venue_pos("ETHUSDT", TL_PS_SHORT, &amt, &entry) && amt == -200 * TL_FX_ONE / 1000);
	/* Close all four. */
	move("ETHUSDT", "13");
	signal_filled(TL_SIG_CLOSE_LONG, "BTCUSDT", "0.014", NULL, NULL, 9);
	signal_filled(TL_SIG_CLOSE_SHORT, "BTCUSDT", "0.010", NULL, NULL, 10);
	signal_filled(TL_SIG_CLOSE_LONG, "ETHUSDT", "0.120", NULL, NULL, 11);
	signal_filled(TL_SIG_CLOSE_SHORT, "ETHUSDT", "0.200", NULL, NULL, 12);
	check_pos_equal("BTCUSDT", TL_PS_LONG);
	check_pos_equal("BTCUSDT", TL_PS_SHORT);
	check_pos_equal("ETHUSDT", TL_PS_LONG);
	check_pos_equal("ETHUSDT", TL_PS_SHORT);
	CU_ASSERT_EQUAL(count_ev(TL_EV_ORDER_REJECTED), 0);
	engine_halt();
	engine_close();
	CU_ASSERT_EQUAL(e2e_check_journal_vs_venue(e2e_db), 12);
	e2e_unlink_db();
	server_stop();
}

/* The venue's algo order by clientAlgoId: its algoStatus into st. */
static bool venue_algo_status(const char *clid, char *st, size_t cap, char *actual, size_t acap)
{
	cJSON *j = sim_get_algo(clid);
	if (!j)
		return false;
	snprintf(st, cap, "%s", json_str(j, "algoStatus"));
	if (actual) {
		const cJSON *a = cJSON_GetObjectItemCaseSensitive(j, "actualOrderId");
		if (cJSON_IsString(a))
			snprintf(actual, acap, "%s", a->valuestring);
		else if (cJSON_IsNumber(a))
			snprintf(actual, acap, "%.0f", a->valuedouble);
		else
			actual[0] = '\0';
	}
	cJSON_Delete(j);
	return true;
}

static int venue_open_algos(const char *clid_a, const char *clid_b, int *found)
{
	cJSON *j = sim_get_json("/fapi/v1/openAlgoOrders", "");
	int n = -1;
	*found = 0;
	if (cJSON_IsArray(j)) {
		n = cJSON_GetArraySize(j);
		const cJSON *r;
		cJSON_ArrayForEach(r, j) {
			const char *id = json_str(r, "clientAlgoId");
			*found += !strcmp(id, clid_a) || !strcmp(id, clid_b);
		}
	}
	cJSON_Delete(j);
	return n;
}

/*
 * A signal with TP and SL: both algo orders at the venue; the mark
 * crosses `hit` (the TP or the SL); that one fills through its triggered
 * order, the other is canceled; flat, PnL equal to the venue's.
 */
static void tp_sl_round_trip(tl_signal_t sig, const char *sym, const char *qty,
			     const char *mark, const char *tp, const char *sl,
			     const char *cross, int hit_role, tl_pos_side_t ps)
{
	int other_role = hit_role == TL_ROLE_TP ? TL_ROLE_SL : TL_ROLE_TP;
	char tp_id[TL_CLID_LEN], sl_id[TL_CLID_LEN], st[32], actual[32];
	static char body[65536];
	int found;

	set_mark(sym, mark);
	/* The kernel judges TP/SL against the mark it knows: wait for it. */
	nap_ms(1200);
	signal_filled(sig, sym, qty, tp, sl, 1);
	if (!wait_ev_role(TL_EV_ORDER_ACCEPTED, TL_ROLE_TP, 0, 10 * E2E_S) ||
	    !wait_ev_role(TL_EV_ORDER_ACCEPTED, TL_ROLE_SL, 0, 10 * E2E_S))
		dump_events();
	const tl_event_t *a = find_ev_role(TL_EV_ORDER_ACCEPTED, TL_ROLE_TP, 0);
	const tl_event_t *b = find_ev_role(TL_EV_ORDER_ACCEPTED, TL_ROLE_SL, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	CU_ASSERT_EQUAL(a->u.order.type, TL_ORD_TAKE_PROFIT_MARKET);
	CU_ASSERT_EQUAL(b->u.order.type, TL_ORD_STOP_MARKET);
	memcpy(tp_id, a->u.order.client_id, TL_CLID_LEN);
	memcpy(sl_id, b->u.order.client_id, TL_CLID_LEN);
	/* Both are open algo orders at the venue, under talon's ids. */
	CU_ASSERT_EQUAL(venue_open_algos(tp_id, sl_id, &found), 2);
	CU_ASSERT_EQUAL(found, 2);
	CU_ASSERT_TRUE(venue_algo_status(tp_id, st, sizeof st, NULL, 0));
	CU_ASSERT_STRING_EQUAL(st, "NEW");
	check_pos_equal(sym, ps);

	/* The mark crosses one of them. */
	int from = nev;
	set_mark(sym, cross);
	if (!wait_ev_role(TL_EV_ORDER_FILLED, hit_role, from, 10 * E2E_S) ||
	    !wait_ev_role(TL_EV_ORDER_CANCELED, other_role, from, 10 * E2E_S))
		dump_events();
	const tl_event_t *f = find_ev_role(TL_EV_ORDER_FILLED, hit_role, from);
	const tl_event_t *x = find_ev_role(TL_EV_ORDER_CANCELED, other_role, from);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_PTR_NOT_NULL_FATAL(x);
	const char *hit_id = hit_role == TL_ROLE_TP ? tp_id : sl_id;
	const char *other_id = hit_role == TL_ROLE_TP ? sl_id : tp_id;
	CU_ASSERT_STRING_EQUAL(f->u.order.client_id, hit_id);
	CU_ASSERT_STRING_EQUAL(x->u.order.client_id, other_id);
	CU_ASSERT_EQUAL(f->u.order.filled, f->u.order.qty);
	CU_ASSERT(f->u.order.avg_price > 0);
	/* Each ends once: no second fill, no fill of the canceled one. */
	int fills = 0;
	for (int i = 0; i < nev; i++)
		fills += (evs[i].type == TL_EV_ORDER_FILLED ||
			  evs[i].type == TL_EV_ORDER_PARTIALLY_FILLED) &&
			 (!strcmp(evs[i].u.order.client_id, tp_id) ||
			  !strcmp(evs[i].u.order.client_id, sl_id));
	CU_ASSERT_EQUAL(fills, 1);

	/* The venue: the hit one triggered an order under its id, which
	 * filled; the other canceled; no algo order open; flat. */
	CU_ASSERT_TRUE(venue_algo_status(hit_id, st, sizeof st, actual, sizeof actual));
	CU_ASSERT_STRING_EQUAL(st, "FINISHED");
	CU_ASSERT(atoll(actual) > 0);
	CU_ASSERT_TRUE(venue_algo_status(other_id, st, sizeof st, NULL, 0));
	CU_ASSERT_STRING_EQUAL(st, "CANCELED");
	CU_ASSERT_EQUAL(venue_open_algos(tp_id, sl_id, &found), 0);
	char q[128];
	snprintf(q, sizeof q, "symbol=%s&origClientOrderId=%s", sym, hit_id);
	CU_ASSERT_EQUAL(sim_call("GET", "/fapi/v1/order", q, true, body, sizeof body), 200);
	CU_ASSERT_PTR_NOT_NULL(strstr(body, "\"status\":\"FILLED\""));
	snprintf(q, sizeof q, "\"orderId\":%s", actual);
	CU_ASSERT_PTR_NOT_NULL(strstr(body, q));
	tl_fx_t amt, entry;
	CU_ASSERT_TRUE(venue_pos(sym, ps, &amt, &entry));
	CU_ASSERT_EQUAL(amt, 0);
	check_pos_equal(sym, ps);
	tl_shm_snapshot_t s;
	expect_quiet_clean(&s);
}

static void test_e2e_take_profit_fills_and_cancels_stop_loss(void)
{
	tl_config_t c;

	server_start();
	cfg_binance(&c, 0);
	engine_start(&c);
	tp_sl_round_trip(TL_SIG_LONG_ENTRY, "BTCUSDT", "0.010", "60000.0",
			 "60600.0", "59400.0", "60700.0", TL_ROLE_TP, TL_PS_BOTH);
	engine_halt();
	engine_close();
	CU_ASSERT_EQUAL(e2e_check_journal_vs_venue(e2e_db), 3);
	e2e_unlink_db();
	server_stop();
}

static void test_e2e_hedge_stop_loss_fills_and_cancels_take_profit(void)
{
	tl_config_t c;

	server_start();
	e2e_acct = 0;
	venue_set_hedge();
	cfg_binance(&c, 0);
	c.kernel.hedge_mode = true;
	engine_start(&c);
	tp_sl_round_trip(TL_SIG_SHORT_ENTRY, "ETHUSDT", "0.200", "3000.00",
			 "2900.00", "3100.00", "3150.00", TL_ROLE_SL, TL_PS_SHORT);
	engine_halt();
	engine_close();
	CU_ASSERT_EQUAL(e2e_check_journal_vs_venue(e2e_db), 3);
	e2e_unlink_db();
	server_stop();
}

/* symbols.leverage is applied at the venue before anything trades. */
static void test_e2e_configured_leverage_is_set_at_the_venue(void)
{
	tl_config_t c;
	int n = 0;

	server_start();
	cfg_binance(&c, 0);
	for (uint32_t i = 0; i < c.n_symbols; i++)
		if (!strcmp(c.symbols[i], "BTCUSDT"))
			c.leverage[i] = 7, n++;
	CU_ASSERT_EQUAL_FATAL(n, 1);
	engine_start(&c);
	/* v2 carries the leverage (v3 dropped it) */
	cJSON *j = sim_get_json("/fapi/v2/positionRisk", "symbol=BTCUSDT");
	CU_ASSERT_TRUE_FATAL(cJSON_IsArray(j));
	const cJSON *r;
	int seen = 0;
	cJSON_ArrayForEach(r, j) {
		const cJSON *lv = cJSON_GetObjectItemCaseSensitive(r, "leverage");
		CU_ASSERT_TRUE(cJSON_IsString(lv) && !strcmp(lv->valuestring, "7"));
		seen++;
	}
	cJSON_Delete(j);
	CU_ASSERT(seen >= 1);
	engine_halt();
	engine_close();
	e2e_unlink_db();
	server_stop();
}

TL_TEST_SUITE("io.binance_e2e", NULL, NULL,
	      TL_TEST(test_e2e_configured_leverage_is_set_at_the_venue),
	      TL_TEST(test_e2e_oneway_signals_positions_and_pnl_equal_venue),
	      TL_TEST(test_e2e_hedge_long_and_short_positions_and_pnl_equal_venue),
	      TL_TEST(test_e2e_take_profit_fills_and_cancels_stop_loss),
	      TL_TEST(test_e2e_hedge_stop_loss_fills_and_cancels_take_profit));
