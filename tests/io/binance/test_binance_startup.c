/*
 * test_binance_startup.c - the start-up calls retry what is transient and
 * fail at once, naming the cause, on what is not (io/binance/startup.h, rule 8 of
 * the safety work).
 *
 * Unit: tl_startup_* (classification through tl_retry_classify, backoff,
 * the deadline, the texts). Against the in-process simulator (plain
 * HTTP, ephemeral ports):
 *   (a) 503 (-1001) on POST /fapi/v1/leverage for the first 3 calls, 429
 *       (-1003) for the first 2, and 503 on GET /fapi/v1/exchangeInfo for
 *       the first 2: the engine starts, after retries it logged;
 *   (b) a wrong API key: the start fails at once with "-2015" and "the
 *       venue refused leverage 20 for BTCUSDT"; a wrong secret: -1022;
 *   (c) nothing listening on the port: the start fails within the
 *       deadline with "cannot connect to 127.0.0.1:PORT: Connection
 *       refused".
 */
#define _GNU_SOURCE
#define BSIM_CAP_FMT "/tmp/tl_test_binance_startup.%d"
#include "tests/io/binance/test_binance_sim_common.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "io/binance/startup.h"

#define MS (1000000LL)

/* ---- unit -------------------------------------------------------------- */

static tl_outcome_t http(int status, int code)
{
	tl_outcome_t o;
	memset(&o, 0, sizeof(o));
	o.http_status = (uint16_t)status;
	o.code = code;
	return o;
}

static tl_outcome_t transport(tl_transport_t tr, bool written)
{
	tl_outcome_t o;
	memset(&o, 0, sizeof(o));
	o.transport = tr;
	o.written = written;
	o.is_write = true;	/* a POST: still retried (idempotent) */
	return o;
}

static void test_unit_retry_or_not(void)
{
	tl_startup_t s;
	tl_outcome_t o;

	/* permanent: never retried, whatever the budget */
	static const int perm[][2] = { { 401, -2015 }, { 400, -1022 }, { 400, -4028 },
				       { 400, -1102 }, { 403, 0 }, { 404, 0 } };
	for (size_t i = 0; i < sizeof(perm) / sizeof(perm[0]); i++) {
		tl_startup_begin(&s, 30000 * MS, 0);
		o = http(perm[i][0], perm[i][1]);
		CU_ASSERT_EQUAL(tl_startup_failed(&s, &o, 0, 0), -1);
		CU_ASSERT_EQUAL(s.last, TL_OUT_PERMANENT);
	}
	/* transient: 5xx (also with an unknown code, also a write: the
	 * start-up calls are idempotent), 429/-1003, -1021, transport */
	tl_outcome_t tr[] = { http(503, 0), http(500, 0), http(503, -1001),
			      http(502, -1234), http(429, -1003), http(418, 0),
			      http(400, -1021), transport(TL_TR_CONNECT, false),
			      transport(TL_TR_RESET, true), transport(TL_TR_TIMEOUT, true) };
	for (size_t i = 0; i < sizeof(tr) / sizeof(tr[0]); i++) {
		tl_startup_begin(&s, 30000 * MS, 0);
		CU_ASSERT_EQUAL(tl_startup_failed(&s, &tr[i], 0, 0), 200 * MS);
		CU_ASSERT_EQUAL(s.last, TL_OUT_TRANSIENT);
	}
}

static void test_unit_backoff_and_deadline(void)
{
	tl_startup_t s;
	tl_outcome_t o = http(503, 0);
	int64_t now = 1000 * MS;

	tl_startup_begin(&s, 10000 * MS, now);
	CU_ASSERT_EQUAL(tl_startup_failed(&s, &o, 0, now), 200 * MS);
	CU_ASSERT_EQUAL(tl_startup_failed(&s, &o, 0, now), 400 * MS);
	CU_ASSERT_EQUAL(tl_startup_failed(&s, &o, 0, now), 800 * MS);
	/* Retry-After wins when longer */
	CU_ASSERT_EQUAL(tl_startup_failed(&s, &o, 3000 * MS, now), 3000 * MS);
	/* capped at 5 s */
	for (int i = 0; i < 10; i++)
		CU_ASSERT(tl_startup_failed(&s, &o, 0, now) <= 5000 * MS);
	/* no attempt may start after the deadline */
	CU_ASSERT_EQUAL(tl_startup_failed(&s, &o, 0, now + 9900 * MS), -1);
	/* a budget of 0: one attempt only */
	tl_startup_begin(&s, 0, now);
	CU_ASSERT_EQUAL(tl_startup_failed(&s, &o, 0, now), -1);
	CU_ASSERT_EQUAL(s.last, TL_OUT_TRANSIENT);
	char tail[128];
	tl_startup_suffix(&s, now + 5 * MS, tail, sizeof(tail));
	CU_ASSERT_PTR_NOT_NULL(strstr(tail, "1 attempt in 5 ms"));
}

static void test_unit_texts(void)
{
	char out[256], msg[128];
	tl_outcome_t o = transport(TL_TR_CONNECT, false);

	tl_startup_cause(out, sizeof(out), &o, "connect 127.0.0.1:8443: Connection refused", NULL);
	CU_ASSERT_STRING_EQUAL(out, "cannot connect to 127.0.0.1:8443: Connection refused");
	tl_startup_cause(out, sizeof(out), &o,
			 "lost before send: connect 127.0.0.1:9: Connection refused", NULL);
	CU_ASSERT_STRING_EQUAL(out, "cannot connect to 127.0.0.1:9: Connection refused");
	/* a certificate the CA file does not verify: not retried */
	static const char bad_cert[] = "tls handshake: certificate verification failed: ASN no signer error (-188)";
	CU_ASSERT_EQUAL(tl_startup_transport(TL_TR_CONNECT, bad_cert), TL_TR_LOCAL);
	CU_ASSERT_EQUAL(tl_startup_transport(TL_TR_CONNECT, "connect x:1: Connection refused"),
			TL_TR_CONNECT);
	tl_startup_t s;
	tl_startup_begin(&s, 30000 * MS, 0);
	o = transport(tl_startup_transport(TL_TR_CONNECT, bad_cert), false);
	CU_ASSERT_EQUAL(tl_startup_failed(&s, &o, 0, 0), -1);
	CU_ASSERT_EQUAL(s.last, TL_OUT_PERMANENT);
	tl_startup_cause(out, sizeof(out), &o, bad_cert, NULL);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "TLS failure: tls handshake: certificate verification failed"));
	const char body[] = "{\"code\":-2015,\"msg\":\"Invalid API-key, IP, or permissions for action.\"}";
	o = http(401, tl_startup_venue_error(body, strlen(body), msg, sizeof(msg)));
	CU_ASSERT_EQUAL(o.code, -2015);
	tl_startup_cause(out, sizeof(out), &o, NULL, msg);
	CU_ASSERT_STRING_EQUAL(out, "-2015 Invalid API-key, IP, or permissions for action.");
	o = http(503, tl_startup_venue_error("Service Unavailable.", 20, msg, sizeof(msg)));
	CU_ASSERT_EQUAL(o.code, 0);
	tl_startup_cause(out, sizeof(out), &o, NULL, "Service Unavailable.");
	CU_ASSERT_STRING_EQUAL(out, "HTTP 503 Service Unavailable.");
}

/* ---- against the simulator --------------------------------------------- */

static void cfg_startup(tl_config_t *c, int port)
{
	tl_config_defaults(c);
	snprintf(c->exchange_info, sizeof c->exchange_info, "config/exchange_info.json");
	c->engine.idle = TL_IDLE_SLEEP;
	c->engine.idle_us = 50;
	c->io.idle = TL_IDLE_SLEEP;
	c->io.idle_us = 50;
	c->kernel.order_cap = 1024;
	tl_binance_cfg_t *b = tl_binance_cfg_select(c);
	snprintf(b->rest.host, sizeof b->rest.host, "127.0.0.1");
	b->rest.port = (uint16_t)port;
	b->rest.tls = false;
	snprintf(b->ws.host, sizeof b->ws.host, "127.0.0.1");
	b->ws.port = srv ? (uint16_t)tl_sim_server_port(srv, TL_SIM_PORT_WS) : 1;
	b->ws.tls = false;
	snprintf(b->api_key, sizeof b->api_key, "%s", scfg.acct[0].api_key);
	snprintf(b->api_secret, sizeof b->api_secret, "%s", scfg.acct[0].api_secret);
	b->connections = 2;
	b->timeout_ns = 2000 * MS;
	b->startup_deadline_ns = 15000 * MS;
	c->n_symbols = 2;
	snprintf(c->symbols[0], sizeof c->symbols[0], "BTCUSDT");
	snprintf(c->symbols[1], sizeof c->symbols[1], "ETHUSDT");
	c->leverage[0] = 20;
	c->leverage[1] = 10;
}

/* Create and start; returns 0 or -1 with the error in err; the captured
 * stderr in log. E is left running on success. */
static int try_start(tl_config_t *c, char *err, size_t errlen, char *log, size_t logcap)
{
	tl_engine_xopts_t o = { .no_shm = true };
	int rc = -1;

	err[0] = '\0';
	capture_begin();
	E = tl_engine_create(c, &o, err, errlen);
	if (E && tl_engine_start(E, err, errlen) == 0)
		rc = 0;
	capture_restore(log, logcap);
	CU_ASSERT_PTR_NULL(strstr(err, tl_binance_cfg(c)->api_secret));
	CU_ASSERT_PTR_NULL(strstr(log, tl_binance_cfg(c)->api_secret));
	if (rc < 0) {
		tl_engine_close(E);
		E = NULL;
	}
	return rc;
}

static void engine_done(void)
{
	if (E) {
		tl_engine_close(E);
		E = NULL;
	}
}

static void admin_fault(const char *rule)
{
	char q[256], body[512];
	snprintf(q, sizeof q, "endpoint_error=%s", rule);
	CU_ASSERT_EQUAL(sim_call("POST", "/sim/faults", q, false, body, sizeof body), 200);
}

/* The leverage the venue holds for sym (positionRisk), -1 unknown. */
static int venue_leverage(const char *sym)
{
	static char body[65536];
	char q[64];
	snprintf(q, sizeof q, "symbol=%s", sym);
	if (sim_call("GET", "/fapi/v2/positionRisk", q, true, body, sizeof body) != 200)
		return -1;
	const char *p = strstr(body, "\"leverage\":\"");
	return p ? atoi(p + 12) : -1;
}

static void test_transient_5xx_and_429_then_start(void)
{
	static char log[65536];
	char err[512];
	tl_config_t c;

	server_start_cfg(NULL);
	/* percent-encoded spaces: METHOD PATH PPM CODE COUNT */
	admin_fault("POST%20%2Ffapi%2Fv1%2Fleverage%201000000%20-1001%203");
	admin_fault("GET%20%2Ffapi%2Fv1%2FexchangeInfo%201000000%20-1001%202");
	cfg_startup(&c, e2e_rest_port);
	int rc = try_start(&c, err, sizeof err, log, sizeof log);
	if (rc < 0)
		fprintf(stderr, "start: %s\n", err);
	CU_ASSERT_EQUAL(rc, 0);
	/* exchangeInfo was read after its retries (no "trading on the file") */
	CU_ASSERT_EQUAL(count_str(log, "exchangeInfo failed (-1001 "), 2);
	CU_ASSERT_PTR_NULL(strstr(log, "could not read the venue's exchangeInfo"));
	CU_ASSERT_EQUAL(count_str(log, "start-up call failed (-1001 "), 3);
	engine_done();
	CU_ASSERT_EQUAL(venue_leverage("BTCUSDT"), 20);
	CU_ASSERT_EQUAL(venue_leverage("ETHUSDT"), 10);

	/* 429 -1003 on the first two */
	admin_fault("POST%20%2Ffapi%2Fv1%2Fleverage%201000000%20-1003%202");
	c.leverage[0] = 15;
	rc = try_start(&c, err, sizeof err, log, sizeof log);
	if (rc < 0)
		fprintf(stderr, "start: %s\n", err);
	CU_ASSERT_EQUAL(rc, 0);
	CU_ASSERT_EQUAL(count_str(log, "start-up call failed (-1003"), 2);
	engine_done();
	CU_ASSERT_EQUAL(venue_leverage("BTCUSDT"), 15);
	server_stop();
}

static void test_wrong_key_fails_at_once_with_2015(void)
{
	static char log[65536];
	char err[512];
	tl_config_t c;

	server_start_cfg(NULL);
	cfg_startup(&c, e2e_rest_port);
	snprintf(tl_binance_cfg(&c)->api_key, sizeof tl_binance_cfg(&c)->api_key, "NOT-THE-KEY");
	int64_t t0 = mono();
	CU_ASSERT_EQUAL(try_start(&c, err, sizeof err, log, sizeof log), -1);
	fprintf(stderr, "wrong key: %s\n", err);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "-2015"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "the venue refused leverage 20 for BTCUSDT: -2015 "));
	CU_ASSERT_PTR_NULL(strstr(err, "Input/output error"));
	CU_ASSERT_PTR_NULL(strstr(log, "retrying"));
	CU_ASSERT(mono() - t0 < 5000 * MS);	/* not retried to the deadline */

	/* the right key with a wrong secret: the signature is refused */
	cfg_startup(&c, e2e_rest_port);
	tl_binance_cfg(&c)->api_secret[0] ^= 1;
	CU_ASSERT_EQUAL(try_start(&c, err, sizeof err, log, sizeof log), -1);
	fprintf(stderr, "wrong secret: %s\n", err);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "the venue refused leverage 20 for BTCUSDT: -1022 "));
	server_stop();
}

static void test_nothing_listening_names_connect_refused(void)
{
	static char log[65536];
	char err[512], want[64];
	tl_config_t c;
	struct sockaddr_in a;
	socklen_t alen = sizeof a;

	/* A bound socket that never listens: its port refuses connections
	 * and no one else can take it meanwhile. */
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	CU_ASSERT_FATAL(fd >= 0);
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	CU_ASSERT_EQUAL_FATAL(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
	CU_ASSERT_EQUAL_FATAL(getsockname(fd, (struct sockaddr *)&a, &alen), 0);
	int port = ntohs(a.sin_port);

	cfg_startup(&c, port);
	tl_binance_cfg(&c)->startup_deadline_ns = 2000 * MS;
	int64_t t0 = mono();
	CU_ASSERT_EQUAL(try_start(&c, err, sizeof err, log, sizeof log), -1);
	int64_t took = mono() - t0;
	fprintf(stderr, "nothing listening: %s (%lld ms)\n", err, (long long)(took / MS));
	snprintf(want, sizeof want, "cannot connect to 127.0.0.1:%d: Connection refused", port);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, want));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "connect"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "refused"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "could not set leverage 20 for BTCUSDT"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "startup_deadline_ms"));
	/* exchangeInfo and leverage share one deadline (plus one last try
	 * and the connect timeouts) */
	CU_ASSERT(took < 2000 * MS + 3 * tl_binance_cfg(&c)->timeout_ns);
	close(fd);
}

static void tls_on(tl_sim_config_t *c)
{
	c->rest_tls = true;
	c->ws_tls = true;
}

/* A CA file that did not sign the venue's certificate: a configuration
 * error, named as a TLS failure and not retried to the deadline. */
static void test_wrong_ca_fails_at_once_naming_tls(void)
{
	static char log[65536];
	char err[512];
	tl_config_t c;

	server_start_cfg(tls_on);
	cfg_startup(&c, e2e_rest_port);
	tl_binance_cfg(&c)->rest.tls = true;
	tl_binance_cfg(&c)->ws.tls = true;
	snprintf(tl_binance_cfg(&c)->rest.ca_file, sizeof tl_binance_cfg(&c)->rest.ca_file,
		 "/etc/ssl/certs/ca-certificates.crt");
	int64_t t0 = mono();
	CU_ASSERT_EQUAL(try_start(&c, err, sizeof err, log, sizeof log), -1);
	fprintf(stderr, "wrong CA: %s\n", err);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "could not set leverage 20 for BTCUSDT: TLS failure: "));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "certificate verification failed"));
	CU_ASSERT_PTR_NULL(strstr(log, "retrying"));
	CU_ASSERT(mono() - t0 < 5000 * MS);
	server_stop();
}

TL_TEST_SUITE("io.binance_startup", NULL, NULL,
	      TL_TEST(test_unit_retry_or_not),
	      TL_TEST(test_unit_backoff_and_deadline),
	      TL_TEST(test_unit_texts),
	      TL_TEST(test_transient_5xx_and_429_then_start),
	      TL_TEST(test_wrong_key_fails_at_once_with_2015),
	      TL_TEST(test_nothing_listening_names_connect_refused),
	      TL_TEST(test_wrong_ca_fails_at_once_naming_tls));
