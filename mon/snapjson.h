/*
 * snapjson.h - the JSON of an engine's shm snapshot (runtime/shm.h):
 * what `talon ctl status --json` and `talon ctl orders --json` print
 * (docs/ctl.md), written to any FILE so `talon monitor` serves the very
 * same text from a memory stream (open_memstream).
 *
 * Every string taken from the block goes through persist/json_esc.h: the
 * block is memory any process of the user can write, so the output must
 * parse whatever it holds. Also the small readings of a snapshot that
 * ctl's text output shares with the JSON (direction, age, strategy rows).
 */
#ifndef TL_SNAPJSON_H
#define TL_SNAPJSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "kernel/fixed.h"
#include "kernel/strat.h"
#include "mon/snapfmt.h"
#include "runtime/shm.h"

/* The snapshot's counters, by name, for text and JSON. */
#define TL_SNAPJSON_COUNTERS(X) \
	X(inputs) X(outputs) X(events) X(submitted) X(refused) X(filled) \
	X(canceled) X(rejected) X(failed) X(expired) X(unknown) X(fills) \
	X(duplicate_fills) X(invalid_transitions) X(backpressure) X(adopted) \
	X(conflicts) X(orphans) X(resyncs) X(foreign_updates) X(ws_sent) \
	X(rest_sent) X(ws_fallbacks) X(ws_sessions) X(ws_drops)

/* s as a quoted JSON string, valid whatever the bytes. */
void tl_snapjson_str(FILE *f, const char *s);

/* tl_snapjson_str, or null when s is NULL or empty. */
void tl_snapjson_str_or_null(FILE *f, const char *s);

/* A decimal as text (tl_fx_format, shortest), into buf. */
const char *tl_snapjson_fx(tl_fx_t v, char buf[TL_FX_STRLEN]);

/* An order's role ("STRATEGY", "TAKE_PROFIT", ...; "?" unknown). */
const char *tl_snapjson_role_name(uint8_t role);

/* `ctl status --json`: one object and a newline. name is the engine's,
 * alive/why what tl_shm_alive said, now the realtime clock (ns). */
void tl_snapjson_status(FILE *f, const char *name, const tl_shm_t *s,
			const tl_shm_snapshot_t *sn, bool alive, const char *why,
			int64_t now);

/* `ctl orders --json`: the open orders of sn, only those of symbol sym
 * and strategy tag (each "" = all), one object and a newline. */
void tl_snapjson_orders(FILE *f, const char *name, int pid,
			const tl_shm_snapshot_t *sn, const char *sym, const char *tag);

/* The fields of one order shared by `orders --json` and `order --json`:
 * opens the object and leaves it open. */
void tl_snapjson_order_fields(FILE *f, const tl_shm_ord_t *o, int64_t published);

/* ,"strategy":<tag of snapshot row r, or null> */
void tl_snapjson_order_strat(FILE *f, const tl_shm_snapshot_t *sn, uint8_t r);

#endif /* TL_SNAPJSON_H */
