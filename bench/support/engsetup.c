/*
 * engsetup.c - engine set-up shared by the bench suites (engsetup.h).
 */
#include "bench/support/engsetup.h"

#include <time.h>

#include "bench/support/benchutil.h"

void tl_bench_xinfo_write(FILE *f, int n)
{
	fputs("{\"timezone\":\"UTC\",\"serverTime\":1700000000000,\"symbols\":[", f);
	for (int i = 0; i < n; i++)
		fprintf(f, "%s{\"symbol\":\"SYM%02dUSDT\",\"pair\":\"SYM%02dUSDT\","
			"\"contractType\":\"PERPETUAL\",\"status\":\"TRADING\","
			"\"baseAsset\":\"SYM%02d\",\"quoteAsset\":\"USDT\","
			"\"marginAsset\":\"USDT\",\"pricePrecision\":2,"
			"\"quantityPrecision\":3,\"filters\":["
			"{\"filterType\":\"PRICE_FILTER\",\"minPrice\":\"0.01\","
			"\"maxPrice\":\"100000\",\"tickSize\":\"0.01\"},"
			"{\"filterType\":\"LOT_SIZE\",\"minQty\":\"0.001\","
			"\"maxQty\":\"10000\",\"stepSize\":\"0.001\"},"
			"{\"filterType\":\"MARKET_LOT_SIZE\",\"minQty\":\"0.001\","
			"\"maxQty\":\"1000\",\"stepSize\":\"0.001\"},"
			"{\"filterType\":\"MAX_NUM_ORDERS\",\"limit\":200},"
			"{\"filterType\":\"MAX_NUM_ALGO_ORDERS\",\"limit\":10},"
			"{\"filterType\":\"MIN_NOTIONAL\",\"notional\":\"5\"},"
			"{\"filterType\":\"PERCENT_PRICE\",\"multiplierUp\":\"1.0500\","
			"\"multiplierDown\":\"0.9500\",\"multiplierDecimal\":\"4\"}]}",
			i ? "," : "", i, i, i);
	fputs("]}\n", f);
}

void tl_bench_cfg_unlimited(tl_config_t *c)
{
	c->kernel.max_order_qty = 0;
	c->kernel.max_order_notional = 0;
	c->kernel.max_position_qty = 0;
	c->kernel.max_open_orders = 0;
	c->kernel.rate_10s = 0;
	c->kernel.rate_1m = 0;
	c->kernel.loss_limit = 0;
}

int tl_bench_await_fill(tl_engine_t *e, int64_t end_ns, long nap_ns)
{
	struct timespec ts = { 0, nap_ns };

	for (;;) {
		tl_event_t ev;
		if (tl_bench_now_ns() > end_ns)
			return -1;
		if (tl_engine_poll_kernel(e, &ev, 1) == 0) {
			nanosleep(&ts, NULL);
			continue;
		}
		if (ev.type == TL_EV_ORDER_FILLED)
			return 1;
		if (ev.type == TL_EV_ORDER_REJECTED || ev.type == TL_EV_ORDER_FAILED)
			return 0;
	}
}
