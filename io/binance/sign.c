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
#include "io/binance/sign.h"

#include <assert.h>
#include <errno.h>
#include <string.h>

#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/hmac.h>

static_assert(sizeof(Hmac) <= sizeof(((tl_binance_signer_t *)0)->hmac),
	      "tl_binance_signer_t.hmac too small for this wolfSSL build");
static_assert(_Alignof(Hmac) <= 16, "Hmac alignment");

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

void tl_binance_signer_wipe(tl_binance_signer_t *s)
{
	volatile unsigned char *p = (volatile unsigned char *)s;
	size_t i;

	if (s->ready)
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

	if (!s->ready || (qlen && !query) || (blen && !body) ||
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

int tl_binance_sign_append(tl_binance_signer_t *s, char *buf, size_t len,
			   size_t cap, const char *pre, size_t plen)
{
	static const char param[] = "&signature=";
	char sig[TL_BINANCE_SIG_HEX + 1];
	size_t need, at = len;
	int rc;

	if (!buf)
		return -EINVAL;
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
