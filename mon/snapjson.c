/*
 * snapjson.c - the JSON of an engine's shm snapshot (see snapjson.h):
 * `talon ctl status --json`, `talon ctl orders --json`, and the same
 * text for `talon monitor`'s /api/status and /api/orders.
 */
#include "mon/snapjson.h"

#include <stdatomic.h>
#include <string.h>
#include <sys/types.h>

#include "kernel/types.h"
#include "persist/json_esc.h"

void tl_snapjson_str(FILE *f, const char *s)
{
	fputc('"', f);
	tl_json_esc_fputs(f, s);
	fputc('"', f);
}

void tl_snapjson_str_or_null(FILE *f, const char *s)
{
	if (s && *s)
		tl_snapjson_str(f, s);
	else
		fputs("null", f);
}

const char *tl_snapjson_fx(tl_fx_t v, char buf[TL_FX_STRLEN])
{
	tl_fx_format(v, -1, buf, TL_FX_STRLEN);
	return buf;
}

const char *tl_snapjson_role_name(uint8_t role)
{
	static const char *const names[] = { "STRATEGY", "SIGNAL_ENTRY", "TAKE_PROFIT",
					     "STOP_LOSS", "LIQUIDATION" };
	return role < sizeof names / sizeof names[0] ? names[role] : "?";
}

static void sj_positions(FILE *f, const tl_shm_snapshot_t *sn)
{
	char b[TL_FX_STRLEN];

	for (uint32_t i = 0; i < sn->n_pos && i < TL_SHM_POS_MAX; i++) {
		const tl_shm_pos_t *p = &sn->pos[i];
		char sym[TL_SYMBOL_NAMELEN];

		snprintf(sym, sizeof sym, "%.*s", (int)sizeof p->symbol - 1, p->symbol);
		fprintf(f, "%s{\"symbol\":", i ? "," : "");
		tl_snapjson_str(f, sym);
		fprintf(f, ",\"side\":\"%s\",\"position_side\":\"%s\",\"status\":\"%s\"",
			tl_snapfmt_pos_dir(p), tl_pos_side_name((tl_pos_side_t)p->pos_side),
			tl_pos_status_name((tl_pos_status_t)p->status));
		fprintf(f, ",\"qty\":\"%s\"", tl_snapjson_fx(p->qty, b));
		fprintf(f, ",\"entry\":\"%s\"", tl_snapjson_fx(p->entry, b));
		fprintf(f, ",\"mark\":\"%s\"", tl_snapjson_fx(p->mark, b));
		fprintf(f, ",\"unrealized\":\"%s\"", tl_snapjson_fx(p->unrealized, b));
		fprintf(f, ",\"realized\":\"%s\"", tl_snapjson_fx(p->realized, b));
		fprintf(f, ",\"commission\":\"%s\"", tl_snapjson_fx(p->commission, b));
		fprintf(f, ",\"roe\":\"%s\",\"leverage\":%u}", tl_snapjson_fx(p->roe, b),
			p->leverage);
	}
}

static void sj_strategies(FILE *f, const tl_shm_snapshot_t *sn)
{
	char b[TL_FX_STRLEN];
	const char *sep = "";

	for (uint32_t r = 0; r < sn->n_strat && r < TL_SHM_STRAT_MAX; r++) {
		const tl_shm_strat_t *t = &sn->strat[r];
		char tag[TL_STRAT_LEN];

		if (!tl_snapfmt_strat_shown(sn, r))
			continue;
		fprintf(f, "%s{\"strategy\":", sep);
		sep = ",";
		tl_snapjson_str_or_null(f, tl_snapfmt_strat_name(t, r, tag));
		fprintf(f, ",\"orders\":%llu,\"fills\":%llu", (unsigned long long)t->orders,
			(unsigned long long)t->fills);
		fprintf(f, ",\"realized\":\"%s\"", tl_snapjson_fx(t->realized, b));
		fprintf(f, ",\"unrealized\":\"%s\"", tl_snapjson_fx(t->unrealized, b));
		fprintf(f, ",\"commission\":\"%s\"", tl_snapjson_fx(t->commission, b));
		fprintf(f, ",\"net\":\"%s\"}", tl_snapjson_fx(tl_snapfmt_strat_net(t), b));
	}
}

void tl_snapjson_status(FILE *f, const char *name, const tl_shm_t *s,
			const tl_shm_snapshot_t *sn, bool alive, const char *why,
			int64_t now)
{
	char b[TL_FX_STRLEN], prefix[TL_SHM_PREFIX_LEN];
	int64_t hb = atomic_load(&s->heartbeat);
	const char *sep = "";
	uid_t uid;

	snprintf(prefix, sizeof prefix, "%.*s", (int)sizeof s->clid_prefix - 1,
		 s->clid_prefix);
	fprintf(f, "{\"engine\":");
	tl_snapjson_str(f, name);
	fprintf(f, ",\"pid\":%d,\"owner_uid\":", (int)atomic_load(&s->pid));
	if (tl_shm_owner(name, &uid, NULL) == 0)
		fprintf(f, "%u", (unsigned)uid);
	else
		fprintf(f, "null");
	fprintf(f, ",\"client_id_prefix\":");
	tl_snapjson_str_or_null(f, prefix);
	fprintf(f, ",\"ctl_resyncs\":%llu",
		(unsigned long long)atomic_load(&s->ctl_resyncs));
	fprintf(f, ",\"alive\":%s,\"not_running\":", alive ? "true" : "false");
	tl_snapjson_str_or_null(f, alive ? NULL : why);
	fprintf(f, ",\"started_ns\":%lld,\"uptime_ns\":%lld,\"heartbeat_age_ns\":%lld"
		",\"published_ns\":%lld,\"state\":\"%s\",\"open_orders\":%u"
		",\"tracked_orders\":%u,\"total_pnl\":\"%s\"",
		(long long)s->started, (long long)(now - s->started),
		(long long)tl_snapfmt_age(now, hb), (long long)sn->published,
		tl_trading_state_name((tl_trading_state_t)sn->state),
		sn->open_orders, sn->tracked_orders, tl_snapjson_fx(sn->total_pnl, b));
	fprintf(f, ",\"daily_pnl\":\"%s\",\"day_start_ns\":%lld,\"positions\":[",
		tl_snapjson_fx(sn->daily_pnl, b), (long long)sn->day_start);
	sj_positions(f, sn);
	fprintf(f, "],\"strategies\":[");
	sj_strategies(f, sn);
	fprintf(f, "],\"counters\":{");
#define X(c) fprintf(f, "%s\"" #c "\":%llu", sep, (unsigned long long)sn->c); sep = ",";
	TL_SNAPJSON_COUNTERS(X)
#undef X
	fprintf(f, "},\"emergency\":{\"active\":%s,\"total\":%u,\"ok\":%u,\"failed\":%u"
		",\"canceled\":%u,\"started_ns\":%lld,\"completed_ns\":%lld,\"reason\":",
		sn->emg_active ? "true" : "false", sn->emg_total, sn->emg_ok,
		sn->emg_failed, sn->emg_canceled, (long long)sn->emg_started,
		(long long)sn->emg_completed);
	{
		char r[TL_TEXT_LEN];
		snprintf(r, sizeof r, "%.*s", (int)sizeof sn->emg_reason - 1, sn->emg_reason);
		tl_snapjson_str_or_null(f, r);
	}
	fprintf(f, "},\"journal\":{\"on\":%s,\"failed\":%s,\"mode\":\"%s\",\"pending\":%u"
		",\"records\":%llu,\"last_commit_ns\":%lld}",
		(sn->journal & TL_SHM_JOURNAL_ON) ? "true" : "false",
		(sn->journal & TL_SHM_JOURNAL_FAILED) ? "true" : "false",
		(sn->journal & TL_SHM_JOURNAL_STRICT) ? "strict" : "async", sn->journal_pending,
		(unsigned long long)sn->journal_records, (long long)sn->journal_last_commit_ns);
	fprintf(f, ",\"venue\":{\"connected\":%s,\"connections\":%u,\"stream\":\"%s\""
		",\"clock_synced\":%s,\"clock_offset_ns\":%lld,\"weight_used\":%u"
		",\"weight_limit\":%u,\"orders_10s\":%u,\"orders_10s_limit\":%u"
		",\"orders_1m\":%u,\"orders_1m_limit\":%u,\"http_429\":%llu"
		",\"http_418\":%llu}",
		sn->venue_connected ? "true" : "false", sn->venue_conns,
		tl_shm_stream_name(sn->venue_stream),
		sn->venue_clock_synced ? "true" : "false", (long long)sn->clock_offset_ns,
		sn->weight_used, sn->weight_limit, sn->orders_10s, sn->orders_10s_limit,
		sn->orders_1m, sn->orders_1m_limit, (unsigned long long)sn->http_429,
		(unsigned long long)sn->http_418);
	fprintf(f, ",\"daily_loss_limit\":\"%s\"", tl_snapjson_fx(sn->daily_loss_limit, b));
	fprintf(f, ",\"loss_limit\":\"%s\"", tl_snapjson_fx(sn->loss_limit, b));
	fprintf(f, ",\"latency_ns\":{\"p50\":%llu,\"p99\":%llu,\"max\":%llu}"
		",\"kill\":{\"seq\":%llu,\"seen\":%llu}}\n",
		(unsigned long long)sn->lat_p50, (unsigned long long)sn->lat_p99,
		(unsigned long long)sn->lat_max,
		(unsigned long long)atomic_load(&s->kill.seq),
		(unsigned long long)atomic_load(&s->kill.seen));
}

/* A field of the block as a C string (the block may hold anything). */
#define SJ_STR(buf, field) snprintf(buf, sizeof buf, "%.*s", (int)sizeof(field) - 1, field)

void tl_snapjson_order_fields(FILE *f, const tl_shm_ord_t *o, int64_t published)
{
	char b[TL_FX_STRLEN], clid[TL_CLID_LEN], sym[TL_SYMBOL_NAMELEN];

	SJ_STR(clid, o->client_id);
	SJ_STR(sym, o->symbol);
	fprintf(f, "{\"client_id\":");
	tl_snapjson_str(f, clid);
	fprintf(f, ",\"symbol\":");
	tl_snapjson_str(f, sym);
	fprintf(f, ",\"side\":\"%s\",\"type\":\"%s\",\"tif\":",
		tl_side_name((tl_side_t)o->side), tl_ord_type_name((tl_ord_type_t)o->type));
	tl_snapjson_str_or_null(f, o->tif ? tl_tif_name((tl_tif_t)o->tif) : NULL);
	fprintf(f, ",\"position_side\":\"%s\",\"reduce_only\":%s,\"role\":\"%s\",\"status\":\"%s\"",
		tl_pos_side_name((tl_pos_side_t)o->pos_side), o->reduce_only ? "true" : "false",
		tl_snapjson_role_name(o->role), tl_status_name((tl_ord_status_t)o->status));
	fprintf(f, ",\"price\":\"%s\"", tl_snapjson_fx(o->price, b));
	fprintf(f, ",\"stop_price\":\"%s\"", tl_snapjson_fx(o->stop_price, b));
	fprintf(f, ",\"qty\":\"%s\"", tl_snapjson_fx(o->qty, b));
	fprintf(f, ",\"filled\":\"%s\"", tl_snapjson_fx(o->filled, b));
	fprintf(f, ",\"avg_price\":\"%s\"", tl_snapjson_fx(o->avg_price, b));
	fprintf(f, ",\"venue_id\":%lld,\"user_ref\":%llu,\"created_ns\":%lld,\"updated_ns\":%lld",
		(long long)o->venue_id, (unsigned long long)o->user_ref, (long long)o->created,
		(long long)o->updated);
	if (o->created > 0)
		fprintf(f, ",\"age_ns\":%lld", (long long)tl_snapfmt_age(published, o->created));
	else
		fprintf(f, ",\"age_ns\":null");
}

void tl_snapjson_order_strat(FILE *f, const tl_shm_snapshot_t *sn, uint8_t r)
{
	char t[TL_STRAT_LEN];

	if (r == 0 || r >= sn->n_strat) {
		fprintf(f, ",\"strategy\":null");
		return;
	}
	SJ_STR(t, sn->strat[r].name);
	fprintf(f, ",\"strategy\":");
	tl_snapjson_str(f, t);
}

void tl_snapjson_orders(FILE *f, const char *name, int pid,
			const tl_shm_snapshot_t *sn, const char *sym, const char *tag)
{
	uint32_t shown = 0;
	int row = 0;

	if (tag[0]) {
		/* the tag's row in this engine (-1: it never saw the tag, so
		 * no order of it is open) */
		row = -1;
		for (uint32_t r = 1; r < sn->n_strat; r++)
			if (strncmp(sn->strat[r].name, tag, TL_STRAT_LEN) == 0)
				row = (int)r;
	}
	fprintf(f, "{\"engine\":");
	tl_snapjson_str(f, name);
	fprintf(f, ",\"pid\":%d,\"published_ns\":%lld,\"open_orders\":%u,\"not_listed\":%u"
		",\"symbol\":", pid, (long long)sn->published, sn->open_orders,
		sn->ord_dropped);
	tl_snapjson_str_or_null(f, sym);
	fprintf(f, ",\"strategy\":");
	tl_snapjson_str_or_null(f, tag);
	fprintf(f, ",\"orders\":[");
	for (uint32_t i = 0; i < sn->n_ord_open; i++) {
		const tl_shm_ord_t *o = &sn->ord[i];
		char osym[TL_SYMBOL_NAMELEN];

		SJ_STR(osym, o->symbol);
		if (sym[0] && strcmp(sym, osym))
			continue;
		if (tag[0] && (int)o->strat != row)
			continue;
		fprintf(f, "%s", shown ? "," : "");
		tl_snapjson_order_fields(f, o, sn->published);
		tl_snapjson_order_strat(f, sn, o->strat);
		fprintf(f, "}");
		shown++;
	}
	fprintf(f, "]}\n");
}
