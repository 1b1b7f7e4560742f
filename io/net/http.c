/*
 * http.c - HTTP/1.1 client codec: request writer and incremental
 * response parser (see http.h for the contract and the limits).
 *
 * The parser is a loop over phases. Line phases (status line, headers,
 * chunk-size lines, trailers) find the LF with memchr and parse the line
 * in place; only a line split across feeds is copied into priv.line.
 * Body phases copy straight into the caller's buffer.
 *
 *   STATUS -> HEADER -+-> STATUS              [1xx interim, skipped]
 *                     +-> DONE                [204, 304, Content-Length 0]
 *                     +-> BODY -> DONE        [Content-Length]
 *                     +-> BODY_EOF -> DONE    [no framing: tl_http_resp_eof]
 *                     +-> CHUNK_SIZE -> CHUNK_DATA -> CHUNK_CR [-> CHUNK_LF]
 *                           ^  |                                  |
 *                           |  +-> TRAILER -> DONE   [size 0]     |
 *                           +-------------------------------------+
 *   any phase -> ERROR (sticky)
 *
 * Split independence. Every check on a line runs either on the complete
 * line (content checks) or on a count of its bytes (limits); the limit
 * check on a partial line reports whichever limit the byte stream
 * crossed first, so splitting a line anywhere cannot change which error
 * is reported (test_http checks every split).
 *
 * Invariants (tl_http_resp_check):
 *   1. body_len <= body_cap, and in BODY / CHUNK_DATA remaining <=
 *      body_cap - body_len (sizes above the room left fail at once).
 *   2. priv.line_len <= TL_HTTP_LINE_MAX + 1, and is 0 outside line phases.
 *   3. head_bytes <= TL_HTTP_HEAD_MAX, chunk_bytes <= TL_HTTP_CHUNK_FRAMING_MAX.
 *   4. state DONE <=> phase DONE; state ERROR <=> phase ERROR <=> error != OK.
 */
#include "io/net/http.h"

#include <errno.h>
#include <limits.h>
#include <string.h>

enum {
	P_STATUS = 0, P_HEADER, P_BODY, P_BODY_EOF, P_CHUNK_SIZE,
	P_CHUNK_DATA, P_CHUNK_CR, P_CHUNK_LF, P_TRAILER, P_DONE, P_ERROR
};

#define NS_PER_S 1000000000LL

/* ---- character classes ------------------------------------------------- */

/* Byte classes. V: field-value, reason-phrase and chunk-ext bytes
 * (HTAB, SP, VCHAR, obs-text; no other control byte, no DEL). T: RFC
 * 9110 tchar, the bytes of a header name. */
enum { HTTP_V = 1, HTTP_T = 2, HTTP_VT = 3 };
static const unsigned char http_class[256] = {
	['\t'] = HTTP_V, [' '] = HTTP_V, ['!'] = HTTP_VT, ['"'] = HTTP_V,
	['#' ... '\''] = HTTP_VT, ['(' ... ')'] = HTTP_V, ['*' ... '+'] = HTTP_VT,
	[','] = HTTP_V, ['-' ... '.'] = HTTP_VT, ['/'] = HTTP_V,
	['0' ... '9'] = HTTP_VT, [':' ... '@'] = HTTP_V, ['A' ... 'Z'] = HTTP_VT,
	['[' ... ']'] = HTTP_V, ['^' ... 'z'] = HTTP_VT, ['{'] = HTTP_V,
	['|'] = HTTP_VT, ['}'] = HTTP_V, ['~'] = HTTP_VT,
	[0x80 ... 0xff] = HTTP_V,
};

static bool http_tchar(unsigned char c)
{
	return http_class[c] & HTTP_T;
}

static bool http_vbyte(unsigned char c)
{
	return http_class[c] & HTTP_V;
}

static bool http_vbytes(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!http_vbyte((unsigned char)s[i]))
			return false;
	return true;
}

/* s[0..n) equals `lower` ignoring ASCII case (`lower` is lower case). */
static bool http_ieq(const char *s, size_t n, const char *lower)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 'A' && c <= 'Z')
			c |= 0x20;
		if (c != (unsigned char)lower[i] || lower[i] == '\0')
			return false;
	}
	return lower[i] == '\0';
}

/* Plain decimal digits, at most 18 of them (no sign, no space): the
 * value, or -1. */
static int64_t http_digits(const char *s, size_t n)
{
	int64_t v = 0;

	if (n == 0 || n > 18)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/* ---- request writer ----------------------------------------------------- */

/* Non-empty, no control byte, and no space unless `sp` (method, host,
 * path, query: no space; content type: spaces allowed). */
static bool http_text_ok(const char *s, bool sp)
{
	if (!s || !*s)
		return false;
	for (; *s; s++)
		if (((unsigned char)*s < 0x20 || *s == 0x7f) || (*s == ' ' && !sp))
			return false;
	return true;
}

static bool http_token_ok(const char *s)
{
	return http_text_ok(s, false);
}

/* "Name: value\r\n" lines: every CR followed by LF, every LF preceded by
 * CR, no empty line (it would end the head), ends with CRLF. */
static bool http_headers_ok(const char *h)
{
	size_t n = strlen(h);

	if (n == 0)
		return true;
	if (n < 2 || h[n - 2] != '\r' || h[n - 1] != '\n')
		return false;
	for (size_t i = 0; i < n; i++) {
		if (h[i] == '\r' && h[i + 1] != '\n')
			return false;
		if (h[i] == '\n' && (i == 0 || h[i - 1] != '\r'))
			return false;
		if (h[i] == '\n' && (i < 2 || h[i - 2] == '\n'))
			return false;   /* empty line */
	}
	return h[0] != '\r';
}

struct http_w {
	char *p, *end;
	bool full;
};

static void http_put(struct http_w *w, const char *s, size_t n)
{
	if (w->full || n > (size_t)(w->end - w->p)) {
		w->full = true;
		return;
	}
	memcpy(w->p, s, n);
	w->p += n;
}

static void http_puts(struct http_w *w, const char *s)
{
	http_put(w, s, strlen(s));
}

static void http_put_u64(struct http_w *w, uint64_t v)
{
	char tmp[20];
	size_t i = sizeof tmp;

	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	http_put(w, tmp + i, sizeof tmp - i);
}

int tl_http_write_request(char *buf, size_t cap, const char *method,
			  const char *host, const char *path, const char *query,
			  const char *extra_headers, const char *body,
			  size_t body_len, const char *content_type)
{
	struct http_w w = { buf, buf + cap, false };
	bool want_cl;

	if (!http_token_ok(method) || !http_token_ok(host) ||
	    !http_token_ok(path) || path[0] != '/')
		return -EINVAL;
	if (query && *query && !http_token_ok(query))
		return -EINVAL;
	if (extra_headers && !http_headers_ok(extra_headers))
		return -EINVAL;
	if (body_len && !body)
		return -EINVAL;
	if (body_len && content_type && !http_text_ok(content_type, true))
		return -EINVAL;
	want_cl = body_len || !strcmp(method, "POST") || !strcmp(method, "PUT") ||
		  !strcmp(method, "PATCH");

	http_puts(&w, method);
	http_put(&w, " ", 1);
	http_puts(&w, path);
	if (query && *query) {
		http_put(&w, "?", 1);
		http_puts(&w, query);
	}
	http_puts(&w, " HTTP/1.1\r\nHost: ");
	http_puts(&w, host);
	http_put(&w, "\r\n", 2);
	if (extra_headers)
		http_puts(&w, extra_headers);
	if (body_len && content_type) {
		http_puts(&w, "Content-Type: ");
		http_puts(&w, content_type);
		http_put(&w, "\r\n", 2);
	}
	if (want_cl) {
		http_puts(&w, "Content-Length: ");
		http_put_u64(&w, body_len);
		http_put(&w, "\r\n", 2);
	}
	http_put(&w, "\r\n", 2);
	if (body_len)
		http_put(&w, body, body_len);
	if (w.full || w.p - buf > INT_MAX)
		return -ENOSPC;
	return (int)(w.p - buf);
}

/* ---- response parser: helpers ------------------------------------------ */

static void http_fail(tl_http_resp_t *r, int err)
{
	r->state = TL_HTTP_ERROR;
	r->error = err;
	r->priv.phase = P_ERROR;
	r->priv.line_len = 0;
}

static void http_done(tl_http_resp_t *r)
{
	r->state = TL_HTTP_DONE;
	r->priv.phase = P_DONE;
	r->keep_alive = !r->conn_close && !r->priv.until_eof;
}

/* Every header-derived field back to "absent" (start, and after a 1xx). */
static void http_clear_head(tl_http_resp_t *r)
{
	r->status = 0;
	r->http_minor = 0;
	r->chunked = false;
	r->conn_close = false;
	r->keep_alive = false;
	r->content_length = -1;
	r->retry_after_ns = -1;
	if (r->on_header)	/* a new head: the caller forgets the last one's */
		r->on_header(r->header_ctx, NULL, 0, NULL, 0);
	r->priv.have_cl = false;
	r->priv.have_te = false;
	r->priv.http10_ka = false;
	r->priv.until_eof = false;
}

static void http_resp_start(tl_http_resp_t *r, char *body_buf, size_t body_cap)
{
	r->state = TL_HTTP_NEED_MORE;
	r->error = TL_HTTP_OK;
	r->body = body_buf;
	r->body_len = 0;
	r->body_cap = body_buf ? body_cap : 0;
	r->total = 0;
	r->priv.phase = P_STATUS;
	r->priv.remaining = 0;
	r->priv.head_bytes = 0;
	r->priv.chunk_bytes = 0;
	r->priv.line_len = 0;
	http_clear_head(r);
}

void tl_http_resp_init(tl_http_resp_t *r, char *body_buf, size_t body_cap)
{
	r->on_header = NULL;
	r->header_ctx = NULL;
	http_resp_start(r, body_buf, body_cap);
}

void tl_http_resp_reset(tl_http_resp_t *r)
{
	http_resp_start(r, r->body, r->body_cap);
}

void tl_http_resp_on_header(tl_http_resp_t *r, tl_http_header_fn fn, void *ctx)
{
	r->on_header = fn;
	r->header_ctx = ctx;
	if (fn)
		fn(ctx, NULL, 0, NULL, 0);
}

bool tl_http_name_is(const char *s, size_t n, const char *lower)
{
	return http_ieq(s, n, lower);
}

int64_t tl_http_header_uint(const char *s, size_t n)
{
	return http_digits(s, n);
}

/* ---- response parser: lines ------------------------------------------- */

static void http_status_line(tl_http_resp_t *r, const char *s, size_t n)
{
	size_t v = 5;
	int code;

	if (n < 5 || memcmp(s, "HTTP/", 5) != 0) {
		http_fail(r, TL_HTTP_E_STATUS);
		return;
	}
	while (v < n && ((s[v] >= '0' && s[v] <= '9') || s[v] == '.'))
		v++;
	if (v != 8 || s[5] != '1' || s[6] != '.' || (s[7] != '0' && s[7] != '1')) {
		/* "HTTP/2", "HTTP/1.2": a version, just not ours */
		http_fail(r, v > 5 && (v == n || s[v] == ' ') ?
			  TL_HTTP_E_VERSION : TL_HTTP_E_STATUS);
		return;
	}
	/* "HTTP/1.1 200" then nothing or SP reason-phrase */
	if (n < 12 || s[8] != ' ' || (n > 12 && s[12] != ' ')) {
		http_fail(r, TL_HTTP_E_STATUS);
		return;
	}
	for (int i = 9; i < 12; i++) {
		if (s[i] < '0' || s[i] > '9') {
			http_fail(r, TL_HTTP_E_STATUS);
			return;
		}
	}
	code = (s[9] - '0') * 100 + (s[10] - '0') * 10 + (s[11] - '0');
	if (code < 100 || code > 599 || code == 101) {
		http_fail(r, TL_HTTP_E_STATUS);
		return;
	}
	if (n > 12 && !http_vbytes(s + 13, n - 13)) {
		http_fail(r, TL_HTTP_E_STATUS);
		return;
	}
	r->status = code;
	r->http_minor = s[7] - '0';
	r->priv.phase = P_HEADER;
}

/* A header: name and (trimmed, validated) value. The codec's own
 * (framing, Connection, Retry-After) are read here; any other goes to
 * the caller's on_header, when set. */
static void http_header(tl_http_resp_t *r, const char *k, size_t kn,
			const char *v, size_t vn)
{
	int64_t x;

	switch (k[0] | 0x20) {   /* most headers are none of ours */
	case 'c': case 't': case 'r':
		break;
	default:
		if (r->on_header)
			r->on_header(r->header_ctx, k, kn, v, vn);
		return;
	}
	if (http_ieq(k, kn, "content-length")) {
		x = http_digits(v, vn);
		if (x < 0 || (r->priv.have_cl && x != r->content_length)) {
			http_fail(r, TL_HTTP_E_CONTENT_LENGTH);
			return;
		}
		r->priv.have_cl = true;
		r->content_length = x;
	} else if (http_ieq(k, kn, "transfer-encoding")) {
		if (r->priv.have_te || !http_ieq(v, vn, "chunked")) {
			http_fail(r, TL_HTTP_E_TRANSFER_ENCODING);
			return;
		}
		r->priv.have_te = true;
		r->chunked = true;
	} else if (http_ieq(k, kn, "connection")) {
		/* comma-separated tokens */
		size_t i = 0;
		while (i < vn) {
			size_t b, e;
			while (i < vn && (v[i] == ' ' || v[i] == '\t' || v[i] == ','))
				i++;
			b = i;
			while (i < vn && v[i] != ',')
				i++;
			e = i;
			while (e > b && (v[e - 1] == ' ' || v[e - 1] == '\t'))
				e--;
			if (http_ieq(v + b, e - b, "close"))
				r->conn_close = true;
			else if (http_ieq(v + b, e - b, "keep-alive"))
				r->priv.http10_ka = true;
		}
	} else if (http_ieq(k, kn, "retry-after")) {
		x = http_digits(v, vn);   /* an HTTP-date is ignored */
		if (x >= 0)
			r->retry_after_ns = x > INT64_MAX / NS_PER_S ?
					    INT64_MAX : x * NS_PER_S;
	} else if (r->on_header) {
		r->on_header(r->header_ctx, k, kn, v, vn);
	}
}

/* The empty line after the headers: choose the body's framing. */
static void http_head_end(tl_http_resp_t *r)
{
	if (r->status < 200) {          /* interim: the real head follows */
		http_clear_head(r);
		r->priv.phase = P_STATUS;
		return;
	}
	r->conn_close = r->conn_close ||
			(r->http_minor == 0 && !r->priv.http10_ka);
	if (r->status == 204 || r->status == 304) {
		http_done(r);
		return;
	}
	if (r->priv.have_te) {
		if (r->priv.have_cl) {
			http_fail(r, TL_HTTP_E_TRANSFER_ENCODING);
			return;
		}
		r->priv.phase = P_CHUNK_SIZE;
	} else if (r->priv.have_cl) {
		if ((uint64_t)r->content_length > r->body_cap) {
			http_fail(r, TL_HTTP_E_BODY_TOO_LARGE);
			return;
		}
		if (r->content_length == 0) {
			http_done(r);
			return;
		}
		r->priv.remaining = (uint64_t)r->content_length;
		r->priv.phase = P_BODY;
	} else {
		r->priv.until_eof = true;
		r->priv.phase = P_BODY_EOF;
	}
}

/* A header line (or, in P_TRAILER, a trailer line; its value is checked
 * and dropped: a trailer must not change framing or limits). */
static void http_header_line(tl_http_resp_t *r, const char *s, size_t n)
{
	size_t i = 0, vb, ve;

	if (n == 0) {
		if (r->priv.phase == P_TRAILER)
			http_done(r);
		else
			http_head_end(r);
		return;
	}
	if (s[0] == ' ' || s[0] == '\t') {
		http_fail(r, TL_HTTP_E_FOLDING);
		return;
	}
	while (i < n && http_tchar((unsigned char)s[i]))
		i++;
	if (i == 0 || i == n || s[i] != ':') {
		http_fail(r, TL_HTTP_E_HEADER);
		return;
	}
	vb = i + 1;
	ve = n;
	while (vb < ve && (s[vb] == ' ' || s[vb] == '\t'))
		vb++;
	while (ve > vb && (s[ve - 1] == ' ' || s[ve - 1] == '\t'))
		ve--;
	if (!http_vbytes(s + vb, ve - vb)) {
		http_fail(r, TL_HTTP_E_HEADER);
		return;
	}
	if (r->priv.phase == P_HEADER)
		http_header(r, s, i, s + vb, ve - vb);
}

static int http_hex(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* chunk-size [ BWS ";" chunk-ext ] */
static void http_chunk_line(tl_http_resp_t *r, const char *s, size_t n)
{
	uint64_t v = 0;
	size_t i = 0;
	int h;

	while (i < n && (h = http_hex((unsigned char)s[i])) >= 0) {
		if (i == 16) {
			http_fail(r, TL_HTTP_E_CHUNK_SIZE);
			return;
		}
		v = v << 4 | (uint64_t)h;
		i++;
	}
	if (i == 0) {
		http_fail(r, TL_HTTP_E_CHUNK_SIZE);
		return;
	}
	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	if (i < n && (s[i] != ';' || !http_vbytes(s + i, n - i))) {
		http_fail(r, TL_HTTP_E_CHUNK_SIZE);
		return;
	}
	if (v == 0) {
		r->priv.phase = P_TRAILER;
		return;
	}
	if (v > r->body_cap - r->body_len) {
		http_fail(r, TL_HTTP_E_BODY_TOO_LARGE);
		return;
	}
	r->priv.remaining = v;
	r->priv.phase = P_CHUNK_DATA;
}

/* One complete line, line end removed. NUL and stray CR are refused by
 * every line parser's byte checks; only when a line fails is it scanned
 * for them, to report the most telling error. */
static void http_on_line(tl_http_resp_t *r, const char *s, size_t n)
{
	int phase = r->priv.phase;

	if (n > TL_HTTP_LINE_MAX) {
		http_fail(r, TL_HTTP_E_LINE_TOO_LONG);
		return;
	}
	if (phase == P_STATUS)
		http_status_line(r, s, n);
	else if (phase == P_CHUNK_SIZE)
		http_chunk_line(r, s, n);
	else
		http_header_line(r, s, n);
	if (r->state != TL_HTTP_ERROR)
		return;
	if (memchr(s, '\0', n))
		r->error = TL_HTTP_E_NUL;
	else if (memchr(s, '\r', n))     /* a CR not right before the LF */
		r->error = phase == P_STATUS ? TL_HTTP_E_STATUS :
			   phase == P_CHUNK_SIZE ? TL_HTTP_E_CHUNK_SIZE :
			   TL_HTTP_E_HEADER;
}

/*
 * Limits on a line of which `p` bytes (line end excluded) are known.
 * Reports the limit the stream crossed first, so the answer does not
 * depend on where the line was split. Returns true on error.
 */
static bool http_line_limits(tl_http_resp_t *r, size_t p, size_t used,
			     size_t max, int budget_err)
{
	size_t at_budget = max - used + 1;      /* first byte over budget */
	size_t at_line = TL_HTTP_LINE_MAX + 2;  /* cannot be a line any more */

	if (p < at_budget && p < at_line)
		return false;
	http_fail(r, at_budget <= at_line ? budget_err : TL_HTTP_E_LINE_TOO_LONG);
	return true;
}

/* A line phase: consume one line (or buffer a partial one). */
static const char *http_line(tl_http_resp_t *r, const char *p, const char *end)
{
	bool chunk = r->priv.phase == P_CHUNK_SIZE;
	size_t *used = chunk ? &r->priv.chunk_bytes : &r->priv.head_bytes;
	size_t max = chunk ? TL_HTTP_CHUNK_FRAMING_MAX : TL_HTTP_HEAD_MAX;
	int berr = chunk ? TL_HTTP_E_CHUNK_FRAMING : TL_HTTP_E_HEAD_TOO_LARGE;
	size_t before = r->priv.line_len, k, n;
	const char *nl = memchr(p, '\n', (size_t)(end - p)), *s;

	if (!nl) {
		k = (size_t)(end - p);
		if (http_line_limits(r, before + k, *used, max, berr))
			return end;
		memcpy(r->priv.line + before, p, k);
		r->priv.line_len = before + k;
		return end;
	}
	k = (size_t)(nl - p);
	n = before + k;     /* bytes before the LF */
	if (http_line_limits(r, n, *used, max, berr))
		return nl + 1;
	if (*used + n + 1 > max) {
		http_fail(r, berr);
		return nl + 1;
	}
	*used += n + 1;
	if (before) {
		memcpy(r->priv.line + before, p, k);
		r->priv.line_len = 0;
		s = r->priv.line;
	} else {
		s = p;
	}
	if (n && s[n - 1] == '\r')
		n--;
	http_on_line(r, s, n);
	return nl + 1;
}

/* ---- response parser: feed --------------------------------------------- */

static size_t http_min(uint64_t a, size_t b)
{
	return a < b ? (size_t)a : b;
}

ssize_t tl_http_resp_feed(tl_http_resp_t *r, const char *data, size_t len)
{
	const char *p = data, *end = data + len;
	size_t n;

	if (r->state == TL_HTTP_ERROR)
		return -1;
	if (r->state == TL_HTTP_DONE || len == 0)
		return 0;
	while (p < end && r->state == TL_HTTP_NEED_MORE) {
		switch (r->priv.phase) {
		case P_STATUS:
		case P_HEADER:
		case P_CHUNK_SIZE:
		case P_TRAILER:
			p = http_line(r, p, end);
			break;
		case P_BODY:
		case P_CHUNK_DATA:
			n = http_min(r->priv.remaining, (size_t)(end - p));
			memcpy(r->body + r->body_len, p, n);
			r->body_len += n;
			r->priv.remaining -= n;
			p += n;
			if (r->priv.remaining == 0) {
				if (r->priv.phase == P_BODY)
					http_done(r);
				else
					r->priv.phase = P_CHUNK_CR;
			}
			break;
		case P_BODY_EOF:
			n = (size_t)(end - p);
			if (n > r->body_cap - r->body_len) {
				http_fail(r, TL_HTTP_E_BODY_TOO_LARGE);
				break;
			}
			memcpy(r->body + r->body_len, p, n);
			r->body_len += n;
			p += n;
			break;
		case P_CHUNK_CR:
		case P_CHUNK_LF:
			if (*p == '\n')
				r->priv.phase = P_CHUNK_SIZE;
			else if (*p == '\r' && r->priv.phase == P_CHUNK_CR)
				r->priv.phase = P_CHUNK_LF;
			else
				http_fail(r, TL_HTTP_E_CHUNK_DATA);
			p++;
			break;
		}
	}
	r->total += (size_t)(p - data);
	if (r->state == TL_HTTP_ERROR)
		return -1;
	return p - data;
}

int tl_http_resp_eof(tl_http_resp_t *r)
{
	if (r->state == TL_HTTP_DONE)
		return 0;
	if (r->state == TL_HTTP_ERROR)
		return -1;
	if (r->priv.phase == P_BODY_EOF) {
		http_done(r);
		return 0;
	}
	http_fail(r, TL_HTTP_E_EOF);
	return -1;
}

const char *tl_http_strerror(int error)
{
	static const char *const msg[TL_HTTP_E__COUNT] = {
		[TL_HTTP_OK] = "ok",
		[TL_HTTP_E_STATUS] = "malformed status line or unexpected status",
		[TL_HTTP_E_VERSION] = "unsupported HTTP version",
		[TL_HTTP_E_HEADER] = "malformed header line",
		[TL_HTTP_E_FOLDING] = "obsolete header line folding",
		[TL_HTTP_E_NUL] = "NUL byte in response head",
		[TL_HTTP_E_LINE_TOO_LONG] = "response line too long",
		[TL_HTTP_E_HEAD_TOO_LARGE] = "response head too large",
		[TL_HTTP_E_CONTENT_LENGTH] = "invalid or conflicting Content-Length",
		[TL_HTTP_E_TRANSFER_ENCODING] = "unsupported Transfer-Encoding",
		[TL_HTTP_E_CHUNK_SIZE] = "malformed chunk size line",
		[TL_HTTP_E_CHUNK_DATA] = "chunk data not followed by a line end",
		[TL_HTTP_E_CHUNK_FRAMING] = "chunk framing too large",
		[TL_HTTP_E_BODY_TOO_LARGE] = "response body too large",
		[TL_HTTP_E_EOF] = "connection closed before the response ended",
	};

	if (error < 0 || error >= TL_HTTP_E__COUNT)
		return "unknown HTTP error";
	return msg[error];
}

bool tl_http_resp_check(const tl_http_resp_t *r)
{
	int ph = r->priv.phase;
	bool line_phase = ph == P_STATUS || ph == P_HEADER ||
			  ph == P_CHUNK_SIZE || ph == P_TRAILER;

	if (r->body_len > r->body_cap || (r->body_cap && !r->body))
		return false;
	if ((ph == P_BODY || ph == P_CHUNK_DATA) &&
	    r->priv.remaining > r->body_cap - r->body_len)
		return false;
	if (r->priv.line_len > TL_HTTP_LINE_MAX + 1 ||
	    (r->priv.line_len && !line_phase))
		return false;
	if (r->priv.head_bytes > TL_HTTP_HEAD_MAX ||
	    r->priv.chunk_bytes > TL_HTTP_CHUNK_FRAMING_MAX)
		return false;
	if ((r->state == TL_HTTP_DONE) != (ph == P_DONE) ||
	    (r->state == TL_HTTP_ERROR) != (ph == P_ERROR) ||
	    (r->state == TL_HTTP_ERROR) != (r->error != TL_HTTP_OK))
		return false;
	return r->state >= TL_HTTP_NEED_MORE && r->state <= TL_HTTP_ERROR &&
	       r->error >= 0 && r->error < TL_HTTP_E__COUNT;
}
