/*
 * Replay cache: token nonces seen within the replay window. Pure (time is an argument),
 * sized once at start-up: a set-associative table that never allocates afterwards, so a
 * flood cannot grow it. Entries expire when their token's timestamp leaves the window.
 */
#ifndef KNOCKD_REPLAY_H
#define KNOCKD_REPLAY_H

#include <stddef.h>
#include <stdint.h>

#define REPLAY_ID_LEN 16
#define REPLAY_WAYS   8

struct replay_entry {
	uint8_t id[REPLAY_ID_LEN];
	int64_t expires; /* wall-clock seconds; 0 = empty slot */
};

struct replay {
	struct replay_entry *slots;
	size_t nbuckets;
	uint8_t key[16]; /* SipHash key: bucket choice is not predictable */
};

int replay_init(struct replay *r, size_t capacity, const uint8_t key[16])
    __attribute__((warn_unused_result));
void replay_free(struct replay *r);
int replay_seen(const struct replay *r, const uint8_t id[REPLAY_ID_LEN], int64_t now);
/* Returns 0, or -1 when the id's bucket holds REPLAY_WAYS live entries (fail closed). */
int replay_add(struct replay *r, const uint8_t id[REPLAY_ID_LEN], int64_t expires, int64_t now)
    __attribute__((warn_unused_result));
size_t replay_live(const struct replay *r, int64_t now);

#endif
