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

#include "clock.h"
#include "gate.h"
#include "log.h"

int daemon_gate_sync(struct daemon *d)
{
	struct gate_grant *v = calloc(d->svc.grants.n + 1, sizeof(*v));
	struct grant_clock now = grant_clock_now();
	size_t n = 0;
	char err[256];
	int r;

	if (!d->svc.fw[0].gate) {
		free(v);
		return 0;
	}
	if (!v) {
		log_err("gate: out of memory");
		return -1;
	}
	for (size_t i = 0; i < d->svc.grants.n; i++) {
		const struct grant *g = &d->svc.grants.v[i];

		if (g->ending)
			continue;
		v[n].id = g->id;
		v[n].door = &d->svc.cfg->doors[g->door];
		v[n].addr = g->addr;
		v[n++].deadline_ms = (g->deadline + 1) * 1000;
	}
	r = gate_sync(d->svc.fw[0].gate, d->svc.cfg, v, n, now.wall_ms, err, sizeof(err));
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
	uint64_t t0 = grant_clock_now().mono_ms;
	int r = daemon_gate_sync(d);
	uint64_t ms = grant_clock_now().mono_ms - t0;

	if (r < 0)
		return; /* said; dirty: tried again on the next turn of the loop */
	if ((int64_t)t0 - last_log < 1000) {
		quiet++;
		return;
	}
	last_log = (int64_t)t0;
	log_warn("gate: restored table inet %s and %zu live grant(s) in %" PRIu64
		 " ms%s%s (%" PRIu64 " earlier restore(s) not logged)",
		 GATE_TABLE, d->svc.grants.n - d->svc.grants.nending, ms,
		 who[0] ? " after a change by " : "", who, quiet);
	quiet = 0;
}

void daemon_gate_tick(struct daemon *d, int readable)
{
	char who[64] = "";

	if (!d->svc.fw[0].gate)
		return;
	if (readable && (gate_watch_read(d->svc.fw[0].gate, who, sizeof(who)) & GATE_HIT_HOST) &&
	    !strcmp(fw_name(&d->svc.fw[0]), "nftables") &&
	    d->svc.grants.n > d->svc.grants.nending) {
		d->svc.rewrite_due = 1; /* a ruleset reload may have taken our accepts */
		(void)grantsvc_commit(&d->svc, 0, NULL);
	}
	if (gate_dirty(d->svc.fw[0].gate))
		restore(d, who);
}
