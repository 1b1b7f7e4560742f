/*
 * binance_stream.c - Binance USD-M user data and mark price streams over
 * libwebsockets on the STREAM thread (see binance_stream.h).
 *
 * Layout: configuration and start/stop (any thread); the STREAM thread
 * (service loop, connect, reconnect timers); the libwebsockets callback
 * (receive, decode, emit); accessors.
 *
 * Threads and ownership:
 *   - the caller of tl_binance_stream_start creates the lws context (so a bad CA
 *     file fails start), then the STREAM thread alone services it, runs
 *     every callback and destroys the context when asked to stop;
 *   - other threads touch only: the atomics (state, epoch, market_up,
 *     counters, stop), and under `mu` the pending listenKey, the last
 *     error text and `ctx_dead`; they wake the STREAM thread with
 *     lws_cancel_service (the one lws call that is thread-safe), always
 *     under `mu` and only while !ctx_dead, so it never races the destroy;
 *   - the decode arena is the STREAM thread's own (binance_map.h selects
 *     it thread-locally only for the duration of each decode call);
 *   - the sorted name table of the all-market mark stream is read-only
 *     after start (bsearch per element, no allocation per message).
 *
 * Invariants (bs_check):
 *   1. a connection is `live` from its connect attempt until the first of
 *      CONNECTION_ERROR / CLIENT_CLOSED / WSI_DESTROY, and then has its
 *      reconnect timer armed or is deliberately idle (stopping, or user
 *      stream with an expired key and no new one);
 *   2. len <= TL_BINANCE_STREAM_MAX_FRAME for the message being assembled;
 *   3. state UP implies the user connection is live and established.
 *
 * SIGPIPE: OpenSSL writes to the socket with write(2); the STREAM thread
 * blocks SIGPIPE for itself (signals from a write go to the writing
 * thread), so a peer that vanished cannot kill the process even when the
 * application did not ignore SIGPIPE.
 */
#define _GNU_SOURCE
#include "io/binance/stream.h"

#include <assert.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libwebsockets.h>

#include "io/binance/map.h"
#include "runtime/log.h"
#include "runtime/clock.h"

/* cJSON of one message: a 1 MiB user stream event, or the all-market
 * mark stream's TL_BINANCE_MARKS_MAX elements */
#define BS_ARENA_CAP TL_BINANCE_MARKS_ARENA
#define BS_NAME_CAP 32            /* a symbol name incl. NUL (bs_symbol_ok) */

_Static_assert(TL_BINANCE_STREAM_MAX_SYMBOLS == TL_SYMBOLS_MAX,
	       "the adapter streams marks for its whole symbol table");
#define BS_PATH_CAP 4096
#define BS_HOST_CAP 256
#define BS_ERR_CAP 256
#define BS_PROTO "tl-binance"

typedef enum bs_kind { BS_USER = 0, BS_MARKET, BS_NCONN } bs_kind_t;

typedef struct bs_conn {
	lws_sorted_usec_list_t sul;  /* reconnect timer; first (container_of) */
	struct tl_binance_stream *s;
	bs_kind_t kind;
	bool enabled;                /* has something to carry */
	bool live;                   /* attempt in progress or established */
	bool established;
	int64_t up_since_ms;         /* monotonic, when established */
	bool in_msg;                 /* assembling a fragmented message */
	bool want_close;             /* close at the next WRITEABLE */
	bool discard;                /* oversize: drop rx until closed */
	bool immediate;              /* reconnect without backoff */
	uint16_t close_code;
	struct lws *wsi;             /* while live (may be NULL mid-connect) */
	uint64_t gen;                /* user: key generation it connected with */
	uint64_t attempts;
	uint32_t backoff_ms;         /* next delay */
	size_t len;                  /* bytes of the message being assembled */
	char *buf;                   /* TL_BINANCE_STREAM_MAX_FRAME + 1 */
	char path[BS_PATH_CAP];
} bs_conn_t;

struct tl_binance_stream {
	/* configuration (copied; read-only after start) */
	char host[BS_HOST_CAP];
	char ca_file[BS_PATH_CAP];
	char market_path[BS_PATH_CAP];
	int port;
	bool tls, insecure, trade_lite;
	tl_binance_stream_paths_t paths;
	uint32_t backoff_min_ms, backoff_max_ms;
	tl_venue_emit_fn emit;
	void *emit_ctx;
	/* !markPrice@arr@1s (more than URL_SYMBOLS): the wanted symbols,
	 * sorted (strcmp) for bsearch; NULL otherwise */
	bool all_marks;
	char (*names)[BS_NAME_CAP];
	unsigned n_names;

	/* STREAM thread only */
	struct lws_context *lws;
	pthread_t thread;
	bs_conn_t conn[BS_NCONN];
	char key[TL_BINANCE_STREAM_KEY_LEN];  /* the listenKey in use */
	uint64_t key_gen;              /* bumped per new key */
	uint64_t expired_gen;          /* key_gen that got listenKeyExpired */
	tl_binance_arena_t arena;
	unsigned char *arena_buf;

	/* shared: under mu */
	pthread_mutex_t mu;
	char pending_key[TL_BINANCE_STREAM_KEY_LEN];
	bool key_pending;
	bool ctx_dead;
	char err[BS_ERR_CAP];
	char tls_detail[BS_ERR_CAP];   /* STREAM thread: last lws TLS error line */

	/* shared: atomics */
	_Atomic int state;             /* tl_binance_stream_state_t */
	_Atomic uint64_t epoch;
	_Atomic bool market_up;
	_Atomic bool stop;
	_Atomic uint64_t n_messages, n_inputs, n_decode_errors, n_oversize,
		n_skipped, n_connects, n_reconnects, n_connect_errors, n_key_expired,
		n_marks_dropped;
};

static void bs_connect(tl_binance_stream_t *s, bs_conn_t *c);

/* The stream a STREAM thread serves, for bs_lws_log (lws logs globally;
 * a TLS verification failure is only explained in its log line). */
static __thread tl_binance_stream_t *bs_self;

static void bs_inc(_Atomic uint64_t *v)
{
	atomic_fetch_add_explicit(v, 1, memory_order_relaxed);
}

static void bs_set_state(tl_binance_stream_t *s, tl_binance_stream_state_t st)
{
	atomic_store_explicit(&s->state, (int)st, memory_order_release);
}

static bool bs_check(const tl_binance_stream_t *s)
{
	const bs_conn_t *u = &s->conn[BS_USER];
	int k;

	for (k = 0; k < BS_NCONN; k++)
		if (s->conn[k].len > TL_BINANCE_STREAM_MAX_FRAME)
			return false;
	if (atomic_load(&s->state) == TL_BINANCE_STREAM_UP &&
	    !(u->live && u->established))
		return false;
	return true;
}

/* Record the last error; the listenKey is masked if it appears. */
static void bs_error(tl_binance_stream_t *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void bs_error(tl_binance_stream_t *s, const char *fmt, ...)
{
	char buf[BS_ERR_CAP], *p;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	if (s->key[0] && (p = strstr(buf, s->key)) != NULL) {
		size_t kl = strlen(s->key);
		memmove(p + 3, p + kl, strlen(p + kl) + 1);
		memcpy(p, "***", 3);
	}
	pthread_mutex_lock(&s->mu);
	snprintf(s->err, sizeof s->err, "%s", buf);
	pthread_mutex_unlock(&s->mu);
}

/* ---- connections (STREAM thread) -------------------------------------- */

static void bs_sul_cb(lws_sorted_usec_list_t *sul)
{
	bs_conn_t *c = lws_container_of(sul, bs_conn_t, sul);

	bs_connect(c->s, c);
}

static void bs_schedule(tl_binance_stream_t *s, bs_conn_t *c, uint32_t ms)
{
	lws_sul_schedule(s->lws, 0, &c->sul, bs_sul_cb,
			 (lws_usec_t)ms * LWS_US_PER_MS);
}

/* The connection ended (error or close): arm the reconnect, or wait. */
static void bs_gone(tl_binance_stream_t *s, bs_conn_t *c)
{
	uint32_t delay;

	if (c->established &&
	    tl_clock_mono_ns() / 1000000 - c->up_since_ms >= TL_BINANCE_STREAM_STABLE_MS)
		c->backoff_ms = s->backoff_min_ms;
	c->live = false;
	c->wsi = NULL;
	c->in_msg = false;
	c->len = 0;
	c->want_close = false;
	if (c->kind == BS_MARKET) {
		atomic_store_explicit(&s->market_up, false, memory_order_release);
	} else {
		int st = atomic_load(&s->state);
		if (s->expired_gen == s->key_gen)
			bs_set_state(s, TL_BINANCE_STREAM_KEY_EXPIRED);
		else if (st != TL_BINANCE_STREAM_CONNECTING)
			bs_set_state(s, TL_BINANCE_STREAM_DOWN_RESYNC_NEEDED);
	}
	c->established = false;
	if (atomic_load(&s->stop))
		return;
	if (c->kind == BS_USER && s->expired_gen == s->key_gen)
		return;              /* until tl_binance_stream_set_listen_key */
	if (c->immediate) {
		c->immediate = false;
		delay = 0;
	} else {
		delay = c->backoff_ms;
		c->backoff_ms = c->backoff_ms > s->backoff_max_ms / 2 ?
				s->backoff_max_ms : c->backoff_ms * 2;
	}
	bs_schedule(s, c, delay);
}

static void bs_user_path(tl_binance_stream_t *s, bs_conn_t *c)
{
	if (s->paths == TL_BINANCE_STREAM_PATH_LEGACY)
		snprintf(c->path, sizeof c->path, "/ws/%s", s->key);
	else
		snprintf(c->path, sizeof c->path, "/private/ws?listenKey=%s",
			 s->key);
}

static void bs_connect(tl_binance_stream_t *s, bs_conn_t *c)
{
	struct lws_client_connect_info i;
	struct lws *wsi;

	if (atomic_load(&s->stop) || c->live)
		return;
	if (c->kind == BS_USER) {
		if (!s->key[0] || s->expired_gen == s->key_gen)
			return;
		bs_user_path(s, c);
		c->gen = s->key_gen;
	}
	if (c->attempts++ > 0)
		bs_inc(&s->n_reconnects);
	memset(&i, 0, sizeof i);
	i.context = s->lws;
	i.address = s->host;
	i.port = s->port;
	i.path = c->path;
	i.host = s->host;
	i.origin = s->host;
	i.ietf_version_or_minus_one = -1;
	i.local_protocol_name = BS_PROTO;
	i.opaque_user_data = c;
	if (s->tls) {
		i.ssl_connection = LCCSCF_USE_SSL;
		if (s->insecure)
			i.ssl_connection |= LCCSCF_ALLOW_SELFSIGNED |
				LCCSCF_SKIP_SERVER_CERT_HOSTNAME_CHECK |
				LCCSCF_ALLOW_EXPIRED | LCCSCF_ALLOW_INSECURE;
	}
	c->live = true;
	c->established = false;
	c->in_msg = false;
	c->len = 0;
	c->want_close = false;
	c->discard = false;
	c->wsi = NULL;
	wsi = lws_client_connect_via_info(&i);
	if (!wsi) {
		if (c->live) {      /* failed without a callback */
			bs_inc(&s->n_connect_errors);
			bs_error(s, "%s stream: cannot start a connection to %s:%d",
				 c->kind == BS_USER ? "user" : "market",
				 s->host, s->port);
			bs_gone(s, c);
		}
		return;
	}
	if (c->live)
		c->wsi = wsi;
}

/* Close a live connection from outside its own callbacks. */
static void bs_request_close(bs_conn_t *c, uint16_t code)
{
	c->want_close = true;
	c->close_code = code;
	if (c->wsi)
		lws_callback_on_writable(c->wsi);
}

/* lws_cancel_service woke us: a new listenKey, or stop. */
static void bs_wakeup(tl_binance_stream_t *s)
{
	bs_conn_t *c = &s->conn[BS_USER];
	bool changed = false;

	pthread_mutex_lock(&s->mu);
	if (s->key_pending) {
		memcpy(s->key, s->pending_key, sizeof s->key);
		s->key_pending = false;
		s->key_gen++;
		changed = true;
	}
	pthread_mutex_unlock(&s->mu);
	if (!changed || atomic_load(&s->stop))
		return;
	c->enabled = true;
	if (c->live) {
		c->immediate = true;
		if (c->established)
			bs_request_close(c, LWS_CLOSE_STATUS_NORMAL);
		/* mid-connect: ESTABLISHED sees the old gen and closes */
	} else {
		lws_sul_cancel(&c->sul);
		bs_connect(s, c);
	}
}

/* ---- receive ---------------------------------------------------------- */

static int bs_name_cmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* tl_binance_want_fn: is `sym` one of ours? (~10 strcmp for 1024) */
static bool bs_want(void *ctx, const char *sym)
{
	tl_binance_stream_t *s = ctx;

	return strlen(sym) < BS_NAME_CAP &&
	       bsearch(sym, s->names, s->n_names, sizeof *s->names,
		       bs_name_cmp) != NULL;
}

/* tl_binance_mark_fn: a wanted mark of the all-market stream. */
static void bs_mark_emit(void *ctx, const tl_input_t *in)
{
	tl_binance_stream_t *s = ctx;

	s->emit(s->emit_ctx, in);
	bs_inc(&s->n_inputs);
}

/* A !markPrice@arr message: every element for our symbols, or nothing. */
static void bs_all_marks(tl_binance_stream_t *s, bs_conn_t *c, int64_t now)
{
	tl_binance_marks_t res;
	int rc;

	rc = tl_binance_decode_marks(&s->arena, c->buf, c->len, now, bs_want,
				     bs_mark_emit, s, &res);
	atomic_fetch_add_explicit(&s->n_marks_dropped, res.dropped,
				  memory_order_relaxed);
	if (rc >= 0)
		return;
	/* log the 1st, 2nd, 4th, ... refusal: a venue that sends a bad
	 * element every second must not flood the log */
	uint64_t n = atomic_fetch_add_explicit(&s->n_decode_errors, 1,
					       memory_order_relaxed) + 1;
	if ((n & (n - 1)) == 0)
		tl_log(TL_LOG_WARN, "binance stream: !markPrice@arr message "
		       "refused (%llu so far): element %d, field %s: %s",
		       (unsigned long long)n, (int)res.index,
		       res.field ? res.field : "-", tl_binance_strerror(rc));
}

static void bs_message(tl_binance_stream_t *s, bs_conn_t *c)
{
	tl_binance_decoded_t out;
	int64_t now = tl_clock_realtime_ns();
	uint32_t k;
	int rc;

	bs_inc(&s->n_messages);
	c->buf[c->len] = '\0';
	if (c->kind == BS_MARKET && s->all_marks) {
		bs_all_marks(s, c, now);
		return;
	}
	/* The event type is the first "e" (after {"stream":"<key>","data":
	 * in combined mode); string values cannot hold a bare quote. */
	if (!s->trade_lite &&
	    memmem(c->buf, c->len < 256 ? c->len : 256, "\"e\":\"TRADE_LITE\"", 16)) {
		bs_inc(&s->n_skipped);
		return;
	}
	rc = tl_binance_decode_stream(&s->arena, c->buf, c->len, now, &out);
	if (rc == TL_BN_OK) {
		for (k = 0; k < out.n; k++) {
			out.in[k].hdr.time = now;
			s->emit(s->emit_ctx, &out.in[k]);
			bs_inc(&s->n_inputs);
		}
	} else if (rc == TL_BN_LISTEN_KEY_EXPIRED) {
		bs_inc(&s->n_key_expired);
		if (c->kind == BS_USER && c->gen == s->key_gen) {
			s->expired_gen = s->key_gen;
			bs_set_state(s, TL_BINANCE_STREAM_KEY_EXPIRED);
			bs_request_close(c, LWS_CLOSE_STATUS_NORMAL);
		}
	} else if (rc < 0) {
		bs_inc(&s->n_decode_errors);
	}
}

/* Assemble a message; decode it when complete. Returns 0. */
static int bs_receive(tl_binance_stream_t *s, bs_conn_t *c, struct lws *wsi,
		      const void *in, size_t len)
{
	if (c->discard)
		return 0;
	if (!c->in_msg) {
		c->in_msg = true;
		c->len = 0;
	}
	if (len > TL_BINANCE_STREAM_MAX_FRAME - c->len) {
		/* Not `return -1` here: lws 4.1.6 then keeps parsing the rest
		 * of its rx buffer into freed/overrun memory (ASan SEGV, see
		 * test_oversize_...). Discard until WRITEABLE closes it. */
		bs_inc(&s->n_oversize);
		bs_error(s, "%s stream: message over %u bytes refused",
			 c->kind == BS_USER ? "user" : "market",
			 TL_BINANCE_STREAM_MAX_FRAME);
		c->in_msg = false;
		c->len = 0;
		c->discard = true;
		bs_request_close(c, LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE);
		return 0;
	}
	memcpy(c->buf + c->len, in, len);
	c->len += len;
	if (!lws_is_final_fragment(wsi) || lws_remaining_packet_payload(wsi))
		return 0;
	c->in_msg = false;
	if (!lws_frame_is_binary(wsi))
		bs_message(s, c);
	c->len = 0;
	return 0;
}

static void bs_established(tl_binance_stream_t *s, bs_conn_t *c, struct lws *wsi)
{
	c->wsi = wsi;
	c->established = true;
	c->up_since_ms = tl_clock_mono_ns() / 1000000;
	bs_inc(&s->n_connects);
	if (c->kind == BS_MARKET) {
		atomic_store_explicit(&s->market_up, true, memory_order_release);
		return;
	}
	if (c->gen != s->key_gen) {  /* key changed while connecting */
		c->immediate = true;
		bs_request_close(c, LWS_CLOSE_STATUS_NORMAL);
		return;
	}
	atomic_fetch_add_explicit(&s->epoch, 1, memory_order_release);
	bs_set_state(s, TL_BINANCE_STREAM_UP);
}

static int bs_callback(struct lws *wsi, enum lws_callback_reasons reason,
		       void *user, void *in, size_t len)
{
	struct lws_context *ctx = lws_get_context(wsi);
	tl_binance_stream_t *s = ctx ? lws_context_user(ctx) : NULL;
	bs_conn_t *c = lws_get_opaque_user_data(wsi);
	int rc = 0;

	(void)user;
	if (!s)
		return 0;
	if (c && (!c->live || (c->wsi && c->wsi != wsi)))
		c = NULL;            /* a late callback of an old attempt */
	switch (reason) {
	case LWS_CALLBACK_EVENT_WAIT_CANCELLED:
		bs_wakeup(s);
		break;
	case LWS_CALLBACK_CLIENT_ESTABLISHED:
		if (c)
			bs_established(s, c, wsi);
		break;
	case LWS_CALLBACK_CLIENT_RECEIVE:
		if (c)
			rc = bs_receive(s, c, wsi, in, len);
		break;
	case LWS_CALLBACK_CLIENT_WRITEABLE:
		if (c && c->want_close) {
			lws_close_reason(wsi, (enum lws_close_status)c->close_code,
					 NULL, 0);
			rc = -1;
		}
		break;
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		if (c) {
			bs_inc(&s->n_connect_errors);
			bs_error(s, "%s stream %s:%d: %s%s%s%s",
				 c->kind == BS_USER ? "user" : "market",
				 s->host, s->port,
				 in ? (const char *)in : "connection failed",
				 s->tls_detail[0] ? " (" : "", s->tls_detail,
				 s->tls_detail[0] ? ")" : "");
			bs_gone(s, c);
		}
		s->tls_detail[0] = '\0';
		break;
	case LWS_CALLBACK_CLIENT_CLOSED:
	case LWS_CALLBACK_WSI_DESTROY:
		if (c)
			bs_gone(s, c);
		break;
	default:
		break;
	}
	assert(bs_check(s));
	return rc;
}

static const struct lws_protocols bs_protocols[] = {
	{ .name = BS_PROTO, .callback = bs_callback },
	{ .name = NULL },
};

/* ---- STREAM thread ---------------------------------------------------- */

static void *bs_thread(void *arg)
{
	tl_binance_stream_t *s = arg;
	sigset_t set;
	int k;

	sigemptyset(&set);
	sigaddset(&set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	pthread_setname_np(pthread_self(), "tl-stream");
	bs_self = s;
	for (k = 0; k < BS_NCONN; k++)
		if (s->conn[k].enabled)
			bs_connect(s, &s->conn[k]);
	while (!atomic_load(&s->stop))
		lws_service(s->lws, 0);
	for (k = 0; k < BS_NCONN; k++)
		lws_sul_cancel(&s->conn[k].sul);
	pthread_mutex_lock(&s->mu);
	s->ctx_dead = true;
	pthread_mutex_unlock(&s->mu);
	lws_context_destroy(s->lws);
	s->lws = NULL;
	bs_self = NULL;
	return NULL;
}

/* ---- start / stop ----------------------------------------------------- */

/* lws lines at WARN and above go to our log; they carry no listenKey
 * (lws logs paths only at INFO). On a STREAM thread, a TLS error line
 * ("SSL error: self-signed certificate in certificate chain ...") is
 * also kept to explain the CONNECTION_ERROR that follows: lws passes
 * only "connect SSL err 1" with an OpenSSL queue already drained. */
static void bs_lws_log(int level, const char *line)
{
	size_t n = strlen(line);
	const char *p;

	while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		n--;
	if (bs_self && (p = strstr(line, "SSL error")) != NULL) {
		size_t k = n - (size_t)(p - line);
		if (k >= sizeof bs_self->tls_detail)
			k = sizeof bs_self->tls_detail - 1;
		memcpy(bs_self->tls_detail, p, k);
		bs_self->tls_detail[k] = '\0';
	}
	tl_log(level == LLL_ERR ? TL_LOG_ERROR : TL_LOG_WARN, "lws: %.*s",
	       (int)n, line);
}

static pthread_once_t bs_log_once = PTHREAD_ONCE_INIT;

/* lws's log level is process-global: set once. */
static void bs_log_init(void)
{
	lws_set_log_level(LLL_ERR | LLL_WARN, bs_lws_log);
}

static void bs_free(tl_binance_stream_t *s)
{
	int k;

	if (!s)
		return;
	for (k = 0; k < BS_NCONN; k++)
		free(s->conn[k].buf);
	free(s->arena_buf);
	free(s->names);
	pthread_mutex_destroy(&s->mu);
	free(s);
}

static bool bs_symbol_ok(const char *sym)
{
	size_t n = sym ? strlen(sym) : 0;

	if (n == 0 || n >= BS_NAME_CAP)
		return false;
	for (; *sym; sym++)
		if (!((*sym >= 'A' && *sym <= 'Z') || (*sym >= 'a' && *sym <= 'z') ||
		      (*sym >= '0' && *sym <= '9') || *sym == '_'))
			return false;
	return true;
}

static bool bs_key_ok(const char *key)
{
	size_t n = strlen(key);

	if (n == 0 || n >= TL_BINANCE_STREAM_KEY_LEN)
		return false;
	for (; *key; key++)
		if (*key <= ' ' || *key == '/' || *key == '?' || *key == '&' ||
		    *key == '#' || *key == '%' || (unsigned char)*key >= 0x7f)
			return false;
	return true;
}

static int bs_market_path(tl_binance_stream_t *s, const tl_binance_stream_cfg_t *cfg)
{
	char *p = s->market_path, *end = p + sizeof s->market_path;
	unsigned i;
	int n;

	n = snprintf(p, (size_t)(end - p), "%s",
		     cfg->paths == TL_BINANCE_STREAM_PATH_LEGACY ? "/stream?streams=" :
		     "/market/stream?streams=");
	p += n;
	if (s->all_marks) {
		snprintf(p, (size_t)(end - p), "!markPrice@arr@1s");
		return 0;
	}
	for (i = 0; i < cfg->n_symbols; i++) {
		const char *q = cfg->symbols[i];
		if (i && p < end)
			*p++ = '/';
		for (; *q && p < end; q++)
			*p++ = (char)(*q >= 'A' && *q <= 'Z' ? *q | 0x20 : *q);
		n = snprintf(p, (size_t)(end > p ? end - p : 0), "@markPrice@1s");
		if (n < 0 || p + n >= end)
			return -1;
		p += n;
	}
	return 0;
}

tl_binance_stream_t *tl_binance_stream_start(const tl_binance_stream_cfg_t *cfg,
			       tl_venue_emit_fn emit, void *ctx,
			       char *err, size_t errlen)
{
	struct lws_context_creation_info info;
	tl_binance_stream_t *s = NULL;
	unsigned i;
	int k;

	if (!cfg || !emit || !cfg->host || !cfg->host[0] ||
	    strlen(cfg->host) >= BS_HOST_CAP || cfg->port <= 0 ||
	    cfg->port > 65535) {
		snprintf(err, errlen, "binance stream: host and port required");
		return NULL;
	}
	if (cfg->n_symbols > TL_BINANCE_STREAM_MAX_SYMBOLS ||
	    (cfg->n_symbols && !cfg->symbols)) {
		snprintf(err, errlen, "binance stream: at most %d symbols",
			 TL_BINANCE_STREAM_MAX_SYMBOLS);
		return NULL;
	}
	for (i = 0; i < cfg->n_symbols; i++)
		if (!bs_symbol_ok(cfg->symbols[i])) {
			snprintf(err, errlen, "binance stream: bad symbol '%s'",
				 cfg->symbols[i] ? cfg->symbols[i] : "(null)");
			return NULL;
		}
	if (cfg->listen_key && cfg->listen_key[0] && !bs_key_ok(cfg->listen_key)) {
		snprintf(err, errlen, "binance stream: bad listenKey");
		return NULL;
	}
	if (cfg->ca_file && strlen(cfg->ca_file) >= BS_PATH_CAP) {
		snprintf(err, errlen, "binance stream: CA path too long");
		return NULL;
	}
	s = calloc(1, sizeof *s);
	if (!s)
		goto nomem;
	pthread_mutex_init(&s->mu, NULL);
	snprintf(s->host, sizeof s->host, "%s", cfg->host);
	if (cfg->ca_file)
		snprintf(s->ca_file, sizeof s->ca_file, "%s", cfg->ca_file);
	s->port = cfg->port;
	s->tls = cfg->tls;
	s->insecure = cfg->insecure;
	s->trade_lite = cfg->trade_lite;
	s->paths = cfg->paths;
	s->backoff_min_ms = cfg->backoff_min_ms ? cfg->backoff_min_ms : 100;
	s->backoff_max_ms = cfg->backoff_max_ms ? cfg->backoff_max_ms : 10000;
	if (s->backoff_max_ms < s->backoff_min_ms)
		s->backoff_max_ms = s->backoff_min_ms;
	s->emit = emit;
	s->emit_ctx = ctx;
	if (cfg->listen_key && cfg->listen_key[0]) {
		snprintf(s->key, sizeof s->key, "%s", cfg->listen_key);
		s->key_gen = 1;
	}
	if (cfg->n_symbols > TL_BINANCE_STREAM_URL_SYMBOLS) {
		s->all_marks = true;
		s->names = calloc(cfg->n_symbols, sizeof *s->names);
		if (!s->names)
			goto nomem;
		for (i = 0; i < cfg->n_symbols; i++)
			memcpy(s->names[i], cfg->symbols[i], strlen(cfg->symbols[i]) + 1);
		s->n_names = cfg->n_symbols;
		qsort(s->names, s->n_names, sizeof *s->names, bs_name_cmp);
	}
	if (cfg->n_symbols && bs_market_path(s, cfg) != 0) {
		snprintf(err, errlen, "binance stream: too many symbols for one URL");
		bs_free(s);
		return NULL;
	}
	for (k = 0; k < BS_NCONN; k++) {
		bs_conn_t *c = &s->conn[k];
		c->s = s;
		c->kind = (bs_kind_t)k;
		c->backoff_ms = s->backoff_min_ms;
		c->buf = malloc(TL_BINANCE_STREAM_MAX_FRAME + 1);
		if (!c->buf)
			goto nomem;
	}
	s->conn[BS_USER].enabled = s->key[0] != '\0';
	s->conn[BS_MARKET].enabled = cfg->n_symbols > 0;
	snprintf(s->conn[BS_MARKET].path, sizeof s->conn[BS_MARKET].path, "%s",
		 s->market_path);
	s->arena_buf = malloc(BS_ARENA_CAP);
	if (!s->arena_buf)
		goto nomem;
	tl_binance_arena_init(&s->arena, s->arena_buf, BS_ARENA_CAP);
	tl_binance_map_init();

	pthread_once(&bs_log_once, bs_log_init);
	memset(&info, 0, sizeof info);
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.protocols = bs_protocols;
	info.gid = -1;
	info.uid = -1;
	info.user = s;
	info.fd_limit_per_thread = 64;
	if (s->tls) {
		info.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
		if (s->ca_file[0])
			info.client_ssl_ca_filepath = s->ca_file;
	}
	s->lws = lws_create_context(&info);
	if (!s->lws) {
		snprintf(err, errlen, "binance stream: cannot create the "
			 "libwebsockets context%s%s", s->ca_file[0] ?
			 " (CA file " : "", s->ca_file[0] ? s->ca_file : "");
		if (s->ca_file[0])
			snprintf(err + strlen(err), errlen - strlen(err), ")");
		bs_free(s);
		return NULL;
	}
	if (pthread_create(&s->thread, NULL, bs_thread, s) != 0) {
		snprintf(err, errlen, "binance stream: cannot start the thread");
		lws_context_destroy(s->lws);
		bs_free(s);
		return NULL;
	}
	return s;
nomem:
	snprintf(err, errlen, "binance stream: out of memory");
	bs_free(s);
	return NULL;
}

void tl_binance_stream_stop(tl_binance_stream_t *s)
{
	if (!s)
		return;
	pthread_mutex_lock(&s->mu);
	atomic_store(&s->stop, true);
	if (!s->ctx_dead)
		lws_cancel_service(s->lws);
	pthread_mutex_unlock(&s->mu);
	pthread_join(s->thread, NULL);
	bs_free(s);
}

/* ---- accessors (any thread) ------------------------------------------- */

tl_binance_stream_state_t tl_binance_stream_user_state(const tl_binance_stream_t *s)
{
	return (tl_binance_stream_state_t)atomic_load_explicit(&s->state,
							memory_order_acquire);
}

const char *tl_binance_stream_state_name(tl_binance_stream_state_t st)
{
	switch (st) {
	case TL_BINANCE_STREAM_CONNECTING: return "CONNECTING";
	case TL_BINANCE_STREAM_UP: return "UP";
	case TL_BINANCE_STREAM_DOWN_RESYNC_NEEDED: return "DOWN_RESYNC_NEEDED";
	case TL_BINANCE_STREAM_KEY_EXPIRED: return "KEY_EXPIRED";
	}
	return "?";
}

uint64_t tl_binance_stream_user_epoch(const tl_binance_stream_t *s)
{
	return atomic_load_explicit(&s->epoch, memory_order_acquire);
}

bool tl_binance_stream_market_up(const tl_binance_stream_t *s)
{
	return atomic_load_explicit(&s->market_up, memory_order_acquire);
}

int tl_binance_stream_set_listen_key(tl_binance_stream_t *s, const char *key)
{
	if (!s || !key || !bs_key_ok(key))
		return -EINVAL;
	pthread_mutex_lock(&s->mu);
	snprintf(s->pending_key, sizeof s->pending_key, "%s", key);
	s->key_pending = true;
	if (!s->ctx_dead)
		lws_cancel_service(s->lws);
	pthread_mutex_unlock(&s->mu);
	return 0;
}

void tl_binance_stream_stats(const tl_binance_stream_t *s, tl_binance_stream_stats_t *o)
{
#define LD(f) atomic_load_explicit(&s->f, memory_order_relaxed)
	o->messages = LD(n_messages);
	o->inputs = LD(n_inputs);
	o->decode_errors = LD(n_decode_errors);
	o->oversize = LD(n_oversize);
	o->skipped = LD(n_skipped);
	o->connects = LD(n_connects);
	o->reconnects = LD(n_reconnects);
	o->connect_errors = LD(n_connect_errors);
	o->key_expired = LD(n_key_expired);
	o->marks_dropped = LD(n_marks_dropped);
#undef LD
}

void tl_binance_stream_last_error(tl_binance_stream_t *s, char *buf, size_t len)
{
	if (!len)
		return;
	pthread_mutex_lock(&s->mu);
	snprintf(buf, len, "%s", s->err);
	pthread_mutex_unlock(&s->mu);
}
