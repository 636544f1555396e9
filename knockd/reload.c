/*
 * SIGHUP and knockctl reload: re-read the configuration without revoking live grants.
 * The writer parses the configuration and opens what the parser needs (the key file, the
 * captures); the parser, which lives as long as the daemon, builds the new keys and
 * sequences from them and swaps them in, or refuses, and then the daemon is exactly as it
 * was. Then: grants whose door is gone (or changed direction) are revoked, grants whose
 * door changed its rules are rewritten. No process is started: the writer has no
 * capability to start a parser as nobody any more.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cfgpass.h"
#include "daemon.h"
#include "log.h"

struct staged {
	struct config *cfg;
	struct sniff sniffs[MAX_IFACES];
	int nsniffs;
	int key_fd, cfg_fd;
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

/* What the parser needs, opened by the writer: the key file (not read here: the writer
 * holds no key), the captures (detached from libpcap), the parsed configuration. */
static int stage(struct daemon *d, struct staged *s, char *err, size_t errlen)
{
	struct cfgpass_capture caps[MAX_IFACES];
	const char *what;

	s->cfg = calloc(1, sizeof(*s->cfg));
	if (!s->cfg || config_load(s->cfg, d->config_path, err, errlen) < 0)
		return -1;
	what = needs_restart(d->cfg, s->cfg);
	if (what) {
		snprintf(err, errlen, "changing %s needs a restart", what);
		return -1;
	}
	s->key_fd = open(s->cfg->private_key, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (s->key_fd < 0) {
		snprintf(err, errlen, "%s: %s", s->cfg->private_key, strerror(errno));
		return -1;
	}
	if (daemon_open_captures(s->cfg, s->sniffs, &s->nsniffs, err, errlen) < 0)
		return -1;
	for (int i = 0; i < s->nsniffs; i++) {
		if (sniff_detach(&s->sniffs[i], err, errlen) < 0)
			return -1;
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
	if (s->key_fd >= 0)
		close(s->key_fd);
	if (s->cfg_fd >= 0)
		close(s->cfg_fd);
	s->key_fd = s->cfg_fd = -1;
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
	fds[n++] = s->key_fd;
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
	       !memcmp(a->dests, b->dests, sizeof(a->dests[0]) * (size_t)a->ndests);
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

int daemon_reload(struct daemon *d, char *err, size_t errlen)
{
	struct staged s = {.key_fd = -1, .cfg_fd = -1};
	uint8_t *rewrite = NULL;
	size_t before = d->grants.n, rewritten = 0;
	int r = -1;

	if (stage(d, &s, err, errlen) == 0 && !(rewrite = calloc(d->grants.n + 1, 1)))
		snprintf(err, errlen, "out of memory");
	if (rewrite)
		r = hand_over(d, &s, err, errlen);
	if (r == -2) {
		log_err("reload: %s; stopping", err);
		d->stop = d->failed = 1;
	} else if (r < 0) {
		log_err("reload refused, the running configuration stays: %s", err);
	}
	if (r < 0) {
		free(rewrite);
		unstage(&s);
		return -1;
	}
	/* The parser runs the new configuration now: so does the writer. */
	(void)daemon_commit(d);
	carry_grants(d, s.cfg, rewrite);
	(void)daemon_commit(d); /* revocations, while the old doors are still in place */
	config_free(d->cfg);
	free(d->cfg);
	d->cfg = s.cfg;
	s.cfg = NULL;
	unstage(&s);
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
	log_info("reloaded %s: %zu door(s), %zu client(s); %zu grant(s) kept (%zu rewritten), "
		 "%zu revoked",
		 d->config_path, d->cfg->ndoors, d->cfg->nclients, d->grants.n, rewritten,
		 before - d->grants.n);
	return 0;
}
