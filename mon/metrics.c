/*
 * metrics.c - the Prometheus text of an engine's shm block (metrics.h):
 * the engine's liveness, trading state, open orders and positions, as
 * gauges in text format 0.0.4.
 */
#include "mon/metrics.h"

#include <stdatomic.h>

#include "kernel/fixed.h"
#include "kernel/types.h"
#include "mon/snapjson.h"

static void mt_head(FILE *f, const char *name, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s gauge\n", name, help, name);
}

/* A label value: the symbol comes from the block, so only the characters
 * a symbol may have pass ([A-Z0-9]); anything else would need escaping
 * and is not a symbol. */
static void mt_label(FILE *f, const char *s, size_t cap)
{
	for (size_t i = 0; i < cap && s[i]; i++) {
		char c = s[i];
		fputc((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ? c : '_', f);
	}
}

int tl_mon_metrics_write(FILE *f, const tl_shm_t *shm, const tl_shm_snapshot_t *sn,
			 int64_t now_realtime_ns)
{
	char b[TL_FX_STRLEN];
	int64_t hb = atomic_load(&shm->heartbeat);

	mt_head(f, "talon_up", "1 while the monitor reads the engine's block.");
	fprintf(f, "talon_up 1\n");
	mt_head(f, "talon_trading_state",
		"Trading state: 0 NORMAL, 1 REDUCING, 2 LIQUIDATING, 3 PAUSED.");
	fprintf(f, "talon_trading_state %u\n", (unsigned)sn->state);
	mt_head(f, "talon_open_orders", "Orders open at the venue.");
	fprintf(f, "talon_open_orders %u\n", sn->open_orders);
	mt_head(f, "talon_heartbeat_age_seconds",
		"Seconds since the engine's last heartbeat.");
	fprintf(f, "talon_heartbeat_age_seconds %.3f\n",
		(double)tl_snapfmt_age(now_realtime_ns, hb) / 1e9);
	mt_head(f, "talon_position_qty", "Position quantity (negative: short).");
	for (uint32_t i = 0; i < sn->n_pos && i < TL_SHM_POS_MAX; i++) {
		const tl_shm_pos_t *p = &sn->pos[i];

		fputs("talon_position_qty{symbol=\"", f);
		mt_label(f, p->symbol, sizeof p->symbol);
		fprintf(f, "\",side=\"%s\"} %s\n", tl_snapfmt_pos_dir(p),
			tl_snapjson_fx(p->qty, b));
	}
	return ferror(f) ? -1 : 0;
}
