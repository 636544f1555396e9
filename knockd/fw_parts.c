/*
 * Commits in parts with undo (fw_parts.h). The inverse is built from the commit itself: the
 * first change of each grant in it tells what the kernel held before (a fresh add: nothing;
 * a deletion: the rules with their deadline; any other add: the rules with undo_deadline).
 */
#include "fw_parts.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int seen_before(const struct fw_change *ch, size_t i)
{
	for (size_t j = 0; j < i; j++)
		if (ch[j].rule.id == ch[i].rule.id)
			return 1;
	return 0;
}

size_t fw_parts_inverse(const struct fw_change *ch, size_t n, struct fw_change *out)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		struct fw_change *u = &out[k];

		if (seen_before(ch, i))
			continue;
		*u = ch[i];
		u->fresh = 0;
		if (ch[i].op == FW_ADD && ch[i].fresh) {
			u->op = FW_DEL;
		} else {
			u->op = FW_ADD;
			if (ch[i].op == FW_ADD)
				u->rule.deadline = ch[i].undo_deadline;
		}
		k++;
	}
	return k;
}

/* Puts parts 0..upto-1 back; -2 if one of them cannot be. */
static int put_back(const struct fw_parts *o, void *st, const struct fw_change *ch, size_t n,
		    int upto, char *err, size_t errlen)
{
	struct fw_change *inv = n ? calloc(n, sizeof(*inv)) : NULL;
	size_t ninv, len;
	char uerr[256];
	int ret = -1;

	if (n && !inv) {
		len = strlen(err);
		snprintf(err + len, errlen - len, "; out of memory to put back the parts written");
		return -2;
	}
	ninv = n ? fw_parts_inverse(ch, n, inv) : 0;
	for (int q = upto; ninv && q-- > 0;) {
		if (o->write(st, q, inv, ninv, uerr, sizeof(uerr)) == 0)
			continue;
		len = strlen(err);
		snprintf(err + len, errlen - len, "; and putting back what was written failed: %s",
			 uerr);
		ret = -2;
	}
	free(inv);
	return ret;
}

int fw_parts_commit(const struct fw_parts *o, void *st, const struct fw_change *ch, size_t n,
		    char *err, size_t errlen)
{
	for (int p = 0; p < o->n; p++)
		if (o->write(st, p, ch, n, err, errlen) < 0)
			return put_back(o, st, ch, n, p, err, errlen);
	return 0;
}
