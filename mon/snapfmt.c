/*
 * snapfmt.c - the snapshot read for people (snapfmt.h).
 */
#include "mon/snapfmt.h"

#include <stdio.h>
#include <string.h>

#include "kernel/strat.h"
#include "runtime/clock.h"

int64_t tl_snapfmt_age(int64_t now, int64_t t)
{
	return now > t ? now - t : 0;
}

void tl_snapfmt_dur(int64_t ns, char *buf, size_t len)
{
	int64_t sec = ns / TL_NS_PER_S;

	if (ns < 0)
		snprintf(buf, len, "-");
	else if (sec < 60)
		snprintf(buf, len, "%.1fs", (double)ns / 1e9);
	else if (sec < 3600)
		snprintf(buf, len, "%lldm%02llds", (long long)(sec / 60),
			 (long long)(sec % 60));
	else
		snprintf(buf, len, "%lldh%02lldm%02llds", (long long)(sec / 3600),
			 (long long)(sec / 60 % 60), (long long)(sec % 60));
}

const char *tl_snapfmt_pos_dir(const tl_shm_pos_t *p)
{
	if (p->pos_side == TL_PS_LONG)
		return "LONG";
	if (p->pos_side == TL_PS_SHORT)
		return "SHORT";
	return p->qty > 0 ? "LONG" : p->qty < 0 ? "SHORT" : "FLAT";
}

tl_fx_t tl_snapfmt_roe_pct(tl_fx_t roe)
{
	return roe > INT64_MAX / 100 || roe < INT64_MIN / 100 ? 0 : roe * 100;
}

bool tl_snapfmt_strat_shown(const tl_shm_snapshot_t *sn, uint32_t r)
{
	const tl_shm_strat_t *t = &sn->strat[r];
	return r > 0 || t->orders || t->fills || t->realized || t->unrealized ||
	       t->commission;
}

const char *tl_snapfmt_strat_name(const tl_shm_strat_t *t, uint32_t r,
				  char out[TL_STRAT_LEN])
{
	memcpy(out, t->name, TL_STRAT_LEN);
	out[TL_STRAT_LEN - 1] = '\0';
	if (r == 0)
		out[0] = '\0';
	else if (!tl_strat_valid(out))
		snprintf(out, TL_STRAT_LEN, "?");
	return out;
}

tl_fx_t tl_snapfmt_strat_net(const tl_shm_strat_t *t)
{
	return tl_fx_sat128((__int128)t->realized - t->commission + t->unrealized);
}
