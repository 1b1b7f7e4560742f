/*
 * record.c - names and priorities of records and events.
 *
 * Priorities (10 = most urgent) tell consumers what to look at first:
 * order lifecycle 5-8, errors 8-9, emergency 10.
 */
#include "kernel/record.h"

static const struct {
	const char *name;
	uint8_t prio;
} ev_tbl[TL_EV__COUNT] = {
	[TL_EV_ORDER_SUBMITTED] = { "ORDER_SUBMITTED", 5 },
	[TL_EV_ORDER_ACCEPTED] = { "ORDER_ACCEPTED", 5 },
	[TL_EV_ORDER_PARTIALLY_FILLED] = { "ORDER_PARTIALLY_FILLED", 6 },
	[TL_EV_ORDER_FILLED] = { "ORDER_FILLED", 7 },
	[TL_EV_ORDER_CANCELED] = { "ORDER_CANCELED", 6 },
	[TL_EV_ORDER_REJECTED] = { "ORDER_REJECTED", 8 },
	[TL_EV_ORDER_EXPIRED] = { "ORDER_EXPIRED", 6 },
	[TL_EV_ORDER_FAILED] = { "ORDER_FAILED", 9 },
	[TL_EV_POSITION_OPENED] = { "POSITION_OPENED", 7 },
	[TL_EV_POSITION_UPDATED] = { "POSITION_UPDATED", 6 },
	[TL_EV_POSITION_CLOSED] = { "POSITION_CLOSED", 7 },
	[TL_EV_POSITION_LIQUIDATED] = { "POSITION_LIQUIDATED", 10 },
	[TL_EV_EMERGENCY_STARTED] = { "EMERGENCY_STARTED", 10 },
	[TL_EV_EMERGENCY_COMPLETED] = { "EMERGENCY_COMPLETED", 10 },
	[TL_EV_TRADING_STATE_CHANGED] = { "TRADING_STATE_CHANGED", 8 },
	[TL_EV_ORDER_UNKNOWN] = { "ORDER_UNKNOWN", 9 },
	[TL_EV_ORDER_CANCEL_REQUESTED] = { "ORDER_CANCEL_REQUESTED", 5 },
	[TL_EV_ORDER_CANCEL_REJECTED] = { "ORDER_CANCEL_REJECTED", 8 },
	[TL_EV_POSITION_CONFLICT] = { "POSITION_CONFLICT", 9 },
	[TL_EV_POSITION_ORPHAN] = { "POSITION_ORPHAN", 9 },
	[TL_EV_FOREIGN_UPDATE] = { "FOREIGN_UPDATE", 9 },
	[TL_EV_STRATEGY_ADDED] = { "STRATEGY_ADDED", 5 },
	[TL_EV_POSITION_ROUND_TRIP] = { "POSITION_ROUND_TRIP", 6 },
};

bool tl_event_type_is_order(unsigned t)
{
	switch (t) {
	case TL_EV_ORDER_SUBMITTED:
	case TL_EV_ORDER_ACCEPTED:
	case TL_EV_ORDER_PARTIALLY_FILLED:
	case TL_EV_ORDER_FILLED:
	case TL_EV_ORDER_CANCELED:
	case TL_EV_ORDER_REJECTED:
	case TL_EV_ORDER_EXPIRED:
	case TL_EV_ORDER_FAILED:
	case TL_EV_ORDER_UNKNOWN:
	case TL_EV_ORDER_CANCEL_REQUESTED:
	case TL_EV_ORDER_CANCEL_REJECTED:
		return true;
	default:
		return false;
	}
}

bool tl_event_type_is_position(unsigned t)
{
	return t == TL_EV_POSITION_OPENED || t == TL_EV_POSITION_UPDATED ||
	       t == TL_EV_POSITION_CLOSED || t == TL_EV_POSITION_LIQUIDATED;
}

int tl_event_priority(tl_event_type_t t)
{
	return (unsigned)t < TL_EV__COUNT && ev_tbl[t].name ? ev_tbl[t].prio : 5;
}

const char *tl_event_name(tl_event_type_t t)
{
	return (unsigned)t < TL_EV__COUNT && ev_tbl[t].name ? ev_tbl[t].name : "?";
}

const char *tl_in_type_name(tl_in_type_t t)
{
	static const char *const n[TL_IN__COUNT] = {
		[TL_IN_SUBMIT] = "SUBMIT", [TL_IN_SIGNAL] = "SIGNAL",
		[TL_IN_CANCEL] = "CANCEL", [TL_IN_CANCEL_ALL] = "CANCEL_ALL",
		[TL_IN_CONTROL] = "CONTROL", [TL_IN_ORDER_UPDATE] = "ORDER_UPDATE",
		[TL_IN_FILL] = "FILL", [TL_IN_REQ_ERROR] = "REQ_ERROR",
		[TL_IN_QUERY_RESULT] = "QUERY_RESULT", [TL_IN_MARK] = "MARK",
		[TL_IN_TICK] = "TICK", [TL_IN_RESTART] = "RESTART",
		[TL_IN_ADOPT] = "ADOPT", [TL_IN_POSITION_SNAPSHOT] = "POSITION_SNAPSHOT",
		[TL_IN_RESYNC] = "RESYNC", [TL_IN_SYMBOL_STATUS] = "SYMBOL_STATUS",
	};
	return (unsigned)t < TL_IN__COUNT && n[t] ? n[t] : "?";
}

const char *tl_out_type_name(tl_out_type_t t)
{
	static const char *const n[TL_OUT__COUNT] = {
		[TL_OUT_REQ_NEW] = "REQ_NEW", [TL_OUT_REQ_CANCEL] = "REQ_CANCEL",
		[TL_OUT_REQ_QUERY] = "REQ_QUERY", [TL_OUT_ID_RESERVE] = "ID_RESERVE",
		[TL_OUT_EVENT] = "EVENT",
	};
	return (unsigned)t < TL_OUT__COUNT && n[t] ? n[t] : "?";
}
