/*
 * subproc.h - run the `talon` binary of the current build from a test.
 *
 * Tests live in <build>/tests/<module>/test_<unit>; the binary under test
 * is <build>/talon, so a sanitized test run drives a sanitized talon.
 */
#ifndef TL_TEST_SUBPROC_H
#define TL_TEST_SUBPROC_H

#include <stddef.h>

/* Path of <build>/talon into buf; 0, or -1 when it is not there. */
int tl_test_talon_path(char *buf, size_t len);

/*
 * Run argv[0] with argv (NULL-terminated), stdin from /dev/null, stdout
 * captured into out (NUL-terminated, truncated at cap - 1); stderr is
 * captured too when merge_stderr, else discarded. Returns the exit status,
 * or -1 when the program did not exit normally.
 */
int tl_test_run(char *out, size_t cap, int merge_stderr, const char *const *argv);

/* tl_test_run of `bin a0 a1 ... NULL` (at most 30 arguments). */
int tl_test_runv(char *out, size_t cap, int merge_stderr, const char *bin,
		 const char *a0, ...);

#endif
