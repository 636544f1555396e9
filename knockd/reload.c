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
 * capability to start a parser as nobody any more. The grant side of all this is the grant
 * service's (grantsvc_end_removed, grantsvc_reconfigure).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config_load.h"
#include "cfgpass.h"
#include "config_restart.h"
#include "daemon.h"
#include "lastgood.h"
#include "log.h"
#include "notify.h"
#include "pairs.h"

struct staged {
	struct config *cfg;
	struct sniff sniffs[MAX_IFACES];
	int nsniffs;
	int pairs_fd, cfg_fd;
	struct config_text text; /* what was read: the last-good copy once in force */
};

/* What the parser needs, made by the writer: the client keys (derived here from the server
 * key, which is wiped), the captures (detached from libpcap), the parsed configuration. */
static int stage(struct daemon *d, struct staged *s, char *err, size_t errlen)
{
	struct cfgpass_capture caps[MAX_IFACES];
	struct pairs pairs;
	const char *what;

	s->cfg = calloc(1, sizeof(*s->cfg));
	if (!s->cfg || config_load_keep(s->cfg, d->config_path, &s->text, err, errlen) < 0)
		return -1;
	what = config_restart_key(d->svc.cfg, s->cfg);
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
	config_text_free(&s->text);
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

/* The parser runs the new configuration: so does the writer. -1: a grant of a removed door
 * opened meanwhile could not be ended (err says why). */
static int take_over(struct daemon *d, struct staged *s, size_t *nrewrite, char *err, size_t errlen)
{
	char werr[256];

	if (grantsvc_reconfigure(&d->svc, s->cfg, nrewrite, err, errlen) < 0)
		return -1;
	s->cfg = NULL; /* the service's now */
	free(d->win_next);
	d->win_next = NULL;
	if (daemon_windows_init(d, werr, sizeof(werr)) < 0)
		log_err("reload: windows: %s", werr);
	(void)daemon_gate_sync(d); /* doors added, changed, removed: a failure is retried */
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
	size_t before = d->svc.grants.n, nrewrite = 0;
	int r = -1;

	if (stage(d, &s, err, errlen) == 0 &&
	    grantsvc_end_removed(&d->svc, s.cfg, err, errlen) == 0)
		r = hand_over(d, &s, err, errlen);
	if (r == 0 && take_over(d, &s, &nrewrite, err, errlen) < 0)
		r = -2;
	if (r == 0) { /* in force: the last good one, and no longer on a fallback */
		lastgood_keep(d->lastgood_dir, &s.text);
		d->fallback[0] = '\0';
	}
	if (r == -2) {
		log_err("reload: %s; stopping", err);
		d->stop = d->failed = 1;
	} else if (r < 0) {
		refused(err, errlen);
	}
	unstage(&s);
	if (r < 0)
		return -1;
	log_info("reloaded %s: %zu door(s), %zu client(s); %zu grant(s) kept (%zu rewritten), "
		 "%zu revoked",
		 d->config_path, d->svc.cfg->ndoors, d->svc.cfg->nclients, d->svc.grants.n,
		 nrewrite, before > d->svc.grants.n ? before - d->svc.grants.n : 0);
	notify_systemd("STATUS=");
	return 0;
}
