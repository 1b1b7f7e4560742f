/*
 * changelog.h - the venue's records of changes that leave no order or
 * trade behind: order amendments (PUT order / batchOrders) and isolated
 * margin moves (POST positionMargin), for GET /fapi/v1/orderAmendment
 * and GET /fapi/v1/positionMargin/history.
 *
 * Two fixed rings of TL_SIM_CHANGELOG_CAP entries each, allocated at
 * venue init; when full the oldest entry is overwritten (the history
 * goes back as far as the ring does). Single-threaded like the venue.
 */
#ifndef TL_SIM_CHANGELOG_H
#define TL_SIM_CHANGELOG_H

#include <stdbool.h>
#include <stdint.h>

#include "kernel/fixed.h"

#define TL_SIM_CHANGELOG_CAP 4096

typedef struct tl_sim_amend {
	int64_t id;              /* amendmentId, from 1; 0 = empty slot */
	int64_t order_id, time;
	int32_t acct, sym;
	char cid[40];            /* the order's client id */
	tl_fx_t price_before, price_after, qty_before, qty_after;
	int count;               /* the order's amendments so far, this one included */
} tl_sim_amend_t;

typedef struct tl_sim_margin_move {
	int64_t id;              /* 0 = empty slot */
	int64_t time;
	int32_t acct, sym;
	uint8_t ps, type;        /* type 1 add, 2 reduce */
	tl_fx_t amount;
} tl_sim_margin_move_t;

typedef struct tl_sim_changelog {
	tl_sim_amend_t *amend;          /* TL_SIM_CHANGELOG_CAP */
	tl_sim_margin_move_t *margin;   /* TL_SIM_CHANGELOG_CAP */
	int64_t next_amend, next_margin; /* ids of the next entries, from 1 */
} tl_sim_changelog_t;

/* 0 or -1 (out of memory). */
int tl_sim_changelog_init(tl_sim_changelog_t *l);
void tl_sim_changelog_free(tl_sim_changelog_t *l);
/* Forget everything (venue reset). */
void tl_sim_changelog_reset(tl_sim_changelog_t *l);
/* Append; returns the stored entry (its id set). */
tl_sim_amend_t *tl_sim_changelog_amend(tl_sim_changelog_t *l,
				       const tl_sim_amend_t *a);
tl_sim_margin_move_t *tl_sim_changelog_margin(tl_sim_changelog_t *l,
					      const tl_sim_margin_move_t *m);
/* Entry with id `id`, or NULL when it was never stored or was overwritten. */
const tl_sim_amend_t *tl_sim_changelog_amend_at(const tl_sim_changelog_t *l,
						int64_t id);
const tl_sim_margin_move_t *
tl_sim_changelog_margin_at(const tl_sim_changelog_t *l, int64_t id);

#endif /* TL_SIM_CHANGELOG_H */
