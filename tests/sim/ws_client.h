/*
 * ws_client.h - tiny blocking WebSocket client for the stream tests:
 * plain TCP to 127.0.0.1, the RFC 6455 example key, masked client
 * frames, unfragmented server frames. Test-only; included as
 * tests/sim/ws_client.c by the test files that need it.
 */
#ifndef TL_TEST_WS_CLIENT_H
#define TL_TEST_WS_CLIENT_H

#include <stddef.h>

typedef struct wsc {
	int fd;
	char buf[1 << 16];   /* bytes received, not yet parsed */
	size_t n;
	char msg[1 << 16];   /* payload of the last frame, NUL-terminated */
	int op;              /* opcode of the last frame */
} wsc_t;

/* Connect and upgrade `target` (e.g. "/ws/<key>"). 0 or -1. */
int wsc_open(wsc_t *w, int port, const char *target);
/* Next server frame into w->msg within timeout_ms; its length, or -1
 * on timeout, close of the socket or a protocol error. */
int wsc_next(wsc_t *w, int timeout_ms);
/* Next text frame (skipping pings and pongs) within timeout_ms; "" when
 * none came (timeout or closed; w->op tells a close frame). */
const char *wsc_text(wsc_t *w, int timeout_ms);
/* Send one masked frame. */
void wsc_send(wsc_t *w, int op, const char *payload);
void wsc_close(wsc_t *w);

#endif
