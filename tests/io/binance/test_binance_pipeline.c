/*
 * test_binance_pipeline.c - HTTP/1.1 pipelining in the Binance adapter
 * (venue.binance.pipeline), the adapter alone against the simulated
 * exchange (in-process, plain loopback ports):
 *
 *   in order: one connection, pipeline 4, four NEWs written before any
 *     answer (three of them behind another in flight); each answer goes
 *     to its own request: three acks under their client ids, the venue's
 *     reject (-4164, notional under the minimum) under the third's; then
 *     their three cancels, pipelined too;
 *   pipeline 1: the same four go one at a time (none pipelined) and all
 *     are answered;
 *   a drop: the venue resets the connection after the first of four
 *     pipelined NEWs: each of the four ends once, RESET written (its
 *     bytes left: it may have executed, never "not sent"), though only
 *     the first is at the venue;
 *   a timeout: the first of four pipelined NEWs gets no answer in time:
 *     TIMEOUT written for it, RESET written for the three behind it;
 *   the in-flight FIFO: order across wrap-around, and which requests a
 *     drop's `unsent` count says never left (the rest are written);
 *   config: pipeline 0, 17 and non-integers refused naming the key;
 *     1 and 16 taken; defaults 4 connections x 16.
 */
#define _GNU_SOURCE
#define BSIM_CAP_FMT "/tmp/tl_test_bpipe.%d"
#include "tests/io/binance/test_binance_sim_common.h"

#include "io/binance/internal.h"

/* ---- what the adapter hands over ----------------------------------------- */

#define REC_MAX 256

static tl_input_t rec[REC_MAX];
static int nrec;

static void rec_emit(void *ctx, const tl_input_t *in)
{
	(void)ctx;
	if (nrec < REC_MAX)
		rec[nrec++] = *in;
}

static const char *rec_clid(const tl_input_t *in)
{
	if (in->hdr.type == TL_IN_ORDER_UPDATE)
		return in->u.update.client_id;
	if (in->hdr.type == TL_IN_REQ_ERROR)
		return in->u.error.client_id;
	return NULL;
}

/* Outcomes (ORDER_UPDATE or REQ_ERROR) for client id `clid` from `from`. */
static int rec_count(const char *clid, int from)
{
	int n = 0;

	for (int i = from; i < nrec; i++) {
		const char *c = rec_clid(&rec[i]);
		n += c && !strcmp(c, clid);
	}
	return n;
}

/* The first outcome for `clid` from index `from`, or NULL. */
static const tl_input_t *rec_find(const char *clid, int from)
{
	for (int i = from; i < nrec; i++) {
		const char *c = rec_clid(&rec[i]);
		if (c && !strcmp(c, clid))
			return &rec[i];
	}
	return NULL;
}

static int rec_type(int t, int from)
{
	int n = 0;

	for (int i = from; i < nrec; i++)
		n += rec[i].hdr.type == t;
	return n;
}

/* ---- the adapter alone ----------------------------------------------------- */

static tl_symbols_t syms;

/* The simulator (plain) and the adapter on it: `conns` connections,
 * `pipeline` requests in flight on each, response timeout `timeout_ms`;
 * returned once the clock is set and the first marks are in. */
static tl_venue_t *adapter_start(uint32_t conns, uint32_t pipeline, int timeout_ms)
{
	tl_config_t c;
	char err[256];

	server_start_cfg(NULL);
	cfg_binance_venue(&c, 0, false, "");
	snprintf(c.exchange_info, sizeof c.exchange_info, "config/exchange_info.json");
	tl_binance_cfg(&c)->connections = conns;
	tl_binance_cfg(&c)->pipeline = pipeline;
	tl_binance_cfg(&c)->timeout_ns = (int64_t)timeout_ms * 1000000;
	CU_ASSERT_EQUAL_FATAL(tl_config_symbols(&c, &syms, err, sizeof err), 0);
	nrec = 0;
	tl_venue_t *v = tl_binance_create(&c, &syms, rec_emit, NULL, err, sizeof err);
	if (!v)
		fprintf(stderr, "tl_binance_create: %s\n", err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(v);
	int64_t end = mono() + 5 * E2E_S;
	while (mono() < end && rec_type(TL_IN_MARK, 0) == 0) {
		v->ops->poll(v, real_ns());
		nap();
	}
	CU_ASSERT_TRUE_FATAL(tl_binance_ready(v));
	CU_ASSERT_FATAL(rec_type(TL_IN_MARK, 0) > 0);
	/* No more premiumIndex polls (one a second without a mark stream):
	 * what is in flight is then exactly what a test wrote. */
	tl_binance_of(v)->next_marks = INT64_MAX;
	return v;
}

static void adapter_stop(tl_venue_t *v)
{
	v->ops->destroy(v);
	tl_symbols_free(&syms);
	server_stop();
}

/* Poll until every id of `ids` has an outcome from index `from` (5 s). */
static bool run_until_outcomes(tl_venue_t *v, const char *const *ids, int n, int from)
{
	int64_t end = mono() + 5 * E2E_S;

	for (;;) {
		int have = 0;
		for (int i = 0; i < n; i++)
			have += rec_count(ids[i], from) > 0;
		if (have == n)
			return true;
		if (mono() >= end)
			return false;
		v->ops->poll(v, real_ns());
		nap();
	}
}

/* Let a few more polls pass: anything doubled would show up. */
static void run_ms(tl_venue_t *v, int ms)
{
	int64_t end = mono() + (int64_t)ms * 1000000;

	while (mono() < end) {
		v->ops->poll(v, real_ns());
		nap();
	}
}

static tl_out_req_t limit_req(const char *clid, int64_t price)
{
	tl_out_req_t r;

	memset(&r, 0, sizeof r);
	snprintf(r.client_id, sizeof r.client_id, "%s", clid);
	snprintf(r.symbol, sizeof r.symbol, "BTCUSDT");
	r.side = TL_BUY;
	r.type = TL_ORD_LIMIT;
	r.tif = TL_TIF_GTC;
	r.attempt = 1;
	r.qty = TL_FX_ONE / 100;
	r.price = price * TL_FX_ONE;
	return r;
}

static const char *const ids4[4] = { "tlp1", "tlp2", "tlp3", "tlp4" };

/* Four LIMIT buys in a row (no poll between): tlp3 at 1000 (10 USDT of
 * notional, under the venue's 100: -4164); the others rest. */
static void submit4(tl_venue_t *v)
{
	static const int64_t px[4] = { 58000, 58001, 1000, 58002 };

	for (int i = 0; i < 4; i++) {
		tl_out_req_t r = limit_req(ids4[i], px[i]);
		CU_ASSERT_EQUAL(v->ops->submit(v, &r, real_ns()), 0);
	}
}

/* How many times `clid` appears in the venue's allOrders of BTCUSDT. */
static int venue_has(const char *clid)
{
	static char body[1 << 16];
	char needle[64];

	if (sim_call("GET", "/fapi/v1/allOrders", "symbol=BTCUSDT", true, body,
		     sizeof body) != 200)
		return -1;
	snprintf(needle, sizeof needle, "\"clientOrderId\":\"%s\"", clid);
	return count_str(body, needle);
}

/* Each answer matched to its own request: acks for tlp1, tlp2, tlp4
 * under their ids with venue ids, the reject under tlp3's. */
static void check_answers_matched(int from)
{
	for (int i = 0; i < 4; i++) {
		const tl_input_t *in = rec_find(ids4[i], from);

		CU_ASSERT_EQUAL(rec_count(ids4[i], from), 1);
		CU_ASSERT_PTR_NOT_NULL_FATAL(in);
		if (i == 2) {
			CU_ASSERT_EQUAL(in->hdr.type, TL_IN_REQ_ERROR);
			CU_ASSERT_EQUAL(in->u.error.outcome.transport, TL_TR_NONE);
			if (in->u.error.outcome.code != -4164)
				printf("  tlp3: code %d \"%s\"\n", in->u.error.outcome.code,
				       in->u.error.text);
			CU_ASSERT_EQUAL(in->u.error.outcome.code, -4164);
			CU_ASSERT_EQUAL(in->u.error.req, TL_REQ_NEW);
			continue;
		}
		CU_ASSERT_EQUAL(in->hdr.type, TL_IN_ORDER_UPDATE);
		CU_ASSERT_EQUAL(in->u.update.status, TL_ST_NEW);
		CU_ASSERT(in->u.update.venue_id > 0);
	}
}

/* Pipeline 4 on one connection: four written at once, each answer goes
 * to its own request, in order; then three cancels the same way. */
static void test_pipelined_answers_matched_in_order(void)
{
	tl_venue_t *v = adapter_start(1, 4, 2000);
	tl_binance_stats_t st0, st1;

	tl_binance_stats(v, &st0);
	int from = nrec;
	submit4(v);
	tl_binance_stats(v, &st1);
	/* written before any answer: three behind another in flight */
	CU_ASSERT_EQUAL(st1.pipelined - st0.pipelined, 3);
	CU_ASSERT_EQUAL(st1.sent - st0.sent, 4);
	CU_ASSERT_TRUE(run_until_outcomes(v, ids4, 4, from));
	run_ms(v, 100);
	check_answers_matched(from);
	CU_ASSERT_EQUAL(rec_type(TL_IN_REQ_ERROR, from), 1);
	CU_ASSERT_EQUAL(venue_has("tlp1"), 1);
	CU_ASSERT_EQUAL(venue_has("tlp2"), 1);
	CU_ASSERT_EQUAL(venue_has("tlp3"), 0);
	CU_ASSERT_EQUAL(venue_has("tlp4"), 1);

	/* their cancels: pipelined as well, each CANCELED under its id */
	static const char *const live[3] = { "tlp1", "tlp2", "tlp4" };
	from = nrec;
	tl_binance_stats(v, &st0);
	for (int i = 0; i < 3; i++) {
		tl_out_req_t r = limit_req(live[i], 58000);
		CU_ASSERT_EQUAL(v->ops->cancel(v, &r, real_ns()), 0);
	}
	tl_binance_stats(v, &st1);
	CU_ASSERT(st1.pipelined - st0.pipelined >= 2);
	CU_ASSERT_TRUE(run_until_outcomes(v, live, 3, from));
	run_ms(v, 100);
	for (int i = 0; i < 3; i++) {
		const tl_input_t *in = rec_find(live[i], from);
		CU_ASSERT_EQUAL(rec_count(live[i], from), 1);
		CU_ASSERT_PTR_NOT_NULL_FATAL(in);
		CU_ASSERT_EQUAL(in->hdr.type, TL_IN_ORDER_UPDATE);
		CU_ASSERT_EQUAL(in->u.update.status, TL_ST_CANCELED);
	}
	CU_ASSERT_EQUAL(open_orders("BTCUSDT"), 0);
	CU_ASSERT_TRUE(tl_binance_idle(v));
	adapter_stop(v);
}

/* Pipeline 1 is the old behaviour: one request at a time per connection;
 * the same four are answered, none was written behind another. */
static void test_pipeline_1_one_at_a_time(void)
{
	tl_venue_t *v = adapter_start(1, 1, 2000);
	tl_binance_stats_t st0, st1;

	tl_binance_stats(v, &st0);
	int from = nrec;
	submit4(v);
	CU_ASSERT_TRUE(run_until_outcomes(v, ids4, 4, from));
	run_ms(v, 100);
	check_answers_matched(from);
	tl_binance_stats(v, &st1);
	CU_ASSERT_EQUAL(st1.pipelined, 0);
	CU_ASSERT(st1.sent - st0.sent >= 4);
	adapter_stop(v);
}

/* Each of the four ended once as written: RESET, written, a write. */
static void check_all_written(int from, tl_transport_t first, const char *first_text,
			      const char *rest_text)
{
	for (int i = 0; i < 4; i++) {
		const tl_input_t *in = rec_find(ids4[i], from);

		CU_ASSERT_EQUAL(rec_count(ids4[i], from), 1);
		CU_ASSERT_PTR_NOT_NULL_FATAL(in);
		CU_ASSERT_EQUAL_FATAL(in->hdr.type, TL_IN_REQ_ERROR);
		CU_ASSERT_EQUAL(in->u.error.req, TL_REQ_NEW);
		CU_ASSERT_EQUAL(in->u.error.outcome.transport, i == 0 ? first : TL_TR_RESET);
		CU_ASSERT_TRUE(in->u.error.outcome.written);
		CU_ASSERT_TRUE(in->u.error.outcome.is_write);
		const char *want = i == 0 ? first_text : rest_text;
		if (!strstr(in->u.error.text, want))
			printf("  %s: \"%s\", wanted \"%s\"\n", ids4[i], in->u.error.text, want);
		CU_ASSERT_PTR_NOT_NULL(strstr(in->u.error.text, want));
	}
}

/* The venue handles the first of four pipelined NEWs, then resets the
 * connection: every one of the four gets its outcome, RESET written,
 * none is reported unsent (their bytes left), none is lost. */
static void test_drop_reports_every_request_in_flight(void)
{
	tl_venue_t *v = adapter_start(1, 4, 2000);

	CU_ASSERT_EQUAL_FATAL(sim_call("POST", "/sim/faults", "reset_ppm=1000000", false,
				       NULL, 0), 200);
	int from = nrec;
	submit4(v);
	CU_ASSERT_TRUE(run_until_outcomes(v, ids4, 4, from));
	run_ms(v, 200);
	CU_ASSERT_EQUAL(sim_call("POST", "/sim/faults", "reset_ppm=0", false, NULL, 0), 200);
	check_all_written(from, TL_TR_RESET, "lost after send", "lost after send");
	/* written is "may have executed", not "executed": the venue read
	 * the first and dropped the rest unread */
	CU_ASSERT_EQUAL(venue_has("tlp1"), 1);
	CU_ASSERT_EQUAL(venue_has("tlp2"), 0);
	CU_ASSERT_EQUAL(venue_has("tlp4"), 0);
	tl_binance_stats_t st;
	tl_binance_stats(v, &st);
	CU_ASSERT(st.transport_errors >= 4);
	CU_ASSERT_TRUE(tl_binance_idle(v));
	adapter_stop(v);
}

/* The first of four pipelined NEWs gets no answer within the timeout:
 * TIMEOUT written for it, the connection closed, RESET written for each
 * of the three behind it. */
static void test_timeout_ends_the_requests_behind_it(void)
{
	tl_venue_t *v = adapter_start(1, 4, 300);

	int frc = -1;
	for (int i = 0; i < 5 && frc != 200; i++)
		frc = sim_call_once("POST", "/sim/faults", "latency_ms=1000", false, NULL, 0);
	CU_ASSERT_EQUAL_FATAL(frc, 200);
	int from = nrec;
	submit4(v);
	CU_ASSERT_TRUE(run_until_outcomes(v, ids4, 4, from));
	run_ms(v, 200);
	check_all_written(from, TL_TR_TIMEOUT, "no response in 300 ms",
			  "lost after send: an earlier response timed out");
	frc = -1;
	for (int i = 0; i < 5 && frc != 200; i++)
		frc = sim_call_once("POST", "/sim/faults", "latency_ms=0", false, NULL, 0);
	CU_ASSERT_EQUAL(frc, 200);
	adapter_stop(v);
}

/* ---- the in-flight FIFO ---------------------------------------------------- */

static tl_binance_conn_t fc;	/* large: not on the stack */

static void fifo_push(uint32_t len, uint32_t tag)
{
	tl_binance_flight_t *f = tl_binance_conn_push(&fc);
	memset(f, 0, sizeof *f);
	f->len = len;
	f->r.lev = tag;
}

/* Order is kept across the array's end; a drop's `unsent` tail marks
 * only the requests wholly inside it as never sent. */
static void test_inflight_fifo_and_never_left(void)
{
	memset(&fc, 0, sizeof fc);
	for (uint32_t i = 0; i < TL_BINANCE_PIPELINE_MAX; i++)
		fifo_push(10, i);
	for (uint32_t i = 0; i < 10; i++) {
		CU_ASSERT_EQUAL(tl_binance_conn_head(&fc)->r.lev, i);
		tl_binance_conn_pop(&fc);
	}
	for (uint32_t i = 0; i < 10; i++)
		fifo_push(10, 100 + i);
	CU_ASSERT_EQUAL(fc.n, TL_BINANCE_PIPELINE_MAX);
	for (uint32_t i = 0; i < TL_BINANCE_PIPELINE_MAX; i++)
		CU_ASSERT_EQUAL(tl_binance_conn_at(&fc, i)->r.lev, i < 6 ? 10 + i : 100 + i - 6);
	while (fc.n)
		tl_binance_conn_pop(&fc);

	/* 100, 200, 300 bytes in flight, oldest first */
	fifo_push(100, 1);
	fifo_push(200, 2);
	fifo_push(300, 3);
	CU_ASSERT_EQUAL(tl_binance_conn_never_left(&fc, 0), 0);
	CU_ASSERT_EQUAL(tl_binance_conn_never_left(&fc, 299), 0);	/* 1 byte of #3 out */
	CU_ASSERT_EQUAL(tl_binance_conn_never_left(&fc, 300), 1);
	CU_ASSERT_EQUAL(tl_binance_conn_never_left(&fc, 499), 1);
	CU_ASSERT_EQUAL(tl_binance_conn_never_left(&fc, 500), 2);
	CU_ASSERT_EQUAL(tl_binance_conn_never_left(&fc, 599), 2);
	CU_ASSERT_EQUAL(tl_binance_conn_never_left(&fc, 600), 3);
	/* more than is in flight (an answered request's tail): all unsent */
	CU_ASSERT_EQUAL(tl_binance_conn_never_left(&fc, 100000), 3);
}

/* ---- config ---------------------------------------------------------------- */

static void expect_bad(const char *val, const char *want)
{
	char json[160], err[512] = "";
	tl_config_t c;

	snprintf(json, sizeof json, "{\"venue\":{\"binance\":{\"pipeline\":%s}}}", val);
	CU_ASSERT_EQUAL(tl_config_parse(&c, json, strlen(json), NULL, err, sizeof err), -1);
	if (!strstr(err, want))
		printf("  pipeline %s: \"%s\", wanted \"%s\"\n", val, err, want);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, want));
}

/* A document selecting Binance with pipeline `p`. */
static int parse_pipeline(tl_config_t *c, int p, char *err, size_t errlen)
{
	char json[256];

	snprintf(json, sizeof json,
		 "{\"venue\":{\"type\":\"binance\",\"binance\":{\"api_key\":\"K\","
		 "\"api_secret\":\"S\",\"pipeline\":%d,\"connections\":3}}}", p);
	return tl_config_parse(c, json, strlen(json), NULL, err, errlen);
}

static void test_config_pipeline(void)
{
	char err[512] = "";
	tl_config_t c;

	expect_bad("0", "venue.binance.pipeline: expected an integer in 1..16");
	expect_bad("17", "venue.binance.pipeline: expected an integer in 1..16");
	expect_bad("4.5", "venue.binance.pipeline");
	expect_bad("\"4\"", "venue.binance.pipeline");
	expect_bad("true", "venue.binance.pipeline");
	expect_bad("-1", "venue.binance.pipeline");
	CU_ASSERT_EQUAL_FATAL(parse_pipeline(&c, 1, err, sizeof err), 0);
	CU_ASSERT_EQUAL(tl_binance_cfg(&c)->pipeline, 1);
	CU_ASSERT_EQUAL(tl_binance_cfg(&c)->connections, 3);
	CU_ASSERT_EQUAL_FATAL(parse_pipeline(&c, 16, err, sizeof err), 0);
	CU_ASSERT_EQUAL(tl_binance_cfg(&c)->pipeline, 16);
	/* the defaults: 4 connections, 16 in flight on each */
	tl_config_defaults(&c);
	tl_binance_cfg_t *b = tl_binance_cfg_select(&c);
	CU_ASSERT_EQUAL(b->connections, 4);
	CU_ASSERT_EQUAL(b->pipeline, 16);
}

TL_TEST_SUITE("io.binance_pipeline", NULL, NULL,
	      TL_TEST(test_config_pipeline),
	      TL_TEST(test_inflight_fifo_and_never_left),
	      TL_TEST(test_pipelined_answers_matched_in_order),
	      TL_TEST(test_pipeline_1_one_at_a_time),
	      TL_TEST(test_drop_reports_every_request_in_flight),
	      TL_TEST(test_timeout_ends_the_requests_behind_it));
