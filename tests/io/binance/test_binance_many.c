/*
 * test_binance_many.c - many symbols end to end: a real engine on
 * venue.type "binance" against the simulator started in-process
 * (fixture: test_binance_e2e_common.h) with MANY symbols and one open
 * position on each, past every cap that once stopped this: the kernel's
 * table (256), symbols.only (128), the simulator (16, and its 32-bit
 * stream subscription masks), the shm snapshot (128 positions) and the
 * adapter's 256 KiB response buffer (positionRisk of more than about
 * 500 positions did not fit, so the position monitor failed every round
 * without a word).
 *
 *   - MANY marketable LIMIT buys (no mark needed) fill; the snapshot
 *     carries MANY positions;
 *   - marks for all of them by the all-market stream (!markPrice@arr@1s):
 *     a mark set at the venue for the 501st symbol shows in its position
 *     (mark, unrealized PnL), with no premiumIndex poll in between;
 *   - the position monitor (sync_interval_s 1) completes rounds with all
 *     of them, no error, no POSITION_CONFLICT;
 *   - LIQUIDATE closes them all: EMERGENCY_COMPLETED, one
 *     POSITION_LIQUIDATED each, the venue flat with no open order.
 */
#include "tests/io/binance/test_binance_e2e_common.h"

#include "io/binance/sync.h"

#define MANY 600

static char xinfo_path[96];

static void setup(void) {}
static void teardown(void)
{
	e2e_teardown();
	if (xinfo_path[0])
		unlink(xinfo_path);
}

static void many_sym(char *buf, size_t len, int i)
{
	snprintf(buf, len, "M%03dUSDT", i);
}

static tl_fx_t fxs(const char *s)
{
	tl_fx_t v = 0;
	CU_ASSERT_EQUAL(tl_fx_parse_cstr(s, &v), TL_FX_OK);
	return v;
}

/* MANY symbols like the bench's: mark 100, tick 0.01, step 0.001, no
 * drift; limits out of the way. */
static void many_tweak(tl_sim_config_t *s)
{
	tl_sim_symbol_cfg_t t = s->sym[0];

	s->nsym = MANY;
	for (int i = 0; i < MANY; i++) {
		tl_sim_symbol_cfg_t *y = &s->sym[i];
		*y = t;
		many_sym(y->name, sizeof y->name, i);
		snprintf(y->base, sizeof y->base, "M%03d", i);
		y->price_prec = 2;
		y->qty_prec = 3;
		y->tick = y->min_price = fxs("0.01");
		y->max_price = fxs("100000");
		y->step = y->min_qty = y->mkt_step = y->mkt_min_qty = fxs("0.001");
		y->max_qty = fxs("10000");
		y->mkt_max_qty = fxs("1000");
		y->min_notional = fxs("5");
		y->max_orders = 200;
		y->start_price = fxs("100");
		y->vol_bps = 0;
		y->level_qty = fxs("100");
	}
	s->weight_1m = s->orders_10s = s->orders_1m = 1000000000;
	s->ban_after = 1000000000;
	CU_ASSERT_EQUAL(tl_fx_parse_cstr("1000000000", &s->acct[0].usdt), TL_FX_OK);
}

/* Open positions and open orders at the venue (v3 positionRisk lists
 * only symbols with either). */
static void venue_counts(int *positions, int *orders)
{
	static char body[1 << 20];
	cJSON *root, *p;

	*positions = *orders = -1;
	CU_ASSERT_EQUAL_FATAL(sim_call("GET", "/fapi/v3/positionRisk", "", true, body,
				       sizeof body), 200);
	root = cJSON_Parse(body);
	CU_ASSERT_FATAL(cJSON_IsArray(root));
	*positions = 0;
	cJSON_ArrayForEach(p, root) {
		tl_fx_t amt = 0;
		if (json_fx(p, "positionAmt", &amt) && amt != 0)
			(*positions)++;
	}
	cJSON_Delete(root);
	CU_ASSERT_EQUAL_FATAL(sim_call("GET", "/fapi/v1/openOrders", "", true, body,
				       sizeof body), 200);
	root = cJSON_Parse(body);
	CU_ASSERT_FATAL(cJSON_IsArray(root));
	*orders = cJSON_GetArraySize(root);
	cJSON_Delete(root);
}

static void test_many_positions_monitored_and_liquidated(void)
{
	static char xi[1 << 20];
	static tl_config_t c;
	static tl_shm_snapshot_t s;
	int pos, ord;

	CU_ASSERT(MANY <= TL_CFG_SYMBOLS_MAX && MANY <= TL_SIM_MAX_SYMBOLS &&
		  MANY <= TL_SHM_POS_MAX);
	server_start_cfg(many_tweak);
	/* The venue's own exchangeInfo is the engine's symbol file. */
	CU_ASSERT_EQUAL_FATAL(sim_call("GET", "/fapi/v1/exchangeInfo", "", false, xi,
				       sizeof xi), 200);
	CU_ASSERT_FATAL(strlen(xi) + 1 < sizeof xi);
	snprintf(xinfo_path, sizeof xinfo_path, "/tmp/tl_test_many_%d.json", (int)getpid());
	FILE *f = fopen(xinfo_path, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs(xi, f);
	CU_ASSERT_EQUAL_FATAL(fclose(f), 0);

	cfg_binance(&c, 0);
	snprintf(c.exchange_info, sizeof c.exchange_info, "%s", xinfo_path);
	c.n_symbols = MANY;
	for (int i = 0; i < MANY; i++)
		many_sym(c.symbols[i], sizeof c.symbols[i], i);
	c.kernel.order_cap = 4096;
	c.kernel.rate_10s = c.kernel.rate_1m = 0;
	c.kernel.max_open_orders = 0;
	tl_binance_cfg(&c)->orders_10s = tl_binance_cfg(&c)->orders_1m = tl_binance_cfg(&c)->weight_1m = 1000000000;
	c.reconcile.sync_interval_s = 1;
	engine_start(&c);

	/* One long per symbol: marketable LIMITs need no mark. */
	char sym[TL_SYMBOL_NAMELEN];
	for (int i = 0; i < MANY; i++) {
		many_sym(sym, sizeof sym, i);
		tl_order_spec_t o = { .symbol = sym, .side = TL_SIDE_BUY, .type = TL_ORDER_LIMIT,
				      .tif = TL_GTC, .qty = "0.100", .price = "101" };
		CU_ASSERT_EQUAL_FATAL(tl_engine_submit(E, &o, (uint64_t)i + 1), 0);
	}
	int64_t end = mono() + 30 * E2E_S;
	bool all = false;
	while (!all && mono() < end) {
		poll_events();
		all = tl_engine_snapshot(E, &s) && s.n_pos == MANY &&
		      count_ev(TL_EV_ORDER_FILLED) == MANY;
		nap();
	}
	if (!all)
		printf("\n  %d fills, snapshot n_pos %u\n", count_ev(TL_EV_ORDER_FILLED), s.n_pos);
	CU_ASSERT_FATAL(all);
	CU_ASSERT_PTR_NOT_NULL(snap_pos(&s, "M599USDT", TL_PS_BOTH));
	venue_counts(&pos, &ord);
	CU_ASSERT_EQUAL(pos, MANY);
	CU_ASSERT_EQUAL(ord, 0);

	/* Marks of every symbol come by the stream: past
	 * TL_BINANCE_STREAM_URL_SYMBOLS the adapter takes !markPrice@arr@1s. A
	 * mark set at the venue for the 501st symbol reaches the kernel's
	 * position by it, not by a premiumIndex poll (none while the
	 * market stream is up). */
	tl_venue_t *v = tl_engine_venue(E);
	const tl_shm_pos_t *p;
	end = mono() + 5 * E2E_S;
	while (mono() < end && tl_binance_stream_inputs(v, TL_IN_MARK) < MANY)
		nap_ms(10);
	uint64_t m0 = tl_binance_stream_inputs(v, TL_IN_MARK);
	CU_ASSERT_FATAL(m0 >= MANY);
	uint64_t polls = tl_binance_mark_polls(v);
	CU_ASSERT_EQUAL_FATAL(sim_call("POST", "/sim/mark", "symbol=M500USDT&price=123.45",
				       false, NULL, 0), 200);
	end = mono() + 5 * E2E_S;
	bool moved = false;
	while (!moved && mono() < end) {
		moved = tl_engine_snapshot(E, &s) &&
			(p = snap_pos(&s, "M500USDT", TL_PS_BOTH)) != NULL &&
			p->mark == fxs("123.45");
		if (!moved)
			nap_ms(10);
	}
	CU_ASSERT_TRUE(moved);
	p = snap_pos(&s, "M500USDT", TL_PS_BOTH);
	if (p)   /* long 0.1 bought at about 100 */
		CU_ASSERT(p->unrealized >= fxs("2.2") && p->unrealized <= fxs("2.4"));
	CU_ASSERT_EQUAL(tl_binance_mark_polls(v), polls);
	CU_ASSERT(tl_binance_stream_inputs(v, TL_IN_MARK) >= m0 + MANY);

	/* Monitor rounds over every position: none fails, none disagrees. */
	tl_binance_sync_stats_t st0 = sync_stats();
	end = mono() + 10 * E2E_S;
	while (mono() < end && sync_stats().snapshots < st0.snapshots + 2) {
		poll_events();
		nap_ms(10);
	}
	tl_binance_sync_stats_t st1 = sync_stats();
	CU_ASSERT(st1.snapshots >= st0.snapshots + 2);
	CU_ASSERT_EQUAL(st1.errors, st0.errors);
	CU_ASSERT_EQUAL(count_ev(TL_EV_POSITION_CONFLICT), 0);

	/* An order the kernel does not know, resting on the 551st symbol:
	 * only the venue sweep (DELETE allOpenOrders per symbol) removes it,
	 * and the sweep once stopped at 256 symbols. */
	CU_ASSERT_EQUAL_FATAL(sim_call("POST", "/fapi/v1/order",
				       "symbol=M550USDT&side=BUY&type=LIMIT&timeInForce=GTC"
				       "&quantity=0.100&price=50&newClientOrderId=foreign550",
				       true, NULL, 0), 200);
	venue_counts(&pos, &ord);
	CU_ASSERT_EQUAL(ord, 1);

	/* The kill switch (the shm word, so the venue sweeps too) flattens
	 * them all. */
	CU_ASSERT_FATAL(tl_engine_kill(E, "test: many") > 0);
	CU_ASSERT_TRUE(wait_ev(TL_EV_EMERGENCY_COMPLETED, 30 * E2E_S));
	poll_events();
	CU_ASSERT_EQUAL(count_ev(TL_EV_POSITION_LIQUIDATED), MANY);
	/* the sweep runs beside the kernel's closes: give it its time */
	end = mono() + 10 * E2E_S;
	do {
		venue_counts(&pos, &ord);
		if (pos == 0 && ord == 0)
			break;
		nap_ms(50);
	} while (mono() < end);
	CU_ASSERT_EQUAL(pos, 0);
	CU_ASSERT_EQUAL(ord, 0);
	/* the snapshot follows at the next publish (snapshot_hz 1000) */
	end = mono() + 2 * E2E_S;
	while (mono() < end && (!tl_engine_snapshot(E, &s) || s.emg_ok != MANY))
		nap();
	CU_ASSERT_EQUAL(s.emg_ok, MANY);
	engine_halt();
	engine_close();
}

TL_TEST_SUITE("io.binance_many", setup, teardown,
	      TL_TEST(test_many_positions_monitored_and_liquidated));
