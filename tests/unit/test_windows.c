/* Maintenance windows: next occurrence, inside an occurrence, days of the week. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tap.h"
#include "windows.h"

int main(void)
{
	/* 2026-11-21 is a Saturday; 12:00:00 UTC */
	const int64_t noon = 1795262400;
	struct window w = {.minute_of_day = 3 * 60, .days = 0x7f, .duration = 1800};

	setenv("TZ", "UTC", 1);
	tzset();
	ok(window_occurrence(&w, noon) == noon + 15 * 3600,
	   "daily 03:00: next is tomorrow 03:00 (15 h after noon)");
	w.minute_of_day = 11 * 60 + 45;
	ok(window_occurrence(&w, noon) == noon - 15 * 60,
	   "11:45 for 30m at 12:00: the current occurrence (started 15 min ago)");
	ok(window_occurrence(&w, noon + 15 * 60) == noon + 23 * 3600 + 45 * 60,
	   "at its end (12:15), the next day's (tomorrow 11:45)");
	w.minute_of_day = 3 * 60;
	w.days = 1u << 1; /* Mondays */
	ok(window_occurrence(&w, noon) == noon + 86400 + 15 * 3600,
	   "Mondays only: Monday 03:00 (Saturday noon + 1 day 15 h)");
	w.days = 0;
	ok(window_occurrence(&w, noon) == -1, "no day: never");
	setenv("TZ", "Europe/Berlin", 1); /* UTC+1 in November */
	tzset();
	w.days = 0x7f;
	ok(window_occurrence(&w, noon) == noon + 14 * 3600, "local time: 03:00 Berlin = 02:00 UTC");
	return tap_done();
}
