/*
 * The daemon: start-up (keys, replay state, firewall reconciliation, capture) and the
 * single poll loop that waits on captures, signals and the next grant expiry. Nothing
 * wakes it while idle: poll() sleeps until a packet, a signal or the next deadline.
 */
#include "daemon.h"

#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "control.h"
#include "log.h"
#include "windows.h"
#include "replay_store.h"

/* A nonce or a (client, step) sequence is spent: remember it, durably, before acting. */
static int spend(struct daemon *d, const uint8_t id[REPLAY_ID_LEN], int64_t expires)
{
	if (replay_store_append(d->replay_fd, id, expires) < 0) {
		log_err("refuse reason=state-write: %s", strerror(errno));
		return -1;
	}
	return 0;
}

static void on_token(struct daemon *d, const struct pkt *p)
{
	struct grant_clock now = daemon_clock();
	struct verdict v;
	int64_t wall = now.wall_ms / 1000;
	int r = verify_token(&d->ver, p->payload, p->payload_len, &p->src, wall, &v);

	/* The verifier already holds the nonce in memory once the signature verified. */
	if ((r == V_OK || r >= V_ADDRESS) && spend(d, v.nonce_id, v.nonce_expires) < 0)
		return;
	if (r == V_OK) {
		struct grant_req g = {v.doors, v.addr,       v.ttl,
				      0,       ORIGIN_TOKEN, d->cfg->clients[v.client].name};

		daemon_open(d, &g, &now);
	} else if (r >= V_STALE) { /* only tokens that opened with a client's key are logged */
		daemon_refusal(d, verify_strresult(r), &p->src, d->cfg->clients[v.client].name);
	}
}

static void on_knock(struct daemon *d, const struct pkt *p)
{
	struct grant_clock now = daemon_clock();
	int64_t wall = now.wall_ms / 1000;
	struct seq_result s;
	struct grant_req g = {.addr = p->src, .origin = ORIGIN_SEQUENCE};
	char who[NAME_MAX_LEN + 16], src[ADDR_STRLEN];

	if (p->proto == IPPROTO_TCP && (p->tcp_flags & (TH_SYN | TH_ACK)) != TH_SYN)
		return; /* only a connection attempt is a knock */
	switch (seq_knock(&d->seq, &p->src, p->proto, p->dport, now.mono_ms, wall, &d->ver.replay,
			  &s)) {
	case SEQ_AUTH:
		if (replay_add(&d->ver.replay, s.replay_id, s.replay_expires, wall) < 0) {
			daemon_refusal(d, "replay-full", &p->src, d->cfg->clients[s.client].name);
			return;
		}
		if (spend(d, s.replay_id, s.replay_expires) < 0)
			return;
		g.doors = d->cfg->clients[s.client].doors;
		g.who = d->cfg->clients[s.client].name;
		daemon_open(d, &g, &now);
		break;
	case SEQ_AUTH_REPLAY:
		daemon_refusal(d, "sequence-replay", &p->src, d->cfg->clients[s.client].name);
		break;
	case SEQ_STATIC:
		snprintf(who, sizeof(who), "sequence:%s", d->cfg->seqs[s.seq].name);
		addr_format(&p->src, src, sizeof(src));
		log_warn("unauthenticated static %s completed by %s", who, src);
		g.doors = d->cfg->seqs[s.seq].doors;
		g.who = who;
		daemon_open(d, &g, &now);
		break;
	}
}

static void on_frame(void *user, int dlt, const uint8_t *frame, size_t caplen, size_t wirelen)
{
	struct daemon *d = user;
	struct pkt p;
	int r;

	d->frames++;
	if (wirelen > caplen) { /* beyond the snaplen: far larger than any knock */
		d->oversized++;
		return;
	}
	r = pkt_parse(&p, dlt, frame, caplen);
	if (r != PKT_OK) {
		d->pkt_errors[-r]++;
		return;
	}
	if (p.proto == IPPROTO_UDP && p.dport == d->cfg->spa_port)
		on_token(d, &p);
	else if (seq_watched(&d->seq, p.proto, p.dport))
		on_knock(d, &p);
	else
		d->other_port++;
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

/* Counters at exit: what was seen and why it was dropped (knockctl status shows them live). */
static void log_counters(const struct daemon *d)
{
	char buf[512];
	size_t off = 0;

	for (int r = 0; r < V_NRESULTS; r++)
		off += (size_t)snprintf(buf + off, sizeof(buf) - off, " %s=%" PRIu64,
					verify_strresult(r), d->ver.counts[r]);
	log_info("counters: frames=%" PRIu64 " oversized=%" PRIu64 " truncated=%" PRIu64
		 " not-ip=%" PRIu64 " fragments=%" PRIu64 " knocks=%" PRIu64
		 " sequence-resets=%" PRIu64 " sequences=%" PRIu64 " sequence-replays=%" PRIu64
		 " tokens:%s",
		 d->frames, d->oversized, d->pkt_errors[-PKT_E_TRUNCATED],
		 d->pkt_errors[-PKT_E_LINK], d->pkt_errors[-PKT_E_FRAGMENT], d->seq.knocks,
		 d->seq.resets, d->seq.completed, d->seq.replays, buf);
}

/* Opens the windows whose start has come, and schedules their next occurrence. */
static void windows_tick(struct daemon *d)
{
	struct grant_clock now = daemon_clock();
	int64_t t = now.wall_ms / 1000 + d->clock_offset;
	char who[NAME_MAX_LEN + 8];

	for (size_t i = 0; i < d->cfg->nwindows; i++) {
		const struct window *w = &d->cfg->windows[i];
		struct grant_req g = {.doors = w->doors, .exact = 1, .origin = ORIGIN_WINDOW};
		int64_t end = d->win_next[i] + w->duration;

		if (d->win_next[i] < 0 || d->win_next[i] > t)
			continue;
		snprintf(who, sizeof(who), "window:%s", w->name);
		g.who = who;
		g.addr.family = 4; /* egress for the host itself: 0.0.0.0 names it */
		g.ttl = (uint32_t)(end - t);
		if (end > t)
			daemon_open(d, &g, &now);
		d->win_next[i] = window_occurrence(w, end);
	}
}

/* Milliseconds until the next grant expiry or window start, -1 for none (poll forever). */
static int next_timeout(const struct daemon *d)
{
	struct grant_clock now = daemon_clock();
	int64_t t = grants_next_timeout(&d->grants, now.mono_ms);
	int64_t wall = now.wall_ms + d->clock_offset * 1000;

	for (size_t i = 0; i < d->cfg->nwindows; i++) {
		int64_t ms = d->win_next[i] * 1000 - wall;

		if (d->win_next[i] >= 0 && (t < 0 || ms < t))
			t = ms < 0 ? 0 : ms;
	}
	return t < 0 ? -1 : (int)(t > 86400000 ? 86400000 : t);
}

int daemon_run(struct daemon *d)
{
	struct pollfd pfd[MAX_IFACES + 2];

	windows_tick(d);
	(void)daemon_commit(d);
	while (!d->stop) {
		int n = d->nsniffs, r; /* rebuilt each time: a reload may change the captures */

		for (int i = 0; i < n; i++)
			pfd[i] = (struct pollfd){.fd = d->sniffs[i].fd, .events = POLLIN};
		pfd[n] = (struct pollfd){.fd = d->sigfd, .events = POLLIN};
		pfd[n + 1] = (struct pollfd){.fd = d->control_fd, .events = POLLIN};
		r = poll(pfd, (nfds_t)n + 2, next_timeout(d));

		if (r < 0 && errno != EINTR) {
			log_err("poll: %s", strerror(errno));
			return 1;
		}
		for (int i = 0; r > 0 && i < n; i++) {
			if ((pfd[i].revents & (POLLIN | POLLERR)) &&
			    sniff_dispatch(&d->sniffs[i], on_frame, d) < 0) {
				log_err("capture on %s failed", d->sniffs[i].iface);
				return 1;
			}
		}
		(void)daemon_commit(d);
		if (pfd[n].revents & POLLIN)
			on_signal(d);
		if (pfd[n + 1].revents & POLLIN)
			control_serve(d);
		windows_tick(d);
		daemon_expire(d);
	}
	log_counters(d);
	return 0;
}
