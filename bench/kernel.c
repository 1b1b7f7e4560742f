/*
 * kernel.c - suite `kernel`: nanoseconds per tl_kernel_apply, one input
 * kind per case (all closed loop: one input at a time, single thread).
 *
 *   kernel.clock_overhead  two back-to-back tl_bench_now_ns() reads: the
 *                          floor under every number below (subtract it)
 *   kernel.submit          strategy SUBMIT of a LIMIT order (accepted,
 *                          REQ_NEW out; evicts the oldest terminal order)
 *   kernel.ack             venue ORDER_UPDATE NEW of a SENT order
 *   kernel.fill            venue FILL completing an acked order (position
 *                          opened or closed, order retired)
 *   kernel.cancel          strategy CANCEL of an acked order (PENDING_CANCEL,
 *                          REQ_CANCEL out)
 *   kernel.mixed           a stream of submit, ack, partial fill, fill,
 *                          cancel, venue CANCELED and mark inputs over two
 *                          symbols (proportions in bench_mixed_step)
 *
 * Method. One kernel per case: 2 symbols, order_cap 65536, no timers due
 * (ack timeout 1 h, no TTL), risk limits out of the way, so every input
 * takes its accepted path. Inputs are built into a chunk array before the
 * chunk's loop runs; the loop times each apply alone with the raw
 * monotonic clock (t0; apply; t1) and records t1 - t0 into a tl_hist_t.
 * Inputs that only set up or tear down the measured kind (the submits
 * before an ack, the venue CANCELED after a measured submit, ...) are
 * applied in the same loop but not timed. Each case first applies
 * measured-kind inputs unrecorded until the 65536-slot order table has
 * cycled once (bench_warmup inputs, 65536; in the mixed stream, until the
 * 65536th submit), so every recorded submit evicts a terminal order as in
 * a long-running engine. The active set stays <= 4096 orders.
 *
 * The sink copies each output into a 1024-record ring and counts it by
 * type: about what the engine's ring push costs, no printf. After each
 * case the kernel's counters must show that every measured input did what
 * it should (all submits accepted, every fill applied, ...); otherwise the
 * benchmark aborts rather than report the cost of refusals.
 *
 * Output: one line per case through tl_bench_emit (bench/support/suite.h).
 * Command: talon bench --suite kernel [--duration S] [--cpus A,B]
 *   200000 measured inputs per case by default; --duration S: about S
 *   seconds per case (estimated at 1 us of run time per measured input,
 *   set-up inputs included); --smoke: 2000 per case on an 8192-slot
 *   order table (warm-up 8192). Pinned to --cpus A, else CPU 1 when
 *   allowed, else the lowest allowed CPU.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/support/benchutil.h"
#include "bench/support/hist.h"
#include "bench/support/suite.h"
#include "kernel/kernel.h"

#define BENCH_N_DEFAULT 200000
#define BENCH_N_SMOKE 2000
#define BENCH_NS_PER_INPUT 1000.0 /* --duration sizing estimate */
#define BENCH_WARMUP_FULL 65536u  /* unrecorded measured-kind inputs */
#define BENCH_CAP_SMOKE 8192u     /* order table and warm-up in smoke */
#define BENCH_BATCH 4096u         /* orders in flight per round */
#define BENCH_CHUNK (4 * BENCH_BATCH)
#define BENCH_RING 1024u          /* sink ring, power of two */
#define BENCH_MIXED_LIVE 64u      /* open orders in the mixed stream */
#define BENCH_DT 1000             /* ns of input time per input */

/* How the run loop treats one prepared input. */
enum { TAG_SETUP = 0, TAG_WARM = 1, TAG_MEASURE = 2 };

/* Order table size, and the unrecorded measured-kind inputs that cycle
 * it once: 65536 (smoke: 8192), set by tl_bench_suite_kernel. */
static uint32_t bench_order_cap = BENCH_WARMUP_FULL;
static uint32_t bench_warmup = BENCH_WARMUP_FULL;

typedef struct bench_sink {
	tl_output_t ring[BENCH_RING];
	uint64_t head;
	uint64_t by_type[TL_OUT__COUNT];
	uint64_t by_ev[TL_EV__COUNT];
} bench_sink_t;

typedef struct bench_sym {
	const char *name;
	tl_fx_t tick, qty, half;  /* price tick, order qty, a partial's qty */
	int64_t mid_ticks;        /* mid price in ticks */
} bench_sym_t;

static const bench_sym_t bench_syms[2] = {
	{ "BTCUSDT", 10000000, 1000000, 500000, 300000 },    /* 0.1; 0.010; 30000.0 */
	{ "ETHUSDT", 1000000, 10000000, 5000000, 200000 },   /* 0.01; 0.100; 2000.00 */
};

typedef struct bench {
	tl_kernel_t k;
	bench_sink_t sink;
	tl_sink_t s;
	tl_input_t *in;           /* [BENCH_CHUNK] prepared inputs */
	uint8_t *tag;             /* [BENCH_CHUNK] TAG_* */
	uint32_t n_in;
	tl_time_t now;
	uint64_t in_seq;
	uint64_t clid_next;       /* sequence the kernel will use next */
	int64_t trade_next;
	uint64_t applied;         /* inputs applied */
	uint64_t measured_kind;   /* TAG_WARM + TAG_MEASURE inputs prepared */
	uint64_t warm;            /* first this many measured-kind: not recorded */
	uint64_t bad_measured;    /* measured-kind applies returning non-NONE */
	uint64_t bad_setup;       /* setup applies returning non-NONE */
	uint64_t rng;
	tl_hist_t hist;
} bench_t;

static _Noreturn void bench_die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("bench kernel: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	abort();
}

static void bench_emit(void *ctx, const tl_output_t *o)
{
	bench_sink_t *s = ctx;
	s->ring[s->head++ & (BENCH_RING - 1)] = *o;
	if (o->hdr.type < TL_OUT__COUNT)
		s->by_type[o->hdr.type]++;
	if (o->hdr.type == TL_OUT_EVENT && o->u.ev.type < TL_EV__COUNT)
		s->by_ev[o->u.ev.type]++;
}

static uint64_t bench_rand(bench_t *b)
{
	/* xorshift64*: fixed seed, so every run feeds the same stream. */
	b->rng ^= b->rng >> 12;
	b->rng ^= b->rng << 25;
	b->rng ^= b->rng >> 27;
	return b->rng * 0x2545F4914F6CDD1DULL;
}

static void bench_add_sym(tl_symbols_t *t, const bench_sym_t *d)
{
	tl_symbol_t s;
	memset(&s, 0, sizeof(s));
	snprintf(s.name, sizeof(s.name), "%s", d->name);
	s.status = TL_SYM_TRADING;
	s.tick_size = d->tick;
	s.min_price = d->tick;
	s.max_price = 1000000 * TL_FX_ONE;
	s.step_size = 1000000;          /* 0.001 */
	s.min_qty = 1000000;
	s.max_qty = 1000 * TL_FX_ONE;
	s.mkt_step_size = 1000000;
	s.mkt_min_qty = 1000000;
	s.mkt_max_qty = 100 * TL_FX_ONE;
	s.min_notional = 5 * TL_FX_ONE;
	s.pct_up = 105000000;           /* 1.05 */
	s.pct_down = 95000000;          /* 0.95 */
	s.max_open_orders = 0;          /* the venue's 200 would cap the batch */
	s.price_precision = 2;
	s.qty_precision = 3;
	if (tl_symbols_add(t, &s) < 0)
		bench_die("cannot add symbol %s", d->name);
}

static void bench_init(bench_t *b, uint64_t warm)
{
	char err[256];
	tl_symbols_t syms;
	tl_kernel_cfg_t cfg;

	memset(b, 0, sizeof(*b));
	if (tl_symbols_init(&syms, 4, err, sizeof(err)) < 0)
		bench_die("%s", err);
	bench_add_sym(&syms, &bench_syms[0]);
	bench_add_sym(&syms, &bench_syms[1]);
	tl_kernel_cfg_defaults(&cfg);
	cfg.order_cap = bench_order_cap;
	cfg.trade_cap = 1u << 17;
	cfg.ack_timeout_ns = 3600 * TL_NS_PER_S;  /* no timer fires mid-run */
	cfg.query_interval_ns = 3600 * TL_NS_PER_S;
	cfg.order_ttl_ns = 0;
	/* Buckets are clamped to capacity * window <= INT64_MAX / 4; these
	 * stay far above the inputs of any run. */
	cfg.rate_10s = 100000000;
	cfg.rate_1m = 30000000;
	if (tl_kernel_init(&b->k, &cfg, &syms, err, sizeof(err)) < 0)
		bench_die("%s", err);
	b->s.emit = bench_emit;
	b->s.ctx = &b->sink;
	b->in = calloc(BENCH_CHUNK, sizeof(*b->in));
	b->tag = calloc(BENCH_CHUNK, sizeof(*b->tag));
	if (!b->in || !b->tag)
		bench_die("out of memory");
	b->now = 1700000000LL * TL_NS_PER_S;
	b->clid_next = cfg.id_next;
	b->trade_next = 1;
	b->warm = warm;
	b->rng = 0x9E3779B97F4A7C15ULL;
	tl_hist_init(&b->hist);
}

static void bench_fini(bench_t *b)
{
	tl_kernel_free(&b->k);
	free(b->in);
	free(b->tag);
}

/* ---- input preparation (never timed) ------------------------------------ */

static tl_input_t *bench_next(bench_t *b, tl_in_type_t type, int measured)
{
	if (b->n_in >= BENCH_CHUNK)
		bench_die("chunk overflow");
	tl_input_t *in = &b->in[b->n_in];
	memset(in, 0, sizeof(*in));
	in->hdr.type = (uint16_t)type;
	b->now += BENCH_DT;
	in->hdr.time = b->now;
	in->hdr.seq = ++b->in_seq;
	uint8_t tag = TAG_SETUP;
	if (measured)
		tag = b->measured_kind++ < b->warm ? TAG_WARM : TAG_MEASURE;
	b->tag[b->n_in++] = tag;
	return in;
}

static void bench_clid(char out[TL_CLID_LEN], uint64_t seq)
{
	/* The kernel's ids are its prefix ("tl") and the sequence. */
	snprintf(out, TL_CLID_LEN, "tl%llu", (unsigned long long)seq);
}

static int64_t bench_vid(uint64_t seq)
{
	return 5000000000LL + (int64_t)seq;
}

/* A LIMIT order a few ticks off mid on the passive side; returns the
 * client id sequence the kernel will give it. */
static uint64_t bench_submit(bench_t *b, int sym, tl_side_t side, int measured)
{
	const bench_sym_t *d = &bench_syms[sym];
	tl_input_t *in = bench_next(b, TL_IN_SUBMIT, measured);
	tl_in_submit_t *s = &in->u.submit;
	int64_t off = 1 + (int64_t)(bench_rand(b) % 20);
	snprintf(s->symbol, sizeof(s->symbol), "%s", d->name);
	s->side = (uint8_t)side;
	s->type = TL_ORD_LIMIT;
	s->tif = TL_TIF_GTC;
	s->pos_side = TL_PS_BOTH;
	s->qty = d->qty;
	s->price = (d->mid_ticks + (side == TL_BUY ? -off : off)) * d->tick;
	s->user_ref = b->clid_next;
	return b->clid_next++;
}

static void bench_ack(bench_t *b, uint64_t seq, int measured)
{
	tl_input_t *in = bench_next(b, TL_IN_ORDER_UPDATE, measured);
	bench_clid(in->u.update.client_id, seq);
	in->u.update.status = TL_ST_NEW;
	in->u.update.venue_id = bench_vid(seq);
}

static void bench_canceled(bench_t *b, uint64_t seq, int measured)
{
	tl_input_t *in = bench_next(b, TL_IN_ORDER_UPDATE, measured);
	bench_clid(in->u.update.client_id, seq);
	in->u.update.status = TL_ST_CANCELED;
	in->u.update.venue_id = bench_vid(seq);
}

static void bench_cancel(bench_t *b, uint64_t seq, int measured)
{
	tl_input_t *in = bench_next(b, TL_IN_CANCEL, measured);
	bench_clid(in->u.cancel.client_id, seq);
}

static void bench_fill(bench_t *b, uint64_t seq, int sym, tl_fx_t qty,
		       int measured)
{
	const bench_sym_t *d = &bench_syms[sym];
	tl_input_t *in = bench_next(b, TL_IN_FILL, measured);
	tl_in_fill_t *f = &in->u.fill;
	bench_clid(f->client_id, seq);
	f->maker = 1;
	f->venue_id = bench_vid(seq);
	f->trade_id = b->trade_next++;
	f->price = d->mid_ticks * d->tick;
	f->qty = qty;
	f->commission = 1000;	/* 0.00001 */
}

static void bench_mark(bench_t *b, int sym, int measured)
{
	const bench_sym_t *d = &bench_syms[sym];
	tl_input_t *in = bench_next(b, TL_IN_MARK, measured);
	snprintf(in->u.mark.symbol, sizeof(in->u.mark.symbol), "%s", d->name);
	in->u.mark.price = (d->mid_ticks - 10 + (int64_t)(bench_rand(b) % 21)) * d->tick;
}

/* ---- the timed loop ----------------------------------------------------- */

/* Apply the prepared chunk; time and record each TAG_MEASURE apply. */
static void bench_run(bench_t *b)
{
	tl_kernel_t *k = &b->k;
	tl_sink_t *s = &b->s;
	tl_hist_t *h = &b->hist;
	uint64_t bad_m = 0, bad_s = 0;

	for (uint32_t i = 0; i < b->n_in; i++) {
		const tl_input_t *in = &b->in[i];
		tl_reject_t r;
		if (b->tag[i] == TAG_MEASURE) {
			int64_t t0 = tl_bench_now_ns();
			r = tl_kernel_apply(k, in, s, NULL);
			int64_t t1 = tl_bench_now_ns();
			tl_hist_record(h, t1 > t0 ? (uint64_t)(t1 - t0) : 0);
			bad_m += r != TL_REJ_NONE;
		} else {
			r = tl_kernel_apply(k, in, s, NULL);
			if (b->tag[i] == TAG_WARM)
				bad_m += r != TL_REJ_NONE;
			else
				bad_s += r != TL_REJ_NONE;
		}
	}
	b->applied += b->n_in;
	b->bad_measured += bad_m;
	b->bad_setup += bad_s;
	b->n_in = 0;
}

/* ---- checks ------------------------------------------------------------- */

#define BENCH_EXPECT(name, got, want)                                          \
	do {                                                                    \
		unsigned long long g_ = (got), w_ = (want);                      \
		if (g_ != w_)                                                   \
			bench_die("%s: %s = %llu, expected %llu", (name), #got,  \
				  g_, w_);                                      \
	} while (0)

/* What must hold after every case: each input applied, nothing refused,
 * nothing anomalous, every measured-kind input recorded or warmed. */
static void bench_check_common(const char *name, bench_t *b, uint64_t n)
{
	const tl_kernel_counters_t *c = &b->k.ctr;
	BENCH_EXPECT(name, b->hist.count, n);
	BENCH_EXPECT(name, b->measured_kind, b->warm + n);
	BENCH_EXPECT(name, c->inputs, b->applied);
	BENCH_EXPECT(name, b->bad_measured, 0);
	BENCH_EXPECT(name, b->bad_setup, 0);
	BENCH_EXPECT(name, c->orders_refused, 0);
	BENCH_EXPECT(name, c->orders_rejected, 0);
	BENCH_EXPECT(name, c->orders_failed, 0);
	BENCH_EXPECT(name, c->orders_expired, 0);
	BENCH_EXPECT(name, c->orders_unknown, 0);
	BENCH_EXPECT(name, c->retries, 0);
	BENCH_EXPECT(name, c->duplicate_fills, 0);
	BENCH_EXPECT(name, c->invalid_fills, 0);
	BENCH_EXPECT(name, c->invalid_transitions, 0);
	BENCH_EXPECT(name, c->unknown_order_inputs, 0);
	BENCH_EXPECT(name, c->bad_inputs, 0);
	BENCH_EXPECT(name, b->k.state, TL_TS_NORMAL);
	BENCH_EXPECT(name, b->sink.by_type[TL_OUT_REQ_NEW], c->orders_submitted);
	BENCH_EXPECT(name, b->sink.by_ev[TL_EV_ORDER_SUBMITTED], c->orders_submitted);
	BENCH_EXPECT(name, b->sink.by_type[TL_OUT_REQ_QUERY], 0);
	if (!tl_kernel_check(&b->k))
		bench_die("%s: tl_kernel_check failed", name);
	if (!tl_hist_check(&b->hist))
		bench_die("%s: tl_hist_check failed", name);
}

/* ---- cases -------------------------------------------------------------- */

static int bench_cpu = -1;

static const char *const bench_from = "clock read just before tl_kernel_apply(input)";

static void bench_report(const char *name, bench_t *b)
{
	char cpu[16];
	tl_bench_emit(&(tl_bench_line_t){
		.bench = name, .unit = "ns", .h = &b->hist, .mode = TL_BENCH_CLOSED,
		.threads = 1, .cpu = tl_bench_cpu_text(cpu, sizeof cpu, bench_cpu, -1),
		.from = bench_from,
		.to = "clock read right after it returns (outputs copied to the sink ring)",
	});
}

static void bench_clock_overhead(uint64_t n)
{
	tl_hist_t *h = malloc(sizeof(*h));
	if (!h)
		bench_die("out of memory");
	tl_hist_init(h);
	for (uint64_t i = 0; i < bench_warmup + n; i++) {
		int64_t t0 = tl_bench_now_ns();
		int64_t t1 = tl_bench_now_ns();
		if (i >= bench_warmup)
			tl_hist_record(h, t1 > t0 ? (uint64_t)(t1 - t0) : 0);
	}
	if (!tl_hist_check(h) || h->count != n)
		bench_die("clock_overhead: histogram inconsistent");
	char cpu[16];
	tl_bench_emit(&(tl_bench_line_t){
		.bench = "kernel.clock_overhead", .unit = "ns", .h = h,
		.mode = TL_BENCH_CLOSED, .threads = 1,
		.cpu = tl_bench_cpu_text(cpu, sizeof cpu, bench_cpu, -1),
		.from = "tl_bench_now_ns() (CLOCK_MONOTONIC_RAW, vDSO)",
		.to = "the next tl_bench_now_ns() right after it",
	});
	free(h);
}

static uint32_t bench_round(uint64_t left)
{
	return left < BENCH_BATCH ? (uint32_t)left : BENCH_BATCH;
}

/* Measured: SUBMIT. Set-up: venue CANCELED for each, after the batch. */
static void bench_submit_case(bench_t *b, uint64_t n)
{
	uint64_t total = b->warm + n, seqs[BENCH_BATCH];
	for (uint64_t done = 0; done < total;) {
		uint32_t m = bench_round(total - done);
		for (uint32_t i = 0; i < m; i++)
			seqs[i] = bench_submit(b, (int)(i & 1), i & 2 ? TL_SELL : TL_BUY, 1);
		for (uint32_t i = 0; i < m; i++)
			bench_canceled(b, seqs[i], 0);
		bench_run(b);
		done += m;
	}
	const tl_kernel_counters_t *c = &b->k.ctr;
	bench_check_common("kernel.submit", b, n);
	BENCH_EXPECT("kernel.submit", c->orders_submitted, total);
	BENCH_EXPECT("kernel.submit", c->orders_canceled, total);
	BENCH_EXPECT("kernel.submit", b->k.orders.n_active, 0);
	/* Steady state: the table filled up, so submits evicted. */
	BENCH_EXPECT("kernel.submit", b->k.orders.evicted, total - bench_order_cap);
	bench_report("kernel.submit", b);
}

/* Measured: ack (ORDER_UPDATE NEW) of a SENT order. */
static void bench_ack_case(bench_t *b, uint64_t n)
{
	uint64_t total = b->warm + n, seqs[BENCH_BATCH];
	for (uint64_t done = 0; done < total;) {
		uint32_t m = bench_round(total - done);
		for (uint32_t i = 0; i < m; i++)
			seqs[i] = bench_submit(b, (int)(i & 1), i & 2 ? TL_SELL : TL_BUY, 0);
		for (uint32_t i = 0; i < m; i++)
			bench_ack(b, seqs[i], 1);
		for (uint32_t i = 0; i < m; i++)
			bench_canceled(b, seqs[i], 0);
		bench_run(b);
		done += m;
	}
	const tl_kernel_counters_t *c = &b->k.ctr;
	bench_check_common("kernel.ack", b, n);
	BENCH_EXPECT("kernel.ack", c->orders_submitted, total);
	BENCH_EXPECT("kernel.ack", b->sink.by_ev[TL_EV_ORDER_ACCEPTED], total);
	BENCH_EXPECT("kernel.ack", c->orders_canceled, total);
	bench_report("kernel.ack", b);
}

/* Measured: one FILL for the whole quantity of an acked order. Sides
 * alternate per symbol, so positions open and close. */
static void bench_fill_case(bench_t *b, uint64_t n)
{
	uint64_t total = b->warm + n, seqs[BENCH_BATCH];
	for (uint64_t done = 0; done < total;) {
		uint32_t m = bench_round(total - done);
		for (uint32_t i = 0; i < m; i++)
			seqs[i] = bench_submit(b, (int)(i & 1), i & 2 ? TL_SELL : TL_BUY, 0);
		for (uint32_t i = 0; i < m; i++)
			bench_ack(b, seqs[i], 0);
		for (uint32_t i = 0; i < m; i++)
			bench_fill(b, seqs[i], (int)(i & 1), bench_syms[i & 1].qty, 1);
		bench_run(b);
		done += m;
	}
	const tl_kernel_counters_t *c = &b->k.ctr;
	bench_check_common("kernel.fill", b, n);
	BENCH_EXPECT("kernel.fill", c->fills, total);
	BENCH_EXPECT("kernel.fill", c->orders_filled, total);
	BENCH_EXPECT("kernel.fill", b->sink.by_ev[TL_EV_ORDER_FILLED], total);
	BENCH_EXPECT("kernel.fill", b->k.orders.n_active, 0);
	bench_report("kernel.fill", b);
}

/* Measured: strategy CANCEL of an acked order. Set-up: submit, ack, and
 * the venue's CANCELED afterwards. */
static void bench_cancel_case(bench_t *b, uint64_t n)
{
	uint64_t total = b->warm + n, seqs[BENCH_BATCH];
	for (uint64_t done = 0; done < total;) {
		uint32_t m = bench_round(total - done);
		for (uint32_t i = 0; i < m; i++)
			seqs[i] = bench_submit(b, (int)(i & 1), i & 2 ? TL_SELL : TL_BUY, 0);
		for (uint32_t i = 0; i < m; i++)
			bench_ack(b, seqs[i], 0);
		for (uint32_t i = 0; i < m; i++)
			bench_cancel(b, seqs[i], 1);
		for (uint32_t i = 0; i < m; i++)
			bench_canceled(b, seqs[i], 0);
		bench_run(b);
		done += m;
	}
	const tl_kernel_counters_t *c = &b->k.ctr;
	bench_check_common("kernel.cancel", b, n);
	BENCH_EXPECT("kernel.cancel", b->sink.by_ev[TL_EV_ORDER_CANCEL_REQUESTED], total);
	BENCH_EXPECT("kernel.cancel", b->sink.by_type[TL_OUT_REQ_CANCEL], total);
	BENCH_EXPECT("kernel.cancel", c->orders_canceled, total);
	bench_report("kernel.cancel", b);
}

/*
 * The mixed stream. Every input is measured. Per step (seeded PRNG):
 *   10 %  mark price for a random symbol;
 *   30 %  submit (while fewer than BENCH_MIXED_LIVE orders are open);
 *   else  move a random open order one stage along its life:
 *         submitted -> acked -> then 35 % fill (half of those with a
 *         partial fill first) and 65 % cancel -> venue CANCELED.
 * That is per order: 1 submit, 1 ack, ~0.53 fills, 0.65 cancel requests,
 * 0.65 venue confirmations, plus ~0.4 marks.
 */
enum { MX_SENT, MX_ACKED, MX_PARTIAL, MX_CANCELING };

typedef struct bench_live {
	uint64_t seq;
	int sym;
	int stage;
	int fill;                 /* ends filled (else canceled) */
	int partial;              /* fills in two halves */
} bench_live_t;

typedef struct bench_mixed {
	bench_live_t live[BENCH_MIXED_LIVE];
	uint32_t n_live;
	uint64_t submits, acks, fills, filled, cancels, canceled, marks, side;
} bench_mixed_t;

static void bench_mixed_step(bench_t *b, bench_mixed_t *x)
{
	uint32_t r = (uint32_t)(bench_rand(b) % 100);
	if (r < 10) {
		bench_mark(b, (int)(bench_rand(b) & 1), 1);
		x->marks++;
		return;
	}
	if (x->n_live == 0 || (r < 40 && x->n_live < BENCH_MIXED_LIVE)) {
		bench_live_t *o = &x->live[x->n_live++];
		o->sym = (int)(bench_rand(b) & 1);
		o->seq = bench_submit(b, o->sym, x->side++ & 1 ? TL_SELL : TL_BUY, 1);
		o->stage = MX_SENT;
		uint32_t f = (uint32_t)(bench_rand(b) % 100);
		o->fill = f < 35;
		o->partial = f < 17;
		x->submits++;
		/* Warm-up ends once the order table has cycled. */
		if (x->submits == bench_order_cap)
			b->warm = b->measured_kind;
		return;
	}
	uint32_t idx = (uint32_t)(bench_rand(b) % x->n_live);
	bench_live_t *o = &x->live[idx];
	const bench_sym_t *d = &bench_syms[o->sym];
	int done = 0;
	switch (o->stage) {
	case MX_SENT:
		bench_ack(b, o->seq, 1);
		x->acks++;
		o->stage = MX_ACKED;
		break;
	case MX_ACKED:
		if (o->fill && o->partial) {
			bench_fill(b, o->seq, o->sym, d->half, 1);
			x->fills++;
			o->stage = MX_PARTIAL;
		} else if (o->fill) {
			bench_fill(b, o->seq, o->sym, d->qty, 1);
			x->fills++;
			x->filled++;
			done = 1;
		} else {
			bench_cancel(b, o->seq, 1);
			x->cancels++;
			o->stage = MX_CANCELING;
		}
		break;
	case MX_PARTIAL:
		bench_fill(b, o->seq, o->sym, d->qty - d->half, 1);
		x->fills++;
		x->filled++;
		done = 1;
		break;
	case MX_CANCELING:
		bench_canceled(b, o->seq, 1);
		x->canceled++;
		done = 1;
		break;
	}
	if (done)
		x->live[idx] = x->live[--x->n_live];
}

static void bench_mixed_case(bench_t *b, uint64_t n)
{
	bench_mixed_t x;
	memset(&x, 0, sizeof(x));
	b->warm = UINT64_MAX;	/* set by bench_mixed_step */
	while (b->warm == UINT64_MAX || b->measured_kind < b->warm + n) {
		while (b->n_in < BENCH_CHUNK &&
		       (b->warm == UINT64_MAX || b->measured_kind < b->warm + n))
			bench_mixed_step(b, &x);
		bench_run(b);
	}
	uint64_t total = b->warm + n;
	const tl_kernel_counters_t *c = &b->k.ctr;
	const char *nm = "kernel.mixed";
	bench_check_common(nm, b, n);
	BENCH_EXPECT(nm, x.submits + x.acks + x.fills + x.cancels + x.canceled +
		     x.marks, total);
	BENCH_EXPECT(nm, b->sink.by_ev[TL_EV_ORDER_ACCEPTED], x.acks);
	BENCH_EXPECT(nm, c->orders_submitted, x.submits);
	BENCH_EXPECT(nm, c->fills, x.fills);
	BENCH_EXPECT(nm, c->orders_filled, x.filled);
	BENCH_EXPECT(nm, b->sink.by_type[TL_OUT_REQ_CANCEL], x.cancels);
	BENCH_EXPECT(nm, c->orders_canceled, x.canceled);
	BENCH_EXPECT(nm, b->k.orders.n_active, x.n_live);
	BENCH_EXPECT(nm, b->k.orders.evicted + bench_order_cap, x.submits);
	bench_report(nm, b);
}

int tl_bench_suite_kernel(const tl_bench_ctx_t *ctx)
{
	uint64_t n = tl_bench_iters(ctx, BENCH_N_DEFAULT, BENCH_N_SMOKE,
				    BENCH_NS_PER_INPUT);
	bench_order_cap = ctx->smoke ? BENCH_CAP_SMOKE : BENCH_WARMUP_FULL;
	bench_warmup = bench_order_cap;
	bench_cpu = tl_bench_pin(tl_bench_role_cpu(ctx, 0, -1));

	static void (*const cases[])(bench_t *, uint64_t) = {
		bench_submit_case, bench_ack_case, bench_fill_case,
		bench_cancel_case, bench_mixed_case,
	};
	bench_t *b = malloc(sizeof(*b));
	if (!b) {
		fprintf(stderr, "bench kernel: out of memory\n");
		return -1;
	}
	bench_clock_overhead(n);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		bench_init(b, bench_warmup);
		cases[i](b, n);
		bench_fini(b);
	}
	free(b);
	return 0;
}
