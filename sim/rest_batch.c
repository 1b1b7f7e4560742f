/*
 * rest_batch.c - the element loop of PUT and POST /fapi/v1/batchOrders:
 * the JSON list in `batchOrders`, each object turned into parameters and
 * handed to one handler; each element is answered on its own, the
 * handler's object or {code,msg} (Binance answers a batch 200 with the
 * failures inside).
 */
#include <string.h>

#include "sim/json_in.h"
#include "sim/rest_handlers.h"

#define BATCH_TOKENS_PER_ORDER 40

void tl_sim_batch_err(tl_sim_jw_t *w, const tl_sim_err_t *e)
{
	tl_sim_jw_obj(w);
	tl_sim_jw_kint(w, "code", e->code);
	tl_sim_jw_kstr(w, "msg", e->msg);
	tl_sim_jw_obj_end(w);
}

int tl_sim_batch_each(tl_sim_call_t *c, int max, tl_sim_batch_fn fn)
{
	const char *js = tl_sim_params_val(c->p, "batchOrders");
	tl_sim_jtok_t t[TL_SIM_BATCH_MAX * BATCH_TOKENS_PER_ORDER + 2];
	tl_sim_params_t *ep = &c->r->bparams;
	int n, i, k, m;

	if (!js)
		return tl_sim_err_missing(&c->e, "batchOrders");
	if (max > TL_SIM_BATCH_MAX)
		max = TL_SIM_BATCH_MAX;
	n = tl_sim_json_parse(js, strlen(js), t, (int)(sizeof t / sizeof t[0]));
	if (n <= 0 || t[0].type != TL_SIM_JT_ARR || t[0].size == 0)
		return tl_sim_errf(&c->e, -1130, "Data sent for parameter 'batchOrders' is not valid.");
	if (t[0].size > (unsigned)max)
		return tl_sim_errf(&c->e, -1130, "Data sent for parameter 'batchOrders' is not valid: at most %d orders.", max);
	tl_sim_jw_arr(&c->w);
	for (k = 0, i = 1; k < (int)t[0].size; k++, i = (int)t[i].skip) {
		tl_sim_err_t e;
		int rc = 0;

		ep->n = 0;
		ep->used = 0;
		if (t[i].type != TL_SIM_JT_OBJ) {
			rc = tl_sim_errf(&e, -1130, "Data sent for parameter 'batchOrders' is not valid.");
		} else {
			int j = i + 1;
			for (m = 0; m < (int)t[i].size && rc == 0; m++, j = (int)t[j + 1].skip) {
				char name[64], val[128];
				if (tl_sim_json_text(js, t, j, name, sizeof name) < 0 ||
				    tl_sim_json_text(js, t, j + 1, val, sizeof val) < 0)
					rc = tl_sim_errf(&e, -1130, "Data sent for parameter 'batchOrders' is not valid.");
				else
					rc = tl_sim_params_add(ep, name, val, &e);
			}
		}
		if (rc == 0)
			rc = fn(c, ep, &e);
		if (rc)
			tl_sim_batch_err(&c->w, &e);
	}
	tl_sim_jw_arr_end(&c->w);
	return 0;
}
