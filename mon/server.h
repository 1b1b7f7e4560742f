/*
 * server.h - `talon monitor`: a read-only HTTP view of a running engine
 * (docs/operations.md "Monitor"), on libwebsockets, one thread.
 *
 *   GET /              the dashboard page (mon/web/index.html, embedded)
 *   GET /api/status    what `talon ctl status --json` prints
 *   GET /api/orders    what `talon ctl orders --json` prints
 *                      (?symbol=S&strategy=TAG narrow it as ctl's flags do)
 *   GET /api/events    the journal's events (?since=ID&limit=N)
 *   GET /metrics       Prometheus text (mon/metrics.h)
 *
 * Nothing here can change the engine: the shm block is mapped read-only
 * (tl_shm_attach_ro), the journal opened SQLITE_OPEN_READONLY, and only
 * GET and HEAD are served (405 otherwise). The engine may start, stop or
 * restart while the monitor runs: each request attaches afresh when the
 * block is missing or its engine looks dead (503 with a JSON error while
 * there is none).
 *
 * Access: a listen address off the loopback needs a token, and with a
 * token every request needs "Authorization: Bearer <token>" (401
 * otherwise; compared in constant time). Without a token the Host header
 * must name the loopback, so a web page from elsewhere cannot read the
 * engine through DNS rebinding. The token is never logged or echoed.
 */
#ifndef TL_MON_SERVER_H
#define TL_MON_SERVER_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

#include "runtime/config.h"
#include "runtime/shm.h"

typedef struct tl_mon_cfg {
	char engine[TL_SHM_NAMELEN];        /* engine.name of the config */
	char journal[TL_PATH_MAX];          /* journal.path, "" = none */
	char listen[TL_CFG_LISTEN_MAX];     /* "IPv4:PORT" or "localhost:PORT" */
	char token[TL_CFG_TOKEN_MAX + 1];   /* "" = no token */
} tl_mon_cfg_t;

typedef struct tl_mon tl_mon_t;

/*
 * Parse "HOST:PORT": HOST an IPv4 address or "localhost" (127.0.0.1),
 * PORT 0..65535 (0: the system picks one). ip gets the dotted address
 * (>= 16 bytes), *loopback whether it is in 127.0.0.0/8. 0, or -1 with a
 * message.
 */
int tl_mon_parse_listen(const char *s, char *ip, size_t iplen, int *port,
			bool *loopback, char *err, size_t errlen);

/*
 * Check the access rule (a non-loopback address needs a token), bind
 * the listen address and set up. Returns 0 with *out, or -1 with a
 * message (never quoting the token).
 */
int tl_mon_start(tl_mon_t **out, const tl_mon_cfg_t *cfg, char *err, size_t errlen);

/* The bound address: ip and port (the real port when 0 was asked). */
const char *tl_mon_ip(const tl_mon_t *m);
int tl_mon_port(const tl_mon_t *m);

/* Serve until *stop becomes non-zero (a signal handler sets it; the
 * loop looks at it at least every 200 ms). */
void tl_mon_run(tl_mon_t *m, const volatile sig_atomic_t *stop);

/* Close the listener and every connection, detach, free. */
void tl_mon_free(tl_mon_t *m);

#endif /* TL_MON_SERVER_H */
