/*
 * config.c - the engine configuration loader (see config.h).
 *
 * The file is untrusted input, so the loader is strict:
 *   1. the whole text is exactly one JSON object (trailing bytes other
 *      than whitespace are an error, so are NUL bytes);
 *   2. every object is checked against the list of keys it may hold:
 *      an unknown key or a key given twice is an error naming its path;
 *   3. every value is checked for type and range where it is read:
 *      integers are JSON numbers with no fraction, money and prices are
 *      decimal strings parsed exactly by tl_fx_parse, booleans are JSON
 *      booleans, enums are one of their listed names;
 *   4. cross-key rules are checked last (cap >= base, leverage only for
 *      listed symbols, then the selected venue driver's check hook).
 * The venue section belongs to the drivers (io/venue.h): this file knows
 * no venue by name; a driver parses venue.<name> with the getters it
 * exports through runtime/config_json.h.
 * Every message starts with the key's full path ("risk.loss_limit: ...").
 *
 * Layout: error helpers, key-set check, typed getters, one parser per
 * section, then the public functions. Parsing fills a local copy that
 * starts from tl_config_defaults; *cfg is written only on success.
 *
 * Cold path only: allocation (cJSON, file buffers) is fine here.
 */
#include "runtime/config.h"
#include "runtime/config_json.h"
#include "io/venue.h"
#include "runtime/shm.h"
#include "runtime/log.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#define TL_CONFIG_FILE_MAX  (1u << 20)   /* config file: 1 MiB */
#define TL_CONFIG_XINFO_MAX (16u << 20)  /* exchangeInfo: 16 MiB */
#define TL_CONFIG_INT_MAX   (1LL << 53)  /* largest exact JSON integer */
#define TL_CONFIG_PATHLEN   64           /* "symbols.only[NN]" */

/* ---- errors ----------------------------------------------------------- */

/* Write "<path>.<key>: <message>" (or "<key>: ..." at top level). */
int tl_config_fail(tl_config_ctx_t *x, const char *path,
			  const char *key, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (x->errlen == 0)
		return -1;
	if (path && *path && key)
		snprintf(x->err, x->errlen, "%s.%s: %s", path, key, msg);
	else if (path && *path)
		snprintf(x->err, x->errlen, "%s: %s", path, msg);
	else if (key)
		snprintf(x->err, x->errlen, "%s: %s", key, msg);
	else
		snprintf(x->err, x->errlen, "%s", msg);
	/* Keys and values are quoted from the file: a control character in
	 * one (a key "a\nb") must not split or forge the one-line message. */
	for (char *p = x->err; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	return -1;
}

/* "a string", "a number", ...: what a value is, for "got ..." texts. */
const char *tl_config_kind(const cJSON *v)
{
	if (cJSON_IsString(v))
		return "a string";
	if (cJSON_IsNumber(v))
		return "a number";
	if (cJSON_IsBool(v))
		return "a boolean";
	if (cJSON_IsNull(v))
		return "null";
	if (cJSON_IsArray(v))
		return "an array";
	if (cJSON_IsObject(v))
		return "an object";
	return "an invalid value";
}

/* ---- structure -------------------------------------------------------- */

/*
 * `obj` (at `path`) must be an object whose keys are all in the
 * NULL-ended `allowed` list, each at most once. Because an unknown key
 * stops the walk, the duplicate scan is bounded by the allowed set.
 */
int tl_config_keys(tl_config_ctx_t *x, const cJSON *obj,
			  const char *path, const char *const *allowed)
{
	if (!cJSON_IsObject(obj))
		return tl_config_fail(x, path, NULL, "expected an object, got %s",
				      tl_config_kind(obj));
	for (const cJSON *c = obj->child; c; c = c->next) {
		const char *const *a = allowed;

		while (*a && strcmp(*a, c->string) != 0)
			a++;
		if (!*a)
			return tl_config_fail(x, path, c->string, "unknown key");
		for (const cJSON *p = obj->child; p != c; p = p->next)
			if (strcmp(p->string, c->string) == 0)
				return tl_config_fail(x, path, c->string,
						      "duplicate key");
	}
	return 0;
}

/*
 * A map object (symbol -> value): at most `max` entries, keys valid
 * symbol names, no duplicates. Checked before any entry is read.
 */
static bool tl_config_symbol_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= TL_SYMBOL_NAMELEN)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '-'))
			return false;
	}
	return true;
}

int tl_config_map(tl_config_ctx_t *x, const cJSON *obj,
			 const char *path, uint32_t max)
{
	uint32_t n = 0;

	if (!cJSON_IsObject(obj))
		return tl_config_fail(x, path, NULL, "expected an object, got %s",
				      tl_config_kind(obj));
	for (const cJSON *c = obj->child; c; c = c->next)
		if (++n > max)
			return tl_config_fail(x, path, NULL,
					      "expected at most %u entries", max);
	for (const cJSON *c = obj->child; c; c = c->next) {
		if (!tl_config_symbol_ok(c->string))
			return tl_config_fail(x, path, NULL,
					      "bad symbol name \"%.40s\": expected 1..%d of [A-Z0-9_-]",
					      c->string, TL_SYMBOL_NAMELEN - 1);
		for (const cJSON *p = obj->child; p != c; p = p->next)
			if (strcmp(p->string, c->string) == 0)
				return tl_config_fail(x, path, c->string,
						      "duplicate key");
	}
	return 0;
}

/* ---- typed getters ----------------------------------------------------- *
 * Each returns 0 when the key is absent (output untouched), 1 when it was
 * read into *out, -1 on error with the message set.                        */

/* A JSON number with no fraction in lo..hi (both within +-2^53). */
int tl_config_int_v(tl_config_ctx_t *x, const cJSON *v, const char *path,
			   const char *key, int64_t lo, int64_t hi, int64_t *out)
{
	if (!cJSON_IsNumber(v))
		return tl_config_fail(x, path, key,
				      "expected an integer in %lld..%lld, got %s",
				      (long long)lo, (long long)hi,
				      tl_config_kind(v));
	double d = v->valuedouble;

	if (!isfinite(d) || d != trunc(d))
		return tl_config_fail(x, path, key,
				      "expected an integer in %lld..%lld, got %.16g",
				      (long long)lo, (long long)hi, d);
	if (d < (double)lo || d > (double)hi)
		return tl_config_fail(x, path, key,
				      "expected an integer in %lld..%lld, got %.16g",
				      (long long)lo, (long long)hi, d);
	*out = (int64_t)d;
	return 1;
}

int tl_config_int(tl_config_ctx_t *x, const cJSON *obj, const char *path,
			 const char *key, int64_t lo, int64_t hi, int64_t *out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	return v ? tl_config_int_v(x, v, path, key, lo, hi, out) : 0;
}

int tl_config_u32(tl_config_ctx_t *x, const cJSON *obj, const char *path,
			 const char *key, uint32_t lo, uint32_t hi, uint32_t *out)
{
	int64_t v;
	int r = tl_config_int(x, obj, path, key, lo, hi, &v);

	if (r == 1)
		*out = (uint32_t)v;
	return r;
}

int tl_config_i32(tl_config_ctx_t *x, const cJSON *obj, const char *path,
			 const char *key, int32_t lo, int32_t hi, int32_t *out)
{
	int64_t v;
	int r = tl_config_int(x, obj, path, key, lo, hi, &v);

	if (r == 1)
		*out = (int32_t)v;
	return r;
}

int tl_config_u64(tl_config_ctx_t *x, const cJSON *obj, const char *path,
			 const char *key, uint64_t *out)
{
	int64_t v;
	int r = tl_config_int(x, obj, path, key, 0, TL_CONFIG_INT_MAX, &v);

	if (r == 1)
		*out = (uint64_t)v;
	return r;
}

/* A count in milliseconds (lo..hi) stored as nanoseconds. */
int tl_config_ms(tl_config_ctx_t *x, const cJSON *obj, const char *path,
			const char *key, int64_t lo, int64_t hi, tl_time_t *out)
{
	int64_t v;
	int r = tl_config_int(x, obj, path, key, lo, hi, &v);

	if (r == 1)
		*out = v * TL_NS_PER_MS;
	return r;
}

/* A power of two in lo..hi (lo, hi powers of two themselves). */
static int tl_config_pow2(tl_config_ctx_t *x, const cJSON *obj, const char *path,
			  const char *key, uint32_t lo, uint32_t hi, uint32_t *out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	if (!v)
		return 0;
	if (!cJSON_IsNumber(v))
		return tl_config_fail(x, path, key,
				      "expected a power of two in %u..%u, got %s",
				      lo, hi, tl_config_kind(v));
	double d = v->valuedouble;
	uint64_t n = (isfinite(d) && d == trunc(d) && d >= lo && d <= hi) ?
		     (uint64_t)d : 0;

	if (n == 0 || (n & (n - 1)) != 0)
		return tl_config_fail(x, path, key,
				      "expected a power of two in %u..%u, got %.16g",
				      lo, hi, d);
	*out = (uint32_t)n;
	return 1;
}

int tl_config_bool(tl_config_ctx_t *x, const cJSON *obj, const char *path,
			  const char *key, bool *out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	if (!v)
		return 0;
	if (!cJSON_IsBool(v))
		return tl_config_fail(x, path, key,
				      "expected true or false, got %s",
				      tl_config_kind(v));
	*out = cJSON_IsTrue(v);
	return 1;
}

/* A decimal string (exact, 8 decimals max) in lo..hi. */
int tl_config_fx_v(tl_config_ctx_t *x, const cJSON *v, const char *path,
			  const char *key, tl_fx_t lo, tl_fx_t hi, tl_fx_t *out)
{
	char a[TL_FX_STRLEN], b[TL_FX_STRLEN];
	tl_fx_t f;

	if (cJSON_IsNumber(v))
		return tl_config_fail(x, path, key,
				      "expected a decimal string like \"0.001\", got a number (write it in quotes: money is never a float)");
	if (!cJSON_IsString(v))
		return tl_config_fail(x, path, key,
				      "expected a decimal string like \"0.001\", got %s",
				      tl_config_kind(v));
	tl_fx_err_t e = tl_fx_parse(v->valuestring, strlen(v->valuestring), &f);

	if (e != TL_FX_OK)
		return tl_config_fail(x, path, key, "bad decimal \"%.40s\": %s",
				      v->valuestring, tl_fx_strerror(e));
	if (f < lo || f > hi) {
		tl_fx_format(lo, -1, a, sizeof(a));
		tl_fx_format(hi, -1, b, sizeof(b));
		if (hi == TL_FX_MAX)
			return tl_config_fail(x, path, key,
					      "expected a decimal >= %s, got \"%.40s\"",
					      a, v->valuestring);
		return tl_config_fail(x, path, key,
				      "expected a decimal in %s..%s, got \"%.40s\"",
				      a, b, v->valuestring);
	}
	*out = f;
	return 1;
}

int tl_config_fx(tl_config_ctx_t *x, const cJSON *obj, const char *path,
			const char *key, tl_fx_t lo, tl_fx_t hi, tl_fx_t *out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	return v ? tl_config_fx_v(x, v, path, key, lo, hi, out) : 0;
}

/* One of `names` (NULL-ended); *out gets its index. */
static int tl_config_enum(tl_config_ctx_t *x, const cJSON *obj, const char *path,
			  const char *key, const char *const *names, int *out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	char list[128] = "";
	size_t used = 0;

	if (!v)
		return 0;
	if (cJSON_IsString(v))
		for (int i = 0; names[i]; i++)
			if (strcmp(names[i], v->valuestring) == 0) {
				*out = i;
				return 1;
			}
	for (int i = 0; names[i] && used < sizeof(list); i++) {
		int n = snprintf(list + used, sizeof(list) - used, "%s\"%s\"",
				 i ? ", " : "", names[i]);
		if (n < 0)
			break;
		used += (size_t)n;
	}
	if (cJSON_IsString(v))
		return tl_config_fail(x, path, key, "expected one of %s, got \"%.40s\"",
				      list, v->valuestring);
	return tl_config_fail(x, path, key, "expected one of %s, got %s", list,
			      tl_config_kind(v));
}

/* A string of 1..cap-1 chars of [A-Za-z0-9_-]. */
static int tl_config_name(tl_config_ctx_t *x, const cJSON *obj, const char *path,
			  const char *key, char *out, size_t cap)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	if (!v)
		return 0;
	if (cJSON_IsString(v)) {
		const char *s = v->valuestring;
		size_t n = strlen(s), i;

		for (i = 0; i < n; i++) {
			char c = s[i];

			if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			      (c >= '0' && c <= '9') || c == '_' || c == '-'))
				break;
		}
		if (n > 0 && n < cap && i == n) {
			memcpy(out, s, n + 1);
			return 1;
		}
	}
	if (cJSON_IsString(v))
		return tl_config_fail(x, path, key,
				      "expected 1..%zu characters of [A-Za-z0-9_-], got \"%.40s\"",
				      cap - 1, v->valuestring);
	return tl_config_fail(x, path, key,
			      "expected 1..%zu characters of [A-Za-z0-9_-], got %s",
			      cap - 1, tl_config_kind(v));
}

/*
 * A file path (may be ""), resolved against base_dir when relative. The
 * result must fit TL_PATH_MAX with its NUL.
 */
int tl_config_path(tl_config_ctx_t *x, const cJSON *obj, const char *path,
			  const char *key, char out[TL_PATH_MAX])
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	const char *b = x->base_dir;
	int n;

	if (!v)
		return 0;
	if (!cJSON_IsString(v))
		return tl_config_fail(x, path, key, "expected a path string, got %s",
				      tl_config_kind(v));
	const char *s = v->valuestring;
	size_t len = strlen(s);

	if (len >= TL_PATH_MAX)
		return tl_config_fail(x, path, key,
				      "path too long: %zu bytes, at most %d",
				      len, TL_PATH_MAX - 1);
	if (len == 0 || s[0] == '/' || !b || !*b)
		n = snprintf(out, TL_PATH_MAX, "%s", s);
	else if (b[strlen(b) - 1] == '/')
		n = snprintf(out, TL_PATH_MAX, "%s%s", b, s);
	else
		n = snprintf(out, TL_PATH_MAX, "%s/%s", b, s);
	if (n < 0 || n >= TL_PATH_MAX)
		return tl_config_fail(x, path, key,
				      "path too long once resolved against \"%.60s\": at most %d bytes",
				      b, TL_PATH_MAX - 1);
	return 1;
}

/* ---- sections --------------------------------------------------------- */

static const char *const tl_config_idle_names[] = {
	"spin", "yield", "backoff", "sleep", "park", NULL
};
static const char *const tl_config_threading_names[] = {
	"dedicated", "shared", NULL
};
static const char *const tl_config_on_stop_names[] = {
	"leave", "cancel", "flatten", NULL
};
static const char *const tl_config_level_names[] = {
	"error", "warn", "info", "debug", NULL
};

/* cpu / idle / idle_us / timer_slack_ns, shared by engine and io. */
static int tl_config_agent(tl_config_ctx_t *x, const cJSON *o, const char *p,
			   tl_agent_cfg_t *a)
{
	int idle;
	int r;

	int64_t cpu;

	TL_CFG_TRY(r = tl_config_int(x, o, p, "cpu", -1, 1023, &cpu));
	if (r == 1)
		a->cpu = (int)cpu;
	TL_CFG_TRY(r = tl_config_enum(x, o, p, "idle", tl_config_idle_names, &idle));
	if (r == 1)
		a->idle = (tl_idle_t)idle;
	TL_CFG_TRY(tl_config_u32(x, o, p, "idle_us", 1, 100000, &a->idle_us));
	TL_CFG_TRY(tl_config_u32(x, o, p, "timer_slack_ns", 1, 1000000, &a->timer_slack_ns));
	return 0;
}

static int tl_config_engine(tl_config_ctx_t *x, const cJSON *o, tl_config_t *c)
{
	static const char *const keys[] = {
		"name", "cpu", "idle", "idle_us", "timer_slack_ns", "snapshot_hz",
		"allow_core_dumps", "threading", "on_stop", "stop_timeout_ms", NULL
	};
	int th, os, r;

	TL_CFG_TRY(tl_config_keys(x, o, "engine", keys));
	TL_CFG_TRY(tl_config_name(x, o, "engine", "name", c->name, sizeof(c->name)));
	TL_CFG_TRY(tl_config_agent(x, o, "engine", &c->engine));
	TL_CFG_TRY(tl_config_u32(x, o, "engine", "snapshot_hz", 1, 1000,
				 &c->snapshot_hz));
	TL_CFG_TRY(tl_config_bool(x, o, "engine", "allow_core_dumps",
				  &c->allow_core_dumps));
	TL_CFG_TRY(r = tl_config_enum(x, o, "engine", "threading",
				      tl_config_threading_names, &th));
	if (r == 1)
		c->threading = (tl_threading_t)th;
	TL_CFG_TRY(r = tl_config_enum(x, o, "engine", "on_stop", tl_config_on_stop_names, &os));
	if (r == 1)
		c->on_stop = (tl_on_stop_t)os;
	TL_CFG_TRY(tl_config_u32(x, o, "engine", "stop_timeout_ms", 100, 600000,
				 &c->stop_timeout_ms));
	return 0;
}

const char *tl_config_on_stop_name(tl_on_stop_t m)
{
	return (unsigned)m < 3 ? tl_config_on_stop_names[m] : "?";
}

static int tl_config_io(tl_config_ctx_t *x, const cJSON *o, tl_config_t *c)
{
	static const char *const keys[] = { "cpu", "idle", "idle_us", "timer_slack_ns", NULL };

	TL_CFG_TRY(tl_config_keys(x, o, "io", keys));
	return tl_config_agent(x, o, "io", &c->io);
}

static int tl_config_backoff(tl_config_ctx_t *x, const cJSON *o, const char *p,
			     tl_backoff_t *b)
{
	static const char *const keys[] = {
		"base_ms", "cap_ms", "attempts", "jitter_pct", "seed", NULL
	};

	TL_CFG_TRY(tl_config_keys(x, o, p, keys));
	TL_CFG_TRY(tl_config_ms(x, o, p, "base_ms", 1, 3600000, &b->base_ns));
	TL_CFG_TRY(tl_config_ms(x, o, p, "cap_ms", 1, 3600000, &b->cap_ns));
	TL_CFG_TRY(tl_config_u32(x, o, p, "attempts", 1, 1000, &b->max_attempts));
	TL_CFG_TRY(tl_config_u32(x, o, p, "jitter_pct", 0, 50, &b->jitter_pct));
	TL_CFG_TRY(tl_config_u64(x, o, p, "seed", &b->seed));
	if (b->cap_ns < b->base_ns)
		return tl_config_fail(x, p, "cap_ms",
				      "expected >= base_ms (%lld), got %lld",
				      (long long)(b->base_ns / TL_NS_PER_MS),
				      (long long)(b->cap_ns / TL_NS_PER_MS));
	return 0;
}

static int tl_config_kernel(tl_config_ctx_t *x, const cJSON *o, tl_config_t *c)
{
	static const char *const keys[] = {
		"order_capacity", "trade_capacity", "client_id_prefix",
		"id_block", "hedge_mode", "leverage", "ack_timeout_ms",
		"query_interval_ms", "order_ttl_s", "retry", "emergency_retry",
		"send_window_ms", "resend_max_age_ms", NULL
	};
	tl_kernel_cfg_t *k = &c->kernel;
	const char *p = "kernel";
	const cJSON *v;
	int64_t ttl;

	TL_CFG_TRY(tl_config_keys(x, o, p, keys));
	TL_CFG_TRY(tl_config_pow2(x, o, p, "order_capacity", 2, 1u << 24,
				  &k->order_cap));
	TL_CFG_TRY(tl_config_pow2(x, o, p, "trade_capacity", 2, 1u << 26,
				  &k->trade_cap));
	TL_CFG_TRY(tl_config_name(x, o, p, "client_id_prefix", k->clid_prefix,
				  sizeof(k->clid_prefix)));
	TL_CFG_TRY(tl_config_u32(x, o, p, "id_block", 1, 1000000, &k->id_block));
	TL_CFG_TRY(tl_config_bool(x, o, p, "hedge_mode", &k->hedge_mode));
	TL_CFG_TRY(tl_config_u32(x, o, p, "leverage", 1, 125, &k->leverage));
	TL_CFG_TRY(tl_config_ms(x, o, p, "ack_timeout_ms", 1, 3600000,
				&k->ack_timeout_ns));
	TL_CFG_TRY(tl_config_ms(x, o, p, "query_interval_ms", 1, 3600000,
				&k->query_interval_ns));
	TL_CFG_TRY(tl_config_ms(x, o, p, "send_window_ms", 0, 3600000,
				&k->send_window_ns));
	TL_CFG_TRY(tl_config_ms(x, o, p, "resend_max_age_ms", 0, 3600000,
				&k->resend_max_age_ns));
	int r = tl_config_int(x, o, p, "order_ttl_s", 0, 366 * 86400, &ttl);

	TL_CFG_TRY(r);
	if (r == 1)
		k->order_ttl_ns = ttl * TL_NS_PER_S;
	if ((v = cJSON_GetObjectItemCaseSensitive(o, "retry")))
		TL_CFG_TRY(tl_config_backoff(x, v, "kernel.retry", &k->backoff));
	if ((v = cJSON_GetObjectItemCaseSensitive(o, "emergency_retry")))
		TL_CFG_TRY(tl_config_backoff(x, v, "kernel.emergency_retry",
					     &k->emergency_backoff));
	return 0;
}

static int tl_config_risk(tl_config_ctx_t *x, const cJSON *o, tl_config_t *c)
{
	static const char *const keys[] = {
		"max_order_qty", "max_order_notional", "max_position_qty",
		"max_open_orders", "orders_per_10s", "orders_per_min",
		"loss_limit", "daily_loss_limit", "day_reset_hour", "taker_rate", NULL
	};
	tl_kernel_cfg_t *k = &c->kernel;
	const char *p = "risk";

	TL_CFG_TRY(tl_config_keys(x, o, p, keys));
	TL_CFG_TRY(tl_config_fx(x, o, p, "max_order_qty", 0, TL_FX_MAX,
				&k->max_order_qty));
	TL_CFG_TRY(tl_config_fx(x, o, p, "max_order_notional", 0, TL_FX_MAX,
				&k->max_order_notional));
	TL_CFG_TRY(tl_config_fx(x, o, p, "max_position_qty", 0, TL_FX_MAX,
				&k->max_position_qty));
	TL_CFG_TRY(tl_config_u32(x, o, p, "max_open_orders", 0, 1u << 24,
				 &k->max_open_orders));
	TL_CFG_TRY(tl_config_u32(x, o, p, "orders_per_10s", 0, 1000000,
				 &k->rate_10s));
	TL_CFG_TRY(tl_config_u32(x, o, p, "orders_per_min", 0, 1000000,
				 &k->rate_1m));
	TL_CFG_TRY(tl_config_fx(x, o, p, "loss_limit", 0, TL_FX_MAX,
				&k->loss_limit));
	TL_CFG_TRY(tl_config_fx(x, o, p, "daily_loss_limit", 0, TL_FX_MAX,
				&k->daily_loss_limit));
	TL_CFG_TRY(tl_config_u32(x, o, p, "day_reset_hour", 0, 23,
				 &k->day_reset_hour));
	/* The margin check's fee rate: the account's taker rate. */
	TL_CFG_TRY(tl_config_fx(x, o, p, "taker_rate", 0, TL_FX_ONE / 100,
				&k->taker_rate));
	return 0;
}

static int tl_config_rings(tl_config_ctx_t *x, const cJSON *o, tl_config_t *c)
{
	static const char *const keys[] = {
		"command", "request", "venue", "event", "journal",
		"high_water_pct", NULL
	};
	const char *p = "rings";
	const uint32_t lo = 4, hi = 1u << 24;   /* ring.h's limits */

	TL_CFG_TRY(tl_config_keys(x, o, p, keys));
	TL_CFG_TRY(tl_config_pow2(x, o, p, "command", lo, hi, &c->ring_command));
	TL_CFG_TRY(tl_config_pow2(x, o, p, "request", lo, hi, &c->ring_request));
	TL_CFG_TRY(tl_config_pow2(x, o, p, "venue", lo, hi, &c->ring_venue));
	TL_CFG_TRY(tl_config_pow2(x, o, p, "event", lo, hi, &c->ring_event));
	TL_CFG_TRY(tl_config_pow2(x, o, p, "journal", lo, hi, &c->ring_journal));
	TL_CFG_TRY(tl_config_u32(x, o, p, "high_water_pct", 1, 100,
				 &c->high_water_pct));
	return 0;
}

/* Index of `name` in the symbol list, or -1. */
int tl_config_sym_index(const tl_config_t *c, const char *name)
{
	for (uint32_t i = 0; i < c->n_symbols; i++)
		if (strcmp(c->symbols[i], name) == 0)
			return (int)i;
	return -1;
}

const char *tl_margin_type_name(int t)
{
	return t == TL_MARGIN_ISOLATED ? "ISOLATED" :
	       t == TL_MARGIN_CROSSED ? "CROSSED" : "";
}

/* One margin type value: TL_MARGIN_ISOLATED / _CROSSED, or -1. */
static int tl_config_margin_v(tl_config_ctx_t *x, const cJSON *v,
			      const char *path, const char *key)
{
	if (cJSON_IsString(v) && strcmp(v->valuestring, "ISOLATED") == 0)
		return TL_MARGIN_ISOLATED;
	if (cJSON_IsString(v) && strcmp(v->valuestring, "CROSSED") == 0)
		return TL_MARGIN_CROSSED;
	if (cJSON_IsString(v))
		return tl_config_fail(x, path, key,
				      "expected \"ISOLATED\" or \"CROSSED\", got \"%.20s\"",
				      v->valuestring);
	return tl_config_fail(x, path, key,
			      "expected \"ISOLATED\" or \"CROSSED\", got %s",
			      tl_config_kind(v));
}

static int tl_config_symbols_sec(tl_config_ctx_t *x, const cJSON *o,
				 tl_config_t *c)
{
	static const char *const keys[] = {
		"exchange_info", "only", "leverage", "margin_type", NULL
	};
	const char *p = "symbols";
	const cJSON *v;
	char sub[TL_CONFIG_PATHLEN];

	TL_CFG_TRY(tl_config_keys(x, o, p, keys));
	TL_CFG_TRY(tl_config_path(x, o, p, "exchange_info", c->exchange_info));
	if (!c->exchange_info[0])
		return tl_config_fail(x, p, "exchange_info",
				      "expected a file path, got \"\"");
	if ((v = cJSON_GetObjectItemCaseSensitive(o, "only"))) {
		int n = cJSON_IsArray(v) ? cJSON_GetArraySize(v) : -1;
		int i = 0;

		if (n < 1 || n > TL_CFG_SYMBOLS_MAX)
			return n < 0 ?
				tl_config_fail(x, p, "only",
					       "expected an array of symbol names, got %s",
					       tl_config_kind(v)) :
				tl_config_fail(x, p, "only",
					       "expected 1..%d symbol names, got %d",
					       TL_CFG_SYMBOLS_MAX, n);
		c->n_symbols = 0;
		memset(c->symbols, 0, sizeof(c->symbols));
		memset(c->leverage, 0, sizeof(c->leverage));
		memset(c->margin_type, 0, sizeof(c->margin_type));
		for (const cJSON *s = v->child; s; s = s->next, i++) {
			snprintf(sub, sizeof(sub), "symbols.only[%d]", i);
			if (!cJSON_IsString(s) || !tl_config_symbol_ok(s->valuestring))
				return tl_config_fail(x, sub, NULL,
						      "expected a symbol name of 1..%d [A-Z0-9_-], got %s",
						      TL_SYMBOL_NAMELEN - 1,
						      tl_config_kind(s));
			if (tl_config_sym_index(c, s->valuestring) >= 0)
				return tl_config_fail(x, sub, NULL,
						      "duplicate symbol \"%s\"",
						      s->valuestring);
			memcpy(c->symbols[c->n_symbols++], s->valuestring,
			       strlen(s->valuestring) + 1);
		}
	}
	if ((v = cJSON_GetObjectItemCaseSensitive(o, "leverage"))) {
		TL_CFG_TRY(tl_config_map(x, v, "symbols.leverage",
					 TL_CFG_SYMBOLS_MAX));
		for (const cJSON *s = v->child; s; s = s->next) {
			int64_t lev;
			int id = tl_config_sym_index(c, s->string);

			if (id < 0)
				return tl_config_fail(x, "symbols.leverage", s->string,
						      "not in symbols.only");
			TL_CFG_TRY(tl_config_int_v(x, s, "symbols.leverage",
						   s->string, 1, 125, &lev));
			c->leverage[id] = (uint32_t)lev;
		}
	}
	if ((v = cJSON_GetObjectItemCaseSensitive(o, "margin_type"))) {
		int t;

		if (cJSON_IsString(v)) {
			TL_CFG_TRY(t = tl_config_margin_v(x, v, p, "margin_type"));
			for (uint32_t i = 0; i < TL_CFG_SYMBOLS_MAX; i++)
				c->margin_type[i] = (uint8_t)t;
			return 0;
		}
		if (!cJSON_IsObject(v))
			return tl_config_fail(x, p, "margin_type",
					      "expected \"ISOLATED\", \"CROSSED\" or an object of symbol: type, got %s",
					      tl_config_kind(v));
		TL_CFG_TRY(tl_config_map(x, v, "symbols.margin_type",
					 TL_CFG_SYMBOLS_MAX));
		for (const cJSON *s = v->child; s; s = s->next) {
			int id = tl_config_sym_index(c, s->string);

			if (id < 0)
				return tl_config_fail(x, "symbols.margin_type", s->string,
						      "not in symbols.only");
			TL_CFG_TRY(t = tl_config_margin_v(x, s, "symbols.margin_type",
							  s->string));
			c->margin_type[id] = (uint8_t)t;
		}
	}
	return 0;
}

/* At most this many drivers in the registry (io/venue.c). */
#define TL_CONFIG_DRIVERS_MAX 16

/*
 * venue: "type" names a driver of the registry (io/venue.c); every
 * venue.<name> object is parsed by the driver of that name: the selected
 * one into c->venue, any other into scratch (checked the same way, then
 * dropped), so a section of an unused venue is still validated.
 */
static int tl_config_venue(tl_config_ctx_t *x, const cJSON *o, tl_config_t *c)
{
	const char *keys[TL_CONFIG_DRIVERS_MAX + 2];
	const char *names[TL_CONFIG_DRIVERS_MAX + 1];
	const tl_venue_driver_t *d;
	size_t n = 0;
	int t, r, rc = 0;

	keys[0] = "type";
	while (n < TL_CONFIG_DRIVERS_MAX && (d = tl_venue_driver_at(n))) {
		keys[n + 1] = d->name;
		names[n++] = d->name;
	}
	keys[n + 1] = NULL;
	names[n] = NULL;
	TL_CFG_TRY(tl_config_keys(x, o, "venue", keys));
	TL_CFG_TRY(r = tl_config_enum(x, o, "venue", "type", names, &t));
	if (r == 1 && strcmp(c->venue_type, names[t]) != 0) {
		snprintf(c->venue_type, sizeof(c->venue_type), "%s", names[t]);
		memset(c->venue, 0, sizeof(c->venue));
		tl_venue_driver_at((size_t)t)->cfg_defaults(c->venue);
	}
	/* Heap, not stack: the area is tens of KiB and tl_config_parse
	 * already holds a whole tl_config_t on the stack. */
	unsigned char *scratch = NULL;
	for (size_t i = 0; i < n && rc == 0; i++) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, names[i]);
		void *area = c->venue;

		if (!v)
			continue;
		d = tl_venue_driver_at(i);
		if (strcmp(c->venue_type, d->name) != 0) {
			if (!scratch && !(scratch = aligned_alloc(8, TL_VENUE_CFG_MAX)))
				return tl_config_fail(x, "venue", names[i], "out of memory");
			memset(scratch, 0, TL_VENUE_CFG_MAX);
			d->cfg_defaults(scratch);
			area = scratch;
		}
		rc = d->cfg_parse(x, v, area);
		if (area == scratch && d->cfg_wipe)
			d->cfg_wipe(scratch);
	}
	if (scratch)
		explicit_bzero(scratch, TL_VENUE_CFG_MAX);
	free(scratch);
	return rc;
}

static int tl_config_journal(tl_config_ctx_t *x, const cJSON *o, tl_config_t *c)
{
	static const char *const keys[] = { "path", "mode", "sync", NULL };
	static const char *const modes[] = { "async", "strict", NULL };
	static const char *const syncs[] = { "normal", "full", NULL };

	TL_CFG_TRY(tl_config_keys(x, o, "journal", keys));
	TL_CFG_TRY(tl_config_path(x, o, "journal", "path", c->journal_path));
	TL_CFG_TRY(tl_config_enum(x, o, "journal", "mode", modes, &c->journal_strict));
	TL_CFG_TRY(tl_config_enum(x, o, "journal", "sync", syncs, &c->journal_sync_full));
	return 0;
}

/* reconcile: the venue reconciliation (docs/recovery.md). */
static int tl_config_reconcile(tl_config_ctx_t *x, const cJSON *o, tl_config_t *c)
{
	static const char *const keys[] = {
		"policy", "tolerance_pct", "sync_interval_s", "confirm", NULL
	};
	/* index + 1 == tl_recon_policy_t */
	static const char *const policies[] = { "trust_venue", "pause", NULL };
	int pol = c->reconcile.policy - 1, r;

	TL_CFG_TRY(tl_config_keys(x, o, "reconcile", keys));
	TL_CFG_TRY(r = tl_config_enum(x, o, "reconcile", "policy", policies, &pol));
	if (r == 1)
		c->reconcile.policy = pol + 1;
	TL_CFG_TRY(tl_config_fx(x, o, "reconcile", "tolerance_pct", 0, 100 * TL_FX_ONE,
				&c->reconcile.tolerance_pct));
	TL_CFG_TRY(tl_config_u32(x, o, "reconcile", "sync_interval_s", 0, 86400,
				 &c->reconcile.sync_interval_s));
	TL_CFG_TRY(tl_config_u32(x, o, "reconcile", "confirm", 1, 10,
				 &c->reconcile.confirm));
	return 0;
}

/* emergency: the kill switch's venue sweep (docs/operations.md). */
static int tl_config_emergency(tl_config_ctx_t *x, const cJSON *o, tl_config_t *c)
{
	static const char *const keys[] = { "venue_sweep", NULL };
	/* index == tl_sweep_scope_t */
	static const char *const scopes[] = { "symbols", "account", "off", NULL };

	TL_CFG_TRY(tl_config_keys(x, o, "emergency", keys));
	TL_CFG_TRY(tl_config_enum(x, o, "emergency", "venue_sweep", scopes,
				  &c->emergency.venue_sweep));
	return 0;
}

/* monitor.listen: "HOST:PORT" of [A-Za-z0-9.:[]-] (an IPv4 address, a
 * bracketed IPv6 one or localhost; talon monitor parses it and checks
 * the port). */
static int tl_config_listen(tl_config_ctx_t *x, const cJSON *o, char *out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, "listen");

	if (!v)
		return 0;
	if (cJSON_IsString(v)) {
		const char *s = v->valuestring;
		size_t n = strlen(s), i;

		for (i = 0; i < n; i++)
			if (!isalnum((unsigned char)s[i]) && !strchr(".:[]-", s[i]))
				break;
		if (n > 0 && n < TL_CFG_LISTEN_MAX && i == n && strchr(s, ':')) {
			memcpy(out, s, n + 1);
			return 1;
		}
		return tl_config_fail(x, "monitor", "listen",
				      "expected HOST:PORT (1..%d characters of "
				      "[A-Za-z0-9.:[]-]), got \"%.70s\"",
				      TL_CFG_LISTEN_MAX - 1, s);
	}
	return tl_config_fail(x, "monitor", "listen", "expected a \"HOST:PORT\" string, got %s",
			      tl_config_kind(v));
}

/* monitor.token: 1..TL_CFG_TOKEN_MAX printable ASCII characters without
 * spaces. Errors name the key, never the value. */
static int tl_config_token(tl_config_ctx_t *x, const cJSON *o, char *out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, "token");

	if (!v)
		return 0;
	if (!cJSON_IsString(v))
		return tl_config_fail(x, "monitor", "token", "expected a string, got %s",
				      tl_config_kind(v));
	const char *s = v->valuestring;
	size_t n = strlen(s);

	if (n > TL_CFG_TOKEN_MAX)
		return tl_config_fail(x, "monitor", "token",
				      "expected at most %d characters, got %zu (value not shown)",
				      TL_CFG_TOKEN_MAX, n);
	for (size_t i = 0; i < n; i++)
		if (s[i] <= ' ' || s[i] > '~')
			return tl_config_fail(x, "monitor", "token", "expected printable "
					      "ASCII without spaces (value not shown)");
	memcpy(out, s, n + 1);
	return 1;
}

static int tl_config_monitor(tl_config_ctx_t *x, const cJSON *o, tl_config_t *c)
{
	static const char *const keys[] = { "listen", "token", NULL };

	TL_CFG_TRY(tl_config_keys(x, o, "monitor", keys));
	TL_CFG_TRY(tl_config_listen(x, o, c->monitor.listen));
	TL_CFG_TRY(tl_config_token(x, o, c->monitor.token));
	return 0;
}

static int tl_config_log(tl_config_ctx_t *x, const cJSON *o, tl_config_t *c)
{
	static const char *const keys[] = { "level", "format", "file", NULL };
	/* index == TL_LOG_TEXT, TL_LOG_JSON */
	static const char *const formats[] = { "text", "json", NULL };
	int r;

	TL_CFG_TRY(tl_config_keys(x, o, "log", keys));
	TL_CFG_TRY(tl_config_enum(x, o, "log", "level", tl_config_level_names,
				  &c->log_level));
	TL_CFG_TRY(tl_config_enum(x, o, "log", "format", formats, &c->log_format));
	/* Opened by `talon run` (tl_log_open_file), which refuses to start
	 * when it cannot append to it; a directory is refused here. */
	TL_CFG_TRY(r = tl_config_path(x, o, "log", "file", c->log_file));
	if (r == 1 && (c->log_file[0] == '\0' ||
		       c->log_file[strlen(c->log_file) - 1] == '/'))
		return tl_config_fail(x, "log", "file",
				      "expected the path of a file, got \"%.60s\"",
				      c->log_file);
	return 0;
}

/*
 * Rules across sections: the selected venue driver's (its check hook:
 * keys it requires, its own section against symbols.only and kernel.*),
 * then the kernel's own.
 */
static int tl_config_cross(tl_config_ctx_t *x, tl_config_t *c)
{
	const tl_venue_driver_t *d = tl_venue_driver_find(c->venue_type);

	if (!d)
		return tl_config_fail(x, "venue", "type", "no driver named \"%.20s\"",
				      c->venue_type);
	if (d->cfg_check && d->cfg_check(x, c) < 0)
		return -1;
	const tl_kernel_cfg_t *k = &c->kernel;
	/* A resend waits for send_window: an age limit below it would refuse
	 * every resend, which 0 says plainly. */
	if (k->resend_max_age_ns != 0 && k->resend_max_age_ns <= k->send_window_ns)
		return tl_config_fail(x, "kernel.resend_max_age_ms", NULL,
				      "expected 0 (never resend) or more than "
				      "kernel.send_window_ms (%lld), got %lld",
				      (long long)(k->send_window_ns / TL_NS_PER_MS),
				      (long long)(k->resend_max_age_ns / TL_NS_PER_MS));
	return 0;
}

/* Line and column (1-based) of byte offset `off` in `s`. */
static void tl_config_where(const char *s, size_t off, int *line, int *col)
{
	*line = 1;
	*col = 1;
	for (size_t i = 0; i < off; i++) {
		if (s[i] == '\n') {
			(*line)++;
			*col = 1;
		} else {
			(*col)++;
		}
	}
}

/* ---- public ----------------------------------------------------------- */

void tl_config_defaults(tl_config_t *c)
{
	memset(c, 0, sizeof(*c));
	c->engine = (tl_agent_cfg_t){ .cpu = -1, .idle = TL_IDLE_PARK, .idle_us = 50,
				      .timer_slack_ns = 1 };
	c->io = c->engine;
	c->snapshot_hz = 10;
	c->on_stop = TL_ON_STOP_LEAVE;
	c->stop_timeout_ms = 10000;
	tl_kernel_cfg_defaults(&c->kernel);
	c->ring_command = 4096;
	c->ring_request = 4096;
	c->ring_venue = 16384;
	c->ring_event = 16384;
	c->ring_journal = 65536;
	c->high_water_pct = 75;
	snprintf(c->exchange_info, sizeof(c->exchange_info),
		 "config/exchange_info.json");
	c->n_symbols = 2;
	memcpy(c->symbols[0], "BTCUSDT", 8);
	memcpy(c->symbols[1], "ETHUSDT", 8);
	c->log_level = 2;               /* info */
	c->reconcile.policy = 2;        /* TL_RECON_PAUSE: a person looks first */
	c->reconcile.tolerance_pct = TL_FX_ONE;	/* 1 % */
	c->reconcile.sync_interval_s = 60;
	c->reconcile.confirm = 2;
	snprintf(c->monitor.listen, sizeof(c->monitor.listen), "127.0.0.1:9464");
	/* The registry's first driver is the default venue; an engine that
	 * names nothing is named after it. */
	const tl_venue_driver_t *d = tl_venue_driver_at(0);
	snprintf(c->venue_type, sizeof(c->venue_type), "%s", d->name);
	snprintf(c->name, sizeof(c->name), "%s", d->name);
	d->cfg_defaults(c->venue);
}

/* The parsed tree's copies of the text (cJSON's own allocations, freed
 * by cJSON_Delete without clearing) may hold a venue's secret, wherever
 * its driver keeps it: wipe every string of the tree first. */
static void tl_config_wipe_tree(cJSON *node)
{
	for (; node; node = node->next) {
		if (cJSON_IsString(node) && node->valuestring)
			explicit_bzero(node->valuestring, strlen(node->valuestring));
		tl_config_wipe_tree(node->child);
	}
}

void tl_config_wipe_secrets(tl_config_t *cfg)
{
	const tl_venue_driver_t *d = tl_venue_driver_find(cfg->venue_type);

	if (d && d->cfg_wipe)
		d->cfg_wipe(cfg->venue);
	explicit_bzero(cfg->monitor.token, sizeof(cfg->monitor.token));
}

int tl_config_parse(tl_config_t *cfg, const char *json, size_t len,
		    const char *base_dir, char *err, size_t errlen)
{
	static const char *const keys[] = {
		"engine", "io", "kernel", "risk", "rings", "symbols", "venue",
		"journal", "log", "reconcile", "emergency", "monitor", NULL
	};
	static int (*const sections[])(tl_config_ctx_t *, const cJSON *,
				       tl_config_t *) = {
		tl_config_engine, tl_config_io, tl_config_kernel,
		tl_config_risk, tl_config_rings, tl_config_symbols_sec,
		tl_config_venue, tl_config_journal, tl_config_log,
		tl_config_reconcile, tl_config_emergency, tl_config_monitor
	};
	tl_config_ctx_t x = { .err = err, .errlen = errlen, .base_dir = base_dir };
	tl_config_t c;
	const char *end = NULL;
	cJSON *root = NULL;
	int line, col;

	if (errlen)
		err[0] = '\0';
	tl_config_defaults(&c);
	if (len > TL_CONFIG_FILE_MAX) {
		tl_config_fail(&x, NULL, NULL, "config too large: %zu bytes, at most %u",
			       len, TL_CONFIG_FILE_MAX);
		goto err;
	}
	root = cJSON_ParseWithLengthOpts(json, len, &end, false);
	if (!root) {
		/* cJSON sets `end` to the failure point (cJSON_GetErrorPtr
		 * is a process-wide global: not thread-safe). */
		size_t off = (end && end >= json && end <= json + len) ?
			     (size_t)(end - json) : len;

		tl_config_where(json, off, &line, &col);
		tl_config_fail(&x, NULL, NULL,
			       "invalid JSON at line %d column %d", line, col);
		goto err;
	}
	for (const char *p = end; p < json + len; p++)
		if (*p != ' ' && *p != '\t' && *p != '\n' && *p != '\r') {
			tl_config_where(json, (size_t)(p - json), &line, &col);
			tl_config_fail(&x, NULL, NULL,
				       "unexpected text after the JSON object at line %d column %d",
				       line, col);
			goto err;
		}
	if (!cJSON_IsObject(root)) {
		tl_config_fail(&x, NULL, NULL,
			       "expected one JSON object at top level, got %s",
			       tl_config_kind(root));
		goto err;
	}
	if (tl_config_keys(&x, root, "", keys) < 0)
		goto err;
	for (size_t i = 0; keys[i]; i++) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, keys[i]);

		if (v && sections[i](&x, v, &c) < 0)
			goto err;
	}
	/* engine.name given, kernel.client_id_prefix not: a prefix derived
	 * from the name, so two engines on one account never share ids by
	 * default (shm.h). Without a name (the default engine name) it stays
	 * "tl". */
	if (cJSON_GetObjectItemCaseSensitive(
		    cJSON_GetObjectItemCaseSensitive(root, "engine"), "name") &&
	    !cJSON_GetObjectItemCaseSensitive(
		    cJSON_GetObjectItemCaseSensitive(root, "kernel"), "client_id_prefix"))
		tl_shm_default_prefix(c.name, c.kernel.clid_prefix,
				      sizeof(c.kernel.clid_prefix));
	if (tl_config_cross(&x, &c) < 0)
		goto err;
	tl_config_wipe_tree(root);
	cJSON_Delete(root);
	*cfg = c;
	explicit_bzero(&c, sizeof(c));	/* the caller's is the only copy */
	return 0;
err:
	if (root)
		tl_config_wipe_tree(root);
	cJSON_Delete(root);
	explicit_bzero(&c, sizeof(c));
	return -1;
}

/*
 * Read a whole regular file of at most `max` bytes into a malloc'd,
 * NUL-terminated buffer. Returns NULL with a message naming the file.
 * read(2), not stdio: a FILE's buffer would hold a second copy of the
 * text (the API secret) and be freed without being wiped.
 */
static char *tl_config_read(const char *path, size_t max, size_t *len,
			    char *err, size_t errlen)
{
	struct stat st;
	char *buf = NULL;
	size_t n = 0, cap = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		goto err;
	}
	if ((uint64_t)st.st_size > max) {
		snprintf(err, errlen, "%s: file too large: %lld bytes, at most %zu",
			 path, (long long)st.st_size, max);
		goto err;
	}
	/* One byte more than allowed detects a file that grew meanwhile. */
	cap = (size_t)st.st_size + 1;
	buf = malloc(cap + 1);
	if (!buf) {
		snprintf(err, errlen, "%s: out of memory", path);
		goto err;
	}
	while (n < cap) {
		ssize_t r = read(fd, buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			snprintf(err, errlen, "%s: read error: %s", path, strerror(errno));
			goto err;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	if (n > (size_t)st.st_size) {
		snprintf(err, errlen, "%s: file changed while reading", path);
		goto err;
	}
	close(fd);
	buf[n] = '\0';
	*len = n;
	return buf;
err:
	if (buf)
		explicit_bzero(buf, cap + 1);
	free(buf);
	close(fd);
	return NULL;
}

int tl_config_load(tl_config_t *cfg, const char *path, char *err, size_t errlen)
{
	char dir[TL_PATH_MAX], msg[512];
	size_t len, plen = strlen(path);
	const char *slash;
	char *text;
	tl_config_t c;

	if (plen == 0 || plen >= TL_PATH_MAX) {
		snprintf(err, errlen, "config path: expected 1..%d bytes, got %zu",
			 TL_PATH_MAX - 1, plen);
		return -1;
	}
	text = tl_config_read(path, TL_CONFIG_FILE_MAX, &len, err, errlen);
	if (!text)
		return -1;
	/* base_dir = everything before the last '/' ("/" for "/x.json",
	 * "" = the working directory for "x.json"). */
	slash = strrchr(path, '/');
	if (!slash)
		dir[0] = '\0';
	else if (slash == path)
		memcpy(dir, "/", 2);
	else
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	int rc = tl_config_parse(&c, text, len, dir, msg, sizeof(msg));

	explicit_bzero(text, len);	/* the file text holds the API secret */
	free(text);
	if (rc < 0) {
		snprintf(err, errlen, "%s: %s", path, msg);
		return -1;
	}
	memcpy(c.path, path, plen + 1);
	/* Said by tl_config_warn_secret (run, check), not here: ctl and
	 * replay load the same file and print JSON. */
	struct stat st;
	if (c.secret_inline && stat(path, &st) == 0)
		c.secret_file_mode = (uint32_t)(st.st_mode & 07777);
	*cfg = c;
	explicit_bzero(&c, sizeof(c));
	return 0;
}

void tl_config_warn_secret(const tl_config_t *c)
{
	/* The secret is better in a file of its own or the environment
	 * (docs/binance.md, "Secrets"); here at least say who can read it. */
	if (c->secret_inline && (c->secret_file_mode & 044))
		tl_log(TL_LOG_WARN,
		       "%s holds an API secret and is readable by %s (mode %04o): "
		       "chmod 600 %s, or move the secret to api_secret_file or "
		       "TALON_BINANCE_API_SECRET",
		       c->path, (c->secret_file_mode & 04) ? "everyone" : "its group",
		       (unsigned)c->secret_file_mode, c->path);
}

int tl_config_symbols(const tl_config_t *cfg, tl_symbols_t *syms, char *err,
		      size_t errlen)
{
	const char *only[TL_CFG_SYMBOLS_MAX + 1];
	char msg[256];
	size_t len;
	uint32_t n = cfg->n_symbols;
	char *doc;
	int rc;

	memset(syms, 0, sizeof(*syms));
	if (n > TL_CFG_SYMBOLS_MAX) {
		snprintf(err, errlen, "symbols.only: %u names, at most %d", n,
			 TL_CFG_SYMBOLS_MAX);
		return -1;
	}
	for (uint32_t i = 0; i < n; i++)
		only[i] = cfg->symbols[i];
	only[n] = NULL;
	doc = tl_config_read(cfg->exchange_info, TL_CONFIG_XINFO_MAX, &len, err,
			     errlen);
	if (!doc)
		return -1;
	if (tl_symbols_init(syms, n ? n : 1, msg, sizeof(msg)) < 0) {
		snprintf(err, errlen, "%s: %s", cfg->exchange_info, msg);
		free(doc);
		return -1;
	}
	rc = tl_symbols_load(syms, doc, len, n ? only : NULL, msg, sizeof(msg));
	free(doc);
	if (rc < 0) {
		snprintf(err, errlen, "%s: %s", cfg->exchange_info, msg);
		tl_symbols_free(syms);
		return -1;
	}
	return 0;
}
