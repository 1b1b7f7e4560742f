/*
 * paper_match.c - the paper venue's orders: tables, matching, fills,
 * positions and the request jobs (see paper.h).
 *
 * Layout: tables (client-id index, slots, open lists), emission helpers,
 * fills and positions, matching on a mark change, the request jobs (new,
 * cancel, query, cancel all). The venue ops, queue and create live in
 * paper.c, marks in paper_marks.c; shared types and invariants in
 * paper_int.h.
 *
 * An order's life at this venue (all fills are whole):
 *
 *   submit --(queued, due now+latency)--> validate --- bad ---> REQ_ERROR (400, code)
 *                                            |
 *                                            v
 *                                    NEW (ack) --+-- MARKET / marketable LIMIT --> FILLED (taker)
 *                                                +-- IOC not marketable -------> EXPIRED
 *                                                +-- LIMIT rests --- mark crosses ---> FILLED (maker)
 *                                                +-- conditional rests --- trigger --+--> FILLED (MARKET types)
 *                                                |                                   +--> resting LIMIT (STOP, TAKE_PROFIT)
 *                                                |                                   +--> EXPIRED (reduce-only not reducing)
 *                                                +-- cancel / cancel all ---------> CANCELED
 *
 * Faults are drawn when a request is taken: a reject answers with
 * (400, reject_code); a timeout answers with transport TIMEOUT, written,
 * and when timeout_executes the request still executes: only its REST
 * answer is lost, the stream events (ORDER_UPDATE, FILL) are emitted
 * after the timeout, the harder order for the kernel (UNKNOWN first).
 */
#include "io/paper/internal.h"

#include <string.h>

/* Binance messages (Binance USD-M API docs). */
#define MSG_BAD_SYMBOL  "Invalid symbol."
#define MSG_BAD_TYPE    "Invalid orderType."
#define MSG_BAD_SIDE    "Invalid side."
#define MSG_BAD_TIF     "Invalid timeInForce."
#define MSG_BAD_PARAM   "Mandatory parameter was not sent, was empty/null, or malformed."
#define MSG_POS_SIDE    "Order's position side does not match user's setting."
#define MSG_QTY_ZERO    "Quantity less than or equal to zero."
#define MSG_TICK        "Price not increased by tick size."
#define MSG_STEP        "Qty not increased by step size."
#define MSG_DUP         "clientOrderId is duplicated."
#define MSG_REDUCE      "ReduceOnly Order is rejected."
#define MSG_NO_FILL     "Unable to fill."
#define MSG_TRIGGER     "Order would immediately trigger."
#define MSG_MAX_OPEN    "Reach max open order limit."
#define MSG_FOK         "Due to the order could not be filled immediately, the FOK order has been rejected."
#define MSG_GTX         "Due to the order could not be executed as maker, the Post Only order will be rejected."
#define MSG_UNKNOWN_ORD "Unknown order sent."
#define MSG_NO_ORDER    "Order does not exist."
#define MSG_TIMEOUT     "paper: request timed out"
#define MSG_MARGIN      "Margin is insufficient."

static void paper_text(char *dst, const char *src)
{
	size_t n = strlen(src);
	if (n >= TL_TEXT_LEN)
		n = TL_TEXT_LEN - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* ---- client-id index and slots ---------------------------------------- */

static uint32_t paper_hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;
	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 1099511628211ULL;
	return (uint32_t)(h ^ (h >> 32));
}

/* Slot of the newest order with client id `clid`, or -1. */
static int32_t paper_find(const tl_paper_t *p, const char *clid)
{
	if (!clid[0])
		return -1;
	for (uint32_t i = paper_hash(clid) & p->idx_mask;; i = (i + 1) & p->idx_mask) {
		int32_t e = p->idx[i];
		if (e == 0)
			return -1;
		if (strcmp(p->ord[e - 1].clid, clid) == 0)
			return e - 1;
	}
}

static void paper_index(tl_paper_t *p, int32_t slot)
{
	const char *clid = p->ord[slot].clid;
	for (uint32_t i = paper_hash(clid) & p->idx_mask;; i = (i + 1) & p->idx_mask) {
		int32_t e = p->idx[i];
		if (e == 0 || strcmp(p->ord[e - 1].clid, clid) == 0) {
			p->idx[i] = slot + 1;
			return;
		}
	}
}

/* Drop slot's index entry if the index points at it (backward shift). */
static void paper_unindex(tl_paper_t *p, int32_t slot)
{
	uint32_t m = p->idx_mask, i = paper_hash(p->ord[slot].clid) & m;
	for (;; i = (i + 1) & m) {
		if (p->idx[i] == 0)
			return;
		if (p->idx[i] == slot + 1)
			break;
	}
	for (uint32_t j = i;;) {
		j = (j + 1) & m;
		if (p->idx[j] == 0)
			break;
		uint32_t k = paper_hash(p->ord[p->idx[j] - 1].clid) & m;
		/* Move j back into the hole at i unless its home k lies in (i, j]. */
		bool stays = i <= j ? (i < k && k <= j) : (i < k || k <= j);
		if (!stays) {
			p->idx[i] = p->idx[j];
			i = j;
		}
	}
	p->idx[i] = 0;
}

/* A slot for a new order: a free one, else a final one that ended at
 * least TL_PAPER_ORDER_CAP / 4 finishes ago (so the last ~2048 final
 * orders stay queryable), else any final one; a final order's slot is
 * forgotten. -1 when every slot holds an open order. */
static int32_t paper_slot(tl_paper_t *p)
{
	int32_t any = -1;
	for (uint32_t n = 0; n < TL_PAPER_ORDER_CAP; n++) {
		uint32_t s = (p->hand + n) % TL_PAPER_ORDER_CAP;
		tl_paper_ord_t *o = &p->ord[s];
		if (o->status == 0 ||
		    (tl_status_terminal((tl_ord_status_t)o->status) &&
		     p->finished - o->fin_seq >= TL_PAPER_ORDER_CAP / 4)) {
			any = (int32_t)s;
			break;
		}
		if (any < 0 && tl_status_terminal((tl_ord_status_t)o->status))
			any = (int32_t)s;
	}
	if (any < 0)
		return -1;
	p->hand = ((uint32_t)any + 1) % TL_PAPER_ORDER_CAP;
	if (p->ord[any].status)
		paper_unindex(p, any);
	memset(&p->ord[any], 0, sizeof(p->ord[any]));
	return any;
}

static void paper_link(tl_paper_t *p, int32_t slot)
{
	tl_paper_ord_t *o = &p->ord[slot];
	tl_paper_sym_t *s = &p->sym[o->sym];
	o->next = -1;
	o->prev = s->tail;
	if (s->tail >= 0)
		p->ord[s->tail].next = slot;
	else
		s->head = slot;
	s->tail = slot;
}

static void paper_unlink(tl_paper_t *p, int32_t slot)
{
	tl_paper_ord_t *o = &p->ord[slot];
	tl_paper_sym_t *s = &p->sym[o->sym];
	if (o->prev >= 0)
		p->ord[o->prev].next = o->next;
	else
		s->head = o->next;
	if (o->next >= 0)
		p->ord[o->next].prev = o->prev;
	else
		s->tail = o->prev;
	o->prev = o->next = -1;
}

/* Invariants 1-3 of paper_int.h, for one symbol's open list: O(open
 * orders of the symbol), the cost a mark change pays anyway. */
__attribute__((unused))
static bool paper_check(const tl_paper_t *p, uint32_t sid)
{
	const tl_paper_sym_t *s = &p->sym[sid];
	int32_t prev = -1;
	uint32_t n = 0;
	for (int32_t i = s->head; i >= 0; i = p->ord[i].next) {
		const tl_paper_ord_t *o = &p->ord[i];
		if (o->status != TL_ST_NEW || o->sym != sid || o->prev != prev ||
		    paper_find(p, o->clid) != i || ++n > TL_PAPER_ORDER_CAP)
			return false;
		prev = i;
	}
	return s->tail == prev && p->q_len <= TL_PAPER_QUEUE_CAP;
}

/* ---- emission ----------------------------------------------------------- */

void tl_paper_emit(tl_paper_t *p, tl_input_t *in)
{
	in->hdr.time = p->now;
	in->hdr.seq = 0;
	in->hdr.cause_seq = 0;
	p->emitted++;
	tl_venue_emit(&p->base, in);
}

static void paper_error(tl_paper_t *p, const tl_out_req_t *r, uint8_t kind,
			uint16_t http, int32_t code, const char *msg)
{
	tl_input_t in;
	memset(&in, 0, sizeof(in));
	in.hdr.type = TL_IN_REQ_ERROR;
	memcpy(in.u.error.client_id, r->client_id, TL_CLID_LEN);
	in.u.error.client_id[TL_CLID_MAX] = '\0';
	in.u.error.req = kind;
	in.u.error.outcome.http_status = http;
	in.u.error.outcome.code = code;
	in.u.error.outcome.is_write = kind != TL_REQ_QUERY;
	in.u.error.outcome.written = true;
	if (http == 0)
		in.u.error.outcome.transport = TL_TR_TIMEOUT;
	paper_text(in.u.error.text, msg);
	tl_paper_emit(p, &in);
}

void tl_paper_withdraw(tl_paper_t *p, const tl_out_req_t *r, uint8_t kind,
		    const char *why)
{
	tl_input_t in;
	memset(&in, 0, sizeof(in));
	in.hdr.type = TL_IN_REQ_ERROR;
	memcpy(in.u.error.client_id, r->client_id, TL_CLID_LEN);
	in.u.error.client_id[TL_CLID_MAX] = '\0';
	in.u.error.req = kind;
	in.u.error.outcome.transport = TL_TR_WITHDRAWN;
	in.u.error.outcome.is_write = true;
	paper_text(in.u.error.text, why);
	tl_paper_emit(p, &in);
}

static void paper_timeout(tl_paper_t *p, const tl_out_req_t *r, uint8_t kind)
{
	paper_error(p, r, kind, 0, 0, MSG_TIMEOUT);
}

static void paper_update(tl_paper_t *p, const tl_paper_ord_t *o, uint8_t status,
			 const char *text)
{
	tl_input_t in;
	memset(&in, 0, sizeof(in));
	in.hdr.type = TL_IN_ORDER_UPDATE;
	memcpy(in.u.update.client_id, o->clid, TL_CLID_LEN);
	in.u.update.status = status;
	in.u.update.venue_id = o->venue_id;
	memcpy(in.u.update.symbol, p->syms->sym[o->sym].name, TL_SYMBOL_NAMELEN);
	if (text)
		paper_text(in.u.update.text, text);
	tl_paper_emit(p, &in);
}

/* ---- prices, fills, positions ------------------------------------------ */

/* price * qty * rate, rounded up to 1e-8 (exact in 128 bits). */
static tl_fx_t paper_commission(tl_fx_t price, tl_fx_t qty, tl_fx_t rate)
{
	if (rate <= 0)
		return 0;
	__int128 n = (__int128)price * qty;        /* 1e-16 */
	__int128 m, d = (__int128)TL_FX_SCALE * TL_FX_SCALE, r;
	if (__builtin_mul_overflow(n, (__int128)rate, &m)) {
		/* Beyond any real notional: round the notional up first. */
		__int128 n8 = n / TL_FX_SCALE + (n % TL_FX_SCALE != 0);
		m = n8 * rate;                      /* 1e-16 */
		d = TL_FX_SCALE;
	}
	r = m / d + (m % d != 0);
	return r > INT64_MAX ? INT64_MAX : (tl_fx_t)r;
}

/* The mark worsened by slippage for a taker on `side`, on the tick in
 * the taker's disfavour (BUY up, SELL down), never <= 0. */
static tl_fx_t paper_taker_price(const tl_paper_t *p, const tl_paper_sym_t *s,
				 tl_side_t side)
{
	int64_t bps = p->cfg.slippage_bps;
	tl_fx_t x = s->mark, out = s->mark;
	if (side == TL_BUY) {
		if (!tl_fx_div_wide((__int128)s->mark * (10000 + bps), 10000,
				    TL_FX_CEIL, &x) ||
		    !tl_fx_quantize(x, s->tick, TL_FX_CEIL, &out))
			out = s->mark;
	} else {
		if (bps > 10000)
			bps = 10000;
		if (!tl_fx_div_wide((__int128)s->mark * (10000 - bps), 10000,
				    TL_FX_FLOOR, &x) ||
		    !tl_fx_quantize(x, s->tick, TL_FX_FLOOR, &out))
			out = s->mark;
		if (out <= 0)
			out = s->tick;
	}
	return out;
}

/* Would a fill of qty on side shrink (not grow, not flip) position ps? */
static bool paper_reduces(const tl_paper_t *p, uint32_t sid, uint8_t ps,
			  uint8_t side, tl_fx_t qty)
{
	tl_fx_t q = p->sym[sid].pos[ps].qty;
	return side == TL_BUY ? (q < 0 && qty <= -q) : (q > 0 && qty <= q);
}

/* Must this order only reduce? (reduce-only, or a hedge-mode close). */
static bool paper_must_reduce(const tl_paper_t *p, uint8_t side, uint8_t ps,
			      bool reduce_only)
{
	if (reduce_only)
		return true;
	return p->hedge && ((side == TL_SELL && ps == TL_PS_LONG) ||
			    (side == TL_BUY && ps == TL_PS_SHORT));
}

/* Finish an open order: off its list, final status. */
static void paper_finish(tl_paper_t *p, int32_t slot, uint8_t status)
{
	tl_paper_ord_t *o = &p->ord[slot];
	if (o->status == TL_ST_NEW)
		paper_unlink(p, slot);
	o->status = status;
	o->fin_seq = ++p->finished;
}

static void paper_expire(tl_paper_t *p, int32_t slot, const char *why)
{
	paper_finish(p, slot, TL_ST_EXPIRED);
	paper_update(p, &p->ord[slot], TL_ST_EXPIRED, why);
}

/* Fill the rest of an order at `price`; the order ends FILLED. A
 * reduce-only order that would no longer reduce expires instead. */
static void paper_fill(tl_paper_t *p, int32_t slot, tl_fx_t price, bool maker)
{
	tl_paper_ord_t *o = &p->ord[slot];
	tl_paper_sym_t *s = &p->sym[o->sym];
	tl_fx_t qty = o->qty - o->executed;
	if (paper_must_reduce(p, o->side, o->pos_side, o->reduce_only) &&
	    !paper_reduces(p, o->sym, o->pos_side, o->side, qty)) {
		paper_expire(p, slot, "reduce-only order would not reduce");
		return;
	}
	tl_fx_t fee = paper_commission(price, qty,
				       maker ? p->cfg.maker_rate : p->cfg.taker_rate);
	tl_pos_change_t chg;
	if (!tl_pos_apply_fill(&s->pos[o->pos_side], (tl_side_t)o->side, qty,
			       price, fee, p->now, &chg)) {
		paper_expire(p, slot, "paper: arithmetic overflow");
		return;
	}
	tl_pos_mark(&s->pos[o->pos_side], s->mark);
	p->realized += chg.realized;
	p->commission += fee;
	o->executed += qty;
	o->cum_quote += (__int128)price * qty;
	paper_finish(p, slot, TL_ST_FILLED);

	tl_input_t in;
	memset(&in, 0, sizeof(in));
	in.hdr.type = TL_IN_FILL;
	memcpy(in.u.fill.client_id, o->clid, TL_CLID_LEN);
	in.u.fill.maker = maker;
	in.u.fill.venue_id = o->venue_id;
	in.u.fill.trade_id = ++s->next_trade;
	in.u.fill.price = price;
	in.u.fill.qty = qty;
	in.u.fill.commission = fee;
	memcpy(in.u.fill.symbol, p->syms->sym[o->sym].name, TL_SYMBOL_NAMELEN);
	tl_paper_emit(p, &in);
}

/* ---- matching --------------------------------------------------------- */

static bool paper_marketable(const tl_paper_sym_t *s, const tl_paper_ord_t *o)
{
	if (s->mark <= 0)
		return false;
	return o->side == TL_BUY ? s->mark <= o->price : s->mark >= o->price;
}

static bool paper_triggers(const tl_paper_sym_t *s, const tl_paper_ord_t *o)
{
	if (s->mark <= 0)
		return false;
	bool stop = o->type == TL_ORD_STOP || o->type == TL_ORD_STOP_MARKET;
	bool up = (o->side == TL_BUY) == stop;   /* fires when mark >= stop */
	return up ? s->mark >= o->stop : s->mark <= o->stop;
}

/* Taker fill of a marketable LIMIT: the slipped mark, never worse than
 * the limit. */
static void paper_take_limit(tl_paper_t *p, int32_t slot)
{
	tl_paper_ord_t *o = &p->ord[slot];
	tl_fx_t px = paper_taker_price(p, &p->sym[o->sym], (tl_side_t)o->side);
	if (o->side == TL_BUY ? px > o->price : px < o->price)
		px = o->price;
	paper_fill(p, slot, px, false);
}

/* A triggered conditional order executes. */
static void paper_trigger(tl_paper_t *p, int32_t slot)
{
	tl_paper_ord_t *o = &p->ord[slot];
	tl_paper_sym_t *s = &p->sym[o->sym];
	o->conditional = 0;
	if (o->close_position) {
		tl_fx_t q = s->pos[o->pos_side].qty;
		tl_fx_t close = o->side == TL_BUY ? -q : q;
		if (close <= 0) {
			paper_expire(p, slot, "close-position: no position to close");
			return;
		}
		o->qty = close;
	}
	if (paper_must_reduce(p, o->side, o->pos_side, o->reduce_only) &&
	    !paper_reduces(p, o->sym, o->pos_side, o->side, o->qty)) {
		paper_expire(p, slot, "reduce-only order would not reduce");
		return;
	}
	if (o->type == TL_ORD_STOP_MARKET || o->type == TL_ORD_TAKE_PROFIT_MARKET) {
		paper_fill(p, slot, paper_taker_price(p, s, (tl_side_t)o->side), false);
		return;
	}
	/* STOP / TAKE_PROFIT: now a LIMIT at price. */
	o->type = TL_ORD_LIMIT;
	bool take = paper_marketable(s, o);
	if (take && o->tif == TL_TIF_GTX)
		paper_expire(p, slot, "post-only order would take");
	else if (take)
		paper_take_limit(p, slot);
	else if (o->tif == TL_TIF_IOC || o->tif == TL_TIF_FOK)
		paper_expire(p, slot, "not filled immediately");
}

void tl_paper_mark_changed(tl_paper_t *p, uint32_t sid, tl_fx_t price)
{
	tl_paper_sym_t *s = &p->sym[sid];
	s->mark = price;
	for (int ps = 0; ps < 3; ps++)
		tl_pos_mark(&s->pos[ps], price);

	tl_input_t in;
	memset(&in, 0, sizeof(in));
	in.hdr.type = TL_IN_MARK;
	memcpy(in.u.mark.symbol, p->syms->sym[sid].name, TL_SYMBOL_NAMELEN);
	in.u.mark.price = price;
	tl_paper_emit(p, &in);

	for (int32_t i = s->head, next; i >= 0; i = next) {
		next = p->ord[i].next;
		tl_paper_ord_t *o = &p->ord[i];
		if (o->conditional) {
			if (paper_triggers(s, o))
				paper_trigger(p, i);
		} else if (paper_marketable(s, o)) {
			paper_fill(p, i, o->price, true);   /* maker at its price */
		}
		/* Only order i can end here, so `next` stays linked. */
	}
	assert(paper_check(p, sid));
}

/* ---- request jobs -------------------------------------------------------- */

static bool paper_conditional_type(uint8_t t)
{
	return t == TL_ORD_STOP || t == TL_ORD_STOP_MARKET ||
	       t == TL_ORD_TAKE_PROFIT || t == TL_ORD_TAKE_PROFIT_MARKET;
}

/* Validate a new order; 0, or the Binance code with *msg set. */
static int32_t paper_validate(const tl_paper_t *p, const tl_out_req_t *r,
			      int *sid_out, const char **msg)
{
	char name[TL_SYMBOL_NAMELEN];
	memcpy(name, r->symbol, sizeof(name));
	name[TL_SYMBOL_NAMELEN - 1] = '\0';
	int sid = tl_symbols_find(p->syms, name);
	*sid_out = sid;
	if (sid < 0 || (uint32_t)sid >= p->nsym)
		return *msg = MSG_BAD_SYMBOL, -1121;
	const tl_paper_sym_t *s = &p->sym[sid];
	if (r->side != TL_BUY && r->side != TL_SELL)
		return *msg = MSG_BAD_SIDE, -1117;
	if (r->type < TL_ORD_LIMIT || r->type > TL_ORD_TAKE_PROFIT_MARKET)
		return *msg = MSG_BAD_TYPE, -1116;
	if (r->tif > TL_TIF_GTX)
		return *msg = MSG_BAD_TIF, -1115;
	if (!r->client_id[0] || memchr(r->client_id, '\0', TL_CLID_LEN) == NULL)
		return *msg = MSG_BAD_PARAM, -1102;
	if (p->hedge ? (r->pos_side != TL_PS_LONG && r->pos_side != TL_PS_SHORT)
		     : r->pos_side != TL_PS_BOTH)
		return *msg = MSG_POS_SIDE, -4061;
	bool close_all = r->close_position &&
			 (r->type == TL_ORD_STOP_MARKET ||
			  r->type == TL_ORD_TAKE_PROFIT_MARKET);
	if (!close_all && r->qty <= 0)
		return *msg = MSG_QTY_ZERO, -4003;
	if (r->qty > 0 && !tl_fx_on_step(r->qty, s->step))
		return *msg = MSG_STEP, -4023;
	bool has_price = r->type == TL_ORD_LIMIT || r->type == TL_ORD_STOP ||
			 r->type == TL_ORD_TAKE_PROFIT;
	if (has_price && r->price <= 0)
		return *msg = MSG_BAD_PARAM, -1102;
	if (has_price && !tl_fx_on_step(r->price, s->tick))
		return *msg = MSG_TICK, -4014;
	if (paper_conditional_type(r->type)) {
		if (r->stop_price <= 0)
			return *msg = MSG_BAD_PARAM, -1102;
		if (!tl_fx_on_step(r->stop_price, s->tick))
			return *msg = MSG_TICK, -4014;
	}
	return 0;
}

/* Answer a rejected new order: the 400 error, or only the timeout when
 * the answer is lost (a reject is never pushed on the stream). */
static void paper_reject_new(tl_paper_t *p, const tl_paper_job_t *j, int32_t code,
			     const char *msg)
{
	if (j->fault == TL_PAPER_FAULT_TIMEOUT)
		paper_timeout(p, &j->req, TL_REQ_NEW);
	else
		paper_error(p, &j->req, TL_REQ_NEW, 400, code, msg);
}

/* |qty| * px / lev at 1e-8, rounded up, in 128 bits. */
static __int128 paper_margin_of(tl_fx_t qty, tl_fx_t px, uint32_t lev)
{
	__int128 q = qty < 0 ? -(__int128)qty : qty;
	__int128 d = (__int128)TL_FX_SCALE * (lev ? lev : 1);
	return (q * px + d - 1) / d;
}

/* Does an order that can add exposure fit the available balance? The
 * kernel's pre-trade rule (kernel/risk.c), here as the venue's -2019:
 * initial margin notional / leverage plus the fee at the taker rate,
 * against wallet + unrealized - the initial margin of every position and
 * of every open order that can add to one, all at the mark (an order's
 * own price before the first mark). */
static bool paper_margin_ok(const tl_paper_t *p, const tl_out_req_t *r, uint32_t sid)
{
	__int128 avail = (__int128)p->cfg.balance + p->realized - p->commission;
	for (uint32_t i = 0; i < p->nsym; i++) {
		const tl_paper_sym_t *s = &p->sym[i];
		for (int ps = 0; ps < 3; ps++) {
			const tl_position_t *pos = &s->pos[ps];
			if (pos->qty == 0)
				continue;
			avail += tl_pos_unrealized(pos, s->mark);
			avail -= paper_margin_of(pos->qty, s->mark > 0 ? s->mark : pos->entry,
						 s->leverage);
		}
		for (int32_t o = s->head; o >= 0; o = p->ord[o].next) {
			const tl_paper_ord_t *x = &p->ord[o];
			if (x->reduce_only || x->close_position ||
			    paper_must_reduce(p, x->side, x->pos_side, false))
				continue;
			tl_fx_t px = s->mark > 0 ? s->mark : x->price > 0 ? x->price : x->stop;
			avail -= paper_margin_of(x->qty - x->executed, px, s->leverage);
		}
	}
	const tl_paper_sym_t *s = &p->sym[sid];
	tl_fx_t ref = r->type == TL_ORD_LIMIT || r->type == TL_ORD_STOP ||
				      r->type == TL_ORD_TAKE_PROFIT
			      ? r->price
		      : r->type == TL_ORD_MARKET ? s->mark
						 : r->stop_price;
	__int128 notional = (__int128)r->qty * ref;		/* 1e-16 */
	__int128 n8 = notional / TL_FX_SCALE + (notional % TL_FX_SCALE != 0);
	__int128 fee = p->cfg.taker_rate > 0 ? n8 * p->cfg.taker_rate : 0;
	__int128 need = paper_margin_of(r->qty, ref, s->leverage) +
			fee / TL_FX_SCALE + (fee % TL_FX_SCALE != 0);
	return need <= avail;
}

static void paper_job_new(tl_paper_t *p, const tl_paper_job_t *j)
{
	const tl_out_req_t *r = &j->req;
	/* The paper venue's "write": the gate may have closed since the
	 * request was queued (io/venue.h). */
	if (!tl_venue_may_send(&p->base, r)) {
		tl_paper_withdraw(p, r, TL_REQ_NEW, "withdrawn: kill switch");
		return;
	}
	if (j->fault == TL_PAPER_FAULT_REJECT) {
		paper_error(p, r, TL_REQ_NEW, 400, p->cfg.reject_code,
			    p->cfg.reject_code == -2019 ? MSG_MARGIN
							: "paper: injected reject");
		return;
	}
	if (j->fault == TL_PAPER_FAULT_TIMEOUT && !j->executes) {
		paper_timeout(p, r, TL_REQ_NEW);
		return;
	}
	const char *msg = NULL;
	int sid;
	int32_t code = paper_validate(p, r, &sid, &msg);
	if (code) {
		paper_reject_new(p, j, code, msg);
		return;
	}
	tl_paper_sym_t *s = &p->sym[sid];
	int32_t dup = paper_find(p, r->client_id);
	if (dup >= 0 && p->ord[dup].status == TL_ST_NEW) {
		paper_reject_new(p, j, -4116, MSG_DUP);
		return;
	}
	uint8_t tif = r->tif ? r->tif : TL_TIF_GTC;
	bool cond = paper_conditional_type(r->type);
	if (!cond && paper_must_reduce(p, r->side, r->pos_side, r->reduce_only) &&
	    !paper_reduces(p, (uint32_t)sid, r->pos_side, r->side, r->qty)) {
		paper_reject_new(p, j, -2022, MSG_REDUCE);
		return;
	}
	/* A draft order to ask the matching questions before taking a slot. */
	tl_paper_ord_t d;
	memset(&d, 0, sizeof(d));
	d.side = r->side;
	d.type = r->type;
	d.price = r->price;
	d.stop = r->stop_price;
	if (r->type == TL_ORD_MARKET && s->mark <= 0) {
		paper_reject_new(p, j, -2020, MSG_NO_FILL);
		return;
	}
	if (r->type == TL_ORD_LIMIT) {
		bool take = paper_marketable(s, &d);
		if (take && tif == TL_TIF_GTX) {
			paper_reject_new(p, j, -5022, MSG_GTX);
			return;
		}
		if (!take && tif == TL_TIF_FOK) {
			paper_reject_new(p, j, -5021, MSG_FOK);
			return;
		}
	}
	if (cond && paper_triggers(s, &d)) {
		paper_reject_new(p, j, -2021, MSG_TRIGGER);
		return;
	}
	if (p->cfg.check_margin && !r->reduce_only && !r->close_position &&
	    !paper_must_reduce(p, r->side, r->pos_side, false) &&
	    !paper_margin_ok(p, r, (uint32_t)sid)) {
		paper_reject_new(p, j, -2019, MSG_MARGIN);
		return;
	}
	int32_t slot = paper_slot(p);
	if (slot < 0) {
		paper_reject_new(p, j, -2025, MSG_MAX_OPEN);
		return;
	}
	tl_paper_ord_t *o = &p->ord[slot];
	*o = d;
	memcpy(o->clid, r->client_id, TL_CLID_LEN);
	o->status = TL_ST_NEW;
	o->tif = tif;
	o->pos_side = r->pos_side;
	o->reduce_only = r->reduce_only != 0;
	o->close_position = r->close_position != 0 && cond;
	o->conditional = cond;
	o->sym = (uint16_t)sid;
	o->venue_id = ++p->next_vid;
	o->qty = r->qty;
	o->prev = o->next = -1;
	paper_index(p, slot);
	paper_link(p, slot);
	p->seen++;

	if (j->fault == TL_PAPER_FAULT_TIMEOUT)
		paper_timeout(p, r, TL_REQ_NEW);   /* then the stream events */
	paper_update(p, o, TL_ST_NEW, NULL);
	if (r->type == TL_ORD_MARKET) {
		paper_fill(p, slot, paper_taker_price(p, s, (tl_side_t)r->side), false);
	} else if (r->type == TL_ORD_LIMIT) {
		if (paper_marketable(s, o))
			paper_take_limit(p, slot);
		else if (tif == TL_TIF_IOC)
			paper_expire(p, slot, "IOC not filled");
	}
	assert(paper_check(p, (uint32_t)sid));
}

/* The order a cancel or query names: by client id (newest), else by venue
 * id; the symbol must match when given. -1 when unknown. */
static int32_t paper_lookup(const tl_paper_t *p, const tl_out_req_t *r)
{
	int32_t slot = -1;
	if (r->client_id[0]) {
		char clid[TL_CLID_LEN];
		memcpy(clid, r->client_id, TL_CLID_LEN);
		clid[TL_CLID_MAX] = '\0';
		slot = paper_find(p, clid);
	} else if (r->venue_id) {
		for (uint32_t i = 0; i < TL_PAPER_ORDER_CAP; i++)
			if (p->ord[i].status && p->ord[i].venue_id == r->venue_id) {
				slot = (int32_t)i;
				break;
			}
	}
	if (slot >= 0 && r->symbol[0] &&
	    strncmp(p->syms->sym[p->ord[slot].sym].name, r->symbol,
		    TL_SYMBOL_NAMELEN) != 0)
		slot = -1;
	return slot;
}

static void paper_job_cancel(tl_paper_t *p, const tl_paper_job_t *j)
{
	const tl_out_req_t *r = &j->req;
	if (j->fault == TL_PAPER_FAULT_REJECT) {
		paper_error(p, r, TL_REQ_CANCEL, 400, p->cfg.reject_code,
			    "paper: injected reject");
		return;
	}
	int32_t slot = paper_lookup(p, r);
	bool open = slot >= 0 && p->ord[slot].status == TL_ST_NEW;
	if (j->fault == TL_PAPER_FAULT_TIMEOUT) {
		paper_timeout(p, r, TL_REQ_CANCEL);
		if (!j->executes || !open)
			return;
	} else if (!open) {
		paper_error(p, r, TL_REQ_CANCEL, 400, -2011, MSG_UNKNOWN_ORD);
		return;
	}
	paper_finish(p, slot, TL_ST_CANCELED);
	paper_update(p, &p->ord[slot], TL_ST_CANCELED, NULL);
	assert(paper_check(p, p->ord[slot].sym));
}

static void paper_job_query(tl_paper_t *p, const tl_paper_job_t *j)
{
	const tl_out_req_t *r = &j->req;
	if (j->fault == TL_PAPER_FAULT_REJECT) {
		paper_error(p, r, TL_REQ_QUERY, 400, p->cfg.reject_code,
			    "paper: injected reject");
		return;
	}
	if (j->fault == TL_PAPER_FAULT_TIMEOUT) {
		paper_timeout(p, r, TL_REQ_QUERY);
		return;
	}
	int32_t slot = paper_lookup(p, r);
	if (slot < 0) {
		paper_error(p, r, TL_REQ_QUERY, 400, -2013, MSG_NO_ORDER);
		return;
	}
	const tl_paper_ord_t *o = &p->ord[slot];
	tl_input_t in;
	memset(&in, 0, sizeof(in));
	in.hdr.type = TL_IN_QUERY_RESULT;
	memcpy(in.u.query.client_id, o->clid, TL_CLID_LEN);
	in.u.query.found = 1;
	in.u.query.status = o->status;
	in.u.query.venue_id = o->venue_id;
	in.u.query.executed_qty = o->executed;
	memcpy(in.u.query.symbol, p->syms->sym[o->sym].name, TL_SYMBOL_NAMELEN);
	if (o->executed > 0 &&
	    !tl_fx_div_wide(o->cum_quote, o->executed, TL_FX_NEAREST,
			    &in.u.query.avg_price))
		in.u.query.avg_price = 0;
	tl_paper_emit(p, &in);
}

static void paper_job_cancel_all(tl_paper_t *p, const tl_paper_job_t *j)
{
	for (uint32_t s = 0; s < p->nsym; s++) {
		if (j->req.symbol[0] &&
		    strncmp(p->syms->sym[s].name, j->req.symbol, TL_SYMBOL_NAMELEN))
			continue;
		for (int32_t i = p->sym[s].head, next; i >= 0; i = next) {
			next = p->ord[i].next;
			paper_finish(p, i, TL_ST_CANCELED);
			paper_update(p, &p->ord[i], TL_ST_CANCELED, "cancel all");
		}
		assert(paper_check(p, s));
	}
}

void tl_paper_job_run(tl_paper_t *p, const tl_paper_job_t *j)
{
	switch (j->kind) {
	case TL_PAPER_JOB_NEW:        paper_job_new(p, j); break;
	case TL_PAPER_JOB_CANCEL:     paper_job_cancel(p, j); break;
	case TL_PAPER_JOB_QUERY:      paper_job_query(p, j); break;
	case TL_PAPER_JOB_CANCEL_ALL: paper_job_cancel_all(p, j); break;
	}
}
