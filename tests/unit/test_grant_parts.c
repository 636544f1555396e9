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
#include "config_load.h"
#include "grantsvc.h"
#include "privsep.h"
#include "fake_fw.h"
#include "log.h"
#include "tap.h"

static const char conf[] = "[door:ssh]\nports = 22\nttl = 30s\nmax_ttl = 1h\n"
			   "[door:out]\ndirection = out\nports = 443\nttl = 30s\nmax_ttl = 1h\n"
			   "[door:inner]\ndirection = forward\nto = 198.51.100.20\n"
			   "protocol = tcp\nports = 22\nttl = 30s\nmax_ttl = 1h\nnat_port = 2222\n";

enum { SSH = 1, OUT = 2, INNER = 4 };

static struct grant *by_id(struct grantsvc *d, uint32_t id)
{
	for (size_t i = 0; i < d->grants.n; i++)
		if (d->grants.v[i].id == id)
			return &d->grants.v[i];
	return NULL;
}

/* Every grant has its rules in every part, with its deadline; every rule has a grant. */
static int agree(struct grantsvc *d, const struct fake_fw *f)
{
	for (size_t i = 0; i < d->grants.n; i++)
		if (!fake_fw_whole(f, d->grants.v[i].id, d->grants.v[i].deadline))
			return 0;
	for (size_t i = 0; i < f->n; i++)
		if (!by_id(d, f->r[i].id))
			return 0;
	return f->misuse == 0;
}

static uint32_t knock(struct grantsvc *d, const char *ip, uint32_t doors, uint32_t ttl,
		      const struct grant_clock *now)
{
	struct grantsvc_req r = {
	    .doors = doors, .ttl = ttl, .exact = 1, .origin = ORIGIN_LOCAL, .who = "test"};
	char err[256];

	addr_parse(ip, &r.addr);
	return grantsvc_request(d, &r, now, err, sizeof(err));
}

static void advance(struct grant_clock *now, uint64_t ms)
{
	now->mono_ms += ms;
	now->wall_ms += (int64_t)ms;
}

static void flush(struct grantsvc *d, struct fake_fw *f)
{
	f->fail_part = 0;
	for (size_t i = 0; i < d->grants.n; i++)
		(void)grantsvc_revoke(d, d->grants.v[i].id, GRANT_FLUSHED);
	(void)grantsvc_commit(d, 0, NULL);
}

/* New grants: IPv6 fails after IPv4 was written; filter fails after nat was written. */
static void test_new(struct grantsvc *d, struct fake_fw *f, struct grant_clock *now)
{
	f->fail_part = FAKE_V6_FILTER + 1;
	knock(d, "192.0.2.10", SSH, 30, now);
	knock(d, "2001:db8::10", SSH, 30, now);
	ok(grantsvc_commit(d, 0, NULL) < 0,
	   "new: IPv6 fails after IPv4 was written: the commit fails");
	ok(d->grants.n == 0 && f->n == 0 && agree(d, f),
	   "... no grant listed and no IPv4 rule left behind (got %zu grant(s), %zu rule(s))",
	   d->grants.n, f->n);

	f->fail_part = FAKE_V6_FILTER + 1;
	knock(d, "0.0.0.0", OUT, 30, now);
	ok(grantsvc_commit(d, 0, NULL) < 0 && d->grants.n == 0 && f->n == 0 && agree(d, f),
	   "new out-door grant (both families): IPv6 fails, IPv4 undone (%zu rule(s))", f->n);

	f->fail_part = FAKE_V4_FILTER + 1;
	knock(d, "192.0.2.11", INNER, 30, now);
	ok(grantsvc_commit(d, 0, NULL) < 0 && d->grants.n == 0 && f->n == 0 && agree(d, f),
	   "new forward grant: filter fails after nat was written, nat undone (%zu rule(s))", f->n);

	knock(d, "192.0.2.11", INNER, 30, now);
	knock(d, "2001:db8::11", SSH, 30, now);
	ok(grantsvc_commit(d, 0, NULL) == 0 && d->grants.n == 2 && f->n == 2 && agree(d, f),
	   "... the same grants then go in whole");
	flush(d, f);
}

static void test_refresh(struct grantsvc *d, struct fake_fw *f, struct grant_clock *now)
{
	uint32_t a, b, c;
	int64_t da, dc;

	a = knock(d, "192.0.2.20", SSH, 30, now);
	b = knock(d, "2001:db8::20", SSH, 30, now);
	c = knock(d, "192.0.2.21", INNER, 30, now);
	ok(grantsvc_commit(d, 0, NULL) == 0 && d->grants.n == 3 && agree(d, f),
	   "refresh: three grants");
	da = by_id(d, a)->deadline;
	dc = by_id(d, c)->deadline;
	advance(now, 5000);

	f->fail_part = FAKE_V6_FILTER + 1;
	knock(d, "192.0.2.20", SSH, 30, now);
	knock(d, "2001:db8::20", SSH, 30, now);
	ok(grantsvc_commit(d, 0, NULL) < 0,
	   "refresh: IPv6 fails after IPv4 was written: the commit fails");
	ok(by_id(d, a) && by_id(d, a)->deadline == da && by_id(d, b) && agree(d, f),
	   "... the IPv4 grant keeps its old deadline, in every part too");

	f->fail_part = FAKE_V4_FILTER + 1;
	knock(d, "192.0.2.21", INNER, 30, now);
	ok(grantsvc_commit(d, 0, NULL) < 0,
	   "refresh: filter fails after nat was written: the commit fails");
	ok(by_id(d, c) && by_id(d, c)->deadline == dc && agree(d, f),
	   "... the forward grant's nat rule keeps its old deadline");
	flush(d, f);
}

static void test_delete(struct grantsvc *d, struct fake_fw *f, struct grant_clock *now)
{
	uint32_t a, b, c;

	a = knock(d, "192.0.2.30", SSH, 30, now);
	b = knock(d, "2001:db8::30", SSH, 30, now);
	c = knock(d, "192.0.2.31", INNER, 30, now);
	ok(grantsvc_commit(d, 0, NULL) == 0 && d->grants.n == 3 && agree(d, f),
	   "delete: three grants");

	f->fail_part = FAKE_V6_FILTER + 1;
	(void)grantsvc_revoke(d, a, GRANT_REVOKED);
	(void)grantsvc_revoke(d, b, GRANT_REVOKED);
	ok(grantsvc_commit(d, 0, NULL) < 0,
	   "delete: IPv6 fails after IPv4 was written: the commit fails");
	ok(by_id(d, a) && by_id(d, b) && agree(d, f),
	   "... both grants listed (revoking) and both still whole in the firewall");

	f->fail_part = FAKE_V4_FILTER + 1;
	(void)grantsvc_revoke(d, c, GRANT_REVOKED);
	ok(grantsvc_commit(d, 0, NULL) < 0,
	   "delete: filter fails after nat was written: the commit fails");
	ok(by_id(d, c) && agree(d, f), "... the forward grant listed and its nat rule back");

	ok(grantsvc_commit(d, 0, NULL) == 0 && d->grants.n == 0 && f->n == 0 && agree(d, f),
	   "the retried deletions then go through");
}

int main(void)
{
	static struct grantsvc d;
	struct config *cfg;
	struct fw fw;
	static struct fake_fw f;
	struct grant_clock now = {100000, 1700000000250};
	char err[256];

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
	test_new(&d, &f, &now);
	test_refresh(&d, &f, &now);
	test_delete(&d, &f, &now);
	grantsvc_free(&d);
	return tap_done();
}
