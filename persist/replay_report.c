/*
 * replay_report.c - the post-mortem `talon replay` prints (docs/replay.md).
 *
 * Fed by the comparator's hooks (replay_int.h), one settled output at a
 * time, in kernel order. Nothing here holds records: it keeps one small
 * entry per order (for latencies and to group an order's steps) and the
 * text of orders that are still live; sections 2 and 3 of the text format
 * are written to temporary files as they happen and copied out at the end.
 *
 * Sections (text):
 *   1. orders: one block per order, printed when the order ends (the rest
 *      at the end of the journal), one line per step with the time and the
 *      latency since the order's previous step;
 *   2. positions: every POSITION_* event, then the end state;
 *   3. per strategy tag at the end (when there are tags), then trading
 *      state and the emergency timeline;
 *   4. summary.
 * json: the same items as one object per line; csv: order steps only.
 */
#define _GNU_SOURCE
#include "persist/replay_int.h"

#include "persist/json_esc.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One order seen in the journal. */
typedef struct rep_ord {
	char clid[TL_CLID_LEN];     /* "" = empty cell */
	char sym[TL_SYMBOL_NAMELEN];
	tl_time_t last;             /* time of its previous step */
	bool has_last;
	bool done;                  /* block printed */
	uint8_t role;
	char *buf;                  /* text: the block so far */
	size_t len, cap;
} rep_ord_t;

struct tl_report {
	const tl_replay_opts_t *o;
	FILE *out;
	FILE *pos, *state;          /* text: sections 2 and 3, until the end */
	tl_kernel_t *k;
	rep_ord_t *ord;             /* open addressing by client id */
	uint32_t ord_cap, ord_n;
	/* emergency timeline */
	bool emg_active, flag;
	tl_time_t flag_t, emg_t;
	uint32_t emg_cancels;
	tl_time_t emg_c_first, emg_c_last;
	/* counts */
	uint64_t orders, fills, refusals, steps, mismatches_shown;
	bool oom;
};

/* ---- small helpers ------------------------------------------------------- */

static const char *fxs(tl_fx_t v, char *b)
{
	tl_fx_format(v, -1, b, TL_FX_STRLEN);
	return b;
}

static void rep_time(tl_time_t t, char *buf, size_t len)
{
	/* microseconds are enough for a person; json carries time_ns */
	char full[48];
	tl_rp_fmt_time(t, full, sizeof(full));
	snprintf(buf, len, "%.26sZ", full);
}

/* JSON string body (without quotes): any bytes, valid JSON out
 * (persist/json_esc.h: escapes, invalid UTF-8 as U+FFFD). */
static void rep_json_str(FILE *f, const char *s)
{
	tl_json_esc_fputs(f, s);
}

static void rep_csv_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

static bool rep_want(const tl_report_t *r, const char *clid, const char *sym)
{
	if (r->o->order && (!clid || strcmp(clid, r->o->order) != 0))
		return false;
	if (r->o->symbol && sym && sym[0] && strcmp(sym, r->o->symbol) != 0)
		return false;
	return true;
}

static uint32_t rep_hash(const char *s)
{
	uint32_t h = 2166136261u;
	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 16777619u;
	return h;
}

static rep_ord_t *rep_find(tl_report_t *r, const char *clid, bool create)
{
	if (!clid[0])
		return NULL;
	if (create && (r->ord_n + 1) * 2 > r->ord_cap) {
		uint32_t cap = r->ord_cap ? r->ord_cap * 2 : 1024;
		rep_ord_t *n = calloc(cap, sizeof(*n));
		if (!n) {
			r->oom = true;
			return NULL;
		}
		for (uint32_t i = 0; i < r->ord_cap; i++) {
			if (!r->ord[i].clid[0])
				continue;
			uint32_t c = rep_hash(r->ord[i].clid) & (cap - 1);
			while (n[c].clid[0])
				c = (c + 1) & (cap - 1);
			n[c] = r->ord[i];
		}
		free(r->ord);
		r->ord = n;
		r->ord_cap = cap;
	}
	if (!r->ord_cap)
		return NULL;
	uint32_t c = rep_hash(clid) & (r->ord_cap - 1);
	while (r->ord[c].clid[0]) {
		if (strcmp(r->ord[c].clid, clid) == 0)
			return &r->ord[c];
		c = (c + 1) & (r->ord_cap - 1);
	}
	if (!create)
		return NULL;
	snprintf(r->ord[c].clid, TL_CLID_LEN, "%s", clid);
	r->ord_n++;
	return &r->ord[c];
}

static void rep_append(tl_report_t *r, rep_ord_t *e, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void rep_append(tl_report_t *r, rep_ord_t *e, const char *fmt, ...)
{
	char line[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(line))
		n = sizeof(line) - 1;
	if (e->len + (size_t)n + 1 > e->cap) {
		size_t cap = e->cap ? e->cap * 2 : 512;
		while (cap < e->len + (size_t)n + 1)
			cap *= 2;
		char *b = realloc(e->buf, cap);
		if (!b) {
			r->oom = true;
			return;
		}
		e->buf = b;
		e->cap = cap;
	}
	memcpy(e->buf + e->len, line, (size_t)n + 1);
	e->len += (size_t)n;
}

static void rep_flush_order(tl_report_t *r, rep_ord_t *e, const char *note)
{
	if (e->done || !e->buf)
		return;
	fputs(e->buf, r->out);
	if (note)
		fprintf(r->out, "  %s\n", note);
	fputc('\n', r->out);
	free(e->buf);
	e->buf = NULL;
	e->len = e->cap = 0;
	e->done = true;
}

/* ---- order steps ------------------------------------------------------- */

/* Optional structured fields of a step (json). */
typedef struct rep_step {
	const char *step;
	uint64_t seq;
	tl_time_t time;
	const char *status;
	tl_fx_t qty, price;
	bool has_qty, has_price;
	int64_t trade_id, venue_id;
	int attempt;
	int32_t venue_code;
	const char *reason;
	char detail[256];
} rep_step_t;

static void rep_step(tl_report_t *r, const char *clid, const char *sym,
		     rep_step_t *s, bool terminal)
{
	if (!rep_want(r, clid, sym))
		return;
	rep_ord_t *e = rep_find(r, clid, true);
	if (!e)
		return;
	if (sym && sym[0] && !e->sym[0])
		snprintf(e->sym, sizeof(e->sym), "%s", sym);
	bool has_lat = e->has_last;
	long long lat_us = has_lat ? (long long)((s->time - e->last) / 1000) : 0;
	e->last = s->time;
	e->has_last = true;
	r->steps++;
	char tb[48];
	switch (r->o->format) {
	case TL_REPLAY_TEXT:
		if (e->done) {
			/* A step after the order ended (a late fill): on its own. */
			e->done = false;
			rep_append(r, e, "order %s %s (after it ended)\n", clid, e->sym);
		} else if (!e->buf) {
			rep_append(r, e, "order %s %s\n", clid, e->sym);
		}
		rep_time(s->time, tb, sizeof(tb));
		if (has_lat)
			rep_append(r, e, "  %s  %-16s %s  (+%lld us)\n", tb, s->step,
				   s->detail, lat_us);
		else
			rep_append(r, e, "  %s  %-16s %s\n", tb, s->step, s->detail);
		if (terminal)
			rep_flush_order(r, e, NULL);
		break;
	case TL_REPLAY_JSON: {
		char a[TL_FX_STRLEN];
		tl_rp_fmt_time(s->time, tb, sizeof(tb));
		fprintf(r->out, "{\"type\":\"order_step\",\"seq\":%llu,\"time_ns\":%lld,"
			"\"time\":\"%s\",\"client_id\":\"", (unsigned long long)s->seq,
			(long long)s->time, tb);
		rep_json_str(r->out, clid);
		fprintf(r->out, "\",\"symbol\":\"");
		rep_json_str(r->out, e->sym);
		fprintf(r->out, "\",\"step\":\"%s\",\"latency_us\":", s->step);
		if (has_lat)
			fprintf(r->out, "%lld", lat_us);
		else
			fprintf(r->out, "null");
		if (s->status)
			fprintf(r->out, ",\"status\":\"%s\"", s->status);
		if (s->has_qty)
			fprintf(r->out, ",\"qty\":\"%s\"", fxs(s->qty, a));
		if (s->has_price)
			fprintf(r->out, ",\"price\":\"%s\"", fxs(s->price, a));
		if (s->trade_id)
			fprintf(r->out, ",\"trade_id\":%lld", (long long)s->trade_id);
		if (s->venue_id)
			fprintf(r->out, ",\"venue_id\":%lld", (long long)s->venue_id);
		if (s->attempt)
			fprintf(r->out, ",\"attempt\":%d", s->attempt);
		if (s->venue_code)
			fprintf(r->out, ",\"venue_code\":%d", s->venue_code);
		if (s->reason) {
			fprintf(r->out, ",\"reason\":\"");
			rep_json_str(r->out, s->reason);
			fputc('"', r->out);
		}
		fprintf(r->out, ",\"detail\":\"");
		rep_json_str(r->out, s->detail);
		fprintf(r->out, "\"}\n");
		break;
	}
	case TL_REPLAY_CSV:
		fprintf(r->out, "%s,%s,%s,%lld,", clid, e->sym, s->step, (long long)s->time);
		if (has_lat)
			fprintf(r->out, "%lld", lat_us);
		fputc(',', r->out);
		rep_csv_str(r->out, s->detail);
		fputc('\n', r->out);
		break;
	}
}

/* ---- sections 2 and 3 ------------------------------------------------------ */

static void rep_pos_line(tl_report_t *r, const tl_output_t *o)
{
	const tl_event_t *ev = &o->u.ev;
	const tl_ev_position_t *p = &ev->u.pos;
	char tb[48], a[TL_FX_STRLEN], b[TL_FX_STRLEN], c[TL_FX_STRLEN],
		d[TL_FX_STRLEN], e[TL_FX_STRLEN], f[TL_FX_STRLEN];
	if (!rep_want(r, NULL, ev->symbol) || r->o->order)
		return;
	if (r->o->format == TL_REPLAY_TEXT) {
		rep_time(o->hdr.time, tb, sizeof(tb));
		fprintf(r->pos, "  %s  %-19s %.*s %s qty=%s entry=%s realized=%s fee=%s mark=%s unrealized=%s\n",
			tb, tl_event_name((tl_event_type_t)ev->type), TL_SYMBOL_NAMELEN - 1,
			ev->symbol, tl_pos_side_name((tl_pos_side_t)p->pos_side),
			fxs(p->qty, a), fxs(p->entry, b), fxs(p->realized, c),
			fxs(p->commission, d), fxs(p->mark, e), fxs(p->unrealized, f));
	} else if (r->o->format == TL_REPLAY_JSON) {
		tl_rp_fmt_time(o->hdr.time, tb, sizeof(tb));
		fprintf(r->out, "{\"type\":\"position\",\"seq\":%llu,\"time_ns\":%lld,\"time\":\"%s\","
			"\"event\":\"%s\",\"symbol\":\"%.*s\",\"position_side\":\"%s\",\"qty\":\"%s\","
			"\"entry\":\"%s\",\"mark\":\"%s\",\"realized\":\"%s\",\"unrealized\":\"%s\","
			"\"commission\":\"%s\"}\n",
			(unsigned long long)o->hdr.seq, (long long)o->hdr.time, tb,
			tl_event_name((tl_event_type_t)ev->type), TL_SYMBOL_NAMELEN - 1, ev->symbol,
			tl_pos_side_name((tl_pos_side_t)p->pos_side), fxs(p->qty, a),
			fxs(p->entry, b), fxs(p->mark, c), fxs(p->realized, d),
			fxs(p->unrealized, e), fxs(p->commission, f));
	}
}

/* A line of section 3 (state or emergency). */
static void rep_sec3(tl_report_t *r, const char *type, const char *step,
		     tl_time_t t, uint64_t seq, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));

static void rep_sec3(tl_report_t *r, const char *type, const char *step,
		     tl_time_t t, uint64_t seq, const char *fmt, ...)
{
	char detail[400], tb[48];
	va_list ap;
	if (r->o->order || r->o->format == TL_REPLAY_CSV)
		return;
	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	if (r->o->format == TL_REPLAY_TEXT) {
		rep_time(t, tb, sizeof(tb));
		if (strcmp(type, "state") == 0)
			fprintf(r->state, "  %s  state      %s\n", tb, detail);
		else
			fprintf(r->state, "  %s  emergency  %-20s %s\n", tb, step, detail);
		return;
	}
	tl_rp_fmt_time(t, tb, sizeof(tb));
	fprintf(r->out, "{\"type\":\"%s\",\"seq\":%llu,\"time_ns\":%lld,\"time\":\"%s\"",
		type, (unsigned long long)seq, (long long)t, tb);
	if (strcmp(type, "emergency") == 0) {
		fprintf(r->out, ",\"step\":\"%s\",\"elapsed_ms\":", step);
		if (r->emg_t || r->flag)
			fprintf(r->out, "%.3f", (double)(t - (r->flag ? r->flag_t : r->emg_t)) / 1e6);
		else
			fprintf(r->out, "null");
	}
	fprintf(r->out, ",\"detail\":\"");
	rep_json_str(r->out, detail);
	fprintf(r->out, "\"}\n");
}

static void rep_state_json(tl_report_t *r, const tl_output_t *o)
{
	const tl_event_t *ev = &o->u.ev;
	char tb[48];
	if (r->o->order)
		return;
	tl_rp_fmt_time(o->hdr.time, tb, sizeof(tb));
	fprintf(r->out, "{\"type\":\"state\",\"seq\":%llu,\"time_ns\":%lld,\"time\":\"%s\","
		"\"from\":\"%s\",\"to\":\"%s\",\"reason\":\"", (unsigned long long)o->hdr.seq,
		(long long)o->hdr.time, tb,
		tl_trading_state_name((tl_trading_state_t)ev->u.state.from),
		tl_trading_state_name((tl_trading_state_t)ev->u.state.to));
	rep_json_str(r->out, ev->text);
	fprintf(r->out, "\"}\n");
}

/* ---- hooks --------------------------------------------------------------- */

static void rep_on_input(void *ctx, const tl_input_t *in)
{
	tl_report_t *r = ctx;
	if (in->hdr.type == TL_IN_CONTROL) {
		static const char *const cmds[] = { "?", "LIQUIDATE", "HALT", "PAUSE", "RESUME" };
		unsigned c = in->u.control.cmd;
		const char *name = c < 5 ? cmds[c] : "?";
		if (c == TL_CTL_LIQUIDATE) {
			if (!r->emg_active) {
				r->flag = true;
				r->flag_t = in->hdr.time;
			}
			rep_sec3(r, "emergency", "flag_seen", in->hdr.time, in->hdr.seq,
				 "CONTROL LIQUIDATE \"%.*s\"%s", TL_TEXT_LEN - 1,
				 in->u.control.reason, r->emg_active ? " (already liquidating)" : "");
		} else {
			rep_sec3(r, "state", "control", in->hdr.time, in->hdr.seq,
				 "control %s \"%.*s\"", name, TL_TEXT_LEN - 1, in->u.control.reason);
		}
	} else if (in->hdr.type == TL_IN_REQ_ERROR) {
		const tl_in_req_error_t *e = &in->u.error;
		static const char *const reqs[] = { "?", "new", "cancel", "query" };
		char clid[TL_CLID_LEN];
		snprintf(clid, sizeof(clid), "%.*s", TL_CLID_MAX, e->client_id);
		rep_ord_t *oe = rep_find(r, clid, false);
		rep_step_t s = { .step = "error", .seq = in->hdr.seq, .time = in->hdr.time,
				 .venue_code = e->outcome.code, .reason = e->text };
		snprintf(s.detail, sizeof(s.detail), "%s request: %s http=%u code=%d written=%d \"%.*s\"",
			 e->req < 4 ? reqs[e->req] : "?",
			 tl_retry_class_name(tl_retry_classify(&e->outcome)),
			 e->outcome.http_status, e->outcome.code, e->outcome.written,
			 TL_TEXT_LEN - 1, e->text);
		rep_step(r, clid, oe ? oe->sym : NULL, &s, false);
	} else if (in->hdr.type == TL_IN_RESTART) {
		/* A liquidation that was running died with the process. */
		r->emg_active = false;
		r->flag = false;
		r->emg_t = 0;
		rep_sec3(r, "state", "restart", in->hdr.time, in->hdr.seq,
			 "RESTART session %llu (client ids from %llu)",
			 (unsigned long long)in->u.restart.session,
			 (unsigned long long)in->u.restart.id_next);
	}
}

static void rep_order_event(tl_report_t *r, const tl_input_t *cause, const tl_output_t *o)
{
	const tl_event_t *ev = &o->u.ev;
	const tl_ev_order_t *e = &ev->u.order;
	char clid[TL_CLID_LEN], a[TL_FX_STRLEN], b[TL_FX_STRLEN], c[TL_FX_STRLEN],
		d[TL_FX_STRLEN];
	char text[TL_TEXT_LEN];
	snprintf(clid, sizeof(clid), "%.*s", TL_CLID_MAX, e->client_id);
	snprintf(text, sizeof(text), "%.*s", TL_TEXT_LEN - 1, ev->text);
	rep_step_t s = { .seq = o->hdr.seq, .time = o->hdr.time,
			 .status = tl_status_name((tl_ord_status_t)e->status),
			 .venue_code = e->venue_code, .venue_id = e->venue_id };
	bool terminal = false;
	const char *side = tl_side_name((tl_side_t)e->side);
	const char *type = tl_ord_type_name((tl_ord_type_t)e->type);

	switch ((tl_event_type_t)ev->type) {
	case TL_EV_ORDER_SUBMITTED: {
		static const char *const roles[] = { "", " entry", " take-profit",
						     " stop-loss", " emergency-close" };
		r->orders++;
		s.step = "submitted";
		s.qty = e->qty, s.has_qty = true;
		s.price = e->price, s.has_price = e->price != 0;
		/* The replaying kernel has the tag's row by now: it made
		 * this event. */
		const char *tag = e->strategy && e->strategy <= r->k->strats.n
					  ? r->k->strats.row[e->strategy].name : "";
		snprintf(s.detail, sizeof(s.detail), "%s %s %s qty=%s price=%s%s%s%s%s",
			 side, type, tl_pos_side_name((tl_pos_side_t)e->pos_side),
			 fxs(e->qty, a), fxs(e->price, b), e->reduce_only ? " reduce-only" : "",
			 e->role < 5 ? roles[e->role] : "", tag[0] ? " strategy=" : "", tag);
		break;
	}
	case TL_EV_ORDER_ACCEPTED:
		s.step = "acked";
		snprintf(s.detail, sizeof(s.detail), "venue id %lld", (long long)e->venue_id);
		break;
	case TL_EV_ORDER_PARTIALLY_FILLED:
	case TL_EV_ORDER_FILLED: {
		r->fills++;
		terminal = ev->type == TL_EV_ORDER_FILLED;
		s.step = terminal ? "filled" : "fill";
		s.qty = e->last_qty, s.has_qty = true;
		s.price = e->last_price, s.has_price = true;
		char g[TL_FX_STRLEN];
		int n = snprintf(s.detail, sizeof(s.detail), "%s@%s filled=%s/%s avg=%s",
				 fxs(e->last_qty, a), fxs(e->last_price, b), fxs(e->filled, c),
				 fxs(e->qty, d), fxs(e->avg_price, g));
		if (cause->hdr.type == TL_IN_FILL &&
		    strncmp(cause->u.fill.client_id, e->client_id, TL_CLID_LEN) == 0) {
			s.trade_id = cause->u.fill.trade_id;
			snprintf(s.detail + n, sizeof(s.detail) - (size_t)n, " trade=%lld fee=%s%s",
				 (long long)cause->u.fill.trade_id, fxs(cause->u.fill.commission, b),
				 cause->u.fill.maker ? " maker" : " taker");
		} else if (cause->hdr.type == TL_IN_QUERY_RESULT) {
			snprintf(s.detail + n, sizeof(s.detail) - (size_t)n, " (from a status query)");
		}
		break;
	}
	case TL_EV_ORDER_CANCELED:
		terminal = true;
		s.step = "canceled";
		snprintf(s.detail, sizeof(s.detail), "filled=%s/%s%s%s%s", fxs(e->filled, a),
			 fxs(e->qty, b), text[0] ? " \"" : "", text, text[0] ? "\"" : "");
		break;
	case TL_EV_ORDER_EXPIRED:
		terminal = true;
		s.step = "expired";
		snprintf(s.detail, sizeof(s.detail), "filled=%s/%s \"%s\"", fxs(e->filled, a),
			 fxs(e->qty, b), text);
		break;
	case TL_EV_ORDER_REJECTED:
	case TL_EV_ORDER_FAILED:
		terminal = true;
		s.step = ev->type == TL_EV_ORDER_REJECTED ? "rejected" : "failed";
		s.reason = e->reject ? tl_reject_name((tl_reject_t)e->reject) : NULL;
		snprintf(s.detail, sizeof(s.detail), "%s%s%s code=%d \"%s\"",
			 e->reject ? "refused " : "", e->reject ? tl_reject_name((tl_reject_t)e->reject) : "",
			 e->reject ? "" : "venue", e->venue_code, text);
		if (!clid[0]) {
			/* Refused before it had an id. */
			r->refusals++;
			if (!rep_want(r, NULL, ev->symbol) || r->o->order)
				return;
			char tb[48];
			if (r->o->format == TL_REPLAY_TEXT) {
				rep_time(o->hdr.time, tb, sizeof(tb));
				fprintf(r->out, "refused %.*s %s %s qty=%s price=%s\n  %s  %-16s %s: %s\n\n",
					TL_SYMBOL_NAMELEN - 1, ev->symbol, side, type,
					fxs(e->qty, a), fxs(e->price, b), tb, "refused",
					tl_reject_name((tl_reject_t)e->reject), text);
			} else if (r->o->format == TL_REPLAY_JSON) {
				tl_rp_fmt_time(o->hdr.time, tb, sizeof(tb));
				fprintf(r->out, "{\"type\":\"order_step\",\"seq\":%llu,\"time_ns\":%lld,"
					"\"time\":\"%s\",\"client_id\":null,\"symbol\":\"%.*s\","
					"\"step\":\"refused\",\"latency_us\":null,\"reason\":\"%s\","
					"\"qty\":\"%s\",\"detail\":\"", (unsigned long long)o->hdr.seq,
					(long long)o->hdr.time, tb, TL_SYMBOL_NAMELEN - 1, ev->symbol,
					tl_reject_name((tl_reject_t)e->reject), fxs(e->qty, a));
				rep_json_str(r->out, text);
				fprintf(r->out, "\"}\n");
			} else {
				fprintf(r->out, ",%.*s,refused,%lld,,", TL_SYMBOL_NAMELEN - 1,
					ev->symbol, (long long)o->hdr.time);
				snprintf(s.detail, sizeof(s.detail), "%s: %s",
					 tl_reject_name((tl_reject_t)e->reject), text);
				rep_csv_str(r->out, s.detail);
				fputc('\n', r->out);
			}
			return;
		}
		break;
	case TL_EV_ORDER_UNKNOWN:
		s.step = "unknown";
		snprintf(s.detail, sizeof(s.detail), "outcome unknown, querying \"%s\"", text);
		break;
	case TL_EV_ORDER_CANCEL_REQUESTED:
		s.step = "cancel_requested";
		snprintf(s.detail, sizeof(s.detail), "status %s%s%s", s.status,
			 text[0] ? " " : "", text);
		break;
	case TL_EV_ORDER_CANCEL_REJECTED:
		s.step = "cancel_rejected";
		snprintf(s.detail, sizeof(s.detail), "code=%d \"%s\"", e->venue_code, text);
		break;
	default:
		return;
	}
	rep_step(r, clid, ev->symbol, &s, terminal);

	/* Close orders of a liquidation: their outcome is part of section 3. */
	if (e->role == TL_ROLE_EMERGENCY) {
		if (ev->type == TL_EV_ORDER_SUBMITTED)
			rep_sec3(r, "emergency", "close_submitted", o->hdr.time, o->hdr.seq,
				 "%s %.*s %s qty=%s", clid, TL_SYMBOL_NAMELEN - 1, ev->symbol,
				 side, fxs(e->qty, a));
		else if (terminal)
			rep_sec3(r, "emergency", "close_outcome", o->hdr.time, o->hdr.seq,
				 "%s %.*s %s filled=%s/%s avg=%s%s%s%s", clid, TL_SYMBOL_NAMELEN - 1,
				 ev->symbol, s.status, fxs(e->filled, a), fxs(e->qty, b),
				 fxs(e->avg_price, c), text[0] ? " \"" : "", text, text[0] ? "\"" : "");
	}
}

static void rep_request(tl_report_t *r, const tl_output_t *o)
{
	const tl_out_req_t *q = &o->u.req;
	char clid[TL_CLID_LEN], a[TL_FX_STRLEN], b[TL_FX_STRLEN];
	snprintf(clid, sizeof(clid), "%.*s", TL_CLID_MAX, q->client_id);
	rep_step_t s = { .seq = o->hdr.seq, .time = o->hdr.time, .attempt = q->attempt,
			 .venue_id = q->venue_id };
	switch (o->hdr.type) {
	case TL_OUT_REQ_NEW:
		s.step = "sent";
		s.qty = q->qty, s.has_qty = true;
		s.price = q->price, s.has_price = q->price != 0;
		snprintf(s.detail, sizeof(s.detail), "REQ_NEW attempt %u %s %s qty=%s price=%s%s",
			 q->attempt, tl_side_name((tl_side_t)q->side),
			 tl_ord_type_name((tl_ord_type_t)q->type), fxs(q->qty, a),
			 fxs(q->price, b), q->urgent ? " urgent" : "");
		break;
	case TL_OUT_REQ_CANCEL:
		s.step = "cancel_sent";
		snprintf(s.detail, sizeof(s.detail), "REQ_CANCEL attempt %u venue id %lld%s",
			 q->attempt, (long long)q->venue_id, q->urgent ? " urgent" : "");
		if (r->emg_active) {
			if (!r->emg_cancels++)
				r->emg_c_first = o->hdr.time;
			r->emg_c_last = o->hdr.time;
			rep_sec3(r, "emergency", "cancel_sent", o->hdr.time, o->hdr.seq,
				 "%s %.*s", clid, TL_SYMBOL_NAMELEN - 1, q->symbol);
		}
		break;
	case TL_OUT_REQ_QUERY:
		s.step = "query_sent";
		snprintf(s.detail, sizeof(s.detail), "REQ_QUERY venue id %lld",
			 (long long)q->venue_id);
		break;
	default:
		return;
	}
	rep_step(r, clid, q->symbol, &s, false);
}

static void rep_on_output(void *ctx, const tl_input_t *cause, const tl_output_t *regen,
			  const tl_output_t *jour)
{
	tl_report_t *r = ctx;
	const tl_output_t *o = regen;
	(void)jour;
	if (o->hdr.type != TL_OUT_EVENT) {
		rep_request(r, o);
		return;
	}
	const tl_event_t *ev = &o->u.ev;
	const tl_ev_state_t *st = &ev->u.state;
	char text[TL_TEXT_LEN];
	snprintf(text, sizeof(text), "%.*s", TL_TEXT_LEN - 1, ev->text);
	switch ((tl_event_type_t)ev->type) {
	case TL_EV_POSITION_LIQUIDATED:
		if (!r->o->symbol || strcmp(ev->symbol, r->o->symbol) == 0) {
			char a[TL_FX_STRLEN];
			rep_sec3(r, "emergency", "position_liquidated", o->hdr.time, o->hdr.seq,
				 "%.*s %s realized=%s", TL_SYMBOL_NAMELEN - 1, ev->symbol,
				 tl_pos_side_name((tl_pos_side_t)ev->u.pos.pos_side),
				 fxs(ev->u.pos.realized, a));
		}
		/* fall through */
	case TL_EV_POSITION_OPENED:
	case TL_EV_POSITION_UPDATED:
	case TL_EV_POSITION_CLOSED:
		rep_pos_line(r, o);
		break;
	case TL_EV_TRADING_STATE_CHANGED:
		if (r->o->format == TL_REPLAY_JSON)
			rep_state_json(r, o);
		else
			rep_sec3(r, "state", "", o->hdr.time, o->hdr.seq, "%s -> %s \"%s\"",
				 tl_trading_state_name((tl_trading_state_t)st->from),
				 tl_trading_state_name((tl_trading_state_t)st->to), text);
		break;
	case TL_EV_EMERGENCY_STARTED:
		if (!r->flag) {
			/* No operator flag: the kernel tripped it (loss limit). */
			r->flag_t = o->hdr.time;
			rep_sec3(r, "emergency", "flag_seen", o->hdr.time, o->hdr.seq,
				 "%s \"%s\"", cause->hdr.type == TL_IN_CONTROL ? "CONTROL" :
				 "kernel (loss limit)", text);
			r->flag = true;
		}
		r->emg_active = true;
		r->emg_t = o->hdr.time;
		r->emg_cancels = 0;
		rep_sec3(r, "emergency", "started", o->hdr.time, o->hdr.seq,
			 "EMERGENCY_STARTED from %s \"%s\" (+%.3f ms after the flag)",
			 tl_trading_state_name((tl_trading_state_t)st->from), text,
			 (double)(o->hdr.time - r->flag_t) / 1e6);
		break;
	case TL_EV_POSITION_CONFLICT:
	case TL_EV_POSITION_ORPHAN: {
		/* Reconciliation with the venue: in the state timeline. */
		char a[TL_FX_STRLEN], b[TL_FX_STRLEN], c[TL_FX_STRLEN], d[TL_FX_STRLEN];
		const tl_ev_recon_t *rc = &ev->u.recon;
		if (!r->o->symbol || strcmp(ev->symbol, r->o->symbol) == 0)
			rep_sec3(r, "state", "", o->hdr.time, o->hdr.seq,
				 "%s %.*s %s talon %s@%s venue %s@%s%s",
				 tl_event_name((tl_event_type_t)ev->type),
				 TL_SYMBOL_NAMELEN - 1, ev->symbol,
				 tl_pos_side_name((tl_pos_side_t)rc->pos_side),
				 fxs(rc->local_qty, a), fxs(rc->local_entry, b),
				 fxs(rc->venue_qty, c), fxs(rc->venue_entry, d),
				 rc->adopted ? " (venue's adopted)" : "");
		break;
	}
	case TL_EV_EMERGENCY_COMPLETED:
		if (r->emg_cancels)
			rep_sec3(r, "emergency", "cancels", o->hdr.time, o->hdr.seq,
				 "%u cancels sent, first +%.3f ms, last +%.3f ms after start",
				 r->emg_cancels, (double)(r->emg_c_first - r->emg_t) / 1e6,
				 (double)(r->emg_c_last - r->emg_t) / 1e6);
		rep_sec3(r, "emergency", "completed", o->hdr.time, o->hdr.seq,
			 "EMERGENCY_COMPLETED closes=%u filled=%u failed=%u canceled=%u; "
			 "time to flat %.3f ms (%.3f ms from the flag)",
			 st->total, st->ok, st->failed, st->canceled,
			 (double)(o->hdr.time - r->emg_t) / 1e6,
			 (double)(o->hdr.time - r->flag_t) / 1e6);
		r->emg_active = false;
		r->flag = false;
		r->emg_t = 0;
		break;
	default:
		rep_order_event(r, cause, o);
		break;
	}
}

static void rep_on_mismatch(void *ctx, uint64_t seq, const char *what)
{
	tl_report_t *r = ctx;
	(void)seq;
	if (r->mismatches_shown++ >= 20)
		return;
	if (r->o->format == TL_REPLAY_TEXT) {
		fprintf(r->out, "!! REPLAY DIVERGES: %s\n\n", what);
	} else if (r->o->format == TL_REPLAY_JSON) {
		fprintf(r->out, "{\"type\":\"mismatch\",\"seq\":%llu,\"what\":\"",
			(unsigned long long)seq);
		rep_json_str(r->out, what);
		fprintf(r->out, "\"}\n");
	}
}

/* ---- life cycle -------------------------------------------------------- */

tl_report_t *tl_report_new(const tl_replay_opts_t *o, tl_kernel_t *k, char *err,
			   size_t errlen)
{
	tl_report_t *r = calloc(1, sizeof(*r));
	if (!r)
		goto oom;
	r->o = o;
	r->k = k;
	r->out = o->out ? o->out : stdout;
	if (o->format == TL_REPLAY_TEXT) {
		if (!(r->pos = tmpfile()) || !(r->state = tmpfile())) {
			snprintf(err, errlen, "replay: cannot create a temporary file");
			tl_report_free(r);
			return NULL;
		}
		fprintf(r->out, "== orders ==\n\n");
	} else if (o->format == TL_REPLAY_CSV) {
		fprintf(r->out, "client_id,symbol,step,time_ns,latency_us,detail\n");
	}
	return r;
oom:
	snprintf(err, errlen, "out of memory");
	return NULL;
}

void tl_report_hooks(tl_report_t *r, tl_rp_hooks_t *h)
{
	h->on_input = rep_on_input;
	h->on_output = rep_on_output;
	h->on_mismatch = rep_on_mismatch;
	h->ctx = r;
}

static void rep_copy(FILE *from, FILE *to)
{
	char buf[8192];
	size_t n;
	rewind(from);
	while ((n = fread(buf, 1, sizeof(buf), from)) > 0)
		fwrite(buf, 1, n, to);
}

static void rep_end_positions(tl_report_t *r)
{
	const tl_kernel_t *k = r->k;
	char a[TL_FX_STRLEN], b[TL_FX_STRLEN], c[TL_FX_STRLEN], d[TL_FX_STRLEN],
		e[TL_FX_STRLEN], f[TL_FX_STRLEN], g[TL_FX_STRLEN];
	if (r->o->order || r->o->format == TL_REPLAY_CSV)
		return;
	for (uint32_t i = 0; i < k->syms.count * 3; i++) {
		const tl_position_t *p = &k->pos[i];
		const char *sym = k->syms.sym[i / 3].name;
		if (p->fills == 0 && p->qty == 0)
			continue;
		if (r->o->symbol && strcmp(sym, r->o->symbol) != 0)
			continue;
		tl_fx_t net = tl_fx_sat128((__int128)p->realized - p->commission + p->unrealized);
		if (r->o->format == TL_REPLAY_TEXT)
			fprintf(r->out, "  end  %s %s %s qty=%s entry=%s realized=%s unrealized=%s "
				"(mark %s) commission=%s net=%s\n", sym,
				tl_pos_side_name((tl_pos_side_t)p->pos_side),
				tl_pos_status_name((tl_pos_status_t)p->status), fxs(p->qty, a),
				fxs(p->entry, b), fxs(p->realized, c), fxs(p->unrealized, d),
				fxs(p->mark, e), fxs(p->commission, f), fxs(net, g));
		else
			fprintf(r->out, "{\"type\":\"position\",\"event\":\"END\",\"symbol\":\"%s\","
				"\"position_side\":\"%s\",\"status\":\"%s\",\"qty\":\"%s\",\"entry\":\"%s\","
				"\"mark\":\"%s\",\"realized\":\"%s\",\"unrealized\":\"%s\","
				"\"commission\":\"%s\",\"net\":\"%s\"}\n", sym,
				tl_pos_side_name((tl_pos_side_t)p->pos_side),
				tl_pos_status_name((tl_pos_status_t)p->status), fxs(p->qty, a),
				fxs(p->entry, b), fxs(p->mark, c), fxs(p->realized, d),
				fxs(p->unrealized, e), fxs(p->commission, f),
				fxs(net, g));
	}
}

/* Per strategy tag at the end (docs/kernel.md "Strategy attribution"),
 * summed over its virtual positions of the --symbol when one is given;
 * the untagged row only when something was booked to it. */
static void rep_end_strategies(tl_report_t *r)
{
	const tl_kernel_t *k = r->k;
	const tl_strats_t *t = &k->strats;
	char a[TL_FX_STRLEN], b[TL_FX_STRLEN], c[TL_FX_STRLEN], d[TL_FX_STRLEN];
	if (r->o->order || r->o->format == TL_REPLAY_CSV || t->n == 0)
		return;
	for (uint32_t row = 0; row <= t->n; row++) {
		__int128 realized = 0, unrealized = 0, fee = 0;	/* sat at the end */
		uint64_t fills = 0;
		for (uint32_t s = 0; s < k->syms.count; s++) {
			if (r->o->symbol && strcmp(k->syms.sym[s].name, r->o->symbol) != 0)
				continue;
			for (uint32_t ps = 0; ps < 3; ps++) {
				const tl_position_t *p = tl_strat_pos(t, row, s, ps);
				realized += p->realized;
				unrealized += p->unrealized;
				fee += p->commission;
				fills += p->fills;
			}
		}
		if (row == 0 && !fills && !t->row[0].orders)
			continue;
		tl_fx_t net = tl_fx_sat128(realized - fee + unrealized);
		const char *name = t->row[row].name;
		if (r->o->format == TL_REPLAY_TEXT) {
			fprintf(r->out, "  %-15s orders=%llu fills=%llu realized=%s unrealized=%s "
				"commission=%s net=%s\n", row ? name : "(untagged)",
				(unsigned long long)t->row[row].orders, (unsigned long long)fills,
				fxs(tl_fx_sat128(realized), a), fxs(tl_fx_sat128(unrealized), b),
				fxs(tl_fx_sat128(fee), c), fxs(net, d));
			continue;
		}
		fprintf(r->out, "{\"type\":\"strategy\",\"strategy\":");
		if (row)
			fprintf(r->out, "\"%s\"", name);	/* a valid tag needs no escaping */
		else
			fprintf(r->out, "null");
		fprintf(r->out, ",\"orders\":%llu,\"fills\":%llu,\"realized\":\"%s\","
			"\"unrealized\":\"%s\",\"commission\":\"%s\",\"net\":\"%s\"}\n",
			(unsigned long long)t->row[row].orders, (unsigned long long)fills,
			fxs(tl_fx_sat128(realized), a), fxs(tl_fx_sat128(unrealized), b),
			fxs(tl_fx_sat128(fee), c), fxs(net, d));
	}
}

static void rep_summary(tl_report_t *r, const tl_replay_stats_t *st)
{
	const tl_kernel_counters_t *c = &r->k->ctr;
	char t0[48], t1[48];
	tl_rp_fmt_time(st->first_time, t0, sizeof(t0));
	tl_rp_fmt_time(st->last_time, t1, sizeof(t1));
	if (r->o->format == TL_REPLAY_TEXT) {
		fprintf(r->out, "\n== summary ==\n\n");
		fprintf(r->out, "  journal   %llu records: %llu inputs, %llu outputs, %s .. %s%s\n",
			(unsigned long long)st->records, (unsigned long long)st->inputs,
			(unsigned long long)st->outputs, t0, t1,
			st->stopped ? " (stopped at --until/--seq)" : "");
		fprintf(r->out, "  replay    %llu outputs regenerated, %llu matched, %llu mismatches, "
			"%llu lost in a crash tail\n", (unsigned long long)st->regenerated,
			(unsigned long long)st->matched, (unsigned long long)st->mismatches,
			(unsigned long long)st->lost_outputs);
		if (st->mismatches)
			fprintf(r->out, "  FINDING   the replay diverges from the journal: first at %s\n",
				st->first_mismatch);
		fprintf(r->out, "  orders    %llu submitted, %llu fills, %llu refusals\n",
			(unsigned long long)r->orders, (unsigned long long)r->fills,
			(unsigned long long)r->refusals);
		fprintf(r->out, "  kernel    state=%s inputs=%llu outputs=%llu events=%llu "
			"submitted=%llu refused=%llu filled=%llu canceled=%llu rejected=%llu "
			"failed=%llu expired=%llu unknown=%llu requests=%llu retries=%llu "
			"fills=%llu duplicate_fills=%llu invalid_fills=%llu "
			"unknown_order_inputs=%llu bad_inputs=%llu\n",
			tl_trading_state_name(r->k->state), (unsigned long long)c->inputs,
			(unsigned long long)c->outputs, (unsigned long long)c->events,
			(unsigned long long)c->orders_submitted, (unsigned long long)c->orders_refused,
			(unsigned long long)c->orders_filled, (unsigned long long)c->orders_canceled,
			(unsigned long long)c->orders_rejected, (unsigned long long)c->orders_failed,
			(unsigned long long)c->orders_expired, (unsigned long long)c->orders_unknown,
			(unsigned long long)c->requests, (unsigned long long)c->retries,
			(unsigned long long)c->fills, (unsigned long long)c->duplicate_fills,
			(unsigned long long)c->invalid_fills,
			(unsigned long long)c->unknown_order_inputs, (unsigned long long)c->bad_inputs);
		fprintf(r->out, "  ids       last input seq %llu, last output seq %llu, "
			"max client id seq %llu, reserved to %llu\n",
			(unsigned long long)st->last_in_seq, (unsigned long long)st->last_out_seq,
			(unsigned long long)st->max_client_seq, (unsigned long long)st->id_reserved_to);
		return;
	}
	if (r->o->format != TL_REPLAY_JSON)
		return;
	fprintf(r->out, "{\"type\":\"summary\",\"records\":%llu,\"inputs\":%llu,\"outputs\":%llu,"
		"\"regenerated\":%llu,\"matched\":%llu,\"mismatches\":%llu,\"first_mismatch\":",
		(unsigned long long)st->records, (unsigned long long)st->inputs,
		(unsigned long long)st->outputs, (unsigned long long)st->regenerated,
		(unsigned long long)st->matched, (unsigned long long)st->mismatches);
	if (st->mismatches) {
		fputc('"', r->out);
		rep_json_str(r->out, st->first_mismatch);
		fputc('"', r->out);
	} else {
		fprintf(r->out, "null");
	}
	fprintf(r->out, ",\"lost_outputs\":%llu,\"stopped\":%s,\"first_time_ns\":%lld,"
		"\"last_time_ns\":%lld,\"orders\":%llu,\"fills\":%llu,\"refusals\":%llu,"
		"\"state\":\"%s\",\"last_in_seq\":%llu,\"last_out_seq\":%llu,"
		"\"max_client_seq\":%llu,\"id_reserved_to\":%llu,\"counters\":{"
		"\"inputs\":%llu,\"outputs\":%llu,\"events\":%llu,\"orders_submitted\":%llu,"
		"\"orders_refused\":%llu,\"orders_filled\":%llu,\"orders_canceled\":%llu,"
		"\"orders_rejected\":%llu,\"orders_failed\":%llu,\"orders_expired\":%llu,"
		"\"orders_unknown\":%llu,\"requests\":%llu,\"retries\":%llu,\"fills\":%llu,"
		"\"duplicate_fills\":%llu,\"invalid_fills\":%llu,\"invalid_transitions\":%llu,"
		"\"unknown_order_inputs\":%llu,\"bad_inputs\":%llu}}\n",
		(unsigned long long)st->lost_outputs, st->stopped ? "true" : "false",
		(long long)st->first_time, (long long)st->last_time,
		(unsigned long long)r->orders, (unsigned long long)r->fills,
		(unsigned long long)r->refusals, tl_trading_state_name(r->k->state),
		(unsigned long long)st->last_in_seq, (unsigned long long)st->last_out_seq,
		(unsigned long long)st->max_client_seq, (unsigned long long)st->id_reserved_to,
		(unsigned long long)c->inputs, (unsigned long long)c->outputs,
		(unsigned long long)c->events, (unsigned long long)c->orders_submitted,
		(unsigned long long)c->orders_refused, (unsigned long long)c->orders_filled,
		(unsigned long long)c->orders_canceled, (unsigned long long)c->orders_rejected,
		(unsigned long long)c->orders_failed, (unsigned long long)c->orders_expired,
		(unsigned long long)c->orders_unknown, (unsigned long long)c->requests,
		(unsigned long long)c->retries, (unsigned long long)c->fills,
		(unsigned long long)c->duplicate_fills, (unsigned long long)c->invalid_fills,
		(unsigned long long)c->invalid_transitions,
		(unsigned long long)c->unknown_order_inputs, (unsigned long long)c->bad_inputs);
}

int tl_report_finish(tl_report_t *r, const tl_replay_stats_t *st, const char *verify_line)
{
	/* Orders still live at the end, in table order. */
	for (uint32_t i = 0; i < r->ord_cap; i++)
		if (r->ord[i].clid[0] && !r->ord[i].done && r->ord[i].buf)
			rep_flush_order(r, &r->ord[i], "(not final at the end of the replay)");
	if (r->o->format == TL_REPLAY_TEXT) {
		fprintf(r->out, "== positions ==\n\n");
		rep_copy(r->pos, r->out);
		rep_end_positions(r);
		if (r->k->strats.n) {
			fprintf(r->out, "\n== strategies ==\n\n");
			rep_end_strategies(r);
		}
		fprintf(r->out, "\n== trading state and emergencies ==\n\n");
		rep_copy(r->state, r->out);
	} else {
		rep_end_positions(r);
		rep_end_strategies(r);
	}
	rep_summary(r, st);
	if (verify_line)
		fprintf(r->out, "%s\n", verify_line);
	if (r->oom)
		fprintf(r->out, "!! out of memory: some order steps are missing\n");
	fflush(r->out);
	return ferror(r->out) ? -1 : 0;
}

void tl_report_free(tl_report_t *r)
{
	if (!r)
		return;
	for (uint32_t i = 0; i < r->ord_cap; i++)
		free(r->ord[i].buf);
	free(r->ord);
	if (r->pos)
		fclose(r->pos);
	if (r->state)
		fclose(r->state);
	free(r);
}
