/*
 * test_types.c - the kernel's vocabulary (kernel/types.c, kernel/record.c):
 * every enum value has a distinct name, names parse back to their value,
 * unknown spellings parse to 0 (-1 for position sides, where 0 is BOTH),
 * out-of-range values print as "?", event priorities are in their bands,
 * and records are exactly 256 bytes (the journal stores them as blobs).
 */
#include "tests/support/tl_test.h"

#include "kernel/record.h"
#include "kernel/types.h"

#include <stdio.h>
#include <string.h>

typedef const char *(*name_fn)(int);

/* Every value in [lo, hi] has a real, distinct name; lo-1 and hi+1 (when
 * not a valid value elsewhere) print as "?". */
static void check_names(const char *what, name_fn fn, int lo, int hi)
{
	for (int v = lo; v <= hi; v++) {
		const char *n = fn(v);
		CU_ASSERT_PTR_NOT_NULL_FATAL(n);
		if (n[0] == '\0' || strcmp(n, "?") == 0)
			fprintf(stderr, "%s %d has no name\n", what, v);
		CU_ASSERT(n[0] != '\0' && strcmp(n, "?") != 0);
		for (int w = lo; w < v; w++)
			CU_ASSERT(strcmp(fn(w), n) != 0);
	}
	CU_ASSERT_STRING_EQUAL(fn(hi + 1), "?");
	CU_ASSERT_STRING_EQUAL(fn(1000), "?");
	CU_ASSERT_STRING_EQUAL(fn(-1), "?");
}

static const char *side_n(int v) { return tl_side_name((tl_side_t)v); }
static const char *type_n(int v) { return tl_ord_type_name((tl_ord_type_t)v); }
static const char *tif_n(int v) { return tl_tif_name((tl_tif_t)v); }
static const char *ps_n(int v) { return tl_pos_side_name((tl_pos_side_t)v); }
static const char *st_n(int v) { return tl_status_name((tl_ord_status_t)v); }
static const char *ts_n(int v) { return tl_trading_state_name((tl_trading_state_t)v); }
static const char *pst_n(int v) { return tl_pos_status_name((tl_pos_status_t)v); }
static const char *sig_n(int v) { return tl_signal_name((tl_signal_t)v); }
static const char *rej_n(int v) { return tl_reject_name((tl_reject_t)v); }
static const char *ev_n(int v) { return tl_event_name((tl_event_type_t)v); }
static const char *in_n(int v) { return tl_in_type_name((tl_in_type_t)v); }
static const char *out_n(int v) { return tl_out_type_name((tl_out_type_t)v); }

static void test_every_enum_value_has_a_name(void)
{
	check_names("side", side_n, TL_BUY, TL_SELL);
	check_names("type", type_n, TL_ORD_LIMIT, TL_ORD_TAKE_PROFIT_MARKET);
	check_names("tif", tif_n, TL_TIF_GTC, TL_TIF_GTX);
	check_names("pos_side", ps_n, TL_PS_BOTH, TL_PS_SHORT);
	check_names("status", st_n, TL_ST_PENDING_NEW, TL_ST_UNKNOWN);
	check_names("trading_state", ts_n, TL_TS_NORMAL, TL_TS_PAUSED);
	check_names("pos_status", pst_n, TL_POS_FLAT, TL_POS_LIQUIDATED);
	check_names("signal", sig_n, TL_SIG_LONG_ENTRY, TL_SIG_CLOSE_SHORT);
	check_names("reject", rej_n, TL_REJ_NONE, TL_REJ__COUNT - 1);
	check_names("event", ev_n, TL_EV_ORDER_SUBMITTED, TL_EV__COUNT - 1);
	check_names("input", in_n, TL_IN_SUBMIT, TL_IN__COUNT - 1);
	check_names("output", out_n, TL_OUT_REQ_NEW, TL_OUT__COUNT - 1);
	/* value 0 is "no value" where the enum starts at 1 */
	CU_ASSERT_STRING_EQUAL(tl_side_name(0), "?");
	CU_ASSERT_STRING_EQUAL(tl_ord_type_name(0), "?");
	CU_ASSERT_STRING_EQUAL(tl_tif_name(0), "?");
	CU_ASSERT_STRING_EQUAL(tl_status_name(0), "?");
	CU_ASSERT_STRING_EQUAL(tl_signal_name(0), "?");
	CU_ASSERT_STRING_EQUAL(tl_event_name(0), "?");
}

static void test_venue_spellings(void)
{
	CU_ASSERT_STRING_EQUAL(tl_side_name(TL_SELL), "SELL");
	CU_ASSERT_STRING_EQUAL(tl_ord_type_name(TL_ORD_STOP_MARKET), "STOP_MARKET");
	CU_ASSERT_STRING_EQUAL(tl_ord_type_name(TL_ORD_TAKE_PROFIT_MARKET),
			       "TAKE_PROFIT_MARKET");
	CU_ASSERT_STRING_EQUAL(tl_tif_name(TL_TIF_GTX), "GTX");
	CU_ASSERT_STRING_EQUAL(tl_pos_side_name(TL_PS_BOTH), "BOTH");
	CU_ASSERT_STRING_EQUAL(tl_status_name(TL_ST_PARTIALLY_FILLED), "PARTIALLY_FILLED");
	CU_ASSERT_STRING_EQUAL(tl_status_name(TL_ST_CANCELED), "CANCELED");
	CU_ASSERT_STRING_EQUAL(tl_signal_name(TL_SIG_CLOSE_LONG), "CLOSE_LONG");
	CU_ASSERT_STRING_EQUAL(tl_reject_name(TL_REJ_QTY_STEP), "QTY_STEP");
	CU_ASSERT_STRING_EQUAL(tl_event_name(TL_EV_POSITION_LIQUIDATED),
			       "POSITION_LIQUIDATED");
	CU_ASSERT_STRING_EQUAL(tl_reject_msg((tl_reject_t)TL_REJ__COUNT), "unknown reason");
}

static void test_parse_round_trip(void)
{
	for (int v = TL_BUY; v <= TL_SELL; v++)
		CU_ASSERT_EQUAL(tl_side_parse(tl_side_name((tl_side_t)v)), v);
	for (int v = TL_ORD_LIMIT; v <= TL_ORD_TAKE_PROFIT_MARKET; v++)
		CU_ASSERT_EQUAL(tl_ord_type_parse(tl_ord_type_name((tl_ord_type_t)v)), v);
	for (int v = TL_TIF_GTC; v <= TL_TIF_GTX; v++)
		CU_ASSERT_EQUAL(tl_tif_parse(tl_tif_name((tl_tif_t)v)), v);
	for (int v = TL_PS_BOTH; v <= TL_PS_SHORT; v++)
		CU_ASSERT_EQUAL(tl_pos_side_parse(tl_pos_side_name((tl_pos_side_t)v)), v);
	for (int v = TL_SIG_LONG_ENTRY; v <= TL_SIG_CLOSE_SHORT; v++)
		CU_ASSERT_EQUAL(tl_signal_parse(tl_signal_name((tl_signal_t)v)), v);
	/* literal spellings, so a table typo on both sides still fails */
	CU_ASSERT_EQUAL(tl_side_parse("BUY"), TL_BUY);
	CU_ASSERT_EQUAL(tl_ord_type_parse("TAKE_PROFIT"), TL_ORD_TAKE_PROFIT);
	CU_ASSERT_EQUAL(tl_tif_parse("FOK"), TL_TIF_FOK);
	CU_ASSERT_EQUAL(tl_pos_side_parse("SHORT"), TL_PS_SHORT);
	CU_ASSERT_EQUAL(tl_pos_side_parse("BOTH"), TL_PS_BOTH);
	CU_ASSERT_EQUAL(tl_signal_parse("SHORT_ENTRY"), TL_SIG_SHORT_ENTRY);
}

static void test_unknown_strings_parse_to_none(void)
{
	const char *bad[] = { "", "buy", "Sell", "BUY ", " BUY", "?", "LIMITX",
			      "LIMI", "MARKET\n", "both", "NONE" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CU_ASSERT_EQUAL(tl_side_parse(bad[i]), 0);
		CU_ASSERT_EQUAL(tl_ord_type_parse(bad[i]), 0);
		CU_ASSERT_EQUAL(tl_tif_parse(bad[i]), 0);
		CU_ASSERT_EQUAL(tl_pos_side_parse(bad[i]), -1);
		CU_ASSERT_EQUAL(tl_signal_parse(bad[i]), 0);
	}
	CU_ASSERT_EQUAL(tl_side_parse(NULL), 0);
	CU_ASSERT_EQUAL(tl_ord_type_parse(NULL), 0);
	CU_ASSERT_EQUAL(tl_tif_parse(NULL), 0);
	CU_ASSERT_EQUAL(tl_pos_side_parse(NULL), -1);
	CU_ASSERT_EQUAL(tl_signal_parse(NULL), 0);
	/* a name of another enum is not this enum's */
	CU_ASSERT_EQUAL(tl_side_parse("LIMIT"), 0);
	CU_ASSERT_EQUAL(tl_tif_parse("LONG"), 0);
	CU_ASSERT_EQUAL(tl_pos_side_parse("LONG_ENTRY"), -1);
	CU_ASSERT_EQUAL(tl_signal_parse("LONG"), 0);
}

static void test_event_priorities(void)
{
	static const tl_event_type_t order_ev[] = {
		TL_EV_ORDER_SUBMITTED, TL_EV_ORDER_ACCEPTED,
		TL_EV_ORDER_PARTIALLY_FILLED, TL_EV_ORDER_FILLED,
		TL_EV_ORDER_CANCELED, TL_EV_ORDER_EXPIRED,
		TL_EV_ORDER_CANCEL_REQUESTED, TL_EV_ORDER_CANCEL_REJECTED,
		TL_EV_POSITION_OPENED, TL_EV_POSITION_UPDATED,
		TL_EV_POSITION_CLOSED, TL_EV_TRADING_STATE_CHANGED,
	};
	for (size_t i = 0; i < sizeof(order_ev) / sizeof(order_ev[0]); i++) {
		int p = tl_event_priority(order_ev[i]);
		CU_ASSERT(p >= 5 && p <= 8);
	}
	static const tl_event_type_t err_ev[] = {
		TL_EV_ORDER_FAILED, TL_EV_ORDER_REJECTED, TL_EV_ORDER_UNKNOWN,
	};
	for (size_t i = 0; i < sizeof(err_ev) / sizeof(err_ev[0]); i++) {
		int p = tl_event_priority(err_ev[i]);
		CU_ASSERT(p >= 8 && p <= 9);
	}
	CU_ASSERT_EQUAL(tl_event_priority(TL_EV_EMERGENCY_STARTED), 10);
	CU_ASSERT_EQUAL(tl_event_priority(TL_EV_EMERGENCY_COMPLETED), 10);
	CU_ASSERT_EQUAL(tl_event_priority(TL_EV_POSITION_LIQUIDATED), 10);
	/* lifecycle order: a fill outranks an ack, a failure outranks a fill */
	CU_ASSERT_EQUAL(tl_event_priority(TL_EV_ORDER_SUBMITTED), 5);
	CU_ASSERT(tl_event_priority(TL_EV_ORDER_FILLED) >
		  tl_event_priority(TL_EV_ORDER_ACCEPTED));
	CU_ASSERT(tl_event_priority(TL_EV_ORDER_FAILED) >
		  tl_event_priority(TL_EV_ORDER_FILLED));
	/* only emergencies reach 10; every known event is in 5..10 */
	for (int t = TL_EV_ORDER_SUBMITTED; t < TL_EV__COUNT; t++) {
		int p = tl_event_priority((tl_event_type_t)t);
		CU_ASSERT(p >= 5 && p <= 10);
		if (p == 10)
			CU_ASSERT(t == TL_EV_EMERGENCY_STARTED ||
				  t == TL_EV_EMERGENCY_COMPLETED ||
				  t == TL_EV_POSITION_LIQUIDATED);
	}
	/* unknown types get the lowest priority, not garbage */
	CU_ASSERT_EQUAL(tl_event_priority((tl_event_type_t)0), 5);
	CU_ASSERT_EQUAL(tl_event_priority(TL_EV__COUNT), 5);
	CU_ASSERT_EQUAL(tl_event_priority((tl_event_type_t)999), 5);
}

static void test_record_sizes(void)
{
	CU_ASSERT_EQUAL(sizeof(tl_input_t), 256);
	CU_ASSERT_EQUAL(sizeof(tl_output_t), 256);
	CU_ASSERT_EQUAL(TL_RECORD_SIZE, 256);
	CU_ASSERT_EQUAL(sizeof(tl_rec_hdr_t), 32);
	/* every payload fits the union without growing it */
	CU_ASSERT(sizeof(tl_in_submit_t) <= 256 - sizeof(tl_rec_hdr_t));
	CU_ASSERT(sizeof(tl_in_fill_t) <= 256 - sizeof(tl_rec_hdr_t));
	CU_ASSERT(sizeof(tl_in_req_error_t) <= 256 - sizeof(tl_rec_hdr_t));
	CU_ASSERT(sizeof(tl_out_req_t) <= 256 - sizeof(tl_rec_hdr_t));
	CU_ASSERT(sizeof(tl_event_t) <= 256 - sizeof(tl_rec_hdr_t));
	/* status and enum codes are journal format: spot-check the numbers */
	CU_ASSERT_EQUAL(TL_ST_UNKNOWN, 11);
	CU_ASSERT_EQUAL(TL_REJ_NOTHING_TO_CLOSE, 31);
	CU_ASSERT_EQUAL(TL_EV_ORDER_CANCEL_REJECTED, 18);
	CU_ASSERT_EQUAL(TL_IN_TICK, 11);
}

/* tl_time_add saturates instead of wrapping (a crafted journal time near
 * INT64_MAX must not turn a deadline into one in the distant past). */
static void test_time_add_saturates(void)
{
	CU_ASSERT_EQUAL(tl_time_add(1000, 234), 1234);
	CU_ASSERT_EQUAL(tl_time_add(1000, -2000), -1000);
	CU_ASSERT_EQUAL(tl_time_add(INT64_MAX - 5, 5), INT64_MAX);
	CU_ASSERT_EQUAL(tl_time_add(INT64_MAX - 5, 6), INT64_MAX);
	CU_ASSERT_EQUAL(tl_time_add(INT64_MAX, INT64_MAX), INT64_MAX);
	CU_ASSERT_EQUAL(tl_time_add(INT64_MAX - 1, 30 * TL_NS_PER_S), INT64_MAX);
	CU_ASSERT_EQUAL(tl_time_add(INT64_MIN + 5, -6), INT64_MIN);
	CU_ASSERT_EQUAL(tl_time_add(INT64_MIN, INT64_MIN), INT64_MIN);
	CU_ASSERT_EQUAL(tl_time_add(INT64_MIN, INT64_MAX), -1);
	CU_ASSERT_EQUAL(tl_time_add(INT64_MAX, INT64_MIN), -1);
	CU_ASSERT_EQUAL(tl_time_add(0, INT64_MAX), INT64_MAX);
	/* the result is never smaller than t for d >= 0 */
	for (int64_t t = INT64_MAX - 3; t > INT64_MAX - 10; t--)
		CU_ASSERT(tl_time_add(t, 7) >= t);
}

TL_TEST_SUITE("kernel.types", NULL, NULL,
	      TL_TEST(test_time_add_saturates),
	      TL_TEST(test_every_enum_value_has_a_name),
	      TL_TEST(test_venue_spellings),
	      TL_TEST(test_parse_round_trip),
	      TL_TEST(test_unknown_strings_parse_to_none),
	      TL_TEST(test_event_priorities),
	      TL_TEST(test_record_sizes));
