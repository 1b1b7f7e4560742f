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
 *   stream epoch changed      -> RESYNC (the kernel queries every order
 *                                the venue may hold), openOrders, then a
 *                                position snapshot
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
 * an order) and its answer comes back through tl_bsync_done, so nothing
 * here ever waits for the venue.
 */
#ifndef TL_BINANCE_SYNC_H
#define TL_BINANCE_SYNC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "io/config.h"
#include "io/venue.h"
#include "kernel/symbols.h"

#define TL_BSYNC_HELD 64          /* query answers waiting for their trades */
#define TL_BSYNC_START_WAIT_NS (3LL * TL_NS_PER_S) /* for the stream at start */

typedef struct tl_bsync tl_bsync_t;

/* The reconciler's REST calls (GET, signed, no parameters). */
typedef enum tl_bsync_call {
	TL_BSYNC_OPEN = 1,        /* /fapi/v1/openOrders, weight 40 */
	TL_BSYNC_OPEN_ALGO,       /* /fapi/v1/openAlgoOrders, weight 40 */
	TL_BSYNC_BALANCE,         /* /fapi/v3/balance, weight 5 */
	TL_BSYNC_POSITIONS,       /* /fapi/v3/positionRisk, weight 5 */
	TL_BSYNC__CALLS
} tl_bsync_call_t;

const char *tl_bsync_call_path(int call);
int tl_bsync_call_weight(int call);

/* Counters (updated by the IO thread, readable from any: relaxed atomics). */
typedef struct tl_bsync_stats {
	uint64_t start_done;      /* 1 once start-up reconciliation ran */
	uint64_t resyncs;         /* REST resyncs after a new stream epoch */
	uint64_t snapshots;       /* complete position snapshots sent */
	uint64_t adopts;          /* ADOPT inputs sent */
	uint64_t trade_fetches;   /* userTrades requests for queried orders */
	uint64_t fills;           /* FILL inputs from userTrades */
	uint64_t errors;          /* REST calls that failed (retried later) */
	uint64_t synced_epoch;    /* stream epoch the last resync covered */
} tl_bsync_stats_t;

/* Make the reconciler of venue `v` (the Binance adapter). NULL: no memory. */
tl_bsync_t *tl_bsync_new(const tl_config_t *cfg, const tl_symbols_t *syms,
			 tl_venue_t *v);
void tl_bsync_free(tl_bsync_t *s);

/* Run what is due (start-up, resync, monitor). IO thread, from poll. */
void tl_bsync_poll(tl_bsync_t *s, tl_time_t now);

/* The answer to `call` (http_status < 0: transport failure, `body` the
 * reason). IO thread; may run inside a pool callback. */
void tl_bsync_done(tl_bsync_t *s, int call, int http_status, const char *body,
		   size_t len, tl_time_t now);

/* Hold a QUERY_RESULT input while its order's trades are fetched.
 * Returns the slot, or -1 when full (then emit it as it is). */
int tl_bsync_hold(tl_bsync_t *s, const tl_input_t *q);

/* The userTrades answer for slot (http_status < 0: transport failure,
 * `body` then the reason): emits a FILL per trade and then the held
 * QUERY_RESULT, or a REQ_ERROR for the query (the kernel asks again). */
void tl_bsync_trades_done(tl_bsync_t *s, int slot, int http_status,
			  const char *body, size_t len, tl_time_t now);

/* Map a userTrades array to FILL inputs for client id `clid` through
 * emit. Returns the number of fills, or -1 for a body that is not a
 * trade array. */
int tl_bsync_trades_to_fills(const char *body, size_t len, const char *clid,
			     tl_time_t now, tl_venue_t *v);

void tl_bsync_stats(const tl_bsync_t *s, tl_bsync_stats_t *out);

/* Test hook (tests/fuzz/fuzz_rest_*): make `call` the request in flight
 * for snapshot source `source` (TL_SNAP_*), as if it had been sent, so
 * tl_bsync_done decodes the answer given to it. */
void tl_bsync_test_expect(tl_bsync_t *s, int call, uint8_t source);

#endif /* TL_BINANCE_SYNC_H */
