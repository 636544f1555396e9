/*
 * One address family of the libiptc backend. Included once by fw_ipt4.c (libip4tc) and
 * once by fw_ipt6.c (libip6tc) after they define:
 *   XT(fn)       the library's function, e.g. iptc_##fn
 *   XT_FN(fn)    our exported name, e.g. fw_ipt4_##fn
 *   XT_ENTRY     struct ipt_entry / struct ip6t_entry
 *   XT_FAMILY    4 or 6
 *   xt_fill(e, rule, dst, reply)  fills the entry's address/protocol part
 * libiptc itself builds libip6tc the same way.
 */

#define XT_LOOP_MAX 10 /* commits retried on EAGAIN (the table changed under us) */

static const char *const chains[2] = {FW_CHAIN_IN, FW_CHAIN_OUT};
static const char *const builtins[2] = {"INPUT", "OUTPUT"};

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

static int chain_accepts_established(struct xtc_handle *h, const char *chain)
{
	struct xt_counters c;
	const char *policy = XT(get_policy)(chain, &c, h);
	const XT_ENTRY *e;

	if (policy && !strcmp(policy, "ACCEPT"))
		return 1;
	for (e = XT(first_rule)(chain, h); e; e = XT(next_rule)(e, h))
		if (!strcmp(XT(get_target)(e, h), "ACCEPT") &&
		    fwxt_accepts_established(e->elems, e->target_offset - sizeof(*e)))
			return 1;
	return 0;
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

/* Removes the rules of every changed grant (all but fresh ones) from one chain. */
static int delete_changed(struct xtc_handle *h, const char *chain, const struct fw_change *ch,
			  size_t n)
{
	size_t nidx, ndel = 0;
	struct idpos *idx = index_chain(h, chain, &nidx), key;
	unsigned *del = idx ? calloc(nidx + 1, sizeof(*del)) : NULL;
	int ret = -1;

	if (!del)
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
			del[ndel++] = hit->num;
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
	return ret;
}

static int apply_changes(struct xtc_handle *h, const struct fw_change *ch, size_t n)
{
	/* est[0]: INPUT accepts ESTABLISHED; est[1]: OUTPUT does. An in-door's connections
	 * come in through INPUT and answer through OUTPUT; an out-door's the other way. */
	int est[2] = {chain_accepts_established(h, "INPUT"),
		      chain_accepts_established(h, "OUTPUT")};

	if (delete_changed(h, chains[0], ch, n) < 0 || delete_changed(h, chains[1], ch, n) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		const struct fw_rule *r = &ch[i].rule;
		int dir = r->door->direction == DIR_OUT;

		if (ch[i].op != FW_ADD)
			continue;
		if (add_rules(h, r, est[dir] ? FWXT_NEW : FWXT_NEW_ESTABLISHED) < 0 ||
		    (!est[!dir] && add_rules(h, r, FWXT_REPLY) < 0))
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

/* Our chains exist, and the first rule of INPUT/OUTPUT jumps to them, exactly once;
 * *missing is set when a chain had to be created. */
static int ensure_chains(struct xtc_handle *h, int *missing)
{
	for (int i = 0; i < 2; i++) {
		const XT_ENTRY *e;
		unsigned num = 0, stray[16], nstray = 0;
		int top = 0;

		if (!XT(is_chain)(chains[i], h)) {
			*missing = 1;
			if (!XT(create_chain)(chains[i], h))
				return -1;
		}
		for (e = XT(first_rule)(builtins[i], h); e; e = XT(next_rule)(e, h), num++) {
			if (strcmp(XT(get_target)(e, h), chains[i]))
				continue;
			if (num == 0 && e->target_offset == sizeof(*e))
				top = 1;
			else if (nstray < 16)
				stray[nstray++] = num;
		}
		while (nstray-- > 0)
			if (!XT(delete_num_entry)(builtins[i], stray[nstray], h))
				return -1;
		if (!top && insert_jump(h, builtins[i], chains[i]) < 0)
			return -1;
	}
	return 0;
}

int XT_FN(apply)(const struct fw_change *ch, size_t n, int *missing, char *err, size_t errlen)
{
	for (int attempt = 0; attempt < XT_LOOP_MAX; attempt++) {
		struct xtc_handle *h = XT(init)("filter");
		int e;

		if (!h) {
			snprintf(err, errlen, "IPv%d filter table: %s", XT_FAMILY,
				 XT(strerror)(errno));
			return -1;
		}
		if (ensure_chains(h, missing) < 0 || apply_changes(h, ch, n) < 0) {
			snprintf(err, errlen, "IPv%d rule: %s", XT_FAMILY, XT(strerror)(errno));
			XT(free)(h);
			return -1;
		}
		e = XT(commit)(h) ? 0 : errno;
		XT(free)(h);
		if (!e)
			return 0;
		if (e != EAGAIN) {
			snprintf(err, errlen, "IPv%d commit: %s", XT_FAMILY, XT(strerror)(e));
			return -1;
		}
	}
	snprintf(err, errlen, "IPv%d commit: table kept changing (EAGAIN)", XT_FAMILY);
	return -1;
}

int XT_FN(list)(struct fw_found *out, size_t max, size_t *n, char *err, size_t errlen)
{
	struct xtc_handle *h = XT(init)("filter");

	*n = 0;
	if (!h) {
		snprintf(err, errlen, "IPv%d filter table: %s", XT_FAMILY, XT(strerror)(errno));
		return -1;
	}
	for (int i = 0; i < 2; i++) {
		const XT_ENTRY *e;

		if (!XT(is_chain)(chains[i], h))
			continue;
		for (e = XT(first_rule)(chains[i], h); e && *n < max; e = XT(next_rule)(e, h)) {
			const char *c = rule_comment(e);

			if (c && fw_comment_parse(c, &out[*n]) == 0) {
				out[*n].direction = (i ? DIR_OUT : DIR_IN) ^ out[*n].reply;
				(*n)++;
			}
		}
	}
	XT(free)(h);
	return 0;
}

/* Whether a built-in chain can drop: policy DROP, or a DROP/REJECT rule in it. */
static int chain_drops(struct xtc_handle *h, const char *chain)
{
	struct xt_counters c;
	const char *policy = XT(get_policy)(chain, &c, h);
	const XT_ENTRY *e;

	if (policy && !strcmp(policy, "DROP"))
		return 1;
	for (e = XT(first_rule)(chain, h); e; e = XT(next_rule)(e, h))
		if (!strcmp(XT(get_target)(e, h), "DROP") ||
		    !strcmp(XT(get_target)(e, h), "REJECT"))
			return 1;
	return 0;
}

int XT_FN(base)(struct fwxt_base *b, char *err, size_t errlen)
{
	struct xtc_handle *h = XT(init)("filter");

	if (!h) {
		snprintf(err, errlen, "IPv%d filter table: %s", XT_FAMILY, XT(strerror)(errno));
		return -1;
	}
	for (int i = 0; i < 2; i++) {
		b->established[i] = chain_accepts_established(h, builtins[i]);
		b->drops[i] = chain_drops(h, builtins[i]);
	}
	XT(free)(h);
	return 0;
}
