/*
 * tl_test.c - main() of every test program, and small test helpers.
 *
 * tl_test_main registers one CUnit suite, runs it verbosely, and prints
 * the TLTEST line that scripts/run-tests.sh adds up. See tl_test.h for
 * how a test file looks.
 */
#include "tests/support/tl_test.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/Basic.h>

/* The TL_TEST_SUITE hooks, reachable from CUnit's argument-less calls. */
static tl_test_hook_t tl_test_setup_hook, tl_test_teardown_hook;

static int tl_test_suite_init(void)
{
	return tl_test_setup_hook.suite();
}

static int tl_test_suite_clean(void)
{
	return tl_test_teardown_hook.suite();
}

/* Returns true when `name` is one of argv[1..argc-1] (all when none). */
static int tl_test_selected(const char *name, int argc, char **argv)
{
	if (argc < 2)
		return 1;
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], name) == 0)
			return 1;
	return 0;
}

int tl_test_main(const char *suite_name, tl_test_hook_t setup,
		 tl_test_hook_t teardown, const tl_test_case_t *cases,
		 int argc, char **argv)
{
	CU_pSuite suite;
	CU_ErrorCode run;
	unsigned ncases = 0, nactive = 0, tests, failed;
	int rc = 1;

	/* Line-buffered so output survives a crash and interleaves with
	 * stderr in the runner's log. */
	setvbuf(stdout, NULL, _IOLBF, 0);

	for (int i = 1; i < argc; i++) {
		const tl_test_case_t *c = cases;
		while (c->name && strcmp(c->name, argv[i]) != 0)
			c++;
		if (!c->name) {
			fprintf(stderr, "%s: no test named '%s' in suite %s\n",
				argv[0], argv[i], suite_name);
			return 2;
		}
	}

	tl_test_setup_hook = setup;
	tl_test_teardown_hook = teardown;
	if (CU_initialize_registry() != CUE_SUCCESS) {
		fprintf(stderr, "CUnit: %s\n", CU_get_error_msg());
		return 1;
	}
	/* Tests left out by name are inactive, not failures. */
	CU_set_fail_on_inactive(CU_FALSE);
	suite = CU_add_suite_with_setup_and_teardown(suite_name,
		setup.suite ? tl_test_suite_init : NULL,
		teardown.suite ? tl_test_suite_clean : NULL,
		setup.each, teardown.each);
	if (!suite)
		goto err;
	for (const tl_test_case_t *c = cases; c->name; c++) {
		CU_pTest t = CU_add_test(suite, c->name, c->fn);
		if (!t)
			goto err;
		ncases++;
		if (!tl_test_selected(c->name, argc, argv))
			CU_set_test_active(t, CU_FALSE);
		else
			nactive++;
	}

	CU_basic_set_mode(CU_BRM_VERBOSE);
	run = CU_basic_run_tests();   /* CUE_SINIT_FAILED etc. still report */
	if (run != CUE_SUCCESS)
		fprintf(stderr, "CUnit: %s\n", CU_get_error_msg());

	/* A failed suite init runs no test: count every selected one failed. */
	tests = nactive;
	failed = CU_get_number_of_tests_failed();
	if (CU_get_number_of_suites_failed() > 0)
		failed = nactive;
	printf("\nTLTEST suite=%s tests=%u failed=%u asserts=%u\n",
	       suite_name, tests, failed, CU_get_number_of_asserts());
	rc = failed == 0 && CU_get_number_of_failure_records() == 0 &&
	     run == CUE_SUCCESS && ncases > 0 ? 0 : 1;
	CU_cleanup_registry();
	return rc;

err:
	fprintf(stderr, "CUnit: %s\n", CU_get_error_msg());
	CU_cleanup_registry();
	return 1;
}

_Noreturn void tl_test_skip(const char *why)
{
	printf("SKIP: %s\n", why);
	fflush(stdout);
	exit(77);
}

const char *tl_test_data_path(const char *name)
{
	static _Thread_local char path[4096];
	int n = snprintf(path, sizeof(path), "tests/data/%s", name);

	if (n < 0 || (size_t)n >= sizeof(path)) {
		fprintf(stderr, "tl_test_data_path: name too long: %s\n",
			name);
		abort();
	}
	return path;
}

char *tl_test_read_file(const char *path, size_t *len)
{
	FILE *f;
	char *buf = NULL;
	long size;

	errno = 0;
	f = fopen(path, "rb");
	if (!f)
		goto err;
	if (fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) != 0)
		goto err;
	buf = malloc((size_t)size + 1);
	if (!buf)
		goto err;
	if (fread(buf, 1, (size_t)size, f) != (size_t)size)
		goto err;
	buf[size] = '\0';
	fclose(f);
	if (len)
		*len = (size_t)size;
	return buf;

err:
	fprintf(stderr, "tl_test_read_file: %s: %s\n", path,
		errno ? strerror(errno) : "short read");
	free(buf);
	if (f)
		fclose(f);
	return NULL;
}
