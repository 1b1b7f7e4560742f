/*
 * server.c - epoll loop, connections and TLS (see server.h).
 *
 * A connection reads into a bounded buffer, parses as many pipelined
 * requests as are complete, and answers them strictly in order into its
 * write buffer. A fault delay holds the connection: its answer is sent,
 * and its next request read, only when the delay has passed. A fault
 * reset closes the connection without that request's answer: the
 * answers before it leave first (as far as the socket takes them without
 * waiting), the requests pipelined behind it are never handled. Level-triggered epoll;
 * EPOLLOUT is armed only while output is pending.
 *
 * Listener tags in epoll data: 1 = REST listener, 2 = plain listener,
 * 3 = wake eventfd, 4 = stream listener; anything else is a conn_t
 * pointer. Stream (WebSocket) connections share this machinery; their
 * protocol is in stream.c, and the WebSocket API's (/ws-fapi/v1 on the
 * same port) in ws_api.c.
 */
#define _GNU_SOURCE
#include "sim/server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <wolfssl/options.h>
#include <wolfssl/ssl.h>
#include <wolfssl/wolfcrypt/ecc.h>

#include "sim/http.h"
#include "sim/rest.h"
#include "sim/server_int.h"
#include "sim/ws.h"

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t venue_now(const tl_sim_server_t *s)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 +
	       s->rest.faults.clock_offset_ms;
}

static int srv_listen(tl_sim_server_t *s, int which, int port, char *err,
		      size_t errcap)
{
	struct sockaddr_in sa;
	socklen_t sl = sizeof sa;
	struct epoll_event ev;
	int fd, one = 1;

	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	if (strcmp(s->cfg->rest_host, "localhost") == 0) {
		sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	} else if (inet_pton(AF_INET, s->cfg->rest_host, &sa.sin_addr) != 1 ||
		   (ntohl(sa.sin_addr.s_addr) >> 24) != 127) {
		snprintf(err, errcap, "venue: rest.host '%s' is not a loopback IPv4 address",
			 s->cfg->rest_host);
		return -1;
	}
	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		goto fail;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 ||
	    listen(fd, 1024) < 0 ||
	    getsockname(fd, (struct sockaddr *)&sa, &sl) < 0) {
		close(fd);
		goto fail;
	}
	s->lfd[which] = fd;
	s->port[which] = ntohs(sa.sin_port);
	ev.events = EPOLLIN;
	ev.data.u64 = which == TL_SIM_PORT_REST ? TAG_REST
		    : which == TL_SIM_PORT_WS ? TAG_WS : TAG_PLAIN;
	return epoll_ctl(s->ep, EPOLL_CTL_ADD, fd, &ev);
fail:
	snprintf(err, errcap, "venue: cannot listen on %s:%d: %s",
		 s->cfg->rest_host, port, strerror(errno));
	return -1;
}

static int srv_tls_init(tl_sim_server_t *s, char *err, size_t errcap)
{
	wolfSSL_Init();
	s->tls = wolfSSL_CTX_new(wolfSSLv23_server_method());
	if (!s->tls) {
		snprintf(err, errcap, "venue: wolfSSL_CTX_new failed");
		return -1;
	}
	if (wolfSSL_CTX_use_certificate_chain_file(s->tls, s->cfg->tls_cert) != WOLFSSL_SUCCESS ||
	    wolfSSL_CTX_use_PrivateKey_file(s->tls, s->cfg->tls_key, WOLFSSL_FILETYPE_PEM) != WOLFSSL_SUCCESS) {
		snprintf(err, errcap,
			 "venue: cannot load TLS certificate '%s' / key '%s' (run make to generate build/tls/)",
			 s->cfg->tls_cert, s->cfg->tls_key);
		return -1;
	}
	return 0;
}

tl_sim_server_t *tl_sim_server_new(const tl_sim_config_t *cfg, char *err,
				   size_t errcap)
{
	tl_sim_server_t *s = calloc(1, sizeof *s);
	struct epoll_event ev;
	int i;

	if (!s) {
		snprintf(err, errcap, "venue: out of memory");
		return NULL;
	}
	signal(SIGPIPE, SIG_IGN);
	s->cfg = cfg;
	s->ep = s->wake = s->lfd[0] = s->lfd[1] = s->lfd[2] = -1;
	s->nconns = cfg->max_conns;
	s->conns = calloc((size_t)s->nconns, sizeof *s->conns);
	s->scratch = malloc(SCRATCH_CAP);
	s->frame = malloc(FRAME_CAP);
	if (!s->conns || !s->scratch || !s->frame || tl_sim_venue_init(&s->venue, cfg, 0) != 0 ||
	    tl_sim_rest_init(&s->rest, &s->venue) != 0) {
		snprintf(err, errcap, "venue: out of memory");
		goto fail;
	}
	for (i = 0; i < s->nconns; i++)
		s->conns[i].fd = -1;
	s->venue.sink = tl_sim_stream_sink;
	s->venue.sink_ctx = s;
	tl_sim_venue_reset(&s->venue, venue_now(s));
	s->ep = epoll_create1(EPOLL_CLOEXEC);
	s->wake = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (s->ep < 0 || s->wake < 0) {
		snprintf(err, errcap, "venue: epoll/eventfd: %s", strerror(errno));
		goto fail;
	}
	ev.events = EPOLLIN;
	ev.data.u64 = TAG_WAKE;
	epoll_ctl(s->ep, EPOLL_CTL_ADD, s->wake, &ev);
	if ((cfg->rest_tls || (cfg->ws_enabled && cfg->ws_tls)) &&
	    srv_tls_init(s, err, errcap) != 0)
		goto fail;
	if (srv_listen(s, TL_SIM_PORT_REST, cfg->rest_port, err, errcap) != 0)
		goto fail;
	if (cfg->rest_plain_port > 0 &&
	    srv_listen(s, TL_SIM_PORT_PLAIN, cfg->rest_plain_port, err, errcap) != 0)
		goto fail;
	if (cfg->ws_enabled &&
	    srv_listen(s, TL_SIM_PORT_WS, cfg->ws_port, err, errcap) != 0)
		goto fail;
	return s;
fail:
	tl_sim_server_free(s);
	return NULL;
}

int tl_sim_server_port(const tl_sim_server_t *s, int which)
{
	return which >= 0 && which < 3 ? s->port[which] : 0;
}

void tl_sim_server_busy_poll(tl_sim_server_t *s, bool on)
{
	uint64_t one = 1;
	ssize_t n;

	atomic_store(&s->busy_poll, on);
	n = write(s->wake, &one, sizeof one);	/* out of a blocked wait now */
	(void)n;
}

void tl_sim_server_stop(tl_sim_server_t *s)
{
	uint64_t one = 1;
	ssize_t n;

	atomic_store(&s->stop, true);
	n = write(s->wake, &one, sizeof one);
	(void)n;
}

static void conn_close(tl_sim_server_t *s, conn_t *c)
{
	if (c->fd < 0)
		return;
	if (c->kind == CONN_WS)
		s->nws--;
	epoll_ctl(s->ep, EPOLL_CTL_DEL, c->fd, NULL);
	if (c->ssl)
		wolfSSL_free(c->ssl);
	close(c->fd);
	free(c->rbuf);
	free(c->wbuf);
	tl_sim_stream_free(c);
	memset(c, 0, sizeof *c);
	c->fd = -1;
}

void tl_sim_server_free(tl_sim_server_t *s)
{
	int i;

	if (!s)
		return;
	for (i = 0; s->conns && i < s->nconns; i++)
		conn_close(s, &s->conns[i]);
	for (i = 0; i < 3; i++)
		if (s->lfd[i] >= 0)
			close(s->lfd[i]);
	if (s->ep >= 0)
		close(s->ep);
	if (s->wake >= 0)
		close(s->wake);
	if (s->tls)
		wolfSSL_CTX_free(s->tls);
	tl_sim_rest_free(&s->rest);
	tl_sim_venue_free(&s->venue);
	free(s->scratch);
	free(s->frame);
	free(s->conns);
	free(s);
}

static void conn_arm(tl_sim_server_t *s, conn_t *c, bool out)
{
	struct epoll_event ev;

	if (c->out_armed == out)
		return;
	ev.events = EPOLLIN | (out ? EPOLLOUT : 0);
	ev.data.ptr = c;
	epoll_ctl(s->ep, EPOLL_CTL_MOD, c->fd, &ev);
	c->out_armed = out;
}

static void srv_accept(tl_sim_server_t *s, int which)
{
	bool tls = (which == TL_SIM_PORT_REST && s->cfg->rest_tls) ||
		   (which == TL_SIM_PORT_WS && s->cfg->ws_tls);

	for (;;) {
		struct epoll_event ev;
		conn_t *c = NULL;
		int fd, i, one = 1;

		fd = accept4(s->lfd[which],
			     NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return;
		for (i = 0; i < s->nconns; i++)
			if (s->conns[i].fd < 0) {
				c = &s->conns[i];
				break;
			}
		if (!c) { /* full: refuse */
			close(fd);
			continue;
		}
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		memset(c, 0, sizeof *c);
		c->fd = fd;
		c->acct = -1;
		c->kind = which == TL_SIM_PORT_WS ? CONN_WS_HANDSHAKE : CONN_HTTP;
		c->last_active = mono_ms();
		c->rbuf = malloc(RBUF_CAP);
		if (!c->rbuf) {
			close(fd);
			c->fd = -1;
			continue;
		}
		if (tls) {
			c->ssl = wolfSSL_new(s->tls);
			if (!c->ssl || wolfSSL_set_fd(c->ssl, fd) != WOLFSSL_SUCCESS) {
				conn_close(s, c);
				continue;
			}
		}
		ev.events = EPOLLIN;
		ev.data.ptr = c;
		if (epoll_ctl(s->ep, EPOLL_CTL_ADD, fd, &ev) < 0)
			conn_close(s, c);
	}
}

/* > 0 bytes, 0 EOF, -EAGAIN (want read), -EWOULDBLOCK never, -EIO. */
static ssize_t conn_recv(tl_sim_server_t *s, conn_t *c, char *b, size_t n)
{
	ssize_t r;

	if (!c->ssl) {
		r = recv(c->fd, b, n, 0);
		if (r < 0)
			return errno == EAGAIN || errno == EINTR ? -EAGAIN : -EIO;
		return r;
	}
	if (!c->tls_ready) {
		int rc = wolfSSL_accept(c->ssl);
		if (rc != WOLFSSL_SUCCESS) {
			int e = wolfSSL_get_error(c->ssl, rc);
			if (e == WOLFSSL_ERROR_WANT_READ)
				return -EAGAIN;
			if (e == WOLFSSL_ERROR_WANT_WRITE) {
				conn_arm(s, c, true);
				return -EAGAIN;
			}
			return -EIO;
		}
		c->tls_ready = true;
	}
	r = wolfSSL_read(c->ssl, b, (int)n);
	if (r > 0)
		return r;
	{
		int e = wolfSSL_get_error(c->ssl, (int)r);
		if (e == WOLFSSL_ERROR_WANT_READ)
			return -EAGAIN;
		if (e == WOLFSSL_ERROR_WANT_WRITE) {
			conn_arm(s, c, true);
			return -EAGAIN;
		}
		if (e == WOLFSSL_ERROR_ZERO_RETURN)
			return 0;
	}
	return -EIO;
}

static ssize_t conn_send(conn_t *c, const char *b, size_t n)
{
	ssize_t r;

	if (!c->ssl) {
		r = send(c->fd, b, n, MSG_NOSIGNAL);
		if (r < 0)
			return errno == EAGAIN || errno == EINTR ? -EAGAIN : -EIO;
		return r;
	}
	if (!c->tls_ready)
		return -EAGAIN;
	r = wolfSSL_write(c->ssl, b, (int)n);
	if (r > 0)
		return r;
	{
		int e = wolfSSL_get_error(c->ssl, (int)r);
		if (e == WOLFSSL_ERROR_WANT_WRITE || e == WOLFSSL_ERROR_WANT_READ)
			return -EAGAIN;
	}
	return -EIO;
}

static bool conn_append(conn_t *c, const char *b, size_t n)
{
	if (c->wlen + n > c->wcap) {
		size_t cap = c->wcap ? c->wcap : 16384;
		char *nb;
		while (cap < c->wlen + n)
			cap *= 2;
		if (cap > WBUF_MAX)
			return false;
		nb = realloc(c->wbuf, cap);
		if (!nb)
			return false;
		c->wbuf = nb;
		c->wcap = cap;
	}
	memcpy(c->wbuf + c->wlen, b, n);
	c->wlen += n;
	return true;
}

static bool conn_respond(conn_t *c, int status, const char *headers,
			 const char *body, size_t blen, bool keep)
{
	char head[768];
	int n = snprintf(head, sizeof head,
			 "HTTP/1.1 %d %s\r\nContent-Type: application/json;charset=UTF-8\r\n"
			 "Content-Length: %zu\r\n%sConnection: %s\r\n\r\n",
			 status, tl_sim_rest_reason(status), blen, headers,
			 keep ? "keep-alive" : "close");

	return conn_append(c, head, (size_t)n) && conn_append(c, body, blen);
}

/* Write pending output; false when the connection is gone. */
static bool conn_flush(tl_sim_server_t *s, conn_t *c)
{
	while (c->woff < c->wlen) {
		ssize_t r = conn_send(c, c->wbuf + c->woff, c->wlen - c->woff);
		if (r == -EAGAIN) {
			conn_arm(s, c, true);
			return true;
		}
		if (r <= 0) {
			conn_close(s, c);
			return false;
		}
		c->woff += (size_t)r;
		c->last_active = mono_ms();
	}
	c->woff = c->wlen = 0;
	conn_arm(s, c, false);
	if (c->close_after) {
		conn_close(s, c);
		return false;
	}
	return true;
}

/* Send what is already answered, as far as the socket takes it now;
 * never waits (a fault's reset follows). */
static void conn_flush_now(conn_t *c)
{
	while (c->woff < c->wlen) {
		ssize_t r = conn_send(c, c->wbuf + c->woff, c->wlen - c->woff);
		if (r <= 0)
			return;
		c->woff += (size_t)r;
	}
}

/* Answer complete requests in the read buffer. False if closed. */
static bool conn_process(tl_sim_server_t *s, conn_t *c)
{
	size_t off = 0;

	if (c->kind == CONN_WS)
		return tl_sim_stream_input(s, c, venue_now(s));
	if (c->kind == CONN_WS_HANDSHAKE) {
		tl_sim_http_req_t req;
		int rc = tl_sim_http_parse(c->rbuf, c->rlen, &req);
		if (rc == TL_SIM_HTTP_PARTIAL)
			return true;
		if (rc < 0) {
			conn_close(s, c);
			return false;
		}
		if (!tl_sim_stream_handshake(s, c, &req, venue_now(s)))
			return false;
		memmove(c->rbuf, c->rbuf + rc, c->rlen - (size_t)rc);
		c->rlen -= (size_t)rc;
		if (c->kind == CONN_WS)
			return tl_sim_stream_input(s, c, venue_now(s));
		return conn_flush(s, c);
	}

	while (!c->hold_until && !c->close_after && off < c->rlen) {
		tl_sim_http_req_t req;
		tl_sim_resp_t resp;
		int rc = tl_sim_http_parse(c->rbuf + off, c->rlen - off, &req);

		if (rc == TL_SIM_HTTP_PARTIAL)
			break;
		if (rc < 0) {
			static const char bad[] = "{\"code\":-1000,\"msg\":\"Malformed HTTP request.\"}";
			c->close_after = true;
			conn_respond(c, -rc, "", bad, sizeof bad - 1, false);
			off = c->rlen;
			break;
		}
		tl_sim_venue_tick(&s->venue, venue_now(s));
		tl_sim_rest_handle(&s->rest, &req, venue_now(s), &resp);
		off += (size_t)rc;
		if (resp.action == TL_SIM_RESP_RESET) {
			/* The reset is this request's fault: a client that
			 * pipelined requests before it gets their answers. */
			conn_flush_now(c);
			conn_close(s, c);
			return false;
		}
		if (!req.keep_alive)
			c->close_after = true;
		if (!conn_respond(c, resp.status, resp.headers, resp.body,
				  resp.body_len, req.keep_alive)) {
			conn_close(s, c);
			return false;
		}
		if (resp.delay_ms > 0)
			c->hold_until = mono_ms() + resp.delay_ms;
	}
	if (off) {
		memmove(c->rbuf, c->rbuf + off, c->rlen - off);
		c->rlen -= off;
		/* What is left begins the next request: its timers start now. */
		c->req_start = c->rlen ? mono_ms() : 0;
		c->head_done = 0;
	}
	if (c->hold_until)
		return true;
	return conn_flush(s, c);
}

static void conn_readable(tl_sim_server_t *s, conn_t *c)
{
	for (;;) {
		ssize_t r;

		if (c->rlen == RBUF_CAP) { /* full but no complete request */
			if (!conn_process(s, c) || c->rlen == RBUF_CAP) {
				if (c->fd >= 0)
					conn_close(s, c);
				return;
			}
		}
		r = conn_recv(s, c, c->rbuf + c->rlen, RBUF_CAP - c->rlen);
		if (r == -EAGAIN)
			break;
		if (r <= 0) {
			conn_close(s, c);
			return;
		}
		c->rlen += (size_t)r;
		c->last_active = mono_ms();
		if (!c->req_start)
			c->req_start = c->last_active;
		if (c->hold_until)
			return; /* keep bytes; answered after the hold */
	}
	conn_process(s, c);
}

/* Release held connections whose delay has passed; returns the time
 * until the next hold ends (or `cap`). */
static int srv_holds(tl_sim_server_t *s, int cap)
{
	int64_t now = mono_ms();
	int i, next = cap;

	for (i = 0; i < s->nconns; i++) {
		conn_t *c = &s->conns[i];
		if (c->fd < 0 || !c->hold_until)
			continue;
		if (c->hold_until <= now) {
			c->hold_until = 0;
			if (conn_flush(s, c))
				conn_process(s, c);
		} else if (c->hold_until - now < next) {
			next = (int)(c->hold_until - now);
		}
	}
	return next;
}

/* A request that took too long: 408, then close once it is sent. */
static void conn_timeout(tl_sim_server_t *s, conn_t *c, const char *what)
{
	char body[128];
	int n = snprintf(body, sizeof body,
			 "{\"code\":-1000,\"msg\":\"Request %s timed out.\"}", what);

	c->rlen = 0;
	c->req_start = c->head_done = 0;
	c->close_after = true;
	if ((c->ssl && !c->tls_ready) ||
	    !conn_respond(c, 408, "", body, (size_t)n, false)) {
		conn_close(s, c);
		return;
	}
	conn_flush(s, c);
}

/* REST and stream-handshake connections past their header, body or idle
 * timeout (tl_sim_config_t). Streams have their own ping and lifetime;
 * a connection the server itself holds (latency fault) is waiting on us. */
static void srv_timeouts(tl_sim_server_t *s)
{
	const tl_sim_config_t *cfg = s->cfg;
	int64_t now = mono_ms();

	for (int i = 0; i < s->nconns; i++) {
		conn_t *c = &s->conns[i];

		if (c->fd < 0 || c->kind == CONN_WS || c->hold_until)
			continue;
		if (c->rlen && !c->close_after) {
			if (!c->head_done && tl_sim_http_head_len(c->rbuf, c->rlen))
				c->head_done = now;
			if (!c->head_done && cfg->header_timeout_ms &&
			    now - c->req_start >= cfg->header_timeout_ms)
				conn_timeout(s, c, "header");
			else if (c->head_done && cfg->body_timeout_ms &&
				 now - c->head_done >= cfg->body_timeout_ms)
				conn_timeout(s, c, "body");
		} else if (cfg->idle_timeout_ms &&
			   now - c->last_active >= cfg->idle_timeout_ms) {
			conn_close(s, c);	/* idle, or a reader that stopped reading */
		}
	}
}

int tl_sim_server_run(tl_sim_server_t *s)
{
	struct epoll_event evs[256];

	while (!atomic_load(&s->stop)) {
		int timeout = srv_holds(s, s->cfg->tick_ms < 50 ? s->cfg->tick_ms : 50);
		timeout = tl_sim_stream_next_ms(s, timeout);
		bool spin = atomic_load_explicit(&s->busy_poll, memory_order_relaxed);
		int n = epoll_wait(s->ep, evs, 256, spin ? 0 : timeout), i;

		if (n < 0 && errno != EINTR)
			return -1;
		if (n == 0 && spin) {
#if defined(__x86_64__) || defined(__i386__)
			__builtin_ia32_pause();
#endif
		}
		for (i = 0; i < n; i++) {
			uint64_t tag = evs[i].data.u64;
			if (tag == TAG_REST || tag == TAG_PLAIN || tag == TAG_WS) {
				srv_accept(s, tag == TAG_REST ? TL_SIM_PORT_REST
					   : tag == TAG_WS ? TL_SIM_PORT_WS : TL_SIM_PORT_PLAIN);
			} else if (tag == TAG_WAKE) {
				uint64_t v;
				ssize_t r = read(s->wake, &v, sizeof v);
				(void)r;
			} else {
				conn_t *c = evs[i].data.ptr;
				if (c->fd < 0)
					continue;
				if (evs[i].events & (EPOLLERR | EPOLLHUP) &&
				    !(evs[i].events & EPOLLIN)) {
					conn_close(s, c);
					continue;
				}
				if (evs[i].events & EPOLLOUT) {
					if (c->ssl && !c->tls_ready) {
						conn_arm(s, c, false);
						conn_readable(s, c);
						continue;
					}
					if (!c->hold_until && !conn_flush(s, c))
						continue;
				}
				if (evs[i].events & EPOLLIN)
					conn_readable(s, c);
			}
		}
		tl_sim_venue_tick(&s->venue, venue_now(s));
		tl_sim_stream_tick(s, venue_now(s));
		srv_timeouts(s);
	}
#ifdef FP_ECC
	wc_ecc_fp_free(); /* this thread's ECC point cache (thread-local) */
#endif
	return 0;
}

int64_t tl_sim_srv_mono_ms(void)
{
	return mono_ms();
}

bool tl_sim_srv_append(conn_t *c, const char *b, size_t n)
{
	return conn_append(c, b, n);
}

bool tl_sim_srv_flush(tl_sim_server_t *s, conn_t *c)
{
	return conn_flush(s, c);
}

/* Best effort, never waits: false when output is still pending. */
bool tl_sim_srv_flush_now(conn_t *c)
{
	conn_flush_now(c);
	return c->woff == c->wlen;
}

void tl_sim_srv_close(tl_sim_server_t *s, conn_t *c)
{
	conn_close(s, c);
}
