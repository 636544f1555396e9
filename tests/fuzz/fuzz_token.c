/*
 * libFuzzer: the token path as knockd runs it (size, version, hint lookup, AEAD, clock,
 * replay, signature, policy). Inputs starting with 0xff are "structure-aware": the rest is
 * a plaintext that gets sealed with a real client's key, so the fuzzer reaches the field
 * decoding, signature and policy checks that random bytes never get past the AEAD to.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "config_load.h"
#include "token.h"
#include "verify.h"
#include "../unit/vector_cfg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NOW 1767225600

static struct config cfg;
static struct verifier ver;
static struct keypair client, server;
static struct pair_keys keys;

static void setup(void)
{
	char text[512], b64[KEY_B64_LEN], err[512];
	uint8_t seed[32];

	if (sodium_init() < 0)
		abort();
	memset(seed, 1, sizeof(seed));
	crypto_sign_seed_keypair(client.pk, client.sk, seed);
	memset(seed, 2, sizeof(seed));
	crypto_sign_seed_keypair(server.pk, server.sk, seed);
	stand_in_key(b64); /* the vector key itself is refused by configurations */
	snprintf(text, sizeof(text),
		 "[door:ssh]\nports = 22\nmax_ttl = 1h\n[door:web]\nports = 80,443\n"
		 "direction = out\n[client:c]\npublic_key = %s\ndoors = ssh, web\nnat = yes\n",
		 b64);
	if (config_parse(&cfg, "fuzz.conf", text, strlen(text), err, sizeof(err)) < 0 ||
	    !use_vector_keys(&cfg, client.pk, NULL) ||
	    verify_init(&ver, &cfg, &server, err, sizeof(err)) < 0 ||
	    crypto_pair_derive(&keys, &client, server.pk, client.pk, server.pk) < 0)
		abort();
}

/* Seals an arbitrary 224-byte plaintext as a version-1 token of this client. */
static void seal_raw(uint8_t out[TOKEN_SIZE], const uint8_t *plain, size_t n)
{
	uint8_t p[TOKEN_PLAIN_LEN] = {0};

	memcpy(p, plain, n < sizeof(p) ? n : sizeof(p));
	out[0] = TOKEN_VERSION;
	crypto_hint(out + 1, &keys, NOW / TIME_STEP);
	memset(out + 1 + HINT_LEN, 0x5a, TOKEN_NONCE_LEN);
	memcpy(out + 1 + HINT_LEN, p, 8); /* vary the nonce so the replay cache does not mask */
	crypto_aead_xchacha20poly1305_ietf_encrypt(out + TOKEN_HEADER_LEN, NULL, p, sizeof(p), out,
						   1 + HINT_LEN, NULL, out + 1 + HINT_LEN,
						   keys.aead);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	uint8_t tok[TOKEN_SIZE];
	struct verdict v;
	struct addr src;

	if (!ready) {
		setup();
		ready = 1;
	}
	addr_parse("192.0.2.10", &src);
	if (size >= 1 && data[0] == 0xff) {
		seal_raw(tok, data + 1, size - 1);
		(void)verify_token(&ver, tok, sizeof(tok), &src, NOW, &v);
	} else {
		uint8_t *copy = malloc(size ? size : 1);

		memcpy(copy, data, size);
		(void)verify_token(&ver, copy, size, &src, NOW, &v);
		free(copy);
	}
	return 0;
}
