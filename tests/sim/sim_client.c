/*
 * sim_client.c - see sim_client.h. Lives in tests/sim/ (test-only);
 * included by the test files that need it.
 */
#define _GNU_SOURCE
#include "tests/sim/sim_client.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <wolfssl/options.h>
#include <wolfssl/ssl.h>
#include <wolfssl/wolfcrypt/ecc.h>

#include "sim/auth.h"
#include "tests/support/tl_test.h"

static void *simc_thread(void *arg)
{
	tl_sim_server_run(arg);
	return NULL;
}

static pthread_t simc_tid;

tl_sim_server_t *simc_server_start(const tl_sim_config_t *cfg)
{
	char err[256];
	tl_sim_server_t *s = tl_sim_server_new(cfg, err, sizeof err);

	if (!s) {
		fprintf(stderr, "server: %s\n", err);
		return NULL;
	}
	pthread_create(&simc_tid, NULL, simc_thread, s);
	return s;
}

void simc_server_stop(tl_sim_server_t *s)
{
	if (!s)
		return;
	tl_sim_server_stop(s);
	pthread_join(simc_tid, NULL);
	tl_sim_server_free(s);
}

int simc_connect(simc_t *c, int port, const char *ca)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	struct timeval tv = { .tv_sec = 5 };
	int one = 1;

	c->fd = socket(AF_INET, SOCK_STREAM, 0);
	c->ssl = NULL;
	c->ctx = NULL;
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	if (connect(c->fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
		/* A signal (the engine's threads run in this process) cut
		 * the wait, not the connect: it goes on; wait for it. */
		struct pollfd p = { .fd = c->fd, .events = POLLOUT };
		int err = 0;
		socklen_t el = sizeof err;

		if (errno != EINTR)
			return -1;
		while (poll(&p, 1, 5000) < 0)
			if (errno != EINTR)
				return -1;
		if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &el) < 0 || err)
			return -1;
	}
	if (ca) {
		WOLFSSL_CTX *ctx;
		WOLFSSL *ssl;
		wolfSSL_Init();
		ctx = wolfSSL_CTX_new(wolfSSLv23_client_method());
		if (!ctx || wolfSSL_CTX_load_verify_locations(ctx, ca, NULL) != WOLFSSL_SUCCESS)
			return -1;
		ssl = wolfSSL_new(ctx);
		wolfSSL_set_fd(ssl, c->fd);
		wolfSSL_check_domain_name(ssl, "localhost");
		c->ctx = ctx;
		c->ssl = ssl;
		if (wolfSSL_connect(ssl) != WOLFSSL_SUCCESS)
			return -1;
	}
	return 0;
}

void simc_close(simc_t *c)
{
	if (c->ssl)
		wolfSSL_free(c->ssl);
	if (c->ctx)
		wolfSSL_CTX_free(c->ctx);
	c->ssl = c->ctx = NULL;
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
#ifdef FP_ECC
	wc_ecc_fp_free();
#endif
}

/* A signal cuts a blocking recv or send short (EINTR): that is no
 * failure of the request, which must not be sent again (an admin POST
 * such as /sim/mark is not idempotent); the call is simply repeated. */
static ssize_t simc_recv(simc_t *c, char *b, size_t n)
{
	ssize_t r;

	if (c->ssl)
		return wolfSSL_read(c->ssl, b, (int)n);
	while ((r = recv(c->fd, b, n, 0)) < 0 && errno == EINTR)
		;
	return r;
}

int simc_send_all(simc_t *c, const char *buf, size_t n)
{
	size_t off = 0;

	while (off < n) {
		ssize_t r = c->ssl ? wolfSSL_write(c->ssl, buf + off, (int)(n - off))
				   : send(c->fd, buf + off, n - off, MSG_NOSIGNAL);
		if (r < 0 && !c->ssl && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		off += (size_t)r;
	}
	return 0;
}

/* Buffered bytes after the last parsed response (pipelining). */
static char simc_pend[1 << 20];
static size_t simc_npend;

int simc_read_response(simc_t *c)
{
	size_t clen = 0;
	char *eoh, *cl;

	for (;;) {
		simc_pend[simc_npend] = 0;
		eoh = strstr(simc_pend, "\r\n\r\n");
		if (eoh) {
			size_t hl = (size_t)(eoh - simc_pend) + 4;
			memcpy(c->headers, simc_pend, hl < sizeof c->headers ? hl : sizeof c->headers - 1);
			c->headers[hl < sizeof c->headers ? hl : sizeof c->headers - 1] = 0;
			cl = strcasestr(c->headers, "Content-Length:");
			clen = cl ? (size_t)atol(cl + 15) : 0;
			if (simc_npend >= hl + clen) {
				memcpy(c->body, simc_pend + hl, clen);
				c->body[clen] = 0;
				c->body_len = clen;
				memmove(simc_pend, simc_pend + hl + clen, simc_npend - hl - clen);
				simc_npend -= hl + clen;
				c->status = atoi(c->headers + 9);
				return c->status;
			}
		}
		{
			ssize_t r = simc_recv(c, simc_pend + simc_npend,
					      sizeof simc_pend - 1 - simc_npend);
			if (r <= 0)
				return -1;
			simc_npend += (size_t)r;
		}
	}
}

int simc_raw(simc_t *c, const char *method, const char *path,
	     const char *query, const char *body, const char *apikey)
{
	static char req[1 << 16];
	int n;

	simc_npend = 0;
	n = snprintf(req, sizeof req,
		     "%s %s%s%s HTTP/1.1\r\nHost: 127.0.0.1\r\n%s%s%s"
		     "Content-Type: application/x-www-form-urlencoded\r\n"
		     "Content-Length: %zu\r\n\r\n%s",
		     method, path, query && *query ? "?" : "", query ? query : "",
		     apikey ? "X-MBX-APIKEY: " : "", apikey ? apikey : "",
		     apikey ? "\r\n" : "", body ? strlen(body) : 0, body ? body : "");
	if (simc_send_all(c, req, (size_t)n) < 0)
		return -1;
	return simc_read_response(c);
}

int simc_signed(simc_t *c, const char *method, const char *path,
		const char *params, bool in_body)
{
	static char all[1 << 15], sig[65];
	struct timespec ts;
	long long now;
	int n;

	clock_gettime(CLOCK_REALTIME, &ts);
	now = (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 + c->ts_offset;
	n = snprintf(all, sizeof all, "%s%stimestamp=%lld", params,
		     *params ? "&" : "", now);
	tl_sim_hmac_hex(c->secret, strlen(c->secret), all, (size_t)n, sig);
	snprintf(all + n, sizeof all - (size_t)n, "&signature=%s", sig);
	return in_body ? simc_raw(c, method, path, "", all, c->key)
		       : simc_raw(c, method, path, all, "", c->key);
}

const char *simc_header(simc_t *c, const char *name, char *out, size_t cap)
{
	char pat[128];
	const char *p, *e;
	size_t n;

	snprintf(pat, sizeof pat, "\r\n%s:", name);
	p = strcasestr(c->headers, pat);
	if (!p)
		return NULL;
	p += strlen(pat);
	while (*p == ' ')
		p++;
	e = strstr(p, "\r\n");
	n = (size_t)(e - p);
	if (n >= cap)
		n = cap - 1;
	memcpy(out, p, n);
	out[n] = 0;
	return out;
}

tl_sim_server_t *simc_start_rest(const tl_sim_config_t *cfg, simc_t *c)
{
	tl_sim_server_t *s = simc_server_start(cfg);

	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CU_ASSERT_EQUAL_FATAL(simc_connect(c, tl_sim_server_port(s, TL_SIM_PORT_REST), NULL), 0);
	c->key = cfg->acct[0].api_key;
	c->secret = cfg->acct[0].api_secret;
	c->ts_offset = 0;
	return s;
}

void simc_stop_rest(tl_sim_server_t **s, simc_t *c)
{
	simc_close(c);
	simc_server_stop(*s);
	*s = NULL;
}

bool simc_body_has(const simc_t *c, const char *needle)
{
	bool ok = strstr(c->body, needle) != NULL;

	if (!ok)
		fprintf(stderr, "\n  body lacks %s: %s\n", needle, c->body);
	return ok;
}

void simc_listen_key(simc_t *c, char out[static 65])
{
	/* the body is {"listenKey":"<64 characters>"} */
	CU_ASSERT_EQUAL_FATAL(simc_raw(c, "POST", "/fapi/v1/listenKey", "", "", c->key), 200);
	CU_ASSERT_FATAL(c->body_len == 80);
	memcpy(out, c->body + 14, 64);
	out[64] = 0;
}
