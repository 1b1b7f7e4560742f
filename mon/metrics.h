/*
 * metrics.h - an engine's state as Prometheus metrics (text exposition
 * format 0.0.4), for `talon monitor`'s /metrics.
 *
 * Everything comes from the shared-memory block (runtime/shm.h): the
 * block's own words (pid, heartbeat, start time, ctl ring resets) and a
 * snapshot the caller read from it (tl_shm_read_snapshot). The block is
 * another process's memory, so nothing read from it is trusted: counts
 * are clamped to their arrays, text is cut to its field and escaped (a
 * byte that is not valid UTF-8 or a control character becomes '?').
 *
 * Money is exact: fixed-point values are written in decimal by
 * tl_fx_format, times as seconds by integer arithmetic; no float ever
 * touches a value. docs/metrics.md lists every family.
 */
#ifndef TL_MON_METRICS_H
#define TL_MON_METRICS_H

#include <stdint.h>
#include <stdio.h>

#include "runtime/shm.h"

/* The Content-Type of what tl_mon_metrics_write writes. */
#define TL_MON_METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

/*
 * Write every metric family of the engine behind `shm` to f: `sn` is the
 * snapshot the caller read from it, now_realtime_ns the wall clock (for
 * the heartbeat's age and whether the engine is up). shm may be NULL:
 * then only what the snapshot holds is written (no engine_up, heartbeat,
 * start time). Returns 0, or -1 when a write to f failed (f is flushed
 * before returning).
 */
int tl_mon_metrics_write(FILE *f, const tl_shm_t *shm, const tl_shm_snapshot_t *sn,
			 int64_t now_realtime_ns);

#endif /* TL_MON_METRICS_H */
