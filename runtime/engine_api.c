/*
 * engine_api.c - the strategy API (include/talon.h): commands into the cmd
 * ring, events out of the evt ring (converted from the kernel's records to
 * the public tl_engine_event_t), status, version, money helpers and
 * accessors.
 *
 * The public enums carry the kernel's numbers, so a command's enum fields
 * are copied as they are; the static_asserts below are what keeps the two
 * vocabularies from drifting apart.
 */
#define _GNU_SOURCE
#include "runtime/engine_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SAME(pub, k) static_assert((int)(pub) == (int)(k), #pub " != " #k)
SAME(TL_SIDE_BUY, TL_BUY);
SAME(TL_SIDE_SELL, TL_SELL);
SAME(TL_ORDER_LIMIT, TL_ORD_LIMIT);
SAME(TL_ORDER_MARKET, TL_ORD_MARKET);
SAME(TL_ORDER_STOP, TL_ORD_STOP);
SAME(TL_ORDER_STOP_MARKET, TL_ORD_STOP_MARKET);
SAME(TL_ORDER_TAKE_PROFIT, TL_ORD_TAKE_PROFIT);
SAME(TL_ORDER_TAKE_PROFIT_MARKET, TL_ORD_TAKE_PROFIT_MARKET);
SAME(TL_GTC, TL_TIF_GTC);
SAME(TL_IOC, TL_TIF_IOC);
SAME(TL_FOK, TL_TIF_FOK);
SAME(TL_GTX, TL_TIF_GTX);
SAME(TL_POSITION_BOTH, TL_PS_BOTH);
SAME(TL_POSITION_LONG, TL_PS_LONG);
SAME(TL_POSITION_SHORT, TL_PS_SHORT);
SAME(TL_POSITION_FLAT, TL_POS_FLAT);
SAME(TL_POSITION_OPEN, TL_POS_OPEN);
SAME(TL_POSITION_CLOSED, TL_POS_CLOSED);
SAME(TL_POSITION_LIQUIDATED, TL_POS_LIQUIDATED);
SAME(TL_STATUS_PENDING_NEW, TL_ST_PENDING_NEW);
SAME(TL_STATUS_SENT, TL_ST_SENT);
SAME(TL_STATUS_NEW, TL_ST_NEW);
SAME(TL_STATUS_PARTIALLY_FILLED, TL_ST_PARTIALLY_FILLED);
SAME(TL_STATUS_FILLED, TL_ST_FILLED);
SAME(TL_STATUS_PENDING_CANCEL, TL_ST_PENDING_CANCEL);
SAME(TL_STATUS_CANCELED, TL_ST_CANCELED);
SAME(TL_STATUS_REJECTED, TL_ST_REJECTED);
SAME(TL_STATUS_EXPIRED, TL_ST_EXPIRED);
SAME(TL_STATUS_FAILED, TL_ST_FAILED);
SAME(TL_STATUS_UNKNOWN, TL_ST_UNKNOWN);
SAME(TL_ROLE_STRATEGY, TL_ROLE_PLAIN);
SAME(TL_ROLE_SIGNAL_ENTRY, TL_ROLE_ENTRY);
SAME(TL_ROLE_TAKE_PROFIT, TL_ROLE_TP);
SAME(TL_ROLE_STOP_LOSS, TL_ROLE_SL);
SAME(TL_ROLE_LIQUIDATION, TL_ROLE_EMERGENCY);
SAME(TL_SIGNAL_LONG_ENTRY, TL_SIG_LONG_ENTRY);
SAME(TL_SIGNAL_SHORT_ENTRY, TL_SIG_SHORT_ENTRY);
SAME(TL_SIGNAL_CLOSE_LONG, TL_SIG_CLOSE_LONG);
SAME(TL_SIGNAL_CLOSE_SHORT, TL_SIG_CLOSE_SHORT);
SAME(TL_CONTROL_LIQUIDATE, TL_CTL_LIQUIDATE);
SAME(TL_CONTROL_HALT, TL_CTL_HALT);
SAME(TL_CONTROL_PAUSE, TL_CTL_PAUSE);
SAME(TL_CONTROL_RESUME, TL_CTL_RESUME);
SAME(TL_STATE_NORMAL, TL_TS_NORMAL);
SAME(TL_STATE_REDUCING, TL_TS_REDUCING);
SAME(TL_STATE_LIQUIDATING, TL_TS_LIQUIDATING);
SAME(TL_STATE_PAUSED, TL_TS_PAUSED);
SAME(TL_EVENT_ORDER_SUBMITTED, TL_EV_ORDER_SUBMITTED);
SAME(TL_EVENT_ORDER_ACCEPTED, TL_EV_ORDER_ACCEPTED);
SAME(TL_EVENT_ORDER_PARTIALLY_FILLED, TL_EV_ORDER_PARTIALLY_FILLED);
SAME(TL_EVENT_ORDER_FILLED, TL_EV_ORDER_FILLED);
SAME(TL_EVENT_ORDER_CANCELED, TL_EV_ORDER_CANCELED);
SAME(TL_EVENT_ORDER_REJECTED, TL_EV_ORDER_REJECTED);
SAME(TL_EVENT_ORDER_EXPIRED, TL_EV_ORDER_EXPIRED);
SAME(TL_EVENT_ORDER_FAILED, TL_EV_ORDER_FAILED);
SAME(TL_EVENT_POSITION_OPENED, TL_EV_POSITION_OPENED);
SAME(TL_EVENT_POSITION_UPDATED, TL_EV_POSITION_UPDATED);
SAME(TL_EVENT_POSITION_CLOSED, TL_EV_POSITION_CLOSED);
SAME(TL_EVENT_POSITION_LIQUIDATED, TL_EV_POSITION_LIQUIDATED);
SAME(TL_EVENT_EMERGENCY_STARTED, TL_EV_EMERGENCY_STARTED);
SAME(TL_EVENT_EMERGENCY_COMPLETED, TL_EV_EMERGENCY_COMPLETED);
SAME(TL_EVENT_STATE_CHANGED, TL_EV_TRADING_STATE_CHANGED);
SAME(TL_EVENT_ORDER_UNKNOWN, TL_EV_ORDER_UNKNOWN);
SAME(TL_EVENT_ORDER_CANCEL_REQUESTED, TL_EV_ORDER_CANCEL_REQUESTED);
SAME(TL_EVENT_ORDER_CANCEL_REJECTED, TL_EV_ORDER_CANCEL_REJECTED);
SAME(TL_EVENT_POSITION_CONFLICT, TL_EV_POSITION_CONFLICT);
SAME(TL_EVENT_POSITION_ORPHAN, TL_EV_POSITION_ORPHAN);
SAME(TL_EVENT_FOREIGN_UPDATE, TL_EV_FOREIGN_UPDATE);
/* A new kernel event needs its public twin (and a look at tl_api_event). */
SAME(TL_EVENT_STRATEGY_ADDED, TL_EV_STRATEGY_ADDED);
SAME(TL_EVENT_POSITION_ROUND_TRIP, TL_EV_POSITION_ROUND_TRIP);
SAME(TL_EVENT_POSITION_ROUND_TRIP + 1, TL_EV__COUNT);
SAME(TL_STRATEGY_MAX + 1, TL_STRAT_LEN);
SAME(TL_STRATEGY_TAGS, TL_STRAT_MAX);
SAME(TL_MONEY_SCALE, TL_FX_SCALE);
SAME(TL_MONEY_STRLEN, TL_FX_STRLEN);
#undef SAME
/* The public buffers hold whatever the kernel's records can. */
static_assert(TL_SYMBOL_MAX + 1 >= TL_SYMBOL_NAMELEN, "symbol");
static_assert(TL_CLIENT_ID_MAX == TL_CLID_MAX, "client id");
static_assert(TL_EVENT_TEXT_MAX + 1 >= TL_TEXT_LEN, "text");

/* ---- version, money, names ---------------------------------------------- */

const char *tl_version(void)
{
	return TALON_VERSION_STRING;
}

int tl_money_parse(const char *s, tl_money_t *out)
{
	tl_fx_err_t r = tl_fx_parse_cstr(s, out);
	if (r != TL_FX_OK) {
		snprintf(tl_engine_errbuf, sizeof(tl_engine_errbuf), "\"%.64s\": %s", s,
			 tl_fx_strerror(r));
		return -EINVAL;
	}
	return 0;
}

int tl_money_format(tl_money_t v, int decimals, char *buf, size_t size)
{
	/* tl_fx_format wants the full width; cut the text to the caller's. */
	char tmp[TL_FX_STRLEN];
	int n = tl_fx_format(v, decimals, tmp, sizeof(tmp));
	if (size)
		snprintf(buf, size, "%s", tmp);
	return n;
}

const char *tl_event_kind_name(tl_event_kind_t k)
{
	return tl_event_name((tl_event_type_t)k);
}

const char *tl_order_status_name(tl_order_status_t s)
{
	return tl_status_name((tl_ord_status_t)s);
}

const char *tl_engine_state_name(tl_engine_state_t s)
{
	return tl_trading_state_name((tl_trading_state_t)s);
}

bool tl_event_is_order(const tl_engine_event_t *ev)
{
	return tl_event_type_is_order(ev->type);
}

bool tl_event_is_position(const tl_engine_event_t *ev)
{
	return tl_event_type_is_position(ev->type);
}

bool tl_event_is_fill(const tl_engine_event_t *ev)
{
	return ev->type == TL_EVENT_ORDER_PARTIALLY_FILLED || ev->type == TL_EVENT_ORDER_FILLED;
}

bool tl_event_is_final(const tl_engine_event_t *ev)
{
	return tl_event_is_order(ev) && tl_status_terminal((tl_ord_status_t)ev->u.order.status);
}

const char *tl_event_reject_name(const tl_engine_event_t *ev)
{
	if (!tl_event_is_order(ev) || ev->u.order.reject <= TL_REJ_NONE ||
	    ev->u.order.reject >= TL_REJ__COUNT)
		return "";
	return tl_reject_name((tl_reject_t)ev->u.order.reject);
}

/* The public event from the kernel's record: field by field, because the
 * record's layout is the journal's and may gain fields or reorder
 * padding without the public struct changing. */
static void tl_api_event(const tl_output_t *o, tl_engine_event_t *p)
{
	const tl_event_t *k = &o->u.ev;
	memset(p, 0, sizeof(*p));
	p->type = (tl_event_kind_t)k->type;
	p->priority = k->priority;
	p->time = o->hdr.time;
	p->seq = o->hdr.seq;
	snprintf(p->symbol, sizeof(p->symbol), "%.*s", TL_SYMBOL_NAMELEN - 1, k->symbol);
	snprintf(p->text, sizeof(p->text), "%.*s", TL_TEXT_LEN - 1, k->text);
	if (tl_event_type_is_order(k->type)) {
		const tl_ev_order_t *ko = &k->u.order;
		snprintf(p->u.order.client_id, sizeof(p->u.order.client_id), "%.*s",
			 TL_CLID_MAX, ko->client_id);
		p->user_ref = ko->user_ref;
		p->u.order.side = (tl_order_side_t)ko->side;
		p->u.order.type = (tl_order_type_t)ko->type;
		p->u.order.status = (tl_order_status_t)ko->status;
		p->u.order.pos_side = (tl_position_side_t)ko->pos_side;
		p->u.order.role = (tl_order_role_t)ko->role;
		p->u.order.reduce_only = ko->reduce_only != 0;
		p->u.order.reject = ko->reject;
		p->u.order.venue_code = ko->venue_code;
		p->u.order.venue_id = ko->venue_id;
		p->u.order.qty = ko->qty;
		p->u.order.price = ko->price;
		p->u.order.filled = ko->filled;
		p->u.order.avg_price = ko->avg_price;
		p->u.order.last_qty = ko->last_qty;
		p->u.order.last_price = ko->last_price;
		p->u.order.strategy_id = ko->strategy;
	} else if (k->type == TL_EV_STRATEGY_ADDED) {
		p->u.strategy.id = k->u.strat.id;
	} else if (k->type == TL_EV_POSITION_ROUND_TRIP) {
		const tl_ev_trip_t *kt = &k->u.trip;
		p->u.round_trip.side = (tl_position_side_t)kt->pos_side;
		p->u.round_trip.strategy_scope = kt->scope == 1;
		p->u.round_trip.strategy_id = kt->strategy;
		p->u.round_trip.opened = kt->opened;
		p->u.round_trip.qty = kt->qty;
		p->u.round_trip.entry = kt->entry;
		p->u.round_trip.exit = kt->exit;
		p->u.round_trip.realized = kt->realized;
		p->u.round_trip.commission = kt->commission;
	} else if (tl_event_type_is_position(k->type)) {
		const tl_ev_position_t *kp = &k->u.pos;
		p->u.position.side = (tl_position_side_t)kp->pos_side;
		p->u.position.status = (tl_position_status_t)kp->status;
		p->u.position.qty = kp->qty;
		p->u.position.entry = kp->entry;
		p->u.position.mark = kp->mark;
		p->u.position.realized = kp->realized;
		p->u.position.unrealized = kp->unrealized;
		p->u.position.commission = kp->commission;
		p->u.position.roe = kp->roe;
		p->u.position.leverage = kp->leverage;
	} else if (k->type == TL_EV_POSITION_CONFLICT || k->type == TL_EV_POSITION_ORPHAN) {
		const tl_ev_recon_t *kr = &k->u.recon;
		p->u.recon.side = (tl_position_side_t)kr->pos_side;
		p->u.recon.adopted = kr->adopted != 0;
		p->u.recon.local_qty = kr->local_qty;
		p->u.recon.local_entry = kr->local_entry;
		p->u.recon.venue_qty = kr->venue_qty;
		p->u.recon.venue_entry = kr->venue_entry;
	} else if (k->type == TL_EV_TRADING_STATE_CHANGED || k->type == TL_EV_EMERGENCY_STARTED ||
		   k->type == TL_EV_EMERGENCY_COMPLETED) {
		const tl_ev_state_t *ks = &k->u.state;
		p->u.state.from = (tl_engine_state_t)ks->from;
		p->u.state.to = (tl_engine_state_t)ks->to;
		p->u.state.total = ks->total;
		p->u.state.ok = ks->ok;
		p->u.state.failed = ks->failed;
		p->u.state.canceled = ks->canceled;
	}
}

/* ---- strategy API ---------------------------------------------------------------------- */

/* With callbacks the strategy side belongs to the engine's thread: the
 * command ring has one producer and the event ring one consumer. */
static bool api_foreign(tl_engine_t *e)
{
	if (!e->has_strat ||
	    (atomic_load_explicit(&e->eng_running, memory_order_acquire) &&
	     pthread_equal(pthread_self(), e->cb_thread)))
		return false;
	snprintf(tl_engine_errbuf, sizeof(tl_engine_errbuf),
		 "this engine's strategy runs on the engine's thread (tl_strategy_t): "
		 "call it from its callbacks");
	return true;
}

static int api_push(tl_engine_t *e, tl_input_t *in)
{
	if (api_foreign(e))
		return -EPERM;
	if (!tl_spsc_in_push(&e->cmd, in))
		return -EAGAIN;
	tl_engine_wake(e);
	return 0;
}

static int api_fx(const char *s, const char *what, tl_fx_t *out)
{
	*out = 0;
	if (!s || !*s)
		return 0;
	tl_fx_err_t r = tl_fx_parse_cstr(s, out);
	if (r != TL_FX_OK) {
		snprintf(tl_engine_errbuf, sizeof(tl_engine_errbuf), "%s \"%s\": %s", what, s,
			 tl_fx_strerror(r));
		return -EINVAL;
	}
	return 0;
}

static int api_symbol(char *dst, const char *src)
{
	if (!src || !*src || strlen(src) >= TL_SYMBOL_NAMELEN) {
		snprintf(tl_engine_errbuf, sizeof(tl_engine_errbuf), "symbol: expected 1..%d characters",
			 TL_SYMBOL_NAMELEN - 1);
		return -EINVAL;
	}
	memcpy(dst, src, strlen(src) + 1);
	return 0;
}

/* NULL and "" are no tag; anything else must be a valid tag, checked
 * here so a typo is an error at the call, not an ORDER_REJECTED later. */
static int api_strategy(char out[TL_STRAT_LEN], const char *tag)
{
	if (!tag || !*tag)
		return 0;
	if (!tl_strat_valid(tag)) {
		snprintf(tl_engine_errbuf, sizeof(tl_engine_errbuf),
			 "strategy: expected 1..%d printable characters without"
			 " spaces or quotes", TL_STRAT_LEN - 1);
		return -EINVAL;
	}
	memcpy(out, tag, strlen(tag) + 1);
	return 0;
}

int tl_engine_submit(tl_engine_t *e, const tl_order_spec_t *o, uint64_t user_ref)
{
	tl_input_t in;
	memset(&in, 0, sizeof(in));
	in.hdr.type = TL_IN_SUBMIT;
	tl_in_submit_t *s = &in.u.submit;
	if (api_symbol(s->symbol, o->symbol) < 0 ||
	    api_fx(o->qty, "qty", &s->qty) < 0 ||
	    api_fx(o->price, "price", &s->price) < 0 ||
	    api_fx(o->stop_price, "stop_price", &s->stop_price) < 0 ||
	    api_fx(o->tp, "tp", &s->tp) < 0 || api_fx(o->sl, "sl", &s->sl) < 0)
		return -EINVAL;
	s->side = (uint8_t)o->side;
	s->type = (uint8_t)o->type;
	s->tif = (uint8_t)o->tif;
	s->pos_side = (uint8_t)o->pos_side;
	s->reduce_only = o->reduce_only;
	s->user_ref = user_ref;
	if (api_strategy(s->strategy, o->strategy) < 0)
		return -EINVAL;
	return api_push(e, &in);
}

int tl_engine_signal(tl_engine_t *e, const tl_signal_spec_t *sp)
{
	tl_input_t in;
	memset(&in, 0, sizeof(in));
	in.hdr.type = TL_IN_SIGNAL;
	tl_in_signal_t *s = &in.u.signal;
	if (api_symbol(s->symbol, sp->symbol) < 0 || api_fx(sp->qty, "qty", &s->qty) < 0 ||
	    api_fx(sp->price, "price", &s->price) < 0 || api_fx(sp->tp, "tp", &s->tp) < 0 ||
	    api_fx(sp->sl, "sl", &s->sl) < 0)
		return -EINVAL;
	s->signal = (uint8_t)sp->signal;
	s->user_ref = sp->user_ref;
	if (api_strategy(s->strategy, sp->strategy) < 0)
		return -EINVAL;
	return api_push(e, &in);
}

int tl_engine_cancel(tl_engine_t *e, const char *client_id, uint64_t user_ref)
{
	tl_input_t in;
	memset(&in, 0, sizeof(in));
	in.hdr.type = TL_IN_CANCEL;
	if (!client_id || strlen(client_id) > TL_CLID_MAX) {
		snprintf(tl_engine_errbuf, sizeof(tl_engine_errbuf), "client id: expected 1..36 characters");
		return -EINVAL;
	}
	memcpy(in.u.cancel.client_id, client_id, strlen(client_id) + 1);
	in.u.cancel.user_ref = user_ref;
	return api_push(e, &in);
}

int tl_engine_cancel_all(tl_engine_t *e, const char *symbol)
{
	tl_input_t in;
	memset(&in, 0, sizeof(in));
	in.hdr.type = TL_IN_CANCEL_ALL;
	if (symbol && *symbol && api_symbol(in.u.cancel.symbol, symbol) < 0)
		return -EINVAL;
	return api_push(e, &in);
}

int tl_engine_control(tl_engine_t *e, tl_control_t cmd, const char *reason)
{
	tl_input_t in;
	memset(&in, 0, sizeof(in));
	in.hdr.type = TL_IN_CONTROL;
	in.u.control.cmd = (uint8_t)cmd;
	if (reason)
		snprintf(in.u.control.reason, sizeof(in.u.control.reason), "%s", reason);
	return api_push(e, &in);
}

uint64_t tl_engine_kill(tl_engine_t *e, const char *reason)
{
	uint64_t seq = tl_shm_kill(e->shm, TL_KILL_LIQUIDATE, reason ? reason : "");
	/* tl_shm_kill woke a futex; an engine parked in io_uring (shared
	 * mode) hears its eventfd. */
	tl_engine_wake(e);
	return seq;
}

const tl_venue_gate_t *tl_engine_gate(const tl_engine_t *e)
{
	return &e->gate;
}

int tl_engine_poll(tl_engine_t *e, tl_engine_event_t *out, int max)
{
	int n = 0;
	tl_output_t o;
	if (api_foreign(e))
		return -EPERM;
	while (n < max && tl_spsc_out_pop(&e->evr, &o))
		tl_api_event(&o, &out[n++]);
	return n;
}

int tl_engine_poll_kernel(tl_engine_t *e, tl_event_t *out, int max)
{
	int n = 0;
	tl_output_t o;
	if (api_foreign(e))
		return -EPERM;
	while (n < max && tl_spsc_out_pop(&e->evr, &o))
		out[n++] = o.u.ev;
	return n;
}

int tl_engine_wait(tl_engine_t *e, int64_t timeout_ns)
{
	if (api_foreign(e))
		return -EPERM;
	if (tl_spsc_used(&e->evr.r))
		return 1;
	if (timeout_ns <= 0)
		return 0;
	uint32_t seq = tl_wake_prepare(&e->strat_wake);
	if (tl_spsc_used(&e->evr.r)) {
		tl_wake_cancel(&e->strat_wake);
		return 1;
	}
	tl_wake_wait(&e->strat_wake, seq, timeout_ns);
	return tl_spsc_used(&e->evr.r) ? 1 : 0;
}

int tl_engine_dispatch(tl_engine_t *e, int budget)
{
	tl_output_t o;
	tl_engine_event_t ev;
	int n = 0;
	while (n < budget && tl_spsc_out_pop(&e->evr, &o)) {
		n++;
		if (e->strat.on_event) {
			tl_api_event(&o, &ev);
			e->strat.on_event(e, &ev, e->strat.ctx);
		}
	}
	return n;
}

int tl_engine_invoke(tl_engine_t *e)
{
	if (!e->invoker) {
		snprintf(tl_engine_errbuf, sizeof(tl_engine_errbuf),
			 "tl_engine_invoke: the engine was not opened with opts.invoker");
		return -EINVAL;
	}
	if (!e->inv_started) {
		e->inv_started = true;
		tl_engine_on_start(e);
	} else if (!pthread_equal(pthread_self(), e->cb_thread)) {
		snprintf(tl_engine_errbuf, sizeof(tl_engine_errbuf),
			 "tl_engine_invoke: called from a thread other than the first caller's");
		return -EPERM;
	}
	if (atomic_load_explicit(&e->eng.stop, memory_order_acquire))
		return -ESHUTDOWN;
	return e->shared ? tl_engine_shared_work(e) : tl_engine_work(e);
}

void tl_engine_idle(tl_engine_t *e, int work)
{
	tl_agent_idle(&e->eng, work);
}

bool tl_engine_snapshot(tl_engine_t *e, tl_shm_snapshot_t *out)
{
	return tl_shm_read_snapshot(e->shm, out);
}

int tl_engine_status(tl_engine_t *e, tl_engine_status_t *st)
{
	tl_shm_snapshot_t s;
	if (!tl_engine_snapshot(e, &s))
		return -EAGAIN;
	st->state = (tl_engine_state_t)s.state;
	st->open_orders = s.open_orders;
	st->fills = s.fills;
	st->submitted = s.submitted;
	st->refused = s.refused;
	st->backpressure = s.backpressure;
	st->total_pnl = s.total_pnl;
	st->daily_pnl = s.daily_pnl;
	return 0;
}

bool tl_engine_journal_pop(tl_engine_t *e, tl_record_t *rec)
{
	/* With a journal file the PERSIST thread is the ring's consumer. */
	return e->journal && !e->jnl && tl_spsc_rec_pop(&e->jr, rec);
}

uint64_t tl_engine_withdrawn(const tl_engine_t *e)
{
	return atomic_load_explicit(&e->ctr.withdrawn, memory_order_relaxed);
}
tl_venue_t *tl_engine_venue(tl_engine_t *e) { return e->venue; }
struct tl_journal *tl_engine_journal(tl_engine_t *e) { return e->jnl; }

bool tl_engine_thread(tl_engine_t *e, pthread_t *out)
{
	if (!atomic_load_explicit(&e->eng_running, memory_order_acquire))
		return false;
	*out = e->eng.thread;
	return true;
}

bool tl_engine_io_thread(tl_engine_t *e, pthread_t *out)
{
	if (e->shared)
		return tl_engine_thread(e, out);
	if (!atomic_load_explicit(&e->io.running, memory_order_acquire))
		return false;
	*out = e->io.thread;
	return true;
}
