/*
 * The client pair keys, derived from the server's private key by the rule writer (at
 * start-up in a short-lived child, before the packet parser is forked) and handed to the
 * parser in a memfd: the parser never holds the server's private key.
 */
#ifndef KNOCKD_PAIRS_H
#define KNOCKD_PAIRS_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "crypto.h"
#include "keys.h"

struct pairs {
	uint8_t server_pk[KEY_PUBLIC_LEN];
	struct pair_keys *keys; /* one per configured client, guarded memory */
	size_t n;
};

/* Reads cfg's private key file and derives every client's keys; the key is wiped. */
int pairs_derive(const struct config *cfg, struct pairs *out, char *err, size_t errlen)
    __attribute__((warn_unused_result));
/* The same in a child process, so this process never holds the server's key. */
int pairs_derive_apart(const struct config *cfg, struct pairs *out, char *err, size_t errlen)
    __attribute__((warn_unused_result));
/* A memfd holding them, read from its start; -1 on failure (err says why). */
int pairs_write(const struct pairs *p, char *err, size_t errlen)
    __attribute__((warn_unused_result));
/* Reads what pairs_write (or a failed derivation) wrote; nclients must match. Closes fd. */
int pairs_read(int fd, size_t nclients, struct pairs *out, char *err, size_t errlen)
    __attribute__((warn_unused_result));
void pairs_free(struct pairs *p);

#endif
