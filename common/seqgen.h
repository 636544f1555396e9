/*
 * Authenticated knock sequences: the ports (and protocol of each knock) a client must hit
 * in a time step, derived from the pair's sequence key. Shared by knock and knockd.
 */
#ifndef KNOCK_SEQGEN_H
#define KNOCK_SEQGEN_H

#include <stdint.h>

#include "crypto.h"

#define SEQ_MAX_LEN       8
#define SEQ_DEFAULT_LEN   4
#define SEQ_DEFAULT_BASE  61000 /* above Linux's ephemeral range (32768-60999) */
#define SEQ_DEFAULT_COUNT 1000

struct seq_knock {
	uint16_t port;
	uint8_t protocol; /* IPPROTO_TCP (a SYN) or IPPROTO_UDP */
};

/*
 * Fills out[0..len-1] with ports in [base, base + count); no two consecutive knocks hit the
 * same port (so a duplicate is always recognisable as one).
 */
void seqgen_derive(struct seq_knock *out, int len, const struct pair_keys *k, uint64_t step,
		   uint16_t base, uint16_t count);
/* The replay-cache id that makes a (client, step) sequence valid once. */
void seqgen_replay_id(uint8_t id[16], const struct pair_keys *k, uint64_t step);

#endif
