/*
 * driver.c - the paper venue as a driver (io/venue.h): its config
 * section, create, and the restore step after journal recovery.
 */
#include "io/paper/paper.h"

#include "io/paper/config.h"

static tl_venue_t *tl_paper_drv_create(const tl_config_t *c, const tl_symbols_t *syms,
				       tl_venue_emit_fn emit, void *ctx, char *err,
				       size_t errlen)
{
	tl_venue_t *v = tl_paper_create(tl_paper_cfg_const(c), syms, c->kernel.hedge_mode,
					emit, ctx, err, errlen);
	if (v)
		tl_paper_set_sweep(v, c->emergency.venue_sweep != TL_SWEEP_OFF);
	return v;
}

static void tl_paper_drv_restore(tl_venue_t *v, const tl_kernel_t *k, bool recovered,
				 tl_time_t now)
{
	/* Venue ids and trade ids never repeat across sessions. */
	tl_paper_set_id_base(v, now / 1000);
	/* The paper venue's books died with the last process: give it back
	 * the positions the journal says we hold. */
	for (uint32_t i = 0; recovered && i < k->syms.count * 3; i++) {
		const tl_position_t *p = &k->pos[i];
		if (p->qty != 0)
			tl_paper_seed_position(v, k->syms.sym[p->sym].name,
					       (tl_pos_side_t)p->pos_side, p);
	}
}

const tl_venue_driver_t tl_paper_driver = {
	.name = "paper",
	.cfg_defaults = tl_paper_cfg_defaults,
	.cfg_parse = tl_paper_cfg_parse,
	.cfg_check = tl_paper_cfg_check,
	.create = tl_paper_drv_create,
	.restore = tl_paper_drv_restore,
};
