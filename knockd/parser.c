/*
 * The packet parser: the unprivileged child. Captures -> frames -> tokens and knocks ->
 * grant requests to the rule writer, which re-checks each against the configuration.
 * Refusals of authenticated tokens are logged here, rate-limited; junk only counted.
 */
#include "parser.h"

#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "grantreq.h"
#include "log.h"
#include "replay_store.h"

#define REFUSAL_LINES 20 /* per 10 s: a flood cannot fill syslog */

/* door: the door refused (reason=door), or NULL */
static void refusal(struct parser *p, const char *reason, const struct addr *src, const char *who,
		    const char *door)
{
	struct parser_ratelimit *rl = &p->rl;
	int64_t now = (int64_t)time(NULL);
	char a[ADDR_STRLEN];

	p->st.refused++;
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
	if (door)
		log_warn("refuse reason=%s src=%s client=%s door=%s", reason, a, who,
			 *door ? door : "(none)");
	else
		log_warn("refuse reason=%s src=%s client=%s", reason, a, who);
}

/*
 * A token of the right size and version whose key hint names no client: junk, or a client
 * whose keys do not match ours (a stale server_public_key, a key not listed, a clock far
 * off). Logged, unlike other junk, because it is the only trace such a client leaves, but
 * at most one line per 10 s whatever the rate, with the count since the previous line.
 */
static void unknown_hint(struct parser *p, const struct addr *src, int64_t now)
{
	struct parser_hintlog *h = &p->hl;
	char a[ADDR_STRLEN];

	h->count++;
	if (h->last_line && now - h->last_line < 10 && now >= h->last_line)
		return;
	addr_format(src, a, sizeof(a));
	log_warn("refuse reason=unknown-hint src=%s count=%" PRIu64
		 ": a token no client's key explains (is the client's server_public_key this "
		 "server's key, its public_key listed here, its clock right?)",
		 a, h->count);
	h->last_line = now;
	h->count = 0;
}

/* A nonce or a (client, step) sequence is spent: remember it, durably, before acting. */
static int spend(struct parser *p, const uint8_t id[REPLAY_ID_LEN], int64_t expires)
{
	if (replay_store_append(p->replay_fd, id, expires) < 0) {
		log_err("refuse reason=state-write: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/* Sends what the writer accepts; anything else the parser answers itself, one log line. */
static void request(struct parser *p, const struct grantreq_in *in)
{
	struct ps_msg m;
	char why[200], reason[240], a[ADDR_STRLEN];
	const char *who =
	    in->client >= 0 ? p->cfg->clients[in->client].name : p->cfg->seqs[in->seq].name;

	switch (grantreq_make(p->cfg, in, &m, why, sizeof(why))) {
	case GRANTREQ_REFUSED:
		snprintf(reason, sizeof(reason), "request (%s)", why);
		refusal(p, reason, &in->addr, who, NULL);
		return;
	case GRANTREQ_CUT:
		addr_format(&in->addr, a, sizeof(a));
		log_info("cut addr=%s client=%s: %s", a, who, why);
		break;
	}
	if (privsep_send(p->chan, &m) < 0)
		log_err("grant request lost: %s", strerror(errno));
}

static void on_token(struct parser *p, const struct pkt *k)
{
	int64_t wall = (int64_t)time(NULL);
	struct verdict v;
	int r = verify_token(p->ver, k->payload, k->payload_len, &k->src, wall, &v);

	p->st.tokens[r]++;
	/* The verifier holds the nonce in memory once the token passed every check. */
	if (verify_spent(r) && spend(p, v.nonce_id, v.nonce_expires) < 0)
		return;
	if (r == V_OK) {
		struct grantreq_in in = {ORIGIN_TOKEN, v.client, -1, v.doors, v.ttl, v.addr};

		request(p, &in);
	} else if (verify_logged(r)) /* only tokens that opened with a client's key */
		refusal(p, verify_strresult(r), &k->src, p->cfg->clients[v.client].name,
			r == V_DOOR ? v.door : NULL);
	else if (r == V_HINT)
		unknown_hint(p, &k->src, wall);
}

static void on_knock(struct parser *p, const struct pkt *k)
{
	struct timespec mono;
	int64_t wall = (int64_t)time(NULL);
	struct seq_result s;

	if (k->proto == IPPROTO_TCP && (k->tcp_flags & (TH_SYN | TH_ACK)) != TH_SYN)
		return; /* only a connection attempt is a knock */
	clock_gettime(CLOCK_MONOTONIC, &mono);
	switch (seq_knock(p->seq, &k->src, k->proto, k->dport,
			  (uint64_t)mono.tv_sec * 1000 + (uint64_t)mono.tv_nsec / 1000000, wall,
			  &p->ver->replay, &s)) {
	case SEQ_AUTH:
		if (replay_add(&p->ver->replay, s.replay_id, s.replay_expires, s.client, wall) <
		    0) {
			refusal(p, "replay-full", &k->src, p->cfg->clients[s.client].name, NULL);
			return;
		}
		if (spend(p, s.replay_id, s.replay_expires) == 0) {
			struct grantreq_in in = {
			    ORIGIN_SEQUENCE, s.client, -1, p->cfg->clients[s.client].doors, 0,
			    k->src};

			request(p, &in);
		}
		break;
	case SEQ_AUTH_REPLAY:
		refusal(p, "sequence-replay", &k->src, p->cfg->clients[s.client].name, NULL);
		break;
	case SEQ_STATIC: {
		struct grantreq_in in = {ORIGIN_SEQUENCE,           -1, s.seq,
					 p->cfg->seqs[s.seq].doors, 0,  k->src};

		request(p, &in);
		break;
	}
	}
}

static void on_frame(void *user, int dlt, const uint8_t *frame, size_t caplen, size_t wirelen)
{
	struct parser *p = user;
	struct pkt k;
	int r;

	p->st.frames++;
	if (wirelen > caplen) { /* beyond the snaplen: far larger than any knock */
		p->st.oversized++;
		return;
	}
	r = pkt_parse(&k, dlt, frame, caplen);
	if (r != PKT_OK) {
		p->st.pkt_errors[-r]++;
		return;
	}
	if (k.proto == IPPROTO_UDP && k.dport == p->cfg->spa_port)
		on_token(p, &k);
	else if (seq_watched(p->seq, k.proto, k.dport))
		on_knock(p, &k);
	else
		p->st.other_port++;
}

static void send_stats(struct parser *p, uint32_t req_id)
{
	struct ps_msg m;

	memset(&m, 0, sizeof(m));
	m.magic = PS_MAGIC;
	m.type = PS_STATS;
	m.req_id = req_id;
	m.stats = p->st;
	m.stats.knocks = p->seq->knocks;
	m.stats.seq_resets = p->seq->resets;
	m.stats.sequences = p->seq->completed;
	m.stats.seq_replays = p->seq->replays;
	if (privsep_send(p->chan, &m) < 0)
		log_err("counters not sent: %s", strerror(errno));
}

/* What the rule writer sent: a counters request, or a reload with its descriptors. */
static int on_writer(struct parser *p)
{
	struct ps_msg m;
	int fds[PS_MAX_FDS], nfds;

	if (privsep_recv_fds(p->chan, &m, fds, &nfds) < 0)
		return -1; /* the rule writer closed the channel: done */
	if (m.type == PS_RELOAD) {
		parser_reload(p, &m, fds, nfds);
		return 0;
	}
	while (nfds > 0)
		close(fds[--nfds]);
	if (m.type == PS_STATS_REQ)
		send_stats(p, m.req_id);
	return 0;
}

int parser_run(struct parser *p)
{
	struct pollfd pfd[MAX_PARSER_FDS];

	for (;;) {
		int n = p->nsniffs; /* rebuilt each time: a reload replaces the captures */

		for (int i = 0; i < n; i++)
			pfd[i] = (struct pollfd){.fd = p->sniffs[i].fd, .events = POLLIN};
		pfd[n] = (struct pollfd){.fd = p->chan, .events = POLLIN};
		if (poll(pfd, (nfds_t)n + 1, -1) < 0 && errno != EINTR)
			return 1;
		for (int i = 0; i < n; i++) {
			if ((pfd[i].revents & (POLLIN | POLLERR)) &&
			    sniff_dispatch(&p->sniffs[i], on_frame, p) < 0) {
				log_err("capture on %s failed", p->sniffs[i].iface);
				return 1;
			}
		}
		if ((pfd[n].revents & (POLLIN | POLLHUP | POLLERR)) && on_writer(p) < 0)
			return 0;
	}
}
