/*
 * venue.c - the venue driver registry (io/venue.h): one line per venue.
 *
 * The one place that names the drivers. Adding a venue: a folder
 * io/<name>/ whose io/<name>/<name>.h declares `tl_<name>_driver`, its
 * include here and its line in the table. The first line is the default
 * venue.type.
 */
#include "io/venue.h"

#include <string.h>

#include "io/binance/binance.h"
#include "io/paper/paper.h"

static const tl_venue_driver_t *const tl_venue_drivers[] = {
	&tl_paper_driver,       /* the default: in-process, no exchange */
	&tl_binance_driver,
};

#define TL_VENUE_NDRIVERS (sizeof(tl_venue_drivers) / sizeof(tl_venue_drivers[0]))

const tl_venue_driver_t *tl_venue_driver_find(const char *name)
{
	for (size_t i = 0; i < TL_VENUE_NDRIVERS; i++)
		if (strcmp(tl_venue_drivers[i]->name, name) == 0)
			return tl_venue_drivers[i];
	return NULL;
}

const tl_venue_driver_t *tl_venue_driver_at(size_t i)
{
	return i < TL_VENUE_NDRIVERS ? tl_venue_drivers[i] : NULL;
}

const char *tl_venue_check_name(tl_venue_check_res_t r)
{
	return r == TL_CHECK_OK ? "OK" : r == TL_CHECK_FAIL ? "FAIL" : "SKIP";
}
