/*
 * orders.c - fixed-capacity order table: slots, lists and two indexes.
 *
 * Invariants (checked by tl_orders_check):
 *   1. every slot is on exactly one of the free, active, terminal lists,
 *      and o->list says which;
 *   2. n_active + n_terminal + (free slots) == cap;
 *   3. every active or terminal order is in by_clid exactly once, and in
 *      by_vid exactly once iff venue_id != 0; free slots are in neither;
 *   4. an order on the active list is non-terminal and vice versa.
 * Indexes use linear probing over idx_cap = 2 * cap cells, so the load
 * factor never exceeds 1/2 and a probe always ends at an empty cell.
 */
#include "kernel/orders.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t orders_mix(uint64_t x)
{
	x ^= x >> 30;		/* splitmix64 finalizer: full avalanche */
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

static uint32_t orders_hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ULL;	/* FNV-1a, then mixed */
	while (*s) {
		h ^= (uint8_t)*s++;
		h *= 1099511628211ULL;
	}
	return (uint32_t)orders_mix(h);
}

static uint32_t orders_hash_i64(int64_t v)
{
	return (uint32_t)orders_mix((uint64_t)v);
}

#define CELL_SLOT(c) ((uint32_t)(c) - 1)
#define CELL_HASH(c) ((uint32_t)((c) >> 32))
#define CELL(h, slot) (((uint64_t)(h) << 32) | ((uint64_t)(slot) + 1))

int tl_orders_init(tl_orders_t *t, uint32_t cap, char *errbuf, size_t errlen)
{
	memset(t, 0, sizeof(*t));
	if (cap < 2 || cap > (1u << 24) || (cap & (cap - 1)) != 0) {
		snprintf(errbuf, errlen,
			 "orders.capacity: expected a power of two in 2..16777216, got %u",
			 cap);
		return -1;
	}
	t->cap = cap;
	t->idx_cap = cap * 2;
	t->slot = calloc(cap, sizeof(*t->slot));
	t->by_clid = calloc(t->idx_cap, sizeof(*t->by_clid));
	t->by_vid = calloc(t->idx_cap, sizeof(*t->by_vid));
	if (!t->slot || !t->by_clid || !t->by_vid) {
		tl_orders_free(t);
		snprintf(errbuf, errlen, "orders: out of memory for %u slots", cap);
		return -1;
	}
	for (uint32_t i = 0; i < cap; i++) {
		t->slot[i].list = TL_LIST_FREE;
		t->slot[i].next = (i + 1 < cap) ? i + 1 : TL_ORD_NIL;
		t->slot[i].prev = TL_ORD_NIL;
	}
	t->free_head = 0;
	t->active_head = t->active_tail = TL_ORD_NIL;
	t->term_head = t->term_tail = TL_ORD_NIL;
	return 0;
}

void tl_orders_free(tl_orders_t *t)
{
	free(t->slot);
	free(t->by_clid);
	free(t->by_vid);
	memset(t, 0, sizeof(*t));
}

/* ---- intrusive doubly linked lists ------------------------------------ */

static void orders_list_push(tl_orders_t *t, uint32_t *head, uint32_t *tail,
			     uint32_t i)
{
	tl_order_t *o = &t->slot[i];
	o->next = TL_ORD_NIL;
	o->prev = *tail;
	if (*tail != TL_ORD_NIL)
		t->slot[*tail].next = i;
	else
		*head = i;
	*tail = i;
}

static void orders_list_unlink(tl_orders_t *t, uint32_t *head, uint32_t *tail,
			       uint32_t i)
{
	tl_order_t *o = &t->slot[i];
	if (o->prev != TL_ORD_NIL)
		t->slot[o->prev].next = o->next;
	else
		*head = o->next;
	if (o->next != TL_ORD_NIL)
		t->slot[o->next].prev = o->prev;
	else
		*tail = o->prev;
	o->prev = o->next = TL_ORD_NIL;
}

/* ---- indexes ------------------------------------------------------------ */

/* Cell holding `clid` (hash h), or the empty cell where it would go. */
static uint32_t orders_clid_find_cell(const tl_orders_t *t, const char *clid,
				      uint32_t h)
{
	uint32_t mask = t->idx_cap - 1;
	uint32_t c = h & mask;
	for (;;) {
		uint64_t v = t->by_clid[c];
		if (v == 0)
			return c;
		if (CELL_HASH(v) == h &&
		    strcmp(t->slot[CELL_SLOT(v)].client_id, clid) == 0)
			return c;
		c = (c + 1) & mask;
	}
}

static uint32_t orders_vid_find_cell(const tl_orders_t *t, int64_t vid, uint32_t h)
{
	uint32_t mask = t->idx_cap - 1;
	uint32_t c = h & mask;
	for (;;) {
		uint64_t v = t->by_vid[c];
		if (v == 0 || (CELL_HASH(v) == h && t->slot[CELL_SLOT(v)].venue_id == vid))
			return c;
		c = (c + 1) & mask;
	}
}

/* Backward-shift deletion for linear probing: after emptying cell `c`,
 * move later entries of the same cluster back when their home position
 * does not lie cyclically in (c, j]. Homes come from the stored hashes. */
static void orders_idx_delete(tl_orders_t *t, uint64_t *idx, uint32_t c)
{
	uint32_t mask = t->idx_cap - 1;
	uint32_t j = c;
	idx[c] = 0;
	for (;;) {
		j = (j + 1) & mask;
		uint64_t v = idx[j];
		if (v == 0)
			return;
		uint32_t home = CELL_HASH(v) & mask;
		bool in_range = (c <= j) ? (home > c && home <= j)
					 : (home > c || home <= j);
		if (!in_range) {
			idx[c] = v;
			idx[j] = 0;
			c = j;
		}
	}
}

static void orders_unindex(tl_orders_t *t, tl_order_t *o)
{
	uint32_t c = orders_clid_find_cell(t, o->client_id, orders_hash_str(o->client_id));
	if (t->by_clid[c] != 0)
		orders_idx_delete(t, t->by_clid, c);
	if (o->venue_id != 0) {
		c = orders_vid_find_cell(t, o->venue_id, orders_hash_i64(o->venue_id));
		if (t->by_vid[c] != 0 && &t->slot[CELL_SLOT(t->by_vid[c])] == o)
			orders_idx_delete(t, t->by_vid, c);
	}
}

/* ---- public ------------------------------------------------------------- */

tl_order_t *tl_orders_alloc(tl_orders_t *t, const char *client_id)
{
	size_t n = strnlen(client_id, TL_CLID_LEN);
	if (n == 0 || n > TL_CLID_MAX)
		return NULL;
	uint32_t h = orders_hash_str(client_id);
	uint32_t cell = orders_clid_find_cell(t, client_id, h);
	if (t->by_clid[cell] != 0)
		return NULL;	/* duplicate client id */

	uint32_t i;
	if (t->free_head != TL_ORD_NIL) {
		i = t->free_head;
		t->free_head = t->slot[i].next;
	} else if (t->term_head != TL_ORD_NIL) {
		i = t->term_head;
		orders_unindex(t, &t->slot[i]);
		orders_list_unlink(t, &t->term_head, &t->term_tail, i);
		t->n_terminal--;
		t->evicted++;
		/* The deletion may have moved cells: find the insert point again. */
		cell = orders_clid_find_cell(t, client_id, h);
	} else {
		return NULL;	/* every slot holds an active order */
	}

	tl_order_t *o = &t->slot[i];
	uint32_t gen = o->gen + 1;
	memset(o, 0, sizeof(*o));
	o->gen = gen;
	memcpy(o->client_id, client_id, n);
	o->client_id[n] = '\0';
	o->status = TL_ST_PENDING_NEW;
	o->list = TL_LIST_ACTIVE;
	orders_list_push(t, &t->active_head, &t->active_tail, i);
	t->n_active++;
	t->by_clid[cell] = CELL(h, i);
	return o;
}

void tl_orders_retire(tl_orders_t *t, tl_order_t *o)
{
	if (o->list != TL_LIST_ACTIVE)
		return;
	uint32_t i = tl_orders_slot(t, o);
	orders_list_unlink(t, &t->active_head, &t->active_tail, i);
	t->n_active--;
	o->list = TL_LIST_TERMINAL;
	orders_list_push(t, &t->term_head, &t->term_tail, i);
	t->n_terminal++;
}

void tl_orders_set_venue_id(tl_orders_t *t, tl_order_t *o, int64_t venue_id)
{
	if (venue_id == 0 || o->venue_id == venue_id)
		return;
	if (o->venue_id != 0) {
		/* The venue changed its mind about the id: re-index. */
		uint32_t c = orders_vid_find_cell(t, o->venue_id, orders_hash_i64(o->venue_id));
		if (t->by_vid[c] != 0 && &t->slot[CELL_SLOT(t->by_vid[c])] == o)
			orders_idx_delete(t, t->by_vid, c);
	}
	uint32_t h = orders_hash_i64(venue_id);
	uint32_t c = orders_vid_find_cell(t, venue_id, h);
	if (t->by_vid[c] != 0) {
		/* Another order claims this venue id: keep the first, record
		 * the id on this order without indexing it. */
		o->venue_id = 0;
		return;
	}
	o->venue_id = venue_id;
	t->by_vid[c] = CELL(h, tl_orders_slot(t, o));
}

tl_order_t *tl_orders_by_clid(const tl_orders_t *t, const char *client_id)
{
	if (strnlen(client_id, TL_CLID_LEN) > TL_CLID_MAX)
		return NULL;
	uint64_t v = t->by_clid[orders_clid_find_cell(t, client_id,
						      orders_hash_str(client_id))];
	return v ? &t->slot[CELL_SLOT(v)] : NULL;
}

tl_order_t *tl_orders_by_vid(const tl_orders_t *t, int64_t venue_id)
{
	if (venue_id == 0)
		return NULL;
	uint64_t v = t->by_vid[orders_vid_find_cell(t, venue_id,
						    orders_hash_i64(venue_id))];
	return v ? &t->slot[CELL_SLOT(v)] : NULL;
}

uint64_t tl_orders_handle(const tl_orders_t *t, const tl_order_t *o)
{
	return ((uint64_t)o->gen << 32) | tl_orders_slot(t, o);
}

tl_order_t *tl_orders_get(const tl_orders_t *t, uint64_t handle)
{
	uint32_t i = (uint32_t)handle;
	if (handle == 0 || i >= t->cap)
		return NULL;
	tl_order_t *o = &t->slot[i];
	if (o->gen != (uint32_t)(handle >> 32) || o->list == TL_LIST_FREE)
		return NULL;
	return o;
}

static bool orders_check_list(const tl_orders_t *t, uint32_t head, uint32_t tail,
			      uint8_t list, uint32_t want)
{
	uint32_t n = 0, prev = TL_ORD_NIL;
	for (uint32_t i = head; i != TL_ORD_NIL; i = t->slot[i].next) {
		if (i >= t->cap || ++n > t->cap)
			return false;
		const tl_order_t *o = &t->slot[i];
		if (o->list != list || o->prev != prev)
			return false;
		if (list == TL_LIST_ACTIVE && tl_status_terminal(o->status))
			return false;
		if (list == TL_LIST_TERMINAL && !tl_status_terminal(o->status))
			return false;
		if (tl_orders_by_clid(t, o->client_id) != o)
			return false;
		if (o->venue_id != 0 && tl_orders_by_vid(t, o->venue_id) != o)
			return false;
		prev = i;
	}
	return prev == tail && n == want;
}

bool tl_orders_check(const tl_orders_t *t)
{
	if (!orders_check_list(t, t->active_head, t->active_tail,
			       TL_LIST_ACTIVE, t->n_active))
		return false;
	if (!orders_check_list(t, t->term_head, t->term_tail,
			       TL_LIST_TERMINAL, t->n_terminal))
		return false;
	uint32_t nfree = 0;
	for (uint32_t i = t->free_head; i != TL_ORD_NIL; i = t->slot[i].next) {
		if (i >= t->cap || ++nfree > t->cap ||
		    t->slot[i].list != TL_LIST_FREE)
			return false;
	}
	if (nfree + t->n_active + t->n_terminal != t->cap)
		return false;
	uint32_t nc = 0, nv = 0;
	for (uint32_t c = 0; c < t->idx_cap; c++) {
		if (t->by_clid[c]) {
			const tl_order_t *o = &t->slot[CELL_SLOT(t->by_clid[c])];
			if (o->list == TL_LIST_FREE ||
			    CELL_HASH(t->by_clid[c]) != orders_hash_str(o->client_id))
				return false;
			nc++;
		}
		if (t->by_vid[c]) {
			const tl_order_t *o = &t->slot[CELL_SLOT(t->by_vid[c])];
			if (o->list == TL_LIST_FREE ||
			    CELL_HASH(t->by_vid[c]) != orders_hash_i64(o->venue_id))
				return false;
			nv++;
		}
	}
	(void)nv;
	return nc == t->n_active + t->n_terminal;
}
