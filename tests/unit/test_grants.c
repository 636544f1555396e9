/* Grant table: open, refresh without duplicates, expiry order, adoption. */
#include <string.h>

#include "grants.h"
#include "tap.h"

int main(void)
{
	struct grants g;
	struct grant *a, *b, out[8];
	struct grant_clock now = {100000, 1700000000};
	struct addr x, y;
	int r;

	if (grants_init(&g, 3) < 0)
		return 1;
	addr_parse("192.0.2.10", &x);
	addr_parse("2001:db8::10", &y);
	ok(grants_next_timeout(&g, now.mono_ms) == -1, "no grants: no timeout (poll sleeps)");
	r = grants_open(&g, 0, &x, ORIGIN_TOKEN, 30, &now, &a);
	ok(r == 1 && a->id == 1 && a->deadline == now.wall + 30, "new grant id 1, deadline +30s");
	ok(grants_next_timeout(&g, now.mono_ms) == 30000, "next timeout 30000 ms");
	now.mono_ms += 10000;
	now.wall += 10;
	r = grants_open(&g, 0, &x, ORIGIN_TOKEN, 30, &now, &b);
	ok(r == 0 && b == a && g.n == 1, "re-knock refreshes, no second grant");
	ok(a->deadline == now.wall + 30 && a->expires_ms == now.mono_ms + 30000,
	   "refresh moves the deadline");
	r = grants_open(&g, 0, &x, ORIGIN_TOKEN, 5, &now, &b);
	ok(r == 0 && a->expires_ms == now.mono_ms + 30000, "a shorter re-knock never shortens");
	ok(grants_open(&g, 0, &y, ORIGIN_TOKEN, 5, &now, &b) == 1 && b->id == 2,
	   "same door, other address: a new grant");
	ok(grants_open(&g, 1, &x, ORIGIN_TOKEN, 5, &now, &b) == 1 && b->id == 3,
	   "same address, other door: a new grant");
	ok(grants_open(&g, 2, &x, ORIGIN_TOKEN, 5, &now, &b) == -1, "full table refuses");
	ok(grants_take_expired(&g, now.mono_ms + 4999, out, 8) == 0, "nothing expired early");
	ok(grants_take_expired(&g, now.mono_ms + 5000, out, 8) == 2 && g.n == 1,
	   "both 5 s grants expire together");
	ok(grants_take_expired(&g, now.mono_ms + 30000, out, 1) == 1 && out[0].id == 1,
	   "the refreshed grant expires at its new deadline");
	{
		struct grant in = {.id = 41, .door = 0, .addr = x, .deadline = now.wall + 7};

		ok(grants_adopt(&g, &in, &now) == 0 && g.v[0].expires_ms == now.mono_ms + 7000,
		   "adopted grant keeps its remaining TTL");
		ok(grants_open(&g, 1, &y, ORIGIN_TOKEN, 5, &now, &b) == 1 && b->id == 42,
		   "ids continue after adopted ones");
		in.deadline = now.wall;
		ok(grants_adopt(&g, &in, &now) == -1, "an expired rule is not adopted");
	}
	ok(grants_remove(&g, 41, out) == 0 && grants_remove(&g, 41, out) == -1, "remove by id");
	grants_free(&g);
	return tap_done();
}
