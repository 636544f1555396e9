/*
 * The daemon's side of the legacy xtables watch (fw.h, fw_watch): the legacy tables send no
 * change events, so the rule writer looks every DAEMON_WATCH_MS, and reads a table whose
 * info changed once it stayed the same for one look (a manager's reload is over): within
 * the 1 s bound, with room for a look and a commit under load, and when knockd's chains, jumps or
 * grant rules were removed or shadowed, writes the live grants again (which puts the chains
 * and jumps back first). Repairs are logged at most once a second; a manager that keeps
 * undoing them (DAEMON_WATCH_FIGHT repairs within a minute) is reported and then looked at
 * only every DAEMON_WATCH_SLOW_MS, not raced.
 */
#include "daemon.h"

#include <inttypes.h>

#include "clock.h"
#include "log.h"

#define DAEMON_WATCH_MS      200
#define DAEMON_WATCH_SLOW_MS 10000
#define DAEMON_WATCH_FIGHT   10

struct watch_state {
	uint64_t next;     /* monotonic ms of the next look */
	uint64_t last_log; /* of the last repair logged */
	uint64_t window;   /* start of the minute the repairs are counted in */
	unsigned repairs;  /* in that minute */
	unsigned quiet;    /* repairs not logged since the last one that was */
	int slow;          /* reported as fighting: looking every DAEMON_WATCH_SLOW_MS */
};

static struct watch_state ws;

static int watching(const struct daemon *d)
{
	for (size_t i = 0; i < d->svc.nfw; i++)
		if (fw_watches(&d->svc.fw[i]))
			return 1;
	return 0;
}

int64_t daemon_watch_ms(const struct daemon *d)
{
	uint64_t now;

	if (!watching(d))
		return -1;
	now = grant_clock_now().mono_ms;
	return ws.next > now ? (int64_t)(ws.next - now) : 0;
}

/* Counts a repair; after DAEMON_WATCH_FIGHT in a minute, says so once and slows down. */
static void count_repair(uint64_t now)
{
	if (now - ws.window > 60000) {
		ws.window = now;
		ws.repairs = 0;
		ws.slow = 0;
	}
	if (++ws.repairs == DAEMON_WATCH_FIGHT) {
		ws.slow = 1;
		log_err(
		    "firewall: knockd's rules in the legacy tables were removed %u times within a "
		    "minute: another tool keeps rewriting them (make it keep knockd's chains, or "
		    "let knockd's grants through in its own rules); repairing at most every %d s",
		    ws.repairs, DAEMON_WATCH_SLOW_MS / 1000);
	}
}

static void repair(struct daemon *d, const char *what, uint64_t t0)
{
	uint64_t ms;
	int r;

	count_repair(t0);
	d->svc.rewrite_due = 1;
	r = grantsvc_commit(&d->svc, 0, NULL);
	ms = grant_clock_now().mono_ms - t0;
	if (t0 - ws.last_log < 1000 && ws.last_log) {
		ws.quiet++;
		return;
	}
	ws.last_log = t0;
	log_warn("firewall: %s (by another process: the legacy tables do not say which); %s the "
		 "%zu live grant(s) in %" PRIu64 " ms (%u earlier repair(s) not logged)",
		 what, r < 0 ? "failed to write" : "wrote", d->svc.grants.n - d->svc.grants.nending,
		 ms, ws.quiet);
	ws.quiet = 0;
}

void daemon_watch_tick(struct daemon *d)
{
	uint64_t now = grant_clock_now().mono_ms;
	char what[256] = "";
	int r = 0;

	if (!watching(d) || now < ws.next)
		return;
	ws.next = now + (ws.slow ? DAEMON_WATCH_SLOW_MS : DAEMON_WATCH_MS);
	for (size_t i = 0; i < d->svc.nfw && r == 0; i++)
		r = fw_watch(&d->svc.fw[i], what, sizeof(what));
	if (r < 0)
		log_debug("firewall watch: %s", what);
	else if (r > 0 && d->svc.grants.n > d->svc.grants.nending)
		repair(d, what, now);
}
