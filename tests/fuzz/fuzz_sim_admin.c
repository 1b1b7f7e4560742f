/*
 * fuzz_sim_admin.c - libFuzzer target: the simulator's admin parameters
 * (sim/rest_admin.c: POST /sim/faults, /sim/mark, /sim/move), through
 * the REST dispatcher with a real venue (sim/rest.c, default config).
 *
 * Input: byte 0 picks the endpoint (faults, mark, move, GET faults) and
 * whether the parameters travel as query or form body; the rest is the
 * parameter text. Each input starts from the configured state.
 * Properties (abort on failure):
 *   - the answer is 200 or a 4xx with a JSON error body, never longer
 *     than the response buffer;
 *   - a refused request leaves the state unchanged: the fault knobs, the
 *     per-endpoint rules, the one-shot stream actions and every market
 *     (mark, book, frozen) are byte-for-byte what they were;
 *   - an accepted /sim/faults leaves every rule well-formed (ppm within
 *     0..1e6, a path) and at most TL_SIM_MAX_EP_FAULTS of them.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/config.h"
#include "sim/http.h"
#include "sim/rest.h"
#include "sim/venue.h"

static tl_sim_config_t cfg;
static tl_sim_venue_t venue;
static tl_sim_rest_t rest;
static bool ready;
static const int64_t T0 = 1767225600000; /* 2026-01-01, ms */

static void check(bool ok)
{
	if (!ok)
		abort();
}

static void setup(void)
{
	tl_sim_config_defaults(&cfg);
	/* Small tables: the venue is reset for every input. */
	cfg.max_orders_total = 64;
	cfg.max_trades_total = 64;
	check(tl_sim_venue_init(&venue, &cfg, T0) == 0);
	check(tl_sim_rest_init(&rest, &venue) == 0);
	ready = true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const paths[] = { "/sim/faults", "/sim/mark",
					     "/sim/move", "/sim/faults" };
	static tl_sim_market_t before[TL_SIM_MAX_SYMBOLS];
	static tl_sim_faults_t fbefore;
	tl_sim_http_req_t req;
	tl_sim_resp_t resp;
	int which;

	if (size < 1)
		return 0;
	if (!ready)
		setup();
	tl_sim_venue_reset(&venue, T0);
	rest.faults = cfg.faults;
	rest.stream_disconnect = false;
	rest.lkey_expired = 0;

	which = data[0] & 3;
	memset(&req, 0, sizeof req);
	req.method = which == 3 ? TL_SIM_HTTP_GET : TL_SIM_HTTP_POST;
	req.path = paths[which];
	req.path_len = strlen(req.path);
	req.keep_alive = true;
	if (data[0] & 4) {
		req.body = (const char *)data + 1;
		req.body_len = size - 1;
		req.query = "";
	} else {
		req.query = (const char *)data + 1;
		req.query_len = size - 1;
		req.body = "";
	}
	req.total = size;

	memcpy(before, venue.mkt, sizeof before);
	fbefore = rest.faults;
	memset(&resp, 0, sizeof resp);
	tl_sim_rest_handle(&rest, &req, T0 + 1000, &resp);

	check(resp.action == TL_SIM_RESP_SEND);
	check(resp.status == 200 || (resp.status >= 400 && resp.status < 500));
	check(resp.body && resp.body_len <= TL_SIM_REST_BODY_CAP);
	if (resp.status != 200) {
		check(resp.body_len > 0 && resp.body[0] == '{');
		check(memcmp(&fbefore, &rest.faults, sizeof fbefore) == 0);
		check(!rest.stream_disconnect && rest.lkey_expired == 0);
		check(memcmp(before, venue.mkt, sizeof before) == 0);
	} else if (which == 0 || which == 3) {
		check(rest.faults.n_ep >= 0 && rest.faults.n_ep <= TL_SIM_MAX_EP_FAULTS);
		for (int i = 0; i < rest.faults.n_ep; i++) {
			const tl_sim_ep_fault_t *e = &rest.faults.ep[i];
			check(e->ppm > 0 && e->ppm <= 1000000);
			check(e->path[0] == '/' && memchr(e->path, 0, sizeof e->path));
		}
	}
	return 0;
}
