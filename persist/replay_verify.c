/*
 * replay_verify.c - `talon replay --verify`: the stored tables against the
 * replayed kernel (docs/replay.md, "How --verify decides").
 *
 * The derived tables are a function of the journaled outputs: `orders`
 * holds each order as of its last order event, `positions` each position
 * as of its last position event, meta.trading_state the last state
 * change. So the check is:
 *   orders     status, filled_qty, avg_price of every row equal the last
 *              order event replay regenerated for that client id; an
 *              order still in the kernel's table must also agree with it
 *              (filled qty and strategy tag always, status once final);
 *              every order replay
 *              saw must have a row and every row must be an order replay
 *              saw;
 *   positions  qty, entry, realized, commission of every row equal the
 *              replayed kernel's position; a kernel position that ever
 *              traded must have a row;
 *   meta       trading_state equals the replayed kernel's state.
 * A value whose last regenerated output was lost in a crash tail (never
 * journaled, so never derived) is compared with the last journaled value
 * instead. Differences are counted; the first is reported.
 *
 * Memory: one small entry per order (client id, two statuses, four
 * decimals), nothing per record.
 */
#define _GNU_SOURCE
#include "persist/replay_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The last order event for one client id, regenerated and journaled. */
typedef struct ver_ord {
	char clid[TL_CLID_LEN];     /* "" = empty cell */
	uint8_t status, jstatus;    /* tl_ord_status_t; jstatus 0: none journaled */
	bool lost;                  /* the last regenerated event was not journaled */
	bool seen_in_table;
	tl_fx_t filled, avg, jfilled, javg;
} ver_ord_t;

/* The last position event per (symbol, side). */
typedef struct ver_pos {
	bool any, lost, jany;
	tl_fx_t jqty, jentry, jrealized, jcommission;
} ver_pos_t;

struct tl_verify {
	tl_kernel_t *k;
	ver_ord_t *ord;
	uint32_t cap, n;
	ver_pos_t *pos;             /* [syms.count * 3] */
	bool state_lost, jstate_any;
	uint8_t jstate;
	bool oom;
	/* while comparing */
	uint64_t ndiff;
	char *diff;
	size_t difflen;
};

static uint32_t ver_hash(const char *s)
{
	uint32_t h = 2166136261u;
	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 16777619u;
	return h;
}

static ver_ord_t *ver_find(tl_verify_t *v, const char *clid, bool create)
{
	if (create && (v->n + 1) * 2 > v->cap) {
		uint32_t cap = v->cap ? v->cap * 2 : 1024;
		ver_ord_t *n = calloc(cap, sizeof(*n));
		if (!n) {
			v->oom = true;
			return NULL;
		}
		for (uint32_t i = 0; i < v->cap; i++) {
			if (!v->ord[i].clid[0])
				continue;
			uint32_t c = ver_hash(v->ord[i].clid) & (cap - 1);
			while (n[c].clid[0])
				c = (c + 1) & (cap - 1);
			n[c] = v->ord[i];
		}
		free(v->ord);
		v->ord = n;
		v->cap = cap;
	}
	if (!v->cap || !clid[0])
		return NULL;
	uint32_t c = ver_hash(clid) & (v->cap - 1);
	while (v->ord[c].clid[0]) {
		if (strcmp(v->ord[c].clid, clid) == 0)
			return &v->ord[c];
		c = (c + 1) & (v->cap - 1);
	}
	if (!create)
		return NULL;
	snprintf(v->ord[c].clid, TL_CLID_LEN, "%s", clid);
	v->n++;
	return &v->ord[c];
}

tl_verify_t *tl_verify_new(tl_kernel_t *k, char *err, size_t errlen)
{
	tl_verify_t *v = calloc(1, sizeof(*v));
	if (!v || !(v->pos = calloc((size_t)k->syms.count * 3 + 1, sizeof(*v->pos)))) {
		free(v);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	v->k = k;
	return v;
}

void tl_verify_free(tl_verify_t *v)
{
	if (!v)
		return;
	free(v->ord);
	free(v->pos);
	free(v);
}

void tl_verify_on_output(tl_verify_t *v, const tl_input_t *cause,
			 const tl_output_t *regen, const tl_output_t *jour)
{
	(void)cause;
	if (regen->hdr.type != TL_OUT_EVENT)
		return;
	const tl_event_t *ev = &regen->u.ev;
	if (tl_event_type_is_order(ev->type)) {
		char clid[TL_CLID_LEN];
		snprintf(clid, sizeof(clid), "%.*s", TL_CLID_MAX, ev->u.order.client_id);
		ver_ord_t *o = ver_find(v, clid, true);
		if (!o)
			return;
		o->status = ev->u.order.status;
		o->filled = ev->u.order.filled;
		o->avg = ev->u.order.avg_price;
		o->lost = jour == NULL;
		if (jour) {
			o->jstatus = jour->u.ev.u.order.status;
			o->jfilled = jour->u.ev.u.order.filled;
			o->javg = jour->u.ev.u.order.avg_price;
		}
	} else if (tl_event_type_is_position(ev->type)) {
		int s = tl_symbols_find(&v->k->syms, ev->symbol);
		if (s < 0 || ev->u.pos.pos_side > 2)
			return;
		ver_pos_t *p = &v->pos[s * 3 + ev->u.pos.pos_side];
		p->any = true;
		p->lost = jour == NULL;
		if (jour) {
			p->jany = true;
			p->jqty = jour->u.ev.u.pos.qty;
			p->jentry = jour->u.ev.u.pos.entry;
			p->jrealized = jour->u.ev.u.pos.realized;
			p->jcommission = jour->u.ev.u.pos.commission;
		}
	} else if (ev->type == TL_EV_TRADING_STATE_CHANGED) {
		v->state_lost = jour == NULL;
		if (jour) {
			v->jstate_any = true;
			v->jstate = jour->u.ev.u.state.to;
		}
	}
}

static void ver_diff(tl_verify_t *v, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void ver_diff(tl_verify_t *v, const char *fmt, ...)
{
	if (v->ndiff++ == 0) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(v->diff, v->difflen, fmt, ap);
		va_end(ap);
	}
}

static tl_fx_t ver_col_fx(sqlite3_stmt *st, int col, bool *bad)
{
	const char *s = (const char *)sqlite3_column_text(st, col);
	tl_fx_t x = 0;
	if (s && *s && tl_fx_parse_cstr(s, &x) != TL_FX_OK)
		*bad = true;
	return x;
}

static const char *ver_fx(tl_fx_t x, char *b)
{
	tl_fx_format(x, -1, b, TL_FX_STRLEN);
	return b;
}

static void ver_cmp_fx(tl_verify_t *v, const char *what, const char *key, const char *col,
		       tl_fx_t table, tl_fx_t replay)
{
	char a[TL_FX_STRLEN], b[TL_FX_STRLEN];
	if (table != replay)
		ver_diff(v, "%s %s: %s %s in table, %s in replay", what, key, col,
			 ver_fx(table, a), ver_fx(replay, b));
}

static int ver_orders(tl_verify_t *v, sqlite3 *db, char *err, size_t errlen)
{
	sqlite3_stmt *st = NULL;
	/* A version 1 journal (replay never migrates) has no strategy. */
	if (sqlite3_prepare_v2(db, "SELECT client_id, status, filled_qty, avg_price, strategy"
			       " FROM orders ORDER BY rowid", -1, &st, NULL) != SQLITE_OK &&
	    sqlite3_prepare_v2(db, "SELECT client_id, status, filled_qty, avg_price, NULL"
			       " FROM orders ORDER BY rowid", -1, &st, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "reading the orders table: %s", sqlite3_errmsg(db));
		return -1;
	}
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *clid = (const char *)sqlite3_column_text(st, 0);
		const char *status = (const char *)sqlite3_column_text(st, 1);
		bool bad = false;
		tl_fx_t filled = ver_col_fx(st, 2, &bad), avg = ver_col_fx(st, 3, &bad);
		if (!clid)
			clid = "";
		if (!status)
			status = "";
		ver_ord_t *o = ver_find(v, clid, false);
		if (!o) {
			ver_diff(v, "orders %s: in the table (status %s) but never seen in the replay",
				 clid, status);
			continue;
		}
		o->seen_in_table = true;
		if (bad) {
			ver_diff(v, "orders %s: filled_qty/avg_price are not exact decimals", clid);
			continue;
		}
		/* What the table should say: the last regenerated event, or the
		 * last journaled one when that was lost in a crash tail. */
		uint8_t es = o->lost ? o->jstatus : o->status;
		tl_fx_t ef = o->lost ? o->jfilled : o->filled;
		tl_fx_t ea = o->lost ? o->javg : o->avg;
		const char *en = es ? tl_status_name((tl_ord_status_t)es) : "(none)";
		if (strcmp(status, en) != 0) {
			ver_diff(v, "orders %s: status %s in table, %s in replay", clid, status, en);
			continue;
		}
		ver_cmp_fx(v, "orders", clid, "filled_qty", filled, ef);
		ver_cmp_fx(v, "orders", clid, "avg_price", avg, ea);
		/* The kernel's own order, when it still has it. */
		tl_order_t *ko = tl_kernel_order(v->k, clid);
		if (ko && !o->lost) {
			const char *tag = (const char *)sqlite3_column_text(st, 4);
			const char *ktag = ko->strat && ko->strat <= v->k->strats.n
						   ? v->k->strats.row[ko->strat].name : "";
			if (strcmp(tag ? tag : "", ktag) != 0)
				ver_diff(v, "orders %s: strategy '%.16s' in table, '%s' in replay",
					 clid, tag ? tag : "", ktag);
			ver_cmp_fx(v, "orders", clid, "filled_qty", filled, ko->filled);
			if (tl_status_terminal((tl_ord_status_t)ko->status) &&
			    ko->status != es)
				ver_diff(v, "orders %s: status %s in table, %s in replay", clid,
					 status, tl_status_name((tl_ord_status_t)ko->status));
		}
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		snprintf(err, errlen, "reading the orders table: %s", sqlite3_errmsg(db));
		return -1;
	}
	for (uint32_t i = 0; i < v->cap; i++) {
		ver_ord_t *o = &v->ord[i];
		if (o->clid[0] && !o->seen_in_table && !(o->lost && !o->jstatus))
			ver_diff(v, "orders %s: missing from the table (%s in replay)", o->clid,
				 tl_status_name((tl_ord_status_t)o->status));
	}
	return 0;
}

static int ver_positions(tl_verify_t *v, sqlite3 *db, char *err, size_t errlen)
{
	tl_kernel_t *k = v->k;
	sqlite3_stmt *st = NULL;
	bool *seen = calloc((size_t)k->syms.count * 3 + 1, sizeof(bool));
	if (!seen) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (sqlite3_prepare_v2(db, "SELECT symbol, position_side, qty, entry, realized,"
			       " commission FROM positions ORDER BY rowid", -1, &st,
			       NULL) != SQLITE_OK) {
		snprintf(err, errlen, "reading the positions table: %s", sqlite3_errmsg(db));
		free(seen);
		return -1;
	}
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *sym = (const char *)sqlite3_column_text(st, 0);
		const char *side = (const char *)sqlite3_column_text(st, 1);
		char key[64];
		snprintf(key, sizeof(key), "%s %s", sym ? sym : "", side ? side : "");
		int s = sym ? tl_symbols_find(&k->syms, sym) : -1;
		int ps = side ? tl_pos_side_parse(side) : -1;
		if (s < 0 || ps < 0 || ps > 2) {
			ver_diff(v, "positions %s: in the table but not a position of this config", key);
			continue;
		}
		bool bad = false;
		tl_fx_t q = ver_col_fx(st, 2, &bad), e = ver_col_fx(st, 3, &bad),
			r = ver_col_fx(st, 4, &bad), c = ver_col_fx(st, 5, &bad);
		if (bad) {
			ver_diff(v, "positions %s: values are not exact decimals", key);
			continue;
		}
		seen[s * 3 + ps] = true;
		const ver_pos_t *vp = &v->pos[s * 3 + ps];
		const tl_position_t *p = &k->pos[s * 3 + ps];
		if (vp->lost) {
			ver_cmp_fx(v, "positions", key, "qty", q, vp->jqty);
			ver_cmp_fx(v, "positions", key, "entry", e, vp->jentry);
			ver_cmp_fx(v, "positions", key, "realized", r, vp->jrealized);
			ver_cmp_fx(v, "positions", key, "commission", c, vp->jcommission);
		} else {
			ver_cmp_fx(v, "positions", key, "qty", q, p->qty);
			ver_cmp_fx(v, "positions", key, "entry", e, p->entry);
			ver_cmp_fx(v, "positions", key, "realized", r, p->realized);
			ver_cmp_fx(v, "positions", key, "commission", c, p->commission);
		}
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		snprintf(err, errlen, "reading the positions table: %s", sqlite3_errmsg(db));
		free(seen);
		return -1;
	}
	for (uint32_t i = 0; i < k->syms.count * 3; i++) {
		const tl_position_t *p = &k->pos[i];
		char a[TL_FX_STRLEN];
		if (!seen[i] && v->pos[i].any && !(v->pos[i].lost && !v->pos[i].jany))
			ver_diff(v, "positions %s %s: missing from the table (qty %s in replay)",
				 k->syms.sym[i / 3].name, tl_pos_side_name((tl_pos_side_t)(i % 3)),
				 ver_fx(p->qty, a));
	}
	free(seen);
	return 0;
}

static void ver_meta(tl_verify_t *v, sqlite3 *db)
{
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(db, "SELECT value FROM meta WHERE key = 'trading_state'", -1,
			       &st, NULL) != SQLITE_OK)
		return;
	if (sqlite3_step(st) == SQLITE_ROW) {
		const char *t = (const char *)sqlite3_column_text(st, 0);
		const char *want = tl_trading_state_name(v->k->state);
		if (v->state_lost)
			want = v->jstate_any ? tl_trading_state_name((tl_trading_state_t)v->jstate)
					     : "NORMAL";
		if (t && strcmp(t, want) != 0)
			ver_diff(v, "meta trading_state: %s in table, %s in replay", t, want);
	}
	sqlite3_finalize(st);
}

int tl_verify_tables(tl_verify_t *v, sqlite3 *db, uint64_t *ndiff, char *diff,
		     size_t difflen, char *err, size_t errlen)
{
	v->ndiff = 0;
	v->diff = diff;
	v->difflen = difflen;
	diff[0] = '\0';
	if (v->oom) {
		snprintf(err, errlen, "verify: out of memory");
		return -1;
	}
	if (ver_orders(v, db, err, errlen) < 0 || ver_positions(v, db, err, errlen) < 0)
		return -1;
	ver_meta(v, db);
	*ndiff = v->ndiff;
	return v->ndiff ? 1 : 0;
}
