/*
 * Token v1: the test vectors of knock-protocol(7) (each step of the key derivation, the key
 * hints, four tokens byte for byte, what the server makes of them), round trips, every
 * single-bit flip refused, wrong keys refused, and the verifier's clock, replay and policy
 * checks. tests/tools/tokvec prints the same values.
 */
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include <netinet/in.h>

#include "config.h"
#include "config_load.h"
#include "grantsvc.h"
#include "seqgen.h"
#include "tap.h"
#include "vector_cfg.h"
#include "token.h"
#include "verify.h"

#define T0 1767225600 /* the vector's timestamp */

/* knock-protocol(7), TEST VECTORS: the key derivation, step by step. */
static const struct {
	const char *name, *hex;
} derivation_hex[] = {
    {"client X25519 private key", "58e86efb75fa4e2c410f46e16de9f6ac"
				  "ae1a1703528651b69bc176c088bef36e"},
    {"client X25519 public key", "1b1b58dd50ea14b60da17b790cd02754"
				 "d970c9bab864ebb3c0f3016fe51d3f57"},
    {"server X25519 private key", "a83c626bc9c38c8c201878ebb1d5b0b5"
				  "0ac40e8986c78793db1d4ef369fca14e"},
    {"server X25519 public key", "60346e7c911a5f6ba154129174cafe75"
				 "b294ac3bbd5549632f48cec6266f8410"},
    {"dh", "4181d7302557342bdb6d061c4b1eebea"
	   "828ecb625c3368b7111680793307220b"},
    {"master", "f53645b3bd27c19aeddb0fbac05ce805"
	       "f820793eb86f887f541dffbdabb015f1"},
    {"aead_key", "9bfe7ce9aae292ccc6cec5bca9f83f00"
		 "745aed39f4fc2a1d71b542af0bf58901"},
    {"hint_key", "9cdba26a5a08869d8eab28925ed577ba"
		 "3fb03f44c0961ae4bc1ec3c12521396e"},
    {"seq_key", "7c0411fdeb6e8f05a569892b3a435412"
		"cc23cf808365173a6ea89f8b2d504d90"},
};

/* The four tokens: plaintext bytes 0..159, signature, the packet. */
static const struct token_vec {
	const char *title;
	uint64_t timestamp;
	const char *addr;
	uint32_t ttl;
	const char *doors[2];
	int ndoors;
	uint8_t nonce;
	const char *hint, *plain, *sig, *packet;
} token_vecs[] = {
    {"IPv4",
     T0,
     "192.0.2.10",
     30,
     {"ssh"},
     1,
     0x03,
     "8ced7de6d38753b3",
     "000000006955b900040000000000001ec000020a000000000000000000000000"
     "7373680000000000000000000000000000000000000000000000000000000000"
     "0000000000000000000000000000000000000000000000000000000000000000"
     "0000000000000000000000000000000000000000000000000000000000000000"
     "0000000000000000000000000000000000000000000000000000000000000000",
     "cdb6eea626920953845cd56c071c3cfdb9e14f6fe3ee9fa43a505030fecf5e0e"
     "d05bd6a3dfb3f343c7cc50161bf040de5b140146ebd626fcabce0b5f0567ce04",
     "018ced7de6d38753b30303030303030303030303030303030303030303030303"
     "03ffe76b2bebcabbae5b036b4d1235b4fef157417bb02250d8667b8044db0018"
     "4a1e4fb5e213137e5a1b4568cfe653ca1ba6f2cefa3d81f7f76e35377372ea50"
     "e8203019e781eb08203870703367166f9b225836c0086bbf582d045270473cb0"
     "506a571f7d48f2ec98b095e861c5aacd39f5f432c9a475334ba7c95304f5cb30"
     "bb3d2742aa49a86285ae09d0d41dd851a15010cf96802b2e14f285e4afa91444"
     "5e619cc980880a9cf992e25a24b09e2f5eaa871cd91a0904869f17da98673e27"
     "34d2274e5d350b64949c999a28bdfc91b0a164f9b8e7a9ea25f710c73969c9b4"
     "33c125d372ef2c4df4ada6968ab5aa1a4e"},
    {"IPv6",
     T0 + 45,
     "2001:db8::10",
     0,
     {"ssh"},
     1,
     0x04,
     "beb620966e4a3aa9",
     "000000006955b92d060000000000000020010db8000000000000000000000010"
     "7373680000000000000000000000000000000000000000000000000000000000"
     "0000000000000000000000000000000000000000000000000000000000000000"
     "0000000000000000000000000000000000000000000000000000000000000000"
     "0000000000000000000000000000000000000000000000000000000000000000",
     "039744275e6a6c75b81b0f91ee3c24af183f09c6a802ba3bc823c8441fa94afa"
     "320ec1cf17fbbb1fc6e7f0f248006b86ef2e4db8106e21bc296e27e76f139c00",
     "01beb620966e4a3aa90404040404040404040404040404040404040404040404"
     "0419cfe1e2d4953df157542255a6e1925f90f4c2a2236a24cce2e3b6432f416e"
     "b49bc618a8524142c3d228d1e0cf42473eca4ce939525024a6a73927e1c8d4a9"
     "f390d004af85d8404bafa51a8cf11aa7f97b9307e1bf07bb278d4401b9614750"
     "e1f79740c8b235fd711ed0caa7bb907652da0bcc5c7d4bad83ce3ed7b87f15ff"
     "ede879807bd6947f0f951a81ec8d163a529766d54c01fa7ccb973bb0ddfed59d"
     "c34630da2cc1871b0aba17a3d1d50390119f08c7e476a65fd0f9a8edc0747687"
     "b426f6b57e0441ad899e2f2eddf9be7c1a3fc887efddfdd79ae45e5f0ba1f10a"
     "a9c057b75f394e2f160cfec517e4b9bdea"},
    {"two doors, a TTL",
     T0 + 75,
     "198.51.100.7",
     900,
     {"ssh", "web-egress"},
     2,
     0x05,
     "a4b6a7d04f33a4e3",
     "000000006955b94b0400000000000384c6336407000000000000000000000000"
     "737368007765622d656772657373000000000000000000000000000000000000"
     "0000000000000000000000000000000000000000000000000000000000000000"
     "0000000000000000000000000000000000000000000000000000000000000000"
     "0000000000000000000000000000000000000000000000000000000000000000",
     "a6c010278685d44ba04196fc16da44fdf209919a760103b3cff2f1d749a074f9"
     "3c13c5d6c787b51cb7f55f013a2d0bb6b7d34fdba9fec3537911667291f8c80c",
     "01a4b6a7d04f33a4e30505050505050505050505050505050505050505050505"
     "05a1f285308901afcdefde4751b27c2ddad8dcf858e68e00c0a727c6c2146029"
     "3e1dd66f05496ea0a8d20f01e39f7b758a806868710e9547d1b12f6581fe6917"
     "6a5264573125f31327541602ef8f0a574da64d917d15d734d2b3b0c0214bb7fc"
     "936f29d6f742e2c00f406680305515f60afa92779750b90c3461c48a38d34d69"
     "d89d29dc8251e2d98eaae891a3be02bcd873b21bf9aea1d6e1fa0a9031a2cfd8"
     "73d17cbc49a541cd3d1cb4565727d5d0115bba55214a9eea2d545a5bb031297d"
     "c3c6b7766c69a094bd6b6e1d0372fbe9ced78231a4d136483567a133fe8631e6"
     "f96ca6d91fabe15e674abcbadfc7ff66d5"},
    {"nat = yes, \"the address you see\"",
     T0 + 100,
     "0.0.0.0",
     0,
     {"ssh"},
     1,
     0x06,
     "2e311bb8ed112e42",
     "000000006955b964040000000000000000000000000000000000000000000000"
     "7373680000000000000000000000000000000000000000000000000000000000"
     "0000000000000000000000000000000000000000000000000000000000000000"
     "0000000000000000000000000000000000000000000000000000000000000000"
     "0000000000000000000000000000000000000000000000000000000000000000",
     "e225683413b7261dc6fe95bf8274a22341ea8cd11ff9575d5cd390058d02c77b"
     "97e69ee238813dffc483f0b207cb73c22c74eb764353167337987e58f1f21406",
     "012e311bb8ed112e420606060606060606060606060606060606060606060606"
     "065130bb07f5cba693d83ab046cb0760307206e7b455b67d254670816e2512fc"
     "aa43f47f2868c0361df2116f06bbab777a79f236efeff51a8c641a01dc2f3b0f"
     "03f9fc18e5e157de5f81571e96be104575f3869eb453a674135690caaf2ee1ce"
     "a0bb5c25400d4c0aca2bec83ae674590055083a8163732df50e4cf88ac139b73"
     "25be2a24f2f27d1fb91651cfd46ef1285199b60d88ebbd5f05ebf72fe2c3f328"
     "6b3c59bacf7feb68107682c874aac77769567385ce2448612ed75b349f37a6ed"
     "bd1ddb1f8e350c483c64bbd42c1b928397684522d72d5f0ba9d15bfd1c707559"
     "f738566a17ccf57c38ca0bb1a3096be93e"},
};

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

	sodium_hex2bin(want, sizeof(want), token_vecs[0].packet, 2 * TOKEN_SIZE, NULL, NULL, NULL);
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

static int hex_is(const uint8_t *p, size_t n, const char *want)
{
	char h[2 * TOKEN_SIZE + 1];

	sodium_bin2hex(h, sizeof(h), p, n);
	return !strcmp(h, want);
}

/* X25519 private key as the page gives it: SHA-512 of the seed, 32 bytes, clamped. */
static void x25519_private(uint8_t x[32], uint8_t fill)
{
	uint8_t seed[32], h[64];

	memset(seed, fill, sizeof(seed));
	crypto_hash_sha512(h, seed, sizeof(seed));
	h[0] &= 248;
	h[31] &= 127;
	h[31] |= 64;
	memcpy(x, h, 32);
}

/* Each step of the key derivation, by the page's recipe, against the documented values. */
static void derivation(void)
{
	static const char label[] = "knock shared key v1";
	uint8_t v[9][32], x[32], y[32], salt[16] = {0}, personal[16] = "knock-v1";
	crypto_generichash_state st;
	int same = 1;

	x25519_private(v[0], 0x01);
	x25519_private(v[2], 0x02);
	ok(crypto_sign_ed25519_sk_to_curve25519(x, client.sk) == 0 && !memcmp(x, v[0], 32) &&
	       crypto_sign_ed25519_sk_to_curve25519(y, server.sk) == 0 && !memcmp(y, v[2], 32),
	   "X25519 private keys: SHA-512 of the seed, clamped, as libsodium converts them");
	ok(crypto_sign_ed25519_pk_to_curve25519(v[1], client.pk) == 0 &&
	       crypto_sign_ed25519_pk_to_curve25519(v[3], server.pk) == 0 &&
	       crypto_scalarmult_curve25519_base(x, v[0]) == 0 && !memcmp(x, v[1], 32) &&
	       crypto_scalarmult_curve25519_base(y, v[2]) == 0 && !memcmp(y, v[3], 32),
	   "the Ed25519 public keys mapped to X25519 are the X25519 private keys' public keys");
	ok(crypto_scalarmult_curve25519(v[4], v[0], v[3]) == 0 &&
	       crypto_scalarmult_curve25519(x, v[2], v[1]) == 0 && !memcmp(x, v[4], 32),
	   "dh is the same from both sides");
	crypto_generichash_init(&st, NULL, 0, 32);
	crypto_generichash_update(&st, (const uint8_t *)label, sizeof(label) - 1);
	crypto_generichash_update(&st, v[4], 32);
	crypto_generichash_update(&st, client.pk, 32);
	crypto_generichash_update(&st, server.pk, 32);
	crypto_generichash_final(&st, v[5], 32);
	for (int id = 1; id <= 3; id++) { /* BLAKE2b keyed with master, of the empty message */
		salt[0] = (uint8_t)id;
		crypto_generichash_blake2b_salt_personal(v[5 + id], 32, NULL, 0, v[5], 32, salt,
							 personal);
	}
	for (size_t i = 0; i < sizeof(derivation_hex) / sizeof(derivation_hex[0]); i++)
		same &= ok(hex_is(v[i], 32, derivation_hex[i].hex), "documented %s",
			   derivation_hex[i].name);
	ok(same && !memcmp(v[6], kc.aead, 32) && !memcmp(v[7], kc.hint, 32) &&
	       !memcmp(v[8], kc.seq, 32),
	   "the page's recipe gives crypto_pair_derive's three keys");
}

static void hints(void)
{
	static const char *const want[] = {"543a1d675d538746", "8ced7de6d38753b3",
					   "beb620966e4a3aa9"};
	uint8_t h[HINT_LEN];

	for (int i = 0; i < 3; i++) {
		crypto_hint(h, &kc, T0 / TIME_STEP - 1 + (uint64_t)i);
		ok(hex_is(h, HINT_LEN, want[i]), "documented key hint for step %d",
		   T0 / TIME_STEP - 1 + i);
	}
}

static void one_vector(const struct token_vec *v)
{
	uint8_t out[TOKEN_SIZE], plain[TOKEN_PLAIN_LEN];
	struct token t, o;
	size_t off = 0;
	int n = 0, opened;

	memset(&t, 0, sizeof(t));
	t.timestamp = v->timestamp;
	t.ttl = v->ttl;
	memset(t.nonce, v->nonce, sizeof(t.nonce));
	if (addr_parse(v->addr, &t.addr) < 0 || token_set_doors(&t, v->doors, v->ndoors)) {
		ok(0, "%s: fields", v->title);
		return;
	}
	token_seal(out, &t, &kc, &client, server.pk);
	ok(hex_is(out, TOKEN_SIZE, v->packet) && hex_is(out + 1, HINT_LEN, v->hint),
	   "%s: sealing gives the documented packet and hint", v->title);
	ok(crypto_aead_xchacha20poly1305_ietf_decrypt(plain, NULL, NULL, out + TOKEN_HEADER_LEN,
						      TOKEN_SIZE - TOKEN_HEADER_LEN, out, 9,
						      t.nonce, ks.aead) == 0 &&
	       hex_is(plain, 160, v->plain) && hex_is(plain + 160, 64, v->sig),
	   "%s: documented plaintext and signature", v->title);
	opened = token_open(&o, out, &ks) == TOKEN_OK &&
		 token_verify(&o, client.pk, server.pk) == TOKEN_OK;
	while (opened && token_next_door(&o, &off))
		n++;
	ok(opened && n == v->ndoors && o.timestamp == v->timestamp && o.ttl == v->ttl &&
	       addr_equal(&o.addr, &t.addr),
	   "%s: the server side opens it, the signature verifies, the fields decode", v->title);
}

/* What a server makes of the four: ok from their own address; the nat form needs nat. */
static void vectors_verified(int nat)
{
	static const char *const src[] = {"192.0.2.10", "2001:db8::10", "198.51.100.7",
					  "203.0.113.5"};
	char text[512], b64[KEY_B64_LEN], err[256] = "";
	struct config c;
	struct verifier v;
	struct verdict vd;
	struct addr a;
	uint8_t pkt[TOKEN_SIZE];
	uint32_t doors[4];
	int r[4];

	stand_in_key(b64);
	snprintf(text, sizeof(text),
		 "[door:ssh]\nports = 22\nttl = 30s\nmax_ttl = 1h\n[door:web-egress]\n"
		 "direction = out\nports = 80,443\nttl = 10m\nmax_ttl = 1h\n"
		 "[client:laptop]\npublic_key = %s\ndoors = ssh, web-egress\nnat = %s\n",
		 b64, nat ? "yes" : "no");
	if (!ok(config_parse(&c, "t.conf", text, strlen(text), err, sizeof(err)) == 0 &&
		    use_vector_keys(&c, client.pk, NULL) &&
		    verify_init(&v, &c, &server, err, sizeof(err)) == 0,
		"vector server (nat = %s): %s", nat ? "yes" : "no", err))
		return;
	for (int i = 0; i < 4; i++) {
		addr_parse(src[i], &a);
		sodium_hex2bin(pkt, sizeof(pkt), token_vecs[i].packet, 2 * TOKEN_SIZE, NULL, NULL,
			       NULL);
		r[i] =
		    verify_token(&v, pkt, sizeof(pkt), &a, (int64_t)token_vecs[i].timestamp, &vd);
		doors[i] = vd.doors;
	}
	ok(r[0] == V_OK && r[1] == V_OK && r[2] == V_OK && doors[2] == 3,
	   "nat = %s: the IPv4, IPv6 and two-door vectors are accepted from their address",
	   nat ? "yes" : "no");
	ok(nat ? r[3] == V_OK && vd.addr.a[0] == 203 : r[3] == V_ADDRESS,
	   "nat = %s: the all-zero address %s", nat ? "yes" : "no",
	   nat ? "opens the datagram's source" : "is refused (address)");
	verify_free(&v);
	config_free(&c);
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

	stand_in_key(b1);
	stand_in_key(b2);
	snprintf(text, sizeof(text), conf_fmt, b1, b2);
	if (!ok(config_parse(&c, "t.conf", text, strlen(text), err, sizeof(err)) == 0 &&
		    use_vector_keys(&c, client.pk, natty.pk),
		"test config parses: %s", err) ||
	    !ok(verify_init(&v, &c, &server, err, sizeof(err)) == 0, "verifier init"))
		return;
	addr_parse("192.0.2.10", &src);
	make_token(tok, &kc, &client, T0, "192.0.2.10", "ssh", 0);
	ok(verify_token(&v, tok, sizeof(tok), &src, T0 + 5, &vd) == V_OK && vd.client == 0 &&
	       vd.doors == 1 && addr_equal(&vd.addr, &src),
	   "valid token accepted: client laptop, door ssh, its address");
	ok(verify_token(&v, tok, sizeof(tok), &src, T0 + 5, &vd) == V_DUPLICATE,
	   "the same token again at once from its address: the sender's copy, a duplicate");
	ok(verify_token(&v, tok, sizeof(tok), &src, T0 + 5 + VERIFY_DUP_SECS, &vd) == V_DUPLICATE,
	   "... still a duplicate %d s after it was accepted", VERIFY_DUP_SECS);
	ok(verify_token(&v, tok, sizeof(tok), &src, T0 + 6 + VERIFY_DUP_SECS, &vd) == V_REPLAY,
	   "... a second later: a replay");
	{
		struct addr other;

		addr_parse("192.0.2.11", &other);
		ok(verify_token(&v, tok, sizeof(tok), &other, T0 + 5, &vd) == V_REPLAY &&
		       vd.client == 0,
		   "the same token at once from another address: a replay, of laptop's token");
		tok[TOKEN_SIZE - 1] ^= 1;
		ok(verify_token(&v, tok, sizeof(tok), &other, T0 + 5, &vd) == V_REPLAY,
		   "a copy with its tag bit-flipped: refused by the nonce before any AEAD");
		tok[TOKEN_SIZE - 1] ^= 1;
	}
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
	ok(verify_token(&v, tok, sizeof(tok), &src, T0, &vd) == V_DUPLICATE,
	   "... its copy from the same address: a duplicate (one refusal logged, not seven)");
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
		ok(grantsvc_ttl(&c.doors[1], &(struct grantsvc_req){.ttl = vd.ttl}) == 600 &&
		       grantsvc_ttl(&c.doors[0], &(struct grantsvc_req){.ttl = 7200}) == 3600 &&
		       grantsvc_ttl(&c.doors[0], &(struct grantsvc_req){.ttl = 0}) == 30 &&
		       grantsvc_ttl(&c.doors[0], &(struct grantsvc_req){.ttl = 7200, .exact = 1}) ==
			   7200,
		   "TTL (the grant service's rule): capped at max_ttl, 0 means the door default, "
		   "an exact (window) TTL as given");
		make_token(tok, &kr, &natty, T0, "0.0.0.0", "ssh", 0);
		ok(verify_token(&v, tok, sizeof(tok), &src, T0, &vd) == V_OK &&
		       addr_equal(&vd.addr, &src),
		   "nat = yes and address 0.0.0.0: the packet's source is opened");
	}
	ok(v.counts[V_OK] == 4 && v.counts[V_REPLAY] == 3 && v.counts[V_DUPLICATE] == 3 &&
	       v.counts[V_DOOR] == 2,
	   "per-reason counters");
	verify_free(&v);
	config_free(&c);
}

/* The first sequence vector of knock-protocol(7), from the same keys and timestamp. */
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
	derivation();
	hints();
	for (size_t i = 0; i < sizeof(token_vecs) / sizeof(token_vecs[0]); i++)
		one_vector(&token_vecs[i]);
	vectors_verified(0);
	vectors_verified(1);
	bit_flips();
	verifier();
	sequence_vector();
	return tap_done();
}
