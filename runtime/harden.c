/*
 * harden.c - process-level protection of the API secret (see harden.h).
 */
#include "runtime/harden.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>

int tl_harden_process(bool allow_core_dumps, char *err, size_t errlen)
{
	struct rlimit no_core = { 0, 0 };

	if (allow_core_dumps)
		return 0;
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0) {
		snprintf(err, errlen, "prctl(PR_SET_DUMPABLE, 0): %s", strerror(errno));
		return -1;
	}
	/* Belt and braces: with fs.suid_dumpable = 2 the kernel still
	 * writes a (root-only) core of a non-dumpable process. */
	if (setrlimit(RLIMIT_CORE, &no_core) < 0) {
		snprintf(err, errlen, "setrlimit(RLIMIT_CORE, 0): %s", strerror(errno));
		return -1;
	}
	return 0;
}

int tl_harden_dumpable(void)
{
	return prctl(PR_GET_DUMPABLE, 0, 0, 0, 0);
}
