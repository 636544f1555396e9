/*
 * Replay cache: token nonces seen within the replay window. Pure (time is an argument),
 * sized once: a linear-probing table with room for twice what the shares can hold, so an
 * insertion within a share always finds a slot. Expired entries are dropped by a purge
 * (an in-place rehash) when the table is three quarters used.
 */
#include "replay.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

int replay_init(struct replay *r, size_t nclients, size_t extra, const uint8_t key[16])
{
	size_t n = nclients ? nclients : 1, want, cap = 64;

	memset(r, 0, sizeof(*r));
	r->quota = REPLAY_CAPACITY / n > REPLAY_MIN_SHARE ? REPLAY_CAPACITY / n : REPLAY_MIN_SHARE;
	want = 2 * (r->quota * n + extra);
	while (cap < want)
		cap <<= 1;
	r->mask = cap - 1;
	r->nclients = n;
	r->slots = calloc(cap, sizeof(*r->slots));
	r->counts = calloc(n, sizeof(*r->counts));
	r->quota_purge = INT64_MIN;
	memcpy(r->key, key, sizeof(r->key));
	return r->slots && r->counts ? 0 : -1;
}

void replay_free(struct replay *r)
{
	free(r->slots);
	free(r->counts);
	r->slots = NULL;
	r->counts = NULL;
}

static size_t home(const struct replay *r, const uint8_t id[REPLAY_ID_LEN])
{
	uint8_t h[crypto_shorthash_BYTES];
	uint64_t v = 0;

	crypto_shorthash(h, id, REPLAY_ID_LEN, r->key);
	memcpy(&v, h, sizeof(v));
	return (size_t)v & r->mask;
}

/* The slot holding id, or the empty slot where it would go. */
static struct replay_entry *find(const struct replay *r, const uint8_t id[REPLAY_ID_LEN])
{
	size_t i = home(r, id);

	while (r->slots[i].expires && memcmp(r->slots[i].id, id, REPLAY_ID_LEN))
		i = (i + 1) & r->mask;
	return &r->slots[i];
}

int replay_seen(const struct replay *r, const uint8_t id[REPLAY_ID_LEN], int64_t now)
{
	const struct replay_entry *e = find(r, id);

	return e->expires > now;
}

const struct replay_entry *replay_find(const struct replay *r, const uint8_t id[REPLAY_ID_LEN],
				       int64_t now)
{
	const struct replay_entry *e = find(r, id);

	return e->expires > now ? e : NULL;
}

void replay_mark(struct replay *r, const uint8_t id[REPLAY_ID_LEN], uint32_t src, int64_t dup_until)
{
	struct replay_entry *e = find(r, id);

	if (!e->expires)
		return;
	e->src = src;
	e->dup_until = dup_until;
}

uint32_t replay_src_hash(const struct replay *r, const void *addr, size_t len)
{
	uint8_t h[crypto_shorthash_BYTES];
	uint32_t v;

	crypto_shorthash(h, addr, len, r->key);
	memcpy(&v, h, sizeof(v));
	return v;
}

/*
 * Drops expired entries and recounts the shares. Rehash in place: start after a slot that
 * was empty, so each chain is walked in probe order and every entry moves only backwards.
 */
static void purge(struct replay *r, int64_t now)
{
	size_t start = 0, cap = r->mask + 1;

	memset(r->counts, 0, r->nclients * sizeof(*r->counts));
	while (start < cap && r->slots[start].expires) /* empty before the purge: no chain */
		start++;                               /* crosses it (the table is never full) */
	for (size_t i = 0; i < cap; i++)
		if (r->slots[i].expires <= now)
			r->slots[i].expires = 0;
	r->used = 0;
	for (size_t k = 1; k < cap; k++) { /* not start itself: what lands there is counted */
		size_t i = (start + k) & r->mask;
		struct replay_entry e = r->slots[i];

		if (!e.expires)
			continue;
		r->slots[i].expires = 0;
		*find(r, e.id) = e;
		r->used++;
		if (e.client >= 0)
			r->counts[e.client]++;
	}
}

int replay_add(struct replay *r, const uint8_t id[REPLAY_ID_LEN], int64_t expires, int client,
	       int64_t now)
{
	struct replay_entry *e;

	if (client >= (int)r->nclients)
		return -1;
	if (client >= 0 && r->counts[client] >= r->quota && r->quota_purge != now) {
		r->quota_purge = now; /* at most once a second: a full share costs no more */
		purge(r, now);
	}
	if (client >= 0 && r->counts[client] >= r->quota)
		return -1;
	if (r->used + 1 > (r->mask + 1) / 4 * 3)
		purge(r, now);
	if (r->used + 1 > (r->mask + 1) / 4 * 3)
		return -1; /* only when loading more than replay_init was told of */
	e = find(r, id);
	if (e->expires > now) { /* the same id again (a duplicate record): the later expiry */
		if (expires > e->expires)
			e->expires = expires;
		return 0;
	}
	if (!e->expires)
		r->used++;
	memcpy(e->id, id, REPLAY_ID_LEN);
	e->expires = expires;
	e->dup_until = 0;
	e->src = 0;
	e->client = client;
	if (client >= 0)
		r->counts[client]++; /* an expired entry's old share is recounted at a purge */
	return 0;
}

size_t replay_live(const struct replay *r, int64_t now)
{
	size_t n = 0;

	for (size_t i = 0; i <= r->mask; i++)
		n += r->slots[i].expires > now;
	return n;
}

int replay_carry(struct replay *to, const struct replay *from, int64_t now)
{
	size_t n = 0, nclients = to->nclients;
	uint8_t key[16];

	for (size_t i = 0; i <= from->mask; i++)
		n += from->slots[i].expires != 0;
	randombytes_buf(key, sizeof(key));
	replay_free(to);
	if (replay_init(to, nclients, n, key) < 0)
		return -1;
	for (size_t i = 0; i <= from->mask; i++) {
		const struct replay_entry *e = &from->slots[i];

		if (e->expires && replay_add(to, e->id, e->expires, -1, now) < 0)
			return -1; /* cannot happen: sized for them */
	}
	return 0;
}
