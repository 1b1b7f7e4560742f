/*
 * config.c - venue.paper (io/paper/config.h): defaults, the strict
 * parser (runtime/config_json.h rules: every error names its key path)
 * and the check against symbols.only.
 */
#include "io/paper/config.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "io/paper/paper.h"
#include "runtime/config_json.h"

static_assert(sizeof(tl_paper_cfg_t) <= TL_VENUE_CFG_MAX,
	      "venue.paper must fit tl_config_t.venue");
static_assert(_Alignof(tl_paper_cfg_t) <= 8, "tl_config_t.venue is 8-aligned");

void tl_paper_cfg_defaults(void *vc)
{
	tl_paper_cfg_t *p = vc;

	memset(p, 0, sizeof(*p));
	p->seed = 1;
	p->balance = 10000 * TL_FX_ONE;
	p->maker_rate = 20000;          /* 0.0002 */
	p->taker_rate = 40000;          /* 0.0004 */
	p->check_margin = true;
	p->slippage_bps = 1;
	p->latency_ns = 1 * TL_NS_PER_MS;
	p->mark_interval_ns = 100 * TL_NS_PER_MS;
	p->walk_bps = 5;
	p->n_start = 2;
	memcpy(p->start[0].symbol, "BTCUSDT", 8);
	p->start[0].price = 50000 * TL_FX_ONE;
	memcpy(p->start[1].symbol, "ETHUSDT", 8);
	p->start[1].price = 3000 * TL_FX_ONE;
	p->reject_code = -2019;
}

tl_paper_cfg_t *tl_paper_cfg_select(tl_config_t *c)
{
	snprintf(c->venue_type, sizeof(c->venue_type), "%s", tl_paper_driver.name);
	memset(c->venue, 0, sizeof(c->venue));
	tl_paper_cfg_defaults(c->venue);
	return tl_paper_cfg(c);
}

static int tl_paper_cfg_faults(tl_config_ctx_t *x, const cJSON *o, tl_paper_cfg_t *pp)
{
	static const char *const keys[] = {
		"reject_ppm", "reject_code", "timeout_ppm", "timeout_executes",
		NULL
	};
	const char *p = "venue.paper.faults";

	TL_CFG_TRY(tl_config_keys(x, o, p, keys));
	TL_CFG_TRY(tl_config_u32(x, o, p, "reject_ppm", 0, 1000000, &pp->reject_ppm));
	TL_CFG_TRY(tl_config_i32(x, o, p, "reject_code", -99999, 99999,
				 &pp->reject_code));
	TL_CFG_TRY(tl_config_u32(x, o, p, "timeout_ppm", 0, 1000000,
				 &pp->timeout_ppm));
	TL_CFG_TRY(tl_config_bool(x, o, p, "timeout_executes",
				  &pp->timeout_executes));
	if (pp->reject_ppm + pp->timeout_ppm > 1000000)
		return tl_config_fail(x, p, NULL,
				      "reject_ppm + timeout_ppm: expected <= 1000000, got %u",
				      pp->reject_ppm + pp->timeout_ppm);
	return 0;
}

int tl_paper_cfg_parse(tl_config_ctx_t *x, const cJSON *o, void *vc)
{
	static const char *const keys[] = {
		"seed", "balance", "maker_rate", "taker_rate", "slippage_bps",
		"latency_ms", "mark_interval_ms", "walk_bps", "marks_csv",
		"start", "faults", "check_margin", NULL
	};
	tl_paper_cfg_t *pp = vc;
	const char *p = "venue.paper";
	const cJSON *v;

	TL_CFG_TRY(tl_config_keys(x, o, p, keys));
	TL_CFG_TRY(tl_config_u64(x, o, p, "seed", &pp->seed));
	TL_CFG_TRY(tl_config_fx(x, o, p, "balance", 0, TL_FX_MAX, &pp->balance));
	/* Rates may be negative (maker rebates); more than 1% is a typo. */
	TL_CFG_TRY(tl_config_fx(x, o, p, "maker_rate", -TL_FX_ONE / 100,
				TL_FX_ONE / 100, &pp->maker_rate));
	TL_CFG_TRY(tl_config_fx(x, o, p, "taker_rate", -TL_FX_ONE / 100,
				TL_FX_ONE / 100, &pp->taker_rate));
	TL_CFG_TRY(tl_config_u32(x, o, p, "slippage_bps", 0, 10000,
				 &pp->slippage_bps));
	TL_CFG_TRY(tl_config_bool(x, o, p, "check_margin", &pp->check_margin));
	TL_CFG_TRY(tl_config_ms(x, o, p, "latency_ms", 0, 60000, &pp->latency_ns));
	TL_CFG_TRY(tl_config_ms(x, o, p, "mark_interval_ms", 1, 3600000,
				&pp->mark_interval_ns));
	TL_CFG_TRY(tl_config_u32(x, o, p, "walk_bps", 0, 10000, &pp->walk_bps));
	TL_CFG_TRY(tl_config_path(x, o, p, "marks_csv", pp->marks_csv));
	if ((v = cJSON_GetObjectItemCaseSensitive(o, "start"))) {
		uint32_t n = 0;

		TL_CFG_TRY(tl_config_map(x, v, "venue.paper.start",
					 TL_CFG_SYMBOLS_MAX));
		memset(pp->start, 0, sizeof(pp->start));
		for (const cJSON *s = v->child; s; s = s->next, n++) {
			memcpy(pp->start[n].symbol, s->string, strlen(s->string) + 1);
			TL_CFG_TRY(tl_config_fx_v(x, s, "venue.paper.start",
						  s->string, 1, TL_FX_MAX,
						  &pp->start[n].price));
		}
		pp->n_start = n;
		pp->start_given = true;
	}
	if ((v = cJSON_GetObjectItemCaseSensitive(o, "faults")))
		TL_CFG_TRY(tl_paper_cfg_faults(x, v, pp));
	return 0;
}

/*
 * Explicit start prices must name listed symbols; default start prices
 * for symbols no longer listed are dropped.
 */
int tl_paper_cfg_check(tl_config_ctx_t *x, tl_config_t *c)
{
	tl_paper_cfg_t *pp = tl_paper_cfg(c);
	uint32_t keep = 0;

	for (uint32_t i = 0; i < pp->n_start; i++) {
		if (tl_config_sym_index(c, pp->start[i].symbol) < 0) {
			if (pp->start_given)
				return tl_config_fail(x, "venue.paper.start",
						      pp->start[i].symbol,
						      "not in symbols.only");
			continue;
		}
		pp->start[keep++] = pp->start[i];
	}
	for (uint32_t i = keep; i < pp->n_start; i++)
		memset(&pp->start[i], 0, sizeof(pp->start[i]));
	pp->n_start = keep;
	return 0;
}
