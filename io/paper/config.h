/*
 * config.h - venue.paper: the paper venue's own config section, parsed by
 * its driver (io/paper/config.c) into tl_config_t.venue (io/venue.h).
 */
#ifndef TL_PAPER_CONFIG_H
#define TL_PAPER_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

#include "runtime/config.h"

typedef struct tl_paper_cfg {
	uint64_t seed;             /* random walk and fault seed */
	tl_fx_t balance;           /* starting USDT wallet */
	tl_fx_t maker_rate;        /* e.g. 0.0002 */
	tl_fx_t taker_rate;        /* e.g. 0.0004 */
	/* Refuse (-2019) an order that can add exposure and whose initial
	 * margin plus taker fee exceeds the available balance, as the venue
	 * does (io/paper/match.c). Default on. */
	bool check_margin;
	uint32_t slippage_bps;     /* market orders pay this much worse than mark */
	tl_time_t latency_ns;      /* request -> response delay */
	tl_time_t mark_interval_ns; /* random walk step period */
	uint32_t walk_bps;         /* max move per step, basis points */
	char marks_csv[TL_PATH_MAX]; /* "" = random walk; else time,symbol,price */
	uint32_t n_start;
	struct {
		char symbol[TL_SYMBOL_NAMELEN];
		tl_fx_t price;
	} start[TL_CFG_SYMBOLS_MAX]; /* starting mark per symbol */
	/* Fault injection (tests): rates in parts per million of requests. */
	uint32_t reject_ppm;       /* rejected with reject_code */
	int32_t reject_code;       /* default -2019 */
	uint32_t timeout_ppm;      /* answered with a timeout after latency */
	bool timeout_executes;     /* ...but the order was executed */
	/* venue.paper.start was in the file: then a symbol outside
	 * symbols.only is an error, while a default start mark for it is
	 * only dropped (the driver's check). */
	bool start_given;
} tl_paper_cfg_t;

/* The paper section of a config whose venue.type is the paper venue. */
static inline tl_paper_cfg_t *tl_paper_cfg(tl_config_t *c)
{
	return tl_config_venue_area(c);
}

static inline const tl_paper_cfg_t *tl_paper_cfg_const(const tl_config_t *c)
{
	return tl_config_venue_area(c);
}

/* Select the paper venue in c: venue.type = the paper driver, its
 * section at defaults. Returns it (tests and benchmarks that build a
 * config in code). */
tl_paper_cfg_t *tl_paper_cfg_select(tl_config_t *c);

/* The driver's config hooks (io/paper/driver.c puts them in the table). */
void tl_paper_cfg_defaults(void *vc);
struct cJSON;
struct tl_config_ctx;
int tl_paper_cfg_parse(struct tl_config_ctx *x, const struct cJSON *o, void *vc);
int tl_paper_cfg_check(struct tl_config_ctx *x, tl_config_t *c);

#endif /* TL_PAPER_CONFIG_H */
