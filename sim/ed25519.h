/*
 * ed25519.h - Ed25519 API keys of the simulated venue (wolfCrypt).
 *
 * Binance lets a WebSocket API connection log on (session.logon) only
 * with an Ed25519 API key: the client signs the request payload with its
 * private key and sends base64(signature); the venue holds the public
 * key (config: accounts[].ed25519_public_key or _file, PEM).
 */
#ifndef TL_SIM_ED25519_H
#define TL_SIM_ED25519_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TL_SIM_ED25519_PUB 32

/* Raw public key from a PEM "PUBLIC KEY" (SubjectPublicKeyInfo) text.
 * Returns 0, or -1 when it is not an Ed25519 public key. */
int tl_sim_ed25519_pem_pub(const char *pem, size_t len,
			   uint8_t out[TL_SIM_ED25519_PUB]);

/* True when sig_b64 (standard base64 of a 64-byte signature) is a valid
 * Ed25519 signature of msg[0..n) under pub. */
bool tl_sim_ed25519_verify(const uint8_t pub[TL_SIM_ED25519_PUB],
			   const char *msg, size_t n, const char *sig_b64);

#endif /* TL_SIM_ED25519_H */
