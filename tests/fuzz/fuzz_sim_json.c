/*
 * fuzz_sim_json.c - libFuzzer target: the simulator's bounded JSON
 * tokenizer (sim/json_in.c) for untrusted bodies (batchOrders, id lists,
 * WebSocket control messages, config files).
 *
 * Input: byte 0 picks the token array size (1..64, or 4096), the rest is
 * the text. Properties (abort on failure):
 *   - the result is -1 or 1..ntok tokens (never past the array, which is
 *     exactly sized so ASan sees an overrun);
 *   - every token's byte range lies inside the text, its type is valid,
 *     and the tree is consistent: token 0 spans everything (skip ==
 *     count), a container's members are exactly its subtree (walking by
 *     skip from i+1 reaches skip[i] after `size` members, objects in
 *     key/value pairs with string keys), nesting at most 32 deep;
 *   - scalar text decoding stays within its capacity at every size and
 *     NUL-terminates; an integer token parses the same as strtoll;
 *   - tl_sim_json_get finds the first key of the top object.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/json_in.h"

static void check(bool ok)
{
	if (!ok)
		abort();
}

static const char *S;
static size_t LEN;
static tl_sim_jtok_t *T;
static int N;

/* Token i and its subtree: returns the index after it. */
static int walk(int i, int depth)
{
	const tl_sim_jtok_t *t = &T[i];
	int j = i + 1;

	check(i < N && depth <= 33);
	check(t->type >= TL_SIM_JT_OBJ && t->type <= TL_SIM_JT_NULL);
	check(t->start <= t->end && t->end <= LEN);
	check(t->skip > (uint32_t)i && t->skip <= (uint32_t)N);
	if (t->type == TL_SIM_JT_OBJ || t->type == TL_SIM_JT_ARR) {
		uint32_t per = t->type == TL_SIM_JT_OBJ ? 2 : 1;
		for (uint32_t m = 0; m < t->size * per; m++) {
			check(j < N);
			if (per == 2 && m % 2 == 0)
				check(T[j].type == TL_SIM_JT_STR);
			check(T[j].start >= t->start && T[j].end <= t->end);
			j = walk(j, depth + 1);
		}
	} else {
		check(t->size == 0);
	}
	check((uint32_t)j == t->skip);
	return j;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int ntok;

	if (size < 1)
		return 0;
	ntok = data[0] == 0xFF ? 4096 : (data[0] & 63) + 1;
	S = (const char *)data + 1;
	LEN = size - 1;
	T = malloc(sizeof *T * (size_t)ntok);
	N = tl_sim_json_parse(S, LEN, T, ntok);
	check(N == -1 || (N >= 1 && N <= ntok));
	if (N > 0) {
		check(walk(0, 0) == N);
		for (int i = 0; i < N; i++) {
			if (T[i].type == TL_SIM_JT_OBJ || T[i].type == TL_SIM_JT_ARR)
				continue;
			for (size_t cap = 0; cap < 24; cap += 7) {
				char *out = malloc(cap ? cap : 1);
				int n = tl_sim_json_text(S, T, i, out, cap);
				check(n < 0 || ((size_t)n < cap && out[n] == '\0'));
				free(out);
			}
			int64_t v;
			if (T[i].type == TL_SIM_JT_NUM && tl_sim_json_int(S, T, i, &v)) {
				char tmp[32];
				size_t n = T[i].end - T[i].start;
				check(n < sizeof tmp);
				memcpy(tmp, S + T[i].start, n);
				tmp[n] = '\0';
				errno = 0;
				check(strtoll(tmp, NULL, 10) == v && errno == 0);
			}
		}
		if (T[0].type == TL_SIM_JT_OBJ && T[0].size > 0) {
			/* get compares the raw key bytes: the first key's own
			 * bytes find it (unless they hold a NUL). */
			char key[64];
			size_t kl = T[1].end - T[1].start;
			if (kl < sizeof key && !memchr(S + T[1].start, 0, kl)) {
				memcpy(key, S + T[1].start, kl);
				key[kl] = '\0';
				check(tl_sim_json_get(S, T, 0, key) == 2);
			}
		}
	}
	free(T);
	return 0;
}
