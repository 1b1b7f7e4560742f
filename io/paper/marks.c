/*
 * paper_marks.c - the paper venue's mark prices: a seeded random walk or
 * a CSV replay (see paper.h for the CSV format).
 *
 * Walk: every mark_interval_ns after the first poll, each symbol that has
 * a mark moves by m basis points, m uniform in [-walk_bps, walk_bps] from
 * splitmix64; the move is rounded to a whole number of ticks (at least one
 * tick when m != 0), the result is kept on the tick, above zero and at most
 * the symbol's max price. Integer math only, so a seed gives one path.
 * A poll that is late by more than TL_PAPER_STEPS_PER_POLL steps drops the
 * rest and restarts the walk at that poll (the walk has no history to keep).
 *
 * CSV: rows are emitted when the venue's clock reaches t0 + time_ms, t0
 * being the first poll's time; every row is emitted, however late.
 */
#include "io/paper/internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define CSV_MAX_MS 1000000000000LL   /* 1e12 ms: ~31 years of replay */

void tl_paper_marks_start(tl_paper_t *p)
{
	p->started = true;
	p->t0 = p->now;
	for (uint32_t s = 0; s < p->nsym; s++)
		if (p->sym[s].mark > 0)
			tl_paper_mark_changed(p, s, p->sym[s].mark);
	if (!p->rows && p->cfg.mark_interval_ns > 0)
		p->next_step = p->now + p->cfg.mark_interval_ns;
}

tl_time_t tl_paper_marks_next(const tl_paper_t *p)
{
	if (!p->started)
		return INT64_MAX;
	if (p->rows)
		return p->row < p->nrows
			       ? p->t0 + p->rows[p->row].t_ms * TL_NS_PER_MS
			       : INT64_MAX;
	return p->next_step;
}

/* One walk move of symbol s. */
static tl_fx_t paper_walk(tl_paper_t *p, const tl_paper_sym_t *s)
{
	int64_t w = p->cfg.walk_bps;
	int64_t m = (int64_t)(tl_paper_rand(&p->rng_mark) % (uint64_t)(2 * w + 1)) - w;
	tl_fx_t ticks = 0, next = s->mark;
	if (m != 0) {
		if (!tl_fx_div_wide((__int128)s->mark * m, 10000 * s->tick,
				    TL_FX_NEAREST, &ticks))
			ticks = 0;
		if (ticks == 0)
			ticks = m > 0 ? 1 : -1;
		__int128 n = (__int128)s->mark + (__int128)ticks * s->tick;
		next = n > INT64_MAX ? INT64_MAX : n < 0 ? 0 : (tl_fx_t)n;
	}
	tl_fx_t q;
	if (tl_fx_quantize(next, s->tick, TL_FX_NEAREST, &q))
		next = q;
	if (s->max_price > 0 && next > s->max_price &&
	    tl_fx_quantize(s->max_price, s->tick, TL_FX_FLOOR, &q))
		next = q;
	if (next <= 0)
		next = s->tick;
	return next;
}

void tl_paper_marks_step(tl_paper_t *p, bool late)
{
	if (p->rows) {
		const tl_paper_row_t *r = &p->rows[p->row++];
		tl_paper_mark_changed(p, r->sym, r->price);
		return;
	}
	if (late) {
		p->next_step = p->now + p->cfg.mark_interval_ns;
		return;
	}
	for (uint32_t s = 0; s < p->nsym; s++)
		if (p->sym[s].mark > 0)
			tl_paper_mark_changed(p, s, paper_walk(p, &p->sym[s]));
	p->next_step += p->cfg.mark_interval_ns;
}

/* ---- CSV ---------------------------------------------------------------- */

/* Parse one data line (NUL-terminated, no newline) into *row; 0 or -1
 * with the reason in err (no location). */
static int paper_csv_row(tl_paper_t *p, char *line, tl_paper_row_t *row,
			 char *err, size_t errlen)
{
	char *f[3];
	int n = 0;
	f[n++] = line;
	for (char *c = line; *c; c++) {
		if (*c != ',')
			continue;
		if (n == 3) {
			snprintf(err, errlen, "expected 3 fields time,symbol,price");
			return -1;
		}
		*c = '\0';
		f[n++] = c + 1;
	}
	if (n != 3) {
		snprintf(err, errlen, "expected 3 fields time,symbol,price");
		return -1;
	}
	size_t tl = strlen(f[0]);
	int64_t t = 0;
	if (tl == 0 || tl > 13) {
		snprintf(err, errlen, "time: expected milliseconds 0..%lld",
			 (long long)CSV_MAX_MS);
		return -1;
	}
	for (size_t i = 0; i < tl; i++) {
		if (f[0][i] < '0' || f[0][i] > '9') {
			snprintf(err, errlen, "time: expected milliseconds, got \"%.20s\"",
				 f[0]);
			return -1;
		}
		t = t * 10 + (f[0][i] - '0');
	}
	if (t > CSV_MAX_MS) {
		snprintf(err, errlen, "time: %lld ms is beyond %lld", (long long)t,
			 (long long)CSV_MAX_MS);
		return -1;
	}
	int sid = strlen(f[1]) < TL_SYMBOL_NAMELEN ? tl_symbols_find(p->syms, f[1]) : -1;
	if (sid < 0 || (uint32_t)sid >= p->nsym) {
		snprintf(err, errlen, "unknown symbol \"%.24s\"", f[1]);
		return -1;
	}
	tl_fx_t px;
	tl_fx_err_t fe = tl_fx_parse_cstr(f[2], &px);
	if (fe != TL_FX_OK) {
		snprintf(err, errlen, "price \"%.24s\": %s", f[2], tl_fx_strerror(fe));
		return -1;
	}
	if (px <= 0 || !tl_fx_on_step(px, p->sym[sid].tick)) {
		char tick[TL_FX_STRLEN];
		tl_fx_format(p->sym[sid].tick, -1, tick, sizeof(tick));
		snprintf(err, errlen, "price %s must be > 0 and on tick %s", f[2], tick);
		return -1;
	}
	row->t_ms = t;
	row->sym = (uint32_t)sid;
	row->price = px;
	return 0;
}

int tl_paper_marks_load(tl_paper_t *p, const char *path, char *err, size_t errlen)
{
	char *buf = NULL;
	FILE *fp = fopen(path, "rb");
	if (!fp) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	struct stat st;
	if (fstat(fileno(fp), &st) != 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		goto err;
	}
	if ((uint64_t)st.st_size > TL_PAPER_CSV_MAX_BYTES) {
		snprintf(err, errlen, "%s: larger than %u bytes", path,
			 TL_PAPER_CSV_MAX_BYTES);
		goto err;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		snprintf(err, errlen, "%s: out of memory", path);
		goto err;
	}
	size_t len = fread(buf, 1, (size_t)st.st_size, fp);
	if (ferror(fp) || len != (size_t)st.st_size) {
		snprintf(err, errlen, "%s: read error", path);
		goto err;
	}
	buf[len] = '\0';
	if (memchr(buf, '\0', len)) {
		snprintf(err, errlen, "%s: contains a NUL byte", path);
		goto err;
	}
	size_t lines = 1;
	for (size_t i = 0; i < len; i++)
		lines += buf[i] == '\n';
	if (lines > TL_PAPER_CSV_MAX_ROWS + 16u)
		lines = TL_PAPER_CSV_MAX_ROWS + 16u;
	p->rows = calloc(lines, sizeof(*p->rows));
	if (!p->rows) {
		snprintf(err, errlen, "%s: out of memory", path);
		goto err;
	}
	char why[160];
	uint32_t lineno = 0;
	for (char *line = buf, *end; line; line = end) {
		end = strchr(line, '\n');
		if (end)
			*end++ = '\0';
		lineno++;
		size_t n = strlen(line);
		if (n && line[n - 1] == '\r')
			line[--n] = '\0';
		if (n == 0 || line[0] == '#')
			continue;
		if (p->nrows == 0 && strcmp(line, "time,symbol,price") == 0)
			continue;
		if (p->nrows == TL_PAPER_CSV_MAX_ROWS) {
			snprintf(err, errlen, "%s:%u: more than %u rows", path, lineno,
				 TL_PAPER_CSV_MAX_ROWS);
			goto err;
		}
		tl_paper_row_t *r = &p->rows[p->nrows];
		if (paper_csv_row(p, line, r, why, sizeof(why)) != 0) {
			snprintf(err, errlen, "%s:%u: %s", path, lineno, why);
			goto err;
		}
		if (p->nrows && r->t_ms < p->rows[p->nrows - 1].t_ms) {
			snprintf(err, errlen, "%s:%u: time goes backwards (%lld < %lld)",
				 path, lineno, (long long)r->t_ms,
				 (long long)p->rows[p->nrows - 1].t_ms);
			goto err;
		}
		p->nrows++;
	}
	if (p->nrows == 0) {
		snprintf(err, errlen, "%s: no marks", path);
		goto err;
	}
	free(buf);
	fclose(fp);
	return 0;
err:
	free(p->rows);
	p->rows = NULL;
	p->nrows = 0;
	free(buf);
	fclose(fp);
	return -1;
}
