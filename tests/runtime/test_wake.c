/*
 * test_wake.c - the park/push race (runtime/wake.h): a consumer that
 * parks whenever its ring looks empty and producers that push and
 * notify must never lose a wake-up, in both flavours (futex, eventfd);
 * and a producer whose consumer spins makes no system call.
 *
 * A lost wake-up shows as a park that runs to its timeout while a record
 * waits: the consumer parks with a long timeout (WAKE_TIMEOUT_NS) and
 * counts the parks that timed out; the producers never pause that long,
 * so every such timeout is a lost wake-up.
 */
#define _GNU_SOURCE
#include "tests/support/tl_test.h"

#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "runtime/ring.h"
#include "runtime/wake.h"

#define WAKE_ITEMS 200000
#define WAKE_TIMEOUT_NS (2LL * 1000000000LL)
#define WAKE_PRODUCERS 2

typedef struct wake_fix {
	tl_spsc_in_t q[WAKE_PRODUCERS];  /* one ring per producer (SPSC) */
	tl_wake_t w;
	int fd;                          /* eventfd flavour, else -1 */
	uint64_t got;
	uint64_t prepares, parks, timeouts;
	uint64_t next[WAKE_PRODUCERS];   /* sequence check per ring */
	bool order_ok;
} wake_fix_t;

static int wake_pop_all(wake_fix_t *f)
{
	tl_input_t in;
	int n = 0;
	for (int p = 0; p < WAKE_PRODUCERS; p++)
		while (tl_spsc_in_pop(&f->q[p], &in)) {
			if (in.hdr.seq != f->next[p])
				f->order_ok = false;
			f->next[p] = in.hdr.seq + 1;
			n++;
		}
	return n;
}

static bool wake_any(wake_fix_t *f)
{
	for (int p = 0; p < WAKE_PRODUCERS; p++)
		if (tl_spsc_used(&f->q[p].r))
			return true;
	return false;
}

static void *wake_consumer(void *arg)
{
	wake_fix_t *f = arg;
	while (f->got < (uint64_t)WAKE_ITEMS * WAKE_PRODUCERS) {
		int n = wake_pop_all(f);
		f->got += (uint64_t)n;
		if (n)
			continue;
		/* Park at once (no spins): the race window is as wide as it gets. */
		uint32_t seq = tl_wake_prepare(&f->w);
		f->prepares++;
		if (wake_any(f)) {
			tl_wake_cancel(&f->w);
			continue;
		}
		f->parks++;
		if (f->fd < 0) {
			if (!tl_wake_wait(&f->w, seq, WAKE_TIMEOUT_NS))
				f->timeouts++;
		} else {
			struct pollfd p = { .fd = f->fd, .events = POLLIN };
			int rc = poll(&p, 1, (int)(WAKE_TIMEOUT_NS / 1000000));
			if (rc == 0)
				f->timeouts++;
			tl_wake_eventfd_drain(f->fd);
			tl_wake_done(&f->w);
		}
	}
	return NULL;
}

typedef struct wake_prod {
	wake_fix_t *f;
	int id;
} wake_prod_t;

static void *wake_producer(void *arg)
{
	wake_prod_t *pr = arg;
	wake_fix_t *f = pr->f;
	tl_input_t in;
	unsigned x = 12345u + (unsigned)pr->id;
	memset(&in, 0, sizeof(in));
	for (uint64_t i = 0; i < WAKE_ITEMS; i++) {
		in.hdr.seq = i;
		while (!tl_spsc_in_push(&f->q[pr->id], &in))
			sched_yield();
		tl_wake_notify(&f->w, f->fd);
		/* Irregular gaps: sometimes back to back, sometimes long enough
		 * for the consumer to park between two pushes. */
		x = x * 1103515245u + 12345u;
		unsigned spin = (x >> 16) % 64;
		if (spin > 60) {
			struct timespec ts = { 0, 2000 };
			nanosleep(&ts, NULL);
		} else {
			for (volatile unsigned k = 0; k < spin * 8; k++)
				;
		}
	}
	return NULL;
}

static void wake_race(bool eventfd)
{
	static wake_fix_t f;
	char err[128];
	pthread_t c, p[WAKE_PRODUCERS];
	wake_prod_t pr[WAKE_PRODUCERS];

	memset(&f, 0, sizeof(f));
	f.order_ok = true;
	tl_wake_init(&f.w);
	f.fd = eventfd ? tl_wake_eventfd() : -1;
	if (eventfd)
		CU_ASSERT_FATAL(f.fd >= 0);
	for (int i = 0; i < WAKE_PRODUCERS; i++)
		CU_ASSERT_EQUAL_FATAL(tl_spsc_in_init(&f.q[i], 1024, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL_FATAL(pthread_create(&c, NULL, wake_consumer, &f), 0);
	for (int i = 0; i < WAKE_PRODUCERS; i++) {
		pr[i] = (wake_prod_t){ &f, i };
		CU_ASSERT_EQUAL_FATAL(pthread_create(&p[i], NULL, wake_producer, &pr[i]), 0);
	}
	for (int i = 0; i < WAKE_PRODUCERS; i++)
		pthread_join(p[i], NULL);
	pthread_join(c, NULL);

	CU_ASSERT_EQUAL(f.got, (uint64_t)WAKE_ITEMS * WAKE_PRODUCERS);
	CU_ASSERT_TRUE(f.order_ok);
	CU_ASSERT_EQUAL(f.timeouts, 0);	/* a lost wake-up */
	/* The race was run: the consumer parked, and was woken. */
	CU_ASSERT_TRUE(f.parks > 100);
	CU_ASSERT_TRUE(atomic_load(&f.w.wakes) > 100);
	/* One system call per announced park at most (a park called off
	 * after its announcement may still cost one), never one per push.
	 * How many parks there are is the scheduler's: a sanitized build
	 * parked once per 3.6 records in CI, so only "fewer than pushes"
	 * is asserted here (test_no_syscall_while_consumer_spins and
	 * test_burst_wakes_once pin the exact counts). */
	CU_ASSERT_TRUE(atomic_load(&f.w.wakes) <= f.prepares);
	CU_ASSERT_TRUE(atomic_load(&f.w.wakes) < f.got);
	printf("  %s: %llu records, %llu parks, %llu wake-ups, %llu timeouts\n",
	       eventfd ? "eventfd" : "futex", (unsigned long long)f.got,
	       (unsigned long long)f.parks, (unsigned long long)atomic_load(&f.w.wakes),
	       (unsigned long long)f.timeouts);
	for (int i = 0; i < WAKE_PRODUCERS; i++)
		tl_spsc_in_free(&f.q[i]);
	if (f.fd >= 0)
		close(f.fd);
}

static void test_futex_race_loses_no_wakeup(void)
{
	wake_race(false);
}

static void test_eventfd_race_loses_no_wakeup(void)
{
	wake_race(true);
}

/* A consumer that never parks (idle spin) costs its producers no system
 * call: notify sees parked == 0 and returns. */
static void test_no_syscall_while_consumer_spins(void)
{
	tl_wake_t w;
	tl_wake_init(&w);
	for (int i = 0; i < 100000; i++)
		tl_wake_notify(&w, -1);
	CU_ASSERT_EQUAL(atomic_load(&w.wakes), 0);
	CU_ASSERT_EQUAL(atomic_load(&w.seq), 0);
}

/* Many pushes to one parked consumer: one wake-up. */
static void test_burst_wakes_once(void)
{
	tl_wake_t w;
	tl_wake_init(&w);
	uint32_t s = tl_wake_prepare(&w);
	for (int i = 0; i < 1000; i++)
		tl_wake_notify(&w, -1);
	CU_ASSERT_EQUAL(atomic_load(&w.wakes), 1);
	CU_ASSERT_EQUAL(atomic_load(&w.parked), 0);
	/* The consumer that only now blocks returns at once: seq moved. */
	CU_ASSERT_EQUAL(tl_wake_wait(&w, s, WAKE_TIMEOUT_NS), 1);
}

/* Another process's wake (talon ctl) leaves `parked` for the engine's
 * own producers: a consumer woken remotely that parks again is still
 * woken by them. */
static void test_remote_wake_keeps_parked_for_local_producers(void)
{
	tl_wake_t w;
	tl_wake_init(&w);
	uint32_t s = tl_wake_prepare(&w);
	tl_wake_notify_remote(&w);
	CU_ASSERT_EQUAL(atomic_load(&w.parked), 1);
	CU_ASSERT_EQUAL(tl_wake_wait(&w, s, WAKE_TIMEOUT_NS), 1);
	s = tl_wake_prepare(&w);
	tl_wake_notify(&w, -1);
	CU_ASSERT_EQUAL(atomic_load(&w.wakes), 1);
	CU_ASSERT_EQUAL(tl_wake_wait(&w, s, WAKE_TIMEOUT_NS), 1);
}

/* A park with nothing coming ends at its timeout, and says so. */
static void test_park_times_out(void)
{
	tl_wake_t w;
	tl_wake_init(&w);
	uint32_t s = tl_wake_prepare(&w);
	CU_ASSERT_EQUAL(tl_wake_wait(&w, s, 1000000), 0);
	CU_ASSERT_EQUAL(atomic_load(&w.parked), 0);
}

TL_TEST_SUITE("runtime.wake", NULL, NULL,
	      TL_TEST(test_futex_race_loses_no_wakeup),
	      TL_TEST(test_eventfd_race_loses_no_wakeup),
	      TL_TEST(test_no_syscall_while_consumer_spins),
	      TL_TEST(test_burst_wakes_once),
	      TL_TEST(test_remote_wake_keeps_parked_for_local_producers),
	      TL_TEST(test_park_times_out));
