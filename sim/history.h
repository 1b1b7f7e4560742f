/*
 * history.h - the venue's own price history: one-minute candles per
 * symbol, for klines, the 24 h ticker and the funding history.
 *
 * The price path is the mark (the synthetic market has no other price);
 * the accounts' own fills add volume, quote volume, trade counts and
 * taker-buy volume. Candles sit in a ring of TL_SIM_HIST_MINUTES minutes
 * per symbol, kept dense: a record after a quiet spell fills the minutes
 * in between with flat candles at the last close, and minutes after the
 * last record read as flat at that close. History starts at the venue's
 * (re)start; nothing older than the ring exists. Deterministic: it holds
 * only what the seeded market and the requests produced, at the times
 * they happened. Single-threaded like the venue.
 */
#ifndef TL_SIM_HISTORY_H
#define TL_SIM_HISTORY_H

#include <stdbool.h>
#include <stdint.h>

#include "kernel/fixed.h"

#define TL_SIM_HIST_MINUTES 1440  /* 24 h: what ticker/24hr needs */
#define TL_SIM_MINUTE_MS 60000LL

typedef struct tl_sim_candle {
	int64_t open_time;          /* ms, minute aligned; 0 = empty slot */
	tl_fx_t o, h, l, c;
	tl_fx_t vol, qvol;          /* base and quote volume of fills */
	tl_fx_t tb_vol, tb_qvol;    /* of those, taker BUY */
	tl_fx_t last_qty;           /* quantity of the last fill */
	int64_t first_id, last_id;  /* trade ids, 0 when none */
	int64_t count;              /* fills */
} tl_sim_candle_t;

typedef struct tl_sim_hist_sym {
	int64_t start;              /* ms the history begins */
	int64_t last;               /* ms of the latest record */
	tl_fx_t close;              /* price at `last` */
} tl_sim_hist_sym_t;

typedef struct tl_sim_hist {
	int nsym;
	tl_sim_candle_t *ring;      /* nsym * TL_SIM_HIST_MINUTES */
	tl_sim_hist_sym_t *sym;     /* nsym */
} tl_sim_hist_t;

/* Allocate for nsym symbols. 0 or -1 (out of memory). */
int tl_sim_hist_init(tl_sim_hist_t *h, int nsym);
void tl_sim_hist_free(tl_sim_hist_t *h);
/* Forget symbol s's history; it starts at `now` at `price`. */
void tl_sim_hist_reset(tl_sim_hist_t *h, int s, tl_fx_t price, int64_t now);
/* The price moved to `price` at time t. */
void tl_sim_hist_price(tl_sim_hist_t *h, int s, tl_fx_t price, int64_t t);
/* An account's fill at time t (buy: the taker bought). */
void tl_sim_hist_trade(tl_sim_hist_t *h, int s, tl_fx_t price, tl_fx_t qty,
		       bool buy, int64_t id, int64_t t);
/* Fold the minutes of [from, to] (ms, inclusive) that exist as of `now`
 * into *out (open_time = first minute folded). False when none do. */
bool tl_sim_hist_fold(const tl_sim_hist_t *h, int s, int64_t from,
		      int64_t to, int64_t now, tl_sim_candle_t *out);
/* Earliest time (ms) history holds for s as of now. */
int64_t tl_sim_hist_first(const tl_sim_hist_t *h, int s, int64_t now);
/* Price at time t (the close of t's minute; t within the history). */
tl_fx_t tl_sim_hist_price_at(const tl_sim_hist_t *h, int s, int64_t t,
			     int64_t now);

#endif /* TL_SIM_HISTORY_H */
