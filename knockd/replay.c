/*
 * Replay cache: token nonces seen within the replay window. Pure (time is an argument),
 * sized once at start-up: a set-associative table that never allocates afterwards.
 */
#include "replay.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

int replay_init(struct replay *r, size_t capacity, const uint8_t key[16])
{
	r->nbuckets = (capacity + REPLAY_WAYS - 1) / REPLAY_WAYS;
	if (!r->nbuckets)
		r->nbuckets = 1;
	r->slots = calloc(r->nbuckets * REPLAY_WAYS, sizeof(*r->slots));
	memcpy(r->key, key, sizeof(r->key));
	return r->slots ? 0 : -1;
}

void replay_free(struct replay *r)
{
	free(r->slots);
	r->slots = NULL;
}

static struct replay_entry *bucket(const struct replay *r, const uint8_t id[REPLAY_ID_LEN])
{
	uint8_t h[crypto_shorthash_BYTES];
	uint64_t v = 0;

	crypto_shorthash(h, id, REPLAY_ID_LEN, r->key);
	memcpy(&v, h, sizeof(v));
	return &r->slots[(v % r->nbuckets) * REPLAY_WAYS];
}

int replay_seen(const struct replay *r, const uint8_t id[REPLAY_ID_LEN], int64_t now)
{
	const struct replay_entry *b = bucket(r, id);

	for (int i = 0; i < REPLAY_WAYS; i++)
		if (b[i].expires > now && !memcmp(b[i].id, id, REPLAY_ID_LEN))
			return 1;
	return 0;
}

int replay_add(struct replay *r, const uint8_t id[REPLAY_ID_LEN], int64_t expires, int64_t now)
{
	struct replay_entry *b = bucket(r, id);

	for (int i = 0; i < REPLAY_WAYS; i++) {
		if (b[i].expires <= now) {
			memcpy(b[i].id, id, REPLAY_ID_LEN);
			b[i].expires = expires;
			return 0;
		}
	}
	return -1;
}

size_t replay_live(const struct replay *r, int64_t now)
{
	size_t n = 0;

	for (size_t i = 0; i < r->nbuckets * REPLAY_WAYS; i++)
		n += r->slots[i].expires > now;
	return n;
}
