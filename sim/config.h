/*
 * config.h - the simulator's configuration (config/venue.json).
 *
 * Loaded once at start-up (cold path, may allocate). All decimals are
 * JSON strings parsed exactly into 1e-8 fixed point; integers may be JSON
 * numbers. Keys other tools rely on: rest.host, rest.port, rest.tls,
 * ws.port, accounts[].api_key, accounts[].api_secret. docs/venue.md lists
 * every key with its default.
 */
#ifndef TL_SIM_CONFIG_H
#define TL_SIM_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

#include "kernel/fixed.h"

/* Symbols the venue lists. Its state is preallocated at this size: about
 * 260 bytes of config and 64 of market a symbol, plus 128 per account
 * (TL_SIM_MAX_ACCOUNTS of them), about 2.3 MiB in all at 1024; only the
 * configured `nsym` are visited. */
#define TL_SIM_MAX_SYMBOLS 1024
#define TL_SIM_MAX_ACCOUNTS 16
#define TL_SIM_NAME_LEN 20
#define TL_SIM_KEY_LEN 96

/* One tradable perpetual contract with its exchangeInfo filters and the
 * parameters of its synthetic market. */
typedef struct tl_sim_symbol_cfg {
	char name[TL_SIM_NAME_LEN];  /* "BTCUSDT" */
	char base[TL_SIM_NAME_LEN];  /* "BTC" */
	char quote[TL_SIM_NAME_LEN]; /* "USDT" (also the margin asset) */
	int price_prec;    /* pricePrecision: decimals of prices on the wire */
	int qty_prec;      /* quantityPrecision */
	int quote_prec;    /* decimals of quote amounts (cumQuote) */
	tl_fx_t tick, min_price, max_price;              /* PRICE_FILTER */
	tl_fx_t step, min_qty, max_qty;                  /* LOT_SIZE */
	tl_fx_t mkt_step, mkt_min_qty, mkt_max_qty;      /* MARKET_LOT_SIZE */
	tl_fx_t min_notional;                            /* MIN_NOTIONAL */
	tl_fx_t mult_up, mult_down;                      /* PERCENT_PRICE */
	int mult_decimal;
	int max_orders, max_algo_orders;   /* MAX_NUM_(ALGO_)ORDERS */
	int max_leverage, default_leverage;
	tl_fx_t max_notional;              /* maxNotionalValue reported */
	tl_fx_t maker_rate, taker_rate;    /* commission rates */
	tl_fx_t maint_rate;                /* maintenance margin rate */
	/* synthetic market */
	tl_fx_t start_price;  /* initial mark */
	int vol_bps;          /* max |move| per tick in basis points (1e-4) */
	int spread_ticks;     /* best ask - best bid, in ticks (>= 1) */
	int depth_levels;     /* levels per side */
	int level_gap_ticks;  /* distance between levels, in ticks */
	tl_fx_t level_qty;    /* quantity per level */
	int slippage_bps;     /* extra price concession for MARKET orders */
	bool partial_fills;   /* false: the last level is bottomless */
} tl_sim_symbol_cfg_t;

typedef struct tl_sim_account_cfg {
	char name[TL_SIM_NAME_LEN];
	char api_key[TL_SIM_KEY_LEN];
	char api_secret[TL_SIM_KEY_LEN];
	tl_fx_t usdt;      /* starting wallet balance */
	bool dual_side;    /* start in hedge mode */
	/* Optional second API key of the account, an Ed25519 one (the only
	 * kind Binance accepts for WebSocket API session.logon): its key
	 * string and public key (ed25519_public_key PEM text or
	 * ed25519_public_key_file). */
	char ed25519_api_key[TL_SIM_KEY_LEN]; /* "" = none */
	uint8_t ed25519_pub[32];
} tl_sim_account_cfg_t;

/* One per-endpoint error rule: `ppm` of the requests to METHOD path are
 * answered with venue code `code` (its own HTTP status: -2019 is 400,
 * -1003 429, -1001 503, ...) before executing. */
#define TL_SIM_MAX_EP_FAULTS 8
typedef struct tl_sim_ep_fault {
	int method;            /* enum tl_sim_http_method */
	char path[48];         /* "/fapi/v1/order" */
	int ppm;
	int code;
	int left;              /* COUNT: answers left, then the rule stops
				* (ppm 0); 0 = no limit */
} tl_sim_ep_fault_t;

/* Fault injection knobs (also settable through /sim/faults). REST rates
 * are in parts per million of requests, stream rates in per mille of
 * stream events (per connection); all drawn from seeded generators. */
typedef struct tl_sim_faults {
	int latency_ms;        /* fixed delay before answering */
	int latency_jitter_ms; /* + uniform 0..jitter */
	int error_ppm;         /* answer error_code instead of executing */
	int error_code;        /* e.g. -1001 (503), -1008 */
	int unknown_ppm;       /* execute, then answer 503 "Unknown error" */
	int reset_ppm;         /* close the connection after reading */
	int64_t clock_offset_ms; /* added to the venue clock */
	/* streams: user data and market events, not control replies */
	int stream_drop_permille;    /* event not sent */
	int stream_dup_permille;     /* event sent twice in a row */
	int stream_reorder_permille; /* event swapped with the next one */
	int stream_delay_ms;         /* event sent this much later ... */
	int stream_delay_jitter_ms;  /* ... + uniform 0..jitter (order kept) */
	int64_t stream_disconnect_every_ms; /* close all streams, 0 = off */
	int n_ep;                    /* per-endpoint error rules */
	tl_sim_ep_fault_t ep[TL_SIM_MAX_EP_FAULTS];
} tl_sim_faults_t;

/* Parse "METHOD /path PPM [CODE]" (CODE defaults to -1001) into *out;
 * 0, or -1 when malformed or out of range. */
int tl_sim_ep_fault_parse(const char *spec, tl_sim_ep_fault_t *out);

/* Add rule e to f, replacing the rule for the same METHOD and path; a
 * rule with ppm 0 removes it. -1 when the table is full. */
int tl_sim_ep_fault_set(tl_sim_faults_t *f, const tl_sim_ep_fault_t *e);

typedef struct tl_sim_config {
	char rest_host[64];   /* loopback only */
	int rest_port;        /* HTTPS when rest_tls, else HTTP */
	bool rest_tls;
	int rest_plain_port;  /* extra plain-HTTP port, 0 = none */
	int ws_port;          /* WebSocket streams (0 = ephemeral) */
	bool ws_tls;
	bool ws_enabled;      /* listen for streams at all */
	int64_t ws_ping_ms;   /* server ping interval (180000) */
	int64_t ws_lifetime_ms; /* connection lifetime (24 h) */
	int64_t mark_interval_ms; /* @markPrice@1s push interval (1000, >= 10) */
	/* WebSocket API (/ws-fapi/v1) connections: server ping interval
	 * (Binance: 3 min), close when no pong came within pong_timeout
	 * of a ping (10 min), lifetime (24 h), largest request frame
	 * (bigger ones are closed with 1009). */
	int64_t ws_api_ping_ms, ws_api_pong_timeout_ms, ws_api_lifetime_ms;
	int ws_api_max_frame;
	char tls_cert[256], tls_key[256];
	int max_conns;
	/* REST connection timeouts (ms, 0 = off): a request head must arrive
	 * within header_timeout_ms of its first byte, its body within
	 * body_timeout_ms of the head (both answered 408 and closed); a
	 * connection with no request in progress and no output moving for
	 * idle_timeout_ms is closed. Slow or silent clients cannot hold
	 * connections (and max_conns) forever. */
	int64_t header_timeout_ms, body_timeout_ms, idle_timeout_ms;
	uint64_t seed;
	int tick_ms;          /* market step interval */
	int64_t recv_window_max;
	int weight_1m, orders_10s, orders_1m; /* rate limits */
	int ban_after;        /* 429s within a minute before a 418 ban */
	int ban_seconds;
	int64_t listen_key_ttl_ms;
	int max_orders_total; /* order table capacity */
	int max_trades_total; /* trade table capacity */
	int nsym;
	tl_sim_symbol_cfg_t sym[TL_SIM_MAX_SYMBOLS];
	int nacct;
	tl_sim_account_cfg_t acct[TL_SIM_MAX_ACCOUNTS];
	tl_sim_faults_t faults;
} tl_sim_config_t;

/* Defaults: one BTCUSDT symbol, one account, ports 0 (ephemeral). */
void tl_sim_config_defaults(tl_sim_config_t *c);

/* Parse JSON text into c (on top of defaults). Returns 0, or -1 with a
 * message in err[errcap]. */
int tl_sim_config_parse(tl_sim_config_t *c, const char *json, size_t len,
			char *err, size_t errcap);

/* Read and parse a file. Returns 0 or -1 with err. */
int tl_sim_config_load(tl_sim_config_t *c, const char *path, char *err,
		       size_t errcap);

#endif /* TL_SIM_CONFIG_H */
