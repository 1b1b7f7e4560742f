/*
 * ws.c - WebSocket (RFC 6455) client codec (see ws.h).
 */
#include "io/net/ws.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/sha.h>

#include "kernel/utf8.h"

static const char ws_guid[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

/* ---- small helpers ------------------------------------------------------ */

/* Standard base64 with padding; out gets 4 * ceil(n / 3) chars and a NUL. */
static void ws_base64(const uint8_t *in, size_t n, char *out)
{
	static const char tab[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t o = 0;

	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16;
		size_t left = n - i;

		if (left > 1)
			v |= (uint32_t)in[i + 1] << 8;
		if (left > 2)
			v |= in[i + 2];
		out[o++] = tab[(v >> 18) & 63];
		out[o++] = tab[(v >> 12) & 63];
		out[o++] = left > 1 ? tab[(v >> 6) & 63] : '=';
		out[o++] = left > 2 ? tab[v & 63] : '=';
	}
	out[o] = '\0';
}

static char ws_lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static bool ws_ieq(const char *a, size_t alen, const char *lit)
{
	size_t n = strlen(lit);

	if (alen != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (ws_lower(a[i]) != lit[i])
			return false;
	return true;
}

/* Text a peer sent is valid UTF-8: ASCII eight bytes at a time, the rest
 * through the kernel's strict decoder (no overlongs, no surrogates). */
static bool ws_utf8_valid(const uint8_t *p, size_t n)
{
	size_t i = 0;

	while (i < n) {
		uint64_t w;
		uint32_t cp;
		size_t k;

		if (n - i >= 8) {
			memcpy(&w, p + i, 8);
			if (!(w & 0x8080808080808080ULL)) {
				i += 8;
				continue;
			}
		}
		if (p[i] < 0x80) {
			i++;
			continue;
		}
		k = tl_utf8_decode((const char *)p + i, n - i, &cp);
		if (k == 0)
			return false;
		i += k;
	}
	return true;
}

bool tl_ws_close_code_valid(uint16_t code)
{
	/* 1004-1006 and 1015 are reserved (never on the wire); 1012-1014
	 * are IANA-registered since RFC 6455; 1016-2999 are unassigned. */
	return (code >= 1000 && code <= 1003) ||
	       (code >= 1007 && code <= 1014) ||
	       (code >= 3000 && code <= 4999);
}

/* ---- handshake ---------------------------------------------------------- */

int tl_ws_accept_key(const char *key, size_t klen, char accept[29])
{
	uint8_t dig[WC_SHA_DIGEST_SIZE];
	wc_Sha sha;
	int rc;

	accept[0] = '\0';
	rc = wc_InitSha(&sha);
	if (rc != 0)
		return -1;
	rc = wc_ShaUpdate(&sha, (const byte *)key, (word32)klen);
	if (rc == 0)
		rc = wc_ShaUpdate(&sha, (const byte *)ws_guid,
				  (word32)(sizeof ws_guid - 1));
	if (rc == 0)
		rc = wc_ShaFinal(&sha, dig);
	wc_ShaFree(&sha);
	if (rc != 0)
		return -1;
	ws_base64(dig, sizeof dig, accept);
	return 0;
}

/* Host and path go verbatim into the request line and a header: no room
 * for anything that would end or split them. */
static bool ws_req_token(const char *s)
{
	if (!s || !*s)
		return false;
	for (; *s; s++)
		if ((unsigned char)*s <= 0x20 || *s == 0x7F)
			return false;
	return true;
}

typedef struct ws_out {
	char *buf;
	size_t cap, len;
	bool over;
} ws_out_t;

static void ws_put(ws_out_t *o, const char *s)
{
	size_t n = strlen(s);

	if (o->over || n > o->cap - o->len) {
		o->over = true;
		return;
	}
	memcpy(o->buf + o->len, s, n);
	o->len += n;
}

int tl_ws_handshake_request(char *buf, size_t cap, const char *host,
			    const char *path, const uint8_t nonce[16],
			    char key_b64[TL_WS_KEY_LEN + 1])
{
	ws_out_t o = { buf, cap, 0, false };

	ws_base64(nonce, 16, key_b64);
	if (!ws_req_token(host) || !ws_req_token(path) || path[0] != '/')
		return -1;
	ws_put(&o, "GET ");
	ws_put(&o, path);
	ws_put(&o, " HTTP/1.1\r\nHost: ");
	ws_put(&o, host);
	ws_put(&o, "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
		   "Sec-WebSocket-Key: ");
	ws_put(&o, key_b64);
	ws_put(&o, "\r\nSec-WebSocket-Version: 13\r\n\r\n");
	if (o.over || o.len > INT_MAX)
		return -1;
	return (int)o.len;
}

static int ws_fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int ws_fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* One line of the head: [p, p + n) without its LF or CR LF. Returns the
 * offset just past the LF, or 0 when there is no LF in [from, end). */
static size_t ws_line(const char *s, size_t from, size_t end, size_t *n)
{
	const char *lf = from < end ? memchr(s + from, '\n', end - from) : NULL;

	if (!lf)
		return 0;
	*n = (size_t)(lf - (s + from));
	if (*n > 0 && s[from + *n - 1] == '\r')
		(*n)--;
	return (size_t)(lf - s) + 1;
}

/* Does the comma-separated list v[0..n) hold `tok` (case-insensitive)? */
static bool ws_has_token(const char *v, size_t n, const char *tok)
{
	size_t i = 0;

	while (i <= n) {
		size_t a = i, b;

		while (i < n && v[i] != ',')
			i++;
		b = i;
		while (a < b && (v[a] == ' ' || v[a] == '\t'))
			a++;
		while (b > a && (v[b - 1] == ' ' || v[b - 1] == '\t'))
			b--;
		if (ws_ieq(v + a, b - a, tok))
			return true;
		i++;
	}
	return false;
}

int tl_ws_handshake_check(const char *resp, size_t len,
			  const char key_b64[TL_WS_KEY_LEN + 1], char *err,
			  size_t errlen)
{
	size_t end = len < TL_WS_HEAD_MAX ? len : TL_WS_HEAD_MAX;
	size_t at, n, next, head_len = 0;
	bool upgrade = false, connection = false, accepted = false;
	char want[29];

	if (err && errlen)
		err[0] = '\0';
	/* The status line first: a refusal is reported as soon as it is
	 * here, whatever follows (a body, or nothing before the close). */
	next = ws_line(resp, 0, end, &n);
	if (next == 0) {
		if (len >= TL_WS_HEAD_MAX)
			return ws_fail(err, errlen, "handshake: status line "
				       "longer than %d bytes", TL_WS_HEAD_MAX);
		return 0;
	}
	if (n < 12 || memcmp(resp, "HTTP/1.1 ", 9) != 0 ||
	    resp[9] < '1' || resp[9] > '5' || resp[10] < '0' ||
	    resp[10] > '9' || resp[11] < '0' || resp[11] > '9' ||
	    (n > 12 && resp[12] != ' '))
		return ws_fail(err, errlen,
			       "handshake: not an HTTP/1.1 status line");
	for (size_t i = 12; i < n; i++)
		if (((unsigned char)resp[i] < 0x20 && resp[i] != '\t') ||
		    resp[i] == 0x7F)
			return ws_fail(err, errlen, "handshake: control byte "
				       "in the status line");
	if (memcmp(resp + 9, "101", 3) != 0)
		return ws_fail(err, errlen,
			       "handshake: server answered %.3s, not 101 "
			       "Switching Protocols", resp + 9);
	/* The whole head must be here (and within the bound). */
	for (at = next; (next = ws_line(resp, at, end, &n)) != 0; at = next)
		if (n == 0) {
			head_len = next;
			break;
		}
	if (head_len == 0) {
		if (len >= TL_WS_HEAD_MAX)
			return ws_fail(err, errlen, "handshake: response head "
				       "larger than %d bytes", TL_WS_HEAD_MAX);
		return 0;
	}
	if (tl_ws_accept_key(key_b64, strlen(key_b64), want) != 0)
		return ws_fail(err, errlen, "handshake: SHA-1 failed");

	for (at = ws_line(resp, 0, head_len, &n);
	     (next = ws_line(resp, at, head_len, &n)) != 0 && n > 0;
	     at = next) {
		const char *l = resp + at, *colon = memchr(l, ':', n);
		size_t nl, vb, ve;

		for (size_t i = 0; i < n; i++)
			if (((unsigned char)l[i] < 0x20 && l[i] != '\t') ||
			    l[i] == 0x7F)
				return ws_fail(err, errlen, "handshake: control "
					       "byte in a header line");
		if (!colon || colon == l || l[0] == ' ' || l[0] == '\t' ||
		    colon[-1] == ' ' || colon[-1] == '\t')
			return ws_fail(err, errlen,
				       "handshake: malformed header line");
		nl = (size_t)(colon - l);
		vb = nl + 1;
		ve = n;
		while (vb < ve && (l[vb] == ' ' || l[vb] == '\t'))
			vb++;
		while (ve > vb && (l[ve - 1] == ' ' || l[ve - 1] == '\t'))
			ve--;
		if (ws_ieq(l, nl, "upgrade")) {
			upgrade |= ws_has_token(l + vb, ve - vb, "websocket");
		} else if (ws_ieq(l, nl, "connection")) {
			connection |= ws_has_token(l + vb, ve - vb, "upgrade");
		} else if (ws_ieq(l, nl, "sec-websocket-accept")) {
			if (accepted || ve - vb != 28 ||
			    memcmp(l + vb, want, 28) != 0)
				return ws_fail(err, errlen, "handshake: wrong "
					       "Sec-WebSocket-Accept");
			accepted = true;
		} else if ((ws_ieq(l, nl, "sec-websocket-extensions") ||
			    ws_ieq(l, nl, "sec-websocket-protocol")) &&
			   ve > vb) {
			return ws_fail(err, errlen, "handshake: server chose "
				       "%.*s we did not offer", (int)nl, l);
		}
	}
	if (!upgrade)
		return ws_fail(err, errlen,
			       "handshake: no \"Upgrade: websocket\"");
	if (!connection)
		return ws_fail(err, errlen,
			       "handshake: no \"Connection: Upgrade\"");
	if (!accepted)
		return ws_fail(err, errlen,
			       "handshake: no Sec-WebSocket-Accept");
	return (int)head_len;
}

/* ---- encoder ------------------------------------------------------------ */

void tl_ws_mask(uint8_t *p, size_t len, uint32_t mask_key, unsigned phase)
{
	uint8_t m[8];
	uint64_t m64, w;
	size_t i = 0;

	/* The key's bytes in wire order from `phase`, twice: XORing eight
	 * bytes keeps the phase, as 8 is a multiple of 4. */
	for (unsigned k = 0; k < 8; k++)
		m[k] = (uint8_t)(mask_key >> (24 - 8 * ((k + phase) & 3)));
	memcpy(&m64, m, 8);
	for (; len - i >= 8; i += 8) {
		memcpy(&w, p + i, 8);
		w ^= m64;
		memcpy(p + i, &w, 8);
	}
	for (; i < len; i++)
		p[i] ^= m[i & 3];
}

size_t tl_ws_header_len(size_t len)
{
	return len < 126 ? 6 : len <= 0xFFFF ? 8 : 14;
}

static bool ws_op_known(uint8_t op)
{
	return op <= TL_WS_OP_BINARY ||
	       (op >= TL_WS_OP_CLOSE && op <= TL_WS_OP_PONG);
}

int tl_ws_encode(uint8_t *out, size_t cap, uint8_t op, bool fin,
		 const void *payload, size_t len, uint32_t mask_key)
{
	size_t hl = tl_ws_header_len(len), i = 2;

	if (!ws_op_known(op))
		return -EINVAL;
	if (op >= TL_WS_OP_CLOSE) {
		if (!fin)
			return -EINVAL;
		if (len > TL_WS_CONTROL_MAX)
			return -EMSGSIZE;
	}
	if (len > cap || hl > cap - len || hl + len > INT_MAX)
		return -EMSGSIZE;
	if (len && (const uint8_t *)payload != out + hl)
		memmove(out + hl, payload, len);
	out[0] = (uint8_t)((fin ? 0x80 : 0) | op);
	if (len < 126) {
		out[1] = (uint8_t)(0x80 | len);
	} else if (len <= 0xFFFF) {
		out[1] = 0x80 | 126;
		out[i++] = (uint8_t)(len >> 8);
		out[i++] = (uint8_t)len;
	} else {
		out[1] = 0x80 | 127;
		for (int s = 56; s >= 0; s -= 8)
			out[i++] = (uint8_t)((uint64_t)len >> s);
	}
	out[i++] = (uint8_t)(mask_key >> 24);
	out[i++] = (uint8_t)(mask_key >> 16);
	out[i++] = (uint8_t)(mask_key >> 8);
	out[i++] = (uint8_t)mask_key;
	tl_ws_mask(out + hl, len, mask_key, 0);
	return (int)(hl + len);
}

int tl_ws_encode_close(uint8_t *out, size_t cap, uint16_t code,
		       const char *reason, uint32_t mask_key)
{
	uint8_t p[TL_WS_CONTROL_MAX];
	size_t rl = reason ? strlen(reason) : 0;

	if (code == 0)
		return rl ? -EINVAL
			  : tl_ws_encode(out, cap, TL_WS_OP_CLOSE, true, NULL,
					 0, mask_key);
	if (!tl_ws_close_code_valid(code))
		return -EINVAL;
	if (rl > TL_WS_CONTROL_MAX - 2)
		return -EMSGSIZE;
	p[0] = (uint8_t)(code >> 8);
	p[1] = (uint8_t)code;
	if (rl)
		memcpy(p + 2, reason, rl);
	return tl_ws_encode(out, cap, TL_WS_OP_CLOSE, true, p, rl + 2,
			    mask_key);
}

/* ---- decoder ------------------------------------------------------------ */

enum {
	WS_HDR = 0,      /* collecting a frame header */
	WS_PAYLOAD,      /* copying a frame's payload */
	WS_CLOSED,       /* the peer's close was delivered */
	WS_FAILED,
};

void tl_ws_dec_init(tl_ws_dec_t *d, uint8_t *msg_buf, size_t msg_cap)
{
	memset(d, 0, sizeof *d);
	d->msg_buf = msg_buf;
	d->msg_cap = msg_buf ? msg_cap : 0;
	d->hdr_need = 2;
}

void tl_ws_dec_reset(tl_ws_dec_t *d)
{
	tl_ws_dec_init(d, d->msg_buf, d->msg_cap);
}

const char *tl_ws_dec_error(const tl_ws_dec_t *d)
{
	return d->state == WS_FAILED ? d->err : "";
}

uint16_t tl_ws_dec_close_code(const tl_ws_dec_t *d)
{
	return d->state == WS_FAILED ? d->close_code : 0;
}

static ssize_t ws_dec_fail(tl_ws_dec_t *d, int error, uint16_t close_code,
			   const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static ssize_t ws_dec_fail(tl_ws_dec_t *d, int error, uint16_t close_code,
			   const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(d->err, sizeof d->err, fmt, ap);
	va_end(ap);
	d->state = WS_FAILED;
	d->error = error;
	d->close_code = close_code;
	return error;
}

#define WS_PROTO(d, ...) ws_dec_fail(d, -EPROTO, TL_WS_CLOSE_PROTOCOL, __VA_ARGS__)

/* The first two header bytes are in: check them, say how many follow. */
static ssize_t ws_dec_first(tl_ws_dec_t *d)
{
	uint8_t b0 = d->hdr[0], b1 = d->hdr[1], op = b0 & 0x0F;

	if (b0 & 0x70)
		return WS_PROTO(d, "ws: reserved bits 0x%02x set (no extension "
				"was negotiated)", b0 & 0x70);
	if (!ws_op_known(op))
		return WS_PROTO(d, "ws: unknown opcode 0x%x", op);
	if (b1 & 0x80)
		return WS_PROTO(d, "ws: masked frame from the server");
	d->op = op;
	d->fin = b0 & 0x80;
	if (op >= TL_WS_OP_CLOSE) {
		if (!d->fin)
			return WS_PROTO(d, "ws: fragmented control frame "
					"(opcode 0x%x)", op);
		if ((b1 & 0x7F) > TL_WS_CONTROL_MAX)
			return WS_PROTO(d, "ws: control frame (opcode 0x%x) "
					"longer than 125 bytes", op);
	} else if (op == TL_WS_OP_CONT && d->msg_op == 0) {
		return WS_PROTO(d, "ws: continuation frame without a "
				"message to continue");
	} else if (op != TL_WS_OP_CONT && d->msg_op != 0) {
		return WS_PROTO(d, "ws: new data frame inside a fragmented "
				"message");
	}
	d->hdr_need = (b1 & 0x7F) == 126 ? 4 : (b1 & 0x7F) == 127 ? 10 : 2;
	return 0;
}

/* The whole header is in: the payload length, checked against the room
 * left, before any of the payload arrives. */
static ssize_t ws_dec_header(tl_ws_dec_t *d)
{
	uint64_t n = d->hdr[1] & 0x7F;

	if (n == 126) {
		n = (uint64_t)d->hdr[2] << 8 | d->hdr[3];
	} else if (n == 127) {
		n = 0;
		for (int i = 2; i < 10; i++)
			n = n << 8 | d->hdr[i];
		if (n >> 63)
			return WS_PROTO(d, "ws: 64-bit length with the most "
					"significant bit set");
	}
	d->payload_len = n;
	d->payload_got = 0;
	if (d->op < TL_WS_OP_CLOSE) {
		if (n > d->msg_cap - (d->op == TL_WS_OP_CONT ? d->msg_len : 0))
			return ws_dec_fail(d, -EMSGSIZE, TL_WS_CLOSE_TOO_BIG,
					   "ws: message longer than %zu bytes",
					   d->msg_cap);
		if (d->op != TL_WS_OP_CONT) {
			d->msg_op = d->op;
			d->msg_len = 0;
		}
	}
	d->state = WS_PAYLOAD;
	return 0;
}

/* The current frame's payload is complete. Returns 1 with *out filled
 * when it completes a message, 0 when not, or the error. */
static ssize_t ws_dec_frame_done(tl_ws_dec_t *d, tl_ws_msg_t *out)
{
	size_t n = (size_t)d->payload_len;

	d->state = WS_HDR;
	d->hdr_have = 0;
	d->hdr_need = 2;
	switch (d->op) {
	case TL_WS_OP_PING:
	case TL_WS_OP_PONG:
		out->kind = d->op == TL_WS_OP_PING ? TL_WS_MSG_PING
						   : TL_WS_MSG_PONG;
		out->data = d->ctl;
		out->len = n;
		return 1;
	case TL_WS_OP_CLOSE:
		if (n == 1)
			return WS_PROTO(d, "ws: close frame with a 1-byte "
					"payload");
		out->close_code = TL_WS_CLOSE_NO_STATUS;
		if (n >= 2) {
			out->close_code = (uint16_t)(d->ctl[0] << 8 | d->ctl[1]);
			if (!tl_ws_close_code_valid(out->close_code))
				return WS_PROTO(d, "ws: invalid close code %u",
						out->close_code);
			if (!ws_utf8_valid(d->ctl + 2, n - 2))
				return ws_dec_fail(d, -EILSEQ,
						   TL_WS_CLOSE_INVALID_DATA,
						   "ws: close reason is not "
						   "UTF-8");
		}
		out->kind = TL_WS_MSG_CLOSE;
		out->data = d->ctl + (n >= 2 ? 2 : 0);
		out->len = n >= 2 ? n - 2 : 0;
		d->state = WS_CLOSED;
		return 1;
	default:
		if (!d->fin)
			return 0;
		if (d->msg_op == TL_WS_OP_TEXT &&
		    !ws_utf8_valid(d->msg_buf, d->msg_len))
			return ws_dec_fail(d, -EILSEQ, TL_WS_CLOSE_INVALID_DATA,
					   "ws: text message is not UTF-8");
		out->kind = d->msg_op == TL_WS_OP_TEXT ? TL_WS_MSG_TEXT
						       : TL_WS_MSG_BINARY;
		out->data = d->msg_buf;
		out->len = d->msg_len;
		d->msg_op = 0;
		return 1;
	}
}

ssize_t tl_ws_dec_feed(tl_ws_dec_t *d, const uint8_t *in, size_t len,
		       tl_ws_msg_t *out)
{
	size_t at = 0;
	ssize_t rc;

	memset(out, 0, sizeof *out);
	if (d->state == WS_FAILED)
		return d->error;
	if (len > SSIZE_MAX)
		len = SSIZE_MAX;
	while (at < len) {
		if (d->state == WS_CLOSED)
			return WS_PROTO(d, "ws: bytes after the close frame");
		if (d->state == WS_HDR) {
			size_t k = d->hdr_need - d->hdr_have;

			if (k > len - at)
				k = len - at;
			memcpy(d->hdr + d->hdr_have, in + at, k);
			d->hdr_have = (uint8_t)(d->hdr_have + k);
			at += k;
			if (d->hdr_have < d->hdr_need)
				break;
			if (d->hdr_have == 2 && (rc = ws_dec_first(d)) < 0)
				return rc;
			if (d->hdr_have < d->hdr_need)
				continue;
			if ((rc = ws_dec_header(d)) < 0)
				return rc;
		} else {
			uint64_t left = d->payload_len - d->payload_got;
			size_t k = left < len - at ? (size_t)left : len - at;

			if (d->op >= TL_WS_OP_CLOSE) {
				memcpy(d->ctl + d->payload_got, in + at, k);
			} else if (k) {
				memcpy(d->msg_buf + d->msg_len, in + at, k);
				d->msg_len += k;
			}
			d->payload_got += k;
			at += k;
		}
		/* A frame ends here, possibly an empty one just headed. */
		if (d->state == WS_PAYLOAD && d->payload_got == d->payload_len) {
			rc = ws_dec_frame_done(d, out);
			if (rc < 0)
				return rc;
			if (rc == 1)
				return (ssize_t)at;
		}
	}
	return (ssize_t)at;
}
