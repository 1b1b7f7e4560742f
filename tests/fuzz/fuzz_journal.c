/*
 * fuzz_journal.c - libFuzzer target: `talon replay --verify` (and the
 * recovery path under it: persist/journal.c scan, persist/replay.c,
 * persist/replay_verify.c) on a mutated journal.
 *
 * Once per process a small valid journal is made: a kernel built from a
 * config written next to it (BTCUSDT, ETHUSDT from
 * tests/data/exchange_info.json; run from the repository root) runs a
 * scenario (marks, a limit order acked and filled in two parts, one
 * canceled, one rejected by the venue, a liquidation, time passing), and
 * its records are written with tl_journal_write (journal rows and the
 * derived tables). Each input is a list of mutations applied through
 * SQLite to a fresh copy of that file, 4 bytes each (op, row, offset,
 * value):
 *   0  flip bits of one byte of a record BLOB
 *   1  set an int64 of a BLOB to an extreme (INT64_MAX - v, INT64_MIN +
 *      v, -v, v << 56): times near INT64_MAX, huge quantities
 *   2  delete a journal row          3  duplicate a journal row
 *   4  set the dir, type or seq column of a row
 *   5  shorten or lengthen a BLOB
 *   6  change a derived table (orders status, fills qty, positions qty)
 *   7  change or delete a meta key
 * then the journal is replayed with verify. Properties (abort on
 * failure; the sanitizers see the rest):
 *   - no mutation: the replay matches and verifies (0);
 *   - any input: the result is -1 (with a message), 0 or 1; 0 means no
 *     mismatch and the tables verified; 1 means a counted mismatch or a
 *     table difference, named; never a crash, an overflow (kernel time
 *     arithmetic saturates) or a read past a record.
 */
#include <limits.h>
#include <sqlite3.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runtime/config.h"
#include "runtime/log.h"
#include "kernel/kernel.h"
#include "persist/journal.h"
#include "persist/replay.h"
#include "runtime/replay_config.h"
#include "tests/fuzz/fuzz_common.h"

#define T0 ((tl_time_t)1767225600000000000LL)
#define MS(x) (T0 + (tl_time_t)(x) * 1000000LL)

static char dir[128], cfg_path[256], base_path[256], work_path[256];
static unsigned char *base;
static size_t base_len;

static tl_record_t recs[512];
static size_t nrecs;
static tl_kernel_t K;
static uint64_t in_seq;
static char last_clid[TL_CLID_LEN];

static void sink_emit(void *ctx, const tl_output_t *o)
{
	(void)ctx;
	FZ_CHECK(nrecs < sizeof recs / sizeof recs[0]);
	memset(&recs[nrecs], 0, sizeof recs[nrecs]);
	recs[nrecs].u.out = *o;
	recs[nrecs].u.hdr.flags |= TL_REC_OUTPUT;
	nrecs++;
	if (o->hdr.type == TL_OUT_REQ_NEW)
		snprintf(last_clid, sizeof last_clid, "%s", o->u.req.client_id);
}

static tl_sink_t sink = { .emit = sink_emit };

/* Apply one input at `t`, journaling it before its outputs. */
static void J(tl_input_t *in, tl_time_t t)
{
	in->hdr.time = t;
	in->hdr.seq = ++in_seq;
	FZ_CHECK(nrecs < sizeof recs / sizeof recs[0]);
	memset(&recs[nrecs], 0, sizeof recs[nrecs]);
	recs[nrecs++].u.in = *in;
	tl_kernel_apply(&K, &recs[nrecs - 1].u.in, &sink, NULL);
}

static tl_input_t *blank(tl_in_type_t type)
{
	static tl_input_t in;
	memset(&in, 0, sizeof in);
	in.hdr.type = (uint16_t)type;
	return &in;
}

static tl_fx_t fx(const char *s)
{
	tl_fx_t v;
	FZ_CHECK(tl_fx_parse(s, strlen(s), &v) == TL_FX_OK);
	return v;
}

static void mark(tl_time_t t, const char *sym, const char *px)
{
	tl_input_t *in = blank(TL_IN_MARK);
	snprintf(in->u.mark.symbol, sizeof in->u.mark.symbol, "%s", sym);
	in->u.mark.price = fx(px);
	J(in, t);
}

static const char *submit(tl_time_t t, const char *sym, tl_side_t side,
			  const char *qty, const char *px)
{
	static char clid[4][TL_CLID_LEN];
	static int n;
	tl_input_t *in = blank(TL_IN_SUBMIT);
	snprintf(in->u.submit.symbol, sizeof in->u.submit.symbol, "%s", sym);
	in->u.submit.side = (uint8_t)side;
	in->u.submit.type = TL_ORD_LIMIT;
	in->u.submit.tif = TL_TIF_GTC;
	in->u.submit.qty = fx(qty);
	in->u.submit.price = fx(px);
	last_clid[0] = '\0';
	J(in, t);
	n = (n + 1) % 4;
	snprintf(clid[n], sizeof clid[n], "%s", last_clid);
	return clid[n];
}

static void update(tl_time_t t, const char *clid, tl_ord_status_t st, int64_t vid,
		   int32_t code, const char *sym)
{
	tl_input_t *in = blank(TL_IN_ORDER_UPDATE);
	snprintf(in->u.update.client_id, sizeof in->u.update.client_id, "%s", clid);
	snprintf(in->u.update.symbol, sizeof in->u.update.symbol, "%s", sym);
	in->u.update.status = (uint8_t)st;
	in->u.update.venue_id = vid;
	in->u.update.code = code;
	J(in, t);
}

static void fill(tl_time_t t, const char *clid, int64_t trade, const char *px,
		 const char *qty, const char *sym)
{
	tl_input_t *in = blank(TL_IN_FILL);
	snprintf(in->u.fill.client_id, sizeof in->u.fill.client_id, "%s", clid);
	snprintf(in->u.fill.symbol, sizeof in->u.fill.symbol, "%s", sym);
	in->u.fill.trade_id = trade;
	in->u.fill.price = fx(px);
	in->u.fill.qty = fx(qty);
	in->u.fill.commission = fx("0.01");
	J(in, t);
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	FZ_CHECK(f && fputs(text, f) >= 0 && fclose(f) == 0);
}

/* The scratch directory goes at exit (libFuzzer and the driver exit()). */
static void cleanup(void)
{
	char p[300];
	static const char *const names[] = { "cfg.json", "j.db", "j.db-wal", "j.db-shm" };

	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		snprintf(p, sizeof p, "%s/%s", dir, names[i]);
		unlink(p);
	}
	rmdir(dir);
}

static void setup(void)
{
	char exch[PATH_MAX], err[512], text[2048];
	tl_config_t *cfg = calloc(1, sizeof *cfg);
	tl_symbols_t syms;

	tl_log_set_level(TL_LOG_ERROR);
	FZ_CHECK(cfg && realpath("tests/data/exchange_info.json", exch));
	snprintf(dir, sizeof dir, "/tmp/talon_fuzz_journal.%d", (int)getpid());
	mkdir(dir, 0700);
	snprintf(cfg_path, sizeof cfg_path, "%s/cfg.json", dir);
	snprintf(base_path, sizeof base_path, "%s/base.db", dir);
	snprintf(work_path, sizeof work_path, "%s/j.db", dir);
	snprintf(text, sizeof text,
		 "{\"engine\": {\"name\": \"fz\"},\n"
		 " \"kernel\": {\"order_capacity\": 64, \"trade_capacity\": 256,\n"
		 "            \"client_id_prefix\": \"tlf\", \"id_block\": 10},\n"
		 " \"risk\": {\"loss_limit\": \"0\", \"max_order_notional\": \"0\"},\n"
		 " \"symbols\": {\"exchange_info\": \"%.1500s\", \"only\": [\"BTCUSDT\", \"ETHUSDT\"],\n"
		 "             \"leverage\": {\"BTCUSDT\": 20}},\n"
		 " \"journal\": {\"path\": \"\"}}\n", exch);
	write_file(cfg_path, text);
	atexit(cleanup);
	if (tl_config_load(cfg, cfg_path, err, sizeof err) < 0 ||
	    tl_config_symbols(cfg, &syms, err, sizeof err) < 0 ||
	    tl_kernel_init(&K, &cfg->kernel, &syms, err, sizeof err) < 0) {
		fprintf(stderr, "fuzz_journal: %s (run from the repository root)\n", err);
		abort();
	}
	for (uint32_t i = 0; i < cfg->n_symbols; i++)
		if (cfg->leverage[i])
			tl_kernel_set_leverage(&K, cfg->symbols[i], cfg->leverage[i]);

	/* The scenario. */
	mark(MS(0), "BTCUSDT", "50000");
	mark(MS(0), "ETHUSDT", "3000");
	const char *a = submit(MS(10), "BTCUSDT", TL_BUY, "0.01", "50000");
	update(MS(12), a, TL_ST_NEW, 501, 0, "BTCUSDT");
	fill(MS(15), a, 1001, "50000", "0.004", "BTCUSDT");
	fill(MS(17), a, 1002, "50000", "0.006", "BTCUSDT");
	const char *b = submit(MS(20), "BTCUSDT", TL_BUY, "0.01", "49000");
	update(MS(21), b, TL_ST_NEW, 502, 0, "BTCUSDT");
	tl_input_t *in = blank(TL_IN_CANCEL);
	snprintf(in->u.cancel.client_id, sizeof in->u.cancel.client_id, "%s", b);
	J(in, MS(30));
	update(MS(33), b, TL_ST_CANCELED, 502, 0, "BTCUSDT");
	const char *c = submit(MS(40), "ETHUSDT", TL_SELL, "0.1", "3100");
	update(MS(41), c, TL_ST_REJECTED, 0, -2019, "ETHUSDT");
	in = blank(TL_IN_CONTROL);
	in->u.control.cmd = TL_CTL_LIQUIDATE;
	snprintf(in->u.control.reason, sizeof in->u.control.reason, "fuzz");
	J(in, MS(100));
	J(blank(TL_IN_TICK), MS(6000));
	FZ_CHECK(a[0] && b[0] && c[0]);

	tl_journal_cfg_t jc;
	memset(&jc, 0, sizeof jc);
	snprintf(jc.path, sizeof jc.path, "%s", base_path);
	snprintf(jc.engine, sizeof jc.engine, "fz");
	bool fresh;
	unlink(base_path);
	tl_journal_t *j = tl_journal_open(&jc, &fresh, err, sizeof err);
	FZ_CHECK(j && tl_journal_write(j, recs, nrecs, err, sizeof err) == 0);
	tl_journal_close(j);

	FILE *f = fopen(base_path, "rb");
	FZ_CHECK(f && fseek(f, 0, SEEK_END) == 0);
	base_len = (size_t)ftell(f);
	base = malloc(base_len);
	FZ_CHECK(base && fseek(f, 0, SEEK_SET) == 0 &&
		 fread(base, 1, base_len, f) == base_len);
	fclose(f);
	if (!getenv("FUZZ_JOURNAL_KEEP"))	/* kept: seeds for fuzz_record */
		unlink(base_path);
	free(cfg);
}

static void sql(sqlite3 *db, const char *q)
{
	sqlite3_exec(db, q, NULL, NULL, NULL);	/* failures are fine: fuzzing */
}

/* Apply one 4-byte mutation (SQL errors are fine: a mutation may not
 * apply to the file as the earlier ones left it). */
static void mutate(sqlite3 *db, const uint8_t m[4], int nrows)
{
	int row = m[1] % nrows + 1, off = m[2] % TL_RECORD_SIZE;
	char q[512];

	switch (m[0] % 8) {
	case 0:
		{
			sqlite3_blob *b;
			if (sqlite3_blob_open(db, "main", "journal", "rec", row, 1, &b) == SQLITE_OK) {
				unsigned char c;
				if (off < sqlite3_blob_bytes(b) &&
				    sqlite3_blob_read(b, &c, 1, off) == SQLITE_OK) {
					c ^= (unsigned char)(m[3] | 1);
					sqlite3_blob_write(b, &c, 1, off);
				}
				sqlite3_blob_close(b);
			}
		}
		return;
	case 1: {
		static const int64_t ext[] = { INT64_MAX, INT64_MIN, -1, 0 };
		int64_t v = ext[m[3] & 3];
		uint8_t k = m[3] >> 2;
		v = (m[3] & 3) == 0 ? v - k : (m[3] & 3) == 1 ? v + k :
		    (m[3] & 3) == 2 ? -(int64_t)k : (int64_t)((uint64_t)k << 56);
		sqlite3_blob *b;
		off &= ~7;
		if (sqlite3_blob_open(db, "main", "journal", "rec", row, 1, &b) == SQLITE_OK) {
			if (off + 8 <= sqlite3_blob_bytes(b))
				sqlite3_blob_write(b, &v, 8, off);
			sqlite3_blob_close(b);
		}
		return;
	}
	case 2:
		snprintf(q, sizeof q, "DELETE FROM journal WHERE id = %d", row);
		break;
	case 3:
		snprintf(q, sizeof q,
			 "INSERT INTO journal(dir, type, type_name, seq, cause_seq, time_ns,"
			 " client_id, symbol, rec) SELECT dir, type, type_name, seq, cause_seq,"
			 " time_ns, client_id, symbol, rec FROM journal WHERE id = %d", row);
		break;
	case 4: {
		static const char *const col[] = { "dir", "type", "seq" };
		snprintf(q, sizeof q, "UPDATE journal SET %s = %d WHERE id = %d",
			 col[m[2] % 3], (int)(int8_t)m[3], row);
		break;
	}
	case 5:
		snprintf(q, sizeof q,
			 "UPDATE journal SET rec = substr(rec, 1, %d) || zeroblob(%d) WHERE id = %d",
			 off, m[3] & 1 ? 0 : m[3] % 300, row);
		break;
	case 6: {
		static const char *const upd[] = {
			"UPDATE orders SET status = 'FILLED' WHERE rowid = %d",
			"UPDATE fills SET qty = '%d' WHERE rowid = %d",
			"UPDATE positions SET qty = '0.0%d' WHERE rowid = %d",
			"DELETE FROM fills WHERE rowid = %d",
		};
		int k = m[3] & 3;
		if (k == 1 || k == 2)
			snprintf(q, sizeof q, upd[k], m[2], m[1] % 8 + 1);
		else
			snprintf(q, sizeof q, upd[k], m[1] % 8 + 1);
		break;
	}
	default: {
		static const char *const key[] = { "schema_version", "engine_name",
						   "record_version", "trading_state" };
		if (m[3] & 4)
			snprintf(q, sizeof q, "DELETE FROM meta WHERE key = '%s'", key[m[3] & 3]);
		else
			snprintf(q, sizeof q, "UPDATE meta SET value = '%d' WHERE key = '%s'",
				 (int)(int8_t)m[2], key[m[3] & 3]);
		break;
	}
	}
	sql(db, q);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	tl_replay_result_t res;
	tl_replay_opts_t o;
	char err[512];
	sqlite3 *db;
	FILE *f;
	int rc;

	if (!base)
		setup();
	f = fopen(work_path, "wb");
	FZ_CHECK(f && fwrite(base, 1, base_len, f) == base_len && fclose(f) == 0);
	size_t nmut = size / 4 > 16 ? 16 : size / 4;
	if (nmut) {
		FZ_CHECK(sqlite3_open(work_path, &db) == SQLITE_OK);
		for (size_t i = 0; i < nmut; i++)
			mutate(db, data + 4 * i, (int)nrecs);
		sqlite3_close(db);
	}

	memset(&o, 0, sizeof o);
	o.journal_path = work_path;
	o.config_path = cfg_path;
	o.verify = true;
	o.out = fopen("/dev/null", "w");
	memset(&res, 0, sizeof res);
	err[0] = '\0';
	rc = tl_replay_run(&o, &res, err, sizeof err);
	fclose(o.out);
	FZ_CHECK(rc == -1 || rc == 0 || rc == 1);
	if (nmut == 0)
		FZ_CHECK(rc == 0 && res.verified && res.st.mismatches == 0);
	if (rc == -1)
		FZ_CHECK(err[0] != '\0');
	if (rc == 0)
		FZ_CHECK(res.st.mismatches == 0 && res.verified);
	if (rc == 1)
		FZ_CHECK(res.st.mismatches > 0 || res.differences > 0);
	FZ_TERMINATED(res.st.first_mismatch);
	FZ_TERMINATED(res.first_diff);
	unlink(work_path);
	return 0;
}
