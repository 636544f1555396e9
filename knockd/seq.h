/*
 * Knock sequences: authenticated per-client sequences (ports derived from the pair key and
 * the time step, inside the watched range sequence_ports) and static knockd-compatible
 * [sequence:NAME] ones. Pure (time is an argument); the per-source table is sized at
 * start-up, set-associative with LRU within a bucket, so a flood cannot grow it.
 */
#ifndef KNOCKD_SEQ_H
#define KNOCKD_SEQ_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "replay.h"
#include "seqgen.h"

#define SEQ_BUCKETS    128
#define SEQ_WAYS       8
#define SEQ_CANDIDATES 4

enum seq_outcome {
	SEQ_NONE,        /* nothing completed */
	SEQ_AUTH,        /* a client's authenticated sequence completed: grant its doors */
	SEQ_AUTH_REPLAY, /* completed, but that (client, step) was used already */
	SEQ_STATIC,      /* a static [sequence:NAME] completed (unauthenticated) */
};

struct seq_result {
	int outcome;
	int client; /* SEQ_AUTH*: config client index */
	int seq;    /* SEQ_STATIC: config seqs index */
	uint8_t replay_id[REPLAY_ID_LEN];
	int64_t replay_expires;
};

struct seq_cand {
	int client; /* -1: free */
	uint64_t step;
	int progress;
	struct seq_knock k[SEQ_MAX_LEN];
};

struct seq_source {
	struct addr src;
	uint64_t last_ms; /* 0: free slot */
	struct seq_cand cand[SEQ_CANDIDATES];
	uint8_t st_progress[CONFIG_MAX_STATIC_SEQS];
	uint64_t st_started[CONFIG_MAX_STATIC_SEQS];
};

struct seq_first; /* first knock of a (client, step) sequence, sorted for lookup */

struct seq_engine {
	const struct config *cfg;
	const struct pair_keys *keys; /* per client, owned by the verifier */
	struct seq_source *sources;   /* SEQ_BUCKETS * SEQ_WAYS */
	struct seq_first *firsts;
	size_t nfirsts, nauth;
	uint64_t firsts_step;
	uint8_t hashkey[16];
	uint64_t knocks, resets, completed, replays;
};

int seq_init(struct seq_engine *e, const struct config *cfg, const struct pair_keys *keys,
	     const uint8_t hashkey[16]) __attribute__((warn_unused_result));
void seq_free(struct seq_engine *e);
/* Whether a packet to this port/protocol is a knock the engine watches. */
int seq_watched(const struct seq_engine *e, int protocol, uint16_t port);
/*
 * One knock (a TCP SYN or a UDP datagram) to a port seq_watched() said yes to: the caller
 * routes packets with it, so it is not asked twice per packet. replay is only read.
 * Returns out->outcome.
 */
int seq_knock(struct seq_engine *e, const struct addr *src, int protocol, uint16_t port,
	      uint64_t now_ms, int64_t now_wall, const struct replay *replay,
	      struct seq_result *out);

#endif
