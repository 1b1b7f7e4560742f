/*
 * ring.h - the typed Concurrency Kit rings that connect talon's threads.
 *
 * Records move by value (CK_RING_PROTOTYPE copies whole structs), so no
 * pointer ever crosses a thread. Each ring has one producer and one
 * consumer (spsc) unless its name says otherwise; capacity is size - 1
 * (ck keeps one slot empty). Producers never block: a full ring returns
 * false and the producer decides (stage, refuse, retry), so a record is
 * never lost inside a ring.
 *
 *   strategy --tl_spsc_in (one per producer)--> ENGINE   commands
 *   IO       --tl_spsc_in--------------------> ENGINE   venue events
 *   ENGINE   --tl_spsc_out-------------------> IO       venue requests
 *   ENGINE   --tl_spsc_out-------------------> strategy events
 *   ENGINE   --tl_spsc_rec-------------------> PERSIST  journal (inputs+outputs)
 */
#ifndef TL_RING_H
#define TL_RING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ck_ring.h>

#include "runtime/tsan.h"
#include "kernel/record.h"
#include "persist/record.h"	/* tl_record_t: the journal's record */

CK_RING_PROTOTYPE(tl_in, tl_input)
CK_RING_PROTOTYPE(tl_out, tl_output)
CK_RING_PROTOTYPE(tl_rec, tl_record)

/* Hot fields sit on their own cache lines inside struct ck_ring already;
 * the buffer pointer and size are read-only after init. */
typedef struct tl_spsc_in {
	struct ck_ring r;
	struct tl_input *buf;
} tl_spsc_in_t;

typedef struct tl_spsc_out {
	struct ck_ring r;
	struct tl_output *buf;
} tl_spsc_out_t;

typedef struct tl_spsc_rec {
	struct ck_ring r;
	struct tl_record *buf;
} tl_spsc_rec_t;

/* Allocate a ring of `size` slots (power of two, 4..2^24; capacity
 * size - 1), cache-line aligned. Return 0 or -1 with a message. */
int tl_spsc_in_init(tl_spsc_in_t *q, uint32_t size, char *err, size_t errlen);
int tl_spsc_out_init(tl_spsc_out_t *q, uint32_t size, char *err, size_t errlen);
int tl_spsc_rec_init(tl_spsc_rec_t *q, uint32_t size, char *err, size_t errlen);
void tl_spsc_in_free(tl_spsc_in_t *q);
void tl_spsc_out_free(tl_spsc_out_t *q);
void tl_spsc_rec_free(tl_spsc_rec_t *q);

/* Producer side: false when full (nothing written). */
#define TL_RING_PUSH(fn, qtype, rtype)                                         \
	static inline bool fn##_push(qtype *q, const rtype *v)                 \
	{                                                                      \
		tl_tsan_release(&q->r);                                        \
		tl_tsan_ignore_begin();                                        \
		bool ok = ck_ring_enqueue_spsc_##fn##_(&q->r, q->buf, (rtype *)v); \
		tl_tsan_ignore_end();                                          \
		return ok;                                                     \
	}
/* Consumer side: false when empty. */
#define TL_RING_POP(fn, qtype, rtype)                                          \
	static inline bool fn##_pop(qtype *q, rtype *v)                        \
	{                                                                      \
		tl_tsan_ignore_begin();                                        \
		bool ok = ck_ring_dequeue_spsc_##fn##_(&q->r, q->buf, v);      \
		tl_tsan_ignore_end();                                          \
		if (ok)                                                        \
			tl_tsan_acquire(&q->r);                                \
		return ok;                                                     \
	}

/* ck's generated names, under the wrapper's prefix. */
#define ck_ring_enqueue_spsc_tl_spsc_in_ ck_ring_enqueue_spsc_tl_in
#define ck_ring_dequeue_spsc_tl_spsc_in_ ck_ring_dequeue_spsc_tl_in
#define ck_ring_enqueue_spsc_tl_spsc_out_ ck_ring_enqueue_spsc_tl_out
#define ck_ring_dequeue_spsc_tl_spsc_out_ ck_ring_dequeue_spsc_tl_out
#define ck_ring_enqueue_spsc_tl_spsc_rec_ ck_ring_enqueue_spsc_tl_rec
#define ck_ring_dequeue_spsc_tl_spsc_rec_ ck_ring_dequeue_spsc_tl_rec

TL_RING_PUSH(tl_spsc_in, tl_spsc_in_t, struct tl_input)
TL_RING_POP(tl_spsc_in, tl_spsc_in_t, struct tl_input)
TL_RING_PUSH(tl_spsc_out, tl_spsc_out_t, struct tl_output)
TL_RING_POP(tl_spsc_out, tl_spsc_out_t, struct tl_output)
TL_RING_PUSH(tl_spsc_rec, tl_spsc_rec_t, struct tl_record)
TL_RING_POP(tl_spsc_rec, tl_spsc_rec_t, struct tl_record)

/* Records waiting, and room left (racy by nature: exact for the thread
 * that owns the other end's counterpart, a bound for anyone else). */
static inline uint32_t tl_spsc_used(const struct ck_ring *r)
{
	tl_tsan_ignore_begin();
	uint32_t n = ck_ring_size(r);
	tl_tsan_ignore_end();
	return n;
}
static inline uint32_t tl_spsc_room(const struct ck_ring *r)
{
	return ck_ring_capacity(r) - 1 - tl_spsc_used(r);
}

#endif /* TL_RING_H */
