/*
 * binance_sign.c - HMAC-SHA256 signing with a precomputed key schedule,
 * and the venue clock offset (see binance_sign.h).
 *
 * Key schedule: wc_HmacSetKey pads the secret into the inner and outer
 * key blocks (ipad/opad) once. wc_HmacFinal leaves those blocks in place
 * and marks the inner hash un-keyed, so the next wc_HmacUpdate re-seeds
 * it from ipad: every signature after init costs two SHA-256 runs over
 * the message plus two block compressions, with no key handling and no
 * allocation. The struct holds only the padded blocks (secret XOR
 * constants), never the secret's text, and is zeroed by
 * tl_binance_signer_wipe.
 *
 * Thread: a signer is owned by the IO thread; the clock likewise.
 */
#define _GNU_SOURCE   /* memmem */
#include "io/binance/sign.h"

#include <assert.h>
#include <errno.h>
#include <string.h>

#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/asn_public.h>
#include <wolfssl/wolfcrypt/ed25519.h>
#include <wolfssl/wolfcrypt/hmac.h>

static_assert(sizeof(Hmac) <= sizeof(((tl_binance_signer_t *)0)->hmac),
	      "tl_binance_signer_t.hmac too small for this wolfSSL build");
static_assert(_Alignof(Hmac) <= 16, "Hmac alignment");
static_assert(sizeof(ed25519_key) <= sizeof(((tl_binance_signer_t *)0)->ed25519),
	      "tl_binance_signer_t.ed25519 too small for this wolfSSL build");
static_assert(_Alignof(ed25519_key) <= 16, "ed25519_key alignment");
static_assert(TL_BINANCE_SIG_B64 == (ED25519_SIG_SIZE + 2) / 3 * 4,
	      "base64 length of an Ed25519 signature");

/* ---- clock ---------------------------------------------------------- */

void tl_binance_clock_init(tl_binance_clock_t *c)
{
	memset(c, 0, sizeof(*c));
}

int tl_binance_clock_update(tl_binance_clock_t *c, int64_t server_ms,
			    tl_time_t t_send, tl_time_t t_recv)
{
	if (server_ms <= 0 || t_recv < t_send ||
	    server_ms > INT64_MAX / TL_NS_PER_MS)
		return -EINVAL;
	/* Midpoint without overflowing t_send + t_recv. */
	tl_time_t mid = t_send + (t_recv - t_send) / 2;
	c->offset_ns = server_ms * TL_NS_PER_MS - mid;
	c->rtt_ns = t_recv - t_send;
	c->samples++;
	return 0;
}

int64_t tl_binance_clock_ms(const tl_binance_clock_t *c, tl_time_t now)
{
	int64_t t = now + c->offset_ns;
	int64_t q = t / TL_NS_PER_MS;

	if (t % TL_NS_PER_MS < 0)
		q--;
	return q;
}

/* ---- signer ---------------------------------------------------------- */

static Hmac *tl_binance_signer_hmac(tl_binance_signer_t *s)
{
	return (Hmac *)(void *)s->hmac;
}

static ed25519_key *tl_binance_signer_ed(tl_binance_signer_t *s)
{
	return (ed25519_key *)(void *)s->ed25519;
}

static void tl_binance_wipe_bytes(void *v, size_t n)
{
	volatile unsigned char *p = v;

	while (n--)
		*p++ = 0;
}

void tl_binance_signer_wipe(tl_binance_signer_t *s)
{
	volatile unsigned char *p = (volatile unsigned char *)s;
	size_t i;

	if (s->ready && s->kind == TL_BINANCE_SIGN_ED25519)
		wc_ed25519_free(tl_binance_signer_ed(s));
	else if (s->ready)
		wc_HmacFree(tl_binance_signer_hmac(s));
	for (i = 0; i < sizeof(*s); i++)
		p[i] = 0;
}

int tl_binance_signer_init(tl_binance_signer_t *s, const char *api_key,
			   const char *api_secret)
{
	size_t klen, slen, i;
	Hmac *h = tl_binance_signer_hmac(s);

	memset(s, 0, sizeof(*s));
	if (!api_key || !api_secret)
		return -EINVAL;
	klen = strnlen(api_key, TL_BINANCE_APIKEY_MAX + 1);
	slen = strlen(api_secret);
	if (klen == 0 || klen > TL_BINANCE_APIKEY_MAX || slen == 0 ||
	    slen > UINT32_MAX)
		return -EINVAL;
	for (i = 0; i < klen; i++)
		if (api_key[i] <= ' ' || api_key[i] > '~')
			return -EINVAL;  /* it goes into an HTTP header */
	if (wc_HmacInit(h, NULL, INVALID_DEVID) != 0) {
		tl_binance_signer_wipe(s);
		return -EIO;
	}
	s->ready = true;   /* from here wipe must wc_HmacFree */
	s->kind = TL_BINANCE_SIGN_HMAC;
	if (wc_HmacSetKey(h, WC_SHA256, (const byte *)api_secret,
			  (word32)slen) != 0) {
		tl_binance_signer_wipe(s);
		return -EIO;
	}
	memcpy(s->api_key, api_key, klen);
	s->api_key[klen] = '\0';
	s->api_key_len = (uint16_t)klen;
	return 0;
}

static bool tl_binance_api_key_valid(const char *k, size_t *len)
{
	size_t n, i;

	if (!k)
		return false;
	n = strnlen(k, TL_BINANCE_APIKEY_MAX + 1);
	if (n == 0 || n > TL_BINANCE_APIKEY_MAX)
		return false;
	for (i = 0; i < n; i++)
		if (k[i] <= ' ' || k[i] > '~')
			return false;  /* it goes into a header / JSON string */
	*len = n;
	return true;
}

static int tl_binance_ed_fail(tl_binance_signer_t *s, char *err,
			      size_t errlen, const char *msg)
{
	tl_binance_signer_wipe(s);
	if (err && errlen)
		snprintf(err, errlen, "%s", msg);
	return -EINVAL;
}

int tl_binance_signer_init_ed25519(tl_binance_signer_t *s,
				   const char *api_key, const char *pem,
				   size_t pem_len, char *err, size_t errlen)
{
	static const char begin[] = "-----BEGIN PRIVATE KEY-----";
	/* A PKCS#8 Ed25519 key is 48 bytes of DER (with the public key
	 * attribute up to ~90); PEM-decoding cannot grow it. */
	unsigned char der[TL_BINANCE_PEM_MAX];
	unsigned char pub[ED25519_PUB_KEY_SIZE];
	unsigned char priv[ED25519_PRV_KEY_SIZE];
	ed25519_key *k = tl_binance_signer_ed(s);
	word32 idx = 0, plen = sizeof pub;
	size_t klen = 0;
	int dlen, rc;

	memset(s, 0, sizeof(*s));
	if (err && errlen)
		err[0] = '\0';
	if (!tl_binance_api_key_valid(api_key, &klen))
		return tl_binance_ed_fail(s, err, errlen,
			"api key: 1..128 printable ASCII characters required");
	if (!pem || pem_len == 0 || pem_len > TL_BINANCE_PEM_MAX)
		return tl_binance_ed_fail(s, err, errlen,
			"ed25519 key: empty or longer than 4096 bytes");
	if (!memmem(pem, pem_len, begin, sizeof begin - 1))
		return tl_binance_ed_fail(s, err, errlen,
			"ed25519 key: not a PEM \"PRIVATE KEY\" (PKCS#8, as Binance's key generator writes it)");
	dlen = wc_KeyPemToDer((const unsigned char *)pem, (int)pem_len, der,
			      (int)sizeof der, NULL);
	if (dlen <= 0) {
		tl_binance_wipe_bytes(der, sizeof der);
		return tl_binance_ed_fail(s, err, errlen,
			"ed25519 key: the PEM does not decode");
	}
	if (wc_ed25519_init(k) != 0) {
		tl_binance_wipe_bytes(der, sizeof der);
		return tl_binance_ed_fail(s, err, errlen,
			"ed25519 key: wolfCrypt init failed");
	}
	s->ready = true;   /* from here wipe must wc_ed25519_free */
	s->kind = TL_BINANCE_SIGN_ED25519;
	rc = wc_Ed25519PrivateKeyDecode(der, &idx, k, (word32)dlen);
	tl_binance_wipe_bytes(der, sizeof der);
	if (rc != 0)
		return tl_binance_ed_fail(s, err, errlen,
			"ed25519 key: not an Ed25519 PKCS#8 private key");
	/* PKCS#8 from openssl / Binance's generator holds the private half
	 * only; signing needs the public half too: derive it and load both. */
	if (!k->pubKeySet) {
		memcpy(priv, k->k, ED25519_KEY_SIZE);
		rc = wc_ed25519_make_public(k, pub, plen);
		if (rc == 0)
			rc = wc_ed25519_import_private_key(priv, ED25519_KEY_SIZE,
							   pub, plen, k);
		tl_binance_wipe_bytes(priv, sizeof priv);
		if (rc != 0)
			return tl_binance_ed_fail(s, err, errlen,
				"ed25519 key: cannot derive its public key");
	}
	memcpy(s->api_key, api_key, klen);
	s->api_key[klen] = '\0';
	s->api_key_len = (uint16_t)klen;
	return 0;
}

int tl_binance_signer_load_ed25519(tl_binance_signer_t *s,
				   const char *api_key, const char *path,
				   char *err, size_t errlen)
{
	char pem[TL_BINANCE_PEM_MAX + 1];
	char why[160];
	struct stat st;
	size_t len = 0;
	ssize_t n;
	int fd, rc = 0;

	memset(s, 0, sizeof(*s));
	if (err && errlen)
		err[0] = '\0';
	if (!path || !path[0]) {
		if (err && errlen)
			snprintf(err, errlen, "ed25519 key file: no path");
		return -EINVAL;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		rc = -errno;
		if (err && errlen)
			snprintf(err, errlen, "ed25519 key file %s: %s", path,
				 strerror(-rc));
		return rc;
	}
	if (fstat(fd, &st) != 0) {
		rc = -errno;
		snprintf(why, sizeof why, "%s", strerror(-rc));
	} else if (!S_ISREG(st.st_mode)) {
		rc = -EINVAL;
		snprintf(why, sizeof why, "not a regular file");
	} else if (st.st_uid != geteuid()) {
		rc = -EACCES;
		snprintf(why, sizeof why, "owned by uid %u, not by the user running talon",
			 (unsigned)st.st_uid);
	} else if (st.st_mode & 077) {
		rc = -EACCES;
		snprintf(why, sizeof why, "mode %04o: expected 0600 or stricter",
			 (unsigned)(st.st_mode & 07777));
	}
	while (rc == 0 && (n = read(fd, pem + len, sizeof pem - len)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = -errno;
			snprintf(why, sizeof why, "%s", strerror(-rc));
		} else if ((len += (size_t)n) > TL_BINANCE_PEM_MAX) {
			rc = -EINVAL;
			snprintf(why, sizeof why, "larger than %d bytes",
				 TL_BINANCE_PEM_MAX);
		}
	}
	close(fd);
	if (rc == 0) {
		rc = tl_binance_signer_init_ed25519(s, api_key, pem, len, why,
						    sizeof why);
	}
	tl_binance_wipe_bytes(pem, sizeof pem);
	if (rc != 0 && err && errlen)
		snprintf(err, errlen, "ed25519 key file %s: %s", path, why);
	return rc;
}

tl_binance_sign_kind_t tl_binance_signer_kind(const tl_binance_signer_t *s)
{
	return s->ready ? (tl_binance_sign_kind_t)s->kind : TL_BINANCE_SIGN_NONE;
}

int tl_binance_sign_ed25519_b64(tl_binance_signer_t *s, const char *msg,
				size_t len, char out[TL_BINANCE_SIG_B64 + 1])
{
	static const char b64[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	unsigned char sig[ED25519_SIG_SIZE];
	word32 slen = sizeof sig;
	size_t i, o = 0;

	if (!s->ready || s->kind != TL_BINANCE_SIGN_ED25519 ||
	    (len && !msg) || len > UINT32_MAX)
		return -EINVAL;
	if (wc_ed25519_sign_msg((const byte *)(len ? msg : ""), (word32)len,
				sig, &slen, tl_binance_signer_ed(s)) != 0 ||
	    slen != ED25519_SIG_SIZE)
		return -EIO;
	for (i = 0; i + 2 < ED25519_SIG_SIZE; i += 3) {
		uint32_t v = (uint32_t)sig[i] << 16 | (uint32_t)sig[i + 1] << 8 |
			     sig[i + 2];
		out[o++] = b64[v >> 18];
		out[o++] = b64[(v >> 12) & 63];
		out[o++] = b64[(v >> 6) & 63];
		out[o++] = b64[v & 63];
	}
	/* 64 = 21 * 3 + 1: one byte left, two '=' of padding. */
	out[o++] = b64[sig[i] >> 2];
	out[o++] = b64[(sig[i] & 3) << 4];
	out[o++] = '=';
	out[o++] = '=';
	out[o] = '\0';
	return 0;
}

const char *tl_binance_signer_api_key(const tl_binance_signer_t *s)
{
	return s->ready ? s->api_key : "";
}

int tl_binance_sign_hex(tl_binance_signer_t *s, const char *query,
			size_t qlen, const char *body, size_t blen,
			char out[TL_BINANCE_SIG_HEX + 1])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char mac[WC_SHA256_DIGEST_SIZE];
	volatile unsigned char *vm = mac;
	Hmac *h = tl_binance_signer_hmac(s);
	int i, rc = -EIO;

	if (!s->ready || s->kind != TL_BINANCE_SIGN_HMAC ||
	    (qlen && !query) || (blen && !body) ||
	    qlen > UINT32_MAX || blen > UINT32_MAX)
		return -EINVAL;
	if (qlen && wc_HmacUpdate(h, (const byte *)query, (word32)qlen) != 0)
		goto out;
	if (blen && wc_HmacUpdate(h, (const byte *)body, (word32)blen) != 0)
		goto out;
	if (wc_HmacFinal(h, mac) != 0)
		goto out;
	for (i = 0; i < WC_SHA256_DIGEST_SIZE; i++) {
		out[2 * i] = hex[mac[i] >> 4];
		out[2 * i + 1] = hex[mac[i] & 15];
	}
	out[TL_BINANCE_SIG_HEX] = '\0';
	rc = 0;
out:
	for (i = 0; i < WC_SHA256_DIGEST_SIZE; i++)
		vm[i] = 0;
	return rc;
}

/* The Ed25519 form of sign_append: base64, percent-encoded ('+', '/',
 * '=' are not form-safe), over buf alone. */
static int tl_binance_append_ed25519(tl_binance_signer_t *s, char *buf,
				     size_t len, size_t cap, size_t plen)
{
	static const char hex[] = "0123456789ABCDEF";
	char sig[TL_BINANCE_SIG_B64 + 1], enc[TL_BINANCE_SIG_B64 * 3 + 1];
	size_t i, e = 0, at = len, need;
	int rc;

	/* wolfCrypt signs one contiguous message (no streaming): a query
	 * prefix would need a copy; talon never signs one (binance.c). */
	if (plen)
		return -EINVAL;
	rc = tl_binance_sign_ed25519_b64(s, buf, len, sig);
	if (rc != 0)
		return rc;
	for (i = 0; i < TL_BINANCE_SIG_B64; i++) {
		unsigned char c = (unsigned char)sig[i];
		if (c == '+' || c == '/' || c == '=') {
			enc[e++] = '%';
			enc[e++] = hex[c >> 4];
			enc[e++] = hex[c & 15];
		} else {
			enc[e++] = (char)c;
		}
	}
	need = len + (len ? 11 : 10) + e + 1;
	if (need > cap || need > (size_t)INT32_MAX)
		return -ENOSPC;
	if (len)
		buf[at++] = '&';
	memcpy(buf + at, "signature=", 10);
	at += 10;
	memcpy(buf + at, enc, e);
	at += e;
	buf[at] = '\0';
	return (int)at;
}

int tl_binance_sign_append(tl_binance_signer_t *s, char *buf, size_t len,
			   size_t cap, const char *pre, size_t plen)
{
	static const char param[] = "&signature=";
	char sig[TL_BINANCE_SIG_HEX + 1];
	size_t need, at = len;
	int rc;

	if (!buf)
		return -EINVAL;
	if (s->ready && s->kind == TL_BINANCE_SIGN_ED25519)
		return tl_binance_append_ed25519(s, buf, len, cap, plen);
	need = len + (len ? sizeof(param) - 1 : sizeof(param) - 2) +
	       TL_BINANCE_SIG_HEX + 1;
	if (need > cap || need > (size_t)INT32_MAX)
		return -ENOSPC;
	rc = tl_binance_sign_hex(s, pre, plen, buf, len, sig);
	if (rc != 0)
		return rc;
	if (len) {
		memcpy(buf + at, param, sizeof(param) - 1);
		at += sizeof(param) - 1;
	} else {
		memcpy(buf + at, param + 1, sizeof(param) - 2);
		at += sizeof(param) - 2;
	}
	memcpy(buf + at, sig, TL_BINANCE_SIG_HEX);
	at += TL_BINANCE_SIG_HEX;
	buf[at] = '\0';
	return (int)at;
}
