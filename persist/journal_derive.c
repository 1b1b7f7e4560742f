/*
 * journal_derive.c - one record becomes its journal row and the derived
 * rows (orders, order_status_history, fills, positions, events, meta).
 *
 * Every statement is prepared once at open and reset after each step.
 * The caller holds a transaction: the derived rows commit with the
 * journal row or not at all.
 *
 * Invariants:
 *   1. The journal row is always written; the derived rows are a pure
 *      function of the records written so far (and tl_jderive_t, which the
 *      batch commit saves and restores), so a retried batch derives the
 *      same rows.
 *   2. Decimals are bound as exact TEXT (tl_fx_format, shortest form).
 *   3. A fill row needs the TL_IN_FILL input that caused the fill event
 *      (same seq as the event's cause_seq): outputs follow their input in
 *      the ring, so the latest input is the only one ever needed.
 */
#include "persist/journal_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static const char *const jd_sql[JS__COUNT] = {
	[JS_BEGIN] = "BEGIN IMMEDIATE",
	[JS_COMMIT] = "COMMIT",
	[JS_ROLLBACK] = "ROLLBACK",
	[JS_JOURNAL] =
		"INSERT INTO journal(dir, type, type_name, seq, cause_seq, time_ns,"
		" client_id, symbol, rec) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
	[JS_META] =
		"INSERT INTO meta(key, value) VALUES (?1, ?2)"
		" ON CONFLICT(key) DO UPDATE SET value = excluded.value",
	[JS_ORDER] =
		"INSERT INTO orders(client_id, venue_order_id, symbol, side, type,"
		" position_side, reduce_only, role, qty, price, filled_qty, avg_price,"
		" status, reject_reason, venue_code, user_ref, created_ns, updated_ns,"
		" strategy)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14,"
		" ?15, ?16, ?17, ?17, (SELECT name FROM strategies WHERE id = ?18))"
		" ON CONFLICT(client_id) DO UPDATE SET"
		" venue_order_id = COALESCE(excluded.venue_order_id, venue_order_id),"
		" symbol = excluded.symbol, side = excluded.side, type = excluded.type,"
		" position_side = excluded.position_side,"
		" reduce_only = excluded.reduce_only, role = excluded.role,"
		" qty = excluded.qty, price = excluded.price,"
		" filled_qty = excluded.filled_qty, avg_price = excluded.avg_price,"
		" status = excluded.status,"
		" reject_reason = COALESCE(excluded.reject_reason, reject_reason),"
		" venue_code = COALESCE(excluded.venue_code, venue_code),"
		" user_ref = excluded.user_ref, updated_ns = excluded.updated_ns,"
		" strategy = excluded.strategy",
	[JS_HISTORY] =
		"INSERT INTO order_status_history(client_id, status, event, time_ns,"
		" seq, text) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	[JS_FILL] =
		"INSERT INTO fills(client_id, symbol, side, trade_id, price, qty,"
		" commission, maker, time_ns, input_seq, strategy)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10,"
		" (SELECT name FROM strategies WHERE id = ?11))"
		" ON CONFLICT(symbol, trade_id) DO NOTHING",
	[JS_POSITION] =
		"INSERT INTO positions(symbol, position_side, qty, entry, mark,"
		" realized, unrealized, commission, roe, status, leverage, updated_ns)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)"
		" ON CONFLICT(symbol, position_side) DO UPDATE SET"
		" qty = excluded.qty, entry = excluded.entry, mark = excluded.mark,"
		" realized = excluded.realized, unrealized = excluded.unrealized,"
		" commission = excluded.commission, roe = excluded.roe,"
		" status = excluded.status, leverage = excluded.leverage,"
		" updated_ns = excluded.updated_ns",
	[JS_STRATEGY] =
		"INSERT INTO strategies(id, name, added_ns, seq) VALUES (?1, ?2, ?3, ?4)"
		" ON CONFLICT(id) DO NOTHING",
	[JS_TRIP] =
		"INSERT INTO position_history(seq, symbol, position_side, side, scope,"
		" strategy, opened_ns, closed_ns, entry, exit, max_qty, realized,"
		" commission, exit_reason) VALUES (?1, ?2, ?3, ?4, ?5,"
		" (SELECT name FROM strategies WHERE id = ?6), ?7, ?8, ?9, ?10, ?11,"
		" ?12, ?13, ?14)",
	[JS_EVENT] =
		"INSERT INTO events(seq, cause_seq, time_ns, type, priority, symbol,"
		" client_id, text) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
};

int tl_jd_prepare(tl_journal_t *j, char *err, size_t errlen)
{
	for (int i = 0; i < JS__COUNT; i++) {
		int rc = sqlite3_prepare_v3(j->db, jd_sql[i], -1,
					    SQLITE_PREPARE_PERSISTENT, &j->st[i], NULL);
		if (rc != SQLITE_OK) {
			snprintf(err, errlen, "journal %s: preparing statement %d: %s",
				 j->cfg.path, i, sqlite3_errmsg(j->db));
			return -1;
		}
	}
	return 0;
}

void tl_jd_finalize(tl_journal_t *j)
{
	for (int i = 0; i < JS__COUNT; i++) {
		sqlite3_finalize(j->st[i]);
		j->st[i] = NULL;
	}
}

int tl_jd_step(sqlite3_stmt *s)
{
	int rc = sqlite3_step(s);
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? SQLITE_OK : rc;
}

/* ---- binding helpers -------------------------------------------------- */

/* A fixed-size char field from a record: NULL when empty; never reads
 * past `cap` (a damaged record may lack its NUL). */
static void jd_bind_str(sqlite3_stmt *s, int i, const char *p, size_t cap)
{
	size_t n = strnlen(p, cap);
	if (n == 0)
		sqlite3_bind_null(s, i);
	else
		sqlite3_bind_text(s, i, p, (int)n, SQLITE_TRANSIENT);
}

static void jd_bind_name(sqlite3_stmt *s, int i, const char *name)
{
	sqlite3_bind_text(s, i, name, -1, SQLITE_STATIC);
}

static void jd_bind_fx(sqlite3_stmt *s, int i, tl_fx_t v)
{
	char buf[TL_FX_STRLEN];
	int n = tl_fx_format(v, -1, buf, sizeof(buf));
	sqlite3_bind_text(s, i, buf, n, SQLITE_TRANSIENT);
}

/* Non-zero integer, or NULL. */
static void jd_bind_nz(sqlite3_stmt *s, int i, int64_t v)
{
	if (v)
		sqlite3_bind_int64(s, i, v);
	else
		sqlite3_bind_null(s, i);
}

int tl_jd_meta_set(tl_journal_t *j, const char *key, const char *value)
{
	sqlite3_stmt *s = j->st[JS_META];
	sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, value, -1, SQLITE_TRANSIENT);
	return tl_jd_step(s);
}

static int jd_meta_u64(tl_journal_t *j, const char *key, uint64_t v)
{
	char buf[24];
	snprintf(buf, sizeof(buf), "%" PRIu64, v);
	return tl_jd_meta_set(j, key, buf);
}

int tl_jd_meta_seqs(tl_journal_t *j)
{
	if (!j->d.touched)
		return SQLITE_OK;
	int rc = jd_meta_u64(j, "last_input_seq", j->d.in_seq);
	if (rc == SQLITE_OK)
		rc = jd_meta_u64(j, "last_output_seq", j->d.out_seq);
	if (rc == SQLITE_OK)
		j->d.touched = false;
	return rc;
}

/* ---- classification --------------------------------------------------- */

/* The client id and symbol a record is about (either may be NULL). */
static void jd_keys(const tl_record_t *r, const char **clid, const char **sym)
{
	*clid = NULL;
	*sym = NULL;
	if (r->u.hdr.flags & TL_REC_OUTPUT) {
		const tl_output_t *o = &r->u.out;
		switch (o->hdr.type) {
		case TL_OUT_REQ_NEW:
		case TL_OUT_REQ_CANCEL:
		case TL_OUT_REQ_QUERY:
			*clid = o->u.req.client_id;
			*sym = o->u.req.symbol;
			break;
		case TL_OUT_EVENT:
			*sym = o->u.ev.symbol;
			if (tl_event_type_is_order(o->u.ev.type))
				*clid = o->u.ev.u.order.client_id;
			break;
		default:
			break;
		}
		return;
	}
	const tl_input_t *in = &r->u.in;
	switch (in->hdr.type) {
	case TL_IN_SUBMIT: *sym = in->u.submit.symbol; break;
	case TL_IN_SIGNAL: *sym = in->u.signal.symbol; break;
	case TL_IN_CANCEL:
	case TL_IN_CANCEL_ALL:
		*clid = in->u.cancel.client_id;
		*sym = in->u.cancel.symbol;
		break;
	case TL_IN_ORDER_UPDATE: *clid = in->u.update.client_id; break;
	case TL_IN_FILL: *clid = in->u.fill.client_id; break;
	case TL_IN_REQ_ERROR: *clid = in->u.error.client_id; break;
	case TL_IN_QUERY_RESULT: *clid = in->u.query.client_id; break;
	case TL_IN_MARK: *sym = in->u.mark.symbol; break;
	case TL_IN_SYMBOL_STATUS: *sym = in->u.symstat.symbol; break;
	case TL_IN_ADOPT:
		*clid = in->u.adopt.client_id;
		*sym = in->u.adopt.symbol;
		break;
	case TL_IN_POSITION_SNAPSHOT:
		if (in->u.snap.symbol[0])
			*sym = in->u.snap.symbol;
		break;
	default: break;
	}
}

/* ---- the rows --------------------------------------------------------- */

static int jd_journal_row(tl_journal_t *j, const tl_record_t *r)
{
	sqlite3_stmt *s = j->st[JS_JOURNAL];
	bool out = r->u.hdr.flags & TL_REC_OUTPUT;
	char tname[48];
	if (!out)
		snprintf(tname, sizeof(tname), "%s", tl_in_type_name(r->u.hdr.type));
	else if (r->u.hdr.type == TL_OUT_EVENT)
		snprintf(tname, sizeof(tname), "EVENT:%s", tl_event_name(r->u.out.u.ev.type));
	else
		snprintf(tname, sizeof(tname), "%s", tl_out_type_name(r->u.hdr.type));
	const char *clid, *sym;
	jd_keys(r, &clid, &sym);
	sqlite3_bind_int(s, 1, out ? 1 : 0);
	sqlite3_bind_int(s, 2, r->u.hdr.type);
	sqlite3_bind_text(s, 3, tname, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 4, (int64_t)r->u.hdr.seq);
	sqlite3_bind_int64(s, 5, (int64_t)r->u.hdr.cause_seq);
	sqlite3_bind_int64(s, 6, r->u.hdr.time);
	if (clid)
		jd_bind_str(s, 7, clid, TL_CLID_LEN);
	if (sym)
		jd_bind_str(s, 8, sym, TL_SYMBOL_NAMELEN);
	sqlite3_bind_blob(s, 9, r, sizeof(*r), SQLITE_STATIC);
	return tl_jd_step(s);
}

static int jd_event_row(tl_journal_t *j, const tl_output_t *o, const char *clid)
{
	sqlite3_stmt *s = j->st[JS_EVENT];
	const tl_event_t *ev = &o->u.ev;
	sqlite3_bind_int64(s, 1, (int64_t)o->hdr.seq);
	sqlite3_bind_int64(s, 2, (int64_t)o->hdr.cause_seq);
	sqlite3_bind_int64(s, 3, o->hdr.time);
	jd_bind_name(s, 4, tl_event_name(ev->type));
	sqlite3_bind_int(s, 5, ev->priority);
	jd_bind_str(s, 6, ev->symbol, TL_SYMBOL_NAMELEN);
	if (clid)
		jd_bind_str(s, 7, clid, TL_CLID_LEN);
	jd_bind_str(s, 8, ev->text, TL_TEXT_LEN);
	return tl_jd_step(s);
}

/* Why an order was refused or failed: the local reason's name, else the
 * venue's message on a venue rejection or failure, else NULL. */
static void jd_bind_reason(sqlite3_stmt *s, int i, const tl_event_t *ev)
{
	const tl_ev_order_t *eo = &ev->u.order;
	if (eo->reject != TL_REJ_NONE)
		jd_bind_name(s, i, tl_reject_name(eo->reject));
	else if (ev->type == TL_EV_ORDER_REJECTED || ev->type == TL_EV_ORDER_FAILED)
		jd_bind_str(s, i, ev->text, TL_TEXT_LEN);
}

static int jd_order_rows(tl_journal_t *j, const tl_output_t *o)
{
	const tl_event_t *ev = &o->u.ev;
	const tl_ev_order_t *eo = &ev->u.order;
	sqlite3_stmt *s = j->st[JS_ORDER];
	jd_bind_str(s, 1, eo->client_id, TL_CLID_LEN);
	jd_bind_nz(s, 2, eo->venue_id);
	jd_bind_str(s, 3, ev->symbol, TL_SYMBOL_NAMELEN);
	jd_bind_name(s, 4, tl_side_name(eo->side));
	jd_bind_name(s, 5, tl_ord_type_name(eo->type));
	jd_bind_name(s, 6, tl_pos_side_name(eo->pos_side));
	sqlite3_bind_int(s, 7, eo->reduce_only);
	sqlite3_bind_int(s, 8, eo->role);
	jd_bind_fx(s, 9, eo->qty);
	jd_bind_fx(s, 10, eo->price);
	jd_bind_fx(s, 11, eo->filled);
	jd_bind_fx(s, 12, eo->avg_price);
	jd_bind_name(s, 13, tl_status_name(eo->status));
	jd_bind_reason(s, 14, ev);
	jd_bind_nz(s, 15, eo->venue_code);
	sqlite3_bind_int64(s, 16, (int64_t)eo->user_ref);
	sqlite3_bind_int64(s, 17, o->hdr.time);
	sqlite3_bind_int(s, 18, eo->strategy);
	int rc = tl_jd_step(s);
	if (rc != SQLITE_OK)
		return rc;

	s = j->st[JS_HISTORY];
	jd_bind_str(s, 1, eo->client_id, TL_CLID_LEN);
	jd_bind_name(s, 2, tl_status_name(eo->status));
	jd_bind_name(s, 3, tl_event_name(ev->type));
	sqlite3_bind_int64(s, 4, o->hdr.time);
	sqlite3_bind_int64(s, 5, (int64_t)o->hdr.seq);
	jd_bind_str(s, 6, ev->text, TL_TEXT_LEN);
	rc = tl_jd_step(s);
	if (rc != SQLITE_OK)
		return rc;

	/* A fill row: the event reports a trade that a TL_IN_FILL brought. */
	const tl_input_t *in = &j->d.last_in.u.in;
	if ((ev->type != TL_EV_ORDER_PARTIALLY_FILLED && ev->type != TL_EV_ORDER_FILLED) ||
	    eo->last_qty <= 0 || !j->d.have_in || in->hdr.type != TL_IN_FILL ||
	    in->hdr.seq != o->hdr.cause_seq)
		return SQLITE_OK;
	s = j->st[JS_FILL];
	jd_bind_str(s, 1, eo->client_id, TL_CLID_LEN);
	jd_bind_str(s, 2, ev->symbol, TL_SYMBOL_NAMELEN);
	jd_bind_name(s, 3, tl_side_name(eo->side));
	sqlite3_bind_int64(s, 4, in->u.fill.trade_id);
	jd_bind_fx(s, 5, eo->last_price);
	jd_bind_fx(s, 6, eo->last_qty);
	jd_bind_fx(s, 7, in->u.fill.commission);
	sqlite3_bind_int(s, 8, in->u.fill.maker ? 1 : 0);
	sqlite3_bind_int64(s, 9, o->hdr.time);
	sqlite3_bind_int64(s, 10, (int64_t)in->hdr.seq);
	sqlite3_bind_int(s, 11, eo->strategy);
	return tl_jd_step(s);
}

static int jd_position_row(tl_journal_t *j, const tl_output_t *o)
{
	const tl_event_t *ev = &o->u.ev;
	const tl_ev_position_t *p = &ev->u.pos;
	sqlite3_stmt *s = j->st[JS_POSITION];
	jd_bind_str(s, 1, ev->symbol, TL_SYMBOL_NAMELEN);
	jd_bind_name(s, 2, tl_pos_side_name(p->pos_side));
	jd_bind_fx(s, 3, p->qty);
	jd_bind_fx(s, 4, p->entry);
	jd_bind_fx(s, 5, p->mark);
	jd_bind_fx(s, 6, p->realized);
	jd_bind_fx(s, 7, p->unrealized);
	jd_bind_fx(s, 8, p->commission);
	jd_bind_fx(s, 9, p->roe);
	jd_bind_name(s, 10, tl_pos_status_name(p->status));
	sqlite3_bind_int64(s, 11, p->leverage);
	sqlite3_bind_int64(s, 12, o->hdr.time);
	return tl_jd_step(s);
}

/* The row a tag took: order and fill rows name their tag through it. */
static int jd_strategy_row(tl_journal_t *j, const tl_output_t *o)
{
	const tl_event_t *ev = &o->u.ev;
	sqlite3_stmt *s = j->st[JS_STRATEGY];
	sqlite3_bind_int(s, 1, ev->u.strat.id);
	jd_bind_str(s, 2, ev->text, TL_STRAT_LEN);
	sqlite3_bind_int64(s, 3, o->hdr.time);
	sqlite3_bind_int64(s, 4, (int64_t)o->hdr.seq);
	return tl_jd_step(s);
}

/* A closed position, venue's or a strategy's: one row. */
static int jd_trip_row(tl_journal_t *j, const tl_output_t *o)
{
	const tl_event_t *ev = &o->u.ev;
	const tl_ev_trip_t *t = &ev->u.trip;
	sqlite3_stmt *s = j->st[JS_TRIP];
	sqlite3_bind_int64(s, 1, (int64_t)o->hdr.seq);
	jd_bind_str(s, 2, ev->symbol, TL_SYMBOL_NAMELEN);
	jd_bind_name(s, 3, tl_pos_side_name(t->pos_side));
	jd_bind_name(s, 4, t->qty < 0 ? "SHORT" : "LONG");
	jd_bind_name(s, 5, t->scope ? "strategy" : "position");
	sqlite3_bind_int(s, 6, t->strategy);
	sqlite3_bind_int64(s, 7, t->opened);
	sqlite3_bind_int64(s, 8, o->hdr.time);
	jd_bind_fx(s, 9, t->entry);
	if (t->exit)
		jd_bind_fx(s, 10, t->exit);
	jd_bind_fx(s, 11, t->qty < 0 ? -t->qty : t->qty);
	jd_bind_fx(s, 12, t->realized);
	jd_bind_fx(s, 13, t->commission);
	jd_bind_name(s, 14, tl_exit_reason_name((tl_exit_reason_t)t->reason));
	return tl_jd_step(s);
}

static int jd_output(tl_journal_t *j, const tl_output_t *o)
{
	if (o->hdr.type == TL_OUT_ID_RESERVE)
		return jd_meta_u64(j, "id_reserved_to", o->u.reserve.to);
	if (o->hdr.type != TL_OUT_EVENT)
		return SQLITE_OK;
	const tl_event_t *ev = &o->u.ev;
	bool order = tl_event_type_is_order(ev->type);
	/* ORDER_REJECTED with no client id: refused before it became an
	 * order; only the events row remembers it. */
	bool has_order = order && ev->u.order.client_id[0] != '\0';
	int rc = jd_event_row(j, o, order ? ev->u.order.client_id : NULL);
	if (rc == SQLITE_OK && has_order)
		rc = jd_order_rows(j, o);
	else if (rc == SQLITE_OK && tl_event_type_is_position(ev->type))
		rc = jd_position_row(j, o);
	else if (rc == SQLITE_OK && ev->type == TL_EV_STRATEGY_ADDED)
		rc = jd_strategy_row(j, o);
	else if (rc == SQLITE_OK && ev->type == TL_EV_POSITION_ROUND_TRIP)
		rc = jd_trip_row(j, o);
	else if (rc == SQLITE_OK && ev->type == TL_EV_TRADING_STATE_CHANGED)
		rc = tl_jd_meta_set(j, "trading_state",
				    tl_trading_state_name(ev->u.state.to));
	return rc;
}

int tl_jd_record(tl_journal_t *j, const tl_record_t *rec)
{
	int rc = jd_journal_row(j, rec);
	if (rc != SQLITE_OK)
		return rc;
	j->d.touched = true;
	if (rec->u.hdr.flags & TL_REC_OUTPUT) {
		j->d.out_seq = rec->u.hdr.seq;
		j->d.have_out = true;
		return jd_output(j, &rec->u.out);
	}
	/* the venue's balance as the last reconciliation saw it */
	if (rec->u.in.hdr.type == TL_IN_POSITION_SNAPSHOT &&
	    rec->u.in.u.snap.kind == TL_SNAP_END && rec->u.in.u.snap.balance != 0) {
		char b[TL_FX_STRLEN];
		tl_fx_format(rec->u.in.u.snap.balance, -1, b, sizeof(b));
		rc = tl_jd_meta_set(j, "venue_balance", b);
		if (rc != SQLITE_OK)
			return rc;
	}
	/* the first input of this handle has no predecessor of this session */
	j->d.prev_in_seq = j->d.have_in ? j->d.in_seq : 0;
	j->d.last_in = *rec;
	j->d.have_in = true;
	j->d.in_seq = rec->u.hdr.seq;
	return SQLITE_OK;
}
