/*
 * fifo.c - the FIFOs' allocation (fifo.h), once for every item type.
 */
#include "runtime/fifo.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int tl_fifo_alloc(void **v, uint32_t *cap, uint32_t want, size_t size,
		  const char *what, char *err, size_t errlen)
{
	uint32_t c = 64;

	while (c < want && c < (1u << 31))
		c <<= 1;
	*v = calloc(c, size);
	if (!*v) {
		*cap = 0;
		snprintf(err, errlen, "%s: out of memory for %u entries", what, c);
		return -1;
	}
	*cap = c;
	return 0;
}

void tl_fifo_release(void *q, void *v, size_t size)
{
	free(v);
	memset(q, 0, size);
}
