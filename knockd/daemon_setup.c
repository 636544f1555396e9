/*
 * Daemon start-up and shutdown: keys, verifier, replay state, grant table, firewall
 * (with reconciliation of rules left by a previous run), captures and signals.
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

#include "control.h"
#include "log.h"
#include "pairs.h"
#include "sandbox.h"
#include "windows.h"
#include "replay_store.h"

struct grant_clock daemon_clock(void)
{
	struct timespec m, r;

	clock_gettime(CLOCK_MONOTONIC, &m);
	clock_gettime(CLOCK_REALTIME, &r);
	return (struct grant_clock){(uint64_t)m.tv_sec * 1000 + (uint64_t)m.tv_nsec / 1000000,
				    (int64_t)r.tv_sec * 1000 + r.tv_nsec / 1000000};
}

static int adopt(struct daemon *d, const struct fw_found *f, int door,
		 const struct grant_clock *now)
{
	struct grant g;

	for (size_t i = 0; i < d->grants.n; i++)
		if (d->grants.v[i].id == f->id)
			return 0; /* the same grant's IPv6 twin */
	memset(&g, 0, sizeof(g));
	g.id = f->id;
	g.door = (uint16_t)door;
	g.origin = ORIGIN_ADOPTED;
	g.addr = f->addr;
	g.opened = now->wall_ms / 1000;
	g.deadline = f->deadline;
	return grants_adopt(&d->grants, &g, now);
}

/* Rules from a previous run: live ones are adopted with their deadline, the rest go. */
static int reconcile(struct daemon *d, char *err, size_t errlen)
{
	size_t max = (size_t)d->cfg->max_grants * 2, n = 0, ndel = 0;
	struct fw_found *f = calloc(max, sizeof(*f));
	struct door *doors = calloc(max, sizeof(*doors));
	struct fw_change *del = calloc(max, sizeof(*del));
	struct grant_clock now = daemon_clock();
	int ret = -1;

	if (!f || !doors || !del || fw_list(&d->fw, f, max, &n, err, errlen) < 0)
		goto out;
	for (size_t i = 0; i < n; i++) {
		int door = config_door_index(d->cfg, f[i].door);

		if (door >= 0 && d->cfg->doors[door].direction == f[i].direction &&
		    f[i].deadline >= now.wall_ms / 1000 && adopt(d, &f[i], door, &now) == 0)
			continue;
		/* Expired, or its door is gone: delete it by id from the chain it sits in. */
		snprintf(doors[ndel].name, sizeof(doors[ndel].name), "%s", f[i].door);
		doors[ndel].direction = f[i].direction;
		del[ndel].op = FW_DEL;
		del[ndel].rule.id = f[i].id;
		del[ndel].rule.addr = f[i].addr; /* which table(s) it is in */
		del[ndel].rule.door = &doors[ndel];
		ndel++;
	}
	if (fw_commit(&d->fw, del, ndel, err, errlen) < 0)
		goto out;
	if (n)
		log_info("reconcile: %zu rule(s) found, %zu grant(s) adopted, %zu removed", n,
			 d->grants.n, ndel);
	ret = 0;
out:
	free(f);
	free(doors);
	free(del);
	return ret;
}

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
	now = daemon_clock().wall_ms / 1000 + d->clock_offset;
	d->win_next = calloc(d->cfg->nwindows + 1, sizeof(*d->win_next));
	if (!d->win_next) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < d->cfg->nwindows; i++)
		d->win_next[i] = window_occurrence(&d->cfg->windows[i], now);
	return 0;
}

int daemon_init(struct daemon *d, struct config *cfg, const char *path, char *err, size_t errlen)
{
	struct pairs pairs;
	uint8_t hashkey[16];

	memset(d, 0, sizeof(*d));
	d->cfg = cfg;
	d->config_path = path;
	d->sigfd = d->stage.replay_fd = d->control_fd = d->chan = d->serving_fd = -1;
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
	if (grants_init(&d->grants, cfg->max_grants) < 0) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (fw_open(&d->fw, cfg, err, errlen) < 0 || reconcile(d, err, errlen) < 0)
		return -1;
	if (daemon_open_captures(cfg, d->stage.sniffs, &d->stage.nsniffs, err, errlen) < 0 ||
	    open_signals(d, err, errlen) < 0 || control_open(d, err, errlen) < 0)
		return -1;
	d->started = daemon_clock().wall_ms / 1000;
	return daemon_windows_init(d, err, errlen);
}

int daemon_start(struct daemon *d, char *err, size_t errlen)
{
	if (daemon_spawn(d, err, errlen) < 0)
		return -1;
	if (sandbox_writer(err, errlen) < 0)
		return -1;
	return sandbox_writer_filter(err, errlen);
}

void daemon_free(struct daemon *d)
{
	daemon_retire_parser(d);
	control_close(d);
	free(d->win_next);
	for (int i = 0; i < d->stage.nsniffs; i++)
		sniff_close(&d->stage.sniffs[i]);
	fw_close(&d->fw);
	grants_free(&d->grants);
	seq_free(&d->stage.seq);
	verify_free(&d->stage.ver);
	if (d->stage.replay_fd >= 0)
		close(d->stage.replay_fd);
	if (d->sigfd >= 0)
		close(d->sigfd);
	if (d->cfg) {
		config_free(d->cfg);
		free(d->cfg);
		d->cfg = NULL;
	}
}
