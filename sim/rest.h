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
	char headers[256];        /* extra header lines, each ending CRLF */
	const char *body;
	size_t body_len;
	int delay_ms;             /* fault: hold the answer this long */
} tl_sim_resp_t;

/* One request being handled (passed to every endpoint handler). */
typedef struct tl_sim_call {
	tl_sim_rest_t *r;
	tl_sim_venue_t *v;
	const tl_sim_params_t *p;
	const tl_sim_http_req_t *req;
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

/* Reason phrase for a status code. */
const char *tl_sim_rest_reason(int status);

#endif /* TL_SIM_REST_H */
