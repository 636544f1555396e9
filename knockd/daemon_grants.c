/*
 * Grant operations shared by every way in: tokens, sequences, knockctl and windows. Changes
 * are queued and committed together, all or nothing (DESIGN §6, fw.h): when a commit fails, the
 * grants it created are taken back, its refreshes get their previous deadline back, and its
 * deletions are kept: an ending grant stays in the table (knockctl lists it as revoking)
 * until a commit deletes its rules, and every later commit and expiry tick tries again.
 * Grants are logged once the outcome is known. Across a commit a grant is referred to by
 * its id, never by pointer: taking one back moves others in the table.
 */
#include "daemon.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "log.h"

enum pending_kind { PEND_NEW, PEND_REFRESH, PEND_REWRITE, PEND_DELETE };

const char *const daemon_origin_names[] = {"token", "sequence", "window", "local", "adopted"};
/* enum grant_ending, as logged (reason=) */
static const char *const ending_names[] = {"live", "revoked", "flushed", "expired", "door-removed"};

/* The caller has made room (npending < PENDING_MAX). */
static struct pending_note *queue(struct daemon *d, int op, int kind, const struct grant *g)
{
	struct fw_change *ch = &d->pending[d->npending];
	struct pending_note *note = &d->notes[d->npending++];

	memset(ch, 0, sizeof(*ch));
	ch->op = op;
	ch->fresh = kind == PEND_NEW;
	ch->rule.id = g->id;
	ch->rule.door = &d->cfg->doors[g->door];
	ch->rule.addr = g->addr;
	ch->rule.deadline = g->deadline;
	ch->undo_deadline = g->deadline; /* a refresh: its caller sets the previous one */
	memset(note, 0, sizeof(*note));
	note->id = g->id;
	note->kind = (uint8_t)kind;
	return note;
}

static void log_grant(struct daemon *d, const struct grant *g, const struct pending_note *n)
{
	char a[ADDR_STRLEN], ttl[16];

	if (n->quiet)
		return; /* an unauthenticated origin over its log rate */
	addr_format(&g->addr, a, sizeof(a));
	format_duration(n->ttl, ttl, sizeof(ttl));
	log_info("grant door=%s addr=%s ttl=%s id=%" PRIu32 " client=%s origin=%s%s",
		 d->cfg->doors[g->door].name, a, ttl, g->id, n->who, daemon_origin_names[n->origin],
		 n->kind == PEND_REFRESH ? " refresh=yes" : "");
}

/* A change the firewall now holds. */
static void committed(struct daemon *d, const struct pending_note *n)
{
	struct grant *g = grants_get(&d->grants, n->id);
	char a[ADDR_STRLEN];

	if (!g)
		return;
	if (n->kind == PEND_NEW || n->kind == PEND_REFRESH)
		log_grant(d, g, n);
	if (n->kind != PEND_DELETE)
		return;
	addr_format(&g->addr, a, sizeof(a));
	log_info("revoke door=%s addr=%s id=%" PRIu32 " reason=%s", d->cfg->doors[g->door].name, a,
		 g->id, ending_names[g->ending]);
	(void)grants_remove(&d->grants, g->id, NULL);
}

/*
 * A change the firewall refused: the table goes back to what the kernel holds. unsure: the
 * backend could not undo what it had written of the commit, so a new grant may have rules:
 * it stays, as ending, until a commit deletes them; refreshed grants are written again.
 */
static void not_committed(struct daemon *d, const struct pending_note *n, int unsure)
{
	struct grant *g = grants_get(&d->grants, n->id);
	char a[ADDR_STRLEN];

	if (n->kind == PEND_REWRITE || (unsure && n->kind == PEND_REFRESH))
		d->rewrite_due = 1; /* the kernel may lack its rules: write them all again */
	if (!g || (n->kind != PEND_NEW && n->kind != PEND_REFRESH))
		return; /* a deletion stays queued in the table: the grant is still ending */
	addr_format(&g->addr, a, sizeof(a));
	log_err("refuse reason=commit-failed door=%s addr=%s id=%" PRIu32 " client=%s%s",
		d->cfg->doors[g->door].name, a, g->id, n->who,
		n->kind == PEND_REFRESH ? " refresh=yes" : "");
	if (n->kind == PEND_NEW && unsure && !g->ending)
		grants_set_ending(&d->grants, g, GRANT_REVOKED);
	else if (n->kind == PEND_NEW && !unsure)
		(void)grants_remove(&d->grants, g->id, NULL);
	if (n->kind == PEND_NEW)
		return;
	g->deadline = n->prev_deadline;
	g->expires_ms = n->prev_expires_ms;
}

/* Commits what is queued; the notes say what each change means for the table. */
static int commit_batch(struct daemon *d)
{
	size_t n = d->npending, dels = 0;
	uint64_t t0 = daemon_clock().mono_ms;
	char err[512];
	int r;

	d->npending = 0;
	if (!n)
		return 0;
	r = fw_commit(&d->fw, d->pending, n, err, sizeof(err));
	if (r == 0) {
		log_debug("commit: %zu change(s) in %" PRIu64 " ms", n,
			  daemon_clock().mono_ms - t0);
		for (size_t i = 0; i < n; i++)
			committed(d, &d->notes[i]);
		return 0;
	}
	for (size_t i = 0; i < n; i++)
		dels += d->notes[i].kind == PEND_DELETE;
	log_err("firewall commit failed, %zu change(s) not applied (%zu deletion(s) kept, "
		"retried): %s",
		n, dels, err);
	for (size_t i = n; i-- > 0;) /* newest first: refreshes restore the oldest deadline */
		not_committed(d, &d->notes[i], r == -2);
	return -1;
}

/*
 * Queues the deletion of every ending grant, committing full batches on the way. The scan
 * runs backwards: a grant removed by a commit is replaced by the last one, already seen.
 */
static int queue_deletions(struct daemon *d)
{
	int ret = 0;

	for (size_t i = d->grants.n; i-- > 0;) {
		if (d->npending == PENDING_MAX && commit_batch(d) < 0)
			ret = -1;
		if (i < d->grants.n && d->grants.v[i].ending)
			(void)queue(d, FW_DEL, PEND_DELETE, &d->grants.v[i]);
	}
	return ret;
}

/* Our chains had vanished (a ruleset reload) and are back, or a rewrite failed: the live
 * grants' rules are written again. Rewrites take nothing out of the table. */
static int rewrite_all(struct daemon *d)
{
	int ret = 0;

	log_warn("firewall: writing the %zu live grant(s) again (knockd's chains had been "
		 "removed, by a ruleset reload?, or a rewrite had failed)",
		 d->grants.n - d->grants.nending);
	d->rewrite_due = 0;
	for (size_t i = 0; i < d->grants.n; i++) {
		if (d->grants.v[i].ending)
			continue;
		if (d->npending == PENDING_MAX && commit_batch(d) < 0)
			ret = -1;
		(void)queue(d, FW_ADD, PEND_REWRITE, &d->grants.v[i]);
	}
	return commit_batch(d) < 0 ? -1 : ret;
}

int daemon_commit(struct daemon *d)
{
	int ret = 0;

	if (d->grants.nending && queue_deletions(d) < 0)
		ret = -1;
	if (commit_batch(d) < 0)
		ret = -1;
	if ((fw_take_lost(&d->fw) | d->rewrite_due) && rewrite_all(d) < 0)
		ret = -1;
	return ret;
}

static uint32_t door_ttl(const struct door *door, const struct grant_req *r)
{
	return r->exact && r->ttl ? r->ttl : verify_door_ttl(door, r->ttl);
}

/* Whether this batch already changes grant id (so a refresh of it must go with it). */
static int in_batch(const struct daemon *d, uint32_t id)
{
	for (size_t i = 0; i < d->npending; i++)
		if (d->notes[i].id == id && d->notes[i].kind != PEND_DELETE)
			return 1;
	return 0;
}

static uint32_t open_door(struct daemon *d, unsigned i, const struct grant_req *r,
			  const struct grant_clock *now)
{
	const struct door *door = &d->cfg->doors[i];
	struct pending_note note = {.kind = PEND_REFRESH, .origin = (uint8_t)r->origin};
	struct grant *g = grants_find(&d->grants, i, &r->addr), before;
	char a[ADDR_STRLEN];
	int n;

	memset(&before, 0, sizeof(before));
	if (g)
		before = *g;
	note.ttl = door_ttl(door, r);
	note.quiet = (uint8_t)r->quiet;
	snprintf(note.who, sizeof(note.who), "%s", r->who);
	addr_format(&r->addr, a, sizeof(a));
	if (r->unauth && !g && d->grants.nunauth >= d->grants.cap / UNAUTH_SHARE) {
		if (!r->quiet) /* spoofable: the rest of the table stays for the others */
			log_err("refuse reason=unauthenticated-share-full door=%s addr=%s",
				door->name, a);
		return 0;
	}
	n = grants_open(&d->grants, i, &r->addr, r->origin,
			r->ttl_ms ? r->ttl_ms : (uint64_t)note.ttl * 1000, now, &g);
	if (n < 0) {
		if (!r->quiet)
			log_err("refuse reason=grant-table-full door=%s addr=%s", door->name, a);
		return 0;
	}
	if (n == 1 && r->unauth)
		grants_mark_unauth(&d->grants, g);
	if (n == 0 && g->deadline == before.deadline && !in_batch(d, g->id)) {
		log_grant(d, g, &note); /* the kernel rule stays as it is: nothing to commit */
		return g->id;
	}
	note.kind = (uint8_t)(n ? PEND_NEW : PEND_REFRESH);
	note.id = g->id;
	note.prev_deadline = before.deadline;
	note.prev_expires_ms = before.expires_ms;
	*queue(d, FW_ADD, note.kind, g) = note;
	d->pending[d->npending - 1].undo_deadline = before.deadline;
	return g->id;
}

uint32_t daemon_open(struct daemon *d, const struct grant_req *r, const struct grant_clock *now)
{
	uint32_t id = 0;

	for (unsigned i = 0; i < d->cfg->ndoors; i++) {
		if (!(r->doors & (1u << i)))
			continue;
		uint32_t got;

		if (d->npending == PENDING_MAX)
			(void)daemon_commit(d); /* before the table changes: no pointer held */
		got = open_door(d, i, r, now);

		id = got ? got : id;
	}
	return id;
}

void daemon_rewrite(struct daemon *d, uint32_t id)
{
	struct grant *g;

	if (d->npending == PENDING_MAX)
		(void)daemon_commit(d);
	g = grants_get(&d->grants, id);
	if (g && !g->ending)
		(void)queue(d, FW_ADD, PEND_REWRITE, g);
}

int daemon_revoke(struct daemon *d, uint32_t id, int why)
{
	struct grant *g = grants_get(&d->grants, id);

	if (!g)
		return -1;
	if (!g->ending)
		grants_set_ending(&d->grants, g, why);
	return 0;
}

void daemon_expire(struct daemon *d)
{
	(void)grants_expire(&d->grants, daemon_clock().mono_ms);
	(void)daemon_commit(d);
}
