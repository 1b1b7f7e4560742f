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
#include <time.h>
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

int tl_test_paper_cfg(const char *path, const char *name, const char *engine_more,
		      const char *top_more)
{
	char cwd[PATH_MAX];
	FILE *f;

	if (!getcwd(cwd, sizeof cwd) || !(f = fopen(path, "w")))
		return -1;
	fprintf(f, "{\"engine\": {\"name\": \"%s\", \"idle\": \"sleep\", \"idle_us\": 100, "
		   "\"snapshot_hz\": 50%s},\n"
		   " \"io\": {\"idle\": \"sleep\", \"idle_us\": 100},\n"
		   " \"symbols\": {\"exchange_info\": \"%s/config/exchange_info.json\", "
		   "\"only\": [\"BTCUSDT\", \"ETHUSDT\"]},\n"
		   " \"venue\": {\"type\": \"paper\", \"paper\": {\"latency_ms\": 1, "
		   "\"mark_interval_ms\": 100}}%s}\n",
		name, engine_more, cwd, top_more);
	return fclose(f) == 0 ? 0 : -1;
}

pid_t tl_test_talon_start(const char *bin, const char *cfg, const char *log, int secs)
{
	char dur[16];
	pid_t pid;

	snprintf(dur, sizeof dur, "%d", secs);
	pid = fork();
	if (pid == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (fd >= 0) {
			dup2(fd, 2);
			dup2(fd, 1);
		}
		execl(bin, bin, "run", "-c", cfg, "--duration", dur, (char *)NULL);
		_exit(127);
	}
	return pid;
}

static void sp_nap_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

bool tl_test_ctl_until(const char *bin, const char *sel, const char *val,
		       const char *needle, int tries, char *out, size_t cap)
{
	for (int i = 0; i < tries; i++) {
		tl_test_runv(out, cap, 0, bin, "ctl", sel, val, "status", "--json", NULL);
		if (strstr(out, needle))
			return true;
		sp_nap_ms(50);
	}
	fprintf(stderr, "status never showed %s; last: %.400s\n", needle, out);
	return false;
}

int tl_test_ctl_buy(const char *bin, const char *sel, const char *val, const char *sym,
		    const char *qty, int tries, char *out, size_t cap)
{
	int rc = 1;

	for (int i = 0; i < tries && rc != 0; i++) {
		rc = tl_test_runv(out, cap, 0, bin, "ctl", sel, val, "submit", "--symbol", sym,
				  "--side", "BUY", "--type", "MARKET", "--qty", qty, NULL);
		if (rc != 0 && !strstr(out, "NO_MARK"))
			break;
		if (rc != 0)
			sp_nap_ms(50);
	}
	if (rc != 0)
		fprintf(stderr, "submit: %s\n", out);
	return rc;
}
