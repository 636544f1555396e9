/*
 * The grant table: (door, address) -> deadline. Pure: both clocks are arguments. Sized at
 * start-up (max_grants). A grant expires on the monotonic clock, to the millisecond: the
 * instant its knock was accepted plus its TTL. The kernel rule carries that deadline
 * rounded up to its wall-clock second (-m time --datestop, meta time), as the safety net for
 * a dead daemon; a grant adopted from the kernel after a restart has only that second, and
 * expires when it ends. Grants due within GRANTS_BATCH_MS of each other expire together
 * (one commit), the later ones at most that much early.
 */
#ifndef KNOCKD_GRANTS_H
#define KNOCKD_GRANTS_H

#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "grants_idx.h"

#define GRANTS_BATCH_MS 3

/*
 * A grant being ended stays in the table, with the reason, until the deletion of its rules
 * is committed: the kernel still matches them, so knockctl lists it (as revoking) and the
 * daemon retries the deletion. It no longer expires, refreshes or counts for a re-knock.
 */
enum grant_ending { GRANT_LIVE, GRANT_REVOKED, GRANT_FLUSHED, GRANT_EXPIRED, GRANT_DOOR_REMOVED };

struct grant {
	uint32_t id;
	uint16_t door;
	uint8_t origin; /* enum grant_origin (privsep.h) */
	uint8_t ending; /* enum grant_ending */
	uint8_t unauth; /* opened by a static sequence: counts against the unauthenticated share */
	struct addr addr;
	int64_t opened;      /* wall seconds */
	int64_t deadline;    /* the last wall second the kernel rule matches */
	uint64_t expires_ms; /* monotonic milliseconds: when the daemon removes it */
};

/* The earliest expiry of a live grant, kept so that the loop does not scan the table. */
struct grants_next {
	uint64_t ms; /* UINT64_MAX: none */
	int stale;   /* recomputed on the next grants_next_timeout */
};

struct grants {
	struct grant *v;
	size_t n, cap;
	size_t nending; /* grants whose rules are being deleted */
	size_t nunauth; /* grants with unauth set */
	uint32_t next_id;
	struct grants_idx byid, bykey; /* by id; by (door, address) */
	struct grants_next *next;      /* written by grants_next_timeout too */
};

struct grant_clock {
	uint64_t mono_ms;
	int64_t wall_ms; /* realtime, milliseconds */
};

int grants_init(struct grants *g, size_t cap) __attribute__((warn_unused_result));
void grants_free(struct grants *g);
/* The live grant of (door, addr), if any. */
struct grant *grants_find(struct grants *g, unsigned door, const struct addr *a);
/* The grant with this id, live or ending. */
struct grant *grants_get(struct grants *g, uint32_t id);
/*
 * Opens or refreshes the live grant of (door, addr) until ttl_ms from now (an ending one
 * does not count: a re-knock then opens a new grant); a refresh never shortens a grant.
 * Returns 1 when new, 0 when refreshed, -1 when the table is full. *out is the grant.
 */
int grants_open(struct grants *g, unsigned door, const struct addr *a, int origin, uint64_t ttl_ms,
		const struct grant_clock *now, struct grant **out)
    __attribute__((warn_unused_result));
/* Re-adopts a grant found in the kernel at start-up with its id and deadline. */
int grants_adopt(struct grants *g, const struct grant *in, const struct grant_clock *now)
    __attribute__((warn_unused_result));
/* The grants' door indexes changed (a reconfiguration): the indexes follow. */
void grants_reindex(struct grants *g);
/* Sets a grant's expiry (a failed commit restoring a refresh's). */
void grants_set_expires(struct grants *g, struct grant *gr, uint64_t expires_ms);
/* Milliseconds until the next expiry of a live grant (0 if overdue), or -1 for none. */
int64_t grants_next_timeout(const struct grants *g, uint64_t now_ms);
/* Marks the live grants due by now_ms + GRANTS_BATCH_MS as ending (GRANT_EXPIRED); returns
 * how many. */
size_t grants_expire(struct grants *g, uint64_t now_ms);
/* Marks a grant as ending for why (enum grant_ending), or live again (GRANT_LIVE). */
void grants_set_ending(struct grants *g, struct grant *gr, int why);
/* Takes the grant out of the table (its rules are gone); out gets a copy if not NULL. */
int grants_remove(struct grants *g, uint32_t id, struct grant *out);
/* Marks a grant as opened without authentication (counted in nunauth until it goes). */
void grants_mark_unauth(struct grants *g, struct grant *gr);

#endif
