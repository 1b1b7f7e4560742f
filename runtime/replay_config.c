/*
 * replay_config.c - `talon replay` from a config file (replay_config.h).
 * Cold path: allocation is fine.
 */
#include "runtime/replay_config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/config.h"

int tl_replay_run(const tl_replay_opts_t *o, tl_replay_result_t *res,
		  char *err, size_t errlen)
{
	char e[384];
	tl_symbols_t syms;
	/* tl_config_t is large (symbol tables, the venue's section): heap */
	tl_config_t *cfg = calloc(1, sizeof(*cfg));
	int rc = -1;

	memset(res, 0, sizeof(*res));
	memset(&syms, 0, sizeof(syms));
	if (!cfg) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (tl_config_load(cfg, o->config_path, e, sizeof(e)) < 0) {
		snprintf(err, errlen, "config %s: %s", o->config_path, e);
		goto out;
	}
	tl_config_wipe_secrets(cfg);	/* replay never talks to the venue */
	if (tl_config_symbols(cfg, &syms, e, sizeof(e)) < 0) {
		snprintf(err, errlen, "config %s: symbols: %s", o->config_path, e);
		goto out;
	}
	tl_replay_kernel_t kin = {
		.kernel = &cfg->kernel, .syms = &syms, .n_leverage = cfg->n_symbols,
		.symbols = (const char (*)[TL_SYMBOL_NAMELEN])cfg->symbols,
		.leverage = cfg->leverage, .engine_name = cfg->name,
	};
	rc = tl_replay_run_kernel(o, &kin, res, err, errlen);
out:
	free(cfg);
	return rc;
}
