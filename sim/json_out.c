/*
 * json_out.c - append-only JSON writer (see json_out.h).
 *
 * Invariant: while !overflow, buf[len] == '\0' and buf[0..len) is the JSON
 * written so far. `first` tracks, per nesting level, whether the next value
 * is the first member (no comma). A key marks its level non-first and
 * suppresses the comma for the value that follows it.
 */
#include "sim/json_out.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

void tl_sim_jw_init(tl_sim_jw_t *w, char *buf, size_t cap)
{
	w->buf = buf;
	w->cap = cap;
	w->len = 0;
	w->first = 1;
	w->depth = 0;
	w->after_key = false;
	w->overflow = cap == 0;
	if (cap)
		buf[0] = '\0';
}

static void jw_put(tl_sim_jw_t *w, const char *s, size_t n)
{
	if (w->overflow)
		return;
	if (w->len + n + 1 > w->cap) {
		w->overflow = true;
		return;
	}
	memcpy(w->buf + w->len, s, n);
	w->len += n;
	w->buf[w->len] = '\0';
}

static void jw_putc(tl_sim_jw_t *w, char c)
{
	jw_put(w, &c, 1);
}

/* Comma handling before a value or key at the current level. */
static void jw_sep(tl_sim_jw_t *w)
{
	uint32_t bit = 1u << (w->depth & 31);

	if (w->first & bit)
		w->first &= ~bit;
	else
		jw_putc(w, ',');
}

/* Prefix for a value: a comma unless it follows its key. */
static void jw_begin_value(tl_sim_jw_t *w)
{
	if (w->after_key)
		w->after_key = false;
	else
		jw_sep(w);
}

static void jw_open(tl_sim_jw_t *w, char c)
{
	jw_begin_value(w);
	jw_putc(w, c);
	if (w->depth < 31)
		w->depth++;
	w->first |= 1u << w->depth;
}

static void jw_close(tl_sim_jw_t *w, char c)
{
	if (w->depth > 0)
		w->depth--;
	jw_putc(w, c);
}

void tl_sim_jw_obj(tl_sim_jw_t *w) { jw_open(w, '{'); }
void tl_sim_jw_obj_end(tl_sim_jw_t *w) { jw_close(w, '}'); }
void tl_sim_jw_arr(tl_sim_jw_t *w) { jw_open(w, '['); }
void tl_sim_jw_arr_end(tl_sim_jw_t *w) { jw_close(w, ']'); }

static void jw_escaped(tl_sim_jw_t *w, const char *s)
{
	jw_putc(w, '"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		char esc[8];

		if (c == '"' || c == '\\') {
			esc[0] = '\\';
			esc[1] = (char)c;
			jw_put(w, esc, 2);
		} else if (c < 0x20) {
			snprintf(esc, sizeof esc, "\\u%04x", c);
			jw_put(w, esc, 6);
		} else {
			jw_putc(w, (char)c);
		}
	}
	jw_putc(w, '"');
}

void tl_sim_jw_key(tl_sim_jw_t *w, const char *k)
{
	jw_sep(w);
	jw_escaped(w, k);
	jw_putc(w, ':');
	w->after_key = true;
}

void tl_sim_jw_str(tl_sim_jw_t *w, const char *s)
{
	jw_begin_value(w);
	jw_escaped(w, s);
}

void tl_sim_jw_int(tl_sim_jw_t *w, int64_t v)
{
	char b[24];
	int n = snprintf(b, sizeof b, "%" PRId64, v);

	jw_begin_value(w);
	jw_put(w, b, (size_t)n);
}

void tl_sim_jw_bool(tl_sim_jw_t *w, bool v)
{
	jw_begin_value(w);
	if (v)
		jw_put(w, "true", 4);
	else
		jw_put(w, "false", 5);
}

void tl_sim_jw_null(tl_sim_jw_t *w)
{
	jw_begin_value(w);
	jw_put(w, "null", 4);
}

void tl_sim_jw_fx(tl_sim_jw_t *w, tl_fx_t v, int dec)
{
	char b[TL_FX_STRLEN + 2];
	int n;

	b[0] = '"';
	n = tl_fx_format(v, dec, b + 1, TL_FX_STRLEN);
	b[n + 1] = '"';
	jw_begin_value(w);
	jw_put(w, b, (size_t)n + 2);
}

void tl_sim_jw_raw(tl_sim_jw_t *w, const char *json, size_t len)
{
	jw_begin_value(w);
	jw_put(w, json, len);
}

void tl_sim_jw_kstr(tl_sim_jw_t *w, const char *k, const char *s)
{
	tl_sim_jw_key(w, k);
	tl_sim_jw_str(w, s);
}

void tl_sim_jw_kint(tl_sim_jw_t *w, const char *k, int64_t v)
{
	tl_sim_jw_key(w, k);
	tl_sim_jw_int(w, v);
}

void tl_sim_jw_kbool(tl_sim_jw_t *w, const char *k, bool v)
{
	tl_sim_jw_key(w, k);
	tl_sim_jw_bool(w, v);
}

void tl_sim_jw_kfx(tl_sim_jw_t *w, const char *k, tl_fx_t v, int dec)
{
	tl_sim_jw_key(w, k);
	tl_sim_jw_fx(w, v, dec);
}
