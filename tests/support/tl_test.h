/*
 * tl_test.h - the CUnit harness every talon test program is built on.
 *
 * One test file is one program and one CUnit suite:
 *
 *   #include "tests/support/tl_test.h"
 *
 *   static void test_parse_rejects_exponent(void)
 *   {
 *           tl_fx_t v;
 *           CU_ASSERT_EQUAL(tl_fx_parse_cstr("1e8", &v), TL_FX_SYNTAX);
 *   }
 *
 *   TL_TEST_SUITE("kernel.fixed", NULL, NULL,
 *                 TL_TEST(test_parse_rejects_exponent),
 *                 TL_TEST(test_format_shortest));
 *
 * TL_TEST_SUITE defines main(). It registers the suite, runs it with
 * CU_basic_run_tests in CU_BRM_VERBOSE mode (CUnit prints each test and its
 * run summary), then prints one machine line for scripts/run-tests.sh:
 *
 *   TLTEST suite=kernel.fixed tests=2 failed=0 asserts=7
 *
 * and exits 0 when every test passed, 1 on any failure or CUnit error.
 * A test program that cannot run here (no io_uring, ...) calls
 * tl_test_skip(), which exits 77; the runner counts that as a skip.
 *
 * The 2nd and 3rd arguments are setup and teardown, each NULL or one of:
 *   void fn(void)  runs before / after every test (fresh fixture per test);
 *   int  fn(void)  runs once before / after the whole suite, CUnit style:
 *                  non-zero means the suite failed and its tests count as
 *                  failed.
 *
 * Running one test by hand: `build/tests/kernel/test_fixed NAME...` runs
 * only the named tests. Tests run from the repository root, so data files
 * are at tl_test_data_path("name") == "tests/data/name".
 */
#ifndef TL_TEST_H
#define TL_TEST_H

#include <stddef.h>

#include <CUnit/CUnit.h>

/* One entry of a suite's test table; build it with TL_TEST(fn). */
typedef struct tl_test_case {
	const char *name;
	void (*fn)(void);
} tl_test_case_t;

/* Setup or teardown as given to TL_TEST_SUITE, sorted by kind. */
typedef struct tl_test_hook {
	int (*suite)(void);   /* once per suite; non-zero = suite failed */
	void (*each)(void);   /* around every test */
} tl_test_hook_t;

#define TL_TEST(fn) { #fn, fn }

#define TL_TEST_SUITE(name, setup, teardown, ...)                            \
	static const tl_test_case_t tl_test_cases_[] = {                     \
		__VA_ARGS__, { NULL, NULL }                                   \
	};                                                                    \
	int main(int argc, char **argv)                                       \
	{                                                                     \
		return tl_test_main((name), TL_TEST_HOOK_(setup),             \
				    TL_TEST_HOOK_(teardown), tl_test_cases_,  \
				    argc, argv);                              \
	}

/*
 * Runs the suite (see the file comment); argv[1..] optionally name the
 * tests to run. Returns the process exit code. Called by TL_TEST_SUITE.
 */
int tl_test_main(const char *suite, tl_test_hook_t setup,
		 tl_test_hook_t teardown, const tl_test_case_t *cases,
		 int argc, char **argv);

/* Prints "SKIP: <why>" and exits 77 (the runner's skip code). */
_Noreturn void tl_test_skip(const char *why);

/*
 * "tests/data/<name>" in a thread-local buffer, overwritten by the next
 * call (tests run from the repository root). Aborts if it is too long.
 */
const char *tl_test_data_path(const char *name);

/*
 * Reads a whole file into a malloc'd, NUL-terminated buffer the caller
 * frees; *len (if not NULL) gets the size without the NUL. Returns NULL
 * and prints why to stderr if the file cannot be read.
 */
char *tl_test_read_file(const char *path, size_t *len);

/* Sorts a setup/teardown argument by its type; NULL means none. Any other
 * type (a function with arguments, a literal 0) is a compile error. */
#define TL_TEST_HOOK_(f)                                                      \
	_Generic((f),                                                         \
		int (*)(void): tl_test_hook_suite_,                            \
		void (*)(void): tl_test_hook_each_,                            \
		void *: tl_test_hook_none_)(f)

static inline tl_test_hook_t tl_test_hook_suite_(int (*f)(void))
{
	return (tl_test_hook_t){ .suite = f, .each = NULL };
}

static inline tl_test_hook_t tl_test_hook_each_(void (*f)(void))
{
	return (tl_test_hook_t){ .suite = NULL, .each = f };
}

static inline tl_test_hook_t tl_test_hook_none_(void *null)
{
	(void)null;
	return (tl_test_hook_t){ .suite = NULL, .each = NULL };
}

#endif /* TL_TEST_H */
