/*
 * All or nothing across families and tables (DESIGN §6): the fake backend writes a commit in
 * parts, as libiptc does (IPv4 nat, IPv4 filter, IPv6 nat, IPv6 filter), and one part fails
 * after the earlier ones were written. After each outcome the grant table and every part
 * agree: no rule the daemon does not list, no listed grant without its rules, no part
 * holding another deadline than the grant. Covers new grants, refreshes and deletions.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "daemon.h"
#include "fake_fw.h"
#include "log.h"
#include "tap.h"

static const char conf[] = "[door:ssh]\nports = 22\nttl = 30s\nmax_ttl = 1h\n"
			   "[door:out]\ndirection = out\nports = 443\nttl = 30s\nmax_ttl = 1h\n"
			   "[door:inner]\ndirection = forward\nto = 198.51.100.20\n"
			   "protocol = tcp\nports = 22\nttl = 30s\nmax_ttl = 1h\nnat_port = 2222\n";

enum { SSH = 1, OUT = 2, INNER = 4 };

static struct grant *by_id(struct daemon *d, uint32_t id)
{
	for (size_t i = 0; i < d->grants.n; i++)
		if (d->grants.v[i].id == id)
			return &d->grants.v[i];
	return NULL;
}

/* Every grant has its rules in every part, with its deadline; every rule has a grant. */
static int agree(struct daemon *d, const struct fake_fw *f)
{
	for (size_t i = 0; i < d->grants.n; i++)
		if (!fake_fw_whole(f, d->grants.v[i].id, d->grants.v[i].deadline))
			return 0;
	for (size_t i = 0; i < f->n; i++)
		if (!by_id(d, f->r[i].id))
			return 0;
	return f->misuse == 0;
}

static uint32_t knock(struct daemon *d, const char *ip, uint32_t doors, uint32_t ttl,
		      const struct grant_clock *now)
{
	struct grant_req r = {
	    .doors = doors, .ttl = ttl, .exact = 1, .origin = ORIGIN_LOCAL, .who = "test"};

	addr_parse(ip, &r.addr);
	return daemon_open(d, &r, now);
}

static void advance(struct grant_clock *now, uint64_t ms)
{
	now->mono_ms += ms;
	now->wall_ms += (int64_t)ms;
}

static void flush(struct daemon *d, struct fake_fw *f)
{
	f->fail_part = 0;
	for (size_t i = 0; i < d->grants.n; i++)
		(void)daemon_revoke(d, d->grants.v[i].id, GRANT_FLUSHED);
	(void)daemon_commit(d);
}

/* New grants: IPv6 fails after IPv4 was written; filter fails after nat was written. */
static void test_new(struct daemon *d, struct fake_fw *f, struct grant_clock *now)
{
	f->fail_part = FAKE_V6_FILTER + 1;
	knock(d, "192.0.2.10", SSH, 30, now);
	knock(d, "2001:db8::10", SSH, 30, now);
	ok(daemon_commit(d) < 0, "new: IPv6 fails after IPv4 was written: the commit fails");
	ok(d->grants.n == 0 && f->n == 0 && agree(d, f),
	   "... no grant listed and no IPv4 rule left behind (got %zu grant(s), %zu rule(s))",
	   d->grants.n, f->n);

	f->fail_part = FAKE_V6_FILTER + 1;
	knock(d, "0.0.0.0", OUT, 30, now);
	ok(daemon_commit(d) < 0 && d->grants.n == 0 && f->n == 0 && agree(d, f),
	   "new out-door grant (both families): IPv6 fails, IPv4 undone (%zu rule(s))", f->n);

	f->fail_part = FAKE_V4_FILTER + 1;
	knock(d, "192.0.2.11", INNER, 30, now);
	ok(daemon_commit(d) < 0 && d->grants.n == 0 && f->n == 0 && agree(d, f),
	   "new forward grant: filter fails after nat was written, nat undone (%zu rule(s))", f->n);

	knock(d, "192.0.2.11", INNER, 30, now);
	knock(d, "2001:db8::11", SSH, 30, now);
	ok(daemon_commit(d) == 0 && d->grants.n == 2 && f->n == 2 && agree(d, f),
	   "... the same grants then go in whole");
	flush(d, f);
}

static void test_refresh(struct daemon *d, struct fake_fw *f, struct grant_clock *now)
{
	uint32_t a, b, c;
	int64_t da, dc;

	a = knock(d, "192.0.2.20", SSH, 30, now);
	b = knock(d, "2001:db8::20", SSH, 30, now);
	c = knock(d, "192.0.2.21", INNER, 30, now);
	ok(daemon_commit(d) == 0 && d->grants.n == 3 && agree(d, f), "refresh: three grants");
	da = by_id(d, a)->deadline;
	dc = by_id(d, c)->deadline;
	advance(now, 5000);

	f->fail_part = FAKE_V6_FILTER + 1;
	knock(d, "192.0.2.20", SSH, 30, now);
	knock(d, "2001:db8::20", SSH, 30, now);
	ok(daemon_commit(d) < 0, "refresh: IPv6 fails after IPv4 was written: the commit fails");
	ok(by_id(d, a) && by_id(d, a)->deadline == da && by_id(d, b) && agree(d, f),
	   "... the IPv4 grant keeps its old deadline, in every part too");

	f->fail_part = FAKE_V4_FILTER + 1;
	knock(d, "192.0.2.21", INNER, 30, now);
	ok(daemon_commit(d) < 0, "refresh: filter fails after nat was written: the commit fails");
	ok(by_id(d, c) && by_id(d, c)->deadline == dc && agree(d, f),
	   "... the forward grant's nat rule keeps its old deadline");
	flush(d, f);
}

static void test_delete(struct daemon *d, struct fake_fw *f, struct grant_clock *now)
{
	uint32_t a, b, c;

	a = knock(d, "192.0.2.30", SSH, 30, now);
	b = knock(d, "2001:db8::30", SSH, 30, now);
	c = knock(d, "192.0.2.31", INNER, 30, now);
	ok(daemon_commit(d) == 0 && d->grants.n == 3 && agree(d, f), "delete: three grants");

	f->fail_part = FAKE_V6_FILTER + 1;
	(void)daemon_revoke(d, a, GRANT_REVOKED);
	(void)daemon_revoke(d, b, GRANT_REVOKED);
	ok(daemon_commit(d) < 0, "delete: IPv6 fails after IPv4 was written: the commit fails");
	ok(by_id(d, a) && by_id(d, b) && agree(d, f),
	   "... both grants listed (revoking) and both still whole in the firewall");

	f->fail_part = FAKE_V4_FILTER + 1;
	(void)daemon_revoke(d, c, GRANT_REVOKED);
	ok(daemon_commit(d) < 0, "delete: filter fails after nat was written: the commit fails");
	ok(by_id(d, c) && agree(d, f), "... the forward grant listed and its nat rule back");

	ok(daemon_commit(d) == 0 && d->grants.n == 0 && f->n == 0 && agree(d, f),
	   "the retried deletions then go through");
}

int main(void)
{
	static struct daemon d;
	static struct fake_fw f;
	struct grant_clock now = {100000, 1700000000250};
	char err[256];

	log_init("test", 1, 0);
	d.cfg = calloc(1, sizeof(*d.cfg));
	if (!d.cfg || config_parse(d.cfg, "test.conf", conf, strlen(conf), err, sizeof(err)) < 0 ||
	    grants_init(&d.grants, 64) < 0) {
		printf("Bail out! setup: %s\n", err);
		return 1;
	}
	d.chan = d.control_fd = d.serving_fd = d.sigfd = d.stage.replay_fd = -1;
	fake_fw_attach(&d.fw, &f);
	test_new(&d, &f, &now);
	test_refresh(&d, &f, &now);
	test_delete(&d, &f, &now);
	grants_free(&d.grants);
	config_free(d.cfg);
	free(d.cfg);
	return tap_done();
}
