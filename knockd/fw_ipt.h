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

/* Each family: apply changes to one table (nat, or filter) in one commit (retrying EAGAIN),
 * or list our rules. res->missing is set if one of our chains had to be created; a filter
 * commit sets res->ours to how many rules of ours its chains hold after it. */
enum { FWIPT_FORWARD = 1, FWIPT_NAT = 2 }; /* what the config needs besides INPUT/OUTPUT */
struct fwipt_res {
	int missing;
	int ours;
};
int fw_ipt4_apply(int nat, const struct fw_change *ch, size_t n, unsigned flags,
		  struct fwipt_res *res, char *err, size_t errlen);
int fw_ipt4_list(struct fw_found *out, size_t max, size_t *n, unsigned flags, char *err,
		 size_t errlen);
int fw_ipt6_apply(int nat, const struct fw_change *ch, size_t n, unsigned flags,
		  struct fwipt_res *res, char *err, size_t errlen);
int fw_ipt6_list(struct fw_found *out, size_t max, size_t *n, unsigned flags, char *err,
		 size_t errlen);
/* The watch (fw_ipt_watch.c): whether the filter table still holds our chains, each jumped
 * to by the first rule of its built-in chain, and at least `ours` rules of ours. 0 intact,
 * 1 not (what says what is missing), -1 unreadable (err). */
int fw_ipt4_intact(unsigned flags, int ours, char *what, size_t len);
int fw_ipt6_intact(unsigned flags, int ours, char *what, size_t len);
/* The cheap look the watch takes first: the size, entry count and hook offsets of one
 * family's legacy filter table (IPT_SO_GET_INFO, as libiptc's first read). -1 with errno. */
struct fwipt_info {
	unsigned valid_hooks, num_entries, size;
	unsigned hook_entry[5], underflow[5];
};
int fw_ipt_info(int family, struct fwipt_info *out);
/* What INPUT [0], OUTPUT [1] and FORWARD [2] of one family's filter table do, jumps followed. Loads
 * the table if it is not there yet: ask fw_legacy_loaded() first where that matters. */
struct fwxt_base {
	int established[3]; /* accepts established traffic (policy, or a rule there or in a
			       chain it jumps to, rswalk.h) */
	int drops[3];       /* policy DROP, or a DROP/REJECT rule (there too) */
	char drop_chain[3][RSWALK_NAME]; /* the first chain found to drop, or "" */
	int docker_user; /* a DOCKER-USER chain: forward grants are jumped to from there */
};
int fw_ipt4_base(struct fwxt_base *b, char *err, size_t errlen);
int fw_ipt6_base(struct fwxt_base *b, char *err, size_t errlen);

#endif
