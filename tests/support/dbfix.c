/*
 * dbfix.c - the journal tests' shared helpers (see dbfix.h).
 */
#include "tests/support/dbfix.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>

int64_t tl_test_db_int(const char *path, const char *sql)
{
	sqlite3 *db;
	int64_t n = -1;
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		sqlite3_close(db);
		return -1;
	}
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	else
		fprintf(stderr, "sql failed: %s: %s\n", sql, sqlite3_errmsg(db));
	sqlite3_finalize(st);
	sqlite3_close(db);
	return n;
}

void tl_test_rec_push(tl_record_t **v, size_t *n, size_t *cap, const tl_record_t *r)
{
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 256;
		*v = realloc(*v, *cap * sizeof(**v));
		if (!*v)
			abort();
	}
	(*v)[(*n)++] = *r;
}
