/*
 * uring.c - the connection pool on one io_uring (uring.h).
 *
 * Sections: pool set-up (address, loopback rule, buffers, ring), the
 * per-connection state machine, completions, the public calls.
 *
 * A connection's state machine ("from -> to [function]"):
 *
 *   DOWN       -> CONNECTING  [conn_start]   now >= retry_at (poll)
 *   CONNECTING -> UP          [conn_up]      connect CQE ok, plain
 *   CONNECTING -> HANDSHAKE   [on_connect]   connect CQE ok, TLS
 *   HANDSHAKE  -> UP          [conn_up]      tl_tls_handshake == OK
 *   CONNECTING, HANDSHAKE, UP
 *              -> CLOSING     [conn_fail]    error, EOF, deadline, close
 *   CLOSING    -> DOWN        [conn_down]    no op in flight (poll);
 *                                            the CLOSED/ERROR event
 *
 * Invariants (conn_check):
 *  1. At most one op of each kind (connect, recv, send) is in flight per
 *     connection, and c->ops says which. The kernel owns rx [tail, cap)
 *     while a recv is in flight and tx [head, head + send_len) while a
 *     send is; nobody else writes there, and buffers move (compaction)
 *     only when the matching op is not in flight.
 *  2. fd >= 0 in CONNECTING, HANDSHAKE and UP; a socket is closed only
 *     on the way to DOWN, after its last CQE, so no completion ever
 *     refers to a reused fd.
 *  3. UP and HANDSHAKE always have a recv in flight (or are failing).
 *  4. The heap is touched only by tl_uring_pool_new/free and by TLS session
 *     set-up on (re)connect: every buffer is carved from one block.
 *
 * io_uring use: IORING_OP_CONNECT, IORING_OP_RECV, IORING_OP_SEND
 * (MSG_NOSIGNAL), IORING_OP_ASYNC_CANCEL by user_data on teardown;
 * completions are reaped with io_uring_for_each_cqe + io_uring_cq_advance
 * (no wait); io_uring_submit only when SQEs are queued, so an idle poll
 * makes no syscall; io_uring_wait_cqe_timeout (EXT_ARG) for tl_uring_pool_wait.
 * socket(), setsockopt(), shutdown() and close() are plain syscalls on
 * the cold (re)connect and teardown paths.
 */
#define _GNU_SOURCE
#include "io/net/uring.h"

#include <arpa/inet.h>
#include <assert.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <liburing.h>

#include "io/net/tls.h"

/* Operation kinds in the low bits of a CQE's user_data. */
enum {
	OP_CONNECT = 1,
	OP_RECV = 2,
	OP_SEND = 4,
	OP_WAKE = 3,      /* the read of the wake eventfd (tl_uring_pool_watch) */
	OP_CANCEL = 7,    /* cancel requests: their CQEs are ignored */
	OP_BITS = 3,
};

#define POOL_TLS_PLAIN_CAP 16384  /* one TLS record of plaintext */

typedef struct pool_conn {
	uint32_t id;
	enum tl_uring_conn_state state;
	int fd;
	uint8_t ops;               /* OP_* bits in flight */
	uint32_t inflight;         /* requests outstanding (send..release) */
	bool delivered;            /* DATA seen since this connect */
	bool was_up;               /* CLOSING: it had been UP */
	uint32_t send_len;         /* bytes of the send in flight */
	tl_iobuf_t rx;             /* network bytes in (ciphertext for TLS) */
	tl_iobuf_t tx;             /* network bytes out */
	tl_iobuf_t app;            /* TLS: plaintext waiting for tl_tls_write */
	tl_tls_t tls;
	int64_t deadline;          /* CONNECTING/HANDSHAKE: give up at */
	int64_t retry_at;          /* DOWN: reconnect at */
	int64_t backoff;           /* next delay after a failed attempt */
	int err;                   /* CLOSING: the reason, 0 = clean close */
	size_t unsent;             /* CLOSING: request bytes surely never sent
				    * (conn_unsent) */
	char msg[512];             /* CLOSING: the reason as text */
} pool_conn_t;

struct tl_uring_pool {
	struct io_uring ring;
	bool ring_ok;
	tl_tls_ctx_t *tls;         /* NULL: plain TCP */
	struct sockaddr_storage addr;
	socklen_t addrlen;
	char host[256];
	char server_name[256];
	uint16_t port;
	uint32_t n;
	int64_t connect_timeout, backoff_min, backoff_max;
	int64_t now;               /* of the current/last poll */
	uint32_t queued;           /* SQEs prepared since the last submit */
	tl_uring_pool_cb cb;             /* during tl_uring_pool_poll */
	void *user;
	int events;                /* delivered during this poll */
	uint8_t *mem;              /* every buffer */
	uint8_t *plain;            /* TLS read scratch, POOL_TLS_PLAIN_CAP */
	int wake_fd;               /* -1: none (tl_uring_pool_watch) */
	bool wake_armed;           /* its read is in flight */
	uint64_t wake_buf;         /* what that read fills */
	uint64_t wakes;            /* its completions */
	pool_conn_t conns[];
};

static inline uint64_t pool_ud(uint32_t id, unsigned op)
{
	return ((uint64_t)id << OP_BITS) | op;
}

#ifndef NDEBUG
static bool conn_check(const pool_conn_t *c)
{
	if (c->state == TL_URING_CONN_DOWN)
		return c->fd < 0 && c->ops == 0;
	if (c->fd < 0)   /* only a socket set-up failure, nothing in flight */
		return c->state == TL_URING_CONN_CLOSING && c->ops == 0;
	if (c->rx.head > c->rx.tail || c->rx.tail > c->rx.cap ||
	    c->tx.head > c->tx.tail || c->tx.tail > c->tx.cap)
		return false;
	if ((c->ops & OP_SEND) && c->send_len > c->tx.tail - c->tx.head)
		return false;
	if ((c->state == TL_URING_CONN_UP || c->state == TL_URING_CONN_HANDSHAKE) &&
	    !(c->ops & OP_RECV))
		return false;
	return true;
}
#endif

/* ---- set-up ------------------------------------------------------------- */

static bool pool_is_loopback(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *a = (const void *)ss;
		return (ntohl(a->sin_addr.s_addr) >> 24) == 127;
	}
	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const void *)ss;
		if (IN6_IS_ADDR_LOOPBACK(&a->sin6_addr))
			return true;
		return IN6_IS_ADDR_V4MAPPED(&a->sin6_addr) &&
		       a->sin6_addr.s6_addr[12] == 127;
	}
	return false;
}

/* Resolve cfg->host once (cold: getaddrinfo may block and allocate). */
static int pool_resolve(tl_uring_pool_t *p, const tl_uring_pool_cfg_t *cfg, char *err,
			size_t errlen)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM };
	struct addrinfo *res = NULL;
	char port[8];
	int rc;

	snprintf(port, sizeof port, "%u", (unsigned)cfg->port);
	rc = getaddrinfo(cfg->host, port, &hints, &res);
	if (rc != 0 || !res) {
		snprintf(err, errlen, "pool: cannot resolve %s: %s", cfg->host,
			 rc ? gai_strerror(rc) : "no address");
		return -1;
	}
	memcpy(&p->addr, res->ai_addr, res->ai_addrlen);
	p->addrlen = res->ai_addrlen;
	freeaddrinfo(res);
	return 0;
}

static int pool_check_cfg(const tl_uring_pool_cfg_t *cfg, char *err, size_t errlen)
{
	if (!cfg->host || !*cfg->host || strlen(cfg->host) >= 256) {
		snprintf(err, errlen, "pool: host missing or too long");
		return -1;
	}
	if (cfg->port == 0) {
		snprintf(err, errlen, "pool: port 0");
		return -1;
	}
	if (cfg->conns < 1 || cfg->conns > TL_URING_POOL_MAX_CONNS) {
		snprintf(err, errlen, "pool: conns %u out of range 1..%d",
			 cfg->conns, TL_URING_POOL_MAX_CONNS);
		return -1;
	}
	if (cfg->server_name && strlen(cfg->server_name) >= 256) {
		snprintf(err, errlen, "pool: server_name too long");
		return -1;
	}
	if ((cfg->rx_buf && cfg->rx_buf < 4096) || cfg->rx_buf > (64u << 20) ||
	    (cfg->tx_buf && cfg->tx_buf < 4096) || cfg->tx_buf > (64u << 20)) {
		snprintf(err, errlen, "pool: rx_buf/tx_buf must be 4 KiB..64 MiB");
		return -1;
	}
	/* A whole TLS record (16 KiB + overhead) must fit the input. */
	if (cfg->tls && cfg->rx_buf && cfg->rx_buf < 32768) {
		snprintf(err, errlen, "pool: rx_buf must be >= 32 KiB with TLS");
		return -1;
	}
	return 0;
}

tl_uring_pool_t *tl_uring_pool_new(const tl_uring_pool_cfg_t *cfg, const char **warning,
		       char *err, size_t errlen)
{
	struct io_uring_params prm;
	tl_uring_pool_t *p;
	uint32_t rxc, txc, appc, entries;
	size_t per, total;
	int rc;

	if (warning)
		*warning = NULL;
	if (pool_check_cfg(cfg, err, errlen) < 0)
		return NULL;
	p = calloc(1, sizeof *p + cfg->conns * sizeof(pool_conn_t));
	if (!p) {
		snprintf(err, errlen, "pool: out of memory");
		return NULL;
	}
	p->wake_fd = -1;
	for (uint32_t i = 0; i < cfg->conns; i++)
		p->conns[i].fd = -1;
	p->n = cfg->conns;
	p->port = cfg->port;
	snprintf(p->host, sizeof p->host, "%s", cfg->host);
	snprintf(p->server_name, sizeof p->server_name, "%s",
		 cfg->server_name ? cfg->server_name : cfg->host);
	p->connect_timeout = cfg->connect_timeout_ns ? cfg->connect_timeout_ns
						     : 5000000000LL;
	p->backoff_min = cfg->backoff_min_ns ? cfg->backoff_min_ns : 100000000LL;
	p->backoff_max = cfg->backoff_max_ns ? cfg->backoff_max_ns : 5000000000LL;
	if (p->backoff_max < p->backoff_min)
		p->backoff_max = p->backoff_min;

	if (pool_resolve(p, cfg, err, errlen) < 0)
		goto err;
	if (!cfg->tls && !pool_is_loopback(&p->addr)) {
		snprintf(err, errlen, "pool: plain TCP to %s refused: "
			 "only a loopback address (127.0.0.0/8, ::1) may be "
			 "used without TLS", cfg->host);
		goto err;
	}
	if (cfg->tls) {
		tl_tls_cfg_t tc = { .ca_file = cfg->ca_file,
				    .insecure = cfg->tls_insecure };
		p->tls = tl_tls_ctx_new(&tc, warning, err, errlen);
		if (!p->tls)
			goto err;
	}

	rxc = cfg->rx_buf ? cfg->rx_buf : 65536;
	txc = cfg->tx_buf ? cfg->tx_buf : 65536;
	appc = cfg->tls ? txc : 0;
	per = (size_t)rxc + txc + appc;
	total = per * p->n + (cfg->tls ? POOL_TLS_PLAIN_CAP : 0);
	p->mem = malloc(total);
	if (!p->mem) {
		snprintf(err, errlen, "pool: out of memory (%zu bytes)", total);
		goto err;
	}
	for (uint32_t i = 0; i < p->n; i++) {
		pool_conn_t *c = &p->conns[i];
		uint8_t *b = p->mem + per * i;

		c->id = i;
		c->rx = (tl_iobuf_t){ .base = b, .cap = rxc };
		c->tx = (tl_iobuf_t){ .base = b + rxc, .cap = txc };
		c->app = (tl_iobuf_t){ .base = appc ? b + rxc + txc : NULL,
				       .cap = appc };
	}
	if (cfg->tls)
		p->plain = p->mem + per * p->n;

	/* Per connection at most 3 ops + 3 cancels in flight. */
	entries = 8;
	while (entries < 8 * p->n)
		entries <<= 1;
	memset(&prm, 0, sizeof prm);
	prm.flags = IORING_SETUP_CQSIZE;
	prm.cq_entries = entries * 2;
	rc = io_uring_queue_init_params(entries, &p->ring, &prm);
	if (rc < 0) {
		snprintf(err, errlen, "pool: io_uring_queue_init: %s",
			 strerror(-rc));
		goto err;
	}
	/* No io_uring_register_ring_fd: the registration belongs to the
	 * registering thread, and the pool is usually made on one thread and
	 * polled on the IO thread. No SQPOLL/SINGLE_ISSUER for the same
	 * reason (and SQPOLL would burn a core the box may not have). */
	p->ring_ok = true;
	return p;
err:
	tl_uring_pool_free(p);
	return NULL;
}

void tl_uring_pool_free(tl_uring_pool_t *p)
{
	if (!p)
		return;
	/* Shut the sockets so pending recvs end, then let the ring teardown
	 * cancel and wait for everything before the buffers go. */
	for (uint32_t i = 0; i < p->n; i++)
		if (p->conns[i].fd >= 0)
			shutdown(p->conns[i].fd, SHUT_RDWR);
	if (p->ring_ok)
		io_uring_queue_exit(&p->ring);
	for (uint32_t i = 0; i < p->n; i++) {
		pool_conn_t *c = &p->conns[i];
		if (c->fd >= 0)
			close(c->fd);
		tl_tls_close(&c->tls);
	}
	if (p->tls)
		tl_tls_thread_cache(false);
	tl_tls_ctx_free(p->tls);
	free(p->mem);
	free(p);
}

/* ---- the state machine -------------------------------------------------- */

static struct io_uring_sqe *pool_sqe(tl_uring_pool_t *p)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&p->ring);

	if (!sqe) {
		/* SQ full: push what is queued and try once more. */
		io_uring_submit(&p->ring);
		p->queued = 0;
		sqe = io_uring_get_sqe(&p->ring);
	}
	if (sqe)
		p->queued++;
	return sqe;
}

static void pool_emit(tl_uring_pool_t *p, const tl_uring_conn_ev_t *ev)
{
	p->events++;
	if (p->cb)
		p->cb(p->user, ev);
}

/*
 * The tail of the request bytes tl_uring_conn_send took that surely never
 * reached the kernel, as the caller counts them (plaintext). Whatever may
 * have left counts as sent, because a request that left may have been
 * executed: the bytes of a send in flight (its cancel races the kernel,
 * and a send whose SQE is queued is submitted with the cancel), and with
 * TLS every byte already encrypted (ciphertext cannot be mapped back to
 * requests) plus a write wolfSSL is retrying (part of it may be out).
 * Plain TCP is exact: tx beyond the send in flight.
 */
static size_t conn_unsent(const tl_uring_pool_t *p, const pool_conn_t *c)
{
	uint32_t n;

	if (p->tls) {
		n = tl_iobuf_len(&c->app);
		return n > c->tls.write_retry ? n - c->tls.write_retry : 0;
	}
	n = tl_iobuf_len(&c->tx);
	if (c->ops & OP_SEND)
		n = n > c->send_len ? n - c->send_len : 0;
	return n;
}

/* Start tearing c down: record why, stop its I/O. The event comes from
 * conn_down once the kernel has returned every buffer. */
static void conn_fail(tl_uring_pool_t *p, pool_conn_t *c, int err,
		      const char *fmt, ...)
{
	va_list ap;

	if (c->state == TL_URING_CONN_CLOSING || c->state == TL_URING_CONN_DOWN)
		return;
	c->was_up = c->state == TL_URING_CONN_UP;
	c->state = TL_URING_CONN_CLOSING;
	c->err = err;
	va_start(ap, fmt);
	vsnprintf(c->msg, sizeof c->msg, fmt, ap);
	va_end(ap);
	c->unsent = conn_unsent(p, c);
	if (c->fd >= 0)
		shutdown(c->fd, SHUT_RDWR);
	for (unsigned op = OP_CONNECT; op <= OP_SEND; op <<= 1) {
		struct io_uring_sqe *sqe;

		if (!(c->ops & op) || !(sqe = pool_sqe(p)))
			continue;
		io_uring_prep_cancel64(sqe, pool_ud(c->id, op), 0);
		io_uring_sqe_set_data64(sqe, pool_ud(c->id, OP_CANCEL));
	}
}

static void conn_down(tl_uring_pool_t *p, pool_conn_t *c)
{
	tl_uring_conn_ev_t ev = {
		.kind = c->err ? TL_URING_CONN_EV_ERROR : TL_URING_CONN_EV_CLOSED,
		.conn = c->id, .err = c->err, .msg = c->msg,
		.was_up = c->was_up, .unsent = c->unsent,
	};

	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	tl_tls_close(&c->tls);
	c->rx.head = c->rx.tail = 0;
	c->tx.head = c->tx.tail = 0;
	c->app.head = c->app.tail = 0;
	c->inflight = 0;
	c->state = TL_URING_CONN_DOWN;
	if (c->delivered) {
		c->backoff = 0;         /* it worked: retry at once */
	}
	c->retry_at = p->now + c->backoff;
	c->backoff = c->backoff ? c->backoff * 2 : p->backoff_min;
	if (c->backoff > p->backoff_max)
		c->backoff = p->backoff_max;
	c->delivered = false;
	assert(conn_check(c));
	pool_emit(p, &ev);
}

static void conn_post_recv(tl_uring_pool_t *p, pool_conn_t *c)
{
	struct io_uring_sqe *sqe;

	if (c->ops & OP_RECV)
		return;
	/* compaction: only here, with no recv in flight */
	if (c->rx.head == c->rx.tail) {
		c->rx.head = c->rx.tail = 0;
	} else if (c->rx.head > 0) {
		memmove(c->rx.base, c->rx.base + c->rx.head, tl_iobuf_len(&c->rx));
		c->rx.tail -= c->rx.head;
		c->rx.head = 0;
	}
	if (tl_iobuf_room(&c->rx) == 0) {
		conn_fail(p, c, -EMSGSIZE, "receive buffer full (%u bytes): "
			  "a TLS record does not fit", c->rx.cap);
		return;
	}
	sqe = pool_sqe(p);
	if (!sqe) {
		conn_fail(p, c, -EBUSY, "io_uring submission queue full");
		return;
	}
	io_uring_prep_recv(sqe, c->fd, c->rx.base + c->rx.tail,
			   tl_iobuf_room(&c->rx), 0);
	io_uring_sqe_set_data64(sqe, pool_ud(c->id, OP_RECV));
	c->ops |= OP_RECV;
}

/* Move queued bytes on: plaintext through TLS, then a send if none is in
 * flight. Called after every change that could let bytes move. */
static void conn_flush(tl_uring_pool_t *p, pool_conn_t *c)
{
	struct io_uring_sqe *sqe;

	if (c->state != TL_URING_CONN_UP && c->state != TL_URING_CONN_HANDSHAKE)
		return;
	while (c->state == TL_URING_CONN_UP && tl_iobuf_len(&c->app) > 0) {
		size_t took;
		int rc = tl_tls_write(&c->tls, c->app.base + c->app.head,
				      tl_iobuf_len(&c->app), &took);

		if (rc == TL_TLS_ERROR) {
			conn_fail(p, c, -EPROTO, "%s", tl_tls_error(&c->tls));
			return;
		}
		c->app.head += (uint32_t)took;
		if (c->app.head == c->app.tail)
			c->app.head = c->app.tail = 0;
		if (rc == TL_TLS_WANT)
			break;
	}
	if ((c->ops & OP_SEND) || tl_iobuf_len(&c->tx) == 0)
		return;
	if (c->tx.head > 0) {      /* no send in flight: compact */
		memmove(c->tx.base, c->tx.base + c->tx.head, tl_iobuf_len(&c->tx));
		c->tx.tail -= c->tx.head;
		c->tx.head = 0;
	}
	sqe = pool_sqe(p);
	if (!sqe)
		return;           /* retried by the next poll */
	c->send_len = tl_iobuf_len(&c->tx);
	io_uring_prep_send(sqe, c->fd, c->tx.base, c->send_len, MSG_NOSIGNAL);
	io_uring_sqe_set_data64(sqe, pool_ud(c->id, OP_SEND));
	c->ops |= OP_SEND;
}

/* Bytes queued since the last look go out (tl_uring_conn_send only
 * queues: what one caller's burst queued leaves in one send, and with TLS
 * in one record, instead of one each). */
static void conn_flush_queued(tl_uring_pool_t *p, pool_conn_t *c)
{
	if (!(c->ops & OP_SEND) && (tl_iobuf_len(&c->tx) || tl_iobuf_len(&c->app)))
		conn_flush(p, c);
}

static void conn_start(tl_uring_pool_t *p, pool_conn_t *c)
{
	struct io_uring_sqe *sqe;
	int one = 1;

	/* Blocking socket on purpose: io_uring completes the ops async. */
	c->fd = socket(p->addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c->fd < 0) {
		c->err = -errno;
		goto fail;
	}
	if (setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) < 0) {
		c->err = -errno;
		goto fail;
	}
	sqe = pool_sqe(p);
	if (!sqe) {
		c->err = -EBUSY;
		goto fail;
	}
	io_uring_prep_connect(sqe, c->fd, (const struct sockaddr *)&p->addr,
			      p->addrlen);
	io_uring_sqe_set_data64(sqe, pool_ud(c->id, OP_CONNECT));
	c->ops = OP_CONNECT;
	c->state = TL_URING_CONN_CONNECTING;
	c->deadline = p->now + p->connect_timeout;
	c->err = 0;
	c->msg[0] = 0;
	return;
fail:
	/* Reported like any failed attempt: CLOSING now, DOWN this poll. */
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	c->ops = 0;
	c->state = TL_URING_CONN_CLOSING;
	c->was_up = false;
	c->unsent = 0;
	snprintf(c->msg, sizeof c->msg, "socket set-up for %s:%u: %s",
		 p->host, (unsigned)p->port, strerror(-c->err));
}

static void conn_up(tl_uring_pool_t *p, pool_conn_t *c)
{
	tl_uring_conn_ev_t ev = { .kind = TL_URING_CONN_EV_CONNECTED, .conn = c->id };

	c->state = TL_URING_CONN_UP;
	pool_emit(p, &ev);
}

/* Drive the handshake after any I/O; on completion the connection is UP. */
static void conn_handshake(tl_uring_pool_t *p, pool_conn_t *c)
{
	int rc = tl_tls_handshake(&c->tls);

	if (rc == TL_TLS_ERROR) {
		conn_fail(p, c, -EPROTO, "%s:%u: %s", p->host, (unsigned)p->port,
			  tl_tls_error(&c->tls));
		return;
	}
	if (rc == TL_TLS_OK)
		conn_up(p, c);
	conn_flush(p, c);
}

/* Hand the plaintext in the windows to the callback. */
static void conn_deliver(tl_uring_pool_t *p, pool_conn_t *c)
{
	tl_uring_conn_ev_t ev = { .kind = TL_URING_CONN_EV_DATA, .conn = c->id };

	if (!p->tls) {
		ev.data = c->rx.base + c->rx.head;
		ev.len = tl_iobuf_len(&c->rx);
		c->rx.head = c->rx.tail;
		c->delivered = true;
		pool_emit(p, &ev);
		return;
	}
	while (c->state == TL_URING_CONN_UP) {
		size_t got;
		int rc = tl_tls_read(&c->tls, p->plain, POOL_TLS_PLAIN_CAP, &got);

		if (rc == TL_TLS_WANT)
			break;
		if (rc == TL_TLS_CLOSED) {
			conn_fail(p, c, 0, "closed by peer (close_notify)");
			return;
		}
		if (rc == TL_TLS_ERROR) {
			conn_fail(p, c, -EPROTO, "%s", tl_tls_error(&c->tls));
			return;
		}
		ev.data = p->plain;
		ev.len = got;
		c->delivered = true;
		pool_emit(p, &ev);
	}
	conn_flush(p, c);   /* reading may have produced records to send */
}

/* ---- completions -------------------------------------------------------- */

static void on_connect(tl_uring_pool_t *p, pool_conn_t *c, int res)
{
	if (c->state != TL_URING_CONN_CONNECTING)
		return;
	if (res < 0) {
		conn_fail(p, c, res, "connect %s:%u: %s", p->host,
			  (unsigned)p->port, strerror(-res));
		return;
	}
	if (!p->tls) {
		conn_up(p, c);
		conn_post_recv(p, c);
		conn_flush(p, c);
		return;
	}
	c->state = TL_URING_CONN_HANDSHAKE;
	if (tl_tls_open(&c->tls, p->tls, p->server_name, &c->rx, &c->tx) < 0) {
		conn_fail(p, c, -EPROTO, "%s", tl_tls_error(&c->tls));
		return;
	}
	conn_post_recv(p, c);
	conn_handshake(p, c);
}

static void on_recv(tl_uring_pool_t *p, pool_conn_t *c, int res)
{
	if (c->state != TL_URING_CONN_UP && c->state != TL_URING_CONN_HANDSHAKE)
		return;
	if (res == 0) {
		conn_fail(p, c, 0, "closed by peer");
		return;
	}
	if (res < 0) {
		conn_fail(p, c, res, "recv: %s", strerror(-res));
		return;
	}
	c->rx.tail += (uint32_t)res;
	if (c->state == TL_URING_CONN_HANDSHAKE)
		conn_handshake(p, c);
	if (c->state == TL_URING_CONN_UP)
		conn_deliver(p, c);
	if (c->state == TL_URING_CONN_UP || c->state == TL_URING_CONN_HANDSHAKE)
		conn_post_recv(p, c);
}

static void on_send(tl_uring_pool_t *p, pool_conn_t *c, int res)
{
	if (c->state != TL_URING_CONN_UP && c->state != TL_URING_CONN_HANDSHAKE)
		return;
	if (res < 0) {
		conn_fail(p, c, res, "send: %s", strerror(-res));
		return;
	}
	c->tx.head += (uint32_t)res;
	if (c->tx.head == c->tx.tail)
		c->tx.head = c->tx.tail = 0;
	if (c->state == TL_URING_CONN_HANDSHAKE)
		conn_handshake(p, c);    /* it may have waited for room */
	else
		conn_flush(p, c);
}

static void pool_complete(tl_uring_pool_t *p, uint64_t ud, int res)
{
	unsigned op = (unsigned)(ud & ((1u << OP_BITS) - 1));
	uint32_t id = (uint32_t)(ud >> OP_BITS);
	pool_conn_t *c;

	if (op == OP_WAKE) {
		p->wake_armed = false;	/* re-armed by the next poll or wait */
		p->wakes++;
		return;
	}
	if (op == OP_CANCEL || id >= p->n)
		return;
	c = &p->conns[id];
	c->ops &= (uint8_t)~op;
	if (op == OP_CONNECT)
		on_connect(p, c, res);
	else if (op == OP_RECV)
		on_recv(p, c, res);
	else if (op == OP_SEND)
		on_send(p, c, res);
	assert(conn_check(c));
}

/* Keep a read of the wake eventfd in flight, so that a producer's write
 * ends tl_uring_pool_wait like a response does. */
static void pool_arm_wake(tl_uring_pool_t *p)
{
	struct io_uring_sqe *sqe;

	if (p->wake_fd < 0 || p->wake_armed || !(sqe = pool_sqe(p)))
		return;
	io_uring_prep_read(sqe, p->wake_fd, &p->wake_buf, sizeof(p->wake_buf), 0);
	io_uring_sqe_set_data64(sqe, pool_ud(0, OP_WAKE));
	p->wake_armed = true;
}

/* ---- public calls ------------------------------------------------------- */

int tl_uring_pool_watch(tl_uring_pool_t *p, int fd)
{
	if (p->wake_fd >= 0 && p->wake_fd != fd)
		return -EBUSY;
	p->wake_fd = fd;
	return 0;
}

int tl_uring_pool_notify(tl_uring_pool_t *p, int fd)
{
	return io_uring_register_eventfd(&p->ring, fd);
}

uint64_t tl_uring_pool_wakes(const tl_uring_pool_t *p)
{
	return p->wakes;
}

int tl_uring_pool_poll(tl_uring_pool_t *p, int64_t now, tl_uring_pool_cb cb, void *user)
{
	struct io_uring_cqe *cqe;
	unsigned head, seen;
	int work, submitted = 0;

	if (p->tls)
		tl_tls_thread_cache(true);
	p->now = now;
	p->cb = cb;
	p->user = user;
	p->events = 0;
	pool_arm_wake(p);
	for (uint32_t i = 0; i < p->n; i++) {
		pool_conn_t *c = &p->conns[i];

		switch (c->state) {
		case TL_URING_CONN_DOWN:
			if (now >= c->retry_at)
				conn_start(p, c);
			break;
		case TL_URING_CONN_CONNECTING:
		case TL_URING_CONN_HANDSHAKE:
			if (now >= c->deadline) {
				conn_fail(p, c, -ETIMEDOUT, "%s %s:%u timed out",
					  c->state == TL_URING_CONN_CONNECTING
						  ? "connect" : "TLS handshake",
					  p->host, (unsigned)p->port);
				break;
			}
			/* a send may wait for an SQE */
			__attribute__((fallthrough));
		case TL_URING_CONN_UP:
			conn_flush_queued(p, c);
			break;
		case TL_URING_CONN_CLOSING:
			break;
		}
	}
	if (p->queued) {
		int rc = io_uring_submit(&p->ring);
		if (rc < 0 && rc != -EBUSY && rc != -EAGAIN)
			return rc;
		submitted = rc > 0 ? rc : 0;
		p->queued = 0;
	}
	seen = 0;
	io_uring_for_each_cqe(&p->ring, head, cqe) {
		pool_complete(p, cqe->user_data, cqe->res);
		seen++;
	}
	io_uring_cq_advance(&p->ring, seen);
	for (uint32_t i = 0; i < p->n; i++) {
		pool_conn_t *c = &p->conns[i];
		if (c->state == TL_URING_CONN_CLOSING && c->ops == 0)
			conn_down(p, c);
	}
	/* Completions usually queue the next op: send it now, not next poll. */
	if (p->queued) {
		int rc = io_uring_submit(&p->ring);
		if (rc < 0 && rc != -EBUSY && rc != -EAGAIN)
			return rc;
		submitted += rc > 0 ? rc : 0;
		p->queued = 0;
	}
	work = p->events + (int)seen + submitted;
	p->cb = NULL;
	p->user = NULL;
	return work;
}

int tl_uring_pool_wait(tl_uring_pool_t *p, int64_t max_ns)
{
	struct __kernel_timespec ts = {
		.tv_sec = max_ns / 1000000000LL,
		.tv_nsec = max_ns % 1000000000LL,
	};
	struct io_uring_cqe *cqe;
	int rc;

	pool_arm_wake(p);
	/* requests queued since the last poll leave before we sleep */
	for (uint32_t i = 0; i < p->n; i++)
		if (p->conns[i].state == TL_URING_CONN_UP)
			conn_flush_queued(p, &p->conns[i]);
	if (p->queued) {
		io_uring_submit(&p->ring);
		p->queued = 0;
	}
	rc = io_uring_wait_cqe_timeout(&p->ring, &cqe, &ts);
	return rc == 0 ? 1 : rc == -ETIME ? 0 : rc;
}

int tl_uring_conn_send(tl_uring_pool_t *p, uint32_t id, const void *data, size_t len)
{
	pool_conn_t *c;
	tl_iobuf_t *q;

	if (id >= p->n)
		return -EINVAL;
	c = &p->conns[id];
	if (c->state != TL_URING_CONN_UP)
		return -ENOTCONN;
	q = p->tls ? &c->app : &c->tx;
	if (len > q->cap)
		return -EMSGSIZE;
	if (len > tl_iobuf_room(q)) {
		/* Compact only what nobody else points into: the send in
		 * flight reads tx, a retried TLS write reads app. */
		bool pinned = p->tls ? c->tls.write_retry != 0
				     : (c->ops & OP_SEND) != 0;
		if (pinned || len > q->cap - tl_iobuf_len(q))
			return -EAGAIN;
		memmove(q->base, q->base + q->head, tl_iobuf_len(q));
		q->tail -= q->head;
		q->head = 0;
	}
	memcpy(q->base + q->tail, data, len);
	q->tail += (uint32_t)len;
	c->inflight++;
	return 0;	/* sent by the next poll or wait (conn_flush_queued) */
}

int tl_uring_conn_idle(const tl_uring_pool_t *p)
{
	return tl_uring_conn_pick(p, 1);
}

int tl_uring_conn_pick(const tl_uring_pool_t *p, uint32_t max_inflight)
{
	int best = -EAGAIN;
	uint32_t least = max_inflight;

	for (uint32_t i = 0; i < p->n; i++) {
		const pool_conn_t *c = &p->conns[i];

		if (c->state == TL_URING_CONN_UP && c->inflight < least) {
			least = c->inflight;
			best = (int)i;
			if (least == 0)
				break;	/* nothing beats idle; lower ids first */
		}
	}
	return best;
}

uint32_t tl_uring_conn_inflight(const tl_uring_pool_t *p, uint32_t id)
{
	return id < p->n ? p->conns[id].inflight : 0;
}

void tl_uring_conn_release(tl_uring_pool_t *p, uint32_t id)
{
	if (id < p->n && p->conns[id].inflight > 0)
		p->conns[id].inflight--;
}

void tl_uring_conn_close(tl_uring_pool_t *p, uint32_t id)
{
	if (id < p->n)
		conn_fail(p, &p->conns[id], -ECANCELED, "closed by caller");
}

enum tl_uring_conn_state tl_uring_conn_state(const tl_uring_pool_t *p, uint32_t id)
{
	return id < p->n ? p->conns[id].state : TL_URING_CONN_DOWN;
}

uint32_t tl_uring_pool_up(const tl_uring_pool_t *p)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < p->n; i++)
		n += p->conns[i].state == TL_URING_CONN_UP;
	return n;
}
