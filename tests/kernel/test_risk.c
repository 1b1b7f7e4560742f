/*
 * test_risk.c - pre-trade checks through the kernel (kernel/risk.c and the
 * refusals made in kernel/order.c). Every tl_reject_t the two files can
 * produce has a test that asserts the return value, the ORDER_REJECTED
 * event (reject field, text, status), the refusal counter, and that no
 * venue request (and no client id) was spent on the refused order.
 *
 * Fixture (tests/support/kfix.c): BTCUSDT tick 0.10, step 0.001, min qty
 * 0.001, max qty 1000, market max 120, min notional 100, band 0.95..1.05,
 * 200 open orders; ETHUSDT tick 0.01, max 10000, market max 2000, min
 * notional 20. Marks: BTC 50000, ETH 3000 unless a test says otherwise.
 */
#include "tests/support/tl_test.h"
#include "tests/support/kfix.h"

#include <stdio.h>
#include <string.h>

static int64_t trade_seq;

static void marks(void)
{
	kf_mark("BTCUSDT", "50000");
	kf_mark("ETHUSDT", "3000");
	kfix_clear();
}

static void setup(void)
{
	kfix_new(NULL);
	trade_seq = 0;
	marks();
}
static void teardown(void) { kfix_free(KF); }

/* Replace the fixture with one whose config `tweak` edits; no marks. */
static void refix(void (*tweak)(tl_kernel_cfg_t *))
{
	kfix_free(KF);
	kfix_new(tweak);
}

/* After a refusal: exactly one ORDER_REJECTED carrying `want`, nothing
 * sent, no id reserved, counters moved by one. */
static void check_refused(tl_reject_t got, tl_reject_t want, uint64_t before,
			  int line)
{
	int fails = 0;
	fails += got != want;
	fails += kf_count(TL_OUT_REQ_NEW) != 0;
	fails += kf_count(TL_OUT_ID_RESERVE) != 0;
	fails += kf_count_ev(TL_EV_ORDER_SUBMITTED) != 0;
	fails += kf_count_ev(TL_EV_ORDER_REJECTED) != 1;
	const tl_output_t *ev = kf_last_ev(TL_EV_ORDER_REJECTED);
	if (ev) {
		fails += ev->u.ev.u.order.reject != want;
		fails += ev->u.ev.u.order.status != TL_ST_REJECTED;
		fails += strcmp(ev->u.ev.text, tl_reject_msg(want)) != 0;
		fails += ev->u.ev.priority != 8;
		fails += ev->u.ev.u.order.client_id[0] != '\0';
	}
	fails += KF->k.ctr.refusals[want] != before + 1;
	if (fails)
		fprintf(stderr, "line %d: want %s, got %s (event reject %s)\n", line,
			tl_reject_name(want), tl_reject_name(got),
			ev ? tl_reject_name((tl_reject_t)ev->u.ev.u.order.reject) : "none");
	CU_ASSERT_EQUAL(fails, 0);
}

#define REFUSED(call, want)                                                  \
	do {                                                                 \
		kfix_clear();                                                \
		uint64_t before_ = KF->k.ctr.refusals[(want)];              \
		tl_reject_t got_ = (call);                                   \
		check_refused(got_, (want), before_, __LINE__);              \
	} while (0)

#define ACCEPTED(call)                                                       \
	do {                                                                 \
		kfix_clear();                                                \
		tl_reject_t got_ = (call);                                   \
		if (got_ != TL_REJ_NONE)                                     \
			fprintf(stderr, "line %d: refused %s\n", __LINE__,  \
				tl_reject_name(got_));                       \
		CU_ASSERT_EQUAL(got_, TL_REJ_NONE);                          \
		CU_ASSERT_EQUAL(kf_count(TL_OUT_REQ_NEW), 1);                \
		CU_ASSERT_EQUAL(kf_count_ev(TL_EV_ORDER_REJECTED), 0);       \
	} while (0)

/* A submit record in the fixture's mode (pos_side from side in hedge). */
static tl_in_submit_t sub(const char *sym, tl_side_t side, tl_ord_type_t type,
			  const char *qty, const char *px)
{
	return kf_submit_spec(sym, side, type, qty, px);
}

static tl_reject_t sx(tl_in_submit_t s) { return kf_submit_ex(&s, NULL); }

static tl_reject_t lim(const char *sym, tl_side_t side, const char *qty, const char *px)
{
	return kf_submit(sym, side, TL_ORD_LIMIT, qty, px, NULL);
}

static tl_reject_t mkt(const char *sym, tl_side_t side, const char *qty)
{
	return kf_submit(sym, side, TL_ORD_MARKET, qty, NULL, NULL);
}

static tl_reject_t reduce_only(const char *sym, tl_side_t side, tl_ord_type_t t,
			       const char *qty, const char *px)
{
	tl_in_submit_t s = sub(sym, side, t, qty, px);
	s.reduce_only = 1;
	return sx(s);
}

/* Open a position with a limit order filled at once (no mark needed). */
static void open_pos(const char *sym, tl_side_t side, const char *qty, const char *px)
{
	uint64_t h = 0;
	CU_ASSERT_EQUAL_FATAL(kf_submit(sym, side, TL_ORD_LIMIT, qty, px, &h), TL_REJ_NONE);
	kf_fill(kf_clid(h), ++trade_seq, px, qty, "0");
	CU_ASSERT_EQUAL_FATAL(kf_order(h)->status, TL_ST_FILLED);
	kfix_clear();
}

/* Cancel an order and have the venue confirm it. */
static void cancel_done(uint64_t h)
{
	char id[TL_CLID_LEN];
	snprintf(id, sizeof(id), "%s", kf_clid(h));
	CU_ASSERT_EQUAL(kf_cancel(id), TL_REJ_NONE);
	kf_update(id, TL_ST_CANCELED, 0);
	CU_ASSERT_EQUAL(kf_order(h)->status, TL_ST_CANCELED);
}

/* ---- symbols ------------------------------------------------------------ */

static void test_unknown_symbol(void)
{
	REFUSED(lim("XRPUSDT", TL_BUY, "1", "1"), TL_REJ_UNKNOWN_SYMBOL);
	CU_ASSERT_STRING_EQUAL(kf_last_ev(TL_EV_ORDER_REJECTED)->u.ev.symbol, "XRPUSDT");
	REFUSED(lim("", TL_BUY, "1", "1"), TL_REJ_UNKNOWN_SYMBOL);
	REFUSED(lim("btcusdt", TL_BUY, "0.01", "50000"), TL_REJ_UNKNOWN_SYMBOL);
	REFUSED(kf_signal(TL_SIG_LONG_ENTRY, "XRPUSDT", "1", NULL, NULL, NULL, NULL),
		TL_REJ_UNKNOWN_SYMBOL);
	REFUSED(kf_signal(TL_SIG_CLOSE_LONG, "XRPUSDT", "1", NULL, NULL, NULL, NULL),
		TL_REJ_UNKNOWN_SYMBOL);
	CU_ASSERT_EQUAL(KF->k.ctr.orders_refused, 5);
	CU_ASSERT_EQUAL(KF->k.ctr.orders_submitted, 0);
}

static void test_symbol_not_trading(void)
{
	KF->k.syms.sym[0].status = TL_SYM_HALTED;
	REFUSED(lim("BTCUSDT", TL_BUY, "0.01", "50000"), TL_REJ_SYMBOL_NOT_TRADING);
	REFUSED(mkt("BTCUSDT", TL_SELL, "0.01"), TL_REJ_SYMBOL_NOT_TRADING);
	ACCEPTED(lim("ETHUSDT", TL_BUY, "0.01", "3000"));
	KF->k.syms.sym[0].status = TL_SYM_TRADING;
	ACCEPTED(lim("BTCUSDT", TL_BUY, "0.01", "50000"));
}

/* ---- quantity ------------------------------------------------------------- */

static void test_quantity_rules(void)
{
	REFUSED(lim("BTCUSDT", TL_BUY, "0", "50000"), TL_REJ_QTY_NOT_POSITIVE);
	REFUSED(lim("BTCUSDT", TL_BUY, "-0.01", "50000"), TL_REJ_QTY_NOT_POSITIVE);
	REFUSED(mkt("BTCUSDT", TL_BUY, "0"), TL_REJ_QTY_NOT_POSITIVE);
	REFUSED(lim("BTCUSDT", TL_BUY, "0.0005", "50000"), TL_REJ_QTY_BELOW_MIN);
	REFUSED(lim("BTCUSDT", TL_BUY, "0.0015", "50000"), TL_REJ_QTY_STEP);
	REFUSED(lim("BTCUSDT", TL_BUY, "1.00001", "50000"), TL_REJ_QTY_STEP);
	REFUSED(lim("BTCUSDT", TL_BUY, "1000.001", "50000"), TL_REJ_QTY_ABOVE_MAX);
	ACCEPTED(lim("BTCUSDT", TL_BUY, "1000", "50000"));
	ACCEPTED(lim("BTCUSDT", TL_BUY, "0.002", "50000"));
	/* market orders use MARKET_LOT_SIZE: max 120, not 1000 */
	REFUSED(mkt("BTCUSDT", TL_BUY, "120.001"), TL_REJ_QTY_ABOVE_MAX);
	REFUSED(mkt("BTCUSDT", TL_BUY, "500"), TL_REJ_QTY_ABOVE_MAX);
	ACCEPTED(mkt("BTCUSDT", TL_BUY, "120"));
	ACCEPTED(lim("BTCUSDT", TL_BUY, "500", "50000"));
	REFUSED(mkt("ETHUSDT", TL_BUY, "2000.001"), TL_REJ_QTY_ABOVE_MAX);
	ACCEPTED(mkt("ETHUSDT", TL_BUY, "2000"));
	/* and so do stop-market orders */
	tl_in_submit_t s = sub("BTCUSDT", TL_BUY, TL_ORD_STOP_MARKET, "120.001", NULL);
	s.stop_price = fx("51000");
	REFUSED(sx(s), TL_REJ_QTY_ABOVE_MAX);
	CU_ASSERT(tl_kernel_check(&KF->k));
}

/* ---- prices ----------------------------------------------------------------- */

static void test_price_rules(void)
{
	REFUSED(lim("BTCUSDT", TL_BUY, "0.01", NULL), TL_REJ_PRICE_MISSING);
	REFUSED(lim("BTCUSDT", TL_BUY, "0.01", "-50000"), TL_REJ_PRICE_MISSING);
	tl_in_submit_t s = sub("BTCUSDT", TL_SELL, TL_ORD_STOP_MARKET, "0.01", NULL);
	REFUSED(sx(s), TL_REJ_PRICE_MISSING);		/* no stop price */
	s = sub("BTCUSDT", TL_SELL, TL_ORD_STOP, "0.01", "49000");
	REFUSED(sx(s), TL_REJ_PRICE_MISSING);		/* limit price, no stop */
	s.stop_price = fx("49000.05");
	REFUSED(sx(s), TL_REJ_PRICE_TICK);
	s.stop_price = fx("49000.1");
	ACCEPTED(sx(s));

	REFUSED(lim("BTCUSDT", TL_BUY, "0.01", "50000.05"), TL_REJ_PRICE_TICK);
	REFUSED(lim("BTCUSDT", TL_BUY, "0.01", "50000.01"), TL_REJ_PRICE_TICK);
	ACCEPTED(lim("BTCUSDT", TL_BUY, "0.01", "50000.1"));
	REFUSED(lim("ETHUSDT", TL_BUY, "0.01", "3000.005"), TL_REJ_PRICE_TICK);
	ACCEPTED(lim("ETHUSDT", TL_BUY, "0.01", "3000.01"));

	REFUSED(lim("BTCUSDT", TL_BUY, "1", "0.05"), TL_REJ_PRICE_BELOW_MIN);
	REFUSED(lim("BTCUSDT", TL_SELL, "0.001", "1000000.1"), TL_REJ_PRICE_ABOVE_MAX);
}

static void test_price_band_against_mark(void)
{
	/* mark 50000, band 1.05 / 0.95 */
	ACCEPTED(lim("BTCUSDT", TL_BUY, "0.01", "52500.0"));
	REFUSED(lim("BTCUSDT", TL_BUY, "0.01", "52500.1"), TL_REJ_PRICE_ABOVE_BAND);
	ACCEPTED(lim("BTCUSDT", TL_SELL, "0.01", "47500.0"));
	REFUSED(lim("BTCUSDT", TL_SELL, "0.01", "47499.9"), TL_REJ_PRICE_BELOW_BAND);
	/* only the aggressive side is limited */
	ACCEPTED(lim("BTCUSDT", TL_BUY, "0.01", "40000"));
	ACCEPTED(lim("BTCUSDT", TL_SELL, "0.01", "60000"));
	/* the band follows the mark */
	kf_mark("BTCUSDT", "40000");
	REFUSED(lim("BTCUSDT", TL_BUY, "0.01", "42000.1"), TL_REJ_PRICE_ABOVE_BAND);
	ACCEPTED(lim("BTCUSDT", TL_BUY, "0.01", "42000"));
	/* the refused order's event echoes what was asked */
	tl_in_submit_t s = sub("BTCUSDT", TL_SELL, TL_ORD_LIMIT, "0.02", "37999.9");
	s.user_ref = 4242;
	REFUSED(sx(s), TL_REJ_PRICE_BELOW_BAND);
	const tl_ev_order_t *e = &kf_last_ev(TL_EV_ORDER_REJECTED)->u.ev.u.order;
	CU_ASSERT_EQUAL(e->user_ref, 4242);
	CU_ASSERT_EQUAL(e->side, TL_SELL);
	CU_ASSERT_EQUAL(e->type, TL_ORD_LIMIT);
	CU_ASSERT_EQUAL(e->qty, fx("0.02"));
	CU_ASSERT_EQUAL(e->price, fx("37999.9"));
}

static void test_no_mark(void)
{
	refix(NULL);
	REFUSED(mkt("BTCUSDT", TL_BUY, "0.01"), TL_REJ_NO_MARK);
	REFUSED(kf_signal(TL_SIG_SHORT_ENTRY, "BTCUSDT", "0.01", NULL, NULL, NULL, NULL),
		TL_REJ_NO_MARK);
	/* a limit order has its own price, and no band without a mark */
	ACCEPTED(lim("BTCUSDT", TL_BUY, "0.01", "60000"));
	/* a stop-market order is valued at its stop price */
	tl_in_submit_t s = sub("BTCUSDT", TL_BUY, TL_ORD_STOP_MARKET, "0.01", NULL);
	s.stop_price = fx("51000");
	ACCEPTED(sx(s));
	/* a reduce-only market close needs no mark */
	open_pos("BTCUSDT", TL_BUY, "0.01", "50000");
	ACCEPTED(reduce_only("BTCUSDT", TL_SELL, TL_ORD_MARKET, "0.01", NULL));
	/* once a mark arrives, market orders go */
	kf_mark("ETHUSDT", "3000");
	ACCEPTED(mkt("ETHUSDT", TL_BUY, "0.01"));
	REFUSED(mkt("BTCUSDT", TL_BUY, "0.01"), TL_REJ_NO_MARK);
}

/* ---- notional ------------------------------------------------------------- */

static void test_min_notional(void)
{
	REFUSED(lim("BTCUSDT", TL_BUY, "0.001", "50000"), TL_REJ_NOTIONAL_BELOW_MIN);
	REFUSED(lim("BTCUSDT", TL_BUY, "0.002", "49999.9"), TL_REJ_NOTIONAL_BELOW_MIN);
	ACCEPTED(lim("BTCUSDT", TL_BUY, "0.002", "50000"));	/* exactly 100 */
	REFUSED(mkt("BTCUSDT", TL_BUY, "0.001"), TL_REJ_NOTIONAL_BELOW_MIN);
	REFUSED(lim("ETHUSDT", TL_SELL, "0.006", "3000"), TL_REJ_NOTIONAL_BELOW_MIN);
	ACCEPTED(lim("ETHUSDT", TL_SELL, "0.007", "3000"));
	/* reduce-only closing a position: the venue waives the minimum */
	open_pos("BTCUSDT", TL_BUY, "0.002", "50000");
	ACCEPTED(reduce_only("BTCUSDT", TL_SELL, TL_ORD_LIMIT, "0.001", "50000"));
	ACCEPTED(reduce_only("BTCUSDT", TL_SELL, TL_ORD_MARKET, "0.001", NULL));
	/* ... but the same order without reduce-only opens risk: refused */
	REFUSED(lim("BTCUSDT", TL_SELL, "0.001", "50000"), TL_REJ_NOTIONAL_BELOW_MIN);
	/* a close signal is reduce-only too */
	ACCEPTED(kf_signal(TL_SIG_CLOSE_LONG, "BTCUSDT", "0.001", NULL, NULL, NULL, NULL));
}

/* ---- reduce-only ------------------------------------------------------------ */

static void test_reduce_only_must_reduce(void)
{
	/* no position */
	REFUSED(reduce_only("BTCUSDT", TL_SELL, TL_ORD_LIMIT, "0.01", "50000"),
		TL_REJ_REDUCE_ONLY_NOT_REDUCING);
	REFUSED(reduce_only("BTCUSDT", TL_BUY, TL_ORD_MARKET, "0.01", NULL),
		TL_REJ_REDUCE_ONLY_NOT_REDUCING);
	open_pos("BTCUSDT", TL_BUY, "0.01", "50000");
	/* wrong direction: a BUY grows a long */
	REFUSED(reduce_only("BTCUSDT", TL_BUY, TL_ORD_LIMIT, "0.01", "50000"),
		TL_REJ_REDUCE_ONLY_NOT_REDUCING);
	/* larger than the position: would cross zero */
	REFUSED(reduce_only("BTCUSDT", TL_SELL, TL_ORD_LIMIT, "0.011", "50000"),
		TL_REJ_REDUCE_ONLY_NOT_REDUCING);
	/* other symbol has no position */
	REFUSED(reduce_only("ETHUSDT", TL_SELL, TL_ORD_LIMIT, "0.01", "3000"),
		TL_REJ_REDUCE_ONLY_NOT_REDUCING);
	ACCEPTED(reduce_only("BTCUSDT", TL_SELL, TL_ORD_LIMIT, "0.01", "50000"));
	CU_ASSERT_EQUAL(kf_last(TL_OUT_REQ_NEW)->u.req.reduce_only, 1);
	/* shorts mirror it */
	open_pos("ETHUSDT", TL_SELL, "1", "3000");
	REFUSED(reduce_only("ETHUSDT", TL_SELL, TL_ORD_MARKET, "0.5", NULL),
		TL_REJ_REDUCE_ONLY_NOT_REDUCING);
	REFUSED(reduce_only("ETHUSDT", TL_BUY, TL_ORD_MARKET, "1.001", NULL),
		TL_REJ_REDUCE_ONLY_NOT_REDUCING);
	ACCEPTED(reduce_only("ETHUSDT", TL_BUY, TL_ORD_MARKET, "1", NULL));
}

static void hedge(tl_kernel_cfg_t *c) { c->hedge_mode = true; }

static void test_hedge_close_must_reduce(void)
{
	refix(hedge);
	marks();
	/* SELL+LONG and BUY+SHORT close a side: with nothing there, refused */
	tl_in_submit_t s = sub("BTCUSDT", TL_SELL, TL_ORD_LIMIT, "0.01", "50000");
	s.pos_side = TL_PS_LONG;
	REFUSED(sx(s), TL_REJ_REDUCE_ONLY_NOT_REDUCING);
	tl_in_submit_t b = sub("BTCUSDT", TL_BUY, TL_ORD_MARKET, "0.01", NULL);
	b.pos_side = TL_PS_SHORT;
	REFUSED(sx(b), TL_REJ_REDUCE_ONLY_NOT_REDUCING);
	open_pos("BTCUSDT", TL_BUY, "0.01", "50000");	/* LONG side */
	ACCEPTED(sx(s));
	REFUSED(sx(b), TL_REJ_REDUCE_ONLY_NOT_REDUCING);	/* SHORT still flat */
}

/* ---- our own limits ----------------------------------------------------------- */

static void max_qty_1(tl_kernel_cfg_t *c) { c->max_order_qty = fx("1"); }
static void max_notional_10k(tl_kernel_cfg_t *c) { c->max_order_notional = fx("10000"); }
static void max_pos_half(tl_kernel_cfg_t *c) { c->max_position_qty = fx("0.5"); }

static void test_max_order_qty(void)
{
	refix(max_qty_1);
	marks();
	REFUSED(lim("BTCUSDT", TL_BUY, "1.001", "50000"), TL_REJ_MAX_ORDER_QTY);
	REFUSED(mkt("ETHUSDT", TL_SELL, "1.001"), TL_REJ_MAX_ORDER_QTY);
	ACCEPTED(lim("BTCUSDT", TL_BUY, "1", "50000"));
	ACCEPTED(mkt("ETHUSDT", TL_SELL, "1"));
}

static void test_max_order_notional(void)
{
	refix(max_notional_10k);
	marks();
	ACCEPTED(lim("BTCUSDT", TL_BUY, "0.2", "50000"));	/* exactly 10000 */
	REFUSED(lim("BTCUSDT", TL_BUY, "0.201", "50000"), TL_REJ_MAX_ORDER_NOTIONAL);
	REFUSED(lim("BTCUSDT", TL_BUY, "0.2", "50000.1"), TL_REJ_MAX_ORDER_NOTIONAL);
	REFUSED(mkt("BTCUSDT", TL_SELL, "0.201"), TL_REJ_MAX_ORDER_NOTIONAL);
	ACCEPTED(mkt("BTCUSDT", TL_SELL, "0.2"));
	/* stop-market is valued at its stop price */
	tl_in_submit_t s = sub("BTCUSDT", TL_BUY, TL_ORD_STOP_MARKET, "0.2", NULL);
	s.stop_price = fx("50000.1");
	REFUSED(sx(s), TL_REJ_MAX_ORDER_NOTIONAL);
}

static void test_max_position(void)
{
	refix(max_pos_half);
	marks();
	open_pos("BTCUSDT", TL_BUY, "0.4", "50000");
	REFUSED(lim("BTCUSDT", TL_BUY, "0.2", "50000"), TL_REJ_MAX_POSITION);
	REFUSED(mkt("BTCUSDT", TL_BUY, "0.101"), TL_REJ_MAX_POSITION);
	ACCEPTED(lim("BTCUSDT", TL_BUY, "0.1", "50000"));	/* to exactly 0.5 */
	/* one-way: a sell that flips to a short past the limit */
	REFUSED(lim("BTCUSDT", TL_SELL, "1", "50000"), TL_REJ_MAX_POSITION);
	ACCEPTED(lim("BTCUSDT", TL_SELL, "0.9", "50000"));	/* to -0.5 */
	/* reducing orders are not limited */
	ACCEPTED(reduce_only("BTCUSDT", TL_SELL, TL_ORD_LIMIT, "0.4", "50000"));
	/* the limit is per symbol */
	ACCEPTED(lim("ETHUSDT", TL_BUY, "0.5", "3000"));
	REFUSED(lim("ETHUSDT", TL_BUY, "0.501", "3000"), TL_REJ_MAX_POSITION);
	/* open orders count: with 0.5 resting, even 0.01 more would pass
	 * the limit if both filled; a sell on the other side still fits */
	REFUSED(lim("ETHUSDT", TL_BUY, "0.01", "3000"), TL_REJ_MAX_POSITION);
	ACCEPTED(lim("ETHUSDT", TL_SELL, "0.5", "3000"));
}

static void max_open_3(tl_kernel_cfg_t *c) { c->max_open_orders = 3; }

static void test_max_open_orders_per_symbol(void)
{
	KF->k.syms.sym[0].max_open_orders = 2;
	uint64_t h1 = 0;
	CU_ASSERT_EQUAL(lim("BTCUSDT", TL_BUY, "0.01", "49000"), TL_REJ_NONE);
	CU_ASSERT_EQUAL(kf_submit("BTCUSDT", TL_BUY, TL_ORD_LIMIT, "0.01", "49000", &h1),
			TL_REJ_NONE);
	REFUSED(lim("BTCUSDT", TL_BUY, "0.01", "49000"), TL_REJ_MAX_OPEN_ORDERS);
	REFUSED(mkt("BTCUSDT", TL_SELL, "0.01"), TL_REJ_MAX_OPEN_ORDERS);
	ACCEPTED(lim("ETHUSDT", TL_BUY, "0.01", "3000"));
	/* a finished order frees its place */
	cancel_done(h1);
	ACCEPTED(lim("BTCUSDT", TL_BUY, "0.01", "49000"));
	REFUSED(lim("BTCUSDT", TL_BUY, "0.01", "49000"), TL_REJ_MAX_OPEN_ORDERS);
	CU_ASSERT(tl_kernel_check(&KF->k));
}

static void test_max_open_orders_global(void)
{
	refix(max_open_3);
	marks();
	uint64_t h = 0;
	CU_ASSERT_EQUAL(kf_submit("BTCUSDT", TL_BUY, TL_ORD_LIMIT, "0.01", "49000", &h),
			TL_REJ_NONE);
	ACCEPTED(lim("BTCUSDT", TL_BUY, "0.01", "49000"));
	ACCEPTED(lim("ETHUSDT", TL_BUY, "0.01", "3000"));
	REFUSED(lim("ETHUSDT", TL_BUY, "0.01", "3000"), TL_REJ_MAX_OPEN_ORDERS);
	REFUSED(lim("BTCUSDT", TL_SELL, "0.01", "51000"), TL_REJ_MAX_OPEN_ORDERS);
	/* filled orders do not count */
	kf_fill(kf_clid(h), 1, "49000", "0.01", "0");
	ACCEPTED(lim("ETHUSDT", TL_BUY, "0.01", "3000"));
	REFUSED(lim("ETHUSDT", TL_BUY, "0.01", "3000"), TL_REJ_MAX_OPEN_ORDERS);
}

/* ---- rate buckets ------------------------------------------------------------- */

static void rate3(tl_kernel_cfg_t *c) { c->rate_10s = 3; }
static void rate1m2(tl_kernel_cfg_t *c) { c->rate_1m = 2; }
static void rate3_1m4(tl_kernel_cfg_t *c) { c->rate_10s = 3; c->rate_1m = 4; }

static void test_rate_10s(void)
{
	refix(rate3);
	marks();
	ACCEPTED(lim("BTCUSDT", TL_BUY, "0.01", "49000"));
	/* refused orders spend no token */
	for (int i = 0; i < 5; i++)
		REFUSED(lim("BTCUSDT", TL_BUY, "0.0015", "49000"), TL_REJ_QTY_STEP);
	ACCEPTED(lim("BTCUSDT", TL_BUY, "0.01", "49000"));
	ACCEPTED(lim("ETHUSDT", TL_BUY, "0.01", "3000"));
	REFUSED(lim("BTCUSDT", TL_BUY, "0.01", "49000"), TL_REJ_RATE_10S);
	REFUSED(mkt("ETHUSDT", TL_BUY, "0.01"), TL_REJ_RATE_10S);
	/* a refusal by the rate limit spends none either: 10 s later all 3 */
	kf_tick_after(10 * TL_NS_PER_S);
	ACCEPTED(lim("BTCUSDT", TL_BUY, "0.01", "49000"));
	ACCEPTED(lim("BTCUSDT", TL_BUY, "0.01", "49000"));
	ACCEPTED(lim("BTCUSDT", TL_BUY, "0.01", "49000"));
	REFUSED(lim("BTCUSDT", TL_BUY, "0.01", "49000"), TL_REJ_RATE_10S);
	/* 1/3 of the window later one token is back */
	kf_tick_after(10 * TL_NS_PER_S / 3 + TL_NS_PER_MS);
	ACCEPTED(lim("BTCUSDT", TL_BUY, "0.01", "49000"));
	REFUSED(lim("BTCUSDT", TL_BUY, "0.01", "49000"), TL_REJ_RATE_10S);
}

static void test_rate_1m(void)
{
	refix(rate1m2);
	marks();
	ACCEPTED(lim("BTCUSDT", TL_BUY, "0.01", "49000"));
	ACCEPTED(lim("BTCUSDT", TL_BUY, "0.01", "49000"));
	REFUSED(lim("BTCUSDT", TL_BUY, "0.01", "49000"), TL_REJ_RATE_1M);
	kf_tick_after(10 * TL_NS_PER_S);
	REFUSED(lim("BTCUSDT", TL_BUY, "0.01", "49000"), TL_REJ_RATE_1M);
	kf_tick_after(20 * TL_NS_PER_S);	/* 30 s: one of two back */
	ACCEPTED(lim("BTCUSDT", TL_BUY, "0.01", "49000"));
	REFUSED(lim("BTCUSDT", TL_BUY, "0.01", "49000"), TL_REJ_RATE_1M);
}

static void test_rate_10s_refusal_spends_no_minute_token(void)
{
	refix(rate3_1m4);
	marks();
	for (int i = 0; i < 3; i++)
		ACCEPTED(lim("BTCUSDT", TL_BUY, "0.01", "49000"));
	for (int i = 0; i < 3; i++)
		REFUSED(lim("BTCUSDT", TL_BUY, "0.01", "49000"), TL_REJ_RATE_10S);
	kf_tick_after(10 * TL_NS_PER_S);
	/* minute bucket: 4 - 3 + 10/60*4 = 1.67 tokens -> one more order */
	ACCEPTED(lim("BTCUSDT", TL_BUY, "0.01", "49000"));
	REFUSED(lim("BTCUSDT", TL_BUY, "0.01", "49000"), TL_REJ_RATE_1M);
}

/* Regression guard: the rate buckets are taken inside tl_risk_check, but
 * order.c can still refuse afterwards (take-profit/stop-loss checks, a
 * full order table). Such a refused order never reaches the venue and
 * must not spend a token (risk.c's contract). */
static void test_refusals_after_risk_check_spend_no_token(void)
{
	refix(rate3);
	marks();
	for (int i = 0; i < 3; i++)
		REFUSED(kf_signal(TL_SIG_LONG_ENTRY, "BTCUSDT", "0.01", "50000",
				  "49000", NULL, NULL), TL_REJ_BAD_TPSL);
	ACCEPTED(lim("BTCUSDT", TL_BUY, "0.01", "49000"));
}

static void rate65(tl_kernel_cfg_t *c) { c->rate_10s = 65; }

static void test_table_full_refusal_spends_no_token(void)
{
	refix(rate65);
	marks();
	uint64_t h = 0;
	for (int i = 0; i < 64; i++)
		CU_ASSERT_EQUAL_FATAL(kf_submit("BTCUSDT", TL_BUY, TL_ORD_LIMIT, "0.01",
						"49000", i == 0 ? &h : NULL), TL_REJ_NONE);
	REFUSED(lim("BTCUSDT", TL_BUY, "0.01", "49000"), TL_REJ_TABLE_FULL);
	cancel_done(h);
	/* 64 of 65 tokens spent (plus ~0.4 refilled): the 65th order goes */
	ACCEPTED(lim("BTCUSDT", TL_BUY, "0.01", "49000"));
}

static void rate_off(tl_kernel_cfg_t *c) { c->rate_10s = 0; c->rate_1m = 0; }

/* Regression guard: kernel.h says "Risk limits; 0 disables a limit" over
 * rate_10s and rate_1m, and tl_kernel_init accepts 0; a 0 must not turn
 * into "refuse every order". */
static void test_rate_limit_zero_disables(void)
{
	refix(rate_off);
	marks();
	ACCEPTED(lim("BTCUSDT", TL_BUY, "0.01", "49000"));
}

/* ---- trading state -------------------------------------------------------------- */

static void test_state_reducing(void)
{
	open_pos("BTCUSDT", TL_BUY, "0.1", "50000");
	CU_ASSERT_EQUAL(kf_control(TL_CTL_HALT, "test"), TL_REJ_NONE);
	CU_ASSERT_EQUAL(KF->k.state, TL_TS_REDUCING);
	REFUSED(lim("BTCUSDT", TL_BUY, "0.01", "49000"), TL_REJ_STATE_REDUCING);
	REFUSED(lim("ETHUSDT", TL_SELL, "0.01", "3000"), TL_REJ_STATE_REDUCING);
	/* a plain SELL would reduce but is not marked reduce-only */
	REFUSED(lim("BTCUSDT", TL_SELL, "0.01", "50000"), TL_REJ_STATE_REDUCING);
	REFUSED(kf_signal(TL_SIG_LONG_ENTRY, "BTCUSDT", "0.01", NULL, NULL, NULL, NULL),
		TL_REJ_STATE_REDUCING);
	REFUSED(reduce_only("BTCUSDT", TL_SELL, TL_ORD_LIMIT, "0.2", "50000"),
		TL_REJ_STATE_REDUCING);	/* too large: does not reduce */
	ACCEPTED(reduce_only("BTCUSDT", TL_SELL, TL_ORD_LIMIT, "0.05", "50000"));
	ACCEPTED(kf_signal(TL_SIG_CLOSE_LONG, "BTCUSDT", "0.05", NULL, NULL, NULL, NULL));
	CU_ASSERT_EQUAL(kf_control(TL_CTL_RESUME, NULL), TL_REJ_NONE);
	ACCEPTED(lim("BTCUSDT", TL_BUY, "0.01", "49000"));
}

static void test_state_paused(void)
{
	open_pos("BTCUSDT", TL_BUY, "0.1", "50000");
	CU_ASSERT_EQUAL(kf_control(TL_CTL_PAUSE, "test"), TL_REJ_NONE);
	REFUSED(lim("BTCUSDT", TL_BUY, "0.01", "49000"), TL_REJ_STATE_PAUSED);
	/* paused means nothing new, closes included */
	REFUSED(reduce_only("BTCUSDT", TL_SELL, TL_ORD_MARKET, "0.1", NULL),
		TL_REJ_STATE_PAUSED);
	REFUSED(kf_signal(TL_SIG_CLOSE_LONG, "BTCUSDT", "0.1", NULL, NULL, NULL, NULL),
		TL_REJ_STATE_PAUSED);
	CU_ASSERT_EQUAL(kf_control(TL_CTL_RESUME, NULL), TL_REJ_NONE);
	ACCEPTED(lim("BTCUSDT", TL_BUY, "0.01", "49000"));
}

static void test_state_liquidating(void)
{
	open_pos("BTCUSDT", TL_BUY, "0.1", "50000");
	CU_ASSERT_EQUAL(kf_control(TL_CTL_LIQUIDATE, "test"), TL_REJ_NONE);
	CU_ASSERT_EQUAL(KF->k.state, TL_TS_LIQUIDATING);
	REFUSED(lim("BTCUSDT", TL_BUY, "0.01", "49000"), TL_REJ_STATE_LIQUIDATING);
	REFUSED(reduce_only("BTCUSDT", TL_SELL, TL_ORD_MARKET, "0.1", NULL),
		TL_REJ_STATE_LIQUIDATING);
	REFUSED(kf_signal(TL_SIG_SHORT_ENTRY, "ETHUSDT", "1", NULL, NULL, NULL, NULL),
		TL_REJ_STATE_LIQUIDATING);
}

/* ---- shape of the request ---------------------------------------------------------- */

static void test_bad_param_one_way(void)
{
	tl_in_submit_t s = sub("BTCUSDT", TL_BUY, TL_ORD_LIMIT, "0.01", "49000");
	s.pos_side = TL_PS_LONG;
	REFUSED(sx(s), TL_REJ_BAD_PARAM);	/* one-way takes BOTH only */
	s.pos_side = TL_PS_SHORT;
	REFUSED(sx(s), TL_REJ_BAD_PARAM);
	s.pos_side = 3;
	REFUSED(sx(s), TL_REJ_BAD_PARAM);
	s = sub("BTCUSDT", TL_BUY, TL_ORD_MARKET, "0.01", "50000");
	REFUSED(sx(s), TL_REJ_BAD_PARAM);	/* market order with a price */
	s = sub("BTCUSDT", TL_BUY, TL_ORD_LIMIT, "0.01", "49000");
	s.stop_price = fx("48000");
	REFUSED(sx(s), TL_REJ_BAD_PARAM);	/* limit order with a stop price */
	static const struct { uint8_t side, type, tif; } bad[] = {
		{ 0, TL_ORD_LIMIT, TL_TIF_GTC }, { 3, TL_ORD_LIMIT, TL_TIF_GTC },
		{ 255, TL_ORD_LIMIT, TL_TIF_GTC }, { TL_BUY, 0, TL_TIF_GTC },
		{ TL_BUY, 7, TL_TIF_GTC }, { TL_BUY, TL_ORD_LIMIT, 5 },
		{ TL_SELL, TL_ORD_LIMIT, 200 },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		s = sub("BTCUSDT", TL_BUY, TL_ORD_LIMIT, "0.01", "49000");
		s.side = bad[i].side;
		s.type = bad[i].type;
		s.tif = bad[i].tif;
		REFUSED(sx(s), TL_REJ_BAD_PARAM);
	}
	/* tif 0 means GTC */
	s = sub("BTCUSDT", TL_BUY, TL_ORD_LIMIT, "0.01", "49000");
	s.tif = 0;
	ACCEPTED(sx(s));
	CU_ASSERT_EQUAL(kf_last(TL_OUT_REQ_NEW)->u.req.tif, TL_TIF_GTC);
	/* signals outside the enum */
	REFUSED(kf_signal(0, "BTCUSDT", "0.01", NULL, NULL, NULL, NULL), TL_REJ_BAD_PARAM);
	REFUSED(kf_signal(9, "BTCUSDT", "0.01", NULL, NULL, NULL, NULL), TL_REJ_BAD_PARAM);
}

static void test_bad_param_hedge(void)
{
	refix(hedge);
	marks();
	tl_in_submit_t s = sub("BTCUSDT", TL_BUY, TL_ORD_LIMIT, "0.01", "49000");
	s.pos_side = TL_PS_BOTH;
	REFUSED(sx(s), TL_REJ_BAD_PARAM);	/* hedge takes LONG/SHORT */
	s.pos_side = TL_PS_LONG;
	s.reduce_only = 1;
	REFUSED(sx(s), TL_REJ_BAD_PARAM);	/* -1106: no reduce-only in hedge */
	s.reduce_only = 0;
	ACCEPTED(sx(s));
	CU_ASSERT_EQUAL(kf_last(TL_OUT_REQ_NEW)->u.req.pos_side, TL_PS_LONG);
}

/* ---- take-profit / stop-loss and close signals ------------------------------------ */

static void test_bad_tpsl(void)
{
	/* long entry at 50000: take-profit above, stop below */
	REFUSED(kf_signal(TL_SIG_LONG_ENTRY, "BTCUSDT", "0.01", "50000", "49000", NULL, NULL),
		TL_REJ_BAD_TPSL);
	REFUSED(kf_signal(TL_SIG_LONG_ENTRY, "BTCUSDT", "0.01", "50000", NULL, "51000", NULL),
		TL_REJ_BAD_TPSL);
	REFUSED(kf_signal(TL_SIG_LONG_ENTRY, "BTCUSDT", "0.01", "50000", "50000", NULL, NULL),
		TL_REJ_BAD_TPSL);
	/* short entry mirrors it; a market entry is judged at the mark */
	REFUSED(kf_signal(TL_SIG_SHORT_ENTRY, "BTCUSDT", "0.01", NULL, "51000", NULL, NULL),
		TL_REJ_BAD_TPSL);
	REFUSED(kf_signal(TL_SIG_SHORT_ENTRY, "BTCUSDT", "0.01", NULL, NULL, "49000", NULL),
		TL_REJ_BAD_TPSL);
	/* off-tick protective prices */
	REFUSED(kf_signal(TL_SIG_LONG_ENTRY, "BTCUSDT", "0.01", "50000", "51000.05", NULL, NULL),
		TL_REJ_PRICE_TICK);
	/* negative prices on a submit */
	tl_in_submit_t s = sub("BTCUSDT", TL_BUY, TL_ORD_LIMIT, "0.01", "50000");
	s.tp = fx("-1");
	REFUSED(sx(s), TL_REJ_BAD_TPSL);
	/* protective orders on a close make no sense */
	open_pos("BTCUSDT", TL_BUY, "0.01", "50000");
	REFUSED(kf_signal(TL_SIG_CLOSE_LONG, "BTCUSDT", "0.01", NULL, "52000", NULL, NULL),
		TL_REJ_BAD_TPSL);
	s = sub("BTCUSDT", TL_SELL, TL_ORD_LIMIT, "0.01", "50000");
	s.reduce_only = 1;
	s.sl = fx("52000");
	REFUSED(sx(s), TL_REJ_BAD_TPSL);
	/* and a good one goes */
	uint64_t h = 0;
	ACCEPTED(kf_signal(TL_SIG_LONG_ENTRY, "BTCUSDT", "0.01", "50000", "51000", "49000",
			   &h));
	CU_ASSERT_EQUAL(kf_order(h)->role, TL_ROLE_ENTRY);
}

static void test_nothing_to_close(void)
{
	REFUSED(kf_signal(TL_SIG_CLOSE_LONG, "BTCUSDT", "0.01", NULL, NULL, NULL, NULL),
		TL_REJ_NOTHING_TO_CLOSE);
	REFUSED(kf_signal(TL_SIG_CLOSE_SHORT, "BTCUSDT", "0.01", NULL, NULL, NULL, NULL),
		TL_REJ_NOTHING_TO_CLOSE);
	open_pos("BTCUSDT", TL_BUY, "0.01", "50000");
	REFUSED(kf_signal(TL_SIG_CLOSE_SHORT, "BTCUSDT", "0.01", NULL, NULL, NULL, NULL),
		TL_REJ_NOTHING_TO_CLOSE);
	REFUSED(kf_signal(TL_SIG_CLOSE_LONG, "ETHUSDT", "0.01", NULL, NULL, NULL, NULL),
		TL_REJ_NOTHING_TO_CLOSE);
	/* a close larger than the position is cut to it */
	ACCEPTED(kf_signal(TL_SIG_CLOSE_LONG, "BTCUSDT", "5", NULL, NULL, NULL, NULL));
	CU_ASSERT_EQUAL(kf_last(TL_OUT_REQ_NEW)->u.req.qty, fx("0.01"));

	refix(hedge);
	marks();
	open_pos("BTCUSDT", TL_BUY, "0.01", "50000");
	REFUSED(kf_signal(TL_SIG_CLOSE_SHORT, "BTCUSDT", "0.01", NULL, NULL, NULL, NULL),
		TL_REJ_NOTHING_TO_CLOSE);
	ACCEPTED(kf_signal(TL_SIG_CLOSE_LONG, "BTCUSDT", "0.01", NULL, NULL, NULL, NULL));
}

/* ---- capacity ------------------------------------------------------------------------ */

static void test_table_full(void)
{
	/* the fixture's table has 64 slots; none terminal */
	for (int i = 0; i < 64; i++)
		CU_ASSERT_EQUAL_FATAL(lim(i & 1 ? "BTCUSDT" : "ETHUSDT", TL_BUY, "0.01",
					  i & 1 ? "49000" : "3000"), TL_REJ_NONE);
	uint64_t id_next = KF->k.id_next;
	REFUSED(lim("BTCUSDT", TL_BUY, "0.01", "49000"), TL_REJ_TABLE_FULL);
	REFUSED(kf_signal(TL_SIG_LONG_ENTRY, "ETHUSDT", "0.01", NULL, NULL, NULL, NULL),
		TL_REJ_TABLE_FULL);
	CU_ASSERT_EQUAL(KF->k.id_next, id_next);	/* no client id wasted */
	/* one order finishing makes room for exactly one */
	tl_order_t *o = tl_orders_active_first(&KF->k.orders);
	char id[TL_CLID_LEN];
	snprintf(id, sizeof(id), "%s", o->client_id);
	kf_cancel(id);
	kf_update(id, TL_ST_CANCELED, 0);
	ACCEPTED(lim("BTCUSDT", TL_BUY, "0.01", "49000"));
	REFUSED(lim("BTCUSDT", TL_BUY, "0.01", "49000"), TL_REJ_TABLE_FULL);
	CU_ASSERT(tl_kernel_check(&KF->k));
}

/* ---- cancels ---------------------------------------------------------------------------- */

static void test_cancel_refusals(void)
{
	kfix_clear();
	CU_ASSERT_EQUAL(kf_cancel("tl999"), TL_REJ_UNKNOWN_ORDER);
	CU_ASSERT_EQUAL(kf_cancel(""), TL_REJ_UNKNOWN_ORDER);
	uint64_t h = 0;
	CU_ASSERT_EQUAL(kf_submit("BTCUSDT", TL_BUY, TL_ORD_LIMIT, "0.01", "49000", &h),
			TL_REJ_NONE);
	kf_fill(kf_clid(h), 1, "49000", "0.01", "0");
	kfix_clear();
	CU_ASSERT_EQUAL(kf_cancel(kf_clid(h)), TL_REJ_NOT_CANCELABLE);
	tl_input_t in;
	memset(&in, 0, sizeof(in));
	in.hdr.type = TL_IN_CANCEL_ALL;
	snprintf(in.u.cancel.symbol, sizeof(in.u.cancel.symbol), "XRPUSDT");
	CU_ASSERT_EQUAL(kf_apply(&in), TL_REJ_UNKNOWN_SYMBOL);
	CU_ASSERT_EQUAL(kf_count(TL_OUT_REQ_CANCEL), 0);
	CU_ASSERT_EQUAL(kf_order(h)->status, TL_ST_FILLED);
}

/* ---- names ------------------------------------------------------------------------------- */

static void test_every_reject_has_name_and_message(void)
{
	for (int r = 0; r < TL_REJ__COUNT; r++) {
		const char *n = tl_reject_name((tl_reject_t)r);
		const char *m = tl_reject_msg((tl_reject_t)r);
		CU_ASSERT(n && n[0] && strcmp(n, "?") != 0);
		CU_ASSERT(m && m[0] && strcmp(m, "unknown reason") != 0);
		CU_ASSERT(strlen(m) < TL_TEXT_LEN);	/* fits an event's text */
		for (int q = 0; q < r; q++) {
			CU_ASSERT(strcmp(tl_reject_name((tl_reject_t)q), n) != 0);
			CU_ASSERT(strcmp(tl_reject_msg((tl_reject_t)q), m) != 0);
		}
	}
	CU_ASSERT_STRING_EQUAL(tl_reject_name(TL_REJ_NONE), "NONE");
	CU_ASSERT_STRING_EQUAL(tl_reject_name(TL_REJ_TABLE_FULL), "TABLE_FULL");
	CU_ASSERT_STRING_EQUAL(tl_reject_name((tl_reject_t)TL_REJ__COUNT), "?");
}

TL_TEST_SUITE("kernel.risk", setup, teardown,
	      TL_TEST(test_unknown_symbol),
	      TL_TEST(test_symbol_not_trading),
	      TL_TEST(test_quantity_rules),
	      TL_TEST(test_price_rules),
	      TL_TEST(test_price_band_against_mark),
	      TL_TEST(test_no_mark),
	      TL_TEST(test_min_notional),
	      TL_TEST(test_reduce_only_must_reduce),
	      TL_TEST(test_hedge_close_must_reduce),
	      TL_TEST(test_max_order_qty),
	      TL_TEST(test_max_order_notional),
	      TL_TEST(test_max_position),
	      TL_TEST(test_max_open_orders_per_symbol),
	      TL_TEST(test_max_open_orders_global),
	      TL_TEST(test_rate_10s),
	      TL_TEST(test_rate_1m),
	      TL_TEST(test_rate_10s_refusal_spends_no_minute_token),
	      TL_TEST(test_refusals_after_risk_check_spend_no_token),
	      TL_TEST(test_table_full_refusal_spends_no_token),
	      TL_TEST(test_rate_limit_zero_disables),
	      TL_TEST(test_state_reducing),
	      TL_TEST(test_state_paused),
	      TL_TEST(test_state_liquidating),
	      TL_TEST(test_bad_param_one_way),
	      TL_TEST(test_bad_param_hedge),
	      TL_TEST(test_bad_tpsl),
	      TL_TEST(test_nothing_to_close),
	      TL_TEST(test_table_full),
	      TL_TEST(test_cancel_refusals),
	      TL_TEST(test_every_reject_has_name_and_message));
