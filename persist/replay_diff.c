/*
 * replay_diff.c - name the first field in which a journaled output and
 * its regenerated twin differ, with both values ("field ev.order.filled:
 * journal 0.01, replay 0.02"). One table of fields per output shape; a
 * difference no table covers (padding) is reported by byte offset.
 */
#include "persist/replay_int.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

enum { F_U, F_I, F_FX, F_STR, F_TYPE };

typedef struct rp_field {
	const char *name;
	uint16_t off, size;
	uint8_t kind;
} rp_field_t;

#define RF(n, m, k) { n, (uint16_t)offsetof(tl_output_t, m), \
		      (uint16_t)sizeof(((tl_output_t *)0)->m), k }

static const rp_field_t rp_hdr_fields[] = {
	RF("type", hdr.type, F_TYPE), RF("flags", hdr.flags, F_U),
	RF("seq", hdr.seq, F_U), RF("time", hdr.time, F_I),
	RF("cause_seq", hdr.cause_seq, F_U),
	{ NULL, 0, 0, 0 }
};
static const rp_field_t rp_req_fields[] = {
	RF("req.client_id", u.req.client_id, F_STR), RF("req.side", u.req.side, F_U),
	RF("req.type", u.req.type, F_U), RF("req.tif", u.req.tif, F_U),
	RF("req.pos_side", u.req.pos_side, F_U),
	RF("req.reduce_only", u.req.reduce_only, F_U),
	RF("req.close_position", u.req.close_position, F_U),
	RF("req.urgent", u.req.urgent, F_U), RF("req.algo", u.req.algo, F_U),
	RF("req.attempt", u.req.attempt, F_U), RF("req.symbol", u.req.symbol, F_STR),
	RF("req.qty", u.req.qty, F_FX), RF("req.price", u.req.price, F_FX),
	RF("req.stop_price", u.req.stop_price, F_FX),
	RF("req.venue_id", u.req.venue_id, F_I), RF("req.handle", u.req.handle, F_U),
	{ NULL, 0, 0, 0 }
};
static const rp_field_t rp_res_fields[] = {
	RF("reserve.from", u.reserve.from, F_U), RF("reserve.to", u.reserve.to, F_U),
	{ NULL, 0, 0, 0 }
};
static const rp_field_t rp_ev_fields[] = {
	RF("ev.type", u.ev.type, F_U), RF("ev.priority", u.ev.priority, F_U),
	RF("ev.symbol", u.ev.symbol, F_STR), RF("ev.text", u.ev.text, F_STR),
	{ NULL, 0, 0, 0 }
};
static const rp_field_t rp_evo_fields[] = {
	RF("ev.order.client_id", u.ev.u.order.client_id, F_STR),
	RF("ev.order.side", u.ev.u.order.side, F_U),
	RF("ev.order.type", u.ev.u.order.type, F_U),
	RF("ev.order.status", u.ev.u.order.status, F_U),
	RF("ev.order.pos_side", u.ev.u.order.pos_side, F_U),
	RF("ev.order.reduce_only", u.ev.u.order.reduce_only, F_U),
	RF("ev.order.role", u.ev.u.order.role, F_U),
	RF("ev.order.reject", u.ev.u.order.reject, F_U),
	RF("ev.order.venue_code", u.ev.u.order.venue_code, F_I),
	RF("ev.order.qty", u.ev.u.order.qty, F_FX),
	RF("ev.order.price", u.ev.u.order.price, F_FX),
	RF("ev.order.filled", u.ev.u.order.filled, F_FX),
	RF("ev.order.avg_price", u.ev.u.order.avg_price, F_FX),
	RF("ev.order.last_qty", u.ev.u.order.last_qty, F_FX),
	RF("ev.order.last_price", u.ev.u.order.last_price, F_FX),
	RF("ev.order.venue_id", u.ev.u.order.venue_id, F_I),
	RF("ev.order.user_ref", u.ev.u.order.user_ref, F_U),
	{ NULL, 0, 0, 0 }
};
static const rp_field_t rp_evp_fields[] = {
	RF("ev.pos.pos_side", u.ev.u.pos.pos_side, F_U),
	RF("ev.pos.status", u.ev.u.pos.status, F_U),
	RF("ev.pos.qty", u.ev.u.pos.qty, F_FX), RF("ev.pos.entry", u.ev.u.pos.entry, F_FX),
	RF("ev.pos.mark", u.ev.u.pos.mark, F_FX),
	RF("ev.pos.realized", u.ev.u.pos.realized, F_FX),
	RF("ev.pos.unrealized", u.ev.u.pos.unrealized, F_FX),
	RF("ev.pos.commission", u.ev.u.pos.commission, F_FX),
	RF("ev.pos.roe", u.ev.u.pos.roe, F_FX),
	RF("ev.pos.leverage", u.ev.u.pos.leverage, F_U),
	{ NULL, 0, 0, 0 }
};
static const rp_field_t rp_evs_fields[] = {
	RF("ev.state.from", u.ev.u.state.from, F_U), RF("ev.state.to", u.ev.u.state.to, F_U),
	RF("ev.state.total", u.ev.u.state.total, F_U), RF("ev.state.ok", u.ev.u.state.ok, F_U),
	RF("ev.state.failed", u.ev.u.state.failed, F_U),
	RF("ev.state.canceled", u.ev.u.state.canceled, F_U),
	{ NULL, 0, 0, 0 }
};

static void rp_field_value(const rp_field_t *f, const tl_output_t *o, char *buf,
			   size_t len)
{
	const uint8_t *p = (const uint8_t *)o + f->off;
	int64_t i = 0;
	uint64_t u = 0;
	switch (f->size) {
	case 1: u = *p; i = (int8_t)*p; break;
	case 2: { uint16_t v; memcpy(&v, p, 2); u = v; i = (int16_t)v; break; }
	case 4: { uint32_t v; memcpy(&v, p, 4); u = v; i = (int32_t)v; break; }
	case 8: memcpy(&u, p, 8); i = (int64_t)u; break;
	default: break;
	}
	switch (f->kind) {
	case F_STR:
		snprintf(buf, len, "\"%.*s\"", (int)strnlen((const char *)p, f->size), p);
		break;
	case F_FX: {
		char fx[TL_FX_STRLEN];
		tl_fx_format(i, -1, fx, sizeof(fx));
		snprintf(buf, len, "%s", fx);
		break;
	}
	case F_TYPE:
		snprintf(buf, len, "%s", tl_out_type_name((tl_out_type_t)u));
		break;
	case F_I:
		snprintf(buf, len, "%lld", (long long)i);
		break;
	default:
		snprintf(buf, len, "%llu", (unsigned long long)u);
		break;
	}
}

static const rp_field_t *rp_first_diff(const rp_field_t *t, const tl_output_t *a,
				       const tl_output_t *b)
{
	for (; t->name; t++)
		if (memcmp((const uint8_t *)a + t->off, (const uint8_t *)b + t->off, t->size))
			return t;
	return NULL;
}

void tl_rp_describe_diff(const tl_output_t *jour, const tl_output_t *regen,
			 char *buf, size_t len)
{
	const rp_field_t *f = rp_first_diff(rp_hdr_fields, jour, regen);
	if (!f && jour->hdr.type == regen->hdr.type) {
		switch (jour->hdr.type) {
		case TL_OUT_REQ_NEW:
		case TL_OUT_REQ_CANCEL:
		case TL_OUT_REQ_QUERY:
			f = rp_first_diff(rp_req_fields, jour, regen);
			break;
		case TL_OUT_ID_RESERVE:
			f = rp_first_diff(rp_res_fields, jour, regen);
			break;
		case TL_OUT_EVENT:
			f = rp_first_diff(rp_ev_fields, jour, regen);
			if (f && f != rp_ev_fields)
				break;	/* the type itself differs: report that */
			if (!f) {
				switch (jour->u.ev.type) {
				case TL_EV_POSITION_OPENED:
				case TL_EV_POSITION_UPDATED:
				case TL_EV_POSITION_CLOSED:
				case TL_EV_POSITION_LIQUIDATED:
					f = rp_first_diff(rp_evp_fields, jour, regen);
					break;
				case TL_EV_EMERGENCY_STARTED:
				case TL_EV_EMERGENCY_COMPLETED:
				case TL_EV_TRADING_STATE_CHANGED:
					f = rp_first_diff(rp_evs_fields, jour, regen);
					break;
				default:
					f = rp_first_diff(rp_evo_fields, jour, regen);
					break;
				}
			}
			break;
		default:
			break;
		}
	}
	if (f) {
		char a[96], b[96];
		rp_field_value(f, jour, a, sizeof(a));
		rp_field_value(f, regen, b, sizeof(b));
		snprintf(buf, len, "field %s: journal %s, replay %s", f->name, a, b);
		return;
	}
	const uint8_t *x = (const uint8_t *)jour, *y = (const uint8_t *)regen;
	for (size_t i = 0; i < sizeof(tl_output_t); i++)
		if (x[i] != y[i]) {
			snprintf(buf, len, "byte %zu: journal 0x%02x, replay 0x%02x",
				 i, x[i], y[i]);
			return;
		}
	buf[0] = '\0';
}

