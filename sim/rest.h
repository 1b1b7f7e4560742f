/*
 * rest.h - the REST API of the simulated venue: routing, security
 * (API key, signature, timestamp), rate limits, fault injection, and the
 * endpoint handlers, independent of the transport.
 *
 * tl_sim_rest_handle turns one parsed HTTP request into one response
 * (status, extra headers, JSON body) or a fault action. The body lives
 * in the rest context and is valid until the next call. Single-threaded:
 * the server loop owns the context and the venue.
 */
#ifndef TL_SIM_REST_H
#define TL_SIM_REST_H

#include <stdbool.h>
#include <stdint.h>

#include "sim/config.h"
#include "sim/http.h"
#include "sim/json_out.h"
#include "sim/params.h"
#include "sim/ratelimit.h"
#include "sim/venue.h"

#define TL_SIM_REST_BODY_CAP (2u << 20)

typedef struct tl_sim_rest {
	tl_sim_venue_t *v;
	const tl_sim_config_t *cfg;
	tl_sim_rl_t rl;
	tl_sim_faults_t faults;   /* live copy, changed by /sim/faults */
	uint64_t fault_rng;       /* seeded, separate from the market's */
	uint64_t stream_rng;      /* stream fault draws (stream.c), seeded */
	/* One-shot stream actions asked for through /sim/faults; the
	 * server loop's stream tick carries them out and clears them. */
	bool stream_disconnect;   /* close every stream connection now */
	uint32_t lkey_expired;    /* accounts (bits) whose listenKey the
				   * admin expired: listenKeyExpired, close */
	/* ws_api_down_ms=N: every WebSocket API connection is dropped and
	 * upgrades to /ws-fapi/v1 are refused (503) for N ms (an outage of
	 * the API alone; the stream tick starts it) */
	int64_t ws_api_down_ms;
	int64_t ws_api_down_until; /* monotonic ms */
	char *body;               /* response body buffer */
	tl_sim_params_t params;
	tl_sim_params_t bparams;  /* one batchOrders element */
	uint64_t nreq;            /* requests handled */
} tl_sim_rest_t;

enum tl_sim_resp_action {
	TL_SIM_RESP_SEND = 0,     /* send the response */
	TL_SIM_RESP_RESET         /* fault: close the connection, no answer */
};

typedef struct tl_sim_resp {
	int action;               /* enum tl_sim_resp_action */
	int status;               /* HTTP status */
	char headers[256];        /* extra header lines, each ending CRLF
				   * (REST only) */
	const char *body;         /* handler's JSON, or {"code","msg"} */
	size_t body_len;
	bool error;               /* body is an error object */
	int delay_ms;             /* fault: hold the answer this long */
	/* rate limits as they stand after this request (the headers of a
	 * REST answer, the rateLimits of a WebSocket API one) */
	int weight_used;          /* REQUEST_WEIGHT this minute */
	bool orders;              /* an order endpoint of a known account: */
	int orders_10s, orders_1m; /* ... its ORDERS counts */
	int retry_after;          /* seconds, with a 429 / 418 */
} tl_sim_resp_t;

/* A row of the route table (rest.c): METHOD path, security, weights. */
typedef struct tl_sim_route tl_sim_route_t;

/* Security of a request, whichever transport carried it. */
typedef struct tl_sim_cred {
	const char *api_key;      /* key sent with the request, NULL none */
	size_t api_key_len;
	int session_acct;         /* account a WebSocket API session logged
				   * on as, -1 none: stands in for a request
				   * sent without apiKey */
	/* Check the request's signature for account `acct` (`ed25519`: it
	 * came with the account's Ed25519 key, else its HMAC key). 0, or
	 * -1102 (no signature) / -1022 with e filled. */
	int (*verify)(const void *ctx, const tl_sim_config_t *cfg, int acct,
		      bool ed25519, tl_sim_err_t *e);
	const void *ctx;
	const tl_sim_http_req_t *req; /* the HTTP request (tl_sim_call_t.req),
				       * NULL over the WebSocket API */
} tl_sim_cred_t;

/* One request being handled (passed to every endpoint handler). */
typedef struct tl_sim_call {
	tl_sim_rest_t *r;
	tl_sim_venue_t *v;
	const tl_sim_params_t *p;
	const tl_sim_http_req_t *req; /* NULL over the WebSocket API */
	int acct;                 /* authenticated account, -1 if none */
	int64_t now;              /* venue time in ms (with clock offset) */
	tl_sim_jw_t w;            /* writes the 200 body */
	tl_sim_err_t e;           /* filled when a handler returns non-zero */
	int status;               /* 200 unless a handler changes it */
} tl_sim_call_t;

/* Set up a context for venue v. Returns 0 or -1 (out of memory). */
int tl_sim_rest_init(tl_sim_rest_t *r, tl_sim_venue_t *v);
void tl_sim_rest_free(tl_sim_rest_t *r);
/* Re-seed the REST and stream fault generators from cfg->seed (init and
 * /sim/reset), so a run with the same seed draws the same faults. */
void tl_sim_rest_seed_faults(tl_sim_rest_t *r);

/* Handle one request at venue time `now` (clock offset already
 * applied). Fills *out; out->body points into r. */
void tl_sim_rest_handle(tl_sim_rest_t *r, const tl_sim_http_req_t *req,
			int64_t now, tl_sim_resp_t *out);

/* The route for METHOD path[0..len), or NULL (*path_ok: the path exists
 * with another method). */
const tl_sim_route_t *tl_sim_rest_route(int method, const char *path,
					size_t len, bool *path_ok);

/* The pipeline behind both transports, from the IP weight on: route rt,
 * parameters already in r->params (params_rc: their parse result, e its
 * error), credentials cred, venue time now. Fills *out like
 * tl_sim_rest_handle except the REST headers. */
void tl_sim_rest_exec(tl_sim_rest_t *r, const tl_sim_route_t *rt,
		      int params_rc, const tl_sim_err_t *params_e,
		      const tl_sim_cred_t *cred, int64_t now,
		      tl_sim_resp_t *out);

/* Account of an API key: its HMAC key (*ed25519 false) or its Ed25519
 * key (*ed25519 true); -1 when no account has it. */
int tl_sim_rest_key_account(const tl_sim_config_t *cfg, const char *key,
			    size_t len, bool *ed25519);

/* Count `w` request weight outside the route table (WebSocket API
 * session methods): 0, or -1003 with e and *retry_after. */
int tl_sim_rest_weight(tl_sim_rest_t *r, int64_t now, int w,
		       int *retry_after, tl_sim_err_t *e);

/* Reason phrase for a status code. */
const char *tl_sim_rest_reason(int status);

#endif /* TL_SIM_REST_H */
