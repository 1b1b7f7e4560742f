/*
 * venue.h - the simulated exchange's state: market, accounts, orders,
 * trades and algo (conditional) orders, and the operations on them.
 *
 * Single-threaded: the server loop owns a tl_sim_venue_t and is the only
 * caller. Time is an input (`now` in ms, already including any fault
 * clock offset); nothing here reads a clock or does I/O. All tables are
 * allocated at init and never grow: orders, trades and algo orders live
 * in rings indexed by (id - first id) % capacity, and a full ring refuses
 * new entries while the slot it would reuse still holds an open order.
 *
 * Model (docs/venue.md has the details):
 *   - per symbol a mark price on a seeded random walk (or set by /sim/),
 *     a synthetic book of depth_levels levels around it;
 *   - MARKET and marketable LIMIT orders take those levels (taker);
 *     resting LIMIT orders fill at their price when the book crosses them
 *     on a later tick (maker);
 *   - positions, entry, realized/unrealized PnL and commissions as
 *     Binance USD-M API docs says.
 *
 * Every state change is reported through the event sink (user data
 * stream), in the order Binance pushes it.
 */
#ifndef TL_SIM_VENUE_H
#define TL_SIM_VENUE_H

#include <stdbool.h>
#include <stdint.h>

#include "kernel/fixed.h"
#include "sim/config.h"
#include "sim/errors.h"
#include "sim/changelog.h"
#include "sim/history.h"

enum tl_sim_side { TL_SIM_BUY = 0, TL_SIM_SELL = 1 };
enum tl_sim_ps { TL_SIM_PS_BOTH = 0, TL_SIM_PS_LONG = 1, TL_SIM_PS_SHORT = 2 };
enum tl_sim_type {
	TL_SIM_LIMIT = 0, TL_SIM_MARKET, TL_SIM_STOP, TL_SIM_STOP_MARKET,
	TL_SIM_TAKE_PROFIT, TL_SIM_TAKE_PROFIT_MARKET, TL_SIM_TRAILING
};
enum tl_sim_tif { TL_SIM_GTC = 0, TL_SIM_IOC, TL_SIM_FOK, TL_SIM_GTX };
enum tl_sim_status {
	TL_SIM_NEW = 0, TL_SIM_PARTIALLY_FILLED, TL_SIM_FILLED,
	TL_SIM_CANCELED, TL_SIM_EXPIRED
};
enum tl_sim_algo_status {
	TL_SIM_ALGO_NEW = 0, TL_SIM_ALGO_CANCELED, TL_SIM_ALGO_TRIGGERED,
	TL_SIM_ALGO_FINISHED, TL_SIM_ALGO_REJECTED, TL_SIM_ALGO_EXPIRED
};

#define TL_SIM_CID_LEN 40  /* client ids are 1..36 chars */
#define TL_SIM_NONE (-1)

/* An order as the venue stores it. Open orders of a symbol are on an
 * intrusive doubly linked list (slot indexes) in arrival order. */
typedef struct tl_sim_order {
	int64_t id;          /* orderId; 0 = empty slot */
	int32_t acct, sym;   /* indexes into the venue tables */
	uint8_t side, ps, type, orig_type, tif, status;
	bool reduce_only, close_position, working_mark, price_protect;
	uint8_t expire_reason; /* `er` code of ORDER_TRADE_UPDATE */
	uint16_t amendments;   /* PUT order amendments so far */
	char cid[TL_SIM_CID_LEN];
	tl_fx_t qty, price, stop_price;
	tl_fx_t executed;    /* filled quantity */
	tl_fx_t cum_quote;   /* sum of fill price * qty */
	int64_t time, update_time;
	int32_t prev, next;  /* open list links, TL_SIM_NONE at the ends */
} tl_sim_order_t;

/* One fill of one order (one side only: the other side is synthetic). */
typedef struct tl_sim_trade {
	int64_t id;          /* trade id; 0 = empty slot */
	int64_t order_id;
	int32_t acct, sym;
	uint8_t side, ps;
	bool maker;
	tl_fx_t price, qty, quote, commission, realized;
	int64_t time;
} tl_sim_trade_t;

/* A conditional order of the Algo Service. */
typedef struct tl_sim_algo {
	int64_t id;          /* algoId; 0 = empty slot */
	int32_t acct, sym;
	uint8_t side, ps, type, tif, status;
	bool reduce_only, close_position, working_mark, price_protect;
	char cid[TL_SIM_CID_LEN];
	tl_fx_t qty, price, trigger;
	int64_t create_time, update_time, trigger_time;
	int64_t actual_order_id; /* order created on trigger, 0 before */
} tl_sim_algo_t;

typedef struct tl_sim_position {
	tl_fx_t amt;         /* signed: short < 0 */
	tl_fx_t entry;       /* average entry price, 0 when flat */
	tl_fx_t realized;    /* accumulated realized PnL before fees (cr) */
	tl_fx_t iso_extra;   /* margin added to an isolated position
			      * (POST positionMargin), 0 when flat */
	int64_t update_time;
} tl_sim_position_t;

/* Per account, per symbol settings and positions. */
typedef struct tl_sim_acct_sym {
	int leverage;
	bool isolated;
	int64_t countdown_ms;       /* countdownCancelAll period, 0 = off */
	int64_t countdown_deadline; /* when open orders get cancelled */
	tl_sim_position_t pos[3];   /* indexed by enum tl_sim_ps */
} tl_sim_acct_sym_t;

typedef struct tl_sim_account {
	const tl_sim_account_cfg_t *cfg; /* key, secret */
	tl_fx_t wallet;                  /* USDT wallet balance */
	bool dual;                       /* hedge mode */
	bool multi_assets;               /* Multi-Assets mode (USDT only) */
	bool fee_burn;                   /* BNB fee discount switch (no BNB) */
	int64_t update_time;
	char listen_key[72];             /* "" = none */
	int64_t listen_key_expiry;
	int64_t orders_10s_win, orders_1m_win; /* order-rate windows */
	int orders_10s, orders_1m;
	tl_sim_acct_sym_t sym[TL_SIM_MAX_SYMBOLS];
} tl_sim_account_t;

/* Per symbol market state. */
typedef struct tl_sim_market {
	tl_fx_t mark;        /* mark price (on the tick grid) */
	tl_fx_t last;        /* last trade price (CONTRACT_PRICE triggers) */
	tl_fx_t bid, ask;    /* best levels of the synthetic book */
	int64_t next_move;   /* next random-walk step time */
	bool frozen;         /* random walk paused (set by /sim/) */
	char status[16];     /* exchangeInfo status, "" = TRADING (/sim/status) */
	int32_t open_head, open_tail; /* open order list */
	int nopen;           /* orders on the open list */
	int nalgo;           /* algo orders in status NEW */
} tl_sim_market_t;

/* What happened, for the user data stream. */
enum tl_sim_ev_type {
	TL_SIM_EV_ORDER = 1,   /* ORDER_TRADE_UPDATE (+TRADE_LITE when trade) */
	TL_SIM_EV_ACCOUNT,     /* ACCOUNT_UPDATE for one position */
	TL_SIM_EV_ALGO,        /* ALGO_UPDATE */
	TL_SIM_EV_CONFIG,      /* ACCOUNT_CONFIG_UPDATE (leverage) */
};

enum tl_sim_exec { /* `x` of ORDER_TRADE_UPDATE */
	TL_SIM_X_NEW = 0, TL_SIM_X_TRADE, TL_SIM_X_CANCELED, TL_SIM_X_EXPIRED,
	TL_SIM_X_AMENDMENT            /* order modified (PUT /fapi/v1/order) */
};

typedef struct tl_sim_event {
	int type;                     /* enum tl_sim_ev_type */
	int acct, sym, ps;
	int exec;                     /* enum tl_sim_exec (orders) */
	const tl_sim_order_t *order;  /* ORDER */
	const tl_sim_trade_t *trade;  /* ORDER with x=TRADE, else NULL */
	const tl_sim_algo_t *algo;    /* ALGO */
	const char *reason;           /* ACCOUNT: "ORDER", ... */
	int64_t time;
} tl_sim_event_t;

typedef void (*tl_sim_sink_fn)(void *ctx, const tl_sim_event_t *ev);

typedef struct tl_sim_venue {
	const tl_sim_config_t *cfg;
	uint64_t rng;            /* xorshift64* state, seeded by cfg->seed */
	int64_t next_order_id, first_order_id;
	int64_t next_trade_id, first_trade_id;
	int64_t next_algo_id, first_algo_id;
	int order_cap, trade_cap, algo_cap;
	tl_sim_order_t *orders;
	tl_sim_trade_t *trades;
	tl_sim_algo_t *algos;
	tl_sim_market_t mkt[TL_SIM_MAX_SYMBOLS];
	tl_sim_account_t acct[TL_SIM_MAX_ACCOUNTS];
	tl_sim_hist_t hist;      /* price history (klines, 24 h ticker) */
	tl_sim_changelog_t log;  /* amendments, isolated margin moves */
	tl_sim_sink_fn sink;     /* may be NULL */
	void *sink_ctx;
} tl_sim_venue_t;

/* A new-order request, parsed and checked for syntax (not for filters). */
typedef struct tl_sim_order_req {
	int sym;
	uint8_t side, ps, type, tif;
	bool has_ps, has_tif, reduce_only, has_reduce_only, close_position;
	bool working_mark, price_protect, resp_result;
	tl_fx_t qty, price, trigger;
	bool has_qty, has_price, has_trigger;
	char cid[TL_SIM_CID_LEN]; /* "" = generate */
} tl_sim_order_req_t;

/* --- venue.c: life cycle, time, events ------------------------------ */

/* Allocate tables and reset to the configured start state. cfg must
 * outlive v. Returns 0 or -1 (out of memory). */
int tl_sim_venue_init(tl_sim_venue_t *v, const tl_sim_config_t *cfg,
		      int64_t now);
void tl_sim_venue_free(tl_sim_venue_t *v);
/* Back to the start state (balances, no orders, start prices, seed). */
void tl_sim_venue_reset(tl_sim_venue_t *v, int64_t now);
/* Advance the market to `now`: random-walk steps that are due, then
 * resting fills, algo triggers, countdown cancels and listenKey expiry. */
void tl_sim_venue_tick(tl_sim_venue_t *v, int64_t now);
/* Set a symbol's mark (and book) and match against it at once. */
void tl_sim_venue_set_mark(tl_sim_venue_t *v, int sym, tl_fx_t mark,
			   int64_t now);
int tl_sim_venue_symbol(const tl_sim_venue_t *v, const char *name);
int tl_sim_venue_account(const tl_sim_venue_t *v, const char *api_key);
void tl_sim_venue_emit(tl_sim_venue_t *v, const tl_sim_event_t *ev);
/* Uniform 64-bit random number from the seeded generator. */
uint64_t tl_sim_venue_rand(tl_sim_venue_t *v);

/* --- market.c: mark random walk and the synthetic book ------------ */

/* Recompute bid/ask from the mark. */
void tl_sim_market_quote(tl_sim_venue_t *v, int sym);
/* One random-walk step of the mark. */
void tl_sim_market_step(tl_sim_venue_t *v, int sym);
/* Price and quantity of level `i` (0 = best) on the side a taker of
 * `side` hits (BUY takes asks). qty is INT64_MAX for a bottomless last
 * level. MARKET orders add the configured slippage. */
void tl_sim_market_level(const tl_sim_venue_t *v, int sym, int side, int i,
			 bool market, tl_fx_t *price, tl_fx_t *qty);

/* --- account.c: positions, PnL, margin --------------------------- */

/* Apply one fill to the account: commission, realized PnL, position
 * (entry average / reduce / flip) and wallet. Fills t->commission and
 * t->realized. */
void tl_sim_account_fill(tl_sim_venue_t *v, tl_sim_trade_t *t);
/* Unrealized PnL of a position at the symbol's mark. */
tl_fx_t tl_sim_account_upnl(const tl_sim_venue_t *v, int acct, int sym,
			    int ps);
/* Position initial margin: |amt| * mark / leverage. */
tl_fx_t tl_sim_account_pos_im(const tl_sim_venue_t *v, int acct, int sym,
			      int ps);
/* Initial margin held by open orders (not reduce-only). */
tl_fx_t tl_sim_account_order_im(const tl_sim_venue_t *v, int acct, int sym);
/* Maintenance margin of a position. */
tl_fx_t tl_sim_account_maint(const tl_sim_venue_t *v, int acct, int sym,
			     int ps);
/* Totals over all symbols. */
typedef struct tl_sim_totals {
	tl_fx_t wallet, upnl, margin_balance, pos_im, order_im, maint,
		available;
	tl_fx_t iso_extra;       /* margin added to isolated positions */
} tl_sim_totals_t;
void tl_sim_account_totals(const tl_sim_venue_t *v, int acct,
			   tl_sim_totals_t *t);
/* Break-even price of a position (entry adjusted by the taker rate). */
tl_fx_t tl_sim_account_bep(const tl_sim_venue_t *v, int acct, int sym,
			   int ps);

/* --- order_req.c: request parsing and filters --------------------- */
struct tl_sim_params;
/* Parse New Order parameters. `algo` selects the algoOrder rules
 * (conditional types, triggerPrice, clientAlgoId). Returns 0 or code. */
int tl_sim_order_req_parse(const tl_sim_venue_t *v, int acct,
			   const struct tl_sim_params *p, bool algo,
			   tl_sim_order_req_t *r, tl_sim_err_t *e);
/* PRICE_FILTER, LOT_SIZE/MARKET_LOT_SIZE, PERCENT_PRICE, MIN_NOTIONAL. */
int tl_sim_filters_check(const tl_sim_venue_t *v, const tl_sim_order_req_t *r,
			 tl_sim_err_t *e);
/* Client order id rule ^[\.A-Z\:/a-z0-9_-]{1,36}$. */
bool tl_sim_cid_valid(const char *s);

/* --- book.c: orders and matching ------------------------------------ */

/* Place a LIMIT/MARKET order. On success *out is the stored order in
 * its state after matching. Returns 0 or a Binance code (e filled). */
int tl_sim_book_place(tl_sim_venue_t *v, int acct, const tl_sim_order_req_t *r,
		      int64_t now, tl_sim_order_t **out, tl_sim_err_t *e);
/* Find an order of acct/sym by id (id > 0) or client id; NULL if none. */
tl_sim_order_t *tl_sim_book_find(tl_sim_venue_t *v, int acct, int sym,
				 int64_t id, const char *cid);
/* Cancel an open order (-2011 when not open). */
int tl_sim_book_cancel(tl_sim_venue_t *v, tl_sim_order_t *o, int64_t now,
		       tl_sim_err_t *e);
/* Modify an open LIMIT order to `price` / `qty` (Binance's Modify
 * Order rules: -2013 not open, -5025 not LIMIT, -5027 unchanged, -5026
 * after 10000 amendments, the
 * symbol's filters, -2019 margin for a larger order; a new quantity at
 * or below the executed one, or a GTX order the new price would make
 * take, cancels it). On success the order is amended (AMENDMENT event)
 * and matched again at its new price; either way the amendment is
 * recorded in v->log. */
int tl_sim_book_modify(tl_sim_venue_t *v, tl_sim_order_t *o, tl_fx_t price,
		       tl_fx_t qty, int64_t now, tl_sim_err_t *e);
/* Cancel every open order of acct on sym; returns how many. */
int tl_sim_book_cancel_all(tl_sim_venue_t *v, int acct, int sym, int64_t now);
/* Fill resting orders the current book crosses. */
void tl_sim_book_match_resting(tl_sim_venue_t *v, int sym, int64_t now);
/* Number of open orders of acct on sym (sym < 0: all symbols). */
int tl_sim_book_open_count(const tl_sim_venue_t *v, int acct, int sym);
/* Iterate open orders of a symbol: first slot / next slot, -1 at end. */
static inline int32_t tl_sim_book_first(const tl_sim_venue_t *v, int sym)
{
	return v->mkt[sym].open_head;
}
static inline int32_t tl_sim_book_next(const tl_sim_venue_t *v, int32_t slot)
{
	return v->orders[slot].next;
}
/* Order in a slot of the ring (valid when ->id != 0). */
static inline tl_sim_order_t *tl_sim_book_slot(tl_sim_venue_t *v, int i)
{
	return &v->orders[i];
}

/* --- algo.c: conditional orders ------------------------------------- */

int tl_sim_algo_place(tl_sim_venue_t *v, int acct, const tl_sim_order_req_t *r,
		      int64_t now, tl_sim_algo_t **out, tl_sim_err_t *e);
tl_sim_algo_t *tl_sim_algo_find(tl_sim_venue_t *v, int acct, int64_t id,
				const char *cid);
int tl_sim_algo_cancel(tl_sim_venue_t *v, tl_sim_algo_t *a, int64_t now,
		       tl_sim_err_t *e);
int tl_sim_algo_cancel_all(tl_sim_venue_t *v, int acct, int sym, int64_t now);
int tl_sim_algo_open_count(const tl_sim_venue_t *v, int acct, int sym);
/* Trigger algo orders of sym whose condition holds. */
void tl_sim_algo_check(tl_sim_venue_t *v, int sym, int64_t now);

/* Wire names. */
const char *tl_sim_side_name(int side);
const char *tl_sim_ps_name(int ps);
const char *tl_sim_type_name(int type);
const char *tl_sim_tif_name(int tif);
const char *tl_sim_status_name(int st);
const char *tl_sim_algo_status_name(int st);

#endif /* TL_SIM_VENUE_H */
