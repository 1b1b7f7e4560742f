/*
 * test_property.c - a million random inputs from a fixed seed.
 *
 * A model follows the kernel from the outside: it learns every order from
 * the REQ_NEW records the kernel emits and decides on its own which fills
 * count (new trade id and not past the order's quantity). After every
 * input it checks:
 *   - filled <= qty for every order, and equal to the model's filled;
 *   - each position equals the signed sum of the fills the model applied;
 *   - no active order is lost (an order is only ever evicted after it was
 *     seen terminal) and terminal statuses never change;
 *   - the number of active orders equals the model's;
 *   - the table never holds more than its capacity;
 *   - tl_kernel_check (lists, indexes, per-symbol counts, id reservation).
 * Inputs: submits, signals, acks, fills (partial, duplicate, late, out of
 * order, overfills), cancels, venue cancels/expiries/rejects, request
 * errors of every class, query answers, mark prices, ticks, liquidations
 * and resumes, restarts. TL_PROPERTY_STEPS overrides the step count.
 */
#include "tests/support/tl_test.h"
#include "tests/support/kfix.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAXORD 400000

typedef struct m_ord {
	char id[TL_CLID_LEN];
	uint8_t side, sym, status, known;
	tl_fx_t qty, filled;
	int64_t trades[4];       /* last trade ids applied, for duplicates */
	tl_fx_t tqty[4];
	uint8_t nt;
} m_ord_t;

static m_ord_t *M;            /* indexed by the id's sequence number */
static uint64_t m_max;        /* highest sequence seen */
static uint32_t m_live[4096]; /* sequences of model-active orders */
static uint32_t m_nlive;
static tl_fx_t m_pos[2];      /* signed sum of applied fills per symbol */
static uint64_t rng = 0x7a10c0ffee;
static int64_t next_trade = 1;
static const char *SYM[2] = { "BTCUSDT", "ETHUSDT" };
static tl_fx_t mark[2];
static uint64_t failures;

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}
static uint32_t rn(uint32_t n) { return (uint32_t)(rnd() % n); }

static uint64_t seq_of(const char *id)
{
	return strtoull(id + 2, NULL, 10);	/* "tl<seq>" */
}

#define PCHECK(cond, ...)                                                   \
	do {                                                                \
		if (!(cond)) {                                              \
			if (failures++ < 5) {                               \
				fprintf(stderr, "step %lu: ", step);        \
				fprintf(stderr, __VA_ARGS__);               \
				fputc('\n', stderr);                        \
			}                                                   \
		}                                                           \
	} while (0)

static unsigned long step;

/* Learn new orders from this step's REQ_NEW records. */
static void learn(void)
{
	for (uint32_t i = 0; i < KF->n; i++) {
		const tl_output_t *o = &KF->out[i];
		if (o->hdr.type != TL_OUT_REQ_NEW)
			continue;
		uint64_t s = seq_of(o->u.req.client_id);
		PCHECK(s > 0 && s < MAXORD, "bad id %s", o->u.req.client_id);
		if (s == 0 || s >= MAXORD)
			continue;
		m_ord_t *m = &M[s];
		if (m->known)
			continue;	/* a resend */
		m->known = 1;
		snprintf(m->id, sizeof(m->id), "%s", o->u.req.client_id);
		m->side = o->u.req.side;
		m->sym = strcmp(o->u.req.symbol, "BTCUSDT") == 0 ? 0 : 1;
		m->qty = o->u.req.qty;
		m->status = TL_ST_SENT;
		if (s > m_max)
			m_max = s;
		if (m_nlive < 4096)
			m_live[m_nlive++] = (uint32_t)s;
		else
			PCHECK(0, "model live list overflow");
	}
}

static m_ord_t *pick_live(void)
{
	if (m_nlive == 0)
		return NULL;
	return &M[m_live[rn(m_nlive)]];
}

static m_ord_t *pick_any(void)
{
	if (m_max == 0)
		return NULL;
	if (rn(4) == 0 || m_nlive == 0) {
		uint64_t lo = m_max > 200 ? m_max - 200 : 1;
		m_ord_t *m = &M[lo + rn((uint32_t)(m_max - lo + 1))];
		return m->known ? m : NULL;
	}
	return pick_live();
}

static void do_fill(m_ord_t *m)
{
	int64_t tid;
	tl_fx_t q;
	if (m->nt > 0 && rn(5) == 0) {
		/* duplicate of one of its recent trades */
		int j = (int)rn(m->nt < 4 ? m->nt : 4);
		tid = m->trades[j];
		q = m->tqty[j];
	} else {
		tid = next_trade++;
		tl_fx_t left = m->qty - m->filled;
		tl_fx_t step_sz = fx("0.001");
		if (rn(20) == 0)
			q = left + step_sz;	/* overfill */
		else if (left <= 0)
			q = step_sz;
		else
			q = step_sz * (1 + rn((uint32_t)(left / step_sz)));
	}
	bool dup = false;
	for (int j = 0; j < 4 && j < m->nt; j++)
		dup |= m->trades[j] == tid;
	/* An order already evicted from the table is unknown to the kernel:
	 * its late fills are counted, not applied (reconciliation's job). */
	bool present = tl_kernel_order(&KF->k, m->id) != NULL;
	bool applies = present && !dup && q > 0 && q <= m->qty - m->filled;
	tl_fx_t px = mark[m->sym] > 0 ? mark[m->sym] : fx("100");
	char pxs[TL_FX_STRLEN], qs[TL_FX_STRLEN];
	tl_fx_format(px, -1, pxs, sizeof(pxs));
	tl_fx_format(q, -1, qs, sizeof(qs));
	kf_fill(m->id, tid, pxs, qs, "0.01");
	if (applies) {
		m->filled += q;
		m_pos[m->sym] += m->side == TL_BUY ? q : -q;
		m->trades[m->nt % 4] = tid;
		m->tqty[m->nt % 4] = q;
		m->nt++;
	}
}

/* While liquidating, the venue fills close orders most of the time. */
static bool fill_emergency(void)
{
	for (uint32_t i = 0; i < m_nlive; i++) {
		m_ord_t *m = &M[m_live[i]];
		tl_order_t *o = tl_kernel_order(&KF->k, m->id);
		if (o && o->role == TL_ROLE_EMERGENCY && m->filled < m->qty) {
			do_fill(m);
			return true;
		}
	}
	return false;
}

static void random_input(void)
{
	uint32_t r = rn(100);
	m_ord_t *m;
	if (KF->k.state == TL_TS_LIQUIDATING && rn(2) == 0 && fill_emergency())
		return;
	if (r < 18) {
		int s = (int)rn(2);
		const char *q = s == 0 ? (rn(2) ? "0.005" : "0.010") : (rn(2) ? "0.100" : "0.500");
		tl_side_t side = rn(2) ? TL_BUY : TL_SELL;
		if (rn(3) == 0) {
			kf_submit(SYM[s], side, TL_ORD_MARKET, q, NULL, NULL);
		} else {
			tl_fx_t tick = s == 0 ? fx("0.1") : fx("0.01");
			tl_fx_t px = mark[s] + (tl_fx_t)((int)rn(41) - 20) * tick;
			char b[TL_FX_STRLEN];
			tl_fx_format(px, -1, b, sizeof(b));
			kf_submit(SYM[s], side, TL_ORD_LIMIT, q, b, NULL);
		}
	} else if (r < 22) {
		int s = (int)rn(2);
		tl_signal_t sig = (tl_signal_t)(1 + rn(4));
		kf_signal(sig, SYM[s], s == 0 ? "0.010" : "0.200", NULL, NULL, NULL, NULL);
	} else if (r < 32) {
		if ((m = pick_any()))
			kf_ack(m->id, (int64_t)seq_of(m->id) + 1000000);
	} else if (r < 55) {
		if ((m = pick_any()))
			do_fill(m);
	} else if (r < 62) {
		if ((m = pick_any()))
			kf_cancel(m->id);
	} else if (r < 68) {
		if ((m = pick_any())) {
			tl_ord_status_t st[] = { TL_ST_CANCELED, TL_ST_EXPIRED, TL_ST_REJECTED, TL_ST_NEW };
			kf_update(m->id, st[rn(4)], -2019);
		}
	} else if (r < 76) {
		if ((m = pick_any())) {
			static const struct { tl_transport_t tr; bool w; uint16_t http; int32_t code; const char *msg; } e[] = {
				{ TL_TR_CONNECT, false, 0, 0, "connect" },
				{ TL_TR_TIMEOUT, true, 0, 0, "timeout" },
				{ TL_TR_RESET, true, 0, 0, "reset" },
				{ TL_TR_NONE, true, 503, 0, "Unknown error, please check your request or try again later." },
				{ TL_TR_NONE, true, 503, 0, "Service Unavailable." },
				{ TL_TR_NONE, true, 429, -1003, "too many" },
				{ TL_TR_NONE, true, 400, -2019, "Margin is insufficient." },
				{ TL_TR_NONE, true, 400, -2011, "Unknown order sent." },
				{ TL_TR_NONE, true, 400, -2013, "Order does not exist." },
			};
			int j = (int)rn(9);
			kf_error(m->id, (tl_req_kind_t)(1 + rn(3)), e[j].tr, e[j].w,
				 e[j].http, e[j].code, e[j].msg);
		}
	} else if (r < 82) {
		if ((m = pick_any())) {
			tl_ord_status_t st[] = { TL_ST_NEW, TL_ST_PARTIALLY_FILLED, TL_ST_FILLED,
						 TL_ST_CANCELED, TL_ST_EXPIRED };
			kf_query(m->id, rn(4) != 0, st[rn(5)], 0);
		}
	} else if (r < 90) {
		int s = (int)rn(2);
		tl_fx_t tick = s == 0 ? fx("0.1") : fx("0.01");
		mark[s] += (tl_fx_t)((int)rn(21) - 10) * tick;
		char b[TL_FX_STRLEN];
		tl_fx_format(mark[s], -1, b, sizeof(b));
		kf_mark(SYM[s], b);
	} else if (r < 98) {
		kf_tick_after((tl_time_t)rn(3000) * TL_NS_PER_MS);
	} else if (r < 99) {
		if (rn(10) == 0)
			kf_control(TL_CTL_LIQUIDATE, "property");
	} else if (rn(20) == 0) {
		/* the engine restarts from its journal */
		tl_input_t in;
		memset(&in, 0, sizeof(in));
		in.hdr.type = TL_IN_RESTART;
		in.u.restart.id_next = KF->k.id_next + rn(50);
		kf_apply(&in);
	} else {
		kf_control(rn(4) ? TL_CTL_RESUME : TL_CTL_HALT, "property");
	}
}

static bool ended_this_step(const char *id)
{
	for (uint32_t i = 0; i < KF->n; i++) {
		const tl_output_t *o = &KF->out[i];
		if (o->hdr.type == TL_OUT_EVENT &&
		    o->u.ev.type >= TL_EV_ORDER_FILLED && o->u.ev.type <= TL_EV_ORDER_FAILED &&
		    strcmp(o->u.ev.u.order.client_id, id) == 0 &&
		    tl_status_terminal(o->u.ev.u.order.status))
			return true;
	}
	return false;
}

static void check(void)
{
	tl_kernel_t *k = &KF->k;
	PCHECK(KF->lost == 0, "capture overflow");
	PCHECK(tl_kernel_check(k), "tl_kernel_check failed");
	PCHECK(k->orders.n_active + k->orders.n_terminal <= k->orders.cap,
	       "capacity exceeded");
	for (int s = 0; s < 2; s++) {
		tl_position_t *p = tl_kernel_position(k, s, TL_PS_BOTH);
		PCHECK(p->qty == m_pos[s], "position %s %ld != model %ld", SYM[s],
		       (long)p->qty, (long)m_pos[s]);
	}
	uint32_t w = 0;
	for (uint32_t i = 0; i < m_nlive; i++) {
		m_ord_t *m = &M[m_live[i]];
		tl_order_t *o = tl_kernel_order(k, m->id);
		if (!o) {
			/* Gone: only allowed if it ended (and was then evicted)
			 * in this very step, with its final event emitted. */
			PCHECK(ended_this_step(m->id), "active order %s lost (last status %d)",
			       m->id, m->status);
			m->status = TL_ST_CANCELED;
			continue;
		}
		PCHECK(o->filled == m->filled, "%s filled %ld != model %ld", m->id,
		       (long)o->filled, (long)m->filled);
		PCHECK(o->filled <= o->qty, "%s overfilled", m->id);
		m->status = o->status;
		if (!tl_status_terminal(o->status))
			m_live[w++] = m_live[i];
	}
	m_nlive = w;
	PCHECK(m_nlive == k->orders.n_active, "active %u != model %u",
	       k->orders.n_active, m_nlive);
}

/* Terminal orders never change status, and are only gone once terminal. */
static void check_terminal_sample(void)
{
	if (m_max == 0)
		return;
	uint64_t lo = m_max > 300 ? m_max - 300 : 1;
	for (uint64_t s = lo; s <= m_max; s++) {
		m_ord_t *m = &M[s];
		if (!m->known || !tl_status_terminal(m->status))
			continue;
		tl_order_t *o = tl_kernel_order(&KF->k, m->id);
		if (o) {
			PCHECK(o->status == m->status, "terminal %s changed %d -> %d",
			       m->id, m->status, o->status);
			PCHECK(o->filled == m->filled, "terminal %s filled drift", m->id);
		}
	}
}

static void cfg(tl_kernel_cfg_t *c)
{
	c->order_cap = 64;
	c->trade_cap = 4096;
	c->id_block = 100;
	c->rate_10s = 100000;	/* keep orders flowing */
	c->rate_1m = 100000;
	c->max_position_qty = fx("50");
}

static void test_random_million(void)
{
	unsigned long steps = 1000000;
	const char *env = getenv("TL_PROPERTY_STEPS");
	if (env)
		steps = strtoul(env, NULL, 10);
	M = calloc(MAXORD, sizeof(*M));
	CU_ASSERT_PTR_NOT_NULL_FATAL(M);
	kfix_new(cfg);
	mark[0] = fx("50000");
	mark[1] = fx("3000");
	kf_mark("BTCUSDT", "50000");
	kf_mark("ETHUSDT", "3000");
	uint64_t submitted_floor = 0;
	for (step = 0; step < steps && failures == 0; step++) {
		kfix_clear();
		random_input();
		learn();
		check();
		if (step % 64 == 0)
			check_terminal_sample();
		if (m_max + 100 >= MAXORD)
			break;
	}
	fprintf(stderr, "property: %lu steps, %lu orders, %lu fills, %lu dups, "
		"%lu overfills, %lu refusals, %lu liquidations ok\n", step,
		(unsigned long)m_max, (unsigned long)KF->k.ctr.fills,
		(unsigned long)KF->k.ctr.duplicate_fills,
		(unsigned long)KF->k.ctr.invalid_fills,
		(unsigned long)KF->k.ctr.orders_refused,
		(unsigned long)KF->k.emg.ok);
	for (int i = 1; i < TL_REJ__COUNT; i++)
		if (KF->k.ctr.refusals[i])
			fprintf(stderr, "  refused %s: %lu\n", tl_reject_name((tl_reject_t)i),
				(unsigned long)KF->k.ctr.refusals[i]);
	CU_ASSERT_EQUAL(failures, 0);
	CU_ASSERT(step >= steps);
	/* The run must actually exercise the machine. */
	CU_ASSERT(KF->k.ctr.fills > steps / 20);
	CU_ASSERT(KF->k.ctr.duplicate_fills > 100);
	CU_ASSERT(KF->k.ctr.invalid_fills > 100);
	CU_ASSERT(KF->k.ctr.orders_unknown > 100);
	CU_ASSERT(KF->k.orders.evicted > 1000);
	CU_ASSERT(m_max > submitted_floor);
	kfix_free(KF);
	free(M);
}

TL_TEST_SUITE("kernel.property", NULL, NULL, TL_TEST(test_random_million));
