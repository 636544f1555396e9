/*
 * Grant operations shared by every way in: tokens, sequences, knockctl and windows. Changes
 * are queued and committed together; a failed commit takes back the grants it created.
 */
#include "daemon.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "log.h"

#define EXPIRE_BATCH PENDING_MAX /* grants expiring together: one commit */

const char *const daemon_origin_names[] = {"token", "sequence", "window", "local", "adopted"};

static void queue(struct daemon *d, int op, const struct grant *g, int is_new)
{
	struct fw_change *ch;

	if (d->npending == PENDING_MAX)
		(void)daemon_commit(d);
	ch = &d->pending[d->npending];
	ch->op = op;
	ch->fresh = is_new;
	ch->rule.id = g->id;
	ch->rule.door = &d->cfg->doors[g->door];
	ch->rule.addr = g->addr;
	ch->rule.deadline = g->deadline;
	d->pending_new[d->npending++] = is_new ? g->id : 0;
}

/* Our chains had vanished (a ruleset reload) and are back: so must the live grants be. */
static int rewrite_all(struct daemon *d)
{
	log_warn("firewall: knockd's chains had been removed (a ruleset reload?) and "
		 "are back; writing the %zu live grant(s) again",
		 d->grants.n);
	for (size_t i = 0; i < d->grants.n; i++)
		daemon_rewrite(d, &d->grants.v[i]);
	return daemon_commit(d);
}

int daemon_commit(struct daemon *d)
{
	char err[256];
	struct grant gone;
	uint64_t t0;

	if (!d->npending)
		return 0;
	t0 = daemon_clock().mono_ms;
	if (fw_commit(&d->fw, d->pending, d->npending, err, sizeof(err)) == 0) {
		log_debug("commit: %zu change(s) in %" PRIu64 " ms", d->npending,
			  daemon_clock().mono_ms - t0);
		d->npending = 0;
		return fw_take_lost(&d->fw) ? rewrite_all(d) : 0;
	}
	log_err("firewall commit failed, %zu change(s) not applied: %s", d->npending, err);
	for (size_t i = 0; i < d->npending; i++)
		if (d->pending_new[i])
			(void)grants_remove(&d->grants, d->pending_new[i], &gone);
	d->npending = 0;
	return -1;
}

static uint32_t door_ttl(const struct door *door, const struct grant_req *r)
{
	return r->exact && r->ttl ? r->ttl : verify_door_ttl(door, r->ttl);
}

void daemon_open(struct daemon *d, const struct grant_req *r, const struct grant_clock *now)
{
	char a[ADDR_STRLEN], ttlbuf[16];

	addr_format(&r->addr, a, sizeof(a));
	for (unsigned i = 0; i < d->cfg->ndoors; i++) {
		const struct door *door = &d->cfg->doors[i];
		uint32_t ttl = door_ttl(door, r);
		struct grant *g;
		int64_t before;
		int n;

		if (!(r->doors & (1u << i)))
			continue;
		g = grants_find(&d->grants, i, &r->addr);
		before = g ? g->deadline : 0;
		if (r->unauth && !g && d->grants.nunauth >= d->grants.cap / UNAUTH_SHARE) {
			if (!r->quiet) /* spoofable: the rest of the table stays for the others */
				log_err("refuse reason=unauthenticated-share-full door=%s addr=%s",
					door->name, a);
			continue;
		}
		n = grants_open(&d->grants, i, &r->addr, r->origin, ttl, now, &g);
		if (n < 0) {
			if (!r->quiet)
				log_err("refuse reason=grant-table-full door=%s addr=%s",
					door->name, a);
			continue;
		}
		if (n == 1 && r->unauth)
			grants_mark_unauth(&d->grants, g);
		format_duration(ttl, ttlbuf, sizeof(ttlbuf));
		if (!r->quiet)
			log_info("grant door=%s addr=%s ttl=%s id=%" PRIu32
				 " client=%s origin=%s%s",
				 door->name, a, ttlbuf, g->id, r->who,
				 daemon_origin_names[r->origin], n ? "" : " refresh=yes");
		if (n == 1 || g->deadline != before)
			queue(d, FW_ADD, g, n == 1);
	}
}

static void revoked(struct daemon *d, const struct grant *g, const char *reason)
{
	char a[ADDR_STRLEN];

	addr_format(&g->addr, a, sizeof(a));
	log_info("revoke door=%s addr=%s id=%" PRIu32 " reason=%s", d->cfg->doors[g->door].name, a,
		 g->id, reason);
	queue(d, FW_DEL, g, 0);
}

void daemon_rewrite(struct daemon *d, const struct grant *g)
{
	queue(d, FW_ADD, g, 0);
}

int daemon_revoke(struct daemon *d, uint32_t id, const char *reason)
{
	struct grant g;

	if (grants_remove(&d->grants, id, &g) < 0)
		return -1;
	revoked(d, &g, reason);
	return 0;
}

void daemon_expire(struct daemon *d)
{
	struct grant_clock now = daemon_clock();
	struct grant gone[EXPIRE_BATCH];
	size_t n;

	do {
		n = grants_take_expired(&d->grants, now.mono_ms, gone, EXPIRE_BATCH);
		for (size_t i = 0; i < n; i++)
			revoked(d, &gone[i], "expired");
		(void)daemon_commit(d);
	} while (n == EXPIRE_BATCH);
}
