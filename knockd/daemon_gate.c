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

/*
 * The host's tables changed (nftables backend): a ruleset reload may have taken our accepts.
 * A manager's reload is a burst of changes (ufw: a dozen iptables runs; with
 * MANAGE_BUILTINS=yes a flush of every chain, then `iptables -X`). Writing the accepts back
 * inside the burst would fight it: our jump, back between its -F and its -X, makes the -X
 * fail, and ufw gives up with its firewall half-loaded. The gate keeps the doors closed
 * meanwhile, so the accepts go back once the tables have been quiet for HOST_SETTLE_MS (or
 * HOST_SETTLE_MAX_MS after the first change of a burst that does not end).
 */
#define HOST_SETTLE_MS     40
#define HOST_SETTLE_MAX_MS 1000

static uint64_t settle_due(const struct daemon *d)
{
	uint64_t cap = d->host_settle.first_ms + HOST_SETTLE_MAX_MS;

	return d->host_settle.quiet_ms < cap ? d->host_settle.quiet_ms : cap;
}

int64_t daemon_gate_timeout(const struct daemon *d, uint64_t now_ms)
{
	if (!d->host_settle.first_ms)
		return -1;
	return settle_due(d) > now_ms ? (int64_t)(settle_due(d) - now_ms) : 0;
}

static void host_tick(struct daemon *d, int changed)
{
	uint64_t now = grant_clock_now().mono_ms;

	if (changed && !strcmp(fw_name(&d->svc.fw[0]), "nftables")) {
		if (!d->host_settle.first_ms)
			d->host_settle.first_ms = now ? now : 1;
		d->host_settle.quiet_ms = now + HOST_SETTLE_MS;
	}
	if (!d->host_settle.first_ms || now < settle_due(d))
		return;
	d->host_settle.first_ms = 0;
	if (d->svc.grants.n > d->svc.grants.nending) {
		d->svc.rewrite_due = 1;
		(void)grantsvc_commit(&d->svc, 0, NULL);
	}
}

void daemon_gate_tick(struct daemon *d, int readable)
{
	char who[64] = "";
	int hit = 0;

	if (!d->svc.fw[0].gate)
		return;
	if (readable)
		hit = gate_watch_read(d->svc.fw[0].gate, who, sizeof(who));
	host_tick(d, hit & GATE_HIT_HOST);
	if (gate_dirty(d->svc.fw[0].gate))
		restore(d, who);
}
