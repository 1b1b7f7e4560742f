/*
 * wake.c - park and wake (see wake.h).
 */
#define _GNU_SOURCE
#include "runtime/wake.h"

#include <errno.h>
#include <linux/futex.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#if defined(__SANITIZE_THREAD__)
_Atomic uint32_t tl_wake_tsan_word;
#endif

static long wake_futex(_Atomic uint32_t *addr, int op, uint32_t val,
		       const struct timespec *ts)
{
	return syscall(SYS_futex, (uint32_t *)addr, op, val, ts, NULL, 0);
}

void tl_wake_init(tl_wake_t *w)
{
	atomic_store(&w->parked, 0);
	atomic_store(&w->seq, 0);
	atomic_store(&w->wakes, 0);
}

uint32_t tl_wake_prepare(tl_wake_t *w)
{
	uint32_t s = atomic_load_explicit(&w->seq, memory_order_relaxed);
	atomic_store_explicit(&w->parked, 1, memory_order_relaxed);
	tl_wake_fence();
	return s;
}

void tl_wake_cancel(tl_wake_t *w)
{
	atomic_store_explicit(&w->parked, 0, memory_order_relaxed);
}

void tl_wake_done(tl_wake_t *w)
{
	atomic_store_explicit(&w->parked, 0, memory_order_relaxed);
}

int tl_wake_wait(tl_wake_t *w, uint32_t seq, int64_t timeout_ns)
{
	struct timespec ts = { (time_t)(timeout_ns / 1000000000LL),
			       (long)(timeout_ns % 1000000000LL) };
	int woken = 1;

	if (atomic_load_explicit(&w->seq, memory_order_acquire) == seq) {
		long rc = wake_futex(&w->seq, FUTEX_WAIT, seq, &ts);
		if (rc < 0 && errno == ETIMEDOUT)
			woken = 0;
	}
	atomic_store_explicit(&w->parked, 0, memory_order_relaxed);
	/* What the waker pushed before its bump is visible from here on. */
	(void)atomic_load_explicit(&w->seq, memory_order_acquire);
	return woken;
}

void tl_wake_notify_slow(tl_wake_t *w, int fd)
{
	if (!atomic_exchange_explicit(&w->parked, 0, memory_order_acq_rel))
		return;	/* another producer woke it already */
	atomic_fetch_add_explicit(&w->wakes, 1, memory_order_relaxed);
	if (fd >= 0) {
		uint64_t one = 1;
		/* A full counter (EAGAIN) already means "wake up". */
		(void)!write(fd, &one, sizeof(one));
		return;
	}
	atomic_fetch_add_explicit(&w->seq, 1, memory_order_release);
	wake_futex(&w->seq, FUTEX_WAKE, 1, NULL);
}

void tl_wake_notify_remote(tl_wake_t *w)
{
	atomic_fetch_add_explicit(&w->seq, 1, memory_order_release);
	wake_futex(&w->seq, FUTEX_WAKE, 1, NULL);
}

int tl_wake_eventfd(void)
{
	int fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

void tl_wake_eventfd_drain(int fd)
{
	uint64_t v;
	if (fd >= 0)
		(void)!read(fd, &v, sizeof(v));
}
