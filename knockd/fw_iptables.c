/*
 * The iptables backend through libiptc/libip6tc (legacy xtables). Grants live in our own
 * chains KNOCKD-INPUT / KNOCKD-OUTPUT, jumped to from the top of INPUT / OUTPUT; each
 * rule carries its deadline (-m time --datestop) and a comment naming the grant.
 * The xtables lock (/run/xtables.lock, as iptables -w) is held around each init..commit.
 */
#include "fw_xt.h"

#include <netinet/in.h> /* before the linux/ headers, which then defer to it */

#include <errno.h>
#include <fcntl.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include <linux/netfilter/x_tables.h>
#include <linux/netfilter/xt_comment.h>
#include <linux/netfilter/xt_conntrack.h>
#include <linux/netfilter/xt_multiport.h>
#include <linux/netfilter/xt_state.h>
#include <linux/netfilter/xt_tcpudp.h>
#include <linux/netfilter/xt_time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#define LOCK_WAIT_MS 5000

static void *add_match(uint8_t **p, const char *name, uint8_t rev, size_t datalen)
{
	struct xt_entry_match *m = (struct xt_entry_match *)*p;
	size_t size = XT_ALIGN(sizeof(*m) + datalen);

	memset(m, 0, size);
	m->u.user.match_size = (uint16_t)size;
	snprintf(m->u.user.name, sizeof(m->u.user.name), "%s", name);
	m->u.user.revision = rev;
	*p += size;
	return m->data;
}

/* The door's ports as destination ports, or (reply) as source ports. */
static void port_match(uint8_t **p, const struct door *d, int reply)
{
	uint16_t *own, *other;

	if (d->nports > 1) {
		struct xt_multiport_v1 *mp = add_match(p, "multiport", 1, sizeof(*mp));

		mp->flags = reply ? XT_MULTIPORT_SOURCE : XT_MULTIPORT_DESTINATION;
		mp->count = (uint8_t)d->nports;
		memcpy(mp->ports, d->ports, sizeof(d->ports[0]) * (size_t)d->nports);
		return;
	}
	if (d->protocol == IPPROTO_TCP) {
		struct xt_tcp *t = add_match(p, "tcp", 0, sizeof(*t));

		own = reply ? t->spts : t->dpts;
		other = reply ? t->dpts : t->spts;
	} else {
		struct xt_udp *u = add_match(p, "udp", 0, sizeof(*u));

		own = reply ? u->spts : u->dpts;
		other = reply ? u->dpts : u->spts;
	}
	own[0] = own[1] = d->ports[0];
	other[1] = 0xffff;
}

size_t fwxt_matches(uint8_t *p, const struct fw_rule *r, int mode)
{
	int reply = mode == FWXT_REPLY;
	uint8_t *start = p;
	struct xt_conntrack_mtinfo3 *ct;
	struct xt_time_info *tm;
	struct xt_comment_info *cm;

	port_match(&p, r->door, reply);
	ct = add_match(&p, "conntrack", 3, sizeof(*ct));
	ct->match_flags = XT_CONNTRACK_STATE;
	ct->state_mask = XT_CONNTRACK_STATE_BIT(IP_CT_NEW);
	if (mode == FWXT_NEW_ESTABLISHED) { /* --ctstate NEW,ESTABLISHED --ctdir ORIGINAL */
		ct->match_flags |= XT_CONNTRACK_DIRECTION;
		ct->state_mask |= XT_CONNTRACK_STATE_BIT(IP_CT_ESTABLISHED);
	} else if (reply) { /* --ctstate ESTABLISHED --ctdir REPLY */
		ct->match_flags |= XT_CONNTRACK_DIRECTION;
		ct->invert_flags |= XT_CONNTRACK_DIRECTION;
		ct->state_mask = XT_CONNTRACK_STATE_BIT(IP_CT_ESTABLISHED);
	}
	tm = add_match(&p, "time", 0, sizeof(*tm));
	tm->date_stop = (uint32_t)r->deadline;
	tm->daytime_start = XT_TIME_MIN_DAYTIME;
	tm->daytime_stop = XT_TIME_MAX_DAYTIME;
	tm->weekdays_match = XT_TIME_ALL_WEEKDAYS;
	tm->monthdays_match = XT_TIME_ALL_MONTHDAYS;
	cm = add_match(&p, "comment", 0, sizeof(*cm));
	fw_comment_format((char *)cm->comment, sizeof(cm->comment), r, reply);
	return (size_t)(p - start);
}

int fwxt_info_established(const char *name, unsigned rev, const void *info, size_t len)
{
	if (!strcmp(name, "state") && rev == 0 && len >= sizeof(struct xt_state_info)) {
		const struct xt_state_info *st = info;

		return !!(st->statemask & XT_STATE_BIT(IP_CT_ESTABLISHED));
	}
	if ((!strcmp(name, "conntrack") || !strcmp(name, "state")) && rev >= 2 &&
	    len >= sizeof(struct xt_conntrack_mtinfo2)) {
		const struct xt_conntrack_mtinfo2 *ct = info;

		return (ct->match_flags & XT_CONNTRACK_STATE) &&
		       !(ct->invert_flags & XT_CONNTRACK_STATE) &&
		       (ct->state_mask & XT_CONNTRACK_STATE_BIT(IP_CT_ESTABLISHED));
	}
	return 0;
}

int fwxt_accepts_established(const uint8_t *elems, size_t len)
{
	size_t off = 0;

	while (off + sizeof(struct xt_entry_match) <= len) {
		const struct xt_entry_match *m = (const struct xt_entry_match *)(elems + off);

		if (m->u.match_size < sizeof(*m) || off + m->u.match_size > len)
			return 0;
		if (fwxt_info_established(m->u.user.name, m->u.user.revision, m->data,
					  m->u.match_size - sizeof(*m)))
			return 1;
		off += m->u.match_size;
	}
	return 0;
}

size_t fwxt_target(uint8_t *p, const char *name)
{
	struct xt_standard_target *t = (struct xt_standard_target *)p;
	size_t size = XT_ALIGN(sizeof(*t));

	memset(t, 0, size);
	t->target.u.user.target_size = (uint16_t)size;
	snprintf(t->target.u.user.name, sizeof(t->target.u.user.name), "%s", name);
	return size;
}

const char *fwxt_comment(const uint8_t *elems, size_t len)
{
	size_t off = 0;

	while (off + sizeof(struct xt_entry_match) <= len) {
		const struct xt_entry_match *m = (const struct xt_entry_match *)(elems + off);

		if (m->u.match_size < sizeof(*m) || off + m->u.match_size > len)
			return NULL;
		if (!strcmp(m->u.user.name, "comment") &&
		    m->u.match_size >= sizeof(*m) + sizeof(struct xt_comment_info)) {
			const struct xt_comment_info *c = (const void *)m->data;

			return memchr(c->comment, '\0', sizeof(c->comment))
				   ? (const char *)c->comment
				   : NULL;
		}
		off += m->u.match_size;
	}
	return NULL;
}

struct ipt_state {
	int lock_fd;
};

/* Bounded wait for the lock an admin's `iptables -w` holds for milliseconds at a time. */
static int lock_xtables(struct ipt_state *s, char *err, size_t errlen)
{
	struct timespec ms = {0, 1000000};

	for (int waited = 0; waited < LOCK_WAIT_MS; waited++) {
		if (flock(s->lock_fd, LOCK_EX | LOCK_NB) == 0)
			return 0;
		if (errno != EWOULDBLOCK)
			break;
		nanosleep(&ms, NULL);
	}
	snprintf(err, errlen, "cannot take the xtables lock %s: %s", FWXT_LOCK_PATH,
		 strerror(errno));
	return -1;
}

static int ipt_commit(void *st, const struct fw_change *ch, size_t n, char *err, size_t errlen)
{
	struct ipt_state *s = st;
	int ret, missing = 0;

	int fam4 = !n, fam6 = !n; /* an empty commit (start-up) sets up both */

	for (size_t i = 0; i < n; i++) {
		int out = ch[i].rule.door->direction == DIR_OUT;

		fam4 |= out || ch[i].rule.addr.family == 4;
		fam6 |= out || ch[i].rule.addr.family == 6;
	}
	if (lock_xtables(s, err, errlen) < 0)
		return -1;
	ret = fam4 ? fw_ipt4_apply(ch, n, &missing, err, errlen) : 0;
	if (ret == 0 && fam6)
		ret = fw_ipt6_apply(ch, n, &missing, err, errlen);
	flock(s->lock_fd, LOCK_UN);
	return ret < 0 ? -1 : missing;
}

static int ipt_list(void *st, struct fw_found *out, size_t max, size_t *n, char *err, size_t errlen)
{
	struct ipt_state *s = st;
	size_t n4 = 0, n6 = 0;
	int ret;

	if (lock_xtables(s, err, errlen) < 0)
		return -1;
	ret = fw_ipt4_list(out, max, &n4, err, errlen);
	if (ret == 0)
		ret = fw_ipt6_list(out + n4, max - n4, &n6, err, errlen);
	flock(s->lock_fd, LOCK_UN);
	*n = n4 + n6;
	return ret;
}

static int ipt_open(void **st, const struct config *c, char *err, size_t errlen)
{
	struct ipt_state *s = calloc(1, sizeof(*s));

	(void)c;
	if (!s) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	s->lock_fd = open(FWXT_LOCK_PATH, O_CREAT | O_RDWR | O_CLOEXEC, 0600);
	if (s->lock_fd < 0) {
		snprintf(err, errlen, "%s: %s", FWXT_LOCK_PATH, strerror(errno));
		free(s);
		return -1;
	}
	*st = s;
	/* An empty commit creates our chains and jumps, and proves we may write the tables. */
	return ipt_commit(s, NULL, 0, err, errlen) < 0 ? -1 : 0;
}

static void ipt_close(void *st)
{
	struct ipt_state *s = st;

	if (!s)
		return;
	close(s->lock_fd);
	free(s);
}

static void base_warning(char *msg, size_t len, int family, const char *chain)
{
	size_t n = strlen(msg);

	snprintf(msg + n, len - n,
		 "warning: IPv%d %s accepts no ESTABLISHED,RELATED traffic: grants will carry "
		 "their own connections, which then end with the grant (add: ip%stables-legacy "
		 "-I %s -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT)\n",
		 family, chain, family == 6 ? "6" : "", chain);
}

int fw_legacy_loaded(int family)
{
	FILE *f =
	    fopen(family == 6 ? "/proc/net/ip6_tables_names" : "/proc/net/ip_tables_names", "re");
	char line[64];
	int found = 0;

	while (f && !found && fgets(line, sizeof(line), f))
		found = !strcmp(line, "filter\n");
	if (f)
		fclose(f);
	return found;
}

static int ipt_check(const struct config *c, char *msg, size_t len)
{
	struct fwxt_base b[2];
	char err[256];

	(void)c;
	msg[0] = '\0';
	for (int f = 0; f < 2; f++) {
		if (!fw_legacy_loaded(f ? 6 : 4)) /* reading would create it: nothing to check */
			continue;
		if ((f ? fw_ipt6_base : fw_ipt4_base)(&b[f], err, sizeof(err)) < 0) {
			snprintf(msg, len, "cannot read the legacy xtables: %s", err);
			return -1;
		}
		if (!b[f].established[0])
			base_warning(msg, len, f ? 6 : 4, "INPUT");
		if (!b[f].established[1])
			base_warning(msg, len, f ? 6 : 4, "OUTPUT");
	}
	return 0;
}

const struct fw_backend fw_backend_iptables = {
    .name = "iptables",
    .what = "libiptc, legacy xtables",
    .open = ipt_open,
    .commit = ipt_commit,
    .list = ipt_list,
    .close = ipt_close,
    .check = ipt_check,
};
