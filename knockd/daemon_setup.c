/*
 * Daemon start-up and shutdown: keys, verifier, replay state, the grant service (with
 * reconciliation of rules left by a previous run), captures and signals.
 */
#include "daemon.h"

#include <errno.h>
#include <netinet/in.h>
#include <sodium.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "control.h"
#include "lastgood.h"
#include "log.h"
#include "pairs.h"
#include "sandbox.h"
#include "windows.h"
#include "replay_store.h"

/*
 * What the kernel passes up: the token port, the knock ports, and IPv6 packets whose first
 * header is an extension header (pkt.c walks the chain; BPF cannot). TCP flags are checked
 * in pkt.c too: BPF's tcp[] offsets do not work for IPv6.
 */
static void capture_filter(const struct config *c, char *buf, size_t len)
{
	size_t n, nauth = 0;

	for (size_t i = 0; i < c->nclients; i++)
		nauth += c->clients[i].sequence != 0;
	n = (size_t)snprintf(buf, len,
			     "udp dst port %u or (ip6 and not ip6 proto 6 and not ip6 proto 17 "
			     "and not ip6 proto 58)",
			     c->spa_port);
	if (nauth)
		n += (size_t)snprintf(buf + n, len - n,
				      " or tcp dst portrange %u-%u or udp dst "
				      "portrange %u-%u",
				      c->seq_base, c->seq_base + c->seq_count - 1, c->seq_base,
				      c->seq_base + c->seq_count - 1);
	for (size_t i = 0; i < c->nseqs && n < len; i++)
		for (int j = 0; j < c->seqs[i].nsteps && n < len; j++)
			n += (size_t)snprintf(buf + n, len - n, " or %s dst port %u",
					      c->seqs[i].steps[j].protocol == IPPROTO_UDP ? "udp"
											  : "tcp",
					      c->seqs[i].steps[j].port);
}

int daemon_open_captures(const struct config *c, struct sniff *out, int *n, char *err,
			 size_t errlen)
{
	const char *cur = c->interfaces;
	char iface[64], filter[8192];
	int r;

	*n = 0;
	capture_filter(c, filter, sizeof(filter));
	log_debug("capture filter: %s", filter);
	while ((r = parse_list_next(&cur, iface, sizeof(iface))) > 0) {
		if (*n == MAX_IFACES) {
			snprintf(err, errlen, "more than %d interfaces", MAX_IFACES);
			goto fail;
		}
		if (sniff_open(&out[*n], iface, filter, c->capture_buffer, err, errlen) < 0)
			goto fail;
		(*n)++;
	}
	if (r == 0 && *n)
		return 0;
	snprintf(err, errlen, "bad interface list '%s'", c->interfaces);
fail:
	while (*n > 0)
		sniff_close(&out[--*n]);
	return -1;
}

static int open_signals(struct daemon *d, char *err, size_t errlen)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0 ||
	    (d->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC)) < 0) {
		snprintf(err, errlen, "signalfd: %s", strerror(errno));
		return -1;
	}
	signal(SIGPIPE, SIG_IGN);
	return 0;
}

/*
 * KNOCKD_TEST_CLOCK_OFFSET shifts the clock the window schedule reads (only that), so a test
 * can put a window's start a few seconds ahead; the scheduling code under test is the same.
 */
int daemon_windows_init(struct daemon *d, char *err, size_t errlen)
{
	const char *off = getenv("KNOCKD_TEST_CLOCK_OFFSET");
	int64_t now;

	d->clock_offset = off ? strtoll(off, NULL, 10) % (366LL * 86400) : 0;
	if (d->clock_offset)
		log_warn("KNOCKD_TEST_CLOCK_OFFSET=%lld: window schedule shifted (testing only)",
			 (long long)d->clock_offset);
	now = grant_clock_now().wall_ms / 1000 + d->clock_offset;
	d->win_next = calloc(d->svc.cfg->nwindows + 1, sizeof(*d->win_next));
	if (!d->win_next) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < d->svc.cfg->nwindows; i++)
		d->win_next[i] = window_occurrence(&d->svc.cfg->windows[i], now);
	return 0;
}

/* The control socket's ways into the rest of the daemon. */
static void stats_hook(void *arg, struct ps_stats *out)
{
	daemon_stats(arg, out);
}

static int reload_hook(void *arg, char *err, size_t errlen)
{
	return daemon_reload(arg, err, errlen);
}

int daemon_init(struct daemon *d, struct config *cfg, const char *path, char *err, size_t errlen)
{
	struct pairs pairs;
	struct grant_clock now;
	uint8_t hashkey[16];

	memset(d, 0, sizeof(*d));
	d->svc.cfg = cfg;
	d->config_path = path;
	d->sigfd = d->stage.replay_fd = d->ctl.fd = d->chan = d->ctl.serving_fd = -1;
	d->ctl.dir = d->lastgood_dir = -1;
	d->ctl.fallback = d->fallback;
	d->ctl.svc = &d->svc;
	d->ctl.config_path = path;
	d->ctl.arg = d;
	d->ctl.stats = stats_hook;
	d->ctl.reload = reload_hook;
	sandbox_lookup(&d->parser_user); /* now: no file is read for it after start-up */
	/* In a child: the packet parser, forked from us, must not find the key in its memory. */
	if (pairs_derive_apart(cfg, &pairs, err, errlen) < 0 ||
	    verify_init_keys(&d->stage.ver, cfg, pairs.server_pk, pairs.keys, err, errlen) < 0)
		return -1;
	randombytes_buf(hashkey, sizeof(hashkey));
	if (seq_init(&d->stage.seq, cfg, d->stage.ver.keys, hashkey) < 0) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	d->stage.replay_fd = replay_store_open(cfg->state_dir, &d->stage.ver.replay,
					       (int64_t)time(NULL), err, errlen);
	if (d->stage.replay_fd < 0)
		return -1;
	d->lastgood_dir = lastgood_open_dir(cfg->state_dir, err, errlen);
	if (d->lastgood_dir < 0)
		return -1;
	now = grant_clock_now();
	if (grantsvc_init(&d->svc, cfg, err, errlen) < 0 ||
	    grantsvc_reconcile(&d->svc, &now, err, errlen) < 0)
		return -1;
	if (daemon_gate_sync(d) < 0) {
		snprintf(err, errlen, "cannot write the gate (table inet knockd)");
		return -1;
	}
	if (daemon_open_captures(cfg, d->stage.sniffs, &d->stage.nsniffs, err, errlen) < 0 ||
	    open_signals(d, err, errlen) < 0 ||
	    control_open(&d->ctl, cfg->control_socket, err, errlen) < 0)
		return -1;
	d->ctl.started = grant_clock_now().wall_ms / 1000;
	return daemon_windows_init(d, err, errlen);
}

int daemon_start(struct daemon *d, char *err, size_t errlen)
{
	if (daemon_spawn(d, err, errlen) < 0)
		return -1;
	if (sandbox_writer(err, errlen) < 0)
		return -1;
	return sandbox_writer_filter(d->ctl.dir, d->lastgood_dir, err, errlen);
}

void daemon_free(struct daemon *d)
{
	daemon_retire_parser(d);
	if (d->svc.cfg)
		control_close(&d->ctl, d->svc.cfg->control_socket);
	free(d->win_next);
	for (int i = 0; i < d->stage.nsniffs; i++)
		sniff_close(&d->stage.sniffs[i]);
	grantsvc_free(&d->svc); /* the firewall, the grants, the configuration */
	seq_free(&d->stage.seq);
	verify_free(&d->stage.ver);
	if (d->stage.replay_fd >= 0)
		close(d->stage.replay_fd);
	if (d->sigfd >= 0)
		close(d->sigfd);
	if (d->lastgood_dir >= 0)
		close(d->lastgood_dir);
}
