/*
 * The daemon's grant path (daemon_grants.c) against the fake firewall backend: open,
 * refresh, revoke and expire, each with commits that fail on demand (the first, every one,
 * only deletions). After any outcome the grant table and the firewall agree, and the log
 * tells what happened, not what was attempted.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "config_load.h"
#include "grantsvc.h"
#include "privsep.h"
#include "fake_fw.h"
#include "log.h"
#include "tap.h"

static const char conf[] = "[door:ssh]\nports = 22\nttl = 30s\nmax_ttl = 1h\n"
			   "[door:web]\nports = 80\nttl = 30s\nmax_ttl = 1h\n";

static FILE *logf_;

/* What was logged since the last call. */
static const char *logged(void)
{
	static char buf[1 << 16];
	size_t n;

	fflush(stderr);
	rewind(logf_);
	n = fread(buf, 1, sizeof(buf) - 1, logf_);
	buf[n] = '\0';
	if (ftruncate(fileno(logf_), 0) < 0)
		buf[0] = '\0';
	rewind(logf_);
	return buf;
}

static struct grant *by_id(struct grantsvc *d, uint32_t id)
{
	for (size_t i = 0; i < d->grants.n; i++)
		if (d->grants.v[i].id == id)
			return &d->grants.v[i];
	return NULL;
}

/* Every grant in the table has its rule with its kernel deadline; every rule a grant. */
static int agree(struct grantsvc *d, const struct fake_fw *f)
{
	for (size_t i = 0; i < d->grants.n; i++) {
		const struct fake_fw_rule *r = fake_fw_find(f, d->grants.v[i].id);

		if (!r || !fake_fw_whole(f, r->id, d->grants.v[i].deadline))
			return 0;
	}
	for (size_t i = 0; i < f->n; i++)
		if (!by_id(d, f->r[i].id))
			return 0;
	return f->misuse == 0;
}

static void knock(struct grantsvc *d, const char *ip, uint32_t doors, uint32_t ttl,
		  const struct grant_clock *now)
{
	struct grantsvc_req r = {
	    .doors = doors, .ttl = ttl, .exact = 1, .origin = ORIGIN_TOKEN, .who = "alice"};
	char err[256];

	addr_parse(ip, &r.addr);
	(void)grantsvc_request(d, &r, now, err, sizeof(err));
}

static uint32_t id_of(struct grantsvc *d, unsigned door, const char *ip)
{
	struct addr a;
	struct grant *g;

	addr_parse(ip, &a);
	g = grants_find(&d->grants, door, &a);
	return g ? g->id : 0;
}

static void advance(struct grant_clock *now, uint64_t ms)
{
	now->mono_ms += ms;
	now->wall_ms += (int64_t)ms;
}

/* Makes every live grant due, as the clock would. */
static void all_due(struct grantsvc *d)
{
	for (size_t i = 0; i < d->grants.n; i++)
		d->grants.v[i].expires_ms = 0;
}

static void test_open_refresh(struct grantsvc *d, struct fake_fw *f, struct grant_clock *now)
{
	struct grant *g;
	const char *log;
	int64_t deadline;
	uint32_t id;

	knock(d, "192.0.2.10", 1, 30, now);
	ok(grantsvc_commit(d, 0, NULL) == 0 && d->grants.n == 1 && f->n == 1 && agree(d, f),
	   "open: one grant, one rule");
	ok(strstr(logged(), "grant door=ssh addr=192.0.2.10") != NULL, "open: logged");

	f->fail = FAKE_FW_FIRST;
	knock(d, "192.0.2.11", 1, 30, now);
	ok(grantsvc_commit(d, 0, NULL) < 0, "open with a failing commit: the commit fails");
	ok(d->grants.n == 1 && !id_of(d, 0, "192.0.2.11") && agree(d, f),
	   "... the new grant is rolled back: table and firewall agree");
	ok(!strstr(logged(), "grant door=ssh addr=192.0.2.11"),
	   "... and no grant line was logged for it");

	id = id_of(d, 0, "192.0.2.10");
	g = by_id(d, id);
	deadline = g->deadline;
	advance(now, 10000);
	f->fail = FAKE_FW_FIRST;
	knock(d, "192.0.2.10", 1, 30, now);
	ok(grantsvc_commit(d, 0, NULL) < 0, "refresh with a failing commit: the commit fails");
	g = by_id(d, id);
	ok(g && g->deadline == deadline && agree(d, f),
	   "... the grant keeps its previous deadline, as its rule does");
	ok(g && g->expires_ms <= now->mono_ms + 20000 + 1000, "... and its previous expiry time");
	log = logged();
	ok(!strstr(log, "grant door=ssh addr=192.0.2.10"), "... and no refresh was logged");
	ok(strstr(log, "refuse reason=commit-failed door=ssh addr=192.0.2.10") != NULL,
	   "... but the refusal");
	knock(d, "192.0.2.10", 1, 30, now);
	g = by_id(d, id);
	ok(grantsvc_commit(d, 0, NULL) == 0 && g && g->deadline > deadline && agree(d, f),
	   "refresh with a good commit: the deadline moves, in the firewall too");
	ok(strstr(logged(), "refresh=yes") != NULL, "... logged as a refresh");
}

static void test_revoke(struct grantsvc *d, struct fake_fw *f, struct grant_clock *now)
{
	uint32_t id = id_of(d, 0, "192.0.2.10");

	f->fail = FAKE_FW_DELETES;
	ok(grantsvc_revoke(d, id, GRANT_REVOKED) == 0, "revoke: the grant is found");
	ok(grantsvc_commit(d, 0, NULL) < 0, "revoke with failing deletions: the commit fails");
	ok(by_id(d, id) && fake_fw_find(f, id) && agree(d, f),
	   "... the grant is kept (its rule still matches)");
	ok(by_id(d, id) && by_id(d, id)->ending == GRANT_REVOKED && d->grants.nending == 1,
	   "... as revoking (knockctl list says so)");
	ok(!id_of(d, 0, "192.0.2.10"), "... and no longer counts as the address's live grant");
	ok(!strstr(logged(), "revoke door=ssh"), "... and no revoke was logged");
	ok(grantsvc_revoke(d, id, GRANT_REVOKED) == 0, "... its id can be revoked again");
	(void)grantsvc_commit(d, 0, NULL);
	ok(by_id(d, id) && fake_fw_find(f, id), "... which fails again and keeps it again");
	(void)logged();

	f->fail = FAKE_FW_OK;
	knock(d, "192.0.2.20", 2, 30, now);
	ok(grantsvc_commit(d, 0, NULL) == 0, "the next commit (an open) succeeds");
	ok(!by_id(d, id) && !fake_fw_find(f, id) && id_of(d, 1, "192.0.2.20") && agree(d, f),
	   "... and carries the kept deletion: the rule and the grant are gone");
	ok(strstr(logged(), "revoke door=ssh addr=192.0.2.10") != NULL,
	   "... the revoke is logged once it is done");
}

static void test_expire(struct grantsvc *d, struct fake_fw *f, struct grant_clock *now)
{
	uint32_t id = id_of(d, 1, "192.0.2.20");

	f->fail = FAKE_FW_ALWAYS;
	all_due(d);
	grantsvc_expire(d, now);
	ok(by_id(d, id) && fake_fw_find(f, id) && agree(d, f),
	   "expiry with failing commits: the grant is kept while its rule is");
	ok(!strstr(logged(), "reason=expired"), "... and no expiry was logged");
	ok(by_id(d, id) && by_id(d, id)->ending == GRANT_EXPIRED &&
	       grants_next_timeout(&d->grants, now->mono_ms) == -1,
	   "... it is ending: no expiry timer of its own (the retry interval applies)");
	grantsvc_expire(d, now);
	ok(by_id(d, id) && fake_fw_find(f, id), "... still failing: still kept");
	f->fail = FAKE_FW_OK;
	(void)logged();
	grantsvc_expire(d, now);
	ok(!by_id(d, id) && !fake_fw_find(f, id) && d->grants.n == 0 && agree(d, f),
	   "the next expiry tick deletes it");
	ok(strstr(logged(), "reason=expired") != NULL, "... and logs it");
}

/* A new grant and its refresh in one batch that fails: both are taken back, nothing logged
 * as granted; a re-knock of a revoking grant opens a new one. */
static void test_same_batch(struct grantsvc *d, struct fake_fw *f, struct grant_clock *now)
{
	const char *log;
	uint32_t id = 0;

	f->fail = FAKE_FW_FIRST;
	knock(d, "192.0.2.50", 1, 30, now);
	knock(d, "192.0.2.50", 1, 30, now); /* same kernel second: still goes with its batch */
	knock(d, "192.0.2.50", 1, 60, now); /* a later kernel second */
	ok(grantsvc_commit(d, 0, NULL) < 0 && !id_of(d, 0, "192.0.2.50") && agree(d, f),
	   "open + refreshes in one failed batch: all taken back");
	log = logged();
	ok(!strstr(log, "grant door=ssh addr=192.0.2.50"), "... none logged as granted");
	knock(d, "192.0.2.50", 1, 30, now);
	ok(grantsvc_commit(d, 0, NULL) == 0 && (id = id_of(d, 0, "192.0.2.50")) && agree(d, f),
	   "the next knock opens it");
	f->fail = FAKE_FW_DELETES;
	(void)grantsvc_revoke(d, id, GRANT_REVOKED);
	(void)grantsvc_commit(d, 0, NULL);
	f->fail = FAKE_FW_OK;
	knock(d, "192.0.2.50", 1, 30, now);
	ok(id_of(d, 0, "192.0.2.50") && id_of(d, 0, "192.0.2.50") != id,
	   "a knock while its grant is revoking opens a new grant");
	ok(grantsvc_commit(d, 0, NULL) == 0 && !by_id(d, id) && id_of(d, 0, "192.0.2.50") &&
	       agree(d, f),
	   "... committed with the retried deletion of the old one");
	(void)grantsvc_revoke(d, id_of(d, 0, "192.0.2.50"), GRANT_REVOKED);
	ok(grantsvc_commit(d, 0, NULL) == 0 && d->grants.n == 0 && f->n == 0, "revoked");
	(void)logged();
}

/* A commit that had to create our chains again: every live grant is written again; a
 * rewrite that fails is retried by the next commit. */
static void test_lost_chains(struct grantsvc *d, struct fake_fw *f, struct grant_clock *now)
{
	knock(d, "192.0.2.30", 1, 30, now);
	knock(d, "192.0.2.31", 1, 30, now);
	ok(grantsvc_commit(d, 0, NULL) == 0 && f->n == 2 && agree(d, f), "two grants");
	f->lose = 1;
	knock(d, "192.0.2.32", 2, 30, now);
	ok(grantsvc_commit(d, 0, NULL) == 0 && f->n == 3 && d->grants.n == 3 && agree(d, f),
	   "chains lost and created again by a commit: all three grants are written again");
	f->lose = 1;
	f->fail_in = 2; /* the add goes through (and finds the chains gone), the rewrite fails */
	knock(d, "192.0.2.33", 2, 30, now);
	ok(grantsvc_commit(d, 0, NULL) < 0 && f->n == 1 && d->rewrite_due,
	   "the rewrite that follows fails: due again");
	ok(grantsvc_commit(d, 0, NULL) == 0 && f->n == 4 && !d->rewrite_due && agree(d, f),
	   "... and the next commit writes them all: table and firewall agree");
	for (size_t i = 0; i < d->grants.n; i++)
		(void)grantsvc_revoke(d, d->grants.v[i].id, GRANT_FLUSHED);
	ok(grantsvc_commit(d, 0, NULL) == 0 && d->grants.n == 0 && f->n == 0, "flushed");
	(void)logged();
}

/* More grants in one go than a commit holds: the full batch fails, the rest still agrees. */
static void test_burst(struct grantsvc *d, struct fake_fw *f, struct grant_clock *now)
{
	char ip[64];

	f->fail = FAKE_FW_FIRST;
	for (unsigned i = 0; i < GRANTSVC_PENDING_MAX + 5; i++) {
		snprintf(ip, sizeof(ip), "2001:db8::%x", i + 1);
		knock(d, ip, 1, 30, now);
	}
	(void)grantsvc_commit(d, 0, NULL);
	ok(d->grants.n == 5 && f->n == 5 && agree(d, f),
	   "a burst whose first batch fails: that batch rolled back, the rest granted");
	(void)logged();
}

int main(void)
{
	static struct grantsvc d;
	struct config *cfg;
	struct fw fw;
	static struct fake_fw f;
	struct grant_clock now = {100000, 1700000000250};
	char err[256];

	logf_ = tmpfile();
	if (!logf_ || dup2(fileno(logf_), 2) < 0)
		return 1;
	log_init("test", 1, 0);
	cfg = calloc(1, sizeof(*cfg));
	if (!cfg || config_parse(cfg, "test.conf", conf, strlen(conf), err, sizeof(err)) < 0) {
		printf("Bail out! setup: %s\n", err);
		return 1;
	}
	fake_fw_attach(&fw, &f);
	if (grantsvc_attach(&d, cfg, &fw) < 0) {
		printf("Bail out! setup: out of memory\n");
		return 1;
	}
	test_open_refresh(&d, &f, &now);
	test_revoke(&d, &f, &now);
	test_expire(&d, &f, &now);
	test_same_batch(&d, &f, &now);
	test_lost_chains(&d, &f, &now);
	test_burst(&d, &f, &now);
	grantsvc_free(&d);
	return tap_done();
}
