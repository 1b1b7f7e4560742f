/*
 * kernel.c - kernel lifecycle, input dispatch, output emission, client id
 * reservation, timers and trade-id deduplication.
 *
 * Invariants (checked by tl_kernel_check):
 *   1. the order table is consistent (tl_orders_check);
 *   2. open_by_sym[s] equals the number of active orders of symbol s;
 *   3. every order's filled <= qty, and filled >= 0;
 *   4. id_next <= id_reserved_to: no client id is used before its block
 *      was emitted as an ID_RESERVE record;
 *   5. every position's status matches its quantity (OPEN iff qty != 0);
 *   6. each position's pend_buy/pend_sell equal the unfilled quantity of
 *      its active orders that can add to it;
 *   7. (K1) an order with cancel intent is PENDING_CANCEL or final: it
 *      is never sent again;
 *   8. (K2) an order that lived through a restart is never PENDING_NEW
 *      or SENT: it is never resent;
 *   9. (K5) id_next <= TL_SEQ_MAX + 1: client ids never wrap.
 * docs/kernel.md states K1..K6 in full.
 */
#include "kernel/kernel_int.h"
#include "kernel/utf8.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void tl_kernel_cfg_defaults(tl_kernel_cfg_t *c)
{
	memset(c, 0, sizeof(*c));
	c->order_cap = 1024;
	c->trade_cap = 4096;
	memcpy(c->clid_prefix, "tl", 3);
	c->id_next = 1;
	c->id_block = 1000;
	c->leverage = 10;
	c->ack_timeout_ns = 5 * TL_NS_PER_S;
	c->query_interval_ns = 2 * TL_NS_PER_S;
	c->send_window_ns = 6 * TL_NS_PER_S;	/* recvWindow 5 s + 1 s */
	c->resend_max_age_ns = 10 * TL_NS_PER_S;
	tl_backoff_defaults(&c->backoff);
	tl_backoff_defaults(&c->emergency_backoff);
	c->emergency_backoff.base_ns = 200 * TL_NS_PER_MS;
	c->emergency_backoff.cap_ns = 5 * TL_NS_PER_S;
	c->emergency_backoff.max_attempts = 20;
	c->rate_10s = 300;
	c->rate_1m = 1200;
	c->taker_rate = 50000;	/* 0.0005: Binance USD-M's base taker rate */
}

static bool kernel_prefix_ok(const char *p)
{
	size_t n = strnlen(p, TL_PREFIX_MAX + 1);
	if (n == 0 || n > TL_PREFIX_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = p[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '_' || c == '-'))
			return false;
	}
	return true;
}

static bool pow2(uint32_t v)
{
	return v >= 2 && (v & (v - 1)) == 0;
}

int tl_kernel_init(tl_kernel_t *k, const tl_kernel_cfg_t *cfg,
		   tl_symbols_t *syms, char *errbuf, size_t errlen)
{
	memset(k, 0, sizeof(*k));
	const char *bad = NULL;
	if (!kernel_prefix_ok(cfg->clid_prefix))
		bad = "client id prefix: expected 1..16 of [A-Za-z0-9_-]";
	else if (!pow2(cfg->trade_cap) || cfg->trade_cap > (1u << 26))
		bad = "trade_cap: expected a power of two in 2..2^26";
	else if (cfg->id_next == 0)
		bad = "id_next: expected >= 1";
	else if (cfg->id_block == 0 || cfg->id_block > 1000000)
		bad = "id_block: expected 1..1000000";
	else if (cfg->leverage == 0 || cfg->leverage > 125)
		bad = "leverage: expected 1..125";
	else if (cfg->ack_timeout_ns <= 0 || cfg->query_interval_ns <= 0)
		bad = "ack_timeout and query_interval: expected > 0";
	else if (cfg->send_window_ns < 0 || cfg->resend_max_age_ns < 0)
		bad = "send_window and resend_max_age: expected >= 0";
	else if (cfg->id_next > TL_SEQ_MAX)
		bad = "id_next: expected <= 10^18";
	else if (cfg->order_ttl_ns < 0)
		bad = "order_ttl: expected >= 0";
	else if (cfg->backoff.max_attempts == 0 ||
		 cfg->emergency_backoff.max_attempts == 0)
		bad = "backoff.max_attempts: expected >= 1";
	else if (cfg->max_order_qty < 0 || cfg->max_order_notional < 0 ||
		 cfg->max_position_qty < 0 || cfg->loss_limit < 0 ||
		 cfg->daily_loss_limit < 0)
		bad = "risk limits: expected >= 0";
	else if (cfg->taker_rate < 0 || cfg->taker_rate > TL_FX_ONE / 100)
		bad = "taker_rate: expected 0..0.01";
	else if (cfg->day_reset_hour > 23)
		bad = "day_reset_hour: expected 0..23";
	else if (!syms || syms->count == 0)
		bad = "symbols: expected at least one";
	if (bad) {
		snprintf(errbuf, errlen, "kernel config: %s", bad);
		return -1;
	}
	/* 16 prefix chars + 20 digits of a uint64 sequence = 36, the venue's
	 * limit, so every id the kernel can make is valid. */
	k->cfg = *cfg;
	k->syms = *syms;
	memset(syms, 0, sizeof(*syms));
	if (tl_orders_init(&k->orders, cfg->order_cap, errbuf, errlen) < 0)
		goto err;
	uint32_t sc = k->syms.cap;
	k->pos = calloc((size_t)sc * 3, sizeof(*k->pos));
	k->open_by_sym = calloc(sc, sizeof(*k->open_by_sym));
	k->leverage = calloc(sc, sizeof(*k->leverage));
	k->trade_cap = cfg->trade_cap;
	k->trade_keys = calloc((size_t)k->trade_cap * 2, sizeof(*k->trade_keys));
	k->trade_fifo = calloc(k->trade_cap, sizeof(*k->trade_fifo));
	k->snap_gen = calloc((size_t)sc * 3, sizeof(*k->snap_gen));
	k->snap_miss = calloc((size_t)sc * 3, sizeof(*k->snap_miss));
	if (!k->pos || !k->open_by_sym || !k->leverage || !k->trade_keys ||
	    !k->trade_fifo || !k->snap_gen || !k->snap_miss ||
	    tl_strat_init(&k->strats, sc, cfg->leverage) < 0) {
		snprintf(errbuf, errlen, "kernel: out of memory");
		goto err;
	}
	for (uint32_t s = 0; s < sc; s++) {
		k->leverage[s] = cfg->leverage;
		for (int ps = 0; ps < 3; ps++) {
			tl_position_t *p = &k->pos[s * 3 + ps];
			p->sym = (uint16_t)s;
			p->pos_side = (uint8_t)ps;
			p->leverage = cfg->leverage;
		}
	}
	k->id_next = cfg->id_next;
	k->id_reserved_to = cfg->id_next;	/* nothing reserved yet */
	k->state = TL_TS_NORMAL;
	k->next_deadline = INT64_MAX;
	return 0;
err:
	tl_kernel_free(k);
	return -1;
}

void tl_kernel_free(tl_kernel_t *k)
{
	tl_orders_free(&k->orders);
	tl_symbols_free(&k->syms);
	free(k->pos);
	free(k->open_by_sym);
	free(k->leverage);
	free(k->trade_keys);
	free(k->trade_fifo);
	free(k->snap_gen);
	free(k->snap_miss);
	tl_strat_free(&k->strats);
	memset(k, 0, sizeof(*k));
}

int tl_kernel_set_leverage(tl_kernel_t *k, const char *symbol, uint32_t lev)
{
	int s = tl_symbols_find(&k->syms, symbol);
	if (s < 0 || lev == 0 || lev > 125)
		return -1;
	k->leverage[s] = lev;
	for (int ps = 0; ps < 3; ps++)
		k->pos[s * 3 + ps].leverage = lev;
	return 0;
}

void tl_kernel_restore_state(tl_kernel_t *k, tl_trading_state_t st)
{
	/* A journal that says LIQUIDATING comes back PAUSED: the liquidation's
	 * orders died with the process, a person must look first. */
	k->state = (st == TL_TS_LIQUIDATING) ? TL_TS_PAUSED : st;
}

tl_position_t *tl_k_pos(tl_kernel_t *k, int sym, tl_pos_side_t ps)
{
	if (sym < 0 || (uint32_t)sym >= k->syms.count || (unsigned)ps > 2)
		return NULL;
	return &k->pos[(uint32_t)sym * 3 + ps];
}

tl_position_t *tl_kernel_position(tl_kernel_t *k, int sym, tl_pos_side_t ps)
{
	return tl_k_pos(k, sym, ps);
}

tl_order_t *tl_kernel_order(tl_kernel_t *k, const char *client_id)
{
	return tl_orders_by_clid(&k->orders, client_id);
}

tl_fx_t tl_kernel_total_pnl(const tl_kernel_t *k)
{
	return tl_fx_sat128(tl_k_pnl(k));
}

tl_fx_t tl_kernel_daily_pnl(const tl_kernel_t *k)
{
	/* Saturating: a crafted journal's extreme PnL must not wrap a
	 * loss into a profit (or the reverse). */
	return tl_fx_sat128(tl_k_pnl(k) - k->day_baseline);
}

/* Cut on a UTF-8 character boundary: reasons and venue messages end up
 * in the journal, the shm block and JSON, where half a character makes
 * the whole text invalid. */
void tl_k_copy_str(char *dst, size_t cap, const char *src)
{
	tl_utf8_copy(dst, cap, src);
}

void tl_k_emit(tl_kernel_t *k, tl_output_t *o)
{
	o->hdr.seq = ++k->out_seq;
	o->hdr.time = k->now;
	o->hdr.cause_seq = k->cur_seq;
	o->hdr.flags = 0;
	k->ctr.outputs++;
	if (o->hdr.type == TL_OUT_EVENT)
		k->ctr.events++;
	else if (o->hdr.type == TL_OUT_REQ_NEW || o->hdr.type == TL_OUT_REQ_CANCEL ||
		 o->hdr.type == TL_OUT_REQ_QUERY)
		k->ctr.requests++;
	if (k->sink && k->sink->emit)
		k->sink->emit(k->sink->ctx, o);
}

void tl_k_deadline(tl_kernel_t *k, tl_time_t t)
{
	if (t < k->next_deadline)
		k->next_deadline = t;
}

/* ---- trade-id dedup ------------------------------------------------------
 * Keys are (sym + 1) << 48 ^ trade_id mixed; the table remembers the last
 * trade_cap trades, forgetting the oldest first. A duplicate older than
 * that window is still stopped by the overfill check in order.c. */

static uint64_t kernel_trade_key(uint16_t sym, int64_t id)
{
	uint64_t x = ((uint64_t)id * 0x9e3779b97f4a7c15ULL) ^ ((uint64_t)(sym + 1) << 48);
	return x ? x : 1;
}

static uint32_t kernel_trade_cell(const tl_kernel_t *k, uint64_t key)
{
	uint32_t mask = k->trade_cap * 2 - 1;
	uint64_t h = key ^ (key >> 31);
	uint32_t c = (uint32_t)(h * 0xbf58476d1ce4e5b9ULL >> 32) & mask;
	while (k->trade_keys[c] != 0 && k->trade_keys[c] != key)
		c = (c + 1) & mask;
	return c;
}

static void kernel_trade_forget(tl_kernel_t *k, uint64_t key)
{
	uint32_t mask = k->trade_cap * 2 - 1;
	uint32_t c = kernel_trade_cell(k, key), j = c;
	if (k->trade_keys[c] == 0)
		return;
	k->trade_keys[c] = 0;
	for (;;) {
		j = (j + 1) & mask;
		uint64_t v = k->trade_keys[j];
		if (v == 0)
			return;
		uint64_t h = v ^ (v >> 31);
		uint32_t home = (uint32_t)(h * 0xbf58476d1ce4e5b9ULL >> 32) & mask;
		bool in = (c <= j) ? (home > c && home <= j) : (home > c || home <= j);
		if (!in) {
			k->trade_keys[c] = v;
			k->trade_keys[j] = 0;
			c = j;
		}
	}
}

bool tl_k_trade_seen(tl_kernel_t *k, uint16_t sym, int64_t trade_id)
{
	uint64_t key = kernel_trade_key(sym, trade_id);
	uint32_t c = kernel_trade_cell(k, key);
	if (k->trade_keys[c] == key)
		return true;
	if (k->trade_n == k->trade_cap) {
		uint64_t old = k->trade_fifo[k->trade_head];
		kernel_trade_forget(k, old);
		k->trade_head = (k->trade_head + 1) & (k->trade_cap - 1);
		k->trade_n--;
		c = kernel_trade_cell(k, key);
	}
	k->trade_keys[c] = key;
	k->trade_fifo[(k->trade_head + k->trade_n) & (k->trade_cap - 1)] = key;
	k->trade_n++;
	return false;
}

/* ---- timers ------------------------------------------------------------ */

static void kernel_tick(tl_kernel_t *k)
{
	if (k->now < k->next_deadline)
		return;
	k->next_deadline = INT64_MAX;
	tl_k_deadline(k, k->day_end);	/* the day's rollover */
	tl_k_order_timers(k);
	if (k->state == TL_TS_LIQUIDATING)
		tl_k_emergency_progress(k);
}

/* ---- restart ------------------------------------------------------------ */

/* The engine came back from its journal. Client ids continue past
 * anything the previous session may have used without journaling it; a
 * liquidation that was running comes back PAUSED (its orders died with the
 * process: a person looks first); every order that was not final is
 * queried at the venue before anything else is done with it. */
static void kernel_restart(tl_kernel_t *k, const tl_in_restart_t *r)
{
	if (r->id_next > TL_SEQ_MAX) {
		k->ctr.bad_inputs++;	/* a crafted journal: ids stay put */
	} else if (r->id_next > k->id_next)
		k->id_next = r->id_next;
	if (k->id_reserved_to < k->id_next)
		k->id_reserved_to = k->id_next;	/* next order reserves anew */
	for (uint32_t i = 0; i < k->syms.count * 3; i++) {
		k->pos[i].closers = 0;
		k->pos[i].t_reclose = 0;
	}
	if (k->state == TL_TS_LIQUIDATING) {
		k->emg.active = false;
		tl_k_set_state(k, TL_TS_PAUSED, "restart during liquidation");
	}
	tl_k_orders_restart(k);
}

/* ---- apply -------------------------------------------------------------- */

/* The venue's trading status of a symbol (risk.c reads it). Unknown
 * symbols and statuses are bad inputs, never guessed. */
static void kernel_symbol_status(tl_kernel_t *k, const tl_in_symbol_status_t *s)
{
	int id = tl_symbols_find(&k->syms, s->symbol);

	if (id < 0 || (s->status != TL_SYM_TRADING && s->status != TL_SYM_HALTED)) {
		k->ctr.bad_inputs++;
		return;
	}
	tl_symbols_get(&k->syms, id)->status = (tl_symbol_status_t)s->status;
}

tl_reject_t tl_kernel_apply(tl_kernel_t *k, const tl_input_t *in,
			    tl_sink_t *sink, uint64_t *handle)
{
	tl_reject_t r = TL_REJ_NONE;
	if (handle)
		*handle = 0;
	k->sink = sink;
	k->cur_seq = in->hdr.seq;
	/* Time never runs backwards inside the kernel: a late-stamped input
	 * is applied at the latest time seen. */
	if (!k->started || in->hdr.time > k->now)
		k->now = in->hdr.time;
	if (!k->started) {
		k->started = true;
		tl_bucket_init(&k->rate10, k->cfg.rate_10s, 10 * TL_NS_PER_S, k->now);
		tl_bucket_init(&k->rate60, k->cfg.rate_1m, 60 * TL_NS_PER_S, k->now);
	}
	/* Before the input: what it does belongs to the day it arrives in. */
	tl_k_day_roll(k);
	k->ctr.inputs++;

	switch ((tl_in_type_t)in->hdr.type) {
	case TL_IN_SUBMIT:
		r = tl_k_on_submit(k, &in->u.submit, handle);
		break;
	case TL_IN_SIGNAL:
		r = tl_k_on_signal(k, &in->u.signal, handle);
		break;
	case TL_IN_CANCEL:
		r = tl_k_on_cancel(k, &in->u.cancel);
		break;
	case TL_IN_CANCEL_ALL:
		r = tl_k_on_cancel_all(k, &in->u.cancel);
		break;
	case TL_IN_CONTROL:
		r = tl_k_on_control(k, &in->u.control);
		break;
	case TL_IN_ORDER_UPDATE:
		tl_k_on_update(k, &in->u.update);
		break;
	case TL_IN_FILL:
		tl_k_on_fill(k, &in->u.fill);
		break;
	case TL_IN_REQ_ERROR:
		tl_k_on_req_error(k, &in->u.error);
		break;
	case TL_IN_QUERY_RESULT:
		tl_k_on_query(k, &in->u.query);
		break;
	case TL_IN_MARK:
		tl_k_on_mark(k, &in->u.mark);
		break;
	case TL_IN_TICK:
		break;
	case TL_IN_RESTART:
		kernel_restart(k, &in->u.restart);
		break;
	case TL_IN_ADOPT:
		tl_k_on_adopt(k, &in->u.adopt);
		break;
	case TL_IN_POSITION_SNAPSHOT:
		tl_k_on_snapshot(k, &in->u.snap);
		break;
	case TL_IN_RESYNC:
		tl_k_on_resync(k, &in->u.resync);
		break;
	case TL_IN_SYMBOL_STATUS:
		kernel_symbol_status(k, &in->u.symstat);
		break;
	default:
		k->ctr.bad_inputs++;
		break;
	}
	/* Every input doubles as a clock tick. */
	kernel_tick(k);
	k->sink = NULL;
	return r;
}

/* ---- invariants --------------------------------------------------------- */

bool tl_kernel_check(const tl_kernel_t *k)
{
	if (!tl_orders_check(&k->orders))
		return false;
	if (k->id_next > k->id_reserved_to || k->id_next > TL_SEQ_MAX + 1)
		return false;
	for (tl_order_t *o = tl_orders_active_first(&k->orders); o;
	     o = tl_orders_next(&k->orders, o)) {
		if ((o->flags & TL_OF_CANCEL) && o->status != TL_ST_PENDING_CANCEL)
			return false;
		if ((o->flags & TL_OF_RESTARTED) &&
		    (o->status == TL_ST_PENDING_NEW || o->status == TL_ST_SENT))
			return false;
	}
	__int128 unreal = 0;
	for (uint32_t s = 0; s < k->syms.count; s++) {
		uint32_t n = 0;
		tl_fx_t pb[3] = { 0, 0, 0 }, ps[3] = { 0, 0, 0 };
		uint32_t prot[3] = { 0, 0, 0 };
		for (tl_order_t *o = tl_orders_active_first(&k->orders); o;
		     o = tl_orders_next(&k->orders, o)) {
			if (o->sym != s)
				continue;
			n++;
			if ((o->role == TL_ROLE_TP || o->role == TL_ROLE_SL) &&
			    o->pos_side <= TL_PS_SHORT)
				prot[o->pos_side]++;
			if (o->exposure && o->pos_side <= TL_PS_SHORT) {
				if (o->side == TL_BUY)
					pb[o->pos_side] += o->qty - o->filled;
				else
					ps[o->pos_side] += o->qty - o->filled;
			}
		}
		if (n != k->open_by_sym[s])
			return false;
		for (int q = 0; q < 3; q++)
			if (k->pos[s * 3 + q].pend_buy != pb[q] ||
			    k->pos[s * 3 + q].pend_sell != ps[q] ||
			    k->pos[s * 3 + q].protectors != prot[q])
				return false;
		for (int ps = 0; ps < 3; ps++) {
			const tl_position_t *p = &k->pos[s * 3 + ps];
			unreal += p->unrealized;
			if ((p->qty != 0) != (p->status == TL_POS_OPEN))
				return false;
			if (p->qty == INT64_MIN)	/* K8 */
				return false;
			if (p->pos_side == TL_PS_LONG && p->qty < 0)
				return false;
			if (p->pos_side == TL_PS_SHORT && p->qty > 0)
				return false;
		}
	}
	if (unreal != k->unrealized_total)
		return false;
	if (!tl_k_protect_check(k))
		return false;
	if (!tl_strat_check(&k->strats))
		return false;
	for (uint32_t i = 0; i < k->orders.cap; i++) {
		const tl_order_t *o = &k->orders.slot[i];
		if (o->list == TL_LIST_FREE)
			continue;
		if (o->filled < 0 || o->filled > o->qty)
			return false;
		if (o->strat > k->strats.n)
			return false;
	}
	return true;
}
