/*
 * Replay cache: token nonces and sequence ids seen within the replay window. Pure (time is
 * an argument), sized once (start-up, reload): an open-addressing table that never
 * allocates afterwards, so a flood cannot grow it. Each client has its own share of it, so
 * one client key cannot spend the room the others need; entries expire when their token's
 * timestamp leaves the window.
 */
#ifndef KNOCKD_REPLAY_H
#define KNOCKD_REPLAY_H

#include <stddef.h>
#include <stdint.h>

#define REPLAY_ID_LEN 16
/* Live entries per client: REPLAY_CAPACITY shared equally, never less than REPLAY_MIN_SHARE. */
#define REPLAY_CAPACITY  65536
#define REPLAY_MIN_SHARE 1024

struct replay_entry {
	uint8_t id[REPLAY_ID_LEN];
	int64_t expires;   /* wall-clock seconds; 0 = empty slot */
	int64_t dup_until; /* copies from src until then are duplicates; 0 = none */
	int32_t client;    /* whose share it counts against; -1: loaded from the state file */
	uint32_t src;      /* keyed hash of the address the token was accepted from */
};

struct replay {
	struct replay_entry *slots;
	size_t mask;      /* slots - 1 (a power of two) */
	size_t used;      /* non-empty slots, expired ones included until a purge */
	size_t quota;     /* live entries per client */
	uint32_t *counts; /* per client: entries in the table (expired ones until a purge) */
	size_t nclients;
	int64_t quota_purge; /* when a full share last triggered a purge */
	uint8_t key[16];     /* SipHash key: slot choice is not predictable */
};

/* Room for every client's share plus extra entries (those loaded from the state file). */
int replay_init(struct replay *r, size_t nclients, size_t extra, const uint8_t key[16])
    __attribute__((warn_unused_result));
void replay_free(struct replay *r);
int replay_seen(const struct replay *r, const uint8_t id[REPLAY_ID_LEN], int64_t now);
/* Returns 0; -1 when client's share is full of live entries (fail closed, for that client
 * only). client -1 (loading) counts against no share; replay_init sized the room for it. */
int replay_add(struct replay *r, const uint8_t id[REPLAY_ID_LEN], int64_t expires, int client,
	       int64_t now) __attribute__((warn_unused_result));
/* The live entry for id, or NULL: one lookup, before any crypto. */
const struct replay_entry *replay_find(const struct replay *r, const uint8_t id[REPLAY_ID_LEN],
				       int64_t now);
/* Copies of an accepted token from the address it came from (src, a replay_src_hash), until
 * dup_until, are its sender's own copies: duplicates, not replays. */
void replay_mark(struct replay *r, const uint8_t id[REPLAY_ID_LEN], uint32_t src,
		 int64_t dup_until);
uint32_t replay_src_hash(const struct replay *r, const void *addr, size_t len);
size_t replay_live(const struct replay *r, int64_t now);
/* A reload: every entry of from into to (re-initialised for to's clients), counted against
 * no share, as if loaded from the state file. */
int replay_carry(struct replay *to, const struct replay *from, int64_t now)
    __attribute__((warn_unused_result));

#endif
