/*
 * SIGHUP and knockctl reload: re-read the configuration without revoking live grants.
 * Everything the new configuration needs (keys, verifier, sequences, captures) is built
 * first; any error leaves the daemon exactly as it was. Then: grants whose door is gone (or
 * changed direction) are revoked, grants whose door changed its rules are rewritten, and a
 * new packet parser replaces the old one (spent nonces carry over through the state file).
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon.h"
#include "log.h"
#include "replay_store.h"

struct staged {
	struct config *cfg;
	struct verifier ver;
	struct seq_engine seq;
	struct sniff sniffs[MAX_IFACES];
	int nsniffs, have_ver, have_seq;
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
	return daemon_open_captures(s->cfg, &s->seq, s->sniffs, &s->nsniffs, err, errlen);
}

static void unstage(struct staged *s)
{
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
	       !memcmp(a->dests, b->dests, sizeof(a->dests[0]) * (size_t)a->ndests) &&
	       !memcmp(&a->to, &b->to, sizeof(a->to)) && a->nat_port == b->nat_port;
}

/* Revokes grants of vanished doors (with the old config); returns the mask to rewrite. */
static void carry_grants(struct daemon *d, const struct config *nc, uint8_t *rewrite)
{
	for (size_t i = 0; i < d->grants.n;) {
		struct grant *g = &d->grants.v[i];
		const struct door *old = &d->cfg->doors[g->door];
		int k = config_door_index(nc, old->name);

		if (k < 0 || nc->doors[k].direction != old->direction) {
			(void)daemon_revoke(d, g->id, "door-removed"); /* moves the last one here */
			continue;
		}
		rewrite[i] = !same_rules(old, &nc->doors[k]);
		g->door = (uint16_t)k; /* the new config's index, used once it is in place */
		i++;
	}
}

/* Hands the staged parser state to d, where daemon_spawn() finds it. */
static void adopt_staged(struct daemon *d, struct staged *s, int replay_fd)
{
	d->stage.ver = s->ver;
	d->stage.seq = s->seq;
	memcpy(d->stage.sniffs, s->sniffs, sizeof(s->sniffs[0]) * (size_t)s->nsniffs);
	d->stage.nsniffs = s->nsniffs;
	d->stage.replay_fd = replay_fd;
	s->have_ver = s->have_seq = 0;
	s->nsniffs = 0;
	config_free(d->cfg);
	free(d->cfg);
	d->cfg = s->cfg;
	s->cfg = NULL;
}

int daemon_reload(struct daemon *d, char *err, size_t errlen)
{
	struct staged s;
	struct ps_stats old;
	uint8_t *rewrite = NULL;
	size_t before = d->grants.n, rewritten = 0;
	int fd;

	memset(&s, 0, sizeof(s));
	if (stage(d, &s, err, errlen) == 0 && !(rewrite = calloc(d->grants.n + 1, 1)))
		snprintf(err, errlen, "out of memory");
	if (!rewrite) {
		log_err("reload refused, the running configuration stays: %s", err);
		unstage(&s);
		return -1;
	}
	/* The old parser first (no request may arrive mid-change): keep its counters, let it
	 * go; what it spent is in the state file. */
	daemon_stats(d, &old);
	d->base = old;
	daemon_retire_parser(d);
	(void)daemon_commit(d);
	carry_grants(d, s.cfg, rewrite);
	(void)daemon_commit(d); /* revocations, while the old doors are still in place */
	fd = replay_store_open(s.cfg->state_dir, &s.ver.replay, daemon_clock().wall_ms / 1000, err,
			       errlen);
	adopt_staged(d, &s, fd);
	free(d->win_next);
	d->win_next = NULL;
	if (daemon_windows_init(d, err, errlen) < 0)
		log_err("reload: windows: %s", err);
	for (size_t i = 0; i < d->grants.n; i++) {
		if (rewrite[i]) {
			daemon_rewrite(d, &d->grants.v[i]);
			rewritten++;
		}
	}
	(void)daemon_commit(d);
	free(rewrite);
	if (fd < 0 || daemon_spawn(d, err, errlen) < 0) {
		log_err("reload: cannot start the packet parser: %s; stopping", err);
		d->stop = d->failed = 1;
		return -1;
	}
	log_info("reloaded %s: %zu door(s), %zu client(s); %zu grant(s) kept (%zu rewritten), "
		 "%zu revoked",
		 d->config_path, d->cfg->ndoors, d->cfg->nclients, d->grants.n, rewritten,
		 before - d->grants.n);
	return 0;
}
