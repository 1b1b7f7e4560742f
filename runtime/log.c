/*
 * log.c - stderr logging and event formatting (see log.h).
 */
#include "runtime/log.h"
#include "runtime/clock.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static int log_level = TL_LOG_INFO;

void tl_log_set_level(int level) { log_level = level; }

static const char *const level_names[] = { "ERROR", "WARN ", "INFO ", "DEBUG" };

void tl_log(int level, const char *fmt, ...)
{
	if (level > log_level)
		return;
	char line[1024];
	tl_time_t now = tl_clock_realtime_ns();
	time_t sec = (time_t)(now / TL_NS_PER_S);
	struct tm tm;
	gmtime_r(&sec, &tm);
	int n = snprintf(line, sizeof(line), "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %s ",
			 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
			 tm.tm_min, tm.tm_sec, (long)(now % TL_NS_PER_S / 1000000),
			 level_names[level < 0 ? 0 : level > 3 ? 3 : level]);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	va_end(ap);
	/* One write per line so concurrent writers do not interleave. */
	size_t len = strnlen(line, sizeof(line) - 2);
	line[len++] = '\n';
	fwrite(line, 1, len, stderr);
}

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

void tl_log_event(const tl_event_t *ev)
{
	char line[512];
	tl_event_format(ev, line, sizeof(line));
	int lvl = ev->priority >= 9 ? TL_LOG_WARN : TL_LOG_INFO;
	if (ev->type == TL_EV_ORDER_REJECTED)
		lvl = TL_LOG_WARN;
	tl_log(lvl, "%s", line);
}
