/*
 * tsan.h - telling ThreadSanitizer about Concurrency Kit's rings.
 *
 * ck's rings order their head/tail words with fences and volatile
 * accesses that TSan cannot model (even with CK_USE_CC_BUILTINS), so it
 * reports races inside every enqueue and dequeue. Under TSan only, ring
 * operations run with the thread's accesses ignored and declare the
 * hand-off explicitly: the producer releases the ring after a push, the
 * consumer acquires it after a pop. Everything outside the ring stays
 * fully checked. In other builds these are no-ops.
 */
#ifndef TL_TSAN_H
#define TL_TSAN_H

#if defined(__SANITIZE_THREAD__)
void __tsan_acquire(void *addr);
void __tsan_release(void *addr);
void __tsan_ignore_thread_begin(void);
void __tsan_ignore_thread_end(void);
#define tl_tsan_release(p) __tsan_release((void *)(p))
#define tl_tsan_acquire(p) __tsan_acquire((void *)(p))
#define tl_tsan_ignore_begin() __tsan_ignore_thread_begin()
#define tl_tsan_ignore_end() __tsan_ignore_thread_end()
#else
#define tl_tsan_release(p) ((void)(p))
#define tl_tsan_acquire(p) ((void)(p))
#define tl_tsan_ignore_begin() ((void)0)
#define tl_tsan_ignore_end() ((void)0)
#endif

#endif /* TL_TSAN_H */
