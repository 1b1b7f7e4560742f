/*
 * openloop.c - the open-loop request scheduler (see openloop.h for the
 * schedule, the invariants and the waiting strategy).
 */
#include "bench/support/openloop.h"

#include <time.h>

#include "bench/support/benchutil.h"

void tl_openloop_init(tl_openloop_t *ol, uint64_t rate, int64_t start_ns)
{
	*ol = (tl_openloop_t){
		.start_ns = start_ns,
		.rate = rate ? rate : 1,
		.spin_ns = TL_OPENLOOP_SPIN_NS,
		.sleep_max_ns = TL_OPENLOOP_SLEEP_MAX_NS,
		.late_ns = 10000,
	};
}

int64_t tl_openloop_intended(const tl_openloop_t *ol, uint64_t i)
{
	/* i * 1e9 needs up to 94 bits: 128-bit, then one exact division. */
	unsigned __int128 off = (unsigned __int128)i * 1000000000u / ol->rate;
	return ol->start_ns + (int64_t)off;
}

static int64_t openloop_now(const tl_openloop_t *ol)
{
	return ol->now ? ol->now(ol->arg) : tl_bench_now_ns();
}

static void openloop_sleep(const tl_openloop_t *ol, int64_t ns)
{
	if (ol->sleep) {
		ol->sleep(ol->arg, ns);
		return;
	}
	struct timespec ts = { .tv_sec = ns / 1000000000,
			       .tv_nsec = ns % 1000000000 };
	/* An early wake-up (signal) is fine: the caller re-reads the clock. */
	(void)nanosleep(&ts, NULL);
}

int64_t tl_openloop_wait(tl_openloop_t *ol)
{
	int64_t due = tl_openloop_intended(ol, ol->next);
	int64_t now = openloop_now(ol);
	while (now < due) {
		int64_t left = due - now;
		if (left > ol->spin_ns) {
			int64_t s = left - ol->spin_ns;
			openloop_sleep(ol, s < ol->sleep_max_ns ? s : ol->sleep_max_ns);
		}
		now = openloop_now(ol);
	}
	int64_t behind = now - due;
	if (behind > ol->late_ns)
		ol->late++;
	if (behind > ol->max_late_ns)
		ol->max_late_ns = behind;
	ol->next++;
	return due;
}

uint64_t tl_openloop_count(uint64_t rate, double duration_s)
{
	double n = (double)rate * duration_s;
	if (!(n >= 1.0))
		return 1;
	if (n >= 1.8e19)
		return UINT64_MAX;
	return (uint64_t)n;
}
