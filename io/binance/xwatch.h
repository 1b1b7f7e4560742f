/*
 * xwatch.h - the venue's exchangeInfo re-read while the engine runs.
 *
 * At start the symbol table is made to agree with the venue once
 * (io/binance/xinfo.h). A symbol the venue takes out of TRADING later
 * (BREAK, SETTLING, a delisting) must stop taking new exposure at once,
 * so the adapter re-reads GET /fapi/v1/exchangeInfo every
 * venue.binance.exchange_info_refresh_s (default 24 h), and within a
 * minute of the venue refusing an order for a filter (a changed tick,
 * step or minimum: -1013, -1111, -4003..-4005, -4014, -4023, -4164).
 * Each traded symbol whose TRADING-or-not status changed becomes one
 * TL_IN_SYMBOL_STATUS input (kernel/record.h: the kernel then refuses
 * what adds exposure on it, and lets closes and cancels go), with a
 * warning on the log. Filters that changed are not applied while
 * running: the next start takes them (io/binance/xinfo.h).
 *
 * A symbol already out of TRADING when the adapter is created came from
 * the journal's replay (the start refuses a symbol the venue has out):
 * the first read is then made at once, so a symbol back in TRADING is
 * not blocked for a day.
 *
 * The read runs on a thread of its own (blocking fetch on its own
 * connection, cJSON on a document of up to 16 MiB: never on the IO
 * thread); the IO thread only kicks it and takes its results
 * (tl_binance_xwatch_take) in its poll, so inputs keep one producer.
 * The watcher holds no credential (exchangeInfo is not signed).
 */
#ifndef TL_BINANCE_XWATCH_H
#define TL_BINANCE_XWATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "io/binance/config.h"
#include "kernel/record.h"
#include "kernel/symbols.h"

#define TL_BINANCE_XWATCH_KICK_GAP_NS (60LL * 1000000000LL) /* one filter re-read a minute */
#define TL_BINANCE_XWATCH_MAX 1024    /* symbols watched (= TL_SYMBOLS_MAX) */

typedef struct tl_binance_xwatch tl_binance_xwatch_t;

/* A venue code that says an order broke a symbol filter. */
bool tl_binance_xwatch_filter_code(int32_t code);

/*
 * The changes in one exchangeInfo document (doc, len) for `n` symbols
 * `names` whose last known statuses are status[] (tl_symbol_status_t,
 * updated here): one TL_IN_SYMBOL_STATUS input each into out[0..cap)
 * (time 0: the caller stamps it). A symbol the document no longer lists
 * counts as out of TRADING ("NOT_LISTED"). Returns the number written, or
 * -1 when the document is not an exchangeInfo (status[] unchanged).
 */
int tl_binance_xwatch_diff(const char *doc, size_t len, const char *const *names,
			   uint8_t *status, uint32_t n, tl_input_t *out, uint32_t cap);

/* Start the watcher over bc->rest for the symbols of syms (statuses as
 * they are now), re-reading every period_ns (> 0). NULL + err. */
tl_binance_xwatch_t *tl_binance_xwatch_new(const tl_binance_cfg_t *bc,
					   const tl_symbols_t *syms, int64_t period_ns,
					   char *err, size_t errlen);

/* Stop and join the thread, free. NULL is fine. */
void tl_binance_xwatch_free(tl_binance_xwatch_t *w);

/* IO thread: the venue refused an order with `code`; a filter code
 * asks for a re-read now (at most one per KICK_GAP). */
void tl_binance_xwatch_kick(tl_binance_xwatch_t *w, int32_t code);

/* IO thread: the inputs found since the last take (at most cap; the
 * rest stay for the next). */
uint32_t tl_binance_xwatch_take(tl_binance_xwatch_t *w, tl_input_t *out, uint32_t cap);

/* Reads completed so far (any thread; tests, monitoring). */
uint64_t tl_binance_xwatch_reads(const tl_binance_xwatch_t *w);

#endif /* TL_BINANCE_XWATCH_H */
