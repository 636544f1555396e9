/*
 * The rule writer's poll loop: grant requests from the packet parser (re-checked against
 * the configuration), signals, knockctl, window starts and grant expiries. Nothing wakes it
 * while idle: poll() sleeps until a request, a signal or the next deadline.
 */
#include "daemon.h"

#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "control.h"
#include "privsep.h"
#include "gate.h"
#include "log.h"
#include "timer.h"
#include "windows.h"

#define UNAUTH_LINES 20 /* per 10 s, for static sequences: anyone can send them */

/* Whether a static sequence's lines may be logged now; says how many were not. */
static int unauth_log_ok(struct daemon *d)
{
	int64_t now = (int64_t)(grant_clock_now().mono_ms / 1000);

	if (now - d->unauth_log.window >= 10) {
		if (d->unauth_log.suppressed)
			log_warn("%" PRIu64 " more static sequence completions not logged",
				 d->unauth_log.suppressed);
		d->unauth_log.window = now;
		d->unauth_log.lines = 0;
		d->unauth_log.suppressed = 0;
	}
	if (d->unauth_log.lines++ < UNAUTH_LINES)
		return 1;
	d->unauth_log.suppressed++;
	return 0;
}

/* A grant request from the packet parser: checked against the configuration, then made. */
static int on_request(struct daemon *d, const struct ps_msg *m)
{
	struct grant_clock now = grant_clock_now();
	struct grantsvc_req g = {
	    .doors = m->doors, .addr = m->addr, .ttl = m->ttl, .origin = (int)m->origin};
	char who[NAME_MAX_LEN + 16], err[256], a[ADDR_STRLEN];

	if (privsep_check(d->svc.cfg, m, err, sizeof(err)) < 0) {
		log_err("privsep: refused a request from the packet parser (%s); closing the "
			"channel",
			err);
		return -1;
	}
	if (m->client >= 0) {
		g.who = d->svc.cfg->clients[m->client].name;
	} else {
		snprintf(who, sizeof(who), "sequence:%s", d->svc.cfg->seqs[m->seq].name);
		addr_format(&m->addr, a, sizeof(a));
		g.unauth = 1;
		g.quiet = !unauth_log_ok(d);
		if (!g.quiet)
			log_warn("unauthenticated static %s completed by %s", who, a);
		g.who = who;
	}
	(void)grantsvc_request(&d->svc, &g, &now, err, sizeof(err)); /* refusals are logged */
	return 0;
}

/*
 * Reads what the parser sent. -1 when it is gone or sent something it must not; 1 when it
 * is the reply *want waits for (same type and number: filled in). A reply to an earlier
 * request, which the writer gave up waiting for, is dropped.
 */
static int on_channel(struct daemon *d, struct ps_msg *want)
{
	struct ps_msg m;

	if (privsep_recv(d->chan, &m) < 0) {
		log_err("the packet parser stopped (pid %d)", (int)d->parser_pid);
		return -1;
	}
	if (m.type == PS_STATS || m.type == PS_RELOADED) {
		if (!want || m.type != want->type || m.req_id != want->req_id) {
			log_debug("privsep: a late reply (type %" PRIu32 ", %" PRIu32 ") dropped",
				  m.type, m.req_id);
			return 0;
		}
		*want = m;
		return 1;
	}
	if (m.type != PS_GRANT) {
		log_err("privsep: unexpected message type %u from the packet parser", m.type);
		return -1;
	}
	return on_request(d, &m);
}

int daemon_ask(struct daemon *d, struct ps_msg *req, const int *fds, int nfds, uint32_t reply,
	       int timeout_ms)
{
	struct ps_msg want;

	req->magic = PS_MAGIC;
	req->req_id = ++d->stats_req;
	if (d->chan < 0 ||
	    (nfds ? privsep_send_fds(d->chan, req, fds, nfds) : privsep_send(d->chan, req)) < 0)
		return -1;
	want.type = reply;
	want.req_id = req->req_id;
	/* grant requests may be queued first: up to about 13,000 (spawn.c, CHANNEL_SNDBUF) */
	for (int tries = 0; tries < 16384; tries++) {
		struct pollfd p = {.fd = d->chan, .events = POLLIN};
		int r;

		if (poll(&p, 1, timeout_ms) != 1)
			return -1;
		r = on_channel(d, &want);
		if (r < 0) {
			d->stop = d->failed = 1; /* fail closed, as in the main loop */
			return -2;
		}
		if (r == 1) {
			*req = want;
			return 0;
		}
	}
	return -1;
}

/* Everything the parser has queued (up to a commit's worth), so a burst is one commit. */
static int drain_channel(struct daemon *d)
{
	for (int i = 0; i < GRANTSVC_PENDING_MAX; i++) {
		struct pollfd p = {.fd = d->chan, .events = POLLIN};

		if (i && poll(&p, 1, 0) != 1)
			return 0;
		if (on_channel(d, NULL) < 0)
			return -1;
	}
	return 0;
}

static void add_stats(struct ps_stats *to, const struct ps_stats *s)
{
	to->frames += s->frames;
	to->oversized += s->oversized;
	to->other_port += s->other_port;
	to->refused += s->refused;
	for (size_t i = 0; i < PKT_NERR; i++)
		to->pkt_errors[i] += s->pkt_errors[i];
	for (size_t i = 0; i < V_NRESULTS; i++)
		to->tokens[i] += s->tokens[i];
	to->knocks += s->knocks;
	to->seq_resets += s->seq_resets;
	to->sequences += s->sequences;
	to->seq_replays += s->seq_replays;
}
/* A counter added to struct ps_stats must be added above too. */
_Static_assert(sizeof(struct ps_stats) == (8 + PKT_NERR + V_NRESULTS) * sizeof(uint64_t),
	       "add_stats() sums every field of struct ps_stats");

void daemon_stats(struct daemon *d, struct ps_stats *out)
{
	struct ps_msg m;

	*out = d->base;
	memset(&m, 0, sizeof(m));
	m.type = PS_STATS_REQ;
	if (daemon_ask(d, &m, NULL, 0, PS_STATS, 1000) == 0)
		add_stats(out, &m.stats);
}

static void on_signal(struct daemon *d)
{
	struct signalfd_siginfo si;

	while (read(d->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGHUP) {
			char err[512];

			(void)daemon_reload(d, err, sizeof(err)); /* logged either way */
			continue;
		}
		log_info("signal %u: exiting; live grants stay in the kernel until their "
			 "deadlines",
			 si.ssi_signo);
		d->stop = 1;
	}
}

/* Counters at exit: what the parser saw and why it dropped it (knockctl status: live). */
static void log_counters(struct daemon *d)
{
	struct ps_stats st;
	char buf[512];
	size_t off = 0;

	daemon_stats(d, &st);
	for (int r = 0; r < V_NRESULTS; r++)
		off += (size_t)snprintf(buf + off, sizeof(buf) - off, " %s=%" PRIu64,
					verify_strresult(r), st.tokens[r]);
	log_info("counters: frames=%" PRIu64 " oversized=%" PRIu64 " truncated=%" PRIu64
		 " link=%" PRIu64 " fragments=%" PRIu64 " checksum=%" PRIu64 " knocks=%" PRIu64
		 " sequence-resets=%" PRIu64 " sequences=%" PRIu64 " sequence-replays=%" PRIu64
		 " tokens:%s",
		 st.frames, st.oversized, st.pkt_errors[-PKT_E_TRUNCATED],
		 st.pkt_errors[-PKT_E_LINK], st.pkt_errors[-PKT_E_FRAGMENT],
		 st.pkt_errors[-PKT_E_CHECKSUM], st.knocks, st.seq_resets, st.sequences,
		 st.seq_replays, buf);
}

/* Opens the windows whose start has come, and schedules their next occurrence. */
static void windows_tick(struct daemon *d)
{
	struct grant_clock now = grant_clock_now();
	int64_t wall_ms = now.wall_ms + d->clock_offset * 1000;
	int64_t t = wall_ms / 1000;
	char who[NAME_MAX_LEN + 8], err[256];

	for (size_t i = 0; i < d->svc.cfg->nwindows; i++) {
		const struct window *w = &d->svc.cfg->windows[i];
		struct grantsvc_req g = {.doors = w->doors, .exact = 1, .origin = ORIGIN_WINDOW};
		int64_t end = d->win_next[i] + w->duration;

		if (d->win_next[i] < 0 || d->win_next[i] > t)
			continue;
		snprintf(who, sizeof(who), "window:%s", w->name);
		g.who = who;
		g.addr.family = 4; /* egress for the host itself: 0.0.0.0 names it */
		if (end > t) {
			g.ttl_ms = (uint64_t)(end * 1000 - wall_ms); /* closes as the window ends */
			g.ttl = (uint32_t)((g.ttl_ms + 999) / 1000);
			(void)grantsvc_request(&d->svc, &g, &now, err, sizeof(err));
		}
		d->win_next[i] = window_occurrence(w, end);
	}
}

/* When (CLOCK_MONOTONIC ns) the next grant expires, a window starts, a failed deletion or
 * rewrite is retried, or host-ruleset accepts are due after a reload; -1 for none (wait
 * forever). A grant's deadline is its expires_ms itself, not a millisecond count from a
 * truncated now. */
static int64_t next_deadline(const struct daemon *d)
{
	struct grant_clock now = grant_clock_now();
	int64_t t = grantsvc_next_timeout(&d->svc, now.mono_ms);
	int64_t wall = now.wall_ms + d->clock_offset * 1000;
	int64_t settle = daemon_gate_timeout(d, now.mono_ms); /* accepts after a reload */
	int64_t w = daemon_watch_ms(d);                       /* the legacy watch's next look */

	if (gate_dirty(d->svc.fw[0].gate) && (t < 0 || t > GRANTSVC_RETRY_MS))
		t = GRANTSVC_RETRY_MS;
	if (settle >= 0 && (t < 0 || settle < t))
		t = settle;
	if (w >= 0 && (t < 0 || w < t))
		t = w;
	for (size_t i = 0; i < d->svc.cfg->nwindows; i++) {
		int64_t ms = d->win_next[i] * 1000 - wall;

		if (d->win_next[i] >= 0 && (t < 0 || ms < t))
			t = ms < 0 ? 0 : ms;
	}
	if (t < 0)
		return -1;
	return ((int64_t)now.mono_ms + (t > 86400000 ? 86400000 : t)) * 1000000;
}

int daemon_run(struct daemon *d)
{
	struct grant_clock now;
	struct pollfd pfd[4];
	int ret = 0;

	windows_tick(d);
	(void)grantsvc_commit(&d->svc, 0, NULL);
	while (!d->stop) {
		int r;

		/* rebuilt each time: a reload replaces the parser and its channel */
		pfd[0] = (struct pollfd){.fd = d->chan, .events = POLLIN};
		pfd[1] = (struct pollfd){.fd = d->sigfd, .events = POLLIN};
		pfd[2] = (struct pollfd){.fd = d->ctl.fd, .events = POLLIN};
		pfd[3] = (struct pollfd){.fd = gate_watch_fd(d->svc.fw[0].gate), .events = POLLIN};
		r = timer_poll(pfd, 4, next_deadline(d));
		if (r < 0 && errno != EINTR) {
			log_err("poll: %s", strerror(errno));
			return 1;
		}
		if (r == 0) { /* the deadline: its deletion first, waiting for nothing else */
			now = grant_clock_now();
			grantsvc_expire(&d->svc, &now);
		}
		if ((pfd[0].revents & (POLLIN | POLLHUP | POLLERR)) && drain_channel(d) < 0) {
			ret = 1; /* fail closed; live grants stay until their deadlines */
			break;
		}
		(void)grantsvc_commit(&d->svc, 0, NULL);
		if (pfd[1].revents & POLLIN)
			on_signal(d);
		if (pfd[2].revents & POLLIN)
			control_serve(&d->ctl);
		windows_tick(d);
		now = grant_clock_now();
		grantsvc_expire(&d->svc, &now);
		daemon_gate_tick(d, pfd[3].revents & POLLIN);
		daemon_watch_tick(d);
	}
	if (!ret && !d->failed)
		log_counters(d);
	return ret || d->failed;
}
