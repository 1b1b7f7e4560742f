/*
 * kfix.h - a kernel test fixture: two symbols (BTCUSDT, ETHUSDT with
 * realistic filters), a kernel, a capturing sink and one-line helpers to
 * feed inputs. Time advances 1 ms per input unless set explicitly.
 *
 * The capture buffer is preallocated, so feeding inputs through it makes
 * no allocation (the no-malloc test relies on this).
 */
#ifndef TL_KFIX_H
#define TL_KFIX_H

#include "kernel/kernel.h"

#define KFIX_CAP 8192

typedef struct kfix {
	tl_kernel_t k;
	tl_sink_t sink;
	tl_output_t out[KFIX_CAP];  /* outputs since the last kfix_clear */
	uint32_t n;
	uint64_t lost;              /* outputs past KFIX_CAP (counted) */
	tl_time_t now;
	uint64_t in_seq;
} kfix_t;

extern kfix_t *KF;              /* the current fixture */

/* Make a fixture; `tweak` may edit the config first (NULL: defaults). */
kfix_t *kfix_new(void (*tweak)(tl_kernel_cfg_t *cfg));
void kfix_free(kfix_t *f);
void kfix_clear(void);

tl_fx_t fx(const char *s);      /* parse or abort */

tl_reject_t kf_apply(tl_input_t *in);
/* Apply at the next millisecond; the handle of a created order in *h. */
tl_reject_t kf_apply_h(tl_input_t *in, uint64_t *h);
tl_reject_t kf_submit(const char *sym, tl_side_t side, tl_ord_type_t type,
		      const char *qty, const char *price, uint64_t *h);
tl_reject_t kf_submit_ex(const tl_in_submit_t *s, uint64_t *h);
tl_reject_t kf_signal(tl_signal_t sig, const char *sym, const char *qty,
		      const char *price, const char *tp, const char *sl,
		      uint64_t *h);
tl_reject_t kf_cancel(const char *clid);
tl_reject_t kf_control(tl_ctl_cmd_t cmd, const char *why);
void kf_ack(const char *clid, int64_t vid);
void kf_update(const char *clid, tl_ord_status_t st, int32_t code);
void kf_fill(const char *clid, int64_t trade, const char *px, const char *qty,
	     const char *fee);
void kf_mark(const char *sym, const char *px);
void kf_tick_at(tl_time_t t);
void kf_tick_after(tl_time_t dt);
void kf_error(const char *clid, tl_req_kind_t req, tl_transport_t tr,
	      bool written, uint16_t http, int32_t code, const char *msg);
void kf_query(const char *clid, bool found, tl_ord_status_t st, int64_t vid);
/* The inputs the kf_ helpers apply, for tests that apply them their own
 * way (the journal tests record each one): every field not named is 0.
 * kf_order_in is a submit as a strategy sends it (GTC for limit orders,
 * no position side); sym NULL and vid 0 where a venue message names
 * neither. */
tl_input_t kf_mark_in(const char *sym, const char *px);
tl_input_t kf_order_in(const char *sym, tl_side_t side, tl_ord_type_t type,
		       const char *qty, const char *px);
tl_input_t kf_update_in(const char *clid, const char *sym, int64_t vid,
			tl_ord_status_t st, int32_t code);
tl_input_t kf_fill_in(const char *clid, const char *sym, int64_t vid, int64_t trade,
		      const char *px, const char *qty, const char *fee);
tl_input_t kf_cancel_in(const char *clid);
tl_input_t kf_control_in(tl_ctl_cmd_t cmd, const char *why);
/* The fixture's sink: captures into KF->out (ctx is the fixture). For
 * fixtures a test builds itself. */
void kfix_emit(void *ctx, const tl_output_t *o);

/* Venue inputs that name the order by symbol and venue id too (the
 * paths that match by venue id, foreign or wrong-symbol updates). */
void kf_fill_as(const char *clid, const char *sym, int64_t vid, int64_t trade,
		const char *px, const char *qty);
void kf_update_as(const char *clid, const char *sym, int64_t vid, tl_ord_status_t st);
/* An open order found at the venue (reconciliation): a NEW GTC limit
 * order, one-way mode. */
void kf_adopt(const char *clid, const char *sym, tl_side_t side,
	      const char *qty, const char *px, int64_t vid);
/* A position-snapshot input with what every snapshot carries (tolerance
 * 1%); the caller adds the symbol's or the end's fields and applies it. */
tl_input_t kf_snap_in(tl_snap_kind_t kind, tl_recon_policy_t pol, uint8_t confirm,
		      tl_snap_source_t src, uint32_t snap_id, tl_time_t asked);
/* The submit record kf_submit sends (pos_side from side in hedge mode). */
tl_in_submit_t kf_submit_spec(const char *sym, tl_side_t side, tl_ord_type_t type,
			      const char *qty, const char *price);
/* kfix_new(NULL), BTCUSDT marked at 50000 and ETHUSDT at 3000, outputs
 * cleared: the start most order tests want. */
kfix_t *kfix_new_marked(void);

/* Inspect captured outputs. */
uint32_t kf_count(tl_out_type_t t);
uint32_t kf_count_ev(tl_event_type_t t);
const tl_output_t *kf_last(tl_out_type_t t);
const tl_output_t *kf_last_ev(tl_event_type_t t);
const tl_output_t *kf_nth(tl_out_type_t t, uint32_t i);  /* i-th of type */
tl_order_t *kf_order(uint64_t h);
const char *kf_clid(uint64_t h);
tl_position_t *kf_pos(const char *sym, tl_pos_side_t ps);

#endif
