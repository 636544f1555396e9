/*
 * The reading half of one address family of the libiptc backend: our rules (reconciliation),
 * what the built-in chains do (the probe, jumps followed) and whether our part of the table
 * is intact (the watch). Included after fw_ipt_family.h by fw_ipt4.c and fw_ipt6.c, with the
 * same XT macros.
 */

/* The watch: our chains, the jump at the top of each built-in chain, our rules. */
int XT_FN(intact)(unsigned flags, int ours, char *what, size_t len)
{
	struct xtc_handle *h = XT(init)("filter");
	int nch = flags & FWIPT_FORWARD ? 3 : 2, n, ret = 0;

	if (!h) {
		snprintf(what, len, "IPv%d filter table: %s", XT_FAMILY, XT(strerror)(errno));
		return -1;
	}
	for (int i = 0; i < nch && !ret; i++) {
		const char *from = i == 2 ? fwd_from(h) : builtins[i];
		const XT_ENTRY *e = XT(first_rule)(from, h);

		if (!XT(is_chain)(chains[i], h))
			ret = snprintf(what, len, "IPv%d chain %s was removed", XT_FAMILY,
				       chains[i]) > 0;
		else if (!e || strcmp(XT(get_target)(e, h), chains[i]) ||
			 e->target_offset != sizeof(*e))
			ret = snprintf(what, len, "IPv%d %s no longer jumps to %s first", XT_FAMILY,
				       from, chains[i]) > 0;
	}
	n = ret ? 0 : count_ours(h, nch);
	if (!ret && n < ours)
		ret = snprintf(what, len, "IPv%d: %d of %d grant rule(s) were removed", XT_FAMILY,
			       ours - n, ours) > 0;
	XT(free)(h);
	return ret;
}

/* Our rules in one table's chains. */
static void list_chains(struct xtc_handle *h, const char *const *names, const int *dirs, int nch,
			struct fw_found *out, size_t max, size_t *n)
{
	for (int i = 0; i < nch; i++) {
		const XT_ENTRY *e;

		if (!XT(is_chain)(names[i], h))
			continue;
		for (e = XT(first_rule)(names[i], h); e && *n < max; e = XT(next_rule)(e, h)) {
			const char *c = rule_comment(e);

			if (c && fw_comment_parse(c, &out[*n]) == 0) {
				out[*n].direction =
				    dirs[i] == DIR_FWD ? DIR_FWD : dirs[i] ^ out[*n].reply;
				(*n)++;
			}
		}
	}
}

int XT_FN(list)(struct fw_found *out, size_t max, size_t *n, unsigned flags, char *err,
		size_t errlen)
{
	static const int dirs[3] = {DIR_IN, DIR_OUT, DIR_FWD};
	static const char *const nat_chain[1] = {dnat_chain};
	struct xtc_handle *h = XT(init)("filter");

	*n = 0;
	if (!h) {
		snprintf(err, errlen, "IPv%d filter table: %s", XT_FAMILY, XT(strerror)(errno));
		return -1;
	}
	list_chains(h, chains, dirs, 3, out, max, n);
	XT(free)(h);
	if (!(flags & FWIPT_NAT))
		return 0; /* reading the nat table would load it */
	h = XT(init)("nat");
	if (!h) {
		snprintf(err, errlen, "IPv%d nat table: %s", XT_FAMILY, XT(strerror)(errno));
		return -1;
	}
	list_chains(h, nat_chain, dirs + 2, 1, out, max, n);
	XT(free)(h);
	return 0;
}

int XT_FN(base)(struct fwxt_base *b, char *err, size_t errlen)
{
	struct xtc_handle *h = XT(init)("filter");
	struct rswalk w;

	if (!h) {
		snprintf(err, errlen, "IPv%d filter table: %s", XT_FAMILY, XT(strerror)(errno));
		return -1;
	}
	for (int i = 0; i < 3; i++) {
		chain_walk(h, builtins[i], &w, &b->established[i], &b->drops[i]);
		snprintf(b->drop_chain[i], sizeof(b->drop_chain[i]), "%s",
			 w.truncated ? "(too many jumps to follow)" : w.drop_chain);
	}
	b->docker_user = XT(is_chain)(DOCKER_USER, h);
	XT(free)(h);
	return 0;
}
