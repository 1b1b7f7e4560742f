/*
 * paper.c - the paper venue: the venue ops, the request queue, create and
 * the public helpers (see paper.h).
 *
 * Requests are queued with a due time (now + latency) and their fault,
 * drawn from the fault stream when taken; poll() runs due jobs and mark
 * events merged by time (a job first on a tie: answers before the market
 * moves). The jobs themselves, matching and positions are in
 * paper_match.c, marks in paper_marks.c.
 */
#include "io/paper/internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define IDX_CAP (TL_PAPER_ORDER_CAP * 2u)  /* power of two, load <= 1/2 */

static inline tl_paper_t *paper_of(tl_venue_t *v)
{
	return (tl_paper_t *)v;
}

/* Queue a job due at now + latency, drawing its fault. */
static int paper_enqueue(tl_paper_t *p, uint8_t kind, const tl_out_req_t *r,
			 tl_time_t now)
{
	if (p->q_len == TL_PAPER_QUEUE_CAP)
		return -EAGAIN;
	tl_paper_job_t *j = &p->q[(p->q_head + p->q_len) % TL_PAPER_QUEUE_CAP];
	memset(j, 0, sizeof(*j));
	j->due = now + p->cfg.latency_ns;
	j->kind = kind;
	j->req = *r;
	if (kind != TL_PAPER_JOB_CANCEL_ALL) {
		uint32_t x = (uint32_t)(tl_paper_rand(&p->rng_fault) % 1000000u);
		if (x < p->cfg.reject_ppm)
			j->fault = TL_PAPER_FAULT_REJECT;
		else if (x - p->cfg.reject_ppm < p->cfg.timeout_ppm)
			j->fault = TL_PAPER_FAULT_TIMEOUT;
		j->executes = p->cfg.timeout_executes;
	}
	p->q_len++;
	return 0;
}

/* ---- venue ops ------------------------------------------------------------ */

static int paper_submit(tl_venue_t *v, const tl_out_req_t *r, tl_time_t now)
{
	if (!r)
		return -EINVAL;
	return paper_enqueue(paper_of(v), TL_PAPER_JOB_NEW, r, now);
}

/* A cancel of an order whose NEW still waits in the queue (latency):
 * the NEW is withdrawn, never reaching the book, and the cancel answered
 * at once (each request its one outcome). */
static bool paper_cancel_unsent(tl_paper_t *p, const tl_out_req_t *r)
{
	static const char why[] = "withdrawn: canceled before send";

	for (uint32_t i = 0; i < p->q_len; i++) {
		tl_paper_job_t *j = &p->q[(p->q_head + i) % TL_PAPER_QUEUE_CAP];
		if (j->kind != TL_PAPER_JOB_NEW ||
		    strncmp(j->req.client_id, r->client_id, TL_CLID_LEN) != 0)
			continue;
		j->kind = TL_PAPER_JOB_NONE;
		tl_paper_withdraw(p, &j->req, TL_REQ_NEW, why);
		tl_paper_withdraw(p, r, TL_REQ_CANCEL, why);
		return true;
	}
	return false;
}

static int paper_cancel(tl_venue_t *v, const tl_out_req_t *r, tl_time_t now)
{
	if (!r)
		return -EINVAL;
	paper_of(v)->now = now;
	if (paper_cancel_unsent(paper_of(v), r))
		return 0;
	return paper_enqueue(paper_of(v), TL_PAPER_JOB_CANCEL, r, now);
}

static int paper_query(tl_venue_t *v, const tl_out_req_t *r, tl_time_t now)
{
	if (!r)
		return -EINVAL;
	return paper_enqueue(paper_of(v), TL_PAPER_JOB_QUERY, r, now);
}

static int paper_cancel_all(tl_venue_t *v, const char *symbol, tl_time_t now)
{
	tl_paper_t *p = paper_of(v);
	tl_out_req_t r;
	memset(&r, 0, sizeof(r));
	if (symbol && symbol[0]) {
		if (tl_symbols_find(p->syms, symbol) < 0)
			return -EINVAL;
		snprintf(r.symbol, sizeof(r.symbol), "%s", symbol);
	}
	return paper_enqueue(p, TL_PAPER_JOB_CANCEL_ALL, &r, now);
}

static int paper_account(tl_venue_t *v, tl_venue_account_t *a, tl_time_t now)
{
	tl_paper_t *p = paper_of(v);
	(void)now;
	memset(a, 0, sizeof(*a));
	a->balance = p->cfg.balance + p->realized - p->commission;
	tl_fx_t unreal = 0, margin = 0;
	for (uint32_t s = 0; s < p->nsym; s++) {
		for (int ps = 0; ps < 3; ps++) {
			tl_position_t *pos = &p->sym[s].pos[ps];
			if (pos->qty == 0)
				continue;
			tl_fx_t u = tl_pos_unrealized(pos, p->sym[s].mark);
			unreal += u;
			margin += tl_pos_margin(pos, p->sym[s].mark);
			if (a->n_pos == TL_VENUE_MAX_POS)
				continue;
			tl_venue_position_t *vp = &a->pos[a->n_pos++];
			memcpy(vp->symbol, p->syms->sym[s].name, TL_SYMBOL_NAMELEN);
			vp->pos_side = (uint8_t)ps;
			vp->qty = pos->qty;
			vp->entry = pos->entry;
			vp->unrealized = u;
			vp->leverage = pos->leverage;
		}
	}
	a->available = a->balance + unreal - margin;
	if (a->available < 0)
		a->available = 0;
	return 0;
}

static int paper_set_leverage(tl_venue_t *v, const char *symbol, uint32_t lev,
			      tl_time_t now)
{
	tl_paper_t *p = paper_of(v);
	(void)now;
	int sid = symbol ? tl_symbols_find(p->syms, symbol) : -1;
	if (sid < 0 || (uint32_t)sid >= p->nsym || lev < 1 || lev > 125)
		return -EINVAL;
	p->sym[sid].leverage = lev;
	for (int ps = 0; ps < 3; ps++)
		p->sym[sid].pos[ps].leverage = lev;
	return 0;
}

/* The kill switch's venue sweep ("symbols"): once per kill epoch, every
 * resting order of the engine's symbols is canceled (the paper venue
 * holds only this engine's orders; its positions are the kernel's own,
 * which the liquidation closes). */
static void paper_sweep_poll(tl_paper_t *p, tl_time_t now)
{
	if (!p->base.gate)
		return;
	uint32_t e = atomic_load_explicit(&p->base.gate->kill_epoch, memory_order_acquire);
	if (e == p->swept_epoch)
		return;
	if (p->sweep && paper_cancel_all(&p->base, "", now) < 0)
		return;	/* queue full: next poll */
	p->swept_epoch = e;
}

static int paper_poll(tl_venue_t *v, tl_time_t now)
{
	tl_paper_t *p = paper_of(v);
	p->now = now;
	p->emitted = 0;
	if (!p->started)
		tl_paper_marks_start(p);
	paper_sweep_poll(p, now);
	/* Merge jobs and mark events by time; on a tie the job goes first
	 * (answers before the market moves). */
	uint32_t steps = 0;
	for (;;) {
		tl_time_t tj = p->q_len ? p->q[p->q_head].due : INT64_MAX;
		tl_time_t tm = tl_paper_marks_next(p);
		if (tj <= now && tj <= tm) {
			tl_paper_job_t j = p->q[p->q_head];
			p->q_head = (p->q_head + 1) % TL_PAPER_QUEUE_CAP;
			p->q_len--;
			tl_paper_job_run(p, &j);
		} else if (tm <= now) {
			tl_paper_marks_step(p, ++steps > TL_PAPER_STEPS_PER_POLL);
		} else {
			break;
		}
	}
	return p->emitted;
}

static void paper_destroy(tl_venue_t *v)
{
	tl_paper_t *p = paper_of(v);
	if (!p)
		return;
	free(p->sym);
	free(p->ord);
	free(p->idx);
	free(p->q);
	free(p->rows);
	free(p);
}

static const tl_venue_ops_t paper_ops = {
	.name = "paper",
	.submit = paper_submit,
	.cancel = paper_cancel,
	.query = paper_query,
	.cancel_all = paper_cancel_all,
	.account = paper_account,
	.set_leverage = paper_set_leverage,
	.poll = paper_poll,
	.destroy = paper_destroy,
};

/* ---- public ------------------------------------------------------------- */

void tl_paper_set_sweep(tl_venue_t *v, bool on)
{
	paper_of(v)->sweep = on;
}

tl_venue_t *tl_paper_create(const tl_paper_cfg_t *cfg, const tl_symbols_t *syms,
			    bool hedge_mode, tl_venue_emit_fn emit, void *ctx,
			    char *err, size_t errlen)
{
	tl_paper_t *p = NULL;
	if (!cfg || !syms || !emit || syms->count == 0) {
		snprintf(err, errlen, "paper: config, symbols and emit are required");
		return NULL;
	}
	if ((uint64_t)cfg->reject_ppm + cfg->timeout_ppm > 1000000u ||
	    cfg->latency_ns < 0 || cfg->mark_interval_ns < 0 ||
	    cfg->maker_rate < 0 || cfg->taker_rate < 0 || cfg->walk_bps > 10000 ||
	    cfg->slippage_bps > 10000 || cfg->n_start > TL_CFG_SYMBOLS_MAX) {
		snprintf(err, errlen, "paper: config out of range (fault ppm sum <= 1000000, "
			 "rates and times >= 0, bps <= 10000)");
		return NULL;
	}
	p = calloc(1, sizeof(*p));
	if (!p)
		goto oom;
	p->base.ops = &paper_ops;
	p->base.emit = emit;
	p->base.emit_ctx = ctx;
	/* In-process: always reachable; no stream, limits or clock. */
	atomic_store_explicit(&p->base.health.connected, 1, memory_order_relaxed);
	p->cfg = *cfg;
	p->syms = syms;
	p->hedge = hedge_mode;
	p->nsym = syms->count;
	p->sym = calloc(p->nsym, sizeof(*p->sym));
	p->ord = calloc(TL_PAPER_ORDER_CAP, sizeof(*p->ord));
	p->idx = calloc(IDX_CAP, sizeof(*p->idx));
	p->q = calloc(TL_PAPER_QUEUE_CAP, sizeof(*p->q));
	if (!p->sym || !p->ord || !p->idx || !p->q)
		goto oom;
	p->idx_mask = IDX_CAP - 1;
	p->rng_mark = cfg->seed ^ 0x6d61726b5f77616cULL;   /* "mark_wal" */
	p->rng_fault = cfg->seed ^ 0x6661756c745f7067ULL;  /* "fault_pg" */
	p->next_step = INT64_MAX;
	for (uint32_t i = 0; i < TL_PAPER_ORDER_CAP; i++)
		p->ord[i].prev = p->ord[i].next = -1;
	for (uint32_t s = 0; s < p->nsym; s++) {
		const tl_symbol_t *y = &syms->sym[s];
		tl_paper_sym_t *ps = &p->sym[s];
		ps->tick = y->tick_size > 0 ? y->tick_size : 1;
		ps->step = y->step_size;
		ps->max_price = y->max_price;
		ps->leverage = TL_PAPER_LEVERAGE;
		ps->head = ps->tail = -1;
		for (int k = 0; k < 3; k++) {
			ps->pos[k].sym = (uint16_t)s;
			ps->pos[k].pos_side = (uint8_t)k;
			ps->pos[k].leverage = TL_PAPER_LEVERAGE;
		}
	}
	for (uint32_t i = 0; i < cfg->n_start; i++) {
		char name[TL_SYMBOL_NAMELEN];
		memcpy(name, cfg->start[i].symbol, sizeof(name));
		name[TL_SYMBOL_NAMELEN - 1] = '\0';
		int sid = tl_symbols_find(syms, name);
		if (sid < 0 || (uint32_t)sid >= p->nsym) {
			snprintf(err, errlen, "paper.start[%u]: unknown symbol \"%s\"", i, name);
			goto fail;
		}
		tl_fx_t px = cfg->start[i].price;
		if (px <= 0 || !tl_fx_on_step(px, p->sym[sid].tick)) {
			char a[TL_FX_STRLEN], b[TL_FX_STRLEN];
			tl_fx_format(px, -1, a, sizeof(a));
			tl_fx_format(p->sym[sid].tick, -1, b, sizeof(b));
			snprintf(err, errlen, "paper.start[%s]: price %s must be > 0 and on tick %s",
				 name, a, b);
			goto fail;
		}
		p->sym[sid].mark = px;
	}
	if (cfg->marks_csv[0] &&
	    tl_paper_marks_load(p, cfg->marks_csv, err, errlen) != 0)
		goto fail;
	return &p->base;
oom:
	snprintf(err, errlen, "paper: out of memory");
fail:
	paper_destroy(p ? &p->base : NULL);
	return NULL;
}

void tl_paper_set_mark(tl_venue_t *v, const char *symbol, tl_fx_t price,
		       tl_time_t now)
{
	tl_paper_t *p = paper_of(v);
	int sid = symbol ? tl_symbols_find(p->syms, symbol) : -1;
	if (sid < 0 || (uint32_t)sid >= p->nsym || price <= 0)
		return;
	p->now = now;
	tl_paper_mark_changed(p, (uint32_t)sid, price);
}

void tl_paper_set_faults(tl_venue_t *v, uint32_t reject_ppm, int32_t reject_code,
			 uint32_t timeout_ppm, bool timeout_executes)
{
	tl_paper_t *p = paper_of(v);
	if (reject_ppm > 1000000u)
		reject_ppm = 1000000u;
	if (timeout_ppm > 1000000u - reject_ppm)
		timeout_ppm = 1000000u - reject_ppm;
	p->cfg.reject_ppm = reject_ppm;
	p->cfg.reject_code = reject_code;
	p->cfg.timeout_ppm = timeout_ppm;
	p->cfg.timeout_executes = timeout_executes;
}

void tl_paper_set_latency(tl_venue_t *v, tl_time_t latency_ns)
{
	paper_of(v)->cfg.latency_ns = latency_ns < 0 ? 0 : latency_ns;
}

int tl_paper_position(tl_venue_t *v, const char *symbol, tl_pos_side_t ps,
		      tl_fx_t *qty, tl_fx_t *entry)
{
	tl_paper_t *p = paper_of(v);
	int sid = symbol ? tl_symbols_find(p->syms, symbol) : -1;
	if (sid < 0 || (uint32_t)sid >= p->nsym || (unsigned)ps > TL_PS_SHORT ||
	    (p->hedge ? ps == TL_PS_BOTH : ps != TL_PS_BOTH))
		return -1;
	if (qty)
		*qty = p->sym[sid].pos[ps].qty;
	if (entry)
		*entry = p->sym[sid].pos[ps].entry;
	return 0;
}

void tl_paper_set_id_base(tl_venue_t *v, int64_t base)
{
	tl_paper_t *p = paper_of(v);
	if (base > p->next_vid)
		p->next_vid = base;
	for (uint32_t i = 0; i < p->nsym; i++)
		if (base > p->sym[i].next_trade)
			p->sym[i].next_trade = base;
}

int tl_paper_seed_position(tl_venue_t *v, const char *symbol, tl_pos_side_t ps,
			   const tl_position_t *pos)
{
	tl_paper_t *p = paper_of(v);
	int sid = symbol ? tl_symbols_find(p->syms, symbol) : -1;
	if (sid < 0 || (uint32_t)sid >= p->nsym || (unsigned)ps > TL_PS_SHORT ||
	    (p->hedge ? ps == TL_PS_BOTH : ps != TL_PS_BOTH))
		return -1;
	tl_position_t *d = &p->sym[sid].pos[ps];
	d->qty = pos->qty;
	d->entry = pos->entry;
	d->realized = pos->realized;
	d->commission = pos->commission;
	d->status = pos->status;
	d->opened = pos->opened;
	d->updated = pos->updated;
	return 0;
}

uint64_t tl_paper_orders_seen(tl_venue_t *v)
{
	return paper_of(v)->seen;
}

tl_fx_t tl_paper_mark(tl_venue_t *v, const char *symbol)
{
	tl_paper_t *p = paper_of(v);
	int sid = symbol ? tl_symbols_find(p->syms, symbol) : -1;
	return sid < 0 || (uint32_t)sid >= p->nsym ? 0 : p->sym[sid].mark;
}
