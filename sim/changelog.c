/*
 * changelog.c - the amendment and margin-move rings (see changelog.h).
 * Entry id k lives in slot (k - 1) % CAP; a slot holding another id
 * means k was overwritten.
 */
#include "sim/changelog.h"

#include <stdlib.h>
#include <string.h>

#define CAP TL_SIM_CHANGELOG_CAP

int tl_sim_changelog_init(tl_sim_changelog_t *l)
{
	l->amend = calloc(CAP, sizeof *l->amend);
	l->margin = calloc(CAP, sizeof *l->margin);
	if (!l->amend || !l->margin) {
		tl_sim_changelog_free(l);
		return -1;
	}
	tl_sim_changelog_reset(l);
	return 0;
}

void tl_sim_changelog_free(tl_sim_changelog_t *l)
{
	free(l->amend);
	free(l->margin);
	l->amend = NULL;
	l->margin = NULL;
}

void tl_sim_changelog_reset(tl_sim_changelog_t *l)
{
	memset(l->amend, 0, CAP * sizeof *l->amend);
	memset(l->margin, 0, CAP * sizeof *l->margin);
	l->next_amend = l->next_margin = 1;
}

tl_sim_amend_t *tl_sim_changelog_amend(tl_sim_changelog_t *l,
				       const tl_sim_amend_t *a)
{
	int64_t id = l->next_amend++;
	tl_sim_amend_t *e = &l->amend[(id - 1) % CAP];

	*e = *a;
	e->id = id;
	return e;
}

tl_sim_margin_move_t *tl_sim_changelog_margin(tl_sim_changelog_t *l,
					      const tl_sim_margin_move_t *m)
{
	int64_t id = l->next_margin++;
	tl_sim_margin_move_t *e = &l->margin[(id - 1) % CAP];

	*e = *m;
	e->id = id;
	return e;
}

const tl_sim_amend_t *tl_sim_changelog_amend_at(const tl_sim_changelog_t *l,
						int64_t id)
{
	const tl_sim_amend_t *e;

	if (id < 1 || id >= l->next_amend)
		return NULL;
	e = &l->amend[(id - 1) % CAP];
	return e->id == id ? e : NULL;
}

const tl_sim_margin_move_t *
tl_sim_changelog_margin_at(const tl_sim_changelog_t *l, int64_t id)
{
	const tl_sim_margin_move_t *e;

	if (id < 1 || id >= l->next_margin)
		return NULL;
	e = &l->margin[(id - 1) % CAP];
	return e->id == id ? e : NULL;
}
