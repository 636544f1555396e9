/*
 * The jump walk of the ruleset probes (rswalk.h): breadth first, so that a backend reading a
 * chain over netlink finishes its dump before the next chain is asked for.
 */
#include "rswalk.h"

#include <stdio.h>
#include <string.h>

static int seen(const struct rswalk *w, const char *name)
{
	for (int i = 0; i < w->nq; i++)
		if (!strcmp(w->q[i].name, name))
			return 1;
	return 0;
}

static void queue(struct rswalk *w, const char *name, int depth)
{
	if (strlen(name) >= RSWALK_NAME || depth > RSWALK_DEPTH || w->nq == RSWALK_CHAINS) {
		w->truncated = 1;
		return;
	}
	if (seen(w, name))
		return; /* read already, or queued: a cycle or a shared chain */
	snprintf(w->q[w->nq].name, RSWALK_NAME, "%s", name);
	w->q[w->nq++].depth = depth;
}

void rswalk_rule(struct rswalk *w, unsigned what, const char *jump)
{
	if ((what & RSWALK_DROP) && !w->drops)
		snprintf(w->drop_chain, sizeof(w->drop_chain), "%s", w->q[w->cur].name);
	w->drops |= !!(what & RSWALK_DROP);
	w->established |= !!(what & RSWALK_ESTABLISHED);
	if (jump && jump[0])
		queue(w, jump, w->q[w->cur].depth + 1);
}

int rswalk_run(struct rswalk *w, const char *base, rswalk_read_fn read, void *ctx)
{
	memset(w, 0, sizeof(*w));
	queue(w, base, 0);
	for (w->cur = 0; w->cur < w->nq; w->cur++) /* w->nq grows as jumps are found */
		if (read(w, w->q[w->cur].name, ctx) < 0) {
			w->drops = 1;
			return -1;
		}
	if (w->truncated)
		w->drops = 1;
	return 0;
}
