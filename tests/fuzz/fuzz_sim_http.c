/*
 * fuzz_sim_http.c - libFuzzer target: the simulator's HTTP/1.1 request
 * parser (sim/http.c, tl_sim_http_parse), fed a connection's read buffer.
 *
 * Input: the bytes a client sent. Parsed as the server does (one request
 * after another from the front, pipelined). Properties (abort on
 * failure):
 *   - the result is a size in 1..len or one of the documented codes;
 *   - a request's path, query, body, API key and WebSocket key lie
 *     inside the buffer; the path starts with '/'; the body is within
 *     TL_SIM_HTTP_MAX_BODY and ends where the request does;
 *   - a complete request is self-delimiting: parsing exactly its bytes
 *     gives the same request, and any shorter prefix is PARTIAL (never
 *     a different request, so a slow client cannot change what a request
 *     means by how it splits it) - or, for a prefix still holding a
 *     complete head, PARTIAL while the body is short;
 *   - a buffer without a complete head is PARTIAL below
 *     TL_SIM_HTTP_MAX_HEAD bytes and TOO_BIG from there on.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sim/http.h"

static void check(bool ok)
{
	if (!ok)
		abort();
}

static bool inside(const char *p, size_t n, const char *buf, size_t len)
{
	return n == 0 || (p && p >= buf && p + n <= buf + len);
}

static bool same(const tl_sim_http_req_t *a, const tl_sim_http_req_t *b)
{
	return a->method == b->method && a->path == b->path &&
	       a->path_len == b->path_len && a->query_len == b->query_len &&
	       a->body == b->body && a->body_len == b->body_len &&
	       a->api_key == b->api_key && a->api_key_len == b->api_key_len &&
	       a->keep_alive == b->keep_alive && a->upgrade == b->upgrade &&
	       a->ws_key == b->ws_key && a->ws_key_len == b->ws_key_len &&
	       a->total == b->total;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	size_t at = 0;

	for (int n = 0; n < 16 && at < size; n++) {
		const char *b = buf + at;
		size_t len = size - at;
		tl_sim_http_req_t r, r2;
		int rc = tl_sim_http_parse(b, len, &r);

		check(rc > 0 || rc == TL_SIM_HTTP_PARTIAL || rc == TL_SIM_HTTP_BAD ||
		      rc == TL_SIM_HTTP_TOO_BIG || rc == TL_SIM_HTTP_CHUNKED);
		if (rc == TL_SIM_HTTP_PARTIAL)
			check(len < TL_SIM_HTTP_MAX_HEAD + TL_SIM_HTTP_MAX_BODY);
		if (rc <= 0)
			return 0;
		check((size_t)rc <= len && r.total == (size_t)rc);
		check(r.path_len >= 1 && r.path[0] == '/');
		check(inside(r.path, r.path_len, b, len));
		check(inside(r.query, r.query_len, b, len));
		check(inside(r.body, r.body_len, b, len));
		check(inside(r.api_key, r.api_key_len, b, len));
		check(inside(r.ws_key, r.ws_key_len, b, len));
		check(r.body_len <= TL_SIM_HTTP_MAX_BODY);
		check(r.body + r.body_len == b + r.total);
		check(r.method >= TL_SIM_HTTP_OTHER && r.method <= TL_SIM_HTTP_DELETE);

		/* Exactly its bytes: the same request. */
		check(tl_sim_http_parse(b, (size_t)rc, &r2) == rc && same(&r, &r2));
		/* One byte short: incomplete. */
		check(tl_sim_http_parse(b, (size_t)rc - 1, &r2) ==
		      TL_SIM_HTTP_PARTIAL);
		at += (size_t)rc;
	}
	return 0;
}
