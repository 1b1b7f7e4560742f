/*
 * test_symbols.c - kernel/symbols.c: loading exchangeInfo, validation of
 * every field, the `only` filter, O(1) lookup, direct add.
 *
 * The sample document is tests/data/exchange_info.json (real USD-M
 * shape: BTCUSDT, ETHUSDT, SOLUSDT and a SETTLING ALPACAUSDT). Bad
 * documents are built inline from one valid symbol with one thing broken;
 * each must be refused with a message naming the symbol and the field,
 * and must leave the table empty even when it held symbols before.
 */
#include "tests/support/tl_test.h"

#include "tests/support/alloc_hook.h"

#include "kernel/symbols.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ONE TL_FX_ONE

static tl_symbols_t T;
static char err[256];

/* Fresh 8-slot table around every test. */
static void setup(void)
{
	memset(err, 0, sizeof(err));
	CU_ASSERT_EQUAL_FATAL(tl_symbols_init(&T, 8, err, sizeof(err)), 0);
}

static void teardown(void)
{
	tl_symbols_free(&T);
}

static char *sample(size_t *len)
{
	char *doc = tl_test_read_file(tl_test_data_path("exchange_info.json"), len);

	CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
	return doc;
}

/* Load the sample into T; returns what tl_symbols_load returned. */
static int load_sample(const char *const *only)
{
	size_t len;
	char *doc = sample(&len);
	int n = tl_symbols_load(&T, doc, len, only, err, sizeof(err));

	free(doc);
	return n;
}

static int load_str(const char *doc, const char *const *only)
{
	return tl_symbols_load(&T, doc, strlen(doc), only, err, sizeof(err));
}

/* ---- building blocks for inline documents ------------------------------ */

#define PF(tick, min, max)                                                    \
	"{\"filterType\":\"PRICE_FILTER\",\"tickSize\":" tick                 \
	",\"minPrice\":" min ",\"maxPrice\":" max "}"
#define LOT(step, min, max)                                                   \
	"{\"filterType\":\"LOT_SIZE\",\"stepSize\":" step                     \
	",\"minQty\":" min ",\"maxQty\":" max "}"
#define MLOT(step, min, max)                                                  \
	"{\"filterType\":\"MARKET_LOT_SIZE\",\"stepSize\":" step              \
	",\"minQty\":" min ",\"maxQty\":" max "}"
#define GOOD_PF  PF("\"0.10\"", "\"556.80\"", "\"4529764\"")
#define GOOD_LOT LOT("\"0.001\"", "\"0.001\"", "\"1000\"")
#define GOOD_FILTERS GOOD_PF "," GOOD_LOT
/* A symbol object from its head fields and its filters. */
#define SYMH(head, filters) "{" head ",\"filters\":[" filters "]}"
#define HEAD(name)                                                            \
	"\"symbol\":\"" name "\",\"status\":\"TRADING\","                     \
	"\"pricePrecision\":2,\"quantityPrecision\":3"
#define SYM(name, filters) SYMH(HEAD(name), filters)
#define DOC(...) "{\"symbols\":[" __VA_ARGS__ "]}"

/* ---- init / free ------------------------------------------------------- */

static void test_init_capacity(void)
{
	tl_symbols_t t;

	CU_ASSERT_EQUAL(tl_symbols_init(&t, 0, err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "capacity"));
	CU_ASSERT_PTR_NULL(t.sym);
	CU_ASSERT_EQUAL(tl_symbols_init(&t, TL_SYMBOLS_MAX + 1, err, sizeof(err)), -1);
	CU_ASSERT_EQUAL(tl_symbols_init(&t, 5, NULL, 0), 0);
	CU_ASSERT_EQUAL(t.cap, 5);
	CU_ASSERT_EQUAL(t.count, 0);
	CU_ASSERT_EQUAL(t.index_cap, 16);       /* power of two >= 2 * cap */
	tl_symbols_free(&t);
	CU_ASSERT_PTR_NULL(t.sym);
	CU_ASSERT_PTR_NULL(t.index);
	tl_symbols_free(&t);                    /* zeroed: safe again */

	CU_ASSERT_EQUAL(tl_symbols_init(&t, 1, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(t.index_cap, 2);
	tl_symbols_free(&t);
	CU_ASSERT_EQUAL(tl_symbols_init(&t, TL_SYMBOLS_MAX, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(t.index_cap, 2 * TL_SYMBOLS_MAX);
	tl_symbols_free(&t);
}

/* ---- the sample -------------------------------------------------------- */

static void test_load_sample_btcusdt(void)
{
	const tl_symbol_t *s;
	int id;

	CU_ASSERT_EQUAL_FATAL(load_sample(NULL), 4);
	CU_ASSERT_EQUAL(T.count, 4);
	id = tl_symbols_find(&T, "BTCUSDT");
	CU_ASSERT_EQUAL(id, 0);
	s = tl_symbols_get(&T, id);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CU_ASSERT_STRING_EQUAL(s->name, "BTCUSDT");
	CU_ASSERT_EQUAL(s->status, TL_SYM_TRADING);
	CU_ASSERT_EQUAL(s->tick_size, 10000000);            /* 0.10 */
	CU_ASSERT_EQUAL(s->min_price, 55680000000LL);       /* 556.80 */
	CU_ASSERT_EQUAL(s->max_price, 452976400000000LL);   /* 4529764 */
	CU_ASSERT_EQUAL(s->step_size, 100000);              /* 0.001 */
	CU_ASSERT_EQUAL(s->min_qty, 100000);
	CU_ASSERT_EQUAL(s->max_qty, 1000 * ONE);
	CU_ASSERT_EQUAL(s->mkt_step_size, 100000);
	CU_ASSERT_EQUAL(s->mkt_min_qty, 100000);
	CU_ASSERT_EQUAL(s->mkt_max_qty, 120 * ONE);
	CU_ASSERT_EQUAL(s->min_notional, 100 * ONE);
	CU_ASSERT_EQUAL(s->pct_up, 105000000);              /* 1.0500 */
	CU_ASSERT_EQUAL(s->pct_down, 95000000);             /* 0.9500 */
	CU_ASSERT_EQUAL(s->max_open_orders, 200);
	CU_ASSERT_EQUAL(s->max_algo_orders, 10);
	CU_ASSERT_EQUAL(s->price_precision, 2);
	CU_ASSERT_EQUAL(s->qty_precision, 3);
	CU_ASSERT_EQUAL(s->mark, 0);
	/* The name's tail is zeroed (records compare byte for byte). */
	for (size_t i = strlen("BTCUSDT"); i < TL_SYMBOL_NAMELEN; i++)
		CU_ASSERT_EQUAL(s->name[i], 0);
}

static void test_load_sample_others(void)
{
	const tl_symbol_t *s;

	CU_ASSERT_EQUAL_FATAL(load_sample(NULL), 4);
	s = tl_symbols_get(&T, tl_symbols_find(&T, "ETHUSDT"));
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CU_ASSERT_EQUAL(s->tick_size, 1000000);             /* 0.01 */
	CU_ASSERT_EQUAL(s->step_size, 100000);
	CU_ASSERT_EQUAL(s->min_notional, 20 * ONE);
	CU_ASSERT_EQUAL(s->mkt_max_qty, 2000 * ONE);
	CU_ASSERT_EQUAL(s->status, TL_SYM_TRADING);

	s = tl_symbols_get(&T, tl_symbols_find(&T, "SOLUSDT"));
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CU_ASSERT_EQUAL(s->tick_size, 1000000);             /* "0.0100" */
	CU_ASSERT_EQUAL(s->step_size, ONE);
	CU_ASSERT_EQUAL(s->min_qty, ONE);
	CU_ASSERT_EQUAL(s->price_precision, 4);
	CU_ASSERT_EQUAL(s->qty_precision, 0);
	CU_ASSERT_EQUAL(s->min_notional, 5 * ONE);

	/* Any status but TRADING loads as HALTED. */
	s = tl_symbols_get(&T, tl_symbols_find(&T, "ALPACAUSDT"));
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CU_ASSERT_EQUAL(s->status, TL_SYM_HALTED);
	CU_ASSERT_EQUAL(s->tick_size, 1000);                /* 0.00001 */
	CU_ASSERT_EQUAL(s->pct_up, 115000000);
	CU_ASSERT_EQUAL(s->pct_down, 85000000);
	CU_ASSERT_PTR_NULL(tl_symbols_get(&T, 4));
	CU_ASSERT_PTR_NULL(tl_symbols_get(&T, -1));
}

/* The sample's numbers are exchange numbers: check one venue rule end to
 * end (BTCUSDT min notional 100 at 50000.10 needs 0.002 after rounding). */
static void test_sample_filters_usable(void)
{
	const tl_symbol_t *s;
	tl_fx_t qty, px;

	CU_ASSERT_EQUAL_FATAL(load_sample(NULL), 4);
	s = tl_symbols_get(&T, tl_symbols_find(&T, "BTCUSDT"));
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CU_ASSERT_TRUE(tl_fx_quantize(5000017000000LL, s->tick_size, TL_FX_FLOOR, &px));
	CU_ASSERT_EQUAL(px, 5000010000000LL);
	CU_ASSERT_TRUE(tl_fx_div(s->min_notional, px, TL_FX_CEIL, &qty));
	CU_ASSERT_TRUE(tl_fx_quantize(qty, s->step_size, TL_FX_CEIL, &qty));
	CU_ASSERT_EQUAL(qty, 200000);                       /* 0.002 */
	CU_ASSERT_TRUE(tl_fx_on_step(qty, s->step_size));
}

/* cJSON must never read past `len`: an exactly sized heap copy without a
 * NUL lets ASan catch it. */
static void test_load_not_nul_terminated(void)
{
	size_t len;
	char *doc = sample(&len);
	char *exact = malloc(len);

	CU_ASSERT_PTR_NOT_NULL_FATAL(exact);
	memcpy(exact, doc, len);
	CU_ASSERT_EQUAL(tl_symbols_load(&T, exact, len, NULL, err, sizeof(err)), 4);
	free(exact);
	free(doc);
}

/* ---- find -------------------------------------------------------------- */

static void test_find_hits_and_misses(void)
{
	static const char *const miss[] = {
		"BTCUSD", "BTCUSDTT", "btcusdt", "", "XRPUSDT", "BTCUSDT ",
		"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789",
	};
	tl_symbols_t zero;

	CU_ASSERT_EQUAL_FATAL(load_sample(NULL), 4);
	CU_ASSERT_EQUAL(tl_symbols_find(&T, "BTCUSDT"), 0);
	CU_ASSERT_EQUAL(tl_symbols_find(&T, "ETHUSDT"), 1);
	CU_ASSERT_EQUAL(tl_symbols_find(&T, "SOLUSDT"), 2);
	CU_ASSERT_EQUAL(tl_symbols_find(&T, "ALPACAUSDT"), 3);
	for (size_t i = 0; i < sizeof(miss) / sizeof(miss[0]); i++)
		CU_ASSERT_EQUAL(tl_symbols_find(&T, miss[i]), -1);
	CU_ASSERT_EQUAL(tl_symbols_find(&T, NULL), -1);
	memset(&zero, 0, sizeof(zero));
	CU_ASSERT_EQUAL(tl_symbols_find(&zero, "BTCUSDT"), -1);
}

/* A full 256-slot table: every name found at its id through the probe
 * chains, 256 misses fail, and a 257th add is refused. */
static void test_find_full_table(void)
{
	tl_symbols_t t;
	tl_symbol_t s;
	char name[TL_SYMBOL_NAMELEN];

	CU_ASSERT_EQUAL_FATAL(tl_symbols_init(&t, TL_SYMBOLS_MAX, err, sizeof(err)), 0);
	memset(&s, 0, sizeof(s));
	s.tick_size = 1;
	s.step_size = 1;
	for (int i = 0; i < TL_SYMBOLS_MAX; i++) {
		snprintf(s.name, sizeof(s.name), "S%dUSDT", i);
		CU_ASSERT_EQUAL(tl_symbols_add(&t, &s), i);
	}
	CU_ASSERT_EQUAL(t.count, TL_SYMBOLS_MAX);
	for (int i = 0; i < TL_SYMBOLS_MAX; i++) {
		snprintf(name, sizeof(name), "S%dUSDT", i);
		CU_ASSERT_EQUAL(tl_symbols_find(&t, name), i);
		snprintf(name, sizeof(name), "S%dUSDC", i);
		CU_ASSERT_EQUAL(tl_symbols_find(&t, name), -1);
	}
	snprintf(s.name, sizeof(s.name), "ONEMORE");
	CU_ASSERT_EQUAL(tl_symbols_add(&t, &s), -1);
	tl_symbols_free(&t);
}

/* ---- only -------------------------------------------------------------- */

static void test_only_subset(void)
{
	const char *const only[] = { "ETHUSDT", "ALPACAUSDT", NULL };

	CU_ASSERT_EQUAL(load_sample(only), 2);
	/* Document order, not list order. */
	CU_ASSERT_EQUAL(tl_symbols_find(&T, "ETHUSDT"), 0);
	CU_ASSERT_EQUAL(tl_symbols_find(&T, "ALPACAUSDT"), 1);
	CU_ASSERT_EQUAL(tl_symbols_find(&T, "BTCUSDT"), -1);
	CU_ASSERT_EQUAL(tl_symbols_find(&T, "SOLUSDT"), -1);
}

static void test_only_missing_name(void)
{
	const char *const only[] = { "BTCUSDT", "DOGEUSDT", NULL };

	CU_ASSERT_EQUAL(load_sample(only), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "DOGEUSDT"));
	CU_ASSERT_EQUAL(T.count, 0);
	CU_ASSERT_EQUAL(tl_symbols_find(&T, "BTCUSDT"), -1);
}

/* An empty list keeps nothing, and loading nothing is an error. */
static void test_only_empty_list(void)
{
	const char *const only[] = { NULL };

	CU_ASSERT_EQUAL(load_sample(only), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "no symbols"));
}

/* Symbols outside `only` are not validated: the live document carries
 * delivery contracts ("BTCUSDT_250926") and names we refuse; they must
 * not stop a load that does not ask for them. */
static void test_only_skips_unwanted_unvalidated(void)
{
	const char *doc = DOC(
		SYM("BTCUSDT_250926", GOOD_FILTERS) ","
		SYM("BTCUSDT", GOOD_FILTERS) ","
		SYM("JUNKUSDT", PF("\"-1\"", "\"x\"", "7")));
	const char *const only[] = { "BTCUSDT", NULL };

	CU_ASSERT_EQUAL(load_str(doc, only), 1);
	CU_ASSERT_EQUAL(tl_symbols_find(&T, "BTCUSDT"), 0);

	CU_ASSERT_EQUAL(load_str(doc, NULL), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "BTCUSDT_250926"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "symbol"));
	CU_ASSERT_EQUAL(T.count, 0);
}

/* ---- table-level behaviour --------------------------------------------- */

static void test_capacity_exceeded(void)
{
	tl_symbols_t t;
	size_t len;
	char *doc = sample(&len);
	const char *const only[] = { "BTCUSDT", "SOLUSDT", NULL };

	CU_ASSERT_EQUAL_FATAL(tl_symbols_init(&t, 2, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(tl_symbols_load(&t, doc, len, NULL, err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "capacity"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "SOLUSDT"));     /* the 3rd one */
	CU_ASSERT_EQUAL(t.count, 0);
	CU_ASSERT_EQUAL(tl_symbols_load(&t, doc, len, only, err, sizeof(err)), 2);
	tl_symbols_free(&t);
	free(doc);
}

/* Load replaces the table rather than appending to it. */
static void test_reload_replaces(void)
{
	const char *const only[] = { "SOLUSDT", NULL };

	CU_ASSERT_EQUAL(load_sample(NULL), 4);
	CU_ASSERT_EQUAL(load_sample(only), 1);
	CU_ASSERT_EQUAL(T.count, 1);
	CU_ASSERT_EQUAL(tl_symbols_find(&T, "SOLUSDT"), 0);
	CU_ASSERT_EQUAL(tl_symbols_find(&T, "BTCUSDT"), -1);
}

static void test_load_uninitialized(void)
{
	tl_symbols_t zero;

	memset(&zero, 0, sizeof(zero));
	CU_ASSERT_EQUAL(tl_symbols_load(&zero, "{}", 2, NULL, err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "not initialized"));
}

/* Optional filters absent -> 0 ("rule absent"); unknown filter types and
 * extra fields are ignored; multiplierDecimal may be a number. */
static void test_minimal_symbol(void)
{
	const tl_symbol_t *s;
	const char *doc = DOC(SYM("XYZUSDT",
		"{\"filterType\":\"POSITION_RISK_CONTROL\",\"positionControlSide\":\"NONE\"},"
		GOOD_FILTERS ","
		"{\"filterType\":\"PERCENT_PRICE\",\"multiplierUp\":\"1.15\","
		"\"multiplierDown\":\"0.85\",\"multiplierDecimal\":4}"));

	CU_ASSERT_EQUAL_FATAL(load_str(doc, NULL), 1);
	s = tl_symbols_get(&T, 0);
	CU_ASSERT_STRING_EQUAL(s->name, "XYZUSDT");
	CU_ASSERT_EQUAL(s->mkt_step_size, 0);
	CU_ASSERT_EQUAL(s->mkt_max_qty, 0);
	CU_ASSERT_EQUAL(s->min_notional, 0);
	CU_ASSERT_EQUAL(s->max_open_orders, 0);
	CU_ASSERT_EQUAL(s->max_algo_orders, 0);
	CU_ASSERT_EQUAL(s->pct_up, 115000000);
	CU_ASSERT_EQUAL(s->pct_down, 85000000);

	/* maxPrice "0" means "no maximum": min above it is fine. */
	CU_ASSERT_EQUAL(load_str(DOC(SYM("XYZUSDT",
		PF("\"0.1\"", "\"5\"", "\"0\"") "," GOOD_LOT)), NULL), 1);
	/* Edges: precision 0 and 8, 20-char name, limit at UINT32_MAX. */
	CU_ASSERT_EQUAL(load_str(DOC(SYMH(
		"\"symbol\":\"ABCDEFGHIJKLMNOPQRST\",\"status\":\"BREAK\","
		"\"pricePrecision\":8,\"quantityPrecision\":0",
		GOOD_FILTERS ",{\"filterType\":\"MAX_NUM_ORDERS\",\"limit\":4294967295}")),
		NULL), 1);
	s = tl_symbols_get(&T, 0);
	CU_ASSERT_EQUAL(s->max_open_orders, UINT32_MAX);
	CU_ASSERT_EQUAL(s->price_precision, 8);
	CU_ASSERT_EQUAL(s->status, TL_SYM_HALTED);
}

/* ---- bad documents ----------------------------------------------------- */

struct bad_doc {
	const char *why;
	const char *doc;
	const char *want[3];    /* substrings the error must contain */
};

static const struct bad_doc bad_docs[] = {
	/* document level */
	{ "not JSON", "{\"symbols\":[", { "not valid JSON" } },
	{ "not JSON either", "hello", { "not valid JSON" } },
	{ "trailing data", DOC(SYM("BTCUSDT", GOOD_FILTERS)) " x", { "trailing" } },
	{ "two documents", DOC(SYM("BTCUSDT", GOOD_FILTERS)) "{}", { "trailing" } },
	{ "root is array", "[]", { "not a JSON object" } },
	{ "no symbols key", "{\"rateLimits\":[]}", { "symbols", "missing" } },
	{ "symbols not array", "{\"symbols\":{}}", { "symbols", "array" } },
	{ "symbols twice", "{\"symbols\":[],\"symbols\":[]}", { "symbols", "duplicate key" } },
	{ "empty symbols", "{\"symbols\":[]}", { "no symbols" } },
	{ "symbol not object", DOC("1"), { "symbols[0]", "object" } },
	{ "escaped NUL in name", DOC(SYM("BTC\\u0000USDT", GOOD_FILTERS)), { "NUL" } },
	/* the name */
	{ "no name", DOC("{\"status\":\"TRADING\"}"), { "symbols[0]", "symbol", "missing" } },
	{ "name not string", DOC("{\"symbol\":42}"), { "symbols[0]", "symbol", "string" } },
	{ "name too long", DOC(SYM("ABCDEFGHIJKLMNOPQRSTU", GOOD_FILTERS)),
	  { "symbols[0]", "symbol", "ABCDEFGHIJKLMNOPQRSTU" } },
	{ "name empty", DOC(SYM("", GOOD_FILTERS)), { "symbols[0]", "symbol" } },
	{ "name lower case", DOC(SYM("btcusdt", GOOD_FILTERS)), { "symbol", "btcusdt" } },
	{ "name with slash", DOC(SYM("BTC/USDT", GOOD_FILTERS)), { "symbol", "BTC/USDT" } },
	{ "name non-ASCII", DOC(SYM("\xe5\xb8\x81USDT", GOOD_FILTERS)), { "symbol", "[A-Z0-9]" } },
	{ "duplicate symbol",
	  DOC(SYM("BTCUSDT", GOOD_FILTERS) "," SYM("ETHUSDT", GOOD_FILTERS) ","
	      SYM("BTCUSDT", GOOD_FILTERS)),
	  { "symbols[2] BTCUSDT", "duplicate symbol" } },
	/* head fields */
	{ "status missing",
	  DOC(SYMH("\"symbol\":\"BTCUSDT\",\"pricePrecision\":2,\"quantityPrecision\":3", GOOD_FILTERS)),
	  { "BTCUSDT", "status", "missing" } },
	{ "status not string",
	  DOC(SYMH("\"symbol\":\"BTCUSDT\",\"status\":1,\"pricePrecision\":2,\"quantityPrecision\":3", GOOD_FILTERS)),
	  { "BTCUSDT", "status", "string" } },
	{ "precision 12",
	  DOC(SYMH("\"symbol\":\"BTCUSDT\",\"status\":\"TRADING\",\"pricePrecision\":12,\"quantityPrecision\":3", GOOD_FILTERS)),
	  { "BTCUSDT", "pricePrecision", "0..8" } },
	{ "precision negative",
	  DOC(SYMH("\"symbol\":\"BTCUSDT\",\"status\":\"TRADING\",\"pricePrecision\":2,\"quantityPrecision\":-1", GOOD_FILTERS)),
	  { "BTCUSDT", "quantityPrecision" } },
	{ "precision fractional",
	  DOC(SYMH("\"symbol\":\"BTCUSDT\",\"status\":\"TRADING\",\"pricePrecision\":2.5,\"quantityPrecision\":3", GOOD_FILTERS)),
	  { "BTCUSDT", "pricePrecision", "integer" } },
	{ "precision as string",
	  DOC(SYMH("\"symbol\":\"BTCUSDT\",\"status\":\"TRADING\",\"pricePrecision\":\"2\",\"quantityPrecision\":3", GOOD_FILTERS)),
	  { "BTCUSDT", "pricePrecision", "number" } },
	{ "precision missing",
	  DOC(SYMH("\"symbol\":\"BTCUSDT\",\"status\":\"TRADING\",\"pricePrecision\":2", GOOD_FILTERS)),
	  { "BTCUSDT", "quantityPrecision", "missing" } },
	{ "filters missing", DOC("{" HEAD("BTCUSDT") "}"), { "BTCUSDT", "filters", "missing" } },
	{ "filters not array", DOC("{" HEAD("BTCUSDT") ",\"filters\":{}}"),
	  { "BTCUSDT", "filters", "array" } },
	{ "filter not object", DOC(SYM("BTCUSDT", GOOD_FILTERS ",7")),
	  { "BTCUSDT", "filters[2]", "object" } },
	{ "filter without type", DOC(SYM("BTCUSDT", "{\"tickSize\":\"0.1\"}," GOOD_FILTERS)),
	  { "BTCUSDT", "filters[0].filterType", "missing" } },
	{ "filter type not string", DOC(SYM("BTCUSDT", "{\"filterType\":null}," GOOD_FILTERS)),
	  { "BTCUSDT", "filters[0].filterType", "string" } },
	/* required filters */
	{ "no PRICE_FILTER", DOC(SYM("BTCUSDT", GOOD_LOT)), { "BTCUSDT", "PRICE_FILTER", "required" } },
	{ "no LOT_SIZE", DOC(SYM("BTCUSDT", GOOD_PF)), { "BTCUSDT", "LOT_SIZE", "required" } },
	{ "PRICE_FILTER twice", DOC(SYM("BTCUSDT", GOOD_FILTERS "," GOOD_PF)),
	  { "BTCUSDT", "PRICE_FILTER", "twice" } },
	/* PRICE_FILTER values */
	{ "negative tick", DOC(SYM("BTCUSDT", PF("\"-0.10\"", "\"1\"", "\"100\"") "," GOOD_LOT)),
	  { "BTCUSDT", "PRICE_FILTER.tickSize", "-0.1" } },
	{ "zero tick", DOC(SYM("BTCUSDT", PF("\"0.00\"", "\"1\"", "\"100\"") "," GOOD_LOT)),
	  { "BTCUSDT", "PRICE_FILTER.tickSize", "> 0" } },
	{ "exponent tick", DOC(SYM("BTCUSDT", PF("\"1e-3\"", "\"1\"", "\"100\"") "," GOOD_LOT)),
	  { "BTCUSDT", "PRICE_FILTER.tickSize", "\"1e-3\"" } },
	{ "9-decimal tick", DOC(SYM("BTCUSDT", PF("\"0.000000001\"", "\"1\"", "\"100\"") "," GOOD_LOT)),
	  { "BTCUSDT", "PRICE_FILTER.tickSize", "more than 8 decimals" } },
	{ "tick as number", DOC(SYM("BTCUSDT", PF("0.1", "\"1\"", "\"100\"") "," GOOD_LOT)),
	  { "BTCUSDT", "PRICE_FILTER.tickSize", "string" } },
	{ "tick empty string", DOC(SYM("BTCUSDT", PF("\"\"", "\"1\"", "\"100\"") "," GOOD_LOT)),
	  { "BTCUSDT", "PRICE_FILTER.tickSize", "no digits" } },
	{ "tick with space", DOC(SYM("BTCUSDT", PF("\" 0.1\"", "\"1\"", "\"100\"") "," GOOD_LOT)),
	  { "BTCUSDT", "PRICE_FILTER.tickSize" } },
	{ "maxPrice overflow", DOC(SYM("BTCUSDT", PF("\"0.1\"", "\"1\"", "\"92233720368.54775808\"") "," GOOD_LOT)),
	  { "BTCUSDT", "PRICE_FILTER.maxPrice", "range" } },
	{ "maxPrice missing",
	  DOC(SYM("BTCUSDT", "{\"filterType\":\"PRICE_FILTER\",\"tickSize\":\"0.1\",\"minPrice\":\"1\"}," GOOD_LOT)),
	  { "BTCUSDT", "PRICE_FILTER.maxPrice", "missing" } },
	{ "negative minPrice", DOC(SYM("BTCUSDT", PF("\"0.1\"", "\"-1\"", "\"100\"") "," GOOD_LOT)),
	  { "BTCUSDT", "PRICE_FILTER.minPrice", ">= 0" } },
	{ "minPrice > maxPrice", DOC(SYM("BTCUSDT", PF("\"0.1\"", "\"200\"", "\"100\"") "," GOOD_LOT)),
	  { "BTCUSDT", "PRICE_FILTER.minPrice > maxPrice", "200 > 100" } },
	{ "tickSize twice",
	  DOC(SYM("BTCUSDT", "{\"filterType\":\"PRICE_FILTER\",\"tickSize\":\"0.1\",\"minPrice\":\"1\","
		  "\"maxPrice\":\"100\",\"tickSize\":\"-5\"}," GOOD_LOT)),
	  { "BTCUSDT", "PRICE_FILTER.tickSize", "duplicate key" } },
	/* LOT_SIZE / MARKET_LOT_SIZE */
	{ "zero step", DOC(SYM("BTCUSDT", GOOD_PF "," LOT("\"0\"", "\"0.001\"", "\"1000\""))),
	  { "BTCUSDT", "LOT_SIZE.stepSize", "> 0" } },
	{ "minQty > maxQty", DOC(SYM("BTCUSDT", GOOD_PF "," LOT("\"0.001\"", "\"5\"", "\"1\""))),
	  { "BTCUSDT", "LOT_SIZE.minQty > maxQty" } },
	{ "negative maxQty", DOC(SYM("BTCUSDT", GOOD_PF "," LOT("\"0.001\"", "\"0.001\"", "\"-1\""))),
	  { "BTCUSDT", "LOT_SIZE.maxQty", ">= 0" } },
	{ "market zero step",
	  DOC(SYM("BTCUSDT", GOOD_FILTERS "," MLOT("\"0\"", "\"0.001\"", "\"120\""))),
	  { "BTCUSDT", "MARKET_LOT_SIZE.stepSize", "> 0" } },
	{ "market min > max",
	  DOC(SYM("BTCUSDT", GOOD_FILTERS "," MLOT("\"0.001\"", "\"200\"", "\"120\""))),
	  { "BTCUSDT", "MARKET_LOT_SIZE.minQty > maxQty" } },
	{ "market minQty wrong type",
	  DOC(SYM("BTCUSDT", GOOD_FILTERS "," MLOT("\"0.001\"", "true", "\"120\""))),
	  { "BTCUSDT", "MARKET_LOT_SIZE.minQty", "string" } },
	/* MIN_NOTIONAL / PERCENT_PRICE */
	{ "notional under old key",
	  DOC(SYM("BTCUSDT", GOOD_FILTERS ",{\"filterType\":\"MIN_NOTIONAL\",\"minNotional\":\"5\"}")),
	  { "BTCUSDT", "MIN_NOTIONAL.notional", "missing" } },
	{ "negative notional",
	  DOC(SYM("BTCUSDT", GOOD_FILTERS ",{\"filterType\":\"MIN_NOTIONAL\",\"notional\":\"-5\"}")),
	  { "BTCUSDT", "MIN_NOTIONAL.notional", ">= 0" } },
	{ "multiplierUp below 1",
	  DOC(SYM("BTCUSDT", GOOD_FILTERS ",{\"filterType\":\"PERCENT_PRICE\",\"multiplierUp\":\"0.95\",\"multiplierDown\":\"0.95\"}")),
	  { "BTCUSDT", "PERCENT_PRICE.multiplierUp" } },
	{ "multiplierDown above 1",
	  DOC(SYM("BTCUSDT", GOOD_FILTERS ",{\"filterType\":\"PERCENT_PRICE\",\"multiplierUp\":\"1.05\",\"multiplierDown\":\"1.05\"}")),
	  { "BTCUSDT", "PERCENT_PRICE.multiplierDown" } },
	{ "multiplierDown missing",
	  DOC(SYM("BTCUSDT", GOOD_FILTERS ",{\"filterType\":\"PERCENT_PRICE\",\"multiplierUp\":\"1.05\"}")),
	  { "BTCUSDT", "PERCENT_PRICE.multiplierDown", "missing" } },
	/* MAX_NUM_ORDERS / MAX_NUM_ALGO_ORDERS */
	{ "limit as string",
	  DOC(SYM("BTCUSDT", GOOD_FILTERS ",{\"filterType\":\"MAX_NUM_ORDERS\",\"limit\":\"200\"}")),
	  { "BTCUSDT", "MAX_NUM_ORDERS.limit", "number" } },
	{ "limit fractional",
	  DOC(SYM("BTCUSDT", GOOD_FILTERS ",{\"filterType\":\"MAX_NUM_ORDERS\",\"limit\":200.5}")),
	  { "BTCUSDT", "MAX_NUM_ORDERS.limit", "integer" } },
	{ "limit zero",
	  DOC(SYM("BTCUSDT", GOOD_FILTERS ",{\"filterType\":\"MAX_NUM_ORDERS\",\"limit\":0}")),
	  { "BTCUSDT", "MAX_NUM_ORDERS.limit" } },
	{ "limit negative",
	  DOC(SYM("BTCUSDT", GOOD_FILTERS ",{\"filterType\":\"MAX_NUM_ALGO_ORDERS\",\"limit\":-10}")),
	  { "BTCUSDT", "MAX_NUM_ALGO_ORDERS.limit" } },
	{ "limit above uint32",
	  DOC(SYM("BTCUSDT", GOOD_FILTERS ",{\"filterType\":\"MAX_NUM_ALGO_ORDERS\",\"limit\":4294967296}")),
	  { "BTCUSDT", "MAX_NUM_ALGO_ORDERS.limit" } },
	{ "limit infinite",
	  DOC(SYM("BTCUSDT", GOOD_FILTERS ",{\"filterType\":\"MAX_NUM_ORDERS\",\"limit\":1e999}")),
	  { "BTCUSDT", "MAX_NUM_ORDERS.limit" } },
	{ "limit missing",
	  DOC(SYM("BTCUSDT", GOOD_FILTERS ",{\"filterType\":\"MAX_NUM_ALGO_ORDERS\"}")),
	  { "BTCUSDT", "MAX_NUM_ALGO_ORDERS.limit", "missing" } },
	/* the error names the symbol it is about, not the first one */
	{ "second symbol bad",
	  DOC(SYM("BTCUSDT", GOOD_FILTERS) "," SYM("ETHUSDT", GOOD_PF)),
	  { "symbols[1] ETHUSDT", "LOT_SIZE" } },
};

/* Every bad document is refused, with a message naming what is wrong,
 * and leaves the table empty even though it held the sample before. */
static void test_bad_documents(void)
{
	for (size_t i = 0; i < sizeof(bad_docs) / sizeof(bad_docs[0]); i++) {
		const struct bad_doc *b = &bad_docs[i];
		int n;

		CU_ASSERT_EQUAL_FATAL(load_sample(NULL), 4);
		memset(err, 0, sizeof(err));
		n = load_str(b->doc, NULL);
		CU_ASSERT_EQUAL(n, -1);
		CU_ASSERT_EQUAL(T.count, 0);
		CU_ASSERT_EQUAL(tl_symbols_find(&T, "BTCUSDT"), -1);
		CU_ASSERT_PTR_NULL(tl_symbols_get(&T, 0));
		for (int k = 0; k < 3 && b->want[k]; k++) {
			int ok = strstr(err, b->want[k]) != NULL;

			if (!ok || n != -1)
				printf("\n  [%s] rc=%d err=\"%s\" (want \"%s\")\n",
				       b->why, n, err, b->want[k]);
			CU_ASSERT_TRUE(ok);
		}
	}
}

/* The same documents with tiny or absent error buffers: refused, no
 * overrun (ASan), message truncated but terminated. */
static void test_bad_documents_small_errbuf(void)
{
	for (size_t i = 0; i < sizeof(bad_docs) / sizeof(bad_docs[0]); i++) {
		const char *d = bad_docs[i].doc;
		char small[8];

		CU_ASSERT_EQUAL(tl_symbols_load(&T, d, strlen(d), NULL, NULL, 0), -1);
		CU_ASSERT_EQUAL(tl_symbols_load(&T, d, strlen(d), NULL, small, 1), -1);
		CU_ASSERT_EQUAL(small[0], '\0');
		CU_ASSERT_EQUAL(tl_symbols_load(&T, d, strlen(d), NULL, small, sizeof(small)), -1);
		CU_ASSERT_TRUE(strlen(small) < sizeof(small));
	}
}

/* A raw NUL byte inside the declared length would let cJSON cut a string
 * short; refused before parsing. Also: empty and NULL documents. */
static void test_raw_nul_and_empty(void)
{
	static const char doc[] = "{\"symbols\":[{\"symbol\":\"BTC\0USDT\"}]}";

	CU_ASSERT_EQUAL(tl_symbols_load(&T, doc, sizeof(doc) - 1, NULL, err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "NUL"));
	CU_ASSERT_EQUAL(tl_symbols_load(&T, "", 0, NULL, err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "empty"));
	CU_ASSERT_EQUAL(tl_symbols_load(&T, NULL, 10, NULL, err, sizeof(err)), -1);
	/* "\\u0000" is an escaped backslash then text, not a NUL: the
	 * document is fine apart from the name, which fails on its own. */
	CU_ASSERT_EQUAL(load_str(DOC(SYM("A\\\\u0000", GOOD_FILTERS)), NULL), -1);
	CU_ASSERT_PTR_NULL(strstr(err, "NUL"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "symbol"));
}

/* 16 MiB is accepted (white space padding is legal JSON); one more byte
 * is refused before cJSON sees it. */
static void test_document_size_limit(void)
{
	const size_t max = (size_t)16 << 20;
	const char *good = DOC(SYM("BTCUSDT", GOOD_FILTERS));
	char *buf = malloc(max + 1);

	CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
	memset(buf, ' ', max + 1);
	memcpy(buf, good, strlen(good));
	CU_ASSERT_EQUAL(tl_symbols_load(&T, buf, max, NULL, err, sizeof(err)), 1);
	CU_ASSERT_EQUAL(tl_symbols_load(&T, buf, max + 1, NULL, err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "limit"));
	CU_ASSERT_EQUAL(T.count, 0);
	free(buf);
}

/* ---- add --------------------------------------------------------------- */

static tl_symbol_t good_symbol(const char *name)
{
	tl_symbol_t s;

	memset(&s, 0, sizeof(s));
	snprintf(s.name, sizeof(s.name), "%s", name);
	s.status = TL_SYM_TRADING;
	s.tick_size = 10000000;
	s.min_price = 55680000000LL;
	s.max_price = 452976400000000LL;
	s.step_size = 100000;
	s.min_qty = 100000;
	s.max_qty = 1000 * ONE;
	s.min_notional = 100 * ONE;
	s.pct_up = 105000000;
	s.pct_down = 95000000;
	s.price_precision = 2;
	s.qty_precision = 3;
	return s;
}

static void test_add(void)
{
	tl_symbol_t s = good_symbol("BTCUSDT");
	tl_symbols_t t;

	CU_ASSERT_EQUAL(tl_symbols_add(&T, &s), 0);
	CU_ASSERT_EQUAL(tl_symbols_add(&T, &s), -1);            /* duplicate */
	s = good_symbol("ETHUSDT");
	/* Junk after the NUL must not make it a different name. */
	memset(s.name + 8, 'Z', sizeof(s.name) - 9);
	CU_ASSERT_EQUAL(tl_symbols_add(&T, &s), 1);
	CU_ASSERT_EQUAL(tl_symbols_find(&T, "ETHUSDT"), 1);
	CU_ASSERT_EQUAL(T.sym[1].name[10], '\0');
	CU_ASSERT_EQUAL(T.sym[0].tick_size, 10000000);
	CU_ASSERT_EQUAL(T.sym[0].max_qty, 1000 * ONE);
	CU_ASSERT_EQUAL(tl_symbols_add(&T, NULL), -1);
	memset(&t, 0, sizeof(t));
	CU_ASSERT_EQUAL(tl_symbols_add(&t, &s), -1);            /* not initialized */
}

static void test_add_invalid(void)
{
	tl_symbol_t s;

#define REFUSE(mutation)                                                      \
	do {                                                                  \
		s = good_symbol("SOLUSDT");                                   \
		mutation;                                                     \
		CU_ASSERT_EQUAL(tl_symbols_add(&T, &s), -1);                  \
	} while (0)

	REFUSE(s.tick_size = 0);
	REFUSE(s.tick_size = -1);
	REFUSE(s.step_size = 0);
	REFUSE(s.min_price = -1);
	REFUSE(s.min_price = s.max_price + 1);
	REFUSE(s.min_qty = s.max_qty + 1);
	REFUSE((s.mkt_min_qty = 5, s.mkt_max_qty = 4));
	REFUSE(s.mkt_step_size = -1);
	REFUSE(s.min_notional = -1);
	REFUSE(s.pct_up = ONE - 1);
	REFUSE(s.pct_down = ONE + 1);
	REFUSE(s.pct_down = -1);
	REFUSE(s.price_precision = 9);
	REFUSE(s.qty_precision = 12);
	REFUSE(s.status = (tl_symbol_status_t)7);
	REFUSE(s.mark = -1);
	REFUSE(s.name[0] = '\0');
	REFUSE(snprintf(s.name, sizeof(s.name), "sol"));
	REFUSE(snprintf(s.name, sizeof(s.name), "SOL-USDT"));
	REFUSE(snprintf(s.name, sizeof(s.name), "ABCDEFGHIJKLMNOPQRSTU"));
	REFUSE(memset(s.name, 'A', sizeof(s.name)));            /* no NUL */
#undef REFUSE
	CU_ASSERT_EQUAL(T.count, 0);

	/* The same record with every rule intact goes in. */
	s = good_symbol("SOLUSDT");
	CU_ASSERT_EQUAL(tl_symbols_add(&T, &s), 0);
}

static void test_add_until_full(void)
{
	char name[16];

	for (int i = 0; i < 8; i++) {
		tl_symbol_t s;

		snprintf(name, sizeof(name), "SYM%d", i);
		s = good_symbol(name);
		CU_ASSERT_EQUAL(tl_symbols_add(&T, &s), i);
	}
	{
		tl_symbol_t s = good_symbol("SYM8");

		CU_ASSERT_EQUAL(tl_symbols_add(&T, &s), -1);
	}
	CU_ASSERT_EQUAL(T.count, 8);
	CU_ASSERT_EQUAL(tl_symbols_find(&T, "SYM7"), 7);
}

/* ---- allocation ------------------------------------------------------- */

/* Fail allocation n = 0, 1, 2, ... inside init: -1 and nothing held (ASan
 * reports any leak) until enough allocations succeed. */
static void test_init_alloc_faults(void)
{
	size_t n;

	for (n = 0; n < 100; n++) {
		tl_symbols_t t;
		int rc;

		tl_alloc_hook_arm_fail_after(n);
		rc = tl_symbols_init(&t, 16, err, sizeof(err));
		tl_alloc_hook_disarm();
		if (rc == 0) {
			tl_symbols_free(&t);
			break;
		}
		CU_ASSERT_EQUAL(rc, -1);
		CU_ASSERT_PTR_NULL(t.sym);
		CU_ASSERT_PTR_NULL(t.index);
		CU_ASSERT_PTR_NOT_NULL(strstr(err, "out of memory"));
	}
	CU_ASSERT_EQUAL(n, 2);          /* exactly two arrays */
}

/* The same inside load (all of them are cJSON's): every failure point
 * gives -1 and an empty table, never a half-loaded one. */
static void test_load_alloc_faults(void)
{
	size_t len, n, failures = 0;
	char *doc = sample(&len);

	for (n = 0; n < 100000; n++) {
		int rc;

		tl_alloc_hook_arm_fail_after(n);
		rc = tl_symbols_load(&T, doc, len, NULL, err, sizeof(err));
		tl_alloc_hook_disarm();
		if (rc == 4)
			break;
		failures++;
		CU_ASSERT_EQUAL(rc, -1);
		CU_ASSERT_EQUAL(T.count, 0);
		CU_ASSERT_EQUAL(tl_symbols_find(&T, "BTCUSDT"), -1);
	}
	CU_ASSERT_EQUAL(T.count, 4);
	CU_ASSERT_TRUE(failures > 100);  /* the loop really ran cJSON's paths */
	free(doc);
}

/* After init, the table never touches the heap: find, get, add and a
 * mark update are hot-path operations. */
static void test_no_alloc_after_init(void)
{
	tl_symbol_t s = good_symbol("BTCUSDT");
	size_t calls;
	int id, miss;

	tl_alloc_hook_arm();
	id = tl_symbols_add(&T, &s);
	miss = tl_symbols_find(&T, "ETHUSDT");
	tl_symbols_get(&T, tl_symbols_find(&T, "BTCUSDT"))->mark = 5 * ONE;
	calls = tl_alloc_hook_disarm();
	CU_ASSERT_EQUAL(calls, 0);
	CU_ASSERT_EQUAL(id, 0);
	CU_ASSERT_EQUAL(miss, -1);
	CU_ASSERT_EQUAL(T.sym[0].mark, 5 * ONE);
}

TL_TEST_SUITE("kernel.symbols", setup, teardown,
	      TL_TEST(test_init_capacity),
	      TL_TEST(test_load_sample_btcusdt),
	      TL_TEST(test_load_sample_others),
	      TL_TEST(test_sample_filters_usable),
	      TL_TEST(test_load_not_nul_terminated),
	      TL_TEST(test_find_hits_and_misses),
	      TL_TEST(test_find_full_table),
	      TL_TEST(test_only_subset),
	      TL_TEST(test_only_missing_name),
	      TL_TEST(test_only_empty_list),
	      TL_TEST(test_only_skips_unwanted_unvalidated),
	      TL_TEST(test_capacity_exceeded),
	      TL_TEST(test_reload_replaces),
	      TL_TEST(test_load_uninitialized),
	      TL_TEST(test_minimal_symbol),
	      TL_TEST(test_bad_documents),
	      TL_TEST(test_bad_documents_small_errbuf),
	      TL_TEST(test_raw_nul_and_empty),
	      TL_TEST(test_document_size_limit),
	      TL_TEST(test_add),
	      TL_TEST(test_add_invalid),
	      TL_TEST(test_add_until_full),
	      TL_TEST(test_init_alloc_faults),
	      TL_TEST(test_load_alloc_faults),
	      TL_TEST(test_no_alloc_after_init));
