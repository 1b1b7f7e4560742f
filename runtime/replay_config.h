/*
 * replay_config.h - `talon replay` from an engine config file: the step
 * that reads the config (runtime/config.h) and hands persist/replay.h the
 * kernel it describes, so persist/ never reads a config itself.
 */
#ifndef TL_REPLAY_CONFIG_H
#define TL_REPLAY_CONFIG_H

#include <stddef.h>

#include "persist/replay.h"

/*
 * Load o->config_path (its secret wiped at once: replay never talks to
 * the venue), load its symbol table, then tl_replay_run_kernel with the
 * config's kernel section, symbols and per-symbol leverage. Returns as
 * tl_replay_run_kernel; a config that cannot be used is -1 with err
 * "config PATH: ...".
 */
int tl_replay_run(const tl_replay_opts_t *o, tl_replay_result_t *res,
		  char *err, size_t errlen);

#endif /* TL_REPLAY_CONFIG_H */
