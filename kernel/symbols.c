/*
 * symbols.c - the symbol table: load from exchangeInfo, validate, index.
 *
 * Parts, in order: error text and the name hash; the record validator
 * shared by load and add; the index (insert, find); the exchangeInfo
 * loader (document checks, JSON field readers, one symbol, the document).
 *
 * Invariants (checked by tl_symbols_check under assert):
 *   1. count <= cap <= TL_SYMBOLS_MAX and index_cap is a power of two
 *      >= 2 * cap, so the index is at most half full and every probe
 *      sequence reaches an empty slot: find() terminates in O(1) expected.
 *   2. Every record passes tl_symbols_check_one: a valid name, tick_size
 *      and step_size > 0, no negative filter value, min <= max where a max
 *      exists. Callers may quantize with tick/step without re-checking.
 *   3. Names are unique; index[] holds id + 1 for each record exactly once
 *      (0 = empty slot). Records are never removed, so no tombstones.
 *
 * Loading policy:
 *   - Load replaces the table (it is emptied first, and again on error);
 *     tl_symbols_add after a load appends.
 *   - Symbols left out by `only` are skipped after reading their name and
 *     are not validated: the live document lists names this table refuses
 *     (delivery contracts "BTCUSDT_250926", non-ASCII listings), and a
 *     symbol we do not trade must not stop the engine from starting.
 *   - Money is read only from JSON strings through tl_fx_parse; counts
 *     and precisions are JSON numbers, checked to be exact integers.
 *   - A key given twice in one object, a NUL inside the document, and
 *     anything after the top-level value are refused.
 *   - Errors read "symbols[<i>] <NAME>: <FILTER>.<field>: <problem>".
 *
 * tl_symbols_init overwrites *t without freeing: free a table first.
 *
 * Memory: tl_symbols_init allocates the two arrays; tl_symbols_load
 * allocates only through cJSON and frees it before returning. Nothing else
 * allocates. No I/O, no clock. Owned by the kernel's thread.
 */
#include "kernel/symbols.h"

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

/* Largest document tl_symbols_load accepts. The live USD-M exchangeInfo
 * is about 1.5 MiB; the bound keeps a hostile or corrupted file from
 * making cJSON allocate without limit. */
#define TL_SYMBOLS_DOC_MAX ((size_t)16 << 20)
/* Longest venue symbol name we accept (the venue's own limit). */
#define TL_SYMBOLS_NAME_MAX 20

_Static_assert(TL_SYMBOLS_MAX < UINT16_MAX, "index cells hold id + 1 in 16 bits");

/* ---- helpers ----------------------------------------------------------- */

static void tl_symbols_err(char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void tl_symbols_err(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (buf == NULL || len == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
}

/* FNV-1a, 32 bits: tiny, no tables, good enough for <= 256 short names. */
static uint32_t tl_symbols_hash(const char *s, size_t n)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 16777619u;
	}
	return h;
}

/* Venue names are upper-case ASCII letters and digits. Anything else
 * (lower case, '_', '/', UTF-8) is refused rather than guessed at: names go
 * into REST queries, stream names and the journal unescaped. */
static bool tl_symbols_name_ok(const char *s, size_t n)
{
	if (n < 1 || n > TL_SYMBOLS_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')))
			return false;
	}
	return true;
}

/* Text of a value for an error message. */
static const char *tl_symbols_fxstr(tl_fx_t v, char buf[TL_FX_STRLEN])
{
	tl_fx_format(v, -1, buf, TL_FX_STRLEN);
	return buf;
}

/*
 * Checks one record against invariant 2. Writes "field: problem" into msg
 * using the exchangeInfo field names, so load errors and add errors read
 * the same. Returns 0 or -1.
 */
static int tl_symbols_check_one(const tl_symbol_t *s, char *msg, size_t len)
{
	char a[TL_FX_STRLEN], b[TL_FX_STRLEN];
	size_t n = strnlen(s->name, TL_SYMBOL_NAMELEN);
	const struct {
		const char *field;
		tl_fx_t v;
	} nonneg[] = {
		{ "PRICE_FILTER.minPrice", s->min_price },
		{ "PRICE_FILTER.maxPrice", s->max_price },
		{ "LOT_SIZE.minQty", s->min_qty },
		{ "LOT_SIZE.maxQty", s->max_qty },
		{ "MARKET_LOT_SIZE.stepSize", s->mkt_step_size },
		{ "MARKET_LOT_SIZE.minQty", s->mkt_min_qty },
		{ "MARKET_LOT_SIZE.maxQty", s->mkt_max_qty },
		{ "MIN_NOTIONAL.notional", s->min_notional },
		{ "mark", s->mark },
	};
	const struct {
		const char *what;
		tl_fx_t min, max;
	} ranges[] = {
		{ "PRICE_FILTER.minPrice > maxPrice", s->min_price, s->max_price },
		{ "LOT_SIZE.minQty > maxQty", s->min_qty, s->max_qty },
		{ "MARKET_LOT_SIZE.minQty > maxQty", s->mkt_min_qty, s->mkt_max_qty },
	};

	if (n >= TL_SYMBOL_NAMELEN || !tl_symbols_name_ok(s->name, n)) {
		tl_symbols_err(msg, len, "symbol: name must be 1..%d of [A-Z0-9]",
			       TL_SYMBOLS_NAME_MAX);
		return -1;
	}
	if (s->status != TL_SYM_TRADING && s->status != TL_SYM_HALTED) {
		tl_symbols_err(msg, len, "status: invalid value %d", (int)s->status);
		return -1;
	}
	if (s->price_precision > TL_FX_DECIMALS) {
		tl_symbols_err(msg, len, "pricePrecision: %u not in 0..8",
			       (unsigned)s->price_precision);
		return -1;
	}
	if (s->qty_precision > TL_FX_DECIMALS) {
		tl_symbols_err(msg, len, "quantityPrecision: %u not in 0..8",
			       (unsigned)s->qty_precision);
		return -1;
	}
	if (s->tick_size <= 0) {
		tl_symbols_err(msg, len, "PRICE_FILTER.tickSize: %s must be > 0",
			       tl_symbols_fxstr(s->tick_size, a));
		return -1;
	}
	if (s->step_size <= 0) {
		tl_symbols_err(msg, len, "LOT_SIZE.stepSize: %s must be > 0",
			       tl_symbols_fxstr(s->step_size, a));
		return -1;
	}
	for (size_t i = 0; i < sizeof(nonneg) / sizeof(nonneg[0]); i++) {
		if (nonneg[i].v < 0) {
			tl_symbols_err(msg, len, "%s: %s must be >= 0",
				       nonneg[i].field,
				       tl_symbols_fxstr(nonneg[i].v, a));
			return -1;
		}
	}
	/* A max of 0 means "no maximum", so only a real max bounds min. */
	for (size_t i = 0; i < sizeof(ranges) / sizeof(ranges[0]); i++) {
		if (ranges[i].max != 0 && ranges[i].min > ranges[i].max) {
			tl_symbols_err(msg, len, "%s (%s > %s)", ranges[i].what,
				       tl_symbols_fxstr(ranges[i].min, a),
				       tl_symbols_fxstr(ranges[i].max, b));
			return -1;
		}
	}
	/* PERCENT_PRICE bands bracket the mark price: a BUY may go up to
	 * mark * up, a SELL down to mark * down. 0 = no band. */
	if (s->pct_up != 0 && s->pct_up < TL_FX_ONE) {
		tl_symbols_err(msg, len, "PERCENT_PRICE.multiplierUp: %s must be >= 1",
			       tl_symbols_fxstr(s->pct_up, a));
		return -1;
	}
	if (s->pct_down < 0 || s->pct_down > TL_FX_ONE) {
		tl_symbols_err(msg, len,
			       "PERCENT_PRICE.multiplierDown: %s must be in 0..1",
			       tl_symbols_fxstr(s->pct_down, a));
		return -1;
	}
	return 0;
}

/* ---- index ------------------------------------------------------------- */

/* Invariant checker, for assert(). O(count). */
static bool tl_symbols_check(const tl_symbols_t *t)
{
	uint32_t used = 0;
	char msg[128];

	if (t->count > t->cap || t->cap > TL_SYMBOLS_MAX)
		return false;
	if (t->index_cap < 2 * t->cap || (t->index_cap & (t->index_cap - 1)))
		return false;
	for (uint32_t i = 0; i < t->index_cap; i++) {
		if (t->index[i] == 0)
			continue;
		if (t->index[i] > t->count)
			return false;
		used++;
	}
	if (used != t->count)
		return false;
	for (uint32_t id = 0; id < t->count; id++) {
		if (tl_symbols_check_one(&t->sym[id], msg, sizeof(msg)) != 0)
			return false;
		if (tl_symbols_find(t, t->sym[id].name) != (int)id)
			return false;
	}
	return true;
}

/* Append a validated, unique record. Caller checked count < cap. */
static int tl_symbols_insert(tl_symbols_t *t, const tl_symbol_t *s)
{
	uint32_t id = t->count, mask = t->index_cap - 1;
	size_t n = strnlen(s->name, TL_SYMBOL_NAMELEN);
	uint32_t i = tl_symbols_hash(s->name, n) & mask;

	t->sym[id] = *s;
	/* Zero the name's tail so records compare and journal byte-exact. */
	memset(t->sym[id].name + n, 0, TL_SYMBOL_NAMELEN - n);
	while (t->index[i] != 0)
		i = (i + 1) & mask;
	t->index[i] = (uint16_t)(id + 1);
	t->count++;
	return (int)id;
}

/* Back to an empty table; keeps the allocations. */
static void tl_symbols_reset(tl_symbols_t *t)
{
	if (t->sym != NULL)
		memset(t->sym, 0, (size_t)t->cap * sizeof(*t->sym));
	if (t->index != NULL)
		memset(t->index, 0, (size_t)t->index_cap * sizeof(*t->index));
	t->count = 0;
}

int tl_symbols_init(tl_symbols_t *t, uint32_t cap, char *errbuf, size_t errlen)
{
	uint32_t icap = 2;

	memset(t, 0, sizeof(*t));
	if (cap < 1 || cap > TL_SYMBOLS_MAX) {
		tl_symbols_err(errbuf, errlen, "symbols: capacity %u not in 1..%d",
			       cap, TL_SYMBOLS_MAX);
		return -1;
	}
	while (icap < 2 * cap)
		icap *= 2;
	t->sym = calloc(cap, sizeof(*t->sym));
	t->index = calloc(icap, sizeof(*t->index));
	if (t->sym == NULL || t->index == NULL) {
		tl_symbols_free(t);
		tl_symbols_err(errbuf, errlen, "symbols: out of memory for %u symbols",
			       cap);
		return -1;
	}
	t->cap = cap;
	t->index_cap = icap;
	assert(tl_symbols_check(t));
	return 0;
}

void tl_symbols_free(tl_symbols_t *t)
{
	free(t->sym);
	free(t->index);
	memset(t, 0, sizeof(*t));
}

int tl_symbols_find(const tl_symbols_t *t, const char *name)
{
	uint32_t mask, i;
	size_t n;

	if (t == NULL || t->index == NULL || name == NULL)
		return -1;
	n = strnlen(name, TL_SYMBOL_NAMELEN);
	if (n == 0 || n >= TL_SYMBOL_NAMELEN)
		return -1;
	mask = t->index_cap - 1;
	for (i = tl_symbols_hash(name, n) & mask;; i = (i + 1) & mask) {
		uint16_t e = t->index[i];

		if (e == 0)
			return -1;
		/* n + 1 bytes: the stored name's NUL must line up too. */
		if (memcmp(t->sym[e - 1].name, name, n + 1) == 0)
			return e - 1;
	}
}

int tl_symbols_add(tl_symbols_t *t, const tl_symbol_t *s)
{
	char msg[128];
	int id;

	if (t == NULL || t->sym == NULL || s == NULL)
		return -1;
	if (tl_symbols_check_one(s, msg, sizeof(msg)) != 0)
		return -1;
	if (t->count >= t->cap || tl_symbols_find(t, s->name) >= 0)
		return -1;
	id = tl_symbols_insert(t, s);
	assert(tl_symbols_check(t));
	return id;
}

/* ---- exchangeInfo loader ----------------------------------------------- */

/*
 * cJSON decodes "\u0000" and keeps raw NUL bytes inside strings, which
 * would silently cut a name or a decimal short ("BTC\u0000X" -> "BTC").
 * Refuse both before parsing. Backslashes only occur inside strings in
 * valid JSON, so skipping the escaped character keeps "\\u0000" (an
 * escaped backslash, then text) from being misread. Returns the offset of
 * the offending byte, or len when the document is clean.
 */
static size_t tl_symbols_find_nul(const char *json, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (json[i] == '\0')
			return i;
		if (json[i] != '\\' || i + 1 >= len)
			continue;
		if (json[i + 1] == 'u' && i + 5 < len &&
		    memcmp(json + i + 2, "0000", 4) == 0)
			return i;
		i++;   /* skip the escaped character */
	}
	return len;
}

/* Where load errors are written and which symbol they are about. */
struct tl_symbols_ctx {
	char *err;
	size_t errlen;
	char who[64];           /* "symbols[12] BTCUSDT" */
};

static void tl_symbols_ferr(struct tl_symbols_ctx *c, const char *filter,
			    const char *key, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* "symbols[0] BTCUSDT: PRICE_FILTER.tickSize: <problem>" */
static void tl_symbols_ferr(struct tl_symbols_ctx *c, const char *filter,
			    const char *key, const char *fmt, ...)
{
	char problem[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(problem, sizeof(problem), fmt, ap);
	va_end(ap);
	tl_symbols_err(c->err, c->errlen, "%s: %s%s%s: %s", c->who,
		       filter ? filter : "", filter ? "." : "", key, problem);
}

/*
 * The member `key` of object `obj`, or NULL when absent. cJSON returns the
 * first of duplicate keys; a document that says two different things about
 * one field is refused instead (returns -1 with the error written).
 */
static int tl_symbols_member(struct tl_symbols_ctx *c, const cJSON *obj,
			     const char *filter, const char *key,
			     const cJSON **out)
{
	const cJSON *it, *found = NULL;

	cJSON_ArrayForEach(it, obj) {
		if (it->string == NULL || strcmp(it->string, key) != 0)
			continue;
		if (found != NULL) {
			tl_symbols_ferr(c, filter, key, "duplicate key");
			return -1;
		}
		found = it;
	}
	*out = found;
	return 0;
}

/* Required string member. */
static int tl_symbols_get_str(struct tl_symbols_ctx *c, const cJSON *obj,
			      const char *filter, const char *key,
			      const char **out)
{
	const cJSON *it;

	if (tl_symbols_member(c, obj, filter, key, &it) != 0)
		return -1;
	if (it == NULL) {
		tl_symbols_ferr(c, filter, key, "missing");
		return -1;
	}
	if (!cJSON_IsString(it) || it->valuestring == NULL) {
		tl_symbols_ferr(c, filter, key, "must be a string");
		return -1;
	}
	*out = it->valuestring;
	return 0;
}

/* Required decimal member: the venue sends money as JSON strings
 * ("0.10"); a JSON number would already have been through a double. */
static int tl_symbols_get_fx(struct tl_symbols_ctx *c, const cJSON *obj,
			     const char *filter, const char *key, tl_fx_t *out)
{
	const char *s;
	tl_fx_err_t e;

	if (tl_symbols_get_str(c, obj, filter, key, &s) != 0)
		return -1;
	e = tl_fx_parse_cstr(s, out);
	if (e != TL_FX_OK) {
		tl_symbols_ferr(c, filter, key, "\"%.40s\": %s", s,
				tl_fx_strerror(e));
		return -1;
	}
	return 0;
}

/*
 * Required integer member in min..max. cJSON keeps numbers only as
 * double; these are counts and precisions, not money, and a double holds
 * every integer up to 2^53 exactly, so the comparisons are exact. NaN and
 * inf (from "1e999") fail the range test.
 */
static int tl_symbols_get_uint(struct tl_symbols_ctx *c, const cJSON *obj,
			       const char *filter, const char *key,
			       uint32_t min, uint32_t max, uint32_t *out)
{
	const cJSON *it;
	double d;

	if (tl_symbols_member(c, obj, filter, key, &it) != 0)
		return -1;
	if (it == NULL) {
		tl_symbols_ferr(c, filter, key, "missing");
		return -1;
	}
	if (!cJSON_IsNumber(it)) {
		tl_symbols_ferr(c, filter, key, "must be a number");
		return -1;
	}
	d = it->valuedouble;
	if (!(d >= (double)min && d <= (double)max) || d != (double)(uint32_t)d) {
		tl_symbols_ferr(c, filter, key, "must be an integer in %u..%u",
				min, max);
		return -1;
	}
	*out = (uint32_t)d;
	return 0;
}

/* Filters we read; bit positions in a "seen" mask. */
enum {
	TL_SYMF_PRICE = 1u << 0,
	TL_SYMF_LOT = 1u << 1,
	TL_SYMF_MKT_LOT = 1u << 2,
	TL_SYMF_NOTIONAL = 1u << 3,
	TL_SYMF_PERCENT = 1u << 4,
	TL_SYMF_MAX_ORD = 1u << 5,
	TL_SYMF_MAX_ALGO = 1u << 6,
};

static const struct {
	const char *name;
	unsigned bit;
} tl_symbols_filters[] = {
	{ "PRICE_FILTER", TL_SYMF_PRICE },
	{ "LOT_SIZE", TL_SYMF_LOT },
	{ "MARKET_LOT_SIZE", TL_SYMF_MKT_LOT },
	{ "MIN_NOTIONAL", TL_SYMF_NOTIONAL },
	{ "PERCENT_PRICE", TL_SYMF_PERCENT },
	{ "MAX_NUM_ORDERS", TL_SYMF_MAX_ORD },
	{ "MAX_NUM_ALGO_ORDERS", TL_SYMF_MAX_ALGO },
};

/* One entry of "filters" into s; unknown filter types are ignored (the
 * venue adds new ones from time to time). */
static int tl_symbols_parse_filter(struct tl_symbols_ctx *c, const cJSON *f,
				   size_t fi, unsigned *seen, tl_symbol_t *s)
{
	char key[32];
	const char *type;
	const char *ft = NULL;
	unsigned bit = 0;
	int rc = 0;

	snprintf(key, sizeof(key), "filters[%zu]", fi);
	if (!cJSON_IsObject(f)) {
		tl_symbols_ferr(c, NULL, key, "must be an object");
		return -1;
	}
	if (tl_symbols_get_str(c, f, key, "filterType", &type) != 0)
		return -1;
	for (size_t i = 0; i < sizeof(tl_symbols_filters) / sizeof(tl_symbols_filters[0]); i++) {
		if (strcmp(type, tl_symbols_filters[i].name) == 0) {
			ft = tl_symbols_filters[i].name;
			bit = tl_symbols_filters[i].bit;
			break;
		}
	}
	if (ft == NULL)
		return 0;
	if (*seen & bit) {
		tl_symbols_ferr(c, NULL, ft, "filter listed twice");
		return -1;
	}
	*seen |= bit;

	switch (bit) {
	case TL_SYMF_PRICE:
		rc = tl_symbols_get_fx(c, f, ft, "tickSize", &s->tick_size) ||
		     tl_symbols_get_fx(c, f, ft, "minPrice", &s->min_price) ||
		     tl_symbols_get_fx(c, f, ft, "maxPrice", &s->max_price);
		break;
	case TL_SYMF_LOT:
		rc = tl_symbols_get_fx(c, f, ft, "stepSize", &s->step_size) ||
		     tl_symbols_get_fx(c, f, ft, "minQty", &s->min_qty) ||
		     tl_symbols_get_fx(c, f, ft, "maxQty", &s->max_qty);
		break;
	case TL_SYMF_MKT_LOT:
		rc = tl_symbols_get_fx(c, f, ft, "stepSize", &s->mkt_step_size) ||
		     tl_symbols_get_fx(c, f, ft, "minQty", &s->mkt_min_qty) ||
		     tl_symbols_get_fx(c, f, ft, "maxQty", &s->mkt_max_qty);
		/* In the record 0 means "absent"; a present filter with a zero
		 * step would silently disable the check. */
		if (rc == 0 && s->mkt_step_size <= 0) {
			char a[TL_FX_STRLEN];

			tl_symbols_ferr(c, ft, "stepSize", "%s must be > 0",
					tl_symbols_fxstr(s->mkt_step_size, a));
			rc = -1;
		}
		break;
	case TL_SYMF_NOTIONAL:
		rc = tl_symbols_get_fx(c, f, ft, "notional", &s->min_notional);
		break;
	case TL_SYMF_PERCENT:
		/* multiplierDecimal is display only and comes as a string or
		 * a number depending on the endpoint version: not read. */
		rc = tl_symbols_get_fx(c, f, ft, "multiplierUp", &s->pct_up) ||
		     tl_symbols_get_fx(c, f, ft, "multiplierDown", &s->pct_down);
		break;
	case TL_SYMF_MAX_ORD:
		/* 0 in the record means "no limit", the opposite of a venue
		 * limit of 0, so 0 is refused. */
		rc = tl_symbols_get_uint(c, f, ft, "limit", 1, UINT32_MAX,
					 &s->max_open_orders);
		break;
	case TL_SYMF_MAX_ALGO:
		rc = tl_symbols_get_uint(c, f, ft, "limit", 1, UINT32_MAX,
					 &s->max_algo_orders);
		break;
	}
	return rc ? -1 : 0;
}

/* One element of "symbols" whose name is already checked, into s. */
static int tl_symbols_parse_one(struct tl_symbols_ctx *c, const cJSON *js,
				tl_symbol_t *s)
{
	const cJSON *filters, *f;
	const char *status;
	uint32_t pp, qp;
	unsigned seen = 0;
	size_t fi = 0;
	char msg[160];

	if (tl_symbols_get_str(c, js, NULL, "status", &status) != 0)
		return -1;
	/* Everything but TRADING (PENDING_TRADING, SETTLING, CLOSE,
	 * DELIVERING, ...) blocks new orders the same way. */
	s->status = strcmp(status, "TRADING") == 0 ? TL_SYM_TRADING : TL_SYM_HALTED;
	if (tl_symbols_get_uint(c, js, NULL, "pricePrecision", 0, TL_FX_DECIMALS, &pp) ||
	    tl_symbols_get_uint(c, js, NULL, "quantityPrecision", 0, TL_FX_DECIMALS, &qp))
		return -1;
	s->price_precision = (uint8_t)pp;
	s->qty_precision = (uint8_t)qp;

	if (tl_symbols_member(c, js, NULL, "filters", &filters) != 0)
		return -1;
	if (filters == NULL) {
		tl_symbols_ferr(c, NULL, "filters", "missing");
		return -1;
	}
	if (!cJSON_IsArray(filters)) {
		tl_symbols_ferr(c, NULL, "filters", "must be an array");
		return -1;
	}
	cJSON_ArrayForEach(f, filters) {
		if (tl_symbols_parse_filter(c, f, fi++, &seen, s) != 0)
			return -1;
	}
	if (!(seen & TL_SYMF_PRICE)) {
		tl_symbols_ferr(c, NULL, "PRICE_FILTER", "required filter missing");
		return -1;
	}
	if (!(seen & TL_SYMF_LOT)) {
		tl_symbols_ferr(c, NULL, "LOT_SIZE", "required filter missing");
		return -1;
	}
	if (tl_symbols_check_one(s, msg, sizeof(msg)) != 0) {
		tl_symbols_err(c->err, c->errlen, "%s: %s", c->who, msg);
		return -1;
	}
	return 0;
}

static bool tl_symbols_wanted(const char *const *only, const char *name)
{
	if (only == NULL)
		return true;
	for (; *only != NULL; only++)
		if (strcmp(*only, name) == 0)
			return true;
	return false;
}

/* The body of tl_symbols_load; the caller empties the table on error. */
static int tl_symbols_load_doc(tl_symbols_t *t, const cJSON *root,
			       const char *const *only,
			       struct tl_symbols_ctx *c)
{
	const cJSON *syms, *js;
	size_t i = 0;

	snprintf(c->who, sizeof(c->who), "exchangeInfo");
	if (!cJSON_IsObject(root)) {
		tl_symbols_err(c->err, c->errlen, "exchangeInfo: not a JSON object");
		return -1;
	}
	if (tl_symbols_member(c, root, NULL, "symbols", &syms) != 0)
		return -1;
	if (syms == NULL || !cJSON_IsArray(syms)) {
		tl_symbols_ferr(c, NULL, "symbols", syms ? "must be an array" : "missing");
		return -1;
	}

	cJSON_ArrayForEach(js, syms) {
		tl_symbol_t s;
		const char *name;
		size_t n;

		snprintf(c->who, sizeof(c->who), "symbols[%zu]", i++);
		if (!cJSON_IsObject(js)) {
			tl_symbols_err(c->err, c->errlen, "%s: must be an object", c->who);
			return -1;
		}
		/* Only the name is read from symbols we skip: the rest of a
		 * symbol we do not trade cannot hurt us, and refusing it
		 * would let an odd new listing stop the engine. */
		if (tl_symbols_get_str(c, js, NULL, "symbol", &name) != 0)
			return -1;
		if (!tl_symbols_wanted(only, name))
			continue;
		n = strlen(name);
		if (!tl_symbols_name_ok(name, n)) {
			tl_symbols_ferr(c, NULL, "symbol", "\"%.40s\": must be 1..%d of [A-Z0-9]",
					name, TL_SYMBOLS_NAME_MAX);
			return -1;
		}
		snprintf(c->who + strlen(c->who), sizeof(c->who) - strlen(c->who),
			 " %s", name);
		if (tl_symbols_find(t, name) >= 0) {
			tl_symbols_ferr(c, NULL, "symbol", "duplicate symbol");
			return -1;
		}
		if (t->count >= t->cap) {
			tl_symbols_err(c->err, c->errlen,
				       "%s: more than %u symbols (table capacity)",
				       c->who, t->cap);
			return -1;
		}
		memset(&s, 0, sizeof(s));
		memcpy(s.name, name, n + 1);
		if (tl_symbols_parse_one(c, js, &s) != 0)
			return -1;
		tl_symbols_insert(t, &s);
	}

	for (const char *const *o = only; o != NULL && *o != NULL; o++) {
		if (tl_symbols_find(t, *o) < 0) {
			tl_symbols_err(c->err, c->errlen,
				       "exchangeInfo: symbol \"%.40s\" requested but not listed",
				       *o);
			return -1;
		}
	}
	if (t->count == 0) {
		tl_symbols_err(c->err, c->errlen, "exchangeInfo: no symbols loaded");
		return -1;
	}
	return (int)t->count;
}

int tl_symbols_load(tl_symbols_t *t, const char *json, size_t len,
		    const char *const *only, char *errbuf, size_t errlen)
{
	struct tl_symbols_ctx c = { .err = errbuf, .errlen = errlen };
	const char *end = NULL;
	cJSON *root;
	size_t bad;
	int rc;

	if (t == NULL || t->sym == NULL || t->index == NULL) {
		tl_symbols_err(errbuf, errlen, "exchangeInfo: symbol table not initialized");
		return -1;
	}
	/* Load replaces the table: a reload never mixes two documents. */
	tl_symbols_reset(t);
	if (json == NULL || len == 0) {
		tl_symbols_err(errbuf, errlen, "exchangeInfo: empty document");
		return -1;
	}
	if (len > TL_SYMBOLS_DOC_MAX) {
		tl_symbols_err(errbuf, errlen,
			       "exchangeInfo: document is %zu bytes, limit %zu",
			       len, TL_SYMBOLS_DOC_MAX);
		return -1;
	}
	bad = tl_symbols_find_nul(json, len);
	if (bad < len) {
		tl_symbols_err(errbuf, errlen,
			       "exchangeInfo: NUL character at byte %zu", bad);
		return -1;
	}
	root = cJSON_ParseWithLengthOpts(json, len, &end, 0);
	if (root == NULL) {
		/* cJSON reports a failed allocation the same way as bad
		 * syntax; the position is only meaningful for the latter. */
		tl_symbols_err(errbuf, errlen,
			       "exchangeInfo: not valid JSON near byte %zu (or out of memory)",
			       end ? (size_t)(end - json) : (size_t)0);
		return -1;
	}
	/* cJSON stops after the first value; anything but white space after
	 * it means the document is not what we think it is. */
	for (const char *p = end; p < json + len; p++) {
		if (*p != ' ' && *p != '\t' && *p != '\n' && *p != '\r') {
			tl_symbols_err(errbuf, errlen,
				       "exchangeInfo: trailing data at byte %zu",
				       (size_t)(p - json));
			cJSON_Delete(root);
			return -1;
		}
	}

	rc = tl_symbols_load_doc(t, root, only, &c);
	cJSON_Delete(root);
	if (rc < 0) {
		tl_symbols_reset(t);
		return -1;
	}
	assert(tl_symbols_check(t));
	return rc;
}
