/*
 * snapfmt.h - reading the engine's status snapshot (runtime/shm.h) for
 * people: durations, position direction, strategy rows. Shared by
 * `talon ctl` (cmd_ctl.c), `talon top` (cmd_top.c, top_view.c) and the
 * monitor (snapjson.c, metrics.c), so
 * both show the same thing the same way.
 *
 * The snapshot is another process's memory: everything here bounds what
 * it reads and never overflows on a corrupt value.
 */
#ifndef TL_SNAPFMT_H
#define TL_SNAPFMT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel/fixed.h"
#include "runtime/shm.h"

/* How old `t` is at `now`: the engine may have written it after the
 * reader read its clock, which is no age at all, not a negative one. */
int64_t tl_snapfmt_age(int64_t now, int64_t t);

/* A duration as "4.2s", "3m07s" or "2h03m07s"; "-" when ns < 0. */
void tl_snapfmt_dur(int64_t ns, char *buf, size_t len);

/* "LONG", "SHORT" or "FLAT": the hedge-mode side, else the sign of qty. */
const char *tl_snapfmt_pos_dir(const tl_shm_pos_t *p);

/* A position's ROE (a fraction) in percent; 0 when that would overflow. */
tl_fx_t tl_snapfmt_roe_pct(tl_fx_t roe);

/* Strategy rows worth showing: every tag, and the untagged row once
 * something was booked to it. r < TL_SHM_STRAT_MAX. */
bool tl_snapfmt_strat_shown(const tl_shm_snapshot_t *sn, uint32_t r);

/* A row's name as shown: "" for row 0, "?" for a name that is not a
 * valid tag. Returns out. */
const char *tl_snapfmt_strat_name(const tl_shm_strat_t *t, uint32_t r,
				  char out[TL_STRAT_LEN]);

/* realized - commission + unrealized, saturated. */
tl_fx_t tl_snapfmt_strat_net(const tl_shm_strat_t *t);

#endif /* TL_SNAPFMT_H */
