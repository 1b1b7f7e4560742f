/*
 * record.h - the kernel's inputs and outputs as fixed-size records.
 *
 * One call of tl_kernel_apply takes one tl_input_t and emits zero or more
 * tl_output_t to a sink. Both are plain values (no pointers), so the
 * runtime moves them through Concurrency Kit rings by copy and the
 * journal stores them as blobs; replaying the stored inputs through a
 * fresh kernel reproduces every output. Layout is part of the journal
 * format: append fields at the end of a payload, bump TL_RECORD_VERSION
 * when a layout changes.
 *
 * Every record carries a type, a sequence number and the input time:
 *   inputs:  seq is assigned by whoever feeds the kernel (runtime/journal),
 *            time is when the input was observed (ns since epoch);
 *   outputs: seq is the kernel's own monotonically increasing counter,
 *            time and cause_seq are those of the input that produced it.
 */
#ifndef TL_RECORD_H
#define TL_RECORD_H

#include <assert.h>
#include <stdbool.h>
#include <stdint.h>

#include "kernel/retry.h"
#include "kernel/strat.h"
#include "kernel/symbols.h"
#include "kernel/types.h"

#define TL_RECORD_VERSION 2
#define TL_RECORD_SIZE 256
#define TL_TEXT_LEN 64      /* reasons and venue messages, truncated */

typedef struct tl_rec_hdr {
	uint16_t type;      /* tl_in_type_t or tl_out_type_t */
	uint16_t flags;     /* reserved, 0 */
	uint32_t _pad;
	uint64_t seq;
	tl_time_t time;
	uint64_t cause_seq; /* outputs: the input's seq; inputs: 0 */
} tl_rec_hdr_t;

/* ---- inputs ----------------------------------------------------------- */

typedef enum tl_in_type {
	TL_IN_SUBMIT = 1,   /* strategy: new order */
	TL_IN_SIGNAL,       /* strategy: LONG_ENTRY ... */
	TL_IN_CANCEL,       /* strategy: cancel one order */
	TL_IN_CANCEL_ALL,   /* strategy: cancel all (optionally one symbol) */
	TL_IN_CONTROL,      /* operator: liquidate, halt, pause, resume */
	TL_IN_ORDER_UPDATE, /* venue: ack (NEW), CANCELED, EXPIRED, REJECTED */
	TL_IN_FILL,         /* venue: one trade */
	TL_IN_REQ_ERROR,    /* venue/IO: a request failed (how, see outcome) */
	TL_IN_QUERY_RESULT, /* venue: answer to an order-status query */
	TL_IN_MARK,         /* venue: mark price */
	TL_IN_TICK,         /* timer: time passes (timeouts, retries, TTL) */
	TL_IN_RESTART,      /* runtime: the engine restarted from its journal */
	TL_IN_ADOPT,        /* venue: an open order with our prefix we do not know */
	TL_IN_POSITION_SNAPSHOT, /* venue: one position (or the end of a snapshot) */
	TL_IN_RESYNC,       /* venue: the user stream was down: query open orders */
	TL_IN_SYMBOL_STATUS,/* venue: a symbol's trading status changed */
	TL_IN__COUNT
} tl_in_type_t;

typedef struct tl_in_submit {
	char symbol[TL_SYMBOL_NAMELEN];
	uint8_t side;          /* tl_side_t */
	uint8_t type;          /* tl_ord_type_t */
	uint8_t tif;           /* tl_tif_t, 0 = GTC for LIMIT */
	uint8_t pos_side;      /* tl_pos_side_t */
	uint8_t reduce_only;
	uint8_t _pad[3];
	tl_fx_t qty;
	tl_fx_t price;         /* LIMIT, STOP, TAKE_PROFIT */
	tl_fx_t stop_price;    /* conditional types */
	tl_fx_t tp;            /* take-profit attached to an entry (0 none) */
	tl_fx_t sl;            /* stop-loss attached to an entry (0 none) */
	int64_t ttl_ns;        /* 0: config default, <0: none */
	uint64_t user_ref;     /* strategy's own id, echoed in events */
	char strategy[TL_STRAT_LEN]; /* strategy tag, "" none (kernel/strat.h) */
} tl_in_submit_t;

typedef struct tl_in_signal {
	char symbol[TL_SYMBOL_NAMELEN];
	uint8_t signal;        /* tl_signal_t */
	uint8_t _pad[7];
	tl_fx_t qty;
	tl_fx_t price;         /* 0: market order, else limit price */
	tl_fx_t tp;
	tl_fx_t sl;
	uint64_t user_ref;
	char strategy[TL_STRAT_LEN]; /* as in tl_in_submit_t */
} tl_in_signal_t;

typedef struct tl_in_cancel {
	char client_id[TL_CLID_LEN];
	char symbol[TL_SYMBOL_NAMELEN]; /* CANCEL_ALL: "" = every symbol */
	uint64_t user_ref;
} tl_in_cancel_t;

typedef enum tl_ctl_cmd {
	TL_CTL_LIQUIDATE = 1,
	TL_CTL_HALT,           /* -> REDUCING */
	TL_CTL_PAUSE,          /* -> PAUSED */
	TL_CTL_RESUME,         /* PAUSED or REDUCING -> NORMAL */
} tl_ctl_cmd_t;

typedef struct tl_in_control {
	uint8_t cmd;           /* tl_ctl_cmd_t */
	uint8_t _pad[7];
	char reason[TL_TEXT_LEN];
} tl_in_control_t;

typedef struct tl_in_order_update {
	char client_id[TL_CLID_LEN];
	uint8_t status;        /* NEW, CANCELED, EXPIRED, REJECTED */
	uint8_t _pad[2];
	int32_t code;          /* venue code for REJECTED */
	int64_t venue_id;
	char text[TL_TEXT_LEN];
	/* The order's symbol as the venue reported it. The kernel applies
	 * the update only when it is the order's (kernel invariant on
	 * foreign updates); "" (records older than the field) is not
	 * checked. Adapters always fill it. */
	char symbol[TL_SYMBOL_NAMELEN];
} tl_in_order_update_t;

typedef struct tl_in_fill {
	char client_id[TL_CLID_LEN];
	uint8_t maker;
	uint8_t _pad[2];
	int64_t venue_id;
	int64_t trade_id;      /* venue trade id, unique per symbol */
	tl_fx_t price;
	tl_fx_t qty;
	tl_fx_t commission;    /* in the margin asset, >= 0 */
	char symbol[TL_SYMBOL_NAMELEN]; /* as in tl_in_order_update_t */
} tl_in_fill_t;

typedef enum tl_req_kind {
	TL_REQ_NEW = 1,
	TL_REQ_CANCEL,
	TL_REQ_QUERY,
} tl_req_kind_t;

typedef struct tl_in_req_error {
	char client_id[TL_CLID_LEN];
	uint8_t req;           /* tl_req_kind_t */
	uint8_t _pad[2];
	tl_outcome_t outcome;
	int64_t retry_after_ns; /* Retry-After, 0 if none */
	char text[TL_TEXT_LEN]; /* venue message, never secrets */
} tl_in_req_error_t;

typedef struct tl_in_query_result {
	char client_id[TL_CLID_LEN];
	uint8_t found;         /* 0: venue says the order does not exist (-2013) */
	uint8_t status;        /* venue status when found */
	uint8_t _pad;
	int64_t venue_id;
	tl_fx_t executed_qty;
	tl_fx_t avg_price;
	char symbol[TL_SYMBOL_NAMELEN]; /* as in tl_in_order_update_t */
} tl_in_query_result_t;

/* First input of every session that continues a journal: everything the
 * runtime decided at start-up, as an input, so replay reproduces it. */
typedef struct tl_in_restart {
	uint64_t id_next;      /* continue client ids at or after this */
	uint64_t session;      /* 1 for the first restart, then 2, ... */
} tl_in_restart_t;

typedef struct tl_in_mark {
	char symbol[TL_SYMBOL_NAMELEN];
	tl_fx_t price;
} tl_in_mark_t;

/* An order open at the venue under this engine's client-id prefix that
 * the kernel does not know (its record was lost, async journal): it
 * enters the table with the venue's state. Fills it already had arrive
 * as FILL inputs after it (by trade id). Known orders only learn their
 * venue id from it. */
typedef struct tl_in_adopt {
	char client_id[TL_CLID_LEN];
	char symbol[TL_SYMBOL_NAMELEN];
	uint8_t side, type, tif, pos_side, reduce_only;
	uint8_t status;        /* venue status: NEW or PARTIALLY_FILLED */
	uint8_t _pad[5];
	int64_t venue_id;
	tl_fx_t qty;
	tl_fx_t price;
	tl_fx_t stop_price;
	tl_fx_t executed_qty;  /* as the venue reported it (informative) */
} tl_in_adopt_t;

/* Reconciliation policy carried by each snapshot (config reconcile.policy),
 * so replay never depends on the config of the day. */
typedef enum tl_recon_policy {
	TL_RECON_TRUST_VENUE = 1, /* adopt the venue's position, continue */
	TL_RECON_PAUSE,           /* go PAUSED, a person decides */
} tl_recon_policy_t;

typedef enum tl_snap_kind {
	TL_SNAP_POSITION = 1,     /* one venue position (qty may be 0) */
	TL_SNAP_END,              /* snapshot complete: local positions not
				   * reported in it are orphans */
} tl_snap_kind_t;

typedef enum tl_snap_source {
	TL_SNAP_START = 1,        /* start-up reconciliation */
	TL_SNAP_MONITOR,          /* periodic position monitor */
	TL_SNAP_RESYNC,           /* after a user-stream reconnect */
	TL_SNAP_SWEEP,            /* the kill switch's venue sweep: positions
				   * the venue holds in the sweep's scope */
} tl_snap_source_t;

/* One position of a venue snapshot (GET positionRisk). A snapshot is
 * every POSITION record with the same snap_id followed by one END. */
typedef struct tl_in_pos_snapshot {
	char symbol[TL_SYMBOL_NAMELEN]; /* "" for END */
	uint8_t kind;          /* tl_snap_kind_t */
	uint8_t pos_side;      /* tl_pos_side_t */
	uint8_t policy;        /* tl_recon_policy_t */
	uint8_t confirm;       /* consecutive differing snapshots before a
				* report (1 = at once; 0 counts as 1) */
	uint8_t source;        /* tl_snap_source_t */
	uint8_t _pad[3];
	uint32_t snap_id;      /* nonzero, new for each snapshot */
	tl_fx_t tolerance_pct; /* 1.0 = 1 %: size or entry differing more */
	tl_fx_t qty;           /* signed: short < 0 */
	tl_fx_t entry;
	tl_fx_t balance;       /* END: wallet balance (journal meta), 0 none */
	tl_time_t asked;       /* when the IO side asked the venue (engine
				* clock; 0 unknown): a position that changed
				* at or after it is not judged, the venue's
				* answer may predate that change */
} tl_in_pos_snapshot_t;

/* The user stream came back (new epoch): what it missed is learned by
 * querying every order the venue may hold. */
typedef struct tl_in_resync {
	uint64_t epoch;        /* tl_binance_stream_user_epoch after the reconnect */
	/* bulk = 1: the IO side read the venue's open orders in one request
	 * at `asked` (engine clock) and reported each of ours as a
	 * QUERY_RESULT just before this input; the kernel then queries only
	 * the live orders that read did not confirm. bulk = 0: query every
	 * order the venue may hold. */
	uint8_t bulk;
	uint8_t _pad[7];
	tl_time_t asked;
} tl_in_resync_t;

/* The venue says a symbol's trading status changed (a re-read of its
 * exchangeInfo): while it is not TRADING the kernel refuses new orders
 * on it except closing ones (reduce-only, hedge closes); cancels always
 * go. `venue_status` is the venue's word (BREAK, SETTLING ...), for the
 * journal and the event text. */
typedef struct tl_in_symbol_status {
	char symbol[TL_SYMBOL_NAMELEN];
	uint8_t status;        /* tl_symbol_status_t */
	uint8_t _pad[7];
	char venue_status[16];
} tl_in_symbol_status_t;

typedef struct tl_input {
	tl_rec_hdr_t hdr;
	union {
		tl_in_submit_t submit;
		tl_in_signal_t signal;
		tl_in_cancel_t cancel;
		tl_in_control_t control;
		tl_in_order_update_t update;
		tl_in_fill_t fill;
		tl_in_req_error_t error;
		tl_in_query_result_t query;
		tl_in_mark_t mark;
		tl_in_restart_t restart;
		tl_in_adopt_t adopt;
		tl_in_pos_snapshot_t snap;
		tl_in_resync_t resync;
		tl_in_symbol_status_t symstat;
		uint8_t raw[TL_RECORD_SIZE - sizeof(tl_rec_hdr_t)];
	} u;
} tl_input_t;

/* ---- outputs ---------------------------------------------------------- */

typedef enum tl_out_type {
	TL_OUT_REQ_NEW = 1,    /* send this order to the venue */
	TL_OUT_REQ_CANCEL,     /* cancel this order at the venue */
	TL_OUT_REQ_QUERY,      /* ask the venue for this order's status */
	TL_OUT_ID_RESERVE,     /* client ids [from, to) are now reserved */
	TL_OUT_EVENT,          /* for the strategy, monitors and the journal */
	TL_OUT__COUNT
} tl_out_type_t;

typedef struct tl_out_req {
	char client_id[TL_CLID_LEN];
	uint8_t side, type, tif, pos_side, reduce_only, close_position;
	uint8_t urgent;        /* emergency/cancel: jumps the IO queue */
	uint8_t algo;          /* conditional: goes to the algo endpoint */
	uint8_t attempt;       /* 1 for the first send */
	char symbol[TL_SYMBOL_NAMELEN];
	uint8_t more;          /* engine -> IO only, never set by the kernel nor
				* journaled: another emergency close of the
				* same kernel input follows (batch them) */
	uint8_t _pad2[5];
	tl_fx_t qty;
	tl_fx_t price;
	tl_fx_t stop_price;
	int64_t venue_id;      /* cancel/query: known venue id or 0 */
	uint64_t handle;       /* kernel order handle (slot + generation) */
} tl_out_req_t;

typedef struct tl_out_reserve {
	uint64_t from;         /* first sequence reserved */
	uint64_t to;           /* one past the last */
} tl_out_reserve_t;

typedef enum tl_event_type {
	TL_EV_ORDER_SUBMITTED = 1,
	TL_EV_ORDER_ACCEPTED,
	TL_EV_ORDER_PARTIALLY_FILLED,
	TL_EV_ORDER_FILLED,
	TL_EV_ORDER_CANCELED,
	TL_EV_ORDER_REJECTED,     /* refused by the kernel or the venue */
	TL_EV_ORDER_EXPIRED,
	TL_EV_ORDER_FAILED,
	TL_EV_POSITION_OPENED,
	TL_EV_POSITION_UPDATED,
	TL_EV_POSITION_CLOSED,
	TL_EV_POSITION_LIQUIDATED,
	TL_EV_EMERGENCY_STARTED,
	TL_EV_EMERGENCY_COMPLETED,
	TL_EV_TRADING_STATE_CHANGED,
	TL_EV_ORDER_UNKNOWN,      /* outcome unknown, being queried */
	TL_EV_ORDER_CANCEL_REQUESTED,
	TL_EV_ORDER_CANCEL_REJECTED,  /* venue refused a cancel; order queried */
	TL_EV_POSITION_CONFLICT,  /* venue and talon differ beyond tolerance */
	TL_EV_POSITION_ORPHAN,    /* a position on one side only */
	TL_EV_FOREIGN_UPDATE,     /* a venue input names one of our client ids
				   * with another symbol or venue id: not
				   * applied (another engine's order?) */
	TL_EV_STRATEGY_ADDED,     /* a new strategy tag took a row: u.strat,
				   * the tag in text */
	TL_EV_POSITION_ROUND_TRIP,/* a position went back to flat (or across
				   * zero): u.trip, the whole round trip */
	TL_EV__COUNT
} tl_event_type_t;

typedef struct tl_ev_order {
	char client_id[TL_CLID_LEN];
	uint8_t side, type, status, pos_side;
	uint8_t reduce_only;
	uint8_t role;          /* tl_ord_role_t: plain, entry, tp, sl, emergency */
	uint8_t strategy;      /* strategy tag row, 0 none; its name came in
				* the STRATEGY_ADDED event of that row */
	uint16_t reject;       /* tl_reject_t when refused locally */
	int32_t venue_code;    /* venue error code when rejected/failed */
	tl_fx_t qty, price, filled, avg_price;
	tl_fx_t last_qty, last_price;
	int64_t venue_id;
	uint64_t user_ref;
} tl_ev_order_t;

typedef struct tl_ev_position {
	uint8_t pos_side, status;
	uint8_t _pad[6];
	tl_fx_t qty;           /* signed: short is negative */
	tl_fx_t entry;
	tl_fx_t mark;
	tl_fx_t realized;      /* cumulative, before commission */
	tl_fx_t unrealized;
	tl_fx_t commission;    /* cumulative */
	tl_fx_t roe;           /* fraction at 1e-8: 0.19607843 = 19.6 % */
	uint32_t leverage;
	uint32_t _pad2;
} tl_ev_position_t;

typedef struct tl_ev_state {
	uint8_t from, to;      /* tl_trading_state_t */
	uint8_t _pad[6];
	uint32_t total;        /* emergency: close orders sent */
	uint32_t ok;           /* emergency: close orders filled */
	uint32_t failed;       /* emergency: close orders failed */
	uint32_t canceled;     /* emergency: orders canceled */
} tl_ev_state_t;

/* POSITION_CONFLICT / POSITION_ORPHAN: both sides' view. */
typedef struct tl_ev_recon {
	uint8_t pos_side;
	uint8_t source;        /* tl_snap_source_t */
	uint8_t policy;        /* tl_recon_policy_t applied */
	uint8_t adopted;       /* 1: the venue's position was adopted */
	uint8_t _pad[4];
	tl_fx_t local_qty, local_entry;
	tl_fx_t venue_qty, venue_entry;
} tl_ev_recon_t;

/* STRATEGY_ADDED: the row a tag took; order events name it by row. */
typedef struct tl_ev_strat {
	uint8_t id;            /* row, 1..TL_STRAT_MAX */
	uint8_t _pad[7];
} tl_ev_strat_t;

/* POSITION_ROUND_TRIP: one position from open to flat. scope 0 is the
 * venue's (netted) position; scope 1 a strategy tag's virtual position
 * (strategy = its row, docs/kernel.md "Strategy attribution"). */
typedef struct tl_ev_trip {
	uint8_t pos_side;      /* tl_pos_side_t */
	uint8_t scope;         /* 0 position, 1 strategy */
	uint8_t strategy;      /* row, 0 none */
	uint8_t reason;        /* tl_exit_reason_t */
	uint8_t _pad[4];
	tl_time_t opened;      /* closed: the event's time */
	tl_fx_t qty;           /* largest size, signed: short < 0 */
	tl_fx_t entry;         /* average entry */
	tl_fx_t exit;          /* average price of the reducing fills, 0 none */
	tl_fx_t realized;      /* over the round trip, before fees */
	tl_fx_t commission;    /* over the round trip */
} tl_ev_trip_t;

typedef struct tl_event {
	uint16_t type;         /* tl_event_type_t */
	uint8_t priority;      /* 5..10, see tl_event_priority */
	uint8_t _pad[5];
	char symbol[TL_SYMBOL_NAMELEN];
	union {
		tl_ev_order_t order;
		tl_ev_position_t pos;
		tl_ev_state_t state;
		tl_ev_recon_t recon;
		tl_ev_strat_t strat;
		tl_ev_trip_t trip;
	} u;
	char text[TL_TEXT_LEN]; /* reason or venue message */
} tl_event_t;

typedef struct tl_output {
	tl_rec_hdr_t hdr;
	union {
		tl_out_req_t req;
		tl_out_reserve_t reserve;
		tl_event_t ev;
		uint8_t raw[TL_RECORD_SIZE - sizeof(tl_rec_hdr_t)];
	} u;
} tl_output_t;

static_assert(sizeof(tl_input_t) == TL_RECORD_SIZE, "input record size");
static_assert(sizeof(tl_output_t) == TL_RECORD_SIZE, "output record size");

/* Whether an event of type t is about one order (u.order valid): every
 * ORDER_* type, including the later ORDER_UNKNOWN, ORDER_CANCEL_REQUESTED
 * and ORDER_CANCEL_REJECTED (so no range test on the numbers), or about
 * one position (u.pos valid). The one definition for the kernel's
 * consumers: persist, the runtime's public events, tools. */
bool tl_event_type_is_order(unsigned t);
bool tl_event_type_is_position(unsigned t);

/* Priority of an event type: order events 5-8, errors 8-9, emergency 10. */
int tl_event_priority(tl_event_type_t t);
const char *tl_event_name(tl_event_type_t t);
const char *tl_in_type_name(tl_in_type_t t);
const char *tl_out_type_name(tl_out_type_t t);

#endif /* TL_RECORD_H */
