/*
 * json_in.c - recursive-descent JSON tokenizer (see json_in.h).
 *
 * Invariant: a token is appended before its children, and its `skip` is
 * set after them, so t[i+1 .. t[i].skip) is exactly i's subtree.
 */
#include "sim/json_in.h"

#include <stdio.h>
#include <string.h>

#define JSON_MAX_DEPTH 32

typedef struct jp {
	const char *s;
	size_t len, pos;
	tl_sim_jtok_t *t;
	int n, cap;
} jp_t;

static void jp_ws(jp_t *p)
{
	while (p->pos < p->len) {
		char c = p->s[p->pos];
		if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
			break;
		p->pos++;
	}
}

static int jp_tok(jp_t *p, uint8_t type, size_t start)
{
	if (p->n >= p->cap)
		return -1;
	p->t[p->n] = (tl_sim_jtok_t){ .type = type, .start = (uint32_t)start,
				      .end = (uint32_t)start };
	return p->n++;
}

static int jp_value(jp_t *p, int depth);

static int jp_string(jp_t *p)
{
	size_t start = ++p->pos;
	int i;

	while (p->pos < p->len) {
		unsigned char c = (unsigned char)p->s[p->pos];
		if (c == '"')
			break;
		if (c < 0x20)
			return -1;
		if (c == '\\') {
			p->pos++;
			if (p->pos >= p->len)
				return -1;
		}
		p->pos++;
	}
	if (p->pos >= p->len)
		return -1;
	i = jp_tok(p, TL_SIM_JT_STR, start);
	if (i < 0)
		return -1;
	p->t[i].end = (uint32_t)p->pos;
	p->t[i].skip = (uint32_t)p->n;
	p->pos++;
	return i;
}

static int jp_literal(jp_t *p, const char *lit, uint8_t type)
{
	size_t n = strlen(lit);
	int i;

	if (p->len - p->pos < n || memcmp(p->s + p->pos, lit, n) != 0)
		return -1;
	i = jp_tok(p, type, p->pos);
	if (i < 0)
		return -1;
	p->pos += n;
	p->t[i].end = (uint32_t)p->pos;
	p->t[i].skip = (uint32_t)p->n;
	return i;
}

static int jp_number(jp_t *p)
{
	size_t start = p->pos;
	int i;

	if (p->s[p->pos] == '-')
		p->pos++;
	while (p->pos < p->len) {
		char c = p->s[p->pos];
		if (!((c >= '0' && c <= '9') || c == '.' || c == 'e' ||
		      c == 'E' || c == '+' || c == '-'))
			break;
		p->pos++;
	}
	if (p->pos == start || (p->pos == start + 1 && p->s[start] == '-'))
		return -1;
	i = jp_tok(p, TL_SIM_JT_NUM, start);
	if (i < 0)
		return -1;
	p->t[i].end = (uint32_t)p->pos;
	p->t[i].skip = (uint32_t)p->n;
	return i;
}

static int jp_container(jp_t *p, int depth, bool obj)
{
	char close = obj ? '}' : ']';
	int i = jp_tok(p, obj ? TL_SIM_JT_OBJ : TL_SIM_JT_ARR, p->pos);

	if (i < 0 || depth >= JSON_MAX_DEPTH)
		return -1;
	p->pos++;
	jp_ws(p);
	if (p->pos < p->len && p->s[p->pos] == close) {
		p->pos++;
		goto done;
	}
	for (;;) {
		jp_ws(p);
		if (obj) {
			if (p->pos >= p->len || p->s[p->pos] != '"' ||
			    jp_string(p) < 0)
				return -1;
			jp_ws(p);
			if (p->pos >= p->len || p->s[p->pos] != ':')
				return -1;
			p->pos++;
			jp_ws(p);
		}
		if (jp_value(p, depth + 1) < 0)
			return -1;
		p->t[i].size++;
		jp_ws(p);
		if (p->pos >= p->len)
			return -1;
		if (p->s[p->pos] == ',') {
			p->pos++;
			continue;
		}
		if (p->s[p->pos] != close)
			return -1;
		p->pos++;
		break;
	}
done:
	p->t[i].end = (uint32_t)p->pos;
	p->t[i].skip = (uint32_t)p->n;
	return i;
}

static int jp_value(jp_t *p, int depth)
{
	if (p->pos >= p->len)
		return -1;
	switch (p->s[p->pos]) {
	case '{': return jp_container(p, depth, true);
	case '[': return jp_container(p, depth, false);
	case '"': return jp_string(p);
	case 't': return jp_literal(p, "true", TL_SIM_JT_TRUE);
	case 'f': return jp_literal(p, "false", TL_SIM_JT_FALSE);
	case 'n': return jp_literal(p, "null", TL_SIM_JT_NULL);
	default: return jp_number(p);
	}
}

int tl_sim_json_parse(const char *s, size_t len, tl_sim_jtok_t *t, int ntok)
{
	jp_t p = { .s = s, .len = len, .t = t, .cap = ntok };

	if (len > UINT32_MAX - 1)
		return -1;
	jp_ws(&p);
	if (jp_value(&p, 0) < 0)
		return -1;
	jp_ws(&p);
	if (p.pos != len)
		return -1;
	return p.n;
}

int tl_sim_json_get(const char *s, const tl_sim_jtok_t *t, int obj,
		    const char *key)
{
	size_t kl = strlen(key);
	uint32_t i, m;

	if (obj < 0 || t[obj].type != TL_SIM_JT_OBJ)
		return -1;
	i = (uint32_t)obj + 1;
	for (m = 0; m < t[obj].size; m++) {
		const tl_sim_jtok_t *k = &t[i];
		if (k->end - k->start == kl &&
		    memcmp(s + k->start, key, kl) == 0)
			return (int)i + 1;
		i = t[i + 1].skip;
	}
	return -1;
}

int tl_sim_json_text(const char *s, const tl_sim_jtok_t *t, int i,
		     char *out, size_t cap)
{
	const tl_sim_jtok_t *k;
	size_t n = 0, j;

	if (i < 0 || cap == 0)
		return -1;
	k = &t[i];
	if (k->type == TL_SIM_JT_OBJ || k->type == TL_SIM_JT_ARR)
		return -1;
	for (j = k->start; j < k->end; j++) {
		char c = s[j];
		if (c == '\\' && k->type == TL_SIM_JT_STR && j + 1 < k->end) {
			c = s[++j];
			switch (c) {
			case 'n': c = '\n'; break;
			case 't': c = '\t'; break;
			case 'r': c = '\r'; break;
			case 'b': c = '\b'; break;
			case 'f': c = '\f'; break;
			case 'u': {
				unsigned v = 0;
				int d;
				if (j + 4 >= k->end)
					return -1;
				for (d = 0; d < 4; d++) {
					char h = s[++j];
					v <<= 4;
					if (h >= '0' && h <= '9') v |= (unsigned)(h - '0');
					else if (h >= 'a' && h <= 'f') v |= (unsigned)(h - 'a' + 10);
					else if (h >= 'A' && h <= 'F') v |= (unsigned)(h - 'A' + 10);
					else return -1;
				}
				if (v >= 0x80 || v == 0)
					return -1;
				c = (char)v;
				break;
			}
			default: break; /* \" \\ \/ */
			}
		}
		if (n + 1 >= cap)
			return -1;
		out[n++] = c;
	}
	out[n] = '\0';
	return (int)n;
}

bool tl_sim_json_int(const char *s, const tl_sim_jtok_t *t, int i,
		     int64_t *out)
{
	char b[24];
	int n = tl_sim_json_text(s, t, i, b, sizeof b);
	int64_t v = 0;
	int j = 0;
	bool neg = false;

	if (n <= 0)
		return false;
	if (b[0] == '-') {
		neg = true;
		j = 1;
	}
	if (j >= n)
		return false;
	for (; j < n; j++) {
		if (b[j] < '0' || b[j] > '9')
			return false;
		if (v > (INT64_MAX - 9) / 10)
			return false;
		v = v * 10 + (b[j] - '0');
	}
	*out = neg ? -v : v;
	return true;
}

bool tl_sim_json_id(const char *m, const tl_sim_jtok_t *t, int ii, char out[80])
{
	char txt[66];
	int64_t id;
	int n, k;

	if (ii < 0 || t[ii].type == TL_SIM_JT_NULL) {
		memcpy(out, "null", 5);
		return true;
	}
	if (t[ii].type == TL_SIM_JT_NUM) {
		if (!tl_sim_json_int(m, t, ii, &id) || id < 0)
			return false;
		snprintf(out, 80, "%lld", (long long)id);
		return true;
	}
	if (t[ii].type != TL_SIM_JT_STR ||
	    (n = tl_sim_json_text(m, t, ii, txt, sizeof txt)) <= 0 || n > 64)
		return false;
	for (k = 0; k < n; k++)
		if (!(txt[k] >= '0' && txt[k] <= '9') && !(txt[k] >= 'a' && txt[k] <= 'z') &&
		    !(txt[k] >= 'A' && txt[k] <= 'Z') && txt[k] != '_' && txt[k] != '-')
			return false;
	snprintf(out, 80, "\"%s\"", txt);
	return true;
}
