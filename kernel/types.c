/*
 * types.c - names of the kernel's enums, in the venue's spelling, and
 * their parsers. Unknown values print as "?" and parse as 0 (or -1 for
 * position sides, where 0 is BOTH).
 */
#include "kernel/types.h"

#include <string.h>

#define TL_NAME(tbl, v) \
	(((unsigned)(v) < sizeof(tbl) / sizeof(tbl[0]) && tbl[(unsigned)(v)]) \
		 ? tbl[(unsigned)(v)] : "?")

static const char *const side_names[] = { NULL, "BUY", "SELL" };
static const char *const type_names[] = {
	NULL, "LIMIT", "MARKET", "STOP", "STOP_MARKET", "TAKE_PROFIT",
	"TAKE_PROFIT_MARKET",
};
static const char *const tif_names[] = { NULL, "GTC", "IOC", "FOK", "GTX" };
static const char *const ps_names[] = { "BOTH", "LONG", "SHORT" };
static const char *const status_names[] = {
	NULL, "PENDING_NEW", "SENT", "NEW", "PARTIALLY_FILLED", "FILLED",
	"PENDING_CANCEL", "CANCELED", "REJECTED", "EXPIRED", "FAILED", "UNKNOWN",
};
static const char *const ts_names[] = { "NORMAL", "REDUCING", "LIQUIDATING", "PAUSED" };
static const char *const pos_status_names[] = { "FLAT", "OPEN", "CLOSED", "LIQUIDATED" };
static const char *const signal_names[] = {
	NULL, "LONG_ENTRY", "SHORT_ENTRY", "CLOSE_LONG", "CLOSE_SHORT",
};

static const struct {
	const char *name;
	const char *msg;
} reject_tbl[TL_REJ__COUNT] = {
	[TL_REJ_NONE] = { "NONE", "accepted" },
	[TL_REJ_UNKNOWN_SYMBOL] = { "UNKNOWN_SYMBOL", "unknown symbol" },
	[TL_REJ_SYMBOL_NOT_TRADING] = { "SYMBOL_NOT_TRADING", "symbol is not trading" },
	[TL_REJ_QTY_NOT_POSITIVE] = { "QTY_NOT_POSITIVE", "quantity must be greater than zero" },
	[TL_REJ_QTY_STEP] = { "QTY_STEP", "quantity is not a multiple of the step size" },
	[TL_REJ_QTY_BELOW_MIN] = { "QTY_BELOW_MIN", "quantity is below the minimum" },
	[TL_REJ_QTY_ABOVE_MAX] = { "QTY_ABOVE_MAX", "quantity is above the maximum" },
	[TL_REJ_PRICE_MISSING] = { "PRICE_MISSING", "price (or stop price) missing or not positive" },
	[TL_REJ_PRICE_TICK] = { "PRICE_TICK", "price is not a multiple of the tick size" },
	[TL_REJ_PRICE_BELOW_MIN] = { "PRICE_BELOW_MIN", "price is below the symbol's minimum" },
	[TL_REJ_PRICE_ABOVE_MAX] = { "PRICE_ABOVE_MAX", "price is above the symbol's maximum" },
	[TL_REJ_PRICE_ABOVE_BAND] = { "PRICE_ABOVE_BAND", "buy price above the mark price band" },
	[TL_REJ_PRICE_BELOW_BAND] = { "PRICE_BELOW_BAND", "sell price below the mark price band" },
	[TL_REJ_NO_MARK] = { "NO_MARK", "no mark price yet for this symbol" },
	[TL_REJ_NOTIONAL_BELOW_MIN] = { "NOTIONAL_BELOW_MIN", "notional below the symbol's minimum (unless reduce-only)" },
	[TL_REJ_REDUCE_ONLY_NOT_REDUCING] = { "REDUCE_ONLY_NOT_REDUCING", "reduce-only order would not reduce the position" },
	[TL_REJ_MAX_ORDER_QTY] = { "MAX_ORDER_QTY", "quantity above the configured maximum order size" },
	[TL_REJ_MAX_ORDER_NOTIONAL] = { "MAX_ORDER_NOTIONAL", "notional above the configured maximum" },
	[TL_REJ_MAX_POSITION] = { "MAX_POSITION", "resulting position above the configured maximum" },
	[TL_REJ_MAX_OPEN_ORDERS] = { "MAX_OPEN_ORDERS", "too many open orders" },
	[TL_REJ_RATE_10S] = { "RATE_10S", "order rate limit (per 10 s) reached" },
	[TL_REJ_RATE_1M] = { "RATE_1M", "order rate limit (per minute) reached" },
	[TL_REJ_STATE_REDUCING] = { "STATE_REDUCING", "trading state REDUCING: only reducing orders" },
	[TL_REJ_STATE_LIQUIDATING] = { "STATE_LIQUIDATING", "trading state LIQUIDATING: no new orders" },
	[TL_REJ_STATE_PAUSED] = { "STATE_PAUSED", "trading state PAUSED: no new orders" },
	[TL_REJ_TABLE_FULL] = { "TABLE_FULL", "order table full of active orders" },
	[TL_REJ_BAD_PARAM] = { "BAD_PARAM", "invalid order parameters for this mode" },
	[TL_REJ_UNKNOWN_ORDER] = { "UNKNOWN_ORDER", "no such order" },
	[TL_REJ_NOT_CANCELABLE] = { "NOT_CANCELABLE", "order is already final" },
	[TL_REJ_BACKPRESSURE] = { "BACKPRESSURE", "engine queues are full; try again" },
	[TL_REJ_BAD_TPSL] = { "BAD_TPSL", "take-profit/stop-loss on the wrong side or not allowed" },
	[TL_REJ_NOTHING_TO_CLOSE] = { "NOTHING_TO_CLOSE", "no position to close" },
	[TL_REJ_JOURNAL_DOWN] = { "JOURNAL_DOWN", "journal cannot write (disk full or I/O error)" },
	[TL_REJ_STALE] = { "STALE", "not resent: stale (age, cancel, restart or state)" },
	[TL_REJ_INSUFFICIENT_MARGIN] = { "INSUFFICIENT_MARGIN", "initial margin and fee above the available balance" },
	[TL_REJ_BAD_STRATEGY] = { "BAD_STRATEGY", "strategy tag: 1-15 printable chars, no spaces or quotes" },
	[TL_REJ_STRATEGY_LIMIT] = { "STRATEGY_LIMIT", "too many strategy tags (32): no new one" },
};

const char *tl_side_name(tl_side_t s) { return TL_NAME(side_names, s); }
const char *tl_ord_type_name(tl_ord_type_t t) { return TL_NAME(type_names, t); }
const char *tl_tif_name(tl_tif_t t) { return TL_NAME(tif_names, t); }
const char *tl_pos_side_name(tl_pos_side_t p) { return TL_NAME(ps_names, p); }
const char *tl_status_name(tl_ord_status_t s) { return TL_NAME(status_names, s); }
const char *tl_trading_state_name(tl_trading_state_t s) { return TL_NAME(ts_names, s); }
const char *tl_pos_status_name(tl_pos_status_t s) { return TL_NAME(pos_status_names, s); }
const char *tl_signal_name(tl_signal_t s) { return TL_NAME(signal_names, s); }

static const char *const exit_names[] = {
	NULL, "SIGNAL", "TAKE_PROFIT", "STOP_LOSS", "LIQUIDATION", "MANUAL", "VENUE",
};
const char *tl_exit_reason_name(tl_exit_reason_t r) { return TL_NAME(exit_names, r); }

const char *tl_reject_name(tl_reject_t r)
{
	return (unsigned)r < TL_REJ__COUNT && reject_tbl[r].name ? reject_tbl[r].name : "?";
}

const char *tl_reject_msg(tl_reject_t r)
{
	return (unsigned)r < TL_REJ__COUNT && reject_tbl[r].msg ? reject_tbl[r].msg
							       : "unknown reason";
}

static int types_lookup(const char *const *tbl, int n, const char *s, int none)
{
	if (!s)
		return none;
	for (int i = 0; i < n; i++)
		if (tbl[i] && strcmp(tbl[i], s) == 0)
			return i;
	return none;
}

#define TL_N(t) ((int)(sizeof(t) / sizeof(t[0])))
int tl_side_parse(const char *s) { return types_lookup(side_names, TL_N(side_names), s, 0); }
int tl_ord_type_parse(const char *s) { return types_lookup(type_names, TL_N(type_names), s, 0); }
int tl_tif_parse(const char *s) { return types_lookup(tif_names, TL_N(tif_names), s, 0); }
int tl_pos_side_parse(const char *s) { return types_lookup(ps_names, TL_N(ps_names), s, -1); }
int tl_signal_parse(const char *s) { return types_lookup(signal_names, TL_N(signal_names), s, 0); }
