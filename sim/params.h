/*
 * params.h - request parameters from the query string and form body.
 *
 * Binance rules (Binance USD-M API docs): parameters come in the query string,
 * an application/x-www-form-urlencoded body, or both; names match
 * case-insensitively; values are percent-decoded ('+' is a space); when a
 * name is in both parts the query value wins. A name repeated within one
 * part is -1101. Sizes are bounded: at most TL_SIM_PARAMS_MAX parameters
 * and TL_SIM_PARAMS_BUF bytes of decoded text; more is -1101 / -1100.
 * The raw bytes stay with the caller (the signature is checked over them).
 */
#ifndef TL_SIM_PARAMS_H
#define TL_SIM_PARAMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/errors.h"

#define TL_SIM_PARAMS_MAX 48
#define TL_SIM_PARAMS_BUF 16384

typedef struct tl_sim_param {
	const char *name;  /* decoded, NUL-terminated, as sent */
	const char *value; /* decoded, NUL-terminated */
	bool from_body;    /* came from the body (else the query) */
} tl_sim_param_t;

typedef struct tl_sim_params {
	int n;
	tl_sim_param_t p[TL_SIM_PARAMS_MAX];
	size_t used;                   /* bytes of buf in use */
	char buf[TL_SIM_PARAMS_BUF];
} tl_sim_params_t;

/* Parse the raw query (without '?') and body. Returns 0, or a negative
 * Binance code with e filled (-1100 bad escape / too long, -1101 too many
 * or duplicate). */
int tl_sim_params_parse(tl_sim_params_t *p, const char *query, size_t qlen,
			const char *body, size_t blen, tl_sim_err_t *e);

/* Add one already-decoded pair (batchOrders elements). Returns 0, or
 * -1101 when full / duplicate. */
int tl_sim_params_add(tl_sim_params_t *p, const char *name,
		      const char *value, tl_sim_err_t *e);

/* Value of parameter `name` (case-insensitive), or NULL when absent.
 * An empty value is returned as "" (callers treat it as missing). */
const char *tl_sim_params_get(const tl_sim_params_t *p, const char *name);

/* Like get, but NULL also for "". */
const char *tl_sim_params_val(const tl_sim_params_t *p, const char *name);

/* Percent-decode src[0..len) into dst[cap]; '+' becomes ' '. Returns the
 * decoded length or -1 on a bad escape / overflow. */
int tl_sim_url_decode(const char *src, size_t len, char *dst, size_t cap);

#endif /* TL_SIM_PARAMS_H */
