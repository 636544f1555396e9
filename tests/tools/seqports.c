/*
 * Test tool: prints a client's authenticated knock sequence for the current time step plus
 * OFFSET (default sequence_ports and sequence_length), as knock's static arguments
 * ("61234:tcp 61777:udp ..."), so a test can send it with duplicates or from elsewhere.
 *   seqports CLIENT_KEY SERVER_PUBKEY OFFSET
 *   seqports -r NEW_KEY SERVER_PUBKEY OFFSET
 * -r writes a new client key (mode 0600) whose sequence for that step visits a (port,
 * protocol) twice, non-adjacently (about 1 step in 700 at the defaults), and prints it.
 */
#include <fcntl.h>
#include <netinet/in.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "keys.h"
#include "seqgen.h"

#define TRIES 200000 /* a miss after this many keys has odds of about e^-290 */

static int repeats_apart(const struct seq_knock *s, int n)
{
	for (int i = 0; i < n; i++)
		for (int j = i + 2; j < n; j++)
			if (s[i].port == s[j].port && s[i].protocol == s[j].protocol)
				return 1;
	return 0;
}

static void derive(struct seq_knock *s, const struct pair_keys *k, uint64_t step)
{
	seqgen_derive(s, SEQ_DEFAULT_LEN, k, step, SEQ_DEFAULT_BASE, SEQ_DEFAULT_COUNT);
}

/* Seeds tried at random until one fits; written as knock keygen writes a key. */
static int find_repeating(const char *path, const uint8_t spk[32], uint64_t step,
			  struct seq_knock *s)
{
	uint8_t seed[32];
	char b64[KEY_B64_LEN + 1];
	struct keypair kp;
	struct pair_keys k;
	int fd;

	for (int i = 0; i < TRIES; i++) {
		randombytes_buf(seed, sizeof(seed));
		crypto_sign_seed_keypair(kp.pk, kp.sk, seed);
		if (crypto_pair_derive(&k, &kp, spk, kp.pk, spk) < 0)
			return -1;
		derive(s, &k, step);
		if (!repeats_apart(s, SEQ_DEFAULT_LEN))
			continue;
		sodium_bin2base64(b64, KEY_B64_LEN, seed, sizeof(seed),
				  sodium_base64_VARIANT_ORIGINAL);
		strcat(b64, "\n");
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd < 0 || write(fd, b64, strlen(b64)) != (ssize_t)strlen(b64))
			return -1;
		close(fd);
		return 0;
	}
	return -1;
}

int main(int argc, char **argv)
{
	struct keypair kp;
	struct pair_keys k;
	struct seq_knock s[SEQ_MAX_LEN];
	uint8_t spk[32];
	char err[512] = "";
	int find = argc == 5 && !strcmp(argv[1], "-r");
	uint64_t step;

	if ((argc != 4 && !find) || sodium_init() < 0)
		return fprintf(stderr, "usage: seqports [-r] CLIENT_KEY SERVER_PUBKEY OFFSET\n"), 2;
	argv += find;
	step = (uint64_t)(time(NULL) / TIME_STEP + atoi(argv[3]));
	if (keys_parse_public(argv[2], spk) < 0)
		return fprintf(stderr, "seqports: bad server public key\n"), 1;
	if (find) {
		if (find_repeating(argv[1], spk, step, s) < 0)
			return fprintf(stderr, "seqports: no key found or %s not written\n",
				       argv[1]),
			       1;
	} else {
		if (keys_read_private(argv[1], &kp, err, sizeof(err)) < 0 ||
		    crypto_pair_derive(&k, &kp, spk, kp.pk, spk) < 0)
			return fprintf(stderr, "seqports: bad keys: %s\n", err), 1;
		derive(s, &k, step);
	}
	for (int i = 0; i < SEQ_DEFAULT_LEN; i++)
		printf("%s%u:%s", i ? " " : "", s[i].port,
		       s[i].protocol == IPPROTO_TCP ? "tcp" : "udp");
	printf("\n");
	return 0;
}
