/*
 * Scheduled maintenance windows ([window:NAME]: at = HH:MM local time, days, duration):
 * when the next occurrence starts. Pure apart from the time zone (localtime/mktime), so
 * daylight-saving changes move a window with the wall clock, as cron would.
 */
#include "windows.h"

#include <time.h>

int64_t window_occurrence(const struct window *w, int64_t t)
{
	time_t now = (time_t)t;
	struct tm base;

	if (!localtime_r(&now, &base))
		return -1;
	for (int day = -1; day <= 8; day++) {
		struct tm tm = base;
		time_t start;

		tm.tm_mday += day;
		tm.tm_hour = w->minute_of_day / 60;
		tm.tm_min = w->minute_of_day % 60;
		tm.tm_sec = 0;
		tm.tm_isdst = -1;
		start = mktime(&tm);
		if (start == (time_t)-1 || !(w->days & (1u << tm.tm_wday)))
			continue;
		if ((int64_t)start + w->duration > t)
			return (int64_t)start;
	}
	return -1;
}
