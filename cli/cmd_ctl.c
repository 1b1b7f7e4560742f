/*
 * cmd_ctl.c - `talon ctl`: operate a running engine through its shared-
 * memory control block (runtime/shm.h). docs/ctl.md is the user's reference;
 * keep it, ctl_usage() and this file in step.
 *
 *   status, orders,     read the seqlock snapshot; never write the block
 *   order
 *   submit, cancel,     build one kernel input (tl_input_t), enqueue it on
 *   cancel-all, signal, the block's MPMC ring, wait for the engine's reply
 *   halt, pause, resume (3 s), print the outcome
 *   liquidate           sets the kill switch word (no ring, so it works
 *                       when every ring is full), waits 2 s for the engine
 *                       to mark it seen
 *
 * Divided into: usage; flag parsing (one table of flags per command);
 * finding and checking the engine; output helpers (text, JSON); the
 * commands; the entry point.
 *
 * Exit codes: 0 done / accepted, 1 refused, engine not running, no answer,
 * or any other failure; 2 usage error (message names the flag).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "runtime/config.h"
#include "runtime/shm.h"
#include "kernel/fixed.h"
#include "kernel/strat.h"
#include "kernel/types.h"
#include "mon/snapfmt.h"
#include "mon/snapjson.h"
#include "runtime/clock.h"

#define CTL_REPLY_TIMEOUT_NS (3 * TL_NS_PER_S)
#define CTL_KILL_TIMEOUT_NS (2 * TL_NS_PER_S)

/* ---- usage ----------------------------------------------------------------- */

static void ctl_usage(FILE *f)
{
	fprintf(f,
"usage: talon ctl [--engine NAME] [--json] COMMAND [FLAGS]\n"
"\n"
"Operate a running talon engine through /dev/shm/talon.NAME.\n"
"\n"
"  --engine NAME   engine to talk to; default: the engine of --config,\n"
"                  else the only running engine owned by you (none or\n"
"                  several: refused, running engines listed)\n"
"  -c, --config F  take the engine name from config file F (engine.name)\n"
"  --json          one line of JSON on stdout (documented in docs/ctl.md)\n"
"\n"
"commands:\n"
"  status                         state, positions, counters (read only)\n"
"  orders [--symbol S] [--strategy TAG]\n"
"                                 open orders: client id, symbol, side, type,\n"
"                                 price, qty, filled, status, age (read only)\n"
"  order CLIENT_ID                one order (open or recently finished) with\n"
"                                 its status history (read only)\n"
"  submit --symbol S --side BUY|SELL --type MARKET|LIMIT --qty Q\n"
"         [--price P] [--tif GTC|IOC|FOK|GTX] [--reduce-only]\n"
"         [--position-side BOTH|LONG|SHORT] [--strategy TAG]\n"
"                                 new order (--price required for LIMIT;\n"
"                                 --price and --tif only for LIMIT)\n"
"  cancel --symbol S --client-id ID   cancel one order\n"
"  cancel-all [--symbol S]        cancel every open order (of one symbol)\n"
"  signal LONG_ENTRY|SHORT_ENTRY|CLOSE_LONG|CLOSE_SHORT --symbol S --qty Q\n"
"         [--tp P] [--sl P] [--strategy TAG]\n"
"                                 trading signal (market entry or close)\n"
"  --strategy TAG                 attribute the order(s) to strategy TAG\n"
"                                 (1-15 printable characters, no spaces or\n"
"                                 quotes; PnL per tag in status)\n"
"  liquidate --reason TEXT        kill switch: cancel all, close every\n"
"                                 position, then PAUSED (no ring needed)\n"
"  halt                           REDUCING: only orders that reduce\n"
"  pause                          PAUSED: no new orders\n"
"  resume                         back to NORMAL\n"
"\n"
"--json and --engine may also follow the command. Decimals are plain\n"
"(\"0.001\", no exponent, at most 8 decimals).\n"
"\n"
"exit status: 0 done or accepted; 1 refused, engine not running, engine\n"
"did not answer (3 s), or other failure; 2 usage error.\n");
}

/* ---- flags -------------------------------------------------------------------- */

enum ctl_flag {
	F_SYMBOL, F_SIDE, F_TYPE, F_QTY, F_PRICE, F_TIF, F_REDUCE_ONLY,
	F_POS_SIDE, F_CLIENT_ID, F_TP, F_SL, F_REASON, F_STRATEGY, F__COUNT
};

static const struct ctl_flag_def {
	const char *name;
	bool has_value;
} ctl_flag_defs[F__COUNT] = {
	[F_SYMBOL] = { "--symbol", true },
	[F_SIDE] = { "--side", true },
	[F_TYPE] = { "--type", true },
	[F_QTY] = { "--qty", true },
	[F_PRICE] = { "--price", true },
	[F_TIF] = { "--tif", true },
	[F_REDUCE_ONLY] = { "--reduce-only", false },
	[F_POS_SIDE] = { "--position-side", true },
	[F_CLIENT_ID] = { "--client-id", true },
	[F_TP] = { "--tp", true },
	[F_SL] = { "--sl", true },
	[F_REASON] = { "--reason", true },
	[F_STRATEGY] = { "--strategy", true },
};

#define FB(f) (1u << (f))

/* Everything parsed from the command line. */
typedef struct ctl_args {
	const char *engine;
	const char *config;            /* -c: engine name from a config file */
	bool json;
	const char *cmd;
	const char *positional;        /* signal's kind */
	const char *val[F__COUNT];     /* flag values; "" for booleans */
	/* The engine acted on, once chosen: every outcome names it. */
	char target[TL_SHM_NAMELEN];
	int target_pid;
} ctl_args_t;

static int ctl_usage_err(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int ctl_usage_err(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "talon ctl%s%s: ", cmd ? " " : "", cmd ? cmd : "");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nRun 'talon ctl --help' for usage.\n");
	return TL_CLI_USAGE;
}

/* Parse argv[i..] after the command word: the command's flags (mask), one
 * positional when allow_pos, and the global --json/--engine. Returns 0, or
 * an exit code (help printed, or a usage error). */
static int ctl_parse_flags(ctl_args_t *a, int argc, char **argv, int i,
			   unsigned mask, bool allow_pos)
{
	for (; i < argc; i++) {
		const char *arg = argv[i];
		int f;

		if (!strcmp(arg, "--json")) {
			a->json = true;
			continue;
		}
		if (!strcmp(arg, "-h") || !strcmp(arg, "--help")) {
			ctl_usage(stdout);
			return -1;
		}
		if (!strcmp(arg, "--engine")) {
			if (i + 1 >= argc)
				return ctl_usage_err(a->cmd, "--engine needs a value");
			a->engine = argv[++i];
			continue;
		}
		if (!strcmp(arg, "-c") || !strcmp(arg, "--config")) {
			if (i + 1 >= argc)
				return ctl_usage_err(a->cmd, "%s needs a value", arg);
			a->config = argv[++i];
			continue;
		}
		if (arg[0] != '-' || arg[1] == '\0') {
			if (!allow_pos || a->positional)
				return ctl_usage_err(a->cmd, "unexpected argument '%s'", arg);
			a->positional = arg;
			continue;
		}
		for (f = 0; f < F__COUNT; f++)
			if (!strcmp(arg, ctl_flag_defs[f].name))
				break;
		if (f == F__COUNT || !(mask & FB(f)))
			return ctl_usage_err(a->cmd, "unknown flag '%s'", arg);
		if (a->val[f])
			return ctl_usage_err(a->cmd, "%s given twice", arg);
		if (ctl_flag_defs[f].has_value) {
			if (i + 1 >= argc)
				return ctl_usage_err(a->cmd, "%s needs a value", arg);
			a->val[f] = argv[++i];
		} else {
			a->val[f] = "";
		}
	}
	return 0;
}

static int ctl_require(const ctl_args_t *a, unsigned mask)
{
	for (int f = 0; f < F__COUNT; f++)
		if ((mask & FB(f)) && !a->val[f])
			return ctl_usage_err(a->cmd, "%s is required",
					     ctl_flag_defs[f].name);
	return 0;
}

/* A decimal flag; positive unless allow_zero. */
static int ctl_decimal(const ctl_args_t *a, int f, tl_fx_t *out)
{
	tl_fx_err_t e = tl_fx_parse_cstr(a->val[f], out);

	if (e != TL_FX_OK)
		return ctl_usage_err(a->cmd, "%s: '%s' is not a decimal (%s)",
				     ctl_flag_defs[f].name, a->val[f],
				     tl_fx_strerror(e));
	if (*out <= 0)
		return ctl_usage_err(a->cmd, "%s: '%s' must be positive",
				     ctl_flag_defs[f].name, a->val[f]);
	return 0;
}

/* --symbol: 1-23 characters [A-Z0-9] (lower case is upper-cased). */
static int ctl_symbol(const ctl_args_t *a, char out[TL_SYMBOL_NAMELEN])
{
	const char *s = a->val[F_SYMBOL];
	size_t n = strlen(s);

	if (n == 0 || n >= TL_SYMBOL_NAMELEN)
		goto bad;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c >= 'a' && c <= 'z')
			c = (char)(c - 'a' + 'A');
		if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')))
			goto bad;
		out[i] = c;
	}
	out[n] = '\0';
	return 0;
bad:
	return ctl_usage_err(a->cmd, "--symbol: '%s' is not a symbol (1-%d "
			     "characters A-Z 0-9)", s, TL_SYMBOL_NAMELEN - 1);
}

/* --client-id: the venue's ^[.A-Z:/a-z0-9_-]{1,36}$. */
static int ctl_client_id(const ctl_args_t *a, char out[TL_CLID_LEN])
{
	const char *s = a->val[F_CLIENT_ID];
	size_t n = strlen(s);

	if (n == 0 || n > TL_CLID_MAX)
		goto bad;
	for (size_t i = 0; i < n; i++)
		if (!strchr(".:/_-", s[i]) &&
		    !((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z') ||
		      (s[i] >= '0' && s[i] <= '9')))
			goto bad;
	memcpy(out, s, n + 1);
	return 0;
bad:
	return ctl_usage_err(a->cmd, "--client-id: '%s' is not a client order "
			     "id (1-%d characters from A-Z a-z 0-9 . : / _ -)",
			     s, TL_CLID_MAX);
}

/* ---- output helpers ------------------------------------------------------------- */

/* An engine time (ns since the epoch) as "YYYY-MM-DD HH:MM UTC"; "-"
 * before the engine published one. */
static const char *ctl_utc(int64_t ns, char *buf, size_t len)
{
	struct tm tm;
	time_t t = (time_t)(ns / TL_NS_PER_S);

	if (ns <= 0 || !gmtime_r(&t, &tm) ||
	    strftime(buf, len, "%Y-%m-%d %H:%M UTC", &tm) == 0)
		snprintf(buf, len, "-");
	return buf;
}

/* The one-line outcome object of a request command; engine and pid name
 * the engine acted on (null before one was chosen). */
static void ctl_json_outcome(const ctl_args_t *a, bool ok, const char *client_id,
			     const char *reason, const char *message)
{
	printf("{\"ok\":%s,\"engine\":", ok ? "true" : "false");
	tl_snapjson_str_or_null(stdout, a->target);
	if (a->target[0])
		printf(",\"pid\":%d", a->target_pid);
	else
		printf(",\"pid\":null");
	printf(",\"client_id\":");
	tl_snapjson_str_or_null(stdout, client_id);
	printf(",\"reason\":");
	tl_snapjson_str_or_null(stdout, reason);
	printf(",\"message\":");
	tl_snapjson_str_or_null(stdout, message);
	printf("}\n");
}

/* A failure outside the engine's answer (not running, no answer, ...):
 * text on stderr, or the outcome object with reason `code`. */
static int ctl_fail(const ctl_args_t *a, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int ctl_fail(const ctl_args_t *a, const char *code, const char *fmt, ...)
{
	char msg[1600];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (a->json)
		ctl_json_outcome(a, false, NULL, code, msg);
	else
		fprintf(stderr, "talon ctl: %s\n", msg);
	return TL_CLI_FAIL;
}

/* The text outcome of a command that changes state, on stdout, naming
 * the engine it reached: "<cmd>: engine 'NAME' (pid N): <outcome>". */
static void ctl_acted(const ctl_args_t *a, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void ctl_acted(const ctl_args_t *a, const char *fmt, ...)
{
	va_list ap;

	printf("%s: engine '%s' (pid %d): ", a->cmd, a->target, a->target_pid);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

/* ---- finding the engine ---------------------------------------------------------- */

/* One line of the running-engine list ("name (pid N, uid U, STATE)"),
 * appended to list; true when the engine is alive. Another user's block
 * that cannot be opened is listed with what stat shows. */
static bool ctl_list_engine(const char *name, uid_t uid, char *list, size_t len,
			    char *why, size_t whylen)
{
	char e2[256];
	size_t n = strlen(list);
	tl_shm_t *s;
	bool alive;

	if (tl_shm_attach(name, &s, e2, sizeof e2) != 0) {
		if (uid == geteuid())
			return false;	/* ours but unreadable: not an engine */
		snprintf(list + n, len - n, "\n  %s (pid ?, uid %u, not readable by you)",
			 name, (unsigned)uid);
		snprintf(why, whylen, "unreadable");
		return false;
	}
	alive = tl_shm_alive(s, tl_clock_realtime_ns(), why, whylen);
	if (alive)
		snprintf(list + n, len - n, "\n  %s (pid %d, uid %u, %s)", name,
			 (int)atomic_load(&s->pid), (unsigned)uid,
			 tl_trading_state_name((tl_trading_state_t)atomic_load(&s->state)));
	tl_shm_detach(s, name, false);
	return alive;
}

/* The one running engine owned by the caller's uid into out; or a
 * message listing every running engine (any owner) and false. Another
 * user's engine is never picked: acting on it by accident is worse than
 * having to name it. */
static bool ctl_default_engine(char *out, size_t len, char *err, size_t errlen)
{
	char list[1024] = "", why[96];
	size_t mine = 0, all = 0;
	struct dirent *de;
	DIR *d = opendir("/dev/shm");

	if (!d) {
		snprintf(err, errlen, "no talon engine is running (cannot read /dev/shm)");
		return false;
	}
	while ((de = readdir(d)) != NULL) {
		const char *name = de->d_name;
		uid_t uid;

		if (strncmp(name, "talon.", 6) != 0)
			continue;
		name += 6;
		if (tl_shm_owner(name, &uid, NULL) != 0)
			continue;
		size_t before = strlen(list);
		bool alive = ctl_list_engine(name, uid, list, sizeof list, why, sizeof why);
		all += strlen(list) != before;
		if (alive && uid == geteuid() && mine++ == 0)
			snprintf(out, len, "%s", name);
	}
	closedir(d);
	if (mine == 1)
		return true;
	if (mine > 1)
		snprintf(err, errlen, "%zu talon engines owned by you (uid %u) are "
			 "running; choose one with --engine NAME:%s", mine,
			 (unsigned)geteuid(), list);
	else if (all > 0)
		snprintf(err, errlen, "no talon engine owned by you (uid %u) is "
			 "running; other users' engines are never picked, name one "
			 "with --engine NAME:%s", (unsigned)geteuid(), list);
	else
		snprintf(err, errlen, "no talon engine is running");
	return false;
}

/* Attach the engine named by --engine or the default one. *alive and why
 * say whether it runs. Returns 0, or an exit code after reporting. */
static int ctl_open(ctl_args_t *a, char *name, size_t namelen, tl_shm_t **s,
		    bool *alive, char *why, size_t whylen)
{
	char err[1400];

	if (a->engine) {
		snprintf(name, namelen, "%s", a->engine);
	} else if (a->config) {
		/* The engine a config file runs: its engine.name. */
		tl_config_t cfg;
		if (tl_config_load(&cfg, a->config, err, sizeof err) < 0)
			return ctl_fail(a, "NO_ENGINE", "%s", err);
		snprintf(name, namelen, "%s", cfg.name);
		tl_config_wipe_secrets(&cfg);	/* ctl needs only the name */
	} else if (!ctl_default_engine(name, namelen, err, sizeof err)) {
		return ctl_fail(a, "NO_ENGINE", "%s", err);
	}
	if (tl_shm_attach(name, s, err, sizeof err) != 0)
		return ctl_fail(a, "NO_ENGINE", "%s", err);
	*alive = tl_shm_alive(*s, tl_clock_realtime_ns(), why, whylen);
	snprintf(a->target, sizeof a->target, "%s", name);
	a->target_pid = (int)atomic_load(&(*s)->pid);
	return 0;
}

/* ctl_open for a command that needs a running engine: a stopped one is
 * reported (NOT_RUNNING) and detached. Returns 0 with *s attached, or an
 * exit code. */
static int ctl_open_running(ctl_args_t *a, char *name, size_t namelen, tl_shm_t **s)
{
	char why[128];
	bool alive;
	int rc = ctl_open(a, name, namelen, s, &alive, why, sizeof why);

	if (rc || alive)
		return rc;
	rc = ctl_fail(a, "NOT_RUNNING", "engine '%s' is not running (%s)", name, why);
	tl_shm_detach(*s, name, false);
	return rc;
}

/* ---- request commands ------------------------------------------------------------- */

/* Enqueue `in`, wait for the answer, print it. */
static int ctl_send(ctl_args_t *a, const tl_input_t *in)
{
	char name[TL_SHM_NAMELEN + 8];
	struct timespec nap = { 0, 1000 * 1000 };
	tl_shm_reply_t rep;
	tl_ctl_req_t req;
	tl_shm_t *s;
	int64_t deadline;
	int rc;

	if ((rc = ctl_open_running(a, name, sizeof name, &s)))
		return rc;
	memset(&req, 0, sizeof req);
	req.pid = (int32_t)getpid();
	req.kind = TL_CTLK_INPUT;
	req.in = *in;
	deadline = tl_clock_mono_ns() + CTL_REPLY_TIMEOUT_NS;
	while (!tl_shm_request(s, &req)) {
		if (tl_clock_mono_ns() >= deadline) {
			rc = ctl_fail(a, "RING_FULL", "engine '%s' did not take the "
				      "request: its ctl ring stayed full for 3 s", name);
			goto out;
		}
		nanosleep(&nap, NULL);
	}
	if (!tl_shm_wait_reply(s, req.id, deadline - tl_clock_mono_ns(), &rep)) {
		rc = ctl_fail(a, "NO_ANSWER", "engine '%s' (pid %d) did not answer "
			      "(request %llu)", name, a->target_pid,
			      (unsigned long long)req.id);
		goto out;
	}
	if (rep.result == TL_REJ_NONE) {
		if (a->json)
			ctl_json_outcome(a, true, rep.client_id, NULL, rep.msg);
		else
			ctl_acted(a, "%s", rep.client_id[0] ? rep.client_id
					   : rep.msg[0] ? rep.msg : "ok");
		rc = TL_CLI_OK;
	} else {
		const char *rname = tl_reject_name((tl_reject_t)rep.result);
		const char *msg = rep.msg[0] ? rep.msg : tl_reject_msg((tl_reject_t)rep.result);

		if (a->json)
			ctl_json_outcome(a, false, rep.client_id, rname, msg);
		else
			ctl_acted(a, "refused: %s: %s", rname, msg);
		rc = TL_CLI_FAIL;
	}
out:
	tl_shm_detach(s, name, false);
	return rc;
}

static void ctl_input(tl_input_t *in, tl_in_type_t type)
{
	memset(in, 0, sizeof *in);
	in->hdr.type = (uint16_t)type;
}

/* --strategy: checked here so a typo is a usage error, not a refusal. */
static int ctl_strategy(ctl_args_t *a, char out[TL_STRAT_LEN])
{
	const char *t = a->val[F_STRATEGY];
	if (!t)
		return 0;
	if (!tl_strat_valid(t))
		return ctl_usage_err(a->cmd, "--strategy: '%.32s' is not 1-%d printable"
				     " characters without spaces or quotes", t,
				     TL_STRAT_LEN - 1);
	memcpy(out, t, strlen(t) + 1);
	return 0;
}

static int ctl_submit(ctl_args_t *a)
{
	tl_in_submit_t *o;
	tl_input_t in;
	int v, rc;

	if ((rc = ctl_require(a, FB(F_SYMBOL) | FB(F_SIDE) | FB(F_TYPE) | FB(F_QTY))))
		return rc;
	ctl_input(&in, TL_IN_SUBMIT);
	o = &in.u.submit;
	if ((rc = ctl_symbol(a, o->symbol)))
		return rc;
	v = tl_side_parse(a->val[F_SIDE]);
	if (v <= 0)
		return ctl_usage_err(a->cmd, "--side: '%s' is not BUY or SELL",
				     a->val[F_SIDE]);
	o->side = (uint8_t)v;
	v = tl_ord_type_parse(a->val[F_TYPE]);
	if (v != TL_ORD_MARKET && v != TL_ORD_LIMIT)
		return ctl_usage_err(a->cmd, "--type: '%s' is not MARKET or LIMIT",
				     a->val[F_TYPE]);
	o->type = (uint8_t)v;
	if ((rc = ctl_decimal(a, F_QTY, &o->qty)))
		return rc;
	if (o->type == TL_ORD_LIMIT) {
		if (!a->val[F_PRICE])
			return ctl_usage_err(a->cmd, "--price is required with --type LIMIT");
		if ((rc = ctl_decimal(a, F_PRICE, &o->price)))
			return rc;
		o->tif = TL_TIF_GTC;
		if (a->val[F_TIF]) {
			v = tl_tif_parse(a->val[F_TIF]);
			if (v <= 0)
				return ctl_usage_err(a->cmd, "--tif: '%s' is not GTC, "
						     "IOC, FOK or GTX", a->val[F_TIF]);
			o->tif = (uint8_t)v;
		}
	} else {
		if (a->val[F_PRICE])
			return ctl_usage_err(a->cmd, "--price is only for --type LIMIT");
		if (a->val[F_TIF])
			return ctl_usage_err(a->cmd, "--tif is only for --type LIMIT");
	}
	o->reduce_only = a->val[F_REDUCE_ONLY] != NULL;
	if (a->val[F_POS_SIDE]) {
		v = tl_pos_side_parse(a->val[F_POS_SIDE]);
		if (v < 0)
			return ctl_usage_err(a->cmd, "--position-side: '%s' is not "
					     "BOTH, LONG or SHORT", a->val[F_POS_SIDE]);
		o->pos_side = (uint8_t)v;
	}
	if ((rc = ctl_strategy(a, o->strategy)))
		return rc;
	return ctl_send(a, &in);
}

static int ctl_cancel(ctl_args_t *a)
{
	tl_input_t in;
	int rc;

	if ((rc = ctl_require(a, FB(F_SYMBOL) | FB(F_CLIENT_ID))))
		return rc;
	ctl_input(&in, TL_IN_CANCEL);
	if ((rc = ctl_symbol(a, in.u.cancel.symbol)) ||
	    (rc = ctl_client_id(a, in.u.cancel.client_id)))
		return rc;
	return ctl_send(a, &in);
}

static int ctl_cancel_all(ctl_args_t *a)
{
	tl_input_t in;
	int rc;

	ctl_input(&in, TL_IN_CANCEL_ALL);
	if (a->val[F_SYMBOL] && (rc = ctl_symbol(a, in.u.cancel.symbol)))
		return rc;
	return ctl_send(a, &in);
}

static int ctl_signal(ctl_args_t *a)
{
	tl_in_signal_t *g;
	tl_input_t in;
	int v, rc;

	if (!a->positional)
		return ctl_usage_err(a->cmd, "which signal? LONG_ENTRY, "
				     "SHORT_ENTRY, CLOSE_LONG or CLOSE_SHORT");
	if ((rc = ctl_require(a, FB(F_SYMBOL) | FB(F_QTY))))
		return rc;
	ctl_input(&in, TL_IN_SIGNAL);
	g = &in.u.signal;
	v = tl_signal_parse(a->positional);
	if (v <= 0)
		return ctl_usage_err(a->cmd, "'%s' is not LONG_ENTRY, SHORT_ENTRY, "
				     "CLOSE_LONG or CLOSE_SHORT", a->positional);
	g->signal = (uint8_t)v;
	if ((rc = ctl_symbol(a, g->symbol)) || (rc = ctl_decimal(a, F_QTY, &g->qty)))
		return rc;
	if (a->val[F_TP] && (rc = ctl_decimal(a, F_TP, &g->tp)))
		return rc;
	if (a->val[F_SL] && (rc = ctl_decimal(a, F_SL, &g->sl)))
		return rc;
	if ((rc = ctl_strategy(a, g->strategy)))
		return rc;
	return ctl_send(a, &in);
}

static int ctl_control(ctl_args_t *a, tl_ctl_cmd_t cmd)
{
	tl_input_t in;

	ctl_input(&in, TL_IN_CONTROL);
	in.u.control.cmd = (uint8_t)cmd;
	snprintf(in.u.control.reason, sizeof in.u.control.reason,
		 "talon ctl %s (pid %d)", a->cmd, (int)getpid());
	return ctl_send(a, &in);
}

/* ---- liquidate ---------------------------------------------------------------------- */

static int ctl_liquidate(ctl_args_t *a)
{
	char name[TL_SHM_NAMELEN + 8], msg[160];
	struct timespec nap = { 0, 1000 * 1000 };
	tl_shm_t *s;
	uint64_t seq;
	int64_t deadline;
	bool seen = false;
	int rc;

	if ((rc = ctl_require(a, FB(F_REASON))))
		return rc;
	if (!a->val[F_REASON][0])
		return ctl_usage_err(a->cmd, "--reason must not be empty");
	if ((rc = ctl_open_running(a, name, sizeof name, &s)))
		return rc;
	seq = tl_shm_kill(s, TL_KILL_LIQUIDATE, a->val[F_REASON]);
	deadline = tl_clock_mono_ns() + CTL_KILL_TIMEOUT_NS;
	while (!(seen = atomic_load_explicit(&s->kill.seen, memory_order_acquire) >= seq) &&
	       tl_clock_mono_ns() < deadline)
		nanosleep(&nap, NULL);
	if (seen)
		snprintf(msg, sizeof msg, "liquidation started");
	else
		snprintf(msg, sizeof msg, "engine has not seen the kill switch yet "
			 "(it stays set; the engine acts on it at its next loop)");
	if (a->json)
		ctl_json_outcome(a, seen, NULL, seen ? NULL : "NOT_SEEN", msg);
	else
		ctl_acted(a, "%s", msg);
	rc = seen ? TL_CLI_OK : TL_CLI_FAIL;
	tl_shm_detach(s, name, false);
	return rc;
}

/* ---- status ---------------------------------------------------------------------------- */

/* The venue's health, one line; a venue without limits (paper) shows
 * no counts. */
static void ctl_venue_text(const tl_shm_snapshot_t *sn)
{
	printf("venue      %s, %u connections, stream %s",
	       sn->venue_connected ? "connected" : "NOT CONNECTED", sn->venue_conns,
	       tl_shm_stream_name(sn->venue_stream));
	if (sn->venue_clock_synced)
		printf(", clock offset %+.3fms", (double)sn->clock_offset_ns / 1e6);
	if (sn->weight_limit || sn->orders_10s_limit || sn->orders_1m_limit)
		printf("\n           weight %u/%u per minute, orders %u/%u per 10s, %u/%u per minute",
		       sn->weight_used, sn->weight_limit, sn->orders_10s, sn->orders_10s_limit,
		       sn->orders_1m, sn->orders_1m_limit);
	if (sn->http_429 || sn->http_418)
		printf(", answers 429: %llu, 418: %llu", (unsigned long long)sn->http_429,
		       (unsigned long long)sn->http_418);
	printf("\n");
}

static void ctl_status_text(const char *name, const tl_shm_t *s,
			    const tl_shm_snapshot_t *sn, bool alive,
			    const char *why, int64_t now)
{
	char d1[32], d2[32], d3[32], b[7][TL_FX_STRLEN];
	int n = 0;

	tl_snapfmt_dur(now - s->started, d1, sizeof d1);
	tl_snapfmt_dur(tl_snapfmt_age(now, atomic_load(&s->heartbeat)), d2, sizeof d2);
	tl_snapfmt_dur(sn->published ? tl_snapfmt_age(now, sn->published) : -1, d3, sizeof d3);
	char prefix[TL_SHM_PREFIX_LEN];
	uid_t uid;

	snprintf(prefix, sizeof prefix, "%.*s", (int)sizeof s->clid_prefix - 1,
		 s->clid_prefix);
	printf("engine     %s\n", name);
	if (tl_shm_owner(name, &uid, NULL) == 0)
		printf("owner      uid %u\n", (unsigned)uid);
	printf("client ids %s<sequence>\n", prefix[0] ? prefix : "?");
	if (alive)
		printf("pid        %d (running)\n", (int)atomic_load(&s->pid));
	else
		printf("pid        %d (NOT RUNNING: %s)\n", (int)atomic_load(&s->pid), why);
	printf("uptime     %s\n", d1);
	printf("state      %s\n", tl_trading_state_name((tl_trading_state_t)sn->state));
	printf("heartbeat  %s ago\n", d2);
	printf("snapshot   %s ago\n", d3);
	printf("orders     %u open, %u tracked\n", sn->open_orders, sn->tracked_orders);
	printf("total pnl  %s\n", tl_snapjson_fx(sn->total_pnl, b[0]));
	char day[32];
	printf("daily pnl  %s (day began %s)\n", tl_snapjson_fx(sn->daily_pnl, b[0]),
	       ctl_utc(sn->day_start, day, sizeof day));
	if (!(sn->journal & TL_SHM_JOURNAL_ON))
		printf("journal    off\n");
	else
		printf("journal    %s, %s\n",
		       (sn->journal & TL_SHM_JOURNAL_FAILED)
			       ? "FAILED: cannot write, new orders refused" : "ok",
		       (sn->journal & TL_SHM_JOURNAL_STRICT) ? "strict" : "async");
	printf("latency    p50 %lluns  p99 %lluns  max %lluns\n",
	       (unsigned long long)sn->lat_p50, (unsigned long long)sn->lat_p99,
	       (unsigned long long)sn->lat_max);
	ctl_venue_text(sn);
	printf("counters  ");
#define X(c) printf("%s " #c "=%llu", (n++ % 5 == 0 && n > 1) ? "\n          " : "", \
		    (unsigned long long)sn->c);
	TL_SNAPJSON_COUNTERS(X)
#undef X
	printf("\n");
	if (atomic_load(&s->ctl_resyncs))
		printf("ctl ring   reset %llu times (found inconsistent; pending "
		       "requests dropped)\n",
		       (unsigned long long)atomic_load(&s->ctl_resyncs));
	if (sn->emg_active || sn->emg_total || sn->emg_started)
		printf("emergency  %s: %u close orders, %u ok, %u failed, %u "
		       "canceled; reason: %.*s\n",
		       sn->emg_active ? "ACTIVE" : "completed", sn->emg_total,
		       sn->emg_ok, sn->emg_failed, sn->emg_canceled,
		       (int)sizeof sn->emg_reason - 1, sn->emg_reason);
	else
		printf("emergency  none\n");
	bool head = false;
	for (uint32_t r = 0; r < sn->n_strat && r < TL_SHM_STRAT_MAX; r++) {
		const tl_shm_strat_t *t = &sn->strat[r];
		char tag[TL_STRAT_LEN];

		if (!tl_snapfmt_strat_shown(sn, r))
			continue;
		if (!head)
			printf("\n%-15s %7s %7s %14s %14s %12s %14s\n", "STRATEGY",
			       "ORDERS", "FILLS", "REALIZED", "UNREALIZED", "FEES", "NET");
		head = true;
		tl_snapfmt_strat_name(t, r, tag);
		printf("%-15s %7llu %7llu %14s %14s %12s %14s\n",
		       tag[0] ? tag : "(untagged)", (unsigned long long)t->orders,
		       (unsigned long long)t->fills, tl_snapjson_fx(t->realized, b[0]),
		       tl_snapjson_fx(t->unrealized, b[1]), tl_snapjson_fx(t->commission, b[2]),
		       tl_snapjson_fx(tl_snapfmt_strat_net(t), b[3]));
	}
	if (sn->n_pos == 0) {
		printf("positions  none\n");
		return;
	}
	printf("\n%-12s %-5s %14s %14s %14s %14s %14s %9s\n", "SYMBOL", "SIDE",
	       "QTY", "ENTRY", "MARK", "UNREALIZED", "REALIZED", "ROE%");
	for (uint32_t i = 0; i < sn->n_pos && i < TL_SHM_POS_MAX; i++) {
		const tl_shm_pos_t *p = &sn->pos[i];
		tl_fx_t roe_pct = p->roe > INT64_MAX / 100 || p->roe < INT64_MIN / 100
					  ? 0 : p->roe * 100;

		tl_fx_format(roe_pct, 2, b[6], sizeof b[6]);
		printf("%-12.*s %-5s %14s %14s %14s %14s %14s %9s\n",
		       (int)sizeof p->symbol - 1, p->symbol, tl_snapfmt_pos_dir(p),
		       tl_snapjson_fx(p->qty, b[0]), tl_snapjson_fx(p->entry, b[1]),
		       tl_snapjson_fx(p->mark, b[2]), tl_snapjson_fx(p->unrealized, b[3]),
		       tl_snapjson_fx(p->realized, b[4]), b[6]);
	}
}

static int ctl_status(ctl_args_t *a)
{
	char name[TL_SHM_NAMELEN + 8], why[96];
	static tl_shm_snapshot_t sn;
	tl_shm_t *s;
	bool alive;
	int rc;

	rc = ctl_open(a, name, sizeof name, &s, &alive, why, sizeof why);
	if (rc)
		return rc;
	if (!tl_shm_read_snapshot(s, &sn)) {
		rc = ctl_fail(a, "SNAPSHOT_BUSY", "engine '%s': the status snapshot "
			      "kept changing while being read; try again", name);
		goto out;
	}
	if (sn.published == 0)
		sn.state = atomic_load(&s->state);
	if (a->json)
		tl_snapjson_status(stdout, name, s, &sn, alive, why, tl_clock_realtime_ns());
	else
		ctl_status_text(name, s, &sn, alive, why, tl_clock_realtime_ns());
	rc = alive ? TL_CLI_OK : TL_CLI_FAIL;
out:
	tl_shm_detach(s, name, false);
	return rc;
}

/* ---- orders ---------------------------------------------------------------------------- */

/* A field of the block as a C string (the block may hold anything). */
#define CTL_STR(buf, field) snprintf(buf, sizeof buf, "%.*s", (int)sizeof(field) - 1, field)

/* Read the snapshot of a running engine; 0 with *s attached and sn
 * filled, or an exit code (reported, detached). */
static int ctl_read_orders(ctl_args_t *a, char *name, size_t namelen, tl_shm_t **s,
			   tl_shm_snapshot_t *sn)
{
	int rc = ctl_open_running(a, name, namelen, s);

	if (rc)
		return rc;
	if (!tl_shm_read_snapshot(*s, sn)) {
		rc = ctl_fail(a, "SNAPSHOT_BUSY", "engine '%s': the status snapshot "
			      "kept changing while being read; try again", name);
		tl_shm_detach(*s, name, false);
		return rc;
	}
	return 0;
}

static int ctl_orders(ctl_args_t *a)
{
	char name[TL_SHM_NAMELEN + 8], sym[TL_SYMBOL_NAMELEN] = "", tag[TL_STRAT_LEN] = "";
	static tl_shm_snapshot_t sn;
	tl_shm_t *s;
	int rc, row = 0;

	if (a->val[F_SYMBOL] && (rc = ctl_symbol(a, sym)) != 0)
		return rc;
	if ((rc = ctl_strategy(a, tag)) != 0)
		return rc;
	rc = ctl_read_orders(a, name, sizeof name, &s, &sn);
	if (rc)
		return rc;
	if (a->json) {
		tl_snapjson_orders(stdout, name, a->target_pid, &sn, sym, tag);
		tl_shm_detach(s, name, false);
		return TL_CLI_OK;
	}
	if (tag[0]) {
		/* the tag's row in this engine (-1: it never saw the tag, so
		 * no order of it is open) */
		row = -1;
		for (uint32_t r = 1; r < sn.n_strat; r++)
			if (strncmp(sn.strat[r].name, tag, TL_STRAT_LEN) == 0)
				row = (int)r;
	}
	uint32_t shown = 0;
	printf("engine %s (pid %d): %u open order%s%s%s%s%s\n", name, a->target_pid,
	       sn.open_orders, sn.open_orders == 1 ? "" : "s", sym[0] ? "; symbol " : "",
	       sym, tag[0] ? "; strategy " : "", tag);
	for (uint32_t i = 0; i < sn.n_ord_open; i++) {
		const tl_shm_ord_t *o = &sn.ord[i];
		char osym[TL_SYMBOL_NAMELEN], b[4][TL_FX_STRLEN], age[32];

		CTL_STR(osym, o->symbol);
		if (sym[0] && strcmp(sym, osym))
			continue;
		if (tag[0] && (int)o->strat != row)
			continue;
		if (!shown)
			printf("\n%-36s %-12s %-4s %-18s %14s %14s %14s %-16s %s\n",
			       "CLIENT_ID", "SYMBOL", "SIDE", "TYPE", "PRICE", "QTY",
			       "FILLED", "STATUS", "AGE");
		tl_snapfmt_dur(o->created > 0 ? tl_snapfmt_age(sn.published, o->created) : -1,
			    age, sizeof age);
		printf("%-36.*s %-12s %-4s %-18s %14s %14s %14s %-16s %s\n",
		       (int)sizeof o->client_id - 1, o->client_id, osym,
		       tl_side_name((tl_side_t)o->side),
		       tl_ord_type_name((tl_ord_type_t)o->type),
		       o->price ? tl_snapjson_fx(o->price, b[0]) : "-",
		       tl_snapjson_fx(o->qty, b[1]), tl_snapjson_fx(o->filled, b[2]),
		       tl_status_name((tl_ord_status_t)o->status), age);
		shown++;
	}
	if (sn.ord_dropped)
		printf("(%u more open orders not in the snapshot, which holds %d)\n",
		       sn.ord_dropped, TL_SHM_ORD_MAX);
	tl_shm_detach(s, name, false);
	return TL_CLI_OK;
}

static int ctl_order(ctl_args_t *a)
{
	char name[TL_SHM_NAMELEN + 8], clid[TL_CLID_LEN];
	static tl_shm_snapshot_t sn;
	tl_shm_t *s;
	int rc;

	if (!a->positional)
		return ctl_usage_err(a->cmd, "which order? give its client id");
	a->val[F_CLIENT_ID] = a->positional;
	if ((rc = ctl_client_id(a, clid)) != 0)
		return rc;
	rc = ctl_read_orders(a, name, sizeof name, &s, &sn);
	if (rc)
		return rc;
	const tl_shm_ord_t *o = NULL;
	for (uint32_t i = 0; i < sn.n_ord && !o; i++)
		if (!strncmp(sn.ord[i].client_id, clid, sizeof sn.ord[i].client_id))
			o = &sn.ord[i];
	if (!o) {
		rc = ctl_fail(a, "NOT_FOUND", "engine '%s' shows no order '%s' (it shows the "
			      "open orders and the %d most recently finished)", name, clid,
			      TL_SHM_ORD_RECENT);
		tl_shm_detach(s, name, false);
		return rc;
	}
	uint32_t nh = o->n_hist < TL_SHM_ORD_HIST ? o->n_hist : TL_SHM_ORD_HIST;
	if (a->json) {
		printf("{\"engine\":");
		tl_snapjson_str(stdout, name);
		printf(",\"pid\":%d,\"published_ns\":%lld,\"order\":", a->target_pid,
		       (long long)sn.published);
		tl_snapjson_order_fields(stdout, o, sn.published);
		tl_snapjson_order_strat(stdout, &sn, o->strat);
		printf(",\"open\":%s,\"status_changes\":%u,\"history\":[",
		       tl_status_terminal((tl_ord_status_t)o->status) ? "false" : "true",
		       o->hist_total);
		for (uint32_t i = 0; i < nh; i++)
			printf("%s{\"status\":\"%s\",\"time_ns\":%lld}", i ? "," : "",
			       tl_status_name((tl_ord_status_t)o->hist[i].status),
			       (long long)o->hist[i].time);
		printf("]}}\n");
	} else {
		char b[5][TL_FX_STRLEN], sym[TL_SYMBOL_NAMELEN], age[32];

		CTL_STR(sym, o->symbol);
		tl_snapfmt_dur(o->created > 0 ? tl_snapfmt_age(sn.published, o->created) : -1, age,
			    sizeof age);
		printf("engine     %s (pid %d)\n", name, a->target_pid);
		printf("client id  %s\n", clid);
		printf("symbol     %s\n", sym);
		printf("order      %s %s%s%s%s, position side %s, role %s\n",
		       tl_side_name((tl_side_t)o->side), tl_ord_type_name((tl_ord_type_t)o->type),
		       o->tif ? " " : "", o->tif ? tl_tif_name((tl_tif_t)o->tif) : "",
		       o->reduce_only ? " reduce-only" : "",
		       tl_pos_side_name((tl_pos_side_t)o->pos_side), tl_snapjson_role_name(o->role));
		printf("status     %s\n", tl_status_name((tl_ord_status_t)o->status));
		printf("price      %s  stop %s\n", tl_snapjson_fx(o->price, b[0]),
		       tl_snapjson_fx(o->stop_price, b[1]));
		printf("qty        %s  filled %s  avg price %s\n", tl_snapjson_fx(o->qty, b[2]),
		       tl_snapjson_fx(o->filled, b[3]), tl_snapjson_fx(o->avg_price, b[4]));
		printf("venue id   %lld\n", (long long)o->venue_id);
		printf("user ref   %llu\n", (unsigned long long)o->user_ref);
		printf("age        %s\n", age);
		printf("history    %u status change%s%s\n", o->hist_total,
		       o->hist_total == 1 ? "" : "s",
		       o->hist_total > nh ? " (the earliest not kept)" : "");
		for (uint32_t i = 0; i < nh; i++) {
			struct tm tm;
			time_t t = (time_t)(o->hist[i].time / TL_NS_PER_S);
			char when[32] = "-";

			if (o->hist[i].time > 0 && gmtime_r(&t, &tm))
				strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", &tm);
			printf("  %s.%03lld UTC  %s\n", when,
			       (long long)(o->hist[i].time % TL_NS_PER_S / 1000000),
			       tl_status_name((tl_ord_status_t)o->hist[i].status));
		}
	}
	tl_shm_detach(s, name, false);
	return TL_CLI_OK;
}

/* ---- entry point ----------------------------------------------------------------------- */

static const struct ctl_cmd {
	const char *name;
	unsigned flags;           /* accepted flags */
	bool positional;
	int (*run)(ctl_args_t *a);
	tl_ctl_cmd_t control;     /* for halt, pause, resume */
} ctl_cmds[] = {
	{ "status", 0, false, ctl_status, 0 },
	{ "orders", FB(F_SYMBOL) | FB(F_STRATEGY), false, ctl_orders, 0 },
	{ "order", 0, true, ctl_order, 0 },
	{ "submit", FB(F_SYMBOL) | FB(F_SIDE) | FB(F_TYPE) | FB(F_QTY) | FB(F_PRICE) |
		    FB(F_TIF) | FB(F_REDUCE_ONLY) | FB(F_POS_SIDE) | FB(F_STRATEGY), false,
		    ctl_submit, 0 },
	{ "cancel", FB(F_SYMBOL) | FB(F_CLIENT_ID), false, ctl_cancel, 0 },
	{ "cancel-all", FB(F_SYMBOL), false, ctl_cancel_all, 0 },
	{ "signal", FB(F_SYMBOL) | FB(F_QTY) | FB(F_TP) | FB(F_SL) | FB(F_STRATEGY), true,
	  ctl_signal, 0 },
	{ "liquidate", FB(F_REASON), false, ctl_liquidate, 0 },
	{ "halt", 0, false, NULL, TL_CTL_HALT },
	{ "pause", 0, false, NULL, TL_CTL_PAUSE },
	{ "resume", 0, false, NULL, TL_CTL_RESUME },
};

int tl_cli_ctl(int argc, char **argv)
{
	ctl_args_t a;
	const struct ctl_cmd *c = NULL;
	int i, rc;

	memset(&a, 0, sizeof a);
	/* Global options, then the command word. */
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json")) {
			a.json = true;
		} else if (!strcmp(argv[i], "--engine")) {
			if (i + 1 >= argc)
				return ctl_usage_err(NULL, "--engine needs a value");
			a.engine = argv[++i];
		} else if (!strcmp(argv[i], "-c") || !strcmp(argv[i], "--config")) {
			if (i + 1 >= argc)
				return ctl_usage_err(NULL, "%s needs a value", argv[i]);
			a.config = argv[++i];
		} else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help") ||
			   !strcmp(argv[i], "help")) {
			ctl_usage(stdout);
			return TL_CLI_OK;
		} else if (argv[i][0] == '-') {
			return ctl_usage_err(NULL, "unknown option '%s'", argv[i]);
		} else {
			break;
		}
	}
	if (i >= argc)
		return ctl_usage_err(NULL, "which command? status, orders, order, "
				     "submit, cancel, "
				     "cancel-all, signal, liquidate, halt, pause, resume");
	for (size_t k = 0; k < sizeof ctl_cmds / sizeof ctl_cmds[0]; k++)
		if (!strcmp(argv[i], ctl_cmds[k].name))
			c = &ctl_cmds[k];
	if (!c)
		return ctl_usage_err(NULL, "unknown command '%s'", argv[i]);
	a.cmd = c->name;
	rc = ctl_parse_flags(&a, argc, argv, i + 1, c->flags, c->positional);
	if (rc < 0)
		return TL_CLI_OK; /* --help */
	if (rc)
		return rc;
	if (a.engine && tl_shm_path(a.engine, (char[64]){ 0 }, 64) != 0)
		return ctl_usage_err(a.cmd, "--engine: '%s' is not an engine name "
				     "(1-%d characters A-Z a-z 0-9 _ -)", a.engine,
				     TL_SHM_NAMELEN - 1);
	return c->run ? c->run(&a) : ctl_control(&a, c->control);
}
