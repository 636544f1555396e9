/* Key agreement between one client and one server, and the keys derived from it. */
#ifndef KNOCK_CRYPTO_H
#define KNOCK_CRYPTO_H

#include <stdint.h>

#include "keys.h"

#define HINT_LEN  8
#define TIME_STEP 30 /* seconds; the key hint and the knock sequence rotate at this step */

/* Derived once per (client, server) pair at config load; identical on both sides. */
struct pair_keys {
	uint8_t aead[32]; /* XChaCha20-Poly1305 key for tokens */
	uint8_t hint[32]; /* keys the rotating key hint */
	uint8_t seq[32];  /* derives authenticated knock sequences */
};

/*
 * own is this side's key pair, peer_pk the other side's public key; client_pk/server_pk
 * fix the order so both sides hash the same transcript.
 */
int crypto_pair_derive(struct pair_keys *out, const struct keypair *own,
		       const uint8_t peer_pk[KEY_PUBLIC_LEN],
		       const uint8_t client_pk[KEY_PUBLIC_LEN],
		       const uint8_t server_pk[KEY_PUBLIC_LEN]) __attribute__((warn_unused_result));
void crypto_hint(uint8_t out[HINT_LEN], const struct pair_keys *k, uint64_t step);

#endif
