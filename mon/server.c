/*
 * server.c - `talon monitor`'s HTTP server (see server.h).
 *
 * Divided into: the listen address; the access checks (token, Host);
 * the answers (one per path, each written whole into a memory stream
 * before its first byte is sent); the libwebsockets callback that sends
 * them; start, run, free.
 *
 * One thread runs everything (lws_service), so the block, the snapshot
 * copy and the journal connection need no lock. A 200 ms timer keeps
 * the loop turning for the stop flag and watches the engine come and
 * go (one line on stderr per change).
 */
#define _GNU_SOURCE
#include "mon/server.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libwebsockets.h>

#include "kernel/strat.h"
#include "kernel/types.h"
#include "mon/events.h"
#include "mon/metrics.h"
#include "mon/snapjson.h"
#include "mon/web.h"
#include "runtime/clock.h"

#define MON_CHUNK 8192                 /* body bytes per writeable callback */
#define MON_TICK_US (200 * LWS_US_PER_MS)
#define MON_WATCH_TICKS 5              /* engine up/down check: every second */
#define MON_ARG_MAX 64                 /* one query argument, name=value */
#define MON_AUTH_MAX (7 + TL_CFG_TOKEN_MAX + 1)   /* "Bearer " token NUL */

#define MON_CT_JSON "application/json"
#define MON_CT_PROM "text/plain; version=0.0.4; charset=utf-8"
#define MON_CT_HTML "text/html; charset=utf-8"
#define MON_CT_TEXT "text/plain; charset=utf-8"

struct tl_mon {
	lws_sorted_usec_list_t sul;    /* the tick; first (mon_tick casts) */
	tl_mon_cfg_t cfg;
	char auth[MON_AUTH_MAX];       /* "Bearer <token>", "" without one */
	size_t auth_len;
	char ip[INET_ADDRSTRLEN];
	int port;
	struct lws_context *ctx;
	const tl_shm_t *shm;           /* mapped read-only; NULL: none yet */
	tl_shm_snapshot_t *sn;         /* copy of the snapshot being answered */
	tl_mon_events_t *events;       /* NULL without journal.path */
	unsigned ticks;
	int watched;                   /* last state logged: -1 none, 0 down, 1 up */
};

/* One connection's answer in flight. */
typedef struct mon_pss {
	char *body;
	size_t len, off;
	unsigned status;
	const char *ctype;
	const char *extra_name, *extra_value;  /* one more header, or NULL */
	bool head;                     /* HEAD: headers only */
	bool hdr_done;
	bool close_after;              /* close instead of keep-alive */
} mon_pss_t;

/* ---- listen address ---------------------------------------------------- */

int tl_mon_parse_listen(const char *s, char *ip, size_t iplen, int *port,
			bool *loopback, char *err, size_t errlen)
{
	const char *colon = strrchr(s, ':');
	char host[TL_CFG_LISTEN_MAX];
	struct in_addr a;
	long p = 0;

	if (!colon || colon == s || (size_t)(colon - s) >= sizeof host || !colon[1] ||
	    strlen(colon + 1) > 5) {
		snprintf(err, errlen, "'%.70s' is not HOST:PORT (an IPv4 address or "
			 "localhost, then a port 0-65535)", s);
		return -1;
	}
	memcpy(host, s, (size_t)(colon - s));
	host[colon - s] = '\0';
	for (const char *c = colon + 1; *c; c++) {
		if (*c < '0' || *c > '9') {
			snprintf(err, errlen, "'%.70s': the port is not a number 0-65535", s);
			return -1;
		}
		p = p * 10 + (*c - '0');
	}
	if (p > 65535) {
		snprintf(err, errlen, "'%.70s': the port is not a number 0-65535", s);
		return -1;
	}
	if (!strcmp(host, "localhost"))
		snprintf(host, sizeof host, "127.0.0.1");
	if (inet_pton(AF_INET, host, &a) != 1) {
		snprintf(err, errlen, "'%.70s': '%.40s' is not an IPv4 address or localhost",
			 s, host);
		return -1;
	}
	if (!inet_ntop(AF_INET, &a, ip, (socklen_t)iplen)) {
		snprintf(err, errlen, "'%.70s': address does not fit", s);
		return -1;
	}
	*port = (int)p;
	*loopback = (ntohl(a.s_addr) >> 24) == 127;
	return 0;
}

/* ---- access ------------------------------------------------------------- */

/* Equal in time that depends only on the expected length: every byte of
 * `want` is looked at whatever `got` holds. */
static bool mon_ct_equal(const char *got, size_t got_len, const char *want,
			 size_t want_len)
{
	unsigned char d = got_len != want_len;

	for (size_t i = 0; i < want_len; i++)
		d |= (unsigned char)want[i] ^ (unsigned char)(i < got_len ? got[i] : 0);
	return d == 0;
}

static bool mon_authorized(tl_mon_t *m, struct lws *wsi)
{
	char got[MON_AUTH_MAX];
	int n;
	bool ok;

	if (!m->auth_len)
		return true;
	n = lws_hdr_copy(wsi, got, (int)sizeof got, WSI_TOKEN_HTTP_AUTHORIZATION);
	ok = n > 0 && mon_ct_equal(got, (size_t)n, m->auth, m->auth_len);
	explicit_bzero(got, sizeof got);
	return ok;
}

/* Without a token the loopback is the only protection, and a browser
 * obeys DNS: a page on evil.example whose name later resolves to
 * 127.0.0.1 would be same-origin with this server. Its requests carry
 * Host: evil.example, so only loopback names and the bound address pass.
 * No Host at all (an HTTP/1.0 client, not a browser) passes. */
static bool mon_host_ok(const tl_mon_t *m, struct lws *wsi)
{
	char host[128];
	struct in_addr a;
	int n;

	if (m->auth_len || lws_hdr_total_length(wsi, WSI_TOKEN_HOST) <= 0)
		return true;
	n = lws_hdr_copy(wsi, host, (int)sizeof host, WSI_TOKEN_HOST);
	if (n <= 0)
		return false;
	if (host[0] == '[') {
		char *close = strchr(host, ']');
		if (!close)
			return false;
		close[1] = '\0';
		return !strcmp(host, "[::1]");
	}
	char *colon = strchr(host, ':');
	if (colon)
		*colon = '\0';
	if (!strcasecmp(host, "localhost") || !strcmp(host, m->ip))
		return true;
	return inet_pton(AF_INET, host, &a) == 1 && (ntohl(a.s_addr) >> 24) == 127;
}

/* ---- answers ------------------------------------------------------------ */

/* An answer built in a memory stream. */
typedef struct mon_out {
	FILE *f;
	char *buf;
	size_t len;
} mon_out_t;

static bool mon_out_open(mon_out_t *o)
{
	o->buf = NULL;
	o->len = 0;
	o->f = open_memstream(&o->buf, &o->len);
	return o->f != NULL;
}

/* Close the stream and hand its bytes to the connection. */
static void mon_out_give(mon_out_t *o, mon_pss_t *pss, unsigned status,
			 const char *ctype)
{
	if (fclose(o->f) != 0) {
		free(o->buf);
		o->buf = NULL;
		o->len = 0;
		status = HTTP_STATUS_INTERNAL_SERVER_ERROR;
	}
	pss->body = o->buf;
	pss->len = o->len;
	pss->status = status;
	pss->ctype = ctype;
}

/* {"error":"<message>"} with status. */
static void mon_error(mon_pss_t *pss, unsigned status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void mon_error(mon_pss_t *pss, unsigned status, const char *fmt, ...)
{
	char msg[512];
	mon_out_t o;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (!mon_out_open(&o)) {
		pss->status = HTTP_STATUS_INTERNAL_SERVER_ERROR;
		pss->ctype = MON_CT_JSON;
		return;
	}
	fputs("{\"error\":", o.f);
	tl_snapjson_str(o.f, msg);
	fputs("}\n", o.f);
	mon_out_give(&o, pss, status, MON_CT_JSON);
}

/*
 * The engine's block, attached afresh when there is none or its engine
 * looks dead (a restarted engine has a new block under the same name).
 * NULL with why set when there is no block; else *alive and why as
 * tl_shm_alive says.
 */
static const tl_shm_t *mon_attach(tl_mon_t *m, bool *alive, char *why, size_t whylen)
{
	int64_t now = tl_clock_realtime_ns();

	if (m->shm && !tl_shm_alive(m->shm, now, why, whylen)) {
		tl_shm_detach_ro(m->shm);
		m->shm = NULL;
	}
	if (!m->shm && tl_shm_attach_ro(m->cfg.engine, &m->shm, why, whylen) != 0)
		return NULL;
	*alive = tl_shm_alive(m->shm, now, why, whylen);
	if (*alive)
		why[0] = '\0';
	return m->shm;
}

/* The snapshot of a block into m->sn; false (503 given) when it kept
 * changing under the reader. */
static bool mon_snapshot(tl_mon_t *m, const tl_shm_t *s, mon_pss_t *pss)
{
	if (!tl_shm_read_snapshot(s, m->sn)) {
		mon_error(pss, HTTP_STATUS_SERVICE_UNAVAILABLE, "engine '%s': the status "
			  "snapshot kept changing while being read; try again",
			  m->cfg.engine);
		return false;
	}
	if (m->sn->published == 0)
		m->sn->state = atomic_load(&s->state);
	return true;
}

static void mon_status(tl_mon_t *m, mon_pss_t *pss)
{
	char why[256];
	const tl_shm_t *s;
	bool alive;
	mon_out_t o;

	if (!(s = mon_attach(m, &alive, why, sizeof why))) {
		mon_error(pss, HTTP_STATUS_SERVICE_UNAVAILABLE, "engine '%s' is not "
			  "running: %s", m->cfg.engine, why);
		return;
	}
	if (!mon_snapshot(m, s, pss))
		return;
	if (!mon_out_open(&o)) {
		mon_error(pss, HTTP_STATUS_INTERNAL_SERVER_ERROR, "out of memory");
		return;
	}
	/* a block whose engine died still says what it last was, as ctl
	 * status does ("alive": false, "not_running": why) */
	tl_snapjson_status(o.f, m->cfg.engine, s, m->sn, alive, why,
			   tl_clock_realtime_ns());
	mon_out_give(&o, pss, HTTP_STATUS_OK, MON_CT_JSON);
}

/* A running engine's block (503 given otherwise). */
static const tl_shm_t *mon_running(tl_mon_t *m, mon_pss_t *pss)
{
	char why[256];
	const tl_shm_t *s;
	bool alive;

	s = mon_attach(m, &alive, why, sizeof why);
	if (!s || !alive) {
		mon_error(pss, HTTP_STATUS_SERVICE_UNAVAILABLE, "engine '%s' is not "
			  "running: %s", m->cfg.engine, why);
		return NULL;
	}
	return s;
}

/* ?symbol=S: ctl's --symbol rule (1-23 of A-Z 0-9, lower case raised). */
static bool mon_symbol_arg(const char *v, char out[TL_SYMBOL_NAMELEN])
{
	size_t n = strlen(v);

	if (n == 0 || n >= TL_SYMBOL_NAMELEN)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = v[i];
		if (c >= 'a' && c <= 'z')
			c = (char)(c - 'a' + 'A');
		if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')))
			return false;
		out[i] = c;
	}
	out[n] = '\0';
	return true;
}

/* Query arguments of this request, each "name=value" (lws has decoded
 * them): calls fn for each; false (400 given) when one is too long or fn
 * refused it. */
typedef bool (*mon_arg_fn)(tl_mon_t *m, mon_pss_t *pss, const char *name,
			   const char *value, void *ctx);

static bool mon_args(tl_mon_t *m, struct lws *wsi, mon_pss_t *pss, mon_arg_fn fn,
		     void *ctx)
{
	char arg[MON_ARG_MAX];

	for (int i = 0;; i++) {
		int n = lws_hdr_fragment_length(wsi, WSI_TOKEN_HTTP_URI_ARGS, i);

		if (n <= 0)
			return true;
		if (n >= (int)sizeof arg ||
		    lws_hdr_copy_fragment(wsi, arg, (int)sizeof arg,
					  WSI_TOKEN_HTTP_URI_ARGS, i) < 0) {
			mon_error(pss, HTTP_STATUS_BAD_REQUEST, "query argument %d is "
				  "longer than %d bytes", i + 1, MON_ARG_MAX - 1);
			return false;
		}
		char *eq = strchr(arg, '=');
		if (eq)
			*eq = '\0';
		if (!fn(m, pss, arg, eq ? eq + 1 : NULL, ctx))
			return false;
	}
}

/* Endpoints without arguments refuse any (a typo is not ignored). */
static bool mon_no_args(tl_mon_t *m, mon_pss_t *pss, const char *name,
			const char *value, void *ctx)
{
	(void)m;
	(void)value;
	(void)ctx;
	mon_error(pss, HTTP_STATUS_BAD_REQUEST, "unknown query argument '%.40s' "
		  "(this path takes none)", name);
	return false;
}

typedef struct mon_orders_q {
	char sym[TL_SYMBOL_NAMELEN];
	char tag[TL_STRAT_LEN];
} mon_orders_q_t;

static bool mon_orders_arg(tl_mon_t *m, mon_pss_t *pss, const char *name,
			   const char *value, void *ctx)
{
	mon_orders_q_t *q = ctx;

	(void)m;
	if (!strcmp(name, "symbol")) {
		if (!value || q->sym[0] || !mon_symbol_arg(value, q->sym)) {
			mon_error(pss, HTTP_STATUS_BAD_REQUEST, "symbol: expected one "
				  "symbol of 1-%d characters A-Z 0-9", TL_SYMBOL_NAMELEN - 1);
			return false;
		}
		return true;
	}
	if (!strcmp(name, "strategy")) {
		if (!value || q->tag[0] || !tl_strat_valid(value)) {
			mon_error(pss, HTTP_STATUS_BAD_REQUEST, "strategy: expected one "
				  "tag of 1-%d printable characters without spaces or "
				  "quotes", TL_STRAT_LEN - 1);
			return false;
		}
		snprintf(q->tag, sizeof q->tag, "%s", value);
		return true;
	}
	mon_error(pss, HTTP_STATUS_BAD_REQUEST, "unknown query argument '%.40s' "
		  "(symbol, strategy)", name);
	return false;
}

static void mon_orders(tl_mon_t *m, struct lws *wsi, mon_pss_t *pss)
{
	mon_orders_q_t q = { "", "" };
	const tl_shm_t *s;
	mon_out_t o;

	if (!mon_args(m, wsi, pss, mon_orders_arg, &q))
		return;
	if (!(s = mon_running(m, pss)) || !mon_snapshot(m, s, pss))
		return;
	if (!mon_out_open(&o)) {
		mon_error(pss, HTTP_STATUS_INTERNAL_SERVER_ERROR, "out of memory");
		return;
	}
	tl_snapjson_orders(o.f, m->cfg.engine, (int)atomic_load(&s->pid), m->sn, q.sym,
			   q.tag);
	mon_out_give(&o, pss, HTTP_STATUS_OK, MON_CT_JSON);
}

typedef struct mon_events_q {
	int64_t since, limit, tail;
	bool have_since, have_limit, have_tail;
} mon_events_q_t;

static bool mon_events_arg(tl_mon_t *m, mon_pss_t *pss, const char *name,
			   const char *value, void *ctx)
{
	mon_events_q_t *q = ctx;

	(void)m;
	if (!strcmp(name, "since")) {
		if (q->have_since || !value ||
		    tl_mon_events_parse_u63(value, INT64_MAX, &q->since) < 0) {
			mon_error(pss, HTTP_STATUS_BAD_REQUEST, "since: expected one event "
				  "id, a whole number >= 0 (the \"next\" of the last answer)");
			return false;
		}
		q->have_since = true;
		return true;
	}
	if (!strcmp(name, "tail")) {
		if (q->have_tail || !value ||
		    tl_mon_events_parse_u63(value, TL_MON_EVENTS_LIMIT_MAX, &q->tail) < 0 ||
		    q->tail < 1) {
			mon_error(pss, HTTP_STATUS_BAD_REQUEST, "tail: expected one whole "
				  "number 1-%d (the newest events)", TL_MON_EVENTS_LIMIT_MAX);
			return false;
		}
		q->have_tail = true;
		return true;
	}
	if (!strcmp(name, "limit")) {
		if (q->have_limit || !value ||
		    tl_mon_events_parse_u63(value, TL_MON_EVENTS_LIMIT_MAX, &q->limit) < 0 ||
		    q->limit < 1) {
			mon_error(pss, HTTP_STATUS_BAD_REQUEST, "limit: expected one whole "
				  "number 1-%d", TL_MON_EVENTS_LIMIT_MAX);
			return false;
		}
		q->have_limit = true;
		return true;
	}
	mon_error(pss, HTTP_STATUS_BAD_REQUEST, "unknown query argument '%.40s' "
		  "(since, limit, tail)", name);
	return false;
}

static void mon_events(tl_mon_t *m, struct lws *wsi, mon_pss_t *pss)
{
	mon_events_q_t q = { .since = 0, .limit = TL_MON_EVENTS_LIMIT };
	char err[512];
	mon_out_t o;

	if (!mon_args(m, wsi, pss, mon_events_arg, &q))
		return;
	if (q.have_tail && (q.have_since || q.have_limit)) {
		mon_error(pss, HTTP_STATUS_BAD_REQUEST, "tail: not with since or limit "
			  "(tail=N is the newest N events; then page on with since=next)");
		return;
	}
	if (q.have_tail) {
		q.since = -1;
		q.limit = q.tail;
	}
	if (!m->events) {
		mon_error(pss, HTTP_STATUS_NOT_FOUND, "no journal: journal.path "
			  "is not set in the config, so there are no events to show");
		return;
	}
	if (!mon_out_open(&o)) {
		mon_error(pss, HTTP_STATUS_INTERNAL_SERVER_ERROR, "out of memory");
		return;
	}
	if (tl_mon_events_json(m->events, o.f, q.since, (int)q.limit, err, sizeof err) < 0) {
		fclose(o.f);
		free(o.buf);
		mon_error(pss, HTTP_STATUS_SERVICE_UNAVAILABLE, "%s", err);
		return;
	}
	mon_out_give(&o, pss, HTTP_STATUS_OK, MON_CT_JSON);
}

static void mon_metrics(tl_mon_t *m, mon_pss_t *pss)
{
	const tl_shm_t *s;
	mon_out_t o;

	if (!(s = mon_running(m, pss)) || !mon_snapshot(m, s, pss))
		return;
	if (!mon_out_open(&o)) {
		mon_error(pss, HTTP_STATUS_INTERNAL_SERVER_ERROR, "out of memory");
		return;
	}
	if (tl_mon_metrics_write(o.f, s, m->sn, tl_clock_realtime_ns()) < 0) {
		fclose(o.f);
		free(o.buf);
		mon_error(pss, HTTP_STATUS_INTERNAL_SERVER_ERROR,
			  "writing the metrics failed");
		return;
	}
	mon_out_give(&o, pss, HTTP_STATUS_OK, MON_CT_PROM);
}

static void mon_index(mon_pss_t *pss)
{
	size_t n = (size_t)(tl_mon_web_index_end - tl_mon_web_index);
	mon_out_t o;

	if (!mon_out_open(&o)) {
		mon_error(pss, HTTP_STATUS_INTERNAL_SERVER_ERROR, "out of memory");
		return;
	}
	fwrite(tl_mon_web_index, 1, n, o.f);
	mon_out_give(&o, pss, HTTP_STATUS_OK, MON_CT_HTML);
}

/* The request's method: GET, HEAD, or another one (NULL). */
static const char *mon_method(struct lws *wsi)
{
	if (lws_hdr_total_length(wsi, WSI_TOKEN_GET_URI) > 0)
		return "GET";
	if (lws_hdr_total_length(wsi, WSI_TOKEN_HEAD_URI) > 0)
		return "HEAD";
	return NULL;
}

/* Build the whole answer to one request into pss. */
static void mon_answer(tl_mon_t *m, struct lws *wsi, mon_pss_t *pss, const char *path)
{
	const char *method = mon_method(wsi);

	if (!mon_authorized(m, wsi)) {
		pss->extra_name = "www-authenticate:";
		pss->extra_value = "Bearer realm=\"talon monitor\"";
		pss->close_after = true;
		mon_error(pss, HTTP_STATUS_UNAUTHORIZED, "this monitor needs "
			  "\"Authorization: Bearer <monitor.token>\"");
		return;
	}
	if (!mon_host_ok(m, wsi)) {
		pss->close_after = true;
		mon_error(pss, HTTP_STATUS_FORBIDDEN, "the Host header must name "
			  "the loopback (localhost, 127.0.0.1) when no monitor.token "
			  "is set");
		return;
	}
	if (!method) {
		pss->extra_name = "allow:";
		pss->extra_value = "GET, HEAD";
		pss->close_after = true;
		mon_error(pss, HTTP_STATUS_METHOD_NOT_ALLOWED, "read only: GET "
			  "and HEAD are the only methods");
		return;
	}
	pss->head = !strcmp(method, "HEAD");
	if (!strcmp(path, "/api/status")) {
		if (mon_args(m, wsi, pss, mon_no_args, NULL))
			mon_status(m, pss);
	} else if (!strcmp(path, "/api/orders")) {
		mon_orders(m, wsi, pss);
	} else if (!strcmp(path, "/api/events")) {
		mon_events(m, wsi, pss);
	} else if (!strcmp(path, "/metrics")) {
		if (mon_args(m, wsi, pss, mon_no_args, NULL))
			mon_metrics(m, pss);
	} else if (!strcmp(path, "/") || !strcmp(path, "/index.html")) {
		mon_index(pss);
	} else {
		mon_error(pss, HTTP_STATUS_NOT_FOUND, "no such path (/, /api/status, "
			  "/api/orders, /api/events, /metrics)");
	}
}

/* ---- sending ------------------------------------------------------------ */

static void mon_pss_reset(mon_pss_t *pss)
{
	free(pss->body);
	memset(pss, 0, sizeof *pss);
}

/* Headers first, then the body MON_CHUNK at a time, one piece per
 * writeable callback. 0 to go on, -1 to close the connection. */
static int mon_send(struct lws *wsi, mon_pss_t *pss)
{
	unsigned char buf[LWS_PRE + MON_CHUNK];
	unsigned char *start = buf + LWS_PRE, *p = start, *end = buf + sizeof buf - 1;

	if (!pss->hdr_done) {
		if (lws_add_http_common_headers(wsi, pss->status, pss->ctype,
						(lws_filepos_t)pss->len, &p, end) ||
		    lws_add_http_header_by_name(wsi, (const unsigned char *)"cache-control:",
						(const unsigned char *)"no-store", 8, &p, end) ||
		    lws_add_http_header_by_name(wsi,
						(const unsigned char *)"x-content-type-options:",
						(const unsigned char *)"nosniff", 7, &p, end))
			return -1;
		if (pss->extra_name &&
		    lws_add_http_header_by_name(wsi, (const unsigned char *)pss->extra_name,
						(const unsigned char *)pss->extra_value,
						(int)strlen(pss->extra_value), &p, end))
			return -1;
		if (lws_finalize_write_http_header(wsi, start, &p, end))
			return -1;
		pss->hdr_done = true;
		if (pss->head || pss->len == 0)
			goto done;
		lws_callback_on_writable(wsi);
		return 0;
	}
	size_t n = pss->len - pss->off;
	if (n > MON_CHUNK)
		n = MON_CHUNK;
	memcpy(start, pss->body + pss->off, n);
	pss->off += n;
	bool final = pss->off == pss->len;
	if (lws_write(wsi, start, n, final ? LWS_WRITE_HTTP_FINAL : LWS_WRITE_HTTP) != (int)n)
		return -1;
	if (!final) {
		lws_callback_on_writable(wsi);
		return 0;
	}
done:
	/* HEAD announced a length it did not send, and a refused request
	 * may have a body nobody read: both end the connection. */
	if (pss->close_after || pss->head) {
		mon_pss_reset(pss);
		return -1;
	}
	mon_pss_reset(pss);
	return lws_http_transaction_completed(wsi) ? -1 : 0;
}

static int mon_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user,
			void *in, size_t len)
{
	mon_pss_t *pss = user;
	tl_mon_t *m = lws_context_user(lws_get_context(wsi));

	switch (reason) {
	case LWS_CALLBACK_HTTP:
		mon_pss_reset(pss);
		mon_answer(m, wsi, pss, in ? (const char *)in : "");
		lws_callback_on_writable(wsi);
		return 0;
	case LWS_CALLBACK_HTTP_BODY:
	case LWS_CALLBACK_HTTP_BODY_COMPLETION:
		return 0;	/* a body is never read: only GET and HEAD are served */
	case LWS_CALLBACK_HTTP_WRITEABLE:
		if (!pss->status)
			return 0;
		return mon_send(wsi, pss);
	case LWS_CALLBACK_CLOSED_HTTP:
	case LWS_CALLBACK_HTTP_DROP_PROTOCOL:
		if (pss)
			mon_pss_reset(pss);
		return 0;
	default:
		break;
	}
	return lws_callback_http_dummy(wsi, reason, user, in, len);
}

static const struct lws_protocols mon_protocols[] = {
	{ "http", mon_callback, sizeof(mon_pss_t), 0, 0, NULL, 0 },
	{ NULL, NULL, 0, 0, 0, NULL, 0 },
};

/* ---- the tick: stop flag, engine watch ----------------------------------- */

static void mon_watch(tl_mon_t *m)
{
	char why[256];
	bool alive = false;
	const tl_shm_t *s = mon_attach(m, &alive, why, sizeof why);
	int now = s && alive;

	if (now == m->watched)
		return;
	if (now)
		fprintf(stderr, "monitor: engine '%s' is running (pid %d)\n", m->cfg.engine,
			(int)atomic_load(&s->pid));
	else
		fprintf(stderr, "monitor: engine '%s' is not running: %s (answering 503 "
			"until it is)\n", m->cfg.engine, why);
	m->watched = now;
}

static void mon_tick(lws_sorted_usec_list_t *sul)
{
	tl_mon_t *m = (tl_mon_t *)(void *)sul;

	if (m->ticks++ % MON_WATCH_TICKS == 0)
		mon_watch(m);
	lws_sul_schedule(m->ctx, 0, &m->sul, mon_tick, MON_TICK_US);
}

/* ---- start, run, free ------------------------------------------------------ */

/* lws's own errors and warnings, on stderr; the last error is kept for
 * the start-up message. lws never sees the token (it is compared here). */
static char mon_lws_err[200];

static void mon_lws_log(int level, const char *line)
{
	size_t n = strcspn(line, "\n");

	if (level == LLL_ERR)
		snprintf(mon_lws_err, sizeof mon_lws_err, "%.*s", (int)n, line);
	fprintf(stderr, "monitor: lws: %.*s\n", (int)n, line);
}

int tl_mon_start(tl_mon_t **out, const tl_mon_cfg_t *cfg, char *err, size_t errlen)
{
	struct lws_context_creation_info info;
	char why[160];
	bool loopback;
	tl_mon_t *m;

	*out = NULL;
	m = calloc(1, sizeof *m);
	if (!m || !(m->sn = malloc(sizeof *m->sn))) {
		free(m);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	m->cfg = *cfg;
	m->watched = -1;
	if (tl_mon_parse_listen(cfg->listen, m->ip, sizeof m->ip, &m->port, &loopback,
				why, sizeof why) < 0) {
		snprintf(err, errlen, "monitor.listen: %s", why);
		goto fail;
	}
	if (!loopback && !cfg->token[0]) {
		snprintf(err, errlen, "refusing to listen on %s, which is not a loopback "
			 "address, without a token: set monitor.token in the config or "
			 "TALON_MONITOR_TOKEN (then every request needs \"Authorization: "
			 "Bearer <token>\"), or listen on 127.0.0.1", cfg->listen);
		goto fail;
	}
	if (cfg->token[0]) {
		int n = snprintf(m->auth, sizeof m->auth, "Bearer %s", cfg->token);
		if (n < 0 || (size_t)n >= sizeof m->auth) {
			snprintf(err, errlen, "monitor.token: longer than %d characters",
				 TL_CFG_TOKEN_MAX);
			goto fail;
		}
		m->auth_len = (size_t)n;
	}
	if (cfg->journal[0] && !(m->events = tl_mon_events_new(cfg->journal))) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	lws_set_log_level(LLL_ERR | LLL_WARN, mon_lws_log);
	memset(&info, 0, sizeof info);
	info.port = m->port;
	info.iface = m->ip;
	info.protocols = mon_protocols;
	info.options = LWS_SERVER_OPTION_DISABLE_IPV6;
	info.server_string = "talon-monitor";
	info.user = m;
	info.gid = -1;
	info.uid = -1;
	info.timeout_secs = 10;
	info.keepalive_timeout = 10;
	mon_lws_err[0] = '\0';
	m->ctx = lws_create_context(&info);
	struct lws_vhost *vh = m->ctx ? lws_get_vhost_by_name(m->ctx, "default") : NULL;
	if (!vh || lws_get_vhost_listen_port(vh) <= 0) {
		snprintf(err, errlen, "cannot listen on %s:%d%s%s", m->ip, m->port,
			 mon_lws_err[0] ? ": " : " (address in use or not this host's?)",
			 mon_lws_err);
		goto fail;
	}
	m->port = lws_get_vhost_listen_port(vh);
	lws_sul_schedule(m->ctx, 0, &m->sul, mon_tick, 1);
	*out = m;
	return 0;
fail:
	tl_mon_free(m);
	return -1;
}

const char *tl_mon_ip(const tl_mon_t *m)
{
	return m->ip;
}

int tl_mon_port(const tl_mon_t *m)
{
	return m->port;
}

void tl_mon_run(tl_mon_t *m, const volatile sig_atomic_t *stop)
{
	while (!*stop)
		if (lws_service(m->ctx, 0) < 0)
			break;
}

void tl_mon_free(tl_mon_t *m)
{
	if (!m)
		return;
	if (m->ctx)
		lws_context_destroy(m->ctx);
	tl_shm_detach_ro(m->shm);
	tl_mon_events_free(m->events);
	explicit_bzero(m->auth, sizeof m->auth);
	explicit_bzero(m->cfg.token, sizeof m->cfg.token);
	free(m->sn);
	free(m);
}
