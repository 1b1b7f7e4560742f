/*
 * fuzz_common.h - helpers shared by the fuzz targets (tests/fuzz/): the
 * property check, and the checks every kernel input a decoder produces
 * must pass (a decoder's output goes straight into the kernel, so a
 * malformed one is a finding even when nothing crashed).
 */
#ifndef TL_FUZZ_COMMON_H
#define TL_FUZZ_COMMON_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/venue.h"
#include "kernel/record.h"
#include "runtime/config.h"
#include "runtime/log.h"

/* A failed property: say which, abort (libFuzzer saves the input). */
#define FZ_CHECK(cond)                                                       \
	do {                                                                 \
		if (!(cond)) {                                               \
			fprintf(stderr, "%s:%d: property failed: %s\n",      \
				__FILE__, __LINE__, #cond);                  \
			abort();                                             \
		}                                                            \
	} while (0)

#define FZ_TERMINATED(field) FZ_CHECK(memchr((field), 0, sizeof(field)) != NULL)

/* Type in range, strings NUL-terminated: what the kernel assumes. */
static inline void fz_check_input(const tl_input_t *in)
{
	FZ_CHECK(in->hdr.type >= 1 && in->hdr.type < TL_IN__COUNT);
	switch (in->hdr.type) {
	case TL_IN_ORDER_UPDATE:
		FZ_TERMINATED(in->u.update.client_id);
		FZ_TERMINATED(in->u.update.text);
		FZ_TERMINATED(in->u.update.symbol);
		break;
	case TL_IN_FILL:
		FZ_TERMINATED(in->u.fill.client_id);
		FZ_TERMINATED(in->u.fill.symbol);
		break;
	case TL_IN_REQ_ERROR:
		FZ_TERMINATED(in->u.error.client_id);
		FZ_TERMINATED(in->u.error.text);
		break;
	case TL_IN_QUERY_RESULT:
		FZ_TERMINATED(in->u.query.client_id);
		break;
	case TL_IN_MARK:
		FZ_TERMINATED(in->u.mark.symbol);
		break;
	case TL_IN_ADOPT:
		FZ_TERMINATED(in->u.adopt.client_id);
		FZ_TERMINATED(in->u.adopt.symbol);
		break;
	case TL_IN_POSITION_SNAPSHOT:
		FZ_TERMINATED(in->u.snap.symbol);
		break;
	default:
		break;
	}
}

/* Fill the stack below the caller with `pattern`, so a decoder that
 * copies uninitialized stack bytes into its output gives different
 * bytes on two runs (the targets decode twice and compare). */
static __attribute__((noinline, unused)) void fz_dirty_stack(int pattern)
{
	volatile unsigned char junk[32768];

	memset((void *)junk, pattern, sizeof junk);
	__asm__ volatile("" : : "r"(junk) : "memory");
}

/* A venue that only collects what is emitted (decoders that report
 * through tl_venue_emit). */
#define FZ_EMIT_MAX 4096
typedef struct fz_sink {
	unsigned n;
	tl_input_t in[FZ_EMIT_MAX];
} fz_sink_t;

static inline void fz_sink_emit(void *ctx, const tl_input_t *in)
{
	fz_sink_t *s = ctx;

	fz_check_input(in);
	FZ_CHECK(s->n < FZ_EMIT_MAX);
	s->in[s->n++] = *in;
}

/* A default config (quiet log) trading BTCUSDT and ETHUSDT from
 * tests/data/exchange_info.json (run from the repository root). */
static inline tl_config_t *fz_config_two_symbols(void)
{
	tl_config_t *cfg = calloc(1, sizeof *cfg);

	FZ_CHECK(cfg != NULL);
	tl_log_set_level(TL_LOG_ERROR);
	tl_config_defaults(cfg);
	snprintf(cfg->exchange_info, sizeof cfg->exchange_info,
		 "tests/data/exchange_info.json");
	cfg->n_symbols = 2;
	snprintf(cfg->symbols[0], sizeof cfg->symbols[0], "BTCUSDT");
	snprintf(cfg->symbols[1], sizeof cfg->symbols[1], "ETHUSDT");
	return cfg;
}

#endif /* TL_FUZZ_COMMON_H */
