/* Grant table: open, refresh without duplicates, expiry on the millisecond (the kernel
 * deadline rounded up to its second), batching of expiries a few ms apart, adoption with
 * second precision, ending grants. */
#include <string.h>

#include "grants.h"
#include "privsep.h"
#include "tap.h"

/* Ends what is due, then takes the ending grants out, as a successful commit does. */
static size_t take_expired(struct grants *g, uint64_t now_ms, struct grant *out)
{
	size_t n = grants_expire(g, now_ms), k = 0;

	for (size_t i = g->n; i-- > 0;)
		if (g->v[i].ending == GRANT_EXPIRED)
			(void)grants_remove(g, g->v[i].id, &out[k++]);
	return n == k && g->nending == 0 ? n : (size_t)-1;
}

static void test_open_expire(void)
{
	struct grants g;
	struct grant *a, *b, out[8];
	/* 0.250 s into wall second 1700000000 */
	struct grant_clock now = {100000, 1700000000250};
	struct addr x, y;
	int r;

	if (grants_init(&g, 3) < 0)
		return;
	addr_parse("192.0.2.10", &x);
	addr_parse("2001:db8::10", &y);
	ok(grants_next_timeout(&g, now.mono_ms) == -1, "no grants: no timeout (poll sleeps)");
	r = grants_open(&g, 0, &x, ORIGIN_TOKEN, 30000, &now, &a);
	ok(r == 1 && a->id == 1 && a->expires_ms == now.mono_ms + 30000,
	   "new grant id 1, expires 30 s after the knock, to the millisecond");
	ok(a->deadline == 1700000030,
	   "the kernel deadline is that instant rounded up: matching ends with second ...030");
	ok(grants_next_timeout(&g, now.mono_ms) == 30000, "the timer is the TTL (30000 ms)");
	now.mono_ms += 10000;
	now.wall_ms += 10000;
	r = grants_open(&g, 0, &x, ORIGIN_TOKEN, 30000, &now, &b);
	ok(r == 0 && b == a && g.n == 1, "re-knock refreshes, no second grant");
	ok(a->deadline == 1700000040 && a->expires_ms == now.mono_ms + 30000,
	   "refresh moves the deadline");
	r = grants_open(&g, 0, &x, ORIGIN_TOKEN, 5000, &now, &b);
	ok(r == 0 && a->deadline == 1700000040 && a->expires_ms == now.mono_ms + 30000,
	   "a shorter re-knock never shortens");
	ok(grants_open(&g, 0, &y, ORIGIN_TOKEN, 5000, &now, &b) == 1 && b->id == 2,
	   "same door, other address: a new grant");
	now.mono_ms += 2; /* 2 ms later: within GRANTS_BATCH_MS of grant 2 */
	now.wall_ms += 2;
	ok(grants_open(&g, 1, &x, ORIGIN_TOKEN, 5000, &now, &b) == 1 && b->id == 3,
	   "same address, other door: a new grant");
	ok(grants_open(&g, 2, &x, ORIGIN_TOKEN, 5000, &now, &b) == -1, "full table refuses");
	ok(take_expired(&g, now.mono_ms + 4997 - GRANTS_BATCH_MS, out) == 0,
	   "nothing expired early");
	ok(take_expired(&g, now.mono_ms + 4998, out) == 2 && g.n == 1,
	   "grant 2 expires at its millisecond and takes grant 3, due 2 ms later, along");
	ok(take_expired(&g, now.mono_ms + 29997 - GRANTS_BATCH_MS, out) == 0,
	   "the refreshed grant is still live 1 ms before its new expiry (less the batch)");
	ok(take_expired(&g, now.mono_ms + 29998, out) == 1 && out[0].id == 1,
	   "the refreshed grant expires 30 s after the re-knock");
	grants_free(&g);
}

/* Expiries far enough apart are separate; a TTL ending on a second boundary. */
static void test_precision(void)
{
	struct grants g;
	struct grant *a, *b;
	struct grant_clock now = {5000, 1700000000000};
	struct addr x, y;

	if (grants_init(&g, 4) < 0)
		return;
	addr_parse("192.0.2.10", &x);
	addr_parse("192.0.2.11", &y);
	ok(grants_open(&g, 0, &x, ORIGIN_WINDOW, 2000, &now, &a) == 1 && a->deadline == 1700000001,
	   "a deadline on a second boundary: the kernel matches through the second before it");
	now.mono_ms += 10;
	now.wall_ms += 10;
	ok(grants_open(&g, 0, &y, ORIGIN_TOKEN, 2000, &now, &b) == 1 && b->deadline == 1700000002,
	   "10 ms later: the kernel deadline is the next second");
	ok(grants_expire(&g, 6999 - GRANTS_BATCH_MS) == 0 &&
	       grants_expire(&g, 7000 - GRANTS_BATCH_MS) == 1,
	   "the first expires alone, on its millisecond");
	ok(grants_next_timeout(&g, 7000) == 10, "the second is 10 ms later: its own wake-up");
	ok(grants_expire(&g, 7010) == 1 && g.nending == 2, "... and expires then");
	grants_free(&g);
}

static void test_adopt_end(void)
{
	struct grants g;
	struct grant *b, out[2];
	struct grant_clock now = {100000, 1700000010850};
	struct grant in = {.id = 41, .door = 0, .deadline = 1700000017};
	struct addr x, y;

	if (grants_init(&g, 4) < 0)
		return;
	addr_parse("192.0.2.10", &x);
	addr_parse("2001:db8::10", &y);
	in.addr = x;
	ok(grants_adopt(&g, &in, &now) == 0 && g.v[0].expires_ms == now.mono_ms + 7150,
	   "an adopted grant has the kernel's second: it expires when its deadline second ends");
	ok(grants_open(&g, 1, &y, ORIGIN_TOKEN, 5000, &now, &b) == 1 && b->id == 42,
	   "ids continue after adopted ones");
	in.deadline = 1700000009;
	ok(grants_adopt(&g, &in, &now) == -1, "a rule past its deadline is not adopted");
	grants_set_ending(&g, grants_get(&g, 41), GRANT_REVOKED);
	ok(g.nending == 1 && !grants_find(&g, 0, &x) && grants_get(&g, 41),
	   "an ending grant is kept by id, but no longer found for its address");
	ok(grants_next_timeout(&g, now.mono_ms) == 5000, "... nor timed");
	ok(grants_open(&g, 0, &x, ORIGIN_TOKEN, 5000, &now, &b) == 1 && b->id == 43,
	   "a re-knock meanwhile opens a new grant");
	ok(grants_remove(&g, 41, out) == 0 && grants_remove(&g, 41, out) == -1 && g.nending == 0,
	   "remove by id");
	grants_free(&g);
}

/* The indexes against a scan of the table, after thousands of opens, removals and moves:
 * every grant found by id and by (door, address), the earliest expiry the true minimum. */
static int consistent(struct grants *g, uint64_t now_ms)
{
	uint64_t min = UINT64_MAX;

	for (size_t i = 0; i < g->n; i++) {
		const struct grant *gr = &g->v[i];

		if (grants_get(g, gr->id) != gr ||
		    (!gr->ending && grants_find(g, gr->door, &gr->addr) != gr))
			return 0;
		if (!gr->ending && gr->expires_ms < min)
			min = gr->expires_ms;
	}
	return grants_next_timeout(g, now_ms) ==
	       (min == UINT64_MAX ? -1 : (int64_t)(min > now_ms ? min - now_ms : 0));
}

static void test_index(void)
{
	enum { CAP = 5000 };
	struct grant_clock now = {100000, 1700000000250};
	struct grants g;
	struct grant *gr;
	struct addr a;
	uint32_t seed = 1;
	int good = 1, gone = 0;

	if (grants_init(&g, CAP) < 0)
		return;
	addr_parse("2001:db8:1::", &a);
	for (int round = 0; round < 20000 && good; round++) {
		seed = seed * 1103515245u + 12345u;
		a.a[14] = (uint8_t)(seed >> 16), a.a[15] = (uint8_t)(seed >> 24);
		if (g.n && (seed % 4 == 0 || g.n == CAP)) { /* one out, anywhere in the table */
			gone += grants_remove(&g, g.v[(seed >> 8) % g.n].id, NULL) == 0;
		} else if (g.n < CAP) {
			now.mono_ms += seed % 7;
			if (grants_open(&g, (seed >> 4) % 3, &a, ORIGIN_TOKEN, 1000 + seed % 50000,
					&now, &gr) < 0)
				good = 0;
		}
		if (round % 500 == 0)
			good = consistent(&g, now.mono_ms);
	}
	ok(good && gone > 1000 && consistent(&g, now.mono_ms),
	   "index: by id, by door and address, and the earliest expiry agree with a scan "
	   "after 20,000 random opens and removals (%d removals, %zu left)",
	   gone, g.n);
	(void)grants_expire(&g, now.mono_ms + 20000);
	ok(consistent(&g, now.mono_ms + 20000) && g.nending > 0,
	   "index: ending grants are not found by address, the earliest live one still is");
	for (size_t i = 0; i < g.n; i++)
		g.v[i].door = (uint16_t)(2 - g.v[i].door); /* a reload moved the doors */
	grants_reindex(&g);
	ok(consistent(&g, now.mono_ms + 20000), "index: rebuilt after the doors moved");
	grants_free(&g);
}

int main(void)
{
	test_open_expire();
	test_precision();
	test_adopt_end();
	test_index();
	return tap_done();
}
