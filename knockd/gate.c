/*
 * The gate's life: its netlink socket (which owns the table where the kernel can), the
 * whole-table sync, grants as set elements, removal and knockd -t's description. Each
 * change is one batch; the kernel runs a batch inside sendmsg(), so its errors are queued on
 * the socket by the time sendmsg() returns: no acks are asked for, only errors read.
 */
#include "gate.h"
#include "gate_int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <libnftnl/table.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define GATE_SOCKBUF (32 << 20)

int gate_door_gated(const struct door *d)
{
	return d->nports > 0;
}

static int sock_open(struct mnl_socket **out, uint32_t *portid)
{
	int big = GATE_SOCKBUF;
	struct mnl_socket *nl = mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC);

	if (!nl)
		return -1;
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		mnl_socket_close(nl);
		return -1;
	}
	/* a sync carries every grant: room for it, and for the errors of a refused one */
	(void)setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_SNDBUFFORCE, &big, sizeof(big));
	(void)setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof(big));
	*portid = mnl_socket_get_portid(nl);
	*out = nl;
	return 0;
}

int gate_open(struct gate **out, char *err, size_t errlen)
{
	struct gate *g = calloc(1, sizeof(*g));

	*out = NULL;
	if (!g || sock_open(&g->nl, &g->portid) < 0 || gate_watch_open(g) < 0) {
		snprintf(err, errlen, "gate: netlink: %s", g ? strerror(errno) : "out of memory");
		gate_close(g);
		return -1;
	}
	g->seq = 1;
	*out = g;
	return 0;
}

void gate_close(struct gate *g)
{
	if (!g)
		return;
	if (g->nl)
		mnl_socket_close(g->nl);
	if (g->ev)
		mnl_socket_close(g->ev);
	free(g->buf);
	free(g->out);
	free(g);
}

int gate_dirty(const struct gate *g)
{
	return g && g->dirty;
}

int gate_locked(const struct gate *g)
{
	return g && g->locked;
}

/* With genid: the kernel runs the batch only at that ruleset generation (NFNL_BATCH_GENID). */
static struct mnl_nlmsg_batch *batch_begin_at(struct gate *g, size_t need, const uint32_t *genid)
{
	struct mnl_nlmsg_batch *b;

	if (g->cap < need * 2) {
		char *nb = realloc(g->buf, need * 2); /* a batch may overrun its limit by one */

		if (!nb)
			return NULL;
		g->buf = nb;
		g->cap = need * 2;
	}
	b = mnl_nlmsg_batch_start(g->buf, need);
	if (b) {
		struct nlmsghdr *nlh = nftnl_batch_begin(mnl_nlmsg_batch_current(b), g->seq++);

		if (genid)
			mnl_attr_put_u32(nlh, NFNL_BATCH_GENID, htonl(*genid));
		(void)mnl_nlmsg_batch_next(b);
		g->begin_len = mnl_nlmsg_batch_size(b);
	}
	return b;
}

static struct mnl_nlmsg_batch *batch_begin(struct gate *g, size_t need)
{
	return batch_begin_at(g, need, NULL);
}

/* Ends and sends the batch, then reads the errors the kernel queued: 0 or -errno. */
static int batch_send(struct gate *g, struct mnl_nlmsg_batch *b)
{
	char buf[8192] __attribute__((aligned(8)));
	ssize_t n;
	int ret = 0;

	g->changed = mnl_nlmsg_batch_size(b) > g->begin_len; /* an empty batch moves nothing */
	nftnl_batch_end(mnl_nlmsg_batch_current(b), g->seq++);
	if (!mnl_nlmsg_batch_next(b))
		ret = -ENOSPC;
	else if (mnl_socket_sendto(g->nl, mnl_nlmsg_batch_head(b), mnl_nlmsg_batch_size(b)) < 0)
		ret = -errno;
	mnl_nlmsg_batch_stop(b);
	while ((n = recv(mnl_socket_get_fd(g->nl), buf, sizeof(buf), MSG_DONTWAIT)) != 0) {
		if (n < 0) {
			if (errno == EAGAIN)
				break;
			ret = ret ? ret : -errno;
			continue;
		}
		int len = (int)n;

		for (struct nlmsghdr *h = (struct nlmsghdr *)buf; mnl_nlmsg_ok(h, len);
		     h = mnl_nlmsg_next(h, &len)) {
			const struct nlmsgerr *e = mnl_nlmsg_get_payload(h);

			if (h->nlmsg_type == NLMSG_ERROR && e->error && !ret) {
				ret = e->error;
				g->errtype = NFNL_MSG_TYPE(e->msg.nlmsg_type);
			}
		}
	}
	return ret;
}

static size_t sync_room(const struct config *c, size_t n)
{
	size_t rules = 0;

	for (size_t i = 0; i < c->ndoors; i++)
		rules += 4 + (size_t)c->doors[i].nexempt + (size_t)c->nexempt +
			 (size_t)c->doors[i].nports * 8; /* up to 8 capture interfaces */
	return 65536 + rules * 1024 + n * 256;
}

/* Table, chains, sets, rules and grants, replacing whatever holds the name (excl: only if
 * there is none). */
static int sync_try(struct gate *g, const struct config *c, const struct gate_grant *v, size_t n,
		    int64_t now_ms, uint32_t flags, int excl)
{
	struct mnl_nlmsg_batch *b = batch_begin(g, sync_room(c, n));
	struct nftnl_table *t = nftnl_table_alloc();
	int ret = -ENOMEM;

	if (!b || !t)
		goto out;
	nftnl_table_set_str(t, NFTNL_TABLE_NAME, GATE_TABLE);
	nftnl_table_set_u32(t, NFTNL_TABLE_FAMILY, NFPROTO_INET);
	if (excl)
		goto build;
	/* add (no flags: a no-op on ours, even an orphan's), delete, then build anew */
	nftnl_table_nlmsg_build_payload(nftnl_nlmsg_build_hdr(mnl_nlmsg_batch_current(b),
							      NFT_MSG_NEWTABLE, NFPROTO_INET,
							      NLM_F_CREATE, g->seq++),
					t);
	(void)mnl_nlmsg_batch_next(b);
	nftnl_table_nlmsg_build_payload(nftnl_nlmsg_build_hdr(mnl_nlmsg_batch_current(b),
							      NFT_MSG_DELTABLE, NFPROTO_INET, 0,
							      g->seq++),
					t);
	(void)mnl_nlmsg_batch_next(b);
build:
	if (gate_rules_emit(b, &g->seq, c, flags, excl) < 0)
		goto out;
	gate_out_reset(g);
	for (size_t i = 0; i < n; i++) {
		if (!gate_door_gated(v[i].door))
			continue;
		if (v[i].door->direction == DIR_OUT) {
			if (gate_out_track(g, &v[i], 0) < 0)
				goto out;
		} else if (v[i].deadline_ms > now_ms &&
			   gate_rules_elem(b, &g->seq, &v[i], NFT_MSG_NEWSETELEM, now_ms) < 0) {
			goto out;
		}
	}
	for (size_t i = 0; i < c->ndoors; i++)
		if (c->doors[i].direction == DIR_OUT && gate_door_gated(&c->doors[i]) &&
		    gate_out_emit(g, b, &c->doors[i], now_ms, 0) < 0)
			goto out;
	ret = batch_send(g, b);
	b = NULL;
out:
	if (b)
		mnl_nlmsg_batch_stop(b);
	nftnl_table_free(t);
	return ret;
}

static int write_gate(struct gate *g, const struct config *c, const struct gate_grant *v, size_t n,
		      int64_t now_ms, int excl)
{
	int r = -EOPNOTSUPP;

	if (c->gate_lock && !g->nolock)
		r = sync_try(g, c, v, n, now_ms, NFT_TABLE_F_OWNER | GATE_F_PERSIST, excl);
	if (r == -EOPNOTSUPP || r == -EINVAL) { /* before Linux 6.9: no persist flag */
		g->nolock = c->gate_lock;
		r = sync_try(g, c, v, n, now_ms, 0, excl);
		g->locked = 0;
	} else {
		g->locked = r == 0;
	}
	return r;
}

int gate_create(struct gate *g, const struct config *c, char *err, size_t errlen)
{
	int r = write_gate(g, c, NULL, 0, 0, 1);

	if (r == -EEXIST || r == -EPERM) /* a running knockd's, or one it left */
		return 1;
	if (r)
		snprintf(err, errlen, "gate: writing table inet %s: %s (nf_tables message %d)",
			 GATE_TABLE, strerror(-r), g->errtype);
	return r ? -1 : 0;
}

int gate_sync(struct gate *g, const struct config *c, const struct gate_grant *v, size_t n,
	      int64_t now_ms, char *err, size_t errlen)
{
	int r = write_gate(g, c, v, n, now_ms, 0);

	g->synced |= r == 0;
	g->dirty = r != 0;
	if (r)
		snprintf(err, errlen, "gate: writing table inet %s: %s (nf_tables message %d)",
			 GATE_TABLE, strerror(-r), g->errtype);
	return r ? -1 : 0;
}

/* The out doors these changes touched: their port elements, each once. */
static int out_changes(struct gate *g, struct mnl_nlmsg_batch *b, const struct gate_grant *v,
		       size_t n, int64_t now_ms)
{
	for (size_t i = 0; b && i < n; i++) {
		size_t j = 0;

		if (v[i].door->direction != DIR_OUT || !gate_door_gated(v[i].door))
			continue;
		while (j < i && strcmp(v[j].door->name, v[i].door->name))
			j++;
		if (j == i && gate_out_emit(g, b, v[i].door, now_ms, 1) < 0)
			return -ENOMEM;
	}
	return 0;
}

int gate_grants(struct gate *g, const struct gate_grant *v, const int *del, size_t n,
		int64_t now_ms, const uint32_t *genid, char *err, size_t errlen)
{
	struct mnl_nlmsg_batch *b;
	int r = 0;

	g->changed = 0;
	if (g->nodestroy || g->dirty || !g->synced) {
		g->dirty = 1; /* no element deletion that tolerates absence: a sync does it */
		return 0;
	}
	b = batch_begin_at(g, 65536 + n * 512 + (size_t)DOOR_MAX_PORTS * 2 * 256 * CONFIG_MAX_DOORS,
			   genid);
	for (size_t i = 0; b && i < n && !r; i++) {
		if (!gate_door_gated(v[i].door))
			continue;
		if (v[i].door->direction == DIR_OUT) {
			r = gate_out_track(g, &v[i], del[i]);
			continue;
		}
		r = gate_rules_elem(b, &g->seq, &v[i], GATE_MSG_DESTROYSETELEM, now_ms);
		if (!r && !del[i] && v[i].deadline_ms > now_ms)
			r = gate_rules_elem(b, &g->seq, &v[i], NFT_MSG_NEWSETELEM, now_ms);
	}
	r = r ? r : out_changes(g, b, v, n, now_ms);
	r = !b ? -ENOMEM : r ? (mnl_nlmsg_batch_stop(b), -ENOMEM) : batch_send(g, b);
	if (r == -EINVAL || r == -EOPNOTSUPP)
		g->nodestroy = 1; /* before Linux 6.3 */
	g->dirty = r != 0;
	g->changed &= !r;
	if (r)
		snprintf(err, errlen, "gate: grants: %s", strerror(-r));
	return r ? -1 : 0;
}

int gate_changed(const struct gate *g)
{
	return g && g->changed;
}

int gate_remove(struct gate *g, char *err, size_t errlen)
{
	struct mnl_nlmsg_batch *b = batch_begin(g, 65536);
	struct nftnl_table *t = nftnl_table_alloc();
	int r = -ENOMEM;

	if (b && t) {
		nftnl_table_set_str(t, NFTNL_TABLE_NAME, GATE_TABLE);
		nftnl_table_set_u32(t, NFTNL_TABLE_FAMILY, NFPROTO_INET);
		nftnl_table_nlmsg_build_payload(
		    nftnl_nlmsg_build_hdr(mnl_nlmsg_batch_current(b), NFT_MSG_NEWTABLE,
					  NFPROTO_INET, NLM_F_CREATE, g->seq++),
		    t);
		(void)mnl_nlmsg_batch_next(b);
		nftnl_table_nlmsg_build_payload(nftnl_nlmsg_build_hdr(mnl_nlmsg_batch_current(b),
								      NFT_MSG_DELTABLE,
								      NFPROTO_INET, 0, g->seq++),
						t);
		(void)mnl_nlmsg_batch_next(b);
		r = batch_send(g, b);
	} else if (b) {
		mnl_nlmsg_batch_stop(b);
	}
	nftnl_table_free(t);
	if (r)
		snprintf(err, errlen, "gate: removing table inet %s: %s", GATE_TABLE, strerror(-r));
	return r ? -1 : 0;
}

static void prefixes(char *msg, size_t len, const struct prefix *p, int n, int *first)
{
	for (int i = 0; i < n; i++) {
		char a[ADDR_STRLEN];
		size_t at = strlen(msg);

		addr_format(&p[i].addr, a, sizeof(a));
		snprintf(msg + at, len - at, "%s%s/%u", *first ? "" : ", ", a, p[i].len);
		*first = 0;
	}
}

void gate_describe(const struct config *c, char *msg, size_t len)
{
	for (size_t i = 0; i < c->ndoors; i++) {
		const struct door *d = &c->doors[i];
		size_t at = strlen(msg);
		int first = 1;

		snprintf(msg + at, len - at,
			 "gate: door %s (%s): table inet %s drops NEW %s to port", d->name,
			 d->direction == DIR_IN    ? "in"
			 : d->direction == DIR_OUT ? "out"
						   : "forward",
			 GATE_TABLE, d->protocol == 17 ? "udp" : "tcp");
		for (int p = 0; p < d->nports; p++) {
			at = strlen(msg);
			snprintf(msg + at, len - at, "%s%u", p ? "," : " ", d->ports[p]);
		}
		at = strlen(msg);
		if (d->direction == DIR_OUT)
			snprintf(msg + at, len - at,
				 "%s leaving on any interface but lo unless a grant is live%s%s; "
				 "exempt destinations: ",
				 d->ndests ? " of its destinations" : "",
				 d->has_owner ? " and the socket is owner " : "",
				 d->has_owner ? d->owner_name : "");
		else
			snprintf(msg + at, len - at, "%s arriving on %s unless granted; exempt: ",
				 d->direction == DIR_FWD ? " of the inner host" : "",
				 d->direction == DIR_IN || !strcmp(c->interfaces, "any")
				     ? "any interface but lo"
				     : c->interfaces);
		prefixes(msg, len, d->exempt, d->nexempt, &first);
		prefixes(msg, len, c->exempt, c->nexempt, &first);
		at = strlen(msg);
		snprintf(msg + at, len - at, "%s\n", first ? "none" : "");
	}
}
