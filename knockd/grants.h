/*
 * The grant table: (door, address) -> deadline. Pure: both clocks are arguments. Sized at
 * start-up (max_grants); expiry runs on the monotonic clock, the kernel rule carries the
 * wall-clock deadline in whole seconds (-m time --datestop), and matches until that second
 * ends. A grant expires exactly then, on the monotonic clock: never before the kernel would
 * stop matching, at most 1 s after its TTL, and grants sharing a deadline second expire in
 * the same wake-up (one commit).
 */
#ifndef KNOCKD_GRANTS_H
#define KNOCKD_GRANTS_H

#include <stddef.h>
#include <stdint.h>

#include "addr.h"

struct grant {
	uint32_t id;
	uint16_t door;
	uint8_t origin; /* enum grant_origin (privsep.h) */
	struct addr addr;
	int64_t opened;      /* wall seconds */
	int64_t deadline;    /* wall seconds, as written into the kernel rule */
	uint64_t expires_ms; /* monotonic milliseconds */
};

struct grants {
	struct grant *v;
	size_t n, cap;
	uint32_t next_id;
};

struct grant_clock {
	uint64_t mono_ms;
	int64_t wall_ms; /* realtime, milliseconds */
};

int grants_init(struct grants *g, size_t cap) __attribute__((warn_unused_result));
void grants_free(struct grants *g);
struct grant *grants_find(struct grants *g, unsigned door, const struct addr *a);
/*
 * Opens or refreshes (door, addr) for ttl seconds; a refresh never shortens a grant.
 * Returns 1 when new, 0 when refreshed, -1 when the table is full. *out is the grant.
 */
int grants_open(struct grants *g, unsigned door, const struct addr *a, int origin, uint32_t ttl,
		const struct grant_clock *now, struct grant **out)
    __attribute__((warn_unused_result));
/* Re-adopts a grant found in the kernel at start-up with its id and deadline. */
int grants_adopt(struct grants *g, const struct grant *in, const struct grant_clock *now)
    __attribute__((warn_unused_result));
/* Milliseconds until the next expiry (0 if overdue), or -1 when there is none. */
int64_t grants_next_timeout(const struct grants *g, uint64_t now_ms);
/* Moves up to max expired grants into out; returns how many. */
size_t grants_take_expired(struct grants *g, uint64_t now_ms, struct grant *out, size_t max);
int grants_remove(struct grants *g, uint32_t id, struct grant *out);

#endif
