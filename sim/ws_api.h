/*
 * ws_api.h - Binance USD-M's WebSocket API (ws-fapi) on the venue's
 * WebSocket port, path /ws-fapi/v1 (Binance USD-M API docs, WebSocket
 * API General Info; protocol reference section 7).
 *
 * One JSON request per text frame, {"id","method","params"}; one answer
 * per request, {"id","status","result"|"error","rateLimits"}. Every
 * method but session.* maps to a REST route and runs through the REST
 * pipeline (rest.c, tl_sim_rest_exec): the same weights, order
 * counters, signature, timestamp and fault knobs, the same handlers.
 * Per-request security is apiKey + timestamp + signature in params,
 * signed over the params except signature, sorted by name, joined as
 * name=value&... (values percent-encoded as the official connector
 * does; unencoded is accepted too): hex HMAC-SHA256 with an HMAC key,
 * base64 Ed25519 with an Ed25519 key. session.logon (Ed25519 keys only)
 * authenticates the connection: later requests omit apiKey and
 * signature.
 *
 * The server pings every ws.api_ping_ms, closes a connection whose pong
 * has not come ws.api_pong_timeout_ms after a ping, and closes every
 * connection after ws.api_lifetime_ms. A request frame above
 * ws.api_max_frame bytes closes the connection (1009).
 */
#ifndef TL_SIM_WS_API_H
#define TL_SIM_WS_API_H

#include <stdbool.h>
#include <stdint.h>

#include "sim/params.h"
#include "sim/server_int.h"

#define TL_SIM_WS_API_PATH "/ws-fapi/v1"

/* Accept the upgrade of a /ws-fapi/v1 request (query: its parameters,
 * accept: the Sec-WebSocket-Accept value) at venue time now. False when
 * the connection closed. */
bool tl_sim_ws_api_open(tl_sim_server_t *s, conn_t *c,
			const tl_sim_params_t *query, const char *accept,
			int64_t now);

/* Handle the client frames in c->rbuf. False when the connection closed
 * (a reset fault, a protocol error). */
bool tl_sim_ws_api_input(tl_sim_server_t *s, conn_t *c, int64_t now);

/* Timers of one API connection: pings, pong deadline, lifetime, answers
 * held by a delay fault. mono: monotonic ms. */
void tl_sim_ws_api_tick(tl_sim_server_t *s, conn_t *c, int64_t now,
			int64_t mono);

#endif /* TL_SIM_WS_API_H */
