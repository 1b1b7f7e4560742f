/*
 * ws.c - RFC 6455 framing and the stream event JSON (see ws.h).
 */
#include "sim/ws.h"

#include <string.h>

#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/coding.h>
#include <wolfssl/wolfcrypt/sha.h>

#include "sim/render.h"

int tl_sim_ws_accept(const char *key, size_t klen, char out[29])
{
	static const char guid[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
	unsigned char in[128], dig[WC_SHA_DIGEST_SIZE];
	word32 olen = 29;

	if (klen == 0 || klen + sizeof guid > sizeof in)
		return -1;
	memcpy(in, key, klen);
	memcpy(in + klen, guid, sizeof guid - 1);
	{
		wc_Sha sha;
		int rc = wc_InitSha(&sha);
		if (rc == 0)
			rc = wc_ShaUpdate(&sha, in, (word32)(klen + sizeof guid - 1));
		if (rc == 0)
			rc = wc_ShaFinal(&sha, dig);
		wc_ShaFree(&sha);
		if (rc != 0)
			return -1;
	}
	if (Base64_Encode_NoNl(dig, sizeof dig, (byte *)out, &olen) != 0 || olen != 28)
		return -1;
	out[28] = '\0';
	return 0;
}

size_t tl_sim_ws_header(uint8_t op, size_t len, uint8_t hdr[10])
{
	hdr[0] = (uint8_t)(0x80 | op);
	if (len < 126) {
		hdr[1] = (uint8_t)len;
		return 2;
	}
	if (len <= 0xFFFF) {
		hdr[1] = 126;
		hdr[2] = (uint8_t)(len >> 8);
		hdr[3] = (uint8_t)len;
		return 4;
	}
	hdr[1] = 127;
	for (int i = 0; i < 8; i++)
		hdr[2 + i] = (uint8_t)((uint64_t)len >> (56 - 8 * i));
	return 10;
}

int tl_sim_ws_parse(char *buf, size_t len, tl_sim_ws_frame_t *f)
{
	return tl_sim_ws_parse_max(buf, len, f, TL_SIM_WS_MAX_IN);
}

int tl_sim_ws_parse_max(char *buf, size_t len, tl_sim_ws_frame_t *f,
			size_t max)
{
	const uint8_t *b = (const uint8_t *)buf;
	size_t hl = 2, pl, i;
	uint8_t mask[4];

	if (len < 2)
		return 0;
	if (b[0] & 0x70 || !(b[1] & 0x80))
		return -1; /* reserved bits, or unmasked client frame */
	f->fin = b[0] & 0x80;
	f->op = b[0] & 0x0F;
	pl = b[1] & 0x7F;
	if (pl == 126) {
		if (len < 4)
			return 0;
		pl = (size_t)b[2] << 8 | b[3];
		hl = 4;
	} else if (pl == 127) {
		return -2; /* > 64 KiB: never needed */
	}
	if (pl > max)
		return -2;
	if (len < hl + 4 + pl)
		return 0;
	memcpy(mask, b + hl, 4);
	f->payload = buf + hl + 4;
	f->len = pl;
	for (i = 0; i < pl; i++)
		f->payload[i] ^= (char)mask[i & 3];
	return (int)(hl + 4 + pl);
}

static void kfx(tl_sim_jw_t *w, const char *k, tl_fx_t v, int min)
{
	tl_sim_render_kfx(w, k, v, min);
}

void tl_sim_ws_order_update(tl_sim_jw_t *w, const tl_sim_venue_t *v,
			    const tl_sim_event_t *ev)
{
	static const char *const x[] = { "NEW", "TRADE", "CANCELED", "EXPIRED" };
	const tl_sim_order_t *o = ev->order;
	const tl_sim_trade_t *t = ev->trade;
	const tl_sim_symbol_cfg_t *c = &v->cfg->sym[o->sym];
	char er[4] = { (char)('0' + o->expire_reason % 10), 0 };

	tl_sim_jw_obj(w);
	tl_sim_jw_kstr(w, "e", "ORDER_TRADE_UPDATE");
	tl_sim_jw_kint(w, "E", ev->time);
	tl_sim_jw_kint(w, "T", ev->time);
	tl_sim_jw_key(w, "o");
	tl_sim_jw_obj(w);
	tl_sim_jw_kstr(w, "s", c->name);
	tl_sim_jw_kstr(w, "c", o->cid);
	tl_sim_jw_kstr(w, "S", tl_sim_side_name(o->side));
	tl_sim_jw_kstr(w, "o", tl_sim_type_name(o->type));
	tl_sim_jw_kstr(w, "f", tl_sim_tif_name(o->tif));
	kfx(w, "q", o->qty, c->qty_prec);
	kfx(w, "p", o->price, c->price_prec);
	kfx(w, "ap", tl_sim_render_avg(o), c->price_prec);
	kfx(w, "sp", o->stop_price, c->price_prec);
	tl_sim_jw_kstr(w, "x", x[ev->exec & 3]);
	tl_sim_jw_kstr(w, "X", tl_sim_status_name(o->status));
	tl_sim_jw_kint(w, "i", o->id);
	kfx(w, "l", t ? t->qty : 0, c->qty_prec);
	kfx(w, "z", o->executed, c->qty_prec);
	kfx(w, "L", t ? t->price : 0, c->price_prec);
	if (t && t->commission) {
		tl_sim_jw_kstr(w, "N", c->quote);
		tl_sim_jw_kfx(w, "n", t->commission, 8);
	}
	tl_sim_jw_kint(w, "T", ev->time);
	tl_sim_jw_kint(w, "t", t ? t->id : 0);
	tl_sim_jw_kstr(w, "b", "0");
	tl_sim_jw_kstr(w, "a", "0");
	tl_sim_jw_kbool(w, "m", t ? t->maker : false);
	tl_sim_jw_kbool(w, "R", o->reduce_only);
	tl_sim_jw_kstr(w, "wt", o->working_mark ? "MARK_PRICE" : "CONTRACT_PRICE");
	tl_sim_jw_kstr(w, "ot", tl_sim_type_name(o->orig_type));
	tl_sim_jw_kstr(w, "ps", tl_sim_ps_name(o->ps));
	tl_sim_jw_kbool(w, "cp", o->close_position);
	tl_sim_jw_kfx(w, "rp", t ? t->realized : 0, 8);
	tl_sim_jw_kbool(w, "pP", o->price_protect);
	tl_sim_jw_kint(w, "si", 0);
	tl_sim_jw_kint(w, "ss", 0);
	tl_sim_jw_kstr(w, "V", "EXPIRE_MAKER");
	tl_sim_jw_kstr(w, "pm", "NONE");
	tl_sim_jw_kint(w, "gtd", 0);
	tl_sim_jw_kstr(w, "er", er);
	tl_sim_jw_obj_end(w);
	tl_sim_jw_obj_end(w);
}

void tl_sim_ws_trade_lite(tl_sim_jw_t *w, const tl_sim_venue_t *v,
			  const tl_sim_event_t *ev)
{
	const tl_sim_order_t *o = ev->order;
	const tl_sim_trade_t *t = ev->trade;
	const tl_sim_symbol_cfg_t *c = &v->cfg->sym[o->sym];

	tl_sim_jw_obj(w);
	tl_sim_jw_kstr(w, "e", "TRADE_LITE");
	tl_sim_jw_kint(w, "E", ev->time);
	tl_sim_jw_kint(w, "T", ev->time);
	tl_sim_jw_kstr(w, "s", c->name);
	kfx(w, "q", o->qty, c->qty_prec);
	kfx(w, "p", o->price, c->price_prec);
	tl_sim_jw_kbool(w, "m", t->maker);
	tl_sim_jw_kstr(w, "c", o->cid);
	tl_sim_jw_kstr(w, "S", tl_sim_side_name(o->side));
	kfx(w, "L", t->price, c->price_prec);
	kfx(w, "l", t->qty, c->qty_prec);
	tl_sim_jw_kint(w, "t", t->id);
	tl_sim_jw_kint(w, "i", o->id);
	tl_sim_jw_obj_end(w);
}

void tl_sim_ws_account_update(tl_sim_jw_t *w, const tl_sim_venue_t *v,
			      const tl_sim_event_t *ev)
{
	const tl_sim_account_t *a = &v->acct[ev->acct];
	const tl_sim_acct_sym_t *as = &a->sym[ev->sym];
	const tl_sim_position_t *p = &as->pos[ev->ps];
	const tl_sim_symbol_cfg_t *c = &v->cfg->sym[ev->sym];

	tl_sim_jw_obj(w);
	tl_sim_jw_kstr(w, "e", "ACCOUNT_UPDATE");
	tl_sim_jw_kint(w, "E", ev->time);
	tl_sim_jw_kint(w, "T", ev->time);
	tl_sim_jw_key(w, "a");
	tl_sim_jw_obj(w);
	tl_sim_jw_kstr(w, "m", ev->reason ? ev->reason : "ORDER");
	tl_sim_jw_key(w, "B");
	tl_sim_jw_arr(w);
	tl_sim_jw_obj(w);
	tl_sim_jw_kstr(w, "a", c->quote);
	tl_sim_jw_kfx(w, "wb", a->wallet, 8);
	tl_sim_jw_kfx(w, "cw", a->wallet, 8);
	tl_sim_jw_kfx(w, "bc", 0, -1);
	tl_sim_jw_obj_end(w);
	tl_sim_jw_arr_end(w);
	tl_sim_jw_key(w, "P");
	tl_sim_jw_arr(w);
	tl_sim_jw_obj(w);
	tl_sim_jw_kstr(w, "s", c->name);
	kfx(w, "pa", p->amt, c->qty_prec);
	kfx(w, "ep", p->entry, c->price_prec);
	kfx(w, "bep", tl_sim_account_bep(v, ev->acct, ev->sym, ev->ps), c->price_prec);
	tl_sim_jw_kfx(w, "cr", p->realized, 8);
	tl_sim_jw_kfx(w, "up", tl_sim_account_upnl(v, ev->acct, ev->sym, ev->ps), 8);
	tl_sim_jw_kstr(w, "mt", as->isolated ? "isolated" : "cross");
	tl_sim_jw_kfx(w, "iw", 0, -1);
	tl_sim_jw_kstr(w, "ps", tl_sim_ps_name(ev->ps));
	tl_sim_jw_obj_end(w);
	tl_sim_jw_arr_end(w);
	tl_sim_jw_obj_end(w);
	tl_sim_jw_obj_end(w);
}

void tl_sim_ws_algo_update(tl_sim_jw_t *w, const tl_sim_venue_t *v,
			   const tl_sim_event_t *ev)
{
	const tl_sim_algo_t *a = ev->algo;
	const tl_sim_symbol_cfg_t *c = &v->cfg->sym[a->sym];

	tl_sim_jw_obj(w);
	tl_sim_jw_kstr(w, "e", "ALGO_UPDATE");
	tl_sim_jw_kint(w, "E", ev->time);
	tl_sim_jw_kint(w, "T", ev->time);
	tl_sim_jw_key(w, "o");
	tl_sim_jw_obj(w);
	tl_sim_jw_kstr(w, "caid", a->cid);
	tl_sim_jw_kint(w, "aid", a->id);
	tl_sim_jw_kstr(w, "at", "CONDITIONAL");
	tl_sim_jw_kstr(w, "o", tl_sim_type_name(a->type));
	tl_sim_jw_kstr(w, "s", c->name);
	tl_sim_jw_kstr(w, "S", tl_sim_side_name(a->side));
	tl_sim_jw_kstr(w, "ps", tl_sim_ps_name(a->ps));
	tl_sim_jw_kstr(w, "f", tl_sim_tif_name(a->tif));
	kfx(w, "q", a->qty, c->qty_prec);
	tl_sim_jw_kstr(w, "X", tl_sim_algo_status_name(a->status));
	tl_sim_jw_kint(w, "ai", a->actual_order_id);
	kfx(w, "tp", a->trigger, c->price_prec);
	kfx(w, "p", a->price, c->price_prec);
	tl_sim_jw_kstr(w, "V", "EXPIRE_MAKER");
	tl_sim_jw_kstr(w, "wt", a->working_mark ? "MARK_PRICE" : "CONTRACT_PRICE");
	tl_sim_jw_kstr(w, "pm", "NONE");
	tl_sim_jw_kbool(w, "cp", a->close_position);
	tl_sim_jw_kbool(w, "pP", a->price_protect);
	tl_sim_jw_kbool(w, "R", a->reduce_only);
	tl_sim_jw_kint(w, "tt", a->trigger_time);
	tl_sim_jw_kint(w, "gtd", 0);
	tl_sim_jw_obj_end(w);
	tl_sim_jw_obj_end(w);
}

void tl_sim_ws_config_update(tl_sim_jw_t *w, const tl_sim_venue_t *v,
			     const tl_sim_event_t *ev)
{
	tl_sim_jw_obj(w);
	tl_sim_jw_kstr(w, "e", "ACCOUNT_CONFIG_UPDATE");
	tl_sim_jw_kint(w, "E", ev->time);
	tl_sim_jw_kint(w, "T", ev->time);
	tl_sim_jw_key(w, "ac");
	tl_sim_jw_obj(w);
	tl_sim_jw_kstr(w, "s", v->cfg->sym[ev->sym].name);
	tl_sim_jw_kint(w, "l", v->acct[ev->acct].sym[ev->sym].leverage);
	tl_sim_jw_obj_end(w);
	tl_sim_jw_obj_end(w);
}

void tl_sim_ws_listen_key_expired(tl_sim_jw_t *w, const char *key,
				  int64_t now)
{
	tl_sim_jw_obj(w);
	tl_sim_jw_kstr(w, "e", "listenKeyExpired");
	tl_sim_jw_kint(w, "E", now);
	tl_sim_jw_kstr(w, "listenKey", key);
	tl_sim_jw_obj_end(w);
}

void tl_sim_ws_mark_price(tl_sim_jw_t *w, const tl_sim_venue_t *v, int sym,
			  int64_t now)
{
	const int64_t p8 = 8LL * 3600 * 1000;
	tl_fx_t m = v->mkt[sym].mark;

	tl_sim_jw_obj(w);
	tl_sim_jw_kstr(w, "e", "markPriceUpdate");
	tl_sim_jw_kint(w, "E", now);
	tl_sim_jw_kstr(w, "s", v->cfg->sym[sym].name);
	tl_sim_jw_kfx(w, "p", m, 8);
	tl_sim_jw_kfx(w, "ap", m, 8);
	tl_sim_jw_kfx(w, "i", m, 8);
	tl_sim_jw_kfx(w, "P", m, 8);
	tl_sim_jw_kfx(w, "r", 10000, 8);
	tl_sim_jw_kint(w, "T", (now / p8 + 1) * p8);
	tl_sim_jw_obj_end(w);
}

void tl_sim_ws_book_ticker(tl_sim_jw_t *w, const tl_sim_venue_t *v, int sym,
			   int64_t now, int64_t update_id)
{
	const tl_sim_symbol_cfg_t *c = &v->cfg->sym[sym];

	tl_sim_jw_obj(w);
	tl_sim_jw_kstr(w, "e", "bookTicker");
	tl_sim_jw_kint(w, "u", update_id);
	tl_sim_jw_kstr(w, "s", c->name);
	tl_sim_jw_kint(w, "E", now);
	tl_sim_jw_kint(w, "T", now);
	kfx(w, "b", v->mkt[sym].bid, c->price_prec);
	kfx(w, "B", c->level_qty, c->qty_prec);
	kfx(w, "a", v->mkt[sym].ask, c->price_prec);
	kfx(w, "A", c->level_qty, c->qty_prec);
	tl_sim_jw_obj_end(w);
}
