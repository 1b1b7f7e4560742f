/*
 * rest.c - route table and the request pipeline (see rest.h).
 *
 * Pipeline for one request, in Binance's order:
 *   route (404) -> parameters (-1100/-1101) -> IP weight (429/418)
 *   -> API key (-2015, 401) -> timestamp present (-1102) -> signature
 *   (-1102/-1022) -> recvWindow (-1021) -> order counters (-1015)
 *   -> injected error (before execution) -> handler
 *   -> injected 503 "Unknown error" / connection reset (after execution).
 * Every response carries X-MBX-USED-WEIGHT-1M; order endpoints also
 * X-MBX-ORDER-COUNT-10S and -1M; 429/418 carry Retry-After.
 *
 * The pipeline from the IP weight on is tl_sim_rest_exec, shared with the
 * WebSocket API (ws_api.c): a transport supplies the route, the parsed
 * parameters and a tl_sim_cred_t (API key, session, signature check);
 * REST turns the result into headers, the WebSocket API into rateLimits.
 */
#include "sim/rest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/auth.h"
#include "sim/rest_handlers.h"

enum { SEC_NONE = 0, SEC_KEY, SEC_SIGNED, SEC_ADMIN };

struct tl_sim_route {
	int method;
	const char *path;
	int sec;
	int weight;        /* IP weight */
	int weight_all;    /* weight without `symbol`, 0 = same */
	int n10, n1m;      /* order counters (0 = not an order endpoint) */
	bool write;        /* changes state: eligible for unknown/reset faults */
	int (*fn)(tl_sim_call_t *c);
};
typedef struct tl_sim_route route_t;

#define G TL_SIM_HTTP_GET
#define P TL_SIM_HTTP_POST
#define U TL_SIM_HTTP_PUT
#define D TL_SIM_HTTP_DELETE

static const route_t routes[] = {
	{ G, "/fapi/v1/ping", SEC_NONE, 1, 0, 0, 0, false, tl_sim_h_ping },
	{ G, "/fapi/v1/time", SEC_NONE, 1, 0, 0, 0, false, tl_sim_h_time },
	{ G, "/fapi/v1/exchangeInfo", SEC_NONE, 1, 0, 0, 0, false, tl_sim_h_exchange_info },
	{ G, "/fapi/v1/premiumIndex", SEC_NONE, 1, 10, 0, 0, false, tl_sim_h_premium_index },
	{ G, "/fapi/v1/ticker/bookTicker", SEC_NONE, 2, 5, 0, 0, false, tl_sim_h_book_ticker },
	{ P, "/fapi/v1/order", SEC_SIGNED, 0, 0, 1, 1, true, tl_sim_h_order_new },
	{ G, "/fapi/v1/order", SEC_SIGNED, 1, 0, 0, 0, false, tl_sim_h_order_get },
	{ D, "/fapi/v1/order", SEC_SIGNED, 1, 0, 0, 0, true, tl_sim_h_order_cancel },
	{ G, "/fapi/v1/openOrder", SEC_SIGNED, 1, 0, 0, 0, false, tl_sim_h_open_order },
	{ G, "/fapi/v1/openOrders", SEC_SIGNED, 1, 40, 0, 0, false, tl_sim_h_open_orders },
	{ G, "/fapi/v1/allOrders", SEC_SIGNED, 5, 0, 0, 0, false, tl_sim_h_all_orders },
	{ D, "/fapi/v1/allOpenOrders", SEC_SIGNED, 1, 0, 0, 0, true, tl_sim_h_cancel_all },
	{ P, "/fapi/v1/batchOrders", SEC_SIGNED, 5, 0, 5, 1, true, tl_sim_h_batch_new },
	{ D, "/fapi/v1/batchOrders", SEC_SIGNED, 1, 0, 0, 0, true, tl_sim_h_batch_cancel },
	{ G, "/fapi/v1/userTrades", SEC_SIGNED, 5, 0, 0, 0, false, tl_sim_h_user_trades },
	{ P, "/fapi/v1/countdownCancelAll", SEC_SIGNED, 10, 0, 0, 0, true, tl_sim_h_countdown },
	{ P, "/fapi/v1/algoOrder", SEC_SIGNED, 0, 0, 1, 1, true, tl_sim_h_algo_new },
	{ D, "/fapi/v1/algoOrder", SEC_SIGNED, 1, 0, 0, 0, true, tl_sim_h_algo_cancel },
	{ G, "/fapi/v1/algoOrder", SEC_SIGNED, 1, 0, 0, 0, false, tl_sim_h_algo_get },
	{ D, "/fapi/v1/algoOpenOrders", SEC_SIGNED, 1, 0, 0, 0, true, tl_sim_h_algo_cancel_all },
	{ G, "/fapi/v1/openAlgoOrders", SEC_SIGNED, 1, 40, 0, 0, false, tl_sim_h_algo_open },
	{ G, "/fapi/v1/allAlgoOrders", SEC_SIGNED, 5, 0, 0, 0, false, tl_sim_h_algo_all },
	{ G, "/fapi/v2/positionRisk", SEC_SIGNED, 5, 0, 0, 0, false, tl_sim_h_position_risk_v2 },
	{ G, "/fapi/v3/positionRisk", SEC_SIGNED, 5, 0, 0, 0, false, tl_sim_h_position_risk_v3 },
	{ G, "/fapi/v2/balance", SEC_SIGNED, 5, 0, 0, 0, false, tl_sim_h_balance },
	{ G, "/fapi/v3/balance", SEC_SIGNED, 5, 0, 0, 0, false, tl_sim_h_balance },
	{ G, "/fapi/v2/account", SEC_SIGNED, 5, 0, 0, 0, false, tl_sim_h_account_v2 },
	{ G, "/fapi/v3/account", SEC_SIGNED, 5, 0, 0, 0, false, tl_sim_h_account_v3 },
	{ G, "/fapi/v1/accountConfig", SEC_SIGNED, 5, 0, 0, 0, false, tl_sim_h_account_config },
	{ G, "/fapi/v1/symbolConfig", SEC_SIGNED, 5, 0, 0, 0, false, tl_sim_h_symbol_config },
	{ G, "/fapi/v1/commissionRate", SEC_SIGNED, 20, 0, 0, 0, false, tl_sim_h_commission },
	{ G, "/fapi/v1/rateLimit/order", SEC_SIGNED, 1, 0, 0, 0, false, tl_sim_h_rate_limit_order },
	{ P, "/fapi/v1/leverage", SEC_SIGNED, 1, 0, 0, 0, true, tl_sim_h_leverage },
	{ P, "/fapi/v1/marginType", SEC_SIGNED, 1, 0, 0, 0, true, tl_sim_h_margin_type },
	{ P, "/fapi/v1/positionSide/dual", SEC_SIGNED, 1, 0, 0, 0, true, tl_sim_h_dual_set },
	{ G, "/fapi/v1/positionSide/dual", SEC_SIGNED, 30, 0, 0, 0, false, tl_sim_h_dual_get },
	{ P, "/fapi/v1/listenKey", SEC_KEY, 1, 0, 0, 0, false, tl_sim_h_listen_key_new },
	{ U, "/fapi/v1/listenKey", SEC_KEY, 1, 0, 0, 0, false, tl_sim_h_listen_key_keep },
	{ D, "/fapi/v1/listenKey", SEC_KEY, 1, 0, 0, 0, false, tl_sim_h_listen_key_close },
	{ G, "/fapi/v1/ticker/price", SEC_NONE, 1, 2, 0, 0, false, tl_sim_h_ticker_price },
	{ G, "/fapi/v2/ticker/price", SEC_NONE, 1, 2, 0, 0, false, tl_sim_h_ticker_price },
	{ G, "/fapi/v1/ticker/24hr", SEC_NONE, 1, 40, 0, 0, false, tl_sim_h_ticker_24hr },
	{ G, "/fapi/v1/depth", SEC_NONE, 2, 0, 0, 0, false, tl_sim_h_depth },
	{ G, "/fapi/v1/klines", SEC_NONE, 1, 0, 0, 0, false, tl_sim_h_klines },
	{ G, "/fapi/v1/fundingRate", SEC_NONE, 1, 0, 0, 0, false, tl_sim_h_funding_rate },
	{ G, "/fapi/v1/continuousKlines", SEC_NONE, 1, 0, 0, 0, false, tl_sim_h_continuous_klines },
	{ G, "/fapi/v1/markPriceKlines", SEC_NONE, 1, 0, 0, 0, false, tl_sim_h_mark_klines },
	{ G, "/fapi/v1/indexPriceKlines", SEC_NONE, 1, 0, 0, 0, false, tl_sim_h_index_klines },
	{ G, "/fapi/v1/premiumIndexKlines", SEC_NONE, 1, 0, 0, 0, false, tl_sim_h_premium_klines },
	{ G, "/fapi/v1/fundingInfo", SEC_NONE, 0, 0, 0, 0, false, tl_sim_h_funding_info },
	{ G, "/fapi/v1/trades", SEC_NONE, 5, 0, 0, 0, false, tl_sim_h_trades },
	{ G, "/fapi/v1/historicalTrades", SEC_KEY, 200, 0, 0, 0, false, tl_sim_h_historical_trades },
	{ G, "/fapi/v1/aggTrades", SEC_NONE, 20, 0, 0, 0, false, tl_sim_h_agg_trades },
	{ P, "/fapi/v1/order/test", SEC_SIGNED, 0, 0, 0, 0, false, tl_sim_h_order_test },
	{ G, "/fapi/v1/openInterest", SEC_NONE, 1, 0, 0, 0, false, tl_sim_h_open_interest },
	{ U, "/fapi/v1/order", SEC_SIGNED, 0, 0, 1, 1, true, tl_sim_h_order_modify },
	{ U, "/fapi/v1/batchOrders", SEC_SIGNED, 5, 0, 5, 1, true, tl_sim_h_batch_modify },
	{ G, "/fapi/v1/leverageBracket", SEC_SIGNED, 1, 0, 0, 0, false, tl_sim_h_leverage_bracket },
	{ G, "/fapi/v1/multiAssetsMargin", SEC_SIGNED, 30, 0, 0, 0, false, tl_sim_h_multi_assets_get },
	{ P, "/fapi/v1/multiAssetsMargin", SEC_SIGNED, 1, 0, 0, 0, true, tl_sim_h_multi_assets_set },
	{ P, "/fapi/v1/positionMargin", SEC_SIGNED, 1, 0, 0, 0, true, tl_sim_h_position_margin },
	{ G, "/fapi/v1/income", SEC_SIGNED, 30, 0, 0, 0, false, tl_sim_h_income },
	{ G, "/fapi/v1/adlQuantile", SEC_SIGNED, 5, 0, 0, 0, false, tl_sim_h_adl_quantile },
	{ G, "/fapi/v1/forceOrders", SEC_SIGNED, 20, 50, 0, 0, false, tl_sim_h_force_orders },
	{ G, "/fapi/v1/apiTradingStatus", SEC_SIGNED, 1, 10, 0, 0, false, tl_sim_h_api_trading_status },
	{ G, "/fapi/v1/feeBurn", SEC_SIGNED, 30, 0, 0, 0, false, tl_sim_h_fee_burn_get },
	{ P, "/fapi/v1/feeBurn", SEC_SIGNED, 1, 0, 0, 0, true, tl_sim_h_fee_burn_set },
	{ G, "/fapi/v1/orderAmendment", SEC_SIGNED, 1, 0, 0, 0, false, tl_sim_h_order_amendment },
	{ G, "/fapi/v1/positionMargin/history", SEC_SIGNED, 1, 0, 0, 0, false, tl_sim_h_margin_history },
	{ G, "/sim/state", SEC_ADMIN, 0, 0, 0, 0, false, tl_sim_h_admin_state },
	{ G, "/sim/orders", SEC_ADMIN, 0, 0, 0, 0, false, tl_sim_h_admin_orders },
	{ G, "/sim/trades", SEC_ADMIN, 0, 0, 0, 0, false, tl_sim_h_admin_trades },
	{ P, "/sim/mark", SEC_ADMIN, 0, 0, 0, 0, false, tl_sim_h_admin_mark },
	{ P, "/sim/move", SEC_ADMIN, 0, 0, 0, 0, false, tl_sim_h_admin_move },
	{ P, "/sim/status", SEC_ADMIN, 0, 0, 0, 0, false, tl_sim_h_admin_status },
	{ P, "/sim/reset", SEC_ADMIN, 0, 0, 0, 0, false, tl_sim_h_admin_reset },
	{ P, "/sim/faults", SEC_ADMIN, 0, 0, 0, 0, false, tl_sim_h_admin_faults },
	{ G, "/sim/faults", SEC_ADMIN, 0, 0, 0, 0, false, tl_sim_h_admin_faults },
};

#undef G
#undef P
#undef U
#undef D

int tl_sim_rest_init(tl_sim_rest_t *r, tl_sim_venue_t *v)
{
	memset(r, 0, sizeof *r);
	r->v = v;
	r->cfg = v->cfg;
	r->faults = v->cfg->faults;
	tl_sim_rest_seed_faults(r);
	r->body = malloc(TL_SIM_REST_BODY_CAP);
	return r->body ? 0 : -1;
}

void tl_sim_rest_seed_faults(tl_sim_rest_t *r)
{
	r->fault_rng = (r->cfg->seed ^ 0xA5A5A5A5DEADBEEFULL) | 1;
	r->stream_rng = (r->cfg->seed ^ 0x5EED5EED0BADF00DULL) | 1;
}

void tl_sim_rest_free(tl_sim_rest_t *r)
{
	free(r->body);
	r->body = NULL;
}

const char *tl_sim_rest_reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 411: return "Length Required";
	case 413: return "Payload Too Large";
	case 418: return "I'm a teapot";
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 503: return "Service Unavailable";
	default: return "Unknown";
	}
}

static uint64_t rest_rand(tl_sim_rest_t *r)
{
	uint64_t x = r->fault_rng;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	r->fault_rng = x;
	return x * 0x2545F4914F6CDD1DULL;
}

/* True with probability ppm / 1e6. */
static bool rest_draw(tl_sim_rest_t *r, int ppm)
{
	return ppm > 0 && (int)(rest_rand(r) % 1000000) < ppm;
}

int tl_sim_rest_symbol(tl_sim_call_t *c, bool required, int *sym)
{
	const char *s = tl_sim_params_val(c->p, "symbol");

	*sym = -1;
	if (!s)
		return required ? tl_sim_err_missing(&c->e, "symbol") : 0;
	*sym = tl_sim_venue_symbol(c->v, s);
	if (*sym < 0)
		return tl_sim_err(&c->e, -1121);
	return 0;
}

bool tl_sim_rest_int(const tl_sim_call_t *c, const char *name, int64_t *out)
{
	const char *s = tl_sim_params_val(c->p, name);
	int64_t v = 0;
	bool neg = false;

	if (!s)
		return false;
	if (*s == '-') {
		neg = true;
		s++;
	}
	if (!*s)
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || v > (INT64_MAX - 9) / 10)
			return false;
		v = v * 10 + (*s - '0');
	}
	*out = neg ? -v : v;
	return true;
}

const tl_sim_route_t *tl_sim_rest_route(int method, const char *path,
					size_t len, bool *path_ok)
{
	size_t i;

	*path_ok = false;
	for (i = 0; i < sizeof routes / sizeof routes[0]; i++) {
		const route_t *rt = &routes[i];
		if (strlen(rt->path) != len || memcmp(rt->path, path, len) != 0)
			continue;
		*path_ok = true;
		if (rt->method == method)
			return rt;
	}
	return NULL;
}

int tl_sim_rest_key_account(const tl_sim_config_t *cfg, const char *key,
			    size_t len, bool *ed25519)
{
	int i;

	*ed25519 = false;
	if (!key || len == 0 || len >= TL_SIM_KEY_LEN)
		return -1;
	for (i = 0; i < cfg->nacct; i++) {
		const tl_sim_account_cfg_t *a = &cfg->acct[i];
		if (strlen(a->api_key) == len && !memcmp(a->api_key, key, len))
			return i;
		if (a->ed25519_api_key[0] && strlen(a->ed25519_api_key) == len &&
		    !memcmp(a->ed25519_api_key, key, len)) {
			*ed25519 = true;
			return i;
		}
	}
	return -1;
}

int tl_sim_rest_weight(tl_sim_rest_t *r, int64_t now, int w,
		       int *retry_after, tl_sim_err_t *e)
{
	return tl_sim_rl_weight(&r->rl, r->cfg, now, w, retry_after, e);
}

static void rest_error_body(tl_sim_call_t *c, const tl_sim_err_t *e)
{
	tl_sim_jw_init(&c->w, c->r->body, TL_SIM_REST_BODY_CAP);
	tl_sim_jw_obj(&c->w);
	tl_sim_jw_kint(&c->w, "code", e->code);
	tl_sim_jw_kstr(&c->w, "msg", e->msg);
	tl_sim_jw_obj_end(&c->w);
	c->status = e->http;
}

/* API key, then for a signed route timestamp, signature, recvWindow. A
 * request without a key rides on its WebSocket API session, if any:
 * the session's logon was signed, so the request needs no signature. */
static int rest_auth(tl_sim_call_t *c, const route_t *rt,
		     const tl_sim_cred_t *cred)
{
	bool ed = false;
	int rc;

	if (cred->api_key) {
		c->acct = tl_sim_rest_key_account(c->v->cfg, cred->api_key,
						  cred->api_key_len, &ed);
	} else {
		c->acct = cred->session_acct;
	}
	if (c->acct < 0)
		return tl_sim_err(&c->e, -2015);
	if (rt->sec != SEC_SIGNED)
		return 0;
	if (!tl_sim_params_val(c->p, "timestamp"))
		return tl_sim_err_missing(&c->e, "timestamp");
	if (cred->api_key) {
		rc = cred->verify(cred->ctx, c->v->cfg, c->acct, ed, &c->e);
		if (rc)
			return rc;
	}
	return tl_sim_auth_time(tl_sim_params_val(c->p, "timestamp"),
				tl_sim_params_val(c->p, "recvWindow"), c->now,
				c->v->cfg->recv_window_max, &c->e);
}

/* The latency fault's hold for this answer. */
static void rest_delay(tl_sim_rest_t *r, tl_sim_resp_t *out)
{
	if (r->faults.latency_ms || r->faults.latency_jitter_ms)
		out->delay_ms = r->faults.latency_ms +
			(r->faults.latency_jitter_ms
			 ? (int)(rest_rand(r) % (uint64_t)(r->faults.latency_jitter_ms + 1)) : 0);
}

void tl_sim_rest_exec(tl_sim_rest_t *r, const tl_sim_route_t *rt,
		      int params_rc, const tl_sim_err_t *params_e,
		      const tl_sim_cred_t *cred, int64_t now,
		      tl_sim_resp_t *out)
{
	tl_sim_call_t c;
	bool executed = false;
	int rc = params_rc, retry = 0, w;

	memset(out, 0, sizeof *out);
	memset(&c, 0, sizeof c);
	c.r = r;
	c.v = r->v;
	c.p = &r->params;
	c.req = cred->req;
	c.acct = -1;
	c.now = now;
	c.status = 200;
	if (rc != 0)
		c.e = *params_e;
	if (rt->sec == SEC_ADMIN) {
		if (rc == 0) {
			tl_sim_jw_init(&c.w, r->body, TL_SIM_REST_BODY_CAP);
			rc = rt->fn(&c);
		}
		goto body;
	}
	w = rt->weight_all && !tl_sim_params_val(&r->params, "symbol")
		? rt->weight_all : rt->weight;
	if (rc == 0)
		rc = tl_sim_rl_weight(&r->rl, r->cfg, now, w, &retry, &c.e);
	if (rc == 0 && rt->sec != SEC_NONE)
		rc = rest_auth(&c, rt, cred);
	if (rc == 0 && rt->n10 && c.acct >= 0)
		rc = tl_sim_rl_orders(&r->rl, r->cfg, &r->v->acct[c.acct], now,
				      rt->n10, rt->n1m, &retry, &c.e);
	if (rc == 0 && rest_draw(r, r->faults.error_ppm)) {
		rc = tl_sim_err(&c.e, r->faults.error_code ? r->faults.error_code : -1001);
		c.e.http = tl_sim_err_http(c.e.code) == 400 ? 503 : tl_sim_err_http(c.e.code);
	}
	for (int k = 0; rc == 0 && k < r->faults.n_ep; k++) {
		tl_sim_ep_fault_t *ep = &r->faults.ep[k];
		if (ep->method == rt->method && !strcmp(ep->path, rt->path) &&
		    rest_draw(r, ep->ppm)) {
			rc = tl_sim_err(&c.e, ep->code);	/* the code's own status */
			if (ep->left > 0 && --ep->left == 0)
				ep->ppm = 0;	/* its COUNT answers are spent */
		}
	}
	if (rc == 0) {
		tl_sim_jw_init(&c.w, r->body, TL_SIM_REST_BODY_CAP);
		rc = rt->fn(&c);
		executed = true;
	}
body:
	if (rc != 0) {
		rest_error_body(&c, &c.e);
	} else if (c.w.overflow) {
		tl_sim_errf(&c.e, -1000, "Response too large.");
		c.e.http = 500;
		rest_error_body(&c, &c.e);
		rc = -1000;
	}
	if (rt->sec != SEC_ADMIN && rt->write &&
	    rest_draw(r, r->faults.reset_ppm)) {
		/* executed or not, the client learns nothing */
		out->action = TL_SIM_RESP_RESET;
		return;
	}
	if (executed && rt->write && rest_draw(r, r->faults.unknown_ppm)) {
		tl_sim_errf(&c.e, -1000, "Unknown error, please check your request or try again later.");
		c.e.http = 503;
		rest_error_body(&c, &c.e);
		rc = -1000;
	}
	out->weight_used = tl_sim_rl_used(&r->rl, now);
	if (rt->n10 && c.acct >= 0) {
		out->orders = true;
		tl_sim_rl_order_counts(&r->v->acct[c.acct], now, &out->orders_10s,
				       &out->orders_1m);
	}
	if (c.status == 429 || c.status == 418)
		out->retry_after = retry;
	out->status = c.status;
	out->error = rc != 0;
	out->body = r->body;
	out->body_len = c.w.len;
	rest_delay(r, out);
}

/* REST signatures over the raw query and body as received: HMAC, or
 * Ed25519 for the account's Ed25519 key (Binance accepts Ed25519 API
 * keys on the futures REST API too). */
static int rest_verify(const void *ctx, const tl_sim_config_t *cfg, int acct,
		       bool ed25519, tl_sim_err_t *e)
{
	const tl_sim_http_req_t *q = ctx;

	if (ed25519)
		return tl_sim_auth_verify_ed25519(cfg->acct[acct].ed25519_pub, q->query,
						  q->query_len, q->body, q->body_len, e);
	return tl_sim_auth_verify(cfg->acct[acct].api_secret, q->query,
				  q->query_len, q->body, q->body_len, e);
}

void tl_sim_rest_handle(tl_sim_rest_t *r, const tl_sim_http_req_t *req,
			int64_t now, tl_sim_resp_t *out)
{
	const route_t *rt;
	tl_sim_cred_t cred = { .session_acct = -1, .verify = rest_verify, .ctx = req,
			       .req = req };
	tl_sim_err_t e;
	bool path_ok;
	int rc, n;

	r->nreq++;
	rt = tl_sim_rest_route(req->method, req->path, req->path_len, &path_ok);
	if (!rt) {
		tl_sim_call_t c;
		memset(out, 0, sizeof *out);
		memset(&c, 0, sizeof c);
		c.r = r;
		tl_sim_errf(&c.e, -1000, path_ok ? "Method not allowed." : "Not found.");
		c.e.http = path_ok ? 405 : 404;
		rest_error_body(&c, &c.e);
		out->status = c.status;
		out->error = true;
		out->body = r->body;
		out->body_len = c.w.len;
		out->weight_used = tl_sim_rl_used(&r->rl, now);
		rest_delay(r, out);
	} else {
		memset(&e, 0, sizeof e);
		rc = tl_sim_params_parse(&r->params, req->query, req->query_len,
					 req->body, req->body_len, &e);
		if (req->api_key) {
			cred.api_key = req->api_key;
			cred.api_key_len = req->api_key_len;
		} else {
			cred.api_key = "";	/* sent none: -2015, never a session */
		}
		tl_sim_rest_exec(r, rt, rc, &e, &cred, now, out);
		if (out->action == TL_SIM_RESP_RESET)
			return;
	}
	n = snprintf(out->headers, sizeof out->headers,
		     "X-MBX-USED-WEIGHT-1M: %d\r\n", out->weight_used);
	if (out->orders)
		n += snprintf(out->headers + n, sizeof out->headers - (size_t)n,
			      "X-MBX-ORDER-COUNT-10S: %d\r\nX-MBX-ORDER-COUNT-1M: %d\r\n",
			      out->orders_10s, out->orders_1m);
	if (out->status == 429 || out->status == 418)
		snprintf(out->headers + n, sizeof out->headers - (size_t)n,
			 "Retry-After: %d\r\n", out->retry_after);
}
