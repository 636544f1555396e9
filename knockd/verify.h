/*
 * Token verification, cheapest check first: size and version, an O(1) key-hint lookup, the
 * replay cache (by the nonce, in clear), one AEAD open, timestamp window, Ed25519
 * signature, then policy (address binding, doors, TTL). Pure apart from libsodium; the caller
 * persists accepted nonces.
 */
#ifndef KNOCKD_VERIFY_H
#define KNOCKD_VERIFY_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "crypto.h"
#include "replay.h"
#include "token.h"

/* Counters are indexed by these; nothing depends on their order (see the predicates). */
enum verify_result {
	V_OK = 0,
	V_SIZE,        /* junk: wrong size */
	V_VERSION,     /* junk: unknown version */
	V_HINT,        /* junk: no client has this key hint now */
	V_AEAD,        /* junk: does not decrypt */
	V_MALFORMED,   /* decrypted, fields not canonical */
	V_STALE,       /* timestamp older than replay_window */
	V_FUTURE,      /* timestamp further ahead than replay_window */
	V_REPLAY,      /* nonce seen before */
	V_SIGNATURE,   /* signature does not verify */
	V_REPLAY_FULL, /* the client's share of the replay cache is full: refused, fail closed */
	V_ADDRESS,     /* token names another address than the packet's source */
	V_DOOR,        /* a door unknown or not allowed for this client */
	V_DUPLICATE,   /* the sender's own copy of a token just accepted: counted, not logged */
	V_NRESULTS
};

/* Seconds after a token is accepted during which copies from its address are duplicates
 * (the client sends a few, spread over well under a second, so that one survives loss). */
#define VERIFY_DUP_SECS     2
#define VERIFY_REFUSED_RING 8

struct verdict {
	int client;       /* index in config clients */
	uint32_t doors;   /* mask of config doors */
	uint32_t ttl;     /* requested, 0 = door default */
	struct addr addr; /* address to open */
	uint8_t nonce_id[REPLAY_ID_LEN];
	int64_t nonce_expires;
	uint64_t timestamp;
	char door[NAME_MAX_LEN + 1]; /* V_DOOR: the door refused, "" = none asked for */
};

struct hint_slot;

struct verifier {
	const struct config *cfg;
	uint8_t server_pk[KEY_PUBLIC_LEN];
	struct pair_keys *keys; /* one per client, guarded memory */
	struct hint_slot *hints;
	size_t hint_mask;
	uint64_t hint_step; /* step the table was built for */
	int hint_span;      /* steps on each side of now */
	struct replay replay;
	/* The nonces (and sources) of the last refused tokens: their copies from the same
	 * address are duplicates, not refusals logged once per copy. */
	struct {
		uint8_t id[REPLAY_ID_LEN];
		uint32_t src;
	} refused[VERIFY_REFUSED_RING];
	unsigned refused_next;
	uint64_t counts[V_NRESULTS];
};

/* Cleans up after itself on failure; verify_free() is for a verifier that was made.
 * verify_init derives the client keys from the server's key pair; verify_init_keys takes
 * them derived (struct pairs: the packet parser never holds the server key) and owns keys,
 * a sodium_allocarray of cfg->nclients, from then on (freed on failure too). */
int verify_init_keys(struct verifier *v, const struct config *cfg,
		     const uint8_t server_pk[KEY_PUBLIC_LEN], struct pair_keys *keys, char *err,
		     size_t errlen) __attribute__((warn_unused_result));
int verify_init(struct verifier *v, const struct config *cfg, const struct keypair *server,
		char *err, size_t errlen) __attribute__((warn_unused_result));
void verify_free(struct verifier *v);
/* Whether the verifier has taken the token's nonce: only a token that passed every check
 * (V_OK) spends a slot of the replay cache; the caller persists it. */
int verify_spent(int r);
/* Whether a refusal is logged: the token opened with a client's key (out->client names
 * it) and was well formed. Junk and V_MALFORMED are only counted. */
int verify_logged(int r);
/* src is the packet's source address; now is wall-clock seconds. */
int verify_token(struct verifier *v, const uint8_t *buf, size_t len, const struct addr *src,
		 int64_t now, struct verdict *out);
const char *verify_strresult(int r);

#endif
