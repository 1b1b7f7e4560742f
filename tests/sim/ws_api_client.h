/*
 * ws_api_client.h - WebSocket API (ws-fapi) requests for the simulator
 * tests, on top of ws_client: frames of any size up to 64 KiB, requests
 * built from "name=value&..." text, signed per request (HMAC-SHA256 hex
 * or Ed25519 base64 over the parameters sorted by name) or left to the
 * logged-on session. Test-only; included as tests/sim/ws_api_client.c
 * after tests/sim/ws_client.c.
 */
#ifndef TL_TEST_WS_API_CLIENT_H
#define TL_TEST_WS_API_CLIENT_H

#include <stdbool.h>
#include <stddef.h>

#include "tests/sim/ws_client.h"

/* How a request is signed. */
typedef struct wsa_auth {
	const char *key;       /* apiKey sent (NULL: none) */
	const char *secret;    /* HMAC secret (signs when set) */
	const void *ed25519;   /* ed25519_key * (signs when set) */
	bool timestamp;        /* send timestamp (signed requests do) */
	long long ts_offset;   /* added to the timestamp */
	bool encode;           /* sign values percent-encoded (as the
				* official connector does), else as sent */
} wsa_auth_t;

/* Send a frame of n bytes (masked, 126-length form above 125). */
void wsa_send_raw(wsc_t *w, int op, const char *p, size_t n);
/* Build {"id":ID,"method":M,"params":{...}} from kv ("a=1&b=x"; values
 * are JSON strings, timestamp / recvWindow JSON numbers), add apiKey,
 * timestamp, signature as auth says, send it, and return the next text
 * frame within 5 s ("" when none). */
const char *wsa_call(wsc_t *w, int id, const char *method, const char *kv,
		     const wsa_auth_t *auth);
/* The same request text without sending it, into out[cap]. */
int wsa_build(char *out, size_t cap, int id, const char *method,
	      const char *kv, const wsa_auth_t *auth);
/* Integer value of "name":N in a JSON text, -1 when absent. */
long long wsa_int(const char *json, const char *name);

#endif
