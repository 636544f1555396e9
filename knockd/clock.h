/* The writer's clocks, read together: monotonic for timers, realtime for kernel deadlines. */
#ifndef KNOCKD_CLOCK_H
#define KNOCKD_CLOCK_H

#include "grants.h"

struct grant_clock grant_clock_now(void);

#endif
