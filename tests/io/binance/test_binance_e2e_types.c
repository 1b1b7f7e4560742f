/*
 * test_binance_e2e_types.c - every order type, cancels, partial fills and
 * reduce-only refusals, end to end: the engine (tl_engine_submit /
 * tl_engine_cancel) on the Binance adapter against the simulated exchange
 * (fixture: test_binance_e2e_common.h).
 *
 * The venue's book is made thin so orders fill in several trades:
 * BTCUSDT 5 levels of 0.004 a side, partial_fills on (no bottomless last
 * level; a resting order fills by at most 0.004 per book move). The mark
 * is set and frozen through /sim/mark, so every fill price is known.
 *
 * Covered:
 *   - LIMIT far from the market rests (NEW, in the venue's openOrders,
 *     under talon's client id), is canceled (CANCELED event, CANCELED at
 *     the venue, gone from openOrders, nothing filled);
 *   - a marketable LIMIT takes two levels and rests the remainder
 *     (PARTIALLY_FILLED twice, PARTIALLY_FILLED at the venue), then is
 *     canceled: CANCELED with its 0.008 filled, as at the venue;
 *   - MARKET walking four levels: PARTIALLY_FILLED three times, then
 *     FILLED; a LIMIT IOC taking two levels, the rest EXPIRED; a resting
 *     LIMIT filled as maker in three trades by three book moves;
 *   - for each of these: talon's fill events equal the venue's userTrades
 *     of that order (count and quantity), the last one's filled and
 *     average price equal the venue's executedQty and avgPrice, and the
 *     position, realized PnL and commission equal positionRisk and the
 *     sums of userTrades, all to the last digit;
 *   - standalone STOP_MARKET (buy above, sell below) and
 *     TAKE_PROFIT_MARKET (reduce-only, both directions), and STOP and
 *     TAKE_PROFIT limit variants, submitted by the strategy: an open algo
 *     order at the venue under talon's client id and type; the mark
 *     crosses the trigger, the triggered order (same client id) fills in
 *     several trades, the algo order is FINISHED with that order as its
 *     actualOrderId; fills, average price, position and PnL as above;
 *   - a STOP whose triggered LIMIT does not cross rests at the venue
 *     (algo order FINISHED): talon's cancel still takes it off the book
 *     (regression: the cancel went to the algo endpoint only, got -2011
 *     "Unknown order sent." and the order stayed on the book for good);
 *   - reduce-only orders that would increase (or flip, or open) a
 *     position are refused by the kernel (REDUCE_ONLY_NOT_REDUCING, no
 *     client id, no venue code), reach nothing at the venue, change no
 *     position; a real reduce-only close then works;
 *   - after each test: no open order, no duplicate fill, no invalid
 *     transition, and the journal's REQ_NEW orders equal the venue's
 *     orders (e2e_check_journal_vs_venue).
 */
#include "tests/io/binance/test_binance_e2e_common.h"

#define FX(milli) ((tl_fx_t)(milli) * TL_FX_ONE / 1000)	/* 3 decimals */

/* The thin book described above. */
static void types_tweak(tl_sim_config_t *c)
{
	for (int i = 0; i < c->nsym; i++) {
		c->sym[i].partial_fills = true;
		if (!strcmp(c->sym[i].name, "BTCUSDT"))
			c->sym[i].level_qty = FX(4);
		else if (!strcmp(c->sym[i].name, "ETHUSDT"))
			c->sym[i].level_qty = FX(50);
	}
}

static void types_start(void)
{
	tl_config_t c;

	server_start_cfg(types_tweak);
	cfg_binance(&c, 0);
	engine_start(&c);
}

/* Nothing open, nothing counted twice or out of order; stop the engine,
 * then the journal against the venue (njournal REQ_NEW ids). */
static void types_finish(int njournal)
{
	tl_shm_snapshot_t s;

	expect_quiet_clean(&s);
	CU_ASSERT_EQUAL(s.state, TL_TS_NORMAL);
	CU_ASSERT_EQUAL(count_ev(TL_EV_ORDER_FAILED), 0);
	engine_halt();
	engine_close();
	CU_ASSERT_EQUAL(e2e_check_journal_vs_venue(e2e_db), njournal);
	e2e_unlink_db();
	server_stop();
}

/* ---- talon's side ------------------------------------------------------- */

/* First event of type t for user_ref ref, waited for up to max_ns. */
static const tl_event_t *wait_ref(tl_event_type_t t, uint64_t ref, int64_t max_ns)
{
	int64_t end = mono() + max_ns;
	for (;;) {
		int before = nev;
		poll_events();
		for (int i = 0; i < nev; i++)
			if (evs[i].type == t && evs[i].u.order.user_ref == ref &&
			    evs[i].u.order.role == TL_ROLE_PLAIN)
				return &evs[i];
		if (mono() >= end) {
			printf("no %s for ref %llu\n", tl_event_name(t), (unsigned long long)ref);
			dump_events();
			return NULL;
		}
		if (nev == before)
			nap();
	}
}

/* First event of type t for client id clid, waited for up to max_ns. */
static const tl_event_t *wait_clid(tl_event_type_t t, const char *clid, int64_t max_ns)
{
	int64_t end = mono() + max_ns;
	for (;;) {
		int before = nev;
		poll_events();
		const tl_event_t *e = find_ev_clid(t, clid);
		if (e)
			return e;
		if (mono() >= end) {
			printf("no %s for %s\n", tl_event_name(t), clid);
			dump_events();
			return NULL;
		}
		if (nev == before)
			nap();
	}
}

/* Submit o as ref and wait until the venue accepted it; its client id
 * into clid (TL_CLID_LEN). Fatal when it was not accepted. */
static void submit_accepted(const tl_order_spec_t *o, uint64_t ref, char *clid)
{
	CU_ASSERT_EQUAL_FATAL(tl_engine_submit(E, o, ref), 0);
	const tl_event_t *a = wait_ref(TL_EV_ORDER_ACCEPTED, ref, 10 * E2E_S);
	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	CU_ASSERT_EQUAL(a->u.order.type, o->type);
	CU_ASSERT(a->u.order.venue_id > 0);
	memcpy(clid, a->u.order.client_id, TL_CLID_LEN);
}

/* Submit o as ref and wait for its terminal event of type t. */
static const tl_event_t *submit_until(const tl_order_spec_t *o, uint64_t ref,
				      tl_event_type_t t, char *clid)
{
	CU_ASSERT_EQUAL_FATAL(tl_engine_submit(E, o, ref), 0);
	const tl_event_t *e = wait_ref(t, ref, 10 * E2E_S);
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	memcpy(clid, e->u.order.client_id, TL_CLID_LEN);
	return e;
}

/* talon's fill events of clid: how many, their total quantity, the last
 * one (its filled / avg_price are the order's final ones); *late counts
 * fill events after a FILLED one (there must be none). */
static int talon_fills_late(const char *clid, tl_fx_t *sum, const tl_event_t **last,
			    int *late)
{
	int n = 0, filled = 0;
	*sum = 0;
	*last = NULL;
	*late = 0;
	for (int i = 0; i < nev; i++) {
		const tl_event_t *e = &evs[i];
		if ((e->type != TL_EV_ORDER_PARTIALLY_FILLED && e->type != TL_EV_ORDER_FILLED) ||
		    strcmp(e->u.order.client_id, clid))
			continue;
		*late += filled > 0;
		filled += e->type == TL_EV_ORDER_FILLED;
		n++;
		*sum += e->u.order.last_qty;
		*last = e;
	}
	return n;
}

static int talon_fills(const char *clid, tl_fx_t *sum, const tl_event_t **last)
{
	int late;
	return talon_fills_late(clid, sum, last, &late);
}

/* ---- the venue's side ---------------------------------------------------- */

typedef struct vorder {
	char status[24], type[24];
	tl_fx_t exec, avg;
	long long id;
} vorder_t;

/* The venue's order by client id (for an algo order: the order it
 * triggered, which carries the same id). */
static bool venue_order(const char *sym, const char *clid, vorder_t *v)
{
	char q[128];
	snprintf(q, sizeof q, "symbol=%s&origClientOrderId=%s", sym, clid);
	cJSON *j = sim_get_json("/fapi/v1/order", q);
	bool ok = cJSON_IsObject(j) && json_fx(j, "executedQty", &v->exec) &&
		  json_fx(j, "avgPrice", &v->avg);
	if (ok) {
		const cJSON *id = cJSON_GetObjectItemCaseSensitive(j, "orderId");
		v->id = cJSON_IsNumber(id) ? (long long)id->valuedouble : 0;
		snprintf(v->status, sizeof v->status, "%s", json_str(j, "status"));
		snprintf(v->type, sizeof v->type, "%s", json_str(j, "type"));
	}
	cJSON_Delete(j);
	return ok;
}

/* The venue's trades of one order: how many, their total quantity. */
static int venue_trades(const char *sym, long long order_id, tl_fx_t *sum)
{
	char q[64];
	snprintf(q, sizeof q, "symbol=%s&limit=1000", sym);
	cJSON *j = sim_get_json("/fapi/v1/userTrades", q);
	int n = 0;
	*sum = 0;
	if (!cJSON_IsArray(j)) {
		cJSON_Delete(j);
		return -1;
	}
	const cJSON *r;
	cJSON_ArrayForEach(r, j) {
		const cJSON *id = cJSON_GetObjectItemCaseSensitive(r, "orderId");
		tl_fx_t qty;
		if (!cJSON_IsNumber(id) || (long long)id->valuedouble != order_id)
			continue;
		if (json_fx(r, "qty", &qty))
			*sum += qty;
		n++;
	}
	cJSON_Delete(j);
	return n;
}

/* How many of the venue's open orders (path: openOrders or
 * openAlgoOrders) carry id under key (id NULL: all of them); -1 when it
 * cannot be asked. */
static int venue_open_count(const char *path, const char *q, const char *key,
			    const char *id)
{
	cJSON *j = sim_get_json(path, q);
	int n = -1;
	if (cJSON_IsArray(j)) {
		n = 0;
		const cJSON *r;
		cJSON_ArrayForEach(r, j)
			n += !id || !strcmp(json_str(r, key), id);
	}
	cJSON_Delete(j);
	return n;
}

/* The venue's algo order by clientAlgoId. */
typedef struct valgo {
	char status[24], type[24];
	long long actual;
} valgo_t;

static bool venue_algo(const char *clid, valgo_t *v)
{
	cJSON *j = sim_get_algo(clid);
	if (!j)
		return false;
	snprintf(v->status, sizeof v->status, "%s", json_str(j, "algoStatus"));
	snprintf(v->type, sizeof v->type, "%s", json_str(j, "orderType"));
	v->actual = atoll(json_str(j, "actualOrderId"));
	cJSON_Delete(j);
	return true;
}

/*
 * One order of talon against the venue, once it ended at the venue with
 * venue status `want` after `ntrades` trades: talon's fill events equal
 * the venue's userTrades of that order (count and quantity), and the last
 * one's filled and average price equal executedQty and avgPrice, to the
 * last digit. Waits (5 s at most) for fills still on their way.
 */
static void check_order(const char *sym, const char *clid, const char *want, int ntrades)
{
	vorder_t v;
	tl_fx_t vsum = 0, tsum = 0;
	const tl_event_t *last = NULL;
	char a[TL_FX_STRLEN], b[TL_FX_STRLEN];

	CU_ASSERT_TRUE_FATAL(venue_order(sym, clid, &v));
	CU_ASSERT_STRING_EQUAL(v.status, want);
	int vn = venue_trades(sym, v.id, &vsum);
	CU_ASSERT_EQUAL(vn, ntrades);
	CU_ASSERT_EQUAL(vsum, v.exec);
	int64_t end = mono() + 5 * E2E_S;
	int tn = talon_fills(clid, &tsum, &last);
	while (tsum != v.exec && mono() < end) {
		nap_ms(2);
		poll_events();
		tn = talon_fills(clid, &tsum, &last);
	}
	int late;
	tn = talon_fills_late(clid, &tsum, &last, &late);
	CU_ASSERT_EQUAL(late, 0);	/* every PARTIALLY_FILLED before FILLED */
	CU_ASSERT_EQUAL(tn, vn);
	CU_ASSERT_EQUAL(tsum, v.exec);
	if (!ntrades)
		return;
	CU_ASSERT_PTR_NOT_NULL_FATAL(last);
	CU_ASSERT_EQUAL(last->u.order.filled, v.exec);
	CU_ASSERT_EQUAL(last->u.order.avg_price, v.avg);
	if (last->u.order.avg_price != v.avg || tn != vn) {
		tl_fx_format(last->u.order.avg_price, 8, a, sizeof a);
		tl_fx_format(v.avg, 8, b, sizeof b);
		printf("%s: talon %d fills avg %s, venue %d trades avg %s\n", clid, tn, a,
		       vn, b);
	}
	/* FILLED at the venue: exactly the last fill event was FILLED. */
	CU_ASSERT_EQUAL(last->type == TL_EV_ORDER_FILLED, !strcmp(want, "FILLED"));
}

/* ---- (a) LIMIT rests and is canceled; a partially filled one too -------- */

static void test_e2e_limit_rests_then_canceled_and_partial_limit_canceled(void)
{
	char id1[TL_CLID_LEN], id2[TL_CLID_LEN];
	vorder_t v;

	types_start();
	set_mark("BTCUSDT", "60000.0");	/* bid 60000.0, ask 60000.1 */

	/* Far below the market: rests. */
	tl_order_spec_t lim = { .symbol = "BTCUSDT", .side = TL_SIDE_BUY, .type = TL_ORDER_LIMIT,
				.qty = "0.010", .price = "59000.0" };
	submit_accepted(&lim, 1, id1);
	CU_ASSERT_EQUAL(venue_open_count("/fapi/v1/openOrders", "symbol=BTCUSDT",
					 "clientOrderId", id1), 1);
	CU_ASSERT_TRUE(venue_order("BTCUSDT", id1, &v) && !strcmp(v.status, "NEW"));
	CU_ASSERT_EQUAL(tl_engine_cancel(E, id1, 2), 0);
	const tl_event_t *x = wait_clid(TL_EV_ORDER_CANCELED, id1, 10 * E2E_S);
	CU_ASSERT_PTR_NOT_NULL_FATAL(x);
	CU_ASSERT_EQUAL(x->u.order.filled, 0);
	CU_ASSERT_EQUAL(venue_open_count("/fapi/v1/openOrders", "symbol=BTCUSDT",
					 "clientOrderId", id1), 0);
	check_order("BTCUSDT", id1, "CANCELED", 0);

	/* Marketable up to 60000.2: takes 0.004 @ 60000.1 and 0.004 @
	 * 60000.2, the other 0.004 rests; then canceled. */
	tl_order_spec_t part = { .symbol = "BTCUSDT", .side = TL_SIDE_BUY, .type = TL_ORDER_LIMIT,
				 .qty = "0.012", .price = "60000.2" };
	submit_accepted(&part, 3, id2);
	int64_t end = mono() + 10 * E2E_S;
	tl_fx_t sum = 0;
	const tl_event_t *last = NULL;
	while (talon_fills(id2, &sum, &last) < 2 && mono() < end) {
		poll_events();
		nap();
	}
	CU_ASSERT_EQUAL(talon_fills(id2, &sum, &last), 2);
	CU_ASSERT_EQUAL(sum, FX(8));
	CU_ASSERT_PTR_NOT_NULL_FATAL(last);
	CU_ASSERT_EQUAL(last->type, TL_EV_ORDER_PARTIALLY_FILLED);
	CU_ASSERT_TRUE(venue_order("BTCUSDT", id2, &v) && !strcmp(v.status, "PARTIALLY_FILLED"));
	CU_ASSERT_EQUAL(venue_open_count("/fapi/v1/openOrders", "symbol=BTCUSDT",
					 "clientOrderId", id2), 1);
	check_pos_equal("BTCUSDT", TL_PS_BOTH);
	CU_ASSERT_EQUAL(tl_engine_cancel(E, id2, 4), 0);
	x = wait_clid(TL_EV_ORDER_CANCELED, id2, 10 * E2E_S);
	CU_ASSERT_PTR_NOT_NULL_FATAL(x);
	CU_ASSERT_EQUAL(x->u.order.filled, FX(8));
	CU_ASSERT_EQUAL(venue_open_count("/fapi/v1/openOrders", "symbol=BTCUSDT",
					 "clientOrderId", id2), 0);
	check_order("BTCUSDT", id2, "CANCELED", 2);
	check_pos_equal("BTCUSDT", TL_PS_BOTH);
	tl_fx_t amt, entry;
	CU_ASSERT_TRUE(venue_pos("BTCUSDT", TL_PS_BOTH, &amt, &entry) && amt == FX(8));
	CU_ASSERT_EQUAL(count_ev(TL_EV_ORDER_REJECTED), 0);
	types_finish(2);
}

/* ---- (b) partial fills: MARKET across levels, IOC, resting maker -------- */

static void test_e2e_partial_fills_equal_venue_trades(void)
{
	char id[TL_CLID_LEN];
	tl_fx_t amt, entry;

	types_start();
	set_mark("BTCUSDT", "60000.0");

	/* MARKET 0.014: 0.004 @ 60000.1, .2, .3 and 0.002 @ 60000.4. */
	tl_order_spec_t mkt = { .symbol = "BTCUSDT", .side = TL_SIDE_BUY, .type = TL_ORDER_MARKET,
				.qty = "0.014" };
	const tl_event_t *f = submit_until(&mkt, 1, TL_EV_ORDER_FILLED, id);
	CU_ASSERT_EQUAL(f->u.order.filled, FX(14));
	CU_ASSERT_EQUAL(count_ev(TL_EV_ORDER_PARTIALLY_FILLED), 3);
	check_order("BTCUSDT", id, "FILLED", 4);
	check_pos_equal("BTCUSDT", TL_PS_BOTH);

	/* LIMIT IOC 0.012 up to 60000.2 (ask 60000.1): two levels, the rest
	 * expires. */
	tl_order_spec_t ioc = { .symbol = "BTCUSDT", .side = TL_SIDE_BUY, .type = TL_ORDER_LIMIT,
				.tif = TL_IOC, .qty = "0.012", .price = "60000.2" };
	submit_until(&ioc, 2, TL_EV_ORDER_EXPIRED, id);
	check_order("BTCUSDT", id, "EXPIRED", 2);
	check_pos_equal("BTCUSDT", TL_PS_BOTH);

	/* A resting SELL 0.010 @ 60050.0; each book move that crosses it
	 * fills 0.004 of it as maker: three moves, three trades. */
	tl_order_spec_t rest = { .symbol = "BTCUSDT", .side = TL_SIDE_SELL, .type = TL_ORDER_LIMIT,
				 .qty = "0.010", .price = "60050.0" };
	submit_accepted(&rest, 3, id);
	for (int k = 1; k <= 3; k++) {
		tl_fx_t sum;
		const tl_event_t *last;
		set_mark("BTCUSDT", "60060.0");
		int64_t end = mono() + 10 * E2E_S;
		while (talon_fills(id, &sum, &last) < k && mono() < end) {
			poll_events();
			nap();
		}
		CU_ASSERT_EQUAL(talon_fills(id, &sum, &last), k);
	}
	CU_ASSERT_PTR_NOT_NULL(find_ev_clid(TL_EV_ORDER_FILLED, id));
	check_order("BTCUSDT", id, "FILLED", 3);
	check_pos_equal("BTCUSDT", TL_PS_BOTH);
	CU_ASSERT_TRUE(venue_pos("BTCUSDT", TL_PS_BOTH, &amt, &entry) && amt == FX(12));

	/* Close: a reduce-only MARKET SELL, three levels of the bid. */
	tl_order_spec_t close = { .symbol = "BTCUSDT", .side = TL_SIDE_SELL, .type = TL_ORDER_MARKET,
				  .reduce_only = true, .qty = "0.012" };
	submit_until(&close, 4, TL_EV_ORDER_FILLED, id);
	check_order("BTCUSDT", id, "FILLED", 3);
	check_pos_equal("BTCUSDT", TL_PS_BOTH);
	CU_ASSERT_TRUE(venue_pos("BTCUSDT", TL_PS_BOTH, &amt, &entry) && amt == 0);
	CU_ASSERT_EQUAL(count_ev(TL_EV_ORDER_REJECTED), 0);
	types_finish(4);
}

/* ---- (c) conditional orders through the Algo Service --------------------- */

/*
 * A standalone conditional order o (ref): open at the venue as an algo
 * order under talon's id and type; the mark set to `cross` triggers it,
 * its order fills in ntrades trades; the algo order is FINISHED with that
 * order as actualOrderId; fills, average price, position and PnL equal
 * the venue's.
 */
static void cond_round(const tl_order_spec_t *o, uint64_t ref, const char *cross,
		       int ntrades)
{
	char id[TL_CLID_LEN];
	valgo_t va;
	vorder_t v;

	submit_accepted(o, ref, id);
	CU_ASSERT_EQUAL(venue_open_count("/fapi/v1/openAlgoOrders", "", "clientAlgoId", id), 1);
	CU_ASSERT_TRUE_FATAL(venue_algo(id, &va));
	CU_ASSERT_STRING_EQUAL(va.status, "NEW");
	CU_ASSERT_STRING_EQUAL(va.type, tl_ord_type_name((tl_ord_type_t)o->type));
	/* Not triggered yet: nothing filled, the position as it was. */
	CU_ASSERT_PTR_NULL(find_ev_clid(TL_EV_ORDER_PARTIALLY_FILLED, id));
	check_pos_equal(o->symbol, TL_PS_BOTH);

	set_mark(o->symbol, cross);
	const tl_event_t *f = wait_clid(TL_EV_ORDER_FILLED, id, 10 * E2E_S);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_EQUAL(f->u.order.type, o->type);
	CU_ASSERT_EQUAL(f->u.order.user_ref, ref);
	CU_ASSERT_TRUE_FATAL(venue_algo(id, &va));
	CU_ASSERT_STRING_EQUAL(va.status, "FINISHED");
	CU_ASSERT_EQUAL(venue_open_count("/fapi/v1/openAlgoOrders", "", "clientAlgoId", id), 0);
	CU_ASSERT_TRUE_FATAL(venue_order(o->symbol, id, &v));
	CU_ASSERT_EQUAL(va.actual, v.id);
	CU_ASSERT_STRING_EQUAL(v.type, o->type == TL_ORDER_STOP || o->type == TL_ORDER_TAKE_PROFIT
					       ? "LIMIT" : "MARKET");
	check_order(o->symbol, id, "FILLED", ntrades);
	check_pos_equal(o->symbol, TL_PS_BOTH);
}

static void test_e2e_stop_market_and_take_profit_market_fill_and_equal_venue(void)
{
	tl_fx_t amt, entry;

	types_start();
	set_mark("BTCUSDT", "60000.0");

	/* Buy stop above the market opens a long: 0.004 @ 60120.1, 60120.2,
	 * 0.002 @ 60120.3. */
	tl_order_spec_t sm_buy = { .symbol = "BTCUSDT", .side = TL_SIDE_BUY,
				   .type = TL_ORDER_STOP_MARKET, .qty = "0.010",
				   .stop_price = "60100.0" };
	cond_round(&sm_buy, 1, "60120.0", 3);
	CU_ASSERT_TRUE(venue_pos("BTCUSDT", TL_PS_BOTH, &amt, &entry) && amt == FX(10));

	/* Its take-profit, reduce-only: sells above, flat. */
	tl_order_spec_t tp_sell = { .symbol = "BTCUSDT", .side = TL_SIDE_SELL,
				    .type = TL_ORDER_TAKE_PROFIT_MARKET, .reduce_only = true,
				    .qty = "0.010", .stop_price = "60300.0" };
	cond_round(&tp_sell, 2, "60320.0", 3);
	CU_ASSERT_TRUE(venue_pos("BTCUSDT", TL_PS_BOTH, &amt, &entry) && amt == 0);

	/* Sell stop below the market opens a short: two levels. */
	tl_order_spec_t sm_sell = { .symbol = "BTCUSDT", .side = TL_SIDE_SELL,
				    .type = TL_ORDER_STOP_MARKET, .qty = "0.008",
				    .stop_price = "60200.0" };
	cond_round(&sm_sell, 3, "60180.0", 2);
	CU_ASSERT_TRUE(venue_pos("BTCUSDT", TL_PS_BOTH, &amt, &entry) && amt == -FX(8));

	/* Its take-profit buys below, flat. */
	tl_order_spec_t tp_buy = { .symbol = "BTCUSDT", .side = TL_SIDE_BUY,
				   .type = TL_ORDER_TAKE_PROFIT_MARKET, .reduce_only = true,
				   .qty = "0.008", .stop_price = "60000.0" };
	cond_round(&tp_buy, 4, "59980.0", 2);
	CU_ASSERT_TRUE(venue_pos("BTCUSDT", TL_PS_BOTH, &amt, &entry) && amt == 0);
	CU_ASSERT_EQUAL(count_ev(TL_EV_ORDER_REJECTED), 0);
	types_finish(4);
}

static void test_e2e_stop_and_take_profit_limit_fill_and_equal_venue(void)
{
	tl_fx_t amt, entry;

	types_start();
	set_mark("BTCUSDT", "60000.0");

	/* STOP: buy limit 60110.0 once the mark reaches 60100.0; at 60105.0
	 * it takes 0.004 @ 60105.1 and 0.002 @ 60105.2. */
	tl_order_spec_t stop = { .symbol = "BTCUSDT", .side = TL_SIDE_BUY, .type = TL_ORDER_STOP,
				 .qty = "0.006", .price = "60110.0", .stop_price = "60100.0" };
	cond_round(&stop, 1, "60105.0", 2);
	CU_ASSERT_TRUE(venue_pos("BTCUSDT", TL_PS_BOTH, &amt, &entry) && amt == FX(6));

	/* TAKE_PROFIT, reduce-only: sell limit 60290.0 once the mark reaches
	 * 60300.0; at 60310.0 it takes 0.004 @ 60310.0, 0.002 @ 60309.9. */
	tl_order_spec_t tp = { .symbol = "BTCUSDT", .side = TL_SIDE_SELL,
			       .type = TL_ORDER_TAKE_PROFIT, .reduce_only = true,
			       .qty = "0.006", .price = "60290.0", .stop_price = "60300.0" };
	cond_round(&tp, 2, "60310.0", 2);
	CU_ASSERT_TRUE(venue_pos("BTCUSDT", TL_PS_BOTH, &amt, &entry) && amt == 0);
	CU_ASSERT_EQUAL(count_ev(TL_EV_ORDER_REJECTED), 0);
	types_finish(2);
}

/*
 * A STOP whose triggered LIMIT does not cross rests at the venue under
 * talon's id (the algo order is FINISHED by then); talon's cancel must
 * still take it off the book.
 */
static void test_e2e_triggered_stop_limit_resting_is_canceled(void)
{
	char id[TL_CLID_LEN];
	valgo_t va;
	vorder_t v;

	types_start();
	set_mark("BTCUSDT", "60000.0");
	tl_order_spec_t stop = { .symbol = "BTCUSDT", .side = TL_SIDE_BUY, .type = TL_ORDER_STOP,
				 .qty = "0.006", .price = "60100.0", .stop_price = "60100.0" };
	submit_accepted(&stop, 1, id);
	/* Triggered at 60150.0 (ask 60150.1): the BUY at 60100.0 rests. */
	set_mark("BTCUSDT", "60150.0");
	int64_t end = mono() + 5 * E2E_S;
	while (!(venue_algo(id, &va) && !strcmp(va.status, "FINISHED")) && mono() < end)
		nap_ms(5);
	CU_ASSERT_STRING_EQUAL(va.status, "FINISHED");
	CU_ASSERT_TRUE_FATAL(venue_order("BTCUSDT", id, &v));
	CU_ASSERT_STRING_EQUAL(v.status, "NEW");
	CU_ASSERT_STRING_EQUAL(v.type, "LIMIT");
	CU_ASSERT_EQUAL(venue_open_count("/fapi/v1/openOrders", "symbol=BTCUSDT",
					 "clientOrderId", id), 1);
	nap_ms(100);
	poll_events();
	CU_ASSERT_EQUAL(tl_engine_cancel(E, id, 2), 0);
	const tl_event_t *x = wait_clid(TL_EV_ORDER_CANCELED, id, 5 * E2E_S);
	CU_ASSERT_PTR_NOT_NULL(x);
	CU_ASSERT_EQUAL(venue_open_count("/fapi/v1/openOrders", "symbol=BTCUSDT",
					 "clientOrderId", id), 0);
	CU_ASSERT_TRUE(venue_order("BTCUSDT", id, &v) && !strcmp(v.status, "CANCELED"));
	CU_ASSERT_EQUAL(count_ev(TL_EV_ORDER_CANCEL_REJECTED), 0);
	if (!x) {	/* leave the venue clean for the journal check */
		char q[128];
		snprintf(q, sizeof q, "symbol=BTCUSDT&origClientOrderId=%s", id);
		sim_call_once("DELETE", "/fapi/v1/order", q, true, NULL, 0);
	}
	types_finish(1);
}

/* ---- (d) reduce-only that would not reduce ------------------------------- */

static int venue_all_orders(const char *sym)
{
	static e2e_ids_t ids;	/* 37 KiB: not on the stack */
	char q[64];

	ids.n = 0;
	snprintf(q, sizeof q, "symbol=%s&limit=1000", sym);
	return venue_ids("/fapi/v1/allOrders", q, "clientOrderId", &ids) ? ids.n : -1;
}

static void test_e2e_reduce_only_that_would_increase_is_refused(void)
{
	char id[TL_CLID_LEN];
	tl_fx_t amt, entry, amt2, entry2;
	tl_shm_snapshot_t s;

	types_start();
	set_mark("BTCUSDT", "60000.0");
	set_mark("ETHUSDT", "3000.00");
	tl_order_spec_t buy = { .symbol = "BTCUSDT", .side = TL_SIDE_BUY, .type = TL_ORDER_MARKET,
				.qty = "0.010" };
	submit_until(&buy, 1, TL_EV_ORDER_FILLED, id);
	check_pos_equal("BTCUSDT", TL_PS_BOTH);
	CU_ASSERT_TRUE_FATAL(venue_pos("BTCUSDT", TL_PS_BOTH, &amt, &entry));
	CU_ASSERT_EQUAL(amt, FX(10));
	int n_btc = venue_all_orders("BTCUSDT"), n_eth = venue_all_orders("ETHUSDT");
	CU_ASSERT_EQUAL(n_btc, 1);
	CU_ASSERT_EQUAL(n_eth, 0);
	CU_ASSERT_TRUE_FATAL(tl_engine_snapshot(E, &s));
	uint64_t refused0 = s.refused;

	/* Long 0.010: a reduce-only BUY adds (MARKET, LIMIT, STOP_MARKET), a
	 * reduce-only SELL of 0.020 flips; flat ETHUSDT: a reduce-only SELL
	 * opens a short. */
	const tl_order_spec_t bad[] = {
		{ .symbol = "BTCUSDT", .side = TL_SIDE_BUY, .type = TL_ORDER_MARKET,
		  .reduce_only = true, .qty = "0.005" },
		{ .symbol = "BTCUSDT", .side = TL_SIDE_BUY, .type = TL_ORDER_LIMIT,
		  .reduce_only = true, .qty = "0.005", .price = "59000.0" },
		{ .symbol = "BTCUSDT", .side = TL_SIDE_BUY, .type = TL_ORDER_STOP_MARKET,
		  .reduce_only = true, .qty = "0.005", .stop_price = "60500.0" },
		{ .symbol = "BTCUSDT", .side = TL_SIDE_SELL, .type = TL_ORDER_MARKET,
		  .reduce_only = true, .qty = "0.020" },
		{ .symbol = "ETHUSDT", .side = TL_SIDE_SELL, .type = TL_ORDER_MARKET,
		  .reduce_only = true, .qty = "0.100" },
	};
	int nbad = (int)(sizeof bad / sizeof bad[0]);
	for (int i = 0; i < nbad; i++) {
		uint64_t ref = 10 + (uint64_t)i;
		CU_ASSERT_EQUAL_FATAL(tl_engine_submit(E, &bad[i], ref), 0);
		const tl_event_t *r = wait_ref(TL_EV_ORDER_REJECTED, ref, 5 * E2E_S);
		CU_ASSERT_PTR_NOT_NULL_FATAL(r);
		CU_ASSERT_EQUAL(r->u.order.reject, TL_REJ_REDUCE_ONLY_NOT_REDUCING);
		CU_ASSERT_EQUAL(r->u.order.venue_code, 0);
		CU_ASSERT_STRING_EQUAL(r->u.order.client_id, "");
		CU_ASSERT_STRING_EQUAL(r->symbol, bad[i].symbol);
		/* Refused before it got an id: never submitted. */
		for (int k = 0; k < nev; k++)
			if (evs[k].type == TL_EV_ORDER_SUBMITTED ||
			    evs[k].type == TL_EV_ORDER_ACCEPTED)
				CU_ASSERT_NOT_EQUAL(evs[k].u.order.user_ref, ref);
	}
	/* Nothing reached the venue, nothing changed. */
	nap_ms(200);
	poll_events();
	CU_ASSERT_TRUE_FATAL(tl_engine_snapshot(E, &s));
	CU_ASSERT_EQUAL(s.refused - refused0, (uint64_t)nbad);
	CU_ASSERT_EQUAL(s.open_orders, 0);
	CU_ASSERT_EQUAL(venue_all_orders("BTCUSDT"), n_btc);
	CU_ASSERT_EQUAL(venue_all_orders("ETHUSDT"), n_eth);
	CU_ASSERT_EQUAL(venue_open_count("/fapi/v1/openAlgoOrders", "", "clientAlgoId", NULL), 0);
	CU_ASSERT_TRUE(venue_pos("BTCUSDT", TL_PS_BOTH, &amt2, &entry2));
	CU_ASSERT_EQUAL(amt2, amt);
	CU_ASSERT_EQUAL(entry2, entry);
	CU_ASSERT_TRUE(venue_pos("ETHUSDT", TL_PS_BOTH, &amt2, &entry2) && amt2 == 0);
	check_pos_equal("BTCUSDT", TL_PS_BOTH);
	check_pos_equal("ETHUSDT", TL_PS_BOTH);

	/* A reduce-only SELL that does reduce goes through and flattens. */
	tl_order_spec_t close = { .symbol = "BTCUSDT", .side = TL_SIDE_SELL, .type = TL_ORDER_MARKET,
				  .reduce_only = true, .qty = "0.010" };
	submit_until(&close, 20, TL_EV_ORDER_FILLED, id);
	check_order("BTCUSDT", id, "FILLED", 3);
	check_pos_equal("BTCUSDT", TL_PS_BOTH);
	CU_ASSERT_TRUE(venue_pos("BTCUSDT", TL_PS_BOTH, &amt2, &entry2) && amt2 == 0);
	CU_ASSERT_EQUAL(count_ev(TL_EV_ORDER_REJECTED), nbad);
	types_finish(2);
}

TL_TEST_SUITE("io.binance_e2e_types", NULL, e2e_teardown,
	      TL_TEST(test_e2e_limit_rests_then_canceled_and_partial_limit_canceled),
	      TL_TEST(test_e2e_partial_fills_equal_venue_trades),
	      TL_TEST(test_e2e_stop_market_and_take_profit_market_fill_and_equal_venue),
	      TL_TEST(test_e2e_stop_and_take_profit_limit_fill_and_equal_venue),
	      TL_TEST(test_e2e_triggered_stop_limit_resting_is_canceled),
	      TL_TEST(test_e2e_reduce_only_that_would_increase_is_refused));
