/*
 * alloc_hook.c - malloc interposition for test programs (see alloc_hook.h).
 *
 * The executable's own malloc, calloc, realloc, free, posix_memalign and
 * aligned_alloc come first in symbol lookup, so the whole process calls
 * these. Each one books the call and forwards to the next definition,
 * found with dlsym(RTLD_NEXT, ...): glibc's allocator, or the ASan/TSan
 * interceptor (the sanitizer runtime is the first library in the link).
 *
 * Bootstrap: dlsym may itself allocate while we resolve. Calls made while
 * resolution is under way (in practice only dlsym's own, at the first
 * allocation of the process) are served from a static bump buffer. Its
 * blocks are never freed or forwarded anywhere; realloc of one copies into
 * a real block.
 *
 * Invariants:
 *  - No function here allocates, and nothing here takes a lock.
 *  - A pointer inside boot_buf never reaches the next free/realloc.
 *  - Counting state is _Thread_local: a thread only ever sees its own.
 */
#define _GNU_SOURCE
#include "tests/support/alloc_hook.h"

#include <dlfcn.h>
#include <errno.h>
#include <malloc.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef void *alloc_hook_malloc_fn(size_t);
typedef void *alloc_hook_calloc_fn(size_t, size_t);
typedef void *alloc_hook_realloc_fn(void *, size_t);
typedef void alloc_hook_free_fn(void *);
typedef int alloc_hook_memalign_fn(void **, size_t, size_t);
typedef void *alloc_hook_aligned_fn(size_t, size_t);

/* The next definitions, set once by alloc_hook_resolve. */
static alloc_hook_malloc_fn *next_malloc;
static alloc_hook_calloc_fn *next_calloc;
static alloc_hook_realloc_fn *next_realloc;
static alloc_hook_free_fn *next_free;
static alloc_hook_memalign_fn *next_posix_memalign;
static alloc_hook_aligned_fn *next_aligned_alloc;
/* 0: not resolved, 1: one thread is resolving, 2: next_* are set. */
static atomic_int resolve_state;

/* Bootstrap blocks: [size_t size, pad to 16][data], bump-allocated. */
#define ALLOC_HOOK_BOOT_SIZE (64 * 1024)
#define ALLOC_HOOK_BOOT_HDR 16
static alignas(64) unsigned char boot_buf[ALLOC_HOOK_BOOT_SIZE];
static atomic_size_t boot_used;

/* Per-thread counting (tl_alloc_hook_arm ... disarm). */
static _Thread_local bool armed;
static _Thread_local size_t armed_calls;
static _Thread_local size_t armed_allocs;
static _Thread_local size_t fail_after = SIZE_MAX;

/* Process-wide fail mode. */
static atomic_bool fail_on;
static _Atomic(pthread_t) fail_tid;
static atomic_uint_fast64_t violations;

static _Noreturn void alloc_hook_die(const char *msg)
{
	ssize_t r = write(2, msg, strlen(msg));
	(void)r;
	abort();
}

static void *alloc_hook_boot_alloc(size_t size, size_t align)
{
	size_t start, off, end;

	if (align < ALLOC_HOOK_BOOT_HDR)
		align = ALLOC_HOOK_BOOT_HDR;
	start = atomic_load_explicit(&boot_used, memory_order_relaxed);
	do {
		off = (start + ALLOC_HOOK_BOOT_HDR + align - 1) & ~(align - 1);
		end = off + ((size + 15) & ~(size_t)15);
		if (end > sizeof(boot_buf) || end < off)
			alloc_hook_die("alloc_hook: bootstrap buffer full\n");
	} while (!atomic_compare_exchange_weak_explicit(&boot_used, &start,
			end, memory_order_relaxed, memory_order_relaxed));
	memcpy(boot_buf + off - ALLOC_HOOK_BOOT_HDR, &size, sizeof(size));
	return boot_buf + off;   /* zeroed: the buffer is never reused */
}

static bool alloc_hook_is_boot(const void *p)
{
	return (const unsigned char *)p >= boot_buf &&
	       (const unsigned char *)p < boot_buf + sizeof(boot_buf);
}

static size_t alloc_hook_boot_size(const void *p)
{
	size_t size;

	memcpy(&size, (const unsigned char *)p - ALLOC_HOOK_BOOT_HDR,
	       sizeof(size));
	return size;
}

static void *alloc_hook_sym(const char *name)
{
	void *f = dlsym(RTLD_NEXT, name);

	if (!f) {
		alloc_hook_die("alloc_hook: dlsym(RTLD_NEXT) found no "
			       "allocator function\n");
	}
	return f;
}

/*
 * True when next_* may be used. The first caller resolves them; while it
 * does, its own nested calls from dlsym and any other thread's calls get
 * false and are served from boot_buf.
 */
static bool alloc_hook_ready(void)
{
	int state = atomic_load_explicit(&resolve_state, memory_order_acquire);

	if (state == 2)
		return true;
	if (state != 0 || !atomic_compare_exchange_strong(&resolve_state,
							  &state, 1))
		return false;
	next_malloc = (alloc_hook_malloc_fn *)alloc_hook_sym("malloc");
	next_calloc = (alloc_hook_calloc_fn *)alloc_hook_sym("calloc");
	next_realloc = (alloc_hook_realloc_fn *)alloc_hook_sym("realloc");
	next_free = (alloc_hook_free_fn *)alloc_hook_sym("free");
	next_posix_memalign =
		(alloc_hook_memalign_fn *)alloc_hook_sym("posix_memalign");
	next_aligned_alloc =
		(alloc_hook_aligned_fn *)alloc_hook_sym("aligned_alloc");
	atomic_store_explicit(&resolve_state, 2, memory_order_release);
	return true;
}

/* Books one call by this thread; returns true when it must fail. */
static bool alloc_hook_enter(bool allocates)
{
	bool fail = false;

	if (atomic_load_explicit(&fail_on, memory_order_acquire) &&
	    pthread_equal(atomic_load_explicit(&fail_tid,
					       memory_order_relaxed),
			  pthread_self())) {
		atomic_fetch_add_explicit(&violations, 1,
					  memory_order_relaxed);
		fail = allocates;
	}
	if (armed) {
		armed_calls++;
		if (allocates && armed_allocs++ >= fail_after)
			fail = true;
	}
	return fail;
}

void *malloc(size_t size)
{
	if (!alloc_hook_ready())
		return alloc_hook_boot_alloc(size, 16);
	if (alloc_hook_enter(true)) {
		errno = ENOMEM;
		return NULL;
	}
	return next_malloc(size);
}

void *calloc(size_t n, size_t size)
{
	if (!alloc_hook_ready()) {
		if (size && n > SIZE_MAX / size) {
			errno = ENOMEM;
			return NULL;
		}
		return alloc_hook_boot_alloc(n * size, 16);
	}
	if (alloc_hook_enter(true)) {
		errno = ENOMEM;
		return NULL;
	}
	return next_calloc(n, size);
}

void *realloc(void *p, size_t size)
{
	void *q;

	if (!alloc_hook_ready()) {
		q = alloc_hook_boot_alloc(size, 16);
		if (p) {
			size_t old = alloc_hook_boot_size(p);
			memcpy(q, p, old < size ? old : size);
		}
		return q;
	}
	if (alloc_hook_enter(true)) {
		errno = ENOMEM;
		return NULL;
	}
	if (!alloc_hook_is_boot(p))
		return next_realloc(p, size);
	q = next_malloc(size);
	if (q) {
		size_t old = alloc_hook_boot_size(p);
		memcpy(q, p, old < size ? old : size);
	}
	return q;
}

/* Freed-block watch (tl_alloc_hook_watch): set by one test thread while
 * the code under test runs; read by every free, from any thread. Readers
 * announce themselves (watch_readers) before looking at watch_on, and
 * tl_alloc_hook_watch rewrites the needle only once it is off and no
 * reader is left. Byte loops through volatile pointers, not memcpy or
 * memcmp: those are sanitizer interceptors, which would see this file's
 * accesses without its (uninstrumented) atomics. */
static atomic_bool watch_on;
static atomic_int watch_readers;
static unsigned char watch_s[256];
static size_t watch_n;
static atomic_uint_fast64_t watch_hits;

void tl_alloc_hook_watch(const void *needle, size_t n)
{
	volatile unsigned char *d = watch_s;
	const volatile unsigned char *src = needle;

	atomic_store(&watch_on, false);
	while (atomic_load(&watch_readers) != 0)
		;	/* a free is scanning with the old needle */
	if (!needle || n == 0 || n > sizeof(watch_s))
		return;
	for (size_t i = 0; i < n; i++)
		d[i] = src[i];
	watch_n = n;
	atomic_store(&watch_hits, 0);
	atomic_store(&watch_on, true);
}

uint64_t tl_alloc_hook_watch_hits(void)
{
	return atomic_load(&watch_hits);
}

static bool alloc_hook_at(const volatile unsigned char *b, const volatile unsigned char *s,
			  size_t n)
{
	for (size_t j = 0; j < n; j++)
		if (b[j] != s[j])
			return false;
	return true;
}

static void alloc_hook_scan(const void *p)
{
	const volatile unsigned char *b = p;
	const volatile unsigned char *s = watch_s;
	size_t len = malloc_usable_size((void *)p);
	size_t n = watch_n;

	for (size_t i = 0; len >= n && i <= len - n; i++)
		if (alloc_hook_at(b + i, s, n)) {
			atomic_fetch_add(&watch_hits, 1);
			return;
		}
}

static void alloc_hook_watch_free(const void *p)
{
	/* the common case, no watch: one relaxed load, no shared write */
	if (!atomic_load_explicit(&watch_on, memory_order_relaxed))
		return;
	atomic_fetch_add(&watch_readers, 1);
	if (atomic_load(&watch_on))
		alloc_hook_scan(p);
	atomic_fetch_sub(&watch_readers, 1);
}

void free(void *p)
{
	if (!alloc_hook_ready())
		return;
	alloc_hook_enter(false);
	if (p && !alloc_hook_is_boot(p))
		alloc_hook_watch_free(p);
	if (!alloc_hook_is_boot(p))
		next_free(p);
}

int posix_memalign(void **out, size_t align, size_t size)
{
	if (!alloc_hook_ready()) {
		*out = alloc_hook_boot_alloc(size, align);
		return 0;
	}
	if (alloc_hook_enter(true))
		return ENOMEM;
	return next_posix_memalign(out, align, size);
}

void *aligned_alloc(size_t align, size_t size)
{
	if (!alloc_hook_ready())
		return alloc_hook_boot_alloc(size, align);
	if (alloc_hook_enter(true)) {
		errno = ENOMEM;
		return NULL;
	}
	return next_aligned_alloc(align, size);
}

void tl_alloc_hook_arm(void)
{
	tl_alloc_hook_arm_fail_after(SIZE_MAX);
}

void tl_alloc_hook_arm_fail_after(size_t n)
{
	armed_calls = 0;
	armed_allocs = 0;
	fail_after = n;
	armed = true;
}

size_t tl_alloc_hook_disarm(void)
{
	size_t calls = armed ? armed_calls : 0;

	armed = false;
	fail_after = SIZE_MAX;
	return calls;
}

void tl_alloc_hook_fail_thread(pthread_t thread)
{
	atomic_store_explicit(&fail_tid, thread, memory_order_relaxed);
	atomic_store_explicit(&fail_on, true, memory_order_release);
}

void tl_alloc_hook_fail_none(void)
{
	atomic_store_explicit(&fail_on, false, memory_order_release);
}

uint64_t tl_alloc_hook_violations(void)
{
	return atomic_load_explicit(&violations, memory_order_relaxed);
}
