/*
 * test_wsapi_config.c - the venue.binance keys of the WebSocket API and
 * Ed25519 keys (io/binance/config.c): defaults, config/talon.json's
 * values, every refusal with its message (order_transport, ws_api.*,
 * ed25519_key_file together with api_secret, missing, not a regular
 * file, too open a mode), and that no message shows a credential.
 */
#include "tests/support/tl_test.h"

#include "io/binance/config.h"
#include "runtime/config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char err[512];
static char dir[64];
static char keyfile[128];

#define KEY_PEM "-----BEGIN PRIVATE KEY-----\n" \
	"MC4CAQAwBQYDK2VwBCIEIJ1hsZ3v/VpguoRK9JLsLMREScVpezJpGXA7rAMcrn9g\n" \
	"-----END PRIVATE KEY-----\n"

static int suite_init(void)
{
	snprintf(dir, sizeof dir, "/tmp/tl_wsapi_cfg_XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(keyfile, sizeof keyfile, "%s/key.pem", dir);
	int fd = open(keyfile, O_WRONLY | O_CREAT | O_EXCL, 0600);
	if (fd < 0)
		return -1;
	ssize_t w = write(fd, KEY_PEM, strlen(KEY_PEM));
	close(fd);
	return w == (ssize_t)strlen(KEY_PEM) ? 0 : -1;
}

static int suite_clean(void)
{
	char p[160];

	unlink(keyfile);
	snprintf(p, sizeof p, "%s/sub", dir);
	rmdir(p);
	rmdir(dir);
	return 0;
}

static int parse(tl_config_t *c, const char *json)
{
	memset(err, 0, sizeof err);
	tl_config_defaults(c);
	return tl_config_parse(c, json, strlen(json), NULL, err, sizeof err);
}

/* The binance section with `extra` keys inside it. */
static const char *doc(const char *extra)
{
	static char buf[2048];

	snprintf(buf, sizeof buf,
		 "{\"venue\":{\"type\":\"binance\",\"binance\":{"
		 "\"api_key\":\"K123\"%s%s}}}", *extra ? "," : "", extra);
	return buf;
}

static void bad(const char *json, const char *needle, const char *also)
{
	tl_config_t c;
	int rc = parse(&c, json);

	CU_ASSERT_EQUAL(rc, -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, needle));
	if (also)
		CU_ASSERT_PTR_NOT_NULL(strstr(err, also));
	if (rc != -1 || !strstr(err, needle) || (also && !strstr(err, also)))
		fprintf(stderr, "\n  %s\n    err=\"%s\" want \"%s\" \"%s\"\n", json,
			err, needle, also ? also : "");
	/* Never a credential's value. */
	CU_ASSERT_PTR_NULL(strstr(err, "S456"));
	CU_ASSERT_PTR_NULL(strstr(err, "MC4CAQAw"));
}

static void test_defaults(void)
{
	tl_config_t c;
	tl_binance_cfg_t *b;

	tl_config_defaults(&c);
	b = tl_binance_cfg_select(&c);
	CU_ASSERT_EQUAL(b->order_transport, TL_BINANCE_TRANSPORT_REST);
	CU_ASSERT_STRING_EQUAL(b->ws_api.host, "ws-fapi.binance.com");
	CU_ASSERT_EQUAL(b->ws_api.port, 443);
	CU_ASSERT_TRUE(b->ws_api.tls);
	CU_ASSERT_STRING_EQUAL(b->ws_api.path, "/ws-fapi/v1");
	CU_ASSERT_STRING_EQUAL(b->ed25519_key_file, "");
}

static void test_parse_fields(void)
{
	tl_config_t c;

	CU_ASSERT_EQUAL_FATAL(parse(&c, doc("\"api_secret\":\"S456\","
		"\"order_transport\":\"ws\","
		"\"ws_api\":{\"host\":\"127.0.0.1\",\"port\":8444,\"tls\":false,"
		"\"path\":\"/ws-fapi/v1?returnRateLimits=false\"}")), 0);
	const tl_binance_cfg_t *b = tl_binance_cfg(&c);
	CU_ASSERT_EQUAL(b->order_transport, TL_BINANCE_TRANSPORT_WS);
	CU_ASSERT_STRING_EQUAL(b->ws_api.host, "127.0.0.1");
	CU_ASSERT_EQUAL(b->ws_api.port, 8444);
	CU_ASSERT_FALSE(b->ws_api.tls);
	CU_ASSERT_STRING_EQUAL(b->ws_api.path, "/ws-fapi/v1?returnRateLimits=false");

	/* Partial ws_api keeps the other defaults; "rest" is accepted. */
	CU_ASSERT_EQUAL_FATAL(parse(&c, doc("\"api_secret\":\"S456\","
		"\"order_transport\":\"rest\",\"ws_api\":{\"port\":9000}")), 0);
	b = tl_binance_cfg(&c);
	CU_ASSERT_EQUAL(b->order_transport, TL_BINANCE_TRANSPORT_REST);
	CU_ASSERT_STRING_EQUAL(b->ws_api.host, "ws-fapi.binance.com");
	CU_ASSERT_EQUAL(b->ws_api.port, 9000);
	CU_ASSERT_STRING_EQUAL(b->ws_api.path, "/ws-fapi/v1");
}

static void test_ed25519_key_file_accepted(void)
{
	tl_config_t c;
	char extra[256];

	snprintf(extra, sizeof extra, "\"ed25519_key_file\":\"%s\"", keyfile);
	CU_ASSERT_EQUAL_FATAL(parse(&c, doc(extra)), 0);
	CU_ASSERT_STRING_EQUAL(tl_binance_cfg(&c)->ed25519_key_file, keyfile);
	CU_ASSERT_STRING_EQUAL(tl_binance_cfg(&c)->api_secret, "");
	/* 0400 is stricter: fine too. */
	CU_ASSERT_EQUAL_FATAL(chmod(keyfile, 0400), 0);
	CU_ASSERT_EQUAL(parse(&c, doc(extra)), 0);
	CU_ASSERT_EQUAL_FATAL(chmod(keyfile, 0600), 0);
	/* Relative to the config file's directory. */
	CU_ASSERT_EQUAL(tl_config_parse(&c, doc("\"ed25519_key_file\":\"key.pem\""),
					strlen(doc("\"ed25519_key_file\":\"key.pem\"")),
					dir, err, sizeof err), 0);
	CU_ASSERT_STRING_EQUAL(tl_binance_cfg(&c)->ed25519_key_file, keyfile);
}

static void test_refusals(void)
{
	char extra[512], sub[160];

	bad(doc("\"api_secret\":\"S456\",\"order_transport\":\"websocket\""),
	    "venue.binance.order_transport", "expected \"rest\" or \"ws\", got \"websocket\"");
	bad(doc("\"api_secret\":\"S456\",\"order_transport\":1"),
	    "venue.binance.order_transport", "expected \"rest\" or \"ws\", got a number");
	bad(doc("\"api_secret\":\"S456\",\"ws_api\":{\"url\":\"x\"}"),
	    "venue.binance.ws_api.url", "unknown key");
	bad(doc("\"api_secret\":\"S456\",\"ws_api\":{\"host\":\"a/b\"}"),
	    "venue.binance.ws_api.host", "host name");
	bad(doc("\"api_secret\":\"S456\",\"ws_api\":{\"port\":0}"),
	    "venue.binance.ws_api.port", NULL);
	bad(doc("\"api_secret\":\"S456\",\"ws_api\":{\"tls\":\"yes\"}"),
	    "venue.binance.ws_api.tls", NULL);
	bad(doc("\"api_secret\":\"S456\",\"ws_api\":{\"path\":\"ws-fapi/v1\"}"),
	    "venue.binance.ws_api.path", "expected \"/\"");
	bad(doc("\"api_secret\":\"S456\",\"ws_api\":{\"path\":\"/a b\"}"),
	    "venue.binance.ws_api.path", NULL);
	bad(doc("\"api_secret\":\"S456\",\"ws_api\":{\"path\":\"\"}"),
	    "venue.binance.ws_api.path", NULL);
	bad(doc("\"api_secret\":\"S456\",\"ws_api\":{\"path\":"
		"\"/0123456789012345678901234567890123456789012345678901234567890123\"}"),
	    "venue.binance.ws_api.path", NULL);
	bad(doc("\"api_secret\":\"S456\",\"ws_api\":{\"path\":5}"),
	    "venue.binance.ws_api.path", "expected a string");

	/* Neither secret nor key file; both. */
	bad(doc(""), "venue.binance.api_secret", "or ed25519_key_file");
	snprintf(extra, sizeof extra,
		 "\"api_secret\":\"S456\",\"ed25519_key_file\":\"%s\"", keyfile);
	bad(doc(extra), "venue.binance.ed25519_key_file",
	    "either api_secret or ed25519_key_file, not both");

	/* Missing file. */
	snprintf(extra, sizeof extra, "\"ed25519_key_file\":\"%s/none.pem\"", dir);
	bad(doc(extra), "venue.binance.ed25519_key_file", "cannot stat");
	bad(doc(extra), "venue.binance.ed25519_key_file", "No such file");
	/* A directory. */
	snprintf(sub, sizeof sub, "%s/sub", dir);
	CU_ASSERT_EQUAL_FATAL(mkdir(sub, 0700), 0);
	snprintf(extra, sizeof extra, "\"ed25519_key_file\":\"%s\"", sub);
	bad(doc(extra), "venue.binance.ed25519_key_file", "is not a regular file");
	rmdir(sub);
	/* Modes open to group or others. */
	static const mode_t modes[] = { 0644, 0640, 0604, 0660, 0601, 0610 };
	snprintf(extra, sizeof extra, "\"ed25519_key_file\":\"%s\"", keyfile);
	for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++) {
		char want[32];
		CU_ASSERT_EQUAL_FATAL(chmod(keyfile, modes[i]), 0);
		snprintf(want, sizeof want, "has mode %04o", (unsigned)modes[i]);
		bad(doc(extra), "venue.binance.ed25519_key_file", want);
		bad(doc(extra), "venue.binance.ed25519_key_file",
		    "expected 0600 or stricter");
	}
	CU_ASSERT_EQUAL(chmod(keyfile, 0600), 0);
	/* Another owner: only checkable as root (chown to nobody). */
	if (geteuid() == 0) {
		CU_ASSERT_EQUAL_FATAL(chown(keyfile, 65534, 65534), 0);
		bad(doc(extra), "venue.binance.ed25519_key_file",
		    "owned by uid 65534, not by the user running talon");
		CU_ASSERT_EQUAL(chown(keyfile, 0, 0), 0);
	}
}

/* config/talon.json (the simulator setup): the WS API on the stream port. */
static void test_talon_json(void)
{
	tl_config_t c;

	memset(err, 0, sizeof err);
	int rc = tl_config_load(&c, "config/talon.json", err, sizeof err);
	if (rc != 0)
		fprintf(stderr, "\n  %s\n", err);
	CU_ASSERT_EQUAL_FATAL(rc, 0);
	const tl_binance_cfg_t *b = tl_binance_cfg(&c);
	CU_ASSERT_EQUAL(b->order_transport, TL_BINANCE_TRANSPORT_REST);
	CU_ASSERT_STRING_EQUAL(b->ws_api.host, b->ws.host);
	CU_ASSERT_EQUAL(b->ws_api.port, b->ws.port);
	CU_ASSERT_EQUAL(b->ws_api.tls, b->ws.tls);
	CU_ASSERT_STRING_EQUAL(b->ws_api.path, "/ws-fapi/v1");
	tl_config_wipe_secrets(&c);
}

TL_TEST_SUITE("io.binance_wsapi_config", suite_init, suite_clean,
	      TL_TEST(test_defaults),
	      TL_TEST(test_parse_fields),
	      TL_TEST(test_ed25519_key_file_accepted),
	      TL_TEST(test_refusals),
	      TL_TEST(test_talon_json));
