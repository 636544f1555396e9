/*
 * Which ruleset is in force: a read-only dump of nftables chains over netlink (libmnl,
 * libnftnl). A base chain on the input or output hook with policy drop means packets are
 * dropped there whatever the legacy tables accept: on such a host (iptables-nft, Debian 11+,
 * Ubuntu 22.04+, or a native nftables.conf) libiptc grants would have no effect.
 */
#include "nftprobe.h"

#include <errno.h>
#include <libmnl/libmnl.h>
#include <libnftnl/chain.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

struct probe {
	char *found;
	size_t len;
	int n;
};

static const char *family_name(uint32_t f)
{
	return f == NFPROTO_IPV4   ? "ip"
	       : f == NFPROTO_IPV6 ? "ip6"
	       : f == NFPROTO_INET ? "inet"
				   : NULL;
}

static int on_chain(const struct nlmsghdr *nlh, void *data)
{
	struct probe *p = data;
	struct nftnl_chain *c = nftnl_chain_alloc();
	const char *fam;
	uint32_t hook;
	size_t used;

	if (!c)
		return MNL_CB_ERROR;
	if (nftnl_chain_nlmsg_parse(nlh, c) < 0 || !nftnl_chain_is_set(c, NFTNL_CHAIN_HOOKNUM) ||
	    !nftnl_chain_is_set(c, NFTNL_CHAIN_POLICY))
		goto out;
	fam = family_name(nftnl_chain_get_u32(c, NFTNL_CHAIN_FAMILY));
	hook = nftnl_chain_get_u32(c, NFTNL_CHAIN_HOOKNUM);
	if (!fam || (hook != NF_INET_LOCAL_IN && hook != NF_INET_LOCAL_OUT) ||
	    nftnl_chain_get_u32(c, NFTNL_CHAIN_POLICY) != NF_DROP)
		goto out;
	used = strlen(p->found);
	snprintf(p->found + used, p->len - used, "%stable %s %s chain %s (hook %s, policy drop)",
		 p->n ? "; " : "", fam, nftnl_chain_get_str(c, NFTNL_CHAIN_TABLE),
		 nftnl_chain_get_str(c, NFTNL_CHAIN_NAME),
		 hook == NF_INET_LOCAL_IN ? "input" : "output");
	p->n++;
out:
	nftnl_chain_free(c);
	return MNL_CB_OK;
}

int nftprobe_dropping_chains(char *found, size_t len, char *err, size_t errlen)
{
	static char buf[65536]; /* MNL_SOCKET_BUFFER_SIZE is not a constant */
	struct probe p = {found, len, 0};
	struct mnl_socket *nl = mnl_socket_open(NETLINK_NETFILTER);
	uint32_t seq = (uint32_t)time(NULL), portid;
	struct nlmsghdr *nlh;
	int r = -1;

	found[0] = '\0';
	if (!nl || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		snprintf(err, errlen, "nftables netlink: %s", strerror(errno));
		goto out;
	}
	portid = mnl_socket_get_portid(nl);
	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETCHAIN, NFPROTO_UNSPEC, NLM_F_DUMP, seq);
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0) {
		snprintf(err, errlen, "nftables netlink: %s", strerror(errno));
		goto out;
	}
	while ((r = (int)mnl_socket_recvfrom(nl, buf, sizeof(buf))) > 0) {
		r = mnl_cb_run(buf, (size_t)r, seq, portid, on_chain, &p);
		if (r <= 0)
			break;
	}
	if (r < 0) {
		snprintf(err, errlen, "nftables netlink: %s", strerror(errno));
		goto out;
	}
	r = p.n;
out:
	if (nl)
		mnl_socket_close(nl);
	return r;
}
