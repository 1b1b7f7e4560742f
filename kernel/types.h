/*
 * types.h - the kernel's vocabulary: sides, order types, statuses,
 * position sides, trading states, refusal reasons.
 *
 * Every enum here is part of the journal format (records store them as
 * small integers): append new values at the end, never renumber.
 */
#ifndef TL_TYPES_H
#define TL_TYPES_H

#include <stdbool.h>
#include <stdint.h>

#include "kernel/fixed.h"

/* Nanoseconds since the Unix epoch. Time is always an input. */
typedef int64_t tl_time_t;

#define TL_NS_PER_MS 1000000LL
#define TL_NS_PER_S  1000000000LL

/* t + d, saturated to [INT64_MIN, INT64_MAX]. Times come from the venue
 * and the journal, so a crafted or corrupt time near INT64_MAX must not
 * wrap a deadline into the past (signed overflow is also undefined):
 * a saturated deadline simply never fires. */
static inline tl_time_t tl_time_add(tl_time_t t, int64_t d)
{
	tl_time_t r;

	if (__builtin_add_overflow(t, d, &r))
		return d > 0 ? INT64_MAX : INT64_MIN;
	return r;
}

/* Client order id: Binance allows ^[.A-Z:/a-z0-9_-]{1,36}$. */
#define TL_CLID_MAX 36
#define TL_CLID_LEN (TL_CLID_MAX + 1)

typedef enum tl_side { TL_BUY = 1, TL_SELL = 2 } tl_side_t;

typedef enum tl_ord_type {
	TL_ORD_LIMIT = 1,
	TL_ORD_MARKET,
	TL_ORD_STOP,                /* conditional limit, trigger on stop price */
	TL_ORD_STOP_MARKET,         /* stop-loss */
	TL_ORD_TAKE_PROFIT,
	TL_ORD_TAKE_PROFIT_MARKET,  /* take-profit */
} tl_ord_type_t;

typedef enum tl_tif {
	TL_TIF_GTC = 1,
	TL_TIF_IOC,
	TL_TIF_FOK,
	TL_TIF_GTX,                 /* post-only */
} tl_tif_t;

typedef enum tl_pos_side {
	TL_PS_BOTH = 0,             /* one-way mode */
	TL_PS_LONG = 1,             /* hedge mode */
	TL_PS_SHORT = 2,
} tl_pos_side_t;

/*
 * Order states. The machine (transitions are applied in kernel/order.c):
 *
 *                 +--------------- cancel before send ------------------+
 *                 |                                                     v
 *   PENDING_NEW --+-- request out --> SENT --- ack ------> NEW ---> PENDING_CANCEL
 *        ^                            | | |                 |  \          |   |
 *        |  transient error, backoff  | | |  fill (ack may  |   fill      |   +-- canceled --> CANCELED
 *        +----------------------------+ | |   be missing)   v    \        |   +-- fill ------> PARTIALLY_FILLED
 *        |                              | +------------> PARTIALLY_FILLED |       / FILLED (fill wins)
 *        |  query: "does not exist"     |                   |             |
 *        +---------------- UNKNOWN <----+ ambiguous         +-- fill ---> FILLED
 *                          |    ^         outcome or             \
 *                          |    |         ack timeout             +-- expired --> EXPIRED
 *      query: venue status +    +---- (re-query on timer)
 *      (NEW/PF/FILLED/CANCELED/EXPIRED/REJECTED adopted as reported)
 *
 *   SENT --- venue reject / permanent error ---> REJECTED / FAILED
 *   SENT/PENDING_NEW --- retries exhausted ---> FAILED
 *
 * Terminal: FILLED, CANCELED, REJECTED, EXPIRED, FAILED. A terminal order
 * absorbs every later status change (counted as an invalid transition when
 * it is not a harmless duplicate) but still accepts fills with unseen trade
 * ids, because money that moved must reach the position.
 */
typedef enum tl_ord_status {
	TL_ST_PENDING_NEW = 1,
	TL_ST_SENT,
	TL_ST_NEW,
	TL_ST_PARTIALLY_FILLED,
	TL_ST_FILLED,
	TL_ST_PENDING_CANCEL,
	TL_ST_CANCELED,
	TL_ST_REJECTED,
	TL_ST_EXPIRED,
	TL_ST_FAILED,
	TL_ST_UNKNOWN,
} tl_ord_status_t;

static inline bool tl_status_terminal(tl_ord_status_t s)
{
	return s == TL_ST_FILLED || s == TL_ST_CANCELED ||
	       s == TL_ST_REJECTED || s == TL_ST_EXPIRED || s == TL_ST_FAILED;
}

typedef enum tl_trading_state {
	TL_TS_NORMAL = 0,
	TL_TS_REDUCING,     /* only orders that reduce a position */
	TL_TS_LIQUIDATING,  /* kernel is closing everything */
	TL_TS_PAUSED,       /* no new orders; RESUME returns to NORMAL */
} tl_trading_state_t;

typedef enum tl_pos_status {
	TL_POS_FLAT = 0,    /* never opened */
	TL_POS_OPEN,
	TL_POS_CLOSED,
	TL_POS_LIQUIDATED,  /* closed by the emergency liquidation */
} tl_pos_status_t;

/* Why a position went back to flat: the role or origin of the order
 * whose fill closed it, or the venue's word. */
typedef enum tl_exit_reason {
	TL_EXIT_SIGNAL = 1,         /* an order made by a SIGNAL input */
	TL_EXIT_TAKE_PROFIT,
	TL_EXIT_STOP_LOSS,
	TL_EXIT_LIQUIDATION,        /* the kill switch's close orders */
	TL_EXIT_MANUAL,             /* an order submitted as such (SUBMIT:
				     * strategy or talon ctl), or adopted */
	TL_EXIT_VENUE,              /* reconciliation adopted the venue's
				     * flat position */
} tl_exit_reason_t;

typedef enum tl_signal {
	TL_SIG_LONG_ENTRY = 1,
	TL_SIG_SHORT_ENTRY,
	TL_SIG_CLOSE_LONG,
	TL_SIG_CLOSE_SHORT,
} tl_signal_t;

/* Why the kernel refused a command. Each has a human message
 * (tl_reject_msg). */
typedef enum tl_reject {
	TL_REJ_NONE = 0,
	TL_REJ_UNKNOWN_SYMBOL,
	TL_REJ_SYMBOL_NOT_TRADING,
	TL_REJ_QTY_NOT_POSITIVE,
	TL_REJ_QTY_STEP,
	TL_REJ_QTY_BELOW_MIN,
	TL_REJ_QTY_ABOVE_MAX,
	TL_REJ_PRICE_MISSING,
	TL_REJ_PRICE_TICK,
	TL_REJ_PRICE_BELOW_MIN,
	TL_REJ_PRICE_ABOVE_MAX,
	TL_REJ_PRICE_ABOVE_BAND,
	TL_REJ_PRICE_BELOW_BAND,
	TL_REJ_NO_MARK,
	TL_REJ_NOTIONAL_BELOW_MIN,
	TL_REJ_REDUCE_ONLY_NOT_REDUCING,
	TL_REJ_MAX_ORDER_QTY,
	TL_REJ_MAX_ORDER_NOTIONAL,
	TL_REJ_MAX_POSITION,
	TL_REJ_MAX_OPEN_ORDERS,
	TL_REJ_RATE_10S,
	TL_REJ_RATE_1M,
	TL_REJ_STATE_REDUCING,
	TL_REJ_STATE_LIQUIDATING,
	TL_REJ_STATE_PAUSED,
	TL_REJ_TABLE_FULL,
	TL_REJ_BAD_PARAM,
	TL_REJ_UNKNOWN_ORDER,
	TL_REJ_NOT_CANCELABLE,
	TL_REJ_BACKPRESSURE,
	TL_REJ_BAD_TPSL,
	TL_REJ_NOTHING_TO_CLOSE,
	TL_REJ_JOURNAL_DOWN,       /* runtime: the journal cannot write */
	TL_REJ_STALE,              /* a resend the trading state, a cancel
				    * intent, the order's age or a restart
				    * forbids: the order ends FAILED */
	TL_REJ_INSUFFICIENT_MARGIN, /* initial margin + taker fee above the
				     * available balance (kernel/risk.c) */
	TL_REJ_BAD_STRATEGY,       /* strategy tag not 1..15 printable chars
				    * without spaces or quotes */
	TL_REJ_STRATEGY_LIMIT,     /* TL_STRAT_MAX tags in use: no new one */
	TL_REJ__COUNT
} tl_reject_t;

const char *tl_side_name(tl_side_t s);
const char *tl_ord_type_name(tl_ord_type_t t);
const char *tl_tif_name(tl_tif_t t);
const char *tl_pos_side_name(tl_pos_side_t p);
const char *tl_status_name(tl_ord_status_t s);
const char *tl_trading_state_name(tl_trading_state_t s);
const char *tl_pos_status_name(tl_pos_status_t s);
const char *tl_signal_name(tl_signal_t s);
const char *tl_exit_reason_name(tl_exit_reason_t r);
/* Short identifier ("QTY_STEP") and human sentence for a refusal. */
const char *tl_reject_name(tl_reject_t r);
const char *tl_reject_msg(tl_reject_t r);

/* Parse the venue spellings ("BUY", "LIMIT", "GTC", "LONG",
 * "LONG_ENTRY"); return 0 when unknown. */
int tl_side_parse(const char *s);
int tl_ord_type_parse(const char *s);
int tl_tif_parse(const char *s);
int tl_pos_side_parse(const char *s);  /* -1 when unknown (BOTH is 0) */
int tl_signal_parse(const char *s);

#endif /* TL_TYPES_H */
