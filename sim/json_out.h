/*
 * json_out.h - append-only JSON writer into a caller-owned byte buffer.
 *
 * The simulator builds every response body and stream event with this
 * writer. It never allocates: when the buffer is full the writer sets
 * `overflow` and drops further output, and the caller answers with an
 * error instead of a truncated body. Commas between members are inserted
 * automatically (one nesting bit per level, up to 32 levels).
 * Decimals are written as JSON strings padded to a fixed number of
 * decimals, ids and counts as JSON integers, as Binance does.
 */
#ifndef TL_SIM_JSON_OUT_H
#define TL_SIM_JSON_OUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel/fixed.h"

typedef struct tl_sim_jw {
	char *buf;        /* output, NUL-terminated while !overflow */
	size_t cap;       /* bytes available in buf */
	size_t len;       /* bytes written */
	uint32_t first;   /* bit d set: level d has no member yet */
	int depth;        /* current nesting depth */
	bool after_key;   /* a key was written; next value takes no comma */
	bool overflow;    /* output did not fit; contents are garbage */
} tl_sim_jw_t;

/* Start writing into buf[cap]. */
void tl_sim_jw_init(tl_sim_jw_t *w, char *buf, size_t cap);

void tl_sim_jw_obj(tl_sim_jw_t *w);     /* '{' (as a value) */
void tl_sim_jw_obj_end(tl_sim_jw_t *w); /* '}' */
void tl_sim_jw_arr(tl_sim_jw_t *w);     /* '[' (as a value) */
void tl_sim_jw_arr_end(tl_sim_jw_t *w); /* ']' */
/* Member key; the next value call writes its value. */
void tl_sim_jw_key(tl_sim_jw_t *w, const char *k);

/* Values (each inserts a comma when needed). */
void tl_sim_jw_str(tl_sim_jw_t *w, const char *s);   /* escaped */
void tl_sim_jw_int(tl_sim_jw_t *w, int64_t v);
void tl_sim_jw_bool(tl_sim_jw_t *w, bool v);
void tl_sim_jw_null(tl_sim_jw_t *w);
/* Decimal as a string with exactly `dec` decimals (-1: shortest). */
void tl_sim_jw_fx(tl_sim_jw_t *w, tl_fx_t v, int dec);
/* Raw JSON text copied verbatim as one value. */
void tl_sim_jw_raw(tl_sim_jw_t *w, const char *json, size_t len);

/* Shorthands: key + value. */
void tl_sim_jw_kstr(tl_sim_jw_t *w, const char *k, const char *s);
void tl_sim_jw_kint(tl_sim_jw_t *w, const char *k, int64_t v);
void tl_sim_jw_kbool(tl_sim_jw_t *w, const char *k, bool v);
void tl_sim_jw_kfx(tl_sim_jw_t *w, const char *k, tl_fx_t v, int dec);

#endif /* TL_SIM_JSON_OUT_H */
