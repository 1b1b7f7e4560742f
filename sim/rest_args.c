/*
 * rest_args.c - optional numeric and time-window parameters shared by
 * the newer handlers (limit, startTime/endTime), with Binance's errors:
 * a malformed number is -1100, a value out of range -1130, startTime
 * after endTime -1128.
 */
#include "sim/rest_handlers.h"

int tl_sim_rest_opt_int(tl_sim_call_t *c, const char *name, int64_t lo,
			int64_t hi, int64_t def, int64_t *out)
{
	*out = def;
	if (!tl_sim_params_val(c->p, name))
		return 0;
	if (!tl_sim_rest_int(c, name, out))
		return tl_sim_errf(&c->e, -1100,
				   "Illegal characters found in parameter '%s'; legal range is '^[0-9]{1,20}$'.",
				   name);
	if (*out < lo || *out > hi)
		return tl_sim_errf(&c->e, -1130,
				   "Data sent for parameter '%s' is not valid.", name);
	return 0;
}

int tl_sim_rest_window(tl_sim_call_t *c, int64_t *start, int64_t *end)
{
	int rc;

	if ((rc = tl_sim_rest_opt_int(c, "startTime", 0, INT64_MAX / 2, -1, start)) ||
	    (rc = tl_sim_rest_opt_int(c, "endTime", 0, INT64_MAX / 2, -1, end)))
		return rc;
	if (*start >= 0 && *end >= 0 && *start > *end)
		return tl_sim_errf(&c->e, -1128,
				   "Combination of optional parameters invalid: startTime is after endTime.");
	return 0;
}
