/*
 * The nftables backend (libnftnl, libmnl; no nft command). Grants go into the base chains
 * on the input/output hooks that the scan (nftprobe.c) finds:
 *  - iptables-nft tables (ip filter / ip6 filter, chains INPUT/OUTPUT): our chains
 *    KNOCKD-INPUT/KNOCKD-OUTPUT hold rules built from exactly the expressions iptables-nft
 *    writes itself (native l4proto, address and port; conntrack, time and comment as xt
 *    matches through nft_compat), so iptables-nft -S / -L / -save keep reading the table;
 *  - the configured native table (nft_table, nft_input_chain, nft_output_chain): our chains
 *    knockd_input/knockd_output, native expressions only, the deadline as `meta time <` and
 *    the grant's name as the rule comment.
 * Either way the kernel stops matching a rule at its deadline; our chains are jumped to from
 * the top of the base chains; each commit is one netlink batch, all tables at once. Nothing
 * but our chains, their rules and the jumps to them is ever written or deleted.
 */
#include "fw_nft.h"

#include "fw_xt.h"

#include <netinet/in.h>

#include <endian.h>
#include <errno.h>
#include <libnftnl/chain.h>
#include <libnftnl/common.h>
#include <libnftnl/expr.h>
#include <libnftnl/gen.h>
#include <libnftnl/udata.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/x_tables.h>
#include <linux/netfilter/xt_comment.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define NFT_TARGETS  8
#define NFT_RETRY    5    /* batches retried when the ruleset changed under us */
#define NFT_MSG_ROOM 8192 /* the most one message of ours takes */

/* One base chain we write for: its table, the hook's direction, our chain beside it. */
struct target {
	uint32_t family;
	int compat;        /* an iptables-nft table */
	int out;           /* output hook */
	int est;           /* the base chain accepts established traffic */
	int exists;        /* our chain is there already */
	int top;           /* ... and the base chain's first rule jumps to it */
	uint64_t stray[4]; /* other rules of the base chain that jump to it */
	int nstray;
	char table[NFTPROBE_NAME], base[NFTPROBE_NAME];
	const char *own;
};

/* The configured native table and chains, e.g. "inet" "filter" "input" "output". */
struct native {
	char family[8], table[NFTPROBE_NAME], chain[2][NFTPROBE_NAME];
};

struct nft_state {
	struct nftprobe_sock s;
	struct native nat;
	struct target t[NFT_TARGETS];
	int nt;
	int missing; /* this commit has to create one of our chains */
};

/* One of our rules found in our chains. */
struct found_rule {
	uint32_t id;
	int t;
	uint64_t handle;
};

struct batch {
	char *buf;
	size_t len, cap;
	size_t lastmsg;       /* offset of the last message */
	uint32_t *seq, first; /* the socket's counter (dumps use it too); our first */
	uint32_t genid;       /* the ruleset generation our reading saw */
	int nmsg;
};

/* libnftnl 1.2's _free functions do not accept NULL. */
static void expr_free(struct nftnl_expr *e)
{
	if (e)
		nftnl_expr_free(e);
}

static void rule_free(struct nftnl_rule *r)
{
	if (r)
		nftnl_rule_free(r);
}

/* ---- expressions --------------------------------------------------------------------- */

static int put(struct nftnl_rule *r, struct nftnl_expr *e)
{
	if (!e)
		return -1;
	nftnl_rule_add_expr(r, e);
	return 0;
}

static int e_meta(struct nftnl_rule *r, uint32_t key)
{
	struct nftnl_expr *e = nftnl_expr_alloc("meta");

	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, key);
		nftnl_expr_set_u32(e, NFTNL_EXPR_META_DREG, NFT_REG_1);
	}
	return put(r, e);
}

static int e_ct(struct nftnl_rule *r, uint32_t key)
{
	struct nftnl_expr *e = nftnl_expr_alloc("ct");

	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_CT_KEY, key);
		nftnl_expr_set_u32(e, NFTNL_EXPR_CT_DREG, NFT_REG_1);
	}
	return put(r, e);
}

static int e_cmp(struct nftnl_rule *r, uint32_t op, const void *data, uint32_t len)
{
	struct nftnl_expr *e = nftnl_expr_alloc("cmp");

	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_SREG, NFT_REG_1);
		nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_OP, op);
		nftnl_expr_set(e, NFTNL_EXPR_CMP_DATA, data, len);
	}
	return put(r, e);
}

static int e_payload(struct nftnl_rule *r, uint32_t base, uint32_t off, uint32_t len)
{
	struct nftnl_expr *e = nftnl_expr_alloc("payload");

	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_BASE, base);
		nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET, off);
		nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_LEN, len);
		nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_DREG, NFT_REG_1);
	}
	return put(r, e);
}

static int e_bitwise(struct nftnl_rule *r, const void *mask, uint32_t len)
{
	static const uint8_t zero[16];
	struct nftnl_expr *e = nftnl_expr_alloc("bitwise");

	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_SREG, NFT_REG_1);
		nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_DREG, NFT_REG_1);
		nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_LEN, len);
		nftnl_expr_set(e, NFTNL_EXPR_BITWISE_MASK, mask, len);
		nftnl_expr_set(e, NFTNL_EXPR_BITWISE_XOR, zero, len);
	}
	return put(r, e);
}

static int e_hton64(struct nftnl_rule *r)
{
	struct nftnl_expr *e = nftnl_expr_alloc("byteorder");

	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_BYTEORDER_SREG, NFT_REG_1);
		nftnl_expr_set_u32(e, NFTNL_EXPR_BYTEORDER_DREG, NFT_REG_1);
		nftnl_expr_set_u32(e, NFTNL_EXPR_BYTEORDER_OP, NFT_BYTEORDER_HTON);
		nftnl_expr_set_u32(e, NFTNL_EXPR_BYTEORDER_LEN, 8);
		nftnl_expr_set_u32(e, NFTNL_EXPR_BYTEORDER_SIZE, 8);
	}
	return put(r, e);
}

static int e_match(struct nftnl_rule *r, const struct xt_entry_match *m)
{
	size_t len = m->u.match_size - sizeof(*m);
	struct nftnl_expr *e = nftnl_expr_alloc("match");
	void *info = malloc(len); /* libnftnl takes the info block over and frees it */

	if (!e || !info) {
		expr_free(e);
		free(info);
		return -1;
	}
	memcpy(info, m->data, len);
	nftnl_expr_set_str(e, NFTNL_EXPR_MT_NAME, m->u.user.name);
	nftnl_expr_set_u32(e, NFTNL_EXPR_MT_REV, m->u.user.revision);
	nftnl_expr_set(e, NFTNL_EXPR_MT_INFO, info, (uint32_t)len);
	return put(r, e);
}

static int e_counter_verdict(struct nftnl_rule *r, uint32_t verdict, const char *chain)
{
	struct nftnl_expr *e = nftnl_expr_alloc("immediate");

	if (put(r, nftnl_expr_alloc("counter")) < 0 || !e) {
		expr_free(e);
		return -1;
	}
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_VERDICT, verdict);
	if (chain)
		nftnl_expr_set_str(e, NFTNL_EXPR_IMM_CHAIN, chain);
	return put(r, e);
}

/* ---- one grant rule ------------------------------------------------------------------ */

/* What one rule matches: family 0 = any (no address), dst NULL for in-doors. */
struct spec {
	const struct target *t;
	const struct fw_rule *r;
	const struct prefix *dst;
	int fam, mode, port; /* port: index into the door's ports, -1 = all (xt multiport) */
};

/* An address or prefix, as iptables-nft and nft write it: whole bytes, else a mask. */
static int match_addr(struct nftnl_rule *nr, int fam, int src, const uint8_t *a, int plen)
{
	uint32_t full = fam == 4 ? 4 : 16, off = fam == 4 ? (src ? 12 : 16) : (src ? 8 : 24);
	uint8_t mask[16] = {0}, val[16] = {0};

	if (plen == 0)
		return 0;
	for (int i = 0; i < plen; i++)
		mask[i / 8] |= (uint8_t)(0x80 >> (i % 8));
	for (uint32_t i = 0; i < full; i++)
		val[i] = a[i] & mask[i];
	if (plen % 8 == 0)
		return e_payload(nr, NFT_PAYLOAD_NETWORK_HEADER, off, (uint32_t)plen / 8) ||
		       e_cmp(nr, NFT_CMP_EQ, val, (uint32_t)plen / 8);
	return e_payload(nr, NFT_PAYLOAD_NETWORK_HEADER, off, full) || e_bitwise(nr, mask, full) ||
	       e_cmp(nr, NFT_CMP_EQ, val, full);
}

static int match_head(struct nftnl_rule *nr, const struct spec *s)
{
	const struct door *d = s->r->door;
	int reply = s->mode == FWXT_REPLY, in = d->direction == DIR_IN;
	uint8_t proto = (uint8_t)d->protocol, nfproto = s->fam == 4 ? NFPROTO_IPV4 : NFPROTO_IPV6;
	const uint8_t *a = in ? s->r->addr.a : s->dst ? s->dst->addr.a : NULL;
	int plen = in ? (s->fam == 4 ? 32 : 128) : s->dst ? s->dst->len : 0;
	uint16_t port;

	if (s->t->family == NFPROTO_INET && s->fam &&
	    (e_meta(nr, NFT_META_NFPROTO) || e_cmp(nr, NFT_CMP_EQ, &nfproto, 1)))
		return -1;
	if (e_meta(nr, NFT_META_L4PROTO) || e_cmp(nr, NFT_CMP_EQ, &proto, 1))
		return -1;
	if (a && match_addr(nr, s->fam, in ^ reply, a, plen))
		return -1;
	if (s->port < 0)
		return 0;
	port = htons(d->ports[s->port]);
	return e_payload(nr, NFT_PAYLOAD_TRANSPORT_HEADER, reply ? 0 : 2, 2) ||
	       e_cmp(nr, NFT_CMP_EQ, &port, 2);
}

/* iptables-nft: the xt matches of the libiptc backend, but the port natively (as -m tcp). */
static int match_tail_compat(struct nftnl_rule *nr, const struct spec *s)
{
	union fwxt_buf buf;
	size_t len = fwxt_matches(buf.b, s->r, s->mode), off = 0;

	while (off < len) {
		const struct xt_entry_match *m = (const void *)(buf.b + off);

		if (strcmp(m->u.user.name, "tcp") && strcmp(m->u.user.name, "udp") &&
		    e_match(nr, m) < 0)
			return -1;
		off += m->u.match_size;
	}
	nftnl_rule_set_u32(nr, NFTNL_RULE_COMPAT_PROTO, (uint32_t)s->r->door->protocol);
	nftnl_rule_set_u32(nr, NFTNL_RULE_COMPAT_FLAGS, 0);
	return 0;
}

/* Native: ct direction/state, `meta time < end of the deadline second`, comment. */
static int match_tail_native(struct nftnl_rule *nr, const struct spec *s)
{
	uint32_t st = NF_CT_STATE_BIT(IP_CT_NEW), zero = 0;
	uint8_t dir = s->mode == FWXT_REPLY; /* IP_CT_DIR_REPLY : IP_CT_DIR_ORIGINAL */
	uint64_t end = htobe64((uint64_t)(s->r->deadline + 1) * 1000000000ull);
	char comment[FW_COMMENT_LEN];
	struct nftnl_udata_buf *ud;

	if (s->mode != FWXT_NEW && (e_ct(nr, NFT_CT_DIRECTION) || e_cmp(nr, NFT_CMP_EQ, &dir, 1)))
		return -1;
	if (s->mode == FWXT_NEW_ESTABLISHED)
		st |= NF_CT_STATE_BIT(IP_CT_ESTABLISHED);
	else if (s->mode == FWXT_REPLY)
		st = NF_CT_STATE_BIT(IP_CT_ESTABLISHED);
	if (e_ct(nr, NFT_CT_STATE) || e_bitwise(nr, &st, 4) || e_cmp(nr, NFT_CMP_NEQ, &zero, 4) ||
	    e_meta(nr, NFT_META_TIME_NS) || e_hton64(nr) || e_cmp(nr, NFT_CMP_LT, &end, 8))
		return -1;
	fw_comment_format(comment, sizeof(comment), s->r, s->mode == FWXT_REPLY);
	ud = nftnl_udata_buf_alloc(NFT_USERDATA_MAXLEN);
	if (!ud || !nftnl_udata_put_strz(ud, NFTNL_UDATA_RULE_COMMENT, comment)) {
		nftnl_udata_buf_free(ud);
		return -1;
	}
	nftnl_rule_set_data(nr, NFTNL_RULE_USERDATA, nftnl_udata_buf_data(ud),
			    nftnl_udata_buf_len(ud));
	nftnl_udata_buf_free(ud);
	return 0;
}

/* ---- the batch ----------------------------------------------------------------------- */

static struct nlmsghdr *batch_room(struct batch *b)
{
	if (b->cap - b->len < NFT_MSG_ROOM) {
		size_t cap = b->cap ? b->cap * 2 : 65536;
		char *nb = realloc(b->buf, cap);

		if (!nb)
			return NULL;
		b->buf = nb;
		b->cap = cap;
	}
	return (struct nlmsghdr *)(b->buf + b->len);
}

static void batch_done(struct batch *b, struct nlmsghdr *nlh)
{
	b->lastmsg = (size_t)((char *)nlh - b->buf);
	b->len += NLMSG_ALIGN(nlh->nlmsg_len);
	b->nmsg++;
}

/* Appends a rule message: NEWRULE (flags say append or insert at the top) or DELRULE. */
static int batch_rule(struct batch *b, int type, uint16_t flags, struct nftnl_rule *nr,
		      const struct target *t)
{
	struct nlmsghdr *nlh = batch_room(b);

	if (!nlh)
		return -1;
	nlh = nftnl_nlmsg_build_hdr((char *)nlh, (uint16_t)type, (uint16_t)t->family, flags,
				    ++*b->seq);
	nftnl_rule_nlmsg_build_payload(nlh, nr);
	batch_done(b, nlh);
	return 0;
}

static struct nftnl_rule *rule_in(const struct target *t, const char *chain)
{
	struct nftnl_rule *nr = nftnl_rule_alloc();

	if (nr) {
		nftnl_rule_set_u32(nr, NFTNL_RULE_FAMILY, t->family);
		nftnl_rule_set_str(nr, NFTNL_RULE_TABLE, t->table);
		nftnl_rule_set_str(nr, NFTNL_RULE_CHAIN, chain);
	}
	return nr;
}

static int emit_one(struct batch *b, const struct spec *s)
{
	struct nftnl_rule *nr = rule_in(s->t, s->t->own);
	int r = -1;

	if (nr && match_head(nr, s) == 0 &&
	    (s->t->compat ? match_tail_compat(nr, s) : match_tail_native(nr, s)) == 0 &&
	    e_counter_verdict(nr, NF_ACCEPT, NULL) == 0)
		r = batch_rule(b, NFT_MSG_NEWRULE, NLM_F_CREATE | NLM_F_APPEND, nr, s->t);
	rule_free(nr);
	return r;
}

/* One rule per port natively; iptables-nft tables take several as xt multiport. */
static int emit_ports(struct batch *b, struct spec *s)
{
	int n = s->r->door->nports;

	if (s->t->compat || n == 1) {
		s->port = n > 1 ? -1 : 0;
		return emit_one(b, s);
	}
	for (s->port = 0; s->port < n; s->port++)
		if (emit_one(b, s) < 0)
			return -1;
	return 0;
}

static int family_ok(const struct target *t, int fam)
{
	return t->family == NFPROTO_INET || (fam == 4) == (t->family == NFPROTO_IPV4);
}

/* A grant's rules in one target: in-doors for its address; out-doors per destination. */
static int emit_grant(struct batch *b, const struct target *t, const struct fw_rule *r)
{
	const struct door *d = r->door;
	int dir = d->direction == DIR_OUT;
	struct spec s = {t, r, NULL, 0, FWXT_NEW, 0};

	if (t->out == dir)
		s.mode = t->est ? FWXT_NEW : FWXT_NEW_ESTABLISHED;
	else if (!t->est)
		s.mode = FWXT_REPLY; /* the other hook carries the connections' replies */
	else
		return 0;
	if (d->direction == DIR_IN) {
		s.fam = r->addr.family;
		return family_ok(t, s.fam) ? emit_ports(b, &s) : 0;
	}
	for (int i = 0; i < d->ndests; i++) {
		s.dst = &d->dests[i];
		s.fam = s.dst->addr.family;
		if (family_ok(t, s.fam) && emit_ports(b, &s) < 0)
			return -1;
	}
	if (d->ndests)
		return 0;
	s.fam = t->family == NFPROTO_IPV4 ? 4 : t->family == NFPROTO_IPV6 ? 6 : 0;
	return emit_ports(b, &s);
}

/* ---- reading our rules --------------------------------------------------------------- */

struct comment_find {
	char *out;
	size_t len;
};

static int on_comment_expr(struct nftnl_expr *e, void *data)
{
	struct comment_find *f = data;
	const struct xt_comment_info *ci;
	uint32_t len = 0;

	if (strcmp(nftnl_expr_get_str(e, NFTNL_EXPR_NAME), "match") ||
	    strcmp(nftnl_expr_get_str(e, NFTNL_EXPR_MT_NAME), "comment"))
		return 0;
	ci = nftnl_expr_get(e, NFTNL_EXPR_MT_INFO, &len);
	if (ci && len >= sizeof(*ci) && memchr(ci->comment, '\0', sizeof(ci->comment)))
		snprintf(f->out, f->len, "%s", (const char *)ci->comment);
	return 0;
}

static int on_udata(const struct nftnl_udata *attr, void *data)
{
	struct comment_find *f = data;
	uint8_t n = nftnl_udata_len(attr);
	const char *v = nftnl_udata_get(attr);

	if (nftnl_udata_type(attr) == NFTNL_UDATA_RULE_COMMENT && n > 0 && !v[n - 1])
		snprintf(f->out, f->len, "%s", v);
	return 0;
}

/* The grant name a rule carries: an xt comment (iptables-nft) or the rule's comment. */
static void rule_comment(struct nftnl_rule *r, int compat, char *out, size_t len)
{
	struct comment_find f = {out, len};
	uint32_t ulen = 0;
	const void *ud;

	out[0] = '\0';
	if (compat) {
		nftnl_expr_foreach(r, on_comment_expr, &f);
		return;
	}
	ud = nftnl_rule_get_data(r, NFTNL_RULE_USERDATA, &ulen);
	if (ud)
		nftnl_udata_parse(ud, ulen, on_udata, &f);
}

/* Collects our rules: as fw_found (list mode) or as id/handle (index mode). */
struct collect {
	const struct target *t;
	int ti, list;
	struct fw_found *found;
	struct found_rule *idx;
	size_t n, cap;
};

static int grow(struct collect *c)
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
	struct collect *c = data;
	char comment[FW_COMMENT_LEN];
	struct fw_found f;

	rule_comment(r, c->t->compat, comment, sizeof(comment));
	if (fw_comment_parse(comment, &f) < 0)
		return MNL_CB_OK;
	if (c->n == c->cap && grow(c) < 0)
		return MNL_CB_ERROR;
	f.direction = (c->t->out ? DIR_OUT : DIR_IN) ^ f.reply;
	if (c->list)
		c->found[c->n++] = f;
	else
		c->idx[c->n++] =
		    (struct found_rule){f.id, c->ti, nftnl_rule_get_u64(r, NFTNL_RULE_HANDLE)};
	return MNL_CB_OK;
}

/* Walks our chain in every target (a chain not created yet dumps as empty). */
static int walk_own(struct nft_state *st, struct collect *c)
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

static int cmp_found(const void *a, const void *b)
{
	const struct found_rule *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

/* ---- targets --------------------------------------------------------------------------- */

/* Where grants go: iptables-nft's INPUT/OUTPUT, and the configured native chains. */
static int is_iptables_nft(const struct nftprobe_chain *b)
{
	return (b->family == NFPROTO_IPV4 || b->family == NFPROTO_IPV6) &&
	       !strcmp(b->table, "filter") && !strcmp(b->chain, b->out ? "OUTPUT" : "INPUT");
}

static int is_native(const struct nftprobe_chain *b, const struct native *nat)
{
	return !strcmp(nftprobe_family_name(b->family), nat->family) &&
	       !strcmp(b->table, nat->table) && !strcmp(b->chain, nat->chain[b->out]);
}

static void native_from_config(struct native *nat, const struct config *c)
{
	memset(nat, 0, sizeof(*nat));
	sscanf(c->nft_table, "%7s %63s", nat->family, nat->table);
	snprintf(nat->chain[0], sizeof(nat->chain[0]), "%s", c->nft_input_chain);
	snprintf(nat->chain[1], sizeof(nat->chain[1]), "%s", c->nft_output_chain);
}

static int targets_from_scan(struct target *t, const struct nftprobe_scan *scan,
			     const struct native *nat)
{
	int n = 0;

	for (int i = 0; i < scan->n && n < NFT_TARGETS; i++) {
		const struct nftprobe_chain *b = &scan->c[i];
		int compat = is_iptables_nft(b);

		if (!compat && !is_native(b, nat))
			continue;
		memset(&t[n], 0, sizeof(t[n]));
		t[n].family = b->family;
		t[n].compat = compat;
		t[n].out = b->out;
		t[n].est = b->established;
		snprintf(t[n].table, sizeof(t[n].table), "%s", b->table);
		snprintf(t[n].base, sizeof(t[n].base), "%s", b->chain);
		t[n].own = compat ? (b->out ? FW_CHAIN_OUT : FW_CHAIN_IN)
				  : (b->out ? FW_NATIVE_OUT : FW_NATIVE_IN);
		for (int j = 0; j < scan->nown; j++)
			t[n].exists |= scan->own[j].family == b->family &&
				       !strcmp(scan->own[j].table, b->table) &&
				       !strcmp(scan->own[j].chain, t[n].own);
		t[n].top = !strcmp(b->top, t[n].own);
		for (int j = 0; j < b->njumps; j++)
			if (!strcmp(b->jumps[j].chain, t[n].own))
				t[n].stray[t[n].nstray++] = b->jumps[j].handle;
		n++;
	}
	return n;
}

int fw_nft_covers(const struct config *c, const struct nftprobe_chain *b)
{
	struct native nat;

	native_from_config(&nat, c);
	return is_iptables_nft(b) || is_native(b, &nat);
}

int fw_nft_targets(const struct config *c, const struct nftprobe_scan *scan, char *out, size_t len)
{
	struct target t[NFT_TARGETS];
	struct native nat;
	int n;

	native_from_config(&nat, c);
	n = targets_from_scan(t, scan, &nat);
	out[0] = '\0';
	for (int i = 0; i < n; i++) {
		size_t used = strlen(out);

		snprintf(out + used, len - used, "%stable %s %s chain %s -> %s (%s)", i ? "; " : "",
			 nftprobe_family_name(t[i].family), t[i].table, t[i].base, t[i].own,
			 t[i].compat ? "iptables-nft" : "native");
	}
	return n;
}

/* Re-reads the base chains: tables come and go (nft -f, firewalld reloads). */
static int refresh_targets(struct nft_state *st, char *err, size_t errlen)
{
	static struct nftprobe_scan scan; /* 70 kB: not on the stack */

	if (nftprobe_scan_sock(&st->s, &scan, err, errlen) < 0)
		return -1;
	st->nt = targets_from_scan(st->t, &scan, &st->nat);
	return 0;
}

/* ---- writing ----------------------------------------------------------------------------- */

/* Our chain exists and the base chain's first rule jumps to it, once. */
static int ensure_target(struct nft_state *st, struct batch *b, const struct target *t)
{
	struct nftnl_chain *c = nftnl_chain_alloc();
	struct nlmsghdr *nlh = batch_room(b);
	struct nftnl_rule *nr;
	int r = 0;

	if (!c)
		return -1;
	if (!nlh) {
		nftnl_chain_free(c);
		return -1;
	}
	st->missing |= !t->exists; /* a ruleset reload, a new table, or the first start */
	nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, t->table);
	nftnl_chain_set_str(c, NFTNL_CHAIN_NAME, t->own);
	nlh = nftnl_nlmsg_build_hdr((char *)nlh, NFT_MSG_NEWCHAIN, (uint16_t)t->family,
				    NLM_F_CREATE, ++*b->seq);
	nftnl_chain_nlmsg_build_payload(nlh, c);
	nftnl_chain_free(c);
	batch_done(b, nlh);
	for (int i = 0; i < t->nstray && r == 0; i++) {
		nr = rule_in(t, t->base);
		if (nr)
			nftnl_rule_set_u64(nr, NFTNL_RULE_HANDLE, t->stray[i]);
		r = nr ? batch_rule(b, NFT_MSG_DELRULE, 0, nr, t) : -1;
		rule_free(nr);
	}
	if (r < 0 || t->top)
		return r;
	nr = rule_in(t, t->base); /* no NLM_F_APPEND: at the top */
	r = nr && e_counter_verdict(nr, NFT_JUMP, t->own) == 0
		? batch_rule(b, NFT_MSG_NEWRULE, NLM_F_CREATE, nr, t)
		: -1;
	rule_free(nr);
	return r;
}

/* Deletes every rule of the changed grants (fresh ones have none), each once. */
static int emit_deletions(struct nft_state *st, struct batch *b, const struct fw_change *ch,
			  size_t n, struct found_rule *idx, size_t nidx)
{
	for (size_t i = 0; i < n; i++) {
		struct found_rule key = {ch[i].rule.id, 0, 0}, *hit;

		if (ch[i].fresh)
			continue;
		hit = bsearch(&key, idx, nidx, sizeof(*idx), cmp_found);
		while (hit && hit > idx && hit[-1].id == key.id)
			hit--;
		for (; hit && hit < idx + nidx && hit->id == key.id; hit++) {
			const struct target *t = &st->t[hit->t];
			struct nftnl_rule *nr = hit->handle ? rule_in(t, t->own) : NULL;
			int r;

			if (!hit->handle)
				continue;
			if (!nr)
				return -1;
			nftnl_rule_set_u64(nr, NFTNL_RULE_HANDLE, hit->handle);
			r = batch_rule(b, NFT_MSG_DELRULE, 0, nr, t);
			rule_free(nr);
			if (r < 0)
				return -1;
			hit->handle = 0;
		}
	}
	return 0;
}

static int needs_index(const struct fw_change *ch, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!ch[i].fresh)
			return 1;
	return 0;
}

static int build_batch(struct nft_state *st, struct batch *b, const struct fw_change *ch, size_t n)
{
	struct collect c = {0};
	struct nlmsghdr *nlh;
	int r = -1;

	if (needs_index(ch, n) && walk_own(st, &c) < 0)
		goto out;
	if (c.n)
		qsort(c.idx, c.n, sizeof(*c.idx), cmp_found);
	if (!batch_room(b))
		goto out;
	nlh = nftnl_batch_begin(b->buf + b->len, ++*b->seq);
	b->first = *b->seq;
	mnl_attr_put_u32(nlh, NFNL_BATCH_GENID, htonl(b->genid));
	batch_done(b, nlh);
	for (int i = 0; i < st->nt; i++)
		if (ensure_target(st, b, &st->t[i]) < 0)
			goto out;
	if (emit_deletions(st, b, ch, n, c.idx, c.n) < 0)
		goto out;
	for (size_t i = 0; i < n; i++)
		for (int t = 0; ch[i].op == FW_ADD && t < st->nt; t++)
			if (emit_grant(b, &st->t[t], &ch[i].rule) < 0)
				goto out;
	if (b->nmsg < 2) { /* nothing but the begin message: no target */
		r = 0;
		goto out;
	}
	((struct nlmsghdr *)(b->buf + b->lastmsg))->nlmsg_flags |= NLM_F_ACK; /* the answer */
	if (!batch_room(b))
		goto out;
	batch_done(b, nftnl_batch_end(b->buf + b->len, ++*b->seq));
	r = 0;
out:
	free(c.idx);
	return r;
}

/*
 * Reads what the kernel said about our batch: it was handled inside sendmsg, so every
 * answer is queued by now. 0, -2 if the kernel refused the batch (errno says why; nothing
 * was applied), -1 if the answer could not be read.
 */
static int read_answer(struct nft_state *st, const struct batch *b, char *err, size_t errlen)
{
	static char buf[16384];
	int fd = mnl_socket_get_fd(st->s.nl), error = 0, acked = 0, flags = 0, r = -2;
	ssize_t n;

	while ((n = recv(fd, buf, sizeof(buf), flags)) > 0) {
		const struct nlmsghdr *nlh = (const struct nlmsghdr *)buf;
		int len = (int)n;

		for (; mnl_nlmsg_ok(nlh, len); nlh = mnl_nlmsg_next(nlh, &len)) {
			const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);

			if (nlh->nlmsg_type != NLMSG_ERROR ||
			    nlh->nlmsg_seq - b->first > *b->seq - b->first)
				continue; /* not about this batch */
			if (e->error && !error)
				error = -e->error;
			acked |= !e->error;
		}
		flags = MSG_DONTWAIT; /* the first answer may be waited for (SO_RCVTIMEO) */
	}
	if (!error && !acked) {
		error = n < 0 && errno != EAGAIN ? errno : EPROTO;
		r = -1;
	}
	if (!error)
		return 0;
	errno = error;
	snprintf(err, errlen, "nftables commit: %s", strerror(error));
	return r;
}

static int send_batch(struct nft_state *st, struct batch *b, char *err, size_t errlen)
{
	int size = (int)b->len + 65536;

	/* one batch, one sendmsg: the socket must take it whole (CAP_NET_ADMIN may force) */
	setsockopt(mnl_socket_get_fd(st->s.nl), SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof(size));
	if (mnl_socket_sendto(st->s.nl, b->buf, b->len) < 0) {
		snprintf(err, errlen, "nftables commit: %s", strerror(errno));
		return -1;
	}
	return read_answer(st, b, err, errlen);
}

static int on_gen(const struct nlmsghdr *nlh, void *data)
{
	struct nftnl_gen *g = nftnl_gen_alloc();
	int r = MNL_CB_ERROR;

	if (g && nftnl_gen_nlmsg_parse(nlh, g) == 0) {
		*(uint32_t *)data = nftnl_gen_get_u32(g, NFTNL_GEN_ID);
		r = MNL_CB_OK;
	}
	if (g)
		nftnl_gen_free(g);
	return r;
}

/* The ruleset's generation, read before anything else: the kernel refuses a batch that
 * carries an older one (ERESTART), so nothing is written from a stale reading. */
static int read_genid(struct nft_state *st, uint32_t *genid)
{
	char req[256];
	struct nlmsghdr *nlh =
	    nftnl_nlmsg_build_hdr(req, NFT_MSG_GETGEN, AF_UNSPEC, NLM_F_ACK, ++st->s.seq);

	return nftprobe_query(&st->s, nlh, on_gen, genid);
}

static int has_add(const struct fw_change *ch, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (ch[i].op == FW_ADD)
			return 1;
	return 0;
}

/* 0; -2 if the kernel refused the batch (nothing applied: may be retried); -1 otherwise. */
static int try_commit(struct nft_state *st, const struct fw_change *ch, size_t n, char *err,
		      size_t errlen)
{
	struct batch b = {0};
	int r;

	b.seq = &st->s.seq;
	if (read_genid(st, &b.genid) < 0) {
		snprintf(err, errlen, "nftables: reading the generation: %s", strerror(errno));
		return -1;
	}
	if (refresh_targets(st, err, errlen) < 0)
		return -1;
	if (!st->nt && has_add(ch, n)) {
		snprintf(err, errlen,
			 "nftables: no base chain left to write into (was the ruleset "
			 "flushed?)");
		return -1;
	}
	st->missing = 0;
	r = build_batch(st, &b, ch, n);
	if (r < 0)
		snprintf(err, errlen, "nftables: building the commit: %s", strerror(errno));
	else if (b.nmsg > 2)
		r = send_batch(st, &b, err, errlen);
	free(b.buf);
	return r;
}

static int nft_commit(void *p, const struct fw_change *ch, size_t n, char *err, size_t errlen)
{
	struct nft_state *st = p;
	int r = -1;

	for (int attempt = 0; attempt < NFT_RETRY; attempt++) {
		r = try_commit(st, ch, n, err, errlen);
		/* refused as a whole because the ruleset changed under us: read it again */
		if (r != -2 || (errno != ERESTART && errno != ENOENT && errno != EBUSY))
			break;
	}
	return r == 0 ? st->missing : -1;
}

static int cmp_found_grant(const void *a, const void *b)
{
	const struct fw_found *x = a, *y = b;

	return x->id != y->id ? (x->id < y->id ? -1 : 1) : x->reply - y->reply;
}

/* One entry per grant and direction: the rules of several ports, tables or families are
 * the same grant to the caller (which deletes by id). */
static int nft_list(void *p, struct fw_found *out, size_t max, size_t *n, char *err, size_t errlen)
{
	struct nft_state *st = p;
	struct collect c = {0};
	int r = -1;

	c.list = 1;
	*n = 0;
	if (refresh_targets(st, err, errlen) < 0)
		return -1;
	if (walk_own(st, &c) < 0) {
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

static void nft_close(void *p)
{
	struct nft_state *st = p;

	if (!st)
		return;
	nftprobe_close(&st->s);
	free(st);
}

static int nft_open(void **p, const struct config *c, char *err, size_t errlen)
{
	struct nft_state *st = calloc(1, sizeof(*st));
	struct timeval tv = {2, 0};
	int one = 1;

	*p = st;
	if (!st) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	native_from_config(&st->nat, c);
	if (nftprobe_open(&st->s, err, errlen) < 0) {
		free(st);
		*p = NULL;
		return -1;
	}
	setsockopt(mnl_socket_get_fd(st->s.nl), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	mnl_socket_setsockopt(st->s.nl, NETLINK_CAP_ACK, &one, sizeof(one));
	/* An empty commit creates our chains and jumps, and proves we may write. */
	if (nft_commit(st, NULL, 0, err, errlen) >= 0)
		return 0;
	nft_close(st);
	*p = NULL;
	return -1;
}

static void base_warning(char *msg, size_t len, const struct target *t)
{
	size_t n = strlen(msg);

	snprintf(msg + n, len - n,
		 "warning: table %s %s chain %s accepts no established traffic: grants will "
		 "carry their own connections, which then end with the grant (add a rule such as: "
		 "ct state established,related accept)\n",
		 nftprobe_family_name(t->family), t->table, t->base);
}

static int nft_check(const struct config *c, char *msg, size_t len)
{
	struct nftprobe_scan scan;
	struct target t[NFT_TARGETS];
	struct native nat;
	int n;

	if (nftprobe_scan(&scan, msg, len) < 0)
		return -1;
	native_from_config(&nat, c);
	n = targets_from_scan(t, &scan, &nat);
	msg[0] = '\0';
	for (int i = 0; i < n; i++)
		if (!t[i].est)
			base_warning(msg, len, &t[i]);
	return 0;
}

const struct fw_backend fw_backend_nftables = {
    .name = "nftables",
    .what = "libnftnl, nftables",
    .open = nft_open,
    .commit = nft_commit,
    .list = nft_list,
    .close = nft_close,
    .check = nft_check,
};
