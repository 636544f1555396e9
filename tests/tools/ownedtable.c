/*
 * Test tool: holds an nftables table with the owner flag, as firewalld does with
 * NftablesTableOwner=yes: while this process lives no other process may change the table.
 *   ownedtable FAMILY TABLE CHAIN
 * (family inet, ip or ip6): the table, flags owner, with a base chain CHAIN on the input
 * hook, policy drop. Prints "ready" once the kernel took it, then waits for stdin to close.
 */
#include <errno.h>
#include <libmnl/libmnl.h>
#include <libnftnl/chain.h>
#include <libnftnl/common.h>
#include <libnftnl/table.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static uint16_t family_of(const char *f)
{
	return !strcmp(f, "ip") ? NFPROTO_IPV4 : !strcmp(f, "ip6") ? NFPROTO_IPV6 : NFPROTO_INET;
}

static void put_table(struct mnl_nlmsg_batch *b, uint16_t fam, const char *name, uint32_t seq)
{
	struct nftnl_table *t = nftnl_table_alloc();

	nftnl_table_set_str(t, NFTNL_TABLE_NAME, name);
	nftnl_table_set_u32(t, NFTNL_TABLE_FLAGS, NFT_TABLE_F_OWNER);
	nftnl_table_nlmsg_build_payload(nftnl_nlmsg_build_hdr(mnl_nlmsg_batch_current(b),
							      NFT_MSG_NEWTABLE, fam,
							      NLM_F_CREATE | NLM_F_ACK, seq),
					t);
	nftnl_table_free(t);
	mnl_nlmsg_batch_next(b);
}

static void put_chain(struct mnl_nlmsg_batch *b, uint16_t fam, const char *table, const char *name,
		      uint32_t seq)
{
	struct nftnl_chain *c = nftnl_chain_alloc();

	nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, table);
	nftnl_chain_set_str(c, NFTNL_CHAIN_NAME, name);
	nftnl_chain_set_str(c, NFTNL_CHAIN_TYPE, "filter");
	nftnl_chain_set_u32(c, NFTNL_CHAIN_HOOKNUM, NF_INET_LOCAL_IN);
	nftnl_chain_set_s32(c, NFTNL_CHAIN_PRIO, 10);
	nftnl_chain_set_u32(c, NFTNL_CHAIN_POLICY, NF_DROP);
	nftnl_chain_nlmsg_build_payload(nftnl_nlmsg_build_hdr(mnl_nlmsg_batch_current(b),
							      NFT_MSG_NEWCHAIN, fam,
							      NLM_F_CREATE | NLM_F_ACK, seq),
					c);
	nftnl_chain_free(c);
	mnl_nlmsg_batch_next(b);
}

int main(int argc, char **argv)
{
	static char buf[16384] __attribute__((aligned(8)));
	struct mnl_socket *nl = mnl_socket_open(NETLINK_NETFILTER);
	struct mnl_nlmsg_batch *b;
	uint16_t fam;
	uint32_t seq = 1;
	ssize_t n;
	char c;

	if (argc != 4 || !nl || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		fprintf(stderr, "usage: ownedtable FAMILY TABLE CHAIN (as root)\n");
		return 2;
	}
	fam = family_of(argv[1]);
	b = mnl_nlmsg_batch_start(buf, sizeof(buf));
	nftnl_batch_begin(mnl_nlmsg_batch_current(b), seq++);
	mnl_nlmsg_batch_next(b);
	put_table(b, fam, argv[2], seq++);
	put_chain(b, fam, argv[2], argv[3], seq++);
	nftnl_batch_end(mnl_nlmsg_batch_current(b), seq++);
	mnl_nlmsg_batch_next(b);
	if (mnl_socket_sendto(nl, mnl_nlmsg_batch_head(b), mnl_nlmsg_batch_size(b)) < 0) {
		perror("ownedtable: send");
		return 1;
	}
	for (int acks = 0; acks < 2; acks++) { /* one ack (or error) per object */
		n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
		if (n <= 0 ||
		    mnl_cb_run(buf, (size_t)n, 0, mnl_socket_get_portid(nl), NULL, NULL) < 0) {
			fprintf(stderr, "ownedtable: %s\n", strerror(errno));
			return 1;
		}
	}
	printf("ready\n");
	fflush(stdout);
	while (read(0, &c, 1) > 0)
		;
	mnl_socket_close(nl);
	return 0;
}
