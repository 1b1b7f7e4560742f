/*
 * top_events.h - the tail of a journal's events table for `talon top`
 * (persist/journal.c has the schema).
 *
 * The journal is opened SQLITE_OPEN_READONLY and polled by id > the last
 * id seen, so the engine's writer is never blocked and a poll reads only
 * what is new. A missing file, a busy database or a journal replaced
 * under the same path (new inode) are not errors: the tail says why it
 * is empty and tries again at the next poll. Every text column is
 * untrusted (anyone of the engine's user can write the file): it is cut
 * to its size and anything but printable ASCII shown as '?', so nothing
 * read from it can move the terminal's cursor.
 */
#ifndef TL_TOP_EVENTS_H
#define TL_TOP_EVENTS_H

#include <stdint.h>
#include <sys/types.h>

#include "runtime/config.h"

/* Events kept: more than any terminal has rows. */
#define TL_TOPEV_KEEP 256

typedef struct tl_topev_line {
	int64_t id;
	int64_t time_ns;           /* engine clock */
	int priority;              /* 5..10 (kernel/record.h) */
	char type[32];
	char symbol[24];
	char client_id[40];
	char text[80];
} tl_topev_line_t;

typedef struct tl_topev {
	char path[TL_PATH_MAX];    /* "" = the engine keeps no journal */
	void *db;                  /* sqlite3 *, NULL while closed */
	dev_t dev;                 /* the file the connection reads */
	ino_t ino;
	int64_t last_id;           /* newest id kept, 0 before the first */
	unsigned n, head;          /* ring[head] is the oldest of n */
	tl_topev_line_t ring[TL_TOPEV_KEEP];
	char status[400];          /* why no tail: "" when reading */
} tl_topev_t;

/* Set up for the journal at path ("" = none); opens nothing yet. */
void tl_topev_init(tl_topev_t *e, const char *path);

/* (Re)open the journal when needed and read the events newer than the
 * last one kept (at most TL_TOPEV_KEEP: the newest). */
void tl_topev_poll(tl_topev_t *e);

/* The i-th oldest event kept, i < e->n. */
const tl_topev_line_t *tl_topev_get(const tl_topev_t *e, unsigned i);

void tl_topev_close(tl_topev_t *e);

#endif /* TL_TOP_EVENTS_H */
