/*
 * Authenticated knock sequences: the ports (and protocol of each knock) a client must hit
 * in a time step, derived from the pair's sequence key. Shared by knock and knockd.
 */
#include "seqgen.h"

#include <netinet/in.h>
#include <sodium.h>
#include <string.h>

static void keyed(uint8_t *out, size_t outlen, const char tag[4], const struct pair_keys *k,
		  uint64_t step)
{
	uint8_t msg[12];

	memcpy(msg, tag, 4);
	for (int i = 0; i < 8; i++)
		msg[4 + i] = (uint8_t)(step >> (56 - 8 * i));
	crypto_generichash(out, outlen, msg, sizeof(msg), k->seq, sizeof(k->seq));
}

void seqgen_derive(struct seq_knock *out, int len, const struct pair_keys *k, uint64_t step,
		   uint16_t base, uint16_t count)
{
	uint8_t h[3 * SEQ_MAX_LEN];

	keyed(h, sizeof(h), "seqp", k, step);
	for (int i = 0; i < len && i < SEQ_MAX_LEN; i++) {
		uint32_t v = (uint32_t)(h[3 * i] << 16 | h[3 * i + 1] << 8 | h[3 * i + 2]);
		uint16_t port = (uint16_t)(base + v % count);

		if (i && port == out[i - 1].port)
			port = (uint16_t)(base + (port - base + 1) % count);
		out[i].port = port;
		out[i].protocol = (v >> 23) & 1 ? IPPROTO_UDP : IPPROTO_TCP;
	}
}

void seqgen_replay_id(uint8_t id[16], const struct pair_keys *k, uint64_t step)
{
	keyed(id, 16, "seqr", k, step);
}
