/*
 * position.h - one position's arithmetic, exactly as the venue does it.
 *
 * Linear USD-M contracts, multiplier 1 (Binance USD-M API docs):
 *   entry on increase  e' = (|q0| * e0 + q * p) / (|q0| + q)   (nearest 1e-8)
 *   realized on reduce rp = closed * (p - e) * dir              (dir +1 long, -1 short)
 *   unrealized         u  = q * (mark - e)                      (q signed)
 *   ROE                    = u / (|q| * mark / leverage)
 * Leverage scales margin and ROE, never PnL. A one-way (BOTH) fill larger
 * than the position closes it, realizing PnL on the closed part, and opens
 * the remainder on the other side at the fill price. Hedge LONG/SHORT
 * positions never cross zero: the excess of a reducing fill is reported
 * back, not applied. Commission is accumulated separately; realized PnL is
 * before fees, as in the venue's `rp`.
 *
 * Round trips: from the fill that opens a position to the one that takes
 * it back to flat (or across zero), the position keeps its largest size,
 * the realized PnL and commission it started with, and the closing
 * fills' quantity and notional. The fill that ends it reports the round
 * trip (tl_pos_change_t.trip): average entry at the close, average price
 * of the reducing fills, largest size, realized PnL and commission over
 * the trip (the closing fill's whole commission included, also when it
 * flips: the new side starts with none).
 */
#ifndef TL_POSITION_H
#define TL_POSITION_H

#include <stdbool.h>
#include <stdint.h>

#include "kernel/types.h"

typedef struct tl_position {
	tl_fx_t qty;           /* signed: long > 0, short < 0 */
	tl_fx_t entry;         /* average entry price, 0 when flat */
	tl_fx_t realized;      /* cumulative realized PnL, before fees */
	tl_fx_t commission;    /* cumulative fees paid */
	tl_fx_t unrealized;    /* at the last mark */
	tl_fx_t mark;          /* last mark applied */
	tl_fx_t tp, sl;        /* protective prices in force, 0 none */
	tl_fx_t pend_buy;      /* unfilled qty of open BUY orders that can add */
	tl_fx_t pend_sell;     /* unfilled qty of open SELL orders that can add */
	tl_time_t opened;      /* when it last went from flat to open */
	tl_time_t updated;
	uint32_t leverage;     /* >= 1 */
	uint32_t fills;        /* fills applied */
	uint32_t closers;      /* emergency close orders in flight */
	uint32_t protectors;   /* take-profit/stop-loss orders still active */
	uint16_t sym;
	uint8_t pos_side;      /* tl_pos_side_t */
	uint8_t status;        /* tl_pos_status_t */
	tl_time_t t_reclose;   /* liquidation: earliest re-close */
	/* the round trip in progress (see above) */
	tl_fx_t trip_max;      /* largest |qty| since opened */
	tl_fx_t trip_realized0, trip_commission0; /* at the open */
	tl_fx_t trip_exit_qty; /* reduced so far */
	__int128 trip_exit_quote; /* sum(price * reduced qty), 1e-16 */
} tl_position_t;

/* A round trip that ended: flat -> open -> flat. */
typedef struct tl_pos_trip {
	tl_time_t opened;
	tl_fx_t qty;           /* largest size, signed: short < 0 */
	tl_fx_t entry;         /* average entry when it closed */
	tl_fx_t exit;          /* average price of the reducing fills */
	tl_fx_t realized;      /* over the trip, before fees */
	tl_fx_t commission;    /* over the trip */
} tl_pos_trip_t;

/* What one fill did to a position. */
typedef struct tl_pos_change {
	tl_fx_t realized;      /* PnL realized by this fill */
	tl_fx_t excess;        /* hedge only: qty that would cross zero, not applied */
	bool opened;           /* flat -> open (incl. the new side of a flip) */
	bool closed;           /* open -> flat */
	bool flipped;          /* one-way: crossed zero */
	bool overflow;         /* arithmetic overflow: nothing applied */
	bool trip_ended;       /* closed or flipped: `trip` is the one that ended */
	tl_pos_trip_t trip;
} tl_pos_change_t;

/* Start a round trip at `now` for a position that just opened (fills do
 * this themselves; for a position set from outside, reconciliation). */
void tl_pos_trip_begin(tl_position_t *p, tl_time_t now);

/* Apply a fill of `qty` (> 0) at `price` on `side`. Returns false (and
 * changes nothing) on overflow or bad arguments. */
bool tl_pos_apply_fill(tl_position_t *p, tl_side_t side, tl_fx_t qty,
		       tl_fx_t price, tl_fx_t commission, tl_time_t now,
		       tl_pos_change_t *chg);

/* Set the mark and recompute unrealized PnL. */
void tl_pos_mark(tl_position_t *p, tl_fx_t mark);

/* Unrealized PnL at `mark` (nearest 1e-8); 0 when flat or mark is 0. */
tl_fx_t tl_pos_unrealized(const tl_position_t *p, tl_fx_t mark);

/* ROE at `mark` as a fraction at 1e-8 (0.19607843 for 19.6 %): 0 when
 * flat, mark 0 or leverage 0. */
tl_fx_t tl_pos_roe(const tl_position_t *p, tl_fx_t mark);

/* Initial margin |q| * mark / leverage. */
tl_fx_t tl_pos_margin(const tl_position_t *p, tl_fx_t mark);

/* Signed quantity change a fill of (side, qty) makes. */
static inline tl_fx_t tl_pos_signed(tl_side_t side, tl_fx_t qty)
{
	return side == TL_BUY ? qty : -qty;
}

#endif /* TL_POSITION_H */
