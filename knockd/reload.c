/*
 * SIGHUP and knockctl reload: re-read the configuration without revoking live grants.
 * Everything the new configuration needs (keys, verifier, sequences, captures, the replay
 * state file) is built first, and the grants of removed doors (or doors that changed
 * direction) are revoked while the old doors are in place: any error up to there leaves
 * the daemon exactly as it was. Then a new packet parser replaces the old one (the nonces
 * the old one spent meanwhile are read from the state file it appended them to) and grants
 * whose door changed its rules are rewritten. After the old parser has stopped, only a
 * failure to start the new one (fork, or reading the last records through the state file
 * descriptor already open) stops the daemon: it fails closed.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon.h"
#include "log.h"
#include "replay_store.h"

struct staged {
	struct config *cfg;
	struct verifier ver;
	struct seq_engine seq;
	struct sniff sniffs[MAX_IFACES];
	int nsniffs, have_ver, have_seq;
	int replay_fd, replay_rfd; /* the state file: to append to, to catch up from */
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

static int stage(struct daemon *d, struct staged *s, char *err, size_t errlen)
{
	struct keypair server;
	uint8_t hashkey[16];
	const char *what;
	int r;

	s->cfg = calloc(1, sizeof(*s->cfg));
	if (!s->cfg || config_load(s->cfg, d->config_path, err, errlen) < 0)
		return -1;
	what = needs_restart(d->cfg, s->cfg);
	if (what) {
		snprintf(err, errlen, "changing %s needs a restart", what);
		return -1;
	}
	if (keys_read_private(s->cfg->private_key, &server, err, errlen) < 0)
		return -1;
	r = verify_init(&s->ver, s->cfg, &server, err, errlen);
	keys_wipe(&server);
	s->have_ver = r == 0;
	if (r < 0)
		return -1;
	randombytes_buf(hashkey, sizeof(hashkey));
	if (seq_init(&s->seq, s->cfg, s->ver.keys, hashkey) < 0) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	s->have_seq = 1;
	s->replay_fd =
	    replay_store_reopen(s->cfg->state_dir, &s->ver.replay, daemon_clock().wall_ms / 1000,
				&s->replay_rfd, err, errlen);
	if (s->replay_fd < 0)
		return -1;
	return daemon_open_captures(s->cfg, &s->seq, s->sniffs, &s->nsniffs, err, errlen);
}

static void unstage(struct staged *s)
{
	if (s->replay_fd >= 0)
		close(s->replay_fd);
	if (s->replay_rfd >= 0)
		close(s->replay_rfd);
	while (s->nsniffs > 0)
		sniff_close(&s->sniffs[--s->nsniffs]);
	if (s->have_seq)
		seq_free(&s->seq);
	if (s->have_ver)
		verify_free(&s->ver);
	if (s->cfg) {
		config_free(s->cfg);
		free(s->cfg);
	}
}

static int same_rules(const struct door *a, const struct door *b)
{
	return a->protocol == b->protocol && a->nports == b->nports &&
	       !memcmp(a->ports, b->ports, sizeof(a->ports[0]) * (size_t)a->nports) &&
	       a->ndests == b->ndests &&
	       !memcmp(a->dests, b->dests, sizeof(a->dests[0]) * (size_t)a->ndests);
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

/* Hands the staged parser state to d, where daemon_spawn() finds it. */
static void adopt_staged(struct daemon *d, struct staged *s)
{
	d->ver = s->ver;
	d->seq = s->seq;
	memcpy(d->sniffs, s->sniffs, sizeof(s->sniffs[0]) * (size_t)s->nsniffs);
	d->nsniffs = s->nsniffs;
	d->replay_fd = s->replay_fd;
	s->replay_fd = -1;
	s->have_ver = s->have_seq = 0;
	s->nsniffs = 0;
	config_free(d->cfg);
	free(d->cfg);
	d->cfg = s->cfg;
	s->cfg = NULL;
}

/* The old parser is gone: the new configuration takes over; -1 if the nonces it spent
 * last could not be read (the new parser must not start then). */
static int switch_over(struct daemon *d, struct staged *s, uint32_t *rewrite, size_t *nrewrite,
		       char *err, size_t errlen)
{
	int caught = replay_store_catch_up(s->replay_rfd, &s->ver.replay,
					   daemon_clock().wall_ms / 1000, err, errlen);
	char werr[256];

	s->replay_rfd = -1;
	*nrewrite = carry_grants(d, s->cfg, rewrite);
	adopt_staged(d, s);
	free(d->win_next);
	d->win_next = NULL;
	if (daemon_windows_init(d, werr, sizeof(werr)) < 0)
		log_err("reload: windows: %s", werr);
	for (size_t i = 0; i < *nrewrite; i++)
		daemon_rewrite(d, rewrite[i]);
	(void)daemon_commit(d);
	return caught;
}

int daemon_reload(struct daemon *d, char *err, size_t errlen)
{
	struct staged s;
	struct ps_stats old;
	uint32_t *rewrite = NULL;
	size_t before = d->grants.n, nrewrite;
	int caught;

	memset(&s, 0, sizeof(s));
	s.replay_fd = s.replay_rfd = -1;
	if (stage(d, &s, err, errlen) == 0 &&
	    !(rewrite = calloc(d->grants.cap + 1, sizeof(*rewrite)))) /* grants may come */
		snprintf(err, errlen, "out of memory");
	if (!rewrite || end_removed(d, s.cfg, err, errlen) < 0) {
		log_err("reload refused, the running configuration stays: %s", err);
		free(rewrite);
		unstage(&s);
		return -1;
	}
	/* The old parser first (no request may arrive mid-change): keep its counters, let it
	 * go; what it spent is in the state file. */
	daemon_stats(d, &old);
	d->base = old;
	daemon_retire_parser(d);
	(void)daemon_commit(d);
	/* Requests the old parser had queued may have opened grants of removed doors. */
	if (end_removed(d, s.cfg, err, errlen) < 0) {
		log_err("reload: %s; stopping", err);
		d->stop = d->failed = 1;
		free(rewrite);
		unstage(&s);
		return -1;
	}
	caught = switch_over(d, &s, rewrite, &nrewrite, err, errlen);
	free(rewrite);
	if (caught < 0 || daemon_spawn(d, err, errlen) < 0) {
		log_err("reload: cannot start the packet parser: %s; stopping", err);
		d->stop = d->failed = 1;
		return -1;
	}
	log_info("reloaded %s: %zu door(s), %zu client(s); %zu grant(s) kept (%zu rewritten), "
		 "%zu revoked",
		 d->config_path, d->cfg->ndoors, d->cfg->nclients, d->grants.n, nrewrite,
		 before > d->grants.n ? before - d->grants.n : 0);
	return 0;
}
