/*
 * ws_api.c - the WebSocket API (ws-fapi) of the venue (see ws_api.h):
 * method table, JSON request -> REST parameters, signatures, sessions,
 * answers, pings.
 *
 * Errors of the request itself (not JSON, no method, params not an
 * object) are -1135 with status 400, and with id null when the id could
 * not be read, as Binance's WebSocket APIs answer a malformed request;
 * an unknown method is -1020 "This operation is not supported." (the
 * fapi docs name no code for it). 429 / 418 answers carry
 * error.data {serverTime, retryAfter (ms)} as Binance's WebSocket API
 * documents them.
 */
#define _GNU_SOURCE
#include "sim/ws_api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sim/auth.h"
#include "sim/ed25519.h"
#include "sim/json_in.h"
#include "sim/json_out.h"
#include "sim/rest.h"
#include "sim/ws.h"

#define API_TOKENS 512         /* JSON tokens of one request */
#define API_VALUE_MAX 8192     /* one parameter value */
#define API_SQ_MAX (16u << 20) /* answers held by a delay fault */
/* The signed payload: every parameter percent-encoded (x3 at worst). */
#define API_PAYLOAD_MAX (3 * TL_SIM_PARAMS_BUF + 2 * TL_SIM_PARAMS_MAX)

enum { M_ROUTE = 0, M_LOGON, M_STATUS, M_LOGOUT };

typedef struct api_method {
	const char *name;
	int kind;
	int http;          /* M_ROUTE: the route's method and path */
	const char *path;
} api_method_t;

#define G TL_SIM_HTTP_GET
#define P TL_SIM_HTTP_POST
#define U TL_SIM_HTTP_PUT
#define D TL_SIM_HTTP_DELETE

/* Binance's ws-fapi methods and the REST endpoint each one is (the
 * "v2/" names answer with the REST v3 shapes, as on Binance). A method
 * whose route the table of rest.c lacks answers as unknown. */
static const api_method_t methods[] = {
	{ "session.logon", M_LOGON, 0, NULL },
	{ "session.status", M_STATUS, 0, NULL },
	{ "session.logout", M_LOGOUT, 0, NULL },
	{ "order.place", M_ROUTE, P, "/fapi/v1/order" },
	{ "order.modify", M_ROUTE, U, "/fapi/v1/order" },
	{ "order.cancel", M_ROUTE, D, "/fapi/v1/order" },
	{ "order.status", M_ROUTE, G, "/fapi/v1/order" },
	{ "algoOrder.place", M_ROUTE, P, "/fapi/v1/algoOrder" },
	{ "algoOrder.cancel", M_ROUTE, D, "/fapi/v1/algoOrder" },
	{ "account.position", M_ROUTE, G, "/fapi/v2/positionRisk" },
	{ "v2/account.position", M_ROUTE, G, "/fapi/v3/positionRisk" },
	{ "account.balance", M_ROUTE, G, "/fapi/v2/balance" },
	{ "v2/account.balance", M_ROUTE, G, "/fapi/v3/balance" },
	{ "account.status", M_ROUTE, G, "/fapi/v2/account" },
	{ "v2/account.status", M_ROUTE, G, "/fapi/v3/account" },
	{ "ticker.book", M_ROUTE, G, "/fapi/v1/ticker/bookTicker" },
	{ "ticker.price", M_ROUTE, G, "/fapi/v2/ticker/price" },
	{ "depth", M_ROUTE, G, "/fapi/v1/depth" },
	{ "userDataStream.start", M_ROUTE, P, "/fapi/v1/listenKey" },
	{ "userDataStream.ping", M_ROUTE, U, "/fapi/v1/listenKey" },
	{ "userDataStream.stop", M_ROUTE, D, "/fapi/v1/listenKey" },
};

#undef G
#undef P
#undef U
#undef D

static const api_method_t *api_method(const char *name)
{
	for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++)
		if (!strcmp(methods[i].name, name))
			return &methods[i];
	return NULL;
}

static bool api_frame(conn_t *c, uint8_t op, const char *p, size_t n)
{
	uint8_t hdr[10];
	size_t hl = tl_sim_ws_header(op, n, hdr);

	return tl_sim_srv_append(c, (const char *)hdr, hl) &&
	       tl_sim_srv_append(c, p, n);
}

/* Close frame (code, reason), then close once it is out. */
static void api_close(conn_t *c, int code, const char *reason)
{
	char b[64];
	size_t n = strlen(reason);

	if (n > sizeof b - 2)
		n = sizeof b - 2;
	b[0] = (char)(code >> 8);
	b[1] = (char)(code & 0xFF);
	memcpy(b + 2, reason, n);
	c->sq_off = c->sq_len = 0;	/* held answers are lost */
	api_frame(c, TL_SIM_WS_OP_CLOSE, b, n + 2);
	c->close_after = true;
}

bool tl_sim_ws_api_open(tl_sim_server_t *s, conn_t *c,
			const tl_sim_params_t *query, const char *accept,
			int64_t now)
{
	const char *rl = tl_sim_params_val(query, "returnRateLimits");
	tl_sim_err_t e;
	char resp[512];
	int retry = 0, n;
	int64_t mono;

	/* an outage (/sim/faults ws_api_down_ms): 503, as a load balancer
	 * with no backend answers */
	if (tl_sim_srv_mono_ms() < s->rest.ws_api_down_until) {
		static const char body[] = "Service Unavailable";
		n = snprintf(resp, sizeof resp,
			     "HTTP/1.1 503 Service Unavailable\r\nContent-Length: %d\r\n"
			     "Connection: close\r\n\r\n", (int)sizeof body - 1);
		c->close_after = true;
		tl_sim_srv_append(c, resp, (size_t)n);
		tl_sim_srv_append(c, body, sizeof body - 1);
		return tl_sim_srv_flush(s, c);
	}
	/* the handshake costs 5 weight (Binance USD-M API docs) */
	if (tl_sim_rest_weight(&s->rest, now, 5, &retry, &e) != 0) {
		char body[300];
		int bl = snprintf(body, sizeof body, "{\"code\":%d,\"msg\":\"%s\"}",
				  e.code, e.msg);
		n = snprintf(resp, sizeof resp,
			     "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\n"
			     "Retry-After: %d\r\nContent-Length: %d\r\nConnection: close\r\n\r\n",
			     e.http, tl_sim_rest_reason(e.http), retry, bl);
		c->close_after = true;
		tl_sim_srv_append(c, resp, (size_t)n);
		tl_sim_srv_append(c, body, (size_t)bl);
		return tl_sim_srv_flush(s, c);
	}
	n = snprintf(resp, sizeof resp,
		     "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
		     "Connection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n", accept);
	tl_sim_srv_append(c, resp, (size_t)n);
	c->kind = CONN_WS;
	s->nws++;
	c->api = true;
	c->api_rl = !(rl && !strcmp(rl, "false"));
	c->api_acct = -1;
	c->api_connected = now;
	mono = tl_sim_srv_mono_ms();
	c->next_ping = mono + s->cfg->ws_api_ping_ms;
	c->expires = mono + s->cfg->ws_api_lifetime_ms;
	return true;
}

/* The members of the params object (token pi, -1 = none) as REST
 * parameters: strings decoded, numbers and booleans as their text,
 * arrays and objects as their JSON text (batchOrders-style values);
 * null members are left out. */
static int api_params(tl_sim_params_t *p, const char *m,
		      const tl_sim_jtok_t *t, int pi, tl_sim_err_t *e)
{
	char name[64], *val;
	int k, j, rc = 0;

	p->n = 0;
	p->used = 0;
	if (pi < 0)
		return 0;
	val = malloc(API_VALUE_MAX);
	if (!val)
		return tl_sim_err(e, -1000);
	for (k = 0, j = pi + 1; rc == 0 && k < (int)t[pi].size; k++) {
		int v = j + 1;
		int type = t[v].type;

		if (tl_sim_json_text(m, t, j, name, sizeof name) <= 0) {
			rc = tl_sim_errf(e, -1100, "Illegal characters found in a parameter name.");
			break;
		}
		if (type == TL_SIM_JT_OBJ || type == TL_SIM_JT_ARR) {
			size_t n = t[v].end - t[v].start;
			if (n >= API_VALUE_MAX) {
				rc = tl_sim_errf(e, -1100, "Value of parameter '%s' too long.", name);
				break;
			}
			memcpy(val, m + t[v].start, n);
			val[n] = '\0';
		} else if (type != TL_SIM_JT_NULL &&
			   tl_sim_json_text(m, t, v, val, API_VALUE_MAX) < 0) {
			rc = tl_sim_errf(e, -1100, "Illegal characters found in parameter '%s'.", name);
			break;
		}
		if (type != TL_SIM_JT_NULL)
			rc = tl_sim_params_add(p, name, val, e);
		j = (int)t[v].skip;
	}
	free(val);
	return rc;
}

/* Append v percent-encoded as JavaScript's encodeURIComponent does (the
 * official connector signs that text). */
static size_t api_enc(char *out, size_t n, const char *v, bool encode)
{
	static const char hex[] = "0123456789ABCDEF";

	for (; *v; v++) {
		unsigned char ch = (unsigned char)*v;
		if (!encode || (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
		    (ch >= '0' && ch <= '9') || strchr("-_.!~*'()", ch)) {
			out[n++] = (char)ch;
		} else {
			out[n++] = '%';
			out[n++] = hex[ch >> 4];
			out[n++] = hex[ch & 15];
		}
	}
	return n;
}

/* The signed payload: parameters but signature, sorted by name (byte
 * order, as JavaScript sorts keys), name=value joined with '&'. */
static size_t api_payload(const tl_sim_params_t *p, char *out, bool encode)
{
	int idx[TL_SIM_PARAMS_MAX], n = 0, i, j;
	size_t len = 0;

	for (i = 0; i < p->n; i++) {
		if (!strcasecmp(p->p[i].name, "signature"))
			continue;
		for (j = n; j > 0 && strcmp(p->p[idx[j - 1]].name, p->p[i].name) > 0; j--)
			idx[j] = idx[j - 1];
		idx[j] = i;
		n++;
	}
	for (i = 0; i < n; i++) {
		const tl_sim_param_t *q = &p->p[idx[i]];
		if (i)
			out[len++] = '&';
		len = api_enc(out, len, q->name, false);
		out[len++] = '=';
		len = api_enc(out, len, q->value, encode);
	}
	return len;
}

static bool api_sig_ok(const tl_sim_account_cfg_t *a, bool ed25519,
		       const char *msg, size_t n, const char *sig)
{
	char want[65], got[65];

	if (ed25519)
		return tl_sim_ed25519_verify(a->ed25519_pub, msg, n, sig);
	if (strlen(sig) != 64 ||
	    tl_sim_hmac_hex(a->api_secret, strlen(a->api_secret), msg, n, want) != 0)
		return false;
	for (int i = 0; i < 64; i++)
		got[i] = (sig[i] >= 'A' && sig[i] <= 'F') ? (char)(sig[i] - 'A' + 'a') : sig[i];
	return tl_sim_ct_equal(want, got, 64);
}

/* tl_sim_cred_t.verify for WebSocket API requests (ctx: the params). */
static int api_verify(const void *ctx, const tl_sim_config_t *cfg, int acct,
		      bool ed25519, tl_sim_err_t *e)
{
	const tl_sim_params_t *p = ctx;
	const char *sig = tl_sim_params_val(p, "signature");
	char *msg;
	size_t n, raw;
	bool ok;

	if (!sig)
		return tl_sim_err_missing(e, "signature");
	msg = malloc(API_PAYLOAD_MAX);
	if (!msg)
		return tl_sim_err(e, -1000);
	n = api_payload(p, msg, true);
	ok = api_sig_ok(&cfg->acct[acct], ed25519, msg, n, sig);
	if (!ok) {
		/* the docs' payload leaves values as they are */
		raw = api_payload(p, msg, false);
		ok = api_sig_ok(&cfg->acct[acct], ed25519, msg, raw, sig);
	}
	free(msg);
	return ok ? 0 : tl_sim_err(e, -1022);
}

static bool api_put(conn_t *c, const void *p, size_t n)
{
	if (c->sq_len + n > c->sq_cap) {
		size_t nc = c->sq_cap ? c->sq_cap : 4096;
		char *nb;
		while (nc < c->sq_len + n)
			nc *= 2;
		if (nc > API_SQ_MAX || !(nb = realloc(c->sq, nc)))
			return false;
		c->sq = nb;
		c->sq_cap = nc;
	}
	memcpy(c->sq + c->sq_len, p, n);
	c->sq_len += n;
	return true;
}

/* Send one answer, or hold it delay_ms (a latency fault) in the FIFO;
 * answers leave in request order. */
static void api_emit(conn_t *c, const char *const part[], const size_t len[],
		     int nparts, int delay_ms)
{
	uint8_t hdr[10];
	size_t total = 0, hl;
	int k;
	bool ok = true;

	for (k = 0; k < nparts; k++)
		total += len[k];
	hl = tl_sim_ws_header(TL_SIM_WS_OP_TEXT, total, hdr);
	if (delay_ms <= 0 && c->sq_off == c->sq_len) {
		ok = tl_sim_srv_append(c, (const char *)hdr, hl);
		for (k = 0; ok && k < nparts; k++)
			ok = tl_sim_srv_append(c, part[k], len[k]);
	} else {
		int64_t due = tl_sim_srv_mono_ms() + (delay_ms > 0 ? delay_ms : 0);
		uint32_t n32 = (uint32_t)(hl + total);
		if (due < c->sq_last_due)
			due = c->sq_last_due;
		c->sq_last_due = due;
		ok = api_put(c, &due, sizeof due) && api_put(c, &n32, sizeof n32) &&
		     api_put(c, hdr, hl);
		for (k = 0; ok && k < nparts; k++)
			ok = api_put(c, part[k], len[k]);
	}
	if (!ok)
		c->close_after = true;	/* a client that does not read */
}

/* {"id","status","result"|"error","rateLimits"} around out->body. */
static void api_answer(tl_sim_server_t *s, conn_t *c, const char *id,
		       const tl_sim_resp_t *out, int64_t now)
{
	const tl_sim_config_t *cfg = s->cfg;
	char head[160], data[160], tail[512];
	const char *part[4];
	size_t len[4], bl = out->body_len;
	int hn, dn = 0, tn = 0;

	hn = snprintf(head, sizeof head, "{\"id\":%s,\"status\":%d,\"%s\":", id,
		      out->status, out->error ? "error" : "result");
	if (out->error && (out->status == 429 || out->status == 418) && bl > 1 &&
	    out->body[bl - 1] == '}') {
		bl--;	/* the error object gets a data member */
		dn = snprintf(data, sizeof data,
			      ",\"data\":{\"serverTime\":%lld,\"retryAfter\":%lld}}",
			      (long long)now, (long long)(now + out->retry_after * 1000LL));
	}
	if (c->api_rl) {
		tn = snprintf(tail, sizeof tail,
			      ",\"rateLimits\":[{\"rateLimitType\":\"REQUEST_WEIGHT\",\"interval\":\"MINUTE\","
			      "\"intervalNum\":1,\"limit\":%d,\"count\":%d}", cfg->weight_1m,
			      out->weight_used);
		if (out->orders)
			tn += snprintf(tail + tn, sizeof tail - (size_t)tn,
				       ",{\"rateLimitType\":\"ORDERS\",\"interval\":\"SECOND\",\"intervalNum\":10,"
				       "\"limit\":%d,\"count\":%d},{\"rateLimitType\":\"ORDERS\",\"interval\":\"MINUTE\","
				       "\"intervalNum\":1,\"limit\":%d,\"count\":%d}",
				       cfg->orders_10s, out->orders_10s, cfg->orders_1m, out->orders_1m);
		tn += snprintf(tail + tn, sizeof tail - (size_t)tn, "]");
	}
	tail[tn++] = '}';
	part[0] = head;
	len[0] = (size_t)hn;
	part[1] = out->body;
	len[1] = bl;
	part[2] = data;
	len[2] = (size_t)dn;
	part[3] = tail;
	len[3] = (size_t)tn;
	api_emit(c, part, len, 4, out->delay_ms);
}

/* An answer the pipeline never saw (malformed request, unknown method):
 * error `code` with msg, status 400. */
static void api_reject(tl_sim_server_t *s, conn_t *c, const char *id,
		       int code, const char *msg, int64_t now)
{
	tl_sim_resp_t out;
	tl_sim_jw_t w;

	memset(&out, 0, sizeof out);
	tl_sim_jw_init(&w, s->rest.body, TL_SIM_REST_BODY_CAP);
	tl_sim_jw_obj(&w);
	tl_sim_jw_kint(&w, "code", code);
	tl_sim_jw_kstr(&w, "msg", msg);
	tl_sim_jw_obj_end(&w);
	out.status = 400;
	out.error = true;
	out.body = w.buf;
	out.body_len = w.len;
	out.weight_used = tl_sim_rl_used(&s->rest.rl, now);
	api_answer(s, c, id, &out, now);
}

/* session.logon: an Ed25519 key's signature over apiKey and timestamp
 * (+ recvWindow) authenticates the connection. */
static int api_logon(tl_sim_server_t *s, conn_t *c, int64_t now,
		     tl_sim_err_t *e)
{
	const tl_sim_params_t *p = &s->rest.params;
	const char *key = tl_sim_params_val(p, "apiKey");
	bool ed;
	int acct, rc;

	if (!key)
		return tl_sim_err_missing(e, "apiKey");
	acct = tl_sim_rest_key_account(s->cfg, key, strlen(key), &ed);
	if (acct < 0)
		return tl_sim_err(e, -2015);
	if (!ed)
		return tl_sim_errf(e, -2015,
				   "Invalid API-key, IP, or permissions for action: session.logon takes Ed25519 API keys only.");
	if (!tl_sim_params_val(p, "timestamp"))
		return tl_sim_err_missing(e, "timestamp");
	rc = api_verify(p, s->cfg, acct, true, e);
	if (rc == 0)
		rc = tl_sim_auth_time(tl_sim_params_val(p, "timestamp"),
				      tl_sim_params_val(p, "recvWindow"), now,
				      s->cfg->recv_window_max, e);
	if (rc)
		return rc;
	c->api_acct = acct;
	snprintf(c->api_key, sizeof c->api_key, "%s", key);
	c->api_since = now;
	return 0;
}

/* session.logon / status / logout (weight 2 each). */
static void api_session(tl_sim_server_t *s, conn_t *c, const char *id,
			int kind, int params_rc, tl_sim_err_t *e, int64_t now)
{
	tl_sim_rest_t *r = &s->rest;
	tl_sim_resp_t out;
	tl_sim_jw_t w;
	int rc = params_rc, retry = 0;

	memset(&out, 0, sizeof out);
	if (rc == 0)
		rc = tl_sim_rest_weight(r, now, 2, &retry, e);
	if (rc == 0 && kind == M_LOGON)
		rc = api_logon(s, c, now, e);
	if (rc == 0 && kind == M_LOGOUT) {
		c->api_acct = -1;
		c->api_key[0] = '\0';
	}
	tl_sim_jw_init(&w, r->body, TL_SIM_REST_BODY_CAP);
	tl_sim_jw_obj(&w);
	if (rc) {
		tl_sim_jw_kint(&w, "code", e->code);
		tl_sim_jw_kstr(&w, "msg", e->msg);
	} else {
		tl_sim_jw_key(&w, "apiKey");
		if (c->api_acct >= 0)
			tl_sim_jw_str(&w, c->api_key);
		else
			tl_sim_jw_null(&w);
		tl_sim_jw_key(&w, "authorizedSince");
		if (c->api_acct >= 0)
			tl_sim_jw_int(&w, c->api_since);
		else
			tl_sim_jw_null(&w);
		tl_sim_jw_kint(&w, "connectedSince", c->api_connected);
		tl_sim_jw_kbool(&w, "returnRateLimits", c->api_rl);
		tl_sim_jw_kint(&w, "serverTime", now);
	}
	tl_sim_jw_obj_end(&w);
	out.status = rc ? e->http : 200;
	out.error = rc != 0;
	out.body = w.buf;
	out.body_len = w.len;
	out.weight_used = tl_sim_rl_used(&r->rl, now);
	out.retry_after = retry;
	api_answer(s, c, id, &out, now);
}

/* One request frame. False when the connection closed (reset fault). */
static bool api_request(tl_sim_server_t *s, conn_t *c, const char *m,
			size_t n, int64_t now)
{
	tl_sim_rest_t *r = &s->rest;
	tl_sim_jtok_t *t = malloc(API_TOKENS * sizeof *t);
	const api_method_t *am;
	const tl_sim_route_t *rt = NULL;
	char id[80] = "null", method[48], msg[128];
	tl_sim_cred_t cred;
	tl_sim_resp_t out;
	tl_sim_err_t e;
	int nt, ii, mi, pi, rc;
	bool path_ok;

	if (!t) {
		api_close(c, 1011, "out of memory");
		return true;
	}
	nt = tl_sim_json_parse(m, n, t, API_TOKENS);
	if (nt <= 0 || t[0].type != TL_SIM_JT_OBJ) {
		api_reject(s, c, "null", -1135, "Invalid JSON request; expected a JSON object.", now);
		goto out;
	}
	ii = tl_sim_json_get(m, t, 0, "id");
	if (!tl_sim_json_id(m, t, ii, id)) {
		api_reject(s, c, "null", -1135,
			   "Invalid 'id' in JSON request; expected an unsigned integer or a string of up to 64 [0-9A-Za-z_-].", now);
		goto out;
	}
	mi = tl_sim_json_get(m, t, 0, "method");
	if (mi < 0 || t[mi].type != TL_SIM_JT_STR ||
	    tl_sim_json_text(m, t, mi, method, sizeof method) <= 0) {
		api_reject(s, c, id, -1135, "Invalid 'method' in JSON request; expected a string.", now);
		goto out;
	}
	pi = tl_sim_json_get(m, t, 0, "params");
	if (pi >= 0 && t[pi].type != TL_SIM_JT_OBJ) {
		api_reject(s, c, id, -1135, "Invalid 'params' in JSON request; expected an object.", now);
		goto out;
	}
	am = api_method(method);
	if (am && am->kind == M_ROUTE)
		rt = tl_sim_rest_route(am->http, am->path, strlen(am->path), &path_ok);
	if (!am || (am->kind == M_ROUTE && !rt)) {
		snprintf(msg, sizeof msg, "This operation is not supported: unknown method '%s'.", method);
		api_reject(s, c, id, -1020, msg, now);
		goto out;
	}
	r->nreq++;
	memset(&e, 0, sizeof e);
	rc = api_params(&r->params, m, t, pi, &e);
	if (am->kind != M_ROUTE) {
		api_session(s, c, id, am->kind, rc, &e, now);
		goto out;
	}
	memset(&cred, 0, sizeof cred);
	cred.session_acct = c->api_acct;
	cred.verify = api_verify;
	cred.ctx = &r->params;
	cred.api_key = rc == 0 ? tl_sim_params_val(&r->params, "apiKey") : NULL;
	/* the session's own key without a signature: the session speaks */
	if (cred.api_key && c->api_acct >= 0 && !strcmp(cred.api_key, c->api_key) &&
	    !tl_sim_params_val(&r->params, "signature"))
		cred.api_key = NULL;
	cred.api_key_len = cred.api_key ? strlen(cred.api_key) : 0;
	tl_sim_venue_tick(&s->venue, now);
	tl_sim_rest_exec(r, rt, rc, &e, &cred, now, &out);
	if (out.action == TL_SIM_RESP_RESET) {
		/* executed or not, the client learns nothing */
		free(t);
		tl_sim_srv_flush_now(c);
		tl_sim_srv_close(s, c);
		return false;
	}
	api_answer(s, c, id, &out, now);
out:
	free(t);
	return true;
}

bool tl_sim_ws_api_input(tl_sim_server_t *s, conn_t *c, int64_t now)
{
	size_t off = 0;

	while (off < c->rlen && !c->close_after) {
		tl_sim_ws_frame_t f;
		int rc = tl_sim_ws_parse_max(c->rbuf + off, c->rlen - off, &f,
					     (size_t)s->cfg->ws_api_max_frame);

		if (rc == 0)
			break;
		if (rc == -2) {
			api_close(c, 1009, "frame too large");
			off = c->rlen;
			break;
		}
		if (rc < 0) {
			tl_sim_srv_close(s, c);
			return false;
		}
		off += (size_t)rc;
		if (!f.fin) {
			api_close(c, 1003, "fragmented frames not supported");
			break;
		}
		switch (f.op) {
		case TL_SIM_WS_OP_TEXT:
			if (!api_request(s, c, f.payload, f.len, now))
				return false;
			break;
		case TL_SIM_WS_OP_PING:
			api_frame(c, TL_SIM_WS_OP_PONG, f.payload, f.len);
			break;
		case TL_SIM_WS_OP_PONG:
			c->api_pong_due = 0;
			break;
		case TL_SIM_WS_OP_CLOSE:
			api_frame(c, TL_SIM_WS_OP_CLOSE, f.payload, f.len > 2 ? 2 : f.len);
			c->close_after = true;
			break;
		default:	/* binary, continuation */
			api_close(c, 1003, "text frames only");
			break;
		}
	}
	memmove(c->rbuf, c->rbuf + off, c->rlen - off);
	c->rlen -= off;
	return tl_sim_srv_flush(s, c);
}

void tl_sim_ws_api_tick(tl_sim_server_t *s, conn_t *c, int64_t now,
			int64_t mono)
{
	if (c->close_after)
		return;
	if (mono >= c->expires) {
		api_close(c, 1000, "connection lifetime reached");
		return;
	}
	if (c->api_pong_due && mono >= c->api_pong_due) {
		api_close(c, 1008, "pong timeout");
		return;
	}
	if (mono >= c->next_ping) {
		char p[24];
		int n = snprintf(p, sizeof p, "%lld", (long long)now);
		api_frame(c, TL_SIM_WS_OP_PING, p, (size_t)n);
		if (!c->api_pong_due)
			c->api_pong_due = mono + s->cfg->ws_api_pong_timeout_ms;
		c->next_ping = mono + s->cfg->ws_api_ping_ms;
	}
	while (c->sq_off < c->sq_len) {
		int64_t due;
		uint32_t n;
		memcpy(&due, c->sq + c->sq_off, sizeof due);
		if (due > mono)
			break;
		memcpy(&n, c->sq + c->sq_off + sizeof due, sizeof n);
		if (!tl_sim_srv_append(c, c->sq + c->sq_off + sizeof due + sizeof n, n))
			c->close_after = true;
		c->sq_off += sizeof due + sizeof n + n;
	}
	if (c->sq_off == c->sq_len)
		c->sq_off = c->sq_len = 0;
}
