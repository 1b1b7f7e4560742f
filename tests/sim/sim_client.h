/*
 * sim_client.h - tiny blocking HTTP/1.1 client for the simulator tests:
 * keep-alive connection, optional TLS (wolfSSL, trusting a CA file),
 * Binance request signing. Test-only; not part of libtalon.
 */
#ifndef TL_TEST_SIM_CLIENT_H
#define TL_TEST_SIM_CLIENT_H

#include <stdbool.h>
#include <stddef.h>

#include "sim/config.h"
#include "sim/server.h"

typedef struct simc {
	int fd;
	void *ssl;            /* WOLFSSL * when TLS */
	void *ctx;            /* WOLFSSL_CTX * */
	int status;           /* last response status */
	char headers[2048];   /* last response head */
	char body[1 << 20];   /* last response body, NUL-terminated */
	size_t body_len;
	const char *key, *secret;
	long long ts_offset;  /* added to the timestamp we sign */
} simc_t;

/* Start a server for cfg in a background thread; returns it. */
tl_sim_server_t *simc_server_start(const tl_sim_config_t *cfg);
void simc_server_stop(tl_sim_server_t *s);

/* Connect to 127.0.0.1:port (ca != NULL: TLS trusting that CA). */
int simc_connect(simc_t *c, int port, const char *ca);
void simc_close(simc_t *c);

/* Raw request; returns status or -1 on connection error/closed. */
int simc_raw(simc_t *c, const char *method, const char *path,
	     const char *query, const char *body, const char *apikey);
/* Signed request: appends timestamp (now + ts_offset) and signature to
 * the query (or to the body when in_body). */
int simc_signed(simc_t *c, const char *method, const char *path,
		const char *params, bool in_body);
/* Value of a response header (case-insensitive) into out, or NULL. */
const char *simc_header(simc_t *c, const char *name, char *out, size_t cap);
/* Read one response only (pipelining tests). */
int simc_read_response(simc_t *c);
int simc_send_all(simc_t *c, const char *buf, size_t n);

#endif
