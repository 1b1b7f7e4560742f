/*
 * test_binance_e2e_proc.c - the kill switch end to end through real
 * processes, as an operator runs them: `talon venue` and `talon run`
 * (the binaries of this build, so a sanitized test drives sanitized
 * programs), operated with `talon ctl`.
 *
 * Set-up: config/venue.json and config/talon.json are copied into a
 * temporary directory with free loopback ports (HTTPS + WSS to the venue,
 * as `make run` does, trusting build/tls/ca.pem), a unique engine name
 * (so a unique shm block), a journal in that directory and absolute
 * paths; the test reads the venue over its extra plain-HTTP port.
 *
 * Covered:
 *   - `talon ctl signal LONG_ENTRY` with --tp/--sl (a long on BTCUSDT and
 *     its two algo orders), `signal SHORT_ENTRY` (a short on ETHUSDT) and
 *     two resting LIMITs by `talon ctl submit`: all at the venue;
 *   - `talon ctl -c CONFIG liquidate --reason ...`: afterwards the venue
 *     has no open order, no open algo order and both positions flat;
 *     `talon ctl status` says PAUSED (text and --json); `talon replay
 *     --verify` of the journal exits 0;
 *   - the API secret appears in no byte of what the processes wrote
 *     (stdout/stderr of venue, run, every ctl and replay call) nor in the
 *     journal, its WAL or its shm file.
 */
#include "tests/io/binance/test_binance_e2e_common.h"

#include <arpa/inet.h>
#include <limits.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "tests/support/subproc.h"

static char talon_bin[PATH_MAX];
static char tmpdir[64];
static char venue_cfg[PATH_MAX], talon_cfg[PATH_MAX], engine_name[32];
static char out_all[1 << 16];	/* every ctl / replay output, for the grep */
static size_t out_all_len;

static int free_port(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof sa;
	int fd = socket(AF_INET, SOCK_STREAM, 0), port = -1;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd >= 0 && bind(fd, (struct sockaddr *)&sa, sizeof sa) == 0 &&
	    getsockname(fd, (struct sockaddr *)&sa, &len) == 0)
		port = ntohs(sa.sin_port);
	if (fd >= 0)
		close(fd);
	return port;
}

static bool write_json(const char *path, cJSON *j)
{
	char *txt = cJSON_Print(j);
	FILE *f = fopen(path, "w");
	bool ok = txt && f && fputs(txt, f) >= 0;
	if (f)
		ok = fclose(f) == 0 && ok;
	cJSON_free(txt);
	return ok;
}

static cJSON *read_json(const char *path)
{
	static char buf[1 << 16];
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	return cJSON_Parse(buf);
}

/* obj[k1][k2]... = v (objects must exist); takes v. */
static void set_item(cJSON *o, const char *path, cJSON *v)
{
	char p[128], *save = NULL;
	snprintf(p, sizeof p, "%s", path);
	char *k = strtok_r(p, ".", &save), *next;
	while ((next = strtok_r(NULL, ".", &save))) {
		o = cJSON_GetObjectItemCaseSensitive(o, k);
		k = next;
	}
	CU_ASSERT_PTR_NOT_NULL_FATAL(o);
	if (cJSON_GetObjectItemCaseSensitive(o, k))
		cJSON_ReplaceItemInObjectCaseSensitive(o, k, v);
	else
		cJSON_AddItemToObject(o, k, v);
}

static void set_num(cJSON *o, const char *path, double v)
{
	set_item(o, path, cJSON_CreateNumber(v));
}

static void set_str(cJSON *o, const char *path, const char *v)
{
	set_item(o, path, cJSON_CreateString(v));
}

/* Start `talon ARGS...` in the background, stdout+stderr to `log`. */
static pid_t spawn(const char *log, const char *const *args)
{
	const char *argv[16];
	int n = 0;
	argv[n++] = talon_bin;
	for (int i = 0; args[i] && n < 15; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	pid_t pid = fork();
	if (pid == 0) {
		int fd = open(log, O_CREAT | O_TRUNC | O_WRONLY, 0600);
		int dn = open("/dev/null", O_RDONLY);
		dup2(dn, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	return pid;
}

/* SIGTERM, then wait (SIGKILL after 10 s); the exit status or -1. */
static int stop_proc(pid_t pid)
{
	int st = 0;
	if (pid <= 0)
		return -1;
	kill(pid, SIGTERM);
	for (int i = 0; i < 1000; i++) {
		pid_t r = waitpid(pid, &st, WNOHANG);
		if (r == pid)
			return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
		nap_ms(10);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	return -1;
}

/* `talon ctl -c CONFIG args...` (NULL-terminated; stdout + stderr into
 * out); its exit code. Every output is kept for the secret grep. */
static int ctl(char *out, size_t cap, const char *const *args)
{
	const char *argv[24];
	int n = 0;
	argv[n++] = talon_bin;
	argv[n++] = "ctl";
	argv[n++] = "-c";
	argv[n++] = talon_cfg;
	for (int i = 0; args[i] && n < 23; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	int rc = tl_test_run(out, cap, 1, argv);
	size_t len = strlen(out);
	if (out_all_len + len < sizeof out_all) {
		memcpy(out_all + out_all_len, out, len);
		out_all_len += len;
	}
	return rc;
}

#define CTL(out, ...) ctl(out, sizeof out, (const char *const[]){ __VA_ARGS__, NULL })

/* status --json parsed; NULL when it cannot be read. */
static cJSON *ctl_status(void)
{
	static char out[1 << 15];
	if (CTL(out, "status", "--json") != 0)
		return NULL;
	return cJSON_Parse(out);
}

/* On a failed wait: what talon said and what it logged, so that a
 * failure in CI explains itself (the kept files are gone by then). */
static void explain(const char *what, const char *log)
{
	static char out[1 << 15];
	printf("\n---- %s: talon ctl status --json:\n", what);
	if (CTL(out, "status", "--json") == 0)
		printf("%s\n", out);
	printf("---- %s: %s:\n", what, log);
	FILE *f = fopen(log, "r");
	if (!f)
		return;
	char line[512];
	while (fgets(line, sizeof line, f))
		if (strncmp(line, "OK ", 3) != 0)	/* the preflight's passes */
			fputs(line, stdout);
	fclose(f);
}

static int status_int(const char *k)
{
	cJSON *j = ctl_status();
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, k);
	int n = cJSON_IsNumber(v) ? (int)v->valuedouble : -1;
	cJSON_Delete(j);
	return n;
}

static bool status_state_is(const char *want)
{
	cJSON *j = ctl_status();
	bool ok = !strcmp(json_str(j, "state"), want);
	cJSON_Delete(j);
	return ok;
}

/* A ctl request the engine may refuse until it has its first marks
 * (NO_MARK): repeated while so refused, up to 10 s. */
static int ctl_until_accepted(char *out, size_t cap, const char *const *args)
{
	int rc = -1;
	int64_t end = mono() + 10 * E2E_S;
	do {
		rc = ctl(out, cap, args);
		if (rc == 0 || !strstr(out, "NO_MARK"))
			break;
		nap_ms(100);
	} while (mono() < end);
	if (rc != 0)
		printf("talon ctl %s %s: rc %d: %s\n", args[0], args[1] ? args[1] : "", rc, out);
	return rc;
}

#define CTL_RETRY(out, ...) \
	ctl_until_accepted(out, sizeof out, (const char *const[]){ __VA_ARGS__, NULL })

/* Open orders (or algo orders) at the venue, both symbols: asked per
 * symbol, weight 1 each (without a symbol it is 40, and a test polling
 * that would get the loopback IP banned, engine included). */
static int count_open(const char *path)
{
	int total = 0;
	static const char *const q[] = { "symbol=BTCUSDT", "symbol=ETHUSDT" };
	for (int i = 0; i < 2; i++) {
		cJSON *j = sim_get_json(path, q[i]);
		int n = cJSON_IsArray(j) ? cJSON_GetArraySize(j) : -1;
		cJSON_Delete(j);
		if (n < 0)
			return -1;
		total += n;
	}
	return total;
}

/* talon's qty of sym from status --json ("" when absent). */
static bool status_qty_is(const cJSON *st, const char *sym, const char *qty)
{
	const cJSON *p;
	cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(st, "positions"))
		if (!strcmp(json_str(p, "symbol"), sym))
			return !strcmp(json_str(p, "qty"), qty);
	return false;
}

static bool venue_flat(void)
{
	tl_fx_t a1 = 1, a2 = 1, e;
	return venue_pos("BTCUSDT", TL_PS_BOTH, &a1, &e) &&
	       venue_pos("ETHUSDT", TL_PS_BOTH, &a2, &e) && a1 == 0 && a2 == 0;
}

static void test_e2e_proc_kill_switch_via_ctl_flattens_venue(void)
{
	char cwd[PATH_MAX], path[PATH_MAX + 64], err[256];
	static char out[1 << 15];
	int rest_port = free_port(), plain_port = free_port(), ws_port = free_port();
	pid_t venue = -1, run = -1;

	for (int i = 0; i < 20 && (plain_port == rest_port || ws_port == rest_port ||
				   ws_port == plain_port); i++) {
		plain_port = free_port();
		ws_port = free_port();
	}

	if (tl_test_talon_path(talon_bin, sizeof talon_bin) != 0)
		tl_test_skip("no talon binary in this build");
	CU_ASSERT_PTR_NOT_NULL_FATAL(getcwd(cwd, sizeof cwd));
	snprintf(tmpdir, sizeof tmpdir, "/tmp/tl_e2e_proc.XXXXXX");
	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(tmpdir));
	CU_ASSERT_FATAL(rest_port > 0 && plain_port > 0 && ws_port > 0 &&
			plain_port != rest_port && ws_port != rest_port && ws_port != plain_port);
	snprintf(engine_name, sizeof engine_name, "e2e%d", (int)getpid());
	out_all_len = 0;

	/* The venue's config: ports, everything else as shipped. */
	tl_sim_config_defaults(&scfg);
	CU_ASSERT_EQUAL_FATAL(tl_sim_config_load(&scfg, "config/venue.json", err, sizeof err), 0);
	e2e_acct = 0;
	const char *secret = scfg.acct[0].api_secret;
	cJSON *vj = read_json("config/venue.json");
	CU_ASSERT_PTR_NOT_NULL_FATAL(vj);
	set_num(vj, "rest.port", rest_port);
	set_num(vj, "rest.plain_port", plain_port);
	set_num(vj, "ws.port", ws_port);
	set_num(vj, "streams.mark_interval_ms", 200);
	snprintf(venue_cfg, sizeof venue_cfg, "%s/venue.json", tmpdir);
	CU_ASSERT_TRUE_FATAL(write_json(venue_cfg, vj));
	cJSON_Delete(vj);

	/* The engine's config: its ports, a unique name, paths absolute. */
	cJSON *tj = read_json("config/talon.json");
	CU_ASSERT_PTR_NOT_NULL_FATAL(tj);
	set_str(tj, "engine.name", engine_name);
	set_num(tj, "venue.binance.rest.port", rest_port);
	set_num(tj, "venue.binance.ws.port", ws_port);
	snprintf(path, sizeof path, "%s/build/tls/ca.pem", cwd);
	set_str(tj, "venue.binance.rest.ca_file", path);
	snprintf(path, sizeof path, "%s/config/exchange_info.json", cwd);
	set_str(tj, "symbols.exchange_info", path);
	snprintf(path, sizeof path, "%s/talon.db", tmpdir);
	set_str(tj, "journal.path", path);
	snprintf(talon_cfg, sizeof talon_cfg, "%s/talon.json", tmpdir);
	CU_ASSERT_TRUE_FATAL(write_json(talon_cfg, tj));
	cJSON_Delete(tj);

	/* talon venue, until its plain port answers. */
	char venue_log[PATH_MAX], run_log[PATH_MAX];
	snprintf(venue_log, sizeof venue_log, "%s/venue.out", tmpdir);
	snprintf(run_log, sizeof run_log, "%s/run.out", tmpdir);
	const char *vargs[] = { "venue", "-c", venue_cfg, NULL };
	venue = spawn(venue_log, vargs);
	CU_ASSERT_FATAL(venue > 0);
	e2e_rest_port = plain_port;
	int st = -1;
	for (int64_t end = mono() + 10 * E2E_S; st != 200 && mono() < end; nap_ms(50))
		st = sim_call_once("GET", "/fapi/v1/ping", "", false, NULL, 0);
	CU_ASSERT_EQUAL(st, 200);
	if (st != 200)
		goto out;

	/* talon run, until ctl sees it alive. */
	const char *rargs[] = { "run", "-c", talon_cfg, NULL };
	run = spawn(run_log, rargs);
	CU_ASSERT_FATAL(run > 0);
	bool alive = false;
	for (int64_t end = mono() + 15 * E2E_S; !alive && mono() < end; nap_ms(100)) {
		cJSON *j = ctl_status();
		alive = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "alive"));
		cJSON_Delete(j);
	}
	CU_ASSERT_TRUE(alive);
	if (!alive)
		goto out;

	/* Positions on two symbols, protective orders, resting orders. */
	CU_ASSERT_EQUAL(CTL_RETRY(out, "signal", "LONG_ENTRY", "--symbol", "BTCUSDT",
				  "--qty", "0.010", "--tp", "66000", "--sl", "54000"), 0);
	CU_ASSERT_EQUAL(CTL_RETRY(out, "signal", "SHORT_ENTRY", "--symbol", "ETHUSDT",
				  "--qty", "0.100"), 0);
	CU_ASSERT_EQUAL(CTL(out, "submit", "--symbol", "ETHUSDT", "--side", "BUY", "--type",
			    "LIMIT", "--qty", "0.010", "--price", "2900"), 0);
	CU_ASSERT_EQUAL(CTL(out, "submit", "--symbol", "BTCUSDT", "--side", "SELL", "--type",
			    "LIMIT", "--qty", "0.002", "--price", "62000"), 0);
	/* talon has it all acked (ctl status costs the venue nothing)... */
	bool ready = false;
	for (int64_t end = mono() + 15 * E2E_S; !ready && mono() < end; nap_ms(100)) {
		cJSON *j = ctl_status();
		const cJSON *oo = cJSON_GetObjectItemCaseSensitive(j, "open_orders");
		ready = cJSON_IsNumber(oo) && oo->valuedouble == 4 &&
			status_qty_is(j, "BTCUSDT", "0.01") && status_qty_is(j, "ETHUSDT", "-0.1");
		cJSON_Delete(j);
	}
	CU_ASSERT_TRUE(ready);
	if (!ready)
		explain("not ready", run_log);
	/* ...and so has the venue: 2 orders, 2 algo orders, 2 positions. */
	tl_fx_t btc = 0, eth = 0, e;
	int no = -1, na = -1;
	for (int i = 0; i < 10; i++, nap_ms(300)) {
		no = count_open("/fapi/v1/openOrders");
		na = count_open("/fapi/v1/openAlgoOrders");
		venue_pos("BTCUSDT", TL_PS_BOTH, &btc, &e);
		venue_pos("ETHUSDT", TL_PS_BOTH, &eth, &e);
		if (no == 2 && na == 2 && btc == TL_FX_ONE / 100 && eth == -TL_FX_ONE / 10)
			break;
	}
	CU_ASSERT_EQUAL(no, 2);
	CU_ASSERT_EQUAL(na, 2);
	CU_ASSERT_EQUAL(btc, TL_FX_ONE / 100);
	CU_ASSERT_EQUAL(eth, -TL_FX_ONE / 10);
	CU_ASSERT_EQUAL(status_int("open_orders"), 4);
	CU_ASSERT_TRUE(status_state_is("NORMAL"));

	/* The kill switch. */
	int rc = CTL(out, "liquidate", "--reason", "e2e kill switch");
	if (rc != 0)
		printf("liquidate: %s\n", out);
	CU_ASSERT_EQUAL(rc, 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "liquidation started"));
	bool paused = false;
	for (int64_t end = mono() + 20 * E2E_S; !paused && mono() < end; nap_ms(100))
		paused = status_state_is("PAUSED");
	CU_ASSERT_TRUE(paused);
	/* The venue: nothing open, both flat (PAUSED means talon saw every
	 * close fill and cancel, so the venue shows it already; a few polite
	 * retries only guard against a slow sanitized run). */
	bool flat = false;
	for (int i = 0; i < 10; i++, nap_ms(300)) {
		no = count_open("/fapi/v1/openOrders");
		na = count_open("/fapi/v1/openAlgoOrders");
		flat = venue_flat();
		if (no == 0 && na == 0 && flat)
			break;
	}
	CU_ASSERT_EQUAL(no, 0);
	CU_ASSERT_EQUAL(na, 0);
	CU_ASSERT_TRUE(flat);
	if (no != 0 || na != 0 || !flat) {
		printf("venue after the kill: %d orders, %d algo orders, %s\n", no, na,
		       flat ? "flat" : "not flat");
		explain("not flat", run_log);
	}
	/* talon: PAUSED in text and JSON, nothing open, flat. */
	CU_ASSERT_EQUAL(CTL(out, "status"), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "PAUSED"));
	cJSON *sj = ctl_status();
	CU_ASSERT_STRING_EQUAL(json_str(sj, "state"), "PAUSED");
	const cJSON *oo = cJSON_GetObjectItemCaseSensitive(sj, "open_orders");
	CU_ASSERT_TRUE(cJSON_IsNumber(oo) && oo->valuedouble == 0);
	const cJSON *p;
	cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(sj, "positions"))
		CU_ASSERT_STRING_EQUAL(json_str(p, "qty"), "0");
	const cJSON *em = cJSON_GetObjectItemCaseSensitive(sj, "emergency");
	CU_ASSERT_STRING_EQUAL(json_str(em, "reason"), "e2e kill switch");
	cJSON_Delete(sj);
	/* New orders are refused while PAUSED. */
	CU_ASSERT_EQUAL(CTL(out, "submit", "--symbol", "BTCUSDT", "--side", "BUY", "--type",
			    "MARKET", "--qty", "0.002"), 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "refused"));

out:
	CU_ASSERT_EQUAL(stop_proc(run), 0);
	CU_ASSERT_EQUAL(stop_proc(venue), 0);
	/* The journal explains itself. */
	snprintf(path, sizeof path, "%s/talon.db", tmpdir);
	rc = tl_test_runv(out, sizeof out, 1, talon_bin, "replay", path, "-c", talon_cfg,
			  "--verify", "--no-progress", (const char *)NULL);
	if (rc != 0)
		printf("replay --verify: %s\n", out);
	CU_ASSERT_EQUAL(rc, 0);
	if (out_all_len + strlen(out) < sizeof out_all) {
		memcpy(out_all + out_all_len, out, strlen(out));
		out_all_len += strlen(out);
	}

	/* (e) The secret: in no output, not in the journal, WAL, shm. */
	CU_ASSERT_PTR_NULL(memmem(out_all, out_all_len, secret, strlen(secret)));
	CU_ASSERT_FALSE(file_has(venue_log, secret));
	CU_ASSERT_FALSE(file_has(run_log, secret));
	CU_ASSERT_TRUE(file_has(run_log, "BTCUSDT"));	/* the log was written */
	CU_ASSERT_FALSE(file_has(path, secret));
	char p2[PATH_MAX + 80];
	snprintf(p2, sizeof p2, "%s-wal", path);
	CU_ASSERT_FALSE(file_has(p2, secret));
	snprintf(p2, sizeof p2, "/dev/shm/talon.%s", engine_name);
	CU_ASSERT_FALSE(file_has(p2, secret));
	if (getenv("E2E_KEEP")) {
		printf("kept %s\n", tmpdir);
	} else {
		static const char *const files[] = { "venue.json", "talon.json", "venue.out",
						     "run.out", "talon.db", "talon.db-wal",
						     "talon.db-shm" };
		for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
			snprintf(p2, sizeof p2, "%s/%s", tmpdir, files[i]);
			unlink(p2);
		}
		rmdir(tmpdir);
	}
	snprintf(p2, sizeof p2, "/talon.%s", engine_name);
	shm_unlink(p2);
}

TL_TEST_SUITE("io.binance_e2e_proc", NULL, NULL,
	      TL_TEST(test_e2e_proc_kill_switch_via_ctl_flattens_venue));
