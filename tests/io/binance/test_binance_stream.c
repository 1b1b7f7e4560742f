/*
 * test_binance_stream.c - the STREAM thread against `talon venue` started
 * in-process: user data FILL / ORDER_UPDATE and MARK inputs over WS and
 * WSS (build/tls/ca.pem), current and legacy URL forms, TRADE_LITE
 * skipped or decoded, a server-side
 * disconnect and a venue restart (state DOWN, reconnect, new key),
 * server pings and connection lifetime, listenKeyExpired (KEY_EXPIRED
 * until a new key), a wrong CA and a wrong hostname refused with an error
 * recorded, oversize and fragmented messages from a hand-made server,
 * the all-market mark stream past TL_BINANCE_STREAM_URL_SYMBOLS (only our
 * symbols' marks, the rest dropped and counted), bad arguments, and stop
 * joining within a second.
 */
#define _GNU_SOURCE
#include "tests/support/tl_test.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <netinet/in.h>
#include <sys/socket.h>

#include "io/binance/stream.h"
#include "kernel/fixed.h"
#include "sim/ws.h"
#include "runtime/clock.h"
#include "tests/sim/sim_client.c"

#define REC_CAP 4096

static struct {
	pthread_mutex_t mu;
	unsigned n;
	tl_input_t in[REC_CAP];
} rec = { .mu = PTHREAD_MUTEX_INITIALIZER };

static tl_sim_config_t cfg;
static tl_sim_server_t *srv;
static simc_t rest;
static char lkey[80];
static tl_binance_stream_t *bs;
static const char *const syms[] = { "BTCUSDT" };

/* Called on the STREAM thread. */
static void rec_emit(void *ctx, const tl_input_t *in)
{
	(void)ctx;
	pthread_mutex_lock(&rec.mu);
	if (rec.n < REC_CAP)
		rec.in[rec.n] = *in;
	rec.n++;
	pthread_mutex_unlock(&rec.mu);
}

static void rec_reset(void)
{
	pthread_mutex_lock(&rec.mu);
	rec.n = 0;
	pthread_mutex_unlock(&rec.mu);
}

static int64_t now_ms(void)
{
	return tl_clock_mono_ns() / 1000000;
}

static int64_t realtime_ns(void)
{
	return tl_clock_realtime_ns();
}

/* First recorded input of `type` (and client id / symbol when given, and
 * for FILL a commission > 0 when `with_fee`) into *out; waits up to ms. */
static bool rec_find(int type, const char *id, bool with_fee, int ms,
		     tl_input_t *out)
{
	int64_t end = now_ms() + ms;

	do {
		bool found = false;
		unsigned i, n;
		pthread_mutex_lock(&rec.mu);
		n = rec.n < REC_CAP ? rec.n : REC_CAP;
		for (i = 0; i < n && !found; i++) {
			const tl_input_t *in = &rec.in[i];
			if (in->hdr.type != type)
				continue;
			if (type == TL_IN_FILL && (strcmp(in->u.fill.client_id, id) ||
						   (with_fee && in->u.fill.commission <= 0)))
				continue;
			if (type == TL_IN_ORDER_UPDATE && strcmp(in->u.update.client_id, id))
				continue;
			if (type == TL_IN_MARK && strcmp(in->u.mark.symbol, id))
				continue;
			*out = *in;
			found = true;
		}
		pthread_mutex_unlock(&rec.mu);
		if (found)
			return true;
		usleep(5000);
	} while (now_ms() < end);
	return false;
}

static bool wait_state(tl_binance_stream_state_t st, int ms)
{
	int64_t end = now_ms() + ms;

	while (tl_binance_stream_user_state(bs) != st) {
		if (now_ms() >= end) {
			fprintf(stderr, "\n  state %s, wanted %s\n",
				tl_binance_stream_state_name(tl_binance_stream_user_state(bs)),
				tl_binance_stream_state_name(st));
			return false;
		}
		usleep(5000);
	}
	return true;
}

static bool wait_epoch(uint64_t e, int ms)
{
	int64_t end = now_ms() + ms;

	while (tl_binance_stream_user_epoch(bs) < e || tl_binance_stream_user_state(bs) != TL_BINANCE_STREAM_UP) {
		if (now_ms() >= end)
			return false;
		usleep(5000);
	}
	return true;
}

static bool wait_market(int ms)
{
	int64_t end = now_ms() + ms;

	while (!tl_binance_stream_market_up(bs)) {
		if (now_ms() >= end)
			return false;
		usleep(5000);
	}
	return true;
}

static void venue_start(bool tls, int ws_port)
{
	cfg.ws_tls = tls;
	cfg.ws_port = ws_port;
	srv = simc_start_rest(&cfg, &rest);
}

static void venue_stop(void)
{
	simc_stop_rest(&srv, &rest);
}

static void new_listen_key(void)
{
	simc_listen_key(&rest, lkey);
}

static tl_binance_stream_cfg_t stream_cfg(bool tls, const char *ca)
{
	tl_binance_stream_cfg_t c = {
		.host = "127.0.0.1",
		.port = tl_sim_server_port(srv, TL_SIM_PORT_WS),
		.tls = tls,
		.ca_file = ca,
		.listen_key = lkey,
		.symbols = syms,
		.n_symbols = 1,
		.paths = TL_BINANCE_STREAM_PATH_CURRENT,
		.backoff_min_ms = 20,
		.backoff_max_ms = 200,
	};
	return c;
}

static void stream_start(const tl_binance_stream_cfg_t *c)
{
	char err[256] = "";

	bs = tl_binance_stream_start(c, rec_emit, NULL, err, sizeof err);
	if (!bs)
		fprintf(stderr, "\n  start: %s\n", err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(bs);
}

/* Stop must join within a second. */
static void stream_stop(void)
{
	int64_t t0 = now_ms();

	tl_binance_stream_stop(bs);
	bs = NULL;
	CU_ASSERT(now_ms() - t0 < 1000);
}

static void each_setup(void)
{
	tl_sim_config_defaults(&cfg);
	cfg.sym[0].vol_bps = 0;
	cfg.mark_interval_ms = 50;
	srv = NULL;
	bs = NULL;
	rec_reset();
}

static void each_teardown(void)
{
	if (bs)
		tl_binance_stream_stop(bs);
	bs = NULL;
	if (srv)
		venue_stop();
}

static int market_order(const char *cid)
{
	char q[160];

	snprintf(q, sizeof q, "symbol=BTCUSDT&side=BUY&type=MARKET&quantity=0.010"
		 "&newClientOrderId=%s", cid);
	return simc_signed(&rest, "POST", "/fapi/v1/order", q, false);
}

static tl_fx_t fx(const char *s)
{
	tl_fx_t v = 0;

	CU_ASSERT_EQUAL(tl_fx_parse_cstr(s, &v), 0);
	return v;
}

/* The venue's trade id of the newest trade ("id":N of userTrades). */
static int64_t last_trade_id(void)
{
	const char *p, *last = NULL;

	CU_ASSERT_EQUAL_FATAL(simc_signed(&rest, "GET", "/fapi/v1/userTrades", "symbol=BTCUSDT", false), 200);
	for (p = rest.body; (p = strstr(p, "\"id\":")) != NULL; p++)
		last = p;
	CU_ASSERT_PTR_NOT_NULL_FATAL(last);
	return strtoll(last + 5, NULL, 10);
}

static unsigned count_fills(const char *cid)
{
	unsigned i, k = 0;

	pthread_mutex_lock(&rec.mu);
	for (i = 0; i < rec.n && i < REC_CAP; i++)
		k += rec.in[i].hdr.type == TL_IN_FILL &&
		     !strcmp(rec.in[i].u.fill.client_id, cid);
	pthread_mutex_unlock(&rec.mu);
	return k;
}

/* MARKET 0.010 BTCUSDT at 60000.10: ORDER_UPDATE NEW and a FILL from
 * ORDER_TRADE_UPDATE with the commission; TRADE_LITE (no commission) is
 * skipped unless asked for (then a second FILL, same trade id). */
static void check_market_fill_lite(const char *cid, bool lite_on)
{
	tl_input_t up, fill, lite;
	int64_t t0 = realtime_ns();

	CU_ASSERT_EQUAL_FATAL(market_order(cid), 200);
	CU_ASSERT_TRUE_FATAL(rec_find(TL_IN_ORDER_UPDATE, cid, false, 3000, &up));
	CU_ASSERT_EQUAL(up.u.update.status, TL_ST_NEW);
	CU_ASSERT(up.u.update.venue_id > 0);
	CU_ASSERT_TRUE_FATAL(rec_find(TL_IN_FILL, cid, true, 3000, &fill));
	CU_ASSERT_EQUAL(fill.u.fill.trade_id, last_trade_id());
	CU_ASSERT_EQUAL(fill.u.fill.venue_id, up.u.update.venue_id);
	CU_ASSERT_EQUAL(fill.u.fill.qty, fx("0.010"));
	CU_ASSERT_EQUAL(fill.u.fill.price, fx("60000.10"));
	CU_ASSERT_EQUAL(fill.u.fill.commission, fx("0.24000040"));
	CU_ASSERT_EQUAL(fill.u.fill.maker, 0);
	/* stamped with the receive time (CLOCK_REALTIME) */
	CU_ASSERT(fill.hdr.time >= t0 - 1000000 && fill.hdr.time <= realtime_ns());
	if (lite_on) {
		CU_ASSERT_TRUE(rec_find(TL_IN_FILL, cid, false, 1000, &lite));
		CU_ASSERT_EQUAL(lite.u.fill.trade_id, fill.u.fill.trade_id);
		CU_ASSERT_EQUAL(count_fills(cid), 2);
	} else {
		usleep(50000);  /* ACCOUNT_UPDATE follows; nothing else */
		CU_ASSERT_EQUAL(count_fills(cid), 1);
	}
}

static void check_market_fill(const char *cid)
{
	check_market_fill_lite(cid, false);
}

/* A mark set at the venue arrives as a MARK input. */
static void check_mark(void)
{
	tl_fx_t want = fx("60123.40");
	int64_t end = now_ms() + 3000;
	bool seen = false;
	unsigned i;

	CU_ASSERT_EQUAL_FATAL(simc_raw(&rest, "POST", "/sim/mark", "symbol=BTCUSDT&price=60123.40&frozen=true", "", NULL), 200);
	while (!seen && now_ms() < end) {
		usleep(5000);
		pthread_mutex_lock(&rec.mu);
		for (i = 0; i < rec.n && i < REC_CAP; i++)
			seen |= rec.in[i].hdr.type == TL_IN_MARK &&
				!strcmp(rec.in[i].u.mark.symbol, "BTCUSDT") &&
				rec.in[i].u.mark.price == want;
		pthread_mutex_unlock(&rec.mu);
	}
	CU_ASSERT_TRUE(seen);
}

static void test_ws_user_fill_order_update_and_mark(void)
{
	tl_binance_stream_cfg_t c;
	tl_binance_stream_stats_t st;

	venue_start(false, 0);
	new_listen_key();
	c = stream_cfg(false, NULL);
	stream_start(&c);
	CU_ASSERT_TRUE_FATAL(wait_state(TL_BINANCE_STREAM_UP, 3000));
	CU_ASSERT_TRUE(wait_market(3000));
	CU_ASSERT_EQUAL(tl_binance_stream_user_epoch(bs), 1);
	check_market_fill("bs1");
	check_mark();
	tl_binance_stream_stats(bs, &st);
	CU_ASSERT(st.messages >= 5);
	CU_ASSERT(st.inputs >= 3);
	CU_ASSERT_EQUAL(st.skipped, 1);  /* TRADE_LITE */
	CU_ASSERT_EQUAL(st.decode_errors, 0);
	CU_ASSERT_EQUAL(st.reconnects, 0);
	CU_ASSERT_EQUAL(st.connects, 2);
	stream_stop();
}

static void test_legacy_urls(void)
{
	tl_binance_stream_cfg_t c;

	venue_start(false, 0);
	new_listen_key();
	c = stream_cfg(false, NULL);
	c.paths = TL_BINANCE_STREAM_PATH_LEGACY;
	c.trade_lite = true;
	stream_start(&c);
	CU_ASSERT_TRUE_FATAL(wait_state(TL_BINANCE_STREAM_UP, 3000));
	check_market_fill_lite("bs2", true);
	check_mark();
	stream_stop();
}

/* Without a key only the market stream runs; a key given later starts
 * the user stream. */
static void test_listen_key_given_later(void)
{
	tl_binance_stream_cfg_t c;

	venue_start(false, 0);
	c = stream_cfg(false, NULL);
	c.listen_key = NULL;
	stream_start(&c);
	CU_ASSERT_TRUE_FATAL(wait_market(3000));
	CU_ASSERT_EQUAL(tl_binance_stream_user_state(bs), TL_BINANCE_STREAM_CONNECTING);
	new_listen_key();
	CU_ASSERT_EQUAL(tl_binance_stream_set_listen_key(bs, lkey), 0);
	CU_ASSERT_TRUE_FATAL(wait_epoch(1, 3000));
	check_market_fill("bs3");
	stream_stop();
}

static void test_server_disconnect_then_venue_restart(void)
{
	tl_binance_stream_cfg_t c;
	tl_binance_stream_stats_t st;
	int port;

	venue_start(false, 0);
	new_listen_key();
	port = tl_sim_server_port(srv, TL_SIM_PORT_WS);
	c = stream_cfg(false, NULL);
	stream_start(&c);
	CU_ASSERT_TRUE_FATAL(wait_state(TL_BINANCE_STREAM_UP, 3000));
	/* a forced disconnect: reconnect, new epoch */
	CU_ASSERT_EQUAL(simc_raw(&rest, "POST", "/sim/faults", "disconnect_streams=true", "", NULL), 200);
	CU_ASSERT_TRUE_FATAL(wait_epoch(2, 3000));
	tl_binance_stream_stats(bs, &st);
	CU_ASSERT(st.reconnects >= 2); /* user and market */
	check_market_fill("bs4");
	/* the venue goes away: DOWN, reconnect attempts fail */
	venue_stop();
	CU_ASSERT_TRUE(wait_state(TL_BINANCE_STREAM_DOWN_RESYNC_NEEDED, 3000));
	usleep(300000);
	CU_ASSERT_EQUAL(tl_binance_stream_user_state(bs), TL_BINANCE_STREAM_DOWN_RESYNC_NEEDED);
	CU_ASSERT_FALSE(tl_binance_stream_market_up(bs));
	tl_binance_stream_stats(bs, &st);
	CU_ASSERT(st.connect_errors >= 1);
	/* back on the same port: a fresh venue needs a fresh key */
	venue_start(false, port);
	CU_ASSERT_TRUE_FATAL(wait_market(3000));
	new_listen_key();
	CU_ASSERT_EQUAL(tl_binance_stream_set_listen_key(bs, lkey), 0);
	CU_ASSERT_TRUE_FATAL(wait_epoch(4, 3000));
	rec_reset();
	check_market_fill("bs5");
	stream_stop();
}

/* Server pings are answered (lws) and change nothing; the server's
 * connection lifetime (24 h at Binance) ends in a reconnect. */
static void test_pings_and_connection_lifetime(void)
{
	tl_binance_stream_cfg_t c;
	tl_binance_stream_stats_t st;

	cfg.ws_ping_ms = 20;
	cfg.ws_lifetime_ms = 400;
	venue_start(false, 0);
	new_listen_key();
	c = stream_cfg(false, NULL);
	stream_start(&c);
	CU_ASSERT_TRUE_FATAL(wait_state(TL_BINANCE_STREAM_UP, 3000));
	usleep(200000);     /* ~10 pings */
	CU_ASSERT_EQUAL(tl_binance_stream_user_epoch(bs), 1);
	CU_ASSERT_EQUAL(tl_binance_stream_user_state(bs), TL_BINANCE_STREAM_UP);
	CU_ASSERT_TRUE_FATAL(wait_epoch(2, 3000));
	tl_binance_stream_stats(bs, &st);
	CU_ASSERT(st.reconnects >= 1);
	CU_ASSERT_EQUAL(st.decode_errors, 0);
	stream_stop();
}

static void test_listen_key_expired_waits_for_new_key(void)
{
	tl_binance_stream_cfg_t c;
	tl_binance_stream_stats_t st;
	uint64_t reconnects;

	venue_start(false, 0);
	new_listen_key();
	c = stream_cfg(false, NULL);
	c.n_symbols = 0;
	stream_start(&c);
	CU_ASSERT_TRUE_FATAL(wait_state(TL_BINANCE_STREAM_UP, 3000));
	CU_ASSERT_EQUAL(simc_raw(&rest, "POST", "/sim/faults", "expire_listen_key=all", "", NULL), 200);
	CU_ASSERT_TRUE_FATAL(wait_state(TL_BINANCE_STREAM_KEY_EXPIRED, 3000));
	tl_binance_stream_stats(bs, &st);
	CU_ASSERT_EQUAL(st.key_expired, 1);
	reconnects = st.reconnects;
	usleep(300000);     /* no reconnect with a dead key */
	tl_binance_stream_stats(bs, &st);
	CU_ASSERT_EQUAL(st.reconnects, reconnects);
	CU_ASSERT_EQUAL(tl_binance_stream_user_state(bs), TL_BINANCE_STREAM_KEY_EXPIRED);
	new_listen_key();
	CU_ASSERT_EQUAL(tl_binance_stream_set_listen_key(bs, lkey), 0);
	CU_ASSERT_TRUE_FATAL(wait_epoch(2, 3000));
	check_market_fill("bs6");
	stream_stop();
}

static bool have_tls(void)
{
	return access("build/tls/server.pem", R_OK) == 0 ||
	       system("sim/gen_tls.sh build/tls") == 0;
}

static void test_wss_with_local_ca(void)
{
	tl_binance_stream_cfg_t c;
	char err[256];

	if (!have_tls()) {
		fprintf(stderr, "\n  no build/tls: skipped\n");
		return;
	}
	venue_start(true, 0);
	new_listen_key();
	c = stream_cfg(true, "build/tls/ca.pem");
	stream_start(&c);
	CU_ASSERT_TRUE_FATAL(wait_state(TL_BINANCE_STREAM_UP, 5000));
	CU_ASSERT_TRUE(wait_market(3000));
	check_market_fill("bs7");
	check_mark();
	tl_binance_stream_last_error(bs, err, sizeof err);
	CU_ASSERT_STRING_EQUAL(err, "");
	stream_stop();
}

static void test_wss_wrong_ca_is_refused(void)
{
	char dir[64], ca[96], cmd[160], err[256];
	tl_binance_stream_cfg_t c;
	tl_binance_stream_stats_t st;
	int64_t end;

	if (!have_tls()) {
		fprintf(stderr, "\n  no build/tls: skipped\n");
		return;
	}
	snprintf(dir, sizeof dir, "/tmp/tl-bstream-ca.%d", (int)getpid());
	snprintf(cmd, sizeof cmd, "sim/gen_tls.sh %s", dir);
	CU_ASSERT_EQUAL_FATAL(system(cmd), 0);
	snprintf(ca, sizeof ca, "%s/ca.pem", dir);
	venue_start(true, 0);
	new_listen_key();
	c = stream_cfg(true, ca);
	stream_start(&c);
	end = now_ms() + 3000;
	do {
		usleep(10000);
		tl_binance_stream_stats(bs, &st);
	} while (st.connect_errors < 2 && now_ms() < end);
	CU_ASSERT(st.connect_errors >= 2);
	CU_ASSERT_EQUAL(st.connects, 0);
	CU_ASSERT_EQUAL(tl_binance_stream_user_state(bs), TL_BINANCE_STREAM_CONNECTING);
	CU_ASSERT_FALSE(tl_binance_stream_market_up(bs));
	tl_binance_stream_last_error(bs, err, sizeof err);
	fprintf(stderr, "\n  wrong CA: %s\n", err);
	CU_ASSERT(err[0] != '\0');
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "certificate"));
	CU_ASSERT_PTR_NULL(strstr(err, lkey));
	stream_stop();
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	CU_ASSERT_EQUAL(system(cmd), 0);
}

/* A certificate from the trusted CA but for another name is refused
 * (the hostname is checked, not only the chain). */
static void test_wss_hostname_mismatch_is_refused(void)
{
	char dir[64], cmd[1536], ca[96], err[256];
	tl_binance_stream_cfg_t c;
	tl_binance_stream_stats_t st;
	int64_t end;

	snprintf(dir, sizeof dir, "/tmp/tl-bstream-hm.%d", (int)getpid());
	snprintf(cmd, sizeof cmd,
		 "set -e; d=%s; rm -rf $d; mkdir -p $d; cd $d; "
		 "openssl ecparam -name prime256v1 -genkey -noout -out ca.key; "
		 "openssl req -x509 -new -key ca.key -sha256 -days 2 -subj /CN=hm-ca "
		 "-addext basicConstraints=critical,CA:TRUE "
		 "-addext keyUsage=critical,keyCertSign,cRLSign -out ca.pem 2>/dev/null; "
		 "openssl ecparam -name prime256v1 -genkey -noout -out server.key; "
		 "openssl req -new -key server.key -subj /CN=example.invalid -out s.csr; "
		 "printf 'basicConstraints=CA:FALSE\\nextendedKeyUsage=serverAuth\\n"
		 "subjectAltName=DNS:example.invalid\\n' > ext; "
		 "openssl x509 -req -in s.csr -CA ca.pem -CAkey ca.key -CAcreateserial "
		 "-days 2 -sha256 -extfile ext -out s.crt 2>/dev/null; "
		 "cat s.crt ca.pem > server.pem", dir);
	if (system(cmd) != 0) {
		fprintf(stderr, "\n  openssl failed: skipped\n");
		return;
	}
	snprintf(cfg.tls_cert, sizeof cfg.tls_cert, "%s/server.pem", dir);
	snprintf(cfg.tls_key, sizeof cfg.tls_key, "%s/server.key", dir);
	snprintf(ca, sizeof ca, "%s/ca.pem", dir);
	venue_start(true, 0);
	new_listen_key();
	c = stream_cfg(true, ca);
	stream_start(&c);
	end = now_ms() + 3000;
	do {
		usleep(10000);
		tl_binance_stream_stats(bs, &st);
	} while (st.connect_errors < 2 && now_ms() < end);
	CU_ASSERT(st.connect_errors >= 2);
	CU_ASSERT_EQUAL(st.connects, 0);
	tl_binance_stream_last_error(bs, err, sizeof err);
	fprintf(stderr, "\n  hostname mismatch: %s\n", err);
	CU_ASSERT(err[0] != '\0');
	stream_stop();
	/* insecure skips both checks (tests and local debugging only) */
	rec_reset();
	c.insecure = true;
	stream_start(&c);
	CU_ASSERT_TRUE(wait_state(TL_BINANCE_STREAM_UP, 3000));
	stream_stop();
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	CU_ASSERT_EQUAL(system(cmd), 0);
}

/* ---- a hand-made server: oversize and fragmented messages ------------ */

static int raw_listen(int *port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t sl = sizeof sa;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0 ||
	    listen(fd, 4) != 0 || getsockname(fd, (struct sockaddr *)&sa, &sl) != 0)
		return -1;
	*port = ntohs(sa.sin_port);
	return fd;
}

static bool raw_send(int fd, const void *p, size_t n)
{
	const char *b = p;

	while (n) {
		ssize_t k = send(fd, b, n, MSG_NOSIGNAL);
		if (k <= 0)
			return false;
		b += k;
		n -= (size_t)k;
	}
	return true;
}

/* Accept one client and answer its WebSocket handshake. */
static int raw_accept_ws(int lfd)
{
	char req[4096], acc[29], resp[256];
	size_t n = 0;
	const char *k;
	int fd = accept(lfd, NULL, NULL);

	if (fd < 0)
		return -1;
	while (n < sizeof req - 1 && !strstr(req, "\r\n\r\n")) {
		ssize_t r = recv(fd, req + n, sizeof req - 1 - n, 0);
		if (r <= 0)
			goto fail;
		n += (size_t)r;
		req[n] = 0;
	}
	if (!(k = strcasestr(req, "Sec-WebSocket-Key: ")))
		goto fail;
	k += 19;
	if (tl_sim_ws_accept(k, strcspn(k, "\r"), acc) != 0)
		goto fail;
	snprintf(resp, sizeof resp, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
		 "Connection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n", acc);
	if (raw_send(fd, resp, strlen(resp)))
		return fd;
fail:
	close(fd);
	return -1;
}

/* One frame: b0 = FIN/opcode byte, unmasked, 64-bit length form. */
static bool raw_frame(int fd, uint8_t b0, const char *p, size_t n, char fill)
{
	uint8_t h[10] = { b0, 127 };
	char chunk[4096];
	int i;

	for (i = 0; i < 8; i++)
		h[2 + i] = (uint8_t)((uint64_t)n >> (56 - 8 * i));
	if (!raw_send(fd, h, sizeof h))
		return false;
	if (p)
		return raw_send(fd, p, n);
	memset(chunk, fill, sizeof chunk);
	while (n) {
		size_t k = n < sizeof chunk ? n : sizeof chunk;
		if (!raw_send(fd, chunk, k))
			return false;
		n -= k;
	}
	return true;
}

/* A message over 1 MiB closes the connection (counted, error recorded);
 * the reconnection then assembles a message sent in two fragments. */
static void test_oversize_refused_and_fragments_assembled(void)
{
	static const char part1[] = "{\"e\":\"markPriceUpdate\",\"E\":1562305380000,\"s\":\"BTCUSDT\",";
	static const char part2[] = "\"p\":\"61000.50\",\"i\":\"61000\",\"P\":\"61000\",\"r\":\"0.0001\",\"T\":1562306400000}";
	tl_binance_stream_cfg_t c = { .host = "127.0.0.1", .symbols = syms, .n_symbols = 1,
			       .backoff_min_ms = 20, .backoff_max_ms = 100 };
	tl_binance_stream_stats_t st;
	tl_input_t m;
	char err[256], b;
	int lfd, fd;

	lfd = raw_listen(&c.port);
	CU_ASSERT_FATAL(lfd >= 0);
	stream_start(&c);
	fd = raw_accept_ws(lfd);
	CU_ASSERT_FATAL(fd >= 0);
	/* 2 MiB of text: refused at 1 MiB, the client closes */
	raw_frame(fd, 0x81, NULL, 2u << 20, 'x');
	while (recv(fd, &b, 1, 0) > 0)
		;
	close(fd);
	tl_binance_stream_stats(bs, &st);
	CU_ASSERT_EQUAL(st.oversize, 1);
	CU_ASSERT_EQUAL(st.messages, 0);
	tl_binance_stream_last_error(bs, err, sizeof err);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "over 1048576 bytes"));
	/* it comes back; a fragmented message is decoded whole */
	fd = raw_accept_ws(lfd);
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_TRUE(raw_frame(fd, 0x01, part1, sizeof part1 - 1, 0));
	CU_ASSERT_TRUE(raw_frame(fd, 0x80, part2, sizeof part2 - 1, 0));
	CU_ASSERT_TRUE(rec_find(TL_IN_MARK, "BTCUSDT", false, 3000, &m));
	CU_ASSERT_EQUAL(m.u.mark.price, fx("61000.50"));
	tl_binance_stream_stats(bs, &st);
	CU_ASSERT_EQUAL(st.messages, 1);
	CU_ASSERT_EQUAL(st.decode_errors, 0);
	CU_ASSERT_EQUAL(st.connects, 2);
	CU_ASSERT(tl_binance_stream_market_up(bs));
	stream_stop();
	close(fd);
	close(lfd);
}

/* More than TL_BINANCE_STREAM_URL_SYMBOLS symbols: the market connection takes
 * !markPrice@arr@1s, every symbol of the venue; marks come for ours
 * only (the others dropped and counted), including a mark set at the
 * venue for one past the 64th. */
static void test_all_market_marks_past_url_symbols(void)
{
	enum { NV = 80, NT = TL_BINANCE_STREAM_URL_SYMBOLS + 6 };
	static char names[NV][16];
	const char *list[NT];
	tl_binance_stream_cfg_t c;
	tl_binance_stream_stats_t st;
	tl_input_t in;
	unsigned i, theirs = 0;

	cfg.nsym = NV;
	cfg.mark_interval_ms = 1000;
	for (i = 1; i < NV; i++)
		cfg.sym[i] = cfg.sym[0];
	for (i = 0; i < NV; i++) {
		snprintf(names[i], sizeof names[i], "S%04uUSDT", i);
		snprintf(cfg.sym[i].name, sizeof cfg.sym[i].name, "%s", names[i]);
		snprintf(cfg.sym[i].base, sizeof cfg.sym[i].base, "S%04u", i);
	}
	for (i = 0; i < NT; i++)     /* ours: every other symbol first */
		list[i] = names[i < NV / 2 ? 2 * i : 2 * (i - NV / 2) + 1];
	venue_start(false, 0);
	c = stream_cfg(false, NULL);
	c.listen_key = NULL;
	c.symbols = list;
	c.n_symbols = NT;
	stream_start(&c);
	CU_ASSERT_TRUE_FATAL(wait_market(3000));
	CU_ASSERT_TRUE_FATAL(rec_find(TL_IN_MARK, list[NT - 1], false, 3000, &in));
	CU_ASSERT_EQUAL(in.u.mark.price, fx("60000"));
	rec_reset();
	/* list[NT - 1] (S0059USDT) is our 70th symbol */
	char q[80];
	snprintf(q, sizeof q, "symbol=%s&price=61234.5&frozen=true", list[NT - 1]);
	CU_ASSERT_EQUAL_FATAL(simc_raw(&rest, "POST", "/sim/mark", q, "", NULL), 200);
	{
		int64_t end = now_ms() + 3000;
		bool seen = false;
		while (!seen && now_ms() < end) {
			usleep(5000);
			pthread_mutex_lock(&rec.mu);
			for (i = 0; i < rec.n && i < REC_CAP; i++)
				seen |= rec.in[i].hdr.type == TL_IN_MARK &&
					!strcmp(rec.in[i].u.mark.symbol, list[NT - 1]) &&
					rec.in[i].u.mark.price == fx("61234.5");
			pthread_mutex_unlock(&rec.mu);
		}
		CU_ASSERT_TRUE(seen);
	}
	/* nothing for the symbols we do not trade (odd from S0061USDT) */
	pthread_mutex_lock(&rec.mu);
	for (i = 0; i < rec.n && i < REC_CAP; i++) {
		bool ours = false;
		for (unsigned k = 0; k < NT; k++)
			ours |= !strcmp(rec.in[i].u.mark.symbol, list[k]);
		theirs += !ours || rec.in[i].hdr.type != TL_IN_MARK;
	}
	pthread_mutex_unlock(&rec.mu);
	CU_ASSERT_EQUAL(theirs, 0);
	tl_binance_stream_stats(bs, &st);
	CU_ASSERT_EQUAL(st.decode_errors, 0);
	CU_ASSERT(st.messages >= 2);
	/* each array: NT ours, NV - NT dropped */
	CU_ASSERT(st.marks_dropped >= 2 * (NV - NT));
	CU_ASSERT_EQUAL(st.marks_dropped % (NV - NT), 0);
	CU_ASSERT_EQUAL(st.marks_dropped / (NV - NT) * NT, st.inputs);
	CU_ASSERT_EQUAL(st.connects, 1);
	stream_stop();
}

static void test_bad_arguments(void)
{
	tl_binance_stream_cfg_t c = { .host = "127.0.0.1", .port = 1 };
	const char *bad_sym[] = { "BTC/USDT" };
	char err[256];

	c.port = 0;
	err[0] = 0;
	CU_ASSERT_PTR_NULL(tl_binance_stream_start(&c, rec_emit, NULL, err, sizeof err));
	CU_ASSERT(err[0] != 0);
	c.port = 1;
	CU_ASSERT_PTR_NULL(tl_binance_stream_start(&c, NULL, NULL, err, sizeof err));
	c.symbols = bad_sym;
	c.n_symbols = 1;
	CU_ASSERT_PTR_NULL(tl_binance_stream_start(&c, rec_emit, NULL, err, sizeof err));
	/* the all-market path checks every name too; and a bound */
	{
		static const char *many[TL_BINANCE_STREAM_MAX_SYMBOLS + 1];
		for (unsigned i = 0; i <= TL_BINANCE_STREAM_MAX_SYMBOLS; i++)
			many[i] = "BTCUSDT";
		many[100] = "BTC/USDT";
		c.symbols = many;
		c.n_symbols = 101;
		CU_ASSERT_PTR_NULL(tl_binance_stream_start(&c, rec_emit, NULL, err, sizeof err));
		c.n_symbols = TL_BINANCE_STREAM_MAX_SYMBOLS + 1;
		many[100] = "BTCUSDT";
		err[0] = 0;
		CU_ASSERT_PTR_NULL(tl_binance_stream_start(&c, rec_emit, NULL, err, sizeof err));
		CU_ASSERT_PTR_NOT_NULL(strstr(err, "at most 1024 symbols"));
	}
	c.n_symbols = 0;
	c.listen_key = "a/b";
	CU_ASSERT_PTR_NULL(tl_binance_stream_start(&c, rec_emit, NULL, err, sizeof err));
	/* a port nobody listens on: start works, stop still joins quickly */
	c.listen_key = "abc";
	stream_start(&c);
	CU_ASSERT_EQUAL(tl_binance_stream_set_listen_key(bs, ""), -EINVAL);
	CU_ASSERT_EQUAL(tl_binance_stream_set_listen_key(bs, "x?y"), -EINVAL);
	usleep(50000);
	stream_stop();
}

TL_TEST_SUITE("io.binance_stream", each_setup, each_teardown,
	      TL_TEST(test_ws_user_fill_order_update_and_mark),
	      TL_TEST(test_legacy_urls),
	      TL_TEST(test_listen_key_given_later),
	      TL_TEST(test_server_disconnect_then_venue_restart),
	      TL_TEST(test_pings_and_connection_lifetime),
	      TL_TEST(test_listen_key_expired_waits_for_new_key),
	      TL_TEST(test_wss_with_local_ca),
	      TL_TEST(test_wss_wrong_ca_is_refused),
	      TL_TEST(test_wss_hostname_mismatch_is_refused),
	      TL_TEST(test_oversize_refused_and_fragments_assembled),
	      TL_TEST(test_all_market_marks_past_url_symbols),
	      TL_TEST(test_bad_arguments));
