/*
 * config.h - talon's engine configuration, loaded from JSON (cJSON).
 *
 * The file is untrusted input: every key is checked for type and range,
 * unknown keys are errors, and every error names the key path and what
 * was expected ("kernel.order_capacity: expected a power of two in
 * 2..16777216, got 1000"). Defaults apply to keys that are absent.
 *
 * The venue section is its driver's (io/venue.h): "venue.type" picks a
 * driver from the registry (io/venue.c), and each venue.<name> object is
 * parsed by the driver of that name with the getters of
 * runtime/config_json.h, into tl_config_t.venue. The loaded struct may
 * hold a venue's API secret: no error message ever quotes a credential,
 * only the key's name, and tl_config_wipe_secrets has the driver wipe it.
 */
#ifndef TL_CONFIG_H
#define TL_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel/kernel.h"

#define TL_PATH_MAX 256
/* symbols.only (and a venue's per-symbol table): as many as the
 * kernel's table holds. Each costs 60 bytes of tl_config_t (name,
 * leverage, a venue's start mark), about 60 KiB in all. */
#define TL_CFG_SYMBOLS_MAX TL_SYMBOLS_MAX
/* monitor.listen ("HOST:PORT", with NUL) and monitor.token (without) */
#define TL_CFG_LISTEN_MAX 64
#define TL_CFG_TOKEN_MAX 128

typedef enum tl_idle {
	TL_IDLE_SPIN = 0,     /* busy-poll: lowest latency, burns the core */
	TL_IDLE_YIELD,        /* sched_yield between empty polls */
	TL_IDLE_BACKOFF,      /* spin, then yield, then sleep, growing */
	TL_IDLE_SLEEP,        /* nanosleep(idle_us) after an empty poll */
	TL_IDLE_PARK,         /* a few spins, then block until a producer
			       * wakes it or a timer is due (runtime/wake.h) */
} tl_idle_t;

/* engine.threading (Aeron's ThreadingMode): which duties share a thread. */
typedef enum tl_threading {
	TL_THREADING_DEDICATED = 0, /* ENGINE and IO on threads of their own */
	TL_THREADING_SHARED,        /* ENGINE and IO duties on one thread */
} tl_threading_t;

/* engine.on_stop: what a stopping engine does with what is open. */
typedef enum tl_on_stop {
	TL_ON_STOP_LEAVE = 0,       /* nothing: orders stay at the venue, positions open */
	TL_ON_STOP_CANCEL,          /* cancel every open order, wait for their end */
	TL_ON_STOP_FLATTEN,         /* the kill switch's liquidation: cancel all,
				     * close every position, wait for it */
} tl_on_stop_t;

/* One thread's placement and idle strategy. */
typedef struct tl_agent_cfg {
	int cpu;              /* -1 = not pinned */
	tl_idle_t idle;
	uint32_t idle_us;     /* sleep length for SLEEP/BACKOFF (PARK: the
			       * longest park of an IO thread whose venue
			       * has no wait of its own), 1..100000 */
	uint32_t timer_slack_ns; /* the thread's timer slack, 1..1000000: how
				  * late the kernel may end its sleeps (Linux
				  * default 50000, which makes a 50 us sleep
				  * last 100 us or more) */
} tl_agent_cfg_t;

/* The venue driver's own section (venue.<name>, io/venue.h) lives in
 * tl_config_t.venue: fixed size, so a config stays one flat value that
 * is copied, wiped and freed without asking its driver. The room is a
 * per-symbol table of up to 32 bytes a symbol (a starting mark: name and
 * price) plus 4 KiB of fixed fields; every driver static_asserts that its
 * struct fits. */
#define TL_VENUE_CFG_MAX (TL_CFG_SYMBOLS_MAX * 32 + 4096)

/* symbols.margin_type of one symbol. */
typedef enum tl_margin_type {
	TL_MARGIN_UNSET = 0,       /* leave the venue's setting as it is */
	TL_MARGIN_ISOLATED,
	TL_MARGIN_CROSSED,
} tl_margin_type_t;

/* "ISOLATED", "CROSSED" (the venue's spelling), "" for UNSET. */
const char *tl_margin_type_name(int t);

/* "leave", "cancel", "flatten" (the config's spelling), "?" otherwise. */
const char *tl_config_on_stop_name(tl_on_stop_t m);

typedef struct tl_config {
	char path[TL_PATH_MAX];    /* file it came from */
	/* engine */
	char name[32];             /* engine.name: [A-Za-z0-9_-]{1,31} */
	tl_agent_cfg_t engine;     /* engine.cpu / idle / idle_us */
	tl_agent_cfg_t io;         /* io.cpu / idle / idle_us */
	uint32_t snapshot_hz;      /* engine.snapshot_hz: 1..1000, default 10 */
	tl_threading_t threading;  /* engine.threading, default dedicated */
	tl_on_stop_t on_stop;      /* engine.on_stop, default leave */
	uint32_t stop_timeout_ms;  /* engine.stop_timeout_ms: how long cancel and
				    * flatten wait, 100..600000, default 10000 */
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
	/* symbols.margin_type: "ISOLATED" or "CROSSED" for every symbol, or
	 * {"<S>": ...} per symbol; set at start like leverage (the venue's
	 * own setting is left alone where none is given). */
	uint8_t margin_type[TL_CFG_SYMBOLS_MAX]; /* tl_margin_type_t */
	/* The config text itself holds a credential (a driver's check says
	 * so), and the file's mode bits when it did (tl_config_load):
	 * tl_config_warn_secret warns when others can read it. */
	bool secret_inline;
	uint32_t secret_file_mode;
	/* venue */
	char venue_type[16];       /* venue.type: a driver's name (io/venue.c) */
	/* journal */
	char journal_path[TL_PATH_MAX]; /* journal.path, "" = no journal */
	int journal_strict;        /* journal.mode: 0 "async" (default), 1 "strict" */
	int journal_sync_full;     /* journal.sync: 0 "normal" (default), 1 "full" */
	/* log */
	int log_level;             /* log.level: 0 error 1 warn 2 info 3 debug */
	int log_format;            /* log.format: TL_LOG_TEXT "text" (default), TL_LOG_JSON "json" */
	char log_file[TL_PATH_MAX];/* log.file: lines appended there, "" = stderr (default) */
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
	/* monitor: `talon monitor`, the read-only HTTP view of the engine
	 * (docs/operations.md "Monitor"). The token is a secret: no error
	 * or log line quotes it, tl_config_wipe_secrets wipes it. */
	struct {
		char listen[TL_CFG_LISTEN_MAX]; /* "HOST:PORT", default "127.0.0.1:9464" */
		char token[TL_CFG_TOKEN_MAX + 1]; /* "" = none (TALON_MONITOR_TOKEN may set it) */
	} monitor;
	/* engine.allow_core_dumps, default false: the process holds the API
	 * secret's key schedule, so `talon run` makes itself non-dumpable (no
	 * core file, no ptrace attach, /proc/PID/mem closed to other
	 * processes of the same user) unless this is true. */
	bool allow_core_dumps;
	/* venue.<venue_type>: the driver's own config struct, written by its
	 * parser and read through its accessor (io/<driver>/config.h). */
	_Alignas(8) unsigned char venue[TL_VENUE_CFG_MAX];
} tl_config_t;

/*
 * The venue area as its driver's struct (io/<driver>/config.h wraps this
 * in a typed accessor). The empty asm hides where the pointer came from,
 * so the compiler bounds a field of the driver's struct by the field's
 * own size rather than by what is left of the area: without it
 * -Wformat-truncation (at -O1, the sanitizer builds) takes a host name
 * field for a 36 KiB string.
 */
static inline void *tl_config_venue_area(const tl_config_t *c)
{
	void *p = (void *)c->venue;

	__asm__("" : "+r"(p));
	return p;
}

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

/* Fill cfg with defaults: the registry's default venue (io/venue.c, the
 * first driver) at its own defaults, engine.name the same as that
 * venue's name (a valid config except for the exchange_info path). */
void tl_config_defaults(tl_config_t *cfg);

/* Parse `len` bytes of JSON text; relative paths inside are resolved
 * against `base_dir` (NULL = as given). Returns 0 or -1 with a message. */
int tl_config_parse(tl_config_t *cfg, const char *json, size_t len,
		    const char *base_dir, char *err, size_t errlen);

/* Read and parse a file (at most 1 MiB). */
int tl_config_load(tl_config_t *cfg, const char *path, char *err, size_t errlen);

/* A warning on the log when the loaded file holds a credential and is
 * readable by its group or everyone (talon run and talon check say it;
 * nothing when the secret came from a file of its own or the
 * environment). */
void tl_config_warn_secret(const tl_config_t *cfg);

/* Zero every copy of a secret the struct holds (the venue driver's
 * credentials: its cfg_wipe hook) with explicit_bzero. Call once the venue
 * adapter's signer has its key schedule; nothing reads the secret from a
 * config after that. */
void tl_config_wipe_secrets(tl_config_t *cfg);

/* Load the symbol table the config names (exchange_info + only), then
 * apply per-symbol leverage via tl_kernel_set_leverage later. */
int tl_config_symbols(const tl_config_t *cfg, tl_symbols_t *syms, char *err,
		      size_t errlen);

#endif /* TL_CONFIG_H */
