/*
 * binance_deadman.h - when to renew the venue's dead-man switch
 * (POST /fapi/v1/countdownCancelAll, Binance USD-M API docs).
 *
 * The venue keeps one countdown per symbol; when it runs out, every open
 * order of that symbol is canceled. The adapter re-arms every traded
 * symbol once per round; a round starts every countdown/4 (Binance's
 * example renews a 120 s countdown every 30 s), so three renewals in a
 * row can be lost before anything fires. A round starts only while the
 * ENGINE thread's heartbeat is younger than countdown/2: an IO thread
 * that outlives a stuck engine does not keep the engine's orders alive.
 * A failed renewal starts the next round within 1 s.
 *
 * A clean stop does not disarm: a stopped engine leaves its orders as
 * unattended as a dead one; a restart within the countdown re-arms it
 * before it fires.
 *
 * Pure: time (monotonic ns) and the heartbeat's age are inputs; no
 * allocation. One owner thread (the IO thread).
 */
#ifndef TL_BINANCE_DEADMAN_H
#define TL_BINANCE_DEADMAN_H

#include <stdbool.h>
#include <stdint.h>

#define TL_BINANCE_DEADMAN_MIN_MS 5000
#define TL_BINANCE_DEADMAN_MAX_MS 600000

typedef struct tl_binance_deadman {
	int64_t countdown_ms;   /* sent as countdownTime; 0 = off */
	int64_t period_ns;      /* countdown / 4 */
	uint32_t nsym;          /* symbols renewed per round */
	uint32_t next_sym;      /* next symbol of this round; nsym = round done */
	int64_t next_round;     /* monotonic ns */
	bool stale;             /* the last check found the heartbeat stale */
	uint64_t renewals;      /* venue confirmed */
	uint64_t failures;      /* renewals that failed (HTTP or transport) */
	uint64_t stale_rounds;  /* rounds skipped: engine heartbeat stale */
	uint32_t armed;         /* confirmed renewals, capped at nsym (all armed
				 * once it equals nsym after the first round) */
} tl_binance_deadman_t;

/* countdown_ms 0 = off; symbols renewed: nsym. */
void tl_binance_deadman_init(tl_binance_deadman_t *d, uint32_t countdown_ms, uint32_t nsym);

/*
 * The symbol (index 0..nsym-1) to renew now, or -1. hb_age_ns is how old
 * the engine's heartbeat is (< 0: no heartbeat known, taken as alive).
 * Each index returned must be followed by one tl_binance_deadman_done.
 */
int tl_binance_deadman_due(tl_binance_deadman_t *d, int64_t now_ns, int64_t hb_age_ns);

/* The renewal of symbol `sym` ended: ok = HTTP 200 from the venue. */
void tl_binance_deadman_done(tl_binance_deadman_t *d, int sym, bool ok, int64_t now_ns);

#endif /* TL_BINANCE_DEADMAN_H */
