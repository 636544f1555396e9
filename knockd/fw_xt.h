/*
 * Internals shared by the libiptc backend's two families (fw_ipt4.c, fw_ipt6.c): the
 * family-independent matches and target of a grant rule, and the xtables lock.
 */
#ifndef KNOCKD_FW_XT_H
#define KNOCKD_FW_XT_H

#include <stddef.h>
#include <stdint.h>

#include "fw.h"

#define FWXT_ENTRY_MAX 1536
#define FWXT_LOCK_PATH "/run/xtables.lock"

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
 * the opposite one.
 */
enum fwxt_mode { FWXT_NEW, FWXT_NEW_ESTABLISHED, FWXT_REPLY };

/* Writes the port match, conntrack, time --datestop and comment. Returns bytes. */
size_t fwxt_matches(uint8_t *p, const struct fw_rule *r, int mode);
/* Whether an ACCEPT rule's matches (between header and target) accept ESTABLISHED. */
int fwxt_accepts_established(const uint8_t *elems, size_t len);
/* Whether one conntrack/state match's info accepts ESTABLISHED (not inverted). */
int fwxt_info_established(const char *name, unsigned rev, const void *info, size_t len);
/* Writes a standard target: a verdict (ACCEPT) or a jump to a chain. Returns bytes. */
size_t fwxt_target(uint8_t *p, const char *name);
/* Finds the comment match text between the entry header and its target, or NULL. */
const char *fwxt_comment(const uint8_t *elems, size_t len);

/* Each family: apply changes in one commit (retrying EAGAIN; *missing set if one of our
 * chains had to be created), or list our rules. */
int fw_ipt4_apply(const struct fw_change *ch, size_t n, int *missing, char *err, size_t errlen);
int fw_ipt4_list(struct fw_found *out, size_t max, size_t *n, char *err, size_t errlen);
int fw_ipt6_apply(const struct fw_change *ch, size_t n, int *missing, char *err, size_t errlen);
int fw_ipt6_list(struct fw_found *out, size_t max, size_t *n, char *err, size_t errlen);
/* What INPUT [0] and OUTPUT [1] of one family's filter table do. Loads the table if it
 * is not there yet: ask fw_legacy_loaded() first where that matters. */
struct fwxt_base {
	int established[2]; /* accepts established traffic (policy or rule) */
	int drops[2];       /* policy DROP, or a DROP/REJECT rule */
};
int fw_ipt4_base(struct fwxt_base *b, char *err, size_t errlen);
int fw_ipt6_base(struct fwxt_base *b, char *err, size_t errlen);
/* Whether family 4 or 6 has a legacy filter table already (reads /proc, loads nothing). */
int fw_legacy_loaded(int family);

#endif
