/*
 * Benchmark tool, run in the server's namespace: prints each nftables change to table inet
 * knockd as it arrives, one line each, "REALTIME_NS EVENT SET KEY" (EVENT: newtable,
 * deltable, newsetelem, delsetelem; SET and KEY "-" for a table; a set element event prints
 * one line per element, KEY its address). Runs until SIGTERM or SIGINT. Usage: nftwatch
 */
#include <arpa/inet.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

static volatile sig_atomic_t done;
static long long stamp;

static void on_signal(int sig)
{
	(void)sig;
	done = 1;
}

static void elems(const struct nlmsghdr *h, const char *ev)
{
	struct nftnl_set *s = nftnl_set_alloc();
	struct nftnl_set_elems_iter *it;
	struct nftnl_set_elem *e;
	const char *table, *name;

	if (!s || nftnl_set_elems_nlmsg_parse(h, s) < 0) {
		nftnl_set_free(s);
		return;
	}
	table = nftnl_set_get_str(s, NFTNL_SET_TABLE);
	name = nftnl_set_get_str(s, NFTNL_SET_NAME);
	it = table && !strcmp(table, "knockd") ? nftnl_set_elems_iter_create(s) : NULL;
	for (e = it ? nftnl_set_elems_iter_next(it) : NULL; e; e = nftnl_set_elems_iter_next(it)) {
		uint32_t len = 0;
		const void *key = nftnl_set_elem_get(e, NFTNL_SET_ELEM_KEY, &len);
		char a[INET6_ADDRSTRLEN] = "-";

		if (key && (len == 4 || len == 16))
			inet_ntop(len == 4 ? AF_INET : AF_INET6, key, a, sizeof(a));
		printf("%lld %s %s %s\n", stamp, ev, name ? name : "-", a);
	}
	nftnl_set_elems_iter_destroy(it);
	nftnl_set_free(s);
}

static void table(const struct nlmsghdr *h, const char *ev)
{
	struct nftnl_table *t = nftnl_table_alloc();
	const char *name;

	if (t && nftnl_table_nlmsg_parse(h, t) == 0) {
		name = nftnl_table_get_str(t, NFTNL_TABLE_NAME);
		if (name && !strcmp(name, "knockd"))
			printf("%lld %s - -\n", stamp, ev);
	}
	nftnl_table_free(t);
}

static int event_cb(const struct nlmsghdr *h, void *data)
{
	(void)data;
	switch (NFNL_MSG_TYPE(h->nlmsg_type)) {
	case NFT_MSG_NEWTABLE:
		table(h, "newtable");
		break;
	case NFT_MSG_DELTABLE:
		table(h, "deltable");
		break;
	case NFT_MSG_NEWSETELEM:
		elems(h, "newsetelem");
		break;
	case NFT_MSG_DELSETELEM:
		elems(h, "delsetelem");
		break;
	}
	return MNL_CB_OK;
}

int main(void)
{
	static char buf[1 << 20] __attribute__((aligned(8)));
	struct mnl_socket *nl = mnl_socket_open(NETLINK_NETFILTER);
	int big = 256 << 20, grp = NFNLGRP_NFTABLES;
	struct sigaction sa = {.sa_handler = on_signal};

	if (!nl || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0 ||
	    setsockopt(mnl_socket_get_fd(nl), SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &grp,
		       sizeof(grp)) < 0)
		return perror("nftwatch"), 1;
	(void)setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof(big));
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	printf("ready\n");
	fflush(stdout);
	while (!done) {
		struct pollfd p = {.fd = mnl_socket_get_fd(nl), .events = POLLIN};
		struct timespec t;
		ssize_t n;

		if (poll(&p, 1, 200) <= 0)
			continue;
		n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
		clock_gettime(CLOCK_REALTIME, &t);
		stamp = (long long)t.tv_sec * 1000000000 + t.tv_nsec;
		if (n < 0) {
			if (errno == ENOBUFS)
				printf("%lld lost - -\n",
				       stamp); /* events dropped: said, not hidden */
			continue;
		}
		(void)mnl_cb_run(buf, (size_t)n, 0, 0, event_cb, NULL);
		fflush(stdout); /* read while it runs */
	}
	fflush(stdout);
	mnl_socket_close(nl);
	return 0;
}
