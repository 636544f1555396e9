/*
 * Configurations refuse the knock-protocol(7) vector keys (their seeds are published). The
 * unit tests that check the vectors end to end parse a configuration naming stand-in keys,
 * then put the vector public keys in the parsed clients, as an accepted file would have.
 */
#ifndef KNOCK_VECTOR_CFG_H
#define KNOCK_VECTOR_CFG_H

#include <sodium.h>
#include <string.h>

#include "config.h"
#include "keys.h"

/* A fresh key's base64, for the configuration text. */
static inline void stand_in_key(char b64[KEY_B64_LEN])
{
	uint8_t pk[KEY_PUBLIC_LEN], sk[KEY_SECRET_LEN];

	crypto_sign_keypair(pk, sk);
	keys_format_public(pk, b64);
}

/* Client i gets pk (NULL: keeps its stand-in). Returns 1, to chain after config_parse. */
static inline int use_vector_keys(struct config *c, const uint8_t *pk0, const uint8_t *pk1)
{
	if (pk0 && c->nclients > 0)
		memcpy(c->clients[0].pk, pk0, KEY_PUBLIC_LEN);
	if (pk1 && c->nclients > 1)
		memcpy(c->clients[1].pk, pk1, KEY_PUBLIC_LEN);
	return 1;
}

#endif
