/*
 * metrics.c - an engine's shm block and snapshot as Prometheus text
 * (mon/metrics.h). One family at a time: its HELP and TYPE lines, then
 * every sample of it, so that a family's samples are never split (the
 * format requires it). docs/metrics.md describes each family; keep the
 * two in step.
 */
#define _GNU_SOURCE
#include "mon/metrics.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <string.h>

#include "kernel/fixed.h"
#include "kernel/types.h"
#include "kernel/utf8.h"

/* The trading states, in tl_trading_state_t order. */
#define MW_NSTATES 4

/* An escaped label value of a field of n bytes: each byte becomes at
 * most two ("\\", "\"", "\n"), plus the NUL. */
#define MW_ESC(n) (2 * (n) + 1)

typedef struct mw {
	FILE *f;
} mw_t;

/* # HELP and # TYPE of one family. */
static void mw_family(mw_t *w, const char *name, const char *type, const char *help)
{
	fprintf(w->f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void mw_u64(mw_t *w, const char *name, const char *labels, uint64_t v)
{
	fprintf(w->f, "%s%s %llu\n", name, labels, (unsigned long long)v);
}

/* A fixed-point value in its shortest exact decimal form ("0.00000001",
 * "-2", "50000.1"): what tl_fx_format writes is a valid Prometheus float. */
static void mw_fx(mw_t *w, const char *name, const char *labels, tl_fx_t v)
{
	char b[TL_FX_STRLEN];
	tl_fx_format(v, -1, b, sizeof b);
	fprintf(w->f, "%s%s %s\n", name, labels, b);
}

/* |ns| (a magnitude, negative when neg) as exact decimal seconds,
 * trailing zeros dropped: 1500 -> "0.0000015", 2e9 -> "2". */
static const char *mw_secs_fmt(uint64_t mag, bool neg, char out[32])
{
	char frac[10];
	int n = 9;

	snprintf(frac, sizeof frac, "%09llu", (unsigned long long)(mag % 1000000000ULL));
	while (n > 0 && frac[n - 1] == '0')
		n--;
	snprintf(out, 32, "%s%llu%s%.*s", neg ? "-" : "",
		 (unsigned long long)(mag / 1000000000ULL), n ? "." : "", n, frac);
	return out;
}

static const char *mw_secs_i(int64_t ns, char out[32])
{
	/* -(INT64_MIN) does not fit an int64; its magnitude fits a uint64 */
	uint64_t mag = ns < 0 ? (uint64_t)0 - (uint64_t)ns : (uint64_t)ns;
	return mw_secs_fmt(mag, ns < 0, out);
}

static void mw_secs(mw_t *w, const char *name, const char *labels, int64_t ns)
{
	char b[32];
	fprintf(w->f, "%s%s %s\n", name, labels, mw_secs_i(ns, b));
}

/* The age of t at now in seconds, 0 when t is not in the past (the
 * engine may write after the caller read its clock); t is the block's,
 * any value, so the difference is taken without overflow. */
static void mw_age(mw_t *w, const char *name, int64_t now, int64_t t)
{
	char b[32];
	uint64_t age = now > t ? (uint64_t)now - (uint64_t)t : 0;
	fprintf(w->f, "%s %s\n", name, mw_secs_fmt(age, false, b));
}

/*
 * s[0 .. the first NUL or n) as a label value: '\\', '"' and newline
 * escaped as the format requires; a byte that is not valid UTF-8, and
 * any other control character, becomes '?' (the text is another
 * process's memory). out has MW_ESC(n) bytes.
 */
static const char *mw_esc(const char *s, size_t n, char *out)
{
	const char *end = memchr(s, '\0', n);
	size_t len = end ? (size_t)(end - s) : n, o = 0;

	for (size_t i = 0; i < len;) {
		uint32_t cp;
		size_t k = tl_utf8_decode(s + i, len - i, &cp);

		if (k == 0 || (cp < 0x20 && cp != '\n') || cp == 0x7f) {
			out[o++] = '?';
			i += k ? k : 1;
		} else if (cp == '\\' || cp == '"' || cp == '\n') {
			out[o++] = '\\';
			out[o++] = cp == '\n' ? 'n' : (char)cp;
			i++;
		} else {
			memcpy(out + o, s + i, k);
			o += k;
			i += k;
		}
	}
	out[o] = '\0';
	return out;
}

/* ---- the engine ---------------------------------------------------------------------- */

static void mw_engine(mw_t *w, const tl_shm_t *shm, const tl_shm_snapshot_t *sn, int64_t now)
{
	if (shm) {
		char name[MW_ESC(TL_SHM_NAMELEN)], prefix[MW_ESC(TL_SHM_PREFIX_LEN)];
		char lb[sizeof name + sizeof prefix + 48];
		int64_t hb = atomic_load_explicit(&shm->heartbeat, memory_order_acquire);

		mw_family(w, "talon_engine_info", "gauge",
			  "The engine's name and client-id prefix; always 1.");
		snprintf(lb, sizeof lb, "{engine=\"%s\",client_id_prefix=\"%s\"}",
			 mw_esc(shm->name, sizeof shm->name, name),
			 mw_esc(shm->clid_prefix, sizeof shm->clid_prefix, prefix));
		mw_u64(w, "talon_engine_info", lb, 1);
		mw_family(w, "talon_engine_up", "gauge",
			  "1 while the engine runs: its process exists and its heartbeat is fresh (3 s).");
		mw_u64(w, "talon_engine_up", "", tl_shm_alive(shm, now, NULL, 0) ? 1 : 0);
		mw_family(w, "talon_engine_start_time_seconds", "gauge",
			  "When the engine started, seconds since the Unix epoch.");
		mw_secs(w, "talon_engine_start_time_seconds", "", shm->started);
		mw_family(w, "talon_engine_heartbeat_age_seconds", "gauge",
			  "Seconds since the engine loop's last heartbeat.");
		mw_age(w, "talon_engine_heartbeat_age_seconds", now, hb);
		mw_family(w, "talon_ctl_ring_resets_total", "counter",
			  "Times the engine found the ctl request ring inconsistent and reset it.");
		mw_u64(w, "talon_ctl_ring_resets_total", "",
		       atomic_load_explicit(&shm->ctl_resyncs, memory_order_relaxed));
	}
	mw_family(w, "talon_snapshot_age_seconds", "gauge",
		  "Seconds since the engine published the status snapshot these metrics come from.");
	mw_age(w, "talon_snapshot_age_seconds", now, sn->published > 0 ? sn->published : now);

	mw_family(w, "talon_trading_state", "gauge",
		  "The trading state: 1 for the current one (NORMAL, REDUCING, LIQUIDATING, PAUSED), 0 for the others.");
	for (uint32_t s = 0; s < MW_NSTATES; s++) {
		char lb[48];
		snprintf(lb, sizeof lb, "{state=\"%s\"}",
			 tl_trading_state_name((tl_trading_state_t)s));
		mw_u64(w, "talon_trading_state", lb, sn->state == s);
	}
	mw_family(w, "talon_open_orders", "gauge", "Orders open (active) in the kernel.");
	mw_u64(w, "talon_open_orders", "", sn->open_orders);
	mw_family(w, "talon_tracked_orders", "gauge",
		  "Orders the kernel tracks: open ones and finished ones it still remembers.");
	mw_u64(w, "talon_tracked_orders", "", sn->tracked_orders);
}

/* ---- counters --------------------------------------------------------------------------- */

static void mw_counter(mw_t *w, const char *name, const char *help, uint64_t v)
{
	mw_family(w, name, "counter", help);
	mw_u64(w, name, "", v);
}

static void mw_counters(mw_t *w, const tl_shm_snapshot_t *sn)
{
	static const char *const outcome[] = {
		"submitted", "refused", "filled", "canceled", "rejected", "failed",
		"expired", "unknown",
	};
	const uint64_t n[] = {
		sn->submitted, sn->refused, sn->filled, sn->canceled, sn->rejected,
		sn->failed, sn->expired, sn->unknown,
	};

	mw_family(w, "talon_orders_total", "counter",
		  "Orders by outcome: submitted (accepted by the kernel), refused (by its pre-trade checks), filled, canceled, rejected (by the venue), failed, expired, unknown (times an order's state became unknown).");
	for (size_t i = 0; i < sizeof n / sizeof n[0]; i++) {
		char lb[40];
		snprintf(lb, sizeof lb, "{outcome=\"%s\"}", outcome[i]);
		mw_u64(w, "talon_orders_total", lb, n[i]);
	}
	mw_counter(w, "talon_fills_total", "Fills applied to orders.", sn->fills);
	mw_counter(w, "talon_duplicate_fills_total",
		   "Fills the venue reported again (same trade), ignored.", sn->duplicate_fills);
	mw_counter(w, "talon_invalid_transitions_total",
		   "Order updates that would have moved an order to an impossible status, ignored.",
		   sn->invalid_transitions);
	mw_counter(w, "talon_backpressure_refusals_total",
		   "Order commands refused because the engine's outgoing rings were nearly full.",
		   sn->backpressure);
	mw_counter(w, "talon_foreign_updates_total",
		   "Venue updates with one of our client ids but another order's symbol or venue id, refused.",
		   sn->foreign_updates);
	mw_counter(w, "talon_reconcile_adopted_orders_total",
		   "Orders found on the venue and adopted by reconciliation.", sn->adopted);
	mw_counter(w, "talon_reconcile_position_conflicts_total",
		   "Positions whose venue quantity differed from the kernel's (POSITION_CONFLICT).",
		   sn->conflicts);
	mw_counter(w, "talon_reconcile_position_orphans_total",
		   "Positions the venue holds that the kernel did not know (POSITION_ORPHAN).",
		   sn->orphans);
	mw_counter(w, "talon_reconcile_resyncs_total",
		   "Resynchronisations with the venue (user stream connected, or a gap in it).",
		   sn->resyncs);
	mw_counter(w, "talon_kernel_inputs_total", "Inputs the kernel applied.", sn->inputs);
	mw_counter(w, "talon_kernel_outputs_total", "Outputs the kernel emitted.", sn->outputs);
	mw_counter(w, "talon_kernel_events_total",
		   "Events the kernel emitted for the strategy.", sn->events);

	mw_family(w, "talon_order_requests_total", "counter",
		  "Order requests (new, cancel, query) written to the venue, by transport.");
	mw_u64(w, "talon_order_requests_total", "{transport=\"ws\"}", sn->ws_sent);
	mw_u64(w, "talon_order_requests_total", "{transport=\"rest\"}", sn->rest_sent);
	mw_counter(w, "talon_ws_fallbacks_total",
		   "Order requests sent over REST because no WebSocket API session was ready.",
		   sn->ws_fallbacks);
	mw_counter(w, "talon_ws_sessions_total",
		   "WebSocket API sessions made ready (connected and logged on).", sn->ws_sessions);
	mw_counter(w, "talon_ws_drops_total",
		   "WebSocket API sessions lost to a fault.", sn->ws_drops);
}

/* ---- the venue's health ------------------------------------------------------------ */

static void mw_gauge(mw_t *w, const char *name, const char *help, uint64_t v)
{
	mw_family(w, name, "gauge", help);
	mw_u64(w, name, "", v);
}

static void mw_venue(mw_t *w, const tl_shm_snapshot_t *sn)
{
	mw_gauge(w, "talon_venue_connected",
		 "1 while orders can go to the venue (a connection up, the clock synced).",
		 sn->venue_connected);
	mw_gauge(w, "talon_venue_connections", "Request connections to the venue that are up.",
		 sn->venue_conns);
	mw_family(w, "talon_venue_stream_state", "gauge",
		  "The venue's user data stream: 1 for its current state, 0 for the others (none: the venue has no stream).");
	for (uint32_t s = 0; s < TL_SHM_STREAM__COUNT; s++) {
		char lb[40];
		snprintf(lb, sizeof lb, "{state=\"%s\"}", tl_shm_stream_name(s));
		mw_u64(w, "talon_venue_stream_state", lb, sn->venue_stream == s);
	}
	mw_gauge(w, "talon_venue_clock_synced", "1 once the venue's clock offset was measured.",
		 sn->venue_clock_synced);
	mw_family(w, "talon_venue_clock_offset_seconds", "gauge",
		  "The venue's clock minus the engine's, seconds.");
	mw_secs(w, "talon_venue_clock_offset_seconds", "", sn->clock_offset_ns);
	mw_gauge(w, "talon_venue_request_weight",
		 "Request weight used in the venue's current minute.", sn->weight_used);
	mw_gauge(w, "talon_venue_request_weight_limit",
		 "The venue's request weight limit per minute (0: none).", sn->weight_limit);
	mw_family(w, "talon_venue_orders", "gauge",
		  "Orders placed in the venue's current rate-limit window (10s, 1m).");
	mw_u64(w, "talon_venue_orders", "{window=\"10s\"}", sn->orders_10s);
	mw_u64(w, "talon_venue_orders", "{window=\"1m\"}", sn->orders_1m);
	mw_family(w, "talon_venue_orders_limit", "gauge",
		  "The venue's order limit per window (10s, 1m; 0: none).");
	mw_u64(w, "talon_venue_orders_limit", "{window=\"10s\"}", sn->orders_10s_limit);
	mw_u64(w, "talon_venue_orders_limit", "{window=\"1m\"}", sn->orders_1m_limit);
	mw_family(w, "talon_venue_rate_limited_total", "counter",
		  "Venue answers refusing a request for its rate (429: too many requests, 418: IP banned).");
	mw_u64(w, "talon_venue_rate_limited_total", "{code=\"429\"}", sn->http_429);
	mw_u64(w, "talon_venue_rate_limited_total", "{code=\"418\"}", sn->http_418);
}

/* ---- positions, strategies, PnL ----------------------------------------------------- */

/* {symbol="...",position_side="..."} of a position. */
static const char *mw_pos_labels(const tl_shm_pos_t *p, char *out, size_t cap)
{
	char sym[MW_ESC(TL_SYMBOL_NAMELEN)];
	snprintf(out, cap, "{symbol=\"%s\",position_side=\"%s\"}",
		 mw_esc(p->symbol, sizeof p->symbol, sym),
		 tl_pos_side_name((tl_pos_side_t)p->pos_side));
	return out;
}

enum { MW_P_QTY, MW_P_ENTRY, MW_P_MARK, MW_P_UNREAL, MW_P_REAL, MW_P_FEES, MW_P_ROE, MW_P_LEV };

static tl_fx_t mw_pos_value(const tl_shm_pos_t *p, int k)
{
	switch (k) {
	case MW_P_QTY: return p->qty;
	case MW_P_ENTRY: return p->entry;
	case MW_P_MARK: return p->mark;
	case MW_P_UNREAL: return p->unrealized;
	case MW_P_REAL: return p->realized;
	case MW_P_FEES: return p->commission;
	default: return p->roe;
	}
}

static void mw_positions(mw_t *w, const tl_shm_snapshot_t *sn)
{
	static const struct {
		const char *name, *help;
	} fam[] = {
		[MW_P_QTY] = { "talon_position_quantity",
			       "Position quantity in the base asset, signed (negative: short)." },
		[MW_P_ENTRY] = { "talon_position_entry_price", "Average entry price." },
		[MW_P_MARK] = { "talon_position_mark_price", "Last mark price." },
		[MW_P_UNREAL] = { "talon_position_unrealized_pnl",
				  "Unrealized PnL at the mark price, quote asset." },
		[MW_P_REAL] = { "talon_position_realized_pnl", "Realized PnL, quote asset." },
		[MW_P_FEES] = { "talon_position_commission", "Commission paid, quote asset." },
		[MW_P_ROE] = { "talon_position_roe_ratio",
			       "Return on equity at the mark price, a fraction (0.5 = 50 %)." },
		[MW_P_LEV] = { "talon_position_leverage", "Leverage." },
	};
	uint32_t n = sn->n_pos < TL_SHM_POS_MAX ? sn->n_pos : TL_SHM_POS_MAX;

	for (int k = 0; k < (int)(sizeof fam / sizeof fam[0]); k++) {
		mw_family(w, fam[k].name, "gauge", fam[k].help);
		for (uint32_t i = 0; i < n; i++) {
			const tl_shm_pos_t *p = &sn->pos[i];
			char lb[MW_ESC(TL_SYMBOL_NAMELEN) + 48];

			mw_pos_labels(p, lb, sizeof lb);
			if (k == MW_P_LEV)
				mw_u64(w, fam[k].name, lb, p->leverage);
			else
				mw_fx(w, fam[k].name, lb, mw_pos_value(p, k));
		}
	}
}

/* Strategy rows worth a series: every tag, and the untagged row (0)
 * once something was booked to it (as `talon ctl status` shows them). A
 * tag row without a name (a corrupt block) would repeat row 0's series. */
static bool mw_strat_shown(const tl_shm_strat_t *t, uint32_t r)
{
	if (r > 0)
		return t->name[0] != '\0';
	return t->orders || t->fills || t->realized || t->unrealized || t->commission;
}

enum { MW_S_REAL, MW_S_UNREAL, MW_S_FEES, MW_S_ORDERS, MW_S_FILLS };

static void mw_strategies(mw_t *w, const tl_shm_snapshot_t *sn)
{
	static const struct {
		const char *name, *type, *help;
	} fam[] = {
		[MW_S_REAL] = { "talon_strategy_realized_pnl", "gauge",
				"Realized PnL of a strategy tag (\"\": untagged orders), quote asset." },
		[MW_S_UNREAL] = { "talon_strategy_unrealized_pnl", "gauge",
				  "Unrealized PnL of a strategy tag's positions, quote asset." },
		[MW_S_FEES] = { "talon_strategy_commission", "gauge",
				"Commission paid by a strategy tag, quote asset." },
		[MW_S_ORDERS] = { "talon_strategy_orders_total", "counter",
				  "Orders submitted under a strategy tag." },
		[MW_S_FILLS] = { "talon_strategy_fills_total", "counter",
				 "Fills of a strategy tag's orders." },
	};
	uint32_t n = sn->n_strat < TL_SHM_STRAT_MAX ? sn->n_strat : TL_SHM_STRAT_MAX;

	for (int k = 0; k < (int)(sizeof fam / sizeof fam[0]); k++) {
		mw_family(w, fam[k].name, fam[k].type, fam[k].help);
		for (uint32_t r = 0; r < n; r++) {
			const tl_shm_strat_t *t = &sn->strat[r];
			char name[MW_ESC(TL_STRAT_LEN)], lb[sizeof name + 16];

			if (!mw_strat_shown(t, r))
				continue;
			snprintf(lb, sizeof lb, "{strategy=\"%s\"}",
				 r ? mw_esc(t->name, sizeof t->name, name) : "");
			switch (k) {
			case MW_S_REAL: mw_fx(w, fam[k].name, lb, t->realized); break;
			case MW_S_UNREAL: mw_fx(w, fam[k].name, lb, t->unrealized); break;
			case MW_S_FEES: mw_fx(w, fam[k].name, lb, t->commission); break;
			case MW_S_ORDERS: mw_u64(w, fam[k].name, lb, t->orders); break;
			default: mw_u64(w, fam[k].name, lb, t->fills); break;
			}
		}
	}
}

static void mw_pnl(mw_t *w, const tl_shm_snapshot_t *sn)
{
	mw_family(w, "talon_pnl", "gauge",
		  "Total PnL: realized - commission + unrealized over every position, quote asset.");
	mw_fx(w, "talon_pnl", "", sn->total_pnl);
	mw_family(w, "talon_daily_pnl", "gauge",
		  "PnL of the trading day (since talon_day_start_time_seconds), quote asset.");
	mw_fx(w, "talon_daily_pnl", "", sn->daily_pnl);
	mw_family(w, "talon_day_start_time_seconds", "gauge",
		  "When the current trading day began (risk.day_reset_hour), seconds since the Unix epoch.");
	mw_secs(w, "talon_day_start_time_seconds", "", sn->day_start);
	mw_family(w, "talon_daily_loss_limit", "gauge",
		  "risk.daily_loss_limit: the engine liquidates when talon_daily_pnl <= -limit (0: off).");
	mw_fx(w, "talon_daily_loss_limit", "", sn->daily_loss_limit);
	mw_family(w, "talon_loss_limit", "gauge",
		  "risk.loss_limit: the engine liquidates when PnL since start or resume <= -limit (0: off).");
	mw_fx(w, "talon_loss_limit", "", sn->loss_limit);
}

/* ---- journal, emergency, latency --------------------------------------------------- */

static void mw_journal(mw_t *w, const tl_shm_snapshot_t *sn)
{
	mw_gauge(w, "talon_journal_enabled", "1 when the engine writes a journal (journal.path set).",
		 (sn->journal & TL_SHM_JOURNAL_ON) != 0);
	mw_gauge(w, "talon_journal_failed",
		 "1 after a journal write failed: new orders are refused.",
		 (sn->journal & TL_SHM_JOURNAL_FAILED) != 0);
	mw_gauge(w, "talon_journal_strict",
		 "1 in journal.mode strict (requests wait for their commit), 0 in async.",
		 (sn->journal & TL_SHM_JOURNAL_STRICT) != 0);
	mw_gauge(w, "talon_journal_pending_records",
		 "Journal records the engine produced that the journal thread has not taken yet "
		 "(the lag; new orders are refused at rings.high_water_pct of rings.journal).",
		 sn->journal_pending);
	mw_counter(w, "talon_journal_records_total",
		   "Journal records committed since the engine started.", sn->journal_records);
	mw_family(w, "talon_journal_last_commit_time_seconds", "gauge",
		  "When the journal last committed (Unix time; 0: not yet).");
	mw_secs(w, "talon_journal_last_commit_time_seconds", "", sn->journal_last_commit_ns);
}

static void mw_emergency(mw_t *w, const tl_shm_snapshot_t *sn)
{
	mw_gauge(w, "talon_emergency_active", "1 while an emergency liquidation runs.",
		 sn->emg_active != 0);
	mw_gauge(w, "talon_emergency_close_orders",
		 "Close orders sent by the current or last emergency liquidation.", sn->emg_total);
	mw_family(w, "talon_emergency_close_orders_done", "gauge",
		  "Close orders of the current or last emergency liquidation that ended, by result (filled, failed: ended without filling).");
	mw_u64(w, "talon_emergency_close_orders_done", "{result=\"filled\"}", sn->emg_ok);
	mw_u64(w, "talon_emergency_close_orders_done", "{result=\"failed\"}", sn->emg_failed);
	mw_gauge(w, "talon_emergency_canceled_orders",
		 "Open orders canceled by the current or last emergency liquidation.", sn->emg_canceled);
	mw_family(w, "talon_emergency_start_time_seconds", "gauge",
		  "When the current or last emergency liquidation began, seconds since the Unix epoch (0: none).");
	mw_secs(w, "talon_emergency_start_time_seconds", "", sn->emg_started);
	mw_family(w, "talon_emergency_completion_time_seconds", "gauge",
		  "When the last emergency liquidation completed, seconds since the Unix epoch (0: none or running).");
	mw_secs(w, "talon_emergency_completion_time_seconds", "", sn->emg_completed);
	if (sn->emg_started) {
		char r[MW_ESC(TL_TEXT_LEN)], lb[sizeof r + 16];
		mw_family(w, "talon_emergency_info", "gauge",
			  "The reason of the current or last emergency liquidation; always 1.");
		snprintf(lb, sizeof lb, "{reason=\"%s\"}",
			 mw_esc(sn->emg_reason, sizeof sn->emg_reason, r));
		mw_u64(w, "talon_emergency_info", lb, 1);
	}
}

static void mw_latency(mw_t *w, const tl_shm_snapshot_t *sn)
{
	uint64_t acc = 0;
	char le[32], lb[48];

	mw_family(w, "talon_engine_loop_seconds", "histogram",
		  "Time of one engine loop's work (loops that had work), seconds.");
	for (unsigned i = 0; i < TL_SHM_LAT_BOUNDS; i++) {
		acc += sn->lat_bucket[i];
		snprintf(lb, sizeof lb, "{le=\"%s\"}",
			 mw_secs_fmt(tl_shm_lat_bounds_ns[i], false, le));
		mw_u64(w, "talon_engine_loop_seconds_bucket", lb, acc);
	}
	acc += sn->lat_bucket[TL_SHM_LAT_BOUNDS];
	mw_u64(w, "talon_engine_loop_seconds_bucket", "{le=\"+Inf\"}", acc);
	fprintf(w->f, "talon_engine_loop_seconds_sum %s\n",
		mw_secs_fmt(sn->lat_sum_ns, false, le));
	mw_u64(w, "talon_engine_loop_seconds_count", "", acc);
}

int tl_mon_metrics_write(FILE *f, const tl_shm_t *shm, const tl_shm_snapshot_t *sn,
			 int64_t now_realtime_ns)
{
	mw_t w = { f };

	mw_engine(&w, shm, sn, now_realtime_ns);
	mw_counters(&w, sn);
	mw_venue(&w, sn);
	mw_positions(&w, sn);
	mw_strategies(&w, sn);
	mw_pnl(&w, sn);
	mw_journal(&w, sn);
	mw_emergency(&w, sn);
	mw_latency(&w, sn);
	if (fflush(f) != 0 || ferror(f))
		return -1;
	return 0;
}
