/* IPv4 side of the libiptc backend: the family template bound to libip4tc. */
#include <errno.h>
#include <libiptc/libiptc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fw_ipt.h"

#define XT(fn)    iptc_##fn
#define XT_FN(fn) fw_ipt4_##fn
#define XT_ENTRY  struct ipt_entry
#define XT_FAMILY 4

/* An in-door rule matches the granted address as source (its reply: as destination); an
 * out-door rule matches a destination prefix (its reply: as source); a forward rule both. */
static void xt_fill(struct ipt_entry *e, const struct fw_rule *r, const struct prefix *dst,
		    int reply)
{
	struct in_addr *a, *m;
	uint32_t mask;

	e->ip.proto = (uint16_t)r->door->protocol;
	if (r->door->direction != DIR_OUT) {
		a = reply ? &e->ip.dst : &e->ip.src;
		m = reply ? &e->ip.dmsk : &e->ip.smsk;
		memcpy(a, r->addr.a, 4);
		memset(m, 0xff, 4);
	}
	if (r->door->direction != DIR_IN && dst) {
		mask = dst->len ? htonl(~0u << (32 - dst->len)) : 0;
		a = reply ? &e->ip.src : &e->ip.dst;
		m = reply ? &e->ip.smsk : &e->ip.dmsk;
		memcpy(a, dst->addr.a, 4);
		m->s_addr = mask;
		a->s_addr &= mask;
	}
}

#include "fw_ipt_family.h"
#include "fw_ipt_family_read.h"
