/*
 * wake.h - a consumer thread that parks instead of sleeping, and the
 * producers that wake it.
 *
 * A sleeping hand-off costs a timer wake-up (50-70 us on a VM) on every
 * hop; a parked consumer costs nothing until a producer has work for it,
 * and then one system call. The rule (docs/architecture.md, "Wake-ups"):
 * a producer makes a system call only when its consumer said it parked;
 * a consumer that spins never says so, so the spinning hot path makes
 * none.
 *
 * The protocol, for one consumer and any number of producers:
 *
 *   consumer                               producer
 *   s = tl_wake_prepare(w)   parked = 1     push the record
 *       (seq_cst fence)                     tl_wake_notify*(w)
 *   look at every source again                (seq_cst fence, then
 *   work? tl_wake_cancel(w), run it            parked? exchange it to 0
 *   else block until seq != s or a timeout     and wake the consumer)
 *   tl_wake_done(w)          parked = 0
 *
 * Both fences are sequentially consistent, so either the consumer's
 * second look sees the record or the producer sees `parked` (Dekker): a
 * wake-up is never lost. Only the producer that swaps `parked` from 1 to
 * 0 makes the system call, so a burst of pushes wakes once.
 *
 * Two ways to block:
 *   futex    the consumer waits on `seq` (FUTEX_WAIT); the producer bumps
 *            `seq` and FUTEX_WAKEs it. Not the private futex flavour: the
 *            ENGINE's door lives in the shared control block, so that
 *            `talon ctl` in another process can wake it
 *            (tl_wake_notify_remote).
 *   eventfd  the consumer waits in io_uring, where a read of the
 *            eventfd is always armed (a response and a request end the
 *            same wait); the producer writes the eventfd.
 * The words hold no pointer and no descriptor, so a tl_wake_t may sit in
 * shared memory written by anyone: the worst a hostile writer can do is
 * cost a spurious wake-up or a system call.
 */
#ifndef TL_WAKE_H
#define TL_WAKE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

/* The full fence of the protocol. ThreadSanitizer models no fences
 * (gcc refuses them under -fsanitize=thread): there a seq_cst
 * read-modify-write of a word of its own stands in for it. */
#if defined(__SANITIZE_THREAD__)
extern _Atomic uint32_t tl_wake_tsan_word;
#define tl_wake_fence() \
	((void)atomic_fetch_add_explicit(&tl_wake_tsan_word, 0, memory_order_seq_cst))
#else
#define tl_wake_fence() atomic_thread_fence(memory_order_seq_cst)
#endif

typedef struct tl_wake {
	_Atomic uint32_t parked;  /* 1: the consumer may be blocked */
	_Atomic uint32_t seq;     /* futex word, bumped by each wake */
	_Atomic uint64_t wakes;   /* system calls made by producers */
} tl_wake_t;

void tl_wake_init(tl_wake_t *w);

/* Consumer: announce the park. Returns the futex value to wait on. */
uint32_t tl_wake_prepare(tl_wake_t *w);
/* Consumer: work turned up after tl_wake_prepare; do not block. */
void tl_wake_cancel(tl_wake_t *w);
/* Consumer: block on the futex until woken or `timeout_ns` (> 0) passes,
 * then clear `parked`. Returns 1 when woken (or seq had moved), 0 on
 * timeout. */
int tl_wake_wait(tl_wake_t *w, uint32_t seq, int64_t timeout_ns);
/* Consumer: after blocking elsewhere (io_uring). */
void tl_wake_done(tl_wake_t *w);

/* Producer, after its push: wake a parked consumer through the futex
 * (fd < 0) or by writing the eventfd fd. No system call unless parked. */
void tl_wake_notify_slow(tl_wake_t *w, int fd);
static inline void tl_wake_notify(tl_wake_t *w, int fd)
{
	tl_wake_fence();
	if (atomic_load_explicit(&w->parked, memory_order_relaxed))
		tl_wake_notify_slow(w, fd);
}

/* Producer in another process (talon ctl): it cannot know the fd, so it
 * always bumps seq and FUTEX_WAKEs (one system call, on its side), and
 * leaves `parked` alone so that the engine's own producers still see it. */
void tl_wake_notify_remote(tl_wake_t *w);

/* An eventfd for the eventfd flavour (non-blocking, close-on-exec).
 * Returns the fd or -errno. */
int tl_wake_eventfd(void);
/* Empty an eventfd's counter (after a wait that did not read it). */
void tl_wake_eventfd_drain(int fd);

#endif /* TL_WAKE_H */
