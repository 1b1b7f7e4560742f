/*
 * driver.c - replays inputs through a fuzz target without libFuzzer, so
 * `make test` checks every corpus and saved crash with the build's own
 * compiler and sanitizers (gcc, plain, ASan+UBSan or TSan).
 *
 * Linked with one tests/fuzz/fuzz_<input>.c into
 * $(B)/tests/fuzz/test_fuzz_<input>. Without arguments it runs, from the
 * repository root (scripts/run-tests.sh runs there), every file of
 *   tests/fuzz/corpus/fuzz_<input>/    the seed corpus
 *   tests/fuzz/crashes/fuzz_<input>/   inputs that once failed (kept, named,
 *                                      once fixed: regression cases)
 * taking the target's name from its own file name. With arguments it
 * runs those files or directories instead (reproducing a crash:
 * build/tests/fuzz/test_fuzz_http tests/fuzz/crashes/fuzz_http/x).
 *
 * A target reports a failed property by aborting, so one bad input ends
 * the program (run-tests counts it as failed); the input's path is
 * printed first, from the sanitizer's death callback or a signal handler.
 * At the end it prints the harness's line
 *   TLTEST suite=fuzz_<input> tests=<inputs> failed=0 asserts=<inputs>
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));
/* In every sanitizer runtime; absent (NULL) in a plain build. */
void __sanitizer_set_death_callback(void (*cb)(void)) __attribute__((weak));

static char current[4096];
static unsigned long inputs;

static void driver_say_current(void)
{
	/* Async-signal-safe: write(2) only. */
	static const char pre[] = "fuzz driver: failed on input ";
	if (write(2, pre, sizeof pre - 1) < 0 ||
	    write(2, current, strlen(current)) < 0 || write(2, "\n", 1) < 0)
		return;
}

static void driver_on_signal(int sig)
{
	driver_say_current();
	signal(sig, SIG_DFL);
	raise(sig);
}

static int driver_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	long n;

	if (!f) {
		fprintf(stderr, "fuzz driver: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (fseek(f, 0, SEEK_END) < 0 || (n = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) < 0 ||
	    !(buf = malloc((size_t)n + 1)) ||
	    fread(buf, 1, (size_t)n, f) != (size_t)n) {
		fprintf(stderr, "fuzz driver: %s: cannot read\n", path);
		free(buf);
		fclose(f);
		return -1;
	}
	fclose(f);
	snprintf(current, sizeof current, "%s", path);
	/* An exactly sized copy, as libFuzzer passes it: ASan sees overreads. */
	uint8_t *exact = malloc(n ? (size_t)n : 1);
	if (!exact) {
		free(buf);
		return -1;
	}
	memcpy(exact, buf, (size_t)n);
	free(buf);
	LLVMFuzzerTestOneInput(exact, (size_t)n);
	free(exact);
	inputs++;
	return 0;
}

static int driver_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every regular file of `dir`, in name order. missing_ok: a directory
 * that does not exist is empty. */
static int driver_dir(const char *dir, int missing_ok)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **names = NULL;
	size_t n = 0, cap = 0;
	int rc = 0;

	if (!d) {
		if (missing_ok && errno == ENOENT)
			return 0;
		fprintf(stderr, "fuzz driver: %s: %s\n", dir, strerror(errno));
		return -1;
	}
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			char **nn = realloc(names, cap * sizeof *names);
			if (!nn)
				abort();
			names = nn;
		}
		if (asprintf(&names[n], "%s/%s", dir, e->d_name) < 0)
			abort();
		n++;
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof *names, driver_cmp);
	for (size_t i = 0; i < n; i++) {
		struct stat st;
		if (rc == 0 && stat(names[i], &st) == 0 && S_ISREG(st.st_mode))
			rc = driver_file(names[i]);
		free(names[i]);
	}
	free(names);
	return rc;
}

static int driver_path(const char *path)
{
	struct stat st;

	if (stat(path, &st) < 0) {
		fprintf(stderr, "fuzz driver: %s: %s\n", path, strerror(errno));
		return -1;
	}
	return S_ISDIR(st.st_mode) ? driver_dir(path, 0) : driver_file(path);
}

int main(int argc, char **argv)
{
	const char *name = strrchr(argv[0], '/');
	char dir[512];
	int rc = 0;

	name = name ? name + 1 : argv[0];
	if (strncmp(name, "test_", 5) == 0)
		name += 5;
	if (__sanitizer_set_death_callback)
		__sanitizer_set_death_callback(driver_say_current);
	signal(SIGABRT, driver_on_signal);
	signal(SIGSEGV, driver_on_signal);
	signal(SIGBUS, driver_on_signal);
	signal(SIGFPE, driver_on_signal);
	if (LLVMFuzzerInitialize)
		LLVMFuzzerInitialize(&argc, &argv);

	if (argc > 1) {
		for (int i = 1; i < argc && rc == 0; i++)
			rc = driver_path(argv[i]);
	} else {
		/* The corpus must exist: a target without seeds is a mistake. */
		snprintf(dir, sizeof dir, "tests/fuzz/corpus/%s", name);
		rc = driver_dir(dir, 0);
		snprintf(dir, sizeof dir, "tests/fuzz/crashes/%s", name);
		if (rc == 0)
			rc = driver_dir(dir, 1);
	}
	printf("%s: %lu inputs replayed\n", name, inputs);
	printf("TLTEST suite=%s tests=%lu failed=%d asserts=%lu\n", name,
	       inputs + (rc != 0), rc != 0, inputs);
	return rc != 0;
}
