/*
 * test_alloc_hook.c - the allocation hook counts, fails and forbids what
 * it claims to, in plain, ASan+UBSan and TSan builds.
 *
 * Allocator calls go through volatile function pointers: GCC may delete a
 * malloc/free pair it can see, and then there is nothing to count.
 */
#include "tests/support/alloc_hook.h"
#include "tests/support/tl_test.h"

#include <errno.h>
#include <malloc.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
/* From the sanitizer runtime's allocator interface, which GCC ships no
 * header for: does the sanitizer's allocator own p, and its size. */
int __sanitizer_get_ownership(const volatile void *p);
size_t __sanitizer_get_allocated_size(const volatile void *p);
#define ALLOC_HOOK_TEST_SANITIZED 1
#endif

static void *(*volatile t_malloc)(size_t) = malloc;
static void *(*volatile t_calloc)(size_t, size_t) = calloc;
static void *(*volatile t_realloc)(void *, size_t) = realloc;
static void (*volatile t_free)(void *) = free;
static int (*volatile t_posix_memalign)(void **, size_t, size_t) =
	posix_memalign;
static void *(*volatile t_aligned_alloc)(size_t, size_t) = aligned_alloc;

static void test_malloc_free_counts_two(void)
{
	tl_alloc_hook_arm();
	void *p = t_malloc(32);
	t_free(p);
	size_t calls = tl_alloc_hook_disarm();

	CU_ASSERT_PTR_NOT_NULL(p);
	CU_ASSERT_EQUAL(calls, 2);
}

static void test_disarmed_counts_zero(void)
{
	CU_ASSERT_EQUAL(tl_alloc_hook_disarm(), 0);   /* never armed */

	tl_alloc_hook_arm();
	CU_ASSERT_EQUAL(tl_alloc_hook_disarm(), 0);   /* armed, no calls */

	t_free(t_malloc(8));                          /* not armed */
	CU_ASSERT_EQUAL(tl_alloc_hook_disarm(), 0);
}

static void test_calloc_realloc_aligned_counted(void)
{
	void *a = NULL;

	tl_alloc_hook_arm();
	char *p = t_calloc(4, 8);                     /* 1 */
	char *q = t_realloc(p, 4096);                 /* 2 */
	char *r = t_realloc(NULL, 16);                /* 3 */
	int rc = t_posix_memalign(&a, 64, 128);       /* 4 */
	void *b = t_aligned_alloc(64, 128);           /* 5 */
	t_free(q);                                    /* 6 */
	t_free(r);                                    /* 7 */
	t_free(a);                                    /* 8 */
	t_free(b);                                    /* 9 */
	t_free(NULL);                                 /* 10 */
	size_t calls = tl_alloc_hook_disarm();

	CU_ASSERT_PTR_NOT_NULL(p);
	CU_ASSERT_PTR_NOT_NULL(q);
	CU_ASSERT_PTR_NOT_NULL(r);
	CU_ASSERT_EQUAL(rc, 0);
	CU_ASSERT_EQUAL((uintptr_t)a % 64, 0);
	CU_ASSERT_EQUAL((uintptr_t)b % 64, 0);
	CU_ASSERT_EQUAL(calls, 10);
}

/* Allocations inside shared libraries reach the hook too: fopen's FILE is
 * malloc'd by glibc. */
static void test_library_allocations_seen(void)
{
	tl_alloc_hook_arm();
	FILE *f = fopen("/dev/null", "r");
	if (f)
		fclose(f);
	size_t calls = tl_alloc_hook_disarm();

	CU_ASSERT_PTR_NOT_NULL(f);
	CU_ASSERT(calls >= 2);
}

/* Forwarding reaches the real allocator: under ASan/TSan that is the
 * sanitizer's (it owns the block), otherwise glibc's. */
static void test_forwards_to_next_allocator(void)
{
	char *p = t_malloc(100);

	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
#ifdef ALLOC_HOOK_TEST_SANITIZED
	CU_ASSERT(__sanitizer_get_ownership(p));
	CU_ASSERT_EQUAL(__sanitizer_get_allocated_size(p), 100);
#else
	CU_ASSERT(malloc_usable_size(p) >= 100);
#endif
	t_free(p);
}

static void test_fail_after_n(void)
{
	tl_alloc_hook_arm_fail_after(2);
	void *a = t_malloc(8);
	void *b = t_calloc(1, 8);
	errno = 0;
	void *c = t_malloc(8);
	int c_errno = errno;
	void *d = t_realloc(a, 64);
	t_free(b);
	size_t calls = tl_alloc_hook_disarm();
	void *e = t_malloc(8);                       /* disarmed: works */

	CU_ASSERT_PTR_NOT_NULL(a);
	CU_ASSERT_PTR_NOT_NULL(b);
	CU_ASSERT_PTR_NULL(c);
	CU_ASSERT_EQUAL(c_errno, ENOMEM);
	CU_ASSERT_PTR_NULL(d);                       /* a is untouched */
	CU_ASSERT_EQUAL(calls, 5);
	CU_ASSERT_PTR_NOT_NULL(e);
	t_free(a);
	t_free(e);
}

/*
 * A helper thread that runs h->work each time it is told to, until work is
 * NULL. Started before the main thread arms, and driven by semaphores
 * (which do not allocate), so that only the work itself can touch the
 * allocator in the measured window.
 */
struct helper {
	pthread_t thread;
	sem_t go, done;
	void (*work)(struct helper *);
	size_t own_calls;            /* the helper's own armed count */
	void *ptrs[5];
	int memalign_rc;
};

static void *helper_main(void *arg)
{
	struct helper *h = arg;

	sem_post(&h->done);          /* started: thread set-up is over */
	for (;;) {
		sem_wait(&h->go);
		if (!h->work)
			return NULL;
		h->work(h);
		sem_post(&h->done);
	}
}

static void helper_start(struct helper *h, void (*work)(struct helper *))
{
	h->work = work;
	CU_ASSERT_FATAL(sem_init(&h->go, 0, 0) == 0);
	CU_ASSERT_FATAL(sem_init(&h->done, 0, 0) == 0);
	CU_ASSERT_FATAL(pthread_create(&h->thread, NULL, helper_main, h) == 0);
	/* Thread start-up allocates (glibc, and ASan's pthread_getattr_np):
	 * wait until it is over before failing the thread's allocations. */
	sem_wait(&h->done);
}

/* Runs the work once on the helper and waits for it. */
static void helper_run(struct helper *h)
{
	sem_post(&h->go);
	sem_wait(&h->done);
}

static void helper_stop(struct helper *h)
{
	h->work = NULL;
	sem_post(&h->go);
	pthread_join(h->thread, NULL);
	sem_destroy(&h->go);
	sem_destroy(&h->done);
}

static void work_alloc_armed(struct helper *h)
{
	tl_alloc_hook_arm();
	for (int i = 0; i < 3; i++)
		t_free(t_malloc(64));
	h->own_calls = tl_alloc_hook_disarm();
}

static void test_other_thread_not_counted(void)
{
	struct helper h = { 0 };

	helper_start(&h, work_alloc_armed);
	tl_alloc_hook_arm();
	helper_run(&h);
	size_t calls = tl_alloc_hook_disarm();
	helper_stop(&h);

	CU_ASSERT_EQUAL(calls, 0);
	CU_ASSERT_EQUAL(h.own_calls, 6);
}

static void work_alloc_all(struct helper *h)
{
	h->ptrs[0] = t_malloc(16);
	h->ptrs[1] = t_calloc(2, 16);
	h->ptrs[2] = t_realloc(NULL, 16);
	h->memalign_rc = t_posix_memalign(&h->ptrs[3], 64, 64);
	if (h->memalign_rc != 0)
		h->ptrs[3] = NULL;
	h->ptrs[4] = t_aligned_alloc(64, 64);
}

static void test_fail_thread_returns_null_and_counts(void)
{
	struct helper h = { 0 };
	uint64_t before = tl_alloc_hook_violations();

	helper_start(&h, work_alloc_all);
	tl_alloc_hook_fail_thread(h.thread);
	helper_run(&h);
	void *mine = t_malloc(16);            /* other threads unaffected */
	uint64_t during = tl_alloc_hook_violations();

	CU_ASSERT_PTR_NOT_NULL(mine);
	CU_ASSERT_EQUAL(during - before, 5);
	for (int i = 0; i < 5; i++)
		CU_ASSERT_PTR_NULL(h.ptrs[i]);
	CU_ASSERT_EQUAL(h.memalign_rc, ENOMEM);

	tl_alloc_hook_fail_none();
	helper_run(&h);                       /* fail mode off: works */
	helper_stop(&h);

	CU_ASSERT_EQUAL(tl_alloc_hook_violations(), during);
	for (int i = 0; i < 5; i++) {
		CU_ASSERT_PTR_NOT_NULL(h.ptrs[i]);
		t_free(h.ptrs[i]);
	}
	CU_ASSERT_EQUAL(h.memalign_rc, 0);
	t_free(mine);
}

TL_TEST_SUITE("support.alloc_hook", NULL, NULL,
	      TL_TEST(test_malloc_free_counts_two),
	      TL_TEST(test_disarmed_counts_zero),
	      TL_TEST(test_calloc_realloc_aligned_counted),
	      TL_TEST(test_library_allocations_seen),
	      TL_TEST(test_forwards_to_next_allocator),
	      TL_TEST(test_fail_after_n),
	      TL_TEST(test_other_thread_not_counted),
	      TL_TEST(test_fail_thread_returns_null_and_counts));
