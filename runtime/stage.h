/*
 * stage.h - a preallocated FIFO of records that found their ring full.
 *
 * A producer never blocks and a ring never drops: a record the ring
 * cannot take now waits here, in order, and moves on ahead of newer
 * records (docs/architecture.md, "Nothing lost under pressure"). One
 * thread owns a stage; nothing here is shared. A tl_fifo of tl_record_t
 * (runtime/fifo.h): tl_stage_init/free/peek/drop_head/...
 */
#ifndef TL_STAGE_H
#define TL_STAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "runtime/fifo.h"
#include "runtime/ring.h"

TL_FIFO_PROTOTYPE(tl_stage, tl_record_t)

/* Append len bytes of a record (an input, an output or a whole record:
 * the union's prefix); false when full. */
static inline bool tl_stage_put(tl_stage_t *s, const void *rec, size_t len)
{
	tl_record_t *d = tl_stage_reserve(s);
	if (!d)
		return false;
	memcpy(d, rec, len);
	return true;
}

#endif /* TL_STAGE_H */
