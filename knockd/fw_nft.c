/*
 * The nftables backend (libnftnl, libmnl; no nft command). Grants go into the base chains
 * on the input/output hooks, and for forward doors the forward hook, that the scan
 * (nftprobe.c) finds (fw_nft_target.c):
 *  - iptables-nft tables (ip filter / ip6 filter, chains INPUT/OUTPUT/FORWARD): our chains
 *    KNOCKD-INPUT/-OUTPUT/-FORWARD hold rules iptables-nft -S / -L / -save keep reading;
 *  - the configured native table (nft_table, nft_input_chain, nft_output_chain,
 *    nft_forward_chain): our chains knockd_input/_output/_forward, native expressions only
 *    (fw_nft_expr.c);
 *  - a nat_port door's DNAT: our own table inet knockd, base chain knockd_dnat on prerouting.
 * Either way the kernel stops matching a rule at its deadline; our chains are jumped to from
 * the top of the base chains; each commit is one netlink batch, all tables at once; the base
 * chains are read again only when the ruleset's generation moved under us. Nothing
 * but our chains, their rules and the jumps to them is ever written or deleted. This file:
 * the batch, commit and list.
 */
#include "fw_nft.h"

#include <netinet/in.h>

#include <errno.h>
#include <libnftnl/chain.h>
#include <libnftnl/common.h>
#include <libnftnl/table.h>
#include <linux/netfilter.h>
#include <linux/netfilter_ipv4.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "fw_comment.h"
#include "fwxt.h"

#define NFT_RETRY    5    /* batches retried when the ruleset changed under us */
#define NFT_MSG_ROOM 8192 /* the most one message of ours takes */

struct batch {
	char *buf;
	size_t len, cap;
	size_t lastmsg;       /* offset of the last message */
	uint32_t *seq, first; /* the socket's counter (dumps use it too); our first */
	uint32_t genid;       /* the ruleset generation our reading saw */
	int nmsg;
};

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
		      const struct fwnft_target *t)
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

static int emit_one(struct batch *b, const struct fwnft_spec *s)
{
	struct nftnl_rule *nr = fwnft_grant_rule(s);
	int r = nr ? batch_rule(b, NFT_MSG_NEWRULE, NLM_F_CREATE | NLM_F_APPEND, nr, s->t) : -1;

	fwnft_rule_free(nr);
	return r;
}

static int emit_ports(struct batch *b, struct fwnft_spec *s)
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

static int family_ok(const struct fwnft_target *t, int fam)
{
	return t->family == NFPROTO_INET || (fam == 4) == (t->family == NFPROTO_IPV4);
}

/* A forward door's rules: in a forward target the path to `to` (and its replies where the
 * chain accepts no established traffic); in our nat chain, the translation. */
static int emit_forward(struct batch *b, const struct fwnft_target *t, const struct fw_rule *r)
{
	const struct door *d = r->door;
	struct fwnft_spec s = {t, r, &d->to, r->addr.family, FWXT_NEW, 0};

	if (r->addr.family != d->to.addr.family || !family_ok(t, s.fam))
		return 0;
	if (t->hook == NFTPROBE_NAT) {
		s.mode = FWXT_DNAT;
		return d->nat_port ? emit_one(b, &s) : 0;
	}
	s.mode = t->est ? FWXT_NEW : FWXT_NEW_ESTABLISHED;
	if (emit_ports(b, &s) < 0)
		return -1;
	s.mode = FWXT_REPLY;
	return t->est ? 0 : emit_ports(b, &s);
}

/* A grant's rules in one target: in-doors for its address; out-doors per destination. */
static int emit_grant(struct batch *b, const struct fwnft_target *t, const struct fw_rule *r)
{
	const struct door *d = r->door;
	int dir = d->direction == DIR_OUT;
	struct fwnft_spec s = {t, r, NULL, 0, FWXT_NEW, 0};

	if ((d->direction == DIR_FWD) != (t->hook >= NFTPROBE_FWD))
		return 0;
	if (d->direction == DIR_FWD)
		return emit_forward(b, t, r);
	if (t->hook == dir)
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

/* ---- writing ----------------------------------------------------------------------------- */

/* Our own table (DNAT), and our chain in it as a base chain: nat, prerouting, dstnat. */
static int own_table(struct batch *b, const struct fwnft_target *t, struct nftnl_chain *c)
{
	struct nftnl_table *tb = nftnl_table_alloc();
	struct nlmsghdr *nlh = batch_room(b);

	if (!tb || !nlh) {
		if (tb)
			nftnl_table_free(tb);
		return -1;
	}
	nftnl_table_set_str(tb, NFTNL_TABLE_NAME, t->table);
	nlh = nftnl_nlmsg_build_hdr((char *)nlh, NFT_MSG_NEWTABLE, (uint16_t)t->family,
				    NLM_F_CREATE, ++*b->seq);
	nftnl_table_nlmsg_build_payload(nlh, tb);
	nftnl_table_free(tb);
	batch_done(b, nlh);
	nftnl_chain_set_u32(c, NFTNL_CHAIN_HOOKNUM, NF_INET_PRE_ROUTING);
	nftnl_chain_set_s32(c, NFTNL_CHAIN_PRIO, NF_IP_PRI_NAT_DST);
	nftnl_chain_set_str(c, NFTNL_CHAIN_TYPE, "nat");
	return 0;
}

/* Our chain exists and the base chain's first rule jumps to it, once. */
static int ensure_target(struct fwnft_state *st, struct batch *b, const struct fwnft_target *t)
{
	struct nftnl_chain *c = nftnl_chain_alloc();
	struct nlmsghdr *nlh;
	struct nftnl_rule *nr;
	int r = 0;

	if (!c)
		return -1;
	st->missing |= !t->exists; /* a ruleset reload, a new table, or the first start */
	nlh = t->own_table && own_table(b, t, c) < 0 ? NULL : batch_room(b);
	if (!nlh) {
		nftnl_chain_free(c);
		return -1;
	}
	nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, t->table);
	nftnl_chain_set_str(c, NFTNL_CHAIN_NAME, t->own);
	nlh = nftnl_nlmsg_build_hdr((char *)nlh, NFT_MSG_NEWCHAIN, (uint16_t)t->family,
				    NLM_F_CREATE, ++*b->seq);
	nftnl_chain_nlmsg_build_payload(nlh, c);
	nftnl_chain_free(c);
	batch_done(b, nlh);
	for (int i = 0; i < t->nstray && r == 0; i++) {
		nr = fwnft_rule_in(t, t->base);
		if (nr)
			nftnl_rule_set_u64(nr, NFTNL_RULE_HANDLE, t->stray[i]);
		r = nr ? batch_rule(b, NFT_MSG_DELRULE, 0, nr, t) : -1;
		fwnft_rule_free(nr);
	}
	for (int i = 0; i < t->nfstray && r == 0; i++) {
		nr = fwnft_rule_in(t, "FORWARD");
		if (nr)
			nftnl_rule_set_u64(nr, NFTNL_RULE_HANDLE, t->fstray[i]);
		r = nr ? batch_rule(b, NFT_MSG_DELRULE, 0, nr, t) : -1;
		fwnft_rule_free(nr);
	}
	if (r < 0 || t->top)
		return r;
	nr = fwnft_rule_in(t, t->base); /* no NLM_F_APPEND: at the top */
	r = nr && fwnft_verdict(nr, NFT_JUMP, t->own) == 0
		? batch_rule(b, NFT_MSG_NEWRULE, NLM_F_CREATE, nr, t)
		: -1;
	fwnft_rule_free(nr);
	return r;
}

/* Deletes every rule of the changed grants (fresh ones have none), each once. */
static int emit_deletions(struct fwnft_state *st, struct batch *b, const struct fw_change *ch,
			  size_t n, struct fwnft_found *idx, size_t nidx)
{
	for (size_t i = 0; i < n; i++) {
		struct fwnft_found key = {ch[i].rule.id, 0, 0}, *hit;

		if (ch[i].fresh)
			continue;
		hit = nidx ? bsearch(&key, idx, nidx, sizeof(*idx), fwnft_cmp_found) : NULL;
		while (hit && hit > idx && hit[-1].id == key.id)
			hit--;
		for (; hit && hit < idx + nidx && hit->id == key.id; hit++) {
			const struct fwnft_target *t = &st->t[hit->t];
			struct nftnl_rule *nr = hit->handle ? fwnft_rule_in(t, t->own) : NULL;
			int r;

			if (!hit->handle)
				continue;
			if (!nr)
				return -1;
			nftnl_rule_set_u64(nr, NFTNL_RULE_HANDLE, hit->handle);
			r = batch_rule(b, NFT_MSG_DELRULE, 0, nr, t);
			fwnft_rule_free(nr);
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

static int build_batch(struct fwnft_state *st, struct batch *b, const struct fw_change *ch,
		       size_t n)
{
	struct fwnft_collect c = {0};
	struct nlmsghdr *nlh;
	int r = -1;

	if (needs_index(ch, n) && fwnft_walk_own(st, &c) < 0)
		goto out;
	if (c.n)
		qsort(c.idx, c.n, sizeof(*c.idx), fwnft_cmp_found);
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
static int read_answer(struct fwnft_state *st, const struct batch *b, char *err, size_t errlen)
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

static int send_batch(struct fwnft_state *st, struct batch *b, char *err, size_t errlen)
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

static int has_add(const struct fw_change *ch, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (ch[i].op == FW_ADD)
			return 1;
	return 0;
}

/* 0; -2 if the kernel refused the batch (nothing applied: may be retried); -1 otherwise. */
static int try_commit(struct fwnft_state *st, const struct fw_change *ch, size_t n, char *err,
		      size_t errlen)
{
	struct batch b = {0};
	int r;

	b.seq = &st->s.seq;
	if (fwnft_current(st, &b.genid, err, errlen) < 0)
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
	fwnft_after_commit(st, b.genid, b.nmsg > 2, r);
	return r;
}

static int nft_commit(void *p, const struct fw_change *ch, size_t n, char *err, size_t errlen)
{
	struct fwnft_state *st = p;
	int r = -1;

	for (int attempt = 0; attempt < NFT_RETRY; attempt++) {
		r = try_commit(st, ch, n, err, errlen);
		/* refused as a whole because the ruleset changed under us: read it again */
		if (r != -2 || (errno != ERESTART && errno != ENOENT && errno != EBUSY))
			break;
	}
	return r == 0 ? st->missing : -1;
}
/* A reload: whether its doors need the forward chains and the DNAT table. */
static int nft_reconfigure(void *p, const struct config *c, char *err, size_t errlen)
{
	struct fwnft_state *st = p;

	(void)err;
	(void)errlen;
	fwnft_native_from_config(&st->nat, c);
	st->scan_valid = 0; /* the base chains to write for may differ */
	return 0;
}

static void nft_close(void *p)
{
	struct fwnft_state *st = p;

	if (!st)
		return;
	nftprobe_close(&st->s);
	free(st);
}

static int nft_open(void **p, const struct config *c, char *err, size_t errlen)
{
	struct fwnft_state *st = calloc(1, sizeof(*st));
	struct timeval tv = {2, 0};
	int one = 1;

	*p = st;
	if (!st) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	fwnft_native_from_config(&st->nat, c);
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

const struct fw_backend fw_backend_nftables = {
    .name = "nftables",
    .what = "libnftnl, nftables",
    .open = nft_open,
    .commit = nft_commit,
    .list = fwnft_list,
    .reconfigure = nft_reconfigure,
    .close = nft_close,
    .check = fwnft_check,
    .probe = fwnft_probe,
    .known_gen = fwnft_known_gen,
    .took_gen = fwnft_took_gen,
};