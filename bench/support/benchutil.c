/*
 * benchutil.c - pinning, machine name and JSON quoting shared by the
 * benchmark suites (see benchutil.h). Cold path only: nothing here runs
 * inside a timed loop except the inline clock.
 */
#define _GNU_SOURCE
#include "bench/support/benchutil.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

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

