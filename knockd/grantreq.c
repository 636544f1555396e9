/* The packet parser's grant requests, checked with the writer's rule before they are sent. */
#include "grantreq.h"

#include <stdio.h>
#include <string.h>

#include "ttlrule.h"

int grantreq_make(const struct config *c, const struct grantreq_in *in, struct ps_msg *m, char *why,
		  size_t whylen)
{
	int cut;

	memset(m, 0, sizeof(*m));
	m->magic = PS_MAGIC;
	m->type = PS_GRANT;
	m->origin = (uint32_t)in->origin;
	m->client = in->client;
	m->seq = in->seq;
	m->doors = in->doors;
	m->ttl = in->ttl;
	m->addr = in->addr;
	cut = ttlrule_cut(&m->ttl);
	if (privsep_check(c, m, why, whylen) < 0)
		return GRANTREQ_REFUSED;
	if (!cut)
		return GRANTREQ_OK;
	snprintf(why, whylen, "ttl %us asked, cut to %us (each door's max_ttl applies)", in->ttl,
		 m->ttl);
	return GRANTREQ_CUT;
}
