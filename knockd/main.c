/* knockd: command line, configuration check (-t), and the daemon's life. */
#include <getopt.h>
#include <limits.h>
#include <malloc.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "config_load.h"
#include "daemon.h"
#include "fw.h"
#include "fwmgr.h"
#include "gate.h"
#include "ifcheck.h"
#include "lastgood.h"
#include "log.h"
#include "notify.h"
#include "sandbox.h"
#include "seqcost.h"
#include "sessions.h"
#include "version.h"

#define DEFAULT_CONFIG SYSCONFDIR "/knockd/knockd.conf"

static void usage(FILE *f)
{
	fprintf(f, "usage: knockd [-c FILE] [-f] [-t] [-G] [-v] | --version | --help\n"
		   "  -c FILE  configuration (default " DEFAULT_CONFIG ")\n"
		   "  -f       stay in the foreground, log to stderr\n"
		   "  -t       check the configuration and keys, then exit\n"
		   "  -G       write the gate (every door closed) unless it is there, then exit\n"
		   "  -v       verbose logging\n"
		   "See knockd(8) and knockd.conf(5).\n");
}

/* Sequences above the floor (config.c refuses below) but cheaper to guess than advised. */
static void warn_seq_cost(const struct config *c, int to_log)
{
	char cost[96], msg[PATH_MAX + 512];

	if (seqcost_knocks(c->seq_count, c->seq_len) >= SEQCOST_WARN)
		return;
	seqcost_describe(c->seq_count, c->seq_len, cost, sizeof(cost));
	snprintf(msg, sizeof(msg),
		 "%s:%d: warning: sequence_ports %u-%u with sequence_length %d: a host without "
		 "the key opens a client's doors after %s; %.0e or more advised",
		 c->file, c->seq_line, c->seq_base, c->seq_base + c->seq_count - 1u, c->seq_len,
		 cost, SEQCOST_WARN);
	if (to_log)
		log_warn("%s", msg);
	else
		printf("%s\n", msg);
}

/* -t: everything start-up would refuse, without touching the firewall or the network. */
/* knockd -t: the firewall managers this host runs (fwmgr.h), for fw_check's report. */
static const struct fw_manager *manager(const struct config *c, struct fwmgr *mgr,
					struct fw_manager *m)
{
	char err[256];

	m->target_owned = 0;
	m->names = mgr->names;
	if (fwmgr_scan(c, mgr, err, sizeof(err)) < 0)
		snprintf(mgr->names, sizeof(mgr->names), "cannot tell (%s)", err);
	else
		m->target_owned = mgr->target_owned;
	return m;
}

static int check_only(const struct config *c)
{
	const char *chosen = "(not checked)";
	struct keypair server;
	struct verifier v;
	char err[512];
	int r;

	if (keys_read_private(c->private_key, &server, err, sizeof(err)) < 0) {
		fprintf(stderr, "knockd: %s\n", err);
		return 1;
	}
	r = verify_init(&v, c, &server, err, sizeof(err)); /* frees what it made on failure */
	keys_wipe(&server);
	if (r < 0) {
		fprintf(stderr, "knockd: %s\n", err);
		return 1;
	}
	verify_free(&v);
	warn_seq_cost(c, 0);
	if (ifcheck_config(c, stdout, err, sizeof(err)) < 0) {
		fprintf(stderr, "knockd: %s\n", err);
		return 1;
	}
	if (geteuid() == 0) {
		char msg[4096];
		struct fwmgr mgr;
		struct fw_manager m;

		r = fw_check(c, manager(c, &mgr, &m), msg, sizeof(msg), &chosen);

		if (r == -2) {
			fprintf(stderr, "knockd: %s: %s\n", c->file, msg);
			return 1;
		}
		if (r < 0)
			printf("%s: note: %s\n", c->file, msg);
		else
			fputs(msg, stdout);
		msg[0] = '\0';
		gate_describe(c, msg, sizeof(msg));
		fputs(msg, stdout);
	} else {
		printf("%s: note: not root: the base ruleset was not checked\n", c->file);
	}
	(void)sessions_describe(c, stdout); /* /proc/net/tcp: root or not */
	printf("%s: OK: %zu door(s), %zu client(s), %zu sequence(s), %zu window(s); "
	       "backend %s: %s; token port udp/%u on %s\n",
	       c->file, c->ndoors, c->nclients, c->nseqs, c->nwindows,
	       config_backend_name(c->backend), chosen, c->spa_port, c->interfaces);
	return 0;
}

/* knockd -G (the boot unit knockd-gate.service, before the network): the gate, closed, unless
 * it is there already. */
static int gate_only(const struct config *c)
{
	struct gate *g;
	char err[512];
	int r;

	if (gate_open(&g, err, sizeof(err)) < 0) {
		fprintf(stderr, "knockd: %s\n", err);
		return 1;
	}
	r = gate_create(g, c, err, sizeof(err));
	gate_close(g); /* the table stays (persist flag, or none: not owned) */
	if (r < 0)
		fprintf(stderr, "knockd: %s\n", err);
	else
		printf("knockd: gate (table inet %s) %s\n", GATE_TABLE,
		       r ? "already in place: left as it is" : "written: every door closed");
	return r < 0;
}

/*
 * The configuration at start: the file; if it does not load, for the daemon and -G (not -t,
 * which checks the file), the last-good copy, with why in fallback. NULL: neither loads,
 * and *status is knockd's exit status. echo: the log is syslog, say it on stderr too.
 */
static struct config *load_start(const char *path, int test, int echo, struct config_text *keep,
				 char *fallback, size_t fblen, int *status)
{
	struct config *cfg = calloc(1, sizeof(*cfg));
	char err[512], lgerr[512], lgpath[PATH_MAX];

	*status = 1;
	if (!cfg) {
		fprintf(stderr, "knockd: out of memory\n");
		return NULL;
	}
	if (config_load_keep(cfg, path, test ? NULL : keep, err, sizeof(err)) == 0)
		return cfg;
	if (test) {
		fprintf(stderr, "knockd: %s\n", err);
		free(cfg);
		return NULL;
	}
	if (lastgood_load(cfg, path, lgpath, sizeof(lgpath), lgerr, sizeof(lgerr)) < 0) {
		log_err("%s", err);
		log_err("no last-good configuration to start on instead: %s", lgerr);
		if (echo)
			fprintf(stderr, "knockd: %s\nknockd: no last-good configuration: %s\n", err,
				lgerr);
		free(cfg);
		*status = LASTGOOD_EXIT_NONE;
		return NULL;
	}
	snprintf(fallback, fblen, "%s", err);
	if (echo)
		fprintf(stderr, "knockd: %s\nknockd: starting on the last-good copy %s\n", err,
			lgpath);
	log_err("%s", err);
	log_err("STARTING ON THE LAST CONFIGURATION THAT LOADED, %s, not on %s: fix it, then "
		"reload (knockctl reload) or restart",
		lgpath, path);
	return cfg;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {{"help", no_argument, NULL, 'h'},
						 {"version", no_argument, NULL, 'V'},
						 {NULL, 0, NULL, 0}};
	const char *path = DEFAULT_CONFIG;
	struct daemon d;
	int foreground = 0, test = 0, verbose = 0, gate = 0, opt, ret;
	char err[512], abspath[PATH_MAX], fallback[sizeof(d.fallback)];
	struct config_text keep = {NULL, 0};
	struct config *cfg;

	sandbox_close_inherited(); /* neither the writer nor the parser gets the caller's */
	/*
	 * Fixed malloc thresholds: glibc would otherwise raise them to the largest block freed
	 * (start-up's reconciliation arrays, libiptc's copy of a table of 10,000 rules), and
	 * keep that much heap for the daemon's life. Both processes are single-threaded: one
	 * arena, nothing to cap with M_ARENA_MAX.
	 */
	mallopt(M_MMAP_THRESHOLD, 128 << 10);
	mallopt(M_TRIM_THRESHOLD, 128 << 10);
	while ((opt = getopt_long(argc, argv, "c:fGtvh", longopts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			path = optarg;
			break;
		case 'f':
			foreground = 1;
			break;
		case 't':
			test = 1;
			break;
		case 'G':
			gate = 1;
			break;
		case 'v':
			verbose = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("knockd %s\n", KNOCK_VERSION);
			return 0;
		default:
			usage(stderr);
			return 1;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 1;
	}
	if (sodium_init() < 0) {
		fprintf(stderr, "knockd: libsodium failed to initialise\n");
		return 1;
	}
	/* Messages name the file as given; reloads use the absolute path (after detaching, the
	 * daemon runs in /). */
	if (!realpath(path, abspath))
		snprintf(abspath, sizeof(abspath), "%s", path);
	if (!test) /* -G: its messages on stderr (the journal, for the boot unit) */
		log_init("knockd", foreground || gate, verbose);
	fallback[0] = '\0';
	cfg = load_start(path, test, !foreground && !gate, &keep, fallback, sizeof(fallback), &ret);
	if (!cfg)
		return ret;
	if (test || gate) {
		ret = test ? check_only(cfg) : gate_only(cfg);
		config_text_free(&keep);
		config_free(cfg);
		free(cfg);
		return ret;
	}
	warn_seq_cost(cfg, 1);
	if (daemon_init(&d, cfg, abspath, err, sizeof(err)) < 0) {
		if (!foreground) /* the admin starting us by hand must see why, too */
			fprintf(stderr, "knockd: %s\n", err);
		log_err("%s", err);
		config_text_free(&keep);
		daemon_free(&d);
		return 1;
	}
	snprintf(d.fallback, sizeof(d.fallback), "%s", fallback);
	if (!foreground && daemon(0, 0) < 0)
		fatal("daemon: cannot detach");
	/* The parser is forked after detaching, so it is the detached writer's child. */
	if (daemon_start(&d, err, sizeof(err)) < 0) {
		log_err("%s", err);
		config_text_free(&keep);
		daemon_free(&d);
		return 1;
	}
	/* started: kept as the last good one, by the sandboxed writer as a reload does (a start
	 * on the last-good copy has nothing to keep) */
	lastgood_keep(d.lastgood_dir, &keep);
	malloc_trim(0); /* start-up's freed memory back to the system */
	log_info("started: %zu door(s), %zu client(s), token port udp/%u on %s, %zu grant(s) "
		 "adopted, backend %s",
		 cfg->ndoors, cfg->nclients, cfg->spa_port, cfg->interfaces, d.svc.grants.n,
		 grantsvc_backend(&d.svc)->name);
	notify_systemd("READY=1");
	ret = daemon_run(&d);
	notify_systemd("STOPPING=1");
	daemon_free(&d);
	/* _exit: under the writer's seccomp filter, nothing may run at exit that it would
	 * kill (a sanitizer's leak check traces the process). */
	_exit(ret);
}
