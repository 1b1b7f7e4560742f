/*
 * test_config.c - runtime/config.c: defaults, the shipped config/paper.json,
 * every class of bad input, relative path resolution, and loading the
 * symbol table the config names.
 *
 * Every bad input must be refused with a message that contains the full
 * key path of the offending value, and must leave the caller's config
 * untouched. Inline documents are small; file cases use tests/data/
 * (config_relative.json, config_bad_key.json) and temporary files.
 */
#include "tests/support/tl_test.h"

#include "runtime/config.h"
#include "io/binance/config.h"
#include "io/paper/config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define ONE TL_FX_ONE

static char err[512];

static void setup(void)
{
	memset(err, 0, sizeof(err));
}

/* Parse a NUL-terminated document (base_dir NULL). */
static int parse(tl_config_t *c, const char *json)
{
	return tl_config_parse(c, json, strlen(json), NULL, err, sizeof(err));
}

/*
 * `json` must be refused, leave the config as it was, and the message
 * must contain `needle` (the key path) and, if not NULL, `also`.
 */
static void bad_at(int line, const char *json, const char *needle,
		   const char *also)
{
	tl_config_t c, before;

	memset(&c, 0x5a, sizeof(c));
	memcpy(&before, &c, sizeof(c));
	int rc = parse(&c, json);
	bool ok = rc == -1 && strstr(err, needle) &&
		  (!also || strstr(err, also)) &&
		  memcmp(&c, &before, sizeof(c)) == 0;

	if (!ok)
		fprintf(stderr, "\n  line %d: %s\n    rc=%d err=\"%s\" want \"%s\"%s%s\n",
			line, json, rc, err, needle, also ? " and " : "",
			also ? also : "");
	CU_ASSERT(ok);
}
#define BAD(json, needle) bad_at(__LINE__, (json), (needle), NULL)
#define BAD2(json, needle, also) bad_at(__LINE__, (json), (needle), (also))

/* `json` must parse. */
static void good_at(int line, tl_config_t *c, const char *json)
{
	int rc = parse(c, json);

	if (rc != 0)
		fprintf(stderr, "\n  line %d: %s\n    err=\"%s\"\n", line, json, err);
	CU_ASSERT_EQUAL(rc, 0);
}
#define GOOD(c, json) good_at(__LINE__, (c), (json))

/* ---- defaults ---------------------------------------------------------- */

/* The ring sizes and high-water mark as tl_config_defaults and
 * config/paper.json both have them. */
static void check_ring_defaults(tl_config_t *c)
{
	CU_ASSERT_EQUAL(c->ring_command, 4096);
	CU_ASSERT_EQUAL(c->ring_request, 4096);
	CU_ASSERT_EQUAL(c->ring_venue, 16384);
	CU_ASSERT_EQUAL(c->ring_event, 16384);
	CU_ASSERT_EQUAL(c->ring_journal, 65536);
	CU_ASSERT_EQUAL(c->high_water_pct, 75);
}

/* The paper venue's section as tl_config_defaults and config/paper.json
 * both have it. */
static void check_paper_defaults(tl_config_t *c)
{
	CU_ASSERT_EQUAL(tl_paper_cfg(c)->seed, 1);
	CU_ASSERT_EQUAL(tl_paper_cfg(c)->balance, 10000 * ONE);
	CU_ASSERT_EQUAL(tl_paper_cfg(c)->maker_rate, 20000);
	CU_ASSERT_EQUAL(tl_paper_cfg(c)->taker_rate, 40000);
	CU_ASSERT(tl_paper_cfg(c)->check_margin);
	CU_ASSERT_EQUAL(tl_paper_cfg(c)->slippage_bps, 1);
	CU_ASSERT_EQUAL(tl_paper_cfg(c)->latency_ns, 1 * TL_NS_PER_MS);
	CU_ASSERT_EQUAL(tl_paper_cfg(c)->mark_interval_ns, 100 * TL_NS_PER_MS);
	CU_ASSERT_EQUAL(tl_paper_cfg(c)->walk_bps, 5);
	CU_ASSERT_STRING_EQUAL(tl_paper_cfg(c)->marks_csv, "");
	CU_ASSERT_EQUAL(tl_paper_cfg(c)->n_start, 2);
	CU_ASSERT_STRING_EQUAL(tl_paper_cfg(c)->start[0].symbol, "BTCUSDT");
	CU_ASSERT_EQUAL(tl_paper_cfg(c)->start[0].price, 50000 * ONE);
	CU_ASSERT_STRING_EQUAL(tl_paper_cfg(c)->start[1].symbol, "ETHUSDT");
	CU_ASSERT_EQUAL(tl_paper_cfg(c)->start[1].price, 3000 * ONE);
	CU_ASSERT_EQUAL(tl_paper_cfg(c)->reject_ppm, 0);
	CU_ASSERT_EQUAL(tl_paper_cfg(c)->reject_code, -2019);
	CU_ASSERT_EQUAL(tl_paper_cfg(c)->timeout_ppm, 0);
	CU_ASSERT_FALSE(tl_paper_cfg(c)->timeout_executes);
}

static void test_defaults_valid(void)
{
	tl_config_t c;
	tl_kernel_cfg_t k;
	tl_symbols_t syms;
	tl_kernel_t kern;

	tl_config_defaults(&c);
	tl_kernel_cfg_defaults(&k);
	CU_ASSERT_STRING_EQUAL(c.name, "paper");
	CU_ASSERT_STRING_EQUAL(c.venue_type, "paper");
	CU_ASSERT_STRING_EQUAL(c.exchange_info, "config/exchange_info.json");
	CU_ASSERT_STRING_EQUAL(c.path, "");
	CU_ASSERT_EQUAL(c.n_symbols, 2);
	CU_ASSERT_STRING_EQUAL(c.symbols[0], "BTCUSDT");
	CU_ASSERT_STRING_EQUAL(c.symbols[1], "ETHUSDT");
	CU_ASSERT_EQUAL(c.leverage[0], 0);
	CU_ASSERT_EQUAL(c.engine.cpu, -1);
	CU_ASSERT_EQUAL(c.engine.idle, TL_IDLE_PARK);
	CU_ASSERT_EQUAL(c.engine.idle_us, 50);
	CU_ASSERT_EQUAL(c.engine.timer_slack_ns, 1);
	CU_ASSERT_EQUAL(c.io.cpu, -1);
	CU_ASSERT_EQUAL(c.io.idle, TL_IDLE_PARK);
	CU_ASSERT_EQUAL(c.io.idle_us, 50);
	CU_ASSERT_EQUAL(c.snapshot_hz, 10);
	CU_ASSERT_EQUAL(c.threading, TL_THREADING_DEDICATED);
	CU_ASSERT_EQUAL(c.on_stop, TL_ON_STOP_LEAVE);
	CU_ASSERT_EQUAL(c.stop_timeout_ms, 10000);
	CU_ASSERT_EQUAL(memcmp(&c.kernel, &k, sizeof(k)), 0);
	check_ring_defaults(&c);
	check_paper_defaults(&c);
	CU_ASSERT_STRING_EQUAL(c.journal_path, "");
	CU_ASSERT_EQUAL(c.log_level, 2);

	/* The defaults are a working paper setup (tests run from the repo
	 * root, where config/exchange_info.json lives). */
	CU_ASSERT_EQUAL_FATAL(tl_config_symbols(&c, &syms, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(syms.count, 2);
	CU_ASSERT_EQUAL_FATAL(tl_kernel_init(&kern, &c.kernel, &syms, err,
					     sizeof(err)), 0);
	tl_kernel_free(&kern);
}

/* "{}" and "{ every section empty }" are the defaults, byte for byte. */
static void test_empty_is_defaults(void)
{
	tl_config_t d, c;

	tl_config_defaults(&d);
	memset(&c, 0x77, sizeof(c));
	GOOD(&c, "{}");
	CU_ASSERT_EQUAL(memcmp(&c, &d, sizeof(c)), 0);
	memset(&c, 0x77, sizeof(c));
	GOOD(&c, " \n{\"engine\":{},\"io\":{},\"kernel\":{\"retry\":{},"
		 "\"emergency_retry\":{}},\"risk\":{},\"rings\":{},"
		 "\"symbols\":{},\"venue\":{\"paper\":{\"faults\":{}}},"
		 "\"journal\":{},\"log\":{}}\r\n\t");
	CU_ASSERT_EQUAL(memcmp(&c, &d, sizeof(c)), 0);
}

static void test_journal_mode_and_sync(void)
{
	tl_config_t c;

	GOOD(&c, "{\"journal\":{\"path\":\"/tmp/j.db\",\"mode\":\"strict\",\"sync\":\"full\"}}");
	CU_ASSERT_STRING_EQUAL(c.journal_path, "/tmp/j.db");
	CU_ASSERT_EQUAL(c.journal_strict, 1);
	CU_ASSERT_EQUAL(c.journal_sync_full, 1);
	GOOD(&c, "{\"journal\":{\"mode\":\"async\",\"sync\":\"normal\"}}");
	CU_ASSERT_EQUAL(c.journal_strict, 0);
	CU_ASSERT_EQUAL(c.journal_sync_full, 0);
	BAD("{\"journal\":{\"mode\":\"sometimes\"}}", "journal.mode");
	BAD("{\"journal\":{\"sync\":\"off\"}}", "journal.sync");
	BAD("{\"journal\":{\"mode\":1}}", "journal.mode");
}

/* monitor: listen and token (talon monitor); the token is never quoted
 * in an error, and tl_config_wipe_secrets wipes it. */
static void test_monitor_section(void)
{
	tl_config_t c;

	GOOD(&c, "{}");
	CU_ASSERT_STRING_EQUAL(c.monitor.listen, "127.0.0.1:9464");
	CU_ASSERT_STRING_EQUAL(c.monitor.token, "");
	GOOD(&c, "{\"monitor\":{\"listen\":\"0.0.0.0:8080\",\"token\":\"s3cr3t-T0ken\"}}");
	CU_ASSERT_STRING_EQUAL(c.monitor.listen, "0.0.0.0:8080");
	CU_ASSERT_STRING_EQUAL(c.monitor.token, "s3cr3t-T0ken");
	tl_config_wipe_secrets(&c);
	CU_ASSERT_STRING_EQUAL(c.monitor.token, "");
	CU_ASSERT_STRING_EQUAL(c.monitor.listen, "0.0.0.0:8080");
	BAD("{\"monitor\":{\"listen\":\"localhost\"}}", "monitor.listen");
	BAD("{\"monitor\":{\"listen\":\"a b:1\"}}", "monitor.listen");
	BAD("{\"monitor\":{\"listen\":9464}}", "monitor.listen");
	BAD("{\"monitor\":{\"port\":9464}}", "monitor.port");
	BAD2("{\"monitor\":{\"token\":\"has space-s3cr3t\"}}", "monitor.token",
	     "value not shown");
	CU_ASSERT_PTR_NULL(strstr(err, "s3cr3t"));
	BAD("{\"monitor\":{\"token\":7}}", "monitor.token");
	char doc[400];
	snprintf(doc, sizeof doc, "{\"monitor\":{\"token\":\"%0129d\"}}", 0);
	BAD2(doc, "monitor.token", "at most 128");
}

/* ---- the shipped config ------------------------------------------------- */

static void test_paper_json_fields(void)
{
	tl_config_t c;
	const tl_kernel_cfg_t *k = &c.kernel;

	CU_ASSERT_EQUAL_FATAL(tl_config_load(&c, "config/paper.json", err,
					     sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(c.path, "config/paper.json");
	CU_ASSERT_STRING_EQUAL(c.name, "paper");
	CU_ASSERT_EQUAL(c.engine.cpu, -1);
	CU_ASSERT_EQUAL(c.engine.idle, TL_IDLE_PARK);
	CU_ASSERT_EQUAL(c.engine.idle_us, 50);
	CU_ASSERT_EQUAL(c.snapshot_hz, 10);
	CU_ASSERT_EQUAL(c.io.cpu, -1);
	CU_ASSERT_EQUAL(c.io.idle, TL_IDLE_PARK);
	CU_ASSERT_EQUAL(c.io.idle_us, 50);

	CU_ASSERT_EQUAL(k->order_cap, 4096);
	CU_ASSERT_EQUAL(k->trade_cap, 16384);
	CU_ASSERT_STRING_EQUAL(k->clid_prefix, "tlp");
	CU_ASSERT_EQUAL(k->id_next, 1);
	CU_ASSERT_EQUAL(k->id_block, 1000);
	CU_ASSERT_FALSE(k->hedge_mode);
	CU_ASSERT_EQUAL(k->leverage, 10);
	CU_ASSERT_EQUAL(k->ack_timeout_ns, 5 * TL_NS_PER_S);
	CU_ASSERT_EQUAL(k->query_interval_ns, 2 * TL_NS_PER_S);
	CU_ASSERT_EQUAL(k->order_ttl_ns, 0);
	CU_ASSERT_EQUAL(k->backoff.base_ns, 1 * TL_NS_PER_S);
	CU_ASSERT_EQUAL(k->backoff.cap_ns, 30 * TL_NS_PER_S);
	CU_ASSERT_EQUAL(k->backoff.max_attempts, 4);
	CU_ASSERT_EQUAL(k->backoff.jitter_pct, 0);
	CU_ASSERT_EQUAL(k->backoff.seed, 1);
	CU_ASSERT_EQUAL(k->emergency_backoff.base_ns, 200 * TL_NS_PER_MS);
	CU_ASSERT_EQUAL(k->emergency_backoff.cap_ns, 5 * TL_NS_PER_S);
	CU_ASSERT_EQUAL(k->emergency_backoff.max_attempts, 20);
	CU_ASSERT_EQUAL(k->emergency_backoff.jitter_pct, 0);
	CU_ASSERT_EQUAL(k->emergency_backoff.seed, 2);

	CU_ASSERT_EQUAL(k->max_order_qty, 0);
	CU_ASSERT_EQUAL(k->max_order_notional, 100000 * ONE);
	CU_ASSERT_EQUAL(k->max_position_qty, 0);
	CU_ASSERT_EQUAL(k->max_open_orders, 200);
	CU_ASSERT_EQUAL(k->rate_10s, 300);
	CU_ASSERT_EQUAL(k->rate_1m, 1200);
	CU_ASSERT_EQUAL(k->loss_limit, 1000 * ONE);
	CU_ASSERT_EQUAL(k->daily_loss_limit, 0);
	CU_ASSERT_EQUAL(k->day_reset_hour, 0);
	CU_ASSERT_EQUAL(k->taker_rate, 40000);	/* as venue.paper.taker_rate */

	check_ring_defaults(&c);

	/* relative to the config file's directory */
	CU_ASSERT_STRING_EQUAL(c.exchange_info, "config/exchange_info.json");
	CU_ASSERT_EQUAL(c.n_symbols, 2);
	CU_ASSERT_STRING_EQUAL(c.symbols[0], "BTCUSDT");
	CU_ASSERT_STRING_EQUAL(c.symbols[1], "ETHUSDT");
	CU_ASSERT_EQUAL(c.leverage[0], 20);
	CU_ASSERT_EQUAL(c.leverage[1], 10);

	CU_ASSERT_STRING_EQUAL(c.venue_type, "paper");
	check_paper_defaults(&c);
	/* relative to the config file's directory */
	CU_ASSERT_STRING_EQUAL(c.journal_path, "config/../var/paper.db");
	CU_ASSERT_EQUAL(c.journal_strict, 0);
	CU_ASSERT_EQUAL(c.journal_sync_full, 0);
	CU_ASSERT_EQUAL(c.log_level, 2);
}

/* config/paper.json -> symbols -> a running kernel with its leverage. */
static void test_paper_json_starts_kernel(void)
{
	tl_config_t c;
	tl_symbols_t syms;
	tl_kernel_t k;

	CU_ASSERT_EQUAL_FATAL(tl_config_load(&c, "config/paper.json", err,
					     sizeof(err)), 0);
	CU_ASSERT_EQUAL_FATAL(tl_config_symbols(&c, &syms, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(syms.count, 2);
	CU_ASSERT_EQUAL_FATAL(tl_kernel_init(&k, &c.kernel, &syms, err,
					     sizeof(err)), 0);
	for (uint32_t i = 0; i < c.n_symbols; i++)
		if (c.leverage[i])
			CU_ASSERT_EQUAL(tl_kernel_set_leverage(&k, c.symbols[i],
							       c.leverage[i]), 0);
	tl_kernel_free(&k);
}

/* Every accepted value lands in its field (the non-default ones). */
static void test_every_key_lands(void)
{
	tl_config_t c;

	GOOD(&c,
	     "{\"engine\":{\"name\":\"eng_1-A\",\"cpu\":3,\"idle\":\"spin\","
	     "\"idle_us\":7,\"timer_slack_ns\":1000000,\"snapshot_hz\":1000,"
	     "\"threading\":\"shared\",\"on_stop\":\"flatten\",\"stop_timeout_ms\":600000},"
	     "\"io\":{\"cpu\":1,\"idle\":\"backoff\",\"idle_us\":100000,"
	     "\"timer_slack_ns\":1},"
	     "\"kernel\":{\"order_capacity\":2,\"trade_capacity\":67108864,"
	     "\"client_id_prefix\":\"abcdefghijklmnop\",\"id_block\":1000000,"
	     "\"hedge_mode\":true,\"leverage\":125,\"ack_timeout_ms\":1,"
	     "\"query_interval_ms\":3600000,\"order_ttl_s\":60,"
	     "\"retry\":{\"base_ms\":5,\"cap_ms\":5,\"attempts\":1,"
	     "\"jitter_pct\":50,\"seed\":9007199254740992},"
	     "\"emergency_retry\":{\"attempts\":1000}},"
	     "\"risk\":{\"max_order_qty\":\"0.001\",\"max_order_notional\":\"5.5\","
	     "\"max_position_qty\":\"2\",\"max_open_orders\":16777216,"
	     "\"orders_per_10s\":0,\"orders_per_min\":1000000,"
	     "\"loss_limit\":\"92233720368.54775807\","
	     "\"daily_loss_limit\":\"250.5\",\"day_reset_hour\":23,"
	     "\"taker_rate\":\"0.01\"},"
	     "\"rings\":{\"command\":4,\"request\":8,\"venue\":16,\"event\":32,"
	     "\"journal\":16777216,\"high_water_pct\":100},"
	     "\"venue\":{\"type\":\"paper\",\"paper\":{\"seed\":0,"
	     "\"balance\":\"0.00000001\",\"maker_rate\":\"-0.0001\","
	     "\"taker_rate\":\"0.01\",\"check_margin\":false,\"slippage_bps\":10000,\"latency_ms\":0,"
	     "\"mark_interval_ms\":1,\"walk_bps\":0,\"start\":{\"ETHUSDT\":\"0.00000001\"},"
	     "\"faults\":{\"reject_ppm\":250000,\"reject_code\":-1001,"
	     "\"timeout_ppm\":750000,\"timeout_executes\":true}}},"
	     "\"log\":{\"level\":\"debug\"}}");
	CU_ASSERT_STRING_EQUAL(c.name, "eng_1-A");
	CU_ASSERT_EQUAL(c.engine.cpu, 3);
	CU_ASSERT_EQUAL(c.engine.idle, TL_IDLE_SPIN);
	CU_ASSERT_EQUAL(c.threading, TL_THREADING_SHARED);
	CU_ASSERT_EQUAL(c.on_stop, TL_ON_STOP_FLATTEN);
	CU_ASSERT_EQUAL(c.stop_timeout_ms, 600000);
	CU_ASSERT_STRING_EQUAL(tl_config_on_stop_name(c.on_stop), "flatten");
	CU_ASSERT_EQUAL(c.engine.idle_us, 7);
	CU_ASSERT_EQUAL(c.engine.timer_slack_ns, 1000000);
	CU_ASSERT_EQUAL(c.io.timer_slack_ns, 1);
	CU_ASSERT_EQUAL(c.snapshot_hz, 1000);
	CU_ASSERT_EQUAL(c.io.cpu, 1);
	CU_ASSERT_EQUAL(c.io.idle, TL_IDLE_BACKOFF);
	CU_ASSERT_EQUAL(c.io.idle_us, 100000);
	CU_ASSERT_EQUAL(c.kernel.order_cap, 2);
	CU_ASSERT_EQUAL(c.kernel.trade_cap, 1u << 26);
	CU_ASSERT_STRING_EQUAL(c.kernel.clid_prefix, "abcdefghijklmnop");
	CU_ASSERT_EQUAL(c.kernel.id_block, 1000000);
	CU_ASSERT_TRUE(c.kernel.hedge_mode);
	CU_ASSERT_EQUAL(c.kernel.leverage, 125);
	CU_ASSERT_EQUAL(c.kernel.ack_timeout_ns, TL_NS_PER_MS);
	CU_ASSERT_EQUAL(c.kernel.query_interval_ns, 3600 * TL_NS_PER_S);
	CU_ASSERT_EQUAL(c.kernel.order_ttl_ns, 60 * TL_NS_PER_S);
	CU_ASSERT_EQUAL(c.kernel.backoff.base_ns, 5 * TL_NS_PER_MS);
	CU_ASSERT_EQUAL(c.kernel.backoff.cap_ns, 5 * TL_NS_PER_MS);
	CU_ASSERT_EQUAL(c.kernel.backoff.max_attempts, 1);
	CU_ASSERT_EQUAL(c.kernel.backoff.jitter_pct, 50);
	CU_ASSERT_EQUAL(c.kernel.backoff.seed, 1ULL << 53);
	CU_ASSERT_EQUAL(c.kernel.emergency_backoff.max_attempts, 1000);
	CU_ASSERT_EQUAL(c.kernel.emergency_backoff.base_ns, 200 * TL_NS_PER_MS);
	CU_ASSERT_EQUAL(c.kernel.max_order_qty, 100000);
	CU_ASSERT_EQUAL(c.kernel.max_order_notional, 550000000);
	CU_ASSERT_EQUAL(c.kernel.max_position_qty, 2 * ONE);
	CU_ASSERT_EQUAL(c.kernel.max_open_orders, 1u << 24);
	CU_ASSERT_EQUAL(c.kernel.rate_10s, 0);
	CU_ASSERT_EQUAL(c.kernel.rate_1m, 1000000);
	CU_ASSERT_EQUAL(c.kernel.loss_limit, INT64_MAX);
	CU_ASSERT_EQUAL(c.kernel.daily_loss_limit, 25050000000);
	CU_ASSERT_EQUAL(c.kernel.day_reset_hour, 23);
	CU_ASSERT_EQUAL(c.kernel.taker_rate, ONE / 100);
	CU_ASSERT_EQUAL(c.ring_command, 4);
	CU_ASSERT_EQUAL(c.ring_request, 8);
	CU_ASSERT_EQUAL(c.ring_venue, 16);
	CU_ASSERT_EQUAL(c.ring_event, 32);
	CU_ASSERT_EQUAL(c.ring_journal, 1u << 24);
	CU_ASSERT_EQUAL(c.high_water_pct, 100);
	CU_ASSERT_EQUAL(tl_paper_cfg(&c)->seed, 0);
	CU_ASSERT_EQUAL(tl_paper_cfg(&c)->balance, 1);
	CU_ASSERT_EQUAL(tl_paper_cfg(&c)->maker_rate, -10000);
	CU_ASSERT_EQUAL(tl_paper_cfg(&c)->taker_rate, 1000000);
	CU_ASSERT_FALSE(tl_paper_cfg(&c)->check_margin);
	CU_ASSERT_EQUAL(tl_paper_cfg(&c)->slippage_bps, 10000);
	CU_ASSERT_EQUAL(tl_paper_cfg(&c)->latency_ns, 0);
	CU_ASSERT_EQUAL(tl_paper_cfg(&c)->mark_interval_ns, TL_NS_PER_MS);
	CU_ASSERT_EQUAL(tl_paper_cfg(&c)->walk_bps, 0);
	CU_ASSERT_EQUAL(tl_paper_cfg(&c)->n_start, 1);
	CU_ASSERT_STRING_EQUAL(tl_paper_cfg(&c)->start[0].symbol, "ETHUSDT");
	CU_ASSERT_EQUAL(tl_paper_cfg(&c)->start[0].price, 1);
	CU_ASSERT_STRING_EQUAL(tl_paper_cfg(&c)->start[1].symbol, "");
	CU_ASSERT_EQUAL(tl_paper_cfg(&c)->reject_ppm, 250000);
	CU_ASSERT_EQUAL(tl_paper_cfg(&c)->reject_code, -1001);
	CU_ASSERT_EQUAL(tl_paper_cfg(&c)->timeout_ppm, 750000);
	CU_ASSERT_TRUE(tl_paper_cfg(&c)->timeout_executes);
	CU_ASSERT_EQUAL(c.log_level, 3);

	GOOD(&c, "{\"engine\":{\"idle\":\"yield\"},\"log\":{\"level\":\"error\"}}");
	CU_ASSERT_EQUAL(c.engine.idle, TL_IDLE_YIELD);
	CU_ASSERT_EQUAL(c.log_level, 0);
	GOOD(&c, "{\"log\":{\"level\":\"warn\"}}");
	CU_ASSERT_EQUAL(c.log_level, 1);
}

/* log.format and log.file: the defaults (text on stderr), each value,
 * a relative file against the config's directory, and clear refusals. */
static void test_log_keys(void)
{
	tl_config_t c;

	GOOD(&c, "{}");
	CU_ASSERT_EQUAL(c.log_format, 0);
	CU_ASSERT_STRING_EQUAL(c.log_file, "");
	GOOD(&c, "{\"log\":{\"format\":\"json\",\"file\":\"/var/log/talon/talon.log\"}}");
	CU_ASSERT_EQUAL(c.log_format, 1);
	CU_ASSERT_STRING_EQUAL(c.log_file, "/var/log/talon/talon.log");
	GOOD(&c, "{\"log\":{\"format\":\"text\"}}");
	CU_ASSERT_EQUAL(c.log_format, 0);
	memset(err, 0, sizeof(err));
	CU_ASSERT_EQUAL(tl_config_parse(&c, "{\"log\":{\"file\":\"logs/t.log\"}}", 29,
					"/etc/talon", err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(c.log_file, "/etc/talon/logs/t.log");

	BAD("{\"log\":{\"format\":\"yaml\"}}",
	    "log.format: expected one of \"text\", \"json\", got \"yaml\"");
	BAD("{\"log\":{\"format\":1}}", "log.format: expected one of");
	BAD("{\"log\":{\"file\":\"\"}}", "log.file: expected the path of a file");
	BAD("{\"log\":{\"file\":\"/var/log/\"}}", "log.file: expected the path of a file");
	BAD("{\"log\":{\"file\":7}}", "log.file: expected a path string");
}

/* ---- error classes ----------------------------------------------------- */

static void test_unknown_key(void)
{
	BAD2("{\"engin\":{}}", "engin: unknown key", NULL);
	BAD("{\"risk\":{\"max_ordr_qty\":\"1\"}}", "risk.max_ordr_qty: unknown key");
	BAD("{\"kernel\":{\"retry\":{\"bse_ms\":1}}}", "kernel.retry.bse_ms: unknown key");
	BAD("{\"kernel\":{\"emergency_retry\":{\"x\":1}}}",
	    "kernel.emergency_retry.x: unknown key");
	BAD("{\"venue\":{\"paper\":{\"faults\":{\"drop_ppm\":1}}}}",
	    "venue.paper.faults.drop_ppm: unknown key");
	BAD("{\"venue\":{\"kraken\":{}}}", "venue.kraken: unknown key");
	BAD("{\"venue\":{\"binance\":{\"rest\":{\"url\":\"x\"}}}}",
	    "venue.binance.rest.url: unknown key");
	BAD("{\"engine\":{\"Name\":\"x\"}}", "engine.Name: unknown key");
	BAD("{\"log\":{\"level\":\"info\",\"rotate\":\"x\"}}", "log.rotate: unknown key");
}

static void test_wrong_type(void)
{
	BAD2("{\"engine\":[]}", "engine: expected an object", "an array");
	BAD2("{\"engine\":{\"cpu\":\"1\"}}", "engine.cpu: expected an integer",
	     "a string");
	BAD2("{\"kernel\":{\"hedge_mode\":1}}", "kernel.hedge_mode: expected true or false",
	     "a number");
	BAD2("{\"kernel\":{\"hedge_mode\":\"true\"}}", "kernel.hedge_mode", "a string");
	BAD2("{\"kernel\":{\"retry\":5}}", "kernel.retry: expected an object", NULL);
	BAD2("{\"symbols\":{\"only\":\"BTCUSDT\"}}", "symbols.only: expected an array",
	     NULL);
	BAD2("{\"symbols\":{\"only\":[\"BTCUSDT\",5]}}", "symbols.only[1]", "a number");
	BAD2("{\"symbols\":{\"leverage\":[]}}", "symbols.leverage: expected an object",
	     NULL);
	BAD2("{\"symbols\":{\"leverage\":{\"BTCUSDT\":\"20\"}}}",
	     "symbols.leverage.BTCUSDT: expected an integer", NULL);
	BAD2("{\"log\":{\"level\":2}}", "log.level: expected one of", "a number");
	BAD2("{\"journal\":{\"path\":null}}", "journal.path: expected a path string",
	     "null");
	BAD2("{\"engine\":{\"name\":7}}", "engine.name: expected 1..31 characters", NULL);
	BAD2("{\"venue\":{\"paper\":{\"start\":{\"BTCUSDT\":true}}}}",
	     "venue.paper.start.BTCUSDT: expected a decimal string", "a boolean");
	BAD2("{\"rings\":{\"journal\":\"65536\"}}", "rings.journal: expected a power of two",
	     "a string");
}

static void test_non_integral(void)
{
	BAD2("{\"engine\":{\"idle_us\":1.5}}", "engine.idle_us: expected an integer",
	     "got 1.5");
	BAD("{\"kernel\":{\"leverage\":10.25}}", "kernel.leverage: expected an integer");
	BAD("{\"kernel\":{\"retry\":{\"seed\":0.5}}}", "kernel.retry.seed");
	BAD("{\"rings\":{\"command\":4096.5}}", "rings.command: expected a power of two");
	BAD("{\"venue\":{\"paper\":{\"latency_ms\":0.1}}}", "venue.paper.latency_ms");
}

static void test_out_of_range(void)
{
	BAD2("{\"engine\":{\"snapshot_hz\":1e99}}", "engine.snapshot_hz",
	     "1..1000, got 1e+99");
	BAD2("{\"kernel\":{\"leverage\":-1}}", "kernel.leverage: expected an integer in 1..125",
	     "got -1");
	BAD("{\"kernel\":{\"leverage\":126}}", "kernel.leverage");
	BAD("{\"kernel\":{\"leverage\":0}}", "kernel.leverage");
	BAD("{\"engine\":{\"idle_us\":0}}", "engine.idle_us");
	BAD("{\"io\":{\"idle_us\":100001}}", "io.idle_us");
	BAD("{\"engine\":{\"timer_slack_ns\":0}}", "engine.timer_slack_ns");
	BAD("{\"io\":{\"timer_slack_ns\":1000001}}", "io.timer_slack_ns");
	BAD("{\"engine\":{\"cpu\":-2}}", "engine.cpu");
	BAD("{\"io\":{\"cpu\":1024}}", "io.cpu");
	BAD("{\"rings\":{\"high_water_pct\":101}}", "rings.high_water_pct");
	BAD("{\"rings\":{\"high_water_pct\":0}}", "rings.high_water_pct");
	BAD("{\"venue\":{\"paper\":{\"seed\":-1}}}", "venue.paper.seed");
	BAD("{\"venue\":{\"paper\":{\"seed\":9007199254740994}}}", "venue.paper.seed");
	BAD("{\"kernel\":{\"id_block\":0}}", "kernel.id_block");
	BAD("{\"kernel\":{\"ack_timeout_ms\":0}}", "kernel.ack_timeout_ms");
	BAD("{\"kernel\":{\"order_ttl_s\":-1}}", "kernel.order_ttl_s");
	BAD("{\"kernel\":{\"retry\":{\"attempts\":0}}}", "kernel.retry.attempts");
	BAD("{\"kernel\":{\"retry\":{\"jitter_pct\":51}}}", "kernel.retry.jitter_pct");
	BAD2("{\"kernel\":{\"retry\":{\"base_ms\":2000,\"cap_ms\":1000}}}",
	     "kernel.retry.cap_ms", ">= base_ms");
	BAD2("{\"kernel\":{\"emergency_retry\":{\"cap_ms\":100}}}",
	     "kernel.emergency_retry.cap_ms", ">= base_ms (200)");
	BAD("{\"risk\":{\"max_open_orders\":-5}}", "risk.max_open_orders");
	BAD("{\"risk\":{\"day_reset_hour\":24}}", "risk.day_reset_hour");
	BAD("{\"risk\":{\"taker_rate\":\"0.02\"}}", "risk.taker_rate");
	BAD("{\"risk\":{\"taker_rate\":\"-0.0001\"}}", "risk.taker_rate");
	BAD("{\"risk\":{\"day_reset_hour\":-1}}", "risk.day_reset_hour");
	BAD("{\"risk\":{\"daily_loss_limit\":\"-1\"}}", "risk.daily_loss_limit");
	BAD2("{\"risk\":{\"daily_loss_limit\":500}}", "risk.daily_loss_limit",
	     "expected a decimal string like \"0.001\"");
	BAD("{\"venue\":{\"paper\":{\"faults\":{\"reject_ppm\":1000001}}}}",
	    "venue.paper.faults.reject_ppm");
	BAD("{\"venue\":{\"paper\":{\"faults\":{\"reject_ppm\":600000,"
	    "\"timeout_ppm\":600000}}}}", "venue.paper.faults");
	BAD("{\"symbols\":{\"leverage\":{\"BTCUSDT\":200}}}", "symbols.leverage.BTCUSDT");
	BAD2("{\"venue\":{\"paper\":{\"taker_rate\":\"0.02\"}}}",
	     "venue.paper.taker_rate: expected a decimal in -0.01..0.01", NULL);
	BAD("{\"venue\":{\"paper\":{\"start\":{\"BTCUSDT\":\"0\"}}}}",
	    "venue.paper.start.BTCUSDT");
}

/* K1/K2 (docs/kernel.md): "does not exist" is final only after the
 * send window, and a resend needs an age limit past it. */
static void test_send_window_and_resend_age(void)
{
	tl_config_t c;
	GOOD(&c, "{\"kernel\":{\"send_window_ms\":7000,\"resend_max_age_ms\":20000}}");
	CU_ASSERT_EQUAL(c.kernel.send_window_ns, 7000 * TL_NS_PER_MS);
	CU_ASSERT_EQUAL(c.kernel.resend_max_age_ns, 20000 * TL_NS_PER_MS);
	GOOD(&c, "{\"kernel\":{\"resend_max_age_ms\":0}}");	/* never resend */
	CU_ASSERT_EQUAL(c.kernel.resend_max_age_ns, 0);
	GOOD(&c, "{}");
	CU_ASSERT_EQUAL(c.kernel.send_window_ns, 6000 * TL_NS_PER_MS);
	CU_ASSERT_EQUAL(c.kernel.resend_max_age_ns, 10000 * TL_NS_PER_MS);
	BAD2("{\"kernel\":{\"resend_max_age_ms\":5000}}", "kernel.resend_max_age_ms",
	     "more than kernel.send_window_ms (6000), got 5000");
	BAD("{\"kernel\":{\"send_window_ms\":-1}}", "kernel.send_window_ms");
	BAD2("{\"kernel\":{\"send_window_ms\":3000},\"venue\":{\"type\":\"binance\","
	     "\"binance\":{\"api_key\":\"k\",\"api_secret\":\"s\"}}}",
	     "kernel.send_window_ms", ">= venue.binance.recv_window_ms (5000), got 3000");
}

static void test_not_power_of_two(void)
{
	BAD2("{\"kernel\":{\"order_capacity\":1000}}",
	     "kernel.order_capacity: expected a power of two in 2..16777216, got 1000",
	     NULL);
	BAD("{\"kernel\":{\"order_capacity\":33554432}}", "kernel.order_capacity");
	BAD("{\"kernel\":{\"order_capacity\":1}}", "kernel.order_capacity");
	BAD("{\"kernel\":{\"order_capacity\":0}}", "kernel.order_capacity");
	BAD("{\"kernel\":{\"order_capacity\":-4}}", "kernel.order_capacity");
	BAD("{\"kernel\":{\"trade_capacity\":12000}}", "kernel.trade_capacity");
	BAD("{\"rings\":{\"journal\":3000}}", "rings.journal");
	BAD2("{\"rings\":{\"command\":2}}", "rings.command", "4..16777216");
	BAD("{\"rings\":{\"event\":33554432}}", "rings.event");
	BAD("{\"rings\":{\"venue\":16383}}", "rings.venue");
	BAD("{\"rings\":{\"request\":6}}", "rings.request");
}

static void test_bad_decimal(void)
{
	BAD2("{\"risk\":{\"loss_limit\":\"1e3\"}}", "risk.loss_limit: bad decimal \"1e3\"",
	     NULL);
	BAD("{\"risk\":{\"loss_limit\":\"1.123456789\"}}", "risk.loss_limit: bad decimal");
	BAD("{\"risk\":{\"max_order_qty\":\"abc\"}}", "risk.max_order_qty: bad decimal");
	BAD("{\"risk\":{\"max_order_qty\":\"\"}}", "risk.max_order_qty: bad decimal");
	BAD("{\"risk\":{\"max_order_qty\":\" 1\"}}", "risk.max_order_qty: bad decimal");
	BAD("{\"risk\":{\"max_order_qty\":\"+1\"}}", "risk.max_order_qty: bad decimal");
	BAD("{\"risk\":{\"max_position_qty\":\"99999999999999\"}}",
	    "risk.max_position_qty: bad decimal");
	BAD2("{\"risk\":{\"max_order_notional\":\"-5\"}}",
	     "risk.max_order_notional: expected a decimal >= 0, got \"-5\"", NULL);
	BAD("{\"venue\":{\"paper\":{\"balance\":\"1,000\"}}}", "venue.paper.balance");
	BAD("{\"venue\":{\"paper\":{\"start\":{\"ETHUSDT\":\"3000.0.0\"}}}}",
	    "venue.paper.start.ETHUSDT: bad decimal");
}

static void test_on_stop_values(void)
{
	tl_config_t c;

	GOOD(&c, "{\"engine\":{\"on_stop\":\"cancel\",\"stop_timeout_ms\":100}}");
	CU_ASSERT_EQUAL(c.on_stop, TL_ON_STOP_CANCEL);
	CU_ASSERT_EQUAL(c.stop_timeout_ms, 100);
	GOOD(&c, "{\"engine\":{\"on_stop\":\"leave\"}}");
	CU_ASSERT_EQUAL(c.on_stop, TL_ON_STOP_LEAVE);
	CU_ASSERT_STRING_EQUAL(tl_config_on_stop_name(TL_ON_STOP_CANCEL), "cancel");
	CU_ASSERT_STRING_EQUAL(tl_config_on_stop_name((tl_on_stop_t)7), "?");
}

static void test_number_for_money(void)
{
	BAD2("{\"risk\":{\"loss_limit\":1000}}", "risk.loss_limit",
	     "expected a decimal string like \"0.001\"");
	BAD2("{\"venue\":{\"paper\":{\"balance\":10000}}}", "venue.paper.balance",
	     "expected a decimal string like \"0.001\"");
	BAD2("{\"venue\":{\"paper\":{\"maker_rate\":0.0002}}}", "venue.paper.maker_rate",
	     "expected a decimal string like \"0.001\"");
	BAD2("{\"venue\":{\"paper\":{\"start\":{\"BTCUSDT\":50000}}}}",
	     "venue.paper.start.BTCUSDT", "expected a decimal string like \"0.001\"");
}

static void test_bad_enum(void)
{
	BAD2("{\"engine\":{\"idle\":\"busy\"}}", "engine.idle: expected one of",
	     "\"spin\", \"yield\", \"backoff\", \"sleep\", \"park\"");
	BAD("{\"io\":{\"idle\":\"Sleep\"}}", "io.idle");
	BAD2("{\"engine\":{\"threading\":\"both\"}}", "engine.threading: expected one of",
	     "\"dedicated\", \"shared\", got \"both\"");
	BAD2("{\"engine\":{\"on_stop\":\"close\"}}", "engine.on_stop: expected one of",
	     "\"leave\", \"cancel\", \"flatten\", got \"close\"");
	BAD("{\"engine\":{\"on_stop\":true}}", "engine.on_stop");
	BAD("{\"engine\":{\"stop_timeout_ms\":99}}", "engine.stop_timeout_ms");
	BAD("{\"engine\":{\"stop_timeout_ms\":600001}}", "engine.stop_timeout_ms");
	BAD2("{\"log\":{\"level\":\"trace\"}}", "log.level",
	     "\"error\", \"warn\", \"info\", \"debug\", got \"trace\"");
	BAD2("{\"venue\":{\"type\":\"kraken\"}}", "venue.type", "\"paper\", \"binance\"");
}

/* venue.binance: fields land, defaults hold, and no message ever shows
 * the API key or secret (only the key's name). */
static void test_binance_section(void)
{
	tl_config_t c;

	good_at(__LINE__, &c, "{}");
	/* the section's defaults, once Binance is the venue */
	tl_binance_cfg_select(&c);
	CU_ASSERT_STRING_EQUAL(tl_binance_cfg(&c)->rest.host, "fapi.binance.com");
	CU_ASSERT_EQUAL(tl_binance_cfg(&c)->rest.port, 443);
	CU_ASSERT_TRUE(tl_binance_cfg(&c)->rest.tls);
	CU_ASSERT_FALSE(tl_binance_cfg(&c)->rest.insecure);
	CU_ASSERT_EQUAL(tl_binance_cfg(&c)->recv_window_ms, 5000);
	CU_ASSERT_EQUAL(tl_binance_cfg(&c)->connections, 4);
	CU_ASSERT_EQUAL(tl_binance_cfg(&c)->pipeline, 16);
	good_at(__LINE__, &c,
		"{\"venue\":{\"type\":\"binance\",\"binance\":{"
		"\"rest\":{\"host\":\"127.0.0.1\",\"port\":8080,\"tls\":false,"
		"\"ca_file\":\"ca.pem\",\"insecure\":false},"
		"\"ws\":{\"host\":\"127.0.0.1\",\"port\":8444,\"tls\":false},"
		"\"api_key\":\"K123\",\"api_secret\":\"S456\","
		"\"recv_window_ms\":3000,\"connections\":4,\"timeout_ms\":800}}}");
	CU_ASSERT_STRING_EQUAL(c.venue_type, "binance");
	CU_ASSERT_STRING_EQUAL(tl_binance_cfg(&c)->rest.host, "127.0.0.1");
	CU_ASSERT_EQUAL(tl_binance_cfg(&c)->rest.port, 8080);
	CU_ASSERT_FALSE(tl_binance_cfg(&c)->rest.tls);
	CU_ASSERT_STRING_EQUAL(tl_binance_cfg(&c)->rest.ca_file, "ca.pem");
	CU_ASSERT_EQUAL(tl_binance_cfg(&c)->ws.port, 8444);
	CU_ASSERT_FALSE(tl_binance_cfg(&c)->ws.tls);
	CU_ASSERT_STRING_EQUAL(tl_binance_cfg(&c)->api_key, "K123");
	CU_ASSERT_STRING_EQUAL(tl_binance_cfg(&c)->api_secret, "S456");
	CU_ASSERT_EQUAL(tl_binance_cfg(&c)->recv_window_ms, 3000);
	CU_ASSERT_EQUAL(tl_binance_cfg(&c)->connections, 4);
	CU_ASSERT_EQUAL(tl_binance_cfg(&c)->timeout_ns, 800LL * 1000000);
	BAD("{\"venue\":{\"type\":\"binance\",\"binance\":{\"api_key\":\"K\"}}}",
	    "venue.binance.api_secret: required");
	BAD("{\"venue\":{\"type\":\"binance\"}}", "venue.binance.api_key: required");
	BAD("{\"venue\":{\"binance\":{\"connections\":17}}}",
	    "venue.binance.connections: expected an integer in 1..16");
	BAD("{\"venue\":{\"binance\":{\"recv_window_ms\":60001}}}",
	    "venue.binance.recv_window_ms");
	BAD("{\"venue\":{\"binance\":{\"rest\":{\"host\":\"http://x\"}}}}",
	    "venue.binance.rest.host");
	BAD("{\"venue\":{\"binance\":{\"rest\":{\"port\":0}}}}",
	    "venue.binance.rest.port");
	BAD("{\"venue\":{\"binance\":{\"rest\":{\"tls\":1}}}}",
	    "venue.binance.rest.tls: expected true or false");
	/* A bad secret or key is named, never shown. */
	BAD("{\"venue\":{\"binance\":{\"api_secret\":\"TOPSECRET has space\"}}}",
	    "venue.binance.api_secret");
	CU_ASSERT_PTR_NULL(strstr(err, "TOPSECRET"));
	BAD("{\"venue\":{\"binance\":{\"api_key\":\"KEYVALUE\\u0001\"}}}",
	    "venue.binance.api_key");
	CU_ASSERT_PTR_NULL(strstr(err, "KEYVALUE"));
	BAD("{\"venue\":{\"binance\":{\"api_secret\":42}}}",
	    "venue.binance.api_secret: expected a string");
	/* the start-up deadline (io/binance/startup.h) and core files */
	good_at(__LINE__, &c, "{}");
	tl_binance_cfg_select(&c);	/* the section's defaults */
	CU_ASSERT_EQUAL(tl_binance_cfg(&c)->startup_deadline_ns, 30000LL * 1000000);
	CU_ASSERT_FALSE(c.allow_core_dumps);
	good_at(__LINE__, &c,
		"{\"engine\":{\"allow_core_dumps\":true},"
		"\"venue\":{\"type\":\"binance\",\"binance\":{\"startup_deadline_ms\":2500,"
		"\"api_key\":\"K\",\"api_secret\":\"S\"}}}");
	CU_ASSERT_EQUAL(tl_binance_cfg(&c)->startup_deadline_ns, 2500LL * 1000000);
	CU_ASSERT_TRUE(c.allow_core_dumps);
	BAD("{\"venue\":{\"binance\":{\"startup_deadline_ms\":999}}}",
	    "venue.binance.startup_deadline_ms");
	BAD("{\"venue\":{\"binance\":{\"startup_deadline_ms\":600001}}}",
	    "venue.binance.startup_deadline_ms");
	BAD("{\"engine\":{\"allow_core_dumps\":1}}",
	    "engine.allow_core_dumps: expected true or false");
}

static void test_bad_names(void)
{
	BAD("{\"engine\":{\"name\":\"\"}}", "engine.name");
	BAD2("{\"engine\":{\"name\":\"bad name\"}}", "engine.name", "got \"bad name\"");
	BAD("{\"engine\":{\"name\":\"a/b\"}}", "engine.name");
	BAD("{\"engine\":{\"name\":\"abcdefghijabcdefghijabcdefghij12\"}}", "engine.name");
	BAD2("{\"kernel\":{\"client_id_prefix\":\"abcdefghijklmnopq\"}}",
	     "kernel.client_id_prefix", "1..16");
	BAD("{\"kernel\":{\"client_id_prefix\":\"t.l\"}}", "kernel.client_id_prefix");
	BAD("{\"symbols\":{\"only\":[\"btcusdt\"]}}", "symbols.only[0]");
	BAD("{\"symbols\":{\"only\":[]}}", "symbols.only: expected 1..1024");
	BAD2("{\"symbols\":{\"leverage\":{\"BTC USDT\":2}}}", "symbols.leverage",
	     "bad symbol name");
	BAD("{\"symbols\":{\"exchange_info\":\"\"}}", "symbols.exchange_info");
}

/* symbols.only and venue.paper.start take TL_CFG_SYMBOLS_MAX names (the
 * kernel's table size), and one more is refused with the limit named.
 * The document: n names in symbols.only (at most the max) and, with
 * start, n start marks for them. */
static void symbols_json(char *buf, size_t cap, bool start, int n)
{
	int n_only = start && n > TL_CFG_SYMBOLS_MAX ? TL_CFG_SYMBOLS_MAX : n;
	size_t len = (size_t)snprintf(buf, cap, "{\"symbols\":{\"only\":[");

	for (int i = 0; i < n_only && len < cap; i++)
		len += (size_t)snprintf(buf + len, cap - len, "%s\"S%04dUSDT\"",
					i ? "," : "", i);
	len += (size_t)snprintf(buf + len, cap - len, "]}%s",
				start ? ",\"venue\":{\"paper\":{\"start\":{" : "}");
	for (int i = 0; start && i < n && len < cap; i++)
		len += (size_t)snprintf(buf + len, cap - len, "%s\"S%04dUSDT\":\"100\"",
					i ? "," : "", i);
	if (start && len < cap)
		snprintf(buf + len, cap - len, "}}}}");
}

static void test_symbol_cap(void)
{
	static char json[64 << 10];
	static tl_config_t c;
	char want[64];

	CU_ASSERT_EQUAL(TL_CFG_SYMBOLS_MAX, TL_SYMBOLS_MAX);
	CU_ASSERT(TL_CFG_SYMBOLS_MAX >= 1000);
	symbols_json(json, sizeof json, false, TL_CFG_SYMBOLS_MAX);
	tl_config_defaults(&c);
	GOOD(&c, json);
	CU_ASSERT_EQUAL(c.n_symbols, TL_CFG_SYMBOLS_MAX);
	CU_ASSERT_STRING_EQUAL(c.symbols[TL_CFG_SYMBOLS_MAX - 1], "S1023USDT");
	symbols_json(json, sizeof json, false, TL_CFG_SYMBOLS_MAX + 1);
	snprintf(want, sizeof want, "expected 1..%d symbol names, got %d",
		 TL_CFG_SYMBOLS_MAX, TL_CFG_SYMBOLS_MAX + 1);
	BAD2(json, "symbols.only", want);

	symbols_json(json, sizeof json, true, TL_CFG_SYMBOLS_MAX);
	tl_config_defaults(&c);
	GOOD(&c, json);
	CU_ASSERT_EQUAL(tl_paper_cfg(&c)->n_start, TL_CFG_SYMBOLS_MAX);
	symbols_json(json, sizeof json, true, TL_CFG_SYMBOLS_MAX + 1);
	snprintf(want, sizeof want, "expected at most %d entries", TL_CFG_SYMBOLS_MAX);
	BAD2(json, "venue.paper.start", want);
}

static void test_too_long_path(void)
{
	char json[1024], name[TL_PATH_MAX + 8], base[200];
	tl_config_t c;

	memset(name, 'a', sizeof(name));
	name[TL_PATH_MAX] = '\0';               /* 256 bytes: one too many */
	snprintf(json, sizeof(json), "{\"journal\":{\"path\":\"%s\"}}", name);
	BAD2(json, "journal.path: path too long", "at most 255");
	snprintf(json, sizeof(json), "{\"symbols\":{\"exchange_info\":\"%s\"}}", name);
	BAD(json, "symbols.exchange_info: path too long");
	snprintf(json, sizeof(json),
		 "{\"venue\":{\"paper\":{\"marks_csv\":\"%s\"}}}", name);
	BAD(json, "venue.paper.marks_csv: path too long");

	name[TL_PATH_MAX - 1] = '\0';           /* 255 bytes: fits */
	snprintf(json, sizeof(json), "{\"journal\":{\"path\":\"%s\"}}", name);
	GOOD(&c, json);
	CU_ASSERT_EQUAL(strlen(c.journal_path), TL_PATH_MAX - 1);

	/* Fits alone, too long once joined to base_dir. */
	memset(base, 'b', sizeof(base));
	base[0] = '/';
	base[sizeof(base) - 1] = '\0';
	name[100] = '\0';
	snprintf(json, sizeof(json), "{\"journal\":{\"path\":\"%s\"}}", name);
	CU_ASSERT_EQUAL(tl_config_parse(&c, json, strlen(json), base, err,
					sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "journal.path: path too long once resolved"));
	name[50] = '\0';
	snprintf(json, sizeof(json), "{\"journal\":{\"path\":\"%s\"}}", name);
	CU_ASSERT_EQUAL(tl_config_parse(&c, json, strlen(json), base, err,
					sizeof(err)), 0);
	CU_ASSERT_EQUAL(strlen(c.journal_path), 199 + 1 + 50);
}

static void test_not_an_object(void)
{
	BAD("[]", "expected one JSON object at top level, got an array");
	BAD("42", "got a number");
	BAD("\"paper\"", "got a string");
	BAD("null", "got null");
	BAD("", "invalid JSON");
	BAD("   ", "invalid JSON");
	BAD2("{\n  \"engine\": {\n    \"cpu\": 1,\n  }\n}", "invalid JSON at line 4",
	     NULL);
	BAD("{'engine':{}}", "invalid JSON");
}

static void test_trailing_garbage(void)
{
	const char nul[] = "{}\0{}";
	tl_config_t c;

	BAD2("{} x", "unexpected text after the JSON object", "line 1 column 4");
	BAD("{}{}", "unexpected text after the JSON object");
	BAD("{}\n,", "line 2 column 1");
	CU_ASSERT_EQUAL(tl_config_parse(&c, nul, sizeof(nul) - 1, NULL, err,
					sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "unexpected text"));
	/* `len` bounds the text: bytes past it are not read. */
	CU_ASSERT_EQUAL(tl_config_parse(&c, "{} x", 2, NULL, err, sizeof(err)), 0);
}

static void test_duplicate_key(void)
{
	BAD("{\"log\":{},\"log\":{}}", "log: duplicate key");
	BAD("{\"risk\":{\"loss_limit\":\"1\",\"loss_limit\":\"2\"}}",
	    "risk.loss_limit: duplicate key");
	BAD("{\"kernel\":{\"retry\":{\"seed\":1,\"base_ms\":5,\"seed\":1}}}",
	    "kernel.retry.seed: duplicate key");
	BAD("{\"symbols\":{\"leverage\":{\"BTCUSDT\":2,\"BTCUSDT\":3}}}",
	    "symbols.leverage.BTCUSDT: duplicate key");
	BAD("{\"venue\":{\"paper\":{\"start\":{\"BTCUSDT\":\"1\",\"BTCUSDT\":\"2\"}}}}",
	    "venue.paper.start.BTCUSDT: duplicate key");
	BAD2("{\"symbols\":{\"only\":[\"BTCUSDT\",\"ETHUSDT\",\"BTCUSDT\"]}}",
	     "symbols.only[2]", "duplicate symbol");
}

static void test_cross_rules(void)
{
	tl_config_t c;

	BAD2("{\"symbols\":{\"only\":[\"BTCUSDT\"],\"leverage\":{\"ETHUSDT\":5}}}",
	     "symbols.leverage.ETHUSDT", "not in symbols.only");
	BAD2("{\"symbols\":{\"only\":[\"BTCUSDT\"]},"
	     "\"venue\":{\"paper\":{\"start\":{\"ETHUSDT\":\"3000\"}}}}",
	     "venue.paper.start.ETHUSDT", "not in symbols.only");

	/* Default start prices follow the symbol list. */
	GOOD(&c, "{\"symbols\":{\"only\":[\"ETHUSDT\",\"SOLUSDT\"]}}");
	CU_ASSERT_EQUAL(c.n_symbols, 2);
	CU_ASSERT_EQUAL(tl_paper_cfg(&c)->n_start, 1);
	CU_ASSERT_STRING_EQUAL(tl_paper_cfg(&c)->start[0].symbol, "ETHUSDT");
	CU_ASSERT_EQUAL(tl_paper_cfg(&c)->start[0].price, 3000 * ONE);
	CU_ASSERT_STRING_EQUAL(tl_paper_cfg(&c)->start[1].symbol, "");

	/* Leverage indexes follow `only` whatever the key order. */
	GOOD(&c, "{\"symbols\":{\"leverage\":{\"SOLUSDT\":7},"
		 "\"only\":[\"ETHUSDT\",\"SOLUSDT\"]}}");
	CU_ASSERT_EQUAL(c.leverage[0], 0);
	CU_ASSERT_EQUAL(c.leverage[1], 7);
}

/* ---- files ------------------------------------------------------------- */

static void test_file_missing(void)
{
	tl_config_t c;

	CU_ASSERT_EQUAL(tl_config_load(&c, "tests/data/no_such_config.json", err,
				       sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "tests/data/no_such_config.json"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "No such file"));
	CU_ASSERT_EQUAL(tl_config_load(&c, "tests/data", err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "not a regular file"));
	CU_ASSERT_EQUAL(tl_config_load(&c, "", err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "config path"));
}

/* A load error names the file and then the key path. */
static void test_file_error_names_file_and_key(void)
{
	tl_config_t c;

	CU_ASSERT_EQUAL(tl_config_load(&c, "tests/data/config_bad_key.json", err,
				       sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err,
		"tests/data/config_bad_key.json: risk.max_ordr_qty: unknown key"));
}

/* Write `size` bytes: a valid object padded with spaces. */
static void write_padded(const char *path, size_t size)
{
	FILE *f = fopen(path, "wb");

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs("{\"log\":{\"level\":\"debug\"}}", f);
	for (size_t i = strlen("{\"log\":{\"level\":\"debug\"}}"); i < size; i++)
		fputc(' ', f);
	fclose(f);
}

static void test_file_too_large(void)
{
	char dir[] = "/tmp/tl_config_XXXXXX", path[128];
	tl_config_t c;

	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/big.json", dir);
	write_padded(path, (1u << 20) + 1);
	CU_ASSERT_EQUAL(tl_config_load(&c, path, err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, path));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "too large"));
	write_padded(path, 1u << 20);           /* exactly the limit is fine */
	CU_ASSERT_EQUAL(tl_config_load(&c, path, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(c.log_level, 3);
	/* relative defaults are not rebased: they stay relative to the cwd */
	CU_ASSERT_STRING_EQUAL(c.exchange_info, "config/exchange_info.json");
	unlink(path);
	rmdir(dir);
}

/* doc parses, relative paths resolved against base. */
static void parse_ok(tl_config_t *c, const char *doc, const char *base)
{
	CU_ASSERT_EQUAL(tl_config_parse(c, doc, strlen(doc), base, err, sizeof(err)), 0);
}

static void test_relative_paths(void)
{
	const char *doc =
		"{\"symbols\":{\"exchange_info\":\"xi.json\"},"
		"\"venue\":{\"paper\":{\"marks_csv\":\"data/marks.csv\"}},"
		"\"journal\":{\"path\":\"j.db\"}}";
	const char *abs =
		"{\"symbols\":{\"exchange_info\":\"/srv/xi.json\"},"
		"\"journal\":{\"path\":\"\"}}";
	tl_config_t c;

	parse_ok(&c, doc, "/etc/talon");
	CU_ASSERT_STRING_EQUAL(c.exchange_info, "/etc/talon/xi.json");
	CU_ASSERT_STRING_EQUAL(tl_paper_cfg(&c)->marks_csv, "/etc/talon/data/marks.csv");
	CU_ASSERT_STRING_EQUAL(c.journal_path, "/etc/talon/j.db");
	parse_ok(&c, doc, "cfg/");
	CU_ASSERT_STRING_EQUAL(c.exchange_info, "cfg/xi.json");
	parse_ok(&c, doc, "/");
	CU_ASSERT_STRING_EQUAL(c.exchange_info, "/xi.json");
	parse_ok(&c, doc, NULL);
	CU_ASSERT_STRING_EQUAL(c.exchange_info, "xi.json");
	parse_ok(&c, doc, "");
	CU_ASSERT_STRING_EQUAL(c.journal_path, "j.db");
	/* absolute paths and "" are kept as given */
	parse_ok(&c, abs, "/etc/talon");
	CU_ASSERT_STRING_EQUAL(c.exchange_info, "/srv/xi.json");
	CU_ASSERT_STRING_EQUAL(c.journal_path, "");

	/* tl_config_load resolves against the file's own directory. */
	CU_ASSERT_EQUAL_FATAL(tl_config_load(&c, "tests/data/config_relative.json",
					     err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(c.name, "relative");
	CU_ASSERT_STRING_EQUAL(c.exchange_info, "tests/data/exchange_info.json");
	CU_ASSERT_STRING_EQUAL(tl_paper_cfg(&c)->marks_csv, "tests/data/marks.csv");
	CU_ASSERT_STRING_EQUAL(c.journal_path, "tests/data/sub/journal.db");
	CU_ASSERT_EQUAL(tl_paper_cfg(&c)->n_start, 0);    /* no default for SOLUSDT */
	CU_ASSERT_EQUAL(tl_config_load(&c, "./tests/data/config_relative.json",
				       err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(c.exchange_info, "./tests/data/exchange_info.json");
}

/* ---- symbols ----------------------------------------------------------- */

static void test_symbols_load(void)
{
	tl_config_t c;
	tl_symbols_t s;

	tl_config_defaults(&c);
	CU_ASSERT_EQUAL_FATAL(tl_config_symbols(&c, &s, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(s.count, 2);
	CU_ASSERT_EQUAL(s.cap, 2);
	CU_ASSERT(tl_symbols_find(&s, "BTCUSDT") >= 0);
	CU_ASSERT(tl_symbols_find(&s, "ETHUSDT") >= 0);
	CU_ASSERT_EQUAL(tl_symbols_find(&s, "SOLUSDT"), -1);
	CU_ASSERT_EQUAL(tl_symbols_get(&s, tl_symbols_find(&s, "BTCUSDT"))->tick_size,
			10000000);
	tl_symbols_free(&s);

	/* through a relative path in a file elsewhere */
	CU_ASSERT_EQUAL_FATAL(tl_config_load(&c, "tests/data/config_relative.json",
					     err, sizeof(err)), 0);
	CU_ASSERT_EQUAL_FATAL(tl_config_symbols(&c, &s, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(s.count, 1);
	CU_ASSERT_EQUAL(tl_symbols_find(&s, "SOLUSDT"), 0);
	tl_symbols_free(&s);
}

static void test_symbols_missing_file(void)
{
	tl_config_t c;
	tl_symbols_t s;

	tl_config_defaults(&c);
	snprintf(c.exchange_info, sizeof(c.exchange_info), "tests/data/nope_xi.json");
	CU_ASSERT_EQUAL(tl_config_symbols(&c, &s, err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "tests/data/nope_xi.json"));
	CU_ASSERT_PTR_NULL(s.sym);
	CU_ASSERT_EQUAL(s.count, 0);

	/* a document that is not exchangeInfo */
	snprintf(c.exchange_info, sizeof(c.exchange_info), "config/paper.json");
	CU_ASSERT_EQUAL(tl_config_symbols(&c, &s, err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "config/paper.json: "));
	CU_ASSERT_PTR_NULL(s.sym);
}

static void test_symbols_not_in_document(void)
{
	tl_config_t c;
	tl_symbols_t s;

	GOOD(&c, "{\"symbols\":{\"only\":[\"BTCUSDT\",\"XRPUSDT\"]}}");
	CU_ASSERT_EQUAL(tl_config_symbols(&c, &s, err, sizeof(err)), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "config/exchange_info.json: "));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "XRPUSDT"));
	CU_ASSERT_PTR_NULL(s.sym);
	CU_ASSERT_EQUAL(s.count, 0);
}

/* engine.name without kernel.client_id_prefix: the prefix is derived
 * from the name, name + "-" up to 15 characters, else 10 characters +
 * 4 hex + "-"; a set one wins; no name at all keeps "tl". */
static void test_client_id_prefix_default_from_name(void)
{
	char err[256];
	tl_config_t c, d;
	const char *j1 = "{\"engine\":{\"name\":\"alpha\"}}";
	const char *j2 = "{\"engine\":{\"name\":\"production-btc-1\"}}";
	const char *j3 = "{\"engine\":{\"name\":\"production-btc-2\"}}";
	const char *j4 = "{\"engine\":{\"name\":\"alpha\"},\"kernel\":{\"client_id_prefix\":\"tl\"}}";

	CU_ASSERT_EQUAL_FATAL(tl_config_parse(&c, j1, strlen(j1), NULL, err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(c.kernel.clid_prefix, "alpha-");
	CU_ASSERT_EQUAL_FATAL(tl_config_parse(&c, j2, strlen(j2), NULL, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL_FATAL(tl_config_parse(&d, j3, strlen(j3), NULL, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(strlen(c.kernel.clid_prefix), 15);
	CU_ASSERT_NSTRING_EQUAL(c.kernel.clid_prefix, "production", 10);
	CU_ASSERT_EQUAL(c.kernel.clid_prefix[14], '-');
	CU_ASSERT_STRING_NOT_EQUAL(c.kernel.clid_prefix, d.kernel.clid_prefix);
	CU_ASSERT_EQUAL_FATAL(tl_config_parse(&c, j4, strlen(j4), NULL, err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(c.kernel.clid_prefix, "tl");
	CU_ASSERT_EQUAL_FATAL(tl_config_parse(&c, "{}", 2, NULL, err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(c.kernel.clid_prefix, "tl");
}

TL_TEST_SUITE("io.config", setup, NULL,
	      TL_TEST(test_client_id_prefix_default_from_name),
	      TL_TEST(test_journal_mode_and_sync),
	      TL_TEST(test_defaults_valid),
	      TL_TEST(test_empty_is_defaults),
	      TL_TEST(test_paper_json_fields),
	      TL_TEST(test_paper_json_starts_kernel),
	      TL_TEST(test_every_key_lands),
	      TL_TEST(test_log_keys),
	      TL_TEST(test_unknown_key),
	      TL_TEST(test_wrong_type),
	      TL_TEST(test_non_integral),
	      TL_TEST(test_out_of_range),
	      TL_TEST(test_send_window_and_resend_age),
	      TL_TEST(test_not_power_of_two),
	      TL_TEST(test_bad_decimal),
	      TL_TEST(test_number_for_money),
	      TL_TEST(test_bad_enum),
	      TL_TEST(test_on_stop_values),
	      TL_TEST(test_monitor_section),
	      TL_TEST(test_binance_section),
	      TL_TEST(test_bad_names),
	      TL_TEST(test_symbol_cap),
	      TL_TEST(test_too_long_path),
	      TL_TEST(test_not_an_object),
	      TL_TEST(test_trailing_garbage),
	      TL_TEST(test_duplicate_key),
	      TL_TEST(test_cross_rules),
	      TL_TEST(test_file_missing),
	      TL_TEST(test_file_error_names_file_and_key),
	      TL_TEST(test_file_too_large),
	      TL_TEST(test_relative_paths),
	      TL_TEST(test_symbols_load),
	      TL_TEST(test_symbols_missing_file),
	      TL_TEST(test_symbols_not_in_document));
