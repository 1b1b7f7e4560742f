/*
 * subproc.c - run the talon binary from tests (see subproc.h).
 */
#include "tests/support/subproc.h"

#include <fcntl.h>
#include <stdarg.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int tl_test_talon_path(char *buf, size_t len)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
	if (n <= 0)
		return -1;
	self[n] = '\0';
	/* Tests mirror the source folders (<build>/tests/<dir>/test_<unit>,
	 * <dir> one or two levels deep): walk up from the test's folder
	 * until <build>/talon is found. */
	for (int i = 0; i < 4; i++) {
		char *slash = strrchr(self, '/');
		if (!slash)
			return -1;
		*slash = '\0';
		if ((size_t)snprintf(buf, len, "%s/talon", self) >= len)
			return -1;
		if (i >= 2 && access(buf, X_OK) == 0)
			return 0;
	}
	return -1;
}

int tl_test_run(char *out, size_t cap, int merge_stderr, const char *const *argv)
{
	int p[2];
	if (pipe(p) != 0)
		return -1;
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		int devnull = open("/dev/null", O_RDWR);
		dup2(devnull, 0);
		dup2(p[1], 1);
		dup2(merge_stderr ? p[1] : devnull, 2);
		close(p[0]);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(p[1]);
	size_t used = 0;
	ssize_t r;
	char sink[4096];
	while ((r = read(p[0], used + 1 < cap ? out + used : sink,
			 used + 1 < cap ? cap - 1 - used : sizeof sink)) > 0)
		if (used + 1 < cap)
			used += (size_t)r;
	if (cap)
		out[used] = '\0';
	close(p[0]);
	int st;
	if (waitpid(pid, &st, 0) != pid)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

int tl_test_runv(char *out, size_t cap, int merge_stderr, const char *bin,
		 const char *a0, ...)
{
	const char *argv[32];
	int n = 0;
	argv[n++] = bin;
	va_list ap;
	va_start(ap, a0);
	for (const char *a = a0; a && n < 31; a = va_arg(ap, const char *))
		argv[n++] = a;
	va_end(ap);
	argv[n] = NULL;
	return tl_test_run(out, cap, merge_stderr, argv);
}
