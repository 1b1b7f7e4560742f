/*
 * test_noalloc.c - tl_kernel_apply never touches the heap.
 *
 * Every allocator call in the process goes through tests/support/
 * alloc_hook.c; here each apply runs armed and must count zero calls.
 * The workload walks every input type and the heavy paths (liquidation,
 * protective orders, evictions, retries, queries).
 */
#include "tests/support/tl_test.h"
#include "tests/support/alloc_hook.h"
#include "tests/support/kfix.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static size_t calls;

/* Apply `in` armed and add up allocator calls. */
static void armed(tl_input_t *in)
{
	KF->now += TL_NS_PER_MS;
	in->hdr.time = KF->now;
	in->hdr.seq = ++KF->in_seq;
	KF->n = 0;
	tl_alloc_hook_arm();
	tl_kernel_apply(&KF->k, in, &KF->sink, NULL);
	calls += tl_alloc_hook_disarm();
}

static void workload(int rounds)
{
	tl_input_t in;
	for (int r = 0; r < rounds; r++) {
		memset(&in, 0, sizeof(in));
		in.hdr.type = TL_IN_MARK;
		strcpy(in.u.mark.symbol, "BTCUSDT");
		in.u.mark.price = fx("50000") + (r % 7) * fx("0.1");
		armed(&in);

		memset(&in, 0, sizeof(in));
		in.hdr.type = TL_IN_SIGNAL;
		strcpy(in.u.signal.symbol, "BTCUSDT");
		in.u.signal.signal = TL_SIG_LONG_ENTRY;
		in.u.signal.qty = fx("0.01");
		in.u.signal.tp = fx("51000");
		in.u.signal.sl = fx("49000");
		armed(&in);
		char id[TL_CLID_LEN];
		const tl_output_t *req = kf_last(TL_OUT_REQ_NEW);
		if (!req) {
			const tl_output_t *ev = kf_last_ev(TL_EV_ORDER_REJECTED);
			fprintf(stderr, "round %d: signal refused %s state %d\n", r,
				ev ? ev->u.ev.text : "?", KF->k.state);
		}
		CU_ASSERT_PTR_NOT_NULL_FATAL(req);
		strcpy(id, req->u.req.client_id);

		memset(&in, 0, sizeof(in));
		in.hdr.type = TL_IN_ORDER_UPDATE;
		strcpy(in.u.update.client_id, id);
		in.u.update.status = TL_ST_NEW;
		in.u.update.venue_id = 1000 + r;
		armed(&in);

		memset(&in, 0, sizeof(in));
		in.hdr.type = TL_IN_FILL;
		strcpy(in.u.fill.client_id, id);
		in.u.fill.trade_id = r + 1;
		in.u.fill.price = fx("50000");
		in.u.fill.qty = fx("0.01");
		armed(&in);
		armed(&in);	/* duplicate */

		memset(&in, 0, sizeof(in));
		in.hdr.type = TL_IN_SUBMIT;
		strcpy(in.u.submit.symbol, "BTCUSDT");
		in.u.submit.side = TL_SELL;
		in.u.submit.type = TL_ORD_LIMIT;
		in.u.submit.qty = fx("0.01");
		in.u.submit.price = fx("50100");
		armed(&in);
		req = kf_last(TL_OUT_REQ_NEW);
		if (!req) {
			const tl_output_t *ev = kf_last_ev(TL_EV_ORDER_REJECTED);
			fprintf(stderr, "round %d: refused %s\n", r,
				ev ? ev->u.ev.text : "?");
		}
		CU_ASSERT_PTR_NOT_NULL_FATAL(req);
		strcpy(id, req->u.req.client_id);

		memset(&in, 0, sizeof(in));
		in.hdr.type = TL_IN_REQ_ERROR;
		strcpy(in.u.error.client_id, id);
		in.u.error.req = TL_REQ_NEW;
		in.u.error.outcome.transport = TL_TR_TIMEOUT;
		in.u.error.outcome.written = 1;
		armed(&in);

		memset(&in, 0, sizeof(in));
		in.hdr.type = TL_IN_QUERY_RESULT;
		strcpy(in.u.query.client_id, id);
		in.u.query.found = 1;
		in.u.query.status = TL_ST_NEW;
		armed(&in);

		memset(&in, 0, sizeof(in));
		in.hdr.type = TL_IN_CANCEL;
		strcpy(in.u.cancel.client_id, id);
		armed(&in);

		memset(&in, 0, sizeof(in));
		in.hdr.type = TL_IN_ORDER_UPDATE;
		strcpy(in.u.update.client_id, id);
		in.u.update.status = TL_ST_CANCELED;
		armed(&in);

		memset(&in, 0, sizeof(in));
		in.hdr.type = TL_IN_TICK;
		KF->now += 6 * TL_NS_PER_S;
		armed(&in);

		if (r % 5 == 4) {
			memset(&in, 0, sizeof(in));
			in.hdr.type = TL_IN_CONTROL;
			in.u.control.cmd = TL_CTL_LIQUIDATE;
			strcpy(in.u.control.reason, "noalloc");
			armed(&in);
			/* fill every close order, then resume */
			tl_order_t *o = tl_orders_active_first(&KF->k.orders);
			while (o) {
				tl_order_t *next = tl_orders_next(&KF->k.orders, o);
				if (o->status == TL_ST_PENDING_CANCEL) {
					memset(&in, 0, sizeof(in));
					in.hdr.type = TL_IN_ORDER_UPDATE;
					strcpy(in.u.update.client_id, o->client_id);
					in.u.update.status = TL_ST_CANCELED;
					armed(&in);
				} else if (o->role == TL_ROLE_EMERGENCY) {
					memset(&in, 0, sizeof(in));
					in.hdr.type = TL_IN_FILL;
					strcpy(in.u.fill.client_id, o->client_id);
					in.u.fill.trade_id = 1000000 + (int64_t)KF->in_seq;
					in.u.fill.price = fx("50000");
					in.u.fill.qty = o->qty;
					armed(&in);
				}
				o = next;
			}
			memset(&in, 0, sizeof(in));
			in.hdr.type = TL_IN_CONTROL;
			in.u.control.cmd = TL_CTL_RESUME;
			armed(&in);
		}
	}
}

static void test_apply_makes_no_allocation(void)
{
	kfix_new(NULL);
	calls = 0;
	workload(200);
	CU_ASSERT_EQUAL(calls, 0);
	/* The workload did go through the heavy paths. */
	CU_ASSERT(KF->k.ctr.fills >= 200);
	CU_ASSERT(KF->k.orders.evicted > 0);
	CU_ASSERT(KF->k.ctr.orders_unknown >= 200);
	CU_ASSERT(KF->k.ctr.duplicate_fills >= 200);
	CU_ASSERT(KF->k.out_seq > 1000);
	kfix_free(KF);
}

/* The hook itself must see an allocation made by the code under test. */
static void test_hook_sees_allocations(void)
{
	/* Through volatile pointers so the compiler cannot drop the pair. */
	void *(*volatile m)(size_t) = malloc;
	void (*volatile f)(void *) = free;
	tl_alloc_hook_arm();
	void *p = m(32);
	f(p);
	size_t n = tl_alloc_hook_disarm();
	CU_ASSERT_EQUAL(n, 2);
}

TL_TEST_SUITE("kernel.noalloc", NULL, NULL,
	      TL_TEST(test_hook_sees_allocations),
	      TL_TEST(test_apply_makes_no_allocation));
