/*
 * Prints the token v1 test vector documented in knockd(8), PROTOCOL, and pinned by
 * tests/unit/test_token.c: fixed seeds, nonce and timestamp, so the output never changes.
 */
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "crypto.h"
#include "token.h"

static void hex(const char *label, const uint8_t *p, size_t n)
{
	printf("%s", label);
	for (size_t i = 0; i < n; i++)
		printf("%s%02x", (i && i % 32 == 0) ? "\n    " : "", p[i]);
	printf("\n");
}

int main(void)
{
	uint8_t seed[32], out[TOKEN_SIZE];
	struct keypair client, server;
	struct pair_keys k;
	struct token t;
	char b64[KEY_B64_LEN];
	const char *doors[] = {"ssh"};

	if (sodium_init() < 0)
		return 1;
	memset(seed, 0x01, sizeof(seed));
	crypto_sign_seed_keypair(client.pk, client.sk, seed);
	memset(seed, 0x02, sizeof(seed));
	crypto_sign_seed_keypair(server.pk, server.sk, seed);
	if (crypto_pair_derive(&k, &client, server.pk, client.pk, server.pk) < 0)
		return 1;
	memset(&t, 0, sizeof(t));
	t.timestamp = 1767225600; /* 2026-01-01T00:00:00Z */
	addr_parse("192.0.2.10", &t.addr);
	t.ttl = 30;
	if (token_set_doors(&t, doors, 1) != TOKEN_OK)
		return 1;
	memset(t.nonce, 0x03, sizeof(t.nonce));
	token_seal(out, &t, &k, &client, server.pk);

	printf("client seed: 32 bytes of 0x01\nserver seed: 32 bytes of 0x02\n");
	keys_format_public(client.pk, b64);
	printf("client public key: %s\n", b64);
	keys_format_public(server.pk, b64);
	printf("server public key: %s\n", b64);
	hex("aead key: ", k.aead, 32);
	hex("hint key: ", k.hint, 32);
	printf(
	    "timestamp 1767225600, address 192.0.2.10, ttl 30, doors \"ssh\", nonce 24 x 0x03\n");
	hex("token (273 bytes):\n    ", out, sizeof(out));
	return 0;
}
