/*
 * paper.h - the paper venue: an in-process simulated USD-M venue that
 * users trade against for real (paper trading, dry runs) and tests rely on.
 *
 * It implements tl_venue_ops_t (io/venue.h) on the IO thread. Every request
 * is queued and answered on a later poll() (now + latency), never inside
 * the request call. Orders match against the venue's own mark price:
 * MARKET fills at once (taker, mark worsened by slippage_bps), LIMIT rests
 * and fills whole at its price (maker) when the mark crosses it, conditional
 * orders rest until the mark triggers them. Errors carry Binance's HTTP
 * status, code and message (Binance USD-M API docs). Positions, realized PnL
 * and commissions are kept with the kernel's own arithmetic
 * (tl_pos_apply_fill), so a kernel trading against it must agree exactly.
 *
 * Marks come from a seeded random walk or a CSV replay; faults (rejects,
 * timeouts that did or did not execute) are injected at configured rates.
 * Everything is a function of (config, seed, the sequence of calls and
 * their `now`): two venues fed the same calls emit the same inputs.
 *
 * All memory is allocated in tl_paper_create; no call after it allocates
 * and none blocks. Single-threaded: one thread owns the venue.
 */
#ifndef TL_PAPER_H
#define TL_PAPER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "io/paper/config.h"
#include "io/venue.h"
#include "kernel/position.h"
#include "kernel/symbols.h"

#define TL_PAPER_ORDER_CAP    8192     /* open + remembered final orders */
#define TL_PAPER_QUEUE_CAP    4096     /* requests waiting for their answer */
#define TL_PAPER_CSV_MAX_ROWS 1000000  /* marks CSV bound (rows) */
#define TL_PAPER_CSV_MAX_BYTES (64u << 20)
#define TL_PAPER_STEPS_PER_POLL 64     /* walk steps one poll may catch up */
#define TL_PAPER_LEVERAGE     20       /* default leverage, as on Binance */

/* The driver (io/venue.h, registered in io/venue.c): venue.type "paper",
 * its section venue.paper (io/paper/config.h). */
extern const tl_venue_driver_t tl_paper_driver;

/*
 * Create a paper venue trading the symbols of `syms` (read for names and
 * filters only; it must outlive the venue). `hedge_mode` selects LONG/SHORT
 * positions (else one-way BOTH). Starting marks come from cfg->start (each
 * must name a symbol of `syms` and lie on its tick). cfg->marks_csv, when
 * not "", is loaded here; each line is
 *     time_ms,symbol,price
 * with time_ms the milliseconds since the venue's first poll (integers,
 * non-decreasing), symbol in `syms`, price > 0 on the tick; blank lines,
 * '#' comments and a first line "time,symbol,price" are skipped. Returns
 * the venue (destroy it with v->ops->destroy) or NULL with a message in
 * err ("marks.csv:12: price 0.105 not on tick 0.01").
 */
tl_venue_t *tl_paper_create(const tl_paper_cfg_t *cfg, const tl_symbols_t *syms,
			    bool hedge_mode, tl_venue_emit_fn emit, void *ctx,
			    char *err, size_t errlen);

/* Set a symbol's mark to `price` (> 0, taken as given) at `now`: emits a
 * MARK and fills/triggers resting orders at once. Unknown symbol or price
 * <= 0: ignored. For tests and demos; CSV and walk marks keep running. */
void tl_paper_set_mark(tl_venue_t *v, const char *symbol, tl_fx_t price,
		       tl_time_t now);

/* Replace the fault rates for requests taken from now on (ppm of
 * requests; reject_ppm + timeout_ppm <= 1000000). */
void tl_paper_set_faults(tl_venue_t *v, uint32_t reject_ppm, int32_t reject_code,
			 uint32_t timeout_ppm, bool timeout_executes);

/* Latency of requests taken from now on (>= 0). */
void tl_paper_set_latency(tl_venue_t *v, tl_time_t latency_ns);

/* The venue's own position on (symbol, ps): 0, or -1 for an unknown symbol
 * or a position side of the other mode. qty is signed. */
int tl_paper_position(tl_venue_t *v, const char *symbol, tl_pos_side_t ps,
		      tl_fx_t *qty, tl_fx_t *entry);

/* Orders accepted (acked, or executed behind a timeout) since create. A
 * client id reused after its first order ended counts again: a blind
 * resend that doubled an order shows here. */
/* Start venue order ids and trade ids above `base` (the engine passes
 * the wall clock in microseconds), so a restarted paper venue never
 * repeats an id an earlier session used: the kernel deduplicates fills by
 * trade id across sessions. */
void tl_paper_set_id_base(tl_venue_t *v, int64_t base);

/* emergency.venue_sweep != "off": on each kill epoch (io/venue.h) cancel
 * every resting order. Default off (a venue driven alone); the engine
 * sets it from its config. */
void tl_paper_set_sweep(tl_venue_t *v, bool on);

/* Recovery: the paper venue's state died with the last process; give it
 * back the positions the journal says we hold, so both sides agree.
 * Call before the first poll. Returns -1 for an unknown symbol/side. */
int tl_paper_seed_position(tl_venue_t *v, const char *symbol, tl_pos_side_t ps,
			   const tl_position_t *pos);

uint64_t tl_paper_orders_seen(tl_venue_t *v);

/* Current mark of `symbol` (0 none or unknown symbol). */
tl_fx_t tl_paper_mark(tl_venue_t *v, const char *symbol);

#endif /* TL_PAPER_H */
