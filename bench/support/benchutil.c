/*
 * benchutil.c - clock, pinning, machine name and result lines shared by
 * the benchmarks (see benchutil.h). Cold path only: nothing here runs
 * inside a timed loop except the inline clock.
 */
#define _GNU_SOURCE
#include "bench/support/benchutil.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

static int benchutil_num(const char *s, long long lo, long long *out)
{
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (errno || end == s || *end || v < lo)
		return -1;
	*out = v;
	return 0;
}

int tl_bench_parse(int argc, char **argv, tl_bench_opts_t *o)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *val = NULL;
		int is_n = 0;
		size_t len;
		long long v;
		if (!strncmp(a, "--n", 3) && (a[3] == '\0' || a[3] == '='))
			is_n = 1, len = 3;
		else if (!strncmp(a, "--cpu", 5) && (a[5] == '\0' || a[5] == '='))
			len = 5;
		else
			goto usage;
		if (a[len] == '=')
			val = a + len + 1;
		else if (i + 1 < argc)
			val = argv[++i];
		else
			goto usage;
		if (benchutil_num(val, is_n ? 1 : 0, &v) < 0)
			goto usage;
		if (is_n)
			o->n = (uint64_t)v;
		else
			o->cpu = (int)v;
	}
	return 0;
usage:
	fprintf(stderr, "usage: %s [--n N] [--cpu C]\n", argv[0]);
	return -1;
}

int tl_bench_default_cpu(void)
{
	cpu_set_t set;
	CPU_ZERO(&set);
	if (pthread_getaffinity_np(pthread_self(), sizeof(set), &set) != 0)
		return -1;
	if (CPU_ISSET(1, &set))
		return 1;
	for (int c = 0; c < CPU_SETSIZE; c++)
		if (CPU_ISSET(c, &set))
			return c;
	return -1;
}

int tl_bench_pin(int cpu)
{
	if (cpu < 0)
		cpu = tl_bench_default_cpu();
	if (cpu < 0 || cpu >= CPU_SETSIZE) {
		fprintf(stderr, "bench: no CPU to pin to; running unpinned\n");
		return -1;
	}
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	/* pid 0 = the calling thread. */
	if (sched_setaffinity(0, sizeof(set), &set) != 0) {
		fprintf(stderr, "bench: pin to cpu %d: %s; running unpinned\n",
			cpu, strerror(errno));
		return -1;
	}
	return cpu;
}

const char *tl_bench_machine(void)
{
	static char name[256];
	if (name[0])
		return name;
	snprintf(name, sizeof(name), "unknown");
	FILE *f = fopen("/proc/cpuinfo", "r");
	if (!f)
		return name;
	char line[512];
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "model name", 10) != 0)
			continue;
		char *p = strchr(line, ':');
		if (!p)
			continue;
		p++;
		while (*p == ' ' || *p == '\t')
			p++;
		size_t n = strcspn(p, "\r\n");
		while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
			n--;
		if (n > 0)
			snprintf(name, sizeof(name), "%.*s", (int)n, p);
		break;
	}
	fclose(f);
	return name;
}

void tl_bench_json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"': fputs("\\\"", f); break;
		case '\\': fputs("\\\\", f); break;
		case '\n': fputs("\\n", f); break;
		case '\r': fputs("\\r", f); break;
		case '\t': fputs("\\t", f); break;
		default:
			if (*p < 0x20)
				fprintf(f, "\\u%04x", *p);
			else
				fputc(*p, f);	/* UTF-8 passes through */
		}
	}
	fputc('"', f);
}

void tl_bench_print_open(const char *bench, const tl_hist_t *h, int threads,
			 int cpu)
{
	FILE *f = stdout;
	fputs("{\"bench\":", f);
	tl_bench_json_str(f, bench);
	fprintf(f, ",\"unit\":\"ns\",\"n\":%llu,\"p50\":%llu,\"p90\":%llu,"
		"\"p99\":%llu,\"p999\":%llu,\"p9999\":%llu,\"max\":%llu,"
		"\"mean\":%.1f,\"threads\":%d,\"cpu\":%d,\"machine\":",
		(unsigned long long)tl_hist_count(h),
		(unsigned long long)tl_hist_percentile(h, 50.0),
		(unsigned long long)tl_hist_percentile(h, 90.0),
		(unsigned long long)tl_hist_percentile(h, 99.0),
		(unsigned long long)tl_hist_percentile(h, 99.9),
		(unsigned long long)tl_hist_percentile(h, 99.99),
		(unsigned long long)tl_hist_max(h),
		tl_hist_mean(h), threads, cpu);
	tl_bench_json_str(f, tl_bench_machine());
}

void tl_bench_print_close(void)
{
	fputs("}\n", stdout);
	fflush(stdout);
}

void tl_bench_print(const char *bench, const tl_hist_t *h, int threads,
		    int cpu)
{
	tl_bench_print_open(bench, h, threads, cpu);
	tl_bench_print_close();
}
