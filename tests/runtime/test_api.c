/*
 * test_api.c - the public API (include/talon.h) as a strategy sees it:
 * version, money helpers, event predicates, and a paper engine driven
 * through tl_engine_signal / tl_engine_poll whose public events carry what
 * the kernel's records said (types, statuses, roles, amounts, time, seq).
 */
#include "tests/support/tl_test.h"
#include "tests/support/engine_fix.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "runtime/engine.h"
#include "io/paper/config.h"

static tl_engine_event_t evs[4096];
static int nev;

static void test_version_matches_header(void)
{
	CU_ASSERT_STRING_EQUAL(tl_version(), TALON_VERSION_STRING);
	char want[32];
	snprintf(want, sizeof(want), "%d.%d.%d", TALON_VERSION_MAJOR, TALON_VERSION_MINOR,
		 TALON_VERSION_PATCH);
	CU_ASSERT_STRING_EQUAL(want, TALON_VERSION_STRING);
	/* The VERSION file is the project's version: the header follows it. */
	FILE *f = fopen("VERSION", "r");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	char line[32] = "";
	CU_ASSERT_PTR_NOT_NULL(fgets(line, sizeof(line), f));
	fclose(f);
	line[strcspn(line, "\r\n")] = '\0';
	CU_ASSERT_STRING_EQUAL(line, TALON_VERSION_STRING);
}

static void test_money_parse_and_format(void)
{
	tl_money_t v = 7;
	CU_ASSERT_EQUAL(tl_money_parse("0.010", &v), 0);
	CU_ASSERT_EQUAL(v, TL_MONEY_SCALE / 100);
	CU_ASSERT_EQUAL(tl_money_parse("-12.5", &v), 0);
	CU_ASSERT_EQUAL(v, -1250000000LL);
	v = 7;
	CU_ASSERT_EQUAL(tl_money_parse("1e3", &v), -EINVAL);
	CU_ASSERT_EQUAL(v, 7);	/* untouched on error */
	CU_ASSERT_PTR_NOT_NULL(strstr(tl_engine_error(), "1e3"));
	CU_ASSERT_EQUAL(tl_money_parse("0.000000001", &v), -EINVAL);
	CU_ASSERT_EQUAL(tl_money_parse("99999999999999", &v), -EINVAL);

	char buf[TL_MONEY_STRLEN];
	CU_ASSERT_EQUAL(tl_money_format(150000000, -1, buf, sizeof(buf)), 3);
	CU_ASSERT_STRING_EQUAL(buf, "1.5");
	tl_money_format(-1250000000LL, 2, buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "-12.50");
	/* A short buffer gets a cut, terminated text and the full length. */
	char small[4];
	CU_ASSERT_EQUAL(tl_money_format(5000010000000LL, -1, small, sizeof(small)), 7);
	CU_ASSERT_STRING_EQUAL(small, "500");
}

static void test_event_predicates_cover_every_order_kind(void)
{
	tl_engine_event_t ev;
	memset(&ev, 0, sizeof(ev));
	int orders = 0, positions = 0;
	for (int k = TL_EVENT_ORDER_SUBMITTED; k <= TL_EVENT_POSITION_ROUND_TRIP; k++) {
		ev.type = (tl_event_kind_t)k;
		orders += tl_event_is_order(&ev);
		positions += tl_event_is_position(&ev);
		CU_ASSERT(!(tl_event_is_order(&ev) && tl_event_is_position(&ev)));
		CU_ASSERT_STRING_NOT_EQUAL(tl_event_kind_name(ev.type), "?");
	}
	CU_ASSERT_EQUAL(orders, 11);
	CU_ASSERT_EQUAL(positions, 4);
	/* The three the old "type <= ORDER_FAILED" test missed. */
	ev.type = TL_EVENT_ORDER_UNKNOWN;
	CU_ASSERT_TRUE(tl_event_is_order(&ev));
	ev.type = TL_EVENT_ORDER_CANCEL_REQUESTED;
	CU_ASSERT_TRUE(tl_event_is_order(&ev));
	ev.type = TL_EVENT_ORDER_CANCEL_REJECTED;
	CU_ASSERT_TRUE(tl_event_is_order(&ev));
	ev.type = TL_EVENT_POSITION_CONFLICT;
	CU_ASSERT_FALSE(tl_event_is_order(&ev));
	CU_ASSERT_FALSE(tl_event_is_position(&ev));

	ev.type = TL_EVENT_ORDER_PARTIALLY_FILLED;
	ev.u.order.status = TL_STATUS_PARTIALLY_FILLED;
	CU_ASSERT_TRUE(tl_event_is_fill(&ev));
	CU_ASSERT_FALSE(tl_event_is_final(&ev));
	ev.type = TL_EVENT_ORDER_CANCELED;
	ev.u.order.status = TL_STATUS_CANCELED;
	CU_ASSERT_FALSE(tl_event_is_fill(&ev));
	CU_ASSERT_TRUE(tl_event_is_final(&ev));
	CU_ASSERT_STRING_EQUAL(tl_event_reject_name(&ev), "");
	ev.type = TL_EVENT_ORDER_REJECTED;
	ev.u.order.reject = 1;
	CU_ASSERT_STRING_EQUAL(tl_event_reject_name(&ev), "UNKNOWN_SYMBOL");
	ev.u.order.reject = 9999;
	CU_ASSERT_STRING_EQUAL(tl_event_reject_name(&ev), "");

	CU_ASSERT_STRING_EQUAL(tl_order_status_name(TL_STATUS_FILLED), "FILLED");
	CU_ASSERT_STRING_EQUAL(tl_engine_state_name(TL_STATE_PAUSED), "PAUSED");
	CU_ASSERT_STRING_EQUAL(tl_event_kind_name(TL_EVENT_STATE_CHANGED), "TRADING_STATE_CHANGED");
}

static tl_engine_t *start(void)
{
	tl_config_t c;
	tl_test_engine_config(&c);
	tl_paper_cfg(&c)->mark_interval_ns = 3600LL * 1000000000LL;
	c.snapshot_hz = 1000;
	tl_engine_xopts_t o = { .no_shm = true };
	tl_engine_t *e = tl_test_engine_start(&c, &o);
	/* Market orders need a mark: the paper venue's first ones. */
	tl_test_engine_wait_marks(e);
	return e;
}

static const tl_engine_event_t *find(tl_event_kind_t t, uint64_t ref)
{
	for (int i = 0; i < nev; i++)
		if (evs[i].type == t && (!ref || evs[i].user_ref == ref))
			return &evs[i];
	return NULL;
}

static const tl_engine_event_t *find_role(tl_order_role_t role)
{
	for (int i = 0; i < nev; i++)
		if (evs[i].type == TL_EVENT_ORDER_SUBMITTED && evs[i].u.order.role == role)
			return &evs[i];
	return NULL;
}

static bool wait_ev(tl_event_kind_t t, uint64_t ref, tl_engine_t *e)
{
	int64_t end = tl_test_mono_ns() + 15000000000LL;	/* generous: CI shares its cores */
	while (tl_test_mono_ns() < end) {
		int n = tl_engine_poll(e, evs + nev, (int)(sizeof(evs) / sizeof(evs[0])) - nev);
		nev += n;
		if (find(t, ref))
			return true;
		if (!n)
			tl_test_nap_us(200);
	}
	return false;
}

static void test_signal_events_through_the_public_api(void)
{
	tl_engine_t *e = start();
	nev = 0;
	tl_signal_spec_t bad = { .signal = TL_SIGNAL_LONG_ENTRY, .symbol = "BTCUSDT",
				 .qty = "1e3", .user_ref = 9 };
	CU_ASSERT_EQUAL(tl_engine_signal(e, &bad), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(tl_engine_error(), "qty"));
	tl_signal_spec_t badtag = { .signal = TL_SIGNAL_LONG_ENTRY, .symbol = "BTCUSDT",
				    .qty = "0.010", .strategy = "has space" };
	CU_ASSERT_EQUAL(tl_engine_signal(e, &badtag), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(tl_engine_error(), "strategy"));
	tl_order_spec_t badtag2 = { .symbol = "BTCUSDT", .side = TL_SIDE_BUY,
				    .type = TL_ORDER_MARKET, .qty = "0.010",
				    .strategy = "sixteen-chars-xx" };
	CU_ASSERT_EQUAL(tl_engine_submit(e, &badtag2, 1), -EINVAL);

	/* tp above and sl below the entry of a long: named fields, so they
	 * land on the take-profit and stop-loss orders respectively. */
	tl_signal_spec_t s = { .signal = TL_SIGNAL_LONG_ENTRY, .symbol = "BTCUSDT",
			       .qty = "0.010", .tp = "900000", .sl = "100", .user_ref = 7,
			       .strategy = "trend" };
	CU_ASSERT_EQUAL_FATAL(tl_engine_signal(e, &s), 0);
	CU_ASSERT_TRUE_FATAL(wait_ev(TL_EVENT_ORDER_FILLED, 7, e));
	CU_ASSERT_TRUE(wait_ev(TL_EVENT_POSITION_OPENED, 0, e));

	const tl_engine_event_t *sub = find(TL_EVENT_ORDER_SUBMITTED, 7);
	CU_ASSERT_PTR_NOT_NULL_FATAL(sub);
	CU_ASSERT_TRUE(tl_event_is_order(sub));
	CU_ASSERT_NOT_EQUAL(sub->u.order.client_id[0], '\0');
	CU_ASSERT_STRING_EQUAL(sub->symbol, "BTCUSDT");
	CU_ASSERT_EQUAL(sub->u.order.side, TL_SIDE_BUY);
	CU_ASSERT_EQUAL(sub->u.order.type, TL_ORDER_MARKET);
	CU_ASSERT_EQUAL(sub->u.order.role, TL_ROLE_SIGNAL_ENTRY);
	CU_ASSERT_TRUE(sub->time > 0);
	CU_ASSERT(sub->priority >= 5 && sub->priority <= 10);
	CU_ASSERT_EQUAL(sub->u.order.strategy_id, 1);
	const tl_engine_event_t *sa = find(TL_EVENT_STRATEGY_ADDED, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(sa);
	CU_ASSERT_EQUAL(sa->u.strategy.id, 1);
	CU_ASSERT_STRING_EQUAL(sa->text, "trend");
	CU_ASSERT_TRUE(sa->seq < sub->seq);

	const tl_engine_event_t *f = find(TL_EVENT_ORDER_FILLED, 7);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_STRING_EQUAL(f->u.order.client_id, sub->u.order.client_id);
	CU_ASSERT_TRUE(tl_event_is_fill(f));
	CU_ASSERT_TRUE(tl_event_is_final(f));
	CU_ASSERT_EQUAL(f->u.order.status, TL_STATUS_FILLED);
	CU_ASSERT_EQUAL(f->u.order.qty, TL_MONEY_SCALE / 100);
	CU_ASSERT_EQUAL(f->u.order.filled, TL_MONEY_SCALE / 100);
	CU_ASSERT_TRUE(f->u.order.avg_price > 0);
	CU_ASSERT_TRUE(f->u.order.last_price > 0);
	CU_ASSERT_TRUE(f->seq > sub->seq);

	const tl_engine_event_t *p = find(TL_EVENT_POSITION_OPENED, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT_TRUE(tl_event_is_position(p));
	CU_ASSERT_FALSE(tl_event_is_order(p));
	CU_ASSERT_EQUAL(p->u.position.qty, TL_MONEY_SCALE / 100);
	CU_ASSERT_EQUAL(p->u.position.status, TL_POSITION_OPEN);
	CU_ASSERT_EQUAL(p->u.position.entry, f->u.order.avg_price);

	/* The protective orders: tp is the take-profit, sl the stop-loss. */
	int64_t end = tl_test_mono_ns() + 15000000000LL;
	while ((!find_role(TL_ROLE_TAKE_PROFIT) || !find_role(TL_ROLE_STOP_LOSS)) && tl_test_mono_ns() < end) {
		int n = tl_engine_poll(e, evs + nev, (int)(sizeof(evs) / sizeof(evs[0])) - nev);
		nev += n;
		if (!n)
			tl_test_nap_us(200);
	}
	const tl_engine_event_t *tp = find_role(TL_ROLE_TAKE_PROFIT);
	const tl_engine_event_t *sl = find_role(TL_ROLE_STOP_LOSS);
	CU_ASSERT_PTR_NOT_NULL_FATAL(tp);
	CU_ASSERT_PTR_NOT_NULL_FATAL(sl);
	CU_ASSERT_EQUAL(tp->u.order.side, TL_SIDE_SELL);
	CU_ASSERT_EQUAL(sl->u.order.side, TL_SIDE_SELL);
	CU_ASSERT_EQUAL(tp->u.order.type, TL_ORDER_TAKE_PROFIT_MARKET);
	CU_ASSERT_EQUAL(sl->u.order.type, TL_ORDER_STOP_MARKET);
	CU_ASSERT_EQUAL(tp->u.order.strategy_id, 1);	/* inherited */
	CU_ASSERT_EQUAL(sl->u.order.strategy_id, 1);

	tl_engine_status_t st;
	end = tl_test_mono_ns() + 10000000000LL;
	while ((tl_engine_status(e, &st) != 0 || st.fills < 1) && tl_test_mono_ns() < end)
		tl_test_nap_us(200);
	CU_ASSERT_EQUAL(st.state, TL_STATE_NORMAL);
	CU_ASSERT_TRUE(st.fills >= 1);
	CU_ASSERT_EQUAL(tl_engine_control(e, TL_CONTROL_PAUSE, "test"), 0);
	CU_ASSERT_TRUE(wait_ev(TL_EVENT_STATE_CHANGED, 0, e));
	const tl_engine_event_t *sc = find(TL_EVENT_STATE_CHANGED, 0);
	CU_ASSERT_EQUAL(sc->u.state.from, TL_STATE_NORMAL);
	CU_ASSERT_EQUAL(sc->u.state.to, TL_STATE_PAUSED);
	tl_engine_close(e);
}

/* Poll events until `done` holds for the snapshot look-ups (<= 15 s). */
#define LK_UNTIL(cond)                                                              \
	do {                                                                        \
		int64_t lk_end = tl_test_mono_ns() + 15000000000LL;                 \
		while (!(cond) && tl_test_mono_ns() < lk_end) {                     \
			nev += tl_engine_poll(e, evs + nev,                         \
					      (int)(sizeof(evs) / sizeof(evs[0])) - nev); \
			tl_test_nap_us(500);                                        \
		}                                                                   \
	} while (0)

/* A polling strategy's look-ups: the engine's snapshot as its thread
 * sees it. A resting limit order (open orders, by client id with its
 * history), a market order's position, then the limit order canceled. */
static void test_lookups_orders_and_positions(void)
{
	tl_engine_t *e = start();
	nev = 0;
	tl_order_info_t oi[4], one;
	tl_position_info_t pi[4];
	CU_ASSERT_EQUAL(tl_engine_order(e, "", &one), -EINVAL);
	CU_ASSERT_EQUAL(tl_engine_open_orders(e, "ABCDEFGHIJKLMNOPQRSTUVWXYZ", oi, 4), -EINVAL);
	CU_ASSERT_EQUAL(tl_engine_open_orders(e, NULL, oi, -1), -EINVAL);

	tl_order_spec_t lim = { .symbol = "BTCUSDT", .side = TL_SIDE_BUY, .type = TL_ORDER_LIMIT,
				.qty = "0.010", .price = "40000" };
	CU_ASSERT_EQUAL_FATAL(tl_engine_submit(e, &lim, 21), 0);
	CU_ASSERT_TRUE_FATAL(wait_ev(TL_EVENT_ORDER_ACCEPTED, 21, e));
	const tl_engine_event_t *acc = find(TL_EVENT_ORDER_ACCEPTED, 21);
	char clid[TL_CLIENT_ID_MAX + 1];
	snprintf(clid, sizeof(clid), "%s", acc->u.order.client_id);
	CU_ASSERT_TRUE(acc->time > 0);

	int n = 0;
	LK_UNTIL((n = tl_engine_open_orders(e, NULL, oi, 4)) == 1 && oi[0].status == TL_STATUS_NEW);
	CU_ASSERT_EQUAL_FATAL(n, 1);
	CU_ASSERT_STRING_EQUAL(oi[0].client_id, clid);
	CU_ASSERT_STRING_EQUAL(oi[0].symbol, "BTCUSDT");
	CU_ASSERT_EQUAL(oi[0].side, TL_SIDE_BUY);
	CU_ASSERT_EQUAL(oi[0].type, TL_ORDER_LIMIT);
	CU_ASSERT_EQUAL(oi[0].price, 40000 * TL_MONEY_SCALE);
	CU_ASSERT_EQUAL(oi[0].qty, TL_MONEY_SCALE / 100);
	CU_ASSERT_EQUAL(oi[0].filled, 0);
	CU_ASSERT_EQUAL(oi[0].user_ref, 21);
	CU_ASSERT_TRUE(oi[0].venue_id != 0);
	CU_ASSERT_EQUAL(tl_engine_open_orders(e, "BTCUSDT", NULL, 0), 1);
	CU_ASSERT_EQUAL(tl_engine_open_orders(e, "ETHUSDT", oi, 4), 0);

	CU_ASSERT_EQUAL_FATAL(tl_engine_order(e, clid, &one), 0);
	CU_ASSERT_EQUAL(one.status, TL_STATUS_NEW);
	CU_ASSERT_EQUAL(one.n_history, 3);
	CU_ASSERT_EQUAL(one.status_changes, 3);
	CU_ASSERT_EQUAL(one.history[0].status, TL_STATUS_PENDING_NEW);
	CU_ASSERT_EQUAL(one.history[1].status, TL_STATUS_SENT);
	CU_ASSERT_EQUAL(one.history[2].status, TL_STATUS_NEW);
	CU_ASSERT_TRUE(one.history[0].time > 0 && one.history[0].time <= one.history[2].time);
	CU_ASSERT_EQUAL(one.created, one.history[0].time);
	CU_ASSERT_EQUAL(tl_engine_order(e, "nosuch-1", &one), -ENOENT);

	/* a position */
	tl_order_spec_t mkt = { .symbol = "BTCUSDT", .side = TL_SIDE_BUY, .type = TL_ORDER_MARKET,
				.qty = "0.020" };
	CU_ASSERT_EQUAL_FATAL(tl_engine_submit(e, &mkt, 22), 0);
	CU_ASSERT_TRUE_FATAL(wait_ev(TL_EVENT_ORDER_FILLED, 22, e));
	LK_UNTIL((n = tl_engine_positions(e, NULL, pi, 4)) == 1 && pi[0].qty != 0);
	CU_ASSERT_EQUAL_FATAL(n, 1);
	CU_ASSERT_STRING_EQUAL(pi[0].symbol, "BTCUSDT");
	CU_ASSERT_EQUAL(pi[0].qty, 2 * TL_MONEY_SCALE / 100);
	CU_ASSERT_EQUAL(pi[0].status, TL_POSITION_OPEN);
	CU_ASSERT_EQUAL(pi[0].entry, find(TL_EVENT_ORDER_FILLED, 22)->u.order.avg_price);
	CU_ASSERT_EQUAL(tl_engine_positions(e, "ETHUSDT", pi, 4), 0);

	/* canceled: no longer open, still found with its end */
	CU_ASSERT_EQUAL_FATAL(tl_engine_cancel(e, clid, 23), 0);
	CU_ASSERT_TRUE(wait_ev(TL_EVENT_ORDER_CANCELED, 0, e));
	LK_UNTIL(tl_engine_open_orders(e, NULL, oi, 4) == 0);
	CU_ASSERT_EQUAL(tl_engine_open_orders(e, NULL, oi, 4), 0);
	CU_ASSERT_EQUAL_FATAL(tl_engine_order(e, clid, &one), 0);
	CU_ASSERT_EQUAL(one.status, TL_STATUS_CANCELED);
	CU_ASSERT_EQUAL(one.history[one.n_history - 1].status, TL_STATUS_CANCELED);
	CU_ASSERT_EQUAL(one.history[one.n_history - 2].status, TL_STATUS_PENDING_CANCEL);
	tl_engine_close(e);
}

TL_TEST_SUITE("runtime.api", NULL, NULL,
	      TL_TEST(test_lookups_orders_and_positions),
	      TL_TEST(test_version_matches_header),
	      TL_TEST(test_money_parse_and_format),
	      TL_TEST(test_event_predicates_cover_every_order_kind),
	      TL_TEST(test_signal_events_through_the_public_api));
