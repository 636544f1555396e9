/*
 * Privilege separation: the channel between the unprivileged packet parser (child) and the
 * privileged rule writer (parent). Fixed-size messages over a SOCK_SEQPACKET socketpair; the
 * parent re-validates every request against the configuration.
 */
#ifndef KNOCKD_PRIVSEP_H
#define KNOCKD_PRIVSEP_H

#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "config.h"
#include "pkt.h"
#include "verify.h"

#define PS_MAGIC 0x6b6e6b31u /* "knk1" */

/* Where a grant request comes from: the parser sends the first two over the channel. */
enum grant_origin { ORIGIN_TOKEN, ORIGIN_SEQUENCE, ORIGIN_WINDOW, ORIGIN_LOCAL, ORIGIN_ADOPTED };

enum ps_type {
	PS_GRANT = 1,     /* child -> parent: open doors */
	PS_STATS_REQ = 2, /* parent -> child */
	PS_STATS = 3,     /* child -> parent: counters */
	PS_RELOAD = 4,    /* parent -> child, with descriptors: a new configuration */
	PS_RELOADED = 5,  /* child -> parent: status 0 (in place) or -1 and text (refused) */
};

/* PS_RELOAD's descriptors: the configuration (cfgpass.h), the client keys (pairs.h), then
 * one per capture. */
#define PS_MAX_FDS 10

/* What the parser counts; summed across parser restarts by the parent. */
struct ps_stats {
	uint64_t frames, oversized, other_port, refused;
	uint64_t pkt_errors[PKT_NERR];
	uint64_t tokens[V_NRESULTS];
	uint64_t knocks, seq_resets, sequences, seq_replays;
};

struct ps_msg {
	uint32_t magic;
	uint32_t type;
	/* PS_STATS_REQ: a number the PS_STATS reply repeats, so the writer drops a reply
	 * that comes after it stopped waiting (it is stale, not a protocol violation). */
	uint32_t req_id;
	/* PS_GRANT */
	uint32_t origin;  /* ORIGIN_TOKEN or ORIGIN_SEQUENCE */
	int32_t client;   /* config client index, or -1 for a static sequence */
	int32_t seq;      /* config static sequence index, or -1 */
	uint32_t doors;   /* mask of config doors */
	uint32_t ttl;     /* requested; 0 = door default (capped at max_ttl by the parent) */
	struct addr addr; /* address to open */
	uint8_t pad[3];
	/* PS_STATS */
	struct ps_stats stats;
	/* PS_RELOADED */
	int32_t status;
	char text[256];
};

/* Parent side: whether a grant request is one the configuration allows. Pure. */
int privsep_check(const struct config *c, const struct ps_msg *m, char *err, size_t errlen)
    __attribute__((warn_unused_result));
/* One whole message or -1 (short, oversized, wrong magic, or the peer gone). */
int privsep_recv(int fd, struct ps_msg *m) __attribute__((warn_unused_result));
int privsep_send(int fd, const struct ps_msg *m) __attribute__((warn_unused_result));
/* With descriptors (SCM_RIGHTS). */
int privsep_send_fds(int fd, const struct ps_msg *m, const int *fds, int nfds)
    __attribute__((warn_unused_result));
/* Parser: a message and the descriptors that came with it (at most PS_MAX_FDS, *nfds). */
int privsep_recv_fds(int fd, struct ps_msg *m, int *fds, int *nfds)
    __attribute__((warn_unused_result));

#endif
