/*
 * fuzz_record.c - libFuzzer target: journal records from raw bytes, as
 * recovery and `talon replay` take them from a journal's BLOBs: the
 * scan's validation (persist/journal.c: direction, type), the replay
 * comparator over a kernel (persist/replay.c, tl_rp_record: inputs
 * applied, regenerated outputs compared field by field with
 * tl_rp_describe_diff), and the event one-liner (runtime/log.c,
 * tl_event_format) that the report and the log print.
 *
 * Input: up to 8 records of TL_RECORD_SIZE bytes (the last zero-padded),
 * in journal order. Each input gets a fresh kernel (BTCUSDT, ETHUSDT
 * from tests/data/exchange_info.json; run from the repository root).
 * Properties (abort on failure; the sanitizers see the rest):
 *   - a record the scan would refuse (type out of range for its
 *     direction) stops the stream, as the scan does; every other record
 *     goes through the comparator without a crash, an overflow (the
 *     kernel's time arithmetic saturates: a time near INT64_MAX plus a
 *     timeout is what 3 mutated journals once overflowed) or a read past
 *     a non-terminated string;
 *   - the stats stay consistent: matched + mismatches <= outputs read
 *     and regenerated;
 *   - the diff text and the event line are NUL-terminated and shorter
 *     than their buffers (exactly sized: ASan sees a write past them).
 */
#include <stdint.h>

#include "runtime/config.h"
#include "runtime/log.h"
#include "kernel/kernel.h"
#include "persist/replay_int.h"
#include "tests/fuzz/fuzz_common.h"

#define NREC 8

static tl_config_t *cfg;
static tl_symbols_t syms;

static void setup(void)
{
	char err[256];

	cfg = fz_config_two_symbols();
	cfg->kernel.order_cap = 64;
	cfg->kernel.trade_cap = 256;
	if (tl_config_symbols(cfg, &syms, err, sizeof err) < 0) {
		fprintf(stderr, "fuzz_record: %s (run from the repository root)\n", err);
		abort();
	}
}

/* Formatters into exactly sized buffers. */
static void check_text(const tl_record_t *a, const tl_record_t *b)
{
	static const size_t sizes[] = { 1, 17, 320 };

	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		size_t n = sizes[i];
		char *buf = malloc(n);
		if (a->u.hdr.type == TL_OUT_EVENT && (a->u.hdr.flags & TL_REC_OUTPUT)) {
			tl_event_format(&a->u.out.u.ev, buf, n);
			FZ_CHECK(memchr(buf, 0, n) != NULL);
		}
		tl_rp_describe_diff(&a->u.out, &b->u.out, buf, n);
		FZ_CHECK(memchr(buf, 0, n) != NULL);
		free(buf);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static tl_record_t recs[NREC];
	tl_replay_stats_t st;
	tl_kernel_t *k;
	tl_rp_t rp;
	char err[320];
	size_t n;

	if (size == 0)
		return 0;
	if (!cfg)
		setup();
	n = (size + TL_RECORD_SIZE - 1) / TL_RECORD_SIZE;
	if (n > NREC)
		n = NREC;
	memset(recs, 0, sizeof recs);
	memcpy(recs, data, size < sizeof recs ? size : sizeof recs);

	/* The kernel takes its symbol table: a fresh copy each time. */
	tl_symbols_t copy;
	memset(&copy, 0, sizeof copy);
	FZ_CHECK(tl_symbols_init(&copy, syms.count, err, sizeof err) == 0);
	for (uint32_t i = 0; i < syms.count; i++)
		FZ_CHECK(tl_symbols_add(&copy, &syms.sym[i]) >= 0);
	k = calloc(1, sizeof *k);
	FZ_CHECK(k && tl_kernel_init(k, &cfg->kernel, &copy, err, sizeof err) == 0);
	tl_rp_init(&rp, k, &st, err, sizeof err);
	for (size_t i = 0; i < n; i++) {
		const tl_record_t *r = &recs[i];
		int out = r->u.hdr.flags & TL_REC_OUTPUT ? 1 : 0;
		int max = out ? TL_OUT__COUNT : TL_IN__COUNT;

		check_text(r, &recs[(i + 1) % n]);
		if (r->u.hdr.type < 1 || r->u.hdr.type >= max)
			break;	/* the scan refuses the journal here */
		int rc = tl_rp_record(&rp, r);
		FZ_CHECK(rc == 0 || rc == -1 || rc == TL_RP_STOP);
		if (rc != 0)
			break;
	}
	tl_rp_finish(&rp);
	FZ_CHECK(st.matched + st.mismatches <= st.outputs + st.regenerated);
	FZ_CHECK(memchr(st.first_mismatch, 0, sizeof st.first_mismatch) != NULL);
	tl_rp_free(&rp);
	tl_kernel_free(k);
	free(k);
	return 0;
}
