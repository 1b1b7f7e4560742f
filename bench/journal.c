/*
 * journal.c - suites `journal` and `recovery`: how fast the PERSIST
 * thread writes the SQLite journal, how long recovery from it takes. One
 * file because both replay the same generated kernel session.
 *
 *   journal.throughput  (suite journal) records per second the PERSIST thread
 *                       (tl_journal_start) commits into SQLite, WAL mode,
 *                       one line with synchronous NORMAL (the default) and
 *                       one with FULL
 *   recovery.time       (suite recovery) what `talon run` does at start
 *                       on an existing
 *                       journal: tl_journal_open (WAL, PRAGMA quick_check,
 *                       schema and engine checks) + a fresh kernel from
 *                       the config + tl_replay_into_kernel (every input
 *                       re-applied, every output compared byte for byte),
 *                       for journals of 10k, 100k and 1M orders
 *
 * Records. Both cases use a real kernel session, not synthetic blobs: a
 * kernel built as `talon run` builds it (tl_config_defaults: BTCUSDT and
 * ETHUSDT from config/exchange_info.json, order_capacity 1024, so old
 * orders are evicted as in a long run; rate limits off and timers at 1 h
 * because the session's clock runs 1 ms per input), driven through
 * orders that are each submitted (LIMIT GTC, a few ticks passive),
 * acknowledged (ORDER_UPDATE NEW) and filled in full (FILL), alternating
 * symbol and side, with a MARK per symbol every 16 orders. Every input
 * and every output the kernel emits is captured as a tl_record_t, in
 * engine order (an input, then its outputs): 8.13 records per order.
 *
 * journal.throughput. The session is captured once into a preallocated
 * array (min(N, 1M) records; beyond that the array is replayed again with
 * every input seq, output seq, cause_seq and time shifted past the
 * previous pass, so the journal's seqs keep increasing; repeated client
 * ids then update their `orders` row instead of inserting one). A producer
 * thread pinned to --cpus A (default 0) pushes the records through a
 * tl_spsc_rec of 65536 slots (rings.journal's default) into
 * tl_journal_start with the engine's batch settings (batch_max 4096,
 * batch_us 2000), spinning while the ring is full; the PERSIST thread is
 * not pinned (on 2 CPUs it gets the other one). value = N / (wall time
 * from the producer's first push until stats->records reaches N), so the
 * last commit is inside it; the line reports the median of 3 runs (min
 * and max beside it) after one unreported warm-up run of N/5 (the first
 * journal written in a process ran up to 2x slower). Reported too: that
 * run's commits, mean batch (records / commits) and file size per
 * record. The journal lives in a fresh directory under DIR/tmp (talon
 * bench --out DIR), deleted afterwards. N = 500000 records; --duration S:
 * about S seconds per run (estimated at 175,000 records/s); --smoke:
 * 5000 records, one run per sync mode after a 1000-record warm-up.
 *
 * recovery.time. Each journal is generated once with tl_journal_write in
 * transactions of 65536 records and kept in <build>/bench-cache/
 * (recovery-<orders>-v<schema>.<gen>.db, <build> being the directory of
 * the talon binary; `make clean` removes it). A cached journal whose
 * replay no longer matches the kernel (the kernel or the record format
 * changed) is regenerated and timed again. --smoke: only the 10k-order
 * journal, generated fresh under DIR/tmp and removed afterwards.
 * The timed part runs on the main thread pinned to --cpus A (default 0),
 * twice in a row:
 * value is the second run (open + kernel init + replay, ms; as warm as
 * the page cache allows), first_ms the first (cache as found: on this VM
 * the page cache keeps only about 1 GB, so a journal read a minute ago
 * may come from disk again). per_order_us = value / orders. open_ms is
 * mostly PRAGMA quick_check, which reads the whole file.
 *
 * Output: one line per case through tl_bench_emit (value lines, mode
 * batch; the rest in "extra"); progress on stderr.
 * Command: talon bench --suite journal,recovery
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "bench/support/benchutil.h"
#include "bench/support/suite.h"
#include "runtime/config.h"
#include "runtime/ring.h"
#include "kernel/kernel.h"
#include "persist/journal.h"
#include "persist/replay.h"

#define JB_N_DEFAULT 500000ull
#define JB_N_SMOKE 5000ull
#define JB_NS_PER_RECORD 5700.0        /* --duration sizing: 175k/s */
#define JB_CAPTURE_MAX (1ull << 20)    /* records captured for throughput */
#define JB_REPS 3                      /* throughput runs per sync mode */
#define JB_RING 65536u
#define JB_BATCH_MAX 4096u
#define JB_BATCH_US 2000u
#define JB_WRITE_CHUNK 65536u          /* records per generation transaction */
#define JB_GEN_VERSION 1               /* bump when the session changes */
#define JB_DT (1000LL * 1000LL)        /* 1 ms of session time per input */
#define JB_ENGINE "bench"

static char jb_err[512];
static const tl_bench_ctx_t *jb_ctx;

static _Noreturn void jb_die(const char *fmt, const char *arg)
{
	fputs("bench journal: ", stderr);
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	exit(1);
}

/* snprintf that refuses to truncate (paths). */
static void jb_fmt(char *out, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void jb_fmt(char *out, size_t len, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(out, len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= len)
		jb_die("path too long: %s", out);
}

/* ---- the kernel, as `talon run` builds it ----------------------------------- */

static void jb_config(tl_config_t *c)
{
	tl_config_defaults(c);
	c->kernel.rate_10s = 0;                        /* 1 ms per input: */
	c->kernel.rate_1m = 0;                         /* no rate limit */
	c->kernel.ack_timeout_ns = 3600LL * TL_NS_PER_S;
	c->kernel.query_interval_ns = 3600LL * TL_NS_PER_S;
}

static void jb_kernel_init(tl_kernel_t *k)
{
	tl_config_t *c = malloc(sizeof(*c));
	tl_symbols_t syms;
	if (!c)
		jb_die("%s", "out of memory");
	jb_config(c);
	if (tl_config_symbols(c, &syms, jb_err, sizeof(jb_err)) < 0 ||
	    tl_kernel_init(k, &c->kernel, &syms, jb_err, sizeof(jb_err)) < 0)
		jb_die("kernel: %s", jb_err);
	for (uint32_t i = 0; i < c->n_symbols; i++)
		if (c->leverage[i])
			tl_kernel_set_leverage(k, c->symbols[i], c->leverage[i]);
	free(c);
}

/* ---- the session generator --------------------------------------------------- */

typedef struct jb_sym {
	const char *name;
	tl_fx_t tick, qty;
	int64_t mid_ticks;
} jb_sym_t;

static const jb_sym_t jb_syms[2] = {
	{ "BTCUSDT", 10000000, 1000000, 500000 },    /* 0.1; 0.010; 50000.0 */
	{ "ETHUSDT", 1000000, 10000000, 300000 },    /* 0.01; 0.100; 3000.00 */
};

typedef struct jb_gen {
	tl_kernel_t k;
	tl_sink_t sink;
	tl_record_t *buf;          /* captured records, engine order */
	size_t n, cap;
	tl_time_t now;
	uint64_t in_seq;
	uint64_t orders;
	int64_t trade_next;
	uint64_t rng;
	uint64_t refused;          /* inputs not accepted (must stay 0) */
} jb_gen_t;

static void jb_gen_emit(void *ctx, const tl_output_t *o)
{
	jb_gen_t *g = ctx;
	if (g->n >= g->cap)
		jb_die("%s", "record buffer overflow");
	tl_record_t *r = &g->buf[g->n++];
	memset(r, 0, sizeof(*r));
	r->u.out = *o;
	r->u.hdr.flags |= TL_REC_OUTPUT;
}

static void jb_gen_init(jb_gen_t *g, size_t cap)
{
	memset(g, 0, sizeof(*g));
	jb_kernel_init(&g->k);
	g->sink.emit = jb_gen_emit;
	g->sink.ctx = g;
	g->cap = cap;
	g->buf = malloc(cap * sizeof(*g->buf));
	if (!g->buf)
		jb_die("%s", "out of memory");
	g->now = 1700000000LL * TL_NS_PER_S;
	g->trade_next = 1;
	g->rng = 0x9E3779B97F4A7C15ULL;
}

static void jb_gen_free(jb_gen_t *g)
{
	tl_kernel_free(&g->k);
	free(g->buf);
}

static uint64_t jb_rand(jb_gen_t *g)
{
	g->rng ^= g->rng >> 12;
	g->rng ^= g->rng << 25;
	g->rng ^= g->rng >> 27;
	return g->rng * 0x2545F4914F6CDD1DULL;
}

/* Apply one input, capturing it and then its outputs. */
static tl_reject_t jb_apply(jb_gen_t *g, tl_input_t *in, uint64_t *h)
{
	g->now += JB_DT;
	in->hdr.time = g->now;
	in->hdr.seq = ++g->in_seq;
	if (g->n >= g->cap)
		jb_die("%s", "record buffer overflow");
	tl_record_t *r = &g->buf[g->n++];
	memset(r, 0, sizeof(*r));
	r->u.in = *in;
	return tl_kernel_apply(&g->k, in, &g->sink, h);
}

static void jb_mark(jb_gen_t *g, int s)
{
	tl_input_t in;
	memset(&in, 0, sizeof(in));
	in.hdr.type = TL_IN_MARK;
	snprintf(in.u.mark.symbol, sizeof(in.u.mark.symbol), "%s", jb_syms[s].name);
	in.u.mark.price = (jb_syms[s].mid_ticks - 10 + (int64_t)(jb_rand(g) % 21)) *
			  jb_syms[s].tick;
	jb_apply(g, &in, NULL);
}

/* One order: submit, venue ack, one full fill. Each needs at most ~12
 * records of room. */
static void jb_order(jb_gen_t *g)
{
	uint64_t i = g->orders++;
	if (i % 16 == 0) {
		jb_mark(g, 0);
		jb_mark(g, 1);
	}
	int s = (int)(i & 1);
	const jb_sym_t *d = &jb_syms[s];
	tl_side_t side = ((i >> 1) & 1) ? TL_SELL : TL_BUY;
	int64_t off = 1 + (int64_t)(jb_rand(g) % 20);
	tl_fx_t px = (d->mid_ticks + (side == TL_BUY ? -off : off)) * d->tick;

	tl_input_t in;
	memset(&in, 0, sizeof(in));
	in.hdr.type = TL_IN_SUBMIT;
	tl_in_submit_t *sb = &in.u.submit;
	snprintf(sb->symbol, sizeof(sb->symbol), "%s", d->name);
	sb->side = (uint8_t)side;
	sb->type = TL_ORD_LIMIT;
	sb->tif = TL_TIF_GTC;
	sb->pos_side = TL_PS_BOTH;
	sb->qty = d->qty;
	sb->price = px;
	sb->user_ref = i + 1;
	uint64_t h = 0;
	if (jb_apply(g, &in, &h) != TL_REJ_NONE || !h) {
		g->refused++;
		return;
	}
	const tl_order_t *o = tl_orders_get(&g->k.orders, h);
	if (!o)
		jb_die("%s", "submitted order not found");
	char clid[TL_CLID_LEN];
	memcpy(clid, o->client_id, sizeof(clid));
	int64_t vid = 8000000000LL + (int64_t)i;

	memset(&in, 0, sizeof(in));
	in.hdr.type = TL_IN_ORDER_UPDATE;
	memcpy(in.u.update.client_id, clid, sizeof(clid));
	in.u.update.status = TL_ST_NEW;
	in.u.update.venue_id = vid;
	jb_apply(g, &in, NULL);

	memset(&in, 0, sizeof(in));
	in.hdr.type = TL_IN_FILL;
	tl_in_fill_t *f = &in.u.fill;
	memcpy(f->client_id, clid, sizeof(clid));
	f->maker = 1;
	f->venue_id = vid;
	f->trade_id = g->trade_next++;
	f->price = px;
	f->qty = d->qty;
	f->commission = 1000;    /* 0.00001 */
	jb_apply(g, &in, NULL);
}

#define JB_ORDER_ROOM 32

/* ---- temp dirs and files --------------------------------------------------- */

static void jb_tmpdir(char *out, size_t len)
{
	if (tl_bench_scratch(jb_ctx, "journal", out, len) < 0)
		jb_die("%s", "cannot create a scratch directory");
}

/* Remove the directory and the files in it (no subdirectories). */
static void jb_rmdir(const char *dir)
{
	tl_bench_rmdir(dir);
}

static void jb_unlink_db(const char *path)
{
	char p[PATH_MAX];
	unlink(path);
	jb_fmt(p, sizeof(p), "%s-wal", path);
	unlink(p);
	jb_fmt(p, sizeof(p), "%s-shm", path);
	unlink(p);
}

static uint64_t jb_db_bytes(const char *path)
{
	char p[PATH_MAX];
	struct stat st;
	uint64_t n = 0;
	if (stat(path, &st) == 0)
		n += (uint64_t)st.st_size;
	jb_fmt(p, sizeof(p), "%s-wal", path);
	if (stat(p, &st) == 0)
		n += (uint64_t)st.st_size;
	return n;
}

static tl_journal_t *jb_open(const char *path, bool sync_full)
{
	tl_journal_cfg_t jc;
	memset(&jc, 0, sizeof(jc));
	jb_fmt(jc.path, sizeof(jc.path), "%s", path);
	snprintf(jc.engine, sizeof(jc.engine), "%s", JB_ENGINE);
	jc.mode = TL_JOURNAL_ASYNC;
	jc.sync_full = sync_full;
	jc.batch_max = JB_BATCH_MAX;
	jc.batch_us = JB_BATCH_US;
	bool fresh;
	tl_journal_t *j = tl_journal_open(&jc, &fresh, jb_err, sizeof(jb_err));
	if (!j)
		jb_die("journal: %s", jb_err);
	return j;
}

static double jb_sec(int64_t ns)
{
	return (double)ns / 1e9;
}

/* ---- journal.throughput ------------------------------------------------------ */

typedef struct jb_prod {
	tl_spsc_rec_t ring;
	const tl_record_t *recs;     /* one captured pass */
	size_t nrecs;
	uint64_t n;                  /* records to push */
	uint64_t in_period, out_period;
	tl_time_t t_period;
	int cpu;                     /* requested; becomes the pinned one */
	_Atomic bool go;
	_Atomic int64_t t_first;     /* just before the first push */
	uint64_t full_spins;
} jb_prod_t;

static void *jb_producer(void *arg)
{
	jb_prod_t *p = arg;
	p->cpu = tl_bench_pin(p->cpu);
	while (!atomic_load_explicit(&p->go, memory_order_acquire))
		;
	atomic_store(&p->t_first, tl_bench_now_ns());
	size_t idx = 0;
	uint64_t pass = 0;
	for (uint64_t i = 0; i < p->n; i++) {
		tl_record_t r = p->recs[idx];
		if (pass) {
			if (r.u.hdr.flags & TL_REC_OUTPUT) {
				r.u.hdr.seq += pass * p->out_period;
				r.u.hdr.cause_seq += pass * p->in_period;
			} else {
				r.u.hdr.seq += pass * p->in_period;
			}
			r.u.hdr.time += (tl_time_t)pass * p->t_period;
		}
		while (!tl_spsc_rec_push(&p->ring, &r)) {
			p->full_spins++;
			__builtin_ia32_pause();
		}
		if (++idx == p->nrecs) {
			idx = 0;
			pass++;
		}
	}
	return NULL;
}

static bool jb_pop(void *ctx, tl_record_t *rec)
{
	jb_prod_t *p = ctx;
	return tl_spsc_rec_pop(&p->ring, rec);
}

/* One run's outcome. */
typedef struct jb_run {
	double secs, rate;
	uint64_t commits, records, bytes, full_spins;
	int cpu;
} jb_run_t;

/* Push n records through a fresh journal; time until all are committed. */
static void jb_throughput_once(const jb_gen_t *g, uint64_t n, bool sync_full, int cpu,
			       jb_run_t *out)
{
	char dir[PATH_MAX], path[PATH_MAX + 16];
	jb_tmpdir(dir, sizeof(dir));
	jb_fmt(path, sizeof(path), "%s/journal.db", dir);

	jb_prod_t *p = calloc(1, sizeof(*p));
	if (!p)
		jb_die("%s", "out of memory");
	if (tl_spsc_rec_init(&p->ring, JB_RING, jb_err, sizeof(jb_err)) < 0)
		jb_die("ring: %s", jb_err);
	p->recs = g->buf;
	p->nrecs = g->n;
	p->n = n;
	p->in_period = g->in_seq;
	p->out_period = g->k.out_seq;
	p->t_period = g->now - 1700000000LL * TL_NS_PER_S;
	p->cpu = cpu;

	tl_journal_t *j = jb_open(path, sync_full);
	const tl_journal_stats_t *st = tl_journal_stats(j);
	pthread_t th;
	if (pthread_create(&th, NULL, jb_producer, p) != 0)
		jb_die("%s", "pthread_create failed");
	if (tl_journal_start(j, jb_pop, p, jb_err, sizeof(jb_err)) < 0)
		jb_die("journal start: %s", jb_err);
	atomic_store_explicit(&p->go, true, memory_order_release);
	struct timespec nap = { 0, 1000000 };
	int64_t t_end;
	for (;;) {
		if (atomic_load(&st->failed))
			jb_die("%s", "journal write failed");
		if (atomic_load(&st->records) >= n) {
			t_end = tl_bench_now_ns();
			break;
		}
		nanosleep(&nap, NULL);
	}
	pthread_join(th, NULL);
	out->commits = atomic_load(&st->commits);
	out->records = atomic_load(&st->records);
	tl_journal_stop(j);
	tl_journal_close(j);
	out->bytes = jb_db_bytes(path);
	jb_rmdir(dir);

	out->secs = jb_sec(t_end - atomic_load(&p->t_first));
	out->rate = (double)n / out->secs;
	out->full_spins = p->full_spins;
	out->cpu = p->cpu;
	fprintf(stderr, "bench journal: throughput %s: %llu records in %.2f s (%.0f/s), "
		"%llu commits, ring full %llu spins\n", sync_full ? "full" : "normal",
		(unsigned long long)out->records, out->secs, out->rate,
		(unsigned long long)out->commits, (unsigned long long)out->full_spins);
	tl_spsc_rec_free(&p->ring);
	free(p);
}

static int jb_run_cmp(const void *a, const void *b)
{
	double x = ((const jb_run_t *)a)->rate, y = ((const jb_run_t *)b)->rate;
	return (x > y) - (x < y);
}

/* `reps` runs; when `report`, one line with the median run (value) and
 * the slowest and fastest rates beside it. */
static void jb_throughput(const jb_gen_t *g, uint64_t n, bool sync_full, int cpu,
			  int reps, bool report)
{
	jb_run_t r[JB_REPS];
	if (reps < 1)
		reps = 1;
	if (reps > JB_REPS)
		reps = JB_REPS;
	for (int i = 0; i < reps; i++)
		jb_throughput_once(g, n, sync_full, cpu, &r[i]);
	if (!report)
		return;
	qsort(r, (size_t)reps, sizeof(r[0]), jb_run_cmp);
	const jb_run_t *m = &r[reps / 2];
	char extra[1024], cpus[16];
	snprintf(extra, sizeof extra,
		 "\"sync\":\"%s\",\"records\":%llu,\"runs\":%d,"
		 "\"min_rate\":%.0f,\"max_rate\":%.0f,\"seconds\":%.3f,"
		 "\"commits\":%llu,\"mean_batch\":%.1f,\"bytes_per_record\":%.0f,"
		 "\"ring\":%u,\"batch_max\":%u,\"batch_us\":%u,"
		 "\"note\":\"median of runs; producer pinned, PERSIST unpinned; WAL; "
		 "records of a kernel session (submit/ack/fill), seqs increasing\"",
		 sync_full ? "full" : "normal", (unsigned long long)n, reps,
		 r[0].rate, r[reps - 1].rate, m->secs, (unsigned long long)m->commits,
		 m->commits ? (double)m->records / (double)m->commits : 0.0,
		 (double)m->bytes / (double)m->records, JB_RING, JB_BATCH_MAX, JB_BATCH_US);
	tl_bench_emit(&(tl_bench_line_t){
		.bench = "journal.throughput", .unit = "records/s", .value = m->rate,
		.mode = TL_BENCH_BATCH, .threads = 2,
		.cpu = tl_bench_cpu_text(cpus, sizeof cpus, m->cpu, -1),
		.from = "producer: first tl_spsc_rec_push of N captured records",
		.to = "PERSIST thread: stats->records reaches N (last commit included); "
		      "value = N / elapsed",
		.extra = extra,
	});
}

/* ---- recovery.time ----------------------------------------------------------- */

/* Write a journal of `orders` orders; returns its record count. */
static uint64_t jb_generate(const char *path, uint64_t orders)
{
	jb_unlink_db(path);
	char tmp[PATH_MAX + 8];
	jb_fmt(tmp, sizeof(tmp), "%s.tmp", path);
	jb_unlink_db(tmp);
	int64_t t0 = tl_bench_now_ns();
	tl_journal_t *j = jb_open(tmp, false);
	jb_gen_t *g = malloc(sizeof(*g));
	if (!g)
		jb_die("%s", "out of memory");
	jb_gen_init(g, JB_WRITE_CHUNK + JB_ORDER_ROOM);
	uint64_t total = 0;
	while (g->orders < orders) {
		jb_order(g);
		if (g->n >= JB_WRITE_CHUNK || g->orders == orders) {
			if (tl_journal_write(j, g->buf, g->n, jb_err, sizeof(jb_err)) < 0)
				jb_die("journal write: %s", jb_err);
			total += g->n;
			g->n = 0;
		}
	}
	if (g->refused)
		jb_die("%s", "the generator's kernel refused an order");
	jb_gen_free(g);
	free(g);
	tl_journal_close(j);
	if (rename(tmp, path) < 0)
		jb_die("rename: %s", strerror(errno));
	fprintf(stderr, "bench journal: generated %s: %llu orders, %llu records, "
		"%.1f MB, %.1f s\n", path, (unsigned long long)orders,
		(unsigned long long)total, (double)jb_db_bytes(path) / 1e6,
		jb_sec(tl_bench_now_ns() - t0));
	return total;
}

typedef struct jb_recovery {
	int rc;
	tl_replay_stats_t st;
	int64_t open_ns, init_ns, replay_ns;
} jb_recovery_t;

/* What `talon run` does on start with an existing journal. */
static void jb_recover(const char *path, jb_recovery_t *r)
{
	memset(r, 0, sizeof(*r));
	tl_kernel_t *k = malloc(sizeof(*k));
	if (!k)
		jb_die("%s", "out of memory");
	int64_t t0 = tl_bench_now_ns();
	tl_journal_t *j = jb_open(path, false);
	int64_t t1 = tl_bench_now_ns();
	jb_kernel_init(k);
	int64_t t2 = tl_bench_now_ns();
	r->rc = tl_replay_into_kernel(j, k, 0, &r->st, jb_err, sizeof(jb_err));
	int64_t t3 = tl_bench_now_ns();
	if (r->rc < 0)
		jb_die("replay: %s", jb_err);
	r->open_ns = t1 - t0;
	r->init_ns = t2 - t1;
	r->replay_ns = t3 - t2;
	tl_journal_close(j);
	tl_kernel_free(k);
	free(k);
}

static void jb_recovery_case(const char *cache_dir, uint64_t orders, bool regen, int cpu)
{
	char path[PATH_MAX];
	jb_fmt(path, sizeof(path), "%s/recovery-%llu-v%d.%d.db", cache_dir,
		 (unsigned long long)orders, TL_JOURNAL_SCHEMA_VERSION, JB_GEN_VERSION);
	struct stat sb;
	bool made = false;
	if (regen || stat(path, &sb) != 0) {
		/* About 3.8 KB per order; keep room for the WAL and the rest. */
		struct statvfs vs;
		uint64_t need = orders * 3800ull * 3 / 2;
		if (statvfs(cache_dir, &vs) == 0 &&
		    (uint64_t)vs.f_bavail * vs.f_frsize < need) {
			fprintf(stderr, "bench journal: recovery %llu orders skipped: "
				"%s needs %.1f GB free\n", (unsigned long long)orders,
				cache_dir, (double)need / 1e9);
			return;
		}
		jb_generate(path, orders);
		made = true;
	}
	jb_recovery_t r;
	jb_recover(path, &r);
	if ((r.rc != 0 || r.st.mismatches || r.st.lost_outputs) && !made) {
		fprintf(stderr, "bench journal: cached %s no longer replays cleanly "
			"(%llu mismatches): regenerating\n", path,
			(unsigned long long)r.st.mismatches);
		jb_generate(path, orders);
		made = true;
		jb_recover(path, &r);
	}
	if (r.rc != 0 || r.st.mismatches)
		jb_die("recovery diverged: %s", r.st.first_mismatch);
	/* Again, right away: the second run is the one reported (as warm as
	 * the page cache lets it be); the first, with the cache as found,
	 * goes beside it as first_ms. */
	jb_recovery_t r2;
	jb_recover(path, &r2);
	if (r2.rc != 0 || r2.st.mismatches || r2.st.records != r.st.records)
		jb_die("%s", "second recovery differs from the first");
	double first_ms = (double)(r.open_ns + r.init_ns + r.replay_ns) / 1e6;
	double ms = (double)(r2.open_ns + r2.init_ns + r2.replay_ns) / 1e6;
	fprintf(stderr, "bench journal: recovery %llu orders: first %.1f ms (open %.1f), "
		"again %.1f ms (open %.1f, replay %.1f)\n", (unsigned long long)orders,
		first_ms, (double)r.open_ns / 1e6, ms, (double)r2.open_ns / 1e6,
		(double)r2.replay_ns / 1e6);
	char extra[512], cpus[16];
	snprintf(extra, sizeof extra,
		 "\"orders\":%llu,\"records\":%llu,\"inputs\":%llu,\"per_order_us\":%.2f,"
		 "\"open_ms\":%.1f,\"replay_ms\":%.1f,\"first_ms\":%.1f,\"file_mb\":%.1f,"
		 "\"generated\":%s",
		 (unsigned long long)orders, (unsigned long long)r2.st.records,
		 (unsigned long long)r2.st.inputs, ms * 1000.0 / (double)orders,
		 (double)r2.open_ns / 1e6, (double)r2.replay_ns / 1e6, first_ms,
		 (double)jb_db_bytes(path) / 1e6, made ? "true" : "false");
	tl_bench_emit(&(tl_bench_line_t){
		.bench = "recovery.time", .unit = "ms", .value = ms, .mode = TL_BENCH_BATCH,
		.threads = 1, .cpu = tl_bench_cpu_text(cpus, sizeof cpus, cpu, -1),
		.from = "tl_journal_open of an existing journal (WAL, quick_check, schema checks)",
		.to = "tl_replay_into_kernel done on a fresh kernel, 0 mismatches "
		      "(second of two back-to-back runs)",
		.extra = extra,
	});
}

/* ---- the suites ------------------------------------------------------------------ */

int tl_bench_suite_journal(const tl_bench_ctx_t *ctx)
{
	jb_ctx = ctx;
	uint64_t n = tl_bench_iters(ctx, JB_N_DEFAULT, JB_N_SMOKE, JB_NS_PER_RECORD);
	int reps = ctx->smoke ? 1 : JB_REPS;
	int cpu = sysconf(_SC_NPROCESSORS_ONLN) < 2 ? -1 : tl_bench_role_cpu(ctx, 0, 0);

	/* Capture a session, then push it through fresh journals. */
	uint64_t cap = n < JB_CAPTURE_MAX ? n : JB_CAPTURE_MAX;
	jb_gen_t *g = malloc(sizeof(*g));
	if (!g)
		jb_die("%s", "out of memory");
	jb_gen_init(g, cap + JB_ORDER_ROOM);
	while (g->n < cap)
		jb_order(g);
	if (g->refused)
		jb_die("%s", "the generator's kernel refused an order");
	fprintf(stderr, "bench journal: captured %zu records of %llu orders "
		"(%.2f records/order)\n", g->n, (unsigned long long)g->orders,
		(double)g->n / (double)g->orders);
	/* Warm-up (not reported): the first journal written in a process
	 * ran up to 2x slower here, whatever its sync mode. */
	jb_throughput(g, n / 5 ? n / 5 : 1, false, cpu, 1, false);
	jb_throughput(g, n, false, cpu, reps, true);
	jb_throughput(g, n, true, cpu, reps, true);
	jb_gen_free(g);
	free(g);
	return 0;
}

int tl_bench_suite_recovery(const tl_bench_ctx_t *ctx)
{
	jb_ctx = ctx;
	int cpu = sysconf(_SC_NPROCESSORS_ONLN) < 2 ? -1 : tl_bench_role_cpu(ctx, 0, 0);
	char cache[PATH_MAX];
	bool scratch = ctx->smoke || !ctx->talon;
	if (scratch) {
		/* Smoke: a fresh 10k journal, never the cache. */
		jb_tmpdir(cache, sizeof cache);
	} else {
		/* <build>/bench-cache, <build>/talon being this program. */
		char self[PATH_MAX];
		jb_fmt(self, sizeof self, "%s", ctx->talon);
		char *sl = strrchr(self, '/');
		if (sl)
			*sl = '\0';
		else
			jb_fmt(self, sizeof self, ".");
		jb_fmt(cache, sizeof(cache), "%s/bench-cache", self);
		if (mkdir(cache, 0755) < 0 && errno != EEXIST)
			jb_die("mkdir bench-cache: %s", strerror(errno));
	}

	/* Pinned like the engine thread would be. */
	int pinned = tl_bench_pin(cpu);
	const uint64_t sizes[] = { 10000, 100000, 1000000 };
	size_t nsizes = ctx->smoke ? 1 : sizeof(sizes) / sizeof(sizes[0]);
	for (size_t i = 0; i < nsizes; i++)
		jb_recovery_case(cache, sizes[i], scratch, pinned);
	if (scratch)
		jb_rmdir(cache);
	return 0;
}
