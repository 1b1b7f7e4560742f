/*
 * tls.h - TLS client sessions by wolfSSL over memory buffers.
 *
 * wolfSSL never touches a socket here: its I/O callbacks read ciphertext
 * from an input window that the caller fills (io_uring recv completions)
 * and write ciphertext to an output window that the caller drains
 * (io_uring send submissions). When the input is empty the recv callback
 * says WANT_READ, when the output is full the send callback says
 * WANT_WRITE, and every call below returns TL_TLS_WANT instead of
 * blocking; the caller moves bytes and calls again.
 *
 * Verification is on by default: the peer's chain must end at a CA of
 * cfg->ca_file, and its certificate must name the server: a DNS name
 * (also sent as SNI) or, for an IP literal, an IP subjectAltName. Turning
 * verification off needs cfg->insecure and hands back a warning for the
 * caller to log.
 *
 * Threads: a tl_tls_ctx_t is read-only after tl_tls_ctx_new and may be
 * shared by the sessions of one thread; a tl_tls_t and its two windows
 * belong to the thread that drives it.
 */
#ifndef TL_TLS_H
#define TL_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct WOLFSSL;
typedef struct tl_tls_ctx tl_tls_ctx_t;

/* A byte window: bytes [head, tail) of base[0, cap) are valid. The TLS
 * layer consumes from head (input) or appends at tail (output); the owner
 * of the buffer does the rest (fill, drain, compact). */
typedef struct tl_iobuf {
	uint8_t *base;
	uint32_t cap;
	uint32_t head;
	uint32_t tail;
} tl_iobuf_t;

static inline uint32_t tl_iobuf_len(const tl_iobuf_t *b)
{
	return b->tail - b->head;
}

static inline uint32_t tl_iobuf_room(const tl_iobuf_t *b)
{
	return b->cap - b->tail;
}

typedef struct tl_tls_cfg {
	const char *ca_file;  /* PEM file of trusted CAs; required unless insecure */
	bool insecure;        /* no certificate or name check (explicit opt-out) */
} tl_tls_cfg_t;

/* Results of the session calls. */
enum tl_tls_rc {
	TL_TLS_OK = 0,        /* done (handshake complete, bytes moved) */
	TL_TLS_WANT = 1,      /* needs input bytes or output room; call again */
	TL_TLS_CLOSED = 2,    /* peer sent close_notify */
	TL_TLS_ERROR = -1,    /* fatal; tl_tls_error() says why */
};

/* One client session. Fields are private to tls.c. */
typedef struct tl_tls {
	struct WOLFSSL *ssl;
	tl_iobuf_t *in;             /* ciphertext from the network */
	tl_iobuf_t *out;            /* ciphertext to the network */
	uint32_t write_retry;       /* size of a write that said WANT, else 0 */
	bool done;                  /* handshake complete */
	char err[256];              /* last fatal error, "" when none */
} tl_tls_t;

/*
 * Load the CA file and build a client context (TLS 1.2 minimum). Returns
 * NULL with a message in err when the file cannot be used. When
 * cfg->insecure, *warning (if not NULL) gets a static string to log;
 * otherwise NULL.
 */
tl_tls_ctx_t *tl_tls_ctx_new(const tl_tls_cfg_t *cfg, const char **warning,
			     char *err, size_t errlen);
void tl_tls_ctx_free(tl_tls_ctx_t *ctx);

/*
 * Start a client session for `server_name` (a DNS name or an IP literal)
 * over the two windows, which must outlive the session. Cold path: it
 * allocates. Returns 0, or -1 with a message in t->err.
 */
int tl_tls_open(tl_tls_t *t, tl_tls_ctx_t *ctx, const char *server_name,
		tl_iobuf_t *in, tl_iobuf_t *out);

/* Free the session (no close_notify is sent); safe on a closed one. */
void tl_tls_close(tl_tls_t *t);

/* Advance the handshake: OK when complete, WANT, or ERROR. */
int tl_tls_handshake(tl_tls_t *t);

/*
 * Encrypt up to n bytes of buf into the output window; *took gets the
 * bytes consumed (all of n on OK). On WANT the next call must pass the
 * same buf with at least the same n (the unsent tail is retried first).
 */
int tl_tls_write(tl_tls_t *t, const void *buf, size_t n, size_t *took);

/*
 * Decrypt into buf (cap > 0); *got gets the byte count, > 0 on OK. WANT
 * when the input window holds no complete record, CLOSED on close_notify.
 */
int tl_tls_read(tl_tls_t *t, void *buf, size_t cap, size_t *got);

/*
 * Let the calling thread reuse wolfSSL's per-record buffers (on), so a
 * session in steady state makes no allocator call; off frees what the
 * thread holds. Threads that never turn it on are unaffected. The IO
 * thread's pool turns it on (uring.c). Hooks wolfSSL's allocator for the
 * whole process once, on the first call or the first tl_tls_ctx_new.
 */
void tl_tls_thread_cache(bool on);

/* The last fatal error's message ("" if none). */
static inline const char *tl_tls_error(const tl_tls_t *t)
{
	return t->err;
}

#endif /* TL_TLS_H */
