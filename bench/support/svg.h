/*
 * svg.h - line plots as self-contained SVG 1.1 text, for `talon bench
 * report` (bench/report.c). No libraries: the file is written with
 * fprintf, fonts are the viewer's sans-serif, nothing is referenced
 * from outside the file.
 *
 * One plot: 900 x 500 px, a title, a plot area with grid lines, tick
 * labels and axis labels, and a legend to the right naming each series
 * in its colour (dashed series are drawn dashed there as well). The y
 * axis is always logarithmic (latencies, times); the x axis is either
 * logarithmic (offered rate, journal size) or the "nines" axis of
 * latency percentiles: p50, p90, p99, p99.9, p99.99 equally spaced
 * (x = -log10(1 - p/100)) and max one step after p99.99.
 *
 * Cold path; no allocation (a plot is a fixed-size struct, ~13 KiB).
 * Not thread-safe: one plot per thread.
 */
#ifndef TL_SVG_H
#define TL_SVG_H

#include <stdbool.h>

#define TL_SVG_MAX_SERIES 12    /* series per plot (colours in the palette) */
#define TL_SVG_MAX_POINTS 32    /* points per series */
#define TL_SVG_NAME_LEN 96

/* How the x axis maps values. */
typedef enum tl_svg_axis {
	TL_SVG_X_LOG = 0,   /* log10 of x */
	TL_SVG_X_NINES      /* x is already tl_svg_nines(percentile) */
} tl_svg_axis_t;

/* How tick labels print a value. */
typedef enum tl_svg_fmt {
	TL_SVG_FMT_PLAIN = 0, /* %g */
	TL_SVG_FMT_NS,        /* a duration given in ns: "100 ns", "2 µs", "1 s" */
	TL_SVG_FMT_RATE,      /* per second: "100/s", "10k/s" */
	TL_SVG_FMT_COUNT,     /* "10k", "1M" */
	TL_SVG_FMT_BYTES      /* "512 KiB", "2 MiB" */
} tl_svg_fmt_t;

typedef struct tl_svg_series {
	char name[TL_SVG_NAME_LEN]; /* legend text (escaped when written) */
	bool dashed;                /* floors, p99 companions */
	int n;                      /* points used */
	double x[TL_SVG_MAX_POINTS], y[TL_SVG_MAX_POINTS];
} tl_svg_series_t;

typedef struct tl_svg_plot {
	char title[160];
	char xlabel[96], ylabel[96];
	tl_svg_axis_t xaxis;
	tl_svg_fmt_t xfmt, yfmt;
	int nseries;
	tl_svg_series_t s[TL_SVG_MAX_SERIES];
} tl_svg_plot_t;

/* An empty plot with these labels. */
void tl_svg_init(tl_svg_plot_t *p, const char *title, const char *xlabel,
		 const char *ylabel, tl_svg_axis_t xaxis, tl_svg_fmt_t xfmt,
		 tl_svg_fmt_t yfmt);

/* Append a series; NULL when the plot already has TL_SVG_MAX_SERIES. */
tl_svg_series_t *tl_svg_add(tl_svg_plot_t *p, const char *name, bool dashed);

/* Append a point; ignored when the series is full. */
void tl_svg_point(tl_svg_series_t *s, double x, double y);

/* Points that can be drawn: finite, y > 0, and x > 0 on a log axis. */
int tl_svg_drawable(const tl_svg_plot_t *p);

/*
 * Write the plot to `path` (created or truncated). Returns 0, or -1 with
 * errno set (EINVAL when no point is drawable: an empty plot is never
 * written).
 */
int tl_svg_write(const tl_svg_plot_t *p, const char *path);

/* The nines-axis position of percentile pct (0 < pct < 100); 100 (the
 * max) is placed one step after 99.99. */
double tl_svg_nines(double pct);

/* log10 and 10^x without libm (the benches do not link -lm). */
double tl_svg_log10(double x);
double tl_svg_pow10(double x);

#endif /* TL_SVG_H */
