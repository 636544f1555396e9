/* IPv6 side of the libiptc backend: the family template bound to libip6tc. */
#include <errno.h>
#include <libiptc/libip6tc.h>
#include <stdio.h>
#include <string.h>

#include "fw_xt.h"

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

static void xt_fill(struct ip6t_entry *e, const struct fw_rule *r, const struct prefix *dst)
{
	e->ipv6.proto = (uint16_t)r->door->protocol;
	e->ipv6.flags |= IP6T_F_PROTO;
	if (r->door->direction == DIR_IN) {
		memcpy(&e->ipv6.src, r->addr.a, 16);
		memset(&e->ipv6.smsk, 0xff, 16);
	}
	if (dst) {
		uint8_t *m = e->ipv6.dmsk.s6_addr, *a = e->ipv6.dst.s6_addr;

		prefix_mask(m, dst->len);
		for (int i = 0; i < 16; i++)
			a[i] = dst->addr.a[i] & m[i];
	}
}

#include "fw_ipt_family.h"
