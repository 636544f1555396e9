/* Reading both clocks at once (clock.h); everything else takes them as arguments. */
#include "clock.h"

#include <time.h>

struct grant_clock grant_clock_now(void)
{
	struct timespec m, r;

	clock_gettime(CLOCK_MONOTONIC, &m);
	clock_gettime(CLOCK_REALTIME, &r);
	return (struct grant_clock){(uint64_t)m.tv_sec * 1000 + (uint64_t)m.tv_nsec / 1000000,
				    (int64_t)r.tv_sec * 1000 + r.tv_nsec / 1000000};
}
