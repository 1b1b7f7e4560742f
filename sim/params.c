/*
 * params.c - query/form parameter parsing (see params.h).
 *
 * Decoded names and values are packed into p->buf; tl_sim_param_t points
 * into it. Query parameters are added first, so the "query wins" rule is a
 * lookup that skips body duplicates of names already present.
 */
#include "sim/params.h"

#include <string.h>
#include <strings.h>

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int tl_sim_url_decode(const char *src, size_t len, char *dst, size_t cap)
{
	size_t i, n = 0;

	for (i = 0; i < len; i++) {
		char c = src[i];
		if (c == '%') {
			int h, l;
			if (i + 2 >= len)
				return -1;
			h = hexval(src[i + 1]);
			l = hexval(src[i + 2]);
			if (h < 0 || l < 0)
				return -1;
			c = (char)(h << 4 | l);
			if (c == '\0')
				return -1;
			i += 2;
		} else if (c == '+') {
			c = ' ';
		}
		if (n + 1 >= cap)
			return -1;
		dst[n++] = c;
	}
	if (cap == 0)
		return -1;
	dst[n] = '\0';
	return (int)n;
}

static int params_find(const tl_sim_params_t *p, const char *name, bool body)
{
	int i;

	for (i = 0; i < p->n; i++)
		if (p->p[i].from_body == body &&
		    strcasecmp(p->p[i].name, name) == 0)
			return i;
	return -1;
}

/* Decode into the arena; returns the string or NULL when out of room. */
static char *params_store(tl_sim_params_t *p, const char *s, size_t len)
{
	char *dst = p->buf + p->used;
	int n = tl_sim_url_decode(s, len, dst, sizeof p->buf - p->used);

	if (n < 0)
		return NULL;
	p->used += (size_t)n + 1;
	return dst;
}

static int params_part(tl_sim_params_t *p, const char *s, size_t len,
		       bool body, tl_sim_err_t *e)
{
	size_t i = 0;

	while (i < len) {
		size_t j = i, eq;
		char *name, *value;

		while (j < len && s[j] != '&')
			j++;
		if (j == i) { /* empty segment ("a=1&&b=2") */
			i = j + 1;
			continue;
		}
		eq = i;
		while (eq < j && s[eq] != '=')
			eq++;
		name = params_store(p, s + i, eq - i);
		value = name ? params_store(p, s + (eq < j ? eq + 1 : j),
					    eq < j ? j - eq - 1 : 0) : NULL;
		if (!name || !value)
			return tl_sim_errf(e, -1100,
					   "Illegal characters found in a parameter (bad percent-encoding or too long).");
		if (params_find(p, name, body) >= 0)
			return tl_sim_err(e, -1101);
		if (!body || params_find(p, name, false) < 0) {
			if (p->n >= TL_SIM_PARAMS_MAX)
				return tl_sim_errf(e, -1101,
						   "Too many parameters; maximum is %d.",
						   TL_SIM_PARAMS_MAX);
			p->p[p->n++] = (tl_sim_param_t){ name, value, body };
		}
		i = j + 1;
	}
	return 0;
}

int tl_sim_params_parse(tl_sim_params_t *p, const char *query, size_t qlen,
			const char *body, size_t blen, tl_sim_err_t *e)
{
	int rc;

	p->n = 0;
	p->used = 0;
	rc = params_part(p, query, qlen, false, e);
	if (rc == 0)
		rc = params_part(p, body, blen, true, e);
	return rc;
}

const char *tl_sim_params_get(const tl_sim_params_t *p, const char *name)
{
	int i = params_find(p, name, false);

	if (i < 0)
		i = params_find(p, name, true);
	return i < 0 ? NULL : p->p[i].value;
}

const char *tl_sim_params_val(const tl_sim_params_t *p, const char *name)
{
	const char *v = tl_sim_params_get(p, name);

	return v && *v ? v : NULL;
}

int tl_sim_params_add(tl_sim_params_t *p, const char *name,
		      const char *value, tl_sim_err_t *e)
{
	size_t nl = strlen(name) + 1, vl = strlen(value) + 1;
	char *dst = p->buf + p->used;

	if (params_find(p, name, false) >= 0)
		return tl_sim_err(e, -1101);
	if (p->n >= TL_SIM_PARAMS_MAX || p->used + nl + vl > sizeof p->buf)
		return tl_sim_errf(e, -1101, "Too many parameters.");
	memcpy(dst, name, nl);
	memcpy(dst + nl, value, vl);
	p->used += nl + vl;
	p->p[p->n++] = (tl_sim_param_t){ dst, dst + nl, false };
	return 0;
}
