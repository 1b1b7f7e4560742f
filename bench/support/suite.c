/*
 * suite.c - result lines of `talon bench`, and the sizing, pinning and
 * scratch-directory helpers every suite shares (see suite.h). Cold path:
 * called around measurements, never inside one.
 */
#define _GNU_SOURCE
#include "bench/support/suite.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bench/support/benchutil.h"

static FILE *suite_results;

int tl_bench_results_open(const char *dir)
{
	if (!dir)
		return 0;
	char path[4096];
	if ((size_t)snprintf(path, sizeof path, "%s/results.jsonl", dir) >= sizeof path) {
		errno = ENAMETOOLONG;
		return -1;
	}
	FILE *f = fopen(path, "a");
	if (!f)
		return -1;
	tl_bench_results_close();
	suite_results = f;
	return 0;
}

void tl_bench_results_close(void)
{
	if (suite_results)
		fclose(suite_results);
	suite_results = NULL;
}

const char *tl_bench_cpu_text(char *buf, size_t len, int cpu_a, int cpu_b)
{
	if (cpu_a >= 0 && cpu_b >= 0)
		snprintf(buf, len, "%d,%d", cpu_a, cpu_b);
	else if (cpu_a >= 0 || cpu_b >= 0)
		snprintf(buf, len, "%d", cpu_a >= 0 ? cpu_a : cpu_b);
	else
		snprintf(buf, len, "none");
	return buf;
}

static const char *suite_mode_name(tl_bench_mode_t m)
{
	switch (m) {
	case TL_BENCH_OPEN: return "open";
	case TL_BENCH_BATCH: return "batch";
	case TL_BENCH_CLOSED: break;
	}
	return "closed";
}

static void suite_write(FILE *f, const tl_bench_line_t *l)
{
	fputs("{\"bench\":", f);
	tl_bench_json_str(f, l->bench);
	fputs(",\"unit\":", f);
	tl_bench_json_str(f, l->unit ? l->unit : "ns");
	if (l->h) {
		const tl_hist_t *h = l->h;
		fprintf(f, ",\"n\":%llu,\"p50\":%llu,\"p90\":%llu,\"p99\":%llu,"
			"\"p999\":%llu,\"p9999\":%llu,\"max\":%llu,\"mean\":%.1f",
			(unsigned long long)tl_hist_count(h),
			(unsigned long long)tl_hist_percentile(h, 50.0),
			(unsigned long long)tl_hist_percentile(h, 90.0),
			(unsigned long long)tl_hist_percentile(h, 99.0),
			(unsigned long long)tl_hist_percentile(h, 99.9),
			(unsigned long long)tl_hist_percentile(h, 99.99),
			(unsigned long long)tl_hist_max(h), tl_hist_mean(h));
	} else {
		/* whole numbers (bytes, counts) in full; others to 17
		 * significant digits, enough to round-trip a double */
		if (l->value < 9e15 && l->value > -9e15 &&
		    l->value == (double)(long long)l->value)
			fprintf(f, ",\"value\":%lld", (long long)l->value);
		else if (l->value == l->value && l->value - l->value == 0)
			fprintf(f, ",\"value\":%.17g", l->value);
		else
			fputs(",\"value\":null", f);	/* NaN or infinite */
	}
	fprintf(f, ",\"mode\":\"%s\",\"rate\":%llu,\"threads\":%d,\"cpu\":",
		suite_mode_name(l->mode), (unsigned long long)l->rate, l->threads);
	tl_bench_json_str(f, l->cpu ? l->cpu : "none");
	fputs(",\"from\":", f);
	tl_bench_json_str(f, l->from ? l->from : "");
	fputs(",\"to\":", f);
	tl_bench_json_str(f, l->to ? l->to : "");
	fputs(",\"machine\":", f);
	tl_bench_json_str(f, tl_bench_machine());
	if (l->extra && l->extra[0])
		fprintf(f, ",%s", l->extra);
	fputs("}\n", f);
	fflush(f);
}

void tl_bench_emit(const tl_bench_line_t *l)
{
	suite_write(stdout, l);
	if (suite_results)
		suite_write(suite_results, l);
}

uint64_t tl_bench_iters(const tl_bench_ctx_t *ctx, uint64_t dflt,
			uint64_t smoke_n, double ns_per_op)
{
	if (ctx->smoke)
		return smoke_n;
	if (ctx->duration_s > 0 && ns_per_op > 0) {
		double n = ctx->duration_s * 1e9 / ns_per_op;
		if (n < (double)smoke_n)
			return smoke_n;
		if (n > 1e12)
			return 1000000000000ULL;
		return (uint64_t)n;
	}
	return dflt;
}

int tl_bench_role_cpu(const tl_bench_ctx_t *ctx, int role, int dflt)
{
	if (role >= 0 && role < 2 && ctx->cpus[role] >= 0)
		return ctx->cpus[role];
	return dflt;
}

int tl_bench_scratch(const tl_bench_ctx_t *ctx, const char *prefix,
		     char *buf, size_t len)
{
	char base[4096];
	int m;
	if (ctx->outdir) {
		m = snprintf(base, sizeof base, "%s/tmp", ctx->outdir);
		if (m < 0 || (size_t)m >= sizeof base)
			goto toolong;
		if (mkdir(base, 0755) < 0 && errno != EEXIST) {
			fprintf(stderr, "bench: mkdir %s: %s\n", base, strerror(errno));
			return -1;
		}
	} else {
		const char *t = getenv("TMPDIR");
		snprintf(base, sizeof base, "%s", t && *t ? t : "/tmp");
	}
	m = snprintf(buf, len, "%s/%s-XXXXXX", base, prefix);
	if (m < 0 || (size_t)m >= len)
		goto toolong;
	if (!mkdtemp(buf)) {
		fprintf(stderr, "bench: mkdtemp %s: %s\n", buf, strerror(errno));
		return -1;
	}
	return 0;
toolong:
	fprintf(stderr, "bench: scratch path too long under %s\n",
		ctx->outdir ? ctx->outdir : "$TMPDIR");
	return -1;
}

int tl_bench_rmdir(const char *dir)
{
	int rc = 0;
	DIR *d = opendir(dir);
	if (d) {
		struct dirent *e;
		char p[4096];
		while ((e = readdir(d)) != NULL) {
			if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
				continue;
			int m = snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
			if (m < 0 || (size_t)m >= sizeof p || unlink(p) < 0)
				rc = -1;
		}
		closedir(d);
	}
	if (rmdir(dir) < 0) {
		fprintf(stderr, "bench: cannot remove %s: %s\n", dir, strerror(errno));
		rc = -1;
	}
	return rc;
}
