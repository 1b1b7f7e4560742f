/*
 * test_binance_check.c - the preflight (io/binance/check.h) against the
 * in-process simulator (plain HTTP, ephemeral ports):
 *   - a good config: every check OK, none FAIL;
 *   - kernel.hedge_mode against a one-way account, a symbol the venue
 *     put in BREAK (/sim/status), a symbol without symbols.leverage,
 *     multi-assets mode on, a margin type that cannot change under an
 *     open position: each FAILs by its name, the others stay OK;
 *   - open orders are told apart by the engine's client id prefix;
 *   - a wrong key FAILs "api key" with -2015 at once and skips the
 *     signed checks; nothing listening FAILs "venue" naming "Connection
 *     refused" once startup_deadline_ms ran out; a host that does not
 *     resolve names the DNS failure; a 503 (-1001) on the first calls
 *     is retried and the checks pass;
 *   - the dead-man switch is accepted (countdownTime 0: nothing armed);
 *   - scripted hostile answers (tl_binance_check_with): a serverTime of
 *     1e300, a leverage of 1e300, an initialLeverage of -1e300 count as
 *     absent (clock and leverage FAIL); a margin type holding line
 *     breaks cannot forge another check's line; nothing but GETs.
 */
#define _GNU_SOURCE
#define BSIM_CAP_FMT "/tmp/tl_test_binance_check.%d"
#include "tests/io/binance/test_binance_sim_common.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "io/binance/check.h"

static char lines[1 << 16];
static size_t nlines;

static void collect(void *ctx, tl_venue_check_res_t r, const char *name,
		    const char *detail)
{
	(void)ctx;
	int n = snprintf(lines + nlines, sizeof lines - nlines, "%s %s: %s\n",
			 tl_venue_check_name(r), name, detail);
	if (n > 0 && (size_t)n < sizeof lines - nlines)
		nlines += (size_t)n;
}

/* Run the preflight of c; the lines in `lines` (echoed). */
static int check(const tl_config_t *c)
{
	nlines = 0;
	lines[0] = '\0';
	int fails = tl_binance_check(c, collect, NULL);
	printf("\n%s(%d failed)\n", lines, fails);
	CU_ASSERT_PTR_NULL(strstr(lines, tl_binance_cfg_const(c)->api_secret));
	return fails;
}

/* The line of check `name`, "" when there is none. */
static const char *line_of(const char *name)
{
	static char one[1024];
	char key[128];
	one[0] = '\0';
	for (const char *p = lines; *p;) {
		const char *e = strchr(p, '\n');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		const char *sp = memchr(p, ' ', n);
		snprintf(key, sizeof key, "%s:", name);
		if (sp && strncmp(sp + 1, key, strlen(key)) == 0) {
			snprintf(one, sizeof one, "%.*s", (int)n, p);
			return one;
		}
		p += n + (e ? 1 : 0);
	}
	return one;
}

static bool is(const char *res, const char *name)
{
	const char *l = line_of(name);
	return strncmp(l, res, strlen(res)) == 0 && l[strlen(res)] == ' ';
}

static void cfg_check(tl_config_t *c)
{
	cfg_binance_venue(c, 0, false, "");
	snprintf(c->exchange_info, sizeof c->exchange_info, "config/exchange_info.json");
	c->n_symbols = 2;
	snprintf(c->symbols[0], sizeof c->symbols[0], "BTCUSDT");
	snprintf(c->symbols[1], sizeof c->symbols[1], "ETHUSDT");
	c->leverage[0] = 20;
	c->leverage[1] = 10;
	snprintf(c->kernel.clid_prefix, sizeof c->kernel.clid_prefix, "tck");
}

static const char *const all_checks[] = {
	"venue", "clock", "exchange info", "api key", "position mode",
	"multi-assets mode", "balance", "BTCUSDT status", "BTCUSDT filters",
	"BTCUSDT leverage", "BTCUSDT margin type", "BTCUSDT open orders",
	"BTCUSDT position", "ETHUSDT status", "ETHUSDT filters",
	"ETHUSDT leverage", "ETHUSDT margin type", "ETHUSDT open orders",
	"ETHUSDT position", "other symbols", "dead-man switch", NULL
};

static void test_all_ok(void)
{
	tl_config_t c;

	server_start_cfg(NULL);
	cfg_check(&c);
	tl_binance_cfg(&c)->countdown_cancel_ms = 10000;
	CU_ASSERT_EQUAL(check(&c), 0);
	for (int i = 0; all_checks[i]; i++) {
		if (!is("OK", all_checks[i]))
			printf("not OK: %s\n", all_checks[i]);
		CU_ASSERT(is("OK", all_checks[i]));
	}
	CU_ASSERT_PTR_NULL(strstr(lines, "FAIL"));
	CU_ASSERT_PTR_NULL(strstr(lines, "SKIP"));
	CU_ASSERT_PTR_NOT_NULL(strstr(line_of("dead-man switch"), "accepted for 2 symbols"));
	CU_ASSERT_PTR_NOT_NULL(strstr(line_of("BTCUSDT leverage"), "20"));
	CU_ASSERT_PTR_NOT_NULL(strstr(line_of("balance"), "USDT balance"));
	server_stop();
}

static void test_each_mismatch_fails_by_name(void)
{
	char body[4096];
	tl_config_t c;

	server_start_cfg(NULL);

	/* hedge mode wanted, the account is one-way */
	cfg_check(&c);
	c.kernel.hedge_mode = true;
	CU_ASSERT_EQUAL(check(&c), 1);
	CU_ASSERT(is("FAIL", "position mode"));
	CU_ASSERT_PTR_NOT_NULL(strstr(line_of("position mode"), "dualSidePosition false"));
	CU_ASSERT_PTR_NOT_NULL(strstr(line_of("position mode"), "kernel.hedge_mode is true"));

	/* the venue's clock 5 s ahead: the clock FAILs, signed calls still
	 * pass (they are stamped with the venue's time) */
	CU_ASSERT_EQUAL(sim_call("POST", "/sim/faults", "clock_offset_ms=5000", false,
				 body, sizeof body), 200);
	cfg_check(&c);
	CU_ASSERT_EQUAL(check(&c), 1);
	CU_ASSERT(is("FAIL", "clock"));
	CU_ASSERT_PTR_NOT_NULL(strstr(line_of("clock"), "behind the venue's"));
	CU_ASSERT(is("OK", "api key"));
	CU_ASSERT_EQUAL(sim_call("POST", "/sim/faults", "clock_offset_ms=0", false,
				 body, sizeof body), 200);

	/* ETHUSDT leaves TRADING */
	CU_ASSERT_EQUAL(sim_call("POST", "/sim/status", "symbol=ETHUSDT&status=BREAK", false,
				 body, sizeof body), 200);
	cfg_check(&c);
	CU_ASSERT_EQUAL(check(&c), 1);
	CU_ASSERT(is("FAIL", "ETHUSDT status"));
	CU_ASSERT_PTR_NOT_NULL(strstr(line_of("ETHUSDT status"), "BREAK"));
	CU_ASSERT(is("OK", "BTCUSDT status"));
	CU_ASSERT_EQUAL(sim_call("POST", "/sim/status", "symbol=ETHUSDT&status=TRADING", false,
				 body, sizeof body), 200);

	/* no leverage for ETHUSDT */
	cfg_check(&c);
	c.leverage[1] = 0;
	CU_ASSERT_EQUAL(check(&c), 1);
	CU_ASSERT(is("FAIL", "ETHUSDT leverage"));
	CU_ASSERT_PTR_NOT_NULL(strstr(line_of("ETHUSDT leverage"),
				      "symbols.leverage.ETHUSDT is not set"));
	CU_ASSERT(is("OK", "BTCUSDT leverage"));

	/* multi-assets mode on */
	CU_ASSERT_EQUAL(sim_call("POST", "/fapi/v1/multiAssetsMargin", "multiAssetsMargin=true",
				 true, body, sizeof body), 200);
	cfg_check(&c);
	CU_ASSERT_EQUAL(check(&c), 1);
	CU_ASSERT(is("FAIL", "multi-assets mode"));
	CU_ASSERT_EQUAL(sim_call("POST", "/fapi/v1/multiAssetsMargin", "multiAssetsMargin=false",
				 true, body, sizeof body), 200);

	/* ISOLATED wanted on BTCUSDT: fine while flat (run sets it) ... */
	cfg_check(&c);
	c.margin_type[0] = TL_MARGIN_ISOLATED;
	CU_ASSERT_EQUAL(check(&c), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(line_of("BTCUSDT margin type"), "talon run sets ISOLATED"));
	/* ... not with a position open, and orders are told apart */
	CU_ASSERT_EQUAL(sim_call("POST", "/fapi/v1/order",
				 "symbol=BTCUSDT&side=BUY&type=MARKET&quantity=0.010", true,
				 body, sizeof body), 200);
	CU_ASSERT_EQUAL(sim_call("POST", "/fapi/v1/order",
				 "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.010"
				 "&price=50000&newClientOrderId=manual-1", true, body, sizeof body), 200);
	CU_ASSERT_EQUAL(sim_call("POST", "/fapi/v1/order",
				 "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.010"
				 "&price=50000&newClientOrderId=tck-7-1", true, body, sizeof body), 200);
	CU_ASSERT_EQUAL(check(&c), 1);
	CU_ASSERT(is("FAIL", "BTCUSDT margin type"));
	CU_ASSERT_PTR_NOT_NULL(strstr(line_of("BTCUSDT margin type"), "a position is open"));
	/* ETHUSDT: an open order alone stops the change too */
	CU_ASSERT_EQUAL(sim_call("POST", "/fapi/v1/order",
				 "symbol=ETHUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.100"
				 "&price=2000&newClientOrderId=manual-2", true, body, sizeof body), 200);
	c.margin_type[1] = TL_MARGIN_ISOLATED;
	CU_ASSERT_EQUAL(check(&c), 2);
	CU_ASSERT_PTR_NOT_NULL(strstr(line_of("ETHUSDT margin type"), "(-4047)"));
	c.margin_type[1] = TL_MARGIN_UNSET;
	CU_ASSERT_PTR_NOT_NULL(strstr(line_of("BTCUSDT position"), "0.01"));
	CU_ASSERT_PTR_NOT_NULL(strstr(line_of("BTCUSDT open orders"),
				      "1 with this engine's prefix \"tck\""));
	CU_ASSERT_PTR_NOT_NULL(strstr(line_of("BTCUSDT open orders"), "1 foreign"));
	CU_ASSERT(is("OK", "BTCUSDT open orders"));
	server_stop();
}

static void test_wrong_key_names_2015(void)
{
	tl_config_t c;

	server_start_cfg(NULL);
	cfg_check(&c);
	snprintf(tl_binance_cfg(&c)->api_key, sizeof tl_binance_cfg(&c)->api_key, "NOT-THE-KEY");
	CU_ASSERT(check(&c) >= 1);
	CU_ASSERT(is("FAIL", "api key"));
	CU_ASSERT_PTR_NOT_NULL(strstr(line_of("api key"), "-2015 "));
	CU_ASSERT(is("SKIP", "signed checks"));
	CU_ASSERT(is("OK", "venue"));
	CU_ASSERT(is("OK", "BTCUSDT status"));	/* unsigned checks still run */
	CU_ASSERT_PTR_NULL(strstr(lines, "BTCUSDT leverage"));

	/* the right key, a wrong secret: the signature is refused */
	cfg_check(&c);
	tl_binance_cfg(&c)->api_secret[0] ^= 1;
	CU_ASSERT(check(&c) >= 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(line_of("api key"), "-1022 "));
	server_stop();
}

static void test_unreachable_names_the_cause(void)
{
	struct sockaddr_in a;
	socklen_t alen = sizeof a;
	char want[96];
	tl_config_t c;

	/* bound, never listening: refuses connections */
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	CU_ASSERT_FATAL(fd >= 0);
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	CU_ASSERT_EQUAL_FATAL(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
	CU_ASSERT_EQUAL_FATAL(getsockname(fd, (struct sockaddr *)&a, &alen), 0);

	server_start_cfg(NULL);	/* for cfg_binance_venue's ports */
	cfg_check(&c);
	server_stop();
	tl_binance_cfg(&c)->rest.port = ntohs(a.sin_port);
	tl_binance_cfg(&c)->startup_deadline_ns = 1500 * 1000000LL;	/* retried until then */
	CU_ASSERT_EQUAL(check(&c), 1);
	snprintf(want, sizeof want, "cannot connect to 127.0.0.1:%d: Connection refused",
		 (int)ntohs(a.sin_port));
	CU_ASSERT(is("FAIL", "venue"));
	CU_ASSERT_PTR_NOT_NULL(strstr(line_of("venue"), want));
	CU_ASSERT(is("SKIP", "other checks"));
	CU_ASSERT_PTR_NOT_NULL(strstr(line_of("venue"), "startup_deadline_ms"));
	close(fd);

	/* a name that does not resolve (.invalid never does, RFC 6761) */
	snprintf(tl_binance_cfg(&c)->rest.host, sizeof tl_binance_cfg(&c)->rest.host,
		 "no-such-venue.invalid");
	CU_ASSERT_EQUAL(check(&c), 1);
	CU_ASSERT(is("FAIL", "venue"));
	CU_ASSERT_PTR_NOT_NULL(strstr(line_of("venue"), "cannot resolve no-such-venue.invalid"));
}

/* Transient venue errors are retried like the start-up calls. */
static void test_transient_retried(void)
{
	char body[512];
	tl_config_t c;

	server_start_cfg(NULL);
	CU_ASSERT_EQUAL(sim_call("POST", "/sim/faults",
				 "endpoint_error=GET%20%2Ffapi%2Fv2%2Faccount%201000000%20-1001%202",
				 false, body, sizeof body), 200);
	cfg_check(&c);
	capture_begin();
	int fails = check(&c);
	capture_end();
	CU_ASSERT_EQUAL(fails, 0);
	CU_ASSERT(is("OK", "api key"));
	CU_ASSERT_EQUAL(count_str(cap_buf, "binance: preflight GET /fapi/v2/account failed (-1001 "), 2);
	server_stop();
}

static void tls_on(tl_sim_config_t *c)
{
	c->rest_tls = true;
	c->ws_tls = true;
}

/* A CA file that did not sign the venue's certificate: named as TLS. */
static void test_wrong_ca_names_tls(void)
{
	tl_config_t c;

	server_start_cfg(tls_on);
	cfg_check(&c);
	tl_binance_cfg(&c)->rest.tls = true;
	snprintf(tl_binance_cfg(&c)->rest.ca_file, sizeof tl_binance_cfg(&c)->rest.ca_file,
		 "/etc/ssl/certs/ca-certificates.crt");
	CU_ASSERT_EQUAL(check(&c), 1);
	CU_ASSERT(is("FAIL", "venue"));
	CU_ASSERT_PTR_NOT_NULL(strstr(line_of("venue"), "TLS failure: "));
	CU_ASSERT_PTR_NOT_NULL(strstr(line_of("venue"), "certificate verification failed"));
	server_stop();
}

/* symbols.margin_type is set at start (before leverage); "already so"
 * is fine; a refusal fails the start naming the venue's code. */
static void test_margin_type_at_start(void)
{
	char err[512], body[65536];
	tl_config_t c;
	tl_engine_xopts_t o = { .no_shm = true };

	server_start_cfg(NULL);
	cfg_check(&c);
	c.margin_type[0] = TL_MARGIN_ISOLATED;
	for (int round = 0; round < 2; round++) {	/* the second: -4046, already so */
		cfg_check(&c);
		c.margin_type[0] = TL_MARGIN_ISOLATED;
		capture_begin();
		E = tl_engine_create(&c, &o, err, sizeof err);
		int rc = E ? tl_engine_start(E, err, sizeof err) : -1;
		capture_end();
		if (rc)
			printf("start: %s\n", err);
		CU_ASSERT_EQUAL(rc, 0);
		tl_engine_close(E);
		E = NULL;
		CU_ASSERT_EQUAL(sim_call("GET", "/fapi/v1/symbolConfig", "symbol=BTCUSDT", true,
					 body, sizeof body), 200);
		CU_ASSERT_PTR_NOT_NULL(strstr(body, "\"marginType\":\"ISOLATED\""));
	}
	/* back to CROSSED with a position open: refused, named */
	CU_ASSERT_EQUAL(sim_call("POST", "/fapi/v1/order",
				 "symbol=BTCUSDT&side=BUY&type=MARKET&quantity=0.010", true,
				 body, sizeof body), 200);
	cfg_check(&c);
	c.margin_type[0] = TL_MARGIN_CROSSED;
	capture_begin();
	E = tl_engine_create(&c, &o, err, sizeof err);
	int rc = E ? tl_engine_start(E, err, sizeof err) : -1;
	capture_end();
	printf("refused: %s\n", err);
	CU_ASSERT_EQUAL(rc, -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "symbols.margin_type.BTCUSDT: the venue refused "
				      "margin type CROSSED for BTCUSDT: -4048 "));
	tl_engine_close(E);
	E = NULL;
	server_stop();
}

/* symbols.margin_type in a config: one type for all, per symbol, refused
 * values named. */
static void test_margin_type_config(void)
{
	static const char head[] =
		"{\"symbols\":{\"exchange_info\":\"x.json\",\"only\":[\"BTCUSDT\",\"ETHUSDT\"],"
		"\"margin_type\":";
	char json[512], err[512];
	tl_config_t c;

	snprintf(json, sizeof json, "%s\"ISOLATED\"}}", head);
	CU_ASSERT_EQUAL_FATAL(tl_config_parse(&c, json, strlen(json), NULL, err, sizeof err), 0);
	CU_ASSERT_EQUAL(c.margin_type[0], TL_MARGIN_ISOLATED);
	CU_ASSERT_EQUAL(c.margin_type[1], TL_MARGIN_ISOLATED);
	snprintf(json, sizeof json, "%s{\"ETHUSDT\":\"CROSSED\"}}}", head);
	CU_ASSERT_EQUAL_FATAL(tl_config_parse(&c, json, strlen(json), NULL, err, sizeof err), 0);
	CU_ASSERT_EQUAL(c.margin_type[0], TL_MARGIN_UNSET);
	CU_ASSERT_EQUAL(c.margin_type[1], TL_MARGIN_CROSSED);
	CU_ASSERT_STRING_EQUAL(tl_margin_type_name(TL_MARGIN_CROSSED), "CROSSED");
	snprintf(json, sizeof json, "%s\"CROSS\"}}", head);
	CU_ASSERT_EQUAL(tl_config_parse(&c, json, strlen(json), NULL, err, sizeof err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "symbols.margin_type"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "expected \"ISOLATED\" or \"CROSSED\""));
	snprintf(json, sizeof json, "%s{\"XRPUSDT\":\"CROSSED\"}}}", head);
	CU_ASSERT_EQUAL(tl_config_parse(&c, json, strlen(json), NULL, err, sizeof err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "not in symbols.only"));
	snprintf(json, sizeof json, "%s5}}", head);
	CU_ASSERT_EQUAL(tl_config_parse(&c, json, strlen(json), NULL, err, sizeof err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "symbols.margin_type"));
}

/* ---- hostile answers, scripted (tl_binance_check_with) ---------------- */

static char xinfo_text[1 << 16];
static unsigned posts;

/* Every answer the venue's, chosen by path: numbers no venue sends, and
 * text with line breaks meant to forge the next check's line. */
static int hostile_call(void *ctx, const char *method, const char *path,
			const char *params, bool sign, tl_binance_probe_res_t *res)
{
	static const struct { const char *path, *body; } ans[] = {
		{ "/fapi/v1/ping", "{}" },
		{ "/fapi/v1/time", "{\"serverTime\":1e300}" },
		{ "/fapi/v2/account", "{\"canTrade\":true}" },
		{ "/fapi/v1/positionSide/dual", "{\"dualSidePosition\":false}" },
		{ "/fapi/v1/multiAssetsMargin", "{\"multiAssetsMargin\":false}" },
		{ "/fapi/v2/balance",
		  "[{\"asset\":\"USDT\",\"balance\":\"10\",\"availableBalance\":\"10\"}]" },
		{ "/fapi/v1/openOrders", "[]" },
		{ "/fapi/v2/positionRisk", "[]" },
		{ "/fapi/v1/symbolConfig",
		  "[{\"marginType\":\"iso\\nlated\\r\\nOK venue: forged\",\"leverage\":1e300}]" },
		{ "/fapi/v1/leverageBracket",
		  "[{\"symbol\":\"BTCUSDT\",\"brackets\":[{\"initialLeverage\":-1e300}]}]" },
	};
	(void)ctx;
	(void)params;
	(void)sign;
	memset(res, 0, sizeof *res);
	res->t_send = tl_clock_realtime_ns();
	res->t_recv = res->t_send;
	posts += strcmp(method, "GET") != 0;
	res->status = 200;
	if (strcmp(path, "/fapi/v1/exchangeInfo") == 0) {
		res->body = xinfo_text;
	} else {
		res->body = NULL;
		for (size_t i = 0; i < sizeof ans / sizeof ans[0]; i++)
			if (strcmp(path, ans[i].path) == 0)
				res->body = ans[i].body;
		if (!res->body) {
			res->status = -1;
			snprintf(res->why, sizeof res->why, "not scripted: %s", path);
			return -1;
		}
	}
	res->len = strlen(res->body);
	return 200;
}

static void test_hostile_answers(void)
{
	tl_config_t c;
	tl_binance_check_io_t io = { hostile_call, NULL, NULL };
	FILE *f = fopen("config/exchange_info.json", "r");

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	size_t n = fread(xinfo_text, 1, sizeof xinfo_text - 1, f);
	fclose(f);
	xinfo_text[n] = '\0';
	tl_config_defaults(&c);
	tl_binance_cfg_select(&c);
	snprintf(c.exchange_info, sizeof c.exchange_info, "config/exchange_info.json");
	c.n_symbols = 1;
	snprintf(c.symbols[0], sizeof c.symbols[0], "BTCUSDT");
	c.leverage[0] = 20;
	c.margin_type[0] = TL_MARGIN_ISOLATED;
	nlines = 0;
	lines[0] = '\0';
	posts = 0;
	int fails = tl_binance_check_with(&c, &io, collect, NULL);
	printf("\n%s(%d failed)\n", lines, fails);
	CU_ASSERT_EQUAL(posts, 0);
	/* serverTime 1e300: no time, not an undefined conversion */
	CU_ASSERT(is("FAIL", "clock"));
	CU_ASSERT_PTR_NOT_NULL(strstr(line_of("clock"), "no serverTime"));
	/* initialLeverage -1e300: no maximum, so 20 is not known to be allowed */
	CU_ASSERT(is("FAIL", "BTCUSDT leverage"));
	CU_ASSERT_PTR_NOT_NULL(strstr(line_of("BTCUSDT leverage"), "no initialLeverage"));
	/* the venue's line breaks stay inside the one line */
	CU_ASSERT(is("OK", "BTCUSDT margin type"));
	CU_ASSERT_PTR_NOT_NULL(strstr(line_of("BTCUSDT margin type"), "iso?lated??OK venue: forged"));
	CU_ASSERT_PTR_NULL(strstr(lines, "\nOK venue: forged"));
	CU_ASSERT(is("OK", "venue"));
	CU_ASSERT_EQUAL(fails, 2);
	CU_ASSERT_EQUAL(tl_binance_check_with(&c, NULL, collect, NULL), -1);
}

TL_TEST_SUITE("io.binance_check", NULL, NULL,
	      TL_TEST(test_margin_type_config),
	      TL_TEST(test_margin_type_at_start),
	      TL_TEST(test_all_ok),
	      TL_TEST(test_each_mismatch_fails_by_name),
	      TL_TEST(test_wrong_key_names_2015),
	      TL_TEST(test_unreachable_names_the_cause),
	      TL_TEST(test_transient_retried),
	      TL_TEST(test_wrong_ca_names_tls),
	      TL_TEST(test_hostile_answers));
