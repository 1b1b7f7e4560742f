/*
 * orders.h - the fixed-capacity order table.
 *
 * Storage is one preallocated array of `cap` slots (a power of two). A
 * handle is (generation << 32 | slot): a handle to an evicted order stops
 * resolving instead of pointing at its successor. Lookups by client order
 * id and by venue order id are O(1) through two open-addressing indexes
 * (linear probing, backward-shift deletion, so no tombstones build up).
 *
 * Every slot is on exactly one list:
 *   free      slots never used or released;
 *   active    orders in a non-terminal state (never evicted);
 *   terminal  finished orders, oldest first: kept for history, and the
 *             head is evicted only when a new order needs a slot.
 * A table whose every slot is active refuses new orders (the caller turns
 * that into TL_REJ_TABLE_FULL). Nothing here allocates after init.
 *
 * Owned by the kernel's thread; not thread-safe.
 */
#ifndef TL_ORDERS_H
#define TL_ORDERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel/types.h"

#define TL_ORD_HIST 8          /* status changes kept per order */
#define TL_ORD_NIL UINT32_MAX  /* end of an intrusive list */

/* What an order is for; decides retries and follow-ups. */
typedef enum tl_ord_role {
	TL_ROLE_PLAIN = 0,     /* strategy order */
	TL_ROLE_ENTRY,         /* signal entry carrying take-profit/stop-loss */
	TL_ROLE_TP,            /* protective take-profit of an entry */
	TL_ROLE_SL,            /* protective stop-loss of an entry */
	TL_ROLE_EMERGENCY,     /* liquidation close order */
} tl_ord_role_t;

/* Order flags (tl_order_t.flags). */
enum {
	/* Someone asked to cancel it (strategy, ctl, cancel-all, TTL, the
	 * kill switch, a protective sibling): it is never sent or resent
	 * again, whatever the venue answers (sticky; docs/kernel.md K1). */
	TL_OF_CANCEL = 1u << 0,
	/* It was active when the engine restarted: never resent (K2). */
	TL_OF_RESTARTED = 1u << 1,
	/* Its last new-order request had an ambiguous outcome: it may still
	 * reach the venue until send_window has passed since t_sent. */
	TL_OF_NEW_AMBIGUOUS = 1u << 2,
	/* Ended here without the venue's word (canceled before it reached
	 * the venue, or not resent): a late ack means it is at the venue
	 * after all and gets a cancel (K1). */
	TL_OF_LOCAL_END = 1u << 3,
	/* A status query is out for it (resync): another resync skips it. */
	TL_OF_QUERYING = 1u << 4,
	/* A take-profit/stop-loss canceled to be resized: once its end is
	 * confirmed, a replacement of the new size goes out (kernel/protect.c). */
	TL_OF_REPROTECT = 1u << 5,
	/* Made by a SIGNAL input: a position it closes ends for SIGNAL. */
	TL_OF_SIGNAL = 1u << 6,
};

typedef struct tl_ord_hist {
	uint8_t status;        /* tl_ord_status_t entered */
	tl_time_t time;
} tl_ord_hist_t;

typedef enum tl_ord_list {
	TL_LIST_FREE = 0,
	TL_LIST_ACTIVE,
	TL_LIST_TERMINAL,
} tl_ord_list_t;

typedef struct tl_order {
	char client_id[TL_CLID_LEN];
	uint8_t side;          /* tl_side_t */
	uint8_t type;          /* tl_ord_type_t */
	uint8_t tif;           /* tl_tif_t */
	uint8_t pos_side;      /* tl_pos_side_t */
	uint8_t reduce_only;
	uint8_t role;          /* tl_ord_role_t */
	uint8_t status;        /* tl_ord_status_t */
	uint8_t prev_status;   /* status before PENDING_CANCEL, to revert */
	uint8_t attempts;      /* new-order sends so far */
	uint8_t cancel_attempts;
	uint8_t cancel_retry;  /* a cancel waits for t_next to be resent */
	uint8_t list;          /* tl_ord_list_t */
	uint8_t exposure;      /* unfilled qty counted in its position's pend_* */
	uint8_t hist_n;        /* status changes recorded (saturating) */
	uint8_t flags;         /* TL_OF_* */
	uint8_t strat;         /* strategy tag row (kernel/strat.h), 0 none */
	uint16_t sym;          /* symbol id */
	uint32_t gen;          /* generation of this slot */
	uint64_t seq;          /* client id sequence (0 if adopted) */
	tl_fx_t qty;
	tl_fx_t price;
	tl_fx_t stop_price;
	tl_fx_t tp, sl;        /* protective prices to place once filled */
	tl_fx_t filled;
	tl_fx_t commission;
	tl_fx_t venue_executed; /* executed qty the venue reported by query */
	__int128 cum_quote;    /* sum(price * qty) at 1e-16: exact average */
	int64_t venue_id;      /* 0 until acked */
	int64_t child_vid;     /* algo orders: the id of the order the venue
				* placed when it triggered (same client id) */
	uint64_t user_ref;
	uint64_t parent;       /* TP/SL: handle of the entry */
	uint64_t sibling;      /* TP/SL: handle of the other protective order */
	uint64_t prot[2];      /* entry: its current take-profit and stop-loss
				* (0 none yet; a handle that ended without a
				* replacement means that leg is over) */
	int32_t venue_code;    /* last venue error code */
	uint16_t reject;       /* tl_reject_t of a local failure */
	tl_time_t t_created;
	tl_time_t t_sent;      /* last new-order request out */
	tl_time_t t_acked;
	tl_time_t t_updated;
	tl_time_t t_next;      /* next retry / query / cancel resend */
	tl_time_t t_expire;    /* time-to-live deadline, 0 none */
	tl_time_t t_seen;      /* the venue last confirmed it (update, fill,
				* query result): a bulk resync skips it when
				* this is newer than the bulk read */
	uint32_t prev, next;   /* intrusive list links */
	tl_ord_hist_t hist[TL_ORD_HIST];
} tl_order_t;

typedef struct tl_orders {
	tl_order_t *slot;      /* [cap] */
	uint32_t cap;          /* power of two */
	/* Index cells: (hash32 << 32) | (slot + 1), 0 = empty. Keeping the
	 * hash in the cell means a probe touches an order only on a likely
	 * match, and deletion never rehashes a key. */
	uint64_t *by_clid;     /* [idx_cap] */
	uint64_t *by_vid;      /* [idx_cap] */
	uint32_t idx_cap;      /* 2 * cap */
	uint32_t free_head;
	uint32_t active_head, active_tail;
	uint32_t term_head, term_tail;    /* oldest terminal at head */
	uint32_t n_active, n_terminal;
	uint64_t evicted;      /* terminal orders evicted so far */
} tl_orders_t;

/* Allocate a table of `cap` slots (power of two, 2..2^24). Returns 0, or
 * -1 with a message in errbuf. */
int tl_orders_init(tl_orders_t *t, uint32_t cap, char *errbuf, size_t errlen);
void tl_orders_free(tl_orders_t *t);

/* Take a slot for a new order (evicting the oldest terminal order when no
 * slot is free) and index it by `client_id`. The order starts zeroed with
 * status PENDING_NEW on the active list. Returns NULL when every slot is
 * active or client_id is already indexed. */
tl_order_t *tl_orders_alloc(tl_orders_t *t, const char *client_id);

/* Move an order that just became terminal to the terminal list. */
void tl_orders_retire(tl_orders_t *t, tl_order_t *o);

/* Index the order by venue id (once, when first known). */
void tl_orders_set_venue_id(tl_orders_t *t, tl_order_t *o, int64_t venue_id);

tl_order_t *tl_orders_by_clid(const tl_orders_t *t, const char *client_id);
tl_order_t *tl_orders_by_vid(const tl_orders_t *t, int64_t venue_id);

/* Handle of an order, and the order of a handle (NULL when stale). */
uint64_t tl_orders_handle(const tl_orders_t *t, const tl_order_t *o);
tl_order_t *tl_orders_get(const tl_orders_t *t, uint64_t handle);

static inline uint32_t tl_orders_slot(const tl_orders_t *t, const tl_order_t *o)
{
	return (uint32_t)(o - t->slot);
}

/* Iterate the active list: for (o = first; o; o = next(o)). Safe against
 * retiring the current order only if `next` was read first. */
static inline tl_order_t *tl_orders_active_first(const tl_orders_t *t)
{
	return t->active_head == TL_ORD_NIL ? NULL : &t->slot[t->active_head];
}
static inline tl_order_t *tl_orders_next(const tl_orders_t *t, const tl_order_t *o)
{
	return o->next == TL_ORD_NIL ? NULL : &t->slot[o->next];
}

/* Full consistency check (lists, counts, both indexes). O(cap); for
 * assert() and tests. */
bool tl_orders_check(const tl_orders_t *t);

#endif /* TL_ORDERS_H */
