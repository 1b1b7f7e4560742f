/*
 * test_binance_sim_common.h - the base every Binance test against the
 * in-process simulator shares (test_binance.c, test_binance_safety.c and,
 * through test_binance_e2e_common.h, the end-to-end tests): the
 * simulator on ephemeral loopback ports, the engine handle, clocks and
 * naps, stderr captured into a file while an engine runs, and calls at
 * the simulator's REST API as the engine's account.
 *
 * A header of static functions (like tests/sim/sim_client.c), included
 * once per test program; every helper is E2E_FN (static, maybe unused).
 * Define BSIM_CAP_FMT (a printf format taking the pid) before including
 * it to name the stderr capture file; define BSIM_OWN_CAPTURE_END when
 * the includer checks the capture its own way (the end-to-end tests).
 */
#ifndef TL_TEST_BINANCE_SIM_COMMON_H
#define TL_TEST_BINANCE_SIM_COMMON_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "tests/support/tl_test.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "io/binance/binance.h"
#include "io/binance/stream.h"
#include "tests/support/engine_fix.h"
#include "io/binance/sync.h"
#include "runtime/clock.h"
#include "runtime/engine.h"
#include "sim/server.h"

#include "tests/sim/sim_client.c"

#ifndef BSIM_CAP_FMT
#error "define BSIM_CAP_FMT (the stderr capture file, \"...%d...\") first"
#endif

#define E2E_FN static __attribute__((unused))
#define E2E_S 1000000000LL

static tl_sim_config_t scfg;
static tl_sim_server_t *srv;
static tl_engine_t *E;
static int e2e_acct;              /* venue account the engine trades on */
static long long e2e_ts_offset;   /* our signed calls' clock offset (ms) */
static int saved_stderr = -1;
static char cap_path[96];
static simc_t e2e_cli;            /* 1 MiB body: not on the stack */
static int e2e_rest_port;         /* the venue's plain REST port */
static const char *e2e_sim_ca;    /* sim_call over TLS trusting this CA (a
				   * venue with rest_tls), NULL: plain */

E2E_FN int64_t mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * E2E_S + ts.tv_nsec;
}

E2E_FN void nap(void)
{
	struct timespec ts = { 0, 500000 };
	nanosleep(&ts, NULL);
}

E2E_FN void nap_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

/* stderr goes to cap_path while an engine runs, so it can be grepped;
 * each test's capture_end restores it. */
E2E_FN void capture_begin(void)
{
	snprintf(cap_path, sizeof cap_path, BSIM_CAP_FMT, (int)getpid());
	fflush(stderr);
	saved_stderr = dup(2);
	int fd = open(cap_path, O_CREAT | O_TRUNC | O_WRONLY, 0600);
	if (fd >= 0) {
		dup2(fd, 2);
		close(fd);
	}
}

/* Restore stderr after capture_begin, and read what was written (up to
 * cap - 1 bytes, NUL-terminated) into buf; echo it and remove the file.
 * Returns the bytes read; 0 with buf "" when nothing was captured. */
E2E_FN size_t capture_restore(char *buf, size_t cap)
{
	size_t n = 0;

	buf[0] = '\0';
	if (saved_stderr < 0)
		return 0;
	fflush(stderr);
	dup2(saved_stderr, 2);
	close(saved_stderr);
	saved_stderr = -1;
	FILE *f = fopen(cap_path, "r");
	if (f) {
		n = fread(buf, 1, cap - 1, f);
		fclose(f);
	}
	buf[n] = '\0';
	unlink(cap_path);
	if (n)
		fputs(buf, stderr);
	return n;
}

/* ---- the engine's events, as the strategy polls them -------------------- */

static tl_event_t evs[8192];
static int nev;

E2E_FN void poll_events(void)
{
	if (nev < (int)(sizeof evs / sizeof evs[0]))
		nev += tl_engine_poll_kernel(E, evs + nev, (int)(sizeof evs / sizeof evs[0]) - nev);
}

E2E_FN void dump_events(void)
{
	for (int i = 0; i < nev; i++)
		printf("  ev %s %s role %u %s\n", tl_event_name(evs[i].type),
		       evs[i].u.order.client_id, evs[i].u.order.role, evs[i].text);
}

E2E_FN int count_ev(tl_event_type_t t)
{
	int n = 0;
	for (int i = 0; i < nev; i++)
		n += evs[i].type == t;
	return n;
}

/* First event of type t (and role, unless role < 0) from index `from`. */
E2E_FN const tl_event_t *find_ev_role(tl_event_type_t t, int role, int from)
{
	for (int i = from; i < nev; i++)
		if (evs[i].type == t && (role < 0 || evs[i].u.order.role == role))
			return &evs[i];
	return NULL;
}

E2E_FN const tl_event_t *find_ev(tl_event_type_t t)
{
	return find_ev_role(t, -1, 0);
}

E2E_FN const tl_event_t *find_ev_clid(tl_event_type_t t, const char *clid)
{
	for (int i = 0; i < nev; i++)
		if (evs[i].type == t && !strcmp(evs[i].u.order.client_id, clid))
			return &evs[i];
	return NULL;
}

/* Poll until an event of type t (and role) shows up after index from. */
E2E_FN bool wait_ev_role(tl_event_type_t t, int role, int from, int64_t max_ns)
{
	int64_t end = mono() + max_ns;
	for (;;) {
		int before = nev;
		poll_events();
		if (find_ev_role(t, role, from))
			return true;
		if (mono() >= end)
			return false;
		if (nev == before)
			nap();
	}
}

E2E_FN bool wait_ev(tl_event_type_t t, int64_t max_ns)
{
	return wait_ev_role(t, -1, 0, max_ns);
}

E2E_FN bool ev_terminal(tl_event_type_t t)
{
	return t == TL_EV_ORDER_FILLED || t == TL_EV_ORDER_REJECTED ||
	       t == TL_EV_ORDER_FAILED || t == TL_EV_ORDER_CANCELED ||
	       t == TL_EV_ORDER_EXPIRED;
}

/* A LIMIT far below the simulator's market: it rests. */
static const tl_order_spec_t limit_buy __attribute__((unused)) = {
	.symbol = "BTCUSDT", .side = TL_SIDE_BUY, .type = TL_ORDER_LIMIT,
	.qty = "0.010", .price = "58000.0",
};

/* true when the file at path holds `needle` (absent file: false). */
E2E_FN bool file_has(const char *path, const char *needle)
{
	static char buf[16 << 20];
	FILE *f = fopen(path, "rb");
	size_t n;

	if (!f)
		return false;
	n = fread(buf, 1, sizeof buf, f);
	fclose(f);
	return memmem(buf, n, needle, strlen(needle)) != NULL;
}

/* ---- the venue ----------------------------------------------------------- */

/* Start the simulator with scfg as it is (a test that changes a knob
 * between server_stop and this); sim_call then talks to it. */
E2E_FN void server_start_scfg(void)
{
	srv = simc_server_start(&scfg);
	CU_ASSERT_PTR_NOT_NULL_FATAL(srv);
	e2e_rest_port = tl_sim_server_port(srv, TL_SIM_PORT_REST);
}

/* Start the simulator (plain HTTP/WS, no random walk) after `tweak` may
 * change its config. */
E2E_FN void server_start_cfg(void (*tweak)(tl_sim_config_t *))
{
	char err[256];

	tl_sim_config_defaults(&scfg);
	CU_ASSERT_EQUAL_FATAL(tl_sim_config_load(&scfg, "config/venue.json", err, sizeof err), 0);
	scfg.rest_port = 0;
	scfg.rest_plain_port = 0;
	scfg.ws_port = 0;
	scfg.ws_enabled = true;
	scfg.rest_tls = false;
	scfg.ws_tls = false;
	for (int i = 0; i < scfg.nsym; i++)
		scfg.sym[i].vol_bps = 0;
	if (tweak)
		tweak(&scfg);
	e2e_ts_offset = 0;
	server_start_scfg();
}

E2E_FN void server_stop(void)
{
	simc_server_stop(srv);
	srv = NULL;
}

E2E_FN int sim_call_once(const char *method, const char *path, const char *q,
			 bool sign, char *body, size_t cap)
{
	simc_t *cli = &e2e_cli;
	int st;

	if (simc_connect(cli, e2e_rest_port, e2e_sim_ca) != 0) {
		simc_close(cli);
		return -1;
	}
	cli->key = scfg.acct[e2e_acct].api_key;
	cli->secret = scfg.acct[e2e_acct].api_secret;
	cli->ts_offset = e2e_ts_offset;
	st = sign ? simc_signed(cli, method, path, q, false)
		  : simc_raw(cli, method, path, q, "", NULL);
	if (body && cap) {
		size_t n = strnlen(cli->body, cap - 1);
		memcpy(body, cli->body, n);
		body[n] = '\0';
	}
	simc_close(cli);
	return st;
}

/* A /sim/ admin call or a signed call of the engine's account; returns
 * the HTTP status. Retried when the blocking client fails (no
 * connection, or no answer within its 5 s receive timeout on a loaded
 * machine; a signal's EINTR is no failure, the client repeats just the
 * syscall): use it for idempotent calls, and for placing an order with
 * a client id, whose retry after an attempt that did execute is answered
 * -4116 "ClientOrderId is duplicated" and counted as that attempt's 200. */
E2E_FN int sim_call(const char *method, const char *path, const char *q,
		    bool sign, char *body, size_t cap)
{
	int st = -1;
	for (int i = 0; i < 6 && st < 0; i++) {
		if (i > 0)	/* a loaded machine: give the venue's thread a turn */
			usleep(100000);
		errno = 0;
		st = sim_call_once(method, path, q, sign, body, cap);
		if (st < 0)
			printf("\n  sim_call %s %s: try %d failed (%s)\n", method, path, i + 1,
			       errno ? strerror(errno) : "no answer");
		if (i > 0 && st == 400 && strstr(e2e_cli.body, "\"code\":-4116"))
			st = 200;
	}
	return st;
}

/* ---- the engine ---------------------------------------------------------- */

/* Capture stderr, then create and start E from c (no shm); fatal
 * asserts when either fails, and the error text must not hold the
 * secret. The caller resets its event list. */
E2E_FN void engine_create_start(tl_config_t *c)
{
	char err[512];
	tl_engine_xopts_t o = { .no_shm = true };

	capture_begin();
	E = tl_engine_create(c, &o, err, sizeof err);
	if (!E)
		fprintf(stderr, "engine: %s\n", err);
	if (tl_binance_cfg(c)->api_secret[0])	/* "" with an Ed25519 key */
		CU_ASSERT_PTR_NULL(strstr(err, tl_binance_cfg(c)->api_secret));
	CU_ASSERT_PTR_NOT_NULL_FATAL(E);
	CU_ASSERT_EQUAL_FATAL(tl_engine_start(E, err, sizeof err), 0);
}

/* Wait (10 s at most) until E's kernel has taken n inputs (the clock,
 * then the premiumIndex marks); false when it has not. */
E2E_FN bool wait_inputs(uint64_t n)
{
	tl_shm_snapshot_t s;
	bool ok = false;
	int64_t end = mono() + 10 * E2E_S;

	while (!ok && mono() < end) {
		ok = tl_engine_snapshot(E, &s) && s.inputs >= n;
		if (!ok)
			nap();
	}
	return ok;
}

/* Wait (10 s at most) until E's user stream is up, the only source of
 * fills; a fatal assert when it is not. */
E2E_FN void wait_stream_up(void)
{
	int64_t end = mono() + 10 * E2E_S;

	while (mono() < end &&
	       tl_binance_stream_state(tl_engine_venue(E)) != TL_BINANCE_STREAM_UP)
		nap();
	CU_ASSERT_EQUAL_FATAL(tl_binance_stream_state(tl_engine_venue(E)), TL_BINANCE_STREAM_UP);
}

/* ---- shared by the tests that start their own simulator ----------------- */

E2E_FN tl_time_t real_ns(void)
{
	return tl_clock_realtime_ns();
}

#ifndef BSIM_OWN_CAPTURE_END
static char cap_buf[1 << 16];

/* Restore stderr; what was written is in cap_buf (and echoed), and it
 * must not hold the secret. */
E2E_FN void capture_end(void)
{
	capture_restore(cap_buf, sizeof cap_buf);
	CU_ASSERT_PTR_NULL(strstr(cap_buf, scfg.acct[0].api_secret));
}
#endif

E2E_FN int count_str(const char *hay, const char *needle)
{
	int n = 0;
	for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

static int srv_nsym;            /* server_start_copies' argument, for its tweak */

E2E_FN void server_copies_tweak(tl_sim_config_t *c)
{
	for (int i = c->nsym; i < srv_nsym && i < TL_SIM_MAX_SYMBOLS; i++) {
		c->sym[i] = c->sym[1];
		snprintf(c->sym[i].name, sizeof c->sym[i].name, "S%dUSDT", i + 1);
		snprintf(c->sym[i].base, sizeof c->sym[i].base, "S%d", i + 1);
		c->nsym = i + 1;
	}
}

/* The simulator with `nsym` symbols: BTCUSDT, ETHUSDT, then copies of
 * ETHUSDT named S3USDT, S4USDT, ... (flat markets). */
E2E_FN void server_start_copies(int nsym)
{
	srv_nsym = nsym;
	server_start_cfg(server_copies_tweak);
}

static char xinfo_path[96];

/* The simulator's own exchangeInfo as talon's symbols file (xinfo_path),
 * with `from` replaced by `to` once (NULL: as is). */
E2E_FN void write_xinfo(const char *from, const char *to)
{
	static char body[1 << 20];
	FILE *f;

	CU_ASSERT_EQUAL_FATAL(sim_call("GET", "/fapi/v1/exchangeInfo", "", false,
				       body, sizeof body), 200);
	snprintf(xinfo_path, sizeof xinfo_path, "/tmp/tl_test_bsim_xinfo.%d.json",
		 (int)getpid());
	f = fopen(xinfo_path, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	char *p = from ? strstr(body, from) : NULL;
	if (from)
		CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	if (p) {
		fwrite(body, 1, (size_t)(p - body), f);
		fputs(to, f);
		fputs(p + strlen(from), f);
	} else {
		fputs(body, f);
	}
	fclose(f);
}

/* An engine on the simulator's plain (tls false) or TLS ports trading as
 * account `acct`, the CA file ca (NULL: the default stays); threads park
 * when idle, threading as TL_TEST_THREADING says (tl_test_threading). The caller names the symbols file (and the symbols). */
/* The run's order transport: TL_TEST_TRANSPORT "ws" or REST. */
E2E_FN bool e2e_ws_orders(void)
{
	const char *tp = getenv("TL_TEST_TRANSPORT");
	return tp && strcmp(tp, "ws") == 0;
}

E2E_FN void cfg_binance_venue(tl_config_t *c, int acct, bool tls, const char *ca)
{
	tl_config_defaults(c);
	tl_test_threading(c);
	c->kernel.order_cap = 1024;
	c->snapshot_hz = 1000;
	tl_binance_cfg_t *b = tl_binance_cfg_select(c);
	snprintf(b->rest.host, sizeof b->rest.host, "127.0.0.1");
	b->rest.port = (uint16_t)tl_sim_server_port(srv, TL_SIM_PORT_REST);
	b->rest.tls = tls;
	if (ca)
		snprintf(b->rest.ca_file, sizeof b->rest.ca_file, "%s", ca);
	snprintf(b->ws.host, sizeof b->ws.host, "127.0.0.1");
	b->ws.port = (uint16_t)tl_sim_server_port(srv, TL_SIM_PORT_WS);
	b->ws.tls = tls;
	snprintf(b->api_key, sizeof b->api_key, "%s", scfg.acct[acct].api_key);
	snprintf(b->api_secret, sizeof b->api_secret, "%s", scfg.acct[acct].api_secret);
	b->connections = 2;
	b->timeout_ns = 2000LL * 1000000;
	/* TL_TEST_TRANSPORT=ws (scripts/run-tests.sh): the same suite with
	 * orders, cancels and queries over the venue's WebSocket API */
	if (e2e_ws_orders()) {
		b->order_transport = TL_BINANCE_TRANSPORT_WS;
		snprintf(b->ws_api.host, sizeof b->ws_api.host, "127.0.0.1");
		b->ws_api.port = b->ws.port;
		b->ws_api.tls = tls;
		snprintf(b->ws_api.path, sizeof b->ws_api.path, "/ws-fapi/v1");
	}
}

/* cfg_binance_venue, plain, trading the first `nsym` symbols of
 * write_xinfo's file with fast retries and queries (the fault tests). */
E2E_FN void cfg_binance_xinfo(tl_config_t *c, int nsym)
{
	cfg_binance_venue(c, 0, false, "");
	snprintf(c->exchange_info, sizeof c->exchange_info, "%s", xinfo_path);
	c->n_symbols = (uint32_t)nsym;
	for (int i = 0; i < nsym; i++)
		snprintf(c->symbols[i], sizeof c->symbols[i], "%s", scfg.sym[i].name);
	c->kernel.backoff.base_ns = 50LL * 1000000;
	c->kernel.backoff.cap_ns = 200LL * 1000000;
	c->kernel.query_interval_ns = 100LL * 1000000;
	c->kernel.ack_timeout_ns = 3000LL * 1000000;
}

/* The simulator's positionAmt of sym (one-way mode), or -1 on error. */
E2E_FN int venue_amt(const char *sym, tl_fx_t *amt)
{
	static char body[65536];
	char q[64], fn[] = "\"positionAmt\":\"";
	snprintf(q, sizeof q, "symbol=%s", sym);
	if (sim_call("GET", "/fapi/v3/positionRisk", q, true, body, sizeof body) != 200)
		return -1;
	*amt = 0;
	const char *p = strstr(body, fn);
	if (!p)
		return 0;	/* no row: flat */
	p += strlen(fn);
	const char *e = strchr(p, '"');
	char v[48];
	if (!e || (size_t)(e - p) >= sizeof v)
		return -1;
	memcpy(v, p, (size_t)(e - p));
	v[e - p] = '\0';
	return tl_fx_parse_cstr(v, amt) == TL_FX_OK ? 0 : -1;
}

/* The engine account's open orders on sym at the venue, or -1 on error. */
E2E_FN int open_orders(const char *sym)
{
	static char body[65536];
	char q[64];
	snprintf(q, sizeof q, "symbol=%s", sym);
	int st = sim_call("GET", "/fapi/v1/openOrders", q, true, body, sizeof body);
	if (st != 200) {
		printf("openOrders %s: HTTP %d %.200s\n", sym, st, body);
		return -1;
	}
	return count_str(body, "\"orderId\"");
}

E2E_FN void market(const char *sym, tl_side_t side, const char *qty, uint64_t ref)
{
	tl_order_spec_t o = { .side = (tl_order_side_t)side, .type = TL_ORDER_MARKET };
	o.symbol = sym;
	o.qty = qty;
	CU_ASSERT_EQUAL_FATAL(tl_engine_submit(E, &o, ref), 0);
}

/* The adapter driven alone (no engine): what it handed over, by type. */
static int direct_inputs[TL_IN__COUNT];
E2E_FN void direct_inputs_count(void *ctx, const tl_input_t *in)
{
	(void)ctx;
	if (in->hdr.type < TL_IN__COUNT)
		direct_inputs[in->hdr.type]++;
}

E2E_FN tl_binance_sync_stats_t sync_stats(void)
{
	tl_binance_sync_stats_t st;
	tl_binance_sync_stats(tl_engine_venue(E), &st);
	return st;
}

#endif /* TL_TEST_BINANCE_SIM_COMMON_H */
