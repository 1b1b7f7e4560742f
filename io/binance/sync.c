/*
 * binance_sync.c - reconciliation with a Binance USD-M venue
 * (binance_sync.h, docs/recovery.md).
 *
 * Sections: state; venue JSON -> inputs (open orders, trades, positions,
 * balance); the phases (start-up, resync, monitor); held query answers.
 *
 * Every REST call is asynchronous: the reconciler queues one GET at a
 * time (tl_binance_sync_send) and goes on when tl_binance_sync_done brings its
 * answer, so the IO thread never waits for the venue here and orders keep
 * flowing (rate-limit holds delay a sync, never an order). Phases:
 *
 *   WAIT --clock set, stream up (or 3 s)--> [RESYNC input] GET openOrders
 *        -> ADOPT ... , GET openAlgoOrders -> ADOPT ...        -> POS_DUE(start)
 *   POS_DUE --adapter idle, >= 200 ms later (or 10 s)--> GET balance,
 *        GET positionRisk -> POSITION_SNAPSHOT ... END         -> RUN
 *   RUN  --stream epoch != synced epoch, stream up--> RESYNC input,
 *        open orders as above                                  -> POS_DUE(resync)
 *   RUN  --monitor period--> balance + positionRisk -> snapshot -> RUN
 *
 * A call that fails sends its chain back where it started (WAIT, RUN
 * with a resync owed, POS_DUE, RUN) to be tried a second later. JSON is
 * parsed with cJSON on the heap: cold path, never the order path.
 */
#define _GNU_SOURCE
#include "io/binance/sync.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "io/binance/binance.h"
#include "io/binance/map.h"
#include "io/binance/stream.h"
#include "runtime/log.h"
#include "kernel/kernel.h"
#include "runtime/clock.h"

#define BSYNC_RETRY_NS (1LL * TL_NS_PER_S)
#define BSYNC_SETTLE_NS (200LL * TL_NS_PER_MS)  /* kernel queries reach IO */
#define BSYNC_IDLE_MAX_NS (10LL * TL_NS_PER_S)  /* snapshot even if busy */
#define BSYNC_AGAIN_NS (5LL * TL_NS_PER_S)      /* repeated resyncs, at most */

enum bsync_phase {
	BS_WAIT = 0,   /* start-up not begun */
	BS_ORDERS,     /* open-order lists in flight (pending says which) */
	BS_POS_DUE,    /* waiting for the adapter to settle */
	BS_POS,        /* balance / positionRisk in flight */
	BS_RUN,        /* monitor and resync */
};

static const struct {
	const char *path;
	int weight;
} bsync_calls[] = {
	[TL_BINANCE_SYNC_OPEN] = { "/fapi/v1/openOrders", 40 },
	[TL_BINANCE_SYNC_OPEN_ALGO] = { "/fapi/v1/openAlgoOrders", 40 },
	[TL_BINANCE_SYNC_BALANCE] = { "/fapi/v3/balance", 5 },
	[TL_BINANCE_SYNC_POSITIONS] = { "/fapi/v3/positionRisk", 5 },
	[TL_BINANCE_SYNC_ALL_ORDERS] = { "/fapi/v1/allOrders", 5 },
};

#define BSYNC_ARENA_CAP (64u << 10)

struct tl_binance_sync {
	tl_venue_t *v;
	const tl_symbols_t *syms;
	char prefix[TL_PREFIX_MAX + 1];
	uint8_t policy;            /* tl_recon_policy_t */
	uint8_t confirm;           /* monitor and resync snapshots */
	tl_fx_t tolerance;
	int64_t interval_ns;       /* monitor, 0 = off */
	int phase;
	int pending;               /* tl_binance_sync_call_t in flight, 0 none */
	uint8_t source;            /* tl_snap_source_t of the running chain */
	int64_t ready_at;          /* monotonic: first poll with the clock set */
	int64_t due_from;          /* monotonic: POS_DUE entered */
	int64_t retry_at;
	int64_t next_monitor;
	tl_fx_t balance;           /* of the snapshot being taken */
	uint32_t last_snap_id;
	tl_time_t pos_asked;       /* when positionRisk was asked (s->now) */
	bool again;                /* a query's trades could not be fetched, or
				    * a resync failed: resync once more */
	int64_t last_resync;       /* monotonic; "again" waits BSYNC_AGAIN_NS */
	/* bulk resync: the RESYNC input owed once openOrders is read */
	bool bulk_pending;
	uint64_t bulk_epoch;
	tl_time_t bulk_asked;      /* engine clock when openOrders was asked */
	uint32_t bulk_fails;       /* failed reads of this resync */
	tl_time_t now;             /* of the current call */
	bool held_used[TL_BINANCE_SYNC_HELD];
	tl_input_t held[TL_BINANCE_SYNC_HELD]; /* hdr.type 0: nothing to emit after */
	tl_binance_sync_stats_t st;
	/* An order's userTrades, parsed without the heap (IO thread; a
	 * larger answer falls back to it). */
	/* The crash window (tl_binance_sync_lost): sequences [lost_lo,
	 * lost_hi) of orders that traded since lost_from_ms; lost_sym is the
	 * next symbol to read (lost_from_ms 0: nothing to scan, or done). */
	uint64_t lost_lo, lost_hi;
	int64_t lost_from_ms;
	uint32_t lost_sym;
	/* Venue ids adopted by this scan: a scan read again (a retried
	 * round, a late answer) adopts each order once. */
	int64_t lost_done[64];
	uint32_t n_lost_done;
	tl_binance_arena_t arena;
	unsigned char arena_buf[BSYNC_ARENA_CAP];
};

/* Counters are read by other threads (tests, monitors): relaxed atomics. */
#define BS_ADD(s, f, v) __atomic_fetch_add(&(s)->st.f, (v), __ATOMIC_RELAXED)
#define BS_SET(s, f, v) __atomic_store_n(&(s)->st.f, (v), __ATOMIC_RELAXED)
#define BS_GET(s, f) __atomic_load_n(&(s)->st.f, __ATOMIC_RELAXED)

const char *tl_binance_sync_call_path(int call)
{
	return call > 0 && call < TL_BINANCE_SYNC__CALLS ? bsync_calls[call].path : "/";
}

int tl_binance_sync_call_weight(int call)
{
	return call > 0 && call < TL_BINANCE_SYNC__CALLS ? bsync_calls[call].weight : 1;
}

tl_binance_sync_t *tl_binance_sync_new(const tl_config_t *cfg, const tl_symbols_t *syms,
			 tl_venue_t *v)
{
	tl_binance_sync_t *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->v = v;
	tl_binance_arena_init(&s->arena, s->arena_buf, sizeof(s->arena_buf));
	s->syms = syms;
	snprintf(s->prefix, sizeof(s->prefix), "%s", cfg->kernel.clid_prefix);
	s->policy = cfg->reconcile.policy == TL_RECON_TRUST_VENUE ? TL_RECON_TRUST_VENUE
								  : TL_RECON_PAUSE;
	s->confirm = (uint8_t)(cfg->reconcile.confirm ? cfg->reconcile.confirm : 2);
	s->tolerance = cfg->reconcile.tolerance_pct;
	s->interval_ns = (int64_t)cfg->reconcile.sync_interval_s * TL_NS_PER_S;
	return s;
}

void tl_binance_sync_free(tl_binance_sync_t *s)
{
	free(s);
}

void tl_binance_sync_get_stats(const tl_binance_sync_t *s, tl_binance_sync_stats_t *out)
{
	out->start_done = BS_GET(s, start_done);
	out->resyncs = BS_GET(s, resyncs);
	out->snapshots = BS_GET(s, snapshots);
	out->adopts = BS_GET(s, adopts);
	out->trade_fetches = BS_GET(s, trade_fetches);
	out->fills = BS_GET(s, fills);
	out->errors = BS_GET(s, errors);
	out->synced_epoch = BS_GET(s, synced_epoch);
	out->bulk_resyncs = BS_GET(s, bulk_resyncs);
	out->bulk_results = BS_GET(s, bulk_results);
	out->bulk_fallbacks = BS_GET(s, bulk_fallbacks);
	out->lost_adopted = BS_GET(s, lost_adopted);
}

/* ---- venue JSON -> inputs ------------------------------------------------ */

static tl_fx_t bsync_fx(const cJSON *o, const char *name, bool *ok)
{
	const cJSON *f = cJSON_GetObjectItemCaseSensitive(o, name);
	tl_fx_t v = 0;

	if (!cJSON_IsString(f) ||
	    tl_fx_parse(f->valuestring, strlen(f->valuestring), &v) != TL_FX_OK)
		*ok = false;
	return v;
}

static const char *bsync_str(const cJSON *o, const char *name)
{
	const cJSON *f = cJSON_GetObjectItemCaseSensitive(o, name);
	return cJSON_IsString(f) ? f->valuestring : NULL;
}

static int64_t bsync_int(const cJSON *o, const char *name)
{
	const cJSON *f = cJSON_GetObjectItemCaseSensitive(o, name);
	/* A number outside int64 (1e300, or NaN) is no id: 0, as if absent.
	 * Converting it would be undefined behaviour. */
	if (!cJSON_IsNumber(f) ||
	    !(f->valuedouble > -9.2e18 && f->valuedouble < 9.2e18))
		return 0;
	return (int64_t)f->valuedouble;
}

/* The sequence of our client id "<prefix><digits>", 0 when it is not
 * ours (or too long to be). */
static uint64_t bsync_seq(const tl_binance_sync_t *s, const char *clid)
{
	size_t n = strlen(s->prefix);
	uint64_t v = 0;
	if (!clid || strncmp(clid, s->prefix, n) != 0 || !clid[n] ||
	    strlen(clid) >= TL_CLID_LEN)
		return 0;
	for (const char *p = clid + n; *p; p++) {
		if (*p < '0' || *p > '9' || v > (UINT64_MAX - 9) / 10)
			return 0;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	return v;
}

static bool bsync_ours(const tl_binance_sync_t *s, const char *clid)
{
	return bsync_seq(s, clid) != 0;
}

static void bsync_emit(tl_binance_sync_t *s, tl_input_t *in, tl_time_t now)
{
	in->hdr.time = now;
	tl_venue_emit(s->v, in);
}

/* A tree from tl_binance_parse_any: only the heap's is freed. */
static void bsync_free(cJSON *root, bool heap)
{
	if (heap)
		cJSON_Delete(root);
}

/* The answer as a JSON array in the reconciler's arena (tl_binance_parse_any),
 * NULL (and nothing held) when it is not one. */
static cJSON *bsync_array(tl_binance_sync_t *s, const char *body, size_t len, bool *heap)
{
	cJSON *root = tl_binance_parse_any(&s->arena, body, len, heap);
	if (cJSON_IsArray(root))
		return root;
	bsync_free(root, *heap);
	return NULL;
}

int tl_binance_sync_trades_to_fills(const char *body, size_t len, const char *clid,
			     tl_time_t now, tl_venue_t *v, tl_binance_arena_t *a)
{
	bool heap;
	cJSON *root = tl_binance_parse_any(a, body, len, &heap);
	const cJSON *e;
	int n = 0;

	if (!cJSON_IsArray(root)) {
		if (heap)
			cJSON_Delete(root);
		return -1;
	}
	cJSON_ArrayForEach(e, root) {
		bool ok = true;
		tl_input_t in;
		const cJSON *mk = cJSON_GetObjectItemCaseSensitive(e, "maker");

		memset(&in, 0, sizeof(in));
		in.hdr.type = TL_IN_FILL;
		in.hdr.time = now;
		snprintf(in.u.fill.client_id, sizeof(in.u.fill.client_id), "%s", clid);
		in.u.fill.venue_id = bsync_int(e, "orderId");
		in.u.fill.trade_id = bsync_int(e, "id");
		in.u.fill.price = bsync_fx(e, "price", &ok);
		in.u.fill.qty = bsync_fx(e, "qty", &ok);
		in.u.fill.commission = bsync_fx(e, "commission", &ok);
		in.u.fill.maker = cJSON_IsTrue(mk);
		const char *sym = bsync_str(e, "symbol");
		if (sym && strlen(sym) < TL_SYMBOL_NAMELEN)
			memcpy(in.u.fill.symbol, sym, strlen(sym) + 1);
		if (!ok || in.u.fill.trade_id <= 0)
			continue;	/* the kernel would refuse it anyway */
		if (in.u.fill.commission < 0)
			in.u.fill.commission = -in.u.fill.commission;
		tl_venue_emit(v, &in);
		n++;
	}
	if (heap)
		cJSON_Delete(root);
	return n;
}

/* Fetch the trades of an order we just adopted (emitted after them:
 * nothing; the ADOPT went first so the fills find their order). */
static void bsync_adopted_trades(tl_binance_sync_t *s, const char *symbol, int64_t order_id,
				 const char *clid)
{
	tl_input_t none;
	memset(&none, 0, sizeof(none));
	snprintf(none.u.query.client_id, sizeof(none.u.query.client_id), "%s", clid);
	int slot = tl_binance_sync_hold(s, &none);
	if (slot < 0 || tl_binance_trades_send(s->v, symbol, order_id, clid, slot) < 0) {
		if (slot >= 0)
			s->held_used[slot] = false;
		s->again = true;	/* a resync will query it, trades and all */
	}
}

/* Venue status of an open order -> NEW / PARTIALLY_FILLED (0: not open). */
static int bsync_open_status(bool algo, const char *st)
{
	if (!st)
		return 0;
	if (algo)	/* waiting for its trigger: open as far as we care */
		return (!strcmp(st, "NEW") || !strcmp(st, "TRIGGERING")) ? TL_ST_NEW : 0;
	int v = tl_binance_status_parse(st);
	return (v == TL_ST_NEW || v == TL_ST_PARTIALLY_FILLED) ? v : 0;
}

/* A bulk resync's answer for one open plain order of ours (bulk 1):
 * found, its venue status, id, executed quantity and symbol, as a query
 * of it would have said. */
static void bsync_bulk_result(tl_binance_sync_t *s, const tl_in_adopt_t *a)
{
	tl_input_t in;
	tl_in_query_result_t *q = &in.u.query;

	memset(&in, 0, sizeof(in));
	in.hdr.type = TL_IN_QUERY_RESULT;
	memcpy(q->client_id, a->client_id, TL_CLID_LEN);
	memcpy(q->symbol, a->symbol, TL_SYMBOL_NAMELEN);
	q->found = 1;
	q->status = a->status;
	q->venue_id = a->venue_id;
	q->executed_qty = a->executed_qty;
	bsync_emit(s, &in, s->now);
	BS_ADD(s, bulk_results, 1);
}

/* An order of the venue's lists as an ADOPT input (status left 0 for
 * the caller): false when it is not ours, not on our symbols, or a field
 * does not parse. */
static bool bsync_adopt_of(tl_binance_sync_t *s, const cJSON *e, bool algo, tl_input_t *in)
{
	const char *clid = bsync_str(e, algo ? "clientAlgoId" : "clientOrderId");
	const char *sym = bsync_str(e, "symbol");
	const char *ps = bsync_str(e, "positionSide");
	const char *side = bsync_str(e, "side");
	const char *type = bsync_str(e, algo ? "orderType" : "type");
	const char *tif = bsync_str(e, "timeInForce");
	tl_in_adopt_t *a = &in->u.adopt;
	bool ok = true;

	if (!bsync_ours(s, clid) || !sym || tl_symbols_find(s->syms, sym) < 0)
		return false;
	memset(in, 0, sizeof(*in));
	in->hdr.type = TL_IN_ADOPT;
	snprintf(a->client_id, sizeof(a->client_id), "%s", clid);
	snprintf(a->symbol, sizeof(a->symbol), "%s", sym);
	a->side = (uint8_t)tl_side_parse(side ? side : "");
	a->type = (uint8_t)tl_ord_type_parse(type ? type : "");
	a->tif = (uint8_t)tl_tif_parse(tif ? tif : "");
	int p = tl_pos_side_parse(ps ? ps : "BOTH");
	a->pos_side = (uint8_t)(p < 0 ? 0 : p);
	a->reduce_only = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(e, "reduceOnly"));
	a->venue_id = bsync_int(e, algo ? "algoId" : "orderId");
	a->qty = bsync_fx(e, algo ? "quantity" : "origQty", &ok);
	a->price = bsync_fx(e, "price", &ok);
	a->stop_price = bsync_fx(e, algo ? "triggerPrice" : "stopPrice", &ok);
	if (!algo)
		a->executed_qty = bsync_fx(e, "executedQty", &ok);
	return ok && a->side && a->type;
}

/* An open-orders list (plain or algo) -> ADOPT for each order of ours,
 * and the trades of a plain one that already traded; in a bulk resync
 * also its QUERY_RESULT. */
static int bsync_adopt_list(tl_binance_sync_t *s, bool algo, const char *body, size_t len)
{
	bool heap;
	cJSON *root = bsync_array(s, body, len, &heap);
	const cJSON *e;
	if (!root)
		return -1;
	cJSON_ArrayForEach(e, root) {
		tl_input_t in;
		tl_in_adopt_t *a = &in.u.adopt;

		if (!bsync_adopt_of(s, e, algo, &in))
			continue;
		a->status = (uint8_t)bsync_open_status(algo, bsync_str(e, algo ? "algoStatus"
										: "status"));
		if (!a->status)
			continue;
		bsync_emit(s, &in, s->now);
		BS_ADD(s, adopts, 1);
		if (!algo && s->bulk_pending)
			bsync_bulk_result(s, a);
		/* Trades it had while we did not know it: the kernel drops the
		 * ones it already applied (trade id). */
		if (a->executed_qty > 0 && a->venue_id > 0)
			bsync_adopted_trades(s, a->symbol, a->venue_id, a->client_id);
	}
	bsync_free(root, heap);
	return 0;
}

static void bsync_fail(tl_binance_sync_t *s);

/* A traded order of ours the journal lost: its trades, then its final
 * status (held until the trades are in). */
static void bsync_lost_trades(tl_binance_sync_t *s, const tl_in_adopt_t *a)
{
	tl_input_t q;
	memset(&q, 0, sizeof(q));
	q.hdr.type = TL_IN_QUERY_RESULT;
	tl_in_query_result_t *r = &q.u.query;
	snprintf(r->client_id, sizeof(r->client_id), "%s", a->client_id);
	snprintf(r->symbol, sizeof(r->symbol), "%s", a->symbol);
	r->found = 1;
	r->status = a->status;
	r->venue_id = a->venue_id;
	r->executed_qty = a->executed_qty;
	int slot = tl_binance_sync_hold(s, &q);
	if (slot < 0 || tl_binance_trades_send(s->v, a->symbol, a->venue_id, a->client_id,
					       slot) < 0) {
		if (slot >= 0)
			s->held_used[slot] = false;
		s->again = true;	/* a resync queries the order (UNKNOWN) */
	}
}

/* One symbol's recent orders (allOrders) -> ADOPT for each of ours in the
 * crash window that traded and is closed (open ones came with
 * openOrders), with its trades and final status. Orders of this or an
 * earlier journaled session are outside [lost_lo, lost_hi). */
static int bsync_lost_list(tl_binance_sync_t *s, const char *body, size_t len)
{
	bool heap;
	cJSON *root = bsync_array(s, body, len, &heap);
	const cJSON *e;
	if (!root)
		return -1;
	cJSON_ArrayForEach(e, root) {
		tl_input_t in;
		tl_in_adopt_t *a = &in.u.adopt;
		int status = tl_binance_status_parse(bsync_str(e, "status"));

		if ((status != TL_ST_FILLED && status != TL_ST_CANCELED &&
		     status != TL_ST_EXPIRED) || !bsync_adopt_of(s, e, false, &in))
			continue;
		uint64_t seq = bsync_seq(s, a->client_id);
		if (seq < s->lost_lo || seq >= s->lost_hi || a->executed_qty <= 0 ||
		    a->venue_id <= 0)
			continue;
		bool seen = false;
		for (uint32_t i = 0; i < s->n_lost_done && !seen; i++)
			seen = s->lost_done[i] == a->venue_id;
		if (seen)
			continue;
		if (s->n_lost_done < sizeof(s->lost_done) / sizeof(s->lost_done[0]))
			s->lost_done[s->n_lost_done++] = a->venue_id;
		a->status = (uint8_t)status;
		tl_log(TL_LOG_WARN, "binance: %s %s traded at the venue but not in the journal "
		       "(its records were lost with the last session): adopted", a->client_id,
		       a->symbol);
		bsync_emit(s, &in, s->now);
		BS_ADD(s, lost_adopted, 1);
		bsync_lost_trades(s, a);
	}
	bsync_free(root, heap);
	return 0;
}

void tl_binance_sync_lost(tl_binance_sync_t *s, uint64_t lo, uint64_t hi, tl_time_t last)
{
	int64_t ms = last / TL_NS_PER_MS - TL_BINANCE_SYNC_LOST_MARGIN_MS;
	if (lo == 0 || hi <= lo || s->syms->count == 0)
		return;
	s->lost_lo = lo;
	s->lost_hi = hi;
	s->n_lost_done = 0;
	s->lost_from_ms = ms > 0 ? ms : 1;
	s->lost_sym = 0;
}

/* The next symbol's allOrders of the crash-window scan. */
static void bsync_lost_next(tl_binance_sync_t *s)
{
	if (tl_binance_sync_send_args(s->v, TL_BINANCE_SYNC_ALL_ORDERS,
				      tl_symbols_get(s->syms, (int)s->lost_sym)->name, s->lost_from_ms) < 0) {
		bsync_fail(s);
		return;
	}
	s->pending = TL_BINANCE_SYNC_ALL_ORDERS;
}

static int bsync_balance(tl_binance_sync_t *s, const char *body, size_t len)
{
	bool heap;
	cJSON *root = bsync_array(s, body, len, &heap);
	const cJSON *e;
	if (!root)
		return -1;
	s->balance = 0;
	cJSON_ArrayForEach(e, root) {
		const char *asset = bsync_str(e, "asset");
		bool ok = true;
		if (asset && strcmp(asset, "USDT") == 0)
			s->balance = bsync_fx(e, "balance", &ok);
	}
	bsync_free(root, heap);
	return 0;
}

/* positionRisk (+ the balance fetched before) -> POSITION_SNAPSHOT
 * records and END. */
static int bsync_positions(tl_binance_sync_t *s, const char *body, size_t len)
{
	bool heap;
	cJSON *root = bsync_array(s, body, len, &heap);
	const cJSON *e;
	if (!root)
		return -1;
	/* A new id per snapshot, never 0, unlike the last one (also across
	 * restarts: the kernel remembers ids per position). */
	uint32_t id = (uint32_t)(s->now / TL_NS_PER_MS) | 1u;
	if (id == s->last_snap_id)
		id += 2;
	s->last_snap_id = id;
	tl_input_t in;
	tl_in_pos_snapshot_t *p = &in.u.snap;
	memset(&in, 0, sizeof(in));
	in.hdr.type = TL_IN_POSITION_SNAPSHOT;
	p->policy = s->policy;
	/* Start-up: one look decides (the adapter was idle, the stream only
	 * begins). Later: confirm, a fill may be in flight. */
	p->confirm = s->source == TL_SNAP_START ? 1 : s->confirm;
	p->source = s->source;
	p->snap_id = id;
	p->tolerance_pct = s->tolerance;
	p->asked = s->pos_asked;
	cJSON_ArrayForEach(e, root) {
		const char *sym = bsync_str(e, "symbol");
		const char *ps = bsync_str(e, "positionSide");
		bool ok = true;
		tl_fx_t q = bsync_fx(e, "positionAmt", &ok);
		tl_fx_t ep = bsync_fx(e, "entryPrice", &ok);
		int side = tl_pos_side_parse(ps ? ps : "BOTH");

		if (!ok || !sym || q == 0 || side < 0 || strlen(sym) >= TL_SYMBOL_NAMELEN ||
		    tl_symbols_find(s->syms, sym) < 0)
			continue;
		p->kind = TL_SNAP_POSITION;
		snprintf(p->symbol, sizeof(p->symbol), "%s", sym);
		p->pos_side = (uint8_t)side;
		p->qty = q;
		p->entry = ep;
		bsync_emit(s, &in, s->now);
	}
	bsync_free(root, heap);
	memset(p->symbol, 0, sizeof(p->symbol));
	p->kind = TL_SNAP_END;
	p->pos_side = 0;
	p->qty = p->entry = 0;
	p->balance = s->balance;
	bsync_emit(s, &in, s->now);
	BS_ADD(s, snapshots, 1);
	return 0;
}

/* ---- phases ---------------------------------------------------------------- */

static void bsync_send(tl_binance_sync_t *s, int call)
{
	if (tl_binance_sync_send(s->v, call) < 0) {
		bsync_fail(s);	/* the queue is full: later */
		return;
	}
	s->pending = call;
	if (call == TL_BINANCE_SYNC_POSITIONS)
		s->pos_asked = s->now;	/* at or before the venue's look */
	if (call == TL_BINANCE_SYNC_OPEN)
		s->bulk_asked = s->now;
}

/* The running chain failed: back to where it started, a second later. */
static void bsync_fail(tl_binance_sync_t *s)
{
	BS_ADD(s, errors, 1);
	s->pending = 0;
	s->retry_at = tl_clock_mono_ns() + BSYNC_RETRY_NS;
	if (s->phase == BS_ORDERS) {
		if (s->source == TL_SNAP_START) {
			s->phase = BS_WAIT;
		} else {
			s->phase = BS_RUN;
			s->again = true;	/* the whole resync, later */
		}
	} else if (s->phase == BS_POS) {
		s->phase = s->source == TL_SNAP_MONITOR ? BS_RUN : BS_POS_DUE;
	}
}

/* Open orders, then a position snapshot, for `src`. */
static void bsync_start_chain(tl_binance_sync_t *s, uint8_t src)
{
	s->source = src;
	s->phase = BS_ORDERS;
	bsync_send(s, TL_BINANCE_SYNC_OPEN);
}

/* bulk 1: the open orders were read at `asked` and each of ours was
 * reported just before (the kernel queries only the others); bulk 0:
 * the kernel queries every order the venue may hold. */
static void bsync_resync_input(tl_binance_sync_t *s, uint64_t epoch, bool bulk,
			       tl_time_t asked)
{
	tl_input_t in;
	memset(&in, 0, sizeof(in));
	in.hdr.type = TL_IN_RESYNC;
	in.u.resync.epoch = epoch;
	in.u.resync.bulk = bulk;
	in.u.resync.asked = bulk ? asked : 0;
	bsync_emit(s, &in, s->now);
}

/* A resync owed to the kernel starts with one read of every open order
 * (weight 40, whatever the number of live orders) instead of a query
 * per order; the RESYNC input follows the answer. */
static void bsync_bulk_begin(tl_binance_sync_t *s, uint64_t epoch)
{
	s->bulk_pending = true;
	s->bulk_epoch = epoch;
	s->bulk_fails = 0;
}

/* The read failed: a transient failure is tried again twice (a second
 * apart); then, or at once for a refusal (4xx), the kernel is told to
 * query order by order. */
static void bsync_bulk_failed(tl_binance_sync_t *s, int http_status)
{
	bool transient = http_status <= 0 || http_status == 429 ||
			 http_status == 418 || http_status >= 500;

	if (!s->bulk_pending)
		return;
	if (transient && ++s->bulk_fails < 3)
		return;	/* bsync_fail sends the chain back; it restarts */
	s->bulk_pending = false;
	BS_ADD(s, bulk_fallbacks, 1);
	tl_log(TL_LOG_WARN, "binance: bulk resync read failed (HTTP %d): "
	       "the kernel queries each order", http_status);
	bsync_resync_input(s, s->bulk_epoch, false, 0);
}

void tl_binance_sync_done(tl_binance_sync_t *s, int call, int http_status, const char *body,
		   size_t len, tl_time_t now)
{
	if (call != s->pending)
		return;	/* stale */
	s->now = now;
	s->pending = 0;
	if (http_status != 200) {
		if (http_status > 0)
			tl_log(TL_LOG_WARN, "binance: reconcile GET %s: HTTP %d %.*s",
			       tl_binance_sync_call_path(call), http_status,
			       (int)(len < 120 ? len : 120), body);
		if (call == TL_BINANCE_SYNC_OPEN)
			bsync_bulk_failed(s, http_status);
		bsync_fail(s);
		return;
	}
	switch (call) {
	case TL_BINANCE_SYNC_OPEN:
	case TL_BINANCE_SYNC_OPEN_ALGO:
		if (bsync_adopt_list(s, call == TL_BINANCE_SYNC_OPEN_ALGO, body, len) < 0) {
			if (call == TL_BINANCE_SYNC_OPEN)
				bsync_bulk_failed(s, 400);	/* not a list: no use */
			bsync_fail(s);
			return;
		}
		if (call == TL_BINANCE_SYNC_OPEN && s->bulk_pending) {
			s->bulk_pending = false;
			BS_ADD(s, bulk_resyncs, 1);
			bsync_resync_input(s, s->bulk_epoch, true, s->bulk_asked);
		}
		if (call == TL_BINANCE_SYNC_OPEN) {
			bsync_send(s, TL_BINANCE_SYNC_OPEN_ALGO);
			return;
		}
		if (s->source == TL_SNAP_START && s->lost_from_ms) {
			bsync_lost_next(s);
			return;
		}
		s->phase = BS_POS_DUE;
		s->due_from = tl_clock_mono_ns();
		return;
	case TL_BINANCE_SYNC_ALL_ORDERS:
		if (bsync_lost_list(s, body, len) < 0) {
			bsync_fail(s);
			return;
		}
		if (++s->lost_sym < s->syms->count) {
			bsync_lost_next(s);
			return;
		}
		s->lost_from_ms = 0;	/* scanned: once per start */
		s->phase = BS_POS_DUE;
		s->due_from = tl_clock_mono_ns();
		return;
	case TL_BINANCE_SYNC_BALANCE:
		if (bsync_balance(s, body, len) < 0) {
			bsync_fail(s);
			return;
		}
		bsync_send(s, TL_BINANCE_SYNC_POSITIONS);
		return;
	case TL_BINANCE_SYNC_POSITIONS:
		if (bsync_positions(s, body, len) < 0) {
			bsync_fail(s);
			return;
		}
		if (s->source == TL_SNAP_START)
			BS_SET(s, start_done, 1);
		s->phase = BS_RUN;
		s->next_monitor = tl_clock_mono_ns() + s->interval_ns;
		return;
	default:
		return;
	}
}

void tl_binance_sync_poll(tl_binance_sync_t *s, tl_time_t now)
{
	if (s->pending || !tl_binance_ready(s->v))
		return;
	int64_t m = tl_clock_mono_ns();
	if (m < s->retry_at)
		return;
	s->now = now;
	if (!s->ready_at)
		s->ready_at = m;
	bool up = tl_binance_stream_state(s->v) == TL_BINANCE_STREAM_UP;
	uint64_t epoch = tl_binance_stream_epoch(s->v);

	switch (s->phase) {
	case BS_WAIT:
		/* Start once the stream delivers (what happens from now on
		 * reaches us), or without it after a while. */
		if (!up && tl_binance_streams_wanted(s->v) &&
		    m - s->ready_at < TL_BINANCE_SYNC_START_WAIT_NS)
			break;
		if (up) {
			/* Orders sent before the stream's first connection
			 * (the kernel takes orders as soon as REST works) may
			 * have traded unheard: ask for every live one, as
			 * after a reconnect (queries are idempotent). Not in
			 * bulk: at this moment there are few or none (those
			 * of a journal), and a RESYNC owed until the read
			 * returns would query orders sent in the meantime. */
			bsync_resync_input(s, epoch, false, 0);
		}
		BS_SET(s, synced_epoch, epoch);
		bsync_start_chain(s, TL_SNAP_START);
		break;
	case BS_POS_DUE:
		if (m - s->due_from < BSYNC_SETTLE_NS ||
		    (!tl_binance_idle(s->v) && m - s->due_from < BSYNC_IDLE_MAX_NS))
			break;
		s->phase = BS_POS;
		bsync_send(s, TL_BINANCE_SYNC_BALANCE);
		break;
	case BS_RUN:
		if (s->bulk_pending) {
			/* the bulk read failed transiently: again, now */
			bsync_start_chain(s, TL_SNAP_RESYNC);
			break;
		}
		/* Reconnects while a resync's read is in flight coalesce: the
		 * chain runs to its end first (s->pending, phase), then one
		 * more resync covers every epoch since. */
		if ((up && epoch != s->st.synced_epoch /* own thread */) ||
		    (s->again && m - s->last_resync >= BSYNC_AGAIN_NS)) {
			s->again = false;
			s->last_resync = m;
			bsync_bulk_begin(s, epoch);
			BS_SET(s, synced_epoch, epoch);
			BS_ADD(s, resyncs, 1);
			tl_log(TL_LOG_INFO, "binance: REST resync (user stream epoch %llu)",
			       (unsigned long long)epoch);
			bsync_start_chain(s, TL_SNAP_RESYNC);
			break;
		}
		if (s->interval_ns > 0 && m >= s->next_monitor) {
			s->source = TL_SNAP_MONITOR;
			s->phase = BS_POS;
			bsync_send(s, TL_BINANCE_SYNC_BALANCE);
		}
		break;
	default:
		break;	/* a call is in flight */
	}
}

/* ---- query answers waiting for their trades -------------------------------- */

int tl_binance_sync_hold(tl_binance_sync_t *s, const tl_input_t *q)
{
	for (int i = 0; i < TL_BINANCE_SYNC_HELD; i++)
		if (!s->held_used[i]) {
			s->held_used[i] = true;
			s->held[i] = *q;
			BS_ADD(s, trade_fetches, 1);
			return i;
		}
	return -1;
}

void tl_binance_sync_trades_done(tl_binance_sync_t *s, int slot, int http_status,
			  const char *body, size_t len, tl_time_t now)
{
	if (slot < 0 || slot >= TL_BINANCE_SYNC_HELD || !s->held_used[slot])
		return;
	tl_input_t q = s->held[slot];
	s->held_used[slot] = false;
	if (http_status == 200 &&
	    tl_binance_sync_trades_to_fills(body, len, q.u.query.client_id, now, s->v,
					    &s->arena) >= 0) {
		if (q.hdr.type) {	/* fills first, then the status */
			q.hdr.time = now;
			tl_venue_emit(s->v, &q);
		}
		return;
	}
	/* Without its trades the answer would end the order short of its
	 * fills: report the query as failed (an UNKNOWN order is asked again
	 * by the kernel) and resync once more (for the others). */
	BS_ADD(s, errors, 1);
	s->again = true;
	if (!q.hdr.type)
		return;	/* an adopted order's trades: the resync asks again */
	tl_input_t in;
	memset(&in, 0, sizeof(in));
	in.hdr.type = TL_IN_REQ_ERROR;
	in.hdr.time = now;
	memcpy(in.u.error.client_id, q.u.query.client_id, TL_CLID_LEN);
	in.u.error.req = TL_REQ_QUERY;
	in.u.error.outcome.transport = http_status < 0 ? TL_TR_RESET : TL_TR_NONE;
	in.u.error.outcome.written = true;
	in.u.error.outcome.http_status = (uint16_t)(http_status > 0 ? http_status : 0);
	snprintf(in.u.error.text, sizeof(in.u.error.text), "userTrades: %.*s",
		 (int)(len < 48 ? len : 48), body ? body : "");
	tl_venue_emit(s->v, &in);
}

/* ---- test hook ------------------------------------------------------------ */

void tl_binance_sync_test_expect(tl_binance_sync_t *s, int call, uint8_t source)
{
	s->pending = call;
	s->source = source;
	s->phase = call == TL_BINANCE_SYNC_OPEN || call == TL_BINANCE_SYNC_OPEN_ALGO ? BS_ORDERS
								     : BS_POS;
}
