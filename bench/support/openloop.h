/*
 * openloop.h - the open-loop request scheduler of `talon bench`.
 *
 * An open-loop load generator sends request i at its *intended* time
 *
 *     intended(i) = start + floor(i * 1e9 / rate)      (ns, integer math)
 *
 * whether or not earlier requests have been answered, and a request's
 * latency is measured from that intended time, not from when it actually
 * went out. A stall in the system under test (or in the sender) therefore
 * shows up in the latency of every request that should have been sent
 * during it, instead of silently delaying the schedule ("coordinated
 * omission", which a closed loop - send, wait for reply, send - suffers
 * by construction).
 *
 * Invariants:
 *   1. intended(i) is computed from i alone with 128-bit integer math: no
 *      accumulated rounding, so intended(1e6) is exact at any rate and the
 *      gap between consecutive requests is floor or ceil of 1e9/rate.
 *   2. tl_openloop_wait never returns before the intended time of the
 *      request it hands out, and hands out requests strictly in order
 *      0, 1, 2, ... with no skips: a late sender catches up by sending
 *      back to back (each request keeps its intended time).
 *   3. Latency = completion time - intended time, so it includes any time
 *      the request spent waiting to be sent.
 *
 * Clock: tl_bench_now_ns (CLOCK_MONOTONIC_RAW), or the hooks below in
 * tests. Waiting: if the request is due in more than `spin_ns`, sleep
 * (nanosleep) for the remainder minus `spin_ns`, capped at `sleep_max_ns`
 * per call; then spin reading the clock. Sleeping only when far away
 * keeps the send-time error at clock-read granularity while not burning a
 * core at low rates.
 *
 * Threading: a tl_openloop_t belongs to the one sending thread. Intended
 * times are plain int64_t values: hand them to a receiving thread with
 * the request (e.g. in a slot indexed by request number) and compute the
 * latency there with tl_openloop_latency.
 *
 * Typical use (sender and receiver in one loop):
 *
 *     tl_openloop_t ol;
 *     tl_openloop_init(&ol, rate, tl_bench_now_ns() + warmup_ns);
 *     for (uint64_t i = 0; i < n; i++) {
 *             int64_t due = tl_openloop_wait(&ol);
 *             send(i);  sent_at[i % W] = due;
 *             while (reply_ready(&j))
 *                     tl_hist_record(&h, tl_openloop_latency(sent_at[j % W],
 *                                                            tl_bench_now_ns()));
 *     }
 *
 * report the case with mode TL_BENCH_OPEN and `rate`; ol.late and
 * ol.max_late_ns say how far behind schedule the sender itself fell.
 */
#ifndef TL_BENCH_OPENLOOP_H
#define TL_BENCH_OPENLOOP_H

#include <stdbool.h>
#include <stdint.h>

/* Default: spin for the last 50 us before a request is due. */
#define TL_OPENLOOP_SPIN_NS 50000
/* Default: never sleep longer than 1 ms in one call (re-check the clock). */
#define TL_OPENLOOP_SLEEP_MAX_NS 1000000

/* Clock and sleep hooks (tests); NULL = tl_bench_now_ns / nanosleep. */
typedef int64_t (*tl_openloop_now_fn)(void *arg);
typedef void (*tl_openloop_sleep_fn)(void *arg, int64_t ns);

typedef struct tl_openloop {
	int64_t start_ns;     /* intended time of request 0 */
	uint64_t rate;        /* requests per second, >= 1 */
	uint64_t next;        /* index of the next request tl_openloop_wait
				 hands out */
	int64_t spin_ns;      /* spin (don't sleep) when due within this */
	int64_t sleep_max_ns; /* longest single sleep */
	uint64_t late;        /* requests handed out more than `late_ns`
				 after their intended time */
	int64_t late_ns;      /* threshold for `late` (init: 10 us) */
	int64_t max_late_ns;  /* largest (handed-out time - intended time) */
	tl_openloop_now_fn now;     /* NULL: tl_bench_now_ns */
	tl_openloop_sleep_fn sleep; /* NULL: nanosleep */
	void *arg;            /* passed to now / sleep */
} tl_openloop_t;

/*
 * Start a schedule of `rate` requests/s (0 is taken as 1) whose request
 * 0 is due at start_ns (a tl_bench_now_ns time; in the future to leave
 * room for set-up). Defaults: spin_ns TL_OPENLOOP_SPIN_NS, sleep_max_ns
 * TL_OPENLOOP_SLEEP_MAX_NS, late_ns 10 us, real clock. Fields may be
 * changed after init and before the first wait.
 */
void tl_openloop_init(tl_openloop_t *ol, uint64_t rate, int64_t start_ns);

/* Intended send time of request i: start + floor(i * 1e9 / rate), exact
 * for every i < 2^64 as long as the result fits in int64_t. */
int64_t tl_openloop_intended(const tl_openloop_t *ol, uint64_t i);

/*
 * Wait until request ol->next is due, then advance ol->next and return
 * that request's intended time. Returns at once (with the past intended
 * time) when the sender is already late; updates late / max_late_ns.
 */
int64_t tl_openloop_wait(tl_openloop_t *ol);

/* Number of requests of a schedule lasting duration_s at `rate` (at
 * least 1). */
uint64_t tl_openloop_count(uint64_t rate, double duration_s);

/* Latency of a request completed at done_ns that was intended at
 * intended_ns; 0 if done_ns is earlier (cannot happen with one clock). */
static inline uint64_t tl_openloop_latency(int64_t intended_ns, int64_t done_ns)
{
	return done_ns > intended_ns ? (uint64_t)(done_ns - intended_ns) : 0;
}

#endif /* TL_BENCH_OPENLOOP_H */
