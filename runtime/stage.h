/*
 * stage.h - a preallocated FIFO of records that found their ring full.
 *
 * A producer never blocks and a ring never drops: a record the ring
 * cannot take now waits here, in order, and moves on ahead of newer
 * records (docs/architecture.md, "Nothing lost under pressure"). One
 * thread owns a stage; nothing here is shared. Capacity is a power of
 * two, fixed at init: no allocation afterwards.
 */
#ifndef TL_STAGE_H
#define TL_STAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "runtime/ring.h"

typedef struct tl_stage {
	tl_record_t *v;
	uint32_t cap, head, n;      /* cap is a power of two */
} tl_stage_t;

/* Room for at least cap records (rounded up to a power of two, >= 64).
 * Returns 0, or -1 with err set when memory runs out. */
int tl_stage_init(tl_stage_t *s, uint32_t cap, char *err, size_t errlen);
void tl_stage_free(tl_stage_t *s);

/* Append len bytes of a record (an input, an output or a whole record);
 * false when full. */
static inline bool tl_stage_put(tl_stage_t *s, const void *rec, size_t len)
{
	if (s->n == s->cap)
		return false;
	tl_record_t *d = &s->v[(s->head + s->n) & (s->cap - 1)];
	memcpy(d, rec, len);
	s->n++;
	return true;
}

/* The oldest record, or NULL. */
static inline tl_record_t *tl_stage_peek(tl_stage_t *s)
{
	return s->n ? &s->v[s->head] : NULL;
}

/* Drop the oldest record (there is one). */
static inline void tl_stage_drop_head(tl_stage_t *s)
{
	s->head = (s->head + 1) & (s->cap - 1);
	s->n--;
}

#endif /* TL_STAGE_H */
