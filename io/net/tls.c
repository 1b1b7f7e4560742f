/*
 * tls.c - wolfSSL client sessions over memory windows (tls.h).
 *
 * Sections: the record-buffer cache, context (CA, verification mode),
 * the two I/O callbacks, session open/close, handshake/read/write, error
 * text.
 *
 * Invariants:
 *  1. wolfSSL's callbacks only ever touch t->in [head, tail) (consume) and
 *     t->out [tail, cap) (append); they never block and never fail on an
 *     empty input or a full output: they answer WANT_READ / WANT_WRITE.
 *  2. A fatal result leaves a message in t->err; callers do not retry.
 *  3. Verification is on unless the context was built with insecure.
 *  4. Every block the record-buffer cache holds or hands out is a plain
 *     malloc() block, so any thread may free it with free().
 */
#define _GNU_SOURCE
#include "io/net/tls.h"

#include <arpa/inet.h>
#include <malloc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <wolfssl/options.h>
#include <wolfssl/ssl.h>
#include <wolfssl/error-ssl.h>
#include <wolfssl/wolfcrypt/error-crypt.h>
#include <wolfssl/wolfcrypt/memory.h>
#include <wolfssl/wolfcrypt/ecc.h>

struct tl_tls_ctx {
	WOLFSSL_CTX *ctx;
	bool insecure;
};

static const char tls_insecure_warning[] =
	"TLS certificate verification is OFF (tls insecure): the venue's "
	"identity is not checked; never use this outside a test";

/* ---- the record-buffer cache --------------------------------------------
 *
 * wolfSSL (built without LARGE_STATIC_BUFFERS, as Debian ships it) mallocs
 * a buffer for every record it sends or receives and frees it right after:
 * four allocator calls per request/response. wolfSSL_SetAllocators lets us
 * put a small per-thread cache in front of malloc: a thread that opted in
 * (tl_tls_thread_cache) keeps up to CACHE_SLOTS freed blocks and hands
 * them back on the next allocation that fits, so the steady state touches
 * no allocator at all. Threads that did not opt in pass straight through
 * to malloc/free/realloc, so installing the hooks changes nothing for
 * them (blocks stay interchangeable: invariant 4).
 */
#define CACHE_SLOTS 8
#define CACHE_MAX_BLOCK (80u << 10)

typedef struct tls_cache {
	bool on;
	bool keyed;              /* registered for the thread-exit drain */
	uint8_t n;
	void *blk[CACHE_SLOTS];
	size_t sz[CACHE_SLOTS];
} tls_cache_t;

static _Thread_local tls_cache_t tls_cache;
static pthread_once_t tls_cache_once = PTHREAD_ONCE_INIT;
static pthread_key_t tls_cache_key;

static void tls_cache_drain(tls_cache_t *c)
{
	while (c->n > 0)
		free(c->blk[--c->n]);
}

/* Thread exit of a thread that turned the cache on (the IO thread): also
 * free wolfSSL's per-thread fixed-point ECC cache, which nothing else
 * frees and which would leak with the thread. */
static void tls_cache_exit(void *arg)
{
	tls_cache_t *c = arg;

	c->on = false;
	tls_cache_drain(c);
#ifdef FP_ECC
	wc_ecc_fp_free();
#endif
}

static void *tls_cache_malloc(size_t sz)
{
	tls_cache_t *c = &tls_cache;
	int best = -1;

	if (c->on) {
		for (int i = 0; i < c->n; i++)
			if (c->sz[i] >= sz && (best < 0 || c->sz[i] < c->sz[best]))
				best = i;
		if (best >= 0) {
			void *b = c->blk[best];
			c->n--;
			c->blk[best] = c->blk[c->n];
			c->sz[best] = c->sz[c->n];
			return b;
		}
	}
	return malloc(sz);
}

static void tls_cache_free(void *ptr)
{
	tls_cache_t *c = &tls_cache;
	size_t sz;

	if (!ptr)
		return;
	if (c->on && c->n < CACHE_SLOTS &&
	    (sz = malloc_usable_size(ptr)) <= CACHE_MAX_BLOCK) {
		c->blk[c->n] = ptr;
		c->sz[c->n] = sz;
		c->n++;
		return;
	}
	free(ptr);
}

static void *tls_cache_realloc(void *ptr, size_t sz)
{
	return realloc(ptr, sz);
}

static void tls_cache_install(void)
{
	(void)pthread_key_create(&tls_cache_key, tls_cache_exit);
	wolfSSL_SetAllocators(tls_cache_malloc, tls_cache_free,
			      tls_cache_realloc);
}

void tl_tls_thread_cache(bool on)
{
	tls_cache_t *c = &tls_cache;

	if (on == c->on)
		return;
	pthread_once(&tls_cache_once, tls_cache_install);
	if (on && !c->keyed) {
		(void)pthread_setspecific(tls_cache_key, c);
		c->keyed = true;
	}
	c->on = on;
	if (!on)
		tls_cache_drain(c);
}

/* ---- context ------------------------------------------------------------ */

tl_tls_ctx_t *tl_tls_ctx_new(const tl_tls_cfg_t *cfg, const char **warning,
			     char *err, size_t errlen)
{
	tl_tls_ctx_t *c;
	int rc;

	if (warning)
		*warning = NULL;
	if (!cfg->insecure && (!cfg->ca_file || !*cfg->ca_file)) {
		snprintf(err, errlen, "tls: no CA file (verification needs one; "
			 "turning it off needs the explicit insecure flag)");
		return NULL;
	}
	c = calloc(1, sizeof *c);
	if (!c) {
		snprintf(err, errlen, "tls: out of memory");
		return NULL;
	}
	pthread_once(&tls_cache_once, tls_cache_install);
	if (wolfSSL_Init() != WOLFSSL_SUCCESS) {
		snprintf(err, errlen, "tls: wolfSSL_Init failed");
		free(c);
		return NULL;
	}
	c->ctx = wolfSSL_CTX_new(wolfSSLv23_client_method());
	if (!c->ctx) {
		snprintf(err, errlen, "tls: cannot create a wolfSSL context");
		goto err;
	}
	if (wolfSSL_CTX_SetMinVersion(c->ctx, WOLFSSL_TLSV1_2) != WOLFSSL_SUCCESS) {
		snprintf(err, errlen, "tls: cannot require TLS 1.2");
		goto err;
	}
	if (cfg->ca_file && *cfg->ca_file) {
		rc = wolfSSL_CTX_load_verify_locations(c->ctx, cfg->ca_file, NULL);
		if (rc != WOLFSSL_SUCCESS) {
			snprintf(err, errlen, "tls: cannot load CA file %s (%d)",
				 cfg->ca_file, rc);
			goto err;
		}
	}
	c->insecure = cfg->insecure;
	wolfSSL_CTX_set_verify(c->ctx, c->insecure ? WOLFSSL_VERIFY_NONE
						   : WOLFSSL_VERIFY_PEER, NULL);
	if (c->insecure && warning)
		*warning = tls_insecure_warning;
	return c;
err:
	if (c->ctx)
		wolfSSL_CTX_free(c->ctx);
	wolfSSL_Cleanup();
	free(c);
	return NULL;
}

void tl_tls_ctx_free(tl_tls_ctx_t *c)
{
	if (!c)
		return;
	wolfSSL_CTX_free(c->ctx);
	wolfSSL_Cleanup();
	free(c);
}

/* ---- I/O callbacks: the windows instead of a socket --------------------- */

static int tls_cb_recv(WOLFSSL *ssl, char *buf, int sz, void *arg)
{
	tl_tls_t *t = arg;
	uint32_t have = tl_iobuf_len(t->in);

	(void)ssl;
	if (have == 0)
		return WOLFSSL_CBIO_ERR_WANT_READ;
	if ((uint32_t)sz > have)
		sz = (int)have;
	memcpy(buf, t->in->base + t->in->head, (size_t)sz);
	t->in->head += (uint32_t)sz;
	return sz;
}

static int tls_cb_send(WOLFSSL *ssl, char *buf, int sz, void *arg)
{
	tl_tls_t *t = arg;
	uint32_t room = tl_iobuf_room(t->out);

	(void)ssl;
	if (room == 0)
		return WOLFSSL_CBIO_ERR_WANT_WRITE;
	if ((uint32_t)sz > room)
		sz = (int)room;
	memcpy(t->out->base + t->out->tail, buf, (size_t)sz);
	t->out->tail += (uint32_t)sz;
	return sz;
}

/* ---- errors ------------------------------------------------------------- */

static bool tls_is_verify_error(int e)
{
	/* wolfCrypt's certificate (ASN) errors run from -140 to -299. */
	return (e <= ASN_PARSE_E && e > -300) || e == DOMAIN_NAME_MISMATCH ||
	       e == IPADDR_MISMATCH || e == VERIFY_CERT_ERROR;
}

/* What to check for the usual verification failures. */
static const char *tls_hint(int e)
{
	switch (e) {
	case ASN_NO_SIGNER_E:
		return "; the chain does not end at a CA in the CA file";
	case DOMAIN_NAME_MISMATCH:
		return "; the certificate does not name the server";
	case IPADDR_MISMATCH:
		return "; the certificate has no IP SAN for the address";
	case ASN_AFTER_DATE_E:
	case ASN_BEFORE_DATE_E:
		return "; certificate expired or not yet valid (check the clock)";
	default:
		return "";
	}
}

/* Fill t->err from wolfSSL's error for result `ret` of operation `what`. */
static int tls_fail(tl_tls_t *t, const char *what, int ret)
{
	int e = wolfSSL_get_error(t->ssl, ret);
	long vr = wolfSSL_get_verify_result(t->ssl);
	char reason[96];

	wolfSSL_ERR_error_string_n((unsigned long)e, reason, sizeof reason);
	if (tls_is_verify_error(e) || (vr != 0 && !t->done))
		snprintf(t->err, sizeof t->err,
			 "tls %s: certificate verification failed: %s (%d)%s",
			 what, reason, e, tls_hint(e));
	else if (e == SOCKET_PEER_CLOSED_E)
		snprintf(t->err, sizeof t->err,
			 "tls %s: connection closed by peer", what);
	else
		snprintf(t->err, sizeof t->err, "tls %s: %s (%d)", what,
			 reason, e);
	return TL_TLS_ERROR;
}

/* ---- sessions ----------------------------------------------------------- */

int tl_tls_open(tl_tls_t *t, tl_tls_ctx_t *ctx, const char *server_name,
		tl_iobuf_t *in, tl_iobuf_t *out)
{
	unsigned char ip[16];
	bool is_ip;

	memset(t, 0, sizeof *t);
	t->in = in;
	t->out = out;
	t->ssl = wolfSSL_new(ctx->ctx);
	if (!t->ssl) {
		snprintf(t->err, sizeof t->err, "tls: cannot create a session");
		return -1;
	}
	wolfSSL_SSLSetIORecv(t->ssl, tls_cb_recv);
	wolfSSL_SSLSetIOSend(t->ssl, tls_cb_send);
	wolfSSL_SetIOReadCtx(t->ssl, t);
	wolfSSL_SetIOWriteCtx(t->ssl, t);
	if (ctx->insecure)
		return 0;
	is_ip = inet_pton(AF_INET, server_name, ip) == 1 ||
		inet_pton(AF_INET6, server_name, ip) == 1;
	if (is_ip) {
		/* No SNI for an address (RFC 6066 3); match an IP SAN. */
		if (wolfSSL_X509_VERIFY_PARAM_set1_ip_asc(
			    wolfSSL_get0_param(t->ssl), server_name) != WOLFSSL_SUCCESS) {
			snprintf(t->err, sizeof t->err,
				 "tls: cannot check IP address %s", server_name);
			goto err;
		}
	} else {
		if (wolfSSL_UseSNI(t->ssl, WOLFSSL_SNI_HOST_NAME, server_name,
				   (unsigned short)strlen(server_name)) != WOLFSSL_SUCCESS ||
		    wolfSSL_check_domain_name(t->ssl, server_name) != WOLFSSL_SUCCESS) {
			snprintf(t->err, sizeof t->err,
				 "tls: cannot set server name %s", server_name);
			goto err;
		}
	}
	return 0;
err:
	wolfSSL_free(t->ssl);
	t->ssl = NULL;
	return -1;
}

void tl_tls_close(tl_tls_t *t)
{
	if (t->ssl)
		wolfSSL_free(t->ssl);
	t->ssl = NULL;
	t->done = false;
	t->write_retry = 0;
}

int tl_tls_handshake(tl_tls_t *t)
{
	int ret, e;

	if (t->done)
		return TL_TLS_OK;
	ret = wolfSSL_connect(t->ssl);
	if (ret == WOLFSSL_SUCCESS) {
		t->done = true;
		return TL_TLS_OK;
	}
	e = wolfSSL_get_error(t->ssl, ret);
	if (e == WOLFSSL_ERROR_WANT_READ || e == WOLFSSL_ERROR_WANT_WRITE)
		return TL_TLS_WANT;
	return tls_fail(t, "handshake", ret);
}

int tl_tls_write(tl_tls_t *t, const void *buf, size_t n, size_t *took)
{
	int ret, e, sz;

	*took = 0;
	if (n == 0)
		return TL_TLS_OK;
	/* After WANT, wolfSSL must see the same buffer and size again. */
	sz = t->write_retry ? (int)t->write_retry
			    : (int)(n > (1u << 30) ? (1u << 30) : n);
	ret = wolfSSL_write(t->ssl, buf, sz);
	if (ret > 0) {
		t->write_retry = 0;
		*took = (size_t)ret;
		return TL_TLS_OK;
	}
	e = wolfSSL_get_error(t->ssl, ret);
	if (e == WOLFSSL_ERROR_WANT_WRITE || e == WOLFSSL_ERROR_WANT_READ) {
		t->write_retry = (uint32_t)sz;
		return TL_TLS_WANT;
	}
	return tls_fail(t, "write", ret);
}

int tl_tls_read(tl_tls_t *t, void *buf, size_t cap, size_t *got)
{
	int ret, e;

	*got = 0;
	ret = wolfSSL_read(t->ssl, buf, (int)(cap > (1u << 30) ? (1u << 30) : cap));
	if (ret > 0) {
		*got = (size_t)ret;
		return TL_TLS_OK;
	}
	e = wolfSSL_get_error(t->ssl, ret);
	if (e == WOLFSSL_ERROR_WANT_READ || e == WOLFSSL_ERROR_WANT_WRITE)
		return TL_TLS_WANT;
	if (e == WOLFSSL_ERROR_ZERO_RETURN) {
		snprintf(t->err, sizeof t->err, "tls: peer sent close_notify");
		return TL_TLS_CLOSED;
	}
	return tls_fail(t, "read", ret);
}
