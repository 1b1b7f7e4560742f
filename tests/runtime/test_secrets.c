/*
 * test_secrets.c - where the API secret may live (rule 9 of the safety
 * work): nowhere but the signer's HMAC state once the engine runs.
 *
 *   - tl_config_load: no heap block freed while loading held the secret
 *     (the file text, stdio's buffer, cJSON's string: all wiped or not
 *     used), on success and on a parse error after the secret; the
 *     returned struct holds it until tl_config_wipe_secrets;
 *   - a Binance engine against the simulator: its own block holds no
 *     copy after tl_engine_create, and no block freed by create, start,
 *     stop or close held one;
 *   - tl_harden_process and tl_engine_open make the process non-dumpable
 *     (PR_GET_DUMPABLE 0, RLIMIT_CORE 0) unless engine.allow_core_dumps
 *     (each in a child process: it cannot be undone).
 * The freed-block check is tests/support/alloc_hook.h's watch.
 */
#define _GNU_SOURCE
#define BSIM_CAP_FMT "/tmp/tl_test_secrets.%d"
#include "tests/io/binance/test_binance_sim_common.h"

#include <limits.h>
#include <malloc.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include "runtime/config.h"
#include "io/binance/config.h"
#include "runtime/harden.h"
#include "tests/support/alloc_hook.h"

#define SECRET "Zq9SecretValueForWipeTest0123456789abcdefXY"

static char tmpdir[64];

static int suite_init(void)
{
	snprintf(tmpdir, sizeof tmpdir, "/tmp/tl-secrets-XXXXXX");
	return mkdtemp(tmpdir) ? 0 : 1;
}

static int suite_clean(void)
{
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : 1;
}

static void write_cfg(const char *path, const char *extra)
{
	char exch[PATH_MAX];
	FILE *f = fopen(path, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_PTR_NOT_NULL_FATAL(realpath("config/exchange_info.json", exch));
	fprintf(f,
		"{\"engine\": {\"name\": \"sectest%d\"%s},\n"
		" \"symbols\": {\"exchange_info\": \"%s\"},\n"
		" \"venue\": {\"type\": \"binance\", \"binance\": {\n"
		"    \"rest\": {\"host\": \"127.0.0.1\", \"port\": 9, \"tls\": false},\n"
		"    \"ws\": {\"host\": \"127.0.0.1\", \"port\": 9, \"tls\": false},\n"
		"    \"api_key\": \"KEY123\", \"api_secret\": \"" SECRET "\"}},\n"
		" \"journal\": {\"path\": \"\"}}\n",
		(int)getpid(), extra ? extra : "", exch);
	fclose(f);
}

static bool all_zero(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

/* The watch itself sees a freed copy (else the tests below prove nothing). */
static void test_watch_sees_a_freed_copy(void)
{
	tl_alloc_hook_watch(SECRET, strlen(SECRET));
	char *p = malloc(200);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	snprintf(p, 200, "xx %s yy", SECRET);
	free(p);
	CU_ASSERT_EQUAL(tl_alloc_hook_watch_hits(), 1);
	tl_alloc_hook_watch(NULL, 0);
}

static void test_config_load_leaves_no_freed_copy(void)
{
	char path[128], err[512];
	tl_config_t *c = calloc(1, sizeof(*c));
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	snprintf(path, sizeof path, "%s/ok.json", tmpdir);
	write_cfg(path, NULL);

	tl_alloc_hook_watch(SECRET, strlen(SECRET));
	int rc = tl_config_load(c, path, err, sizeof err);
	uint64_t hits = tl_alloc_hook_watch_hits();
	tl_alloc_hook_watch(NULL, 0);
	if (rc < 0)
		fprintf(stderr, "load: %s\n", err);
	CU_ASSERT_EQUAL_FATAL(rc, 0);
	CU_ASSERT_EQUAL(hits, 0);
	/* the caller's struct is the one copy, until the signer has it */
	CU_ASSERT_STRING_EQUAL(tl_binance_cfg(c)->api_secret, SECRET);
	tl_config_wipe_secrets(c);
	CU_ASSERT_TRUE(all_zero(tl_binance_cfg(c)->api_secret, sizeof tl_binance_cfg(c)->api_secret));
	CU_ASSERT_STRING_EQUAL(tl_binance_cfg(c)->api_key, "KEY123");

	/* a bad key after the secret: the error path wipes as well */
	snprintf(path, sizeof path, "%s/bad.json", tmpdir);
	write_cfg(path, ", \"no_such_key\": 1");
	tl_alloc_hook_watch(SECRET, strlen(SECRET));
	rc = tl_config_load(c, path, err, sizeof err);
	hits = tl_alloc_hook_watch_hits();
	tl_alloc_hook_watch(NULL, 0);
	CU_ASSERT_EQUAL(rc, -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "engine.no_such_key"));
	CU_ASSERT_PTR_NULL(strstr(err, SECRET));
	CU_ASSERT_EQUAL(hits, 0);

	/* tl_config_parse on a caller's buffer: cJSON's copy is wiped */
	static const char doc[] =
		"{\"venue\": {\"binance\": {\"api_key\": \"K\", \"api_secret\": \"" SECRET "\"}}}";
	tl_alloc_hook_watch(SECRET, strlen(SECRET));
	rc = tl_config_parse(c, doc, strlen(doc), NULL, err, sizeof err);
	hits = tl_alloc_hook_watch_hits();
	tl_alloc_hook_watch(NULL, 0);
	CU_ASSERT_EQUAL(rc, 0);
	CU_ASSERT_EQUAL(hits, 0);
	tl_config_wipe_secrets(c);
	free(c);
}

/* A Binance engine against the simulator: after create only the signer
 * has the secret (not e->cfg), and nothing freed on the way held it. */
static void test_engine_keeps_no_text_copy(void)
{
	char err[512];
	static char log[65536];
	tl_config_t *c = calloc(1, sizeof(*c));
	tl_engine_xopts_t o = { .no_shm = true };
	const char *sec;

	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	server_start_cfg(NULL);
	sec = scfg.acct[0].api_secret;
	tl_config_defaults(c);
	snprintf(c->exchange_info, sizeof c->exchange_info, "config/exchange_info.json");
	c->engine.idle = c->io.idle = TL_IDLE_SLEEP;
	c->engine.idle_us = c->io.idle_us = 50;
	c->kernel.order_cap = 1024;
	tl_binance_cfg_select(c);
	snprintf(tl_binance_cfg(c)->rest.host, sizeof tl_binance_cfg(c)->rest.host, "127.0.0.1");
	tl_binance_cfg(c)->rest.port = (uint16_t)e2e_rest_port;
	tl_binance_cfg(c)->rest.tls = false;
	snprintf(tl_binance_cfg(c)->ws.host, sizeof tl_binance_cfg(c)->ws.host, "127.0.0.1");
	tl_binance_cfg(c)->ws.port = (uint16_t)tl_sim_server_port(srv, TL_SIM_PORT_WS);
	tl_binance_cfg(c)->ws.tls = false;
	snprintf(tl_binance_cfg(c)->api_key, sizeof tl_binance_cfg(c)->api_key, "%s", scfg.acct[0].api_key);
	snprintf(tl_binance_cfg(c)->api_secret, sizeof tl_binance_cfg(c)->api_secret, "%s", sec);
	c->n_symbols = 1;
	snprintf(c->symbols[0], sizeof c->symbols[0], "BTCUSDT");
	c->leverage[0] = 20;	/* a signed start-up call */

	capture_begin();
	tl_alloc_hook_watch(sec, strlen(sec));
	E = tl_engine_create(c, &o, err, sizeof err);
	/* the caller's config is its own business */
	tl_config_wipe_secrets(c);
	CU_ASSERT_PTR_NOT_NULL(E);
	if (E) {
		CU_ASSERT_PTR_NULL(memmem(E, malloc_usable_size(E), sec, strlen(sec)));
		CU_ASSERT_EQUAL(tl_engine_start(E, err, sizeof err), 0);
		nap_ms(300);
		tl_engine_stop(E);
		tl_engine_close(E);
		E = NULL;
	}
	uint64_t hits = tl_alloc_hook_watch_hits();
	tl_alloc_hook_watch(NULL, 0);
	capture_restore(log, sizeof log);
	CU_ASSERT_EQUAL(hits, 0);
	CU_ASSERT_PTR_NULL(strstr(log, sec));
	free(c);
	server_stop();
}

/* Run fn in a child; its exit status (0 = all its checks held). */
static int in_child(int (*fn)(void))
{
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0)
		_exit(fn());
	int st = 0;
	if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

static int child_harden(void)
{
	char err[128];
	struct rlimit rl;
	if (prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) != 1)
		return 10;	/* the test process starts dumpable */
	if (tl_harden_process(false, err, sizeof err) != 0)
		return 11;
	if (prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) != 0 || tl_harden_dumpable() != 0)
		return 12;
	if (getrlimit(RLIMIT_CORE, &rl) != 0 || rl.rlim_cur != 0)
		return 13;
	return 0;
}

static int child_allowed(void)
{
	char err[128];
	if (tl_harden_process(true, err, sizeof err) != 0)
		return 11;
	return tl_harden_dumpable() == 1 ? 0 : 12;
}

static char open_path[160];

/* Open the paper engine at open_path (nothing to connect to) and read
 * the process's dumpable flag while it is open: 0 when it is `want`. */
static int engine_open_dumpable_is(int want)
{
	char err[512];
	tl_engine_xopts_t o = { .no_shm = true };
	tl_engine_t *e = tl_engine_open_ex(open_path, NULL, &o, err, sizeof err);
	if (!e) {
		fprintf(stderr, "open: %s\n", err);
		return 20;
	}
	int d = tl_harden_dumpable();
	tl_engine_close(e);
	return d == want ? 0 : 21;
}

static int child_engine_open(void)
{
	return engine_open_dumpable_is(0);
}

static int child_engine_open_allowed(void)
{
	return engine_open_dumpable_is(1);
}

static void write_paper_cfg(const char *path, bool allow)
{
	char exch[PATH_MAX];
	FILE *f = fopen(path, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_PTR_NOT_NULL_FATAL(realpath("config/exchange_info.json", exch));
	fprintf(f, "{\"engine\": {\"name\": \"secpaper%d\", \"allow_core_dumps\": %s},\n"
		   " \"symbols\": {\"exchange_info\": \"%s\"},\n"
		   " \"venue\": {\"type\": \"paper\"}, \"journal\": {\"path\": \"\"}}\n",
		(int)getpid(), allow ? "true" : "false", exch);
	fclose(f);
}

static void test_process_is_not_dumpable(void)
{
	CU_ASSERT_EQUAL(in_child(child_harden), 0);
	CU_ASSERT_EQUAL(in_child(child_allowed), 0);
	snprintf(open_path, sizeof open_path, "%s/paper.json", tmpdir);
	write_paper_cfg(open_path, false);
	CU_ASSERT_EQUAL(in_child(child_engine_open), 0);
	write_paper_cfg(open_path, true);
	CU_ASSERT_EQUAL(in_child(child_engine_open_allowed), 0);
	/* the parent was never touched */
	CU_ASSERT_EQUAL(tl_harden_dumpable(), 1);
}

TL_TEST_SUITE("io.secrets", suite_init, suite_clean,
	      TL_TEST(test_watch_sees_a_freed_copy),
	      TL_TEST(test_config_load_leaves_no_freed_copy),
	      TL_TEST(test_engine_keeps_no_text_copy),
	      TL_TEST(test_process_is_not_dumpable));
