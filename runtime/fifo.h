/*
 * fifo.h - one typed, preallocated, single-thread FIFO for every queue that
 * holds records by value until they can move on: the engine's staging
 * (runtime/stage.h) and the Binance adapter's request queues
 * (io/binance/internal.h).
 *
 * TL_FIFO_PROTOTYPE(name, type) declares name_t and its operations, in the
 * manner of CK_RING_PROTOTYPE: items are copied in and out by value, the
 * capacity is a power of two fixed at init (no allocation afterwards), and
 * the one thread that owns a FIFO is the only one to touch it (nothing here
 * is atomic). Allocation lives once, in runtime/fifo.c.
 *
 *   int   name_init(name_t *q, uint32_t cap, char *err, size_t errlen)
 *                     room for at least cap items (a power of two, >= 64);
 *                     0, or -1 with err set when memory runs out
 *   void  name_free(name_t *q)
 *   type *name_reserve(name_t *q)      the new tail slot, NULL when full
 *   bool  name_push(name_t *q, const type *x)   false when full
 *   type *name_peek(name_t *q)         the oldest item, NULL when empty
 *   type *name_at(const name_t *q, uint32_t i)  item i (0 = oldest, i < n)
 *   void  name_drop_head(name_t *q)    drop the oldest (there is one)
 *   void  name_remove(name_t *q, uint32_t i)    drop item i, order kept
 */
#ifndef TL_FIFO_H
#define TL_FIFO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Allocate at least `want` items of `size` bytes (rounded up to a power of
 * two, >= 64), zeroed; *v and *cap set. 0, or -1 with err naming `what`. */
int tl_fifo_alloc(void **v, uint32_t *cap, uint32_t want, size_t size,
		  const char *what, char *err, size_t errlen);
/* Free *v and zero the `size` bytes of the FIFO struct at q. */
void tl_fifo_release(void *q, void *v, size_t size);

#define TL_FIFO_PROTOTYPE(name, type)                                          \
	typedef struct name {                                                  \
		type *v;                                                       \
		uint32_t cap, head, n; /* cap is a power of two */            \
	} name##_t;                                                            \
                                                                               \
	static inline int name##_init(name##_t *q, uint32_t cap, char *err,    \
				      size_t errlen)                           \
	{                                                                      \
		void *v;                                                       \
		q->head = q->n = 0;                                            \
		if (tl_fifo_alloc(&v, &q->cap, cap, sizeof(type), #name, err,  \
				  errlen) < 0)                                 \
			return -1;                                             \
		q->v = v;                                                      \
		return 0;                                                      \
	}                                                                      \
                                                                               \
	static inline void name##_free(name##_t *q)                            \
	{                                                                      \
		tl_fifo_release(q, q->v, sizeof(*q));                          \
	}                                                                      \
                                                                               \
	static inline type *name##_reserve(name##_t *q)                        \
	{                                                                      \
		if (q->n == q->cap)                                            \
			return NULL;                                           \
		return &q->v[(q->head + q->n++) & (q->cap - 1)];               \
	}                                                                      \
                                                                               \
	static inline bool name##_push(name##_t *q, const type *x)             \
	{                                                                      \
		type *d = name##_reserve(q);                                   \
		if (!d)                                                        \
			return false;                                          \
		*d = *x;                                                       \
		return true;                                                   \
	}                                                                      \
                                                                               \
	static inline type *name##_peek(name##_t *q)                           \
	{                                                                      \
		return q->n ? &q->v[q->head] : NULL;                           \
	}                                                                      \
                                                                               \
	static inline type *name##_at(const name##_t *q, uint32_t i)           \
	{                                                                      \
		return &q->v[(q->head + i) & (q->cap - 1)];                    \
	}                                                                      \
                                                                               \
	static inline void name##_drop_head(name##_t *q)                       \
	{                                                                      \
		q->head = (q->head + 1) & (q->cap - 1);                        \
		q->n--;                                                        \
	}                                                                      \
                                                                               \
	static inline void name##_remove(name##_t *q, uint32_t i)              \
	{                                                                      \
		for (; i + 1 < q->n; i++)                                      \
			*name##_at(q, i) = *name##_at(q, i + 1);               \
		q->n--;                                                        \
	}

#endif /* TL_FIFO_H */
