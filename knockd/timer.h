/*
 * The rule writer's wait: its descriptors or a deadline on the monotonic clock, whichever
 * comes first, to the nanosecond. poll(2) takes whole milliseconds, so a deadline computed
 * from a millisecond clock wakes up to a millisecond late (and a rounded-down timeout, early
 * and again): ppoll(2) with a timespec wakes at the deadline itself.
 */
#ifndef KNOCKD_TIMER_H
#define KNOCKD_TIMER_H

#include <poll.h>
#include <stdint.h>

/* CLOCK_MONOTONIC in nanoseconds. */
int64_t timer_now_ns(void);
/* ppoll(2) on pfd until deadline_ns (CLOCK_MONOTONIC; -1: none, 0 or past: do not wait). */
int timer_poll(struct pollfd *pfd, nfds_t n, int64_t deadline_ns);

#endif
