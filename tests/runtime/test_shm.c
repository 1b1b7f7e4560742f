/*
 * test_shm.c - the shared-memory control block (runtime/shm.c): create, attach,
 * takeover of a dead engine's block, layout checks, the seqlock snapshot
 * under a hammering writer, the kill switch word, the MPMC ctl ring with
 * racing producers, and reply slots with timeouts.
 *
 * Every block is named "t<pid>_<n>" so parallel runs never collide, and
 * each test unlinks what it created (a teardown sweeps leftovers).
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "runtime/shm.h"
#include "tests/support/tl_test.h"

static char shm_name[TL_SHM_NAMELEN];
static int shm_counter;

static const char *fresh_name(void)
{
	snprintf(shm_name, sizeof shm_name, "t%d_%d", (int)getpid(), ++shm_counter);
	return shm_name;
}

static int64_t now_rt(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * TL_NS_PER_S + ts.tv_nsec;
}

static int64_t now_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * TL_NS_PER_S + ts.tv_nsec;
}

static bool shm_exists(const char *name)
{
	char p[96];

	snprintf(p, sizeof p, "/dev/shm/talon.%s", name);
	return access(p, F_OK) == 0;
}

static void shm_unlink_name(const char *name)
{
	char p[64];

	snprintf(p, sizeof p, "/talon.%s", name);
	shm_unlink(p);
}

/* Remove every block this process may have left (after each test). */
static void sweep(void)
{
	char p[64];

	for (int i = 1; i <= shm_counter; i++) {
		snprintf(p, sizeof p, "/talon.t%d_%d", (int)getpid(), i);
		shm_unlink(p);
	}
}

/* A pid that is certainly gone: a child that exited and was reaped. */
static pid_t dead_pid(void)
{
	pid_t p = fork();

	if (p == 0)
		_exit(0);
	waitpid(p, NULL, 0);
	return p;
}

static tl_shm_t *create_ok(const char *name)
{
	char err[256] = "";
	tl_shm_t *s = NULL;

	if (tl_shm_create(name, &s, err, sizeof err) != 0)
		fprintf(stderr, "create %s: %s\n", name, err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	return s;
}

/* ---- create / attach / detach ----------------------------------------- */

static void test_create_attach_detach(void)
{
	const char *name = fresh_name();
	char err[256], why[96];
	tl_shm_t *s = create_ok(name), *c = NULL;

	CU_ASSERT(shm_exists(name));
	CU_ASSERT_EQUAL(s->magic, TL_SHM_MAGIC);
	CU_ASSERT_EQUAL(s->version, TL_SHM_VERSION);
	CU_ASSERT_EQUAL(s->size, sizeof(tl_shm_t));
	CU_ASSERT_STRING_EQUAL(s->name, name);
	CU_ASSERT_EQUAL(atomic_load(&s->pid), getpid());
	CU_ASSERT_EQUAL(s->prev_state, TL_SHM_NO_PREV);	/* a new block */
	CU_ASSERT(tl_shm_alive(s, now_rt(), why, sizeof why));
	CU_ASSERT_EQUAL(atomic_load(&s->next_req_id), 1);

	CU_ASSERT_EQUAL(tl_shm_attach(name, &c, err, sizeof err), 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT(c != s);
	atomic_store(&s->state, TL_TS_PAUSED);
	CU_ASSERT_EQUAL(atomic_load(&c->state), TL_TS_PAUSED);
	tl_shm_detach(c, name, false);
	CU_ASSERT(shm_exists(name));

	tl_shm_detach(s, name, true);
	CU_ASSERT(!shm_exists(name));
	CU_ASSERT_EQUAL(tl_shm_attach(name, &c, err, sizeof err), -1);
	CU_ASSERT_PTR_NULL(c);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "no talon engine named"));
}

static void test_name_validation(void)
{
	char p[64], err[256];
	tl_shm_t *s;

	CU_ASSERT_EQUAL(tl_shm_path("main-1_X", p, sizeof p), 0);
	CU_ASSERT_STRING_EQUAL(p, "/talon.main-1_X");
	CU_ASSERT_EQUAL(tl_shm_path("", p, sizeof p), -1);
	CU_ASSERT_EQUAL(tl_shm_path("a/b", p, sizeof p), -1);
	CU_ASSERT_EQUAL(tl_shm_path("a.b", p, sizeof p), -1);
	CU_ASSERT_EQUAL(tl_shm_path("..", p, sizeof p), -1);
	CU_ASSERT_EQUAL(tl_shm_path("abcdefghijabcdefghijabcdefghij1", p, sizeof p), 0);
	CU_ASSERT_EQUAL(tl_shm_path("abcdefghijabcdefghijabcdefghij12", p, sizeof p), -1);
	CU_ASSERT_EQUAL(tl_shm_create("bad name", &s, err, sizeof err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "invalid"));
}

static void test_second_create_refused_while_alive(void)
{
	const char *name = fresh_name();
	char err[256], want[128];
	tl_shm_t *s = create_ok(name), *t = NULL;

	CU_ASSERT_EQUAL(tl_shm_create(name, &t, err, sizeof err), -1);
	CU_ASSERT_PTR_NULL(t);
	snprintf(want, sizeof want, "engine '%s' is already running (pid %d)",
		 name, (int)getpid());
	CU_ASSERT_STRING_EQUAL(err, want);
	tl_shm_detach(s, name, true);
}

static void test_takeover_after_pid_gone(void)
{
	const char *name = fresh_name();
	char err[256], why[96], want[64];
	tl_shm_t *s = create_ok(name), *t = NULL;
	pid_t gone = dead_pid();
	tl_ctl_req_t req;

	/* Leave state behind that a takeover must wipe. */
	memset(&req, 0, sizeof req);
	CU_ASSERT(tl_shm_request(s, &req));
	tl_shm_kill(s, TL_KILL_LIQUIDATE, "old");
	atomic_store(&s->state, TL_TS_LIQUIDATING);
	atomic_store(&s->pid, gone);
	atomic_store(&s->heartbeat, now_rt() - 10 * TL_NS_PER_S);
	CU_ASSERT(!tl_shm_alive(s, now_rt(), why, sizeof why));
	snprintf(want, sizeof want, "pid %d gone", (int)gone);
	CU_ASSERT_STRING_EQUAL(why, want);

	CU_ASSERT_EQUAL(tl_shm_create(name, &t, err, sizeof err), 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	CU_ASSERT_EQUAL(atomic_load(&t->pid), getpid());
	CU_ASSERT(tl_shm_alive(t, now_rt(), why, sizeof why));
	CU_ASSERT_EQUAL(atomic_load(&t->kill.seq), 0);
	/* ...but the dead engine's last state is kept for recovery */
	CU_ASSERT_EQUAL(t->prev_state, TL_TS_LIQUIDATING);
	CU_ASSERT(!tl_shm_next_request(t, &req));
	CU_ASSERT_EQUAL(atomic_load(&t->next_req_id), 1);
	CU_ASSERT_STRING_EQUAL(t->name, name);
	/* The old mapping sees the same object, re-initialised. */
	CU_ASSERT_EQUAL(atomic_load(&s->pid), getpid());
	tl_shm_detach(s, name, false);
	tl_shm_detach(t, name, true);
}

static void test_takeover_after_stale_heartbeat(void)
{
	const char *name = fresh_name();
	char err[256], why[96];
	tl_shm_t *s = create_ok(name), *t = NULL;

	/* The pid lives (it is us) but the heartbeat stopped: hung engine. */
	atomic_store(&s->heartbeat, now_rt() - 7 * TL_NS_PER_S);
	CU_ASSERT(!tl_shm_alive(s, now_rt(), why, sizeof why));
	CU_ASSERT_STRING_EQUAL(why, "heartbeat 7s old");
	CU_ASSERT_EQUAL(tl_shm_create(name, &t, err, sizeof err), 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	CU_ASSERT(tl_shm_heartbeat(t, now_rt()));
	CU_ASSERT(tl_shm_alive(t, now_rt(), why, sizeof why));
	tl_shm_detach(s, name, false);
	tl_shm_detach(t, name, true);
}

static void test_heartbeat_reports_lost_block(void)
{
	const char *name = fresh_name();
	tl_shm_t *s = create_ok(name);

	CU_ASSERT(tl_shm_heartbeat(s, now_rt()));
	atomic_store(&s->pid, getpid() + 1); /* someone else took it over */
	CU_ASSERT(!tl_shm_heartbeat(s, now_rt()));
	/* Not the owner any more: detach must leave the name alone. */
	tl_shm_detach(s, name, true);
	CU_ASSERT(shm_exists(name));
	shm_unlink_name(name);
}

/* The engine sets pid 0 at a clean stop, then detaches with unlink. */
static void test_clean_stop_then_detach_unlinks(void)
{
	const char *name = fresh_name();
	tl_shm_t *s = create_ok(name);
	char why[96];

	atomic_store(&s->pid, 0);
	CU_ASSERT(!tl_shm_alive(s, now_rt(), why, sizeof why));
	CU_ASSERT_STRING_EQUAL(why, "stopped");
	tl_shm_detach(s, name, true);
	CU_ASSERT(!shm_exists(name));
}

static void test_bad_magic_or_version_refused(void)
{
	const char *name = fresh_name();
	char err[256], want[64];
	tl_shm_t *s = create_ok(name), *t = NULL;

	s->magic = 0x1234;
	CU_ASSERT_EQUAL(tl_shm_attach(name, &t, err, sizeof err), -1);
	CU_ASSERT_PTR_NULL(t);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "bad magic"));
	CU_ASSERT_EQUAL(tl_shm_create(name, &t, err, sizeof err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "bad magic"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "remove it"));

	s->magic = TL_SHM_MAGIC;
	s->version = TL_SHM_VERSION + 1;
	CU_ASSERT_EQUAL(tl_shm_attach(name, &t, err, sizeof err), -1);
	snprintf(want, sizeof want, "layout version %d", TL_SHM_VERSION + 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, want));
	CU_ASSERT_EQUAL(tl_shm_create(name, &t, err, sizeof err), -1);
	/* a block of the 128-position layout (version 1) left by an older
	 * talon: refused, both versions named */
	CU_ASSERT(TL_SHM_VERSION >= 2);
	s->version = 1;
	CU_ASSERT_EQUAL(tl_shm_attach(name, &t, err, sizeof err), -1);
	snprintf(want, sizeof want, "this talon uses version %d", TL_SHM_VERSION);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "layout version 1"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, want));

	s->version = TL_SHM_VERSION;
	s->size = 12;
	CU_ASSERT_EQUAL(tl_shm_attach(name, &t, err, sizeof err), -1);
	s->size = sizeof(tl_shm_t);
	CU_ASSERT_EQUAL(tl_shm_attach(name, &t, err, sizeof err), 0);
	tl_shm_detach(t, name, false);
	tl_shm_detach(s, name, true);
}

/* ---- seqlock ------------------------------------------------------------ */

struct snap_writer {
	tl_shm_t *s;
	_Atomic bool stop;
	uint64_t published;
};

/* Every 8-byte word of the snapshot holds the same counter value, but
 * the one holding n_pos, the two of the order counts, which say every
 * position and order is in use (so that the whole snapshot is copied),
 * and the one holding n_strat (every strategy row, which the reader
 * would clamp to that). */
#define SNAP_NPOS_WORD (offsetof(tl_shm_snapshot_t, n_pos) / 8)
#define SNAP_NORD_WORD (offsetof(tl_shm_snapshot_t, n_ord) / 8)
#define SNAP_NSTRAT_WORD (offsetof(tl_shm_snapshot_t, n_strat) / 8)
static_assert(offsetof(tl_shm_snapshot_t, ord_dropped) / 8 == SNAP_NORD_WORD + 1,
	      "order counts in two words");

static void *snap_writer_run(void *arg)
{
	struct snap_writer *w = arg;
	static tl_shm_snapshot_t snap;
	uint64_t *words = (uint64_t *)&snap;
	uint64_t k = 0;

	while (!atomic_load(&w->stop)) {
		k++;
		for (size_t i = 0; i < sizeof snap / 8; i++)
			words[i] = k;
		snap.n_pos = TL_SHM_POS_MAX;
		snap.n_ord = snap.n_ord_open = TL_SHM_ORD_MAX;
		snap.n_strat = TL_SHM_STRAT_MAX;
		tl_shm_publish(w->s, &snap);
	}
	w->published = k;
	return NULL;
}

static void test_seqlock_reader_never_sees_torn_snapshot(void)
{
	const char *name = fresh_name();
	tl_shm_t *s = create_ok(name), *r = NULL;
	struct snap_writer w = { .s = s };
	static tl_shm_snapshot_t got;
	const uint64_t *words = (const uint64_t *)&got;
	uint64_t last = 0, reads = 0, torn = 0, backwards = 0, busy = 0;
	char err[256];
	pthread_t th;
	int64_t end;

	/* The reader uses its own mapping, as talon ctl would. */
	CU_ASSERT_EQUAL_FATAL(tl_shm_attach(name, &r, err, sizeof err), 0);
	CU_ASSERT_EQUAL_FATAL(pthread_create(&th, NULL, snap_writer_run, &w), 0);
	end = now_mono() + 700 * TL_NS_PER_MS;
	while (now_mono() < end || reads < 1000) {
		if (!tl_shm_read_snapshot(r, &got)) {
			busy++;
			continue;
		}
		reads++;
		for (size_t i = 1; i < sizeof got / 8; i++)
			if (i != SNAP_NPOS_WORD && i != SNAP_NORD_WORD &&
			    i != SNAP_NORD_WORD + 1 && i != SNAP_NSTRAT_WORD &&
			    words[i] != words[0]) {
				torn++;
				break;
			}
		if (words[0] < last)
			backwards++;
		last = words[0];
	}
	atomic_store(&w.stop, true);
	pthread_join(th, NULL);
	CU_ASSERT_EQUAL(torn, 0);
	CU_ASSERT_EQUAL(backwards, 0);
	CU_ASSERT(reads >= 1000);
	CU_ASSERT(last > 0);
	/* The last publish is what a quiet reader sees. */
	CU_ASSERT(tl_shm_read_snapshot(r, &got));
	CU_ASSERT_EQUAL(words[0], w.published);
	CU_ASSERT_EQUAL(atomic_load(&s->snap_seq), 2 * w.published);
	fprintf(stderr, "    seqlock: %llu reads, %llu busy, %llu publishes\n",
		(unsigned long long)reads, (unsigned long long)busy,
		(unsigned long long)w.published);
	tl_shm_detach(r, name, false);
	tl_shm_detach(s, name, true);
}

static void test_seqlock_gives_up_on_a_stuck_writer(void)
{
	const char *name = fresh_name();
	tl_shm_t *s = create_ok(name);
	static tl_shm_snapshot_t got;

	atomic_store(&s->snap_seq, 7); /* odd: a writer died mid-copy */
	CU_ASSERT(!tl_shm_read_snapshot(s, &got));
	atomic_store(&s->snap_seq, 8);
	CU_ASSERT(tl_shm_read_snapshot(s, &got));
	tl_shm_detach(s, name, true);
}

/* A full symbol table's positions all fit; a publish and a read copy
 * the n_pos in use, the reader's pos[] past n_pos is zero, and an n_pos
 * above the maximum is clamped instead of overrunning. */
static void test_snapshot_positions_in_use_only(void)
{
	const char *name = fresh_name();
	tl_shm_t *s = create_ok(name);
	static tl_shm_snapshot_t snap, got;

	CU_ASSERT(TL_SHM_POS_MAX >= TL_SYMBOLS_MAX);
	memset(&snap, 0, sizeof snap);
	for (uint32_t i = 0; i < TL_SHM_POS_MAX; i++) {
		snprintf(snap.pos[i].symbol, sizeof snap.pos[i].symbol, "S%uUSDT", i);
		snap.pos[i].qty = (tl_fx_t)i + 1;
	}
	snap.n_pos = 3;
	snap.lat_max = 42;
	tl_shm_publish(s, &snap);
	memset(&got, 0xab, sizeof got);
	CU_ASSERT_FATAL(tl_shm_read_snapshot(s, &got));
	CU_ASSERT_EQUAL(got.n_pos, 3);
	CU_ASSERT_EQUAL(got.lat_max, 42);
	CU_ASSERT_STRING_EQUAL(got.pos[2].symbol, "S2USDT");
	CU_ASSERT_EQUAL(got.pos[2].qty, 3);
	CU_ASSERT_EQUAL(got.pos[3].qty, 0);
	CU_ASSERT_EQUAL(got.pos[TL_SHM_POS_MAX - 1].symbol[0], '\0');
	/* not copied: the block still holds the zeroes of creation */
	CU_ASSERT_EQUAL(s->snap.pos[3].qty, 0);

	snap.n_pos = TL_SHM_POS_MAX + 5;
	tl_shm_publish(s, &snap);
	CU_ASSERT_FATAL(tl_shm_read_snapshot(s, &got));
	CU_ASSERT_EQUAL(got.n_pos, TL_SHM_POS_MAX);
	CU_ASSERT_EQUAL(got.pos[TL_SHM_POS_MAX - 1].qty, TL_SHM_POS_MAX);

	/* strategy rows: copied with the rest, a corrupt count clamped */
	snprintf(snap.strat[1].name, sizeof snap.strat[1].name, "alpha");
	snap.strat[1].fills = 7;
	snap.n_strat = 2;
	tl_shm_publish(s, &snap);
	CU_ASSERT_FATAL(tl_shm_read_snapshot(s, &got));
	CU_ASSERT_EQUAL(got.n_strat, 2);
	CU_ASSERT_STRING_EQUAL(got.strat[1].name, "alpha");
	CU_ASSERT_EQUAL(got.strat[1].fills, 7);
	snap.n_strat = 1000;
	tl_shm_publish(s, &snap);
	CU_ASSERT_FATAL(tl_shm_read_snapshot(s, &got));
	CU_ASSERT_EQUAL(got.n_strat, TL_SHM_STRAT_MAX);
	tl_shm_detach(s, name, true);
}

/* ---- kill switch ------------------------------------------------------ */

static void test_kill_word_set_and_poll(void)
{
	const char *name = fresh_name();
	tl_shm_t *s = create_ok(name);
	char reason[TL_TEXT_LEN], longr[200];
	tl_kill_cmd_t cmd = TL_KILL_NONE;

	CU_ASSERT(!tl_shm_kill_poll(s, &cmd, reason, sizeof reason));
	CU_ASSERT_EQUAL(tl_shm_kill(s, TL_KILL_LIQUIDATE, "drawdown"), 1);
	CU_ASSERT(tl_shm_kill_poll(s, &cmd, reason, sizeof reason));
	CU_ASSERT_EQUAL(cmd, TL_KILL_LIQUIDATE);
	CU_ASSERT_STRING_EQUAL(reason, "drawdown");
	CU_ASSERT_EQUAL(atomic_load(&s->kill.seen), 1);
	CU_ASSERT(!tl_shm_kill_poll(s, &cmd, reason, sizeof reason));

	/* Two sets between polls: one poll, the latest reason. */
	CU_ASSERT_EQUAL(tl_shm_kill(s, TL_KILL_LIQUIDATE, "first"), 2);
	CU_ASSERT_EQUAL(tl_shm_kill(s, TL_KILL_LIQUIDATE, "second"), 3);
	CU_ASSERT(tl_shm_kill_poll(s, &cmd, reason, sizeof reason));
	CU_ASSERT_STRING_EQUAL(reason, "second");
	CU_ASSERT_EQUAL(atomic_load(&s->kill.seen), 3);
	CU_ASSERT(!tl_shm_kill_poll(s, &cmd, reason, sizeof reason));

	/* A long reason is cut at TL_TEXT_LEN - 1; a short buffer is safe. */
	memset(longr, 'x', sizeof longr - 1);
	longr[sizeof longr - 1] = '\0';
	tl_shm_kill(s, TL_KILL_LIQUIDATE, longr);
	CU_ASSERT(tl_shm_kill_poll(s, &cmd, reason, sizeof reason));
	CU_ASSERT_EQUAL(strlen(reason), TL_TEXT_LEN - 1);
	tl_shm_kill(s, TL_KILL_LIQUIDATE, "abcdef");
	CU_ASSERT(tl_shm_kill_poll(s, &cmd, reason, 4));
	CU_ASSERT_STRING_EQUAL(reason, "abc");
	tl_shm_kill(s, TL_KILL_LIQUIDATE, NULL);
	CU_ASSERT(tl_shm_kill_poll(s, NULL, reason, sizeof reason));
	CU_ASSERT_STRING_EQUAL(reason, "");
	tl_shm_detach(s, name, true);
}

struct kill_setter {
	tl_shm_t *s;
	int n;
};

static void *kill_setter_run(void *arg)
{
	struct kill_setter *k = arg;
	char r[32];

	for (int i = 1; i <= k->n; i++) {
		snprintf(r, sizeof r, "reason %d", i);
		tl_shm_kill(k->s, TL_KILL_LIQUIDATE, r);
	}
	return NULL;
}

static void test_kill_word_threads_engine_sees_last(void)
{
	const char *name = fresh_name();
	tl_shm_t *s = create_ok(name);
	struct kill_setter ks[2] = { { s, 2000 }, { s, 2000 } };
	char reason[TL_TEXT_LEN];
	tl_kill_cmd_t cmd;
	pthread_t th[2];
	int polls = 0;

	for (int i = 0; i < 2; i++)
		pthread_create(&th[i], NULL, kill_setter_run, &ks[i]);
	while (atomic_load(&s->kill.seen) < 4000) {
		if (tl_shm_kill_poll(s, &cmd, reason, sizeof reason)) {
			polls++;
			CU_ASSERT_EQUAL(cmd, TL_KILL_LIQUIDATE);
			CU_ASSERT_NSTRING_EQUAL(reason, "reason ", 7);
		}
	}
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	CU_ASSERT(polls >= 1 && polls <= 4000);
	CU_ASSERT(!tl_shm_kill_poll(s, &cmd, reason, sizeof reason));
	CU_ASSERT_EQUAL(atomic_load(&s->kill.seq), 4000);
	tl_shm_detach(s, name, true);
}

/* ---- ctl ring ------------------------------------------------------------ */

#define MP_PER_PRODUCER 20000

struct producer {
	tl_shm_t *s;
	int idx;
	uint64_t full;
};

static void *producer_run(void *arg)
{
	struct producer *p = arg;
	tl_ctl_req_t req;

	for (int i = 0; i < MP_PER_PRODUCER; i++) {
		memset(&req, 0, sizeof req);
		req.pid = p->idx;
		req.kind = TL_CTLK_INPUT;
		req.in.hdr.type = TL_IN_SUBMIT;
		req.in.u.submit.user_ref = (uint64_t)i;
		snprintf(req.in.u.submit.symbol, sizeof req.in.u.submit.symbol,
			 "P%dX%d", p->idx, i);
		while (!tl_shm_request(p->s, &req)) {
			p->full++;
			sched_yield();
		}
	}
	return NULL;
}

static void test_ring_two_producers_each_request_once(void)
{
	const char *name = fresh_name();
	tl_shm_t *s = create_ok(name), *c2 = NULL;
	struct producer prod[2];
	const uint64_t total = 2 * MP_PER_PRODUCER;
	uint8_t *seen = calloc(total + 2, 1);
	uint64_t got = 0, dup = 0, bad = 0, next_ref[2] = { 0, 0 }, order = 0;
	char err[256], sym[TL_SYMBOL_NAMELEN];
	tl_ctl_req_t req;
	pthread_t th[2];

	CU_ASSERT_PTR_NOT_NULL_FATAL(seen);
	/* The second producer works through its own mapping (another ctl). */
	CU_ASSERT_EQUAL_FATAL(tl_shm_attach(name, &c2, err, sizeof err), 0);
	prod[0] = (struct producer){ s, 0, 0 };
	prod[1] = (struct producer){ c2, 1, 0 };
	for (int i = 0; i < 2; i++)
		CU_ASSERT_EQUAL_FATAL(pthread_create(&th[i], NULL, producer_run, &prod[i]), 0);
	while (got < total) {
		if (!tl_shm_next_request(s, &req))
			continue;
		got++;
		if (req.id == 0 || req.id > total || req.pid < 0 || req.pid > 1) {
			bad++;
			continue;
		}
		if (seen[req.id]++)
			dup++;
		/* Payload intact and each producer's requests in its order. */
		snprintf(sym, sizeof sym, "P%dX%llu", req.pid,
			 (unsigned long long)req.in.u.submit.user_ref);
		if (strcmp(sym, req.in.u.submit.symbol) != 0 ||
		    req.in.hdr.type != TL_IN_SUBMIT)
			bad++;
		if (req.in.u.submit.user_ref != next_ref[req.pid])
			order++;
		next_ref[req.pid] = req.in.u.submit.user_ref + 1;
	}
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	CU_ASSERT(!tl_shm_next_request(s, &req));
	CU_ASSERT_EQUAL(dup, 0);
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT_EQUAL(order, 0);
	for (uint64_t id = 1; id <= total; id++)
		if (seen[id] != 1) {
			CU_FAIL("request id not delivered exactly once");
			break;
		}
	CU_ASSERT_EQUAL(atomic_load(&s->next_req_id), total + 1);
	fprintf(stderr, "    ring: %llu requests, full %llu+%llu times\n",
		(unsigned long long)got, (unsigned long long)prod[0].full,
		(unsigned long long)prod[1].full);
	free(seen);
	tl_shm_detach(c2, name, false);
	tl_shm_detach(s, name, true);
}

static void test_ring_full_refuses_then_drains(void)
{
	const char *name = fresh_name();
	tl_shm_t *s = create_ok(name);
	tl_ctl_req_t req;
	int n = 0;

	memset(&req, 0, sizeof req);
	while (tl_shm_request(s, &req)) {
		n++;
		req.id = 0;
	}
	CU_ASSERT_EQUAL(n, TL_SHM_CTL_SLOTS); /* every slot usable */
	/* The refused request kept its id for the retry. */
	CU_ASSERT_EQUAL(req.id, (uint64_t)TL_SHM_CTL_SLOTS + 1);
	CU_ASSERT(!tl_shm_request(s, &req));
	CU_ASSERT_EQUAL(req.id, (uint64_t)TL_SHM_CTL_SLOTS + 1);
	/* The kill word still works with the ring full. */
	tl_shm_kill(s, TL_KILL_LIQUIDATE, "ring full");
	CU_ASSERT(tl_shm_kill_poll(s, NULL, NULL, 0));
	for (int i = 0; i < n; i++) {
		CU_ASSERT(tl_shm_next_request(s, &req));
		CU_ASSERT_EQUAL(req.id, (uint64_t)i + 1);
	}
	CU_ASSERT(!tl_shm_next_request(s, &req));
	req.id = 0;
	CU_ASSERT(tl_shm_request(s, &req));
	CU_ASSERT_EQUAL(req.id, (uint64_t)TL_SHM_CTL_SLOTS + 2);
	CU_ASSERT_EQUAL(atomic_load(&s->ctl_resyncs), 0);
	tl_shm_detach(s, name, true);
}

/* ---- replies -------------------------------------------------------------- */

static void test_reply_and_wait(void)
{
	const char *name = fresh_name();
	tl_shm_t *s = create_ok(name);
	tl_shm_reply_t rep;
	char longmsg[300];
	int64_t t0, waited;

	tl_shm_reply(s, 5, 0, "tl-ABC-1", "accepted");
	CU_ASSERT(tl_shm_wait_reply(s, 5, TL_NS_PER_S, &rep));
	CU_ASSERT_EQUAL(atomic_load(&rep.id), 5);
	CU_ASSERT_EQUAL(rep.result, 0);
	CU_ASSERT_STRING_EQUAL(rep.client_id, "tl-ABC-1");
	CU_ASSERT_STRING_EQUAL(rep.msg, "accepted");

	memset(longmsg, 'm', sizeof longmsg - 1);
	longmsg[sizeof longmsg - 1] = '\0';
	tl_shm_reply(s, 6, TL_REJ_QTY_STEP, NULL, longmsg);
	CU_ASSERT(tl_shm_wait_reply(s, 6, TL_NS_PER_S, &rep));
	CU_ASSERT_EQUAL(rep.result, TL_REJ_QTY_STEP);
	CU_ASSERT_STRING_EQUAL(rep.client_id, "");
	CU_ASSERT_EQUAL(strlen(rep.msg), sizeof rep.msg - 1);

	/* No reply: times out after about the timeout. */
	t0 = now_mono();
	CU_ASSERT(!tl_shm_wait_reply(s, 7, 50 * TL_NS_PER_MS, &rep));
	waited = now_mono() - t0;
	CU_ASSERT(waited >= 50 * TL_NS_PER_MS);
	CU_ASSERT(waited < 2 * TL_NS_PER_S);

	/* Slot reused by a later id: the earlier waiter does not take it. */
	tl_shm_reply(s, 8 + TL_SHM_REPLY_SLOTS, 0, "later", "");
	CU_ASSERT(!tl_shm_wait_reply(s, 8, 10 * TL_NS_PER_MS, &rep));
	CU_ASSERT(tl_shm_wait_reply(s, 8 + TL_SHM_REPLY_SLOTS, 0, &rep));
	tl_shm_detach(s, name, true);
}

/* An engine thread: answer every request, accept even user_ref, refuse
 * odd ones, until told to stop. */
struct replier {
	tl_shm_t *s;
	_Atomic bool stop;
	uint64_t answered;
};

static void *replier_run(void *arg)
{
	struct replier *r = arg;
	tl_ctl_req_t req;
	char id[TL_CLID_LEN];

	while (!atomic_load(&r->stop)) {
		if (!tl_shm_next_request(r->s, &req)) {
			sched_yield();
			continue;
		}
		snprintf(id, sizeof id, "c-%llu", (unsigned long long)req.in.u.submit.user_ref);
		tl_shm_reply(r->s, req.id, (req.in.u.submit.user_ref & 1) ?
			     TL_REJ_MAX_POSITION : 0, id, "");
		r->answered++;
	}
	return NULL;
}

static void test_request_reply_round_trips_with_engine_thread(void)
{
	const char *name = fresh_name();
	tl_shm_t *s = create_ok(name), *c = NULL;
	struct replier r = { .s = s };
	char err[256], want[TL_CLID_LEN];
	tl_shm_reply_t rep;
	tl_ctl_req_t req;
	pthread_t th;
	int ok = 0;

	CU_ASSERT_EQUAL_FATAL(tl_shm_attach(name, &c, err, sizeof err), 0);
	pthread_create(&th, NULL, replier_run, &r);
	for (uint64_t i = 0; i < 500; i++) {
		memset(&req, 0, sizeof req);
		req.in.u.submit.user_ref = i;
		if (!tl_shm_request(c, &req))
			continue;
		if (!tl_shm_wait_reply(c, req.id, 5 * TL_NS_PER_S, &rep))
			continue;
		snprintf(want, sizeof want, "c-%llu", (unsigned long long)i);
		if (!strcmp(rep.client_id, want) &&
		    rep.result == ((i & 1) ? TL_REJ_MAX_POSITION : 0))
			ok++;
	}
	atomic_store(&r.stop, true);
	pthread_join(th, NULL);
	CU_ASSERT_EQUAL(ok, 500);
	CU_ASSERT_EQUAL(r.answered, 500);
	tl_shm_detach(c, name, false);
	tl_shm_detach(s, name, true);
}


/* ---- ownership of a leftover block ------------------------------------------ */

/* A block left with the wrong mode (another user could have written it)
 * is refused, naming owner and mode; the engine never reuses it. */
static void test_leftover_block_wrong_mode_refused(void)
{
	const char *name = fresh_name();
	char path[96], err[512], want[256];
	tl_shm_t *s = create_ok(name), *t = NULL;
	struct stat st;

	snprintf(path, sizeof path, "/dev/shm/talon.%s", name);
	CU_ASSERT_EQUAL_FATAL(stat(path, &st), 0);
	CU_ASSERT_EQUAL(st.st_mode & 07777, 0600);	/* created 0600 */
	CU_ASSERT_EQUAL(st.st_uid, geteuid());
	atomic_store(&s->pid, dead_pid());		/* a dead engine's block */
	CU_ASSERT_EQUAL_FATAL(chmod(path, 0666), 0);
	CU_ASSERT_EQUAL(tl_shm_create(name, &t, err, sizeof err), -1);
	CU_ASSERT_PTR_NULL(t);
	snprintf(want, sizeof want, "is owned by uid %u with mode 0666, not by "
		 "you (uid %u) with 0600", (unsigned)geteuid(), (unsigned)geteuid());
	CU_ASSERT_PTR_NOT_NULL(strstr(err, want));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "remove it if it is yours"));
	CU_ASSERT(shm_exists(name));	/* refused, not removed */
	/* 0640 is refused too: only exactly 0600 */
	CU_ASSERT_EQUAL_FATAL(chmod(path, 0640), 0);
	CU_ASSERT_EQUAL(tl_shm_create(name, &t, err, sizeof err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "mode 0640"));
	/* back to 0600: taken over */
	CU_ASSERT_EQUAL_FATAL(chmod(path, 0600), 0);
	CU_ASSERT_EQUAL(tl_shm_create(name, &t, err, sizeof err), 0);
	tl_shm_detach(s, name, false);
	tl_shm_detach(t, name, true);
}

/* A block owned by another uid (root plants it for uid 65534 here) is
 * refused. Needs root to chown; otherwise skipped with a note. */
static void test_leftover_block_wrong_owner_refused(void)
{
	const char *name = fresh_name();
	char path[96], err[512], want[256];
	tl_shm_t *s, *t = NULL;
	int fd;

	if (geteuid() != 0) {
		fprintf(stderr, "    skipped: not root, cannot chown a block to "
			"uid 65534 (the mode case runs anyway)\n");
		return;
	}
	s = create_ok(name);
	atomic_store(&s->pid, dead_pid());
	snprintf(path, sizeof path, "/dev/shm/talon.%s", name);
	fd = open(path, O_RDWR | O_NOFOLLOW);
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_EQUAL_FATAL(fchown(fd, 65534, 65534), 0);
	close(fd);
	CU_ASSERT_EQUAL(tl_shm_create(name, &t, err, sizeof err), -1);
	CU_ASSERT_PTR_NULL(t);
	snprintf(want, sizeof want, "/dev/shm/talon.%s is owned by uid 65534 with "
		 "mode 0600, not by you (uid 0) with 0600: another user may have "
		 "planted it; remove it if it is yours", name);
	CU_ASSERT_STRING_EQUAL(err, want);
	tl_shm_detach(s, name, false);
	shm_unlink_name(name);
}

/* ---- a corrupted ring -------------------------------------------------------- */

static void garbage_ring(tl_shm_t *s, unsigned how)
{
	switch (how) {
	case 0:	/* positions far apart */
		atomic_store(&s->ctl_head, 0xdeadbeefcafef00dULL);
		break;
	case 1:	/* tail ahead of head */
		atomic_store(&s->ctl_tail, atomic_load(&s->ctl_head) + 5);
		break;
	case 2:	/* slot words scribbled over */
		for (int i = 0; i < TL_SHM_CTL_SLOTS; i++)
			atomic_store(&s->ctl_slot[i].seq, 0x4141414141414141ULL * (uint64_t)i);
		break;
	case 3:	/* everything: bytes over both positions and every slot
		 * (the resync counter is left readable for the test) */
		memset((char *)&s->ctl_head, 0xA5, sizeof s->ctl_head);
		memset((char *)&s->ctl_tail, 0x5A, sizeof s->ctl_tail);
		memset(s->ctl_slot, 0xA5, sizeof s->ctl_slot);
		break;
	default: /* head claims requests that were never written: a producer
		  * died between reserving and publishing */
		atomic_store(&s->ctl_head, atomic_load(&s->ctl_tail) + 3);
		break;
	}
}

/* Garbage in the ring's shared words: the engine's reader neither
 * crashes nor reads out of bounds (ASan run), counts a resync, drops
 * what was pending, and requests after the resync go through. */
static void test_corrupt_ring_resyncs_and_recovers(void)
{
	const char *name = fresh_name();
	tl_shm_t *s = create_ok(name), *c = NULL;
	char err[256];
	tl_ctl_req_t req;
	uint64_t resyncs = 0;

	CU_ASSERT_EQUAL_FATAL(tl_shm_attach(name, &c, err, sizeof err), 0);
	for (unsigned how = 0; how < 5; how++) {
		/* two pending requests, then garbage */
		for (int i = 0; i < 2; i++) {
			memset(&req, 0, sizeof req);
			CU_ASSERT(tl_shm_request(c, &req));
		}
		garbage_ring(c, how);
		/* The reader copes, for as long as it takes (the stalled case
		 * waits TL_SHM_CTL_STALL_NS). */
		int64_t t0 = now_mono();
		while (atomic_load(&s->ctl_resyncs) == resyncs &&
		       now_mono() - t0 < 3 * TL_SHM_CTL_STALL_NS)
			(void)tl_shm_next_request(s, &req);
		CU_ASSERT_EQUAL(atomic_load(&s->ctl_resyncs), resyncs + 1);
		resyncs = atomic_load(&s->ctl_resyncs);
		CU_ASSERT(!tl_shm_next_request(s, &req));	/* pending dropped */
		/* ...and the ring works again, to full capacity. */
		for (int i = 0; i < TL_SHM_CTL_SLOTS; i++) {
			memset(&req, 0, sizeof req);
			req.in.u.submit.user_ref = (uint64_t)i;
			CU_ASSERT(tl_shm_request(c, &req));
		}
		for (int i = 0; i < TL_SHM_CTL_SLOTS; i++) {
			CU_ASSERT(tl_shm_next_request(s, &req));
			CU_ASSERT_EQUAL(req.in.u.submit.user_ref, (uint64_t)i);
		}
		CU_ASSERT(!tl_shm_next_request(s, &req));
		CU_ASSERT_EQUAL(atomic_load(&s->ctl_resyncs), resyncs);
	}
	/* Garbage reply slots and next_req_id: a waiter only ever takes the
	 * slot id % TL_SHM_REPLY_SLOTS, and only a reply to its own id. */
	memset(c->reply, 0xff, sizeof c->reply);
	atomic_store(&c->next_req_id, UINT64_MAX - 1);
	tl_shm_reply_t rep;
	CU_ASSERT(!tl_shm_wait_reply(c, UINT64_MAX - 1, 5 * TL_NS_PER_MS, &rep));
	memset(&req, 0, sizeof req);
	CU_ASSERT(tl_shm_request(c, &req));
	CU_ASSERT(tl_shm_next_request(s, &req));
	tl_shm_reply(s, req.id, 0, "x", "ok");
	CU_ASSERT(tl_shm_wait_reply(c, req.id, TL_NS_PER_S, &rep));
	tl_shm_detach(c, name, false);
	tl_shm_detach(s, name, true);
}

/* ---- client-id prefixes --------------------------------------------------------- */

static void test_prefix_overlap_rule(void)
{
	CU_ASSERT(tl_shm_prefix_overlap("alpha-", "alpha-"));
	CU_ASSERT(tl_shm_prefix_overlap("tl", "tl1"));	/* tl would read tl1's ids */
	CU_ASSERT(tl_shm_prefix_overlap("tl1", "tl"));
	CU_ASSERT(tl_shm_prefix_overlap("ab", "ab0123"));
	CU_ASSERT(!tl_shm_prefix_overlap("alph", "alpha-"));	/* "alpha-7" is not alph+digits */
	CU_ASSERT(!tl_shm_prefix_overlap("c", "chaos-"));
	CU_ASSERT(!tl_shm_prefix_overlap("alpha-", "alph-"));
	CU_ASSERT(!tl_shm_prefix_overlap("a-", "b-"));
	CU_ASSERT(!tl_shm_prefix_overlap("a", "a-b"));
}

/* A second live engine of this user with an overlapping prefix is
 * refused by name; a dead one's, or a distinct prefix, is not. */
static void test_claim_prefix_refuses_overlap_with_live_engine(void)
{
	char a[TL_SHM_NAMELEN], b[TL_SHM_NAMELEN], err[512] = "", want[128];
	tl_shm_t *sa, *sb;

	snprintf(a, sizeof a, "%s", fresh_name());
	snprintf(b, sizeof b, "%s", fresh_name());
	sa = create_ok(a);
	CU_ASSERT_EQUAL(tl_shm_claim_prefix(sa, a, "pfxA-", err, sizeof err), 0);
	CU_ASSERT_STRING_EQUAL(sa->clid_prefix, "pfxA-");
	sb = create_ok(b);
	CU_ASSERT_EQUAL(tl_shm_claim_prefix(sb, b, "pfxA-", err, sizeof err), -1);
	snprintf(want, sizeof want, "of engine '%s' (pid %d)", a, (int)getpid());
	CU_ASSERT_PTR_NOT_NULL(strstr(err, want));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "kernel.client_id_prefix"));
	CU_ASSERT_EQUAL(tl_shm_claim_prefix(sb, b, "pfxA-7", err, sizeof err), -1);
	CU_ASSERT_EQUAL(tl_shm_claim_prefix(sb, b, "pfxA-x", err, sizeof err), 0);
	CU_ASSERT_EQUAL(tl_shm_claim_prefix(sb, b, "pfxB-", err, sizeof err), 0);
	/* a dead engine's prefix does not count */
	atomic_store(&sa->pid, dead_pid());
	CU_ASSERT_EQUAL(tl_shm_claim_prefix(sb, b, "pfxA-", err, sizeof err), 0);
	tl_shm_detach(sa, a, false);
	shm_unlink_name(a);
	tl_shm_detach(sb, b, true);
}

/* ---- UTF-8 in the kill reason ------------------------------------------------------ */

/* 62 ASCII bytes and a 4-byte emoji do not fit the 63 bytes of the
 * reason: the emoji goes whole, never half of it. */
static void test_kill_reason_cut_on_character_boundary(void)
{
	const char *name = fresh_name();
	tl_shm_t *s = create_ok(name);
	char reason[128], got[TL_TEXT_LEN];

	memset(reason, 'r', 62);
	memcpy(reason + 62, "\xF0\x9F\x92\xA5", 5);	/* U+1F4A5 and NUL */
	tl_shm_kill(s, TL_KILL_LIQUIDATE, reason);
	CU_ASSERT(tl_shm_kill_poll(s, NULL, got, sizeof got));
	CU_ASSERT_EQUAL(strlen(got), 62);
	CU_ASSERT_NSTRING_EQUAL(got, reason, 62);
	/* 59 + emoji = 63 bytes fits whole */
	memmove(reason + 59, reason + 62, 5);
	tl_shm_kill(s, TL_KILL_LIQUIDATE, reason);
	CU_ASSERT(tl_shm_kill_poll(s, NULL, got, sizeof got));
	CU_ASSERT_STRING_EQUAL(got, reason);
	tl_shm_detach(s, name, true);
}

TL_TEST_SUITE("io.shm", NULL, sweep,
	      TL_TEST(test_create_attach_detach),
	      TL_TEST(test_name_validation),
	      TL_TEST(test_second_create_refused_while_alive),
	      TL_TEST(test_takeover_after_pid_gone),
	      TL_TEST(test_takeover_after_stale_heartbeat),
	      TL_TEST(test_heartbeat_reports_lost_block),
	      TL_TEST(test_clean_stop_then_detach_unlinks),
	      TL_TEST(test_bad_magic_or_version_refused),
	      TL_TEST(test_seqlock_reader_never_sees_torn_snapshot),
	      TL_TEST(test_seqlock_gives_up_on_a_stuck_writer),
	      TL_TEST(test_snapshot_positions_in_use_only),
	      TL_TEST(test_kill_word_set_and_poll),
	      TL_TEST(test_kill_word_threads_engine_sees_last),
	      TL_TEST(test_ring_two_producers_each_request_once),
	      TL_TEST(test_ring_full_refuses_then_drains),
	      TL_TEST(test_reply_and_wait),
	      TL_TEST(test_request_reply_round_trips_with_engine_thread),
	      TL_TEST(test_leftover_block_wrong_mode_refused),
	      TL_TEST(test_leftover_block_wrong_owner_refused),
	      TL_TEST(test_corrupt_ring_resyncs_and_recovers),
	      TL_TEST(test_prefix_overlap_rule),
	      TL_TEST(test_claim_prefix_refuses_overlap_with_live_engine),
	      TL_TEST(test_kill_reason_cut_on_character_boundary));
