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

#include "log.h"
#include "replay_store.h"

#define EXPIRE_BATCH  64
#define REFUSAL_LINES 20 /* per 10 s: refusals are logged, but a flood cannot fill syslog */

static const char *const origin_names[] = {"token", "sequence", "window", "local", "adopted"};

static void queue(struct daemon *d, int op, const struct grant *g, int is_new)
{
	struct fw_change *ch;

	if (d->npending == PENDING_MAX)
		return; /* callers flush before the batch fills */
	ch = &d->pending[d->npending];
	ch->op = op;
	ch->rule.id = g->id;
	ch->rule.door = &d->cfg->doors[g->door];
	ch->rule.addr = g->addr;
	ch->rule.deadline = g->deadline;
	d->pending_new[d->npending++] = is_new ? g->id : 0;
}

/* One commit for everything queued; a failed commit takes back the grants it created. */
static void flush(struct daemon *d)
{
	char err[256];
	struct grant gone;
	uint64_t t0;

	if (!d->npending)
		return;
	t0 = daemon_clock().mono_ms;
	if (fw_commit(&d->fw, d->pending, d->npending, err, sizeof(err)) == 0) {
		log_debug("commit: %zu change(s) in %" PRIu64 " ms", d->npending,
			  daemon_clock().mono_ms - t0);
	} else {
		log_err("firewall commit failed, %zu change(s) not applied: %s", d->npending, err);
		for (size_t i = 0; i < d->npending; i++)
			if (d->pending_new[i])
				(void)grants_remove(&d->grants, d->pending_new[i], &gone);
	}
	d->npending = 0;
}

static void log_refusal(struct daemon *d, const char *reason, const struct addr *src,
			const char *who)
{
	struct ratelimit *rl = &d->refusals;
	int64_t now = (int64_t)time(NULL);
	char a[ADDR_STRLEN];

	if (now - rl->window >= 10) {
		if (rl->suppressed)
			log_warn("refuse: %" PRIu64 " more refusals not logged", rl->suppressed);
		rl->window = now;
		rl->lines = 0;
		rl->suppressed = 0;
	}
	if (rl->lines++ >= REFUSAL_LINES) {
		rl->suppressed++;
		return;
	}
	addr_format(src, a, sizeof(a));
	log_warn("refuse reason=%s src=%s client=%s", reason, a, who);
}

/* Opens (or refreshes) each door in the mask for addr; queues the kernel changes. */
static void open_doors(struct daemon *d, uint32_t doors, const struct addr *addr, uint32_t ttl_req,
		       int origin, const char *who, const struct grant_clock *now)
{
	char a[ADDR_STRLEN], ttlbuf[16];

	addr_format(addr, a, sizeof(a));
	for (unsigned i = 0; i < d->cfg->ndoors; i++) {
		const struct door *door = &d->cfg->doors[i];
		uint32_t ttl = verify_door_ttl(door, ttl_req);
		struct grant *g;
		int64_t before;
		int r;

		if (!(doors & (1u << i)))
			continue;
		if (d->npending == PENDING_MAX)
			flush(d);
		g = grants_find(&d->grants, i, addr);
		before = g ? g->deadline : 0;
		r = grants_open(&d->grants, i, addr, origin, ttl, now, &g);
		if (r < 0) {
			log_err("refuse reason=grant-table-full door=%s addr=%s", door->name, a);
			continue;
		}
		format_duration(ttl, ttlbuf, sizeof(ttlbuf));
		log_info("grant door=%s addr=%s ttl=%s id=%" PRIu32 " client=%s origin=%s%s",
			 door->name, a, ttlbuf, g->id, who, origin_names[origin],
			 r ? "" : " refresh=yes");
		if (r == 1 || g->deadline != before)
			queue(d, FW_ADD, g, r == 1);
	}
}

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
	if (r == V_OK)
		open_doors(d, v.doors, &v.addr, v.ttl, ORIGIN_TOKEN, d->cfg->clients[v.client].name,
			   &now);
	else if (r >= V_STALE) /* only tokens that opened with a client's key are logged */
		log_refusal(d, verify_strresult(r), &p->src, d->cfg->clients[v.client].name);
}

static void on_knock(struct daemon *d, const struct pkt *p)
{
	struct grant_clock now = daemon_clock();
	int64_t wall = now.wall_ms / 1000;
	struct seq_result s;
	char who[NAME_MAX_LEN + 16], src[ADDR_STRLEN];

	if (p->proto == IPPROTO_TCP && (p->tcp_flags & (TH_SYN | TH_ACK)) != TH_SYN)
		return; /* only a connection attempt is a knock */
	switch (seq_knock(&d->seq, &p->src, p->proto, p->dport, now.mono_ms, wall, &d->ver.replay,
			  &s)) {
	case SEQ_AUTH:
		if (replay_add(&d->ver.replay, s.replay_id, s.replay_expires, wall) < 0 ||
		    spend(d, s.replay_id, s.replay_expires) < 0)
			return;
		open_doors(d, d->cfg->clients[s.client].doors, &p->src, 0, ORIGIN_SEQUENCE,
			   d->cfg->clients[s.client].name, &now);
		break;
	case SEQ_AUTH_REPLAY:
		log_refusal(d, "sequence-replay", &p->src, d->cfg->clients[s.client].name);
		break;
	case SEQ_STATIC:
		snprintf(who, sizeof(who), "sequence:%s", d->cfg->seqs[s.seq].name);
		addr_format(&p->src, src, sizeof(src));
		log_warn("unauthenticated static %s completed by %s", who, src);
		open_doors(d, d->cfg->seqs[s.seq].doors, &p->src, 0, ORIGIN_SEQUENCE, who, &now);
		break;
	}
}

static void on_frame(void *user, int dlt, const uint8_t *frame, size_t caplen)
{
	struct daemon *d = user;
	struct pkt p;
	int r;

	d->frames++;
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

static void expire(struct daemon *d)
{
	struct grant_clock now = daemon_clock();
	struct grant gone[EXPIRE_BATCH];
	size_t n;
	char a[ADDR_STRLEN];

	do {
		n = grants_take_expired(&d->grants, now.mono_ms, gone, EXPIRE_BATCH);
		for (size_t i = 0; i < n; i++) {
			if (d->npending == PENDING_MAX)
				flush(d);
			addr_format(&gone[i].addr, a, sizeof(a));
			log_info("revoke door=%s addr=%s id=%" PRIu32 " reason=expired",
				 d->cfg->doors[gone[i].door].name, a, gone[i].id);
			queue(d, FW_DEL, &gone[i], 0);
		}
		flush(d);
	} while (n == EXPIRE_BATCH);
}

static void on_signal(struct daemon *d)
{
	struct signalfd_siginfo si;

	while (read(d->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGHUP) {
			log_warn("SIGHUP: configuration reload is not implemented yet; ignored");
			continue;
		}
		log_info("signal %u: exiting; live grants stay in the kernel until their "
			 "deadlines",
			 si.ssi_signo);
		d->stop = 1;
	}
}

/* Counters at exit (and with -v): what was seen and why it was dropped. */
static void log_counters(const struct daemon *d)
{
	char buf[512];
	size_t off = 0;

	for (int r = 0; r < V_NRESULTS; r++)
		off += (size_t)snprintf(buf + off, sizeof(buf) - off, " %s=%" PRIu64,
					verify_strresult(r), d->ver.counts[r]);
	log_info("counters: frames=%" PRIu64 " truncated=%" PRIu64 " not-ip=%" PRIu64
		 " fragments=%" PRIu64 " knocks=%" PRIu64 " sequence-resets=%" PRIu64
		 " sequences=%" PRIu64 " sequence-replays=%" PRIu64 " tokens:%s",
		 d->frames, d->pkt_errors[-PKT_E_TRUNCATED], d->pkt_errors[-PKT_E_LINK],
		 d->pkt_errors[-PKT_E_FRAGMENT], d->seq.knocks, d->seq.resets, d->seq.completed,
		 d->seq.replays, buf);
}

int daemon_run(struct daemon *d)
{
	struct pollfd pfd[MAX_IFACES + 1];
	int n = d->nsniffs;

	for (int i = 0; i < n; i++)
		pfd[i] = (struct pollfd){.fd = d->sniffs[i].fd, .events = POLLIN};
	pfd[n] = (struct pollfd){.fd = d->sigfd, .events = POLLIN};
	while (!d->stop) {
		int64_t t = grants_next_timeout(&d->grants, daemon_clock().mono_ms);
		int r = poll(pfd, (nfds_t)n + 1, t < 0 ? -1 : (int)(t > 86400000 ? 86400000 : t));

		if (r < 0 && errno != EINTR) {
			log_err("poll: %s", strerror(errno));
			return 1;
		}
		for (int i = 0; r > 0 && i < n; i++) {
			if (pfd[i].revents & (POLLIN | POLLERR)) {
				if (sniff_dispatch(&d->sniffs[i], on_frame, d) < 0) {
					log_err("capture on %s failed", d->sniffs[i].iface);
					return 1;
				}
			}
		}
		flush(d);
		if (pfd[n].revents & POLLIN)
			on_signal(d);
		expire(d);
	}
	log_counters(d);
	return 0;
}
