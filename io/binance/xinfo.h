/*
 * binance_xinfo.h - the venue's exchangeInfo at start: symbol filters and
 * rate limits (Binance USD-M API docs).
 *
 * The kernel's symbol table is built from the config's
 * `symbols.exchange_info` file before the kernel starts (no allocation
 * after start). With venue.binance.symbols_from_venue (the default) the
 * engine then reads GET /fapi/v1/exchangeInfo once, synchronously, on its
 * creating thread, before the kernel is initialized and the journal is
 * replayed:
 *   - a configured symbol the venue does not list, or lists with a status
 *     other than TRADING, fails the start with an error naming it;
 *   - every filter the kernel checks (tick, min/max price, step, min/max
 *     qty, market step/min/max qty, min notional, percent price, max
 *     open/algo orders, precisions) is taken from the venue when the file
 *     disagrees, with one warning per symbol and field: "symbols: BTCUSDT
 *     tick_size: file 0.10, venue 0.01 (using the venue's)";
 *   - the venue's rateLimits lower the configured limits
 *     (venue.binance.weight_per_min / orders_per_10s / orders_per_min)
 *     when they are lower.
 * Transient failures (connect, reset, timeout, 5xx, 429) are retried
 * within venue.binance.startup_deadline_ms (io/binance/startup.h). A venue that
 * still cannot be read (or answers with a permanent error) is a warning:
 * the engine starts on the file, as before (the adapter then retries its
 * connections as usual).
 *
 * Cold path: allocates (the response buffer, cJSON).
 */
#ifndef TL_BINANCE_XINFO_H
#define TL_BINANCE_XINFO_H

#include <stddef.h>
#include <stdint.h>

#include "io/binance/config.h"
#include "kernel/symbols.h"

/* rateLimits of an exchangeInfo document; 0 = not listed. */
typedef struct tl_binance_xlimits {
	uint32_t weight_1m;      /* REQUEST_WEIGHT MINUTE 1 */
	uint32_t orders_10s;     /* ORDERS SECOND 10 */
	uint32_t orders_1m;      /* ORDERS MINUTE 1 */
} tl_binance_xlimits_t;

/*
 * GET /fapi/v1/exchangeInfo from bc->rest (TLS and CA as configured),
 * each attempt waiting at most 2 * bc->timeout_ns, transient failures
 * retried until bc->startup_deadline_ns (io/binance/startup.h). Returns the body
 * (NUL-terminated, free() it) and its length, or NULL with the cause in
 * err ("exchangeInfo: cannot connect to H:P: Connection refused (...)").
 */
char *tl_binance_xinfo_fetch(const tl_binance_cfg_t *bc, size_t *len,
			     char *err, size_t errlen);

/*
 * Make `syms` (loaded from the file) agree with the venue's document:
 * the venue's value wins for every differing field (a warning each,
 * through tl_log); *lim gets the document's rateLimits. Returns the
 * number of fields replaced, or -1 with a message (symbol missing at the
 * venue, not TRADING, or a document the kernel's loader refuses); on -1
 * `syms` is unchanged.
 */
int tl_binance_xinfo_apply(tl_symbols_t *syms, const char *doc, size_t len,
			   tl_binance_xlimits_t *lim, char *err, size_t errlen);

/*
 * The driver's start-up step: when venue.binance.symbols_from_venue,
 * fetch and apply, then lower the config's limits to the venue's. Returns 0
 * (also when the venue could not be read: warned) or -1 with a message.
 */
int tl_binance_xinfo_load(tl_config_t *cfg, tl_symbols_t *syms, char *err,
			  size_t errlen);

#endif /* TL_BINANCE_XINFO_H */
