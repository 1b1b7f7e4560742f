/*
 * top_view.h - the screen of `talon top`, drawn with ncurses from what
 * cmd_top.c read: the engine's block and status snapshot
 * (runtime/shm.h) and the journal's events tail (top_events.h).
 *
 * Drawing is a pure function of that model and the terminal's size
 * (LINES x COLS at the time of the call): every frame is drawn whole, so
 * a resize needs nothing but the next frame. Lines are clipped to the
 * width, and sections get rows in a fixed order (header, positions,
 * strategies, open orders, then the events tail in whatever is left),
 * each cut with "+N more" when it does not fit. Colours only add to
 * what bold and reverse video already say, so a terminal without them
 * loses nothing.
 */
#ifndef TL_TOP_VIEW_H
#define TL_TOP_VIEW_H

#include <stdbool.h>
#include <stdint.h>

#include "cli/top_events.h"
#include "runtime/shm.h"

/* A heartbeat older than this is shown highlighted as stale (the engine
 * counts as dead only after TL_SHM_STALE_NS). */
#define TL_TOPVIEW_HB_WARN_NS (1000LL * 1000000LL)

typedef struct tl_topview {
	const char *engine;
	int interval_ms;
	bool alive;                 /* attached, pid there, heartbeat fresh */
	char why[320];              /* when not alive: why (shown) */
	int pid;
	int64_t now;                /* realtime ns of this frame */
	int64_t started, heartbeat; /* realtime ns, from the block */
	uint64_t ctl_resyncs;
	const tl_shm_snapshot_t *sn;  /* valid when alive */
	const tl_topev_t *ev;
} tl_topview_t;

/* Once, after the screen is set up: colour pairs when the terminal has
 * colours. */
void tl_topview_colors(void);

/* Draw one frame of v on stdscr and put it on the terminal. */
void tl_topview_draw(const tl_topview_t *v);

#endif /* TL_TOP_VIEW_H */
