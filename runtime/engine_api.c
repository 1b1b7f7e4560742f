/*
 * engine_api.c - the strategy API (include/talon.h): commands into the cmd
 * ring, events out of the evt ring, status and accessors.
 */
#define _GNU_SOURCE
#include "runtime/engine_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- strategy API ---------------------------------------------------------------------- */

static int api_push(tl_engine_t *e, tl_input_t *in)
{
	return tl_spsc_in_push(&e->cmd, in) ? 0 : -EAGAIN;
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
	return api_push(e, &in);
}

int tl_engine_signal(tl_engine_t *e, tl_signal_t sig, const char *symbol,
		     const char *qty, const char *price, const char *tp,
		     const char *sl, uint64_t user_ref)
{
	tl_input_t in;
	memset(&in, 0, sizeof(in));
	in.hdr.type = TL_IN_SIGNAL;
	tl_in_signal_t *s = &in.u.signal;
	if (api_symbol(s->symbol, symbol) < 0 || api_fx(qty, "qty", &s->qty) < 0 ||
	    api_fx(price, "price", &s->price) < 0 || api_fx(tp, "tp", &s->tp) < 0 ||
	    api_fx(sl, "sl", &s->sl) < 0)
		return -EINVAL;
	s->signal = (uint8_t)sig;
	s->user_ref = user_ref;
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

int tl_engine_control(tl_engine_t *e, tl_ctl_cmd_t cmd, const char *reason)
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
	return tl_shm_kill(e->shm, TL_KILL_LIQUIDATE, reason ? reason : "");
}

const tl_venue_gate_t *tl_engine_gate(const tl_engine_t *e)
{
	return &e->gate;
}

int tl_engine_poll(tl_engine_t *e, tl_event_t *out, int max)
{
	int n = 0;
	tl_output_t o;
	while (n < max && tl_spsc_out_pop(&e->evr, &o))
		out[n++] = o.u.ev;
	return n;
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
	st->state = (tl_trading_state_t)s.state;
	st->open_orders = s.open_orders;
	st->fills = s.fills;
	st->submitted = s.submitted;
	st->refused = s.refused;
	st->backpressure = s.backpressure;
	st->total_pnl = s.total_pnl;
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
