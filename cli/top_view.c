/*
 * top_view.c - one frame of `talon top` (top_view.h).
 *
 * Layout, top to bottom: the header (engine, state, heartbeat, uptime;
 * PnL, orders, journal, latency; counters; emergency progress while one
 * runs), then positions, strategy rows (when any), open orders, and the
 * events tail in the rows left. Header items wrap at the width, tables
 * size their columns to what they show and are clipped at the right, so
 * at 80 columns the leftmost columns (symbol, side, quantity) stay.
 */
#include "cli/top_view.h"

#include <curses.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "mon/snapfmt.h"
#include "kernel/fixed.h"
#include "kernel/strat.h"
#include "kernel/types.h"
#include "runtime/clock.h"

/* Colour pairs, and the kinds of emphasis they stand for. */
enum { TV_OK = 1, TV_WARN, TV_BAD, TV_TITLE };

static bool tv_color;

void tl_topview_colors(void)
{
	short bg = COLOR_BLACK;

	if (!has_colors() || start_color() == ERR)
		return;
	if (use_default_colors() == OK)
		bg = -1;
	init_pair(TV_OK, COLOR_GREEN, bg);
	init_pair(TV_WARN, COLOR_YELLOW, bg);
	init_pair(TV_BAD, COLOR_RED, bg);
	init_pair(TV_TITLE, COLOR_CYAN, bg);
	tv_color = true;
}

/* The attributes of a kind: the monochrome mark always (bold; reverse
 * for what needs attention), the colour when the terminal has one. */
static attr_t tv_attr(int kind)
{
	attr_t a = (kind == TV_WARN || kind == TV_BAD) ? A_BOLD | A_REVERSE : A_BOLD;

	return tv_color ? a | COLOR_PAIR(kind) : a;
}

/* ---- writing clipped text ------------------------------------------------ */

/* Where the next text goes. x may run past the width: what does not fit
 * is dropped, never wrapped by curses onto the next line. */
typedef struct tv_pos {
	int y, x;
} tv_pos_t;

static void tv_put(tv_pos_t *p, attr_t a, const char *s)
{
	int len = (int)strlen(s);

	if (p->y >= 0 && p->y < LINES && p->x < COLS) {
		int n = len < COLS - p->x ? len : COLS - p->x;
		attr_on(a, NULL);
		mvaddnstr(p->y, p->x, s, n);
		attr_off(a, NULL);
	}
	p->x += len;
}

static void tv_putf(tv_pos_t *p, attr_t a, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void tv_putf(tv_pos_t *p, attr_t a, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	tv_put(p, a, buf);
}

/* "label value" on the current line, or at the start of the next when
 * it does not fit: the header's items wrap whole. */
static void tv_item(tv_pos_t *p, const char *label, attr_t va, const char *value)
{
	int w = (int)strlen(label) + (label[0] ? 1 : 0) + (int)strlen(value);

	if (p->x > 0 && p->x + 2 + w > COLS) {
		p->y++;
		p->x = 0;
	} else if (p->x > 0) {
		p->x += 2;
	}
	if (label[0]) {
		tv_put(p, A_NORMAL, label);
		p->x++;
	}
	tv_put(p, va, value);
}

static void tv_item_u(tv_pos_t *p, const char *label, attr_t va, unsigned long long v)
{
	char b[24];

	snprintf(b, sizeof b, "%llu", v);
	tv_item(p, label, va, b);
}

/* A text field of the block as printable ASCII: the block is another
 * process's memory, and a control byte must not reach the terminal. */
static const char *tv_clean(const char *s, size_t max, char *out, size_t cap)
{
	size_t k = 0;

	for (size_t i = 0; i < max && s[i] && k + 1 < cap; i++)
		out[k++] = s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?';
	out[k] = '\0';
	return out;
}

static const char *tv_fx(tl_fx_t v, char *buf)
{
	tl_fx_format(v, -1, buf, TL_FX_STRLEN);
	return buf;
}

/* A latency in ns as "850ns", "12.3us", "4.56ms". */
static const char *tv_ns(uint64_t ns, char *buf, size_t len)
{
	if (ns < 1000)
		snprintf(buf, len, "%lluns", (unsigned long long)ns);
	else if (ns < 1000000)
		snprintf(buf, len, "%.1fus", (double)ns / 1e3);
	else if (ns < 1000000000)
		snprintf(buf, len, "%.2fms", (double)ns / 1e6);
	else
		snprintf(buf, len, "%.2fs", (double)ns / 1e9);
	return buf;
}

/* ---- tables -------------------------------------------------------------- */

#define TV_COLS 10
#define TV_CELL 40
#define TV_ROWS 256                 /* more than any terminal shows */

typedef struct tv_table {
	int ncol, nrow;
	const char *head[TV_COLS];
	bool left[TV_COLS];         /* text, left-aligned; numbers go right */
	attr_t attr[TV_ROWS];       /* per row */
	char cell[TV_ROWS][TV_COLS][TV_CELL];
} tv_table_t;

static tv_table_t tv_tab;

/* An empty table with columns head[] (NULL-terminated); lefts[c] ==
 * 'l' makes column c a left-aligned text column. */
static tv_table_t *tv_table(const char *const *head, const char *lefts)
{
	tv_table_t *t = &tv_tab;

	size_t nl = strlen(lefts);

	t->ncol = t->nrow = 0;
	for (; t->ncol < TV_COLS && head[t->ncol]; t->ncol++) {
		t->head[t->ncol] = head[t->ncol];
		t->left[t->ncol] = (size_t)t->ncol < nl && lefts[t->ncol] == 'l';
	}
	return t;
}

/* Append an empty row; its cells to fill in, or NULL when full. */
static char (*tv_row(tv_table_t *t, attr_t a))[TV_CELL]
{
	if (t->nrow >= TV_ROWS)
		return NULL;
	t->attr[t->nrow] = a;
	memset(t->cell[t->nrow], 0, sizeof t->cell[t->nrow]);
	return t->cell[t->nrow++];
}

/* The rows of a section that fit in h lines (title and column heads
 * take two; one more says "+N more" when not all fit). */
static unsigned tv_fit(unsigned total, int h)
{
	int room = h - 2;

	if (room <= 0)
		return 0;
	if (total <= (unsigned)room)
		return total;
	return room > 1 ? (unsigned)room - 1 : 0;
}

/* Section title, then column heads and t's rows from line y, and
 * "+N more" when total is more than the rows given. Lines used. */
static int tv_table_draw(const tv_table_t *t, int y, const char *title, unsigned total)
{
	int w[TV_COLS], y0 = y;
	tv_pos_t p = { y, 0 };

	tv_put(&p, tv_attr(TV_TITLE), title);
	if (t->nrow == 0 && total > 0) {
		tv_putf(&p, A_NORMAL, "  (%u, no room to show them)", total);
		return 1;
	}
	if (total == 0)
		return 1;
	for (int c = 0; c < t->ncol; c++) {
		w[c] = (int)strlen(t->head[c]);
		for (int r = 0; r < t->nrow; r++) {
			int n = (int)strlen(t->cell[r][c]);
			w[c] = n > w[c] ? n : w[c];
		}
	}
	for (int r = -1; r < t->nrow; r++) {
		p.y = ++y;
		p.x = 0;
		for (int c = 0; c < t->ncol; c++) {
			const char *s = r < 0 ? t->head[c] : t->cell[r][c];
			attr_t a = r < 0 ? A_UNDERLINE : t->attr[r];
			int pad = w[c] - (int)strlen(s);

			if (!t->left[c])
				p.x += pad;
			tv_put(&p, a, s);
			if (t->left[c])
				p.x += pad;
			p.x += 1;
		}
	}
	if (total > (unsigned)t->nrow) {
		p.y = ++y;
		p.x = 0;
		tv_putf(&p, A_NORMAL, "+%u more", total - (unsigned)t->nrow);
	}
	return y - y0 + 1;
}

/* ---- header -------------------------------------------------------------- */

static attr_t tv_state_attr(uint32_t st)
{
	if (st == TL_TS_NORMAL)
		return tv_attr(TV_OK);
	return tv_attr(st == TL_TS_LIQUIDATING ? TV_BAD : TV_WARN);
}

/* The first line: who and whether it lives. Returns the next line. */
static int tv_title(const tl_topview_t *v, int y)
{
	char b[64], utc[32];
	struct tm tm;
	time_t t = (time_t)(v->now / TL_NS_PER_S);
	tv_pos_t p = { y, 0 };

	if (!gmtime_r(&t, &tm) || strftime(utc, sizeof utc, "%H:%M:%S UTC", &tm) == 0)
		snprintf(utc, sizeof utc, "-");
	tv_item(&p, "", tv_attr(TV_TITLE), "talon top");
	tv_item(&p, "engine", A_BOLD, v->engine);
	if (v->alive) {
		int64_t hb = tl_snapfmt_age(v->now, v->heartbeat);

		snprintf(b, sizeof b, "%d", v->pid);
		tv_item(&p, "pid", A_NORMAL, b);
		tv_item(&p, "state", tv_state_attr(v->sn->state),
			tl_trading_state_name((tl_trading_state_t)v->sn->state));
		tl_snapfmt_dur(hb, b, sizeof b);
		if (hb > TL_TOPVIEW_HB_WARN_NS) {
			strncat(b, " STALE", sizeof b - strlen(b) - 1);
			tv_item(&p, "heartbeat", tv_attr(TV_BAD), b);
		} else {
			tv_item(&p, "heartbeat", A_NORMAL, b);
		}
		tl_snapfmt_dur(tl_snapfmt_age(v->now, v->started), b, sizeof b);
		tv_item(&p, "uptime", A_NORMAL, b);
	}
	tv_item(&p, "", A_NORMAL, utc);
	tv_item(&p, "", A_DIM, "q quits");
	return p.y + 1;
}

/* PnL, orders, journal, latency; counters; emergency. */
static int tv_summary(const tl_topview_t *v, int y)
{
	const tl_shm_snapshot_t *sn = v->sn;
	char b[TL_FX_STRLEN], l[3][24];
	tv_pos_t p = { y, 0 };

	tv_item(&p, "total pnl", sn->total_pnl < 0 ? tv_attr(TV_BAD) : A_BOLD,
		tv_fx(sn->total_pnl, b));
	tv_item(&p, "daily pnl", sn->daily_pnl < 0 ? tv_attr(TV_BAD) : A_BOLD,
		tv_fx(sn->daily_pnl, b));
	tv_item_u(&p, "open orders", A_NORMAL, sn->open_orders);
	tv_item_u(&p, "tracked", A_NORMAL, sn->tracked_orders);
	if (!(sn->journal & TL_SHM_JOURNAL_ON))
		tv_item(&p, "journal", A_NORMAL, "off");
	else if (sn->journal & TL_SHM_JOURNAL_FAILED)
		tv_item(&p, "journal", tv_attr(TV_BAD), "FAILED: new orders refused");
	else
		tv_item(&p, "journal", A_NORMAL,
			(sn->journal & TL_SHM_JOURNAL_STRICT) ? "ok, strict" : "ok");
	snprintf(b, sizeof b, "%s/%s/%s", tv_ns(sn->lat_p50, l[0], sizeof l[0]),
		 tv_ns(sn->lat_p99, l[1], sizeof l[1]), tv_ns(sn->lat_max, l[2], sizeof l[2]));
	tv_item(&p, "loop p50/p99/max", A_NORMAL, b);

	p.y++;
	p.x = 0;
	tv_item_u(&p, "submitted", A_NORMAL, sn->submitted);
	tv_item_u(&p, "filled", A_NORMAL, sn->filled);
	tv_item_u(&p, "canceled", A_NORMAL, sn->canceled);
	tv_item_u(&p, "rejected", sn->rejected ? tv_attr(TV_WARN) : A_NORMAL, sn->rejected);
	tv_item_u(&p, "refused", sn->refused ? tv_attr(TV_WARN) : A_NORMAL, sn->refused);
	tv_item_u(&p, "fills", A_NORMAL, sn->fills);
	tv_item_u(&p, "back-pressure", sn->backpressure ? tv_attr(TV_WARN) : A_NORMAL,
		  sn->backpressure);
	/* one item, so that the label never ends a line alone */
	tv_item_u(&p, "reconciliation: adopted", A_NORMAL, sn->adopted);
	tv_item_u(&p, "conflicts", sn->conflicts ? tv_attr(TV_WARN) : A_NORMAL, sn->conflicts);
	tv_item_u(&p, "orphans", sn->orphans ? tv_attr(TV_WARN) : A_NORMAL, sn->orphans);
	tv_item_u(&p, "resyncs", A_NORMAL, sn->resyncs);
	if (sn->foreign_updates)
		tv_item_u(&p, "foreign updates", tv_attr(TV_WARN), sn->foreign_updates);
	if (v->ctl_resyncs)
		tv_item_u(&p, "ctl ring resets", tv_attr(TV_WARN), v->ctl_resyncs);

	if (sn->emg_active) {
		char r[TL_TEXT_LEN], d[32];

		p.y++;
		p.x = 0;
		tl_snapfmt_dur(sn->emg_started ? tl_snapfmt_age(sn->published, sn->emg_started)
					       : -1, d, sizeof d);
		tv_putf(&p, tv_attr(TV_BAD),
			"EMERGENCY: %u/%u close orders done (%u ok, %u failed, %u canceled),"
			" running %s; reason: %s",
			sn->emg_ok + sn->emg_failed + sn->emg_canceled, sn->emg_total,
			sn->emg_ok, sn->emg_failed, sn->emg_canceled, d,
			tv_clean(sn->emg_reason, sizeof sn->emg_reason, r, sizeof r));
	}
	return p.y + 1;
}

/* ---- sections ------------------------------------------------------------ */

static int tv_positions(const tl_shm_snapshot_t *sn, int y, int h)
{
	static const char *const head[] = { "SYMBOL", "SIDE", "QTY", "ENTRY", "MARK",
					    "UNREALIZED", "REALIZED", "FEES", "ROE%", NULL };
	tv_table_t *t = tv_table(head, "ll");
	unsigned n = tv_fit(sn->n_pos, h);
	char title[48];

	for (unsigned i = 0; i < n; i++) {
		const tl_shm_pos_t *ps = &sn->pos[i];
		char (*c)[TV_CELL] = tv_row(t, ps->unrealized < 0 ? tv_attr(TV_BAD) : A_NORMAL);

		if (!c)
			break;
		tv_clean(ps->symbol, sizeof ps->symbol, c[0], TV_CELL);
		snprintf(c[1], TV_CELL, "%s", tl_snapfmt_pos_dir(ps));
		tv_fx(ps->qty, c[2]);
		tv_fx(ps->entry, c[3]);
		tv_fx(ps->mark, c[4]);
		tv_fx(ps->unrealized, c[5]);
		tv_fx(ps->realized, c[6]);
		tv_fx(ps->commission, c[7]);
		tl_fx_format(tl_snapfmt_roe_pct(ps->roe), 2, c[8], TV_CELL);
	}
	snprintf(title, sizeof title, sn->n_pos ? "POSITIONS %u" : "POSITIONS none",
		 sn->n_pos);
	return tv_table_draw(t, y, title, sn->n_pos);
}

/* Strategy rows shown (tl_snapfmt_strat_shown), in row order. */
static unsigned tv_strat_rows(const tl_shm_snapshot_t *sn, uint32_t *rows)
{
	unsigned n = 0;

	for (uint32_t r = 0; r < sn->n_strat && r < TL_SHM_STRAT_MAX; r++)
		if (tl_snapfmt_strat_shown(sn, r))
			rows[n++] = r;
	return n;
}

static int tv_strategies(const tl_shm_snapshot_t *sn, const uint32_t *rows,
			 unsigned total, int y, int h)
{
	static const char *const head[] = { "STRATEGY", "ORDERS", "FILLS", "REALIZED",
					    "UNREALIZED", "FEES", "NET", NULL };
	tv_table_t *t = tv_table(head, "l");
	unsigned n = tv_fit(total, h);
	char title[48];

	for (unsigned i = 0; i < n; i++) {
		const tl_shm_strat_t *s = &sn->strat[rows[i]];
		tl_fx_t net = tl_snapfmt_strat_net(s);
		char (*c)[TV_CELL] = tv_row(t, net < 0 ? tv_attr(TV_BAD) : A_NORMAL);
		char tag[TL_STRAT_LEN];

		if (!c)
			break;
		tl_snapfmt_strat_name(s, rows[i], tag);
		snprintf(c[0], TV_CELL, "%s", tag[0] ? tag : "(untagged)");
		snprintf(c[1], TV_CELL, "%llu", (unsigned long long)s->orders);
		snprintf(c[2], TV_CELL, "%llu", (unsigned long long)s->fills);
		tv_fx(s->realized, c[3]);
		tv_fx(s->unrealized, c[4]);
		tv_fx(s->commission, c[5]);
		tv_fx(net, c[6]);
	}
	snprintf(title, sizeof title, "STRATEGIES %u", total);
	return tv_table_draw(t, y, title, total);
}

static int tv_orders(const tl_shm_snapshot_t *sn, int y, int h)
{
	static const char *const head[] = { "SYMBOL", "SIDE", "TYPE", "QTY", "PRICE",
					    "FILLED", "STATUS", "AGE", "CLIENT_ID", NULL };
	tv_table_t *t = tv_table(head, "lll   l l");
	/* the snapshot's open orders, and those that did not fit in it */
	unsigned total = sn->n_ord_open + sn->ord_dropped;
	unsigned n = tv_fit(total, h);
	char title[64];

	for (unsigned i = 0; i < n && i < sn->n_ord_open; i++) {
		const tl_shm_ord_t *o = &sn->ord[i];
		char (*c)[TV_CELL] = tv_row(t, A_NORMAL);

		if (!c)
			break;
		tv_clean(o->symbol, sizeof o->symbol, c[0], TV_CELL);
		snprintf(c[1], TV_CELL, "%s", tl_side_name((tl_side_t)o->side));
		snprintf(c[2], TV_CELL, "%s", tl_ord_type_name((tl_ord_type_t)o->type));
		tv_fx(o->qty, c[3]);
		if (o->price)
			tv_fx(o->price, c[4]);
		else
			snprintf(c[4], TV_CELL, "-");
		tv_fx(o->filled, c[5]);
		snprintf(c[6], TV_CELL, "%s", tl_status_name((tl_ord_status_t)o->status));
		tl_snapfmt_dur(o->created > 0 ? tl_snapfmt_age(sn->published, o->created) : -1,
			       c[7], TV_CELL);
		tv_clean(o->client_id, sizeof o->client_id, c[8], TV_CELL);
	}
	snprintf(title, sizeof title, total ? "OPEN ORDERS %u" : "OPEN ORDERS none",
		 sn->open_orders);
	return tv_table_draw(t, y, title, total);
}

/* The events tail in lines [y, end): the newest at the bottom. */
static void tv_events(const tl_topview_t *v, int y, int end)
{
	const tl_topev_t *e = v->ev;
	tv_pos_t p = { y, 0 };
	int rows = end - y - 1;

	if (y >= end)
		return;
	tv_put(&p, tv_attr(TV_TITLE), "EVENTS");
	if (e->status[0]) {
		p.x += 2;
		tv_put(&p, A_NORMAL, e->status);
		return;
	}
	if (e->n == 0) {
		tv_put(&p, A_NORMAL, "  none yet");
		return;
	}
	unsigned n = e->n < (unsigned)(rows > 0 ? rows : 0) ? e->n : (unsigned)rows;
	for (unsigned i = e->n - n; i < e->n; i++) {
		const tl_topev_line_t *l = tl_topev_get(e, i);
		time_t t = (time_t)(l->time_ns / TL_NS_PER_S);
		struct tm tm;
		char when[16] = "--:--:--";
		attr_t a = l->priority >= 10 ? tv_attr(TV_BAD)
			   : l->priority >= 8 ? tv_attr(TV_WARN) : A_NORMAL;

		if (l->time_ns > 0 && gmtime_r(&t, &tm))
			strftime(when, sizeof when, "%H:%M:%S", &tm);
		p.y++;
		p.x = 0;
		tv_putf(&p, A_NORMAL, "%s.%03lld ", when,
			(long long)(l->time_ns > 0 ? l->time_ns % TL_NS_PER_S / 1000000 : 0));
		tv_putf(&p, a, "%-20s", l->type);
		tv_putf(&p, A_NORMAL, " %s%s%s%s%s", l->symbol, l->symbol[0] ? " " : "",
			l->client_id, l->client_id[0] ? " " : "", l->text);
	}
}

/* ---- frame --------------------------------------------------------------- */

/* Lines a section wants: title, heads and rows, or the title alone. */
static int tv_want(unsigned rows)
{
	return rows ? 2 + (int)rows : 1;
}

static int tv_min(int a, int b)
{
	return a < b ? a : b;
}

/* Positions, strategies and orders from line y; returns where the
 * events start. Each section gets what it wants while that fits; when
 * not, positions get up to two fifths of the room, strategies a third of
 * the rest, orders what remains, and the events keep three lines when
 * the screen has twelve or more left. */
static int tv_body(const tl_topview_t *v, int y)
{
	static uint32_t srows[TL_SHM_STRAT_MAX];
	const tl_shm_snapshot_t *sn = v->sn;
	unsigned ns = tv_strat_rows(sn, srows);
	int room = LINES - y;
	int ev_min = room >= 12 ? 3 : 0;
	int want_p = tv_want(sn->n_pos), want_s = ns ? tv_want(ns) : 0;
	int want_o = tv_want(sn->n_ord_open + sn->ord_dropped);
	int hp, hs, ho;

	if (room <= 0)
		return y;
	room -= ev_min;
	if (want_p + want_s + want_o <= room) {
		hp = want_p;
		hs = want_s;
		ho = want_o;
	} else {
		hp = tv_min(want_p, room * 2 / 5 > 3 ? room * 2 / 5 : 3);
		hs = ns ? tv_min(want_s, (room - hp) / 3 > 3 ? (room - hp) / 3 : 3) : 0;
		ho = room - hp - hs;
	}
	if (hp > 0)
		y += tv_positions(sn, y, hp);
	if (hs > 0 && y < LINES)
		y += tv_strategies(sn, srows, ns, y, hs);
	if (ho > 0 && y < LINES)
		y += tv_orders(sn, y, ho);
	return y;
}

/* The engine is not there: say so plainly; the events tail stays (what
 * it did last). */
static int tv_not_running(const tl_topview_t *v, int y)
{
	tv_pos_t p = { y + 1, 2 };

	tv_putf(&p, tv_attr(TV_BAD), "engine %s not running", v->engine);
	p.y++;
	p.x = 2;
	tv_put(&p, A_NORMAL, v->why);
	p.y++;
	p.x = 2;
	tv_putf(&p, A_NORMAL, "looking again every %d ms", v->interval_ms);
	return p.y + 2;
}

void tl_topview_draw(const tl_topview_t *v)
{
	int y;

	erase();
	y = tv_title(v, 0);
	if (v->alive) {
		y = tv_summary(v, y);
		y = tv_body(v, y);
	} else {
		y = tv_not_running(v, y);
	}
	tv_events(v, y, LINES);
	wnoutrefresh(stdscr);
	doupdate();
}
