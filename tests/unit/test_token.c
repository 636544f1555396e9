/*
 * Token v1: the known-answer vector of knockd(8) PROTOCOL, round trips, every single-bit
 * flip refused, wrong keys refused, and the verifier's clock, replay and policy checks.
 */
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include <netinet/in.h>

#include "config.h"
#include "seqgen.h"
#include "tap.h"
#include "token.h"
#include "verify.h"

#define T0 1767225600 /* the vector's timestamp */

static const char vector_hex[] = "018ced7de6d38753b30303030303030303030303030303030303030303030303"
				 "03ffe76b2bebcabbae5b036b4d1235b4fef157417bb02250d8667b8044db0018"
				 "4a1e4fb5e213137e5a1b4568cfe653ca1ba6f2cefa3d81f7f76e35377372ea50"
				 "e8203019e781eb08203870703367166f9b225836c0086bbf582d045270473cb0"
				 "506a571f7d48f2ec98b095e861c5aacd39f5f432c9a475334ba7c95304f5cb30"
				 "bb3d2742aa49a86285ae09d0d41dd851a15010cf96802b2e14f285e4afa91444"
				 "5e619cc980880a9cf992e25a24b09e2f5eaa871cd91a0904869f17da98673e27"
				 "34d2274e5d350b64949c999a28bdfc91b0a164f9b8e7a9ea25f710c73969c9b4"
				 "33c125d372ef2c4df4ada6968ab5aa1a4e";

static struct keypair client, server, stranger, natty;
static struct pair_keys kc, ks, kn;

static void keypair_from(struct keypair *kp, uint8_t fill)
{
	uint8_t seed[32];

	memset(seed, fill, sizeof(seed));
	crypto_sign_seed_keypair(kp->pk, kp->sk, seed);
}

static void make_token(uint8_t out[TOKEN_SIZE], const struct pair_keys *k,
		       const struct keypair *signer, uint64_t ts, const char *addr,
		       const char *door, uint32_t ttl)
{
	struct token t;
	const char *doors[] = {door};

	memset(&t, 0, sizeof(t));
	t.timestamp = ts;
	addr_parse(addr, &t.addr);
	t.ttl = ttl;
	if (token_set_doors(&t, doors, 1) != TOKEN_OK)
		printf("# bad door %s\n", door);
	randombytes_buf(t.nonce, sizeof(t.nonce));
	token_seal(out, &t, k, signer, server.pk);
}

static void known_answer(void)
{
	uint8_t want[TOKEN_SIZE], got[TOKEN_SIZE];
	struct token t, o;
	const char *doors[] = {"ssh"};
	size_t off = 0;

	sodium_hex2bin(want, sizeof(want), vector_hex, strlen(vector_hex), NULL, NULL, NULL);
	memset(&t, 0, sizeof(t));
	t.timestamp = T0;
	addr_parse("192.0.2.10", &t.addr);
	t.ttl = 30;
	ok(token_set_doors(&t, doors, 1) == TOKEN_OK, "pack door list");
	memset(t.nonce, 0x03, sizeof(t.nonce));
	token_seal(got, &t, &kc, &client, server.pk);
	ok(TOKEN_SIZE == 273 && !memcmp(got, want, sizeof(got)),
	   "sealing reproduces the documented 273-byte vector");
	ok(token_open(&o, want, &ks) == TOKEN_OK, "the server side opens the vector");
	ok(o.timestamp == T0 && o.ttl == 30 && o.addr.family == 4 &&
	       !strcmp(token_next_door(&o, &off), "ssh") && !token_next_door(&o, &off),
	   "fields decode: timestamp, ttl, address, one door");
	ok(token_verify(&o, client.pk, server.pk) == TOKEN_OK, "signature verifies");
	ok(token_verify(&o, stranger.pk, server.pk) == TOKEN_E_SIGNATURE,
	   "signature does not verify under another client key");
}

static void bit_flips(void)
{
	uint8_t tok[TOKEN_SIZE], bad[TOKEN_SIZE];
	struct token o;
	int accepted = 0;

	make_token(tok, &kc, &client, T0, "192.0.2.10", "ssh", 0);
	for (size_t bit = 0; bit < TOKEN_SIZE * 8; bit++) {
		memcpy(bad, tok, sizeof(bad));
		bad[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		if (token_check_header(bad, sizeof(bad)) == TOKEN_OK &&
		    token_open(&o, bad, &ks) == TOKEN_OK)
			accepted++;
	}
	ok(accepted == 0, "all %d single-bit flips refused", TOKEN_SIZE * 8);
	ok(token_check_header(tok, TOKEN_SIZE - 1) == TOKEN_E_SIZE, "short token refused");
	ok(token_check_header(tok, TOKEN_SIZE + 1) == TOKEN_E_SIZE, "long token refused");
}

static const char conf_fmt[] = "[knockd]\nreplay_window = 60s\n"
			       "[door:ssh]\nports = 22\nttl = 30s\nmax_ttl = 1h\n"
			       "[door:web]\nports = 80,443\nttl = 10m\n"
			       "[client:laptop]\npublic_key = %s\ndoors = ssh\n"
			       "[client:roamer]\npublic_key = %s\ndoors = ssh, web\nnat = yes\n";

static void verifier(void)
{
	char text[1024], b1[KEY_B64_LEN], b2[KEY_B64_LEN], err[512];
	struct config c;
	struct verifier v;
	struct verdict vd;
	struct addr src;
	uint8_t tok[TOKEN_SIZE];

	keys_format_public(client.pk, b1);
	keys_format_public(natty.pk, b2);
	snprintf(text, sizeof(text), conf_fmt, b1, b2);
	if (!ok(config_parse(&c, "t.conf", text, strlen(text), err, sizeof(err)) == 0,
		"test config parses: %s", err) ||
	    !ok(verify_init(&v, &c, &server, err, sizeof(err)) == 0, "verifier init"))
		return;
	addr_parse("192.0.2.10", &src);
	make_token(tok, &kc, &client, T0, "192.0.2.10", "ssh", 0);
	ok(verify_token(&v, tok, sizeof(tok), &src, T0 + 5, &vd) == V_OK && vd.client == 0 &&
	       vd.doors == 1 && addr_equal(&vd.addr, &src),
	   "valid token accepted: client laptop, door ssh, its address");
	ok(verify_token(&v, tok, sizeof(tok), &src, T0 + 5, &vd) == V_REPLAY,
	   "the same token again: replay");
	ok(verify_token(&v, tok, sizeof(tok), &src, T0 + 3600, &vd) == V_HINT,
	   "an hour later its key hint no longer names anyone");
	make_token(tok, &kc, &client, T0 - 61, "192.0.2.10", "ssh", 0);
	ok(verify_token(&v, tok, sizeof(tok), &src, T0, &vd) == V_STALE, "61 s old: stale");
	make_token(tok, &kc, &client, T0 + 61, "192.0.2.10", "ssh", 0);
	ok(verify_token(&v, tok, sizeof(tok), &src, T0, &vd) == V_FUTURE, "61 s ahead: future");
	make_token(tok, &kn, &stranger, T0, "192.0.2.10", "ssh", 0);
	ok(verify_token(&v, tok, sizeof(tok), &src, T0, &vd) == V_HINT,
	   "unknown client key: no hint matches, no crypto spent");
	make_token(tok, &kc, &stranger, T0, "192.0.2.10", "ssh", 0);
	ok(verify_token(&v, tok, sizeof(tok), &src, T0, &vd) == V_SIGNATURE,
	   "right AEAD key, wrong signer: signature refused");
	make_token(tok, &kc, &client, T0, "192.0.2.10", "web", 0);
	ok(verify_token(&v, tok, sizeof(tok), &src, T0, &vd) == V_DOOR,
	   "door not allowed for this client refused");
	make_token(tok, &kc, &client, T0, "192.0.2.10", "nosuch", 0);
	ok(verify_token(&v, tok, sizeof(tok), &src, T0, &vd) == V_DOOR, "unknown door refused");
	make_token(tok, &kc, &client, T0, "192.0.2.99", "ssh", 0);
	ok(verify_token(&v, tok, sizeof(tok), &src, T0, &vd) == V_ADDRESS,
	   "token naming another address than its source refused");
	{
		struct addr src99;

		addr_parse("192.0.2.99", &src99);
		ok(verify_token(&v, tok, sizeof(tok), &src99, T0, &vd) == V_OK,
		   "... the same token from the address it names: accepted (a refused copy "
		   "spends no replay slot)");
	}
	{
		struct pair_keys kr;

		if (crypto_pair_derive(&kr, &natty, server.pk, natty.pk, server.pk) < 0)
			return;
		make_token(tok, &kr, &natty, T0, "192.0.2.99", "web", 7200);
		ok(verify_token(&v, tok, sizeof(tok), &src, T0, &vd) == V_OK &&
		       vd.addr.a[3] == 99 && vd.doors == 2,
		   "nat = yes client: the token's address is opened");
		ok(verify_door_ttl(&c.doors[1], vd.ttl) == 600 &&
		       verify_door_ttl(&c.doors[0], 7200) == 3600 &&
		       verify_door_ttl(&c.doors[0], 0) == 30,
		   "TTL: capped at max_ttl, 0 means the door default");
		make_token(tok, &kr, &natty, T0, "0.0.0.0", "ssh", 0);
		ok(verify_token(&v, tok, sizeof(tok), &src, T0, &vd) == V_OK &&
		       addr_equal(&vd.addr, &src),
		   "nat = yes and address 0.0.0.0: the packet's source is opened");
	}
	ok(v.counts[V_OK] == 4 && v.counts[V_REPLAY] == 1 && v.counts[V_DOOR] == 2,
	   "per-reason counters");
	verify_free(&v);
	config_free(&c);
}

/* The sequence vector of knockd(8) PROTOCOL, from the same keys and timestamp. */
static void sequence_vector(void)
{
	static const struct seq_knock want[8] = {
	    {61293, IPPROTO_TCP}, {61522, IPPROTO_UDP}, {61943, IPPROTO_UDP}, {61214, IPPROTO_TCP},
	    {61585, IPPROTO_UDP}, {61067, IPPROTO_TCP}, {61155, IPPROTO_TCP}, {61941, IPPROTO_UDP}};
	struct seq_knock got[8];
	uint8_t id[16], want_id[16];
	char hex[65];

	sodium_bin2hex(hex, sizeof(hex), kc.seq, sizeof(kc.seq));
	ok(!strcmp(hex, "7c0411fdeb6e8f05a569892b3a435412cc23cf808365173a6ea89f8b2d504d90"),
	   "documented sequence key");
	int same = 1;

	seqgen_derive(got, 8, &kc, T0 / TIME_STEP, 61000, 1000);
	for (int i = 0; i < 8; i++) /* field by field: the struct has padding */
		same &= got[i].port == want[i].port && got[i].protocol == want[i].protocol;
	ok(same, "documented 8-knock sequence for step %d", T0 / TIME_STEP);
	seqgen_replay_id(id, &kc, T0 / TIME_STEP);
	sodium_hex2bin(want_id, sizeof(want_id), "6fd7bc124f8ed0fbf044e88ee2ec9492", 32, NULL, NULL,
		       NULL);
	ok(!memcmp(id, want_id, sizeof(id)), "documented sequence replay id");
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	keypair_from(&client, 0x01);
	keypair_from(&server, 0x02);
	keypair_from(&stranger, 0x04);
	keypair_from(&natty, 0x05);
	if (crypto_pair_derive(&kc, &client, server.pk, client.pk, server.pk) < 0 ||
	    crypto_pair_derive(&ks, &server, client.pk, client.pk, server.pk) < 0 ||
	    crypto_pair_derive(&kn, &stranger, server.pk, stranger.pk, server.pk) < 0)
		return 1;
	ok(!memcmp(&kc, &ks, sizeof(kc)), "client and server derive the same keys");
	known_answer();
	bit_flips();
	verifier();
	sequence_vector();
	return tap_done();
}
