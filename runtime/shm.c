/*
 * shm.c - the engine's shared-memory control block (see shm.h for who
 * writes what).
 *
 * Divided into: names and clocks; create / attach / detach (the only
 * syscalls); liveness; the seqlock snapshot; the kill switch word; the
 * ctl request ring and the reply slots.
 *
 * Invariants:
 *   1. magic is stored last (release) when a block is (re)initialised and
 *      loaded first (acquire) on attach, so a reader never sees a half-
 *      initialised block as valid.
 *   2. Creation and takeover hold flock(LOCK_EX) on the object, so two
 *      engines starting at once cannot both take the same name.
 *   3. snap_seq is odd exactly while the engine is copying a snapshot in;
 *      a reader's copy is used only if seq was even and unchanged around
 *      it.
 *   4. kill.seq only grows; kill.seen <= kill.seq; the engine acts on every
 *      change (it reports the latest cmd/reason, never a lost one).
 *   5. A reply slot holds request `id` only while its id word == id; the
 *      engine clears the word before rewriting the slot, so a waiter that
 *      reads id, copies, then reads id again gets a consistent reply.
 *   6. Nothing read from the block sizes or indexes memory unchecked: the
 *      ring's geometry is TL_SHM_CTL_SLOTS, positions are masked, reply
 *      slots are id % TL_SHM_REPLY_SLOTS, n_pos is clamped, strings are
 *      copied bounded. In a consistent ring tail <= head <= tail + SLOTS
 *      and the slot at tail has seq tail (empty or being written) or
 *      tail + 1 (ready); anything else is corruption and the engine resets.
 *
 * Data races and the C11 model: every byte that is written by one process
 * while another may read it (snapshot, kill reason, reply fields) is copied
 * with atomic word/byte accesses (release stores, acquire loads; relaxed
 * for the kill reason, which the seq word orders), which compile to plain
 * moves on x86 but make the seqlock a race-free program for the compiler
 * and for ThreadSanitizer. The ring's slot words are release/acquire
 * atomics and its requests are copied word-wise the same way, so TSan
 * follows the hand-off without annotations.
 */
#define _GNU_SOURCE
#include "runtime/shm.h"
#include "kernel/kernel.h"
#include "kernel/utf8.h"
#include "runtime/clock.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static_assert(sizeof(tl_shm_snapshot_t) % 8 == 0, "snapshot copied by words");
static_assert(offsetof(tl_shm_snapshot_t, pos) % 8 == 0 &&
	      sizeof(tl_shm_pos_t) % 8 == 0, "snapshot head and positions by words");
static_assert(offsetof(tl_shm_snapshot_t, ord) % 8 == 0 && sizeof(tl_shm_ord_t) % 8 == 0 &&
	      offsetof(tl_shm_snapshot_t, ord) + sizeof(((tl_shm_snapshot_t *)0)->ord) ==
	      offsetof(tl_shm_snapshot_t, pos), "ord[] by words, right before pos[]");
static_assert(offsetof(tl_shm_snapshot_t, pos) + sizeof(((tl_shm_snapshot_t *)0)->pos) ==
	      sizeof(tl_shm_snapshot_t), "pos[] is the snapshot's last field");
static_assert(offsetof(tl_shm_reply_t, result) == 8, "reply body after id");
static_assert((sizeof(tl_shm_reply_t) - 8) % 8 == 0, "reply copied by words");
static_assert(sizeof(tl_shm_t) < UINT32_MAX, "size field");
static_assert((TL_SHM_CTL_SLOTS & (TL_SHM_CTL_SLOTS - 1)) == 0, "ring size");
static_assert(sizeof(tl_ctl_req_t) % 8 == 0, "request copied by words");
static_assert(offsetof(tl_shm_mpmc_slot_t, req) == 8, "slot body after seq");
static_assert(TL_SHM_PREFIX_LEN > TL_PREFIX_MAX, "prefix and its NUL");

/* 1 us .. 10 ms: a loop's kernel work is a few microseconds; past 10 ms
 * something stalled it (a page fault, the scheduler). */
const uint64_t tl_shm_lat_bounds_ns[TL_SHM_LAT_BOUNDS] = {
	1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000, 500000,
	1000000, 2500000, 5000000, 10000000,
};

const char *tl_shm_stream_name(uint32_t s)
{
	static const char *const names[TL_SHM_STREAM__COUNT] = {
		"none", "connecting", "up", "down", "expired",
	};
	return s < TL_SHM_STREAM__COUNT ? names[s] : "?";
}

/* The engine's pid, cached: the heartbeat runs on the engine thread every
 * loop and must not make a syscall (getpid is one; glibc no longer caches
 * it). Set when this process creates a block. */
static _Atomic int32_t shm_self_pid;

/* ---- helpers ------------------------------------------------------------- */

static bool shm_name_ok(const char *engine)
{
	size_t n = 0;

	if (!engine)
		return false;
	for (; engine[n]; n++) {
		char c = engine[n];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '_' || c == '-'))
			return false;
		if (n + 1 >= TL_SHM_NAMELEN)
			return false;
	}
	return n > 0;
}

/* Atomic word copies into shared memory (release stores) and out of it
 * (acquire loads); pointers 8-byte aligned, n % 8 == 0. Release on each
 * store keeps an earlier "odd"/"cleared" marker store ordered before the
 * data, acquire on each load keeps the later recheck of the marker ordered
 * after it: the seqlock's fences, per word (plain moves on x86; GCC
 * refuses atomic_thread_fence under -fsanitize=thread). */
static void shm_store_words(void *dst, const void *src, size_t n)
{
	uint64_t *d = dst;
	const uint64_t *s = src;

	for (size_t i = 0; i < n / 8; i++)
		__atomic_store_n(&d[i], s[i], __ATOMIC_RELEASE);
}

static void shm_load_words(void *dst, const void *src, size_t n)
{
	uint64_t *d = dst;
	const uint64_t *s = src;

	for (size_t i = 0; i < n / 8; i++)
		d[i] = __atomic_load_n(&s[i], __ATOMIC_ACQUIRE);
}

/* Bounded string copy into a shared char array; always NUL-terminated,
 * cut on a UTF-8 character boundary (status --json prints it). */
static void shm_store_text(char *dst, size_t cap, const char *src)
{
	size_t i = 0, n = src ? tl_utf8_trim(src, strnlen(src, cap - 1)) : 0;

	for (; i < n; i++)
		__atomic_store_n(&dst[i], src[i], __ATOMIC_RELAXED);
	for (; i < cap; i++)
		__atomic_store_n(&dst[i], '\0', __ATOMIC_RELAXED);
}

static void shm_load_text(char *dst, size_t len, const char *src, size_t cap)
{
	size_t i;

	if (!dst || len == 0)
		return;
	for (i = 0; i + 1 < len && i < cap; i++) {
		dst[i] = __atomic_load_n(&src[i], __ATOMIC_RELAXED);
		if (!dst[i])
			return;
	}
	dst[i] = '\0';
}

int tl_shm_path(const char *engine, char *out, size_t len)
{
	int n;

	if (!shm_name_ok(engine))
		return -1;
	n = snprintf(out, len, "/talon.%s", engine);
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

/* ---- create / attach / detach ---------------------------------------------- */

/* Every slot free for the lap starting at position `base` (a multiple of
 * the slot count), both positions at base. */
static void shm_ring_reset(tl_shm_t *s, uint64_t base)
{
	for (uint64_t i = 0; i < TL_SHM_CTL_SLOTS; i++)
		atomic_store_explicit(&s->ctl_slot[i].seq, base + i, memory_order_release);
	atomic_store_explicit(&s->ctl_stall_ns, 0, memory_order_relaxed);
	atomic_store_explicit(&s->ctl_tail, base, memory_order_release);
	atomic_store_explicit(&s->ctl_head, base, memory_order_release);
}

/* Fresh block for `engine`, owned by this process. The caller holds the
 * object's flock; the mapping is the object's full size. */
static void shm_init(tl_shm_t *s, const char *engine)
{
	int64_t now = tl_clock_realtime_ns();

	__atomic_store_n(&s->magic, 0, __ATOMIC_RELEASE);
	memset((char *)s + sizeof s->magic, 0, sizeof *s - sizeof s->magic);
	s->version = TL_SHM_VERSION;
	s->size = (uint32_t)sizeof *s;
	snprintf(s->name, sizeof s->name, "%s", engine);
	s->started = now;
	atomic_store_explicit(&s->heartbeat, now, memory_order_relaxed);
	atomic_store_explicit(&shm_self_pid, (int32_t)getpid(), memory_order_relaxed);
	atomic_store_explicit(&s->pid, (int32_t)getpid(), memory_order_relaxed);
	atomic_store_explicit(&s->state, TL_TS_NORMAL, memory_order_relaxed);
	atomic_store_explicit(&s->next_req_id, 1, memory_order_relaxed);
	shm_ring_reset(s, 0);
	__atomic_store_n(&s->magic, TL_SHM_MAGIC, __ATOMIC_RELEASE);
}

void tl_shm_init_local(tl_shm_t *s, const char *engine)
{
	memset(s, 0, sizeof *s);
	s->version = TL_SHM_VERSION;
	s->size = (uint32_t)sizeof *s;
	snprintf(s->name, sizeof s->name, "%s", engine ? engine : "");
	atomic_store_explicit(&s->next_req_id, 1, memory_order_relaxed);
	shm_ring_reset(s, 0);
	s->magic = TL_SHM_MAGIC;
}

/* A block that exists already is used only if this user made it: a
 * regular file owned by our effective uid with mode exactly 0600. Another
 * user able to create /dev/shm/talon.NAME first (it is world-writable)
 * could otherwise read our state and inject requests. 0 or -1. */
static int shm_check_owner(const struct stat *st, const char *engine,
			   char *err, size_t errlen)
{
	uid_t me = geteuid();
	unsigned mode = (unsigned)(st->st_mode & 07777);

	if (!S_ISREG(st->st_mode)) {
		snprintf(err, errlen, "/dev/shm/talon.%s is not a regular file "
			 "(mode 0%o): not a talon control block; remove it",
			 engine, (unsigned)st->st_mode);
		return -1;
	}
	if (st->st_uid != me || mode != 0600) {
		snprintf(err, errlen, "/dev/shm/talon.%s is owned by uid %u with "
			 "mode %04o, not by you (uid %u) with 0600: another user "
			 "may have planted it; remove it if it is yours",
			 engine, (unsigned)st->st_uid, mode, (unsigned)me);
		return -1;
	}
	return 0;
}

/* Open the name for the engine: a new object (O_EXCL, then 0600 made
 * certain whatever the umask), or an existing one that passes
 * shm_check_owner. The fd, or -1 with a message. */
static int shm_open_own(const char *path, const char *engine, char *err,
			size_t errlen)
{
	struct stat st;
	bool fresh = true;
	int fd = shm_open(path, O_RDWR | O_CREAT | O_EXCL, 0600);

	if (fd < 0 && errno == EEXIST) {
		fresh = false;
		fd = shm_open(path, O_RDWR, 0600);
	}
	if (fd < 0) {
		snprintf(err, errlen, "shm_open /dev/shm%s: %s", path, strerror(errno));
		return -1;
	}
	if (fresh && fchmod(fd, 0600) != 0) {
		snprintf(err, errlen, "fchmod 0600 /dev/shm%s: %s", path, strerror(errno));
		goto fail;
	}
	if (fstat(fd, &st) != 0) {
		snprintf(err, errlen, "fstat /dev/shm%s: %s", path, strerror(errno));
		goto fail;
	}
	if (shm_check_owner(&st, engine, err, errlen) != 0)
		goto fail;
	return fd;
fail:
	if (fresh)
		shm_unlink(path);	/* ours, and useless */
	close(fd);
	return -1;
}

/* Check a mapped block's header. 0, or -1 with a message. */
static int shm_check(const tl_shm_t *s, const char *engine, char *err,
		     size_t errlen)
{
	uint64_t magic = __atomic_load_n(&s->magic, __ATOMIC_ACQUIRE);

	if (magic != TL_SHM_MAGIC) {
		snprintf(err, errlen, "/dev/shm/talon.%s is not a talon control "
			 "block (bad magic)%s", engine,
			 magic == 0 ? "; it may still be being created" : "");
		return -1;
	}
	if (s->version != TL_SHM_VERSION || s->size != sizeof *s) {
		snprintf(err, errlen, "/dev/shm/talon.%s has layout version %u "
			 "(size %u); this talon uses version %u (size %zu)",
			 engine, s->version, s->size, TL_SHM_VERSION, sizeof *s);
		return -1;
	}
	return 0;
}

int tl_shm_create(const char *engine, tl_shm_t **out, char *err, size_t errlen)
{
	char path[64], why[96];
	struct stat st;
	tl_shm_t *s = MAP_FAILED;
	int fd, e;

	*out = NULL;
	if (tl_shm_path(engine, path, sizeof path) != 0) {
		snprintf(err, errlen, "engine name '%s' is invalid: use 1-%d "
			 "characters from [A-Za-z0-9_-]", engine ? engine : "",
			 TL_SHM_NAMELEN - 1);
		return -1;
	}
	fd = shm_open_own(path, engine, err, errlen);
	if (fd < 0)
		return -1;
	/* Serialise with another engine creating or taking over the name. */
	while (flock(fd, LOCK_EX) != 0) {
		if (errno != EINTR) {
			snprintf(err, errlen, "flock /dev/shm%s: %s", path, strerror(errno));
			goto err;
		}
	}
	if (fstat(fd, &st) != 0) {
		snprintf(err, errlen, "fstat /dev/shm%s: %s", path, strerror(errno));
		goto err;
	}
	if (st.st_size != 0) {
		/* An existing block: a live engine keeps it, a dead one loses it.
		 * Size 0 is a creator that died before initialising it. */
		if ((size_t)st.st_size != sizeof(tl_shm_t)) {
			snprintf(err, errlen, "/dev/shm/talon.%s has size %lld, not "
				 "%zu (another talon version?); remove it if no "
				 "engine uses it", engine, (long long)st.st_size,
				 sizeof(tl_shm_t));
			goto err;
		}
		s = mmap(NULL, sizeof *s, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (s == MAP_FAILED) {
			snprintf(err, errlen, "mmap /dev/shm%s: %s", path, strerror(errno));
			goto err;
		}
		if (shm_check(s, engine, err, errlen) != 0) {
			size_t n = strlen(err);
			snprintf(err + n, errlen - n, "; remove it if no engine uses it");
			goto err;
		}
		if (tl_shm_alive(s, tl_clock_realtime_ns(), why, sizeof why)) {
			snprintf(err, errlen, "engine '%s' is already running (pid %d)",
				 engine, (int)atomic_load(&s->pid));
			goto err;
		}
	} else {
		if (ftruncate(fd, sizeof(tl_shm_t)) != 0) {
			snprintf(err, errlen, "ftruncate /dev/shm%s: %s", path,
				 strerror(errno));
			goto err;
		}
		s = mmap(NULL, sizeof *s, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (s == MAP_FAILED) {
			snprintf(err, errlen, "mmap /dev/shm%s: %s", path, strerror(errno));
			goto err;
		}
	}
	/* A dead engine's last published state outlives it here: recovery
	 * uses it to never come back less careful than the engine was, even
	 * if its journal lost the last records (async mode). */
	uint32_t prev = st.st_size != 0 ? atomic_load(&s->state) : TL_SHM_NO_PREV;
	shm_init(s, engine);
	s->prev_state = prev;
	/* Unlock explicitly: the mapping holds the open file description, so
	 * close() alone would keep the flock until munmap. */
	flock(fd, LOCK_UN);
	close(fd);
	*out = s;
	return 0;
err:
	e = errno;
	if (s != MAP_FAILED)
		munmap(s, sizeof *s);
	close(fd);
	errno = e;
	return -1;
}

static int shm_attach(const char *engine, bool rw, tl_shm_t **out, char *err,
		      size_t errlen)
{
	char path[64];
	struct stat st;
	tl_shm_t *s;
	int fd;

	*out = NULL;
	if (tl_shm_path(engine, path, sizeof path) != 0) {
		snprintf(err, errlen, "engine name '%s' is invalid: use 1-%d "
			 "characters from [A-Za-z0-9_-]", engine ? engine : "",
			 TL_SHM_NAMELEN - 1);
		return -1;
	}
	fd = shm_open(path, rw ? O_RDWR : O_RDONLY, 0);
	if (fd < 0) {
		if (errno == ENOENT)
			snprintf(err, errlen, "no talon engine named '%s' "
				 "(no /dev/shm/talon.%s)", engine, engine);
		else
			snprintf(err, errlen, "shm_open /dev/shm%s: %s", path,
				 strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) != 0) {
		snprintf(err, errlen, "fstat /dev/shm%s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	if ((size_t)st.st_size != sizeof(tl_shm_t)) {
		snprintf(err, errlen, "/dev/shm/talon.%s has size %lld, not %zu "
			 "(being created, or another talon version)", engine,
			 (long long)st.st_size, sizeof(tl_shm_t));
		close(fd);
		return -1;
	}
	s = mmap(NULL, sizeof *s, rw ? PROT_READ | PROT_WRITE : PROT_READ, MAP_SHARED,
		 fd, 0);
	close(fd);
	if (s == MAP_FAILED) {
		snprintf(err, errlen, "mmap /dev/shm%s: %s", path, strerror(errno));
		return -1;
	}
	if (shm_check(s, engine, err, errlen) != 0) {
		munmap(s, sizeof *s);
		return -1;
	}
	*out = s;
	return 0;
}

int tl_shm_attach(const char *engine, tl_shm_t **out, char *err, size_t errlen)
{
	return shm_attach(engine, true, out, err, errlen);
}

int tl_shm_attach_ro(const char *engine, const tl_shm_t **out, char *err, size_t errlen)
{
	tl_shm_t *s;
	int rc = shm_attach(engine, false, &s, err, errlen);

	*out = s;
	return rc;
}

void tl_shm_detach_ro(const tl_shm_t *s)
{
	if (s)
		munmap((void *)s, sizeof *s);
}

void tl_shm_detach(tl_shm_t *s, const char *engine, bool unlink_it)
{
	char path[64];

	if (!s)
		return;
	/* Only the owner removes the name (pid is ours, or 0 after our own
	 * clean stop): an engine whose block was taken over because it
	 * looked dead must not delete its successor's. */
	int32_t pid = atomic_load(&s->pid);

	if (unlink_it && (pid == (int32_t)getpid() || pid == 0)) {
		atomic_store_explicit(&s->pid, 0, memory_order_release);
		if (tl_shm_path(engine, path, sizeof path) == 0)
			shm_unlink(path);
	}
	munmap(s, sizeof *s);
}

int tl_shm_owner(const char *engine, uid_t *uid, unsigned *mode)
{
	char path[96];
	struct stat st;

	if (!shm_name_ok(engine)) {
		errno = EINVAL;
		return -1;
	}
	snprintf(path, sizeof path, "/dev/shm/talon.%s", engine);
	if (lstat(path, &st) != 0)
		return -1;
	if (uid)
		*uid = st.st_uid;
	if (mode)
		*mode = (unsigned)(st.st_mode & 07777);
	return 0;
}

/* ---- client-id prefixes ---------------------------------------------------------- */

void tl_shm_default_prefix(const char *name, char *out, size_t cap)
{
	size_t n = strnlen(name, TL_SHM_NAMELEN);
	uint32_t h = 2166136261u;

	if (n + 1 <= TL_PREFIX_MAX) {
		snprintf(out, cap, "%.*s-", (int)n, name);
		return;
	}
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)name[i]) * 16777619u;
	snprintf(out, cap, "%.10s%04x-", name, (unsigned)(h & 0xffff));
}

bool tl_shm_prefix_overlap(const char *a, const char *b)
{
	size_t na = strnlen(a, TL_SHM_PREFIX_LEN), nb = strnlen(b, TL_SHM_PREFIX_LEN);
	const char *rest;

	if (na > nb) {	/* a is the longer one */
		const char *t = a;
		a = b;
		b = t;
		na = nb;
	}
	if (strncmp(a, b, na) != 0)
		return false;
	/* b = a + rest: b's ids read as a's exactly when rest is all digits
	 * (the kernel reads an id as <prefix><decimal>), or rest is empty. */
	for (rest = b + na; *rest && rest < b + TL_SHM_PREFIX_LEN; rest++)
		if (*rest < '0' || *rest > '9')
			return false;
	return true;
}

/* The prefix of another engine's block `name` into out, when that block
 * is this user's and its engine is alive; false otherwise. */
static bool shm_live_prefix(const char *name, char *out, size_t len, int32_t *pid)
{
	char e2[256];
	uid_t uid;
	tl_shm_t *o;
	bool live;

	if (tl_shm_owner(name, &uid, NULL) != 0 || uid != geteuid())
		return false;
	if (tl_shm_attach(name, &o, e2, sizeof e2) != 0)
		return false;
	live = tl_shm_alive(o, tl_clock_realtime_ns(), NULL, 0);
	shm_load_text(out, len, o->clid_prefix, sizeof o->clid_prefix);
	*pid = atomic_load_explicit(&o->pid, memory_order_acquire);
	tl_shm_detach(o, name, false);
	return live && out[0] != '\0';
}

int tl_shm_claim_prefix(tl_shm_t *s, const char *engine, const char *prefix,
			char *err, size_t errlen)
{
	struct dirent *de;
	DIR *d;
	int rc = 0;

	shm_store_text(s->clid_prefix, sizeof s->clid_prefix, prefix);
	/* Ours visible before we look at theirs (see shm.h): a seq_cst
	 * read-modify-write is the full barrier (GCC refuses
	 * atomic_thread_fence under -fsanitize=thread). */
	(void)atomic_fetch_add_explicit(&s->next_req_id, 0, memory_order_seq_cst);
	d = opendir("/dev/shm");
	if (!d)
		return 0;	/* no directory to share prefixes through */
	while (rc == 0 && (de = readdir(d)) != NULL) {
		const char *name = de->d_name;
		char other[TL_SHM_PREFIX_LEN];
		int32_t pid;

		if (strncmp(name, "talon.", 6) != 0 || !strcmp(name + 6, engine))
			continue;
		name += 6;
		if (!shm_name_ok(name) || !shm_live_prefix(name, other, sizeof other, &pid))
			continue;
		if (tl_shm_prefix_overlap(prefix, other)) {
			snprintf(err, errlen, "client-id prefix '%s' overlaps '%s' of "
				 "engine '%s' (pid %d), running on this machine: "
				 "two engines must not claim each other's order ids; "
				 "give each its own kernel.client_id_prefix (neither "
				 "a prefix of the other)", prefix, other, name, (int)pid);
			rc = -1;
		}
	}
	closedir(d);
	return rc;
}

/* ---- liveness ----------------------------------------------------------------- */

bool tl_shm_alive(const tl_shm_t *s, int64_t now, char *why, size_t whylen)
{
	int32_t pid = atomic_load_explicit(&s->pid, memory_order_acquire);
	int64_t hb = atomic_load_explicit(&s->heartbeat, memory_order_acquire);
	/* 128 bits: the heartbeat is the block's, any value at all */
	__int128 age = (__int128)now - hb;
	char dummy[1];

	if (!why || whylen == 0) {
		why = dummy;
		whylen = sizeof dummy;
	}
	if (pid <= 0) {
		snprintf(why, whylen, "stopped");
		return false;
	}
	if (kill(pid, 0) != 0 && errno != EPERM) {
		snprintf(why, whylen, "pid %d gone", (int)pid);
		return false;
	}
	if (age > TL_SHM_STALE_NS) {
		snprintf(why, whylen, "heartbeat %llds old",
			 (long long)(age / TL_NS_PER_S));
		return false;
	}
	snprintf(why, whylen, "alive");
	return true;
}

bool tl_shm_heartbeat(tl_shm_t *s, int64_t now)
{
	atomic_store_explicit(&s->heartbeat, now, memory_order_release);
	int32_t self = atomic_load_explicit(&shm_self_pid, memory_order_relaxed);
	if (self == 0)
		self = (int32_t)getpid();	/* block not created here (tests) */
	return atomic_load_explicit(&s->pid, memory_order_relaxed) == self;
}

/* ---- seqlock snapshot ------------------------------------------------------------ */

void tl_shm_publish(tl_shm_t *s, const tl_shm_snapshot_t *snap)
{
	uint64_t seq = atomic_load_explicit(&s->snap_seq, memory_order_relaxed);

	/* The head, the orders and the positions in use: with a full symbol
	 * table pos[] is 200 KiB, and the engine publishes up to 1000 times a
	 * second. */
	uint32_t no = snap->n_ord < TL_SHM_ORD_MAX ? snap->n_ord : TL_SHM_ORD_MAX;
	uint32_t n = snap->n_pos < TL_SHM_POS_MAX ? snap->n_pos : TL_SHM_POS_MAX;

	atomic_store_explicit(&s->snap_seq, seq + 1, memory_order_relaxed);
	shm_store_words(&s->snap, snap, offsetof(tl_shm_snapshot_t, ord));
	shm_store_words(s->snap.ord, snap->ord, no * sizeof(tl_shm_ord_t));
	shm_store_words(s->snap.pos, snap->pos, n * sizeof(tl_shm_pos_t));
	atomic_store_explicit(&s->snap_seq, seq + 2, memory_order_release);
	atomic_store_explicit(&s->state, snap->state, memory_order_relaxed);
}

#define TL_SHM_READ_TRIES 10000

bool tl_shm_read_snapshot(const tl_shm_t *s, tl_shm_snapshot_t *out)
{
	for (int i = 0; i < TL_SHM_READ_TRIES; i++) {
		uint64_t a = atomic_load_explicit(&s->snap_seq, memory_order_acquire);
		uint64_t b;

		if (a & 1) {
			if (i > 100)
				sched_yield();
			continue;
		}
		/* The head, then as many orders and positions as it says
		 * (clamped: a torn count is caught by the seq recheck, but must
		 * not overrun). */
		shm_load_words(out, &s->snap, offsetof(tl_shm_snapshot_t, ord));
		uint32_t no = out->n_ord < TL_SHM_ORD_MAX ? out->n_ord : TL_SHM_ORD_MAX;
		uint32_t n = out->n_pos < TL_SHM_POS_MAX ? out->n_pos : TL_SHM_POS_MAX;
		shm_load_words(out->ord, s->snap.ord, no * sizeof(tl_shm_ord_t));
		shm_load_words(out->pos, s->snap.pos, n * sizeof(tl_shm_pos_t));
		b = atomic_load_explicit(&s->snap_seq, memory_order_relaxed);
		if (a == b) {
			out->n_ord = no;
			if (out->n_ord_open > no)
				out->n_ord_open = no;
			out->n_pos = n;
			memset(out->ord + no, 0, (TL_SHM_ORD_MAX - no) * sizeof(tl_shm_ord_t));
			if (out->n_strat > TL_SHM_STRAT_MAX)
				out->n_strat = TL_SHM_STRAT_MAX;
			memset(out->pos + n, 0, (TL_SHM_POS_MAX - n) * sizeof(tl_shm_pos_t));
			return true;
		}
	}
	return false;
}

/* ---- kill switch ------------------------------------------------------------------- */

uint64_t tl_shm_kill(tl_shm_t *s, tl_kill_cmd_t cmd, const char *reason)
{
	shm_store_text(s->kill.reason, sizeof s->kill.reason, reason);
	atomic_store_explicit(&s->kill.cmd, (uint32_t)cmd, memory_order_relaxed);
	uint64_t seq = atomic_fetch_add_explicit(&s->kill.seq, 1, memory_order_release) + 1;
	tl_wake_notify_remote(&s->eng_wake);
	return seq;
}

bool tl_shm_pending(tl_shm_t *s)
{
	return atomic_load_explicit(&s->kill.seq, memory_order_acquire) !=
		       atomic_load_explicit(&s->kill.seen, memory_order_relaxed) ||
	       atomic_load_explicit(&s->ctl_head, memory_order_acquire) !=
		       atomic_load_explicit(&s->ctl_tail, memory_order_relaxed);
}

bool tl_shm_kill_poll(tl_shm_t *s, tl_kill_cmd_t *cmd, char *reason, size_t len)
{
	uint64_t seq = atomic_load_explicit(&s->kill.seq, memory_order_acquire);

	if (seq == atomic_load_explicit(&s->kill.seen, memory_order_relaxed))
		return false;
	if (cmd)
		*cmd = (tl_kill_cmd_t)atomic_load_explicit(&s->kill.cmd,
							   memory_order_relaxed);
	shm_load_text(reason, len, s->kill.reason, sizeof s->kill.reason);
	atomic_store_explicit(&s->kill.seen, seq, memory_order_release);
	return true;
}

/* ---- requests and replies ---------------------------------------------------------- */

/* Attempts at a slot before a producer gives up: only a ring whose words
 * never settle (corrupt, or an endless storm of racing producers) runs
 * out of them; the caller treats it as full and retries to its timeout. */
#define TL_SHM_RING_TRIES 4096

bool tl_shm_request(tl_shm_t *s, tl_ctl_req_t *req)
{
	uint64_t pos = atomic_load_explicit(&s->ctl_head, memory_order_relaxed);

	/* A retry after "full" keeps its id; 0 is never handed out. */
	while (req->id == 0)
		req->id = atomic_fetch_add_explicit(&s->next_req_id, 1,
						    memory_order_relaxed);
	for (int i = 0; i < TL_SHM_RING_TRIES; i++) {
		tl_shm_mpmc_slot_t *sl = &s->ctl_slot[pos & TL_SHM_CTL_MASK];
		uint64_t seq = atomic_load_explicit(&sl->seq, memory_order_acquire);
		int64_t dif = (int64_t)(seq - pos);

		if (dif == 0) {
			if (atomic_compare_exchange_weak_explicit(
				    &s->ctl_head, &pos, pos + 1,
				    memory_order_relaxed, memory_order_relaxed)) {
				shm_store_words(&sl->req, req, sizeof *req);
				atomic_store_explicit(&sl->seq, pos + 1,
						      memory_order_release);
				tl_wake_notify_remote(&s->eng_wake);
				return true;
			}
			continue;	/* pos reloaded by the failed CAS */
		}
		if (dif < 0)
			return false;	/* the engine has not taken it yet: full */
		/* Another producer took pos: catch up. */
		pos = atomic_load_explicit(&s->ctl_head, memory_order_relaxed);
	}
	return false;
}

/* The ring broke an invariant (6): drop what is in it and start a fresh
 * lap well past every position in use, so a producer still writing into
 * its old slot cannot match the new lap's words (the engine would then
 * reset again, never read past a slot). */
static void shm_ring_resync(tl_shm_t *s, uint64_t tail)
{
	uint64_t base = (tail + 2 * TL_SHM_CTL_SLOTS) & ~(uint64_t)TL_SHM_CTL_MASK;

	shm_ring_reset(s, base);
	atomic_fetch_add_explicit(&s->ctl_resyncs, 1, memory_order_relaxed);
}

/* The slot at tail is reserved but not published (head > tail): a
 * producer is writing it, or died after reserving it, which would block
 * the ring for good. Reset after TL_SHM_CTL_STALL_NS of that. */
static void shm_ring_stalled(tl_shm_t *s, uint64_t tail)
{
	int64_t since = atomic_load_explicit(&s->ctl_stall_ns, memory_order_relaxed);
	int64_t now = tl_clock_mono_ns();

	if (since <= 0 || since > now)
		atomic_store_explicit(&s->ctl_stall_ns, now, memory_order_relaxed);
	else if (now - since > TL_SHM_CTL_STALL_NS)
		shm_ring_resync(s, tail);
}

bool tl_shm_next_request(tl_shm_t *s, tl_ctl_req_t *req)
{
	uint64_t tail = atomic_load_explicit(&s->ctl_tail, memory_order_relaxed);
	tl_shm_mpmc_slot_t *sl = &s->ctl_slot[tail & TL_SHM_CTL_MASK];
	uint64_t seq = atomic_load_explicit(&sl->seq, memory_order_acquire);
	uint64_t head = atomic_load_explicit(&s->ctl_head, memory_order_acquire);

	if (head - tail > TL_SHM_CTL_SLOTS || (seq != tail && seq != tail + 1)) {
		shm_ring_resync(s, tail);
		return false;
	}
	if (seq == tail) {
		if (head != tail)
			shm_ring_stalled(s, tail);
		return false;
	}
	shm_load_words(req, &sl->req, sizeof *req);
	atomic_store_explicit(&s->ctl_tail, tail + 1, memory_order_relaxed);
	atomic_store_explicit(&sl->seq, tail + TL_SHM_CTL_SLOTS, memory_order_release);
	if (atomic_load_explicit(&s->ctl_stall_ns, memory_order_relaxed) != 0)
		atomic_store_explicit(&s->ctl_stall_ns, 0, memory_order_relaxed);
	return true;
}

void tl_shm_reply(tl_shm_t *s, uint64_t id, int32_t result,
		  const char *client_id, const char *msg)
{
	tl_shm_reply_t *r = &s->reply[id % TL_SHM_REPLY_SLOTS];
	tl_shm_reply_t v;

	memset(&v, 0, sizeof v);
	v.result = result;
	tl_utf8_copy(v.client_id, sizeof v.client_id, client_id);
	tl_utf8_copy(v.msg, sizeof v.msg, msg);
	atomic_store_explicit(&r->id, 0, memory_order_relaxed);
	shm_store_words((char *)r + 8, (const char *)&v + 8, sizeof v - 8);
	atomic_store_explicit(&r->id, id, memory_order_release);
}

/* Copy slot `id` into out if it holds a complete reply to `id`. */
static bool shm_take_reply(const tl_shm_reply_t *r, uint64_t id,
			   tl_shm_reply_t *out)
{
	if (atomic_load_explicit(&r->id, memory_order_acquire) != id)
		return false;
	shm_load_words((char *)out + 8, (const char *)r + 8, sizeof *out - 8);
	if (atomic_load_explicit(&r->id, memory_order_relaxed) != id)
		return false;
	atomic_store_explicit(&out->id, id, memory_order_relaxed);
	out->client_id[sizeof out->client_id - 1] = '\0';
	out->msg[sizeof out->msg - 1] = '\0';
	return true;
}

bool tl_shm_wait_reply(tl_shm_t *s, uint64_t id, int64_t timeout_ns,
		       tl_shm_reply_t *out)
{
	const tl_shm_reply_t *r = &s->reply[id % TL_SHM_REPLY_SLOTS];
	struct timespec nap = { 0, 200 * 1000 }; /* 200 us */
	int64_t t0 = tl_clock_mono_ns();

	for (;;) {
		if (shm_take_reply(r, id, out))
			return true;
		if (tl_clock_mono_ns() - t0 >= timeout_ns)
			return false;
		nanosleep(&nap, NULL);
	}
}
