/*
 * One address family of the libiptc backend. Included once by fw_ipt4.c (libip4tc) and
 * once by fw_ipt6.c (libip6tc) after they define:
 *   XT(fn)       the library's function, e.g. iptc_##fn
 *   XT_FN(fn)    our exported name, e.g. fw_ipt4_##fn
 *   XT_ENTRY     struct ipt_entry / struct ip6t_entry
 *   XT_FAMILY    4 or 6
 *   xt_fill(e, rule, dst, reply)  fills the entry's address/protocol part
 * libiptc itself builds libip6tc the same way. Each table is its own libiptc commit: the
 * backend (fw_iptables.c) writes them as the parts of one commit (fw_parts.h), which puts
 * back the parts written when a later one fails.
 */

#define XT_LOOP_MAX 10 /* commits retried on EAGAIN (the table changed under us) */

static const char *const chains[3] = {FW_CHAIN_IN, FW_CHAIN_OUT, FW_CHAIN_FWD};
static const char *const builtins[3] = {"INPUT", "OUTPUT", "FORWARD"};
static const char dnat_chain[32] = FW_CHAIN_DNAT; /* libiptc reads whole chain labels */
static const char DOCKER_USER[32] = "DOCKER-USER";

static const char *rule_comment(const XT_ENTRY *e)
{
	return fwxt_comment(e->elems, e->target_offset - sizeof(*e));
}

static int append_rule(struct xtc_handle *h, const char *chain, const struct fw_rule *r,
		       const struct prefix *dst, int mode)
{
	int reply = mode == FWXT_REPLY;
	union fwxt_buf buf;
	XT_ENTRY *e = (XT_ENTRY *)buf.b;
	size_t off = sizeof(*e);

	memset(&buf, 0, sizeof(buf));
	xt_fill(e, r, dst, reply);
	off += fwxt_matches(buf.b + off, r, mode);
	e->target_offset = (uint16_t)off;
	off += fwxt_target(buf.b + off, "ACCEPT");
	e->next_offset = (uint16_t)off;
	return XT(append_entry)(chain, e, h) ? 0 : -1;
}

/*
 * In-doors: one rule for the granted address. Out-doors: one per destination of this
 * family, or one for any destination. FWXT_REPLY rules go to the opposite chain.
 */
static int add_rules(struct xtc_handle *h, const struct fw_rule *r, int mode)
{
	const struct door *d = r->door;
	const char *chain = chains[(d->direction == DIR_OUT) ^ (mode == FWXT_REPLY)];

	if (d->direction == DIR_FWD)
		return r->addr.family == XT_FAMILY && d->to.addr.family == XT_FAMILY
			   ? append_rule(h, FW_CHAIN_FWD, r, &d->to, mode)
			   : 0;
	if (d->direction == DIR_IN)
		return r->addr.family == XT_FAMILY ? append_rule(h, chain, r, NULL, mode) : 0;
	for (int i = 0; i < d->ndests; i++) {
		if (d->dests[i].addr.family != XT_FAMILY)
			continue;
		if (append_rule(h, chain, r, &d->dests[i], mode) < 0)
			return -1;
	}
	return d->ndests ? 0 : append_rule(h, chain, r, NULL, mode);
}

/* One chain of a jump walk (rswalk.h): what each rule does, and the user chain it jumps or
 * goes to (not ours: they only accept grants). */
static int walk_read(struct rswalk *w, const char *chain, void *ctx)
{
	struct xtc_handle *h = ctx;
	const XT_ENTRY *e;

	if (!XT(is_chain)(chain, h))
		return 0;
	for (e = XT(first_rule)(chain, h); e; e = XT(next_rule)(e, h)) {
		const char *t = XT(get_target)(e, h);
		unsigned what = 0;

		if (!strcmp(t, "DROP") || !strcmp(t, "REJECT"))
			what = RSWALK_DROP;
		else if (!strcmp(t, "ACCEPT") &&
			 fwxt_accepts_established(e->elems, e->target_offset - sizeof(*e)))
			what = RSWALK_ESTABLISHED;
		rswalk_rule(w, what, XT(is_chain)(t, h) && strncmp(t, "KNOCKD-", 7) ? t : NULL);
	}
	return 0;
}

/* What a built-in chain does, following its jumps: its policy, then its rules' and the user
 * chains'. An unreadable or too deep walk counts as dropping. */
static void chain_walk(struct xtc_handle *h, const char *chain, struct rswalk *w, int *est,
		       int *drops)
{
	struct xt_counters c;
	const char *policy = XT(get_policy)(chain, &c, h);

	(void)rswalk_run(w, chain, walk_read, h);
	*est = (policy && !strcmp(policy, "ACCEPT")) || w->established;
	*drops = (policy && !strcmp(policy, "DROP")) || w->drops;
	if (policy && !strcmp(policy, "DROP"))
		w->drop_chain[0] = '\0'; /* the policy's drop, not a rule's */
}

static int chain_accepts_established(struct xtc_handle *h, const char *chain)
{
	struct rswalk w;
	int est, drops;

	chain_walk(h, chain, &w, &est, &drops);
	return est;
}

struct idpos {
	uint32_t id;
	unsigned num;
};

static int cmp_idpos(const void *a, const void *b)
{
	const struct idpos *x = a, *y = b;

	return x->id != y->id ? (x->id < y->id ? -1 : 1) : (x->num < y->num ? -1 : x->num > y->num);
}

static int cmp_id(const void *a, const void *b)
{
	const struct idpos *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

static int cmp_num_desc(const void *a, const void *b)
{
	unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;

	return x < y ? 1 : x > y ? -1 : 0;
}

/* Our rules in one chain, by grant id: one pass however many changes a commit carries. */
static struct idpos *index_chain(struct xtc_handle *h, const char *chain, size_t *n)
{
	const XT_ENTRY *e;
	struct idpos *v = NULL, *nv;
	size_t cap = 0;
	unsigned num = 0;

	*n = 0;
	for (e = XT(first_rule)(chain, h); e; e = XT(next_rule)(e, h), num++) {
		const char *c = rule_comment(e);

		if (!c || strncmp(c, "knockd id=", 10))
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 256;
			nv = realloc(v, cap * sizeof(*v));
			if (!nv) {
				free(v);
				return NULL;
			}
			v = nv;
		}
		v[*n].id = (uint32_t)strtoul(c + 10, NULL, 10);
		v[(*n)++].num = num;
	}
	if (*n)
		qsort(v, *n, sizeof(*v), cmp_idpos);
	return v ? v : calloc(1, sizeof(*v));
}

/* Removes the rules of every changed grant (all but fresh ones) from one chain. One id may
 * come more than once (a reconcile lists each rule it found: a grant's NEW and reply rules):
 * each rule is taken once, so that del never holds more than the chain's rules. */
static int delete_changed(struct xtc_handle *h, const char *chain, const struct fw_change *ch,
			  size_t n)
{
	size_t nidx, ndel = 0;
	struct idpos *idx = index_chain(h, chain, &nidx), key;
	unsigned *del = idx ? calloc(nidx + 1, sizeof(*del)) : NULL;
	unsigned char *taken = idx ? calloc(nidx + 1, 1) : NULL;
	int ret = -1;

	if (!del || !taken)
		goto out;
	for (size_t i = 0; i < n; i++) {
		struct idpos *hit;

		if (ch[i].fresh)
			continue;
		key.id = ch[i].rule.id;
		key.num = 0;
		hit = bsearch(&key, idx, nidx, sizeof(*idx), cmp_id); /* any rule of the id */
		while (hit && hit > idx && hit[-1].id == key.id)
			hit--;
		for (; hit && hit < idx + nidx && hit->id == key.id; hit++)
			if (!taken[hit - idx]) {
				taken[hit - idx] = 1;
				del[ndel++] = hit->num;
			}
	}
	qsort(del, ndel, sizeof(*del), cmp_num_desc); /* from the bottom: numbers stay valid */
	for (size_t i = 0; i < ndel; i++)
		if (i && del[i] == del[i - 1])
			continue;
		else if (!XT(delete_num_entry)(chain, del[i], h))
			goto out;
	ret = 0;
out:
	free(idx);
	free(del);
	free(taken);
	return ret;
}

static int apply_changes(struct xtc_handle *h, const struct fw_change *ch, size_t n, unsigned flags)
{
	/* est[0]: INPUT accepts ESTABLISHED; est[1]: OUTPUT does; est[2]: FORWARD does. An
	 * in-door's connections come in through INPUT and answer through OUTPUT; an out-door's
	 * the other way; a forward door's both ways through FORWARD. */
	int nch = flags & FWIPT_FORWARD ? 3 : 2;
	int est[3] = {chain_accepts_established(h, "INPUT"), chain_accepts_established(h, "OUTPUT"),
		      nch == 3 && chain_accepts_established(h, "FORWARD")};

	for (int c = 0; c < nch; c++)
		if (delete_changed(h, chains[c], ch, n) < 0)
			return -1;
	for (size_t i = 0; i < n; i++) {
		const struct fw_rule *r = &ch[i].rule;
		int dir = r->door->direction == DIR_OUT, fwd = r->door->direction == DIR_FWD;
		int mine = fwd ? est[2] : est[dir], other = fwd ? est[2] : est[!dir];

		if (ch[i].op != FW_ADD || (fwd && nch < 3))
			continue;
		if (add_rules(h, r, mine ? FWXT_NEW : FWXT_NEW_ESTABLISHED) < 0 ||
		    (!other && add_rules(h, r, FWXT_REPLY) < 0))
			return -1;
	}
	return 0;
}

static int insert_jump(struct xtc_handle *h, const char *from, const char *to)
{
	union fwxt_buf buf;
	XT_ENTRY *e = (XT_ENTRY *)buf.b;

	memset(&buf, 0, sizeof(buf));
	e->target_offset = sizeof(*e);
	e->next_offset = (uint16_t)(sizeof(*e) + fwxt_target(buf.b + sizeof(*e), to));
	return XT(insert_entry)(from, e, 0, h) ? 0 : -1;
}

/* Deletes the rules of chain `from` that jump to chain, but for a plain jump that is its
 * first rule when keep_top (then *top is set). */
static int drop_jumps(struct xtc_handle *h, const char *from, const char *chain, int keep_top,
		      int *top)
{
	const XT_ENTRY *e;
	unsigned num = 0, stray[16], nstray = 0;

	*top = 0;
	for (e = XT(first_rule)(from, h); e; e = XT(next_rule)(e, h), num++) {
		if (strcmp(XT(get_target)(e, h), chain))
			continue;
		if (keep_top && num == 0 && e->target_offset == sizeof(*e))
			*top = 1;
		else if (nstray < 16)
			stray[nstray++] = num;
	}
	while (nstray-- > 0)
		if (!XT(delete_num_entry)(from, stray[nstray], h))
			return -1;
	return 0;
}

/* Our chain exists, and the first rule of the built-in chain jumps to it, exactly once;
 * *missing is set when the chain had to be created. */
static int ensure_chain(struct xtc_handle *h, const char *builtin, const char *chain, int *missing)
{
	int top;

	if (!XT(is_chain)(chain, h)) {
		*missing = 1;
		if (!XT(create_chain)(chain, h))
			return -1;
	}
	if (drop_jumps(h, builtin, chain, 1, &top) < 0)
		return -1;
	return top ? 0 : insert_jump(h, builtin, chain);
}

/* Where KNOCKD-FORWARD is jumped to from: on a Docker host DOCKER-USER, which Docker jumps to
 * first from FORWARD and never rewrites (a Docker restart puts its jump back above any other
 * in FORWARD), else FORWARD. */
static const char *fwd_from(struct xtc_handle *h)
{
	return XT(is_chain)(DOCKER_USER, h) ? DOCKER_USER : "FORWARD";
}

/* The built-in chains' jumps to ours (FORWARD's: DOCKER-USER's on a Docker host, and none
 * left in FORWARD). */
static int ensure_jumps(struct xtc_handle *h, unsigned flags, int *missing)
{
	int top;

	for (int i = 0; i < (flags & FWIPT_FORWARD ? 3 : 2); i++)
		if (ensure_chain(h, i == 2 ? fwd_from(h) : builtins[i], chains[i], missing) < 0)
			return -1;
	if ((flags & FWIPT_FORWARD) && strcmp(fwd_from(h), "FORWARD") &&
	    drop_jumps(h, "FORWARD", FW_CHAIN_FWD, 0, &top) < 0)
		return -1;
	return 0;
}

/* A forward door's DNAT in the nat table: the granted address to the gateway's nat_port
 * goes to to:ports[0]. The filter table's forward rule accepts the translated flow. */
static int append_dnat(struct xtc_handle *h, const struct fw_rule *r)
{
	union fwxt_buf buf;
	XT_ENTRY *e = (XT_ENTRY *)buf.b;
	size_t off = sizeof(*e);

	memset(&buf, 0, sizeof(buf));
	xt_fill(e, r, NULL, 0);
	off += fwxt_matches(buf.b + off, r, FWXT_DNAT);
	e->target_offset = (uint16_t)off;
	off += fwxt_dnat_target(buf.b + off, r);
	e->next_offset = (uint16_t)off;
	return XT(append_entry)(dnat_chain, e, h) ? 0 : -1;
}

static int apply_nat(struct xtc_handle *h, const struct fw_change *ch, size_t n)
{
	if (delete_changed(h, dnat_chain, ch, n) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		const struct fw_rule *r = &ch[i].rule;
		const struct door *d = r->door;

		if (ch[i].op == FW_ADD && d->direction == DIR_FWD && d->nat_port &&
		    r->addr.family == XT_FAMILY && d->to.addr.family == XT_FAMILY &&
		    append_dnat(h, r) < 0)
			return -1;
	}
	return 0;
}

/* How many rules of ours (with a grant comment) our chains hold; -1 for a chain missing. */
static int count_ours(struct xtc_handle *h, int nch)
{
	int n = 0;

	for (int i = 0; i < nch; i++) {
		const XT_ENTRY *e;

		if (!XT(is_chain)(chains[i], h))
			return -1;
		for (e = XT(first_rule)(chains[i], h); e; e = XT(next_rule)(e, h)) {
			const char *c = rule_comment(e);

			n += c && !strncmp(c, "knockd id=", 10);
		}
	}
	return n;
}

/* One table's part of a commit: the filter table, or (nat) the nat table. */
static int prepare(struct xtc_handle *h, int nat, const struct fw_change *ch, size_t n,
		   unsigned flags, struct fwipt_res *res)
{
	int nch = flags & FWIPT_FORWARD ? 3 : 2;

	if (nat)
		return ensure_chain(h, "PREROUTING", dnat_chain, &res->missing) < 0
			   ? -1
			   : apply_nat(h, ch, n);
	if (ensure_jumps(h, flags, &res->missing) < 0 || apply_changes(h, ch, n, flags) < 0)
		return -1;
	res->ours = count_ours(h, nch);
	return 0;
}

static int commit_table(int nat, const struct fw_change *ch, size_t n, unsigned flags,
			struct fwipt_res *res, char *err, size_t errlen)
{
	const char *table = nat ? "nat" : "filter";

	for (int attempt = 0; attempt < XT_LOOP_MAX; attempt++) {
		struct xtc_handle *h = XT(init)(table);
		int e;

		if (!h) {
			snprintf(err, errlen, "IPv%d %s table: %s", XT_FAMILY, table,
				 XT(strerror)(errno));
			return -1;
		}
		if (prepare(h, nat, ch, n, flags, res) < 0) {
			snprintf(err, errlen, "IPv%d %s rule: %s", XT_FAMILY, table,
				 XT(strerror)(errno));
			XT(free)(h);
			return -1;
		}
		e = XT(commit)(h) ? 0 : errno;
		XT(free)(h);
		if (!e)
			return 0;
		if (e != EAGAIN) {
			snprintf(err, errlen, "IPv%d %s commit: %s", XT_FAMILY, table,
				 XT(strerror)(e));
			return -1;
		}
	}
	snprintf(err, errlen, "IPv%d %s commit: table kept changing (EAGAIN)", XT_FAMILY, table);
	return -1;
}

/* One table's part of a commit: the nat table (nat), or the filter table. */
int XT_FN(apply)(int nat, const struct fw_change *ch, size_t n, unsigned flags,
		 struct fwipt_res *res, char *err, size_t errlen)
{
	return commit_table(nat, ch, n, flags, res, err, errlen);
}
