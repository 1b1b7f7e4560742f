/*
 * log.h - one line per event on stderr, with a time and a level.
 *
 * Logging is for the cold side of the engine: the main thread that drains
 * the event ring, start-up and shutdown. The ENGINE thread never logs
 * (a write is a syscall). Nothing secret is ever passed here: the API
 * secret lives only in the Binance driver's signing state (the config's
 * copies are wiped once it is created, docs/operations.md), and no
 * message is built from it; the API key appears only in request
 * headers, never in a log line.
 */
#ifndef TL_LOG_H
#define TL_LOG_H

#include <stddef.h>

#include "kernel/record.h"

enum { TL_LOG_ERROR = 0, TL_LOG_WARN, TL_LOG_INFO, TL_LOG_DEBUG };

/* Lines above this level are dropped (default INFO). */
void tl_log_set_level(int level);

/* "2026-11-21T04:50:01.123Z INFO  <message>" to stderr. */
void tl_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Human one-liner for an event ("ORDER_FILLED BTCUSDT tlp3 BUY MARKET
 * qty=0.01 filled=0.01 avg=50005.1 ..."). Returns the length. */
int tl_event_format(const tl_event_t *ev, char *buf, size_t len);

/* Log an event at a level derived from its priority. */
void tl_log_event(const tl_event_t *ev);

#endif /* TL_LOG_H */
