/*
 * http.h - HTTP/1.1 request parser for the simulator's REST port.
 *
 * Parses one request from the front of a connection's read buffer
 * without copying: the result points into the buffer. Requests are
 * untrusted: the head is limited to TL_SIM_HTTP_MAX_HEAD bytes and the
 * body (Content-Length only; chunked is refused) to TL_SIM_HTTP_MAX_BODY.
 * Pipelining: call again on the bytes after `total`.
 */
#ifndef TL_SIM_HTTP_H
#define TL_SIM_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#define TL_SIM_HTTP_MAX_HEAD 8192
#define TL_SIM_HTTP_MAX_BODY 65536

enum tl_sim_http_method {
	TL_SIM_HTTP_OTHER = 0, TL_SIM_HTTP_GET, TL_SIM_HTTP_POST,
	TL_SIM_HTTP_PUT, TL_SIM_HTTP_DELETE
};

typedef struct tl_sim_http_req {
	int method;                     /* enum tl_sim_http_method */
	const char *path; size_t path_len;   /* without the query */
	const char *query; size_t query_len; /* after '?', raw */
	const char *body; size_t body_len;   /* raw */
	const char *api_key; size_t api_key_len; /* X-MBX-APIKEY, or NULL */
	bool keep_alive;                /* HTTP/1.1 default unless "close" */
	bool upgrade;                   /* Upgrade: websocket */
	const char *ws_key; size_t ws_key_len; /* Sec-WebSocket-Key */
	size_t total;                   /* bytes of this request */
} tl_sim_http_req_t;

/* Results of tl_sim_http_parse besides a complete request (> 0). */
#define TL_SIM_HTTP_PARTIAL 0    /* need more bytes */
#define TL_SIM_HTTP_BAD (-400)   /* malformed: answer 400 and close */
#define TL_SIM_HTTP_TOO_BIG (-413) /* head or body too large */
#define TL_SIM_HTTP_CHUNKED (-411) /* no Content-Length with a body */

/* Parse buf[0..len). Returns the request size (> 0) with *r filled, or
 * one of the codes above. A second Content-Length header is BAD (even
 * with the same value): which one framed the body would be a guess. */
int tl_sim_http_parse(const char *buf, size_t len, tl_sim_http_req_t *r);

/* Length of the request head at the front of buf[0..len) (through its
 * empty line), or 0 while it is incomplete. The server's header timeout
 * runs until this is non-zero, its body timeout after. */
size_t tl_sim_http_head_len(const char *buf, size_t len);

#endif /* TL_SIM_HTTP_H */
