/*
 * log_event.c - an engine event as a human one-liner and as JSON keys
 * (see log.h; the keys are documented in docs/operations.md "Logs").
 */
#include "runtime/log.h"
#include "persist/json_esc.h"

#include <stdio.h>
#include <string.h>

static const char *fmt_fx(tl_fx_t v, char *b)
{
	tl_fx_format(v, -1, b, TL_FX_STRLEN);
	return b;
}

/* ROE fraction as a percentage with two decimals: 0.19607843 -> "19.60%". */
static const char *fmt_roe(tl_fx_t roe, char *b)
{
	tl_fx_t pct = 0;
	tl_fx_mul(roe, 100 * TL_FX_ONE, TL_FX_DOWN, &pct);
	int n = tl_fx_format(pct, 2, b, TL_FX_STRLEN);
	if (n > 0)
		memcpy(b + n, "%", 2);
	return b;
}

int tl_event_format(const tl_event_t *ev, char *buf, size_t len)
{
	char a[TL_FX_STRLEN], b[TL_FX_STRLEN], c[TL_FX_STRLEN], d[TL_FX_STRLEN],
		e[TL_FX_STRLEN], f[TL_FX_STRLEN];
	const char *name = tl_event_name((tl_event_type_t)ev->type);
	switch ((tl_event_type_t)ev->type) {
	case TL_EV_POSITION_OPENED:
	case TL_EV_POSITION_UPDATED:
	case TL_EV_POSITION_CLOSED:
	case TL_EV_POSITION_LIQUIDATED: {
		const tl_ev_position_t *p = &ev->u.pos;
		char g[TL_FX_STRLEN + 4];
		return snprintf(buf, len,
				"%s %.*s %s qty=%s entry=%s mark=%s upnl=%s rpnl=%s fee=%s roe=%s",
				name, TL_SYMBOL_NAMELEN - 1, ev->symbol,
				tl_pos_side_name((tl_pos_side_t)p->pos_side),
				fmt_fx(p->qty, a), fmt_fx(p->entry, b), fmt_fx(p->mark, c),
				fmt_fx(p->unrealized, d), fmt_fx(p->realized, e),
				fmt_fx(p->commission, f), fmt_roe(p->roe, g));
	}
	case TL_EV_EMERGENCY_STARTED:
	case TL_EV_EMERGENCY_COMPLETED:
	case TL_EV_TRADING_STATE_CHANGED: {
		const tl_ev_state_t *s = &ev->u.state;
		return snprintf(buf, len,
				"%s %s -> %s closes=%u filled=%u failed=%u canceled=%u reason=\"%.*s\"",
				name, tl_trading_state_name((tl_trading_state_t)s->from),
				tl_trading_state_name((tl_trading_state_t)s->to), s->total,
				s->ok, s->failed, s->canceled, TL_TEXT_LEN - 1, ev->text);
	}
	case TL_EV_POSITION_CONFLICT:
	case TL_EV_POSITION_ORPHAN: {
		const tl_ev_recon_t *r = &ev->u.recon;
		return snprintf(buf, len,
				"%s %.*s %s talon qty=%s entry=%s venue qty=%s entry=%s%s msg=\"%.*s\"",
				name, TL_SYMBOL_NAMELEN - 1, ev->symbol,
				tl_pos_side_name((tl_pos_side_t)r->pos_side),
				fmt_fx(r->local_qty, a), fmt_fx(r->local_entry, b),
				fmt_fx(r->venue_qty, c), fmt_fx(r->venue_entry, d),
				r->adopted ? " adopted" : "", TL_TEXT_LEN - 1, ev->text);
	}
	case TL_EV_POSITION_ROUND_TRIP: {
		/* not an order event: its union member is the trip's */
		const tl_ev_trip_t *t = &ev->u.trip;
		char scope[24] = "position";
		if (t->scope)
			snprintf(scope, sizeof scope, "strategy_row=%u", t->strategy);
		return snprintf(buf, len,
				"%s %.*s %s %s qty=%s entry=%s exit=%s rpnl=%s fee=%s exit_reason=%s",
				name, TL_SYMBOL_NAMELEN - 1, ev->symbol,
				tl_pos_side_name((tl_pos_side_t)t->pos_side), scope,
				fmt_fx(t->qty, a), fmt_fx(t->entry, b), fmt_fx(t->exit, c),
				fmt_fx(t->realized, d), fmt_fx(t->commission, e),
				tl_exit_reason_name((tl_exit_reason_t)t->reason));
	}
	case TL_EV_STRATEGY_ADDED:
		return snprintf(buf, len, "%s row=%u strategy=\"%.*s\"", name,
				ev->u.strat.id, TL_TEXT_LEN - 1, ev->text);
	default: {
		const tl_ev_order_t *o = &ev->u.order;
		int n = snprintf(buf, len,
				 "%s %.*s %.*s %s %s qty=%s price=%s filled=%s avg=%s",
				 name, TL_SYMBOL_NAMELEN - 1, ev->symbol, TL_CLID_MAX,
				 o->client_id[0] ? o->client_id : "-",
				 tl_side_name((tl_side_t)o->side),
				 tl_ord_type_name((tl_ord_type_t)o->type), fmt_fx(o->qty, a),
				 fmt_fx(o->price, b), fmt_fx(o->filled, c),
				 fmt_fx(o->avg_price, d));
		if (n < 0 || (size_t)n >= len)
			return n;
		if (o->last_qty)
			n += snprintf(buf + n, len - (size_t)n, " last=%s@%s",
				      fmt_fx(o->last_qty, a), fmt_fx(o->last_price, b));
		if ((size_t)n < len && o->reject)
			n += snprintf(buf + n, len - (size_t)n, " reason=%s",
				      tl_reject_name((tl_reject_t)o->reject));
		if ((size_t)n < len && o->venue_code)
			n += snprintf(buf + n, len - (size_t)n, " code=%d", o->venue_code);
		if ((size_t)n < len && ev->text[0])
			n += snprintf(buf + n, len - (size_t)n, " msg=\"%.*s\"",
				      TL_TEXT_LEN - 1, ev->text);
		if ((size_t)n < len && o->user_ref)
			n += snprintf(buf + n, len - (size_t)n, " ref=%llu",
				      (unsigned long long)o->user_ref);
		return n;
	}
	}
}


/* ---- JSON keys --------------------------------------------------------- */

/* Appends whole members only: once one does not fit, nothing more. */
typedef struct ev_json {
	char *b;
	size_t cap, n;
	int full;
} ev_json_t;

static void ej_put(ev_json_t *j, const char *m, size_t len)
{
	if (j->full || j->n + len >= j->cap) {
		j->full = 1;
		return;
	}
	memcpy(j->b + j->n, m, len);
	j->n += len;
	j->b[j->n] = '\0';
}

/* "key":"<escaped s[0..strnlen(s, max))>" */
static void ej_str(ev_json_t *j, const char *key, const char *s, size_t max)
{
	char m[TL_TEXT_LEN * 6 + 64];
	int k = snprintf(m, sizeof(m), ",\"%s\":\"", key);
	size_t e = tl_json_esc(m + k, sizeof(m) - (size_t)k - 1, s, strnlen(s, max));
	if (e >= sizeof(m) - (size_t)k - 1)
		e = strlen(m + k);	/* cut at a whole escape; never happens at these sizes */
	m[(size_t)k + e] = '"';
	ej_put(j, m, (size_t)k + e + 1);
}

/* Decimals as strings: exact, like the venue's own JSON. */
static void ej_fx(ev_json_t *j, const char *key, tl_fx_t v)
{
	char b[TL_FX_STRLEN];
	tl_fx_format(v, -1, b, sizeof(b));
	ej_str(j, key, b, sizeof(b));
}

static void ej_int(ev_json_t *j, const char *key, long long v)
{
	char m[64];
	int k = snprintf(m, sizeof(m), ",\"%s\":%lld", key, v);
	ej_put(j, m, (size_t)k);
}

static void ej_uint(ev_json_t *j, const char *key, unsigned long long v)
{
	char m[64];
	int k = snprintf(m, sizeof(m), ",\"%s\":%llu", key, v);
	ej_put(j, m, (size_t)k);
}

static void ej_name(ev_json_t *j, const char *key, const char *name)
{
	ej_str(j, key, name ? name : "?", 32);
}

static void ej_text(ev_json_t *j, const tl_event_t *ev, const char *key)
{
	if (ev->text[0])
		ej_str(j, key, ev->text, TL_TEXT_LEN);
}

static void ej_order(ev_json_t *j, const tl_event_t *ev)
{
	const tl_ev_order_t *o = &ev->u.order;
	if (o->client_id[0])
		ej_str(j, "client_id", o->client_id, TL_CLID_LEN);
	ej_name(j, "side", tl_side_name((tl_side_t)o->side));
	ej_name(j, "order_type", tl_ord_type_name((tl_ord_type_t)o->type));
	ej_name(j, "status", tl_status_name((tl_ord_status_t)o->status));
	ej_fx(j, "qty", o->qty);
	ej_fx(j, "price", o->price);
	ej_fx(j, "filled", o->filled);
	ej_fx(j, "avg_price", o->avg_price);
	if (o->last_qty) {
		ej_fx(j, "last_qty", o->last_qty);
		ej_fx(j, "last_price", o->last_price);
	}
	if (o->reject)
		ej_name(j, "reject", tl_reject_name((tl_reject_t)o->reject));
	if (o->venue_code)
		ej_int(j, "venue_code", o->venue_code);
	if (o->venue_id)
		ej_int(j, "venue_id", (long long)o->venue_id);
	if (o->user_ref)
		ej_uint(j, "user_ref", (unsigned long long)o->user_ref);
	ej_text(j, ev, "text");
}

size_t tl_event_json_fields(const tl_event_t *ev, char *buf, size_t len)
{
	ev_json_t j = { buf, len, 0, 0 };
	if (len)
		buf[0] = '\0';
	ej_name(&j, "event", tl_event_name((tl_event_type_t)ev->type));
	ej_int(&j, "priority", ev->priority);
	if (ev->symbol[0])
		ej_str(&j, "symbol", ev->symbol, TL_SYMBOL_NAMELEN);
	switch ((tl_event_type_t)ev->type) {
	case TL_EV_POSITION_OPENED:
	case TL_EV_POSITION_UPDATED:
	case TL_EV_POSITION_CLOSED:
	case TL_EV_POSITION_LIQUIDATED: {
		const tl_ev_position_t *p = &ev->u.pos;
		ej_name(&j, "pos_side", tl_pos_side_name((tl_pos_side_t)p->pos_side));
		ej_fx(&j, "qty", p->qty);
		ej_fx(&j, "entry", p->entry);
		ej_fx(&j, "mark", p->mark);
		ej_fx(&j, "unrealized_pnl", p->unrealized);
		ej_fx(&j, "realized_pnl", p->realized);
		ej_fx(&j, "commission", p->commission);
		ej_fx(&j, "roe", p->roe);
		break;
	}
	case TL_EV_EMERGENCY_STARTED:
	case TL_EV_EMERGENCY_COMPLETED:
	case TL_EV_TRADING_STATE_CHANGED: {
		const tl_ev_state_t *s = &ev->u.state;
		ej_name(&j, "from", tl_trading_state_name((tl_trading_state_t)s->from));
		ej_name(&j, "to", tl_trading_state_name((tl_trading_state_t)s->to));
		ej_uint(&j, "closes", s->total);
		ej_uint(&j, "closes_filled", s->ok);
		ej_uint(&j, "closes_failed", s->failed);
		ej_uint(&j, "canceled", s->canceled);
		ej_text(&j, ev, "reason");
		break;
	}
	case TL_EV_POSITION_CONFLICT:
	case TL_EV_POSITION_ORPHAN: {
		const tl_ev_recon_t *r = &ev->u.recon;
		ej_name(&j, "pos_side", tl_pos_side_name((tl_pos_side_t)r->pos_side));
		ej_fx(&j, "local_qty", r->local_qty);
		ej_fx(&j, "local_entry", r->local_entry);
		ej_fx(&j, "venue_qty", r->venue_qty);
		ej_fx(&j, "venue_entry", r->venue_entry);
		ej_put(&j, r->adopted ? ",\"adopted\":true" : ",\"adopted\":false",
		       r->adopted ? 15 : 16);
		ej_text(&j, ev, "text");
		break;
	}
	case TL_EV_STRATEGY_ADDED:
		ej_uint(&j, "strategy_row", ev->u.strat.id);
		ej_text(&j, ev, "strategy");
		break;
	case TL_EV_POSITION_ROUND_TRIP: {
		const tl_ev_trip_t *t = &ev->u.trip;
		ej_name(&j, "pos_side", tl_pos_side_name((tl_pos_side_t)t->pos_side));
		ej_uint(&j, "strategy_row", t->strategy);
		ej_fx(&j, "qty", t->qty);
		ej_fx(&j, "entry", t->entry);
		ej_fx(&j, "exit", t->exit);
		ej_fx(&j, "realized_pnl", t->realized);
		ej_fx(&j, "commission", t->commission);
		ej_name(&j, "exit_reason", tl_exit_reason_name((tl_exit_reason_t)t->reason));
		break;
	}
	default:
		ej_order(&j, ev);
		break;
	}
	return j.n;
}
