/*
 * SIGHUP and knockctl reload: re-read the configuration without revoking live grants.
 * The writer parses the configuration, reads the server's key and derives the client keys,
 * and opens the captures; the parser, which lives as long as the daemon and never holds the
 * server's key, builds the new verifier and sequences from them and swaps them in, or
 * refuses. Before that, the grants of doors the new
 * configuration drops (or turns around) are ended and committed while the old doors are in
 * place; if their deletion fails the reload is refused and they are live again. Up to the
 * parser's answer, any refusal leaves the daemon as it was, except that grants of removed
 * doors stay ended. Then grants whose door changed its rules are rewritten. Only a parser
 * that does not answer, or a failure to end a removed door's grant it opened while the
 * writer waited, stops the daemon (fails closed). No process is started: the writer has no
 * capability to start a parser as nobody any more.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cfgpass.h"
#include "daemon.h"
#include "log.h"
#include "notify.h"
#include "pairs.h"

struct staged {
	struct config *cfg;
	struct sniff sniffs[MAX_IFACES];
	int nsniffs;
	int pairs_fd, cfg_fd;
};

static const char *needs_restart(const struct config *a, const struct config *b)
{
	if (a->backend != b->backend || strcmp(a->nft_table, b->nft_table) ||
	    strcmp(a->nft_input_chain, b->nft_input_chain) ||
	    strcmp(a->nft_output_chain, b->nft_output_chain))
		return "backend";
	if (strcmp(a->state_dir, b->state_dir))
		return "state_dir";
	if (strcmp(a->control_socket, b->control_socket))
		return "control_socket";
	if (a->max_grants != b->max_grants)
		return "max_grants";
	return NULL;
}

/* What the parser needs, made by the writer: the client keys (derived here from the server
 * key, which is wiped), the captures (detached from libpcap), the parsed configuration. */
static int stage(struct daemon *d, struct staged *s, char *err, size_t errlen)
{
	struct cfgpass_capture caps[MAX_IFACES];
	struct pairs pairs;
	const char *what;

	s->cfg = calloc(1, sizeof(*s->cfg));
	if (!s->cfg || config_load(s->cfg, d->config_path, err, errlen) < 0)
		return -1;
	what = needs_restart(d->cfg, s->cfg);
	if (what) {
		snprintf(err, errlen, "changing %s needs a restart", what);
		return -1;
	}
	if (pairs_derive(s->cfg, &pairs, err, errlen) < 0)
		return -1;
	s->pairs_fd = pairs_write(&pairs, err, errlen);
	pairs_free(&pairs);
	if (s->pairs_fd < 0)
		return -1;
	if (daemon_open_captures(s->cfg, s->sniffs, &s->nsniffs, err, errlen) < 0)
		return -1;
	for (int i = 0; i < s->nsniffs; i++) {
		snprintf(caps[i].iface, sizeof(caps[i].iface), "%s", s->sniffs[i].iface);
		caps[i].dlt = s->sniffs[i].dlt;
	}
	s->cfg_fd = cfgpass_write(s->cfg, caps, s->nsniffs, err, errlen);
	return s->cfg_fd < 0 ? -1 : 0;
}

static void unstage(struct staged *s)
{
	while (s->nsniffs > 0)
		sniff_close(&s->sniffs[--s->nsniffs]);
	if (s->pairs_fd >= 0)
		close(s->pairs_fd);
	if (s->cfg_fd >= 0)
		close(s->cfg_fd);
	s->pairs_fd = s->cfg_fd = -1;
	if (s->cfg) {
		config_free(s->cfg);
		free(s->cfg);
	}
	s->cfg = NULL;
}

/*
 * Hands the staged descriptors to the parser, which builds the new keys, sequences and
 * captures and swaps them in, or says why not. 0 in place; -1 refused (err says why);
 * -2 the parser did not answer or is gone: the daemon stops.
 */
static int hand_over(struct daemon *d, struct staged *s, char *err, size_t errlen)
{
	int fds[PS_MAX_FDS], n = 0, r;
	struct ps_msg m;

	fds[n++] = s->cfg_fd;
	fds[n++] = s->pairs_fd;
	for (int i = 0; i < s->nsniffs; i++)
		fds[n++] = s->sniffs[i].fd;
	memset(&m, 0, sizeof(m));
	m.type = PS_RELOAD;
	r = daemon_ask(d, &m, fds, n, PS_RELOADED, 30000);
	if (r < 0) {
		snprintf(err, errlen, "the packet parser did not take the new configuration");
		return -2;
	}
	if (m.status < 0) {
		m.text[sizeof(m.text) - 1] = '\0';
		snprintf(err, errlen, "%s", m.text);
		return -1;
	}
	return 0;
}

static int same_rules(const struct door *a, const struct door *b)
{
	return a->protocol == b->protocol && a->nports == b->nports &&
	       !memcmp(a->ports, b->ports, sizeof(a->ports[0]) * (size_t)a->nports) &&
	       a->ndests == b->ndests &&
	       !memcmp(a->dests, b->dests, sizeof(a->dests[0]) * (size_t)a->ndests) &&
	       !memcmp(&a->to, &b->to, sizeof(a->to)) && a->nat_port == b->nat_port;
}

static int door_kept(const struct config *oc, const struct config *nc, const struct grant *g)
{
	const struct door *old = &oc->doors[g->door];
	int k = config_door_index(nc, old->name);

	return k >= 0 && nc->doors[k].direction == old->direction;
}

/*
 * Ends the grants of doors the new configuration drops (or turns around) and commits,
 * while the old doors are still in place. Refused if some of them are left: those this
 * call ended are live again (the failed commit applied nothing), others keep being revoked.
 */
static int end_removed(struct daemon *d, const struct config *nc, char *err, size_t errlen)
{
	uint32_t *ended = calloc(d->grants.n + 1, sizeof(*ended));
	size_t n = 0, left = 0;

	if (!ended) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < d->grants.n; i++) {
		struct grant *g = &d->grants.v[i];

		if (!door_kept(d->cfg, nc, g) && !g->ending) {
			grants_set_ending(&d->grants, g, GRANT_DOOR_REMOVED);
			ended[n++] = g->id;
		}
	}
	(void)daemon_commit(d);
	for (size_t i = 0; i < n; i++) {
		struct grant *g = grants_get(&d->grants, ended[i]);

		if (g)
			grants_set_ending(&d->grants, g, GRANT_LIVE);
	}
	for (size_t i = 0; i < d->grants.n; i++)
		left += !door_kept(d->cfg, nc, &d->grants.v[i]);
	free(ended);
	if (left)
		snprintf(err, errlen,
			 "the rules of %zu grant(s) of removed doors could not be deleted "
			 "(firewall commit failed)",
			 left);
	return left ? -1 : 0;
}

/* Moves every grant to its door's index in nc; returns in rewrite the ids of those whose
 * door changed its rules. Nothing may be queued: queued changes point at the old doors. */
static size_t carry_grants(struct daemon *d, const struct config *nc, uint32_t *rewrite)
{
	size_t n = 0;

	for (size_t i = 0; i < d->grants.n; i++) {
		struct grant *g = &d->grants.v[i];
		const struct door *old = &d->cfg->doors[g->door];
		int k = config_door_index(nc, old->name);

		if (!g->ending && !same_rules(old, &nc->doors[k]))
			rewrite[n++] = g->id;
		g->door = (uint16_t)k; /* the new config's index, used once it is in place */
	}
	return n;
}

/* The parser runs the new configuration: so does the writer. -1: a grant of a removed door
 * opened meanwhile could not be ended (err says why). */
static int take_over(struct daemon *d, struct staged *s, uint32_t *rewrite, size_t *nrewrite,
		     char *err, size_t errlen)
{
	char werr[256];

	(void)daemon_commit(d); /* grants the parser asked for while the writer waited */
	if (end_removed(d, s->cfg, err, errlen) < 0)
		return -1;
	*nrewrite = carry_grants(d, s->cfg, rewrite);
	config_free(d->cfg);
	free(d->cfg);
	d->cfg = s->cfg;
	s->cfg = NULL;
	free(d->win_next);
	d->win_next = NULL;
	if (daemon_windows_init(d, werr, sizeof(werr)) < 0)
		log_err("reload: windows: %s", werr);
	for (size_t i = 0; i < *nrewrite; i++)
		daemon_rewrite(d, rewrite[i]);
	(void)daemon_commit(d);
	return 0;
}

/* One sentence for the journal, systemctl status (STATUS=) and knockctl's ERR answer. */
static void refused(char *err, size_t errlen)
{
	char msg[1024];

	snprintf(msg, sizeof(msg), "STATUS=reload refused, the running configuration stays: %s",
		 err);
	log_err("%s", msg + strlen("STATUS="));
	snprintf(err, errlen, "%s", msg + strlen("STATUS="));
	notify_systemd(msg);
}

int daemon_reload(struct daemon *d, char *err, size_t errlen)
{
	struct staged s = {.pairs_fd = -1, .cfg_fd = -1};
	uint32_t *rewrite = NULL;
	size_t before = d->grants.n, nrewrite = 0;
	int r = -1;

	if (stage(d, &s, err, errlen) == 0 &&
	    !(rewrite = calloc(d->grants.cap + 1, sizeof(*rewrite)))) /* grants may come */
		snprintf(err, errlen, "out of memory");
	if (rewrite && end_removed(d, s.cfg, err, errlen) == 0)
		r = hand_over(d, &s, err, errlen);
	if (r == 0 && take_over(d, &s, rewrite, &nrewrite, err, errlen) < 0)
		r = -2;
	if (r == -2) {
		log_err("reload: %s; stopping", err);
		d->stop = d->failed = 1;
	} else if (r < 0) {
		refused(err, errlen);
	}
	free(rewrite);
	unstage(&s);
	if (r < 0)
		return -1;
	log_info("reloaded %s: %zu door(s), %zu client(s); %zu grant(s) kept (%zu rewritten), "
		 "%zu revoked",
		 d->config_path, d->cfg->ndoors, d->cfg->nclients, d->grants.n, nrewrite,
		 before > d->grants.n ? before - d->grants.n : 0);
	notify_systemd("STATUS=");
	return 0;
}
