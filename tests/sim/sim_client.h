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

/* The set-up every REST test starts from, in one place so the tests agree
 * on it: start a server for cfg and connect c (plain HTTP) to its REST
 * port, signing as cfg's first account with no clock offset. Fails the
 * test (fatally) when either step fails. */
tl_sim_server_t *simc_start_rest(const tl_sim_config_t *cfg, simc_t *c);
/* Undoes simc_start_rest: closes c, stops *s and clears it. */
void simc_stop_rest(tl_sim_server_t **s, simc_t *c);
/* Does the last response body hold needle? Prints the body when not, so
 * a failing assertion shows what came instead. */
bool simc_body_has(const simc_t *c, const char *needle);
/* POST /fapi/v1/listenKey as c's key; the 64-character key into out
 * (NUL-terminated). Fails the test (fatally) on any other answer. */
void simc_listen_key(simc_t *c, char out[static 65]);

#endif
