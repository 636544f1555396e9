/*
 * Reading nftables over netlink (libmnl, libnftnl), never writing: which base chains on the
 * input, output and forward hooks (and nat chains on prerouting) exist, whether they can drop a
 * door's traffic and whether they accept established traffic. Backend selection (fw.c) and the
 * nftables backend (fw_nft.c) build on it. Nothing here creates a table, nftables or legacy.
 */
#ifndef KNOCKD_NFTPROBE_H
#define KNOCKD_NFTPROBE_H

#include <stddef.h>
#include <stdint.h>

#include <libmnl/libmnl.h>
#include <libnftnl/rule.h>

#define NFTPROBE_MAX  128 /* base chains remembered; more are reported as an error */
#define NFTPROBE_NAME 64

/* The hooks a scan reports: filter chains on input, output and forward, nat on prerouting. */
enum nftprobe_hook { NFTPROBE_IN, NFTPROBE_OUT, NFTPROBE_FWD, NFTPROBE_NAT };

struct nftprobe_chain {
	uint32_t family; /* NFPROTO_IPV4, NFPROTO_IPV6 or NFPROTO_INET */
	char table[NFTPROBE_NAME], chain[NFTPROBE_NAME];
	int hook; /* enum nftprobe_hook */
	int policy_drop;
	int drops;       /* policy drop, or a rule in it or in a chain it jumps to ends in drop,
			    reject or a verdict map */
	int established; /* policy accept, or a rule (there too) accepts ct state established */
	char top[NFTPROBE_NAME]; /* the chain its first rule jumps to, or "" */
	uint64_t top_handle;     /* ... that rule's handle */
	struct {
		uint64_t handle;
		char chain[NFTPROBE_NAME];
	} jumps[4]; /* later rules of its own that jump to one of knockd's chains */
	int njumps;
	/* Docker on iptables-nft: this is ip/ip6 filter FORWARD and DOCKER-USER exists beside
	 * it; that chain's first rule's jump and its later jumps to knockd's chains, as above. */
	int docker, ndrules;
	char dtop[NFTPROBE_NAME];
	struct {
		uint64_t handle;
		char chain[NFTPROBE_NAME];
	} djumps[4];
	int ndjumps;
};

struct nftprobe_scan {
	struct nftprobe_chain c[NFTPROBE_MAX];
	int n;
	struct nftprobe_chain own[8]; /* knockd's own chains found (family, table, chain) */
	int nown;
	unsigned docker_user; /* DOCKER-USER in ip filter (1), ip6 filter (2): Docker's */
};

/* A netlink socket to nf_tables with its sequence counter. */
struct nftprobe_sock {
	struct mnl_socket *nl;
	uint32_t portid, seq;
};

int nftprobe_open(struct nftprobe_sock *s, char *err, size_t errlen)
    __attribute__((warn_unused_result));
void nftprobe_close(struct nftprobe_sock *s);
/* Sends a request built in buf and runs cb on each answer; -1 with errno on failure. */
int nftprobe_query(struct nftprobe_sock *s, struct nlmsghdr *req, mnl_cb_t cb, void *data)
    __attribute__((warn_unused_result));
/* Dumps the rules of one chain: cb gets each as a parsed nftnl_rule. -1 with errno. */
int nftprobe_rules(struct nftprobe_sock *s, uint32_t family, const char *table, const char *chain,
		   int (*cb)(struct nftnl_rule *r, void *data), void *data)
    __attribute__((warn_unused_result));

/* The base chains on the input/output/forward hooks and nat prerouting, classified. -1 if nftables
 * cannot be asked. The _sock variant asks over an open socket. */
int nftprobe_scan(struct nftprobe_scan *scan, char *err, size_t errlen)
    __attribute__((warn_unused_result));
int nftprobe_scan_sock(struct nftprobe_sock *s, struct nftprobe_scan *scan, char *err,
		       size_t errlen) __attribute__((warn_unused_result));
/* What one rule does: ends in accept and matches ct state established; ends in drop,
 * reject or a verdict map (which may drop). */
int nftprobe_rule_accepts_established(const struct nftnl_rule *r);
int nftprobe_rule_drops(const struct nftnl_rule *r);
/* "ip", "ip6", "inet" or NULL. */
const char *nftprobe_family_name(uint32_t family);

#endif
