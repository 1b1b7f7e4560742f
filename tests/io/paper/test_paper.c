/*
 * test_paper.c - io/paper/paper.c: the paper venue's answers, matching, fills,
 * positions, faults, marks (walk and CSV), determinism and no allocation
 * after create.
 *
 * Every test builds a fresh venue on two symbols (BTCUSDT tick 0.1 step
 * 0.001, ETHUSDT tick 0.01 step 0.001) with a capturing emit callback; the
 * capture buffer is static so emitting never allocates.
 */
#include "tests/support/tl_test.h"
#include "tests/support/alloc_hook.h"
#include "tests/support/kfix.h"

#include "io/paper/paper.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MS   TL_NS_PER_MS
#define T0   (1700000000LL * TL_NS_PER_S)
#define CAP  16384

/* ---- fixture ------------------------------------------------------------ */

typedef struct cap {
	tl_input_t in[CAP];
	uint32_t n;          /* captured since the last clear (wraps at CAP) */
	uint64_t total;
} cap_t;

static cap_t C1, C2;
static tl_symbols_t SYMS;
static tl_venue_t *V;
static tl_time_t NOW;

static void capture(void *ctx, const tl_input_t *in)
{
	cap_t *c = ctx;
	c->in[c->n % CAP] = *in;
	c->n++;
	c->total++;
}

static void clear(void)
{
	C1.n = 0;
}

static void add_sym(const char *name, const char *tick, const char *step)
{
	tl_symbol_t s;
	memset(&s, 0, sizeof(s));
	snprintf(s.name, sizeof(s.name), "%s", name);
	s.tick_size = fx(tick);
	s.min_price = fx(tick);
	s.max_price = fx("1000000");
	s.step_size = fx(step);
	s.min_qty = fx(step);
	s.max_qty = fx("1000");
	if (tl_symbols_add(&SYMS, &s) < 0)
		abort();
}

static void cfg_defaults(tl_paper_cfg_t *c)
{
	memset(c, 0, sizeof(*c));
	c->seed = 42;
	c->balance = fx("10000");
	c->maker_rate = fx("0.0002");
	c->taker_rate = fx("0.0004");
	c->reject_code = -2019;
	c->n_start = 2;
	snprintf(c->start[0].symbol, sizeof(c->start[0].symbol), "BTCUSDT");
	c->start[0].price = fx("50000");
	snprintf(c->start[1].symbol, sizeof(c->start[1].symbol), "ETHUSDT");
	c->start[1].price = fx("3000");
}

static tl_venue_t *make(const tl_paper_cfg_t *c, bool hedge, cap_t *cp)
{
	char err[256] = "";
	tl_venue_t *v = tl_paper_create(c, &SYMS, hedge, capture, cp, err, sizeof(err));
	if (!v)
		fprintf(stderr, "create: %s\n", err);
	return v;
}

static void setup(void)
{
	char err[128];
	memset(&SYMS, 0, sizeof(SYMS));
	if (tl_symbols_init(&SYMS, 8, err, sizeof(err)) < 0)
		abort();
	add_sym("BTCUSDT", "0.1", "0.001");
	add_sym("ETHUSDT", "0.01", "0.001");
	add_sym("TINYUSDT", "0.1", "1");
	memset(&C1, 0, sizeof(C1));
	memset(&C2, 0, sizeof(C2));
	NOW = T0;
	tl_paper_cfg_t c;
	cfg_defaults(&c);
	V = make(&c, false, &C1);
	V->ops->poll(V, NOW);      /* first poll: starting marks */
	clear();
}

static void teardown(void)
{
	if (V)
		V->ops->destroy(V);
	V = NULL;
	tl_symbols_free(&SYMS);
}

static void reset_venue(const tl_paper_cfg_t *c, bool hedge)
{
	V->ops->destroy(V);
	V = make(c, hedge, &C1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(V);
	V->ops->poll(V, NOW);
	clear();
}

static tl_out_req_t req(const char *clid, const char *sym, tl_side_t side,
			tl_ord_type_t type, tl_tif_t tif, const char *qty,
			const char *price, const char *stop)
{
	tl_out_req_t r;
	memset(&r, 0, sizeof(r));
	snprintf(r.client_id, sizeof(r.client_id), "%s", clid);
	snprintf(r.symbol, sizeof(r.symbol), "%s", sym);
	r.side = side;
	r.type = type;
	r.tif = tif;
	r.qty = qty ? fx(qty) : 0;
	r.price = price ? fx(price) : 0;
	r.stop_price = stop ? fx(stop) : 0;
	r.algo = stop != NULL;
	r.attempt = 1;
	return r;
}

/* Submit, then poll once 1 ms later. */
static int submit(tl_out_req_t r)
{
	int rc = V->ops->submit(V, &r, NOW);
	NOW += MS;
	V->ops->poll(V, NOW);
	return rc;
}

static void cancel(const char *clid, const char *sym)
{
	tl_out_req_t r = req(clid, sym, TL_BUY, TL_ORD_LIMIT, 0, NULL, NULL, NULL);
	CU_ASSERT_EQUAL(V->ops->cancel(V, &r, NOW), 0);
	NOW += MS;
	V->ops->poll(V, NOW);
}

static void query(const char *clid, const char *sym)
{
	tl_out_req_t r = req(clid, sym, TL_BUY, TL_ORD_LIMIT, 0, NULL, NULL, NULL);
	CU_ASSERT_EQUAL(V->ops->query(V, &r, NOW), 0);
	NOW += MS;
	V->ops->poll(V, NOW);
}

static void mark(const char *sym, const char *px)
{
	NOW += MS;
	tl_paper_set_mark(V, sym, fx(px), NOW);
}

/* The i-th captured input of `type` (0 = first), or NULL. */
static const tl_input_t *nth(tl_in_type_t type, int i)
{
	for (uint32_t k = 0; k < C1.n && k < CAP; k++)
		if (C1.in[k].hdr.type == type && i-- == 0)
			return &C1.in[k];
	return NULL;
}

static uint32_t count(tl_in_type_t type)
{
	uint32_t n = 0;
	for (uint32_t k = 0; k < C1.n && k < CAP; k++)
		n += C1.in[k].hdr.type == type;
	return n;
}

static void expect_error(const char *clid, uint8_t kind, int32_t code)
{
	const tl_input_t *e = nth(TL_IN_REQ_ERROR, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	CU_ASSERT_STRING_EQUAL(e->u.error.client_id, clid);
	CU_ASSERT_EQUAL(e->u.error.req, kind);
	CU_ASSERT_EQUAL(e->u.error.outcome.transport, TL_TR_NONE);
	CU_ASSERT_EQUAL(e->u.error.outcome.http_status, 400);
	CU_ASSERT_EQUAL(e->u.error.outcome.code, code);
	CU_ASSERT_EQUAL(count(TL_IN_ORDER_UPDATE), 0);
	CU_ASSERT_EQUAL(count(TL_IN_FILL), 0);
}

static void expect_pos(const char *sym, tl_pos_side_t ps, const char *qty,
		       const char *entry)
{
	tl_fx_t q = -1, e = -1;
	CU_ASSERT_EQUAL_FATAL(tl_paper_position(V, sym, ps, &q, &e), 0);
	CU_ASSERT_EQUAL(q, fx(qty));
	CU_ASSERT_EQUAL(e, fx(entry));
}

/* ---- market orders ------------------------------------------------------- */

static void test_market_buy_fills_at_mark_plus_slippage(void)
{
	tl_paper_cfg_t c;
	cfg_defaults(&c);
	c.slippage_bps = 10;
	c.taker_rate = fx("0.000333");
	c.start[0].price = fx("50000.3");
	reset_venue(&c, false);

	tl_out_req_t r = req("m1", "BTCUSDT", TL_BUY, TL_ORD_MARKET, 0, "0.003", NULL, NULL);
	CU_ASSERT_EQUAL(V->ops->submit(V, &r, NOW), 0);
	CU_ASSERT_EQUAL(C1.n, 0);                 /* never answered inside submit */
	NOW += MS;
	CU_ASSERT_EQUAL(V->ops->poll(V, NOW), 2);

	const tl_input_t *u = nth(TL_IN_ORDER_UPDATE, 0);
	const tl_input_t *f = nth(TL_IN_FILL, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(u);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_TRUE(u < f);                    /* ack before fill */
	CU_ASSERT_EQUAL(u->u.update.status, TL_ST_NEW);
	CU_ASSERT_STRING_EQUAL(u->u.update.client_id, "m1");
	CU_ASSERT_TRUE(u->u.update.venue_id > 0);
	CU_ASSERT_EQUAL(u->hdr.time, NOW);
	CU_ASSERT_EQUAL(u->hdr.seq, 0);
	/* 50000.3 * 1.001 = 50050.3003 -> up to the tick: 50050.4 */
	CU_ASSERT_EQUAL(f->u.fill.price, fx("50050.4"));
	CU_ASSERT_EQUAL(f->u.fill.qty, fx("0.003"));
	CU_ASSERT_EQUAL(f->u.fill.maker, 0);
	CU_ASSERT_EQUAL(f->u.fill.venue_id, u->u.update.venue_id);
	CU_ASSERT_EQUAL(f->u.fill.trade_id, 1);
	/* 150.1512 * 0.000333 = 0.0500003496 -> up to 1e-8 */
	CU_ASSERT_EQUAL(f->u.fill.commission, fx("0.05000035"));
	expect_pos("BTCUSDT", TL_PS_BOTH, "0.003", "50050.4");
	CU_ASSERT_EQUAL(tl_paper_orders_seen(V), 1);

	/* SELL: 50000.3 * 0.999 = 49950.2997 -> down to the tick */
	clear();
	submit(req("m2", "BTCUSDT", TL_SELL, TL_ORD_MARKET, 0, "0.003", NULL, NULL));
	f = nth(TL_IN_FILL, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_EQUAL(f->u.fill.price, fx("49950.2"));
	CU_ASSERT_EQUAL(f->u.fill.trade_id, 2);   /* per symbol, increasing */
	expect_pos("BTCUSDT", TL_PS_BOTH, "0", "0");
}

static void test_latency_delays_the_answer(void)
{
	tl_paper_set_latency(V, 5 * MS);
	tl_out_req_t r = req("l1", "BTCUSDT", TL_BUY, TL_ORD_MARKET, 0, "0.001", NULL, NULL);
	tl_time_t t = NOW;
	CU_ASSERT_EQUAL(V->ops->submit(V, &r, t), 0);
	CU_ASSERT_EQUAL(V->ops->poll(V, t), 0);
	CU_ASSERT_EQUAL(V->ops->poll(V, t + 5 * MS - 1), 0);
	CU_ASSERT_EQUAL(V->ops->poll(V, t + 5 * MS), 2);
	CU_ASSERT_EQUAL(nth(TL_IN_FILL, 0)->hdr.time, t + 5 * MS);
}

static void test_market_without_mark_unable_to_fill(void)
{
	submit(req("nm", "TINYUSDT", TL_BUY, TL_ORD_MARKET, 0, "1", NULL, NULL));
	expect_error("nm", TL_REQ_NEW, -2020);
}

static void test_validation_codes(void)
{
	submit(req("b1", "NOPEUSDT", TL_BUY, TL_ORD_MARKET, 0, "0.001", NULL, NULL));
	expect_error("b1", TL_REQ_NEW, -1121);
	clear();
	submit(req("b2", "BTCUSDT", TL_BUY, TL_ORD_LIMIT, 0, "0.001", "50000.05", NULL));
	expect_error("b2", TL_REQ_NEW, -4014);
	clear();
	submit(req("b3", "BTCUSDT", TL_BUY, TL_ORD_MARKET, 0, "0.0015", NULL, NULL));
	expect_error("b3", TL_REQ_NEW, -4023);
	clear();
	submit(req("b4", "BTCUSDT", TL_BUY, TL_ORD_MARKET, 0, "0", NULL, NULL));
	expect_error("b4", TL_REQ_NEW, -4003);
	clear();
	tl_out_req_t r = req("b5", "BTCUSDT", TL_BUY, TL_ORD_MARKET, 0, "-1", NULL, NULL);
	submit(r);
	expect_error("b5", TL_REQ_NEW, -4003);
	clear();
	r = req("b6", "BTCUSDT", TL_BUY, TL_ORD_MARKET, 0, "0.001", NULL, NULL);
	r.pos_side = TL_PS_LONG;                 /* one-way venue */
	submit(r);
	expect_error("b6", TL_REQ_NEW, -4061);
	clear();
	submit(req("b7", "BTCUSDT", TL_BUY, TL_ORD_STOP_MARKET, 0, "0.001", NULL, "50000.01"));
	expect_error("b7", TL_REQ_NEW, -4014);
	CU_ASSERT_EQUAL(tl_paper_orders_seen(V), 0);
}

/* ---- limit orders ---------------------------------------------------------- */

static void test_limit_rests_then_fills_as_maker(void)
{
	submit(req("L1", "BTCUSDT", TL_BUY, TL_ORD_LIMIT, TL_TIF_GTC, "0.01", "49900", NULL));
	CU_ASSERT_EQUAL(C1.n, 1);
	CU_ASSERT_EQUAL(nth(TL_IN_ORDER_UPDATE, 0)->u.update.status, TL_ST_NEW);
	clear();
	mark("BTCUSDT", "49950");
	CU_ASSERT_EQUAL(C1.n, 1);                 /* the MARK only */
	CU_ASSERT_EQUAL(nth(TL_IN_MARK, 0)->u.mark.price, fx("49950"));
	CU_ASSERT_STRING_EQUAL(nth(TL_IN_MARK, 0)->u.mark.symbol, "BTCUSDT");
	clear();
	mark("BTCUSDT", "49899.9");               /* crosses */
	const tl_input_t *f = nth(TL_IN_FILL, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_EQUAL(f->u.fill.price, fx("49900"));   /* at its price */
	CU_ASSERT_EQUAL(f->u.fill.maker, 1);
	CU_ASSERT_EQUAL(f->u.fill.qty, fx("0.01"));
	CU_ASSERT_EQUAL(f->u.fill.commission, fx("0.0998"));   /* 499 * 0.0002 */
	CU_ASSERT_EQUAL(f->hdr.time, NOW);
	expect_pos("BTCUSDT", TL_PS_BOTH, "0.01", "49900");

	clear();
	query("L1", "BTCUSDT");
	const tl_input_t *q = nth(TL_IN_QUERY_RESULT, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(q);
	CU_ASSERT_EQUAL(q->u.query.found, 1);
	CU_ASSERT_EQUAL(q->u.query.status, TL_ST_FILLED);
	CU_ASSERT_EQUAL(q->u.query.executed_qty, fx("0.01"));
	CU_ASSERT_EQUAL(q->u.query.avg_price, fx("49900"));
	CU_ASSERT_EQUAL(q->u.query.venue_id, f->u.fill.venue_id);
}

static void test_limit_sell_rests_until_mark_reaches_it(void)
{
	submit(req("S1", "ETHUSDT", TL_SELL, TL_ORD_LIMIT, 0, "0.5", "3010", NULL));
	clear();
	mark("ETHUSDT", "3009.99");
	CU_ASSERT_EQUAL(count(TL_IN_FILL), 0);
	mark("ETHUSDT", "3010");
	CU_ASSERT_EQUAL(count(TL_IN_FILL), 1);
	expect_pos("ETHUSDT", TL_PS_BOTH, "-0.5", "3010");
}

static void test_marketable_limit_fills_as_taker_at_mark(void)
{
	submit(req("T1", "BTCUSDT", TL_SELL, TL_ORD_LIMIT, TL_TIF_GTC, "0.002", "49000", NULL));
	const tl_input_t *f = nth(TL_IN_FILL, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_EQUAL(f->u.fill.price, fx("50000"));
	CU_ASSERT_EQUAL(f->u.fill.maker, 0);
	CU_ASSERT_EQUAL(f->u.fill.commission, fx("0.04"));     /* 100 * 0.0004 */
	clear();
	submit(req("T2", "BTCUSDT", TL_BUY, TL_ORD_LIMIT, TL_TIF_IOC, "0.002", "50000", NULL));
	CU_ASSERT_EQUAL(count(TL_IN_FILL), 1);
	clear();
	submit(req("T3", "BTCUSDT", TL_BUY, TL_ORD_LIMIT, TL_TIF_FOK, "0.002", "50100", NULL));
	CU_ASSERT_EQUAL(count(TL_IN_FILL), 1);
	CU_ASSERT_EQUAL(nth(TL_IN_FILL, 0)->u.fill.price, fx("50000"));
}

static void test_ioc_not_fillable_expires(void)
{
	submit(req("I1", "BTCUSDT", TL_BUY, TL_ORD_LIMIT, TL_TIF_IOC, "0.01", "49000", NULL));
	CU_ASSERT_EQUAL(C1.n, 2);
	CU_ASSERT_EQUAL(nth(TL_IN_ORDER_UPDATE, 0)->u.update.status, TL_ST_NEW);
	CU_ASSERT_EQUAL(nth(TL_IN_ORDER_UPDATE, 1)->u.update.status, TL_ST_EXPIRED);
	clear();
	mark("BTCUSDT", "48000");
	CU_ASSERT_EQUAL(count(TL_IN_FILL), 0);
	clear();
	query("I1", "BTCUSDT");
	CU_ASSERT_EQUAL(nth(TL_IN_QUERY_RESULT, 0)->u.query.status, TL_ST_EXPIRED);
}

static void test_fok_not_fillable_rejected_5021(void)
{
	submit(req("F1", "BTCUSDT", TL_BUY, TL_ORD_LIMIT, TL_TIF_FOK, "0.01", "49000", NULL));
	expect_error("F1", TL_REQ_NEW, -5021);
	clear();
	query("F1", "BTCUSDT");                   /* never recorded */
	expect_error("F1", TL_REQ_QUERY, -2013);
}

static void test_gtx_that_would_take_rejected_5022(void)
{
	submit(req("G1", "BTCUSDT", TL_BUY, TL_ORD_LIMIT, TL_TIF_GTX, "0.01", "50000", NULL));
	expect_error("G1", TL_REQ_NEW, -5022);
	clear();
	submit(req("G2", "BTCUSDT", TL_BUY, TL_ORD_LIMIT, TL_TIF_GTX, "0.01", "49999.9", NULL));
	CU_ASSERT_EQUAL(C1.n, 1);
	CU_ASSERT_EQUAL(nth(TL_IN_ORDER_UPDATE, 0)->u.update.status, TL_ST_NEW);
	clear();
	mark("BTCUSDT", "49999.9");
	CU_ASSERT_EQUAL(nth(TL_IN_FILL, 0)->u.fill.maker, 1);
}

/* ---- reduce-only ------------------------------------------------------------ */

static void test_reduce_only_rejected_2022(void)
{
	tl_out_req_t r = req("R1", "BTCUSDT", TL_SELL, TL_ORD_MARKET, 0, "0.01", NULL, NULL);
	r.reduce_only = 1;
	submit(r);                                /* flat: nothing to reduce */
	expect_error("R1", TL_REQ_NEW, -2022);

	submit(req("R2", "BTCUSDT", TL_BUY, TL_ORD_MARKET, 0, "0.01", NULL, NULL));
	clear();
	r = req("R3", "BTCUSDT", TL_BUY, TL_ORD_MARKET, 0, "0.01", NULL, NULL);
	r.reduce_only = 1;
	submit(r);                                /* same side: would grow */
	expect_error("R3", TL_REQ_NEW, -2022);
	clear();
	r = req("R4", "BTCUSDT", TL_SELL, TL_ORD_MARKET, 0, "0.02", NULL, NULL);
	r.reduce_only = 1;
	submit(r);                                /* would flip */
	expect_error("R4", TL_REQ_NEW, -2022);
	clear();
	r = req("R5", "BTCUSDT", TL_SELL, TL_ORD_MARKET, 0, "0.01", NULL, NULL);
	r.reduce_only = 1;
	submit(r);
	CU_ASSERT_EQUAL(count(TL_IN_FILL), 1);
	expect_pos("BTCUSDT", TL_PS_BOTH, "0", "0");
}

static void test_reduce_only_limit_expires_when_position_gone(void)
{
	submit(req("RL0", "BTCUSDT", TL_BUY, TL_ORD_MARKET, 0, "0.01", NULL, NULL));
	tl_out_req_t r = req("RL1", "BTCUSDT", TL_SELL, TL_ORD_LIMIT, 0, "0.01", "51000", NULL);
	r.reduce_only = 1;
	submit(r);
	submit(req("RL2", "BTCUSDT", TL_SELL, TL_ORD_MARKET, 0, "0.01", NULL, NULL));
	clear();
	mark("BTCUSDT", "51000");
	CU_ASSERT_EQUAL(count(TL_IN_FILL), 0);
	CU_ASSERT_EQUAL(nth(TL_IN_ORDER_UPDATE, 0)->u.update.status, TL_ST_EXPIRED);
	expect_pos("BTCUSDT", TL_PS_BOTH, "0", "0");
}

static void test_hedge_mode_uses_position_side(void)
{
	tl_paper_cfg_t c;
	cfg_defaults(&c);
	reset_venue(&c, true);
	tl_out_req_t r = req("H1", "BTCUSDT", TL_SELL, TL_ORD_MARKET, 0, "0.01", NULL, NULL);
	r.pos_side = TL_PS_LONG;                  /* close long: nothing open */
	submit(r);
	expect_error("H1", TL_REQ_NEW, -2022);
	clear();
	r = req("H2", "BTCUSDT", TL_BUY, TL_ORD_MARKET, 0, "0.01", NULL, NULL);
	submit(r);                                /* BOTH in hedge mode */
	expect_error("H2", TL_REQ_NEW, -4061);
	r.pos_side = TL_PS_LONG;
	submit(r);
	r = req("H3", "BTCUSDT", TL_SELL, TL_ORD_MARKET, 0, "0.02", NULL, NULL);
	r.pos_side = TL_PS_SHORT;
	submit(r);
	expect_pos("BTCUSDT", TL_PS_LONG, "0.01", "50000");
	expect_pos("BTCUSDT", TL_PS_SHORT, "-0.02", "50000");
	clear();
	r = req("H4", "BTCUSDT", TL_SELL, TL_ORD_MARKET, 0, "0.01", NULL, NULL);
	r.pos_side = TL_PS_LONG;
	submit(r);
	CU_ASSERT_EQUAL(count(TL_IN_FILL), 1);
	expect_pos("BTCUSDT", TL_PS_LONG, "0", "0");
	expect_pos("BTCUSDT", TL_PS_SHORT, "-0.02", "50000");
	CU_ASSERT_EQUAL(tl_paper_position(V, "BTCUSDT", TL_PS_BOTH, NULL, NULL), -1);
}

/* ---- ids, cancel, query ---------------------------------------------------- */

static void test_duplicate_open_id_4116_then_reusable(void)
{
	submit(req("D1", "BTCUSDT", TL_BUY, TL_ORD_LIMIT, 0, "0.01", "49000", NULL));
	int64_t vid1 = nth(TL_IN_ORDER_UPDATE, 0)->u.update.venue_id;
	clear();
	submit(req("D1", "BTCUSDT", TL_BUY, TL_ORD_LIMIT, 0, "0.01", "48000", NULL));
	expect_error("D1", TL_REQ_NEW, -4116);
	clear();
	cancel("D1", "BTCUSDT");
	CU_ASSERT_EQUAL(nth(TL_IN_ORDER_UPDATE, 0)->u.update.status, TL_ST_CANCELED);
	CU_ASSERT_EQUAL(nth(TL_IN_ORDER_UPDATE, 0)->u.update.venue_id, vid1);
	clear();
	submit(req("D1", "BTCUSDT", TL_BUY, TL_ORD_LIMIT, 0, "0.01", "48000", NULL));
	const tl_input_t *u = nth(TL_IN_ORDER_UPDATE, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(u);
	CU_ASSERT_EQUAL(u->u.update.status, TL_ST_NEW);
	int64_t vid2 = u->u.update.venue_id;
	CU_ASSERT_TRUE(vid2 > vid1);
	CU_ASSERT_EQUAL(tl_paper_orders_seen(V), 2);
	clear();
	query("D1", "BTCUSDT");                   /* the newest */
	CU_ASSERT_EQUAL(nth(TL_IN_QUERY_RESULT, 0)->u.query.status, TL_ST_NEW);
	CU_ASSERT_EQUAL(nth(TL_IN_QUERY_RESULT, 0)->u.query.venue_id, vid2);
}

static void test_cancel_and_cancel_unknown_2011(void)
{
	cancel("nope", "BTCUSDT");
	expect_error("nope", TL_REQ_CANCEL, -2011);
	CU_ASSERT_STRING_EQUAL(nth(TL_IN_REQ_ERROR, 0)->u.error.text, "Unknown order sent.");
	CU_ASSERT_TRUE(nth(TL_IN_REQ_ERROR, 0)->u.error.outcome.is_write);

	submit(req("C1", "BTCUSDT", TL_SELL, TL_ORD_LIMIT, 0, "0.01", "51000", NULL));
	clear();
	cancel("C1", "BTCUSDT");
	CU_ASSERT_EQUAL(C1.n, 1);
	CU_ASSERT_EQUAL(nth(TL_IN_ORDER_UPDATE, 0)->u.update.status, TL_ST_CANCELED);
	clear();
	mark("BTCUSDT", "52000");                 /* canceled: never fills */
	CU_ASSERT_EQUAL(count(TL_IN_FILL), 0);
	clear();
	cancel("C1", "BTCUSDT");                  /* already final */
	expect_error("C1", TL_REQ_CANCEL, -2011);
	clear();
	query("C1", "BTCUSDT");
	CU_ASSERT_EQUAL(nth(TL_IN_QUERY_RESULT, 0)->u.query.status, TL_ST_CANCELED);
	CU_ASSERT_EQUAL(nth(TL_IN_QUERY_RESULT, 0)->u.query.executed_qty, 0);
}

static void test_query_found_and_unknown_2013(void)
{
	submit(req("Q1", "ETHUSDT", TL_BUY, TL_ORD_LIMIT, 0, "0.1", "2900", NULL));
	int64_t vid = nth(TL_IN_ORDER_UPDATE, 0)->u.update.venue_id;
	clear();
	query("Q1", "ETHUSDT");
	const tl_input_t *q = nth(TL_IN_QUERY_RESULT, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(q);
	CU_ASSERT_STRING_EQUAL(q->u.query.client_id, "Q1");
	CU_ASSERT_EQUAL(q->u.query.found, 1);
	CU_ASSERT_EQUAL(q->u.query.status, TL_ST_NEW);
	CU_ASSERT_EQUAL(q->u.query.venue_id, vid);
	CU_ASSERT_EQUAL(q->u.query.executed_qty, 0);
	clear();
	query("Q2", "ETHUSDT");
	expect_error("Q2", TL_REQ_QUERY, -2013);
	CU_ASSERT_STRING_EQUAL(nth(TL_IN_REQ_ERROR, 0)->u.error.text, "Order does not exist.");
	CU_ASSERT_FALSE(nth(TL_IN_REQ_ERROR, 0)->u.error.outcome.is_write);
	clear();
	query("Q1", "BTCUSDT");                   /* wrong symbol */
	expect_error("Q1", TL_REQ_QUERY, -2013);
}

static void test_cancel_all(void)
{
	submit(req("A1", "BTCUSDT", TL_BUY, TL_ORD_LIMIT, 0, "0.01", "49000", NULL));
	submit(req("A2", "BTCUSDT", TL_BUY, TL_ORD_STOP_MARKET, 0, "0.01", NULL, "51000"));
	submit(req("A3", "ETHUSDT", TL_BUY, TL_ORD_LIMIT, 0, "0.1", "2900", NULL));
	clear();
	CU_ASSERT_EQUAL(V->ops->cancel_all(V, "BTCUSDT", NOW), 0);
	CU_ASSERT_EQUAL(C1.n, 0);
	V->ops->poll(V, NOW);
	CU_ASSERT_EQUAL(count(TL_IN_ORDER_UPDATE), 2);
	CU_ASSERT_EQUAL(nth(TL_IN_ORDER_UPDATE, 0)->u.update.status, TL_ST_CANCELED);
	clear();
	CU_ASSERT_EQUAL(V->ops->cancel_all(V, "", NOW), 0);
	V->ops->poll(V, NOW);
	CU_ASSERT_EQUAL(count(TL_IN_ORDER_UPDATE), 1);
	CU_ASSERT_STRING_EQUAL(nth(TL_IN_ORDER_UPDATE, 0)->u.update.client_id, "A3");
	CU_ASSERT_EQUAL(V->ops->cancel_all(V, "NOPE", NOW), -EINVAL);
}

/* ---- conditional orders ---------------------------------------------------- */

static void test_stop_market_triggers(void)
{
	submit(req("P0", "BTCUSDT", TL_BUY, TL_ORD_MARKET, 0, "0.01", NULL, NULL));
	tl_out_req_t r = req("SL", "BTCUSDT", TL_SELL, TL_ORD_STOP_MARKET, 0, "0.01", NULL, "49000");
	r.reduce_only = 1;
	submit(r);
	clear();
	mark("BTCUSDT", "49000.1");
	CU_ASSERT_EQUAL(count(TL_IN_FILL), 0);
	mark("BTCUSDT", "48990");                 /* SELL stop: mark <= stop */
	const tl_input_t *f = nth(TL_IN_FILL, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_STRING_EQUAL(f->u.fill.client_id, "SL");
	CU_ASSERT_EQUAL(f->u.fill.price, fx("48990"));
	CU_ASSERT_EQUAL(f->u.fill.maker, 0);
	expect_pos("BTCUSDT", TL_PS_BOTH, "0", "0");

	/* BUY stop: mark >= stop */
	submit(req("SB", "BTCUSDT", TL_BUY, TL_ORD_STOP_MARKET, 0, "0.01", NULL, "49500"));
	clear();
	mark("BTCUSDT", "49499.9");
	CU_ASSERT_EQUAL(count(TL_IN_FILL), 0);
	mark("BTCUSDT", "49600");
	CU_ASSERT_EQUAL(count(TL_IN_FILL), 1);
	expect_pos("BTCUSDT", TL_PS_BOTH, "0.01", "49600");

	clear();                                  /* already past: -2021 */
	submit(req("SX", "BTCUSDT", TL_SELL, TL_ORD_STOP_MARKET, 0, "0.01", NULL, "49700"));
	expect_error("SX", TL_REQ_NEW, -2021);
}

static void test_take_profit_market_triggers(void)
{
	submit(req("P0", "BTCUSDT", TL_BUY, TL_ORD_MARKET, 0, "0.01", NULL, NULL));
	tl_out_req_t r = req("TP", "BTCUSDT", TL_SELL, TL_ORD_TAKE_PROFIT_MARKET, 0,
			     "0.01", NULL, "51000");
	r.reduce_only = 1;
	submit(r);
	clear();
	mark("BTCUSDT", "50999.9");
	CU_ASSERT_EQUAL(count(TL_IN_FILL), 0);
	mark("BTCUSDT", "51000");                 /* SELL TP: mark >= stop */
	CU_ASSERT_EQUAL(count(TL_IN_FILL), 1);
	CU_ASSERT_EQUAL(nth(TL_IN_FILL, 0)->u.fill.price, fx("51000"));
	expect_pos("BTCUSDT", TL_PS_BOTH, "0", "0");

	submit(req("TB", "BTCUSDT", TL_BUY, TL_ORD_TAKE_PROFIT_MARKET, 0, "0.01", NULL, "50000"));
	clear();
	mark("BTCUSDT", "50000");                 /* BUY TP: mark <= stop */
	CU_ASSERT_EQUAL(count(TL_IN_FILL), 1);
}

static void test_reduce_only_conditional_expires_at_trigger(void)
{
	tl_out_req_t r = req("RX", "BTCUSDT", TL_SELL, TL_ORD_STOP_MARKET, 0, "0.01", NULL, "49000");
	r.reduce_only = 1;
	submit(r);                                /* accepted: checked at trigger */
	CU_ASSERT_EQUAL(nth(TL_IN_ORDER_UPDATE, 0)->u.update.status, TL_ST_NEW);
	clear();
	mark("BTCUSDT", "48000");
	CU_ASSERT_EQUAL(count(TL_IN_FILL), 0);
	CU_ASSERT_EQUAL(nth(TL_IN_ORDER_UPDATE, 0)->u.update.status, TL_ST_EXPIRED);
	expect_pos("BTCUSDT", TL_PS_BOTH, "0", "0");
}

static void test_stop_limit_becomes_resting_limit(void)
{
	/* SELL STOP 49000 / limit 49500: on trigger the limit is not
	 * marketable, rests, then fills as maker. */
	submit(req("SLm", "BTCUSDT", TL_SELL, TL_ORD_STOP, 0, "0.01", "49500", "49000"));
	clear();
	mark("BTCUSDT", "49000");
	CU_ASSERT_EQUAL(count(TL_IN_FILL), 0);
	mark("BTCUSDT", "49500");
	const tl_input_t *f = nth(TL_IN_FILL, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_EQUAL(f->u.fill.price, fx("49500"));
	CU_ASSERT_EQUAL(f->u.fill.maker, 1);
	/* BUY TAKE_PROFIT 49000 / limit 49100: marketable at trigger: taker. */
	submit(req("TPm", "BTCUSDT", TL_BUY, TL_ORD_TAKE_PROFIT, 0, "0.01", "49100", "49000"));
	clear();
	mark("BTCUSDT", "48950");
	f = nth(TL_IN_FILL, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_EQUAL(f->u.fill.price, fx("48950"));
	CU_ASSERT_EQUAL(f->u.fill.maker, 0);
	expect_pos("BTCUSDT", TL_PS_BOTH, "0", "0");
}

/* ---- positions and account ---------------------------------------------------- */

static void test_positions_and_account_match_kernel_arithmetic(void)
{
	submit(req("p1", "BTCUSDT", TL_BUY, TL_ORD_MARKET, 0, "0.01", NULL, NULL));
	mark("BTCUSDT", "51000");
	submit(req("p2", "BTCUSDT", TL_BUY, TL_ORD_MARKET, 0, "0.01", NULL, NULL));
	expect_pos("BTCUSDT", TL_PS_BOTH, "0.02", "50500");
	mark("BTCUSDT", "52000");
	submit(req("p3", "BTCUSDT", TL_SELL, TL_ORD_MARKET, 0, "0.03", NULL, NULL));
	expect_pos("BTCUSDT", TL_PS_BOTH, "-0.01", "52000");   /* flipped */

	/* realized 0.02 * 1500 = 30; fees 0.0004 * (500 + 510 + 1560) */
	tl_venue_account_t a;
	CU_ASSERT_EQUAL(V->ops->account(V, &a, NOW), 0);
	CU_ASSERT_EQUAL(a.balance, fx("10000") + fx("30") - fx("1.028"));
	CU_ASSERT_EQUAL(a.n_pos, 1);
	CU_ASSERT_STRING_EQUAL(a.pos[0].symbol, "BTCUSDT");
	CU_ASSERT_EQUAL(a.pos[0].qty, fx("-0.01"));
	CU_ASSERT_EQUAL(a.pos[0].entry, fx("52000"));
	CU_ASSERT_EQUAL(a.pos[0].leverage, TL_PAPER_LEVERAGE);
	mark("BTCUSDT", "51000");
	CU_ASSERT_EQUAL(V->ops->account(V, &a, NOW), 0);
	CU_ASSERT_EQUAL(a.pos[0].unrealized, fx("10"));

	CU_ASSERT_EQUAL(V->ops->set_leverage(V, "BTCUSDT", 0, NOW), -EINVAL);
	CU_ASSERT_EQUAL(V->ops->set_leverage(V, "BTCUSDT", 126, NOW), -EINVAL);
	CU_ASSERT_EQUAL(V->ops->set_leverage(V, "NOPE", 10, NOW), -EINVAL);
	CU_ASSERT_EQUAL(V->ops->set_leverage(V, "BTCUSDT", 125, NOW), 0);
	CU_ASSERT_EQUAL(V->ops->set_leverage(V, "BTCUSDT", 10, NOW), 0);
	CU_ASSERT_EQUAL(V->ops->account(V, &a, NOW), 0);
	CU_ASSERT_EQUAL(a.pos[0].leverage, 10);
}

/* ---- faults ----------------------------------------------------------------- */

static void test_reject_ppm_rejects_everything(void)
{
	tl_paper_set_faults(V, 1000000, -2019, 0, false);
	char id[16];
	for (int i = 0; i < 50; i++) {
		snprintf(id, sizeof(id), "r%d", i);
		submit(req(id, "BTCUSDT", TL_BUY, TL_ORD_MARKET, 0, "0.001", NULL, NULL));
	}
	CU_ASSERT_EQUAL(count(TL_IN_REQ_ERROR), 50);
	CU_ASSERT_EQUAL(C1.n, 50);
	for (int i = 0; i < 50; i++) {
		CU_ASSERT_EQUAL(C1.in[i].u.error.outcome.http_status, 400);
		CU_ASSERT_EQUAL(C1.in[i].u.error.outcome.code, -2019);
	}
	CU_ASSERT_EQUAL(tl_paper_orders_seen(V), 0);
	clear();
	tl_paper_set_faults(V, 1000000, -1000, 0, false);
	cancel("r1", "BTCUSDT");
	CU_ASSERT_EQUAL(nth(TL_IN_REQ_ERROR, 0)->u.error.outcome.code, -1000);
}

static void test_timeout_without_execution(void)
{
	tl_paper_set_faults(V, 0, 0, 1000000, false);
	tl_paper_set_latency(V, 3 * MS);
	tl_out_req_t r = req("to1", "BTCUSDT", TL_BUY, TL_ORD_MARKET, 0, "0.01", NULL, NULL);
	tl_time_t t = NOW;
	CU_ASSERT_EQUAL(V->ops->submit(V, &r, t), 0);
	CU_ASSERT_EQUAL(V->ops->poll(V, t + 2 * MS), 0);
	CU_ASSERT_EQUAL(V->ops->poll(V, t + 3 * MS), 1);    /* after latency */
	const tl_input_t *e = nth(TL_IN_REQ_ERROR, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	CU_ASSERT_EQUAL(e->u.error.req, TL_REQ_NEW);
	CU_ASSERT_EQUAL(e->u.error.outcome.transport, TL_TR_TIMEOUT);
	CU_ASSERT_TRUE(e->u.error.outcome.written);
	CU_ASSERT_EQUAL(e->u.error.outcome.http_status, 0);
	NOW = t + 3 * MS;
	tl_paper_set_faults(V, 0, 0, 0, false);
	tl_paper_set_latency(V, 0);
	clear();
	query("to1", "BTCUSDT");
	expect_error("to1", TL_REQ_QUERY, -2013);
	CU_ASSERT_EQUAL(tl_paper_orders_seen(V), 0);
	expect_pos("BTCUSDT", TL_PS_BOTH, "0", "0");
}

static void test_timeout_with_execution(void)
{
	tl_paper_set_faults(V, 0, 0, 1000000, true);
	submit(req("to2", "BTCUSDT", TL_BUY, TL_ORD_MARKET, 0, "0.01", NULL, NULL));
	CU_ASSERT_EQUAL(C1.n, 3);
	CU_ASSERT_EQUAL(C1.in[0].hdr.type, TL_IN_REQ_ERROR);  /* the lost answer */
	CU_ASSERT_EQUAL(C1.in[0].u.error.outcome.transport, TL_TR_TIMEOUT);
	CU_ASSERT_EQUAL(C1.in[1].hdr.type, TL_IN_ORDER_UPDATE); /* stream */
	CU_ASSERT_EQUAL(C1.in[2].hdr.type, TL_IN_FILL);
	CU_ASSERT_EQUAL(tl_paper_orders_seen(V), 1);
	expect_pos("BTCUSDT", TL_PS_BOTH, "0.01", "50000");
	tl_paper_set_faults(V, 0, 0, 0, false);
	clear();
	query("to2", "BTCUSDT");
	const tl_input_t *q = nth(TL_IN_QUERY_RESULT, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(q);
	CU_ASSERT_EQUAL(q->u.query.status, TL_ST_FILLED);
	CU_ASSERT_EQUAL(q->u.query.executed_qty, fx("0.01"));
	CU_ASSERT_EQUAL(q->u.query.avg_price, fx("50000"));

	/* A rejected order behind a timeout: only the timeout is seen. */
	tl_paper_set_faults(V, 0, 0, 1000000, true);
	clear();
	submit(req("to3", "NOPEUSDT", TL_BUY, TL_ORD_MARKET, 0, "0.01", NULL, NULL));
	CU_ASSERT_EQUAL(C1.n, 1);
	CU_ASSERT_EQUAL(C1.in[0].u.error.outcome.transport, TL_TR_TIMEOUT);
	/* A cancel whose answer is lost still cancels. */
	tl_paper_set_faults(V, 0, 0, 0, false);
	submit(req("to4", "BTCUSDT", TL_BUY, TL_ORD_LIMIT, 0, "0.01", "40000", NULL));
	tl_paper_set_faults(V, 0, 0, 1000000, true);
	clear();
	cancel("to4", "BTCUSDT");
	CU_ASSERT_EQUAL(C1.n, 2);
	CU_ASSERT_EQUAL(C1.in[0].u.error.req, TL_REQ_CANCEL);
	CU_ASSERT_EQUAL(C1.in[1].u.update.status, TL_ST_CANCELED);
}

/* ---- determinism and allocation ------------------------------------------------ */

/* A fixed workload of every request kind, faults, walk marks. */
static void workload(tl_venue_t *v, tl_time_t *now, int rounds)
{
	static const tl_ord_type_t types[] = {
		TL_ORD_MARKET, TL_ORD_LIMIT, TL_ORD_LIMIT, TL_ORD_STOP_MARKET,
		TL_ORD_TAKE_PROFIT_MARKET, TL_ORD_STOP,
	};
	uint64_t lcg = 7;
	char id[TL_CLID_LEN];
	for (int i = 0; i < rounds; i++) {
		lcg = lcg * 6364136223846793005ULL + 1442695040888963407ULL;
		unsigned x = (unsigned)(lcg >> 33);
		tl_side_t side = (x & 1) ? TL_BUY : TL_SELL;
		tl_ord_type_t t = types[(x >> 1) % 6];
		const char *px = side == TL_BUY ? "49950" : "50050";
		const char *stop = NULL;
		if (t == TL_ORD_STOP_MARKET || t == TL_ORD_STOP)
			stop = side == TL_BUY ? "50100" : "49900";
		else if (t == TL_ORD_TAKE_PROFIT_MARKET)
			stop = side == TL_BUY ? "49900" : "50100";
		snprintf(id, sizeof(id), "w%d", i % 97);
		tl_out_req_t r = req(id, "BTCUSDT", side, t, (x >> 4) % 2 ? TL_TIF_GTC : TL_TIF_IOC,
				     "0.001", px, stop);
		v->ops->submit(v, &r, *now);
		if (x % 5 == 0)
			v->ops->cancel(v, &r, *now);
		if (x % 7 == 0)
			v->ops->query(v, &r, *now);
		if (x % 61 == 0)
			v->ops->cancel_all(v, "", *now);
		*now += 37 * MS;
		v->ops->poll(v, *now);
		if (x % 13 == 0)
			tl_paper_set_mark(v, "ETHUSDT", fx("3000") + (x % 100) * fx("0.01"), *now);
	}
}

static void test_same_seed_same_outputs(void)
{
	tl_paper_cfg_t c;
	cfg_defaults(&c);
	c.mark_interval_ns = 100 * MS;
	c.walk_bps = 5;
	c.latency_ns = 2 * MS;
	c.reject_ppm = 100000;
	c.timeout_ppm = 100000;
	c.timeout_executes = true;
	c.slippage_bps = 3;
	tl_venue_t *a = make(&c, false, &C1), *b = make(&c, false, &C2);
	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	memset(&C1, 0, sizeof(C1));
	memset(&C2, 0, sizeof(C2));
	tl_time_t ta = T0, tb = T0;
	workload(a, &ta, 300);
	workload(b, &tb, 300);
	CU_ASSERT_TRUE(C1.total > 500);
	CU_ASSERT_TRUE(C1.total < CAP);
	CU_ASSERT_EQUAL(C1.total, C2.total);
	CU_ASSERT_EQUAL(memcmp(C1.in, C2.in, sizeof(tl_input_t) * (C1.total % CAP)), 0);
	CU_ASSERT_EQUAL(tl_paper_orders_seen(a), tl_paper_orders_seen(b));
	/* Every kind of outcome happened. */
	uint32_t fills = 0, errs = 0, marks = 0, queries = 0;
	for (uint32_t i = 0; i < C1.total; i++) {
		fills += C1.in[i].hdr.type == TL_IN_FILL;
		errs += C1.in[i].hdr.type == TL_IN_REQ_ERROR;
		marks += C1.in[i].hdr.type == TL_IN_MARK;
		queries += C1.in[i].hdr.type == TL_IN_QUERY_RESULT;
	}
	CU_ASSERT_TRUE(fills > 0 && errs > 0 && marks > 0 && queries > 0);
	a->ops->destroy(a);
	b->ops->destroy(b);

	/* Another seed: another path. */
	c.seed = 43;
	a = make(&c, false, &C2);
	memset(&C2, 0, sizeof(C2));
	ta = T0;
	workload(a, &ta, 300);
	CU_ASSERT_TRUE(C1.total != C2.total ||
		       memcmp(C1.in, C2.in, sizeof(tl_input_t) * (C1.total % CAP)) != 0);
	a->ops->destroy(a);
}

static void test_no_allocation_after_create(void)
{
	tl_paper_cfg_t c;
	cfg_defaults(&c);
	c.mark_interval_ns = 50 * MS;
	c.walk_bps = 5;
	c.latency_ns = 1 * MS;
	c.reject_ppm = 50000;
	c.timeout_ppm = 50000;
	c.timeout_executes = true;
	reset_venue(&c, false);
	tl_venue_account_t *acct = malloc(sizeof(*acct));
	CU_ASSERT_PTR_NOT_NULL_FATAL(acct);
	tl_alloc_hook_arm();
	workload(V, &NOW, 2000);   /* > TL_PAPER_ORDER_CAP / 97 ids: slot reuse */
	V->ops->account(V, acct, NOW);
	V->ops->set_leverage(V, "BTCUSDT", 5, NOW);
	size_t calls = tl_alloc_hook_disarm();
	CU_ASSERT_EQUAL(calls, 0);
	CU_ASSERT_TRUE(C1.total > 2000);
	free(acct);
}

static void test_order_table_reuses_final_slots(void)
{
	char id[16];
	/* A resting order that ends just before the allocator comes round to
	 * its slot must stay queryable. */
	submit(req("old", "BTCUSDT", TL_BUY, TL_ORD_LIMIT, 0, "0.001", "45000", NULL));
	for (int i = 1; i < TL_PAPER_ORDER_CAP; i++) {
		snprintf(id, sizeof(id), "y%d", i);
		tl_out_req_t r = req(id, "BTCUSDT", TL_BUY, TL_ORD_LIMIT, TL_TIF_IOC,
				     "0.001", "40000", NULL);
		CU_ASSERT_EQUAL(V->ops->submit(V, &r, NOW), 0);
		if (i % 1000 == 0)
			V->ops->poll(V, NOW);
	}
	V->ops->poll(V, NOW);
	mark("BTCUSDT", "45000");                 /* "old" fills */
	submit(req("new", "BTCUSDT", TL_BUY, TL_ORD_LIMIT, TL_TIF_IOC, "0.001", "40000", NULL));
	clear();
	query("old", "BTCUSDT");
	CU_ASSERT_EQUAL(nth(TL_IN_QUERY_RESULT, 0)->u.query.status, TL_ST_FILLED);
	CU_ASSERT_EQUAL(nth(TL_IN_QUERY_RESULT, 0)->u.query.executed_qty, fx("0.001"));
	mark("BTCUSDT", "50000");

	for (int i = 0; i < TL_PAPER_ORDER_CAP + 100; i++) {
		snprintf(id, sizeof(id), "x%d", i);
		tl_out_req_t r = req(id, "BTCUSDT", TL_BUY, TL_ORD_LIMIT, TL_TIF_IOC,
				     "0.001", "40000", NULL);
		V->ops->submit(V, &r, NOW);
		if (i % 1000 == 0)
			V->ops->poll(V, NOW);
	}
	V->ops->poll(V, NOW);
	CU_ASSERT_EQUAL(tl_paper_orders_seen(V), 2 * TL_PAPER_ORDER_CAP + 101);
	clear();
	query("x0", "BTCUSDT");                   /* forgotten: slot reused */
	expect_error("x0", TL_REQ_QUERY, -2013);
	clear();
	snprintf(id, sizeof(id), "x%d", TL_PAPER_ORDER_CAP + 99);
	query(id, "BTCUSDT");
	CU_ASSERT_EQUAL(nth(TL_IN_QUERY_RESULT, 0)->u.query.status, TL_ST_EXPIRED);
}

static void test_queue_full_eagain(void)
{
	tl_paper_set_latency(V, 1000 * MS);
	tl_out_req_t r = req("q", "BTCUSDT", TL_BUY, TL_ORD_MARKET, 0, "0.001", NULL, NULL);
	for (int i = 0; i < TL_PAPER_QUEUE_CAP; i++)
		CU_ASSERT_EQUAL_FATAL(V->ops->submit(V, &r, NOW), 0);
	CU_ASSERT_EQUAL(V->ops->submit(V, &r, NOW), -EAGAIN);
	CU_ASSERT_EQUAL(V->ops->query(V, &r, NOW), -EAGAIN);
	V->ops->poll(V, NOW + 1000 * MS);
	CU_ASSERT_EQUAL(V->ops->submit(V, &r, NOW), 0);
}

/* ---- marks ------------------------------------------------------------------ */

static void test_walk_stays_positive_on_tick(void)
{
	tl_paper_cfg_t c;
	cfg_defaults(&c);
	c.mark_interval_ns = 10 * MS;
	c.walk_bps = 3000;                        /* wild: hits the floor */
	c.start[0].price = fx("0.5");
	reset_venue(&c, false);
	uint32_t marks = 0, floor_hits = 0;
	for (int i = 0; i < 5000; i++) {
		clear();
		NOW += 10 * MS;
		V->ops->poll(V, NOW);
		for (uint32_t k = 0; k < C1.n; k++) {
			const tl_input_t *in = &C1.in[k];
			if (in->hdr.type != TL_IN_MARK)
				continue;
			marks++;
			tl_fx_t tick = strcmp(in->u.mark.symbol, "BTCUSDT") == 0 ? fx("0.1")
										 : fx("0.01");
			CU_ASSERT_TRUE(in->u.mark.price > 0);
			CU_ASSERT_TRUE(tl_fx_on_step(in->u.mark.price, tick));
			CU_ASSERT_EQUAL(in->hdr.time, NOW);
			floor_hits += in->u.mark.price == fx("0.1");
		}
	}
	CU_ASSERT_EQUAL(marks, 2 * 5000);         /* BTC and ETH, not TINY */
	CU_ASSERT_TRUE(floor_hits > 0);
	CU_ASSERT_TRUE(tl_paper_mark(V, "BTCUSDT") > 0);

	/* A very late poll catches up at most TL_PAPER_STEPS_PER_POLL steps. */
	clear();
	NOW += 100000 * MS;
	V->ops->poll(V, NOW);
	CU_ASSERT_EQUAL(count(TL_IN_MARK), 2 * TL_PAPER_STEPS_PER_POLL);
	clear();
	NOW += 10 * MS;
	V->ops->poll(V, NOW);
	CU_ASSERT_EQUAL(count(TL_IN_MARK), 2);
}

static void test_first_poll_emits_starting_marks(void)
{
	tl_paper_cfg_t c;
	cfg_defaults(&c);
	tl_venue_t *v = make(&c, false, &C2);
	C2.n = 0;
	v->ops->poll(v, T0);
	CU_ASSERT_EQUAL(C2.n, 2);
	CU_ASSERT_EQUAL(C2.in[0].hdr.type, TL_IN_MARK);
	CU_ASSERT_STRING_EQUAL(C2.in[0].u.mark.symbol, "BTCUSDT");
	CU_ASSERT_EQUAL(C2.in[0].u.mark.price, fx("50000"));
	CU_ASSERT_EQUAL(v->ops->poll(v, T0 + TL_NS_PER_S), 0);  /* walk off */
	v->ops->destroy(v);
}

static char CSV_PATH[64];

static void write_csv(const char *text)
{
	snprintf(CSV_PATH, sizeof(CSV_PATH), "/tmp/talon_paper_XXXXXX");
	int fd = mkstemp(CSV_PATH);
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_FATAL(write(fd, text, strlen(text)) == (ssize_t)strlen(text));
	close(fd);
}

static void test_csv_replay(void)
{
	write_csv("time,symbol,price\n"
		  "# a comment\n"
		  "0,BTCUSDT,50000\r\n"
		  "\n"
		  "100,BTCUSDT,49900.5\n"
		  "100,ETHUSDT,2999.99\n"
		  "250,BTCUSDT,49800\n");
	tl_paper_cfg_t c;
	cfg_defaults(&c);
	c.n_start = 0;
	c.mark_interval_ns = 10 * MS;             /* ignored: CSV wins */
	snprintf(c.marks_csv, sizeof(c.marks_csv), "%s", CSV_PATH);
	reset_venue(&c, false);                   /* first poll at NOW: t0 */
	unlink(CSV_PATH);
	tl_time_t t0 = NOW;
	CU_ASSERT_EQUAL(tl_paper_mark(V, "BTCUSDT"), fx("50000"));
	submit(req("c1", "BTCUSDT", TL_BUY, TL_ORD_LIMIT, 0, "0.01", "49900", NULL));
	clear();
	CU_ASSERT_EQUAL(V->ops->poll(V, t0 + 99 * MS), 0);
	CU_ASSERT_EQUAL(V->ops->poll(V, t0 + 100 * MS), 2);
	CU_ASSERT_EQUAL(nth(TL_IN_MARK, 0)->u.mark.price, fx("49900.5"));
	CU_ASSERT_EQUAL(nth(TL_IN_MARK, 1)->u.mark.price, fx("2999.99"));
	CU_ASSERT_STRING_EQUAL(nth(TL_IN_MARK, 1)->u.mark.symbol, "ETHUSDT");
	clear();
	V->ops->poll(V, t0 + 10000 * MS);         /* late: still every row */
	CU_ASSERT_EQUAL(count(TL_IN_MARK), 1);
	CU_ASSERT_EQUAL(count(TL_IN_FILL), 1);    /* 49800 crossed the limit */
	CU_ASSERT_EQUAL(V->ops->poll(V, t0 + 20000 * MS), 0);   /* exhausted */
}

static void expect_bad_csv(const char *text, const char *want)
{
	write_csv(text);
	tl_paper_cfg_t c;
	cfg_defaults(&c);
	snprintf(c.marks_csv, sizeof(c.marks_csv), "%s", CSV_PATH);
	char err[256] = "";
	tl_venue_t *v = tl_paper_create(&c, &SYMS, false, capture, &C2, err, sizeof(err));
	unlink(CSV_PATH);
	CU_ASSERT_PTR_NULL(v);
	if (v)
		v->ops->destroy(v);
	if (!strstr(err, want))
		fprintf(stderr, "error \"%s\" lacks \"%s\"\n", err, want);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, want));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, CSV_PATH));
}

static void test_bad_csv_rejected_with_line_number(void)
{
	expect_bad_csv("0,BTCUSDT,50000\n1,BTCUSDT,50000.05\n", ":2: price 50000.05 must be > 0 and on tick 0.1");
	expect_bad_csv("time,symbol,price\n0,BTCUSDT,50000\n\n5,XYZ,1\n", ":4: unknown symbol");
	expect_bad_csv("10,BTCUSDT,50000\n5,BTCUSDT,50000\n", ":2: time goes backwards");
	expect_bad_csv("0,BTCUSDT,5e4\n", ":1: price");
	expect_bad_csv("0,BTCUSDT\n", ":1: expected 3 fields");
	expect_bad_csv("0,BTCUSDT,1,2\n", ":1: expected 3 fields");
	expect_bad_csv("-1,BTCUSDT,1\n", ":1: time");
	expect_bad_csv("0,BTCUSDT,0\n", ":1: price 0 must be > 0");
	expect_bad_csv("# nothing\n", "no marks");

	tl_paper_cfg_t c;
	cfg_defaults(&c);
	snprintf(c.marks_csv, sizeof(c.marks_csv), "/nonexistent/marks.csv");
	char err[256] = "";
	CU_ASSERT_PTR_NULL(tl_paper_create(&c, &SYMS, false, capture, &C2, err, sizeof(err)));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "/nonexistent/marks.csv"));
}

static void test_bad_config_rejected(void)
{
	tl_paper_cfg_t c;
	char err[256] = "";
	cfg_defaults(&c);
	c.start[0].price = fx("50000.05");
	CU_ASSERT_PTR_NULL(tl_paper_create(&c, &SYMS, false, capture, &C2, err, sizeof(err)));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "paper.start[BTCUSDT]"));
	cfg_defaults(&c);
	snprintf(c.start[1].symbol, sizeof(c.start[1].symbol), "NOPE");
	CU_ASSERT_PTR_NULL(tl_paper_create(&c, &SYMS, false, capture, &C2, err, sizeof(err)));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "unknown symbol"));
	cfg_defaults(&c);
	c.reject_ppm = 600000;
	c.timeout_ppm = 600000;
	CU_ASSERT_PTR_NULL(tl_paper_create(&c, &SYMS, false, capture, &C2, err, sizeof(err)));
}

/* ---- margin (the kernel's pre-trade rule, as the venue's -2019) -------- */

static void margin_venue(const char *balance)
{
	tl_paper_cfg_t c;
	cfg_defaults(&c);
	c.check_margin = true;
	c.balance = fx(balance);
	reset_venue(&c, false);
}

/* Leverage 20, taker 0.0004, no slippage: a market buy of 0.2 BTC at
 * 50000 needs 10000 / 20 + 4 = 504. */
static void test_margin_checked_like_the_kernel(void)
{
	margin_venue("503.99999999");
	submit(req("m1", "BTCUSDT", TL_BUY, TL_ORD_MARKET, 0, "0.200", NULL, NULL));
	expect_error("m1", TL_REQ_NEW, -2019);
	CU_ASSERT_STRING_EQUAL(nth(TL_IN_REQ_ERROR, 0)->u.error.text, "Margin is insufficient.");
	expect_pos("BTCUSDT", TL_PS_BOTH, "0", "0");

	margin_venue("1008");
	submit(req("m2", "BTCUSDT", TL_BUY, TL_ORD_MARKET, 0, "0.200", NULL, NULL));
	expect_pos("BTCUSDT", TL_PS_BOTH, "0.2", "50000");
	/* wallet 1008 - 4, position margin 500: 504 left, just enough. */
	submit(req("m3", "BTCUSDT", TL_BUY, TL_ORD_MARKET, 0, "0.200", NULL, NULL));
	expect_pos("BTCUSDT", TL_PS_BOTH, "0.4", "50000");
	clear();
	submit(req("m4", "BTCUSDT", TL_BUY, TL_ORD_MARKET, 0, "0.001", NULL, NULL));
	expect_error("m4", TL_REQ_NEW, -2019);
	/* Closing orders are exempt. */
	clear();
	tl_out_req_t ro = req("m5", "BTCUSDT", TL_SELL, TL_ORD_MARKET, 0, "0.400", NULL, NULL);
	ro.reduce_only = 1;
	submit(ro);
	CU_ASSERT_EQUAL(count(TL_IN_REQ_ERROR), 0);
	expect_pos("BTCUSDT", TL_PS_BOTH, "0", "0");
}

/* Open orders that can add exposure hold margin too (at the mark);
 * canceling one frees it. */
static void test_margin_counts_open_orders(void)
{
	margin_venue("1000");
	/* 0.3 at 49000: 735 + 5.88 -> rests */
	submit(req("l1", "BTCUSDT", TL_BUY, TL_ORD_LIMIT, TL_TIF_GTC, "0.300", "49000", NULL));
	CU_ASSERT_EQUAL(count(TL_IN_REQ_ERROR), 0);
	clear();
	/* 1000 - 0.3 x 50000 / 20 = 250 left; 0.2 at 49000 needs 493.92 */
	submit(req("l2", "BTCUSDT", TL_BUY, TL_ORD_LIMIT, TL_TIF_GTC, "0.200", "49000", NULL));
	expect_error("l2", TL_REQ_NEW, -2019);
	/* 0.1 at 49000 needs 245 + 1.96 */
	clear();
	submit(req("l3", "BTCUSDT", TL_BUY, TL_ORD_LIMIT, TL_TIF_GTC, "0.100", "49000", NULL));
	CU_ASSERT_EQUAL(count(TL_IN_REQ_ERROR), 0);
	/* Canceling 0.3 frees 750: 0.2 at 49000 fits now. */
	cancel("l1", "BTCUSDT");
	clear();
	submit(req("l4", "BTCUSDT", TL_BUY, TL_ORD_LIMIT, TL_TIF_GTC, "0.200", "49000", NULL));
	CU_ASSERT_EQUAL(count(TL_IN_REQ_ERROR), 0);
}

/* ---- the exposure gate and the kill sweep (io/venue.h) ------------------ */

static uint32_t count_withdrawn(uint8_t kind)
{
	uint32_t n = 0;
	for (uint32_t i = 0; i < C1.n && i < CAP; i++)
		n += C1.in[i].hdr.type == TL_IN_REQ_ERROR &&
		     C1.in[i].u.error.req == kind &&
		     C1.in[i].u.error.outcome.transport == TL_TR_WITHDRAWN &&
		     !C1.in[i].u.error.outcome.written;
	return n;
}

/* With 50 ms of latency a NEW waits in the paper queue: a cancel then
 * withdraws it (it never rests) and is answered; the gate closing while
 * a buy waits withdraws the buy, a reduce-only sell still goes; a kill
 * epoch cancels the resting orders (emergency.venue_sweep). Every
 * ORDER_UPDATE carries the order's symbol. */
static void test_gate_withdraws_and_kill_sweeps(void)
{
	tl_paper_cfg_t c;
	tl_venue_gate_t gate;

	cfg_defaults(&c);
	c.latency_ns = 50 * MS;
	reset_venue(&c, false);
	atomic_init(&gate.closing_only, 0);
	atomic_init(&gate.kill_epoch, 0);
	V->gate = &gate;
	tl_paper_set_sweep(V, true);

	tl_out_req_t a = req("w1", "BTCUSDT", TL_BUY, TL_ORD_LIMIT, TL_TIF_GTC, "0.01", "40000", NULL);
	CU_ASSERT_EQUAL(V->ops->submit(V, &a, NOW), 0);
	CU_ASSERT_EQUAL(V->ops->cancel(V, &a, NOW), 0);
	CU_ASSERT_EQUAL(count_withdrawn(TL_REQ_NEW), 1);
	CU_ASSERT_EQUAL(count_withdrawn(TL_REQ_CANCEL), 1);
	NOW += 100 * MS;
	V->ops->poll(V, NOW);
	CU_ASSERT_EQUAL(count(TL_IN_ORDER_UPDATE), 0);	/* never rested */

	/* a resting order, then a buy that waits while the gate closes */
	tl_out_req_t r = req("w2", "BTCUSDT", TL_BUY, TL_ORD_LIMIT, TL_TIF_GTC, "0.01", "40000", NULL);
	CU_ASSERT_EQUAL(V->ops->submit(V, &r, NOW), 0);
	NOW += 100 * MS;
	V->ops->poll(V, NOW);
	CU_ASSERT_EQUAL(count(TL_IN_ORDER_UPDATE), 1);
	CU_ASSERT_STRING_EQUAL(nth(TL_IN_ORDER_UPDATE, 0)->u.update.symbol, "BTCUSDT");
	tl_out_req_t b = req("w3", "BTCUSDT", TL_BUY, TL_ORD_LIMIT, TL_TIF_GTC, "0.01", "40000", NULL);
	tl_out_req_t ro = req("w4", "BTCUSDT", TL_SELL, TL_ORD_LIMIT, TL_TIF_GTC, "0.01", "60000", NULL);
	ro.reduce_only = 1;
	CU_ASSERT_EQUAL(V->ops->submit(V, &b, NOW), 0);
	CU_ASSERT_EQUAL(V->ops->submit(V, &ro, NOW), 0);
	atomic_store(&gate.closing_only, 1);
	atomic_store(&gate.kill_epoch, 1);
	NOW += 100 * MS;
	V->ops->poll(V, NOW);
	CU_ASSERT_EQUAL(count_withdrawn(TL_REQ_NEW), 2);	/* w1, w3 */
	NOW += 100 * MS;	/* the sweep's cancel-all has the latency too */
	V->ops->poll(V, NOW);
	/* w4 reached the book (refused: nothing to reduce); w2 swept */
	bool swept = false;
	for (uint32_t i = 0; i < count(TL_IN_ORDER_UPDATE); i++) {
		const tl_input_t *u = nth(TL_IN_ORDER_UPDATE, (int)i);
		swept |= !strcmp(u->u.update.client_id, "w2") &&
			 u->u.update.status == TL_ST_CANCELED;
	}
	CU_ASSERT_TRUE(swept);
	/* once per epoch */
	uint32_t before = count(TL_IN_ORDER_UPDATE);
	NOW += 100 * MS;
	V->ops->poll(V, NOW);
	CU_ASSERT_EQUAL(count(TL_IN_ORDER_UPDATE), before);
	V->gate = NULL;
}

TL_TEST_SUITE("io.paper", setup, teardown,
	TL_TEST(test_market_buy_fills_at_mark_plus_slippage),
	TL_TEST(test_latency_delays_the_answer),
	TL_TEST(test_market_without_mark_unable_to_fill),
	TL_TEST(test_validation_codes),
	TL_TEST(test_limit_rests_then_fills_as_maker),
	TL_TEST(test_limit_sell_rests_until_mark_reaches_it),
	TL_TEST(test_marketable_limit_fills_as_taker_at_mark),
	TL_TEST(test_ioc_not_fillable_expires),
	TL_TEST(test_fok_not_fillable_rejected_5021),
	TL_TEST(test_gtx_that_would_take_rejected_5022),
	TL_TEST(test_reduce_only_rejected_2022),
	TL_TEST(test_reduce_only_limit_expires_when_position_gone),
	TL_TEST(test_hedge_mode_uses_position_side),
	TL_TEST(test_duplicate_open_id_4116_then_reusable),
	TL_TEST(test_cancel_and_cancel_unknown_2011),
	TL_TEST(test_query_found_and_unknown_2013),
	TL_TEST(test_cancel_all),
	TL_TEST(test_stop_market_triggers),
	TL_TEST(test_take_profit_market_triggers),
	TL_TEST(test_reduce_only_conditional_expires_at_trigger),
	TL_TEST(test_stop_limit_becomes_resting_limit),
	TL_TEST(test_positions_and_account_match_kernel_arithmetic),
	TL_TEST(test_reject_ppm_rejects_everything),
	TL_TEST(test_timeout_without_execution),
	TL_TEST(test_timeout_with_execution),
	TL_TEST(test_same_seed_same_outputs),
	TL_TEST(test_no_allocation_after_create),
	TL_TEST(test_order_table_reuses_final_slots),
	TL_TEST(test_queue_full_eagain),
	TL_TEST(test_walk_stays_positive_on_tick),
	TL_TEST(test_first_poll_emits_starting_marks),
	TL_TEST(test_csv_replay),
	TL_TEST(test_bad_csv_rejected_with_line_number),
	TL_TEST(test_bad_config_rejected),
	TL_TEST(test_margin_checked_like_the_kernel),
	TL_TEST(test_margin_counts_open_orders),
	TL_TEST(test_gate_withdraws_and_kill_sweeps));
