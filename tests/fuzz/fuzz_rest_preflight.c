/*
 * fuzz_rest_preflight.c - libFuzzer target: every answer the preflight
 * (`talon check`, and `talon run` before it trades; io/binance/check.c)
 * reads: ping, time, exchangeInfo, account, positionSide/dual,
 * multiAssetsMargin, balance, openOrders, positionRisk, symbolConfig,
 * leverageBracket and countdownCancelAll, through
 * tl_binance_check_with on a scripted transport.
 *
 * Input: byte 0 picks the config (hedge mode, margin types, leverages,
 * dead-man switch on or off); the rest is the venue's answers in call
 * order, separated by the byte 0x1e. Each answer's first byte is its
 * HTTP status ('!' no answer, '4' 400, '5' 503, '9' 429, '8' 418,
 * anything else 200), the rest its body. Past the last answer the venue
 * does not answer. A non-200 answer is explained as the probe does
 * (tl_binance_probe_explain).
 * Properties (abort on failure):
 *   - the preflight changes nothing at the venue, whatever it answers:
 *     every call a GET, except POST countdownCancelAll with countdownTime=0;
 *     never more calls than its checks make;
 *   - one line per check: each name at most once, in the documented
 *     order, the result OK, FAIL or SKIP; a detail bounded, without a
 *     control character (a newline from the venue forges no line), never
 *     holding the API secret (unless an answer itself does);
 *   - the return value is the number of FAIL lines;
 *   - a refused ping ends it: "venue" FAIL, then "other checks" SKIP;
 *   - a leverage FAIL names a maximum below the configured leverage;
 *   - deterministic: the same answers give the same lines, byte for byte.
 */
#define _GNU_SOURCE
#include <stdint.h>

#include "io/binance/check.h"
#include "io/binance/config.h"
#include "tests/fuzz/fuzz_common.h"

#define SEP 0x1e
#define MAX_CALLS 64
#define SECRET "fuzzsecretFUZZSECRETfuzzsecret42"

typedef struct script {
	const uint8_t *p, *end;
	unsigned calls;
	char body[16384 + 1];
} script_t;

static int sc_call(void *ctx, const char *method, const char *path,
		   const char *params, bool sign, tl_binance_probe_res_t *res)
{
	script_t *s = ctx;
	tl_outcome_t o;

	(void)sign;
	FZ_CHECK(++s->calls <= MAX_CALLS);
	/* trades nothing, changes nothing (check.h) */
	if (strcmp(method, "GET") != 0) {
		FZ_CHECK(strcmp(method, "POST") == 0);
		FZ_CHECK(strcmp(path, "/fapi/v1/countdownCancelAll") == 0);
		const char *ct = params ? strstr(params, "countdownTime=") : NULL;
		FZ_CHECK(ct && ct[14] == '0' && (ct[15] == '\0' || ct[15] == '&'));
	}
	FZ_CHECK(strncmp(path, "/fapi/", 6) == 0 && !strstr(path, "order?") &&
		 strcmp(path, "/fapi/v1/order") != 0 && strcmp(path, "/fapi/v1/batchOrders") != 0);
	memset(res, 0, sizeof *res);
	res->t_send = 1700000000000000000LL;
	res->t_recv = res->t_send + 1000000;
	if (s->p >= s->end) {
		res->status = -1;
		snprintf(res->why, sizeof res->why, "no answer: the script ended");
		return -1;
	}
	const uint8_t *e = memchr(s->p, SEP, (size_t)(s->end - s->p));
	if (!e)
		e = s->end;
	/* an empty answer (two separators in a row): 200, empty body */
	size_t piece = (size_t)(e - s->p);
	uint8_t st = piece ? *s->p : '2';
	size_t n = piece ? piece - 1 : 0;
	if (n > sizeof s->body - 1)
		n = sizeof s->body - 1;
	memcpy(s->body, s->p + (piece ? 1 : 0), n);
	s->body[n] = '\0';
	s->p = e < s->end ? e + 1 : e;
	if (st == '!') {
		res->status = -1;
		snprintf(res->why, sizeof res->why, "connection reset");
		return -1;
	}
	res->status = st == '4' ? 400 : st == '5' ? 503 : st == '9' ? 429 : st == '8' ? 418 : 200;
	res->body = s->body;
	res->len = n;
	if (res->status != 200) {
		memset(&o, 0, sizeof o);
		tl_binance_probe_explain(res, &o);
		FZ_TERMINATED(res->why);
	}
	return res->status;
}

/* The order of the checks (check.h); a ck_call failure is reported
 * under the name of the check that made it. */
static const char *const order[] = {
	"symbols", "venue", "other checks", "clock", "exchange info", "api key",
	"signed checks", "position mode", "multi-assets mode", "balance",
	"open orders", "positions",
	"BTCUSDT status", "BTCUSDT filters", "BTCUSDT leverage", "BTCUSDT margin type",
	"BTCUSDT open orders", "BTCUSDT position",
	"ETHUSDT status", "ETHUSDT filters", "ETHUSDT leverage", "ETHUSDT margin type",
	"ETHUSDT open orders", "ETHUSDT position",
	"other symbols", "dead-man switch", NULL
};

typedef struct lines {
	int last;               /* rank of the last line, -1 before any */
	int fails;
	unsigned n;
	bool venue_failed, other_skipped;
	bool echoed;            /* the answers hold the secret themselves */
	uint32_t want_lev[2];
	size_t used;
	char text[1 << 16];
} lines_t;

static int rank_of(const char *name)
{
	for (int i = 0; order[i]; i++)
		if (strcmp(order[i], name) == 0)
			return i;
	return -1;
}

static void sink(void *ctx, tl_venue_check_res_t r, const char *name, const char *detail)
{
	lines_t *l = ctx;
	int rk = rank_of(name);

	FZ_CHECK(r == TL_CHECK_OK || r == TL_CHECK_FAIL || r == TL_CHECK_SKIP);
	FZ_CHECK(rk >= 0);
	FZ_CHECK(rk > l->last); /* in order, each at most once */
	l->last = rk;
	FZ_CHECK(strlen(detail) < 600);
	for (const char *q = detail; *q; q++)
		FZ_CHECK((unsigned char)*q >= 0x20 && *q != 0x7f);
	FZ_CHECK(l->echoed || !strstr(detail, SECRET));
	if (r == TL_CHECK_FAIL)
		l->fails++;
	if (strcmp(name, "venue") == 0)
		l->venue_failed = r == TL_CHECK_FAIL;
	if (strcmp(name, "other checks") == 0)
		l->other_skipped = r == TL_CHECK_SKIP;
	/* a leverage FAIL against the venue's maximum names one below ours
	 * (the venue's own text may say anything: only talon's line counts) */
	const char *m = strstr(detail, ", the venue allows at most ");
	if (r == TL_CHECK_FAIL && m && strncmp(detail, "symbols.leverage.", 17) == 0) {
		int max = atoi(m + strlen(", the venue allows at most "));
		uint32_t want = l->want_lev[strncmp(name, "BTC", 3) == 0 ? 0 : 1];
		FZ_CHECK(max >= 1 && (uint32_t)max < want);
	}
	l->n++;
	int k = snprintf(l->text + l->used, sizeof l->text - l->used, "%d %s: %s\n", (int)r,
			 name, detail);
	FZ_CHECK(k > 0 && (size_t)k < sizeof l->text - l->used);
	l->used += (size_t)k;
}

static tl_config_t *cfg;
static script_t S;
static lines_t L1, L2;

static int run(const uint8_t *data, size_t size, lines_t *l)
{
	tl_binance_check_io_t io = { sc_call, NULL, &S };

	S.p = data;
	S.end = data + size;
	S.calls = 0;
	memset(l, 0, sizeof *l);
	l->last = -1;
	l->echoed = memmem(data, size, SECRET, strlen(SECRET)) != NULL;
	l->want_lev[0] = cfg->leverage[0];
	l->want_lev[1] = cfg->leverage[1];
	int fails = tl_binance_check_with(cfg, &io, sink, l);
	FZ_CHECK(fails == l->fails);
	if (l->venue_failed)
		FZ_CHECK(l->other_skipped && l->n == 2);
	return fails;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	if (!cfg) {
		cfg = fz_config_two_symbols();
		tl_binance_cfg_t *b = tl_binance_cfg_select(cfg);
		snprintf(b->api_key, sizeof b->api_key, "fuzzkey");
		snprintf(b->api_secret, sizeof b->api_secret, SECRET);
		snprintf(cfg->kernel.clid_prefix, sizeof cfg->kernel.clid_prefix, "fz");
	}
	uint8_t v = data[0];
	static const uint32_t levs[4] = { 0, 20, 125, 126 };
	cfg->kernel.hedge_mode = v & 1;
	cfg->margin_type[0] = (v >> 1) % 3;
	cfg->margin_type[1] = (v >> 3) % 3;
	cfg->leverage[0] = levs[(v >> 5) & 3];
	cfg->leverage[1] = 10;
	tl_binance_cfg(cfg)->countdown_cancel_ms = (v & 0x80) ? 10000 : 0;

	int a = run(data + 1, size - 1, &L1);
	fz_dirty_stack(0x5a);
	int b = run(data + 1, size - 1, &L2);
	FZ_CHECK(a == b && L1.used == L2.used && memcmp(L1.text, L2.text, L1.used) == 0);
	if (getenv("FZ_PRINT")) /* what an input makes the preflight say */
		fprintf(stderr, "config 0x%02x, %u calls, %d failed:\n%s", v, S.calls, a, L1.text);
	return 0;
}
