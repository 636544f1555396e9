/* Key agreement between one client and one server, and the keys derived from it. */
#include "crypto.h"

#include <sodium.h>
#include <string.h>

static const char shared_label[] = "knock shared key v1";
static const char kdf_ctx[crypto_kdf_CONTEXTBYTES + 1] = "knock-v1";

enum { KDF_AEAD = 1, KDF_HINT = 2, KDF_SEQ = 3 };

int crypto_pair_derive(struct pair_keys *out, const struct keypair *own,
		       const uint8_t peer_pk[KEY_PUBLIC_LEN],
		       const uint8_t client_pk[KEY_PUBLIC_LEN],
		       const uint8_t server_pk[KEY_PUBLIC_LEN])
{
	uint8_t own_x[32], peer_x[32], dh[32], master[32];
	crypto_generichash_state st;
	int ret = -1;

	if (crypto_sign_ed25519_sk_to_curve25519(own_x, own->sk) < 0 ||
	    crypto_sign_ed25519_pk_to_curve25519(peer_x, peer_pk) < 0 ||
	    crypto_scalarmult_curve25519(dh, own_x, peer_x) < 0)
		goto out;
	crypto_generichash_init(&st, NULL, 0, sizeof(master));
	crypto_generichash_update(&st, (const uint8_t *)shared_label, sizeof(shared_label) - 1);
	crypto_generichash_update(&st, dh, sizeof(dh));
	crypto_generichash_update(&st, client_pk, KEY_PUBLIC_LEN);
	crypto_generichash_update(&st, server_pk, KEY_PUBLIC_LEN);
	crypto_generichash_final(&st, master, sizeof(master));
	crypto_kdf_derive_from_key(out->aead, sizeof(out->aead), KDF_AEAD, kdf_ctx, master);
	crypto_kdf_derive_from_key(out->hint, sizeof(out->hint), KDF_HINT, kdf_ctx, master);
	crypto_kdf_derive_from_key(out->seq, sizeof(out->seq), KDF_SEQ, kdf_ctx, master);
	ret = 0;
out:
	sodium_memzero(own_x, sizeof(own_x));
	sodium_memzero(dh, sizeof(dh));
	sodium_memzero(master, sizeof(master));
	sodium_memzero(&st, sizeof(st));
	return ret;
}

void crypto_hint(uint8_t out[HINT_LEN], const struct pair_keys *k, uint64_t step)
{
	uint8_t msg[12] = {'h', 'i', 'n', 't'};

	for (int i = 0; i < 8; i++)
		msg[4 + i] = (uint8_t)(step >> (56 - 8 * i));
	crypto_generichash(out, HINT_LEN, msg, sizeof(msg), k->hint, sizeof(k->hint));
}
