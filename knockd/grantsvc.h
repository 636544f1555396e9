/*
 * The grant service: the rule writer's core. It owns the grant table, the firewall targets
 * (the rule backend, and any other target told about every grant change in the same
 * commit), the batch of changes waiting for a commit and the configuration in force with
 * its generation. Every way in (tokens, sequences, windows, knockctl) asks through one
 * admission function; a commit says what became of each grant's change.
 * grantsvc.c: set-up, adoption, reconfiguration, iteration; daemon_grants.c: admission,
 * the batch and its commit.
 */
#ifndef KNOCKD_GRANTSVC_H
#define KNOCKD_GRANTSVC_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "fw.h"
#include "grants.h"

/* Grant changes batched into one commit: libiptc rewrites the whole table on each commit,
 * so under a burst of knocks larger batches mean far less work per grant. */
#define GRANTSVC_PENDING_MAX 1024
/* While a deletion or a rewrite waits for a commit that succeeds: retried this often. */
#define GRANTSVC_RETRY_MS 1000
/* Grants opened by static sequences: at most max_grants / GRANTSVC_UNAUTH_SHARE. */
#define GRANTSVC_UNAUTH_SHARE 4
/* Firewall targets a commit writes, in order: the rule backend first. */
#define GRANTSVC_TARGETS 2

/* What a queued change means for the grant table. */
struct grantsvc_note {
	uint32_t id;
	uint8_t kind;   /* new, refresh, rewrite, delete */
	uint8_t origin; /* enum grant_origin, for the log */
	uint8_t quiet;  /* no log line: an unauthenticated origin over its rate */
	uint32_t ttl;
	int64_t prev_deadline; /* a refresh: what a failed commit restores */
	uint64_t prev_expires_ms;
	char who[NAME_MAX_LEN + 16];
};

/* One request to open doors, from any origin. */
struct grantsvc_req {
	uint32_t doors; /* mask of config doors */
	struct addr addr;
	uint32_t ttl;    /* 0: each door's default */
	uint64_t ttl_ms; /* windows: the exact time left in ms (ttl is its round-up) */
	int exact;       /* take ttl as given (windows; knockctl: up to max_ttl); else cap it */
	int origin;      /* enum grant_origin */
	int unauth;      /* a static sequence: bounded share of the table */
	int quiet;       /* its log lines are over their rate: none */
	const char *who;
};

struct grantsvc {
	struct config *cfg; /* owned: the configuration in force */
	uint32_t gen;       /* its generation: one more at each reconfiguration */
	struct grants grants;
	struct fw fw[GRANTSVC_TARGETS];
	size_t nfw;
	struct fw_change pending[GRANTSVC_PENDING_MAX];
	/* The doors the pending changes name, copied when the first change of each is queued:
	 * a batch carries its doors' descriptions, not pointers into a configuration. */
	struct door batch_doors[CONFIG_MAX_DOORS];
	uint32_t batch_has; /* bit i: batch_doors[i] holds the configuration's door i */
	struct grantsvc_note notes[GRANTSVC_PENDING_MAX]; /* one per pending change */
	size_t npending;
	int rewrite_due; /* a rewrite failed: write every live grant again */
	int unsure;      /* the last commit failed and could not undo all it wrote */
	uint32_t watch;  /* the grant whose outcome grantsvc_commit reports */
	int watch_ok;    /* 0 once a change of it failed */
};

extern const char *const grantsvc_origin_names[];

/* Takes ownership of cfg (even when it fails); opens the grant table and the rule backend
 * (which may be replaced by a test double with grantsvc_attach). */
int grantsvc_init(struct grantsvc *s, struct config *cfg, char *err, size_t errlen)
    __attribute__((warn_unused_result));
/* For tests: the service on cfg with the given firewall (no backend opened). */
int grantsvc_attach(struct grantsvc *s, struct config *cfg, const struct fw *fw)
    __attribute__((warn_unused_result));
void grantsvc_free(struct grantsvc *s);
/* In a forked child (the packet parser): closes the firewall targets' descriptors. */
void grantsvc_close_targets(struct grantsvc *s);
/* Rules from a previous run: live ones are adopted with their deadline, the rest deleted. */
int grantsvc_reconcile(struct grantsvc *s, const struct grant_clock *now, char *err, size_t errlen)
    __attribute__((warn_unused_result));

/*
 * The admission of a request: the doors in r->doors that exist, a TTL capped at each door's
 * max_ttl (a local request: refused above it; a window: not bounded by it), the
 * unauthenticated share, the table's room. Changes are queued until grantsvc_commit. Returns the id
 * of the (last) grant opened or refreshed; 0 if none, with the reason in err.
 */
uint32_t grantsvc_request(struct grantsvc *s, const struct grantsvc_req *r,
			  const struct grant_clock *now, char *err, size_t errlen);
/* The TTL rule, its one place: what door gives r (seconds). */
uint32_t grantsvc_ttl(const struct door *door, const struct grantsvc_req *r);
/* Marks a grant as ending for why (enum grant_ending); -1 if there is no such id. An ending
 * grant stays listed until a commit deletes its rules. */
int grantsvc_revoke(struct grantsvc *s, uint32_t id, int why);
/* Ends every grant for why; returns how many there were. */
size_t grantsvc_revoke_all(struct grantsvc *s, int why);
/*
 * Commits every queued change with every pending deletion, and leaves the table as the
 * kernel is. 0, or -1 if a commit failed. With watch (a grant id, or 0): *ok says whether
 * every change queued for that grant is in the kernel now (1) or was taken back (0).
 */
int grantsvc_commit(struct grantsvc *s, uint32_t watch, int *ok);
/* Queues the writing of a live grant's rules again (its door's rules changed). */
void grantsvc_rewrite(struct grantsvc *s, uint32_t id);
/* Ends the grants that are due and commits (with any deletion still pending). */
void grantsvc_expire(struct grantsvc *s, const struct grant_clock *now);
/* Milliseconds until the service needs the loop (an expiry, a retry), or -1 for never. */
int64_t grantsvc_next_timeout(const struct grantsvc *s, uint64_t now_ms);

/*
 * Ends the grants of doors nc drops (or turns around) and commits, while the doors in force
 * still describe their rules. -1 if some of them are left (err says how many): those this
 * call ended are live again, as the failed commit left them.
 */
int grantsvc_end_removed(struct grantsvc *s, const struct config *nc, char *err, size_t errlen)
    __attribute__((warn_unused_result));
/*
 * Puts nc in force (taking ownership): grants of removed doors are ended (as above; -1 if
 * that fails, nc not taken), the others move to their door in nc, the firewall targets are
 * told, grants whose door's rules changed are written again. *nrewritten says how many.
 */
int grantsvc_reconfigure(struct grantsvc *s, struct config *nc, size_t *nrewritten, char *err,
			 size_t errlen) __attribute__((warn_unused_result));

/* The grants, live and ending (valid until the next call that changes the table). */
const struct grant *grantsvc_grants(const struct grantsvc *s, size_t *n);
/* The configuration in force. */
const struct config *grantsvc_config(const struct grantsvc *s);
/* The rule backend's name and what it writes with, for knockctl status. */
const struct fw_backend *grantsvc_backend(const struct grantsvc *s);

#endif
