/*
 * dbfix.h - what the journal tests (persist/) share: reading one number
 * out of a journal file with plain SQL, and the growable array of
 * records a scripted session writes into a journal.
 */
#ifndef TL_TEST_DBFIX_H
#define TL_TEST_DBFIX_H

#include <stddef.h>
#include <stdint.h>

#include "persist/record.h"

/* First column of the first row of sql on the database at path, opened
 * read-only (so a running writer is never disturbed); -1 when it cannot
 * be opened or the query gives no row (the query's error on stderr). */
int64_t tl_test_db_int(const char *path, const char *sql);

/* Append r to the array *v of *n records (capacity *cap, grown by
 * doubling); aborts when out of memory. */
void tl_test_rec_push(tl_record_t **v, size_t *n, size_t *cap, const tl_record_t *r);

#endif /* TL_TEST_DBFIX_H */
