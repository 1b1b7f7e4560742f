/*
 * test_symbol_status.c - TL_IN_SYMBOL_STATUS (kernel/record.h): the
 * venue says a symbol left TRADING (a re-read exchangeInfo), and while it
 * is out the kernel refuses orders that add exposure on it
 * (SYMBOL_NOT_TRADING, nothing sent) but lets reduce-only closes and
 * cancels go; other symbols are untouched; TRADING again lifts it.
 * Unknown symbols and statuses are bad inputs that change nothing. The
 * same inputs give the same outputs (the journal replays it).
 *
 * Fixture: tests/support/kfix.c (BTCUSDT, ETHUSDT; marks 50000 / 3000).
 */
#include "tests/support/tl_test.h"
#include "tests/support/kfix.h"

#include <stdio.h>
#include <string.h>

static void setup(void) { kfix_new_marked(); }
static void teardown(void) { kfix_free(KF); }

static tl_input_t status_in(const char *sym, int status, const char *word)
{
	tl_input_t in;
	memset(&in, 0, sizeof in);
	in.hdr.type = TL_IN_SYMBOL_STATUS;
	snprintf(in.u.symstat.symbol, sizeof in.u.symstat.symbol, "%s", sym);
	in.u.symstat.status = (uint8_t)status;
	snprintf(in.u.symstat.venue_status, sizeof in.u.symstat.venue_status, "%s", word);
	return in;
}

static void set_status(const char *sym, int status, const char *word)
{
	tl_input_t in = status_in(sym, status, word);
	kf_apply(&in);
}

static tl_reject_t reduce_only(const char *sym, tl_side_t side, tl_ord_type_t t,
			       const char *qty, const char *px)
{
	tl_in_submit_t s = kf_submit_spec(sym, side, t, qty, px);
	s.reduce_only = 1;
	return kf_submit_ex(&s, NULL);
}

/* A long of 0.010 BTCUSDT, filled. */
static void open_long(void)
{
	uint64_t h;
	CU_ASSERT_EQUAL_FATAL(kf_submit("BTCUSDT", TL_BUY, TL_ORD_MARKET, "0.010", NULL, &h),
			      TL_REJ_NONE);
	kf_ack(kf_clid(h), 1001);
	kf_fill(kf_clid(h), 1, "50000", "0.010", "0");
	CU_ASSERT_EQUAL_FATAL(kf_pos("BTCUSDT", TL_PS_BOTH)->qty, fx("0.010"));
}

static void test_out_of_trading_only_closes(void)
{
	uint64_t rest;

	open_long();
	/* a resting order from before the status change */
	CU_ASSERT_EQUAL(kf_submit("BTCUSDT", TL_BUY, TL_ORD_LIMIT, "0.010", "45000", &rest),
			TL_REJ_NONE);
	kf_ack(kf_clid(rest), 1002);
	uint64_t bad = KF->k.ctr.bad_inputs;

	set_status("BTCUSDT", TL_SYM_HALTED, "BREAK");
	CU_ASSERT_EQUAL(KF->k.ctr.bad_inputs, bad);
	CU_ASSERT_EQUAL(KF->k.syms.sym[tl_symbols_find(&KF->k.syms, "BTCUSDT")].status,
			TL_SYM_HALTED);

	/* new exposure: refused, nothing sent */
	kfix_clear();
	CU_ASSERT_EQUAL(kf_submit("BTCUSDT", TL_BUY, TL_ORD_LIMIT, "0.010", "49000", NULL),
			TL_REJ_SYMBOL_NOT_TRADING);
	CU_ASSERT_EQUAL(kf_submit("BTCUSDT", TL_SELL, TL_ORD_MARKET, "0.020", NULL, NULL),
			TL_REJ_SYMBOL_NOT_TRADING);
	CU_ASSERT_EQUAL(kf_count(TL_OUT_REQ_NEW), 0);
	CU_ASSERT_EQUAL(kf_count_ev(TL_EV_ORDER_REJECTED), 2);

	/* other symbols trade */
	CU_ASSERT_EQUAL(kf_submit("ETHUSDT", TL_BUY, TL_ORD_LIMIT, "0.100", "2990", NULL),
			TL_REJ_NONE);

	/* the cancel of the resting order goes */
	kfix_clear();
	CU_ASSERT_EQUAL(kf_cancel(kf_clid(rest)), TL_REJ_NONE);
	CU_ASSERT_EQUAL(kf_count(TL_OUT_REQ_CANCEL), 1);

	/* the reduce-only close goes */
	kfix_clear();
	CU_ASSERT_EQUAL(reduce_only("BTCUSDT", TL_SELL, TL_ORD_MARKET, "0.010", NULL),
			TL_REJ_NONE);
	CU_ASSERT_EQUAL(kf_count(TL_OUT_REQ_NEW), 1);

	/* TRADING again: new orders go */
	set_status("BTCUSDT", TL_SYM_TRADING, "TRADING");
	kfix_clear();
	CU_ASSERT_EQUAL(kf_submit("BTCUSDT", TL_BUY, TL_ORD_LIMIT, "0.010", "49000", NULL),
			TL_REJ_NONE);
	CU_ASSERT_EQUAL(kf_count(TL_OUT_REQ_NEW), 1);
	CU_ASSERT_TRUE(tl_kernel_check(&KF->k));
}

static void test_bad_inputs_change_nothing(void)
{
	uint64_t bad = KF->k.ctr.bad_inputs;

	set_status("XRPUSDT", TL_SYM_HALTED, "BREAK");
	CU_ASSERT_EQUAL(KF->k.ctr.bad_inputs, bad + 1);
	set_status("BTCUSDT", 7, "WHAT");
	CU_ASSERT_EQUAL(KF->k.ctr.bad_inputs, bad + 2);
	CU_ASSERT_EQUAL(KF->k.syms.sym[tl_symbols_find(&KF->k.syms, "BTCUSDT")].status,
			TL_SYM_TRADING);
	CU_ASSERT_EQUAL(kf_submit("BTCUSDT", TL_BUY, TL_ORD_LIMIT, "0.010", "49000", NULL),
			TL_REJ_NONE);
	CU_ASSERT_STRING_EQUAL(tl_in_type_name(TL_IN_SYMBOL_STATUS), "SYMBOL_STATUS");
}

/* Two kernels fed the same inputs produce the same outputs. */
static void test_deterministic(void)
{
	static tl_output_t first[KFIX_CAP];
	uint32_t n1;

	for (int run = 0; run < 2; run++) {
		kfix_free(KF);
		kfix_new_marked();
		set_status("ETHUSDT", TL_SYM_HALTED, "SETTLING");
		kf_submit("ETHUSDT", TL_BUY, TL_ORD_LIMIT, "0.100", "2990", NULL);
		kf_submit("BTCUSDT", TL_BUY, TL_ORD_LIMIT, "0.010", "49000", NULL);
		set_status("ETHUSDT", TL_SYM_TRADING, "TRADING");
		kf_submit("ETHUSDT", TL_BUY, TL_ORD_LIMIT, "0.100", "2990", NULL);
		if (run == 0) {
			n1 = KF->n;
			memcpy(first, KF->out, n1 * sizeof first[0]);
		} else {
			CU_ASSERT_EQUAL(KF->n, n1);
			CU_ASSERT_EQUAL(memcmp(first, KF->out, n1 * sizeof first[0]), 0);
		}
	}
}

TL_TEST_SUITE("kernel.symbol_status", setup, teardown,
	      TL_TEST(test_out_of_trading_only_closes),
	      TL_TEST(test_bad_inputs_change_nothing),
	      TL_TEST(test_deterministic));
