/*
 * rest_handlers.h - endpoint handlers behind the route table of rest.c.
 *
 * Each handler reads c->p (parameters), uses c->acct (already
 * authenticated when the route is signed), writes the success body with
 * c->w and returns 0, or returns a Binance error code with c->e filled.
 * Split by family: rest_market.c (public), rest_orders.c (orders, algo
 * orders, trades), rest_account.c (account, positions, settings,
 * listenKey), rest_admin.c (/sim/), and one file per later job:
 * rest_ticker.c, rest_depth.c, rest_klines.c, rest_funding.c,
 * rest_trades.c (market data); rest_order_test.c, rest_modify.c
 * (orders); rest_brackets.c, rest_margin.c, rest_income.c, rest_risk.c,
 * rest_fee_burn.c, rest_changes.c (account).
 */
#ifndef TL_SIM_REST_HANDLERS_H
#define TL_SIM_REST_HANDLERS_H

#include "sim/rest.h"

/* rest_market.c */
int tl_sim_h_ping(tl_sim_call_t *c);
int tl_sim_h_time(tl_sim_call_t *c);
int tl_sim_h_exchange_info(tl_sim_call_t *c);
int tl_sim_h_premium_index(tl_sim_call_t *c);
int tl_sim_h_book_ticker(tl_sim_call_t *c);

/* rest_ticker.c */
int tl_sim_h_ticker_price(tl_sim_call_t *c);
int tl_sim_h_ticker_24hr(tl_sim_call_t *c);
int tl_sim_h_open_interest(tl_sim_call_t *c);
/* rest_depth.c */
int tl_sim_h_depth(tl_sim_call_t *c);
/* rest_klines.c */
int tl_sim_h_klines(tl_sim_call_t *c);
int tl_sim_h_continuous_klines(tl_sim_call_t *c);
int tl_sim_h_mark_klines(tl_sim_call_t *c);
int tl_sim_h_index_klines(tl_sim_call_t *c);
int tl_sim_h_premium_klines(tl_sim_call_t *c);
/* rest_funding.c */
int tl_sim_h_funding_rate(tl_sim_call_t *c);
int tl_sim_h_funding_info(tl_sim_call_t *c);
/* rest_trades.c */
int tl_sim_h_trades(tl_sim_call_t *c);
int tl_sim_h_historical_trades(tl_sim_call_t *c);
int tl_sim_h_agg_trades(tl_sim_call_t *c);

/* rest_orders.c */
int tl_sim_h_order_new(tl_sim_call_t *c);
int tl_sim_h_order_get(tl_sim_call_t *c);
int tl_sim_h_order_cancel(tl_sim_call_t *c);
int tl_sim_h_open_order(tl_sim_call_t *c);
int tl_sim_h_open_orders(tl_sim_call_t *c);
int tl_sim_h_all_orders(tl_sim_call_t *c);
int tl_sim_h_cancel_all(tl_sim_call_t *c);
int tl_sim_h_batch_new(tl_sim_call_t *c);
int tl_sim_h_batch_cancel(tl_sim_call_t *c);
int tl_sim_h_user_trades(tl_sim_call_t *c);
int tl_sim_h_countdown(tl_sim_call_t *c);
int tl_sim_h_algo_new(tl_sim_call_t *c);
int tl_sim_h_algo_cancel(tl_sim_call_t *c);
int tl_sim_h_algo_cancel_all(tl_sim_call_t *c);
int tl_sim_h_algo_get(tl_sim_call_t *c);
int tl_sim_h_algo_open(tl_sim_call_t *c);
int tl_sim_h_algo_all(tl_sim_call_t *c);

/* rest_order_test.c */
int tl_sim_h_order_test(tl_sim_call_t *c);
/* rest_modify.c */
int tl_sim_h_order_modify(tl_sim_call_t *c);
int tl_sim_h_batch_modify(tl_sim_call_t *c);

/* rest_account.c */
int tl_sim_h_position_risk_v2(tl_sim_call_t *c);
int tl_sim_h_position_risk_v3(tl_sim_call_t *c);
int tl_sim_h_balance(tl_sim_call_t *c);
int tl_sim_h_account_v2(tl_sim_call_t *c);
int tl_sim_h_account_v3(tl_sim_call_t *c);
int tl_sim_h_account_config(tl_sim_call_t *c);
int tl_sim_h_symbol_config(tl_sim_call_t *c);
int tl_sim_h_commission(tl_sim_call_t *c);
int tl_sim_h_rate_limit_order(tl_sim_call_t *c);
int tl_sim_h_leverage(tl_sim_call_t *c);
int tl_sim_h_margin_type(tl_sim_call_t *c);
int tl_sim_h_dual_set(tl_sim_call_t *c);
int tl_sim_h_dual_get(tl_sim_call_t *c);
int tl_sim_h_listen_key_new(tl_sim_call_t *c);
int tl_sim_h_listen_key_keep(tl_sim_call_t *c);
int tl_sim_h_listen_key_close(tl_sim_call_t *c);

/* rest_brackets.c */
int tl_sim_h_leverage_bracket(tl_sim_call_t *c);
/* rest_margin.c */
int tl_sim_h_multi_assets_get(tl_sim_call_t *c);
int tl_sim_h_multi_assets_set(tl_sim_call_t *c);
int tl_sim_h_position_margin(tl_sim_call_t *c);
/* rest_income.c */
int tl_sim_h_income(tl_sim_call_t *c);
/* rest_risk.c */
int tl_sim_h_adl_quantile(tl_sim_call_t *c);
int tl_sim_h_force_orders(tl_sim_call_t *c);
int tl_sim_h_api_trading_status(tl_sim_call_t *c);
/* rest_changes.c */
int tl_sim_h_order_amendment(tl_sim_call_t *c);
int tl_sim_h_margin_history(tl_sim_call_t *c);
/* rest_fee_burn.c */
int tl_sim_h_fee_burn_get(tl_sim_call_t *c);
int tl_sim_h_fee_burn_set(tl_sim_call_t *c);

/* rest_admin.c */
int tl_sim_h_admin_state(tl_sim_call_t *c);
int tl_sim_h_admin_mark(tl_sim_call_t *c);
int tl_sim_h_admin_move(tl_sim_call_t *c);
int tl_sim_h_admin_reset(tl_sim_call_t *c);
int tl_sim_h_admin_status(tl_sim_call_t *c);
int tl_sim_h_admin_faults(tl_sim_call_t *c);
/* rest_admin_records.c */
int tl_sim_h_admin_orders(tl_sim_call_t *c);
int tl_sim_h_admin_trades(tl_sim_call_t *c);

/* Shared helpers (rest.c). */
/* Symbol from the `symbol` parameter: index, or -1102/-1121 in c->e. */
int tl_sim_rest_symbol(tl_sim_call_t *c, bool required, int *sym);
/* Parse a decimal integer parameter; false when absent or malformed. */
bool tl_sim_rest_int(const tl_sim_call_t *c, const char *name, int64_t *out);
/* rest_args.c: optional integer `name` in [lo, hi], def when absent;
 * -1100 malformed, -1130 out of range. */
int tl_sim_rest_opt_int(tl_sim_call_t *c, const char *name, int64_t lo,
			int64_t hi, int64_t def, int64_t *out);
/* Optional startTime / endTime (-1 when absent); -1128 start > end. */
int tl_sim_rest_window(tl_sim_call_t *c, int64_t *start, int64_t *end);

/* batchOrders (rest_batch.c): each element of the JSON list in
 * `batchOrders` as parameters to fn, at most `max` (<= TL_SIM_BATCH_MAX)
 * of them; the answer is the array of fn's objects, or {code,msg} for an
 * element fn (or its parsing) refused. */
#define TL_SIM_BATCH_MAX 5
typedef int (*tl_sim_batch_fn)(tl_sim_call_t *c, const tl_sim_params_t *p,
			       tl_sim_err_t *e);
int tl_sim_batch_each(tl_sim_call_t *c, int max, tl_sim_batch_fn fn);
/* One refused element of a batch answer: {"code","msg"}. */
void tl_sim_batch_err(tl_sim_jw_t *w, const tl_sim_err_t *e);

#endif /* TL_SIM_REST_HANDLERS_H */
