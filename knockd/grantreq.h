/*
 * The packet parser's grant requests: what a verified token or sequence asks, made into a
 * request the rule writer accepts, or answered by the parser itself. The writer closes the
 * channel (and knockd stops) on a request it refuses, so the parser checks each request
 * with the writer's own rule (privsep_check) before it sends it: no authorised client can
 * make it send one the writer refuses.
 */
#ifndef KNOCKD_GRANTREQ_H
#define KNOCKD_GRANTREQ_H

#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "config.h"
#include "privsep.h"

enum grantreq_result {
	GRANTREQ_REFUSED = -1, /* send nothing; why says what */
	GRANTREQ_OK = 0,       /* send m as it is */
	GRANTREQ_CUT = 1,      /* send m; its TTL was cut (why says from what) */
};

struct grantreq_in {
	int origin; /* ORIGIN_TOKEN or ORIGIN_SEQUENCE */
	int client; /* config client index, or -1 for a static sequence */
	int seq;    /* config static sequence index, or -1 */
	uint32_t doors;
	uint32_t ttl; /* as asked; 0 = each door's default */
	struct addr addr;
};

/* Fills m (a PS_GRANT) from in. Pure. */
int grantreq_make(const struct config *c, const struct grantreq_in *in, struct ps_msg *m, char *why,
		  size_t whylen) __attribute__((warn_unused_result));

#endif
