/*
 * test_binance_e2e_faults.c - never lose, never double, under the
 * simulated exchange's faults, end to end (fixture:
 * test_binance_e2e_common.h). One test per fault; each runs the same
 * workload on two symbols while the fault is on: MARKET buys and sells
 * (they fill) and LIMIT orders far from the market (they rest), then
 * cancel-all, until the engine has no open order. Afterwards, with the
 * fault off:
 *   - the venue's orders (allOrders, both symbols) have no duplicate
 *     client id and equal the journal's REQ_NEW orders (those that ended
 *     REJECTED or FAILED absent), see e2e_check_journal_vs_venue;
 *   - talon's positions equal positionRisk, and realized PnL and
 *     commission equal the sums of the venue's userTrades (fills the
 *     stream missed come from userTrades too, with their commission);
 *   - no order of the workload was refused or failed, and the engine is
 *     still NORMAL (a fault it recovered from is no reason to pause);
 *   - the fault really bit (a counter, or the journal, shows it).
 *
 * Faults: connection reset after the request was handled (30 % of
 * writes; resolved by queries: an id is sent again only after the venue
 * said it does not have it, e.g. a request pipelined behind the reset
 * one); a 429 storm
 * (30 % of POST /fapi/v1/order answered 429 -1015 with Retry-After: the
 * same ids are resent, each is at the venue once); stream connections
 * dropped while orders fill and the listenKey expired while orders fill
 * (what the stream missed comes back by the REST resync, journaled as
 * RESYNC); every stream event sent twice (each fill applied once); the
 * venue's clock 20 s ahead (-1021, /fapi/v1/time re-read) mid-run.
 *
 * Runtime: about 10 s (the 429 storm is most of it: the adapter holds
 * its queue after each 429).
 */
#include "tests/io/binance/test_binance_e2e_common.h"

enum { N_MKT = 10, N_LMT = 4 };

/* Submit the workload's orders (refs from ref0). */
static void workload_submit(uint64_t ref0)
{
	for (int i = 0; i < N_MKT; i++) {
		bool eth = i & 1;
		tl_order_spec_t o = { .type = TL_ORDER_MARKET };
		o.symbol = eth ? "ETHUSDT" : "BTCUSDT";
		o.qty = eth ? "0.010" : "0.002";
		o.side = (i % 3 == 2) ? TL_SIDE_SELL : TL_SIDE_BUY;
		CU_ASSERT_EQUAL(tl_engine_submit(E, &o, ref0 + (uint64_t)i), 0);
	}
	for (int i = 0; i < N_LMT; i++) {
		bool eth = i & 1;
		tl_order_spec_t o = { .type = TL_ORDER_LIMIT, .side = TL_SIDE_BUY };
		o.symbol = eth ? "ETHUSDT" : "BTCUSDT";
		o.qty = eth ? "0.010" : "0.002";
		static const char *px_btc[] = { "58000.0", "58100.0" };
		static const char *px_eth[] = { "2900.00", "2910.00" };
		o.price = eth ? px_eth[i / 2] : px_btc[i / 2];
		CU_ASSERT_EQUAL(tl_engine_submit(E, &o, ref0 + N_MKT + (uint64_t)i), 0);
	}
}

/* Status of the order with user_ref `ref`: 2 terminal, 1 acked, 0 none. */
static int ref_state(uint64_t ref)
{
	int st = 0;
	for (int i = 0; i < nev; i++) {
		if (evs[i].u.order.user_ref != ref || evs[i].u.order.role != TL_ROLE_PLAIN)
			continue;
		if (ev_terminal(evs[i].type))
			return 2;
		if (evs[i].type == TL_EV_ORDER_ACCEPTED)
			st = 1;
	}
	return st;
}

/* Every MARKET ended, every LIMIT acked or ended. */
static bool workload_settled(uint64_t ref0)
{
	for (int i = 0; i < N_MKT + N_LMT; i++)
		if (ref_state(ref0 + (uint64_t)i) < (i < N_MKT ? 2 : 1))
			return false;
	return true;
}

/*
 * Run one round of the workload: submit, wait (up to max_ns) until it
 * settled, cancel-all on both symbols, wait until nothing is open.
 * `during` (may be NULL) runs once, right after the orders were submitted.
 */
static void workload_round(uint64_t ref0, void (*during)(void), int64_t max_ns)
{
	workload_submit(ref0);
	if (during)
		during();
	int64_t end = mono() + max_ns;
	while (!workload_settled(ref0) && mono() < end) {
		poll_events();
		nap_ms(2);
	}
	if (!workload_settled(ref0))
		dump_events();
	CU_ASSERT_TRUE(workload_settled(ref0));
	/* Settled means filled / acked: nothing refused or failed. */
	for (int i = 0; i < nev; i++)
		if (evs[i].type == TL_EV_ORDER_REJECTED || evs[i].type == TL_EV_ORDER_FAILED) {
			printf("  %s %s ref %llu: %s\n", tl_event_name(evs[i].type),
			       evs[i].u.order.client_id,
			       (unsigned long long)evs[i].u.order.user_ref, evs[i].text);
			CU_FAIL("an order of the workload was refused or failed");
			break;
		}
	CU_ASSERT_EQUAL(tl_engine_cancel_all(E, "BTCUSDT"), 0);
	CU_ASSERT_EQUAL(tl_engine_cancel_all(E, "ETHUSDT"), 0);
	bool quiet = wait_quiet(max_ns);
	if (!quiet)
		dump_events();
	CU_ASSERT_TRUE(quiet);
}

/* After the run: fault off, positions, stop, journal vs venue. */
static void finish(bool with_pnl)
{
	CU_ASSERT_EQUAL(sim_call("POST", "/sim/faults",
				 "reset_ppm=0&stream_disconnect_every_ms=0&stream_dup_permille=0"
				 "&endpoint_error=clear&clock_offset_ms=0",
				 false, NULL, 0), 200);
	check_pos_equal_pnl("BTCUSDT", TL_PS_BOTH, with_pnl);
	check_pos_equal_pnl("ETHUSDT", TL_PS_BOTH, with_pnl);
	/* Still trading: a fault the engine recovered from is no reason to
	 * stop (a resync that found what it missed is not a conflict). */
	tl_shm_snapshot_t s;
	CU_ASSERT_TRUE(tl_engine_snapshot(E, &s));
	if (s.state != TL_TS_NORMAL)
		printf("trading state %s after the run\n",
		       tl_trading_state_name((tl_trading_state_t)s.state));
	CU_ASSERT_EQUAL(s.state, TL_TS_NORMAL);
	engine_halt();
}

static uint64_t e2e_epoch;	/* user stream epoch when the engine stopped */

static void finish_check_journal(int min_orders)
{
	e2e_epoch = tl_binance_stream_epoch(tl_engine_venue(E));
	engine_close();
	int n = e2e_check_journal_vs_venue(e2e_db);
	if (n < min_orders)
		printf("journal: %d REQ_NEW orders, expected >= %d\n", n, min_orders);
	CU_ASSERT(n >= min_orders);
	e2e_unlink_db();
	server_stop();
}

/* 30 % of writes (orders, cancels) are handled, then the connection is
 * closed without an answer: the kernel queries, never resends blindly. */
static void test_e2e_faults_reset_after_send_no_duplicates(void)
{
	tl_config_t c;
	tl_binance_stats_t st;

	server_start();
	cfg_binance(&c, 0);
	/* A reset takes the requests pipelined behind it along: written,
	 * never read, so UNKNOWN, queried, "does not exist", and sent again
	 * once send_window has passed (K2), while younger than
	 * resend_max_age (10 s). At 30 % an order can be caught twice or
	 * more: a short window (recvWindow 1 s, which the venue enforces)
	 * keeps each round short, so none ages out. */
	tl_binance_cfg(&c)->recv_window_ms = 1000;
	c.kernel.send_window_ns = 1500LL * 1000000;
	engine_start(&c);
	CU_ASSERT_EQUAL_FATAL(sim_call("POST", "/sim/faults", "reset_ppm=300000", false, NULL, 0), 200);
	workload_round(1000, NULL, 20 * E2E_S);
	workload_round(2000, NULL, 20 * E2E_S);
	finish(true);
	tl_binance_stats(tl_engine_venue(E), &st);
	CU_ASSERT(st.transport_errors >= 1);	/* the resets were seen */
	finish_check_journal(2 * (N_MKT + N_LMT));
	/* Resolved by queries, never by a blind resend. An id is sent
	 * again only once a query found that the venue does not have it:
	 * requests pipelined behind a reset one on its connection were
	 * written (so UNKNOWN, queried) but never read by the venue. */
	CU_ASSERT_EQUAL(e2e_jr.n_blind, 0);
	if (e2e_jr.n_req_new != e2e_jr.req_new.n)
		printf("REQ_NEW rows %d, distinct ids %d (resent after -2013)\n",
		       e2e_jr.n_req_new, e2e_jr.req_new.n);
}

/* A 429 storm: 30 % of POST /fapi/v1/order answered 429 -1015 "Too many
 * new orders" (with Retry-After, 0 s here; the venue's own order-count
 * limiter is covered by test_binance.c and sim/ tests, and talon's local
 * limiter keeps a well-behaved client below it). Nothing was executed on
 * a 429, so the retry with the same client id must leave exactly one
 * order at the venue. */
static void test_e2e_faults_429_storm_no_duplicates(void)
{
	tl_config_t c;

	server_start();
	cfg_binance(&c, 0);
	c.kernel.backoff.max_attempts = 10;
	engine_start(&c);
	CU_ASSERT_EQUAL_FATAL(sim_call("POST", "/sim/faults",
				       "endpoint_error=POST%20%2Ffapi%2Fv1%2Forder%20300000%20-1015",
				       false, NULL, 0), 200);
	workload_round(1000, NULL, 25 * E2E_S);
	finish(true);
	finish_check_journal(N_MKT + N_LMT);
	/* The 429s bit: some client ids were sent more than once (each
	 * retry after a 429), yet each is at the venue once. */
	if (e2e_jr.n_req_new <= e2e_jr.req_new.n)
		printf("REQ_NEW rows %d, distinct ids %d\n", e2e_jr.n_req_new, e2e_jr.req_new.n);
	CU_ASSERT(e2e_jr.n_req_new > e2e_jr.req_new.n);
}

static void drop_streams(void)
{
	for (int i = 0; i < 3; i++) {
		CU_ASSERT_EQUAL(sim_call("POST", "/sim/faults", "disconnect_streams=true",
					 false, NULL, 0), 200);
		nap_ms(30);
	}
}

/* A round of orders with `fault` hitting the user stream mid-way, then,
 * once the stream is back up, a second round: what the stream missed
 * must come back (REST resync), nothing twice. */
static void stream_fault_round(void (*fault)(void))
{
	tl_config_t c;

	server_start();
	cfg_binance(&c, 0);
	engine_start(&c);
	workload_round(1000, fault, 20 * E2E_S);
	/* The stream comes back. */
	int64_t end = mono() + 10 * E2E_S;
	while (mono() < end &&
	       tl_binance_stream_state(tl_engine_venue(E)) != TL_BINANCE_STREAM_UP)
		nap();
	CU_ASSERT_EQUAL(tl_binance_stream_state(tl_engine_venue(E)), TL_BINANCE_STREAM_UP);
	workload_round(2000, NULL, 20 * E2E_S);
	finish(true);
	finish_check_journal(2 * (N_MKT + N_LMT));
	/* The stream did come back (a new epoch), and a REST resync ran
	 * (after it, or at start-up if the drop came first). */
	CU_ASSERT(e2e_epoch >= 2);
	CU_ASSERT(e2e_jr.n_resync >= 1);
}

/* Stream connections dropped while the orders fill: what the stream
 * missed must come back (REST resync), nothing twice. */
static void test_e2e_faults_stream_drops_no_loss_no_duplicates(void)
{
	stream_fault_round(drop_streams);
}

/* Every stream event twice: fills are applied once (by trade id). */
static void test_e2e_faults_duplicated_stream_events_applied_once(void)
{
	tl_config_t c;
	tl_shm_snapshot_t s;

	server_start();
	cfg_binance(&c, 0);
	engine_start(&c);
	CU_ASSERT_EQUAL_FATAL(sim_call("POST", "/sim/faults", "stream_dup_permille=1000",
				       false, NULL, 0), 200);
	workload_round(1000, NULL, 20 * E2E_S);
	CU_ASSERT_TRUE(tl_engine_snapshot(E, &s));
	CU_ASSERT(s.duplicate_fills >= N_MKT);	/* every fill came twice */
	CU_ASSERT_EQUAL(s.fills, N_MKT);
	CU_ASSERT_EQUAL(count_ev(TL_EV_ORDER_FILLED), N_MKT);
	finish(true);
	finish_check_journal(N_MKT + N_LMT);
}

static void expire_key(void)
{
	CU_ASSERT_EQUAL(sim_call("POST", "/sim/faults", "expire_listen_key=test",
				 false, NULL, 0), 200);
}

/* The listenKey expires while orders fill: a new key, a new stream, and
 * what was missed comes back; nothing twice. */
static void test_e2e_faults_listen_key_expiry_no_loss_no_duplicates(void)
{
	stream_fault_round(expire_key);
}

static void clock_jump(void)
{
	CU_ASSERT_EQUAL(sim_call("POST", "/sim/faults", "clock_offset_ms=20000",
				 false, NULL, 0), 200);
	e2e_ts_offset = 20000;	/* our own signed calls follow the venue */
}

/* The venue's clock jumps 20 s ahead mid-run: -1021, the adapter
 * re-reads /fapi/v1/time, the retries go through; nothing twice. */
static void test_e2e_faults_clock_offset_no_duplicates(void)
{
	tl_config_t c;
	tl_binance_stats_t st;

	server_start();
	cfg_binance(&c, 0);
	engine_start(&c);
	workload_round(1000, clock_jump, 20 * E2E_S);
	workload_round(2000, NULL, 20 * E2E_S);
	/* finish() resets the venue clock: sign at its time again. */
	e2e_ts_offset = 0;
	finish(true);
	tl_binance_stats(tl_engine_venue(E), &st);
	CU_ASSERT(st.time_syncs >= 2);
	CU_ASSERT(st.clock_offset_ns > 15 * E2E_S);
	finish_check_journal(2 * (N_MKT + N_LMT));
}

TL_TEST_SUITE("io.binance_e2e_faults", NULL, NULL,
	      TL_TEST(test_e2e_faults_reset_after_send_no_duplicates),
	      TL_TEST(test_e2e_faults_429_storm_no_duplicates),
	      TL_TEST(test_e2e_faults_stream_drops_no_loss_no_duplicates),
	      TL_TEST(test_e2e_faults_duplicated_stream_events_applied_once),
	      TL_TEST(test_e2e_faults_listen_key_expiry_no_loss_no_duplicates),
	      TL_TEST(test_e2e_faults_clock_offset_no_duplicates));
