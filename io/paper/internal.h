/*
 * paper_int.h - the paper venue's internals, shared by io/paper/paper.c (ops,
 * queue, create), io/paper/match.c (orders, matching, positions, request
 * jobs) and io/paper/marks.c (random walk, CSV replay).
 *
 * Invariants (checked by paper_check in debug builds):
 *   1. an order slot is free (status 0), open (NEW) or final (FILLED,
 *      CANCELED, EXPIRED); every open order is on its symbol's open list
 *      and no other slot is;
 *   2. the client-id index maps an id to the newest slot holding it; at
 *      most one open order per id;
 *   3. the request queue holds q_len jobs from q_head, in arrival order.
 */
#ifndef TL_PAPER_INT_H
#define TL_PAPER_INT_H

#include "io/paper/paper.h"

/* One order the venue knows (open, or final and still queryable). */
typedef struct tl_paper_ord {
	char clid[TL_CLID_LEN];
	uint8_t status;          /* tl_ord_status_t; 0 = free slot */
	uint8_t side, type, tif, pos_side;
	uint8_t reduce_only, close_position;
	uint8_t conditional;     /* still waiting for its trigger */
	uint16_t sym;
	int32_t prev, next;      /* per-symbol open list, -1 = none */
	int64_t venue_id;
	uint64_t fin_seq;        /* p->finished when it became final */
	tl_fx_t qty, price, stop;
	tl_fx_t executed;
	__int128 cum_quote;      /* sum of price * qty at 1e-16 */
} tl_paper_ord_t;

/* Per-symbol state: filters copied at create, mark, positions. */
typedef struct tl_paper_sym {
	tl_fx_t tick;            /* > 0 (1e-8 when the filter is absent) */
	tl_fx_t step;            /* 0 = no rule */
	tl_fx_t max_price;       /* 0 = no rule */
	tl_fx_t mark;            /* 0 = none yet */
	uint32_t leverage;
	int64_t next_trade;      /* trade ids, per symbol */
	int32_t head, tail;      /* open orders, arrival order */
	tl_position_t pos[3];    /* by tl_pos_side_t */
} tl_paper_sym_t;

enum tl_paper_job_kind { TL_PAPER_JOB_NEW = 1, TL_PAPER_JOB_CANCEL, TL_PAPER_JOB_QUERY, TL_PAPER_JOB_CANCEL_ALL,
		     TL_PAPER_JOB_NONE /* withdrawn while queued: runs as nothing */ };
enum tl_paper_fault { TL_PAPER_FAULT_NONE = 0, TL_PAPER_FAULT_REJECT, TL_PAPER_FAULT_TIMEOUT };

/* One request waiting for its answer. */
typedef struct tl_paper_job {
	tl_time_t due;
	uint8_t kind;            /* tl_paper_job_kind */
	uint8_t fault;           /* tl_paper_fault, drawn when taken */
	uint8_t executes;        /* TL_PAPER_FAULT_TIMEOUT: the request still executes */
	tl_out_req_t req;
} tl_paper_job_t;

/* One CSV mark. */
typedef struct tl_paper_row {
	int64_t t_ms;
	tl_fx_t price;
	uint32_t sym;
} tl_paper_row_t;

typedef struct tl_paper {
	tl_venue_t base;         /* first: the venue interface */
	tl_paper_cfg_t cfg;      /* copy; faults and latency updated in place */
	const tl_symbols_t *syms;
	bool hedge;
	uint32_t nsym;
	tl_paper_sym_t *sym;        /* [nsym], same ids as syms */
	tl_paper_ord_t *ord;        /* [TL_PAPER_ORDER_CAP] */
	uint32_t hand;           /* next slot to try when allocating */
	int32_t *idx;            /* client id -> slot + 1, open addressing */
	uint32_t idx_mask;
	tl_paper_job_t *q;          /* [TL_PAPER_QUEUE_CAP] ring */
	uint32_t q_head, q_len;
	uint64_t rng_mark, rng_fault;
	int64_t next_vid;
	uint64_t seen;
	uint64_t finished;       /* orders that became final */
	tl_fx_t realized, commission; /* totals over every symbol */
	/* marks */
	bool started;            /* first poll happened: t0 valid */
	tl_time_t t0;            /* time of the first poll */
	tl_time_t next_step;     /* walk: next step, INT64_MAX = none */
	tl_paper_row_t *rows;       /* CSV rows, NULL for the walk */
	uint32_t nrows, row;
	/* current call */
	tl_time_t now;
	int emitted;
	/* the kill switch (io/venue.h gate): the epoch last swept, and
	 * whether to sweep (emergency.venue_sweep != off) */
	uint32_t swept_epoch;
	bool sweep;
} tl_paper_t;

/* splitmix64: the only random source (integer math, seeded). */
static inline uint64_t tl_paper_rand(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* paper_match.c */
/* Emit one input stamped p->now (seq 0: the engine stamps it). */
void tl_paper_emit(tl_paper_t *p, tl_input_t *in);
/* End a request that never reached the paper book: REQ_ERROR with
 * transport WITHDRAWN (the gate closed, or it was canceled first). */
void tl_paper_withdraw(tl_paper_t *p, const tl_out_req_t *r, uint8_t kind,
		    const char *why);
/* A symbol's mark moved: emit the MARK, then fill and trigger its resting
 * orders, in arrival order. */
void tl_paper_mark_changed(tl_paper_t *p, uint32_t sid, tl_fx_t price);
/* Answer one due request (new, cancel, query, cancel all). */
void tl_paper_job_run(tl_paper_t *p, const tl_paper_job_t *j);

/* paper_marks.c */
/* Load cfg.marks_csv into p->rows (create time; allocates). 0 or -1. */
int tl_paper_marks_load(tl_paper_t *p, const char *path, char *err, size_t errlen);
/* First poll: t0 = p->now, emit every starting mark, schedule the walk. */
void tl_paper_marks_start(tl_paper_t *p);
/* Time of the next mark event (INT64_MAX when none). */
tl_time_t tl_paper_marks_next(const tl_paper_t *p);
/* Run the next mark event (one walk step of every symbol, or one CSV
 * row); `late` tells the walk to skip ahead to p->now instead. */
void tl_paper_marks_step(tl_paper_t *p, bool late);

#endif /* TL_PAPER_INT_H */
