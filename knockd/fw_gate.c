/*
 * The rule backend of a host whose own ruleset drops none of the doors' traffic (backend =
 * auto): the gate (gate.h) closes the doors, so a grant needs nothing in the host's ruleset
 * and is its set element only. A commit writes nothing here (fw.c then writes the
 * elements: one element per grant, whatever the number of grants, where a libiptc commit
 * rewrites the whole table); the list for a restart's adoption reads the gate's elements,
 * each carrying its grant's id as user data.
 */
#include "fw.h"

#include <errno.h>
#include <libmnl/libmnl.h>
#include <libnftnl/set.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gate.h"

/* What a dump of one set's elements fills. */
struct walk {
	const char *set;
	struct fw_found *out;
	size_t max, n;
	int64_t now_ms;
	int over; /* more elements than max */
};

static int gate_open_backend(void **st, const struct config *c, char *err, size_t errlen)
{
	(void)c;
	(void)err;
	(void)errlen;
	*st = NULL;
	return 0;
}

static int gate_commit_backend(void *st, const struct fw_change *ch, size_t n, char *err,
			       size_t errlen)
{
	(void)st;
	(void)ch;
	(void)n;
	(void)err;
	(void)errlen;
	return 0; /* the gate's elements are the grant: fw.c writes them */
}

static void found(struct walk *w, struct nftnl_set_elem *e)
{
	uint32_t klen = 0, ulen = 0, ud32[2];
	const void *key = nftnl_set_elem_get(e, NFTNL_SET_ELEM_KEY, &klen);
	const void *ud = nftnl_set_elem_get(e, NFTNL_SET_ELEM_USERDATA, &ulen);
	uint64_t left = nftnl_set_elem_get_u64(e, NFTNL_SET_ELEM_EXPIRATION);
	size_t len = strlen(w->set) - 2; /* the door's name: NAME_4, NAME_6 */
	struct fw_found *f = &w->out[w->n];

	if (!key || !ud || ulen != sizeof(ud32) || (klen != 4 && klen != 16) || !left)
		return; /* not a grant of ours (an out door's port, a hand-made element) */
	if (w->n == w->max) {
		w->over = 1;
		return;
	}
	memcpy(ud32, ud, sizeof(ud32)); /* the grant's id and its door's direction */
	memset(f, 0, sizeof(*f));
	f->id = ud32[0];
	f->direction = (int)ud32[1];
	snprintf(f->door, sizeof(f->door), "%.*s", (int)(len < NAME_MAX_LEN ? len : NAME_MAX_LEN),
		 w->set);
	f->addr.family = klen == 16 ? 6 : 4;
	memcpy(f->addr.a, key, klen);
	/* the element times out at the end of the grant's last second (gate_commit) */
	f->deadline = (w->now_ms + (int64_t)left) / 1000 - 1;
	w->n++;
}

static int elems_cb(const struct nlmsghdr *h, void *data)
{
	struct walk *w = data;
	struct nftnl_set *s = nftnl_set_alloc();
	struct nftnl_set_elems_iter *it;
	struct nftnl_set_elem *e;

	if (!s)
		return MNL_CB_ERROR;
	if (nftnl_set_elems_nlmsg_parse(h, s) < 0) {
		nftnl_set_free(s);
		return MNL_CB_ERROR;
	}
	it = nftnl_set_elems_iter_create(s);
	for (e = it ? nftnl_set_elems_iter_next(it) : NULL; e; e = nftnl_set_elems_iter_next(it))
		found(w, e);
	nftnl_set_elems_iter_destroy(it);
	nftnl_set_free(s);
	return MNL_CB_OK;
}

/* Dumps set NAME of the gate into w; ENOENT (no such set, no gate) is no error. */
static int dump_set(struct mnl_socket *nl, const char *name, struct walk *w)
{
	static char buf[1 << 16] __attribute__((aligned(8)));
	struct nftnl_set *s = nftnl_set_alloc();
	uint32_t seq = (uint32_t)time(NULL), portid = mnl_socket_get_portid(nl);
	struct nlmsghdr *h;
	ssize_t r;
	int ret = 0;

	if (!s)
		return -ENOMEM;
	nftnl_set_set_str(s, NFTNL_SET_TABLE, GATE_TABLE);
	nftnl_set_set_str(s, NFTNL_SET_NAME, name);
	h = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETSETELEM, NFPROTO_INET, NLM_F_DUMP, seq);
	nftnl_set_elems_nlmsg_build_payload(h, s);
	nftnl_set_free(s);
	w->set = name;
	if (mnl_socket_sendto(nl, h, h->nlmsg_len) < 0)
		return -errno;
	while ((r = mnl_socket_recvfrom(nl, buf, sizeof(buf))) > 0) {
		ret = mnl_cb_run(buf, (size_t)r, seq, portid, elems_cb, w);
		if (ret <= 0)
			break;
	}
	if (r < 0 || ret < 0)
		return errno == ENOENT ? 0 : -errno;
	return 0;
}

/* The doors' names come from the sets themselves: every NAME_4 and NAME_6 of the gate. */
static int sets_cb(const struct nlmsghdr *h, void *data)
{
	char(*names)[NAME_MAX_LEN + 8] = data;
	struct nftnl_set *s = nftnl_set_alloc();
	const char *name;
	size_t len, i = 0;

	if (!s || nftnl_set_nlmsg_parse(h, s) < 0) {
		nftnl_set_free(s);
		return MNL_CB_ERROR;
	}
	name = nftnl_set_get_str(s, NFTNL_SET_NAME);
	len = name ? strlen(name) : 0;
	while (i < 2 * CONFIG_MAX_DOORS && names[i][0])
		i++;
	if (len > 2 && len < NAME_MAX_LEN + 8 && name[len - 2] == '_' &&
	    (name[len - 1] == '4' || name[len - 1] == '6') && i < 2 * CONFIG_MAX_DOORS)
		snprintf(names[i], sizeof(names[i]), "%s", name);
	nftnl_set_free(s);
	return MNL_CB_OK;
}

static int list_sets(struct mnl_socket *nl, char (*names)[NAME_MAX_LEN + 8])
{
	static char buf[1 << 16] __attribute__((aligned(8)));
	struct nftnl_set *s = nftnl_set_alloc();
	uint32_t seq = (uint32_t)time(NULL) + 1, portid = mnl_socket_get_portid(nl);
	struct nlmsghdr *h;
	ssize_t r;
	int ret = 0;

	if (!s)
		return -ENOMEM;
	nftnl_set_set_str(s, NFTNL_SET_TABLE, GATE_TABLE);
	h = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETSET, NFPROTO_INET, NLM_F_DUMP, seq);
	nftnl_set_nlmsg_build_payload(h, s);
	nftnl_set_free(s);
	if (mnl_socket_sendto(nl, h, h->nlmsg_len) < 0)
		return -errno;
	while ((r = mnl_socket_recvfrom(nl, buf, sizeof(buf))) > 0) {
		ret = mnl_cb_run(buf, (size_t)r, seq, portid, sets_cb, names);
		if (ret <= 0)
			break;
	}
	if (r < 0 || ret < 0)
		return errno == ENOENT ? 0 : -errno;
	return 0;
}

static int gate_list_backend(void *st, struct fw_found *out, size_t max, size_t *n, char *err,
			     size_t errlen)
{
	static char names[2 * CONFIG_MAX_DOORS][NAME_MAX_LEN + 8];
	struct mnl_socket *nl = mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC);
	struct walk w = {.out = out, .max = max};
	struct timespec ts;
	int r = -errno;

	(void)st;
	*n = 0;
	memset(names, 0, sizeof(names));
	clock_gettime(CLOCK_REALTIME, &ts);
	w.now_ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	if (nl && mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) == 0)
		r = list_sets(nl, names);
	for (size_t i = 0; nl && !r && i < 2 * CONFIG_MAX_DOORS && names[i][0]; i++)
		r = dump_set(nl, names[i], &w);
	if (nl)
		mnl_socket_close(nl);
	if (!r && w.over)
		r = -ENOSPC;
	if (r) {
		snprintf(err, errlen, "gate: reading the grants of table inet %s: %s", GATE_TABLE,
			 r == -ENOSPC ? "more elements than max_grants" : strerror(-r));
		return -1;
	}
	*n = w.n;
	return 0;
}

static void gate_close_backend(void *st)
{
	(void)st;
}

static int gate_check_backend(const struct config *c, char *msg, size_t len)
{
	(void)c;
	msg[0] = '\0';
	(void)len;
	return 0;
}

static int gate_probe_backend(const struct config *c, struct fw_probe *p, char *err, size_t errlen)
{
	(void)c;
	(void)err;
	(void)errlen;
	memset(p, 0, sizeof(*p));
	return 0;
}

const struct fw_backend fw_backend_gate = {
    .name = "gate",
    .what = "the gate's set elements only: nothing else drops the doors' traffic",
    .open = gate_open_backend,
    .commit = gate_commit_backend,
    .list = gate_list_backend,
    .close = gate_close_backend,
    .check = gate_check_backend,
    .probe = gate_probe_backend,
};
