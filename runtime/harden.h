/*
 * harden.h - process-level protection of the API secret.
 *
 * A process that loaded venue.binance.api_secret keeps its HMAC key
 * schedule in memory for its whole life. A core file (crash, abort,
 * `gcore`) or another process of the same user reading /proc/PID/mem or
 * attaching with ptrace would copy it out. tl_harden_process marks the
 * process non-dumpable (prctl PR_SET_DUMPABLE 0: no core file, no ptrace
 * attach and no /proc/PID/mem for non-root processes) and sets the core
 * size limit to 0, unless the operator allowed core files
 * (engine.allow_core_dumps, docs/operations.md).
 *
 * Called by `talon run` and `talon venue` right after their config is
 * loaded, and by tl_engine_open; not by tl_engine_create, so a program
 * embedding the engine decides for itself.
 */
#ifndef TL_HARDEN_H
#define TL_HARDEN_H

#include <stdbool.h>
#include <stddef.h>

/* allow_core_dumps false: non-dumpable, RLIMIT_CORE 0. true: nothing is
 * changed. Returns 0, or -1 with the failing call named in err. */
int tl_harden_process(bool allow_core_dumps, char *err, size_t errlen);

/* 1 when the process is dumpable, 0 when not, -1 on error (PR_GET_DUMPABLE). */
int tl_harden_dumpable(void);

#endif /* TL_HARDEN_H */
