/*
 * ratelimit.c - fixed-window limiters (see ratelimit.h).
 */
#include "sim/ratelimit.h"

static void rl_roll(tl_sim_rl_t *rl, int64_t now)
{
	int64_t w = now / 60000;

	if (w != rl->win) {
		rl->win = w;
		rl->weight = 0;
		rl->n429 = 0;
	}
}

static int rl_429(tl_sim_rl_t *rl, const tl_sim_config_t *c, int64_t now)
{
	if (++rl->n429 >= c->ban_after)
		rl->banned_until = now + (int64_t)c->ban_seconds * 1000;
	return 0;
}

int tl_sim_rl_weight(tl_sim_rl_t *rl, const tl_sim_config_t *c, int64_t now,
		     int w, int *retry_after, tl_sim_err_t *e)
{
	rl_roll(rl, now);
	if (rl->banned_until > now) {
		*retry_after = (int)((rl->banned_until - now + 999) / 1000);
		tl_sim_errf(e, -1003,
			    "Way too many requests; IP(127.0.0.1) banned until %lld. Please use the websocket for live updates to avoid bans.",
			    (long long)rl->banned_until);
		e->http = 418;
		return -1003;
	}
	rl->weight += w;
	if (rl->weight > c->weight_1m) {
		rl_429(rl, c, now);
		*retry_after = (int)((60000 - now % 60000 + 999) / 1000);
		return tl_sim_errf(e, -1003,
				   "Too many requests; current limit of IP(127.0.0.1) is %d requests per minute. Please use the websocket for live updates to avoid polling the API.",
				   c->weight_1m);
	}
	return 0;
}

int tl_sim_rl_used(const tl_sim_rl_t *rl, int64_t now)
{
	return rl->win == now / 60000 ? rl->weight : 0;
}

static void rl_order_roll(tl_sim_account_t *a, int64_t now)
{
	if (a->orders_10s_win != now / 10000) {
		a->orders_10s_win = now / 10000;
		a->orders_10s = 0;
	}
	if (a->orders_1m_win != now / 60000) {
		a->orders_1m_win = now / 60000;
		a->orders_1m = 0;
	}
}

int tl_sim_rl_orders(tl_sim_rl_t *rl, const tl_sim_config_t *c,
		     tl_sim_account_t *a, int64_t now, int n10, int n1m,
		     int *retry_after, tl_sim_err_t *e)
{
	rl_order_roll(a, now);
	if (a->orders_10s + n10 > c->orders_10s) {
		rl_429(rl, c, now);
		*retry_after = (int)((10000 - now % 10000 + 999) / 1000);
		return tl_sim_errf(e, -1015,
				   "Too many new orders; current limit is %d orders per 10 SECOND.",
				   c->orders_10s);
	}
	if (a->orders_1m + n1m > c->orders_1m) {
		rl_429(rl, c, now);
		*retry_after = (int)((60000 - now % 60000 + 999) / 1000);
		return tl_sim_errf(e, -1015,
				   "Too many new orders; current limit is %d orders per 1 MINUTE.",
				   c->orders_1m);
	}
	a->orders_10s += n10;
	a->orders_1m += n1m;
	return 0;
}

void tl_sim_rl_order_counts(const tl_sim_account_t *a, int64_t now,
			    int *c10, int *c1m)
{
	*c10 = a->orders_10s_win == now / 10000 ? a->orders_10s : 0;
	*c1m = a->orders_1m_win == now / 60000 ? a->orders_1m : 0;
}
