/*
 * demo.c - a scripted strategy for `talon run --demo` (see demo.h).
 *
 * One 12-second cycle, repeated:
 *   0 s  LONG_ENTRY BTCUSDT 0.010 (market) with a take-profit at 800000
 *        and a stop-loss at 1000 (wide, so they are placed on any venue)
 *   2 s  add: BUY BTCUSDT 0.005 market
 *   3 s  SHORT_ENTRY ETHUSDT 0.200 (market)
 *   5 s  LIMIT BUY ETHUSDT 0.100 1 % below the price (rests, may fill)
 *   7 s  CLOSE_LONG BTCUSDT 0.015 (closes the long; the TP/SL get canceled
 *        or expire)
 *   9 s  cancel-all ETHUSDT (the resting limit), then CLOSE_SHORT ETHUSDT
 * Commands refused by the engine (a PAUSED state after the kill switch,
 * for instance) just show up as ORDER_REJECTED events.
 */
#include "cli/demo.h"

#include <stdio.h>

#include "runtime/log.h"

#define NS 1000000000LL

void tl_demo_init(tl_demo_t *d, tl_engine_t *e, int64_t now_ns)
{
	d->e = e;
	/* Start a second late: market orders need the venue's first marks. */
	d->t0_ns = now_ns + NS;
	d->step = 0;
	d->cycle = 0;
	d->ref = 1;
}

static void demo_rc(const char *what, int rc)
{
	if (rc == 0)
		return;
	if (rc == -11)
		tl_log(TL_LOG_WARN, "demo: %s: engine busy (back-pressure), skipped", what);
	else
		tl_log(TL_LOG_WARN, "demo: %s: %s", what, tl_engine_error());
}

void tl_demo_step(tl_demo_t *d, int64_t now_ns)
{
	static const int64_t at[] = { 0, 2, 3, 5, 7, 9 };
	int64_t t = now_ns - d->t0_ns - (int64_t)d->cycle * 12 * NS;
	if (t < 0)
		return;
	if (t >= 12 * NS) {
		d->cycle++;
		d->step = 0;
		return;
	}
	if (d->step >= sizeof(at) / sizeof(at[0]) || t < at[d->step] * NS)
		return;
	tl_engine_status_t st;
	tl_engine_status(d->e, &st);
	switch (d->step++) {
	case 0:
		tl_log(TL_LOG_INFO, "demo: cycle %u: LONG_ENTRY BTCUSDT 0.010 with TP/SL",
		       d->cycle + 1);
		/* Wide TP/SL (on the right side of any realistic mark) so the
		 * demo shows protective orders on either venue; they rarely fire. */
		demo_rc("LONG_ENTRY", tl_engine_signal(d->e, &(tl_signal_spec_t){
			.signal = TL_SIGNAL_LONG_ENTRY, .symbol = "BTCUSDT", .qty = "0.010",
			.tp = "800000", .sl = "1000", .user_ref = d->ref++ }));
		break;
	case 1: {
		tl_order_spec_t o = { .symbol = "BTCUSDT", .side = TL_SIDE_BUY,
				      .type = TL_ORDER_MARKET, .qty = "0.005" };
		tl_log(TL_LOG_INFO, "demo: add BUY BTCUSDT 0.005");
		demo_rc("BUY", tl_engine_submit(d->e, &o, d->ref++));
		break;
	}
	case 2:
		tl_log(TL_LOG_INFO, "demo: SHORT_ENTRY ETHUSDT 0.200");
		demo_rc("SHORT_ENTRY", tl_engine_signal(d->e, &(tl_signal_spec_t){
			.signal = TL_SIGNAL_SHORT_ENTRY, .symbol = "ETHUSDT", .qty = "0.200",
			.user_ref = d->ref++ }));
		break;
	case 3: {
		tl_order_spec_t o = { .symbol = "ETHUSDT", .side = TL_SIDE_BUY,
				      .type = TL_ORDER_LIMIT, .qty = "0.100",
				      .price = "2900" };
		tl_log(TL_LOG_INFO, "demo: LIMIT BUY ETHUSDT 0.100 @ 2900");
		demo_rc("LIMIT", tl_engine_submit(d->e, &o, d->ref++));
		break;
	}
	case 4:
		tl_log(TL_LOG_INFO, "demo: CLOSE_LONG BTCUSDT");
		demo_rc("CLOSE_LONG", tl_engine_signal(d->e, &(tl_signal_spec_t){
			.signal = TL_SIGNAL_CLOSE_LONG, .symbol = "BTCUSDT", .qty = "0.015",
			.user_ref = d->ref++ }));
		break;
	case 5:
		tl_log(TL_LOG_INFO, "demo: cancel-all ETHUSDT, CLOSE_SHORT ETHUSDT");
		demo_rc("cancel-all", tl_engine_cancel_all(d->e, "ETHUSDT"));
		demo_rc("CLOSE_SHORT", tl_engine_signal(d->e, &(tl_signal_spec_t){
			.signal = TL_SIGNAL_CLOSE_SHORT, .symbol = "ETHUSDT", .qty = "0.200",
			.user_ref = d->ref++ }));
		break;
	}
}

void tl_load_init(tl_load_t *l, tl_engine_t *e, uint32_t rate, int64_t now_ns)
{
	l->e = e;
	l->t0_ns = now_ns;
	l->sent = 0;
	l->rate = rate;
	l->ref = 1000000;
}

void tl_load_step(tl_load_t *l, int64_t now_ns)
{
	/* Orders due by now at the configured rate; at most 64 per step so a
	 * stall does not turn into a burst. */
	uint64_t due = (uint64_t)((now_ns - l->t0_ns) / (NS / l->rate));
	for (int i = 0; l->sent < due && i < 64; i++) {
		uint64_t k = l->sent;
		const char *sym = (k & 1) ? "ETHUSDT" : "BTCUSDT";
		const char *qty = (k & 1) ? "0.050" : "0.003";
		tl_order_spec_t o = { .symbol = sym, .qty = qty };
		int rc;
		switch (k % 8) {
		case 0: case 1: case 4: case 5:
			o.side = (k % 8) < 2 ? TL_SIDE_BUY : TL_SIDE_SELL;
			o.type = TL_ORDER_MARKET;
			rc = tl_engine_submit(l->e, &o, l->ref++);
			break;
		case 2: case 3:
			/* a limit far from the market: rests, canceled below */
			o.side = TL_SIDE_BUY;
			o.type = TL_ORDER_LIMIT;
			o.price = (k & 1) ? "2900" : "48000";
			rc = tl_engine_submit(l->e, &o, l->ref++);
			break;
		default:
			rc = tl_engine_cancel_all(l->e, sym);
			break;
		}
		if (rc == -11)
			break;	/* back-pressure: try again next step */
		l->sent++;
	}
}
