/*
 * probe.c - the preflight's blocking REST client (see probe.h).
 */
#define _GNU_SOURCE
#include "io/binance/probe.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "io/binance/sign.h"
#include "io/binance/startup.h"
#include "io/net/http.h"
#include "io/net/uring.h"
#include "runtime/clock.h"
#include "runtime/log.h"

#define PR_BODY_CAP ((size_t)16 << 20)   /* exchangeInfo of every symbol */

struct tl_binance_probe {
	tl_binance_signer_t signer;
	tl_uring_pool_t *pool;
	tl_http_resp_t resp;
	char *body;
	char host[TL_CFG_HOST_MAX + 8];   /* the Host header */
	char hostport[TL_CFG_HOST_MAX + 8];
	int64_t timeout_ns;
	int64_t end;                      /* mono ns: no retry starts after */
	int64_t offset_ns;
	uint32_t recv_window_ms;
	/* the call in progress */
	bool busy, sent, done, failed, dropped;
	char why[256];
};

/* The Ed25519 key file into the signer (the config check vetted its
 * owner and mode); the PEM copy is wiped. */
static int pr_load_ed25519(tl_binance_probe_t *p, const tl_binance_cfg_t *bc,
			   char *err, size_t errlen)
{
	char pem[TL_BINANCE_PEM_MAX + 1];
	ssize_t n = 0, r;
	int fd = open(bc->ed25519_key_file, O_RDONLY | O_CLOEXEC);
	int rc;

	if (fd < 0) {
		snprintf(err, errlen, "venue.binance.ed25519_key_file: cannot open %s: %s",
			 bc->ed25519_key_file, strerror(errno));
		return -1;
	}
	while ((size_t)n < sizeof(pem) && (r = read(fd, pem + n, sizeof(pem) - (size_t)n)) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			break;
		n += r;
	}
	close(fd);
	if ((size_t)n > TL_BINANCE_PEM_MAX) {
		explicit_bzero(pem, sizeof(pem));
		snprintf(err, errlen, "venue.binance.ed25519_key_file: %s is larger than %d bytes",
			 bc->ed25519_key_file, TL_BINANCE_PEM_MAX);
		return -1;
	}
	char why[200];
	rc = tl_binance_signer_init_ed25519(&p->signer, bc->api_key, pem, (size_t)n,
					    why, sizeof(why));
	explicit_bzero(pem, sizeof(pem));
	if (rc < 0) {
		snprintf(err, errlen, "venue.binance.ed25519_key_file: %s", why);
		return -1;
	}
	return 0;
}

tl_binance_probe_t *tl_binance_probe_open(const tl_binance_cfg_t *bc, char *err,
					  size_t errlen)
{
	tl_binance_probe_t *p = calloc(1, sizeof(*p));
	const char *warning = NULL;
	char perr[256];

	if (!p || !(p->body = malloc(PR_BODY_CAP + 1))) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	if (bc->ed25519_key_file[0]) {
		if (pr_load_ed25519(p, bc, err, errlen) < 0)
			goto fail;
	} else if (tl_binance_signer_init(&p->signer, bc->api_key, bc->api_secret) < 0) {
		snprintf(err, errlen,
			 "venue.binance.api_key / api_secret: rejected by the signer (value not shown)");
		goto fail;
	}
	p->timeout_ns = bc->timeout_ns > 0 ? bc->timeout_ns : 5000LL * TL_NS_PER_MS;
	p->end = tl_clock_mono_ns() + (bc->startup_deadline_ns > 0 ? bc->startup_deadline_ns
								    : TL_STARTUP_DEADLINE_NS);
	p->recv_window_ms = bc->recv_window_ms ? bc->recv_window_ms : 5000;
	snprintf(p->hostport, sizeof(p->hostport), "%s:%u", bc->rest.host,
		 (unsigned)bc->rest.port);
	if (bc->rest.port == 443 || bc->rest.port == 80)
		snprintf(p->host, sizeof(p->host), "%s", bc->rest.host);
	else
		snprintf(p->host, sizeof(p->host), "%s", p->hostport);
	tl_uring_pool_cfg_t pc = {
		.host = bc->rest.host,
		.port = bc->rest.port,
		.conns = 1,
		.tls = bc->rest.tls,
		.ca_file = bc->rest.ca_file[0] ? bc->rest.ca_file : NULL,
		.tls_insecure = bc->rest.insecure,
		.rx_buf = 64u << 10,
		.tx_buf = 8u << 10,
		.connect_timeout_ns = p->timeout_ns,
		.backoff_min_ns = 50LL * TL_NS_PER_MS,
		.backoff_max_ns = 200LL * TL_NS_PER_MS,
	};
	p->pool = tl_uring_pool_new(&pc, &warning, perr, sizeof(perr));
	if (!p->pool) {
		/* "pool: cannot resolve H: ..." is the DNS failure */
		snprintf(err, errlen, "%s",
			 strncmp(perr, "pool: ", 6) == 0 ? perr + 6 : perr);
		goto fail;
	}
	if (warning)
		tl_log(TL_LOG_WARN, "%s", warning);
	tl_http_resp_init(&p->resp, p->body, PR_BODY_CAP);
	return p;
fail:
	tl_binance_probe_close(p);
	return NULL;
}

void tl_binance_probe_close(tl_binance_probe_t *p)
{
	if (!p)
		return;
	tl_binance_signer_wipe(&p->signer);
	tl_uring_pool_free(p->pool);
	free(p->body);
	free(p);
}

void tl_binance_probe_set_offset(tl_binance_probe_t *p, int64_t offset_ns)
{
	p->offset_ns = offset_ns;
}

static void pr_cb(void *user, const tl_uring_conn_ev_t *ev)
{
	tl_binance_probe_t *p = user;

	switch (ev->kind) {
	case TL_URING_CONN_EV_DATA:
		if (!p->busy || !p->sent || p->done || p->failed)
			return;
		if (tl_http_resp_feed(&p->resp, (const char *)ev->data, ev->len) < 0) {
			p->failed = true;
			snprintf(p->why, sizeof(p->why), "bad HTTP response: %s",
				 tl_http_strerror(p->resp.error));
		} else if (p->resp.state == TL_HTTP_DONE) {
			p->done = true;
		}
		return;
	case TL_URING_CONN_EV_CONNECTED:
		return;
	case TL_URING_CONN_EV_CLOSED:
	case TL_URING_CONN_EV_ERROR:
		/* Between calls a keep-alive close is nobody's business (the
		 * pool reconnects); during one it ends the call. */
		if (!p->busy || p->done || p->failed)
			return;
		if (p->sent && tl_http_resp_eof(&p->resp) == 0 &&
		    p->resp.state == TL_HTTP_DONE) {
			p->done = true;
			return;
		}
		if (!p->sent && ev->was_up)
			return;	/* an idle connection went away: wait for the next */
		p->failed = true;
		snprintf(p->why, sizeof(p->why), "%s", ev->msg ? ev->msg : "connection closed");
		return;
	}
}

/* The request line's query: params, then for a signed call timestamp,
 * recvWindow and the signature. -1 when it does not fit. */
static int pr_query(tl_binance_probe_t *p, const char *params, bool sign,
		    char *q, size_t cap)
{
	int n = snprintf(q, cap, "%s", params ? params : "");

	if (n < 0 || (size_t)n >= cap)
		return -1;
	if (!sign)
		return n;
	int64_t ts = (tl_clock_realtime_ns() + p->offset_ns) / TL_NS_PER_MS;
	int m = snprintf(q + n, cap - (size_t)n, "%stimestamp=%lld&recvWindow=%u",
			 n ? "&" : "", (long long)ts, p->recv_window_ms);
	if (m < 0 || (size_t)(n + m) >= cap)
		return -1;
	n += m;
	return tl_binance_sign_append(&p->signer, q, (size_t)n, cap, NULL, 0);
}

/* One attempt; *o what happened (io/binance/startup.h), *hint the
 * venue's Retry-After (0 none). */
static int pr_call_once(tl_binance_probe_t *p, const char *method,
			const char *path, const char *params, bool sign,
			tl_binance_probe_res_t *res, tl_outcome_t *o, int64_t *hint)
{
	char q[2048], hdr[256], tx[4096];
	int n;

	memset(o, 0, sizeof(*o));
	*hint = 0;
	memset(res, 0, sizeof(*res));
	res->status = -1;
	if (pr_query(p, params, sign, q, sizeof(q)) < 0) {
		o->transport = TL_TR_LOCAL;
		snprintf(res->why, sizeof(res->why), "request too long");
		return -1;
	}
	hdr[0] = '\0';
	if (sign)
		snprintf(hdr, sizeof(hdr), "X-MBX-APIKEY: %s\r\n",
			 tl_binance_signer_api_key(&p->signer));
	n = tl_http_write_request(tx, sizeof(tx), method, p->host, path,
				  q[0] ? q : NULL, hdr[0] ? hdr : NULL, NULL, 0, NULL);
	explicit_bzero(hdr, sizeof(hdr));
	if (n < 0) {
		o->transport = TL_TR_LOCAL;
		snprintf(res->why, sizeof(res->why), "request: %s", strerror(-n));
		return -1;
	}
	tl_http_resp_reset(&p->resp);
	p->busy = true;
	p->sent = p->done = p->failed = false;
	p->why[0] = '\0';
	int64_t end = tl_clock_mono_ns() + 2 * p->timeout_ns;
	while (!p->done && !p->failed && tl_clock_mono_ns() < end) {
		if (tl_uring_pool_poll(p->pool, tl_clock_mono_ns(), pr_cb, p) < 0)
			break;
		if (!p->sent && tl_uring_conn_idle(p->pool) == 0 &&
		    tl_uring_conn_send(p->pool, 0, tx, (size_t)n) == 0) {
			p->sent = true;
			res->t_send = tl_clock_realtime_ns();
		}
		if (!p->done && !p->failed)
			tl_uring_pool_wait(p->pool, 10LL * TL_NS_PER_MS);
	}
	explicit_bzero(tx, sizeof(tx));
	res->t_recv = tl_clock_realtime_ns();
	p->busy = false;
	if (p->sent)
		tl_uring_conn_release(p->pool, 0);
	if (p->failed || !p->done) {
		if (p->failed) {
			o->transport = tl_startup_transport(p->sent ? TL_TR_RESET : TL_TR_CONNECT,
							   p->why);
			tl_startup_cause(res->why, sizeof(res->why), o, p->why, NULL);
		} else {
			char why[256];
			o->transport = TL_TR_TIMEOUT;
			snprintf(why, sizeof(why), "%s %s: nothing in %lld ms from %s",
				 method, path, (long long)(2 * p->timeout_ns / TL_NS_PER_MS),
				 p->hostport);
			tl_startup_cause(res->why, sizeof(res->why), o, why, NULL);
		}
		/* a half-read answer must not be taken for the next one */
		if (p->sent)
			tl_uring_conn_close(p->pool, 0);
		return -1;
	}
	res->status = p->resp.status;
	res->body = p->resp.body;
	res->len = p->resp.body_len;
	p->resp.body[p->resp.body_len] = '\0';
	if (res->status != 200) {
		tl_binance_probe_explain(res, o);
		if (p->resp.retry_after_ns > 0)
			*hint = p->resp.retry_after_ns;
	}
	return res->status;
}

void tl_binance_probe_explain(tl_binance_probe_res_t *res, tl_outcome_t *o)
{
	char msg[256];

	o->http_status = (uint16_t)res->status;
	o->code = tl_startup_venue_error(res->body, res->len, msg, sizeof(msg));
	if (!o->code && !msg[0])
		snprintf(msg, sizeof(msg), "%.160s", res->body);
	res->code = o->code;
	if (res->status == 503)
		o->kind503 = tl_retry_503_kind(msg);
	tl_startup_cause(res->why, sizeof(res->why), o, NULL, msg);
}

int tl_binance_probe_call(tl_binance_probe_t *p, const char *method,
			  const char *path, const char *params, bool sign,
			  tl_binance_probe_res_t *res)
{
	tl_startup_t su;
	int64_t m = tl_clock_mono_ns();

	tl_startup_begin(&su, p->end - m, m);
	for (;;) {
		tl_outcome_t o;
		int64_t hint;
		char tail[128];
		int st = pr_call_once(p, method, path, params, sign, res, &o, &hint);

		if (st == 200)
			return st;
		m = tl_clock_mono_ns();
		int64_t d = tl_startup_failed(&su, &o, hint, m);
		if (d < 0) {
			tl_startup_suffix(&su, m, tail, sizeof(tail));
			size_t l = strlen(res->why);
			snprintf(res->why + l, sizeof(res->why) - l, "%s", tail);
			return st;
		}
		tl_log(TL_LOG_WARN, "binance: preflight %s %s failed (%s); retrying in %lld ms",
		       method, path, res->why, (long long)(d / TL_NS_PER_MS));
		struct timespec ts = { (time_t)(d / TL_NS_PER_S), (long)(d % TL_NS_PER_S) };
		while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
			;
	}
}
