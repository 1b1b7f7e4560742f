/*
 * http.h - HTTP/1.1 client codec for the IO thread's REST connections.
 *
 * Two halves, both allocation-free, non-blocking and bounded:
 *
 * 1. tl_http_write_request formats one request straight into a caller
 *    buffer: "METHOD path[?query] HTTP/1.1", Host, the caller's extra
 *    headers, Content-Type and Content-Length when there is a body (and
 *    Content-Length: 0 for POST/PUT/PATCH without one), then the body.
 *    Keep-alive is HTTP/1.1's default, so no Connection header is sent;
 *    requests are never chunked.
 *
 * 2. tl_http_resp_t parses one response incrementally from whatever bytes
 *    the socket produced, in any split. Parsed on the fly: the status code
 *    (the reason phrase is checked, then ignored), Content-Length,
 *    Transfer-Encoding: chunked, Connection: close/keep-alive, Retry-After
 *    (delta-seconds, to ns). Every other header goes to the caller's
 *    header callback (tl_http_resp_on_header), so a venue reads its own
 *    (Binance: X-MBX-USED-WEIGHT-*, X-MBX-ORDER-COUNT-*, in
 *    io/binance/limits.c) and the codec names no venue. Header names are
 *    case-insensitive. The body is copied into a buffer
 *    the caller owns (not NUL-terminated); the head is parsed in place
 *    when a whole line is in one feed, otherwise through a line buffer
 *    inside the struct.
 *
 * Framing (RFC 9112 section 6.3, for a client that never sends HEAD):
 * 1xx other than 101 are interim and skipped; 204 and 304 have no body;
 * then chunked; then Content-Length; otherwise the body runs until the
 * server closes and tl_http_resp_eof completes it.
 *
 * Limits (each violation is its own error, nothing is ever written past
 * a buffer): a line of the head, of a chunk size or of a trailer holds at
 * most TL_HTTP_LINE_MAX bytes before its line end; the lines of every
 * head (interim ones included) and of the trailers, line ends included,
 * together hold at most TL_HTTP_HEAD_MAX bytes; chunk-size lines at most
 * TL_HTTP_CHUNK_FRAMING_MAX bytes per response; the body at most the
 * caller's body_cap bytes (a Content-Length or chunk size above what is
 * left fails at once, before any of that body arrives). So a response
 * takes at most body_cap + 160 KiB of wire bytes, and the parser's work
 * is linear in them.
 *
 * Strictness (decided for talon; the venue is the only peer):
 * - A bare LF ends a line like CRLF (RFC 9112 section 2.2 allows it; we
 *   are the only parser of the connection, so no smuggling risk). A CR
 *   anywhere but just before the LF is an error.
 * - Rejected: obs-fold (a line starting with SP/HTAB), NUL or other
 *   control bytes in the head, whitespace before a header's colon,
 *   versions other than HTTP/1.0 and 1.1, status codes outside 100..599
 *   and 101, Content-Length that is not plain digits, overflows, or
 *   differs between two headers, any Transfer-Encoding other than a
 *   single "chunked", Transfer-Encoding together with Content-Length,
 *   chunk sizes of more than 16 hex digits.
 * - Informational headers with a malformed value (Retry-After as an
 *   HTTP-date) are ignored and stay -1: they must not turn an order's
 *   known outcome into an unknown one (a header callback keeps the same
 *   rule for its own).
 * - The result never depends on how the input was split across feeds.
 *
 * Contract: one tl_http_resp_t per connection, owned by the IO thread.
 * tl_http_resp_init before the first response, tl_http_resp_reset after
 * each DONE (same body buffer) before feeding the rest of the stream.
 */
#ifndef TL_HTTP_H
#define TL_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define TL_HTTP_LINE_MAX 8192              /* bytes of one line, w/o EOL */
#define TL_HTTP_HEAD_MAX 32768             /* all heads + trailers */
#define TL_HTTP_CHUNK_FRAMING_MAX 65536    /* all chunk-size lines */

/* ---- request ------------------------------------------------------------ */

/*
 * Writes one request into buf[0..cap) and returns its length, or
 * -ENOSPC when it does not fit (buf's contents are then unspecified), or
 * -EINVAL when method, host, path, query or content_type is empty where
 * required or holds a space or control byte, when path does not start
 * with '/', or when extra_headers (any number of "Name: value\r\n"
 * lines) does not end with "\r\n". query (without '?'), extra_headers
 * and content_type may be NULL; body may be NULL when body_len is 0.
 * Content-Type is sent only with a body.
 */
int tl_http_write_request(char *buf, size_t cap, const char *method,
			  const char *host, const char *path, const char *query,
			  const char *extra_headers, const char *body,
			  size_t body_len, const char *content_type);

/* ---- response ----------------------------------------------------------- */

enum tl_http_state {
	TL_HTTP_NEED_MORE = 0,  /* feed more bytes (or tl_http_resp_eof) */
	TL_HTTP_DONE,           /* one whole response is in the struct */
	TL_HTTP_ERROR,          /* r->error says why; close the connection */
};

enum tl_http_error {
	TL_HTTP_OK = 0,
	TL_HTTP_E_STATUS,          /* malformed status line, or 101 */
	TL_HTTP_E_VERSION,         /* not HTTP/1.0 or HTTP/1.1 */
	TL_HTTP_E_HEADER,          /* malformed header or trailer line */
	TL_HTTP_E_FOLDING,         /* obs-fold continuation line */
	TL_HTTP_E_NUL,             /* NUL byte in a head/chunk/trailer line */
	TL_HTTP_E_LINE_TOO_LONG,   /* a line over TL_HTTP_LINE_MAX */
	TL_HTTP_E_HEAD_TOO_LARGE,  /* heads + trailers over TL_HTTP_HEAD_MAX */
	TL_HTTP_E_CONTENT_LENGTH,  /* invalid, overflowing or conflicting */
	TL_HTTP_E_TRANSFER_ENCODING, /* not "chunked", or with Content-Length */
	TL_HTTP_E_CHUNK_SIZE,      /* malformed or over-long chunk-size line */
	TL_HTTP_E_CHUNK_DATA,      /* chunk data not followed by a line end */
	TL_HTTP_E_CHUNK_FRAMING,   /* chunk lines over TL_HTTP_CHUNK_FRAMING_MAX */
	TL_HTTP_E_BODY_TOO_LARGE,  /* body over the caller's body_cap */
	TL_HTTP_E_EOF,             /* closed before the response was complete */
	TL_HTTP_E__COUNT
};

/*
 * A header the codec does not interpret, for the caller: name and value
 * (trimmed, validated: no control bytes) at name[0..name_len) and
 * value[0..value_len), not NUL-terminated, valid during the call only.
 * name == NULL: a new head begins (the parser was reset, or an interim
 * 1xx head ended): forget what earlier calls said. Called from inside
 * tl_http_resp_feed (and reset), in wire order; must not feed r.
 */
typedef void (*tl_http_header_fn)(void *ctx, const char *name, size_t name_len,
				  const char *value, size_t value_len);

/*
 * One response being parsed. The public fields are valid once state is
 * DONE (status and headers already once the head is complete); -1 means
 * "header absent". Fields after `priv` belong to the parser.
 */
typedef struct tl_http_resp {
	int state;               /* enum tl_http_state */
	int error;               /* enum tl_http_error; TL_HTTP_OK unless ERROR */
	int status;              /* final status code, 100..599 (0 until read) */
	int http_minor;          /* 0 or 1 */
	bool chunked;            /* Transfer-Encoding: chunked */
	bool conn_close;         /* Connection: close, or HTTP/1.0 default */
	bool keep_alive;         /* at DONE: the connection may carry the next
				  * request (no close, body not ended by EOF) */
	int64_t content_length;  /* the header's value, -1 when absent */
	int64_t retry_after_ns;  /* Retry-After in ns (saturated), -1 absent */
	tl_http_header_fn on_header; /* tl_http_resp_on_header, NULL: none */
	void *header_ctx;
	char *body;              /* the caller's buffer */
	size_t body_len;         /* bytes of body so far */
	size_t body_cap;         /* the body may not exceed this */
	size_t total;            /* bytes consumed by this response so far */

	struct {                 /* parser state: do not touch */
		int phase;
		bool have_cl, have_te, http10_ka, until_eof;
		uint64_t remaining;  /* of the Content-Length body or chunk */
		size_t head_bytes;   /* against TL_HTTP_HEAD_MAX */
		size_t chunk_bytes;  /* against TL_HTTP_CHUNK_FRAMING_MAX */
		size_t line_len;     /* bytes of a line split across feeds */
		char line[TL_HTTP_LINE_MAX + 1];
	} priv;
} tl_http_resp_t;

/* Prepares r for a response whose body goes to body_buf[0..body_cap)
 * (body_buf may be NULL when body_cap is 0). */
void tl_http_resp_init(tl_http_resp_t *r, char *body_buf, size_t body_cap);

/* tl_http_resp_init with r's current body buffer (and header callback):
 * call after DONE to parse the next response on the same connection. */
void tl_http_resp_reset(tl_http_resp_t *r);

/* Hand every header the codec does not interpret to fn(ctx, ...) (NULL:
 * none), from now until the next tl_http_resp_init. Calls fn(ctx, NULL,
 * ...) at once, so the caller starts from "absent". */
void tl_http_resp_on_header(tl_http_resp_t *r, tl_http_header_fn fn, void *ctx);

/* For header callbacks: s[0..n) equals `lower` (lower case) ignoring
 * ASCII case. */
bool tl_http_name_is(const char *s, size_t n, const char *lower);

/* For header callbacks: a value of plain decimal digits (at most 18, no
 * sign, no space), or -1. */
int64_t tl_http_header_uint(const char *s, size_t n);

/*
 * Parses data[0..len). Returns the bytes consumed: all of them while
 * state stays NEED_MORE, fewer when the response ends inside data (the
 * rest belongs to the next, pipelined, response), 0 once DONE. Returns
 * -1 when state is (or already was) ERROR. Never allocates or blocks;
 * work is linear in len.
 */
ssize_t tl_http_resp_feed(tl_http_resp_t *r, const char *data, size_t len);

/*
 * The peer closed the connection. Completes a body that runs until close
 * (returns 0, state DONE); returns 0 if already DONE; otherwise sets
 * ERROR / TL_HTTP_E_EOF (r->total == 0 tells "closed before any byte")
 * and returns -1.
 */
int tl_http_resp_eof(tl_http_resp_t *r);

/* A short English description of an enum tl_http_error value. */
const char *tl_http_strerror(int error);

/* Invariant checker (for assert()): buffers within bounds, state and
 * parser phase consistent. */
bool tl_http_resp_check(const tl_http_resp_t *r);

#endif /* TL_HTTP_H */
