/*
 * Internals of the nftables backend, shared by its files: fw_nft.c (batch, commit),
 * fw_nft_expr.c (the expressions of one rule), fw_nft_target.c (which base chains grants
 * go to, probe and check), fw_nft_list.c (reading our chains). Nothing outside the backend includes
 * this.
 */
#ifndef KNOCKD_FW_NFT_H
#define KNOCKD_FW_NFT_H

#include <stddef.h>
#include <stdint.h>

#include <libnftnl/rule.h>

#include "config.h"
#include "fw.h"
#include "nftprobe.h"

#define FWNFT_TARGETS   16
#define FWNFT_OWN_TABLE "knockd_nat" /* inet: our DNAT base chain (inet knockd: the gate) */

/* One base chain we write for: its table, the hook's direction, our chain beside it. */
struct fwnft_target {
	uint32_t family;
	int compat;        /* an iptables-nft table */
	int hook;          /* enum nftprobe_hook */
	int own_table;     /* our own table: our chain is the base chain (DNAT) */
	int est;           /* the base chain accepts established traffic */
	int exists;        /* our chain is there already */
	int top;           /* ... and the base chain's first rule jumps to it */
	uint64_t stray[4]; /* other rules of the base chain that jump to it */
	int nstray;
	/* Docker on iptables-nft: base is DOCKER-USER, and these rules of FORWARD jump to our
	 * chain (from before Docker came): deleted */
	uint64_t fstray[5];
	int nfstray;
	char table[NFTPROBE_NAME], base[NFTPROBE_NAME];
	const char *own;
};

/* The configured native table and chains, e.g. "inet" "filter" "input" "output" "forward",
 * and whether the config has forward doors (fwd), some with nat_port (nat). */
struct fwnft_native {
	char family[8], table[NFTPROBE_NAME], chain[3][NFTPROBE_NAME];
	int fwd, nat;
};

/* What one grant rule matches: family 0 = any (no address), dst NULL for in-doors. */
struct fwnft_spec {
	const struct fwnft_target *t;
	const struct fw_rule *r;
	const struct prefix *dst;
	int fam, mode, port; /* port: index into the door's ports, -1 = all (xt multiport) */
};

/* The backend's state: its netlink socket and the targets of the last scan. */
struct fwnft_state {
	struct nftprobe_sock s;
	struct fwnft_native nat;
	struct fwnft_target t[FWNFT_TARGETS];
	int nt;
	int missing; /* this commit has to create one of our chains */
	/* The ruleset generation the targets above were read at, if they are still what the
	 * kernel holds: a commit then reads no base chain again (only the small GETGEN). */
	uint32_t scan_gen;
	int scan_valid;
};

/* One of our rules found in our chains. */
struct fwnft_found {
	uint32_t id;
	int t;
	uint64_t handle;
};

/* Collects our rules: as fw_found (list mode) or as id/handle (index mode). */
struct fwnft_collect {
	const struct fwnft_target *t;
	int ti, list;
	struct fw_found *found;
	struct fwnft_found *idx;
	size_t n, cap;
};

/* Walks our chain in every target (a chain not created yet dumps as empty). */
int fwnft_walk_own(struct fwnft_state *st, struct fwnft_collect *c);
/* Orders struct fwnft_found by id. */
int fwnft_cmp_found(const void *a, const void *b);
/* Re-reads the base chains: tables come and go (nft -f, firewalld reloads). */
int fwnft_refresh(struct fwnft_state *st, char *err, size_t errlen);
/*
 * The ruleset generation, read first (the kernel refuses a batch that carries an older
 * one, ERESTART, so nothing is written from a stale reading), and the base chains read
 * again only if it moved since the last reading (fw_nft_gen.c).
 */
int fwnft_current(struct fwnft_state *st, uint32_t *genid, char *err, size_t errlen);
/* After a commit read at genid: whether the targets still hold (sent: a batch went out;
 * r: its outcome). */
void fwnft_after_commit(struct fwnft_state *st, uint32_t genid, int sent, int r);
/* fw_backend known_gen / took_gen (fw.h): the generation the base chains were read at. */
int fwnft_known_gen(void *st, uint32_t *genid);
void fwnft_took_gen(void *st, uint32_t genid);
/* The backend's list operation (fw.h). */
int fwnft_list(void *p, struct fw_found *out, size_t max, size_t *n, char *err, size_t errlen);

/* A rule in table t's chain, to be filled; fwnft_rule_free() takes NULL. */
struct nftnl_rule *fwnft_rule_in(const struct fwnft_target *t, const char *chain);
void fwnft_rule_free(struct nftnl_rule *r);
/* Appends counter and a verdict (NF_ACCEPT, or NFT_JUMP to chain). */
int fwnft_verdict(struct nftnl_rule *r, uint32_t verdict, const char *chain);
/* The whole rule s describes, in our chain of s->t, or NULL. */
struct nftnl_rule *fwnft_grant_rule(const struct fwnft_spec *s);
/* The grant name a rule carries: an xt comment (iptables-nft) or the rule's comment. */
void fwnft_rule_comment(struct nftnl_rule *r, int compat, char *out, size_t len);

/* nft_table / nft_*_chain of the config. */
void fwnft_native_from_config(struct fwnft_native *nat, const struct config *c);
/* The base chains of the scan we write for (at most FWNFT_TARGETS). */
int fwnft_targets_from_scan(struct fwnft_target *t, const struct nftprobe_scan *scan,
			    const struct fwnft_native *nat);
/* The backend's check and probe operations (fw.h). */
int fwnft_check(const struct config *c, char *msg, size_t len);
int fwnft_probe(const struct config *c, struct fw_probe *p, char *err, size_t errlen);

#endif
