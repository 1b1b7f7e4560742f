/*
 * svg.c - line plots as SVG 1.1 text (see svg.h).
 *
 * Layout (px): the canvas is 900 x 500; the plot area spans x 90..640 and
 * y 50..420; x tick labels sit under it, the x axis label at y 470, the y
 * axis label rotated at x 22, the legend in the column x 660..890.
 *
 * Axis ranges: the y axis (log) spans whole decades around the data
 * (1 decade at least); decades are labelled, and when the axis spans 2
 * decades or fewer the 2x and 5x lines are labelled too. A log x axis is
 * built the same way; the nines axis is fixed (p50 .. max).
 */
#include "bench/support/svg.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define SVG_W 900
#define SVG_H 500
#define SVG_L 90.0    /* plot area */
#define SVG_R 640.0
#define SVG_T 50.0
#define SVG_B 420.0
#define SVG_LEG_X 660.0

static const char *const svg_palette[TL_SVG_MAX_SERIES] = {
	"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b",
	"#e377c2", "#17becf", "#7f7f7f", "#bcbd22", "#000000", "#aec7e8",
};

/* ---- math without libm ------------------------------------------------ */

static const double svg_ln10 = 2.302585092994045684;
static const double svg_ln2 = 0.693147180559945309;

static bool svg_finite(double x)
{
	return x == x && x < 1e308 && x > -1e308;
}

double tl_svg_log10(double x)
{
	if (!(x > 0) || !svg_finite(x))
		return 0;
	int e10 = 0, e2 = 0;
	while (x >= 10) {
		x /= 10;
		e10++;
	}
	while (x < 1) {
		x *= 10;
		e10--;
	}
	while (x >= 1.5) {      /* x in [1, 1.5): fast atanh series */
		x /= 2;
		e2++;
	}
	double z = (x - 1) / (x + 1), z2 = z * z, term = z, ln = 0;
	for (int k = 1; k < 40; k += 2) {
		ln += term / k;
		term *= z2;
	}
	ln = 2 * ln + e2 * svg_ln2;
	return e10 + ln / svg_ln10;
}

double tl_svg_pow10(double x)
{
	if (x > 300)
		x = 300;
	if (x < -300)
		x = -300;
	int i = (int)x;
	if ((double)i > x)
		i--;
	double f = (x - i) * svg_ln10, term = 1, e = 1;
	for (int k = 1; k < 40; k++) {
		term *= f / k;
		e += term;
	}
	for (; i > 0; i--)
		e *= 10;
	for (; i < 0; i++)
		e /= 10;
	return e;
}

double tl_svg_nines(double pct)
{
	if (pct >= 100)
		return 5.0;
	if (pct <= 0)
		return 0;
	return -tl_svg_log10(1.0 - pct / 100.0);
}

/* ---- building --------------------------------------------------------- */

/* Copy, truncating to cap - 1 bytes. */
static void svg_copy(char *dst, size_t cap, const char *src)
{
	size_t n = strlen(src);
	if (n >= cap)
		n = cap - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

void tl_svg_init(tl_svg_plot_t *p, const char *title, const char *xlabel,
		 const char *ylabel, tl_svg_axis_t xaxis, tl_svg_fmt_t xfmt,
		 tl_svg_fmt_t yfmt)
{
	memset(p, 0, sizeof(*p));
	svg_copy(p->title, sizeof(p->title), title);
	svg_copy(p->xlabel, sizeof(p->xlabel), xlabel);
	svg_copy(p->ylabel, sizeof(p->ylabel), ylabel);
	p->xaxis = xaxis;
	p->xfmt = xfmt;
	p->yfmt = yfmt;
}

tl_svg_series_t *tl_svg_add(tl_svg_plot_t *p, const char *name, bool dashed)
{
	if (p->nseries >= TL_SVG_MAX_SERIES)
		return NULL;
	tl_svg_series_t *s = &p->s[p->nseries++];
	memset(s, 0, sizeof(*s));
	svg_copy(s->name, sizeof(s->name), name);
	s->dashed = dashed;
	return s;
}

void tl_svg_point(tl_svg_series_t *s, double x, double y)
{
	if (s->n >= TL_SVG_MAX_POINTS)
		return;
	s->x[s->n] = x;
	s->y[s->n] = y;
	s->n++;
}

static bool svg_ok(const tl_svg_plot_t *p, double x, double y)
{
	if (!svg_finite(x) || !svg_finite(y) || !(y > 0))
		return false;
	return p->xaxis == TL_SVG_X_NINES || x > 0;
}

int tl_svg_drawable(const tl_svg_plot_t *p)
{
	int n = 0;
	for (int i = 0; i < p->nseries; i++)
		for (int k = 0; k < p->s[i].n; k++)
			n += svg_ok(p, p->s[i].x[k], p->s[i].y[k]);
	return n;
}

/* ---- writing ---------------------------------------------------------- */

/* Text content or attribute value with &, <, >, " escaped; control
 * characters dropped; at most `max` characters (then ".."). */
static void svg_text(FILE *f, const char *s, size_t max)
{
	size_t n = 0;
	for (; *s; s++, n++) {
		if (n == max) {
			fputs("..", f);
			return;
		}
		unsigned char c = (unsigned char)*s;
		switch (c) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		default:
			if (c >= 0x20)
				fputc(c, f);
		}
	}
}

/* "%g" of v with `suffix` where v is scaled to 1, 1e3, 1e6, ... */
static void svg_scaled(char *buf, size_t len, double v, const double *div,
		       const char *const *suf, int n)
{
	int i = n - 1;
	while (i > 0 && v < div[i] * 0.9999)
		i--;
	snprintf(buf, len, "%g%s", v / div[i], suf[i]);
}

static void svg_fmt(char *buf, size_t len, double v, tl_svg_fmt_t fmt)
{
	static const double dur_div[] = { 1, 1e3, 1e6, 1e9 };
	static const char *const dur_suf[] = { " ns", " \xc2\xb5s", " ms", " s" };
	static const double cnt_div[] = { 1, 1e3, 1e6, 1e9 };
	static const char *const cnt_suf[] = { "", "k", "M", "G" };
	static const char *const rate_suf[] = { "/s", "k/s", "M/s", "G/s" };
	static const double byte_div[] = { 1, 1024.0, 1048576.0, 1073741824.0 };
	static const char *const byte_suf[] = { " B", " KiB", " MiB", " GiB" };

	switch (fmt) {
	case TL_SVG_FMT_NS: svg_scaled(buf, len, v, dur_div, dur_suf, 4); break;
	case TL_SVG_FMT_COUNT: svg_scaled(buf, len, v, cnt_div, cnt_suf, 4); break;
	case TL_SVG_FMT_RATE: svg_scaled(buf, len, v, cnt_div, rate_suf, 4); break;
	case TL_SVG_FMT_BYTES: svg_scaled(buf, len, v, byte_div, byte_suf, 4); break;
	case TL_SVG_FMT_PLAIN: snprintf(buf, len, "%g", v); break;
	}
}

/* A log axis: whole decades [lo, hi] (exponents) around [min, max]. */
static void svg_decades(double min, double max, int *lo, int *hi)
{
	double a = tl_svg_log10(min), b = tl_svg_log10(max);
	int l = (int)a;
	if ((double)l > a)
		l--;
	int h = (int)b;
	if ((double)h < b - 1e-9)
		h++;
	if (h <= l)
		h = l + 1;
	*lo = l;
	*hi = h;
}

typedef struct svg_map {
	double x0, x1;    /* axis range in axis units (log10 or nines) */
	double y0, y1;    /* log10 */
} svg_map_t;

static double svg_ax(const tl_svg_plot_t *p, double x)
{
	return p->xaxis == TL_SVG_X_NINES ? x : tl_svg_log10(x);
}

static double svg_px(const svg_map_t *m, double ax)
{
	return SVG_L + (ax - m->x0) / (m->x1 - m->x0) * (SVG_R - SVG_L);
}

static double svg_py(const svg_map_t *m, double ly)
{
	return SVG_B - (ly - m->y0) / (m->y1 - m->y0) * (SVG_B - SVG_T);
}

/* Grid lines and labels of a log axis; vertical when `xaxis`. */
static void svg_log_ticks(FILE *f, const svg_map_t *m, int lo, int hi,
			  tl_svg_fmt_t fmt, bool xaxis)
{
	bool mid = hi - lo <= 2;
	char lab[48];
	for (int d = lo; d <= hi; d++) {
		double base = tl_svg_pow10(d);
		for (int k = 1; k <= 9; k++) {
			if (d == hi && k > 1)
				break;
			double l = tl_svg_log10(base * k);
			bool major = k == 1, label = major || (mid && (k == 2 || k == 5));
			const char *col = major ? "#c8c8c8" : "#ececec";
			if (xaxis) {
				double x = svg_px(m, l);
				fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
					"stroke=\"%s\" stroke-width=\"1\"/>\n", x, SVG_T, x, SVG_B, col);
				if (label) {
					svg_fmt(lab, sizeof(lab), base * k, fmt);
					fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">",
						x, SVG_B + 18);
					svg_text(f, lab, 40);
					fputs("</text>\n", f);
				}
			} else {
				double y = svg_py(m, l);
				fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
					"stroke=\"%s\" stroke-width=\"1\"/>\n", SVG_L, y, SVG_R, y, col);
				if (label) {
					svg_fmt(lab, sizeof(lab), base * k, fmt);
					fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">",
						SVG_L - 6, y + 4);
					svg_text(f, lab, 40);
					fputs("</text>\n", f);
				}
			}
		}
	}
}

static void svg_nines_ticks(FILE *f, const svg_map_t *m)
{
	static const double pct[] = { 50, 90, 99, 99.9, 99.99, 100 };
	static const char *const lab[] = { "p50", "p90", "p99", "p99.9", "p99.99", "max" };
	for (int i = 0; i < 6; i++) {
		double x = svg_px(m, tl_svg_nines(pct[i]));
		fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
			"stroke=\"#c8c8c8\" stroke-width=\"1\"/>\n", x, SVG_T, x, SVG_B);
		fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%s</text>\n",
			x, SVG_B + 18, lab[i]);
	}
}

static void svg_series(FILE *f, const tl_svg_plot_t *p, const svg_map_t *m, int i)
{
	const tl_svg_series_t *s = &p->s[i];
	const char *col = svg_palette[i % TL_SVG_MAX_SERIES];
	const char *dash = s->dashed ? " stroke-dasharray=\"7,4\"" : "";
	int n = 0;
	fprintf(f, "<g><title>");
	svg_text(f, s->name, TL_SVG_NAME_LEN);
	fprintf(f, "</title>\n<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\"%s points=\"",
		col, dash);
	for (int k = 0; k < s->n; k++) {
		if (!svg_ok(p, s->x[k], s->y[k]))
			continue;
		fprintf(f, "%s%.1f,%.1f", n++ ? " " : "", svg_px(m, svg_ax(p, s->x[k])),
			svg_py(m, tl_svg_log10(s->y[k])));
	}
	fputs("\"/>\n", f);
	for (int k = 0; k < s->n; k++) {
		if (!svg_ok(p, s->x[k], s->y[k]))
			continue;
		fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\" fill=\"%s\"/>\n",
			svg_px(m, svg_ax(p, s->x[k])), svg_py(m, tl_svg_log10(s->y[k])), col);
	}
	fputs("</g>\n", f);
}

/* Legend: a line sample and the name; a name longer than SVG_LEG_CHARS
 * wraps once (at its last space, '.' or '_' before the limit). */
#define SVG_LEG_CHARS 29

static void svg_legend(FILE *f, const tl_svg_plot_t *p)
{
	double y = SVG_T + 8;
	fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" font-weight=\"bold\">Series</text>\n",
		SVG_LEG_X, SVG_T);
	for (int i = 0; i < p->nseries; i++) {
		if (p->s[i].n == 0)
			continue;
		y += 24;
		const char *col = svg_palette[i % TL_SVG_MAX_SERIES];
		const char *name = p->s[i].name;
		fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
			"stroke-width=\"2.5\"%s/>\n", SVG_LEG_X, y - 4, SVG_LEG_X + 26, y - 4, col,
			p->s[i].dashed ? " stroke-dasharray=\"7,4\"" : "");
		fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\" fill=\"%s\"/>\n",
			SVG_LEG_X + 13, y - 4, col);
		size_t len = strlen(name), cut = len;
		if (len > SVG_LEG_CHARS) {
			cut = SVG_LEG_CHARS;
			for (size_t k = SVG_LEG_CHARS; k > 8; k--)
				if (name[k] == ' ' || name[k - 1] == '.' || name[k - 1] == '_') {
					cut = k;
					break;
				}
		}
		char first[TL_SVG_NAME_LEN];
		memcpy(first, name, cut);
		first[cut] = '\0';
		fprintf(f, "<text x=\"%.1f\" y=\"%.1f\">", SVG_LEG_X + 32, y);
		svg_text(f, first, SVG_LEG_CHARS);
		fputs("</text>\n", f);
		if (cut < len) {
			y += 15;
			fprintf(f, "<text x=\"%.1f\" y=\"%.1f\">", SVG_LEG_X + 40, y);
			svg_text(f, name + cut + (name[cut] == ' '), SVG_LEG_CHARS - 1);
			fputs("</text>\n", f);
		}
	}
}

int tl_svg_write(const tl_svg_plot_t *p, const char *path)
{
	if (tl_svg_drawable(p) == 0) {
		errno = EINVAL;
		return -1;
	}
	double xmin = 1e308, xmax = 0, ymin = 1e308, ymax = 0;
	for (int i = 0; i < p->nseries; i++)
		for (int k = 0; k < p->s[i].n; k++) {
			double x = p->s[i].x[k], y = p->s[i].y[k];
			if (!svg_ok(p, x, y))
				continue;
			xmin = x < xmin ? x : xmin;
			xmax = x > xmax ? x : xmax;
			ymin = y < ymin ? y : ymin;
			ymax = y > ymax ? y : ymax;
		}
	svg_map_t m;
	int ylo, yhi, xlo = 0, xhi = 0;
	svg_decades(ymin, ymax, &ylo, &yhi);
	m.y0 = ylo;
	m.y1 = yhi;
	if (p->xaxis == TL_SVG_X_NINES) {
		m.x0 = tl_svg_nines(50) - 0.25;
		m.x1 = 5.25;
	} else {
		svg_decades(xmin, xmax, &xlo, &xhi);
		m.x0 = xlo;
		m.x1 = xhi;
	}

	FILE *f = fopen(path, "w");
	if (!f)
		return -1;
	fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" "
		"width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
		"font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\" font-size=\"12\">\n",
		SVG_W, SVG_H, SVG_W, SVG_H);
	fprintf(f, "<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>\n",
		SVG_W, SVG_H);
	fprintf(f, "<text x=\"%.1f\" y=\"28\" text-anchor=\"middle\" font-size=\"16\" "
		"font-weight=\"bold\">", (SVG_L + SVG_R) / 2);
	svg_text(f, p->title, 100);
	fputs("</text>\n<g>\n", f);
	if (p->xaxis == TL_SVG_X_NINES)
		svg_nines_ticks(f, &m);
	else
		svg_log_ticks(f, &m, xlo, xhi, p->xfmt, true);
	svg_log_ticks(f, &m, ylo, yhi, p->yfmt, false);
	fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"none\" "
		"stroke=\"#000000\" stroke-width=\"1\"/>\n", SVG_L, SVG_T, SVG_R - SVG_L, SVG_B - SVG_T);
	fputs("</g>\n", f);
	fprintf(f, "<text x=\"%.1f\" y=\"470\" text-anchor=\"middle\" font-size=\"14\">",
		(SVG_L + SVG_R) / 2);
	svg_text(f, p->xlabel, 90);
	fprintf(f, "</text>\n<text x=\"22\" y=\"%.1f\" text-anchor=\"middle\" font-size=\"14\" "
		"transform=\"rotate(-90 22 %.1f)\">", (SVG_T + SVG_B) / 2, (SVG_T + SVG_B) / 2);
	svg_text(f, p->ylabel, 90);
	fputs("</text>\n", f);
	for (int i = 0; i < p->nseries; i++)
		svg_series(f, p, &m, i);
	svg_legend(f, p);
	fputs("</svg>\n", f);
	if (ferror(f)) {
		fclose(f);
		errno = EIO;
		return -1;
	}
	return fclose(f) == 0 ? 0 : -1;
}
