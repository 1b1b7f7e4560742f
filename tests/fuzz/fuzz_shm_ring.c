/*
 * fuzz_shm_ring.c - libFuzzer target: the ctl request ring in the
 * engine's shared-memory block (runtime/shm.c): producers' tl_shm_request,
 * the engine's reader tl_shm_next_request, replies, against random
 * requests and corrupted ring words (any process of the engine's user,
 * or a bug, can write any byte of the block: shm.h "Trust").
 *
 * Input: a program of operations on a local block (tl_shm_init_local),
 * one byte each (op = byte % 6) plus its operands:
 *   0 request   the next 16 bytes go into the request's input record
 *   1 take      the engine's reader takes one request
 *   2 corrupt   one of head, tail, a slot's sequence word, the stall
 *               time, next_req_id gets a small delta or 8 raw bytes
 *   3 reply     answer an id taken earlier, read the answer back
 *   4 recover   the engine drains the ring (time passes: a stalled slot
 *               times out), then one request goes through
 *   5 flood     requests until the ring says full
 * Properties (abort on failure):
 *   - while no word was corrupted the ring is an exact bounded FIFO:
 *     a request is accepted iff fewer than TL_SHM_CTL_SLOTS wait, the
 *     reader returns them in order, byte for byte, with distinct
 *     non-zero ids, and nothing when empty;
 *   - whatever was corrupted, no call crashes, loops or reads outside
 *     the block, and the ring recovers: draining (stalled slots timing
 *     out) ends within 2 * TL_SHM_CTL_SLOTS + 2 reads, and within three
 *     full laps after that a lap goes through exactly (recover());
 *   - a reply is read back for its id with its result and
 *     NUL-terminated texts.
 */
#include <stddef.h>
#include <stdint.h>

#include "runtime/shm.h"
#include "tests/fuzz/fuzz_common.h"

static tl_shm_t S;

/* The model of the ring while it is trustworthy. */
static tl_ctl_req_t fifo[TL_SHM_CTL_SLOTS];
static unsigned fhead, fn;
static bool corrupted;
static uint64_t last_taken;

static bool take(tl_ctl_req_t *out)
{
	memset(out, 0, sizeof *out);
	return tl_shm_next_request(&S, out);
}

static void check_take(void)
{
	tl_ctl_req_t r;
	bool got = take(&r);

	if (got)
		last_taken = r.id;
	if (corrupted)
		return;
	FZ_CHECK(got == (fn > 0));
	if (got) {
		FZ_CHECK(memcmp(&r, &fifo[fhead], sizeof r) == 0);
		fhead = (fhead + 1) % TL_SHM_CTL_SLOTS;
		fn--;
	}
}

static bool push(const uint8_t *b, size_t n)
{
	tl_ctl_req_t r;
	bool ok;

	memset(&r, 0, sizeof r);
	r.pid = 4242;
	r.kind = TL_CTLK_INPUT;
	memcpy(&r.in, b, n < sizeof r.in ? n : sizeof r.in);
	ok = tl_shm_request(&S, &r);
	if (corrupted)
		return ok;
	FZ_CHECK(ok == (fn < TL_SHM_CTL_SLOTS));
	if (ok) {
		FZ_CHECK(r.id != 0);
		for (unsigned i = 0; i < fn; i++)
			FZ_CHECK(fifo[(fhead + i) % TL_SHM_CTL_SLOTS].id != r.id);
		fifo[(fhead + fn) % TL_SHM_CTL_SLOTS] = r;
		fn++;
	}
	return ok;
}

/* One take with time passing (a stalled slot was first seen long ago,
 * so the reader resets instead of waiting). */
static bool take_late(void)
{
	tl_ctl_req_t r;

	atomic_store(&S.ctl_stall_ns, 1);
	return take(&r);
}

/*
 * The engine drains the ring until its reader sees it empty, then full
 * laps are run (TL_SHM_CTL_SLOTS requests in, as many out) until one
 * goes through exactly. The reader checks only the slot at its tail, so
 * a corrupted word further on shows when the tail reaches it: as a full
 * ring to producers, then (the reader taking that slot, or finding it
 * out of range) a reset. Three laps always suffice.
 */
static void recover(void)
{
	static const uint8_t probe[16] = { TL_IN_CANCEL_ALL, 0, 0, 0, 7 };
	int i, lap;

	if (!corrupted) {	/* the model says what is left, in order */
		tl_ctl_req_t r;
		while (fn > 0)
			check_take();
		FZ_CHECK(!take(&r));
	}
	corrupted = true;	/* the laps below are not the model's */
	for (i = 0; i < 2 * TL_SHM_CTL_SLOTS + 2 && take_late(); i++)
		;
	FZ_CHECK(i < 2 * TL_SHM_CTL_SLOTS + 2);
	for (lap = 0; lap < 3; lap++) {
		int in = 0, out = 0;
		for (; in < TL_SHM_CTL_SLOTS && push(probe, sizeof probe); in++)
			;
		for (; out <= 2 * TL_SHM_CTL_SLOTS + 2 && take_late(); out++)
			;
		FZ_CHECK(out <= 2 * TL_SHM_CTL_SLOTS + 2);
		if (in == TL_SHM_CTL_SLOTS && out == TL_SHM_CTL_SLOTS)
			break;
	}
	FZ_CHECK(lap < 3);
	atomic_store(&S.ctl_stall_ns, 0);
	/* Healthy again: the model holds from here. */
	corrupted = false;
	fhead = fn = 0;
	FZ_CHECK(push(probe, sizeof probe));
	check_take();
	FZ_CHECK(fn == 0);
}

static void corrupt(const uint8_t *b, size_t n)
{
	_Atomic uint64_t *w;
	uint64_t v = 0;

	if (n < 2)
		return;
	switch (b[0] % 5) {
	case 0: w = &S.ctl_head; break;
	case 1: w = &S.ctl_tail; break;
	case 2: w = &S.ctl_slot[b[1] & TL_SHM_CTL_MASK].seq; break;
	case 3: w = (_Atomic uint64_t *)&S.ctl_stall_ns; break;
	default: w = &S.next_req_id; break;
	}
	if (b[0] & 0x80) {
		memcpy(&v, b + 1, n - 1 < 8 ? n - 1 : 8);
		atomic_store(w, v);
	} else {
		atomic_fetch_add(w, (uint64_t)(int64_t)(int8_t)b[1]);
	}
	corrupted = true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t at = 0;

	/* A fresh block: the ring part of a pristine one (memset of the
	 * whole ~220 KiB block per input made this target slow). */
	static tl_shm_t pristine;
	const size_t ring = offsetof(tl_shm_t, next_req_id);
	if (!pristine.magic)
		tl_shm_init_local(&pristine, "fuzz");
	if (!S.magic)
		S = pristine;
	memcpy((char *)&S + ring, (const char *)&pristine + ring, sizeof S - ring);
	fhead = fn = 0;
	corrupted = false;
	last_taken = 0;
	while (at < size) {
		uint8_t op = data[at++] % 6;
		size_t left = size - at;
		switch (op) {
		case 0: {
			size_t n = left < 16 ? left : 16;
			push(data + at, n);
			at += n;
			break;
		}
		case 1:
			check_take();
			break;
		case 2: {
			size_t n = left < 9 ? left : 9;
			corrupt(data + at, n);
			at += n;
			break;
		}
		case 3: {
			tl_shm_reply_t rep;
			int32_t res = left ? (int8_t)data[at++] : 0;
			if (!last_taken)
				break;
			tl_shm_reply(&S, last_taken, res, "tl77", "refused: a reason");
			FZ_CHECK(tl_shm_wait_reply(&S, last_taken, 0, &rep));
			FZ_CHECK(rep.id == last_taken && rep.result == res);
			FZ_TERMINATED(rep.client_id);
			FZ_TERMINATED(rep.msg);
			FZ_CHECK(strcmp(rep.client_id, "tl77") == 0);
			break;
		}
		case 4:
			recover();
			break;
		default: {
			static const uint8_t z[16];
			int i;
			for (i = 0; i <= TL_SHM_CTL_SLOTS && push(z, sizeof z); i++)
				;
			FZ_CHECK(corrupted || fn == TL_SHM_CTL_SLOTS);
			break;
		}
		}
	}
	recover();
	return 0;
}
