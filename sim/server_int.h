/*
 * server_int.h - internals shared by server.c (the loop, HTTP),
 * stream.c (WebSocket streams) and ws_api.c (the WebSocket API on the
 * same port): connection and server structs. Not a public header: only
 * those files include it.
 */
#ifndef TL_SIM_SERVER_INT_H
#define TL_SIM_SERVER_INT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <wolfssl/options.h>
#include <wolfssl/ssl.h>

#include "sim/http.h"
#include "sim/rest.h"
#include "sim/server.h"

#define TAG_REST 1
#define TAG_PLAIN 2
#define TAG_WAKE 3
#define TAG_WS 4
#define RBUF_CAP (TL_SIM_HTTP_MAX_HEAD + TL_SIM_HTTP_MAX_BODY + 4096)
#define WBUF_MAX (16u << 20)
/* Words of a per-symbol subscription bit set. */
#define SYM_WORDS ((TL_SIM_MAX_SYMBOLS + 63) / 64)

typedef struct conn {
	int fd;                 /* -1 when the slot is free */
	WOLFSSL *ssl;           /* NULL for plain HTTP */
	bool tls_ready;         /* handshake finished */
	bool out_armed;         /* EPOLLOUT registered */
	bool close_after;       /* close once the output is flushed */
	char *rbuf;
	size_t rlen;
	char *wbuf;
	size_t wlen, woff, wcap;
	int64_t hold_until;     /* monotonic ms; 0 = not held */
	/* REST timeouts (tl_sim_config_t header/body/idle_timeout_ms),
	 * monotonic ms: */
	int64_t last_active;    /* accepted, or bytes last moved either way */
	int64_t req_start;      /* first byte of the pending request, 0 none */
	int64_t head_done;      /* its head complete (body pending), 0 not yet */
	int kind;               /* enum conn_kind */
	/* streams (kind == CONN_WS) */
	int acct;               /* user data stream account, -1 = none */
	char lkey[72];          /* its listenKey */
	bool combined;          /* wrap as {"stream":..,"data":..} */
	uint64_t mark_set[SYM_WORDS];   /* symbols with @markPrice */
	uint64_t mark1s_set[SYM_WORDS]; /* ... of which @1s */
	uint64_t book_set[SYM_WORDS];   /* symbols with @bookTicker */
	int n_mark, n_mark1s, n_book;   /* bits set in each */
	bool arr_mark, arr_mark1s;      /* !markPrice@arr, !markPrice@arr@1s */
	int64_t next_mark, next_mark1s, next_ping, expires; /* monotonic ms */
	/* [2 * TL_SIM_MAX_SYMBOLS]: bid, ask last sent per @bookTicker
	 * symbol; allocated at the first such subscription (16 KiB with
	 * 1024 symbols, times max_connections if it were inline) */
	tl_fx_t *last_book;
	/* stream fault state (stream.c); freed by tl_sim_srv_close */
	char *sq;               /* delayed frames, FIFO of records
				 * {int64_t due; uint32_t len; bytes} */
	size_t sq_len, sq_off, sq_cap;
	int64_t sq_last_due;    /* due of the newest record: order is kept */
	char *held;             /* one frame held back by a reorder fault */
	size_t held_len, held_cap;
	int64_t held_since;     /* monotonic ms */
	/* WebSocket API (/ws-fapi/v1, ws_api.c); a fault delay queues
	 * answers in sq above, in order */
	bool api;               /* this is a WebSocket API connection */
	bool api_rl;            /* answers carry rateLimits */
	int api_acct;           /* account of the logged-on session, -1 none */
	char api_key[TL_SIM_KEY_LEN]; /* its (Ed25519) API key */
	int64_t api_since;      /* venue ms: logon (authorizedSince) */
	int64_t api_connected;  /* venue ms: handshake (connectedSince) */
	int64_t api_pong_due;   /* monotonic ms: close unless a pong came
				 * by then; 0 = no ping unanswered */
} conn_t;

enum conn_kind { CONN_HTTP = 0, CONN_WS_HANDSHAKE, CONN_WS };

struct tl_sim_server {
	const tl_sim_config_t *cfg;
	tl_sim_venue_t venue;
	tl_sim_rest_t rest;
	int ep, lfd[3], port[3], wake;
	WOLFSSL_CTX *tls;
	conn_t *conns;
	int nconns;
	atomic_bool stop;
	atomic_bool busy_poll;  /* tl_sim_server_busy_poll */
	int nws;                /* open stream connections */
	int64_t book_update_id; /* bookTicker `u` */
	char *scratch;          /* event JSON */
	char *frame;            /* one complete frame (faulted streams) */
	int64_t next_disconnect; /* stream_disconnect_every_ms timer, 0 = off */
	int64_t disconnect_every; /* period the timer was armed with */
};

/* Room for one !markPrice@arr message: TL_SIM_MAX_SYMBOLS elements of
 * ~250 bytes (256 KiB), twice over. */
#define SCRATCH_CAP (512u << 10)
#define FRAME_CAP (SCRATCH_CAP + 256)

/* server.c */
int64_t tl_sim_srv_mono_ms(void);
bool tl_sim_srv_append(conn_t *c, const char *b, size_t n);
bool tl_sim_srv_flush(tl_sim_server_t *s, conn_t *c);
void tl_sim_srv_close(tl_sim_server_t *s, conn_t *c);

bool tl_sim_srv_flush_now(conn_t *c);

/* stream.c */
/* Handle the upgrade request of a stream connection. False if closed. */
bool tl_sim_stream_handshake(tl_sim_server_t *s, conn_t *c,
			     const tl_sim_http_req_t *req, int64_t now);
/* Consume client frames from c->rbuf. False if the connection closed. */
bool tl_sim_stream_input(tl_sim_server_t *s, conn_t *c, int64_t now);
/* The venue's event sink (ctx = server). */
void tl_sim_stream_sink(void *ctx, const tl_sim_event_t *ev);
/* Timers: mark price pushes, bookTicker changes, pings, lifetime,
 * listenKey expiry, stream faults (delayed and held frames, forced
 * disconnects and expiries). `now` is venue time (event timestamps);
 * timers run on the monotonic clock. Flushes stream output. */
void tl_sim_stream_tick(tl_sim_server_t *s, int64_t now);
/* Milliseconds until the next stream timer is due (at most cap). */
int tl_sim_stream_next_ms(tl_sim_server_t *s, int cap);
/* Free a stream connection's fault buffers (from tl_sim_srv_close). */
void tl_sim_stream_free(conn_t *c);

#endif /* TL_SIM_SERVER_INT_H */
