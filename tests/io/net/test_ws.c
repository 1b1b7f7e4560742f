/*
 * test_ws.c - the WebSocket client codec (io/net/ws.c): the handshake
 * request's exact text, the 101 check with RFC 6455's example key (and
 * every way it must refuse, incomplete heads, the 8 KiB bound); the
 * encoder against RFC 6455's masked "Hello" and the 16/64-bit length
 * forms; server frames built here by hand, decoded whole, a byte at a
 * time and in random splits with the same messages and errors;
 * fragmentation with control frames in between; every protocol error;
 * msg_cap exactly and one above; close codes; no allocation; and the
 * simulator's own server side (sim/ws.c, written apart) agreeing on the
 * accept key and on frames both ways.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/net/ws.h"
#include "sim/ws.h"
#include "tests/support/alloc_hook.h"
#include "tests/support/tl_test.h"

#define S(lit) lit, sizeof(lit) - 1

/* ---- helpers ------------------------------------------------------------ */

/* An unmasked server frame at out; form 0 is the minimal length form,
 * 16 or 64 force that extended length. Returns its size. */
static size_t srv_frame(uint8_t *out, uint8_t b0, const void *p, size_t n,
			int form)
{
	size_t i = 0;

	out[i++] = b0;
	if (form == 0)
		form = n < 126 ? 7 : n <= 0xFFFF ? 16 : 64;
	if (form == 7) {
		out[i++] = (uint8_t)n;
	} else if (form == 16) {
		out[i++] = 126;
		out[i++] = (uint8_t)(n >> 8);
		out[i++] = (uint8_t)n;
	} else {
		out[i++] = 127;
		for (int s = 56; s >= 0; s -= 8)
			out[i++] = (uint8_t)((uint64_t)n >> s);
	}
	if (n)
		memcpy(out + i, p, n);
	return i + n;
}

#define FIN 0x80

typedef struct rec {
	tl_ws_kind_t kind;
	size_t len;
	uint16_t code;
	uint8_t head[16];    /* first bytes of the payload */
	uint64_t hash;
} rec_t;

#define MAX_REC 32

typedef struct run {
	int n;
	rec_t r[MAX_REC];
	ssize_t error;       /* 0, or the failing feed's return */
	char err[TL_WS_ERR_LEN];
	uint16_t close_code;
	bool bad;            /* a return broke the contract */
} run_t;

static uint64_t fnv(const uint8_t *p, size_t n)
{
	uint64_t h = 1469598103934665603ULL;

	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 1099511628211ULL;
	return h;
}

static uint32_t lcg(uint32_t *s)
{
	*s = *s * 1103515245u + 12345u;
	return *s >> 8;
}

/* Decodes s[0..len) cut at cuts[0..ncuts) (sorted) through d. */
static void run_dec(tl_ws_dec_t *d, const uint8_t *s, size_t len,
		    const size_t *cuts, int ncuts, run_t *run)
{
	size_t prev = 0;

	memset(run, 0, sizeof *run);
	for (int c = 0; c <= ncuts; c++) {
		size_t to = c < ncuts ? cuts[c] : len, at = prev;

		do {
			tl_ws_msg_t m;
			ssize_t got = tl_ws_dec_feed(d, s + at, to - at, &m);

			if (got < 0) {
				run->error = got;
				snprintf(run->err, sizeof run->err, "%s",
					 tl_ws_dec_error(d));
				run->close_code = tl_ws_dec_close_code(d);
				return;
			}
			if ((size_t)got > to - at ||
			    (m.kind == TL_WS_MSG_NONE && (size_t)got != to - at) ||
			    (m.kind != TL_WS_MSG_NONE && got == 0)) {
				run->bad = true;
				return;
			}
			at += (size_t)got;
			if (m.kind != TL_WS_MSG_NONE && run->n < MAX_REC) {
				rec_t *r = &run->r[run->n++];
				r->kind = m.kind;
				r->len = m.len;
				r->code = m.close_code;
				memcpy(r->head, m.data,
				       m.len < sizeof r->head ? m.len : sizeof r->head);
				r->hash = fnv(m.data, m.len);
			}
		} while (at < to);
		prev = to;
	}
}

static void run_whole(const uint8_t *s, size_t len, uint8_t *buf, size_t cap,
		      run_t *run)
{
	tl_ws_dec_t d;

	tl_ws_dec_init(&d, buf, cap);
	run_dec(&d, s, len, NULL, 0, run);
}

static bool same_run(const run_t *a, const run_t *b)
{
	if (a->n != b->n || a->error != b->error || a->bad || b->bad ||
	    a->close_code != b->close_code || strcmp(a->err, b->err) != 0)
		return false;
	for (int i = 0; i < a->n; i++)
		if (a->r[i].kind != b->r[i].kind || a->r[i].len != b->r[i].len ||
		    a->r[i].code != b->r[i].code || a->r[i].hash != b->r[i].hash)
			return false;
	return true;
}

/* Whole, one byte at a time, and `rounds` seeded random splits give the
 * same run as *whole. */
static bool split_invariant(const uint8_t *s, size_t len, uint8_t *buf,
			    size_t cap, int rounds, run_t *whole)
{
	static size_t cuts[1 << 18];
	tl_ws_dec_t d;
	run_t other;
	uint32_t seed = 12345;

	run_whole(s, len, buf, cap, whole);
	if (len <= sizeof cuts / sizeof cuts[0]) {
		for (size_t i = 0; i + 1 < len; i++)
			cuts[i] = i + 1;
		tl_ws_dec_init(&d, buf, cap);
		run_dec(&d, s, len, cuts, len ? (int)len - 1 : 0, &other);
		if (!same_run(whole, &other))
			return false;
	}
	for (int r = 0; r < rounds; r++) {
		int nc = (int)(lcg(&seed) % 12);
		for (int i = 0; i < nc; i++)
			cuts[i] = lcg(&seed) % (len + 1);
		for (int i = 1; i < nc; i++)
			for (int j = i; j > 0 && cuts[j - 1] > cuts[j]; j--) {
				size_t t = cuts[j];
				cuts[j] = cuts[j - 1];
				cuts[j - 1] = t;
			}
		tl_ws_dec_init(&d, buf, cap);
		run_dec(&d, s, len, cuts, nc, &other);
		if (!same_run(whole, &other))
			return false;
	}
	return true;
}

static uint8_t MSG[1 << 17];
static uint8_t STREAM[1 << 18];

/* ---- handshake ---------------------------------------------------------- */

static const uint8_t RFC_NONCE[16] = "the sample nonce";
static const char RFC_KEY[] = "dGhlIHNhbXBsZSBub25jZQ==";
static const char RFC_ACCEPT[] = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";

static void test_handshake_request_text(void)
{
	static const char want[] =
		"GET /ws-fapi/v1 HTTP/1.1\r\n"
		"Host: ws-fapi.binance.com\r\n"
		"Upgrade: websocket\r\n"
		"Connection: Upgrade\r\n"
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
		"Sec-WebSocket-Version: 13\r\n"
		"\r\n";
	char buf[512], key[TL_WS_KEY_LEN + 1];
	int n = tl_ws_handshake_request(buf, sizeof buf, "ws-fapi.binance.com",
					"/ws-fapi/v1", RFC_NONCE, key);

	CU_ASSERT_EQUAL_FATAL(n, (int)sizeof want - 1);
	CU_ASSERT(memcmp(buf, want, sizeof want - 1) == 0);
	CU_ASSERT_STRING_EQUAL(key, RFC_KEY);
	/* Every capacity short of the length refuses, the exact one fits. */
	for (size_t cap = 0; cap < sizeof want - 1; cap++)
		CU_ASSERT_EQUAL(tl_ws_handshake_request(buf, cap,
			"ws-fapi.binance.com", "/ws-fapi/v1", RFC_NONCE, key), -1);
	CU_ASSERT_EQUAL(tl_ws_handshake_request(buf, sizeof want - 1,
		"ws-fapi.binance.com", "/ws-fapi/v1", RFC_NONCE, key), n);
	/* host:port is a host; other nonces give other keys. */
	uint8_t z[16] = { 0 };
	n = tl_ws_handshake_request(buf, sizeof buf, "127.0.0.1:9443", "/ws",
				    z, key);
	CU_ASSERT(n > 0);
	CU_ASSERT_STRING_EQUAL(key, "AAAAAAAAAAAAAAAAAAAAAA==");
	CU_ASSERT(memmem(buf, (size_t)n, S("Host: 127.0.0.1:9443\r\n")) != NULL);
	/* What would split the request line or a header. */
	CU_ASSERT_EQUAL(tl_ws_handshake_request(buf, sizeof buf, "", "/", z, key), -1);
	CU_ASSERT_EQUAL(tl_ws_handshake_request(buf, sizeof buf, "h", "", z, key), -1);
	CU_ASSERT_EQUAL(tl_ws_handshake_request(buf, sizeof buf, "h", "x", z, key), -1);
	CU_ASSERT_EQUAL(tl_ws_handshake_request(buf, sizeof buf, "h", "/a b", z, key), -1);
	CU_ASSERT_EQUAL(tl_ws_handshake_request(buf, sizeof buf, "h\r\nX: 1", "/", z, key), -1);
	CU_ASSERT_EQUAL(tl_ws_handshake_request(buf, sizeof buf, "h", "/\n", z, key), -1);
	CU_ASSERT_EQUAL(tl_ws_handshake_request(buf, sizeof buf, NULL, "/", z, key), -1);
}

static const char RFC_RESP[] =
	"HTTP/1.1 101 Switching Protocols\r\n"
	"Upgrade: websocket\r\n"
	"Connection: Upgrade\r\n"
	"Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
	"\r\n";

static int check(const char *resp, size_t len, char *err, size_t errlen)
{
	return tl_ws_handshake_check(resp, len, RFC_KEY, err, errlen);
}

static void test_handshake_accept_rfc_example(void)
{
	char acc[29], err[128], buf[512];
	int n;

	CU_ASSERT_EQUAL(tl_ws_accept_key(S("dGhlIHNhbXBsZSBub25jZQ=="), acc), 0);
	CU_ASSERT_STRING_EQUAL(acc, RFC_ACCEPT);
	CU_ASSERT_EQUAL(check(RFC_RESP, sizeof RFC_RESP - 1, err, sizeof err),
			(int)sizeof RFC_RESP - 1);
	CU_ASSERT_STRING_EQUAL(err, "");
	/* Frame bytes after the head are not the head's. */
	n = snprintf(buf, sizeof buf, "%s\x81\x02hi", RFC_RESP);
	CU_ASSERT_EQUAL(check(buf, (size_t)n, err, sizeof err),
			(int)sizeof RFC_RESP - 1);
	/* Names and tokens case-insensitive, token lists, bare LF, OWS,
	 * other headers, an empty Sec-WebSocket-Extensions. */
	static const char var[] =
		"HTTP/1.1 101\n"
		"date: Mon, 07 Dec 2026 09:00:00 GMT\n"
		"UPGRADE:WebSocket \r\n"
		"connection: keep-alive,  UPGRADE\t\n"
		"sec-websocket-accept:\ts3pPLMBiTxaQ9kYGzzhZRbK+xOo=\n"
		"Sec-WebSocket-Extensions:\n"
		"\n";
	CU_ASSERT_EQUAL(check(S(var), err, sizeof err), (int)sizeof var - 1);
	CU_ASSERT_STRING_EQUAL(err, "");
}

/* -1 with an error naming `what`. */
static void refuse(const char *resp, size_t len, const char *what)
{
	char err[128];

	CU_ASSERT_EQUAL(check(resp, len, err, sizeof err), -1);
	if (!strstr(err, what))
		fprintf(stderr, "\n  got \"%s\", want \"%s\"\n", err, what);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, what));
}

static void test_handshake_refusals(void)
{
	refuse(S("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
		 "Connection: Upgrade\r\nSec-WebSocket-Accept: "
		 "s3pPLMBiTxaQ9kYGzzhZRbK+xOo\r\n\r\n"), "wrong Sec-WebSocket-Accept");
	refuse(S("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
		 "Connection: Upgrade\r\nSec-WebSocket-Accept: "
		 "S3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n"), "wrong Sec-WebSocket-Accept");
	refuse(S("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
		 "Connection: Upgrade\r\nSec-WebSocket-Accept: "
		 "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nSec-WebSocket-Accept: "
		 "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n"), "wrong Sec-WebSocket-Accept");
	refuse(S("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
		 "Connection: Upgrade\r\n\r\n"), "no Sec-WebSocket-Accept");
	refuse(S("HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\n"
		 "Connection: Upgrade\r\nSec-WebSocket-Accept: "
		 "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n"), "Upgrade: websocket");
	refuse(S("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
		 "Connection: keep-alive\r\nSec-WebSocket-Accept: "
		 "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n"), "Connection: Upgrade");
	refuse(S("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
		 "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n"),
	       "Connection: Upgrade");
	refuse(S("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
		 "Connection: Upgrade\r\nSec-WebSocket-Accept: "
		 "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
		 "Sec-WebSocket-Extensions: permessage-deflate\r\n\r\n"),
	       "Sec-WebSocket-Extensions");
	refuse(S("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
		 "Connection: Upgrade\r\nSec-WebSocket-Protocol: chat\r\n"
		 "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n"),
	       "Sec-WebSocket-Protocol");
	/* Malformed lines. */
	refuse(S("HTTP/1.0 101 Switching Protocols\r\n"), "status line");
	refuse(S("HTTP/1.1 1x1 Switching Protocols\r\n"), "status line");
	refuse(S("HTTP/1.1 101Switching\r\n"), "status line");
	refuse(S("HTTP/1.1 10\r\n"), "status line");
	refuse(S("ICY 200 OK\r\n"), "status line");
	refuse(S("HTTP/1.1 101 Swit\x1b[2Jching\r\n"), "control byte");
	refuse(S("HTTP/1.1 101 OK\r\nUpgrade websocket\r\n\r\n"), "malformed header");
	refuse(S("HTTP/1.1 101 OK\r\nUpgrade : websocket\r\n\r\n"), "malformed header");
	refuse(S("HTTP/1.1 101 OK\r\n: websocket\r\n\r\n"), "malformed header");
	refuse(S("HTTP/1.1 101 OK\r\nUpgrade: websocket\r\n  folded\r\n\r\n"),
	       "malformed header");
	refuse(S("HTTP/1.1 101 OK\r\nUpgrade: web\x01socket\r\n\r\n"), "control byte");
	refuse(S("HTTP/1.1 101 OK\r\nUpgrade: web\rsocket\r\n\r\n"), "control byte");
}

static void test_handshake_non_101(void)
{
	char err[128];

	/* Reported from the status line alone, with the code. */
	CU_ASSERT_EQUAL(check(S("HTTP/1.1 403 Forbidden\r\n"), err, sizeof err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "403"));
	CU_ASSERT_EQUAL(check(S("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"),
			      err, sizeof err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "200"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "101"));
	CU_ASSERT_EQUAL(check(S("HTTP/1.1 429\r\n"), err, sizeof err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "429"));
	/* A short error buffer is cut, NUL-terminated; none at all is fine. */
	char tiny[8];
	memset(tiny, 'x', sizeof tiny);
	CU_ASSERT_EQUAL(check(S("HTTP/1.1 503 x\r\n"), tiny, sizeof tiny), -1);
	CU_ASSERT_EQUAL(strlen(tiny), sizeof tiny - 1);
	CU_ASSERT_EQUAL(check(S("HTTP/1.1 503 x\r\n"), NULL, 0), -1);
}

static void test_handshake_incomplete(void)
{
	char err[128];

	/* Every proper prefix of a valid head: incomplete, no error. */
	for (size_t n = 0; n < sizeof RFC_RESP - 1; n++) {
		strcpy(err, "junk");
		CU_ASSERT_EQUAL(check(RFC_RESP, n, err, sizeof err), 0);
		CU_ASSERT_STRING_EQUAL(err, "");
	}
	CU_ASSERT_EQUAL(check(NULL, 0, err, sizeof err), 0);
	/* A refusal's status line still being received: incomplete too. */
	CU_ASSERT_EQUAL(check(S("HTTP/1.1 403 Forbid"), err, sizeof err), 0);
}

static void test_handshake_head_bound(void)
{
	static char buf[TL_WS_HEAD_MAX + 256];
	static const char start[] =
		"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
		"Connection: Upgrade\r\nSec-WebSocket-Accept: "
		"s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nX-Pad: ";
	char err[128];
	size_t pad;

	/* A head of exactly TL_WS_HEAD_MAX bytes passes ... */
	pad = TL_WS_HEAD_MAX - (sizeof start - 1) - 4;
	memcpy(buf, start, sizeof start - 1);
	memset(buf + sizeof start - 1, 'a', pad);
	memcpy(buf + sizeof start - 1 + pad, "\r\n\r\n", 4);
	CU_ASSERT_EQUAL(check(buf, TL_WS_HEAD_MAX, err, sizeof err), TL_WS_HEAD_MAX);
	/* ... with frames after it too ... */
	buf[TL_WS_HEAD_MAX] = (char)0x81;
	CU_ASSERT_EQUAL(check(buf, TL_WS_HEAD_MAX + 1, err, sizeof err),
			TL_WS_HEAD_MAX);
	/* ... one more byte of head does not, whatever follows. */
	memcpy(buf, start, sizeof start - 1);
	memset(buf + sizeof start - 1, 'a', pad + 1);
	memcpy(buf + sizeof start - 1 + pad + 1, "\r\n\r\n", 4);
	CU_ASSERT_EQUAL(check(buf, TL_WS_HEAD_MAX - 1, err, sizeof err), 0);
	CU_ASSERT_EQUAL(check(buf, TL_WS_HEAD_MAX, err, sizeof err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "larger than 8192"));
	CU_ASSERT_EQUAL(check(buf, TL_WS_HEAD_MAX + 1, err, sizeof err), -1);
	/* A status line without end. */
	memset(buf, 'H', TL_WS_HEAD_MAX + 10);
	memcpy(buf, "HTTP/1.1 101 ", 13);
	CU_ASSERT_EQUAL(check(buf, TL_WS_HEAD_MAX + 10, err, sizeof err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "status line"));
}

/* ---- encoder ------------------------------------------------------------ */

static void test_encode_rfc_hello(void)
{
	static const uint8_t want[] = { 0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d,
					0x7f, 0x9f, 0x4d, 0x51, 0x58 };
	uint8_t out[64];

	CU_ASSERT_EQUAL(tl_ws_encode(out, sizeof out, TL_WS_OP_TEXT, true,
				     "Hello", 5, 0x37fa213d), 11);
	CU_ASSERT(memcmp(out, want, sizeof want) == 0);
	/* Built in place at out + header length: the same bytes. */
	memset(out, 0, sizeof out);
	memcpy(out + tl_ws_header_len(5), "Hello", 5);
	CU_ASSERT_EQUAL(tl_ws_encode(out, 11, TL_WS_OP_TEXT, true,
				     out + tl_ws_header_len(5), 5, 0x37fa213d), 11);
	CU_ASSERT(memcmp(out, want, sizeof want) == 0);
	/* Every smaller capacity refuses. */
	for (size_t cap = 0; cap < 11; cap++)
		CU_ASSERT_EQUAL(tl_ws_encode(out, cap, TL_WS_OP_TEXT, true,
					     "Hello", 5, 0x37fa213d), -EMSGSIZE);
	/* fin = 0, other opcodes, an empty payload. */
	CU_ASSERT_EQUAL(tl_ws_encode(out, sizeof out, TL_WS_OP_BINARY, false,
				     "", 0, 0x01020304), 6);
	CU_ASSERT(memcmp(out, "\x02\x80\x01\x02\x03\x04", 6) == 0);
	CU_ASSERT_EQUAL(tl_ws_encode(out, sizeof out, TL_WS_OP_CONT, true,
				     NULL, 0, 0), 6);
	CU_ASSERT_EQUAL(out[0], 0x80);
	CU_ASSERT_EQUAL(tl_ws_encode(out, sizeof out, TL_WS_OP_PONG, true,
				     "x", 1, 0), 7);
	CU_ASSERT(memcmp(out, "\x8a\x81\0\0\0\0x", 7) == 0);
}

/* Unmasks a client frame and checks its header; returns payload start. */
static const uint8_t *unmask(uint8_t *f, size_t flen, size_t len, uint32_t key)
{
	size_t hl = tl_ws_header_len(len);

	CU_ASSERT_EQUAL(flen, hl + len);
	CU_ASSERT_EQUAL(f[hl - 4], (uint8_t)(key >> 24));
	CU_ASSERT_EQUAL(f[hl - 1], (uint8_t)key);
	for (size_t i = 0; i < len; i++)
		f[hl + i] ^= f[hl - 4 + (i & 3)];
	return f + hl;
}

static void test_encode_length_forms(void)
{
	static uint8_t pay[70000], out[70100];
	static const size_t lens[] = { 125, 126, 127, 65535, 65536, 70000 };
	uint32_t key = 0xa1b2c3d4;

	for (size_t i = 0; i < sizeof pay; i++)
		pay[i] = (uint8_t)(i * 7 + (i >> 8));
	for (size_t k = 0; k < sizeof lens / sizeof lens[0]; k++) {
		size_t n = lens[k];
		int got = tl_ws_encode(out, sizeof out, TL_WS_OP_BINARY, true,
				       pay, n, key);

		CU_ASSERT_EQUAL_FATAL(got, (int)(tl_ws_header_len(n) + n));
		CU_ASSERT_EQUAL(out[0], 0x82);
		if (n < 126) {
			CU_ASSERT_EQUAL(out[1], 0x80 | n);
		} else if (n <= 0xFFFF) {
			CU_ASSERT_EQUAL(out[1], 0x80 | 126);
			CU_ASSERT_EQUAL((size_t)(out[2] << 8 | out[3]), n);
		} else {
			CU_ASSERT_EQUAL(out[1], 0x80 | 127);
			uint64_t v = 0;
			for (int b = 2; b < 10; b++)
				v = v << 8 | out[b];
			CU_ASSERT_EQUAL(v, n);
		}
		CU_ASSERT(memcmp(unmask(out, (size_t)got, n, key), pay, n) == 0);
		CU_ASSERT_EQUAL(tl_ws_encode(out, (size_t)got - 1, TL_WS_OP_BINARY,
					     true, pay, n, key), -EMSGSIZE);
	}
	CU_ASSERT_EQUAL(tl_ws_header_len(125), 6);
	CU_ASSERT_EQUAL(tl_ws_header_len(126), 8);
	CU_ASSERT_EQUAL(tl_ws_header_len(65535), 8);
	CU_ASSERT_EQUAL(tl_ws_header_len(65536), 14);
	/* Control frames: <= 125 bytes and fin; opcodes known. */
	CU_ASSERT_EQUAL(tl_ws_encode(out, sizeof out, TL_WS_OP_PING, true,
				     pay, 125, key), 131);
	CU_ASSERT_EQUAL(tl_ws_encode(out, sizeof out, TL_WS_OP_PING, true,
				     pay, 126, key), -EMSGSIZE);
	CU_ASSERT_EQUAL(tl_ws_encode(out, sizeof out, TL_WS_OP_CLOSE, true,
				     pay, 126, key), -EMSGSIZE);
	CU_ASSERT_EQUAL(tl_ws_encode(out, sizeof out, TL_WS_OP_PONG, false,
				     pay, 1, key), -EINVAL);
	CU_ASSERT_EQUAL(tl_ws_encode(out, sizeof out, 3, true, pay, 1, key), -EINVAL);
	CU_ASSERT_EQUAL(tl_ws_encode(out, sizeof out, 0xB, true, pay, 1, key), -EINVAL);
	CU_ASSERT_EQUAL(tl_ws_encode(out, sizeof out, 0x11, true, pay, 1, key), -EINVAL);
}

static void test_mask_word_matches_bytes(void)
{
	uint8_t a[80], b[80];
	uint32_t key = 0x8badf00d;

	for (unsigned phase = 0; phase < 4; phase++)
		for (size_t off = 0; off < 8; off++)
			for (size_t n = 0; n + off <= 64; n++) {
				for (size_t i = 0; i < sizeof a; i++)
					a[i] = b[i] = (uint8_t)(i * 31 + n);
				tl_ws_mask(a + off, n, key, phase);
				for (size_t i = 0; i < n; i++)
					b[off + i] ^= (uint8_t)(key >>
						(24 - 8 * ((i + phase) & 3)));
				CU_ASSERT(memcmp(a, b, sizeof a) == 0);
			}
}

static void test_encode_close(void)
{
	uint8_t out[160], *p;
	char reason[130];
	int n;

	n = tl_ws_encode_close(out, sizeof out, 1000, "bye", 0x11223344);
	CU_ASSERT_EQUAL_FATAL(n, 6 + 5);
	CU_ASSERT_EQUAL(out[0], 0x88);
	p = (uint8_t *)unmask(out, (size_t)n, 5, 0x11223344);
	CU_ASSERT(memcmp(p, "\x03\xe8" "bye", 5) == 0);
	n = tl_ws_encode_close(out, sizeof out, 4999, NULL, 0);
	CU_ASSERT_EQUAL(n, 8);
	CU_ASSERT(memcmp(out + 6, "\x13\x87", 2) == 0);
	CU_ASSERT_EQUAL(tl_ws_encode_close(out, sizeof out, 0, NULL, 0), 6);
	CU_ASSERT(memcmp(out, "\x88\x80", 2) == 0);
	CU_ASSERT_EQUAL(tl_ws_encode_close(out, sizeof out, 0, "x", 0), -EINVAL);
	static const uint16_t bad[] = { 1, 999, 1004, 1005, 1006, 1015, 1016,
					2999, 5000, 65535 };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		CU_ASSERT_EQUAL(tl_ws_encode_close(out, sizeof out, bad[i], "", 0),
				-EINVAL);
	memset(reason, 'r', sizeof reason);
	reason[123] = '\0';
	CU_ASSERT_EQUAL(tl_ws_encode_close(out, sizeof out, 1001, reason, 0), 131);
	reason[123] = 'r';
	reason[124] = '\0';
	CU_ASSERT_EQUAL(tl_ws_encode_close(out, sizeof out, 1001, reason, 0),
			-EMSGSIZE);
	CU_ASSERT_EQUAL(tl_ws_encode_close(out, 7, 1000, "", 0), -EMSGSIZE);
}

/* ---- decoder: round trips ----------------------------------------------- */

static size_t big_stream(uint8_t *s, uint8_t *bin, size_t binlen)
{
	static uint8_t t126[126];
	size_t n = 0;

	for (size_t i = 0; i < binlen; i++)
		bin[i] = (uint8_t)(i ^ (i >> 9));
	memset(t126, 'q', sizeof t126);
	n += srv_frame(s + n, FIN | TL_WS_OP_TEXT, "Hello", 5, 0);
	n += srv_frame(s + n, FIN | TL_WS_OP_BINARY, bin, 256, 0);
	n += srv_frame(s + n, FIN | TL_WS_OP_TEXT, t126, sizeof t126, 0);
	n += srv_frame(s + n, FIN | TL_WS_OP_BINARY, bin, binlen, 0);
	n += srv_frame(s + n, FIN | TL_WS_OP_TEXT, "", 0, 0);
	n += srv_frame(s + n, FIN | TL_WS_OP_TEXT, "\xe2\x82\xac \xf0\x9f\x98\x80", 8, 0);
	n += srv_frame(s + n, FIN | TL_WS_OP_PING, "p", 1, 0);
	n += srv_frame(s + n, FIN | TL_WS_OP_PONG, "", 0, 0);
	n += srv_frame(s + n, FIN | TL_WS_OP_TEXT, "{\"id\":1}", 8, 16);
	n += srv_frame(s + n, FIN | TL_WS_OP_TEXT, "{\"id\":2}", 8, 64);
	n += srv_frame(s + n, FIN | TL_WS_OP_CLOSE, "\x03\xe8" "bye", 5, 0);
	return n;
}

static void test_decode_round_trip_any_split(void)
{
	static uint8_t bin[70000];
	size_t n = big_stream(STREAM, bin, sizeof bin);
	run_t run;

	CU_ASSERT_FATAL(split_invariant(STREAM, n, MSG, sizeof MSG, 300, &run));
	CU_ASSERT_EQUAL(run.error, 0);
	CU_ASSERT_EQUAL_FATAL(run.n, 11);
	CU_ASSERT_EQUAL(run.r[0].kind, TL_WS_MSG_TEXT);
	CU_ASSERT(run.r[0].len == 5 && memcmp(run.r[0].head, "Hello", 5) == 0);
	CU_ASSERT_EQUAL(run.r[1].kind, TL_WS_MSG_BINARY);
	CU_ASSERT(run.r[1].len == 256 && run.r[1].hash == fnv(bin, 256));
	CU_ASSERT(run.r[2].kind == TL_WS_MSG_TEXT && run.r[2].len == 126);
	CU_ASSERT(run.r[3].kind == TL_WS_MSG_BINARY && run.r[3].len == sizeof bin);
	CU_ASSERT_EQUAL(run.r[3].hash, fnv(bin, sizeof bin));
	CU_ASSERT(run.r[4].kind == TL_WS_MSG_TEXT && run.r[4].len == 0);
	CU_ASSERT(run.r[5].kind == TL_WS_MSG_TEXT && run.r[5].len == 8);
	CU_ASSERT(run.r[6].kind == TL_WS_MSG_PING && run.r[6].len == 1 &&
		  run.r[6].head[0] == 'p');
	CU_ASSERT(run.r[7].kind == TL_WS_MSG_PONG && run.r[7].len == 0);
	/* Non-minimal length forms are accepted. */
	CU_ASSERT(run.r[8].len == 8 && memcmp(run.r[8].head, "{\"id\":1}", 8) == 0);
	CU_ASSERT(run.r[9].len == 8 && memcmp(run.r[9].head, "{\"id\":2}", 8) == 0);
	CU_ASSERT_EQUAL(run.r[10].kind, TL_WS_MSG_CLOSE);
	CU_ASSERT_EQUAL(run.r[10].code, 1000);
	CU_ASSERT(run.r[10].len == 3 && memcmp(run.r[10].head, "bye", 3) == 0);
}

/* What the client encodes, a server sends back unmasked: the payloads
 * survive encode -> unmask -> server frame -> decode. */
static void test_decode_encoded_payloads(void)
{
	static uint8_t out[1 << 17], pay[100000];
	uint32_t seed = 7;
	tl_ws_dec_t d;

	for (int round = 0; round < 50; round++) {
		size_t n = lcg(&seed) % (round < 25 ? 300 : sizeof pay);
		uint32_t key = lcg(&seed) * 2654435761u;
		tl_ws_msg_t m;
		int got;

		for (size_t i = 0; i < n; i++)
			pay[i] = (uint8_t)lcg(&seed);
		got = tl_ws_encode(out, sizeof out, TL_WS_OP_BINARY, true, pay,
				   n, key);
		CU_ASSERT_FATAL(got > 0);
		const uint8_t *p = unmask(out, (size_t)got, n, key);
		size_t fl = srv_frame(STREAM, FIN | TL_WS_OP_BINARY, p, n, 0);
		tl_ws_dec_init(&d, MSG, sizeof MSG);
		CU_ASSERT_EQUAL(tl_ws_dec_feed(&d, STREAM, fl, &m), (ssize_t)fl);
		CU_ASSERT(m.kind == TL_WS_MSG_BINARY && m.len == n);
		CU_ASSERT(m.data == MSG && memcmp(m.data, pay, n) == 0);
	}
}

static void test_decode_fragmented_with_control(void)
{
	size_t n = 0;
	run_t run;

	n += srv_frame(STREAM + n, TL_WS_OP_TEXT, "Hel", 3, 0);
	n += srv_frame(STREAM + n, FIN | TL_WS_OP_PING, "x", 1, 0);
	n += srv_frame(STREAM + n, TL_WS_OP_CONT, "", 0, 0);
	n += srv_frame(STREAM + n, TL_WS_OP_CONT, "lo \xe2\x82", 5, 0);
	n += srv_frame(STREAM + n, FIN | TL_WS_OP_PONG, "yz", 2, 0);
	n += srv_frame(STREAM + n, FIN | TL_WS_OP_CONT, "\xac world", 7, 16);
	/* A second fragmented message, binary, then a whole one. */
	n += srv_frame(STREAM + n, TL_WS_OP_BINARY, "\x00\x01", 2, 0);
	n += srv_frame(STREAM + n, FIN | TL_WS_OP_CONT, "\x02", 1, 0);
	n += srv_frame(STREAM + n, FIN | TL_WS_OP_TEXT, "ok", 2, 0);
	n += srv_frame(STREAM + n, FIN | TL_WS_OP_CLOSE, "", 0, 0);
	CU_ASSERT_FATAL(split_invariant(STREAM, n, MSG, 64, 300, &run));
	CU_ASSERT_EQUAL(run.error, 0);
	CU_ASSERT_EQUAL_FATAL(run.n, 6);
	CU_ASSERT(run.r[0].kind == TL_WS_MSG_PING && run.r[0].head[0] == 'x');
	CU_ASSERT(run.r[1].kind == TL_WS_MSG_PONG && run.r[1].len == 2);
	CU_ASSERT_EQUAL(run.r[2].kind, TL_WS_MSG_TEXT);
	CU_ASSERT_EQUAL(run.r[2].len, 15);
	CU_ASSERT(memcmp(run.r[2].head, "Hello \xe2\x82\xac world", 15) == 0);
	CU_ASSERT(run.r[3].kind == TL_WS_MSG_BINARY && run.r[3].len == 3);
	CU_ASSERT(memcmp(run.r[3].head, "\x00\x01\x02", 3) == 0);
	CU_ASSERT(run.r[4].kind == TL_WS_MSG_TEXT && run.r[4].len == 2);
	CU_ASSERT_EQUAL(run.r[5].kind, TL_WS_MSG_CLOSE);
	CU_ASSERT_EQUAL(run.r[5].code, TL_WS_CLOSE_NO_STATUS);
	CU_ASSERT_EQUAL(run.r[5].len, 0);
}

/* The feed contract itself: a message ends the feed; the rest is left. */
static void test_decode_feed_contract(void)
{
	tl_ws_dec_t d;
	tl_ws_msg_t m;
	size_t n = 0, f1;

	n += f1 = srv_frame(STREAM, FIN | TL_WS_OP_TEXT, "ab", 2, 0);
	n += srv_frame(STREAM + n, FIN | TL_WS_OP_TEXT, "cd", 2, 0);
	tl_ws_dec_init(&d, MSG, 16);
	CU_ASSERT_EQUAL(tl_ws_dec_feed(&d, STREAM, n, &m), (ssize_t)f1);
	CU_ASSERT(m.kind == TL_WS_MSG_TEXT && m.len == 2 && m.data == MSG);
	CU_ASSERT(memcmp(m.data, "ab", 2) == 0);
	CU_ASSERT_EQUAL(tl_ws_dec_feed(&d, STREAM + f1, 1, &m), 1);
	CU_ASSERT_EQUAL(m.kind, TL_WS_MSG_NONE);
	CU_ASSERT_EQUAL(tl_ws_dec_feed(&d, STREAM + f1 + 1, 0, &m), 0);
	CU_ASSERT_EQUAL(m.kind, TL_WS_MSG_NONE);
	CU_ASSERT_EQUAL(tl_ws_dec_feed(&d, STREAM + f1 + 1, n - f1 - 1, &m),
			(ssize_t)(n - f1 - 1));
	CU_ASSERT(m.kind == TL_WS_MSG_TEXT && memcmp(m.data, "cd", 2) == 0);
	CU_ASSERT_STRING_EQUAL(tl_ws_dec_error(&d), "");
	CU_ASSERT_EQUAL(tl_ws_dec_close_code(&d), 0);
	/* msg_cap 0 takes empty messages only. */
	tl_ws_dec_init(&d, NULL, 0);
	n = srv_frame(STREAM, FIN | TL_WS_OP_BINARY, "", 0, 0);
	CU_ASSERT_EQUAL(tl_ws_dec_feed(&d, STREAM, n, &m), (ssize_t)n);
	CU_ASSERT(m.kind == TL_WS_MSG_BINARY && m.len == 0);
	n = srv_frame(STREAM, FIN | TL_WS_OP_BINARY, "x", 1, 0);
	CU_ASSERT_EQUAL(tl_ws_dec_feed(&d, STREAM, n, &m), -EMSGSIZE);
}

/* ---- decoder: errors ---------------------------------------------------- */

/* stream[0..n) decodes to `msgs` messages then fails with `err` and the
 * close code, in every split; the decoder stays failed; reset revives it. */
static void expect_error(const uint8_t *s, size_t n, size_t cap, int msgs,
			 ssize_t err, uint16_t code, const char *what)
{
	tl_ws_dec_t d;
	tl_ws_msg_t m;
	run_t run;
	bool same = split_invariant(s, n, MSG, cap, 40, &run);

	if (!same || run.n != msgs || run.error != err || run.close_code != code ||
	    !strstr(run.err, what))
		fprintf(stderr, "\n  %s: same=%d n=%d error=%zd code=%u err=\"%s\"\n",
			what, same, run.n, run.error, run.close_code, run.err);
	CU_ASSERT(same);
	CU_ASSERT_EQUAL(run.n, msgs);
	CU_ASSERT_EQUAL(run.error, err);
	CU_ASSERT_EQUAL(run.close_code, code);
	CU_ASSERT_PTR_NOT_NULL(strstr(run.err, what));
	tl_ws_dec_init(&d, MSG, cap);
	run_dec(&d, s, n, NULL, 0, &run);
	CU_ASSERT_EQUAL(tl_ws_dec_feed(&d, (const uint8_t *)"\x81\x00", 2, &m), err);
	CU_ASSERT_EQUAL(m.kind, TL_WS_MSG_NONE);
	CU_ASSERT_EQUAL(tl_ws_dec_feed(&d, NULL, 0, &m), err);
	tl_ws_dec_reset(&d);
	CU_ASSERT_EQUAL(tl_ws_dec_feed(&d, (const uint8_t *)"\x81\x00", 2, &m), 2);
	CU_ASSERT_EQUAL(m.kind, TL_WS_MSG_TEXT);
	CU_ASSERT_STRING_EQUAL(tl_ws_dec_error(&d), "");
}

#define PROTO(s, n, msgs, what) \
	expect_error(s, n, 64, msgs, -EPROTO, TL_WS_CLOSE_PROTOCOL, what)

static void test_decode_error_framing(void)
{
	uint8_t s[256];
	size_t n;

	/* Each reserved bit, before and after a good message. */
	for (int b = 0x10; b <= 0x40; b <<= 1) {
		n = srv_frame(s, (uint8_t)(FIN | b | TL_WS_OP_TEXT), "a", 1, 0);
		PROTO(s, n, 0, "reserved bits");
		n = srv_frame(s, FIN | TL_WS_OP_TEXT, "a", 1, 0);
		n += srv_frame(s + n, (uint8_t)(FIN | b | TL_WS_OP_PING), "", 0, 0);
		PROTO(s, n, 1, "reserved bits");
	}
	static const uint8_t ops[] = { 3, 4, 5, 6, 7, 0xB, 0xC, 0xD, 0xE, 0xF };
	for (size_t i = 0; i < sizeof ops; i++) {
		n = srv_frame(s, (uint8_t)(FIN | ops[i]), "a", 1, 0);
		PROTO(s, n, 0, "unknown opcode");
	}
	/* A masked server frame (even with a valid mask and payload). */
	memcpy(s, "\x81\x81\x01\x02\x03\x04\x60", 7);
	PROTO(s, 7, 0, "masked frame");
	memcpy(s, "\x89\x80\0\0\0\0", 6);
	PROTO(s, 6, 0, "masked frame");
	/* Control frames: > 125 (126 and 127 forms), fragmented. */
	s[0] = FIN | TL_WS_OP_PING;
	s[1] = 126;
	s[2] = 0;
	s[3] = 5;
	PROTO(s, 4, 0, "longer than 125");
	s[0] = FIN | TL_WS_OP_CLOSE;
	s[1] = 127;
	PROTO(s, 2, 0, "longer than 125");
	n = srv_frame(s, TL_WS_OP_PONG, "", 0, 0);
	PROTO(s, n, 0, "fragmented control");
	n = srv_frame(s, TL_WS_OP_CLOSE, "\x03\xe8", 2, 0);
	PROTO(s, n, 0, "fragmented control");
	/* Continuation without a start; after a complete message too. */
	n = srv_frame(s, FIN | TL_WS_OP_CONT, "a", 1, 0);
	PROTO(s, n, 0, "continuation frame without");
	n = srv_frame(s, FIN | TL_WS_OP_TEXT, "a", 1, 0);
	n += srv_frame(s + n, TL_WS_OP_CONT, "a", 1, 0);
	PROTO(s, n, 1, "continuation frame without");
	/* A new data frame inside a fragmented message (after a ping). */
	n = srv_frame(s, TL_WS_OP_TEXT, "a", 1, 0);
	n += srv_frame(s + n, FIN | TL_WS_OP_PING, "", 0, 0);
	n += srv_frame(s + n, FIN | TL_WS_OP_TEXT, "b", 1, 0);
	PROTO(s, n, 1, "new data frame inside");
	n = srv_frame(s, TL_WS_OP_BINARY, "a", 1, 0);
	n += srv_frame(s + n, TL_WS_OP_BINARY, "b", 1, 0);
	PROTO(s, n, 0, "new data frame inside");
	/* 64-bit length with the top bit set (never a size, whatever cap). */
	memcpy(s, "\x82\x7f\x80\0\0\0\0\0\0\x01", 10);
	PROTO(s, 10, 0, "most significant bit");
	memcpy(s, "\x82\x7f\xff\xff\xff\xff\xff\xff\xff\xff", 10);
	PROTO(s, 10, 0, "most significant bit");
	/* Bytes after the close. */
	n = srv_frame(s, FIN | TL_WS_OP_CLOSE, "\x03\xe8", 2, 0);
	n += srv_frame(s + n, FIN | TL_WS_OP_TEXT, "a", 1, 0);
	PROTO(s, n, 1, "after the close");
}

static void test_decode_error_close_payload(void)
{
	static const uint16_t bad[] = { 0, 1, 999, 1004, 1005, 1006, 1015, 1016,
					1100, 2000, 2999, 5000, 65535 };
	static const uint16_t good[] = { 1000, 1001, 1002, 1003, 1007, 1008,
					 1009, 1010, 1011, 1012, 1013, 1014,
					 3000, 3999, 4000, 4999 };
	uint8_t s[256], p[8];
	size_t n;
	run_t run;

	n = srv_frame(s, FIN | TL_WS_OP_CLOSE, "\x03", 1, 0);
	PROTO(s, n, 0, "1-byte");
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		p[0] = (uint8_t)(bad[i] >> 8);
		p[1] = (uint8_t)bad[i];
		n = srv_frame(s, FIN | TL_WS_OP_CLOSE, p, 2, 0);
		PROTO(s, n, 0, "invalid close code");
		CU_ASSERT_FALSE(tl_ws_close_code_valid(bad[i]));
	}
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		p[0] = (uint8_t)(good[i] >> 8);
		p[1] = (uint8_t)good[i];
		memcpy(p + 2, "\xc3\xa9t\xc3\xa9", 5);
		n = srv_frame(s, FIN | TL_WS_OP_CLOSE, p, 7, 0);
		CU_ASSERT(split_invariant(s, n, MSG, 64, 5, &run));
		CU_ASSERT(run.n == 1 && run.error == 0);
		CU_ASSERT(run.r[0].kind == TL_WS_MSG_CLOSE && run.r[0].code == good[i]);
		CU_ASSERT(run.r[0].len == 5 && memcmp(run.r[0].head, p + 2, 5) == 0);
		CU_ASSERT(tl_ws_close_code_valid(good[i]));
	}
	/* A reason that is not UTF-8: 1007. */
	n = srv_frame(s, FIN | TL_WS_OP_CLOSE, "\x03\xe8\xff", 3, 0);
	expect_error(s, n, 64, 0, -EILSEQ, TL_WS_CLOSE_INVALID_DATA, "close reason");
	/* The longest close: 2 + 123. */
	memset(s + 4, 'z', 125);
	s[0] = FIN | TL_WS_OP_CLOSE;
	s[1] = 125;
	s[2] = 0x0b;
	s[3] = 0xb8;  /* 3000 */
	CU_ASSERT(split_invariant(s, 127, MSG, 0, 5, &run));
	CU_ASSERT(run.n == 1 && run.r[0].code == 3000 && run.r[0].len == 123);
}

static void test_decode_error_utf8(void)
{
	static const char *const bad[] = {
		"\xc0\x80",             /* overlong NUL */
		"\xe0\x80\xaf",         /* overlong '/' */
		"\xed\xa0\x80",         /* surrogate */
		"\xf4\x90\x80\x80",     /* above U+10FFFF */
		"\xf5\x80\x80\x80",
		"\xff",
		"abc\x80",              /* stray continuation */
		"abcdefghijklmnop\xe2\x82", /* cut at the end */
		"\xe2\x82" "abcdefgh",
	};
	uint8_t s[256];
	size_t n;
	run_t run;

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		n = srv_frame(s, FIN | TL_WS_OP_TEXT, bad[i], strlen(bad[i]), 0);
		expect_error(s, n, 64, 0, -EILSEQ, TL_WS_CLOSE_INVALID_DATA,
			     "not UTF-8");
		/* As BINARY the same bytes are fine. */
		n = srv_frame(s, FIN | TL_WS_OP_BINARY, bad[i], strlen(bad[i]), 0);
		CU_ASSERT(split_invariant(s, n, MSG, 64, 5, &run));
		CU_ASSERT(run.n == 1 && run.error == 0);
	}
	/* A message whose fragments end mid-character, and one never
	 * finished: the whole message counts. */
	n = srv_frame(s, TL_WS_OP_TEXT, "a\xf0\x9f", 3, 0);
	n += srv_frame(s + n, FIN | TL_WS_OP_CONT, "\x98", 1, 0);
	expect_error(s, n, 64, 0, -EILSEQ, TL_WS_CLOSE_INVALID_DATA, "not UTF-8");
	/* NUL and U+10FFFF are text. */
	n = srv_frame(s, FIN | TL_WS_OP_TEXT, "\0\xf4\x8f\xbf\xbf", 5, 0);
	CU_ASSERT(split_invariant(s, n, MSG, 64, 5, &run));
	CU_ASSERT(run.n == 1 && run.error == 0 && run.r[0].len == 5);
}

static void test_decode_msg_cap_bound(void)
{
	static uint8_t pay[300];
	uint8_t *s = STREAM;
	size_t n;
	run_t run;

	memset(pay, 'm', sizeof pay);
	/* Exactly msg_cap: fine; one more: 1009, before the payload. */
	n = srv_frame(s, FIN | TL_WS_OP_TEXT, pay, 100, 0);
	CU_ASSERT(split_invariant(s, n, MSG, 100, 20, &run));
	CU_ASSERT(run.n == 1 && run.error == 0 && run.r[0].len == 100);
	n = srv_frame(s, FIN | TL_WS_OP_TEXT, pay, 101, 0);
	expect_error(s, n, 100, 0, -EMSGSIZE, TL_WS_CLOSE_TOO_BIG, "longer than 100");
	expect_error(s, 2, 100, 0, -EMSGSIZE, TL_WS_CLOSE_TOO_BIG, "longer than 100");
	/* The same across fragments (a ping between them is fine). */
	n = srv_frame(s, TL_WS_OP_BINARY, pay, 50, 0);
	n += srv_frame(s + n, FIN | TL_WS_OP_PING, pay, 125, 0);
	n += srv_frame(s + n, FIN | TL_WS_OP_CONT, pay, 50, 0);
	CU_ASSERT(split_invariant(s, n, MSG, 100, 20, &run));
	CU_ASSERT(run.n == 2 && run.error == 0 && run.r[1].len == 100);
	n = srv_frame(s, TL_WS_OP_BINARY, pay, 50, 0);
	n += srv_frame(s + n, FIN | TL_WS_OP_PING, pay, 125, 0);
	n += srv_frame(s + n, FIN | TL_WS_OP_CONT, pay, 51, 0);
	expect_error(s, n, 100, 1, -EMSGSIZE, TL_WS_CLOSE_TOO_BIG, "longer than 100");
	/* A 64-bit length far above any buffer. */
	memcpy(s, "\x82\x7f\x00\x00\x01\x00\x00\x00\x00\x00", 10);
	expect_error(s, 10, sizeof MSG, 0, -EMSGSIZE, TL_WS_CLOSE_TOO_BIG,
		     "longer than");
	/* Every message of a long stream fits (the buffer is reused). */
	n = 0;
	for (int i = 0; i < 20; i++)
		n += srv_frame(s + n, FIN | TL_WS_OP_TEXT, pay, 100, 0);
	CU_ASSERT(split_invariant(s, n, MSG, 100, 20, &run));
	CU_ASSERT(run.n == 20 && run.error == 0);
}

/* ---- the simulator's server side ----------------------------------------- */

static void test_interop_sim_ws(void)
{
	static char buf[4200];
	static uint8_t pay[4000];
	static const size_t lens[] = { 0, 1, 5, 125, 126, 1000, 4000 };
	char a[29], b[29];
	tl_sim_ws_frame_t f;
	tl_ws_dec_t d;
	tl_ws_msg_t m;

	/* Accept keys: RFC's and a few others. */
	CU_ASSERT_EQUAL(tl_sim_ws_accept(RFC_KEY, strlen(RFC_KEY), a), 0);
	CU_ASSERT_EQUAL(tl_ws_accept_key(RFC_KEY, strlen(RFC_KEY), b), 0);
	CU_ASSERT_STRING_EQUAL(a, b);
	for (int i = 0; i < 16; i++) {
		uint8_t nonce[16];
		char key[TL_WS_KEY_LEN + 1], req[256];

		for (int k = 0; k < 16; k++)
			nonce[k] = (uint8_t)(i * 37 + k * 11);
		CU_ASSERT(tl_ws_handshake_request(req, sizeof req, "h", "/", nonce,
						  key) > 0);
		CU_ASSERT_EQUAL(tl_sim_ws_accept(key, strlen(key), a), 0);
		CU_ASSERT_EQUAL(tl_ws_accept_key(key, strlen(key), b), 0);
		CU_ASSERT_STRING_EQUAL(a, b);
	}
	for (size_t i = 0; i < sizeof pay; i++)
		pay[i] = (uint8_t)('a' + i % 26);
	for (size_t k = 0; k < sizeof lens / sizeof lens[0]; k++) {
		size_t n = lens[k];
		/* Ours to the server: the same op, fin and payload. */
		int got = tl_ws_encode((uint8_t *)buf, sizeof buf, TL_WS_OP_TEXT,
				       true, pay, n, 0xdeadbeef ^ (uint32_t)n);
		CU_ASSERT_FATAL(got > 0);
		CU_ASSERT_EQUAL(tl_sim_ws_parse(buf, (size_t)got, &f), got);
		CU_ASSERT(f.op == TL_SIM_WS_OP_TEXT && f.fin && f.len == n);
		CU_ASSERT(memcmp(f.payload, pay, n) == 0);
		/* The server's to us. */
		size_t hl = tl_sim_ws_header(TL_SIM_WS_OP_TEXT, n, (uint8_t *)buf);
		memcpy(buf + hl, pay, n);
		tl_ws_dec_init(&d, MSG, n);
		CU_ASSERT_EQUAL(tl_ws_dec_feed(&d, (uint8_t *)buf, hl + n, &m),
				(ssize_t)(hl + n));
		CU_ASSERT(m.kind == TL_WS_MSG_TEXT && m.len == n);
		CU_ASSERT(n == 0 || memcmp(m.data, pay, n) == 0);
	}
	/* Control frames: ping and close reach the server as sent. */
	int got = tl_ws_encode((uint8_t *)buf, sizeof buf, TL_WS_OP_PING, true,
			       "beat", 4, 7);
	CU_ASSERT_EQUAL(tl_sim_ws_parse(buf, (size_t)got, &f), got);
	CU_ASSERT(f.op == TL_SIM_WS_OP_PING && f.len == 4 &&
		  memcmp(f.payload, "beat", 4) == 0);
	got = tl_ws_encode_close((uint8_t *)buf, sizeof buf, 1001, "bye", 9);
	CU_ASSERT_EQUAL(tl_sim_ws_parse(buf, (size_t)got, &f), got);
	CU_ASSERT(f.op == TL_SIM_WS_OP_CLOSE && f.len == 5 &&
		  memcmp(f.payload, "\x03\xe9" "bye", 5) == 0);
}

/* ---- no allocation ------------------------------------------------------ */

static void test_never_allocates(void)
{
	static uint8_t bin[70000], out[512];
	static tl_ws_dec_t d;
	char req[512], key[TL_WS_KEY_LEN + 1], err[128];
	size_t n = big_stream(STREAM, bin, sizeof bin), calls;
	tl_ws_msg_t m;
	ssize_t got;

	tl_alloc_hook_arm();
	tl_ws_handshake_request(req, sizeof req, "h", "/ws", RFC_NONCE, key);
	tl_ws_handshake_check(RFC_RESP, sizeof RFC_RESP - 1, RFC_KEY, err, sizeof err);
	tl_ws_handshake_check(S("HTTP/1.1 400 Bad\r\n"), RFC_KEY, err, sizeof err);
	tl_ws_encode(out, sizeof out, TL_WS_OP_TEXT, true, "Hello", 5, 1);
	tl_ws_encode_close(out, sizeof out, 1000, "bye", 1);
	tl_ws_dec_init(&d, MSG, sizeof MSG);
	for (size_t at = 0; at < n; at += (size_t)got) {
		got = tl_ws_dec_feed(&d, STREAM + at, n - at < 7 ? n - at : 7, &m);
		if (got < 0)
			break;
	}
	/* Error paths format their message. */
	tl_ws_dec_init(&d, MSG, 10);
	tl_ws_dec_feed(&d, (const uint8_t *)"\x82\x7f\0\0\0\0\0\0\0\x0b", 10, &m);
	tl_ws_dec_reset(&d);
	tl_ws_dec_feed(&d, (const uint8_t *)"\x88\x02\x03\xed", 4, &m);
	tl_ws_dec_reset(&d);
	tl_ws_dec_feed(&d, (const uint8_t *)"\x81\x01\xff", 3, &m);
	calls = tl_alloc_hook_disarm();
	CU_ASSERT_EQUAL(calls, 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(tl_ws_dec_error(&d), "UTF-8"));
}

TL_TEST_SUITE("io.ws", NULL, NULL,
	      TL_TEST(test_handshake_request_text),
	      TL_TEST(test_handshake_accept_rfc_example),
	      TL_TEST(test_handshake_refusals),
	      TL_TEST(test_handshake_non_101),
	      TL_TEST(test_handshake_incomplete),
	      TL_TEST(test_handshake_head_bound),
	      TL_TEST(test_encode_rfc_hello),
	      TL_TEST(test_encode_length_forms),
	      TL_TEST(test_mask_word_matches_bytes),
	      TL_TEST(test_encode_close),
	      TL_TEST(test_decode_round_trip_any_split),
	      TL_TEST(test_decode_encoded_payloads),
	      TL_TEST(test_decode_fragmented_with_control),
	      TL_TEST(test_decode_feed_contract),
	      TL_TEST(test_decode_error_framing),
	      TL_TEST(test_decode_error_close_payload),
	      TL_TEST(test_decode_error_utf8),
	      TL_TEST(test_decode_msg_cap_bound),
	      TL_TEST(test_interop_sim_ws),
	      TL_TEST(test_never_allocates));
