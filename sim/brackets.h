/*
 * brackets.h - notional and leverage brackets of a symbol (GET
 * /fapi/v1/leverageBracket) and the maintenance margin they imply.
 *
 * Binance publishes per symbol a ladder of brackets: a position whose
 * notional falls in [notionalFloor, notionalCap) may use at most
 * initialLeverage and pays maintenance margin notional * maintMarginRatio
 * - cum, where cum makes the margin continuous across bracket edges.
 * The simulator derives its ladder from the symbol's configuration so
 * that the first bracket is exactly what the config says (max_leverage,
 * maint_margin_rate) and the rest follow Binance's shape; account.c
 * computes maintenance margin from the same ladder, so what a client
 * reads here is what the venue charges.
 */
#ifndef TL_SIM_BRACKETS_H
#define TL_SIM_BRACKETS_H

#include "kernel/fixed.h"
#include "sim/config.h"

#define TL_SIM_BRACKETS_MAX 12

typedef struct tl_sim_bracket {
	int bracket;            /* 1-based */
	int initial_leverage;
	tl_fx_t floor, cap;     /* notional, USDT */
	tl_fx_t mmr;            /* maintenance margin ratio */
	tl_fx_t cum;            /* maintenance amount, USDT */
} tl_sim_bracket_t;

/* The ladder of symbol s into out; returns how many (1..MAX). */
int tl_sim_brackets(const tl_sim_symbol_cfg_t *s,
		    tl_sim_bracket_t out[TL_SIM_BRACKETS_MAX]);

/* Maintenance margin of a position of |notional| n (n >= 0). */
tl_fx_t tl_sim_brackets_maint(const tl_sim_symbol_cfg_t *s, tl_fx_t n);

#endif /* TL_SIM_BRACKETS_H */
