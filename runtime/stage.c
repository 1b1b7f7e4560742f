/*
 * stage.c - the staging FIFO's set-up (stage.h).
 */
#include "runtime/stage.h"

#include <stdio.h>
#include <stdlib.h>

int tl_stage_init(tl_stage_t *s, uint32_t cap, char *err, size_t errlen)
{
	uint32_t c = 64;
	while (c < cap)
		c <<= 1;
	s->v = calloc(c, sizeof(*s->v));
	if (!s->v) {
		snprintf(err, errlen, "engine: out of memory for staging");
		return -1;
	}
	s->cap = c;
	s->head = s->n = 0;
	return 0;
}

void tl_stage_free(tl_stage_t *s)
{
	free(s->v);
	memset(s, 0, sizeof(*s));
}
