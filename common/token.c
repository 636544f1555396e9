/*
 * The signed UDP token, version 1: encoding, AEAD sealing and opening, and the signature.
 * Pure: no I/O, no clock. The byte layout is documented in knock-protocol(7).
 */
#include "token.h"

#include <sodium.h>
#include <string.h>

#include "parse.h"

#define FIXED_LEN  32
#define SIGNED_LEN (FIXED_LEN + TOKEN_DOORS_LEN) /* plaintext bytes the signature covers */

static const char sig_label[] = "knock token v1";

static void put_be(uint8_t *p, uint64_t v, int bytes)
{
	for (int i = 0; i < bytes; i++)
		p[i] = (uint8_t)(v >> (8 * (bytes - 1 - i)));
}

static uint64_t get_be(const uint8_t *p, int bytes)
{
	uint64_t v = 0;

	for (int i = 0; i < bytes; i++)
		v = (v << 8) | p[i];
	return v;
}

int token_set_doors(struct token *t, const char *const *names, size_t n)
{
	size_t off = 0;
	char err[80];

	memset(t->doors, 0, sizeof(t->doors));
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(names[i]);

		if (parse_name(names[i], err, sizeof(err)) < 0 || off + len + 1 > sizeof(t->doors))
			return TOKEN_E_DOORS;
		memcpy(t->doors + off, names[i], len);
		off += len + 1;
	}
	return n ? TOKEN_OK : TOKEN_E_DOORS;
}

const char *token_next_door(const struct token *t, size_t *off)
{
	const char *name;

	if (*off >= sizeof(t->doors) || t->doors[*off] == '\0')
		return NULL;
	name = t->doors + *off;
	*off += strlen(name) + 1;
	return name;
}

static void encode_plain(uint8_t p[SIGNED_LEN], const struct token *t)
{
	memset(p, 0, SIGNED_LEN);
	put_be(p, t->timestamp, 8);
	p[8] = t->addr.family;
	put_be(p + 12, t->ttl, 4);
	memcpy(p + 16, t->addr.a, 16);
	memcpy(p + FIXED_LEN, t->doors, TOKEN_DOORS_LEN);
}

static void signed_message(uint8_t *msg, const uint8_t plain[SIGNED_LEN], const uint8_t *nonce,
			   const uint8_t server_pk[KEY_PUBLIC_LEN])
{
	size_t off = 0;

	memcpy(msg, sig_label, sizeof(sig_label) - 1);
	off += sizeof(sig_label) - 1;
	memcpy(msg + off, server_pk, KEY_PUBLIC_LEN);
	off += KEY_PUBLIC_LEN;
	memcpy(msg + off, nonce, TOKEN_NONCE_LEN);
	off += TOKEN_NONCE_LEN;
	memcpy(msg + off, plain, SIGNED_LEN);
}

#define MSG_LEN (sizeof(sig_label) - 1 + KEY_PUBLIC_LEN + TOKEN_NONCE_LEN + SIGNED_LEN)

void token_seal(uint8_t out[TOKEN_SIZE], struct token *t, const struct pair_keys *k,
		const struct keypair *client, const uint8_t server_pk[KEY_PUBLIC_LEN])
{
	uint8_t plain[TOKEN_PLAIN_LEN], msg[MSG_LEN];

	encode_plain(plain, t);
	signed_message(msg, plain, t->nonce, server_pk);
	crypto_sign_detached(t->sig, NULL, msg, sizeof(msg), client->sk);
	memcpy(plain + SIGNED_LEN, t->sig, TOKEN_SIG_LEN);

	out[0] = TOKEN_VERSION;
	crypto_hint(out + 1, k, t->timestamp / TIME_STEP);
	memcpy(out + 1 + HINT_LEN, t->nonce, TOKEN_NONCE_LEN);
	crypto_aead_xchacha20poly1305_ietf_encrypt(out + TOKEN_HEADER_LEN, NULL, plain,
						   sizeof(plain), out, 1 + HINT_LEN, NULL, t->nonce,
						   k->aead);
	sodium_memzero(plain, sizeof(plain));
}

int token_check_header(const uint8_t *in, size_t len)
{
	if (len != TOKEN_SIZE)
		return TOKEN_E_SIZE;
	if (in[0] != TOKEN_VERSION)
		return TOKEN_E_VERSION;
	return TOKEN_OK;
}

/* Canonical door list: at least one name, each valid, one NUL apart, zero padding after. */
static int doors_canonical(const char *d)
{
	size_t off = 0;
	char name[TOKEN_DOORS_LEN], err[80];

	if (d[0] == '\0' || d[TOKEN_DOORS_LEN - 1] != '\0')
		return 0;
	while (off < TOKEN_DOORS_LEN && d[off]) {
		size_t len = strnlen(d + off, TOKEN_DOORS_LEN - off);

		memcpy(name, d + off, len);
		name[len] = '\0';
		if (parse_name(name, err, sizeof(err)) < 0)
			return 0;
		off += len + 1;
	}
	for (; off < TOKEN_DOORS_LEN; off++)
		if (d[off])
			return 0;
	return 1;
}

static int decode_plain(struct token *t, const uint8_t p[TOKEN_PLAIN_LEN])
{
	static const uint8_t zero[12];

	t->timestamp = get_be(p, 8);
	t->addr.family = p[8];
	t->ttl = (uint32_t)get_be(p + 12, 4);
	memcpy(t->addr.a, p + 16, 16);
	memcpy(t->doors, p + FIXED_LEN, TOKEN_DOORS_LEN);
	memcpy(t->sig, p + SIGNED_LEN, TOKEN_SIG_LEN);
	if (p[9] || p[10] || p[11])
		return TOKEN_E_MALFORMED;
	if (t->addr.family != 4 && t->addr.family != 6)
		return TOKEN_E_MALFORMED;
	if (t->addr.family == 4 && memcmp(t->addr.a + 4, zero, 12))
		return TOKEN_E_MALFORMED;
	return doors_canonical(t->doors) ? TOKEN_OK : TOKEN_E_MALFORMED;
}

int token_open(struct token *t, const uint8_t in[TOKEN_SIZE], const struct pair_keys *k)
{
	uint8_t plain[TOKEN_PLAIN_LEN];
	int ret;

	memcpy(t->nonce, in + 1 + HINT_LEN, TOKEN_NONCE_LEN);
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(plain, NULL, NULL, in + TOKEN_HEADER_LEN,
						       TOKEN_SIZE - TOKEN_HEADER_LEN, in,
						       1 + HINT_LEN, t->nonce, k->aead) < 0)
		return TOKEN_E_AEAD;
	ret = decode_plain(t, plain);
	sodium_memzero(plain, sizeof(plain));
	return ret;
}

int token_verify(const struct token *t, const uint8_t client_pk[KEY_PUBLIC_LEN],
		 const uint8_t server_pk[KEY_PUBLIC_LEN])
{
	uint8_t plain[SIGNED_LEN], msg[MSG_LEN];

	encode_plain(plain, t);
	signed_message(msg, plain, t->nonce, server_pk);
	if (crypto_sign_verify_detached(t->sig, msg, sizeof(msg), client_pk) < 0)
		return TOKEN_E_SIGNATURE;
	return TOKEN_OK;
}
