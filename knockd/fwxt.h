/*
 * Pure xtables match encoding, shared by the libiptc backend (fw_ipt4.c, fw_ipt6.c), the
 * nftables backend's iptables-nft rules (nft_compat) and the ruleset probe (nftprobe.c):
 * the family-independent matches and target of a grant rule, and how an existing rule's
 * matches are read back. No I/O, no library handles.
 */
#ifndef KNOCKD_FWXT_H
#define KNOCKD_FWXT_H

#include <stddef.h>
#include <stdint.h>

#include "fw.h"

#define FWXT_ENTRY_MAX 1536

/* A buffer for one ipt_entry/ip6t_entry with its matches, suitably aligned. */
union fwxt_buf {
	uint64_t align;
	uint8_t b[FWXT_ENTRY_MAX];
};

/*
 * What a grant's rule matches besides address and ports. Normally FWXT_NEW: the base
 * ruleset's ESTABLISHED,RELATED accept carries the rest of each connection. Where a chain
 * has no such accept, the grant must carry its connections itself, until its deadline:
 * FWXT_NEW_ESTABLISHED in the door's chain, FWXT_REPLY (source ports, --ctdir REPLY) in
 * the opposite one. FWXT_DNAT: a forward door's translation in the nat table (its
 * nat_port, no conntrack match).
 */
enum fwxt_mode { FWXT_NEW, FWXT_NEW_ESTABLISHED, FWXT_REPLY, FWXT_DNAT };

/* Writes the port match, conntrack, time --datestop and comment. Returns bytes. */
size_t fwxt_matches(uint8_t *p, const struct fw_rule *r, int mode);
/* Whether an ACCEPT rule's matches (between header and target) accept ESTABLISHED. */
int fwxt_accepts_established(const uint8_t *elems, size_t len);
/* Whether one conntrack/state match's info accepts ESTABLISHED (not inverted). */
int fwxt_info_established(const char *name, unsigned rev, const void *info, size_t len);
/* Writes a standard target: a verdict (ACCEPT) or a jump to a chain. Returns bytes. */
size_t fwxt_target(uint8_t *p, const char *name);
/* Writes a forward door's DNAT target: to its `to` address, port ports[0]. Returns bytes. */
size_t fwxt_dnat_target(uint8_t *p, const struct fw_rule *r);
/* Finds the comment match text between the entry header and its target, or NULL. */
const char *fwxt_comment(const uint8_t *elems, size_t len);

#endif
