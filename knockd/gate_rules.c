/*
 * The gate's objects, appended to a netlink batch: base chains on input, output and forward
 * (policy accept), per gated door a chain door_NAME and two sets NAME_4 / NAME_6 (type
 * ipv4_addr / ipv6_addr, flags timeout: the kernel expires a grant on its own), and the
 * rules. A base rule sends each NEW connection matching a door (not from loopback; forward
 * doors: arriving on a capture interface, to the door's inner host) to the door's chain,
 * which accepts a granted or exempt source; after every door's jump, one drop rule per door
 * drops what matched it, so that two doors over the same traffic (a forward door and its
 * nat_port twin) each open it. Grants are set elements.
 */
#include "gate.h"

#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <libnftnl/chain.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include <linux/netfilter/nf_tables.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>

#define CT_NEW     (1u << (IP_CT_NEW + 1)) /* ct state new, as nft's bit */
#define LO_IFINDEX 1u                      /* loopback's index in every network namespace */

/* A rule under construction: the first failed allocation fails it. */
struct rb {
	struct nftnl_rule *r;
	int bad;
};

static void put(struct rb *b, struct nftnl_expr *e)
{
	if (!e || !b->r) {
		b->bad = 1;
		nftnl_expr_free(e);
		return;
	}
	nftnl_rule_add_expr(b->r, e);
}

static struct nftnl_expr *expr(const char *name)
{
	return nftnl_expr_alloc(name);
}

static void meta(struct rb *b, uint32_t key)
{
	struct nftnl_expr *e = expr("meta");

	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, key);
		nftnl_expr_set_u32(e, NFTNL_EXPR_META_DREG, NFT_REG_1);
	}
	put(b, e);
}

static void cmp(struct rb *b, uint32_t op, const void *data, uint32_t len)
{
	struct nftnl_expr *e = expr("cmp");

	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_SREG, NFT_REG_1);
		nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_OP, op);
		nftnl_expr_set(e, NFTNL_EXPR_CMP_DATA, data, len);
	}
	put(b, e);
}

static void payload(struct rb *b, uint32_t base, uint32_t off, uint32_t len)
{
	struct nftnl_expr *e = expr("payload");

	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_BASE, base);
		nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET, off);
		nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_LEN, len);
		nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_DREG, NFT_REG_1);
	}
	put(b, e);
}

static void bitwise(struct rb *b, const void *mask, uint32_t len)
{
	static const uint8_t zero[16];
	struct nftnl_expr *e = expr("bitwise");

	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_SREG, NFT_REG_1);
		nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_DREG, NFT_REG_1);
		nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_LEN, len);
		nftnl_expr_set(e, NFTNL_EXPR_BITWISE_MASK, mask, len);
		nftnl_expr_set(e, NFTNL_EXPR_BITWISE_XOR, zero, len);
	}
	put(b, e);
}

static void verdict(struct rb *b, int v, const char *chain)
{
	struct nftnl_expr *e = expr("immediate");

	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
		nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_VERDICT, (uint32_t)v);
		if (chain)
			nftnl_expr_set_str(e, NFTNL_EXPR_IMM_CHAIN, chain);
	}
	put(b, e);
}

static void lookup(struct rb *b, const char *set)
{
	struct nftnl_expr *e = expr("lookup");

	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SREG, NFT_REG_1);
		nftnl_expr_set_str(e, NFTNL_EXPR_LOOKUP_SET, set);
	}
	put(b, e);
}

static void nfproto(struct rb *b, int fam)
{
	uint8_t p = fam == 6 ? NFPROTO_IPV6 : NFPROTO_IPV4;

	meta(b, NFT_META_NFPROTO);
	cmp(b, NFT_CMP_EQ, &p, 1);
}

/* The packet's source (dst: destination) address of family fam into register 1. */
static void addr_load(struct rb *b, int fam, int dst)
{
	nfproto(b, fam);
	if (fam == 6)
		payload(b, NFT_PAYLOAD_NETWORK_HEADER, dst ? 24 : 8, 16);
	else
		payload(b, NFT_PAYLOAD_NETWORK_HEADER, dst ? 16 : 12, 4);
}

static void prefix_match(struct rb *b, const struct prefix *p, int dst)
{
	uint32_t len = p->addr.family == 6 ? 16 : 4;
	uint8_t mask[16] = {0}, net[16] = {0};

	for (uint32_t i = 0; i < len; i++) {
		int bits = (int)p->len - (int)i * 8;

		mask[i] = bits >= 8 ? 0xff : bits > 0 ? (uint8_t)(0xff << (8 - bits)) : 0;
		net[i] = p->addr.a[i] & mask[i];
	}
	addr_load(b, p->addr.family, dst);
	bitwise(b, mask, len);
	cmp(b, NFT_CMP_EQ, net, len);
}

static int rb_start(struct rb *b, const char *chain)
{
	b->bad = 0;
	b->r = nftnl_rule_alloc();
	if (!b->r)
		return -1;
	nftnl_rule_set_str(b->r, NFTNL_RULE_TABLE, GATE_TABLE);
	nftnl_rule_set_str(b->r, NFTNL_RULE_CHAIN, chain);
	nftnl_rule_set_u32(b->r, NFTNL_RULE_FAMILY, NFPROTO_INET);
	return 0;
}

static struct nlmsghdr *hdr(struct mnl_nlmsg_batch *b, uint32_t *seq, int type, uint16_t flags)
{
	return nftnl_nlmsg_build_hdr(mnl_nlmsg_batch_current(b), (uint16_t)type, NFPROTO_INET,
				     flags, (*seq)++);
}

static int rb_emit(struct rb *b, struct mnl_nlmsg_batch *mb, uint32_t *seq)
{
	int ok = !b->bad;

	if (ok) {
		nftnl_rule_nlmsg_build_payload(
		    hdr(mb, seq, NFT_MSG_NEWRULE, NLM_F_CREATE | NLM_F_APPEND), b->r);
		ok = mnl_nlmsg_batch_next(mb);
	}
	nftnl_rule_free(b->r);
	b->r = NULL;
	return ok ? 0 : -1;
}

static int emit_chain(struct mnl_nlmsg_batch *mb, uint32_t *seq, const char *name, int hook)
{
	struct nftnl_chain *c = nftnl_chain_alloc();
	int ok;

	if (!c)
		return -1;
	nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, GATE_TABLE);
	nftnl_chain_set_str(c, NFTNL_CHAIN_NAME, name);
	nftnl_chain_set_u32(c, NFTNL_CHAIN_FAMILY, NFPROTO_INET);
	if (hook >= 0) {
		nftnl_chain_set_u32(c, NFTNL_CHAIN_HOOKNUM, (uint32_t)hook);
		nftnl_chain_set_s32(c, NFTNL_CHAIN_PRIO, 0);
		nftnl_chain_set_str(c, NFTNL_CHAIN_TYPE, "filter");
		nftnl_chain_set_u32(c, NFTNL_CHAIN_POLICY, NF_ACCEPT);
	}
	nftnl_chain_nlmsg_build_payload(hdr(mb, seq, NFT_MSG_NEWCHAIN, NLM_F_CREATE), c);
	nftnl_chain_free(c);
	ok = mnl_nlmsg_batch_next(mb);
	return ok ? 0 : -1;
}

/* NAME_4, NAME_6: granted sources; NAME_p (fam 0): an out door's open ports. */
static void set_name(char *buf, size_t len, const struct door *d, int fam)
{
	if (fam)
		snprintf(buf, len, "%s_%d", d->name, fam);
	else
		snprintf(buf, len, "%s_p", d->name);
}

static int emit_set(struct mnl_nlmsg_batch *mb, uint32_t *seq, const struct door *d, int fam)
{
	struct nftnl_set *s = nftnl_set_alloc();
	char name[NAME_MAX_LEN + 8];
	int ok;

	if (!s)
		return -1;
	set_name(name, sizeof(name), d, fam);
	nftnl_set_set_str(s, NFTNL_SET_TABLE, GATE_TABLE);
	nftnl_set_set_str(s, NFTNL_SET_NAME, name);
	nftnl_set_set_u32(s, NFTNL_SET_FAMILY, NFPROTO_INET);
	/* nft's ipv6_addr, ipv4_addr, inet_service */
	nftnl_set_set_u32(s, NFTNL_SET_KEY_TYPE, fam == 6 ? 8 : fam ? 7 : 13);
	nftnl_set_set_u32(s, NFTNL_SET_KEY_LEN, fam == 6 ? 16 : fam ? 4 : 2);
	nftnl_set_set_u32(s, NFTNL_SET_FLAGS, NFT_SET_TIMEOUT);
	nftnl_set_set_u32(s, NFTNL_SET_ID, *seq); /* required; unique in the batch */
	nftnl_set_nlmsg_build_payload(hdr(mb, seq, NFT_MSG_NEWSET, NLM_F_CREATE), s);
	nftnl_set_free(s);
	ok = mnl_nlmsg_batch_next(mb);
	return ok ? 0 : -1;
}

/* door_NAME: granted or exempt sources accepted; the rest returns (to be dropped after every
 * door matching the connection had its say: a grant of any of them lets it by). */
static int emit_door_chain(struct mnl_nlmsg_batch *mb, uint32_t *seq, const struct config *c,
			   const struct door *d, const char *chain)
{
	int dst = d->direction == DIR_OUT; /* out doors: destinations are exempt */
	char set[NAME_MAX_LEN + 8];
	struct rb b;

	if (emit_chain(mb, seq, chain, -1) < 0)
		return -1;
	/* an out door: open while its set holds the port, for the door's owner only if it
	 * names one (meta skuid: the socket's user; knockd.conf(5) owner) */
	if (dst) {
		set_name(set, sizeof(set), d, 0);
		if (rb_start(&b, chain) < 0)
			return -1;
		payload(&b, NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2);
		lookup(&b, set);
		if (d->has_owner) {
			meta(&b, NFT_META_SKUID);
			cmp(&b, NFT_CMP_EQ, &d->owner_uid, 4);
		}
		verdict(&b, NF_ACCEPT, NULL);
		if (rb_emit(&b, mb, seq) < 0)
			return -1;
	}
	for (int fam = 4; fam <= 6 && !dst; fam += 2) {
		set_name(set, sizeof(set), d, fam);
		if (rb_start(&b, chain) < 0)
			return -1;
		addr_load(&b, fam, dst);
		lookup(&b, set);
		verdict(&b, NF_ACCEPT, NULL);
		if (rb_emit(&b, mb, seq) < 0)
			return -1;
	}
	for (int i = 0; i < d->nexempt + c->nexempt; i++) {
		const struct prefix *p =
		    i < d->nexempt ? &d->exempt[i] : &c->exempt[i - d->nexempt];

		if (rb_start(&b, chain) < 0)
			return -1;
		prefix_match(&b, p, dst);
		verdict(&b, NF_ACCEPT, NULL);
		if (rb_emit(&b, mb, seq) < 0)
			return -1;
	}
	return 0;
}

/* The start of a base rule: NEW, this protocol and port. */
static void door_port(struct rb *b, const struct door *d, int port)
{
	uint8_t proto = (uint8_t)d->protocol;
	uint32_t ctnew = CT_NEW, zero = 0;
	uint16_t p = htons(d->ports[port]);
	struct nftnl_expr *e = expr("ct");

	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_CT_KEY, NFT_CT_STATE);
		nftnl_expr_set_u32(e, NFTNL_EXPR_CT_DREG, NFT_REG_1);
	}
	put(b, e);
	bitwise(b, &ctnew, 4);
	cmp(b, NFT_CMP_NEQ, &zero, 4);
	meta(b, NFT_META_L4PROTO);
	cmp(b, NFT_CMP_EQ, &proto, 1);
	payload(b, NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2);
	cmp(b, NFT_CMP_EQ, &p, 2);
}

/* One base rule for port i: iface "" = any but loopback; to: the destination prefix it
 * must match, if any; chain NULL: drop. */
static int emit_base_rule(struct mnl_nlmsg_batch *mb, uint32_t *seq, const struct door *d, int i,
			  const char *iface, const struct prefix *to, const char *chain)
{
	static const char *const base[3] = {"input", "output", "forward"};
	uint32_t lo = LO_IFINDEX;
	char name[IFNAMSIZ] = {0};
	struct rb b;

	if (rb_start(&b, base[d->direction]) < 0)
		return -1;
	door_port(&b, d, i);
	if (iface[0]) {
		snprintf(name, sizeof(name), "%s", iface);
		meta(&b, NFT_META_IIFNAME);
		cmp(&b, NFT_CMP_EQ, name, IFNAMSIZ);
	} else {
		meta(&b, d->direction == DIR_OUT ? NFT_META_OIF : NFT_META_IIF);
		cmp(&b, NFT_CMP_NEQ, &lo, 4);
	}
	if (to && to->addr.family)
		prefix_match(&b, to, 1);
	verdict(&b, chain ? NFT_JUMP : NF_DROP, chain);
	return rb_emit(&b, mb, seq);
}

/* An out door with destinations gates only connections to them. */
static int emit_out_rules(struct mnl_nlmsg_batch *mb, uint32_t *seq, const struct door *d, int i,
			  const char *chain)
{
	if (!d->ndests)
		return emit_base_rule(mb, seq, d, i, "", NULL, chain);
	for (int k = 0; k < d->ndests; k++)
		if (emit_base_rule(mb, seq, d, i, "", &d->dests[k], chain) < 0)
			return -1;
	return 0;
}

/* Forward doors gate what arrives on the capture interfaces ("any": all but loopback). */
static int emit_base_rules(struct mnl_nlmsg_batch *mb, uint32_t *seq, const struct config *c,
			   const struct door *d, const char *chain)
{
	char ifs[sizeof(c->interfaces)], *save = NULL;
	const struct prefix *to = d->direction == DIR_FWD ? &d->to : NULL;

	for (int i = 0; i < d->nports; i++) {
		if (d->direction == DIR_OUT) {
			if (emit_out_rules(mb, seq, d, i, chain) < 0)
				return -1;
			continue;
		}
		if (d->direction != DIR_FWD || !strcmp(c->interfaces, "any")) {
			if (emit_base_rule(mb, seq, d, i, "", to, chain) < 0)
				return -1;
			continue;
		}
		snprintf(ifs, sizeof(ifs), "%s", c->interfaces);
		for (char *t = strtok_r(ifs, ", ", &save); t; t = strtok_r(NULL, ", ", &save))
			if (emit_base_rule(mb, seq, d, i, t, to, chain) < 0)
				return -1;
	}
	return 0;
}

int gate_rules_emit(struct mnl_nlmsg_batch *mb, uint32_t *seq, const struct config *c,
		    uint32_t flags, int excl)
{
	struct nftnl_table *t = nftnl_table_alloc();
	char chain[NAME_MAX_LEN + 8];

	if (!t)
		return -1;
	nftnl_table_set_str(t, NFTNL_TABLE_NAME, GATE_TABLE);
	nftnl_table_set_u32(t, NFTNL_TABLE_FAMILY, NFPROTO_INET);
	nftnl_table_set_u32(t, NFTNL_TABLE_FLAGS, flags);
	nftnl_table_nlmsg_build_payload(
	    hdr(mb, seq, NFT_MSG_NEWTABLE, (uint16_t)(NLM_F_CREATE | (excl ? NLM_F_EXCL : 0))), t);
	nftnl_table_free(t);
	if (!mnl_nlmsg_batch_next(mb) || emit_chain(mb, seq, "input", NF_INET_LOCAL_IN) < 0 ||
	    emit_chain(mb, seq, "output", NF_INET_LOCAL_OUT) < 0 ||
	    emit_chain(mb, seq, "forward", NF_INET_FORWARD) < 0)
		return -1;
	for (size_t i = 0; i < c->ndoors; i++) { /* first the doors' grants, ... */
		const struct door *d = &c->doors[i];

		if (!gate_door_gated(d))
			continue;
		snprintf(chain, sizeof(chain), "door_%s", d->name);
		if ((d->direction == DIR_OUT       ? emit_set(mb, seq, d, 0)
		     : emit_set(mb, seq, d, 4) < 0 ? -1
						   : emit_set(mb, seq, d, 6)) < 0 ||
		    emit_door_chain(mb, seq, c, d, chain) < 0 ||
		    emit_base_rules(mb, seq, c, d, chain) < 0)
			return -1;
	}
	for (size_t i = 0; i < c->ndoors; i++) /* ... then the drops */
		if (gate_door_gated(&c->doors[i]) &&
		    emit_base_rules(mb, seq, c, &c->doors[i], NULL) < 0)
			return -1;
	return 0;
}

int gate_rules_elem(struct mnl_nlmsg_batch *mb, uint32_t *seq, const struct gate_grant *gg,
		    int type, int64_t now_ms)
{
	struct nftnl_set *s = nftnl_set_alloc();
	struct nftnl_set_elem *e = nftnl_set_elem_alloc();
	char name[NAME_MAX_LEN + 8];
	int fam = gg->addr.family == 6 ? 6 : 4, ok;

	if (!s || !e) {
		nftnl_set_free(s);
		nftnl_set_elem_free(e);
		return -1;
	}
	set_name(name, sizeof(name), gg->door, fam);
	nftnl_set_set_str(s, NFTNL_SET_TABLE, GATE_TABLE);
	nftnl_set_set_str(s, NFTNL_SET_NAME, name);
	nftnl_set_set_u32(s, NFTNL_SET_FAMILY, NFPROTO_INET);
	nftnl_set_elem_set(e, NFTNL_SET_ELEM_KEY, gg->addr.a, fam == 6 ? 16 : 4);
	if (type == NFT_MSG_NEWSETELEM) {
		/* the grant's id and direction: a restart adopts it from here (fw_gate.c) */
		uint32_t ud[2] = {gg->id, (uint32_t)gg->door->direction};

		nftnl_set_elem_set_u64(e, NFTNL_SET_ELEM_TIMEOUT,
				       (uint64_t)(gg->deadline_ms - now_ms));
		nftnl_set_elem_set(e, NFTNL_SET_ELEM_USERDATA, ud, sizeof(ud));
	}
	nftnl_set_elem_add(s, e); /* the set owns it now */
	nftnl_set_elems_nlmsg_build_payload(
	    hdr(mb, seq, type, type == NFT_MSG_NEWSETELEM ? NLM_F_CREATE : 0), s);
	nftnl_set_free(s);
	ok = mnl_nlmsg_batch_next(mb);
	return ok ? 0 : -1;
}

int gate_rules_port(struct mnl_nlmsg_batch *mb, uint32_t *seq, const struct door *d, int port,
		    int type, int64_t timeout_ms)
{
	struct nftnl_set *s = nftnl_set_alloc();
	struct nftnl_set_elem *e = nftnl_set_elem_alloc();
	uint16_t key = htons(d->ports[port]);
	char name[NAME_MAX_LEN + 8];
	int ok;

	if (!s || !e) {
		nftnl_set_free(s);
		nftnl_set_elem_free(e);
		return -1;
	}
	set_name(name, sizeof(name), d, 0);
	nftnl_set_set_str(s, NFTNL_SET_TABLE, GATE_TABLE);
	nftnl_set_set_str(s, NFTNL_SET_NAME, name);
	nftnl_set_set_u32(s, NFTNL_SET_FAMILY, NFPROTO_INET);
	nftnl_set_elem_set(e, NFTNL_SET_ELEM_KEY, &key, sizeof(key));
	if (type == NFT_MSG_NEWSETELEM)
		nftnl_set_elem_set_u64(e, NFTNL_SET_ELEM_TIMEOUT, (uint64_t)timeout_ms);
	nftnl_set_elem_add(s, e);
	nftnl_set_elems_nlmsg_build_payload(
	    hdr(mb, seq, type, type == NFT_MSG_NEWSETELEM ? NLM_F_CREATE : 0), s);
	nftnl_set_free(s);
	ok = mnl_nlmsg_batch_next(mb);
	return ok ? 0 : -1;
}
