/*
 * test_protect.c - take-profit and stop-loss sized to what is filled, as
 * it fills (kernel/protect.c, docs/kernel.md "Signals" and K7).
 *
 * Fixture: BTCUSDT marked at 50000, one-way mode unless a test says
 * otherwise. The entry is a LIMIT long of 0.3 at 50000 with TP 52000 and
 * SL 49000.
 */
#include "tests/support/tl_test.h"
#include "tests/support/kfix.h"

#include <string.h>

static uint64_t entry;
static int64_t vid_seq;

static void setup(void)
{
	kfix_new_marked();
	vid_seq = 1000;
	CU_ASSERT_EQUAL_FATAL(kf_signal(TL_SIG_LONG_ENTRY, "BTCUSDT", "0.300", "50000",
					"52000", "49000", &entry),
			      TL_REJ_NONE);
	kf_ack(kf_clid(entry), 1);
	kfix_clear();
}
static void teardown(void) { kfix_free(KF); }

/* The i-th REQ_NEW of a leg type since the last clear, or NULL. */
static const tl_out_req_t *new_of(tl_ord_type_t type, uint32_t i)
{
	for (uint32_t j = 0; j < KF->n; j++) {
		const tl_output_t *o = &KF->out[j];
		if (o->hdr.type == TL_OUT_REQ_NEW && o->u.req.type == type && i-- == 0)
			return &o->u.req;
	}
	return NULL;
}

static uint32_t cancels_of(const char *clid)
{
	uint32_t n = 0;
	for (uint32_t j = 0; j < KF->n; j++) {
		const tl_output_t *o = &KF->out[j];
		if (o->hdr.type == TL_OUT_REQ_CANCEL && strcmp(o->u.req.client_id, clid) == 0)
			n++;
	}
	return n;
}

/* Both legs just placed: check their size, keep their ids, ack them. */
static void legs_placed(const char *qty, char tp[TL_CLID_LEN], char sl[TL_CLID_LEN])
{
	const tl_out_req_t *t = new_of(TL_ORD_TAKE_PROFIT_MARKET, 0);
	const tl_out_req_t *s = new_of(TL_ORD_STOP_MARKET, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CU_ASSERT_EQUAL(t->qty, fx(qty));
	CU_ASSERT_EQUAL(s->qty, fx(qty));
	CU_ASSERT_EQUAL(t->side, TL_SELL);
	CU_ASSERT_EQUAL(t->reduce_only, 1);
	CU_ASSERT_EQUAL(t->stop_price, fx("52000"));
	CU_ASSERT_EQUAL(s->stop_price, fx("49000"));
	strcpy(tp, t->client_id);
	strcpy(sl, s->client_id);
	kf_ack(tp, ++vid_seq);
	kf_ack(sl, ++vid_seq);
}

static void test_partial_fill_protects_the_filled_qty(void)
{
	kf_fill(kf_clid(entry), 1, "50000", "0.100", "0");
	CU_ASSERT_EQUAL(kf_order(entry)->status, TL_ST_PARTIALLY_FILLED);
	CU_ASSERT_EQUAL(kf_count(TL_OUT_REQ_NEW), 2);
	char tp[TL_CLID_LEN], sl[TL_CLID_LEN];
	legs_placed("0.1", tp, sl);
	CU_ASSERT_EQUAL(kf_pos("BTCUSDT", TL_PS_BOTH)->tp, fx("52000"));
	CU_ASSERT_EQUAL(kf_pos("BTCUSDT", TL_PS_BOTH)->sl, fx("49000"));
	CU_ASSERT_EQUAL(kf_pos("BTCUSDT", TL_PS_BOTH)->protectors, 2);
	CU_ASSERT(tl_kernel_check(&KF->k));
}

static void test_further_fills_resize_after_the_cancel_is_confirmed(void)
{
	char tp[TL_CLID_LEN], sl[TL_CLID_LEN];
	kf_fill(kf_clid(entry), 1, "50000", "0.100", "0");
	legs_placed("0.1", tp, sl);
	kfix_clear();
	kf_fill(kf_clid(entry), 2, "50000", "0.100", "0");
	/* Cancel first: no replacement while the old legs may still be live. */
	CU_ASSERT_EQUAL(cancels_of(tp), 1);
	CU_ASSERT_EQUAL(cancels_of(sl), 1);
	CU_ASSERT_EQUAL(kf_count(TL_OUT_REQ_NEW), 0);
	CU_ASSERT(tl_kernel_check(&KF->k));
	/* A third fill while the cancels are out: nothing more is sent. */
	kf_fill(kf_clid(entry), 3, "50000", "0.050", "0");
	CU_ASSERT_EQUAL(kf_count(TL_OUT_REQ_NEW), 0);
	CU_ASSERT_EQUAL(kf_count(TL_OUT_REQ_CANCEL), 2);
	/* Each confirmation sends that leg's replacement, for everything
	 * filled by then, under a new client id. */
	kf_update(tp, TL_ST_CANCELED, 0);
	const tl_out_req_t *t = new_of(TL_ORD_TAKE_PROFIT_MARKET, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	CU_ASSERT_EQUAL(t->qty, fx("0.25"));
	CU_ASSERT_EQUAL(t->stop_price, fx("52000"));
	CU_ASSERT_STRING_NOT_EQUAL(t->client_id, tp);
	CU_ASSERT_PTR_NULL(new_of(TL_ORD_STOP_MARKET, 0));
	kf_update(sl, TL_ST_CANCELED, 0);
	const tl_out_req_t *s = new_of(TL_ORD_STOP_MARKET, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CU_ASSERT_EQUAL(s->qty, fx("0.25"));
	CU_ASSERT_EQUAL(s->stop_price, fx("49000"));
	CU_ASSERT_EQUAL(kf_pos("BTCUSDT", TL_PS_BOTH)->protectors, 2);
	/* The replacements are each other's siblings and the entry's legs. */
	tl_order_t *nt = tl_kernel_order(&KF->k, t->client_id);
	tl_order_t *ns = tl_kernel_order(&KF->k, s->client_id);
	CU_ASSERT_EQUAL(nt->sibling, tl_orders_handle(&KF->k.orders, ns));
	CU_ASSERT_EQUAL(ns->sibling, tl_orders_handle(&KF->k.orders, nt));
	CU_ASSERT_EQUAL(kf_order(entry)->prot[0], tl_orders_handle(&KF->k.orders, nt));
	CU_ASSERT(tl_kernel_check(&KF->k));
}

static void test_full_fill_protects_the_full_qty(void)
{
	char tp[TL_CLID_LEN], sl[TL_CLID_LEN];
	kf_fill(kf_clid(entry), 1, "50000", "0.100", "0");
	legs_placed("0.1", tp, sl);
	kf_fill(kf_clid(entry), 2, "50000", "0.200", "0");
	CU_ASSERT_EQUAL(kf_order(entry)->status, TL_ST_FILLED);
	kfix_clear();
	kf_update(tp, TL_ST_CANCELED, 0);
	kf_update(sl, TL_ST_CANCELED, 0);
	char tp2[TL_CLID_LEN], sl2[TL_CLID_LEN];
	legs_placed("0.3", tp2, sl2);
	/* An entry filled at once gets full-size legs straight away. */
	kfix_free(KF);
	kfix_new_marked();
	uint64_t h;
	kf_signal(TL_SIG_SHORT_ENTRY, "BTCUSDT", "0.200", NULL, "48000", "51000", &h);
	kfix_clear();
	kf_fill(kf_clid(h), 1, "50000", "0.200", "0");
	const tl_out_req_t *t = new_of(TL_ORD_TAKE_PROFIT_MARKET, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	CU_ASSERT_EQUAL(t->qty, fx("0.2"));
	CU_ASSERT_EQUAL(t->side, TL_BUY);
	CU_ASSERT_EQUAL(kf_count(TL_OUT_REQ_NEW), 2);
	CU_ASSERT(tl_kernel_check(&KF->k));
}

static void test_take_profit_closing_cancels_the_stop_for_good(void)
{
	char tp[TL_CLID_LEN], sl[TL_CLID_LEN];
	kf_fill(kf_clid(entry), 1, "50000", "0.300", "0");
	legs_placed("0.3", tp, sl);
	kfix_clear();
	/* The take-profit triggers and fills in two parts: the stop shrinks
	 * with the position, then goes when it is flat. */
	kf_fill(tp, 2, "52000", "0.100", "0");
	CU_ASSERT_EQUAL(kf_pos("BTCUSDT", TL_PS_BOTH)->qty, fx("0.2"));
	CU_ASSERT_EQUAL(cancels_of(sl), 1);
	CU_ASSERT_EQUAL(cancels_of(tp), 0);
	CU_ASSERT(tl_kernel_check(&KF->k));
	kf_fill(tp, 3, "52000", "0.200", "0");
	CU_ASSERT_EQUAL(kf_pos("BTCUSDT", TL_PS_BOTH)->qty, 0);
	CU_ASSERT_EQUAL(tl_kernel_order(&KF->k, tp)->status, TL_ST_FILLED);
	CU_ASSERT_EQUAL(kf_pos("BTCUSDT", TL_PS_BOTH)->tp, 0);
	/* The stop's cancel is confirmed: nothing replaces it. */
	kfix_clear();
	kf_update(sl, TL_ST_CANCELED, 0);
	CU_ASSERT_EQUAL(kf_count(TL_OUT_REQ_NEW), 0);
	CU_ASSERT_EQUAL(kf_pos("BTCUSDT", TL_PS_BOTH)->protectors, 0);
	CU_ASSERT_EQUAL(kf_pos("BTCUSDT", TL_PS_BOTH)->realized, fx("600"));
	CU_ASSERT(tl_kernel_check(&KF->k));
}

static void test_entry_canceled_after_partial_fill_keeps_protection(void)
{
	char tp[TL_CLID_LEN], sl[TL_CLID_LEN];
	kf_fill(kf_clid(entry), 1, "50000", "0.100", "0");
	legs_placed("0.1", tp, sl);
	kfix_clear();
	CU_ASSERT_EQUAL(kf_cancel(kf_clid(entry)), TL_REJ_NONE);
	kf_update(kf_clid(entry), TL_ST_CANCELED, 0);
	CU_ASSERT_EQUAL(kf_order(entry)->status, TL_ST_CANCELED);
	CU_ASSERT_EQUAL(cancels_of(tp), 0);
	CU_ASSERT_EQUAL(cancels_of(sl), 0);
	CU_ASSERT_EQUAL(kf_count(TL_OUT_REQ_NEW), 0);
	CU_ASSERT_EQUAL(tl_kernel_order(&KF->k, tp)->status, TL_ST_NEW);
	CU_ASSERT_EQUAL(tl_kernel_order(&KF->k, tp)->qty, fx("0.1"));
	CU_ASSERT_EQUAL(tl_kernel_order(&KF->k, sl)->status, TL_ST_NEW);
	CU_ASSERT(tl_kernel_check(&KF->k));
}

static void test_other_orders_shrinking_the_position_shrink_the_legs(void)
{
	char tp[TL_CLID_LEN], sl[TL_CLID_LEN];
	kf_fill(kf_clid(entry), 1, "50000", "0.300", "0");
	legs_placed("0.3", tp, sl);
	uint64_t c;
	CU_ASSERT_EQUAL(kf_signal(TL_SIG_CLOSE_LONG, "BTCUSDT", "0.100", NULL, NULL,
				  NULL, &c), TL_REJ_NONE);
	kfix_clear();
	kf_fill(kf_clid(c), 2, "50100", "0.100", "0");
	CU_ASSERT_EQUAL(cancels_of(tp), 1);
	CU_ASSERT_EQUAL(cancels_of(sl), 1);
	CU_ASSERT(tl_kernel_check(&KF->k));
	kf_update(tp, TL_ST_CANCELED, 0);
	kf_update(sl, TL_ST_CANCELED, 0);
	CU_ASSERT_EQUAL(new_of(TL_ORD_TAKE_PROFIT_MARKET, 0)->qty, fx("0.2"));
	CU_ASSERT_EQUAL(new_of(TL_ORD_STOP_MARKET, 0)->qty, fx("0.2"));
	CU_ASSERT(tl_kernel_check(&KF->k));
}

static void test_someone_elses_cancel_ends_a_leg_for_good(void)
{
	char tp[TL_CLID_LEN], sl[TL_CLID_LEN];
	kf_fill(kf_clid(entry), 1, "50000", "0.100", "0");
	legs_placed("0.1", tp, sl);
	CU_ASSERT_EQUAL(kf_cancel(tp), TL_REJ_NONE);
	kf_update(tp, TL_ST_CANCELED, 0);
	kfix_clear();
	kf_fill(kf_clid(entry), 2, "50000", "0.100", "0");
	/* The operator's cancel stands; the stop is resized. */
	CU_ASSERT_PTR_NULL(new_of(TL_ORD_TAKE_PROFIT_MARKET, 0));
	CU_ASSERT_EQUAL(cancels_of(sl), 1);
	kf_update(sl, TL_ST_CANCELED, 0);
	CU_ASSERT_EQUAL(new_of(TL_ORD_STOP_MARKET, 0)->qty, fx("0.2"));
	CU_ASSERT_PTR_NULL(new_of(TL_ORD_TAKE_PROFIT_MARKET, 0));
	CU_ASSERT(tl_kernel_check(&KF->k));
}

static void test_liquidating_places_no_protection(void)
{
	char tp[TL_CLID_LEN], sl[TL_CLID_LEN];
	kf_fill(kf_clid(entry), 1, "50000", "0.100", "0");
	legs_placed("0.1", tp, sl);
	/* A resize is in flight when the kill switch trips. */
	kf_fill(kf_clid(entry), 2, "50000", "0.100", "0");
	kfix_clear();
	CU_ASSERT_EQUAL(kf_control(TL_CTL_LIQUIDATE, "kill"), TL_REJ_NONE);
	CU_ASSERT_EQUAL(KF->k.state, TL_TS_LIQUIDATING);
	/* The entry's late fill and the legs' confirmed cancels: only the
	 * liquidation's closes go out, never a protective order. */
	kf_fill(kf_clid(entry), 3, "50000", "0.100", "0");
	kf_update(tp, TL_ST_CANCELED, 0);
	kf_update(sl, TL_ST_CANCELED, 0);
	CU_ASSERT_PTR_NULL(new_of(TL_ORD_TAKE_PROFIT_MARKET, 0));
	CU_ASSERT_PTR_NULL(new_of(TL_ORD_STOP_MARKET, 0));
	for (uint32_t j = 0; j < KF->n; j++)
		if (KF->out[j].hdr.type == TL_OUT_REQ_NEW)
			CU_ASSERT_EQUAL(KF->out[j].u.req.type, TL_ORD_MARKET);
	CU_ASSERT(kf_count(TL_OUT_REQ_NEW) >= 1);
	CU_ASSERT_EQUAL(kf_pos("BTCUSDT", TL_PS_BOTH)->protectors, 0);
	CU_ASSERT(tl_kernel_check(&KF->k));
	/* Likewise a first fill that arrives while liquidating. */
	kfix_free(KF);
	kfix_new_marked();
	uint64_t h;
	kf_signal(TL_SIG_LONG_ENTRY, "BTCUSDT", "0.100", "50000", "52000", "49000", &h);
	kf_ack(kf_clid(h), 1);
	kf_control(TL_CTL_LIQUIDATE, "kill");
	kfix_clear();
	kf_fill(kf_clid(h), 1, "50000", "0.100", "0");
	CU_ASSERT_PTR_NULL(new_of(TL_ORD_TAKE_PROFIT_MARKET, 0));
	CU_ASSERT_PTR_NULL(new_of(TL_ORD_STOP_MARKET, 0));
	CU_ASSERT(tl_kernel_check(&KF->k));
}

static void hedge(tl_kernel_cfg_t *cfg) { cfg->hedge_mode = true; }

static void test_hedge_legs_use_the_position_side(void)
{
	kfix_free(KF);
	kfix_new(hedge);
	kf_mark("BTCUSDT", "50000");
	uint64_t h;
	CU_ASSERT_EQUAL_FATAL(kf_signal(TL_SIG_SHORT_ENTRY, "BTCUSDT", "0.200", "50000",
					"48000", "51000", &h), TL_REJ_NONE);
	kf_ack(kf_clid(h), 1);
	kfix_clear();
	kf_fill(kf_clid(h), 1, "50000", "0.050", "0");
	const tl_out_req_t *t = new_of(TL_ORD_TAKE_PROFIT_MARKET, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	CU_ASSERT_EQUAL(t->qty, fx("0.05"));
	CU_ASSERT_EQUAL(t->side, TL_BUY);
	CU_ASSERT_EQUAL(t->pos_side, TL_PS_SHORT);
	CU_ASSERT_EQUAL(t->reduce_only, 0);
	CU_ASSERT(tl_kernel_check(&KF->k));
}

/* A leg waiting to be resent (a transient failure: nothing is at the
 * venue) is canceled here and replaced at once. */
static void test_leg_waiting_for_a_retry_is_replaced_at_once(void)
{
	char tp[TL_CLID_LEN], sl[TL_CLID_LEN];
	kf_fill(kf_clid(entry), 1, "50000", "0.100", "0");
	strcpy(tp, new_of(TL_ORD_TAKE_PROFIT_MARKET, 0)->client_id);
	strcpy(sl, new_of(TL_ORD_STOP_MARKET, 0)->client_id);
	kf_ack(sl, 77);
	kf_error(tp, TL_REQ_NEW, TL_TR_CONNECT, false, 0, 0, "connect failed");
	CU_ASSERT_EQUAL(tl_kernel_order(&KF->k, tp)->status, TL_ST_PENDING_NEW);
	kfix_clear();
	kf_fill(kf_clid(entry), 2, "50000", "0.100", "0");
	CU_ASSERT_EQUAL(cancels_of(tp), 0);	/* nothing to cancel at the venue */
	CU_ASSERT_EQUAL(tl_kernel_order(&KF->k, tp)->status, TL_ST_CANCELED);
	const tl_out_req_t *t = new_of(TL_ORD_TAKE_PROFIT_MARKET, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	CU_ASSERT_EQUAL(t->qty, fx("0.2"));
	CU_ASSERT_EQUAL(cancels_of(sl), 1);	/* the live stop: cancel first */
	CU_ASSERT_PTR_NULL(new_of(TL_ORD_STOP_MARKET, 0));
	CU_ASSERT_EQUAL(kf_pos("BTCUSDT", TL_PS_BOTH)->protectors, 2);
	CU_ASSERT(tl_kernel_check(&KF->k));
}

/* K7 is checked: a leg larger than its position fails the check. */
static void test_check_catches_an_oversized_leg(void)
{
	char tp[TL_CLID_LEN], sl[TL_CLID_LEN];
	kf_fill(kf_clid(entry), 1, "50000", "0.100", "0");
	legs_placed("0.1", tp, sl);
	CU_ASSERT(tl_kernel_check(&KF->k));
	tl_order_t *o = tl_kernel_order(&KF->k, tp);
	o->qty = fx("0.2");
	CU_ASSERT_FALSE(tl_kernel_check(&KF->k));
	o->qty = fx("0.1");
	CU_ASSERT(tl_kernel_check(&KF->k));
}

TL_TEST_SUITE("kernel.protect", setup, teardown,
	      TL_TEST(test_partial_fill_protects_the_filled_qty),
	      TL_TEST(test_further_fills_resize_after_the_cancel_is_confirmed),
	      TL_TEST(test_full_fill_protects_the_full_qty),
	      TL_TEST(test_take_profit_closing_cancels_the_stop_for_good),
	      TL_TEST(test_entry_canceled_after_partial_fill_keeps_protection),
	      TL_TEST(test_other_orders_shrinking_the_position_shrink_the_legs),
	      TL_TEST(test_someone_elses_cancel_ends_a_leg_for_good),
	      TL_TEST(test_liquidating_places_no_protection),
	      TL_TEST(test_hedge_legs_use_the_position_side),
	      TL_TEST(test_leg_waiting_for_a_retry_is_replaced_at_once),
	      TL_TEST(test_check_catches_an_oversized_leg));
