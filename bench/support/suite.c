/*
 * suite.c - result lines of `talon bench` (see suite.h). Cold path: called
 * once per case, after the measurement.
 */
#include "bench/support/suite.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

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
		fprintf(f, ",\"value\":%.6g", l->value);
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
