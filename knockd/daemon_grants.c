/*
 * The grant service's admission, batch and commit (grantsvc.h). Changes are queued and
 * committed together, all or nothing across families, tables and targets (DESIGN §6,
 * fw.h): when a commit fails, the grants it created are taken back, its refreshes get
 * their previous deadline back, and its deletions are kept: an ending grant stays in the
 * table (knockctl lists it as revoking) until a commit deletes its rules, and every later
 * commit and expiry tick tries again. Grants are logged once the outcome is known. Across a
 * commit a grant is referred to by its id, never by pointer: taking one back moves others.
 */
#include "grantsvc.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "fw_parts.h"
#include "log.h"
#include "privsep.h" /* enum grant_origin */
#include "ttlrule.h"

enum pending_kind { PEND_NEW, PEND_REFRESH, PEND_REWRITE, PEND_DELETE };

const char *const grantsvc_origin_names[] = {"token", "sequence", "window", "local", "adopted"};
/* enum grant_ending, as logged (reason=) */
static const char *const ending_names[] = {"live", "revoked", "flushed", "expired", "door-removed"};

/* The caller has made room (npending < GRANTSVC_PENDING_MAX). */
static struct grantsvc_note *queue(struct grantsvc *s, int op, int kind, const struct grant *g)
{
	struct fw_change *ch = &s->pending[s->npending];
	struct grantsvc_note *note = &s->notes[s->npending++];

	memset(ch, 0, sizeof(*ch));
	ch->op = op;
	ch->fresh = kind == PEND_NEW;
	ch->rule.id = g->id;
	if (!(s->batch_has & (1u << g->door))) {
		s->batch_doors[g->door] = s->cfg->doors[g->door];
		s->batch_has |= 1u << g->door;
	}
	ch->rule.door = &s->batch_doors[g->door];
	ch->rule.addr = g->addr;
	ch->rule.deadline = g->deadline;
	ch->undo_deadline = g->deadline; /* a refresh: its caller sets the previous one */
	memset(note, 0, sizeof(*note));
	note->id = g->id;
	note->kind = (uint8_t)kind;
	return note;
}

static void log_grant(struct grantsvc *s, const struct grant *g, const struct grantsvc_note *n)
{
	char a[ADDR_STRLEN], ttl[16];

	if (n->quiet)
		return; /* an unauthenticated origin over its log rate */
	addr_format(&g->addr, a, sizeof(a));
	format_duration(n->ttl, ttl, sizeof(ttl));
	log_info("grant door=%s addr=%s ttl=%s id=%" PRIu32 " client=%s origin=%s%s",
		 s->cfg->doors[g->door].name, a, ttl, g->id, n->who,
		 grantsvc_origin_names[n->origin], n->kind == PEND_REFRESH ? " refresh=yes" : "");
}

/* A change the firewall now holds. */
static void committed(struct grantsvc *s, const struct grantsvc_note *n)
{
	struct grant *g = grants_get(&s->grants, n->id);
	char a[ADDR_STRLEN];

	if (!g)
		return;
	if (n->kind == PEND_NEW || n->kind == PEND_REFRESH)
		log_grant(s, g, n);
	if (n->kind != PEND_DELETE)
		return;
	addr_format(&g->addr, a, sizeof(a));
	log_info("revoke door=%s addr=%s id=%" PRIu32 " reason=%s", s->cfg->doors[g->door].name, a,
		 g->id, ending_names[g->ending]);
	(void)grants_remove(&s->grants, g->id, NULL);
}

/*
 * A change the firewall refused: the table goes back to what the kernel holds. unsure: the
 * backend could not undo what it had written of the commit, so a new grant may have rules:
 * it stays, as ending, until a commit deletes them; the others are written again.
 */
static void not_committed(struct grantsvc *s, const struct grantsvc_note *n, int unsure)
{
	struct grant *g = grants_get(&s->grants, n->id);
	char a[ADDR_STRLEN];

	if (n->id == s->watch)
		s->watch_ok = 0;
	if (n->kind == PEND_REWRITE || (unsure && n->kind != PEND_NEW))
		s->rewrite_due = 1; /* the kernel may lack its rules: write them all again */
	if (!g || (n->kind != PEND_NEW && n->kind != PEND_REFRESH))
		return; /* a deletion stays queued in the table: the grant is still ending */
	addr_format(&g->addr, a, sizeof(a));
	log_err("refuse reason=commit-failed door=%s addr=%s id=%" PRIu32 " client=%s%s",
		s->cfg->doors[g->door].name, a, g->id, n->who,
		n->kind == PEND_REFRESH ? " refresh=yes" : "");
	if (n->kind == PEND_NEW && unsure && !g->ending)
		grants_set_ending(&s->grants, g, GRANT_REVOKED);
	else if (n->kind == PEND_NEW && !unsure)
		(void)grants_remove(&s->grants, g->id, NULL);
	if (n->kind == PEND_NEW)
		return;
	g->deadline = n->prev_deadline;
	g->expires_ms = n->prev_expires_ms;
}

/* Each firewall target is one part of the commit: a later one failing undoes the earlier
 * (fw_parts.h). A target that could not undo its own parts makes the outcome unsure. */
static int write_target(void *st, int p, const struct fw_change *ch, size_t n, char *err,
			size_t errlen)
{
	struct grantsvc *s = st;
	int r = fw_commit(&s->fw[p], ch, n, err, errlen);

	s->unsure |= r == -2;
	return r < 0 ? -1 : 0;
}

/* 0; -1 nothing applied; -2 some of it may be applied (fw.h). */
static int commit_targets(struct grantsvc *s, size_t n, char *err, size_t errlen)
{
	const struct fw_parts targets = {.n = (int)s->nfw, .write = write_target};
	int r;

	s->unsure = 0;
	r = fw_parts_commit(&targets, s, s->pending, n, err, errlen);
	return r < 0 && s->unsure ? -2 : r;
}

/* Commits what is queued; the notes say what each change means for the table. */
static int commit_batch(struct grantsvc *s)
{
	size_t n = s->npending, dels = 0;
	struct grant_clock t0 = grant_clock_now();
	char err[512];
	int r;

	if (!n)
		return 0;
	r = commit_targets(s, n, err, sizeof(err));
	s->npending = 0;
	s->batch_has = 0;
	if (r == 0) {
		log_debug("commit: %zu change(s) in %" PRIu64 " ms", n,
			  grant_clock_now().mono_ms - t0.mono_ms);
		for (size_t i = 0; i < n; i++)
			committed(s, &s->notes[i]);
		return 0;
	}
	for (size_t i = 0; i < n; i++)
		dels += s->notes[i].kind == PEND_DELETE;
	log_err("firewall commit failed, %zu change(s) not applied (%zu deletion(s) kept, "
		"retried): %s",
		n, dels, err);
	for (size_t i = n; i-- > 0;) /* newest first: refreshes restore the oldest deadline */
		not_committed(s, &s->notes[i], r == -2);
	return -1;
}

/*
 * Queues the deletion of every ending grant, committing full batches on the way. The scan
 * runs backwards: a grant removed by a commit is replaced by the last one, already seen.
 */
static int queue_deletions(struct grantsvc *s)
{
	int ret = 0;

	for (size_t i = s->grants.n; i-- > 0;) {
		if (s->npending == GRANTSVC_PENDING_MAX && commit_batch(s) < 0)
			ret = -1;
		if (i < s->grants.n && s->grants.v[i].ending)
			(void)queue(s, FW_DEL, PEND_DELETE, &s->grants.v[i]);
	}
	return ret;
}

/* Our chains had vanished (a ruleset reload) and are back, or a rewrite failed: the live
 * grants' rules are written again. Rewrites take nothing out of the table. */
static int rewrite_all(struct grantsvc *s)
{
	int ret = 0;

	log_warn("firewall: writing the %zu live grant(s) again (knockd's chains had been "
		 "removed, by a ruleset reload?, or a rewrite had failed)",
		 s->grants.n - s->grants.nending);
	s->rewrite_due = 0;
	for (size_t i = 0; i < s->grants.n; i++) {
		if (s->grants.v[i].ending)
			continue;
		if (s->npending == GRANTSVC_PENDING_MAX && commit_batch(s) < 0)
			ret = -1;
		(void)queue(s, FW_ADD, PEND_REWRITE, &s->grants.v[i]);
	}
	return commit_batch(s) < 0 ? -1 : ret;
}

static int take_lost(struct grantsvc *s)
{
	int lost = 0;

	for (size_t i = 0; i < s->nfw; i++)
		lost |= fw_take_lost(&s->fw[i]);
	return lost;
}

static int commit_all(struct grantsvc *s)
{
	int ret = 0;

	if (s->grants.nending && queue_deletions(s) < 0)
		ret = -1;
	if (commit_batch(s) < 0)
		ret = -1;
	if ((take_lost(s) | s->rewrite_due) && rewrite_all(s) < 0)
		ret = -1;
	return ret;
}

int grantsvc_commit(struct grantsvc *s, uint32_t watch, int *ok)
{
	int ret;

	s->watch = watch;
	s->watch_ok = 1;
	ret = commit_all(s);
	if (ok)
		*ok = s->watch_ok;
	s->watch = 0;
	return ret;
}

/* The TTL rule, in one place: an exact request gets its TTL (a window: its time left; a
 * local one: refused above max_ttl), any other the door's default, or what it asked for
 * capped at max_ttl. */
uint32_t grantsvc_ttl(const struct door *door, const struct grantsvc_req *r)
{
	return r->exact && r->ttl ? r->ttl : ttlrule_door(door->ttl, door->max_ttl, r->ttl);
}

/* Whether this batch already changes grant id (so a refresh of it must go with it). */
static int in_batch(const struct grantsvc *s, uint32_t id)
{
	for (size_t i = 0; i < s->npending; i++)
		if (s->notes[i].id == id && s->notes[i].kind != PEND_DELETE)
			return 1;
	return 0;
}

/* Room in the table: the unauthenticated share, then the whole. 0, or -1 (err says why). */
static int admit(struct grantsvc *s, const struct door *door, const struct grantsvc_req *r,
		 const struct grant *g, char *err, size_t errlen)
{
	char a[ADDR_STRLEN];

	addr_format(&r->addr, a, sizeof(a));
	if (r->unauth && !g && s->grants.nunauth >= s->grants.cap / GRANTSVC_UNAUTH_SHARE) {
		if (!r->quiet) /* spoofable: the rest of the table stays for the others */
			log_err("refuse reason=unauthenticated-share-full door=%s addr=%s",
				door->name, a);
		snprintf(err, errlen, "the unauthenticated share of the grant table is full");
		return -1;
	}
	if (!g && s->grants.n >= s->grants.cap) {
		if (!r->quiet)
			log_err("refuse reason=grant-table-full door=%s addr=%s", door->name, a);
		snprintf(err, errlen, "the grant table is full (max_grants %u)",
			 s->cfg->max_grants);
		return -1;
	}
	return 0;
}

static uint32_t open_door(struct grantsvc *s, unsigned i, const struct grantsvc_req *r,
			  const struct grant_clock *now, char *err, size_t errlen)
{
	const struct door *door = &s->cfg->doors[i];
	struct grantsvc_note note = {.kind = PEND_REFRESH, .origin = (uint8_t)r->origin};
	struct grant *g = grants_find(&s->grants, i, &r->addr), before;
	int n;

	memset(&before, 0, sizeof(before));
	if (g)
		before = *g;
	note.ttl = grantsvc_ttl(door, r);
	note.quiet = (uint8_t)r->quiet;
	snprintf(note.who, sizeof(note.who), "%s", r->who);
	if (admit(s, door, r, g, err, errlen) < 0)
		return 0;
	n = grants_open(&s->grants, i, &r->addr, r->origin,
			r->ttl_ms ? r->ttl_ms : (uint64_t)note.ttl * 1000, now, &g);
	if (n < 0) {
		snprintf(err, errlen, "the grant table is full (max_grants %u)",
			 s->cfg->max_grants);
		return 0;
	}
	if (n == 1 && r->unauth)
		grants_mark_unauth(&s->grants, g);
	if (n == 0 && g->deadline == before.deadline && !in_batch(s, g->id)) {
		/* The deadline stays, but a ruleset reload may have taken the rule since (legacy
		 * xtables are not watched): it is written again, taking nothing out, so that a
		 * re-knock always ends with the grant in the kernel. */
		log_grant(s, g, &note);
		(void)queue(s, FW_ADD, PEND_REWRITE, g);
		return g->id;
	}
	note.kind = (uint8_t)(n ? PEND_NEW : PEND_REFRESH);
	note.id = g->id;
	note.prev_deadline = before.deadline;
	note.prev_expires_ms = before.expires_ms;
	*queue(s, FW_ADD, note.kind, g) = note;
	s->pending[s->npending - 1].undo_deadline = before.deadline;
	return g->id;
}

uint32_t grantsvc_request(struct grantsvc *s, const struct grantsvc_req *r,
			  const struct grant_clock *now, char *err, size_t errlen)
{
	uint32_t id = 0;

	snprintf(err, errlen, "no door to open");
	for (unsigned i = 0; i < s->cfg->ndoors; i++) {
		const struct door *door = &s->cfg->doors[i];
		uint32_t got;

		if (!(r->doors & (1u << i)))
			continue;
		if (r->exact && r->origin == ORIGIN_LOCAL && r->ttl > door->max_ttl) {
			snprintf(err, errlen, "ttl %us is above door %s's max_ttl (%us)", r->ttl,
				 door->name, door->max_ttl);
			continue;
		}
		if (s->npending == GRANTSVC_PENDING_MAX)
			(void)commit_all(s); /* before the table changes: no pointer held */
		got = open_door(s, i, r, now, err, errlen);
		id = got ? got : id;
	}
	return id;
}

int grantsvc_revoke(struct grantsvc *s, uint32_t id, int why)
{
	struct grant *g = grants_get(&s->grants, id);

	if (!g)
		return -1;
	if (!g->ending)
		grants_set_ending(&s->grants, g, why);
	return 0;
}

size_t grantsvc_revoke_all(struct grantsvc *s, int why)
{
	for (size_t i = 0; i < s->grants.n; i++)
		(void)grantsvc_revoke(s, s->grants.v[i].id, why);
	return s->grants.n;
}

/* Writes a live grant's rules again (its door's rules changed). */
void grantsvc_rewrite(struct grantsvc *s, uint32_t id)
{
	struct grant *g;

	if (s->npending == GRANTSVC_PENDING_MAX)
		(void)commit_all(s);
	g = grants_get(&s->grants, id);
	if (g && !g->ending)
		(void)queue(s, FW_ADD, PEND_REWRITE, g);
}

void grantsvc_expire(struct grantsvc *s, const struct grant_clock *now)
{
	(void)grants_expire(&s->grants, now->mono_ms);
	(void)commit_all(s);
}
