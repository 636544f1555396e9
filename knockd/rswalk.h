/*
 * Following a ruleset's jumps: from one base chain through the user chains it jumps or goes
 * to, to any depth up to RSWALK_DEPTH, each chain read once (a cycle ends there). The
 * backends' probes (nftprobe.c for nftables and iptables-nft, fw_ipt_family.h for legacy
 * xtables) read each chain's rules and say what each one does; this file only walks. Pure:
 * no I/O, no library handles, so it is unit-tested on hand-built rulesets.
 */
#ifndef KNOCKD_RSWALK_H
#define KNOCKD_RSWALK_H

#include <stddef.h>

#define RSWALK_DEPTH  16  /* jumps followed from the base chain */
#define RSWALK_CHAINS 256 /* chains read in one walk */
#define RSWALK_NAME   64

/* What one rule does, as its backend reads it. */
enum {
	RSWALK_DROP = 1,        /* drop, reject, or a verdict map (which may drop) */
	RSWALK_ESTABLISHED = 2, /* accepts ct state established */
};

struct rswalk {
	struct {
		char name[RSWALK_NAME];
		int depth;
	} q[RSWALK_CHAINS]; /* chains seen, in the order they are read */
	int nq;
	int cur;         /* the chain being read */
	int drops;       /* a rule read can drop */
	int established; /* a rule read accepts established traffic */
	int truncated;   /* a chain was not read: too deep, too many, or the name too long */
	char drop_chain[RSWALK_NAME]; /* the first chain found to drop, "" if none */
};

/* Reads the rules of one chain: calls rswalk_rule for each. -1 if it cannot be read. */
typedef int (*rswalk_read_fn)(struct rswalk *w, const char *chain, void *ctx);

/* One rule of the chain being read: what it does (RSWALK_*) and the chain it jumps or goes
 * to (NULL or "" if none). The chain is queued if it is new and not too deep. */
void rswalk_rule(struct rswalk *w, unsigned what, const char *jump);
/* Walks from base. 0, or -1 if read failed (then w->drops is set: cannot tell). A walk
 * that had to stop (w->truncated) counts as dropping too: a drop may lie beyond. */
int rswalk_run(struct rswalk *w, const char *base, rswalk_read_fn read, void *ctx);

#endif
