/*
 * report.c - `talon bench report DIR` (see report.h): results.jsonl into
 * report.md and SVG plots.
 *
 * Divided into: reading (bounded lines, cJSON, one rp_line_t per valid
 * result line, warnings naming the line number for the rest), the
 * markdown tables (floors and ratios, talon against its peers, the
 * engine's shared threading against its dedicated twin, then one section
 * per suite prefix), and the plots (bench/support/svg.h):
 *
 *   latency-<suite>.svg  percentile curves of every histogram line of a
 *                        suite with a time unit (x: nines axis, y: log);
 *                        more than RP_PER_PLOT cases go to -2, -3 ...
 *   peer.svg             peer.*.order against talon's lines
 *                        (peer.talon.order, peer.talon_dedicated.order,
 *                        rtt.order.tcp) and the TCP and TLS floors,
 *                        blocking and spin, same axes
 *   rtt-rate.svg         open-loop rtt.* lines of the dedicated engine
 *                        (and lines without "threading"): p50 and p99
 *                        against the offered rate (both axes log)
 *   rtt-rate-shared.svg  the same for "threading":"shared" lines
 *   recovery.svg         recovery.time (and its open/replay parts)
 *                        against the journal's size in orders
 *
 * Input is untrusted: a line is at most RP_LINE_MAX bytes, at most
 * RP_MAX_LINES lines are kept, names are restricted to a safe character
 * set (they become file names and markdown), numbers must be finite and
 * not negative. Cold path: everything is allocated here and freed before
 * returning.
 */
#include "bench/report.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "bench/support/svg.h"

#define RP_LINE_MAX 65536       /* bytes per line, newline included */
#define RP_MAX_LINES 100000     /* result lines kept */
#define RP_MAX_META 4           /* distinct machines / commands listed */
#define RP_MAX_BAD_LISTED 20    /* skipped line numbers named in report.md */
#define RP_PER_PLOT 10          /* cases per latency plot */
#define RP_NAME 80
#define RP_NPCT 6

static const double rp_pcts[RP_NPCT] = { 50, 90, 99, 99.9, 99.99, 100 };
static const char *const rp_pct_keys[RP_NPCT] = { "p50", "p90", "p99", "p999",
						  "p9999", "max" };

/* One valid result line. Absent numbers are -1. */
typedef struct rp_line {
	char bench[RP_NAME];    /* "rtt.order.tcp" */
	char suite[RP_NAME];    /* "rtt": the part before the first '.' */
	char unit[24];          /* "ns" when absent */
	char mode[12];          /* "open", "closed", "batch" or "" */
	char cpu[24];           /* as text, "" when absent */
	char floor[RP_NAME];    /* the "floor" member: the line that bounds it */
	char idle[8];           /* "idle": a floor's "block" or "spin", an
				   engine's "park", "spin" or "sleep"; else "" */
	char threading[12];     /* the engine's "threading": "dedicated" or
				   "shared", else "" */
	char talon[RP_NAME];    /* the "talon" member of a peer line: talon's
				   line measured the same way */
	bool hist;              /* percentiles, else value */
	double n, pct[RP_NPCT], mean;
	double value;
	double rate, threads, orders, positions, open_ms, replay_ms;
	double floor_p50, floor_p99;  /* the floor its own suite measured */
	unsigned lineno;
} rp_line_t;

typedef struct rp {
	const char *dir;
	rp_line_t *l;
	size_t n, cap;
	size_t nbad;
	unsigned bad[RP_MAX_BAD_LISTED];
	bool truncated;         /* more than RP_MAX_LINES */
	char machine[RP_MAX_META][128];
	int nmachine;
	char command[RP_MAX_META][512];
	int ncommand;
	char version[64];       /* from the metadata line */
	char started[40];
	bool smoke;
	FILE *md;
	int nplots;
} rp_t;

/* ---- reading ---------------------------------------------------------- */

static void rp_warn(rp_t *r, unsigned lineno, const char *why)
{
	fprintf(stderr, "bench report: %s/results.jsonl:%u: %s; line skipped\n",
		r->dir, lineno, why);
	if (r->nbad < RP_MAX_BAD_LISTED)
		r->bad[r->nbad] = lineno;
	r->nbad++;
}

/* Names become file names and markdown: [A-Za-z0-9._:@/+-] only. */
static bool rp_name_ok(const char *s, size_t max)
{
	size_t n = strlen(s);
	if (n == 0 || n >= max)
		return false;
	for (; *s; s++) {
		char c = *s;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || strchr("._:@/+-", c)))
			return false;
	}
	return true;
}

/* Printable ASCII text without '|' and '`' (table cells), truncated. */
static void rp_copy_text(char *dst, size_t cap, const char *s)
{
	size_t i = 0;
	for (; *s && i + 1 < cap; s++) {
		unsigned char c = (unsigned char)*s;
		dst[i++] = (c < 0x20 || c >= 0x7f || c == '|' || c == '`') ? '?' : (char)c;
	}
	dst[i] = '\0';
}

static bool rp_num(const cJSON *o, const char *key, double *out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	if (!cJSON_IsNumber(v))
		return false;
	double d = v->valuedouble;
	if (!(d >= 0 && d < 1e300))
		return false;
	*out = d;
	return true;
}

static double rp_opt(const cJSON *o, const char *key)
{
	double d;
	return rp_num(o, key, &d) ? d : -1;
}

static const char *rp_str(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	return cJSON_IsString(v) && v->valuestring ? v->valuestring : NULL;
}

/* Remember a distinct machine or command string (list[RP_MAX_META][len]). */
static void rp_meta(char *list, int *n, size_t len, const char *s)
{
	char t[512];
	rp_copy_text(t, len < sizeof(t) ? len : sizeof(t), s);
	for (int i = 0; i < *n; i++)
		if (!strcmp(list + (size_t)i * len, t))
			return;
	if (*n < RP_MAX_META)
		memcpy(list + (size_t)(*n)++ * len, t, strlen(t) + 1);
}

/* Parse one line into r; a warning when it is not a result line. */
static int rp_parse(rp_t *r, const char *buf, size_t len, unsigned lineno)
{
	cJSON *o = cJSON_ParseWithLength(buf, len);
	if (!o || !cJSON_IsObject(o)) {
		rp_warn(r, lineno, "not a JSON object");
		cJSON_Delete(o);
		return 0;
	}
	const char *bench = rp_str(o, "bench"), *s;
	const char *cmd = rp_str(o, "command");
	if (cmd) {
		rp_meta(r->command[0], &r->ncommand, sizeof(r->command[0]), cmd);
		const char *v = rp_str(o, "version"), *t = rp_str(o, "started");
		if (v)
			rp_copy_text(r->version, sizeof(r->version), v);
		if (t)
			rp_copy_text(r->started, sizeof(r->started), t);
		r->smoke |= cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "smoke"));
	}
	if (!bench) {
		const char *m = rp_str(o, "machine");
		if (cmd && m)
			rp_meta(r->machine[0], &r->nmachine, sizeof(r->machine[0]), m);
		if (!cmd)
			rp_warn(r, lineno, "no \"bench\" string");
		cJSON_Delete(o);
		return 0;
	}
	rp_line_t L;
	memset(&L, 0, sizeof(L));
	L.lineno = lineno;
	const char *why = NULL;
	if (!rp_name_ok(bench, sizeof(L.bench))) {
		why = "\"bench\" is not a case name";
		goto bad;
	}
	snprintf(L.bench, sizeof(L.bench), "%s", bench);
	snprintf(L.suite, sizeof(L.suite), "%.*s", (int)strcspn(bench, "."), bench);
	s = rp_str(o, "unit");
	rp_copy_text(L.unit, sizeof(L.unit), s ? s : "ns");
	/* A histogram line has all of n, p50 .. max and mean; a value line
	 * has "value". Some histogram fields and no value: broken. */
	int nh = rp_num(o, "n", &L.n) + rp_num(o, "mean", &L.mean);
	for (int i = 0; i < RP_NPCT; i++)
		nh += rp_num(o, rp_pct_keys[i], &L.pct[i]);
	L.hist = nh == RP_NPCT + 2;
	if (!L.hist && !rp_num(o, "value", &L.value)) {
		why = nh ? "histogram fields incomplete or not numbers"
			 : "neither histogram fields nor a \"value\" number";
		goto bad;
	}
	s = rp_str(o, "mode");
	rp_copy_text(L.mode, sizeof(L.mode), s ? s : "");
	const cJSON *cpu = cJSON_GetObjectItemCaseSensitive(o, "cpu");
	if (cJSON_IsString(cpu) && cpu->valuestring)
		rp_copy_text(L.cpu, sizeof(L.cpu), cpu->valuestring);
	else if (cJSON_IsNumber(cpu))
		snprintf(L.cpu, sizeof(L.cpu), "%d", (int)cpu->valuedouble);
	s = rp_str(o, "floor");
	if (s && rp_name_ok(s, sizeof(L.floor)))
		snprintf(L.floor, sizeof(L.floor), "%s", s);
	s = rp_str(o, "idle");
	rp_copy_text(L.idle, sizeof(L.idle), s ? s : "");
	s = rp_str(o, "threading");
	rp_copy_text(L.threading, sizeof(L.threading), s ? s : "");
	s = rp_str(o, "talon");
	if (s && rp_name_ok(s, sizeof(L.talon)))
		snprintf(L.talon, sizeof(L.talon), "%s", s);
	L.rate = rp_opt(o, "rate");
	L.threads = rp_opt(o, "threads");
	L.orders = rp_opt(o, "orders");
	L.positions = rp_opt(o, "positions");
	L.open_ms = rp_opt(o, "open_ms");
	L.replay_ms = rp_opt(o, "replay_ms");
	L.floor_p50 = rp_opt(o, "floor_p50");
	L.floor_p99 = rp_opt(o, "floor_p99");
	s = rp_str(o, "machine");
	if (s)
		rp_meta(r->machine[0], &r->nmachine, sizeof(r->machine[0]), s);
	cJSON_Delete(o);

	if (r->n == RP_MAX_LINES) {
		if (!r->truncated)
			fprintf(stderr, "bench report: more than %d result lines; the rest "
				"are ignored\n", RP_MAX_LINES);
		r->truncated = true;
		return 0;
	}
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 256;
		rp_line_t *nl = realloc(r->l, cap * sizeof(*nl));
		if (!nl) {
			fprintf(stderr, "bench report: out of memory\n");
			return -1;
		}
		r->l = nl;
		r->cap = cap;
	}
	r->l[r->n++] = L;
	return 0;
bad:
	cJSON_Delete(o);
	rp_warn(r, lineno, why);
	return 0;
}

static int rp_read(rp_t *r)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/results.jsonl", r->dir);
	FILE *f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "bench report: %s: %s\n", path, strerror(errno));
		return -1;
	}
	char *buf = malloc(RP_LINE_MAX + 1);
	if (!buf) {
		fclose(f);
		fprintf(stderr, "bench report: out of memory\n");
		return -1;
	}
	unsigned lineno = 0;
	int rc = 0;
	while (rc == 0 && fgets(buf, RP_LINE_MAX + 1, f)) {
		lineno++;
		size_t len = strlen(buf);
		if (len == RP_LINE_MAX && buf[len - 1] != '\n') {
			int c;
			while ((c = fgetc(f)) != EOF && c != '\n')
				;
			rp_warn(r, lineno, "longer than 64 KiB");
			continue;
		}
		while (len && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
			buf[--len] = '\0';
		if (len == 0)
			continue;
		if (memchr(buf, '\0', len)) {
			rp_warn(r, lineno, "NUL byte");
			continue;
		}
		rc = rp_parse(r, buf, len, lineno);
	}
	if (ferror(f)) {
		fprintf(stderr, "bench report: %s: read error\n", path);
		rc = -1;
	}
	free(buf);
	fclose(f);
	if (rc == 0 && r->n == 0) {
		fprintf(stderr, "bench report: %s: no valid result line (%u lines read)\n",
			path, lineno);
		rc = -1;
	}
	return rc;
}

/* ---- helpers ---------------------------------------------------------- */

/* ns per unit for a time unit, 0 for any other unit. */
static double rp_unit_ns(const char *u)
{
	if (!strcmp(u, "ns"))
		return 1;
	if (!strcmp(u, "us") || !strcmp(u, "\xc2\xb5s"))
		return 1e3;
	if (!strcmp(u, "ms"))
		return 1e6;
	if (!strcmp(u, "s"))
		return 1e9;
	return 0;
}

static bool rp_is_floor(const rp_line_t *l)
{
	return !strcmp(l->suite, "floor");
}

/* floor.tcp, floor.tls and their .spin twins: what an order's round trip
 * over the network is read against. */
static bool rp_is_net_floor(const rp_line_t *l)
{
	static const char *const net[] = { "floor.tcp", "floor.tls" };
	for (size_t i = 0; i < sizeof(net) / sizeof(net[0]); i++) {
		size_t n = strlen(net[i]);
		if (!strncmp(l->bench, net[i], n) &&
		    (!l->bench[n] || !strcmp(l->bench + n, ".spin")))
			return true;
	}
	return false;
}

static bool rp_is_ratio(const rp_line_t *l)
{
	return !strcmp(l->unit, "ratio") || !strcmp(l->unit, "x") ||
	       strstr(l->bench, "ratio") || strstr(l->bench, "_vs_");
}

static const rp_line_t *rp_find_hist(const rp_t *r, const char *bench)
{
	for (size_t i = 0; i < r->n; i++)
		if (r->l[i].hist && !strcmp(r->l[i].bench, bench))
			return &r->l[i];
	return NULL;
}

/* Legend / table label: the case, and its offered rate when open loop. */
static void rp_label(char *buf, size_t len, const rp_line_t *l)
{
	if (l->rate > 0)
		snprintf(buf, len, "%s @%.0f/s", l->bench, l->rate);
	else
		snprintf(buf, len, "%s", l->bench);
}

static void rp_cpu_threads(char *buf, size_t len, const rp_line_t *l)
{
	char th[32] = "-";
	if (l->threads >= 0)
		snprintf(th, sizeof(th), "%.0f", l->threads);
	snprintf(buf, len, "%s / %s", l->cpu[0] ? l->cpu : "-", th);
}

/* How the engine ran: "dedicated/park", "shared/spin", "-" unknown. */
static void rp_engine(char *buf, size_t len, const rp_line_t *l)
{
	if (!l->threading[0])
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%s/%s", l->threading, l->idle[0] ? l->idle : "?");
}

static void rp_details(char *buf, size_t len, const rp_line_t *l)
{
	size_t o = 0;
	buf[0] = '\0';
	if (l->orders >= 0)
		o += (size_t)snprintf(buf + o, len - o, "orders %.0f", l->orders);
	if (l->positions >= 0 && o < len)
		o += (size_t)snprintf(buf + o, len - o, "%spositions %.0f", o ? ", " : "",
				      l->positions);
	if (l->floor[0] && o < len)
		snprintf(buf + o, len - o, "%sfloor %s", o ? ", " : "", l->floor);
	if (!buf[0])
		snprintf(buf, len, "-");
}

/* A value: whole numbers in full (bytes, records/s), else 6 digits. */
static void rp_value(char *buf, size_t len, double v)
{
	if (v < 1e15 && v == (double)(long long)v)
		snprintf(buf, len, "%lld", (long long)v);
	else
		snprintf(buf, len, "%.6g", v);
}

/* ---- markdown --------------------------------------------------------- */

static void rp_md_hist_head(FILE *f)
{
	fputs("| case | mode | rate | n | p50 | p90 | p99 | p99.9 | p99.99 | max | mean "
	      "| unit | cpu/threads |\n"
	      "|---|---|---|---|---|---|---|---|---|---|---|---|---|\n", f);
}

static void rp_md_hist_row(FILE *f, const rp_line_t *l)
{
	char ct[64];
	bool b = rp_is_floor(l);
	rp_cpu_threads(ct, sizeof(ct), l);
	fprintf(f, "| %s`%s`%s | %s | ", b ? "**" : "", l->bench, b ? "** (floor)" : "",
		l->mode[0] ? l->mode : "-");
	if (l->rate > 0)
		fprintf(f, "%.0f/s", l->rate);
	else
		fputs("-", f);
	fprintf(f, " | %.0f", l->n);
	for (int i = 0; i < RP_NPCT; i++)
		fprintf(f, " | %.0f", l->pct[i]);
	fprintf(f, " | %.1f | %s | %s |\n", l->mean, l->unit, ct);
}

static void rp_md_value_head(FILE *f)
{
	fputs("| case | mode | rate | value | unit | cpu/threads | details |\n"
	      "|---|---|---|---|---|---|---|\n", f);
}

static void rp_md_value_row(FILE *f, const rp_line_t *l)
{
	char ct[64], det[256], val[48];
	bool b = rp_is_floor(l) || rp_is_ratio(l);
	rp_cpu_threads(ct, sizeof(ct), l);
	rp_details(det, sizeof(det), l);
	rp_value(val, sizeof(val), l->value);
	fprintf(f, "| `%s` | %s | ", l->bench, l->mode[0] ? l->mode : "-");
	if (l->rate > 0)
		fprintf(f, "%.0f/s", l->rate);
	else
		fputs("-", f);
	fprintf(f, " | %s%s%s | %s | %s | %s |\n", b ? "**" : "", val, b ? "**" : "",
		l->unit, ct, det);
}

static void rp_md_suites(rp_t *r)
{
	FILE *f = r->md;
	char *done = calloc(r->n, 1);
	if (!done)
		return;
	for (size_t i = 0; i < r->n; i++) {
		if (done[i])
			continue;
		const char *suite = r->l[i].suite;
		fprintf(f, "## Suite `%s`\n\n", suite);
		int nh = 0, nv = 0;
		for (size_t k = i; k < r->n; k++)
			if (!strcmp(r->l[k].suite, suite))
				r->l[k].hist ? nh++ : nv++;
		if (nh) {
			rp_md_hist_head(f);
			for (size_t k = i; k < r->n; k++)
				if (!strcmp(r->l[k].suite, suite) && r->l[k].hist)
					rp_md_hist_row(f, &r->l[k]);
			fputs("\n", f);
		}
		if (nv) {
			if (nh)
				fputs("Value lines:\n\n", f);
			rp_md_value_head(f);
			for (size_t k = i; k < r->n; k++)
				if (!strcmp(r->l[k].suite, suite) && !r->l[k].hist)
					rp_md_value_row(f, &r->l[k]);
			fputs("\n", f);
		}
		for (size_t k = i; k < r->n; k++)
			if (!strcmp(r->l[k].suite, suite))
				done[k] = 1;
	}
	free(done);
}

/* Floors, every line naming a floor with its ratio to it, ratio lines. */
static void rp_md_floors(rp_t *r)
{
	FILE *f = r->md;
	int nf = 0, nr = 0, nb = 0;
	for (size_t i = 0; i < r->n; i++) {
		nf += rp_is_floor(&r->l[i]);
		nr += rp_is_ratio(&r->l[i]) && !r->l[i].hist;
		nb += r->l[i].floor[0] != 0 && r->l[i].hist;
	}
	fputs("## Floors and ratios\n\n", f);
	if (!nf && !nr && !nb) {
		fputs("No floor or ratio lines in this run.\n\n", f);
		return;
	}
	if (nf) {
		fputs("Floors (the bare cost a case cannot beat, measured in the same run):\n\n", f);
		fputs("| floor | idle | mode | n | p50 | p99 | max | unit |\n"
		      "|---|---|---|---|---|---|---|---|\n", f);
		for (size_t i = 0; i < r->n; i++) {
			const rp_line_t *l = &r->l[i];
			if (!rp_is_floor(l))
				continue;
			const char *idle = l->idle[0] ? l->idle : "-";
			if (l->hist)
				fprintf(f, "| **`%s`** | %s | %s | %.0f | **%.0f** | **%.0f** "
					"| %.0f | %s |\n", l->bench, idle,
					l->mode[0] ? l->mode : "-", l->n, l->pct[0], l->pct[2],
					l->pct[5], l->unit);
			else
				fprintf(f, "| **`%s`** | %s | %s | - | **%.6g** | - | - | %s |\n",
					l->bench, idle, l->mode[0] ? l->mode : "-", l->value,
					l->unit);
		}
		fputs("\n", f);
	}
	if (nb) {
		fputs("Cases against their floor (case / floor; the `floor` suite's line of "
		      "that name, else, marked \"own\", the floor the case's suite measured "
		      "beside it):\n\n", f);
		fputs("| case | engine | floor | p50 | p99 | p50 ratio | p99 ratio |\n"
		      "|---|---|---|---|---|---|---|\n", f);
		for (size_t i = 0; i < r->n; i++) {
			const rp_line_t *l = &r->l[i];
			if (!l->hist || !l->floor[0])
				continue;
			char lab[RP_NAME + 32], eng[32];
			rp_label(lab, sizeof(lab), l);
			rp_engine(eng, sizeof(eng), l);
			const rp_line_t *fl = rp_find_hist(r, l->floor);
			double f50 = 0, f99 = 0;
			const char *own = "";
			if (fl && !strcmp(fl->unit, l->unit)) {
				f50 = fl->pct[0];
				f99 = fl->pct[2];
			} else if (l->floor_p50 > 0 && l->floor_p99 > 0) {
				f50 = l->floor_p50;
				f99 = l->floor_p99;
				own = " (own)";
			}
			if (f50 <= 0 || f99 <= 0) {
				fprintf(f, "| `%s` | %s | `%s` (not in this run) | %.0f | %.0f | - | - |\n",
					lab, eng, l->floor, l->pct[0], l->pct[2]);
				continue;
			}
			fprintf(f, "| `%s` | %s | `%s`%s | %.0f | %.0f | **%.2fx** | **%.2fx** |\n",
				lab, eng, l->floor, own, l->pct[0], l->pct[2], l->pct[0] / f50,
				l->pct[2] / f99);
		}
		fputs("\n", f);
	}
	if (nr) {
		fputs("Ratio lines:\n\n", f);
		rp_md_value_head(f);
		for (size_t i = 0; i < r->n; i++)
			if (rp_is_ratio(&r->l[i]) && !r->l[i].hist)
				rp_md_value_row(f, &r->l[i]);
		fputs("\n", f);
	}
}

/* talon's own lines in the peer suite: peer.talon.* (shared engine) and
 * peer.talon_<variant>.* (e.g. peer.talon_dedicated.order). */
static bool rp_is_peer_talon(const char *bench)
{
	return !strncmp(bench, "peer.talon", 10) && (bench[10] == '.' || bench[10] == '_');
}

/* A peer's line: peer.<name>.order, except talon's own lines in the peer
 * suite, which are the talon side of the comparison. */
static bool rp_is_peer(const rp_line_t *l)
{
	size_t n = strlen(l->bench);
	return l->hist && !strncmp(l->bench, "peer.", 5) && n > 11 &&
	       !strcmp(l->bench + n - 6, ".order") && !rp_is_peer_talon(l->bench);
}

/* talon's line in a peer comparison: peer.talon.*, peer.talon_*.* or
 * rtt.order.tcp. */
static bool rp_is_talon_side(const rp_line_t *l)
{
	return l->hist && (rp_is_peer_talon(l->bench) || !strcmp(l->bench, "rtt.order.tcp"));
}

/* The talon line a peer line is compared with: the line its "talon"
 * member names (measured the same way, same run); else peer.talon.order;
 * else rtt.order.tcp at the same rate and mode; else the first
 * rtt.order.tcp. NULL when there is none. */
static const rp_line_t *rp_talon_for(const rp_t *r, const rp_line_t *peer)
{
	const rp_line_t *t;
	if (peer->talon[0] && (t = rp_find_hist(r, peer->talon)) != NULL)
		return t;
	if ((t = rp_find_hist(r, "peer.talon.order")) != NULL)
		return t;
	const rp_line_t *any = NULL;
	for (size_t i = 0; i < r->n; i++) {
		const rp_line_t *l = &r->l[i];
		if (!l->hist || strcmp(l->bench, "rtt.order.tcp"))
			continue;
		if (l->rate == peer->rate && !strcmp(l->mode, peer->mode))
			return l;
		if (!any)
			any = l;
	}
	return any;
}

static void rp_md_peers(rp_t *r)
{
	FILE *f = r->md;
	int np = 0;
	for (size_t i = 0; i < r->n; i++)
		np += rp_is_peer(&r->l[i]);
	fputs("## talon vs peers\n\n", f);
	if (!np) {
		fputs("No `peer.*.order` lines in this run.\n\n", f);
		return;
	}
	fputs("Ratio = peer / talon (above 1: talon is faster), as the peer lines' "
	      "`ratio_p50` / `ratio_p99`.\n\n"
	      "| peer | talon case | peer p50 | talon p50 | p50 ratio | peer p99 | "
	      "talon p99 | p99 ratio |\n|---|---|---|---|---|---|---|---|\n", f);
	for (size_t i = 0; i < r->n; i++) {
		const rp_line_t *p = &r->l[i];
		if (!rp_is_peer(p))
			continue;
		char pl[RP_NAME + 32], tl[RP_NAME + 32];
		rp_label(pl, sizeof(pl), p);
		const rp_line_t *t = rp_talon_for(r, p);
		if (!t) {
			fprintf(f, "| `%s` | (no talon line) | %.0f | - | - | %.0f | - | - |\n",
				pl, p->pct[0], p->pct[2]);
			continue;
		}
		rp_label(tl, sizeof(tl), t);
		if (t->pct[0] <= 0 || t->pct[2] <= 0) {
			fprintf(f, "| `%s` | `%s` | %.0f | %.0f | - | %.0f | %.0f | - |\n",
				pl, tl, p->pct[0], t->pct[0], p->pct[2], t->pct[2]);
			continue;
		}
		fprintf(f, "| `%s` | `%s` | %.0f | %.0f | **%.3f** | %.0f | %.0f | **%.3f** |\n",
			pl, tl, p->pct[0], t->pct[0], p->pct[0] / t->pct[0], p->pct[2],
			t->pct[2], p->pct[2] / t->pct[2]);
	}
	fputs("\n", f);
}

/* The dedicated twin of a "threading":"shared" line: its name without
 * ".shared" (rtt.order.tcp.shared -> rtt.order.tcp), or for talon's peer
 * line peer.talon.X -> peer.talon_dedicated.X; a histogram line with
 * "threading":"dedicated", the same mode and the same rate. NULL: none. */
static const rp_line_t *rp_twin(const rp_t *r, const rp_line_t *l)
{
	char name[RP_NAME + 16];
	size_t n = strlen(l->bench);

	if (n > 7 && !strcmp(l->bench + n - 7, ".shared"))
		snprintf(name, sizeof(name), "%.*s", (int)(n - 7), l->bench);
	else if (!strncmp(l->bench, "peer.talon.", 11))
		snprintf(name, sizeof(name), "peer.talon_dedicated.%s", l->bench + 11);
	else
		return NULL;
	for (size_t i = 0; i < r->n; i++) {
		const rp_line_t *d = &r->l[i];
		if (d->hist && !strcmp(d->bench, name) && !strcmp(d->threading, "dedicated") &&
		    d->rate == l->rate && !strcmp(d->mode, l->mode))
			return d;
	}
	return NULL;
}

/* A ratio for a table cell: 2 decimals, or 2 significant digits below
 * 0.1 (a backlog in the twin makes the ratio tiny, not zero). */
static const char *rp_ratio(char *buf, size_t len, double v)
{
	snprintf(buf, len, v >= 0.1 ? "%.2f" : "%.2g", v);
	return buf;
}

/* Every shared-engine line against its dedicated twin. */
static void rp_md_threading(rp_t *r)
{
	FILE *f = r->md;
	int ns = 0;
	for (size_t i = 0; i < r->n; i++)
		ns += r->l[i].hist && !strcmp(r->l[i].threading, "shared");
	fputs("## Engine threading: shared against dedicated\n\n", f);
	if (!ns) {
		fputs("No `\"threading\":\"shared\"` lines in this run.\n\n", f);
		return;
	}
	fputs("Each line with `\"threading\":\"shared\"` (one engine thread does the "
	      "ENGINE and IO duties) against its twin with `\"threading\":\"dedicated\"` "
	      "(ENGINE and IO threads of their own), same mode and rate. Ratio = shared / "
	      "dedicated (below 1: shared is faster).\n\n"
	      "| shared case | engine | dedicated case | engine | shared p50 | dedicated p50 "
	      "| p50 ratio | shared p99 | dedicated p99 | p99 ratio |\n"
	      "|---|---|---|---|---|---|---|---|---|---|\n", f);
	for (size_t i = 0; i < r->n; i++) {
		const rp_line_t *l = &r->l[i];
		if (!l->hist || strcmp(l->threading, "shared"))
			continue;
		char sl[RP_NAME + 32], dl[RP_NAME + 32], se[32], de[32];
		rp_label(sl, sizeof(sl), l);
		rp_engine(se, sizeof(se), l);
		const rp_line_t *d = rp_twin(r, l);
		if (!d || d->pct[0] <= 0 || d->pct[2] <= 0 || strcmp(d->unit, l->unit)) {
			fprintf(f, "| `%s` | %s | (no twin in this run) | - | %.0f | - | - | %.0f "
				"| - | - |\n", sl, se, l->pct[0], l->pct[2]);
			continue;
		}
		rp_label(dl, sizeof(dl), d);
		rp_engine(de, sizeof(de), d);
		char r50[32], r99[32];
		fprintf(f, "| `%s` | %s | `%s` | %s | %.0f | %.0f | **%sx** | %.0f | %.0f "
			"| **%sx** |\n", sl, se, dl, de, l->pct[0], d->pct[0],
			rp_ratio(r50, sizeof(r50), l->pct[0] / d->pct[0]), l->pct[2], d->pct[2],
			rp_ratio(r99, sizeof(r99), l->pct[2] / d->pct[2]));
	}
	fputs("\n", f);
}

/* ---- plots ------------------------------------------------------------ */

/* Write the plot as DIR/file and link it, or note why it is absent. */
static int rp_plot_out(rp_t *r, const tl_svg_plot_t *p, const char *file,
		       const char *what)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", r->dir, file);
	if (tl_svg_drawable(p) == 0) {
		fprintf(r->md, "- %s: skipped, no data in this run.\n", what);
		return 0;
	}
	if (tl_svg_write(p, path) < 0) {
		fprintf(stderr, "bench report: %s: %s\n", path, strerror(errno));
		return -1;
	}
	fprintf(r->md, "- %s: [%s](%s)\n\n  ![%s](%s)\n\n", what, file, file, what, file);
	r->nplots++;
	return 0;
}

static void rp_hist_series(tl_svg_plot_t *p, const rp_line_t *l, bool dashed)
{
	char lab[RP_NAME + 32];
	double k = rp_unit_ns(l->unit);
	rp_label(lab, sizeof(lab), l);
	tl_svg_series_t *s = tl_svg_add(p, lab, dashed);
	if (!s)
		return;
	for (int i = 0; i < RP_NPCT; i++)
		tl_svg_point(s, tl_svg_nines(rp_pcts[i]), l->pct[i] * k);
}

/* (a) percentile curves, one file per suite (and per RP_PER_PLOT cases). */
static int rp_plot_latency(rp_t *r)
{
	tl_svg_plot_t *p = malloc(sizeof(*p));
	char *done = calloc(r->n + 1, 1);
	int rc = 0;
	if (!p || !done) {
		free(p);
		free(done);
		fprintf(stderr, "bench report: out of memory\n");
		return -1;
	}
	for (size_t i = 0; i < r->n && rc == 0; i++) {
		if (done[i])
			continue;
		const char *suite = r->l[i].suite;
		size_t k = i;
		for (int part = 1; rc == 0; part++) {
			char title[160], file[RP_NAME + 32], what[RP_NAME + 64];
			snprintf(title, sizeof(title), "%s: latency percentiles%s", suite,
				 part > 1 ? " (continued)" : "");
			snprintf(what, sizeof(what), "latency percentiles, suite `%s`%s", suite,
				 part > 1 ? " (continued)" : "");
			tl_svg_init(p, title, "percentile", "latency (log scale)",
				    TL_SVG_X_NINES, TL_SVG_FMT_PLAIN, TL_SVG_FMT_NS);
			for (; k < r->n && p->nseries < RP_PER_PLOT; k++) {
				const rp_line_t *l = &r->l[k];
				if (strcmp(l->suite, suite))
					continue;
				done[k] = 1;
				if (l->hist && rp_unit_ns(l->unit) > 0)
					rp_hist_series(p, l, rp_is_floor(l));
			}
			if (p->nseries == 0) {
				if (part == 1)
					fprintf(r->md, "- %s: skipped, the suite has no latency "
						"histogram lines.\n", what);
				break;
			}
			if (part == 1)
				snprintf(file, sizeof(file), "latency-%s.svg", suite);
			else
				snprintf(file, sizeof(file), "latency-%s-%d.svg", suite, part);
			for (char *c = file; *c; c++)
				if (*c == '/' || *c == ':' || *c == '@' || *c == '+')
					*c = '_';
			rc = rp_plot_out(r, p, file, what);
		}
	}
	free(p);
	free(done);
	return rc;
}

/* (b) talon vs peer. */
static int rp_plot_peer(rp_t *r, tl_svg_plot_t *p)
{
	tl_svg_init(p, "talon vs peer: submit -> response, same simulator",
		    "percentile", "latency (log scale)", TL_SVG_X_NINES,
		    TL_SVG_FMT_PLAIN, TL_SVG_FMT_NS);
	int np = 0, nt = 0;
	for (size_t i = 0; i < r->n; i++) {
		np += rp_is_peer(&r->l[i]);
		nt += rp_is_talon_side(&r->l[i]);
	}
	if (!np || !nt) {
		fprintf(r->md, "- talon vs peer: skipped, %s.\n",
			!np ? "no peer.*.order lines"
			    : "no talon line (peer.talon.order or rtt.order.tcp)");
		return 0;
	}
	for (size_t i = 0; i < r->n; i++) {
		const rp_line_t *l = &r->l[i];
		if (!l->hist || rp_unit_ns(l->unit) == 0)
			continue;
		if (rp_is_talon_side(l) || rp_is_peer(l))
			rp_hist_series(p, l, false);
		else if (rp_is_net_floor(l))
			rp_hist_series(p, l, true);
	}
	return rp_plot_out(r, p, "peer.svg", "talon vs peer (floors dashed)");
}

static void rp_sort_series(tl_svg_series_t *s)
{
	for (int i = 1; i < s->n; i++)
		for (int j = i; j > 0 && s->x[j - 1] > s->x[j]; j--) {
			double tx = s->x[j], ty = s->y[j];
			s->x[j] = s->x[j - 1];
			s->y[j] = s->y[j - 1];
			s->x[j - 1] = tx;
			s->y[j - 1] = ty;
		}
}

/* (c) RTT against the offered rate: open-loop rtt.* lines, one plot for
 * the shared engine's lines and one for the rest (a plot holds
 * TL_SVG_MAX_SERIES series: two per case). */
static int rp_plot_rate(rp_t *r, tl_svg_plot_t *p, bool shared)
{
	const char *file = shared ? "rtt-rate-shared.svg" : "rtt-rate.svg";
	const char *what = shared ? "RTT vs offered rate, shared engine"
				  : "RTT vs offered rate";
	char title[160];
	snprintf(title, sizeof(title), "RTT vs offered rate%s (open loop; p50 solid, "
		 "p99 dashed)", shared ? ", engine.threading shared" : "");
	tl_svg_init(p, title, "offered rate (orders/s, log scale)", "latency (log scale)",
		    TL_SVG_X_LOG, TL_SVG_FMT_RATE, TL_SVG_FMT_NS);
	for (size_t i = 0; i < r->n; i++) {
		const rp_line_t *l = &r->l[i];
		if (strcmp(l->suite, "rtt") || !l->hist || strcmp(l->mode, "open") ||
		    !(l->rate > 0) || rp_unit_ns(l->unit) == 0 ||
		    (strcmp(l->threading, "shared") == 0) != shared)
			continue;
		char n50[RP_NAME + 8], n99[RP_NAME + 8];
		snprintf(n50, sizeof(n50), "%s p50", l->bench);
		snprintf(n99, sizeof(n99), "%s p99", l->bench);
		tl_svg_series_t *s50 = NULL, *s99 = NULL;
		for (int k = 0; k < p->nseries; k++) {
			if (!strcmp(p->s[k].name, n50))
				s50 = &p->s[k];
			if (!strcmp(p->s[k].name, n99))
				s99 = &p->s[k];
		}
		if (!s50 && p->nseries + 2 <= TL_SVG_MAX_SERIES) {
			s50 = tl_svg_add(p, n50, false);
			s99 = tl_svg_add(p, n99, true);
		}
		if (!s50 || !s99)
			continue;
		double k = rp_unit_ns(l->unit);
		tl_svg_point(s50, l->rate, l->pct[0] * k);
		tl_svg_point(s99, l->rate, l->pct[2] * k);
	}
	for (int k = 0; k < p->nseries; k++)
		rp_sort_series(&p->s[k]);
	if (tl_svg_drawable(p) == 0) {
		fprintf(r->md, "- %s: skipped, no open-loop rtt.* lines with a rate%s.\n", what,
			shared ? " and \"threading\":\"shared\"" : "");
		return 0;
	}
	return rp_plot_out(r, p, file, what);
}

/* (d) recovery time against the journal size. */
static int rp_plot_recovery(rp_t *r, tl_svg_plot_t *p)
{
	tl_svg_init(p, "Recovery time vs journal size", "journal size (orders, log scale)",
		    "time to ready (log scale)", TL_SVG_X_LOG, TL_SVG_FMT_COUNT, TL_SVG_FMT_NS);
	tl_svg_series_t *tot = NULL, *open = NULL, *rep = NULL;
	for (size_t i = 0; i < r->n; i++) {
		const rp_line_t *l = &r->l[i];
		double k = rp_unit_ns(l->unit);
		if (strcmp(l->bench, "recovery.time") || l->hist || !(l->orders > 0) || k == 0)
			continue;
		if (!tot)
			tot = tl_svg_add(p, "recovery.time (total)", false);
		tl_svg_point(tot, l->orders, l->value * k);
		if (l->open_ms > 0) {
			if (!open)
				open = tl_svg_add(p, "open (quick_check)", true);
			tl_svg_point(open, l->orders, l->open_ms * 1e6);
		}
		if (l->replay_ms > 0) {
			if (!rep)
				rep = tl_svg_add(p, "replay", true);
			tl_svg_point(rep, l->orders, l->replay_ms * 1e6);
		}
	}
	for (int k = 0; k < p->nseries; k++)
		rp_sort_series(&p->s[k]);
	if (!tot) {
		fputs("- Recovery time vs journal size: skipped, no recovery.time lines "
		      "with \"orders\".\n", r->md);
		return 0;
	}
	return rp_plot_out(r, p, "recovery.svg", "recovery time vs journal size");
}

/* ---- the report ------------------------------------------------------- */

static int rp_write(rp_t *r)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/report.md", r->dir);
	r->md = fopen(path, "w");
	if (!r->md) {
		fprintf(stderr, "bench report: %s: %s\n", path, strerror(errno));
		return -1;
	}
	FILE *f = r->md;
	fputs("# talon benchmark report\n\n", f);
	fprintf(f, "From `results.jsonl`: %zu result lines", r->n);
	if (r->nbad) {
		fprintf(f, "; %zu lines skipped as malformed (line", r->nbad);
		for (size_t i = 0; i < r->nbad && i < RP_MAX_BAD_LISTED; i++)
			fprintf(f, "%s %u", i ? "," : "", r->bad[i]);
		fputs(r->nbad > RP_MAX_BAD_LISTED ? ", ...)" : ")", f);
	}
	if (r->truncated)
		fprintf(f, "; only the first %d kept", RP_MAX_LINES);
	fputs(".\n\n", f);
	if (r->nmachine == 0)
		fputs("Machine: not recorded.\n\n", f);
	for (int i = 0; i < r->nmachine; i++)
		fprintf(f, "Machine: %s\n\n", r->machine[i]);
	if (r->ncommand == 0)
		fputs("Command: not recorded in results.jsonl.\n\n", f);
	for (int i = 0; i < r->ncommand; i++)
		fprintf(f, "Command: `%s`\n\n", r->command[i]);
	if (r->version[0] || r->started[0])
		fprintf(f, "talon %s, started %s.\n\n", r->version[0] ? r->version : "(version ?)",
			r->started[0] ? r->started : "(time ?)");
	if (r->smoke)
		fputs("**Smoke run** (`--smoke`): smallest sizes, the numbers are not "
		      "meaningful.\n\n", f);
	fputs("Times in the unit of each line (ns unless stated); percentiles from the "
	      "log-linear histogram (at most 0.79 % above the true value). Mode: "
	      "`open` = open loop at the offered rate, latency from the intended send "
	      "time; `closed` = one request at a time; `batch` = throughput or "
	      "one-shot timing. Floors are **bold**, ratios **bold**.\n\n", f);

	rp_md_floors(r);
	rp_md_peers(r);
	rp_md_threading(r);
	rp_md_suites(r);

	fputs("## Plots\n\n", f);
	int rc = rp_plot_latency(r);
	tl_svg_plot_t *p = malloc(sizeof(*p));
	if (!p)
		rc = -1;
	if (rc == 0)
		rc = rp_plot_peer(r, p);
	if (rc == 0)
		rc = rp_plot_rate(r, p, false);
	if (rc == 0)
		rc = rp_plot_rate(r, p, true);
	if (rc == 0)
		rc = rp_plot_recovery(r, p);
	free(p);
	bool werr = ferror(f);
	if (fclose(f) != 0 || werr) {
		fprintf(stderr, "bench report: %s: write error\n", path);
		rc = -1;
	}
	r->md = NULL;
	if (rc == 0)
		fprintf(stderr, "bench report: wrote %s (%zu lines, %zu skipped) and %d plots\n",
			path, r->n, r->nbad, r->nplots);
	return rc;
}

int tl_bench_report(const char *dir)
{
	rp_t r;
	memset(&r, 0, sizeof(r));
	r.dir = dir && dir[0] ? dir : ".";
	if (strlen(r.dir) > 3000) {
		fprintf(stderr, "bench report: directory name too long\n");
		return -1;
	}
	int rc = rp_read(&r);
	if (rc == 0)
		rc = rp_write(&r);
	free(r.l);
	return rc;
}
