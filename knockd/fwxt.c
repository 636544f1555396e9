/* Pure xtables match encoding for grant rules (see fwxt.h). */
#include "fwxt.h"

#include <netinet/in.h> /* before the linux/ headers, which then defer to it */

#include <linux/netfilter/nf_conntrack_common.h>
#include <linux/netfilter/nf_nat.h>
#include <linux/netfilter/x_tables.h>
#include <linux/netfilter/xt_comment.h>
#include <linux/netfilter/xt_conntrack.h>
#include <linux/netfilter/xt_multiport.h>
#include <linux/netfilter/xt_owner.h>
#include <linux/netfilter/xt_state.h>
#include <linux/netfilter/xt_tcpudp.h>
#include <linux/netfilter/xt_time.h>
#include <stdio.h>
#include <string.h>

#include "fw_comment.h"

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

/* The door's ports as destination ports, or (reply) as source ports; DNAT: its nat_port. */
static void port_match(uint8_t **p, const struct door *d, int mode)
{
	int reply = mode == FWXT_REPLY;
	uint16_t *own, *other;

	if (d->nports > 1 && mode != FWXT_DNAT) {
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
	own[0] = own[1] = mode == FWXT_DNAT ? d->nat_port : d->ports[0];
	other[1] = 0xffff;
}

/* `-m owner --uid-owner UID`: an out door's owner. Not on a reply rule: the owner of a
 * socket is known on output only, and a reply belongs to a connection the owner began. */
static void owner_match(uint8_t **p, const struct door *d, int mode)
{
	struct xt_owner_match_info *o;

	if (!d->has_owner || d->direction != DIR_OUT || mode == FWXT_REPLY || mode == FWXT_DNAT)
		return;
	o = add_match(p, "owner", 1, sizeof(*o));
	o->uid_min = o->uid_max = d->owner_uid;
	o->match = XT_OWNER_UID;
}

static void conntrack_match(uint8_t **p, int mode)
{
	struct xt_conntrack_mtinfo3 *ct = add_match(p, "conntrack", 3, sizeof(*ct));

	ct->match_flags = XT_CONNTRACK_STATE;
	ct->state_mask = XT_CONNTRACK_STATE_BIT(IP_CT_NEW);
	if (mode == FWXT_NEW_ESTABLISHED) { /* --ctstate NEW,ESTABLISHED --ctdir ORIGINAL */
		ct->match_flags |= XT_CONNTRACK_DIRECTION;
		ct->state_mask |= XT_CONNTRACK_STATE_BIT(IP_CT_ESTABLISHED);
	} else if (mode == FWXT_REPLY) { /* --ctstate ESTABLISHED --ctdir REPLY */
		ct->match_flags |= XT_CONNTRACK_DIRECTION;
		ct->invert_flags |= XT_CONNTRACK_DIRECTION;
		ct->state_mask = XT_CONNTRACK_STATE_BIT(IP_CT_ESTABLISHED);
	}
}

size_t fwxt_matches(uint8_t *p, const struct fw_rule *r, int mode)
{
	uint8_t *start = p;
	struct xt_time_info *tm;
	struct xt_comment_info *cm;

	port_match(&p, r->door, mode);
	owner_match(&p, r->door, mode);
	if (mode != FWXT_DNAT) /* the nat table sees only a connection's first packet */
		conntrack_match(&p, mode);
	tm = add_match(&p, "time", 0, sizeof(*tm));
	tm->date_stop = (uint32_t)r->deadline;
	tm->daytime_start = XT_TIME_MIN_DAYTIME;
	tm->daytime_stop = XT_TIME_MAX_DAYTIME;
	tm->weekdays_match = XT_TIME_ALL_WEEKDAYS;
	tm->monthdays_match = XT_TIME_ALL_MONTHDAYS;
	cm = add_match(&p, "comment", 0, sizeof(*cm));
	fw_comment_format((char *)cm->comment, sizeof(cm->comment), r, mode == FWXT_REPLY);
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

size_t fwxt_dnat_target(uint8_t *p, const struct fw_rule *r)
{
	const struct door *d = r->door;
	struct xt_entry_target *t = (struct xt_entry_target *)p;
	size_t size = XT_ALIGN(sizeof(*t) + sizeof(struct nf_nat_range2));
	struct nf_nat_range2 *nr = (struct nf_nat_range2 *)t->data;

	memset(t, 0, size);
	t->u.user.target_size = (uint16_t)size;
	snprintf(t->u.user.name, sizeof(t->u.user.name), "DNAT");
	t->u.user.revision = 2; /* nf_nat_range2: IPv4 and IPv6 alike, as iptables writes */
	nr->flags = NF_NAT_RANGE_MAP_IPS | NF_NAT_RANGE_PROTO_SPECIFIED;
	memcpy(&nr->min_addr, d->to.addr.a, d->to.addr.family == 4 ? 4 : 16);
	nr->max_addr = nr->min_addr;
	nr->min_proto.all = htons(d->ports[0]);
	nr->max_proto = nr->min_proto;
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
