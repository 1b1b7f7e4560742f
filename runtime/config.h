/*
 * config.h - talon's engine configuration, loaded from JSON (cJSON).
 *
 * The file is untrusted input: every key is checked for type and range,
 * unknown keys are errors, and every error names the key path and what
 * was expected ("kernel.order_capacity: expected a power of two in
 * 2..16777216, got 1000"). Defaults apply to keys that are absent. The
 * loaded struct holds the venue's API secret (venue.binance.api_secret):
 * no error message ever quotes it or the API key, only the key's name.
 */
#ifndef TL_CONFIG_H
#define TL_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel/kernel.h"

#define TL_PATH_MAX 256
/* symbols.only and venue.paper.start: as many as the kernel's table
 * holds. Each costs 60 bytes of tl_config_t (name, leverage, start
 * mark), about 60 KiB in all. */
#define TL_CFG_SYMBOLS_MAX TL_SYMBOLS_MAX

typedef enum tl_idle {
	TL_IDLE_SPIN = 0,     /* busy-poll: lowest latency, burns the core */
	TL_IDLE_YIELD,        /* sched_yield between empty polls */
	TL_IDLE_BACKOFF,      /* spin, then yield, then sleep, growing */
	TL_IDLE_SLEEP,        /* nanosleep(idle_us) after an empty poll */
} tl_idle_t;

/* One thread's placement and idle strategy. */
typedef struct tl_agent_cfg {
	int cpu;              /* -1 = not pinned */
	tl_idle_t idle;
	uint32_t idle_us;     /* sleep length for SLEEP/BACKOFF, 1..100000 */
	uint32_t timer_slack_ns; /* the thread's timer slack, 1..1000000: how
				  * late the kernel may end its sleeps (Linux
				  * default 50000, which makes a 50 us sleep
				  * last 100 us or more) */
} tl_agent_cfg_t;

typedef struct tl_paper_cfg {
	uint64_t seed;             /* random walk and fault seed */
	tl_fx_t balance;           /* starting USDT wallet */
	tl_fx_t maker_rate;        /* e.g. 0.0002 */
	tl_fx_t taker_rate;        /* e.g. 0.0004 */
	uint32_t slippage_bps;     /* market orders pay this much worse than mark */
	tl_time_t latency_ns;      /* request -> response delay */
	tl_time_t mark_interval_ns; /* random walk step period */
	uint32_t walk_bps;         /* max move per step, basis points */
	char marks_csv[TL_PATH_MAX]; /* "" = random walk; else time,symbol,price */
	uint32_t n_start;
	struct {
		char symbol[TL_SYMBOL_NAMELEN];
		tl_fx_t price;
	} start[TL_CFG_SYMBOLS_MAX]; /* starting mark per symbol */
	/* Fault injection (tests): rates in parts per million of requests. */
	uint32_t reject_ppm;       /* rejected with reject_code */
	int32_t reject_code;       /* default -2019 */
	uint32_t timeout_ppm;      /* answered with a timeout after latency */
	bool timeout_executes;     /* ...but the order was executed */
} tl_paper_cfg_t;

#define TL_CFG_HOST_MAX 128
#define TL_CFG_KEY_MAX 128       /* API key / secret characters */

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
	char api_key[TL_CFG_KEY_MAX + 1];    /* printable ASCII, never printed */
	char api_secret[TL_CFG_KEY_MAX + 1]; /* secret: never printed */
	uint32_t recv_window_ms;   /* 1..60000, default 5000 */
	uint32_t connections;      /* REST pool size 1..16, default 2 */
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
} tl_binance_cfg_t;

typedef struct tl_config {
	char path[TL_PATH_MAX];    /* file it came from */
	/* engine */
	char name[32];             /* engine.name: [A-Za-z0-9_-]{1,31} */
	tl_agent_cfg_t engine;     /* engine.cpu / idle / idle_us */
	tl_agent_cfg_t io;         /* io.cpu / idle / idle_us */
	uint32_t snapshot_hz;      /* engine.snapshot_hz: 1..1000, default 10 */
	/* kernel + risk: straight into the kernel */
	tl_kernel_cfg_t kernel;
	/* rings (power of two sizes) */
	uint32_t ring_command;     /* rings.command: per strategy producer */
	uint32_t ring_request;     /* rings.request: engine -> IO */
	uint32_t ring_venue;       /* rings.venue: IO -> engine */
	uint32_t ring_event;       /* rings.event: engine -> strategy */
	uint32_t ring_journal;     /* rings.journal: engine -> persist */
	uint32_t high_water_pct;   /* rings.high_water_pct: refuse new orders above */
	/* symbols */
	char exchange_info[TL_PATH_MAX]; /* symbols.exchange_info: file path */
	uint32_t n_symbols;
	char symbols[TL_CFG_SYMBOLS_MAX][TL_SYMBOL_NAMELEN]; /* symbols.only */
	uint32_t leverage[TL_CFG_SYMBOLS_MAX]; /* symbols.leverage.<S>, 0 = default */
	/* venue */
	char venue_type[16];       /* venue.type: "paper" or "binance" */
	tl_paper_cfg_t paper;      /* venue.paper */
	/* journal */
	char journal_path[TL_PATH_MAX]; /* journal.path, "" = no journal */
	int journal_strict;        /* journal.mode: 0 "async" (default), 1 "strict" */
	int journal_sync_full;     /* journal.sync: 0 "normal" (default), 1 "full" */
	/* log */
	int log_level;             /* log.level: 0 error 1 warn 2 info 3 debug */
	/* venue.binance (appended: keep earlier fields where they are) */
	tl_binance_cfg_t binance;
	/* reconcile: venue reconciliation (docs/recovery.md, io/binance/sync.h) */
	struct {
		int policy;            /* tl_recon_policy_t: "trust_venue" or "pause" (default) */
		tl_fx_t tolerance_pct; /* "1" = 1 % (default); 0..100 */
		uint32_t sync_interval_s; /* position monitor period, 0 = off; default 60 */
		uint32_t confirm;      /* monitor: consecutive differing snapshots, 1..10, default 2 */
	} reconcile;
	/* emergency: what the kill switch does at the venue besides the
	 * kernel's liquidation (docs/operations.md) */
	struct {
		int venue_sweep;       /* tl_sweep_scope_t: "symbols" (default),
					* "account" or "off" */
	} emergency;
	/* engine.allow_core_dumps, default false: the process holds the API
	 * secret's key schedule, so `talon run` makes itself non-dumpable (no
	 * core file, no ptrace attach, /proc/PID/mem closed to other
	 * processes of the same user) unless this is true. */
	bool allow_core_dumps;
} tl_config_t;

/* emergency.venue_sweep: the venue sweep once per kill (io/venue.h
 * kill_epoch): cancel every open order and report the positions of
 * the scope's symbols. */
typedef enum tl_sweep_scope {
	TL_SWEEP_SYMBOLS = 0,      /* the symbols this engine trades */
	TL_SWEEP_ACCOUNT,          /* every symbol of the account with an open
				    * order or a position; positions on symbols
				    * outside the table are closed too */
	TL_SWEEP_OFF,
} tl_sweep_scope_t;

/* Fill cfg with defaults (a valid paper-trading config except for the
 * exchange_info path). */
void tl_config_defaults(tl_config_t *cfg);

/* Parse `len` bytes of JSON text; relative paths inside are resolved
 * against `base_dir` (NULL = as given). Returns 0 or -1 with a message. */
int tl_config_parse(tl_config_t *cfg, const char *json, size_t len,
		    const char *base_dir, char *err, size_t errlen);

/* Read and parse a file (at most 1 MiB). */
int tl_config_load(tl_config_t *cfg, const char *path, char *err, size_t errlen);

/* Zero every copy of a secret the struct holds (venue.binance.api_secret)
 * with explicit_bzero. Call once the venue adapter's signer has its key
 * schedule; nothing reads the secret from a config after that. */
void tl_config_wipe_secrets(tl_config_t *cfg);

/* Load the symbol table the config names (exchange_info + only), then
 * apply per-symbol leverage via tl_kernel_set_leverage later. */
int tl_config_symbols(const tl_config_t *cfg, tl_symbols_t *syms, char *err,
		      size_t errlen);

#endif /* TL_CONFIG_H */
