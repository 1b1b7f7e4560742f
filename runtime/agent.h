/*
 * agent.h - a thread as an agent: a do_work step run in a loop, an idle
 * strategy for loops that found nothing to do, and a configured CPU.
 *
 * do_work returns how much work it did; 0 means "idle", and the agent
 * idles by its strategy (spin, yield, backoff, sleep) before the next
 * step. A 2-core box cannot give every poller a core, so sleep and backoff
 * exist; spin is for isolated cores. Pinning failures are reported, not
 * fatal (an unpinned agent still works).
 */
#ifndef TL_AGENT_H
#define TL_AGENT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "runtime/config.h"

/* PARK: pauses (a few microseconds in all) before blocking. */
#define TL_AGENT_PARK_SPINS 64

typedef struct tl_agent {
	const char *name;          /* thread name (<= 15 chars) */
	tl_agent_cfg_t cfg;
	int (*do_work)(void *ctx); /* one step; returns work done */
	void (*on_start)(void *ctx); /* on the agent's thread, before the loop */
	void (*on_stop)(void *ctx);  /* on the agent's thread, after the loop */
	void *ctx;
	/* Optional: the sleep of SLEEP/BACKOFF, ended early by the agent's
	 * own events (the IO thread waits on io_uring); <0: nanosleep. */
	int (*idle_wait)(void *ctx, int64_t ns);
	/* Idle PARK: block until a producer wakes this agent or its next
	 * timer is due (runtime/wake.h); NULL: PARK sleeps like SLEEP. */
	void (*park)(void *ctx);
	pthread_t thread;
	_Atomic bool running;      /* set by the thread once in its loop */
	_Atomic bool stop;         /* ask the loop to end */
	bool started;
	int pinned_cpu;            /* -1 when not pinned */
	uint32_t idle_level;       /* backoff state */
} tl_agent_t;

/* Start the agent's thread. Returns 0 or -1 with a message. */
int tl_agent_start(tl_agent_t *a, char *err, size_t errlen);

/* Ask it to stop and join it (the loop finishes its current step and
 * runs on_stop). Safe to call twice. */
void tl_agent_stop(tl_agent_t *a);

/* Idle once by the agent's strategy after an empty step. */
void tl_agent_idle(tl_agent_t *a, int work);

/* Pin the calling thread to `cpu` (>= 0); returns 0 or -errno. */
int tl_agent_pin(int cpu);

/* "spin" | "yield" | "backoff" | "sleep" | "park" (runtime/config.c
 * parses them). */
const char *tl_idle_name(tl_idle_t i);

#endif /* TL_AGENT_H */
