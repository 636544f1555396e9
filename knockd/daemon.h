/* The rule writer: start-up (keys, replay state, the grant service, the captures handed to
 * the packet parser) and its single poll loop, which waits on the parser's channel, signals,
 * the control socket, window starts and the grant service's next deadline. */
#ifndef KNOCKD_DAEMON_H
#define KNOCKD_DAEMON_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "config.h"
#include "control.h"
#include "grantsvc.h"
#include "parser.h"
#include "pkt.h"
#include "privsep.h"
#include "sandbox.h"
#include "seq.h"
#include "sniff.h"
#include "verify.h"

struct daemon {
	struct grantsvc svc;       /* the grants, the firewall, the configuration in force */
	const char *config_path;   /* what SIGHUP re-reads */
	struct parser_stage stage; /* for the next packet parser (spawn.c) */
	int sigfd;
	struct sandbox_user parser_user;
	int chan; /* to the packet parser (privsep.h) */
	pid_t parser_pid;
	struct ps_stats base; /* counters of parsers that have been replaced */
	uint32_t stats_req;   /* number of the last counters request */
	struct {
		int64_t window; /* mono seconds */
		unsigned lines;
		uint64_t suppressed;
	} unauth_log;         /* static sequences: their log lines are rate-limited */
	struct control ctl;   /* the control socket (knockctl) */
	int64_t *win_next;    /* next start of each window (unix seconds, -1: none) */
	int64_t clock_offset; /* windows only: KNOCKD_TEST_CLOCK_OFFSET, for tests */
	int stop;
	int failed;          /* stop with exit status 1 */
	int lastgood_dir;    /* state_dir, for the last-good copy (lastgood.h), or -1 */
	char fallback[1024]; /* started on the last-good copy: why ("" = on the file) */
	struct {
		uint64_t first_ms, quiet_ms; /* mono ms; first_ms 0: no change waiting */
	} host_settle; /* daemon_gate.c: the host's tables changed; our accepts wait for quiet */
};

/* Takes ownership of cfg (heap-allocated, loaded from path) even when it fails. */
int daemon_init(struct daemon *d, struct config *cfg, const char *path, char *err, size_t errlen)
    __attribute__((warn_unused_result));
/* After detaching: starts the packet parser and drops the writer's privileges. */
int daemon_start(struct daemon *d, char *err, size_t errlen) __attribute__((warn_unused_result));
int daemon_run(struct daemon *d);
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
/* Milliseconds until daemon_gate_tick must run again (accepts waiting for the host's
 * tables to settle); -1 for none. */
int64_t daemon_gate_timeout(const struct daemon *d, uint64_t now_ms);
/* The legacy xtables watch (daemon_watch.c): ms until its next look (-1: the backend sends
 * events or has none to send), and the look, from the poll loop. */
int64_t daemon_watch_ms(const struct daemon *d);
void daemon_watch_tick(struct daemon *d);

#endif
