/*
 * uring.h - a pool of persistent keep-alive TCP (optionally TLS)
 * connections to one host:port, driven by one io_uring.
 *
 * The pool only moves bytes: the HTTP layer above writes a request with
 * tl_uring_conn_send and gets the response bytes, in order and in pieces, from
 * the callback given to tl_uring_pool_poll. io_uring does every connect, send
 * and recv; wolfSSL (io/net/tls.h) only encrypts and decrypts between each
 * connection's fixed buffers. After tl_uring_pool_new nothing on the request
 * path allocates: buffers are carved at init, and wolfSSL's per-record
 * buffers are recycled by tl_tls_thread_cache (on for the polling
 * thread). Reconnects and handshakes do allocate (cold path).
 *
 * Plain TCP is refused unless the host resolves to a loopback address
 * (127.0.0.0/8, ::1). TLS verifies the certificate against cfg->ca_file
 * unless cfg->tls_insecure is set, in which case tl_uring_pool_new hands back a
 * warning for the caller to log.
 *
 * A connection that drops (peer close, error, connect or handshake
 * timeout, tl_uring_conn_close) is reported once, then reconnected by
 * tl_uring_pool_poll after a backoff: at once if it had delivered data, else
 * backoff_min, doubling up to backoff_max.
 *
 * Threads: one thread at a time owns a pool and makes every call; it may
 * be made on one thread and handed to the IO agent (with the usual
 * happens-before, e.g. pthread_create). Nothing blocks except
 * tl_uring_pool_wait and the cold calls (new, free).
 */
#ifndef TL_URING_H
#define TL_URING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TL_URING_POOL_MAX_CONNS 64

typedef struct tl_uring_pool tl_uring_pool_t;

typedef struct tl_uring_pool_cfg {
	const char *host;          /* IP literal or DNS name, resolved once at new */
	uint16_t port;
	uint32_t conns;            /* 1..TL_URING_POOL_MAX_CONNS */
	bool tls;
	const char *ca_file;       /* PEM CAs; required when tls && !tls_insecure */
	bool tls_insecure;         /* skip certificate checks (warns) */
	const char *server_name;   /* name to verify and send as SNI; NULL = host */
	uint32_t rx_buf;           /* bytes per connection; 0 = 64 KiB; TLS >= 32 KiB */
	uint32_t tx_buf;           /* bytes per connection; 0 = 64 KiB */
	int64_t connect_timeout_ns;/* connect + handshake; 0 = 5 s */
	int64_t backoff_min_ns;    /* 0 = 100 ms */
	int64_t backoff_max_ns;    /* 0 = 5 s */
} tl_uring_pool_cfg_t;

/* Where a connection is (see the state machine in uring.c). */
enum tl_uring_conn_state {
	TL_URING_CONN_DOWN = 0,      /* no socket; reconnects at its retry time */
	TL_URING_CONN_CONNECTING,    /* IORING_OP_CONNECT in flight */
	TL_URING_CONN_HANDSHAKE,     /* TCP up, TLS handshake running */
	TL_URING_CONN_UP,            /* usable: tl_uring_conn_send accepted */
	TL_URING_CONN_CLOSING,       /* failed; waiting for its in-flight ops */
};

enum tl_uring_conn_ev_kind {
	TL_URING_CONN_EV_DATA = 1,   /* data/len: received bytes (plaintext) */
	TL_URING_CONN_EV_CONNECTED,  /* the connection is UP */
	TL_URING_CONN_EV_CLOSED,     /* peer closed it cleanly (FIN or close_notify) */
	TL_URING_CONN_EV_ERROR,      /* it failed: err and msg say why */
};

typedef struct tl_uring_conn_ev {
	enum tl_uring_conn_ev_kind kind;
	uint32_t conn;         /* connection id, 0..conns-1 */
	const uint8_t *data;   /* DATA: valid only during the callback */
	size_t len;
	int err;               /* ERROR: -errno (-EPROTO for TLS, -ETIMEDOUT,
				* -ECANCELED for tl_uring_conn_close) */
	const char *msg;       /* CLOSED/ERROR: text, valid during the callback */
	bool was_up;           /* CLOSED/ERROR: it had been CONNECTED */
	size_t unsent;         /* CLOSED/ERROR: how many of the last request
				* bytes tl_uring_conn_send took surely never
				* reached the kernel (plaintext, as given).
				* A request wholly inside this tail never
				* left; any other may have (and may have
				* been executed). Bytes that may have left
				* count as sent: a send in flight, and with
				* TLS all that was encrypted. */
} tl_uring_conn_ev_t;

typedef void (*tl_uring_pool_cb)(void *user, const tl_uring_conn_ev_t *ev);

/*
 * Validate cfg, resolve the host, set up the ring, the TLS context and
 * every buffer. Connects nothing: the first tl_uring_pool_poll does. Returns
 * NULL with a message in err. *warning (if not NULL) gets a string to
 * log when TLS verification is off, else NULL.
 */
tl_uring_pool_t *tl_uring_pool_new(const tl_uring_pool_cfg_t *cfg, const char **warning,
		       char *err, size_t errlen);

/* Close every connection (no events) and free the pool. NULL is fine. */
void tl_uring_pool_free(tl_uring_pool_t *p);

/*
 * One step, never blocking: start due reconnects, expire connect and
 * handshake deadlines, submit queued operations and reap completions,
 * calling cb for each event. `now` is nanoseconds on a clock that never
 * goes back (CLOCK_MONOTONIC). cb may call tl_uring_conn_send, tl_uring_conn_release
 * and tl_uring_conn_close, but not tl_uring_pool_poll. Returns the number of events
 * delivered plus operations submitted (0 = idle), or -errno if the ring
 * itself failed.
 */
int tl_uring_pool_poll(tl_uring_pool_t *p, int64_t now, tl_uring_pool_cb cb, void *user);

/* Send what tl_uring_conn_send queued since the last poll, then block
 * until a completion is ready or max_ns passes (an idle strategy for the
 * IO agent, and for tests). Returns 0 or -errno. */
int tl_uring_pool_wait(tl_uring_pool_t *p, int64_t max_ns);  /* 1: a completion, 0: timed out */

/* Keep a read of eventfd `fd` in flight from the next poll or wait on,
 * so that writing it ends tl_uring_pool_wait (runtime/wake.h: the IO
 * thread's door). The pool does not own fd. 0, or -EBUSY when another fd
 * is watched. */
int tl_uring_pool_watch(tl_uring_pool_t *p, int fd);
/* Signal eventfd `fd` on every completion of this pool's ring
 * (io_uring_register_eventfd): another pool watching fd then wakes on
 * this one's I/O (one thread waiting on two pools). The pool does not
 * own fd. 0 or -errno. */
int tl_uring_pool_notify(tl_uring_pool_t *p, int fd);
/* Completions of that read so far (a producer's wake-ups it saw). */
uint64_t tl_uring_pool_wakes(const tl_uring_pool_t *p);

/*
 * Queue len bytes (a whole request) on connection id; they leave on the
 * next tl_uring_pool_poll or tl_uring_pool_wait, with whatever else was
 * queued on it by then (one send; with TLS one record). Counts one request in flight on the connection
 * until tl_uring_conn_release; several may be (HTTP/1.1 pipelining: the
 * caller matches responses to requests in order). All or nothing: 0,
 * -ENOTCONN (not UP), -EAGAIN (no room now), -EMSGSIZE (larger than the
 * buffer), -EINVAL (bad id).
 */
int tl_uring_conn_send(tl_uring_pool_t *p, uint32_t id, const void *data, size_t len);

/* An UP connection with no request in flight (the lowest id, the
 * warmest), or -EAGAIN when there is none. */
int tl_uring_conn_idle(const tl_uring_pool_t *p);

/* The UP connection with the fewest requests in flight, fewer than
 * max_inflight (ties: the lowest id), or -EAGAIN when every UP
 * connection has max_inflight or none is UP. */
int tl_uring_conn_pick(const tl_uring_pool_t *p, uint32_t max_inflight);

/* Requests in flight on connection id (0 for a bad id). A drop resets
 * it to 0 (the CLOSED/ERROR event is the caller's cue). */
uint32_t tl_uring_conn_inflight(const tl_uring_pool_t *p, uint32_t id);

/* The response to the oldest request in flight on id is complete. */
void tl_uring_conn_release(tl_uring_pool_t *p, uint32_t id);

/* Drop the connection now (e.g. a response timed out): reported as
 * ERROR -ECANCELED by a later poll, then reconnected. */
void tl_uring_conn_close(tl_uring_pool_t *p, uint32_t id);

enum tl_uring_conn_state tl_uring_conn_state(const tl_uring_pool_t *p, uint32_t id);

/* How many connections are UP. */
uint32_t tl_uring_pool_up(const tl_uring_pool_t *p);

#endif /* TL_URING_H */
