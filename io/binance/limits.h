/*
 * binance_limits.h - the Binance adapter's local view of the venue's rate
 * limiters (Binance USD-M API docs): request weight per minute (per IP),
 * orders per 10 s and orders per minute (per account).
 *
 * Binance counts in fixed windows aligned to its clock (the minute, the
 * 10-second slot) and reports the count in X-MBX-USED-WEIGHT-1M and
 * X-MBX-ORDER-COUNT-10S/-1M. A bucket here is that window: it refills
 * completely when the venue's window rolls over, so the local count and
 * the headers describe the same thing (a continuously refilling token
 * bucket would drift from them). Every request is charged when it is
 * sent; every response's headers raise the count to the venue's when the
 * venue's is higher (other processes on the IP, requests the venue
 * counted that we did not), never lower it.
 *
 * Admission, per request (the cost it puts on each limiter):
 *   NORMAL: held once a limiter it touches is at hold_pct (90 %) or
 *           used + cost would pass the limit (an order costs no weight,
 *           so a weight squeeze holds queries and polls, not orders);
 *   URGENT: cancels, emergency closes, dead-man renewals: held only
 *           while used + cost would pass 100 % (the venue would answer
 *           429 and count toward an IP ban).
 * A held request waits for the window to roll; nothing fails.
 * warn_pct (80 %): tl_binance_limits_warnings reports each limiter once per
 * window when it crosses it, for the caller to log.
 *
 * Pure: no clock reads (time is the venue's time in ms, an input), no
 * allocation, no locks. One owner thread (the IO thread).
 */
#ifndef TL_BINANCE_LIMITS_H
#define TL_BINANCE_LIMITS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum tl_binance_limits_id {
	TL_BINANCE_LIMITS_WEIGHT_1M = 0,  /* REQUEST_WEIGHT, 1 MINUTE */
	TL_BINANCE_LIMITS_ORDERS_10S,     /* ORDERS, 10 SECOND */
	TL_BINANCE_LIMITS_ORDERS_1M,      /* ORDERS, 1 MINUTE */
	TL_BINANCE_LIMITS__N
} tl_binance_limits_id_t;

typedef enum tl_binance_limits_prio {
	TL_BINANCE_LIMITS_NORMAL = 0,
	TL_BINANCE_LIMITS_URGENT,
} tl_binance_limits_prio_t;

/* What one request costs on each limiter (Binance USD-M API docs). */
typedef struct tl_binance_limits_cost {
	uint16_t n[TL_BINANCE_LIMITS__N];
} tl_binance_limits_cost_t;

/* One fixed window. */
typedef struct tl_binance_limits_win {
	int64_t window_ms;      /* 60000 or 10000 */
	int64_t idx;            /* window `used` belongs to: venue ms / window_ms */
	uint32_t limit;         /* > 0 */
	uint32_t used;          /* max(charged locally, venue's header) in idx */
	int64_t warned_idx;     /* window last reported by tl_binance_limits_warnings */
} tl_binance_limits_win_t;

typedef struct tl_binance_limits {
	tl_binance_limits_win_t w[TL_BINANCE_LIMITS__N];
	uint32_t warn_pct;      /* 80 */
	uint32_t hold_pct;      /* 90 */
	uint64_t holds;         /* admissions refused (each retried later) */
	uint64_t synced_up;     /* headers that raised a local count */
} tl_binance_limits_t;

/* Limits of 0 take Binance's defaults (2400 weight/min, 300 orders/10 s,
 * 1200 orders/min). warn at 80 %, hold at 90 %. */
void tl_binance_limits_init(tl_binance_limits_t *l, uint32_t weight_1m, uint32_t orders_10s,
		  uint32_t orders_1m);

/* Replace one limit (e.g. from exchangeInfo); 0 is ignored. */
void tl_binance_limits_set_limit(tl_binance_limits_t *l, tl_binance_limits_id_t id, uint32_t limit);

/*
 * May a request of cost c go now (venue time now_ms)? On yes it is
 * charged and 0 is returned; on no nothing changes and the venue time
 * (ms) at which the blocking window rolls over is returned. A cost that
 * alone exceeds the limit is admitted into an empty window (it could
 * never go otherwise).
 */
int64_t tl_binance_limits_admit(tl_binance_limits_t *l, int64_t now_ms, const tl_binance_limits_cost_t *c,
		      tl_binance_limits_prio_t p);

/* Charge without asking (requests that must go: the clock sync). */
void tl_binance_limits_charge(tl_binance_limits_t *l, int64_t now_ms, const tl_binance_limits_cost_t *c);

/* A response's headers (-1 = absent): the venue's count wins when it is
 * higher than ours. */
void tl_binance_limits_sync(tl_binance_limits_t *l, int64_t now_ms, int64_t used_weight_1m,
		  int64_t order_count_10s, int64_t order_count_1m);

/* The venue's own counts in one response's headers, -1 = absent (a
 * malformed value too: it must not turn a known outcome into an unknown
 * one). The HTTP codec hands the headers over (io/net/http.h), it does
 * not know these. */
typedef struct tl_binance_mbx {
	int64_t used_weight_1m;  /* X-MBX-USED-WEIGHT-1M */
	int64_t used_weight_max; /* max over X-MBX-USED-WEIGHT[-<n><unit>] */
	int64_t order_count_10s; /* X-MBX-ORDER-COUNT-10S */
	int64_t order_count_1m;  /* X-MBX-ORDER-COUNT-1M */
} tl_binance_mbx_t;

/* tl_http_header_fn (io/net/http.h) with ctx a tl_binance_mbx_t: reads
 * the X-MBX-* counts; name NULL (a new head) sets every field to -1. */
void tl_binance_mbx_header(void *ctx, const char *name, size_t name_len,
			   const char *value, size_t value_len);

/* Bit (1 << id) for each limiter at or above warn_pct that was not yet
 * reported in its current window; reporting marks it. */
unsigned tl_binance_limits_warnings(tl_binance_limits_t *l, int64_t now_ms);

/* Count in the current window (0 when the window rolled). */
uint32_t tl_binance_limits_used(const tl_binance_limits_t *l, tl_binance_limits_id_t id, int64_t now_ms);

/* "request weight per minute", ... */
const char *tl_binance_limits_name(tl_binance_limits_id_t id);

/*
 * Emergency closes waiting together: how many of the first `avail`
 * (reduce-only MARKET, urgent) to send as one POST /fapi/v1/batchOrders
 * (>= 2, at most 5), or 1 to send the head alone. A batch of n costs
 * 5 weight, 5 on the 10 s limiter and 1 on the minute limiter; n singles
 * cost no weight, n and n: the batch is taken when it can go now (it
 * saves n - 1 round trips and n - 1 of the minute's orders); singles
 * when only they can (e.g. fewer than 5 left in the 10 s window).
 * Charges nothing.
 */
unsigned tl_binance_limits_batch_size(const tl_binance_limits_t *l, int64_t now_ms,
			    unsigned avail);

/* The invariant checker: limits > 0, window lengths, percentages. */
bool tl_binance_limits_check(const tl_binance_limits_t *l);

#endif /* TL_BINANCE_LIMITS_H */
