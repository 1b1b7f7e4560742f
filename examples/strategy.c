/*
 * strategy.c - the smallest useful talon strategy, using only the public
 * C API (include/talon.h) and libtalon.a.
 *
 *   build/examples/strategy config/paper.json
 *
 * It opens a long BTCUSDT position with a take-profit and a stop-loss,
 * waits for the fill, prints every event for five seconds, closes the
 * position and exits.
 */
#include <stdio.h>
#include <time.h>

#include "include/talon.h"

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

/* Print and count events for `ms` milliseconds; returns fills seen. */
static int pump(tl_engine_t *e, long ms)
{
	tl_event_t ev[64];
	int fills = 0;
	for (long t = 0; t < ms; t += 10) {
		int n = tl_engine_poll(e, ev, 64);
		for (int i = 0; i < n; i++) {
			printf("%-24s %s", tl_event_name((tl_event_type_t)ev[i].type), ev[i].symbol);
			if (ev[i].type <= TL_EV_ORDER_FAILED)
				printf(" %s %s", ev[i].u.order.client_id,
				       tl_status_name((tl_ord_status_t)ev[i].u.order.status));
			if (ev[i].type == TL_EV_ORDER_REJECTED)
				printf(" (%s)", ev[i].text);
			printf("\n");
			fills += ev[i].type == TL_EV_ORDER_FILLED;
		}
		sleep_ms(10);
	}
	return fills;
}

int main(int argc, char **argv)
{
	char err[512];
	const char *config = argc > 1 ? argv[1] : "config/paper.json";
	tl_engine_opts_t opts = { .no_shm = true, .name = "example" };
	tl_engine_t *e = tl_engine_open(config, &opts, err, sizeof(err));
	if (!e) {
		fprintf(stderr, "strategy: %s\n", err);
		return 1;
	}
	/* Give the venue a moment to publish its first mark prices: a market
	 * order (and a TP/SL check) needs one, else NO_MARK. */
	pump(e, 300);
	int rc = tl_engine_signal(e, TL_SIG_LONG_ENTRY, "BTCUSDT", "0.010", NULL,
				  "60000", "40000", 1);
	if (rc != 0)
		fprintf(stderr, "strategy: signal: %d %s\n", rc, tl_engine_error());
	pump(e, 5000);
	tl_engine_signal(e, TL_SIG_CLOSE_LONG, "BTCUSDT", "0.010", NULL, NULL, NULL, 2);
	pump(e, 1000);
	tl_engine_status_t st;
	if (tl_engine_status(e, &st) == 0) {
		char pnl[TL_FX_STRLEN];
		tl_fx_format(st.total_pnl, -1, pnl, sizeof(pnl));
		printf("state %s, %llu fills, total PnL %s USDT\n",
		       tl_trading_state_name(st.state), (unsigned long long)st.fills, pnl);
	}
	tl_engine_close(e);
	return 0;
}
