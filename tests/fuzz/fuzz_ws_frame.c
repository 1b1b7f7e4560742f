/*
 * fuzz_ws_frame.c - libFuzzer entry point for the WebSocket client codec
 * (io/net/ws.c): server frames into tl_ws_dec_t, and the same bytes as a
 * handshake response. `make fuzz` builds it, scripts/fuzz.sh runs it
 * (seeds in tests/fuzz/corpus/fuzz_ws_frame/, dictionary
 * tests/fuzz/dict/fuzz_ws_frame.dict), and `make test` replays its corpus
 * (docs/testing.md).
 *
 * Input layout: byte 0 picks the message buffer size (exactly sized on
 * the heap: ASan watches it), byte 1 seeds the split points and mask
 * keys, the rest is the byte stream from the server. Properties (abort
 * on failure):
 *   - fed whole and cut into pieces (cut points from byte 1 and the
 *     size), the decoder yields the same messages and the same error;
 *   - each feed consumes at most what it was given, all of it when no
 *     message completed, at least a byte when one did; a failed decoder
 *     keeps failing with the same error;
 *   - no data message exceeds msg_cap, no control payload 125 bytes;
 *     data points into msg_buf; TEXT and close reasons are UTF-8 (by an
 *     independent checker), close codes valid or 1005;
 *   - every data and ping/pong payload round trips: tl_ws_encode (masked,
 *     key from the input), unmasked as a server would, framed unmasked
 *     back to a fresh decoder, gives the same kind and bytes;
 *   - tl_ws_handshake_check on the stream returns -1 (with a message),
 *     0, or a head length within the bound that it accepts again when
 *     given only those bytes.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/net/ws.h"

#define MAX_MSG 64

static void check(bool ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_ws_frame: %s\n", what);
		abort();
	}
}

typedef struct rec {
	int kind;
	size_t len;
	uint16_t code;
	uint64_t hash;
} rec_t;

typedef struct run {
	int n;
	rec_t r[MAX_MSG];
	ssize_t error;
	char err[TL_WS_ERR_LEN];
	uint16_t close_code;
} run_t;

static tl_ws_dec_t D, RT;

/* RFC 3629 by its table, apart from the codec's kernel/utf8.c. */
static bool utf8_ok(const uint8_t *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		uint8_t c = s[i];
		size_t k;
		uint8_t lo = 0x80, hi = 0xBF;

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xC2 && c <= 0xDF)
			k = 1;
		else if (c >= 0xE0 && c <= 0xEF)
			k = 2;
		else if (c >= 0xF0 && c <= 0xF4)
			k = 3;
		else
			return false;
		if (c == 0xE0)
			lo = 0xA0;
		else if (c == 0xED)
			hi = 0x9F;
		else if (c == 0xF0)
			lo = 0x90;
		else if (c == 0xF4)
			hi = 0x8F;
		if (n - i - 1 < k || s[i + 1] < lo || s[i + 1] > hi)
			return false;
		for (size_t j = 2; j <= k; j++)
			if ((s[i + j] & 0xC0) != 0x80)
				return false;
		i += k + 1;
	}
	return true;
}

static uint64_t fnv(const uint8_t *p, size_t n)
{
	uint64_t h = 1469598103934665603ULL;

	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 1099511628211ULL;
	return h;
}

/* Encode as the client would, unmask as the server would, send back
 * unmasked: a fresh decoder gives the same kind and bytes. */
static void round_trip(const tl_ws_msg_t *m, uint32_t key)
{
	static uint8_t frame[TL_WS_FRAME_HDR_MAX + 65536 + 16];
	static uint8_t back[TL_WS_FRAME_HDR_MAX + 65536 + 16];
	static uint8_t rtmsg[65536];
	static const uint8_t ops[] = {
		[TL_WS_MSG_TEXT] = TL_WS_OP_TEXT,
		[TL_WS_MSG_BINARY] = TL_WS_OP_BINARY,
		[TL_WS_MSG_PING] = TL_WS_OP_PING,
		[TL_WS_MSG_PONG] = TL_WS_OP_PONG,
	};
	uint8_t op = ops[m->kind];
	int n = tl_ws_encode(frame, sizeof frame, op, true, m->data, m->len,
			     key);
	size_t hl = tl_ws_header_len(m->len), bl;
	tl_ws_msg_t got;

	check(n > 0 && (size_t)n == hl + m->len, "encode length");
	check(frame[0] == (0x80 | op) && (frame[1] & 0x80), "encode header");
	for (size_t i = 0; i < m->len; i++)
		frame[hl + i] ^= frame[hl - 4 + (i & 3)];
	check(m->len == 0 || memcmp(frame + hl, m->data, m->len) == 0,
	      "mask round trip");
	/* The same header without the mask bit and key. */
	bl = hl - 4;
	memcpy(back, frame, bl);
	back[1] &= 0x7F;
	memcpy(back + bl, frame + hl, m->len);
	bl += m->len;
	/* msg_cap exactly the payload: a message that fits, fits. */
	tl_ws_dec_init(&RT, rtmsg, m->len);
	check(tl_ws_dec_feed(&RT, back, bl, &got) == (ssize_t)bl,
	      "round trip consumed");
	check(got.kind == m->kind && got.len == m->len &&
	      (m->len == 0 || memcmp(got.data, m->data, m->len) == 0),
	      "round trip payload");
}

static void record(run_t *run, const tl_ws_msg_t *m, const uint8_t *msg,
		   size_t cap, bool do_round_trip, uint32_t key)
{
	rec_t *r;

	switch (m->kind) {
	case TL_WS_MSG_TEXT:
	case TL_WS_MSG_BINARY:
		check(m->len <= cap, "data message above msg_cap");
		check(m->len == 0 || m->data == msg, "data outside msg_buf");
		if (m->kind == TL_WS_MSG_TEXT)
			check(utf8_ok(m->data, m->len), "text not UTF-8");
		break;
	case TL_WS_MSG_PING:
	case TL_WS_MSG_PONG:
		check(m->len <= TL_WS_CONTROL_MAX, "control above 125");
		break;
	case TL_WS_MSG_CLOSE:
		check(m->len <= TL_WS_CONTROL_MAX - 2, "close reason above 123");
		check(m->close_code == TL_WS_CLOSE_NO_STATUS ?
			      m->len == 0 : tl_ws_close_code_valid(m->close_code),
		      "close code");
		check(utf8_ok(m->data, m->len), "close reason not UTF-8");
		break;
	default:
		check(false, "unknown message kind");
	}
	if (do_round_trip && m->kind != TL_WS_MSG_CLOSE)
		round_trip(m, key);
	if (run->n == MAX_MSG)
		return;
	r = &run->r[run->n++];
	r->kind = m->kind;
	r->len = m->len;
	r->code = m->close_code;
	r->hash = fnv(m->data, m->len);
}

/* Decodes d[0..len) cut at cuts[0..ncuts) (sorted). */
static void decode(const uint8_t *d, size_t len, const size_t *cuts,
		   int ncuts, uint8_t *msg, size_t cap, bool do_round_trip,
		   uint32_t key, run_t *run)
{
	size_t prev = 0;

	memset(run, 0, sizeof *run);
	tl_ws_dec_init(&D, msg, cap);
	for (int c = 0; c <= ncuts; c++) {
		size_t to = c < ncuts ? cuts[c] : len, at = prev;

		do {
			tl_ws_msg_t m;
			ssize_t got = tl_ws_dec_feed(&D, d + at, to - at, &m);

			if (got < 0) {
				run->error = got;
				snprintf(run->err, sizeof run->err, "%s",
					 tl_ws_dec_error(&D));
				run->close_code = tl_ws_dec_close_code(&D);
				check(run->err[0] != '\0', "error without text");
				check(run->close_code != 0, "error without code");
				check(m.kind == TL_WS_MSG_NONE, "error with message");
				check(tl_ws_dec_feed(&D, d, len, &m) == got,
				      "failed decoder recovered");
				return;
			}
			check((size_t)got <= to - at, "consumed too much");
			if (m.kind == TL_WS_MSG_NONE)
				check((size_t)got == to - at, "NONE left bytes");
			else
				check(got > 0, "message from no bytes");
			at += (size_t)got;
			if (m.kind != TL_WS_MSG_NONE)
				record(run, &m, msg, cap, do_round_trip,
				       key += 0x9E3779B9u);
		} while (at < to);
		prev = to;
	}
}

static void handshake(const uint8_t *d, size_t len)
{
	static const char key[] = "dGhlIHNhbXBsZSBub25jZQ==";
	char err[128];
	int n;

	memset(err, 'x', sizeof err);
	n = tl_ws_handshake_check((const char *)d, len, key, err, sizeof err);
	check(memchr(err, 0, sizeof err) != NULL, "handshake err unterminated");
	check(n >= -1 && (n <= 0 || ((size_t)n <= len && n <= TL_WS_HEAD_MAX)),
	      "handshake return");
	check((n == -1) == (err[0] != '\0'), "handshake error text");
	if (n > 0)
		check(tl_ws_handshake_check((const char *)d, (size_t)n, key, err,
					    sizeof err) == n,
		      "handshake head not self-delimiting");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const size_t caps[] = { 0, 1, 7, 16, 125, 126, 1024, 65536 };
	static run_t one, split;
	size_t cuts[16], cap, len;
	uint32_t seed;
	const uint8_t *d;
	uint8_t *msg;
	int nc;

	if (size < 2)
		return 0;
	cap = caps[data[0] & 7];
	seed = data[1] * 2654435761u + (uint32_t)size;
	d = data + 2;
	len = size - 2;
	nc = len ? (int)(seed % 17) : 0;
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
	msg = cap ? malloc(cap) : NULL;
	decode(d, len, NULL, 0, msg, cap, true, seed, &one);
	decode(d, len, cuts, nc, msg, cap, false, 0, &split);
	check(one.n == split.n && one.error == split.error &&
	      one.close_code == split.close_code &&
	      strcmp(one.err, split.err) == 0, "split changed the outcome");
	check(memcmp(one.r, split.r, sizeof one.r[0] * (size_t)one.n) == 0,
	      "split changed a message");
	free(msg);
	handshake(d, len);
	return 0;
}
