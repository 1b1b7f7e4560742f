/*
 * symbols.h - the fixed table of tradable symbols and their venue filters.
 *
 * Loaded once at init from a Binance USD-M `exchangeInfo` JSON document
 * (parsed with cJSON; allocation happens only inside tl_symbols_load).
 * After load the table is read-only except for the mark price, which the
 * kernel updates from mark-price inputs. Lookups by name are O(1) through
 * a small open-addressing index. Owned by the kernel's thread.
 */
#ifndef TL_SYMBOLS_H
#define TL_SYMBOLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel/fixed.h"

#define TL_SYMBOL_NAMELEN 24   /* venue names are <= 20 chars; NUL incl. */
#define TL_SYMBOLS_MAX    1024 /* hard upper bound for the table capacity;
				 * the tables are sized by the count loaded,
				 * not by this (the kernel: about 540 bytes a
				 * symbol, its 3 position slots included) */

typedef enum tl_symbol_status {
	TL_SYM_TRADING = 0,
	TL_SYM_HALTED,          /* any status other than TRADING */
} tl_symbol_status_t;

/* One symbol and its filters. A filter value of 0 means "rule absent". */
typedef struct tl_symbol {
	char name[TL_SYMBOL_NAMELEN];  /* "BTCUSDT" */
	tl_symbol_status_t status;
	tl_fx_t tick_size;      /* PRICE_FILTER.tickSize */
	tl_fx_t min_price;      /* PRICE_FILTER.minPrice */
	tl_fx_t max_price;      /* PRICE_FILTER.maxPrice */
	tl_fx_t step_size;      /* LOT_SIZE.stepSize */
	tl_fx_t min_qty;        /* LOT_SIZE.minQty */
	tl_fx_t max_qty;        /* LOT_SIZE.maxQty */
	tl_fx_t mkt_step_size;  /* MARKET_LOT_SIZE.stepSize */
	tl_fx_t mkt_min_qty;    /* MARKET_LOT_SIZE.minQty */
	tl_fx_t mkt_max_qty;    /* MARKET_LOT_SIZE.maxQty */
	tl_fx_t min_notional;   /* MIN_NOTIONAL.notional */
	tl_fx_t pct_up;         /* PERCENT_PRICE.multiplierUp (1.15 = 115000000) */
	tl_fx_t pct_down;       /* PERCENT_PRICE.multiplierDown */
	uint32_t max_open_orders;      /* MAX_NUM_ORDERS.limit (0 = none) */
	uint32_t max_algo_orders;      /* MAX_NUM_ALGO_ORDERS.limit */
	uint8_t price_precision;       /* pricePrecision */
	uint8_t qty_precision;         /* quantityPrecision */
	/* Mutable by the kernel only: latest mark price (0 = none yet). */
	tl_fx_t mark;
} tl_symbol_t;

typedef struct tl_symbols {
	tl_symbol_t *sym;       /* [cap] */
	uint32_t count;
	uint32_t cap;
	uint16_t *index;        /* open addressing, [index_cap], 0 = empty, else id+1 */
	uint32_t index_cap;     /* power of two >= 2 * cap */
} tl_symbols_t;

/* Allocate an empty table for up to `cap` symbols (1..TL_SYMBOLS_MAX).
 * Returns 0, or -1 with a message in errbuf. */
int tl_symbols_init(tl_symbols_t *t, uint32_t cap, char *errbuf, size_t errlen);

/* Release everything tl_symbols_init allocated. Safe on a zeroed struct. */
void tl_symbols_free(tl_symbols_t *t);

/*
 * Load symbols from an exchangeInfo document (`json`, `len` bytes, not
 * necessarily NUL-terminated). If `only` is non-NULL it is a NULL-ended
 * list of names to keep; every name in it must be present. Untrusted
 * input: every field is validated (decimals via tl_fx_parse, positive
 * steps, min <= max, precisions 0..8). Returns the number of symbols
 * loaded, or -1 with a message naming the symbol and field in errbuf; on
 * error the table is left empty.
 */
int tl_symbols_load(tl_symbols_t *t, const char *json, size_t len,
		    const char *const *only, char *errbuf, size_t errlen);

/* Add one symbol directly (tests, config-defined symbols). Returns its id
 * or -1 when full, duplicate or invalid. */
int tl_symbols_add(tl_symbols_t *t, const tl_symbol_t *s);

/* Id of `name` (NUL-terminated) or -1. O(1). */
int tl_symbols_find(const tl_symbols_t *t, const char *name);

/* Symbol by id; NULL when out of range. */
static inline tl_symbol_t *tl_symbols_get(const tl_symbols_t *t, int id)
{
	return (id >= 0 && (uint32_t)id < t->count) ? &t->sym[id] : NULL;
}

#endif /* TL_SYMBOLS_H */
