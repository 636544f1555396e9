/*
 * Prints the test vectors of knock-protocol(7) — key derivation step by step, four tokens
 * (IPv4, IPv6, several doors with a TTL, the nat = yes form) and three knock sequences —
 * from fixed seeds, nonces and timestamps, so the output never changes. The page holds
 * this output verbatim (tests/protocol_doc.t compares them) and tests/unit/test_token.c
 * and test_seq.c pin the values. Each intermediate value is computed here by the recipe the
 * page gives, from libsodium's primitives, and checked against what common/ computes.
 */
#include <netinet/in.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "crypto.h"
#include "seqgen.h"
#include "token.h"

#define T0    1767225600 /* 2026-01-01T00:00:00Z */
#define STEP0 (T0 / TIME_STEP)

static void hex(const char *label, const uint8_t *p, size_t n)
{
	printf("%s:%s", label, n > 16 ? "\n    " : " ");
	for (size_t i = 0; i < n; i++)
		printf("%s%02x", (i && i % 32 == 0) ? "\n    " : "", p[i]);
	printf("\n");
}

static int fail(const char *what)
{
	fprintf(stderr, "tokvec: %s differs from common/'s\n", what);
	return -1;
}

/* X25519 private key: SHA-512 of the Ed25519 seed, first 32 bytes, clamped. */
static void x25519_private(uint8_t x[32], const uint8_t seed[32])
{
	uint8_t h[64];

	crypto_hash_sha512(h, seed, 32);
	h[0] &= 248;
	h[31] &= 127;
	h[31] |= 64;
	memcpy(x, h, 32);
}

static int side(const char *name, struct keypair *kp, uint8_t fill, uint8_t x_sk[32],
		uint8_t x_pk[32])
{
	uint8_t seed[32], check[32];
	char b64[KEY_B64_LEN], label[64];

	memset(seed, fill, sizeof(seed));
	crypto_sign_seed_keypair(kp->pk, kp->sk, seed);
	x25519_private(x_sk, seed);
	if (crypto_sign_ed25519_pk_to_curve25519(x_pk, kp->pk) < 0 ||
	    crypto_sign_ed25519_sk_to_curve25519(check, kp->sk) < 0 || memcmp(check, x_sk, 32))
		return fail("X25519 private key");
	if (crypto_scalarmult_curve25519_base(check, x_sk) < 0 || memcmp(check, x_pk, 32))
		return fail("X25519 public key");
	keys_format_public(kp->pk, b64);
	printf("%s seed: 32 bytes of 0x%02x\n%s Ed25519 public key: %s\n", name, fill, name, b64);
	snprintf(label, sizeof(label), "%s Ed25519 public key (hex)", name);
	hex(label, kp->pk, 32);
	snprintf(label, sizeof(label), "%s X25519 private key", name);
	hex(label, x_sk, 32);
	snprintf(label, sizeof(label), "%s X25519 public key", name);
	hex(label, x_pk, 32);
	return 0;
}

static void subkey(uint8_t out[32], uint64_t id, const uint8_t master[32])
{
	uint8_t salt[16] = {0}, personal[16] = "knock-v1";

	for (int i = 0; i < 8; i++)
		salt[i] = (uint8_t)(id >> (8 * i)); /* little-endian */
	crypto_generichash_blake2b_salt_personal(out, 32, NULL, 0, master, 32, salt, personal);
}

static int keys(struct keypair *client, struct keypair *server, struct pair_keys *k)
{
	static const char label[] = "knock shared key v1";
	uint8_t c_sk[32], c_pk[32], s_sk[32], s_pk[32], dh[32], dh2[32], master[32];
	struct pair_keys mine, theirs;
	crypto_generichash_state st;

	printf("== keys\n");
	if (side("client", client, 0x01, c_sk, c_pk) < 0 ||
	    side("server", server, 0x02, s_sk, s_pk) < 0)
		return -1;
	if (crypto_scalarmult_curve25519(dh, c_sk, s_pk) < 0 ||
	    crypto_scalarmult_curve25519(dh2, s_sk, c_pk) < 0 || memcmp(dh, dh2, 32))
		return fail("dh");
	crypto_generichash_init(&st, NULL, 0, 32);
	crypto_generichash_update(&st, (const uint8_t *)label, sizeof(label) - 1);
	crypto_generichash_update(&st, dh, 32);
	crypto_generichash_update(&st, client->pk, 32);
	crypto_generichash_update(&st, server->pk, 32);
	crypto_generichash_final(&st, master, 32);
	subkey(mine.aead, 1, master);
	subkey(mine.hint, 2, master);
	subkey(mine.seq, 3, master);
	if (crypto_pair_derive(k, client, server->pk, client->pk, server->pk) < 0 ||
	    crypto_pair_derive(&theirs, server, client->pk, client->pk, server->pk) < 0 ||
	    memcmp(&mine, k, sizeof(mine)) || memcmp(&mine, &theirs, sizeof(mine)))
		return fail("pair keys");
	hex("dh", dh, 32);
	hex("master", master, 32);
	hex("aead_key", k->aead, 32);
	hex("hint_key", k->hint, 32);
	hex("seq_key", k->seq, 32);
	return 0;
}

struct vec {
	const char *title;
	uint64_t timestamp;
	const char *addr;
	uint32_t ttl;
	const char *doors[2];
	int ndoors;
	uint8_t nonce;
};

static int token(const struct vec *v, const struct pair_keys *k, const struct keypair *client,
		 const struct keypair *server)
{
	uint8_t out[TOKEN_SIZE], plain[TOKEN_PLAIN_LEN], hint[HINT_LEN];
	struct token t, o;

	memset(&t, 0, sizeof(t));
	t.timestamp = v->timestamp;
	t.ttl = v->ttl;
	memset(t.nonce, v->nonce, sizeof(t.nonce));
	if (addr_parse(v->addr, &t.addr) < 0 || token_set_doors(&t, v->doors, v->ndoors))
		return fail("token fields");
	token_seal(out, &t, k, client, server->pk);
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(plain, NULL, NULL, out + TOKEN_HEADER_LEN,
						       TOKEN_SIZE - TOKEN_HEADER_LEN, out, 9,
						       t.nonce, k->aead) < 0 ||
	    token_open(&o, out, k) != TOKEN_OK || token_verify(&o, client->pk, server->pk))
		return fail("token");
	crypto_hint(hint, k, v->timestamp / TIME_STEP);
	printf("== token: %s\ntimestamp %llu (step %llu), ttl %u, address %s\ndoors", v->title,
	       (unsigned long long)v->timestamp, (unsigned long long)(v->timestamp / TIME_STEP),
	       v->ttl, v->addr);
	for (int i = 0; i < v->ndoors; i++)
		printf(" \"%s\"", v->doors[i]);
	printf(", nonce 24 bytes of 0x%02x\n", v->nonce);
	hex("key hint", hint, HINT_LEN);
	hex("plaintext bytes 0..159", plain, 160);
	hex("signature (plaintext bytes 160..223)", plain + 160, 64);
	hex("token (273 bytes)", out, sizeof(out));
	return 0;
}

static int tokens(const struct pair_keys *k, const struct keypair *c, const struct keypair *srv)
{
	static const struct vec v[] = {
	    {"IPv4", T0, "192.0.2.10", 30, {"ssh"}, 1, 0x03},
	    {"IPv6", T0 + 45, "2001:db8::10", 0, {"ssh"}, 1, 0x04},
	    {"two doors, a TTL", T0 + 75, "198.51.100.7", 900, {"ssh", "web-egress"}, 2, 0x05},
	    {"nat = yes, \"the address you see\"", T0 + 100, "0.0.0.0", 0, {"ssh"}, 1, 0x06},
	};
	uint8_t h[HINT_LEN];

	printf("== key hint rotation\n");
	for (uint64_t s = STEP0 - 1; s <= STEP0 + 1; s++) {
		char label[48];

		crypto_hint(h, k, s);
		snprintf(label, sizeof(label), "hint for step %llu", (unsigned long long)s);
		hex(label, h, HINT_LEN);
	}
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		if (token(&v[i], k, c, srv) < 0)
			return -1;
	return 0;
}

static const char *proto(const struct seq_knock *x)
{
	return x->protocol == IPPROTO_UDP ? "udp" : "tcp";
}

/* h for a step: BLAKE2b-192 keyed with seq_key of "seqp" || the step, big-endian. */
static void seq_h(uint8_t h[24], const struct pair_keys *k, uint64_t step)
{
	uint8_t msg[12] = {'s', 'e', 'q', 'p'};

	for (int i = 0; i < 8; i++)
		msg[4 + i] = (uint8_t)(step >> (56 - 8 * i));
	crypto_generichash(h, 24, msg, sizeof(msg), k->seq, sizeof(k->seq));
}

static uint32_t v_of(const uint8_t h[24], int i)
{
	return (uint32_t)h[3 * i] << 16 | (uint32_t)h[3 * i + 1] << 8 | h[3 * i + 2];
}

/* The derivation of one step, knock by knock, as knock-protocol(7) gives it. */
static void sequence(const char *title, const struct pair_keys *k, uint64_t step, int len)
{
	uint8_t h[24];
	struct seq_knock s[SEQ_MAX_LEN];

	seq_h(h, k, step);
	seqgen_derive(s, len, k, step, SEQ_DEFAULT_BASE, SEQ_DEFAULT_COUNT);
	printf("== sequence: %s\nstep %llu, sequence_ports 61000-61999, sequence_length %d\n",
	       title, (unsigned long long)step, len);
	hex("h", h, sizeof(h));
	for (int i = 0; i < len; i++) {
		uint32_t v = v_of(h, i);
		unsigned raw = SEQ_DEFAULT_BASE + v % SEQ_DEFAULT_COUNT;

		printf("  %d: v %8u, port %u", i, v, raw);
		if (raw != s[i].port)
			printf(" = knock %d's, so %u", i - 1, s[i].port);
		printf(", bit 23 %u: %u/%s\n", v >> 23, s[i].port, proto(&s[i]));
	}
}

/* Whether step's 8 knocks show the consecutive-port rule (or, repeat, a non-adjacent visit). */
static int fires(const struct pair_keys *k, uint64_t step, int repeat)
{
	struct seq_knock s[SEQ_MAX_LEN];
	uint8_t h[24];

	seq_h(h, k, step);
	seqgen_derive(s, SEQ_MAX_LEN, k, step, SEQ_DEFAULT_BASE, SEQ_DEFAULT_COUNT);
	for (int i = 1; i < SEQ_MAX_LEN; i++) {
		if (!repeat && SEQ_DEFAULT_BASE + v_of(h, i) % SEQ_DEFAULT_COUNT == s[i - 1].port)
			return 1;
		for (int j = 0; repeat && j < i - 1; j++)
			if (s[i].port == s[j].port && s[i].protocol == s[j].protocol)
				return 1;
	}
	return 0;
}

static void sequences(const struct pair_keys *k)
{
	uint8_t id[16];
	uint64_t s = STEP0;

	sequence("the first step of 2026", k, STEP0, 8);
	seqgen_replay_id(id, k, STEP0);
	hex("replay id", id, sizeof(id));
	while (!fires(k, s, 0))
		s++;
	sequence("the consecutive-port rule fires", k, s, 8);
	for (s = STEP0; !fires(k, s, 1);)
		s++;
	sequence("a knock visited twice, not in a row", k, s, 8);
}

int main(void)
{
	struct keypair client, server;
	struct pair_keys k;

	if (sodium_init() < 0 || keys(&client, &server, &k) < 0 || tokens(&k, &client, &server) < 0)
		return 1;
	sequences(&k);
	return 0;
}
