/*
 * The gate's out doors. An out door's grant names no address its packets carry (the host
 * itself opens connections), so the door's set NAME_p (type inet_service) holds the door's
 * ports while any of its grants lives, each with the latest of their deadlines; the gate
 * keeps the out doors' live grants here, by id, to compute it when one is added, refreshed
 * or ended. O(grants of that door) per change: out doors have few.
 */
#include "gate.h"
#include "gate_int.h"

#include <linux/netfilter/nf_tables.h>
#include <stdlib.h>
#include <string.h>

static struct gate_out *find(struct gate *g, uint32_t id)
{
	for (size_t i = 0; i < g->nout; i++)
		if (g->out[i].id == id)
			return &g->out[i];
	return NULL;
}

int gate_out_track(struct gate *g, const struct gate_grant *gg, int del)
{
	struct gate_out *o = find(g, gg->id);

	if (del) {
		if (o)
			*o = g->out[--g->nout];
		return 0;
	}
	if (!o) {
		if (g->nout == g->capout) {
			size_t cap = g->capout ? g->capout * 2 : 16;
			struct gate_out *n = realloc(g->out, cap * sizeof(*n));

			if (!n)
				return -1;
			g->out = n;
			g->capout = cap;
		}
		o = &g->out[g->nout++];
		o->id = gg->id;
	}
	memcpy(o->door, gg->door->name, sizeof(o->door));
	o->deadline_ms = gg->deadline_ms;
	return 0;
}

void gate_out_reset(struct gate *g)
{
	g->nout = 0;
}

int gate_out_emit(struct gate *g, struct mnl_nlmsg_batch *b, const struct door *d, int64_t now_ms,
		  int destroy)
{
	int64_t last = 0;

	for (size_t i = 0; i < g->nout; i++)
		if (!strcmp(g->out[i].door, d->name) && g->out[i].deadline_ms > last)
			last = g->out[i].deadline_ms;
	for (int p = 0; p < d->nports; p++) {
		if (destroy && gate_rules_port(b, &g->seq, d, p, GATE_MSG_DESTROYSETELEM, 0) < 0)
			return -1;
		if (last > now_ms &&
		    gate_rules_port(b, &g->seq, d, p, NFT_MSG_NEWSETELEM, last - now_ms) < 0)
			return -1;
	}
	return 0;
}
