/*
 * engine_io.c - the IO agent: takes requests from the req ring to the
 * venue (the exposure gate checked first), carries the venue's inputs
 * back, and idles in the venue's own wait.
 */
#define _GNU_SOURCE
#include "runtime/engine_int.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the IO agent ------------------------------------------------------------------ */

void tl_engine_io_emit(void *ctx, const tl_input_t *in)
{
	tl_engine_t *e = ctx;
	tl_stage_t *s = &e->st_vin;
	if (s->n == 0 && tl_spsc_in_push(&e->vin, in)) {
		tl_engine_wake(e);
		return;
	}
	while (!tl_stage_put(s, in, sizeof(*in))) {
		while (tl_engine_flush_in(s, &e->vin) == 0)
			tl_clock_relax();
		tl_engine_wake(e);
	}
}

/* The venue's STREAM thread: its own ring and staging, same rules. */
void tl_engine_stream_emit(void *ctx, const tl_input_t *in)
{
	tl_engine_t *e = ctx;
	tl_stage_t *s = &e->st_sin;
	if (s->n)
		tl_engine_flush_in(s, &e->sin);	/* keep order: older staged records first */
	if (s->n == 0 && tl_spsc_in_push(&e->sin, in)) {
		tl_engine_wake(e);
		return;
	}
	while (!tl_stage_put(s, in, sizeof(*in))) {
		while (tl_engine_flush_in(s, &e->sin) == 0)
			tl_clock_relax();
		tl_engine_wake(e);
	}
}

/* A REQ_ERROR input the IO thread makes itself for a request it never
 * handed (or could not hand) to the venue. */
static void io_error(tl_engine_t *e, const tl_out_req_t *r, tl_req_kind_t kind,
		     tl_transport_t tr, const char *text, tl_time_t now)
{
	tl_input_t in;
	memset(&in, 0, sizeof(in));
	in.hdr.type = TL_IN_REQ_ERROR;
	in.hdr.time = now;
	memcpy(in.u.error.client_id, r->client_id, TL_CLID_LEN);
	in.u.error.req = (uint8_t)kind;
	in.u.error.outcome.transport = tr;
	in.u.error.outcome.is_write = tr == TL_TR_WITHDRAWN;
	snprintf(in.u.error.text, sizeof(in.u.error.text), "%s", text);
	tl_engine_io_emit(e, &in);
}

static void io_fail(tl_engine_t *e, const tl_out_req_t *r, tl_req_kind_t kind,
		    int rc, tl_time_t now)
{
	char text[TL_TEXT_LEN];
	snprintf(text, sizeof(text), "venue refused request: %s", strerror(-rc));
	io_error(e, r, kind, TL_TR_LOCAL, text, now);
}

/* A request the IO thread ends itself, never handing it to the venue
 * (transport WITHDRAWN: no byte of it was written). */
static void io_withdraw(tl_engine_t *e, const tl_out_req_t *r, tl_req_kind_t kind,
			const char *why, tl_time_t now)
{
	atomic_fetch_add_explicit(&e->ctr.withdrawn, 1, memory_order_relaxed);
	io_error(e, r, kind, TL_TR_WITHDRAWN, why, now);
}

/* A cancel whose order's NEW is still in hand (the venue said -EAGAIN
 * to it): neither goes; both end WITHDRAWN (the NEW would otherwise
 * follow its own cancel to the venue and rest). */
static bool io_cancel_in_hand(tl_engine_t *e, const tl_output_t *c, tl_time_t now)
{
	for (uint32_t i = 0; i < e->io_n; i++) {
		tl_output_t *o = &e->io_batch[i];
		if (o->hdr.type != TL_OUT_REQ_NEW || o->u.req.handle != c->u.req.handle ||
		    strncmp(o->u.req.client_id, c->u.req.client_id, TL_CLID_LEN) != 0)
			continue;
		io_withdraw(e, &o->u.req, TL_REQ_NEW, "withdrawn: canceled before send", now);
		io_withdraw(e, &c->u.req, TL_REQ_CANCEL, "withdrawn: canceled before send", now);
		o->hdr.type = 0;
		return true;
	}
	return false;
}

/* Hand one request to the venue; false when it must wait (-EAGAIN). */
static bool io_send(tl_engine_t *e, const tl_output_t *o, tl_time_t now)
{
	const tl_venue_ops_t *ops = e->venue->ops;
	int rc;
	tl_req_kind_t kind;
	switch (o->hdr.type) {
	case TL_OUT_REQ_NEW:
		kind = TL_REQ_NEW;
		/* also each retry after -EAGAIN: the gate may have closed */
		if (!tl_venue_may_send(e->venue, &o->u.req)) {
			io_withdraw(e, &o->u.req, kind,
				    atomic_load_explicit(&e->gate.kill_epoch, memory_order_relaxed)
					    ? "withdrawn: kill switch" : "withdrawn: trading state",
				    now);
			return true;
		}
		rc = ops->submit(e->venue, &o->u.req, now);
		break;
	case TL_OUT_REQ_CANCEL:
		kind = TL_REQ_CANCEL;
		if (io_cancel_in_hand(e, o, now))
			return true;
		rc = ops->cancel(e->venue, &o->u.req, now);
		break;
	case TL_OUT_REQ_QUERY:
		kind = TL_REQ_QUERY;
		rc = ops->query(e->venue, &o->u.req, now);
		break;
	default:
		return true;
	}
	if (rc == -EAGAIN)
		return false;
	if (rc < 0)
		io_fail(e, &o->u.req, kind, rc, now);
	return true;
}

/* The IO thread's idle: the venue's wait when it has one (a response
 * is read as it lands; a request from the engine still waits up to
 * io.idle_us, as waking IO would cost the engine a syscall). */
int tl_engine_io_idle_wait(void *ctx, int64_t ns)
{
	tl_engine_t *e = ctx;
	const tl_venue_ops_t *ops = e->venue->ops;
	return ops->wait ? ops->wait(e->venue, ns) : -1;
}

/* Block for up to ns in the venue's io_uring wait, where a read of io_fd
 * is armed (a response and a producer's write end it alike), or, for a
 * venue without a wait, on io_fd itself for at most io.idle_us (such a
 * venue keeps timers of its own that its poll must see). 1: woken. */
int tl_engine_io_block(tl_engine_t *e, int64_t ns)
{
	const tl_venue_ops_t *ops = e->venue->ops;

	if (e->io_watch) {
		int rc = ops->wait(e->venue, ns);
		if (rc >= 0)
			return rc;
	}
	int64_t cap = (int64_t)e->cfg.io.idle_us * 1000;
	if (e->shared)
		cap = (int64_t)e->cfg.engine.idle_us * 1000;
	if (ns > cap)
		ns = cap;
	struct pollfd p = { .fd = e->io_fd, .events = POLLIN };
	struct timespec ts = { (time_t)(ns / TL_NS_PER_S), (long)(ns % TL_NS_PER_S) };
	int rc = ppoll(&p, 1, &ts, NULL);
	if (rc > 0)
		tl_wake_eventfd_drain(e->io_fd);
	return rc > 0;
}

/* Idle "park" of the IO agent (dedicated mode): block until the ENGINE
 * hands over a request or the venue's I/O completes, at most
 * TL_ENGINE_IO_PARK_NS (the venue's own timers: response timeouts,
 * reconnects, rate-limit windows are polled at least that often). */
void tl_engine_io_park(void *ctx)
{
	tl_engine_t *e = ctx;

	tl_wake_prepare(&e->io_wake);
	if (tl_spsc_used(&e->req.r) || e->st_vin.n) {
		tl_wake_cancel(&e->io_wake);
		return;
	}
	tl_engine_io_block(e, TL_ENGINE_IO_PARK_NS);
	tl_wake_done(&e->io_wake);
}

int tl_engine_io_work(void *ctx)
{
	tl_engine_t *e = ctx;
	int work = 0;
	tl_time_t now = tl_clock_realtime_ns();
	int moved = tl_engine_flush_in(&e->st_vin, &e->vin);
	if (moved) {
		work += moved;
		tl_engine_wake(e);
	}
	/* Refill the batch, then send urgent requests (cancels, emergency
	 * closes) before the rest. */
	while (e->io_n < TL_ENGINE_IO_BATCH && tl_spsc_out_pop(&e->req, &e->io_batch[e->io_n]))
		e->io_n++;
	if (e->io_n) {
		uint32_t keep = 0;
		for (int pass = 0; pass < 2; pass++) {
			for (uint32_t i = 0; i < e->io_n; i++) {
				tl_output_t *o = &e->io_batch[i];
				if (o->hdr.type == 0 || (pass == 0) != (o->u.req.urgent != 0))
					continue;
				if (io_send(e, o, now)) {
					o->hdr.type = 0;	/* done */
					work++;
				}
			}
		}
		for (uint32_t i = 0; i < e->io_n; i++)
			if (e->io_batch[i].hdr.type != 0)
				e->io_batch[keep++] = e->io_batch[i];
		e->io_n = keep;
	}
	work += e->venue->ops->poll(e->venue, now);
	return work;
}
