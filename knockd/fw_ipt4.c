/* IPv4 side of the libiptc backend: the family template bound to libip4tc. */
#include <errno.h>
#include <libiptc/libiptc.h>
#include <stdio.h>
#include <string.h>

#include "fw_xt.h"

#define XT(fn)    iptc_##fn
#define XT_FN(fn) fw_ipt4_##fn
#define XT_ENTRY  struct ipt_entry
#define XT_FAMILY 4

static void xt_fill(struct ipt_entry *e, const struct fw_rule *r, const struct prefix *dst)
{
	e->ip.proto = (uint16_t)r->door->protocol;
	if (r->door->direction == DIR_IN) {
		memcpy(&e->ip.src, r->addr.a, 4);
		memset(&e->ip.smsk, 0xff, 4);
	}
	if (dst) {
		uint32_t mask = dst->len ? htonl(~0u << (32 - dst->len)) : 0;

		memcpy(&e->ip.dst, dst->addr.a, 4);
		e->ip.dmsk.s_addr = mask;
		e->ip.dst.s_addr &= mask;
	}
}

#include "fw_ipt_family.h"
