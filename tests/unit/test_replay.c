/*
 * Replay cache: seen within the window, forgotten after; each client has its own share, so
 * one client filling its share refuses only itself; expired entries make room again; a
 * purge keeps every live entry findable; entries loaded without a client count against
 * no share.
 */
#include <sodium.h>
#include <string.h>

#include "replay.h"
#include "tap.h"

static void id_of(uint8_t id[REPLAY_ID_LEN], uint32_t n, uint8_t tag)
{
	memset(id, tag, REPLAY_ID_LEN);
	memcpy(id, &n, sizeof(n));
}

/* All of [from, to) with tag seen at now. */
static int all_seen(const struct replay *r, uint32_t from, uint32_t to, uint8_t tag, int64_t now)
{
	uint8_t id[REPLAY_ID_LEN];

	for (uint32_t i = from; i < to; i++) {
		id_of(id, i, tag);
		if (!replay_seen(r, id, now))
			return 0;
	}
	return 1;
}

int main(void)
{
	struct replay r;
	uint8_t key[16] = {1}, id[REPLAY_ID_LEN], other[REPLAY_ID_LEN];
	uint32_t added = 0, q;
	int full = 0;

	if (sodium_init() < 0 || replay_init(&r, 2, 0, key) < 0)
		return 1;
	q = (uint32_t)r.quota;
	ok(q == REPLAY_CAPACITY / 2, "two clients: each has half the cache (%u)", q);
	memset(id, 0xaa, sizeof(id));
	memset(other, 0xbb, sizeof(other));
	ok(!replay_seen(&r, id, 1000), "unknown nonce is not seen");
	ok(replay_add(&r, id, 1061, 0, 1000) == 0, "add a nonce valid until 1061");
	ok(replay_seen(&r, id, 1000), "the same nonce is seen at once");
	ok(replay_seen(&r, id, 1060), "and still just before it expires");
	ok(!replay_seen(&r, other, 1000), "another nonce is not seen");
	ok(!replay_seen(&r, id, 1061), "forgotten once its token left the window");
	ok(replay_live(&r, 1000) == 1, "one live entry");

	/* Client 1 floods: its share fills, nothing else does. */
	for (uint32_t i = 0; i < q + 100; i++) {
		id_of(other, i, 0xbb);
		if (replay_add(&r, other, 5000, 1, 1000) < 0)
			full++;
		else
			added++;
	}
	ok(added == q - 0 && full == 100, "client 1: its share (%u) taken, then refused (%d)",
	   added, full);
	ok(all_seen(&r, 0, q, 0xbb, 1000), "every one of them is still seen");
	ok(replay_seen(&r, id, 1000), "a full share never evicts a live entry");
	added = 0;
	for (uint32_t i = 0; i < 1000; i++) {
		id_of(other, i, 0xcc);
		added += replay_add(&r, other, 6000, 0, 1000) == 0;
	}
	ok(added == 1000, "client 0 is unaffected: 1000 of 1000 accepted");
	id_of(other, 0, 0xdd);
	ok(replay_add(&r, other, 5000, 1, 1001) < 0, "client 1 still full a second later");
	ok(replay_add(&r, other, 9000, 1, 5000) == 0, "its entries expired: room again");
	ok(all_seen(&r, 0, 1000, 0xcc, 5000) && replay_live(&r, 5000) == 1001,
	   "the purge kept every live entry of client 0 findable, dropped the expired");
	ok(replay_add(&r, other, 9000, 7, 5000) < 0, "a client index out of range is refused");
	replay_free(&r);

	/* Loading: entries without a client, as many as replay_init was told of. */
	if (replay_init(&r, 1, 100000, key) < 0)
		return 1;
	added = 0;
	for (uint32_t i = 0; i < 100000; i++) {
		id_of(other, i, 0xee);
		added += replay_add(&r, other, 2000 + i % 100, -1, 1000) == 0;
	}
	ok(added == 100000, "100,000 loaded entries fit the table sized for them");
	added = 0;
	for (uint32_t i = 0; i < (uint32_t)r.quota; i++) {
		id_of(other, i, 0xef);
		added += replay_add(&r, other, 3000, 0, 1000) == 0;
	}
	ok(added == r.quota, "... and the client still has its whole share (%u)", added);
	ok(all_seen(&r, 0, 100000, 0xee, 1000), "every loaded entry is seen");
	/* Churn: expiries and insertions interleaved, many purges. */
	added = 0;
	for (uint32_t t = 0; t < 50; t++)
		for (uint32_t i = 0; i < 4000; i++) {
			id_of(other, t * 4000 + i, 0x11);
			added += replay_add(&r, other, 3002 + t, 0, 3000 + t) == 0;
		}
	ok(added == 200000 && all_seen(&r, 49 * 4000, 50 * 4000, 0x11, 3049),
	   "churn through many purges: every insertion accepted, the live ones seen");
	replay_free(&r);
	return tap_done();
}
