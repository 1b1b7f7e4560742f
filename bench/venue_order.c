/*
 * venue_order.c - how much time the simulator itself spends per order
 * request, and how many requests per second one server core answers.
 *
 *   venue.order_server_side: HTTP parse + signature check + filters +
 *     matching + JSON response of a signed POST /fapi/v1/order (MARKET,
 *     alternating BUY/SELL), in-process, no network: p50/p99/p99.9/max.
 *   venue.loopback_ping_rps: requests/s of GET /fapi/v1/ping over one
 *     keep-alive loopback connection, 32 pipelined at a time, 2 s.
 *
 * One JSON line per case on stdout. Command: make bench BENCHES=venue
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "sim/auth.h"
#include "sim/http.h"
#include "sim/rest.h"
#include "sim/server.h"

#define N_ORDERS 200000
#define WARMUP 20000

static int64_t ns_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int cmp64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

static void bench_server_side(void)
{
	static tl_sim_config_t cfg;
	static tl_sim_venue_t v;
	static tl_sim_rest_t r;
	static char req[2048];
	int64_t *lat = malloc(sizeof(int64_t) * N_ORDERS);
	const int64_t now = 1700000000000LL;
	int i, fails = 0;

	tl_sim_config_defaults(&cfg);
	cfg.sym[0].vol_bps = 0;
	cfg.weight_1m = cfg.orders_10s = cfg.orders_1m = 1000000000;
	cfg.max_trades_total = 1 << 20;
	if (!lat || tl_sim_venue_init(&v, &cfg, now) || tl_sim_rest_init(&r, &v)) {
		fprintf(stderr, "bench: init failed\n");
		exit(1);
	}
	for (i = 0; i < WARMUP + N_ORDERS; i++) {
		char q[512], sig[65];
		tl_sim_http_req_t hr;
		tl_sim_resp_t resp;
		int64_t t0;
		int qn, n;

		qn = snprintf(q, sizeof q,
			      "symbol=BTCUSDT&side=%s&type=MARKET&quantity=0.002&newOrderRespType=RESULT&timestamp=%lld",
			      i & 1 ? "SELL" : "BUY", (long long)now);
		tl_sim_hmac_hex(cfg.acct[0].api_secret, strlen(cfg.acct[0].api_secret), q, (size_t)qn, sig);
		n = snprintf(req, sizeof req,
			     "POST /fapi/v1/order?%s&signature=%s HTTP/1.1\r\nHost: x\r\nX-MBX-APIKEY: %s\r\n\r\n",
			     q, sig, cfg.acct[0].api_key);
		t0 = ns_now();
		if (tl_sim_http_parse(req, (size_t)n, &hr) > 0)
			tl_sim_rest_handle(&r, &hr, now, &resp);
		else
			resp.status = 0;
		if (i >= WARMUP)
			lat[i - WARMUP] = ns_now() - t0;
		fails += resp.status != 200;
	}
	qsort(lat, N_ORDERS, sizeof *lat, cmp64);
	printf("{\"bench\":\"venue.order_server_side\",\"n\":%d,\"failed\":%d,"
	       "\"p50_ns\":%lld,\"p99_ns\":%lld,\"p999_ns\":%lld,\"max_ns\":%lld,"
	       "\"cmd\":\"make bench BENCHES=venue\"}\n",
	       N_ORDERS, fails, (long long)lat[N_ORDERS / 2],
	       (long long)lat[N_ORDERS * 99 / 100],
	       (long long)lat[N_ORDERS * 999 / 1000], (long long)lat[N_ORDERS - 1]);
	tl_sim_rest_free(&r);
	tl_sim_venue_free(&v);
	free(lat);
}

static void *serve(void *arg)
{
	tl_sim_server_run(arg);
	return NULL;
}

static void bench_loopback(void)
{
	static tl_sim_config_t cfg;
	static char buf[(1 << 16) + 3];
	const char one[] = "GET /fapi/v1/ping HTTP/1.1\r\nHost: x\r\n\r\n";
	char batch[sizeof one * 32];
	struct sockaddr_in sa = { .sin_family = AF_INET };
	tl_sim_server_t *s;
	pthread_t th;
	char err[256];
	long long done = 0;
	int fd, i, flag = 1;
	int64_t t0, t1;

	tl_sim_config_defaults(&cfg);
	cfg.weight_1m = 1000000000;
	cfg.ws_enabled = false;
	s = tl_sim_server_new(&cfg, err, sizeof err);
	if (!s) {
		fprintf(stderr, "bench: %s\n", err);
		exit(1);
	}
	pthread_create(&th, NULL, serve, s);
	for (i = 0; i < 32; i++)
		memcpy(batch + i * (sizeof one - 1), one, sizeof one - 1);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	sa.sin_port = htons((uint16_t)tl_sim_server_port(s, TL_SIM_PORT_REST));
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &flag, sizeof flag);
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
		fprintf(stderr, "bench: connect failed\n");
		exit(1);
	}
	t0 = ns_now();
	do {
		int got = 0;
		if (send(fd, batch, 32 * (sizeof one - 1), MSG_NOSIGNAL) < 0)
			break;
		while (got < 32) { /* count status lines; 3 bytes carried over */
			ssize_t r = recv(fd, buf + 3, sizeof buf - 3, 0);
			if (r <= 0)
				goto out;
			for (ssize_t k = 0; k + 3 < r + 3; k++)
				if (!memcmp(buf + k, "HTTP", 4))
					got++;
			memmove(buf, buf + r, 3);
		}
		done += 32;
		t1 = ns_now();
	} while (t1 - t0 < 2000000000LL);
out:
	t1 = ns_now();
	printf("{\"bench\":\"venue.loopback_ping_rps\",\"requests\":%lld,\"seconds\":%.3f,"
	       "\"rps\":%.0f,\"pipeline\":32,\"cmd\":\"make bench BENCHES=venue\"}\n",
	       done, (double)(t1 - t0) / 1e9, (double)done * 1e9 / (double)(t1 - t0));
	close(fd);
	tl_sim_server_stop(s);
	pthread_join(th, NULL);
	tl_sim_server_free(s);
}

int main(void)
{
	bench_server_side();
	bench_loopback();
	return 0;
}
