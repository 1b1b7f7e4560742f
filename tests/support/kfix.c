/*
 * kfix.c - the kernel test fixture (see kfix.h).
 */
#include "tests/support/kfix.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

kfix_t *KF;

void kfix_emit(void *ctx, const tl_output_t *o)
{
	kfix_t *f = ctx;
	if (f->n < KFIX_CAP)
		f->out[f->n++] = *o;
	else
		f->lost++;
}

tl_fx_t fx(const char *s)
{
	tl_fx_t v;
	if (!s)
		return 0;
	if (tl_fx_parse_cstr(s, &v) != TL_FX_OK) {
		fprintf(stderr, "kfix: bad decimal '%s'\n", s);
		abort();
	}
	return v;
}

static void kfix_sym(tl_symbols_t *t, const char *name, const char *tick,
		     const char *step, const char *minq, const char *maxq,
		     const char *mmaxq, const char *notional, int pp, int qp)
{
	tl_symbol_t s;
	memset(&s, 0, sizeof(s));
	snprintf(s.name, sizeof(s.name), "%s", name);
	s.status = TL_SYM_TRADING;
	s.tick_size = fx(tick);
	s.min_price = fx(tick);
	s.max_price = fx("1000000");
	s.step_size = fx(step);
	s.min_qty = fx(minq);
	s.max_qty = fx(maxq);
	s.mkt_step_size = fx(step);
	s.mkt_min_qty = fx(minq);
	s.mkt_max_qty = fx(mmaxq);
	s.min_notional = fx(notional);
	s.pct_up = fx("1.05");
	s.pct_down = fx("0.95");
	s.max_open_orders = 200;
	s.price_precision = (uint8_t)pp;
	s.qty_precision = (uint8_t)qp;
	if (tl_symbols_add(t, &s) < 0)
		abort();
}

kfix_t *kfix_new(void (*tweak)(tl_kernel_cfg_t *cfg))
{
	kfix_t *f = calloc(1, sizeof(*f));
	char err[256];
	tl_symbols_t syms;
	if (!f || tl_symbols_init(&syms, 8, err, sizeof(err)) < 0)
		abort();
	/* min_price equals the tick, as on the venue. */
	kfix_sym(&syms, "BTCUSDT", "0.10", "0.001", "0.001", "1000", "120", "100", 2, 3);
	kfix_sym(&syms, "ETHUSDT", "0.01", "0.001", "0.001", "10000", "2000", "20", 2, 3);
	tl_kernel_cfg_t cfg;
	tl_kernel_cfg_defaults(&cfg);
	cfg.order_cap = 64;
	cfg.trade_cap = 256;
	cfg.id_block = 10;
	if (tweak)
		tweak(&cfg);
	if (tl_kernel_init(&f->k, &cfg, &syms, err, sizeof(err)) < 0) {
		fprintf(stderr, "kfix: %s\n", err);
		abort();
	}
	f->sink.emit = kfix_emit;
	f->sink.ctx = f;
	f->now = 1700000000LL * TL_NS_PER_S;
	KF = f;
	return f;
}

void kfix_free(kfix_t *f)
{
	if (!f)
		return;
	tl_kernel_free(&f->k);
	free(f);
	if (KF == f)
		KF = NULL;
}

void kfix_clear(void)
{
	KF->n = 0;
}

tl_reject_t kf_apply(tl_input_t *in)
{
	if (in->hdr.time == 0) {
		KF->now += TL_NS_PER_MS;
		in->hdr.time = KF->now;
	} else if (in->hdr.time > KF->now) {
		KF->now = in->hdr.time;
	}
	in->hdr.seq = ++KF->in_seq;
	return tl_kernel_apply(&KF->k, in, &KF->sink, NULL);
}

tl_reject_t kf_apply_h(tl_input_t *in, uint64_t *h)
{
	KF->now += TL_NS_PER_MS;
	in->hdr.time = KF->now;
	in->hdr.seq = ++KF->in_seq;
	return tl_kernel_apply(&KF->k, in, &KF->sink, h);
}

static void kf_copy(char *dst, size_t n, const char *src)
{
	snprintf(dst, n, "%s", src ? src : "");
}

tl_reject_t kf_submit_ex(const tl_in_submit_t *s, uint64_t *h)
{
	tl_input_t in;
	memset(&in, 0, sizeof(in));
	in.hdr.type = TL_IN_SUBMIT;
	in.u.submit = *s;
	return kf_apply_h(&in, h);
}

tl_in_submit_t kf_submit_spec(const char *sym, tl_side_t side, tl_ord_type_t type,
			      const char *qty, const char *price)
{
	tl_in_submit_t s;
	memset(&s, 0, sizeof(s));
	kf_copy(s.symbol, sizeof(s.symbol), sym);
	s.side = (uint8_t)side;
	s.type = (uint8_t)type;
	s.tif = TL_TIF_GTC;
	s.pos_side = KF->k.cfg.hedge_mode ? (side == TL_BUY ? TL_PS_LONG : TL_PS_SHORT)
					  : TL_PS_BOTH;
	s.qty = fx(qty);
	s.price = fx(price);
	return s;
}

tl_reject_t kf_submit(const char *sym, tl_side_t side, tl_ord_type_t type,
		      const char *qty, const char *price, uint64_t *h)
{
	tl_in_submit_t s = kf_submit_spec(sym, side, type, qty, price);
	return kf_submit_ex(&s, h);
}

tl_reject_t kf_signal(tl_signal_t sig, const char *sym, const char *qty,
		      const char *price, const char *tp, const char *sl,
		      uint64_t *h)
{
	tl_input_t in;
	memset(&in, 0, sizeof(in));
	in.hdr.type = TL_IN_SIGNAL;
	kf_copy(in.u.signal.symbol, sizeof(in.u.signal.symbol), sym);
	in.u.signal.signal = (uint8_t)sig;
	in.u.signal.qty = fx(qty);
	in.u.signal.price = fx(price);
	in.u.signal.tp = fx(tp);
	in.u.signal.sl = fx(sl);
	return kf_apply_h(&in, h);
}

tl_input_t kf_cancel_in(const char *clid)
{
	tl_input_t in;
	memset(&in, 0, sizeof(in));
	in.hdr.type = TL_IN_CANCEL;
	kf_copy(in.u.cancel.client_id, sizeof(in.u.cancel.client_id), clid);
	return in;
}

tl_reject_t kf_cancel(const char *clid)
{
	tl_input_t in = kf_cancel_in(clid);
	return kf_apply(&in);
}

tl_input_t kf_control_in(tl_ctl_cmd_t cmd, const char *why)
{
	tl_input_t in;
	memset(&in, 0, sizeof(in));
	in.hdr.type = TL_IN_CONTROL;
	in.u.control.cmd = (uint8_t)cmd;
	kf_copy(in.u.control.reason, sizeof(in.u.control.reason), why);
	return in;
}

tl_reject_t kf_control(tl_ctl_cmd_t cmd, const char *why)
{
	tl_input_t in = kf_control_in(cmd, why);
	return kf_apply(&in);
}




tl_input_t kf_update_in(const char *clid, const char *sym, int64_t vid,
			tl_ord_status_t st, int32_t code)
{
	tl_input_t in;
	memset(&in, 0, sizeof(in));
	in.hdr.type = TL_IN_ORDER_UPDATE;
	kf_copy(in.u.update.client_id, sizeof(in.u.update.client_id), clid);
	kf_copy(in.u.update.symbol, sizeof(in.u.update.symbol), sym);
	in.u.update.venue_id = vid;
	in.u.update.status = (uint8_t)st;
	in.u.update.code = code;
	return in;
}

tl_input_t kf_fill_in(const char *clid, const char *sym, int64_t vid, int64_t trade,
		      const char *px, const char *qty, const char *fee)
{
	tl_input_t in;
	memset(&in, 0, sizeof(in));
	in.hdr.type = TL_IN_FILL;
	kf_copy(in.u.fill.client_id, sizeof(in.u.fill.client_id), clid);
	in.u.fill.trade_id = trade;
	in.u.fill.price = fx(px);
	in.u.fill.qty = fx(qty);
	in.u.fill.commission = fx(fee);
	kf_copy(in.u.fill.symbol, sizeof(in.u.fill.symbol), sym);
	in.u.fill.venue_id = vid;
	return in;
}

void kf_update(const char *clid, tl_ord_status_t st, int32_t code)
{
	tl_input_t in = kf_update_in(clid, NULL, 0, st, code);
	kf_apply(&in);
}

void kf_ack(const char *clid, int64_t vid)
{
	tl_input_t in = kf_update_in(clid, NULL, vid, TL_ST_NEW, 0);
	kf_apply(&in);
}

void kf_update_as(const char *clid, const char *sym, int64_t vid, tl_ord_status_t st)
{
	tl_input_t in = kf_update_in(clid, sym, vid, st, 0);
	kf_apply(&in);
}

void kf_fill(const char *clid, int64_t trade, const char *px, const char *qty,
	     const char *fee)
{
	tl_input_t in = kf_fill_in(clid, NULL, 0, trade, px, qty, fee);
	kf_apply(&in);
}

void kf_fill_as(const char *clid, const char *sym, int64_t vid, int64_t trade,
		const char *px, const char *qty)
{
	tl_input_t in = kf_fill_in(clid, sym, vid, trade, px, qty, NULL);
	kf_apply(&in);
}

tl_input_t kf_mark_in(const char *sym, const char *px)
{
	tl_input_t in;
	memset(&in, 0, sizeof(in));
	in.hdr.type = TL_IN_MARK;
	kf_copy(in.u.mark.symbol, sizeof(in.u.mark.symbol), sym);
	in.u.mark.price = fx(px);
	return in;
}

void kf_mark(const char *sym, const char *px)
{
	tl_input_t in = kf_mark_in(sym, px);
	kf_apply(&in);
}

tl_input_t kf_order_in(const char *sym, tl_side_t side, tl_ord_type_t type,
		       const char *qty, const char *px)
{
	tl_input_t in;
	memset(&in, 0, sizeof(in));
	in.hdr.type = TL_IN_SUBMIT;
	kf_copy(in.u.submit.symbol, sizeof(in.u.submit.symbol), sym);
	in.u.submit.side = (uint8_t)side;
	in.u.submit.type = (uint8_t)type;
	in.u.submit.tif = type == TL_ORD_LIMIT ? TL_TIF_GTC : 0;
	in.u.submit.qty = fx(qty);
	in.u.submit.price = fx(px);
	return in;
}

void kf_tick_at(tl_time_t t)
{
	tl_input_t in;
	memset(&in, 0, sizeof(in));
	in.hdr.type = TL_IN_TICK;
	in.hdr.time = t;
	kf_apply(&in);
}

void kf_tick_after(tl_time_t dt)
{
	kf_tick_at(KF->now + dt);
}

void kf_error(const char *clid, tl_req_kind_t req, tl_transport_t tr,
	      bool written, uint16_t http, int32_t code, const char *msg)
{
	tl_input_t in;
	memset(&in, 0, sizeof(in));
	in.hdr.type = TL_IN_REQ_ERROR;
	kf_copy(in.u.error.client_id, sizeof(in.u.error.client_id), clid);
	in.u.error.req = (uint8_t)req;
	in.u.error.outcome.transport = tr;
	in.u.error.outcome.written = written;
	in.u.error.outcome.http_status = http;
	in.u.error.outcome.code = code;
	in.u.error.outcome.kind503 = http == 503 ? tl_retry_503_kind(msg) : TL_503_NONE;
	kf_copy(in.u.error.text, sizeof(in.u.error.text), msg);
	kf_apply(&in);
}

void kf_query(const char *clid, bool found, tl_ord_status_t st, int64_t vid)
{
	tl_input_t in;
	memset(&in, 0, sizeof(in));
	in.hdr.type = TL_IN_QUERY_RESULT;
	kf_copy(in.u.query.client_id, sizeof(in.u.query.client_id), clid);
	in.u.query.found = found;
	in.u.query.status = (uint8_t)st;
	in.u.query.venue_id = vid;
	kf_apply(&in);
}

uint32_t kf_count(tl_out_type_t t)
{
	uint32_t n = 0;
	for (uint32_t i = 0; i < KF->n; i++)
		n += KF->out[i].hdr.type == t;
	return n;
}

uint32_t kf_count_ev(tl_event_type_t t)
{
	uint32_t n = 0;
	for (uint32_t i = 0; i < KF->n; i++)
		n += KF->out[i].hdr.type == TL_OUT_EVENT && KF->out[i].u.ev.type == t;
	return n;
}

const tl_output_t *kf_last(tl_out_type_t t)
{
	for (uint32_t i = KF->n; i-- > 0;)
		if (KF->out[i].hdr.type == t)
			return &KF->out[i];
	return NULL;
}

const tl_output_t *kf_last_ev(tl_event_type_t t)
{
	for (uint32_t i = KF->n; i-- > 0;)
		if (KF->out[i].hdr.type == TL_OUT_EVENT && KF->out[i].u.ev.type == t)
			return &KF->out[i];
	return NULL;
}

const tl_output_t *kf_nth(tl_out_type_t t, uint32_t idx)
{
	for (uint32_t i = 0; i < KF->n; i++)
		if (KF->out[i].hdr.type == t && idx-- == 0)
			return &KF->out[i];
	return NULL;
}

tl_order_t *kf_order(uint64_t h)
{
	return tl_orders_get(&KF->k.orders, h);
}

const char *kf_clid(uint64_t h)
{
	tl_order_t *o = kf_order(h);
	return o ? o->client_id : "";
}

tl_position_t *kf_pos(const char *sym, tl_pos_side_t ps)
{
	return tl_kernel_position(&KF->k, tl_symbols_find(&KF->k.syms, sym), ps);
}


void kf_adopt(const char *clid, const char *sym, tl_side_t side,
	      const char *qty, const char *px, int64_t vid)
{
	tl_input_t in;
	memset(&in, 0, sizeof(in));
	in.hdr.type = TL_IN_ADOPT;
	kf_copy(in.u.adopt.client_id, sizeof(in.u.adopt.client_id), clid);
	kf_copy(in.u.adopt.symbol, sizeof(in.u.adopt.symbol), sym);
	in.u.adopt.side = (uint8_t)side;
	in.u.adopt.type = TL_ORD_LIMIT;
	in.u.adopt.tif = TL_TIF_GTC;
	in.u.adopt.pos_side = TL_PS_BOTH;
	in.u.adopt.status = TL_ST_NEW;
	in.u.adopt.venue_id = vid;
	in.u.adopt.qty = fx(qty);
	in.u.adopt.price = fx(px);
	kf_apply(&in);
}

tl_input_t kf_snap_in(tl_snap_kind_t kind, tl_recon_policy_t pol, uint8_t confirm,
		      tl_snap_source_t src, uint32_t snap_id, tl_time_t asked)
{
	tl_input_t in;
	memset(&in, 0, sizeof(in));
	in.hdr.type = TL_IN_POSITION_SNAPSHOT;
	in.u.snap.kind = (uint8_t)kind;
	in.u.snap.policy = (uint8_t)pol;
	in.u.snap.confirm = confirm;
	in.u.snap.source = (uint8_t)src;
	in.u.snap.snap_id = snap_id;
	in.u.snap.tolerance_pct = fx("1");
	in.u.snap.asked = asked;
	return in;
}

kfix_t *kfix_new_marked(void)
{
	kfix_t *f = kfix_new(NULL);
	kf_mark("BTCUSDT", "50000");
	kf_mark("ETHUSDT", "3000");
	kfix_clear();
	return f;
}
