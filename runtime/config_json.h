/*
 * config_json.h - the strict JSON getters of the config loader, for the
 * parsers of a venue driver's own section (venue.<name>, io/venue.h).
 *
 * Every venue section is read with the same rules as the rest of the
 * file (runtime/config.c): unknown and duplicate keys, wrong types,
 * non-integral numbers, out-of-range values and money written as a
 * number are errors, and every message starts with the key's full path
 * ("venue.binance.rest.port: expected an integer in 1..65535, got 0").
 *
 * The getters return 0 when the key is absent (output untouched), 1 when
 * it was read into *out, -1 on error with the message set in the
 * context. TL_CFG_TRY returns -1 from the caller on an error.
 *
 * Cold path: allocation (cJSON) is fine.
 */
#ifndef TL_CONFIG_JSON_H
#define TL_CONFIG_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "runtime/config.h"

/* Parse state: where errors go and how relative paths resolve. */
typedef struct tl_config_ctx {
	char *err;
	size_t errlen;
	const char *base_dir;      /* NULL or "" = paths as given */
} tl_config_ctx_t;

/* Propagate errors from a getter: `r` < 0 returns -1 from the caller. */
#define TL_CFG_TRY(expr)                                                       \
	do {                                                                   \
		if ((expr) < 0)                                                \
			return -1;                                             \
	} while (0)

/* Write "<path>.<key>: <message>" (or "<key>: ..." at top level); -1. */
__attribute__((format(printf, 4, 5)))
int tl_config_fail(tl_config_ctx_t *x, const char *path, const char *key,
		   const char *fmt, ...);

/* "a string", "a number", ...: what a value is, for "got ..." texts. */
const char *tl_config_kind(const cJSON *v);

/* `obj` (at `path`) is an object whose keys are all in the NULL-ended
 * `allowed` list, each at most once. */
int tl_config_keys(tl_config_ctx_t *x, const cJSON *obj, const char *path,
		   const char *const *allowed);

/* A map object (symbol -> value): at most `max` entries, keys valid
 * symbol names, no duplicates. */
int tl_config_map(tl_config_ctx_t *x, const cJSON *obj, const char *path,
		  uint32_t max);

/* Index of `name` in symbols.only, or -1. */
int tl_config_sym_index(const tl_config_t *c, const char *name);

/* A JSON number with no fraction in lo..hi (both within +-2^53). */
int tl_config_int_v(tl_config_ctx_t *x, const cJSON *v, const char *path,
		    const char *key, int64_t lo, int64_t hi, int64_t *out);
int tl_config_int(tl_config_ctx_t *x, const cJSON *obj, const char *path,
		  const char *key, int64_t lo, int64_t hi, int64_t *out);
int tl_config_u32(tl_config_ctx_t *x, const cJSON *obj, const char *path,
		  const char *key, uint32_t lo, uint32_t hi, uint32_t *out);
int tl_config_i32(tl_config_ctx_t *x, const cJSON *obj, const char *path,
		  const char *key, int32_t lo, int32_t hi, int32_t *out);
/* 0..2^53 */
int tl_config_u64(tl_config_ctx_t *x, const cJSON *obj, const char *path,
		  const char *key, uint64_t *out);
/* A count in milliseconds (lo..hi) stored as nanoseconds. */
int tl_config_ms(tl_config_ctx_t *x, const cJSON *obj, const char *path,
		 const char *key, int64_t lo, int64_t hi, tl_time_t *out);
int tl_config_bool(tl_config_ctx_t *x, const cJSON *obj, const char *path,
		   const char *key, bool *out);
/* A decimal string (exact, 8 decimals max) in lo..hi. */
int tl_config_fx_v(tl_config_ctx_t *x, const cJSON *v, const char *path,
		   const char *key, tl_fx_t lo, tl_fx_t hi, tl_fx_t *out);
int tl_config_fx(tl_config_ctx_t *x, const cJSON *obj, const char *path,
		 const char *key, tl_fx_t lo, tl_fx_t hi, tl_fx_t *out);
/* A file path (may be ""), resolved against the context's base_dir when
 * relative; the result fits TL_PATH_MAX with its NUL. */
int tl_config_path(tl_config_ctx_t *x, const cJSON *obj, const char *path,
		   const char *key, char out[TL_PATH_MAX]);

#endif /* TL_CONFIG_JSON_H */
