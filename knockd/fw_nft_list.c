/*
 * Reading the nftables backend's own chains: the index of our rules by grant id (a commit
 * deletes by handle) and the list of grants for reconciliation at start.
 */
#include "fw_nft.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fw_comment.h"

static int grow(struct fwnft_collect *c)
{
	size_t cap = c->cap ? c->cap * 2 : 256;
	void *p = c->list ? realloc(c->found, cap * sizeof(*c->found))
			  : realloc(c->idx, cap * sizeof(*c->idx));

	if (!p)
		return -1;
	if (c->list)
		c->found = p;
	else
		c->idx = p;
	c->cap = cap;
	return 0;
}

static int on_own_rule(struct nftnl_rule *r, void *data)
{
	struct fwnft_collect *c = data;
	char comment[FW_COMMENT_LEN];
	struct fw_found f;

	fwnft_rule_comment(r, c->t->compat, comment, sizeof(comment));
	if (fw_comment_parse(comment, &f) < 0)
		return MNL_CB_OK;
	if (c->n == c->cap && grow(c) < 0)
		return MNL_CB_ERROR;
	f.direction =
	    c->t->hook >= NFTPROBE_FWD ? DIR_FWD : (c->t->hook ? DIR_OUT : DIR_IN) ^ f.reply;
	if (c->list)
		c->found[c->n++] = f;
	else
		c->idx[c->n++] =
		    (struct fwnft_found){f.id, c->ti, nftnl_rule_get_u64(r, NFTNL_RULE_HANDLE)};
	return MNL_CB_OK;
}

int fwnft_walk_own(struct fwnft_state *st, struct fwnft_collect *c)
{
	for (int i = 0; i < st->nt; i++) {
		c->t = &st->t[i];
		c->ti = i;
		if (nftprobe_rules(&st->s, c->t->family, c->t->table, c->t->own, on_own_rule, c) <
		    0)
			return -1;
	}
	return 0;
}

int fwnft_cmp_found(const void *a, const void *b)
{
	const struct fwnft_found *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

int fwnft_refresh(struct fwnft_state *st, char *err, size_t errlen)
{
	static struct nftprobe_scan scan; /* 70 kB: not on the stack */

	if (nftprobe_scan_sock(&st->s, &scan, err, errlen) < 0)
		return -1;
	st->nt = fwnft_targets_from_scan(st->t, &scan, &st->nat);
	return 0;
}

static int cmp_found_grant(const void *a, const void *b)
{
	const struct fw_found *x = a, *y = b;

	return x->id != y->id ? (x->id < y->id ? -1 : 1) : x->reply - y->reply;
}

/* One entry per grant and direction: the rules of several ports, tables or families are
 * the same grant to the caller (which deletes by id). */
int fwnft_list(void *p, struct fw_found *out, size_t max, size_t *n, char *err, size_t errlen)
{
	struct fwnft_state *st = p;
	struct fwnft_collect c = {0};
	int r = -1;

	c.list = 1;
	*n = 0;
	if (fwnft_refresh(st, err, errlen) < 0)
		return -1;
	if (fwnft_walk_own(st, &c) < 0) {
		snprintf(err, errlen, "nftables: reading our chains: %s", strerror(errno));
		goto out;
	}
	if (c.n)
		qsort(c.found, c.n, sizeof(*c.found), cmp_found_grant);
	for (size_t i = 0; i < c.n; i++) {
		if (*n && !cmp_found_grant(&out[*n - 1], &c.found[i]))
			continue;
		if (*n == max) {
			snprintf(err, errlen,
				 "nftables: more grants in our chains than max_grants");
			goto out;
		}
		out[(*n)++] = c.found[i];
	}
	r = 0;
out:
	free(c.found);
	return r;
}
