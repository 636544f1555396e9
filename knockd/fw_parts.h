/*
 * A commit that the kernel takes in parts, one after the other (libiptc: one iptc_commit per
 * family and table). All or nothing still holds: when a part fails, the parts already
 * written are written again with the inverse of the commit, which puts every changed
 * grant's rules back as they were before it.
 */
#ifndef KNOCKD_FW_PARTS_H
#define KNOCKD_FW_PARTS_H

#include <stddef.h>

#include "fw.h"

struct fw_parts {
	int n;
	/* Writes part p of the changes: 0, or -1 with nothing of part p applied. A part with
	 * nothing to write returns 0. */
	int (*write)(void *st, int p, const struct fw_change *ch, size_t n, char *err,
		     size_t errlen);
};

/*
 * Writes parts 0..n-1 in order. 0; -1 if a part failed and the parts before it were put
 * back (nothing applied); -2 if one of them could not be put back either (err says which:
 * the kernel may hold some of this commit).
 */
int fw_parts_commit(const struct fw_parts *o, void *st, const struct fw_change *ch, size_t n,
		    char *err, size_t errlen) __attribute__((warn_unused_result));
/*
 * The changes that undo ch, one per grant, in out (room for n): a grant the commit created
 * is deleted, any other gets its rules back with the deadline it had before the commit.
 * Returns how many.
 */
size_t fw_parts_inverse(const struct fw_change *ch, size_t n, struct fw_change *out);

#endif
