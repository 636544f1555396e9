/* The daemon: start-up (keys, replay state, firewall reconciliation, capture) and the
 * single poll loop that waits on captures, signals and the next grant expiry. */
#ifndef KNOCKD_DAEMON_H
#define KNOCKD_DAEMON_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "config.h"
#include "fw.h"
#include "grants.h"
#include "parser.h"
#include "pkt.h"
#include "privsep.h"
#include "seq.h"
#include "sniff.h"
#include "verify.h"

/* Grant changes batched into one commit: libiptc rewrites the whole table on each commit,
 * so under a burst of knocks larger batches mean far less work per grant. */
#define PENDING_MAX 1024

struct daemon {
	struct config *cfg;        /* owned: replaced by a reload */
	const char *config_path;   /* what SIGHUP re-reads */
	struct parser_stage stage; /* for the next packet parser (spawn.c) */
	struct grants grants;
	struct fw fw;
	int sigfd;
	struct fw_change pending[PENDING_MAX];
	uint32_t pending_new[PENDING_MAX]; /* ids of grants created in this batch */
	size_t npending;
	int chan; /* to the packet parser (privsep.h) */
	pid_t parser_pid;
	struct ps_stats base; /* counters of parsers that have been replaced */
	int control_fd;
	int serving_fd;       /* the knockctl connection being answered, or -1 */
	int64_t *win_next;    /* next start of each window (unix seconds, -1: none) */
	int64_t clock_offset; /* windows only: KNOCKD_TEST_CLOCK_OFFSET, for tests */
	int64_t started;      /* wall seconds */
	int stop;
	int failed; /* stop with exit status 1 */
};

/* One request to open doors, from any origin. */
struct grant_req {
	uint32_t doors; /* mask of config doors */
	struct addr addr;
	uint32_t ttl; /* 0: each door's default */
	int exact;    /* take ttl as given (knockctl, windows); else cap it at max_ttl */
	int origin;   /* enum grant_origin */
	const char *who;
};

extern const char *const daemon_origin_names[];

/* Both clocks at once: monotonic for timers, realtime for kernel deadlines and tokens. */
struct grant_clock daemon_clock(void);
/* Takes ownership of cfg (heap-allocated, loaded from path) even when it fails. */
int daemon_init(struct daemon *d, struct config *cfg, const char *path, char *err, size_t errlen)
    __attribute__((warn_unused_result));
/* After detaching: starts the packet parser and drops the writer's privileges. */
int daemon_start(struct daemon *d, char *err, size_t errlen) __attribute__((warn_unused_result));
int daemon_run(struct daemon *d);
/* Grant operations (daemon_grants.c). Changes are queued until daemon_commit(). */
void daemon_open(struct daemon *d, const struct grant_req *r, const struct grant_clock *now);
int daemon_revoke(struct daemon *d, uint32_t id, const char *reason);
/* Writes a live grant's rules again (its door's rules changed). */
void daemon_rewrite(struct daemon *d, const struct grant *g);
void daemon_expire(struct daemon *d);
int daemon_commit(struct daemon *d);
/* The parser's counters (asked over the channel) plus those of earlier parsers. */
void daemon_stats(struct daemon *d, struct ps_stats *out);
/*
 * Forks the unprivileged packet parser with what d holds now (verifier, sequences,
 * captures, replay fd); the parent then drops its copies of them (spawn.c).
 */
int daemon_spawn(struct daemon *d, char *err, size_t errlen) __attribute__((warn_unused_result));
/* Closes the channel (the parser exits on it) and reaps the parser. */
void daemon_retire_parser(struct daemon *d);
void daemon_free(struct daemon *d);
/* SIGHUP, knockctl reload: re-reads the configuration; on any error keeps everything as it
 * was and says why. */
int daemon_reload(struct daemon *d, char *err, size_t errlen);
int daemon_open_captures(const struct config *c, const struct seq_engine *seq, struct sniff *out,
			 int *n, char *err, size_t errlen) __attribute__((warn_unused_result));
int daemon_windows_init(struct daemon *d, char *err, size_t errlen)
    __attribute__((warn_unused_result));

#endif
