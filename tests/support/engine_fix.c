/*
 * engine_fix.c - the engine tests' shared set-up (see engine_fix.h).
 */
#include "tests/support/engine_fix.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "io/paper/config.h"
#include "runtime/clock.h"
#include "tests/support/tl_test.h"

bool tl_test_shared(void)
{
	const char *t = getenv("TL_TEST_THREADING");
	return t && strcmp(t, "shared") == 0;
}

void tl_test_threading(tl_config_t *c)
{
	c->engine.idle = TL_IDLE_PARK;
	c->engine.idle_us = 20;
	c->io.idle = TL_IDLE_PARK;
	c->io.idle_us = 20;
	c->threading = tl_test_shared() ? TL_THREADING_SHARED : TL_THREADING_DEDICATED;
}

void tl_test_engine_config(tl_config_t *c)
{
	tl_config_defaults(c);
	snprintf(c->exchange_info, sizeof(c->exchange_info), "config/exchange_info.json");
	tl_test_threading(c);
	tl_paper_cfg(c)->latency_ns = 0;
}

tl_engine_t *tl_test_engine_start(const tl_config_t *c, const tl_engine_xopts_t *o)
{
	char err[512];
	tl_engine_t *e = tl_engine_create(c, o, err, sizeof(err));

	if (!e)
		fprintf(stderr, "engine: %s\n", err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	CU_ASSERT_EQUAL_FATAL(tl_engine_start(e, err, sizeof(err)), 0);
	return e;
}

void tl_test_engine_wait_marks(tl_engine_t *e)
{
	tl_shm_snapshot_t s;
	int64_t end = tl_test_mono_ns() + 10000000000LL;

	while (tl_test_mono_ns() < end && (!tl_engine_snapshot(e, &s) || s.inputs < 2))
		tl_test_nap_us(200);
	CU_ASSERT_FATAL(s.inputs >= 2);
}

int64_t tl_test_mono_ns(void)
{
	return tl_clock_mono_ns();
}

void tl_test_nap_us(long us)
{
	struct timespec ts = { us / 1000000, (us % 1000000) * 1000 };

	nanosleep(&ts, NULL);
}

int tl_test_threads_named(const char *comm, long *first_tid)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *de;
	int n = 0;

	if (!d)
		return -1;
	while ((de = readdir(d))) {
		char path[300], name[32] = "";
		FILE *f;
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof path, "/proc/self/task/%s/comm", de->d_name);
		if (!(f = fopen(path, "r")))
			continue;
		if (fgets(name, sizeof name, f))
			name[strcspn(name, "\n")] = '\0';
		fclose(f);
		if (strcmp(name, comm) != 0)
			continue;
		if (n++ == 0 && first_tid)
			*first_tid = strtol(de->d_name, NULL, 10);
	}
	closedir(d);
	return n;
}
