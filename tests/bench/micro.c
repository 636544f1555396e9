/*
 * In-process micro-benchmark, one core: how many tokens per second the verifier rejects
 * (right-size junk with random hints; a real token with one bit flipped, which costs a hint
 * lookup and one AEAD open) and verifies (valid tokens, each with its own nonce).
 */
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "config_load.h"
#include "token.h"
#include "verify.h"

#define POOL 4096
#define VALID 20000

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static double rate(struct verifier *v, uint8_t (*tok)[TOKEN_SIZE], size_t n, int64_t ts,
		   double seconds, size_t limit)
{
	struct addr src;
	struct verdict vd;
	double t0 = now(), t;
	size_t done = 0;

	addr_parse("192.0.2.10", &src);
	do {
		for (int i = 0; i < 1024 && done < limit; i++, done++)
			(void)verify_token(v, tok[done % n], TOKEN_SIZE, &src, ts, &vd);
		t = now() - t0;
	} while (t < seconds && done < limit);
	return (double)done / t;
}

int main(void)
{
	static uint8_t junk[POOL][TOKEN_SIZE], flipped[POOL][TOKEN_SIZE], valid[VALID][TOKEN_SIZE];
	struct keypair c, s;
	struct pair_keys k;
	struct config cfg;
	struct verifier v;
	char text[256], b64[KEY_B64_LEN], err[512];
	int64_t ts = (int64_t)time(NULL);
	const char *doors[] = {"ssh"};

	if (sodium_init() < 0)
		return 1;
	crypto_sign_keypair(c.pk, c.sk);
	crypto_sign_keypair(s.pk, s.sk);
	keys_format_public(c.pk, b64);
	snprintf(text, sizeof(text), "[door:ssh]\nports = 22\n[client:c]\npublic_key = %s\ndoors = ssh\n",
		 b64);
	if (config_parse(&cfg, "bench.conf", text, strlen(text), err, sizeof(err)) < 0 ||
	    verify_init(&v, &cfg, &s, err, sizeof(err)) < 0 ||
	    crypto_pair_derive(&k, &c, s.pk, c.pk, s.pk) < 0)
		return 1;
	randombytes_buf(junk, sizeof(junk));
	for (int i = 0; i < POOL; i++)
		junk[i][0] = TOKEN_VERSION; /* past the version check: a hint lookup each */
	for (int i = 0; i < VALID; i++) {
		struct token t;

		memset(&t, 0, sizeof(t));
		t.timestamp = (uint64_t)ts;
		addr_parse("192.0.2.10", &t.addr);
		if (token_set_doors(&t, doors, 1) != TOKEN_OK)
			return 1;
		randombytes_buf(t.nonce, sizeof(t.nonce));
		token_seal(valid[i], &t, &k, &c, s.pk);
		if (i < POOL) {
			memcpy(flipped[i], valid[i], TOKEN_SIZE);
			flipped[i][100] ^= 4;
		}
	}
	printf("junk-rejected-per-s %.0f\n", rate(&v, junk, POOL, ts, 2.0, (size_t)-1));
	printf("aead-failures-per-s %.0f\n", rate(&v, flipped, POOL, ts, 2.0, (size_t)-1));
	printf("valid-verified-per-s %.0f\n", rate(&v, valid, VALID, ts, 60.0, VALID));
	return 0;
}
