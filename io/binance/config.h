/*
 * config.h - venue.binance: the Binance USD-M adapter's own config
 * section, parsed by its driver (io/binance/config.c) into
 * tl_config_t.venue (io/venue.h).
 */
#ifndef TL_BINANCE_CONFIG_H
#define TL_BINANCE_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

#include "runtime/config.h"

#define TL_CFG_HOST_MAX 128
#define TL_CFG_KEY_MAX 128       /* API key / secret characters */

/* venue.binance.connections and pipeline: defaults and the pipeline's
 * bound. 4 connections x 16 requests in flight on each: 64 at once carry
 * 10,000 orders/s and their cancels (20,000 requests/s) while a round
 * trip stays under 3.2 ms; a request goes to the least loaded
 * connection, so the depth is used only when all are busy
 * (docs/binance.md, "REST capacity"). */
#define TL_BINANCE_CONNECTIONS 4
#define TL_BINANCE_PIPELINE 16
#define TL_BINANCE_PIPELINE_MAX 16

/* venue.binance.order_transport: how orders, cancels and order queries
 * reach the venue. REST (default): HTTPS requests over the pool; WS: the
 * WebSocket API (ws_api below, io/binance/wsapi.h), with REST kept for
 * what has no WS method (algo queries, batches, start-up calls). */
typedef enum tl_binance_transport {
	TL_BINANCE_TRANSPORT_REST = 0,
	TL_BINANCE_TRANSPORT_WS,
} tl_binance_transport_t;

#define TL_CFG_WS_PATH_MAX 64    /* ws_api.path characters + NUL */

/* venue.binance: the Binance USD-M adapter (io/binance/binance.h). */
typedef struct tl_binance_cfg {
	struct {
		char host[TL_CFG_HOST_MAX]; /* rest.host, default fapi.binance.com */
		uint16_t port;             /* rest.port, default 443 */
		bool tls;                  /* rest.tls, default true (plain: loopback only) */
		char ca_file[TL_PATH_MAX]; /* rest.ca_file, PEM CAs */
		bool insecure;             /* rest.insecure: skip verification (warns) */
	} rest;
	struct {
		char host[TL_CFG_HOST_MAX]; /* ws.host, default fstream.binance.com */
		uint16_t port;             /* ws.port, default 443 */
		bool tls;                  /* ws.tls, default true */
	} ws;
	struct {
		char host[TL_CFG_HOST_MAX]; /* ws_api.host, default ws-fapi.binance.com */
		uint16_t port;             /* ws_api.port, default 443 */
		bool tls;                  /* ws_api.tls, default true */
		char path[TL_CFG_WS_PATH_MAX]; /* ws_api.path, default /ws-fapi/v1 */
		/* ws_api.rotate_after_ms: a session's successor takes over
		 * at this age (Binance closes connections after 24 h;
		 * io/binance/wsorder.c); default 23 h, 1000..86000000 */
		tl_time_t rotate_ns;
	} ws_api;
	tl_binance_transport_t order_transport; /* "rest" (default) | "ws" */
	char api_key[TL_CFG_KEY_MAX + 1];    /* printable ASCII, never printed */
	char api_secret[TL_CFG_KEY_MAX + 1]; /* secret: never printed */
	/* api_secret_file: a file holding the secret (one line), checked
	 * like ed25519_key_file (regular, the running user's, mode 0600 or
	 * stricter) and read into api_secret by the config check. Where the
	 * credentials may come from, first that is set wins: the config's
	 * api_key / api_secret / api_secret_file / ed25519_key_file, then
	 * the environment, TALON_BINANCE_API_KEY and TALON_BINANCE_API_SECRET
	 * (docs/binance.md, "Secrets"). */
	char api_secret_file[TL_PATH_MAX];
	bool secret_inline;        /* api_secret was written in the config text */
	/* ed25519_key_file: the PKCS#8 PEM private key of an Ed25519 API key
	 * (instead of api_secret, never with it); the check wants a regular
	 * file of the running user, mode 0600 or stricter. Only the path is
	 * held here; the key is read into the signer at start. */
	char ed25519_key_file[TL_PATH_MAX];
	uint32_t recv_window_ms;   /* 1..60000, default 5000 */
	uint32_t connections;      /* REST pool size 1..16, default 4 */
	uint32_t pipeline;         /* requests in flight per connection
				    * (HTTP/1.1 pipelining), 1..16, default 16;
				    * 1 = one at a time */
	tl_time_t timeout_ns;      /* timeout_ms: response deadline, default 5000 */
	/* The account's venue limits (exchangeInfo rateLimits; Binance
	 * raises them per account): the adapter holds at 90 % of each. */
	uint32_t orders_10s;       /* orders_per_10s, default 300 */
	uint32_t orders_1m;        /* orders_per_min, default 1200 */
	uint32_t weight_1m;        /* weight_per_min, default 2400 */
	/* Dead-man switch (io/binance/deadman.c): POST countdownCancelAll
	 * per traded symbol, renewed every countdown/4 while the engine's
	 * heartbeat is fresh. 0 = off (default), else 5000..600000. */
	uint32_t countdown_cancel_ms;
	/* symbols_from_venue, default true: at start GET exchangeInfo and
	 * let the venue's filters and status win over the file's
	 * (io/binance/xinfo.h). */
	bool symbols_from_venue;
	/* startup_deadline_ms, default 30000 (1000..600000): how long the
	 * start-up calls (exchangeInfo, server time, leverage per symbol,
	 * account) keep retrying transient failures before the start
	 * fails. Permanent rejects (-2015, -1022, -4028 ...) fail at once. */
	tl_time_t startup_deadline_ns;
	/* exchange_info_refresh_s, default 86400 (0 off, else 10..604800):
	 * how often exchangeInfo is re-read while running for the symbols'
	 * trading status (io/binance/xwatch.h); a filter reject re-reads it
	 * at once. */
	tl_time_t exchange_info_refresh_ns;
} tl_binance_cfg_t;

/* The binance section of a config whose venue.type is Binance. */
static inline tl_binance_cfg_t *tl_binance_cfg(tl_config_t *c)
{
	return tl_config_venue_area(c);
}

static inline const tl_binance_cfg_t *tl_binance_cfg_const(const tl_config_t *c)
{
	return tl_config_venue_area(c);
}

/* Select the Binance venue in c: venue.type = the Binance driver, its
 * section at defaults. Returns it (tests and benchmarks that build a
 * config in code). */
tl_binance_cfg_t *tl_binance_cfg_select(tl_config_t *c);

/* The driver's config hooks (io/binance/driver.c puts them in the table). */
void tl_binance_cfg_defaults(void *vc);
struct cJSON;
struct tl_config_ctx;
int tl_binance_cfg_parse(struct tl_config_ctx *x, const struct cJSON *o, void *vc);
int tl_binance_cfg_check(struct tl_config_ctx *x, tl_config_t *c);
void tl_binance_cfg_wipe(void *vc);

#endif /* TL_BINANCE_CONFIG_H */
