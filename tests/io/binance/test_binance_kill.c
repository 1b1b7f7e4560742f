/*
 * test_binance_kill.c - the kill switch never adds exposure, against the
 * simulated exchange (in-process, ephemeral loopback ports):
 *
 *   gate, adapter alone: with the gate closed a non-closing NEW is
 *     withdrawn (one REQ_ERROR WITHDRAWN, nothing at the venue), a
 *     reduce-only one goes; a cancel of a NEW still queued unwritten
 *     withdraws it (the venue never sees it) and answers the cancel;
 *   storm then kill, whole engine: a -1003 (429) storm on POST order and
 *     batchOrders keeps new orders held and retried; the kill word is
 *     set; once the storm clears the venue's own records show no
 *     non-reduce-only order placed after the kill, and every NEW the
 *     engine emitted for the storm's orders got exactly one outcome, at
 *     least one of them WITHDRAWN (journal ring: inputs and outputs);
 *   venue sweep: "symbols" cancels a foreign resting order and a
 *     foreign stop (an algo order, which allOpenOrders does not reach)
 *     on a traded symbol, leaves symbols outside the table alone, and
 *     reports a position talon does not hold as SWEEP snapshot records;
 *     "account" also cancels and closes on the symbols outside the table
 *     (one found only through its stop); "off" does nothing;
 *   bulk resync: after a stream drop with K live orders the adapter
 *     reads openOrders once and reports K QUERY_RESULTs before a RESYNC
 *     with bulk = 1.
 *
 * KERNEL_SIDE marks the asserts on the kernel's side of WITHDRAWN
 * (sticky cancel intent, no stale resend, bulk RESYNC honoured, SWEEP
 * positions adopted).
 */
#define _GNU_SOURCE
#define BSIM_CAP_FMT "/tmp/tl_test_bkill.%d"
#include "tests/io/binance/test_binance_sim_common.h"

#include <stdatomic.h>

#include "io/binance/sync.h"

/* An assert on the kernel's side of the contract (docs/kernel.md K1-K4). */
#define KERNEL_SIDE(expr) CU_ASSERT(expr)

/* The engine trades the first `nsym` symbols of the simulator. */
static void cfg_binance(tl_config_t *c, int nsym)
{
	cfg_binance_xinfo(c, nsym);
	c->reconcile.sync_interval_s = 0;
}

/* ---- the journal ring: every input and output the engine produced ---- */

#define JR_CLIDS 512

static struct {
	uint64_t in[TL_IN__COUNT];
	uint64_t withdrawn_new, withdrawn_cancel;
	uint64_t sweep_pos, sweep_end;
	uint64_t bulk_resync, plain_resync, query_results;
	uint64_t query_results_before_bulk;
	uint64_t queries_out;           /* REQ_QUERY outputs */
	/* per client id: NEW outputs and NEW outcomes (REQ_ERROR / update) */
	char clid[JR_CLIDS][TL_CLID_LEN];
	uint32_t new_out[JR_CLIDS], new_err[JR_CLIDS], new_wd[JR_CLIDS];
	uint32_t nclid;
} jr;

static int jr_slot(const char *clid)
{
	for (uint32_t i = 0; i < jr.nclid; i++)
		if (!strcmp(jr.clid[i], clid))
			return (int)i;
	if (jr.nclid == JR_CLIDS)
		return -1;
	snprintf(jr.clid[jr.nclid], TL_CLID_LEN, "%s", clid);
	return (int)jr.nclid++;
}

static void jr_input(const tl_input_t *in)
{
	int s;

	if (in->hdr.type < TL_IN__COUNT)
		jr.in[in->hdr.type]++;
	switch (in->hdr.type) {
	case TL_IN_REQ_ERROR:
		if (in->u.error.req != TL_REQ_NEW) {
			jr.withdrawn_cancel += in->u.error.outcome.transport == TL_TR_WITHDRAWN;
			break;
		}
		if ((s = jr_slot(in->u.error.client_id)) < 0)
			break;
		jr.new_err[s]++;
		if (in->u.error.outcome.transport == TL_TR_WITHDRAWN) {
			jr.new_wd[s]++;
			jr.withdrawn_new++;
		}
		break;
	case TL_IN_POSITION_SNAPSHOT:
		if (in->u.snap.source == TL_SNAP_SWEEP) {
			jr.sweep_pos += in->u.snap.kind == TL_SNAP_POSITION;
			jr.sweep_end += in->u.snap.kind == TL_SNAP_END;
		}
		break;
	case TL_IN_QUERY_RESULT:
		jr.query_results++;
		break;
	case TL_IN_RESYNC:
		if (in->u.resync.bulk) {
			jr.bulk_resync++;
			jr.query_results_before_bulk = jr.query_results;
		} else {
			jr.plain_resync++;
		}
		break;
	default:
		break;
	}
}

static void jr_output(const tl_output_t *o)
{
	int s;

	if (o->hdr.type == TL_OUT_REQ_QUERY)
		jr.queries_out++;
	if (o->hdr.type == TL_OUT_REQ_NEW && !o->u.req.reduce_only &&
	    (s = jr_slot(o->u.req.client_id)) >= 0)
		jr.new_out[s]++;
}

static void jr_drain(void)
{
	tl_record_t r;

	while (tl_engine_journal_pop(E, &r)) {
		if (r.u.hdr.flags & TL_REC_OUTPUT)
			jr_output(&r.u.out);
		else
			jr_input(&r.u.in);
	}
}

/* Poll events and the journal ring for ms milliseconds. */
static void run_ms(int ms)
{
	int64_t end = mono() + (int64_t)ms * 1000000;
	while (mono() < end) {
		poll_events();
		jr_drain();
		nap();
	}
}

static void engine_start(tl_config_t *c)
{
	char err[512];
	tl_engine_xopts_t o = { .no_shm = true, .journal_ring = true };

	memset(&jr, 0, sizeof jr);
	capture_begin();
	E = tl_engine_create(c, &o, err, sizeof err);
	if (!E)
		fprintf(stderr, "engine: %s\n", err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(E);
	CU_ASSERT_EQUAL_FATAL(tl_engine_start(E, err, sizeof err), 0);
	nev = 0;
	int64_t end = mono() + 10 * E2E_S;
	while (mono() < end &&
	       tl_binance_stream_state(tl_engine_venue(E)) != TL_BINANCE_STREAM_UP)
		run_ms(1);
	CU_ASSERT_EQUAL_FATAL(tl_binance_stream_state(tl_engine_venue(E)), TL_BINANCE_STREAM_UP);
}

static void engine_stop(void)
{
	tl_engine_stop(E);
	jr_drain();
	capture_end();
	tl_engine_close(E);
	E = NULL;
}

static tl_binance_stats_t bn_stats(void)
{
	tl_binance_stats_t st;
	tl_binance_stats(tl_engine_venue(E), &st);
	return st;
}

static void wait_start_done(void)
{
	int64_t end = mono() + 15 * E2E_S;
	while (mono() < end && !sync_stats().start_done)
		run_ms(2);
	CU_ASSERT_EQUAL_FATAL(sync_stats().start_done, 1);
	run_ms(100);
}

/* Orders of sym at the venue (allOrders: every order ever placed) that
 * were not reduce-only. */
static int venue_non_reduce(const char *sym)
{
	static char body[1 << 20];
	char q[64];
	snprintf(q, sizeof q, "symbol=%s&limit=1000", sym);
	if (sim_call("GET", "/fapi/v1/allOrders", q, true, body, sizeof body) != 200)
		return -1;
	return count_str(body, "\"reduceOnly\":false");
}

/* positionAmt of sym at the venue (one-way), -1 on error. */
/* An order placed at the venue behind talon's back (same account). */
static int foreign_order(const char *sym, const char *side, const char *type,
			 const char *qty, const char *price, const char *clid)
{
	static char body[8192];
	char q[512];
	int n = snprintf(q, sizeof q, "symbol=%s&side=%s&type=%s&quantity=%s"
			 "&newClientOrderId=%s", sym, side, type, qty, clid);
	if (price)
		snprintf(q + n, sizeof q - (size_t)n, "&price=%s&timeInForce=GTC", price);
	int st = sim_call_once("POST", "/fapi/v1/order", q, true, body, sizeof body);
	if (st != 200)
		printf("foreign order %s: %d %s\n", q, st, body);
	return st;
}

/* A stop order behind talon's back: it lives in the venue's algo service
 * (POST /fapi/v1/algoOrder), which DELETE allOpenOrders does not reach.
 * Not reduce-only: left behind a kill, it would open a position. */
static int foreign_stop(const char *sym, const char *side, const char *qty,
			const char *trigger, const char *clid)
{
	static char body[8192];
	char q[512];
	snprintf(q, sizeof q, "algoType=CONDITIONAL&symbol=%s&side=%s&type=STOP_MARKET"
		 "&quantity=%s&triggerPrice=%s&clientAlgoId=%s", sym, side, qty, trigger,
		 clid);
	int st = sim_call_once("POST", "/fapi/v1/algoOrder", q, true, body, sizeof body);
	if (st != 200)
		printf("foreign stop %s: %d %s\n", q, st, body);
	return st;
}

/* The engine account's open algo orders on sym at the venue, or -1. */
static int open_algo(const char *sym)
{
	static char body[65536];
	char q[64];
	snprintf(q, sizeof q, "symbol=%s", sym);
	if (sim_call("GET", "/fapi/v1/openAlgoOrders", q, true, body, sizeof body) != 200)
		return -1;
	return count_str(body, "\"algoId\"");
}

/* The simulator's request count (/sim/state "requests"). */
static long long sim_requests(void)
{
	static char body[1 << 20];
	if (sim_call("GET", "/sim/state", "", false, body, sizeof body) != 200)
		return -1;
	const char *p = strstr(body, "\"requests\":");
	return p ? strtoll(p + 11, NULL, 10) : -1;
}

static int faults(const char *q)
{
	return sim_call("POST", "/sim/faults", q, false, NULL, 0);
}

/* ---- the adapter alone ------------------------------------------------- */

static struct {
	int type[TL_IN__COUNT];
	int withdrawn[4];               /* by tl_req_kind_t */
	char last_text[TL_TEXT_LEN];
} di;

static void direct_emit(void *ctx, const tl_input_t *in)
{
	(void)ctx;
	if (in->hdr.type < TL_IN__COUNT)
		di.type[in->hdr.type]++;
	if (in->hdr.type == TL_IN_REQ_ERROR &&
	    in->u.error.outcome.transport == TL_TR_WITHDRAWN && in->u.error.req < 4) {
		CU_ASSERT_FALSE(in->u.error.outcome.written);
		di.withdrawn[in->u.error.req]++;
		snprintf(di.last_text, sizeof di.last_text, "%s", in->u.error.text);
	}
}

static void direct_run(tl_venue_t *v, int ms)
{
	int64_t end = mono() + (int64_t)ms * 1000000;
	while (mono() < end) {
		v->ops->poll(v, real_ns());
		nap();
	}
}

static tl_out_req_t limit_req(const char *clid, bool reduce_only)
{
	tl_out_req_t r;
	memset(&r, 0, sizeof r);
	snprintf(r.client_id, sizeof r.client_id, "%s", clid);
	snprintf(r.symbol, sizeof r.symbol, "BTCUSDT");
	r.side = reduce_only ? TL_SELL : TL_BUY;
	r.type = TL_ORD_LIMIT;
	r.tif = TL_TIF_GTC;
	r.attempt = 1;
	r.reduce_only = reduce_only;
	r.qty = TL_FX_ONE / 100;
	r.price = reduce_only ? 90000 * TL_FX_ONE : 58000 * TL_FX_ONE;
	return r;
}

/* The simulator with two symbols and the adapter alone on it (no
 * engine), its gate open; its inputs go to di. NULL on failure. */
static tl_venue_t *adapter_alone(tl_symbols_t *syms, tl_venue_gate_t *gate)
{
	tl_config_t c;
	char err[256];

	server_start_copies(2);
	write_xinfo(NULL, NULL);
	cfg_binance(&c, 2);
	if (tl_config_symbols(&c, syms, err, sizeof err) != 0)
		return NULL;
	memset(&di, 0, sizeof di);
	tl_venue_t *v = tl_binance_create(&c, syms, direct_emit, NULL, err, sizeof err);
	if (!v) {
		printf("tl_binance_create: %s\n", err);
		return NULL;
	}
	atomic_init(&gate->closing_only, 0);
	atomic_init(&gate->kill_epoch, 0);
	v->gate = gate;
	return v;
}

/* The gate closed: a non-closing NEW is withdrawn at once, a reduce-only
 * one leaves (the venue refuses it: no position; what matters is that it
 * was written). A cancel of a NEW queued and unwritten (the adapter not
 * ready yet) withdraws it: the venue never sees it. */
static void test_gate_and_cancel_before_send(void)
{
	tl_symbols_t syms;
	tl_venue_gate_t gate;
	static char body[1 << 16];

	tl_venue_t *v = adapter_alone(&syms, &gate);
	CU_ASSERT_PTR_NOT_NULL_FATAL(v);

	/* not ready (no clock yet): the NEW waits in the queue */
	tl_out_req_t n1 = limit_req("tlq1", false);
	CU_ASSERT_FALSE_FATAL(tl_binance_ready(v));
	CU_ASSERT_EQUAL(v->ops->submit(v, &n1, real_ns()), 0);
	CU_ASSERT_EQUAL(di.type[TL_IN_REQ_ERROR], 0);
	CU_ASSERT_EQUAL(v->ops->cancel(v, &n1, real_ns()), 0);
	CU_ASSERT_EQUAL(di.withdrawn[TL_REQ_NEW], 1);
	CU_ASSERT_EQUAL(di.withdrawn[TL_REQ_CANCEL], 1);
	CU_ASSERT_STRING_EQUAL(di.last_text, "withdrawn: canceled before send");
	CU_ASSERT_EQUAL(di.type[TL_IN_REQ_ERROR], 2);

	direct_run(v, 300);
	CU_ASSERT_TRUE_FATAL(tl_binance_ready(v));
	CU_ASSERT_EQUAL(sim_call("GET", "/fapi/v1/allOrders", "symbol=BTCUSDT",
				 true, body, sizeof body), 200);
	CU_ASSERT_EQUAL(count_str(body, "tlq1"), 0);
	CU_ASSERT_EQUAL(di.type[TL_IN_ORDER_UPDATE], 0);

	/* the gate closes: a buy is withdrawn, the reduce-only sell goes */
	atomic_store(&gate.closing_only, 1);
	atomic_store(&gate.kill_epoch, 0);
	tl_out_req_t n2 = limit_req("tlq2", false), n3 = limit_req("tlq3", true);
	CU_ASSERT_EQUAL(v->ops->submit(v, &n2, real_ns()), 0);
	CU_ASSERT_EQUAL(di.withdrawn[TL_REQ_NEW], 2);
	CU_ASSERT_STRING_EQUAL(di.last_text, "withdrawn: trading state");
	CU_ASSERT_EQUAL(v->ops->submit(v, &n3, real_ns()), 0);
	int before = di.type[TL_IN_REQ_ERROR] + di.type[TL_IN_ORDER_UPDATE];
	direct_run(v, 300);
	CU_ASSERT_EQUAL(di.withdrawn[TL_REQ_NEW], 2);	/* tlq3 was not */
	CU_ASSERT_EQUAL(di.type[TL_IN_REQ_ERROR] + di.type[TL_IN_ORDER_UPDATE], before + 1);
	CU_ASSERT_EQUAL(sim_call("GET", "/fapi/v1/allOrders", "symbol=BTCUSDT",
				 true, body, sizeof body), 200);
	CU_ASSERT_EQUAL(count_str(body, "tlq2"), 0);
	tl_binance_stats_t st;
	tl_binance_stats(v, &st);
	CU_ASSERT_EQUAL(st.withdrawn, 3);
	CU_ASSERT_EQUAL(st.sweeps, 0);	/* epoch 0: no kill seen */
	v->ops->destroy(v);
	tl_symbols_free(&syms);
	server_stop();
}

/* The venue's cancel_all (adapter alone): a resting order and a stop
 * (an algo order, out of allOpenOrders' reach) on BTCUSDT both go; the
 * same on ETHUSDT stay, since only BTCUSDT was asked. */
static void test_cancel_all_reaches_algo_orders(void)
{
	tl_symbols_t syms;
	tl_venue_gate_t gate;

	tl_venue_t *v = adapter_alone(&syms, &gate);
	CU_ASSERT_PTR_NOT_NULL_FATAL(v);
	direct_run(v, 300);
	CU_ASSERT_TRUE_FATAL(tl_binance_ready(v));
	CU_ASSERT_EQUAL_FATAL(foreign_order("BTCUSDT", "BUY", "LIMIT", "0.010", "58000.0",
					    "cab1"), 200);
	CU_ASSERT_EQUAL_FATAL(foreign_stop("BTCUSDT", "BUY", "0.010", "70000", "cab2"), 200);
	CU_ASSERT_EQUAL_FATAL(foreign_stop("ETHUSDT", "BUY", "0.100", "4000", "cae1"), 200);
	CU_ASSERT_EQUAL(v->ops->cancel_all(v, "BTCUSDT", real_ns()), 0);
	int64_t end = mono() + 10 * E2E_S;
	do
		direct_run(v, 100);
	while (mono() < end && (open_orders("BTCUSDT") != 0 || open_algo("BTCUSDT") != 0));
	CU_ASSERT_EQUAL(open_orders("BTCUSDT"), 0);
	CU_ASSERT_EQUAL(open_algo("BTCUSDT"), 0);
	CU_ASSERT_EQUAL(open_algo("ETHUSDT"), 1);
	v->ops->destroy(v);
	tl_symbols_free(&syms);
	server_stop();
}

/* ---- storm, then kill -------------------------------------------------- */

#define STORM_ORDERS 20

/* A position first (one non-reduce-only order, before any storm); then a
 * 100 % -1003 storm on POST order and batchOrders while 20 LIMIT buys
 * are retried and held; the kill word; the storm clears. The venue's
 * records: no non-reduce-only order after the kill. Every NEW output of
 * the storm's orders has exactly one outcome input, and some were
 * WITHDRAWN. */
static void test_storm_then_kill_adds_no_exposure(void)
{
	tl_config_t c;

	server_start_copies(2);
	write_xinfo(NULL, NULL);
	cfg_binance(&c, 2);
	c.kernel.backoff.max_attempts = 1000;	/* retried for the whole storm */
	engine_start(&c);
	wait_start_done();
	tl_order_spec_t mk = { .symbol = "BTCUSDT", .side = TL_SIDE_BUY, .type = TL_ORDER_MARKET,
			       .qty = "0.010" };
	CU_ASSERT_EQUAL_FATAL(tl_engine_submit(E, &mk, 1), 0);
	CU_ASSERT_TRUE_FATAL(wait_ev(TL_EV_ORDER_FILLED, 10 * E2E_S));
	int placed0 = venue_non_reduce("BTCUSDT");
	CU_ASSERT_EQUAL(placed0, 1);

	CU_ASSERT_EQUAL_FATAL(faults("endpoint_error=POST%20%2Ffapi%2Fv1%2Forder%201000000%20-1003"), 200);
	CU_ASSERT_EQUAL_FATAL(faults("endpoint_error=POST%20%2Ffapi%2Fv1%2FbatchOrders%201000000%20-1003"), 200);
	for (int i = 0; i < STORM_ORDERS; i++) {
		tl_order_spec_t o = limit_buy;
		CU_ASSERT_EQUAL_FATAL(tl_engine_submit(E, &o, (uint64_t)i + 10), 0);
	}
	run_ms(1500);	/* refused (429), held, retried */
	CU_ASSERT_EQUAL(venue_non_reduce("BTCUSDT"), placed0);

	tl_engine_kill(E, "test: kill in a storm");
	run_ms(500);
	CU_ASSERT_EQUAL(atomic_load(&tl_engine_gate(E)->closing_only), 1);
	CU_ASSERT_EQUAL(atomic_load(&tl_engine_gate(E)->kill_epoch), 1);
	CU_ASSERT_EQUAL_FATAL(faults("endpoint_error=clear"), 200);
	run_ms(4000);

	/* the venue's own records */
	CU_ASSERT_EQUAL(venue_non_reduce("BTCUSDT"), placed0);
	CU_ASSERT_EQUAL(venue_non_reduce("ETHUSDT"), 0);
	CU_ASSERT_EQUAL(open_orders("BTCUSDT"), 0);

	/* stopped: nothing more moves (what IO hands over now is not applied) */
	tl_engine_stop(E);
	jr_drain();
	poll_events();
	/* one outcome per NEW of every storm order; withdrawn ones exist */
	CU_ASSERT(jr.withdrawn_new >= 1);
	uint32_t storm = 0, accepted = 0, doubled = 0, open_ = 0;
	for (uint32_t i = 0; i < jr.nclid; i++) {
		if (jr.new_out[i] == 0)
			continue;	/* an emergency close (reduce-only) */
		storm++;
		if (jr.new_out[i] == 1 && jr.new_err[i] == 0) {
			accepted++;	/* the first MARKET order */
			continue;
		}
		if (jr.new_err[i] == jr.new_out[i])
			continue;
		printf("  %s: %u NEW, %u REQ_ERROR (%u withdrawn)\n", jr.clid[i],
		       jr.new_out[i], jr.new_err[i], jr.new_wd[i]);
		doubled += jr.new_err[i] > jr.new_out[i];
		open_ += jr.new_err[i] < jr.new_out[i];
	}
	CU_ASSERT_EQUAL(storm, STORM_ORDERS + 1);
	CU_ASSERT_EQUAL(accepted, 1);
	CU_ASSERT_EQUAL(doubled, 0);	/* never two outcomes for one request */
	/* a NEW without its outcome yet: only a kernel that still resends
	 * after WITHDRAWN leaves one in flight at the stop */
	KERNEL_SIDE(open_ == 0);
	CU_ASSERT(bn_stats().held > 0);	/* the storm's 429s held the queue */
	uint64_t wd = tl_engine_withdrawn(E) + bn_stats().withdrawn;
	/* every withdrawal counted was journaled, but for those the IO thread
	 * made after the engine stopped (a NEW in flight: open_) */
	CU_ASSERT(wd >= jr.withdrawn_new + jr.withdrawn_cancel);
	CU_ASSERT(wd <= jr.withdrawn_new + jr.withdrawn_cancel + open_);
	/* kernel side: each storm order ends CANCELED after the kill, and
	 * none is resent after its WITHDRAWN */
	KERNEL_SIDE(count_ev(TL_EV_ORDER_CANCELED) >= STORM_ORDERS);
	uint32_t resent = 0;
	for (uint32_t i = 0; i < jr.nclid; i++)
		resent += jr.new_wd[i] > 1;
	KERNEL_SIDE(resent == 0);
	capture_end();
	tl_engine_close(E);
	E = NULL;
	server_stop();
}

/* ---- the venue sweep --------------------------------------------------- */

/* What the sweep of `scope` leaves at the venue, and its snapshot. */
static bool sweep_seen(int scope)
{
	tl_fx_t amt = 1;

	if (jr.sweep_end < 1 || open_orders("BTCUSDT") != 0 || open_algo("BTCUSDT") != 0)
		return false;
	return scope != TL_SWEEP_ACCOUNT ||
	       (open_orders("S3USDT") == 0 && venue_amt("S3USDT", &amt) == 0 && amt == 0 &&
		open_algo("S4USDT") == 0);
}

/* Four symbols at the venue, the engine trades BTCUSDT and ETHUSDT.
 * Behind its back on the same account: a resting order and a stop (algo)
 * order on BTCUSDT, a resting order on S3USDT, a stop alone on S4USDT
 * (found only by openAlgoOrders), a position on ETHUSDT and on S3USDT.
 * Then the kill. */
static void sweep_run(int scope)
{
	tl_config_t c;
	tl_fx_t amt;

	server_start_copies(4);
	write_xinfo(NULL, NULL);
	cfg_binance(&c, 2);
	c.emergency.venue_sweep = scope;
	engine_start(&c);
	wait_start_done();
	CU_ASSERT_EQUAL_FATAL(foreign_order("BTCUSDT", "BUY", "LIMIT", "0.010", "58000.0",
					    "fgnbtc1"), 200);
	CU_ASSERT_EQUAL_FATAL(foreign_order("S3USDT", "BUY", "LIMIT", "0.100",
					    "2900.00", "fgns31"), 200);
	CU_ASSERT_EQUAL_FATAL(foreign_order("ETHUSDT", "BUY", "MARKET", "0.100", NULL,
					    "fgneth2"), 200);
	CU_ASSERT_EQUAL_FATAL(foreign_order("S3USDT", "SELL", "MARKET", "0.100", NULL,
					    "fgns32"), 200);
	CU_ASSERT_EQUAL_FATAL(foreign_stop("BTCUSDT", "BUY", "0.010", "70000", "fgnbtcs"), 200);
	CU_ASSERT_EQUAL_FATAL(foreign_stop("S4USDT", "SELL", "0.100", "2000", "fgns4s"), 200);
	CU_ASSERT_EQUAL(open_orders("BTCUSDT"), 1);
	CU_ASSERT_EQUAL(open_orders("S3USDT"), 1);
	CU_ASSERT_EQUAL(open_algo("BTCUSDT"), 1);
	CU_ASSERT_EQUAL(open_algo("S4USDT"), 1);
	run_ms(200);

	tl_engine_kill(E, "test: sweep");
	int64_t end = mono() + 10 * E2E_S;
	while (mono() < end && scope != TL_SWEEP_OFF && !sweep_seen(scope))
		run_ms(50);
	run_ms(scope == TL_SWEEP_OFF ? 1500 : 300);
	/* the adapter's stats are the IO thread's: read them stopped */
	tl_engine_stop(E);
	jr_drain();
	tl_binance_stats_t st = bn_stats();

	switch (scope) {
	case TL_SWEEP_SYMBOLS:
		CU_ASSERT_EQUAL(st.sweeps, 1);
		CU_ASSERT_EQUAL(st.sweeps_done, 1);
		/* BTCUSDT, ETHUSDT: orders and algo orders */
		CU_ASSERT_EQUAL(st.sweep_cancels, 4);
		CU_ASSERT_EQUAL(st.sweep_closes, 0);
		CU_ASSERT_EQUAL(open_orders("BTCUSDT"), 0);
		CU_ASSERT_EQUAL(open_algo("BTCUSDT"), 0);
		CU_ASSERT_EQUAL(open_orders("S3USDT"), 1);	/* not ours to touch */
		CU_ASSERT_EQUAL(open_algo("S4USDT"), 1);
		CU_ASSERT_EQUAL(venue_amt("S3USDT", &amt), 0);
		CU_ASSERT_EQUAL(amt, -TL_FX_ONE / 10);
		/* ETHUSDT: a position talon does not hold, reported */
		CU_ASSERT_EQUAL(st.sweep_snapshot_positions, 1);
		CU_ASSERT_EQUAL(jr.sweep_pos, 1);
		CU_ASSERT_EQUAL(jr.sweep_end, 1);
		/* kernel side: it adopts the ETHUSDT position and closes it */
		KERNEL_SIDE(venue_amt("ETHUSDT", &amt) == 0 && amt == 0);
		break;
	case TL_SWEEP_ACCOUNT:
		CU_ASSERT_EQUAL(st.sweeps_done, 1);
		CU_ASSERT_EQUAL(st.sweep_cancels, 8);	/* + S3USDT, S4USDT, both kinds */
		CU_ASSERT_EQUAL(st.sweep_closes, 1);	/* S3USDT's short */
		CU_ASSERT_EQUAL(open_orders("BTCUSDT"), 0);
		CU_ASSERT_EQUAL(open_algo("BTCUSDT"), 0);
		CU_ASSERT_EQUAL(open_orders("S3USDT"), 0);
		CU_ASSERT_EQUAL(open_algo("S4USDT"), 0);
		CU_ASSERT_EQUAL(venue_amt("S3USDT", &amt), 0);
		CU_ASSERT_EQUAL(amt, 0);
		CU_ASSERT_EQUAL(jr.sweep_pos, 1);	/* ETHUSDT only: S3 is not the kernel's */
		CU_ASSERT_EQUAL(jr.sweep_end, 1);
		break;
	default:
		CU_ASSERT_EQUAL(st.sweeps, 0);
		CU_ASSERT_EQUAL(st.sweep_cancels, 0);
		CU_ASSERT_EQUAL(open_orders("BTCUSDT"), 1);
		CU_ASSERT_EQUAL(open_algo("BTCUSDT"), 1);
		CU_ASSERT_EQUAL(open_orders("S3USDT"), 1);
		CU_ASSERT_EQUAL(jr.sweep_pos + jr.sweep_end, 0);
		break;
	}
	capture_end();
	tl_engine_close(E);
	E = NULL;
	server_stop();
}

static void test_sweep_symbols(void)
{
	sweep_run(TL_SWEEP_SYMBOLS);
}

static void test_sweep_account(void)
{
	sweep_run(TL_SWEEP_ACCOUNT);
}

static void test_sweep_off(void)
{
	sweep_run(TL_SWEEP_OFF);
}

/* The config key: the three values, and a clear error for another. */
static void test_sweep_config(void)
{
	tl_config_t c;
	char err[256];
	static const char *ok[] = { "symbols", "account", "off" };

	tl_config_defaults(&c);
	CU_ASSERT_EQUAL(c.emergency.venue_sweep, TL_SWEEP_SYMBOLS);
	for (int i = 0; i < 3; i++) {
		char j[128];
		snprintf(j, sizeof j, "{\"emergency\": {\"venue_sweep\": \"%s\"}}", ok[i]);
		CU_ASSERT_EQUAL(tl_config_parse(&c, j, strlen(j), NULL, err, sizeof err), 0);
		CU_ASSERT_EQUAL(c.emergency.venue_sweep, i);
	}
	const char *bad = "{\"emergency\": {\"venue_sweep\": \"all\"}}";
	CU_ASSERT_EQUAL(tl_config_parse(&c, bad, strlen(bad), NULL, err, sizeof err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "emergency.venue_sweep"));
	bad = "{\"emergency\": {\"sweep\": \"off\"}}";
	CU_ASSERT_EQUAL(tl_config_parse(&c, bad, strlen(bad), NULL, err, sizeof err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "emergency"));
}

/* ---- bulk resync -------------------------------------------------------- */

#define RESYNC_K 8

/* K resting orders; the user stream drops: one openOrders read answers
 * for all of them (K QUERY_RESULTs, then RESYNC bulk = 1), no per-order
 * query from the adapter's side. */
static void test_bulk_resync_one_read(void)
{
	tl_config_t c;

	server_start_copies(2);
	write_xinfo(NULL, NULL);
	cfg_binance(&c, 2);
	engine_start(&c);
	wait_start_done();
	for (int i = 0; i < RESYNC_K; i++)
		CU_ASSERT_EQUAL_FATAL(tl_engine_submit(E, &limit_buy, (uint64_t)i + 1), 0);
	int64_t end = mono() + 10 * E2E_S;
	while (mono() < end && count_ev(TL_EV_ORDER_ACCEPTED) < RESYNC_K)
		run_ms(2);
	CU_ASSERT_EQUAL_FATAL(count_ev(TL_EV_ORDER_ACCEPTED), RESYNC_K);
	run_ms(300);
	uint64_t bulk0 = sync_stats().bulk_resyncs, qr0 = jr.query_results;
	uint64_t q0 = jr.queries_out, jb0 = jr.bulk_resync;
	CU_ASSERT_EQUAL(jb0, 0);	/* start-up's resync is not in bulk */
	long long req0 = sim_requests();

	CU_ASSERT_EQUAL_FATAL(faults("disconnect_streams=true"), 200);
	end = mono() + 15 * E2E_S;
	while (mono() < end && sync_stats().bulk_resyncs == bulk0)
		run_ms(5);
	run_ms(1500);	/* the rest of the chain, and any kernel queries */
	long long req1 = sim_requests();

	CU_ASSERT_EQUAL(sync_stats().bulk_resyncs, bulk0 + 1);
	CU_ASSERT_EQUAL(sync_stats().bulk_fallbacks, 0);
	CU_ASSERT_EQUAL(jr.bulk_resync, jb0 + 1);
	CU_ASSERT_EQUAL(jr.plain_resync, 1);	/* start-up's only */
	CU_ASSERT_EQUAL(jr.query_results_before_bulk - qr0, RESYNC_K);
	/* requests at the venue: openOrders, openAlgoOrders, balance,
	 * positionRisk (+ /sim/state itself), instead of K queries */
	printf("  venue requests during the resync: %lld, kernel queries %llu\n",
	       req1 - req0 - 1, (unsigned long long)(jr.queries_out - q0));
	KERNEL_SIDE(jr.queries_out - q0 == 0);
	KERNEL_SIDE(req1 - req0 - 1 < RESYNC_K);
	engine_stop();
	server_stop();
}

TL_TEST_SUITE("io.binance_kill", NULL, NULL,
	      TL_TEST(test_sweep_config),
	      TL_TEST(test_gate_and_cancel_before_send),
	      TL_TEST(test_cancel_all_reaches_algo_orders),
	      TL_TEST(test_storm_then_kill_adds_no_exposure),
	      TL_TEST(test_sweep_symbols),
	      TL_TEST(test_sweep_account),
	      TL_TEST(test_sweep_off),
	      TL_TEST(test_bulk_resync_one_read));
