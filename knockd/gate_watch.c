/*
 * The watch: a netlink socket subscribed to the nftables events (NFNLGRP_NFTABLES). Another
 * process deleting knockd's table, a chain, a set, a rule or an element of it (nft flush
 * ruleset, nft delete table inet knockd, a manager's reload) is seen at once, so that the
 * daemon restores the gate and its grants; a deletion in another table (a ruleset reload)
 * has the daemon write its host-ruleset grants again. knockd's own batches are ignored: the
 * NEWGEN event that closes each batch names the process, which the log repeats.
 */
#include "gate.h"
#include "gate_int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int gate_watch_open(struct gate *g)
{
	int grp = NFNLGRP_NFTABLES, big = 4 << 20;

	g->ev = mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (!g->ev || mnl_socket_bind(g->ev, 0, MNL_SOCKET_AUTOPID) < 0 ||
	    mnl_socket_setsockopt(g->ev, NETLINK_ADD_MEMBERSHIP, &grp, sizeof(grp)) < 0)
		return -1;
	(void)setsockopt(mnl_socket_get_fd(g->ev), SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof(big));
	return 0;
}

int gate_watch_fd(const struct gate *g)
{
	return g && g->ev ? mnl_socket_get_fd(g->ev) : -1;
}

/* Every object message carries its table's name as attribute 1. */
static int ours(const struct nlmsghdr *h)
{
	const struct nfgenmsg *nf = mnl_nlmsg_get_payload(h);
	struct nlattr *a;

	if (nf->nfgen_family != NFPROTO_INET)
		return 0;
	mnl_attr_for_each(a, h, sizeof(*nf))
	{
		if (mnl_attr_get_type(a) == 1)
			return mnl_attr_get_payload_len(a) >= sizeof(GATE_TABLE) &&
			       !strcmp(mnl_attr_get_str(a), GATE_TABLE);
	}
	return 0;
}

/* The process a batch came from: its pid, and its name in name. */
static uint32_t gen_proc(const struct nlmsghdr *h, char *name, size_t len)
{
	struct nlattr *a;
	uint32_t pid = 0;

	snprintf(name, len, "?");
	mnl_attr_for_each(a, h, sizeof(struct nfgenmsg))
	{
		if (mnl_attr_get_type(a) == NFTA_GEN_PROC_PID && mnl_attr_get_payload_len(a) == 4)
			pid = ntohl(mnl_attr_get_u32(a));
		else if (mnl_attr_get_type(a) == NFTA_GEN_PROC_NAME)
			snprintf(name, len, "%s", mnl_attr_get_str(a));
	}
	return pid;
}

/* What a deletion event touches: GATE_HIT_GATE (our table) or GATE_HIT_HOST (another). */
static int removal(const struct nlmsghdr *h)
{
	int type = NFNL_MSG_TYPE(h->nlmsg_type);

	if (h->nlmsg_pid == 0) /* the kernel's own: an element's timeout */
		return 0;
	if (type != NFT_MSG_DELTABLE && type != NFT_MSG_DELCHAIN && type != NFT_MSG_DELRULE &&
	    type != NFT_MSG_DELSET && type != NFT_MSG_DELSETELEM)
		return 0;
	return ours(h) ? GATE_HIT_GATE : type == NFT_MSG_DELSETELEM ? 0 : GATE_HIT_HOST;
}

/* Events come per batch, closed by NEWGEN naming the process: knockd's own are dropped. */
static int one_message(struct gate *g, const struct nlmsghdr *h, int *batch, char *who,
		       size_t wholen)
{
	char name[64];
	uint32_t pid;

	if (NFNL_SUBSYS_ID(h->nlmsg_type) != NFNL_SUBSYS_NFTABLES)
		return 0;
	if (NFNL_MSG_TYPE(h->nlmsg_type) != NFT_MSG_NEWGEN) {
		*batch |= removal(h);
		return 0;
	}
	pid = gen_proc(h, name, sizeof(name));
	if (!*batch || pid == g->pid) {
		*batch = 0;
		return 0;
	}
	snprintf(who, wholen, "%s[%u]", name, pid);
	pid = (uint32_t)*batch;
	*batch = 0;
	return (int)pid;
}

static int on_gen(const struct nlmsghdr *h, void *data)
{
	struct nlattr *a;

	mnl_attr_for_each(a, h, sizeof(struct nfgenmsg))
	{
		if (mnl_attr_get_type(a) == NFTA_GEN_ID && mnl_attr_get_payload_len(a) == 4)
			*(uint32_t *)data = ntohl(mnl_attr_get_u32(a));
	}
	return MNL_CB_OK;
}

int gate_watch_genid(struct gate *g, uint32_t *id)
{
	char buf[8192] __attribute__((aligned(8)));
	struct nlmsghdr *h = mnl_nlmsg_put_header(buf);
	struct nfgenmsg *nf = mnl_nlmsg_put_extra_header(h, sizeof(*nf));
	uint32_t seq = g->seq++;
	ssize_t n;
	int r = MNL_CB_OK;

	h->nlmsg_type = (NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_GETGEN;
	h->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	h->nlmsg_seq = seq;
	nf->nfgen_family = AF_UNSPEC;
	nf->version = NFNETLINK_V0;
	*id = 0;
	if (mnl_socket_sendto(g->nl, h, h->nlmsg_len) < 0)
		return -1;
	while (r > 0 && (n = mnl_socket_recvfrom(g->nl, buf, sizeof(buf))) > 0)
		r = mnl_cb_run(buf, (size_t)n, seq, g->portid, on_gen, id);
	return r < 0 || !*id ? -1 : 0;
}

/* Events were lost (the socket's queue overflowed): they matter unless the ruleset is still
 * at the generation knockd's own last sync made, whose events (one per grant: 100,000 at
 * 100,000 grants) are what overflowed it. */
static int lost_matters(struct gate *g)
{
	uint32_t now;

	return !g->own_gen || gate_watch_genid(g, &now) < 0 || now != g->own_gen;
}

int gate_watch_read(struct gate *g, char *who, size_t wholen)
{
	char buf[16384] __attribute__((aligned(8)));
	int hit = 0, batch = 0, lost = 0;
	ssize_t n;

	who[0] = '\0';
	if (!g->pid)
		g->pid = (uint32_t)getpid(); /* after detaching */
	for (int i = 0; i < 4096; i++) {     /* bounded: events keep coming while another writes */
		n = recv(mnl_socket_get_fd(g->ev), buf, sizeof(buf), MSG_DONTWAIT);
		if (n < 0 && errno == ENOBUFS) {
			lost = 1;
			continue;
		}
		if (n <= 0)
			break;
		int len = (int)n;

		for (struct nlmsghdr *h = (struct nlmsghdr *)buf; mnl_nlmsg_ok(h, len);
		     h = mnl_nlmsg_next(h, &len))
			hit |= one_message(g, h, &batch, who, wholen);
	}
	if (lost && lost_matters(g)) {
		hit |= GATE_HIT_GATE | GATE_HIT_HOST; /* events were lost: assume the worst */
		snprintf(who, wholen, "unknown (events lost)");
	}
	if (hit & GATE_HIT_GATE)
		g->dirty = 1;
	return hit;
}
