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
#include "sandbox.h"
#include "seq.h"
#include "sniff.h"
#include "verify.h"

/* Grant changes batched into one commit: libiptc rewrites the whole table on each commit,
 * so under a burst of knocks larger batches mean far less work per grant. */
#define PENDING_MAX 1024
/* While a deletion or a rewrite waits for a commit that succeeds: retried this often. */
#define DAEMON_RETRY_MS 1000

/* What a queued firewall change means for the grant table (daemon_grants.c). */
struct pending_note {
	uint32_t id;
	uint8_t kind;   /* new, refresh, rewrite, delete */
	uint8_t origin; /* enum grant_origin, for the log */
	uint8_t quiet;  /* no log line: an unauthenticated origin over its rate */
	uint32_t ttl;
	int64_t prev_deadline; /* a refresh: what a failed commit restores */
	uint64_t prev_expires_ms;
	char who[NAME_MAX_LEN + 16];
};

struct daemon {
	struct config *cfg;        /* owned: replaced by a reload */
	const char *config_path;   /* what SIGHUP re-reads */
	struct parser_stage stage; /* for the next packet parser (spawn.c) */
	struct grants grants;
	struct fw fw;
	int sigfd;
	struct sandbox_user parser_user;
	struct fw_change pending[PENDING_MAX];
	struct pending_note notes[PENDING_MAX]; /* one per pending change */
	size_t npending;
	int rewrite_due; /* a rewrite failed: write every live grant again */
	int chan;        /* to the packet parser (privsep.h) */
	pid_t parser_pid;
	struct ps_stats base; /* counters of parsers that have been replaced */
	uint32_t stats_req;   /* number of the last counters request */
	struct {
		int64_t window; /* mono seconds */
		unsigned lines;
		uint64_t suppressed;
	} unauth_log; /* static sequences: their log lines are rate-limited */
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
	uint32_t ttl;    /* 0: each door's default */
	uint64_t ttl_ms; /* windows: the exact time left in ms (ttl is its round-up) */
	int exact;       /* take ttl as given (knockctl, windows); else cap it at max_ttl */
	int origin;      /* enum grant_origin */
	int unauth;      /* a static sequence: bounded share of the table (UNAUTH_SHARE) */
	int quiet;       /* its log lines are over their rate: none */
	const char *who;
};

/* Grants opened by static sequences: at most max_grants / UNAUTH_SHARE of the table. */
#define UNAUTH_SHARE 4

extern const char *const daemon_origin_names[];

/* Both clocks at once: monotonic for timers, realtime for kernel deadlines and tokens. */
struct grant_clock daemon_clock(void);
/* Takes ownership of cfg (heap-allocated, loaded from path) even when it fails. */
int daemon_init(struct daemon *d, struct config *cfg, const char *path, char *err, size_t errlen)
    __attribute__((warn_unused_result));
/* After detaching: starts the packet parser and drops the writer's privileges. */
int daemon_start(struct daemon *d, char *err, size_t errlen) __attribute__((warn_unused_result));
int daemon_run(struct daemon *d);
/*
 * Grant operations (daemon_grants.c). Changes are queued until daemon_commit(), which
 * commits them with every pending deletion and leaves the table as the kernel is (-1 if a
 * commit failed). daemon_open returns the id of the (last) grant opened or refreshed, 0 if
 * none: look it up again after a commit.
 */
uint32_t daemon_open(struct daemon *d, const struct grant_req *r, const struct grant_clock *now);
/* Marks a grant as ending for why (enum grant_ending); -1 if there is no such id. An
 * ending grant stays listed until a commit deletes its rules. */
int daemon_revoke(struct daemon *d, uint32_t id, int why);
/* Writes a live grant's rules again (its door's rules changed). */
void daemon_rewrite(struct daemon *d, uint32_t id);
/* Ends the grants that are due and commits (with any deletion still pending). */
void daemon_expire(struct daemon *d);
int daemon_commit(struct daemon *d);
/*
 * Sends req (with fds, if any) to the parser and waits for its answer of type reply, handling
 * grant requests queued before it; req becomes the answer. 0; -1 no answer in time; -2 the
 * channel failed (d->stop and d->failed are set).
 */
int daemon_ask(struct daemon *d, struct ps_msg *req, const int *fds, int nfds, uint32_t reply,
	       int timeout_ms);
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
int daemon_open_captures(const struct config *c, struct sniff *out, int *n, char *err,
			 size_t errlen) __attribute__((warn_unused_result));
int daemon_windows_init(struct daemon *d, char *err, size_t errlen)
    __attribute__((warn_unused_result));
/* The gate (daemon_gate.c): written whole from the live grants; -1 if the kernel refused. */
int daemon_gate_sync(struct daemon *d);
/* From the poll loop: reads the watch (readable) and restores the gate if it must. */
void daemon_gate_tick(struct daemon *d, int readable);

#endif
