/*
 * binance_deadman.c - renewal schedule of countdownCancelAll (see
 * binance_deadman.h).
 *
 *   idle --now >= next_round, heartbeat fresh--> round (next_sym = 0,
 *        next_round = now + period)
 *   round --tl_binance_deadman_due--> one symbol per call until next_sym = nsym
 *   any --renewal failed--> next_round <= now + 1 s
 *   idle --heartbeat stale--> idle (stale_rounds++, checked again each
 *        call)
 */
#include "io/binance/deadman.h"

#include <string.h>

#define BDM_NS_PER_MS 1000000LL
#define BDM_RETRY_NS (1000LL * BDM_NS_PER_MS)

void tl_binance_deadman_init(tl_binance_deadman_t *d, uint32_t countdown_ms, uint32_t nsym)
{
	memset(d, 0, sizeof(*d));
	d->countdown_ms = countdown_ms;
	d->period_ns = (int64_t)countdown_ms * BDM_NS_PER_MS / 4;
	d->nsym = countdown_ms ? nsym : 0;
	d->next_sym = d->nsym;      /* no round running: the first call starts one */
	d->next_round = 0;
}

int tl_binance_deadman_due(tl_binance_deadman_t *d, int64_t now_ns, int64_t hb_age_ns)
{
	if (!d->nsym)
		return -1;
	if (d->next_sym >= d->nsym) {
		if (now_ns < d->next_round)
			return -1;
		if (hb_age_ns >= 0 && hb_age_ns > d->countdown_ms * BDM_NS_PER_MS / 2) {
			if (!d->stale)
				d->stale_rounds++;
			d->stale = true;
			return -1;
		}
		d->stale = false;
		d->next_sym = 0;
		d->next_round = now_ns + d->period_ns;
	}
	return (int)d->next_sym++;
}

void tl_binance_deadman_done(tl_binance_deadman_t *d, int sym, bool ok, int64_t now_ns)
{
	(void)sym;
	if (ok) {
		d->renewals++;
		if (d->armed < d->nsym)
			d->armed++;
		return;
	}
	d->failures++;
	if (d->next_round > now_ns + BDM_RETRY_NS)
		d->next_round = now_ns + BDM_RETRY_NS;
}
