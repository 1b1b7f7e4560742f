/*
 * test_metrics.c - tl_mon_metrics_write (mon/metrics.h) on a hand-filled
 * shm block and snapshot: exact lines of chosen families, the format's
 * rules over the whole output (HELP and TYPE before a family's samples,
 * a family's samples together, no series twice), label escaping, exact
 * money, a write error; then promtool (Debian package prometheus,
 * installed by `make test`: scripts/deps.sh --test) checks the output,
 * the alert rules in contrib/prometheus/ (and their unit tests), and the
 * Grafana dashboard in contrib/grafana/ is JSON whose queries and rules
 * name only metrics this writer writes.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cJSON.h>

#include "mon/metrics.h"
#include "runtime/shm.h"
#include "tests/support/tl_test.h"

#define NOW (1796601600LL * TL_NS_PER_S + 250 * TL_NS_PER_MS) /* 2026-12-07 00:00:00.25 */
#define RULES "contrib/prometheus/talon-rules.yml"
#define RULES_TEST "tests/mon/talon-rules-test.yml"
#define DASHBOARD "contrib/grafana/talon.json"

static tl_shm_t *shm;
static tl_shm_snapshot_t *sn;
static char *out;     /* the last write's text */

static tl_fx_t fx(const char *s)
{
	tl_fx_t v = 0;
	CU_ASSERT_EQUAL_FATAL(tl_fx_parse_cstr(s, &v), TL_FX_OK);
	return v;
}

static void fill(void)
{
	memset(sn, 0, sizeof *sn);
	tl_shm_init_local(shm, "desk1");
	snprintf(shm->clid_prefix, sizeof shm->clid_prefix, "desk1-");
	atomic_store(&shm->pid, (int32_t)getpid());
	shm->started = NOW - 3600 * TL_NS_PER_S;
	atomic_store(&shm->heartbeat, NOW - 1500 * TL_NS_PER_MS);   /* 1.5 s old */
	sn->published = NOW - 100 * TL_NS_PER_MS;
	sn->state = TL_TS_REDUCING;
	sn->open_orders = 3;
	sn->tracked_orders = 9;
	sn->n_pos = 2;
	snprintf(sn->pos[0].symbol, sizeof sn->pos[0].symbol, "BTCUSDT");
	sn->pos[0].pos_side = TL_PS_BOTH;
	sn->pos[0].qty = fx("0.5");
	sn->pos[0].entry = fx("50000");
	sn->pos[0].mark = fx("51000.1");
	sn->pos[0].unrealized = fx("500.05");
	sn->pos[0].realized = fx("12.5");
	sn->pos[0].commission = fx("0.00000001");
	sn->pos[0].roe = fx("0.19607843");
	sn->pos[0].leverage = 5;
	snprintf(sn->pos[1].symbol, sizeof sn->pos[1].symbol, "ETHUSDT");
	sn->pos[1].pos_side = TL_PS_SHORT;
	sn->pos[1].qty = fx("-2");
	sn->pos[1].entry = fx("3000");
	sn->pos[1].unrealized = fx("-0.00000001");
	sn->pos[1].realized = INT64_MAX;        /* 92233720368.54775807 */
	sn->pos[1].leverage = 20;
	sn->n_strat = 3;
	sn->strat[0].orders = 1;                /* untagged, booked: shown */
	snprintf(sn->strat[1].name, sizeof sn->strat[1].name, "a\"b\\c");
	sn->strat[1].realized = fx("-1.23456789");
	sn->strat[1].orders = 7;
	sn->strat[1].fills = 4;
	snprintf(sn->strat[2].name, sizeof sn->strat[2].name, "mm");
	sn->total_pnl = fx("300.00000001");
	sn->daily_pnl = fx("-42.5");
	sn->day_start = 1796601600LL * TL_NS_PER_S;
	sn->daily_loss_limit = fx("1000");
	sn->submitted = 20;
	sn->refused = 2;
	sn->filled = 7;
	sn->canceled = 5;
	sn->rejected = 1;
	sn->failed = 0;
	sn->expired = 3;
	sn->unknown = 1;
	sn->fills = 11;
	sn->conflicts = 2;
	sn->ws_sent = 11;
	sn->rest_sent = 5;
	sn->venue_connected = 1;
	sn->venue_conns = 4;
	sn->venue_stream = TL_SHM_STREAM_UP;
	sn->venue_clock_synced = 1;
	sn->clock_offset_ns = -2500000;         /* the venue 2.5 ms behind */
	sn->weight_used = 37;
	sn->weight_limit = 2400;
	sn->orders_10s = 3;
	sn->orders_10s_limit = 300;
	sn->orders_1m = 9;
	sn->orders_1m_limit = 1200;
	sn->http_429 = 2;
	sn->journal = TL_SHM_JOURNAL_ON | TL_SHM_JOURNAL_STRICT;
	sn->journal_pending = 17;
	sn->journal_records = 4242;
	sn->journal_last_commit_ns = 1796000000500000000LL;
	sn->emg_started = NOW - 60 * TL_NS_PER_S;
	sn->emg_total = 4;
	sn->emg_ok = 3;
	sn->emg_failed = 1;
	sn->emg_canceled = 2;
	/* free text from the block: a newline, a quote, a byte that is not
	 * UTF-8, a control character, and UTF-8 that is */
	snprintf(sn->emg_reason, sizeof sn->emg_reason, "loss\n\"limit\" \xff\x01 \xc3\xa9");
	/* 5 loops <= 1 us, 3 in (2.5 us, 5 us], 2 in (1 ms, 2.5 ms], 1 slower than 10 ms */
	sn->lat_bucket[0] = 5;
	sn->lat_bucket[2] = 3;
	sn->lat_bucket[10] = 2;
	sn->lat_bucket[TL_SHM_LAT_BOUNDS] = 1;
	sn->lat_sum_ns = 25004100;              /* 0.0250041 s */
}

/* Before every test: the block and the snapshot as fill() makes them. */
static void setup(void)
{
	if (!shm)
		shm = calloc(1, sizeof *shm);
	if (!sn)
		sn = calloc(1, sizeof *sn);
	if (!shm || !sn)
		abort();
	fill();
	free(out);
	out = NULL;
}

static int suite_clean(void)
{
	free(shm);
	free(sn);
	free(out);
	return 0;
}

/* Writes the metrics into `out`; the writer's return code. */
static int render(const tl_shm_t *s)
{
	size_t len = 0;
	FILE *f;
	int rc;

	free(out);
	out = NULL;
	f = open_memstream(&out, &len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	rc = tl_mon_metrics_write(f, s, sn, NOW);
	fclose(f);
	return rc;
}

/* The whole line `line` is in out. */
static bool has_line(const char *line)
{
	size_t n = strlen(line);
	for (const char *p = out; p && (p = strstr(p, line)) != NULL; p++)
		if ((p == out || p[-1] == '\n') && p[n] == '\n')
			return true;
	return false;
}

#define LINE(l) do { \
		bool ok_ = has_line(l); \
		if (!ok_) fprintf(stderr, "missing line: %s\n", l); \
		CU_ASSERT(ok_); \
	} while (0)

static void test_position_lines_exact(void)
{
	CU_ASSERT_EQUAL(render(shm), 0);
	LINE("# HELP talon_position_quantity Position quantity in the base asset, signed (negative: short).");
	LINE("# TYPE talon_position_quantity gauge");
	LINE("talon_position_quantity{symbol=\"BTCUSDT\",position_side=\"BOTH\"} 0.5");
	LINE("talon_position_quantity{symbol=\"ETHUSDT\",position_side=\"SHORT\"} -2");
	LINE("talon_position_mark_price{symbol=\"BTCUSDT\",position_side=\"BOTH\"} 51000.1");
	LINE("talon_position_roe_ratio{symbol=\"BTCUSDT\",position_side=\"BOTH\"} 0.19607843");
	LINE("talon_position_leverage{symbol=\"ETHUSDT\",position_side=\"SHORT\"} 20");
}

/* Money is written from the integer, never through a double: one unit
 * of 1e-8, its negative and INT64_MAX come out digit for digit. */
static void test_money_exact(void)
{
	CU_ASSERT_EQUAL(render(shm), 0);
	LINE("talon_position_commission{symbol=\"BTCUSDT\",position_side=\"BOTH\"} 0.00000001");
	LINE("talon_position_unrealized_pnl{symbol=\"ETHUSDT\",position_side=\"SHORT\"} -0.00000001");
	LINE("talon_position_realized_pnl{symbol=\"ETHUSDT\",position_side=\"SHORT\"} 92233720368.54775807");
	LINE("talon_pnl 300.00000001");
	LINE("talon_daily_pnl -42.5");
	LINE("talon_daily_loss_limit 1000");
	LINE("talon_loss_limit 0");
	LINE("talon_strategy_realized_pnl{strategy=\"a\\\"b\\\\c\"} -1.23456789");
}

static void test_counters_total(void)
{
	CU_ASSERT_EQUAL(render(shm), 0);
	LINE("# TYPE talon_orders_total counter");
	LINE("talon_orders_total{outcome=\"submitted\"} 20");
	LINE("talon_orders_total{outcome=\"filled\"} 7");
	LINE("talon_orders_total{outcome=\"failed\"} 0");
	LINE("talon_orders_total{outcome=\"unknown\"} 1");
	LINE("# TYPE talon_fills_total counter");
	LINE("talon_fills_total 11");
	LINE("talon_reconcile_position_conflicts_total 2");
	LINE("talon_order_requests_total{transport=\"ws\"} 11");
	LINE("talon_order_requests_total{transport=\"rest\"} 5");
	LINE("talon_strategy_orders_total{strategy=\"\"} 1");
	LINE("talon_strategy_fills_total{strategy=\"a\\\"b\\\\c\"} 4");
}

static void test_state_engine_venue(void)
{
	CU_ASSERT_EQUAL(render(shm), 0);
	LINE("talon_trading_state{state=\"NORMAL\"} 0");
	LINE("talon_trading_state{state=\"REDUCING\"} 1");
	LINE("talon_trading_state{state=\"PAUSED\"} 0");
	LINE("talon_engine_info{engine=\"desk1\",client_id_prefix=\"desk1-\"} 1");
	LINE("talon_engine_up 1");
	LINE("talon_engine_heartbeat_age_seconds 1.5");
	LINE("talon_engine_start_time_seconds 1796598000.25");
	LINE("talon_snapshot_age_seconds 0.1");
	LINE("talon_day_start_time_seconds 1796601600");
	LINE("talon_journal_enabled 1");
	LINE("talon_journal_failed 0");
	LINE("talon_journal_strict 1");
	LINE("talon_journal_pending_records 17");
	LINE("# TYPE talon_journal_records_total counter\ntalon_journal_records_total 4242");
	LINE("talon_journal_last_commit_time_seconds 1796000000.5");
	LINE("talon_emergency_close_orders 4");
	LINE("talon_emergency_close_orders_done{result=\"filled\"} 3");
	LINE("talon_emergency_close_orders_done{result=\"failed\"} 1");
	LINE("talon_emergency_canceled_orders 2");
	LINE("talon_emergency_start_time_seconds 1796601540.25");
	LINE("talon_emergency_completion_time_seconds 0");
	LINE("talon_venue_connected 1");
	LINE("talon_venue_stream_state{state=\"up\"} 1");
	LINE("talon_venue_stream_state{state=\"none\"} 0");
	LINE("talon_venue_clock_offset_seconds -0.0025");
	LINE("talon_venue_request_weight 37");
	LINE("talon_venue_request_weight_limit 2400");
	LINE("talon_venue_orders{window=\"10s\"} 3");
	LINE("talon_venue_orders_limit{window=\"1m\"} 1200");
	LINE("talon_venue_rate_limited_total{code=\"429\"} 2");
	LINE("talon_venue_rate_limited_total{code=\"418\"} 0");

	/* a stopped engine (pid 0) is down, whatever its heartbeat says */
	atomic_store(&shm->pid, 0);
	CU_ASSERT_EQUAL(render(shm), 0);
	LINE("talon_engine_up 0");
	/* without the block: the snapshot's families only */
	CU_ASSERT_EQUAL(render(NULL), 0);
	CU_ASSERT_PTR_NULL(strstr(out, "talon_engine_up"));
	LINE("talon_fills_total 11");
}

/* Buckets are cumulative, end at +Inf, and +Inf equals _count. */
static void test_histogram(void)
{
	CU_ASSERT_EQUAL(render(shm), 0);
	LINE("# TYPE talon_engine_loop_seconds histogram");
	LINE("talon_engine_loop_seconds_bucket{le=\"0.000001\"} 5");
	LINE("talon_engine_loop_seconds_bucket{le=\"0.0000025\"} 5");
	LINE("talon_engine_loop_seconds_bucket{le=\"0.000005\"} 8");
	LINE("talon_engine_loop_seconds_bucket{le=\"0.001\"} 8");
	LINE("talon_engine_loop_seconds_bucket{le=\"0.0025\"} 10");
	LINE("talon_engine_loop_seconds_bucket{le=\"0.01\"} 10");
	LINE("talon_engine_loop_seconds_bucket{le=\"+Inf\"} 11");
	LINE("talon_engine_loop_seconds_sum 0.0250041");
	LINE("talon_engine_loop_seconds_count 11");
	/* every bucket line, in order, never decreasing */
	unsigned long long prev = 0, v;
	int n = 0;
	for (const char *p = out; (p = strstr(p, "talon_engine_loop_seconds_bucket{")); p++) {
		const char *sp = strchr(p, ' ');
		CU_ASSERT_FATAL(sp != NULL);
		v = strtoull(sp + 1, NULL, 10);
		CU_ASSERT(v >= prev);
		prev = v;
		n++;
	}
	CU_ASSERT_EQUAL(n, TL_SHM_LAT_BUCKETS);
	CU_ASSERT_EQUAL(prev, 11);
}

/* The loop's bucket of a duration: bounds are inclusive (le). */
static void test_latency_bucket_bounds(void)
{
	CU_ASSERT_EQUAL(tl_shm_lat_bucket(0), 0);
	CU_ASSERT_EQUAL(tl_shm_lat_bucket(1000), 0);
	CU_ASSERT_EQUAL(tl_shm_lat_bucket(1001), 1);
	CU_ASSERT_EQUAL(tl_shm_lat_bucket(10000000), TL_SHM_LAT_BOUNDS - 1);
	CU_ASSERT_EQUAL(tl_shm_lat_bucket(10000001), TL_SHM_LAT_BOUNDS);
	CU_ASSERT_EQUAL(tl_shm_lat_bucket(UINT64_MAX), TL_SHM_LAT_BOUNDS);
	for (int i = 1; i < TL_SHM_LAT_BOUNDS; i++)
		CU_ASSERT(tl_shm_lat_bounds_ns[i] > tl_shm_lat_bounds_ns[i - 1]);
}

static void test_label_escaping(void)
{
	CU_ASSERT_EQUAL(render(shm), 0);
	/* a"b\c -> a\"b\\c */
	LINE("talon_strategy_orders_total{strategy=\"a\\\"b\\\\c\"} 7");
	/* newline -> \n, quote -> \", invalid byte and control -> ?, é kept */
	LINE("talon_emergency_info{reason=\"loss\\n\\\"limit\\\" ?? \xc3\xa9\"} 1");
	/* a name that fills its field without a NUL is cut at the field */
	memset(sn->pos[0].symbol, 'X', sizeof sn->pos[0].symbol);
	CU_ASSERT_EQUAL(render(shm), 0);
	char want[128];
	snprintf(want, sizeof want, "talon_position_leverage{symbol=\"%.*s\",position_side=\"BOTH\"} 5",
		 (int)sizeof sn->pos[0].symbol,
		 "XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX");
	LINE(want);
	/* the untagged row, never booked, and counts past the arrays */
	sn->strat[0].orders = 0;
	sn->n_strat = 1000;
	sn->n_pos = 100000;
	CU_ASSERT_EQUAL(render(shm), 0);
	CU_ASSERT_PTR_NULL(strstr(out, "strategy=\"\""));
}

/* The format's structure over the whole output: every sample's family
 * was announced by HELP then TYPE, a family's samples are contiguous,
 * no family is announced twice, no series appears twice, and every
 * value parses as a number. */
static void test_format_rules(void)
{
	CU_ASSERT_EQUAL(render(shm), 0);
	char fam[128] = "", type[16] = "";
	char *seen = calloc(1, strlen(out) + 2), *series = calloc(1, strlen(out) + 2);
	char *save = NULL, *text = strdup(out);
	CU_ASSERT_FATAL(seen && series && text);
	int samples = 0;

	for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char name[128], key[600];
		if (strncmp(l, "# HELP ", 7) == 0) {
			CU_ASSERT_EQUAL_FATAL(sscanf(l + 7, "%127s", fam), 1);
			snprintf(key, sizeof key, "|%s|", fam);
			CU_ASSERT_PTR_NULL(strstr(seen, key));   /* announced once */
			strcat(seen, key);
			type[0] = '\0';
			continue;
		}
		if (strncmp(l, "# TYPE ", 7) == 0) {
			CU_ASSERT_EQUAL_FATAL(sscanf(l + 7, "%127s %15s", name, type), 2);
			CU_ASSERT_STRING_EQUAL(name, fam);
			continue;
		}
		CU_ASSERT_NOT_EQUAL(l[0], '#');
		size_t n = strcspn(l, "{ ");
		CU_ASSERT_FATAL(n < sizeof name);
		memcpy(name, l, n);
		name[n] = '\0';
		const char *sfx = name + strlen(fam);
		bool mine = strncmp(name, fam, strlen(fam)) == 0 &&
			    (*sfx == '\0' || (strcmp(type, "histogram") == 0 &&
					      (!strcmp(sfx, "_bucket") || !strcmp(sfx, "_sum") ||
					       !strcmp(sfx, "_count"))));
		if (!mine)
			fprintf(stderr, "sample %s outside its family (current %s)\n", name, fam);
		CU_ASSERT(mine);
		CU_ASSERT(type[0] != '\0');
		if (!strcmp(type, "counter") || strstr(name, "_total"))
			CU_ASSERT(strcmp(type, "counter") == 0 &&
				  strlen(name) > 6 && !strcmp(name + strlen(name) - 6, "_total"));
		/* the series (name and labels) once */
		const char *val = strrchr(l, ' ');
		CU_ASSERT_FATAL(val != NULL);
		snprintf(key, sizeof key, "|%.*s|", (int)(val - l), l);
		CU_ASSERT_PTR_NULL(strstr(series, key));
		strcat(series, key);
		char *end;
		strtod(val + 1, &end);
		CU_ASSERT(*end == '\0' || !strcmp(val + 1, "+Inf"));
		samples++;
	}
	CU_ASSERT(samples > 80);
	free(seen);
	free(series);
	free(text);
}

static void test_write_error(void)
{
	FILE *f = fopen("/dev/full", "w");
	if (!f) {
		CU_FAIL("cannot open /dev/full");
		return;
	}
	CU_ASSERT_EQUAL(tl_mon_metrics_write(f, shm, sn, NOW), -1);
	fclose(f);
}

/* ---- promtool ------------------------------------------------------------------------------ */

/* Runs cmd (sh -c), its stdout and stderr into the test's output;
 * its exit status, -1 when it did not run. */
static int run(const char *cmd)
{
	int st = system(cmd);
	if (st == -1 || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

static bool have_promtool(void)
{
	if (run("command -v promtool >/dev/null 2>&1") == 0)
		return true;
	CU_FAIL("promtool missing: `make test` installs it (scripts/deps.sh --test)");
	return false;
}

static void test_promtool_check_metrics(void)
{
	char path[] = "/tmp/tl_metrics_XXXXXX", cmd[256];
	int fd = mkstemp(path);
	CU_ASSERT_FATAL(fd >= 0);
	FILE *f = fdopen(fd, "w");
	CU_ASSERT_FATAL(f != NULL);
	CU_ASSERT_EQUAL(tl_mon_metrics_write(f, shm, sn, NOW), 0);
	fclose(f);
	if (have_promtool()) {
		/* lint problems are printed and make the status non-zero */
		snprintf(cmd, sizeof cmd, "promtool check metrics <%s", path);
		CU_ASSERT_EQUAL(run(cmd), 0);
		/* and the checker does catch a broken exposition */
		snprintf(cmd, sizeof cmd,
			 "printf 'talon_x_total 1\\n' | promtool check metrics >/dev/null 2>&1");
		CU_ASSERT_NOT_EQUAL(run(cmd), 0);
	}
	unlink(path);
}

static void test_promtool_rules(void)
{
	if (!have_promtool())
		return;
	CU_ASSERT_EQUAL(run("promtool check rules " RULES), 0);
	/* the alerts fire (and stay quiet) as their unit tests say */
	CU_ASSERT_EQUAL(run("promtool test rules " RULES_TEST), 0);
}

/* ---- the dashboard and the rules name only our metrics ---------------------------------------- */

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *b = NULL;
	size_t len = 0;
	if (!f)
		return NULL;
	FILE *m = open_memstream(&b, &len);
	int c;
	while ((c = fgetc(f)) != EOF)
		fputc(c, m);
	fclose(m);
	fclose(f);
	return b;
}

/* Every talon_* name in text is a family of out, or one of a
 * histogram's series. Returns how many it checked. */
static int names_known(const char *what, const char *text)
{
	int n = 0;
	for (const char *p = text; (p = strstr(p, "talon_")); ) {
		if (p > text && (isalnum((unsigned char)p[-1]) || p[-1] == '_' || p[-1] == '-' ||
				 p[-1] == '/' || p[-1] == '.')) {
			p += 6;
			continue;
		}
		char name[128], key[140];
		size_t k = 0;
		while (k < sizeof name - 1 && (isalnum((unsigned char)p[k]) || p[k] == '_'))
			name[k] = p[k], k++;
		name[k] = '\0';
		p += k;
		const char *base = name;
		char trimmed[128];
		const char *sfx[] = { "_bucket", "_sum", "_count" };
		snprintf(trimmed, sizeof trimmed, "%s", name);
		for (int i = 0; i < 3; i++) {
			size_t l = strlen(trimmed), s = strlen(sfx[i]);
			if (l > s && !strcmp(trimmed + l - s, sfx[i]) &&
			    !strncmp(trimmed, "talon_engine_loop_seconds", 25))
				trimmed[l - s] = '\0';
		}
		base = trimmed;
		snprintf(key, sizeof key, "# TYPE %s ", base);
		if (!strstr(out, key))
			fprintf(stderr, "%s names %s, which /metrics does not have\n", what, name);
		CU_ASSERT_PTR_NOT_NULL(strstr(out, key));
		n++;
	}
	return n;
}

static void test_dashboard_json(void)
{
	char *text = slurp(DASHBOARD);
	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	cJSON *root = cJSON_Parse(text);
	CU_ASSERT_PTR_NOT_NULL(root);
	const cJSON *panels = cJSON_GetObjectItemCaseSensitive(root, "panels");
	CU_ASSERT(cJSON_IsArray(panels) && cJSON_GetArraySize(panels) >= 10);
	CU_ASSERT(cJSON_IsString(cJSON_GetObjectItemCaseSensitive(root, "title")));
	CU_ASSERT(cJSON_IsString(cJSON_GetObjectItemCaseSensitive(root, "uid")));
	/* every panel has a title and a type; every query names a metric */
	int targets = 0;
	const cJSON *p;
	cJSON_ArrayForEach(p, panels) {
		CU_ASSERT(cJSON_IsString(cJSON_GetObjectItemCaseSensitive(p, "title")));
		CU_ASSERT(cJSON_IsString(cJSON_GetObjectItemCaseSensitive(p, "type")));
		const cJSON *t, *ts = cJSON_GetObjectItemCaseSensitive(p, "targets");
		cJSON_ArrayForEach(t, ts) {
			const cJSON *e = cJSON_GetObjectItemCaseSensitive(t, "expr");
			CU_ASSERT(cJSON_IsString(e) && strstr(e->valuestring, "talon_"));
			targets++;
		}
	}
	CU_ASSERT(targets >= 10);
	cJSON_Delete(root);
	CU_ASSERT_EQUAL(render(shm), 0);
	CU_ASSERT(names_known(DASHBOARD, text) >= 10);
	free(text);
}

static void test_rules_name_known_metrics(void)
{
	char *text = slurp(RULES);
	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	CU_ASSERT_EQUAL(render(shm), 0);
	CU_ASSERT(names_known(RULES, text) >= 6);
	free(text);
}

TL_TEST_SUITE("mon.metrics", setup, suite_clean,
	      TL_TEST(test_position_lines_exact),
	      TL_TEST(test_money_exact),
	      TL_TEST(test_counters_total),
	      TL_TEST(test_state_engine_venue),
	      TL_TEST(test_histogram),
	      TL_TEST(test_latency_bucket_bounds),
	      TL_TEST(test_label_escaping),
	      TL_TEST(test_format_rules),
	      TL_TEST(test_write_error),
	      TL_TEST(test_promtool_check_metrics),
	      TL_TEST(test_promtool_rules),
	      TL_TEST(test_dashboard_json),
	      TL_TEST(test_rules_name_known_metrics));
