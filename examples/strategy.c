/*
 * strategy.c - the smallest useful talon strategy, using only the public
 * C API (<talon.h>) and libtalon.a.
 *
 *   build/examples/strategy [config/paper.json]
 *
 * or, against an installed talon (`make install PREFIX=$HOME/.local`):
 *
 *   cc examples/strategy.c $(pkg-config --cflags --libs --static talon)
 *
 * (examples/callbacks.c is the same kind of strategy on the engine's own
 * thread, with callbacks.)
 *
 * It opens a long BTCUSDT position with a take-profit and a stop-loss,
 * prints every event for five seconds, closes the position and exits.
 * It runs as engine "example" with its own journal (var/example.db) and
 * client ids ("tlx..."), so it never shares a control block, a journal or
 * order ids with `talon run -c config/paper.json` (engine "paper",
 * var/paper.db, "tlp...").
 */
#include <stdio.h>
#include <time.h>

#include <talon.h>

static void print_event(const tl_engine_event_t *ev)
{
	char a[TL_MONEY_STRLEN], b[TL_MONEY_STRLEN];

	printf("%-24s %s", tl_event_kind_name(ev->type), ev->symbol);
	if (tl_event_is_order(ev)) {
		printf(" %s %s ref %llu", ev->u.order.client_id,
		       tl_order_status_name(ev->u.order.status),
		       (unsigned long long)ev->user_ref);
		if (tl_event_is_fill(ev)) {
			tl_money_format(ev->u.order.last_qty, -1, a, sizeof(a));
			tl_money_format(ev->u.order.last_price, -1, b, sizeof(b));
			printf(" %s @ %s", a, b);
		}
	} else if (tl_event_is_position(ev)) {
		tl_money_format(ev->u.position.qty, -1, a, sizeof(a));
		tl_money_format(ev->u.position.unrealized, 2, b, sizeof(b));
		printf(" qty %s uPnL %s", a, b);
	}
	if (ev->text[0])
		printf(" (%s)", ev->text);
	printf("\n");
}

static long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* Print events for `ms` milliseconds. Between events the thread parks in
 * tl_engine_wait: no polling loop, and the engine wakes it the moment an
 * event is published. */
static void pump(tl_engine_t *e, long ms)
{
	tl_engine_event_t ev[64];
	long end = now_ms() + ms;
	for (long left = ms; left > 0; left = end - now_ms()) {
		if (tl_engine_wait(e, left * 1000000L) <= 0)
			continue;
		int n = tl_engine_poll(e, ev, 64);
		for (int i = 0; i < n; i++)
			print_event(&ev[i]);
	}
}

int main(int argc, char **argv)
{
	char err[512];
	const char *config = argc > 1 ? argv[1] : "config/paper.json";
	tl_engine_opts_t opts = { .name = "example", .journal_path = "var/example.db",
				  .client_id_prefix = "tlx" };

	printf("talon %s (header %s)\n", tl_version(), TALON_VERSION_STRING);
	tl_engine_t *e = tl_engine_open(config, &opts, err, sizeof(err));
	if (!e) {
		fprintf(stderr, "strategy: %s\n", err);
		return 1;
	}
	/* Give the venue a moment to publish its first mark prices: a market
	 * order (and a TP/SL check) needs one, else NO_MARK. */
	pump(e, 300);
	tl_signal_spec_t entry = { .signal = TL_SIGNAL_LONG_ENTRY, .symbol = "BTCUSDT",
				   .qty = "0.010", .tp = "60000", .sl = "40000",
				   .user_ref = 1 };
	int rc = tl_engine_signal(e, &entry);
	if (rc != 0)
		fprintf(stderr, "strategy: signal: %d %s\n", rc, tl_engine_error());
	pump(e, 5000);
	tl_signal_spec_t close = { .signal = TL_SIGNAL_CLOSE_LONG, .symbol = "BTCUSDT",
				   .qty = "0.010", .user_ref = 2 };
	tl_engine_signal(e, &close);
	pump(e, 1000);
	tl_engine_status_t st;
	if (tl_engine_status(e, &st) == 0) {
		char pnl[TL_MONEY_STRLEN];
		tl_money_format(st.total_pnl, -1, pnl, sizeof(pnl));
		printf("state %s, %llu fills, total PnL %s USDT\n",
		       tl_engine_state_name(st.state), (unsigned long long)st.fills, pnl);
	}
	/* What is still open (the last snapshot): orders and positions. */
	tl_order_info_t ord[16];
	tl_position_info_t pos[16];
	int no = tl_engine_open_orders(e, NULL, ord, 16);
	int np = tl_engine_positions(e, NULL, pos, 16);
	for (int i = 0; i < no && i < 16; i++)
		printf("open order %s %s %s\n", ord[i].client_id, ord[i].symbol,
		       tl_order_status_name(ord[i].status));
	for (int i = 0; i < np && i < 16; i++) {
		char qty[TL_MONEY_STRLEN];
		tl_money_format(pos[i].qty, -1, qty, sizeof(qty));
		printf("position %s qty %s\n", pos[i].symbol, qty);
	}
	tl_engine_close(e);
	return 0;
}
