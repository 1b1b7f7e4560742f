/*
 * binance_sync.h - the Binance adapter's reconciliation with the venue
 * (docs/recovery.md): start-up reconciliation, the position monitor, the
 * REST resync after a user-stream reconnect, and the missed-fill fetch
 * behind every order query.
 *
 * Everything found is handed to the kernel as inputs (io/venue.h emit),
 * so the journal holds it and replay reproduces what the kernel decided:
 *
 *   GET /fapi/v1/openOrders   -> ADOPT per open order with our client-id
 *                                prefix (the kernel adopts the unknown
 *                                ones, learns the venue id of the others),
 *                                then FILL per trade of an adopted order
 *                                that already traded (GET userTrades)
 *   GET /fapi/v3/positionRisk -> POSITION_SNAPSHOT per position, then END
 *   GET /fapi/v3/balance      ->   carrying the wallet balance
 *   stream epoch changed      -> GET openOrders once (all symbols, weight
 *                                40): ADOPT and QUERY_RESULT per open
 *                                order of ours, then RESYNC bulk=1 (the
 *                                kernel queries only the live orders the
 *                                read did not confirm); the read failing
 *                                for good: RESYNC bulk=0 (query each);
 *                                then a position snapshot
 *   query answer with executedQty > 0
 *                             -> GET userTrades?orderId= first: FILL per
 *                                trade (deduplicated by trade id in the
 *                                kernel), then the QUERY_RESULT; so a
 *                                fill the stream missed is applied once
 *
 * When: start-up reconciliation runs once the clock is set and the user
 * stream is up (or 3 s later without it); its snapshot waits until the
 * adapter is idle (the RESTART queries answered). The monitor sends a
 * snapshot every reconcile.sync_interval_s; monitor and resync snapshots
 * need reconcile.confirm consecutive differing snapshots before the
 * kernel reports (a fill in flight on the stream is not a conflict).
 *
 * Threads: IO thread only. Every REST call is queued on the adapter
 * (one at a time, normal priority: rate-limit holds delay a sync, never
 * an order) and its answer comes back through tl_binance_sync_done, so nothing
 * here ever waits for the venue.
 */
#ifndef TL_BINANCE_SYNC_H
#define TL_BINANCE_SYNC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "runtime/config.h"
#include "io/venue.h"
#include "io/binance/map.h"
#include "kernel/symbols.h"

#define TL_BINANCE_SYNC_HELD 64          /* query answers waiting for their trades */
#define TL_BINANCE_SYNC_START_WAIT_NS (3LL * TL_NS_PER_S) /* for the stream at start */

typedef struct tl_binance_sync tl_binance_sync_t;

/* The reconciler's REST calls (GET, signed; only ALL_ORDERS has
 * parameters: a symbol and a start time). */
typedef enum tl_binance_sync_call {
	TL_BINANCE_SYNC_OPEN = 1,        /* /fapi/v1/openOrders, weight 40 */
	TL_BINANCE_SYNC_OPEN_ALGO,       /* /fapi/v1/openAlgoOrders, weight 40 */
	TL_BINANCE_SYNC_BALANCE,         /* /fapi/v3/balance, weight 5 */
	TL_BINANCE_SYNC_POSITIONS,       /* /fapi/v3/positionRisk, weight 5 */
	TL_BINANCE_SYNC_ALL_ORDERS,      /* /fapi/v1/allOrders?symbol=&startTime=,
					  * weight 5 (the crash-window scan) */
	TL_BINANCE_SYNC__CALLS
} tl_binance_sync_call_t;

const char *tl_binance_sync_call_path(int call);

/* The crash window (io/venue.h lost_ids): after the start-up's open
 * orders, read each symbol's orders since `last` (less a margin for the
 * clocks) and adopt every one of ours whose sequence is in [lo, hi) and
 * that traded: its trades become FILL inputs and its final status a
 * QUERY_RESULT. Call before the first poll. */
void tl_binance_sync_lost(tl_binance_sync_t *s, uint64_t lo, uint64_t hi, tl_time_t last);

/* How far before the last journaled input the scan starts, ms. */
#define TL_BINANCE_SYNC_LOST_MARGIN_MS 60000
int tl_binance_sync_call_weight(int call);

/* Counters (updated by the IO thread, readable from any: relaxed atomics). */
typedef struct tl_binance_sync_stats {
	uint64_t start_done;      /* 1 once start-up reconciliation ran */
	uint64_t lost_adopted;    /* crash-window orders adopted (traded, unjournaled) */
	uint64_t resyncs;         /* REST resyncs after a new stream epoch */
	uint64_t snapshots;       /* complete position snapshots sent */
	uint64_t adopts;          /* ADOPT inputs sent */
	uint64_t trade_fetches;   /* userTrades requests for queried orders */
	uint64_t fills;           /* FILL inputs from userTrades */
	uint64_t errors;          /* REST calls that failed (retried later) */
	uint64_t synced_epoch;    /* stream epoch the last resync covered */
	uint64_t bulk_resyncs;    /* RESYNC bulk=1 sent (one openOrders read) */
	uint64_t bulk_results;    /* QUERY_RESULT inputs from those reads */
	uint64_t bulk_fallbacks;  /* reads that failed for good: RESYNC bulk=0 */
} tl_binance_sync_stats_t;

/* Make the reconciler of venue `v` (the Binance adapter). NULL: no memory. */
tl_binance_sync_t *tl_binance_sync_new(const tl_config_t *cfg, const tl_symbols_t *syms,
			 tl_venue_t *v);
void tl_binance_sync_free(tl_binance_sync_t *s);

/* Run what is due (start-up, resync, monitor). IO thread, from poll. */
void tl_binance_sync_poll(tl_binance_sync_t *s, tl_time_t now);

/* The answer to `call` (http_status < 0: transport failure, `body` the
 * reason). IO thread; may run inside a pool callback. */
void tl_binance_sync_done(tl_binance_sync_t *s, int call, int http_status, const char *body,
		   size_t len, tl_time_t now);

/* Hold a QUERY_RESULT input while its order's trades are fetched.
 * Returns the slot, or -1 when full (then emit it as it is). */
int tl_binance_sync_hold(tl_binance_sync_t *s, const tl_input_t *q);

/* The userTrades answer for slot (http_status < 0: transport failure,
 * `body` then the reason): emits a FILL per trade and then the held
 * QUERY_RESULT, or a REQ_ERROR for the query (the kernel asks again). */
void tl_binance_sync_trades_done(tl_binance_sync_t *s, int slot, int http_status,
			  const char *body, size_t len, tl_time_t now);

/* Map a userTrades array to FILL inputs for client id `clid` through
 * emit, parsed in arena a (NULL: the heap; tl_binance_parse_any).
 * Returns the number of fills, or -1 for a body that is not a trade
 * array. */
int tl_binance_sync_trades_to_fills(const char *body, size_t len, const char *clid,
			     tl_time_t now, tl_venue_t *v, tl_binance_arena_t *a);

void tl_binance_sync_get_stats(const tl_binance_sync_t *s, tl_binance_sync_stats_t *out);

/* Test hook (tests/fuzz/fuzz_rest_*): make `call` the request in flight
 * for snapshot source `source` (TL_SNAP_*), as if it had been sent, so
 * tl_binance_sync_done decodes the answer given to it. */
void tl_binance_sync_test_expect(tl_binance_sync_t *s, int call, uint8_t source);

#endif /* TL_BINANCE_SYNC_H */
