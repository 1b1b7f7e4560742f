/*
 * ratelimit.h - Binance request-weight and order-count limiters.
 *
 * REQUEST_WEIGHT per minute for the (single, loopback) client IP and
 * ORDERS per 10 s and per minute per account, in fixed windows aligned
 * to the interval, as Binance reports them in X-MBX-USED-WEIGHT-1M and
 * X-MBX-ORDER-COUNT-10S/-1M. Over the weight limit: 429 -1003; over an
 * order limit: 429 -1015; after `ban_after` 429s within one minute the
 * IP is banned for `ban_seconds`: 418 -1003. Retry-After is the seconds
 * until the window (or ban) ends.
 */
#ifndef TL_SIM_RATELIMIT_H
#define TL_SIM_RATELIMIT_H

#include <stdint.h>

#include "sim/config.h"
#include "sim/errors.h"
#include "sim/venue.h"

typedef struct tl_sim_rl {
	int64_t win;            /* current minute index (now / 60000) */
	int weight;             /* weight used in it */
	int n429;               /* 429s answered in it */
	int64_t banned_until;   /* ms; 0 = not banned */
} tl_sim_rl_t;

/* Account w weight at `now`. Returns 0, or -1003 (e->http 429 or 418)
 * with *retry_after seconds. */
int tl_sim_rl_weight(tl_sim_rl_t *rl, const tl_sim_config_t *c, int64_t now,
		     int w, int *retry_after, tl_sim_err_t *e);

/* Weight used in the current minute (for the header). */
int tl_sim_rl_used(const tl_sim_rl_t *rl, int64_t now);

/* Count an order request (n10 on the 10 s limiter, n1m on the minute
 * limiter) for account a. Returns 0 or -1015 (429). */
int tl_sim_rl_orders(tl_sim_rl_t *rl, const tl_sim_config_t *c,
		     tl_sim_account_t *a, int64_t now, int n10, int n1m,
		     int *retry_after, tl_sim_err_t *e);

/* Orders counted in the current windows (for the headers). */
void tl_sim_rl_order_counts(const tl_sim_account_t *a, int64_t now,
			    int *c10, int *c1m);

#endif /* TL_SIM_RATELIMIT_H */
