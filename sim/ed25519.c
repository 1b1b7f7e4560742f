/*
 * ed25519.c - Ed25519 public keys and signature checks (see ed25519.h).
 */
#include "sim/ed25519.h"

#include <string.h>

#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/asn_public.h>
#include <wolfssl/wolfcrypt/coding.h>
#include <wolfssl/wolfcrypt/ed25519.h>

int tl_sim_ed25519_pem_pub(const char *pem, size_t len,
			   uint8_t out[TL_SIM_ED25519_PUB])
{
	unsigned char der[256];
	ed25519_key key;
	word32 idx = 0, olen = TL_SIM_ED25519_PUB;
	int n, rc;

	if (len == 0 || len > 4096)
		return -1;
	n = wc_PubKeyPemToDer((const unsigned char *)pem, (int)len, der, sizeof der);
	if (n <= 0)
		return -1;
	if (wc_ed25519_init(&key) != 0)
		return -1;
	rc = wc_Ed25519PublicKeyDecode(der, &idx, &key, (word32)n);
	if (rc == 0)
		rc = wc_ed25519_export_public(&key, out, &olen);
	wc_ed25519_free(&key);
	return rc == 0 && olen == TL_SIM_ED25519_PUB ? 0 : -1;
}

bool tl_sim_ed25519_verify(const uint8_t pub[TL_SIM_ED25519_PUB],
			   const char *msg, size_t n, const char *sig_b64)
{
	unsigned char sig[96];
	word32 slen = sizeof sig;
	size_t blen = strlen(sig_b64);
	ed25519_key key;
	int ok = 0;

	/* 64 bytes are 88 base64 characters; anything else is not one */
	if (blen != 88 || Base64_Decode((const byte *)sig_b64, (word32)blen, sig, &slen) != 0 ||
	    slen != ED25519_SIG_SIZE)
		return false;
	if (wc_ed25519_init(&key) != 0)
		return false;
	if (wc_ed25519_import_public(pub, TL_SIM_ED25519_PUB, &key) != 0 ||
	    wc_ed25519_verify_msg(sig, slen, (const byte *)msg, (word32)n, &ok, &key) != 0)
		ok = 0;
	wc_ed25519_free(&key);
	return ok == 1;
}
