/*
 * callbacks.c - a strategy on the engine's own thread: callbacks
 * (tl_strategy_t) and the invoker (tl_engine_invoke), using only the
 * public C API (<talon.h>).
 *
 *   build/examples/callbacks [config/paper.json] [orders]
 *
 * The strategy reacts to each fill by sending the next order from inside
 * on_event: no ring crossing between an event and the reaction. With
 * opts.invoker this program's main thread runs the engine's duty cycle
 * itself (with engine.threading "shared" in the config: the ENGINE and
 * IO duties both, so one thread goes from a fill to the next order's
 * bytes on the socket). Without invoker the engine runs the callbacks on
 * its own ENGINE thread and main just waits.
 *
 * It buys and sells 0.010 BTCUSDT alternately, `orders` times (default
 * 20), prints one line per fill and a summary, and exits 0 when every
 * order filled. Engine "example-cb", its own journal and client ids.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <talon.h>

typedef struct demo {
	int want, sent, filled, rejected;
	long long first_ns, last_ns;
} demo_t;

static long long mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void send_next(tl_engine_t *e, demo_t *d)
{
	tl_order_spec_t o = { .symbol = "BTCUSDT",
			      .side = d->sent % 2 ? TL_SIDE_SELL : TL_SIDE_BUY,
			      .type = TL_ORDER_MARKET, .qty = "0.010" };
	int rc = tl_engine_submit(e, &o, (uint64_t)d->sent + 1);
	if (rc == 0)
		d->sent++;
	else
		fprintf(stderr, "callbacks: submit: %d %s\n", rc, tl_engine_error());
}

static void on_event(tl_engine_t *e, const tl_engine_event_t *ev, void *ctx)
{
	demo_t *d = ctx;
	char px[TL_MONEY_STRLEN];

	if (ev->type == TL_EVENT_ORDER_REJECTED) {
		d->rejected++;
		printf("rejected: %s (%s)\n", tl_event_reject_name(ev), ev->text);
	}
	if (ev->type != TL_EVENT_ORDER_FILLED)
		return;
	d->filled++;
	d->last_ns = mono_ns();
	tl_money_format(ev->u.order.avg_price, 2, px, sizeof(px));
	printf("fill %2d %s %s @ %s\n", d->filled, ev->u.order.client_id,
	       ev->u.order.side == TL_SIDE_BUY ? "BUY " : "SELL", px);
	if (d->sent < d->want)
		send_next(e, d);	/* the reaction, on the same thread */
}

/* The first order goes on the first timer: the venue's mark prices (a
 * market order needs one) are in by then. */
static void on_timer(tl_engine_t *e, int64_t now_ns, void *ctx)
{
	demo_t *d = ctx;
	(void)now_ns;
	if (d->sent == 0) {
		d->first_ns = mono_ns();
		send_next(e, d);
	}
}

int main(int argc, char **argv)
{
	char err[512];
	const char *config = argc > 1 ? argv[1] : "config/paper.json";
	demo_t d = { .want = argc > 2 ? atoi(argv[2]) : 20 };
	if (d.want < 1)
		d.want = 1;
	tl_strategy_t s = { .ctx = &d, .on_event = on_event, .on_timer = on_timer,
			    .timer_ns = 200LL * 1000000 };
	tl_engine_opts_t opts = { .name = "example-cb", .journal_path = "var/example-cb.db",
				  .client_id_prefix = "tlcb", .strategy = &s,
				  .invoker = true };

	tl_engine_t *e = tl_engine_open(config, &opts, err, sizeof(err));
	if (!e) {
		fprintf(stderr, "callbacks: %s\n", err);
		return 1;
	}
	/* The duty cycle, on this thread, for at most 30 s. */
	long long end = mono_ns() + 30000000000LL;
	while (d.filled < d.want && d.rejected == 0 && mono_ns() < end) {
		int w = tl_engine_invoke(e);
		if (w < 0) {
			fprintf(stderr, "callbacks: invoke: %d\n", w);
			break;
		}
		tl_engine_idle(e, w);	/* engine.idle: park, spin, ... */
	}
	tl_engine_close(e);	/* on this thread: the invoker's drain */
	printf("%d of %d orders filled", d.filled, d.want);
	if (d.filled > 1)
		printf(", %.1f us per fill-to-next-fill on average",
		       (double)(d.last_ns - d.first_ns) / 1000.0 / d.filled);
	printf("\n");
	return d.filled == d.want ? 0 : 1;
}
