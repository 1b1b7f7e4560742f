/*
 * test_binance_reconcile.c - reconciliation with the venue
 * (io/binance/sync.c, kernel/reconcile.c) end to end: a real engine on
 * venue.type "binance" against the simulator started in-process
 * (fixture: test_binance_e2e_common.h), with a journal that survives
 * restarts.
 *
 *   (a) orders that filled while talon was down: after the restart the
 *       RESTART queries bring the missed trades (userTrades by order id),
 *       talon's position, realized PnL and commission equal the venue's;
 *   (b) open venue orders with our prefix that talon never journaled
 *       (a LIMIT and a conditional algo order) are adopted, can be
 *       canceled, their ids are never reused; another prefix is left;
 *   (c) a local open order the venue no longer knows (-2013) is FAILED;
 *   (d) a position changed behind talon's back while it was down: a
 *       POSITION_CONFLICT event and journal row; policy pause -> PAUSED;
 *       restarted with trust_venue -> the venue's position is adopted;
 *   (e) orphans on both sides (venue only, talon only), trust_venue;
 *   (f) the user stream drops every frame while orders fill, then
 *       disconnects: after the reconnect the REST resync applies every
 *       missed fill once, positions and PnL equal the venue's;
 *   (g) the position monitor (sync_interval_s 1) catches an order placed
 *       directly at the simulator with another client id.
 * Every restart replays the previous sessions (the engine refuses to
 * start if a regenerated output differs from the journal), so ADOPT,
 * POSITION_SNAPSHOT and RESYNC inputs are checked to replay exactly.
 */
#include "tests/io/binance/test_binance_e2e_common.h"

#include "io/binance/sync.h"
#include "persist/replay.h"
#include "runtime/replay_config.h"

static void setup(void) {}
static void teardown(void)
{
	e2e_teardown();
}

/* Wait until the start-up reconciliation sent its position snapshot. */
static void wait_start_done(void)
{
	int64_t end = mono() + 15 * E2E_S;
	while (mono() < end && !sync_stats().start_done) {
		poll_events();
		nap_ms(2);
	}
	CU_ASSERT_EQUAL_FATAL(sync_stats().start_done, 1);
	/* Let the engine apply what the IO thread handed over. */
	nap_ms(100);
	poll_events();
}

static void stop_engine(void)
{
	engine_halt();
	engine_close();
}

static void submit(const char *sym, tl_side_t side, tl_ord_type_t type,
		   const char *qty, const char *px, uint64_t ref)
{
	tl_order_spec_t o = { .side = (tl_order_side_t)side, .type = (tl_order_type_t)type };
	o.symbol = sym;
	o.qty = qty;
	o.price = px;
	CU_ASSERT_EQUAL_FATAL(tl_engine_submit(E, &o, ref), 0);
}

/* A signed call at the simulator as the engine's account. */
static int venue(const char *method, const char *path, const char *q)
{
	static char body[1 << 16];
	int st = sim_call(method, path, q, true, body, sizeof body);
	if (st != 200)
		printf("%s %s?%s: %d %s\n", method, path, q, st, body);
	return st;
}

/* The trading state, once the snapshot shows `want` (or 2 s passed). */
static tl_trading_state_t state_is(tl_trading_state_t want)
{
	tl_shm_snapshot_t s;
	int64_t end = mono() + 2 * E2E_S;
	do {
		CU_ASSERT_TRUE_FATAL(tl_engine_snapshot(E, &s));
		if (s.state == want)
			break;
		nap_ms(2);
	} while (mono() < end);
	return (tl_trading_state_t)s.state;
}

static int journal_count(const char *sql)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	int n = -1;
	if (sqlite3_open_v2(e2e_db, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
	    sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return n;
}

/* `talon replay --verify` of the journal (engine stopped): every output
 * regenerated identically and the tables equal the replayed state. The
 * config repeats what cfg_binance gives the kernel. */
static void replay_verify(void)
{
	char cfgp[96], json[1024], err[512];
	snprintf(cfgp, sizeof cfgp, "/tmp/tl_test_rec_%d.json", (int)getpid());
	char cwd[512];
	CU_ASSERT_PTR_NOT_NULL_FATAL(getcwd(cwd, sizeof cwd));
	snprintf(json, sizeof json,
		 "{\"kernel\": {\"order_capacity\": 1024, \"ack_timeout_ms\": 3000,"
		 " \"query_interval_ms\": 100, \"retry\": {\"base_ms\": 50, \"cap_ms\": 200}},"
		 " \"symbols\": {\"exchange_info\": \"%s/config/exchange_info.json\"},"
		 " \"journal\": {\"path\": \"%s\"}}", cwd, e2e_db);
	FILE *f = fopen(cfgp, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs(json, f);
	fclose(f);
	FILE *out = fopen("/dev/null", "w");
	tl_replay_opts_t o = { .journal_path = e2e_db, .config_path = cfgp,
			       .verify = true, .out = out };
	tl_replay_result_t res;
	memset(&res, 0, sizeof res);
	int rc = tl_replay_run(&o, &res, err, sizeof err);
	if (rc != 0)
		printf("replay --verify: rc %d %s mismatches %llu first diff %s\n", rc, err,
		       (unsigned long long)res.st.mismatches, res.first_diff);
	CU_ASSERT_EQUAL(rc, 0);
	CU_ASSERT_TRUE(res.verified);
	fclose(out);
	unlink(cfgp);
}

/* A long of 0.010 BTCUSDT opened through the engine. */
static void open_long_btc(void)
{
	submit("BTCUSDT", TL_BUY, TL_ORD_MARKET, "0.010", NULL, 1);
	bool ok = wait_snap_qty("BTCUSDT", TL_PS_BOTH, TL_FX_ONE / 100, 10 * E2E_S);
	if (!ok)
		dump_events();
	CU_ASSERT_TRUE_FATAL(ok);
}

/* (a) */
static void test_restart_after_fills_while_down(void)
{
	tl_config_t c;
	server_start();
	cfg_binance(&c, 0);
	engine_start(&c);
	wait_start_done();
	open_long_btc();
	nev = 0;
	submit("BTCUSDT", TL_BUY, TL_ORD_LIMIT, "0.020", "59000.0", 2);
	CU_ASSERT_TRUE_FATAL(wait_ev(TL_EV_ORDER_ACCEPTED, 10 * E2E_S));
	char clid[TL_CLID_LEN];
	memcpy(clid, find_ev(TL_EV_ORDER_ACCEPTED)->u.order.client_id, TL_CLID_LEN);
	stop_engine();

	/* While talon is down the market falls through the limit. */
	CU_ASSERT_EQUAL_FATAL(sim_call("POST", "/sim/mark", "symbol=BTCUSDT&price=58900", false,
				       NULL, 0), 200);
	char q[96];
	snprintf(q, sizeof q, "symbol=BTCUSDT&origClientOrderId=%s", clid);
	cJSON *o = sim_get_json("/fapi/v1/order", q);
	CU_ASSERT_STRING_EQUAL(json_str(o, "status"), "FILLED");
	cJSON_Delete(o);

	engine_start(&c);
	wait_start_done();
	CU_ASSERT_TRUE(wait_ev(TL_EV_ORDER_FILLED, 10 * E2E_S));
	const tl_event_t *f = find_ev_clid(TL_EV_ORDER_FILLED, clid);
	CU_ASSERT_PTR_NOT_NULL(f);
	if (f)
		CU_ASSERT_EQUAL(f->u.order.filled, 2 * TL_FX_ONE / 100);
	check_pos_equal("BTCUSDT", TL_PS_BOTH);
	CU_ASSERT_EQUAL(count_ev(TL_EV_POSITION_CONFLICT), 0);
	CU_ASSERT_EQUAL(count_ev(TL_EV_POSITION_ORPHAN), 0);
	CU_ASSERT_EQUAL(state_is(TL_TS_NORMAL), TL_TS_NORMAL);
	CU_ASSERT(sync_stats().trade_fetches >= 1);
	stop_engine();
	/* The fills table has the missed trade, once. */
	CU_ASSERT_EQUAL(journal_count("SELECT count(*) FROM fills WHERE symbol = 'BTCUSDT'"), 2);
	CU_ASSERT_EQUAL(e2e_check_journal_vs_venue(e2e_db), 2);	/* both orders, once */
	replay_verify();
}

/* (a2) The crash window: an order the last session sent without its
 * records reaching the journal (async mode) and that traded while the
 * engine was down. It was never open, so openOrders cannot show it: the
 * start-up reads the venue's recent orders (allOrders) and adopts it,
 * with its trades and its final status, so the position agrees with the
 * venue and nothing pauses. An order of ours outside the window is left
 * alone. */
static void test_restart_adopts_traded_order_the_journal_lost(void)
{
	tl_config_t c;
	char q[256], lost[TL_CLID_LEN];
	server_start();
	cfg_binance(&c, 0);
	engine_start(&c);
	wait_start_done();
	open_long_btc();
	const tl_event_t *f = find_ev(TL_EV_ORDER_FILLED);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	unsigned long long seq = strtoull(f->u.order.client_id + 2, NULL, 10);
	stop_engine();

	/* The next id of that session: sent, executed, not journaled. */
	snprintf(lost, sizeof lost, "tl%llu", seq + 1);
	snprintf(q, sizeof q, "symbol=BTCUSDT&side=SELL&type=MARKET&quantity=0.004"
		 "&newClientOrderId=%s", lost);
	CU_ASSERT_EQUAL_FATAL(venue("POST", "/fapi/v1/order", q), 200);
	/* Canceled without a trade: nothing to adopt. */
	snprintf(q, sizeof q, "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC"
		 "&quantity=0.010&price=50000.0&newClientOrderId=tl%llu", seq + 2);
	CU_ASSERT_EQUAL_FATAL(venue("POST", "/fapi/v1/order", q), 200);
	snprintf(q, sizeof q, "symbol=BTCUSDT&origClientOrderId=tl%llu", seq + 2);
	CU_ASSERT_EQUAL_FATAL(venue("DELETE", "/fapi/v1/order", q), 200);

	engine_start(&c);
	wait_start_done();
	bool filled = false;
	int64_t end = mono() + 10 * E2E_S;
	while (!filled && mono() < end) {
		poll_events();
		filled = find_ev_clid(TL_EV_ORDER_FILLED, lost) != NULL;
		nap_ms(5);
	}
	if (!filled)
		dump_events();
	CU_ASSERT_TRUE(filled);
	const tl_event_t *a = find_ev_clid(TL_EV_ORDER_ACCEPTED, lost);
	CU_ASSERT_PTR_NOT_NULL(a);
	if (a)
		CU_ASSERT_STRING_EQUAL(a->text, "adopted from the venue");
	CU_ASSERT_EQUAL(sync_stats().lost_adopted, 1);
	check_pos_equal("BTCUSDT", TL_PS_BOTH);	/* 0.010 - 0.004 */
	CU_ASSERT_EQUAL(count_ev(TL_EV_POSITION_CONFLICT), 0);
	CU_ASSERT_EQUAL(state_is(TL_TS_NORMAL), TL_TS_NORMAL);
	/* The new session's ids start past the lost one. */
	nev = 0;
	submit("BTCUSDT", TL_BUY, TL_ORD_LIMIT, "0.010", "59000.0", 3);
	CU_ASSERT_TRUE_FATAL(wait_ev(TL_EV_ORDER_SUBMITTED, 5 * E2E_S));
	CU_ASSERT(strtoull(find_ev(TL_EV_ORDER_SUBMITTED)->u.order.client_id + 2, NULL, 10) >
		  seq + 2);
	stop_engine();
	snprintf(q, sizeof q, "SELECT count(*) FROM orders WHERE client_id = '%s'"
		 " AND status = 'FILLED'", lost);
	CU_ASSERT_EQUAL(journal_count(q), 1);
	replay_verify();
}

/* (b) */
/* The engine's published snapshot (what `talon ctl status` shows), a
 * few publishing periods from now. */
static const tl_shm_snapshot_t *snap_after_publish(void)
{
	static tl_shm_snapshot_t s;
	nap_ms(50);	/* snapshot_hz 1000 */
	CU_ASSERT_TRUE_FATAL(tl_engine_snapshot(E, &s));
	return &s;
}

static void test_venue_order_with_our_prefix_is_adopted(void)
{
	tl_config_t c;
	server_start();
	cfg_binance(&c, 0);
	/* Sent by an earlier session whose records never reached the disk. */
	CU_ASSERT_EQUAL_FATAL(venue("POST", "/fapi/v1/order",
				    "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC"
				    "&quantity=0.010&price=59000.0&newClientOrderId=tl777"), 200);
	/* And a conditional (algo) order, also ours. */
	CU_ASSERT_EQUAL_FATAL(venue("POST", "/fapi/v1/algoOrder",
				    "algoType=CONDITIONAL&symbol=BTCUSDT&side=SELL&type=STOP_MARKET"
				    "&quantity=0.010&triggerPrice=55000.0&clientAlgoId=tl778"), 200);
	/* Not ours: left alone. */
	CU_ASSERT_EQUAL_FATAL(venue("POST", "/fapi/v1/order",
				    "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC"
				    "&quantity=0.010&price=58000.0&newClientOrderId=web123"), 200);
	engine_start(&c);
	wait_start_done();
	CU_ASSERT_TRUE(wait_ev(TL_EV_ORDER_ACCEPTED, 5 * E2E_S));
	const tl_event_t *a = find_ev_clid(TL_EV_ORDER_ACCEPTED, "tl777");
	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	CU_ASSERT_STRING_EQUAL(a->text, "adopted from the venue");
	CU_ASSERT(a->u.order.venue_id > 0);
	CU_ASSERT_EQUAL(a->u.order.qty, TL_FX_ONE / 100);
	const tl_event_t *g = find_ev_clid(TL_EV_ORDER_ACCEPTED, "tl778");
	CU_ASSERT_PTR_NOT_NULL_FATAL(g);
	CU_ASSERT_EQUAL(g->u.order.type, TL_ORD_STOP_MARKET);
	CU_ASSERT_EQUAL(g->u.order.price, 55000 * TL_FX_ONE);	/* the trigger */
	CU_ASSERT_PTR_NULL(find_ev_clid(TL_EV_ORDER_ACCEPTED, "web123"));
	CU_ASSERT_EQUAL(sync_stats().adopts, 2);
	CU_ASSERT_EQUAL(snap_after_publish()->adopted, 2);
	/* The algo order too: canceled through the engine at the algo endpoint. */
	CU_ASSERT_EQUAL(tl_engine_cancel(E, "tl778", 8), 0);
	CU_ASSERT_TRUE(wait_ev(TL_EV_ORDER_CANCELED, 10 * E2E_S));
	CU_ASSERT_PTR_NOT_NULL(find_ev_clid(TL_EV_ORDER_CANCELED, "tl778"));
	/* It is talon's now: cancel it through the engine. */
	nev = 0;
	CU_ASSERT_EQUAL(tl_engine_cancel(E, "tl777", 9), 0);
	CU_ASSERT_TRUE(wait_ev(TL_EV_ORDER_CANCELED, 10 * E2E_S));
	CU_ASSERT_PTR_NOT_NULL(find_ev_clid(TL_EV_ORDER_CANCELED, "tl777"));
	cJSON *o = sim_get_json("/fapi/v1/order", "symbol=BTCUSDT&origClientOrderId=tl777");
	CU_ASSERT_STRING_EQUAL(json_str(o, "status"), "CANCELED");
	cJSON_Delete(o);
	/* Its id is never handed out again. */
	nev = 0;
	submit("BTCUSDT", TL_BUY, TL_ORD_LIMIT, "0.010", "59000.0", 3);
	CU_ASSERT_TRUE_FATAL(wait_ev(TL_EV_ORDER_SUBMITTED, 5 * E2E_S));
	const char *id = find_ev(TL_EV_ORDER_SUBMITTED)->u.order.client_id;
	CU_ASSERT(strncmp(id, "tl", 2) == 0 && strtoull(id + 2, NULL, 10) > 777);
	stop_engine();
	CU_ASSERT_EQUAL(journal_count("SELECT count(*) FROM orders WHERE client_id = 'tl777'"
				      " AND status = 'CANCELED'"), 1);
	replay_verify();
}

/* (c) */
static void test_local_order_unknown_at_venue_fails(void)
{
	tl_config_t c;
	server_start();
	cfg_binance(&c, 0);
	engine_start(&c);
	wait_start_done();
	submit("BTCUSDT", TL_BUY, TL_ORD_LIMIT, "0.010", "59000.0", 1);
	CU_ASSERT_TRUE_FATAL(wait_ev(TL_EV_ORDER_ACCEPTED, 10 * E2E_S));
	char clid[TL_CLID_LEN];
	memcpy(clid, find_ev(TL_EV_ORDER_ACCEPTED)->u.order.client_id, TL_CLID_LEN);
	stop_engine();
	/* The venue forgets everything (answers -2013 for the order). */
	CU_ASSERT_EQUAL_FATAL(sim_call("POST", "/sim/reset", "", false, NULL, 0), 200);
	engine_start(&c);
	CU_ASSERT_TRUE(wait_ev(TL_EV_ORDER_FAILED, 10 * E2E_S));
	const tl_event_t *f = find_ev_clid(TL_EV_ORDER_FAILED, clid);
	CU_ASSERT_PTR_NOT_NULL(f);
	if (f)
		CU_ASSERT_STRING_EQUAL(f->text, "venue no longer knows the order");
	wait_start_done();
	CU_ASSERT_EQUAL(state_is(TL_TS_NORMAL), TL_TS_NORMAL);
	stop_engine();
}

/* (d) */
static void test_position_conflict_pause_then_trust_venue(void)
{
	tl_config_t c;
	server_start();
	cfg_binance(&c, 0);
	c.reconcile.policy = TL_RECON_PAUSE;
	engine_start(&c);
	wait_start_done();
	open_long_btc();
	stop_engine();
	/* Someone trades on the account while talon is down: 50 % more. */
	CU_ASSERT_EQUAL_FATAL(venue("POST", "/fapi/v1/order",
				    "symbol=BTCUSDT&side=BUY&type=MARKET&quantity=0.005"
				    "&newClientOrderId=manual1"), 200);
	engine_start(&c);
	wait_start_done();
	CU_ASSERT_TRUE(wait_ev(TL_EV_POSITION_CONFLICT, 5 * E2E_S));
	const tl_event_t *e = find_ev(TL_EV_POSITION_CONFLICT);
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	CU_ASSERT_STRING_EQUAL(e->symbol, "BTCUSDT");
	CU_ASSERT_EQUAL(e->priority, 9);
	CU_ASSERT_EQUAL(e->u.recon.local_qty, TL_FX_ONE / 100);
	CU_ASSERT_EQUAL(e->u.recon.venue_qty, 15 * TL_FX_ONE / 1000);
	CU_ASSERT_EQUAL(e->u.recon.adopted, 0);
	CU_ASSERT_TRUE(wait_ev(TL_EV_TRADING_STATE_CHANGED, 5 * E2E_S));
	CU_ASSERT_EQUAL(state_is(TL_TS_PAUSED), TL_TS_PAUSED);
	CU_ASSERT_EQUAL(snap_after_publish()->conflicts, 1);
	tl_order_spec_t o = { .symbol = "BTCUSDT", .side = TL_SIDE_BUY, .type = TL_ORDER_MARKET,
			      .qty = "0.001" };
	nev = 0;
	tl_engine_submit(E, &o, 5);
	CU_ASSERT_TRUE(wait_ev(TL_EV_ORDER_REJECTED, 5 * E2E_S));
	stop_engine();
	CU_ASSERT_EQUAL(journal_count("SELECT count(*) FROM events WHERE type = 'POSITION_CONFLICT'"), 1);
	/* the first start saw no position at the venue: only this one */
	CU_ASSERT_EQUAL(journal_count("SELECT count(*) FROM journal WHERE type_name = 'POSITION_SNAPSHOT'"
				      " AND symbol = 'BTCUSDT'"), 1);

	/* A person decides to trust the venue. */
	c.reconcile.policy = TL_RECON_TRUST_VENUE;
	engine_start(&c);
	wait_start_done();
	CU_ASSERT_TRUE(wait_ev(TL_EV_POSITION_CONFLICT, 5 * E2E_S));
	e = find_ev(TL_EV_POSITION_CONFLICT);
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	CU_ASSERT_EQUAL(e->u.recon.adopted, 1);
	check_pos_equal_pnl("BTCUSDT", TL_PS_BOTH, false);
	CU_ASSERT_EQUAL(state_is(TL_TS_PAUSED), TL_TS_PAUSED);	/* still: the journal says so */
	stop_engine();
	/* Replayed once more (start refuses on any difference): same state. */
	engine_start(&c);
	wait_start_done();
	CU_ASSERT_EQUAL(count_ev(TL_EV_POSITION_CONFLICT), 0);
	check_pos_equal_pnl("BTCUSDT", TL_PS_BOTH, false);
	stop_engine();
	CU_ASSERT_EQUAL(journal_count("SELECT count(*) FROM positions WHERE symbol = 'BTCUSDT'"
				      " AND qty = '0.015'"), 1);
	replay_verify();
}

/* (e) */
static void test_orphans_both_sides(void)
{
	tl_config_t c;
	server_start();
	cfg_binance(&c, 0);
	c.reconcile.policy = TL_RECON_TRUST_VENUE;
	engine_start(&c);
	wait_start_done();
	open_long_btc();
	stop_engine();
	/* talon only: the long is closed at the venue by someone else;
	 * venue only: a short on ETHUSDT talon never saw. */
	CU_ASSERT_EQUAL_FATAL(venue("POST", "/fapi/v1/order",
				    "symbol=BTCUSDT&side=SELL&type=MARKET&quantity=0.010"
				    "&newClientOrderId=manual2"), 200);
	CU_ASSERT_EQUAL_FATAL(venue("POST", "/fapi/v1/order",
				    "symbol=ETHUSDT&side=SELL&type=MARKET&quantity=0.100"
				    "&newClientOrderId=manual3"), 200);
	engine_start(&c);
	wait_start_done();
	CU_ASSERT_EQUAL(count_ev(TL_EV_POSITION_ORPHAN), 2);
	bool talon_only = false, venue_only = false;
	for (int i = 0; i < nev; i++) {
		if (evs[i].type != TL_EV_POSITION_ORPHAN)
			continue;
		if (!strcmp(evs[i].symbol, "BTCUSDT") && evs[i].u.recon.venue_qty == 0 &&
		    evs[i].u.recon.local_qty == TL_FX_ONE / 100)
			talon_only = true;
		if (!strcmp(evs[i].symbol, "ETHUSDT") && evs[i].u.recon.local_qty == 0 &&
		    evs[i].u.recon.venue_qty == -TL_FX_ONE / 10)
			venue_only = true;
	}
	CU_ASSERT_TRUE(talon_only);
	CU_ASSERT_TRUE(venue_only);
	CU_ASSERT_EQUAL(snap_after_publish()->orphans, 2);
	CU_ASSERT_EQUAL(snap_after_publish()->conflicts, 0);
	check_pos_equal_pnl("BTCUSDT", TL_PS_BOTH, false);
	check_pos_equal_pnl("ETHUSDT", TL_PS_BOTH, false);
	CU_ASSERT_EQUAL(state_is(TL_TS_NORMAL), TL_TS_NORMAL);
	stop_engine();
	CU_ASSERT_EQUAL(journal_count("SELECT count(*) FROM events WHERE type = 'POSITION_ORPHAN'"), 2);
	replay_verify();
}

/* (f) */
static void test_stream_drop_resync_applies_fills_once(void)
{
	tl_config_t c;
	server_start();
	cfg_binance(&c, 0);
	c.reconcile.sync_interval_s = 0;	/* only the resync looks */
	engine_start(&c);
	wait_start_done();
	uint64_t epoch0 = sync_stats().synced_epoch;
	CU_ASSERT_EQUAL_FATAL(sim_call("POST", "/sim/faults", "stream_drop_permille=1000", false,
				       NULL, 0), 200);
	nev = 0;
	submit("BTCUSDT", TL_BUY, TL_ORD_MARKET, "0.010", NULL, 1);
	submit("BTCUSDT", TL_BUY, TL_ORD_MARKET, "0.005", NULL, 2);
	submit("ETHUSDT", TL_SELL, TL_ORD_MARKET, "0.100", NULL, 3);
	/* Acked by REST; their fills went nowhere. */
	int64_t end = mono() + 10 * E2E_S;
	while (mono() < end && count_ev(TL_EV_ORDER_ACCEPTED) < 3) {
		poll_events();
		nap_ms(2);
	}
	CU_ASSERT_EQUAL_FATAL(count_ev(TL_EV_ORDER_ACCEPTED), 3);
	nap_ms(300);
	poll_events();
	CU_ASSERT_EQUAL(count_ev(TL_EV_ORDER_FILLED), 0);
	/* The stream drops; it comes back clean. */
	CU_ASSERT_EQUAL_FATAL(sim_call("POST", "/sim/faults",
				       "stream_drop_permille=0&disconnect_streams=true", false,
				       NULL, 0), 200);
	end = mono() + 20 * E2E_S;
	while (mono() < end && count_ev(TL_EV_ORDER_FILLED) < 3) {
		poll_events();
		nap_ms(2);
	}
	CU_ASSERT_EQUAL(count_ev(TL_EV_ORDER_FILLED), 3);
	CU_ASSERT(sync_stats().resyncs >= 1);
	CU_ASSERT(sync_stats().synced_epoch > epoch0);
	CU_ASSERT(snap_after_publish()->resyncs >= 1);
	check_pos_equal("BTCUSDT", TL_PS_BOTH);
	check_pos_equal("ETHUSDT", TL_PS_BOTH);
	CU_ASSERT_EQUAL(count_ev(TL_EV_POSITION_CONFLICT) + count_ev(TL_EV_POSITION_ORPHAN), 0);
	stop_engine();
	CU_ASSERT_EQUAL(journal_count("SELECT count(*) FROM fills"), 3);
	CU_ASSERT_EQUAL(e2e_check_journal_vs_venue(e2e_db), 3);
	replay_verify();
}

/* (g) */
static void test_monitor_catches_conflict_behind_our_back(void)
{
	tl_config_t c;
	server_start();
	cfg_binance(&c, 0);
	c.reconcile.sync_interval_s = 1;
	c.reconcile.policy = TL_RECON_PAUSE;
	engine_start(&c);
	wait_start_done();
	open_long_btc();
	nap_ms(2500);	/* two monitor rounds that agree */
	poll_events();
	CU_ASSERT_EQUAL(count_ev(TL_EV_POSITION_CONFLICT), 0);
	CU_ASSERT_EQUAL(venue("POST", "/fapi/v1/order",
			      "symbol=BTCUSDT&side=BUY&type=MARKET&quantity=0.005"
			      "&newClientOrderId=manual4"), 200);
	CU_ASSERT_TRUE(wait_ev(TL_EV_POSITION_CONFLICT, 10 * E2E_S));
	const tl_event_t *e = find_ev(TL_EV_POSITION_CONFLICT);
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	CU_ASSERT_EQUAL(e->u.recon.source, TL_SNAP_MONITOR);
	CU_ASSERT_EQUAL(e->u.recon.venue_qty, 15 * TL_FX_ONE / 1000);
	CU_ASSERT_TRUE(wait_ev(TL_EV_TRADING_STATE_CHANGED, 5 * E2E_S));
	if (state_is(TL_TS_PAUSED) != TL_TS_PAUSED)
		dump_events();
	CU_ASSERT_EQUAL(state_is(TL_TS_PAUSED), TL_TS_PAUSED);
	CU_ASSERT(sync_stats().snapshots >= 3);
	stop_engine();
}

/* The reconcile config keys: defaults, values, every refusal. */
static void test_config_keys(void)
{
	tl_config_t c;
	char err[512];
	tl_config_defaults(&c);
	CU_ASSERT_EQUAL(c.reconcile.policy, TL_RECON_PAUSE);
	CU_ASSERT_EQUAL(c.reconcile.tolerance_pct, TL_FX_ONE);
	CU_ASSERT_EQUAL(c.reconcile.sync_interval_s, 60);
	CU_ASSERT_EQUAL(c.reconcile.confirm, 2);
	const char *ok = "{\"reconcile\": {\"policy\": \"trust_venue\", "
			 "\"tolerance_pct\": \"2.5\", \"sync_interval_s\": 0, \"confirm\": 3}}";
	CU_ASSERT_EQUAL_FATAL(tl_config_parse(&c, ok, strlen(ok), NULL, err, sizeof err), 0);
	CU_ASSERT_EQUAL(c.reconcile.policy, TL_RECON_TRUST_VENUE);
	CU_ASSERT_EQUAL(c.reconcile.tolerance_pct, 250000000);
	CU_ASSERT_EQUAL(c.reconcile.sync_interval_s, 0);
	CU_ASSERT_EQUAL(c.reconcile.confirm, 3);
	static const struct { const char *json, *needle; } bad[] = {
		{ "{\"reconcile\": {\"policy\": \"yolo\"}}", "reconcile.policy" },
		{ "{\"reconcile\": {\"tolerance_pct\": 1}}", "reconcile.tolerance_pct" },
		{ "{\"reconcile\": {\"tolerance_pct\": \"101\"}}", "reconcile.tolerance_pct" },
		{ "{\"reconcile\": {\"tolerance_pct\": \"-1\"}}", "reconcile.tolerance_pct" },
		{ "{\"reconcile\": {\"sync_interval_s\": 86401}}", "reconcile.sync_interval_s" },
		{ "{\"reconcile\": {\"confirm\": 0}}", "reconcile.confirm" },
		{ "{\"reconcile\": {\"confirm\": 11}}", "reconcile.confirm" },
		{ "{\"reconcile\": {\"sync_interval\": 60}}", "sync_interval" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		err[0] = '\0';
		CU_ASSERT_EQUAL(tl_config_parse(&c, bad[i].json, strlen(bad[i].json), NULL,
						err, sizeof err), -1);
		if (!strstr(err, bad[i].needle))
			printf("config %s: \"%s\"\n", bad[i].json, err);
		CU_ASSERT_PTR_NOT_NULL(strstr(err, bad[i].needle));
	}
}

TL_TEST_SUITE("io.binance_reconcile", setup, teardown,
	      TL_TEST(test_config_keys),
	      TL_TEST(test_restart_after_fills_while_down),
	      TL_TEST(test_restart_adopts_traded_order_the_journal_lost),
	      TL_TEST(test_venue_order_with_our_prefix_is_adopted),
	      TL_TEST(test_local_order_unknown_at_venue_fails),
	      TL_TEST(test_position_conflict_pause_then_trust_venue),
	      TL_TEST(test_orphans_both_sides),
	      TL_TEST(test_stream_drop_resync_applies_fills_once),
	      TL_TEST(test_monitor_catches_conflict_behind_our_back));
