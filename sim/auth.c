/*
 * auth.c - HMAC-SHA256 request signatures and timestamp windows.
 *
 * The signature parameter is located in the raw query or body by name
 * (case-insensitive) at a parameter boundary; that one `name=value`
 * segment (with its joining '&') is cut out and HMAC is computed over
 * query' || body'. The provided hex is lowercased before the compare
 * (Binance treats the hex case-insensitively).
 */
#include "sim/auth.h"

#include <string.h>
#include <strings.h>

#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/hmac.h>

#define AUTH_MAX_SIGNED 16384

int tl_sim_hmac_hex(const char *key, size_t klen, const char *msg,
		    size_t mlen, char out[65])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char mac[WC_SHA256_DIGEST_SIZE];
	Hmac h;
	int i, rc = -1;

	if (wc_HmacInit(&h, NULL, INVALID_DEVID) != 0)
		return -1;
	if (wc_HmacSetKey(&h, WC_SHA256, (const byte *)key, (word32)klen) != 0)
		goto out;
	if (wc_HmacUpdate(&h, (const byte *)msg, (word32)mlen) != 0)
		goto out;
	if (wc_HmacFinal(&h, mac) != 0)
		goto out;
	for (i = 0; i < WC_SHA256_DIGEST_SIZE; i++) {
		out[2 * i] = hex[mac[i] >> 4];
		out[2 * i + 1] = hex[mac[i] & 15];
	}
	out[64] = '\0';
	rc = 0;
out:
	wc_HmacFree(&h);
	return rc;
}

bool tl_sim_ct_equal(const void *a, const void *b, size_t n)
{
	const volatile unsigned char *x = a, *y = b;
	unsigned char d = 0;
	size_t i;

	for (i = 0; i < n; i++)
		d |= x[i] ^ y[i];
	return d == 0;
}

/* Find "signature=" at a parameter boundary of s[0..len). Sets the
 * segment to cut [*cut0, *cut1) and the raw value [*v0, *v1). */
static bool auth_find_sig(const char *s, size_t len, size_t *cut0,
			  size_t *cut1, size_t *v0, size_t *v1)
{
	static const char key[] = "signature=";
	const size_t kl = sizeof key - 1;
	size_t i = 0;

	while (i < len) {
		size_t j = i;
		while (j < len && s[j] != '&')
			j++;
		if (j - i >= kl && strncasecmp(s + i, key, kl) == 0) {
			*v0 = i + kl;
			*v1 = j;
			if (i > 0) {          /* "...&signature=x[&...]" */
				*cut0 = i - 1;
				*cut1 = j;
			} else {              /* "signature=x[&...]" */
				*cut0 = 0;
				*cut1 = j < len ? j + 1 : j;
			}
			return true;
		}
		i = j + 1;
	}
	return false;
}

/* The signed payload: query and body as received, the signature
 * parameter cut out. *v0..*v1 is the signature's value within *sig.
 * 0, -1102 (none sent) or -1022 (too long), e filled. */
static int auth_payload(const char *query, size_t qlen, const char *body, size_t blen,
			char msg[AUTH_MAX_SIGNED], size_t *n_out, const char **sig,
			size_t *v0, size_t *v1, tl_sim_err_t *e)
{
	size_t c0, c1, n;
	bool in_query = auth_find_sig(query, qlen, &c0, &c1, v0, v1);

	if (in_query)
		*sig = query;
	else if (auth_find_sig(body, blen, &c0, &c1, v0, v1))
		*sig = body;
	else
		return tl_sim_err_missing(e, "signature");
	if (qlen + blen > AUTH_MAX_SIGNED)
		return tl_sim_err(e, -1022);
	if (in_query) {
		memcpy(msg, query, c0);
		memcpy(msg + c0, query + c1, qlen - c1);
		n = c0 + (qlen - c1);
		memcpy(msg + n, body, blen);
		n += blen;
	} else {
		memcpy(msg, query, qlen);
		n = qlen;
		memcpy(msg + n, body, c0);
		n += c0;
		memcpy(msg + n, body + c1, blen - c1);
		n += blen - c1;
	}
	*n_out = n;
	return 0;
}

int tl_sim_auth_verify(const char *secret, const char *query, size_t qlen,
		       const char *body, size_t blen, tl_sim_err_t *e)
{
	char msg[AUTH_MAX_SIGNED];
	char want[65], got[65];
	size_t v0, v1, n, i;
	const char *sig;
	int rc = auth_payload(query, qlen, body, blen, msg, &n, &sig, &v0, &v1, e);

	if (rc)
		return rc;
	if (v1 - v0 != 64)
		return tl_sim_err(e, -1022);
	for (i = 0; i < 64; i++) {
		char c = sig[v0 + i];
		got[i] = (c >= 'A' && c <= 'F') ? (char)(c - 'A' + 'a') : c;
	}
	got[64] = '\0';
	if (tl_sim_hmac_hex(secret, strlen(secret), msg, n, want) != 0)
		return tl_sim_err(e, -1000);
	if (!tl_sim_ct_equal(want, got, 64))
		return tl_sim_err(e, -1022);
	return 0;
}

static int auth_hex(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
	       : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

int tl_sim_auth_verify_ed25519(const uint8_t pub[TL_SIM_ED25519_PUB], const char *query,
			       size_t qlen, const char *body, size_t blen, tl_sim_err_t *e)
{
	char msg[AUTH_MAX_SIGNED];
	char b64[96];
	size_t v0, v1, n, i, k = 0;
	const char *sig;
	int rc = auth_payload(query, qlen, body, blen, msg, &n, &sig, &v0, &v1, e);

	if (rc)
		return rc;
	/* base64 of 64 bytes, percent-encoded in a query (+ / =) */
	for (i = v0; i < v1; i++) {
		char c = sig[i];
		if (c == '%' && i + 2 < v1 && auth_hex(sig[i + 1]) >= 0 &&
		    auth_hex(sig[i + 2]) >= 0) {
			c = (char)(auth_hex(sig[i + 1]) * 16 + auth_hex(sig[i + 2]));
			i += 2;
		}
		if (k + 1 >= sizeof b64)
			return tl_sim_err(e, -1022);
		b64[k++] = c;
	}
	b64[k] = '\0';
	if (!tl_sim_ed25519_verify(pub, msg, n, b64))
		return tl_sim_err(e, -1022);
	return 0;
}

static bool auth_int(const char *s, int64_t *out)
{
	int64_t v = 0;

	if (!s || !*s)
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || v > (INT64_MAX - 9) / 10)
			return false;
		v = v * 10 + (*s - '0');
	}
	*out = v;
	return true;
}

int tl_sim_auth_time(const char *ts_s, const char *rw_s, int64_t now_ms,
		     int64_t max_window, tl_sim_err_t *e)
{
	int64_t ts, rw = 5000;

	if (!auth_int(ts_s, &ts))
		return tl_sim_err_missing(e, "timestamp");
	if (rw_s && *rw_s) {
		if (!auth_int(rw_s, &rw) || rw <= 0 ||
		    (max_window > 0 && rw > max_window))
			return tl_sim_errf(e, -1130,
					   "Data sent for parameter 'recvWindow' is not valid.");
	}
	if (ts >= now_ms + 1000)
		return tl_sim_errf(e, -1021,
				   "Timestamp for this request was 1000ms ahead of the server's time.");
	if (now_ms - ts > rw)
		return tl_sim_err(e, -1021);
	return 0;
}
