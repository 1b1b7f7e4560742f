/*
 * config.c - config/venue.json loader (see config.h).
 *
 * Walks the token tree of json_in; every key is optional and falls back
 * to the defaults of tl_sim_config_defaults. Unknown keys are ignored so
 * the file can carry keys meant for other tools.
 */
#include "sim/config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/ed25519.h"
#include "sim/json_in.h"

/* Room for TL_SIM_MAX_SYMBOLS symbols with every key given (about 75
 * tokens, 800 bytes each) besides the rest: 1.8 MiB of tokens, cold. */
#define CFG_MAX_TOKENS (80 * TL_SIM_MAX_SYMBOLS + 8192)
#define CFG_MAX_BYTES (1 << 20)
#define CFG_PEM_MAX 4096      /* an Ed25519 public key PEM is ~113 bytes */

static tl_fx_t fx(const char *s)
{
	tl_fx_t v = 0;

	(void)tl_fx_parse_cstr(s, &v);
	return v;
}

static void sym_defaults(tl_sim_symbol_cfg_t *s)
{
	memset(s, 0, sizeof *s);
	snprintf(s->name, sizeof s->name, "BTCUSDT");
	snprintf(s->base, sizeof s->base, "BTC");
	snprintf(s->quote, sizeof s->quote, "USDT");
	s->price_prec = 2;
	s->qty_prec = 3;
	s->quote_prec = 5;
	s->tick = fx("0.10");
	s->min_price = fx("261.10");
	s->max_price = fx("809484");
	s->step = fx("0.001");
	s->min_qty = fx("0.001");
	s->max_qty = fx("1000");
	s->mkt_step = fx("0.001");
	s->mkt_min_qty = fx("0.001");
	s->mkt_max_qty = fx("120");
	s->min_notional = fx("100");
	s->mult_up = fx("1.05");
	s->mult_down = fx("0.95");
	s->mult_decimal = 4;
	s->max_orders = 200;
	s->max_algo_orders = 10;
	s->max_leverage = 125;
	s->default_leverage = 20;
	s->max_notional = fx("1000000");
	s->maker_rate = fx("0.0002");
	s->taker_rate = fx("0.0004");
	s->maint_rate = fx("0.004");
	s->start_price = fx("60000");
	s->vol_bps = 2;
	s->spread_ticks = 1;
	s->depth_levels = 5;
	s->level_gap_ticks = 1;
	s->level_qty = fx("5");
	s->slippage_bps = 0;
	s->partial_fills = false;
}

void tl_sim_config_defaults(tl_sim_config_t *c)
{
	memset(c, 0, sizeof *c);
	snprintf(c->rest_host, sizeof c->rest_host, "127.0.0.1");
	c->rest_tls = false;
	c->max_conns = 1024;
	c->header_timeout_ms = 10000;
	c->body_timeout_ms = 30000;
	c->idle_timeout_ms = 120000;
	c->ws_enabled = true;
	c->ws_ping_ms = 180000;
	c->ws_lifetime_ms = 24LL * 3600 * 1000;
	c->ws_api_ping_ms = 180000;
	c->ws_api_pong_timeout_ms = 600000;
	c->ws_api_lifetime_ms = 24LL * 3600 * 1000;
	c->ws_api_max_frame = 16384;
	c->mark_interval_ms = 1000;
	c->seed = 42;
	c->tick_ms = 100;
	c->recv_window_max = 60000;
	c->weight_1m = 2400;
	c->orders_10s = 300;
	c->orders_1m = 1200;
	c->ban_after = 20;
	c->ban_seconds = 120;
	c->listen_key_ttl_ms = 60LL * 60 * 1000;
	c->max_orders_total = 1 << 16;
	c->max_trades_total = 1 << 16;
	snprintf(c->tls_cert, sizeof c->tls_cert, "build/tls/server.pem");
	snprintf(c->tls_key, sizeof c->tls_key, "build/tls/server.key");
	c->nsym = 1;
	sym_defaults(&c->sym[0]);
	c->nacct = 1;
	snprintf(c->acct[0].name, sizeof c->acct[0].name, "test");
	snprintf(c->acct[0].api_key, sizeof c->acct[0].api_key, "testkey");
	snprintf(c->acct[0].api_secret, sizeof c->acct[0].api_secret,
		 "testsecret");
	c->acct[0].usdt = fx("100000");
}

typedef struct cfg_ctx {
	const char *s;
	tl_sim_jtok_t *t;
	char *err;
	size_t errcap;
	int rc;
} cfg_ctx_t;

static void cfg_str(cfg_ctx_t *x, int obj, const char *key, char *out,
		    size_t cap)
{
	int i = tl_sim_json_get(x->s, x->t, obj, key);

	if (i < 0)
		return;
	if (x->t[i].type != TL_SIM_JT_STR ||
	    tl_sim_json_text(x->s, x->t, i, out, cap) < 0) {
		snprintf(x->err, x->errcap, "config: '%s' must be a string", key);
		x->rc = -1;
	}
}

/* An account's optional Ed25519 key: ed25519_api_key with
 * ed25519_public_key (PEM text) or ed25519_public_key_file (PEM path). */
static void cfg_ed25519(cfg_ctx_t *x, int obj, int k, tl_sim_account_cfg_t *a)
{
	char *pem = malloc(CFG_PEM_MAX + 1), path[256] = "";
	size_t n = 0;

	if (!pem) {
		snprintf(x->err, x->errcap, "config: out of memory");
		x->rc = -1;
		return;
	}
	pem[0] = '\0';
	cfg_str(x, obj, "ed25519_api_key", a->ed25519_api_key, sizeof a->ed25519_api_key);
	cfg_str(x, obj, "ed25519_public_key", pem, CFG_PEM_MAX + 1);
	cfg_str(x, obj, "ed25519_public_key_file", path, sizeof path);
	if (x->rc != 0)
		goto out;
	if (path[0]) {
		FILE *f = fopen(path, "rb");
		if (!f) {
			snprintf(x->err, x->errcap, "config: account %d: cannot open %s", k, path);
			x->rc = -1;
			goto out;
		}
		n = fread(pem, 1, CFG_PEM_MAX, f);
		fclose(f);
		pem[n] = '\0';
	}
	n = strlen(pem);
	if (!n && !a->ed25519_api_key[0])
		goto out;
	if (!n || !a->ed25519_api_key[0] ||
	    strcmp(a->ed25519_api_key, a->api_key) == 0) {
		snprintf(x->err, x->errcap,
			 "config: account %d: ed25519_api_key (not the HMAC api_key) and ed25519_public_key[_file] go together", k);
		x->rc = -1;
	} else if (tl_sim_ed25519_pem_pub(pem, n, a->ed25519_pub) != 0) {
		snprintf(x->err, x->errcap,
			 "config: account %d: ed25519 public key is not an Ed25519 PEM public key", k);
		x->rc = -1;
	}
out:
	free(pem);
}

static void cfg_int(cfg_ctx_t *x, int obj, const char *key, int64_t lo,
		    int64_t hi, void *out, size_t width)
{
	int i = tl_sim_json_get(x->s, x->t, obj, key);
	int64_t v;

	if (i < 0)
		return;
	if (!tl_sim_json_int(x->s, x->t, i, &v) || v < lo || v > hi) {
		snprintf(x->err, x->errcap,
			 "config: '%s' must be an integer in %lld..%lld", key,
			 (long long)lo, (long long)hi);
		x->rc = -1;
		return;
	}
	if (width == sizeof(int))
		*(int *)out = (int)v;
	else
		*(int64_t *)out = v;
}

#define CFG_INT(x, o, k, lo, hi, p) cfg_int(x, o, k, lo, hi, p, sizeof *(p))

static void cfg_bool(cfg_ctx_t *x, int obj, const char *key, bool *out)
{
	int i = tl_sim_json_get(x->s, x->t, obj, key);

	if (i < 0)
		return;
	if (x->t[i].type == TL_SIM_JT_TRUE)
		*out = true;
	else if (x->t[i].type == TL_SIM_JT_FALSE)
		*out = false;
	else {
		snprintf(x->err, x->errcap, "config: '%s' must be a boolean", key);
		x->rc = -1;
	}
}

static void cfg_fx(cfg_ctx_t *x, int obj, const char *key, tl_fx_t *out)
{
	int i = tl_sim_json_get(x->s, x->t, obj, key);
	char b[40];

	if (i < 0)
		return;
	if (tl_sim_json_text(x->s, x->t, i, b, sizeof b) < 0 ||
	    tl_fx_parse_cstr(b, out) != TL_FX_OK) {
		snprintf(x->err, x->errcap,
			 "config: '%s' must be a decimal string", key);
		x->rc = -1;
	}
}

static void cfg_symbol(cfg_ctx_t *x, int o, tl_sim_symbol_cfg_t *s)
{
	int m;

	sym_defaults(s);
	cfg_str(x, o, "symbol", s->name, sizeof s->name);
	cfg_str(x, o, "base", s->base, sizeof s->base);
	cfg_str(x, o, "quote", s->quote, sizeof s->quote);
	CFG_INT(x, o, "price_precision", 0, 8, &s->price_prec);
	CFG_INT(x, o, "quantity_precision", 0, 8, &s->qty_prec);
	CFG_INT(x, o, "quote_precision", 0, 8, &s->quote_prec);
	cfg_fx(x, o, "tick_size", &s->tick);
	cfg_fx(x, o, "min_price", &s->min_price);
	cfg_fx(x, o, "max_price", &s->max_price);
	cfg_fx(x, o, "step_size", &s->step);
	cfg_fx(x, o, "min_qty", &s->min_qty);
	cfg_fx(x, o, "max_qty", &s->max_qty);
	cfg_fx(x, o, "market_step_size", &s->mkt_step);
	cfg_fx(x, o, "market_min_qty", &s->mkt_min_qty);
	cfg_fx(x, o, "market_max_qty", &s->mkt_max_qty);
	cfg_fx(x, o, "min_notional", &s->min_notional);
	cfg_fx(x, o, "multiplier_up", &s->mult_up);
	cfg_fx(x, o, "multiplier_down", &s->mult_down);
	CFG_INT(x, o, "multiplier_decimal", 0, 8, &s->mult_decimal);
	CFG_INT(x, o, "max_num_orders", 1, 100000, &s->max_orders);
	CFG_INT(x, o, "max_num_algo_orders", 1, 100000, &s->max_algo_orders);
	CFG_INT(x, o, "max_leverage", 1, 125, &s->max_leverage);
	CFG_INT(x, o, "default_leverage", 1, 125, &s->default_leverage);
	cfg_fx(x, o, "max_notional", &s->max_notional);
	cfg_fx(x, o, "maker_rate", &s->maker_rate);
	cfg_fx(x, o, "taker_rate", &s->taker_rate);
	cfg_fx(x, o, "maint_margin_rate", &s->maint_rate);
	m = tl_sim_json_get(x->s, x->t, o, "market");
	if (m >= 0) {
		cfg_fx(x, m, "start_price", &s->start_price);
		CFG_INT(x, m, "vol_bps", 0, 10000, &s->vol_bps);
		CFG_INT(x, m, "spread_ticks", 1, 1000000, &s->spread_ticks);
		CFG_INT(x, m, "depth_levels", 1, 1000, &s->depth_levels);
		CFG_INT(x, m, "level_gap_ticks", 1, 1000000, &s->level_gap_ticks);
		cfg_fx(x, m, "level_qty", &s->level_qty);
		CFG_INT(x, m, "slippage_bps", 0, 10000, &s->slippage_bps);
		cfg_bool(x, m, "partial_fills", &s->partial_fills);
	}
	if (x->rc == 0 && (s->tick <= 0 || s->step <= 0 || s->start_price <= 0 ||
			   s->level_qty <= 0 || s->default_leverage > s->max_leverage)) {
		snprintf(x->err, x->errcap,
			 "config: symbol %s: tick_size, step_size, start_price, level_qty must be > 0 and default_leverage <= max_leverage",
			 s->name);
		x->rc = -1;
	}
}

int tl_sim_ep_fault_parse(const char *spec, tl_sim_ep_fault_t *out)
{
	static const char *const m[] = { "", "GET", "POST", "PUT", "DELETE" };
	char meth[8], path[64];
	long long ppm, code = -1001, count = 0;
	int n = 0;
	tl_sim_ep_fault_t e;

	memset(&e, 0, sizeof e);
	if (!spec || sscanf(spec, "%7s %63s %lld %n", meth, path, &ppm, &n) < 3)
		return -1;
	if (spec[n]) {
		int m = 0;
		if (sscanf(spec + n, "%lld %n", &code, &m) != 1)
			return -1;	/* only an optional code ... */
		n += m;
	}
	if (spec[n]) {
		int m = 0;
		if (sscanf(spec + n, "%lld %n", &count, &m) != 1 || spec[n + m] ||
		    count < 0 || count > 1000000000)
			return -1;	/* ... and an optional count may follow */
	}
	for (int i = 1; i < 5; i++)
		if (!strcmp(meth, m[i]))
			e.method = i;
	if (!e.method || path[0] != '/' || strlen(path) >= sizeof e.path ||
	    ppm < 0 || ppm > 1000000 || code < -10000 || code >= 0)
		return -1;
	memcpy(e.path, path, strlen(path) + 1);
	e.ppm = (int)ppm;
	e.code = (int)code;
	e.left = (int)count;
	*out = e;
	return 0;
}

int tl_sim_ep_fault_set(tl_sim_faults_t *f, const tl_sim_ep_fault_t *e)
{
	int i;

	for (i = 0; i < f->n_ep; i++)
		if (f->ep[i].method == e->method && !strcmp(f->ep[i].path, e->path))
			break;
	if (e->ppm == 0) {
		if (i < f->n_ep) {
			f->ep[i] = f->ep[f->n_ep - 1];
			f->n_ep--;
		}
		return 0;
	}
	if (i == f->n_ep) {
		if (f->n_ep == TL_SIM_MAX_EP_FAULTS)
			return -1;
		f->n_ep++;
	}
	f->ep[i] = *e;
	return 0;
}

static void cfg_faults(cfg_ctx_t *x, int o, tl_sim_faults_t *f)
{
	int a = tl_sim_json_get(x->s, x->t, o, "endpoint_errors");

	if (a >= 0) {
		if (x->t[a].type != TL_SIM_JT_ARR || x->t[a].size > TL_SIM_MAX_EP_FAULTS) {
			snprintf(x->err, x->errcap, "config: 'faults.endpoint_errors' must be an "
				 "array of at most %d strings \"METHOD /path PPM [CODE]\"",
				 TL_SIM_MAX_EP_FAULTS);
			x->rc = -1;
		} else {
			int i = a + 1;
			for (int k = 0; k < (int)x->t[a].size; k++, i = (int)x->t[i].skip) {
				char spec[128];
				tl_sim_ep_fault_t e;
				if (tl_sim_json_text(x->s, x->t, i, spec, sizeof spec) < 0 ||
				    tl_sim_ep_fault_parse(spec, &e) < 0 ||
				    tl_sim_ep_fault_set(f, &e) < 0) {
					snprintf(x->err, x->errcap, "config: 'faults.endpoint_errors[%d]': "
						 "expected \"METHOD /path PPM [CODE]\" (PPM 0..1000000, "
						 "CODE a negative venue code)", k);
					x->rc = -1;
					break;
				}
			}
		}
	}
	CFG_INT(x, o, "latency_ms", 0, 60000, &f->latency_ms);
	CFG_INT(x, o, "latency_jitter_ms", 0, 60000, &f->latency_jitter_ms);
	CFG_INT(x, o, "error_ppm", 0, 1000000, &f->error_ppm);
	CFG_INT(x, o, "error_code", -10000, 0, &f->error_code);
	CFG_INT(x, o, "unknown_ppm", 0, 1000000, &f->unknown_ppm);
	CFG_INT(x, o, "reset_ppm", 0, 1000000, &f->reset_ppm);
	CFG_INT(x, o, "clock_offset_ms", -86400000, 86400000, &f->clock_offset_ms);
	CFG_INT(x, o, "stream_drop_permille", 0, 1000, &f->stream_drop_permille);
	CFG_INT(x, o, "stream_dup_permille", 0, 1000, &f->stream_dup_permille);
	CFG_INT(x, o, "stream_reorder_permille", 0, 1000, &f->stream_reorder_permille);
	CFG_INT(x, o, "stream_delay_ms", 0, 60000, &f->stream_delay_ms);
	CFG_INT(x, o, "stream_delay_jitter_ms", 0, 60000, &f->stream_delay_jitter_ms);
	CFG_INT(x, o, "stream_disconnect_every_ms", 0, 86400000, &f->stream_disconnect_every_ms);
}

int tl_sim_config_parse(tl_sim_config_t *c, const char *json, size_t len,
			char *err, size_t errcap)
{
	cfg_ctx_t x = { .s = json, .err = err, .errcap = errcap };
	int n, o, i, k;

	x.t = calloc(CFG_MAX_TOKENS, sizeof *x.t);
	if (!x.t) {
		snprintf(err, errcap, "config: out of memory");
		return -1;
	}
	n = tl_sim_json_parse(json, len, x.t, CFG_MAX_TOKENS);
	if (n <= 0 || x.t[0].type != TL_SIM_JT_OBJ) {
		snprintf(err, errcap, "config: not a JSON object (or too large)");
		x.rc = -1;
		goto out;
	}
	if ((o = tl_sim_json_get(json, x.t, 0, "rest")) >= 0) {
		cfg_str(&x, o, "host", c->rest_host, sizeof c->rest_host);
		CFG_INT(&x, o, "port", 0, 65535, &c->rest_port);
		cfg_bool(&x, o, "tls", &c->rest_tls);
		CFG_INT(&x, o, "plain_port", 0, 65535, &c->rest_plain_port);
		CFG_INT(&x, o, "max_connections", 1, 65536, &c->max_conns);
		CFG_INT(&x, o, "header_timeout_ms", 0, 86400000, &c->header_timeout_ms);
		CFG_INT(&x, o, "body_timeout_ms", 0, 86400000, &c->body_timeout_ms);
		CFG_INT(&x, o, "idle_timeout_ms", 0, 86400000, &c->idle_timeout_ms);
		cfg_str(&x, o, "cert", c->tls_cert, sizeof c->tls_cert);
		cfg_str(&x, o, "key", c->tls_key, sizeof c->tls_key);
	}
	if ((o = tl_sim_json_get(json, x.t, 0, "ws")) >= 0) {
		CFG_INT(&x, o, "port", 0, 65535, &c->ws_port);
		cfg_bool(&x, o, "tls", &c->ws_tls);
		cfg_bool(&x, o, "enabled", &c->ws_enabled);
		CFG_INT(&x, o, "ping_ms", 1, INT64_MAX, &c->ws_ping_ms);
		CFG_INT(&x, o, "lifetime_ms", 1, INT64_MAX, &c->ws_lifetime_ms);
		CFG_INT(&x, o, "api_ping_ms", 1, INT64_MAX, &c->ws_api_ping_ms);
		CFG_INT(&x, o, "api_pong_timeout_ms", 1, INT64_MAX, &c->ws_api_pong_timeout_ms);
		CFG_INT(&x, o, "api_lifetime_ms", 1, INT64_MAX, &c->ws_api_lifetime_ms);
		CFG_INT(&x, o, "api_max_frame", 256, 65535, &c->ws_api_max_frame);
	}
	if ((o = tl_sim_json_get(json, x.t, 0, "streams")) >= 0)
		CFG_INT(&x, o, "mark_interval_ms", 10, 3600000, &c->mark_interval_ms);
	{
		int64_t seed = (int64_t)c->seed;
		CFG_INT(&x, 0, "seed", 0, INT64_MAX, &seed);
		c->seed = (uint64_t)seed;
	}
	CFG_INT(&x, 0, "tick_ms", 1, 3600000, &c->tick_ms);
	CFG_INT(&x, 0, "recv_window_max", 1, INT64_MAX, &c->recv_window_max);
	CFG_INT(&x, 0, "listen_key_ttl_ms", 1, INT64_MAX, &c->listen_key_ttl_ms);
	CFG_INT(&x, 0, "max_orders_total", 16, 1 << 24, &c->max_orders_total);
	CFG_INT(&x, 0, "max_trades_total", 16, 1 << 24, &c->max_trades_total);
	if ((o = tl_sim_json_get(json, x.t, 0, "limits")) >= 0) {
		CFG_INT(&x, o, "weight_1m", 1, 1000000000, &c->weight_1m);
		CFG_INT(&x, o, "orders_10s", 1, 1000000000, &c->orders_10s);
		CFG_INT(&x, o, "orders_1m", 1, 1000000000, &c->orders_1m);
		CFG_INT(&x, o, "ban_after_429s", 1, 1000000000, &c->ban_after);
		CFG_INT(&x, o, "ban_seconds", 1, 259200, &c->ban_seconds);
	}
	if ((o = tl_sim_json_get(json, x.t, 0, "faults")) >= 0)
		cfg_faults(&x, o, &c->faults);
	if ((o = tl_sim_json_get(json, x.t, 0, "symbols")) >= 0) {
		if (x.t[o].type != TL_SIM_JT_ARR || x.t[o].size == 0 ||
		    x.t[o].size > TL_SIM_MAX_SYMBOLS) {
			snprintf(err, errcap, "config: 'symbols' must be an array of 1..%d objects", TL_SIM_MAX_SYMBOLS);
			x.rc = -1;
			goto out;
		}
		c->nsym = (int)x.t[o].size;
		for (k = 0, i = o + 1; k < c->nsym; k++, i = (int)x.t[i].skip)
			cfg_symbol(&x, i, &c->sym[k]);
	}
	if ((o = tl_sim_json_get(json, x.t, 0, "accounts")) >= 0) {
		if (x.t[o].type != TL_SIM_JT_ARR || x.t[o].size == 0 ||
		    x.t[o].size > TL_SIM_MAX_ACCOUNTS) {
			snprintf(err, errcap, "config: 'accounts' must be an array of 1..%d objects", TL_SIM_MAX_ACCOUNTS);
			x.rc = -1;
			goto out;
		}
		c->nacct = (int)x.t[o].size;
		for (k = 0, i = o + 1; k < c->nacct; k++, i = (int)x.t[i].skip) {
			tl_sim_account_cfg_t *a = &c->acct[k];
			memset(a, 0, sizeof *a);
			cfg_str(&x, i, "name", a->name, sizeof a->name);
			cfg_str(&x, i, "api_key", a->api_key, sizeof a->api_key);
			cfg_str(&x, i, "api_secret", a->api_secret, sizeof a->api_secret);
			cfg_fx(&x, i, "usdt", &a->usdt);
			cfg_bool(&x, i, "dual_side", &a->dual_side);
			if (x.rc == 0 && (!a->api_key[0] || !a->api_secret[0])) {
				snprintf(err, errcap, "config: account %d needs api_key and api_secret", k);
				x.rc = -1;
			}
			cfg_ed25519(&x, i, k, a);
		}
	}
out:
	free(x.t);
	return x.rc;
}

int tl_sim_config_load(tl_sim_config_t *c, const char *path, char *err,
		       size_t errcap)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	size_t n;
	int rc;

	if (!f) {
		snprintf(err, errcap, "config: cannot open %s", path);
		return -1;
	}
	buf = malloc(CFG_MAX_BYTES);
	if (!buf) {
		fclose(f);
		snprintf(err, errcap, "config: out of memory");
		return -1;
	}
	n = fread(buf, 1, CFG_MAX_BYTES, f);
	fclose(f);
	if (n == CFG_MAX_BYTES) {
		free(buf);
		snprintf(err, errcap, "config: %s larger than 1 MiB", path);
		return -1;
	}
	rc = tl_sim_config_parse(c, buf, n, err, errcap);
	free(buf);
	return rc;
}
