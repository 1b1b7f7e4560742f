/*
 * rest_order_test.c - POST /fapi/v1/order/test: a New Order checked
 * (parameters, then the symbol's filters, in the order New Order checks
 * them) but never placed; `{}` when it would pass those checks. The
 * checks that need the book (margin, reduce-only, FOK/GTX, open-order
 * count) are the matching engine's, which a test order never reaches.
 */
#include "sim/rest_handlers.h"

int tl_sim_h_order_test(tl_sim_call_t *c)
{
	tl_sim_order_req_t r;
	int rc;

	if ((rc = tl_sim_order_req_parse(c->v, c->acct, c->p, false, &r, &c->e)) ||
	    (rc = tl_sim_filters_check(c->v, &r, &c->e)))
		return rc;
	tl_sim_jw_obj(&c->w);
	tl_sim_jw_obj_end(&c->w);
	return 0;
}
