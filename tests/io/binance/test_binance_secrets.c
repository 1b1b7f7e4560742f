/*
 * test_binance_secrets.c - where the Binance credentials come from
 * (io/binance/config.h, docs/binance.md "Secrets"):
 *   - TALON_BINANCE_API_KEY / TALON_BINANCE_API_SECRET fill what the
 *     config leaves out (and never override what it holds);
 *   - api_secret_file: read (one line, newline dropped) when a regular
 *     file of the user with mode 0600; 0644, 0640, 0604 refused with the
 *     mode named; never together with api_secret or ed25519_key_file;
 *     a bad content refused without quoting it;
 *   - nothing anywhere: the error names every place a secret may live;
 *   - tl_config_warn_secret (talon run, check) warns about a loaded
 *     config file that holds a secret and is readable by its group or
 *     everyone, and only then.
 */
#define _GNU_SOURCE
#include "tests/support/tl_test.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io/binance/config.h"
#include "runtime/config.h"

#define SECRET "FileSecretValue0123456789abcdefXYZ"

static char dir[64], secfile[128], err[512];

static int suite_init(void)
{
	snprintf(dir, sizeof dir, "/tmp/tl-bsecrets-XXXXXX");
	if (!mkdtemp(dir))
		return 1;
	snprintf(secfile, sizeof secfile, "%s/secret", dir);
	unsetenv("TALON_BINANCE_API_KEY");
	unsetenv("TALON_BINANCE_API_SECRET");
	return 0;
}

static int suite_clean(void)
{
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : 1;
}

static void write_file(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0600);
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_EQUAL_FATAL(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	CU_ASSERT_EQUAL_FATAL(chmod(path, mode), 0);
}

/* A Binance config with `extra` keys in venue.binance. */
static int parse(tl_config_t *c, const char *extra)
{
	char json[1024];

	snprintf(json, sizeof json,
		 "{\"venue\":{\"type\":\"binance\",\"binance\":{%s}}}", extra);
	memset(err, 0, sizeof err);
	int rc = tl_config_parse(c, json, strlen(json), NULL, err, sizeof err);
	CU_ASSERT_PTR_NULL(strstr(err, SECRET));
	CU_ASSERT_PTR_NULL(strstr(err, "EnvSecret"));
	return rc;
}

static void test_env(void)
{
	tl_config_t c;

	/* nothing anywhere: the error says where a secret may come from */
	CU_ASSERT_EQUAL(parse(&c, ""), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "venue.binance.api_key"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "TALON_BINANCE_API_KEY"));
	CU_ASSERT_EQUAL(parse(&c, "\"api_key\":\"K1\""), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "venue.binance.api_secret"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "TALON_BINANCE_API_SECRET"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "api_secret_file"));

	setenv("TALON_BINANCE_API_KEY", "EnvKey1", 1);
	setenv("TALON_BINANCE_API_SECRET", "EnvSecret1", 1);
	CU_ASSERT_EQUAL_FATAL(parse(&c, ""), 0);
	CU_ASSERT_STRING_EQUAL(tl_binance_cfg(&c)->api_key, "EnvKey1");
	CU_ASSERT_STRING_EQUAL(tl_binance_cfg(&c)->api_secret, "EnvSecret1");
	CU_ASSERT_FALSE(c.secret_inline);
	/* the config's own values win */
	CU_ASSERT_EQUAL_FATAL(parse(&c, "\"api_key\":\"K1\",\"api_secret\":\"S1\""), 0);
	CU_ASSERT_STRING_EQUAL(tl_binance_cfg(&c)->api_key, "K1");
	CU_ASSERT_STRING_EQUAL(tl_binance_cfg(&c)->api_secret, "S1");
	CU_ASSERT_TRUE(c.secret_inline);
	/* an Ed25519 key file needs no secret: the environment's is unused */
	char extra[256];
	write_file(secfile, "-----BEGIN PRIVATE KEY-----\n", 0600);
	snprintf(extra, sizeof extra, "\"ed25519_key_file\":\"%s\"", secfile);
	CU_ASSERT_EQUAL_FATAL(parse(&c, extra), 0);
	CU_ASSERT_STRING_EQUAL(tl_binance_cfg(&c)->api_key, "EnvKey1");
	CU_ASSERT_STRING_EQUAL(tl_binance_cfg(&c)->api_secret, "");
	/* a bad value is named by its variable, never shown */
	setenv("TALON_BINANCE_API_SECRET", "EnvSecret with space", 1);
	CU_ASSERT_EQUAL(parse(&c, ""), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "TALON_BINANCE_API_SECRET"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "value not shown"));
	unsetenv("TALON_BINANCE_API_KEY");
	unsetenv("TALON_BINANCE_API_SECRET");
	tl_config_wipe_secrets(&c);
}

static void test_secret_file(void)
{
	char extra[512];
	tl_config_t c;

	write_file(secfile, SECRET "\n", 0600);
	snprintf(extra, sizeof extra, "\"api_key\":\"K1\",\"api_secret_file\":\"%s\"", secfile);
	CU_ASSERT_EQUAL_FATAL(parse(&c, extra), 0);
	CU_ASSERT_STRING_EQUAL(tl_binance_cfg(&c)->api_secret, SECRET);
	CU_ASSERT_FALSE(c.secret_inline);
	tl_config_wipe_secrets(&c);
	CU_ASSERT_STRING_EQUAL(tl_binance_cfg(&c)->api_secret, "");
	/* 0400 is stricter: fine */
	CU_ASSERT_EQUAL(chmod(secfile, 0400), 0);
	CU_ASSERT_EQUAL(parse(&c, extra), 0);

	/* readable by others: refused, the mode named */
	static const mode_t modes[] = { 0644, 0640, 0604, 0660 };
	for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++) {
		char want[32];
		CU_ASSERT_EQUAL_FATAL(chmod(secfile, modes[i]), 0);
		CU_ASSERT_EQUAL(parse(&c, extra), -1);
		snprintf(want, sizeof want, "has mode %04o", (unsigned)modes[i]);
		CU_ASSERT_PTR_NOT_NULL(strstr(err, "venue.binance.api_secret_file"));
		CU_ASSERT_PTR_NOT_NULL(strstr(err, want));
		CU_ASSERT_PTR_NOT_NULL(strstr(err, "expected 0600 or stricter"));
	}
	CU_ASSERT_EQUAL(chmod(secfile, 0600), 0);

	/* a bad content: refused, not quoted */
	write_file(secfile, SECRET " x\n", 0600);
	CU_ASSERT_EQUAL(parse(&c, extra), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "content not shown"));
	write_file(secfile, "", 0600);
	CU_ASSERT_EQUAL(parse(&c, extra), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "expected one line"));

	/* not with another secret */
	write_file(secfile, SECRET "\n", 0600);
	snprintf(extra, sizeof extra,
		 "\"api_key\":\"K1\",\"api_secret\":\"S1\",\"api_secret_file\":\"%s\"", secfile);
	CU_ASSERT_EQUAL(parse(&c, extra), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "either api_secret or api_secret_file"));
	snprintf(extra, sizeof extra,
		 "\"api_key\":\"K1\",\"ed25519_key_file\":\"%s\",\"api_secret_file\":\"%s\"",
		 secfile, secfile);
	CU_ASSERT_EQUAL(parse(&c, extra), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "either api_secret_file or ed25519_key_file"));

	/* a missing file */
	snprintf(extra, sizeof extra, "\"api_key\":\"K1\",\"api_secret_file\":\"%s/none\"", dir);
	CU_ASSERT_EQUAL(parse(&c, extra), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "cannot stat"));
}

/* tl_config_load's stderr while loading path (the warning). */
static int load_capture(const char *path, char *out, size_t cap)
{
	char cap_path[128];
	tl_config_t c;

	snprintf(cap_path, sizeof cap_path, "%s/stderr", dir);
	fflush(stderr);
	int saved = dup(2);
	int fd = open(cap_path, O_CREAT | O_TRUNC | O_WRONLY, 0600);
	dup2(fd, 2);
	close(fd);
	int rc = tl_config_load(&c, path, err, sizeof err);
	if (rc == 0)
		tl_config_warn_secret(&c);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	FILE *f = fopen(cap_path, "r");
	size_t n = f ? fread(out, 1, cap - 1, f) : 0;
	if (f)
		fclose(f);
	out[n] = '\0';
	if (rc == 0)
		tl_config_wipe_secrets(&c);
	return rc;
}

static void test_readable_config_warned(void)
{
	char path[128], text[8192], log[2048];
	char exch[4096];

	CU_ASSERT_PTR_NOT_NULL_FATAL(realpath("config/exchange_info.json", exch));
	snprintf(path, sizeof path, "%s/cfg.json", dir);
	snprintf(text, sizeof text,
		 "{\"symbols\":{\"exchange_info\":\"%s\"},"
		 "\"venue\":{\"type\":\"binance\",\"binance\":{\"api_key\":\"K1\","
		 "\"api_secret\":\"" SECRET "\"}}}", exch);
	write_file(path, text, 0644);
	CU_ASSERT_EQUAL(load_capture(path, log, sizeof log), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(log, "holds an API secret and is readable by everyone"));
	CU_ASSERT_PTR_NULL(strstr(log, SECRET));
	CU_ASSERT_EQUAL(chmod(path, 0640), 0);
	CU_ASSERT_EQUAL(load_capture(path, log, sizeof log), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(log, "readable by its group"));
	CU_ASSERT_EQUAL(chmod(path, 0600), 0);
	CU_ASSERT_EQUAL(load_capture(path, log, sizeof log), 0);
	CU_ASSERT_PTR_NULL(strstr(log, "readable"));

	/* the simulator on loopback (config/talon.json, `make run`): its
	 * keys are public, no warning */
	snprintf(text, sizeof text,
		 "{\"symbols\":{\"exchange_info\":\"%s\"},"
		 "\"venue\":{\"type\":\"binance\",\"binance\":{\"api_key\":\"K1\","
		 "\"api_secret\":\"" SECRET "\",\"rest\":{\"host\":\"127.0.0.1\"}}}}", exch);
	write_file(path, text, 0644);
	CU_ASSERT_EQUAL(load_capture(path, log, sizeof log), 0);
	CU_ASSERT_PTR_NULL(strstr(log, "readable"));

	/* no secret in the text: world-readable is fine */
	write_file(secfile, SECRET "\n", 0600);
	snprintf(text, sizeof text,
		 "{\"symbols\":{\"exchange_info\":\"%s\"},"
		 "\"venue\":{\"type\":\"binance\",\"binance\":{\"api_key\":\"K1\","
		 "\"api_secret_file\":\"%s\"}}}", exch, secfile);
	write_file(path, text, 0644);
	CU_ASSERT_EQUAL(load_capture(path, log, sizeof log), 0);
	CU_ASSERT_PTR_NULL(strstr(log, "readable"));
}

/* The shipped profiles: the venue's hosts, the system CA bundle, no
 * secret inside (they load only with the environment's). */
static void test_profiles(void)
{
	static const struct {
		const char *file, *rest, *ws, *ws_api;
	} prof[] = {
		{ "config/binance-testnet.json", "testnet.binancefuture.com",
		  "fstream.binancefuture.com", "testnet.binancefuture.com" },
		{ "config/binance-live.json", "fapi.binance.com", "fstream.binance.com",
		  "ws-fapi.binance.com" },
	};
	tl_config_t c;

	for (size_t i = 0; i < sizeof prof / sizeof prof[0]; i++) {
		unsetenv("TALON_BINANCE_API_KEY");
		unsetenv("TALON_BINANCE_API_SECRET");
		CU_ASSERT_EQUAL(tl_config_load(&c, prof[i].file, err, sizeof err), -1);
		CU_ASSERT_PTR_NOT_NULL(strstr(err, "TALON_BINANCE_API_KEY"));
		setenv("TALON_BINANCE_API_KEY", "EnvKey1", 1);
		setenv("TALON_BINANCE_API_SECRET", "EnvSecret1", 1);
		int rc = tl_config_load(&c, prof[i].file, err, sizeof err);
		if (rc)
			printf("%s: %s\n", prof[i].file, err);
		CU_ASSERT_EQUAL_FATAL(rc, 0);
		const tl_binance_cfg_t *b = tl_binance_cfg(&c);
		CU_ASSERT_STRING_EQUAL(b->rest.host, prof[i].rest);
		CU_ASSERT_EQUAL(b->rest.port, 443);
		CU_ASSERT_TRUE(b->rest.tls);
		CU_ASSERT_FALSE(b->rest.insecure);
		CU_ASSERT_STRING_EQUAL(b->rest.ca_file, "/etc/ssl/certs/ca-certificates.crt");
		CU_ASSERT_STRING_EQUAL(b->ws.host, prof[i].ws);
		CU_ASSERT_TRUE(b->ws.tls);
		CU_ASSERT_STRING_EQUAL(b->ws_api.host, prof[i].ws_api);
		CU_ASSERT_STRING_EQUAL(b->ws_api.path, "/ws-fapi/v1");
		CU_ASSERT_STRING_EQUAL(b->api_key, "EnvKey1");
		CU_ASSERT_STRING_EQUAL(b->api_secret, "EnvSecret1");
		CU_ASSERT_FALSE(c.secret_inline);
		CU_ASSERT_TRUE(b->symbols_from_venue);
		CU_ASSERT(b->countdown_cancel_ms >= 5000);
		for (uint32_t k = 0; k < c.n_symbols; k++) {
			CU_ASSERT(c.leverage[k] > 0);
			CU_ASSERT_EQUAL(c.margin_type[k], TL_MARGIN_ISOLATED);
		}
		tl_config_wipe_secrets(&c);
	}
	unsetenv("TALON_BINANCE_API_KEY");
	unsetenv("TALON_BINANCE_API_SECRET");
}

TL_TEST_SUITE("io.binance_secrets", suite_init, suite_clean,
	      TL_TEST(test_profiles),
	      TL_TEST(test_env),
	      TL_TEST(test_secret_file),
	      TL_TEST(test_readable_config_warned));
