/*
 * market.c - decoders of the venue's polled market answers (market.h).
 */
#define _GNU_SOURCE
#include "io/binance/market.h"

#include <string.h>

#include <cjson/cJSON.h>

#include "kernel/fixed.h"
#include "kernel/symbols.h"

int tl_binance_decode_server_time(const char *body, size_t len, int64_t *ms)
{
	static const char tag[] = "\"serverTime\":";
	const char *p, *end;
	int64_t v = 0;
	int digits = 0;

	if (!body || !ms)
		return -1;
	end = body + (len < 127 ? len : 127);
	if (!(p = memmem(body, (size_t)(end - body), tag, sizeof(tag) - 1)))
		return -1;
	p += sizeof(tag) - 1;
	while (p < end && *p == ' ')
		p++;
	/* 13 digits reach year 2286: a 14th is no time (and no overflow) */
	for (; p < end && *p >= '0' && *p <= '9'; p++) {
		if (++digits > 13)
			return -1;
		v = v * 10 + (*p - '0');
	}
	/* digits cut by the 127-byte window may be a longer number's head */
	if (p == end && end != body + len)
		return -1;
	if (!digits || (p < end && (*p == '.' || *p == 'e' || *p == 'E')) || v <= 0 ||
	    v >= TL_BINANCE_TIME_MAX_MS)
		return -1;
	*ms = v;
	return 0;
}

int tl_binance_decode_premium_index(const char *body, size_t len, tl_time_t now,
				    tl_binance_want_fn want, tl_binance_mark_fn emit,
				    void *ctx)
{
	cJSON *root = cJSON_ParseWithLength(body, len);
	const cJSON *e;
	int n = 0;

	if (!root)
		return -1;
	cJSON_ArrayForEach(e, root) {
		const cJSON *s = cJSON_GetObjectItemCaseSensitive(e, "symbol");
		const cJSON *mp = cJSON_GetObjectItemCaseSensitive(e, "markPrice");
		tl_input_t in;
		tl_fx_t px;

		if (!cJSON_IsString(s) || !cJSON_IsString(mp) ||
		    strlen(s->valuestring) >= TL_SYMBOL_NAMELEN || !want(ctx, s->valuestring) ||
		    tl_fx_parse(mp->valuestring, strlen(mp->valuestring), &px) != TL_FX_OK ||
		    px <= 0)
			continue;
		memset(&in, 0, sizeof(in));
		in.hdr.type = TL_IN_MARK;
		in.hdr.time = now;
		memcpy(in.u.mark.symbol, s->valuestring, strlen(s->valuestring) + 1);
		in.u.mark.price = px;
		emit(ctx, &in);
		n++;
	}
	cJSON_Delete(root);
	return n;
}
