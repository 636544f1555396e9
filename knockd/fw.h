/*
 * The backend-neutral firewall interface. The daemon asks for grant rules to be added,
 * refreshed or removed in one commit, and lists its own rules for reconciliation.
 * Backends: fw_iptables.c (libiptc, legacy xtables), fw_nft.c (libnftnl: iptables-nft and
 * native nftables); fw.c picks one from what the kernel holds (backend = auto). A fake
 * backend, tests/unit/fake_fw.c, drives the grant path in the unit tests.
 */
#ifndef KNOCKD_FW_H
#define KNOCKD_FW_H

#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "config.h"

#define FW_CHAIN_IN    "KNOCKD-INPUT"
#define FW_CHAIN_OUT   "KNOCKD-OUTPUT"
#define FW_CHAIN_FWD   "KNOCKD-FORWARD"
#define FW_CHAIN_DNAT  "KNOCKD-DNAT"  /* in the nat table, jumped to from PREROUTING */
#define FW_NATIVE_IN   "knockd_input" /* our chains in a native nftables table */
#define FW_NATIVE_OUT  "knockd_output"
#define FW_NATIVE_FWD  "knockd_forward"
#define FW_NATIVE_DNAT "knockd_dnat"
#define FW_COMMENT_LEN 256

struct fw_rule {
	uint32_t id;
	const struct door *door;
	struct addr addr; /* the granted address (source for in-doors) */
	int64_t deadline; /* wall seconds: the kernel stops matching after it */
};

enum fw_op { FW_ADD, FW_DEL }; /* FW_ADD of an id already present replaces its rules */

struct fw_change {
	int op;
	int fresh;             /* FW_ADD of a grant just created: none of its rules can exist yet */
	int64_t undo_deadline; /* FW_ADD of an existing grant: the deadline its rules had before */
	struct fw_rule rule;
};

/* One of our rules as found in the kernel. */
struct fw_found {
	uint32_t id;
	int direction; /* the door's direction: DIR_IN, DIR_OUT or DIR_FWD */
	int reply;     /* a reply-direction companion rule (see fw_iptables.c) */
	char door[NAME_MAX_LEN + 1];
	struct addr addr;
	int64_t deadline;
};

/*
 * What one backend sees of the ruleset in force (backend = auto and knockd -t): whether its
 * base chains can drop a door's traffic and where its grants would go. Reads only.
 */
struct fw_probe {
	int absent;            /* its kernel side is missing (no nf_tables): it cannot be meant */
	int drops;             /* one of its base chains can drop (or could not be read) */
	int ntargets;          /* base chains it would write grants for */
	char drops_what[1024]; /* which ones can drop, "; "-separated */
	char uncovered[512];   /* those that can drop but that it would not write for */
	char targets[1024];    /* where its grants would go */
	/* For knockd -t's report per door and family: bit 1 << (f * 3 + hook) (f: 0 IPv4,
	 * 1 IPv6; hook: 0 input, 1 output, 2 forward) where a base chain can drop, and the
	 * chain a grant's accept is written to ("" if none). */
	unsigned drop_mask;
	char grant_to[2][3][128];
};

/* For the backends' probe: appends to one of fw_probe's "; "-separated lists. */
__attribute__((format(printf, 3, 4))) void fw_probe_append(char *buf, size_t len, const char *fmt,
							   ...);

struct fw_backend {
	const char *name;
	const char *what; /* for knockctl status: the library and the tables */
	int (*open)(void **st, const struct config *c, char *err, size_t errlen);
	/* 0, or 1 if one of our chains had to be created: a ruleset reload had taken it, and
	 * the live grants' rules with it. -1 on failure: nothing applied, across families
	 * and tables (a backend that writes in parts undoes the parts written, fw_parts.h).
	 * -2: failed, and some of it may be applied (undoing it failed too). */
	int (*commit)(void *st, const struct fw_change *ch, size_t n, char *err, size_t errlen);
	int (*list)(void *st, struct fw_found *out, size_t max, size_t *n, char *err,
		    size_t errlen);
	/* A new configuration is in force (a reload): what its doors need (forward chains,
	 * nat). The keys that need a restart are unchanged. May be NULL. */
	int (*reconfigure)(void *st, const struct config *c, char *err, size_t errlen);
	void (*close)(void *st);
	/* For knockd -t: describes, in msg, what the base ruleset lacks. Reads only. */
	int (*check)(const struct config *c, char *msg, size_t len);
	/* Fills p. -1 (err says why; p->absent if the kernel lacks the backend) if the
	 * ruleset cannot be read. */
	int (*probe)(const struct config *c, struct fw_probe *p, char *err, size_t errlen);
	/* May be NULL. The ruleset generation the backend last read its base chains at (0), or
	 * -1 if it must read them again anyway; took_gen: the ruleset moved to genid by a batch
	 * of ours that touched none of the backend's chains (the gate's). */
	int (*known_gen)(void *st, uint32_t *genid);
	void (*took_gen)(void *st, uint32_t genid);
	/* For a backend whose kernel side sends no change events (legacy xtables), asked
	 * about twice a second: 1 if our chains, jumps or rules were removed or shadowed
	 * since its last commit (what says which), 0 if not, -1 if it cannot tell. May be
	 * NULL. */
	int (*watch)(void *st, char *what, size_t len);
};

struct gate;

struct fw {
	const struct fw_backend *b;
	void *st;
	int lost;          /* a commit since fw_open created one of our chains again */
	struct gate *gate; /* knockd's own table (gate.h): each commit's grants go there too */
};

extern const struct fw_backend fw_backend_iptables, fw_backend_nftables;

/* Opens the backend and the gate's sockets (the gate is written by daemon_gate_sync). */
int fw_open(struct fw *fw, const struct config *c, char *err, size_t errlen)
    __attribute__((warn_unused_result));
/* Commits to the backend, then the same grants to the gate: a gate that fails is marked
 * dirty (gate_dirty) for the daemon to sync, the backend's commit stands. 0; -1 failed,
 * nothing applied; -2 failed, some of it may be applied (see commit above). */
int fw_commit(struct fw *fw, const struct fw_change *ch, size_t n, char *err, size_t errlen)
    __attribute__((warn_unused_result));
int fw_list(struct fw *fw, struct fw_found *out, size_t max, size_t *n, char *err, size_t errlen)
    __attribute__((warn_unused_result));
int fw_reconfigure(struct fw *fw, const struct config *c, char *err, size_t errlen)
    __attribute__((warn_unused_result));
void fw_close(struct fw *fw);
/* The backend's watch (see watch above): 1 if its grants must be written again; 0 also
 * for a backend without one. */
int fw_watch(struct fw *fw, char *what, size_t len);
/* Whether the backend needs fw_watch called (legacy xtables). */
int fw_watches(const struct fw *fw);
/* Whether the live grants must be written again: 1 once after a commit that had to create
 * one of our chains (the open's own set-up does not count). */
int fw_take_lost(struct fw *fw);
/* Whether family 4 or 6 has a legacy filter table already (reads /proc, loads nothing;
 * fw_iptables.c). */
int fw_legacy_loaded(int family);
/* The backend in use: "iptables", "nftables" (or "none" before fw_open). */
const char *fw_name(const struct fw *fw);
/*
 * knockd -t: what can drop the doors' traffic here, which backend the config gets and
 * where its grants go, in msg; chosen names the backend. 0 (with warnings in msg), -1 if
 * the backend cannot read its tables, -2 if no backend would be effective (msg says why).
 * Creates no table.
 */
struct fw_manager {
	const char *names; /* the firewall managers recognised (fwmgr.h), for the report */
	int target_owned;  /* the configured nft_table is owned by another process */
};
int fw_check(const struct config *c, const struct fw_manager *m, char *msg, size_t len,
	     const char **chosen);

#endif
