/*
 * rest_admin.c - the simulator's own control endpoints under /sim/
 * (outside the Binance namespace; no API key; the server only listens
 * on loopback):
 *
 *   GET  /sim/state                 markets, accounts, positions, faults
 *   POST /sim/mark   symbol, price  set the mark (and book), match now;
 *                    [frozen=true|false] pause/resume the random walk
 *   POST /sim/move   symbol, bps    move the mark by bps basis points
 *                    (signed, rounded to the tick), match now
 *   POST /sim/status symbol, status the symbol's exchangeInfo status
 *                    (TRADING, BREAK, SETTLING, ...: [A-Z_]{1,15})
 *   POST /sim/reset                 back to the configured start state
 *   GET|POST /sim/faults  the knobs of tl_sim_faults_t by name
 *                    (latency_ms ... stream_disconnect_every_ms), and
 *                    the one-shot actions disconnect_streams=true,
 *                    expire_listen_key=<account name>|all and
 *                    ws_api_down_ms=N (WebSocket API connections
 *                    dropped, upgrades refused for N ms)
 */
#include <stddef.h>
#include <string.h>

#include "sim/render.h"
#include "sim/rest_handlers.h"

int tl_sim_h_admin_state(tl_sim_call_t *c)
{
	const tl_sim_venue_t *v = c->v;
	tl_sim_jw_t *w = &c->w;
	int s, i, ps;

	tl_sim_jw_obj(w);
	tl_sim_jw_kint(w, "time", c->now);
	tl_sim_jw_kint(w, "requests", (int64_t)c->r->nreq);
	tl_sim_jw_key(w, "markets");
	tl_sim_jw_arr(w);
	for (s = 0; s < v->cfg->nsym; s++) {
		const tl_sim_symbol_cfg_t *sc = &v->cfg->sym[s];
		tl_sim_jw_obj(w);
		tl_sim_jw_kstr(w, "symbol", sc->name);
		tl_sim_jw_kfx(w, "mark", v->mkt[s].mark, 8);
		tl_sim_jw_kfx(w, "last", v->mkt[s].last, 8);
		tl_sim_render_kfx(w, "bid", v->mkt[s].bid, sc->price_prec);
		tl_sim_render_kfx(w, "ask", v->mkt[s].ask, sc->price_prec);
		tl_sim_jw_kbool(w, "frozen", v->mkt[s].frozen);
		tl_sim_jw_kint(w, "openOrders", v->mkt[s].nopen);
		tl_sim_jw_kint(w, "openAlgoOrders", v->mkt[s].nalgo);
		tl_sim_jw_obj_end(w);
	}
	tl_sim_jw_arr_end(w);
	tl_sim_jw_key(w, "accounts");
	tl_sim_jw_arr(w);
	for (i = 0; i < v->cfg->nacct; i++) {
		const tl_sim_account_t *a = &v->acct[i];
		tl_sim_totals_t t;
		tl_sim_account_totals(v, i, &t);
		tl_sim_jw_obj(w);
		tl_sim_jw_kstr(w, "name", a->cfg->name);
		tl_sim_jw_kfx(w, "wallet", t.wallet, 8);
		tl_sim_jw_kfx(w, "unrealizedProfit", t.upnl, 8);
		tl_sim_jw_kfx(w, "available", t.available, 8);
		tl_sim_jw_kbool(w, "dualSidePosition", a->dual);
		tl_sim_jw_kint(w, "openOrders", tl_sim_book_open_count(v, i, -1));
		tl_sim_jw_key(w, "positions");
		tl_sim_jw_arr(w);
		for (s = 0; s < v->cfg->nsym; s++) {
			for (ps = 0; ps < 3; ps++) {
				const tl_sim_position_t *p = &a->sym[s].pos[ps];
				if (p->amt == 0 && p->realized == 0)
					continue;
				tl_sim_jw_obj(w);
				tl_sim_jw_kstr(w, "symbol", v->cfg->sym[s].name);
				tl_sim_jw_kstr(w, "positionSide", tl_sim_ps_name(ps));
				tl_sim_jw_kfx(w, "positionAmt", p->amt, -1);
				tl_sim_jw_kfx(w, "entryPrice", p->entry, -1);
				tl_sim_jw_kfx(w, "realized", p->realized, 8);
				tl_sim_jw_kint(w, "leverage", a->sym[s].leverage);
				tl_sim_jw_obj_end(w);
			}
		}
		tl_sim_jw_arr_end(w);
		tl_sim_jw_obj_end(w);
	}
	tl_sim_jw_arr_end(w);
	tl_sim_jw_obj_end(w);
	return 0;
}

int tl_sim_h_admin_mark(tl_sim_call_t *c)
{
	const char *ps = tl_sim_params_val(c->p, "price");
	const char *fr = tl_sim_params_val(c->p, "frozen");
	tl_fx_t px;
	int sym, rc;

	if ((rc = tl_sim_rest_symbol(c, true, &sym)))
		return rc;
	if (!ps && !fr)
		return tl_sim_err_missing(&c->e, "price");
	/* Validate everything before changing anything: a refused request
	 * must not freeze the walk (fuzz_sim_admin found frozen=true with a
	 * bad price doing so). */
	if (ps && (tl_fx_parse_cstr(ps, &px) != TL_FX_OK || px <= 0 ||
		   !tl_fx_quantize(px, c->v->cfg->sym[sym].tick, TL_FX_NEAREST, &px)))
		return tl_sim_errf(&c->e, -1130, "Data sent for parameter 'price' is not valid.");
	if (fr)
		c->v->mkt[sym].frozen = strcmp(fr, "true") == 0;
	if (ps)
		tl_sim_venue_set_mark(c->v, sym, px, c->now);
	tl_sim_jw_obj(&c->w);
	tl_sim_jw_kstr(&c->w, "symbol", c->v->cfg->sym[sym].name);
	tl_sim_jw_kfx(&c->w, "markPrice", c->v->mkt[sym].mark, 8);
	tl_sim_jw_kbool(&c->w, "frozen", c->v->mkt[sym].frozen);
	tl_sim_jw_obj_end(&c->w);
	return 0;
}

int tl_sim_h_admin_move(tl_sim_call_t *c)
{
	const tl_sim_symbol_cfg_t *sc;
	tl_fx_t from, to;
	int64_t bps;
	int sym, rc;

	if ((rc = tl_sim_rest_symbol(c, true, &sym)))
		return rc;
	if (!tl_sim_params_val(c->p, "bps"))
		return tl_sim_err_missing(&c->e, "bps");
	if (!tl_sim_rest_int(c, "bps", &bps) || bps <= -10000 || bps > 100000)
		return tl_sim_errf(&c->e, -1130, "Data sent for parameter 'bps' is not valid.");
	sc = &c->v->cfg->sym[sym];
	from = c->v->mkt[sym].mark;
	/* mark * (10000 + bps) / 10000, to the nearest tick, at least one tick */
	if (!tl_fx_div_wide((__int128)from * (10000 + bps), 10000, TL_FX_NEAREST, &to) ||
	    !tl_fx_quantize(to, sc->tick, TL_FX_NEAREST, &to))
		return tl_sim_errf(&c->e, -1130, "Data sent for parameter 'bps' is not valid.");
	if (to < sc->tick)
		to = sc->tick;
	tl_sim_venue_set_mark(c->v, sym, to, c->now);
	tl_sim_jw_obj(&c->w);
	tl_sim_jw_kstr(&c->w, "symbol", sc->name);
	tl_sim_jw_kfx(&c->w, "from", from, 8);
	tl_sim_jw_kfx(&c->w, "markPrice", c->v->mkt[sym].mark, 8);
	tl_sim_jw_kbool(&c->w, "frozen", c->v->mkt[sym].frozen);
	tl_sim_jw_obj_end(&c->w);
	return 0;
}

int tl_sim_h_admin_status(tl_sim_call_t *c)
{
	const char *st = tl_sim_params_val(c->p, "status");
	size_t n = st ? strlen(st) : 0;
	int sym, rc;

	if ((rc = tl_sim_rest_symbol(c, true, &sym)))
		return rc;
	if (!st)
		return tl_sim_err_missing(&c->e, "status");
	for (size_t i = 0; i < n; i++)
		if (!((st[i] >= 'A' && st[i] <= 'Z') || st[i] == '_'))
			n = 0;
	if (n == 0 || n >= sizeof c->v->mkt[sym].status)
		return tl_sim_errf(&c->e, -1130, "Data sent for parameter 'status' is not valid.");
	memcpy(c->v->mkt[sym].status, st, n + 1);
	tl_sim_jw_obj(&c->w);
	tl_sim_jw_kstr(&c->w, "symbol", c->v->cfg->sym[sym].name);
	tl_sim_jw_kstr(&c->w, "status", st);
	tl_sim_jw_obj_end(&c->w);
	return 0;
}

int tl_sim_h_admin_reset(tl_sim_call_t *c)
{
	tl_sim_venue_reset(c->v, c->now);
	c->r->rl = (tl_sim_rl_t){ 0 };
	c->r->faults = c->v->cfg->faults;
	tl_sim_rest_seed_faults(c->r);
	tl_sim_jw_obj(&c->w);
	tl_sim_jw_kint(&c->w, "code", 200);
	tl_sim_jw_kstr(&c->w, "msg", "success");
	tl_sim_jw_obj_end(&c->w);
	return 0;
}

/* Every fault knob: /sim/faults parameter and config key name, range,
 * where it lives. */
static const struct fault_knob {
	const char *name;
	int64_t lo, hi;
	size_t off, width;
} fault_knobs[] = {
#define K(f, lo, hi) { #f, lo, hi, offsetof(tl_sim_faults_t, f), \
		       sizeof ((tl_sim_faults_t *)0)->f }
	K(latency_ms, 0, 60000),
	K(latency_jitter_ms, 0, 60000),
	K(error_ppm, 0, 1000000),
	K(error_code, -10000, 0),
	K(unknown_ppm, 0, 1000000),
	K(reset_ppm, 0, 1000000),
	K(clock_offset_ms, -86400000, 86400000),
	K(stream_drop_permille, 0, 1000),
	K(stream_dup_permille, 0, 1000),
	K(stream_reorder_permille, 0, 1000),
	K(stream_delay_ms, 0, 60000),
	K(stream_delay_jitter_ms, 0, 60000),
	K(stream_disconnect_every_ms, 0, 86400000),
#undef K
};
#define NKNOBS (sizeof fault_knobs / sizeof fault_knobs[0])

static int64_t knob_get(const tl_sim_faults_t *f, const struct fault_knob *k)
{
	const char *p = (const char *)f + k->off;

	return k->width == sizeof(int) ? *(const int *)p : *(const int64_t *)p;
}

static void knob_set(tl_sim_faults_t *f, const struct fault_knob *k,
		     int64_t v)
{
	char *p = (char *)f + k->off;

	if (k->width == sizeof(int))
		*(int *)p = (int)v;
	else
		*(int64_t *)p = v;
}

/* One-shot stream actions: disconnect_streams=true closes every stream
 * connection; expire_listen_key=<account name>|all drops the account's
 * listenKey (REST keepalive then answers -1125) and its streams get
 * listenKeyExpired and a close frame. */
static int fault_actions(tl_sim_call_t *c, uint32_t *expire)
{
	const char *d = tl_sim_params_val(c->p, "disconnect_streams");
	const char *x = tl_sim_params_val(c->p, "expire_listen_key");
	int i;

	*expire = 0;
	if (d && strcmp(d, "true") != 0 && strcmp(d, "false") != 0)
		return tl_sim_errf(&c->e, -1130, "Data sent for parameter 'disconnect_streams' is not valid.");
	if (x) {
		for (i = 0; i < c->v->cfg->nacct; i++)
			if (!strcmp(x, "all") || !strcmp(x, c->v->cfg->acct[i].name))
				*expire |= 1u << i;
		if (!*expire)
			return tl_sim_errf(&c->e, -1130, "Data sent for parameter 'expire_listen_key' is not valid.");
	}
	return 0;
}

int tl_sim_h_admin_faults(tl_sim_call_t *c)
{
	tl_sim_faults_t f = c->r->faults;
	uint32_t expire;
	size_t k;
	int i, rc;

	for (k = 0; k < NKNOBS; k++) {
		const struct fault_knob *kn = &fault_knobs[k];
		int64_t v;
		if (!tl_sim_params_val(c->p, kn->name))
			continue;
		if (!tl_sim_rest_int(c, kn->name, &v) || v < kn->lo || v > kn->hi)
			return tl_sim_errf(&c->e, -1130, "Data sent for parameter '%s' is not valid.", kn->name);
		knob_set(&f, kn, v);
	}
	const char *ep = tl_sim_params_val(c->p, "endpoint_error");
	if (ep) {
		tl_sim_ep_fault_t e;
		if (!strcmp(ep, "clear"))
			f.n_ep = 0;
		else if (tl_sim_ep_fault_parse(ep, &e) < 0 || tl_sim_ep_fault_set(&f, &e) < 0)
			return tl_sim_errf(&c->e, -1130, "Data sent for parameter 'endpoint_error' is not valid.");
	}
	if ((rc = fault_actions(c, &expire)))
		return rc;
	int64_t down = -1;
	if (tl_sim_params_val(c->p, "ws_api_down_ms") &&
	    (!tl_sim_rest_int(c, "ws_api_down_ms", &down) || down < 0 || down > 600000))
		return tl_sim_errf(&c->e, -1130, "Data sent for parameter 'ws_api_down_ms' is not valid.");
	/* nothing changes unless every parameter was valid */
	c->r->faults = f;
	if (down >= 0)
		c->r->ws_api_down_ms = down > 0 ? down : -1;	/* -1: end it now */
	if (tl_sim_params_val(c->p, "disconnect_streams") &&
	    !strcmp(tl_sim_params_val(c->p, "disconnect_streams"), "true"))
		c->r->stream_disconnect = true;
	for (i = 0; i < c->v->cfg->nacct; i++) {
		if (!(expire & (1u << i)))
			continue;
		c->v->acct[i].listen_key[0] = '\0';
		c->r->lkey_expired |= 1u << i;
	}
	tl_sim_jw_obj(&c->w);
	for (k = 0; k < NKNOBS; k++)
		tl_sim_jw_kint(&c->w, fault_knobs[k].name, knob_get(&f, &fault_knobs[k]));
	tl_sim_jw_kint(&c->w, "endpoint_errors", f.n_ep);
	tl_sim_jw_obj_end(&c->w);
	return 0;
}
