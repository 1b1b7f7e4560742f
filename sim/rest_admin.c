/*
 * rest_admin.c - the simulator's own control endpoints under /sim/
 * (outside the Binance namespace; no API key; the server only listens
 * on loopback):
 *
 *   GET  /sim/state                 markets, accounts, positions, faults
 *   POST /sim/mark   symbol, price  set the mark (and book), match now;
 *                    [frozen=true|false] pause/resume the random walk
 *   POST /sim/reset                 back to the configured start state
 *   GET|POST /sim/faults  latency_ms, latency_jitter_ms, error_ppm,
 *                    error_code, unknown_ppm, reset_ppm, clock_offset_ms
 */
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
	if (fr)
		c->v->mkt[sym].frozen = strcmp(fr, "true") == 0;
	if (ps) {
		if (tl_fx_parse_cstr(ps, &px) != TL_FX_OK || px <= 0 ||
		    !tl_fx_quantize(px, c->v->cfg->sym[sym].tick, TL_FX_NEAREST, &px))
			return tl_sim_errf(&c->e, -1130, "Data sent for parameter 'price' is not valid.");
		tl_sim_venue_set_mark(c->v, sym, px, c->now);
	} else if (!fr) {
		return tl_sim_err_missing(&c->e, "price");
	}
	tl_sim_jw_obj(&c->w);
	tl_sim_jw_kstr(&c->w, "symbol", c->v->cfg->sym[sym].name);
	tl_sim_jw_kfx(&c->w, "markPrice", c->v->mkt[sym].mark, 8);
	tl_sim_jw_kbool(&c->w, "frozen", c->v->mkt[sym].frozen);
	tl_sim_jw_obj_end(&c->w);
	return 0;
}

int tl_sim_h_admin_reset(tl_sim_call_t *c)
{
	tl_sim_venue_reset(c->v, c->now);
	c->r->rl = (tl_sim_rl_t){ 0 };
	c->r->faults = c->v->cfg->faults;
	tl_sim_jw_obj(&c->w);
	tl_sim_jw_kint(&c->w, "code", 200);
	tl_sim_jw_kstr(&c->w, "msg", "success");
	tl_sim_jw_obj_end(&c->w);
	return 0;
}

static int fault_int(tl_sim_call_t *c, const char *name, int64_t lo,
		     int64_t hi, int64_t *out)
{
	int64_t v;

	if (!tl_sim_params_val(c->p, name))
		return 0;
	if (!tl_sim_rest_int(c, name, &v) || v < lo || v > hi)
		return tl_sim_errf(&c->e, -1130, "Data sent for parameter '%s' is not valid.", name);
	*out = v;
	return 0;
}

int tl_sim_h_admin_faults(tl_sim_call_t *c)
{
	tl_sim_faults_t *f = &c->r->faults;
	int64_t lat = f->latency_ms, jit = f->latency_jitter_ms,
		err = f->error_ppm, code = f->error_code, unk = f->unknown_ppm,
		rst = f->reset_ppm, off = f->clock_offset_ms;
	int rc;

	if ((rc = fault_int(c, "latency_ms", 0, 60000, &lat)) ||
	    (rc = fault_int(c, "latency_jitter_ms", 0, 60000, &jit)) ||
	    (rc = fault_int(c, "error_ppm", 0, 1000000, &err)) ||
	    (rc = fault_int(c, "error_code", -10000, 0, &code)) ||
	    (rc = fault_int(c, "unknown_ppm", 0, 1000000, &unk)) ||
	    (rc = fault_int(c, "reset_ppm", 0, 1000000, &rst)) ||
	    (rc = fault_int(c, "clock_offset_ms", -86400000, 86400000, &off)))
		return rc;
	f->latency_ms = (int)lat;
	f->latency_jitter_ms = (int)jit;
	f->error_ppm = (int)err;
	f->error_code = (int)code;
	f->unknown_ppm = (int)unk;
	f->reset_ppm = (int)rst;
	f->clock_offset_ms = off;
	tl_sim_jw_obj(&c->w);
	tl_sim_jw_kint(&c->w, "latency_ms", f->latency_ms);
	tl_sim_jw_kint(&c->w, "latency_jitter_ms", f->latency_jitter_ms);
	tl_sim_jw_kint(&c->w, "error_ppm", f->error_ppm);
	tl_sim_jw_kint(&c->w, "error_code", f->error_code);
	tl_sim_jw_kint(&c->w, "unknown_ppm", f->unknown_ppm);
	tl_sim_jw_kint(&c->w, "reset_ppm", f->reset_ppm);
	tl_sim_jw_kint(&c->w, "clock_offset_ms", f->clock_offset_ms);
	tl_sim_jw_obj_end(&c->w);
	return 0;
}
