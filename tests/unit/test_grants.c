/* Grant table: open, refresh without duplicates, expiry at the end of the deadline second,
 * batching of grants that share a deadline second, adoption. */
#include <string.h>

#include "grants.h"
#include "privsep.h"
#include "tap.h"

int main(void)
{
	struct grants g;
	struct grant *a, *b, out[8];
	/* 0.250 s into wall second 1700000000 */
	struct grant_clock now = {100000, 1700000000250};
	struct addr x, y;
	int r;

	if (grants_init(&g, 3) < 0)
		return 1;
	addr_parse("192.0.2.10", &x);
	addr_parse("2001:db8::10", &y);
	ok(grants_next_timeout(&g, now.mono_ms) == -1, "no grants: no timeout (poll sleeps)");
	r = grants_open(&g, 0, &x, ORIGIN_TOKEN, 30, &now, &a);
	ok(r == 1 && a->id == 1 && a->deadline == 1700000030, "new grant id 1, deadline +30 s");
	ok(grants_next_timeout(&g, now.mono_ms) == 30750,
	   "expires when the kernel stops matching: end of the deadline second (30.75 s)");
	now.mono_ms += 10000;
	now.wall_ms += 10000;
	r = grants_open(&g, 0, &x, ORIGIN_TOKEN, 30, &now, &b);
	ok(r == 0 && b == a && g.n == 1, "re-knock refreshes, no second grant");
	ok(a->deadline == 1700000040 && a->expires_ms == now.mono_ms + 30750,
	   "refresh moves the deadline");
	r = grants_open(&g, 0, &x, ORIGIN_TOKEN, 5, &now, &b);
	ok(r == 0 && a->deadline == 1700000040, "a shorter re-knock never shortens");
	ok(grants_open(&g, 0, &y, ORIGIN_TOKEN, 5, &now, &b) == 1 && b->id == 2,
	   "same door, other address: a new grant");
	now.mono_ms += 600; /* 0.85 s into the second: same deadline second as grant 2 */
	now.wall_ms += 600;
	ok(grants_open(&g, 1, &x, ORIGIN_TOKEN, 5, &now, &b) == 1 && b->id == 3,
	   "same address, other door: a new grant");
	ok(grants_open(&g, 2, &x, ORIGIN_TOKEN, 5, &now, &b) == -1, "full table refuses");
	ok(grants_take_expired(&g, now.mono_ms + 5149, out, 8) == 0, "nothing expired early");
	ok(grants_take_expired(&g, now.mono_ms + 5150, out, 8) == 2 && g.n == 1,
	   "two 5 s grants opened 0.6 s apart share a deadline second: they expire together");
	ok(grants_take_expired(&g, now.mono_ms + 30150, out, 1) == 1 && out[0].id == 1,
	   "the refreshed grant expires at its new deadline");
	{
		struct grant in = {.id = 41, .door = 0, .addr = x, .deadline = 1700000017};

		ok(grants_adopt(&g, &in, &now) == 0 && g.v[0].expires_ms == now.mono_ms + 7150,
		   "adopted grant keeps its remaining time (to the end of its deadline second)");
		ok(grants_open(&g, 1, &y, ORIGIN_TOKEN, 5, &now, &b) == 1 && b->id == 42,
		   "ids continue after adopted ones");
		in.deadline = 1700000009;
		ok(grants_adopt(&g, &in, &now) == -1, "a rule past its deadline is not adopted");
	}
	ok(grants_remove(&g, 41, out) == 0 && grants_remove(&g, 41, out) == -1, "remove by id");
	grants_free(&g);
	return tap_done();
}
