/*
 * Test tool: writes to stdout one correctly signed token asking any TTL (0 to 2^32 - 1),
 * which knock itself never sends above 30 days:
 *   tokttl CLIENT_KEY SERVER_PUB ADDR TTL DOOR [DOOR...]
 * The timestamp is now; the nonce is random.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "token.h"

int main(int argc, char **argv)
{
	struct keypair kp;
	struct pair_keys k;
	struct token t;
	uint8_t spk[KEY_PUBLIC_LEN], pkt[TOKEN_SIZE];
	char err[256], *end;
	unsigned long ttl;

	if (argc < 6) {
		fprintf(stderr, "usage: tokttl CLIENT_KEY SERVER_PUB ADDR TTL DOOR [DOOR...]\n");
		return 2;
	}
	ttl = strtoul(argv[4], &end, 10);
	memset(&t, 0, sizeof(t));
	if (sodium_init() < 0 || keys_read_private(argv[1], &kp, err, sizeof(err)) < 0 ||
	    keys_parse_public(argv[2], spk) < 0 || addr_parse(argv[3], &t.addr) < 0 || *end ||
	    ttl > 0xffffffffUL || crypto_pair_derive(&k, &kp, spk, kp.pk, spk) < 0 ||
	    token_set_doors(&t, (const char *const *)argv + 5, (size_t)argc - 5) != TOKEN_OK) {
		fprintf(stderr, "tokttl: bad arguments (%s)\n", err);
		return 1;
	}
	t.timestamp = (uint64_t)time(NULL);
	t.ttl = (uint32_t)ttl;
	randombytes_buf(t.nonce, sizeof(t.nonce));
	token_seal(pkt, &t, &k, &kp, spk);
	return fwrite(pkt, 1, sizeof(pkt), stdout) == sizeof(pkt) ? 0 : 1;
}
