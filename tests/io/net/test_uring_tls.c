/*
 * test_uring_tls.c - io/net/uring.c and io/net/tls.c against the simulated venue.
 *
 * Two in-process venues (sim/server.h) on ephemeral loopback ports: one
 * plain HTTP, one HTTPS with the build's CA (build/tls, as in
 * tests/sim/test_tls.c). The pool moves raw HTTP/1.1 bytes; a tiny
 * accumulator here cuts responses by Content-Length. Covers: plain and
 * TLS ping, name and IP checks, keep-alive, parallel connections,
 * pipelining (four requests in flight on one connection), the least
 * loaded pick, what a drop counts as unsent, wrong
 * CA, the loopback-only rule, the insecure flag, server close and
 * reconnect, caller close, connect refused with backoff, handshake
 * timeout, and no allocation on the request path.
 *
 * Skips (77) when io_uring is not available (seccomp, sysctl).
 */
#define _GNU_SOURCE
#include "tests/support/tl_test.h"
#include "tests/support/alloc_hook.h"

#include <errno.h>
#include <liburing.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "io/net/uring.h"
#include "sim/server.h"

#define CA "build/tls/ca.pem"
#define PING "GET /fapi/v1/ping HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
#define PING_CLOSE "GET /fapi/v1/ping HTTP/1.1\r\nHost: 127.0.0.1\r\n" \
		   "Connection: close\r\n\r\n"

/* ---- the venues --------------------------------------------------------- */

typedef struct venue {
	tl_sim_config_t cfg;
	tl_sim_server_t *srv;
	pthread_t tid;
	int port;
} venue_t;

static venue_t v_plain, v_tls;
static char tmpdir[64];

static void *venue_thread(void *arg)
{
	tl_sim_server_run(arg);
	return NULL;
}

static int venue_start(venue_t *v, bool tls)
{
	char err[256];

	tl_sim_config_defaults(&v->cfg);
	v->cfg.rest_tls = tls;
	v->cfg.rest_port = 0;
	v->cfg.rest_plain_port = 0;
	v->srv = tl_sim_server_new(&v->cfg, err, sizeof err);
	if (!v->srv) {
		fprintf(stderr, "venue: %s\n", err);
		return -1;
	}
	v->port = tl_sim_server_port(v->srv, TL_SIM_PORT_REST);
	return pthread_create(&v->tid, NULL, venue_thread, v->srv) ? -1 : 0;
}

static void venue_stop(venue_t *v)
{
	if (!v->srv)
		return;
	tl_sim_server_stop(v->srv);
	pthread_join(v->tid, NULL);
	tl_sim_server_free(v->srv);
	v->srv = NULL;
}

static int suite_setup(void)
{
	struct io_uring r;
	int rc;

	rc = io_uring_queue_init(8, &r, 0);
	if (rc < 0) {
		static char why[128];
		snprintf(why, sizeof why, "io_uring unavailable: %s", strerror(-rc));
		tl_test_skip(why);
	}
	io_uring_queue_exit(&r);
	if (access("build/tls/server.pem", R_OK) != 0 &&
	    system("sim/gen_tls.sh build/tls") != 0)
		tl_test_skip("cannot create build/tls (openssl missing?)");
	snprintf(tmpdir, sizeof tmpdir, "/tmp/tl_uring_XXXXXX");
	if (!mkdtemp(tmpdir))
		return 1;
	if (venue_start(&v_plain, false) < 0 || venue_start(&v_tls, true) < 0)
		return 1;
	return 0;
}

static int suite_teardown(void)
{
	char cmd[128];

	venue_stop(&v_plain);
	venue_stop(&v_tls);
	snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
	return system(cmd) == 0 ? 0 : 1;
}

/* ---- a response accumulator per connection (no heap) -------------------- */

typedef struct acc {
	char buf[1 << 16];
	size_t len;
	int status;                /* of the last complete response */
	char body[256];
	uint32_t responses;
} acc_t;

typedef struct seen {
	acc_t acc[TL_URING_POOL_MAX_CONNS];
	uint32_t connected, closed, errors, responses;
	int last_err;
	bool last_was_up;
	size_t last_unsent;
	char last_msg[512];
} seen_t;

static seen_t seen;

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Cut complete responses (head + Content-Length body) off the front;
 * returns how many. */
static uint32_t acc_cut(acc_t *a)
{
	uint32_t cut = 0;

	for (;;) {
		char *eoh = memmem(a->buf, a->len, "\r\n\r\n", 4);
		char *cl;
		size_t hl, blen = 0;

		if (!eoh)
			return cut;
		hl = (size_t)(eoh - a->buf) + 4;
		cl = memmem(a->buf, hl, "Content-Length:", 15);
		if (cl)
			blen = strtoul(cl + 15, NULL, 10);
		if (a->len < hl + blen)
			return cut;
		a->status = atoi(a->buf + 9);
		memcpy(a->body, a->buf + hl, blen < sizeof a->body ? blen : sizeof a->body - 1);
		a->body[blen < sizeof a->body ? blen : sizeof a->body - 1] = 0;
		memmove(a->buf, a->buf + hl + blen, a->len - hl - blen);
		a->len -= hl + blen;
		a->responses++;
		seen.responses++;
		cut++;
	}
}

static tl_uring_pool_t *cur_pool;

static void on_event(void *user, const tl_uring_conn_ev_t *ev)
{
	acc_t *a = &seen.acc[ev->conn];
	uint32_t cut;

	(void)user;
	switch (ev->kind) {
	case TL_URING_CONN_EV_DATA:
		if (a->len + ev->len <= sizeof a->buf) {
			memcpy(a->buf + a->len, ev->data, ev->len);
			a->len += ev->len;
		}
		/* one release per whole response: pipelined ones too */
		for (cut = acc_cut(a); cut > 0 && cur_pool; cut--)
			tl_uring_conn_release(cur_pool, ev->conn);
		break;
	case TL_URING_CONN_EV_CONNECTED:
		seen.connected++;
		a->len = 0;
		break;
	case TL_URING_CONN_EV_CLOSED:
	case TL_URING_CONN_EV_ERROR:
		if (ev->kind == TL_URING_CONN_EV_CLOSED)
			seen.closed++;
		else
			seen.errors++;
		seen.last_err = ev->err;
		seen.last_was_up = ev->was_up;
		seen.last_unsent = ev->unsent;
		snprintf(seen.last_msg, sizeof seen.last_msg, "%s", ev->msg);
		break;
	}
}

static void seen_reset(void)
{
	memset(&seen, 0, sizeof seen);
}

/* Poll (sleeping in tl_uring_pool_wait when idle) until *counter >= want or
 * the timeout; true when reached. Allocation-free. */
static bool run_until(tl_uring_pool_t *p, const uint32_t *counter, uint32_t want,
		      double seconds)
{
	int64_t end = now_ns() + (int64_t)(seconds * 1e9);

	cur_pool = p;
	while (*counter < want) {
		int64_t t = now_ns();
		int rc;

		if (t > end)
			return false;
		rc = tl_uring_pool_poll(p, t, on_event, NULL);
		if (rc < 0)
			return false;
		if (rc == 0 && *counter < want)
			tl_uring_pool_wait(p, 2000000);
	}
	return true;
}

static tl_uring_pool_cfg_t plain_cfg(uint32_t conns)
{
	return (tl_uring_pool_cfg_t){ .host = "127.0.0.1", .port = (uint16_t)v_plain.port,
				.conns = conns, .backoff_min_ns = 20000000 };
}

static tl_uring_pool_cfg_t tls_cfg(uint32_t conns)
{
	return (tl_uring_pool_cfg_t){ .host = "127.0.0.1", .port = (uint16_t)v_tls.port,
				.conns = conns, .tls = true, .ca_file = CA,
				.backoff_min_ns = 20000000 };
}

static tl_uring_pool_t *pool_new_ok(const tl_uring_pool_cfg_t *cfg)
{
	char err[512] = "";
	tl_uring_pool_t *p = tl_uring_pool_new(cfg, NULL, err, sizeof err);

	if (!p)
		fprintf(stderr, "\n  tl_uring_pool_new: %s\n", err);
	seen_reset();
	return p;
}

/* One request on connection id, waiting for its response. */
static bool ping_on(tl_uring_pool_t *p, uint32_t id, const char *req)
{
	uint32_t want = seen.responses + 1;

	if (tl_uring_conn_send(p, id, req, strlen(req)) != 0)
		return false;
	return run_until(p, &seen.responses, want, 5.0) &&
	       seen.acc[id].status == 200 && strcmp(seen.acc[id].body, "{}") == 0;
}

/* ---- tests -------------------------------------------------------------- */

static void check_ping(const tl_uring_pool_cfg_t *cfg)
{
	tl_uring_pool_t *p = pool_new_ok(cfg);

	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT_FATAL(run_until(p, &seen.connected, 1, 5.0));
	CU_ASSERT_EQUAL(tl_uring_conn_state(p, 0), TL_URING_CONN_UP);
	CU_ASSERT_EQUAL(tl_uring_conn_idle(p), 0);
	CU_ASSERT(ping_on(p, 0, PING));
	CU_ASSERT_EQUAL(seen.acc[0].status, 200);
	CU_ASSERT_STRING_EQUAL(seen.acc[0].body, "{}");
	CU_ASSERT_EQUAL(seen.errors + seen.closed, 0);
	tl_uring_pool_free(p);
}

static void test_plain_ping_loopback(void)
{
	tl_uring_pool_cfg_t cfg = plain_cfg(1);

	check_ping(&cfg);
}

static void test_tls_ping_ip_san(void)
{
	tl_uring_pool_cfg_t cfg = tls_cfg(1);

	check_ping(&cfg);
}

static void test_tls_ping_dns_name_and_sni(void)
{
	tl_uring_pool_cfg_t cfg = tls_cfg(1);

	cfg.server_name = "localhost";
	check_ping(&cfg);
}

static void check_keepalive(tl_uring_pool_cfg_t cfg)
{
	tl_uring_pool_t *p = pool_new_ok(&cfg);
	int ok = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT_FATAL(run_until(p, &seen.connected, 1, 5.0));
	for (int i = 0; i < 100; i++)
		ok += ping_on(p, 0, PING);
	CU_ASSERT_EQUAL(ok, 100);
	CU_ASSERT_EQUAL(seen.connected, 1);   /* one connection did it all */
	CU_ASSERT_EQUAL(seen.errors + seen.closed, 0);
	tl_uring_pool_free(p);
}

static void test_keepalive_100_sequential_tls(void)
{
	check_keepalive(tls_cfg(1));
}

static void test_keepalive_100_sequential_plain(void)
{
	check_keepalive(plain_cfg(1));
}

static void test_four_connections_in_parallel(void)
{
	tl_uring_pool_cfg_t cfg = tls_cfg(4);
	tl_uring_pool_t *p = pool_new_ok(&cfg);
	int ids[4];

	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT_FATAL(run_until(p, &seen.connected, 4, 5.0));
	CU_ASSERT_EQUAL(tl_uring_pool_up(p), 4);
	for (int round = 0; round < 10; round++) {
		uint32_t want = seen.responses + 4;

		/* tl_uring_conn_idle hands out each free connection once */
		for (int i = 0; i < 4; i++) {
			ids[i] = tl_uring_conn_idle(p);
			CU_ASSERT_FATAL(ids[i] >= 0);
			CU_ASSERT_EQUAL(tl_uring_conn_send(p, (uint32_t)ids[i], PING,
						     strlen(PING)), 0);
		}
		CU_ASSERT_EQUAL(tl_uring_conn_idle(p), -EAGAIN);
		CU_ASSERT_FATAL(run_until(p, &seen.responses, want, 5.0));
	}
	for (int i = 0; i < 4; i++) {
		CU_ASSERT_EQUAL(seen.acc[i].responses, 10);
		CU_ASSERT_STRING_EQUAL(seen.acc[i].body, "{}");
	}
	CU_ASSERT_EQUAL(seen.connected, 4);
	tl_uring_pool_free(p);
}

/* HTTP/1.1 pipelining: four requests on one connection before any
 * answer, four answers; the connection counts them in flight. */
static void check_pipelined(tl_uring_pool_cfg_t cfg)
{
	tl_uring_pool_t *p = pool_new_ok(&cfg);

	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT_FATAL(run_until(p, &seen.connected, 1, 5.0));
	for (int round = 0; round < 10; round++) {
		uint32_t want = seen.responses + 4;

		for (int i = 0; i < 4; i++)
			CU_ASSERT_EQUAL(tl_uring_conn_send(p, 0, PING, strlen(PING)), 0);
		CU_ASSERT_EQUAL(tl_uring_conn_inflight(p, 0), 4);
		CU_ASSERT_EQUAL(tl_uring_conn_idle(p), -EAGAIN);
		CU_ASSERT_EQUAL(tl_uring_conn_pick(p, 4), -EAGAIN);
		CU_ASSERT_EQUAL(tl_uring_conn_pick(p, 5), 0);
		CU_ASSERT_FATAL(run_until(p, &seen.responses, want, 5.0));
		CU_ASSERT_EQUAL(tl_uring_conn_inflight(p, 0), 0);
	}
	CU_ASSERT_EQUAL(seen.acc[0].responses, 40);
	CU_ASSERT_STRING_EQUAL(seen.acc[0].body, "{}");
	CU_ASSERT_EQUAL(seen.connected, 1);
	CU_ASSERT_EQUAL(seen.errors + seen.closed, 0);
	tl_uring_pool_free(p);
}

static void test_pipelined_plain(void)
{
	check_pipelined(plain_cfg(1));
}

static void test_pipelined_tls(void)
{
	check_pipelined(tls_cfg(1));
}

/* tl_uring_conn_pick: the UP connection with the fewest in flight, the
 * lowest id on ties, none once every one has max_inflight. */
static void test_pick_least_loaded_lowest_id(void)
{
	tl_uring_pool_cfg_t cfg = plain_cfg(3);
	tl_uring_pool_t *p = pool_new_ok(&cfg);
	static const int want[6] = { 0, 1, 2, 0, 1, 2 };

	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT_FATAL(run_until(p, &seen.connected, 3, 5.0));
	for (int i = 0; i < 6; i++) {
		int id = tl_uring_conn_pick(p, 2);
		CU_ASSERT_EQUAL(id, want[i]);
		CU_ASSERT_FATAL(id >= 0);
		CU_ASSERT_EQUAL(tl_uring_conn_send(p, (uint32_t)id, PING, strlen(PING)), 0);
	}
	CU_ASSERT_EQUAL(tl_uring_conn_pick(p, 2), -EAGAIN);
	CU_ASSERT_EQUAL(tl_uring_conn_pick(p, 3), 0);
	/* one released on 1 only (as if answered): it is the least loaded */
	tl_uring_conn_release(p, 1);
	CU_ASSERT_EQUAL(tl_uring_conn_inflight(p, 1), 1);
	CU_ASSERT_EQUAL(tl_uring_conn_pick(p, 2), 1);
	CU_ASSERT_EQUAL(tl_uring_conn_send(p, 1, PING, strlen(PING)), 0);
	CU_ASSERT_FATAL(run_until(p, &seen.responses, 7, 5.0));
	CU_ASSERT_EQUAL(seen.acc[0].responses, 2);
	CU_ASSERT_EQUAL(seen.acc[1].responses, 3);
	CU_ASSERT_EQUAL(seen.acc[2].responses, 2);
	for (uint32_t i = 0; i < 3; i++)
		CU_ASSERT_EQUAL(tl_uring_conn_inflight(p, i), 0);
	tl_uring_pool_free(p);
}

/*
 * A drop counts as unsent only request bytes that surely never left: A
 * went out with a poll, B was only queued when the connection closed,
 * so the event says strlen(B), not A's bytes too (A may have reached
 * the venue and been executed: never "not sent").
 */
static void check_drop_unsent(tl_uring_pool_cfg_t cfg)
{
	static const char B[] = "GET /fapi/v1/time HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
	tl_uring_pool_t *p = pool_new_ok(&cfg);

	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT_FATAL(run_until(p, &seen.connected, 1, 5.0));
	cur_pool = NULL;	/* no release: A stays in flight */
	CU_ASSERT_EQUAL(tl_uring_conn_send(p, 0, PING, strlen(PING)), 0);
	CU_ASSERT(tl_uring_pool_poll(p, now_ns(), on_event, NULL) > 0);
	CU_ASSERT_EQUAL(tl_uring_conn_send(p, 0, B, strlen(B)), 0);
	CU_ASSERT_EQUAL(tl_uring_conn_inflight(p, 0), 2);
	tl_uring_conn_close(p, 0);
	CU_ASSERT_FATAL(run_until(p, &seen.errors, 1, 5.0));
	CU_ASSERT_EQUAL(seen.last_err, -ECANCELED);
	CU_ASSERT_EQUAL(seen.last_unsent, strlen(B));
	CU_ASSERT_EQUAL(tl_uring_conn_inflight(p, 0), 0);
	/* nothing sent at all: every byte is unsent */
	CU_ASSERT_FATAL(run_until(p, &seen.connected, 2, 5.0));
	CU_ASSERT_EQUAL(tl_uring_conn_send(p, 0, PING, strlen(PING)), 0);
	CU_ASSERT_EQUAL(tl_uring_conn_send(p, 0, B, strlen(B)), 0);
	tl_uring_conn_close(p, 0);
	CU_ASSERT_FATAL(run_until(p, &seen.errors, 2, 5.0));
	CU_ASSERT_EQUAL(seen.last_unsent, strlen(PING) + strlen(B));
	CU_ASSERT_FATAL(run_until(p, &seen.connected, 3, 5.0));
	CU_ASSERT(ping_on(p, 0, PING));
	tl_uring_pool_free(p);
}

/*
 * A send still in flight when the connection drops may have put its
 * bytes on the wire: they count as sent. A peer that never reads (a
 * listener that never accepts: the kernel queues the bytes, then stops)
 * holds a 16 MiB request's send in flight; B queued behind it is all
 * that is unsent. Counting A's unsent tail too would report a request
 * whose head reached the peer as "not sent".
 */
static void test_drop_mid_send_counts_the_send_as_sent(void)
{
	static const char B[] = "GET /fapi/v1/time HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t sl = sizeof sa;
	size_t big = 16u << 20;
	char *a = malloc(big);
	int lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	CU_ASSERT_FATAL(lfd >= 0);
	CU_ASSERT_FATAL(bind(lfd, (struct sockaddr *)&sa, sizeof sa) == 0);
	CU_ASSERT_FATAL(listen(lfd, 4) == 0);
	CU_ASSERT_FATAL(getsockname(lfd, (struct sockaddr *)&sa, &sl) == 0);
	memset(a, 'x', big);

	tl_uring_pool_cfg_t cfg = plain_cfg(1);
	cfg.port = ntohs(sa.sin_port);
	cfg.tx_buf = 32u << 20;
	tl_uring_pool_t *p = pool_new_ok(&cfg);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT_FATAL(run_until(p, &seen.connected, 1, 5.0));
	CU_ASSERT_EQUAL(tl_uring_conn_send(p, 0, a, big), 0);
	for (int i = 0; i < 5; i++) {	/* submitted; the kernel stalls it */
		tl_uring_pool_poll(p, now_ns(), on_event, NULL);
		tl_uring_pool_wait(p, 10000000);
	}
	CU_ASSERT_EQUAL(tl_uring_conn_send(p, 0, B, strlen(B)), 0);
	tl_uring_conn_close(p, 0);
	CU_ASSERT_FATAL(run_until(p, &seen.errors, 1, 5.0));
	CU_ASSERT_EQUAL(seen.last_err, -ECANCELED);
	CU_ASSERT_EQUAL(seen.last_unsent, strlen(B));
	tl_uring_pool_free(p);
	close(lfd);
	free(a);
}

static void test_drop_unsent_only_what_never_left_plain(void)
{
	check_drop_unsent(plain_cfg(1));
}

static void test_drop_unsent_only_what_never_left_tls(void)
{
	check_drop_unsent(tls_cfg(1));
}

/* The handshake must fail with `needle` in the message; no CONNECTED. */
static void expect_tls_failure(const tl_uring_pool_cfg_t *cfg, const char *needle)
{
	tl_uring_pool_t *p = pool_new_ok(cfg);

	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT_FATAL(run_until(p, &seen.errors, 1, 5.0));
	CU_ASSERT_EQUAL(seen.connected, 0);
	CU_ASSERT_EQUAL(seen.last_err, -EPROTO);
	CU_ASSERT_FALSE(seen.last_was_up);
	if (!strstr(seen.last_msg, needle) || getenv("TL_TEST_VERBOSE"))
		fprintf(stderr, "\n  message: %s\n  wanted: %s\n", seen.last_msg, needle);
	CU_ASSERT_PTR_NOT_NULL(strstr(seen.last_msg, needle));
	CU_ASSERT_EQUAL(tl_uring_conn_send(p, 0, PING, strlen(PING)), -ENOTCONN);
	tl_uring_pool_free(p);
}

static void test_wrong_ca_is_refused(void)
{
	char ca[128], cmd[512];
	tl_uring_pool_cfg_t cfg = tls_cfg(1);

	snprintf(ca, sizeof ca, "%s/other-ca.pem", tmpdir);
	snprintf(cmd, sizeof cmd,
		 "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 "
		 "-nodes -keyout %s/other-ca.key -subj '/CN=not the venue CA' "
		 "-days 2 -out %s >/dev/null 2>&1", tmpdir, ca);
	if (system(cmd) != 0) {
		/* no openssl: any PEM CA that did not sign the venue */
		snprintf(ca, sizeof ca, "/etc/ssl/certs/ca-certificates.crt");
	}
	cfg.ca_file = ca;
	expect_tls_failure(&cfg, "certificate verification failed");
}

static void test_wrong_name_is_refused(void)
{
	tl_uring_pool_cfg_t cfg = tls_cfg(1);

	cfg.server_name = "wrong.example";
	expect_tls_failure(&cfg, "certificate verification failed");
	cfg.server_name = "127.0.0.2";           /* an IP SAN mismatch */
	expect_tls_failure(&cfg, "certificate verification failed");
}

static void test_plain_to_non_loopback_refused_at_init(void)
{
	tl_uring_pool_cfg_t cfg = plain_cfg(1);
	char err[512] = "";
	tl_uring_pool_t *p;

	cfg.host = "10.1.2.3";
	CU_ASSERT_PTR_NULL(tl_uring_pool_new(&cfg, NULL, err, sizeof err));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "loopback"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "10.1.2.3"));
	cfg.host = "2001:db8::1";
	CU_ASSERT_PTR_NULL(tl_uring_pool_new(&cfg, NULL, err, sizeof err));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "loopback"));
	/* the whole 127/8 and ::1 are loopback; nothing connects before poll */
	cfg.host = "127.5.6.7";
	p = tl_uring_pool_new(&cfg, NULL, err, sizeof err);
	CU_ASSERT_PTR_NOT_NULL(p);
	tl_uring_pool_free(p);
	cfg.host = "::1";
	p = tl_uring_pool_new(&cfg, NULL, err, sizeof err);
	CU_ASSERT_PTR_NOT_NULL(p);
	tl_uring_pool_free(p);
	/* TLS to a remote address is fine at init */
	cfg = tls_cfg(1);
	cfg.host = "10.1.2.3";
	p = tl_uring_pool_new(&cfg, NULL, err, sizeof err);
	CU_ASSERT_PTR_NOT_NULL(p);
	tl_uring_pool_free(p);
}

static void test_verification_off_needs_flag_and_warns(void)
{
	tl_uring_pool_cfg_t cfg = tls_cfg(1);
	const char *warn = "unset";
	char err[512] = "";
	tl_uring_pool_t *p;

	cfg.ca_file = NULL;
	CU_ASSERT_PTR_NULL(tl_uring_pool_new(&cfg, &warn, err, sizeof err));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "CA file"));
	cfg.ca_file = "build/tls/nope.pem";
	CU_ASSERT_PTR_NULL(tl_uring_pool_new(&cfg, &warn, err, sizeof err));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "nope.pem"));
	/* default: verification on, no warning */
	cfg.ca_file = CA;
	p = tl_uring_pool_new(&cfg, &warn, err, sizeof err);
	CU_ASSERT_PTR_NOT_NULL(p);
	CU_ASSERT_PTR_NULL(warn);
	tl_uring_pool_free(p);
	/* explicit opt-out: a warning, and it talks to a name that does not match */
	cfg.ca_file = NULL;
	cfg.tls_insecure = true;
	cfg.server_name = "wrong.example";
	p = tl_uring_pool_new(&cfg, &warn, err, sizeof err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT_PTR_NOT_NULL_FATAL(warn);
	CU_ASSERT_PTR_NOT_NULL(strstr(warn, "verification is OFF"));
	seen_reset();
	CU_ASSERT_FATAL(run_until(p, &seen.connected, 1, 5.0));
	CU_ASSERT(ping_on(p, 0, PING));
	tl_uring_pool_free(p);
}

static void check_server_close(tl_uring_pool_cfg_t cfg)
{
	tl_uring_pool_t *p = pool_new_ok(&cfg);

	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT_FATAL(run_until(p, &seen.connected, 1, 5.0));
	CU_ASSERT(ping_on(p, 0, PING_CLOSE));
	CU_ASSERT_FATAL(run_until(p, &seen.closed, 1, 5.0));
	CU_ASSERT_EQUAL(seen.last_err, 0);
	CU_ASSERT(seen.last_was_up);
	CU_ASSERT_EQUAL(seen.last_unsent, 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(seen.last_msg, "closed by peer"));
	/* it had delivered data: reconnect at once, and it works */
	CU_ASSERT_FATAL(run_until(p, &seen.connected, 2, 5.0));
	CU_ASSERT(ping_on(p, 0, PING));
	CU_ASSERT_EQUAL(seen.errors, 0);
	tl_uring_pool_free(p);
}

static void test_server_close_reported_then_reconnect_plain(void)
{
	check_server_close(plain_cfg(1));
}

static void test_server_close_reported_then_reconnect_tls(void)
{
	check_server_close(tls_cfg(1));
}

static void test_caller_close_then_reconnect(void)
{
	tl_uring_pool_cfg_t cfg = tls_cfg(2);
	tl_uring_pool_t *p = pool_new_ok(&cfg);

	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT_FATAL(run_until(p, &seen.connected, 2, 5.0));
	tl_uring_conn_close(p, 1);
	CU_ASSERT_EQUAL(tl_uring_conn_state(p, 1), TL_URING_CONN_CLOSING);
	CU_ASSERT_EQUAL(tl_uring_conn_send(p, 1, PING, strlen(PING)), -ENOTCONN);
	CU_ASSERT_FATAL(run_until(p, &seen.errors, 1, 5.0));
	CU_ASSERT_EQUAL(seen.last_err, -ECANCELED);
	CU_ASSERT_FATAL(run_until(p, &seen.connected, 3, 5.0));
	CU_ASSERT(ping_on(p, 1, PING));
	CU_ASSERT(ping_on(p, 0, PING));
	tl_uring_pool_free(p);
}

/* Made here, polled by another thread (the IO agent's way), freed here. */
static void *poll_thread(void *arg)
{
	tl_uring_pool_t *p = arg;
	intptr_t ok = 0;

	if (!run_until(p, &seen.connected, 1, 5.0))
		return (void *)0;
	for (int i = 0; i < 50; i++)
		ok += ping_on(p, 0, PING);
	return (void *)ok;
}

static void test_pool_made_on_one_thread_polled_on_another(void)
{
	tl_uring_pool_cfg_t cfg = tls_cfg(1);
	tl_uring_pool_t *p = pool_new_ok(&cfg);
	pthread_t t;
	void *ok = NULL;

	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT_EQUAL_FATAL(pthread_create(&t, NULL, poll_thread, p), 0);
	pthread_join(t, &ok);
	CU_ASSERT_EQUAL((intptr_t)ok, 50);
	tl_uring_pool_free(p);
}

/* A port on which nothing listens, and one that listens but never talks. */
static int free_port(bool keep_listening, int *fd_out)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t sl = sizeof sa;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	bind(fd, (struct sockaddr *)&sa, sizeof sa);
	getsockname(fd, (struct sockaddr *)&sa, &sl);
	if (keep_listening) {
		listen(fd, 8);
		*fd_out = fd;
	} else {
		close(fd);
	}
	return ntohs(sa.sin_port);
}

static void test_connect_refused_backs_off(void)
{
	tl_uring_pool_cfg_t cfg = plain_cfg(1);
	tl_uring_pool_t *p;
	int64_t end;

	cfg.port = (uint16_t)free_port(false, NULL);
	cfg.backoff_min_ns = 40000000;   /* 40, 80, 160, 320 ms ... */
	cfg.backoff_max_ns = 1000000000;
	p = pool_new_ok(&cfg);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT_FATAL(run_until(p, &seen.errors, 1, 5.0));
	CU_ASSERT_EQUAL(seen.last_err, -ECONNREFUSED);
	CU_ASSERT_PTR_NOT_NULL(strstr(seen.last_msg, "connect 127.0.0.1:"));
	end = now_ns() + 500000000;
	while (now_ns() < end) {
		tl_uring_pool_poll(p, now_ns(), on_event, NULL);
		tl_uring_pool_wait(p, 5000000);
	}
	/* 500 ms covers the retries at 40, 120, 280 ms (+ slack), not 12 */
	CU_ASSERT(seen.errors >= 3 && seen.errors <= 6);
	CU_ASSERT_EQUAL(seen.connected, 0);
	tl_uring_pool_free(p);
}

static void test_handshake_timeout(void)
{
	tl_uring_pool_cfg_t cfg = tls_cfg(1);
	tl_uring_pool_t *p;
	int lfd = -1;

	cfg.port = (uint16_t)free_port(true, &lfd);
	cfg.connect_timeout_ns = 150000000;
	p = pool_new_ok(&cfg);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT_FATAL(run_until(p, &seen.errors, 1, 5.0));
	CU_ASSERT_EQUAL(seen.last_err, -ETIMEDOUT);
	CU_ASSERT_PTR_NOT_NULL(strstr(seen.last_msg, "TLS handshake"));
	tl_uring_pool_free(p);
	close(lfd);
}

static void test_send_bounds(void)
{
	static char big[1 << 17];
	tl_uring_pool_cfg_t cfg = plain_cfg(1);
	tl_uring_pool_t *p = pool_new_ok(&cfg);

	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT_EQUAL(tl_uring_conn_send(p, 0, PING, strlen(PING)), -ENOTCONN);
	CU_ASSERT_EQUAL(tl_uring_conn_send(p, 7, PING, strlen(PING)), -EINVAL);
	CU_ASSERT_FATAL(run_until(p, &seen.connected, 1, 5.0));
	CU_ASSERT_EQUAL(tl_uring_conn_send(p, 0, big, sizeof big), -EMSGSIZE);
	CU_ASSERT(ping_on(p, 0, PING));
	tl_uring_pool_free(p);
}

/*
 * Allocator calls made by `rounds` requests on an established connection
 * (the caller's thread only; the venue's thread is not counted).
 */
static size_t allocs_per_loop(tl_uring_pool_cfg_t cfg, int rounds, int *ok)
{
	tl_uring_pool_t *p = pool_new_ok(&cfg);
	size_t calls;

	*ok = 0;
	if (!p)
		return SIZE_MAX;
	if (!run_until(p, &seen.connected, 1, 5.0) || !ping_on(p, 0, PING)) {
		tl_uring_pool_free(p);
		return SIZE_MAX;
	}
	tl_alloc_hook_arm();
	for (int i = 0; i < rounds; i++)
		*ok += ping_on(p, 0, PING);
	calls = tl_alloc_hook_disarm();
	tl_uring_pool_free(p);
	return calls;
}

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define TL_SANITIZED 1
#else
#define TL_SANITIZED 0
#endif

static void test_no_allocation_on_request_path_plain(void)
{
	int ok;
	size_t calls = allocs_per_loop(plain_cfg(1), 200, &ok);

	CU_ASSERT_EQUAL(ok, 200);
	if (TL_SANITIZED)
		return;   /* the hook may not see every call there */
	if (calls)
		fprintf(stderr, "\n  %zu allocator calls in 200 plain requests\n", calls);
	CU_ASSERT_EQUAL(calls, 0);
}

/* wolfSSL mallocs a buffer per record; tl_tls_thread_cache (turned on by
 * the pool's thread) recycles them, so TLS makes no allocator call either. */
static void test_no_allocation_on_request_path_tls(void)
{
	int ok;
	size_t calls = allocs_per_loop(tls_cfg(1), 200, &ok);

	CU_ASSERT_EQUAL(ok, 200);
	if (TL_SANITIZED)
		return;
	if (calls)
		fprintf(stderr, "\n  %zu allocator calls in 200 TLS requests\n", calls);
	CU_ASSERT_EQUAL(calls, 0);
}

TL_TEST_SUITE("io.uring_tls", suite_setup, suite_teardown,
	      TL_TEST(test_plain_ping_loopback),
	      TL_TEST(test_tls_ping_ip_san),
	      TL_TEST(test_tls_ping_dns_name_and_sni),
	      TL_TEST(test_keepalive_100_sequential_tls),
	      TL_TEST(test_keepalive_100_sequential_plain),
	      TL_TEST(test_four_connections_in_parallel),
	      TL_TEST(test_pipelined_plain),
	      TL_TEST(test_pipelined_tls),
	      TL_TEST(test_pick_least_loaded_lowest_id),
	      TL_TEST(test_drop_unsent_only_what_never_left_plain),
	      TL_TEST(test_drop_unsent_only_what_never_left_tls),
	      TL_TEST(test_drop_mid_send_counts_the_send_as_sent),
	      TL_TEST(test_wrong_ca_is_refused),
	      TL_TEST(test_wrong_name_is_refused),
	      TL_TEST(test_plain_to_non_loopback_refused_at_init),
	      TL_TEST(test_verification_off_needs_flag_and_warns),
	      TL_TEST(test_server_close_reported_then_reconnect_plain),
	      TL_TEST(test_server_close_reported_then_reconnect_tls),
	      TL_TEST(test_caller_close_then_reconnect),
	      TL_TEST(test_pool_made_on_one_thread_polled_on_another),
	      TL_TEST(test_connect_refused_backs_off),
	      TL_TEST(test_handshake_timeout),
	      TL_TEST(test_send_bounds),
	      TL_TEST(test_no_allocation_on_request_path_plain),
	      TL_TEST(test_no_allocation_on_request_path_tls));
