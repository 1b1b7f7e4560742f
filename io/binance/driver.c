/*
 * driver.c - the Binance USD-M adapter as a driver (io/venue.h): its
 * config section, exchangeInfo before the kernel sees the symbol table,
 * create, the engine's heartbeat for the dead-man switch, and the cause
 * of a failed cold call.
 */
#include "io/binance/binance.h"

#include <time.h>

#include "io/binance/check.h"
#include "io/binance/config.h"
#include "io/binance/internal.h"
#include "io/binance/sync.h"
#include "io/binance/startup.h"
#include "io/binance/xinfo.h"

static int64_t tl_binance_drv_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * TL_NS_PER_S + ts.tv_nsec;
}

/* exchangeInfo (io/binance/xinfo.h), retried within the start-up
 * deadline; the adapter's cold calls (time, leverage) get what is left
 * of it, so a dead venue fails the start in one deadline, not two. */
static int tl_binance_drv_prepare(tl_config_t *c, tl_symbols_t *syms, char *err,
				  size_t errlen)
{
	tl_binance_cfg_t *bc = tl_binance_cfg(c);
	int64_t t0 = tl_binance_drv_mono();
	int rc = tl_binance_xinfo_load(c, syms, err, errlen);
	int64_t used = tl_binance_drv_mono() - t0;

	if (bc->startup_deadline_ns <= 0)
		bc->startup_deadline_ns = TL_STARTUP_DEADLINE_NS;
	/* at least one attempt each: a 1 ms budget is one try */
	bc->startup_deadline_ns = used < bc->startup_deadline_ns ?
				  bc->startup_deadline_ns - used : TL_NS_PER_MS;
	return rc;
}

/* The crash window: orders the last session sent without journaling
 * them are looked for at the venue during start-up reconciliation. */
static void tl_binance_drv_lost_ids(tl_venue_t *v, uint64_t lo, uint64_t hi, tl_time_t last)
{
	tl_binance_t *b = tl_binance_of(v);

	if (b->rsync)
		tl_binance_sync_lost(b->rsync, lo, hi, last);
}

const tl_venue_driver_t tl_binance_driver = {
	.name = "binance",
	.cfg_defaults = tl_binance_cfg_defaults,
	.cfg_parse = tl_binance_cfg_parse,
	.cfg_check = tl_binance_cfg_check,
	.cfg_wipe = tl_binance_cfg_wipe,
	.prepare_symbols = tl_binance_drv_prepare,
	.create = tl_binance_create,
	.lost_ids = tl_binance_drv_lost_ids,
	.set_heartbeat = tl_binance_set_heartbeat,
	.call_error = tl_binance_call_error,
	.preflight = tl_binance_check,
};
