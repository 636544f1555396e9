/*
 * The daemon's side of the gate (gate.h): writing it whole from the grant table (at start,
 * after a reload, when a grant change failed) and restoring it when the watch sees another
 * process remove or flush part of it. Restores are logged at most once a second.
 */
#include "daemon.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gate.h"
#include "log.h"

int daemon_gate_sync(struct daemon *d)
{
	struct gate_grant *v = calloc(d->grants.n + 1, sizeof(*v));
	struct grant_clock now = daemon_clock();
	size_t n = 0;
	char err[256];
	int r;

	if (!d->fw.gate) {
		free(v);
		return 0;
	}
	if (!v) {
		log_err("gate: out of memory");
		return -1;
	}
	for (size_t i = 0; i < d->grants.n; i++) {
		const struct grant *g = &d->grants.v[i];

		if (g->ending)
			continue;
		v[n].id = g->id;
		v[n].door = &d->cfg->doors[g->door];
		v[n].addr = g->addr;
		v[n++].deadline_ms = (g->deadline + 1) * 1000;
	}
	r = gate_sync(d->fw.gate, d->cfg, v, n, now.wall_ms, err, sizeof(err));
	free(v);
	if (r < 0)
		log_err("%s", err);
	return r;
}

/* After a watch event or a failed change: the gate again, with every live grant. */
static void restore(struct daemon *d, const char *who)
{
	static int64_t last_log;
	static uint64_t quiet;
	uint64_t t0 = daemon_clock().mono_ms;
	int r = daemon_gate_sync(d);
	uint64_t ms = daemon_clock().mono_ms - t0;

	if (r < 0)
		return; /* said; dirty: tried again on the next turn of the loop */
	if ((int64_t)t0 - last_log < 1000) {
		quiet++;
		return;
	}
	last_log = (int64_t)t0;
	log_warn("gate: restored table inet %s and %zu live grant(s) in %" PRIu64
		 " ms%s%s (%" PRIu64 " earlier restore(s) not logged)",
		 GATE_TABLE, d->grants.n - d->grants.nending, ms,
		 who[0] ? " after a change by " : "", who, quiet);
	quiet = 0;
}

void daemon_gate_tick(struct daemon *d, int readable)
{
	char who[64] = "";

	if (!d->fw.gate)
		return;
	if (readable && (gate_watch_read(d->fw.gate, who, sizeof(who)) & GATE_HIT_HOST) &&
	    !strcmp(fw_name(&d->fw), "nftables") && d->grants.n > d->grants.nending) {
		d->rewrite_due = 1; /* a ruleset reload may have taken our accepts */
		(void)daemon_commit(d);
	}
	if (gate_dirty(d->fw.gate))
		restore(d, who);
}
