/* The rule writer's wait until its descriptors are ready or a deadline, to the nanosecond. */
#include "timer.h"

#include <time.h>

int64_t timer_now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

int timer_poll(struct pollfd *pfd, nfds_t n, int64_t deadline_ns)
{
	struct timespec ts;
	int64_t left;

	if (deadline_ns < 0)
		return ppoll(pfd, n, NULL, NULL);
	left = deadline_ns - timer_now_ns();
	if (left < 0)
		left = 0;
	ts.tv_sec = (time_t)(left / 1000000000);
	ts.tv_nsec = (long)(left % 1000000000);
	return ppoll(pfd, n, &ts, NULL);
}
