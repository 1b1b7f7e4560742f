/*
 * binance_xinfo.c - exchangeInfo at start (see binance_xinfo.h).
 *
 * Sections: fetch (one connection of its own, one GET, blocking with a
 * deadline); apply (venue vs file, field by field); the engine's step.
 */
#define _GNU_SOURCE
#include "io/binance/xinfo.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "io/net/http.h"
#include "runtime/log.h"
#include "io/binance/startup.h"
#include "io/net/uring.h"
#include "runtime/clock.h"

#define XI_BODY_CAP ((size_t)16 << 20)   /* = the symbol loader's limit */

/* ---- fetch ------------------------------------------------------------ */

typedef struct xi_fetch {
	tl_http_resp_t resp;
	bool sent, done, failed;
	char why[200];
} xi_fetch_t;

static void xi_cb(void *user, const tl_uring_conn_ev_t *ev)
{
	xi_fetch_t *f = user;

	switch (ev->kind) {
	case TL_URING_CONN_EV_DATA:
		if (f->done || f->failed || !f->sent)
			return;
		if (tl_http_resp_feed(&f->resp, (const char *)ev->data, ev->len) < 0) {
			f->failed = true;
			snprintf(f->why, sizeof(f->why), "bad HTTP response: %s",
				 tl_http_strerror(f->resp.error));
		} else if (f->resp.state == TL_HTTP_DONE) {
			f->done = true;
		}
		return;
	case TL_URING_CONN_EV_CONNECTED:
		return;
	case TL_URING_CONN_EV_CLOSED:
	case TL_URING_CONN_EV_ERROR:
		if (f->done || f->failed)
			return;
		if (f->sent && tl_http_resp_eof(&f->resp) == 0 &&
		    f->resp.state == TL_HTTP_DONE) {
			f->done = true;
			return;
		}
		f->failed = true;
		snprintf(f->why, sizeof(f->why), "%s", ev->msg ? ev->msg : "connection closed");
		return;
	}
}

/* One attempt. On failure: NULL, *o what happened (io/binance/startup.h), the
 * cause in err, *hint the venue's Retry-After (0 none). */
static char *xi_fetch_once(const tl_binance_cfg_t *bc, size_t *len,
			   tl_outcome_t *o, int64_t *hint, char *err, size_t errlen)
{
	int64_t timeout = bc->timeout_ns > 0 ? bc->timeout_ns : 5000000000LL;
	const char *warning = NULL;
	char perr[256], host[TL_CFG_HOST_MAX + 8], tx[1024];
	xi_fetch_t *f = calloc(1, sizeof(*f));
	char *body = malloc(XI_BODY_CAP + 1);
	tl_uring_pool_t *pool = NULL;
	char *out = NULL;
	int n;

	memset(o, 0, sizeof(*o));
	*hint = 0;
	if (!f || !body) {
		o->transport = TL_TR_LOCAL;
		snprintf(err, errlen, "out of memory");
		goto done;
	}
	tl_http_resp_init(&f->resp, body, XI_BODY_CAP);
	tl_uring_pool_cfg_t pc = {
		.host = bc->rest.host,
		.port = bc->rest.port,
		.conns = 1,
		.tls = bc->rest.tls,
		.ca_file = bc->rest.ca_file[0] ? bc->rest.ca_file : NULL,
		.tls_insecure = bc->rest.insecure,
		.rx_buf = 64u << 10,
		.tx_buf = 4u << 10,
		.connect_timeout_ns = timeout,
	};
	if (!(pool = tl_uring_pool_new(&pc, &warning, perr, sizeof(perr)))) {
		o->transport = TL_TR_LOCAL;	/* bad CA file etc.: permanent */
		snprintf(err, errlen, "%s", perr);
		goto done;
	}
	if (bc->rest.port == 443 || bc->rest.port == 80)
		snprintf(host, sizeof(host), "%s", bc->rest.host);
	else
		snprintf(host, sizeof(host), "%s:%u", bc->rest.host, bc->rest.port);
	n = tl_http_write_request(tx, sizeof(tx), "GET", host, "/fapi/v1/exchangeInfo",
				  NULL, NULL, NULL, 0, NULL);
	if (n < 0) {
		o->transport = TL_TR_LOCAL;
		snprintf(err, errlen, "request: %s", strerror(-n));
		goto done;
	}
	/* Connect, send, read: one deadline for it all. */
	int64_t end = tl_clock_mono_ns() + 2 * timeout;
	while (!f->done && !f->failed && tl_clock_mono_ns() < end) {
		if (tl_uring_pool_poll(pool, tl_clock_mono_ns(), xi_cb, f) < 0)
			break;
		if (!f->sent && tl_uring_conn_idle(pool) == 0) {
			if (tl_uring_conn_send(pool, 0, tx, (size_t)n) == 0)
				f->sent = true;
		}
		if (!f->done && !f->failed)
			tl_uring_pool_wait(pool, 10000000LL);
	}
	if (f->failed) {
		o->transport = tl_startup_transport(f->sent ? TL_TR_RESET : TL_TR_CONNECT,
						    f->why);
		tl_startup_cause(err, errlen, o, f->why, NULL);
		goto done;
	}
	if (!f->done) {
		char why[64];
		o->transport = TL_TR_TIMEOUT;
		snprintf(why, sizeof(why), "nothing in %lld ms",
			 (long long)(2 * timeout / 1000000));
		tl_startup_cause(err, errlen, o, why, NULL);
		goto done;
	}
	if (f->resp.status != 200) {
		char msg[200];
		o->http_status = (uint16_t)f->resp.status;
		o->code = tl_startup_venue_error(f->resp.body, f->resp.body_len, msg,
						 sizeof(msg));
		if (!o->code && !msg[0])
			snprintf(msg, sizeof(msg), "%.*s",
				 (int)(f->resp.body_len < 120 ? f->resp.body_len : 120),
				 f->resp.body);
		if (f->resp.status == 503)
			o->kind503 = tl_retry_503_kind(msg);
		if (f->resp.retry_after_ns > 0)
			*hint = f->resp.retry_after_ns;
		tl_startup_cause(err, errlen, o, NULL, msg);
		goto done;
	}
	*len = f->resp.body_len;
	body[*len] = '\0';
	out = body;
	body = NULL;
done:
	tl_uring_pool_free(pool);
	free(body);
	free(f);
	return out;
}

char *tl_binance_xinfo_fetch(const tl_binance_cfg_t *bc, size_t *len,
			     char *err, size_t errlen)
{
	int64_t budget = bc->startup_deadline_ns > 0 ? bc->startup_deadline_ns
						     : TL_STARTUP_DEADLINE_NS;
	tl_startup_t su;
	char cause[300], tail[128];

	tl_startup_begin(&su, budget, tl_clock_mono_ns());
	for (;;) {
		tl_outcome_t o;
		int64_t hint, d;
		char *doc = xi_fetch_once(bc, len, &o, &hint, cause, sizeof(cause));

		if (doc)
			return doc;
		d = tl_startup_failed(&su, &o, hint, tl_clock_mono_ns());
		if (d < 0) {
			tl_startup_suffix(&su, tl_clock_mono_ns(), tail, sizeof(tail));
			snprintf(err, errlen, "exchangeInfo: %s%s", cause, tail);
			return NULL;
		}
		tl_log(TL_LOG_WARN, "binance: GET /fapi/v1/exchangeInfo failed (%s); retrying in %lld ms",
		       cause, (long long)(d / 1000000));
		struct timespec ts = { (time_t)(d / 1000000000LL), (long)(d % 1000000000LL) };
		while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
			;
	}
}

/* ---- apply ------------------------------------------------------------ */

/* rateLimits[] -> lim (0 where absent). */
static void xi_limits(const char *doc, size_t len, tl_binance_xlimits_t *lim)
{
	cJSON *root = cJSON_ParseWithLength(doc, len);
	const cJSON *rl, *e;

	memset(lim, 0, sizeof(*lim));
	if (!root)
		return;
	rl = cJSON_GetObjectItemCaseSensitive(root, "rateLimits");
	cJSON_ArrayForEach(e, rl) {
		const cJSON *t = cJSON_GetObjectItemCaseSensitive(e, "rateLimitType");
		const cJSON *iv = cJSON_GetObjectItemCaseSensitive(e, "interval");
		const cJSON *num = cJSON_GetObjectItemCaseSensitive(e, "intervalNum");
		const cJSON *l = cJSON_GetObjectItemCaseSensitive(e, "limit");
		if (!cJSON_IsString(t) || !cJSON_IsString(iv) || !cJSON_IsNumber(num) ||
		    !cJSON_IsNumber(l) || l->valuedouble < 1 || l->valuedouble > 1e9)
			continue;
		uint32_t v = (uint32_t)l->valuedouble;
		bool minute = !strcmp(iv->valuestring, "MINUTE") && num->valuedouble == 1;
		bool ten_s = !strcmp(iv->valuestring, "SECOND") && num->valuedouble == 10;
		if (!strcmp(t->valuestring, "REQUEST_WEIGHT") && minute)
			lim->weight_1m = v;
		else if (!strcmp(t->valuestring, "ORDERS") && minute)
			lim->orders_1m = v;
		else if (!strcmp(t->valuestring, "ORDERS") && ten_s)
			lim->orders_10s = v;
	}
	cJSON_Delete(root);
}

/* Compare one fixed-point field; on difference warn and take the venue's. */
static int xi_fx(const char *sym, const char *field, tl_fx_t *file, tl_fx_t venue)
{
	char a[TL_FX_STRLEN], b[TL_FX_STRLEN];

	if (*file == venue)
		return 0;
	tl_fx_format(*file, 8, a, sizeof(a));
	tl_fx_format(venue, 8, b, sizeof(b));
	tl_log(TL_LOG_WARN, "symbols: %s %s: file %s, venue %s (using the venue's)",
	       sym, field, a, b);
	*file = venue;
	return 1;
}

static int xi_u32(const char *sym, const char *field, uint32_t *file, uint32_t venue)
{
	if (*file == venue)
		return 0;
	tl_log(TL_LOG_WARN, "symbols: %s %s: file %u, venue %u (using the venue's)",
	       sym, field, *file, venue);
	*file = venue;
	return 1;
}

int tl_binance_xinfo_apply(tl_symbols_t *syms, const char *doc, size_t len,
			   tl_binance_xlimits_t *lim, char *err, size_t errlen)
{
	const char *only[TL_SYMBOLS_MAX + 1];
	tl_symbols_t v;
	char msg[256];
	int changed = 0;

	memset(&v, 0, sizeof(v));
	memset(lim, 0, sizeof(*lim));
	if (syms->count == 0 || syms->count > TL_SYMBOLS_MAX) {
		snprintf(err, errlen, "exchangeInfo: no symbols configured");
		return -1;
	}
	for (uint32_t i = 0; i < syms->count; i++)
		only[i] = syms->sym[i].name;
	only[syms->count] = NULL;
	if (tl_symbols_init(&v, syms->count, msg, sizeof(msg)) < 0 ||
	    tl_symbols_load(&v, doc, len, only, msg, sizeof(msg)) < 0) {
		if (strstr(msg, "requested but not listed"))
			snprintf(err, errlen, "the venue's %.200s: check symbols.only", msg);
		else
			snprintf(err, errlen, "the venue's %.200s", msg);
		tl_symbols_free(&v);
		return -1;
	}
	for (uint32_t i = 0; i < syms->count; i++) {
		const tl_symbol_t *vs = &v.sym[tl_symbols_find(&v, syms->sym[i].name)];
		if (vs->status != TL_SYM_TRADING) {
			snprintf(err, errlen,
				 "symbol %s is not TRADING at the venue (exchangeInfo status); remove it from symbols.only",
				 vs->name);
			tl_symbols_free(&v);
			return -1;
		}
	}
	for (uint32_t i = 0; i < syms->count; i++) {
		tl_symbol_t *f = &syms->sym[i];
		const tl_symbol_t *s = &v.sym[tl_symbols_find(&v, f->name)];
		const char *n = f->name;
		uint32_t pp = f->price_precision, qp = f->qty_precision;

		changed += xi_fx(n, "tick_size", &f->tick_size, s->tick_size);
		changed += xi_fx(n, "min_price", &f->min_price, s->min_price);
		changed += xi_fx(n, "max_price", &f->max_price, s->max_price);
		changed += xi_fx(n, "step_size", &f->step_size, s->step_size);
		changed += xi_fx(n, "min_qty", &f->min_qty, s->min_qty);
		changed += xi_fx(n, "max_qty", &f->max_qty, s->max_qty);
		changed += xi_fx(n, "market_step_size", &f->mkt_step_size, s->mkt_step_size);
		changed += xi_fx(n, "market_min_qty", &f->mkt_min_qty, s->mkt_min_qty);
		changed += xi_fx(n, "market_max_qty", &f->mkt_max_qty, s->mkt_max_qty);
		changed += xi_fx(n, "min_notional", &f->min_notional, s->min_notional);
		changed += xi_fx(n, "percent_price_up", &f->pct_up, s->pct_up);
		changed += xi_fx(n, "percent_price_down", &f->pct_down, s->pct_down);
		changed += xi_u32(n, "max_open_orders", &f->max_open_orders, s->max_open_orders);
		changed += xi_u32(n, "max_algo_orders", &f->max_algo_orders, s->max_algo_orders);
		changed += xi_u32(n, "price_precision", &pp, s->price_precision);
		changed += xi_u32(n, "quantity_precision", &qp, s->qty_precision);
		f->price_precision = (uint8_t)pp;
		f->qty_precision = (uint8_t)qp;
		f->status = s->status;
	}
	tl_symbols_free(&v);
	xi_limits(doc, len, lim);
	return changed;
}

/* ---- the engine's step ------------------------------------------------ */

static void xi_lower(const char *key, uint32_t *cfg, uint32_t venue)
{
	if (!venue || (*cfg && *cfg <= venue))
		return;
	if (*cfg)
		tl_log(TL_LOG_WARN,
		       "venue.binance.%s: %u configured, the venue's exchangeInfo says %u (using %u)",
		       key, *cfg, venue, venue);
	*cfg = venue;
}

int tl_binance_xinfo_load(tl_config_t *cfg, tl_symbols_t *syms, char *err,
			  size_t errlen)
{
	tl_binance_xlimits_t lim;
	char why[256];
	size_t len = 0;
	char *doc;
	int n;

	if (!tl_binance_cfg(cfg)->symbols_from_venue)
		return 0;
	doc = tl_binance_xinfo_fetch(tl_binance_cfg(cfg), &len, why, sizeof(why));
	if (!doc) {
		tl_log(TL_LOG_WARN,
		       "binance: could not read the venue's exchangeInfo (%s); trading on %s as it is",
		       why, cfg->exchange_info);
		return 0;
	}
	n = tl_binance_xinfo_apply(syms, doc, len, &lim, why, sizeof(why));
	free(doc);
	if (n < 0) {
		snprintf(err, errlen, "%s", why);
		return -1;
	}
	if (n > 0)
		tl_log(TL_LOG_WARN,
		       "symbols: %d filter value(s) in %s differ from the venue's exchangeInfo; the venue's are used",
		       n, cfg->exchange_info);
	xi_lower("weight_per_min", &tl_binance_cfg(cfg)->weight_1m, lim.weight_1m);
	xi_lower("orders_per_10s", &tl_binance_cfg(cfg)->orders_10s, lim.orders_10s);
	xi_lower("orders_per_min", &tl_binance_cfg(cfg)->orders_1m, lim.orders_1m);
	return 0;
}
