/*
 * Naming the firewall manager for knockd -t (fwmgr.h). The names are the managers' own
 * footprints: ufw's ufw-* chains, Docker's DOCKER-USER/DOCKER chains and Docker 29's
 * `docker-bridges` tables, firewalld's `inet firewalld` table (and its owner flag, which
 * keeps every other process, knockd included, from writing into it) or its iptables
 * backend's INPUT_ZONES chain.
 */
#include "fwmgr.h"

#include <libiptc/libiptc.h>
#include <libnftnl/chain.h>
#include <libnftnl/table.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <stdio.h>
#include <string.h>

#include "fw.h"
#include "nftprobe.h"

enum {
	M_UFW_NFT = 1 << 0,
	M_DOCKER_NFT = 1 << 1, /* DOCKER-USER in iptables-nft's ip filter */
	M_DOCKER29 = 1 << 2,
	M_FIREWALLD = 1 << 3,
	M_IPTNFT = 1 << 4,
	M_NATIVE = 1 << 5,
	M_UFW_LEGACY = 1 << 6,
	M_DOCKER_LEGACY = 1 << 7,
	M_FIREWALLD_LEGACY = 1 << 8,
	M_LEGACY = 1 << 9,
};

struct seen {
	const struct config *c;
	struct fwmgr *m;
	unsigned found;
	char native[128]; /* the first native table with a ruleset, "inet filter" */
};

static int ipt_table(uint32_t fam, const char *name)
{
	return (fam == NFPROTO_IPV4 || fam == NFPROTO_IPV6) &&
	       (!strcmp(name, "filter") || !strcmp(name, "nat") || !strcmp(name, "mangle") ||
		!strcmp(name, "raw") || !strcmp(name, "security"));
}

static int on_table(const struct nlmsghdr *nlh, void *data)
{
	struct seen *s = data;
	struct nftnl_table *t = nftnl_table_alloc();
	const char *name, *fam;
	uint32_t f, flags;
	char full[128];

	if (!t || nftnl_table_nlmsg_parse(nlh, t) < 0)
		goto out;
	name = nftnl_table_get_str(t, NFTNL_TABLE_NAME);
	f = nftnl_table_get_u32(t, NFTNL_TABLE_FAMILY);
	flags = nftnl_table_get_u32(t, NFTNL_TABLE_FLAGS);
	fam = nftprobe_family_name(f);
	snprintf(full, sizeof(full), "%s %s", fam ? fam : "?", name);
	if (!strcmp(full, s->c->nft_table) && (flags & NFT_TABLE_F_OWNER))
		s->m->target_owned = 1;
	if (!strcmp(full, "inet firewalld")) {
		s->found |= M_FIREWALLD;
		s->m->firewalld_owned = !!(flags & NFT_TABLE_F_OWNER);
	} else if (!strcmp(name, "docker-bridges")) {
		s->found |= M_DOCKER29;
	} else if (ipt_table(f, name)) {
		s->found |= !strcmp(name, "filter") ? M_IPTNFT : 0;
	} else if (strcmp(full, "inet knockd") && strcmp(full, "inet knockd_nat") && fam &&
		   !(s->found & M_NATIVE)) {
		s->found |= M_NATIVE;
		snprintf(s->native, sizeof(s->native), "%s", full);
	}
out:
	nftnl_table_free(t);
	return MNL_CB_OK;
}

static int on_chain(const struct nlmsghdr *nlh, void *data)
{
	struct seen *s = data;
	struct nftnl_chain *c = nftnl_chain_alloc();
	const char *name;

	if (!c || nftnl_chain_nlmsg_parse(nlh, c) < 0)
		goto out;
	name = nftnl_chain_get_str(c, NFTNL_CHAIN_NAME);
	if (ipt_table(nftnl_chain_get_u32(c, NFTNL_CHAIN_FAMILY),
		      nftnl_chain_get_str(c, NFTNL_CHAIN_TABLE))) {
		s->found |= !strncmp(name, "ufw-", 4) ? M_UFW_NFT : 0;
		s->found |= !strcmp(name, "DOCKER-USER") ? M_DOCKER_NFT : 0;
	}
out:
	nftnl_chain_free(c);
	return MNL_CB_OK;
}

static int scan_nft(struct seen *s, char *err, size_t errlen)
{
	struct nftprobe_sock sk;
	char req[256];
	struct nlmsghdr *nlh;
	int r;

	if (nftprobe_open(&sk, err, errlen) < 0)
		return -1;
	nlh = nftnl_nlmsg_build_hdr(req, NFT_MSG_GETTABLE, NFPROTO_UNSPEC, NLM_F_DUMP, ++sk.seq);
	r = nftprobe_query(&sk, nlh, on_table, s);
	if (r == 0) {
		nlh = nftnl_nlmsg_build_hdr(req, NFT_MSG_GETCHAIN, NFPROTO_UNSPEC, NLM_F_DUMP,
					    ++sk.seq);
		r = nftprobe_query(&sk, nlh, on_chain, s);
	}
	if (r < 0)
		snprintf(err, errlen, "nftables netlink: %m");
	nftprobe_close(&sk);
	return r;
}

/* The legacy IPv4 filter table, if loaded (reading it would load it). */
static void scan_legacy(struct seen *s)
{
	struct xtc_handle *h;
	struct xt_counters cnt;

	if (!fw_legacy_loaded(4) || !(h = iptc_init("filter")))
		return;
	for (const char *ch = iptc_first_chain(h); ch; ch = iptc_next_chain(h)) {
		s->found |= !strncmp(ch, "ufw-", 4) ? M_UFW_LEGACY : 0;
		s->found |=
		    !strcmp(ch, "DOCKER-USER") || !strcmp(ch, "DOCKER") ? M_DOCKER_LEGACY : 0;
		s->found |= !strcmp(ch, "INPUT_ZONES") ? M_FIREWALLD_LEGACY : 0;
		if (strncmp(ch, "KNOCKD-", 7) &&
		    (iptc_first_rule(ch, h) ||
		     (iptc_builtin(ch, h) && strcmp(iptc_get_policy(ch, &cnt, h), "ACCEPT"))))
			s->found |= M_LEGACY;
	}
	iptc_free(h);
}

static void name(struct seen *s, unsigned bit, const char *what)
{
	size_t n = strlen(s->m->names);

	if (!(s->found & bit))
		return;
	snprintf(s->m->names + n, sizeof(s->m->names) - n, "%s%s", n ? "; " : "", what);
}

int fwmgr_scan(const struct config *c, struct fwmgr *m, char *err, size_t errlen)
{
	struct seen s = {c, m, 0, ""};
	char native[192];

	memset(m, 0, sizeof(*m));
	if (scan_nft(&s, err, errlen) < 0)
		return -1;
	scan_legacy(&s);
	if (s.found & (M_UFW_NFT | M_DOCKER_NFT))
		s.found &= ~M_IPTNFT; /* named by its manager */
	if (s.found & (M_UFW_LEGACY | M_DOCKER_LEGACY | M_FIREWALLD_LEGACY))
		s.found &= ~M_LEGACY;
	name(&s, M_UFW_NFT, "ufw (iptables-nft: ufw-* chains in table ip filter)");
	name(&s, M_UFW_LEGACY, "ufw (legacy iptables: ufw-* chains)");
	name(&s, M_FIREWALLD,
	     m->firewalld_owned ? "firewalld (table inet firewalld, owned by firewalld: "
				  "NftablesTableOwner=yes, no other process may write into it)"
				: "firewalld (table inet firewalld, not owned)");
	name(&s, M_FIREWALLD_LEGACY,
	     "firewalld (iptables backend: INPUT_ZONES in legacy iptables)");
	name(&s, M_DOCKER_NFT, "Docker (iptables-nft: DOCKER-USER in table ip filter)");
	name(&s, M_DOCKER_LEGACY, "Docker (legacy iptables: DOCKER-USER/DOCKER chains)");
	name(&s, M_DOCKER29, "Docker (nftables backend, Docker 29+: tables ip/ip6 docker-bridges)");
	name(&s, M_IPTNFT, "iptables-nft (table ip/ip6 filter)");
	snprintf(native, sizeof(native), "a native nftables ruleset (nftables.conf?): table %s",
		 s.native);
	name(&s, M_NATIVE, native);
	name(&s, M_LEGACY, "a hand-written legacy iptables ruleset");
	if (!m->names[0])
		snprintf(m->names, sizeof(m->names), "none: no firewall ruleset");
	return 0;
}
