/*
 * The rule writer's wait (knockd/timer.c): a deadline is waited for to the nanosecond,
 * never returned from early (poll's millisecond timeout from a truncated clock could be up
 * to 1 ms off either way); a past deadline does not wait; a ready descriptor ends the wait
 * at once. Upper bounds are loose: the machine may be loaded.
 */
#include <poll.h>
#include <unistd.h>

#include "tap.h"
#include "timer.h"

int main(void)
{
	int early = 0, p[2];
	int64_t worst = 0, t0, t;

	for (int i = 0; i < 50; i++) {
		/* a deadline that is not on a millisecond: 1.3 ms .. 2.2 ms ahead */
		int64_t deadline = timer_now_ns() + 1300000 + i * 18000;

		if (timer_poll(NULL, 0, deadline) != 0)
			early++; /* an error or an event: counted as a failure */
		t = timer_now_ns();
		early += t < deadline;
		if (t - deadline > worst)
			worst = t - deadline;
	}
	ok(early == 0, "50 sub-millisecond deadlines: none returned early (%d)", early);
	ok(worst < 50000000, "... the latest %.3f ms after its deadline (< 50 ms, loaded)",
	   (double)worst / 1e6);
	t0 = timer_now_ns();
	ok(timer_poll(NULL, 0, t0 - 1000000) == 0 && timer_now_ns() - t0 < 50000000,
	   "a past deadline: no wait");
	if (pipe(p) == 0 && write(p[1], "x", 1) == 1) {
		struct pollfd f = {.fd = p[0], .events = POLLIN};

		t0 = timer_now_ns();
		ok(timer_poll(&f, 1, t0 + 10000000000) == 1 && (f.revents & POLLIN) &&
		       timer_now_ns() - t0 < 1000000000,
		   "a ready descriptor ends a 10 s wait at once");
		ok(timer_poll(&f, 1, -1) == 1, "no deadline: waits for the descriptor only");
	}
	return tap_done();
}
