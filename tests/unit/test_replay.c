/* Replay cache: seen within the window, forgotten after, bounded when full. */
#include <sodium.h>
#include <string.h>

#include "replay.h"
#include "tap.h"

int main(void)
{
	struct replay r;
	uint8_t key[16] = {1}, id[REPLAY_ID_LEN], other[REPLAY_ID_LEN];
	int full = 0, added = 0;

	if (sodium_init() < 0 || replay_init(&r, 64, key) < 0)
		return 1;
	memset(id, 0xaa, sizeof(id));
	memset(other, 0xbb, sizeof(other));
	ok(!replay_seen(&r, id, 1000), "unknown nonce is not seen");
	ok(replay_add(&r, id, 1061, 1000) == 0, "add a nonce valid until 1061");
	ok(replay_seen(&r, id, 1000), "the same nonce is seen at once");
	ok(replay_seen(&r, id, 1060), "and still just before it expires");
	ok(!replay_seen(&r, other, 1000), "another nonce is not seen");
	ok(!replay_seen(&r, id, 1061), "forgotten once its token left the window");
	ok(replay_live(&r, 1000) == 1, "one live entry");
	/* Fill the table: adds eventually fail (fail closed) instead of growing or evicting. */
	for (uint32_t i = 0; i < 1000; i++) {
		memcpy(other, &i, sizeof(i));
		if (replay_add(&r, other, 5000, 1000) < 0)
			full++;
		else
			added++;
	}
	ok(full > 0 && added <= 64, "a full cache refuses (%d added, %d refused)", added, full);
	ok(replay_seen(&r, id, 1000), "a full cache never evicts a live entry");
	ok(replay_live(&r, 5000) == 0, "all entries expire");
	memcpy(other, "zzzz", 4);
	ok(replay_add(&r, other, 9000, 6000) == 0, "expired slots are reused");
	replay_free(&r);
	return tap_done();
}
