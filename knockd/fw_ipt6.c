/* IPv6 side of the libiptc backend: the family template bound to libip6tc. */
#include <errno.h>
#include <libiptc/libip6tc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fw_ipt.h"

#define XT(fn)    ip6tc_##fn
#define XT_FN(fn) fw_ipt6_##fn
#define XT_ENTRY  struct ip6t_entry
#define XT_FAMILY 6

static void prefix_mask(uint8_t mask[16], unsigned len)
{
	memset(mask, 0, 16);
	for (unsigned i = 0; i < 16 && len; i++) {
		unsigned bits = len > 8 ? 8 : len;

		mask[i] = (uint8_t)(0xff00 >> bits);
		len -= bits;
	}
}

/* An in-door rule matches the granted address as source (its reply: as destination); an
 * out-door rule matches a destination prefix (its reply: as source); a forward rule both. */
static void xt_fill(struct ip6t_entry *e, const struct fw_rule *r, const struct prefix *dst,
		    int reply)
{
	struct in6_addr *a, *m;

	e->ipv6.proto = (uint16_t)r->door->protocol;
	e->ipv6.flags |= IP6T_F_PROTO;
	if (r->door->direction != DIR_OUT) {
		a = reply ? &e->ipv6.dst : &e->ipv6.src;
		m = reply ? &e->ipv6.dmsk : &e->ipv6.smsk;
		memcpy(a, r->addr.a, 16);
		memset(m, 0xff, 16);
	}
	if (r->door->direction != DIR_IN && dst) {
		a = reply ? &e->ipv6.src : &e->ipv6.dst;
		m = reply ? &e->ipv6.smsk : &e->ipv6.dmsk;
		prefix_mask(m->s6_addr, dst->len);
		for (int i = 0; i < 16; i++)
			a->s6_addr[i] = dst->addr.a[i] & m->s6_addr[i];
	}
}

#include "fw_ipt_family.h"
#include "fw_ipt_family_read.h"
