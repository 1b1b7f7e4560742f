/*
 * venue.c - life cycle, time and events of the simulated venue (see
 * venue.h for the model and the threading rule).
 *
 * tl_sim_venue_tick is the only place time advances: random-walk steps
 * due before `now` are applied one by one, and after each the resting
 * orders, algo triggers and countdowns are evaluated, so replaying the
 * same seed and the same request sequence gives the same fills.
 */
#include "sim/venue.h"

#include <stdlib.h>
#include <string.h>

static const char *const side_names[] = { "BUY", "SELL" };
static const char *const ps_names[] = { "BOTH", "LONG", "SHORT" };
static const char *const type_names[] = {
	"LIMIT", "MARKET", "STOP", "STOP_MARKET", "TAKE_PROFIT",
	"TAKE_PROFIT_MARKET", "TRAILING_STOP_MARKET"
};
static const char *const tif_names[] = { "GTC", "IOC", "FOK", "GTX" };
static const char *const status_names[] = {
	"NEW", "PARTIALLY_FILLED", "FILLED", "CANCELED", "EXPIRED"
};
static const char *const algo_status_names[] = {
	"NEW", "CANCELED", "TRIGGERED", "FINISHED", "REJECTED", "EXPIRED"
};

const char *tl_sim_side_name(int s) { return side_names[s & 1]; }
const char *tl_sim_ps_name(int s) { return ps_names[s % 3]; }
const char *tl_sim_type_name(int t) { return type_names[t % 7]; }
const char *tl_sim_tif_name(int t) { return tif_names[t & 3]; }
const char *tl_sim_status_name(int s) { return status_names[s % 5]; }
const char *tl_sim_algo_status_name(int s) { return algo_status_names[s % 6]; }

uint64_t tl_sim_venue_rand(tl_sim_venue_t *v)
{
	uint64_t x = v->rng;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	v->rng = x;
	return x * 0x2545F4914F6CDD1DULL;
}

int tl_sim_venue_init(tl_sim_venue_t *v, const tl_sim_config_t *cfg,
		      int64_t now)
{
	memset(v, 0, sizeof *v);
	v->cfg = cfg;
	v->order_cap = cfg->max_orders_total;
	v->trade_cap = cfg->max_trades_total;
	v->algo_cap = 4096;
	v->orders = calloc((size_t)v->order_cap, sizeof *v->orders);
	v->trades = calloc((size_t)v->trade_cap, sizeof *v->trades);
	v->algos = calloc((size_t)v->algo_cap, sizeof *v->algos);
	if (!v->orders || !v->trades || !v->algos ||
	    tl_sim_hist_init(&v->hist, cfg->nsym)) {
		tl_sim_venue_free(v);
		return -1;
	}
	tl_sim_venue_reset(v, now);
	return 0;
}

void tl_sim_venue_free(tl_sim_venue_t *v)
{
	free(v->orders);
	free(v->trades);
	free(v->algos);
	v->orders = NULL;
	v->trades = NULL;
	v->algos = NULL;
	tl_sim_hist_free(&v->hist);
}

void tl_sim_venue_reset(tl_sim_venue_t *v, int64_t now)
{
	const tl_sim_config_t *c = v->cfg;
	int i, s;

	memset(v->orders, 0, (size_t)v->order_cap * sizeof *v->orders);
	memset(v->trades, 0, (size_t)v->trade_cap * sizeof *v->trades);
	memset(v->algos, 0, (size_t)v->algo_cap * sizeof *v->algos);
	v->rng = c->seed ? c->seed : 0x9E3779B97F4A7C15ULL;
	v->first_order_id = v->next_order_id = 4000000001LL;
	v->first_trade_id = v->next_trade_id = 100000001LL;
	v->first_algo_id = v->next_algo_id = 2000000001LL;
	for (s = 0; s < c->nsym; s++) {
		tl_sim_market_t *m = &v->mkt[s];
		memset(m, 0, sizeof *m);
		m->mark = c->sym[s].start_price;
		m->last = m->mark;
		m->open_head = m->open_tail = TL_SIM_NONE;
		m->next_move = now + c->tick_ms;
		tl_sim_market_quote(v, s);
		tl_sim_hist_reset(&v->hist, s, m->mark, now);
	}
	for (i = 0; i < c->nacct; i++) {
		tl_sim_account_t *a = &v->acct[i];
		memset(a, 0, sizeof *a);
		a->cfg = &c->acct[i];
		a->wallet = c->acct[i].usdt;
		a->dual = c->acct[i].dual_side;
		a->update_time = now;
		for (s = 0; s < c->nsym; s++)
			a->sym[s].leverage = c->sym[s].default_leverage;
	}
}

int tl_sim_venue_symbol(const tl_sim_venue_t *v, const char *name)
{
	int s;

	if (!name)
		return -1;
	for (s = 0; s < v->cfg->nsym; s++)
		if (strcmp(v->cfg->sym[s].name, name) == 0)
			return s;
	return -1;
}

int tl_sim_venue_account(const tl_sim_venue_t *v, const char *api_key)
{
	int i;

	if (!api_key)
		return -1;
	for (i = 0; i < v->cfg->nacct; i++)
		if (strcmp(v->cfg->acct[i].api_key, api_key) == 0)
			return i;
	return -1;
}

void tl_sim_venue_emit(tl_sim_venue_t *v, const tl_sim_event_t *ev)
{
	if (v->sink)
		v->sink(v->sink_ctx, ev);
}

/* Everything that depends on the book, after it moved. */
static void venue_after_move(tl_sim_venue_t *v, int s, int64_t now)
{
	tl_sim_book_match_resting(v, s, now);
	tl_sim_algo_check(v, s, now);
}

void tl_sim_venue_set_mark(tl_sim_venue_t *v, int sym, tl_fx_t mark,
			   int64_t now)
{
	tl_sim_market_t *m = &v->mkt[sym];

	m->mark = mark;
	tl_sim_market_quote(v, sym);
	tl_sim_hist_price(&v->hist, sym, mark, now);
	venue_after_move(v, sym, now);
}

static void venue_countdowns(tl_sim_venue_t *v, int64_t now)
{
	int i, s;

	for (i = 0; i < v->cfg->nacct; i++) {
		tl_sim_account_t *a = &v->acct[i];
		for (s = 0; s < v->cfg->nsym; s++) {
			tl_sim_acct_sym_t *as = &a->sym[s];
			if (as->countdown_ms > 0 && now >= as->countdown_deadline) {
				as->countdown_ms = 0;
				as->countdown_deadline = 0;
				tl_sim_book_cancel_all(v, i, s, now);
			}
		}
		if (a->listen_key[0] && now >= a->listen_key_expiry)
			a->listen_key[0] = '\0';
	}
}

void tl_sim_venue_tick(tl_sim_venue_t *v, int64_t now)
{
	int s, steps;

	for (s = 0; s < v->cfg->nsym; s++) {
		tl_sim_market_t *m = &v->mkt[s];
		/* the clock went back (a smaller fault clock offset): restart
		 * the walk from now rather than stall until it catches up */
		if (m->next_move - v->cfg->tick_ms > now)
			m->next_move = now + v->cfg->tick_ms;
		/* bounded catch-up: after a long stall, jump the clock */
		for (steps = 0; now >= m->next_move && steps < 1000; steps++) {
			int64_t at = m->next_move;	/* the step's own time */
			m->next_move += v->cfg->tick_ms;
			if (m->frozen)
				continue;
			tl_sim_market_step(v, s);
			tl_sim_hist_price(&v->hist, s, m->mark, at);
			venue_after_move(v, s, now);
		}
		if (now >= m->next_move)
			m->next_move = now + v->cfg->tick_ms;
	}
	venue_countdowns(v, now);
}
