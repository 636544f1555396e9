/*
 * Test tool: prints a client's authenticated knock sequence for the current time step plus
 * OFFSET, as knock's static arguments ("61234:tcp 61777:udp ..."), so a test can send it
 * with duplicates or from elsewhere. Usage: seqports CLIENT_KEY_FILE SERVER_PUBKEY OFFSET
 */
#include <netinet/in.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "keys.h"
#include "seqgen.h"

int main(int argc, char **argv)
{
	struct keypair kp;
	struct pair_keys k;
	struct seq_knock s[SEQ_MAX_LEN];
	uint8_t spk[32];
	char err[512];

	if (argc != 4 || sodium_init() < 0)
		return fprintf(stderr, "usage: seqports CLIENT_KEY SERVER_PUBKEY OFFSET\n"), 2;
	if (keys_read_private(argv[1], &kp, err, sizeof(err)) < 0 ||
	    keys_parse_public(argv[2], spk) < 0 || crypto_pair_derive(&k, &kp, spk, kp.pk, spk) < 0)
		return fprintf(stderr, "seqports: bad keys: %s\n", err), 1;
	seqgen_derive(s, SEQ_DEFAULT_LEN, &k, (uint64_t)(time(NULL) / TIME_STEP + atoi(argv[3])),
		      SEQ_DEFAULT_BASE, SEQ_DEFAULT_COUNT);
	for (int i = 0; i < SEQ_DEFAULT_LEN; i++)
		printf("%s%u:%s", i ? " " : "", s[i].port,
		       s[i].protocol == IPPROTO_TCP ? "tcp" : "udp");
	printf("\n");
	return 0;
}
