/*
 * binance_stream.h - the Binance USD-M WebSocket streams on their own
 * STREAM thread ("tl-stream"): the user data stream (one listenKey) and
 * the mark price stream of the traded symbols, over libwebsockets, plain
 * or TLS (Binance USD-M API docs).
 *
 * Every text frame received is decoded on the STREAM thread, with that
 * thread's own arena (tl_binance_decode_stream; the all-market mark
 * stream tl_binance_decode_marks, io/binance/map.h), and each resulting
 * kernel input is handed to `emit` with hdr.time = the receive time
 * (CLOCK_REALTIME ns). emit runs on the STREAM thread only (one
 * producer: give it venue->emit_stream).
 *
 * Marks: up to TL_BINANCE_STREAM_URL_SYMBOLS symbols, the URL names each one's
 * <symbol>@markPrice@1s (what a small user wants: only its own marks).
 * Past that, it names the all-market stream !markPrice@arr@1s instead:
 * one message a second with every symbol on the venue (~650 on Binance,
 * ~130 KB), bounded by TL_BINANCE_MARKS_MAX elements; marks for symbols
 * not in cfg.symbols are dropped (stats.marks_dropped).
 *
 * Two connections on one libwebsockets context:
 *   user    /private/ws?listenKey=K          (TL_BINANCE_STREAM_PATH_CURRENT)
 *           /ws/K                            (TL_BINANCE_STREAM_PATH_LEGACY)
 *   market  /market/stream?streams=a@markPrice@1s/b@markPrice@1s
 *           /market/stream?streams=!markPrice@arr@1s  (> URL_SYMBOLS)
 *           /stream?streams=...              (legacy)
 * Either is left out when it has nothing to carry (no key / no symbols).
 *
 * The user stream's state, read by the IO thread with tl_binance_stream_user_state():
 *
 *   CONNECTING --established--> UP --closed/error--> DOWN_RESYNC_NEEDED
 *       ^                        |  \                   |  (reconnects with
 *       |                        |   `--listenKeyExpired--> KEY_EXPIRED
 *       |                        |                         (waits for
 *       |                        '<--established-----------'  set_listen_key)
 *
 * Every time the user stream comes UP, tl_binance_stream_user_epoch() increases: the
 * IO thread must resynchronize by REST (open orders, non-terminal orders,
 * positions, balance) after each new epoch before trusting the stream,
 * since anything sent while it was down is lost. Epoch 1 is the first
 * connection.
 *
 * Messages larger than TL_BINANCE_STREAM_MAX_FRAME are refused: the connection
 * is closed (1009) and reopened, which counts as a disconnect (resync).
 *
 * Reconnects back off from backoff_min_ms, doubling to backoff_max_ms;
 * the delay returns to the minimum only after a connection stayed up for
 * TL_BINANCE_STREAM_STABLE_MS, so a server that accepts and drops at once is not
 * hammered (Binance limits connection attempts per IP).
 */
#ifndef TL_BINANCE_STREAM_H
#define TL_BINANCE_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "io/venue.h"

#define TL_BINANCE_STREAM_MAX_FRAME (1u << 20)  /* one message, bytes */
/* Mark-price streams: one market connection. Up to URL_SYMBOLS symbols
 * its URL names each one's <sym>@markPrice@1s (about 24 bytes a name in
 * a 4 KiB path); more take !markPrice@arr@1s, every symbol of the venue
 * in one message a second, filtered here to cfg.symbols. MAX_SYMBOLS is
 * the kernel's TL_SYMBOLS_MAX: the binance adapter passes its whole
 * table. GET /fapi/v1/premiumIndex (the adapter polls it only while no
 * market stream is up, so at start) fills the gap before the stream. */
#define TL_BINANCE_STREAM_URL_SYMBOLS 64
#define TL_BINANCE_STREAM_MAX_SYMBOLS 1024
#define TL_BINANCE_STREAM_KEY_LEN 128           /* listenKey incl. NUL */
#define TL_BINANCE_STREAM_STABLE_MS 5000        /* up this long: backoff resets */

typedef struct tl_binance_stream tl_binance_stream_t;

typedef enum tl_binance_stream_state {
	TL_BINANCE_STREAM_CONNECTING = 0,   /* first connection not up yet */
	TL_BINANCE_STREAM_UP,               /* user stream delivering */
	TL_BINANCE_STREAM_DOWN_RESYNC_NEEDED, /* lost; reconnecting with backoff */
	TL_BINANCE_STREAM_KEY_EXPIRED,      /* listenKeyExpired: waits for a new key */
} tl_binance_stream_state_t;

typedef enum tl_binance_stream_paths {
	TL_BINANCE_STREAM_PATH_CURRENT = 0, /* /private/ws?listenKey=, /market/stream */
	TL_BINANCE_STREAM_PATH_LEGACY,      /* /ws/<key>, /stream?streams= */
} tl_binance_stream_paths_t;

typedef struct tl_binance_stream_cfg {
	const char *host;            /* "fstream.binance.com", "127.0.0.1" */
	int port;                    /* 443, or the simulator's ws.port */
	bool tls;                    /* wss:// */
	const char *ca_file;         /* PEM CA to trust; NULL: system store */
	bool insecure;               /* no certificate/hostname checks (tests) */
	const char *listen_key;      /* NULL or "": no user stream yet */
	const char *const *symbols;  /* mark prices for these ("BTCUSDT") */
	unsigned n_symbols;          /* <= TL_BINANCE_STREAM_MAX_SYMBOLS; more than
				      * URL_SYMBOLS: !markPrice@arr@1s */
	tl_binance_stream_paths_t paths;
	uint32_t backoff_min_ms;     /* first reconnect delay (0: 100) */
	uint32_t backoff_max_ms;     /* doubling stops here (0: 10000) */
	/* Decode TRADE_LITE too. Off by default: it gives a FILL without
	 * commission under the same trade id as ORDER_TRADE_UPDATE's, and
	 * the kernel keeps the first of the two (binance_map.c). Off, such
	 * messages are counted in `skipped` and not decoded. */
	bool trade_lite;
} tl_binance_stream_cfg_t;

/* Counters, each updated by the STREAM thread only (relaxed atomics). */
typedef struct tl_binance_stream_stats {
	uint64_t messages;           /* text messages received, both streams */
	uint64_t inputs;             /* kernel inputs passed to emit */
	uint64_t decode_errors;      /* messages the decoder refused (nothing
				      * of such a message is emitted) */
	uint64_t oversize;           /* messages refused for size */
	uint64_t skipped;            /* TRADE_LITE not decoded (cfg.trade_lite) */
	uint64_t connects;           /* connections established */
	uint64_t reconnects;         /* connection attempts after the first */
	uint64_t connect_errors;     /* attempts that failed before UP */
	uint64_t key_expired;        /* listenKeyExpired received */
	uint64_t marks_dropped;      /* !markPrice@arr elements of symbols
				      * not in cfg.symbols */
} tl_binance_stream_stats_t;

/*
 * Start the STREAM thread and its connections. cfg is copied (strings
 * too). Installs the cJSON hooks (tl_binance_map_init) on the calling
 * thread. Returns NULL with a message in err when the configuration is
 * invalid or libwebsockets cannot create its context (a CA file that
 * cannot be read fails here); connection failures do not fail start:
 * they are retried and reported by tl_binance_stream_last_error().
 */
tl_binance_stream_t *tl_binance_stream_start(const tl_binance_stream_cfg_t *cfg,
			       tl_venue_emit_fn emit, void *ctx,
			       char *err, size_t errlen);

/* Ask the STREAM thread to close its connections, join it and free
 * everything. emit is not called once this returns. NULL is a no-op. */
void tl_binance_stream_stop(tl_binance_stream_t *s);

/* The user stream's state (any thread). */
tl_binance_stream_state_t tl_binance_stream_user_state(const tl_binance_stream_t *s);
const char *tl_binance_stream_state_name(tl_binance_stream_state_t st);

/* How many times the user stream has come UP (any thread). */
uint64_t tl_binance_stream_user_epoch(const tl_binance_stream_t *s);

/* True while the mark price connection is established (any thread). */
bool tl_binance_stream_market_up(const tl_binance_stream_t *s);

/*
 * Hand a new listenKey to the STREAM thread (any thread): the user stream
 * is closed if open and reopened with the key at once (no backoff). This
 * is how KEY_EXPIRED ends. Returns 0, or -EINVAL for an empty or too long
 * key (nothing changes).
 */
int tl_binance_stream_set_listen_key(tl_binance_stream_t *s, const char *key);

/* A snapshot of the counters (any thread). */
void tl_binance_stream_stats(const tl_binance_stream_t *s, tl_binance_stream_stats_t *out);

/* The last connection error ("" when none), e.g. a TLS verification
 * failure, into buf (any thread). Never contains the listenKey. */
void tl_binance_stream_last_error(tl_binance_stream_t *s, char *buf, size_t len);

#endif /* TL_BINANCE_STREAM_H */
