/*
 * loopback.c - TCP/TLS ping-pong floors and shared paths (loopback.h).
 *
 * Sections: paths and cores; waiting; the echo thread; the client loop.
 * Cold path except the client loop, which allocates nothing and makes one
 * write and as many reads as the kernel needs per round trip (spin: as
 * many non-blocking reads as it takes for the answer to arrive).
 */
#define _GNU_SOURCE
#include "bench/support/loopback.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <wolfssl/options.h>
#include <wolfssl/ssl.h>
#include <wolfssl/wolfcrypt/ecc.h>

#include "bench/support/benchutil.h"

/* ---- paths and cores ---------------------------------------------------- */

static bool lb_exists(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0;
}

/* Directory of ctx->talon into out ("" when unknown). */
static void lb_talon_dir(const tl_bench_ctx_t *ctx, char *out, size_t cap)
{
	out[0] = '\0';
	if (!ctx || !ctx->talon)
		return;
	snprintf(out, cap, "%s", ctx->talon);
	char *slash = strrchr(out, '/');
	if (slash)
		*slash = '\0';
	else
		snprintf(out, cap, ".");
}

int tl_loopback_repo_path(const tl_bench_ctx_t *ctx, const char *rel,
			  char *out, size_t cap)
{
	char dir[2048];

	if ((size_t)snprintf(out, cap, "%s", rel) < cap && lb_exists(out))
		return 0;
	lb_talon_dir(ctx, dir, sizeof dir);
	if (dir[0] && (size_t)snprintf(out, cap, "%s/../%s", dir, rel) < cap &&
	    lb_exists(out))
		return 0;
	return -1;
}

int tl_loopback_tls_dir(const tl_bench_ctx_t *ctx, char *out, size_t cap,
			char *err, size_t errlen)
{
	char dir[2048], probe[2100];

	lb_talon_dir(ctx, dir, sizeof dir);
	if (dir[0]) {
		snprintf(probe, sizeof probe, "%s/tls/ca.pem", dir);
		if (lb_exists(probe) &&
		    (size_t)snprintf(out, cap, "%s/tls", dir) < cap)
			return 0;
	}
	if (tl_loopback_repo_path(ctx, "build/tls/ca.pem", probe, sizeof probe) == 0) {
		probe[strlen(probe) - strlen("/ca.pem")] = '\0';
		if ((size_t)snprintf(out, cap, "%s", probe) < cap)
			return 0;
	}
	snprintf(err, errlen, "build/tls/ca.pem not found (run `make` first)");
	return -1;
}

static bool lb_cpu_allowed(int cpu)
{
	cpu_set_t set;

	if (sched_getaffinity(0, sizeof set, &set) != 0)
		return false;
	return CPU_ISSET(cpu, &set);
}

void tl_loopback_cpus(const tl_bench_ctx_t *ctx, int *a, int *b)
{
	if (ctx && (ctx->cpus[0] >= 0 || ctx->cpus[1] >= 0)) {
		*a = ctx->cpus[0];
		*b = ctx->cpus[1];
		return;
	}
	bool two = lb_cpu_allowed(0) && lb_cpu_allowed(1);
	*a = two ? 0 : -1;
	*b = two ? 1 : -1;
}

/* Pin the calling thread (cpu >= 0); failure only leaves it unpinned. */
static void lb_pin(int cpu)
{
	cpu_set_t set;

	if (cpu < 0)
		return;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	pthread_setaffinity_np(pthread_self(), sizeof set, &set);
}

const char *tl_loopback_ratio(char *buf, size_t cap, const char *name,
			      uint64_t a, uint64_t b)
{
	snprintf(buf, cap, "\"%s\":%.2f", name, b ? (double)a / (double)b : 0.0);
	return buf;
}

/* ---- waiting ------------------------------------------------------------ */

/* A spinning client gives up after this long without an answer: the echo
 * thread is gone or never got a core, and a blocking read would have
 * hung instead (the echo thread waits for as long as the client lives;
 * the client's close ends it). */
#define LB_SPIN_STALL_NS 5000000000LL

/* How one end waits for the other. */
typedef struct lb_wait {
	bool spin;       /* non-blocking socket, poll it in a loop */
	bool yield;      /* spin, but give the core away on an empty poll:
			    both ends share one core, and a pure spin would
			    hold it for a whole time slice before the peer
			    could answer */
	bool stall;      /* give up after LB_SPIN_STALL_NS (client side) */
} lb_wait_t;

/* The two ends may run on the same core: pinned there, or the process
 * may only use one (unpinned ends then share it). */
static bool lb_shared_core(const tl_loopback_opts_t *o)
{
	cpu_set_t set;

	if (o->cpu_client >= 0 && o->cpu_server >= 0)
		return o->cpu_client == o->cpu_server;
	return sched_getaffinity(0, sizeof set, &set) != 0 || CPU_COUNT(&set) < 2;
}

static int lb_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);
	return fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0 ? -1 : 0;
}

/* k from a read or write that moved nothing: try again (interrupted, or
 * a non-blocking socket with nothing to move yet)? */
static bool lb_again(WOLFSSL *ssl, ssize_t k)
{
	if (k == 0)
		return false;	/* the peer closed */
	if (ssl) {
		int e = wolfSSL_get_error(ssl, (int)k);
		return e == WOLFSSL_ERROR_WANT_READ || e == WOLFSSL_ERROR_WANT_WRITE;
	}
	return errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK;
}

/* An empty poll. The clock is read every 1024th only: a read per poll
 * would add its cost to every sample. -1 once stalled. */
static int lb_idle(const lb_wait_t *w, uint64_t *polls, int64_t *since)
{
	if (!w->spin)
		return 0;	/* EINTR on a blocking socket */
	if (w->yield)
		sched_yield();
	if (!w->stall || (++*polls & 1023) != 0)
		return 0;
	int64_t now = tl_bench_now_ns();
	if (!*since)
		*since = now;
	return now - *since > LB_SPIN_STALL_NS ? -1 : 0;
}

/* Read exactly n bytes (TLS or plain). 0; -1 on EOF/error; -2 stalled. */
static int lb_read_full(int fd, WOLFSSL *ssl, const lb_wait_t *w, char *buf,
			size_t n)
{
	size_t got = 0;
	uint64_t polls = 0;
	int64_t since = 0;

	while (got < n) {
		ssize_t k = ssl ? wolfSSL_read(ssl, buf + got, (int)(n - got))
				: read(fd, buf + got, n - got);
		if (k > 0) {
			got += (size_t)k;
			continue;
		}
		if (!lb_again(ssl, k))
			return -1;
		if (lb_idle(w, &polls, &since) < 0)
			return -2;
	}
	return 0;
}

static int lb_write_full(int fd, WOLFSSL *ssl, const lb_wait_t *w,
			 const char *buf, size_t n)
{
	size_t put = 0;
	uint64_t polls = 0;
	int64_t since = 0;

	while (put < n) {
		/* TLS: after WANT_WRITE, the same buffer again (wolfSSL's rule). */
		ssize_t k = ssl ? wolfSSL_write(ssl, buf + put, (int)(n - put))
				: write(fd, buf + put, n - put);
		if (k > 0) {
			put += (size_t)k;
			continue;
		}
		if (!lb_again(ssl, k))
			return -1;
		if (lb_idle(w, &polls, &since) < 0)
			return -2;
	}
	return 0;
}

/* ---- the echo thread ---------------------------------------------------- */

typedef struct lb_run {
	const tl_loopback_opts_t *o;
	size_t req_len, resp_len;
	lb_wait_t wait;            /* the echo thread's (never stalls) */
	int lfd;                   /* listening socket */
	WOLFSSL_CTX *sctx;         /* server TLS context (tls) */
	int rc;                    /* echo thread: 0 or -1 */
	char err[160];
} lb_run_t;

static void lb_nodelay(int fd)
{
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

static void *lb_echo(void *arg)
{
	lb_run_t *r = arg;
	char buf[TL_LOOPBACK_MAX_LEN];
	WOLFSSL *ssl = NULL;

	lb_pin(r->o->cpu_server);
	memset(buf, 'r', sizeof buf);
	int fd = accept(r->lfd, NULL, NULL);
	if (fd < 0) {
		snprintf(r->err, sizeof r->err, "accept: %s", strerror(errno));
		r->rc = -1;
		return NULL;
	}
	lb_nodelay(fd);
	if (r->sctx) {
		ssl = wolfSSL_new(r->sctx);
		if (!ssl || wolfSSL_set_fd(ssl, fd) != WOLFSSL_SUCCESS ||
		    wolfSSL_accept(ssl) != WOLFSSL_SUCCESS) {
			snprintf(r->err, sizeof r->err, "TLS accept failed");
			r->rc = -1;
			goto out;
		}
	}
	/* After the handshake, which stays blocking (it is not timed). */
	if (r->wait.spin && lb_nonblock(fd) < 0) {
		snprintf(r->err, sizeof r->err, "O_NONBLOCK: %s", strerror(errno));
		r->rc = -1;
		goto out;
	}
	/* Until the client closes: a read of 0 there is the normal end. */
	while (lb_read_full(fd, ssl, &r->wait, buf, r->req_len) == 0)
		if (lb_write_full(fd, ssl, &r->wait, buf, r->resp_len) < 0)
			break;
out:
	if (ssl)
		wolfSSL_free(ssl);
	close(fd);
#ifdef FP_ECC
	wc_ecc_fp_free();	/* this thread's ECC point cache (thread-local) */
#endif
	return NULL;
}

/* ---- the client --------------------------------------------------------- */

static int lb_listen(int *port, char *err, size_t errlen)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t sl = sizeof sa;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(fd, 1) < 0 ||
	    getsockname(fd, (struct sockaddr *)&sa, &sl) < 0) {
		snprintf(err, errlen, "listen on 127.0.0.1: %s", strerror(errno));
		close(fd);
		return -1;
	}
	*port = ntohs(sa.sin_port);
	return fd;
}

static WOLFSSL_CTX *lb_tls_ctx(bool server, const char *dir, char *err,
			       size_t errlen)
{
	char a[2100], b[2100];
	WOLFSSL_CTX *c;

	wolfSSL_Init();
	c = wolfSSL_CTX_new(server ? wolfSSLv23_server_method()
				   : wolfSSLv23_client_method());
	if (!c) {
		snprintf(err, errlen, "wolfSSL_CTX_new failed");
		return NULL;
	}
	if (server) {
		snprintf(a, sizeof a, "%s/server.pem", dir);
		snprintf(b, sizeof b, "%s/server.key", dir);
		if (wolfSSL_CTX_use_certificate_chain_file(c, a) != WOLFSSL_SUCCESS ||
		    wolfSSL_CTX_use_PrivateKey_file(c, b, WOLFSSL_FILETYPE_PEM) !=
			    WOLFSSL_SUCCESS) {
			snprintf(err, errlen, "TLS: cannot load %s / %s", a, b);
			wolfSSL_CTX_free(c);
			return NULL;
		}
	} else {
		snprintf(a, sizeof a, "%s/ca.pem", dir);
		if (wolfSSL_CTX_load_verify_locations(c, a, NULL) != WOLFSSL_SUCCESS) {
			snprintf(err, errlen, "TLS: cannot load %s", a);
			wolfSSL_CTX_free(c);
			return NULL;
		}
	}
	return c;
}

int tl_loopback_pingpong(const tl_loopback_opts_t *o, tl_hist_t *h,
			 char *err, size_t errlen)
{
	lb_run_t r = { .o = o, .lfd = -1 };
	lb_wait_t w = { .spin = o->spin, .stall = true };
	WOLFSSL_CTX *cctx = NULL;
	WOLFSSL *ssl = NULL;
	cpu_set_t saved;
	bool have_saved = false;
	bool started = false;
	pthread_t tid;
	int port = 0, fd = -1, rc = -1;
	static char req[TL_LOOPBACK_MAX_LEN], resp[TL_LOOPBACK_MAX_LEN];

	r.req_len = o->req_len ? o->req_len : TL_LOOPBACK_REQ_LEN;
	r.resp_len = o->resp_len ? o->resp_len : TL_LOOPBACK_RESP_LEN;
	if (r.req_len > TL_LOOPBACK_MAX_LEN || r.resp_len > TL_LOOPBACK_MAX_LEN) {
		snprintf(err, errlen, "message longer than %d bytes", TL_LOOPBACK_MAX_LEN);
		return -1;
	}
	memset(req, 'q', r.req_len);
	/* Before lb_pin: the affinity the process was given. */
	w.yield = o->spin && lb_shared_core(o);
	r.wait = (lb_wait_t){ .spin = o->spin, .yield = w.yield };
	if (o->tls) {
		if (!(r.sctx = lb_tls_ctx(true, o->tls_dir, err, errlen)) ||
		    !(cctx = lb_tls_ctx(false, o->tls_dir, err, errlen)))
			goto out;
	}
	if ((r.lfd = lb_listen(&port, err, errlen)) < 0)
		goto out;
	if (pthread_create(&tid, NULL, lb_echo, &r) != 0) {
		snprintf(err, errlen, "pthread_create failed");
		goto out;
	}
	started = true;
	have_saved = pthread_getaffinity_np(pthread_self(), sizeof saved, &saved) == 0;
	lb_pin(o->cpu_client);

	struct sockaddr_in sa = { .sin_family = AF_INET };
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
		snprintf(err, errlen, "connect 127.0.0.1:%d: %s", port, strerror(errno));
		goto out;
	}
	lb_nodelay(fd);
	if (cctx) {
		ssl = wolfSSL_new(cctx);
		if (!ssl || wolfSSL_set_fd(ssl, fd) != WOLFSSL_SUCCESS ||
		    wolfSSL_check_domain_name(ssl, "localhost") != WOLFSSL_SUCCESS ||
		    wolfSSL_connect(ssl) != WOLFSSL_SUCCESS) {
			snprintf(err, errlen, "TLS handshake with the echo thread failed");
			goto out;
		}
	}
	if (o->spin && lb_nonblock(fd) < 0) {
		snprintf(err, errlen, "O_NONBLOCK: %s", strerror(errno));
		goto out;
	}

	int64_t t = tl_bench_now_ns();
	int64_t warm_end = t + (int64_t)(o->warmup_s * 1e9);
	int64_t end = warm_end + (int64_t)(o->duration_s * 1e9);
	uint64_t n = 0;
	for (;;) {
		int64_t t0 = tl_bench_now_ns();
		if (t0 >= end || (o->max_n && n >= o->max_n))
			break;
		int e = lb_write_full(fd, ssl, &w, req, r.req_len);
		if (e == 0)
			e = lb_read_full(fd, ssl, &w, resp, r.resp_len);
		if (e < 0) {
			if (e == -2)
				snprintf(err, errlen, "ping-pong: no answer for %.0f s after "
					 "%llu round trips", LB_SPIN_STALL_NS / 1e9,
					 (unsigned long long)n);
			else
				snprintf(err, errlen, "ping-pong: connection lost after %llu "
					 "round trips", (unsigned long long)n);
			goto out;
		}
		int64_t t1 = tl_bench_now_ns();
		if (t0 >= warm_end) {
			tl_hist_record(h, (uint64_t)(t1 - t0));
			n++;
		}
	}
	if (!n) {
		snprintf(err, errlen, "ping-pong: no round trip in %.2f s", o->duration_s);
		goto out;
	}
	rc = 0;
out:
	if (ssl) {
		wolfSSL_shutdown(ssl);
		wolfSSL_free(ssl);
	}
	if (fd >= 0)
		close(fd);
	if (started) {
		if (rc < 0 && r.lfd >= 0)
			shutdown(r.lfd, SHUT_RDWR);	/* unblock accept */
		pthread_join(tid, NULL);
		if (rc == 0 && r.rc < 0) {
			snprintf(err, errlen, "echo thread: %s", r.err);
			rc = -1;
		}
	}
	if (have_saved)
		pthread_setaffinity_np(pthread_self(), sizeof saved, &saved);
	if (r.lfd >= 0)
		close(r.lfd);
	if (cctx)
		wolfSSL_CTX_free(cctx);
	if (r.sctx)
		wolfSSL_CTX_free(r.sctx);
#ifdef FP_ECC
	if (o->tls)
		wc_ecc_fp_free();	/* the calling thread's ECC point cache */
#endif
	return rc;
}

const char *tl_loopback_floor_name(bool tls, bool spin)
{
	static const char *const names[2][2] = {
		{ "floor.tcp", "floor.tcp.spin" },
		{ "floor.tls", "floor.tls.spin" },
	};
	return names[tls][spin];
}

int tl_loopback_floor(const tl_bench_ctx_t *ctx, double seconds, bool tls,
		      bool spin, tl_hist_t *h, char *err, size_t errlen)
{
	char dir[2048];
	tl_loopback_opts_t o = { .tls = tls, .spin = spin, .warmup_s = 0.2,
				 .duration_s = seconds };

	if (tls) {
		if (tl_loopback_tls_dir(ctx, dir, sizeof dir, err, errlen) < 0)
			return -1;
		o.tls_dir = dir;
	}
	tl_loopback_cpus(ctx, &o.cpu_client, &o.cpu_server);
	return tl_loopback_pingpong(&o, h, err, errlen);
}

int tl_loopback_floor_tcp(const tl_bench_ctx_t *ctx, double seconds,
			  tl_hist_t *h, char *err, size_t errlen)
{
	return tl_loopback_floor(ctx, seconds, false, false, h, err, errlen);
}
