/*
 * talon.h - the C API a strategy links against (libtalon.a, pkg-config
 * name "talon"). This header stands alone: it includes only the C library
 * and none of talon's internal headers, so a strategy never compiles
 * against the journal's wire format, and the kernel's records can change
 * (with TL_RECORD_VERSION) without breaking a strategy's source.
 *
 *   #include <talon.h>
 *
 *   tl_engine_opts_t opts = { .name = "mystrat", .journal_path = "var/mystrat.db" };
 *   tl_engine_t *e = tl_engine_open("config/paper.json", &opts, err, sizeof err);
 *   tl_order_spec_t o = { .symbol = "BTCUSDT", .side = TL_SIDE_BUY,
 *                         .type = TL_ORDER_MARKET, .qty = "0.010" };
 *   tl_engine_submit(e, &o, 1);                  // user_ref 1
 *   tl_engine_event_t ev[64];
 *   int n = tl_engine_poll(e, ev, 64);           // fills, order and position events
 *   tl_engine_close(e);
 *
 *   cc strategy.c $(pkg-config --cflags --libs --static talon)
 *
 * Threads: tl_engine_open starts the engine's own threads. Submit,
 * signal, cancel, control and poll are for ONE strategy thread (the
 * command ring is single-producer, the event ring single-consumer);
 * operators use `talon ctl`, which goes through shared memory. Or the
 * strategy runs on the engine's thread as callbacks (tl_strategy_t), and
 * the application may even lend the engine its own thread
 * (tl_engine_invoke): see the end of this header.
 *
 * Commands are asynchronous: a 0 return means the command is queued; the
 * outcome arrives as events carrying your user_ref (ORDER_SUBMITTED with
 * the client order id, or ORDER_REJECTED with the reason). -EAGAIN means
 * the command ring is full (back-pressure: poll events, try again);
 * -EINVAL a malformed command (message via tl_engine_error).
 *
 * Names: the public vocabulary (TL_SIDE_BUY, TL_EVENT_ORDER_FILLED,
 * tl_engine_event_t, ...) is deliberately spelled apart from the
 * kernel's (TL_BUY, TL_EV_ORDER_FILLED, tl_event_t): the runtime sees
 * both and converts between them. The numbers are the same and stay the
 * same (checked at compile time in runtime/engine_api.c); new values are
 * only ever appended.
 *
 * Money, quantities and prices are exact decimals: tl_money_t, an int64
 * counting units of 1e-8 (1.5 is 150000000). Commands take decimal
 * strings ("0.010"); tl_money_parse and tl_money_format convert.
 */
#ifndef TALON_H
#define TALON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- version -----------------------------------------------------------
 * MAJOR changes when a program written for the previous one may no longer
 * compile or behave the same; MINOR when something is added. Kept equal to
 * the VERSION file (tests/install checks). */
#define TALON_VERSION_MAJOR 0
#define TALON_VERSION_MINOR 1
#define TALON_VERSION_PATCH 0
#define TALON_VERSION_STRING "0.1.0"
/* One number for #if: 10000 * MAJOR + 100 * MINOR + PATCH. */
#define TALON_VERSION_NUMBER \
	(TALON_VERSION_MAJOR * 10000 + TALON_VERSION_MINOR * 100 + TALON_VERSION_PATCH)

/* The version of the library linked in ("0.1.0"), which may differ from
 * the header's TALON_VERSION_STRING when a program is linked against
 * another build. Never NULL; a static string. */
const char *tl_version(void);

/* ---- fixed-point decimals -------------------------------------------- */

typedef int64_t tl_money_t;            /* value * 1e8, exact */
#define TL_MONEY_SCALE 100000000LL     /* 1.0 */
#define TL_MONEY_DECIMALS 8
/* Room tl_money_format needs: sign, 11 digits, '.', 8 decimals, NUL. */
#define TL_MONEY_STRLEN 32

/* Parse a NUL-terminated decimal ("-12.5", "0.001", ".5"): at most 8
 * decimals, no exponent, no '+', no spaces. Returns 0 and sets *out, or
 * -EINVAL (then *out is untouched and tl_engine_error() says why: too
 * many decimals, out of range, not a number). s and out must not be NULL. */
int tl_money_parse(const char *s, tl_money_t *out);

/* Write v into buf with exactly `decimals` decimals (0..8, truncated
 * toward zero), or the shortest exact form when decimals is -1 ("0.001",
 * "50000.1", "-2"). Returns the length written (without the NUL); the
 * text is cut to fit when size < TL_MONEY_STRLEN. */
int tl_money_format(tl_money_t v, int decimals, char *buf, size_t size);

/* ---- vocabulary --------------------------------------------------------
 * Fixed numbers (0 is never a valid side, type, TIF, signal or status, so
 * a zeroed spec is detectably incomplete). */

typedef enum tl_order_side {
	TL_SIDE_BUY = 1,
	TL_SIDE_SELL = 2,
} tl_order_side_t;

typedef enum tl_order_type {
	TL_ORDER_LIMIT = 1,
	TL_ORDER_MARKET,
	TL_ORDER_STOP,                 /* limit order triggered at stop_price */
	TL_ORDER_STOP_MARKET,          /* stop-loss */
	TL_ORDER_TAKE_PROFIT,          /* limit order triggered at stop_price */
	TL_ORDER_TAKE_PROFIT_MARKET,   /* take-profit */
} tl_order_type_t;

typedef enum tl_time_in_force {
	TL_TIF_DEFAULT = 0,            /* GTC for LIMIT orders */
	TL_GTC = 1,
	TL_IOC,
	TL_FOK,
	TL_GTX,                        /* post-only */
} tl_time_in_force_t;

typedef enum tl_position_side {
	TL_POSITION_BOTH = 0,          /* one-way mode */
	TL_POSITION_LONG = 1,          /* hedge mode */
	TL_POSITION_SHORT = 2,
} tl_position_side_t;

typedef enum tl_position_status {
	TL_POSITION_FLAT = 0,          /* never opened */
	TL_POSITION_OPEN,
	TL_POSITION_CLOSED,
	TL_POSITION_LIQUIDATED,        /* closed by the kill switch */
} tl_position_status_t;

/* Where an order is in its life. FILLED, CANCELED, REJECTED, EXPIRED and
 * FAILED are final (tl_event_is_final). UNKNOWN: the venue's answer was
 * lost, the engine is asking it. */
typedef enum tl_order_status {
	TL_STATUS_PENDING_NEW = 1,
	TL_STATUS_SENT,
	TL_STATUS_NEW,
	TL_STATUS_PARTIALLY_FILLED,
	TL_STATUS_FILLED,
	TL_STATUS_PENDING_CANCEL,
	TL_STATUS_CANCELED,
	TL_STATUS_REJECTED,
	TL_STATUS_EXPIRED,
	TL_STATUS_FAILED,
	TL_STATUS_UNKNOWN,
} tl_order_status_t;

/* Why an order exists. */
typedef enum tl_order_role {
	TL_ROLE_STRATEGY = 0,          /* tl_engine_submit */
	TL_ROLE_SIGNAL_ENTRY,          /* the entry of a signal (carries tp/sl) */
	TL_ROLE_TAKE_PROFIT,           /* protective order of an entry */
	TL_ROLE_STOP_LOSS,
	TL_ROLE_LIQUIDATION,           /* sent by the kill switch */
} tl_order_role_t;

typedef enum tl_signal_type {
	TL_SIGNAL_LONG_ENTRY = 1,
	TL_SIGNAL_SHORT_ENTRY,
	TL_SIGNAL_CLOSE_LONG,
	TL_SIGNAL_CLOSE_SHORT,
} tl_signal_type_t;

typedef enum tl_control {
	TL_CONTROL_LIQUIDATE = 1,      /* cancel all, close all, then PAUSED */
	TL_CONTROL_HALT,               /* -> REDUCING */
	TL_CONTROL_PAUSE,              /* -> PAUSED */
	TL_CONTROL_RESUME,             /* PAUSED or REDUCING -> NORMAL */
} tl_control_t;

typedef enum tl_engine_state {
	TL_STATE_NORMAL = 0,
	TL_STATE_REDUCING,             /* only orders that reduce a position */
	TL_STATE_LIQUIDATING,          /* the kill switch is closing everything */
	TL_STATE_PAUSED,               /* no new orders until RESUME */
} tl_engine_state_t;

typedef enum tl_event_kind {
	TL_EVENT_ORDER_SUBMITTED = 1,  /* accepted by the engine, client id known */
	TL_EVENT_ORDER_ACCEPTED,       /* acknowledged by the venue */
	TL_EVENT_ORDER_PARTIALLY_FILLED,
	TL_EVENT_ORDER_FILLED,
	TL_EVENT_ORDER_CANCELED,
	TL_EVENT_ORDER_REJECTED,       /* by the engine (reject != 0) or the venue */
	TL_EVENT_ORDER_EXPIRED,
	TL_EVENT_ORDER_FAILED,
	TL_EVENT_POSITION_OPENED,
	TL_EVENT_POSITION_UPDATED,
	TL_EVENT_POSITION_CLOSED,
	TL_EVENT_POSITION_LIQUIDATED,
	TL_EVENT_EMERGENCY_STARTED,
	TL_EVENT_EMERGENCY_COMPLETED,
	TL_EVENT_STATE_CHANGED,        /* trading state: state.from -> state.to */
	TL_EVENT_ORDER_UNKNOWN,        /* outcome unknown, being queried */
	TL_EVENT_ORDER_CANCEL_REQUESTED,
	TL_EVENT_ORDER_CANCEL_REJECTED,  /* the venue refused a cancel */
	TL_EVENT_POSITION_CONFLICT,    /* venue and engine differ beyond tolerance */
	TL_EVENT_POSITION_ORPHAN,      /* a position on one side only */
	TL_EVENT_FOREIGN_UPDATE,       /* a venue update for one of our ids that
					* does not match the order: ignored */
	TL_EVENT_STRATEGY_ADDED,       /* a new strategy tag got its id:
					* u.strategy.id, the tag in text */
	TL_EVENT_POSITION_ROUND_TRIP,  /* a position went back to flat:
					* u.round_trip, the exit reason in text */
} tl_event_kind_t;

/* Upper-case names ("ORDER_FILLED", "FILLED", "PAUSED"); "?" for a value
 * outside the enum. Static strings. */
const char *tl_event_kind_name(tl_event_kind_t k);
const char *tl_order_status_name(tl_order_status_t s);
const char *tl_engine_state_name(tl_engine_state_t s);

/* ---- events ------------------------------------------------------------ */

#define TL_SYMBOL_MAX 23               /* longest symbol name */
#define TL_CLIENT_ID_MAX 36            /* client order ids, [.A-Za-z0-9:/_-] */
#define TL_EVENT_TEXT_MAX 63           /* reasons and venue messages, cut */
/* Strategy tags: 1..15 printable ASCII characters, no spaces, quotes or
 * backslashes; at most TL_STRATEGY_TAGS distinct tags per engine (a new
 * one beyond that is refused, STRATEGY_LIMIT). */
#define TL_STRATEGY_MAX 15
#define TL_STRATEGY_TAGS 32

/* One thing that happened, as the strategy sees it. `type` says which
 * member of the union is valid: order (tl_event_is_order), position
 * (tl_event_is_position), recon (POSITION_CONFLICT, POSITION_ORPHAN) or
 * state (STATE_CHANGED, EMERGENCY_*). Plain data, copied out of the
 * engine: keep it as long as you like. */
typedef struct tl_engine_event {
	tl_event_kind_t type;
	int priority;                  /* 5..10, 10 most urgent (the kill switch) */
	int64_t time;                  /* ns since the epoch: when the engine
					* saw the input that caused it */
	uint64_t seq;                  /* the engine's output sequence number:
					* increasing, unique in a journal */
	uint64_t user_ref;             /* order events: your reference */
	char symbol[TL_SYMBOL_MAX + 1];
	char text[TL_EVENT_TEXT_MAX + 1]; /* reason or venue message, "" none */
	union {
		struct {
			char client_id[TL_CLIENT_ID_MAX + 1]; /* "" when refused
							       * before one was given */
			tl_order_side_t side;
			tl_order_type_t type;
			tl_order_status_t status;
			tl_position_side_t pos_side;
			tl_order_role_t role;
			bool reduce_only;
			int reject;            /* engine refusal reason, 0 none
						* (tl_event_reject_name) */
			int venue_code;        /* venue error code when rejected/failed */
			int64_t venue_id;      /* 0 until the venue acknowledged */
			tl_money_t qty, price, filled, avg_price;
			tl_money_t last_qty, last_price; /* the fill this event reports */
			int strategy_id;       /* the order's strategy tag (see
						* STRATEGY_ADDED), 0 none */
		} order;
		struct {
			tl_position_side_t side;
			tl_position_status_t status;
			tl_money_t qty;        /* signed: short is negative */
			tl_money_t entry, mark;
			tl_money_t realized;   /* cumulative, before commission */
			tl_money_t unrealized;
			tl_money_t commission; /* cumulative */
			tl_money_t roe;        /* fraction: 0.19607843 = 19.6 % */
			uint32_t leverage;
		} position;
		struct {
			tl_engine_state_t from, to;
			uint32_t total;        /* emergency: close orders sent */
			uint32_t ok;           /* emergency: close orders filled */
			uint32_t failed;       /* emergency: close orders failed */
			uint32_t canceled;     /* emergency: orders canceled */
		} state;
		struct {
			tl_position_side_t side;
			bool adopted;          /* the venue's position was taken over */
			tl_money_t local_qty, local_entry;
			tl_money_t venue_qty, venue_entry;
		} recon;
		struct {
			int id;                /* 1..TL_STRATEGY_TAGS */
		} strategy;
		struct {
			tl_position_side_t side;
			bool strategy_scope;   /* a strategy's own position (not
						* the venue's): strategy_id's */
			int strategy_id;
			int64_t opened;        /* ns; closed is the event's time */
			tl_money_t qty;        /* largest size, short < 0 */
			tl_money_t entry, exit; /* average prices (exit 0: none) */
			tl_money_t realized;   /* over the round trip, before fees */
			tl_money_t commission;
		} round_trip;
	} u;
} tl_engine_event_t;

/* Classify an event (ev must not be NULL). is_order: every ORDER_* kind,
 * including UNKNOWN, CANCEL_REQUESTED and CANCEL_REJECTED (u.order and
 * user_ref are valid). is_position: POSITION_OPENED/UPDATED/CLOSED/
 * LIQUIDATED (u.position valid). is_fill: PARTIALLY_FILLED or FILLED
 * (u.order.last_qty/last_price are the trade). is_final: an order event
 * whose order reached a final status (no more events for it but late
 * fills). */
bool tl_event_is_order(const tl_engine_event_t *ev);
bool tl_event_is_position(const tl_engine_event_t *ev);
bool tl_event_is_fill(const tl_engine_event_t *ev);
bool tl_event_is_final(const tl_engine_event_t *ev);

/* Short name of an order event's refusal reason ("QTY_STEP", "NO_MARK",
 * "BACKPRESSURE": retry later); "" when it carries none. */
const char *tl_event_reject_name(const tl_engine_event_t *ev);

/* ---- the engine ----------------------------------------------------- */

typedef struct tl_engine tl_engine_t;  /* opaque */
typedef struct tl_strategy tl_strategy_t;  /* callbacks, below */

/* What to change from the config file (NULL fields, or NULL opts: use the
 * file as is). Two engines on one machine need different names (the name
 * keys the shared memory `talon ctl` reaches), different journals and
 * client-id prefixes neither of which starts the other (the engine
 * refuses to start otherwise). */
typedef struct tl_engine_opts {
	const char *name;              /* engine.name, [A-Za-z0-9_-]{1,31} */
	const char *journal_path;      /* journal.path; "" runs without a journal */
	const char *client_id_prefix;  /* kernel.client_id_prefix, [A-Za-z0-9_-]{1,16} */
	const tl_strategy_t *strategy; /* callbacks on the engine's thread
					* (copied); NULL: poll from your thread */
	bool invoker;                  /* the caller runs the duty cycle
					* (tl_engine_invoke); see below */
} tl_engine_opts_t;

/* Open the engine from a JSON config (see config/paper.json) and start its
 * threads. NULL on error with a message in err (errlen bytes, may be 0). */
tl_engine_t *tl_engine_open(const char *config_path, const tl_engine_opts_t *opts,
			    char *err, size_t errlen);

/* An order as a strategy writes it: decimals as strings, exact. */
typedef struct tl_order_spec {
	const char *symbol;
	tl_order_side_t side;
	tl_order_type_t type;
	tl_time_in_force_t tif;        /* 0: GTC */
	tl_position_side_t pos_side;   /* BOTH in one-way mode */
	bool reduce_only;
	const char *qty;
	const char *price;             /* LIMIT, STOP, TAKE_PROFIT */
	const char *stop_price;        /* conditional types */
	const char *tp, *sl;           /* take-profit / stop-loss to attach */
	const char *strategy;          /* strategy tag, NULL or "" none: its
					* orders' PnL is kept per tag */
} tl_order_spec_t;

/* Queue one order; its events carry user_ref. 0, -EAGAIN (ring full) or
 * -EINVAL (a field does not parse; tl_engine_error says which). Checks
 * against the venue's rules and the risk limits come back as
 * ORDER_REJECTED. */
int tl_engine_submit(tl_engine_t *e, const tl_order_spec_t *o, uint64_t user_ref);

/* A trading signal: the engine turns it into orders (an entry with its
 * take-profit and stop-loss, or a reduce-only close). Named fields, so tp
 * and sl cannot trade places. */
typedef struct tl_signal_spec {
	tl_signal_type_t signal;
	const char *symbol;
	const char *qty;
	const char *price;             /* NULL or "": market, else limit price */
	const char *tp;                /* take-profit trigger, NULL none */
	const char *sl;                /* stop-loss trigger, NULL none */
	uint64_t user_ref;             /* carried by the events of its orders */
	const char *strategy;          /* strategy tag, as in tl_order_spec_t;
					* the take-profit and stop-loss inherit it */
} tl_signal_spec_t;

/* Queue a signal. 0, -EAGAIN or -EINVAL, as tl_engine_submit. */
int tl_engine_signal(tl_engine_t *e, const tl_signal_spec_t *s);

/* Cancel one order by client id (from its ORDER_SUBMITTED event), or
 * every open order of a symbol (symbol NULL or "": of every symbol).
 * 0, -EAGAIN or -EINVAL. */
int tl_engine_cancel(tl_engine_t *e, const char *client_id, uint64_t user_ref);
int tl_engine_cancel_all(tl_engine_t *e, const char *symbol);

/* Change the trading state (reason: for the journal, NULL allowed, cut
 * at 63 bytes). 0 or -EAGAIN. */
int tl_engine_control(tl_engine_t *e, tl_control_t cmd, const char *reason);

/* Copy up to max pending events into out, oldest first; returns how many
 * (0: none). Never blocks. Poll often: while the event ring is nearly
 * full the engine refuses new orders (reject BACKPRESSURE). */
int tl_engine_poll(tl_engine_t *e, tl_engine_event_t *out, int max);

/* Message of the last -EINVAL on this thread ("" none). */
const char *tl_engine_error(void);

/* Read-only view for monitors on the strategy thread, copied from the
 * engine's last published snapshot (a few ms old). */
typedef struct tl_engine_status {
	tl_engine_state_t state;
	uint32_t open_orders;
	uint64_t fills, submitted, refused, backpressure;
	tl_money_t total_pnl;
	tl_money_t daily_pnl;   /* since the trading day began (risk.day_reset_hour) */
} tl_engine_status_t;

/* 0, or -EAGAIN before the first snapshot. */
int tl_engine_status(tl_engine_t *e, tl_engine_status_t *st);

/* ---- look-ups: orders and positions -------------------------------------
 * What the engine holds, for the strategy's thread: like submit and poll,
 * with callbacks (tl_strategy_t) they are for the callbacks only (another
 * thread gets -EPERM). From callbacks and the invoker they read the
 * engine itself, current up to the event being handled; a polling
 * strategy reads the last published snapshot (engine.snapshot_hz, a few
 * ms old: its events may be newer), -EAGAIN before the first. The
 * snapshot holds up to 256 open orders (the oldest) and the 32 most
 * recently finished; the engine's own view holds every open order and
 * the finished ones it still tracks. */

#define TL_ORDER_HISTORY_MAX 8

typedef struct tl_order_info {
	char client_id[TL_CLIENT_ID_MAX + 1];
	char symbol[TL_SYMBOL_MAX + 1];
	tl_order_side_t side;
	tl_order_type_t type;
	tl_time_in_force_t tif;
	tl_position_side_t pos_side;
	tl_order_role_t role;
	bool reduce_only;
	tl_order_status_t status;
	tl_money_t qty, price, stop_price;
	tl_money_t filled, avg_price;
	int64_t venue_id;              /* 0 until the venue acknowledged */
	uint64_t user_ref;
	int64_t created, updated;      /* ns since the epoch */
	/* Its status changes, oldest first: the last n_history of
	 * status_changes (more: the earliest were not kept). */
	int n_history, status_changes;
	struct {
		tl_order_status_t status;
		int64_t time;          /* ns since the epoch */
	} history[TL_ORDER_HISTORY_MAX];
} tl_order_info_t;

typedef struct tl_position_info {
	char symbol[TL_SYMBOL_MAX + 1];
	tl_position_side_t side;       /* BOTH in one-way mode */
	tl_position_status_t status;
	tl_money_t qty;                /* signed: short is negative */
	tl_money_t entry, mark, realized, unrealized, commission, roe;
	uint32_t leverage;
} tl_position_info_t;

/* One order by client id, open or finished. 0; -ENOENT when the engine
 * does not hold it (never seen, or finished and no longer tracked);
 * -EINVAL for a malformed id; -EAGAIN; -EPERM. */
int tl_engine_order(tl_engine_t *e, const char *client_id, tl_order_info_t *out);

/* The open orders (not final) of symbol (NULL or "": every symbol),
 * oldest first. Writes at most max into out and returns how many are
 * open (more than max: the rest were not written); -EAGAIN; -EPERM;
 * -EINVAL for max < 0 or a symbol too long. */
int tl_engine_open_orders(tl_engine_t *e, const char *symbol, tl_order_info_t *out, int max);

/* The positions of symbol (NULL or "": every symbol) opened since the
 * engine started or recovered (CLOSED ones too: qty 0, their realized
 * PnL kept); returns as tl_engine_open_orders. */
int tl_engine_positions(tl_engine_t *e, const char *symbol, tl_position_info_t *out, int max);

/* Stop the threads (draining what is in flight), publish a final
 * snapshot, release everything. NULL is a no-op. */
void tl_engine_close(tl_engine_t *e);

/* ---- waiting, callbacks and the invoker --------------------------------- */

/* Block the (polling) strategy thread until an event is waiting or
 * timeout_ns passes (<= 0: return at once). 1 when events wait, 0 on
 * timeout. It parks (no timer wake-ups while nothing happens): the
 * engine wakes it with one system call when it publishes an event. */
int tl_engine_wait(tl_engine_t *e, int64_t timeout_ns);

/*
 * A strategy that runs on the engine's own thread (opts.strategy): no
 * ring crossing between an event and the strategy's reaction. Every
 * callback runs on that thread (the ENGINE thread, or the caller of
 * tl_engine_invoke), one at a time; from inside them the strategy may
 * call submit, signal, cancel, cancel_all and control (queued commands,
 * applied within the same duty cycle). With callbacks, those calls and
 * tl_engine_poll/tl_engine_wait from any other thread return -EPERM:
 * one thread owns the strategy side. Any callback may be NULL. A
 * callback must not block: the engine's duty cycle waits for it.
 */
struct tl_strategy {
	void *ctx;                      /* passed back to every callback */
	/* Once, before the first event. */
	void (*on_start)(tl_engine_t *e, void *ctx);
	/* Each event, oldest first (ev is valid during the call). */
	void (*on_event)(tl_engine_t *e, const tl_engine_event_t *ev, void *ctx);
	/* Every timer_ns of wall-clock time (0: never), at the first duty
	 * cycle at or after it is due; now_ns: ns since the epoch. */
	void (*on_timer)(tl_engine_t *e, int64_t now_ns, void *ctx);
	int64_t timer_ns;
	/* After a duty cycle that found nothing to do, before the thread
	 * idles (engine.idle spin: very often; park: before each park). */
	void (*on_idle)(tl_engine_t *e, void *ctx);
	/* Once, when the engine stops (tl_engine_close), after its drain. */
	void (*on_stop)(tl_engine_t *e, void *ctx);
};

/*
 * Invoker mode (opts.invoker, after Aeron's AgentInvoker): the engine
 * starts no thread of its own for its ENGINE duties (in
 * engine.threading "shared": for its ENGINE and IO duties); the caller
 * runs them, one duty cycle per tl_engine_invoke, on its own thread
 * (which then owns the strategy side). Returns the work done (0: idle),
 * or -ESHUTDOWN once the engine stopped trading (another engine took
 * its control block), -EINVAL without opts.invoker. The first call runs
 * on_start. Between calls that return 0 the caller idles as it likes, or
 * calls tl_engine_idle (engine.idle: spin, park, ...). A caller that
 * stops calling stops the engine: kill switch, timers and snapshots
 * included.
 */
int tl_engine_invoke(tl_engine_t *e);
void tl_engine_idle(tl_engine_t *e, int work);

#ifdef __cplusplus
}
#endif

#endif /* TALON_H */
