/*
 * emergency.c - trading state, the emergency liquidation, the loss limit
 * and mark prices.
 *
 * Trading states:
 *
 *   NORMAL --HALT--> REDUCING --RESUME--> NORMAL
 *     |  \             |
 *     |   PAUSE        +--PAUSE--> PAUSED --RESUME--> NORMAL
 *     |                                ^
 *     +--LIQUIDATE (any state but LIQUIDATING; loss limit)--> LIQUIDATING
 *                                      |
 *                                      +-- every position flat --> PAUSED
 *
 * Liquidation, driven by the kernel alone once started:
 *   1. refuse new strategy orders (risk.c reads the state);
 *   2. cancel every open order (PENDING_NEW ones locally);
 *   3. for each open position send reduce-only MARKET close orders (hedge
 *      mode: the position side, no reduce-only flag), split at the
 *      symbol's MARKET_LOT_SIZE max quantity, marked urgent;
 *   4. close orders retry transient failures with the emergency backoff;
 *      a position still open with no close order in flight gets a new
 *      one after a backoff, so a liquidation never silently gives up;
 *   5. when every position is flat and every order has reached a final
 *      state: EMERGENCY_COMPLETED, state PAUSED.
 * A second LIQUIDATE while one runs is a no-op.
 */
#include "kernel/kernel_int.h"

#include <string.h>

static void emg_state_event(tl_kernel_t *k, tl_event_type_t t,
			    tl_trading_state_t from, tl_trading_state_t to,
			    const char *text)
{
	tl_output_t out;
	tl_k_ev_init(&out, t);
	out.u.ev.u.state.from = (uint8_t)from;
	out.u.ev.u.state.to = (uint8_t)to;
	out.u.ev.u.state.total = k->emg.total;
	out.u.ev.u.state.ok = k->emg.ok;
	out.u.ev.u.state.failed = k->emg.failed;
	out.u.ev.u.state.canceled = k->emg.canceled;
	if (text)
		tl_k_copy_str(out.u.ev.text, TL_TEXT_LEN, text);
	tl_k_emit(k, &out);
}

void tl_k_set_state(tl_kernel_t *k, tl_trading_state_t st, const char *why)
{
	if (k->state == st)
		return;
	tl_trading_state_t from = k->state;
	k->state = st;
	emg_state_event(k, TL_EV_TRADING_STATE_CHANGED, from, st, why);
}

/* Send close orders for one position, split at the market max qty. */
static void emg_close_position(tl_kernel_t *k, tl_position_t *p)
{
	const tl_symbol_t *s = &k->syms.sym[p->sym];
	tl_fx_t left = p->qty < 0 ? -p->qty : p->qty;
	tl_fx_t chunk_max = s->mkt_max_qty > 0 ? s->mkt_max_qty : s->max_qty;
	if (chunk_max > 0 && s->step_size > 0)
		tl_fx_quantize(chunk_max, s->step_size, TL_FX_DOWN, &chunk_max);
	while (left > 0) {
		tl_fx_t q = (chunk_max > 0 && left > chunk_max) ? chunk_max : left;
		tl_k_ordreq_t r = {
			.sym = p->sym,
			.side = p->qty > 0 ? TL_SELL : TL_BUY,
			.type = TL_ORD_MARKET,
			.tif = TL_TIF_GTC,
			.pos_side = (tl_pos_side_t)p->pos_side,
			.reduce_only = p->pos_side == TL_PS_BOTH,
			.qty = q,
			.ttl_ns = -1,
			.role = TL_ROLE_EMERGENCY,
		};
		tl_reject_t rej;
		tl_order_t *o = tl_k_order_create(k, &r, &rej);
		if (!o) {
			/* Table full of active orders: try again on the next
			 * tick, after the cancels have freed slots. */
			tl_k_ev_refused(k, &r, s->name, rej);
			p->t_reclose = tl_time_add(k->now, k->cfg.emergency_backoff.base_ns);
			tl_k_deadline(k, p->t_reclose);
			return;
		}
		k->emg.total++;
		p->closers++;
		left -= q;
	}
}

void tl_k_liquidate(tl_kernel_t *k, const char *reason)
{
	if (k->state == TL_TS_LIQUIDATING)
		return;
	tl_trading_state_t from = k->state;
	memset(&k->emg, 0, sizeof(k->emg));
	k->emg.active = true;
	k->emg.started = k->now;
	tl_k_copy_str(k->emg.reason, TL_TEXT_LEN, reason && reason[0] ? reason
								       : "liquidate");
	k->state = TL_TS_LIQUIDATING;
	emg_state_event(k, TL_EV_TRADING_STATE_CHANGED, from, TL_TS_LIQUIDATING,
			k->emg.reason);
	emg_state_event(k, TL_EV_EMERGENCY_STARTED, from, TL_TS_LIQUIDATING,
			k->emg.reason);

	tl_order_t *o = tl_orders_active_first(&k->orders);
	while (o) {
		tl_order_t *next = tl_orders_next(&k->orders, o);
		if (o->role != TL_ROLE_EMERGENCY && o->status != TL_ST_PENDING_CANCEL &&
		    tl_k_order_cancel(k, o, true) == TL_REJ_NONE)
			k->emg.canceled++;
		o = next;
	}
	for (uint32_t i = 0; i < k->syms.count * 3; i++) {
		tl_position_t *p = &k->pos[i];
		p->t_reclose = 0;
		if (p->qty != 0 && p->closers == 0)
			emg_close_position(k, p);
	}
	tl_k_emergency_progress(k);
}

void tl_k_emergency_progress(tl_kernel_t *k)
{
	if (k->state != TL_TS_LIQUIDATING)
		return;
	bool flat = true;
	for (uint32_t i = 0; i < k->syms.count * 3; i++) {
		tl_position_t *p = &k->pos[i];
		if (p->qty == 0)
			continue;
		flat = false;
		if (p->closers > 0)
			continue;
		/* Open, and nothing is closing it: schedule or send a new close. */
		if (p->t_reclose == 0) {
			p->t_reclose = tl_time_add(k->now, k->cfg.emergency_backoff.base_ns);
			tl_k_deadline(k, p->t_reclose);
		} else if (p->t_reclose <= k->now) {
			p->t_reclose = 0;
			emg_close_position(k, p);
		} else {
			tl_k_deadline(k, p->t_reclose);
		}
	}
	/* Flat is not done while an order canceled (or any other) is still
	 * unconfirmed: its late fill would reopen a position behind a PAUSED
	 * engine. The fill path re-runs this check, so such a fill gets its
	 * own close; the last terminal status completes the liquidation. */
	if (!flat || k->orders.n_active > 0)
		return;
	k->emg.active = false;
	k->emg.completed = k->now;
	emg_state_event(k, TL_EV_EMERGENCY_COMPLETED, TL_TS_LIQUIDATING,
			TL_TS_PAUSED, k->emg.reason);
	tl_k_set_state(k, TL_TS_PAUSED, "liquidation complete");
}

tl_reject_t tl_k_on_control(tl_kernel_t *k, const tl_in_control_t *c)
{
	char why[TL_TEXT_LEN];
	tl_k_copy_str(why, sizeof(why), c->reason);
	switch ((tl_ctl_cmd_t)c->cmd) {
	case TL_CTL_LIQUIDATE:
		tl_k_liquidate(k, why);	/* no-op while one runs */
		return TL_REJ_NONE;
	case TL_CTL_HALT:
		if (k->state != TL_TS_NORMAL)
			return k->state == TL_TS_REDUCING ? TL_REJ_NONE
							  : TL_REJ_BAD_PARAM;
		tl_k_set_state(k, TL_TS_REDUCING, why[0] ? why : "halt");
		return TL_REJ_NONE;
	case TL_CTL_PAUSE:
		if (k->state == TL_TS_LIQUIDATING)
			return TL_REJ_STATE_LIQUIDATING;
		tl_k_set_state(k, TL_TS_PAUSED, why[0] ? why : "pause");
		return TL_REJ_NONE;
	case TL_CTL_RESUME:
		if (k->state == TL_TS_LIQUIDATING)
			return TL_REJ_STATE_LIQUIDATING;
		if (k->state == TL_TS_NORMAL)
			return TL_REJ_NONE;
		/* The loss limit measures loss since the last resume. */
		k->pnl_baseline = tl_k_pnl(k);
		k->loss_tripped = false;
		tl_k_set_state(k, TL_TS_NORMAL, why[0] ? why : "resume");
		return TL_REJ_NONE;
	}
	k->ctr.bad_inputs++;
	return TL_REJ_BAD_PARAM;
}

void tl_k_check_loss(tl_kernel_t *k)
{
	if (k->state == TL_TS_LIQUIDATING)
		return;
	if (k->cfg.loss_limit > 0 && !k->loss_tripped &&
	    tl_k_pnl(k) - k->pnl_baseline <= -(__int128)k->cfg.loss_limit) {
		k->loss_tripped = true;
		tl_k_liquidate(k, "loss limit");
		return;
	}
	/* Once per trading day: a RESUME the same day is the operator's
	 * decision and the daily limit does not undo it; the next day's
	 * rollover re-arms it. */
	if (k->cfg.daily_loss_limit > 0 && !k->day_tripped &&
	    tl_kernel_daily_pnl(k) <= -k->cfg.daily_loss_limit) {
		k->day_tripped = true;
		tl_k_liquidate(k, "daily loss limit");
	}
}

#define EMG_DAY_NS (86400 * TL_NS_PER_S)

void tl_k_day_roll(tl_kernel_t *k)
{
	if (k->day_end != 0 && k->now < k->day_end)
		return;
	/* The day containing now: the last reset hour at or before it. In
	 * 128 bits, so a crafted time near either end of int64 cannot
	 * overflow (K6); the end saturates. */
	__int128 off = (__int128)k->cfg.day_reset_hour * 3600 * TL_NS_PER_S;
	__int128 t = (__int128)k->now - off;
	__int128 d = t / EMG_DAY_NS;
	if (t % EMG_DAY_NS < 0)
		d--;
	__int128 start = d * EMG_DAY_NS + off;
	if (start < INT64_MIN)
		start = INT64_MIN;
	k->day_start = (tl_time_t)start;
	k->day_end = tl_time_add(k->day_start, EMG_DAY_NS);
	if (k->day_end <= k->now)
		k->day_end = INT64_MAX;	/* saturated: the last day never ends */
	k->day_baseline = tl_k_pnl(k);
	k->day_tripped = false;
	tl_k_deadline(k, k->day_end);
}

void tl_k_on_mark(tl_kernel_t *k, const tl_in_mark_t *m)
{
	char name[TL_SYMBOL_NAMELEN];
	tl_k_copy_str(name, sizeof(name), m->symbol);
	int s = tl_symbols_find(&k->syms, name);
	if (s < 0 || m->price <= 0) {
		k->ctr.bad_inputs++;
		return;
	}
	k->syms.sym[s].mark = m->price;
	for (int ps = 0; ps < 3; ps++)
		tl_k_pos_mark(k, &k->pos[s * 3 + ps], m->price);
	tl_strat_mark(&k->strats, (uint32_t)s, m->price);
	tl_k_check_loss(k);
}
