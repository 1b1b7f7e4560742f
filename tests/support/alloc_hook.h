/*
 * alloc_hook.h - count, fail and forbid heap allocation in test programs.
 *
 * alloc_hook.c, linked into every test program, defines malloc, calloc,
 * realloc, free, posix_memalign and aligned_alloc in the executable. Every
 * call to them in the process (libc, CUnit, libtalon, shared libraries)
 * lands there first and is forwarded to the next definition: glibc's, or
 * the ASan/TSan interceptor in sanitized builds, so sanitizers keep seeing
 * every block. Other entry points (memalign, valloc, reallocarray, ...)
 * are not hooked and reach the real allocator unseen.
 *
 * Two independent tools:
 *
 * - Per-thread counting: between tl_alloc_hook_arm() and
 *   tl_alloc_hook_disarm() every allocator call made by the calling thread
 *   is counted (free included, free(NULL) too); other threads are not.
 *   CUnit allocates when an assertion fails, so disarm before asserting.
 *
 *   Allocation fault loop (fail at allocation n, n = 0, 1, 2, ...):
 *
 *     for (size_t n = 0;; n++) {
 *             tl_alloc_hook_arm_fail_after(n);
 *             int rc = thing_open(&t);
 *             tl_alloc_hook_disarm();
 *             if (rc == 0)
 *                     break;              (n was enough: done)
 *             CU_ASSERT_EQUAL(rc, -ENOMEM);   (and ASan sees no leak)
 *     }
 *     thing_close(t);
 *
 * - Process-wide fail mode: after tl_alloc_hook_fail_thread(t), every
 *   allocator call from thread t counts a violation and every allocation
 *   from it returns NULL (errno ENOMEM); a free is still performed. Used to
 *   prove that a hot-path thread never touches the heap after start:
 *   check tl_alloc_hook_violations() == 0 at the end. Thread start-up and
 *   exit allocate (glibc's TLS, the sanitizers' thread set-up, which
 *   aborts on ENOMEM under ASan): set fail mode only once the thread says
 *   it is running, and end it before the thread exits.
 *
 * All functions are thread-safe and never allocate.
 */
#ifndef TL_ALLOC_HOOK_H
#define TL_ALLOC_HOOK_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

/* Start counting this thread's allocator calls from zero. */
void tl_alloc_hook_arm(void);

/* As tl_alloc_hook_arm, and additionally every allocation by this thread
 * after the first n succeeds returns NULL until tl_alloc_hook_disarm. */
void tl_alloc_hook_arm_fail_after(size_t n);

/* Stop counting (and failing); returns how many allocator calls this
 * thread made while armed. Returns 0 when the thread was not armed. */
size_t tl_alloc_hook_disarm(void);

/* From now on every allocator call from `thread` is a violation and its
 * allocations fail. Replaces any earlier fail thread. */
void tl_alloc_hook_fail_thread(pthread_t thread);

/* Ends fail mode; the violation count is kept. */
void tl_alloc_hook_fail_none(void);

/* Violations counted since the program started. */
uint64_t tl_alloc_hook_violations(void);

/* Secret-wipe checks: from now on every free() (any thread) of a block
 * whose bytes contain needle[0..n) counts a hit (n <= 256; NULL or 0
 * stops watching). Resets the hit count. Blocks released by realloc are
 * not scanned. */
void tl_alloc_hook_watch(const void *needle, size_t n);

/* Hits since the last tl_alloc_hook_watch. */
uint64_t tl_alloc_hook_watch_hits(void);

#endif /* TL_ALLOC_HOOK_H */
