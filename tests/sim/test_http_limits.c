/*
 * test_http_limits.c - the simulator's REST connections against slow,
 * silent and ambiguous clients, over real loopback sockets: a duplicate
 * Content-Length is answered 400 and closed (it used to hang the
 * connection), and the header, body and idle timeouts of the config
 * (rest.header_timeout_ms, body_timeout_ms, idle_timeout_ms) close what
 * would otherwise be held forever. Timeouts here are 200-400 ms.
 */
#define _GNU_SOURCE
#include "tests/support/tl_test.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "sim/config.h"
#include "sim/http.h"
#include "sim/server.h"
#include "tests/sim/sim_client.c"

static tl_sim_config_t cfg;
static tl_sim_server_t *srv;
static int port;

static void each_setup(void)
{
	tl_sim_config_defaults(&cfg);
	cfg.header_timeout_ms = 200;
	cfg.body_timeout_ms = 200;
	cfg.idle_timeout_ms = 400;
	srv = simc_server_start(&cfg);
	CU_ASSERT_PTR_NOT_NULL_FATAL(srv);
	port = tl_sim_server_port(srv, TL_SIM_PORT_REST);
}

static void each_teardown(void)
{
	simc_server_stop(srv);
	srv = NULL;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A plain TCP connection with a 10 s receive timeout: far above every
 * timeout under test, so a sanitized build on a loaded 2-core machine
 * that stalls the server thread for a second still sees the close. */
static int dial(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	struct timeval tv = { .tv_sec = 10 };
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	return fd;
}

static void put(int fd, const char *s)
{
	CU_ASSERT_EQUAL(send(fd, s, strlen(s), MSG_NOSIGNAL), (ssize_t)strlen(s));
}

/* Everything until the server closes (or 10 s pass: then *closed false).
 * Returns the bytes read, NUL-terminated in buf. */
static size_t drain(int fd, char *buf, size_t cap, bool *closed)
{
	size_t n = 0;

	*closed = false;
	for (;;) {
		ssize_t r = recv(fd, buf + n, cap - 1 - n, 0);
		if (r == 0 || (r < 0 && errno == ECONNRESET)) {
			*closed = true;
			break;
		}
		if (r < 0)
			break;	/* timed out: still open */
		n += (size_t)r;
		if (n == cap - 1)
			break;
	}
	buf[n] = '\0';
	return n;
}

static void test_duplicate_content_length_is_400(void)
{
	tl_sim_http_req_t r;
	static const char two[] = "POST /fapi/v1/order HTTP/1.1\r\nContent-Length: 1\r\n"
				  "Content-Length: 1\r\n\r\na";
	char buf[4096];
	bool closed;
	int fd;

	CU_ASSERT_EQUAL(tl_sim_http_parse(two, sizeof two - 1, &r), TL_SIM_HTTP_BAD);
	fd = dial();
	CU_ASSERT_FATAL(fd >= 0);
	put(fd, "POST /fapi/v1/order HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 50\r\n\r\nabcde");
	drain(fd, buf, sizeof buf, &closed);
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "HTTP/1.1 400 "));
	CU_ASSERT_TRUE(closed);
	close(fd);
}

static void test_slow_header_gets_408(void)
{
	char buf[4096];
	bool closed;
	int64_t t0 = now_ms();
	int fd = dial();

	CU_ASSERT_FATAL(fd >= 0);
	put(fd, "GET /fapi/v1/ping HTTP/1.1\r\nHost: x\r\n");	/* no empty line */
	drain(fd, buf, sizeof buf, &closed);
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "HTTP/1.1 408 Request Timeout"));
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "header timed out"));
	CU_ASSERT_TRUE(closed);
	/* not before the timeout; the upper bound only says "not held until
	 * our receive timeout", since a loaded machine can stall the server */
	CU_ASSERT_TRUE(now_ms() - t0 >= 150 && now_ms() - t0 < 9000);
	close(fd);
}

/* Dribbling a byte at a time does not reset the header timer. */
static void test_dribbling_header_gets_408(void)
{
	static const char req[] = "GET /fapi/v1/ping HTTP/1.1\r\nX-Pad: aaaaaaaaaaaaaaaaaaaa";
	char buf[4096];
	bool closed = false;
	int fd = dial();

	CU_ASSERT_FATAL(fd >= 0);
	for (size_t i = 0; i < sizeof req - 1; i++) {
		if (send(fd, req + i, 1, MSG_NOSIGNAL) != 1)
			break;	/* already closed */
		usleep(20 * 1000);
	}
	drain(fd, buf, sizeof buf, &closed);
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "408"));
	CU_ASSERT_TRUE(closed);
	close(fd);
}

static void test_slow_body_gets_408(void)
{
	char buf[4096];
	bool closed;
	int fd = dial();

	CU_ASSERT_FATAL(fd >= 0);
	put(fd, "POST /sim/mark HTTP/1.1\r\nContent-Length: 40\r\n\r\nsymbol=BTC");
	drain(fd, buf, sizeof buf, &closed);
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "HTTP/1.1 408 "));
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "body timed out"));
	CU_ASSERT_TRUE(closed);
	close(fd);
}

static void test_idle_connections_are_closed(void)
{
	char buf[4096];
	bool closed;
	int fd = dial(), fd2;

	CU_ASSERT_FATAL(fd >= 0);
	/* silent from the start */
	CU_ASSERT_EQUAL(drain(fd, buf, sizeof buf, &closed), 0);
	CU_ASSERT_TRUE(closed);
	/* idle after a keep-alive request was answered */
	fd2 = dial();
	CU_ASSERT_FATAL(fd2 >= 0);
	put(fd2, "GET /fapi/v1/ping HTTP/1.1\r\n\r\n");
	drain(fd2, buf, sizeof buf, &closed);
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "HTTP/1.1 200 OK"));
	CU_ASSERT_TRUE(closed);
	close(fd);
	close(fd2);
}

/* The probe: five slow connections were held forever. */
static void test_five_slow_connections_released(void)
{
	int fd[5];
	char buf[1024];
	bool closed;

	for (int i = 0; i < 5; i++) {
		fd[i] = dial();
		CU_ASSERT_FATAL(fd[i] >= 0);
		if (i % 2)
			put(fd[i], "GET /fapi/v1/time HTTP/1.1\r\n");
	}
	for (int i = 0; i < 5; i++) {
		drain(fd[i], buf, sizeof buf, &closed);
		CU_ASSERT_TRUE(closed);
		close(fd[i]);
	}
}

/* A normal client keeps working, pipelined requests included. */
static void test_normal_requests_unaffected(void)
{
	char buf[8192];
	bool closed;
	int fd = dial();

	CU_ASSERT_FATAL(fd >= 0);
	put(fd, "GET /fapi/v1/ping HTTP/1.1\r\n\r\nGET /fapi/v1/time HTTP/1.1\r\n"
		"Connection: close\r\n\r\n");
	drain(fd, buf, sizeof buf, &closed);
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "HTTP/1.1 200 OK"));
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "serverTime"));
	CU_ASSERT_PTR_NULL(strstr(buf, "408"));
	CU_ASSERT_TRUE(closed);
	close(fd);
}

static void test_timeouts_from_config(void)
{
	static const char json[] =
		"{\"rest\": {\"header_timeout_ms\": 1500, \"body_timeout_ms\": 0,"
		" \"idle_timeout_ms\": 90000}}";
	tl_sim_config_t c;
	char err[256];

	tl_sim_config_defaults(&c);
	CU_ASSERT_EQUAL(c.header_timeout_ms, 10000);
	CU_ASSERT_EQUAL(c.body_timeout_ms, 30000);
	CU_ASSERT_EQUAL(c.idle_timeout_ms, 120000);
	CU_ASSERT_EQUAL_FATAL(tl_sim_config_parse(&c, json, sizeof json - 1, err, sizeof err), 0);
	CU_ASSERT_EQUAL(c.header_timeout_ms, 1500);
	CU_ASSERT_EQUAL(c.body_timeout_ms, 0);
	CU_ASSERT_EQUAL(c.idle_timeout_ms, 90000);
	tl_sim_config_defaults(&c);
	CU_ASSERT_EQUAL(tl_sim_config_parse(&c, "{\"rest\": {\"idle_timeout_ms\": -1}}", 33,
					    err, sizeof err), -1);
}

TL_TEST_SUITE("sim.http_limits", each_setup, each_teardown,
	      TL_TEST(test_duplicate_content_length_is_400),
	      TL_TEST(test_slow_header_gets_408),
	      TL_TEST(test_dribbling_header_gets_408),
	      TL_TEST(test_slow_body_gets_408),
	      TL_TEST(test_idle_connections_are_closed),
	      TL_TEST(test_five_slow_connections_released),
	      TL_TEST(test_normal_requests_unaffected),
	      TL_TEST(test_timeouts_from_config));
