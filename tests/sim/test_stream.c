/*
 * test_stream.c - the WebSocket stream port: handshake (RFC 6455 accept
 * key), user data events per fill in Binance's order, combined streams
 * with JSON SUBSCRIBE / LIST_SUBSCRIPTIONS, markPrice and bookTicker
 * pushes, the all-market !markPrice@arr[@1s] array, listenKeyExpired,
 * ping/pong and close.
 */
#define _GNU_SOURCE
#include "tests/support/tl_test.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "sim/ws.h"
#include "runtime/clock.h"
#include "tests/sim/sim_client.c"
#include "tests/sim/ws_client.c"

static tl_sim_config_t cfg;
static tl_sim_server_t *srv;
static simc_t rest;
static char lkey[80];

static wsc_t ws;

static int ws_open(wsc_t *w, const char *target)
{
	return wsc_open(w, tl_sim_server_port(srv, TL_SIM_PORT_WS), target);
}

static int ws_next(wsc_t *w)
{
	return wsc_next(w, 3000);
}

/* Next text frame (skipping pings). */
static const char *ws_text(wsc_t *w)
{
	return wsc_text(w, 3000);
}

static void ws_send(wsc_t *w, int op, const char *p)
{
	wsc_send(w, op, p);
}

static void each_setup(void)
{
	tl_sim_config_defaults(&cfg);
	cfg.sym[0].vol_bps = 0;
	srv = simc_start_rest(&cfg, &rest);
	simc_listen_key(&rest, lkey);
	ws.fd = -1;
}

static void each_teardown(void)
{
	if (ws.fd >= 0)
		close(ws.fd);
	simc_stop_rest(&srv, &rest);
}

static bool has(const char *msg, const char *needle)
{
	bool ok = strstr(msg, needle) != NULL;

	if (!ok)
		fprintf(stderr, "\n  message lacks %s: %s\n", needle, msg);
	return ok;
}

static void test_accept_key_rfc_example(void)
{
	char out[29];

	CU_ASSERT_EQUAL(tl_sim_ws_accept("dGhlIHNhbXBsZSBub25jZQ==", 24, out), 0);
	CU_ASSERT_STRING_EQUAL(out, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}

static void test_user_stream_fill_order(void)
{
	char target[128];

	snprintf(target, sizeof target, "/ws/%s", lkey);
	CU_ASSERT_EQUAL_FATAL(ws_open(&ws, target), 0);
	CU_ASSERT_EQUAL(simc_signed(&rest, "POST", "/fapi/v1/order",
				    "symbol=BTCUSDT&side=BUY&type=MARKET&quantity=0.010&newClientOrderId=w1", false), 200);
	CU_ASSERT_TRUE(has(ws_text(&ws), "\"e\":\"ORDER_TRADE_UPDATE\""));
	CU_ASSERT_TRUE(has(ws.msg, "\"c\":\"w1\""));
	CU_ASSERT_TRUE(has(ws.msg, "\"x\":\"NEW\",\"X\":\"NEW\""));
	CU_ASSERT_TRUE(has(ws_text(&ws), "\"e\":\"TRADE_LITE\""));
	CU_ASSERT_TRUE(has(ws.msg, "\"L\":\"60000.10\",\"l\":\"0.010\""));
	CU_ASSERT_TRUE(has(ws_text(&ws), "\"x\":\"TRADE\",\"X\":\"FILLED\""));
	CU_ASSERT_TRUE(has(ws.msg, "\"N\":\"USDT\",\"n\":\"0.24000040\""));
	CU_ASSERT_TRUE(has(ws_text(&ws), "\"e\":\"ACCOUNT_UPDATE\""));
	CU_ASSERT_TRUE(has(ws.msg, "\"m\":\"ORDER\",\"B\":[{\"a\":\"USDT\",\"wb\":\"99999.75999960\""));
	CU_ASSERT_TRUE(has(ws.msg, "\"pa\":\"0.010\",\"ep\":\"60000.10\""));
	/* a cancel pushes ORDER_TRADE_UPDATE only */
	CU_ASSERT_EQUAL(simc_signed(&rest, "POST", "/fapi/v1/order",
				    "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.010&price=59000&newClientOrderId=w2", false), 200);
	CU_ASSERT_TRUE(has(ws_text(&ws), "\"x\":\"NEW\""));
	CU_ASSERT_EQUAL(simc_signed(&rest, "DELETE", "/fapi/v1/order", "symbol=BTCUSDT&origClientOrderId=w2", false), 200);
	CU_ASSERT_TRUE(has(ws_text(&ws), "\"x\":\"CANCELED\",\"X\":\"CANCELED\""));
	/* deleting the key ends the stream */
	CU_ASSERT_EQUAL(simc_raw(&rest, "DELETE", "/fapi/v1/listenKey", "", "", rest.key), 200);
	CU_ASSERT_TRUE(has(ws_text(&ws), "\"e\":\"listenKeyExpired\""));
}

static void test_combined_subscribe_and_market_streams(void)
{
	char sub[256];

	CU_ASSERT_EQUAL_FATAL(ws_open(&ws, "/private/stream?streams="), 0);
	snprintf(sub, sizeof sub, "{\"method\":\"SUBSCRIBE\",\"params\":[\"%s\"],\"id\":1}", lkey);
	ws_send(&ws, TL_SIM_WS_OP_TEXT, sub);
	CU_ASSERT_STRING_EQUAL(ws_text(&ws), "{\"result\":null,\"id\":1}");
	ws_send(&ws, TL_SIM_WS_OP_TEXT, "{\"method\":\"SUBSCRIBE\",\"params\":[\"btcusdt@markPrice@1s\",\"btcusdt@bookTicker\"],\"id\":2}");
	CU_ASSERT_STRING_EQUAL(ws_text(&ws), "{\"result\":null,\"id\":2}");
	/* pushes start at once */
	{
		bool mark = false, book = false;
		for (int i = 0; i < 2; i++) {
			const char *m = ws_text(&ws);
			mark |= strstr(m, "{\"stream\":\"btcusdt@markPrice@1s\",\"data\":{\"e\":\"markPriceUpdate\"") != NULL;
			book |= strstr(m, "{\"stream\":\"btcusdt@bookTicker\",\"data\":{\"e\":\"bookTicker\"") != NULL;
		}
		CU_ASSERT_TRUE(mark);
		CU_ASSERT_TRUE(book);
	}
	ws_send(&ws, TL_SIM_WS_OP_TEXT, "{\"method\":\"LIST_SUBSCRIPTIONS\",\"id\":3}");
	{
		const char *m = ws_text(&ws);
		while (!strstr(m, "\"id\":3") && *m)
			m = ws_text(&ws);
		CU_ASSERT_TRUE(has(m, "\"btcusdt@markPrice@1s\",\"btcusdt@bookTicker\"],\"id\":3}"));
		CU_ASSERT_TRUE(has(m, lkey));
	}
	CU_ASSERT_EQUAL(simc_raw(&rest, "POST", "/sim/mark", "symbol=BTCUSDT&price=60500&frozen=true", "", NULL), 200);
	CU_ASSERT_EQUAL(simc_signed(&rest, "POST", "/fapi/v1/leverage", "symbol=BTCUSDT&leverage=7", false), 200);
	{
		const char *m = ws_text(&ws);
		while (*m && !strstr(m, "ACCOUNT_CONFIG_UPDATE"))
			m = ws_text(&ws);
		snprintf(sub, sizeof sub, "{\"stream\":\"%s\",\"data\":{\"e\":\"ACCOUNT_CONFIG_UPDATE\"", lkey);
		CU_ASSERT_TRUE(has(m, sub));
		CU_ASSERT_TRUE(has(m, "\"ac\":{\"s\":\"BTCUSDT\",\"l\":7}"));
	}
	ws_send(&ws, TL_SIM_WS_OP_TEXT, "not json");
	{
		const char *m = ws_text(&ws);
		while (*m && !strstr(m, "\"code\":3"))
			m = ws_text(&ws);
		CU_ASSERT_TRUE(has(m, "{\"code\":3,"));
	}
}

/* Restarts the venue with nsym copies of the first symbol, named
 * S0000USDT, S0001USDT, ... (the many-symbol tests below). */
static void restart_with_symbols(int nsym)
{
	simc_stop_rest(&srv, &rest);
	cfg.nsym = nsym;
	for (int i = 1; i < nsym; i++)
		cfg.sym[i] = cfg.sym[0];
	for (int i = 0; i < nsym; i++) {
		snprintf(cfg.sym[i].name, sizeof cfg.sym[i].name, "S%04dUSDT", i);
		snprintf(cfg.sym[i].base, sizeof cfg.sym[i].base, "S%04d", i);
	}
	srv = simc_start_rest(&cfg, &rest);
}

/* A venue with TL_SIM_MAX_SYMBOLS symbols: subscriptions past the first
 * 32 and 64 (once the width of a mask word) deliver, list and drop. */
static void test_market_streams_on_every_symbol(void)
{
	static const int pick[] = { 0, 40, 100, TL_SIM_MAX_SYMBOLS - 1 };
	char sub[512], name[64];
	int len, seen = 0;

	restart_with_symbols(TL_SIM_MAX_SYMBOLS);

	CU_ASSERT_EQUAL_FATAL(ws_open(&ws, "/market/stream?streams="), 0);
	len = snprintf(sub, sizeof sub, "{\"method\":\"SUBSCRIBE\",\"params\":[");
	for (int k = 0; k < 4; k++)
		len += snprintf(sub + len, sizeof sub - (size_t)len,
				"%s\"s%04dusdt@markPrice@1s\",\"s%04dusdt@bookTicker\"",
				k ? "," : "", pick[k], pick[k]);
	snprintf(sub + len, sizeof sub - (size_t)len, "],\"id\":1}");
	ws_send(&ws, TL_SIM_WS_OP_TEXT, sub);
	CU_ASSERT_STRING_EQUAL(ws_text(&ws), "{\"result\":null,\"id\":1}");
	/* one markPrice and one bookTicker per picked symbol, at once */
	for (int n = 0; n < 8; n++) {
		const char *m = ws_text(&ws);
		for (int k = 0; k < 4; k++) {
			snprintf(name, sizeof name, "{\"stream\":\"s%04dusdt@markPrice@1s\"", pick[k]);
			if (strstr(m, name))
				seen |= 1 << (2 * k);
			snprintf(name, sizeof name, "{\"stream\":\"s%04dusdt@bookTicker\"", pick[k]);
			if (strstr(m, name))
				seen |= 1 << (2 * k + 1);
		}
	}
	CU_ASSERT_EQUAL(seen, 0xff);
	ws_send(&ws, TL_SIM_WS_OP_TEXT, "{\"method\":\"UNSUBSCRIBE\",\"params\":"
		"[\"s0040usdt@markPrice@1s\",\"s0100usdt@bookTicker\"],\"id\":2}");
	ws_send(&ws, TL_SIM_WS_OP_TEXT, "{\"method\":\"LIST_SUBSCRIPTIONS\",\"id\":3}");
	{
		const char *m = ws_text(&ws);
		while (*m && !strstr(m, "\"id\":3"))
			m = ws_text(&ws);
		snprintf(name, sizeof name, "\"s%04dusdt@markPrice@1s\",\"s%04dusdt@bookTicker\"]",
			 TL_SIM_MAX_SYMBOLS - 1, TL_SIM_MAX_SYMBOLS - 1);
		CU_ASSERT_TRUE(has(m, "[\"s0000usdt@markPrice@1s\",\"s0000usdt@bookTicker\","
				   "\"s0040usdt@bookTicker\",\"s0100usdt@markPrice@1s\","));
		CU_ASSERT_TRUE(has(m, name));
	}
}

/* The official connector sends 32-hex-character string ids; fstream
 * answers them, so the venue echoes string ids with their type. */
static void test_subscribe_string_and_bad_ids(void)
{
	char sub[256];

	CU_ASSERT_EQUAL_FATAL(ws_open(&ws, "/private/stream?streams="), 0);
	snprintf(sub, sizeof sub, "{\"method\":\"SUBSCRIBE\",\"params\":[\"%s\"],"
		 "\"id\":\"0123456789abcdef0123456789ABCDEF\"}", lkey);
	ws_send(&ws, TL_SIM_WS_OP_TEXT, sub);
	CU_ASSERT_STRING_EQUAL(ws_text(&ws), "{\"result\":null,\"id\":\"0123456789abcdef0123456789ABCDEF\"}");
	ws_send(&ws, TL_SIM_WS_OP_TEXT, "{\"method\":\"LIST_SUBSCRIPTIONS\"}");
	CU_ASSERT_TRUE(has(ws_text(&ws), "],\"id\":null}"));
	CU_ASSERT_TRUE(has(ws.msg, lkey));
	ws_send(&ws, TL_SIM_WS_OP_TEXT, "{\"method\":\"SUBSCRIBE\",\"params\":[],\"id\":-1}");
	CU_ASSERT_TRUE(has(ws_text(&ws), "{\"code\":2,"));
	ws_send(&ws, TL_SIM_WS_OP_TEXT, "{\"method\":\"SUBSCRIBE\",\"params\":[],\"id\":\"a\\\"b\"}");
	CU_ASSERT_TRUE(has(ws_text(&ws), "{\"code\":2,"));
	/* the subscription made with the string id delivers */
	CU_ASSERT_EQUAL(simc_signed(&rest, "POST", "/fapi/v1/order",
				    "symbol=BTCUSDT&side=BUY&type=MARKET&quantity=0.010", false), 200);
	CU_ASSERT_TRUE(has(ws_text(&ws), "\"e\":\"ORDER_TRADE_UPDATE\""));
}

static void test_ping_pong_close_and_bad_paths(void)
{
	wsc_t *w = &ws;

	CU_ASSERT_EQUAL_FATAL(ws_open(w, "/ws/btcusdt@markPrice"), 0);
	CU_ASSERT_TRUE(has(ws_text(w), "\"e\":\"markPriceUpdate\",\"E\":"));
	ws_send(w, TL_SIM_WS_OP_PING, "hi");
	while (ws_next(w) >= 0 && w->op != TL_SIM_WS_OP_PONG)
		;
	CU_ASSERT_EQUAL(w->op, TL_SIM_WS_OP_PONG);
	CU_ASSERT_STRING_EQUAL(w->msg, "hi");
	ws_send(w, TL_SIM_WS_OP_CLOSE, "\x03\xe8");
	while (ws_next(w) >= 0 && w->op != TL_SIM_WS_OP_CLOSE)
		;
	CU_ASSERT_EQUAL(w->op, TL_SIM_WS_OP_CLOSE);
	CU_ASSERT_EQUAL(ws_next(w), -1); /* closed */
	close(w->fd);
	w->fd = -1;
	CU_ASSERT_NOT_EQUAL(ws_open(w, "/nope"), 0);
	close(w->fd);
	w->fd = -1;
}

static int64_t mono_ms(void)
{
	return tl_clock_mono_ns() / 1000000;
}

/* Count non-overlapping occurrences of needle in msg. */
static int count_of(const char *msg, const char *needle)
{
	int n = 0;

	for (const char *p = msg; (p = strstr(p, needle)) != NULL; p += strlen(needle))
		n++;
	return n;
}

/* Every symbol's markPriceUpdate, each once, in the array m (after the
 * `prefix`, which starts it). */
static bool arr_has_every_symbol(const char *m, const char *prefix, int nsym)
{
	char name[48];
	bool ok = strncmp(m, prefix, strlen(prefix)) == 0 &&
		  count_of(m, "{\"e\":\"markPriceUpdate\",") == nsym;

	for (int i = 0; i < nsym && ok; i++) {
		snprintf(name, sizeof name, "\"s\":\"S%04dUSDT\",", i);
		ok = count_of(m, name) == 1;
	}
	if (!ok)
		fprintf(stderr, "\n  not an array of %d marks: %.200s\n", nsym, m);
	return ok;
}

/* !markPrice@arr@1s: one array of every symbol's markPriceUpdate per
 * interval, by URL (combined and raw) and by SUBSCRIBE; a mark set at
 * the venue shows in the next one; !markPrice@arr (3 s) alike. */
static void test_mark_arr_every_symbol(void)
{
	enum { NSYM = 200 };   /* ~40 KB an array: ws_client holds 64 KiB */
	int64_t t0, t1;
	const char *m;

	cfg.mark_interval_ms = 200;
	restart_with_symbols(NSYM);

	/* combined, as talon's adapter asks for it */
	CU_ASSERT_EQUAL_FATAL(ws_open(&ws, "/market/stream?streams=!markPrice@arr@1s"), 0);
	m = ws_text(&ws);
	t0 = mono_ms();
	CU_ASSERT_TRUE(arr_has_every_symbol(m, "{\"stream\":\"!markPrice@arr@1s\",\"data\":[{", NSYM));
	CU_ASSERT_TRUE(m[strlen(m) - 2] == ']' && m[strlen(m) - 1] == '}');
	/* the next one a mark_interval_ms later */
	m = ws_text(&ws);
	t1 = mono_ms();
	CU_ASSERT_TRUE(arr_has_every_symbol(m, "{\"stream\":\"!markPrice@arr@1s\",\"data\":[{", NSYM));
	CU_ASSERT(t1 - t0 >= 100 && t1 - t0 <= 1000);
	/* a mark set at the venue, in the next array */
	CU_ASSERT_EQUAL(simc_raw(&rest, "POST", "/sim/mark", "symbol=S0150USDT&price=61234.5", "", NULL), 200);
	{
		bool seen = false;
		for (int k = 0; k < 5 && !seen; k++)
			seen = strstr(ws_text(&ws), "\"s\":\"S0150USDT\",\"p\":\"61234.50000000\"") != NULL;
		CU_ASSERT_TRUE(seen);
	}
	close(ws.fd);
	ws.fd = -1;

	/* raw, 3 s stream: at once on connect, then the subscription list */
	CU_ASSERT_EQUAL_FATAL(ws_open(&ws, "/market/ws/!markPrice@arr"), 0);
	CU_ASSERT_TRUE(arr_has_every_symbol(ws_text(&ws), "[{", NSYM));
	ws_send(&ws, TL_SIM_WS_OP_TEXT, "{\"method\":\"SUBSCRIBE\",\"params\":[\"!markPrice@arr@1s\"],\"id\":1}");
	ws_send(&ws, TL_SIM_WS_OP_TEXT, "{\"method\":\"LIST_SUBSCRIPTIONS\",\"id\":2}");
	{
		bool listed = false, acked = false;
		for (int k = 0; k < 8 && !listed; k++) {
			m = ws_text(&ws);
			acked |= strcmp(m, "{\"result\":null,\"id\":1}") == 0;
			listed |= strcmp(m, "{\"result\":[\"!markPrice@arr\",\"!markPrice@arr@1s\"],\"id\":2}") == 0;
		}
		CU_ASSERT_TRUE(acked);
		CU_ASSERT_TRUE(listed);
	}
	/* unsubscribed: no more arrays */
	ws_send(&ws, TL_SIM_WS_OP_TEXT, "{\"method\":\"UNSUBSCRIBE\",\"params\":[\"!markPrice@arr@1s\",\"!markPrice@arr\"],\"id\":3}");
	m = ws_text(&ws);
	while (*m && strcmp(m, "{\"result\":null,\"id\":3}") != 0)
		m = ws_text(&ws);
	CU_ASSERT_STRING_EQUAL(m, "{\"result\":null,\"id\":3}");
	CU_ASSERT_STRING_EQUAL(wsc_text(&ws, 700), "");
}

TL_TEST_SUITE("sim.stream", each_setup, each_teardown,
	      TL_TEST(test_accept_key_rfc_example),
	      TL_TEST(test_user_stream_fill_order),
	      TL_TEST(test_combined_subscribe_and_market_streams),
	      TL_TEST(test_market_streams_on_every_symbol),
	      TL_TEST(test_subscribe_string_and_bad_ids),
	      TL_TEST(test_ping_pong_close_and_bad_paths),
	      TL_TEST(test_mark_arr_every_symbol));
