/*
 * record.h - one journal record: a kernel input or a kernel output, as
 * the journal stores it and the engine's journal ring carries it.
 *
 * It lives in persist/ because the journal is what defines it; the ring
 * that moves it (runtime/ring.h) includes this header, never the other
 * way round (persist/ sits below runtime/ in the include graph,
 * scripts/check-includes.sh).
 */
#ifndef TL_PERSIST_RECORD_H
#define TL_PERSIST_RECORD_H

#include "kernel/record.h"

/* A journal record: an input or an output (hdr.flags says which). */
#define TL_REC_OUTPUT 0x1
struct tl_record {
	union {
		tl_rec_hdr_t hdr;
		tl_input_t in;
		tl_output_t out;
	} u;
};
typedef struct tl_record tl_record_t;

#endif /* TL_PERSIST_RECORD_H */
