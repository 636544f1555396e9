/*
 * The expressions of one grant rule, as libnftnl objects (no I/O): iptables-nft's own
 * encoding (native l4proto, address and port; conntrack, time and comment as xt matches
 * through nft_compat) in its tables, native expressions only in a native table (the
 * deadline as `meta time <`, the grant's name as the rule comment); and reading that name
 * back.
 */
#include "fw_nft.h"

#include <netinet/in.h>

#include <endian.h>
#include <libnftnl/expr.h>
#include <libnftnl/udata.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/x_tables.h>
#include <linux/netfilter/xt_comment.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fw_comment.h"
#include "fwxt.h"

/* libnftnl 1.2's _free functions do not accept NULL. */
static void expr_free(struct nftnl_expr *e)
{
	if (e)
		nftnl_expr_free(e);
}

void fwnft_rule_free(struct nftnl_rule *r)
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

int fwnft_verdict(struct nftnl_rule *r, uint32_t verdict, const char *chain)
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

/*
 * Family, protocol, addresses, port. The granted address (in- and forward doors) as source,
 * its reply as destination; the destination prefix (out-doors' destinations, forward doors'
 * to) the other way round; a DNAT rule matches the gateway's nat_port, whatever address.
 */
static int match_head(struct nftnl_rule *nr, const struct fwnft_spec *s)
{
	const struct door *d = s->r->door;
	int reply = s->mode == FWXT_REPLY, host = s->fam == 4 ? 32 : 128;
	uint8_t proto = (uint8_t)d->protocol, nfproto = s->fam == 4 ? NFPROTO_IPV4 : NFPROTO_IPV6;
	uint16_t port;

	if (s->t->family == NFPROTO_INET && s->fam &&
	    (e_meta(nr, NFT_META_NFPROTO) || e_cmp(nr, NFT_CMP_EQ, &nfproto, 1)))
		return -1;
	if (e_meta(nr, NFT_META_L4PROTO) || e_cmp(nr, NFT_CMP_EQ, &proto, 1))
		return -1;
	if (d->direction != DIR_OUT && match_addr(nr, s->fam, !reply, s->r->addr.a, host))
		return -1;
	if (s->dst && s->mode != FWXT_DNAT &&
	    match_addr(nr, s->fam, reply, s->dst->addr.a, s->dst->len))
		return -1;
	if (s->port < 0)
		return 0;
	port = htons(s->mode == FWXT_DNAT ? d->nat_port : d->ports[s->port]);
	return e_payload(nr, NFT_PAYLOAD_TRANSPORT_HEADER, reply ? 0 : 2, 2) ||
	       e_cmp(nr, NFT_CMP_EQ, &port, 2);
}

/* iptables-nft: the xt matches of the libiptc backend, but the port natively (as -m tcp). */
static int match_tail_compat(struct nftnl_rule *nr, const struct fwnft_spec *s)
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

/* ct direction (but for NEW) and state. */
static int match_ct(struct nftnl_rule *nr, int mode)
{
	uint32_t st = NF_CT_STATE_BIT(IP_CT_NEW), zero = 0;
	uint8_t dir = mode == FWXT_REPLY; /* IP_CT_DIR_REPLY : IP_CT_DIR_ORIGINAL */

	if (mode != FWXT_NEW && (e_ct(nr, NFT_CT_DIRECTION) || e_cmp(nr, NFT_CMP_EQ, &dir, 1)))
		return -1;
	if (mode == FWXT_NEW_ESTABLISHED)
		st |= NF_CT_STATE_BIT(IP_CT_ESTABLISHED);
	else if (mode == FWXT_REPLY)
		st = NF_CT_STATE_BIT(IP_CT_ESTABLISHED);
	return e_ct(nr, NFT_CT_STATE) || e_bitwise(nr, &st, 4) || e_cmp(nr, NFT_CMP_NEQ, &zero, 4)
		   ? -1
		   : 0;
}

/* `meta skuid UID`: an out door's owner, as fwxt.c's owner match (never on a reply rule). */
static int match_owner(struct nftnl_rule *nr, const struct fwnft_spec *s)
{
	const struct door *d = s->r->door;
	uint32_t uid = d->owner_uid;

	if (!d->has_owner || d->direction != DIR_OUT || s->mode == FWXT_REPLY ||
	    s->mode == FWXT_DNAT)
		return 0;
	return e_meta(nr, NFT_META_SKUID) || e_cmp(nr, NFT_CMP_EQ, &uid, 4) ? -1 : 0;
}

/* Native: ct direction/state (not in a nat chain, which sees only a connection's first
 * packet), `meta time < end of the deadline second`, comment. */
static int match_tail_native(struct nftnl_rule *nr, const struct fwnft_spec *s)
{
	uint64_t end = htobe64((uint64_t)(s->r->deadline + 1) * 1000000000ull);
	char comment[FW_COMMENT_LEN];
	struct nftnl_udata_buf *ud;

	if (s->mode != FWXT_DNAT && match_ct(nr, s->mode) < 0)
		return -1;
	if (match_owner(nr, s) < 0)
		return -1;
	if (e_meta(nr, NFT_META_TIME_NS) || e_hton64(nr) || e_cmp(nr, NFT_CMP_LT, &end, 8))
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

static int e_immediate(struct nftnl_rule *r, uint32_t reg, const void *data, uint32_t len)
{
	struct nftnl_expr *e = nftnl_expr_alloc("immediate");

	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, reg);
		nftnl_expr_set(e, NFTNL_EXPR_IMM_DATA, data, len);
	}
	return put(r, e);
}

/* `counter dnat ip[6] to TO:PORT`: a forward door's translation (native nat chain). */
static int e_dnat(struct nftnl_rule *r, const struct fwnft_spec *s)
{
	const struct door *d = s->r->door;
	uint16_t port = htons(d->ports[0]);
	struct nftnl_expr *e;

	if (e_immediate(r, NFT_REG_1, d->to.addr.a, s->fam == 4 ? 4 : 16) ||
	    e_immediate(r, NFT_REG_2, &port, 2) || put(r, nftnl_expr_alloc("counter")))
		return -1;
	e = nftnl_expr_alloc("nat");
	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_TYPE, NFT_NAT_DNAT);
		nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_FAMILY,
				   s->fam == 4 ? NFPROTO_IPV4 : NFPROTO_IPV6);
		nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_REG_ADDR_MIN, NFT_REG_1);
		nftnl_expr_set_u32(e, NFTNL_EXPR_NAT_REG_PROTO_MIN, NFT_REG_2);
	}
	return put(r, e);
}

struct nftnl_rule *fwnft_grant_rule(const struct fwnft_spec *s)
{
	struct nftnl_rule *nr = fwnft_rule_in(s->t, s->t->own);

	if (nr && match_head(nr, s) == 0 &&
	    (s->t->compat ? match_tail_compat(nr, s) : match_tail_native(nr, s)) == 0 &&
	    (s->mode == FWXT_DNAT ? e_dnat(nr, s) : fwnft_verdict(nr, NF_ACCEPT, NULL)) == 0)
		return nr;
	fwnft_rule_free(nr);
	return NULL;
}

struct nftnl_rule *fwnft_rule_in(const struct fwnft_target *t, const char *chain)
{
	struct nftnl_rule *nr = nftnl_rule_alloc();

	if (nr) {
		nftnl_rule_set_u32(nr, NFTNL_RULE_FAMILY, t->family);
		nftnl_rule_set_str(nr, NFTNL_RULE_TABLE, t->table);
		nftnl_rule_set_str(nr, NFTNL_RULE_CHAIN, chain);
	}
	return nr;
}

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

void fwnft_rule_comment(struct nftnl_rule *r, int compat, char *out, size_t len)
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
