/*
 * stream.c - WebSocket stream connections of the venue: the user data
 * stream and the markPrice / bookTicker market streams, on the venue's
 * own loop (see ws.h for why not libwebsockets).
 *
 * URLs (an optional /public, /market or /private route prefix is
 * accepted and ignored):
 *   /ws?listenKey=K            user data, raw events
 *   /ws/K  /ws/btcusdt@markPrice/ethusdt@bookTicker   raw
 *   /stream?streams=K/btcusdt@markPrice@1s            combined
 *   /stream?listenKey=K                               combined
 * plus JSON control frames SUBSCRIBE / UNSUBSCRIBE / LIST_SUBSCRIPTIONS.
 * Combined mode wraps each event as {"stream":NAME,"data":EVENT}.
 *
 * Per fill the user stream carries TRADE_LITE, ORDER_TRADE_UPDATE
 * (x=TRADE), ACCOUNT_UPDATE (m=ORDER), in that order; NEW / CANCELED /
 * EXPIRED carry ORDER_TRADE_UPDATE only; algo orders ALGO_UPDATE;
 * leverage changes ACCOUNT_CONFIG_UPDATE; when the listenKey lapses or is
 * deleted, listenKeyExpired and nothing more. markPrice every 3 s
 * (@1s: 1 s), bookTicker when the best bid/ask changes. The server pings
 * every ws.ping_ms and closes after ws.lifetime_ms.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "sim/json_in.h"
#include "sim/params.h"
#include "sim/server_int.h"
#include "sim/ws.h"

static bool stream_frame(tl_sim_server_t *s, conn_t *c, uint8_t op,
			 const char *p, size_t n)
{
	uint8_t hdr[10];
	size_t hl = tl_sim_ws_header(op, n, hdr);

	(void)s;
	return tl_sim_srv_append(c, (const char *)hdr, hl) &&
	       tl_sim_srv_append(c, p, n);
}

/* One event to one connection, wrapped in combined mode. */
static void stream_send(tl_sim_server_t *s, conn_t *c, const char *name,
			const char *json, size_t n)
{
	char pre[160];
	uint8_t hdr[10];
	size_t pl, hl;
	int k;

	if (!c->combined) {
		if (!stream_frame(s, c, TL_SIM_WS_OP_TEXT, json, n))
			c->close_after = true;
		return;
	}
	k = snprintf(pre, sizeof pre, "{\"stream\":\"%s\",\"data\":", name);
	pl = (size_t)k + n + 1;
	hl = tl_sim_ws_header(TL_SIM_WS_OP_TEXT, pl, hdr);
	if (!tl_sim_srv_append(c, (const char *)hdr, hl) ||
	    !tl_sim_srv_append(c, pre, (size_t)k) ||
	    !tl_sim_srv_append(c, json, n) || !tl_sim_srv_append(c, "}", 1))
		c->close_after = true;
}

static int stream_symbol(const tl_sim_venue_t *v, const char *name, size_t n)
{
	int i;

	for (i = 0; i < v->cfg->nsym; i++)
		if (strlen(v->cfg->sym[i].name) == n &&
		    strncasecmp(v->cfg->sym[i].name, name, n) == 0)
			return i;
	return -1;
}

/* Subscribe (on) or unsubscribe one stream name. False if unknown. */
static bool stream_sub(tl_sim_server_t *s, conn_t *c, const char *name,
		       bool on)
{
	const tl_sim_venue_t *v = &s->venue;
	const char *at = strchr(name, '@');
	int i, sym;

	for (i = 0; i < v->cfg->nacct; i++) {
		if (v->acct[i].listen_key[0] &&
		    strcmp(v->acct[i].listen_key, name) == 0) {
			if (on) {
				c->acct = i;
				snprintf(c->lkey, sizeof c->lkey, "%s", name);
			} else if (c->acct == i) {
				c->acct = -1;
			}
			return true;
		}
	}
	if (!at || (sym = stream_symbol(v, name, (size_t)(at - name))) < 0)
		return false;
	if (strcasecmp(at, "@markPrice") == 0 || strcasecmp(at, "@markPrice@1s") == 0) {
		bool one = strcasecmp(at, "@markPrice@1s") == 0;
		if (on) {
			c->mark_mask |= 1u << sym;
			if (one)
				c->mark1s_mask |= 1u << sym;
		} else {
			c->mark_mask &= ~(1u << sym);
			c->mark1s_mask &= ~(1u << sym);
		}
		return true;
	}
	if (strcasecmp(at, "@bookTicker") == 0) {
		if (on) {
			c->book_mask |= 1u << sym;
			c->last_bid[sym] = c->last_ask[sym] = -1;
		} else {
			c->book_mask &= ~(1u << sym);
		}
		return true;
	}
	return false;
}

/* Subscribe every '/'-separated name of list[0..n). */
static void stream_sub_list(tl_sim_server_t *s, conn_t *c, const char *list)
{
	char name[128];
	const char *p = list;

	while (*p) {
		size_t n = strcspn(p, "/");
		if (n > 0 && n < sizeof name) {
			memcpy(name, p, n);
			name[n] = '\0';
			stream_sub(s, c, name, true);
		}
		p += n;
		if (*p == '/')
			p++;
	}
}

bool tl_sim_stream_handshake(tl_sim_server_t *s, conn_t *c,
			     const tl_sim_http_req_t *req, int64_t now)
{
	tl_sim_params_t qp;     /* ~17 KiB on the loop thread stack */
	char path[256], accept[29], resp[256];
	const char *p;
	tl_sim_err_t e;
	size_t pl;
	int n;

	if (req->method != TL_SIM_HTTP_GET || !req->upgrade || !req->ws_key ||
	    req->path_len >= sizeof path ||
	    tl_sim_ws_accept(req->ws_key, req->ws_key_len, accept) != 0) {
		static const char bad[] = "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
		c->close_after = true;
		tl_sim_srv_append(c, bad, sizeof bad - 1);
		return tl_sim_srv_flush(s, c);
	}
	memcpy(path, req->path, req->path_len);
	path[req->path_len] = '\0';
	p = path;
	if (!strncmp(p, "/public/", 8) || !strncmp(p, "/market/", 8))
		p += 7;
	else if (!strncmp(p, "/private/", 9))
		p += 8;
	if (tl_sim_params_parse(&qp, req->query, req->query_len, "", 0, &e) != 0)
		qp.n = 0;
	pl = strlen(p);
	if (!strcmp(p, "/ws") || !strcmp(p, "/stream")) {
		const char *v;
		c->combined = p[1] == 's';
		if ((v = tl_sim_params_val(&qp, "listenKey")))
			stream_sub_list(s, c, v);
		if ((v = tl_sim_params_val(&qp, "streams")))
			stream_sub_list(s, c, v);
	} else if (pl > 4 && !strncmp(p, "/ws/", 4)) {
		stream_sub_list(s, c, p + 4);
	} else {
		static const char nf[] = "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
		c->close_after = true;
		tl_sim_srv_append(c, nf, sizeof nf - 1);
		return tl_sim_srv_flush(s, c);
	}
	n = snprintf(resp, sizeof resp,
		     "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
		     "Connection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n", accept);
	tl_sim_srv_append(c, resp, (size_t)n);
	c->kind = CONN_WS;
	s->nws++;
	c->next_ping = now + s->cfg->ws_ping_ms;
	c->expires = now + s->cfg->ws_lifetime_ms;
	c->next_mark = c->next_mark1s = now;
	return true;
}

static void stream_reply(tl_sim_server_t *s, conn_t *c, const char *json)
{
	stream_frame(s, c, TL_SIM_WS_OP_TEXT, json, strlen(json));
}

static void stream_list(tl_sim_server_t *s, conn_t *c, int64_t id)
{
	tl_sim_jw_t w;
	int i;

	tl_sim_jw_init(&w, s->scratch, SCRATCH_CAP);
	tl_sim_jw_obj(&w);
	tl_sim_jw_key(&w, "result");
	tl_sim_jw_arr(&w);
	if (c->acct >= 0)
		tl_sim_jw_str(&w, c->lkey);
	for (i = 0; i < s->venue.cfg->nsym; i++) {
		char b[64], lower[TL_SIM_NAME_LEN];
		size_t k;
		for (k = 0; k + 1 < sizeof lower && s->venue.cfg->sym[i].name[k]; k++)
			lower[k] = (char)(s->venue.cfg->sym[i].name[k] | 0x20);
		lower[k] = '\0';
		if (c->mark_mask & (1u << i)) {
			snprintf(b, sizeof b, "%s@markPrice%s", lower,
				 c->mark1s_mask & (1u << i) ? "@1s" : "");
			tl_sim_jw_str(&w, b);
		}
		if (c->book_mask & (1u << i)) {
			snprintf(b, sizeof b, "%s@bookTicker", lower);
			tl_sim_jw_str(&w, b);
		}
	}
	tl_sim_jw_arr_end(&w);
	tl_sim_jw_kint(&w, "id", id);
	tl_sim_jw_obj_end(&w);
	stream_reply(s, c, s->scratch);
}

/* A JSON control message. */
static void stream_control(tl_sim_server_t *s, conn_t *c, const char *m,
			   size_t n)
{
	tl_sim_jtok_t t[80];
	char method[32], name[128], out[96];
	int64_t id = 0;
	int nt, mi, pi, ii, k, j;
	bool on;

	nt = tl_sim_json_parse(m, n, t, 80);
	if (nt <= 0 || t[0].type != TL_SIM_JT_OBJ) {
		stream_reply(s, c, "{\"code\":3,\"msg\":\"Invalid JSON: expected an object\"}");
		return;
	}
	mi = tl_sim_json_get(m, t, 0, "method");
	ii = tl_sim_json_get(m, t, 0, "id");
	if (mi < 0 || tl_sim_json_text(m, t, mi, method, sizeof method) < 0 ||
	    (ii >= 0 && (!tl_sim_json_int(m, t, ii, &id) || id < 0))) {
		stream_reply(s, c, "{\"code\":2,\"msg\":\"Invalid request: method and unsigned integer id required\"}");
		return;
	}
	if (!strcmp(method, "LIST_SUBSCRIPTIONS")) {
		stream_list(s, c, id);
		return;
	}
	on = !strcmp(method, "SUBSCRIBE");
	if (!on && strcmp(method, "UNSUBSCRIBE") != 0) {
		stream_reply(s, c, "{\"code\":2,\"msg\":\"Invalid request: unknown method\"}");
		return;
	}
	pi = tl_sim_json_get(m, t, 0, "params");
	if (pi < 0 || t[pi].type != TL_SIM_JT_ARR) {
		stream_reply(s, c, "{\"code\":2,\"msg\":\"Invalid request: params must be an array\"}");
		return;
	}
	for (k = 0, j = pi + 1; k < (int)t[pi].size; k++, j = (int)t[j].skip)
		if (tl_sim_json_text(m, t, j, name, sizeof name) > 0)
			stream_sub(s, c, name, on);
	snprintf(out, sizeof out, "{\"result\":null,\"id\":%lld}", (long long)id);
	stream_reply(s, c, out);
}

bool tl_sim_stream_input(tl_sim_server_t *s, conn_t *c, int64_t now)
{
	size_t off = 0;

	(void)now;
	while (off < c->rlen && !c->close_after) {
		tl_sim_ws_frame_t f;
		int rc = tl_sim_ws_parse(c->rbuf + off, c->rlen - off, &f);

		if (rc == 0)
			break;
		if (rc < 0) {
			tl_sim_srv_close(s, c);
			return false;
		}
		off += (size_t)rc;
		switch (f.op) {
		case TL_SIM_WS_OP_TEXT:
			stream_control(s, c, f.payload, f.len);
			break;
		case TL_SIM_WS_OP_PING:
			stream_frame(s, c, TL_SIM_WS_OP_PONG, f.payload, f.len);
			break;
		case TL_SIM_WS_OP_PONG:
			break;
		case TL_SIM_WS_OP_CLOSE:
			stream_frame(s, c, TL_SIM_WS_OP_CLOSE, f.payload, f.len > 2 ? 2 : f.len);
			c->close_after = true;
			break;
		default:
			tl_sim_srv_close(s, c);
			return false;
		}
	}
	memmove(c->rbuf, c->rbuf + off, c->rlen - off);
	c->rlen -= off;
	return tl_sim_srv_flush(s, c);
}

void tl_sim_stream_sink(void *ctx, const tl_sim_event_t *ev)
{
	tl_sim_server_t *s = ctx;
	tl_sim_jw_t w1, w2;
	size_t half = SCRATCH_CAP / 2;
	int i;

	if (s->nws == 0)
		return;
	tl_sim_jw_init(&w1, s->scratch, half);
	tl_sim_jw_init(&w2, s->scratch + half, half);
	switch (ev->type) {
	case TL_SIM_EV_ORDER:
		if (ev->trade)
			tl_sim_ws_trade_lite(&w2, &s->venue, ev);
		tl_sim_ws_order_update(&w1, &s->venue, ev);
		break;
	case TL_SIM_EV_ACCOUNT:
		tl_sim_ws_account_update(&w1, &s->venue, ev);
		break;
	case TL_SIM_EV_ALGO:
		tl_sim_ws_algo_update(&w1, &s->venue, ev);
		break;
	case TL_SIM_EV_CONFIG:
		tl_sim_ws_config_update(&w1, &s->venue, ev);
		break;
	default:
		return;
	}
	for (i = 0; i < s->nconns; i++) {
		conn_t *c = &s->conns[i];
		if (c->fd < 0 || c->kind != CONN_WS || c->acct != ev->acct)
			continue;
		if (w2.len && !w2.overflow)
			stream_send(s, c, c->lkey, w2.buf, w2.len);
		if (!w1.overflow)
			stream_send(s, c, c->lkey, w1.buf, w1.len);
	}
}

static void stream_conn_tick(tl_sim_server_t *s, conn_t *c, int64_t now)
{
	const tl_sim_venue_t *v = &s->venue;
	char name[64];
	tl_sim_jw_t w;
	int i;

	if (now >= c->expires) {
		stream_frame(s, c, TL_SIM_WS_OP_CLOSE, "\x03\xe8", 2);
		c->close_after = true;
		return;
	}
	if (now >= c->next_ping) {
		stream_frame(s, c, TL_SIM_WS_OP_PING, "", 0);
		c->next_ping = now + s->cfg->ws_ping_ms;
	}
	if (c->acct >= 0 && strcmp(v->acct[c->acct].listen_key, c->lkey) != 0) {
		tl_sim_jw_init(&w, s->scratch, SCRATCH_CAP);
		tl_sim_ws_listen_key_expired(&w, c->lkey, now);
		stream_send(s, c, c->lkey, w.buf, w.len);
		c->acct = -1;
	}
	for (i = 0; i < v->cfg->nsym; i++) {
		uint32_t bit = 1u << i;
		bool one = c->mark1s_mask & bit;
		size_t k;

		for (k = 0; k + 1 < 32 && v->cfg->sym[i].name[k]; k++)
			name[k] = (char)(v->cfg->sym[i].name[k] | 0x20);
		name[k] = '\0';
		if ((c->mark_mask & bit) &&
		    now >= (one ? c->next_mark1s : c->next_mark)) {
			tl_sim_jw_init(&w, s->scratch, SCRATCH_CAP);
			tl_sim_ws_mark_price(&w, v, i, now);
			snprintf(name + k, sizeof name - k, "@markPrice%s", one ? "@1s" : "");
			stream_send(s, c, name, w.buf, w.len);
			name[k] = '\0';
		}
		if ((c->book_mask & bit) &&
		    (c->last_bid[i] != v->mkt[i].bid || c->last_ask[i] != v->mkt[i].ask)) {
			c->last_bid[i] = v->mkt[i].bid;
			c->last_ask[i] = v->mkt[i].ask;
			tl_sim_jw_init(&w, s->scratch, SCRATCH_CAP);
			tl_sim_ws_book_ticker(&w, v, i, now, ++s->book_update_id);
			snprintf(name + k, sizeof name - k, "@bookTicker");
			stream_send(s, c, name, w.buf, w.len);
		}
	}
	if (c->mark_mask & ~c->mark1s_mask && now >= c->next_mark)
		c->next_mark = now + 3000;
	if (c->mark1s_mask && now >= c->next_mark1s)
		c->next_mark1s = now + 1000;
}

void tl_sim_stream_tick(tl_sim_server_t *s, int64_t now)
{
	int i;

	if (s->nws == 0)
		return;
	for (i = 0; i < s->nconns; i++) {
		conn_t *c = &s->conns[i];
		if (c->fd < 0 || c->kind != CONN_WS)
			continue;
		stream_conn_tick(s, c, now);
		if (c->wlen > c->woff || c->close_after)
			tl_sim_srv_flush(s, c);
	}
}
