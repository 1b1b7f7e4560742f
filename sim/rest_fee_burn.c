/*
 * rest_fee_burn.c - GET/POST /fapi/v1/feeBurn: the BNB fee discount
 * switch. Recorded and reported (here and as account v2's feeBurn); the
 * venue holds no BNB, so commissions stay in USDT whatever it says.
 * Setting the value it already has is accepted as a no-op.
 */
#include <string.h>

#include "sim/rest_handlers.h"

int tl_sim_h_fee_burn_get(tl_sim_call_t *c)
{
	tl_sim_jw_obj(&c->w);
	tl_sim_jw_kbool(&c->w, "feeBurn", c->v->acct[c->acct].fee_burn);
	tl_sim_jw_obj_end(&c->w);
	return 0;
}

int tl_sim_h_fee_burn_set(tl_sim_call_t *c)
{
	const char *f = tl_sim_params_val(c->p, "feeBurn");

	if (!f)
		return tl_sim_err_missing(&c->e, "feeBurn");
	if (strcmp(f, "true") != 0 && strcmp(f, "false") != 0)
		return tl_sim_errf(&c->e, -1130, "Data sent for parameter 'feeBurn' is not valid.");
	c->v->acct[c->acct].fee_burn = f[0] == 't';
	tl_sim_jw_obj(&c->w);
	tl_sim_jw_kint(&c->w, "code", 200);
	tl_sim_jw_kstr(&c->w, "msg", "success");
	tl_sim_jw_obj_end(&c->w);
	return 0;
}
