/*
 * events.h - the journal's events table as JSON for `talon monitor`'s
 * GET /api/events (docs/operations.md "Monitor").
 *
 * The journal (persist/journal.h) is opened with SQLITE_OPEN_READONLY:
 * in WAL mode a reader runs beside the engine's writer without blocking
 * it, and this connection cannot change a byte. The file may not exist
 * yet (the engine not started): every query tries to open it again.
 */
#ifndef TL_MON_EVENTS_H
#define TL_MON_EVENTS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define TL_MON_EVENTS_LIMIT 100      /* rows when no limit= is given */
#define TL_MON_EVENTS_LIMIT_MAX 1000

typedef struct tl_mon_events tl_mon_events_t;

/* A reader of the journal at path (not opened yet). NULL: no memory. */
tl_mon_events_t *tl_mon_events_new(const char *path);
void tl_mon_events_free(tl_mon_events_t *e);

/*
 * {"events":[...],"next":N}: rows with id > since, oldest first, at most
 * limit (1..TL_MON_EVENTS_LIMIT_MAX); since < 0: the last limit rows, each {"id","seq","cause_seq",
 * "time_ns","time" (ISO-8601 UTC, ms),"type","priority","symbol",
 * "client_id","text"}; next is the last id written, or since. Returns 0,
 * or -1 with a message in err (journal missing, not a journal, busy).
 */
int tl_mon_events_json(tl_mon_events_t *e, FILE *f, int64_t since, int limit,
		       char *err, size_t errlen);

/* A query argument as a count: decimal digits only, 1..19 of them, at
 * most max. 0, or -1 (junk, sign, overflow). */
int tl_mon_events_parse_u63(const char *s, int64_t max, int64_t *out);

#endif /* TL_MON_EVENTS_H */
