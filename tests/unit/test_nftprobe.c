/*
 * How backend selection reads an nftables rule: accepts established traffic (native ct
 * state, or iptables-nft's xt conntrack/state), or can drop (drop verdict, reject).
 * Rules are built in memory with libnftnl, as the kernel would hand them back.
 */
#include <netinet/in.h>

#include <stdio.h> /* before libnftnl, which uses FILE */

#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/x_tables.h>
#include <linux/netfilter/xt_conntrack.h>
#include <stdlib.h>
#include <string.h>

#include "nftprobe.h"
#include "tap.h"

static struct nftnl_expr *expr(const char *name)
{
	struct nftnl_expr *e = nftnl_expr_alloc(name);

	if (!e)
		abort();
	return e;
}

/* ct state & MASK != 0 */
static void ct_state(struct nftnl_rule *r, uint32_t mask)
{
	struct nftnl_expr *e = expr("ct");
	uint32_t zero = 0;

	nftnl_expr_set_u32(e, NFTNL_EXPR_CT_KEY, NFT_CT_STATE);
	nftnl_expr_set_u32(e, NFTNL_EXPR_CT_DREG, NFT_REG_1);
	nftnl_rule_add_expr(r, e);
	e = expr("bitwise");
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_SREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_DREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_LEN, 4);
	nftnl_expr_set(e, NFTNL_EXPR_BITWISE_MASK, &mask, 4);
	nftnl_expr_set(e, NFTNL_EXPR_BITWISE_XOR, &zero, 4);
	nftnl_rule_add_expr(r, e);
	e = expr("cmp");
	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_SREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_OP, NFT_CMP_NEQ);
	nftnl_expr_set(e, NFTNL_EXPR_CMP_DATA, &zero, 4);
	nftnl_rule_add_expr(r, e);
}

static void verdict(struct nftnl_rule *r, int v)
{
	struct nftnl_expr *e = expr("immediate");

	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_VERDICT, (uint32_t)v);
	nftnl_rule_add_expr(r, e);
}

/* iptables-nft's -m conntrack --ctstate STATES, as an xt match through nft_compat */
static void xt_conntrack(struct nftnl_rule *r, uint32_t states)
{
	struct nftnl_expr *e = expr("match");
	struct xt_conntrack_mtinfo3 *ct = calloc(1, XT_ALIGN(sizeof(*ct))); /* libnftnl owns it */

	if (!ct)
		abort();
	ct->match_flags = XT_CONNTRACK_STATE;
	ct->state_mask = (uint16_t)states;
	nftnl_expr_set_str(e, NFTNL_EXPR_MT_NAME, "conntrack");
	nftnl_expr_set_u32(e, NFTNL_EXPR_MT_REV, 3);
	nftnl_expr_set(e, NFTNL_EXPR_MT_INFO, ct, XT_ALIGN(sizeof(*ct)));
	nftnl_rule_add_expr(r, e);
}

static struct nftnl_rule *rule(void)
{
	struct nftnl_rule *r = nftnl_rule_alloc();

	if (!r)
		abort();
	return r;
}

int main(void)
{
	const uint32_t est = NF_CT_STATE_BIT(IP_CT_ESTABLISHED),
		       rel = NF_CT_STATE_BIT(IP_CT_RELATED);
	struct nftnl_rule *r;

	r = rule();
	ct_state(r, est | rel);
	verdict(r, NF_ACCEPT);
	ok(nftprobe_rule_accepts_established(r), "ct state established,related accept: accepts");
	ok(!nftprobe_rule_drops(r), "... and does not drop");
	nftnl_rule_free(r);

	r = rule();
	ct_state(r, NF_CT_STATE_INVALID_BIT);
	verdict(r, NF_DROP);
	ok(!nftprobe_rule_accepts_established(r), "ct state invalid drop: accepts nothing");
	ok(nftprobe_rule_drops(r), "... and can drop");
	nftnl_rule_free(r);

	r = rule();
	ct_state(r, est);
	verdict(r, NF_DROP);
	ok(!nftprobe_rule_accepts_established(r), "ct state established drop: not an accept");
	nftnl_rule_free(r);

	r = rule();
	nftnl_rule_add_expr(r, expr("reject"));
	ok(nftprobe_rule_drops(r), "reject: can drop");
	nftnl_rule_free(r);

	r = rule();
	xt_conntrack(r, XT_CONNTRACK_STATE_BIT(IP_CT_ESTABLISHED) |
			    XT_CONNTRACK_STATE_BIT(IP_CT_RELATED));
	nftnl_rule_add_expr(r, expr("counter"));
	verdict(r, NF_ACCEPT);
	ok(nftprobe_rule_accepts_established(r),
	   "iptables-nft -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT: accepts");
	nftnl_rule_free(r);

	r = rule();
	xt_conntrack(r, XT_CONNTRACK_STATE_BIT(IP_CT_NEW));
	verdict(r, NF_ACCEPT);
	ok(!nftprobe_rule_accepts_established(r), "--ctstate NEW -j ACCEPT: does not");
	nftnl_rule_free(r);

	r = rule();
	verdict(r, NF_ACCEPT);
	ok(!nftprobe_rule_accepts_established(r) && !nftprobe_rule_drops(r),
	   "a bare accept: neither (it accepts everything, but no established rule)");
	nftnl_rule_free(r);
	return tap_done();
}
