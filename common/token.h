/*
 * The signed UDP token, version 1: encoding, AEAD sealing and opening, and the signature.
 * Pure: no I/O, no clock. The byte layout is documented in knock-protocol(7).
 */
#ifndef KNOCK_TOKEN_H
#define KNOCK_TOKEN_H

#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "crypto.h"
#include "keys.h"

#define TOKEN_VERSION    1
#define TOKEN_NONCE_LEN  24
#define TOKEN_SIG_LEN    64
#define TOKEN_DOORS_LEN  128
#define TOKEN_PLAIN_LEN  224 /* 32 fixed + 128 doors + 64 signature */
#define TOKEN_HEADER_LEN (1 + HINT_LEN + TOKEN_NONCE_LEN)
#define TOKEN_SIZE       (TOKEN_HEADER_LEN + TOKEN_PLAIN_LEN + 16) /* 273 */

enum token_err {
	TOKEN_OK = 0,
	TOKEN_E_SIZE = -1,      /* not TOKEN_SIZE bytes */
	TOKEN_E_VERSION = -2,   /* unknown version byte */
	TOKEN_E_AEAD = -3,      /* does not open with this key */
	TOKEN_E_MALFORMED = -4, /* opened, but fields are not canonical */
	TOKEN_E_SIGNATURE = -5, /* the client's signature does not verify */
	TOKEN_E_DOORS = -6,     /* door list does not fit or has a bad name */
};

struct token {
	uint64_t timestamp;          /* unix seconds, client's clock */
	struct addr addr;            /* address to open; all-zero = "the address you see" (nat) */
	uint32_t ttl;                /* seconds; 0 = each door's default */
	char doors[TOKEN_DOORS_LEN]; /* names separated by one NUL, NUL padded */
	uint8_t nonce[TOKEN_NONCE_LEN];
	uint8_t sig[TOKEN_SIG_LEN];
};

/* Packs door names into t->doors. */
int token_set_doors(struct token *t, const char *const *names, size_t n)
    __attribute__((warn_unused_result));
/* Iterates t->doors: returns the next name, or NULL at the end. *off starts at 0. */
const char *token_next_door(const struct token *t, size_t *off);

/* Signs t with the client key (fills t->sig) and seals it; t->nonce must be set. */
void token_seal(uint8_t out[TOKEN_SIZE], struct token *t, const struct pair_keys *k,
		const struct keypair *client, const uint8_t server_pk[KEY_PUBLIC_LEN]);

/* Cheap checks before any crypto: size and version. */
int token_check_header(const uint8_t *in, size_t len) __attribute__((warn_unused_result));
static inline const uint8_t *token_hint(const uint8_t *in)
{
	return in + 1;
}
/* AEAD open with one pair's key, then strict decoding of the fields. */
int token_open(struct token *t, const uint8_t in[TOKEN_SIZE], const struct pair_keys *k)
    __attribute__((warn_unused_result));
/* Checks the Ed25519 signature of an opened token. */
int token_verify(const struct token *t, const uint8_t client_pk[KEY_PUBLIC_LEN],
		 const uint8_t server_pk[KEY_PUBLIC_LEN]) __attribute__((warn_unused_result));

#endif
