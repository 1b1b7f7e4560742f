/*
 * agent.c - agent threads (see agent.h).
 */
#define _GNU_SOURCE
#include "runtime/agent.h"

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>

#include "runtime/clock.h"

int tl_agent_pin(int cpu)
{
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	int rc = pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
	return rc == 0 ? 0 : -rc;
}

void tl_agent_idle(tl_agent_t *a, int work)
{
	if (work > 0) {
		a->idle_level = 0;
		return;
	}
	struct timespec ts = { 0, (long)a->cfg.idle_us * 1000L };
	/* PARK: a few pauses first (work often follows work within a few
	 * microseconds), then the agent's own park. */
	if (a->cfg.idle == TL_IDLE_PARK && a->park) {
		if (a->idle_level < TL_AGENT_PARK_SPINS) {
			a->idle_level++;
			tl_clock_relax();
		} else {
			a->park(a->ctx);
		}
		return;
	}
	bool sleeps = a->cfg.idle == TL_IDLE_SLEEP || a->cfg.idle == TL_IDLE_PARK ||
		      (a->cfg.idle == TL_IDLE_BACKOFF && a->idle_level >= 200);
	if (sleeps && a->idle_wait &&
	    a->idle_wait(a->ctx, (int64_t)a->cfg.idle_us * 1000) >= 0)
		return;
	switch (a->cfg.idle) {
	case TL_IDLE_SPIN:
		tl_clock_relax();
		break;
	case TL_IDLE_YIELD:
		sched_yield();
		break;
	case TL_IDLE_BACKOFF:
		/* 100 spins, then 100 yields, then sleeps of idle_us. */
		if (a->idle_level < 100) {
			tl_clock_relax();
		} else if (a->idle_level < 200) {
			sched_yield();
		} else {
			nanosleep(&ts, NULL);
			break;
		}
		a->idle_level++;
		break;
	case TL_IDLE_SLEEP:
	case TL_IDLE_PARK:
		nanosleep(&ts, NULL);
		break;
	}
}

static void *agent_main(void *arg)
{
	tl_agent_t *a = arg;
	pthread_setname_np(pthread_self(), a->name);
	a->pinned_cpu = -1;
	if (a->cfg.cpu >= 0 && tl_agent_pin(a->cfg.cpu) == 0)
		a->pinned_cpu = a->cfg.cpu;
	/* An idle sleep of idle_us must end close to idle_us: the default
	 * slack (50 us) more than doubles a 50 us sleep, and every order
	 * that arrives during it waits that long. */
	if (a->cfg.timer_slack_ns)
		prctl(PR_SET_TIMERSLACK, (unsigned long)a->cfg.timer_slack_ns, 0, 0, 0);
	if (a->on_start)
		a->on_start(a->ctx);
	atomic_store_explicit(&a->running, true, memory_order_release);
	while (!atomic_load_explicit(&a->stop, memory_order_acquire)) {
		int w = a->do_work(a->ctx);
		tl_agent_idle(a, w);
	}
	if (a->on_stop)
		a->on_stop(a->ctx);
	atomic_store_explicit(&a->running, false, memory_order_release);
	return NULL;
}

int tl_agent_start(tl_agent_t *a, char *err, size_t errlen)
{
	atomic_store(&a->stop, false);
	atomic_store(&a->running, false);
	a->idle_level = 0;
	int rc = pthread_create(&a->thread, NULL, agent_main, a);
	if (rc != 0) {
		snprintf(err, errlen, "agent %s: pthread_create: %s", a->name, strerror(rc));
		return -1;
	}
	a->started = true;
	return 0;
}

void tl_agent_stop(tl_agent_t *a)
{
	if (!a->started)
		return;
	atomic_store_explicit(&a->stop, true, memory_order_release);
	pthread_join(a->thread, NULL);
	a->started = false;
}

const char *tl_idle_name(tl_idle_t i)
{
	static const char *const n[] = { "spin", "yield", "backoff", "sleep", "park" };
	return (unsigned)i < 5 ? n[i] : "?";
}
