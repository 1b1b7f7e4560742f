/*
 * demo.h - the demo strategy `talon run --demo` drives on the main thread:
 * it opens, adds to and closes positions on two symbols, in a loop, so a
 * person can watch the engine trade (and pull the kill switch on it).
 */
#ifndef TL_DEMO_H
#define TL_DEMO_H

#include "include/talon.h"

typedef struct tl_demo {
	tl_engine_t *e;
	int64_t t0_ns;         /* monotonic start */
	uint32_t step;         /* next scripted step */
	uint32_t cycle;
	uint64_t ref;
} tl_demo_t;

void tl_demo_init(tl_demo_t *d, tl_engine_t *e, int64_t now_ns);

/* Run whatever steps are due at `now_ns` (monotonic). */
void tl_demo_step(tl_demo_t *d, int64_t now_ns);

/* A load generator (`talon run --load RATE`): RATE orders per second,
 * alternating market buys and sells on two symbols with limit orders
 * that rest and get canceled, so positions stay small and every path
 * (fills, cancels, position flips) keeps running. */
typedef struct tl_load {
	tl_engine_t *e;
	int64_t t0_ns;
	uint64_t sent;
	uint32_t rate;
	uint64_t ref;
} tl_load_t;

void tl_load_init(tl_load_t *l, tl_engine_t *e, uint32_t rate, int64_t now_ns);
void tl_load_step(tl_load_t *l, int64_t now_ns);

#endif
