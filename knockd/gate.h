/*
 * The gate (DESIGN §6a): knockd's own nftables table, inet knockd, in which NEW connections
 * matching a door are dropped unless a live grant of that door (an element, with the grant's
 * timeout, of the door's address set) or an exempt prefix lets them by. A drop is final in
 * nftables whatever other tables accept, so the gate holds with or without a host firewall.
 * The table stays when knockd exits (fail closed). Where the kernel has the owner and persist
 * table flags (Linux 6.9+), only knockd's socket may change it while knockd runs; elsewhere
 * (or with gate_lock = no) the watch restores it when another process deletes or flushes it.
 * gate.c: the sockets, sync and grants; gate_rules.c: the objects; gate_watch.c: the watch.
 */
#ifndef KNOCKD_GATE_H
#define KNOCKD_GATE_H

#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "config.h"

#define GATE_TABLE "knockd" /* family inet */

struct gate;

/* One live grant, as the gate holds it: its door's set gets addr (out doors: the door's
 * ports, while any of its grants lives) until deadline_ms. */
struct gate_grant {
	uint32_t id;
	const struct door *door;
	struct addr addr;
	int64_t deadline_ms; /* wall clock */
};

/* Opens the sockets (the watch subscribes to nftables events); changes nothing. */
int gate_open(struct gate **out, char *err, size_t errlen) __attribute__((warn_unused_result));
void gate_close(struct gate *g);
/* Whether a door is gated: every door with ports (all of them). */
int gate_door_gated(const struct door *d);
/*
 * Replaces the gate, in one netlink batch, by the one c describes, holding the grants v[]:
 * the table, its chains, sets and rules are never absent in between.
 */
int gate_sync(struct gate *g, const struct config *c, const struct gate_grant *v, size_t n,
	      int64_t now_ms, char *err, size_t errlen) __attribute__((warn_unused_result));
/*
 * knockd -G, at boot before the network: writes the gate (no grants) unless the table
 * exists (1: then it is left as it is, a running knockd's). 0 when written.
 */
int gate_create(struct gate *g, const struct config *c, char *err, size_t errlen)
    __attribute__((warn_unused_result));
/* Adds (refreshes) or deletes grants' elements in one batch; -1 leaves gate_dirty set. With
 * genid, the kernel runs the batch only at that ruleset generation. */
int gate_grants(struct gate *g, const struct gate_grant *v, const int *del, size_t n,
		int64_t now_ms, const uint32_t *genid, char *err, size_t errlen)
    __attribute__((warn_unused_result));
/* Whether the last gate_grants changed the ruleset (its generation went up by one). */
int gate_changed(const struct gate *g);
/* Whether the gate must be synced again (a grant change failed, the watch saw a removal). */
int gate_dirty(const struct gate *g);
/* Whether the table is owned by knockd's socket (owner + persist flags in force). */
int gate_locked(const struct gate *g);
/* The watch's socket, for poll(); -1 if none. */
int gate_watch_fd(const struct gate *g);
#define GATE_HIT_GATE 1 /* another process deleted part of the gate: it is dirty */
#define GATE_HIT_HOST 2 /* ... or part of another table: host-ruleset grants may be gone */
/*
 * Reads the pending events: GATE_HIT_* bits for the deletions other processes made (all of
 * them if events were lost); who names the process for the log.
 */
int gate_watch_read(struct gate *g, char *who, size_t wholen);
/* Deletes the gate table (doors reopen); 0 if there was none. */
int gate_remove(struct gate *g, char *err, size_t errlen) __attribute__((warn_unused_result));
/* knockd -t: what each door's gate drops and lets by. */
void gate_describe(const struct config *c, char *msg, size_t len);

/* Internals shared by gate.c and gate_rules.c. */
struct mnl_nlmsg_batch;
int gate_rules_emit(struct mnl_nlmsg_batch *b, uint32_t *seq, const struct config *c,
		    uint32_t flags, int excl) __attribute__((warn_unused_result));
int gate_rules_elem(struct mnl_nlmsg_batch *b, uint32_t *seq, const struct gate_grant *gg, int type,
		    int64_t now_ms) __attribute__((warn_unused_result));
/* An out door's port as an element of its set NAME_p (timeout_ms unused for deletions). */
int gate_rules_port(struct mnl_nlmsg_batch *b, uint32_t *seq, const struct door *d, int port,
		    int type, int64_t timeout_ms) __attribute__((warn_unused_result));

#endif
