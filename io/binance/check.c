/*
 * check.c - the preflight of a Binance configuration (see check.h).
 *
 * Sections: the run's state and its line printer; account-wide checks
 * (connectivity, clock, key, modes, balance); per-symbol checks from
 * exchangeInfo, symbolConfig, leverageBracket, openOrders and
 * positionRisk; the dead-man switch. Cold path: cJSON on the heap.
 */
#define _GNU_SOURCE
#include "io/binance/check.h"

#include <stdarg.h>
#include <stdio.h>
#include <strings.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "io/binance/binance.h"
#include "io/binance/config.h"
#include "io/binance/probe.h"
#include "kernel/symbols.h"
#include "runtime/clock.h"
#include "runtime/config_json.h"

/* Binance's highest leverage is 125; anything past this is not one. */
#define CK_MAX_LEVERAGE 1000
/* 2100-01-01 in ms since 1970: a later serverTime is not the venue's. */
#define CK_MS_2100 4102444800000.0

typedef struct ck {
	const tl_config_t *cfg;
	const tl_binance_cfg_t *bc;
	tl_venue_check_fn out;
	void *ctx;
	int fails;
	const tl_binance_check_io_t *io;
	tl_binance_check_io_t own;  /* the probe's, when io is not given */
	tl_binance_probe_t *p;      /* the probe, NULL with a given io */
	cJSON *xinfo;           /* exchangeInfo, NULL when not read */
	cJSON *orders;          /* openOrders (all symbols), NULL unknown */
	cJSON *positions;       /* positionRisk (all symbols), NULL unknown */
	tl_symbols_t syms;      /* the configured symbols (from the file) */
	bool keyed;             /* the key was accepted: signed checks run */
} ck_t;

__attribute__((format(printf, 4, 5)))
static void ck_line(ck_t *c, tl_venue_check_res_t r, const char *name,
		    const char *fmt, ...)
{
	char detail[600];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	/* the venue's text (a status, a margin type, a body) stays on the
	 * line: a newline in it must not forge the next check's line */
	for (char *q = detail; *q; q++)
		if ((unsigned char)*q < 0x20 || *q == 0x7f)
			*q = '?';
	if (r == TL_CHECK_FAIL)
		c->fails++;
	c->out(c->ctx, r, name, detail);
}

/* A signed or plain GET/POST; the parsed body on 200, else NULL with
 * the FAIL line written for `name`. */
static cJSON *ck_call(ck_t *c, const char *name, const char *method,
		      const char *path, const char *params, bool sign)
{
	tl_binance_probe_res_t r;
	int st = c->io->call(c->io->ctx, method, path, params, sign, &r);
	cJSON *j;

	if (st != 200) {
		ck_line(c, TL_CHECK_FAIL, name, "%s %s: %s", method, path, r.why);
		return NULL;
	}
	j = cJSON_ParseWithLength(r.body, r.len);
	if (!j)
		ck_line(c, TL_CHECK_FAIL, name, "%s %s: the answer is not JSON: %.80s",
			method, path, r.body);
	return j;
}

static bool ck_bool(const cJSON *o, const char *k, bool *v)
{
	const cJSON *f = cJSON_GetObjectItemCaseSensitive(o, k);

	if (!cJSON_IsBool(f))
		return false;
	*v = cJSON_IsTrue(f);
	return true;
}

static const char *ck_str(const cJSON *o, const char *k)
{
	const cJSON *f = cJSON_GetObjectItemCaseSensitive(o, k);

	return cJSON_IsString(f) ? f->valuestring : NULL;
}

/* A whole number in [1, max] (a leverage), else 0: the venue's 1e300
 * or -3 is no leverage, and converting it to int would be undefined. */
static int ck_count(const cJSON *n, int max)
{
	if (!cJSON_IsNumber(n) || !(n->valuedouble >= 1 && n->valuedouble <= max))
		return 0;
	return (int)n->valuedouble;
}

static tl_fx_t ck_fx(const cJSON *o, const char *k)
{
	const char *s = ck_str(o, k);
	tl_fx_t v = 0;

	if (s)
		tl_fx_parse(s, strlen(s), &v);
	return v;
}

/* ---- the transport ---------------------------------------------------- */

static int ck_probe_call(void *p, const char *method, const char *path,
			 const char *params, bool sign, tl_binance_probe_res_t *res)
{
	return tl_binance_probe_call(p, method, path, params, sign, res);
}

static void ck_probe_offset(void *p, int64_t offset_ns)
{
	tl_binance_probe_set_offset(p, offset_ns);
}

/* ---- account-wide ---------------------------------------------------- */

static bool ck_venue(ck_t *c)
{
	char err[400];
	tl_binance_probe_res_t r;
	const char *how = !c->bc->rest.tls ? "plain HTTP, loopback only" :
			  c->bc->rest.insecure ? "TLS, certificate NOT verified (insecure)" :
			  "TLS, certificate verified";

	if (!c->io) {
		c->p = tl_binance_probe_open(c->bc, err, sizeof(err));
		if (!c->p) {
			ck_line(c, TL_CHECK_FAIL, "venue", "%s (rest %s:%u)", err,
				c->bc->rest.host, (unsigned)c->bc->rest.port);
			return false;
		}
		c->own.call = ck_probe_call;
		c->own.set_offset = ck_probe_offset;
		c->own.ctx = c->p;
		c->io = &c->own;
	}
	if (c->io->call(c->io->ctx, "GET", "/fapi/v1/ping", NULL, false, &r) != 200) {
		ck_line(c, TL_CHECK_FAIL, "venue", "%s (rest %s:%u)", r.why,
			c->bc->rest.host, (unsigned)c->bc->rest.port);
		return false;
	}
	ck_line(c, TL_CHECK_OK, "venue", "%s:%u answers (%s)", c->bc->rest.host,
		(unsigned)c->bc->rest.port, how);
	return true;
}

static void ck_clock(ck_t *c)
{
	tl_binance_probe_res_t r;
	cJSON *j = NULL;
	const cJSON *t;

	if (c->io->call(c->io->ctx, "GET", "/fapi/v1/time", NULL, false, &r) != 200) {
		ck_line(c, TL_CHECK_FAIL, "clock", "GET /fapi/v1/time: %s", r.why);
		return;
	}
	j = cJSON_ParseWithLength(r.body, r.len);
	t = cJSON_GetObjectItemCaseSensitive(j, "serverTime");
	/* ms since 1970, at most year 2100: its ns fit int64 */
	if (!cJSON_IsNumber(t) || !(t->valuedouble > 0 && t->valuedouble < CK_MS_2100)) {
		ck_line(c, TL_CHECK_FAIL, "clock", "GET /fapi/v1/time: no serverTime in %.80s",
			r.body);
		cJSON_Delete(j);
		return;
	}
	int64_t off = (int64_t)t->valuedouble * TL_NS_PER_MS - (r.t_send / 2 + r.t_recv / 2);
	int64_t ms = off / TL_NS_PER_MS, rtt = (r.t_recv - r.t_send) / TL_NS_PER_MS;
	cJSON_Delete(j);
	if (c->io->set_offset)
		c->io->set_offset(c->io->ctx, off);
	if (ms > TL_BINANCE_CHECK_CLOCK_MS || ms < -TL_BINANCE_CHECK_CLOCK_MS)
		ck_line(c, TL_CHECK_FAIL, "clock",
			"the local clock is %lld ms %s the venue's (round trip %lld ms): "
			"synchronise it (chrony, systemd-timesyncd); at most %d ms",
			(long long)(ms < 0 ? -ms : ms), ms > 0 ? "behind" : "ahead of",
			(long long)rtt, TL_BINANCE_CHECK_CLOCK_MS);
	else
		ck_line(c, TL_CHECK_OK, "clock", "offset %lld ms from the venue (round trip %lld ms)",
			(long long)ms, (long long)rtt);
}

static void ck_xinfo(ck_t *c)
{
	c->xinfo = ck_call(c, "exchange info", "GET", "/fapi/v1/exchangeInfo", NULL, false);
	if (!c->xinfo)
		return;
	const cJSON *s = cJSON_GetObjectItemCaseSensitive(c->xinfo, "symbols");
	if (!cJSON_IsArray(s)) {
		ck_line(c, TL_CHECK_FAIL, "exchange info", "no \"symbols\" array");
		cJSON_Delete(c->xinfo);
		c->xinfo = NULL;
		return;
	}
	ck_line(c, TL_CHECK_OK, "exchange info", "%d symbols listed", cJSON_GetArraySize(s));
}

static void ck_key(ck_t *c)
{
	cJSON *j = ck_call(c, "api key", "GET", "/fapi/v2/account", NULL, true);
	bool can = false;

	if (!j) {
		ck_line(c, TL_CHECK_SKIP, "signed checks",
			"not run: the venue did not accept the key (check the key and "
			"secret, the key's IP whitelist, and that it may trade futures)");
		return;
	}
	if (!ck_bool(j, "canTrade", &can) || !can) {
		ck_line(c, TL_CHECK_FAIL, "api key",
			"accepted, but canTrade is %s: enable futures trading for this key",
			ck_bool(j, "canTrade", &can) ? "false" : "missing");
	} else {
		ck_line(c, TL_CHECK_OK, "api key", "accepted, canTrade true");
	}
	c->keyed = true;
	cJSON_Delete(j);
}

static void ck_position_mode(ck_t *c)
{
	cJSON *j = ck_call(c, "position mode", "GET", "/fapi/v1/positionSide/dual", NULL, true);
	bool dual;

	if (!j)
		return;
	if (!ck_bool(j, "dualSidePosition", &dual))
		ck_line(c, TL_CHECK_FAIL, "position mode", "no dualSidePosition in the answer");
	else if (dual != c->cfg->kernel.hedge_mode)
		ck_line(c, TL_CHECK_FAIL, "position mode",
			"the venue is in %s mode (dualSidePosition %s), kernel.hedge_mode is %s: "
			"change one of them (talon never changes the venue's)",
			dual ? "hedge" : "one-way", dual ? "true" : "false",
			c->cfg->kernel.hedge_mode ? "true" : "false");
	else
		ck_line(c, TL_CHECK_OK, "position mode", "%s (dualSidePosition %s) = kernel.hedge_mode",
			dual ? "hedge" : "one-way", dual ? "true" : "false");
	cJSON_Delete(j);
}

static void ck_multi_assets(ck_t *c)
{
	cJSON *j = ck_call(c, "multi-assets mode", "GET", "/fapi/v1/multiAssetsMargin", NULL, true);
	bool on;

	if (!j)
		return;
	if (!ck_bool(j, "multiAssetsMargin", &on))
		ck_line(c, TL_CHECK_FAIL, "multi-assets mode", "no multiAssetsMargin in the answer");
	else if (on)
		ck_line(c, TL_CHECK_FAIL, "multi-assets mode",
			"on at the venue: the kernel's margin is single-asset (USDT); "
			"turn it off (Binance: Preferences, Multi-Assets Mode)");
	else
		ck_line(c, TL_CHECK_OK, "multi-assets mode", "off");
	cJSON_Delete(j);
}

static void ck_balance(ck_t *c)
{
	cJSON *j = ck_call(c, "balance", "GET", "/fapi/v2/balance", NULL, true);
	const cJSON *e;
	char bal[TL_FX_STRLEN], av[TL_FX_STRLEN];

	if (!j)
		return;
	cJSON_ArrayForEach(e, j) {
		const char *a = ck_str(e, "asset");
		if (!a || strcmp(a, "USDT") != 0)
			continue;
		tl_fx_t b = ck_fx(e, "balance"), v = ck_fx(e, "availableBalance");
		tl_fx_format(b, -1, bal, sizeof(bal));
		tl_fx_format(v, -1, av, sizeof(av));
		if (v <= 0)
			ck_line(c, TL_CHECK_FAIL, "balance",
				"USDT balance %s, available %s: no margin to open anything", bal, av);
		else
			ck_line(c, TL_CHECK_OK, "balance", "USDT balance %s, available %s", bal, av);
		cJSON_Delete(j);
		return;
	}
	ck_line(c, TL_CHECK_FAIL, "balance", "no USDT in the futures wallet");
	cJSON_Delete(j);
}

/* ---- per symbol ------------------------------------------------------- */

static const cJSON *ck_xsym(const ck_t *c, const char *sym)
{
	const cJSON *e;

	cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(c->xinfo, "symbols")) {
		const char *n = ck_str(e, "symbol");
		if (n && strcmp(n, sym) == 0)
			return e;
	}
	return NULL;
}

static void ck_sym_status(ck_t *c, const char *sym, const char *name)
{
	const cJSON *e = ck_xsym(c, sym);
	const char *st = e ? ck_str(e, "status") : NULL;

	if (!e)
		ck_line(c, TL_CHECK_FAIL, name, "not listed by the venue's exchangeInfo");
	else if (!st || strcmp(st, "TRADING") != 0)
		ck_line(c, TL_CHECK_FAIL, name,
			"%s at the venue (not TRADING): no new orders can be placed",
			st ? st : "no status");
	else
		ck_line(c, TL_CHECK_OK, name, "TRADING");
}

/* The venue's filters for sym through the kernel's own loader. */
static void ck_sym_filters(ck_t *c, const char *sym, const char *name)
{
	const cJSON *e = ck_xsym(c, sym);
	char msg[256], tick[TL_FX_STRLEN], step[TL_FX_STRLEN], mn[TL_FX_STRLEN];
	const char *only[2] = { sym, NULL };
	tl_symbols_t t;

	if (!e) {
		ck_line(c, TL_CHECK_FAIL, name, "not listed by the venue");
		return;
	}
	/* One symbol's document: {"symbols":[<it>]} */
	cJSON *doc = cJSON_CreateObject(), *arr = cJSON_AddArrayToObject(doc, "symbols");
	char *text = NULL;
	if (arr)
		cJSON_AddItemToArray(arr, cJSON_Duplicate(e, true));
	text = doc ? cJSON_PrintUnformatted(doc) : NULL;
	cJSON_Delete(doc);
	memset(&t, 0, sizeof(t));
	if (!text || tl_symbols_init(&t, 1, msg, sizeof(msg)) < 0 ||
	    tl_symbols_load(&t, text, strlen(text), only, msg, sizeof(msg)) < 0) {
		ck_line(c, TL_CHECK_FAIL, name, "the venue's filters are refused: %s",
			text ? msg : "out of memory");
	} else {
		const tl_symbol_t *s = tl_symbols_get(&t, 0);
		tl_fx_format(s->tick_size, -1, tick, sizeof(tick));
		tl_fx_format(s->step_size, -1, step, sizeof(step));
		tl_fx_format(s->min_notional, -1, mn, sizeof(mn));
		ck_line(c, TL_CHECK_OK, name, "tick %s, step %s, min notional %s", tick, step, mn);
	}
	tl_symbols_free(&t);
	free(text);
}

/* leverageBracket answers an object for one symbol, an array for all. */
static int ck_max_leverage(const cJSON *j)
{
	const cJSON *o = cJSON_IsArray(j) ? cJSON_GetArrayItem(j, 0) : j;
	const cJSON *b = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(o, "brackets"), 0);

	return ck_count(cJSON_GetObjectItemCaseSensitive(b, "initialLeverage"), CK_MAX_LEVERAGE);
}

/* The position on sym (first non-zero row), NULL when flat or unknown. */
static const cJSON *ck_position(const ck_t *c, const char *sym)
{
	const cJSON *e;

	cJSON_ArrayForEach(e, c->positions) {
		const char *n = ck_str(e, "symbol");
		if (n && strcmp(n, sym) == 0 && ck_fx(e, "positionAmt") != 0)
			return e;
	}
	return NULL;
}

/* Open orders on sym (0 when unknown). */
static int ck_open_orders(const ck_t *c, const char *sym)
{
	const cJSON *e;
	int n = 0;

	cJSON_ArrayForEach(e, c->orders) {
		const char *s = ck_str(e, "symbol");
		n += s && strcmp(s, sym) == 0;
	}
	return n;
}

static void ck_sym_config(ck_t *c, uint32_t i, const char *sym)
{
	char name[TL_SYMBOL_NAMELEN + 24], q[64];
	uint32_t want = c->cfg->leverage[i];
	int mt = c->cfg->margin_type[i];
	cJSON *sc, *br;

	snprintf(q, sizeof(q), "symbol=%s", sym);
	snprintf(name, sizeof(name), "%s leverage", sym);
	sc = ck_call(c, name, "GET", "/fapi/v1/symbolConfig", q, true);
	if (!sc)
		goto margin;
	const cJSON *row = cJSON_IsArray(sc) ? cJSON_GetArrayItem(sc, 0) : sc;
	const cJSON *lv = cJSON_GetObjectItemCaseSensitive(row, "leverage");
	int have = ck_count(lv, CK_MAX_LEVERAGE);
	if (!want) {
		ck_line(c, TL_CHECK_FAIL, name,
			"symbols.leverage.%s is not set (the venue holds %d): set it, "
			"so that the venue and the kernel's margin agree", sym, have);
	} else if ((br = ck_call(c, name, "GET", "/fapi/v1/leverageBracket", q, true))) {
		int max = ck_max_leverage(br);
		cJSON_Delete(br);
		if (!max)
			ck_line(c, TL_CHECK_FAIL, name,
				"GET /fapi/v1/leverageBracket: no initialLeverage in its first "
				"bracket: whether %u is allowed is not known", want);
		else if ((int)want > max)
			ck_line(c, TL_CHECK_FAIL, name,
				"symbols.leverage.%s is %u, the venue allows at most %d",
				sym, want, max);
		else if (have == (int)want)
			ck_line(c, TL_CHECK_OK, name, "%u as configured (at most %d)", want, max);
		else if (have)
			ck_line(c, TL_CHECK_OK, name,
				"%u configured, the venue holds %d: talon run sets %u at start (at most %d)",
				want, have, want, max);
		else
			ck_line(c, TL_CHECK_OK, name,
				"%u configured, symbolConfig names no leverage: talon run sets %u at "
				"start (at most %d)", want, want, max);
	}
margin:
	snprintf(name, sizeof(name), "%s margin type", sym);
	const char *vt = sc ? ck_str(row, "marginType") : NULL;
	if (!sc) {
		ck_line(c, TL_CHECK_SKIP, name, "not run: symbolConfig failed");
	} else if (!vt) {
		ck_line(c, TL_CHECK_FAIL, name, "no marginType in symbolConfig");
	} else if (mt == TL_MARGIN_UNSET) {
		ck_line(c, TL_CHECK_OK, name, "%s at the venue (symbols.margin_type not set: left as it is)",
			vt);
	} else if (strcasecmp(vt, tl_margin_type_name(mt)) == 0) {
		ck_line(c, TL_CHECK_OK, name, "%s as configured", vt);
	} else if (ck_position(c, sym)) {
		ck_line(c, TL_CHECK_FAIL, name,
			"%s at the venue, symbols.margin_type is %s, and a position is open: "
			"the venue refuses the change until it is closed (-4048)", vt,
			tl_margin_type_name(mt));
	} else if (ck_open_orders(c, sym)) {
		ck_line(c, TL_CHECK_FAIL, name,
			"%s at the venue, symbols.margin_type is %s, and %d order(s) are open: "
			"the venue refuses the change until they are gone (-4047)", vt,
			tl_margin_type_name(mt), ck_open_orders(c, sym));
	} else {
		ck_line(c, TL_CHECK_OK, name, "%s at the venue: talon run sets %s at start",
			vt, tl_margin_type_name(mt));
	}
	cJSON_Delete(sc);
}

static bool ck_ours(const ck_t *c, const char *clid)
{
	size_t n = strlen(c->cfg->kernel.clid_prefix);

	return clid && n && strncmp(clid, c->cfg->kernel.clid_prefix, n) == 0;
}

static void ck_sym_orders(ck_t *c, const char *sym)
{
	char name[TL_SYMBOL_NAMELEN + 24];
	const cJSON *e;
	int ours = 0, foreign = 0;

	snprintf(name, sizeof(name), "%s open orders", sym);
	if (!c->orders) {
		ck_line(c, TL_CHECK_SKIP, name, "not run: openOrders failed");
		return;
	}
	cJSON_ArrayForEach(e, c->orders) {
		const char *n = ck_str(e, "symbol");
		if (!n || strcmp(n, sym) != 0)
			continue;
		if (ck_ours(c, ck_str(e, "clientOrderId")))
			ours++;
		else
			foreign++;
	}
	if (!ours && !foreign)
		ck_line(c, TL_CHECK_OK, name, "none");
	else
		ck_line(c, TL_CHECK_OK, name,
			"%d with this engine's prefix \"%s\" (reconciled at start), %d foreign "
			"(left alone; the kill switch's sweep cancels them too)",
			ours, c->cfg->kernel.clid_prefix, foreign);
}

static void ck_sym_position(ck_t *c, const char *sym)
{
	char name[TL_SYMBOL_NAMELEN + 24], amt[TL_FX_STRLEN], px[TL_FX_STRLEN];
	const cJSON *e;
	int n = 0;

	snprintf(name, sizeof(name), "%s position", sym);
	if (!c->positions) {
		ck_line(c, TL_CHECK_SKIP, name, "not run: positionRisk failed");
		return;
	}
	cJSON_ArrayForEach(e, c->positions) {
		const char *s = ck_str(e, "symbol");
		tl_fx_t q = ck_fx(e, "positionAmt");
		if (!s || strcmp(s, sym) != 0 || q == 0)
			continue;
		const char *ps = ck_str(e, "positionSide");
		tl_fx_format(q, -1, amt, sizeof(amt));
		tl_fx_format(ck_fx(e, "entryPrice"), -1, px, sizeof(px));
		ck_line(c, TL_CHECK_OK, name,
			"%s %s at %s (start-up reconciliation compares it with the journal)",
			ps ? ps : "BOTH", amt, px);
		n++;
	}
	if (!n)
		ck_line(c, TL_CHECK_OK, name, "flat");
}

/* Orders and positions on symbols this engine does not trade. */
static void ck_others(ck_t *c)
{
	char list[400];
	size_t used = 0;
	int n = 0;
	const cJSON *e;
	const cJSON *srcs[2] = { c->orders, c->positions };

	list[0] = '\0';
	for (int k = 0; k < 2; k++)
		cJSON_ArrayForEach(e, srcs[k]) {
			const char *s = ck_str(e, "symbol");
			if (!s || tl_config_sym_index(c->cfg, s) >= 0 ||
			    (k == 1 && ck_fx(e, "positionAmt") == 0))
				continue;
			if (c->cfg->n_symbols == 0 && tl_symbols_find(&c->syms, s) >= 0)
				continue;
			n++;
			if (used + strlen(s) + 16 < sizeof(list))
				used += (size_t)snprintf(list + used, sizeof(list) - used,
							 "%s%s %s", used ? ", " : "", s,
							 k ? "position" : "order");
		}
	if (!c->orders || !c->positions)
		ck_line(c, TL_CHECK_SKIP, "other symbols", "not run: openOrders or positionRisk failed");
	else if (!n)
		ck_line(c, TL_CHECK_OK, "other symbols", "no orders or positions elsewhere");
	else
		ck_line(c, TL_CHECK_OK, "other symbols",
			"%d order(s)/position(s) on symbols this engine does not trade: %s", n, list);
}

static void ck_deadman(ck_t *c)
{
	char q[96];
	uint32_t n = 0;

	if (!c->bc->countdown_cancel_ms) {
		ck_line(c, TL_CHECK_OK, "dead-man switch",
			"off (venue.binance.countdown_cancel_ms is 0; docs/binance.md recommends it live)");
		return;
	}
	for (uint32_t i = 0; i < c->syms.count; i++) {
		const tl_symbol_t *s = tl_symbols_get(&c->syms, (int)i);
		cJSON *j;

		/* countdownTime 0 cancels a countdown: nothing is armed here */
		snprintf(q, sizeof(q), "symbol=%s&countdownTime=0", s->name);
		j = ck_call(c, "dead-man switch", "POST", "/fapi/v1/countdownCancelAll", q, true);
		if (!j)
			return;
		cJSON_Delete(j);
		n++;
	}
	ck_line(c, TL_CHECK_OK, "dead-man switch",
		"countdownCancelAll accepted for %u symbol%s (every %u ms while running)",
		n, n == 1 ? "" : "s", c->bc->countdown_cancel_ms);
}

/* ---- the run ----------------------------------------------------------- */

static int ck_run(const tl_config_t *cfg, const tl_binance_check_io_t *io,
		  tl_venue_check_fn out, void *ctx)
{
	ck_t c;
	char err[300];

	if (strcmp(cfg->venue_type, tl_binance_driver.name) != 0)
		return -1;
	memset(&c, 0, sizeof(c));
	c.io = io;
	c.cfg = cfg;
	c.bc = tl_binance_cfg_const(cfg);
	c.out = out;
	c.ctx = ctx;
	if (tl_config_symbols(cfg, &c.syms, err, sizeof(err)) < 0) {
		ck_line(&c, TL_CHECK_FAIL, "symbols", "%s", err);
		return c.fails;
	}
	if (!ck_venue(&c)) {
		ck_line(&c, TL_CHECK_SKIP, "other checks", "not run: the venue cannot be reached");
		goto done;
	}
	ck_clock(&c);
	ck_xinfo(&c);
	ck_key(&c);
	if (c.keyed) {
		ck_position_mode(&c);
		ck_multi_assets(&c);
		ck_balance(&c);
		c.orders = ck_call(&c, "open orders", "GET", "/fapi/v1/openOrders", NULL, true);
		c.positions = ck_call(&c, "positions", "GET", "/fapi/v2/positionRisk", NULL, true);
	}
	for (uint32_t i = 0; i < c.syms.count; i++) {
		const char *sym = tl_symbols_get(&c.syms, (int)i)->name;
		char name[TL_SYMBOL_NAMELEN + 24];
		int ci = tl_config_sym_index(cfg, sym);

		snprintf(name, sizeof(name), "%s status", sym);
		if (c.xinfo) {
			ck_sym_status(&c, sym, name);
			snprintf(name, sizeof(name), "%s filters", sym);
			ck_sym_filters(&c, sym, name);
		} else {
			ck_line(&c, TL_CHECK_SKIP, name, "not run: exchangeInfo failed");
		}
		if (!c.keyed)
			continue;
		if (ci >= 0) {
			ck_sym_config(&c, (uint32_t)ci, sym);
		} else {
			snprintf(name, sizeof(name), "%s leverage", sym);
			ck_line(&c, TL_CHECK_FAIL, name,
				"symbols.only does not list it: symbols.leverage cannot be set");
		}
		ck_sym_orders(&c, sym);
		ck_sym_position(&c, sym);
	}
	if (c.keyed) {
		ck_others(&c);
		ck_deadman(&c);
	}
done:
	cJSON_Delete(c.xinfo);
	cJSON_Delete(c.orders);
	cJSON_Delete(c.positions);
	tl_symbols_free(&c.syms);
	tl_binance_probe_close(c.p);
	return c.fails;
}

int tl_binance_check(const tl_config_t *cfg, tl_venue_check_fn out, void *ctx)
{
	return ck_run(cfg, NULL, out, ctx);
}

int tl_binance_check_with(const tl_config_t *cfg, const tl_binance_check_io_t *io,
			  tl_venue_check_fn out, void *ctx)
{
	return io && io->call ? ck_run(cfg, io, out, ctx) : -1;
}
