/*
 * test_monitor.c - `talon monitor` end to end: a monitor process started
 * before the engine (503 until the engine runs), then `talon run` on the
 * paper venue with a journal, orders sent with `talon ctl`, and the HTTP
 * answers checked against what ctl prints and what the journal holds;
 * the read-only rule (405), the query checks (400), the Host check, the
 * token rules (refused start off the loopback, 401 / 200), a clean stop
 * on SIGTERM. The HTTP client is a plain socket (no curl needed).
 */
#define _GNU_SOURCE
#include "tests/support/tl_test.h"
#include "tests/support/subproc.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define TOKEN "t0ken-for-the-test_42"

static char talon_bin[PATH_MAX];
static char name[64], cfgpath[128], dbpath[128], runlog[128], monlog[128], monlog2[128];
static char out[65536];
static pid_t engine_pid, mon_pid, mon2_pid;
static int mon_port, mon2_port;

/* One HTTP answer. */
static struct {
	int status;
	char head[4096];
	char body[262144];
} res;

static void nap_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

#define talon(...) tl_test_runv(out, sizeof out, 0, talon_bin, __VA_ARGS__)

/*
 * Send one request to 127.0.0.1:port (extra: more header lines, each
 * ending in \r\n, or ""; body: sent with a Content-Length, or NULL) and
 * read the answer until the server closes. res.status is its status
 * code, -1 when there was no answer.
 */
static int http_port(int port, const char *method, const char *path, const char *extra,
		     const char *body)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	struct timeval tv = { 20, 0 };
	char req[2048], host[64] = "", *all;
	size_t n = 0, cap = sizeof res.head + sizeof res.body;
	int fd, len;

	res.status = -1;
	res.head[0] = res.body[0] = '\0';
	inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
	/* a Host of our own unless extra names one */
	if (!strstr(extra, "Host:"))
		snprintf(host, sizeof host, "Host: 127.0.0.1:%d\r\n", port);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
		close(fd);
		return -1;
	}
	if (body)
		len = snprintf(req, sizeof req, "%s %s HTTP/1.1\r\n%s"
			       "Connection: close\r\n%sContent-Length: %zu\r\n\r\n%s",
			       method, path, host, extra, strlen(body), body);
	else
		len = snprintf(req, sizeof req, "%s %s HTTP/1.1\r\n%s"
			       "Connection: close\r\n%s\r\n", method, path, host, extra);
	if (write(fd, req, (size_t)len) != len) {
		close(fd);
		return -1;
	}
	all = malloc(cap + 1);
	for (;;) {
		ssize_t r = read(fd, all + n, cap - n);
		if (r <= 0)
			break;
		n += (size_t)r;
		if (n == cap)
			break;
	}
	close(fd);
	all[n] = '\0';
	char *sep = strstr(all, "\r\n\r\n");
	if (sscanf(all, "HTTP/1.%*d %d", &res.status) != 1)
		res.status = -1;
	if (sep) {
		*sep = '\0';
		snprintf(res.head, sizeof res.head, "%s", all);
		snprintf(res.body, sizeof res.body, "%s", sep + 4);
	}
	free(all);
	return res.status;
}

static int http(const char *method, const char *path, const char *extra)
{
	return http_port(mon_port, method, path, extra, NULL);
}

/* GET path until its body contains needle (<= 20 s). */
static bool get_until(const char *path, const char *needle)
{
	for (int i = 0; i < 400; i++) {
		if (http("GET", path, "") == 200 && strstr(res.body, needle))
			return true;
		nap_ms(50);
	}
	fprintf(stderr, "GET %s never showed %s; last: %d %.600s\n", path, needle,
		res.status, res.body);
	return false;
}

/* Start `talon monitor -c cfgpath ARGS` with stderr into log (and the
 * token in its environment when token); the port it printed, or -1. */
static int start_monitor(pid_t *pid, const char *log, const char *token)
{
	char line[512];

	*pid = fork();
	if (*pid == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		dup2(fd, 2);
		dup2(fd, 1);
		if (token)
			setenv("TALON_MONITOR_TOKEN", token, 1);
		execl(talon_bin, talon_bin, "monitor", "-c", cfgpath, "--listen",
		      "127.0.0.1:0", (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 400; i++) {
		FILE *f = fopen(log, "r");
		int port = -1;

		while (f && fgets(line, sizeof line, f))
			if (sscanf(line, "monitor: listening on http://127.0.0.1:%d", &port) == 1)
				break;
		if (f)
			fclose(f);
		if (port > 0)
			return port;
		if (waitpid(*pid, NULL, WNOHANG) == *pid) {
			*pid = 0;
			break;
		}
		nap_ms(50);
	}
	fprintf(stderr, "the monitor printed no listening line (log %s)\n", log);
	return -1;
}

static void stop(pid_t *pid)
{
	if (*pid > 0) {
		kill(*pid, SIGKILL);
		waitpid(*pid, NULL, 0);
	}
	*pid = 0;
}

static int suite_init(void)
{
	char cwd[PATH_MAX];
	int pid = (int)getpid();

	if (tl_test_talon_path(talon_bin, sizeof talon_bin) < 0 || !getcwd(cwd, sizeof cwd))
		return 1;
	unsetenv("TALON_MONITOR_TOKEN");
	snprintf(name, sizeof name, "mon%d", pid);
	snprintf(cfgpath, sizeof cfgpath, "/tmp/talon-mon-%d.json", pid);
	snprintf(dbpath, sizeof dbpath, "/tmp/talon-mon-%d.db", pid);
	snprintf(runlog, sizeof runlog, "/tmp/talon-mon-%d.run.log", pid);
	snprintf(monlog, sizeof monlog, "/tmp/talon-mon-%d.mon.log", pid);
	snprintf(monlog2, sizeof monlog2, "/tmp/talon-mon-%d.mon2.log", pid);
	FILE *f = fopen(cfgpath, "w");
	if (!f)
		return 1;
	fprintf(f, "{\"engine\": {\"name\": \"%s\", \"idle\": \"sleep\", \"idle_us\": 100, "
		   "\"snapshot_hz\": 50},\n"
		   " \"io\": {\"idle\": \"sleep\", \"idle_us\": 100},\n"
		   " \"symbols\": {\"exchange_info\": \"%s/config/exchange_info.json\", "
		   "\"only\": [\"BTCUSDT\", \"ETHUSDT\"]},\n"
		   " \"venue\": {\"type\": \"paper\", \"paper\": {\"latency_ms\": 1, "
		   "\"mark_interval_ms\": 100}},\n"
		   " \"journal\": {\"path\": \"%s\"}}\n", name, cwd, dbpath);
	fclose(f);
	/* the monitor first: it must wait for the engine */
	mon_port = start_monitor(&mon_pid, monlog, NULL);
	return mon_port > 0 ? 0 : 1;
}

static int suite_clean(void)
{
	char shm[96], p[160];

	stop(&mon2_pid);
	stop(&mon_pid);
	stop(&engine_pid);
	unlink(cfgpath);
	unlink(runlog);
	unlink(monlog);
	unlink(monlog2);
	unlink(dbpath);
	snprintf(p, sizeof p, "%s-wal", dbpath);
	unlink(p);
	snprintf(p, sizeof p, "%s-shm", dbpath);
	unlink(p);
	snprintf(shm, sizeof shm, "/dev/shm/talon.%s", name);
	unlink(shm);
	return 0;
}

/* Remove every digit (what differs between two reads of a status). */
static void strip_digits(char *s)
{
	char *w = s;

	for (const char *r = s; *r; r++)
		if (*r < '0' || *r > '9')
			*w++ = *r;
	*w = '\0';
}

/* Before the engine runs: 503 with a JSON error; then it starts and the
 * same path answers its status. */
static void test_503_until_the_engine_runs(void)
{
	CU_ASSERT_EQUAL(http("GET", "/api/status", ""), 503);
	CU_ASSERT_PTR_NOT_NULL(strstr(res.body, "{\"error\":\"engine '"));
	CU_ASSERT_PTR_NOT_NULL(strstr(res.body, "is not running"));
	CU_ASSERT_PTR_NOT_NULL(strstr(res.head, "content-type: application/json"));
	CU_ASSERT_EQUAL(http("GET", "/api/orders", ""), 503);
	CU_ASSERT_EQUAL(http("GET", "/metrics", ""), 503);
	/* no journal yet either */
	CU_ASSERT_EQUAL(http("GET", "/api/events", ""), 503);

	engine_pid = tl_test_talon_start(talon_bin, cfgpath, runlog, 240);
	CU_ASSERT_FATAL(engine_pid > 0);
	CU_ASSERT_TRUE_FATAL(get_until("/api/status", "\"alive\":true"));
	CU_ASSERT_PTR_NOT_NULL(strstr(res.body, "\"state\":\"NORMAL\""));
	char want[96];
	snprintf(want, sizeof want, "\"engine\":\"%s\",\"pid\":%d,", name, (int)engine_pid);
	CU_ASSERT_PTR_NOT_NULL(strstr(res.body, want));
	/* the very text of `ctl status --json`, but for the numbers that
	 * move between two reads (uptime, heartbeat age, counters) */
	bool same = false;
	for (int i = 0; i < 50 && !same; i++) {
		static char a[sizeof res.body];
		http("GET", "/api/status", "");
		talon("ctl", "-c", cfgpath, "status", "--json", NULL);
		snprintf(a, sizeof a, "%s", res.body);
		strip_digits(a);
		strip_digits(out);
		same = !strcmp(a, out);
		if (!same && i == 49)
			fprintf(stderr, "monitor: %s\nctl:     %s\n", a, out);
	}
	CU_ASSERT_TRUE(same);
}

/* A MARKET order that fills: the position in /api/status, ORDER_FILLED
 * in /api/events, and the events paged by since/limit. */
static void test_market_fill_in_status_and_events(void)
{
	int rc = tl_test_ctl_buy(talon_bin, "-c", cfgpath, "BTCUSDT", "0.010", 200, out,
				 sizeof out);

	CU_ASSERT_EQUAL_FATAL(rc, 0);
	CU_ASSERT_TRUE(get_until("/api/status", "\"qty\":\"0.01\""));
	CU_ASSERT_PTR_NOT_NULL(strstr(res.body, "{\"symbol\":\"BTCUSDT\",\"side\":\"LONG\""));

	CU_ASSERT_TRUE_FATAL(get_until("/api/events?since=0", "\"type\":\"ORDER_FILLED\""));
	CU_ASSERT_PTR_NOT_NULL(strstr(res.body, "{\"events\":[{\"id\":1,"));
	CU_ASSERT_PTR_NOT_NULL(strstr(res.body, "\"symbol\":\"BTCUSDT\""));
	CU_ASSERT_PTR_NOT_NULL(strstr(res.body, "\"time\":\"20"));
	/* next = the last id: asking from there returns nothing new yet or
	 * only later ids, and next never goes back */
	const char *nx = strstr(res.body, "\"next\":");
	CU_ASSERT_PTR_NOT_NULL_FATAL(nx);
	long next = atol(nx + 7);
	CU_ASSERT_TRUE(next >= 2);
	char path[96];
	snprintf(path, sizeof path, "/api/events?since=%ld&limit=1000", next);
	CU_ASSERT_EQUAL(http("GET", path, ""), 200);
	nx = strstr(res.body, "\"next\":");
	CU_ASSERT_PTR_NOT_NULL_FATAL(nx);
	CU_ASSERT_TRUE(atol(nx + 7) >= next);
	char first[64];
	snprintf(first, sizeof first, "\"id\":%ld,", next);
	CU_ASSERT_PTR_NULL(strstr(res.body, first));
	/* limit=1: exactly one event, the first */
	CU_ASSERT_EQUAL(http("GET", "/api/events?since=0&limit=1", ""), 200);
	CU_ASSERT_PTR_NOT_NULL(strstr(res.body, "{\"events\":[{\"id\":1,"));
	CU_ASSERT_PTR_NULL(strstr(res.body, "\"id\":2,"));
	CU_ASSERT_PTR_NOT_NULL(strstr(res.body, "],\"next\":1}"));
	/* tail=2: the two newest, oldest first, next = the newest id */
	CU_ASSERT_EQUAL(http("GET", "/api/events?since=0&limit=1000", ""), 200);
	nx = strstr(res.body, "\"next\":");
	CU_ASSERT_PTR_NOT_NULL_FATAL(nx);
	long last = atol(nx + 7);
	CU_ASSERT_TRUE_FATAL(last >= 2);
	CU_ASSERT_EQUAL(http("GET", "/api/events?tail=2", ""), 200);
	snprintf(first, sizeof first, "{\"events\":[{\"id\":%ld,", last - 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(res.body, first));
	snprintf(first, sizeof first, "},{\"id\":%ld,", last);
	CU_ASSERT_PTR_NOT_NULL(strstr(res.body, first));
	snprintf(first, sizeof first, "],\"next\":%ld}", last);
	CU_ASSERT_PTR_NOT_NULL(strstr(res.body, first));
}

/* Strip the values that change from one read to the next. */
static void strip_times(char *s)
{
	const char *keys[] = { "\"published_ns\":", "\"age_ns\":" };

	for (size_t k = 0; k < 2; k++)
		for (char *p = strstr(s, keys[k]); p; p = strstr(p + 1, keys[k])) {
			char *v = p + strlen(keys[k]), *e = v;
			while (*e >= '0' && *e <= '9')
				e++;
			memmove(v, e, strlen(e) + 1);
		}
}

/* A resting LIMIT order: /api/orders lists it exactly as `ctl orders
 * --json` does; ?symbol= narrows it; /metrics counts it. */
static void test_resting_order_in_orders(void)
{
	int rc = talon("ctl", "-c", cfgpath, "submit", "--symbol", "BTCUSDT", "--side",
		       "BUY", "--type", "LIMIT", "--qty", "0.010", "--price", "40000", NULL);
	if (rc != 0)
		fprintf(stderr, "submit: %s\n", out);
	CU_ASSERT_EQUAL_FATAL(rc, 0);
	CU_ASSERT_TRUE_FATAL(get_until("/api/orders", "\"status\":\"NEW\""));
	CU_ASSERT_PTR_NOT_NULL(strstr(res.body, "\"type\":\"LIMIT\""));
	CU_ASSERT_PTR_NOT_NULL(strstr(res.body, "\"price\":\"40000\""));
	bool same = false;
	for (int i = 0; i < 50 && !same; i++) {
		static char a[sizeof res.body];
		http("GET", "/api/orders", "");
		talon("ctl", "-c", cfgpath, "orders", "--json", NULL);
		snprintf(a, sizeof a, "%s", res.body);
		strip_times(a);
		strip_times(out);
		same = !strcmp(a, out);
		if (!same && i == 49)
			fprintf(stderr, "monitor: %s\nctl:     %s\n", a, out);
	}
	CU_ASSERT_TRUE(same);
	CU_ASSERT_EQUAL(http("GET", "/api/orders?symbol=ethusdt", ""), 200);
	CU_ASSERT_PTR_NOT_NULL(strstr(res.body, "\"symbol\":\"ETHUSDT\""));
	CU_ASSERT_PTR_NOT_NULL(strstr(res.body, "\"orders\":[]"));
	CU_ASSERT_EQUAL(http("GET", "/api/orders?symbol=BTC-USDT", ""), 400);
	CU_ASSERT_EQUAL(http("GET", "/metrics", ""), 200);
	CU_ASSERT_PTR_NOT_NULL(strstr(res.head, "content-type: text/plain; version=0.0.4; "
					       "charset=utf-8"));
	CU_ASSERT_PTR_NOT_NULL(strstr(res.body, "# TYPE talon_engine_up gauge\ntalon_engine_up 1\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(res.body, "talon_open_orders 1\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(res.body,
				      "talon_position_quantity{symbol=\"BTCUSDT\",position_side=\"BOTH\"} 0.01\n"));
}

/* Read only: every other method is 405 and changes nothing. */
static void test_only_get_and_head(void)
{
	const char *methods[] = { "POST", "PUT", "DELETE", "PATCH", "OPTIONS" };

	for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++) {
		CU_ASSERT_EQUAL(http_port(mon_port, methods[i], "/api/orders", "",
					  i < 3 ? "{\"symbol\":\"BTCUSDT\"}" : NULL), 405);
		CU_ASSERT_PTR_NOT_NULL(strstr(res.head, "allow: GET, HEAD"));
		CU_ASSERT_PTR_NOT_NULL(strstr(res.body, "\"error\""));
	}
	/* the resting order is still there */
	CU_ASSERT_EQUAL(http("GET", "/api/orders", ""), 200);
	CU_ASSERT_PTR_NOT_NULL(strstr(res.body, "\"status\":\"NEW\""));
	/* HEAD: the headers, no body */
	CU_ASSERT_EQUAL(http("HEAD", "/api/status", ""), 200);
	CU_ASSERT_PTR_NOT_NULL(strstr(res.head, "content-type: application/json"));
	CU_ASSERT_STRING_EQUAL(res.body, "");
	/* the dashboard page and a 404 */
	CU_ASSERT_EQUAL(http("GET", "/", ""), 200);
	CU_ASSERT_PTR_NOT_NULL(strstr(res.head, "content-type: text/html"));
	CU_ASSERT_PTR_NOT_NULL(strstr(res.body, "/api/status"));
	CU_ASSERT_EQUAL(http("GET", "/api/nothing", ""), 404);
	CU_ASSERT_PTR_NOT_NULL(strstr(res.body, "{\"error\":"));
}

/* Junk in a query is a 400 with a message naming the argument. */
static void test_bad_queries(void)
{
	const struct { const char *path, *needle; } bad[] = {
		{ "/api/events?since=abc", "since:" },
		{ "/api/events?since=-1", "since:" },
		{ "/api/events?since=99999999999999999999", "since:" },
		{ "/api/events?since=1&since=2", "since:" },
		{ "/api/events?limit=0", "limit:" },
		{ "/api/events?tail=0", "tail:" },
		{ "/api/events?tail=5&since=1", "tail:" },
		{ "/api/events?limit=1001", "limit:" },
		{ "/api/events?limit=", "limit:" },
		{ "/api/events?until=3", "unknown query argument 'until'" },
		{ "/api/status?verbose=1", "unknown query argument 'verbose'" },
	};

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		CU_ASSERT_EQUAL(http("GET", bad[i].path, ""), 400);
		if (!strstr(res.body, bad[i].needle))
			fprintf(stderr, "%s: %s\n", bad[i].path, res.body);
		CU_ASSERT_PTR_NOT_NULL(strstr(res.body, bad[i].needle));
	}
	CU_ASSERT_EQUAL(http("GET", "/api/events?limit=1000&since=0", ""), 200);
}

/* Without a token, a Host that is not the loopback is refused: a web
 * page reaching 127.0.0.1 through DNS rebinding sends its own name. */
static void test_foreign_host_refused(void)
{
	CU_ASSERT_EQUAL(http("GET", "/api/status", "Host: evil.example\r\n"), 403);
	CU_ASSERT_PTR_NOT_NULL(strstr(res.body, "Host header"));
	CU_ASSERT_EQUAL(http("GET", "/api/status", "Host: 127.0.0.1.evil.example\r\n"), 403);
	CU_ASSERT_EQUAL(http("GET", "/api/status", "Host: localhost\r\n"), 200);
	CU_ASSERT_EQUAL(http("GET", "/api/status", "Host: [::1]:80\r\n"), 200);
}

/* Off the loopback without a token: refused at start, saying why. */
static void test_public_address_needs_token(void)
{
	int rc = tl_test_runv(out, sizeof out, 1, talon_bin, "monitor", "-c", cfgpath,
			      "--listen", "0.0.0.0:0", NULL);

	CU_ASSERT_EQUAL(rc, 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "not a loopback address"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "monitor.token"));
	CU_ASSERT_PTR_NULL(strstr(out, "listening on"));
	rc = tl_test_runv(out, sizeof out, 1, talon_bin, "monitor", "-c", cfgpath,
			  "--listen", "nowhere:80", NULL);
	CU_ASSERT_EQUAL(rc, 2);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "--listen: 'nowhere:80': 'nowhere' is not an IPv4 "
					   "address"));
	rc = tl_test_runv(out, sizeof out, 1, talon_bin, "monitor", "-c", cfgpath,
			  "--listen", "127.0.0.1:65536", NULL);
	CU_ASSERT_EQUAL(rc, 2);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "the port is not a number 0-65535"));
	CU_ASSERT_EQUAL(tl_test_runv(out, sizeof out, 1, talon_bin, "monitor", NULL), 2);
}

/* With a token (TALON_MONITOR_TOKEN): 401 without it or with another,
 * 200 with it; the token is in no line the monitor printed. */
static void test_token_required_when_set(void)
{
	mon2_port = start_monitor(&mon2_pid, monlog2, TOKEN);
	CU_ASSERT_TRUE_FATAL(mon2_port > 0);
	CU_ASSERT_EQUAL(http_port(mon2_port, "GET", "/api/status", "", NULL), 401);
	CU_ASSERT_PTR_NOT_NULL(strstr(res.head, "www-authenticate: Bearer"));
	CU_ASSERT_PTR_NULL(strstr(res.body, TOKEN));
	CU_ASSERT_EQUAL(http_port(mon2_port, "GET", "/api/status",
				  "Authorization: Bearer t0ken-for-the-test_43\r\n", NULL), 401);
	CU_ASSERT_EQUAL(http_port(mon2_port, "GET", "/api/status",
				  "Authorization: Bearer " TOKEN "x\r\n", NULL), 401);
	CU_ASSERT_EQUAL(http_port(mon2_port, "GET", "/api/status",
				  "Authorization: " TOKEN "\r\n", NULL), 401);
	/* 401 comes before 405: no method is served without the token */
	CU_ASSERT_EQUAL(http_port(mon2_port, "POST", "/api/status", "", "x"), 401);
	CU_ASSERT_EQUAL(http_port(mon2_port, "GET", "/api/status",
				  "Authorization: Bearer " TOKEN "\r\n", NULL), 200);
	CU_ASSERT_PTR_NOT_NULL(strstr(res.body, "\"state\":\"NORMAL\""));
	CU_ASSERT_EQUAL(http_port(mon2_port, "GET", "/metrics",
				  "Authorization: Bearer " TOKEN "\r\n", NULL), 200);
	/* with a token the Host may be any name (the token is the check) */
	CU_ASSERT_EQUAL(http_port(mon2_port, "GET", "/api/events?since=0&limit=1",
				  "Host: monitor.example\r\nAuthorization: Bearer " TOKEN "\r\n",
				  NULL), 200);
	FILE *f = fopen(monlog2, "r");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	size_t n = fread(out, 1, sizeof out - 1, f);
	out[n] = '\0';
	fclose(f);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "requests need the bearer token"));
	CU_ASSERT_PTR_NULL(strstr(out, TOKEN));
}

/* SIGTERM: the monitor stops by itself, exit 0; the engine runs on. */
static void test_sigterm_stops_cleanly(void)
{
	int st = -1;

	CU_ASSERT_EQUAL_FATAL(kill(mon_pid, SIGTERM), 0);
	for (int i = 0; i < 400; i++) {
		if (waitpid(mon_pid, &st, WNOHANG) == mon_pid)
			break;
		nap_ms(50);
	}
	CU_ASSERT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	if (WIFEXITED(st))
		mon_pid = 0;
	CU_ASSERT_EQUAL(talon("ctl", "-c", cfgpath, "status", "--json", NULL), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"alive\":true"));
}

TL_TEST_SUITE("mon.monitor", suite_init, suite_clean,
	      TL_TEST(test_503_until_the_engine_runs),
	      TL_TEST(test_market_fill_in_status_and_events),
	      TL_TEST(test_resting_order_in_orders),
	      TL_TEST(test_only_get_and_head),
	      TL_TEST(test_bad_queries),
	      TL_TEST(test_foreign_host_refused),
	      TL_TEST(test_public_address_needs_token),
	      TL_TEST(test_token_required_when_set),
	      TL_TEST(test_sigterm_stops_cleanly));
