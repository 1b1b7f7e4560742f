/*
 * test_engine.c - the running engine on the paper venue: real ENGINE and
 * IO threads, real ck rings. Orders go through to fills, positions and PnL
 * come out right, a liquidation closes everything and ends PAUSED, a full
 * command ring pushes back without losing anything, shutdown is clean,
 * and the engine thread never touches the heap after start.
 */
#include "tests/support/tl_test.h"
#include "tests/support/alloc_hook.h"
#include "tests/support/engine_fix.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "runtime/engine.h"
#include "io/paper/paper.h"

static tl_engine_t *E;
static tl_event_t evs[65536];
static int nev;

static tl_fx_t fx(const char *s)
{
	tl_fx_t v = 0;
	tl_fx_parse_cstr(s, &v);
	return v;
}

static void cfg_base(tl_config_t *c)
{
	tl_test_engine_config(c);
	tl_paper_cfg(c)->mark_interval_ns = 3600LL * 1000000000LL;	/* marks only when set */
	c->kernel.order_cap = 1024;
	c->snapshot_hz = 1000;
}

static tl_engine_t *start(void (*tweak)(tl_config_t *), bool journal)
{
	tl_config_t c;
	cfg_base(&c);
	if (tweak)
		tweak(&c);
	tl_engine_xopts_t o = { .no_shm = true, .journal_ring = journal };
	tl_engine_t *e = tl_test_engine_start(&c, &o);
	nev = 0;
	tl_test_engine_wait_marks(e);
	return e;
}

/* Poll events until pred() holds or 5 s pass. */
static bool wait_for(bool (*pred)(void))
{
	int64_t end = tl_test_mono_ns() + 15000000000LL;	/* generous: CI shares its cores */
	while (tl_test_mono_ns() < end) {
		int n = tl_engine_poll_kernel(E, evs + nev, (int)(65536 - nev));
		nev += n;
		if (pred())
			return true;
		if (!n)
			tl_test_nap_us(200);
	}
	return pred();
}

static int count_ev(tl_event_type_t t)
{
	int n = 0;
	for (int i = 0; i < nev; i++)
		n += evs[i].type == t;
	return n;
}

static bool two_fills(void) { return count_ev(TL_EV_ORDER_FILLED) >= 2; }
static bool one_fill(void) { return count_ev(TL_EV_ORDER_FILLED) >= 1; }

static void test_orders_fill_and_positions_follow(void)
{
	E = start(NULL, false);
	tl_venue_t *v = tl_engine_venue(E);
	(void)v;
	tl_order_spec_t buy = { .symbol = "BTCUSDT", .side = TL_SIDE_BUY, .type = TL_ORDER_MARKET,
				.qty = "0.010" };
	CU_ASSERT_EQUAL(tl_engine_submit(E, &buy, 1), 0);
	buy.strategy = "mm-1";
	CU_ASSERT_EQUAL(tl_engine_submit(E, &buy, 2), 0);
	CU_ASSERT_TRUE(wait_for(two_fills));
	CU_ASSERT_EQUAL(count_ev(TL_EV_ORDER_SUBMITTED), 2);
	CU_ASSERT_EQUAL(count_ev(TL_EV_ORDER_REJECTED), 0);
	tl_shm_snapshot_t s;
	memset(&s, 0, sizeof(s));
	int64_t end = tl_test_mono_ns() + 10000000000LL;
	while (tl_test_mono_ns() < end && (!tl_engine_snapshot(E, &s) || s.fills < 2))
		tl_test_nap_us(200);
	CU_ASSERT_EQUAL_FATAL(s.fills, 2);
	CU_ASSERT_EQUAL(s.n_pos, 1);
	CU_ASSERT_STRING_EQUAL(s.pos[0].symbol, "BTCUSDT");
	CU_ASSERT_EQUAL(s.pos[0].qty, fx("0.02"));
	/* per strategy: the untagged row and the tag, one fill each */
	CU_ASSERT_EQUAL_FATAL(s.n_strat, 2);
	CU_ASSERT_STRING_EQUAL(s.strat[0].name, "");
	CU_ASSERT_STRING_EQUAL(s.strat[1].name, "mm-1");
	CU_ASSERT_EQUAL(s.strat[0].fills, 1);
	CU_ASSERT_EQUAL(s.strat[1].fills, 1);
	CU_ASSERT_EQUAL(s.strat[1].orders, 1);
	CU_ASSERT_EQUAL(s.strat[0].commission + s.strat[1].commission, s.pos[0].commission);
	/* The paper venue's health: connected, no stream, limits or clock;
	 * the engine loop's latency histogram counted the loops that worked */
	CU_ASSERT_EQUAL(s.venue_connected, 1);
	CU_ASSERT_EQUAL(s.venue_stream, TL_SHM_STREAM_NONE);
	CU_ASSERT_EQUAL(s.weight_limit, 0);
	CU_ASSERT_EQUAL(s.orders_10s_limit, 0);
	CU_ASSERT_EQUAL(s.clock_offset_ns, 0);
	uint64_t loops = 0;
	for (int i = 0; i < TL_SHM_LAT_BUCKETS; i++)
		loops += s.lat_bucket[i];
	CU_ASSERT(loops >= 2);
	CU_ASSERT(s.lat_sum_ns > 0);
	/* The kernel's position equals the paper venue's own books. */
	tl_engine_stop(E);
	tl_fx_t vq = 0, ve = 0;
	CU_ASSERT_EQUAL(tl_paper_position(tl_engine_venue(E), "BTCUSDT", TL_PS_BOTH, &vq, &ve), 0);
	CU_ASSERT_EQUAL(vq, fx("0.02"));
	CU_ASSERT_TRUE_FATAL(tl_engine_snapshot(E, &s));
	CU_ASSERT_EQUAL(s.pos[0].entry, ve);
	tl_engine_close(E);
}

static bool flat_paused(void)
{
	tl_shm_snapshot_t s;
	if (!tl_engine_snapshot(E, &s))
		return false;
	for (uint32_t i = 0; i < s.n_pos; i++)
		if (s.pos[i].qty != 0)
			return false;
	return s.state == TL_TS_PAUSED && count_ev(TL_EV_EMERGENCY_COMPLETED) == 1;
}

static bool opened_two(void) { return count_ev(TL_EV_ORDER_FILLED) >= 2; }

static void test_liquidation_closes_everything(void)
{
	E = start(NULL, false);
	CU_ASSERT_EQUAL(tl_engine_signal(E, &(tl_signal_spec_t){ .signal = TL_SIGNAL_LONG_ENTRY,
			.symbol = "BTCUSDT", .qty = "0.010", .user_ref = 1 }), 0);
	CU_ASSERT_EQUAL(tl_engine_signal(E, &(tl_signal_spec_t){ .signal = TL_SIGNAL_SHORT_ENTRY,
			.symbol = "ETHUSDT", .qty = "0.500", .user_ref = 2 }), 0);
	tl_order_spec_t rest = { .symbol = "ETHUSDT", .side = TL_SIDE_BUY, .type = TL_ORDER_LIMIT,
				 .qty = "0.100", .price = "2500" };
	CU_ASSERT_EQUAL(tl_engine_submit(E, &rest, 3), 0);
	CU_ASSERT_TRUE_FATAL(wait_for(opened_two));
	CU_ASSERT_EQUAL(tl_engine_control(E, TL_CONTROL_LIQUIDATE, "test"), 0);
	CU_ASSERT_TRUE(wait_for(flat_paused));
	CU_ASSERT_EQUAL(count_ev(TL_EV_EMERGENCY_STARTED), 1);
	CU_ASSERT(count_ev(TL_EV_ORDER_CANCELED) >= 1);	/* the resting limit */
	CU_ASSERT_EQUAL(count_ev(TL_EV_POSITION_LIQUIDATED), 2);
	tl_fx_t q = 1, ent = 0;
	tl_paper_position(tl_engine_venue(E), "BTCUSDT", TL_PS_BOTH, &q, &ent);
	CU_ASSERT_EQUAL(q, 0);
	tl_paper_position(tl_engine_venue(E), "ETHUSDT", TL_PS_BOTH, &q, &ent);
	CU_ASSERT_EQUAL(q, 0);
	tl_engine_close(E);
}

static void small_rings(tl_config_t *c)
{
	c->ring_command = 64;
	c->ring_event = 256;
	c->ring_request = 64;
	c->kernel.rate_10s = 100000;
	c->kernel.rate_1m = 100000;
}

static void test_full_ring_back_pressure_loses_nothing(void)
{
	E = start(small_rings, false);
	tl_order_spec_t buy = { .symbol = "BTCUSDT", .side = TL_SIDE_BUY, .type = TL_ORDER_LIMIT,
				.qty = "0.001", .price = "40000" };
	/* Push without polling events: the command ring fills (-EAGAIN), the
	 * event ring fills, and the engine stops taking commands. */
	int accepted = 0, eagain = 0;
	for (int i = 0; i < 2000; i++) {
		int rc = tl_engine_submit(E, &buy, (uint64_t)i + 1);
		if (rc == 0)
			accepted++;
		else if (rc == -EAGAIN)
			eagain++;
	}
	CU_ASSERT(eagain > 0);
	CU_ASSERT(accepted >= 63);
	/* Now drain: every accepted command must come back as exactly one
	 * ORDER_SUBMITTED or ORDER_REJECTED carrying its user_ref. */
	static uint8_t seen[2001];
	memset(seen, 0, sizeof(seen));
	int64_t end = tl_test_mono_ns() + 10000000000LL;
	int answered = 0;
	while (answered < accepted && tl_test_mono_ns() < end) {
		tl_event_t ev[256];
		int n = tl_engine_poll_kernel(E, ev, 256);
		for (int i = 0; i < n; i++) {
			if (ev[i].type != TL_EV_ORDER_SUBMITTED && ev[i].type != TL_EV_ORDER_REJECTED)
				continue;
			uint64_t r = ev[i].u.order.user_ref;
			if (r >= 1 && r <= 2000 && !seen[r]) {
				seen[r] = 1;
				answered++;
			}
		}
		if (!n)
			tl_test_nap_us(200);
	}
	CU_ASSERT_EQUAL(answered, accepted);
	tl_engine_close(E);
}

static void small_journal(tl_config_t *c)
{
	c->ring_journal = 256;
	c->high_water_pct = 50;
	c->kernel.rate_10s = 0;
	c->kernel.rate_1m = 0;
}

/* Nobody drains the journal ring: past its high-water mark new orders are
 * refused with BACKPRESSURE, venue events still flow, and once the
 * journal catches up orders are accepted again. */
static void test_journal_high_water_refuses_then_recovers(void)
{
	E = start(small_journal, true);
	tl_order_spec_t o = { .symbol = "BTCUSDT", .side = TL_SIDE_BUY, .type = TL_ORDER_LIMIT,
			      .qty = "0.003", .price = "40000" };
	int refused = 0, submitted = 0;
	for (int i = 0; i < 200 && refused == 0; i++) {
		tl_engine_submit(E, &o, (uint64_t)i + 1);
		for (int k = 0; k < 20; k++) {
			tl_event_t ev[64];
			int n = tl_engine_poll_kernel(E, ev, 64);
			for (int j = 0; j < n; j++) {
				if (ev[j].type == TL_EV_ORDER_SUBMITTED)
					submitted++;
				if (ev[j].type == TL_EV_ORDER_REJECTED &&
				    ev[j].u.order.reject == TL_REJ_BACKPRESSURE)
					refused++;
			}
			tl_test_nap_us(200);
		}
	}
	CU_ASSERT(submitted > 0);
	CU_ASSERT(refused > 0);
	/* the snapshot shows the lag: records wait for a journal thread
	 * nobody runs, each of them among those drained below */
	tl_shm_snapshot_t sn;
	int64_t until = tl_test_mono_ns() + 5000000000LL;
	while (tl_test_mono_ns() < until &&
	       (!tl_engine_snapshot(E, &sn) || sn.journal_pending == 0))
		tl_test_nap_us(1000);
	CU_ASSERT(sn.journal_pending > 0);
	/* drain the journal: orders flow again, nothing was lost on the way */
	tl_record_t r;
	uint64_t nrec = 0, last_in = 0;
	bool gap = false;
	while (tl_engine_journal_pop(E, &r)) {
		nrec++;
		if (!(r.u.hdr.flags & TL_REC_OUTPUT)) {
			gap |= r.u.hdr.seq != last_in + 1;
			last_in = r.u.hdr.seq;
		}
	}
	CU_ASSERT(nrec >= 128);
	CU_ASSERT(sn.journal_pending <= nrec);
	CU_ASSERT_FALSE(gap);
	int accepted = 0;
	tl_engine_submit(E, &o, 999);
	int64_t end = tl_test_mono_ns() + 5000000000LL;
	while (!accepted && tl_test_mono_ns() < end) {
		tl_event_t ev[64];
		int n = tl_engine_poll_kernel(E, ev, 64);
		for (int j = 0; j < n; j++)
			accepted += ev[j].type == TL_EV_ORDER_SUBMITTED && ev[j].u.order.user_ref == 999;
		while (tl_engine_journal_pop(E, &r))
			;
		tl_test_nap_us(200);
	}
	CU_ASSERT_EQUAL(accepted, 1);
	tl_engine_close(E);
}

static void test_engine_thread_never_allocates(void)
{
	E = start(NULL, true);
	pthread_t t;
	CU_ASSERT_TRUE_FATAL(tl_engine_thread(E, &t));
	tl_alloc_hook_fail_thread(t);
	/* Trade: orders, fills, cancels, marks, a liquidation and a resume. */
	tl_record_t rec;
	uint64_t nrec = 0;
	for (int round = 0; round < 50; round++) {
		tl_order_spec_t m = { .symbol = "BTCUSDT", .side = round % 2 ? TL_SIDE_SELL : TL_SIDE_BUY,
				      .type = TL_ORDER_MARKET, .qty = "0.002" };
		tl_order_spec_t l = { .symbol = "ETHUSDT", .side = TL_SIDE_BUY, .type = TL_ORDER_LIMIT,
				      .qty = "0.010", .price = "2800" };
		tl_engine_submit(E, &m, 1);
		tl_engine_submit(E, &l, 2);
		tl_engine_cancel_all(E, "ETHUSDT");
		if (round == 25)
			tl_engine_control(E, TL_CONTROL_LIQUIDATE, "noalloc");
		if (round == 40)
			tl_engine_control(E, TL_CONTROL_RESUME, NULL);
		for (int i = 0; i < 20; i++) {
			tl_event_t ev[64];
			tl_engine_poll_kernel(E, ev, 64);
			while (tl_engine_journal_pop(E, &rec))
				nrec++;
			tl_test_nap_us(200);
		}
	}
	tl_alloc_hook_fail_none();
	CU_ASSERT_EQUAL(tl_alloc_hook_violations(), 0);
	CU_ASSERT(nrec > 500);		/* the engine really worked */
	tl_shm_snapshot_t s;
	CU_ASSERT_TRUE(tl_engine_snapshot(E, &s));
	CU_ASSERT(s.fills > 20);
	tl_engine_close(E);
}

/* The thread named `comm`'s timer slack, from /proc; -1 if not found. */
static long thread_slack(const char *comm)
{
	long tid = 0, v = -1;
	char path[64];
	FILE *f;

	if (tl_test_threads_named(comm, &tid) < 1)
		return -1;
	/* only /proc/<tid>/ has it, not /proc/self/task/<tid>/ */
	snprintf(path, sizeof path, "/proc/%ld/timerslack_ns", tid);
	if ((f = fopen(path, "r"))) {
		if (fscanf(f, "%ld", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

static void slack_tweak(tl_config_t *c)
{
	c->io.timer_slack_ns = 7777;
}

/* engine.timer_slack_ns / io.timer_slack_ns reach the agents' threads
 * (default 1 ns: a 20 us idle sleep must not last 70). */
static void test_agents_take_their_timer_slack(void)
{
	E = start(slack_tweak, false);
	CU_ASSERT_EQUAL(thread_slack("tl-engine"), 1);
	/* shared: one thread runs ENGINE and IO, there is no tl-io */
	CU_ASSERT_EQUAL(thread_slack("tl-io"), tl_test_shared() ? -1 : 7777);
	tl_engine_close(E);
}

static void test_journal_sees_input_before_request(void)
{
	E = start(NULL, true);
	tl_order_spec_t buy = { .symbol = "BTCUSDT", .side = TL_SIDE_BUY, .type = TL_ORDER_MARKET,
				.qty = "0.010" };
	CU_ASSERT_EQUAL(tl_engine_submit(E, &buy, 7), 0);
	CU_ASSERT_TRUE(wait_for(one_fill));
	tl_engine_stop(E);
	/* Journal order: the SUBMIT input, then ID_RESERVE, ORDER_SUBMITTED,
	 * REQ_NEW outputs caused by it, with increasing output seqs. */
	tl_record_t r;
	int state = 0;
	uint64_t in_seq = 0, last_out = 0;
	while (tl_engine_journal_pop(E, &r)) {
		bool out = r.u.hdr.flags & TL_REC_OUTPUT;
		if (out) {
			CU_ASSERT(r.u.hdr.seq > last_out);
			last_out = r.u.hdr.seq;
		}
		if (state == 0 && !out && r.u.hdr.type == TL_IN_SUBMIT) {
			in_seq = r.u.hdr.seq;
			state = 1;
		} else if (state == 1 && out && r.u.hdr.type == TL_OUT_REQ_NEW) {
			CU_ASSERT_EQUAL(r.u.hdr.cause_seq, in_seq);
			state = 2;
		}
	}
	CU_ASSERT_EQUAL(state, 2);
	tl_engine_close(E);
}

static void test_clean_shutdown_is_prompt(void)
{
	E = start(NULL, false);
	int64_t t0 = tl_test_mono_ns();
	tl_engine_close(E);
	/* Not a timing assertion on performance: a hang would take forever. */
	CU_ASSERT(tl_test_mono_ns() - t0 < 5000000000LL);
}

TL_TEST_SUITE("io.engine", NULL, NULL,
	      TL_TEST(test_orders_fill_and_positions_follow),
	      TL_TEST(test_liquidation_closes_everything),
	      TL_TEST(test_full_ring_back_pressure_loses_nothing),
	      TL_TEST(test_journal_high_water_refuses_then_recovers),
	      TL_TEST(test_engine_thread_never_allocates),
	      TL_TEST(test_agents_take_their_timer_slack),
	      TL_TEST(test_journal_sees_input_before_request),
	      TL_TEST(test_clean_shutdown_is_prompt));
