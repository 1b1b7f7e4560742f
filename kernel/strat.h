/*
 * strat.h - strategy tags: which strategy an order belongs to, and what
 * each strategy earned.
 *
 * A tag is 1..15 printable ASCII characters without spaces, quotes or
 * backslashes. Row 0 is the untagged row (orders without a tag, adopted
 * orders, liquidation remainders); rows 1..TL_STRAT_MAX are tags in the
 * order the kernel first accepted an order carrying them. A tag never
 * leaves the table, so a row index is a stable id for the life of the
 * journal (replay rebuilds the same table from the same inputs).
 *
 * Each row has its own virtual position per symbol and position side,
 * built only from the fills of its orders with the venue's arithmetic
 * (kernel/position.h), and marked at the same marks as the netted
 * position. The venue position stays netted; docs/kernel.md "Strategy
 * attribution" has the rules. Storage is allocated once, at init.
 */
#ifndef TL_STRAT_H
#define TL_STRAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel/position.h"

#define TL_STRAT_MAX 32        /* named tags per kernel */
#define TL_STRAT_LEN 16        /* 15 characters + NUL */

typedef struct tl_strat {
	char name[TL_STRAT_LEN];   /* "" for row 0 */
	/* 128-bit sums (no overflow whatever the fills; published through
	 * tl_fx_sat128) */
	__int128 realized;         /* sum of its virtual positions', before fees */
	__int128 commission;       /* fees of its fills */
	__int128 unrealized;       /* sum of its virtual positions' at the marks */
	uint64_t orders;           /* orders the kernel created for it */
	uint64_t fills;            /* fills booked to it (trades) */
} tl_strat_t;

typedef struct tl_strats {
	tl_strat_t row[TL_STRAT_MAX + 1];
	uint32_t n;                /* named tags in use: rows 1..n */
	uint32_t npos;             /* positions per row: symbol capacity * 3 */
	tl_position_t *vpos;       /* [(TL_STRAT_MAX + 1) * npos] */
} tl_strats_t;

/* Whether `s` is a valid tag: 1..15 characters in '!'..'~' except
 * '"', '\'', '\\' and '`'. The empty string is "no tag" and not valid. */
bool tl_strat_valid(const char *s);

/* Allocate the virtual positions for `sym_cap` symbols. 0 or -1. */
int tl_strat_init(tl_strats_t *t, uint32_t sym_cap, uint32_t leverage);
void tl_strat_free(tl_strats_t *t);

/* Row of tag `name` ("" -> 0), or -1 when not in the table. */
int tl_strat_find(const tl_strats_t *t, const char *name);

/* Row of `name`, adding it when new. -1 when the table is full. */
int tl_strat_add(tl_strats_t *t, const char *name);

/* A row's virtual position (row <= n, sym < capacity, ps 0..2). */
static inline tl_position_t *tl_strat_pos(const tl_strats_t *t, uint32_t row,
					  uint32_t sym, uint32_t ps)
{
	return &t->vpos[(size_t)row * t->npos + sym * 3 + ps];
}

/* Book a fill to one row's virtual position at the netted position's
 * mark. False (nothing booked) on arithmetic overflow. */
bool tl_strat_fill(tl_strats_t *t, uint32_t row, uint32_t sym, uint32_t ps,
		   tl_side_t side, tl_fx_t qty, tl_fx_t price, tl_fx_t commission,
		   tl_fx_t mark, tl_time_t now, tl_pos_change_t *chg);

/* Told of each row whose virtual position a liquidation fill closed. */
typedef void (*tl_strat_closed_fn)(void *ctx, uint32_t row, const tl_pos_change_t *chg);

/* A liquidation fill closes the tags' virtual positions in row order
 * (rows 1..n that hold the opposite of `side`), each up to its size,
 * and books what is left to row 0. The commission is shared by quantity
 * (rounded down, the last share takes the rest). */
void tl_strat_fill_close(tl_strats_t *t, uint32_t sym, uint32_t ps,
			 tl_side_t side, tl_fx_t qty, tl_fx_t price,
			 tl_fx_t commission, tl_fx_t mark, tl_time_t now,
			 tl_strat_closed_fn closed, void *ctx);

/* Mark every row's virtual positions of `sym`. */
void tl_strat_mark(tl_strats_t *t, uint32_t sym, tl_fx_t mark);

/* Invariants: names valid and distinct, row 0 unnamed, each row's
 * unrealized the sum of its positions'. O(rows * positions). */
bool tl_strat_check(const tl_strats_t *t);

#endif /* TL_STRAT_H */
