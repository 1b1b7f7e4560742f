/*
 * test_order_machine.c - the order state machine, one transition at a
 * time: submit, ack, fills (partial, duplicate, early, late), cancels,
 * retries, ambiguous outcomes, queries, timeouts, TTL, terminal absorption.
 */
#include "tests/support/tl_test.h"
#include "tests/support/kfix.h"

#include <string.h>

static void setup(void) { kfix_new(NULL); kf_mark("BTCUSDT", "50000"); kfix_clear(); }
static void teardown(void) { kfix_free(KF); }

static tl_order_t *submit_limit(const char *qty, const char *px)
{
	uint64_t h = 0;
	CU_ASSERT_EQUAL_FATAL(kf_submit("BTCUSDT", TL_BUY, TL_ORD_LIMIT, qty, px, &h),
			      TL_REJ_NONE);
	CU_ASSERT_NOT_EQUAL_FATAL(h, 0);
	return kf_order(h);
}

static void test_submit_reserves_ids_before_first_request(void)
{
	tl_order_t *o = submit_limit("0.010", "49000.0");
	CU_ASSERT_EQUAL(o->status, TL_ST_SENT);
	CU_ASSERT_STRING_EQUAL(o->client_id, "tl1");
	/* Order of outputs: ID_RESERVE, ORDER_SUBMITTED, REQ_NEW. */
	CU_ASSERT_EQUAL(KF->out[0].hdr.type, TL_OUT_ID_RESERVE);
	CU_ASSERT_EQUAL(KF->out[0].u.reserve.from, 1);
	CU_ASSERT_EQUAL(KF->out[0].u.reserve.to, 11);
	CU_ASSERT_EQUAL(KF->out[1].u.ev.type, TL_EV_ORDER_SUBMITTED);
	CU_ASSERT_EQUAL(KF->out[2].hdr.type, TL_OUT_REQ_NEW);
	const tl_out_req_t *r = &KF->out[2].u.req;
	CU_ASSERT_STRING_EQUAL(r->client_id, "tl1");
	CU_ASSERT_STRING_EQUAL(r->symbol, "BTCUSDT");
	CU_ASSERT_EQUAL(r->qty, fx("0.01"));
	CU_ASSERT_EQUAL(r->price, fx("49000"));
	CU_ASSERT_EQUAL(r->attempt, 1);
	/* Sequence numbers increase and carry the input's seq and time. */
	CU_ASSERT(KF->out[1].hdr.seq == KF->out[0].hdr.seq + 1);
	CU_ASSERT_EQUAL(KF->out[2].hdr.cause_seq, KF->in_seq);
	CU_ASSERT_EQUAL(KF->out[2].hdr.time, KF->now);
	/* The 11th order needs a second block. */
	for (int i = 0; i < 10; i++)
		submit_limit("0.010", "49000.0");
	CU_ASSERT_EQUAL(kf_count(TL_OUT_ID_RESERVE), 2);
	CU_ASSERT_EQUAL(kf_last(TL_OUT_ID_RESERVE)->u.reserve.from, 11);
	CU_ASSERT(tl_kernel_check(&KF->k));
}

static void test_ack_then_fills(void)
{
	tl_order_t *o = submit_limit("0.030", "49000.0");
	kf_ack(o->client_id, 777);
	CU_ASSERT_EQUAL(o->status, TL_ST_NEW);
	CU_ASSERT_EQUAL(o->venue_id, 777);
	CU_ASSERT_PTR_EQUAL(tl_orders_by_vid(&KF->k.orders, 777), o);
	CU_ASSERT_EQUAL(kf_count_ev(TL_EV_ORDER_ACCEPTED), 1);
	kf_fill(o->client_id, 1, "49000", "0.010", "0.196");
	CU_ASSERT_EQUAL(o->status, TL_ST_PARTIALLY_FILLED);
	kf_fill(o->client_id, 2, "48990", "0.020", "0.39");
	CU_ASSERT_EQUAL(o->status, TL_ST_FILLED);
	CU_ASSERT_EQUAL(o->filled, fx("0.03"));
	const tl_output_t *ev = kf_last_ev(TL_EV_ORDER_FILLED);
	CU_ASSERT_PTR_NOT_NULL_FATAL(ev);
	/* avg = (0.01*49000 + 0.02*48990) / 0.03 = 48993.33333333 */
	CU_ASSERT_EQUAL(ev->u.ev.u.order.avg_price, fx("48993.33333333"));
	CU_ASSERT_EQUAL(ev->u.ev.u.order.last_qty, fx("0.02"));
	CU_ASSERT_EQUAL(KF->k.ctr.orders_filled, 1);
	CU_ASSERT_EQUAL(KF->k.orders.n_active, 0);
	tl_position_t *p = kf_pos("BTCUSDT", TL_PS_BOTH);
	CU_ASSERT_EQUAL(p->qty, fx("0.03"));
	CU_ASSERT_EQUAL(p->commission, fx("0.586"));
	CU_ASSERT(tl_kernel_check(&KF->k));
}

static void test_duplicate_fill_is_ignored(void)
{
	tl_order_t *o = submit_limit("0.030", "49000.0");
	kf_fill(o->client_id, 5, "49000", "0.010", "0");
	kf_fill(o->client_id, 5, "49000", "0.010", "0");
	CU_ASSERT_EQUAL(o->filled, fx("0.01"));
	CU_ASSERT_EQUAL(KF->k.ctr.duplicate_fills, 1);
	CU_ASSERT_EQUAL(kf_pos("BTCUSDT", TL_PS_BOTH)->qty, fx("0.01"));
}

static void test_fill_before_ack_is_applied(void)
{
	tl_order_t *o = submit_limit("0.010", "49000.0");
	kf_fill(o->client_id, 9, "49000", "0.010", "0");
	CU_ASSERT_EQUAL(o->status, TL_ST_FILLED);
	kf_ack(o->client_id, 55);	/* late ack: absorbed, not counted as a fill */
	CU_ASSERT_EQUAL(o->status, TL_ST_FILLED);
	CU_ASSERT_EQUAL(kf_pos("BTCUSDT", TL_PS_BOTH)->qty, fx("0.01"));
	/* the REST ack racing the stream's fill is normal, not counted */
	CU_ASSERT_EQUAL(KF->k.ctr.invalid_transitions, 0);
}

static void test_overfill_is_refused(void)
{
	tl_order_t *o = submit_limit("0.010", "49000.0");
	kf_fill(o->client_id, 1, "49000", "0.020", "0");
	CU_ASSERT_EQUAL(o->filled, 0);
	CU_ASSERT_EQUAL(KF->k.ctr.invalid_fills, 1);
	CU_ASSERT_EQUAL(kf_pos("BTCUSDT", TL_PS_BOTH)->qty, 0);
}

static void test_fill_after_cancel_request_wins(void)
{
	tl_order_t *o = submit_limit("0.020", "49000.0");
	kf_ack(o->client_id, 1);
	CU_ASSERT_EQUAL(kf_cancel(o->client_id), TL_REJ_NONE);
	CU_ASSERT_EQUAL(o->status, TL_ST_PENDING_CANCEL);
	CU_ASSERT_EQUAL(kf_last(TL_OUT_REQ_CANCEL)->u.req.urgent, 1);
	kf_fill(o->client_id, 3, "49000", "0.010", "0");
	CU_ASSERT_EQUAL(o->status, TL_ST_PENDING_CANCEL);	/* still canceling the rest */
	kf_fill(o->client_id, 4, "49000", "0.010", "0");
	CU_ASSERT_EQUAL(o->status, TL_ST_FILLED);
	kf_update(o->client_id, TL_ST_CANCELED, 0);	/* too late: absorbed */
	CU_ASSERT_EQUAL(o->status, TL_ST_FILLED);
	CU_ASSERT_EQUAL(kf_pos("BTCUSDT", TL_PS_BOTH)->qty, fx("0.02"));
}

static void test_late_fill_after_cancel_still_moves_position(void)
{
	tl_order_t *o = submit_limit("0.020", "49000.0");
	kf_ack(o->client_id, 1);
	kf_cancel(o->client_id);
	kf_update(o->client_id, TL_ST_CANCELED, 0);
	CU_ASSERT_EQUAL(o->status, TL_ST_CANCELED);
	/* The stream delivered the trade after the cancel: money moved. */
	kf_fill(o->client_id, 8, "49000", "0.010", "0");
	CU_ASSERT_EQUAL(o->status, TL_ST_CANCELED);
	CU_ASSERT_EQUAL(o->filled, fx("0.01"));
	CU_ASSERT_EQUAL(kf_pos("BTCUSDT", TL_PS_BOTH)->qty, fx("0.01"));
}

static void test_cancel_before_send_is_local(void)
{
	tl_order_t *o = submit_limit("0.010", "49000.0");
	kf_error(o->client_id, TL_REQ_NEW, TL_TR_CONNECT, false, 0, 0, "connect");
	CU_ASSERT_EQUAL(o->status, TL_ST_PENDING_NEW);
	kfix_clear();
	CU_ASSERT_EQUAL(kf_cancel(o->client_id), TL_REJ_NONE);
	CU_ASSERT_EQUAL(o->status, TL_ST_CANCELED);
	CU_ASSERT_EQUAL(kf_count(TL_OUT_REQ_CANCEL), 0);
	CU_ASSERT_EQUAL(kf_cancel(o->client_id), TL_REJ_NOT_CANCELABLE);
	CU_ASSERT_EQUAL(kf_cancel("nope"), TL_REJ_UNKNOWN_ORDER);
}

static void test_transient_errors_back_off_then_fail(void)
{
	tl_order_t *o = submit_limit("0.010", "49000.0");
	const char *id = o->client_id;
	tl_time_t t0 = KF->now;
	kf_error(id, TL_REQ_NEW, TL_TR_NONE, true, 503, 0, "Service Unavailable.");
	CU_ASSERT_EQUAL(o->status, TL_ST_PENDING_NEW);
	CU_ASSERT_EQUAL(o->t_next - (t0 + TL_NS_PER_MS), 1 * TL_NS_PER_S);
	kfix_clear();
	kf_tick_after(999 * TL_NS_PER_MS);	/* not yet */
	CU_ASSERT_EQUAL(kf_count(TL_OUT_REQ_NEW), 0);
	kf_tick_at(o->t_next);
	CU_ASSERT_EQUAL(kf_count(TL_OUT_REQ_NEW), 1);
	CU_ASSERT_STRING_EQUAL(kf_last(TL_OUT_REQ_NEW)->u.req.client_id, id);
	CU_ASSERT_EQUAL(kf_last(TL_OUT_REQ_NEW)->u.req.attempt, 2);
	/* second failure: 2 s */
	tl_time_t t1 = KF->now + TL_NS_PER_MS;
	kf_error(id, TL_REQ_NEW, TL_TR_NONE, true, 429, -1003, "Too many requests");
	CU_ASSERT_EQUAL(o->t_next - t1, 2 * TL_NS_PER_S);
	kf_tick_at(o->t_next);
	t1 = KF->now + TL_NS_PER_MS;
	kf_error(id, TL_REQ_NEW, TL_TR_NONE, true, 400, -1001, "Internal error");
	CU_ASSERT_EQUAL(o->t_next - t1, 4 * TL_NS_PER_S);
	kf_tick_at(o->t_next);
	CU_ASSERT_EQUAL(o->attempts, 4);
	kf_error(id, TL_REQ_NEW, TL_TR_CONNECT, false, 0, 0, "connect refused");
	CU_ASSERT_EQUAL(o->status, TL_ST_FAILED);
	CU_ASSERT_EQUAL(kf_count_ev(TL_EV_ORDER_FAILED), 1);
	CU_ASSERT_EQUAL(KF->k.ctr.retries, 3);
}

/* The ack timed out, the order went UNKNOWN and was queried; the venue
 * answered that query before the order reached it (another connection
 * or WebSocket API session), and the answer came after the ack: not
 * gone, asked again once send_window has passed since the ack. A "does
 * not exist" then is final. (Before: FAILED at once, "venue no longer
 * knows the order", while it rested at the venue.) */
static void test_stale_not_found_after_ack_asks_again(void)
{
	tl_order_t *o = submit_limit("0.010", "49000.0");
	char id[TL_CLID_LEN];
	memcpy(id, o->client_id, TL_CLID_LEN);
	kf_tick_after(KF->k.cfg.ack_timeout_ns + TL_NS_PER_MS);
	CU_ASSERT_EQUAL(o->status, TL_ST_UNKNOWN);
	kf_ack(id, 777);
	CU_ASSERT_EQUAL(o->status, TL_ST_NEW);
	kfix_clear();
	kf_query(id, false, TL_ST_NEW, 0);	/* the early query's answer */
	CU_ASSERT_EQUAL(o->status, TL_ST_NEW);
	CU_ASSERT_EQUAL(kf_count_ev(TL_EV_ORDER_FAILED), 0);
	CU_ASSERT_EQUAL(kf_count(TL_OUT_REQ_QUERY), 0);
	kf_tick_at(o->t_acked + KF->k.cfg.send_window_ns - TL_NS_PER_MS);
	CU_ASSERT_EQUAL(kf_count(TL_OUT_REQ_QUERY), 0);
	kf_tick_at(o->t_acked + KF->k.cfg.send_window_ns);
	CU_ASSERT_EQUAL(kf_count(TL_OUT_REQ_QUERY), 1);
	kf_query(id, true, TL_ST_NEW, 777);
	CU_ASSERT_EQUAL(o->status, TL_ST_NEW);
	/* the venue lost it for real: failed */
	kf_query(id, false, TL_ST_NEW, 0);
	CU_ASSERT_EQUAL(o->status, TL_ST_FAILED);
	CU_ASSERT_EQUAL(kf_count_ev(TL_EV_ORDER_FAILED), 1);
}

static void test_retry_after_is_honoured(void)
{
	tl_order_t *o = submit_limit("0.010", "49000.0");
	tl_input_t in;
	memset(&in, 0, sizeof(in));
	in.hdr.type = TL_IN_REQ_ERROR;
	strcpy(in.u.error.client_id, o->client_id);
	in.u.error.req = TL_REQ_NEW;
	in.u.error.outcome.http_status = 429;
	in.u.error.outcome.code = -1003;
	in.u.error.retry_after_ns = 30 * TL_NS_PER_S;
	kf_apply(&in);
	CU_ASSERT_EQUAL(o->t_next - KF->now, 30 * TL_NS_PER_S);
}

static void test_permanent_error_rejects_at_once(void)
{
	tl_order_t *o = submit_limit("0.010", "49000.0");
	kfix_clear();
	kf_error(o->client_id, TL_REQ_NEW, TL_TR_NONE, true, 400, -2019, "Margin is insufficient.");
	CU_ASSERT_EQUAL(o->status, TL_ST_REJECTED);
	CU_ASSERT_EQUAL(o->venue_code, -2019);
	const tl_output_t *ev = kf_last_ev(TL_EV_ORDER_REJECTED);
	CU_ASSERT_PTR_NOT_NULL_FATAL(ev);
	CU_ASSERT_EQUAL(ev->u.ev.u.order.venue_code, -2019);
	CU_ASSERT_STRING_EQUAL(ev->u.ev.text, "Margin is insufficient.");
	CU_ASSERT_EQUAL(kf_count(TL_OUT_REQ_NEW), 0);
}

static void test_ambiguous_goes_unknown_and_queries_never_resends(void)
{
	tl_order_t *o = submit_limit("0.010", "49000.0");
	kfix_clear();
	kf_error(o->client_id, TL_REQ_NEW, TL_TR_NONE, true, 503, 0,
		 "Unknown error, please check your request or try again later.");
	CU_ASSERT_EQUAL(o->status, TL_ST_UNKNOWN);
	CU_ASSERT_EQUAL(kf_count(TL_OUT_REQ_QUERY), 1);
	CU_ASSERT_EQUAL(kf_count(TL_OUT_REQ_NEW), 0);
	CU_ASSERT_STRING_EQUAL(kf_last(TL_OUT_REQ_QUERY)->u.req.client_id, o->client_id);
	/* query times out: re-query, still no resend */
	kf_tick_after(2 * TL_NS_PER_S);
	CU_ASSERT_EQUAL(kf_count(TL_OUT_REQ_QUERY), 2);
	CU_ASSERT_EQUAL(kf_count(TL_OUT_REQ_NEW), 0);
	/* venue: it was executed and filled */
	kf_fill(o->client_id, 1, "49000", "0.010", "0");
	CU_ASSERT_EQUAL(o->status, TL_ST_FILLED);
}

static void test_reset_after_write_is_ambiguous(void)
{
	tl_order_t *o = submit_limit("0.010", "49000.0");
	kf_error(o->client_id, TL_REQ_NEW, TL_TR_RESET, true, 0, 0, "reset");
	CU_ASSERT_EQUAL(o->status, TL_ST_UNKNOWN);
	/* The venue says NEW: adopt it. */
	kf_query(o->client_id, true, TL_ST_NEW, 4242);
	CU_ASSERT_EQUAL(o->status, TL_ST_NEW);
	CU_ASSERT_EQUAL(o->venue_id, 4242);
}

static void test_query_not_found_resends_same_id(void)
{
	tl_order_t *o = submit_limit("0.010", "49000.0");
	char id[TL_CLID_LEN];
	strcpy(id, o->client_id);
	kf_error(id, TL_REQ_NEW, TL_TR_TIMEOUT, true, 0, 0, "timeout");
	CU_ASSERT_EQUAL(o->status, TL_ST_UNKNOWN);
	kfix_clear();
	/* The timed-out request may still reach the venue within its
	 * send window: "does not exist" is not final yet (K1/K2). */
	kf_error(id, TL_REQ_QUERY, TL_TR_NONE, true, 400, -2013, "Order does not exist.");
	CU_ASSERT_EQUAL(o->status, TL_ST_UNKNOWN);
	CU_ASSERT_EQUAL(kf_count(TL_OUT_REQ_NEW), 0);
	kf_tick_after(6 * TL_NS_PER_S);
	CU_ASSERT_EQUAL(kf_count(TL_OUT_REQ_QUERY), 1);	/* asked again */
	kf_error(id, TL_REQ_QUERY, TL_TR_NONE, true, 400, -2013, "Order does not exist.");
	CU_ASSERT_EQUAL(o->status, TL_ST_SENT);
	CU_ASSERT_EQUAL(kf_count(TL_OUT_REQ_NEW), 1);
	CU_ASSERT_STRING_EQUAL(kf_last(TL_OUT_REQ_NEW)->u.req.client_id, id);
	CU_ASSERT_EQUAL(kf_count(TL_OUT_ID_RESERVE), 0);
}

static void test_ack_timeout_goes_unknown(void)
{
	tl_order_t *o = submit_limit("0.010", "49000.0");
	kfix_clear();
	kf_tick_after(4 * TL_NS_PER_S);
	CU_ASSERT_EQUAL(o->status, TL_ST_SENT);
	kf_tick_after(1 * TL_NS_PER_S);
	CU_ASSERT_EQUAL(o->status, TL_ST_UNKNOWN);
	CU_ASSERT_EQUAL(kf_count(TL_OUT_REQ_QUERY), 1);
	CU_ASSERT_EQUAL(kf_count_ev(TL_EV_ORDER_UNKNOWN), 1);
	kf_query(o->client_id, true, TL_ST_CANCELED, 9);
	CU_ASSERT_EQUAL(o->status, TL_ST_CANCELED);
}

static void ttl5m(tl_kernel_cfg_t *c) { c->order_ttl_ns = 300 * TL_NS_PER_S; }

static void test_ttl_cancels_expired_order(void)
{
	kfix_free(KF);
	kfix_new(ttl5m);
	kf_mark("BTCUSDT", "50000");
	tl_order_t *o = submit_limit("0.010", "49000.0");
	kf_ack(o->client_id, 1);
	kfix_clear();
	kf_tick_after(299 * TL_NS_PER_S);
	CU_ASSERT_EQUAL(o->status, TL_ST_NEW);
	kf_tick_after(1 * TL_NS_PER_S);
	CU_ASSERT_EQUAL(o->status, TL_ST_PENDING_CANCEL);
	CU_ASSERT_EQUAL(kf_count(TL_OUT_REQ_CANCEL), 1);
}

static void test_cancel_rejected_queries(void)
{
	tl_order_t *o = submit_limit("0.010", "49000.0");
	kf_ack(o->client_id, 1);
	kf_cancel(o->client_id);
	kfix_clear();
	kf_error(o->client_id, TL_REQ_CANCEL, TL_TR_NONE, true, 400, -2011, "Unknown order sent.");
	/* K1: the intent stays; the query decides. */
	CU_ASSERT_EQUAL(o->status, TL_ST_PENDING_CANCEL);
	CU_ASSERT_EQUAL(kf_count(TL_OUT_REQ_QUERY), 1);
	CU_ASSERT_EQUAL(kf_count_ev(TL_EV_ORDER_CANCEL_REJECTED), 1);
	/* Still open at the venue: canceled again, never back to NEW. */
	kf_query(o->client_id, true, TL_ST_NEW, 1);
	CU_ASSERT_EQUAL(o->status, TL_ST_PENDING_CANCEL);
	CU_ASSERT_EQUAL(kf_count(TL_OUT_REQ_CANCEL), 1);
	kf_query(o->client_id, true, TL_ST_FILLED, 1);
	CU_ASSERT_EQUAL(o->status, TL_ST_FILLED);
	CU_ASSERT(tl_kernel_check(&KF->k));
}

static void test_cancel_transient_is_retried(void)
{
	tl_order_t *o = submit_limit("0.010", "49000.0");
	kf_ack(o->client_id, 1);
	kf_cancel(o->client_id);
	kfix_clear();
	kf_error(o->client_id, TL_REQ_CANCEL, TL_TR_CONNECT, false, 0, 0, "down");
	CU_ASSERT_EQUAL(o->status, TL_ST_PENDING_CANCEL);
	kf_tick_after(1 * TL_NS_PER_S);
	CU_ASSERT_EQUAL(kf_count(TL_OUT_REQ_CANCEL), 1);
	CU_ASSERT_EQUAL(kf_last(TL_OUT_REQ_CANCEL)->u.req.attempt, 2);
}

static void test_terminal_absorbs_and_counts(void)
{
	tl_order_t *o = submit_limit("0.010", "49000.0");
	kf_update(o->client_id, TL_ST_REJECTED, -2019);
	CU_ASSERT_EQUAL(o->status, TL_ST_REJECTED);
	kf_ack(o->client_id, 3);
	kf_update(o->client_id, TL_ST_CANCELED, 0);
	kf_update(o->client_id, TL_ST_EXPIRED, 0);
	CU_ASSERT_EQUAL(o->status, TL_ST_REJECTED);
	CU_ASSERT_EQUAL(KF->k.ctr.invalid_transitions, 3);
	/* a nonsense status for an active order is counted, not applied */
	tl_order_t *p = submit_limit("0.010", "49000.0");
	kf_update(p->client_id, TL_ST_PENDING_CANCEL, 0);
	CU_ASSERT_EQUAL(p->status, TL_ST_SENT);
	CU_ASSERT_EQUAL(KF->k.ctr.invalid_transitions, 4);
	CU_ASSERT(tl_kernel_check(&KF->k));
}

static void test_unknown_order_inputs_counted(void)
{
	kf_ack("ghost1", 1);
	kf_fill("ghost1", 1, "1", "1", "0");
	CU_ASSERT_EQUAL(KF->k.ctr.unknown_order_inputs, 2);
	CU_ASSERT_EQUAL(KF->n, 0);
}

static void many_retries(tl_kernel_cfg_t *c)
{
	c->backoff.max_attempts = 50;
	c->backoff.cap_ns = TL_NS_PER_S;
}

static void test_status_history_is_bounded(void)
{
	kfix_free(KF);
	kfix_new(many_retries);
	kf_mark("BTCUSDT", "50000");
	tl_order_t *o = submit_limit("0.100", "49000.0");
	for (int i = 0; i < 10; i++) {	/* SENT -> PENDING_NEW -> SENT ... */
		kf_error(o->client_id, TL_REQ_NEW, TL_TR_CONNECT, false, 0, 0, "x");
		CU_ASSERT_EQUAL_FATAL(o->status, TL_ST_PENDING_NEW);
		kf_tick_after(TL_NS_PER_S);
		CU_ASSERT_EQUAL_FATAL(o->status, TL_ST_SENT);
	}
	CU_ASSERT(o->hist_n > TL_ORD_HIST);
	/* the newest entry is the last status */
	CU_ASSERT_EQUAL(o->hist[(o->hist_n - 1) % TL_ORD_HIST].status, o->status);
	CU_ASSERT_EQUAL(o->hist[(o->hist_n - 1) % TL_ORD_HIST].time, o->t_updated);
}

static void test_table_full_refuses_and_evicts_terminal(void)
{
	kf_mark("ETHUSDT", "3000");
	uint64_t first = 0, h = 0;
	for (int i = 0; i < 64; i++) {
		CU_ASSERT_EQUAL_FATAL(kf_submit("ETHUSDT", TL_BUY, TL_ORD_LIMIT, "0.010",
						"2900", &h), TL_REJ_NONE);
		if (i == 0)
			first = h;
	}
	CU_ASSERT_EQUAL(kf_submit("ETHUSDT", TL_BUY, TL_ORD_LIMIT, "0.010", "2900", &h),
			TL_REJ_TABLE_FULL);
	CU_ASSERT_EQUAL(kf_last_ev(TL_EV_ORDER_REJECTED)->u.ev.u.order.reject,
			TL_REJ_TABLE_FULL);
	/* One finishes: its slot is reused and its old handle goes stale. */
	char id[TL_CLID_LEN];
	strcpy(id, kf_clid(first));
	kf_update(id, TL_ST_REJECTED, -2019);
	CU_ASSERT_EQUAL(kf_submit("ETHUSDT", TL_BUY, TL_ORD_LIMIT, "0.010", "2900", &h),
			TL_REJ_NONE);
	CU_ASSERT_PTR_NULL(kf_order(first));
	CU_ASSERT_PTR_NULL(tl_kernel_order(&KF->k, id));
	CU_ASSERT_EQUAL(KF->k.orders.evicted, 1);
	CU_ASSERT(tl_kernel_check(&KF->k));
}

static void test_restart_queries_open_orders_and_skips_ids(void)
{
	tl_order_t *a = submit_limit("0.010", "49000.0");	/* SENT */
	tl_order_t *b = submit_limit("0.010", "49000.0");
	kf_ack(b->client_id, 2);				/* NEW */
	tl_order_t *c = submit_limit("0.010", "49000.0");
	kf_ack(c->client_id, 3);
	kf_cancel(c->client_id);				/* PENDING_CANCEL */
	kfix_clear();
	tl_input_t in;
	memset(&in, 0, sizeof(in));
	in.hdr.type = TL_IN_RESTART;
	in.u.restart.id_next = 500;
	in.u.restart.session = 1;
	kf_apply(&in);
	CU_ASSERT_EQUAL(KF->k.state, TL_TS_NORMAL);
	CU_ASSERT_EQUAL(a->status, TL_ST_UNKNOWN);
	CU_ASSERT_EQUAL(b->status, TL_ST_UNKNOWN);
	CU_ASSERT_EQUAL(c->status, TL_ST_PENDING_CANCEL);
	CU_ASSERT(kf_count(TL_OUT_REQ_QUERY) >= 2);
	CU_ASSERT(kf_count(TL_OUT_REQ_CANCEL) >= 1);
	CU_ASSERT_EQUAL(kf_count(TL_OUT_REQ_NEW), 0);
	/* the venue still has b: it is NEW again */
	kf_query(b->client_id, true, TL_ST_NEW, 2);
	CU_ASSERT_EQUAL(b->status, TL_ST_NEW);
	/* new ids continue at 500, after a fresh reservation */
	kfix_clear();
	uint64_t h;
	CU_ASSERT_EQUAL(kf_submit("BTCUSDT", TL_BUY, TL_ORD_LIMIT, "0.010", "49000.0", &h),
			TL_REJ_NONE);
	CU_ASSERT_STRING_EQUAL(kf_clid(h), "tl500");
	CU_ASSERT_EQUAL(kf_count(TL_OUT_ID_RESERVE), 1);
	CU_ASSERT_EQUAL(kf_last(TL_OUT_ID_RESERVE)->u.reserve.from, 500);
	CU_ASSERT(tl_kernel_check(&KF->k));
}

static void test_restart_during_liquidation_comes_back_paused(void)
{
	uint64_t h;
	kf_submit("BTCUSDT", TL_BUY, TL_ORD_MARKET, "0.010", NULL, &h);
	kf_fill(kf_clid(h), 1, "50000", "0.010", "0");
	kf_control(TL_CTL_LIQUIDATE, "x");
	CU_ASSERT_EQUAL_FATAL(KF->k.state, TL_TS_LIQUIDATING);
	tl_input_t in;
	memset(&in, 0, sizeof(in));
	in.hdr.type = TL_IN_RESTART;
	in.u.restart.id_next = 1;
	kf_apply(&in);
	CU_ASSERT_EQUAL(KF->k.state, TL_TS_PAUSED);
	CU_ASSERT_FALSE(KF->k.emg.active);
	/* the close order is being queried, not resent */
	CU_ASSERT_EQUAL(kf_last(TL_OUT_EVENT)->u.ev.type, TL_EV_ORDER_UNKNOWN);
}

TL_TEST_SUITE("kernel.order_machine", setup, teardown,
	      TL_TEST(test_restart_during_liquidation_comes_back_paused),
	      TL_TEST(test_restart_queries_open_orders_and_skips_ids),
	      TL_TEST(test_submit_reserves_ids_before_first_request),
	      TL_TEST(test_stale_not_found_after_ack_asks_again),
	      TL_TEST(test_ack_then_fills),
	      TL_TEST(test_duplicate_fill_is_ignored),
	      TL_TEST(test_fill_before_ack_is_applied),
	      TL_TEST(test_overfill_is_refused),
	      TL_TEST(test_fill_after_cancel_request_wins),
	      TL_TEST(test_late_fill_after_cancel_still_moves_position),
	      TL_TEST(test_cancel_before_send_is_local),
	      TL_TEST(test_transient_errors_back_off_then_fail),
	      TL_TEST(test_retry_after_is_honoured),
	      TL_TEST(test_permanent_error_rejects_at_once),
	      TL_TEST(test_ambiguous_goes_unknown_and_queries_never_resends),
	      TL_TEST(test_reset_after_write_is_ambiguous),
	      TL_TEST(test_query_not_found_resends_same_id),
	      TL_TEST(test_ack_timeout_goes_unknown),
	      TL_TEST(test_ttl_cancels_expired_order),
	      TL_TEST(test_cancel_rejected_queries),
	      TL_TEST(test_cancel_transient_is_retried),
	      TL_TEST(test_terminal_absorbs_and_counts),
	      TL_TEST(test_unknown_order_inputs_counted),
	      TL_TEST(test_status_history_is_bounded),
	      TL_TEST(test_table_full_refuses_and_evicts_terminal));
