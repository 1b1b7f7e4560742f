/*
 * engsetup.h - engine set-up that several `talon bench` suites share: a
 * synthetic exchangeInfo of n symbols SYM00USDT.., the kernel's limits
 * turned off, and waiting for one order's outcome while priming marks.
 * No state; every function acts only on what it is given.
 */
#ifndef TL_BENCH_ENGSETUP_H
#define TL_BENCH_ENGSETUP_H

#include <stdint.h>
#include <stdio.h>

#include "runtime/engine.h"

/* Write the body of an exchangeInfo document with n symbols SYM00USDT,
 * SYM01USDT, .. (filters as on Binance USD-M: tick 0.01, step 0.001,
 * min notional 5) to f. Errors show in ferror(f) / fclose(f). */
void tl_bench_xinfo_write(FILE *f, int n);

/* Turn off every kernel limit a benchmark would trip over: order qty and
 * notional, position qty, open orders, both rate windows, loss limit. */
void tl_bench_cfg_unlimited(tl_config_t *c);

/* Poll e until the order just submitted ends: 1 when it FILLED, 0 when
 * it was REJECTED or FAILED, -1 when tl_bench_now_ns() passes end_ns.
 * Other events are dropped; naps nap_ns between empty polls. */
int tl_bench_await_fill(tl_engine_t *e, int64_t end_ns, long nap_ns);

#endif /* TL_BENCH_ENGSETUP_H */
