/*
 * log.h - one line per event, with a time and a level, as text or JSON,
 * on stderr or in a file (log.format, log.file; docs/operations.md "Logs").
 *
 * Logging is for the cold side of the engine: the main thread that drains
 * the event ring, start-up and shutdown, the IO and journal threads'
 * rare notices. The ENGINE thread never logs (a write is a syscall).
 * Nothing secret is ever passed here: the API secret lives only in the
 * Binance driver's signing state (the config's copies are wiped once it
 * is created, docs/operations.md), and no message is built from it; the
 * API key appears only in request headers, never in a log line.
 *
 * Every line is one write(2) on one descriptor, so lines from several
 * threads never interleave. A file log is reopened on request (SIGHUP,
 * for logrotate): the request only sets a flag, and the next line (or
 * tl_log_reopen_pending) opens the path again and dup2()s it over the
 * log's descriptor, which is atomic for concurrent writers.
 */
#ifndef TL_LOG_H
#define TL_LOG_H

#include <stdbool.h>
#include <stddef.h>

#include "kernel/record.h"

enum { TL_LOG_ERROR = 0, TL_LOG_WARN, TL_LOG_INFO, TL_LOG_DEBUG };

/* log.format */
enum { TL_LOG_TEXT = 0, TL_LOG_JSON };

/* Lines above this level are dropped (default INFO). */
void tl_log_set_level(int level);

/* TL_LOG_TEXT (default) or TL_LOG_JSON. Set before threads log. */
void tl_log_set_format(int format);

/*
 * Send the lines to the file at path (created 0640 when absent, appended
 * to) instead of stderr. Called at start-up before any other thread
 * logs; a second call switches files. -1 with err ("log.file \"...\":
 * cannot open: Permission denied") when it cannot be opened for writing;
 * the log stays where it was.
 */
int tl_log_open_file(const char *path, char *err, size_t errlen);

/* Back to stderr, closing the file (tests; single-threaded). */
void tl_log_close_file(void);

/* True while the lines go to a file. */
bool tl_log_to_file(void);

/* Ask for a reopen of the file. Async-signal-safe: it sets a flag. */
void tl_log_request_reopen(void);

/* Reopen now if one was asked for (each logged line checks too); the old
 * file gets a last line naming the reopen, the new one a first line. */
void tl_log_reopen_pending(void);

/* Text: "2026-11-21T04:50:01.123Z INFO  <message>".
 * JSON: {"ts":"2026-11-21T04:50:01.123Z","level":"INFO","msg":"<message>"} */
void tl_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Human one-liner for an event ("ORDER_FILLED BTCUSDT tlp3 BUY MARKET
 * qty=0.01 filled=0.01 avg=50005.1 ..."). Returns the length. */
int tl_event_format(const tl_event_t *ev, char *buf, size_t len);

/* The event's structured keys as JSON members, each preceded by a comma
 * (",\"event\":\"ORDER_FILLED\",\"symbol\":\"BTCUSDT\",..."; the keys are
 * listed in docs/operations.md "Logs"). Never cuts a member: stops before
 * the first that does not fit. Returns the length written. */
size_t tl_event_json_fields(const tl_event_t *ev, char *buf, size_t len);

/* Log an event at a level derived from its priority: the one-liner as
 * the message, and in JSON its keys too. */
void tl_log_event(const tl_event_t *ev);

#endif /* TL_LOG_H */
