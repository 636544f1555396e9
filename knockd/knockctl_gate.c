/*
 * knockctl gate [status|remove]. Status reads table inet knockd from the kernel: whether it
 * is there, whether knockd's socket holds it (owner flag) or it was left by a knockd that
 * stopped (persist alone), and each door set's grants. Remove deletes it (every door opens)
 * only while knockd is not running: a running knockd holds or restores its gate.
 */
#include "knockctl_gate.h"

#include <errno.h>
#include <libmnl/libmnl.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "gate.h"
#include "gate_int.h"

struct dump {
	int found, n;
	uint32_t flags;
	char names[2 * CONFIG_MAX_DOORS][NAME_MAX_LEN + 8];
};

static int on_table(const struct nlmsghdr *h, void *data)
{
	struct dump *d = data;
	struct nftnl_table *t = nftnl_table_alloc();

	if (t && nftnl_table_nlmsg_parse(h, t) == 0) {
		d->found = 1;
		d->flags = nftnl_table_get_u32(t, NFTNL_TABLE_FLAGS);
	}
	nftnl_table_free(t);
	return MNL_CB_OK;
}

static int on_set(const struct nlmsghdr *h, void *data)
{
	struct dump *d = data;
	struct nftnl_set *s = nftnl_set_alloc();

	if (s && nftnl_set_nlmsg_parse(h, s) == 0 && d->n < 2 * CONFIG_MAX_DOORS)
		snprintf(d->names[d->n++], sizeof(d->names[0]), "%s",
			 nftnl_set_get_str(s, NFTNL_SET_NAME));
	nftnl_set_free(s);
	return MNL_CB_OK;
}

static int on_elems(const struct nlmsghdr *h, void *data)
{
	struct nftnl_set *s = nftnl_set_alloc();

	if (s && nftnl_set_elems_nlmsg_parse(h, s) == 0) {
		struct nftnl_set_elems_iter *it = nftnl_set_elems_iter_create(s);

		while (it && nftnl_set_elems_iter_next(it))
			(*(int *)data)++;
		nftnl_set_elems_iter_destroy(it);
	}
	nftnl_set_free(s);
	return MNL_CB_OK;
}

/* One request (a dump unless get_table) answered through cb. */
static int query(struct mnl_socket *nl, int type, const char *set, mnl_cb_t cb, void *data)
{
	char buf[32768] __attribute__((aligned(8)));
	struct nlmsghdr *h;
	uint32_t seq = 1, port = mnl_socket_get_portid(nl);
	int r;

	h = nftnl_nlmsg_build_hdr(
	    buf, (uint16_t)type, NFPROTO_INET,
	    (uint16_t)(NLM_F_ACK | (type == NFT_MSG_GETTABLE ? 0 : NLM_F_DUMP)), seq);
	if (type == NFT_MSG_GETSETELEM) {
		struct nftnl_set *s = nftnl_set_alloc();

		if (!s)
			return -1;
		nftnl_set_set_str(s, NFTNL_SET_TABLE, GATE_TABLE);
		nftnl_set_set_str(s, NFTNL_SET_NAME, set);
		nftnl_set_elems_nlmsg_build_payload(h, s);
		nftnl_set_free(s);
	} else {
		mnl_attr_put_strz(h, NFTA_TABLE_NAME, GATE_TABLE); /* NFTA_SET_TABLE: the same 1 */
	}
	if (mnl_socket_sendto(nl, h, h->nlmsg_len) < 0)
		return -1;
	while ((r = (int)mnl_socket_recvfrom(nl, buf, sizeof(buf))) > 0)
		if ((r = mnl_cb_run(buf, (size_t)r, seq, port, cb, data)) <= 0)
			break;
	return r;
}

static int running(const char *sock)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0), up;

	if (fd < 0 || strlen(sock) >= sizeof(sa.sun_path)) {
		if (fd >= 0)
			close(fd);
		return 0;
	}
	strcpy(sa.sun_path, sock);
	up = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
	close(fd);
	return up;
}

static int status(struct mnl_socket *nl)
{
	struct dump d;

	memset(&d, 0, sizeof(d));
	if (query(nl, NFT_MSG_GETTABLE, NULL, on_table, &d) < 0 && errno != ENOENT) {
		fprintf(stderr, "knockctl: gate: %s\n", strerror(errno));
		return 1;
	}
	if (!d.found) {
		printf("gate: absent: no table inet %s; the doors are as the host's ruleset leaves "
		       "them (knockd writes the gate when it starts)\n",
		       GATE_TABLE);
		return 0;
	}
	printf("gate: table inet %s present, %s\n", GATE_TABLE,
	       d.flags & NFT_TABLE_F_OWNER ? "locked: held by the running knockd (owner, persist)"
	       : d.flags & GATE_F_PERSIST  ? "left in place by a knockd that stopped (persist)"
					   : "not locked: a running knockd's watch restores it");
	(void)query(nl, NFT_MSG_GETSET, NULL, on_set, &d);
	for (int i = 0; i < d.n; i++) {
		int n = 0;

		(void)query(nl, NFT_MSG_GETSETELEM, d.names[i], on_elems, &n);
		printf("gate: set %s: %d grant(s)\n", d.names[i], n);
	}
	return 0;
}

static int remove_gate(const char *sock)
{
	struct gate *g;
	char err[256];
	int r;

	if (running(sock)) {
		fprintf(stderr,
			"knockctl: gate: knockd is running (%s answers): it holds or "
			"restores its gate; stop it first (systemctl stop knockd)\n",
			sock);
		return 1;
	}
	if (gate_open(&g, err, sizeof(err)) < 0) {
		fprintf(stderr, "knockctl: %s\n", err);
		return 1;
	}
	r = gate_remove(g, err, sizeof(err));
	gate_close(g);
	if (r < 0) {
		fprintf(stderr, "knockctl: %s\n", err);
		return 1;
	}
	printf("gate: table inet %s removed: the doors are as the host's ruleset leaves them\n",
	       GATE_TABLE);
	return 0;
}

int knockctl_gate(int argc, char **argv, const char *sock)
{
	struct mnl_socket *nl;
	int r;

	if (argc > 1 || (argc == 1 && strcmp(argv[0], "status") && strcmp(argv[0], "remove"))) {
		fprintf(stderr, "usage: knockctl gate [status|remove]\n");
		return 1;
	}
	if (argc == 1 && !strcmp(argv[0], "remove"))
		return remove_gate(sock);
	nl = mnl_socket_open(NETLINK_NETFILTER);
	if (!nl || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		fprintf(stderr, "knockctl: gate: netlink: %s\n", strerror(errno));
		if (nl)
			mnl_socket_close(nl);
		return 1;
	}
	r = status(nl);
	mnl_socket_close(nl);
	return r;
}
