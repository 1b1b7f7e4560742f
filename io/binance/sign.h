/*
 * binance_sign.h - HMAC-SHA256 request signing and the venue clock for
 * the Binance USD-M adapter (Binance USD-M API docs).
 *
 * Signer: initialised once from the API key and secret. The secret is
 * turned into wolfCrypt's HMAC key schedule (the inner and outer padded
 * key blocks) at init and the caller's copy is never kept, formatted or
 * logged; every signature reuses the schedule, so signing allocates
 * nothing and never re-derives the key. tl_binance_signer_wipe zeroes the
 * whole struct. A signer belongs to one thread (the IO thread).
 *
 * Clock: the venue's clock is the local clock plus an offset estimated
 * from GET /fapi/v1/time (at start and again after -1021): the server's
 * time is taken to be read half way between sending and receiving.
 */
#ifndef TL_BINANCE_SIGN_H
#define TL_BINANCE_SIGN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel/types.h"

#define TL_BINANCE_APIKEY_MAX 128   /* longest API key accepted */
#define TL_BINANCE_SIG_HEX 64       /* hex digits of a signature */
/* Bytes tl_binance_sign_append adds: "&signature=" + 64 hex. */
#define TL_BINANCE_SIG_PARAM_LEN (11 + TL_BINANCE_SIG_HEX)
/* The most any signer's tl_binance_sign_append adds: an Ed25519
 * signature is 88 base64 characters, each at worst percent-encoded. */
#define TL_BINANCE_SIG_PARAM_MAX (11 + 3 * 88)

/* ---- clock ---------------------------------------------------------- */

typedef struct tl_binance_clock {
	int64_t offset_ns;   /* venue time - local time */
	int64_t rtt_ns;      /* round trip of the sample that set it */
	uint32_t samples;    /* accepted samples so far */
} tl_binance_clock_t;

/* Offset 0, no samples. */
void tl_binance_clock_init(tl_binance_clock_t *c);

/*
 * Take one /fapi/v1/time sample: `server_ms` from the response, `t_send`
 * and `t_recv` local times (ns) around the request. Sets
 *   offset = server_ms * 1e6 - (t_send + t_recv) / 2.
 * Returns 0, or -EINVAL (t_recv < t_send, server_ms <= 0) leaving the
 * clock untouched.
 */
int tl_binance_clock_update(tl_binance_clock_t *c, int64_t server_ms,
			    tl_time_t t_send, tl_time_t t_recv);

/* Venue time in ms (the `timestamp` parameter) at local time `now` (ns),
 * rounded toward -inf. */
int64_t tl_binance_clock_ms(const tl_binance_clock_t *c, tl_time_t now);

/* ---- signer ---------------------------------------------------------- */

/* Base64 characters of an Ed25519 signature (64 bytes). */
#define TL_BINANCE_SIG_B64 88
/* Longest PEM text tl_binance_signer_init_ed25519 reads. */
#define TL_BINANCE_PEM_MAX 4096

/* The key a signer holds: Binance HMAC keys (secret) or Ed25519 keys
 * (the private key; Binance keeps the public one). */
typedef enum tl_binance_sign_kind {
	TL_BINANCE_SIGN_NONE = 0,
	TL_BINANCE_SIGN_HMAC,
	TL_BINANCE_SIGN_ED25519,
} tl_binance_sign_kind_t;

typedef struct tl_binance_signer {
	/* wolfCrypt Hmac with the key schedule loaded, or an ed25519_key
	 * (opaque here so that users of this header need no wolfSSL
	 * includes). */
	union {
		_Alignas(16) unsigned char hmac[1024];
		_Alignas(16) unsigned char ed25519[512];
	};
	char api_key[TL_BINANCE_APIKEY_MAX + 1]; /* not secret: a header value */
	uint16_t api_key_len;
	bool ready;
	uint8_t kind;            /* tl_binance_sign_kind_t */
} tl_binance_signer_t;

/*
 * Load the key pair. `api_key` must be 1..TL_BINANCE_APIKEY_MAX printable
 * ASCII characters, `api_secret` non-empty (both NUL-terminated). The
 * secret is only read, never stored as text. Returns 0, -EINVAL, or -EIO
 * (wolfCrypt refused the key); on error the signer is wiped.
 */
int tl_binance_signer_init(tl_binance_signer_t *s, const char *api_key,
			   const char *api_secret);

/*
 * Load an Ed25519 key pair: `api_key` as for tl_binance_signer_init,
 * `pem` the private key as Binance's key generator writes it (PKCS#8,
 * "-----BEGIN PRIVATE KEY-----"), pem_len bytes (<= TL_BINANCE_PEM_MAX,
 * NUL not needed). The PEM and its DER are only read (the DER copy is
 * wiped before return). Returns 0, or -EINVAL with a message in
 * err[errlen] that never quotes the key (not PEM, not an Ed25519 PKCS#8
 * key, bad api key); on error the signer is wiped.
 */
int tl_binance_signer_init_ed25519(tl_binance_signer_t *s,
				   const char *api_key, const char *pem,
				   size_t pem_len, char *err, size_t errlen);

/*
 * tl_binance_signer_init_ed25519 from the PEM file `path`
 * (venue.binance.ed25519_key_file). The open file must be a regular file
 * owned by the effective user with no group/other access (checked on the
 * open descriptor, so a file swapped after the config check is caught)
 * and at most TL_BINANCE_PEM_MAX bytes. The text read is wiped before
 * return. Returns 0 or -EINVAL / -EACCES / -errno of open/read with a
 * message in err that names the path, never the content.
 */
int tl_binance_signer_load_ed25519(tl_binance_signer_t *s,
				   const char *api_key, const char *path,
				   char *err, size_t errlen);

/* TL_BINANCE_SIGN_HMAC / _ED25519, or _NONE when not ready. */
tl_binance_sign_kind_t tl_binance_signer_kind(const tl_binance_signer_t *s);

/*
 * out = base64(Ed25519(private key, msg)) (standard alphabet, '='
 * padding, no newline), out[88] = NUL. Ed25519 signer only: -EINVAL
 * otherwise; -EIO when wolfCrypt fails. Allocates nothing.
 */
int tl_binance_sign_ed25519_b64(tl_binance_signer_t *s, const char *msg,
				size_t len, char out[TL_BINANCE_SIG_B64 + 1]);

/* Zero every byte of the signer (volatile stores, not optimised away).
 * Safe on a zeroed or already wiped signer. */
void tl_binance_signer_wipe(tl_binance_signer_t *s);

/* The API key for the X-MBX-APIKEY header ("" when not ready). */
const char *tl_binance_signer_api_key(const tl_binance_signer_t *s);

/*
 * out = lowercase hex HMAC-SHA256(secret, query || body) with nothing
 * between the two parts (1.4); out[64] = NUL. Either part may be empty
 * (NULL with length 0). Returns 0, -EINVAL (signer not ready) or -EIO.
 */
int tl_binance_sign_hex(tl_binance_signer_t *s, const char *query,
			size_t qlen, const char *body, size_t blen,
			char out[TL_BINANCE_SIG_HEX + 1]);

/*
 * Sign and append `&signature=<hex>` (or `signature=<hex>` when len is 0;
 * an Ed25519 signer appends its base64 signature percent-encoded, up to
 * TL_BINANCE_SIG_PARAM_MAX bytes, and refuses a non-empty `pre`: -EINVAL)
 * to buf[0..len), which must be the part (query or body) that carries the
 * signature, so the signature is its last parameter. The signed text is
 * pre[0..plen) || buf[0..len): pass the query string as `pre` when the
 * parameters travel in the body behind a non-empty query, else NULL/0.
 * NUL-terminates. Returns the new length, -ENOSPC (len +
 * TL_BINANCE_SIG_PARAM_LEN + 1 > cap; buf untouched), -EINVAL or -EIO.
 */
int tl_binance_sign_append(tl_binance_signer_t *s, char *buf, size_t len,
			   size_t cap, const char *pre, size_t plen);

#endif /* TL_BINANCE_SIGN_H */
