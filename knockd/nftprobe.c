/*
 * Which ruleset is in force: a read-only look at nftables over netlink (libmnl, libnftnl).
 * A base chain on the input, output or forward hook that can drop (policy drop, a drop or
 * reject rule) decides whether a packet gets through, whatever the legacy tables accept (nat
 * chains on prerouting are listed too, for a DNAT door's own table); on such a
 * host (iptables-nft on Debian 11+, Ubuntu 22.04+, or a native nftables.conf) grants must go
 * into nftables. The backend uses the same socket helpers to read its own chains.
 */
#include "nftprobe.h"

#include "fwxt.h"
#include "rswalk.h"

#include <errno.h>
#include <libnftnl/chain.h>
#include <libnftnl/expr.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include <linux/netfilter/nf_tables.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

static char rxbuf[65536]; /* MNL_SOCKET_BUFFER_SIZE is not a constant; dumps come in 32 KB */

const char *nftprobe_family_name(uint32_t f)
{
	return f == NFPROTO_IPV4   ? "ip"
	       : f == NFPROTO_IPV6 ? "ip6"
	       : f == NFPROTO_INET ? "inet"
				   : NULL;
}

int nftprobe_open(struct nftprobe_sock *s, char *err, size_t errlen)
{
	s->nl = mnl_socket_open(NETLINK_NETFILTER);
	if (!s->nl || mnl_socket_bind(s->nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		snprintf(err, errlen, "nftables netlink: %s", strerror(errno));
		nftprobe_close(s);
		return -1;
	}
	s->portid = mnl_socket_get_portid(s->nl);
	s->seq = (uint32_t)time(NULL);
	return 0;
}

void nftprobe_close(struct nftprobe_sock *s)
{
	if (s->nl)
		mnl_socket_close(s->nl);
	s->nl = NULL;
}

/* After a failure: read away what is left of the answer (a dump goes on as it is read),
 * so the next request does not find a stranger's messages first. */
static void drain(struct nftprobe_sock *s)
{
	int fd = mnl_socket_get_fd(s->nl), e = errno;

	for (int i = 0; i < 100000 && recv(fd, rxbuf, sizeof(rxbuf), MSG_DONTWAIT) > 0; i++)
		;
	errno = e;
}

int nftprobe_query(struct nftprobe_sock *s, struct nlmsghdr *req, mnl_cb_t cb, void *data)
{
	ssize_t n = 0;
	int r = MNL_CB_OK;

	if (mnl_socket_sendto(s->nl, req, req->nlmsg_len) < 0)
		return -1;
	while (r > MNL_CB_STOP && (n = mnl_socket_recvfrom(s->nl, rxbuf, sizeof(rxbuf))) > 0)
		r = mnl_cb_run(rxbuf, (size_t)n, req->nlmsg_seq, s->portid, cb, data);
	if (r >= MNL_CB_STOP && n > 0)
		return 0;
	if (n == 0)
		errno = EPROTO;
	drain(s);
	return -1;
}

struct rule_cb {
	int (*cb)(struct nftnl_rule *r, void *data);
	void *data;
};

static int on_rule(const struct nlmsghdr *nlh, void *data)
{
	struct rule_cb *rc = data;
	struct nftnl_rule *r = nftnl_rule_alloc();
	int ret = MNL_CB_ERROR;

	if (!r)
		return MNL_CB_ERROR;
	if (nftnl_rule_nlmsg_parse(nlh, r) == 0)
		ret = rc->cb(r, rc->data);
	nftnl_rule_free(r);
	return ret;
}

int nftprobe_rules(struct nftprobe_sock *s, uint32_t family, const char *table, const char *chain,
		   int (*cb)(struct nftnl_rule *r, void *data), void *data)
{
	char req[1024];
	struct rule_cb rc = {cb, data};
	struct nftnl_rule *r = nftnl_rule_alloc();
	struct nlmsghdr *nlh;

	if (!r)
		return -1;
	nlh = nftnl_nlmsg_build_hdr(req, NFT_MSG_GETRULE, (uint16_t)family, NLM_F_DUMP, ++s->seq);
	nftnl_rule_set_str(r, NFTNL_RULE_TABLE, table);
	nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, chain);
	nftnl_rule_nlmsg_build_payload(nlh, r);
	nftnl_rule_free(r);
	return nftprobe_query(s, nlh, on_rule, &rc);
}

/* What one rule's expressions do, read in order. */
struct rule_kind {
	int after_ct_state;       /* the previous expression loaded ct state */
	int established;          /* ... and the next one kept the ESTABLISHED bit */
	int verdict;              /* the last immediate verdict, or -1 */
	int reject, vmap;         /* a reject; a verdict map (may drop) */
	char jump[NFTPROBE_NAME]; /* the chain a jump or goto goes to */
};

static int on_expr(struct nftnl_expr *e, void *data)
{
	struct rule_kind *k = data;
	const char *name = nftnl_expr_get_str(e, NFTNL_EXPR_NAME);
	const uint32_t est = NF_CT_STATE_BIT(IP_CT_ESTABLISHED);
	const void *v;
	uint32_t len = 0;
	int ct = k->after_ct_state;

	k->after_ct_state = 0;
	if (!strcmp(name, "ct")) {
		k->after_ct_state = nftnl_expr_get_u32(e, NFTNL_EXPR_CT_KEY) == NFT_CT_STATE;
	} else if (ct && (!strcmp(name, "bitwise") || !strcmp(name, "cmp"))) {
		v = nftnl_expr_get(
		    e, !strcmp(name, "cmp") ? NFTNL_EXPR_CMP_DATA : NFTNL_EXPR_BITWISE_MASK, &len);
		k->established |= v && len == 4 && (*(const uint32_t *)v & est);
	} else if (!strcmp(name, "match")) {
		v = nftnl_expr_get(e, NFTNL_EXPR_MT_INFO, &len);
		k->established |=
		    v && fwxt_info_established(nftnl_expr_get_str(e, NFTNL_EXPR_MT_NAME),
					       nftnl_expr_get_u32(e, NFTNL_EXPR_MT_REV), v, len);
	} else if (!strcmp(name, "immediate") && nftnl_expr_is_set(e, NFTNL_EXPR_IMM_VERDICT)) {
		k->verdict = (int)nftnl_expr_get_u32(e, NFTNL_EXPR_IMM_VERDICT);
		if (nftnl_expr_is_set(e, NFTNL_EXPR_IMM_CHAIN))
			snprintf(k->jump, sizeof(k->jump), "%s",
				 nftnl_expr_get_str(e, NFTNL_EXPR_IMM_CHAIN));
	} else if (!strcmp(name, "lookup") && nftnl_expr_is_set(e, NFTNL_EXPR_LOOKUP_DREG)) {
		k->vmap |= nftnl_expr_get_u32(e, NFTNL_EXPR_LOOKUP_DREG) == NFT_REG_VERDICT;
	} else if (!strcmp(name, "reject")) {
		k->reject = 1;
	}
	return 0;
}

static struct rule_kind classify(const struct nftnl_rule *r)
{
	struct rule_kind k = {0, 0, -1, 0, 0, ""};

	/* libnftnl's iterator takes a non-const rule but only reads it */
	nftnl_expr_foreach((struct nftnl_rule *)(uintptr_t)r, on_expr, &k);
	return k;
}

int nftprobe_rule_accepts_established(const struct nftnl_rule *r)
{
	struct rule_kind k = classify(r);

	return k.established && k.verdict == NF_ACCEPT;
}

int nftprobe_rule_drops(const struct nftnl_rule *r)
{
	struct rule_kind k = classify(r);

	return k.reject || k.vmap || k.verdict == NF_DROP;
}

/* A base chain's walk (rswalk.h): the chains it jumps or goes to, to any depth (bounded). */
struct walk {
	struct nftprobe_sock *s;
	struct nftprobe_chain *b;
	int nrules;      /* the base chain's rules so far */
	int docker_read; /* DOCKER-USER was reached and read */
};

static int own_chain(const char *name)
{
	return !strcmp(name, FW_CHAIN_IN) || !strcmp(name, FW_CHAIN_OUT) ||
	       !strcmp(name, FW_CHAIN_FWD) || !strcmp(name, FW_NATIVE_IN) ||
	       !strcmp(name, FW_NATIVE_OUT) || !strcmp(name, FW_NATIVE_FWD);
}

/* Which of our hooks a base chain is on, or -1: filter on input/output/forward, nat on
 * prerouting. */
static int chain_hook(struct nftnl_chain *c)
{
	const char *type = nftnl_chain_get_str(c, NFTNL_CHAIN_TYPE);
	uint32_t hook = nftnl_chain_get_u32(c, NFTNL_CHAIN_HOOKNUM);

	if (!strcmp(type, "nat"))
		return hook == NF_INET_PRE_ROUTING ? NFTPROBE_NAT : -1;
	if (strcmp(type, "filter"))
		return -1;
	return hook == NF_INET_LOCAL_IN    ? NFTPROBE_IN
	       : hook == NF_INET_LOCAL_OUT ? NFTPROBE_OUT
	       : hook == NF_INET_FORWARD   ? NFTPROBE_FWD
					   : -1;
}

/* A rule of DOCKER-USER: its first rule's jump, later jumps to our chains. */
static void docker_rule(struct nftprobe_chain *b, const struct rule_kind *k, uint64_t handle)
{
	if (b->ndrules++ == 0) {
		memcpy(b->dtop, k->jump, sizeof(k->jump));
	} else if (own_chain(k->jump) && b->ndjumps < 4) {
		b->djumps[b->ndjumps].handle = handle;
		memcpy(b->djumps[b->ndjumps++].chain, k->jump, sizeof(k->jump));
	}
}

static int on_docker_rule(struct nftnl_rule *r, void *data)
{
	struct rule_kind k = classify(r);

	docker_rule(data, &k, nftnl_rule_get_u64(r, NFTNL_RULE_HANDLE));
	return MNL_CB_OK;
}

struct walk_rule {
	struct walk *wk;
	struct rswalk *w;
	int docker; /* reading DOCKER-USER from iptables-nft's FORWARD */
};

static int on_walk_rule(struct nftnl_rule *r, void *data)
{
	struct walk_rule *wr = data;
	struct nftprobe_chain *b = wr->wk->b;
	struct rule_kind k = classify(r);
	int in_base = wr->w->cur == 0;
	uint64_t handle = nftnl_rule_get_u64(r, NFTNL_RULE_HANDLE);

	if (in_base && wr->wk->nrules++ == 0) {
		memcpy(b->top, k.jump, sizeof(k.jump));
		b->top_handle = handle;
	} else if (in_base && own_chain(k.jump) && b->njumps < 4) {
		b->jumps[b->njumps].handle = handle;
		memcpy(b->jumps[b->njumps++].chain, k.jump, sizeof(k.jump));
	} else if (wr->docker) {
		docker_rule(b, &k, handle);
	}
	rswalk_rule(wr->w,
		    (k.reject || k.vmap || k.verdict == NF_DROP ? RSWALK_DROP : 0) |
			(k.established && k.verdict == NF_ACCEPT ? RSWALK_ESTABLISHED : 0),
		    own_chain(k.jump) ? NULL : k.jump); /* our chains only accept grants */
	return MNL_CB_OK;
}

static int walk_read(struct rswalk *w, const char *chain, void *ctx)
{
	struct walk *wk = ctx;
	struct walk_rule wr = {wk, w, 0};

	if (wk->b->docker && !strcmp(chain, "DOCKER-USER"))
		wr.docker = wk->docker_read = 1;

	return nftprobe_rules(wk->s, wk->b->family, wk->b->table, chain, on_walk_rule, &wr);
}

static int walk_base(struct nftprobe_sock *s, struct nftprobe_chain *b)
{
	struct walk wk = {s, b, 0, 0};
	struct rswalk w;

	if (rswalk_run(&w, b->chain, walk_read, &wk) < 0)
		return -1;
	b->drops |= w.drops;
	b->established |= w.established;
	/* Docker deletes and re-inserts its jump to DOCKER-USER (a restart): where knockd's
	 * jump is, is read even while FORWARD does not reach the chain */
	if (b->docker && !wk.docker_read &&
	    nftprobe_rules(s, b->family, b->table, "DOCKER-USER", on_docker_rule, b) < 0)
		return -1;
	return 0;
}

static int on_chain(const struct nlmsghdr *nlh, void *data)
{
	struct nftprobe_scan *scan = data;
	struct nftnl_chain *c = nftnl_chain_alloc();
	struct nftprobe_chain *b;
	uint32_t fam;
	int hook;

	if (!c)
		return MNL_CB_ERROR;
	if (nftnl_chain_nlmsg_parse(nlh, c) < 0)
		goto out;
	if (!nftnl_chain_is_set(c, NFTNL_CHAIN_HOOKNUM) && scan->nown < 8 &&
	    own_chain(nftnl_chain_get_str(c, NFTNL_CHAIN_NAME))) {
		b = &scan->own[scan->nown++];
		memset(b, 0, sizeof(*b));
		b->family = nftnl_chain_get_u32(c, NFTNL_CHAIN_FAMILY);
		snprintf(b->table, sizeof(b->table), "%s",
			 nftnl_chain_get_str(c, NFTNL_CHAIN_TABLE));
		snprintf(b->chain, sizeof(b->chain), "%s",
			 nftnl_chain_get_str(c, NFTNL_CHAIN_NAME));
	}
	if (!nftnl_chain_is_set(c, NFTNL_CHAIN_HOOKNUM) &&
	    !strcmp(nftnl_chain_get_str(c, NFTNL_CHAIN_NAME), "DOCKER-USER") &&
	    !strcmp(nftnl_chain_get_str(c, NFTNL_CHAIN_TABLE), "filter"))
		scan->docker_user |= nftnl_chain_get_u32(c, NFTNL_CHAIN_FAMILY) == NFPROTO_IPV4 ? 1
				     : nftnl_chain_get_u32(c, NFTNL_CHAIN_FAMILY) == NFPROTO_IPV6
					 ? 2
					 : 0;
	if (!nftnl_chain_is_set(c, NFTNL_CHAIN_HOOKNUM) || !nftnl_chain_is_set(c, NFTNL_CHAIN_TYPE))
		goto out;
	fam = nftnl_chain_get_u32(c, NFTNL_CHAIN_FAMILY);
	hook = chain_hook(c);
	if (!nftprobe_family_name(fam) || hook < 0)
		goto out;
	if (fam == NFPROTO_INET && !strcmp(nftnl_chain_get_str(c, NFTNL_CHAIN_TABLE), "knockd"))
		goto out; /* the gate (gate.h) drops only what knockd grants: not a host ruleset */
	if (scan->n == NFTPROBE_MAX) {
		scan->n++; /* reported by the caller */
		goto out;
	}
	b = &scan->c[scan->n++];
	memset(b, 0, sizeof(*b));
	b->family = fam;
	snprintf(b->table, sizeof(b->table), "%s", nftnl_chain_get_str(c, NFTNL_CHAIN_TABLE));
	snprintf(b->chain, sizeof(b->chain), "%s", nftnl_chain_get_str(c, NFTNL_CHAIN_NAME));
	b->hook = hook;
	b->policy_drop = nftnl_chain_is_set(c, NFTNL_CHAIN_POLICY) &&
			 nftnl_chain_get_u32(c, NFTNL_CHAIN_POLICY) == NF_DROP;
	b->drops = b->policy_drop;
	b->established = !b->policy_drop;
out:
	nftnl_chain_free(c);
	return MNL_CB_OK;
}

int nftprobe_scan_sock(struct nftprobe_sock *s, struct nftprobe_scan *scan, char *err,
		       size_t errlen)
{
	char req[256];
	struct nlmsghdr *nlh;

	scan->n = scan->nown = 0;
	scan->docker_user = 0;
	nlh = nftnl_nlmsg_build_hdr(req, NFT_MSG_GETCHAIN, NFPROTO_UNSPEC, NLM_F_DUMP, ++s->seq);
	if (nftprobe_query(s, nlh, on_chain, scan) < 0)
		goto fail;
	if (scan->n > NFTPROBE_MAX) {
		errno = E2BIG;
		snprintf(err, errlen, "more than %d nftables base chains on input/output",
			 NFTPROBE_MAX);
		return -1;
	}
	for (int i = 0; i < scan->n; i++) {
		struct nftprobe_chain *b = &scan->c[i];

		b->docker = b->hook == NFTPROBE_FWD && !strcmp(b->table, "filter") &&
			    (scan->docker_user & (b->family == NFPROTO_IPV4   ? 1
						  : b->family == NFPROTO_IPV6 ? 2
									      : 0));
		if (walk_base(s, b) < 0)
			goto fail;
	}
	return 0;
fail:
	snprintf(err, errlen, "nftables netlink: %s", strerror(errno));
	return -1;
}

int nftprobe_scan(struct nftprobe_scan *scan, char *err, size_t errlen)
{
	struct nftprobe_sock s;
	int r, e;

	scan->n = scan->nown = 0;
	if (nftprobe_open(&s, err, errlen) < 0)
		return -1;
	r = nftprobe_scan_sock(&s, scan, err, errlen);
	e = errno;
	nftprobe_close(&s);
	errno = e; /* the caller tells "no nf_tables here" from a failure by it */
	return r;
}
