/*
 * test_ctl.c - `talon ctl` as a separate process against a control block
 * created here, with a thread playing the engine: it heartbeats, publishes
 * a snapshot, answers ctl requests from the ring (recording the kernel
 * input it got) and polls the kill switch word.
 *
 * Each test spawns the talon binary of the same build directory (this
 * program's path minus "tests/runtime/test_ctl") and checks its exit code,
 * stdout and stderr. Blocks are named "c<pid>_<n>" and removed afterwards.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cJSON.h>

#include "runtime/shm.h"
#include "kernel/utf8.h"
#include "tests/support/tl_test.h"
#include "tests/support/subproc.h"

extern char **environ;

/* ---- the fake engine ------------------------------------------------------ */

struct fake_engine {
	char name[TL_SHM_NAMELEN];
	tl_shm_t *s;
	pthread_t th;
	_Atomic bool stop;
	_Atomic bool mute;          /* do not answer ctl requests */
	_Atomic bool deaf;          /* do not poll the kill switch */
	pthread_mutex_t mu;         /* guards the fields below */
	tl_input_t last;            /* last ctl input received */
	int nreq;
	char kill_reason[TL_TEXT_LEN];
	int kills;
	uint32_t state;
	char raw_reason[TL_TEXT_LEN]; /* published as emg_reason when set */
	tl_shm_snapshot_t *snap;    /* this engine's (two may run at once) */
};

static struct fake_engine E, E2;
static int block_counter;
static char talon_bin[PATH_MAX];

static int64_t now_rt(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * TL_NS_PER_S + ts.tv_nsec;
}

static tl_fx_t fx(const char *s)
{
	tl_fx_t v = 0;

	CU_ASSERT_EQUAL(tl_fx_parse_cstr(s, &v), TL_FX_OK);
	return v;
}

static void fake_publish(struct fake_engine *e)
{
	tl_shm_snapshot_t *sn = e->snap;	/* per engine: two may run at once */

	memset(sn, 0, sizeof *sn);
	sn->published = now_rt();
	sn->state = e->state;
	sn->open_orders = 3;
	sn->tracked_orders = 7;
	sn->n_pos = 2;
	snprintf(sn->pos[0].symbol, sizeof sn->pos[0].symbol, "BTCUSDT");
	sn->pos[0].pos_side = TL_PS_BOTH;
	sn->pos[0].status = TL_POS_OPEN;
	sn->pos[0].qty = 50000000;            /* 0.5 */
	sn->pos[0].entry = 5000000000000;     /* 50000 */
	sn->pos[0].mark = 5100000000000;      /* 51000 */
	sn->pos[0].unrealized = 50000000000;  /* 500 */
	sn->pos[0].realized = 1250000000;     /* 12.5 */
	sn->pos[0].roe = 10000000;            /* 0.1 = 10 % */
	sn->pos[0].leverage = 5;
	snprintf(sn->pos[1].symbol, sizeof sn->pos[1].symbol, "ETHUSDT");
	sn->pos[1].pos_side = TL_PS_SHORT;
	sn->pos[1].status = TL_POS_OPEN;
	sn->pos[1].qty = -200000000;          /* -2 */
	sn->pos[1].entry = 300000000000;      /* 3000 */
	sn->pos[1].mark = 310000000000;
	sn->pos[1].unrealized = -20000000000; /* -200 */
	sn->pos[1].roe = -3333333;
	sn->total_pnl = 30000000000;
	sn->daily_pnl = -4250000000;          /* -42.5 */
	sn->day_start = 1796601600LL * TL_NS_PER_S; /* 2026-12-07 00:00 UTC */
	sn->inputs = 42;
	sn->fills = 9;
	sn->lat_p50 = 800;
	sn->foreign_updates = 4;
	sn->ws_sent = 11;
	sn->rest_sent = 5;
	sn->ws_fallbacks = 3;
	sn->ws_sessions = 2;
	sn->ws_drops = 1;
	sn->venue_connected = 1;
	sn->venue_conns = 4;
	sn->venue_stream = 2;                 /* TL_VENUE_STREAM_UP */
	sn->venue_clock_synced = 1;
	sn->clock_offset_ns = -2500000;
	sn->weight_used = 37;
	sn->weight_limit = 2400;
	sn->orders_10s = 3;
	sn->orders_10s_limit = 300;
	sn->orders_1m = 9;
	sn->orders_1m_limit = 1200;
	sn->http_429 = 2;
	sn->daily_loss_limit = 100000000000;  /* 1000 */
	/* Orders: one open (out of 8: 7 did not fit), one finished whose
	 * history lost its first changes, one with a status no build knows
	 * (the block is anyone's of this user to write). */
	sn->n_ord = 3;
	sn->n_ord_open = 1;
	sn->ord_dropped = 7;
	tl_shm_ord_t *o = &sn->ord[0];
	snprintf(o->client_id, sizeof o->client_id, "tlT-7");
	snprintf(o->symbol, sizeof o->symbol, "BTCUSDT");
	o->side = TL_BUY;
	o->type = TL_ORD_LIMIT;
	o->tif = TL_TIF_GTC;
	o->status = TL_ST_PARTIALLY_FILLED;
	o->qty = 100000000;                   /* 1 */
	o->price = 4000050000000;             /* 40000.5 */
	o->filled = 25000000;                 /* 0.25 */
	o->avg_price = 4000000000000;
	o->venue_id = 991;
	o->user_ref = 17;
	o->strat = 1;                         /* "alpha" (strategy rows below) */
	o->created = sn->published - 90 * TL_NS_PER_S;
	o->n_hist = o->hist_total = 4;
	static const uint8_t h0[] = { TL_ST_PENDING_NEW, TL_ST_SENT, TL_ST_NEW,
				      TL_ST_PARTIALLY_FILLED };
	for (int i = 0; i < 4; i++)
		o->hist[i] = (tl_shm_ord_hist_t){ .status = h0[i],
						  .time = o->created + i * TL_NS_PER_MS };
	o = &sn->ord[1];
	snprintf(o->client_id, sizeof o->client_id, "tlT-6");
	snprintf(o->symbol, sizeof o->symbol, "ETHUSDT");
	o->side = TL_SELL;
	o->type = TL_ORD_MARKET;
	o->role = 4;                          /* LIQUIDATION */
	o->reduce_only = 1;
	o->status = TL_ST_FILLED;
	o->qty = o->filled = 200000000;
	o->n_hist = 8;
	o->hist_total = 11;
	for (int i = 0; i < 8; i++)
		o->hist[i] = (tl_shm_ord_hist_t){ .status = i == 7 ? TL_ST_FILLED
								    : TL_ST_PARTIALLY_FILLED,
						  .time = sn->published - (8 - i) * TL_NS_PER_S };
	o = &sn->ord[2];
	snprintf(o->client_id, sizeof o->client_id, "tlT-5");
	snprintf(o->symbol, sizeof o->symbol, "ETHUSDT");
	o->side = 9;
	o->status = 200;
	o->role = 77;
	o->n_hist = 250;                      /* more than there is room for */
	/* strategy rows: the untagged one unused (not shown), two tags, and
	 * a name no engine writes (shown as "?") */
	sn->n_strat = 4;
	snprintf(sn->strat[1].name, sizeof sn->strat[1].name, "alpha");
	sn->strat[1].realized = 10000000000;     /* 100 */
	sn->strat[1].unrealized = -2000000000;   /* -20 */
	sn->strat[1].commission = 150000000;     /* 1.5 */
	sn->strat[1].orders = 4;
	sn->strat[1].fills = 3;
	snprintf(sn->strat[2].name, sizeof sn->strat[2].name, "beta_2");
	sn->strat[2].orders = 1;
	memcpy(sn->strat[3].name, "bad\"name\n", 10);
	if (e->kills || e->raw_reason[0]) {
		sn->emg_total = 1;
		sn->emg_started = sn->published;
		memcpy(sn->emg_reason, e->raw_reason[0] ? e->raw_reason : e->kill_reason,
		       sizeof sn->emg_reason);
	}
	tl_shm_publish(e->s, sn);
}

static void *fake_run(void *arg)
{
	struct fake_engine *e = arg;
	char reason[TL_TEXT_LEN], cid[TL_CLID_LEN], msg[96];
	struct timespec nap = { 0, 500 * 1000 };
	tl_kill_cmd_t cmd;
	tl_ctl_req_t req;
	int32_t result;

	while (!atomic_load(&e->stop)) {
		tl_shm_heartbeat(e->s, now_rt());
		pthread_mutex_lock(&e->mu);
		if (!atomic_load(&e->deaf) &&
		    tl_shm_kill_poll(e->s, &cmd, reason, sizeof reason)) {
			e->kills++;
			snprintf(e->kill_reason, sizeof e->kill_reason, "%s", reason);
			e->state = TL_TS_LIQUIDATING;
		}
		while (!atomic_load(&e->mute) && tl_shm_next_request(e->s, &req)) {
			const tl_input_t *in = &req.in;

			e->last = req.in;
			e->nreq++;
			result = 0;
			cid[0] = msg[0] = '\0';
			switch (in->hdr.type) {
			case TL_IN_SUBMIT:
				if (in->u.submit.qty > 100 * TL_FX_ONE) {
					result = TL_REJ_MAX_ORDER_QTY;
					snprintf(msg, sizeof msg, "qty above 100");
				} else {
					snprintf(cid, sizeof cid, "tlT-%llu",
						 (unsigned long long)req.id);
				}
				break;
			case TL_IN_SIGNAL:
				snprintf(cid, sizeof cid, "tlS-%llu",
					 (unsigned long long)req.id);
				break;
			case TL_IN_CANCEL:
				snprintf(cid, sizeof cid, "%s", in->u.cancel.client_id);
				break;
			case TL_IN_CONTROL:
				if (in->u.control.cmd == TL_CTL_HALT)
					e->state = TL_TS_REDUCING;
				else if (in->u.control.cmd == TL_CTL_PAUSE)
					e->state = TL_TS_PAUSED;
				else if (in->u.control.cmd == TL_CTL_RESUME)
					e->state = TL_TS_NORMAL;
				snprintf(msg, sizeof msg, "state %s",
					 tl_trading_state_name(e->state));
				break;
			default:
				break;
			}
			tl_shm_reply(e->s, req.id, result, cid, msg);
		}
		fake_publish(e);
		pthread_mutex_unlock(&e->mu);
		nanosleep(&nap, NULL);
	}
	return NULL;
}

static void engine_start_on(struct fake_engine *e)
{
	char err[256];

	tl_shm_snapshot_t *snap = e->snap;	/* kept across tests */

	memset(e, 0, sizeof *e);
	e->snap = snap ? snap : calloc(1, sizeof *e->snap);
	CU_ASSERT_PTR_NOT_NULL_FATAL(e->snap);
	pthread_mutex_init(&e->mu, NULL);
	snprintf(e->name, sizeof e->name, "c%d_%d", (int)getpid(), ++block_counter);
	CU_ASSERT_EQUAL_FATAL(tl_shm_create(e->name, &e->s, err, sizeof err), 0);
	snprintf(e->s->clid_prefix, sizeof e->s->clid_prefix, "%.16s-", e->name);
	e->state = TL_TS_NORMAL;
	fake_publish(e);
	CU_ASSERT_EQUAL_FATAL(pthread_create(&e->th, NULL, fake_run, e), 0);
}

static void engine_stop_on(struct fake_engine *e)
{
	if (!e->s)
		return;
	atomic_store(&e->stop, true);
	pthread_join(e->th, NULL);
	tl_shm_detach(e->s, e->name, true);
	pthread_mutex_destroy(&e->mu);
	e->s = NULL;
}

static void engine_start(void)
{
	engine_start_on(&E);
}

static void engine_stop(void)
{
	engine_stop_on(&E);
}

/* ---- running talon ctl ------------------------------------------------------ */

static char out[65536], errout[65536];

static void slurp(int fd, char *buf, size_t cap)
{
	size_t n = 0;
	ssize_t r;

	while (n + 1 < cap && (r = read(fd, buf + n, cap - 1 - n)) > 0)
		n += (size_t)r;
	buf[n] = '\0';
	close(fd);
}

/* Run `talon ctl ARGS... NULL`; stdout in out, stderr in errout. Returns
 * the exit code (-1 on a signal). */
static int ctl(const char *arg, ...)
{
	char *argv[40];
	int po[2], pe[2], st, n = 0;
	posix_spawn_file_actions_t fa;
	va_list ap;
	pid_t pid;

	argv[n++] = talon_bin;
	argv[n++] = "ctl";
	va_start(ap, arg);
	for (const char *a = arg; a && n < 38; a = va_arg(ap, const char *))
		argv[n++] = (char *)a;
	va_end(ap);
	argv[n] = NULL;
	if (pipe2(po, O_CLOEXEC) || pipe2(pe, O_CLOEXEC))
		return -2;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, po[1], 1);
	posix_spawn_file_actions_adddup2(&fa, pe[1], 2);
	if (posix_spawn(&pid, talon_bin, &fa, NULL, argv, environ) != 0) {
		posix_spawn_file_actions_destroy(&fa);
		return -2;
	}
	posix_spawn_file_actions_destroy(&fa);
	close(po[1]);
	close(pe[1]);
	slurp(po[0], out, sizeof out); /* outputs are far below a pipe's size */
	slurp(pe[0], errout, sizeof errout);
	waitpid(pid, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

#define CONTAINS(hay, needle)                                                  \
	do {                                                                   \
		if (!strstr((hay), (needle))) {                                \
			fprintf(stderr, "\n    missing '%s' in:\n%s\n", (needle), \
				(hay));                                        \
			CU_FAIL("output lacks " needle);                        \
		}                                                              \
	} while (0)

/* The text outcome line of a state-changing command on engine E. */
static const char *acted(const char *cmd, const char *outcome)
{
	static char buf[512];

	snprintf(buf, sizeof buf, "%s: engine '%s' (pid %d): %s\n", cmd, E.name,
		 (int)getpid(), outcome);
	return buf;
}

/* The JSON outcome line of a request command on engine E. */
static const char *acted_json(const char *ok, const char *cid, const char *reason,
			      const char *msg)
{
	static char buf[512];

	snprintf(buf, sizeof buf, "{\"ok\":%s,\"engine\":\"%s\",\"pid\":%d,"
		 "\"client_id\":%s,\"reason\":%s,\"message\":%s}\n", ok, E.name,
		 (int)getpid(), cid, reason, msg);
	return buf;
}

static tl_input_t last_input(int *nreq)
{
	tl_input_t in;

	pthread_mutex_lock(&E.mu);
	in = E.last;
	if (nreq)
		*nreq = E.nreq;
	pthread_mutex_unlock(&E.mu);
	return in;
}

/* ---- tests ----------------------------------------------------------------------- */

static void test_help_lists_every_command_and_flag(void)
{
	static const char *const words[] = {
		"--engine", "--json", "status", "orders", "order CLIENT_ID", "submit",
		"--symbol", "--side",
		"BUY|SELL", "--type", "MARKET|LIMIT", "--qty", "--price", "--tif",
		"GTC|IOC|FOK|GTX", "--reduce-only", "--position-side",
		"BOTH|LONG|SHORT", "cancel", "--client-id", "cancel-all", "signal",
		"LONG_ENTRY|SHORT_ENTRY|CLOSE_LONG|CLOSE_SHORT", "--tp", "--sl",
		"liquidate", "--reason", "halt", "pause", "resume", "exit status",
		"--strategy",
	};

	CU_ASSERT_EQUAL(ctl("--help", NULL), 0);
	for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
		if (!strstr(out, words[i])) {
			fprintf(stderr, "help lacks %s\n", words[i]);
			CU_FAIL("help incomplete");
		}
	CU_ASSERT_EQUAL(ctl("submit", "--help", NULL), 0);
	CU_ASSERT_EQUAL(ctl(NULL), 2);
	CU_ASSERT_EQUAL(ctl("frobnicate", NULL), 2);
	CONTAINS(errout, "unknown command 'frobnicate'");
}

static void test_status_text(void)
{
	char want[64];

	engine_start();
	CU_ASSERT_EQUAL(ctl("--engine", E.name, "status", NULL), 0);
	if (getenv("TL_TEST_VERBOSE"))
		fprintf(stderr, "\n%s", out);
	CONTAINS(out, E.name);
	snprintf(want, sizeof want, "%d (running)", (int)getpid());
	CONTAINS(out, want);
	CONTAINS(out, "NORMAL");
	CONTAINS(out, "3 open");
	CONTAINS(out, "inputs=42");
	CONTAINS(out, "daily pnl  -42.5 (day began 2026-12-07 00:00 UTC)");
	CONTAINS(out, "BTCUSDT");
	CONTAINS(out, "LONG");
	CONTAINS(out, "51000");
	CONTAINS(out, "10.00");       /* roe % */
	CONTAINS(out, "ETHUSDT");
	CONTAINS(out, "SHORT");
	CONTAINS(out, "-200");
	CONTAINS(out, "ROE%");
	CONTAINS(out, "STRATEGY");
	CONTAINS(out, "\nalpha                 4       3            100            -20          1.5           78.5\n");
	CONTAINS(out, "\nbeta_2                1       0              0              0            0              0\n");
	CONTAINS(out, "\n?                     0       0");
	CU_ASSERT_PTR_NULL(strstr(out, "(untagged)"));
	CONTAINS(out, "venue      connected, 4 connections, stream up, clock offset -2.500ms\n"
		 "           weight 37/2400 per minute, orders 3/300 per 10s, 9/1200 per minute"
		 ", answers 429: 2, 418: 0\n");
	engine_stop();
}

/* The engine heartbeats after ctl read its clock: the age is 0, not a
 * negative number ("-" in text). */
static void test_status_heartbeat_newer_than_ctl_clock(void)
{
	engine_start();
	atomic_store(&E.stop, true);	/* no more heartbeats from the thread */
	pthread_join(E.th, NULL);
	atomic_store(&E.s->heartbeat, now_rt() + 2 * TL_NS_PER_S);
	CU_ASSERT_EQUAL(ctl("--engine", E.name, "status", NULL), 0);
	CONTAINS(out, "heartbeat  0.0s ago");
	CU_ASSERT_EQUAL(ctl("--engine", E.name, "status", "--json", NULL), 0);
	CONTAINS(out, "\"heartbeat_age_ns\":0,");
	tl_shm_detach(E.s, E.name, true);
	pthread_mutex_destroy(&E.mu);
	E.s = NULL;
}

static void test_status_json(void)
{
	cJSON *j, *p, *c;

	engine_start();
	CU_ASSERT_EQUAL(ctl("status", "--engine", E.name, "--json", NULL), 0);
	if (getenv("TL_TEST_VERBOSE"))
		fprintf(stderr, "\n%s", out);
	j = cJSON_Parse(out);
	CU_ASSERT_PTR_NOT_NULL_FATAL(j);
	CU_ASSERT_STRING_EQUAL(cJSON_GetObjectItem(j, "engine")->valuestring, E.name);
	CU_ASSERT_EQUAL(cJSON_GetObjectItem(j, "pid")->valueint, getpid());
	CU_ASSERT(cJSON_IsTrue(cJSON_GetObjectItem(j, "alive")));
	CU_ASSERT_STRING_EQUAL(cJSON_GetObjectItem(j, "state")->valuestring, "NORMAL");
	CU_ASSERT_EQUAL(cJSON_GetObjectItem(j, "open_orders")->valueint, 3);
	CU_ASSERT_STRING_EQUAL(cJSON_GetObjectItem(j, "total_pnl")->valuestring, "300");
	CU_ASSERT_STRING_EQUAL(cJSON_GetObjectItem(j, "daily_pnl")->valuestring, "-42.5");
	CU_ASSERT_EQUAL(cJSON_GetObjectItem(j, "day_start_ns")->valuedouble,
			1796601600.0 * 1e9);
	p = cJSON_GetObjectItem(j, "positions");
	CU_ASSERT_FATAL(cJSON_IsArray(p) && cJSON_GetArraySize(p) == 2);
	c = cJSON_GetArrayItem(p, 0);
	CU_ASSERT_STRING_EQUAL(cJSON_GetObjectItem(c, "symbol")->valuestring, "BTCUSDT");
	CU_ASSERT_STRING_EQUAL(cJSON_GetObjectItem(c, "side")->valuestring, "LONG");
	CU_ASSERT_STRING_EQUAL(cJSON_GetObjectItem(c, "qty")->valuestring, "0.5");
	CU_ASSERT_STRING_EQUAL(cJSON_GetObjectItem(c, "entry")->valuestring, "50000");
	CU_ASSERT_STRING_EQUAL(cJSON_GetObjectItem(c, "mark")->valuestring, "51000");
	CU_ASSERT_STRING_EQUAL(cJSON_GetObjectItem(c, "unrealized")->valuestring, "500");
	CU_ASSERT_STRING_EQUAL(cJSON_GetObjectItem(c, "realized")->valuestring, "12.5");
	CU_ASSERT_STRING_EQUAL(cJSON_GetObjectItem(c, "roe")->valuestring, "0.1");
	c = cJSON_GetArrayItem(p, 1);
	CU_ASSERT_STRING_EQUAL(cJSON_GetObjectItem(c, "side")->valuestring, "SHORT");
	CU_ASSERT_STRING_EQUAL(cJSON_GetObjectItem(c, "position_side")->valuestring, "SHORT");
	CU_ASSERT_STRING_EQUAL(cJSON_GetObjectItem(c, "qty")->valuestring, "-2");
	CU_ASSERT_STRING_EQUAL(cJSON_GetObjectItem(c, "roe")->valuestring, "-0.03333333");
	p = cJSON_GetObjectItem(j, "strategies");
	CU_ASSERT_FATAL(cJSON_IsArray(p) && cJSON_GetArraySize(p) == 3);
	c = cJSON_GetArrayItem(p, 0);
	CU_ASSERT_STRING_EQUAL(cJSON_GetObjectItem(c, "strategy")->valuestring, "alpha");
	CU_ASSERT_EQUAL(cJSON_GetObjectItem(c, "orders")->valueint, 4);
	CU_ASSERT_EQUAL(cJSON_GetObjectItem(c, "fills")->valueint, 3);
	CU_ASSERT_STRING_EQUAL(cJSON_GetObjectItem(c, "realized")->valuestring, "100");
	CU_ASSERT_STRING_EQUAL(cJSON_GetObjectItem(c, "unrealized")->valuestring, "-20");
	CU_ASSERT_STRING_EQUAL(cJSON_GetObjectItem(c, "commission")->valuestring, "1.5");
	CU_ASSERT_STRING_EQUAL(cJSON_GetObjectItem(c, "net")->valuestring, "78.5");
	c = cJSON_GetArrayItem(p, 2);
	CU_ASSERT_STRING_EQUAL(cJSON_GetObjectItem(c, "strategy")->valuestring, "?");
	c = cJSON_GetObjectItem(j, "counters");
	CU_ASSERT_FATAL(cJSON_IsObject(c));
	CU_ASSERT_EQUAL(cJSON_GetObjectItem(c, "inputs")->valueint, 42);
	CU_ASSERT_EQUAL(cJSON_GetObjectItem(c, "fills")->valueint, 9);
	c = cJSON_GetObjectItem(j, "venue");
	CU_ASSERT_FATAL(cJSON_IsObject(c));
	CU_ASSERT(cJSON_IsTrue(cJSON_GetObjectItem(c, "connected")));
	CU_ASSERT_EQUAL(cJSON_GetObjectItem(c, "connections")->valueint, 4);
	CU_ASSERT_STRING_EQUAL(cJSON_GetObjectItem(c, "stream")->valuestring, "up");
	CU_ASSERT_EQUAL(cJSON_GetObjectItem(c, "clock_offset_ns")->valueint, -2500000);
	CU_ASSERT_EQUAL(cJSON_GetObjectItem(c, "weight_used")->valueint, 37);
	CU_ASSERT_EQUAL(cJSON_GetObjectItem(c, "weight_limit")->valueint, 2400);
	CU_ASSERT_EQUAL(cJSON_GetObjectItem(c, "orders_1m_limit")->valueint, 1200);
	CU_ASSERT_EQUAL(cJSON_GetObjectItem(c, "http_429")->valueint, 2);
	CU_ASSERT_STRING_EQUAL(cJSON_GetObjectItem(j, "daily_loss_limit")->valuestring, "1000");
	CU_ASSERT_STRING_EQUAL(cJSON_GetObjectItem(j, "loss_limit")->valuestring, "0");
	c = cJSON_GetObjectItem(j, "emergency");
	CU_ASSERT_FATAL(cJSON_IsObject(c));
	CU_ASSERT(cJSON_IsFalse(cJSON_GetObjectItem(c, "active")));
	CU_ASSERT(cJSON_IsNull(cJSON_GetObjectItem(c, "reason")));
	cJSON_Delete(j);
	engine_stop();
}

static void test_submit_accepted_carries_every_flag(void)
{
	tl_input_t in;

	engine_start();
	CU_ASSERT_EQUAL(ctl("--engine", E.name, "submit", "--symbol", "BTCUSDT",
			    "--side", "SELL", "--type", "LIMIT", "--qty", "0.001",
			    "--price", "65000.5", "--tif", "GTX", "--reduce-only",
			    "--position-side", "LONG", "--strategy", "mm-1", NULL), 0);
	CU_ASSERT_STRING_EQUAL(out, acted("submit", "tlT-1"));
	in = last_input(NULL);
	CU_ASSERT_EQUAL(in.hdr.type, TL_IN_SUBMIT);
	CU_ASSERT_STRING_EQUAL(in.u.submit.symbol, "BTCUSDT");
	CU_ASSERT_EQUAL(in.u.submit.side, TL_SELL);
	CU_ASSERT_EQUAL(in.u.submit.type, TL_ORD_LIMIT);
	CU_ASSERT_EQUAL(in.u.submit.qty, fx("0.001"));
	CU_ASSERT_EQUAL(in.u.submit.price, fx("65000.5"));
	CU_ASSERT_EQUAL(in.u.submit.tif, TL_TIF_GTX);
	CU_ASSERT_EQUAL(in.u.submit.reduce_only, 1);
	CU_ASSERT_EQUAL(in.u.submit.pos_side, TL_PS_LONG);
	CU_ASSERT_STRING_EQUAL(in.u.submit.strategy, "mm-1");

	CU_ASSERT_EQUAL(ctl("--engine", E.name, "--json", "submit", "--symbol",
			    "ethusdt", "--side", "BUY", "--type", "MARKET",
			    "--qty", "2", NULL), 0);
	CU_ASSERT_STRING_EQUAL(out, acted_json("true", "\"tlT-2\"", "null", "null"));
	CONTAINS(out, "\"reason\":null");
	in = last_input(NULL);
	CU_ASSERT_STRING_EQUAL(in.u.submit.symbol, "ETHUSDT");
	CU_ASSERT_EQUAL(in.u.submit.type, TL_ORD_MARKET);
	CU_ASSERT_EQUAL(in.u.submit.price, 0);
	CU_ASSERT_EQUAL(in.u.submit.reduce_only, 0);
	CU_ASSERT_EQUAL(in.u.submit.pos_side, TL_PS_BOTH);
	CU_ASSERT_STRING_EQUAL(in.u.submit.strategy, "");
	engine_stop();
}

static void test_submit_refused_prints_reason_exits_1(void)
{
	engine_start();
	CU_ASSERT_EQUAL(ctl("--engine", E.name, "submit", "--symbol", "BTCUSDT",
			    "--side", "BUY", "--type", "MARKET", "--qty", "101",
			    NULL), 1);
	CU_ASSERT_STRING_EQUAL(out, acted("submit", "refused: MAX_ORDER_QTY: qty above 100"));
	CU_ASSERT_EQUAL(ctl("--engine", E.name, "submit", "--json", "--symbol",
			    "BTCUSDT", "--side", "BUY", "--type", "MARKET",
			    "--qty", "101", NULL), 1);
	CU_ASSERT_STRING_EQUAL(out, acted_json("false", "null", "\"MAX_ORDER_QTY\"",
					       "\"qty above 100\""));
	engine_stop();
}

/* Each bad value exits 2 naming the flag, and sends nothing. */
static void test_bad_flags_exit_2_naming_the_flag(void)
{
	static const struct { const char *a[16]; const char *want; } cases[] = {
		{ { "submit", "--symbol", "BTCUSDT", "--side", "HOLD", "--type", "MARKET", "--qty", "1" }, "--side" },
		{ { "submit", "--symbol", "BTCUSDT", "--side", "BUY", "--type", "STOP", "--qty", "1" }, "--type" },
		{ { "submit", "--symbol", "BTCUSDT", "--side", "BUY", "--type", "MARKET", "--qty", "abc" }, "--qty" },
		{ { "submit", "--symbol", "BTCUSDT", "--side", "BUY", "--type", "MARKET", "--qty", "0" }, "--qty" },
		{ { "submit", "--symbol", "BTCUSDT", "--side", "BUY", "--type", "MARKET", "--qty", "0.000000001" }, "--qty" },
		{ { "submit", "--symbol", "BTCUSDT", "--side", "BUY", "--type", "LIMIT", "--qty", "1" }, "--price" },
		{ { "submit", "--symbol", "BTCUSDT", "--side", "BUY", "--type", "LIMIT", "--qty", "1", "--price", "-5" }, "--price" },
		{ { "submit", "--symbol", "BTCUSDT", "--side", "BUY", "--type", "LIMIT", "--qty", "1", "--price", "5", "--tif", "DAY" }, "--tif" },
		{ { "submit", "--symbol", "BTCUSDT", "--side", "BUY", "--type", "MARKET", "--qty", "1", "--position-side", "UP" }, "--position-side" },
		{ { "submit", "--side", "BUY", "--type", "MARKET", "--qty", "1" }, "--symbol" },
		{ { "submit", "--symbol", "BTC/USDT", "--side", "BUY", "--type", "MARKET", "--qty", "1" }, "--symbol" },
		{ { "submit", "--symbol", "BTCUSDT", "--side", "BUY", "--type", "MARKET", "--qty", "1", "--bogus" }, "--bogus" },
		{ { "submit", "--symbol", "BTCUSDT", "--side", "BUY", "--type", "MARKET", "--qty" }, "--qty" },
		{ { "cancel", "--symbol", "BTCUSDT" }, "--client-id" },
		{ { "cancel", "--symbol", "BTCUSDT", "--client-id", "has space" }, "--client-id" },
		{ { "signal", "--symbol", "BTCUSDT", "--qty", "1" }, "signal" },
		{ { "signal", "BUY_MORE", "--symbol", "BTCUSDT", "--qty", "1" }, "BUY_MORE" },
		{ { "signal", "LONG_ENTRY", "--symbol", "BTCUSDT", "--qty", "1", "--tp", "x" }, "--tp" },
		{ { "signal", "LONG_ENTRY", "--symbol", "BTCUSDT", "--qty", "1", "--sl", "1e5" }, "--sl" },
		{ { "liquidate" }, "--reason" },
		{ { "liquidate", "--reason", "" }, "--reason" },
		{ { "halt", "--symbol", "X" }, "--symbol" },
		{ { "status", "extra" }, "extra" },
	};
	int nreq0, nreq1;

	engine_start();
	last_input(&nreq0);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const char *const *a = cases[i].a;
		int rc = ctl("--engine", E.name, a[0], a[1], a[2], a[3], a[4], a[5],
			     a[6], a[7], a[8], a[9], a[10], a[11], a[12], a[13],
			     a[14], NULL);
		if (rc != 2 || !strstr(errout, cases[i].want)) {
			fprintf(stderr, "\n    case %zu (%s): rc %d, stderr: %s", i,
				cases[i].want, rc, errout);
			CU_FAIL("bad flag not reported");
		}
	}
	last_input(&nreq1);
	CU_ASSERT_EQUAL(nreq1, nreq0);
	CU_ASSERT_EQUAL(ctl("--engine", "bad/name", "status", NULL), 2);
	CONTAINS(errout, "--engine");
	engine_stop();
}

static void test_cancel_cancel_all_signal_inputs(void)
{
	tl_input_t in;

	engine_start();
	CU_ASSERT_EQUAL(ctl("--engine", E.name, "cancel", "--symbol", "BTCUSDT",
			    "--client-id", "tlT-abc.1", NULL), 0);
	CU_ASSERT_STRING_EQUAL(out, acted("cancel", "tlT-abc.1"));
	in = last_input(NULL);
	CU_ASSERT_EQUAL(in.hdr.type, TL_IN_CANCEL);
	CU_ASSERT_STRING_EQUAL(in.u.cancel.client_id, "tlT-abc.1");
	CU_ASSERT_STRING_EQUAL(in.u.cancel.symbol, "BTCUSDT");

	CU_ASSERT_EQUAL(ctl("--engine", E.name, "cancel-all", NULL), 0);
	in = last_input(NULL);
	CU_ASSERT_EQUAL(in.hdr.type, TL_IN_CANCEL_ALL);
	CU_ASSERT_STRING_EQUAL(in.u.cancel.symbol, "");
	CU_ASSERT_EQUAL(ctl("--engine", E.name, "cancel-all", "--symbol", "ETHUSDT", NULL), 0);
	in = last_input(NULL);
	CU_ASSERT_STRING_EQUAL(in.u.cancel.symbol, "ETHUSDT");

	CU_ASSERT_EQUAL(ctl("--engine", E.name, "signal", "SHORT_ENTRY", "--symbol",
			    "ETHUSDT", "--qty", "0.25", "--tp", "2900", "--sl",
			    "3100.5", "--strategy", "abcdefghijklmno", NULL), 0);
	CONTAINS(out, "): tlS-");
	in = last_input(NULL);
	CU_ASSERT_EQUAL(in.hdr.type, TL_IN_SIGNAL);
	CU_ASSERT_EQUAL(in.u.signal.signal, TL_SIG_SHORT_ENTRY);
	CU_ASSERT_STRING_EQUAL(in.u.signal.symbol, "ETHUSDT");
	CU_ASSERT_EQUAL(in.u.signal.qty, fx("0.25"));
	CU_ASSERT_EQUAL(in.u.signal.tp, fx("2900"));
	CU_ASSERT_EQUAL(in.u.signal.sl, fx("3100.5"));
	CU_ASSERT_EQUAL(in.u.signal.price, 0);
	CU_ASSERT_EQUAL(memcmp(in.u.signal.strategy, "abcdefghijklmno", 16), 0);

	/* a bad tag is a usage error naming the flag; nothing is sent */
	int n0 = 0, n1 = 0;
	last_input(&n0);
	CU_ASSERT_EQUAL(ctl("--engine", E.name, "signal", "LONG_ENTRY", "--symbol",
			    "ETHUSDT", "--qty", "1", "--strategy", "two words", NULL), 2);
	CONTAINS(errout, "--strategy");
	CU_ASSERT_EQUAL(ctl("--engine", E.name, "submit", "--symbol", "BTCUSDT",
			    "--side", "BUY", "--type", "MARKET", "--qty", "1",
			    "--strategy", "abcdefghijklmnop", NULL), 2);
	CONTAINS(errout, "--strategy");
	CU_ASSERT_EQUAL(ctl("--engine", E.name, "cancel-all", "--strategy", "x", NULL), 2);
	last_input(&n1);
	CU_ASSERT_EQUAL(n0, n1);
	engine_stop();
}

static void test_halt_pause_resume_go_through_the_ring(void)
{
	static const struct { const char *cmd; uint8_t ctl; const char *state; } c[] = {
		{ "halt", TL_CTL_HALT, "REDUCING" },
		{ "pause", TL_CTL_PAUSE, "PAUSED" },
		{ "resume", TL_CTL_RESUME, "NORMAL" },
	};
	tl_input_t in;

	engine_start();
	for (size_t i = 0; i < 3; i++) {
		CU_ASSERT_EQUAL(ctl("--engine", E.name, c[i].cmd, NULL), 0);
		CONTAINS(out, c[i].state);
		in = last_input(NULL);
		CU_ASSERT_EQUAL(in.hdr.type, TL_IN_CONTROL);
		CU_ASSERT_EQUAL(in.u.control.cmd, c[i].ctl);
		CU_ASSERT_NSTRING_EQUAL(in.u.control.reason, "talon ctl ", 10);
		CU_ASSERT_EQUAL(ctl("--engine", E.name, "--json", "status", NULL), 0);
		CONTAINS(out, c[i].state);
	}
	engine_stop();
}

static void test_liquidate_sets_kill_word_even_with_ring_full(void)
{
	tl_ctl_req_t req;
	char reason[TL_TEXT_LEN];
	int kills, n = 0;

	engine_start();
	/* Stop answering and fill the ring: the kill switch must still work. */
	atomic_store(&E.mute, true);
	memset(&req, 0, sizeof req);
	while (tl_shm_request(E.s, &req)) {
		n++;
		req.id = 0;
	}
	CU_ASSERT_EQUAL(n, TL_SHM_CTL_SLOTS);
	CU_ASSERT_EQUAL(ctl("--engine", E.name, "liquidate", "--reason",
			    "drawdown limit", NULL), 0);
	CU_ASSERT_STRING_EQUAL(out, acted("liquidate", "liquidation started"));
	pthread_mutex_lock(&E.mu);
	kills = E.kills;
	snprintf(reason, sizeof reason, "%s", E.kill_reason);
	pthread_mutex_unlock(&E.mu);
	CU_ASSERT_EQUAL(kills, 1);
	CU_ASSERT_STRING_EQUAL(reason, "drawdown limit");
	CU_ASSERT_EQUAL(ctl("--engine", E.name, "--json", "status", NULL), 0);
	CONTAINS(out, "\"state\":\"LIQUIDATING\"");
	CONTAINS(out, "\"kill\":{\"seq\":1,\"seen\":1}");
	engine_stop();
}

static void test_liquidate_not_seen_exits_1(void)
{
	engine_start();
	atomic_store(&E.deaf, true);
	CU_ASSERT_EQUAL(ctl("--engine", E.name, "--json", "liquidate", "--reason",
			    "test", NULL), 1);
	CONTAINS(out, "\"ok\":false");
	CONTAINS(out, "\"reason\":\"NOT_SEEN\"");
	CONTAINS(out, "has not seen the kill switch yet");
	/* The word stays set: the engine acts on it when it looks again. */
	atomic_store(&E.deaf, false);
	for (int i = 0; i < 2000 && atomic_load(&E.s->kill.seen) < 1; i++)
		usleep(1000);
	CU_ASSERT_EQUAL(atomic_load(&E.s->kill.seen), 1);
	engine_stop();
}

static void test_engine_that_does_not_answer_times_out(void)
{
	engine_start();
	atomic_store(&E.mute, true);
	CU_ASSERT_EQUAL(ctl("--engine", E.name, "resume", NULL), 1);
	CONTAINS(errout, "did not answer");
	engine_stop();
}

static void test_dead_engine_reported(void)
{
	char want[128];
	pid_t gone;

	engine_start();
	/* Stop the heartbeat thread but keep the block, as a crash would. */
	atomic_store(&E.stop, true);
	pthread_join(E.th, NULL);

	gone = fork();
	if (gone == 0)
		_exit(0);
	waitpid(gone, NULL, 0);
	atomic_store(&E.s->pid, gone);
	CU_ASSERT_EQUAL(ctl("--engine", E.name, "halt", NULL), 1);
	snprintf(want, sizeof want, "engine '%s' is not running (pid %d gone)",
		 E.name, (int)gone);
	CONTAINS(errout, want);
	CU_ASSERT_EQUAL(ctl("--engine", E.name, "liquidate", "--reason", "x", NULL), 1);
	CONTAINS(errout, want);
	CU_ASSERT_EQUAL(atomic_load(&E.s->kill.seq), 0); /* not set for a dead engine */
	/* status still shows the last snapshot, says why, exits 1 */
	CU_ASSERT_EQUAL(ctl("--engine", E.name, "status", NULL), 1);
	CONTAINS(out, "NOT RUNNING");
	CONTAINS(out, "BTCUSDT");
	CU_ASSERT_EQUAL(ctl("--engine", E.name, "status", "--json", NULL), 1);
	CONTAINS(out, "\"alive\":false");

	atomic_store(&E.s->pid, getpid());
	atomic_store(&E.s->heartbeat, now_rt() - 9 * TL_NS_PER_S);
	CU_ASSERT_EQUAL(ctl("--engine", E.name, "--json", "submit", "--symbol", "BTCUSDT",
			    "--side", "BUY", "--type", "MARKET", "--qty", "1", NULL), 1);
	CONTAINS(out, "\"reason\":\"NOT_RUNNING\"");
	CONTAINS(out, "is not running (heartbeat 9s old)");

	tl_shm_detach(E.s, E.name, true);
	pthread_mutex_destroy(&E.mu);
	E.s = NULL;
	CU_ASSERT_EQUAL(ctl("--engine", E.name, "status", NULL), 1);
	CONTAINS(errout, "no talon engine named");
}


/* Two engines of this user running: a state-changing command without
 * --engine refuses and lists both (name, pid, uid, state); with --engine
 * it acts on that one and says which. */
static void test_two_engines_need_engine_flag(void)
{
	char want[160];
	int nreq0, nreq1;

	engine_start();
	engine_start_on(&E2);
	last_input(&nreq0);
	CU_ASSERT_EQUAL(ctl("liquidate", "--reason", "which one?", NULL), 1);
	CONTAINS(errout, "choose one with --engine NAME");
	for (int i = 0; i < 2; i++) {
		snprintf(want, sizeof want, "%s (pid %d, uid %u, NORMAL)",
			 i ? E2.name : E.name, (int)getpid(), (unsigned)geteuid());
		CONTAINS(errout, want);
	}
	CU_ASSERT_EQUAL(atomic_load(&E.s->kill.seq), 0);
	CU_ASSERT_EQUAL(atomic_load(&E2.s->kill.seq), 0);
	CU_ASSERT_EQUAL(ctl("--json", "pause", NULL), 1);
	CONTAINS(out, "\"reason\":\"NO_ENGINE\"");
	CONTAINS(out, "\"engine\":null");
	last_input(&nreq1);
	CU_ASSERT_EQUAL(nreq1, nreq0);
	CU_ASSERT_EQUAL(ctl("status", NULL), 1);	/* status too: which? */
	CONTAINS(errout, E2.name);

	CU_ASSERT_EQUAL(ctl("liquidate", "--engine", E2.name, "--reason", "this one",
			    NULL), 0);
	snprintf(want, sizeof want, "liquidate: engine '%s' (pid %d): liquidation "
		 "started\n", E2.name, (int)getpid());
	CU_ASSERT_STRING_EQUAL(out, want);
	CU_ASSERT_EQUAL(atomic_load(&E2.s->kill.seq), 1);
	CU_ASSERT_EQUAL(atomic_load(&E.s->kill.seq), 0);
	CU_ASSERT_EQUAL(ctl("--engine", E.name, "pause", NULL), 0);
	snprintf(want, sizeof want, "pause: engine '%s' (pid %d): state PAUSED\n",
		 E.name, (int)getpid());
	CU_ASSERT_STRING_EQUAL(out, want);
	engine_stop_on(&E2);
	engine_stop();
}

/* Every byte of out decodes as UTF-8 (the shared decoder, strict). */
static bool utf8_valid(const char *s)
{
	size_t len = strlen(s);
	uint32_t cp;

	for (size_t i = 0, n; i < len; i += n)
		if ((n = tl_utf8_decode(s + i, len - i, &cp)) == 0)
			return false;
	return true;
}

/* And an independent strict parser agrees, when there is one. */
static void python_json_ok(const char *json)
{
	char path[64], cmd[256];
	FILE *f;

	if (system("python3 -c 1 >/dev/null 2>&1") != 0) {
		fprintf(stderr, "    (no python3: strict check by cJSON + decoder only)\n");
		return;
	}
	snprintf(path, sizeof path, "/tmp/talon-ctl-json-%d", (int)getpid());
	f = fopen(path, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs(json, f);
	fclose(f);
	snprintf(cmd, sizeof cmd, "python3 -c 'import json,sys; json.loads(open(sys.argv[1],"
		 "\"rb\").read().decode(\"utf-8\",\"strict\"))' %s", path);
	CU_ASSERT_EQUAL(system(cmd), 0);
	unlink(path);
}

/* A kill reason of 62 ASCII bytes and a 4-byte emoji: cut before the
 * emoji (never inside it), and status --json stays valid JSON. */
static void test_status_json_valid_with_utf8_reason(void)
{
	char reason[80], want[TL_TEXT_LEN];
	cJSON *j;

	engine_start();
	memset(reason, 'a', 62);
	memcpy(reason + 62, "\xF0\x9F\x94\xA5", 5);
	CU_ASSERT_EQUAL(ctl("--engine", E.name, "liquidate", "--reason", reason, NULL), 0);
	CU_ASSERT_EQUAL(ctl("--engine", E.name, "status", "--json", NULL), 0);
	CU_ASSERT(utf8_valid(out));
	python_json_ok(out);
	j = cJSON_Parse(out);
	CU_ASSERT_PTR_NOT_NULL_FATAL(j);
	memset(want, 'a', 62);
	want[62] = '\0';
	CU_ASSERT_STRING_EQUAL(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "emergency"),
						   "reason")->valuestring, want);
	CU_ASSERT_EQUAL(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "counters"),
					    "foreign_updates")->valueint, 4);
	/* the venue's order transports (docs/binance.md) */
	static const struct { const char *k; int v; } xp[] = {
		{ "ws_sent", 11 }, { "rest_sent", 5 }, { "ws_fallbacks", 3 },
		{ "ws_sessions", 2 }, { "ws_drops", 1 },
	};
	for (size_t i = 0; i < sizeof xp / sizeof xp[0]; i++) {
		const cJSON *x = cJSON_GetObjectItem(cJSON_GetObjectItem(j, "counters"), xp[i].k);
		CU_ASSERT_TRUE(cJSON_IsNumber(x) && x->valueint == xp[i].v);
	}
	CU_ASSERT_EQUAL(cJSON_GetObjectItem(j, "owner_uid")->valueint, (int)geteuid());
	snprintf(want, sizeof want, "%s-", E.name);
	CU_ASSERT_STRING_EQUAL(cJSON_GetObjectItem(j, "client_id_prefix")->valuestring, want);
	cJSON_Delete(j);

	/* Raw bytes in the block (anyone of this user can write it): quote,
	 * backslash, control characters, a lone lead byte, 0xff. */
	pthread_mutex_lock(&E.mu);
	memcpy(E.raw_reason, "q\"b\\\\n\n\x01t\tx\xC3(\xFF\xF0\x9F\x94\xA5z\xE2\x82", 22);
	pthread_mutex_unlock(&E.mu);
	usleep(20 * 1000);
	CU_ASSERT_EQUAL(ctl("--engine", E.name, "status", "--json", NULL), 0);
	CU_ASSERT(utf8_valid(out));
	python_json_ok(out);
	j = cJSON_Parse(out);
	CU_ASSERT_PTR_NOT_NULL_FATAL(j);
	CU_ASSERT_STRING_EQUAL(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "emergency"),
						   "reason")->valuestring,
			       "q\"b\\\\n\n\x01t\tx\xEF\xBF\xBD(\xEF\xBF\xBD\xF0\x9F\x94\xA5z"
			       "\xEF\xBF\xBD\xEF\xBF\xBD");
	cJSON_Delete(j);
	/* text status shows the prefix, owner and counter too */
	CU_ASSERT_EQUAL(ctl("--engine", E.name, "status", NULL), 0);
	CONTAINS(out, "foreign_updates=4");
	CONTAINS(out, "ws_sent=11");
	CONTAINS(out, "rest_sent=5");
	CONTAINS(out, "ws_fallbacks=3");
	CONTAINS(out, "ws_sessions=2");
	CONTAINS(out, "ws_drops=1");
	CONTAINS(out, "owner      uid");
	engine_stop();
}

static int count(const char *hay, const char *needle)
{
	int n = 0;
	for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

/* orders and order read the snapshot: text, JSON, the filter, what did
 * not fit, a finished order's cut history, values no build knows. */
static void test_orders_and_order(void)
{
	engine_start();
	CU_ASSERT_EQUAL(ctl("--engine", E.name, "orders", NULL), 0);
	if (getenv("TL_TEST_VERBOSE"))
		fprintf(stderr, "\n%s", out);
	CONTAINS(out, ": 3 open orders\n");
	CONTAINS(out, "CLIENT_ID");
	CONTAINS(out, "tlT-7");
	CONTAINS(out, "40000.5");
	CONTAINS(out, "PARTIALLY_FILLED");
	CONTAINS(out, "1m30s");
	CONTAINS(out, "(7 more open orders not in the snapshot");
	CU_ASSERT_PTR_NULL(strstr(out, "tlT-6"));	/* finished: not listed */
	CU_ASSERT_EQUAL(ctl("--engine", E.name, "orders", "--symbol", "ETHUSDT", NULL), 0);
	CU_ASSERT_PTR_NULL(strstr(out, "tlT-7"));
	CU_ASSERT_EQUAL(ctl("--engine", E.name, "orders", "--symbol", "BTC USDT", NULL), 2);
	/* --strategy: by the tag's row in this engine's snapshot */
	CU_ASSERT_EQUAL(ctl("--engine", E.name, "orders", "--strategy", "alpha", NULL), 0);
	CONTAINS(out, "; strategy alpha\n");
	CONTAINS(out, "tlT-7");
	CU_ASSERT_EQUAL(ctl("--engine", E.name, "orders", "--strategy", "beta_2", NULL), 0);
	CU_ASSERT_PTR_NULL(strstr(out, "tlT-7"));
	CU_ASSERT_EQUAL(ctl("--engine", E.name, "orders", "--strategy", "never", NULL), 0);
	CU_ASSERT_PTR_NULL(strstr(out, "tlT-7"));
	CU_ASSERT_EQUAL(ctl("--engine", E.name, "orders", "--strategy", "a b", NULL), 2);

	CU_ASSERT_EQUAL(ctl("--engine", E.name, "orders", "--json", NULL), 0);
	CU_ASSERT(utf8_valid(out));
	python_json_ok(out);
	cJSON *j = cJSON_Parse(out);
	CU_ASSERT_PTR_NOT_NULL_FATAL(j);
	CU_ASSERT_EQUAL(cJSON_GetObjectItem(j, "open_orders")->valueint, 3);
	CU_ASSERT_EQUAL(cJSON_GetObjectItem(j, "not_listed")->valueint, 7);
	CU_ASSERT(cJSON_IsNull(cJSON_GetObjectItem(j, "symbol")));
	cJSON *a = cJSON_GetObjectItem(j, "orders");
	CU_ASSERT_FATAL(cJSON_IsArray(a) && cJSON_GetArraySize(a) == 1);
	cJSON *o = cJSON_GetArrayItem(a, 0);
	CU_ASSERT_STRING_EQUAL(cJSON_GetObjectItem(o, "client_id")->valuestring, "tlT-7");
	CU_ASSERT_STRING_EQUAL(cJSON_GetObjectItem(o, "side")->valuestring, "BUY");
	CU_ASSERT_STRING_EQUAL(cJSON_GetObjectItem(o, "type")->valuestring, "LIMIT");
	CU_ASSERT_STRING_EQUAL(cJSON_GetObjectItem(o, "tif")->valuestring, "GTC");
	CU_ASSERT_STRING_EQUAL(cJSON_GetObjectItem(o, "status")->valuestring, "PARTIALLY_FILLED");
	CU_ASSERT_STRING_EQUAL(cJSON_GetObjectItem(o, "price")->valuestring, "40000.5");
	CU_ASSERT_STRING_EQUAL(cJSON_GetObjectItem(o, "qty")->valuestring, "1");
	CU_ASSERT_STRING_EQUAL(cJSON_GetObjectItem(o, "filled")->valuestring, "0.25");
	CU_ASSERT_STRING_EQUAL(cJSON_GetObjectItem(o, "avg_price")->valuestring, "40000");
	CU_ASSERT_EQUAL(cJSON_GetObjectItem(o, "venue_id")->valueint, 991);
	CU_ASSERT_EQUAL(cJSON_GetObjectItem(o, "user_ref")->valueint, 17);
	CU_ASSERT_EQUAL(cJSON_GetObjectItem(o, "age_ns")->valuedouble, 90.0 * TL_NS_PER_S);
	CU_ASSERT_STRING_EQUAL(cJSON_GetObjectItem(o, "strategy")->valuestring, "alpha");
	CU_ASSERT(cJSON_IsNull(cJSON_GetObjectItem(j, "strategy")));
	cJSON_Delete(j);

	/* a finished order: its history, the earliest changes not kept */
	CU_ASSERT_EQUAL(ctl("--engine", E.name, "order", "tlT-6", NULL), 0);
	if (getenv("TL_TEST_VERBOSE"))
		fprintf(stderr, "\n%s", out);
	CONTAINS(out, "status     FILLED\n");
	CONTAINS(out, "order      SELL MARKET reduce-only, position side BOTH");
	CONTAINS(out, "age        -\n");	/* no creation time */
	CONTAINS(out, "role LIQUIDATION");
	CONTAINS(out, "history    11 status changes (the earliest not kept)\n");
	CU_ASSERT_EQUAL(count(out, "UTC  PARTIALLY_FILLED\n"), 7);
	CONTAINS(out, "UTC  FILLED\n");
	CU_ASSERT_EQUAL(ctl("--engine", E.name, "--json", "order", "tlT-6", NULL), 0);
	python_json_ok(out);
	j = cJSON_Parse(out);
	CU_ASSERT_PTR_NOT_NULL_FATAL(j);
	o = cJSON_GetObjectItem(j, "order");
	CU_ASSERT_FATAL(cJSON_IsObject(o));
	CU_ASSERT(cJSON_IsFalse(cJSON_GetObjectItem(o, "open")));
	CU_ASSERT(cJSON_IsTrue(cJSON_GetObjectItem(o, "reduce_only")));
	CU_ASSERT(cJSON_IsNull(cJSON_GetObjectItem(o, "tif")));
	CU_ASSERT(cJSON_IsNull(cJSON_GetObjectItem(o, "age_ns")));
	CU_ASSERT_EQUAL(cJSON_GetObjectItem(o, "status_changes")->valueint, 11);
	a = cJSON_GetObjectItem(o, "history");
	CU_ASSERT_FATAL(cJSON_IsArray(a) && cJSON_GetArraySize(a) == 8);
	CU_ASSERT_STRING_EQUAL(cJSON_GetObjectItem(cJSON_GetArrayItem(a, 7), "status")->valuestring,
			       "FILLED");
	cJSON_Delete(j);

	/* values no build knows: "?", and at most 8 history entries */
	CU_ASSERT_EQUAL(ctl("--engine", E.name, "order", "tlT-5", "--json", NULL), 0);
	python_json_ok(out);
	j = cJSON_Parse(out);
	CU_ASSERT_PTR_NOT_NULL_FATAL(j);
	o = cJSON_GetObjectItem(j, "order");
	CU_ASSERT_STRING_EQUAL(cJSON_GetObjectItem(o, "status")->valuestring, "?");
	CU_ASSERT_STRING_EQUAL(cJSON_GetObjectItem(o, "side")->valuestring, "?");
	CU_ASSERT_STRING_EQUAL(cJSON_GetObjectItem(o, "role")->valuestring, "?");
	CU_ASSERT_EQUAL(cJSON_GetArraySize(cJSON_GetObjectItem(o, "history")), 8);
	cJSON_Delete(j);

	/* not there, no id, a bad id */
	CU_ASSERT_EQUAL(ctl("--engine", E.name, "order", "tlT-1", NULL), 1);
	CONTAINS(errout, "no order 'tlT-1'");
	CU_ASSERT_EQUAL(ctl("--engine", E.name, "order", "tlT-1", "--json", NULL), 1);
	CONTAINS(out, "\"reason\":\"NOT_FOUND\"");
	CU_ASSERT_EQUAL(ctl("--engine", E.name, "order", NULL), 2);
	CU_ASSERT_EQUAL(ctl("--engine", E.name, "order", "a b", NULL), 2);
	CU_ASSERT_EQUAL(ctl("--engine", E.name, "order", "x", "y", NULL), 2);
	engine_stop();
}

static int suite_init(void)
{
	if (tl_test_talon_path(talon_bin, sizeof talon_bin) < 0) {
		fprintf(stderr, "no talon next to the tests' folder\n");
		return 1;
	}
	return 0;
}

TL_TEST_SUITE("io.ctl", suite_init, NULL,
	      TL_TEST(test_help_lists_every_command_and_flag),
	      TL_TEST(test_status_text),
	      TL_TEST(test_status_json),
	      TL_TEST(test_status_heartbeat_newer_than_ctl_clock),
	      TL_TEST(test_submit_accepted_carries_every_flag),
	      TL_TEST(test_submit_refused_prints_reason_exits_1),
	      TL_TEST(test_bad_flags_exit_2_naming_the_flag),
	      TL_TEST(test_cancel_cancel_all_signal_inputs),
	      TL_TEST(test_halt_pause_resume_go_through_the_ring),
	      TL_TEST(test_liquidate_sets_kill_word_even_with_ring_full),
	      TL_TEST(test_liquidate_not_seen_exits_1),
	      TL_TEST(test_engine_that_does_not_answer_times_out),
	      TL_TEST(test_dead_engine_reported),
	      TL_TEST(test_two_engines_need_engine_flag),
	      TL_TEST(test_status_json_valid_with_utf8_reason),
	      TL_TEST(test_orders_and_order));
