/*
 * Scheduled maintenance windows ([window:NAME]: at = HH:MM local time, days, duration):
 * when the next occurrence starts. Pure apart from the time zone (localtime/mktime).
 */
#ifndef KNOCKD_WINDOWS_H
#define KNOCKD_WINDOWS_H

#include <stdint.h>

#include "config.h"

/*
 * The start (unix seconds) of the first occurrence of w on one of its days whose end is
 * after t; it may already have started (start <= t). -1 if there is none within 9 days.
 */
int64_t window_occurrence(const struct window *w, int64_t t);

#endif
