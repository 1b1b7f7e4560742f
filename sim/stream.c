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
 *   /ws/!markPrice@arr@1s  /stream?streams=!markPrice@arr   every symbol
 * plus JSON control frames SUBSCRIBE / UNSUBSCRIBE / LIST_SUBSCRIPTIONS.
 * /ws-fapi/v1 is the WebSocket API: its connections are handed to
 * ws_api.c at the upgrade, and their input and timers go there.
 * Combined mode wraps each event as {"stream":NAME,"data":EVENT}.
 *
 * Per fill the user stream carries TRADE_LITE, ORDER_TRADE_UPDATE
 * (x=TRADE), ACCOUNT_UPDATE (m=ORDER), in that order; NEW / CANCELED /
 * EXPIRED carry ORDER_TRADE_UPDATE only; algo orders ALGO_UPDATE;
 * leverage changes ACCOUNT_CONFIG_UPDATE; when the listenKey lapses or is
 * deleted, listenKeyExpired and nothing more. markPrice every 3 s
 * (@1s: streams.mark_interval_ms, 1 s by default); !markPrice@arr[@1s]
 * on the same timers, one frame holding an array of every symbol's
 * markPriceUpdate; bookTicker when the best bid/ask changes. The
 * server pings every ws.ping_ms and closes after ws.lifetime_ms. Timers
 * use the monotonic clock; event times (E, T) the venue clock, so a fault
 * clock offset shows in the events but does not stall or fire the timers.
 *
 * Stream faults (tl_sim_faults_t stream_*), applied per connection to
 * each event frame (user data and market events; not control replies,
 * pongs, listenKeyExpired or close frames), in this order:
 *   drop    -> the frame is not sent;
 *   dup     -> the frame is sent twice in a row;
 *   reorder -> the frame is held and sent right after the next one
 *              (adjacent swap); alone for 100 ms, it is sent anyway;
 *   delay   -> the frame waits delay + uniform(0..jitter) ms in a FIFO
 *              (a frame never overtakes an earlier one).
 * Draws come from rest.stream_rng (seeded by cfg->seed), so the same
 * seed, subscriptions and requests give the same faults. Forced
 * disconnects and listenKey expiries discard frames still waiting.
 *
 * Market subscriptions are bit sets over the venue's symbols (up to
 * TL_SIM_MAX_SYMBOLS); a tick visits only the words with a bit set.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sim/json_in.h"
#include "sim/params.h"
#include "sim/server_int.h"
#include "sim/ws.h"
#include "sim/ws_api.h"

static bool stream_frame(tl_sim_server_t *s, conn_t *c, uint8_t op,
			 const char *p, size_t n)
{
	uint8_t hdr[10];
	size_t hl = tl_sim_ws_header(op, n, hdr);

	(void)s;
	return tl_sim_srv_append(c, (const char *)hdr, hl) &&
	       tl_sim_srv_append(c, p, n);
}

#define HELD_MAX_MS 100        /* a held (reorder) frame waits at most */
#define SQ_MAX (16u << 20)     /* delayed bytes per connection */

static uint64_t stream_rand(tl_sim_server_t *s)
{
	uint64_t x = s->rest.stream_rng;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	s->rest.stream_rng = x;
	return x * 0x2545F4914F6CDD1DULL;
}

static bool stream_draw(tl_sim_server_t *s, int permille)
{
	return permille > 0 && (int)(stream_rand(s) % 1000) < permille;
}

static bool stream_faulty(const tl_sim_faults_t *f)
{
	return f->stream_drop_permille || f->stream_dup_permille ||
	       f->stream_reorder_permille || f->stream_delay_ms ||
	       f->stream_delay_jitter_ms;
}

static bool buf_put(char **b, size_t *len, size_t *cap, const void *p,
		    size_t n)
{
	if (*len + n > *cap) {
		size_t nc = *cap ? *cap : 4096;
		char *nb;
		while (nc < *len + n)
			nc *= 2;
		if (nc > SQ_MAX || !(nb = realloc(*b, nc)))
			return false;
		*b = nb;
		*cap = nc;
	}
	memcpy(*b + *len, p, n);
	*len += n;
	return true;
}

/* A frame past the reorder stage: straight out, or into the delay FIFO
 * when a delay is set or earlier frames still wait there. */
static void stream_delay(tl_sim_server_t *s, conn_t *c, const char *f,
			 size_t n, int64_t mono)
{
	const tl_sim_faults_t *ft = &s->rest.faults;
	int64_t due;
	uint32_t n32 = (uint32_t)n;

	if (!ft->stream_delay_ms && !ft->stream_delay_jitter_ms &&
	    c->sq_off == c->sq_len) {
		if (!tl_sim_srv_append(c, f, n))
			c->close_after = true;
		return;
	}
	due = mono + ft->stream_delay_ms +
	      (ft->stream_delay_jitter_ms
	       ? (int64_t)(stream_rand(s) % (uint64_t)(ft->stream_delay_jitter_ms + 1)) : 0);
	if (due < c->sq_last_due)
		due = c->sq_last_due;
	c->sq_last_due = due;
	if (!buf_put(&c->sq, &c->sq_len, &c->sq_cap, &due, sizeof due) ||
	    !buf_put(&c->sq, &c->sq_len, &c->sq_cap, &n32, sizeof n32) ||
	    !buf_put(&c->sq, &c->sq_len, &c->sq_cap, f, n))
		c->close_after = true;
}

/* One complete event frame to one connection, through the faults. */
static void stream_out(tl_sim_server_t *s, conn_t *c, const char *f,
		       size_t n)
{
	const tl_sim_faults_t *ft = &s->rest.faults;
	int64_t mono;
	int copies, k;

	if (!stream_faulty(ft) && !c->held_len && c->sq_off == c->sq_len) {
		if (!tl_sim_srv_append(c, f, n))
			c->close_after = true;
		return;
	}
	mono = tl_sim_srv_mono_ms();
	if (stream_draw(s, ft->stream_drop_permille))
		return;
	copies = stream_draw(s, ft->stream_dup_permille) ? 2 : 1;
	for (k = 0; k < copies; k++) {
		if (c->held_len) {
			stream_delay(s, c, f, n, mono);
			stream_delay(s, c, c->held, c->held_len, mono);
			c->held_len = 0;
		} else if (stream_draw(s, ft->stream_reorder_permille)) {
			c->held_len = 0;
			if (!buf_put(&c->held, &c->held_len, &c->held_cap, f, n))
				c->close_after = true;
			c->held_since = mono;
		} else {
			stream_delay(s, c, f, n, mono);
		}
	}
}

/* Release what the faults hold back and is due now. */
static void stream_release(tl_sim_server_t *s, conn_t *c, int64_t mono)
{
	if (c->held_len && mono - c->held_since >= HELD_MAX_MS) {
		size_t n = c->held_len;
		c->held_len = 0;
		stream_delay(s, c, c->held, n, mono);
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
	if (c->sq_off == c->sq_len) {
		c->sq_off = c->sq_len = 0;
	} else if (c->sq_off > c->sq_cap / 2) {
		memmove(c->sq, c->sq + c->sq_off, c->sq_len - c->sq_off);
		c->sq_len -= c->sq_off;
		c->sq_off = 0;
	}
}

/* Drop frames the faults still hold (the connection is closing). */
static void stream_discard(conn_t *c)
{
	c->held_len = 0;
	c->sq_off = c->sq_len = 0;
}

void tl_sim_stream_free(conn_t *c)
{
	free(c->sq);
	free(c->held);
	free(c->last_book);
	c->last_book = NULL;
	c->sq = c->held = NULL;
	c->sq_len = c->sq_off = c->sq_cap = c->held_len = c->held_cap = 0;
}

/* One event to one connection, wrapped in combined mode, through the
 * stream faults. */
static void stream_send(tl_sim_server_t *s, conn_t *c, const char *name,
			const char *json, size_t n)
{
	uint8_t hdr[10];
	size_t hl, pl, k = 0, off;

	if (c->combined)
		k = (size_t)snprintf(s->frame, 160, "{\"stream\":\"%s\",\"data\":", name);
	pl = k + n + (c->combined ? 1 : 0);
	hl = tl_sim_ws_header(TL_SIM_WS_OP_TEXT, pl, hdr);
	if (hl + pl > FRAME_CAP) {
		c->close_after = true;
		return;
	}
	/* header, then the prefix moved behind it, then the event */
	memmove(s->frame + hl, s->frame, k);
	memcpy(s->frame, hdr, hl);
	off = hl + k;
	memcpy(s->frame + off, json, n);
	off += n;
	if (c->combined)
		s->frame[off++] = '}';
	stream_out(s, c, s->frame, off);
}

/* A frame outside the faults (listenKeyExpired): frames the faults still
 * hold go out first, at once. */
static void stream_send_now(tl_sim_server_t *s, conn_t *c, const char *name,
			    const char *json, size_t n)
{
	tl_sim_faults_t saved = s->rest.faults;

	s->rest.faults.stream_drop_permille = 0;
	s->rest.faults.stream_dup_permille = 0;
	s->rest.faults.stream_reorder_permille = 0;
	s->rest.faults.stream_delay_ms = 0;
	s->rest.faults.stream_delay_jitter_ms = 0;
	stream_release(s, c, INT64_MAX); /* flushes held and delayed frames */
	stream_send(s, c, name, json, n);
	s->rest.faults = saved;
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

static bool stream_bit(const uint64_t *set, int i)
{
	return (set[i / 64] >> (i % 64)) & 1;
}

/* Set (on) or clear bit i of set, keeping *n the number of bits set. */
static void stream_bit_put(uint64_t *set, int *n, int i, bool on)
{
	uint64_t b = (uint64_t)1 << (i % 64);

	if (on == stream_bit(set, i))
		return;
	set[i / 64] ^= b;
	*n += on ? 1 : -1;
}

/* Subscribe (on) or unsubscribe one stream name. False if unknown (or,
 * for a first @bookTicker, out of memory). */
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
	if (strcasecmp(name, "!markPrice@arr") == 0) {
		c->arr_mark = on;
		return true;
	}
	if (strcasecmp(name, "!markPrice@arr@1s") == 0) {
		c->arr_mark1s = on;
		return true;
	}
	if (!at || (sym = stream_symbol(v, name, (size_t)(at - name))) < 0)
		return false;
	if (strcasecmp(at, "@markPrice") == 0 || strcasecmp(at, "@markPrice@1s") == 0) {
		bool one = strcasecmp(at, "@markPrice@1s") == 0;
		stream_bit_put(c->mark_set, &c->n_mark, sym, on);
		if (one || !on)
			stream_bit_put(c->mark1s_set, &c->n_mark1s, sym, on);
		return true;
	}
	if (strcasecmp(at, "@bookTicker") == 0) {
		if (on && !c->last_book &&
		    !(c->last_book = malloc(2 * TL_SIM_MAX_SYMBOLS * sizeof *c->last_book)))
			return false;
		if (on)
			c->last_book[2 * sym] = c->last_book[2 * sym + 1] = -1;
		stream_bit_put(c->book_set, &c->n_book, sym, on);
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
	int64_t mono;
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
	if (!strcmp(path, TL_SIM_WS_API_PATH))
		return tl_sim_ws_api_open(s, c, &qp, accept, now);
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
	(void)now;
	mono = tl_sim_srv_mono_ms();
	c->next_ping = mono + s->cfg->ws_ping_ms;
	c->expires = mono + s->cfg->ws_lifetime_ms;
	c->next_mark = c->next_mark1s = mono;
	return true;
}

static void stream_reply(tl_sim_server_t *s, conn_t *c, const char *json)
{
	stream_frame(s, c, TL_SIM_WS_OP_TEXT, json, strlen(json));
}

static void stream_list(tl_sim_server_t *s, conn_t *c, const char *id)
{
	tl_sim_jw_t w;
	int i;

	tl_sim_jw_init(&w, s->scratch, SCRATCH_CAP);
	tl_sim_jw_obj(&w);
	tl_sim_jw_key(&w, "result");
	tl_sim_jw_arr(&w);
	if (c->acct >= 0)
		tl_sim_jw_str(&w, c->lkey);
	if (c->arr_mark)
		tl_sim_jw_str(&w, "!markPrice@arr");
	if (c->arr_mark1s)
		tl_sim_jw_str(&w, "!markPrice@arr@1s");
	for (i = 0; i < s->venue.cfg->nsym; i++) {
		char b[64], lower[TL_SIM_NAME_LEN];
		size_t k;
		for (k = 0; k + 1 < sizeof lower && s->venue.cfg->sym[i].name[k]; k++)
			lower[k] = (char)(s->venue.cfg->sym[i].name[k] | 0x20);
		lower[k] = '\0';
		if (stream_bit(c->mark_set, i)) {
			snprintf(b, sizeof b, "%s@markPrice%s", lower,
				 stream_bit(c->mark1s_set, i) ? "@1s" : "");
			tl_sim_jw_str(&w, b);
		}
		if (stream_bit(c->book_set, i)) {
			snprintf(b, sizeof b, "%s@bookTicker", lower);
			tl_sim_jw_str(&w, b);
		}
	}
	tl_sim_jw_arr_end(&w);
	tl_sim_jw_key(&w, "id");
	tl_sim_jw_raw(&w, id, strlen(id));
	tl_sim_jw_obj_end(&w);
	stream_reply(s, c, s->scratch);
}

/* A JSON control message. */
static void stream_control(tl_sim_server_t *s, conn_t *c, const char *m,
			   size_t n)
{
	tl_sim_jtok_t t[80];
	char method[32], name[128], id[80], out[128];
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
	    !tl_sim_json_id(m, t, ii, id)) {
		stream_reply(s, c, "{\"code\":2,\"msg\":\"Invalid request: method and an unsigned integer or string id required\"}");
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
	snprintf(out, sizeof out, "{\"result\":null,\"id\":%s}", id);
	stream_reply(s, c, out);
}

bool tl_sim_stream_input(tl_sim_server_t *s, conn_t *c, int64_t now)
{
	size_t off = 0;

	if (c->api)
		return tl_sim_ws_api_input(s, c, now);
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

/* Close with a close frame (code, reason); frames still waiting are lost. */
static void stream_kick(tl_sim_server_t *s, conn_t *c, const char *payload,
			size_t n)
{
	stream_discard(c);
	stream_frame(s, c, TL_SIM_WS_OP_CLOSE, payload, n);
	c->close_after = true;
}

/* One !markPrice@arr frame: every listed symbol's markPriceUpdate. */
static void stream_mark_arr(tl_sim_server_t *s, conn_t *c, const char *name,
			    int64_t now)
{
	const tl_sim_venue_t *v = &s->venue;
	tl_sim_jw_t w;
	int i;

	tl_sim_jw_init(&w, s->scratch, SCRATCH_CAP);
	tl_sim_jw_arr(&w);
	for (i = 0; i < v->cfg->nsym; i++)
		tl_sim_ws_mark_price(&w, v, i, now);
	tl_sim_jw_arr_end(&w);
	if (!w.overflow)        /* SCRATCH_CAP holds TL_SIM_MAX_SYMBOLS */
		stream_send(s, c, name, w.buf, w.len);
}

static void stream_conn_tick(tl_sim_server_t *s, conn_t *c, int64_t now,
			     int64_t mono)
{
	const tl_sim_venue_t *v = &s->venue;
	char name[64];
	tl_sim_jw_t w;
	int i;

	if (mono >= c->expires) {
		stream_kick(s, c, "\x03\xe8", 2); /* 1000 */
		return;
	}
	if (c->acct >= 0 && (s->rest.lkey_expired & (1u << c->acct))) {
		/* forced by /sim/faults: listenKeyExpired, then close */
		tl_sim_jw_init(&w, s->scratch, SCRATCH_CAP);
		tl_sim_ws_listen_key_expired(&w, c->lkey, now);
		stream_send_now(s, c, c->lkey, w.buf, w.len);
		c->acct = -1;
		stream_kick(s, c, "\x03\xe8listenKey expired", 19);
		return;
	}
	if (mono >= c->next_ping) {
		stream_frame(s, c, TL_SIM_WS_OP_PING, "", 0);
		c->next_ping = mono + s->cfg->ws_ping_ms;
	}
	if (c->acct >= 0 && strcmp(v->acct[c->acct].listen_key, c->lkey) != 0) {
		tl_sim_jw_init(&w, s->scratch, SCRATCH_CAP);
		tl_sim_ws_listen_key_expired(&w, c->lkey, now);
		stream_send_now(s, c, c->lkey, w.buf, w.len);
		c->acct = -1;
	}
	for (i = 0; i < v->cfg->nsym; i++) {
		bool one = stream_bit(c->mark1s_set, i);
		bool mark = stream_bit(c->mark_set, i);
		bool book = stream_bit(c->book_set, i);
		size_t k;

		if (i % 64 == 0 && !c->mark_set[i / 64] && !c->book_set[i / 64]) {
			i += 63;	/* nothing subscribed in this word */
			continue;
		}
		if (!mark && !book)
			continue;
		for (k = 0; k + 1 < 32 && v->cfg->sym[i].name[k]; k++)
			name[k] = (char)(v->cfg->sym[i].name[k] | 0x20);
		name[k] = '\0';
		if (mark && mono >= (one ? c->next_mark1s : c->next_mark)) {
			tl_sim_jw_init(&w, s->scratch, SCRATCH_CAP);
			tl_sim_ws_mark_price(&w, v, i, now);
			snprintf(name + k, sizeof name - k, "@markPrice%s", one ? "@1s" : "");
			stream_send(s, c, name, w.buf, w.len);
			name[k] = '\0';
		}
		if (book && (c->last_book[2 * i] != v->mkt[i].bid ||
			     c->last_book[2 * i + 1] != v->mkt[i].ask)) {
			c->last_book[2 * i] = v->mkt[i].bid;
			c->last_book[2 * i + 1] = v->mkt[i].ask;
			tl_sim_jw_init(&w, s->scratch, SCRATCH_CAP);
			tl_sim_ws_book_ticker(&w, v, i, now, ++s->book_update_id);
			snprintf(name + k, sizeof name - k, "@bookTicker");
			stream_send(s, c, name, w.buf, w.len);
		}
	}
	if (c->arr_mark && mono >= c->next_mark)
		stream_mark_arr(s, c, "!markPrice@arr", now);
	if (c->arr_mark1s && mono >= c->next_mark1s)
		stream_mark_arr(s, c, "!markPrice@arr@1s", now);
	/* fixed rate: the next push is one interval after the last due time,
	 * or one interval from now after a stall */
	if ((c->n_mark > c->n_mark1s || c->arr_mark) && mono >= c->next_mark) {
		c->next_mark += 3000;
		if (c->next_mark <= mono)
			c->next_mark = mono + 3000;
	}
	if ((c->n_mark1s || c->arr_mark1s) && mono >= c->next_mark1s) {
		c->next_mark1s += s->cfg->mark_interval_ms;
		if (c->next_mark1s <= mono)
			c->next_mark1s = mono + s->cfg->mark_interval_ms;
	}
	stream_release(s, c, mono);
}

/* stream_disconnect_every_ms: due now? (re-armed when the period changes) */
static bool stream_disconnect_due(tl_sim_server_t *s, int64_t mono)
{
	int64_t every = s->rest.faults.stream_disconnect_every_ms;

	if (every != s->disconnect_every) {
		s->disconnect_every = every;
		s->next_disconnect = every > 0 ? mono + every : 0;
	}
	if (!s->next_disconnect || mono < s->next_disconnect)
		return false;
	s->next_disconnect = mono + every;
	return true;
}

void tl_sim_stream_tick(tl_sim_server_t *s, int64_t now)
{
	int64_t mono = tl_sim_srv_mono_ms();
	bool kick = stream_disconnect_due(s, mono) || s->rest.stream_disconnect;
	int i;

	s->rest.stream_disconnect = false;
	if (s->rest.ws_api_down_ms) {
		s->rest.ws_api_down_until = s->rest.ws_api_down_ms > 0
			? mono + s->rest.ws_api_down_ms : 0;
		s->rest.ws_api_down_ms = 0;
	}
	if (s->nws == 0) {
		s->rest.lkey_expired = 0;
		return;
	}
	for (i = 0; i < s->nconns; i++) {
		conn_t *c = &s->conns[i];
		if (c->fd < 0 || c->kind != CONN_WS)
			continue;
		if (c->api && mono < s->rest.ws_api_down_until) {
			tl_sim_srv_close(s, c);	/* an outage: no close frame */
			continue;
		}
		if (c->api)	/* stream faults are not the API's */
			tl_sim_ws_api_tick(s, c, now, mono);
		else if (kick)
			stream_kick(s, c, "\x03\xe9" "forced disconnect", 19); /* 1001 */
		else
			stream_conn_tick(s, c, now, mono);
		if (c->wlen > c->woff || c->close_after)
			tl_sim_srv_flush(s, c);
	}
	s->rest.lkey_expired = 0;
}

int tl_sim_stream_next_ms(tl_sim_server_t *s, int cap)
{
	int64_t mono, next;
	int i;

	if (s->nws == 0)
		return cap;
	mono = tl_sim_srv_mono_ms();
	next = mono + cap;
	if (s->next_disconnect && s->next_disconnect < next)
		next = s->next_disconnect;
	for (i = 0; i < s->nconns; i++) {
		const conn_t *c = &s->conns[i];
		if (c->fd < 0 || c->kind != CONN_WS)
			continue;
		if ((c->n_mark1s || c->arr_mark1s) && c->next_mark1s < next)
			next = c->next_mark1s;
		if (c->held_len && c->held_since + HELD_MAX_MS < next)
			next = c->held_since + HELD_MAX_MS;
		if (c->sq_off < c->sq_len) {
			int64_t due;
			memcpy(&due, c->sq + c->sq_off, sizeof due);
			if (due < next)
				next = due;
		}
	}
	return next <= mono ? 0 : (int)(next - mono);
}
