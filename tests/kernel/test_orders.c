/*
 * test_orders.c - the fixed-capacity order table (kernel/orders.c) alone:
 * capacity rules, lookups by client id and venue id, duplicate ids,
 * generation handles that go stale after eviction, oldest-first eviction
 * of terminal orders, active orders that are never evicted, and a long
 * randomized churn against a shadow model that guards the indexes'
 * backward-shift deletion (tl_orders_check after every operation).
 */
#include "tests/support/tl_test.h"

#include "kernel/orders.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static tl_orders_t T;

static void init_ok(uint32_t cap)
{
	char err[128];
	CU_ASSERT_EQUAL_FATAL(tl_orders_init(&T, cap, err, sizeof(err)), 0);
}

static void teardown(void) { tl_orders_free(&T); }

/* Finish an order (terminal status) and retire it. */
static void finish(tl_order_t *o)
{
	o->status = TL_ST_FILLED;
	tl_orders_retire(&T, o);
}

static void test_init_rejects_bad_capacity(void)
{
	static const uint32_t bad[] = { 0, 1, 3, 6, 100, 1000, (1u << 24) + 1,
					1u << 25, UINT32_MAX, 0x80000000u };
	char err[128];
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		CU_ASSERT_EQUAL(tl_orders_init(&T, bad[i], err, sizeof(err)), -1);
		CU_ASSERT_PTR_NOT_NULL(strstr(err, "power of two"));
		CU_ASSERT_PTR_NULL(T.slot);
		tl_orders_free(&T);	/* safe after a failed init */
	}
	CU_ASSERT_EQUAL(tl_orders_init(&T, 2, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(T.cap, 2);
	CU_ASSERT_EQUAL(T.idx_cap, 4);
	CU_ASSERT(tl_orders_check(&T));
	tl_orders_free(&T);
	CU_ASSERT_EQUAL(tl_orders_init(&T, 1024, err, sizeof(err)), 0);
	CU_ASSERT(tl_orders_check(&T));
}

static void test_alloc_and_lookup(void)
{
	init_ok(8);
	tl_order_t *a = tl_orders_alloc(&T, "tl1");
	tl_order_t *b = tl_orders_alloc(&T, "tl2");
	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	CU_ASSERT_PTR_NOT_EQUAL(a, b);
	CU_ASSERT_STRING_EQUAL(a->client_id, "tl1");
	CU_ASSERT_EQUAL(a->status, TL_ST_PENDING_NEW);
	CU_ASSERT_EQUAL(a->list, TL_LIST_ACTIVE);
	CU_ASSERT_EQUAL(a->venue_id, 0);
	CU_ASSERT_EQUAL(T.n_active, 2);
	CU_ASSERT_PTR_EQUAL(tl_orders_by_clid(&T, "tl1"), a);
	CU_ASSERT_PTR_EQUAL(tl_orders_by_clid(&T, "tl2"), b);
	CU_ASSERT_PTR_NULL(tl_orders_by_clid(&T, "tl3"));
	CU_ASSERT_PTR_NULL(tl_orders_by_clid(&T, "tl"));
	CU_ASSERT_PTR_NULL(tl_orders_by_clid(&T, ""));
	CU_ASSERT_PTR_NULL(tl_orders_by_vid(&T, 0));
	CU_ASSERT_PTR_NULL(tl_orders_by_vid(&T, 42));

	tl_orders_set_venue_id(&T, a, 42);
	CU_ASSERT_EQUAL(a->venue_id, 42);
	CU_ASSERT_PTR_EQUAL(tl_orders_by_vid(&T, 42), a);
	CU_ASSERT_PTR_NULL(tl_orders_by_vid(&T, 43));
	/* setting it again is a no-op; 0 is ignored */
	tl_orders_set_venue_id(&T, a, 42);
	tl_orders_set_venue_id(&T, a, 0);
	CU_ASSERT_EQUAL(a->venue_id, 42);
	/* the venue changed its mind: re-indexed under the new id only */
	tl_orders_set_venue_id(&T, a, -7);
	CU_ASSERT_PTR_EQUAL(tl_orders_by_vid(&T, -7), a);
	CU_ASSERT_PTR_NULL(tl_orders_by_vid(&T, 42));
	/* a second order claiming a taken venue id is not indexed under it */
	tl_orders_set_venue_id(&T, b, -7);
	CU_ASSERT_PTR_EQUAL(tl_orders_by_vid(&T, -7), a);
	CU_ASSERT_EQUAL(b->venue_id, 0);

	/* handles resolve; the longest legal client id (36) works */
	CU_ASSERT_PTR_EQUAL(tl_orders_get(&T, tl_orders_handle(&T, a)), a);
	CU_ASSERT_PTR_EQUAL(tl_orders_get(&T, tl_orders_handle(&T, b)), b);
	CU_ASSERT_PTR_NULL(tl_orders_get(&T, 0));
	CU_ASSERT_PTR_NULL(tl_orders_get(&T, ((uint64_t)1 << 32) | 8));	/* slot >= cap */
	char id36[TL_CLID_LEN];
	memset(id36, 'x', TL_CLID_MAX);
	id36[TL_CLID_MAX] = '\0';
	tl_order_t *c = tl_orders_alloc(&T, id36);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_PTR_EQUAL(tl_orders_by_clid(&T, id36), c);
	CU_ASSERT(tl_orders_check(&T));
}

static void test_bad_and_duplicate_ids_refused(void)
{
	init_ok(4);
	tl_order_t *a = tl_orders_alloc(&T, "dup");
	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	CU_ASSERT_PTR_NULL(tl_orders_alloc(&T, "dup"));
	CU_ASSERT_EQUAL(T.n_active, 1);
	/* still a duplicate once terminal: the id stays indexed for history */
	finish(a);
	CU_ASSERT_PTR_NULL(tl_orders_alloc(&T, "dup"));
	CU_ASSERT_PTR_EQUAL(tl_orders_by_clid(&T, "dup"), a);
	/* empty and too long (37) ids */
	CU_ASSERT_PTR_NULL(tl_orders_alloc(&T, ""));
	char id37[TL_CLID_LEN + 1];
	memset(id37, 'y', TL_CLID_MAX + 1);
	id37[TL_CLID_MAX + 1] = '\0';
	CU_ASSERT_PTR_NULL(tl_orders_alloc(&T, id37));
	CU_ASSERT_PTR_NULL(tl_orders_by_clid(&T, id37));
	CU_ASSERT_EQUAL(T.n_active + T.n_terminal, 1);
	CU_ASSERT(tl_orders_check(&T));
}

static void test_handle_goes_stale_after_eviction(void)
{
	init_ok(2);
	tl_order_t *a = tl_orders_alloc(&T, "a");
	tl_order_t *b = tl_orders_alloc(&T, "b");
	uint64_t ha = tl_orders_handle(&T, a);
	uint64_t hb = tl_orders_handle(&T, b);
	CU_ASSERT_NOT_EQUAL(ha, hb);
	tl_orders_set_venue_id(&T, a, 1001);
	finish(a);
	CU_ASSERT_PTR_EQUAL(tl_orders_get(&T, ha), a);	/* terminal, still there */
	tl_order_t *c = tl_orders_alloc(&T, "c");	/* evicts a */
	CU_ASSERT_PTR_EQUAL_FATAL(c, a);		/* same slot ... */
	uint64_t hc = tl_orders_handle(&T, c);
	CU_ASSERT_NOT_EQUAL(hc, ha);			/* ... new generation */
	CU_ASSERT_EQUAL((uint32_t)hc, (uint32_t)ha);
	CU_ASSERT_EQUAL(hc >> 32, (ha >> 32) + 1);
	CU_ASSERT_PTR_NULL(tl_orders_get(&T, ha));
	CU_ASSERT_PTR_EQUAL(tl_orders_get(&T, hc), c);
	CU_ASSERT_PTR_EQUAL(tl_orders_get(&T, hb), b);
	CU_ASSERT_PTR_NULL(tl_orders_by_clid(&T, "a"));
	CU_ASSERT_PTR_NULL(tl_orders_by_vid(&T, 1001));
	CU_ASSERT_EQUAL(c->venue_id, 0);	/* the new order starts clean */
	CU_ASSERT_EQUAL(T.evicted, 1);
	CU_ASSERT(tl_orders_check(&T));
}

static void test_eviction_is_oldest_terminal_first(void)
{
	init_ok(4);
	tl_order_t *o[4];
	char id[24];
	for (int i = 0; i < 4; i++) {
		snprintf(id, sizeof(id), "o%d", i);
		o[i] = tl_orders_alloc(&T, id);
		CU_ASSERT_PTR_NOT_NULL_FATAL(o[i]);
	}
	/* retire in the order 2, 0, 3; 1 stays active */
	finish(o[2]);
	finish(o[0]);
	finish(o[3]);
	CU_ASSERT_EQUAL(T.n_terminal, 3);
	CU_ASSERT_EQUAL(T.n_active, 1);
	/* retiring twice changes nothing */
	tl_orders_retire(&T, o[2]);
	CU_ASSERT_EQUAL(T.n_terminal, 3);
	CU_ASSERT(tl_orders_check(&T));

	CU_ASSERT_PTR_EQUAL(tl_orders_alloc(&T, "n0"), o[2]);
	CU_ASSERT_PTR_NULL(tl_orders_by_clid(&T, "o2"));
	CU_ASSERT_PTR_NOT_NULL(tl_orders_by_clid(&T, "o0"));
	CU_ASSERT_PTR_EQUAL(tl_orders_alloc(&T, "n1"), o[0]);
	CU_ASSERT_PTR_EQUAL(tl_orders_alloc(&T, "n2"), o[3]);
	CU_ASSERT_PTR_NOT_NULL(tl_orders_by_clid(&T, "o1"));
	CU_ASSERT_EQUAL(T.evicted, 3);
	CU_ASSERT_EQUAL(T.n_active, 4);
	CU_ASSERT_EQUAL(T.n_terminal, 0);
	/* every slot active now: full */
	CU_ASSERT_PTR_NULL(tl_orders_alloc(&T, "n3"));
	CU_ASSERT(tl_orders_check(&T));
}

static void test_active_orders_are_never_evicted(void)
{
	init_ok(16);
	char id[24];
	for (int i = 0; i < 16; i++) {
		snprintf(id, sizeof(id), "act%d", i);
		CU_ASSERT_PTR_NOT_NULL_FATAL(tl_orders_alloc(&T, id));
	}
	for (int i = 0; i < 100; i++) {
		snprintf(id, sizeof(id), "new%d", i);
		CU_ASSERT_PTR_NULL(tl_orders_alloc(&T, id));
	}
	CU_ASSERT_EQUAL(T.evicted, 0);
	for (int i = 0; i < 16; i++) {
		snprintf(id, sizeof(id), "act%d", i);
		tl_order_t *o = tl_orders_by_clid(&T, id);
		CU_ASSERT_PTR_NOT_NULL_FATAL(o);
		CU_ASSERT_EQUAL(o->list, TL_LIST_ACTIVE);
	}
	/* one retirement frees exactly one slot */
	finish(tl_orders_by_clid(&T, "act7"));
	CU_ASSERT_PTR_NOT_NULL(tl_orders_alloc(&T, "new0"));
	CU_ASSERT_PTR_NULL(tl_orders_alloc(&T, "new1"));
	CU_ASSERT_PTR_NULL(tl_orders_by_clid(&T, "act7"));
	CU_ASSERT(tl_orders_check(&T));
}

static void test_active_list_iteration(void)
{
	init_ok(8);
	tl_order_t *a = tl_orders_alloc(&T, "a");
	tl_order_t *b = tl_orders_alloc(&T, "b");
	tl_order_t *c = tl_orders_alloc(&T, "c");
	finish(b);
	tl_order_t *seen[8];
	int n = 0;
	for (tl_order_t *o = tl_orders_active_first(&T); o; o = tl_orders_next(&T, o))
		seen[n++] = o;
	CU_ASSERT_EQUAL_FATAL(n, 2);
	CU_ASSERT_PTR_EQUAL(seen[0], a);
	CU_ASSERT_PTR_EQUAL(seen[1], c);
	finish(a);
	finish(c);
	CU_ASSERT_PTR_NULL(tl_orders_active_first(&T));
	CU_ASSERT(tl_orders_check(&T));
}

/* ---- randomized churn against a shadow model --------------------------- */

#define CHURN_CAP 64
#define CHURN_OPS 200000
#define CHURN_GONE 512   /* recently evicted ids re-checked every op */

typedef struct shadow {
	char id[TL_CLID_LEN];
	int64_t vid;
	uint64_t handle;
	int terminal;
} shadow_t;

static uint64_t rng_state;
static uint64_t rng(void)
{
	uint64_t x = rng_state;		/* xorshift64*, fixed seed */
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	rng_state = x;
	return x * 0x2545f4914f6cdd1dULL;
}

static void test_random_churn_matches_shadow(void)
{
	init_ok(CHURN_CAP);
	rng_state = 0x9e3779b97f4a7c15ULL;
	shadow_t live[CHURN_CAP];          /* active or terminal, in the table */
	int nlive = 0;
	int term_fifo[CHURN_CAP];          /* indexes into live[]: terminal, oldest first */
	shadow_t gone[CHURN_GONE];         /* ring of evicted orders */
	int ngone = 0, gone_head = 0;
	uint64_t next_id = 1;
	int64_t next_vid = 1;
	uint64_t n_alloc = 0, n_evict = 0, n_full = 0, n_vid = 0, n_revid = 0;
	bool ok = true;

	int nterm = 0;
	for (int op = 0; op < CHURN_OPS && ok; op++) {
		uint64_t r = rng() % 100;
		if (r < 40) {
			/* alloc */
			shadow_t s;
			memset(&s, 0, sizeof(s));
			/* mix short and long ids so string hashes vary */
			if (next_id % 3 == 0)
				snprintf(s.id, sizeof(s.id), "tl%llu", (unsigned long long)next_id);
			else
				snprintf(s.id, sizeof(s.id), "x_%llu-%llx", (unsigned long long)next_id,
					 (unsigned long long)(rng() & 0xffff));
			next_id++;
			tl_order_t *o = tl_orders_alloc(&T, s.id);
			if (nlive == CHURN_CAP && nterm == 0) {
				ok &= o == NULL;
				n_full++;
			} else {
				ok &= o != NULL;
				if (!o)
					break;
				n_alloc++;
				if (nlive == CHURN_CAP) {
					/* the oldest terminal one must be the victim */
					int v = term_fifo[0];
					memmove(term_fifo, term_fifo + 1, sizeof(int) * (size_t)--nterm);
					gone[(gone_head + ngone) % CHURN_GONE] = live[v];
					if (ngone < CHURN_GONE)
						ngone++;
					else
						gone_head = (gone_head + 1) % CHURN_GONE;
					n_evict++;
					/* move the last live entry into v's place */
					live[v] = live[--nlive];
					for (int i = 0; i < nterm; i++)
						if (term_fifo[i] == nlive)
							term_fifo[i] = v;
				}
				s.handle = tl_orders_handle(&T, o);
				live[nlive++] = s;
			}
		} else if (r < 70 && nlive > 0) {
			/* retire a random active one */
			int i = (int)(rng() % (uint64_t)nlive);
			if (!live[i].terminal) {
				tl_order_t *o = tl_orders_get(&T, live[i].handle);
				ok &= o != NULL;
				if (!o)
					break;
				o->status = (rng() & 1) ? TL_ST_CANCELED : TL_ST_FILLED;
				tl_orders_retire(&T, o);
				live[i].terminal = 1;
				term_fifo[nterm++] = i;
			}
		} else if (r < 95 && nlive > 0) {
			/* set (or change) a venue id */
			int i = (int)(rng() % (uint64_t)nlive);
			tl_order_t *o = tl_orders_get(&T, live[i].handle);
			ok &= o != NULL;
			if (!o)
				break;
			int64_t vid = (rng() & 1) ? next_vid++ : -(next_vid++) * 7919;
			if (live[i].vid)
				n_revid++;
			tl_orders_set_venue_id(&T, o, vid);
			live[i].vid = vid;
			n_vid++;
		} else {
			/* lookups of ids that never existed */
			char id[TL_CLID_LEN];
			snprintf(id, sizeof(id), "never%llu", (unsigned long long)(rng() % 1000));
			ok &= tl_orders_by_clid(&T, id) == NULL;
			ok &= tl_orders_by_vid(&T, next_vid + 1 + (int64_t)(rng() % 1000)) == NULL;
		}

		/* the table agrees with the shadow after every operation */
		if (!tl_orders_check(&T)) {
			fprintf(stderr, "churn: tl_orders_check failed at op %d\n", op);
			ok = false;
			break;
		}
		ok &= T.n_active + T.n_terminal == (uint32_t)nlive;
		ok &= T.n_terminal == (uint32_t)nterm;
		for (int i = 0; i < nlive; i++) {
			tl_order_t *o = tl_orders_get(&T, live[i].handle);
			ok &= o != NULL && tl_orders_by_clid(&T, live[i].id) == o;
			if (live[i].vid)
				ok &= tl_orders_by_vid(&T, live[i].vid) == o;
			ok &= o != NULL && (o->list == TL_LIST_TERMINAL) == (live[i].terminal != 0);
		}
		for (int g = 0; g < ngone; g++) {
			const shadow_t *s = &gone[(gone_head + g) % CHURN_GONE];
			ok &= tl_orders_get(&T, s->handle) == NULL;
			ok &= tl_orders_by_clid(&T, s->id) == NULL;
			if (s->vid)
				ok &= tl_orders_by_vid(&T, s->vid) == NULL;
		}
		if (!ok)
			fprintf(stderr, "churn: shadow mismatch at op %d\n", op);
	}
	CU_ASSERT_TRUE(ok);
	CU_ASSERT_EQUAL(T.evicted, n_evict);
	if (getenv("TL_TEST_VERBOSE"))
		fprintf(stderr, "churn: alloc %llu evict %llu full %llu vid %llu revid %llu\n",
			(unsigned long long)n_alloc, (unsigned long long)n_evict,
			(unsigned long long)n_full, (unsigned long long)n_vid,
			(unsigned long long)n_revid);
	/* the mix really exercised every path */
	CU_ASSERT(n_alloc > 40000);
	CU_ASSERT(n_evict > 40000);
	CU_ASSERT(n_full > 0);
	CU_ASSERT(n_revid > 1000);
	CU_ASSERT(n_vid > 10000);
}

/* A small table at its maximum index load (8 orders in 16 cells) cycled
 * 5000 times: every alloc evicts the oldest and deletes from both indexes,
 * so deletions hit clusters in every position, wrap-around included. */
static void test_evict_cycle_keeps_both_indexes_exact(void)
{
	init_ok(8);
	char id[24];
	int64_t vid = 1;
	for (int round = 0; round < 5000; round++) {
		snprintf(id, sizeof(id), "c%d", round);
		tl_order_t *o = tl_orders_alloc(&T, id);
		CU_ASSERT_PTR_NOT_NULL_FATAL(o);
		tl_orders_set_venue_id(&T, o, vid++);
		o->status = TL_ST_EXPIRED;
		tl_orders_retire(&T, o);
		CU_ASSERT_FATAL(tl_orders_check(&T));
		/* the last 8 are all findable, the 9th-last is gone */
		for (int k = 0; k < 8 && k <= round; k++) {
			snprintf(id, sizeof(id), "c%d", round - k);
			tl_order_t *f = tl_orders_by_clid(&T, id);
			CU_ASSERT_PTR_NOT_NULL_FATAL(f);
			CU_ASSERT_PTR_EQUAL(tl_orders_by_vid(&T, vid - 1 - k), f);
		}
		if (round >= 8) {
			snprintf(id, sizeof(id), "c%d", round - 8);
			CU_ASSERT_PTR_NULL(tl_orders_by_clid(&T, id));
			CU_ASSERT_PTR_NULL(tl_orders_by_vid(&T, vid - 9));
		}
	}
	CU_ASSERT_EQUAL(T.evicted, 5000 - 8);
}

TL_TEST_SUITE("kernel.orders", NULL, teardown,
	      TL_TEST(test_init_rejects_bad_capacity),
	      TL_TEST(test_alloc_and_lookup),
	      TL_TEST(test_bad_and_duplicate_ids_refused),
	      TL_TEST(test_handle_goes_stale_after_eviction),
	      TL_TEST(test_eviction_is_oldest_terminal_first),
	      TL_TEST(test_active_orders_are_never_evicted),
	      TL_TEST(test_active_list_iteration),
	      TL_TEST(test_random_churn_matches_shadow),
	      TL_TEST(test_evict_cycle_keeps_both_indexes_exact));
