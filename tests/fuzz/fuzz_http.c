/*
 * fuzz_http.c - libFuzzer entry point for the HTTP/1.1 client codec
 * (io/net/http.c). `make fuzz` builds it, scripts/fuzz.sh runs it (seeds in
 * tests/fuzz/corpus/fuzz_http/, dictionary tests/fuzz/dict/; -max_len
 * 80000 would reach the line and head limits too, more slowly), and
 * `make test` replays its corpus (docs/testing.md).
 *
 * Input layout: byte 0 picks the body buffer size, byte 1 seeds the
 * split points, the rest is the byte stream from the server. Each input
 * is parsed as the IO thread would (feed, reset after DONE, eof at the
 * end) twice: in one feed and cut into pieces. The fuzzer aborts when a
 * run breaks tl_http_resp_check, when feed's return value disagrees with
 * the state, or when the two runs disagree on any response. ASan
 * watches the exactly sized body buffer. The same bytes then go through
 * tl_http_write_request as its string arguments, into an exactly sized
 * output buffer.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/net/http.h"
#include "io/binance/limits.h"

#define MAX_RESP 16

typedef struct outcome {
	int state, error, status;
	bool chunked, conn_close, keep_alive;
	int64_t cl, ra, w1m, wmax, c10, c1m;
	size_t body_len, total;
	uint64_t body_hash;
} outcome_t;

/* The venue's X-MBX-* counts are no longer the codec's: the Binance
 * adapter reads them through the header callback (io/binance/limits.h),
 * and so does this test, on every parser it initializes. */
static tl_binance_mbx_t MBX;

static void resp_init(tl_http_resp_t *r, char *body, size_t cap)
{
	tl_http_resp_init(r, body, cap);
	tl_http_resp_on_header(r, tl_binance_mbx_header, &MBX);
}

static tl_http_resp_t R;

static void fuzz_check(bool ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_http: %s\n", what);
		abort();
	}
}

static void fuzz_record(outcome_t *o, const tl_http_resp_t *r)
{
	uint64_t h = 1469598103934665603ULL;

	memset(o, 0, sizeof *o);
	o->state = r->state;
	o->error = r->error;
	o->status = r->status;
	if (r->state == TL_HTTP_ERROR)
		return;
	o->chunked = r->chunked;
	o->conn_close = r->conn_close;
	o->keep_alive = r->keep_alive;
	o->cl = r->content_length;
	o->ra = r->retry_after_ns;
	o->w1m = MBX.used_weight_1m;
	o->wmax = MBX.used_weight_max;
	o->c10 = MBX.order_count_10s;
	o->c1m = MBX.order_count_1m;
	o->body_len = r->body_len;
	o->total = r->total;
	for (size_t i = 0; i < r->body_len; i++)
		h = (h ^ (unsigned char)r->body[i]) * 1099511628211ULL;
	o->body_hash = h;
}

/* Parses d[0..len) cut at cuts[0..ncuts); returns the responses seen. */
static int fuzz_run(const char *d, size_t len, const size_t *cuts, int ncuts,
		    size_t cap, outcome_t *out)
{
	char *body = cap ? malloc(cap) : NULL;
	size_t prev = 0;
	int n = 0;

	resp_init(&R, body, cap);
	for (int c = 0; c <= ncuts && n < MAX_RESP; c++) {
		size_t to = c < ncuts ? cuts[c] : len, at = prev;
		while (at < to && n < MAX_RESP) {
			ssize_t got = tl_http_resp_feed(&R, d + at, to - at);
			fuzz_check(tl_http_resp_check(&R), "invariant after feed");
			if (got < 0) {
				fuzz_check(R.state == TL_HTTP_ERROR, "-1 without ERROR");
				fuzz_record(&out[n++], &R);
				goto out;
			}
			fuzz_check((size_t)got <= to - at, "consumed too much");
			fuzz_check(R.state != TL_HTTP_NEED_MORE ||
				   (size_t)got == to - at, "NEED_MORE left bytes");
			fuzz_check(got > 0, "no progress");
			at += (size_t)got;
			if (R.state == TL_HTTP_DONE) {
				fuzz_record(&out[n++], &R);
				tl_http_resp_reset(&R);
			}
		}
		prev = to;
	}
	if (n < MAX_RESP && R.state == TL_HTTP_NEED_MORE && R.total > 0) {
		int rc = tl_http_resp_eof(&R);
		fuzz_check(tl_http_resp_check(&R), "invariant after eof");
		fuzz_check((rc == 0) == (R.state == TL_HTTP_DONE), "eof return");
		fuzz_record(&out[n++], &R);
	}
out:
	free(body);
	return n;
}

/* The request writer with fuzzed strings (split at NULs) and capacity. */
static void fuzz_request(const uint8_t *data, size_t size, size_t cap)
{
	char *copy = malloc(size + 1), *f[6] = { 0 }, *p, *out;
	int nf = 0, n;

	memcpy(copy, data, size);
	copy[size] = '\0';
	p = copy;
	while (nf < 6 && p <= copy + size) {
		f[nf++] = p;
		p += strlen(p) + 1;
	}
	if (nf < 6) {
		free(copy);
		return;
	}
	out = malloc(cap ? cap : 1);
	n = tl_http_write_request(out, cap, f[0], f[1], f[2], f[3], f[4],
				  f[5], strlen(f[5]), "text/plain");
	fuzz_check(n < 0 || (size_t)n <= cap, "request longer than cap");
	free(out);
	free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const size_t caps[] = { 0, 1, 7, 64, 512, 4096, 65536, 1 << 20 };
	outcome_t one[MAX_RESP], split[MAX_RESP];
	size_t cuts[8], cap, len;
	uint32_t seed;
	const char *d;
	int na, nb, nc;

	if (size < 2)
		return 0;
	cap = caps[data[0] & 7];
	seed = data[1] * 2654435761u + (uint32_t)size;
	d = (const char *)data + 2;
	len = size - 2;
	nc = len ? (int)(seed % 9) : 0;
	for (int i = 0; i < nc; i++) {
		seed = seed * 1103515245u + 12345u;
		cuts[i] = (seed >> 8) % (len + 1);
	}
	for (int i = 1; i < nc; i++)
		for (int j = i; j > 0 && cuts[j - 1] > cuts[j]; j--) {
			size_t t = cuts[j];
			cuts[j] = cuts[j - 1];
			cuts[j - 1] = t;
		}
	na = fuzz_run(d, len, NULL, 0, cap, one);
	nb = fuzz_run(d, len, cuts, nc, cap, split);
	fuzz_check(na == nb, "split changed the number of responses");
	fuzz_check(memcmp(one, split, sizeof one[0] * (size_t)na) == 0,
		   "split changed a response");
	fuzz_request(data + 2, len, cap > 4096 ? 4096 : cap);
	return 0;
}
