/*
 * Internals of the libiptc backend (fw_iptables.c) and its two families (fw_ipt4.c,
 * fw_ipt6.c, built from fw_ipt_family.h). Nothing outside the backend includes this.
 */
#ifndef KNOCKD_FW_IPT_H
#define KNOCKD_FW_IPT_H

#include <stddef.h>
#include <stdint.h>

#include "fw.h"
#include "fw_comment.h"
#include "fwxt.h"
#include "rswalk.h"

#define FWXT_LOCK_PATH "/run/xtables.lock"

/* Each family: apply changes to one table (nat, or filter) in one commit (retrying EAGAIN;
 * *missing set if one of our chains had to be created), or list our rules. */
enum { FWIPT_FORWARD = 1, FWIPT_NAT = 2 }; /* what the config needs besides INPUT/OUTPUT */
int fw_ipt4_apply(int nat, const struct fw_change *ch, size_t n, unsigned flags, int *missing,
		  char *err, size_t errlen);
int fw_ipt4_list(struct fw_found *out, size_t max, size_t *n, unsigned flags, char *err,
		 size_t errlen);
int fw_ipt6_apply(int nat, const struct fw_change *ch, size_t n, unsigned flags, int *missing,
		  char *err, size_t errlen);
int fw_ipt6_list(struct fw_found *out, size_t max, size_t *n, unsigned flags, char *err,
		 size_t errlen);
/* What INPUT [0], OUTPUT [1] and FORWARD [2] of one family's filter table do, jumps followed. Loads
 * the table if it is not there yet: ask fw_legacy_loaded() first where that matters. */
struct fwxt_base {
	int established[3]; /* accepts established traffic (policy, or a rule there or in a
			       chain it jumps to, rswalk.h) */
	int drops[3];       /* policy DROP, or a DROP/REJECT rule (there too) */
	char drop_chain[3][RSWALK_NAME]; /* the first chain found to drop, or "" */
};
int fw_ipt4_base(struct fwxt_base *b, char *err, size_t errlen);
int fw_ipt6_base(struct fwxt_base *b, char *err, size_t errlen);
/* Whether family 4 or 6 has a legacy filter table already (reads /proc, loads nothing). */
int fw_legacy_loaded(int family);

#endif
