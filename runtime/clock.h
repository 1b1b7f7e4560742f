/*
 * clock.h - the one place the runtime and the venue drivers read a clock.
 *
 * Both clocks are read through the vDSO (no system call), so the hot
 * loops may call them freely. Realtime is what the kernel, the journal
 * and the venue see (tl_time_t, ns since the epoch); monotonic is for
 * every deadline, timeout and duration, which must not jump when NTP
 * steps the wall clock. kernel/ reads no clock (time comes in with its
 * inputs) and sim/ keeps its own (it may not include runtime/).
 */
#ifndef TL_CLOCK_H
#define TL_CLOCK_H

#include <stdint.h>
#include <time.h>

#include "kernel/types.h"

/* Wall-clock time, ns since the epoch. */
static inline tl_time_t tl_clock_realtime_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (tl_time_t)ts.tv_sec * TL_NS_PER_S + ts.tv_nsec;
}

/* Monotonic time, ns from an arbitrary origin. */
static inline int64_t tl_clock_mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * TL_NS_PER_S + ts.tv_nsec;
}

/* One spin-wait pause (x86 PAUSE): lets the sibling hyper-thread run
 * and saves power while a spinning thread waits for another. */
static inline void tl_clock_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}

#endif /* TL_CLOCK_H */
