/*
 * json_in.h - bounded JSON tokenizer for untrusted input (config files,
 * batchOrders, id lists, WebSocket control messages).
 *
 * Parses into a caller-supplied token array (no allocation); tokens refer
 * to byte ranges of the input. Each token records the index just past its
 * subtree, so walking an object's members is O(members). Depth is limited
 * to 32, token count to the array size; numbers are kept as text (never
 * converted to double).
 */
#ifndef TL_SIM_JSON_IN_H
#define TL_SIM_JSON_IN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum tl_sim_jt {
	TL_SIM_JT_OBJ = 1,
	TL_SIM_JT_ARR,
	TL_SIM_JT_STR,   /* start/end exclude the quotes; escapes not decoded */
	TL_SIM_JT_NUM,
	TL_SIM_JT_TRUE,
	TL_SIM_JT_FALSE,
	TL_SIM_JT_NULL
};

typedef struct tl_sim_jtok {
	uint8_t type;   /* enum tl_sim_jt */
	uint32_t start; /* first byte */
	uint32_t end;   /* one past last byte */
	uint32_t size;  /* members (object: key/value pairs) or elements */
	uint32_t skip;  /* index of the first token after this subtree */
} tl_sim_jtok_t;

/* Parse s[0..len) as one JSON value (surrounding whitespace allowed).
 * Returns the number of tokens used, or -1 on syntax error, too deep,
 * too many tokens, or trailing garbage. */
int tl_sim_json_parse(const char *s, size_t len, tl_sim_jtok_t *t, int ntok);

/* Index of the value of member `key` in object token `obj`, or -1. */
int tl_sim_json_get(const char *s, const tl_sim_jtok_t *t, int obj,
		    const char *key);

/* Decode string/number/bool token i into out[cap] (NUL-terminated).
 * Strings have their escapes decoded (\uXXXX only below 0x80).
 * Returns the length, or -1 if it does not fit or is not a scalar. */
int tl_sim_json_text(const char *s, const tl_sim_jtok_t *t, int i,
		     char *out, size_t cap);

/* Integer value of a number (or numeric string) token; false if not an
 * integer that fits int64. */
bool tl_sim_json_int(const char *s, const tl_sim_jtok_t *t, int i,
		     int64_t *out);

/* A request id (streams' SUBSCRIBE, the WebSocket API) as JSON into
 * out[80]: an unsigned integer as Binance documents, a string of up to 64
 * [0-9A-Za-z_-] (UUIDs; the official connector sends 32 hex characters),
 * or null when absent or null. False when it is none of these. */
bool tl_sim_json_id(const char *m, const tl_sim_jtok_t *t, int ii, char out[80]);

#endif /* TL_SIM_JSON_IN_H */
