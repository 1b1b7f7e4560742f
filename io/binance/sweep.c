/*
 * binance_sweep.c - the kill switch's venue sweep (emergency.venue_sweep,
 * docs/operations.md): once per kill epoch (io/venue.h tl_venue_gate_t),
 * whatever the kernel knows or not,
 *   1. DELETE /fapi/v1/allOpenOrders and DELETE /fapi/v1/algoOpenOrders
 *      for every symbol in scope (urgent; transient failures retried with
 *      backoff until done). Both: since the venue's algo migration a
 *      STOP/TAKE_PROFIT order lives in the algo service, which
 *      allOpenOrders does not reach, and a stop left behind can open a
 *      position after the kill;
 *   2. GET /fapi/v2/positionRisk: each position in scope on a symbol of
 *      the kernel's table goes to the kernel as a POSITION_SNAPSHOT of
 *      source SWEEP (policy TRUST_VENUE, confirm 1), then END: the kernel
 *      adopts and closes them;
 *   3. "account" only: a position on a symbol outside the table is closed
 *      here with a reduce-only MARKET order, client id
 *      <prefix>sw<n> (n: the sweep's start in ms, +1 per close; not
 *      "<prefix><digits>", so reconciliation never adopts it).
 * Scope "symbols": the table's symbols. "account": those, plus every
 * symbol with an open order (GET /fapi/v1/openOrders and
 * /fapi/v1/openAlgoOrders, all symbols) or a position. "off": nothing.
 *
 * One of the adapter's parts (binance_int.h): its requests are
 * TL_BINANCE_K_SWEEP_* on the urgent queue, answered through tl_binance_sweep_done (a
 * response) or bn_sweep_fail (a transport failure). Cold path: cJSON on
 * the heap, fixed tables allocated at create.
 */
#define _GNU_SOURCE
#include "io/binance/internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "runtime/log.h"

/* Symbols (and closes) per sweep: every symbol the kernel's table can
 * hold plus as many outside it (scope "account"); both sides of each in
 * hedge mode for the closes. About 400 KiB, allocated at create. */
#define SW_MAX (2 * TL_SYMBOLS_MAX)
#define SW_BACKOFF_MIN_NS (100LL * TL_NS_PER_MS)
#define SW_BACKOFF_MAX_NS (5LL * TL_NS_PER_S)

enum { SW_WAITING = 0, SW_QUEUED, SW_DONE };

/* A cancel item's two requests: [SW_ORD] allOpenOrders, [SW_ALGO]
 * algoOpenOrders (a close uses [SW_ORD] only). The request's lev carries
 * the item's index, SW_ALGO_BIT set for the algo one. */
enum { SW_ORD = 0, SW_ALGO = 1 };
#define SW_ALGO_BIT (1u << 30)

typedef struct sw_item {
	char symbol[TL_SYMBOL_NAMELEN];
	uint8_t st[2];                 /* SW_* */
	uint8_t pos_side;              /* closes: tl_pos_side_t */
	bool sell;                     /* closes: the side that reduces */
	uint32_t tries[2];
	int64_t next_at[2];            /* monotonic: not before */
	char qty[32];                  /* closes: |positionAmt| as the venue wrote it */
	char clid[TL_CLID_LEN];        /* closes */
} sw_item_t;

#define SW_ARENA_CAP (64u << 10)

struct tl_binance_sweep {
	int scope;                     /* tl_sweep_scope_t */
	char prefix[TL_PREFIX_MAX + 1];
	tl_fx_t tolerance;             /* reconcile.tolerance_pct, as the monitor */
	uint32_t epoch;                /* kill epoch last swept */
	bool active;
	uint8_t get_st[4];             /* [1] openOrders, [2] positionRisk,
					* [3] openAlgoOrders: SW_* */
	uint32_t get_tries[4];
	int64_t get_at[4];
	tl_time_t pos_asked;           /* engine clock when positionRisk left */
	uint64_t clid_next;
	uint32_t n_cancel, n_close;
	uint32_t n_over;               /* symbols/closes past SW_MAX this sweep */
	sw_item_t cancel[SW_MAX];
	sw_item_t close[SW_MAX];
	/* The answers, parsed without the heap (a kill is no time to call
	 * malloc; a larger answer falls back to it). */
	tl_binance_arena_t arena;
	unsigned char arena_buf[SW_ARENA_CAP];
};

enum { SW_GET_OPEN = 1, SW_GET_POS = 2, SW_GET_ALGO = 3 };

/* ---- set-up ------------------------------------------------------------------ */

struct tl_binance_sweep *tl_binance_sweep_new(const tl_config_t *cfg)
{
	struct tl_binance_sweep *w = calloc(1, sizeof(*w));

	if (!w)
		return NULL;
	tl_binance_arena_init(&w->arena, w->arena_buf, sizeof(w->arena_buf));
	w->scope = cfg->emergency.venue_sweep;
	snprintf(w->prefix, sizeof(w->prefix), "%s", cfg->kernel.clid_prefix);
	w->tolerance = cfg->reconcile.tolerance_pct;
	return w;
}

void tl_binance_sweep_free(struct tl_binance_sweep *w)
{
	free(w);
}

static int64_t sw_backoff(uint32_t tries)
{
	int64_t d = SW_BACKOFF_MIN_NS;

	while (tries-- > 1 && d < SW_BACKOFF_MAX_NS)
		d *= 2;
	return d < SW_BACKOFF_MAX_NS ? d : SW_BACKOFF_MAX_NS;
}

/* A symbol to cancel, once. */
static void sw_add_cancel(struct tl_binance_sweep *w, const char *sym)
{
	if (!sym || !sym[0] || strlen(sym) >= TL_SYMBOL_NAMELEN)
		return;
	for (uint32_t i = 0; i < w->n_cancel; i++)
		if (strcmp(w->cancel[i].symbol, sym) == 0)
			return;
	if (w->n_cancel == SW_MAX) {
		/* once a sweep: a line per symbol would flood the log in the
		 * middle of a kill */
		if (w->n_over++ == 0)
			tl_log(TL_LOG_ERROR, "binance: sweep: more than %d symbols, %s and "
			       "any after it not swept", SW_MAX, sym);
		return;
	}
	sw_item_t *it = &w->cancel[w->n_cancel++];
	memset(it, 0, sizeof(*it));
	snprintf(it->symbol, sizeof(it->symbol), "%s", sym);
}

/* A kill epoch we have not swept: start over for it. */
static void sw_start(tl_binance_t *b, struct tl_binance_sweep *w)
{
	w->active = true;
	w->n_cancel = w->n_close = w->n_over = 0;
	memset(w->get_st, 0, sizeof(w->get_st));
	memset(w->get_tries, 0, sizeof(w->get_tries));
	memset(w->get_at, 0, sizeof(w->get_at));
	w->get_st[SW_GET_OPEN] = w->scope == TL_SWEEP_ACCOUNT ? SW_WAITING : SW_DONE;
	w->get_st[SW_GET_ALGO] = w->get_st[SW_GET_OPEN];
	w->get_st[SW_GET_POS] = SW_WAITING;
	w->clid_next = (uint64_t)(b->now / TL_NS_PER_MS);
	for (uint32_t i = 0; i < b->syms->count; i++)
		sw_add_cancel(w, tl_symbols_get(b->syms, (int)i)->name);
	b->st.sweeps++;
	tl_log(TL_LOG_WARN, "binance: kill switch: venue sweep (%s), epoch %u",
	       w->scope == TL_SWEEP_ACCOUNT ? "account" : "symbols", w->epoch);
}

/* ---- sending ------------------------------------------------------------------- */

static bool sw_push(tl_binance_t *b, int kind, uint32_t idx, const char *sym)
{
	tl_binance_req_t r;

	memset(&r, 0, sizeof(r));
	r.kind = (uint8_t)kind;
	r.lev = idx;
	r.req.urgent = 1;
	if (sym)
		snprintf(r.req.symbol, sizeof(r.req.symbol), "%s", sym);
	r.queued = tl_clock_mono_ns();
	return tl_binance_queue_push(&b->q_urgent, &r);
}

/* Queue what is due of request k (SW_ORD, SW_ALGO) of each item. */
static void sw_queue_items(tl_binance_t *b, sw_item_t *v, uint32_t n, int kind, int k,
			   int64_t m)
{
	for (uint32_t i = 0; i < n; i++)
		if (v[i].st[k] == SW_WAITING && m >= v[i].next_at[k] &&
		    sw_push(b, kind, k == SW_ALGO ? i | SW_ALGO_BIT : i, v[i].symbol))
			v[i].st[k] = SW_QUEUED;
}

static bool sw_items_done(const sw_item_t *v, uint32_t n, int k)
{
	for (uint32_t i = 0; i < n; i++)
		if (v[i].st[k] != SW_DONE)
			return false;
	return true;
}

void tl_binance_sweep_poll(tl_binance_t *b, tl_time_t now)
{
	struct tl_binance_sweep *w = b->sw;
	int64_t m;

	if (!w || !b->base.gate)
		return;
	uint32_t e = atomic_load_explicit(&b->base.gate->kill_epoch, memory_order_acquire);
	if (e != w->epoch) {
		w->epoch = e;
		if (w->scope != TL_SWEEP_OFF)
			sw_start(b, w);
	}
	if (!w->active || !tl_binance_ready(&b->base))
		return;
	m = tl_clock_mono_ns();
	sw_queue_items(b, w->cancel, w->n_cancel, TL_BINANCE_K_SWEEP_CANCEL, SW_ORD, m);
	sw_queue_items(b, w->cancel, w->n_cancel, TL_BINANCE_K_SWEEP_CANCEL, SW_ALGO, m);
	for (int g = SW_GET_OPEN; g <= SW_GET_ALGO; g++)
		if (w->get_st[g] == SW_WAITING && m >= w->get_at[g] &&
		    sw_push(b, TL_BINANCE_K_SWEEP_GET, (uint32_t)g, NULL)) {
			w->get_st[g] = SW_QUEUED;
			if (g == SW_GET_POS)
				w->pos_asked = now;	/* at or before the venue's look */
		}
	sw_queue_items(b, w->close, w->n_close, TL_BINANCE_K_SWEEP_CLOSE, SW_ORD, m);
	if (sw_items_done(w->cancel, w->n_cancel, SW_ORD) &&
	    sw_items_done(w->cancel, w->n_cancel, SW_ALGO) &&
	    sw_items_done(w->close, w->n_close, SW_ORD) &&
	    w->get_st[SW_GET_OPEN] == SW_DONE && w->get_st[SW_GET_POS] == SW_DONE &&
	    w->get_st[SW_GET_ALGO] == SW_DONE) {
		w->active = false;
		b->st.sweeps_done++;
		tl_log(TL_LOG_WARN, "binance: venue sweep done: %u symbols canceled, %u closes",
		       w->n_cancel, w->n_close);
	}
}

/* The request text of a sweep kind (bn_encode). -EINVAL: not one. */
int tl_binance_sweep_encode(tl_binance_t *b, const tl_binance_req_t *r, int64_t ts, uint32_t rw,
		    tl_binance_http_t *http, char *q, size_t cap)
{
	const struct tl_binance_sweep *w = b->sw;

	switch (r->kind) {
	case TL_BINANCE_K_SWEEP_CANCEL:
		http->method = TL_BN_DELETE;
		http->path = r->lev & SW_ALGO_BIT ? "/fapi/v1/algoOpenOrders"
						  : "/fapi/v1/allOpenOrders";
		return snprintf(q, cap, "symbol=%s&recvWindow=%u&timestamp=%lld",
				r->req.symbol, rw, (long long)ts);
	case TL_BINANCE_K_SWEEP_GET:
		http->method = TL_BN_GET;
		http->path = r->lev == SW_GET_OPEN   ? "/fapi/v1/openOrders"
			     : r->lev == SW_GET_ALGO ? "/fapi/v1/openAlgoOrders"
						     : "/fapi/v2/positionRisk";
		return snprintf(q, cap, "recvWindow=%u&timestamp=%lld", rw, (long long)ts);
	case TL_BINANCE_K_SWEEP_CLOSE: {
		const sw_item_t *c = &w->close[r->lev];
		http->method = TL_BN_POST;
		http->path = "/fapi/v1/order";
		/* hedge mode closes by position side (reduceOnly is refused
		 * there); one-way mode by reduceOnly */
		return snprintf(q, cap,
				"symbol=%s&side=%s&type=MARKET&quantity=%s&%s%s"
				"&newClientOrderId=%s&newOrderRespType=RESULT"
				"&recvWindow=%u&timestamp=%lld",
				c->symbol, c->sell ? "SELL" : "BUY", c->qty,
				b->hedge ? "positionSide=" : "reduceOnly=true",
				b->hedge ? (c->pos_side == TL_PS_SHORT ? "SHORT" : "LONG") : "",
				c->clid, rw, (long long)ts);
	}
	default:
		return -EINVAL;
	}
}

/* ---- answers ------------------------------------------------------------------ */

/* Is this status worth another try? (429/418 rate limits, 5xx, no
 * answer at all; a 4xx is the venue refusing for good.) */
static bool sw_transient(int status)
{
	return status < 0 || status == 429 || status == 418 || status >= 500;
}

static void sw_retry(sw_item_t *it, int k, int64_t m)
{
	it->tries[k]++;
	it->st[k] = SW_WAITING;
	it->next_at[k] = m + sw_backoff(it->tries[k]);
}

/* openOrders or openAlgoOrders of every symbol: each symbol with one
 * joins the cancels. */
static int sw_on_open(struct tl_binance_sweep *w, const char *body, size_t len)
{
	bool heap;
	cJSON *root = tl_binance_parse_any(&w->arena, body, len, &heap);
	const cJSON *e;

	if (!cJSON_IsArray(root)) {
		if (heap)
			cJSON_Delete(root);
		return -1;
	}
	cJSON_ArrayForEach(e, root) {
		const cJSON *s = cJSON_GetObjectItemCaseSensitive(e, "symbol");
		if (cJSON_IsString(s))
			sw_add_cancel(w, s->valuestring);
	}
	if (heap)
		cJSON_Delete(root);
	return 0;
}

/* A position outside the table ("account"): close it here. */
static void sw_add_close(struct tl_binance_sweep *w, const char *sym, int side, const char *amt)
{
	bool neg = amt[0] == '-';
	const char *qty = neg ? amt + 1 : amt;

	if (strlen(qty) >= sizeof(w->close[0].qty) || strlen(sym) >= TL_SYMBOL_NAMELEN)
		return;
	if (w->n_close == SW_MAX) {
		if (w->n_over++ == 0)
			tl_log(TL_LOG_ERROR, "binance: sweep: more than %d positions to close, "
			       "%s and any after it not closed", SW_MAX, sym);
		return;
	}
	sw_add_cancel(w, sym);
	sw_item_t *c = &w->close[w->n_close++];
	memset(c, 0, sizeof(*c));
	snprintf(c->symbol, sizeof(c->symbol), "%s", sym);
	snprintf(c->qty, sizeof(c->qty), "%s", qty);
	c->pos_side = (uint8_t)side;
	/* long (or one-way positive): SELL reduces; short: BUY */
	c->sell = side == TL_PS_SHORT ? false : !neg;
	snprintf(c->clid, sizeof(c->clid), "%ssw%llu", w->prefix,
		 (unsigned long long)w->clid_next++);
}

/* positionRisk: SWEEP snapshot records for the table's symbols, then
 * END; closes for the others ("account"). */
static int sw_on_positions(tl_binance_t *b, struct tl_binance_sweep *w, const char *body,
			   size_t len)
{
	bool heap;
	cJSON *root = tl_binance_parse_any(&w->arena, body, len, &heap);
	const cJSON *e;
	tl_input_t in;
	tl_in_pos_snapshot_t *p = &in.u.snap;

	if (!cJSON_IsArray(root)) {
		if (heap)
			cJSON_Delete(root);
		return -1;
	}
	memset(&in, 0, sizeof(in));
	in.hdr.type = TL_IN_POSITION_SNAPSHOT;
	in.hdr.time = b->now;
	p->policy = TL_RECON_TRUST_VENUE;
	p->confirm = 1;
	p->source = TL_SNAP_SWEEP;
	p->snap_id = ((uint32_t)(b->now / TL_NS_PER_MS) | 1u) ^ 2u; /* nonzero, not
								       * a monitor's */
	p->asked = w->pos_asked;
	p->tolerance_pct = w->tolerance;
	cJSON_ArrayForEach(e, root) {
		const cJSON *s = cJSON_GetObjectItemCaseSensitive(e, "symbol");
		const cJSON *ps = cJSON_GetObjectItemCaseSensitive(e, "positionSide");
		const cJSON *a = cJSON_GetObjectItemCaseSensitive(e, "positionAmt");
		const cJSON *ep = cJSON_GetObjectItemCaseSensitive(e, "entryPrice");
		tl_fx_t q = 0, px = 0;
		int side = tl_pos_side_parse(cJSON_IsString(ps) ? ps->valuestring : "BOTH");

		if (!cJSON_IsString(s) || !cJSON_IsString(a) || side < 0 ||
		    tl_fx_parse(a->valuestring, strlen(a->valuestring), &q) != TL_FX_OK ||
		    q == 0 || strlen(s->valuestring) >= TL_SYMBOL_NAMELEN)
			continue;
		if (tl_symbols_find(b->syms, s->valuestring) < 0) {
			if (w->scope == TL_SWEEP_ACCOUNT)
				sw_add_close(w, s->valuestring, side, a->valuestring);
			continue;
		}
		if (cJSON_IsString(ep))
			(void)tl_fx_parse(ep->valuestring, strlen(ep->valuestring), &px);
		p->kind = TL_SNAP_POSITION;
		snprintf(p->symbol, sizeof(p->symbol), "%s", s->valuestring);
		p->pos_side = (uint8_t)side;
		p->qty = q;
		p->entry = px;
		tl_binance_emit(b, &in);
		b->st.sweep_snapshot_positions++;
	}
	if (heap)
		cJSON_Delete(root);
	memset(p->symbol, 0, sizeof(p->symbol));
	p->kind = TL_SNAP_END;
	p->pos_side = 0;
	p->qty = p->entry = 0;
	tl_binance_emit(b, &in);
	return 0;
}

static void sw_get_done(tl_binance_t *b, struct tl_binance_sweep *w, int g, int status,
			const char *body, size_t len, int64_t m)
{
	int rc = -1;

	if (status == 200)
		rc = g == SW_GET_POS ? sw_on_positions(b, w, body, len)
				     : sw_on_open(w, body, len);
	if (rc == 0) {
		w->get_st[g] = SW_DONE;
		return;
	}
	/* A read is always worth repeating: without it the sweep is blind. */
	w->get_tries[g]++;
	w->get_st[g] = SW_WAITING;
	w->get_at[g] = m + sw_backoff(w->get_tries[g]);
}

void tl_binance_sweep_done(tl_binance_t *b, const tl_binance_req_t *r, int status,
		   const char *body, size_t len)
{
	struct tl_binance_sweep *w = b->sw;
	int64_t m = tl_clock_mono_ns();

	if (!w)
		return;
	if (r->kind == TL_BINANCE_K_SWEEP_GET) {
		if (r->lev >= SW_GET_OPEN && r->lev <= SW_GET_ALGO)
			sw_get_done(b, w, (int)r->lev, status, body, len, m);
		return;
	}
	bool cancel = r->kind == TL_BINANCE_K_SWEEP_CANCEL;
	int k = cancel && (r->lev & SW_ALGO_BIT) ? SW_ALGO : SW_ORD;
	uint32_t idx = r->lev & ~SW_ALGO_BIT;
	if (cancel ? idx >= w->n_cancel : idx >= w->n_close)
		return;	/* from an earlier epoch's sweep */
	sw_item_t *it = cancel ? &w->cancel[idx] : &w->close[idx];
	if (it->st[k] != SW_QUEUED)
		return;
	if (status == 200) {
		it->st[k] = SW_DONE;
		if (cancel)
			b->st.sweep_cancels++;
		else
			b->st.sweep_closes++;
		return;
	}
	if (cancel)
		b->st.sweep_cancel_failures++;
	else
		b->st.sweep_close_failures++;
	if (sw_transient(status)) {
		sw_retry(it, k, m);
		return;
	}
	/* A 4xx: the venue refuses for good (e.g. -2022, the position is
	 * already closed); retrying would change nothing. */
	it->st[k] = SW_DONE;
	tl_log(TL_LOG_WARN, "binance: sweep %s %s: HTTP %d %.*s",
	       !cancel ? "close" : k == SW_ALGO ? "cancel all algo" : "cancel all", it->symbol,
	       status,
	       (int)(len < 160 ? len : 160), body ? body : "");
}
