/*
 * strat.c - strategy tag table and per-tag virtual positions (strat.h).
 */
#include "kernel/strat.h"

#include <stdlib.h>
#include <string.h>

bool tl_strat_valid(const char *s)
{
	size_t n = 0;
	if (!s)
		return false;
	for (; s[n]; n++) {
		unsigned char c = (unsigned char)s[n];
		if (n >= TL_STRAT_LEN - 1 || c < '!' || c > '~' || c == '"' ||
		    c == '\'' || c == '\\' || c == '`')
			return false;
	}
	return n > 0;
}

int tl_strat_init(tl_strats_t *t, uint32_t sym_cap, uint32_t leverage)
{
	memset(t, 0, sizeof(*t));
	t->npos = sym_cap * 3;
	t->vpos = calloc((size_t)(TL_STRAT_MAX + 1) * t->npos, sizeof(*t->vpos));
	if (!t->vpos)
		return -1;
	for (uint32_t r = 0; r <= TL_STRAT_MAX; r++)
		for (uint32_t i = 0; i < t->npos; i++) {
			tl_position_t *p = &t->vpos[(size_t)r * t->npos + i];
			p->sym = (uint16_t)(i / 3);
			/* One-way arithmetic even for a hedge side: a tag that
			 * closes more than it opened (the other tags' share)
			 * crosses zero instead of losing the excess, so the
			 * rows always add up to the netted quantity. */
			p->pos_side = TL_PS_BOTH;
			p->leverage = leverage;
		}
	return 0;
}

void tl_strat_free(tl_strats_t *t)
{
	free(t->vpos);
	t->vpos = NULL;
}

int tl_strat_find(const tl_strats_t *t, const char *name)
{
	if (!name[0])
		return 0;
	for (uint32_t r = 1; r <= t->n; r++)
		if (strncmp(t->row[r].name, name, TL_STRAT_LEN) == 0)
			return (int)r;
	return -1;
}

int tl_strat_add(tl_strats_t *t, const char *name)
{
	int r = tl_strat_find(t, name);
	if (r >= 0)
		return r;
	if (t->n >= TL_STRAT_MAX || !tl_strat_valid(name))
		return -1;
	t->n++;
	memcpy(t->row[t->n].name, name, strlen(name) + 1);
	return (int)t->n;
}

bool tl_strat_fill(tl_strats_t *t, uint32_t row, uint32_t sym, uint32_t ps,
		   tl_side_t side, tl_fx_t qty, tl_fx_t price, tl_fx_t commission,
		   tl_fx_t mark, tl_time_t now, tl_pos_change_t *chg)
{
	tl_strat_t *s = &t->row[row];
	tl_position_t *p = tl_strat_pos(t, row, sym, ps);
	tl_fx_t u0 = p->unrealized;
	p->mark = mark;
	if (!tl_pos_apply_fill(p, side, qty, price, commission, now, chg))
		return false;
	s->unrealized += (__int128)p->unrealized - u0;
	s->realized += chg->realized;
	s->commission += commission;
	s->fills++;
	return true;
}

void tl_strat_fill_close(tl_strats_t *t, uint32_t sym, uint32_t ps,
			 tl_side_t side, tl_fx_t qty, tl_fx_t price,
			 tl_fx_t commission, tl_fx_t mark, tl_time_t now,
			 tl_strat_closed_fn closed, void *ctx)
{
	tl_fx_t left = qty, fee_left = commission;
	tl_pos_change_t chg;
	for (uint32_t r = 1; r <= t->n && left > 0; r++) {
		const tl_position_t *p = tl_strat_pos(t, r, sym, ps);
		tl_fx_t have = side == TL_SELL ? p->qty : -p->qty;
		if (have <= 0)
			continue;
		tl_fx_t take = have < left ? have : left;
		tl_fx_t fee = take == left ? fee_left
			: (tl_fx_t)((__int128)commission * take / qty);
		if (!tl_strat_fill(t, r, sym, ps, side, take, price, fee, mark, now, &chg))
			continue;	/* overflow: left to row 0 */
		left -= take;
		fee_left -= fee;
		if (chg.trip_ended && closed)
			closed(ctx, r, &chg);
	}
	if (left > 0 &&
	    tl_strat_fill(t, 0, sym, ps, side, left, price, fee_left, mark, now, &chg) &&
	    chg.trip_ended && closed)
		closed(ctx, 0, &chg);
}

void tl_strat_mark(tl_strats_t *t, uint32_t sym, tl_fx_t mark)
{
	for (uint32_t r = 0; r <= t->n; r++)
		for (uint32_t ps = 0; ps < 3; ps++) {
			tl_position_t *p = tl_strat_pos(t, r, sym, ps);
			tl_fx_t u0 = p->unrealized;
			tl_pos_mark(p, mark);
			t->row[r].unrealized += (__int128)p->unrealized - u0;
		}
}

bool tl_strat_check(const tl_strats_t *t)
{
	if (t->n > TL_STRAT_MAX || t->row[0].name[0])
		return false;
	for (uint32_t r = 0; r <= TL_STRAT_MAX; r++) {
		if (r >= 1 && r <= t->n) {
			if (!tl_strat_valid(t->row[r].name) ||
			    tl_strat_find(t, t->row[r].name) != (int)r)
				return false;
		} else if (r > t->n && (t->row[r].name[0] || t->row[r].fills))
			return false;
		__int128 u = 0;
		for (uint32_t i = 0; i < t->npos; i++)
			u += t->vpos[(size_t)r * t->npos + i].unrealized;
		if (u != t->row[r].unrealized)
			return false;
	}
	return true;
}
