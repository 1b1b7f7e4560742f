/*
 * server.h - the simulator's network loop: one thread, epoll, many
 * keep-alive HTTP/1.1 connections (plain or TLS via wolfSSL) on
 * loopback, feeding requests to the REST layer, serving the WebSocket
 * streams (stream.c) and ticking the market.
 *
 * The thread that calls tl_sim_server_run owns everything; only
 * tl_sim_server_stop may be called from another thread. Listeners bind
 * to cfg->rest_host, which must be a loopback address; port 0 picks an
 * ephemeral port (read it back with tl_sim_server_port).
 */
#ifndef TL_SIM_SERVER_H
#define TL_SIM_SERVER_H

#include <stddef.h>

#include "sim/config.h"
#include "sim/venue.h"

typedef struct tl_sim_server tl_sim_server_t;

enum tl_sim_port {
	TL_SIM_PORT_REST = 0,  /* rest.port: HTTPS if rest.tls, else HTTP */
	TL_SIM_PORT_PLAIN,     /* rest.plain_port: HTTP, 0 if disabled */
	TL_SIM_PORT_WS,        /* ws.port: WebSocket streams (WSS if ws.tls) */
};

/* Create the venue and bind the listeners. cfg must outlive the server.
 * Returns NULL with a message in err on failure (bad host, port in use,
 * TLS files missing). Ignores SIGPIPE for the process. */
tl_sim_server_t *tl_sim_server_new(const tl_sim_config_t *cfg, char *err,
				   size_t errcap);

/* Bound port of a listener (0 when not listening). */
int tl_sim_server_port(const tl_sim_server_t *s, int which);


/* Serve until tl_sim_server_stop. Returns 0, or -1 on a fatal error. */
int tl_sim_server_run(tl_sim_server_t *s);

/* Ask the loop to return (async-signal-safe and thread-safe). */
void tl_sim_server_stop(tl_sim_server_t *s);

/* Busy-poll (epoll_wait with no timeout, a pause between empty looks)
 * instead of blocking: the loop then answers without a wake-up, as the
 * echo thread of the spin floors does (talon bench's shared + spin
 * lines). Any thread, any time. */
void tl_sim_server_busy_poll(tl_sim_server_t *s, bool on);

/* Close everything. The loop must not be running. */
void tl_sim_server_free(tl_sim_server_t *s);

#endif /* TL_SIM_SERVER_H */
