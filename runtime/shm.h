/*
 * shm.h - the engine's POSIX shared-memory control block,
 * /dev/shm/talon.<engine-name>, mode 0600.
 *
 * Who writes what:
 *   engine (one thread) : heartbeat, state, the status snapshot (seqlock),
 *                         replies to ctl requests, kill.seen
 *   talon ctl / monitors: the kill switch word, ctl requests (MPMC ring)
 * Nothing here is ever locked: the kill switch is one sequence word the
 * engine reads once per loop (so it works when every ring is full), the
 * snapshot is a seqlock (readers retry, never block the writer), requests
 * go through a bounded multi-producer ring that lives inside the block,
 * and replies land in slots indexed by request id.
 *
 * Trust: the block belongs to the engine's user (created 0600, a leftover
 * one reused only when that user owns it with mode 0600), but any process
 * of that user, or a bug, can write any byte of it. So no size, mask or
 * index is ever read back from it: the ring's geometry is the compile-time
 * TL_SHM_CTL_SLOTS, every index taken from the block is masked or bounded
 * before use, and an inconsistent ring is reset (pending requests dropped,
 * ctl_resyncs counted) instead of being followed.
 *
 * Layout is versioned: a reader refuses a block whose magic or version
 * differs. The block holds no pointers, so every process maps it anywhere.
 */
#ifndef TL_SHM_H
#define TL_SHM_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "kernel/record.h"
#include "runtime/wake.h"

#define TL_SHM_MAGIC   0x314d48534e4f4c54ULL  /* "TLONSHM1" */
#define TL_SHM_VERSION 10                     /* 2: pos[] last, 2048 of them; 3: reconciliation counters;
						 4: own ctl ring (no stored geometry), client-id prefix,
						 foreign_updates; 5: the engine's door (eng_wake);
						 6: daily_pnl, day_start; 7: order
						 transport counters;
						 8: ord[] (open and recent orders), n_ord, n_ord_open,
						 ord_dropped; ord[] before pos[];
						 9: strategy rows (n_strat, strat[]);
						 10: venue health, loop latency
						 histogram, daily_loss_limit */
#define TL_SHM_NAMELEN 32                     /* engine name, [A-Za-z0-9_-] */
/* Positions in the snapshot: every open position of a full symbol table
 * (one-way mode: one per symbol; hedge mode: LONG and SHORT). 96 bytes
 * each, so the block is about 220 KiB; a publish and a read copy only
 * the n_pos in use. */
#define TL_SHM_POS_MAX (2 * TL_SYMBOLS_MAX)
/* Orders in the snapshot: the open ones (up to the whole array), then
 * the most recently finished ones while room is left, at most
 * TL_SHM_ORD_RECENT of those (so `talon ctl order` shows an order that
 * just filled). 280 bytes each; a publish copies only the n_ord in use. */
#define TL_SHM_ORD_MAX 256
#define TL_SHM_ORD_RECENT 32
#define TL_SHM_ORD_HIST 8                     /* = the kernel's TL_ORD_HIST */
#define TL_SHM_CTL_SLOTS 64                   /* ctl ring slots = capacity (power of two) */
#define TL_SHM_CTL_MASK (TL_SHM_CTL_SLOTS - 1)
/* A reserved ring slot still unpublished after this long: its producer
 * died between reserving and writing it; the engine resets the ring. */
#define TL_SHM_CTL_STALL_NS (1000LL * 1000000LL)
#define TL_SHM_PREFIX_LEN 24                  /* client-id prefix + NUL, padded */
#define TL_SHM_REPLY_SLOTS 64
#define TL_SHM_STALE_NS (3LL * 1000000000LL)  /* heartbeat older = dead */
#define TL_SHM_NO_PREV 0xffffffffu            /* prev_state of a new block */

/* The venue's user data stream, as the snapshot carries it (venue_stream;
 * the venue writes it into io/venue.h's tl_venue_health_t). */
typedef enum tl_shm_stream {
	TL_SHM_STREAM_NONE = 0,        /* the venue has none (paper, REST only) */
	TL_SHM_STREAM_CONNECTING,      /* first connection not up yet */
	TL_SHM_STREAM_UP,              /* delivering */
	TL_SHM_STREAM_DOWN,            /* lost, reconnecting */
	TL_SHM_STREAM_EXPIRED,         /* its key expired, waiting for a new one */
	TL_SHM_STREAM__COUNT
} tl_shm_stream_t;

/* "none", "connecting", "up", "down", "expired"; "?" out of range. */
const char *tl_shm_stream_name(uint32_t s);

/* Kill switch commands (the word's cmd). */
typedef enum tl_kill_cmd {
	TL_KILL_NONE = 0,
	TL_KILL_LIQUIDATE = 1,
} tl_kill_cmd_t;

typedef struct tl_shm_kill {
	_Atomic uint64_t seq;       /* bumped by each writer after cmd/reason */
	_Atomic uint32_t cmd;       /* tl_kill_cmd_t */
	char reason[TL_TEXT_LEN];
	_Atomic uint64_t seen;      /* engine: last seq acted on */
} tl_shm_kill_t;

/* ctl request kinds. */
typedef enum tl_ctl_kind {
	TL_CTLK_INPUT = 1,          /* a kernel input: submit, signal, cancel, cancel-all, control */
} tl_ctl_kind_t;

/* A request from talon ctl; `in` is a kernel input the engine validates
 * and applies (the engine sets seq and time). */
struct tl_ctl_req {
	uint64_t id;                /* unique, from next_req_id */
	int32_t pid;                /* requester */
	uint32_t kind;              /* tl_ctl_kind_t */
	tl_input_t in;
};
typedef struct tl_ctl_req tl_ctl_req_t;

/* One slot of the ctl ring (bounded MPMC in the style of D. Vyukov's
 * queue): the slot at position p is free for a producer when seq == p,
 * holds a request for the engine when seq == p + 1, and is free for the
 * next lap (p + TL_SHM_CTL_SLOTS) once the engine took it. */
typedef struct tl_shm_mpmc_slot {
	_Atomic uint64_t seq;
	struct tl_ctl_req req;
} tl_shm_mpmc_slot_t;

/* The engine's answer to request `id`. */
typedef struct tl_shm_reply {
	_Atomic uint64_t id;        /* written last: the slot is complete */
	int32_t result;             /* tl_reject_t (0 = accepted) */
	uint32_t _pad;
	char client_id[TL_CLID_LEN];
	char msg[96];
} tl_shm_reply_t;

typedef struct tl_shm_pos {
	char symbol[TL_SYMBOL_NAMELEN];
	uint8_t pos_side, status;
	uint8_t _pad[6];
	tl_fx_t qty, entry, mark, unrealized, realized, commission, roe;
	uint32_t leverage;
	uint32_t _pad2;
} tl_shm_pos_t;

typedef struct tl_shm_ord_hist {
	uint8_t status;             /* tl_ord_status_t entered */
	uint8_t _pad[7];
	tl_time_t time;             /* engine clock */
} tl_shm_ord_hist_t;

/* One order as the kernel holds it (kernel/orders.h), for ctl and the C
 * API's look-ups. hist[] is oldest first; hist_total counts every status
 * change (saturating at 255), so hist_total > n_hist means the earliest
 * were dropped. */
typedef struct tl_shm_ord {
	char client_id[TL_CLID_LEN];
	char symbol[TL_SYMBOL_NAMELEN];
	uint8_t side, type, tif, pos_side, reduce_only, role, status;
	uint8_t n_hist, hist_total;
	uint8_t strat;              /* strategy row: strat[] of the snapshot, 0 none */
	uint8_t _pad[5];
	tl_fx_t qty, price, stop_price, filled, avg_price;
	int64_t venue_id;
	uint64_t user_ref;
	tl_time_t created, updated;
	tl_shm_ord_hist_t hist[TL_SHM_ORD_HIST];
} tl_shm_ord_t;

/* One strategy tag's row (kernel/strat.h): row 0 is the untagged one. */
typedef struct tl_shm_strat {
	char name[TL_STRAT_LEN];    /* "" for row 0 */
	tl_fx_t realized, unrealized, commission;
	uint64_t orders, fills;
} tl_shm_strat_t;
#define TL_SHM_STRAT_MAX (TL_STRAT_MAX + 1)

/* The engine loop's latency histogram: bucket i counts loops whose
 * kernel work took at most tl_shm_lat_bounds_ns[i] (and more than the
 * bound before it); the last bucket, past every bound, is +Inf. Fixed
 * bounds, so a Prometheus histogram over it stays comparable across
 * engines and restarts. */
#define TL_SHM_LAT_BOUNDS 13
#define TL_SHM_LAT_BUCKETS (TL_SHM_LAT_BOUNDS + 1)
extern const uint64_t tl_shm_lat_bounds_ns[TL_SHM_LAT_BOUNDS];

/* Bucket of a loop that took d ns (tl_shm_lat_bounds_ns). */
static inline unsigned tl_shm_lat_bucket(uint64_t d)
{
	unsigned i = 0;
	while (i < TL_SHM_LAT_BOUNDS && d > tl_shm_lat_bounds_ns[i])
		i++;
	return i;
}

#define TL_SHM_JOURNAL_ON     0x1   /* journal.path set, PERSIST running */
#define TL_SHM_JOURNAL_FAILED 0x2   /* a write failed: new orders refused */
#define TL_SHM_JOURNAL_STRICT 0x4   /* journal.mode strict */

/* Everything `talon ctl status` shows; written under the seqlock. */
typedef struct tl_shm_snapshot {
	tl_time_t published;        /* engine clock */
	uint32_t state;             /* tl_trading_state_t */
	uint32_t open_orders;
	uint32_t tracked_orders;
	uint32_t n_pos;             /* pos[] entries in use (<= TL_SHM_POS_MAX) */
	tl_fx_t total_pnl;
	tl_fx_t daily_pnl;          /* PnL of the trading day (risk.day_reset_hour) */
	tl_time_t day_start;        /* when that day began (engine clock) */
	/* counters (see tl_kernel_counters_t) */
	uint64_t inputs, outputs, events, submitted, refused, filled, canceled,
		rejected, failed, expired, unknown, fills, duplicate_fills,
		invalid_transitions, backpressure;
	/* reconciliation: orders adopted from the venue, POSITION_CONFLICT
	 * and POSITION_ORPHAN events, RESYNC inputs (at the user stream's
	 * first connection and after each gap) */
	uint64_t adopted, conflicts, orphans, resyncs;
	/* venue updates carrying one of our client ids but another order's
	 * symbol or venue id: refused (tl_kernel_counters_t.foreign_updates) */
	uint64_t foreign_updates;
	/* the venue's order transports (io/venue.h, tl_venue_xport_t) */
	uint64_t ws_sent, rest_sent, ws_fallbacks, ws_sessions, ws_drops;
	/* the venue's health (io/venue.h, tl_venue_health_t; 0 without a
	 * venue): connected (requests can go), connections up, the user
	 * stream's tl_shm_stream_t, clock synced, the rate limiters'
	 * counts in their current windows and the venue's limits, 429/418
	 * answers, and the venue's clock minus ours */
	uint32_t venue_connected, venue_conns, venue_stream, venue_clock_synced;
	uint32_t weight_used, weight_limit, orders_10s, orders_10s_limit,
		orders_1m, orders_1m_limit;
	uint64_t http_429, http_418;
	int64_t clock_offset_ns;
	/* risk.daily_loss_limit and risk.loss_limit (0: off) */
	tl_fx_t daily_loss_limit, loss_limit;
	/* emergency */
	uint32_t emg_active, emg_total, emg_ok, emg_failed, emg_canceled;
	uint32_t journal;           /* TL_SHM_JOURNAL_* bits */
	/* The journal's lag: records the engine produced that the PERSIST
	 * thread has not taken yet (its staging queue and ring), records
	 * committed this session, realtime ns of the last commit (0: none) */
	uint32_t journal_pending;
	uint64_t journal_records;
	int64_t journal_last_commit_ns;
	tl_time_t emg_started, emg_completed;
	char emg_reason[TL_TEXT_LEN];
	/* latency of one engine loop's kernel work, ns */
	uint64_t lat_p50, lat_p99, lat_max;
	/* ... and every loop with work since the engine started: counts per
	 * bucket (TL_SHM_LAT_BUCKETS, not cumulative; their total is the
	 * number of loops) and the sum of their ns */
	uint64_t lat_bucket[TL_SHM_LAT_BUCKETS];
	uint64_t lat_sum_ns;
	/* Strategy rows 0 .. n_strat (<= TL_SHM_STRAT_MAX; the reader
	 * clamps it): the untagged row, then each tag in kernel row order. */
	uint32_t n_strat;
	uint32_t _pad_strat;
	tl_shm_strat_t strat[TL_SHM_STRAT_MAX];
	/* orders: ord[0 .. n_ord_open) open (active), oldest first, then
	 * finished ones, newest first; ord_dropped open orders did not fit */
	uint32_t n_ord, n_ord_open, ord_dropped, _pad_ord;
	/* Last, so that only the n_ord and n_pos in use are copied each way. */
	tl_shm_ord_t ord[TL_SHM_ORD_MAX];
	tl_shm_pos_t pos[TL_SHM_POS_MAX];
} tl_shm_snapshot_t;

typedef struct tl_shm {
	uint64_t magic;
	uint32_t version;
	uint32_t size;              /* sizeof(tl_shm_t) */
	char name[TL_SHM_NAMELEN];
	_Atomic int32_t pid;        /* engine pid, 0 after a clean stop */
	uint32_t _pad0;
	tl_time_t started;          /* realtime ns */
	_Atomic int64_t heartbeat;  /* realtime ns of the engine's last loop */
	_Atomic uint32_t state;     /* tl_trading_state_t, also in the snapshot */
	uint32_t prev_state;        /* takeover: the dead engine's last state,
				     * TL_SHM_NO_PREV for a new block */
	/* The engine's client-id prefix (kernel.client_id_prefix): engines of
	 * one user refuse to start on overlapping prefixes. */
	char clid_prefix[TL_SHM_PREFIX_LEN];
	char _line0[64];
	tl_shm_kill_t kill;
	char _line1[64];
	/* The ENGINE thread's door (runtime/wake.h): it parks on eng_wake.seq
	 * when idle "park"; a kill or a ctl request wakes it. */
	tl_wake_t eng_wake;
	char _line1b[48];
	_Atomic uint64_t snap_seq;  /* seqlock: odd while writing */
	tl_shm_snapshot_t snap;
	char _line2[64];
	_Atomic uint64_t next_req_id;
	/* ctl ring positions (only ever masked with TL_SHM_CTL_MASK) */
	_Atomic uint64_t ctl_head;  /* next position a producer reserves */
	char _line3[56];
	_Atomic uint64_t ctl_tail;  /* next position the engine takes */
	_Atomic uint64_t ctl_resyncs; /* engine: ring found inconsistent, reset */
	_Atomic int64_t ctl_stall_ns; /* engine: monotonic time a reserved slot
				       * was first seen unpublished, 0 = none */
	char _line4[40];
	tl_shm_mpmc_slot_t ctl_slot[TL_SHM_CTL_SLOTS];
	tl_shm_reply_t reply[TL_SHM_REPLY_SLOTS];
} tl_shm_t;

/* Path of an engine's block ("/talon.<name>" for shm_open). */
int tl_shm_path(const char *engine, char *out, size_t len);

/*
 * Create (engine side) the block for `engine`: O_CREAT|O_EXCL, mode 0600.
 * An existing block is used only when it is a regular file owned by this
 * process's effective uid with mode exactly 0600 (anything else may have
 * been planted by another user: refused, naming owner and mode). One
 * whose pid is alive and whose heartbeat is fresh means another live
 * engine: refused. A block left by a dead engine is taken over. On
 * success *out is mapped read-write. Returns 0 or -1 with a message.
 */
int tl_shm_create(const char *engine, tl_shm_t **out, char *err, size_t errlen);

/* Attach (ctl side) read-write. Checks magic, version and size. */
int tl_shm_attach(const char *engine, tl_shm_t **out, char *err, size_t errlen);

/* Attach mapped read-only (talon monitor: a reader that cannot write the
 * block, whatever its bugs). The same checks; release with
 * tl_shm_detach_ro. */
int tl_shm_attach_ro(const char *engine, const tl_shm_t **out, char *err, size_t errlen);
void tl_shm_detach_ro(const tl_shm_t *s);

/* Owner uid and permission bits (mode & 07777) of an engine's block, from
 * its name in /dev/shm. 0, or -1 with errno. */
int tl_shm_owner(const char *engine, uid_t *uid, unsigned *mode);

/* Engine-less block for tests and `--no-shm` runs: the ring ready, no
 * name, no process but this one. */
void tl_shm_init_local(tl_shm_t *s, const char *engine);

/*
 * Engine, right after tl_shm_create: publish `prefix` in the block, then
 * refuse (-1, message naming the other engine) when a live engine of this
 * user (another /dev/shm/talon.* block owned by the effective uid, pid
 * alive, heartbeat fresh) has a client-id prefix equal to ours, or one
 * that is a prefix of ours or the other way round: the kernel reads an id
 * as <prefix><digits>, so "tl" would claim the ids of "tl1". Publishing
 * first means two engines starting at once both see each other (both
 * refuse) rather than neither.
 */
int tl_shm_claim_prefix(tl_shm_t *s, const char *engine, const char *prefix,
			char *err, size_t errlen);

/*
 * The default client-id prefix of engine `name` (kernel.client_id_prefix
 * unset): a name of up to 15 characters plus "-" ("desk1" -> "desk1-");
 * a longer one's first 10 characters, 4 hex digits of a hash of the whole
 * name (FNV-1a), then "-" ("production-btc-1" -> "production1a2b-"), so
 * long names that share a start still differ. At most TL_PREFIX_MAX
 * characters of [A-Za-z0-9_-]; cap >= TL_PREFIX_MAX + 1.
 */
void tl_shm_default_prefix(const char *name, char *out, size_t cap);

/* Could one engine read the other's client ids as its own? The kernel
 * reads an id as <prefix><decimal sequence>, so two prefixes overlap when
 * they are equal or the longer one is the shorter plus digits only ("tl"
 * and "tl1": "tl15" is both tl1's 5 and tl's 15). "c" and "chaos-" do
 * not: no id of chaos- is "c" plus digits. */
bool tl_shm_prefix_overlap(const char *a, const char *b);

/* Unmap; with unlink, also remove the name (engine at clean stop) and
 * set pid 0, but only while the block is still this process's (pid ours
 * or 0): a successor that took the name over keeps it. */
void tl_shm_detach(tl_shm_t *s, const char *engine, bool unlink_it);

/* Is the engine behind this block alive (pid exists, heartbeat fresher
 * than TL_SHM_STALE_NS at realtime `now`)? Fills why with the reason. */
bool tl_shm_alive(const tl_shm_t *s, int64_t now, char *why, size_t whylen);

/* Engine: store the heartbeat (realtime ns), once per loop or at least
 * every second during start-up. Returns false when the block's pid is no
 * longer this process: another engine took the name over after this one
 * looked dead, and this one must stop using the block. */
bool tl_shm_heartbeat(tl_shm_t *s, int64_t now);

/* Engine: publish a snapshot under the seqlock: everything before ord[],
 * ord[0 .. n_ord) and pos[0 .. n_pos) (a count above its array's size
 * counts as the size). */
void tl_shm_publish(tl_shm_t *s, const tl_shm_snapshot_t *snap);

/* Reader: consistent copy of the snapshot; false if it kept changing.
 * out->n_pos <= TL_SHM_POS_MAX, out->n_ord <= TL_SHM_ORD_MAX and
 * n_ord_open <= n_ord; the entries past them are zeroed. */
bool tl_shm_read_snapshot(const tl_shm_t *s, tl_shm_snapshot_t *out);

/* ctl: set the kill switch (works with every ring full). Returns the
 * word's new seq: the engine has acted on it once kill.seen >= it. */
uint64_t tl_shm_kill(tl_shm_t *s, tl_kill_cmd_t cmd, const char *reason);

/* Engine: has the kill word changed since last acted on? Fills cmd and
 * reason and marks it seen. */
bool tl_shm_kill_poll(tl_shm_t *s, tl_kill_cmd_t *cmd, char *reason, size_t len);

/* Engine, before it parks: a kill not yet acted on, or a ctl request
 * waiting (a hint: the engine takes them by the usual calls). */
bool tl_shm_pending(tl_shm_t *s);

/* ctl: enqueue a request. Assigns req->id from next_req_id when it is 0
 * (set it to 0 for each new request; a retry after "full" keeps its id).
 * false when the ring is full (or its words never settle: a corrupt ring
 * reads as full until the engine resets it). */
bool tl_shm_request(tl_shm_t *s, tl_ctl_req_t *req);

/* Engine (the one consumer): next request, false when none. A ring that
 * is inconsistent (position or slot word out of its possible range, or a
 * reserved slot unpublished for TL_SHM_CTL_STALL_NS) is reset: pending
 * requests are dropped (their ctl sees no answer) and ctl_resyncs counts
 * it. */
bool tl_shm_next_request(tl_shm_t *s, tl_ctl_req_t *req);

/* Engine: answer request `id`. */
void tl_shm_reply(tl_shm_t *s, uint64_t id, int32_t result,
		  const char *client_id, const char *msg);

/* ctl: wait up to timeout_ns for the reply to `id`. */
bool tl_shm_wait_reply(tl_shm_t *s, uint64_t id, int64_t timeout_ns,
		       tl_shm_reply_t *out);

#endif /* TL_SHM_H */
