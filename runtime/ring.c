/*
 * ring.c - allocation of the typed rings (the push/pop paths are inline
 * in ring.h and never allocate).
 */
#include "runtime/ring.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void *ring_alloc(uint32_t size, size_t rec, char *err, size_t errlen)
{
	if (size < 4 || size > (1u << 24) || (size & (size - 1)) != 0) {
		snprintf(err, errlen, "ring size: expected a power of two in 4..16777216, got %u",
			 size);
		return NULL;
	}
	void *p = NULL;
	if (posix_memalign(&p, 64, (size_t)size * rec) != 0) {
		snprintf(err, errlen, "ring: out of memory for %u records", size);
		return NULL;
	}
	memset(p, 0, (size_t)size * rec);
	return p;
}

#define TL_RING_IMPL(name, rtype)                                              \
	int name##_init(name##_t *q, uint32_t size, char *err,                 \
			     size_t errlen)                                    \
	{                                                                      \
		memset(q, 0, sizeof(*q));                                      \
		q->buf = ring_alloc(size, sizeof(rtype), err, errlen);         \
		if (!q->buf)                                                   \
			return -1;                                             \
		ck_ring_init(&q->r, size);                                     \
		return 0;                                                      \
	}                                                                      \
	void name##_free(name##_t *q)                                          \
	{                                                                      \
		free(q->buf);                                                  \
		memset(q, 0, sizeof(*q));                                      \
	}

TL_RING_IMPL(tl_spsc_in, struct tl_input)
TL_RING_IMPL(tl_spsc_out, struct tl_output)
TL_RING_IMPL(tl_spsc_rec, struct tl_record)
