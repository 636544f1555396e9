/*
 * The pair keys of (our key, a server's key), cached beside our private key: deriving them
 * (Ed25519 -> X25519 with its subgroup check, then X25519) is most of a knock's start-up,
 * and they never change for the pair. Best effort: a missing, foreign or damaged cache is
 * derived again and rewritten; a key directory we cannot write just means no cache.
 */
#ifndef KNOCK_PAIRCACHE_H
#define KNOCK_PAIRCACHE_H

#include <stdint.h>

#include "crypto.h"
#include "keys.h"

/* The pair keys for kp and server_pk, from the cache next to key_path or derived (then
 * cached). -1 when server_pk is unusable. */
int paircache_get(struct pair_keys *out, const char *key_path, const struct keypair *kp,
		  const uint8_t server_pk[KEY_PUBLIC_LEN]) __attribute__((warn_unused_result));

#endif
