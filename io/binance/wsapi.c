/*
 * wsapi.c - ws-fapi request frames from REST queries and response frames
 * to the REST path's inputs (see wsapi.h).
 *
 * Encoding works on the query map.c wrote: its values are percent-
 * encoded (every byte outside [A-Za-z0-9._~-] as %XX), so they are
 * decoded for JSON, while the signature payload keeps them as encoded:
 * that is the text the official connectors sign (binance-connector-
 * python: hmac(secret, urlencode(sorted params with apiKey))), and for
 * talon's own values (symbols, decimals, enums, client ids of
 * [.A-Za-z0-9:/_-]) it differs from the decoded text only for ':' and
 * '/' in client ids.
 *
 * Decoding parses the frame once with cJSON in the caller's arena (full
 * JSON validation, typed fields) and scans the top-level object once by
 * hand for what cJSON cannot give: the exact text spans of result/error
 * (handed on to tl_binance_decode_response), the id's digits beyond 2^53
 * and duplicated keys (cJSON keeps both and returns the first).
 */
#include "io/binance/wsapi.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

/* ========================================================================= */
/* Method mapping                                                            */
/* ========================================================================= */

int tl_binance_wsapi_method(const tl_binance_http_t *http, const char **method)
{
	if (!http || !method || !http->path)
		return -EINVAL;
	*method = NULL;
	if (strcmp(http->path, "/fapi/v1/order") == 0) {
		switch (http->method) {
		case TL_BN_POST: *method = "order.place"; break;
		case TL_BN_DELETE: *method = "order.cancel"; break;
		case TL_BN_GET: *method = "order.status"; break;
		case TL_BN_PUT: *method = "order.modify"; break;
		}
	} else if (strcmp(http->path, "/fapi/v1/algoOrder") == 0) {
		switch (http->method) {
		case TL_BN_POST: *method = "algoOrder.place"; break;
		case TL_BN_DELETE: *method = "algoOrder.cancel"; break;
		default: break;   /* GET algoOrder: no WS method */
		}
	}
	return *method ? 0 : -ENOTSUP;
}

/* ========================================================================= */
/* Output buffer                                                             */
/* ========================================================================= */

typedef struct wsapi_buf {
	char *p;
	size_t len, cap;
	bool over;
} wsapi_buf_t;

static void wsapi_putn(wsapi_buf_t *b, const char *s, size_t n)
{
	if (b->over || n >= b->cap - b->len) {
		b->over = true;
		return;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void wsapi_puts(wsapi_buf_t *b, const char *s)
{
	wsapi_putn(b, s, strlen(s));
}

static void wsapi_u64(wsapi_buf_t *b, uint64_t v)
{
	char t[24];
	int n = snprintf(t, sizeof t, "%llu", (unsigned long long)v);

	wsapi_putn(b, t, (size_t)n);
}

/* A JSON string body (no quotes) of bytes already checked printable
 * ASCII: only '"' and '\' need escapes. */
static void wsapi_json_chars(wsapi_buf_t *b, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '"' || s[i] == '\\')
			wsapi_putn(b, "\\", 1);
		wsapi_putn(b, s + i, 1);
	}
}

/* ========================================================================= */
/* Query -> params                                                           */
/* ========================================================================= */

typedef struct wsapi_param {
	const char *key, *val;   /* raw, as in the query (val percent-encoded) */
	size_t klen, vlen;
} wsapi_param_t;

/* Binance INT parameters (JSON numbers); the rest are strings. */
static bool wsapi_int_key(const char *k, size_t n)
{
	static const char *const ints[] = {
		"recvWindow", "timestamp", "orderId", "algoId", "goodTillDate",
	};
	for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++)
		if (strlen(ints[i]) == n && memcmp(ints[i], k, n) == 0)
			return true;
	return false;
}

static int wsapi_hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static bool wsapi_unreserved(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' ||
	       c == '~';
}

/* Percent-decode val into dec[cap]; every decoded byte printable ASCII.
 * Returns the length or -1. */
static int wsapi_pct_decode(const char *v, size_t n, char *dec, size_t cap)
{
	size_t i = 0, o = 0;

	while (i < n) {
		unsigned char c = (unsigned char)v[i];
		if (c == '%') {
			int h, l;
			if (n - i < 3)
				return -1;
			h = wsapi_hexval(v[i + 1]);
			l = wsapi_hexval(v[i + 2]);
			if (h < 0 || l < 0)
				return -1;
			c = (unsigned char)(h << 4 | l);
			if (c < 0x20 || c > 0x7e)
				return -1;   /* control or non-ASCII byte */
			i += 3;
		} else if (wsapi_unreserved(c)) {
			i++;
		} else {
			return -1;
		}
		if (o >= cap)
			return -1;
		dec[o++] = (char)c;
	}
	return (int)o;
}

static bool wsapi_key_eq(const wsapi_param_t *p, const char *k)
{
	return p->klen == strlen(k) && memcmp(p->key, k, p->klen) == 0;
}

static int wsapi_key_cmp(const wsapi_param_t *a, const wsapi_param_t *b)
{
	size_t n = a->klen < b->klen ? a->klen : b->klen;
	int c = memcmp(a->key, b->key, n);

	if (c)
		return c;
	return a->klen < b->klen ? -1 : a->klen > b->klen;
}

/* Split and check the query; *np params, sorted by key. */
static int wsapi_split(const char *q, size_t qlen, wsapi_param_t *ps,
		       unsigned *np)
{
	char dec[TL_BINANCE_WSAPI_QUERY_MAX];
	unsigned n = 0;
	size_t i = 0;

	*np = 0;
	if (qlen > TL_BINANCE_WSAPI_QUERY_MAX || (qlen && !q))
		return -EINVAL;
	while (i < qlen) {
		size_t ks = i, ke, vs, ve;
		while (i < qlen && q[i] != '=' && q[i] != '&')
			i++;
		ke = i;
		if (i >= qlen || q[i] != '=' || ke == ks || ke - ks > 64)
			return -EINVAL;
		for (size_t k = ks; k < ke; k++)
			if (!((q[k] >= 'a' && q[k] <= 'z') ||
			      (q[k] >= 'A' && q[k] <= 'Z') ||
			      (q[k] >= '0' && q[k] <= '9')))
				return -EINVAL;
		vs = ++i;
		while (i < qlen && q[i] != '&')
			i++;
		ve = i;
		if (ve == vs)
			return -EINVAL;   /* map.c never writes an empty value */
		if (i < qlen && ++i == qlen)
			return -EINVAL;   /* trailing '&' */
		if (n >= TL_BINANCE_WSAPI_PARAMS_MAX)
			return -EINVAL;
		ps[n] = (wsapi_param_t){ q + ks, q + vs, ke - ks, ve - vs };
		if (wsapi_key_eq(&ps[n], "apiKey") ||
		    wsapi_key_eq(&ps[n], "signature"))
			return -EINVAL;   /* this module adds them */
		int dl = wsapi_pct_decode(ps[n].val, ps[n].vlen, dec, sizeof dec);
		if (dl <= 0)
			return -EINVAL;
		if (wsapi_int_key(ps[n].key, ps[n].klen)) {
			/* A JSON integer: digits, no sign, no leading zero. */
			if (dl > 19 || (dl > 1 && dec[0] == '0'))
				return -EINVAL;
			for (int d = 0; d < dl; d++)
				if (dec[d] < '0' || dec[d] > '9')
					return -EINVAL;
		}
		/* Insertion in key order; an equal key is a duplicate. */
		unsigned j = n;
		wsapi_param_t t = ps[n];
		while (j > 0) {
			int c = wsapi_key_cmp(&ps[j - 1], &t);
			if (c == 0)
				return -EINVAL;
			if (c < 0)
				break;
			ps[j] = ps[j - 1];
			j--;
		}
		ps[j] = t;
		n++;
	}
	*np = n;
	return 0;
}

/* The signature payload: key=value&... in key order, apiKey among them
 * (its value form-encoded like map.c's values). */
static int wsapi_payload(const wsapi_param_t *ps, unsigned n,
			 const char *api_key, char *out, size_t cap)
{
	static const char hex[] = "0123456789ABCDEF";
	wsapi_buf_t b = { out, 0, cap, cap == 0 };
	bool key_done = false;
	wsapi_param_t ak = { "apiKey", NULL, 6, 0 };

	if (cap)
		out[0] = '\0';
	for (unsigned i = 0; i <= n; i++) {
		if (!key_done && (i == n || wsapi_key_cmp(&ak, &ps[i]) < 0)) {
			if (b.len)
				wsapi_putn(&b, "&", 1);
			wsapi_puts(&b, "apiKey=");
			for (const char *k = api_key; *k; k++) {
				unsigned char c = (unsigned char)*k;
				if (wsapi_unreserved(c)) {
					wsapi_putn(&b, k, 1);
				} else {
					char e[3] = { '%', hex[c >> 4], hex[c & 15] };
					wsapi_putn(&b, e, 3);
				}
			}
			key_done = true;
		}
		if (i == n)
			break;
		if (b.len)
			wsapi_putn(&b, "&", 1);
		wsapi_putn(&b, ps[i].key, ps[i].klen);
		wsapi_putn(&b, "=", 1);
		wsapi_putn(&b, ps[i].val, ps[i].vlen);
	}
	return b.over ? -EINVAL : (int)b.len;
}

static bool wsapi_method_ok(const char *m)
{
	size_t n = 0;

	if (!m)
		return false;
	for (; m[n]; n++) {
		char c = m[n];
		if (n >= 64 || !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
				 (c >= '0' && c <= '9') || c == '.' || c == '/'))
			return false;
	}
	return n > 0;
}

static void wsapi_head(wsapi_buf_t *b, uint64_t id, const char *method)
{
	wsapi_puts(b, "{\"id\":\"");
	wsapi_u64(b, id);
	wsapi_puts(b, "\",\"method\":\"");
	wsapi_puts(b, method);
	wsapi_puts(b, "\"");
}

static int wsapi_end(wsapi_buf_t *b)
{
	wsapi_puts(b, "}");
	if (b->over) {
		if (b->cap)
			b->p[0] = '\0';
		return -ENOSPC;
	}
	return b->len > INT_MAX ? -ENOSPC : (int)b->len;
}

/* The shared encoder. `need_ed`: logon (Ed25519 only). */
static int wsapi_encode(char *out, size_t cap, uint64_t id, const char *method,
			const char *query, size_t qlen,
			tl_binance_signer_t *signer, bool need_ed)
{
	wsapi_param_t ps[TL_BINANCE_WSAPI_PARAMS_MAX];
	char payload[TL_BINANCE_WSAPI_QUERY_MAX + 3 * TL_BINANCE_APIKEY_MAX + 16];
	char sig[TL_BINANCE_SIG_B64 + TL_BINANCE_SIG_HEX + 1];
	char dec[TL_BINANCE_WSAPI_QUERY_MAX];
	wsapi_buf_t b = { out, 0, cap, cap == 0 };
	tl_binance_sign_kind_t kind = TL_BINANCE_SIGN_NONE;
	unsigned n, i;
	bool key_done;
	int rc;

	if (!out)
		return -EINVAL;
	if (cap)
		out[0] = '\0';
	if (!wsapi_method_ok(method))
		return -EINVAL;
	if ((rc = wsapi_split(query, qlen, ps, &n)) < 0)
		return rc;
	if (signer) {
		bool has_ts = false;
		kind = tl_binance_signer_kind(signer);
		if (kind == TL_BINANCE_SIGN_NONE ||
		    (need_ed && kind != TL_BINANCE_SIGN_ED25519))
			return -EINVAL;
		for (i = 0; i < n; i++)
			has_ts |= wsapi_key_eq(&ps[i], "timestamp");
		if (!has_ts)
			return -EINVAL;
		int pl = wsapi_payload(ps, n, tl_binance_signer_api_key(signer),
				       payload, sizeof payload);
		if (pl < 0)
			return pl;
		rc = kind == TL_BINANCE_SIGN_HMAC
			? tl_binance_sign_hex(signer, payload, (size_t)pl, NULL, 0, sig)
			: tl_binance_sign_ed25519_b64(signer, payload, (size_t)pl, sig);
		/* The payload is public (it goes on the wire); only the key is
		 * secret, and it never left the signer. */
		if (rc < 0)
			return rc == -EINVAL ? -EINVAL : -EIO;
	} else if (need_ed) {
		return -EINVAL;
	}

	wsapi_head(&b, id, method);
	wsapi_puts(&b, ",\"params\":{");
	key_done = signer == NULL;
	wsapi_param_t ak = { "apiKey", NULL, 6, 0 };
	bool first = true;
	for (i = 0; i <= n; i++) {
		if (!key_done && (i == n || wsapi_key_cmp(&ak, &ps[i]) < 0)) {
			const char *k = tl_binance_signer_api_key(signer);
			wsapi_puts(&b, first ? "\"apiKey\":\"" : ",\"apiKey\":\"");
			wsapi_json_chars(&b, k, strlen(k));
			wsapi_puts(&b, "\"");
			key_done = true;
			first = false;
		}
		if (i == n)
			break;
		int dl = wsapi_pct_decode(ps[i].val, ps[i].vlen, dec, sizeof dec);
		bool num = wsapi_int_key(ps[i].key, ps[i].klen);
		wsapi_puts(&b, first ? "\"" : ",\"");
		wsapi_putn(&b, ps[i].key, ps[i].klen);
		wsapi_puts(&b, num ? "\":" : "\":\"");
		wsapi_json_chars(&b, dec, (size_t)dl);
		if (!num)
			wsapi_puts(&b, "\"");
		first = false;
	}
	if (signer) {
		wsapi_puts(&b, ",\"signature\":\"");
		wsapi_puts(&b, sig);
		wsapi_puts(&b, "\"");
	}
	wsapi_puts(&b, "}");
	return wsapi_end(&b);
}

int tl_binance_wsapi_encode(char *out, size_t cap, uint64_t id,
			    const char *method, const char *query,
			    size_t qlen, tl_binance_signer_t *signer)
{
	return wsapi_encode(out, cap, id, method, query, qlen, signer, false);
}

int tl_binance_wsapi_encode_logon(char *out, size_t cap, uint64_t id,
				  tl_binance_signer_t *signer, int64_t ts_ms)
{
	char q[32];
	int n;

	if (out && cap)
		out[0] = '\0';
	if (!signer || ts_ms <= 0)
		return -EINVAL;
	n = snprintf(q, sizeof q, "timestamp=%lld", (long long)ts_ms);
	return wsapi_encode(out, cap, id, "session.logon", q, (size_t)n,
			    signer, true);
}

int tl_binance_wsapi_encode_bare(char *out, size_t cap, uint64_t id,
				 const char *method)
{
	wsapi_buf_t b = { out, 0, cap, cap == 0 };

	if (!out)
		return -EINVAL;
	if (cap)
		out[0] = '\0';
	if (!wsapi_method_ok(method))
		return -EINVAL;
	wsapi_head(&b, id, method);
	return wsapi_end(&b);
}

int tl_binance_wsapi_encode_user_stream(char *out, size_t cap, uint64_t id,
					const char *method,
					const tl_binance_signer_t *signer)
{
	wsapi_buf_t b = { out, 0, cap, cap == 0 };
	const char *k;

	if (!out)
		return -EINVAL;
	if (cap)
		out[0] = '\0';
	if (!wsapi_method_ok(method) || !signer ||
	    tl_binance_signer_kind(signer) == TL_BINANCE_SIGN_NONE)
		return -EINVAL;
	k = tl_binance_signer_api_key(signer);
	wsapi_head(&b, id, method);
	wsapi_puts(&b, ",\"params\":{\"apiKey\":\"");
	wsapi_json_chars(&b, k, strlen(k));
	wsapi_puts(&b, "\"}");
	return wsapi_end(&b);
}

int tl_binance_wsapi_encode_signed(char *out, size_t cap, uint64_t id,
				   const char *method, int64_t ts_ms,
				   uint32_t recv_window_ms,
				   tl_binance_signer_t *signer)
{
	char q[64];
	int n;

	if (out && cap)
		out[0] = '\0';
	if (ts_ms <= 0)
		return -EINVAL;
	if (recv_window_ms)
		n = snprintf(q, sizeof q, "recvWindow=%u&timestamp=%lld",
			     recv_window_ms, (long long)ts_ms);
	else
		n = snprintf(q, sizeof q, "timestamp=%lld", (long long)ts_ms);
	return wsapi_encode(out, cap, id, method, q, (size_t)n, signer, false);
}

/* ========================================================================= */
/* Response frames                                                           */
/* ========================================================================= */

/* Where one top-level value lies in the frame. */
typedef struct wsapi_span {
	const char *p;
	size_t n;
} wsapi_span_t;

enum { WS_ID, WS_STATUS, WS_RESULT, WS_ERROR, WS_RATELIMITS, WS__N };
static const char *const wsapi_top[WS__N] = {
	"id", "status", "result", "error", "rateLimits",
};

static size_t wsapi_ws(const char *s, size_t i, size_t n)
{
	while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' ||
			 s[i] == '\n'))
		i++;
	return i;
}

/* End (one past) of the string starting at s[i] == '"', or 0. */
static size_t wsapi_skip_str(const char *s, size_t i, size_t n)
{
	for (i++; i < n; i++) {
		if (s[i] == '\\')
			i++;
		else if (s[i] == '"')
			return i + 1;
	}
	return 0;
}

/* End of the value starting at s[i] (the frame is valid JSON: cJSON
 * accepted it; every index is still bounds-checked), or 0. */
static size_t wsapi_skip_value(const char *s, size_t i, size_t n)
{
	size_t depth = 0;

	if (i >= n)
		return 0;
	if (s[i] != '{' && s[i] != '[') {
		if (s[i] == '"')
			return wsapi_skip_str(s, i, n);
		while (i < n && s[i] != ',' && s[i] != '}' && s[i] != ']' &&
		       s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n')
			i++;
		return i;
	}
	for (; i < n; i++) {
		char c = s[i];
		if (c == '"') {
			size_t e = wsapi_skip_str(s, i, n);
			if (!e)
				return 0;
			i = e - 1;
		} else if (c == '{' || c == '[') {
			depth++;
		} else if (c == '}' || c == ']') {
			if (--depth == 0)
				return i + 1;
		}
	}
	return 0;
}

/* The spans of the top-level keys; a duplicate, an unknown key or one
 * spelt with escapes is refused. */
static int wsapi_scan(const char *s, size_t n, wsapi_span_t sp[WS__N],
		      const char **field)
{
	size_t i = wsapi_ws(s, 0, n);

	memset(sp, 0, sizeof(wsapi_span_t) * WS__N);
	if (i >= n || s[i] != '{')
		return TL_BN_E_SHAPE;
	i = wsapi_ws(s, i + 1, n);
	if (i < n && s[i] == '}')
		return TL_BN_OK;
	for (;;) {
		size_t ke, ve, k;
		if (i >= n || s[i] != '"' || !(ke = wsapi_skip_str(s, i, n)))
			return TL_BN_E_JSON;
		for (k = 0; k < WS__N; k++)
			if (ke - i - 2 == strlen(wsapi_top[k]) &&
			    memcmp(s + i + 1, wsapi_top[k], ke - i - 2) == 0)
				break;
		if (k == WS__N) {
			*field = "unknown key";
			return TL_BN_E_SHAPE;
		}
		if (sp[k].p) {
			*field = wsapi_top[k];   /* duplicated */
			return TL_BN_E_SHAPE;
		}
		i = wsapi_ws(s, ke, n);
		if (i >= n || s[i] != ':')
			return TL_BN_E_JSON;
		i = wsapi_ws(s, i + 1, n);
		if (!(ve = wsapi_skip_value(s, i, n)) || ve == i)
			return TL_BN_E_JSON;
		sp[k].p = s + i;
		sp[k].n = ve - i;
		i = wsapi_ws(s, ve, n);
		if (i < n && s[i] == ',') {
			i = wsapi_ws(s, i + 1, n);
			continue;
		}
		if (i < n && s[i] == '}')
			return TL_BN_OK;
		return TL_BN_E_JSON;
	}
}

/* 0..UINT64_MAX from 1..20 digits without a leading zero. */
static bool wsapi_u64_digits(const char *p, size_t n, uint64_t *v)
{
	uint64_t x = 0;

	if (n == 0 || n > 20 || (n > 1 && p[0] == '0'))
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned d = (unsigned)(p[i] - '0');
		if (d > 9 || x > (UINT64_MAX - d) / 10)
			return false;
		x = x * 10 + d;
	}
	*v = x;
	return true;
}

static int wsapi_id(const wsapi_span_t *sp, tl_binance_wsapi_resp_t *out)
{
	const char *p = sp->p;
	size_t n = sp->n;

	if (n == 4 && memcmp(p, "null", 4) == 0) {
		out->id_null = true;
		return TL_BN_OK;
	}
	if (n >= 2 && p[0] == '"') {
		p++;
		n -= 2;
	} else if (n == 0 || p[0] < '0' || p[0] > '9') {
		return TL_BN_E_SHAPE;
	}
	for (size_t i = 0; i < n; i++)
		if (p[i] < '0' || p[i] > '9')
			return TL_BN_E_SHAPE;   /* not our id: a UUID, a float ... */
	return wsapi_u64_digits(p, n, &out->id) ? TL_BN_OK : TL_BN_E_RANGE;
}

/* An integral JSON number in [lo, hi]. */
static int wsapi_int(const cJSON *it, double lo, double hi, int64_t *v)
{
	if (!it)
		return TL_BN_E_MISSING;
	if (!cJSON_IsNumber(it))
		return TL_BN_E_SHAPE;
	double d = it->valuedouble;
	if (!(d >= lo && d <= hi))
		return TL_BN_E_RANGE;
	if ((double)(int64_t)d != d)
		return TL_BN_E_SHAPE;
	*v = (int64_t)d;
	return TL_BN_OK;
}

/* Every member of o is one of names[0..n), none twice; bit i of *seen
 * set for names[i]. */
static int wsapi_members(const cJSON *o, const char *const *names, unsigned n,
			 unsigned *seen, const char **field)
{
	*seen = 0;
	for (const cJSON *c = o->child; c; c = c->next) {
		unsigned k;
		for (k = 0; k < n; k++)
			if (c->string && strcmp(c->string, names[k]) == 0)
				break;
		if (k == n) {
			*field = "unknown key";
			return TL_BN_E_SHAPE;
		}
		if (*seen & (1u << k)) {
			*field = names[k];
			return TL_BN_E_SHAPE;
		}
		*seen |= 1u << k;
	}
	return TL_BN_OK;
}

#define WSAPI_NUM_MAX 9007199254740992.0   /* 2^53: exact in a double */

static int wsapi_error_obj(const cJSON *e, tl_binance_wsapi_resp_t *out)
{
	static const char *const names[] = { "code", "msg", "data" };
	static const char *const dnames[] = { "retryAfter", "serverTime" };
	const cJSON *d;
	unsigned seen;
	int64_t v;
	int rc;

	if (!cJSON_IsObject(e))
		return out->field = "error", TL_BN_E_SHAPE;
	if ((rc = wsapi_members(e, names, 3, &seen, &out->field)))
		return rc;
	if ((rc = wsapi_int(cJSON_GetObjectItemCaseSensitive(e, "code"),
			    -1e6, 1e6, &v)))
		return out->field = "error.code", rc;
	if (!(seen & 2))
		return out->field = "error.msg", TL_BN_E_MISSING;
	if (!cJSON_IsString(cJSON_GetObjectItemCaseSensitive(e, "msg")))
		return out->field = "error.msg", TL_BN_E_SHAPE;
	if (!(d = cJSON_GetObjectItemCaseSensitive(e, "data")))
		return TL_BN_OK;
	if (!cJSON_IsObject(d))
		return out->field = "error.data", TL_BN_E_SHAPE;
	if ((rc = wsapi_members(d, dnames, 2, &seen, &out->field)))
		return rc;
	if ((seen & 1) &&
	    (rc = wsapi_int(cJSON_GetObjectItemCaseSensitive(d, "retryAfter"),
			    1, WSAPI_NUM_MAX, &out->retry_after_ms)))
		return out->field = "error.data.retryAfter", rc;
	if ((seen & 2) &&
	    (rc = wsapi_int(cJSON_GetObjectItemCaseSensitive(d, "serverTime"),
			    1, WSAPI_NUM_MAX, &out->server_time_ms)))
		return out->field = "error.data.serverTime", rc;
	if (out->retry_after_ms > out->server_time_ms && out->server_time_ms > 0) {
		int64_t ms = out->retry_after_ms - out->server_time_ms;
		/* A ban lasts at most 3 days; cap so ns cannot overflow. */
		if (ms > INT64_MAX / 1000000)
			ms = INT64_MAX / 1000000;
		out->retry_after_ns = ms * 1000000;
	}
	return TL_BN_OK;
}

static int wsapi_rate_limits(const cJSON *a, tl_binance_wsapi_resp_t *out)
{
	static const char *const names[] = {
		"rateLimitType", "interval", "intervalNum", "limit", "count",
	};
	unsigned taken = 0;   /* limiters already filled: duplicates refused */

	if (!cJSON_IsArray(a))
		return out->field = "rateLimits", TL_BN_E_SHAPE;
	for (const cJSON *e = a->child; e; e = e->next) {
		int64_t num, limit, count;
		const cJSON *t, *iv;
		unsigned seen;
		int rc, id = -1;

		if (++out->rate_limits > TL_BINANCE_WSAPI_RATELIMITS_MAX)
			return out->field = "rateLimits", TL_BN_E_RANGE;
		if (!cJSON_IsObject(e))
			return out->field = "rateLimits", TL_BN_E_SHAPE;
		if ((rc = wsapi_members(e, names, 5, &seen, &out->field)))
			return rc;
		if (seen != 31)
			return out->field = "rateLimits", TL_BN_E_MISSING;
		t = cJSON_GetObjectItemCaseSensitive(e, "rateLimitType");
		iv = cJSON_GetObjectItemCaseSensitive(e, "interval");
		if (!cJSON_IsString(t) || !cJSON_IsString(iv))
			return out->field = "rateLimits", TL_BN_E_SHAPE;
		if ((rc = wsapi_int(cJSON_GetObjectItemCaseSensitive(e, "intervalNum"),
				    1, 1e6, &num)))
			return out->field = "rateLimits.intervalNum", rc;
		if ((rc = wsapi_int(cJSON_GetObjectItemCaseSensitive(e, "limit"),
				    0, UINT32_MAX, &limit)))
			return out->field = "rateLimits.limit", rc;
		if ((rc = wsapi_int(cJSON_GetObjectItemCaseSensitive(e, "count"),
				    0, UINT32_MAX, &count)))
			return out->field = "rateLimits.count", rc;
		bool minute = strcmp(iv->valuestring, "MINUTE") == 0;
		bool second = strcmp(iv->valuestring, "SECOND") == 0;
		if (strcmp(t->valuestring, "REQUEST_WEIGHT") == 0) {
			if (count > out->mbx.used_weight_max)
				out->mbx.used_weight_max = count;
			if (minute && num == 1)
				id = TL_BINANCE_LIMITS_WEIGHT_1M;
		} else if (strcmp(t->valuestring, "ORDERS") == 0) {
			if (second && num == 10)
				id = TL_BINANCE_LIMITS_ORDERS_10S;
			else if (minute && num == 1)
				id = TL_BINANCE_LIMITS_ORDERS_1M;
		}
		if (id < 0)
			continue;   /* a limiter talon does not track */
		if (taken & (1u << id))
			return out->field = "rateLimits", TL_BN_E_SHAPE;
		taken |= 1u << id;
		out->limit[id] = (uint32_t)limit;
		if (id == TL_BINANCE_LIMITS_WEIGHT_1M)
			out->mbx.used_weight_1m = count;
		else if (id == TL_BINANCE_LIMITS_ORDERS_10S)
			out->mbx.order_count_10s = count;
		else
			out->mbx.order_count_1m = count;
	}
	return TL_BN_OK;
}

static void wsapi_resp_reset(tl_binance_wsapi_resp_t *out)
{
	memset(out, 0, sizeof(*out));
	out->mbx.used_weight_1m = -1;
	out->mbx.used_weight_max = -1;
	out->mbx.order_count_10s = -1;
	out->mbx.order_count_1m = -1;
}

static int wsapi_decode(const cJSON *j, const char *frame, size_t len,
			tl_binance_wsapi_resp_t *out)
{
	wsapi_span_t sp[WS__N];
	const cJSON *it;
	int64_t st;
	int rc;

	if (!cJSON_IsObject(j))
		return out->field = "frame", TL_BN_E_SHAPE;
	if ((rc = wsapi_scan(frame, len, sp, &out->field)))
		return out->field ? rc : (out->field = "frame", rc);
	if (!sp[WS_ID].p)
		return out->field = "id", TL_BN_E_MISSING;
	if ((rc = wsapi_id(&sp[WS_ID], out)))
		return out->field = "id", rc;
	if ((rc = wsapi_int(cJSON_GetObjectItemCaseSensitive(j, "status"),
			    100, 599, &st)))
		return out->field = "status", rc;
	out->status = (uint16_t)st;
	out->is_error = st < 200 || st > 299;
	if (out->is_error) {
		if (sp[WS_RESULT].p)
			return out->field = "result", TL_BN_E_SHAPE;
		if (!sp[WS_ERROR].p)
			return out->field = "error", TL_BN_E_MISSING;
		if ((rc = wsapi_error_obj(cJSON_GetObjectItemCaseSensitive(j, "error"),
					  out)))
			return rc;
		out->body = sp[WS_ERROR].p;
		out->body_len = sp[WS_ERROR].n;
	} else {
		if (sp[WS_ERROR].p)
			return out->field = "error", TL_BN_E_SHAPE;
		if (!sp[WS_RESULT].p)
			return out->field = "result", TL_BN_E_MISSING;
		out->body = sp[WS_RESULT].p;
		out->body_len = sp[WS_RESULT].n;
	}
	if ((it = cJSON_GetObjectItemCaseSensitive(j, "rateLimits")) &&
	    (rc = wsapi_rate_limits(it, out)))
		return rc;
	return TL_BN_OK;
}

int tl_binance_wsapi_decode(tl_binance_arena_t *a, const char *frame,
			    size_t len, tl_binance_wsapi_resp_t *out)
{
	bool heap = false;
	cJSON *j;
	int rc;

	if (!out)
		return TL_BN_E_ARG;
	wsapi_resp_reset(out);
	if (!a || !frame) {
		out->field = "arguments";
		return TL_BN_E_ARG;
	}
	if (len == 0 || len > TL_BINANCE_WSAPI_FRAME_MAX) {
		out->field = "frame";
		return len ? TL_BN_E_RANGE : TL_BN_E_JSON;
	}
	/* cJSON skips every byte <= ' ' as whitespace, even between a key
	 * and its value; JSON allows only these four, and no raw control
	 * byte inside a string. Refusing the rest keeps the hand scan and
	 * cJSON reading the same text. */
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)frame[i];
		if (c < 0x20 && c != ' ' && c != '\t' && c != '\r' && c != '\n') {
			out->field = "frame";
			return TL_BN_E_JSON;
		}
	}
	j = tl_binance_parse_any(a, frame, len, &heap);
	if (!j) {
		/* Too large for the arena goes to the heap (map.h), so NULL
		 * means not JSON (or no memory at all). */
		out->field = "frame";
		return TL_BN_E_JSON;
	}
	rc = wsapi_decode(j, frame, len, out);
	if (heap)
		cJSON_Delete(j);
	if (rc != TL_BN_OK) {
		/* A refused frame feeds nothing: not its counts either. */
		const char *field = out->field;
		wsapi_resp_reset(out);
		out->field = field;
	}
	return rc;
}

void tl_binance_wsapi_as_rest(const tl_binance_wsapi_resp_t *w,
			      tl_binance_resp_t *r)
{
	r->http_status = w->status;
	r->retry_after_ns = w->retry_after_ns;
	r->body = w->body;
	r->len = w->body_len;
}
