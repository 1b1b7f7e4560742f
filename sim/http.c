/*
 * http.c - HTTP/1.1 request parsing (see http.h).
 *
 * Accepts "METHOD SP target SP HTTP/1.x CRLF" then header lines until an
 * empty line; bare LF line ends are tolerated. Only the headers the
 * venue needs are interpreted; the rest are skipped.
 */
#include "sim/http.h"

#include <string.h>
#include <strings.h>

static const char *http_eol(const char *p, const char *end)
{
	const char *nl = memchr(p, '\n', (size_t)(end - p));

	return nl;
}

static bool hdr_is(const char *name, size_t nlen, const char *want)
{
	return nlen == strlen(want) && strncasecmp(name, want, nlen) == 0;
}

static bool http_has_token(const char *v, size_t n, const char *tok)
{
	size_t tl = strlen(tok), i;

	for (i = 0; i + tl <= n; i++)
		if (strncasecmp(v + i, tok, tl) == 0)
			return true;
	return false;
}

size_t tl_sim_http_head_len(const char *buf, size_t len)
{
	size_t i, lim = len < TL_SIM_HTTP_MAX_HEAD ? len : TL_SIM_HTTP_MAX_HEAD;

	for (i = 0; i + 1 < lim; i++) {
		if (buf[i] == '\n' && buf[i + 1] == '\n')
			return i + 2;
		if (buf[i] == '\n' && buf[i + 1] == '\r' && i + 2 < lim &&
		    buf[i + 2] == '\n')
			return i + 3;
	}
	return 0;
}

int tl_sim_http_parse(const char *buf, size_t len, tl_sim_http_req_t *r)
{
	const char *end = buf + len, *p = buf, *eol, *sp1, *sp2, *q;
	size_t head_len, clen = 0;
	bool have_clen = false, chunked = false, http10 = false, conn_close = false,
	     conn_keep = false;

	memset(r, 0, sizeof *r);
	/* find the end of the head */
	head_len = tl_sim_http_head_len(buf, len);
	if (!head_len)
		return len >= TL_SIM_HTTP_MAX_HEAD ? TL_SIM_HTTP_TOO_BIG
						   : TL_SIM_HTTP_PARTIAL;
	/* request line */
	eol = http_eol(p, end);
	sp1 = memchr(p, ' ', (size_t)(eol - p));
	if (!sp1)
		return TL_SIM_HTTP_BAD;
	sp2 = memchr(sp1 + 1, ' ', (size_t)(eol - sp1 - 1));
	if (!sp2 || sp1[1] != '/')
		return TL_SIM_HTTP_BAD;
	if (sp1 - p == 3 && memcmp(p, "GET", 3) == 0)
		r->method = TL_SIM_HTTP_GET;
	else if (sp1 - p == 4 && memcmp(p, "POST", 4) == 0)
		r->method = TL_SIM_HTTP_POST;
	else if (sp1 - p == 3 && memcmp(p, "PUT", 3) == 0)
		r->method = TL_SIM_HTTP_PUT;
	else if (sp1 - p == 6 && memcmp(p, "DELETE", 6) == 0)
		r->method = TL_SIM_HTTP_DELETE;
	if (eol - sp2 < 9 || memcmp(sp2 + 1, "HTTP/1.", 7) != 0)
		return TL_SIM_HTTP_BAD;
	http10 = sp2[8] == '0';
	r->path = sp1 + 1;
	q = memchr(r->path, '?', (size_t)(sp2 - r->path));
	if (q) {
		r->path_len = (size_t)(q - r->path);
		r->query = q + 1;
		r->query_len = (size_t)(sp2 - q - 1);
	} else {
		r->path_len = (size_t)(sp2 - r->path);
		r->query = sp2;
		r->query_len = 0;
	}
	/* headers */
	for (p = eol + 1; p < buf + head_len; p = eol + 1) {
		const char *colon, *v, *ve;
		eol = http_eol(p, end);
		ve = eol;
		if (ve > p && ve[-1] == '\r')
			ve--;
		if (ve == p)
			break; /* blank line */
		colon = memchr(p, ':', (size_t)(ve - p));
		if (!colon)
			return TL_SIM_HTTP_BAD;
		v = colon + 1;
		while (v < ve && (*v == ' ' || *v == '\t'))
			v++;
		while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t'))
			ve--;
		if (hdr_is(p, (size_t)(colon - p), "content-length")) {
			const char *d;
			/* Two lengths: the body's end is ambiguous (request
			 * smuggling); the connection used to hang on it. */
			if (have_clen)
				return TL_SIM_HTTP_BAD;
			clen = 0;
			if (v == ve)
				return TL_SIM_HTTP_BAD;
			for (d = v; d < ve; d++) {
				if (*d < '0' || *d > '9')
					return TL_SIM_HTTP_BAD;
				clen = clen * 10 + (size_t)(*d - '0');
				if (clen > TL_SIM_HTTP_MAX_BODY)
					return TL_SIM_HTTP_TOO_BIG;
			}
			have_clen = true;
		} else if (hdr_is(p, (size_t)(colon - p), "x-mbx-apikey")) {
			r->api_key = v;
			r->api_key_len = (size_t)(ve - v);
		} else if (hdr_is(p, (size_t)(colon - p), "connection")) {
			if (http_has_token(v, (size_t)(ve - v), "close"))
				conn_close = true;
			if (http_has_token(v, (size_t)(ve - v), "keep-alive"))
				conn_keep = true;
		} else if (hdr_is(p, (size_t)(colon - p), "transfer-encoding")) {
			chunked = true;
		} else if (hdr_is(p, (size_t)(colon - p), "sec-websocket-key")) {
			r->ws_key = v;
			r->ws_key_len = (size_t)(ve - v);
		} else if (hdr_is(p, (size_t)(colon - p), "upgrade")) {
			r->upgrade = http_has_token(v, (size_t)(ve - v), "websocket");
		}
	}
	if (chunked)
		return TL_SIM_HTTP_CHUNKED;
	if (len - head_len < clen)
		return TL_SIM_HTTP_PARTIAL;
	r->body = buf + head_len;
	r->body_len = clen;
	r->keep_alive = http10 ? conn_keep : !conn_close;
	r->total = head_len + clen;
	return (int)r->total;
}
