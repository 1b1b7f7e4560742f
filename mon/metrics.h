/*
 * metrics.h - the Prometheus text exposition (format 0.0.4) of an
 * engine's shm block: what `talon monitor` serves at GET /metrics.
 */
#ifndef TL_MON_METRICS_H
#define TL_MON_METRICS_H

#include <stdint.h>
#include <stdio.h>

#include "runtime/shm.h"

/* Write every metric of the block `shm` and its snapshot `sn` (read by
 * the caller with tl_shm_read_snapshot) to f, each with its # HELP and
 * # TYPE lines; ages are taken at now_realtime_ns (CLOCK_REALTIME, ns).
 * Returns 0, or -1 when writing to f failed. */
int tl_mon_metrics_write(FILE *f, const tl_shm_t *shm, const tl_shm_snapshot_t *sn,
			 int64_t now_realtime_ns);

#endif /* TL_MON_METRICS_H */
