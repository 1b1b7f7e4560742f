/*
 * loopback.h - the network floors of `talon bench` and what the floor,
 * rtt and peer suites share: a bare TCP (or TLS) ping-pong over loopback
 * between two pinned threads, the choice of the two cores, and where the
 * repository's config/ and the TLS files (build/tls) are.
 *
 * The ping-pong is the floor an order round trip cannot beat: the client
 * thread (the engine's IO core) writes a request of `req_len` bytes, the
 * echo thread (the simulator's core) reads all of it and answers
 * `resp_len` bytes, the client reads all of that; one sample per round
 * trip, closed loop, TCP_NODELAY on both ends. How the two ends wait is
 * the one difference between the two floors of each transport:
 *
 *   block  blocking sockets: an end waiting for the other sleeps in the
 *          kernel and is woken when the bytes arrive (floor.tcp,
 *          floor.tls), so two wake-ups are in every sample.
 *   spin   non-blocking sockets polled in a loop that never sleeps
 *          (plain: EAGAIN, TLS: WANT_READ / WANT_WRITE, tried again at
 *          once), each end on its own core (floor.tcp.spin,
 *          floor.tls.spin): no wake-up, the floor of an end that never
 *          lets go of its core. When the two ends share a core (the
 *          same core given twice, or a process allowed on one core) a
 *          poll that finds nothing calls sched_yield first: a pure spin
 *          would keep the core for a whole time slice before the other
 *          end could answer. A spinning client gives up after 5 s
 *          without an answer.
 *
 * The default sizes are those of a signed LIMIT order request to
 * POST /fapi/v1/order and the simulator's RESULT response to it
 * (TL_LOOPBACK_REQ_LEN, TL_LOOPBACK_RESP_LEN: measured on the wire).
 * TLS: wolfSSL on both ends, the server with build/tls/server.pem and
 * server.key, the client verifying against build/tls/ca.pem (host
 * "localhost"), the same library and files the engine and `talon venue`
 * use; the handshake is outside the timed loop (and blocking, spin or
 * not).
 *
 * Threads: tl_loopback_pingpong starts and joins its echo thread and
 * pins the calling thread for the duration of the call (the previous
 * affinity is restored before it returns).
 */
#ifndef TL_BENCH_LOOPBACK_H
#define TL_BENCH_LOOPBACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bench/support/hist.h"
#include "bench/support/suite.h"

#define TL_LOOPBACK_REQ_LEN 441    /* signed LIMIT POST /fapi/v1/order */
#define TL_LOOPBACK_RESP_LEN 700   /* its 200 response, head + body */
#define TL_LOOPBACK_MAX_LEN 16384

/* One ping-pong run. */
typedef struct tl_loopback_opts {
	int cpu_client;       /* core of the calling (client) thread, -1: unpinned */
	int cpu_server;       /* core of the echo thread, -1: unpinned */
	bool tls;             /* wolfSSL on both ends */
	bool spin;            /* busy-poll non-blocking sockets, else block */
	const char *tls_dir;  /* directory with ca.pem, server.pem, server.key */
	size_t req_len;       /* 1..TL_LOOPBACK_MAX_LEN, 0 = TL_LOOPBACK_REQ_LEN */
	size_t resp_len;      /* 1..TL_LOOPBACK_MAX_LEN, 0 = TL_LOOPBACK_RESP_LEN */
	double warmup_s;      /* unrecorded round trips first, for this long */
	double duration_s;    /* then record for this long ... */
	uint64_t max_n;       /* ... or until this many samples (0: no cap) */
} tl_loopback_opts_t;

/*
 * Run the ping-pong and record one sample (ns, round trip) per exchange
 * into h (not reset first). Returns 0, or -1 with a message in err (socket,
 * TLS or thread failure; a short read is a failure, never a sample).
 */
int tl_loopback_pingpong(const tl_loopback_opts_t *o, tl_hist_t *h,
			 char *err, size_t errlen);

/*
 * The two cores of the network cases: ctx->cpus when set, else 0 and 1
 * when this process may run on both, else -1 (unpinned). *a is the
 * engine's (IO) side, *b the peer's (simulator) side.
 */
void tl_loopback_cpus(const tl_bench_ctx_t *ctx, int *a, int *b);

/*
 * Find `rel` (e.g. "config/venue.json") from the working directory or,
 * failing that, from the directory above ctx->talon's (build/talon ->
 * the repository). Writes the path that exists into out. Returns 0, or
 * -1 when neither exists.
 */
int tl_loopback_repo_path(const tl_bench_ctx_t *ctx, const char *rel,
			  char *out, size_t cap);

/* The directory holding ca.pem, server.pem and server.key: "tls" beside
 * ctx->talon, else build/tls found as tl_loopback_repo_path does.
 * Returns 0 or -1 with a message in err. */
int tl_loopback_tls_dir(const tl_bench_ctx_t *ctx, char *out, size_t cap,
			char *err, size_t errlen);

/* The floor suite's name for a floor: "floor.tcp", "floor.tls",
 * "floor.tcp.spin" or "floor.tls.spin" (for a line's "floor" member). */
const char *tl_loopback_floor_name(bool tls, bool spin);

/*
 * One of the four network floors as a suite measures it beside its
 * cases: a TCP (tls: TLS, certificates from tl_loopback_tls_dir) ping-pong,
 * blocking or (spin) busy-polling, on the cores of tl_loopback_cpus for
 * `seconds`, after a 0.2 s warm-up. Returns 0 or -1 with err.
 */
int tl_loopback_floor(const tl_bench_ctx_t *ctx, double seconds, bool tls,
		      bool spin, tl_hist_t *h, char *err, size_t errlen);

/* floor.tcp: tl_loopback_floor(ctx, seconds, false, false, ...). */
int tl_loopback_floor_tcp(const tl_bench_ctx_t *ctx, double seconds,
			  tl_hist_t *h, char *err, size_t errlen);

/* Format `"NAME":a/b` with 2 decimals into buf (for extra fields). */
const char *tl_loopback_ratio(char *buf, size_t cap, const char *name,
			      uint64_t a, uint64_t b);

#endif /* TL_BENCH_LOOPBACK_H */
