/*
 * config.c - venue.binance (io/binance/config.h): defaults, the strict
 * parser (runtime/config_json.h rules: every error names its key path,
 * never a credential's value), the checks that need the rest of the
 * config, and the wipe of the API secret.
 */
#include "io/binance/config.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io/binance/binance.h"
#include "runtime/config_json.h"

static_assert(sizeof(tl_binance_cfg_t) <= TL_VENUE_CFG_MAX,
	      "venue.binance must fit tl_config_t.venue");
static_assert(_Alignof(tl_binance_cfg_t) <= 8, "tl_config_t.venue is 8-aligned");

void tl_binance_cfg_defaults(void *vc)
{
	tl_binance_cfg_t *b = vc;

	memset(b, 0, sizeof(*b));
	snprintf(b->rest.host, sizeof(b->rest.host), "fapi.binance.com");
	b->rest.port = 443;
	b->rest.tls = true;
	snprintf(b->rest.ca_file, sizeof(b->rest.ca_file),
		 "/etc/ssl/certs/ca-certificates.crt");
	snprintf(b->ws.host, sizeof(b->ws.host), "fstream.binance.com");
	b->ws.port = 443;
	b->ws.tls = true;
	snprintf(b->ws_api.host, sizeof(b->ws_api.host), "ws-fapi.binance.com");
	b->ws_api.port = 443;
	b->ws_api.tls = true;
	snprintf(b->ws_api.path, sizeof(b->ws_api.path), "/ws-fapi/v1");
	b->ws_api.rotate_ns = 23LL * 3600 * TL_NS_PER_S;
	b->order_transport = TL_BINANCE_TRANSPORT_REST;
	b->recv_window_ms = 5000;
	b->connections = TL_BINANCE_CONNECTIONS;
	b->pipeline = TL_BINANCE_PIPELINE;
	b->timeout_ns = 5000 * TL_NS_PER_MS;
	b->orders_10s = 300;            /* Binance's defaults (binance.h) */
	b->orders_1m = 1200;
	b->weight_1m = 2400;
	b->symbols_from_venue = true;
	b->startup_deadline_ns = 30000 * TL_NS_PER_MS;
	b->exchange_info_refresh_ns = 86400LL * TL_NS_PER_S;
}

tl_binance_cfg_t *tl_binance_cfg_select(tl_config_t *c)
{
	snprintf(c->venue_type, sizeof(c->venue_type), "%s", tl_binance_driver.name);
	memset(c->venue, 0, sizeof(c->venue));
	tl_binance_cfg_defaults(c->venue);
	return tl_binance_cfg(c);
}

void tl_binance_cfg_wipe(void *vc)
{
	tl_binance_cfg_t *b = vc;

	explicit_bzero(b->api_secret, sizeof(b->api_secret));
}

/*
 * A host name or IP literal: 1..TL_CFG_HOST_MAX-1 characters of
 * [A-Za-z0-9.:-] (no scheme, no port, no path).
 */
static int tl_binance_cfg_host(tl_config_ctx_t *x, const cJSON *obj, const char *path,
			  const char *key, char out[TL_CFG_HOST_MAX])
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	if (!v)
		return 0;
	if (cJSON_IsString(v)) {
		const char *s = v->valuestring;
		size_t n = strlen(s), i;

		for (i = 0; i < n; i++) {
			char c = s[i];

			if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			      (c >= '0' && c <= '9') || c == '.' || c == '-' ||
			      c == ':'))
				break;
		}
		if (n > 0 && n < TL_CFG_HOST_MAX && i == n) {
			memcpy(out, s, n + 1);
			return 1;
		}
		return tl_config_fail(x, path, key,
				      "expected a host name or IP address (1..%d characters of [A-Za-z0-9.:-]), got \"%.40s\"",
				      TL_CFG_HOST_MAX - 1, s);
	}
	return tl_config_fail(x, path, key,
			      "expected a host name or IP address, got %s",
			      tl_config_kind(v));
}

/*
 * A credential: 1..TL_CFG_KEY_MAX printable ASCII characters (no space).
 * Errors name the key, never the value, not even part of it.
 */
static int tl_binance_cfg_secret(tl_config_ctx_t *x, const cJSON *obj,
			    const char *path, const char *key,
			    char out[TL_CFG_KEY_MAX + 1])
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	if (!v)
		return 0;
	if (!cJSON_IsString(v))
		return tl_config_fail(x, path, key, "expected a string, got %s",
				      tl_config_kind(v));
	const char *s = v->valuestring;
	size_t n = strlen(s);

	if (n == 0 || n > TL_CFG_KEY_MAX)
		return tl_config_fail(x, path, key,
				      "expected 1..%d characters, got %zu (value not shown)",
				      TL_CFG_KEY_MAX, n);
	for (size_t i = 0; i < n; i++)
		if (s[i] <= ' ' || s[i] > '~')
			return tl_config_fail(x, path, key,
					      "expected printable ASCII without spaces (value not shown)");
	memcpy(out, s, n + 1);
	return 1;
}

/* ws_api.path: an absolute request target, '/' then up to 62 of
 * [A-Za-z0-9/._~-?=&] (the query allows ?returnRateLimits=false). */
static int tl_binance_cfg_ws_path(tl_config_ctx_t *x, const cJSON *obj,
				  const char *path, char out[TL_CFG_WS_PATH_MAX])
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, "path");

	if (!v)
		return 0;
	if (!cJSON_IsString(v))
		return tl_config_fail(x, path, "path", "expected a string, got %s",
				      tl_config_kind(v));
	const char *s = v->valuestring;
	size_t n = strlen(s), i;

	for (i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || strchr("/._~-?=&", c)))
			break;
	}
	if (n == 0 || s[0] != '/' || n >= TL_CFG_WS_PATH_MAX || i != n)
		return tl_config_fail(x, path, "path",
				      "expected \"/\" then up to %d characters of [A-Za-z0-9/._~?=&-], got \"%.40s\"",
				      TL_CFG_WS_PATH_MAX - 2, s);
	memcpy(out, s, n + 1);
	return 1;
}

int tl_binance_cfg_parse(tl_config_ctx_t *x, const cJSON *o, void *vc)
{
	static const char *const keys[] = {
		"rest", "ws", "api_key", "api_secret", "recv_window_ms",
		"connections", "pipeline", "timeout_ms", "orders_per_10s",
		"orders_per_min",
		"weight_per_min", "countdown_cancel_ms", "symbols_from_venue",
		"startup_deadline_ms", "ws_api", "order_transport",
		"ed25519_key_file", "api_secret_file", "exchange_info_refresh_s", NULL
	};
	static const char *const rkeys[] = {
		"host", "port", "tls", "ca_file", "insecure", NULL
	};
	static const char *const wkeys[] = { "host", "port", "tls", NULL };
	static const char *const akeys[] = {
		"host", "port", "tls", "path", "rotate_after_ms", NULL
	};
	tl_binance_cfg_t *b = vc;
	const char *p = "venue.binance";
	const cJSON *v;
	uint32_t port;
	int r;

	TL_CFG_TRY(tl_config_keys(x, o, p, keys));
	if ((v = cJSON_GetObjectItemCaseSensitive(o, "rest"))) {
		const char *rp = "venue.binance.rest";

		TL_CFG_TRY(tl_config_keys(x, v, rp, rkeys));
		TL_CFG_TRY(tl_binance_cfg_host(x, v, rp, "host", b->rest.host));
		TL_CFG_TRY(r = tl_config_u32(x, v, rp, "port", 1, 65535, &port));
		if (r == 1)
			b->rest.port = (uint16_t)port;
		TL_CFG_TRY(tl_config_bool(x, v, rp, "tls", &b->rest.tls));
		TL_CFG_TRY(tl_config_path(x, v, rp, "ca_file", b->rest.ca_file));
		TL_CFG_TRY(tl_config_bool(x, v, rp, "insecure", &b->rest.insecure));
	}
	if ((v = cJSON_GetObjectItemCaseSensitive(o, "ws"))) {
		const char *wp = "venue.binance.ws";

		TL_CFG_TRY(tl_config_keys(x, v, wp, wkeys));
		TL_CFG_TRY(tl_binance_cfg_host(x, v, wp, "host", b->ws.host));
		TL_CFG_TRY(r = tl_config_u32(x, v, wp, "port", 1, 65535, &port));
		if (r == 1)
			b->ws.port = (uint16_t)port;
		TL_CFG_TRY(tl_config_bool(x, v, wp, "tls", &b->ws.tls));
	}
	if ((v = cJSON_GetObjectItemCaseSensitive(o, "ws_api"))) {
		const char *ap = "venue.binance.ws_api";

		TL_CFG_TRY(tl_config_keys(x, v, ap, akeys));
		TL_CFG_TRY(tl_binance_cfg_host(x, v, ap, "host", b->ws_api.host));
		TL_CFG_TRY(r = tl_config_u32(x, v, ap, "port", 1, 65535, &port));
		if (r == 1)
			b->ws_api.port = (uint16_t)port;
		TL_CFG_TRY(tl_config_bool(x, v, ap, "tls", &b->ws_api.tls));
		TL_CFG_TRY(tl_binance_cfg_ws_path(x, v, ap, b->ws_api.path));
		TL_CFG_TRY(tl_config_ms(x, v, ap, "rotate_after_ms", 1000, 86000000,
					&b->ws_api.rotate_ns));
	}
	if ((v = cJSON_GetObjectItemCaseSensitive(o, "order_transport"))) {
		if (cJSON_IsString(v) && strcmp(v->valuestring, "rest") == 0)
			b->order_transport = TL_BINANCE_TRANSPORT_REST;
		else if (cJSON_IsString(v) && strcmp(v->valuestring, "ws") == 0)
			b->order_transport = TL_BINANCE_TRANSPORT_WS;
		else if (cJSON_IsString(v))
			return tl_config_fail(x, p, "order_transport",
					      "expected \"rest\" or \"ws\", got \"%.40s\"",
					      v->valuestring);
		else
			return tl_config_fail(x, p, "order_transport",
					      "expected \"rest\" or \"ws\", got %s",
					      tl_config_kind(v));
	}
	TL_CFG_TRY(tl_config_path(x, o, p, "ed25519_key_file", b->ed25519_key_file));
	TL_CFG_TRY(tl_binance_cfg_secret(x, o, p, "api_key", b->api_key));
	TL_CFG_TRY(r = tl_binance_cfg_secret(x, o, p, "api_secret", b->api_secret));
	if (r == 1)
		b->secret_inline = true;
	TL_CFG_TRY(tl_config_path(x, o, p, "api_secret_file", b->api_secret_file));
	TL_CFG_TRY(tl_config_u32(x, o, p, "recv_window_ms", 1, 60000,
				 &b->recv_window_ms));
	TL_CFG_TRY(tl_config_u32(x, o, p, "connections", 1, 16, &b->connections));
	/* Past 16 a slow answer holds too much behind it on one connection
	 * (answers come in order); more connections spread that better. */
	TL_CFG_TRY(tl_config_u32(x, o, p, "pipeline", 1, TL_BINANCE_PIPELINE_MAX,
				 &b->pipeline));
	TL_CFG_TRY(tl_config_ms(x, o, p, "timeout_ms", 100, 60000, &b->timeout_ns));
	TL_CFG_TRY(tl_config_u32(x, o, p, "orders_per_10s", 1, 1000000000,
				 &b->orders_10s));
	TL_CFG_TRY(tl_config_u32(x, o, p, "orders_per_min", 1, 1000000000,
				 &b->orders_1m));
	TL_CFG_TRY(tl_config_u32(x, o, p, "weight_per_min", 1, 1000000000,
				 &b->weight_1m));
	/* countdownCancelAll: 0 disarms; the fapi docs give no bounds.
	 * Below 5 s (the bound Binance documents for the options
	 * endpoint) a slow response or GC pause of the venue cancels live
	 * orders, and renewals every countdown/4 at weight 10 per symbol
	 * would eat the weight budget; above 10 min a dead engine's orders
	 * rest too long to call it a safety switch. */
	TL_CFG_TRY(r = tl_config_u32(x, o, p, "countdown_cancel_ms", 0, 600000,
				     &b->countdown_cancel_ms));
	if (r == 1 && b->countdown_cancel_ms && b->countdown_cancel_ms < 5000)
		return tl_config_fail(x, p, "countdown_cancel_ms",
				      "expected 0 (off) or 5000..600000, got %u",
				      b->countdown_cancel_ms);
	TL_CFG_TRY(tl_config_bool(x, o, p, "symbols_from_venue",
				  &b->symbols_from_venue));
	TL_CFG_TRY(tl_config_ms(x, o, p, "startup_deadline_ms", 1000, 600000,
				&b->startup_deadline_ns));
	uint32_t refresh;
	TL_CFG_TRY(r = tl_config_u32(x, o, p, "exchange_info_refresh_s", 0, 604800, &refresh));
	if (r == 1 && refresh && refresh < 10)
		return tl_config_fail(x, p, "exchange_info_refresh_s",
				      "expected 0 (off) or 10..604800, got %u", refresh);
	if (r == 1)
		b->exchange_info_refresh_ns = (tl_time_t)refresh * TL_NS_PER_S;
	return 0;
}

/*
 * A key file (ed25519_key_file, api_secret_file; `key` names the
 * setting): a regular file (stat follows a symlink to it, as a later
 * open would) owned by the user talon runs as, with no access for group
 * or others: the key signs orders. Nothing is read here; the messages
 * carry the path, never the content.
 */
static int tl_binance_cfg_key_file(tl_config_ctx_t *x, const char *key,
				   const char *file)
{
	static const char *const p = "venue.binance";
	struct stat st;

	if (stat(file, &st) != 0)
		return tl_config_fail(x, p, key, "cannot stat %s: %s",
				      file, strerror(errno));
	if (!S_ISREG(st.st_mode))
		return tl_config_fail(x, p, key,
				      "%s is not a regular file", file);
	if (st.st_uid != geteuid())
		return tl_config_fail(x, p, key,
				      "%s is owned by uid %u, not by the user running talon (uid %u)",
				      file, (unsigned)st.st_uid, (unsigned)geteuid());
	if (st.st_mode & 077)
		return tl_config_fail(x, p, key,
				      "%s has mode %04o: expected 0600 or stricter (chmod 600 %s)",
				      file, (unsigned)(st.st_mode & 07777), file);
	return 0;
}

/*
 * api_secret_file: checked as a key file, then its one line (a trailing
 * newline dropped) read into out as a credential. Errors name the file,
 * never a byte of its content; every buffer that held it is wiped.
 */
static int tl_binance_cfg_secret_file(tl_config_ctx_t *x, const char *file,
				      char out[TL_CFG_KEY_MAX + 1])
{
	static const char *const p = "venue.binance";
	char buf[TL_CFG_KEY_MAX + 4];
	size_t n = 0;
	ssize_t r;
	int fd, rc = -1;

	if (tl_binance_cfg_key_file(x, "api_secret_file", file) != 0)
		return -1;
	fd = open(file, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return tl_config_fail(x, p, "api_secret_file", "cannot open %s: %s",
				      file, strerror(errno));
	while (n < sizeof(buf) && (r = read(fd, buf + n, sizeof(buf) - n)) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			tl_config_fail(x, p, "api_secret_file", "cannot read %s: %s",
				       file, strerror(errno));
			goto out;
		}
		n += (size_t)r;
	}
	if (n > 0 && buf[n - 1] == '\n')
		n--;
	if (n > 0 && buf[n - 1] == '\r')
		n--;
	if (n == 0 || n > TL_CFG_KEY_MAX) {
		tl_config_fail(x, p, "api_secret_file",
			       "%s: expected one line of 1..%d characters (content not shown)",
			       file, TL_CFG_KEY_MAX);
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		if (buf[i] <= ' ' || buf[i] > '~') {
			tl_config_fail(x, p, "api_secret_file",
				       "%s: expected printable ASCII without spaces (content not shown)",
				       file);
			goto out;
		}
	memcpy(out, buf, n);
	out[n] = '\0';
	rc = 0;
out:
	explicit_bzero(buf, sizeof(buf));
	close(fd);
	return rc;
}

/*
 * A credential from the environment (TALON_BINANCE_API_KEY / _SECRET)
 * for a setting the config left empty: 0 (taken, or not set), -1 when
 * it is not a valid credential (the message names the variable only).
 */
static int tl_binance_cfg_env(tl_config_ctx_t *x, const char *var,
			      char out[TL_CFG_KEY_MAX + 1])
{
	const char *s = getenv(var);
	size_t n;

	if (!s || !s[0])
		return 0;
	n = strlen(s);
	if (n > TL_CFG_KEY_MAX)
		return tl_config_fail(x, var, NULL,
				      "(environment) expected 1..%d characters, got %zu (value not shown)",
				      TL_CFG_KEY_MAX, n);
	for (size_t i = 0; i < n; i++)
		if (s[i] <= ' ' || s[i] > '~')
			return tl_config_fail(x, var, NULL,
					      "(environment) expected printable ASCII without spaces (value not shown)");
	memcpy(out, s, n + 1);
	return 0;
}

/*
 * Keys required once Binance is the venue, where the credentials come
 * from (config.h, api_secret_file), and the rule across sections: a
 * "does not exist" answer is final only once the new-order request can
 * no longer reach the venue, which rejects it after recvWindow.
 */
/* A host literal on the loopback network (127.0.0.0/8, ::1, localhost). */
static bool bn_cfg_loopback(const char *host)
{
	return strncmp(host, "127.", 4) == 0 || strcmp(host, "::1") == 0 ||
	       strcmp(host, "[::1]") == 0 || strcmp(host, "localhost") == 0;
}

int tl_binance_cfg_check(tl_config_ctx_t *x, tl_config_t *c)
{
	tl_binance_cfg_t *b = tl_binance_cfg(c);
	const tl_kernel_cfg_t *k = &c->kernel;

	if (b->api_secret[0] && b->api_secret_file[0])
		return tl_config_fail(x, "venue.binance", "api_secret_file",
				      "either api_secret or api_secret_file, not both");
	if (b->api_secret_file[0] && b->ed25519_key_file[0])
		return tl_config_fail(x, "venue.binance", "ed25519_key_file",
				      "either api_secret_file or ed25519_key_file, not both");
	if (b->api_secret[0] && b->ed25519_key_file[0])
		return tl_config_fail(x, "venue.binance", "ed25519_key_file",
				      "either api_secret or ed25519_key_file, not both");
	if (!b->api_key[0] &&
	    tl_binance_cfg_env(x, "TALON_BINANCE_API_KEY", b->api_key) < 0)
		return -1;
	if (b->api_secret_file[0] &&
	    tl_binance_cfg_secret_file(x, b->api_secret_file, b->api_secret) < 0)
		return -1;
	if (!b->api_secret[0] && !b->ed25519_key_file[0] &&
	    tl_binance_cfg_env(x, "TALON_BINANCE_API_SECRET", b->api_secret) < 0)
		return -1;
	/* A venue on a loopback address is the simulator (or a test): its
	 * keys are public, and a warning on every `make run` would teach
	 * users to ignore the one that matters. */
	c->secret_inline = b->secret_inline && !bn_cfg_loopback(b->rest.host);
	if (!b->api_key[0])
		return tl_config_fail(x, "venue.binance", "api_key",
				      "required when venue.type is \"binance\" (or TALON_BINANCE_API_KEY in the environment)");
	if (!b->api_secret[0] && !b->ed25519_key_file[0])
		return tl_config_fail(x, "venue.binance", "api_secret",
				      "required when venue.type is \"binance\": api_secret_file, "
				      "TALON_BINANCE_API_SECRET in the environment, api_secret "
				      "(or ed25519_key_file)");
	if (b->ed25519_key_file[0] &&
	    tl_binance_cfg_key_file(x, "ed25519_key_file", b->ed25519_key_file) != 0)
		return -1;
	if (b->rest.tls && !b->rest.insecure && !b->rest.ca_file[0])
		return tl_config_fail(x, "venue.binance.rest", "ca_file",
				      "required when tls is on (or set insecure: true)");
	if (k->send_window_ns < (int64_t)b->recv_window_ms * TL_NS_PER_MS)
		return tl_config_fail(x, "kernel.send_window_ms", NULL,
				      "expected >= venue.binance.recv_window_ms (%u), got %lld",
				      b->recv_window_ms,
				      (long long)(k->send_window_ns / TL_NS_PER_MS));
	return 0;
}
